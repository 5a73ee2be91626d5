/*
 * json_scan.c - `linkproof scan --json`: per binary, the `inspect` document
 * (every key of docs/schema/inspect.json) and "found": where it was found
 * (docs/schema/scan.json); with scan --vulns, "vulns": the `vulns` document.
 */
#include "report/report_internal.h"

static json_t *proc_json(const lp_scan_proc *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "pid", json_integer(p->pid));
    json_object_set_new(o, "exe", lp_json_str(p->exe));
    json_object_set_new(o, "exe_state", json_string(lp_exe_state_name(p->state)));
    json_object_set_new(o, "start_time", json_integer((json_int_t)p->start_time));
    json_object_set_new(o, "cgroup", lp_json_str(p->cgroup));
    json_object_set_new(o, "container", lp_json_str(p->container));
    return o;
}

bool lp_json_scan(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_scan *ds = doc;
    const lp_scan_record *rec = ds->rec;
    if (!lp_json_inspect(o, r, rec->facts))
        return false;
    json_t *fo = json_object();
    json_object_set_new(fo, "origin", json_string(lp_scan_origin_name(rec->origin)));
    json_object_set_new(fo, "path", lp_json_str(rec->path));
    json_object_set_new(fo, "in", lp_json_str(rec->label));
    json_t *ps = json_array();
    for (size_t i = 0; i < rec->n_procs; i++)
        json_array_append_new(ps, proc_json(&rec->procs[i]));
    json_object_set_new(fo, "processes", ps);
    json_object_set_new(o, "found", fo);
    /* scan --vulns: the `vulns` document of the binary, whole (docs/schema/vulns.json) */
    json_t *vo = json_null();
    if (ds->vulns) {
        vo = json_object();
        json_object_set_new(vo, "schema_version", json_integer(LP_SCHEMA_VERSION));
        json_object_set_new(vo, "command", json_string("vulns"));
        if (!lp_json_vulns(vo, r, ds->vulns)) {
            json_decref(vo);
            return false;
        }
    }
    json_object_set_new(o, "vulns", vo);
    return true;
}
