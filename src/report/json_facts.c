/*
 * json_facts.c - JSON of what is read from a binary (`inspect`, `funcs`,
 * `pkgs`) and of the verdicts on it (`check`, `diff`). Key by key as
 * docs/json-schema.md and docs/schema/ say; every key always present.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *jstr(const char *s) { return lp_json_str(s); }

static json_t *xresult_json(const lp_xresult *r)
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

static json_t *xreport_json(const lp_xreport *x, bool applies)
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
        json_array_append_new(arr, xresult_json(&x->r[i]));
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

static json_t *go_json(const lp_facts *f, const char *as_of)
{
    if (!f->is_go)
        return json_null();
    const lp_buildinfo *bi = f->go;
    json_t *g = json_object();
    json_object_set_new(g, "version", jstr(bi ? bi->go_version : f->go_version_fallback));
    json_object_set_new(g, "version_source", str_or_null(f->go_version_source));
    lp_gosupport gs;
    lp_gosupport_eval(bi ? bi->go_version : f->go_version_fallback, as_of, &gs);
    json_object_set_new(g, "support", lp_json_gosupport(&gs));
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
    json_object_set_new(g, "pclntab", f->pcln ? lp_json_pclntab(lp_pclntab_get_info(f->pcln),
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

bool lp_json_inspect(json_t *o, const lp_report *r, const void *doc)
{
    const lp_facts *f = doc;
    bool obj = f->is_object;
    json_object_set_new(o, "path", jstr(f->path));
    json_object_set_new(o, "format", obj ? json_string(f->info.format_name) : json_null());
    json_object_set_new(o, "class", obj ? json_integer(f->info.bits) : json_null());
    json_object_set_new(o, "endian", obj ? json_string(f->info.big_endian ? "big" : "little") : json_null());
    json_object_set_new(o, "machine", obj ? jstr(f->machine) : json_null());
    json_object_set_new(o, "goarch", obj ? str_or_null(f->info.goarch) : json_null());
    json_object_set_new(o, "elf_type", obj ? json_string(f->info.type_name) : json_null());
    json_object_set_new(o, "go", go_json(f, r->o.as_of));
    json_object_set_new(o, "gnu_build_id", jstr(f->gnu_build_id));
    json_object_set_new(o, "linkage", linkage_json(f));
    json_object_set_new(o, "symtab", obj ? json_boolean(f->symtab) : json_null());
    json_object_set_new(o, "dwarf", obj ? json_boolean(f->dwarf) : json_null());
    json_object_set_new(o, "dwarf_compressed", obj ? json_boolean(f->dwarf_compressed) : json_null());
    /* scan --identity read no -X verdicts: null, not an empty report */
    json_object_set_new(o, "x_vars", xreport_json(&f->x, f->is_go && !f->identity_only && !f->no_xvars));
    /* where the record and the binary disagree, or a known trap: worth acting on */
    json_t *fs = json_array();
    for (size_t i = 0; i < f->n_notes; i++)
        json_array_append_new(fs, lp_json_finding(f->notes[i].id, LP_SEV_WARNING, f->notes[i].text));
    json_object_set_new(o, "findings", fs);
    json_object_set_new(o, "error", lp_json_error(&f->error));
    return true;
}

bool lp_json_funcs(json_t *o, const lp_report *r, const void *doc)
{
    const lp_funcs *fs = doc;
    bool ok = !fs->error.code && fs->table;
    const lp_pclntab_info *in = ok ? lp_pclntab_get_info(fs->table) : NULL;
    json_object_set_new(o, "path", jstr(fs->path));
    json_object_set_new(o, "pclntab", ok ? lp_json_pclntab(in, lp_pclntab_count(fs->table)) : json_null());
    json_t *arr = json_array();
    for (size_t i = 0; ok && i < fs->n_funcs; i++) {
        const lp_func *fn = fs->funcs[i];
        json_t *x = json_object();
        json_object_set_new(x, "entry", lp_json_u64(fn->entry));
        json_object_set_new(x, "name", jstr(fn->name));
        size_t pl = lp_go_package_len(fn->name, in->version);
        char *path = lp_go_prefix_to_path(fn->name, pl);
        json_object_set_new(x, "package", jstr(path));
        free(path);
        json_array_append_new(arr, x);
    }
    json_object_set_new(o, "functions", arr);
    json_object_set_new(o, "error", lp_json_error(&fs->error));
    return true;
}

bool lp_json_pkgs(json_t *o, const lp_report *r, const void *doc)
{
    const lp_funcs *fs = doc;
    json_object_set_new(o, "path", jstr(fs->path));
    json_t *arr = json_array();
    for (size_t i = 0; !fs->error.code && i < fs->n_pkgs; i++) {
        /* import paths, not the linker's escaped spelling; "" for compiler-generated names */
        char *path = lp_go_prefix_to_path(fs->pkgs[i].name, fs->pkgs[i].len);
        json_t *x = json_object();
        json_object_set_new(x, "package", jstr(path));
        json_object_set_new(x, "functions", lp_json_u64(fs->pkgs[i].n_funcs));
        json_array_append_new(arr, x);
        free(path);
    }
    json_object_set_new(o, "packages", arr);
    json_object_set_new(o, "error", lp_json_error(&fs->error));
    return true;
}

/* A file's outcome: error (unreadable), fail, undecided, or ok. */
static const char *file_status(const lp_check_file *cf)
{
    return cf->error.code ? "error" : cf->rep.n_fail ? "fail" : cf->rep.n_undecided ? "undecided" : "ok";
}

bool lp_json_check_run(json_t *o, const lp_report *r, const void *doc)
{
    const lp_check_run *run = doc;
    json_object_set_new(o, "ok", json_boolean(run->ok));
    json_object_set_new(o, "status", json_string(lp_check_outcome_name(run->outcome)));
    json_t *files = json_array();
    for (size_t i = 0; i < run->n; i++) {
        const lp_check_file *cf = &run->files[i];
        json_t *jf = json_object(), *checks = json_array();
        json_object_set_new(jf, "path", jstr(cf->f->path));
        json_object_set_new(jf, "ok", json_boolean(!cf->error.code && cf->rep.ok));
        json_object_set_new(jf, "status", json_string(file_status(cf)));
        json_object_set_new(jf, "error", lp_json_error(&cf->error));
        for (size_t k = 0; k < cf->rep.n; k++) {
            const lp_check_result *c = &cf->rep.r[k];
            json_t *x = json_object();
            json_object_set_new(x, "assertion", jstr(c->a->text));
            json_object_set_new(x, "ok", json_boolean(c->ok));
            json_object_set_new(x, "status", json_string(lp_check_status_name(c->status)));
            json_object_set_new(x, "confidence", json_string(c->confidence ? c->confidence : "low"));
            json_object_set_new(x, "expected", jstr(c->expected));
            json_object_set_new(x, "found", jstr(c->found));
            json_object_set_new(x, "cause", jstr(c->cause));
            json_array_append_new(checks, x);
        }
        json_object_set_new(jf, "checks", checks);
        json_array_append_new(files, jf);
    }
    json_object_set_new(o, "files", files);
    return true;
}

static json_t *diff_side(const char *path, const lp_facts *f)
{
    json_t *x = json_object();
    json_object_set_new(x, "path", jstr(path));
    json_object_set_new(x, "error", lp_json_error(f ? &f->error : NULL));
    return x;
}

bool lp_json_diff(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_diff *dd = doc;
    const lp_diff *d = dd->diff;
    json_object_set_new(o, "a", diff_side(dd->a, dd->fa));
    json_object_set_new(o, "b", diff_side(dd->b, dd->fb));
    json_object_set_new(o, "identical", d ? json_boolean(d->n == 0) : json_null());
    json_t *arr = json_array();
    for (size_t i = 0; d && i < d->n; i++) {
        const lp_change *c = &d->changes[i];
        json_t *j = json_object();
        json_object_set_new(j, "group", json_string(c->group));
        json_object_set_new(j, "kind", json_string(lp_change_kind_name(c->kind)));
        json_object_set_new(j, "item", jstr(c->item));
        json_object_set_new(j, "a", jstr(c->a));
        json_object_set_new(j, "b", jstr(c->b));
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "changes", arr);
    return true;
}
