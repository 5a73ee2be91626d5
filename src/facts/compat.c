/*
 * compat.c - from what `deps` found to one verdict: does a binary start in an
 * image, and if not, the first reason, in the order a start meets them: the
 * kernel refuses another architecture before any loader runs; then the
 * interpreter must be there and be the binary's libc; then every library
 * must be mapped; symbol versions are checked last, at relocation. And the
 * matrix of binaries by images behind `compat`, each image opened once per
 * platform the binaries ask for (ld/views.c).
 *
 * Invariant: "could not be checked" (an image or a binary that cannot be
 * read) is kept apart from "does not run": such a cell has an error and no
 * reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"
#include "linkproof/object.h"

/* Problem kinds by the order they stop a start; lower first. */
static int rank(lp_problem_kind k)
{
    switch (k) {
    case LP_PROB_INTERP_MISSING: return 0;
    case LP_PROB_LIBC_MISMATCH: return 1;
    case LP_PROB_INTERP_WRONG: return 2;
    case LP_PROB_NOT_FOUND:
    case LP_PROB_BAD_LIBRARY:
    case LP_PROB_STALE_CACHE:
    case LP_PROB_CPU_DEPENDENT: return 3;
    case LP_PROB_LIMIT: return 4;
    case LP_PROB_VERSION_MISSING: return 5;
    default: return 99;
    }
}

lp_code lp_compat_judge(const lp_deps *d, const char *binary_arch, const lp_image_meta *img,
                        const char *why, lp_compat *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    const char *iarch = img ? img->architecture : NULL;
    if (binary_arch && iarch && strcmp(binary_arch, iarch) != 0) {
        out->reason = "wrong-architecture";
        if (asprintf(&out->text, "the binary is %s, the image is %s/%s%s%s", binary_arch,
                     img->os ? img->os : "?", iarch,
                     img->n_choices > 1 ? "; the file offers: " : "",
                     img->n_choices > 1 ? img->choices_text : "") < 0)
            out->text = NULL;
        return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    if (!d) {
        /* not a verdict: what stopped the check */
        lp_err_set(&out->error, LP_ERR_IO, "%s", why ? why : "could not be checked");
        out->text = strdup(why ? why : "could not be checked");
        return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    const lp_problem *first = NULL;
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        if (p->kind >= LP_PROB_WARNING)
            continue;
        if (!first || rank(p->kind) < rank(first->kind))
            first = p;
    }
    if (!first) {
        out->runs = true;
        return LP_OK;
    }
    out->reason = lp_problem_name(first->kind);
    out->text = strdup(first->text ? first->text : out->reason);
    return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
}

void lp_compat_release(lp_compat *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->platform);
    memset(c, 0, sizeof *c);
}

struct lp_compat_priv {
    lp_ld_views *views;
    const lp_image_meta **metas; /* m->metas, writable */
};

static lp_code cell(lp_compat_matrix *m, size_t b, size_t i, const lp_compat_opts *o, lp_err *err)
{
    lp_compat *c = &m->cells[b * m->n_images + i];
    const char *bin = m->binaries[b];
    char plat[64], buf[64];
    /* the platform the binary asks the image for: the one given, else its own, else this machine's */
    bool known = lp_file_platform(bin, plat, sizeof plat);
    const char *want = lp_deps_platform(bin, false, o->platform, buf, sizeof buf);
    const char *arch = known ? strchr(plat, '/') + 1 : NULL;
    lp_ld *ld = NULL;
    lp_root *root = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_ld_views_get(m->priv->views, m->images[i], i, want, o->platform, &ld, &root, &e);
    if (rc == LP_ERR_NOMEM)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (rc) {
        /* the image itself */
        if (!m->image_errors[i].code)
            m->image_errors[i] = e;
        c->error = e;
        m->n_errors++;
        return LP_OK;
    }
    const lp_image_meta *meta = lp_root_image(root);
    m->priv->metas[i] = meta;
    lp_deps *d = NULL;
    rc = lp_deps_resolve(ld, bin, &d, &e);
    if (rc == LP_ERR_NOMEM)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (rc && !m->binary_errors[b].code)
        m->binary_errors[b] = e;
    rc = lp_compat_judge(d, arch, meta, rc ? e.msg : NULL, c, err);
    lp_deps_free(&d);
    if (rc)
        return rc;
    if (!c->runs && !c->reason && m->binary_errors[b].code)
        c->error = m->binary_errors[b]; /* the binary's own error, not a verdict */
    if (!(c->platform = strdup(want)))
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (c->error.code)
        m->n_errors++;
    else if (!c->runs)
        m->n_not_running++;
    return LP_OK;
}

lp_code lp_compat_run(const char *const *binaries, size_t n_binaries, const char *const *images,
                      size_t n_images, const lp_compat_opts *o, lp_compat_matrix **out, lp_err *err)
{
    *out = NULL;
    lp_compat_matrix *m = calloc(1, sizeof *m);
    if (!m)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    m->binaries = binaries;
    m->n_binaries = n_binaries;
    m->images = images;
    m->n_images = n_images;
    size_t nc = n_binaries * n_images;
    m->cells = calloc(nc ? nc : 1, sizeof *m->cells);
    m->image_errors = calloc(n_images ? n_images : 1, sizeof *m->image_errors);
    m->binary_errors = calloc(n_binaries ? n_binaries : 1, sizeof *m->binary_errors);
    m->priv = calloc(1, sizeof *m->priv);
    if (m->priv)
        m->metas = m->priv->metas = calloc(n_images ? n_images : 1, sizeof *m->priv->metas);
    lp_code rc = LP_OK;
    if (!m->cells || !m->metas || !m->image_errors || !m->binary_errors || !m->priv ||
        !(m->priv->views = lp_ld_views_new(&o->deps)))
        rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    for (size_t b = 0; !rc && b < n_binaries; b++)
        for (size_t i = 0; !rc && i < n_images; i++)
            rc = cell(m, b, i, o, err);
    if (rc) {
        lp_compat_matrix_free(&m);
        return rc;
    }
    *out = m;
    return LP_OK;
}

void lp_compat_matrix_free(lp_compat_matrix **pm)
{
    if (!pm || !*pm)
        return;
    lp_compat_matrix *m = *pm;
    for (size_t k = 0; m->cells && k < m->n_binaries * m->n_images; k++)
        lp_compat_release(&m->cells[k]);
    free(m->cells);
    free(m->image_errors);
    free(m->binary_errors);
    if (m->priv) {
        lp_ld_views_free(&m->priv->views);
        free(m->priv->metas);
    }
    free(m->priv);
    free(m);
    *pm = NULL;
}
