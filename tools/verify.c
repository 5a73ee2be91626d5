/*
 * verify.c - `linkproof verify --pid PID | --all`: ok, rollback or fuse.
 * Exit 0 ok, 3 rollback, 4 fuse (--all: the worst), 2 cannot verify.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "linkproof/fingerprint.h"
#include "linkproof/proc.h"
#include "linkproof/registry.h"
#include "report/report.h"

enum { EXIT_ROLLBACK = 3, EXIT_FUSE = 4 };

void usage_verify(FILE *fp)
{
    fputs("usage: linkproof verify --pid PID [--baseline BUILD_ID|LABEL] [--registry DB] [--json]\n"
          "       linkproof verify --all [--baseline BUILD_ID|LABEL] [--registry DB] [--json]\n"
          "\n"
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
          "--all checks every process whose executable is a Go binary, as a table.\n"
          "\n"
          "  --baseline B    a label of the registry (any of its builds is the baseline) or a Go\n"
          "                  build ID as 'go tool buildid' prints it; anything else, an empty\n"
          "                  string included, is a usage error (exit 2), never a verdict\n"
          "  --registry DB   an SQLite path or a PostgreSQL connection string (postgresql://...,\n"
          "                  'host=... dbname=...', 'service=...'; see 'linkproof help registry');\n"
          "                  default: $LINKPROOF_REGISTRY, else $XDG_DATA_HOME/linkproof/registry.db,\n"
          "                  else ~/.local/share/linkproof/registry.db; opened read-only (a role that\n"
          "                  may only SELECT is enough), looked up by code SHA-256 and build ID\n"
          "\n"
          "Every read of a process goes through one /proc/PID directory descriptor, and its start\n"
          "time and executable are checked after the reads: a process that exits, or is replaced\n"
          "by another one under the same id, while it is read gets \"changed while being read\"\n"
          "(exit 2), never a verdict.\n"
          "\n"
          "exit status: 0 ok; 3 rollback; 4 fuse (--all: the worst of all); 2 cannot verify (no\n"
          "such process, no permission to read its memory, a process that changed while being\n"
          "read, usage, a baseline that is neither a build ID nor a label, a registry that cannot\n"
          "be opened or read (a server unreachable, a login or permission refused, a connection\n"
          "lost: one line, never a verdict), or none to tell rollback from fuse; --all: processes\n"
          "it could not read, and a registry lost during the scan ends it)\n",
          fp);
}

static int exit_for(lp_verdict v)
{
    return v == LP_VERIFY_OK ? LP_EXIT_OK : v == LP_VERIFY_ROLLBACK ? EXIT_ROLLBACK : EXIT_FUSE;
}

static json_t *result_json(const lp_verify_result *r, const lp_baseline *b)
{
    json_t *o = lp_proc_fingerprint_json(&r->fp);
    json_object_set_new(o, "verdict", json_string(lp_verdict_name(r->verdict)));
    json_object_set_new(o, "label", r->label ? lp_json_str(r->label) : json_null());
    json_t *bj = json_null();
    if (b) {
        bj = json_object();
        json_object_set_new(bj, "given", lp_json_str(b->text));
        json_object_set_new(bj, "label", b->label ? lp_json_str(b->label) : json_null());
        json_object_set_new(bj, "go_build_id", b->go_build_id ? lp_json_str(b->go_build_id) : json_null());
    }
    json_object_set_new(o, "baseline", bj);
    json_object_set_new(o, "reason", lp_json_str(r->reason));
    json_object_set_new(o, "next_step", lp_json_str(r->next_step));
    return o;
}

static void result_text(const lp_verify_result *r, const lp_baseline *b, int pid)
{
    printf("%s: process %d (", lp_verdict_name(r->verdict), pid);
    lp_put_safe(stdout, r->fp.exe);
    printf("%s%s)\n", r->fp.exe_state == LP_EXE_PRESENT ? "" : ", ",
           r->fp.exe_state == LP_EXE_PRESENT ? "" : lp_exe_state_name(r->fp.exe_state));
    printf("  %-10s", "running");
    if (r->label) {
        lp_put_safe(stdout, r->label);
        fputs(" (trusted)\n", stdout);
    } else {
        fputs("a build the registry does not know\n", stdout);
    }
    if (b) {
        printf("  %-10s", "baseline");
        lp_put_safe(stdout, b->label ? b->label : b->text);
        if (b->label && b->go_build_id)
            printf(" (Go build ID %s)", b->go_build_id);
        fputc('\n', stdout);
    }
    printf("  %-10s", "why");
    lp_put_safe(stdout, r->reason);
    printf("\n  %-10s", "next");
    lp_put_safe(stdout, r->next_step);
    printf("\n  %-10s%s\n  %-10s%s (memory %s)\n", "build id",
           r->fp.file.go_build_id ? r->fp.file.go_build_id : "-", "code", r->fp.file.code_sha256,
           r->fp.match ? "matches" : r->fp.mem_code_sha256);
}

int cmd_verify(int argc, char **argv)
{
    enum { O_PID = 256, O_ALL, O_BASE, O_REG, O_JSON };
    static const struct option opts[] = {
        {"pid", required_argument, NULL, O_PID},
        {"all", no_argument, NULL, O_ALL},
        {"baseline", required_argument, NULL, O_BASE},
        {"registry", required_argument, NULL, O_REG},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int pid = 0, ch;
    bool all = false, json = false;
    const char *baseline_arg = NULL, *regpath = NULL;
    char *end;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_PID:
            if (!lp_cli_pid("verify", optarg, &pid))
                return LP_EXIT_USAGE;
            break;
        case O_ALL: all = true; break;
        case O_BASE: baseline_arg = optarg; break;
        case O_REG: regpath = optarg; break;
        case O_JSON: json = true; break;
        case 'h': usage_verify(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("verify", argv); return LP_EXIT_USAGE;
        }
    }
    if ((pid != 0) == all || optind != argc) {
        lp_cli_error("verify: give --pid PID or --all; see 'linkproof help verify'");
        return LP_EXIT_USAGE;
    }
    char *defpath = regpath ? NULL : lp_registry_default_path();
    const char *path = regpath ? regpath : defpath;
    lp_err err;
    lp_err_clear(&err);
    lp_registry *reg = NULL;
    bool no_registry = !path;
    if (path) {
        lp_code rc = lp_registry_open(path, LP_REG_READONLY, &reg, &err);
        if (rc && rc != LP_ERR_NOTFOUND) {
            lp_cli_error("verify: %s", err.msg);
            free(defpath);
            return LP_EXIT_USAGE;
        }
        no_registry = rc == LP_ERR_NOTFOUND;
    }
    /* the baseline first: a typo is a usage error before any process is read */
    lp_baseline base0, *base = NULL;
    if (baseline_arg) {
        if (lp_baseline_resolve(reg, baseline_arg, &base0, &err) != LP_OK) {
            lp_cli_error("verify: %s", err.msg);
            lp_registry_close(&reg);
            free(defpath);
            return LP_EXIT_USAGE;
        }
        base = &base0;
    }
    int status = LP_EXIT_OK;
    if (pid) {
        lp_verify_result r;
        lp_proc *proc = NULL;
        lp_code rc = lp_cli_proc_open(pid, &proc, &err);
        if (rc == LP_OK)
            rc = lp_verify_proc(proc, base, reg, &r, &err);
        lp_proc_close(&proc);
        if (rc != LP_OK) {
            lp_cli_error("verify: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else if (no_registry && r.verdict != LP_VERIFY_OK && r.fp.match) {
            /* without the registry, "unknown code" may only mean a wrong --registry path */
            lp_cli_error("verify: process %d is not the baseline, and there is no registry at '%s' to tell "
                         "a trusted build (rollback) from an unknown one (fuse)",
                         pid, path ? path : "(no path)");
            status = LP_EXIT_USAGE;
            lp_verify_result_release(&r);
        } else {
            if (json) {
                json_t *o = result_json(&r, base);
                lp_json_write_line(stdout, o);
                json_decref(o);
            } else {
                result_text(&r, base, pid);
            }
            status = exit_for(r.verdict);
            lp_verify_result_release(&r);
        }
    } else {
        DIR *d = opendir("/proc");
        struct dirent *de;
        size_t unreadable = 0;
        int self = getpid();
        if (!json)
            printf("%-8s %-9s %-24s %s\n", "PID", "VERDICT", "LABEL", "EXE");
        /* bounded by the process table */
        while (d && (de = readdir(d))) {
            long v = strtol(de->d_name, &end, 10);
            if (*end || v <= 0 || v == self)
                continue;
            /* one descriptor per process from here on: the exe checked is the one verified */
            lp_proc *proc = NULL;
            if (lp_cli_proc_open((int)v, &proc, &err) != LP_OK)
                continue; /* exited meanwhile */
            char exe[64];
            lp_proc_path(proc, "exe", exe, sizeof exe);
            if (access(exe, R_OK) != 0) {
                if (errno == EACCES || errno == EPERM)
                    unreadable++; /* another user's process: say so, do not pass it over */
                lp_proc_close(&proc);
                continue;
            }
            if (!lp_is_go_file(exe)) {
                lp_proc_close(&proc);
                continue;
            }
            lp_verify_result r;
            lp_code rc = lp_verify_proc(proc, base, reg, &r, &err);
            lp_proc_close(&proc);
            if (rc != LP_OK && reg && !lp_registry_usable(reg)) {
                /* the registry is gone (its server stopped): no row after this one could be judged */
                lp_cli_error("verify: %s (the scan stopped at process %ld)", err.msg, v);
                if (status < LP_EXIT_USAGE)
                    status = LP_EXIT_USAGE;
                break;
            }
            if (rc != LP_OK) {
                if (json) {
                    json_t *o = json_object();
                    json_object_set_new(o, "pid", json_integer(v));
                    json_object_set_new(o, "verdict", json_null());
                    json_object_set_new(o, "error", lp_json_str(err.msg));
                    lp_json_write_line(stdout, o);
                    json_decref(o);
                } else {
                    printf("%-8ld %-9s %-24s ", v, "error", "-");
                    lp_put_safe(stdout, err.msg);
                    fputc('\n', stdout);
                }
                if (status < LP_EXIT_USAGE)
                    status = LP_EXIT_USAGE;
                continue;
            }
            if (json) {
                json_t *o = result_json(&r, base);
                lp_json_write_line(stdout, o);
                json_decref(o);
            } else {
                printf("%-8ld %-9s %-24s ", v, lp_verdict_name(r.verdict), r.label ? r.label : "-");
                lp_put_safe(stdout, r.fp.exe);
                fputc('\n', stdout);
            }
            int e = exit_for(r.verdict);
            /* the worst verdict wins: fuse (4) > rollback (3) > cannot (2) > ok (0) */
            if (e > status)
                status = e;
            lp_verify_result_release(&r);
        }
        if (d)
            closedir(d);
        if (unreadable) {
            /* as a user that is no all-clear; as root only a protected process or two (a sandbox's init) */
            bool root = geteuid() == 0;
            lp_cli_error("verify: %zu process%s could not be examined (no permission to read the "
                         "executable)%s",
                         unreadable, unreadable == 1 ? "" : "es",
                         root ? "" : ": run as root to check every process");
            if (!root && status < LP_EXIT_USAGE)
                status = LP_EXIT_USAGE;
        }
        if (no_registry)
            lp_cli_error("verify: no registry at '%s': every unknown build reads as fuse",
                         path ? path : "(no path)");
    }
    if (base)
        lp_baseline_release(base);
    lp_registry_close(&reg);
    free(defpath);
    return status;
}
