/*
 * jsonlimit.c - bounds a JSON document's parse before it happens (see
 * jsonlimit.h). One pass over the bytes, counting the places a value can
 * start outside strings: '[', '{', ',' and ':'; what jansson allocates grows
 * with that count and with the bytes, both capped here.
 */
#include "util/jsonlimit.h"

#include <stdbool.h>

#include "linkproof/limits.h"

lp_code lp_json_check(const char *buf, size_t len, const char *name, const char *what, lp_err *err)
{
    uint64_t max = lp_limit(LP_LIMIT_JSON);
    if (!max)
        return LP_OK;
    if (len > max)
        return lp_limit_err(err, LP_LIMIT_JSON, "'%s': %s of %zu bytes", name, what, len);
    uint64_t values = 0, max_values = max / LP_JSON_BYTES_PER_VALUE;
    if (max_values < 1024)
        max_values = 1024;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{' || c == ',' || c == ':') {
            if (++values > max_values)
                return lp_limit_err(err, LP_LIMIT_JSON, "'%s': %s holds more than %llu values", name,
                                    what, (unsigned long long)max_values);
        }
    }
    return LP_OK;
}
