/*
 * probe.c - `linkproof probe`: is a live process "alive but not serving"?
 * One reading (or two, --interval apart) through one process descriptor
 * (proc/probe.c), judged against the thresholds (facts/health.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "probe",
    .usage = {"probe (--pid PID | --exe NAME) [--interval DURATION] [thresholds] [options]"},
    .about =
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
        "Also unhealthy: a listener whose accept queue is full, and, with --interval,\n"
        "ListenOverflows rising.",
    .exits = {{0, "healthy"},
              {1, "unhealthy (each reason on a line)"},
              {2, "cannot probe (no such process, no permission, usage, or a process that changed\n"
                  "while being read)"},
              {-1, NULL}},
    .kind = LP_DOC_PROBE,
};

/* "500ms", "2s", "1.5s", "1m", or plain seconds, above 0 and up to an hour. */
static bool parse_interval(void *value, intptr_t data, const char *s, char *why, size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double ms = end == s || errno || v < 0 || !isfinite(v)    ? -1
                : strcmp(end, "ms") == 0                      ? v
                : (!*end || strcmp(end, "s") == 0)            ? v * 1000
                : strcmp(end, "m") == 0                       ? v * 60000
                                                              : -1;
    if (ms < 0 || ms > 3600000 || (long)ms <= 0) {
        snprintf(why, n, "--interval '%s': expected a duration above 0 and up to 1h, such as 500ms, 2s "
                         "or 1m (a bare number is seconds)", s);
        return false;
    }
    *(long *)value = (long)ms;
    return true;
}

static bool parse_ratio(void *value, intptr_t data, const char *s, char *why, size_t n)
{
    char *end;
    double r = strtod(s, &end);
    if (*end || end == s || !(r > 0 && r <= 1)) {
        snprintf(why, n, "--max-fd-ratio '%s': expected a number in (0, 1]", s);
        return false;
    }
    *(double *)value = r;
    return true;
}

static bool parse_source(void *value, intptr_t data, const char *s, char *why, size_t n)
{
    static const char *const names[] = {"auto", "sock_diag", "proc"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *(lp_probe_source *)value = (lp_probe_source)i;
            return true;
        }
    snprintf(why, n, "--source must be auto, sock_diag or proc, not '%s'", s);
    return false;
}

int cmd_probe(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    int pid = 0;
    const char *exe = NULL;
    long interval = 0;
    lp_health_opts th = LP_HEALTH_DEFAULTS;
    lp_probe_source src = LP_PROBE_AUTO;
    const char *output = NULL;
    const lp_opt opts[] = {
        {LP_OPT_CALLBACK, "pid", 0, &pid, "PID", "the process", lp_cli_parse_pid, 0, 0},
        {LP_OPT_STRING, "exe", 0, &exe, "NAME", "the one process whose executable (or comm) is NAME", NULL, 0, 0},
        {LP_OPT_CALLBACK, "interval", 0, &interval, "D",
         "read twice, D apart (500ms, 2s, 1m; a bare number is seconds) and\nreport the increase of ListenOverflows/ListenDrops",
         parse_interval, 0, 0},
        {LP_OPT_CALLBACK, "max-fd-ratio", 0, &th.max_fd_ratio, "R",
         "unhealthy when open fds >= R x the soft limit (default 0.9)", parse_ratio, 0, 0},
        {LP_OPT_CALLBACK, "max-close-wait", 0, &th.max_close_wait, "N",
         "unhealthy when more than N sockets are in CLOSE_WAIT (default 64)", lp_cli_parse_count,
         (intptr_t) "max-close-wait", 0},
        {LP_OPT_CALLBACK, "max-orphan-sockets", 0, &th.max_orphans, "N",
         "unhealthy when more than N sockets are orphaned (default 64)", lp_cli_parse_count,
         (intptr_t) "max-orphan-sockets", 0},
        {LP_OPT_CALLBACK, "source", 0, &src, "S",
         "where sockets are read: auto (sock_diag, else /proc), sock_diag, proc", parse_source, 0, 0},
        {LP_OPT_STRING, "output", 0, &output, "FILE",
         "write the report to FILE atomically (a temporary file beside it, renamed\nover it): node_exporter's textfile collector never reads half a file", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if ((pid != 0) == (exe != NULL) || n != 0) {
        lp_cli_error("probe: give exactly one of --pid PID or --exe NAME; see 'linkproof help probe'");
        return LP_EXIT_USAGE;
    }
    lp_err err;
    lp_err_clear(&err);
    if (exe && lp_probe_find_exe(exe, &pid, &err) != LP_OK) {
        return lp_cli_fail(&err, "probe");
    }
    /* one descriptor for every reading: the second reading is of the same process */
    void *hctx;
    lp_proc_hook hook = lp_cli_proc_hook(&hctx);
    lp_proc *proc = NULL;
    lp_probe *p = NULL, *first = NULL;
    lp_code rc = lp_proc_open(pid, &proc, &err);
    if (rc == LP_OK && hook)
        lp_proc_set_hook(proc, hook, hctx);
    if (rc == LP_OK)
        rc = lp_probe_read_proc(proc, src, &p, &err);
    if (rc == LP_OK && interval > 0) {
        first = p;
        p = NULL;
        struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        rc = lp_probe_read_proc(proc, src, &p, &err);
    }
    lp_health h = {0};
    if (rc == LP_OK)
        rc = lp_probe_judge(first, p, &th, &h, &err);
    if (rc != LP_OK) {
        lp_cli_error("probe: %s", err.msg);
        lp_probe_free(&first);
        lp_probe_free(&p);
        lp_proc_close(&proc);
        return LP_EXIT_USAGE;
    }
    /* the executable's Go facts, read from the file the process runs (also when replaced on
     * disk), through the process's descriptor */
    lp_facts *gf = NULL;
    char exepath[64];
    if (lp_facts_collect(lp_proc_path(proc, "exe", exepath, sizeof exepath), &gf, &err) != LP_OK)
        lp_facts_free(&gf);
    lp_proc_close(&proc);
    lp_doc_probe d = {p, gf, &h};
    int status = h.healthy ? LP_EXIT_OK : LP_EXIT_FINDING;
    lp_cli_atomic file;
    FILE *fp = output ? lp_cli_atomic_open(&file, output) : stdout;
    lp_report *r = fp ? lp_cli_report_to(&out, 0, NULL, fp) : NULL;
    if (!r || !lp_report_write(r, LP_DOC_PROBE, &d) || !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_report_close(&r);
    if (output && fp) {
        if (status == LP_EXIT_USAGE)
            lp_cli_atomic_abort(&file);
        else if (!lp_cli_atomic_commit(&file))
            status = LP_EXIT_USAGE;
    }
    lp_health_release(&h);
    lp_facts_free(&gf);
    lp_probe_free(&first);
    lp_probe_free(&p);
    return status;
}
