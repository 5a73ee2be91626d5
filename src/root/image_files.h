/*
 * image_files.h - every regular file of an opened image, in the order its
 * bytes lie in the layers (scan reads an image this way: each layer is then
 * decompressed once, forward, instead of once per file).
 */
#ifndef LP_IMAGE_FILES_H
#define LP_IMAGE_FILES_H

#include "linkproof/root.h"

/* One file: its path in the image, its size and mode, and its bytes (the callee owns
 * @p src; NULL when it could not be read, with @p e saying why). False stops the walk. */
typedef bool (*lp_image_file_fn)(void *ctx, const char *path, uint64_t size, uint32_t mode,
                                 lp_src *src, const lp_err *e);

/*
 * Visit every regular file of the image @p root (hard links: each path), ordered by
 * (layer, entry) of its bytes. LP_ERR_INVAL when @p root is not an image; LP_ERR_NOMEM.
 * @p want, when given, says which files are worth reading: the others are visited with
 * src NULL and no error (their bytes are skipped, not copied).
 */
lp_code lp_image_each_file(lp_root *root, bool (*want)(void *ctx, const char *path, uint64_t size,
                                                       uint32_t mode),
                           lp_image_file_fn fn, void *ctx, lp_err *err);

#endif
