/*
 * funcs.c - `linkproof funcs FILE [--package P]` and `linkproof pkgs FILE`:
 * the Go function table, read from the pclntab (present even in stripped
 * binaries), and the packages it names (go/packages.c).
 */
#include "cli.h"

static const lp_cmd_doc funcs_doc = {
    .name = "funcs",
    .usage = {"funcs [--package P] [options] FILE", "funcs [--package P] [options] --image IMAGE [--platform P] PATH"},
    .about =
        "Lists the Go functions of FILE from its function table (pclntab), which survives\n"
        "stripping: entry address and the name exactly as the table stores it, in table\n"
        "(address) order. Every Go version from 1.2 on, every architecture, either byte order.\n"
        "JSON: {path, pclntab: {...}, functions: [{entry, name, package}], error}.",
    .exits = {{0, "listed"}, {1, "FILE has no Go function table"}, {2, "usage or unreadable input"}, {-1, NULL}},
    .kind = LP_DOC_FUNCS,
};

static const lp_cmd_doc pkgs_doc = {
    .name = "pkgs",
    .usage = {"pkgs [options] FILE", "pkgs [options] --image IMAGE [--platform P] PATH"},
    .about =
        "Lists the packages named by FILE's function table with how many functions each has,\n"
        "sorted by package path. Compiler-generated names (go:, type:) belong to no package\n"
        "and are counted as \"\" in JSON.",
    .exits = {{0, "listed"}, {1, "FILE has no Go function table"}, {2, "usage or unreadable input"}, {-1, NULL}},
    .kind = LP_DOC_PKGS,
};

static int run(const lp_cmd_doc *doc, lp_doc_kind kind, int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    const char *package = NULL;
    lp_cli_image img = {NULL, NULL};
    const lp_opt funcs_opts[] = {
        LP_OPT_OUTPUT(&out),
        LP_OPT_IMAGE(&img),
        {LP_OPT_STRING, "package", 'p', &package, "P",
         "only functions of package P (its full import path, e.g. main, net/http,\ngopkg.in/yaml.v3; the table spells that one gopkg.in/yaml%2ev3)", NULL, 0, 0},
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    const lp_opt pkgs_opts[] = {
        LP_OPT_OUTPUT(&out),
        LP_OPT_IMAGE(&img),
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    const lp_opt *opts = kind == LP_DOC_PKGS ? pkgs_opts : funcs_opts;
    int n = lp_parse_options(doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if (n != 1) {
        lp_cli_error("%s: expected exactly one FILE; see 'linkproof help %s'", doc->name, doc->name);
        return LP_EXIT_USAGE;
    }
    lp_funcs *f = NULL;
    lp_err err;
    lp_root *root = NULL;
    if (!lp_cli_open_image(&img, doc->name, &root))
        return LP_EXIT_USAGE;
    lp_code rc = lp_funcs_read_in(root, argv[1], package, &f, &err);
    if (!f) {
        lp_root_free(&root);
        return lp_cli_fail(&err, NULL);
    }
    if (rc)
        lp_cli_error("%s", err.msg);
    int status = rc == LP_ERR_NOTFOUND ? LP_EXIT_FINDING : lp_cli_exit_for(rc);
    lp_report *r = lp_cli_report(&out, 0, NULL);
    /* a table that is not there is said on stderr; JSON still answers for the file */
    if (r && (rc == LP_OK || out.format == LP_OUT_JSON))
        lp_report_write(r, kind, f);
    if (!r || !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_funcs_free(&f);
    lp_root_free(&root);
    return status;
}

int cmd_funcs(int argc, char **argv) { return run(&funcs_doc, LP_DOC_FUNCS, argc, argv); }
int cmd_pkgs(int argc, char **argv) { return run(&pkgs_doc, LP_DOC_PKGS, argc, argv); }
