/*
 * packages.c - the packages a function table names, and the selection of
 * functions `funcs` and `pkgs` show, so that every view groups packages the
 * same way (facts, diff, pkgs).
 *
 * Owns: package grouping (lp_go_package_len() of each name; the linker lays a
 * package's functions out together, so runs are counted first and only runs
 * are sorted) and the selection by import path. Names stay views into the
 * table: nothing is copied per function.
 */
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"

struct lp_funcs_priv {
    lp_src *src;
    lp_obj *obj;
};

static int cmp_pkg(const void *a, const void *b)
{
    const lp_pkg *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

lp_code lp_pclntab_packages(const lp_pclntab *t, lp_pkg **out, size_t *n_out, lp_err *err)
{
    *out = NULL;
    *n_out = 0;
    lp_pcln_version v = lp_pclntab_get_info(t)->version;
    size_t n = lp_pclntab_count(t), runs = 0;
    lp_pkg *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *nm = lp_pclntab_func(t, i)->name;
        lp_pkg cur = {nm, lp_go_package_len(nm, v), 1};
        if (runs && cmp_pkg(&p[runs - 1], &cur) == 0)
            p[runs - 1].n_funcs++;
        else
            p[runs++] = cur;
    }
    qsort(p, runs, sizeof *p, cmp_pkg);
    size_t k = 0;
    for (size_t i = 0; i < runs; i++) {
        if (k && cmp_pkg(&p[k - 1], &p[i]) == 0)
            p[k - 1].n_funcs += p[i].n_funcs;
        else
            p[k++] = p[i];
    }
    *out = p;
    *n_out = k;
    return LP_OK;
}

static lp_code select_funcs(lp_funcs *f, const char *package, lp_err *err)
{
    const lp_pclntab *t = f->table;
    lp_pcln_version v = lp_pclntab_get_info(t)->version;
    size_t n = lp_pclntab_count(t);
    /* the table spells import paths as the linker does (gopkg.in/yaml%2ev3) */
    char *want = package ? lp_go_path_to_prefix(package, strlen(package)) : NULL;
    size_t wl = want ? strlen(want) : 0;
    f->funcs = malloc((n ? n : 1) * sizeof *f->funcs);
    if ((package && !want) || !f->funcs) {
        free(want);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const lp_func *fn = lp_pclntab_func(t, i);
        if (want && (lp_go_package_len(fn->name, v) != wl || strncmp(fn->name, want, wl) != 0))
            continue;
        f->funcs[f->n_funcs++] = fn;
    }
    free(want);
    return LP_OK;
}

lp_code lp_funcs_read(const char *path, const char *package, lp_funcs **out, lp_err *err)
{
    return lp_funcs_read_in(NULL, path, package, out, err);
}

lp_code lp_funcs_read_in(lp_root *root, const char *path, const char *package, lp_funcs **out,
                         lp_err *err)
{
    lp_funcs *f = calloc(1, sizeof *f);
    *out = NULL;
    if (!f || !(f->path = strdup(path)) || !(f->priv = calloc(1, sizeof *f->priv))) {
        lp_funcs_free(&f);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_err_clear(&f->error);
    lp_code rc = root ? lp_root_open(root, path, &f->priv->src, &f->error)
                      : lp_src_open(&f->priv->src, path, &f->error);
    if (rc == LP_ERR_NOTFOUND) {
        /* a path the image does not have: unreadable input, as a missing host file (not
         * "no function table", which LP_ERR_NOTFOUND means to the callers) */
        f->error.code = LP_ERR_IO;
        rc = LP_ERR_IO;
    }
    if (!rc && root) {
        /* named as inspect --image names it: IMAGE:PATH */
        char *name = strdup(lp_src_name(f->priv->src));
        if (name) {
            free(f->path);
            f->path = name;
        }
    }
    if (!rc)
        rc = lp_obj_open(&f->priv->obj, f->priv->src, &f->error);
    if (!rc)
        rc = lp_pclntab_read(f->priv->obj, &f->table, &f->error);
    if (!rc)
        rc = select_funcs(f, package, &f->error);
    if (!rc)
        rc = lp_pclntab_packages(f->table, &f->pkgs, &f->n_pkgs, &f->error);
    if (rc && err)
        *err = f->error;
    *out = f;
    return rc;
}

void lp_funcs_free(lp_funcs **fp)
{
    if (!fp || !*fp)
        return;
    lp_funcs *f = *fp;
    free(f->funcs);
    free(f->pkgs);
    lp_pclntab_free(&f->table);
    if (f->priv) {
        lp_obj_free(&f->priv->obj);
        lp_src_free(&f->priv->src);
        free(f->priv);
    }
    free(f->path);
    free(f);
    *fp = NULL;
}
