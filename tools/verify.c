/*
 * verify.c - `linkproof verify --pid PID | --all`: ok, rollback or fuse
 * (facts/verify.c decides; --all walks every process, proc/walk.c).
 */
#include <stdlib.h>

#include "cli.h"
#include "linkproof/registry.h"

static const lp_cmd_doc doc = {
    .name = "verify",
    .usage = {"verify --pid PID [--baseline BUILD_ID|LABEL] [--registry DB] [options]",
              "verify --all [--baseline BUILD_ID|LABEL] [--registry DB] [options]"},
    .about =
        "Is the running process the build we think it is? Compares its build with the release\n"
        "baseline and its code in memory with the file it runs, and looks the code up in the\n"
        "registry of trusted builds (linkproof registry):\n"
        "  ok        the build is the baseline (or, without --baseline, the code is trusted) and\n"
        "            the code in memory matches the file\n"
        "  rollback  the process runs a known trusted build that is not the baseline: the text\n"
        "            names both (\"running v2.0.0 (trusted); baseline v1.0.0\") and says to deploy\n"
        "            the baseline\n"
        "  fuse      the code is unknown to the registry, or memory differs from the file: the\n"
        "            evidence and what to do next are printed\n"
        "--all checks every process whose executable is a Go binary, as a table (JSON: one\n"
        "document per process). Every read of a process goes through one /proc/PID directory\n"
        "descriptor, and its start time and executable are checked after the reads: a process\n"
        "that exits, or is replaced by another one under the same id, while it is read gets\n"
        "\"changed while being read\" (exit 2), never a verdict.",
    .exits = {{0, "ok"},
              {3, "rollback"},
              {4, "fuse (--all: the worst of all)"},
              {2, "cannot verify (no such process, no permission to read its memory, a process\n"
                  "that changed while being read, usage, a baseline that is neither a build ID nor\n"
                  "a label, a registry that cannot be opened or read (a server unreachable, a login\n"
                  "or permission refused, a connection lost: one line, never a verdict), or none to\n"
                  "tell rollback from fuse; --all: processes it could not read, and a registry lost\n"
                  "during the scan ends it)"},
              {-1, NULL}},
    .kind = LP_DOC_VERIFY,
};

typedef struct all_ctx {
    lp_report *r;
    const lp_baseline *base;
} all_ctx;

static void each(void *vctx, int pid, const lp_verify_result *res, const lp_err *e)
{
    all_ctx *a = vctx;
    lp_doc_verify d = {pid, res, a->base, e};
    lp_report_write(a->r, LP_DOC_VERIFY_ROW, &d);
}

static int verify(const lp_verify_opts *vo, int pid, bool all, lp_report *r)
{
    lp_err err;
    lp_err_clear(&err);
    if (!all) {
        lp_verify_result res;
        if (lp_verify_run(pid, vo, &res, &err) != LP_OK) {
            return lp_cli_fail(&err, "verify");
        }
        lp_doc_verify d = {pid, &res, vo->baseline, NULL};
        int status = lp_report_write(r, LP_DOC_VERIFY, &d) ? lp_cli_exit_verdict(res.verdict) : LP_EXIT_USAGE;
        lp_verify_result_release(&res);
        return status;
    }
    all_ctx a = {r, vo->baseline};
    lp_verify_summary sum;
    lp_report_begin(r, LP_DOC_VERIFY_ROW);
    if (lp_verify_all(vo, each, &a, &sum, &err) != LP_OK) {
        return lp_cli_fail(&err, "verify");
    }
    /* the worst wins: fuse (4) > rollback (3) > cannot verify (2) > ok (0) */
    int status = sum.verified ? lp_cli_exit_verdict(sum.worst) : LP_EXIT_OK;
    if ((sum.failed || sum.incomplete) && status < LP_EXIT_USAGE)
        status = LP_EXIT_USAGE;
    if (sum.unreadable)
        lp_cli_error("verify: %zu process%s could not be examined (no permission to read the executable)%s",
                     sum.unreadable, sum.unreadable == 1 ? "" : "es",
                     sum.incomplete ? ": run as root to check every process" : "");
    if (vo->registry_missing)
        lp_cli_error("verify: no registry at '%s': every unknown build reads as fuse",
                     vo->registry_path ? vo->registry_path : "(no path)");
    return status;
}

int cmd_verify(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    int pid = 0;
    bool all = false;
    const char *baseline_arg = NULL, *regpath = NULL;
    const lp_opt opts[] = {
        {LP_OPT_CALLBACK, "pid", 0, &pid, "PID", "the process", lp_cli_parse_pid, 0, 0},
        {LP_OPT_BOOL, "all", 0, &all, NULL, "every process whose executable is a Go binary", NULL, 0, 0},
        {LP_OPT_STRING, "baseline", 0, &baseline_arg, "B",
         "a label of the registry (any of its builds is the baseline) or a Go\n"
         "build ID as 'go tool buildid' prints it; anything else, an empty\n"
         "string included, is a usage error (exit 2), never a verdict", NULL, 0, 0},
        {LP_OPT_STRING, "registry", 0, &regpath, "DB",
         "an SQLite path or a PostgreSQL connection string (postgresql://...,\n"
         "'host=... dbname=...', 'service=...'; see 'linkproof help registry');\n"
         "default: $LINKPROOF_REGISTRY, else $XDG_DATA_HOME/linkproof/registry.db,\n"
         "else ~/.local/share/linkproof/registry.db; opened read-only (a role that\n"
         "may only SELECT is enough), looked up by code SHA-256 and build ID", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if ((pid != 0) == all || n != 0) {
        lp_cli_error("verify: give --pid PID or --all; see 'linkproof help verify'");
        return LP_EXIT_USAGE;
    }
    char *defpath = regpath ? NULL : lp_registry_default_path();
    lp_verify_opts vo = {.registry_path = regpath ? regpath : defpath};
    vo.hook = lp_cli_proc_hook(&vo.hook_ctx);
    lp_err err;
    lp_err_clear(&err);
    lp_registry *reg = NULL;
    lp_baseline base;
    bool have_base = false;
    lp_report *r = NULL;
    int status = LP_EXIT_USAGE;
    vo.registry_missing = !vo.registry_path;
    if (vo.registry_path) {
        lp_code rc = lp_registry_open(vo.registry_path, LP_REG_READONLY, &reg, &err);
        if (rc && rc != LP_ERR_NOTFOUND) {
            lp_cli_error("verify: %s", err.msg);
            goto out;
        }
        vo.registry_missing = rc == LP_ERR_NOTFOUND;
    }
    vo.reg = reg;
    /* the baseline first: a typo is a usage error before any process is read */
    if (baseline_arg) {
        if (lp_baseline_resolve(reg, baseline_arg, &base, &err) != LP_OK) {
            lp_cli_error("verify: %s", err.msg);
            goto out;
        }
        have_base = true;
        vo.baseline = &base;
    }
    if (!(r = lp_cli_report(&out, 0, NULL)))
        goto out;
    status = verify(&vo, pid, all, r);
    if (!lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
out:
    lp_report_close(&r);
    if (have_base)
        lp_baseline_release(&base);
    lp_registry_close(&reg);
    free(defpath);
    return status;
}
