/**
 * @file limits.h
 * @brief The stated limits on what one run reads, keeps and decompresses.
 *
 * Everything linkproof reads from an image, a root, a registry or a policy is
 * hostile; each resource it spends on such input has one budget here, checked
 * in one place (the image view's caches and decompressors, the JSON loader,
 * the ld.so.cache and registry readers). Going over a limit is an error
 * (LP_ERR_LIMIT) whose one-line message names the limit and how to raise it
 * ("--limit NAME=VALUE"), never a silently shorter answer. docs/limits.md lists
 * them with their defaults and what each bounds.
 *
 * The limits are process-wide: set them (lp_limit_set()) before opening
 * anything; they are read, never changed, by the library.
 */
#ifndef LINKPROOF_LIMITS_H
#define LINKPROOF_LIMITS_H

#include <stdint.h>

#include "linkproof/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lp_limit_id {
    LP_LIMIT_MEMORY = 0,   /**< "memory": bytes of file contents kept in memory, all images together */
    LP_LIMIT_DECOMPRESSED, /**< "decompressed": bytes decompressed for one image, every pass included */
    LP_LIMIT_RATIO,        /**< "ratio": decompressed bytes per compressed byte of one stream */
    LP_LIMIT_ZSTD_WINDOW,  /**< "zstd-window": the window a zstd stream may ask the decoder for */
    LP_LIMIT_JSON,         /**< "json": bytes of one JSON document (image index, manifest, config, policy) */
    LP_LIMIT_PATHS,        /**< "paths": paths in one flattened image */
    LP_LIMIT_FILE,         /**< "file": the largest file read out of an image */
    LP_LIMIT_LDCACHE,      /**< "ldcache": bytes of an ld.so.cache */
    LP_LIMIT_IMPORT,       /**< "import": bytes of one registry import */
    LP_LIMIT_VULNDB,       /**< "vulndb": bytes of reports read from one vulnerability database */
    LP_LIMIT_COUNT
} lp_limit_id;

/** The value in force (0: no limit). */
LP_API uint64_t lp_limit(lp_limit_id id);

/** The limit's name as --limit spells it ("decompressed"). */
LP_API const char *lp_limit_name(lp_limit_id id);

/** The default value. */
LP_API uint64_t lp_limit_default(lp_limit_id id);

/** One line saying what the limit bounds, for --help and the docs. */
LP_API const char *lp_limit_doc(lp_limit_id id);

/**
 * Set one limit from "NAME=VALUE": sizes take a K, M, G or T suffix (powers
 * of 1024, "MiB" and "MB" alike), counts and ratios are plain numbers, 0 means
 * no limit. A bad name or value: LP_ERR_INVAL with a message listing the names.
 */
LP_API lp_code lp_limit_set(const char *spec, lp_err *err);

/** Every limit back to its default. */
LP_API void lp_limits_reset(void);

/** @p v as the limits are written ("64 MiB", "200", "no limit"), in @p buf. */
LP_API const char *lp_limit_format(lp_limit_id id, uint64_t v, char *buf, unsigned n);

/**
 * Record LP_ERR_LIMIT: the message is @p fmt's text followed by
 * ": over the NAME limit of VALUE (raise it with --limit NAME=...)".
 */
LP_API lp_code lp_limit_err(lp_err *err, lp_limit_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif
#endif
