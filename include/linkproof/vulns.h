/**
 * @file vulns.h
 * @brief Known vulnerabilities of a Go binary, from an offline Go vulnerability
 *        database (OSV), answered at the level of the linked symbols.
 *
 * The database is either the layout vuln.go.dev serves (index/modules.json[.gz]
 * and ID/GO-*.json[.gz]) or a plain folder of OSV reports (*.json). It is
 * opened once per run and shared: lp_vulns_match() may be called from several
 * threads on one database. Every report is hostile input: sizes, counts and
 * strings are bounded (the "json" and "vulndb" limits).
 *
 * For each report whose affected module (a module path, "stdlib" or
 * "toolchain") is in the binary at an affected version, a finding says whether
 * the affected packages and symbols (ecosystem_specific.imports) are in the
 * function table: `linked` (with the symbols), `module-only` (the module is
 * there, the affected code is not), or `unknown` (no function table to tell).
 */
#ifndef LINKPROOF_VULNS_H
#define LINKPROOF_VULNS_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/error.h"
#include "linkproof/facts.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An open vulnerability database. Opaque. */
typedef struct lp_vulndb lp_vulndb;

/**
 * Open the database in @p dir (NULL: $LINKPROOF_VULNDB). With an index
 * (index/modules.json or .json.gz) only the index is read here, and a
 * module's reports when a binary holding it is matched; a plain folder is
 * read once, here. LP_ERR_INVAL when neither @p dir nor the variable names
 * one; LP_ERR_IO / LP_ERR_FORMAT / LP_ERR_LIMIT for a database that cannot be
 * read (the message names the file).
 */
LP_API lp_code lp_vulndb_open(const char *dir, lp_vulndb **out, lp_err *err);
LP_API void lp_vulndb_free(lp_vulndb **db);
/** The reports the database holds (index entries, or files read). */
LP_API size_t lp_vulndb_count(const lp_vulndb *db);
/** "index" (vuln.go.dev layout) or "folder". */
LP_API const char *lp_vulndb_layout(const lp_vulndb *db);
/** The directory it was opened from. */
LP_API const char *lp_vulndb_dir(const lp_vulndb *db);

typedef enum lp_vuln_status {
    LP_VULN_LINKED = 1,  /**< affected code is in the function table */
    LP_VULN_MODULE_ONLY, /**< the module (version) is affected, its affected code is not linked */
    LP_VULN_UNKNOWN,     /**< the module (version) is affected; no function table to tell */
} lp_vuln_status;

/** "linked", "module-only", "unknown". */
LP_API const char *lp_vuln_status_name(lp_vuln_status s);

typedef struct lp_vuln_finding {
    char *id;          /**< "GO-2023-1840" */
    char **aliases;    /**< CVE-..., GHSA-... */
    size_t n_aliases;
    char *summary;     /**< NULL when the report has none */
    char *module;      /**< module path, "stdlib" or "toolchain" */
    char *version;     /**< the version in the binary: v1.2.3; stdlib/toolchain: v1.19.8 */
    char *go_version;  /**< stdlib/toolchain: the Go version as Go spells it (go1.19.8); else NULL */
    char *fixed;       /**< the first fixed version above it (same spelling as version); NULL: none */
    lp_vuln_status status;
    char **symbols;    /**< linked affected symbols: "path/pkg.Func", "path/pkg.Type.Method" */
    size_t n_symbols;
    char **packages;   /**< affected packages (import paths) present in the function table */
    size_t n_packages;
} lp_vuln_finding;

typedef struct lp_vuln_report {
    lp_vuln_finding *v; /**< sorted by module, then id */
    size_t n;
    size_t n_linked, n_module_only, n_unknown;
    bool symbols;       /**< the function table was read: answers are symbol-level */
} lp_vuln_report;

/**
 * Match the binary whose facts are @p f against @p db. Reports that are
 * withdrawn are skipped. A file without build info and without a Go version
 * gives an empty report. Thread-safe for one @p db.
 */
LP_API lp_code lp_vulns_match(lp_vulndb *db, const lp_facts *f, lp_vuln_report *out, lp_err *err);
LP_API void lp_vuln_report_release(lp_vuln_report *r);

/**
 * Compare two semantic versions (with or without a leading "v"; build
 * metadata such as +incompatible ignored): <0, 0, >0. Unparseable versions
 * sort before every valid one (and equal to each other).
 */
LP_API int lp_semver_cmp(const char *a, const char *b);
/** Whether @p v is a semantic version (leading "v" optional). */
LP_API bool lp_semver_valid(const char *v);
/**
 * A Go version ("go1.19.8", "go1.21rc2", "go1.20") as semver without "v"
 * ("1.19.8", "1.21.0-rc.2", "1.20.0") in @p buf; false when it is not one.
 */
LP_API bool lp_go_semver(const char *go, char *buf, size_t n);

/**
 * Parse one OSV report (exposed for the fuzzer and tests): LP_OK when @p buf
 * is a well-formed report within the limits; the parsed report is discarded.
 */
LP_API lp_code lp_osv_check(const char *buf, size_t len, const char *name, lp_err *err);

#ifdef __cplusplus
}
#endif
#endif
