/**
 * @file xvar.h
 * @brief Did `-ldflags -X` take effect? Verdicts from the binary itself.
 *
 * For every -X in the recorded -ldflags and every target the user names,
 * linkproof reads the variable's string header (pointer, length; relocations
 * applied) and the bytes it points to, or, in a stripped binary, finds the
 * requested value's bytes and a string header that points at them; then it
 * looks inside the package's init functions for instructions that compute the
 * variable's address (a non-constant initializer, or an init() assignment,
 * overwrites the linker's value at run time).
 */
#ifndef LINKPROOF_XVAR_H
#define LINKPROOF_XVAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/ldflags.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lp_xverdict {
    LP_XV_INJECTED = 1, /**< the variable holds the requested value (or, with no value requested, a non-empty one) */
    LP_XV_MISSING,      /**< no such variable: the linker ignored the -X */
    LP_XV_DIFFERENT,    /**< the variable exists but holds another value */
    LP_XV_EMPTY,        /**< no value requested, and the variable holds "" */
    LP_XV_OVERWRITTEN,  /**< the value is in the data, but the package's init code writes the variable */
    LP_XV_NOT_INJECTED, /**< no -X for it took effect: the record has none, or no linker-set string holds the value */
    LP_XV_UNVERIFIABLE, /**< nothing in the binary can decide; detail says why */
    LP_XV_UNCONFIRMED,  /**< the value is linked in, but the evidence does not tie it to this
                             variable (or init code may change it): neither a pass nor a failure */
} lp_xverdict;

/** What the build's own record says about -ldflags. */
typedef enum lp_xrecord {
    LP_XREC_KNOWN = 1,   /**< Go 1.18+ build settings: -ldflags recorded, or recorded as absent */
    LP_XREC_TRIMPATH,    /**< built with -trimpath, which keeps -ldflags out of the record */
    LP_XREC_NO_SETTINGS, /**< build info without build settings (Go 1.17 and older, other builders) */
    LP_XREC_NO_BUILDINFO,/**< no build info at all (removed, or not a go-command build) */
} lp_xrecord;

typedef enum lp_xsource { LP_XSRC_LDFLAGS = 1, LP_XSRC_USER } lp_xsource;

/** A -X target: NAME=VALUE, or NAME alone (user targets only). */
typedef struct lp_xtarget {
    char *name;
    char *value;   /**< NULL when no value is requested */
    lp_xsource source;
} lp_xtarget;

typedef struct lp_xresult {
    char *name;
    char *requested;       /**< NULL when none */
    lp_xsource source;
    lp_xverdict verdict;
    char *value;           /**< what the binary holds, when read; NULL otherwise */
    bool has_addr;
    uint64_t addr;         /**< address of the string header */
    const char *confidence; /**< "high", "medium", "low" */
    const char *evidence;  /**< the rule the verdict rests on (docs/check.md): "symbol",
                                "record+linker-string", "value-only", "record", "none" */
    char *detail;          /**< one line: how the verdict was reached */
    char *suggestions[3];  /**< closest real names, for LP_XV_MISSING / LP_XV_NOT_INJECTED */
    size_t n_suggestions;
} lp_xresult;

typedef struct lp_xreport {
    lp_xresult *r;
    size_t n;
    bool ldflags_recorded; /**< the build info records -ldflags */
    bool trimpath;         /**< built with -trimpath (which keeps -ldflags out of the record) */
    bool symbols;          /**< a symbol table with the Go program's own symbols was available */
    lp_xrecord record;     /**< what the record can tell about -X */
    bool overwrite_scan;   /**< init code was analysed for run-time overwrites (this GOARCH) */
} lp_xreport;

/**
 * The -X targets of an -ldflags value, parsed as the go command and the
 * linker do: fields split with quoted.Split rules, then `-X name=value`,
 * `-X=name=value`, `--X …`; the last -X for a name wins; arguments of other
 * value-taking linker flags are skipped. Targets are in first-appearance order.
 */
LP_API lp_code lp_ldflags_xtargets(const char *ldflags, lp_xtarget **out, size_t *n, lp_err *err);

/** Parse a user target "NAME" or "NAME=VALUE". */
LP_API lp_code lp_xtarget_parse(const char *spec, lp_xtarget *out, lp_err *err);
LP_API void lp_xtargets_free(lp_xtarget **t, size_t n);

LP_API void lp_xreport_release(lp_xreport *r);
LP_API const char *lp_xverdict_name(lp_xverdict v);
LP_API const char *lp_xrecord_name(lp_xrecord r);

struct lp_buildinfo;

/** The record state of build info @p bi (NULL: none), as lp_xreport.record gives it. */
LP_API lp_xrecord lp_xrecord_of(const struct lp_buildinfo *bi);

#ifdef __cplusplus
}
#endif
#endif
