/*
 * probe.c - `linkproof probe`: is a live process "alive but not serving"?
 * One reading (or two, --interval apart) of fds, TCP socket states, accept
 * queues and listen overflows; thresholds decide the exit status: 0 healthy,
 * 1 unhealthy (a line per reason), 2 cannot probe.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "linkproof/probe.h"
#include "linkproof/proc.h"
#include "report/report.h"

void usage_probe(FILE *fp)
{
    fputs("usage: linkproof probe (--pid PID | --exe NAME) [--interval DURATION]\n"
          "                       [--max-fd-ratio R] [--max-close-wait N] [--max-orphan-sockets N]\n"
          "                       [--json | --format prometheus]\n"
          "\n"
          "One reading of a live process, for the \"alive but not serving\" state: open fds against\n"
          "the soft RLIMIT_NOFILE; the process's own TCP sockets (IPv4 and IPv6) by state, from\n"
          "NETLINK_SOCK_DIAG in its network namespace (or /proc/PID/net/tcp); each listening\n"
          "socket's accept queue against its backlog; the namespace's ListenOverflows and\n"
          "ListenDrops; orphaned sockets (TCP and UDP socket fds that match no entry of the\n"
          "namespace's TCP or UDP tables: connections the peer closed or reset long ago, which\n"
          "the process never closed, so they left CLOSE_WAIT and every table but keep their fds);\n"
          "threads; and, for a Go binary, its Go version and main module. It never stops or slows\n"
          "the process; every read goes through one /proc/PID directory descriptor and the\n"
          "process's identity is checked after. In a container, as a Kubernetes exec probe: --pid 1.\n"
          "\n"
          "  --pid PID           the process\n"
          "  --exe NAME          the one process whose executable (or comm) is NAME\n"
          "  --interval D        read twice, D apart (500ms, 2s, 1m; a bare number is seconds) and\n"
          "                      report the increase of\n"
          "                      ListenOverflows/ListenDrops\n"
          "  --max-fd-ratio R    unhealthy when open fds >= R x the soft limit (default 0.9)\n"
          "  --max-close-wait N  unhealthy when more than N sockets are in CLOSE_WAIT (default 64)\n"
          "  --max-orphan-sockets N\n"
          "                      unhealthy when more than N sockets are orphaned (default 64)\n"
          "                      (also unhealthy: a listener whose accept queue is full, and, with\n"
          "                      --interval, ListenOverflows rising)\n"
          "  --json              one JSON object\n"
          "  --format prometheus Prometheus text exposition (node_exporter textfile collector)\n"
          "  --source S          where sockets are read: auto (sock_diag, else /proc), sock_diag, proc\n"
          "\n"
          "exit status: 0 healthy; 1 unhealthy (each reason on a line); 2 cannot probe (no such\n"
          "process, no permission, usage, or a process that changed while being read)\n",
          fp);
}

/* "500ms", "2s", "1.5s", "1m", or plain seconds; -1 when malformed or over an hour. */
static long parse_ms(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || !isfinite(v))
        return -1;
    double ms = strcmp(end, "ms") == 0 ? v : (!*end || strcmp(end, "s") == 0) ? v * 1000
                                           : strcmp(end, "m") == 0              ? v * 60000
                                                                                : -1;
    return ms < 0 || ms > 3600000 ? -1 : (long)ms;
}

typedef struct reason {
    const char *id;
    char text[256];
} reason;

typedef struct verdict {
    reason r[8];
    size_t n;
    bool have_delta;
    uint64_t d_over, d_drops;
} verdict;

static void add(verdict *v, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(verdict *v, const char *id, const char *fmt, ...)
{
    if (v->n >= sizeof v->r / sizeof v->r[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->r[v->n].text, sizeof v->r[v->n].text, fmt, ap);
    va_end(ap);
    v->r[v->n++].id = id;
}

static double fd_ratio(const lp_probe *p)
{
    return p->fd_limit == UINT64_MAX || p->fd_limit == 0 ? 0.0 : (double)p->fds / (double)p->fd_limit;
}

static void judge(const lp_probe *p, double max_ratio, uint64_t max_cw, uint64_t max_orphans, verdict *v)
{
    if (p->zombie)
        add(v, "exited", "the process has exited (a zombie its parent has not reaped): it serves nothing");
    if (p->fd_limit != UINT64_MAX && p->fd_limit && (double)p->fds >= max_ratio * (double)p->fd_limit)
        add(v, "fd-ratio", "%llu open fds of a soft limit of %llu (%.0f%% >= %.0f%%): new connections "
                           "and files will fail with EMFILE",
            (unsigned long long)p->fds, (unsigned long long)p->fd_limit, 100 * fd_ratio(p), 100 * max_ratio);
    uint64_t cw = p->states[8];
    if (cw > max_cw)
        add(v, "close-wait", "%llu sockets in CLOSE_WAIT (> %llu): the peer closed, the process never "
                             "did (a connection leak, e.g. response bodies not closed)",
            (unsigned long long)cw, (unsigned long long)max_cw);
    uint64_t orphans = p->orphan_tcp + p->orphan_udp;
    if (orphans > max_orphans)
        add(v, "orphan-sockets", "%llu orphaned sockets (> %llu): socket fds the process never closed that "
                                 "are in no TCP or UDP table any more (the peer closed or reset them): a "
                                 "connection leak that CLOSE_WAIT and ss no longer show",
            (unsigned long long)orphans, (unsigned long long)max_orphans);
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        if (l->backlog && l->queue >= l->backlog)
            add(v, "accept-queue-full", "listener %s%s%s:%u has a full accept queue (%u of %u): the "
                                        "process is not accepting; the kernel drops new connections",
                l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port, l->queue, l->backlog);
    }
    if (v->have_delta && v->d_over > 0)
        add(v, "listen-overflows", "ListenOverflows rose by %llu during the interval: connections are "
                                   "being dropped",
            (unsigned long long)v->d_over);
}

static void text_out(lp_out *o, const lp_probe *p, const lp_facts *gf, const verdict *v)
{
    FILE *fp = o->fp;
    fprintf(fp, "  %-14s%d\n", "pid", p->pid);
    fprintf(fp, "  %-14s%s\n", "exe", p->exe ? p->exe : "-");
    if (gf && gf->is_go) {
        const char *mod = gf->go && gf->go->has_main && gf->go->main.path && gf->go->main.path[0]
                              ? gf->go->main.path : NULL;
        fprintf(fp, "  %-14s%s%s%s\n", "go",
                gf->go ? gf->go->go_version : gf->go_version_fallback ? gf->go_version_fallback : "?",
                mod ? ", module " : "", mod ? mod : "");
    }
    fprintf(fp, "  %-14s%llu\n", "threads", (unsigned long long)p->threads);
    if (p->fd_limit == UINT64_MAX)
        fprintf(fp, "  %-14s%llu / unlimited\n", "fds", (unsigned long long)p->fds);
    else
        fprintf(fp, "  %-14s%llu / %llu (%.0f%%)\n", "fds", (unsigned long long)p->fds,
                (unsigned long long)p->fd_limit, 100 * fd_ratio(p));
    fprintf(fp, "  %-14s%llu (", "tcp sockets", (unsigned long long)p->sockets);
    bool first = true;
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++)
        if (p->states[s]) {
            fprintf(fp, "%s%s %llu", first ? "" : ", ", lp_tcp_state_name(s), (unsigned long long)p->states[s]);
            first = false;
        }
    fprintf(fp, "%s; from %s)\n", first ? "none" : "", p->tcp_source);
    fprintf(fp, "  %-14s%llu (tcp %llu, udp %llu: socket fds in no TCP/UDP table)\n", "orphans",
            (unsigned long long)(p->orphan_tcp + p->orphan_udp), (unsigned long long)p->orphan_tcp,
            (unsigned long long)p->orphan_udp);
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        char addr[96];
        snprintf(addr, sizeof addr, "%s%s%s:%u", l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port);
        if (l->backlog)
            fprintf(fp, "  %-14s%s queue %u/%u\n", i ? "" : "listeners", addr, l->queue, l->backlog);
        else
            fprintf(fp, "  %-14s%s queue %u (backlog unknown from /proc)\n", i ? "" : "listeners", addr, l->queue);
    }
    if (p->have_netstat) {
        fprintf(fp, "  %-14s%llu overflows, %llu drops", "listen", (unsigned long long)p->listen_overflows,
                (unsigned long long)p->listen_drops);
        if (v->have_delta)
            fprintf(fp, " (+%llu, +%llu during the interval)", (unsigned long long)v->d_over,
                    (unsigned long long)v->d_drops);
        fputs(" in its network namespace\n", fp);
    }
    if (!v->n) {
        fputs(o->color ? "\033[32mhealthy\033[0m\n" : "healthy\n", fp);
        return;
    }
    for (size_t i = 0; i < v->n; i++)
        fprintf(fp, "%sunhealthy: %s [%s]%s\n", o->color ? "\033[31m" : "", v->r[i].text, v->r[i].id,
                o->color ? "\033[0m" : "");
}

static json_t *u64_or_null(uint64_t v) { return v == UINT64_MAX ? json_null() : json_integer((json_int_t)v); }

static void json_out(const lp_probe *p, const lp_facts *gf, const verdict *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "pid", json_integer(p->pid));
    json_object_set_new(o, "exe", p->exe ? lp_json_str(p->exe) : json_null());
    bool go = gf && gf->is_go;
    json_object_set_new(o, "go_version", go ? lp_json_str(gf->go ? gf->go->go_version : gf->go_version_fallback) : json_null());
    json_object_set_new(o, "go_main", go && gf->go && gf->go->has_main && gf->go->main.path && gf->go->main.path[0]
                                          ? lp_json_str(gf->go->main.path) : json_null());
    json_object_set_new(o, "threads", json_integer((json_int_t)p->threads));
    json_object_set_new(o, "fds", json_integer((json_int_t)p->fds));
    json_object_set_new(o, "fd_limit", u64_or_null(p->fd_limit));
    json_object_set_new(o, "fd_ratio", p->fd_limit == UINT64_MAX ? json_null() : json_real(fd_ratio(p)));
    json_t *tcp = json_object(), *st = json_object();
    json_object_set_new(tcp, "source", json_string(p->tcp_source));
    json_object_set_new(tcp, "sockets", json_integer((json_int_t)p->sockets));
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++)
        json_object_set_new(st, lp_tcp_state_name(s), json_integer((json_int_t)p->states[s]));
    json_object_set_new(tcp, "states", st);
    json_object_set_new(o, "tcp", tcp);
    json_t *orph = json_object();
    json_object_set_new(orph, "total", json_integer((json_int_t)(p->orphan_tcp + p->orphan_udp)));
    json_object_set_new(orph, "tcp", json_integer((json_int_t)p->orphan_tcp));
    json_object_set_new(orph, "udp", json_integer((json_int_t)p->orphan_udp));
    json_object_set_new(o, "orphan_sockets", orph);
    json_t *ls = json_array();
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        json_t *j = json_object();
        json_object_set_new(j, "family", json_string(l->ipv6 ? "ipv6" : "ipv4"));
        json_object_set_new(j, "address", json_string(l->address));
        json_object_set_new(j, "port", json_integer(l->port));
        json_object_set_new(j, "queue", json_integer(l->queue));
        json_object_set_new(j, "backlog", l->backlog ? json_integer(l->backlog) : json_null());
        json_object_set_new(j, "inode", json_integer((json_int_t)l->inode));
        json_array_append_new(ls, j);
    }
    json_object_set_new(o, "listeners", ls);
    json_t *ns = json_object();
    json_object_set_new(ns, "listen_overflows", p->have_netstat ? json_integer((json_int_t)p->listen_overflows) : json_null());
    json_object_set_new(ns, "listen_drops", p->have_netstat ? json_integer((json_int_t)p->listen_drops) : json_null());
    json_object_set_new(ns, "listen_overflows_delta", v->have_delta ? json_integer((json_int_t)v->d_over) : json_null());
    json_object_set_new(ns, "listen_drops_delta", v->have_delta ? json_integer((json_int_t)v->d_drops) : json_null());
    json_object_set_new(o, "netstat", ns);
    json_object_set_new(o, "healthy", json_boolean(v->n == 0));
    json_t *rs = json_array();
    for (size_t i = 0; i < v->n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "id", json_string(v->r[i].id));
        json_object_set_new(r, "text", json_string(v->r[i].text));
        json_array_append_new(rs, r);
    }
    json_object_set_new(o, "reasons", rs);
    lp_json_write_line(stdout, o);
    json_decref(o);
}

static void metric(const char *name, const char *type, const char *help)
{
    printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_out(const lp_probe *p, const verdict *v)
{
    int pid = p->pid;
    metric("linkproof_process_open_fds", "gauge", "Open file descriptors of the process.");
    printf("linkproof_process_open_fds{pid=\"%d\"} %llu\n", pid, (unsigned long long)p->fds);
    if (p->fd_limit != UINT64_MAX) {
        metric("linkproof_process_max_fds", "gauge", "Soft RLIMIT_NOFILE of the process.");
        printf("linkproof_process_max_fds{pid=\"%d\"} %llu\n", pid, (unsigned long long)p->fd_limit);
    }
    metric("linkproof_process_threads", "gauge", "Threads of the process.");
    printf("linkproof_process_threads{pid=\"%d\"} %llu\n", pid, (unsigned long long)p->threads);
    metric("linkproof_tcp_sockets", "gauge", "TCP sockets owned by the process, by state.");
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++)
        printf("linkproof_tcp_sockets{pid=\"%d\",state=\"%s\"} %llu\n", pid, lp_tcp_state_name(s),
               (unsigned long long)p->states[s]);
    metric("linkproof_orphan_sockets", "gauge",
           "Socket fds of the process in no TCP or UDP table of its network namespace, by protocol.");
    printf("linkproof_orphan_sockets{pid=\"%d\",protocol=\"tcp\"} %llu\n", pid, (unsigned long long)p->orphan_tcp);
    printf("linkproof_orphan_sockets{pid=\"%d\",protocol=\"udp\"} %llu\n", pid, (unsigned long long)p->orphan_udp);
    if (p->n_listeners) {
        metric("linkproof_tcp_listen_queue", "gauge", "Connections waiting in a listener's accept queue.");
        for (size_t i = 0; i < p->n_listeners; i++) {
            const lp_listener *l = &p->listeners[i];
            printf("linkproof_tcp_listen_queue{pid=\"%d\",address=\"%s%s%s:%u\"} %u\n", pid,
                   l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port, l->queue);
        }
        metric("linkproof_tcp_listen_backlog", "gauge", "Size of a listener's accept queue.");
        for (size_t i = 0; i < p->n_listeners; i++) {
            const lp_listener *l = &p->listeners[i];
            if (l->backlog)
                printf("linkproof_tcp_listen_backlog{pid=\"%d\",address=\"%s%s%s:%u\"} %u\n", pid,
                       l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port, l->backlog);
        }
    }
    if (p->have_netstat) {
        metric("linkproof_netstat_listen_overflows_total", "counter",
               "TcpExt ListenOverflows of the process's network namespace.");
        printf("linkproof_netstat_listen_overflows_total{pid=\"%d\"} %llu\n", pid,
               (unsigned long long)p->listen_overflows);
        metric("linkproof_netstat_listen_drops_total", "counter",
               "TcpExt ListenDrops of the process's network namespace.");
        printf("linkproof_netstat_listen_drops_total{pid=\"%d\"} %llu\n", pid,
               (unsigned long long)p->listen_drops);
    }
    metric("linkproof_probe_healthy", "gauge", "1 when every probe threshold holds, else 0.");
    printf("linkproof_probe_healthy{pid=\"%d\"} %d\n", pid, v->n == 0);
}

int cmd_probe(int argc, char **argv)
{
    enum { O_PID = 256, O_EXE, O_INTERVAL, O_RATIO, O_CW, O_ORPHANS, O_JSON, O_FORMAT, O_COLOR, O_SOURCE };
    static const struct option opts[] = {
        {"pid", required_argument, NULL, O_PID},
        {"exe", required_argument, NULL, O_EXE},
        {"interval", required_argument, NULL, O_INTERVAL},
        {"max-fd-ratio", required_argument, NULL, O_RATIO},
        {"max-close-wait", required_argument, NULL, O_CW},
        {"max-orphan-sockets", required_argument, NULL, O_ORPHANS},
        {"json", no_argument, NULL, O_JSON},
        {"format", required_argument, NULL, O_FORMAT},
        {"color", required_argument, NULL, O_COLOR},
        {"source", required_argument, NULL, O_SOURCE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int pid = 0;
    const char *exe = NULL;
    long interval = 0;
    double ratio = 0.9;
    unsigned long long max_cw = 64, max_orphans = 64;
    enum { F_TEXT, F_JSON, F_PROM } fmt = F_TEXT;
    lp_color_mode cm = LP_COLOR_AUTO;
    lp_probe_source src = LP_PROBE_AUTO;
    int ch;
    char *end;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_PID:
            if (!lp_cli_pid("probe", optarg, &pid))
                return LP_EXIT_USAGE;
            break;
        case O_EXE: exe = optarg; break;
        case O_INTERVAL:
            if ((interval = parse_ms(optarg)) <= 0) {
                lp_cli_error("probe: --interval '%s': expected a duration above 0 and up to 1h, such "
                             "as 500ms, 2s or 1m (a bare number is seconds)", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case O_RATIO:
            ratio = strtod(optarg, &end);
            if (*end || !(ratio > 0 && ratio <= 1)) {
                lp_cli_error("probe: --max-fd-ratio '%s': expected a number in (0, 1]", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case O_CW:
            max_cw = strtoull(optarg, &end, 10);
            if (*end || optarg[0] == '-') {
                lp_cli_error("probe: --max-close-wait '%s': expected a count", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case O_ORPHANS:
            errno = 0;
            max_orphans = strtoull(optarg, &end, 10);
            if (*end || end == optarg || optarg[0] == '-' || errno) {
                lp_cli_error("probe: --max-orphan-sockets '%s': expected a count", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case O_JSON: fmt = F_JSON; break;
        case O_FORMAT:
            if (strcmp(optarg, "prometheus") == 0)
                fmt = F_PROM;
            else if (strcmp(optarg, "json") == 0)
                fmt = F_JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = F_TEXT;
            else {
                lp_cli_error("probe: --format must be text, json or prometheus, not '%s'", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case O_COLOR:
            if (!lp_cli_color("probe", optarg, &cm))
                return LP_EXIT_USAGE;
            break;
        case O_SOURCE:
            if (strcmp(optarg, "auto") == 0)
                src = LP_PROBE_AUTO;
            else if (strcmp(optarg, "sock_diag") == 0)
                src = LP_PROBE_SOCK_DIAG;
            else if (strcmp(optarg, "proc") == 0)
                src = LP_PROBE_PROC;
            else {
                lp_cli_error("probe: --source must be auto, sock_diag or proc, not '%s'", optarg);
                return LP_EXIT_USAGE;
            }
            break;
        case 'h': usage_probe(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("probe", argv); return LP_EXIT_USAGE;
        }
    }
    if ((pid != 0) == (exe != NULL) || optind != argc) {
        lp_cli_error("probe: give exactly one of --pid PID or --exe NAME; see 'linkproof help probe'");
        return LP_EXIT_USAGE;
    }
    lp_err err;
    lp_err_clear(&err);
    if (exe && lp_probe_find_exe(exe, &pid, &err) != LP_OK) {
        lp_cli_error("probe: %s", err.msg);
        return LP_EXIT_USAGE;
    }
    /* one descriptor for every reading: the second reading is of the same process */
    lp_proc *proc = NULL;
    lp_probe *p = NULL, *first = NULL;
    if (lp_cli_proc_open(pid, &proc, &err) != LP_OK || lp_probe_read_proc(proc, src, &p, &err) != LP_OK) {
        lp_cli_error("probe: %s", err.msg);
        lp_proc_close(&proc);
        return LP_EXIT_USAGE;
    }
    verdict v = {0};
    if (interval > 0) {
        first = p;
        p = NULL;
        struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        if (lp_probe_read_proc(proc, src, &p, &err) != LP_OK) {
            lp_cli_error("probe: %s", err.msg);
            lp_probe_free(&first);
            lp_proc_close(&proc);
            return LP_EXIT_USAGE;
        }
        if (first->have_netstat && p->have_netstat) {
            v.have_delta = true;
            v.d_over = p->listen_overflows - first->listen_overflows;
            v.d_drops = p->listen_drops - first->listen_drops;
            if (p->listen_overflows < first->listen_overflows)
                v.d_over = 0;
            if (p->listen_drops < first->listen_drops)
                v.d_drops = 0;
        }
        lp_probe_free(&first);
    }
    judge(p, ratio, max_cw, max_orphans, &v);
    /* the executable's Go facts, read from the file the process runs (also when replaced on disk),
     * through the process's descriptor */
    lp_facts *gf = NULL;
    char exepath[64];
    lp_proc_path(proc, "exe", exepath, sizeof exepath);
    if (lp_facts_collect(exepath, &gf, &err) != LP_OK)
        lp_facts_free(&gf);
    lp_proc_close(&proc);
    if (fmt == F_JSON)
        json_out(p, gf, &v);
    else if (fmt == F_PROM)
        prom_out(p, &v);
    else {
        lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
        text_out(&o, p, gf, &v);
    }
    int status = v.n ? LP_EXIT_FINDING : LP_EXIT_OK;
    lp_facts_free(&gf);
    lp_probe_free(&p);
    return status;
}
