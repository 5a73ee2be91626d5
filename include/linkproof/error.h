/**
 * @file error.h
 * @brief The one error convention of the linkproof library.
 *
 * Every fallible library function returns an ::lp_code (LP_OK on success) and,
 * when given a non-NULL ::lp_err, fills it with the same code and a one-line,
 * lowercase message that names the input and, where one applies, the offset
 * at which the problem was found. The library never prints and never exits.
 */
#ifndef LINKPROOF_ERROR_H
#define LINKPROOF_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#include "linkproof/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes. Stable: the CLI maps them to exit statuses. */
typedef enum lp_code {
    LP_OK = 0,
    LP_ERR_IO,          /**< the operating system refused a read (errno in ::lp_err.sys_errno) */
    LP_ERR_FORMAT,      /**< the input is of a known format but malformed (truncated, out of range) */
    LP_ERR_UNSUPPORTED, /**< the input is not of any format linkproof reads */
    LP_ERR_NOMEM,       /**< an allocation failed */
    LP_ERR_INVAL,       /**< a caller error: bad argument, a directory where a file was expected */
    LP_ERR_NOTFOUND,    /**< what was asked for is not in the input */
    LP_ERR_LIMIT,       /**< the input asks for more than linkproof's documented limits allow */
    LP_ERR_CHANGED,     /**< the input changed while it was read (a process replaced or exec'd) */
} lp_code;

/** An error: what kind, what happened, where. Plain data; no allocation. */
typedef struct lp_err {
    lp_code code;      /**< LP_OK when no error is recorded */
    int sys_errno;     /**< errno for LP_ERR_IO, else 0 */
    bool has_offset;   /**< whether @ref offset is meaningful */
    uint64_t offset;   /**< file offset (or address, as the message says) of the problem */
    char msg[384];     /**< one line, no trailing newline: "'FILE': what is wrong at offset 0x..." */
} lp_err;

/** Reset @p err to "no error". Safe on NULL. */
LP_API void lp_err_clear(lp_err *err);

/**
 * Record an error (printf-style message) and return @p code, so callers can
 * write `return lp_err_set(err, LP_ERR_FORMAT, "...")`. Safe on NULL @p err.
 */
LP_API lp_code lp_err_set(lp_err *err, lp_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Like lp_err_set(), and also record @p offset as the place of the problem. */
LP_API lp_code lp_err_set_at(lp_err *err, lp_code code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** A short, stable name for @p code ("io", "format", ...), for JSON reports. */
LP_API const char *lp_code_name(lp_code code);

#ifdef __cplusplus
}
#endif
#endif
