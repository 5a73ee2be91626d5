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
 * a container image (`--image IMAGE`) is another. Both sit behind the same
 * functions.
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

/** What lp_root_stat() tells about one path. */
typedef struct lp_statinfo {
    lp_ftype type;
    uint64_t size;  /**< regular files: bytes; otherwise 0 (directories, links) */
    uint32_t mode;  /**< permission bits (07777) */
    int layer;      /**< images: the layer (0 = bottom) the entry comes from; -1 otherwise */
} lp_statinfo;

/**
 * Open the directory @p dir as a root. "/" gives the host's own root.
 * Fails with LP_ERR_IO (it cannot be opened) or LP_ERR_INVAL (not a directory).
 */
LP_API lp_code lp_root_open_dir(lp_root **out, const char *dir, lp_err *err);

/** Platform and image choice for lp_root_open_image(). */
typedef struct lp_image_opts {
    /** "linux/arm64/v8", "linux/amd64": the platform to take from a multi-platform
     *  index (none of it there: LP_ERR_NOTFOUND); NULL: @ref default_platform */
    const char *platform;
    /** when @ref platform is NULL: the platform of the binary the caller is about to
     *  check ("linux/amd64"); NULL: the host's. When the file has no image for it, the
     *  first one listed is taken, as is an image of one platform: the caller compares
     *  the architecture itself. */
    const char *default_platform;
    /** keep the bytes of what a dynamic loader opens (lib*.so*, ld-*.so*, the loader's
     *  configuration files) while the layers are indexed, within the "memory" limit
     *  (linkproof/limits.h, shared by every image the process has open): a compressed
     *  layer cannot be read at random, so reading them later means decompressing the
     *  layer again up to each file */
    bool prefetch_libraries;
} lp_image_opts;

/** One layer of an opened image. Strings are owned by the root. */
typedef struct lp_image_layer {
    const char *digest;      /**< "sha256:..." as the manifest names it (docker-save legacy: the
                                  config's diff_id, or NULL) */
    const char *member;      /**< where the blob is: "blobs/sha256/..." or "HEX/layer.tar" */
    const char *media_type;  /**< as the manifest says, or NULL */
    const char *compression; /**< what the bytes were: "none", "gzip", "zstd" */
    uint64_t size;           /**< blob bytes */
    uint64_t entries;        /**< tar entries */
    bool verified;           /**< its SHA-256 was checked against the digest */
} lp_image_layer;

/** What was opened (lp_root_image()). Strings are owned by the root. */
typedef struct lp_image_meta {
    const char *path;            /**< the image file or directory */
    const char *layout;          /**< "oci-dir", "oci-tar" or "docker-save" */
    const char *ref;             /**< the tag or name chosen or found, or NULL */
    const char *manifest_digest; /**< "sha256:..." of the manifest (OCI), or NULL */
    const char *config_digest;   /**< "sha256:..." of the config */
    const char *os, *architecture, *variant; /**< from the config ("linux", "amd64", NULL) */
    const lp_image_layer *layers;            /**< bottom first */
    size_t n_layers;
    size_t n_paths;              /**< paths in the flattened tree, "/" included */
    uint64_t bytes_hashed;       /**< blob bytes read and checked while indexing */
    const char *const *choices;  /**< every image or platform the file offers ("ref platform digest") */
    size_t n_choices;
    const char *choices_text;    /**< the same, "; "-separated, on one line */
} lp_image_meta;

/** Layers in one image before LP_ERR_LIMIT. JSON documents, paths, file sizes and
 *  decompression are bounded by the limits of linkproof/limits.h ("json", "paths",
 *  "file", "decompressed", "ratio", "zstd-window", "memory"). */
#define LP_IMAGE_MAX_LAYERS 1024u

/**
 * Open a container image as a read-only root: a `docker save` tarball (the
 * legacy manifest.json layout, or the OCI layout newer Docker writes), an OCI
 * image layout directory (oci-layout, index.json, blobs/sha256/...) or an OCI
 * layout tarball, plain or gzip/zstd-compressed. @p spec is the path,
 * optionally followed by ":TAG" (or ":NAME:TAG") or "@sha256:HEX" to pick
 * one image when the file holds several. The layers are read in order (plain,
 * gzip or zstd tar) and flattened as the OCI image spec says (whiteouts
 * ".wh.NAME" and opaque directories ".wh..wh..opq"), every blob's SHA-256
 * checked against its digest as it is read; only the paths are kept, and a
 * file's bytes are read from its layer when lp_root_open() asks for them
 * (files over a quarter of the "memory" limit into an unlinked temporary file,
 * not into memory). Memory grows with the number of paths, not with the
 * image's size; time with the bytes decompressed.
 *
 * LP_ERR_IO: the file cannot be read; LP_ERR_FORMAT: not an image, a missing
 * blob, a digest that does not match, a layer that is not a tar, an entry with
 * ".." or an absolute path; LP_ERR_NOTFOUND: no image matches the tag or
 * platform (the message lists the choices); LP_ERR_LIMIT: over a limit (the
 * message names it and the --limit that raises it).
 */
LP_API lp_code lp_root_open_image(lp_root **out, const char *spec, const lp_image_opts *opts,
                           lp_err *err);

/** One image a file offers (lp_image_list_read()). Strings are owned by the list. */
typedef struct lp_image_entry {
    char *refs[3];          /**< its names (tags): OCI ref.name and containerd annotations, or
                                 docker save's RepoTags; NULL where there is none */
    char *os, *architecture, *variant; /**< its platform (NULL when the file does not say) */
    char *digest;           /**< "sha256:..." of its manifest (OCI), or of its config (docker save) */
    char *index_digest;     /**< the nested image index it was listed in, or NULL */
    char *media_type;       /**< of its manifest, when given */
    int64_t size;           /**< of its manifest, -1 when not given */
} lp_image_entry;

/** The images an image file offers, without opening any of them. */
typedef struct lp_image_list {
    char *path;             /**< the file or directory */
    const char *layout;     /**< "oci-dir", "oci-tar" or "docker-save" */
    lp_image_entry *images; /**< in the file's order (a multi-platform index: one per platform) */
    size_t n;
    bool several;           /**< several images, not one image of several platforms: opening
                                 needs a selector (IMAGE:TAG, IMAGE@sha256:DIGEST) */
} lp_image_list;

/**
 * List the images of the file @p spec names (a selector keeps only the images
 * it matches; one that matches none is LP_ERR_NOTFOUND). Reads the index,
 * manifest list and, for docker save, the configs; no layer.
 */
LP_API lp_code lp_image_list_read(const char *spec, lp_image_list *out, lp_err *err);
LP_API void lp_image_list_release(lp_image_list *l);

/** The opened image's description, or NULL when @p root is not an image. */
LP_API const lp_image_meta *lp_root_image(const lp_root *root);

/** Free; sets *root to NULL. Safe on NULL. */
LP_API void lp_root_free(lp_root **root);

/**
 * Forget what the view has looked up. A view remembers every path's type and
 * link target once asked (a run of the loader rules asks about the same
 * directories thousands of times); call this when the tree may have changed.
 */
LP_API void lp_root_refresh(lp_root *root);

/** What the root was opened from ("/", the directory, the image), for messages. */
LP_API const char *lp_root_label(const lp_root *root);

/** Whether the root is the host's own "/". */
LP_API bool lp_root_is_host(const lp_root *root);

/**
 * Where @p path (inside the root) is on the host, when the root is a
 * directory: "DIR/path". NULL for roots with no host path (images). The
 * result is owned by the caller.
 */
LP_API char *lp_root_host_path(const lp_root *root, const char *path);

/**
 * Resolve @p path inside the root, following every symbolic link.
 * On success *canon (owned by the caller) is the absolute, link-free path
 * and *type what it names. A missing component gives LP_ERR_NOTFOUND, a
 * link loop or chain longer than LP_ROOT_MAX_LINKS gives LP_ERR_LIMIT; both
 * messages name the path. @p canon and @p type may be NULL.
 */
LP_API lp_code lp_root_realpath(lp_root *root, const char *path, char **canon, lp_ftype *type,
                         lp_err *err);

/**
 * Type, size, mode (and, in an image, layer) of @p path; @p follow: follow a
 * final symbolic link. A missing path gives LP_ERR_NOTFOUND.
 */
LP_API lp_code lp_root_stat(lp_root *root, const char *path, bool follow, lp_statinfo *out, lp_err *err);

/** The target of the symbolic link @p path (not followed), as stored; the caller frees it. */
LP_API lp_code lp_root_readlink(lp_root *root, const char *path, char **target, lp_err *err);

/** Type of @p path without following a final symbolic link (LP_FT_NONE when absent). */
LP_API lp_code lp_root_lstat(lp_root *root, const char *path, lp_ftype *type, lp_err *err);

/**
 * Open the file at @p path (links followed) as a byte source. The source's
 * name is the path as given, prefixed by the root label unless the root is
 * the host. Not a regular file: LP_ERR_INVAL.
 */
LP_API lp_code lp_root_open(lp_root *root, const char *path, lp_src **out, lp_err *err);

/**
 * lp_root_open() of a path that must lead to a regular file (links followed
 * inside the root): LP_ERR_NOTFOUND when nothing is there, LP_ERR_INVAL when
 * what is there is not a regular file or a link loop leads nowhere, so that
 * "no such file" is told apart from a root that cannot be read.
 */
LP_API lp_code lp_root_open_regular(lp_root *root, const char *path, lp_src **out, lp_err *err);

/**
 * Read a whole small file (a configuration file) into a NUL-terminated
 * buffer. Larger than @p max: LP_ERR_LIMIT.
 */
LP_API lp_code lp_root_read_text(lp_root *root, const char *path, size_t max, char **out, size_t *len,
                          lp_err *err);

/**
 * The names in directory @p dir (links followed), sorted bytewise, without
 * "." and "..". Release with lp_root_names_free(). At most 65536 names.
 */
LP_API lp_code lp_root_list(lp_root *root, const char *dir, char ***names, size_t *n, lp_err *err);
LP_API void lp_root_names_free(char ***names, size_t n);

#ifdef __cplusplus
}
#endif
#endif
