/*
 * jsonlimit.h - the one check every JSON document from an input passes before
 * jansson parses it: its size, and how many values it can hold (jansson
 * spends about 100-250 bytes per value, so "[{},{},...]" costs 75 times its
 * size). Both come from the "json" limit (linkproof/limits.h).
 */
#ifndef LP_UTIL_JSONLIMIT_H
#define LP_UTIL_JSONLIMIT_H

#include <stddef.h>

#include "linkproof/error.h"

/* Bytes of document per value allowed: a document of the json limit may hold limit / this. */
#define LP_JSON_BYTES_PER_VALUE 32u

/* LP_OK, or LP_ERR_LIMIT naming @p name and @p what ("config", "policy file"). */
lp_code lp_json_check(const char *buf, size_t len, const char *name, const char *what, lp_err *err);

#endif
