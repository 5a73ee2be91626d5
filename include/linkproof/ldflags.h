/**
 * @file ldflags.h
 * @brief Splitting a recorded -ldflags value the way the go command does.
 */
#ifndef LINKPROOF_LDFLAGS_H
#define LINKPROOF_LDFLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A list of heap strings. */
typedef struct lp_strv {
    char **v;
    size_t n;
} lp_strv;

LP_API void lp_strv_release(lp_strv *sv);

/**
 * Split @p s into fields as cmd/internal/quoted.Split does: fields are
 * separated by white space; a field may be wrapped whole in single or double
 * quotes, with no escapes inside. An unterminated quote is LP_ERR_FORMAT.
 */
LP_API lp_code lp_go_split_quoted(const char *s, lp_strv *out, lp_err *err);

/**
 * Whether the linker flag list @p args sets boolean flag @p name (e.g. "s",
 * "w"): `-s`, `--s`, `-s=true`, with the last occurrence winning.
 */
LP_API bool lp_ldflags_bool(const lp_strv *args, const char *name);

#ifdef __cplusplus
}
#endif
#endif
