/*
 * prometheus.c - the Prometheus text exposition format (version 0.0.4, as the
 * node_exporter textfile collector reads it): metric families with HELP and
 * TYPE, samples with labels. `probe --format prometheus` writes a reading
 * with it; the writers below are the only place metrics are formatted.
 *
 * Invariant: label values escape backslash, double quote and newline, and
 * HELP texts backslash and newline, as the format requires; metric and label
 * names are the caller's constants.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/prometheus.h"
#include "report/report_internal.h"

static void esc(FILE *fp, const char *s, bool quote)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", fp);
        else if (*s == '\n')
            fputs("\\n", fp);
        else if (*s == '"' && quote)
            fputs("\\\"", fp);
        else
            fputc(*s, fp);
    }
}

void lp_prom_family(FILE *fp, const char *name, const char *type, const char *help)
{
    fprintf(fp, "# HELP %s ", name);
    esc(fp, help, false);
    fprintf(fp, "\n# TYPE %s %s\n", name, type);
}

static void labels(FILE *fp, const lp_prom_label *l, size_t n)
{
    if (!n)
        return;
    fputc('{', fp);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "%s%s=\"", i ? "," : "", l[i].name);
        esc(fp, l[i].value, true);
        fputc('"', fp);
    }
    fputc('}', fp);
}

void lp_prom_sample(FILE *fp, const char *name, const lp_prom_label *l, size_t n, uint64_t value)
{
    fputs(name, fp);
    labels(fp, l, n);
    fprintf(fp, " %" PRIu64 "\n", value);
}

void lp_prom_sample_real(FILE *fp, const char *name, const lp_prom_label *l, size_t n, double value)
{
    fputs(name, fp);
    labels(fp, l, n);
    fprintf(fp, " %.17g\n", value);
}

static bool prom_probe(lp_report *r, const void *doc)
{
    const lp_doc_probe *d = doc;
    const lp_probe *p = d->p;
    FILE *fp = r->o.fp;
    char pid[16], addr[96];
    snprintf(pid, sizeof pid, "%d", p->pid);
    lp_prom_label l[3] = {{"pid", pid}, {NULL, NULL}, {NULL, NULL}};
    lp_prom_family(fp, "linkproof_process_open_fds", "gauge", "Open file descriptors of the process.");
    lp_prom_sample(fp, "linkproof_process_open_fds", l, 1, p->fds);
    if (p->fd_limit != UINT64_MAX) {
        lp_prom_family(fp, "linkproof_process_max_fds", "gauge", "Soft RLIMIT_NOFILE of the process.");
        lp_prom_sample(fp, "linkproof_process_max_fds", l, 1, p->fd_limit);
    }
    lp_prom_family(fp, "linkproof_process_threads", "gauge", "Threads of the process.");
    lp_prom_sample(fp, "linkproof_process_threads", l, 1, p->threads);
    lp_prom_family(fp, "linkproof_tcp_sockets", "gauge", "TCP sockets owned by the process, by state.");
    l[1].name = "state";
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++) {
        l[1].value = lp_tcp_state_name(s);
        lp_prom_sample(fp, "linkproof_tcp_sockets", l, 2, p->states[s]);
    }
    lp_prom_family(fp, "linkproof_orphan_sockets", "gauge",
                   "Socket fds of the process in no TCP or UDP table of its network namespace, by protocol.");
    l[1] = (lp_prom_label){"protocol", "tcp"};
    lp_prom_sample(fp, "linkproof_orphan_sockets", l, 2, p->orphan_tcp);
    l[1].value = "udp";
    lp_prom_sample(fp, "linkproof_orphan_sockets", l, 2, p->orphan_udp);
    if (p->n_listeners) {
        l[1] = (lp_prom_label){"address", addr};
        lp_prom_family(fp, "linkproof_tcp_listen_queue", "gauge", "Connections waiting in a listener's accept queue.");
        for (size_t i = 0; i < p->n_listeners; i++) {
            const lp_listener *ls = &p->listeners[i];
            snprintf(addr, sizeof addr, "%s%s%s:%u", ls->ipv6 ? "[" : "", ls->address, ls->ipv6 ? "]" : "", ls->port);
            lp_prom_sample(fp, "linkproof_tcp_listen_queue", l, 2, ls->queue);
        }
        lp_prom_family(fp, "linkproof_tcp_listen_backlog", "gauge", "Size of a listener's accept queue.");
        for (size_t i = 0; i < p->n_listeners; i++) {
            const lp_listener *ls = &p->listeners[i];
            snprintf(addr, sizeof addr, "%s%s%s:%u", ls->ipv6 ? "[" : "", ls->address, ls->ipv6 ? "]" : "", ls->port);
            if (ls->backlog)
                lp_prom_sample(fp, "linkproof_tcp_listen_backlog", l, 2, ls->backlog);
        }
    }
    if (p->have_netstat) {
        lp_prom_family(fp, "linkproof_netstat_listen_overflows_total", "counter",
                       "TcpExt ListenOverflows of the process's network namespace.");
        lp_prom_sample(fp, "linkproof_netstat_listen_overflows_total", l, 1, p->listen_overflows);
        lp_prom_family(fp, "linkproof_netstat_listen_drops_total", "counter",
                       "TcpExt ListenDrops of the process's network namespace.");
        lp_prom_sample(fp, "linkproof_netstat_listen_drops_total", l, 1, p->listen_drops);
    }
    lp_prom_family(fp, "linkproof_probe_healthy", "gauge", "1 when every probe threshold holds, else 0.");
    lp_prom_sample(fp, "linkproof_probe_healthy", l, 1, d->health->healthy);
    return !ferror(fp);
}

const lp_report_format lp_report_prometheus = {
    .name = "prometheus",
    .kinds = {[LP_DOC_PROBE] = {.write = prom_probe}},
};
