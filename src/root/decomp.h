/*
 * decomp.h - the one decompressor of image data (layers, and a compressed
 * image tarball): gzip (zlib) and zstd (libzstd), or the bytes as they are,
 * told apart by their magic. It is where the decompression limits live
 * (linkproof/limits.h): the bytes decompressed for one image in all (a budget
 * every stream of the image draws on), the ratio of one stream, and zstd's
 * window. Internal to the image view.
 */
#ifndef LP_ROOT_DECOMP_H
#define LP_ROOT_DECOMP_H

#include <stdint.h>

#include "linkproof/error.h"

/* Decompressed bytes an image has used so far (shared by its streams). */
typedef struct lp_dbudget {
    uint64_t used;
} lp_dbudget;

/* Where the compressed bytes come from: up to one chunk, 0 at the end, -1 on error (err set). */
typedef long (*lp_dsrc_fn)(void *ctx, const void **p, lp_err *err);

typedef struct lp_dstream lp_dstream;

/* Ratios are judged only once this much has come out of a stream. */
#define LP_DECOMP_RATIO_GRACE ((uint64_t)64 << 20)

/*
 * A stream over what @p src gives, decompressed when it starts with a gzip or
 * zstd magic. @p what names the stream in messages ("'IMG': layer 2 (sha256:...)").
 */
lp_code lp_dstream_open(lp_dstream **out, lp_dsrc_fn src, void *ctx, const char *what,
                        lp_dbudget *budget, lp_err *err);
/* Up to one chunk of output: its length, 0 at the end, -1 on error (err set: truncated,
 * corrupt, or over a limit). */
long lp_dstream_read(lp_dstream *d, const void **p, lp_err *err);
/* "none", "gzip" or "zstd" (known once the first read is done). */
const char *lp_dstream_kind(const lp_dstream *d);
/* Whether the bytes pass through as they are (so the source may seek over them). */
int lp_dstream_is_plain(const lp_dstream *d);
void lp_dstream_close(lp_dstream **d);

#endif
