/*
 * json.c - the JSON format: one contract for every command
 * (docs/json-schema.md, docs/schema/). Every document is one line
 * (JSON Lines) that starts with "schema_version" and "command"; every key of a
 * document is always present, null when it does not apply; the inspected
 * file is "path"; an error is {code, message, offset}; a finding is {id,
 * severity, message}. The builders per kind (json_*.c) fill in the rest.
 *
 * Strings from inputs that are not valid UTF-8 get U+FFFD for each bad byte;
 * non-ASCII is written as \uXXXX, so every line is plain ASCII.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

json_t *lp_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* json_string rejects invalid UTF-8; binaries may hold anything */
    size_t n = strlen(s);
    char *buf = malloc(n * 4 + 1);
    if (!buf)
        return json_null();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf[k++] = (char)c;
        } else {
            buf[k++] = (char)0xEF, buf[k++] = (char)0xBF, buf[k++] = (char)0xBD;
        }
    }
    buf[k] = '\0';
    j = json_string(buf);
    free(buf);
    return j ? j : json_null();
}

json_t *lp_json_u64(uint64_t v) { return json_integer((json_int_t)v); }

json_t *lp_json_or_null(bool present, json_t *v)
{
    if (present)
        return v;
    json_decref(v);
    return json_null();
}

json_t *lp_json_error(const lp_err *e)
{
    if (!e || e->code == LP_OK)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(lp_code_name(e->code)));
    json_object_set_new(o, "message", lp_json_str(e->msg));
    json_object_set_new(o, "offset", e->has_offset ? lp_json_u64(e->offset) : json_null());
    return o;
}

json_t *lp_json_finding(const char *id, lp_severity sev, const char *message)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "severity", json_string(lp_severity_name(sev)));
    json_object_set_new(o, "message", lp_json_str(message ? message : ""));
    return o;
}

json_t *lp_json_pclntab(const lp_pclntab_info *in, size_t n_funcs)
{
    char magic[16];
    snprintf(magic, sizeof magic, "0x%08x", in->magic);
    json_t *o = json_object();
    json_object_set_new(o, "magic", json_string(magic));
    json_object_set_new(o, "go_versions", json_string(in->go_versions));
    json_object_set_new(o, "found_by", json_string(in->found_by));
    json_object_set_new(o, "address", lp_json_u64(in->addr));
    json_object_set_new(o, "offset", lp_json_u64(in->off));
    json_object_set_new(o, "ptr_size", json_integer(in->ptr_size));
    json_object_set_new(o, "quantum", json_integer(in->quantum));
    json_object_set_new(o, "big_endian", json_boolean(in->big_endian));
    json_object_set_new(o, "text_start", in->text_start_from ? lp_json_u64(in->text_start) : json_null());
    json_object_set_new(o, "text_start_from", in->text_start_from ? json_string(in->text_start_from) : json_null());
    json_object_set_new(o, "functions", lp_json_u64(n_funcs));
    json_object_set_new(o, "skipped_entries", lp_json_u64(in->n_bad));
    return o;
}

bool lp_json_write_line(FILE *fp, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!s)
        return false;
    bool ok = fputs(s, fp) >= 0 && fputc('\n', fp) != EOF;
    free(s);
    return ok;
}

static const lp_json_builder builders[LP_DOC__COUNT] = {
    [LP_DOC_INSPECT] = lp_json_inspect,
    [LP_DOC_FUNCS] = lp_json_funcs,
    [LP_DOC_PKGS] = lp_json_pkgs,
    [LP_DOC_CHECK] = lp_json_check_run,
    [LP_DOC_DIFF] = lp_json_diff,
    [LP_DOC_PROBE] = lp_json_probe,
    [LP_DOC_FINGERPRINT] = lp_json_fingerprint,
    [LP_DOC_FINGERPRINT_PID] = lp_json_fingerprint_pid,
    [LP_DOC_VERIFY] = lp_json_verify,
    [LP_DOC_VERIFY_ROW] = lp_json_verify,
    [LP_DOC_REGISTRY_ENTRY] = lp_json_registry_entry,
    [LP_DOC_DEPS] = lp_json_deps,
    [LP_DOC_COMPAT] = lp_json_compat,
    [LP_DOC_IMAGE_LS] = lp_json_image_ls,
    [LP_DOC_IMAGE_INFO] = lp_json_image_info,
    [LP_DOC_IMAGE_LIST] = lp_json_image_list,
    [LP_DOC_SCAN] = lp_json_scan,
    [LP_DOC_VULNS] = lp_json_vulns,
};

/* A document: the envelope every command shares, then the kind's own keys, as one line. */
static bool json_document(lp_report *r, const void *doc)
{
    json_t *o = json_object();
    if (!o)
        return false;
    json_object_set_new(o, "schema_version", json_integer(LP_SCHEMA_VERSION));
    json_object_set_new(o, "command", json_string(lp_doc_command(r, (lp_doc_kind)r->kind)));
    bool ok = builders[r->kind](o, r, doc) && lp_json_write_line(r->o.fp, o);
    json_decref(o);
    return ok;
}

/* registry export: the registry's own line format (what import reads), not a report */
static bool json_registry_export(lp_report *r, const void *doc)
{
    json_t *o = json_object();
    bool ok = o && lp_json_registry_entry(o, r, doc) && lp_json_write_line(r->o.fp, o);
    json_decref(o);
    return ok;
}

#define DOC {.write = json_document}
const lp_report_format lp_report_json = {
    .name = "json",
    .kinds = {
        [LP_DOC_INSPECT] = DOC, [LP_DOC_FUNCS] = DOC, [LP_DOC_PKGS] = DOC, [LP_DOC_CHECK] = DOC,
        [LP_DOC_DIFF] = DOC, [LP_DOC_PROBE] = DOC, [LP_DOC_FINGERPRINT] = DOC,
        [LP_DOC_FINGERPRINT_PID] = DOC, [LP_DOC_VERIFY] = DOC, [LP_DOC_VERIFY_ROW] = DOC,
        [LP_DOC_REGISTRY_ENTRY] = DOC, [LP_DOC_REGISTRY_EXPORT] = {.write = json_registry_export},
        [LP_DOC_DEPS] = DOC, [LP_DOC_COMPAT] = DOC, [LP_DOC_IMAGE_LS] = DOC,
        [LP_DOC_IMAGE_INFO] = DOC, [LP_DOC_IMAGE_LIST] = DOC,
        [LP_DOC_SCAN] = DOC,
        [LP_DOC_VULNS] = DOC,
    },
};
