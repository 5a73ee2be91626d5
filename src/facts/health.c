/*
 * health.c - the probe's verdict: is a live process "alive but not serving"?
 * One reading (or two, an interval apart) against thresholds; each reason it
 * is not healthy is a finding with a stable id and one line that names the
 * numbers and what they mean for the service.
 *
 * Owns: the health rules and their wording. The reading itself is
 * src/proc/probe.c's; nothing here reads /proc.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/probe.h"

double lp_probe_fd_ratio(const lp_probe *p)
{
    return p->fd_limit == UINT64_MAX || p->fd_limit == 0 ? 0.0 : (double)p->fds / (double)p->fd_limit;
}

static bool add(lp_health *h, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool add(lp_health *h, const char *id, const char *fmt, ...)
{
    lp_finding *nr = realloc(h->reasons, (h->n_reasons + 1) * sizeof *nr);
    if (!nr)
        return false;
    h->reasons = nr;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int k = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (k < 0)
        return false;
    h->reasons[h->n_reasons++] = (lp_finding){id, LP_SEV_ERROR, msg};
    return true;
}

lp_code lp_probe_judge(const lp_probe *first, const lp_probe *p, const lp_health_opts *o,
                       lp_health *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    if (first && first->have_netstat && p->have_netstat) {
        /* counters only rise; a lower second value is a reset (a new namespace), not a drop */
        out->have_delta = true;
        out->d_overflows = p->listen_overflows >= first->listen_overflows
                               ? p->listen_overflows - first->listen_overflows : 0;
        out->d_drops = p->listen_drops >= first->listen_drops ? p->listen_drops - first->listen_drops : 0;
    }
    bool ok = true;
    if (p->zombie)
        ok = ok && add(out, "exited", "the process has exited (a zombie its parent has not reaped): it serves nothing");
    if (p->fd_limit != UINT64_MAX && p->fd_limit && (double)p->fds >= o->max_fd_ratio * (double)p->fd_limit)
        ok = ok && add(out, "fd-ratio", "%llu open fds of a soft limit of %llu (%.0f%% >= %.0f%%): new connections "
                                        "and files will fail with EMFILE",
                       (unsigned long long)p->fds, (unsigned long long)p->fd_limit,
                       100 * lp_probe_fd_ratio(p), 100 * o->max_fd_ratio);
    uint64_t cw = p->states[LP_TCP_CLOSE_WAIT];
    if (cw > o->max_close_wait)
        ok = ok && add(out, "close-wait", "%llu sockets in CLOSE_WAIT (> %llu): the peer closed, the process never "
                                          "did (a connection leak, e.g. response bodies not closed)",
                       (unsigned long long)cw, (unsigned long long)o->max_close_wait);
    uint64_t orphans = p->orphan_tcp + p->orphan_udp;
    if (orphans > o->max_orphans)
        ok = ok && add(out, "orphan-sockets", "%llu orphaned sockets (> %llu): socket fds the process never closed that "
                                              "are in no TCP or UDP table any more (the peer closed or reset them): a "
                                              "connection leak that CLOSE_WAIT and ss no longer show",
                       (unsigned long long)orphans, (unsigned long long)o->max_orphans);
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        if (l->backlog && l->queue >= l->backlog)
            ok = ok && add(out, "accept-queue-full", "listener %s%s%s:%u has a full accept queue (%u of %u): the "
                                                     "process is not accepting; the kernel drops new connections",
                           l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port, l->queue, l->backlog);
    }
    if (out->have_delta && out->d_overflows > 0)
        ok = ok && add(out, "listen-overflows", "ListenOverflows rose by %llu during the interval: connections are "
                                                "being dropped",
                       (unsigned long long)out->d_overflows);
    if (!ok) {
        lp_health_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    out->healthy = out->n_reasons == 0;
    return LP_OK;
}

void lp_health_release(lp_health *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_reasons; i++)
        free(h->reasons[i].message);
    free(h->reasons);
    memset(h, 0, sizeof *h);
}
