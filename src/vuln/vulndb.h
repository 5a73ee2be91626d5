/*
 * vulndb.h - the database's internal view for matching: the reports that
 * name one module (internal to the library).
 */
#ifndef LP_VULN_VULNDB_H
#define LP_VULN_VULNDB_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/vulns.h"
#include "vuln/osv.h"

typedef struct lp_vuln_modlist {
    char **ids;       /* index layout: the ids the index lists */
    size_t n_ids;
    size_t *idx;      /* reports (indices) naming the module, once loaded */
    size_t n_idx;
    bool loaded;
    lp_osv **view;    /* the reports themselves, made once under the lock */
} lp_vuln_modlist;

/*
 * The reports naming @p module (reading them first with an index); *out is
 * borrowed from @p db and stays valid until it is freed. None: *n == 0.
 */
lp_code lp_vulndb_module(lp_vulndb *db, const char *module, const lp_osv *const **out, size_t *n,
                         lp_err *err);

#endif
