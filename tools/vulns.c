/*
 * vulns.c - `linkproof vulns [--vulndb DIR] FILE...`: the known
 * vulnerabilities of each file's modules and Go version, from an offline Go
 * vulnerability database, with whether the affected symbols are linked
 * (facts/vulns.c decides), and whether its Go release is still supported.
 */
#include <stdlib.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "vulns",
    .usage = {"vulns [--vulndb DIR] [--as-of DATE] [options] FILE..."},
    .about =
        "For each FILE: every report of the Go vulnerability database (OSV) that applies to a\n"
        "module version in its build info, or to its Go version (the modules stdlib and\n"
        "toolchain), and whether the affected packages and symbols are in its function table:\n"
        "linked (with the symbols found), module-only (the module version is affected, its\n"
        "affected code is not in the binary) or unknown (no function table to tell); with the\n"
        "version that fixes it. The function table survives stripping (-s -w), so stripped\n"
        "binaries get the same symbol-level answers. Also whether the Go release that built\n"
        "the file still receives security fixes (docs/vulns.md).\n"
        "The database is a directory: the layout vuln.go.dev serves (index/modules.json and\n"
        "ID/GO-*.json, gzipped or not) or a folder of OSV reports (*.json). It is read once\n"
        "per run (with an index: only the reports of modules the files hold). Nothing is\n"
        "fetched from the network.",
    .after =
        "Formats: text, JSON (docs/schema/vulns.json), cyclonedx (a CycloneDX 1.6 SBOM per\n"
        "file with its vulnerabilities section, docs/sbom.md).",
    .exits = {{0, "no linked finding in any file (module-only and unknown ones are reported)"},
              {1, "a linked finding in some file"},
              {2, "usage error, no database, a database or a file that could not be read"},
              {-1, NULL}},
    .kind = LP_DOC_VULNS,
};

int cmd_vulns(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    const char *dbdir = NULL, *as_of = NULL;
    const lp_opt opts[] = {
        {LP_OPT_STRING, "vulndb", 0, &dbdir, "DIR",
         "the vulnerability database (default: $LINKPROOF_VULNDB)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "as-of", 0, &as_of, "DATE",
         "judge Go release support on this day, YYYY-MM-DD (default: today,\nUTC)",
         lp_cli_parse_date, 0, 0},
        LP_OPT_OUTPUT(&out),
        LP_OPT_END_,
    };
    int status = LP_EXIT_OK;
    lp_vulndb *db = NULL;
    lp_report *r = NULL;
    lp_err err;
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if (n == 0)
        return lp_cli_usage("vulns: no FILE given; see 'linkproof help vulns'");
    if (lp_vulndb_open(dbdir, &db, &err) != LP_OK) {
        lp_cli_error("vulns: %s", err.msg);
        return LP_EXIT_USAGE;
    }
    if (!(r = lp_cli_report(&out, n > 1 ? LP_REPORT_SEVERAL : 0, NULL))) {
        lp_vulndb_free(&db);
        return LP_EXIT_USAGE;
    }
    bool linked = false, failed = false;
    for (int i = 1; i <= n; i++) {
        lp_facts *f = NULL;
        /* build info and the function table: no -X verdicts, which this report never shows */
        lp_code rc = lp_facts_collect_flags(argv[i], NULL, LP_FACTS_NO_XVARS, &f, &err);
        if (!f) {
            lp_cli_error("%s", err.msg);
            failed = true;
            break;
        }
        lp_vuln_report v = {0};
        lp_gosupport gs;
        lp_err merr;
        lp_err_clear(&merr);
        lp_doc_vulns d = {f, NULL, NULL, lp_vulndb_dir(db), NULL};
        if (rc) {
            lp_cli_error("%s", f->error.msg);
            failed = true;
        } else {
            if (f->is_go) {
                const char *gov = f->go && f->go->go_version ? f->go->go_version : f->go_version_fallback;
                lp_gosupport_eval(gov, as_of, &gs);
                d.support = &gs;
            }
            if (lp_vulns_match(db, f, &v, &merr) != LP_OK) {
                lp_cli_error("vulns: %s", merr.msg);
                d.error = &merr;
                failed = true;
            } else {
                d.v = &v;
                if (v.n_linked)
                    linked = true;
            }
        }
        lp_report_write(r, LP_DOC_VULNS, &d);
        lp_vuln_report_release(&v);
        lp_facts_free(&f);
    }
    if (!lp_cli_report_done(&r))
        failed = true;
    lp_report_close(&r);
    lp_vulndb_free(&db);
    status = failed ? LP_EXIT_USAGE : linked ? LP_EXIT_FINDING : LP_EXIT_OK;
    return status;
}
