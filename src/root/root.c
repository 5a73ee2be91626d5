/*
 * root.c - path resolution inside a root view, shared by every backend.
 *
 * Invariants: a canonical path is absolute, has no "." or ".." components,
 * no empty components, no trailing slash and no symbolic link in it. The
 * walker keeps the canonical prefix and a queue of components still to
 * walk; a link splices its target in front of the queue (an absolute target
 * resets the prefix to the root), ".." drops one component and never goes
 * above the root. So whatever the tree contains, a lookup names a file
 * inside the root, and it ends: at most LP_ROOT_MAX_LINKS links, and the
 * queue never grows beyond WALK_MAX bytes.
 */
#include "root/root_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define WALK_MAX (64u * 1024u)

lp_root *lp_root_new(const lp_root_ops *ops, const char *label, void *priv)
{
    lp_root *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->label = strdup(label);
    if (!r->label) {
        free(r);
        return NULL;
    }
    r->ops = ops;
    r->priv = priv;
    return r;
}

/* One path's lstat (and, for a link, its target), remembered per root. */
typedef struct statent {
    lp_ftype type;
    char *target;
} statent;

static void statent_free(void *p)
{
    statent *e = p;
    if (e) {
        free(e->target);
        free(e);
    }
}

/*
 * lstat through the cache: a lookup of "/usr/lib/x86_64-linux-gnu/libz.so.1"
 * asks about every component, and the loader rules ask about thousands of
 * paths that share them.
 */
static lp_code cached_lstat(lp_root *r, const char *canon, lp_ftype *type, statent **ent,
                            lp_err *err)
{
    statent *e = smap_get(&r->stats, canon);
    if (!e) {
        lp_statinfo st;
        lp_code rc = r->ops->stat(r, canon, &st, err);
        if (rc != LP_OK)
            return rc;
        e = calloc(1, sizeof *e);
        if (!e)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        e->type = st.type;
        if (!smap_put(&r->stats, canon, e)) {
            free(e);
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        }
    }
    *type = e->type;
    *ent = e;
    return LP_OK;
}

/* readlink through the cache; *target stays owned by the cache. */
static lp_code cached_readlink(lp_root *r, const char *canon, statent *e, const char **target,
                               lp_err *err)
{
    if (!e->target) {
        lp_code rc = r->ops->readlink(r, canon, &e->target, err);
        if (rc != LP_OK)
            return rc;
    }
    *target = e->target;
    return LP_OK;
}

void lp_root_free(lp_root **root)
{
    if (!root || !*root)
        return;
    lp_root *r = *root;
    smap_release(&r->stats, statent_free);
    if (r->ops && r->ops->free)
        r->ops->free(r);
    free(r->label);
    free(r);
    *root = NULL;
}

void lp_root_refresh(lp_root *root)
{
    if (root)
        smap_release(&root->stats, statent_free);
}

const char *lp_root_label(const lp_root *root) { return root->label; }
bool lp_root_is_host(const lp_root *root) { return root->host; }

char *lp_root_host_path(const lp_root *root, const char *path)
{
    return root->ops->host_path ? root->ops->host_path(root, path) : NULL;
}

/* Walk state: canonical prefix plus the components still to walk. */
typedef struct walk {
    char canon[LP_ROOT_PATH_MAX + 1];
    size_t clen;       /* 0 means "/" */
    char *queue;       /* remaining path, '/'-separated */
    size_t qpos, qlen;
} walk;

static lp_code splice(walk *w, const char *target, lp_err *err, lp_root *r, const char *path)
{
    size_t tl = strlen(target), rest = w->qlen - w->qpos;
    if (tl > WALK_MAX || rest > WALK_MAX - tl - 1)
        return lp_err_set(err, LP_ERR_LIMIT, "'%s': path too long after following links in root '%s'",
                          path, r->label);
    char *q = malloc(tl + 1 + rest + 1);
    if (!q)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    memcpy(q, target, tl);
    q[tl] = '/';
    memcpy(q + tl + 1, w->queue + w->qpos, rest);
    q[tl + 1 + rest] = '\0';
    free(w->queue);
    w->queue = q;
    w->qpos = 0;
    w->qlen = tl + 1 + rest;
    return LP_OK;
}

/* Next component into comp (NUL-terminated); false when the queue is empty. */
static bool next_comp(walk *w, char *comp, size_t cap, size_t *clen_out)
{
    while (w->qpos < w->qlen && w->queue[w->qpos] == '/')
        w->qpos++;
    if (w->qpos >= w->qlen)
        return false;
    size_t s = w->qpos;
    while (w->qpos < w->qlen && w->queue[w->qpos] != '/')
        w->qpos++;
    size_t n = w->qpos - s;
    if (n >= cap)
        n = cap - 1; /* caller rejects over-long components via *clen_out */
    memcpy(comp, w->queue + s, n);
    comp[n] = '\0';
    *clen_out = w->qpos - s;
    return true;
}

static bool queue_empty(walk *w)
{
    size_t p = w->qpos;
    while (p < w->qlen && w->queue[p] == '/')
        p++;
    return p >= w->qlen;
}

static const char *canon_str(walk *w) { return w->clen ? w->canon : "/"; }

/*
 * Resolve path; follow_last decides whether a final link is followed.
 * On LP_OK *type is the final type; a missing final component gives
 * LP_ERR_NOTFOUND (canon still holds the parent walk for messages).
 */
static lp_code resolve(lp_root *r, const char *path, bool follow_last, walk *w, lp_ftype *type,
                       lp_err *err)
{
    w->clen = 0;
    w->canon[0] = '\0';
    w->queue = NULL; /* every caller frees it, also after the early returns below */
    w->qpos = 0;
    w->qlen = strlen(path);
    if (w->qlen > LP_ROOT_PATH_MAX)
        return lp_err_set(err, LP_ERR_LIMIT, "path too long in root '%s'", r->label);
    w->queue = strdup(path);
    w->qpos = 0;
    if (!w->queue)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    unsigned links = 0;
    lp_ftype t = LP_FT_DIR;
    char comp[256];
    size_t cl;
    while (next_comp(w, comp, sizeof comp, &cl)) {
        if (cl > 255)
            return lp_err_set(err, LP_ERR_NOTFOUND, "'%s': a path component is longer than 255 bytes",
                              path);
        if (t != LP_FT_DIR)
            return lp_err_set(err, LP_ERR_NOTFOUND, "'%s' not found in root '%s' ('%s' is not a directory)",
                              path, r->label, canon_str(w));
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            /* never above the root */
            while (w->clen > 0 && w->canon[w->clen - 1] != '/')
                w->clen--;
            if (w->clen > 0)
                w->clen--;
            w->canon[w->clen] = '\0';
            continue;
        }
        if (w->clen + 1 + cl > LP_ROOT_PATH_MAX)
            return lp_err_set(err, LP_ERR_LIMIT, "'%s': path too long in root '%s'", path, r->label);
        size_t save = w->clen;
        w->canon[w->clen++] = '/';
        memcpy(w->canon + w->clen, comp, cl + 1);
        w->clen += cl;
        statent *ent = NULL;
        lp_code rc = cached_lstat(r, w->canon, &t, &ent, err);
        if (rc != LP_OK)
            return rc;
        if (t == LP_FT_NONE)
            return lp_err_set(err, LP_ERR_NOTFOUND, "'%s' not found in root '%s'", path, r->label);
        if (t == LP_FT_LNK && (follow_last || !queue_empty(w))) {
            if (++links > LP_ROOT_MAX_LINKS)
                return lp_err_set(err, LP_ERR_LIMIT,
                                  "'%s': too many levels of symbolic links in root '%s'", path,
                                  r->label);
            const char *target = NULL;
            rc = cached_readlink(r, w->canon, ent, &target, err);
            if (rc != LP_OK)
                return rc;
            /* the link's directory is the prefix it is relative to */
            w->clen = save;
            w->canon[w->clen] = '\0';
            if (target[0] == '/') {
                w->clen = 0;
                w->canon[0] = '\0';
            }
            rc = splice(w, target, err, r, path);
            if (rc != LP_OK)
                return rc;
            t = LP_FT_DIR; /* the prefix is a directory */
            continue;
        }
    }
    *type = t;
    return LP_OK;
}

lp_code lp_root_realpath(lp_root *root, const char *path, char **canon, lp_ftype *type,
                         lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    lp_code rc = resolve(root, path, true, &w, &t, err);
    free(w.queue);
    if (rc != LP_OK)
        return rc;
    if (type)
        *type = t;
    if (canon) {
        *canon = strdup(canon_str(&w));
        if (!*canon)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    return LP_OK;
}

lp_code lp_root_lstat(lp_root *root, const char *path, lp_ftype *type, lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    lp_err e2;
    lp_err_clear(&e2);
    lp_code rc = resolve(root, path, false, &w, &t, &e2);
    free(w.queue);
    if (rc == LP_ERR_NOTFOUND) {
        *type = LP_FT_NONE;
        return LP_OK;
    }
    if (rc != LP_OK) {
        if (err)
            *err = e2;
        return rc;
    }
    *type = t;
    return LP_OK;
}

lp_code lp_root_stat(lp_root *root, const char *path, bool follow, lp_statinfo *out, lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    memset(out, 0, sizeof *out);
    out->layer = -1;
    lp_code rc = resolve(root, path, follow, &w, &t, err);
    if (rc == LP_OK)
        rc = root->ops->stat(root, canon_str(&w), out, err);
    if (rc == LP_OK && out->type == LP_FT_NONE) /* gone since the walk saw it */
        rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s' not found in root '%s'", path, root->label);
    free(w.queue);
    return rc;
}

lp_code lp_root_readlink(lp_root *root, const char *path, char **target, lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    *target = NULL;
    lp_code rc = resolve(root, path, false, &w, &t, err);
    if (rc == LP_OK && t != LP_FT_LNK)
        rc = lp_err_set(err, LP_ERR_INVAL, "'%s': not a symbolic link in root '%s'", path,
                        root->label);
    if (rc == LP_OK)
        rc = root->ops->readlink(root, canon_str(&w), target, err);
    free(w.queue);
    return rc;
}

/* The name a source gets: the path, prefixed by the root unless it is the host. */
static char *display_name(const lp_root *root, const char *path)
{
    lp_strbuf sb = {0};
    if (root->image) {
        lp_sb_adds(&sb, root->label);
        lp_sb_addc(&sb, ':');
    } else if (!root->host) {
        lp_sb_adds(&sb, root->label);
        if (root->label[0] && root->label[strlen(root->label) - 1] == '/' && path[0] == '/')
            path++;
    }
    lp_sb_adds(&sb, path);
    return lp_sb_take(&sb);
}

lp_code lp_root_open(lp_root *root, const char *path, lp_src **out, lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    lp_code rc = resolve(root, path, true, &w, &t, err);
    if (rc != LP_OK) {
        free(w.queue);
        return rc;
    }
    free(w.queue);
    char *disp = display_name(root, path);
    if (!disp)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    if (t != LP_FT_REG)
        rc = lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file", disp);
    else
        rc = root->ops->open(root, canon_str(&w), disp, out, err);
    free(disp);
    return rc;
}

lp_code lp_root_read_text(lp_root *root, const char *path, size_t max, char **out, size_t *len,
                          lp_err *err)
{
    lp_src *src = NULL;
    lp_code rc = lp_root_open(root, path, &src, err);
    if (rc != LP_OK)
        return rc;
    uint64_t size = lp_src_size(src);
    if (size > max) {
        rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': larger than %zu bytes", lp_src_name(src), max);
        lp_src_free(&src);
        return rc;
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        lp_src_free(&src);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    size_t got = 0;
    rc = lp_src_read_upto(src, 0, buf, (size_t)size, &got, err);
    lp_src_free(&src);
    if (rc != LP_OK) {
        free(buf);
        return rc;
    }
    buf[got] = '\0';
    *out = buf;
    if (len)
        *len = got;
    return LP_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

lp_code lp_root_list(lp_root *root, const char *dir, char ***names, size_t *n, lp_err *err)
{
    walk w;
    lp_ftype t = LP_FT_NONE;
    *names = NULL;
    *n = 0;
    lp_code rc = resolve(root, dir, true, &w, &t, err);
    free(w.queue);
    if (rc != LP_OK)
        return rc;
    if (t != LP_FT_DIR)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not a directory in root '%s'", dir, root->label);
    rc = root->ops->list(root, canon_str(&w), names, n, err);
    if (rc == LP_OK && *n > 1)
        qsort(*names, *n, sizeof **names, cmp_names);
    return rc;
}

void lp_root_names_free(char ***names, size_t n)
{
    if (!names || !*names)
        return;
    for (size_t i = 0; i < n; i++)
        free((*names)[i]);
    free(*names);
    *names = NULL;
}

lp_code lp_root_open_regular(lp_root *root, const char *path, lp_src **out, lp_err *err)
{
    *out = NULL;
    lp_statinfo st;
    lp_code rc = lp_root_stat(root, path, true, &st, err);
    if (rc == LP_ERR_LIMIT)
        return err ? (err->code = LP_ERR_INVAL) : LP_ERR_INVAL; /* a link loop: the path leads to no file */
    if (rc)
        return rc;
    if (st.type != LP_FT_REG)
        return lp_err_set(err, LP_ERR_INVAL, "'%s:%s': not a regular file", lp_root_label(root), path);
    return lp_root_open(root, path, out, err);
}
