/*
 * buildinfo.c - `linkproof buildinfo FILE|DIR...`: what `go version -m`
 * prints, byte for byte: the same lines and tabs on stdout, the same error
 * wording on stderr, the same walk of directories (go/gover.c), the same exit
 * status (0, or 1 when a named path does not exist). Where linkproof knows
 * more than Go's wording says (a malformed file), --detail adds it.
 */
#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "buildinfo",
    .usage = {"buildinfo [--detail] FILE|DIR...", "buildinfo [--detail] --image IMAGE [--platform P] PATH..."},
    .about =
        "Prints each Go executable's version and build information exactly as\n"
        "`go version -m` does (Go 1.19 rules), so it can replace it in scripts. Directories\n"
        "are walked recursively and files that are not Go executables are skipped\n"
        "silently there; named files that are not Go executables get Go's message\n"
        "(\"not executable file\", \"unrecognized file format\", \"not a Go executable\").\n"
        "With --image, each PATH is a file or directory inside the image, read and walked\n"
        "there under the same rules, and named by its path in the image.",
    .exits = {{0, "as `go version -m`: also for files that are not Go executables"},
              {1, "a named path does not exist or cannot be examined"},
              {2, "usage error"},
              {-1, NULL}},
    .kind = LP_DOC_BUILDINFO,
};

typedef struct ctx {
    lp_report *r;
    int status;
} ctx;

static void visit(void *vctx, const lp_gover_item *it)
{
    ctx *c = vctx;
    if (it->what == LP_GOVER_STAT_FAILED)
        c->status = 1; /* as `go version -m` */
    lp_report_write(c->r, LP_DOC_BUILDINFO, it);
}

int cmd_buildinfo(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    bool detail = false;
    lp_cli_image img = {NULL, NULL};
    const lp_opt opts[] = {
        LP_OPT_OUTPUT(&out),
        LP_OPT_IMAGE(&img),
        {LP_OPT_BOOL, "detail", 0, &detail, NULL,
         "for a malformed file, add what is wrong and where after Go's\n\"unrecognized file format\" (the output then differs from Go's)", NULL, 0, 0},
        /* -m is accepted, so that `linkproof buildinfo -m FILE` reads like `go version -m FILE` */
        {LP_OPT_IGNORED, NULL, 'm', NULL, NULL, "ignored, as in `go version -m`", NULL, 0, 0},
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, LP_PARSE_STOP);
    if (n < 0)
        return lp_cli_parsed(n);
    if (n == 0) {
        lp_cli_error("buildinfo: no FILE given; see 'linkproof help buildinfo'");
        return LP_EXIT_USAGE;
    }
    lp_root *root = NULL;
    if (!lp_cli_open_image(&img, "buildinfo", &root))
        return LP_EXIT_USAGE;
    ctx c = {lp_cli_report(&out, detail ? LP_REPORT_DETAIL : 0, NULL), 0};
    if (!c.r) {
        lp_root_free(&root);
        return LP_EXIT_USAGE;
    }
    for (int i = 1; i <= n; i++) {
        if (root)
            lp_gover_scan_in(root, argv[i], visit, &c);
        else
            lp_gover_scan(argv[i], visit, &c);
    }
    lp_root_free(&root);
    return lp_cli_report_done(&c.r) ? c.status : LP_EXIT_USAGE;
}
