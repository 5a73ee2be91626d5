/*
 * text_scan.c - `linkproof scan` as a table: one row per binary found (Go
 * version, linkage, main module and version, where it was found; the
 * processes running it), and the totals. A record that could not be read
 * has its one line on stderr (the CLI's), not a row.
 */
#include <string.h>

#include "report/report_internal.h"

void lp_text_scan_header(lp_report *r)
{
    fprintf(r->o.fp, "%s%-10s %-8s %-44s %-22s %s%s\n", lp_c_on(r, "\033[1m"), "GO", "LINKAGE",
            "MODULE", "VERSION", "PATH", lp_c_off(r));
}

/* s, escaped, padded to w columns (one space at least after it) */
static void cell(lp_report *r, const char *s, int w)
{
    const char *v = s && *s ? s : "-";
    lp_put_safe(r->o.fp, v);
    int n = (int)strlen(v);
    do
        fputc(' ', r->o.fp);
    while (++n < w + 1);
}

bool lp_text_scan(lp_report *r, const void *doc)
{
    const lp_doc_scan *ds = doc;
    const lp_scan_record *rec = ds->rec;
    const lp_facts *f = rec->facts;
    if (f->error.code)
        return true;
    const lp_buildinfo *bi = f->go;
    const char *gov = bi ? bi->go_version : f->go_version_fallback;
    cell(r, f->is_go ? gov : "(not Go)", 10);
    cell(r, !f->is_object ? NULL : f->linkage.is_static ? "static" : "dynamic", 8);
    cell(r, bi && bi->has_main ? bi->main.path : bi ? bi->path : NULL, 44);
    cell(r, bi && bi->has_main ? bi->main.version : NULL, 22);
    lp_put_safe(r->o.fp, rec->origin == LP_SCAN_IMAGE || rec->origin == LP_SCAN_ROOT ? rec->path : f->path);
    for (size_t i = 0; i < rec->n_procs; i++) {
        const lp_scan_proc *p = &rec->procs[i];
        fprintf(r->o.fp, "%spid %d", i ? ", " : "  [", p->pid);
        if (p->state != LP_EXE_PRESENT)
            fprintf(r->o.fp, " %s", lp_exe_state_name(p->state));
        if (p->container)
            fprintf(r->o.fp, " container %.12s", p->container);
        if (i + 1 == rec->n_procs)
            fputc(']', r->o.fp);
    }
    fputc('\n', r->o.fp);
    /* scan --vulns: one line per finding under the binary's row */
    const lp_vuln_report *v = ds->vulns ? ds->vulns->v : NULL;
    for (size_t i = 0; v && i < v->n; i++) {
        const lp_vuln_finding *x = &v->v[i];
        fputs("    ", r->o.fp);
        cell(r, x->id, 16);
        cell(r, lp_vuln_status_name(x->status), 11);
        lp_put_safe(r->o.fp, x->module);
        fputc('@', r->o.fp);
        lp_put_safe(r->o.fp, x->version);
        fputs(x->fixed ? ", fixed in " : ", no fix", r->o.fp);
        if (x->fixed)
            lp_put_safe(r->o.fp, x->fixed);
        fputc('\n', r->o.fp);
    }
    return true;
}

bool lp_text_scan_summary(lp_report *r, const void *doc)
{
    const lp_scan_stats *st = doc;
    fprintf(r->o.fp, "\n%llu Go binar%s in %llu file%s (%llu object file%s); %llu reported, %llu "
            "could not be read, %llu skipped\n",
            (unsigned long long)st->go, st->go == 1 ? "y" : "ies", (unsigned long long)st->files,
            st->files == 1 ? "" : "s", (unsigned long long)st->objects, st->objects == 1 ? "" : "s",
            (unsigned long long)st->reported, (unsigned long long)st->errors,
            (unsigned long long)st->skipped);
    return true;
}
