/*
 * walk.c - every process on the machine, each through its own lp_proc: the
 * one walk over /proc behind `verify --all` and `probe --exe`.
 *
 * Invariants: bounded by the process table (one readdir pass); a process is
 * read only through the descriptor opened for it, so what a visitor reads
 * of it cannot come from another process that took the same id; this
 * process is never visited.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkproof/proc.h"

lp_code lp_proc_walk(lp_proc_hook hook, void *hook_ctx, lp_proc_visit visit, void *ctx, lp_err *err)
{
    DIR *d = opendir("/proc");
    if (!d)
        return lp_err_set(err, LP_ERR_IO, "cannot list /proc: %s", strerror(errno));
    int self = getpid();
    struct dirent *de;
    bool more = true;
    while (more && (de = readdir(d))) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end || end == de->d_name || v <= 0 || v > 0x7fffffffL || v == self)
            continue;
        lp_proc *p = NULL;
        if (lp_proc_open((int)v, &p, NULL) != LP_OK)
            continue; /* exited meanwhile */
        if (hook)
            lp_proc_set_hook(p, hook, hook_ctx);
        more = visit(ctx, p);
        lp_proc_close(&p);
    }
    closedir(d);
    return LP_OK;
}
