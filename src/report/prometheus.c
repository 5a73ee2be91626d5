/*
 * prometheus.c - the Prometheus text exposition format (version 0.0.4, as the
 * node_exporter textfile collector reads it) and OpenMetrics 1.0 (what
 * Prometheus asks for first in its Accept header): metric families with HELP
 * and TYPE, samples with labels. `probe --format prometheus|openmetrics`
 * writes a reading with it, `exporter` a scrape of the node; the writers
 * below are the only place metrics are formatted.
 *
 * Invariants: label values escape backslash, double quote and newline, and
 * HELP texts backslash and newline, as the formats require; metric and label
 * names are the caller's constants. The two formats differ only where
 * OpenMetrics says so: a counter's family is named without "_total" (its
 * samples keep it), an info metric is TYPE info named without "_info" (text:
 * a gauge), and the exposition ends with "# EOF". Every family's samples are
 * contiguous. The exporter's series are bounded per process (docs/exporter.md):
 * labels are pid, exe and container_id; the namespace counters are written
 * once per network namespace, never per process.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "linkproof/exporter.h"
#include "report/prometheus.h"
#include "report/report_internal.h"

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3) {
        unsigned cp = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    if (n == 4) {
        unsigned cp = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12;
        if (cp < 0x10000 || cp > 0x10FFFF)
            return 0;
    }
    return n;
}

/* Label values and HELP must be UTF-8 (a scraper rejects the whole exposition otherwise): an
 * executable's name is any bytes, so a byte that starts no valid sequence becomes U+FFFD. */
static void esc(FILE *fp, const char *s, bool quote)
{
    const unsigned char *u = (const unsigned char *)s;
    while (u && *u) {
        /* a run of plain ASCII in one write: most label values are nothing else */
        size_t run = 0;
        while (u[run] && u[run] < 0x80 && u[run] != '\\' && u[run] != '\n' && !(quote && u[run] == '"'))
            run++;
        if (run) {
            fwrite(u, 1, run, fp);
            u += run;
            continue;
        }
        if (*u == '\\')
            fputs("\\\\", fp);
        else if (*u == '\n')
            fputs("\\n", fp);
        else if (*u == '"' && quote)
            fputs("\\\"", fp);
        else {
            size_t n = utf8_len(u);
            if (n == 0) {
                fputs("\xef\xbf\xbd", fp);
                u++;
            } else {
                fwrite(u, 1, n, fp);
                u += n;
            }
            continue;
        }
        u++;
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
        if (i)
            fputc(',', fp);
        fputs(l[i].name, fp);
        fputs("=\"", fp);
        esc(fp, l[i].value, true);
        fputc('"', fp);
    }
    fputc('}', fp);
}

void lp_prom_sample(FILE *fp, const char *name, const lp_prom_label *l, size_t n, uint64_t value)
{
    fputs(name, fp);
    labels(fp, l, n);
    char d[24]; /* " " and at most 20 digits and "\n", written backwards */
    char *p = d + sizeof d;
    *--p = '\n';
    do
        *--p = (char)('0' + value % 10);
    while (value /= 10);
    *--p = ' ';
    fwrite(p, 1, (size_t)(d + sizeof d - p), fp);
}

void lp_prom_sample_real(FILE *fp, const char *name, const lp_prom_label *l, size_t n, double value)
{
    fputs(name, fp);
    labels(fp, l, n);
    fprintf(fp, " %.17g\n", value);
}

void lp_prom_family_om(FILE *fp, bool om, const char *name, const char *type, const char *help)
{
    size_t n = strlen(name);
    bool counter = strcmp(type, "counter") == 0, info = strcmp(type, "info") == 0;
    if (om && counter && n > 6 && strcmp(name + n - 6, "_total") == 0)
        n -= 6;
    else if (om && info && n > 5 && strcmp(name + n - 5, "_info") == 0)
        n -= 5;
    fprintf(fp, "# HELP %.*s ", (int)n, name);
    esc(fp, help, false);
    fprintf(fp, "\n# TYPE %.*s %s\n", (int)n, name, info && !om ? "gauge" : type);
}

static bool is_om(const lp_report *r) { return r->fmt == &lp_report_openmetrics; }

static bool om_end(lp_report *r)
{
    fputs("# EOF\n", r->o.fp);
    return !ferror(r->o.fp);
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
        lp_prom_family_om(fp, is_om(r), "linkproof_netstat_listen_overflows_total", "counter",
                       "TcpExt ListenOverflows of the process's network namespace.");
        lp_prom_sample(fp, "linkproof_netstat_listen_overflows_total", l, 1, p->listen_overflows);
        lp_prom_family_om(fp, is_om(r), "linkproof_netstat_listen_drops_total", "counter",
                       "TcpExt ListenDrops of the process's network namespace.");
        lp_prom_sample(fp, "linkproof_netstat_listen_drops_total", l, 1, p->listen_drops);
    }
    lp_prom_family(fp, "linkproof_probe_healthy", "gauge", "1 when every probe threshold holds, else 0.");
    lp_prom_sample(fp, "linkproof_probe_healthy", l, 1, d->health->healthy);
    return !ferror(fp);
}

/* ---------------------------------------------------------------- exporter */

/* The labels every per-process series has (pid, exe, container_id), then up to 4 more. */
typedef struct plabels {
    char pid[16];
    lp_prom_label l[7];
} plabels;

static const lp_prom_label *proc_labels(plabels *b, const lp_exporter_proc *p)
{
    snprintf(b->pid, sizeof b->pid, "%d", p->pid);
    b->l[0] = (lp_prom_label){"pid", b->pid};
    b->l[1] = (lp_prom_label){"exe", p->exe};
    b->l[2] = (lp_prom_label){"container_id", p->container};
    return b->l;
}

static void listener_addr(char *buf, size_t n, const lp_listener *ls)
{
    snprintf(buf, n, "%s%s%s:%u", ls->ipv6 ? "[" : "", ls->address, ls->ipv6 ? "]" : "", ls->port);
}

/* no arithmetic on a NULL array: a scrape that selected nothing has procs NULL */
#define EACH_PROC(s, p)                                                                             \
    for (const lp_exporter_proc *p = (s)->n_procs ? (s)->procs : NULL, *p##_end = p ? p + (s)->n_procs : NULL; \
         p != p##_end; p++)

static bool prom_exporter(lp_report *r, const void *doc)
{
    const lp_exporter_scrape *s = doc;
    FILE *fp = r->o.fp;
    bool om = is_om(r);
    plabels b;
    char v[32], addr[96];

    lp_prom_family_om(fp, om, "linkproof_process_info", "info",
                      "A process read by the scrape: its network namespace (inode) and where its sockets were read.");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        snprintf(v, sizeof v, "%llu", (unsigned long long)p->netns);
        b.l[3] = (lp_prom_label){"netns", v};
        b.l[4] = (lp_prom_label){"source", p->probe->tcp_source ? p->probe->tcp_source : ""};
        lp_prom_sample(fp, "linkproof_process_info", b.l, 5, 1);
    }
    lp_prom_family(fp, "linkproof_process_open_fds", "gauge", "Open file descriptors of the process.");
    EACH_PROC(s, p) lp_prom_sample(fp, "linkproof_process_open_fds", proc_labels(&b, p), 3, p->probe->fds);
    lp_prom_family(fp, "linkproof_process_max_fds", "gauge", "Soft RLIMIT_NOFILE of the process (absent when unlimited).");
    EACH_PROC(s, p) if (p->probe->fd_limit != UINT64_MAX)
        lp_prom_sample(fp, "linkproof_process_max_fds", proc_labels(&b, p), 3, p->probe->fd_limit);
    lp_prom_family(fp, "linkproof_process_fd_ratio", "gauge", "Open file descriptors over the soft limit (0 when unlimited).");
    EACH_PROC(s, p) lp_prom_sample_real(fp, "linkproof_process_fd_ratio", proc_labels(&b, p), 3, lp_probe_fd_ratio(p->probe));
    lp_prom_family(fp, "linkproof_process_threads", "gauge", "Threads of the process.");
    EACH_PROC(s, p) lp_prom_sample(fp, "linkproof_process_threads", proc_labels(&b, p), 3, p->probe->threads);
    lp_prom_family(fp, "linkproof_tcp_sockets", "gauge",
                   "TCP sockets owned by the process, by state (established, close_wait and listen always; others when not 0).");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        for (unsigned st = 1; st < LP_TCP_NSTATES; st++) {
            if (!p->probe->states[st] && st != LP_TCP_ESTABLISHED && st != LP_TCP_CLOSE_WAIT && st != LP_TCP_LISTEN)
                continue;
            b.l[3] = (lp_prom_label){"state", lp_tcp_state_name(st)};
            lp_prom_sample(fp, "linkproof_tcp_sockets", b.l, 4, p->probe->states[st]);
        }
    }
    lp_prom_family(fp, "linkproof_udp_sockets", "gauge", "UDP sockets owned by the process.");
    EACH_PROC(s, p) lp_prom_sample(fp, "linkproof_udp_sockets", proc_labels(&b, p), 3, p->probe->udp_sockets);
    lp_prom_family(fp, "linkproof_orphan_sockets", "gauge",
                   "Socket fds of the process in no TCP or UDP table of its network namespace, by protocol.");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        b.l[3] = (lp_prom_label){"protocol", "tcp"};
        lp_prom_sample(fp, "linkproof_orphan_sockets", b.l, 4, p->probe->orphan_tcp);
        b.l[3].value = "udp";
        lp_prom_sample(fp, "linkproof_orphan_sockets", b.l, 4, p->probe->orphan_udp);
    }
    lp_prom_family(fp, "linkproof_tcp_listen_queue", "gauge",
                   "Connections waiting in a listener's accept queue (at most --max-listeners per process).");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        b.l[3] = (lp_prom_label){"address", addr};
        for (size_t i = 0; i < p->probe->n_listeners; i++) {
            listener_addr(addr, sizeof addr, &p->probe->listeners[i]);
            lp_prom_sample(fp, "linkproof_tcp_listen_queue", b.l, 4, p->probe->listeners[i].queue);
        }
    }
    lp_prom_family(fp, "linkproof_tcp_listen_backlog", "gauge",
                   "Size of a listener's accept queue (absent when only /proc could be read).");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        b.l[3] = (lp_prom_label){"address", addr};
        for (size_t i = 0; i < p->probe->n_listeners; i++) {
            if (!p->probe->listeners[i].backlog)
                continue;
            listener_addr(addr, sizeof addr, &p->probe->listeners[i]);
            lp_prom_sample(fp, "linkproof_tcp_listen_backlog", b.l, 4, p->probe->listeners[i].backlog);
        }
    }
    lp_prom_family(fp, "linkproof_probe_healthy", "gauge", "1 when every probe threshold holds, else 0.");
    EACH_PROC(s, p) lp_prom_sample(fp, "linkproof_probe_healthy", proc_labels(&b, p), 3, p->health.healthy);
    lp_prom_family(fp, "linkproof_probe_reason", "gauge",
                   "1 for each reason the process is unhealthy (fd-ratio, close-wait, orphan-sockets, accept-queue-full, exited).");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        for (size_t i = 0; i < p->health.n_reasons; i++) {
            b.l[3] = (lp_prom_label){"reason", p->health.reasons[i].id};
            lp_prom_sample(fp, "linkproof_probe_reason", b.l, 4, 1);
        }
    }
    lp_prom_family_om(fp, om, "linkproof_build_info", "info",
                      "The build facts of the executable the process runs (read once per file).");
    EACH_PROC(s, p) {
        proc_labels(&b, p);
        const lp_exporter_build *bd = &p->build;
        b.l[3] = (lp_prom_label){"go_version", bd->go_version};
        b.l[4] = (lp_prom_label){"go_build_id", bd->go_build_id};
        b.l[5] = (lp_prom_label){"linkage", bd->linkage ? bd->linkage : "unknown"};
        b.l[6] = (lp_prom_label){"x", bd->x ? bd->x : "none"};
        lp_prom_sample(fp, "linkproof_build_info", b.l, 7, 1);
    }
    lp_prom_family_om(fp, om, "linkproof_build_gnu_info", "info",
                      "The GNU build ID of the executable the process runs, when it has one.");
    EACH_PROC(s, p) if (p->build.gnu_build_id[0]) {
        proc_labels(&b, p);
        b.l[3] = (lp_prom_label){"gnu_build_id", p->build.gnu_build_id};
        lp_prom_sample(fp, "linkproof_build_gnu_info", b.l, 4, 1);
    }
    lp_prom_family(fp, "linkproof_verify_decision", "gauge",
                   "With --registry, 1 for the verify decision of each Go process (ok, rollback, fuse, error).");
    EACH_PROC(s, p) if (p->verify) {
        proc_labels(&b, p);
        b.l[3] = (lp_prom_label){"decision", p->verify};
        lp_prom_sample(fp, "linkproof_verify_decision", b.l, 4, 1);
    }

    lp_prom_label nl[1] = {{"netns", v}};
    lp_prom_family_om(fp, om, "linkproof_netns_listen_overflows_total", "counter",
                      "TcpExt ListenOverflows of a network namespace (once per namespace).");
    for (size_t i = 0; i < s->n_netns; i++)
        if (s->netns[i].have_netstat) {
            snprintf(v, sizeof v, "%llu", (unsigned long long)s->netns[i].inode);
            lp_prom_sample(fp, "linkproof_netns_listen_overflows_total", nl, 1, s->netns[i].listen_overflows);
        }
    lp_prom_family_om(fp, om, "linkproof_netns_listen_drops_total", "counter",
                      "TcpExt ListenDrops of a network namespace (once per namespace).");
    for (size_t i = 0; i < s->n_netns; i++)
        if (s->netns[i].have_netstat) {
            snprintf(v, sizeof v, "%llu", (unsigned long long)s->netns[i].inode);
            lp_prom_sample(fp, "linkproof_netns_listen_drops_total", nl, 1, s->netns[i].listen_drops);
        }
    lp_prom_family(fp, "linkproof_netns_processes", "gauge", "Processes read in a network namespace.");
    for (size_t i = 0; i < s->n_netns; i++) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)s->netns[i].inode);
        lp_prom_sample(fp, "linkproof_netns_processes", nl, 1, s->netns[i].processes);
    }

    static const char *const states[] = {"seen", "selected", "reported", "dropped", "unreadable", "vanished", "failed"};
    size_t counts[] = {s->seen, s->selected, s->n_procs, s->dropped_processes, s->unreadable, s->vanished, s->failed};
    lp_prom_family(fp, "linkproof_exporter_processes", "gauge",
                   "Processes of the scrape: seen in /proc, selected, reported, dropped over --max-processes, "
                   "unreadable (permission), vanished (exited while read), failed.");
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        lp_prom_label sl[1] = {{"state", states[i]}};
        lp_prom_sample(fp, "linkproof_exporter_processes", sl, 1, counts[i]);
    }
    lp_prom_family(fp, "linkproof_exporter_dropped_listeners", "gauge",
                   "Listeners not reported because a process had more than --max-listeners.");
    lp_prom_sample(fp, "linkproof_exporter_dropped_listeners", NULL, 0, s->dropped_listeners);
    lp_prom_family(fp, "linkproof_exporter_max_processes", "gauge", "The cap on processes read per scrape (--max-processes).");
    lp_prom_sample(fp, "linkproof_exporter_max_processes", NULL, 0, s->max_processes);
    lp_prom_family(fp, "linkproof_exporter_max_listeners", "gauge", "The cap on listeners reported per process (--max-listeners).");
    lp_prom_sample(fp, "linkproof_exporter_max_listeners", NULL, 0, s->max_listeners);
    lp_prom_family(fp, "linkproof_exporter_build_cache_entries", "gauge", "Executables in the build-facts cache.");
    lp_prom_sample(fp, "linkproof_exporter_build_cache_entries", NULL, 0, s->builds_cached);
    lp_prom_family_om(fp, om, "linkproof_exporter_build_cache_hits_total", "counter", "Build-facts cache hits since start.");
    lp_prom_sample(fp, "linkproof_exporter_build_cache_hits_total", NULL, 0, s->build_hits);
    lp_prom_family_om(fp, om, "linkproof_exporter_build_cache_misses_total", "counter",
                      "Build-facts cache misses (executables read) since start.");
    lp_prom_sample(fp, "linkproof_exporter_build_cache_misses_total", NULL, 0, s->build_misses);
    lp_prom_family(fp, "linkproof_exporter_scrape_duration_seconds", "gauge", "How long the scrape took.");
    lp_prom_sample_real(fp, "linkproof_exporter_scrape_duration_seconds", NULL, 0, s->seconds);
    return !ferror(fp);
}

const lp_report_format lp_report_prometheus = {
    .name = "prometheus",
    .kinds = {[LP_DOC_PROBE] = {.write = prom_probe}, [LP_DOC_EXPORTER] = {.write = prom_exporter}},
};

const lp_report_format lp_report_openmetrics = {
    .name = "openmetrics",
    .kinds = {[LP_DOC_PROBE] = {.write = prom_probe, .end = om_end},
              [LP_DOC_EXPORTER] = {.write = prom_exporter, .end = om_end}},
};
