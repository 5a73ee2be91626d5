/**
 * @file diff.h
 * @brief What differs between the facts of two builds.
 *
 * A view of two ::lp_facts: a flat, ordered list of changes, grouped, most
 * consequential groups first (initializers and cgo, then linkage, then the
 * recorded build, then packages, stripping and identity), so that the first
 * lines of a report answer "what did this rebuild silently drop?".
 */
#ifndef LINKPROOF_DIFF_H
#define LINKPROOF_DIFF_H

#include <stddef.h>

#include "linkproof/error.h"
#include "linkproof/facts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lp_change_kind { LP_REMOVED = 1, LP_ADDED, LP_CHANGED } lp_change_kind;

/** One change. Strings are owned by the diff. */
typedef struct lp_change {
    const char *group;   /**< "init_functions", "cgo", "linkage", "needed", "xvars", "go", "main", "settings", "deps",
                              "packages", "stripping", "format", "identity" */
    lp_change_kind kind;
    char *item;          /**< what changed: a function, a setting key, a module path, a fact name */
    char *a;             /**< value in A (NULL for LP_ADDED or when there is none) */
    char *b;             /**< value in B (NULL for LP_REMOVED or when there is none) */
} lp_change;

typedef struct lp_diff {
    lp_change *changes;
    size_t n;
} lp_diff;

/** Compare two sets of facts (both must have been read without error). */
LP_API lp_code lp_facts_diff(const lp_facts *a, const lp_facts *b, lp_diff *out, lp_err *err);
LP_API void lp_diff_release(lp_diff *d);

/** "removed", "added", "changed". */
LP_API const char *lp_change_kind_name(lp_change_kind k);

#ifdef __cplusplus
}
#endif
#endif
