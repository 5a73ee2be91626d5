/*
 * inspect.c - `linkproof inspect FILE...`: the facts about each file, one
 * document per file (a file that cannot be read gets one with its error).
 */
#include <stdlib.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "inspect",
    .usage = {"inspect [options] FILE...", "inspect --image IMAGE [--platform P] [options] PATH..."},
    .about =
        "For each FILE: format, class, byte order, machine, ELF type; Go version, main\n"
        "module, dependencies and build settings; Go and GNU build IDs; linkage (static or\n"
        "dynamic, PIE, interpreter, needed libraries, RPATH/RUNPATH); symbol table and DWARF;\n"
        "the function table (functions, packages, init functions, cgo evidence, the name\n"
        "resolver: go, cgo, none or system); a verdict for every -X in the recorded -ldflags\n"
        "(injected, missing, different, empty, overwritten at run time, not-injected,\n"
        "unconfirmed, unverifiable) with its confidence and evidence (docs/check.md: injected\n"
        "only when the name is tied to the value, by its symbol or by the build record and\n"
        "the linker's own -X string); and a finding wherever the recorded build settings\n"
        "disagree with the binary or it holds a known trap (static glibc and NSS, a PIE that\n"
        "needs the loader, plugin without cgo).\n"
        "The text leads with version, module, linkage, cgo, resolver, -X and notes.\n"
        "Nothing is executed; what is read: headers, notes, the dynamic section, the\n"
        "build-info blob, the function table, init code and the data -X targets live in.",
    .exits = {{0, "every file was read (Go or not)"},
              {2, "usage error, or a file could not be read or is malformed (its error is\n"
                  "reported and the other files still are)"},
              {-1, NULL}},
    .kind = LP_DOC_INSPECT,
};

typedef struct xvars {
    lp_xtarget *v;
    size_t n;
} xvars;

static bool parse_var(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    xvars *xv = value;
    lp_err e;
    lp_xtarget *nv = realloc(xv->v, (xv->n + 1) * sizeof *nv);
    if (!nv) {
        snprintf(why, n, "out of memory");
        return false;
    }
    xv->v = nv;
    if (lp_xtarget_parse(arg, &nv[xv->n], &e) != LP_OK) {
        snprintf(why, n, "--var %s", e.msg);
        return false;
    }
    xv->n++;
    return true;
}

int cmd_inspect(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    bool all_inits = false;
    lp_cli_image img = {NULL, NULL};
    const char *dbdir = NULL, *as_of = NULL;
    lp_vulndb *db = NULL;
    xvars xv = {NULL, 0};
    const lp_opt opts[] = {
        LP_OPT_OUTPUT(&out),
        {LP_OPT_BOOL, "inits", 0, &all_inits, NULL,
         "list every init function (the text shows their count and the main\nmodule's; JSON always has them all)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "var", 0, &xv, "NAME[=VALUE]",
         "also check this -X target (repeatable); needed when -ldflags\nis not recorded (-trimpath) or to check a value you expect",
         parse_var, 0, 0},
        LP_OPT_IMAGE(&img),
        {LP_OPT_STRING, "vulndb", 0, &dbdir, "DIR",
         "with --format cyclonedx: add the vulnerabilities section from this\nGo vulnerability database (docs/vulns.md)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "as-of", 0, &as_of, "DATE",
         "judge whether the Go release is supported on this day, YYYY-MM-DD\n(default: today, UTC)", lp_cli_parse_date, 0, 0},
        LP_OPT_END_,
    };
    int status = LP_EXIT_OK;
    lp_root *root = NULL;
    lp_report *r = NULL;
    lp_err err;
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0) {
        status = lp_cli_parsed(n);
        goto out;
    }
    if (n == 0) {
        lp_cli_error("inspect: no FILE given; see 'linkproof help inspect'");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (dbdir && out.format != LP_OUT_CYCLONEDX) {
        lp_cli_error("inspect: --vulndb adds vulnerabilities to a CycloneDX SBOM (--format "
                     "cyclonedx); for the other formats use 'linkproof vulns'");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (dbdir && lp_vulndb_open(dbdir, &db, &err) != LP_OK) {
        lp_cli_error("inspect: %s", err.msg);
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (!lp_cli_open_image(&img, "inspect", &root)) {
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (!(r = lp_cli_report(&out, all_inits ? LP_REPORT_ALL_INITS : 0, NULL))) {
        status = LP_EXIT_USAGE;
        goto out;
    }
    lp_report_set_as_of(r, as_of);
    lp_facts_opts fo = {xv.v, xv.n};
    for (int i = 1; i <= n; i++) {
        lp_facts *f = NULL;
        lp_code rc = lp_cli_facts(root, argv[i], &fo, &f, &err);
        if (!f) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
            break;
        }
        if (rc) {
            lp_cli_error("%s", f->error.msg);
            status = LP_EXIT_USAGE;
        }
        if (db && !rc) {
            /* the SBOM with its vulnerabilities section */
            lp_vuln_report v = {0};
            lp_err merr;
            if (lp_vulns_match(db, f, &v, &merr) != LP_OK) {
                lp_cli_error("inspect: %s", merr.msg);
                status = LP_EXIT_USAGE;
            } else {
                lp_doc_vulns d = {f, &v, NULL, lp_vulndb_dir(db), NULL};
                lp_report_write(r, LP_DOC_VULNS, &d);
            }
            lp_vuln_report_release(&v);
        } else {
            lp_report_write(r, LP_DOC_INSPECT, f);
        }
        lp_facts_free(&f);
    }
    if (!lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
out:
    lp_report_close(&r);
    lp_root_free(&root);
    lp_vulndb_free(&db);
    lp_xtargets_free(&xv.v, xv.n);
    return status;
}
