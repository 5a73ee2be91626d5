/*
 * root_internal.h - what a root-view backend provides. A backend answers
 * questions about link-free canonical paths only ("/" or "/a/b", never a
 * trailing slash, never "." or ".."); root.c owns path walking and link
 * following, so every backend gets the same clamping rules for free.
 */
#ifndef LP_ROOT_INTERNAL_H
#define LP_ROOT_INTERNAL_H

#include "linkproof/root.h"
#include "util/smap.h"

typedef struct lp_root_ops {
    /* Type, size, mode and layer of canon without following a final link; type LP_FT_NONE
     * (and LP_OK) when absent: the walker asks about every component this way. */
    lp_code (*stat)(lp_root *r, const char *canon, lp_statinfo *out, lp_err *err);
    /* Target of the link at canon (caller frees). */
    lp_code (*readlink)(lp_root *r, const char *canon, char **target, lp_err *err);
    /* Open the regular file at canon; display names it in messages. */
    lp_code (*open)(lp_root *r, const char *canon, const char *display, lp_src **out,
                    lp_err *err);
    /* Names in the directory at canon, unsorted, without "." and "..". */
    lp_code (*list)(lp_root *r, const char *canon, char ***names, size_t *n, lp_err *err);
    /* The image's description (images only; NULL for other backends). */
    const lp_image_meta *(*image)(const lp_root *r);
    /* Host path of canon, or NULL when the backend has none. */
    char *(*host_path)(const lp_root *r, const char *canon);
    void (*free)(lp_root *r);
} lp_root_ops;

struct lp_root {
    const lp_root_ops *ops;
    char *label;
    bool host;
    void *priv;
    smap stats; /* canonical path -> what lstat and readlink said (a run sees one tree) */
    bool image; /* file names are shown as "IMAGE:PATH" */
};

/* Allocate a root with the given backend (label copied). */
lp_root *lp_root_new(const lp_root_ops *ops, const char *label, void *priv);

#endif
