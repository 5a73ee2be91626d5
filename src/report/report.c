/*
 * report.c - the report interface: one format, one stream, documents written
 * in runs of one kind. Owns the tables that tie kinds to their JSON
 * "command" and names to formats; the writing itself is each format's
 * module (a row of lp_writer per kind in its lp_report_format).
 *
 * Invariants: a run's begin is called once before its first document (or by
 * lp_report_begin for an empty run) and its end once, when another kind
 * starts or the report is closed; a failed write is remembered and makes
 * lp_report_close return false.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* The JSON "command" of each kind, unless the report names it (registry list / show). */
static const char *const commands[LP_DOC__COUNT] = {
    [LP_DOC_INSPECT] = "inspect",
    [LP_DOC_BUILDINFO] = "buildinfo",
    [LP_DOC_FUNCS] = "funcs",
    [LP_DOC_PKGS] = "pkgs",
    [LP_DOC_CHECK] = "check",
    [LP_DOC_DIFF] = "diff",
    [LP_DOC_PROBE] = "probe",
    [LP_DOC_FINGERPRINT] = "fingerprint",
    [LP_DOC_FINGERPRINT_PID] = "fingerprint",
    [LP_DOC_VERIFY] = "verify",
    [LP_DOC_VERIFY_ROW] = "verify",
    [LP_DOC_REGISTRY_ENTRY] = "registry list",
    [LP_DOC_REGISTRY_EXPORT] = "registry export",
    [LP_DOC_REGISTRY_CHANGE] = "registry",
    [LP_DOC_DEPS] = "deps",
    [LP_DOC_COMPAT] = "compat",
    [LP_DOC_IMAGE_LS] = "image ls",
    [LP_DOC_IMAGE_INFO] = "image info",
    [LP_DOC_IMAGE_LIST] = "image info",
    [LP_DOC_IMAGE_CAT] = "image cat",
    [LP_DOC_EXPORTER] = "exporter",
    [LP_DOC_SCAN] = "scan",
    [LP_DOC_SCAN_SUMMARY] = "scan",
    [LP_DOC_VULNS] = "vulns",
};

static const lp_report_format *const formats[LP_OUT__COUNT] = {
    [LP_OUT_TEXT] = &lp_report_text,
    [LP_OUT_JSON] = &lp_report_json,
    [LP_OUT_LIST] = &lp_report_list,
    [LP_OUT_JUNIT] = &lp_report_junit,
    [LP_OUT_GITHUB] = &lp_report_github,
    [LP_OUT_PROMETHEUS] = &lp_report_prometheus,
    [LP_OUT_OPENMETRICS] = &lp_report_openmetrics,
    [LP_OUT_CYCLONEDX] = &lp_report_cyclonedx,
};

const char *lp_doc_command(lp_report *r, lp_doc_kind kind)
{
    return r->o.command ? r->o.command : commands[kind];
}

const char *lp_format_name(lp_outfmt f)
{
    return f < LP_OUT__COUNT ? formats[f]->name : "?";
}

bool lp_format_parse(const char *s, lp_outfmt *out)
{
    for (int f = 0; f < LP_OUT__COUNT; f++)
        if (strcmp(formats[f]->name, s) == 0) {
            *out = (lp_outfmt)f;
            return true;
        }
    return false;
}

bool lp_report_supports(lp_outfmt f, lp_doc_kind kind)
{
    return f < LP_OUT__COUNT && kind < LP_DOC__COUNT && formats[f]->kinds[kind].write != NULL;
}

lp_report *lp_report_open(const lp_report_opts *o)
{
    lp_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->o = *o;
    if (!r->o.fp)
        r->o.fp = stdout;
    if (!r->o.aux)
        r->o.aux = stderr;
    r->fmt = formats[o->format < LP_OUT__COUNT ? o->format : LP_OUT_TEXT];
    /* machine formats never carry escape sequences */
    r->color = o->format == LP_OUT_TEXT && lp_color_enabled(r->o.fp, o->color);
    r->kind = -1;
    return r;
}

void lp_report_set_as_of(lp_report *r, const char *as_of)
{
    if (r)
        r->o.as_of = as_of;
}

static bool end_run(lp_report *r)
{
    bool ok = true;
    if (r->kind >= 0 && r->fmt->kinds[r->kind].end)
        ok = r->fmt->kinds[r->kind].end(r);
    r->kind = -1;
    r->n = 0;
    return ok;
}

void lp_report_begin(lp_report *r, lp_doc_kind kind)
{
    if (r->kind == (int)kind)
        return;
    if (!end_run(r))
        r->failed = true;
    r->kind = (int)kind;
    r->n = 0;
    if (r->fmt->kinds[kind].begin)
        r->fmt->kinds[kind].begin(r);
}

bool lp_report_write(lp_report *r, lp_doc_kind kind, const void *doc)
{
    const lp_writer *w = &r->fmt->kinds[kind];
    if (!w->write)
        return false;
    lp_report_begin(r, kind);
    bool ok = w->write(r, doc);
    r->n++;
    if (!ok)
        r->failed = true;
    return ok;
}

bool lp_report_close(lp_report **pr)
{
    if (!pr || !*pr)
        return true;
    lp_report *r = *pr;
    bool ok = end_run(r) && !r->failed;
    if (fflush(r->o.fp) != 0 || ferror(r->o.fp))
        ok = false;
    free(r);
    *pr = NULL;
    return ok;
}
