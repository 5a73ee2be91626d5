/*
 * options.c - the one option parser and help writer of the CLI (see
 * options.h). Owns the spelling rules every command shares: long options
 * with "=" or a separate value and unique prefixes (as getopt_long), short
 * options and clusters, "--", operands anywhere unless LP_PARSE_STOP; and the
 * wording of usage errors: one line "linkproof: CMD: ...", with "did you
 * mean" when a name is close to one that exists.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

/* ---- did you mean ---- */

/* Optimal string alignment distance (a transposition counts as one edit), capped at cap + 1. */
static size_t distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

const char *lp_did_you_mean(const char *word, const char *const *names)
{
    /* two edits, or one for short words: "insepct", "--jsno", "lsit" */
    size_t cap = strlen(word) <= 3 ? 1 : 2, best = cap + 1;
    const char *pick = NULL;
    for (size_t i = 0; names[i]; i++) {
        size_t d = distance(word, names[i], cap);
        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    return pick;
}

/* ---- help ---- */

static size_t formats_of(const lp_cmd_doc *doc, char *buf, size_t n)
{
    size_t k = 0, len = 0;
    buf[0] = '\0';
    for (int f = 0; f < LP_OUT__COUNT; f++) {
        bool ok = f == LP_OUT_TEXT || (doc->kind >= 0 && lp_report_supports((lp_outfmt)f, (lp_doc_kind)doc->kind));
        if (!ok)
            continue;
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", k ? ", " : "", lp_format_name((lp_outfmt)f));
        k++;
    }
    return k;
}

static void help_row(FILE *fp, const char *left, const char *help)
{
    size_t w = strlen(left);
    fprintf(fp, "  %s", left);
    /* the help in a column; a long option name gets its help on the next line */
    if (w > 22) {
        fputc('\n', fp);
        w = 0;
        fprintf(fp, "  ");
    }
    fprintf(fp, "%*s", (int)(24 - w), "");
    for (const char *p = help; *p;) {
        size_t l = strcspn(p, "\n");
        fwrite(p, 1, l, fp);
        fputc('\n', fp);
        p += l;
        if (*p == '\n') {
            p++;
            fprintf(fp, "%*s", 26, "");
        }
    }
}

void lp_write_help(FILE *fp, const lp_cmd_doc *doc, const lp_opt *opts)
{
    for (size_t i = 0; i < sizeof doc->usage / sizeof doc->usage[0] && doc->usage[i]; i++)
        fprintf(fp, "%s linkproof %s\n", i ? "      " : "usage:", doc->usage[i]);
    if (doc->about)
        fprintf(fp, "\n%s\n", doc->about);
    bool heading = false;
    char fmts[96];
    size_t nf = formats_of(doc, fmts, sizeof fmts);
    for (const lp_opt *o = opts; o->type != LP_OPT_END; o++) {
        if (o->type == LP_OPT_GROUP) {
            fprintf(fp, "\n%s\n", o->help);
            heading = true;
            continue;
        }
        if (o->flags & LP_OPTF_HIDDEN)
            continue;
        /* the output options say what this command writes */
        if ((o->type == LP_OPT_JSON || o->type == LP_OPT_FORMAT) && nf < 2)
            continue;
        if (!heading) {
            fputs("\noptions:\n", fp);
            heading = true;
        }
        char left[96], help[160];
        const char *h = o->help ? o->help : "";
        int k = 0;
        if (o->short_name && o->name)
            k = snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name);
        else if (o->name)
            k = snprintf(left, sizeof left, "--%s", o->name);
        else
            k = snprintf(left, sizeof left, "-%c", o->short_name);
        if (o->argh && k > 0 && (size_t)k < sizeof left)
            snprintf(left + k, sizeof left - (size_t)k, " %s", o->argh);
        if (o->type == LP_OPT_FORMAT) {
            snprintf(help, sizeof help, "%s (default text)", fmts);
            h = help;
        }
        help_row(fp, left, h);
    }
    help_row(fp, "-h, --help", "this help");
    if (doc->after)
        fprintf(fp, "\n%s\n", doc->after);
    fputs("\nexit status:\n", fp);
    for (const lp_exit_row *e = doc->exits; e->status >= 0 && e->meaning; e++) {
        fprintf(fp, "  %d  ", e->status);
        for (const char *p = e->meaning; *p;) {
            size_t l = strcspn(p, "\n");
            fwrite(p, 1, l, fp);
            fputc('\n', fp);
            p += l;
            if (*p == '\n') {
                p++;
                fputs("     ", fp);
            }
        }
    }
}

/* ---- parsing ---- */

static bool fail(const lp_cmd_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(const lp_cmd_doc *doc, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t l = strlen(line);
    lp_cli_error("%s: %s%s see 'linkproof help %s'", doc->name, line, l && line[l - 1] == '?' ? "" : ";",
                 doc->name);
    return false;
}

static bool set_format(const lp_cmd_doc *doc, lp_cli_out *out, lp_outfmt f, const char *given)
{
    bool ok = f == LP_OUT_TEXT || (doc->kind >= 0 && lp_report_supports(f, (lp_doc_kind)doc->kind));
    if (!ok) {
        char fmts[96];
        formats_of(doc, fmts, sizeof fmts);
        lp_cli_error("%s: --format %s is not a format of '%s' (it writes %s)", doc->name, given, doc->name, fmts);
        return false;
    }
    out->format = f;
    return true;
}

/* Apply option @p o with value @p arg (NULL when it takes none). */
static bool apply(const lp_cmd_doc *doc, const lp_opt *o, const char *arg)
{
    char why[400];
    switch (o->type) {
    case LP_OPT_BOOL: *(bool *)o->value = true; return true;
    case LP_OPT_STRING: *(const char **)o->value = arg; return true;
    case LP_OPT_IGNORED: return true;
    case LP_OPT_JSON: return set_format(doc, o->value, LP_OUT_JSON, "json");
    case LP_OPT_FORMAT: {
        lp_outfmt f;
        if (!lp_format_parse(arg, &f)) {
            char fmts[96];
            formats_of(doc, fmts, sizeof fmts);
            lp_cli_error("%s: --format must be one of %s, not '%s'", doc->name, fmts, arg);
            return false;
        }
        return set_format(doc, o->value, f, arg);
    }
    case LP_OPT_COLOR:
        if (lp_color_parse(arg, &((lp_cli_out *)o->value)->color))
            return true;
        lp_cli_error("%s: --color must be auto, always or never, not '%s'", doc->name, arg);
        return false;
    case LP_OPT_CALLBACK:
        why[0] = '\0';
        if (o->parse(o->value, o->data, arg, why, sizeof why))
            return true;
        lp_cli_error("%s: %s", doc->name, why);
        return false;
    default: return false;
    }
}

static bool same_option(const lp_opt *a, const lp_opt *b)
{
    return a == b || (a->type == b->type && a->value == b->value && a->data == b->data && a->parse == b->parse);
}

/* The long option @p name (n bytes): exact, else the one option a prefix names. */
static const lp_opt *find_long(const lp_opt *opts, const char *name, size_t n, bool *ambiguous)
{
    const lp_opt *hit = NULL;
    *ambiguous = false;
    for (const lp_opt *o = opts; o->type != LP_OPT_END; o++)
        if (o->name && o->type != LP_OPT_GROUP && strlen(o->name) == n && strncmp(o->name, name, n) == 0)
            return o;
    for (const lp_opt *o = opts; o->type != LP_OPT_END; o++) {
        if (!o->name || o->type == LP_OPT_GROUP || strncmp(o->name, name, n) != 0)
            continue;
        if (hit && !same_option(hit, o))
            *ambiguous = true;
        if (!hit)
            hit = o;
    }
    return *ambiguous ? NULL : hit;
}

static const lp_opt *find_short(const lp_opt *opts, char c)
{
    for (const lp_opt *o = opts; o->type != LP_OPT_END; o++)
        if (o->short_name == c && o->type != LP_OPT_GROUP)
            return o;
    return NULL;
}

static bool unknown_long(const lp_cmd_doc *doc, const lp_opt *opts, const char *arg, size_t n)
{
    const char *names[128];
    size_t k = 0;
    for (const lp_opt *o = opts; o->type != LP_OPT_END && k < 126; o++)
        if (o->name && o->type != LP_OPT_GROUP)
            names[k++] = o->name;
    names[k++] = "help";
    names[k] = NULL;
    char word[80];
    snprintf(word, sizeof word, "%.*s", (int)(n < 79 ? n : 79), arg);
    const char *m = lp_did_you_mean(word, names);
    char shown[100];
    snprintf(shown, sizeof shown, "--%s", word);
    if (m) {
        char hint[100];
        snprintf(hint, sizeof hint, "--%s", m);
        return fail(doc, "unknown option '%s'; did you mean '%s'?", shown, hint);
    }
    return fail(doc, "unknown option '%s'", shown);
}

int lp_parse_options(const lp_cmd_doc *doc, const lp_opt *opts, int argc, char **argv, unsigned flags)
{
    char **pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof *pos);
    if (!pos) {
        lp_cli_error("out of memory");
        return LP_PARSE_ERROR;
    }
    int npos = 0, rc = 0;
    bool only_operands = false;
    for (int i = 1; i < argc && rc == 0; i++) {
        char *a = argv[i];
        if (only_operands || a[0] != '-' || a[1] == '\0') {
            pos[npos++] = a;
            if (flags & LP_PARSE_STOP)
                only_operands = true;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_operands = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            if ((n == 4 && strncmp(name, "help", 4) == 0) || (n && n < 4 && strncmp(name, "help", n) == 0 &&
                                                               !find_long(opts, name, n, &(bool){false}))) {
                lp_write_help(stdout, doc, opts);
                rc = LP_PARSE_HELP;
                break;
            }
            bool amb;
            const lp_opt *o = find_long(opts, name, n, &amb);
            if (amb) {
                char word[80];
                snprintf(word, sizeof word, "--%.*s", (int)(n < 70 ? n : 70), name);
                fail(doc, "option '%s' is ambiguous (a prefix of several options)", word);
                rc = LP_PARSE_ERROR;
            } else if (!o) {
                unknown_long(doc, opts, name, n);
                rc = LP_PARSE_ERROR;
            } else if (!o->argh) {
                if (eq) {
                    fail(doc, "option '--%s' takes no value", o->name);
                    rc = LP_PARSE_ERROR;
                } else if (!apply(doc, o, NULL)) {
                    rc = LP_PARSE_ERROR;
                }
            } else {
                const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (!v) {
                    fail(doc, "option '--%s' needs a value (%s)", o->name, o->argh);
                    rc = LP_PARSE_ERROR;
                } else if (!apply(doc, o, v)) {
                    rc = LP_PARSE_ERROR;
                }
            }
            continue;
        }
        /* short options, clustered: -lj, -rDIR, -r DIR */
        for (const char *p = a + 1; *p && rc == 0; p++) {
            if (*p == 'h') {
                lp_write_help(stdout, doc, opts);
                rc = LP_PARSE_HELP;
                break;
            }
            const lp_opt *o = find_short(opts, *p);
            if (!o) {
                char word[3] = {'-', *p, '\0'};
                fail(doc, "unknown option '%s'", word);
                rc = LP_PARSE_ERROR;
                break;
            }
            if (!o->argh) {
                if (!apply(doc, o, NULL))
                    rc = LP_PARSE_ERROR;
                continue;
            }
            const char *v = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                char word[3] = {'-', *p, '\0'};
                fail(doc, "option '%s' needs a value (%s)", word, o->argh);
                rc = LP_PARSE_ERROR;
            } else if (!apply(doc, o, v)) {
                rc = LP_PARSE_ERROR;
            }
            break;
        }
    }
    if (rc == 0) {
        for (int k = 0; k < npos; k++)
            argv[1 + k] = pos[k];
        rc = npos;
    }
    free(pos);
    return rc;
}
