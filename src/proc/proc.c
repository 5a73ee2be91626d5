/*
 * proc.c - one live process: the /proc/PID directory descriptor every read
 * goes through, and the process's identity checked after the reads.
 *
 * Owns: what "the same process" means. A /proc/PID directory, once open,
 * stays bound to the process it was opened for: after that process exits,
 * lookups through the descriptor fail (ESRCH/ENOENT) even when a new process
 * has taken the same id, so nothing read through it can come from another
 * process. The identity recorded at open, the start time (/proc/PID/stat
 * field 22) and the device and inode of the executable, tells afterwards
 * whether the process exited, was replaced under the same id, or executed
 * another program (same id, same start time, another executable).
 *
 * Invariants: /proc/PID/stat is read with one bounded read; nothing here
 * writes to or signals the process.
 */
#include "linkproof/proc.h"
#include "proc/proc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lp_proc {
    int pid;
    int dirfd;
    uint64_t start;
    bool was_zombie; /* already exited (not reaped) when opened */
    bool has_exe;
    struct stat exe_st; /* of /proc/PID/exe at open: the file it runs */
    lp_proc_hook hook;
    void *hook_ctx;
};

const char *lp_proc_stat_field(const char *t, int field)
{
    const char *close = t ? strrchr(t, ')') : NULL;
    const char *sep = close ? close + 1 : NULL; /* the space before field 3, then 4, ... */
    for (int f = 3; sep && f <= field; f++) {
        if (*sep != ' ' || !sep[1])
            return NULL;
        if (f == field)
            return sep + 1;
        sep = strchr(sep + 1, ' ');
    }
    return NULL;
}

/* Fields 3 (state) and 22 (starttime) of a /proc/PID/stat text. */
static bool parse_start(const char *t, uint64_t *start, char *state)
{
    const char *st = lp_proc_stat_field(t, 3), *p = lp_proc_stat_field(t, 22);
    if (!st || !p)
        return false;
    *state = *st;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || end == p)
        return false;
    *start = v;
    return true;
}

int lp_proc_read_record(int dirfd, const char *name, char *buf, size_t cap)
{
    if (!cap)
        return EINVAL;
    buf[0] = '\0';
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    size_t n = 0;
    int e = 0;
    while (n < cap - 1) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        if (r <= 0)
            break;
        n += (size_t)r;
        if ((size_t)r < cap - 1 - (n - (size_t)r))
            break; /* one record (single_open): a short read is its end */
    }
    close(fd);
    buf[n] = '\0';
    return e ? e : n ? 0 : ESRCH; /* an empty read: the process is gone */
}

bool lp_proc_comm(int dirfd, char *out, size_t n)
{
    if (lp_proc_read_record(dirfd, "comm", out, n))
        return false;
    out[strcspn(out, "\n")] = '\0';
    return true;
}

/* The start time and state read through dirfd (or, dirfd < 0, by path); an errno value on failure. */
static int read_start(int dirfd, int pid, uint64_t *start, char *state)
{
    char path[64], buf[LP_PROC_STAT_MAX];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int e = lp_proc_read_record(dirfd >= 0 ? dirfd : AT_FDCWD, dirfd >= 0 ? "stat" : path, buf, sizeof buf);
    if (e)
        return e;
    return parse_start(buf, start, state) ? 0 : EIO;
}

/* The start time and state of a stat text a caller read (NULL: its read failed with @p e). */
static int parse_read(const char *text, int e, uint64_t *start, char *state)
{
    if (!text)
        return e ? e : ESRCH;
    if (!*text)
        return ESRCH; /* an empty read: the process is gone */
    return parse_start(text, start, state) ? 0 : EIO;
}

lp_code lp_proc_open(int pid, lp_proc **out, lp_err *err)
{
    *out = NULL;
    if (pid <= 0)
        return lp_err_set(err, LP_ERR_INVAL, "'%d' is not a process id", pid);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        lp_code rc = e == ENOENT || e == ESRCH
                         ? lp_err_set(err, LP_ERR_NOTFOUND, "process %d: no such process", pid)
                         : lp_err_set(err, LP_ERR_IO, "process %d: cannot open %s: %s", pid, path, strerror(e));
        if (err)
            err->sys_errno = e;
        return rc;
    }
    lp_proc *p = calloc(1, sizeof *p);
    if (!p) {
        close(fd);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    p->pid = pid;
    p->dirfd = fd;
    char state = 0;
    int e = read_start(fd, pid, &p->start, &state);
    p->was_zombie = state == 'Z' || state == 'X';
    if (e) {
        lp_proc_close(&p);
        if (e == ENOENT || e == ESRCH)
            return lp_err_set(err, LP_ERR_NOTFOUND, "process %d: no such process (it exited)", pid);
        return lp_err_set(err, LP_ERR_IO, "process %d: cannot read /proc/%d/stat: %s", pid, pid, strerror(e));
    }
    /* a kernel thread or a zombie has no executable; another user's may not be readable */
    if (fstatat(fd, "exe", &p->exe_st, 0) == 0)
        p->has_exe = true;
    *out = p;
    return LP_OK;
}

void lp_proc_close(lp_proc **pp)
{
    if (!pp || !*pp)
        return;
    if ((*pp)->dirfd >= 0)
        close((*pp)->dirfd);
    free(*pp);
    *pp = NULL;
}

int lp_proc_pid(const lp_proc *p) { return p->pid; }
int lp_proc_dirfd(const lp_proc *p) { return p->dirfd; }
uint64_t lp_proc_start_time(const lp_proc *p) { return p->start; }

const char *lp_proc_path(const lp_proc *p, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "/proc/self/fd/%d/%s", p->dirfd, name);
    return buf;
}

bool lp_proc_exe_stat(const lp_proc *p, struct stat *st)
{
    if (p->has_exe)
        *st = p->exe_st;
    return p->has_exe;
}

/* The identity check on a reading of stat (@p e: its errno, 0 when now and state were read). */
static lp_code check_read(lp_proc *p, int e, uint64_t now, char state, lp_err *err)
{
    char ostate = 0;
    if (e == ENOENT || e == ESRCH) {
        /* gone: exited, or exited and its id taken by a newer process? */
        uint64_t other = 0;
        if (read_start(-1, p->pid, &other, &ostate) == 0 && other != p->start)
            return lp_err_set(err, LP_ERR_CHANGED,
                              "process %d changed while being read: it exited and id %d now belongs to "
                              "another process",
                              p->pid, p->pid);
        return lp_err_set(err, LP_ERR_CHANGED, "process %d changed while being read: it exited", p->pid);
    }
    if (e)
        return lp_err_set(err, LP_ERR_IO, "process %d: cannot read /proc/%d/stat: %s", p->pid, p->pid,
                          strerror(e));
    if (now != p->start)
        return lp_err_set(err, LP_ERR_CHANGED,
                          "process %d changed while being read: its start time is not the one it had",
                          p->pid);
    if ((state == 'Z' || state == 'X') && !p->was_zombie)
        return lp_err_set(err, LP_ERR_CHANGED, "process %d changed while being read: it exited", p->pid);
    struct stat st;
    if (p->has_exe && !p->was_zombie && (fstatat(p->dirfd, "exe", &st, 0) != 0 || st.st_dev != p->exe_st.st_dev ||
                       st.st_ino != p->exe_st.st_ino))
        return lp_err_set(err, LP_ERR_CHANGED,
                          "process %d changed while being read: it executed another program", p->pid);
    return LP_OK;
}

lp_code lp_proc_check(lp_proc *p, lp_err *err)
{
    uint64_t now = 0;
    char state = 0;
    int e = read_start(p->dirfd, p->pid, &now, &state);
    return check_read(p, e, now, state, err);
}

lp_code lp_proc_check_stat(lp_proc *p, const char *stat_text, int read_errno, lp_err *err)
{
    uint64_t now = 0;
    char state = 0;
    int e = parse_read(stat_text, read_errno, &now, &state);
    return check_read(p, e, now, state, err);
}

void lp_proc_set_hook(lp_proc *p, lp_proc_hook hook, void *ctx)
{
    p->hook = hook;
    p->hook_ctx = ctx;
}

void lp_proc_stage(const lp_proc *p, const char *stage)
{
    if (p->hook)
        p->hook(p->hook_ctx, p, stage);
}

/* ---- the executable ---- */

#define DELETED " (deleted)" /* what the kernel appends to an unlinked file's path */

bool lp_proc_path_is(const char *shown, size_t n, const char *path)
{
    size_t pl = strlen(path), dl = sizeof DELETED - 1;
    return n >= pl && memcmp(shown, path, pl) == 0 &&
           (n == pl || (n - pl == dl && memcmp(shown + pl, DELETED, dl) == 0));
}

const char *lp_exe_state_name(lp_exe_state s)
{
    return s == LP_EXE_DELETED ? "deleted" : s == LP_EXE_REPLACED ? "replaced" : "present";
}

lp_code lp_proc_exe(lp_proc *p, char **path, lp_exe_state *state, uint64_t *ino, lp_err *err)
{
    *path = NULL;
    char buf[4096];
    struct stat mapped, named;
    ssize_t k = readlinkat(p->dirfd, "exe", buf, sizeof buf - 1);
    if (k < 0 || fstatat(p->dirfd, "exe", &mapped, 0) != 0) {
        int e = errno;
        lp_code rc = lp_err_set(err, e == ENOENT || e == ESRCH ? LP_ERR_NOTFOUND : LP_ERR_IO,
                                "process %d: cannot read its executable (/proc/%d/exe): %s", p->pid, p->pid,
                                strerror(e));
        if (err)
            err->sys_errno = e;
        return rc;
    }
    buf[k] = '\0';
    /* the path as given counts first: only when it is not the running file may the marker go */
    if (stat(buf, &named) == 0 && named.st_ino == mapped.st_ino && named.st_dev == mapped.st_dev) {
        *state = LP_EXE_PRESENT;
    } else {
        size_t dl = sizeof DELETED - 1;
        if ((size_t)k > dl && strcmp(buf + k - dl, DELETED) == 0)
            buf[k - dl] = '\0';
        bool exists = stat(buf, &named) == 0;
        *state = exists && named.st_ino == mapped.st_ino && named.st_dev == mapped.st_dev ? LP_EXE_PRESENT
                 : exists                                                                 ? LP_EXE_REPLACED
                                                                                          : LP_EXE_DELETED;
    }
    if (ino)
        *ino = (uint64_t)mapped.st_ino;
    if (!(*path = strdup(buf)))
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    return LP_OK;
}
