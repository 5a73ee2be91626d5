/*
 * json_vulns.c - the JSON of `vulns` (docs/schema/vulns.json): per file its
 * Go version and that release's support, the database it was matched
 * against, counts by status, and each finding (id, aliases, summary, module,
 * version, fixed, status, packages, symbols). Also the Go support object
 * `inspect` shows.
 */
#include "report/report_internal.h"

json_t *lp_json_gosupport(const lp_gosupport *g)
{
    if (!g)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(lp_gosupport_status_name(g->status)));
    json_object_set_new(o, "major", g->major[0] ? json_string(g->major) : json_null());
    json_object_set_new(o, "released", g->released[0] ? json_string(g->released) : json_null());
    json_object_set_new(o, "end_of_support", g->eol[0] ? json_string(g->eol) : json_null());
    json_object_set_new(o, "as_of", json_string(g->as_of));
    json_object_set_new(o, "data_date", json_string(g->data_date));
    json_object_set_new(o, "reason", lp_json_str(g->why));
    return o;
}

static json_t *strs(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, lp_json_str(v[i]));
    return a;
}

bool lp_json_vulns(json_t *o, const lp_report *r, const void *doc)
{
    (void)r;
    const lp_doc_vulns *d = doc;
    const lp_facts *f = d->f;
    const lp_vuln_report *v = d->v;
    json_object_set_new(o, "path", lp_json_str(f->path));
    const lp_err *e = d->error && d->error->code ? d->error : f->error.code ? &f->error : NULL;
    json_object_set_new(o, "error", lp_json_error(e));
    const char *gov = f->go && f->go->go_version ? f->go->go_version : f->go_version_fallback;
    json_object_set_new(o, "go_version", lp_json_str(gov));
    json_object_set_new(o, "go_support", lp_json_gosupport(d->support));
    json_object_set_new(o, "vulndb", lp_json_str(d->vulndb));
    json_object_set_new(o, "symbols", json_boolean(v && v->symbols));
    json_t *sum = json_object();
    json_object_set_new(sum, "linked", json_integer(v ? (json_int_t)v->n_linked : 0));
    json_object_set_new(sum, "module_only", json_integer(v ? (json_int_t)v->n_module_only : 0));
    json_object_set_new(sum, "unknown", json_integer(v ? (json_int_t)v->n_unknown : 0));
    json_object_set_new(o, "summary", sum);
    json_t *arr = json_array();
    for (size_t i = 0; v && i < v->n; i++) {
        const lp_vuln_finding *x = &v->v[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", lp_json_str(x->id));
        json_object_set_new(j, "status", json_string(lp_vuln_status_name(x->status)));
        json_object_set_new(j, "module", lp_json_str(x->module));
        json_object_set_new(j, "version", lp_json_str(x->version));
        json_object_set_new(j, "fixed", lp_json_str(x->fixed));
        json_object_set_new(j, "aliases", strs(x->aliases, x->n_aliases));
        json_object_set_new(j, "summary", lp_json_str(x->summary));
        json_object_set_new(j, "packages", strs(x->packages, x->n_packages));
        json_object_set_new(j, "symbols", strs(x->symbols, x->n_symbols));
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "findings", arr);
    return true;
}
