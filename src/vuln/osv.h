/*
 * osv.h - one OSV report of the Go vulnerability database, reduced to what
 * matching needs (internal to the library).
 */
#ifndef LP_VULN_OSV_H
#define LP_VULN_OSV_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/error.h"

/* Bounds on one report (beyond the "json" limit on its size). */
#define LP_OSV_MAX_AFFECTED 512
#define LP_OSV_MAX_EVENTS 1024
#define LP_OSV_MAX_IMPORTS 2048
#define LP_OSV_MAX_SYMBOLS 16384 /* in all imports of one affected entry */
#define LP_OSV_MAX_ALIASES 256
#define LP_OSV_MAX_STRING 4096   /* ids, paths, symbols, versions */
#define LP_OSV_MAX_SUMMARY 4096  /* longer summaries are cut */

typedef struct lp_osv_import {
    char *path;
    char **symbols;
    size_t n_symbols;
    char **goos;
    size_t n_goos;
    char **goarch;
    size_t n_goarch;
} lp_osv_import;

typedef struct lp_osv_event {
    char *introduced; /* exactly one of the two is set; "0" means from the start */
    char *fixed;
} lp_osv_event;

typedef struct lp_osv_affected {
    char *module;        /* package.name: a module path, "stdlib" or "toolchain" */
    lp_osv_event *ev;    /* every SEMVER range's events, range by range */
    size_t n_ev;
    size_t *range_end;   /* the index in ev where each range ends */
    size_t n_ranges;
    lp_osv_import *imp;
    size_t n_imp;
} lp_osv_affected;

typedef struct lp_osv {
    char *id;
    char *summary;
    char **aliases;
    size_t n_aliases;
    bool withdrawn;
    lp_osv_affected *aff;
    size_t n_aff;
} lp_osv;

/* Parse one report; @p name names it in errors. */
lp_code lp_osv_parse(const char *buf, size_t len, const char *name, lp_osv **out, lp_err *err);
void lp_osv_free(lp_osv **o);

/*
 * Whether @p version (semver, "v" optional) is in an affected range of @p a,
 * and the first fixed version above it (borrowed; NULL when none) in *fixed.
 */
bool lp_osv_affects(const lp_osv_affected *a, const char *version, const char **fixed);

#endif
