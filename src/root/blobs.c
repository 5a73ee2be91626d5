/*
 * blobs.c - an image's blobs, from an OCI layout directory or a tarball.
 *
 * Owns: the member list of a tarball (one pass at open, through libarchive,
 * keeping the bytes of small members, the JSON documents, and where every
 * other member's bytes are), member symbolic links (docker save shares
 * identical layers that way), and streams over one member with SHA-256
 * computed on the way.
 *
 * Invariants: a member name is relative, has no "." or ".." component and no
 * empty one; a directory store opens every component of it relative to the
 * layout's descriptor with O_NOFOLLOW (so a symbolic link anywhere on the way,
 * "blobs" or "blobs/sha256" included, is never followed out of the layout)
 * and O_NONBLOCK, and reads only regular files; a tarball is opened once,
 * non-blocking and checked to be a regular file, never extracted: a member is
 * read at its offset with pread (a gzip or zstd tarball is decompressed once,
 * into an unlinked temporary file, under the decompression limits, so that
 * this holds for it too); every count and size read from the tarball is
 * bounded before it is used.
 */
#include "root/blobs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root/tmpfile.h"

#define BUF_SIZE (64u * 1024u)
#define MAX_LINK_HOPS 8

typedef struct member {
    uint64_t size;
    uint64_t data_off; /* where its bytes start in the (decompressed) tarball */
    uint8_t *data;     /* small members: the bytes */
    char *link;        /* a symbolic link: its target as a member name */
    bool is_dir;
    bool sparse;       /* a GNU/pax sparse entry: its bytes are not one run of the file */
} member;

struct lp_blobs {
    char *path;
    bool dir;
    int fd;            /* the layout directory, or the tarball (the temporary copy when spooled) */
    uint64_t size;     /* tarball bytes */
    smap members;      /* tarballs: name -> member */
    uint64_t cached;
};

struct lp_bstream {
    lp_blobs *b;
    char *name;
    char *what;
    int fd;                 /* directory store: the blob */
    uint64_t off, end;      /* tarball store: the member's bytes in b->fd */
    const uint8_t *mem;     /* tarball store, a member kept when it was listed */
    uint64_t left;          /* memory: bytes not read yet */
    bool hash;
    lp_sha256 sha;
    uint64_t total;
    uint8_t buf[BUF_SIZE];
};

/* libarchive over a descriptor read with pread, so that several readers of one
 * file never share an offset, and skips are seeks. */
typedef struct fdin {
    int fd;
    uint64_t off, size;
    uint8_t buf[BUF_SIZE];
    int err;
} fdin;

static la_ssize_t fd_read(struct archive *a, void *client, const void **buf)
{
    (void)a;
    fdin *in = client;
    ssize_t r;
    do
        r = pread(in->fd, in->buf, sizeof in->buf, (off_t)in->off);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        in->err = errno;
        return -1;
    }
    in->off += (uint64_t)r;
    *buf = in->buf;
    return r;
}

static la_int64_t fd_skip(struct archive *a, void *client, la_int64_t request)
{
    (void)a;
    fdin *in = client;
    uint64_t room = in->size > in->off ? in->size - in->off : 0;
    uint64_t k = request > 0 ? (uint64_t)request : 0;
    if (k > room)
        k = room;
    in->off += k;
    return (la_int64_t)k;
}

const char *lp_blobs_path(const lp_blobs *b) { return b->path; }

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/*
 * A member name as the store keys it: leading "./" and "/" dropped, "."
 * components dropped, no ".." and no empty result. NULL when the name is not
 * acceptable (the caller says why).
 */
static char *norm_name(const char *raw)
{
    size_t n = strlen(raw);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    const char *p = raw;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t cl = (size_t)(p - s);
        if (cl == 0 || (cl == 1 && s[0] == '.'))
            continue;
        if (cl == 2 && s[0] == '.' && s[1] == '.') {
            free(out);
            return NULL;
        }
        if (k)
            out[k++] = '/';
        memcpy(out + k, s, cl);
        k += cl;
    }
    out[k] = '\0';
    if (!k) {
        free(out);
        return NULL;
    }
    return out;
}

static void member_free(void *p)
{
    member *m = p;
    if (m) {
        free(m->data);
        free(m->link);
        free(m);
    }
}

static lp_code arch_err(lp_blobs *b, struct archive *a, const char *what, lp_err *err)
{
    const char *m = archive_error_string(a);
    return lp_err_set(err, LP_ERR_FORMAT, "'%s': %s: %s", b->path, what,
                      m && *m ? m : "not a tar archive");
}

/* The link target of member at name (relative to its directory), as a member name. */
static char *link_member(const char *name, const char *target)
{
    if (target[0] == '/')
        return norm_name(target);
    const char *slash = strrchr(name, '/');
    size_t dl = slash ? (size_t)(slash - name) : 0;
    char *joined = malloc(dl + 1 + strlen(target) + 1);
    if (!joined)
        return NULL;
    memcpy(joined, name, dl);
    joined[dl] = '/';
    strcpy(joined + dl + 1, target);
    /* resolve ".." lexically: "a/b/../c" -> "a/c" (and refuse climbing out) */
    char *parts[256];
    size_t np = 0;
    for (char *save = NULL, *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0) {
            if (!np) {
                free(joined);
                return NULL;
            }
            np--;
            continue;
        }
        if (np == 256) {
            free(joined);
            return NULL;
        }
        parts[np++] = t;
    }
    size_t len = 0;
    for (size_t i = 0; i < np; i++)
        len += strlen(parts[i]) + 1;
    char *out = np ? malloc(len) : NULL;
    if (out) {
        size_t k = 0;
        for (size_t i = 0; i < np; i++) {
            if (i)
                out[k++] = '/';
            size_t l = strlen(parts[i]);
            memcpy(out + k, parts[i], l);
            k += l;
        }
        out[k] = '\0';
    }
    free(joined);
    return out;
}

static lp_code index_tarball(lp_blobs *b, lp_err *err)
{
    struct archive *a = archive_read_new();
    fdin *in = calloc(1, sizeof *in);
    if (!a || !in) {
        if (a)
            archive_read_free(a);
        free(in);
        return nomem(err);
    }
    archive_read_support_format_tar(a);
    archive_read_support_filter_none(a);
    in->fd = b->fd;
    in->size = b->size;
    lp_code rc = LP_OK;
    if (archive_read_open2(a, in, NULL, fd_read, fd_skip, NULL) != ARCHIVE_OK) {
        rc = arch_err(b, a, "cannot read as a tarball", err);
        archive_read_free(a);
        free(in);
        return rc;
    }
    struct archive_entry *e;
    uint64_t ordinal = 0;
    for (;; ordinal++) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = arch_err(b, a, ordinal ? "truncated or corrupt tarball" : "not a tarball", err);
            break;
        }
        if (ordinal >= LP_BLOBS_MAX_MEMBERS) {
            rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': more than %u members", b->path,
                            LP_BLOBS_MAX_MEMBERS);
            break;
        }
        const char *raw = archive_entry_pathname(e);
        char *name = raw ? norm_name(raw) : NULL;
        if (!name)
            continue; /* "./" itself, or a name no blob reference can have */
        member *m = calloc(1, sizeof *m);
        if (!m) {
            free(name);
            rc = nomem(err);
            break;
        }
        mode_t ft = archive_entry_filetype(e);
        const char *hl = archive_entry_hardlink(e);
        if (ft == AE_IFLNK || hl) {
            const char *t = hl ? hl : archive_entry_symlink(e);
            /* a hard link names another member from the top; a symbolic link, relative to itself */
            m->link = t ? (hl ? norm_name(t) : link_member(name, t)) : NULL;
        } else if (ft == AE_IFDIR) {
            m->is_dir = true;
        } else if (ft == AE_IFREG) {
            int64_t sz = archive_entry_size(e);
            m->size = sz > 0 ? (uint64_t)sz : 0;
            /* the format reader has consumed the headers: what follows is the data */
            int64_t at = archive_filter_bytes(a, 0);
            m->data_off = at > 0 ? (uint64_t)at : 0;
            m->sparse = archive_entry_sparse_count(e) > 0;
            if (!m->sparse && (m->data_off > b->size || m->size > b->size - m->data_off)) {
                member_free(m);
                free(name);
                rc = arch_err(b, a, "truncated or corrupt tarball", err);
                break;
            }
            if (m->size <= LP_BLOBS_SMALL && b->cached + m->size <= LP_BLOBS_SMALL_TOTAL) {
                m->data = malloc(m->size + 1);
                if (!m->data) {
                    member_free(m);
                    free(name);
                    rc = nomem(err);
                    break;
                }
                la_ssize_t got = archive_read_data(a, m->data, m->size);
                if (got < 0 || (uint64_t)got != m->size) {
                    member_free(m);
                    free(name);
                    rc = arch_err(b, a, "truncated or corrupt tarball", err);
                    break;
                }
                m->data[m->size] = 0;
                b->cached += m->size;
            }
        }
        member *old = smap_get(&b->members, name);
        if (!smap_put(&b->members, name, m)) {
            member_free(m);
            free(name);
            rc = nomem(err);
            break;
        }
        if (old) {
            if (old->data)
                b->cached -= old->size;
            member_free(old);
        }
        free(name);
    }
    if (!rc && in->err)
        rc = lp_err_set(err, LP_ERR_IO, "'%s': cannot read: %s", b->path, strerror(in->err));
    archive_read_free(a);
    free(in);
    return rc;
}

/* Reads the original tarball for the decompressor. */
typedef struct spool_src {
    int fd;
    const char *path;
    uint8_t buf[BUF_SIZE];
} spool_src;

static long spool_read(void *ctx, const void **p, lp_err *err)
{
    spool_src *s = ctx;
    ssize_t r;
    do
        r = read(s->fd, s->buf, sizeof s->buf);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        lp_err_set(err, LP_ERR_IO, "'%s': cannot read: %s", s->path, strerror(e));
        return -1;
    }
    *p = s->buf;
    return (long)r;
}

/*
 * A gzip or zstd tarball: decompressed once into an unlinked temporary file,
 * which then stands for it (b->fd); reading a member is then a pread, where
 * it would otherwise mean decompressing the tarball again up to it.
 */
static lp_code spool(lp_blobs *b, lp_dbudget *budget, lp_err *err)
{
    uint8_t magic[4] = {0};
    ssize_t got = pread(b->fd, magic, sizeof magic, 0);
    bool gz = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    bool zst = got >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    if (!gz && !zst)
        return LP_OK;
    char what[300];
    snprintf(what, sizeof what, "'%s'", b->path);
    int tmp = lp_tmpfile(what, err);
    if (tmp < 0)
        return err && err->code ? err->code : LP_ERR_IO;
    spool_src *src = calloc(1, sizeof *src);
    lp_dstream *d = NULL;
    lp_code rc = src ? lp_dstream_open(&d, spool_read, src, what, budget, err) : nomem(err);
    if (src) {
        src->fd = b->fd;
        src->path = b->path;
    }
    uint64_t off = 0;
    while (!rc) {
        const void *p;
        long n = lp_dstream_read(d, &p, err);
        if (n < 0) {
            rc = err && err->code ? err->code : LP_ERR_FORMAT;
            break;
        }
        if (n == 0)
            break;
        rc = lp_tmpfile_write(tmp, off, p, (size_t)n, what, err);
        off += (uint64_t)n;
    }
    lp_dstream_close(&d);
    free(src);
    if (rc) {
        close(tmp);
        return rc;
    }
    close(b->fd);
    b->fd = tmp;
    b->size = off;
    return LP_OK;
}

lp_code lp_blobs_open(const char *path, lp_dbudget *budget, lp_blobs **out, bool *is_dir,
                      lp_err *err)
{
    *out = NULL;
    lp_blobs *b = calloc(1, sizeof *b);
    if (!b || !(b->path = strdup(path))) {
        free(b);
        return nomem(err);
    }
    /* once, non-blocking: what is read is what was type-checked, and a FIFO cannot hang us */
    b->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    lp_code rc = LP_OK;
    if (b->fd < 0 || fstat(b->fd, &st) != 0) {
        int e = errno;
        rc = lp_err_set(err, LP_ERR_IO, "'%s': cannot open image: %s", path, strerror(e));
        if (err)
            err->sys_errno = e;
    } else if (S_ISDIR(st.st_mode)) {
        b->dir = true;
    } else if (S_ISREG(st.st_mode)) {
        b->size = (uint64_t)st.st_size;
        rc = spool(b, budget, err);
        if (!rc)
            rc = index_tarball(b, err);
    } else {
        rc = lp_err_set(err, LP_ERR_INVAL, "'%s': not a file or a directory", path);
    }
    if (rc) {
        lp_blobs_free(&b);
        return rc;
    }
    *is_dir = b->dir;
    *out = b;
    return LP_OK;
}

void lp_blobs_free(lp_blobs **pb)
{
    if (!pb || !*pb)
        return;
    lp_blobs *b = *pb;
    if (b->fd >= 0)
        close(b->fd);
    smap_release(&b->members, member_free);
    free(b->path);
    free(b);
    *pb = NULL;
}

/*
 * Open member @p name of a directory store: every directory on the way opened
 * relative to the last with O_NOFOLLOW, then the blob itself with O_NOFOLLOW
 * and O_NONBLOCK. -1 (errno set) when any of it is missing or a link.
 */
static int open_beneath(int dirfd, const char *name)
{
    int cur = dirfd;
    const char *p = name;
    for (;;) {
        const char *slash = strchr(p, '/');
        if (!slash) {
            int fd = openat(cur, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
            int e = errno;
            if (cur != dirfd)
                close(cur);
            errno = e;
            return fd;
        }
        char comp[256];
        size_t n = (size_t)(slash - p);
        if (n >= sizeof comp) {
            if (cur != dirfd)
                close(cur);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        int next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        int e = errno;
        if (cur != dirfd)
            close(cur);
        if (next < 0) {
            errno = e == ELOOP || e == ENOTDIR ? ENOENT : e; /* a link on the way: not in the layout */
            return -1;
        }
        cur = next;
        p = slash + 1;
    }
}

/* The member (links followed) for a tarball store; NULL when absent. */
static member *find_member(lp_blobs *b, const char *name, const char **final)
{
    const char *cur = name;
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
        member *m = smap_get(&b->members, cur);
        if (!m || !m->link) {
            *final = cur;
            return m;
        }
        cur = m->link;
    }
    return NULL;
}

bool lp_blobs_has(lp_blobs *b, const char *name)
{
    return lp_blobs_size(b, name) != UINT64_MAX;
}

uint64_t lp_blobs_size(lp_blobs *b, const char *name)
{
    char *n = norm_name(name);
    if (!n)
        return UINT64_MAX;
    uint64_t size = UINT64_MAX;
    if (b->dir) {
        struct stat st;
        int fd = open_beneath(b->fd, n);
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            size = (uint64_t)st.st_size;
        if (fd >= 0)
            close(fd);
    } else {
        const char *f;
        member *m = find_member(b, n, &f);
        if (m && !m->is_dir)
            size = m->size;
    }
    free(n);
    return size;
}

static lp_code missing(lp_blobs *b, const char *name, const char *what, lp_err *err)
{
    return lp_err_set(err, LP_ERR_FORMAT, "'%s': missing blob: %s ('%s') is not in the image",
                      b->path, what, name);
}

lp_code lp_bstream_open(lp_blobs *b, const char *name, const char *what, bool hash,
                        lp_bstream **out, lp_err *err)
{
    *out = NULL;
    char *n = norm_name(name);
    if (!n)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': %s has a bad name '%s' (absolute, '..' or empty)",
                          b->path, what, name);
    lp_bstream *s = calloc(1, sizeof *s);
    if (!s) {
        free(n);
        return nomem(err);
    }
    s->b = b;
    s->name = n;
    s->what = strdup(what);
    s->fd = -1;
    s->hash = hash;
    if (hash)
        lp_sha256_init(&s->sha);
    lp_code rc = LP_OK;
    if (!s->what) {
        rc = nomem(err);
    } else if (b->dir) {
        s->fd = open_beneath(b->fd, n);
        struct stat st;
        if (s->fd < 0 || fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode))
            rc = errno == ENOENT || s->fd >= 0 ? missing(b, n, what, err)
                                               : lp_err_set(err, LP_ERR_IO, "'%s': cannot open %s '%s': %s",
                                                            b->path, what, n, strerror(errno));
    } else {
        const char *f = n;
        member *m = find_member(b, n, &f);
        if (!m || m->is_dir) {
            rc = missing(b, n, what, err);
        } else if (m->data) {
            s->mem = m->data; /* kept when the tarball was listed */
            s->left = m->size;
        } else if (m->sparse) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': %s ('%s') is a sparse tar member, which no "
                            "image writer makes",
                            b->path, what, n);
        } else {
            s->off = m->data_off;
            s->end = m->data_off + m->size;
        }
    }
    if (rc) {
        lp_bstream_close(&s);
        return rc;
    }
    *out = s;
    return LP_OK;
}

long lp_bstream_read(lp_bstream *s, const void **p, lp_err *err)
{
    long got;
    if (s->fd >= 0) {
        ssize_t r;
        do
            r = read(s->fd, s->buf, sizeof s->buf);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            lp_err_set(err, LP_ERR_IO, "'%s': cannot read %s '%s': %s", s->b->path, s->what,
                       s->name, strerror(errno));
            return -1;
        }
        got = (long)r;
    } else if (s->mem) {
        size_t want = s->left < sizeof s->buf ? (size_t)s->left : sizeof s->buf;
        memcpy(s->buf, s->mem, want);
        s->mem += want;
        s->left -= want;
        got = (long)want;
    } else {
        if (s->off >= s->end)
            return 0;
        size_t want = s->end - s->off < sizeof s->buf ? (size_t)(s->end - s->off) : sizeof s->buf;
        ssize_t r;
        do
            r = pread(s->b->fd, s->buf, want, (off_t)s->off);
        while (r < 0 && errno == EINTR);
        if (r <= 0) {
            if (r < 0)
                lp_err_set(err, LP_ERR_IO, "'%s': cannot read %s '%s': %s", s->b->path, s->what,
                           s->name, strerror(errno));
            else
                lp_err_set(err, LP_ERR_FORMAT, "'%s': %s '%s' is truncated", s->b->path, s->what,
                           s->name);
            return -1;
        }
        s->off += (uint64_t)r;
        got = (long)r;
    }
    if (s->hash && got > 0)
        lp_sha256_update(&s->sha, s->buf, (size_t)got);
    s->total += (uint64_t)got;
    *p = s->buf;
    return got;
}

int64_t lp_bstream_skip(lp_bstream *s, int64_t n, lp_err *err)
{
    (void)err;
    if (n <= 0 || s->hash)
        return 0; /* the reader reads what it skips, so that it is hashed */
    int64_t k = 0;
    if (s->fd >= 0) {
        off_t cur = lseek(s->fd, 0, SEEK_CUR);
        struct stat st;
        if (cur < 0 || fstat(s->fd, &st) != 0)
            return 0;
        int64_t room = (int64_t)st.st_size - (int64_t)cur;
        k = n < room ? n : (room > 0 ? room : 0);
        if (lseek(s->fd, (off_t)k, SEEK_CUR) < 0)
            return 0;
    } else if (s->mem) {
        k = (uint64_t)n < s->left ? n : (int64_t)s->left;
        s->mem += k;
        s->left -= (uint64_t)k;
    } else {
        uint64_t room = s->end - s->off;
        k = (uint64_t)n < room ? n : (int64_t)room;
        s->off += (uint64_t)k;
    }
    s->total += (uint64_t)k;
    return k;
}

lp_code lp_bstream_finish(lp_bstream *s, char hex[65], uint64_t *total, lp_err *err)
{
    for (;;) {
        const void *p;
        long got = lp_bstream_read(s, &p, err);
        if (got < 0)
            return err && err->code ? err->code : LP_ERR_IO;
        if (got == 0)
            break;
    }
    if (hex && s->hash)
        lp_sha256_final_hex(&s->sha, hex);
    if (total)
        *total = s->total;
    return LP_OK;
}

void lp_bstream_close(lp_bstream **ps)
{
    if (!ps || !*ps)
        return;
    lp_bstream *s = *ps;
    if (s->fd >= 0)
        close(s->fd);
    free(s->name);
    free(s->what);
    free(s);
    *ps = NULL;
}

lp_code lp_blobs_mismatch(lp_blobs *b, const char *what, const char *want_hex,
                          const char *got_hex, lp_err *err)
{
    return lp_err_set(err, LP_ERR_FORMAT,
                      "'%s': digest mismatch: %s should have SHA-256 %s, its bytes have %s",
                      b->path, what, want_hex, got_hex);
}

lp_code lp_blobs_read(lp_blobs *b, const char *name, const char *what, const char *sha256_hex,
                      size_t max, uint8_t **data, size_t *len, lp_err *err)
{
    *data = NULL;
    *len = 0;
    uint8_t *buf = NULL;
    size_t n = 0;
    lp_bstream *s = NULL;
    lp_code rc = lp_bstream_open(b, name, what, sha256_hex != NULL, &s, err);
    size_t cap = 0;
    while (!rc) {
        const void *p;
        long got = lp_bstream_read(s, &p, err);
        if (got < 0) {
            rc = err && err->code ? err->code : LP_ERR_IO;
            break;
        }
        if (got == 0)
            break;
        if (n + (size_t)got > max) {
            rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': %s '%s' is over the limit of %zu bytes",
                            b->path, what, name, max);
            break;
        }
        if (n + (size_t)got + 1 > cap) {
            size_t nc = cap ? cap * 2 : 4096;
            while (nc < n + (size_t)got + 1)
                nc *= 2;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) {
                rc = nomem(err);
                break;
            }
            buf = nb;
            cap = nc;
        }
        memcpy(buf + n, p, (size_t)got);
        n += (size_t)got;
    }
    if (!rc) {
        char got[65];
        rc = lp_bstream_finish(s, got, NULL, err);
        if (!rc && sha256_hex && strcmp(got, sha256_hex) != 0) {
            char w[256];
            snprintf(w, sizeof w, "%s '%s'", what, name);
            rc = lp_blobs_mismatch(b, w, sha256_hex, got, err);
        }
    }
    lp_bstream_close(&s);
    if (!rc && !buf && !(buf = malloc(1)))
        rc = nomem(err);
    if (!rc)
        buf[n] = 0;
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return LP_OK;
}
