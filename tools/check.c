/*
 * check.c - `linkproof check [assertions] FILE...`: the facts as CI
 * assertions. Exit 0 when every assertion holds for every file, 1 when one
 * fails, 2 on usage errors or unreadable input. Reports: text, --json,
 * --junit FILE, and GitHub Actions annotations.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/check.h"
#include "report/report.h"

void usage_check(FILE *fp)
{
    fputs("usage: linkproof check [assertions] [--policy FILE] [--accept-unconfirmed] [--json]\n"
          "                       [--junit FILE] [--github] FILE...\n"
          "\n"
          "Asserts facts about each FILE, for CI. Every result is ok, FAIL (the binary violates\n"
          "the assertion) or UNDECIDED (the binary cannot decide it), with the confidence of its\n"
          "evidence (high, medium, low). Assertions:\n"
          "  --var NAME          the recorded -ldflags set NAME by -X, and NAME holds that value\n"
          "  --var NAME=VALUE    NAME holds VALUE in the binary, and no init code overwrites it\n"
          "  --var NAME~REGEX    NAME holds a value matching REGEX (POSIX extended)\n"
          "  --all-x             every -X in the recorded -ldflags took effect\n"
          "  --static, --dynamic linkage (ELF; undecided for PE and Mach-O)\n"
          "  --pie, --no-pie     position-independent executable or not (ELF)\n"
          "  --cgo=on|off        cgo code linked (from the function table), not only the setting\n"
          "  --stripped, --not-stripped   symbol table absent / present\n"
          "  --go=CONSTRAINT     Go version, e.g. \">=1.21\", \"<1.22\", \"==1.21.3\"\n"
          "  --vcs-clean         built from a clean work tree (vcs.modified=false recorded)\n"
          "  --build-id          a Go build ID is present\n"
          "  --policy FILE       the same assertions from a JSON file (see docs/check.md):\n"
          "                      {\"var\": [\"main.version~^v[0-9]\"], \"all_x\": true, \"static\": true,\n"
          "                       \"pie\": false, \"cgo\": \"off\", \"stripped\": true, \"go\": \">=1.21\",\n"
          "                       \"vcs_clean\": true, \"build_id\": true, \"accept_unconfirmed\": false}\n"
          "\n"
          "-X evidence (docs/check.md): a variable is `injected` only when its name is tied to the\n"
          "value: by its symbol, or, in a stripped binary, by the build record's -X list and the\n"
          "string the linker made for that -X (confidence medium). A value found with no such tie\n"
          "is `unconfirmed`, which is UNDECIDED here unless\n"
          "  --accept-unconfirmed accepts it as ok (confidence low)\n"
          "\n"
          "Reports:\n"
          "  (default)           readable text: one line per assertion with its confidence, and for\n"
          "                      each failure or undecided one what was expected, what was found\n"
          "                      and the likely cause\n"
          "  --json              one JSON object: {\"ok\", \"status\", \"files\": [{\"path\", \"ok\", \"status\",\n"
          "                      \"error\", \"checks\": [{\"assertion\", \"ok\", \"status\", \"confidence\",\n"
          "                      \"expected\", \"found\", \"cause\"}]}]}; status is ok, fail, undecided\n"
          "                      (or error for a file that could not be read)\n"
          "  --junit FILE        JUnit XML: a failure per violated assertion, an error (type\n"
          "                      \"undecided\") per undecided one\n"
          "  --github            GitHub Actions annotations on stderr: ::error for a violation,\n"
          "                      ::warning for an undecided assertion (default when\n"
          "                      GITHUB_ACTIONS=true)\n"
          "  --color=WHEN        auto (default), always, never; never with NO_COLOR set\n"
          "\n"
          "exit status: 0 every assertion holds; 1 an assertion is violated; 2 usage error or an\n"
          "input that could not be read; 3 nothing is violated but some assertion could not be\n"
          "decided (2 wins over 1, 1 over 3)\n",
          fp);
}

/* XML text and attribute values: in attributes, TAB/LF/CR must be character references to survive */
static void xml_esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default:
            if (c < 0x20)
                fprintf(fp, "&#x%02x;", c);
            else
                fputc(c, fp);
        }
    }
}

/* GitHub workflow commands: %, CR, LF escaped in the message; also : and , in properties. */
static void gh_esc(FILE *fp, const char *s, bool prop)
{
    while (s && *s) {
        /* the runs between GitHub's own escapes: other control bytes (ESC, BEL, C1) from the
         * binary escaped as on every stream */
        size_t run = strcspn(s, prop ? "%\r\n:," : "%\r\n");
        lp_put_safe_n(fp, s, run);
        s += run;
        switch (*s) {
        case '%': fputs("%25", fp); break;
        case '\r': fputs("%0D", fp); break;
        case '\n': fputs("%0A", fp); break;
        case ':': fputs("%3A", fp); break;
        case ',': fputs("%2C", fp); break;
        default: return;
        }
        s++;
    }
}

typedef struct file_result {
    lp_facts *f;
    lp_check_report rep;
    int read_rc;
} file_result;

static void text_report(lp_out *o, const file_result *fr, size_t n)
{
    FILE *fp = o->fp;
    size_t total = 0, good = 0, fail = 0, undecided = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', fp);
        lp_put_safe(fp, fr[i].f->path);
        fputs(":\n", fp);
        if (fr[i].read_rc) {
            fputs("  ERROR      ", fp);
            lp_put_safe(fp, fr[i].f->error.msg);
            fputc('\n', fp);
            continue;
        }
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            total++;
            good += r->status == LP_CHECK_OK;
            fail += r->status == LP_CHECK_FAIL;
            undecided += r->status == LP_CHECK_UNDECIDED;
            const char *tag = r->status == LP_CHECK_OK     ? "ok"
                              : r->status == LP_CHECK_FAIL ? "FAIL"
                                                           : "UNDECIDED";
            const char *col = r->status == LP_CHECK_OK     ? "\033[32m"
                              : r->status == LP_CHECK_FAIL ? "\033[31m"
                                                           : "\033[33m";
            if (o->color)
                fprintf(fp, "  %s%-9s\033[0m  ", col, tag);
            else
                fprintf(fp, "  %-9s  ", tag);
            lp_put_safe(fp, r->a->text);
            fputs(": ", fp);
            lp_put_safe(fp, r->found);
            fprintf(fp, " (confidence: %s)\n", r->confidence ? r->confidence : "low");
            if (r->status != LP_CHECK_OK) {
                fputs("             expected: ", fp);
                lp_put_safe(fp, r->expected);
                fputc('\n', fp);
                if (r->cause) {
                    fputs(r->status == LP_CHECK_FAIL ? "             likely cause: "
                                                     : "             why undecided: ",
                          fp);
                    lp_put_safe(fp, r->cause);
                    fputc('\n', fp);
                }
            }
        }
    }
    fprintf(fp, "%zu of %zu assertions hold", good, total);
    if (fail || undecided)
        fprintf(fp, "; %zu violated, %zu could not be decided", fail, undecided);
    fputc('\n', fp);
}

/* A file's outcome: error (unreadable), fail, undecided, or ok. */
static const char *file_status(const file_result *fr)
{
    return fr->read_rc           ? "error"
           : fr->rep.n_fail      ? "fail"
           : fr->rep.n_undecided ? "undecided"
                                 : "ok";
}

static json_t *json_report(const file_result *fr, size_t n, bool ok, const char *status)
{
    json_t *o = json_object(), *files = json_array();
    json_object_set_new(o, "ok", json_boolean(ok));
    json_object_set_new(o, "status", json_string(status));
    for (size_t i = 0; i < n; i++) {
        json_t *jf = json_object(), *checks = json_array();
        json_object_set_new(jf, "path", lp_json_str(fr[i].f->path));
        json_object_set_new(jf, "ok", json_boolean(!fr[i].read_rc && fr[i].rep.ok));
        json_object_set_new(jf, "status", json_string(file_status(&fr[i])));
        json_object_set_new(jf, "error", fr[i].read_rc ? lp_json_str(fr[i].f->error.msg) : json_null());
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            json_t *c = json_object();
            json_object_set_new(c, "assertion", lp_json_str(r->a->text));
            json_object_set_new(c, "ok", json_boolean(r->ok));
            json_object_set_new(c, "status", json_string(lp_check_status_name(r->status)));
            json_object_set_new(c, "confidence", json_string(r->confidence ? r->confidence : "low"));
            json_object_set_new(c, "expected", lp_json_str(r->expected));
            json_object_set_new(c, "found", lp_json_str(r->found));
            json_object_set_new(c, "cause", r->cause ? lp_json_str(r->cause) : json_null());
            json_array_append_new(checks, c);
        }
        json_object_set_new(jf, "checks", checks);
        json_array_append_new(files, jf);
    }
    json_object_set_new(o, "files", files);
    return o;
}

static bool junit_report(const char *path, const file_result *fr, size_t n)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return false;
    size_t tests = 0, fails = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        errors += (fr[i].read_rc != 0) + fr[i].rep.n_undecided;
        tests += fr[i].read_rc ? 1 : fr[i].rep.n;
        fails += fr[i].rep.n_fail;
    }
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<testsuites name=\"linkproof check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            tests, fails, errors);
    for (size_t i = 0; i < n; i++) {
        fputs("  <testsuite name=\"", fp);
        xml_esc(fp, fr[i].f->path);
        fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
                fr[i].read_rc ? 1 : fr[i].rep.n, fr[i].rep.n_fail,
                (size_t)(fr[i].read_rc != 0) + fr[i].rep.n_undecided);
        if (fr[i].read_rc) {
            fputs("    <testcase classname=\"linkproof.check\" name=\"read\"><error message=\"", fp);
            xml_esc(fp, fr[i].f->error.msg);
            fputs("\"/></testcase>\n", fp);
        }
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            fputs("    <testcase classname=\"linkproof.check\" name=\"", fp);
            xml_esc(fp, r->a->text);
            fputs("\"", fp);
            if (r->status == LP_CHECK_OK) {
                fputs("><system-out>confidence: ", fp);
                xml_esc(fp, r->confidence ? r->confidence : "low");
                fputs("</system-out></testcase>\n", fp);
                continue;
            }
            /* undecided is an error (the test could not reach a verdict), not a failure */
            bool fail = r->status == LP_CHECK_FAIL;
            fputs(fail ? "><failure type=\"violated\" message=\"expected "
                       : "><error type=\"undecided\" message=\"expected ",
                  fp);
            xml_esc(fp, r->expected);
            fputs("; found ", fp);
            xml_esc(fp, r->found);
            fputs(" (confidence: ", fp);
            xml_esc(fp, r->confidence ? r->confidence : "low");
            fputs(")\">", fp);
            xml_esc(fp, r->cause ? r->cause : "");
            fputs(fail ? "</failure></testcase>\n" : "</error></testcase>\n", fp);
        }
        fputs("  </testsuite>\n", fp);
    }
    fputs("</testsuites>\n", fp);
    return fclose(fp) == 0;
}

/* To stderr: GitHub reads workflow commands from both streams, and stdout stays clean for --json. */
static void github_report(const file_result *fr, size_t n)
{
    FILE *out = stderr;
    for (size_t i = 0; i < n; i++) {
        if (fr[i].read_rc) {
            fputs("::error file=", out);
            gh_esc(out, fr[i].f->path, true);
            fputs(",title=linkproof check::", out);
            gh_esc(out, fr[i].f->error.msg, false);
            fputc('\n', out);
        }
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            if (r->ok)
                continue;
            /* a violation fails the step; "cannot tell" is a warning the log keeps */
            fputs(r->status == LP_CHECK_FAIL ? "::error file=" : "::warning file=", out);
            gh_esc(out, fr[i].f->path, true);
            fputs(",title=", out);
            gh_esc(out, "linkproof check ", true);
            gh_esc(out, r->a->text, true);
            fputs("::expected ", out);
            gh_esc(out, r->expected, false);
            fputs(", found ", out);
            gh_esc(out, r->found, false);
            fputs(" (confidence: ", out);
            gh_esc(out, r->confidence ? r->confidence : "low", false);
            fputc(')', out);
            if (r->cause) {
                fputs(r->status == LP_CHECK_FAIL ? ". Likely cause: " : ". Undecided: ", out);
                gh_esc(out, r->cause, false);
            }
            fputc('\n', out);
        }
    }
}

int cmd_check(int argc, char **argv)
{
    enum { O_VAR = 256, O_ALLX, O_STATIC, O_DYNAMIC, O_PIE, O_NOPIE, O_CGO, O_STRIPPED,
           O_NOTSTRIPPED, O_GO, O_VCS, O_BUILDID, O_POLICY, O_JSON, O_JUNIT, O_GITHUB, O_COLOR,
           O_ACCEPT };
    static const struct option opts[] = {
        {"var", required_argument, NULL, O_VAR},
        {"all-x", no_argument, NULL, O_ALLX},
        {"static", no_argument, NULL, O_STATIC},
        {"dynamic", no_argument, NULL, O_DYNAMIC},
        {"pie", no_argument, NULL, O_PIE},
        {"no-pie", no_argument, NULL, O_NOPIE},
        {"cgo", required_argument, NULL, O_CGO},
        {"stripped", no_argument, NULL, O_STRIPPED},
        {"not-stripped", no_argument, NULL, O_NOTSTRIPPED},
        {"go", required_argument, NULL, O_GO},
        {"vcs-clean", no_argument, NULL, O_VCS},
        {"build-id", no_argument, NULL, O_BUILDID},
        {"policy", required_argument, NULL, O_POLICY},
        {"json", no_argument, NULL, O_JSON},
        {"junit", required_argument, NULL, O_JUNIT},
        {"github", no_argument, NULL, O_GITHUB},
        {"color", required_argument, NULL, O_COLOR},
        {"colour", required_argument, NULL, O_COLOR},
        {"accept-unconfirmed", no_argument, NULL, O_ACCEPT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lp_policy pol = {0};
    bool json = false;
    const char *gha = getenv("GITHUB_ACTIONS");
    bool github = gha && strcmp(gha, "true") == 0;
    const char *junit = NULL;
    lp_color_mode cm = LP_COLOR_AUTO;
    lp_err err;
    lp_err_clear(&err);
    lp_code rc = LP_OK;
    int ch;
    optind = 1;
    while (rc == LP_OK && (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_VAR: rc = lp_policy_add(&pol, LP_A_VAR, optarg, &err); break;
        case O_ALLX: rc = lp_policy_add(&pol, LP_A_ALL_X, NULL, &err); break;
        case O_STATIC: rc = lp_policy_add(&pol, LP_A_STATIC, NULL, &err); break;
        case O_DYNAMIC: rc = lp_policy_add(&pol, LP_A_DYNAMIC, NULL, &err); break;
        case O_PIE: rc = lp_policy_add(&pol, LP_A_PIE, NULL, &err); break;
        case O_NOPIE: rc = lp_policy_add(&pol, LP_A_NO_PIE, NULL, &err); break;
        case O_CGO:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                rc = lp_err_set(&err, LP_ERR_INVAL, "--cgo must be on or off, not '%s'", optarg);
            else
                rc = lp_policy_add(&pol, strcmp(optarg, "on") == 0 ? LP_A_CGO_ON : LP_A_CGO_OFF, NULL, &err);
            break;
        case O_STRIPPED: rc = lp_policy_add(&pol, LP_A_STRIPPED, NULL, &err); break;
        case O_NOTSTRIPPED: rc = lp_policy_add(&pol, LP_A_NOT_STRIPPED, NULL, &err); break;
        case O_GO: rc = lp_policy_add(&pol, LP_A_GO, optarg, &err); break;
        case O_VCS: rc = lp_policy_add(&pol, LP_A_VCS_CLEAN, NULL, &err); break;
        case O_BUILDID: rc = lp_policy_add(&pol, LP_A_BUILD_ID, NULL, &err); break;
        case O_POLICY: rc = lp_policy_load(&pol, optarg, &err); break;
        case O_JSON: json = true; break;
        case O_ACCEPT: pol.accept_unconfirmed = true; break;
        case O_JUNIT: junit = optarg; break;
        case O_GITHUB: github = true; break;
        case O_COLOR:
            if (!lp_cli_color("check", optarg, &cm)) {
                lp_policy_release(&pol);
                return LP_EXIT_USAGE;
            }
            break;
        case 'h':
            usage_check(stdout);
            lp_policy_release(&pol);
            return LP_EXIT_OK;
        default:
            lp_cli_bad_option("check", argv);
            lp_policy_release(&pol);
            return LP_EXIT_USAGE;
        }
    }
    if (rc) {
        lp_cli_error("check: %s", err.msg);
        lp_policy_release(&pol);
        return LP_EXIT_USAGE;
    }
    if (optind >= argc || pol.n == 0) {
        lp_cli_error(optind >= argc ? "check: no FILE given; see 'linkproof help check'"
                                    : "check: no assertion given; see 'linkproof help check'");
        lp_policy_release(&pol);
        return LP_EXIT_USAGE;
    }
    lp_xtarget *targets = NULL;
    size_t n_targets = 0;
    size_t n = (size_t)(argc - optind);
    file_result *fr = calloc(n, sizeof *fr);
    if (!fr || lp_policy_xtargets(&pol, &targets, &n_targets, &err)) {
        lp_cli_error("out of memory");
        free(fr);
        lp_policy_release(&pol);
        return LP_EXIT_USAGE;
    }
    lp_facts_opts fo = {targets, n_targets};
    int status = LP_EXIT_OK;
    bool all_ok = true, any_fail = false, any_undecided = false;
    for (size_t i = 0; i < n; i++) {
        fr[i].read_rc = (int)lp_facts_collect_opts(argv[optind + (int)i], &fo, &fr[i].f, &err);
        if (!fr[i].f) {
            lp_cli_error("out of memory");
            status = LP_EXIT_USAGE;
            n = i;
            break;
        }
        if (fr[i].read_rc) {
            lp_cli_error("%s", fr[i].f->error.msg);
            status = LP_EXIT_USAGE;
            all_ok = false;
            continue;
        }
        if (lp_check_eval(&pol, fr[i].f, &fr[i].rep, &err)) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
            all_ok = false;
            continue;
        }
        all_ok = all_ok && fr[i].rep.ok;
        any_fail = any_fail || fr[i].rep.n_fail;
        any_undecided = any_undecided || fr[i].rep.n_undecided;
    }
    /* 2 beats 1 beats 3: a violation found in one file is not hidden by another's undecided */
    const char *overall = status != LP_EXIT_OK ? "error"
                          : any_fail           ? "fail"
                          : any_undecided      ? "undecided"
                                               : "ok";
    if (json) {
        json_t *j = json_report(fr, n, all_ok, overall);
        lp_json_write_line(stdout, j);
        json_decref(j);
    } else {
        lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
        text_report(&o, fr, n);
    }
    if (github)
        github_report(fr, n);
    if (junit && !junit_report(junit, fr, n)) {
        lp_cli_error("cannot write JUnit report '%s'", junit);
        status = LP_EXIT_USAGE;
    }
    if (status == LP_EXIT_OK && any_fail)
        status = LP_EXIT_FINDING;
    else if (status == LP_EXIT_OK && any_undecided)
        status = LP_EXIT_UNDECIDED;
    for (size_t i = 0; i < n; i++) {
        lp_check_report_release(&fr[i].rep);
        lp_facts_free(&fr[i].f);
    }
    free(fr);
    lp_xtargets_free(&targets, n_targets);
    lp_policy_release(&pol);
    return status;
}
