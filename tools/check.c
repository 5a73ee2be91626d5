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
    fputs("usage: linkproof check [assertions] [--policy FILE] [--json] [--junit FILE] FILE...\n"
          "\n"
          "Asserts facts about each FILE, for CI. Assertions:\n"
          "  --var NAME          NAME was set by -X and is not empty (e.g. main.version)\n"
          "  --var NAME=VALUE    NAME holds VALUE in the binary, and no init code overwrites it\n"
          "  --var NAME~REGEX    NAME holds a value matching REGEX (POSIX extended)\n"
          "  --all-x             every -X in the recorded -ldflags took effect\n"
          "  --static, --dynamic linkage\n"
          "  --pie, --no-pie     position-independent executable or not\n"
          "  --cgo=on|off        cgo code linked (from the function table), not only the setting\n"
          "  --stripped, --not-stripped   symbol table absent / present\n"
          "  --go=CONSTRAINT     Go version, e.g. \">=1.21\", \"<1.22\", \"==1.21.3\"\n"
          "  --vcs-clean         built from a clean work tree (vcs.modified=false recorded)\n"
          "  --build-id          a Go build ID is present\n"
          "  --policy FILE       the same assertions from a JSON file (see docs/check.md):\n"
          "                      {\"var\": [\"main.version~^v[0-9]\"], \"all_x\": true, \"static\": true,\n"
          "                       \"pie\": false, \"cgo\": \"off\", \"stripped\": true, \"go\": \">=1.21\",\n"
          "                       \"vcs_clean\": true, \"build_id\": true}\n"
          "\n"
          "Reports:\n"
          "  (default)           readable text: one line per assertion, and for each failure what\n"
          "                      was expected, what was found and the likely cause\n"
          "  --json              one JSON object: {\"ok\", \"files\": [{\"path\", \"ok\", \"error\",\n"
          "                      \"checks\": [{\"assertion\", \"ok\", \"expected\", \"found\", \"cause\"}]}]}\n"
          "  --junit FILE        JUnit XML for CI systems (one test case per file and assertion)\n"
          "  --github            GitHub Actions ::error annotations on stderr (default when\n"
          "                      GITHUB_ACTIONS=true)\n"
          "  --color=WHEN        auto (default), always, never\n"
          "\n"
          "exit status: 0 every assertion holds; 1 an assertion failed; 2 usage error or an\n"
          "input that could not be read\n",
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
    size_t total = 0, good = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', fp);
        lp_put_safe(fp, fr[i].f->path);
        fputs(":\n", fp);
        if (fr[i].read_rc) {
            fputs("  ERROR  ", fp);
            lp_put_safe(fp, fr[i].f->error.msg);
            fputc('\n', fp);
            continue;
        }
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            total++;
            good += r->ok;
            const char *tag = r->ok ? "ok  " : "FAIL";
            if (o->color)
                fprintf(fp, "  %s%s\033[0m  ", r->ok ? "\033[32m" : "\033[31m", tag);
            else
                fprintf(fp, "  %s  ", tag);
            lp_put_safe(fp, r->a->text);
            fputs(": ", fp);
            lp_put_safe(fp, r->found);
            fputc('\n', fp);
            if (!r->ok) {
                fputs("        expected: ", fp);
                lp_put_safe(fp, r->expected);
                fputc('\n', fp);
                if (r->cause) {
                    fputs("        likely cause: ", fp);
                    lp_put_safe(fp, r->cause);
                    fputc('\n', fp);
                }
            }
        }
    }
    fprintf(fp, "%zu of %zu assertions hold\n", good, total);
}

static json_t *json_report(const file_result *fr, size_t n, bool ok)
{
    json_t *o = json_object(), *files = json_array();
    json_object_set_new(o, "ok", json_boolean(ok));
    for (size_t i = 0; i < n; i++) {
        json_t *jf = json_object(), *checks = json_array();
        json_object_set_new(jf, "path", lp_json_str(fr[i].f->path));
        json_object_set_new(jf, "ok", json_boolean(!fr[i].read_rc && fr[i].rep.ok));
        json_object_set_new(jf, "error", fr[i].read_rc ? lp_json_str(fr[i].f->error.msg) : json_null());
        for (size_t k = 0; k < fr[i].rep.n; k++) {
            const lp_check_result *r = &fr[i].rep.r[k];
            json_t *c = json_object();
            json_object_set_new(c, "assertion", lp_json_str(r->a->text));
            json_object_set_new(c, "ok", json_boolean(r->ok));
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
        errors += fr[i].read_rc != 0;
        tests += fr[i].read_rc ? 1 : fr[i].rep.n;
        for (size_t k = 0; k < fr[i].rep.n; k++)
            fails += !fr[i].rep.r[k].ok;
    }
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<testsuites name=\"linkproof check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            tests, fails, errors);
    for (size_t i = 0; i < n; i++) {
        size_t ff = 0;
        for (size_t k = 0; k < fr[i].rep.n; k++)
            ff += !fr[i].rep.r[k].ok;
        fputs("  <testsuite name=\"", fp);
        xml_esc(fp, fr[i].f->path);
        fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n",
                fr[i].read_rc ? 1 : fr[i].rep.n, ff, fr[i].read_rc != 0);
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
            if (r->ok) {
                fputs("/>\n", fp);
                continue;
            }
            fputs("><failure message=\"expected ", fp);
            xml_esc(fp, r->expected);
            fputs("; found ", fp);
            xml_esc(fp, r->found);
            fputs("\">", fp);
            xml_esc(fp, r->cause ? r->cause : "");
            fputs("</failure></testcase>\n", fp);
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
            fputs("::error file=", out);
            gh_esc(out, fr[i].f->path, true);
            fputs(",title=", out);
            gh_esc(out, "linkproof check ", true);
            gh_esc(out, r->a->text, true);
            fputs("::expected ", out);
            gh_esc(out, r->expected, false);
            fputs(", found ", out);
            gh_esc(out, r->found, false);
            if (r->cause) {
                fputs(". Likely cause: ", out);
                gh_esc(out, r->cause, false);
            }
            fputc('\n', out);
        }
    }
}

int cmd_check(int argc, char **argv)
{
    enum { O_VAR = 256, O_ALLX, O_STATIC, O_DYNAMIC, O_PIE, O_NOPIE, O_CGO, O_STRIPPED,
           O_NOTSTRIPPED, O_GO, O_VCS, O_BUILDID, O_POLICY, O_JSON, O_JUNIT, O_GITHUB, O_COLOR };
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
    bool all_ok = true;
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
    }
    if (json) {
        json_t *j = json_report(fr, n, all_ok);
        lp_json_write_line(stdout, j);
        json_decref(j);
    } else {
        lp_out o = {stdout, lp_color_enabled(stdout, cm)};
        text_report(&o, fr, n);
    }
    if (github)
        github_report(fr, n);
    if (junit && !junit_report(junit, fr, n)) {
        lp_cli_error("cannot write JUnit report '%s'", junit);
        status = LP_EXIT_USAGE;
    }
    if (status == LP_EXIT_OK && !all_ok)
        status = LP_EXIT_FINDING;
    for (size_t i = 0; i < n; i++) {
        lp_check_report_release(&fr[i].rep);
        lp_facts_free(&fr[i].f);
    }
    free(fr);
    lp_xtargets_free(&targets, n_targets);
    lp_policy_release(&pol);
    return status;
}
