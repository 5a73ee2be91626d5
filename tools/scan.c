/*
 * scan.c - `linkproof scan PATH... | --root DIR | --image IMAGE | --procs`:
 * every Go binary found (facts/scan.c), one record each, streamed as it is
 * found; progress on stderr when stderr is a terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "scan",
    .usage = {"scan [options] PATH...", "scan [options] --root DIR", "scan [options] --image IMAGE [--platform P]",
              "scan [options] --procs"},
    .about =
        "Find every Go binary under PATHs (files, or directories walked in lexical order,\n"
        "symbolic links not followed, special files and /proc, /sys not entered), in a\n"
        "whole directory root, in a container image (without extracting it; paths are the\n"
        "image's) or behind every running process (each executable read through\n"
        "/proc/PID/exe, so one deleted or replaced on disk is read as it runs; one record\n"
        "per file, listing its processes, their exe state and container). Only the first\n"
        "bytes of each file are read unless it is an object; only a Go one (build info\n"
        "or a Go build ID) is read in full, as `inspect` reads it, on -j threads. Records\n"
        "come out in the order of the walk, whatever -j. Text: a table and the totals;\n"
        "JSON: per binary, the inspect document and \"found\" (docs/scan.md); cyclonedx: a\n"
        "CycloneDX SBOM per binary (docs/sbom.md). --vulns adds each binary's known\n"
        "vulnerabilities, matched on the worker threads as `linkproof vulns` matches them.",
    .exits = {{0, "every file was read (whether or not any Go binary was found)"},
              {1, "--vulns: a linked finding in some binary"},
              {2, "usage error, the root, image or /proc cannot be read, or a file or\n"
                  "directory could not be read (its error is reported and the scan goes on)"},
              {-1, NULL}},
    .kind = LP_DOC_SCAN,
};

/* scan --vulns: what a worker found for one binary (the record's user pointer) */
typedef struct vuln_result {
    lp_vuln_report v;
    lp_gosupport gs;
    bool has_gs;
    lp_err err;
} vuln_result;

typedef struct vuln_ctx {
    lp_vulndb *db;
    const char *as_of;
} vuln_ctx;

static void *match_vulns(void *ctx, const lp_scan_record *rec)
{
    vuln_ctx *vc = ctx;
    const lp_facts *f = rec->facts;
    vuln_result *x = calloc(1, sizeof *x);
    if (!x || f->error.code)
        return x;
    lp_err_clear(&x->err);
    if (f->is_go) {
        const char *gov = f->go && f->go->go_version ? f->go->go_version : f->go_version_fallback;
        lp_gosupport_eval(gov, vc->as_of, &x->gs);
        x->has_gs = true;
    }
    lp_vulns_match(vc->db, f, &x->v, &x->err);
    return x;
}

static void free_vulns(void *ctx, void *user)
{
    (void)ctx;
    vuln_result *x = user;
    lp_vuln_report_release(&x->v);
    free(x);
}

typedef struct cli_ctx {
    lp_report *r;
    lp_vulndb *db;     /* --vulns */
    bool linked;
    bool errors;
    bool tty;          /* progress on stderr */
    bool progress_shown;
    struct timespec last;
} cli_ctx;

static bool on_record(void *ctx, const lp_scan_record *rec)
{
    cli_ctx *c = ctx;
    if (rec->facts->error.code) {
        if (c->progress_shown)
            fputs("\r\033[K", stderr);
        lp_cli_error("scan: %s", rec->facts->error.msg);
        c->errors = true;
    }
    lp_doc_scan ds = {rec, NULL};
    lp_doc_vulns dv = {rec->facts, NULL, NULL, c->db ? lp_vulndb_dir(c->db) : NULL, NULL};
    vuln_result *x = rec->user;
    if (c->db && !rec->facts->error.code) {
        if (!x) {
            lp_cli_error("scan: out of memory");
            c->errors = true;
        } else if (x->err.code) {
            lp_cli_error("scan: %s", x->err.msg);
            dv.error = &x->err;
            c->errors = true;
        } else {
            dv.v = &x->v;
            c->linked = c->linked || x->v.n_linked;
        }
        dv.support = x && x->has_gs ? &x->gs : NULL;
        ds.vulns = &dv;
    }
    lp_report_write(c->r, LP_DOC_SCAN, &ds);
    if (c->tty)
        fflush(stdout);
    return true;
}

static void on_progress(void *ctx, const lp_scan_stats *st, bool done)
{
    cli_ctx *c = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - c->last.tv_sec) * 1000 + (now.tv_nsec - c->last.tv_nsec) / 1000000;
    if (done) {
        if (c->progress_shown)
            fputs("\r\033[K", stderr);
        c->progress_shown = false;
        return;
    }
    if (ms < 200)
        return;
    c->last = now;
    fprintf(stderr, "\r\033[Kscan: %llu files, %llu Go binaries", (unsigned long long)st->files,
            (unsigned long long)st->go);
    c->progress_shown = true;
}

int cmd_scan(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    lp_cli_image img = {NULL, NULL};
    const char *root_dir = NULL;
    bool procs = false, all = false, xdev = false, vulns = false, identity = false;
    const char *dbdir = NULL, *as_of = NULL;
    uint64_t jobs = 0;
    const lp_opt opts[] = {
        LP_OPT_OUTPUT(&out),
        {LP_OPT_STRING, "root", 0, &root_dir, "DIR",
         "scan the whole directory tree DIR as a root: paths are reported\ninside it (/usr/bin/x)", NULL, 0, 0},
        {LP_OPT_STRING, "image", 0, &img.image, "IMAGE",
         "scan every file of a container image (docker-save tarball, OCI\nlayout directory or tarball; :TAG or @sha256:DIGEST picks one),\nwithout extracting it: paths are the image's", NULL, 0, 0},
        {LP_OPT_STRING, "platform", 0, &img.platform, "P",
         "the platform to take from a multi-platform image (default: the\nhost's)", NULL, 0, 0},
        {LP_OPT_BOOL, "procs", 0, &procs, NULL,
         "scan the executables of the running processes", NULL, 0, 0},
        {LP_OPT_CALLBACK, "jobs", 'j', &jobs, "N",
         "threads reading files (default: the online CPUs)", lp_cli_parse_count, (intptr_t)"jobs", 0},
        {LP_OPT_BOOL, "all-objects", 0, &all, NULL,
         "report every ELF, PE and Mach-O file, Go or not", NULL, 0, 0},
        {LP_OPT_BOOL, "one-file-system", 'x', &xdev, NULL,
         "do not enter directories on other file systems", NULL, 0, 0},
        {LP_OPT_BOOL, "identity", 0, &identity, NULL,
         "read only what identifies each build (build info, build IDs, linkage;\nwhat `go version -m` reads, and more): no function table, no -X\nverdicts (their keys null), several times faster", NULL, 0, 0},
        {LP_OPT_BOOL, "vulns", 0, &vulns, NULL,
         "also each binary's known vulnerabilities, as `linkproof vulns`\nreports them (docs/vulns.md)", NULL, 0, 0},
        {LP_OPT_STRING, "vulndb", 0, &dbdir, "DIR",
         "the vulnerability database for --vulns (default:\n$LINKPROOF_VULNDB)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "as-of", 0, &as_of, "DATE",
         "--vulns: judge Go release support on this day, YYYY-MM-DD\n(default: today, UTC)", lp_cli_parse_date, 0, 0},
        LP_OPT_END_,
    };
    int status = LP_EXIT_OK;
    lp_root *root = NULL;
    lp_err err;
    lp_err_clear(&err);
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    int sources = (n > 0) + (root_dir != NULL) + (img.image != NULL) + procs;
    if (sources != 1)
        return lp_cli_usage(sources ? "scan: give one of PATH..., --root DIR, --image IMAGE, --procs"
                                    : "scan: nothing to scan; see 'linkproof help scan'");
    if (jobs > 256)
        return lp_cli_usage("scan: --jobs %llu: at most 256", (unsigned long long)jobs);
    if (identity && vulns)
        return lp_cli_usage("scan: --vulns needs the function table, which --identity does not read");
    if ((dbdir || as_of) && !vulns)
        return lp_cli_usage("scan: --vulndb and --as-of go with --vulns");
    cli_ctx c = {0};
    vuln_ctx vc = {NULL, as_of};
    if (vulns && lp_vulndb_open(dbdir, &c.db, &err) != LP_OK) {
        lp_cli_error("scan: %s", err.msg);
        return LP_EXIT_USAGE;
    }
    vc.db = c.db;
    if (!lp_cli_open_image(&img, "scan", &root)) {
        lp_vulndb_free(&c.db);
        return LP_EXIT_USAGE;
    }
    if (root_dir && lp_root_open_dir(&root, root_dir, &err) != LP_OK) {
        lp_cli_error("scan: %s", err.msg);
        lp_vulndb_free(&c.db);
        return LP_EXIT_USAGE;
    }
    c.tty = isatty(STDERR_FILENO) == 1;
    if (!(c.r = lp_cli_report(&out, LP_REPORT_SEVERAL, NULL))) {
        lp_root_free(&root);
        lp_vulndb_free(&c.db);
        return LP_EXIT_USAGE;
    }
    lp_report_begin(c.r, LP_DOC_SCAN);
    lp_scan_opts so = {0};
    so.jobs = (unsigned)jobs;
    so.all_objects = all;
    so.identity = identity;
    so.one_filesystem = xdev;
    so.record = on_record;
    so.record_ctx = &c;
    if (c.db) {
        so.work = match_vulns;
        so.work_free = free_vulns;
        so.work_ctx = &vc;
    }
    if (c.tty) {
        so.progress = on_progress;
        so.progress_ctx = &c;
        clock_gettime(CLOCK_MONOTONIC, &c.last);
    }
    lp_scan_stats st;
    lp_code rc = procs ? lp_scan_procs(&so, &st, &err)
                 : root ? lp_scan_root(root, &so, &st, &err)
                        : lp_scan_paths((const char *const *)argv + 1, (size_t)n, &so, &st, &err);
    if (rc) {
        lp_cli_error("scan: %s", err.msg);
        status = LP_EXIT_USAGE;
    }
    if (c.linked && status == LP_EXIT_OK)
        status = LP_EXIT_FINDING;
    if (c.errors)
        status = LP_EXIT_USAGE;
    if (lp_report_supports(out.format, LP_DOC_SCAN_SUMMARY))
        lp_report_write(c.r, LP_DOC_SCAN_SUMMARY, &st);
    if (!lp_cli_report_done(&c.r))
        status = LP_EXIT_USAGE;
    lp_root_free(&root);
    lp_vulndb_free(&c.db);
    return status;
}
