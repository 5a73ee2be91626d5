/*
 * fingerprint.c - `linkproof fingerprint FILE...` and `--pid PID`: build IDs
 * and SHA-256 of the file and of its code; for a process, its code as mapped
 * in memory beside the file it runs, and whether they match (proc/fingerprint.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "fingerprint",
    .usage = {"fingerprint [options] FILE...", "fingerprint [options] --pid PID"},
    .about =
        "For a FILE: Go build ID, GNU build ID, SHA-256 of the file, and SHA-256 of its code (the\n"
        "executable PT_LOAD segments' bytes, in program-header order).\n"
        "For a process: the same code hash computed from its memory (/proc/PID/mem, at the\n"
        "segments' addresses plus the load bias of a PIE), beside the fingerprint of the file it\n"
        "runs (/proc/PID/exe: also when that file was deleted or replaced on disk, which is\n"
        "reported), and whether memory and file match. Reading another process's memory needs\n"
        "ptrace access (root, or the same user as kernel.yama.ptrace_scope allows).\n"
        "Every read goes through one /proc/PID directory descriptor, and the process's start\n"
        "time and executable are checked after the reads: a process that exits, or is replaced\n"
        "by another one under the same id, while it is read is an error (\"changed while being\n"
        "read\"), never a fingerprint. JSON: one document per file or process (docs/fingerprint.md).",
    .exits = {{0, "read (and, with --pid, memory matches the file)"},
              {1, "--pid: memory differs from the file"},
              {2, "usage, unreadable file, no such process, no permission, or a process that\n"
                  "changed while being read"},
              {-1, NULL}},
    .kind = LP_DOC_FINGERPRINT,
};

static int of_pid(int pid, lp_report *r)
{
    lp_proc_fingerprint p;
    lp_proc *proc = NULL;
    lp_err err;
    void *hctx;
    lp_proc_hook hook = lp_cli_proc_hook(&hctx);
    lp_code rc = lp_proc_open(pid, &proc, &err);
    if (rc == LP_OK && hook)
        lp_proc_set_hook(proc, hook, hctx);
    if (rc == LP_OK)
        rc = lp_fingerprint_proc(proc, &p, &err);
    lp_proc_close(&proc);
    if (rc != LP_OK) {
        return lp_cli_fail(&err, "fingerprint");
    }
    int st = p.match ? LP_EXIT_OK : LP_EXIT_FINDING;
    if (!lp_report_write(r, LP_DOC_FINGERPRINT_PID, &p))
        st = LP_EXIT_USAGE;
    lp_proc_fingerprint_release(&p);
    return st;
}

int cmd_fingerprint(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    int pid = 0;
    lp_cli_image img = {NULL, NULL};
    const lp_opt opts[] = {
        LP_OPT_IMAGE(&img),
        {LP_OPT_CALLBACK, "pid", 0, &pid, "PID", "the process to fingerprint, instead of files", lp_cli_parse_pid, 0, 0},
        LP_OPT_OUTPUT(&out),
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if ((pid != 0) == (n > 0)) {
        lp_cli_error("fingerprint: give FILE... or --pid PID; see 'linkproof help fingerprint'");
        return LP_EXIT_USAGE;
    }
    if (pid && img.image) {
        lp_cli_error("fingerprint: --image names files inside an image, not a process");
        return LP_EXIT_USAGE;
    }
    lp_root *root = NULL;
    if (!lp_cli_open_image(&img, "fingerprint", &root))
        return LP_EXIT_USAGE;
    lp_report *r = lp_cli_report(&out, 0, NULL);
    if (!r) {
        lp_root_free(&root);
        return LP_EXIT_USAGE;
    }
    int status = LP_EXIT_OK;
    if (pid)
        status = of_pid(pid, r);
    for (int i = 1; i <= n; i++) {
        lp_fingerprint f;
        lp_err err;
        lp_err_clear(&err);
        if (lp_fingerprint_file_in(root, argv[i], &f, &err) != LP_OK) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
        }
        /* inside an image, named as inspect --image names it */
        char *name = NULL;
        if (root && asprintf(&name, "%s:%s", lp_root_label(root), argv[i]) < 0)
            name = NULL;
        lp_doc_fingerprint d = {name ? name : argv[i], &f, &err};
        lp_report_write(r, LP_DOC_FINGERPRINT, &d);
        lp_fingerprint_release(&f);
        free(name);
    }
    lp_root_free(&root);
    if (!lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    return status;
}
