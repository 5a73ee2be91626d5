/*
 * exporter.c - one scrape of the node for `linkproof exporter` (exporter.h):
 * the /proc walk, the selection, the probe readings of each selected
 * process, its build facts and verify decision, and the two bounded caches
 * that live between scrapes.
 *
 * Owns: the selection (executable base name or comm, Go only, cgroup path
 * prefix, container id prefix), the caps (max_processes read per scrape,
 * max_listeners kept per process, max_builds cached executables), the
 * build-facts cache keyed by the running file's (device, inode, mtime, size)
 * with least-recently-used eviction, the verify cache keyed by (pid, start
 * time) with a time to live, and the per-scrape table of network namespaces
 * (each read once: proc/probe.c's lp_nstab).
 *
 * Invariants: everything a scrape allocates is bounded by the caps (and the
 * probe's own bounds); a process is read only through the lp_proc the walk
 * opened for it, and its reading is checked against its identity after
 * (lp_probe_read_proc_ns); a process that cannot be read is counted, never
 * a failed scrape; nothing is printed.
 */
#include "linkproof/exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linkproof/facts.h"
#include "linkproof/fingerprint.h"
#include "linkproof/proc.h"
#include "linkproof/registry.h"
#include "proc/proc_internal.h"

#define CGROUP_MAX LP_CGROUP_MAX /* /proc/PID/cgroup: a line per v1 hierarchy, one for v2 */

typedef struct build_ent {
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns;
    uint64_t used; /* the scrape that last used it */
    lp_exporter_build b;
} build_ent;

typedef struct verify_ent {
    int pid;
    uint64_t start;
    time_t when;
    uint64_t used;
    const char *verdict;
} verify_ent;

struct lp_exporter {
    lp_exporter_opts o;
    build_ent *builds;
    size_t n_builds;
    verify_ent *verifies;
    size_t n_verifies, cap_verifies;
    uint64_t tick;
    uint64_t hits, misses;
};

lp_code lp_exporter_new(const lp_exporter_opts *o, lp_exporter **out, lp_err *err)
{
    *out = NULL;
    lp_exporter *e = calloc(1, sizeof *e);
    if (!e)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    e->o = *o;
    if (!e->o.max_processes)
        e->o.max_processes = LP_EXPORTER_DEFAULT_PROCESSES;
    if (!e->o.max_listeners)
        e->o.max_listeners = LP_EXPORTER_DEFAULT_LISTENERS;
    if (!e->o.max_builds)
        e->o.max_builds = LP_EXPORTER_DEFAULT_BUILDS;
    if (!e->o.verify_ttl_s)
        e->o.verify_ttl_s = 300;
    e->builds = calloc(e->o.max_builds, sizeof *e->builds);
    if (!e->builds) {
        free(e);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    *out = e;
    return LP_OK;
}

void lp_exporter_free(lp_exporter **pe)
{
    if (!pe || !*pe)
        return;
    free((*pe)->builds);
    free((*pe)->verifies);
    free(*pe);
    *pe = NULL;
}

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool lp_cgroup_container_id(const char *path, char id[65])
{
    /* docker: /docker/ID, /system.slice/docker-ID.scope; containerd, CRI-O, podman:
     * cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope; the last run of exactly 64 hex digits */
    bool found = false;
    size_t run = 0;
    for (const char *s = path;; s++) {
        if (*s && is_hex(*s)) {
            run++;
            continue;
        }
        if (run == 64) {
            memcpy(id, s - 64, 64);
            id[64] = '\0';
            found = true;
        }
        run = 0;
        if (!*s)
            break;
    }
    return found;
}

/* The next line of a /proc/PID/cgroup text at *at (false at its end), as
 * hierarchy-ID:controller-list:cgroup-path, the path holding any ':'. *path is NULL on a line
 * without two colons; *v2 says whether it is the unified hierarchy's ("0::"). */
static bool cg_line(const char **at, const char **path, size_t *plen, bool *v2)
{
    const char *line = *at;
    if (!*line)
        return false;
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    *path = c2 ? c2 + 1 : NULL;
    *plen = c2 ? len - (size_t)(c2 + 1 - line) : 0;
    *v2 = c2 && len >= 3 && !memcmp(line, "0::", 3);
    *at = line + len + (eol != NULL);
    return true;
}

/* A path of @p plen bytes copied into @p buf (CGROUP_MAX + 1 bytes), cut at CGROUP_MAX. */
static const char *cg_copy(const char *path, size_t plen, char *buf)
{
    if (plen > CGROUP_MAX)
        plen = CGROUP_MAX;
    memcpy(buf, path, plen);
    buf[plen] = '\0';
    return buf;
}

bool lp_cgroup_parse(const char *text, const char *prefix, char id[65])
{
    id[0] = '\0';
    bool match = prefix == NULL, v2;
    size_t plen = prefix ? strlen(prefix) : 0, n;
    char path[CGROUP_MAX + 1];
    const char *p;
    for (const char *at = text; cg_line(&at, &p, &n, &v2);) {
        if (!p)
            continue;
        cg_copy(p, n, path);
        if (prefix && strncmp(path, prefix, plen) == 0)
            match = true;
        if (!id[0])
            lp_cgroup_container_id(path, id);
    }
    return match;
}

bool lp_cgroup_path(const char *text, char *out, size_t cap)
{
    if (!cap)
        return false;
    out[0] = '\0';
    const char *pick = NULL, *p;
    size_t pick_len = 0, n;
    bool v2;
    char path[CGROUP_MAX + 1], id[65];
    for (const char *at = text; cg_line(&at, &p, &n, &v2);) {
        if (p && v2) { /* the unified hierarchy wins over any v1 line */
            pick = p, pick_len = n;
            break;
        }
        if (p && !pick && lp_cgroup_container_id(cg_copy(p, n, path), id))
            pick = p, pick_len = n;
    }
    if (!pick)
        return false;
    if (pick_len > cap - 1)
        pick_len = cap - 1;
    memcpy(out, pick, pick_len);
    out[pick_len] = '\0';
    return true;
}

/* /proc/PID/cgroup: whether a path starts with prefix (NULL: yes), and the container id. */
static bool read_cgroup(int dirfd, const char *prefix, char id[65])
{
    id[0] = '\0';
    char buf[CGROUP_MAX + 1];
    if (lp_proc_read_record(dirfd, "cgroup", buf, sizeof buf))
        return prefix == NULL;
    return lp_cgroup_parse(buf, prefix, id);
}

static const char *x_summary(const lp_facts *f)
{
    const lp_xreport *x = &f->x;
    for (size_t i = 0; i < x->n; i++)
        if (x->r[i].verdict != LP_XV_INJECTED)
            return lp_xverdict_name(x->r[i].verdict);
    if (x->n)
        return "injected";
    return x->record == LP_XREC_KNOWN || x->record == 0 ? "none" : lp_xrecord_name(x->record);
}

static void fill_build(lp_exporter_build *b, const lp_facts *f)
{
    memset(b, 0, sizeof *b);
    b->linkage = "unknown";
    b->x = "none";
    if (!f || f->error.code != LP_OK)
        return;
    b->read = true;
    b->is_go = f->is_go;
    const char *v = f->go && f->go->go_version ? f->go->go_version : f->go_version_fallback;
    if (v)
        snprintf(b->go_version, sizeof b->go_version, "%s", v);
    if (f->go_build_id)
        snprintf(b->go_build_id, sizeof b->go_build_id, "%s", f->go_build_id);
    if (f->gnu_build_id)
        snprintf(b->gnu_build_id, sizeof b->gnu_build_id, "%s", f->gnu_build_id);
    if (f->is_object)
        b->linkage = f->linkage.is_static ? (f->linkage.pie ? "static-pie" : "static")
                     : f->linkage.pie     ? "pie"
                                          : "dynamic";
    if (f->is_go)
        b->x = x_summary(f);
}

/* The build facts of the file the process runs, from the cache or read now. */
static const lp_exporter_build *build_of(lp_exporter *e, lp_proc *proc)
{
    static const lp_exporter_build unknown = {.linkage = "unknown", .x = "none"};
    struct stat st; /* taken when the process was opened: no second stat of its exe */
    if (!lp_proc_exe_stat(proc, &st))
        return &unknown;
    size_t victim = 0;
    for (size_t i = 0; i < e->n_builds; i++) {
        build_ent *b = &e->builds[i];
        if (b->dev == (uint64_t)st.st_dev && b->ino == (uint64_t)st.st_ino && b->size == (uint64_t)st.st_size &&
            b->mtime_s == (int64_t)st.st_mtim.tv_sec && b->mtime_ns == (int64_t)st.st_mtim.tv_nsec) {
            b->used = e->tick;
            e->hits++;
            return &b->b;
        }
        if (b->used < e->builds[victim].used)
            victim = i;
    }
    e->misses++;
    if (e->n_builds < e->o.max_builds)
        victim = e->n_builds++;
    build_ent *b = &e->builds[victim];
    *b = (build_ent){(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
                     (int64_t)st.st_mtim.tv_sec, (int64_t)st.st_mtim.tv_nsec, e->tick, {0}};
    /* read through the process's descriptor: the file it runs, also when replaced on disk */
    char path[64];
    lp_facts *f = NULL;
    lp_err ferr;
    lp_err_clear(&ferr);
    lp_facts_collect(lp_proc_path(proc, "exe", path, sizeof path), &f, &ferr);
    fill_build(&b->b, f);
    lp_facts_free(&f);
    return &b->b;
}

static const char *verify_of(lp_exporter *e, lp_proc *proc)
{
    int pid = lp_proc_pid(proc);
    uint64_t start = lp_proc_start_time(proc);
    time_t now = time(NULL);
    verify_ent *slot = NULL;
    for (size_t i = 0; i < e->n_verifies; i++)
        if (e->verifies[i].pid == pid && e->verifies[i].start == start) {
            slot = &e->verifies[i];
            slot->used = e->tick;
            if (now - slot->when < (time_t)e->o.verify_ttl_s)
                return slot->verdict;
            break;
        }
    lp_verify_result r;
    lp_err ve;
    lp_err_clear(&ve);
    const char *verdict = "error";
    if (lp_verify_proc(proc, NULL, e->o.reg, &r, &ve) == LP_OK) {
        verdict = lp_verdict_name(r.verdict);
        lp_verify_result_release(&r);
    }
    if (!slot) {
        if (e->n_verifies == e->cap_verifies) {
            size_t cap = e->cap_verifies ? e->cap_verifies * 2 : 64;
            verify_ent *nv = realloc(e->verifies, cap * sizeof *nv);
            if (!nv)
                return verdict;
            e->verifies = nv;
            e->cap_verifies = cap;
        }
        slot = &e->verifies[e->n_verifies++];
    }
    *slot = (verify_ent){pid, start, now, e->tick, verdict};
    return verdict;
}

typedef struct scrape_ctx {
    lp_exporter *e;
    lp_exporter_scrape *s;
    lp_nstab **tabs;
    size_t n_tabs, cap_tabs;
    size_t cap_procs;
    bool oom;
} scrape_ctx;

static bool name_selected(const lp_exporter_opts *o, const char *base, const char *comm)
{
    if (!o->n_exe_names)
        return true;
    for (size_t i = 0; i < o->n_exe_names; i++)
        if ((base && strcmp(base, o->exe_names[i]) == 0) || strcmp(comm, o->exe_names[i]) == 0)
            return true;
    return false;
}

/* The namespace's table for this scrape: read once per namespace. */
static const lp_nstab *table_for(scrape_ctx *c, lp_proc *proc, lp_nstab **own)
{
    *own = NULL;
    struct stat st;
    int dirfd = lp_proc_dirfd(proc);
    bool known = fstatat(dirfd, "ns/net", &st, 0) == 0;
    if (known)
        for (size_t i = 0; i < c->n_tabs; i++)
            if (c->tabs[i]->ns_ino == (uint64_t)st.st_ino && c->tabs[i]->ns_dev == (uint64_t)st.st_dev)
                return c->tabs[i];
    lp_nstab *t = NULL;
    if (lp_nstab_read(dirfd, lp_proc_pid(proc), c->e->o.source, &t, NULL) != LP_OK)
        return NULL;
    if (!known || !t->ns_ino) {
        *own = t; /* a namespace that cannot be named is not shared */
        return t;
    }
    if (c->n_tabs == c->cap_tabs) {
        size_t cap = c->cap_tabs ? c->cap_tabs * 2 : 16;
        lp_nstab **nv = realloc(c->tabs, cap * sizeof *nv);
        if (!nv) {
            *own = t;
            return t;
        }
        c->tabs = nv;
        c->cap_tabs = cap;
    }
    c->tabs[c->n_tabs++] = t;
    return t;
}

static void count_error(lp_exporter_scrape *s, const lp_err *err)
{
    if (err->code == LP_ERR_NOTFOUND || err->code == LP_ERR_CHANGED)
        s->vanished++;
    else if (err->sys_errno == EACCES || err->sys_errno == EPERM)
        s->unreadable++;
    else if (err->code == LP_ERR_NOMEM)
        s->failed++;
    else if (strstr(err->msg, "no permission"))
        s->unreadable++;
    else
        s->failed++;
}

static bool visit(void *ctx, lp_proc *proc)
{
    scrape_ctx *c = ctx;
    lp_exporter *e = c->e;
    lp_exporter_scrape *s = c->s;
    const lp_exporter_opts *o = &e->o;
    int dirfd = lp_proc_dirfd(proc);
    s->seen++;
    /* the executable's name: its link, as the kernel shows it; not lp_proc_exe(), whose stat of
     * the path would look in this process's mount namespace, not the container's */
    char exe[4096];
    lp_err err;
    lp_err_clear(&err);
    ssize_t k = readlinkat(dirfd, "exe", exe, sizeof exe - 1);
    int exe_errno = k < 0 ? errno : 0;
    if (k < 0 && errno == ENOENT)
        return true; /* a kernel thread, or exited: no executable, no sockets of its own */
    bool exe_ok = k > 0;
    if (exe_ok) {
        exe[k] = '\0';
        static const char deleted[] = " (deleted)";
        if ((size_t)k > sizeof deleted - 1 && strcmp(exe + k - (sizeof deleted - 1), deleted) == 0)
            exe[k - (sizeof deleted - 1)] = '\0';
    }
    char comm[64] = "";
    const char *base = NULL;
    if (exe_ok) {
        base = strrchr(exe, '/');
        base = base ? base + 1 : exe;
    }
    /* comm only when the executable's name cannot be read, or a name filter may need it */
    if (!base || o->n_exe_names)
        lp_proc_comm(dirfd, comm, sizeof comm);
    char container[65];
    bool sel = name_selected(o, base, comm) && read_cgroup(dirfd, o->cgroup, container) &&
               (!o->container || strncmp(container, o->container, strlen(o->container)) == 0);
    const lp_exporter_build *b = NULL;
    if (sel && o->go_only) {
        b = build_of(e, proc);
        sel = b->is_go;
    }
    if (!sel)
        return true;
    s->selected++;
    if (s->n_procs >= o->max_processes) {
        s->dropped_processes++;
        return true;
    }
    if (s->n_procs == c->cap_procs) {
        size_t cap = c->cap_procs ? c->cap_procs * 2 : 64;
        if (cap > o->max_processes)
            cap = o->max_processes;
        lp_exporter_proc *nv = realloc(s->procs, cap * sizeof *nv);
        if (!nv) {
            c->oom = true;
            return false;
        }
        s->procs = nv;
        c->cap_procs = cap;
    }
    lp_exporter_proc *p = &s->procs[s->n_procs];
    memset(p, 0, sizeof *p);
    p->pid = lp_proc_pid(proc);
    snprintf(p->exe, sizeof p->exe, "%.63s", base ? base : comm); /* a label: cut long names */
    snprintf(p->container, sizeof p->container, "%s", container);
    if (exe_errno == EACCES || exe_errno == EPERM) {
        /* the exe link and the fd directory take the same ptrace check: nothing of this
         * process can be read, so its namespace's table is not read either (without
         * CAP_SYS_PTRACE, a table read per unreadable process made a scrape of 1,000 processes
         * and 10,000 sockets take 56 s) */
        s->unreadable++;
        return true;
    }
    lp_nstab *own = NULL;
    const lp_nstab *tab = table_for(c, proc, &own);
    lp_err_clear(&err);
    lp_code rc = lp_probe_read_proc_ns(proc, o->source, tab, &p->probe, &err);
    uint64_t ns_ino = tab ? tab->ns_ino : 0;
    lp_nstab_free(&own); /* tab is own when the namespace was not shared */
    if (rc == LP_OK)
        rc = lp_probe_judge(NULL, p->probe, &o->health, &p->health, &err);
    if (rc != LP_OK) {
        lp_probe_free(&p->probe);
        lp_health_release(&p->health);
        count_error(s, &err);
        return true;
    }
    p->netns = ns_ino;
    if (p->probe->n_listeners > o->max_listeners) {
        p->dropped_listeners = p->probe->n_listeners - o->max_listeners;
        s->dropped_listeners += p->dropped_listeners;
        p->probe->n_listeners = o->max_listeners;
    }
    if (!b)
        b = build_of(e, proc);
    p->build = *b;
    if (o->reg && b->is_go)
        p->verify = verify_of(e, proc);
    s->n_procs++;
    return true;
}

lp_code lp_exporter_scrape_run(lp_exporter *e, lp_exporter_scrape *s, lp_err *err)
{
    memset(s, 0, sizeof *s);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    e->tick++;
    scrape_ctx c = {.e = e, .s = s};
    lp_code rc = lp_proc_walk(NULL, NULL, visit, &c, err);
    if (rc == LP_OK && c.oom)
        rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (rc == LP_OK && c.n_tabs) {
        s->netns = calloc(c.n_tabs, sizeof *s->netns);
        if (!s->netns)
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; rc == LP_OK && i < c.n_tabs; i++) {
        const lp_nstab *t = c.tabs[i];
        lp_exporter_netns *n = &s->netns[s->n_netns++];
        *n = (lp_exporter_netns){t->ns_ino, t->have_netstat, t->listen_overflows, t->listen_drops, t->source, 0};
        for (size_t j = 0; j < s->n_procs; j++)
            n->processes += s->procs[j].netns == t->ns_ino;
    }
    for (size_t i = 0; i < c.n_tabs; i++)
        lp_nstab_free(&c.tabs[i]);
    free(c.tabs);
    /* forget the decisions of processes not seen in this scrape: the cache stays as large as the node */
    size_t w = 0;
    for (size_t i = 0; i < e->n_verifies; i++)
        if (e->verifies[i].used == e->tick)
            e->verifies[w++] = e->verifies[i];
    e->n_verifies = w;
    if (rc != LP_OK) {
        lp_exporter_scrape_release(s);
        return rc;
    }
    s->builds_cached = e->n_builds;
    s->build_hits = e->hits;
    s->build_misses = e->misses;
    s->max_processes = e->o.max_processes;
    s->max_listeners = e->o.max_listeners;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return LP_OK;
}

void lp_exporter_scrape_release(lp_exporter_scrape *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_procs; i++) {
        lp_probe_free(&s->procs[i].probe);
        lp_health_release(&s->procs[i].health);
    }
    free(s->procs);
    free(s->netns);
    memset(s, 0, sizeof *s);
}
