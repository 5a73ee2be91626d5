/**
 * @file check.h
 * @brief Assertions over the facts of a binary: the CI gate behind `linkproof check`.
 *
 * A policy is a list of assertions (from the command line or a JSON policy
 * file); evaluating it against one file's facts gives one result per
 * assertion with what was expected, what was found, and the likely cause.
 */
#ifndef LINKPROOF_CHECK_H
#define LINKPROOF_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/error.h"
#include "linkproof/facts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lp_assert_kind {
    LP_A_VAR = 1,   /**< --var NAME | NAME=VALUE | NAME~REGEX */
    LP_A_ALL_X,     /**< every recorded -X took effect */
    LP_A_STATIC,
    LP_A_DYNAMIC,
    LP_A_PIE,
    LP_A_NO_PIE,
    LP_A_CGO_ON,    /**< cgo code linked (function-table evidence) */
    LP_A_CGO_OFF,
    LP_A_STRIPPED,  /**< no symbol table */
    LP_A_NOT_STRIPPED,
    LP_A_GO,        /**< Go version constraint, e.g. ">=1.21" */
    LP_A_VCS_CLEAN, /**< vcs.modified=false recorded */
    LP_A_BUILD_ID,  /**< a Go build ID is present */
    LP_A_NO_VULNS,  /**< no known vulnerability with linked code (value "linked"), or none at all ("module") */
    LP_A_GO_SUPPORTED, /**< the Go release still receives security fixes */
} lp_assert_kind;

typedef struct lp_assert {
    lp_assert_kind kind;
    char *text;     /**< as the user wrote it, for reports: "--var main.version=1.2.3" */
    char *name;     /**< LP_A_VAR: the variable */
    char *value;    /**< LP_A_VAR with '=': the value; LP_A_GO: the constraint */
    char *regex;    /**< LP_A_VAR with '~' */
} lp_assert;

typedef struct lp_policy {
    lp_assert *a;
    size_t n;
    bool accept_unconfirmed; /**< an `unconfirmed` -X verdict passes (--accept-unconfirmed) */
    struct lp_vulndb *vulndb; /**< borrowed: the database --no-vulns is judged against (NULL: undecided) */
    const char *as_of;       /**< borrowed: the day --go-supported is judged on (NULL: today, UTC) */
} lp_policy;

/** Add one assertion from a command-line option (kind) and its argument (may be NULL). */
LP_API lp_code lp_policy_add(lp_policy *p, lp_assert_kind kind, const char *arg, lp_err *err);

/**
 * Add the assertions of a JSON policy file:
 * {"var": ["NAME", "NAME=VALUE", "NAME~REGEX"], "all_x": true, "static": true|false,
 *  "pie": true|false, "cgo": "on"|"off", "stripped": true|false, "go": ">=1.21",
 *  "vcs_clean": true, "build_id": true, "accept_unconfirmed": true, "no_vulns": "linked"|"module",
 *  "go_supported": true}. Unknown keys are
 * errors (a typo in a release policy must not pass silently).
 */
LP_API lp_code lp_policy_load(lp_policy *p, const char *path, lp_err *err);
LP_API void lp_policy_release(lp_policy *p);

/** The -X targets the policy names, for lp_facts_opts (borrowed from the policy). */
LP_API lp_code lp_policy_xtargets(const lp_policy *p, lp_xtarget **out, size_t *n, lp_err *err);

/** An assertion's outcome: "cannot tell" is not "violated". */
typedef enum lp_check_status {
    LP_CHECK_OK = 0,   /**< the assertion holds */
    LP_CHECK_FAIL,     /**< the binary violates it */
    LP_CHECK_UNDECIDED,/**< the binary cannot decide it (unconfirmed, unverifiable, not read) */
} lp_check_status;

typedef struct lp_check_result {
    const lp_assert *a;
    lp_check_status status;
    bool ok;                /**< status == LP_CHECK_OK */
    const char *confidence; /**< "high", "medium", "low": how strong the evidence is */
    char *expected;
    char *found;
    char *cause;    /**< one line: the likely cause of a failure, or why it cannot be decided; NULL when ok */
} lp_check_result;

typedef struct lp_check_report {
    lp_check_result *r;
    size_t n;
    bool ok;            /**< every assertion holds */
    size_t n_fail;      /**< assertions violated */
    size_t n_undecided; /**< assertions that could not be decided */
} lp_check_report;

LP_API const char *lp_check_status_name(lp_check_status s);

/** Evaluate every assertion of @p p against @p f. */
LP_API lp_code lp_check_eval(const lp_policy *p, const lp_facts *f, lp_check_report *out, lp_err *err);
LP_API void lp_check_report_release(lp_check_report *r);

/** One file of lp_check_files(). */
typedef struct lp_check_file {
    lp_facts *f;          /**< its facts (path, and error when it could not be read) */
    lp_check_report rep;  /**< the assertions' outcomes; empty when it could not be read */
    lp_err error;         /**< LP_OK, or why it could not be read or evaluated */
} lp_check_file;

/** The outcome over every file: "error" (one could not be read) beats "fail" beats "undecided". */
typedef enum lp_check_outcome {
    LP_CHECK_ALL_OK = 0,
    LP_CHECK_SOME_FAIL,
    LP_CHECK_SOME_UNDECIDED,
    LP_CHECK_SOME_ERROR,
} lp_check_outcome;

typedef struct lp_check_run {
    lp_check_file *files;
    size_t n;
    lp_check_outcome outcome; /**< a violation in one file is never hidden by another's undecided */
    bool ok;                  /**< every assertion holds for every file */
} lp_check_run;

/** "ok", "fail", "undecided", "error". */
LP_API const char *lp_check_outcome_name(lp_check_outcome o);

/**
 * Read each of @p paths (with the policy's -X targets) and evaluate @p p on
 * it. A file that cannot be read is kept with its error; the call fails only
 * when memory runs out. Release with lp_check_run_release().
 */
LP_API lp_code lp_check_files(const lp_policy *p, const char *const *paths, size_t n, lp_check_run *out,
                       lp_err *err);
/** lp_check_files() for paths inside a root view (a directory or an image; NULL: the host). */
LP_API lp_code lp_check_files_in(const lp_policy *p, lp_root *root, const char *const *paths, size_t n,
                                 lp_check_run *out, lp_err *err);
LP_API void lp_check_run_release(lp_check_run *r);

/**
 * Compare Go version @p v ("go1.21.3", "go1.22rc1") with constraint @p c
 * (">=1.21", ">1.20.5", "<=1.22", "<1.22", "==1.21.3", "=1.21", "!=1.20", or a bare
 * version meaning ">="). Returns 1 true, 0 false, -1 when either cannot be parsed.
 */
LP_API int lp_go_version_satisfies(const char *v, const char *c);

#ifdef __cplusplus
}
#endif
#endif
