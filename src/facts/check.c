/*
 * check.c - policies (assertions from options or a JSON file, parsed with
 * jansson) and their evaluation against one file's facts.
 *
 * Owns: the wording of expectations, findings and likely causes. Every
 * failure names what was expected, what was found and why it probably
 * happened, in one line each; the CLI only formats them.
 */
#include "linkproof/check.h"
#include "linkproof/gosupport.h"
#include "linkproof/vulns.h"
#include "linkproof/limits.h"
#include "linkproof/source.h"
#include "util/jsonlimit.h"
#include "util/regexlimit.h"

#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static const struct {
    lp_assert_kind k;
    const char *opt;
} opt_names[] = {
    {LP_A_VAR, "--var"},           {LP_A_ALL_X, "--all-x"},       {LP_A_STATIC, "--static"},
    {LP_A_DYNAMIC, "--dynamic"},   {LP_A_PIE, "--pie"},           {LP_A_NO_PIE, "--no-pie"},
    {LP_A_CGO_ON, "--cgo=on"},     {LP_A_CGO_OFF, "--cgo=off"},   {LP_A_STRIPPED, "--stripped"},
    {LP_A_NOT_STRIPPED, "--not-stripped"}, {LP_A_GO, "--go"},     {LP_A_VCS_CLEAN, "--vcs-clean"},
    {LP_A_BUILD_ID, "--build-id"}, {LP_A_NO_VULNS, "--no-vulns"}, {LP_A_GO_SUPPORTED, "--go-supported"},
};

static const char *opt_name(lp_assert_kind k)
{
    for (size_t i = 0; i < sizeof opt_names / sizeof opt_names[0]; i++)
        if (opt_names[i].k == k)
            return opt_names[i].opt;
    return "?";
}

lp_code lp_policy_add(lp_policy *p, lp_assert_kind kind, const char *arg, lp_err *err)
{
    lp_assert a = {.kind = kind};
    char text[1024];
    if (kind == LP_A_VAR || kind == LP_A_GO)
        snprintf(text, sizeof text, "%s %s", opt_name(kind), arg ? arg : "");
    else
        snprintf(text, sizeof text, "%s", opt_name(kind));
    if (kind == LP_A_VAR) {
        if (!arg || !*arg)
            return lp_err_set(err, LP_ERR_INVAL, "--var needs NAME, NAME=VALUE or NAME~REGEX");
        size_t nl = strcspn(arg, "=~");
        if (nl == 0 || !memchr(arg, '.', nl))
            return lp_err_set(err, LP_ERR_INVAL,
                              "'%s' is not a variable: expected importpath.name (e.g. main.version)",
                              arg);
        a.name = strndup(arg, nl);
        if (arg[nl] == '=')
            a.value = strdup(arg + nl + 1);
        if (arg[nl] == '~') {
            regex_t re;
            lp_code brc = lp_regex_check(arg + nl + 1, arg, err); /* before regcomp's memory */
            if (brc) {
                free(a.name);
                return brc;
            }
            int rc = regcomp(&re, arg + nl + 1, REG_EXTENDED | REG_NOSUB);
            if (rc) {
                char why[128];
                regerror(rc, &re, why, sizeof why);
                free(a.name);
                return lp_err_set(err, LP_ERR_INVAL, "--var %s: bad regular expression: %s", arg, why);
            }
            regfree(&re);
            a.regex = strdup(arg + nl + 1);
        }
    } else if (kind == LP_A_NO_VULNS) {
        const char *lvl = arg && *arg ? arg : "linked";
        if (strcmp(lvl, "linked") != 0 && strcmp(lvl, "module") != 0)
            return lp_err_set(err, LP_ERR_INVAL, "--no-vulns='%s': expected linked (the default) or module",
                              lvl);
        a.value = strdup(lvl);
        if (strcmp(lvl, "module") == 0)
            snprintf(text, sizeof text, "--no-module-vulns");
    } else if (kind == LP_A_GO) {
        if (!arg || lp_go_version_satisfies("go1.0", arg) < 0)
            return lp_err_set(err, LP_ERR_INVAL,
                              "--go '%s': expected a constraint like >=1.21, <1.22 or ==1.21.3",
                              arg ? arg : "");
        a.value = strdup(arg);
    }
    a.text = strdup(text);
    lp_assert *na = a.text ? realloc(p->a, (p->n + 1) * sizeof *na) : NULL;
    if (!na) {
        free(a.text);
        free(a.name);
        free(a.value);
        free(a.regex);
        return nomem(err);
    }
    p->a = na;
    p->a[p->n++] = a;
    return LP_OK;
}

void lp_policy_release(lp_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->a[i].text);
        free(p->a[i].name);
        free(p->a[i].value);
        free(p->a[i].regex);
    }
    free(p->a);
    memset(p, 0, sizeof *p);
}

static lp_code bad_policy(lp_err *err, const char *path, const char *key, const char *why)
{
    return lp_err_set(err, LP_ERR_INVAL, "'%s': policy key \"%s\": %s", path, key, why);
}

lp_code lp_policy_load(lp_policy *p, const char *path, lp_err *err)
{
    json_error_t je;
    /* non-blocking, a regular file, at most the json limit: a FIFO or /dev/zero cannot hang or fill memory */
    char *text = NULL;
    size_t len = 0;
    lp_code lrc = lp_file_read_all(path, "policy file", lp_limit(LP_LIMIT_JSON), LP_LIMIT_JSON, &text,
                                   &len, err);
    if (!lrc)
        lrc = lp_json_check(text, len, path, "policy file", err);
    if (lrc) {
        free(text);
        return lrc;
    }
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root)
        return lp_err_set_at(err, LP_ERR_FORMAT, (uint64_t)je.position,
                             "'%s': not a valid JSON policy: %s at line %d, column %d (offset %d)",
                             path, je.text, je.line, je.column, je.position);
    lp_code rc = LP_OK;
    if (!json_is_object(root)) {
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': a policy is a JSON object", path);
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "var") == 0) {
            if (!json_is_array(v)) {
                rc = bad_policy(err, path, key, "expected a list of strings");
                goto out;
            }
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                if (!json_is_string(e)) {
                    rc = bad_policy(err, path, key, "expected a list of strings");
                    goto out;
                }
                if ((rc = lp_policy_add(p, LP_A_VAR, json_string_value(e), err)))
                    goto out;
            }
            continue;
        }
        struct {
            const char *key;
            lp_assert_kind yes, no;
        } bools[] = {
            {"all_x", LP_A_ALL_X, 0},         {"static", LP_A_STATIC, LP_A_DYNAMIC},
            {"pie", LP_A_PIE, LP_A_NO_PIE},   {"stripped", LP_A_STRIPPED, LP_A_NOT_STRIPPED},
            {"vcs_clean", LP_A_VCS_CLEAN, 0}, {"build_id", LP_A_BUILD_ID, 0},
        };
        if (strcmp(key, "accept_unconfirmed") == 0) {
            if (!json_is_boolean(v)) {
                rc = bad_policy(err, path, key, "expected true or false");
                goto out;
            }
            if (json_is_true(v)) /* a policy cannot take back --accept-unconfirmed */
                p->accept_unconfirmed = true;
            continue;
        }
        bool done = false;
        for (size_t i = 0; i < sizeof bools / sizeof bools[0] && !done; i++) {
            if (strcmp(key, bools[i].key) != 0)
                continue;
            done = true;
            if (!json_is_boolean(v)) {
                rc = bad_policy(err, path, key, "expected true or false");
                goto out;
            }
            lp_assert_kind k = json_is_true(v) ? bools[i].yes : bools[i].no;
            if (k && (rc = lp_policy_add(p, k, NULL, err)))
                goto out;
        }
        if (done)
            continue;
        if (strcmp(key, "cgo") == 0) {
            const char *s = json_string_value(v);
            if (!s || (strcmp(s, "on") != 0 && strcmp(s, "off") != 0)) {
                rc = bad_policy(err, path, key, "expected \"on\" or \"off\"");
                goto out;
            }
            if ((rc = lp_policy_add(p, strcmp(s, "on") == 0 ? LP_A_CGO_ON : LP_A_CGO_OFF, NULL, err)))
                goto out;
        } else if (strcmp(key, "no_vulns") == 0) {
            const char *s = json_string_value(v);
            if (!s || (strcmp(s, "linked") != 0 && strcmp(s, "module") != 0)) {
                rc = bad_policy(err, path, key, "expected \"linked\" or \"module\"");
                goto out;
            }
            if ((rc = lp_policy_add(p, LP_A_NO_VULNS, s, err)))
                goto out;
        } else if (strcmp(key, "go_supported") == 0) {
            if (!json_is_boolean(v)) {
                rc = bad_policy(err, path, key, "expected true or false");
                goto out;
            }
            if (json_is_true(v) && (rc = lp_policy_add(p, LP_A_GO_SUPPORTED, NULL, err)))
                goto out;
        } else if (strcmp(key, "go") == 0) {
            if (!json_is_string(v)) {
                rc = bad_policy(err, path, key, "expected a version constraint such as \">=1.21\"");
                goto out;
            }
            if ((rc = lp_policy_add(p, LP_A_GO, json_string_value(v), err)))
                goto out;
        } else {
            rc = bad_policy(err, path, key,
                            "unknown (known: var, all_x, static, pie, cgo, stripped, go, vcs_clean, build_id, "
                            "accept_unconfirmed, no_vulns, go_supported)");
            goto out;
        }
    }
out:
    json_decref(root);
    return rc;
}

lp_code lp_policy_xtargets(const lp_policy *p, lp_xtarget **out, size_t *n, lp_err *err)
{
    *out = NULL;
    *n = 0;
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        k += p->a[i].kind == LP_A_VAR;
    if (!k)
        return LP_OK;
    lp_xtarget *t = calloc(k, sizeof *t);
    if (!t)
        return nomem(err);
    for (size_t i = 0; i < p->n; i++) {
        if (p->a[i].kind != LP_A_VAR)
            continue;
        lp_xtarget *x = &t[(*n)++];
        x->name = strdup(p->a[i].name);
        x->value = p->a[i].value ? strdup(p->a[i].value) : NULL;
        x->source = LP_XSRC_USER;
        if (!x->name || (p->a[i].value && !x->value)) {
            lp_xtargets_free(&t, *n);
            *n = 0;
            return nomem(err);
        }
    }
    *out = t;
    return LP_OK;
}

/* ---- Go versions ---- */

/* "go1.21.3" / "1.21" / "go1.22rc1" -> major, minor, patch (-1 for pre-releases). */
static bool parse_version(const char *s, int v[3])
{
    if (strncmp(s, "go", 2) == 0)
        s += 2;
    v[0] = v[1] = v[2] = 0;
    char *end;
    long x = strtol(s, &end, 10);
    if (end == s || x < 0 || x > 1000)
        return false;
    v[0] = (int)x;
    if (*end != '.')
        return *end == '\0';
    s = end + 1;
    x = strtol(s, &end, 10);
    if (end == s || x < 0 || x > 100000)
        return false;
    v[1] = (int)x;
    if (*end == '.') {
        s = end + 1;
        x = strtol(s, &end, 10);
        if (end == s || x < 0 || x > 100000)
            return false;
        v[2] = (int)x;
    } else if (strncmp(end, "rc", 2) == 0 || strncmp(end, "beta", 4) == 0) {
        v[2] = -1;
        end += end[0] == 'r' ? 2 : 4;
        while (*end >= '0' && *end <= '9')
            end++;
    }
    /* build suffixes such as " X:boringcrypto" or "-bin" do not change the order */
    return *end == '\0' || *end == ' ' || *end == '-' || *end == '+';
}

int lp_go_version_satisfies(const char *v, const char *c)
{
    static const char *const ops[] = {">=", "<=", "==", "!=", ">", "<", "="};
    while (*c == ' ')
        c++;
    const char *op = ">=";
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(c, ops[i], strlen(ops[i])) == 0) {
            op = ops[i];
            c += strlen(ops[i]);
            break;
        }
    while (*c == ' ')
        c++;
    int a[3], b[3];
    if (!parse_version(v, a) || !parse_version(c, b))
        return -1;
    /* "==1.21" / "!=1.21" name a minor release line: compare major.minor only */
    int parts = 3;
    if ((!strcmp(op, "==") || !strcmp(op, "=") || !strcmp(op, "!=")) && strchr(c, '.') == strrchr(c, '.') &&
        !strstr(c, "rc") && !strstr(c, "beta"))
        parts = 2;
    int cmp = 0;
    for (int i = 0; i < parts && !cmp; i++)
        cmp = (a[i] > b[i]) - (a[i] < b[i]);
    if (!strcmp(op, ">="))
        return cmp >= 0;
    if (!strcmp(op, "<="))
        return cmp <= 0;
    if (!strcmp(op, ">"))
        return cmp > 0;
    if (!strcmp(op, "<"))
        return cmp < 0;
    if (!strcmp(op, "!="))
        return cmp != 0;
    return cmp == 0;
}

/* ---- evaluation ---- */

typedef struct rb {
    lp_check_report *rep;
    bool oom;
} rb;

static void result(rb *b, const lp_assert *a, lp_check_status st, const char *confidence,
                   const char *expected, const char *found, const char *cause_fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void result(rb *b, const lp_assert *a, lp_check_status st, const char *confidence,
                   const char *expected, const char *found, const char *cause_fmt, ...)
{
    lp_check_result *r = &b->rep->r[b->rep->n++];
    r->a = a;
    r->status = st;
    r->ok = st == LP_CHECK_OK;
    r->confidence = confidence;
    r->expected = strdup(expected);
    r->found = strdup(found);
    r->cause = NULL;
    if (st != LP_CHECK_OK && cause_fmt) {
        char buf[768];
        va_list ap;
        va_start(ap, cause_fmt);
        vsnprintf(buf, sizeof buf, cause_fmt, ap);
        va_end(ap);
        r->cause = strdup(buf);
        if (!r->cause)
            b->oom = true;
    }
    if (!r->expected || !r->found)
        b->oom = true;
    if (st == LP_CHECK_FAIL)
        b->rep->n_fail++;
    else if (st == LP_CHECK_UNDECIDED)
        b->rep->n_undecided++;
    if (st != LP_CHECK_OK)
        b->rep->ok = false;
}

/* --no-vulns: linked findings fail (with "module", any finding); without a function table a
 * finding cannot be told linked or not, which is undecided unless "module" fails it anyway. */
static void eval_vulns(rb *b, const lp_policy *p, const lp_assert *a, const lp_facts *f)
{
    bool strict = a->value && strcmp(a->value, "module") == 0;
    const char *want = strict ? "no known vulnerability of its module versions"
                              : "no known vulnerability with linked code";
    if (!p->vulndb) {
        result(b, a, LP_CHECK_UNDECIDED, "low", want, "no vulnerability database",
               "give --vulndb DIR or set LINKPROOF_VULNDB");
        return;
    }
    lp_vuln_report v = {0};
    lp_err e;
    if (lp_vulns_match(p->vulndb, f, &v, &e) != LP_OK) {
        result(b, a, LP_CHECK_UNDECIDED, "low", want, "the database could not be read", "%s", e.msg);
        return;
    }
    char found[512], ids[400] = "";
    snprintf(found, sizeof found, "%zu linked, %zu module-only, %zu unknown", v.n_linked,
             v.n_module_only, v.n_unknown);
    size_t shown = 0;
    for (size_t i = 0; i < v.n && shown < 4; i++) {
        const lp_vuln_finding *x = &v.v[i];
        if (!strict && x->status != LP_VULN_LINKED)
            continue;
        size_t l = strlen(ids);
        snprintf(ids + l, sizeof ids - l, "%s%s (%s %s, fixed in %s)", shown ? "; " : "", x->id,
                 x->module, x->version, x->fixed ? x->fixed : "no fix");
        shown++;
    }
    size_t bad = strict ? v.n : v.n_linked;
    if (bad) {
        result(b, a, LP_CHECK_FAIL, v.symbols ? "high" : "medium", want, found, "%s%s", ids,
               bad > shown ? "; ... (linkproof vulns lists them all)" : "");
    } else if (!strict && v.n_unknown) {
        result(b, a, LP_CHECK_UNDECIDED, "low", want, found,
               "no function table: whether the affected code is linked cannot be told");
    } else {
        result(b, a, LP_CHECK_OK, v.symbols ? "high" : "medium", want, found, NULL);
    }
    lp_vuln_report_release(&v);
}

/* The k-th user target: the facts hold one per --var assertion, in order. */
static const lp_xresult *user_result(const lp_facts *f, size_t k)
{
    for (size_t i = 0; i < f->x.n; i++)
        if (f->x.r[i].source == LP_XSRC_USER && k-- == 0)
            return &f->x.r[i];
    return NULL;
}

/* What a verdict means for an assertion: a pass, a violation, or "cannot tell". */
static lp_check_status x_status(const lp_policy *p, lp_xverdict v)
{
    switch (v) {
    case LP_XV_INJECTED: return LP_CHECK_OK;
    case LP_XV_UNCONFIRMED: return p->accept_unconfirmed ? LP_CHECK_OK : LP_CHECK_UNDECIDED;
    case LP_XV_UNVERIFIABLE: return LP_CHECK_UNDECIDED;
    case LP_XV_MISSING:
    case LP_XV_DIFFERENT:
    case LP_XV_EMPTY:
    case LP_XV_OVERWRITTEN:
    case LP_XV_NOT_INJECTED: break;
    }
    return LP_CHECK_FAIL;
}

static const char *x_cause(const lp_xresult *r)
{
    switch (r->verdict) {
    case LP_XV_MISSING:
        return "the linker ignored -X for a variable that does not exist (typo, other case, short import "
               "path, const, or dropped package)";
    case LP_XV_DIFFERENT:
        return r->detail && strstr(r->detail, "build record says")
                   ? r->detail
                   : "another value was linked in: only the last -ldflags flag counts, or the "
                     "release build used other flags";
    case LP_XV_EMPTY:
        return "no -X set this variable (check the -ldflags of the release build)";
    case LP_XV_OVERWRITTEN:
        return "the variable has a non-constant initializer or is assigned in init(); declare it "
               "`var name string` or with a constant initializer";
    case LP_XV_NOT_INJECTED:
        return r->requested ? "no variable holds this value by -X: the -X target is wrong or the "
                              "flag was not applied"
                            : "the build's -ldflags set no -X for this variable: its value comes "
                              "from the source";
    case LP_XV_UNVERIFIABLE:
        return "the binary cannot decide (see the detail); give NAME=VALUE for a stripped binary";
    case LP_XV_UNCONFIRMED:
        return r->detail ? r->detail : "the evidence does not tie the value to this variable";
    case LP_XV_INJECTED:
        break;
    }
    return NULL;
}

static void eval_var(rb *b, const lp_policy *p, const lp_assert *a, const lp_facts *f, size_t k)
{
    const lp_xresult *r = user_result(f, k);
    char exp[1100], fnd[1400];
    if (a->value)
        snprintf(exp, sizeof exp, "%s = \"%s\"", a->name, a->value);
    else if (a->regex)
        snprintf(exp, sizeof exp, "%s matching /%s/", a->name, a->regex);
    else
        snprintf(exp, sizeof exp, "%s set by -X (non-empty)", a->name);
    if (!r) {
        result(b, a, LP_CHECK_FAIL, "high", exp, "not checked", "not a Go binary");
        return;
    }
    if (r->value)
        snprintf(fnd, sizeof fnd, "%s (\"%s\")", lp_xverdict_name(r->verdict), r->value);
    else
        snprintf(fnd, sizeof fnd, "%s", lp_xverdict_name(r->verdict));
    if (r->n_suggestions)
        snprintf(fnd + strlen(fnd), sizeof fnd - strlen(fnd), "; did you mean %s?", r->suggestions[0]);
    lp_check_status st = x_status(p, r->verdict);
    if (st == LP_CHECK_OK && a->regex) {
        regex_t re;
        bool match = regcomp(&re, a->regex, REG_EXTENDED | REG_NOSUB) == 0;
        if (match) {
            match = regexec(&re, r->value ? r->value : "", 0, NULL, 0) == 0;
            regfree(&re);
        }
        if (!match) {
            result(b, a, LP_CHECK_FAIL, r->confidence, exp, fnd,
                   "the value linked in does not match the pattern");
            return;
        }
    }
    const char *cause = x_cause(r);
    result(b, a, st, r->confidence ? r->confidence : "low", exp, fnd, "%s", cause ? cause : "");
}

static void eval_all_x(rb *b, const lp_policy *p, const lp_assert *a, const lp_facts *f)
{
    char fnd[1024] = "";
    size_t bad = 0, unsure = 0, n = 0;
    const lp_xresult *first = NULL, *first_unsure = NULL;
    const char *conf = "high";
    for (size_t i = 0; i < f->x.n; i++) {
        const lp_xresult *r = &f->x.r[i];
        if (r->source != LP_XSRC_LDFLAGS)
            continue;
        n++;
        lp_check_status st = x_status(p, r->verdict);
        if (st == LP_CHECK_FAIL && !bad++)
            first = r;
        if (st == LP_CHECK_UNDECIDED && !unsure++)
            first_unsure = r;
        if (r->confidence && strcmp(r->confidence, "high") != 0 &&
            (strcmp(conf, "high") == 0 || strcmp(r->confidence, "low") == 0))
            conf = r->confidence;
        if (st != LP_CHECK_OK)
            snprintf(fnd + strlen(fnd), sizeof fnd - strlen(fnd), "%s%s %s",
                     bad + unsure > 1 ? ", " : "", r->name, lp_xverdict_name(r->verdict));
    }
    const char *want = "every recorded -X injected";
    if (!f->is_go) {
        result(b, a, LP_CHECK_FAIL, "high", want, "not a Go binary", "not a Go binary");
    } else if (f->x.record != LP_XREC_KNOWN) {
        const char *why = f->x.record == LP_XREC_TRIMPATH
                              ? "built with -trimpath, so the build info does not record -ldflags: "
                                "name the variables with --var NAME=VALUE"
                          : f->x.record == LP_XREC_NO_SETTINGS
                              ? "the build info records no build settings (Go 1.17 or older, or "
                                "another build tool): name the variables with --var NAME=VALUE"
                              : "the binary carries no build info: name the variables with --var "
                                "NAME=VALUE";
        result(b, a, LP_CHECK_UNDECIDED, "low", want,
               f->x.record == LP_XREC_TRIMPATH      ? "-ldflags not recorded (-trimpath)"
               : f->x.record == LP_XREC_NO_SETTINGS ? "no build settings recorded"
                                                    : "no build info",
               "%s", why);
    } else if (!f->x.ldflags_recorded) {
        result(b, a, LP_CHECK_FAIL, "high", want, "no -ldflags given",
               "the build info records no -ldflags at all: the build set no -X");
    } else if (!n) {
        result(b, a, LP_CHECK_FAIL, "high", want, "no -X in the recorded -ldflags",
               "the recorded -ldflags set no -X");
    } else if (bad) {
        const char *cause = x_cause(first);
        result(b, a, LP_CHECK_FAIL, first->confidence ? first->confidence : "high", want, fnd,
               "%s: %s", first->name, cause ? cause : "");
    } else if (unsure) {
        const char *cause = x_cause(first_unsure);
        result(b, a, LP_CHECK_UNDECIDED, "low", want, fnd, "%s: %s", first_unsure->name,
               cause ? cause : "");
    } else {
        snprintf(fnd, sizeof fnd, "%zu of %zu injected", n, n);
        result(b, a, LP_CHECK_OK, conf, want, fnd, NULL);
    }
}

static bool has_note(const lp_facts *f, const char *id)
{
    for (size_t i = 0; i < f->n_notes; i++)
        if (strcmp(f->notes[i].id, id) == 0)
            return true;
    return false;
}

/* Why a binary is dynamic, from what it shows rather than from its settings alone. */
static const char *dynamic_cause(const lp_facts *f, const char *cgo)
{
    const lp_linkage *l = &f->linkage;
    if (l->pie && !f->cgo_linked)
        return "built with -buildmode=pie: a PIE needs the dynamic loader (PT_INTERP) for its own "
               "relocations even with CGO_ENABLED=0; build with -buildmode=exe, or link with "
               "-ldflags '-linkmode=external -extldflags=-static-pie'";
    if (f->cgo_linked)
        return "a package that uses cgo (net, os/user, import \"C\") was built with CGO_ENABLED=1; "
               "build with CGO_ENABLED=0 or -tags netgo,osusergo";
    if (cgo && strcmp(cgo, "0") == 0)
        return "CGO_ENABLED=0 is recorded, yet the binary asks for a dynamic loader: it was linked "
               "with external flags (-linkmode=external) or by another tool";
    return "the binary asks for a dynamic loader although no cgo code is in it (external linking?)";
}

lp_code lp_check_eval(const lp_policy *p, const lp_facts *f, lp_check_report *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    out->r = calloc(p->n ? p->n : 1, sizeof *out->r);
    if (!out->r)
        return nomem(err);
    rb b = {out, false};
    const lp_linkage *l = &f->linkage;
    const char *cgo = f->go ? lp_buildinfo_setting(f->go, "CGO_ENABLED") : NULL;
    const char *ver = f->go ? f->go->go_version : f->go_version_fallback;
    char found[512];
    size_t nvar = 0;
    for (size_t i = 0; i < p->n; i++) {
        const lp_assert *a = &p->a[i];
        /* a file that is not a binary, or not a Go binary, cannot satisfy what it does not have */
        bool go_only = a->kind == LP_A_VAR || a->kind == LP_A_ALL_X || a->kind == LP_A_GO ||
                       a->kind == LP_A_VCS_CLEAN || a->kind == LP_A_BUILD_ID ||
                       a->kind == LP_A_CGO_ON || a->kind == LP_A_CGO_OFF;
        if (a->kind == LP_A_VAR)
            nvar++;
        bool linkage = a->kind == LP_A_STATIC || a->kind == LP_A_DYNAMIC || a->kind == LP_A_PIE ||
                       a->kind == LP_A_NO_PIE;
        if (!f->is_object || (go_only && !f->is_go)) {
            result(&b, a, LP_CHECK_FAIL, "high", a->text,
                   f->is_object ? "not a Go binary" : "not an object file", "%s",
                   f->is_object ? "the file is not a Go binary"
                                : "the file is not a binary (ELF, PE or Mach-O)");
            continue;
        }
        if (linkage && f->info.format != LP_FMT_ELF) {
            result(&b, a, LP_CHECK_UNDECIDED, "low", a->text, "linkage not read",
                   "linkproof reads linkage from ELF files only (not yet PE or Mach-O): this "
                   "assertion cannot be decided here");
            continue;
        }
        switch (a->kind) {
        case LP_A_VAR: eval_var(&b, p, a, f, nvar - 1); break;
        case LP_A_ALL_X: eval_all_x(&b, p, a, f); break;
        case LP_A_STATIC:
        case LP_A_DYNAMIC: {
            bool want = a->kind == LP_A_STATIC;
            snprintf(found, sizeof found, "%s%s%s%s%s", l->is_static ? "static" : "dynamic",
                     l->dyn.n_needed ? ", needs " : "", l->dyn.n_needed ? l->dyn.needed[0] : "",
                     !l->is_static && !l->dyn.n_needed && l->dyn.interp ? ", interpreter " : "",
                     !l->is_static && !l->dyn.n_needed && l->dyn.interp ? l->dyn.interp : "");
            if (want)
                result(&b, a, l->is_static ? LP_CHECK_OK : LP_CHECK_FAIL, "high", "static", found,
                       "%s", dynamic_cause(f, cgo));
            else
                result(&b, a, !l->is_static ? LP_CHECK_OK : LP_CHECK_FAIL, "high", "dynamic", found,
                       "%s",
                       f->cgo_linked || has_note(f, "static-libc")
                           ? "cgo code and its C library were linked statically (-extldflags=-static)"
                           : "no package used cgo, so nothing from libc was linked");
            break;
        }
        case LP_A_PIE:
        case LP_A_NO_PIE: {
            bool want = a->kind == LP_A_PIE;
            result(&b, a, l->pie == want ? LP_CHECK_OK : LP_CHECK_FAIL, "high", want ? "PIE" : "not PIE",
                   l->pie ? "PIE" : "not PIE",
                   want ? "build with -buildmode=pie" : "built with -buildmode=pie (or a toolchain default)");
            break;
        }
        case LP_A_CGO_ON:
        case LP_A_CGO_OFF: {
            bool want = a->kind == LP_A_CGO_ON;
            if (!f->pcln) {
                result(&b, a, LP_CHECK_UNDECIDED, "low", want ? "cgo linked" : "no cgo",
                       "no Go function table", "the function table cannot be read, so cgo code "
                       "cannot be looked for");
                break;
            }
            snprintf(found, sizeof found, "%s (CGO_ENABLED=%s%s%s)",
                     f->cgo_linked ? "cgo linked" : "no cgo", cgo ? cgo : "not recorded",
                     f->n_cgo_evidence ? "; " : "", f->n_cgo_evidence ? f->cgo_evidence[0] : "");
            result(&b, a, f->cgo_linked == want ? LP_CHECK_OK : LP_CHECK_FAIL, "high",
                   want ? "cgo linked" : "no cgo", found,
                   want ? "CGO_ENABLED=0, or no package uses cgo: files with import \"C\" (and their "
                          "init functions) were left out"
                        : "CGO_ENABLED=1 and a package that uses cgo (net, os/user, import \"C\") was "
                          "built; set CGO_ENABLED=0");
            break;
        }
        case LP_A_STRIPPED:
        case LP_A_NOT_STRIPPED: {
            bool want = a->kind == LP_A_STRIPPED;
            if (!f->has_sections && f->info.format == LP_FMT_ELF) {
                result(&b, a, LP_CHECK_UNDECIDED, "low", want ? "no symbol table" : "a symbol table",
                       "no section headers", "the section header table is gone, so whether a "
                       "symbol table exists cannot be read");
                break;
            }
            bool stripped = !f->symtab;
            snprintf(found, sizeof found, "%s, %s", f->symtab ? "symbol table" : "no symbol table",
                     f->dwarf ? "DWARF" : "no DWARF");
            result(&b, a, stripped == want ? LP_CHECK_OK : LP_CHECK_FAIL, "high",
                   want ? "no symbol table" : "a symbol table", found,
                   want ? "build with -ldflags=\"-s -w\" (or strip after the build)"
                        : "built with -ldflags=-s, or stripped after the build");
            break;
        }
        case LP_A_GO: {
            int s = ver ? lp_go_version_satisfies(ver, a->value) : -1;
            snprintf(found, sizeof found, "%s", ver ? ver : "no Go version");
            result(&b, a, s == 1 ? LP_CHECK_OK : s == 0 ? LP_CHECK_FAIL : LP_CHECK_UNDECIDED,
                   s < 0 ? "low" : f->go ? "high" : "medium", a->value, found, "%s%s",
                   s < 0 ? "the Go version cannot be read or compared" : "built with ",
                   s < 0 ? "" : found);
            break;
        }
        case LP_A_VCS_CLEAN: {
            const char *m = f->go ? lp_buildinfo_setting(f->go, "vcs.modified") : NULL;
            snprintf(found, sizeof found, "%s%s", m ? "vcs.modified=" : "no VCS information", m ? m : "");
            result(&b, a, m && strcmp(m, "false") == 0 ? LP_CHECK_OK : LP_CHECK_FAIL, "high",
                   "vcs.modified=false", found,
                   m ? "built from a work tree with uncommitted changes"
                     : "built with -buildvcs=false, outside a repository, or with go run/test");
            break;
        }
        case LP_A_NO_VULNS:
            eval_vulns(&b, p, a, f);
            break;
        case LP_A_GO_SUPPORTED: {
            lp_gosupport gs;
            lp_gosupport_eval(ver, p->as_of, &gs);
            snprintf(found, sizeof found, "%s: %s", ver ? ver : "no Go version",
                     lp_gosupport_status_name(gs.status));
            result(&b, a, gs.status == LP_GOSUP_SUPPORTED     ? LP_CHECK_OK
                          : gs.status == LP_GOSUP_UNSUPPORTED ? LP_CHECK_FAIL
                                                              : LP_CHECK_UNDECIDED,
                   gs.status == LP_GOSUP_UNKNOWN ? "low" : "high", "a Go release that receives security fixes",
                   found, "%s", gs.why);
            break;
        }
        case LP_A_BUILD_ID:
            result(&b, a, f->go_build_id ? LP_CHECK_OK : LP_CHECK_FAIL, "high", "a Go build ID",
                   f->go_build_id ? f->go_build_id : "none",
                   "linked with an empty -buildid, or the build-ID note was removed");
            break;
        }
    }
    if (b.oom) {
        lp_check_report_release(out);
        return nomem(err);
    }
    return LP_OK;
}

const char *lp_check_status_name(lp_check_status s)
{
    switch (s) {
    case LP_CHECK_OK: return "ok";
    case LP_CHECK_FAIL: return "fail";
    case LP_CHECK_UNDECIDED: return "undecided";
    }
    return "undecided";
}

void lp_check_report_release(lp_check_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->r[i].expected);
        free(r->r[i].found);
        free(r->r[i].cause);
    }
    free(r->r);
    memset(r, 0, sizeof *r);
}

const char *lp_check_outcome_name(lp_check_outcome o)
{
    switch (o) {
    case LP_CHECK_ALL_OK: return "ok";
    case LP_CHECK_SOME_FAIL: return "fail";
    case LP_CHECK_SOME_UNDECIDED: return "undecided";
    case LP_CHECK_SOME_ERROR: return "error";
    }
    return "error";
}

lp_code lp_check_files(const lp_policy *p, const char *const *paths, size_t n, lp_check_run *out,
                       lp_err *err)
{
    return lp_check_files_in(p, NULL, paths, n, out, err);
}

lp_code lp_check_files_in(const lp_policy *p, lp_root *root, const char *const *paths, size_t n,
                          lp_check_run *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_xtarget *targets = NULL;
    size_t n_targets = 0;
    out->files = calloc(n ? n : 1, sizeof *out->files);
    if (!out->files || lp_policy_xtargets(p, &targets, &n_targets, err)) {
        free(out->files);
        out->files = NULL;
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_facts_opts fo = {targets, n_targets};
    bool any_error = false, any_fail = false, any_undecided = false, all_ok = true;
    lp_code rc = LP_OK;
    for (size_t i = 0; i < n; i++) {
        lp_check_file *cf = &out->files[i];
        lp_err_clear(&cf->error);
        lp_code r = root ? lp_facts_collect_in_root(root, paths[i], &fo, &cf->f, &cf->error)
                         : lp_facts_collect_opts(paths[i], &fo, &cf->f, &cf->error);
        if (!cf->f) {
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            break;
        }
        out->n = i + 1;
        if (r == LP_OK && lp_check_eval(p, cf->f, &cf->rep, &cf->error) != LP_OK)
            r = cf->error.code;
        if (r) {
            any_error = true;
            all_ok = false;
            continue;
        }
        all_ok = all_ok && cf->rep.ok;
        any_fail = any_fail || cf->rep.n_fail;
        any_undecided = any_undecided || cf->rep.n_undecided;
    }
    lp_xtargets_free(&targets, n_targets);
    /* an unreadable file beats a violation, which beats "cannot tell" */
    out->outcome = any_error       ? LP_CHECK_SOME_ERROR
                   : any_fail      ? LP_CHECK_SOME_FAIL
                   : any_undecided ? LP_CHECK_SOME_UNDECIDED
                                   : LP_CHECK_ALL_OK;
    out->ok = all_ok;
    if (rc)
        lp_check_run_release(out);
    return rc;
}

void lp_check_run_release(lp_check_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        lp_check_report_release(&r->files[i].rep);
        lp_facts_free(&r->files[i].f);
    }
    free(r->files);
    memset(r, 0, sizeof *r);
}
