/*
 * json.c - facts to JSON (schema: docs/json-schema.md). Every key is always
 * present; what does not apply is null, so consumers never probe for keys.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* json_string rejects invalid UTF-8; binaries may hold anything, so escape such bytes. */
json_t *lp_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
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
            /* U+FFFD for each byte that is not valid UTF-8 */
            buf[k++] = (char)0xEF, buf[k++] = (char)0xBF, buf[k++] = (char)0xBD;
        }
    }
    buf[k] = '\0';
    j = json_string(buf);
    free(buf);
    return j ? j : json_null();
}

static json_t *jstr(const char *s) { return lp_json_str(s); }

json_t *lp_pclntab_json(const lp_pclntab_info *in, size_t n_funcs)
{
    char magic[16];
    snprintf(magic, sizeof magic, "0x%08x", in->magic);
    json_t *o = json_object();
    json_object_set_new(o, "magic", json_string(magic));
    json_object_set_new(o, "go_versions", json_string(in->go_versions));
    json_object_set_new(o, "found_by", json_string(in->found_by));
    json_object_set_new(o, "address", json_integer((json_int_t)in->addr));
    json_object_set_new(o, "offset", json_integer((json_int_t)in->off));
    json_object_set_new(o, "ptr_size", json_integer(in->ptr_size));
    json_object_set_new(o, "quantum", json_integer(in->quantum));
    json_object_set_new(o, "big_endian", json_boolean(in->big_endian));
    json_object_set_new(o, "text_start", in->text_start_from ? json_integer((json_int_t)in->text_start) : json_null());
    json_object_set_new(o, "text_start_from", in->text_start_from ? json_string(in->text_start_from) : json_null());
    json_object_set_new(o, "functions", json_integer((json_int_t)n_funcs));
    json_object_set_new(o, "skipped_entries", json_integer((json_int_t)in->n_bad));
    return o;
}

json_t *lp_xresult_json(const lp_xresult *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", jstr(r->name));
    json_object_set_new(o, "requested", jstr(r->requested));
    json_object_set_new(o, "source", json_string(r->source == LP_XSRC_USER ? "user" : "ldflags"));
    json_object_set_new(o, "verdict", json_string(lp_xverdict_name(r->verdict)));
    json_object_set_new(o, "value", jstr(r->value));
    json_object_set_new(o, "address", r->has_addr ? json_integer((json_int_t)r->addr) : json_null());
    json_object_set_new(o, "confidence", json_string(r->confidence ? r->confidence : "low"));
    json_object_set_new(o, "evidence", json_string(r->evidence ? r->evidence : "none"));
    json_object_set_new(o, "detail", jstr(r->detail));
    json_t *sg = json_array();
    for (size_t k = 0; k < r->n_suggestions; k++)
        json_array_append_new(sg, jstr(r->suggestions[k]));
    json_object_set_new(o, "suggestions", sg);
    return o;
}

json_t *lp_xreport_json(const lp_xreport *x, bool applies)
{
    if (!applies)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "ldflags_recorded", json_boolean(x->ldflags_recorded));
    json_object_set_new(o, "trimpath", json_boolean(x->trimpath));
    json_object_set_new(o, "symbols", json_boolean(x->symbols));
    json_object_set_new(o, "record", json_string(lp_xrecord_name(x->record)));
    json_object_set_new(o, "overwrite_scan", json_boolean(x->overwrite_scan));
    json_t *arr = json_array();
    for (size_t i = 0; i < x->n; i++)
        json_array_append_new(arr, lp_xresult_json(&x->r[i]));
    json_object_set_new(o, "targets", arr);
    return o;
}

static json_t *module_json(const lp_module *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", jstr(m->path));
    json_object_set_new(o, "version", jstr(m->version));
    json_object_set_new(o, "sum", jstr(m->sum));
    json_object_set_new(o, "replace", m->replace ? module_json(m->replace) : json_null());
    return o;
}

static json_t *strv_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, jstr(v[i]));
    return a;
}

static const char *buildid_src_name(lp_buildid_src s)
{
    switch (s) {
    case LP_BUILDID_NOTE: return "note";
    case LP_BUILDID_TEXT: return "text";
    case LP_BUILDID_NONE: break;
    }
    return NULL;
}

static json_t *go_json(const lp_facts *f)
{
    if (!f->is_go)
        return json_null();
    const lp_buildinfo *bi = f->go;
    json_t *g = json_object();
    json_object_set_new(g, "version", jstr(bi ? bi->go_version : f->go_version_fallback));
    json_object_set_new(g, "version_source", str_or_null(f->go_version_source));
    json_object_set_new(g, "path", jstr(bi ? bi->path : NULL));
    json_object_set_new(g, "main", bi && bi->has_main ? module_json(&bi->main) : json_null());
    json_t *deps = json_array(), *set = json_array();
    for (size_t i = 0; bi && i < bi->n_deps; i++)
        json_array_append_new(deps, module_json(&bi->deps[i]));
    for (size_t i = 0; bi && i < bi->n_settings; i++) {
        json_t *kv = json_object();
        json_object_set_new(kv, "key", jstr(bi->settings[i].key));
        json_object_set_new(kv, "value", jstr(bi->settings[i].value));
        json_array_append_new(set, kv);
    }
    json_object_set_new(g, "deps", deps);
    json_object_set_new(g, "settings", set);
    json_object_set_new(g, "build_id", jstr(f->go_build_id));
    json_object_set_new(g, "build_id_source", str_or_null(buildid_src_name(f->go_build_id_src)));
    json_object_set_new(g, "buildinfo_layout",
                        str_or_null(!bi ? NULL : bi->layout == LP_BI_INLINE ? "inline" : "pointers"));
    json_object_set_new(g, "buildinfo_address",
                        bi ? json_integer((json_int_t)bi->blob_addr) : json_null());
    json_object_set_new(g, "parse_error", jstr(bi ? bi->parse_error : NULL));
    json_object_set_new(g, "pclntab", f->pcln ? lp_pclntab_json(lp_pclntab_get_info(f->pcln),
                                                                 lp_pclntab_count(f->pcln))
                                              : json_null());
    json_object_set_new(g, "functions", f->pcln ? json_integer((json_int_t)lp_pclntab_count(f->pcln)) : json_null());
    json_object_set_new(g, "packages", f->pcln ? json_integer((json_int_t)f->n_pkgs) : json_null());
    json_object_set_new(g, "init_functions", f->pcln ? strv_json(f->inits, f->n_inits) : json_null());
    json_t *cgo = json_object();
    const char *setting = bi ? lp_buildinfo_setting(bi, "CGO_ENABLED") : NULL;
    json_object_set_new(cgo, "setting", jstr(setting));
    json_object_set_new(cgo, "linked", f->pcln ? json_boolean(f->cgo_linked) : json_null());
    json_object_set_new(cgo, "functions", f->pcln ? json_integer((json_int_t)f->n_cgo_funcs) : json_null());
    json_object_set_new(cgo, "evidence", strv_json(f->cgo_evidence, f->n_cgo_evidence));
    json_object_set_new(g, "cgo", cgo);
    json_object_set_new(g, "resolver", str_or_null(f->resolver));
    json_object_set_new(g, "resolver_detail", str_or_null(f->resolver_why));
    return g;
}

static json_t *linkage_json(const lp_facts *f)
{
    /* PE imports and Mach-O load commands are not read yet: say nothing rather than "static" */
    if (!f->is_object || f->info.format != LP_FMT_ELF)
        return json_null();
    const lp_linkage *l = &f->linkage;
    json_t *o = json_object();
    json_object_set_new(o, "static", json_boolean(l->is_static));
    json_object_set_new(o, "pie", json_boolean(l->pie));
    json_object_set_new(o, "df_1_pie", json_boolean(l->pie_flag));
    json_object_set_new(o, "interpreter", jstr(l->dyn.interp));
    json_object_set_new(o, "needed", strv_json((const char *const *)l->dyn.needed, l->dyn.n_needed));
    json_object_set_new(o, "rpath", jstr(l->dyn.rpath));
    json_object_set_new(o, "runpath", jstr(l->dyn.runpath));
    json_object_set_new(o, "soname", jstr(l->dyn.soname));
    json_object_set_new(o, "bind_now", json_boolean(l->dyn.bind_now));
    json_object_set_new(o, "kind", json_string(l->kind ? l->kind : "unknown"));
    json_object_set_new(o, "relro", json_string(l->relro ? l->relro : "none"));
    json_object_set_new(o, "nx", json_boolean(l->nx));
    json_object_set_new(o, "gnu_stack", json_boolean(l->gnu_stack));
    json_object_set_new(o, "executable_stack", json_boolean(l->exec_stack || !l->gnu_stack));
    json_object_set_new(o, "textrel", json_boolean(l->dyn.textrel));
    json_object_set_new(o, "rwx_segments", json_integer((json_int_t)l->n_rwx));
    json_object_set_new(o, "static_libc", str_or_null(f->static_libc));
    return o;
}

json_t *lp_facts_json(const lp_facts *f)
{
    json_t *o = json_object();
    bool obj = f->is_object;
    json_object_set_new(o, "schema_version", json_integer(1));
    json_object_set_new(o, "path", jstr(f->path));
    json_object_set_new(o, "format", obj ? json_string(f->info.format_name) : json_null());
    json_object_set_new(o, "class", obj ? json_integer(f->info.bits) : json_null());
    json_object_set_new(o, "endian",
                        obj ? json_string(f->info.big_endian ? "big" : "little") : json_null());
    json_object_set_new(o, "machine", obj ? jstr(f->machine) : json_null());
    json_object_set_new(o, "goarch", obj ? str_or_null(f->info.goarch) : json_null());
    json_object_set_new(o, "elf_type", obj ? json_string(f->info.type_name) : json_null());
    json_object_set_new(o, "go", go_json(f));
    json_object_set_new(o, "gnu_build_id", jstr(f->gnu_build_id));
    json_object_set_new(o, "linkage", linkage_json(f));
    json_object_set_new(o, "symtab", obj ? json_boolean(f->symtab) : json_null());
    json_object_set_new(o, "dwarf", obj ? json_boolean(f->dwarf) : json_null());
    json_object_set_new(o, "dwarf_compressed", obj ? json_boolean(f->dwarf_compressed) : json_null());
    json_object_set_new(o, "x_vars", lp_xreport_json(&f->x, f->is_go));
    json_t *notes = json_array();
    for (size_t i = 0; i < f->n_notes; i++) {
        json_t *n = json_object();
        json_object_set_new(n, "id", json_string(f->notes[i].id));
        json_object_set_new(n, "text", jstr(f->notes[i].text));
        json_array_append_new(notes, n);
    }
    json_object_set_new(o, "notes", notes);
    if (f->error.code) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(lp_code_name(f->error.code)));
        json_object_set_new(e, "message", jstr(f->error.msg));
        json_object_set_new(e, "offset", f->error.has_offset
                                             ? json_integer((json_int_t)f->error.offset)
                                             : json_null());
        json_object_set_new(o, "error", e);
    } else {
        json_object_set_new(o, "error", json_null());
    }
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
