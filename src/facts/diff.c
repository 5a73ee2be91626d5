/*
 * diff.c - the changes between two facts structs, in report order.
 *
 * Owns the order of groups and the comparison rules. Lists (initializers,
 * packages, needed libraries, settings, dependencies) are compared as sets
 * by name, and changed values by key; every string in a change is a copy, so
 * the diff outlives the facts it was made from.
 */
#include "linkproof/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    lp_diff *d;
    size_t cap;
    bool oom;
} builder;

static char *dupn(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

static void push(builder *bd, const char *group, lp_change_kind kind, const char *item, size_t item_len,
                 const char *a, const char *b)
{
    if (bd->oom)
        return;
    if (bd->d->n == bd->cap) {
        size_t cap = bd->cap ? bd->cap * 2 : 32;
        lp_change *nc = realloc(bd->d->changes, cap * sizeof *nc);
        if (!nc) {
            bd->oom = true;
            return;
        }
        bd->d->changes = nc;
        bd->cap = cap;
    }
    lp_change *c = &bd->d->changes[bd->d->n];
    c->group = group;
    c->kind = kind;
    c->item = dupn(item, item_len);
    c->a = a ? strdup(a) : NULL;
    c->b = b ? strdup(b) : NULL;
    if (!c->item || (a && !c->a) || (b && !c->b)) {
        free(c->item);
        free(c->a);
        free(c->b);
        bd->oom = true;
        return;
    }
    bd->d->n++;
}

static void scalar(builder *bd, const char *group, const char *item, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
        push(bd, group, LP_CHANGED, item, strlen(item), a ? a : "(none)", b ? b : "(none)");
}

static const char *yn(bool v) { return v ? "yes" : "no"; }

/* A string list as (pointer, length) views, for set comparison. */
typedef struct view {
    const char *s;
    size_t n;
} view;

static int cmp_view(const void *x, const void *y)
{
    const view *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* Report items only in A (removed) and only in B (added); both arrays sorted. */
static void set_diff(builder *bd, const char *group, view *a, size_t na, view *b, size_t nb)
{
    qsort(a, na, sizeof *a, cmp_view);
    qsort(b, nb, sizeof *b, cmp_view);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        int c = i >= na ? 1 : j >= nb ? -1 : cmp_view(&a[i], &b[j]);
        if (c < 0) {
            push(bd, group, LP_REMOVED, a[i].s, a[i].n, NULL, NULL);
            i++;
        } else if (c > 0) {
            push(bd, group, LP_ADDED, b[j].s, b[j].n, NULL, NULL);
            j++;
        } else {
            /* skip duplicates on both sides */
            view cur = a[i];
            while (i < na && cmp_view(&a[i], &cur) == 0)
                i++;
            while (j < nb && cmp_view(&b[j], &cur) == 0)
                j++;
        }
    }
}

static view *views_of(const char *const *v, size_t n)
{
    view *out = malloc((n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = (view){v[i], strlen(v[i])};
    return out;
}

static void list_diff(builder *bd, const char *group, const char *const *a, size_t na,
                      const char *const *b, size_t nb)
{
    view *va = views_of(a, na), *vb = views_of(b, nb);
    if (!va || !vb)
        bd->oom = true;
    else
        set_diff(bd, group, va, na, vb, nb);
    free(va);
    free(vb);
}

static void pkg_diff(builder *bd, const lp_facts *a, const lp_facts *b)
{
    view *va = malloc((a->n_pkgs ? a->n_pkgs : 1) * sizeof *va);
    view *vb = malloc((b->n_pkgs ? b->n_pkgs : 1) * sizeof *vb);
    size_t na = 0, nb = 0;
    if (!va || !vb) {
        bd->oom = true;
    } else {
        for (size_t i = 0; i < a->n_pkgs; i++)
            if (a->pkgs[i].len)
                va[na++] = (view){a->pkgs[i].name, a->pkgs[i].len};
        for (size_t i = 0; i < b->n_pkgs; i++)
            if (b->pkgs[i].len)
                vb[nb++] = (view){b->pkgs[i].name, b->pkgs[i].len};
        set_diff(bd, "packages", va, na, vb, nb);
    }
    free(va);
    free(vb);
}

static const char *setting(const lp_buildinfo *bi, const char *key)
{
    return bi ? lp_buildinfo_setting(bi, key) : NULL;
}

static void settings_diff(builder *bd, const lp_buildinfo *a, const lp_buildinfo *b)
{
    /* every key of either side, once, in A's order then B's */
    const lp_buildinfo *sides[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        const lp_buildinfo *bi = sides[s];
        for (size_t i = 0; bi && i < bi->n_settings; i++) {
            const char *k = bi->settings[i].key;
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(bi->settings[j].key, k) == 0;
            if (s == 1)
                seen = seen || setting(a, k) != NULL;
            /* CGO_ENABLED is reported with the cgo evidence, near the top */
            seen = seen || strcmp(k, "CGO_ENABLED") == 0;
            if (seen)
                continue;
            const char *va = setting(a, k), *vb = setting(b, k);
            if (!va)
                push(bd, "settings", LP_ADDED, k, strlen(k), NULL, vb);
            else if (!vb)
                push(bd, "settings", LP_REMOVED, k, strlen(k), va, NULL);
            else if (strcmp(va, vb) != 0)
                push(bd, "settings", LP_CHANGED, k, strlen(k), va, vb);
        }
    }
}

static void module_str(char *buf, size_t n, const lp_module *m)
{
    if (m->replace)
        snprintf(buf, n, "%s %s => %s %s", m->version, m->sum, m->replace->path, m->replace->version);
    else
        snprintf(buf, n, "%s %s", m->version, m->sum);
}

static void deps_diff(builder *bd, const lp_buildinfo *a, const lp_buildinfo *b)
{
    char x[1024], y[1024];
    for (size_t i = 0; a && i < a->n_deps; i++) {
        const lp_module *m = &a->deps[i], *o = NULL;
        for (size_t j = 0; b && j < b->n_deps && !o; j++)
            if (strcmp(b->deps[j].path, m->path) == 0)
                o = &b->deps[j];
        module_str(x, sizeof x, m);
        if (!o) {
            push(bd, "deps", LP_REMOVED, m->path, strlen(m->path), x, NULL);
            continue;
        }
        module_str(y, sizeof y, o);
        if (strcmp(x, y) != 0)
            push(bd, "deps", LP_CHANGED, m->path, strlen(m->path), x, y);
    }
    for (size_t j = 0; b && j < b->n_deps; j++) {
        bool found = false;
        for (size_t i = 0; a && i < a->n_deps && !found; i++)
            found = strcmp(a->deps[i].path, b->deps[j].path) == 0;
        if (!found) {
            module_str(y, sizeof y, &b->deps[j]);
            push(bd, "deps", LP_ADDED, b->deps[j].path, strlen(b->deps[j].path), NULL, y);
        }
    }
}

static const char *go_version(const lp_facts *f)
{
    return f->go ? f->go->go_version : f->go_version_fallback;
}

lp_code lp_facts_diff(const lp_facts *a, const lp_facts *b, lp_diff *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    builder bd = {out, 0, false};
    const lp_buildinfo *ba = a->go, *bb = b->go;

    /* 1. what a rebuild can drop silently: initializers and cgo */
    if (a->pcln && b->pcln)
        list_diff(&bd, "init_functions", a->inits, a->n_inits, b->inits, b->n_inits);
    if (a->pcln && b->pcln && a->cgo_linked != b->cgo_linked) {
        const lp_facts *had = a->cgo_linked ? a : b;
        char ev[512] = "";
        for (size_t i = 0; i < had->n_cgo_evidence; i++)
            snprintf(ev + strlen(ev), sizeof ev - strlen(ev), "%s%s", i ? ", " : "",
                     had->cgo_evidence[i]);
        char linked[600];
        snprintf(linked, sizeof linked, "linked (%s%s)", ev, had->n_cgo_funcs > had->n_cgo_evidence ? ", ..." : "");
        const char *va = a->cgo_linked ? linked : "not linked", *vb = b->cgo_linked ? linked : "not linked";
        push(&bd, "cgo", LP_CHANGED, "runtime/cgo", 11, va, vb);
    }
    scalar(&bd, "cgo", "CGO_ENABLED", setting(ba, "CGO_ENABLED"), setting(bb, "CGO_ENABLED"));
    /* the resolver follows from the cgo code: shown beside it (go -> cgo: NSS modules now load) */
    scalar(&bd, "cgo", "resolver", a->resolver, b->resolver);

    /* 2. linkage */
    const lp_linkage *la = &a->linkage, *lb = &b->linkage;
    scalar(&bd, "linkage", "static", yn(la->is_static), yn(lb->is_static));
    scalar(&bd, "linkage", "pie", yn(la->pie), yn(lb->pie));
    scalar(&bd, "linkage", "interpreter", la->dyn.interp, lb->dyn.interp);
    list_diff(&bd, "needed", (const char *const *)la->dyn.needed, la->dyn.n_needed,
              (const char *const *)lb->dyn.needed, lb->dyn.n_needed);
    scalar(&bd, "linkage", "rpath", la->dyn.rpath, lb->dyn.rpath);
    scalar(&bd, "linkage", "runpath", la->dyn.runpath, lb->dyn.runpath);
    scalar(&bd, "linkage", "soname", la->dyn.soname, lb->dyn.soname);

    /* -X: each target's verdict and value, matched by name (recorded and user targets alike) */
    for (int side = 0; side < 2; side++) {
        const lp_facts *x = side ? b : a, *y = side ? a : b;
        for (size_t i = 0; i < x->x.n; i++) {
            const lp_xresult *r = &x->x.r[i], *o = NULL;
            for (size_t j = 0; j < y->x.n && !o; j++)
                if (strcmp(y->x.r[j].name, r->name) == 0)
                    o = &y->x.r[j];
            char vx[512], vy[512];
            snprintf(vx, sizeof vx, "%s%s%s%s", lp_xverdict_name(r->verdict), r->value ? " \"" : "",
                     r->value ? r->value : "", r->value ? "\"" : "");
            if (!o) {
                push(&bd, "xvars", side ? LP_ADDED : LP_REMOVED, r->name, strlen(r->name),
                     side ? NULL : vx, side ? vx : NULL);
                continue;
            }
            if (side)
                continue; /* pairs were compared from A's side */
            snprintf(vy, sizeof vy, "%s%s%s%s", lp_xverdict_name(o->verdict), o->value ? " \"" : "",
                     o->value ? o->value : "", o->value ? "\"" : "");
            if (strcmp(vx, vy) != 0)
                push(&bd, "xvars", LP_CHANGED, r->name, strlen(r->name), vx, vy);
        }
    }

    /* 3. the recorded build */
    scalar(&bd, "go", "version", go_version(a), go_version(b));
    scalar(&bd, "go", "go", yn(a->is_go), yn(b->is_go));
    scalar(&bd, "main", "path", ba ? ba->path : NULL, bb ? bb->path : NULL);
    char x[1024] = "", y[1024] = "";
    if (ba && ba->has_main)
        snprintf(x, sizeof x, "%s %s", ba->main.path, ba->main.version);
    if (bb && bb->has_main)
        snprintf(y, sizeof y, "%s %s", bb->main.path, bb->main.version);
    scalar(&bd, "main", "module", x[0] ? x : NULL, y[0] ? y : NULL);
    settings_diff(&bd, ba, bb);
    deps_diff(&bd, ba, bb);

    /* 4. packages, stripping, format, identity */
    if (a->pcln && b->pcln)
        pkg_diff(&bd, a, b);
    scalar(&bd, "stripping", "symtab", yn(a->symtab), yn(b->symtab));
    scalar(&bd, "stripping", "dwarf", yn(a->dwarf), yn(b->dwarf));
    scalar(&bd, "format", "format", a->is_object ? a->info.format_name : NULL,
           b->is_object ? b->info.format_name : NULL);
    scalar(&bd, "format", "machine", a->is_object ? a->machine : NULL, b->is_object ? b->machine : NULL);
    scalar(&bd, "format", "type", a->is_object ? a->info.type_name : NULL,
           b->is_object ? b->info.type_name : NULL);
    scalar(&bd, "identity", "go_build_id", a->go_build_id, b->go_build_id);
    scalar(&bd, "identity", "gnu_build_id", a->gnu_build_id, b->gnu_build_id);

    if (bd.oom) {
        lp_diff_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    return LP_OK;
}

void lp_diff_release(lp_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->changes[i].item);
        free(d->changes[i].a);
        free(d->changes[i].b);
    }
    free(d->changes);
    memset(d, 0, sizeof *d);
}

const char *lp_change_kind_name(lp_change_kind k)
{
    switch (k) {
    case LP_REMOVED: return "removed";
    case LP_ADDED: return "added";
    case LP_CHANGED: return "changed";
    }
    return "changed";
}
