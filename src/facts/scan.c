/*
 * scan.c - find the Go binaries under host paths, in a root, in an image or
 * behind the running processes, and gather their facts on a pool of threads
 * (linkproof/scan.h).
 *
 * Owns: the walks (host directories through descriptors: openat with
 * O_NOFOLLOW|O_NONBLOCK, a type check by fstat before anything is read,
 * symbolic links never followed, pseudo file systems not entered; an image
 * in the order its bytes lie in the layers; /proc grouped by executable), the
 * window of jobs between the walk and the workers, and the order records
 * come out in.
 *
 * Invariants: the calling thread (the producer) is the only one that walks,
 * opens, touches an image root, calls the record callback and frees a job; a
 * worker only reads the job it took and fills in its result. At most W =
 * 4 x jobs jobs exist at once (each may hold a descriptor or a file's bytes);
 * a job's number is its place in the walk and records are emitted in that
 * order, so the output does not depend on the number of threads. Facts are
 * freed before the source they were read from (a memory source's regions
 * are views of its bytes).
 */
#include "linkproof/scan.h"
#include "linkproof/exporter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/proc.h"
#include "proc/proc_internal.h"
#include "root/image_files.h"

#define HEAD 64u
#define MAX_JOBS 256u

typedef enum { J_FREE = 0, J_QUEUED, J_BUSY, J_DONE } jstate;

typedef struct job {
    jstate state;
    uint64_t seq;
    /* what the producer hands over */
    int fd;               /* an open regular file, or -1 */
    lp_src *src;          /* or its bytes (images) */
    uint64_t size;
    char *path;           /* as reported */
    char *display;        /* the facts' name */
    lp_err pre;           /* the producer could not open it: an error record */
    lp_scan_proc *procs;
    size_t n_procs;
    /* what the worker fills in */
    bool looked, object, go;
    lp_facts *facts;      /* NULL: nothing to report */
    void *user;
} job;

typedef struct scan {
    const lp_scan_opts *o;
    lp_scan_origin origin;
    const char *label;
    lp_scan_stats *st;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    job *ring;
    size_t w;
    uint64_t next_seq, next_take, next_emit;
    bool closing, stop;
    unsigned idle;        /* workers waiting for a job */
    bool waiting;         /* the producer waits for a job to finish */
    pthread_t *threads;
    unsigned n_threads;
    uint64_t progress_at;
    lp_code fatal;
    lp_err fatal_err;
    dev_t dev0;           /* one_filesystem: where the named directory is */
} scan;

const char *lp_scan_origin_name(lp_scan_origin o)
{
    switch (o) {
    case LP_SCAN_PATH: return "path";
    case LP_SCAN_ROOT: return "root";
    case LP_SCAN_IMAGE: return "image";
    case LP_SCAN_PROCESS: return "process";
    }
    return "?";
}

/* ------------------------------------------------------------------ */
/* Workers                                                              */

static bool object_magic(const uint8_t *h, size_t n)
{
    if (n >= 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F')
        return true;
    if (n >= 2 && h[0] == 'M' && h[1] == 'Z')
        return true;
    if (n >= 4) {
        uint32_t be = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (be == 0xfeedfaceu || be == 0xfeedfacfu || be == 0xcefaedfeu || be == 0xcffaedfeu ||
            be == 0xcafebabeu)
            return true;
    }
    return false;
}

static lp_facts *error_facts(const char *name, const lp_err *e)
{
    lp_facts *f = calloc(1, sizeof *f);
    if (f && !(f->path = strdup(name))) {
        free(f);
        return NULL;
    }
    if (f)
        f->error = *e;
    return f;
}

/* Build info or a Go build ID: what makes a Go binary for `go version` and the linker. */
static bool looks_go(lp_src *src, bool *object)
{
    lp_obj *obj = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_obj_open(&obj, src, &e) != LP_OK) {
        /* not an object after all (UNSUPPORTED) or a malformed one: inspect would say which */
        *object = e.code != LP_ERR_UNSUPPORTED;
        return false;
    }
    *object = true;
    lp_buildinfo *bi = NULL;
    bool go = lp_buildinfo_read(obj, &bi, &e) == LP_OK;
    lp_buildinfo_free(&bi);
    if (!go) {
        char *id = NULL;
        lp_buildid_src from = LP_BUILDID_NONE;
        go = lp_go_buildid(obj, &id, &from, &e) == LP_OK && id;
        free(id);
    }
    lp_obj_free(&obj);
    return go;
}

static void fill_record(const scan *s, const job *j, lp_scan_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->seq = j->seq;
    rec->origin = s->origin;
    rec->path = j->path;
    rec->label = s->label;
    rec->facts = j->facts;
    rec->procs = j->procs;
    rec->n_procs = j->n_procs;
    rec->user = j->user;
}

static void do_job(scan *s, job *j)
{
    lp_err e;
    lp_err_clear(&e);
    if (j->pre.code) {
        j->facts = error_facts(j->path, &j->pre);
        goto work;
    }
    if (j->fd >= 0) {
        int fd = j->fd;
        j->fd = -1;
        if (lp_src_from_fd(&j->src, fd, j->display, j->size, &e) != LP_OK) {
            j->facts = error_facts(j->display, &e);
            goto work;
        }
    }
    if (!j->src)
        return;
    uint8_t head[HEAD];
    size_t got = 0;
    j->looked = true;
    if (lp_src_read_upto(j->src, 0, head, sizeof head, &got, &e) != LP_OK) {
        j->facts = error_facts(j->display, &e);
        goto work;
    }
    if (!object_magic(head, got))
        return;
    bool object = false;
    j->go = looks_go(j->src, &object);
    j->object = object;
    if (!j->go && !(s->o->all_objects && object))
        return;
    lp_facts *f = NULL;
    lp_facts_from_src_flags(j->src, s->o->facts, s->o->identity ? LP_FACTS_IDENTITY : 0, &f, &e);
    if (!f)
        f = error_facts(j->display, &e);
    j->facts = f;
    if (f && f->is_go)
        j->go = true;
work:
    if (j->facts && s->o->work) {
        lp_scan_record rec;
        fill_record(s, j, &rec);
        j->user = s->o->work(s->o->work_ctx, &rec);
    }
}

static void *worker(void *arg)
{
    scan *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->next_take == s->next_seq && !s->closing) {
            s->idle++;
            pthread_cond_wait(&s->work_cv, &s->mu);
            s->idle--;
        }
        if (s->next_take == s->next_seq)
            break;
        job *j = &s->ring[s->next_take % s->w];
        s->next_take++;
        j->state = J_BUSY;
        bool skip = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (!skip)
            do_job(s, j);
        pthread_mutex_lock(&s->mu);
        j->state = J_DONE;
        if (s->waiting)
            pthread_cond_signal(&s->done_cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The producer: the window, records in order                          */

static void job_clear(job *j)
{
    lp_facts_free(&j->facts); /* before its source: regions may be views of the bytes */
    lp_src_free(&j->src);
    if (j->fd >= 0)
        close(j->fd);
    free(j->path);
    free(j->display);
    for (size_t i = 0; i < j->n_procs; i++) {
        free(j->procs[i].exe);
        free(j->procs[i].cgroup);
        free(j->procs[i].container);
    }
    free(j->procs);
    memset(j, 0, sizeof *j);
    j->fd = -1;
}

static void progress(scan *s, bool done)
{
    if (s->o->progress)
        s->o->progress(s->o->progress_ctx, s->st, done);
}

/* Emit the finished jobs at the head of the window; called with s->mu held. */
static void emit_ready(scan *s)
{
    while (s->next_emit < s->next_seq && s->ring[s->next_emit % s->w].state == J_DONE) {
        job *j = &s->ring[s->next_emit % s->w];
        pthread_mutex_unlock(&s->mu);
        lp_scan_stats *st = s->st;
        bool stop_now = false;
        if (j->looked) {
            st->files++;
            st->bytes += j->size;
        }
        st->objects += j->object;
        st->go += j->go;
        if (j->facts) {
            if (j->facts->error.code)
                st->errors++;
            if (!s->stop) {
                lp_scan_record rec;
                fill_record(s, j, &rec);
                st->reported++;
                stop_now = !s->o->record(s->o->record_ctx, &rec);
            }
        }
        if (j->user && s->o->work_free)
            s->o->work_free(s->o->work_ctx, j->user);
        job_clear(j);
        if (st->files >= s->progress_at) {
            s->progress_at = st->files + 256;
            progress(s, false);
        }
        pthread_mutex_lock(&s->mu);
        if (stop_now)
            s->stop = true;
        s->next_emit++;
    }
}

/* A new job at the end of the window (waiting for room); the caller fills it in. */
static job *job_new(scan *s)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        emit_ready(s);
        if (s->next_seq - s->next_emit < s->w)
            break;
        s->waiting = true;
        pthread_cond_wait(&s->done_cv, &s->mu);
        s->waiting = false;
    }
    job *j = &s->ring[s->next_seq % s->w];
    pthread_mutex_unlock(&s->mu);
    memset(j, 0, sizeof *j);
    j->fd = -1;
    return j;
}

/* Hand a filled-in job to the workers. */
static void job_submit(scan *s, job *j)
{
    pthread_mutex_lock(&s->mu);
    j->seq = s->next_seq;
    j->state = J_QUEUED;
    s->next_seq++;
    if (s->idle)
        pthread_cond_signal(&s->work_cv);
    emit_ready(s);
    pthread_mutex_unlock(&s->mu);
}

static bool oom(scan *s)
{
    job *j = &s->ring[s->next_seq % s->w];
    if (j->state == J_FREE)
        job_clear(j); /* a job filled in part, never submitted */
    if (!s->fatal)
        s->fatal = lp_err_set(&s->fatal_err, LP_ERR_NOMEM, "out of memory");
    return false;
}

/* A record of an error met by the producer (a directory or file that cannot be opened). */
static bool submit_error(scan *s, const char *path, const char *display, const lp_err *e)
{
    job *j = job_new(s);
    j->path = strdup(path);
    j->display = strdup(display);
    j->pre = *e;
    if (!j->path || !j->display)
        return oom(s);
    job_submit(s, j);
    return !s->stop;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static lp_code scan_start(scan *s, const lp_scan_opts *o, lp_scan_origin origin, const char *label,
                          lp_scan_stats *st, lp_err *err)
{
    memset(s, 0, sizeof *s);
    memset(st, 0, sizeof *st);
    if (!o || !o->record)
        return lp_err_set(err, LP_ERR_INVAL, "scan: no record callback");
    s->o = o;
    s->origin = origin;
    s->label = label;
    s->st = st;
    unsigned n = o->jobs ? o->jobs : online_cpus();
    if (n > MAX_JOBS)
        n = MAX_JOBS;
    s->w = (size_t)n * 4;
    s->ring = calloc(s->w, sizeof *s->ring);
    s->threads = calloc(n, sizeof *s->threads);
    if (!s->ring || !s->threads) {
        free(s->ring);
        free(s->threads);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->w; i++)
        s->ring[i].fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work_cv, NULL);
    pthread_cond_init(&s->done_cv, NULL);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&s->threads[i], NULL, worker, s) != 0)
            break;
        s->n_threads++;
    }
    if (!s->n_threads) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->work_cv);
        pthread_cond_destroy(&s->done_cv);
        free(s->ring);
        free(s->threads);
        return lp_err_set(err, LP_ERR_IO, "scan: cannot start a thread");
    }
    s->progress_at = 256;
    return LP_OK;
}

static lp_code scan_finish(scan *s, lp_err *err)
{
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_broadcast(&s->work_cv);
    while (s->next_emit < s->next_seq) {
        emit_ready(s);
        if (s->next_emit < s->next_seq) {
            s->waiting = true;
            pthread_cond_wait(&s->done_cv, &s->mu);
            s->waiting = false;
        }
    }
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < s->n_threads; i++)
        pthread_join(s->threads[i], NULL);
    for (size_t i = 0; i < s->w; i++)
        job_clear(&s->ring[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cv);
    pthread_cond_destroy(&s->done_cv);
    free(s->ring);
    free(s->threads);
    progress(s, true);
    if (s->fatal && err)
        *err = s->fatal_err;
    return s->fatal;
}

/* ------------------------------------------------------------------ */
/* Host directories                                                    */

/* File systems of the kernel's own making: nothing a binary is installed in. */
static bool pseudo_fs(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0)
        return false;
    switch ((unsigned long)sf.f_type) {
    case 0x9fa0UL:     /* proc */
    case 0x62656572UL: /* sysfs */
    case 0x1cd1UL:     /* devpts */
    case 0x27e0ebUL:   /* cgroup */
    case 0x63677270UL: /* cgroup2 */
    case 0x64626720UL: /* debugfs */
    case 0x74726163UL: /* tracefs */
    case 0x73636673UL: /* securityfs */
    case 0xcafe4a11UL: /* bpf */
    case 0x6165676cUL: /* pstore */
    case 0x62656570UL: /* configfs */
    case 0x65735543UL: /* fusectl */
    case 0xf97cff8cUL: /* selinuxfs */
    case 0xde5e81e4UL: /* efivarfs */
    case 0x42494e4dUL: /* binfmt_misc */
    case 0x6e736673UL: /* nsfs */
        return true;
    }
    return false;
}

typedef struct hostwalk {
    scan *s;
    char path[LP_ROOT_PATH_MAX + 2]; /* the reported path being built */
    const char *prefix;              /* root: the directory, put before path in names */
} hostwalk;

static char *display_of(const hostwalk *h)
{
    char *d = NULL;
    if (!h->prefix)
        return strdup(h->path);
    size_t pl = strlen(h->prefix);
    bool slash = pl && h->prefix[pl - 1] == '/';
    if (asprintf(&d, "%s%s", h->prefix, slash ? h->path + 1 : h->path) < 0)
        return NULL;
    return d;
}

static void sys_err(lp_err *e, const char *name, const char *what, int no)
{
    lp_err_set(e, LP_ERR_IO, "'%s': cannot %s: %s", name, what, strerror(no));
    e->sys_errno = no;
}

static bool host_error(hostwalk *h, const char *what, int no)
{
    lp_err e;
    lp_err_clear(&e);
    char *d = display_of(h);
    if (!d)
        return oom(h->s);
    sys_err(&e, d, what, no);
    bool ok = submit_error(h->s, h->path, d, &e);
    free(d);
    return ok;
}

/*
 * The first bytes, read here on the calling thread: one pread(2) costs less than handing
 * the file to a worker, and most files of a tree are no object at all. False: not an
 * object; counted as looked at, and done with.
 */
static bool head_is_object(scan *s, int fd, uint64_t size)
{
    uint8_t head[HEAD];
    ssize_t k = pread(fd, head, sizeof head, 0);
    if (k < 0)
        return true; /* the worker's read says what is wrong */
    if (object_magic(head, (size_t)k))
        return true;
    s->st->files++;
    s->st->bytes += size;
    if (s->st->files >= s->progress_at) {
        s->progress_at = s->st->files + 256;
        progress(s, false);
    }
    return false;
}

/* A regular file at fd (taken), found under h->path. */
static bool host_file(hostwalk *h, int fd, const struct stat *st)
{
    scan *s = h->s;
    if (!head_is_object(s, fd, (uint64_t)st->st_size)) {
        close(fd);
        return true;
    }
    job *j = job_new(s);
    j->fd = fd;
    j->size = (uint64_t)st->st_size;
    j->path = strdup(h->path);
    j->display = display_of(h);
    if (!j->path || !j->display)
        return oom(s);
    job_submit(s, j);
    return !s->stop;
}

typedef struct dent {
    char *name;
    unsigned char type;
} dent;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const dent *)a)->name, ((const dent *)b)->name);
}

static bool walk_dir(hostwalk *h, int dfd, int depth);

/* Entry @p name of the directory dfd, h->path already naming it. */
static bool walk_entry(hostwalk *h, int dfd, const char *name, unsigned char type, int depth)
{
    scan *s = h->s;
    if (type == DT_UNKNOWN) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return host_error(h, "stat", errno);
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
    }
    if (type == DT_DIR) {
        if (depth + 1 > LP_SCAN_MAX_DEPTH) {
            lp_err e;
            lp_err_clear(&e);
            char *d = display_of(h);
            if (!d)
                return oom(s);
            lp_err_set(&e, LP_ERR_LIMIT, "'%s': more than %d directories deep: not walked", d,
                       LP_SCAN_MAX_DEPTH);
            bool ok = submit_error(s, h->path, d, &e);
            free(d);
            return ok;
        }
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return errno == ELOOP || errno == ENOTDIR ? (s->st->skipped++, true)
                                                      : host_error(h, "open directory", errno);
        struct stat st;
        if (fstat(fd, &st) != 0 || (s->o->one_filesystem && st.st_dev != s->dev0) || pseudo_fs(fd)) {
            s->st->skipped++;
            close(fd);
            return true;
        }
        bool ok = walk_dir(h, fd, depth + 1);
        close(fd);
        return ok;
    }
    if (type != DT_REG) {
        s->st->skipped++; /* links are not followed; devices, FIFOs, sockets not opened */
        return true;
    }
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ELOOP ? (s->st->skipped++, true) : host_error(h, "open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* replaced by something else since the listing */
        s->st->skipped++;
        close(fd);
        return true;
    }
    return host_file(h, fd, &st);
}

static bool walk_dir(hostwalk *h, int dfd, int depth)
{
    scan *s = h->s;
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        int no = errno;
        if (dup_fd >= 0)
            close(dup_fd);
        return host_error(h, "list", no);
    }
    dent *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    bool ok = true;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            dent *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                ok = oom(s);
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!(v[n].name = strdup(de->d_name))) {
            ok = oom(s);
            break;
        }
        v[n++].type = de->d_type;
    }
    closedir(d);
    if (ok && n)
        qsort(v, n, sizeof *v, by_name);
    size_t base = strlen(h->path);
    for (size_t i = 0; ok && i < n; i++) {
        size_t l = strlen(v[i].name);
        bool slash = base && h->path[base - 1] == '/';
        if (base + !slash + l >= sizeof h->path) {
            lp_err e;
            lp_err_clear(&e);
            lp_err_set(&e, LP_ERR_LIMIT, "'%s/%s': a path over %d bytes: not walked", h->path,
                       v[i].name, LP_ROOT_PATH_MAX);
            ok = submit_error(s, h->path, h->path, &e);
            continue;
        }
        if (!slash)
            h->path[base] = '/';
        memcpy(h->path + base + !slash, v[i].name, l + 1);
        ok = walk_entry(h, dfd, v[i].name, v[i].type, depth);
        h->path[base] = '\0';
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return ok && !s->stop && !s->fatal;
}

/* A path named by the user: a file whatever it is (links followed), or a directory walked. */
static bool walk_named(hostwalk *h, const char *path)
{
    scan *s = h->s;
    if (!path)
        return true;
    if (strlen(path) > LP_ROOT_PATH_MAX) {
        lp_err e;
        lp_err_clear(&e);
        lp_err_set(&e, LP_ERR_LIMIT, "a path over %d bytes", LP_ROOT_PATH_MAX);
        return submit_error(s, "", "", &e);
    }
    snprintf(h->path, sizeof h->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return host_error(h, "open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int no = errno;
        close(fd);
        return host_error(h, "stat", no);
    }
    if (S_ISDIR(st.st_mode)) {
        if (pseudo_fs(fd)) {
            /* /proc, /sys...: files that are not files (kcore, mem), named or not */
            s->st->skipped++;
            close(fd);
            return true;
        }
        s->dev0 = st.st_dev;
        bool ok = walk_dir(h, fd, 0);
        close(fd);
        return ok;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        lp_err e;
        lp_err_clear(&e);
        lp_err_set(&e, LP_ERR_INVAL, "'%s': not a regular file or a directory", path);
        return submit_error(s, path, path, &e);
    }
    return host_file(h, fd, &st);
}

lp_code lp_scan_paths(const char *const *paths, size_t n, const lp_scan_opts *opts,
                      lp_scan_stats *stats, lp_err *err)
{
    scan s;
    lp_code rc = scan_start(&s, opts, LP_SCAN_PATH, NULL, stats, err);
    if (rc)
        return rc;
    hostwalk *h = calloc(1, sizeof *h);
    if (!h)
        oom(&s);
    for (size_t i = 0; h && i < n && !s.stop && !s.fatal; i++) {
        h->s = &s;
        walk_named(h, paths[i]);
    }
    free(h);
    return scan_finish(&s, err);
}

/* ------------------------------------------------------------------ */
/* Images                                                              */

static bool image_want(void *ctx, const char *path, uint64_t size, uint32_t mode)
{
    (void)ctx, (void)path, (void)mode;
    return size >= 4; /* no object is smaller than its magic */
}

static bool image_file(void *ctx, const char *path, uint64_t size, uint32_t mode, lp_src *src,
                       const lp_err *e)
{
    (void)mode;
    scan *s = ctx;
    if (!src && !e->code) {
        s->st->files++; /* too small to be anything: looked at, nothing to read */
        return true;
    }
    if (src) {
        uint8_t head[HEAD];
        size_t got = 0;
        lp_err he;
        lp_err_clear(&he);
        if (lp_src_read_upto(src, 0, head, sizeof head, &got, &he) == LP_OK && !object_magic(head, got)) {
            s->st->files++;
            s->st->bytes += size;
            lp_src_free(&src);
            return true;
        }
    }
    job *j = job_new(s);
    j->path = strdup(path);
    j->display = src ? strdup(lp_src_name(src)) : NULL;
    if (!j->display && asprintf(&j->display, "%s:%s", s->label, path) < 0)
        j->display = NULL;
    j->src = src;
    j->size = size;
    if (!src)
        j->pre = *e;
    if (!j->path || !j->display)
        return oom(s);
    job_submit(s, j);
    return !s->stop && !s->fatal;
}

lp_code lp_scan_root(lp_root *root, const lp_scan_opts *opts, lp_scan_stats *stats, lp_err *err)
{
    scan s;
    bool image = lp_root_image(root) != NULL;
    lp_code rc = scan_start(&s, opts, image ? LP_SCAN_IMAGE : LP_SCAN_ROOT, lp_root_label(root),
                            stats, err);
    if (rc)
        return rc;
    if (image) {
        lp_err e;
        lp_err_clear(&e);
        if (lp_image_each_file(root, image_want, image_file, &s, &e) != LP_OK && !s.fatal) {
            s.fatal = e.code;
            s.fatal_err = e;
        }
        return scan_finish(&s, err);
    }
    char *dir = lp_root_host_path(root, "/");
    hostwalk *h = calloc(1, sizeof *h);
    if (!dir || !h) {
        oom(&s);
    } else {
        h->s = &s;
        /* paths inside the root; names are the root's label and that path, "DIR/usr/bin/x" */
        h->prefix = lp_root_is_host(root) ? NULL : lp_root_label(root);
        snprintf(h->path, sizeof h->path, "/");
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0) {
            host_error(h, "open", errno);
        } else if (fstat(fd, &st) != 0) {
            host_error(h, "stat", errno);
        } else {
            s.dev0 = st.st_dev;
            walk_dir(h, fd, 0);
        }
        if (fd >= 0)
            close(fd);
    }
    free(h);
    free(dir);
    return scan_finish(&s, err);
}

/* ------------------------------------------------------------------ */
/* Processes                                                           */

typedef struct pexe {
    dev_t dev;
    ino_t ino;
    lp_scan_proc p;
    int group_min;  /* the lowest pid running the same file */
} pexe;

typedef struct plist {
    pexe *v;
    size_t n, cap;
    bool nomem;
    uint64_t skipped;
} plist;

/* The process's cgroup (lp_cgroup_path) and container (lp_cgroup_parse), read by the same reader
 * and rules as the exporter's. */
static void read_cgroup(int dirfd, char **cgroup, char **container)
{
    char buf[LP_CGROUP_MAX + 1], path[LP_CGROUP_MAX + 1], id[65];
    *cgroup = *container = NULL;
    if (lp_proc_read_record(dirfd, "cgroup", buf, sizeof buf))
        return;
    if (lp_cgroup_path(buf, path, sizeof path))
        *cgroup = strdup(path);
    lp_cgroup_parse(buf, NULL, id);
    if (id[0])
        *container = strdup(id);
}

static bool visit_proc(void *ctx, lp_proc *p)
{
    plist *pl = ctx;
    char *exe = NULL;
    lp_exe_state state = LP_EXE_PRESENT;
    struct stat st;
    if (fstatat(lp_proc_dirfd(p), "exe", &st, 0) != 0 || !S_ISREG(st.st_mode) ||
        lp_proc_exe(p, &exe, &state, NULL, NULL) != LP_OK) {
        pl->skipped++; /* kernel threads; others' processes without privilege */
        return true;
    }
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 256;
        pexe *nv = realloc(pl->v, nc * sizeof *nv);
        if (!nv) {
            free(exe);
            pl->nomem = true;
            return false;
        }
        pl->v = nv;
        pl->cap = nc;
    }
    pexe *x = &pl->v[pl->n++];
    memset(x, 0, sizeof *x);
    x->dev = st.st_dev;
    x->ino = st.st_ino;
    x->p.pid = lp_proc_pid(p);
    x->p.exe = exe;
    x->p.state = state;
    x->p.start_time = lp_proc_start_time(p);
    read_cgroup(lp_proc_dirfd(p), &x->p.cgroup, &x->p.container);
    return true;
}

static int by_file(const void *a, const void *b)
{
    const pexe *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return x->p.pid - y->p.pid;
}

static int by_group(const void *a, const void *b)
{
    const pexe *x = a, *y = b;
    if (x->group_min != y->group_min)
        return x->group_min - y->group_min;
    return x->p.pid - y->p.pid;
}

static void proc_release(lp_scan_proc *p)
{
    free(p->exe);
    free(p->cgroup);
    free(p->container);
}

lp_code lp_scan_procs(const lp_scan_opts *opts, lp_scan_stats *stats, lp_err *err)
{
    plist pl = {0};
    lp_code rc = lp_proc_walk(NULL, NULL, visit_proc, &pl, err);
    if (!rc && pl.nomem)
        rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (rc) {
        for (size_t i = 0; i < pl.n; i++)
            proc_release(&pl.v[i].p);
        free(pl.v);
        return rc;
    }
    /* group by file; groups in the order of their lowest pid */
    if (pl.n)
        qsort(pl.v, pl.n, sizeof *pl.v, by_file);
    for (size_t i = 0; i < pl.n;) {
        size_t k = i;
        while (k < pl.n && pl.v[k].dev == pl.v[i].dev && pl.v[k].ino == pl.v[i].ino)
            k++;
        for (size_t m = i; m < k; m++)
            pl.v[m].group_min = pl.v[i].p.pid;
        i = k;
    }
    if (pl.n)
        qsort(pl.v, pl.n, sizeof *pl.v, by_group);
    scan s;
    rc = scan_start(&s, opts, LP_SCAN_PROCESS, NULL, stats, err);
    if (rc) {
        for (size_t i = 0; i < pl.n; i++)
            proc_release(&pl.v[i].p);
        free(pl.v);
        return rc;
    }
    stats->skipped = pl.skipped;
    size_t i = 0;
    while (i < pl.n && !s.stop && !s.fatal) {
        size_t k = i;
        while (k < pl.n && pl.v[k].group_min == pl.v[i].group_min)
            k++;
        /* read it through the first process still running that very file */
        int fd = -1;
        struct stat st;
        lp_err e;
        lp_err_clear(&e);
        for (size_t m = i; m < k && fd < 0; m++) {
            char link[64];
            snprintf(link, sizeof link, "/proc/%d/exe", pl.v[m].p.pid);
            fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            if (fd < 0) {
                sys_err(&e, link, "open", errno);
                continue;
            }
            if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != pl.v[i].dev ||
                st.st_ino != pl.v[i].ino) {
                /* the process is gone and its pid reused */
                lp_err_set(&e, LP_ERR_NOTFOUND, "'%s': the process exited", link);
                close(fd);
                fd = -1;
            }
        }
        if (fd < 0) {
            /* every process of the group exited since the walk: nothing runs it any more */
            stats->skipped += k - i;
            i = k;
            continue;
        }
        job *j = job_new(&s);
        j->procs = calloc(k - i, sizeof *j->procs);
        j->path = strdup(pl.v[i].p.exe);
        j->display = strdup(pl.v[i].p.exe);
        if (!j->procs || !j->path || !j->display) {
            if (fd >= 0)
                close(fd);
            oom(&s);
            break;
        }
        for (size_t m = i; m < k; m++) {
            j->procs[j->n_procs++] = pl.v[m].p; /* handed over */
            memset(&pl.v[m].p, 0, sizeof pl.v[m].p);
        }
        j->fd = fd;
        j->size = (uint64_t)st.st_size;
        job_submit(&s, j);
        i = k;
    }
    for (size_t m = 0; m < pl.n; m++)
        proc_release(&pl.v[m].p);
    free(pl.v);
    return scan_finish(&s, err);
}
