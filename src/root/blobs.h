/*
 * blobs.h - where an image's blobs are: an OCI layout directory, or the
 * members of a tarball (docker save, OCI layout tar; plain, gzip or zstd).
 * Internal to the image view (image.c).
 */
#ifndef LP_ROOT_BLOBS_H
#define LP_ROOT_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "root/decomp.h"
#include "util/sha256.h"
#include "util/smap.h"

/* Members of a tarball before LP_ERR_LIMIT, and what is kept of small ones. */
#define LP_BLOBS_MAX_MEMBERS 200000u
#define LP_BLOBS_SMALL (256u << 10)
#define LP_BLOBS_SMALL_TOTAL (8u << 20)

typedef struct lp_blobs lp_blobs;
typedef struct lp_bstream lp_bstream;

/*
 * Open @p path: a directory (an OCI layout; blobs are files under it) or a
 * tarball, whose member names are listed once here (and the bytes of the
 * small ones, the JSON documents, kept). @p is_dir tells which it was. A
 * gzip or zstd tarball is decompressed once, into an unlinked temporary file
 * (drawing on @p budget), so that every member is then read at its offset.
 */
lp_code lp_blobs_open(const char *path, lp_dbudget *budget, lp_blobs **out, bool *is_dir,
                      lp_err *err);
void lp_blobs_free(lp_blobs **b);

/* Whether member @p name exists ("index.json", "blobs/sha256/HEX", "ID/layer.tar"). */
bool lp_blobs_has(lp_blobs *b, const char *name);

/* The size of member @p name, or UINT64_MAX when unknown (absent). */
uint64_t lp_blobs_size(lp_blobs *b, const char *name);

/*
 * Read member @p name whole (at most @p max bytes, else LP_ERR_LIMIT) into a
 * NUL-terminated buffer the caller frees. When @p sha256_hex is not NULL the
 * bytes must hash to it (LP_ERR_FORMAT "digest mismatch" otherwise). A missing
 * member is LP_ERR_FORMAT ("missing blob") naming @p what.
 */
lp_code lp_blobs_read(lp_blobs *b, const char *name, const char *what, const char *sha256_hex,
                      size_t max, uint8_t **data, size_t *len, lp_err *err);

/*
 * A stream over member @p name. With @p hash, every byte read is hashed
 * (lp_bstream_finish drains the rest and gives the digest); without, large
 * skips may seek.
 */
lp_code lp_bstream_open(lp_blobs *b, const char *name, const char *what, bool hash,
                        lp_bstream **out, lp_err *err);
/* Up to the stream's buffer of bytes: *p and the count, 0 at the end, -1 on error (err set). */
long lp_bstream_read(lp_bstream *s, const void **p, lp_err *err);
/* Seek over up to @p n bytes when the stream can (a file, not hashing); how many were
 * skipped, 0 when the caller must read them instead. */
int64_t lp_bstream_skip(lp_bstream *s, int64_t n, lp_err *err);
/* Read to the end; the SHA-256 of everything (hashing streams) and the byte count. */
lp_code lp_bstream_finish(lp_bstream *s, char hex[65], uint64_t *total, lp_err *err);
void lp_bstream_close(lp_bstream **s);

/* The one error for a blob whose bytes are not its digest (@p what names it). */
lp_code lp_blobs_mismatch(lp_blobs *b, const char *what, const char *want_hex,
                          const char *got_hex, lp_err *err);

/* The image path, for messages. */
const char *lp_blobs_path(const lp_blobs *b);

#endif
