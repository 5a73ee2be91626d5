/*
 * views.c - where `deps` and `compat` resolve: a directory root, or container
 * images opened once per platform a binary asks for, each with its resolver.
 *
 * Owns: which platform a file is resolved as (the one asked for, else the
 * file's own, else this machine's), and the cache of opened images: an image
 * is opened (layers indexed, loader files kept) at most once per platform,
 * and an image that cannot be opened gives the same error every time it is
 * asked for, without being opened again.
 */
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"
#include "linkproof/object.h"
#include "linkproof/root.h"

typedef struct view {
    size_t image;  /* which of the images given */
    char *platform;
    lp_root *root;
    lp_ld *ld;
    lp_err error;  /* why it could not be opened (root and ld are NULL) */
} view;

struct lp_ld_views {
    lp_deps_opts opts;
    view *v;
    size_t n;
};

lp_ld_views *lp_ld_views_new(const lp_deps_opts *opts)
{
    lp_ld_views *vs = calloc(1, sizeof *vs);
    if (vs && opts)
        vs->opts = *opts;
    return vs;
}

lp_code lp_ld_views_get(lp_ld_views *vs, const char *spec, size_t image, const char *platform,
                        const char *want_platform, lp_ld **ld, lp_root **root, lp_err *err)
{
    *ld = NULL;
    if (root)
        *root = NULL;
    view *w = NULL;
    for (size_t i = 0; i < vs->n && !w; i++)
        if (vs->v[i].image == image && strcmp(vs->v[i].platform, platform) == 0)
            w = &vs->v[i];
    if (!w) {
        view *nv = realloc(vs->v, (vs->n + 1) * sizeof *nv);
        if (!nv)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        vs->v = nv;
        w = &vs->v[vs->n];
        memset(w, 0, sizeof *w);
        if (!(w->platform = strdup(platform)))
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        vs->n++;
        w->image = image;
        lp_err_clear(&w->error);
        lp_image_opts o = {want_platform, platform, true}; /* the loader's files, read once */
        if (lp_root_open_image(&w->root, spec, &o, &w->error) != LP_OK ||
            lp_ld_new(&w->ld, w->root, &vs->opts, &w->error) != LP_OK) {
            lp_ld_free(&w->ld);
            lp_root_free(&w->root);
        }
    }
    if (w->error.code) {
        if (err)
            *err = w->error;
        return w->error.code;
    }
    *ld = w->ld;
    if (root)
        *root = w->root;
    return LP_OK;
}

void lp_ld_views_free(lp_ld_views **pv)
{
    if (!pv || !*pv)
        return;
    lp_ld_views *vs = *pv;
    for (size_t k = 0; k < vs->n; k++) {
        lp_ld_free(&vs->v[k].ld);
        lp_root_free(&vs->v[k].root);
        free(vs->v[k].platform);
    }
    free(vs->v);
    free(vs);
    *pv = NULL;
}

const char *lp_deps_platform(const char *file, bool in_image, const char *want, char *buf, size_t n)
{
    if (want)
        return want;
    /* the image as the file's own platform sees it; a path inside the image has none yet */
    if (!in_image && lp_file_platform(file, buf, n))
        return buf;
    return lp_host_platform();
}

struct lp_deps_session {
    lp_deps_target t;
    lp_root *root;
    lp_ld *ld;          /* the directory root's resolver */
    lp_ld_views *views; /* the image's, per platform */
};

lp_code lp_deps_session_open(const lp_deps_target *t, lp_deps_session **out, lp_err *err)
{
    *out = NULL;
    if (t->root && t->image)
        return lp_err_set(err, LP_ERR_INVAL, "--root and --image cannot be combined");
    if ((t->platform || t->in_image) && !t->image)
        return lp_err_set(err, LP_ERR_INVAL, "--platform and --in-image need an --image");
    lp_deps_session *s = calloc(1, sizeof *s);
    if (!s)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    s->t = *t;
    lp_code rc = LP_OK;
    if (t->image) {
        if (!(s->views = lp_ld_views_new(&t->opts)))
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    } else if ((rc = lp_root_open_dir(&s->root, t->root ? t->root : "/", err)) == LP_OK) {
        rc = lp_ld_new(&s->ld, s->root, &t->opts, err);
    }
    if (rc) {
        lp_deps_session_close(&s);
        return rc;
    }
    *out = s;
    return LP_OK;
}

lp_code lp_deps_session_resolve(lp_deps_session *s, const char *file, lp_deps **out, bool *whole,
                                lp_err *err)
{
    *out = NULL;
    *whole = false;
    lp_ld *ld = s->ld;
    if (s->views) {
        char buf[64];
        const char *plat = lp_deps_platform(file, s->t.in_image, s->t.platform, buf, sizeof buf);
        lp_code rc = lp_ld_views_get(s->views, s->t.image, 0, plat, s->t.platform, &ld, NULL, err);
        if (rc) {
            *whole = true; /* the image itself: every file would meet the same */
            return rc;
        }
    }
    return lp_deps_resolve_flags(ld, file, s->t.in_image ? LP_DEPS_IN_ROOT : 0, out, err);
}

void lp_deps_session_close(lp_deps_session **ps)
{
    if (!ps || !*ps)
        return;
    lp_deps_session *s = *ps;
    lp_ld_free(&s->ld);
    lp_root_free(&s->root);
    lp_ld_views_free(&s->views);
    free(s);
    *ps = NULL;
}
