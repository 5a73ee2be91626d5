/**
 * @file source.h
 * @brief Byte sources: a file read with pread(2), or a buffer already in memory.
 *
 * Readers never see a file descriptor: they ask a source for the bytes at an
 * offset. A read that reaches past the end of the source fails with
 * LP_ERR_FORMAT ("truncated"); nothing is ever read speculatively, and an
 * inspected file is opened read-only and never written.
 */
#ifndef LINKPROOF_SOURCE_H
#define LINKPROOF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An opaque byte source. */
typedef struct lp_src lp_src;

/**
 * A contiguous run of bytes taken from a source. Small regions are read into
 * a heap buffer; large ones (see ::LP_MAP_THRESHOLD) from a file are mapped.
 * Release with lp_region_release().
 */
typedef struct lp_region {
    const uint8_t *data; /**< the bytes; NULL when len is 0 */
    size_t len;          /**< how many */
    uint64_t off;        /**< offset of data[0] in the source */
    void *priv_heap;     /**< owned heap buffer, or NULL */
    void *priv_map;      /**< owned mapping base, or NULL */
    size_t priv_maplen;  /**< mapping length */
} lp_region;

/** Regions at least this large are mapped rather than copied (file sources). */
#define LP_MAP_THRESHOLD ((size_t)1 << 20)

/**
 * Open @p path read-only. Fails with LP_ERR_INVAL for a directory or anything
 * that is not a regular file, LP_ERR_IO when the system refuses.
 */
LP_API lp_code lp_src_open(lp_src **out, const char *path, lp_err *err);

/**
 * A source over an open file descriptor, which the source then owns (it is
 * closed by lp_src_free(), also when this call fails). @p size is the file's
 * size as the caller's fstat(2) found it: callers that need the file's type
 * and mode anyway save a system call.
 */
LP_API lp_code lp_src_from_fd(lp_src **out, int fd, const char *name, uint64_t size, lp_err *err);

/** A source over @p len bytes at @p buf, which must outlive it (not copied). */
LP_API lp_code lp_src_from_mem(lp_src **out, const uint8_t *buf, size_t len, const char *name,
                        lp_err *err);

/**
 * A source over @p len bytes at @p buf that calls @p release(@p ctx) when it
 * is freed (also when this call fails): for bytes the caller hands over, such
 * as a file read out of a container image.
 */
LP_API lp_code lp_src_from_mem_release(lp_src **out, const uint8_t *buf, size_t len, const char *name,
                                void (*release)(void *ctx), void *ctx, lp_err *err);

/**
 * Read the whole file @p path, named by a user or an input (a policy, a
 * registry import): opened O_NONBLOCK, so a FIFO cannot hang the open, and
 * refused unless it is a regular file (LP_ERR_INVAL, naming @p what); larger
 * than @p max bytes: LP_ERR_LIMIT through lp_limit_err() with @p limit (a
 * lp_limit_id). *out is NUL-terminated and owned by the caller.
 */
LP_API lp_code lp_file_read_all(const char *path, const char *what, uint64_t max, int limit, char **out,
                         size_t *len, lp_err *err);

/**
 * Read descriptor @p fd (a pipe, a terminal, a file) to its end, refusing more
 * than @p max bytes the same way; @p name names it in messages.
 */
LP_API lp_code lp_fd_read_all(int fd, const char *name, uint64_t max, int limit, char **out, size_t *len,
                       lp_err *err);

/** Close and free; sets *src to NULL. Safe on NULL and on *src == NULL. */
LP_API void lp_src_free(lp_src **src);

/** Size in bytes. */
LP_API uint64_t lp_src_size(const lp_src *src);

/** The name used in error messages (the path, as given). */
LP_API const char *lp_src_name(const lp_src *src);

/**
 * Read exactly @p n bytes at @p off into @p dst. A read past the end fails
 * with LP_ERR_FORMAT naming @p what ("program header table", ...).
 */
LP_API lp_code lp_src_read(lp_src *src, uint64_t off, void *dst, size_t n, const char *what,
                    lp_err *err);

/**
 * Read at most @p n bytes at @p off into @p dst; *got receives how many were
 * available (0 at or past the end). Fails only on I/O errors.
 */
LP_API lp_code lp_src_read_upto(lp_src *src, uint64_t off, void *dst, size_t n, size_t *got,
                         lp_err *err);

/**
 * Get @p n bytes at @p off as a region (exact, like lp_src_read()).
 * Memory sources return a view without copying.
 */
LP_API lp_code lp_src_region(lp_src *src, uint64_t off, size_t n, const char *what, lp_region *out,
                      lp_err *err);

/** Release what a region owns; leaves it empty. Safe on an empty region. */
LP_API void lp_region_release(lp_region *r);

#ifdef __cplusplus
}
#endif
#endif
