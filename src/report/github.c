/*
 * github.c - GitHub Actions workflow commands: `check` as an ::error per
 * violated assertion (it fails the step) and a ::warning per undecided one
 * (the log keeps it), each on the file. GitHub reads them from either
 * stream; `check --github` writes them to stderr so that stdout stays one
 * form (text or JSON).
 *
 * Invariant: %, CR and LF are GitHub's escapes (and : and , in properties);
 * every other control byte is escaped as on every stream (lp_put_safe_n).
 */
#include <string.h>

#include "report/report_internal.h"

static void gh_esc(FILE *fp, const char *s, bool prop)
{
    while (s && *s) {
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

static bool github_check(lp_report *r, const void *doc)
{
    const lp_check_run *run = doc;
    FILE *out = r->o.fp;
    for (size_t i = 0; i < run->n; i++) {
        const lp_check_file *cf = &run->files[i];
        if (cf->error.code) {
            fputs("::error file=", out);
            gh_esc(out, cf->f->path, true);
            fputs(",title=linkproof check::", out);
            gh_esc(out, cf->error.msg, false);
            fputc('\n', out);
        }
        for (size_t k = 0; k < cf->rep.n; k++) {
            const lp_check_result *c = &cf->rep.r[k];
            if (c->ok)
                continue;
            fputs(c->status == LP_CHECK_FAIL ? "::error file=" : "::warning file=", out);
            gh_esc(out, cf->f->path, true);
            fputs(",title=", out);
            gh_esc(out, "linkproof check ", true);
            gh_esc(out, c->a->text, true);
            fputs("::expected ", out);
            gh_esc(out, c->expected, false);
            fputs(", found ", out);
            gh_esc(out, c->found, false);
            fputs(" (confidence: ", out);
            gh_esc(out, c->confidence ? c->confidence : "low", false);
            fputc(')', out);
            if (c->cause) {
                fputs(c->status == LP_CHECK_FAIL ? ". Likely cause: " : ". Undecided: ", out);
                gh_esc(out, c->cause, false);
            }
            fputc('\n', out);
        }
    }
    return !ferror(out);
}

const lp_report_format lp_report_github = {
    .name = "github",
    .kinds = {[LP_DOC_CHECK] = {.write = github_check}},
};
