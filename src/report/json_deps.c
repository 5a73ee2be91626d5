/*
 * json_deps.c - JSON of what the loader would do (`deps`: the objects in load
 * order, the rules applied, the findings), of the `compat` matrix, and of what
 * an image holds (`image ls`, `image info`). Every string that came from a
 * file, a root or an image goes through lp_json_str().
 */
#include <stdint.h>
#include <string.h>

#include "report/report_internal.h"

static json_t *js(const char *s) { return s ? lp_json_str(s) : json_null(); }

static json_t *strv(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, js(v[i]));
    return a;
}

static void deps_fields(json_t *j, const lp_deps *d)
{
    json_object_set_new(j, "path", js(d->file));
    json_object_set_new(j, "root", js(d->root));
    json_object_set_new(j, "static", json_boolean(d->is_static));
    json_t *in = json_null();
    if (d->interp) {
        in = json_object();
        json_object_set_new(in, "name", js(d->interp));
        json_object_set_new(in, "path", js(d->interp_path));
        json_object_set_new(in, "found", json_boolean(d->interp_path != NULL));
    }
    json_object_set_new(j, "interpreter", in);
    json_object_set_new(j, "binary_libc", json_string(lp_libc_name(d->binary_libc)));
    json_object_set_new(j, "root_libc", json_string(lp_libc_name(d->root_libc)));
    json_object_set_new(j, "root_loader", js(d->root_loader));
    json_object_set_new(j, "rules", json_string(d->is_static ? "none" : lp_libc_name(d->rules)));
    json_object_set_new(j, "versions_checked", json_boolean(d->versions_checked));
    json_object_set_new(j, "ld_so_cache", js(d->ldcache));
    json_object_set_new(j, "hwcaps", strv(d->hwcaps, d->n_hwcaps));
    json_t *g = json_null();
    if (d->glibc_version) {
        g = json_object();
        json_object_set_new(g, "version", js(d->glibc_version));
        json_object_set_new(g, "exact", json_boolean(d->glibc_version_exact));
        json_object_set_new(g, "from", js(d->glibc_version_from));
    }
    json_object_set_new(j, "glibc", g);
    json_t *cpu = json_null();
    if (d->rules == LP_LIBC_GLIBC && !d->is_static) {
        cpu = json_object();
        json_object_set_new(cpu, "name", js(d->cpu));
        json_object_set_new(cpu, "assumed", js(d->cpu_assumed));
        json_object_set_new(cpu, "platform", js(d->platform));
        json_object_set_new(cpu, "legacy_hwcaps", strv(d->legacy_hwcaps, d->n_legacy_hwcaps));
    }
    json_object_set_new(j, "cpu", cpu);
    json_t *objs = json_array();
    for (size_t i = 0; i < d->n_objs; i++) {
        const lp_dep_obj *ob = &d->objs[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", js(ob->name));
        json_object_set_new(o, "found", json_boolean(ob->path != NULL));
        json_object_set_new(o, "path", js(ob->path));
        json_object_set_new(o, "realpath", js(ob->realpath));
        json_object_set_new(o, "host_path", js(ob->host_path));
        json_object_set_new(o, "rule", json_string(lp_rule_name(ob->rule)));
        json_object_set_new(o, "rule_detail", js(ob->rule_detail));
        json_object_set_new(o, "parent", ob->parent == SIZE_MAX ? json_null()
                                                                : json_integer((json_int_t)ob->parent));
        json_object_set_new(o, "depth", json_integer((json_int_t)ob->depth));
        json_object_set_new(o, "soname", js(ob->soname));
        json_object_set_new(o, "needed", strv(ob->needed, ob->n_needed));
        json_t *ch = json_array();
        for (size_t k = 0; k < ob->n_needed; k++)
            json_array_append_new(ch, ob->children && ob->children[k] < d->n_objs
                                          ? json_integer((json_int_t)ob->children[k])
                                          : json_null());
        json_object_set_new(o, "children", ch);
        json_t *sk = json_array();
        for (size_t k = 0; k < ob->n_skipped; k++) {
            json_t *s = json_object();
            json_object_set_new(s, "path", js(ob->skipped[k].path));
            json_object_set_new(s, "why", js(ob->skipped[k].why));
            json_array_append_new(sk, s);
        }
        json_object_set_new(o, "skipped", sk);
        json_array_append_new(objs, o);
    }
    json_object_set_new(j, "objects", objs);
    json_t *probs = json_array();
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        json_t *o = lp_json_finding(lp_problem_name(p->kind), p->kind < LP_PROB_WARNING ? LP_SEV_ERROR : LP_SEV_WARNING,
                                    p->text);
        json_object_set_new(o, "object", p->object < d->n_objs
                                             ? js(d->objs[p->object].path ? d->objs[p->object].path
                                                                          : d->objs[p->object].name)
                                             : json_null());
        if (p->version) {
            json_object_set_new(o, "version", js(p->version));
            json_object_set_new(o, "library", js(p->library));
            json_object_set_new(o, "provided", js(p->provided));
            json_object_set_new(o, "symbols", strv(p->symbols, p->n_symbols));
            json_object_set_new(o, "symbols_total", json_integer((json_int_t)p->n_symbols_total));
        }
        json_array_append_new(probs, o);
    }
    json_object_set_new(j, "findings", probs);
    json_object_set_new(j, "ok", json_boolean(d->n_errors == 0));
}

bool lp_json_deps(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_deps *dd = doc;
    if (dd->d) {
        deps_fields(o, dd->d);
    } else {
        /* a file that could not be read: the same keys, each null (arrays empty) */
        static const char *const nulls[] = {"root", "static", "interpreter", "binary_libc", "root_libc",
                                            "root_loader", "rules", "versions_checked", "ld_so_cache"};
        json_object_set_new(o, "path", js(dd->path));
        for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
            json_object_set_new(o, nulls[i], json_null());
        json_object_set_new(o, "hwcaps", json_array());
        json_object_set_new(o, "glibc", json_null());
        json_object_set_new(o, "cpu", json_null());
        json_object_set_new(o, "objects", json_array());
        json_object_set_new(o, "findings", json_array());
        json_object_set_new(o, "ok", json_null());
    }
    json_object_set_new(o, "error", lp_json_error(dd->error));
    return true;
}

static const char *type_word(lp_ftype t)
{
    switch (t) {
    case LP_FT_REG: return "file";
    case LP_FT_DIR: return "dir";
    case LP_FT_LNK: return "symlink";
    default: return "other";
    }
}

bool lp_json_image_ls(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_image_ls *d = doc;
    const char *path = d->path, *target = d->target;
    const lp_statinfo *st = d->st;
    json_object_set_new(o, "path", lp_json_str(path));
    json_object_set_new(o, "type", json_string(type_word(st->type)));
    json_object_set_new(o, "mode", json_integer((json_int_t)(st->mode & 07777u)));
    json_object_set_new(o, "size", json_integer((json_int_t)st->size));
    json_object_set_new(o, "target", lp_json_str(target));
    json_object_set_new(o, "layer", json_integer(st->layer));
    return true;
}

bool lp_json_image_info(json_t *o, const lp_report *r, const void *doc)
{
    const lp_image_meta *m = doc;
    json_object_set_new(o, "path", lp_json_str(m->path));
    json_object_set_new(o, "layout", lp_json_str(m->layout));
    json_object_set_new(o, "ref", lp_json_str(m->ref));
    json_object_set_new(o, "manifest_digest", lp_json_str(m->manifest_digest));
    json_object_set_new(o, "config_digest", lp_json_str(m->config_digest));
    json_object_set_new(o, "os", lp_json_str(m->os));
    json_object_set_new(o, "architecture", lp_json_str(m->architecture));
    json_object_set_new(o, "variant", lp_json_str(m->variant));
    json_t *ls = json_array();
    for (size_t i = 0; ls && i < m->n_layers; i++) {
        const lp_image_layer *l = &m->layers[i];
        json_t *x = json_object();
        json_object_set_new(x, "digest", lp_json_str(l->digest));
        json_object_set_new(x, "member", lp_json_str(l->member));
        json_object_set_new(x, "media_type", lp_json_str(l->media_type));
        json_object_set_new(x, "compression", lp_json_str(l->compression));
        json_object_set_new(x, "size", json_integer((json_int_t)l->size));
        json_object_set_new(x, "entries", json_integer((json_int_t)l->entries));
        json_object_set_new(x, "verified", json_boolean(l->verified));
        json_array_append_new(ls, x);
    }
    json_object_set_new(o, "layers", ls);
    json_object_set_new(o, "paths", json_integer((json_int_t)m->n_paths));
    json_object_set_new(o, "bytes_hashed", json_integer((json_int_t)m->bytes_hashed));
    json_t *ch = json_array();
    for (size_t i = 0; ch && i < m->n_choices; i++)
        json_array_append_new(ch, lp_json_str(m->choices[i]));
    json_object_set_new(o, "choices", ch);
    return true;
}

bool lp_json_image_list(json_t *o, const lp_report *r, const void *doc)
{
    const lp_image_list *l = doc;
    json_object_set_new(o, "path", lp_json_str(l->path));
    json_object_set_new(o, "layout", lp_json_str(l->layout));
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        const lp_image_entry *e = &l->images[i];
        json_t *x = json_object(), *refs = json_array();
        for (int k = 0; k < 3; k++)
            if (e->refs[k])
                json_array_append_new(refs, lp_json_str(e->refs[k]));
        json_object_set_new(x, "ref", lp_json_str(e->refs[0] ? e->refs[0] : e->refs[1]));
        json_object_set_new(x, "refs", refs);
        json_object_set_new(x, "os", lp_json_str(e->os));
        json_object_set_new(x, "architecture", lp_json_str(e->architecture));
        json_object_set_new(x, "variant", lp_json_str(e->variant));
        json_object_set_new(x, "digest", lp_json_str(e->digest));
        json_object_set_new(x, "index_digest", lp_json_str(e->index_digest));
        json_object_set_new(x, "media_type", lp_json_str(e->media_type));
        json_object_set_new(x, "size", e->size >= 0 ? json_integer((json_int_t)e->size) : json_null());
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "images", a);
    return true;
}

bool lp_json_compat(json_t *o, const lp_report *r, const void *doc)
{
    const lp_compat_matrix *mx = doc;
    json_t *imgs = json_array(), *bins = json_array(), *res = json_array();
    for (size_t i = 0; i < mx->n_images; i++) {
        json_t *x = json_object();
        const lp_image_meta *m = mx->metas ? mx->metas[i] : NULL;
        json_object_set_new(x, "image", lp_json_str(mx->images[i]));
        json_object_set_new(x, "ref", lp_json_str(m ? m->ref : NULL));
        json_object_set_new(x, "os", lp_json_str(m ? m->os : NULL));
        json_object_set_new(x, "architecture", lp_json_str(m ? m->architecture : NULL));
        json_object_set_new(x, "error", lp_json_error(mx->image_errors ? &mx->image_errors[i] : NULL));
        json_array_append_new(imgs, x);
    }
    for (size_t b = 0; b < mx->n_binaries; b++)
        json_array_append_new(bins, lp_json_str(mx->binaries[b]));
    for (size_t b = 0; b < mx->n_binaries; b++)
        for (size_t i = 0; i < mx->n_images; i++) {
            const lp_compat *c = &mx->cells[b * mx->n_images + i];
            json_t *x = json_object(), *fs = json_array();
            bool checked = !c->error.code;
            json_object_set_new(x, "path", lp_json_str(mx->binaries[b]));
            json_object_set_new(x, "image", lp_json_str(mx->images[i]));
            json_object_set_new(x, "platform", lp_json_str(c->platform));
            /* "could not be checked" is not "does not run" */
            json_object_set_new(x, "runs", checked ? json_boolean(c->runs) : json_null());
            if (checked && !c->runs && c->reason)
                json_array_append_new(fs, lp_json_finding(c->reason, LP_SEV_ERROR, c->text ? c->text : c->reason));
            json_object_set_new(x, "findings", fs);
            json_object_set_new(x, "error", lp_json_error(&c->error));
            json_array_append_new(res, x);
        }
    json_object_set_new(o, "images", imgs);
    json_object_set_new(o, "paths", bins);
    json_object_set_new(o, "results", res);
    json_object_set_new(o, "ok", json_boolean(mx->n_not_running == 0 && mx->n_errors == 0));
    return true;
}
