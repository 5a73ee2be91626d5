/*
 * text_vulns.c - the text of `vulns`: per file a header (Go version and its
 * support, the database, counts), then the `linked` findings in full
 * (summary, fixed version, packages, symbols) and one line per
 * `module-only` or `unknown` finding. Colour: linked red, module-only dim.
 */
#include <string.h>

#include "report/report_internal.h"

static void list(lp_report *r, const char *label, char *const *v, size_t n)
{
    if (!n)
        return;
    lp_text_label(r, "");
    fprintf(r->o.fp, "  %s ", label);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", r->o.fp);
        lp_put_safe(r->o.fp, v[i]);
    }
    fputc('\n', r->o.fp);
}

static void head(lp_report *r, const lp_vuln_finding *x)
{
    FILE *fp = r->o.fp;
    lp_put_safe(fp, x->id);
    fputs("  ", fp);
    lp_put_safe(fp, x->module);
    fputc('@', fp);
    lp_put_safe(fp, x->go_version ? x->go_version : x->version);
    fputs(", fixed in ", fp);
    lp_put_safe(fp, x->fixed ? x->fixed : "(no fix)");
    for (size_t i = 0; i < x->n_aliases; i++) {
        fputs(i ? ", " : " (", fp);
        lp_put_safe(fp, x->aliases[i]);
    }
    if (x->n_aliases)
        fputc(')', fp);
    fputc('\n', fp);
}

bool lp_text_vulns(lp_report *r, const void *doc)
{
    const lp_doc_vulns *d = doc;
    const lp_facts *f = d->f;
    FILE *fp = r->o.fp;
    if (r->n)
        fputc('\n', fp);
    lp_put_safe(fp, f->path);
    fputs(":\n", fp);
    const lp_err *e = d->error && d->error->code ? d->error : f->error.code ? &f->error : NULL;
    if (e) {
        lp_text_row(r, "error", e->msg);
        return true;
    }
    const char *gov = f->go && f->go->go_version ? f->go->go_version : f->go_version_fallback;
    if (!f->is_go) {
        lp_text_row(r, "go", "not a Go binary");
        return true;
    }
    lp_text_row(r, "go", gov ? gov : "version unknown");
    if (d->support) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s: %s", lp_gosupport_status_name(d->support->status), d->support->why);
        lp_text_row(r, "go support", buf);
    }
    const lp_vuln_report *v = d->v;
    if (!v)
        return true;
    char buf[200];
    snprintf(buf, sizeof buf, "%zu linked, %zu module-only, %zu unknown%s", v->n_linked,
             v->n_module_only, v->n_unknown,
             v->symbols ? "" : " (no function table: symbols cannot be told)");
    lp_text_row(r, "vulns", buf);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < v->n; i++) {
            const lp_vuln_finding *x = &v->v[i];
            bool linked = x->status == LP_VULN_LINKED;
            if (linked != (pass == 0))
                continue;
            const char *col = lp_c_on(r, linked ? "\033[31m" : "\033[2m");
            if (r->color)
                fprintf(fp, "  %s%-*s%s", col, LP_TEXT_LABEL_W, lp_vuln_status_name(x->status), lp_c_off(r));
            else
                fprintf(fp, "  %-*s", LP_TEXT_LABEL_W, lp_vuln_status_name(x->status));
            head(r, x);
            if (!linked)
                continue;
            if (x->summary) {
                lp_text_label(r, "");
                fputs("  ", fp);
                lp_put_safe(fp, x->summary);
                fputc('\n', fp);
            }
            list(r, "packages:", x->packages, x->n_packages);
            list(r, "symbols: ", x->symbols, x->n_symbols);
        }
    }
    return true;
}
