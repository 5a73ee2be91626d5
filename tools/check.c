/*
 * check.c - `linkproof check [assertions] FILE...`: the facts as CI
 * assertions (facts/check.c decides), written as text or JSON on stdout, and
 * also as JUnit XML (--junit FILE) and GitHub annotations (--github, on
 * stderr) when asked.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "check",
    .usage = {"check [assertions] [--policy FILE] [--accept-unconfirmed] [options] FILE...",
              "check [assertions] [options] --image IMAGE [--platform P] PATH..."},
    .about =
        "Asserts facts about each FILE, for CI. Every result is ok, FAIL (the binary violates\n"
        "the assertion) or UNDECIDED (the binary cannot decide it), with the confidence of its\n"
        "evidence (high, medium, low).\n"
        "\n"
        "-X evidence (docs/check.md): a variable is `injected` only when its name is tied to the\n"
        "value: by its symbol, or, in a stripped binary, by the build record's -X list and the\n"
        "string the linker made for that -X (confidence medium). A value found with no such tie\n"
        "is `unconfirmed`, which is UNDECIDED here unless --accept-unconfirmed accepts it.",
    .after =
        "Reports: text (default: one line per assertion with its confidence, and for each\n"
        "failure or undecided one what was expected, what was found and the likely cause);\n"
        "JSON: {ok, status, files: [{path, ok, status, error, checks: [{assertion, ok, status,\n"
        "confidence, expected, found, cause}]}]}, status ok, fail, undecided (or error for a\n"
        "file that could not be read); JUnit: a failure per violated assertion, an error (type\n"
        "\"undecided\") per undecided one; GitHub: ::error for a violation, ::warning for an\n"
        "undecided assertion.",
    .exits = {{0, "every assertion holds"},
              {1, "an assertion is violated"},
              {2, "usage error or an input that could not be read"},
              {3, "nothing is violated but some assertion could not be decided (2 wins over 1,\n"
                  "1 over 3)"},
              {-1, NULL}},
    .kind = LP_DOC_CHECK,
};

/* Each assertion option adds its kind to the policy, in command-line order. */
static bool add(void *value, intptr_t kind, const char *arg, char *why, size_t n)
{
    lp_err err;
    if (lp_policy_add(value, (lp_assert_kind)kind, arg, &err) == LP_OK)
        return true;
    snprintf(why, n, "%s", err.msg);
    return false;
}

static bool add_cgo(void *value, intptr_t kind, const char *arg, char *why, size_t n)
{
    if (strcmp(arg, "on") && strcmp(arg, "off")) {
        snprintf(why, n, "--cgo must be on or off, not '%s'", arg);
        return false;
    }
    return add(value, strcmp(arg, "on") == 0 ? LP_A_CGO_ON : LP_A_CGO_OFF, NULL, why, n);
}

static bool add_strict(void *value, intptr_t kind, const char *arg, char *why, size_t n)
{
    return add(value, LP_A_NO_VULNS, "module", why, n);
}

static bool load_policy(void *value, intptr_t kind, const char *arg, char *why, size_t n)
{
    lp_err err;
    if (lp_policy_load(value, arg, &err) == LP_OK)
        return true;
    snprintf(why, n, "%s", err.msg);
    return false;
}

static bool write_junit(const char *path, const lp_check_run *run)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return false;
    lp_report_opts o = {.format = LP_OUT_JUNIT, .fp = fp};
    lp_report *r = lp_report_open(&o);
    bool ok = r && lp_report_write(r, LP_DOC_CHECK, run) && lp_report_close(&r);
    lp_report_close(&r);
    return fclose(fp) == 0 && ok;
}

int cmd_check(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    lp_policy pol = {0};
    lp_cli_image img = {NULL, NULL};
    lp_root *root = NULL;
    const char *gha = getenv("GITHUB_ACTIONS");
    bool github = gha && strcmp(gha, "true") == 0;
    const char *junit = NULL, *dbdir = NULL;
    lp_vulndb *db = NULL;
#define A(name, argh, kind, help) {LP_OPT_CALLBACK, name, 0, &pol, argh, help, add, kind, 0}
    const lp_opt opts[] = {
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "assertions:", NULL, 0, 0},
        A("var", "NAME", LP_A_VAR,
          "NAME (the recorded -ldflags set it by -X, and it holds that value),\n"
          "NAME=VALUE (it holds VALUE, and no init code overwrites it), or\n"
          "NAME~REGEX (a value matching REGEX, POSIX extended); repeatable"),
        A("all-x", NULL, LP_A_ALL_X, "every -X in the recorded -ldflags took effect"),
        A("static", NULL, LP_A_STATIC, "static linkage (ELF; undecided for PE and Mach-O)"),
        A("dynamic", NULL, LP_A_DYNAMIC, "dynamic linkage"),
        A("pie", NULL, LP_A_PIE, "a position-independent executable (ELF)"),
        A("no-pie", NULL, LP_A_NO_PIE, "not a position-independent executable"),
        {LP_OPT_CALLBACK, "cgo", 0, &pol, "on|off", "cgo code linked (from the function table), not only the setting",
         add_cgo, 0, 0},
        A("stripped", NULL, LP_A_STRIPPED, "no symbol table"),
        A("not-stripped", NULL, LP_A_NOT_STRIPPED, "a symbol table"),
        A("go", "CONSTRAINT", LP_A_GO, "Go version, e.g. \">=1.21\", \"<1.22\", \"==1.21.3\""),
        A("vcs-clean", NULL, LP_A_VCS_CLEAN, "built from a clean work tree (vcs.modified=false recorded)"),
        A("build-id", NULL, LP_A_BUILD_ID, "a Go build ID is present"),
        {LP_OPT_CALLBACK, "no-vulns", 0, &pol, NULL,
         "no known vulnerability (--vulndb) whose affected code is linked;\n"
         "module-only findings pass (docs/vulns.md)", add, LP_A_NO_VULNS, 0},
        {LP_OPT_CALLBACK, "no-module-vulns", 0, &pol, NULL,
         "stricter: no known vulnerability of its module versions at all,\nlinked or not", add_strict, 0, 0},
        A("go-supported", NULL, LP_A_GO_SUPPORTED,
          "the Go release still receives security fixes (fewer than two\nnewer major releases; data/go-releases.tsv)"),
        {LP_OPT_CALLBACK, "policy", 0, &pol, "FILE",
         "the same assertions from a JSON file (docs/check.md):\n"
         "{\"var\": [\"main.version~^v[0-9]\"], \"all_x\": true, \"static\": true,\n"
         " \"pie\": false, \"cgo\": \"off\", \"stripped\": true, \"go\": \">=1.21\",\n"
         " \"vcs_clean\": true, \"build_id\": true, \"accept_unconfirmed\": false}",
         load_policy, 0, 0},
        {LP_OPT_BOOL, "accept-unconfirmed", 0, &pol.accept_unconfirmed, NULL,
         "an `unconfirmed` -X verdict passes (confidence low)", NULL, 0, 0},
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "input:", NULL, 0, 0},
        LP_OPT_IMAGE(&img),
        {LP_OPT_STRING, "vulndb", 0, &dbdir, "DIR",
         "the vulnerability database for --no-vulns (default:\n$LINKPROOF_VULNDB)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "as-of", 0, &pol.as_of, "DATE",
         "judge --go-supported on this day, YYYY-MM-DD (default: today, UTC)", lp_cli_parse_date, 0, 0},
        {LP_OPT_GROUP, NULL, 0, NULL, NULL, "reports:", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        {LP_OPT_STRING, "junit", 0, &junit, "FILE", "also JUnit XML, to FILE", NULL, 0, 0},
        {LP_OPT_BOOL, "github", 0, &github, NULL,
         "also GitHub Actions annotations, on stderr (default when\nGITHUB_ACTIONS=true)", NULL, 0, 0},
        LP_OPT_END_,
    };
#undef A
    int status = LP_EXIT_OK;
    lp_check_run run = {0};
    lp_err err;
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0) {
        status = lp_cli_parsed(n);
        goto out;
    }
    if (n == 0 || pol.n == 0) {
        lp_cli_error(n == 0 ? "check: no FILE given; see 'linkproof help check'"
                            : "check: no assertion given; see 'linkproof help check'");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (!lp_cli_open_image(&img, "check", &root)) {
        status = LP_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < pol.n && !db; i++) {
        if (pol.a[i].kind != LP_A_NO_VULNS)
            continue;
        if (lp_vulndb_open(dbdir, &db, &err) != LP_OK) {
            lp_cli_error("check: %s", err.msg);
            status = LP_EXIT_USAGE;
            goto out;
        }
        pol.vulndb = db;
    }
    if (lp_check_files_in(&pol, root, (const char *const *)(argv + 1), (size_t)n, &run, &err) != LP_OK) {
        lp_cli_error("%s", err.msg);
        status = LP_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < run.n; i++)
        if (run.files[i].error.code)
            lp_cli_error("%s", run.files[i].error.msg);
    status = lp_cli_exit_check(run.outcome);
    lp_report *r = lp_cli_report(&out, 0, NULL);
    if (!r || !lp_report_write(r, LP_DOC_CHECK, &run) || !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_report_close(&r);
    if (github) {
        /* stderr: GitHub reads workflow commands from both streams, and stdout stays one form */
        lp_report_opts go = {.format = LP_OUT_GITHUB, .fp = stderr};
        lp_report *g = lp_report_open(&go);
        if (g)
            lp_report_write(g, LP_DOC_CHECK, &run);
        lp_report_close(&g);
    }
    if (junit && !write_junit(junit, &run)) {
        lp_cli_error("cannot write JUnit report '%s'", junit);
        status = LP_EXIT_USAGE;
    }
out:
    lp_check_run_release(&run);
    lp_root_free(&root);
    lp_policy_release(&pol);
    lp_vulndb_free(&db);
    return status;
}
