/*
 * exporter.c - `linkproof exporter`: one process per node serving /metrics
 * for every process on it (or those selected): the probe readings, the build
 * facts and, with --registry, the verify decision. The scrape is the
 * library's (lp_exporter_scrape_run, src/facts/exporter.c), the metrics are
 * src/report/prometheus.c's, the HTTP server is httpd.c's (libmicrohttpd).
 * With --once, one scrape is written to stdout or, atomically, to --output.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "httpd.h"

static const lp_cmd_doc doc = {
    .name = "exporter",
    .usage = {"exporter --listen ADDR [selection] [options]",
              "exporter --once [--format prometheus|openmetrics [--output FILE]] [selection] [options]"},
    .about =
        "One process per node serving Prometheus metrics at /metrics for every process on it, or\n"
        "those selected: the probe readings (open fds against the soft limit, TCP sockets by state,\n"
        "orphaned sockets, each listener's accept queue and backlog, the reasons a process is\n"
        "unhealthy), ListenOverflows and ListenDrops once per network namespace, the build facts\n"
        "of the executable each process runs (Go version, build IDs, linkage, the -X verdict;\n"
        "read once per file), and with --registry the verify decision of each Go process.\n"
        "Series per process are bounded and documented (docs/exporter.md); --max-processes caps a\n"
        "scrape, and linkproof_exporter_processes{state=\"dropped\"} says how many were left out.\n"
        "Prometheus text format, or OpenMetrics when the scraper's Accept header asks for it.\n"
        "Only GET and HEAD of /metrics, / and /healthz are served; one request at a time.\n"
        "SIGTERM or SIGINT stop it. Other users' processes need root or CAP_SYS_PTRACE; other\n"
        "network namespaces' sock_diag needs CAP_SYS_ADMIN (else /proc/PID/net is read):\n"
        "docs/kubernetes.md.",
    .exits = {{0, "stopped by SIGTERM or SIGINT; --once: the scrape was written"},
              {2, "usage, an address it cannot listen on, libmicrohttpd missing, /proc unreadable,\n"
                  "a registry that cannot be opened, or --output not writable"},
              {-1, NULL}},
    .kind = LP_DOC_EXPORTER,
};

typedef struct served {
    lp_exporter *e;
} served;

/* One scrape, written in the format asked for (httpd.c calls this, one request at a time). */
static bool write_metrics(void *ctx, bool openmetrics, char **buf, size_t *len)
{
    served *sv = ctx;
    lp_exporter_scrape s;
    lp_err err;
    lp_err_clear(&err);
    *buf = NULL;
    *len = 0;
    if (lp_exporter_scrape_run(sv->e, &s, &err) != LP_OK)
        return false;
    FILE *fp = open_memstream(buf, len);
    bool ok = fp != NULL;
    if (ok) {
        lp_report_opts o = {.format = openmetrics ? LP_OUT_OPENMETRICS : LP_OUT_PROMETHEUS, .fp = fp};
        lp_report *r = lp_report_open(&o);
        ok = r && lp_report_write(r, LP_DOC_EXPORTER, &s);
        if (!lp_report_close(&r))
            ok = false;
        if (fclose(fp) != 0)
            ok = false;
    }
    lp_exporter_scrape_release(&s);
    return ok;
}

static bool parse_count_size(void *value, intptr_t data, const char *s, char *why, size_t n)
{
    uint64_t v = 0;
    if (!lp_cli_parse_count(&v, data, s, why, n))
        return false;
    if (v == 0 || v > 1000000) {
        snprintf(why, n, "--%s '%s': expected a count from 1 to 1000000", (const char *)data, s);
        return false;
    }
    *(size_t *)value = (size_t)v;
    return true;
}

int cmd_exporter(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    const char *listen = NULL, *output = NULL, *regpath = NULL;
    bool once = false;
    lp_strs exes = {0};
    lp_exporter_opts eo = {.health = LP_HEALTH_DEFAULTS};
    const lp_opt opts[] = {
        {LP_OPT_STRING, "listen", 0, &listen, "ADDR",
         "serve HTTP on ADDR: HOST:PORT, [IPV6]:PORT or :PORT (every IPv4 address);\nnumeric only", NULL, 0, 0},
        {LP_OPT_BOOL, "once", 0, &once, NULL,
         "one scrape to stdout (or --output), then exit: a table of the processes,\nor the metrics with --format", NULL, 0, 0},
        {LP_OPT_STRING, "output", 0, &output, "FILE",
         "with --once: write FILE atomically (a temporary file renamed over it),\nfor node_exporter's textfile collector", NULL, 0, 0},
        {LP_OPT_FORMAT, "format", 0, &out, "FORMAT", NULL, NULL, 0, 0},
        {LP_OPT_COLOR, "color", 0, &out, "WHEN", NULL, NULL, 0, LP_OPTF_HIDDEN},
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "selection (default: every process):", NULL, 0, 0},
        {LP_OPT_CALLBACK, "exe", 0, &exes, "NAME",
         "processes whose executable's base name (or comm) is NAME; repeatable", lp_cli_parse_append, 0, 0},
        {LP_OPT_BOOL, "go-only", 0, &eo.go_only, NULL, "only processes running a Go binary", NULL, 0, 0},
        {LP_OPT_STRING, "cgroup", 0, &eo.cgroup, "PATH",
         "processes whose cgroup path starts with PATH (/kubepods.slice/...)", NULL, 0, 0},
        {LP_OPT_STRING, "container", 0, &eo.container, "ID",
         "processes of the container whose id starts with ID (from the cgroup path)", NULL, 0, 0},
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "bounds:", NULL, 0, 0},
        {LP_OPT_CALLBACK, "max-processes", 0, &eo.max_processes, "N",
         "read at most N processes per scrape; the rest are counted as dropped\n(default 2000)",
         parse_count_size, (intptr_t) "max-processes", 0},
        {LP_OPT_CALLBACK, "max-listeners", 0, &eo.max_listeners, "N",
         "report at most N listeners per process (default 16)", parse_count_size,
         (intptr_t) "max-listeners", 0},
        {LP_OPT_CALLBACK, "max-builds", 0, &eo.max_builds, "N",
         "keep the build facts of at most N executables (default 256)", parse_count_size,
         (intptr_t) "max-builds", 0},
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "readings:", NULL, 0, 0},
        {LP_OPT_CALLBACK, "max-close-wait", 0, &eo.health.max_close_wait, "N",
         "reason close-wait above N sockets in CLOSE_WAIT (default 64)", lp_cli_parse_count,
         (intptr_t) "max-close-wait", 0},
        {LP_OPT_CALLBACK, "max-orphan-sockets", 0, &eo.health.max_orphans, "N",
         "reason orphan-sockets above N orphaned sockets (default 64)", lp_cli_parse_count,
         (intptr_t) "max-orphan-sockets", 0},
        {LP_OPT_STRING, "registry", 0, &regpath, "DB",
         "verify each Go process against this registry (SQLite path or\npostgres:// URI; opened read-only); "
         "a decision is kept 5 minutes per process", NULL, 0, 0},
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0) {
        free(exes.v);
        return lp_cli_parsed(n);
    }
    int status = LP_EXIT_USAGE;
    lp_registry *reg = NULL;
    lp_exporter *e = NULL;
    lp_err err;
    lp_err_clear(&err);
    if (n != 0 || (listen != NULL) == once) {
        lp_cli_error("exporter: give --listen ADDR or --once; see 'linkproof help exporter'");
        goto done;
    }
    if (output && !once) {
        lp_cli_error("exporter: --output goes with --once");
        goto done;
    }
    eo.exe_names = exes.v;
    eo.n_exe_names = exes.n;
    if (regpath) {
        if (lp_registry_open(regpath, LP_REG_READONLY, &reg, &err) != LP_OK) {
            status = lp_cli_fail(&err, "exporter");
            goto done;
        }
        eo.reg = reg;
    }
    if (lp_exporter_new(&eo, &e, &err) != LP_OK) {
        status = lp_cli_fail(&err, "exporter");
        goto done;
    }
    if (once) {
        lp_exporter_scrape s;
        if (lp_exporter_scrape_run(e, &s, &err) != LP_OK) {
            status = lp_cli_fail(&err, "exporter");
            goto done;
        }
        lp_cli_atomic file;
        FILE *fp = output ? lp_cli_atomic_open(&file, output) : stdout;
        lp_report *r = fp ? lp_cli_report_to(&out, 0, NULL, fp) : NULL;
        status = r && lp_report_write(r, LP_DOC_EXPORTER, &s) && lp_cli_report_done(&r) ? LP_EXIT_OK
                                                                                        : LP_EXIT_USAGE;
        lp_report_close(&r);
        if (output && fp) {
            if (status != LP_EXIT_OK)
                lp_cli_atomic_abort(&file);
            else if (!lp_cli_atomic_commit(&file))
                status = LP_EXIT_USAGE;
        }
        lp_exporter_scrape_release(&s);
        goto done;
    }
    /* the server's thread inherits this mask: only sigwait below sees SIGTERM and SIGINT */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    served sv = {e};
    lp_httpd_opts ho = {.listen = listen, .max_connections = 32, .timeout_s = 10, .max_request = 32768,
                        .metrics = write_metrics, .ctx = &sv};
    char why[512];
    lp_httpd *h = lp_httpd_start(&ho, why, sizeof why);
    if (!h) {
        lp_cli_error("exporter: %s", why);
        goto done;
    }
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    lp_httpd_stop(&h);
    status = LP_EXIT_OK;
done:
    lp_exporter_free(&e);
    lp_registry_close(&reg);
    free(exes.v);
    return status;
}
