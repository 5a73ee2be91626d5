/*
 * vulns.c - the vulnerability verdict: which reports of a database apply to
 * the modules of one binary (build info: its dependencies, replacements
 * taken into account, and the Go version as the modules "stdlib" and
 * "toolchain"), and whether the affected packages and symbols are in its
 * function table. Symbols are named as govulncheck names them: a function's
 * package path and its base name, a method as Type.Method with any pointer
 * receiver and generic brackets removed; closures (Func.func1) are not the
 * function they are in.
 *
 * Invariants: reads the database only through lp_vulndb_module (thread-safe);
 * the function table's names are borrowed while the symbol set is built and
 * the set is freed before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/vulns.h"
#include "vuln/osv.h"
#include "vuln/vulndb.h"

const char *lp_vuln_status_name(lp_vuln_status s)
{
    switch (s) {
    case LP_VULN_LINKED: return "linked";
    case LP_VULN_MODULE_ONLY: return "module-only";
    case LP_VULN_UNKNOWN: return "unknown";
    }
    return "?";
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void finding_release(lp_vuln_finding *f)
{
    free(f->id);
    free_strs(f->aliases, f->n_aliases);
    free(f->summary);
    free(f->module);
    free(f->version);
    free(f->go_version);
    free(f->fixed);
    free_strs(f->symbols, f->n_symbols);
    free_strs(f->packages, f->n_packages);
}

void lp_vuln_report_release(lp_vuln_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        finding_release(&r->v[i]);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* a + sep + b on the heap; NULL on OOM or when either is NULL. */
static char *join(const char *a, const char *sep, const char *b)
{
    if (!a || !b)
        return NULL;
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted set of "pkg/path.Sym" of every function, and of package paths. */
typedef struct symset {
    char **syms;
    size_t n_syms;
    char **pkgs;
    size_t n_pkgs;
} symset;

static void symset_release(symset *s)
{
    free_strs(s->syms, s->n_syms);
    free_strs(s->pkgs, s->n_pkgs);
}

/* Drop every [...] (balanced) from @p s in place. */
static void drop_brackets(char *s)
{
    char *w = s;
    int depth = 0;
    for (char *r = s; *r; r++) {
        if (*r == '[')
            depth++;
        else if (*r == ']' && depth > 0)
            depth--;
        else if (depth == 0)
            *w++ = *r;
    }
    *w = '\0';
}

/* "(*T).M" -> "T.M" in place (the part after the package), generic brackets dropped. */
static void normalize_symbol(char *s)
{
    drop_brackets(s);
    if (strncmp(s, "(*", 2) == 0) {
        char *close = strchr(s, ')');
        if (close) {
            memmove(close, close + 1, strlen(close + 1) + 1);
            memmove(s, s + 2, strlen(s + 2) + 1);
        }
    }
}

static lp_code symset_build(const lp_facts *f, symset *s, lp_err *err)
{
    memset(s, 0, sizeof *s);
    lp_pcln_version v = lp_pclntab_get_info(f->pcln)->version;
    const char **names = NULL;
    size_t n = 0;
    lp_code rc = lp_pclntab_names(f->pcln, &names, &n, err);
    if (rc)
        return rc;
    s->syms = calloc(n ? n : 1, sizeof *s->syms);
    s->pkgs = calloc(n ? n : 1, sizeof *s->pkgs);
    if (!s->syms || !s->pkgs) {
        free(names);
        return nomem(err);
    }
    const char *prev = NULL, *pkg = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        size_t pl = lp_go_package_len(name, v);
        if (!pl || name[pl] != '.')
            continue;
        /* a package's names come together: decode its path once per run of them; packages
         * from every name, so one whose functions were all inlined is linked too */
        if (!pkg || pl != prev_len || memcmp(name, prev, pl) != 0) {
            char *p = lp_go_prefix_to_path(name, pl);
            if (!p) {
                free(names);
                return nomem(err);
            }
            s->pkgs[s->n_pkgs++] = p; /* duplicates go after sorting */
            pkg = p;
            prev = name;
            prev_len = pl;
        }
        char *full = join(pkg, ".", name + pl + 1);
        if (!full) {
            free(names);
            return nomem(err);
        }
        normalize_symbol(full + strlen(pkg) + 1);
        s->syms[s->n_syms++] = full;
    }
    free(names);
    if (s->n_syms)
        qsort(s->syms, s->n_syms, sizeof *s->syms, cmp_cstr);
    if (s->n_pkgs)
        qsort(s->pkgs, s->n_pkgs, sizeof *s->pkgs, cmp_cstr);
    size_t k = 0;
    for (size_t i = 0; i < s->n_pkgs; i++) {
        if (k && strcmp(s->pkgs[k - 1], s->pkgs[i]) == 0)
            free(s->pkgs[i]);
        else
            s->pkgs[k++] = s->pkgs[i];
    }
    s->n_pkgs = k;
    return LP_OK;
}

static bool in_sorted(char *const *v, size_t n, const char *key)
{
    return n && bsearch(&key, v, n, sizeof *v, cmp_cstr) != NULL;
}

/* A package of module @p mod is linked (stdlib: a path whose first element has no dot). */
static bool module_linked(const symset *s, const char *mod, const char *first_pkg_out[1])
{
    for (size_t i = 0; i < s->n_pkgs; i++) {
        const char *p = s->pkgs[i];
        bool in;
        if (strcmp(mod, "stdlib") == 0) {
            size_t e = strcspn(p, "/");
            in = !memchr(p, '.', e) && strncmp(p, "main", 4) != 0;
        } else if (strcmp(mod, "toolchain") == 0) {
            in = strncmp(p, "cmd/", 4) == 0;
        } else {
            size_t m = strlen(mod);
            in = strncmp(p, mod, m) == 0 && (p[m] == '\0' || p[m] == '/');
        }
        if (in) {
            first_pkg_out[0] = p;
            return true;
        }
    }
    return false;
}

static bool listed(char *const *v, size_t n, const char *x)
{
    if (!n || !x)
        return true; /* no list: every value; no value known: cannot rule it out */
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], x) == 0)
            return true;
    return false;
}

static bool add_str(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return true;
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return false;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return false;
    (*n)++;
    return true;
}

/* A semver of the Go project as Go spells its versions (govulncheck's rule): 1.19.10 ->
 * go1.19.10, 1.20.0 -> go1.20 (releases before 1.21 drop a .0 patch), 1.21.0-rc.2 -> go1.21rc2. */
static bool go_tag(const char *sv, char *buf, size_t n)
{
    int ma, mi, pa, pn = 0;
    char pre[16] = "", tail = 0;
    int k = sscanf(sv, "%d.%d.%d-%15[a-z].%d%c", &ma, &mi, &pa, pre, &pn, &tail);
    if (k == 3 && !strchr(sv, '-')) {
        int w = (mi < 21 && pa == 0) ? snprintf(buf, n, "go%d.%d", ma, mi)
                                     : snprintf(buf, n, "go%d.%d.%d", ma, mi, pa);
        return w > 0 && (size_t)w < n;
    }
    if (k == 5 && pa == 0) {
        int w = snprintf(buf, n, "go%d.%d%s%d", ma, mi, pre, pn);
        return w > 0 && (size_t)w < n;
    }
    return false;
}

typedef struct bin_module {
    const char *path;
    char version[160];    /* semver with "v" */
    const char *go;       /* stdlib/toolchain: the Go version */
} bin_module;

typedef struct matcher {
    const lp_facts *f;
    const symset *syms; /* NULL without a function table */
    const char *goos, *goarch;
    lp_vuln_report *out;
    size_t cap;
} matcher;

/* The finding of @p o for module @p m, created on first use. */
static lp_vuln_finding *finding_for(matcher *mt, const lp_osv *o, const bin_module *m, lp_err *err)
{
    for (size_t i = 0; i < mt->out->n; i++)
        if (strcmp(mt->out->v[i].id, o->id) == 0 && strcmp(mt->out->v[i].module, m->path) == 0)
            return &mt->out->v[i];
    if (mt->out->n == mt->cap) {
        size_t nc = mt->cap ? mt->cap * 2 : 16;
        lp_vuln_finding *nv = realloc(mt->out->v, nc * sizeof *nv);
        if (!nv) {
            nomem(err);
            return NULL;
        }
        mt->out->v = nv;
        mt->cap = nc;
    }
    lp_vuln_finding *v = &mt->out->v[mt->out->n];
    memset(v, 0, sizeof *v);
    v->id = strdup(o->id);
    v->summary = o->summary ? strdup(o->summary) : NULL;
    v->module = strdup(m->path);
    v->version = strdup(m->go ? m->go : m->version);
    v->go_version = m->go ? strdup(m->go) : NULL;
    bool ok = v->id && v->module && v->version && (!o->summary || v->summary) && (!m->go || v->go_version);
    for (size_t i = 0; ok && i < o->n_aliases; i++)
        ok = add_str(&v->aliases, &v->n_aliases, o->aliases[i]);
    mt->out->n++;
    if (!ok) {
        nomem(err);
        return NULL;
    }
    v->status = mt->syms ? LP_VULN_MODULE_ONLY : LP_VULN_UNKNOWN;
    return v;
}

static lp_code match_affected(matcher *mt, const lp_osv *o, const lp_osv_affected *a,
                              const bin_module *m, lp_err *err)
{
    const char *fixed = NULL;
    if (!lp_osv_affects(a, m->version, &fixed))
        return LP_OK;
    /* an entry whose every import is for another GOOS/GOARCH does not apply to this binary */
    bool any_import = a->n_imp == 0;
    for (size_t i = 0; i < a->n_imp; i++)
        if (listed(a->imp[i].goos, a->imp[i].n_goos, mt->goos) &&
            listed(a->imp[i].goarch, a->imp[i].n_goarch, mt->goarch))
            any_import = true;
    if (!any_import)
        return LP_OK;
    lp_vuln_finding *v = finding_for(mt, o, m, err);
    if (!v)
        return LP_ERR_NOMEM;
    if (fixed && !v->fixed) {
        char gt[128];
        if (!(v->fixed = m->go && go_tag(fixed, gt, sizeof gt) ? strdup(gt) : join("v", "", fixed)))
            return nomem(err);
    }
    if (!mt->syms)
        return LP_OK;
    const symset *s = mt->syms;
    if (a->n_imp == 0) {
        const char *p[1];
        if (module_linked(s, m->path, p)) {
            v->status = LP_VULN_LINKED;
            if (!add_str(&v->packages, &v->n_packages, p[0]))
                return nomem(err);
        }
        return LP_OK;
    }
    for (size_t i = 0; i < a->n_imp; i++) {
        const lp_osv_import *im = &a->imp[i];
        if (!listed(im->goos, im->n_goos, mt->goos) || !listed(im->goarch, im->n_goarch, mt->goarch))
            continue;
        if (!in_sorted(s->pkgs, s->n_pkgs, im->path))
            continue;
        if (!add_str(&v->packages, &v->n_packages, im->path))
            return nomem(err);
        if (im->n_symbols == 0) {
            v->status = LP_VULN_LINKED;
            continue;
        }
        for (size_t k = 0; k < im->n_symbols; k++) {
            char *full = join(im->path, ".", im->symbols[k]);
            if (!full)
                return nomem(err);
            bool hit = in_sorted(s->syms, s->n_syms, full);
            bool ok = !hit || add_str(&v->symbols, &v->n_symbols, full);
            free(full);
            if (!ok)
                return nomem(err);
            if (hit)
                v->status = LP_VULN_LINKED;
        }
    }
    return LP_OK;
}

static lp_code match_module(matcher *mt, lp_vulndb *db, const bin_module *m, lp_err *err)
{
    const lp_osv *const *reps;
    size_t n;
    lp_code rc = lp_vulndb_module(db, m->path, &reps, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        const lp_osv *o = reps[i];
        if (o->withdrawn)
            continue;
        for (size_t k = 0; !rc && k < o->n_aff; k++)
            if (strcmp(o->aff[k].module, m->path) == 0)
                rc = match_affected(mt, o, &o->aff[k], m, err);
    }
    return rc;
}

static int cmp_finding(const void *a, const void *b)
{
    const lp_vuln_finding *x = a, *y = b;
    int c = strcmp(x->module, y->module);
    return c ? c : strcmp(x->id, y->id);
}

static bool mod_version(bin_module *bm, const char *path, const char *v)
{
    if (!v || !lp_semver_valid(v))
        return false;
    bm->path = path;
    snprintf(bm->version, sizeof bm->version, "%s%s", v[0] == 'v' ? "" : "v", v);
    bm->go = NULL;
    return true;
}

lp_code lp_vulns_match(lp_vulndb *db, const lp_facts *f, lp_vuln_report *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    const lp_buildinfo *bi = f->go;
    const char *gov = bi && bi->go_version ? bi->go_version : f->go_version_fallback;
    size_t nd = bi ? bi->n_deps : 0;
    bin_module *mods = calloc(nd + 3, sizeof *mods);
    if (!mods)
        return nomem(err);
    size_t nm = 0;
    char sv[96];
    if (gov && lp_go_semver(gov, sv, sizeof sv)) {
        for (int t = 0; t < 2; t++) {
            mods[nm].path = t == 0 ? "stdlib" : "toolchain";
            snprintf(mods[nm].version, sizeof mods[nm].version, "v%s", sv);
            mods[nm].go = gov;
            nm++;
        }
    }
    if (bi && bi->has_main && bi->main.path && mod_version(&mods[nm], bi->main.path, bi->main.version))
        nm++;
    for (size_t i = 0; i < nd; i++) {
        const lp_module *d = &bi->deps[i];
        if (!d->path)
            continue;
        /* a replacement by another module version is that version's code; a directory
         * replacement (no version) keeps the version the build required */
        const char *v = d->replace && d->replace->version && *d->replace->version ? d->replace->version
                                                                                   : d->version;
        if (mod_version(&mods[nm], d->path, v))
            nm++;
    }
    symset syms;
    memset(&syms, 0, sizeof syms);
    lp_code rc = LP_OK;
    if (f->pcln) {
        out->symbols = true;
        rc = symset_build(f, &syms, err);
    }
    matcher mt = {f, f->pcln ? &syms : NULL, bi ? lp_buildinfo_setting(bi, "GOOS") : NULL,
                  bi ? lp_buildinfo_setting(bi, "GOARCH") : NULL, out, 0};
    for (size_t i = 0; !rc && i < nm; i++)
        rc = match_module(&mt, db, &mods[i], err);
    symset_release(&syms);
    free(mods);
    if (rc) {
        lp_vuln_report_release(out);
        return rc;
    }
    for (size_t i = 0; i < out->n; i++) {
        lp_vuln_finding *v = &out->v[i];
        if (v->n_symbols)
            qsort(v->symbols, v->n_symbols, sizeof *v->symbols, cmp_cstr);
        if (v->n_packages)
            qsort(v->packages, v->n_packages, sizeof *v->packages, cmp_cstr);
        if (v->status == LP_VULN_LINKED)
            out->n_linked++;
        else if (v->status == LP_VULN_MODULE_ONLY)
            out->n_module_only++;
        else
            out->n_unknown++;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_finding);
    return LP_OK;
}
