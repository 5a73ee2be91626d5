/**
 * @file root.h
 * @brief Root views: a filesystem tree read as a chroot would see it.
 *
 * The dynamic-loader rules (ld.h) never open host paths; they ask a root
 * view. Every path given to these functions is an absolute path inside the
 * root ("/lib/libc.so.6"). Symbolic links are followed inside the root: an
 * absolute target starts again at the root, ".." stops at the root, and at
 * most LP_ROOT_MAX_LINKS links are followed per lookup, so nothing read
 * through a view can come from outside it.
 *
 * A directory (`--root DIR`, and "/" for the host) is one implementation;
 * a container image is another. Both sit behind the same functions.
 */
#ifndef LINKPROOF_ROOT_H
#define LINKPROOF_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_root lp_root;

/** Symbolic links followed in one lookup before it fails with LP_ERR_LIMIT (as Linux's 40). */
#define LP_ROOT_MAX_LINKS 40
/** Longest path accepted inside a root. */
#define LP_ROOT_PATH_MAX 4096

typedef enum lp_ftype {
    LP_FT_NONE = 0, /**< does not exist */
    LP_FT_REG,      /**< regular file */
    LP_FT_DIR,      /**< directory */
    LP_FT_LNK,      /**< symbolic link (only from lp_root_lstat()) */
    LP_FT_OTHER,    /**< device, FIFO, socket */
} lp_ftype;

/**
 * Open the directory @p dir as a root. "/" gives the host's own root.
 * Fails with LP_ERR_IO (it cannot be opened) or LP_ERR_INVAL (not a directory).
 */
lp_code lp_root_open_dir(lp_root **out, const char *dir, lp_err *err);

/** Free; sets *root to NULL. Safe on NULL. */
void lp_root_free(lp_root **root);

/**
 * Forget what the view has looked up. A view remembers every path's type and
 * link target once asked (a run of the loader rules asks about the same
 * directories thousands of times); call this when the tree may have changed.
 */
void lp_root_refresh(lp_root *root);

/** What the root was opened from ("/", the directory, the image), for messages. */
const char *lp_root_label(const lp_root *root);

/** Whether the root is the host's own "/". */
bool lp_root_is_host(const lp_root *root);

/**
 * Where @p path (inside the root) is on the host, when the root is a
 * directory: "DIR/path". NULL for roots with no host path (images). The
 * result is owned by the caller.
 */
char *lp_root_host_path(const lp_root *root, const char *path);

/**
 * Resolve @p path inside the root, following every symbolic link.
 * On success *canon (owned by the caller) is the absolute, link-free path
 * and *type what it names. A missing component gives LP_ERR_NOTFOUND, a
 * link loop or chain longer than LP_ROOT_MAX_LINKS gives LP_ERR_LIMIT; both
 * messages name the path. @p canon and @p type may be NULL.
 */
lp_code lp_root_realpath(lp_root *root, const char *path, char **canon, lp_ftype *type,
                         lp_err *err);

/** Type of @p path without following a final symbolic link (LP_FT_NONE when absent). */
lp_code lp_root_lstat(lp_root *root, const char *path, lp_ftype *type, lp_err *err);

/**
 * Open the file at @p path (links followed) as a byte source. The source's
 * name is the path as given, prefixed by the root label unless the root is
 * the host. Not a regular file: LP_ERR_INVAL.
 */
lp_code lp_root_open(lp_root *root, const char *path, lp_src **out, lp_err *err);

/**
 * Read a whole small file (a configuration file) into a NUL-terminated
 * buffer. Larger than @p max: LP_ERR_LIMIT.
 */
lp_code lp_root_read_text(lp_root *root, const char *path, size_t max, char **out, size_t *len,
                          lp_err *err);

/**
 * The names in directory @p dir (links followed), sorted bytewise, without
 * "." and "..". Release with lp_root_names_free(). At most 65536 names.
 */
lp_code lp_root_list(lp_root *root, const char *dir, char ***names, size_t *n, lp_err *err);
void lp_root_names_free(char ***names, size_t n);

#ifdef __cplusplus
}
#endif
#endif
