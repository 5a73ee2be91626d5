/*
 * limits.c - the table of stated limits (see linkproof/limits.h): one row per
 * resource, its name on the command line, its default, and the one error
 * format every reader uses when an input goes over it.
 *
 * Invariant: a value is read through lp_limit() only; nothing else holds a
 * copy, so what --limit sets is what every reader enforces.
 */
#include "linkproof/limits.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

typedef struct row {
    const char *name;
    uint64_t def;
    bool size; /* a byte count (printed with a unit) */
    const char *doc;
} row;

static const row rows[LP_LIMIT_COUNT] = {
    [LP_LIMIT_MEMORY] = {"memory", 64 * MIB, true,
                         "file contents kept in memory, all images together"},
    [LP_LIMIT_DECOMPRESSED] = {"decompressed", 32 * GIB, true,
                               "bytes decompressed for one image, every pass"},
    [LP_LIMIT_RATIO] = {"ratio", 200, false,
                        "out:in bytes of one gzip/zstd stream (after 64 MiB)"},
    [LP_LIMIT_ZSTD_WINDOW] = {"zstd-window", 32 * MIB, true,
                              "the window a zstd frame may ask the decoder for"},
    [LP_LIMIT_JSON] = {"json", 8 * MIB, true,
                       "one JSON document (and one value per 32 bytes)"},
    [LP_LIMIT_PATHS] = {"paths", 500000, false, "paths in one flattened image"},
    [LP_LIMIT_FILE] = {"file", GIB, true, "the largest file read out of an image"},
    [LP_LIMIT_LDCACHE] = {"ldcache", 4 * MIB, true, "an /etc/ld.so.cache (real ones: under 1 MiB)"},
    [LP_LIMIT_IMPORT] = {"import", 64 * MIB, true, "one registry import"},
    [LP_LIMIT_VULNDB] = {"vulndb", GIB, true, "OSV reports read from one vulnerability database"},
};

static uint64_t values[LP_LIMIT_COUNT];
static bool set[LP_LIMIT_COUNT];

uint64_t lp_limit(lp_limit_id id)
{
    if ((unsigned)id >= LP_LIMIT_COUNT)
        return 0;
    return set[id] ? values[id] : rows[id].def;
}

const char *lp_limit_name(lp_limit_id id)
{
    return (unsigned)id < LP_LIMIT_COUNT ? rows[id].name : "?";
}

uint64_t lp_limit_default(lp_limit_id id)
{
    return (unsigned)id < LP_LIMIT_COUNT ? rows[id].def : 0;
}

const char *lp_limit_doc(lp_limit_id id)
{
    return (unsigned)id < LP_LIMIT_COUNT ? rows[id].doc : "";
}

void lp_limits_reset(void)
{
    memset(set, 0, sizeof set);
}

const char *lp_limit_format(lp_limit_id id, uint64_t v, char *buf, unsigned n)
{
    if (v == 0)
        snprintf(buf, n, "no limit");
    else if ((unsigned)id < LP_LIMIT_COUNT && !rows[id].size)
        snprintf(buf, n, "%llu", (unsigned long long)v);
    else if (v % GIB == 0)
        snprintf(buf, n, "%llu GiB", (unsigned long long)(v / GIB));
    else if (v % MIB == 0)
        snprintf(buf, n, "%llu MiB", (unsigned long long)(v / MIB));
    else if (v % 1024 == 0)
        snprintf(buf, n, "%llu KiB", (unsigned long long)(v / 1024));
    else
        snprintf(buf, n, "%llu bytes", (unsigned long long)v);
    return buf;
}

static lp_code bad(lp_err *err, const char *spec)
{
    char names[256] = "";
    for (int i = 0; i < LP_LIMIT_COUNT; i++) {
        strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, rows[i].name, sizeof names - strlen(names) - 1);
    }
    return lp_err_set(err, LP_ERR_INVAL,
                      "--limit '%s' is not NAME=VALUE with NAME one of %s and VALUE a number "
                      "(sizes may end in K, M, G or T)",
                      spec, names);
}

lp_code lp_limit_set(const char *spec, lp_err *err)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq)
        return bad(err, spec ? spec : "");
    int id = -1;
    for (int i = 0; i < LP_LIMIT_COUNT; i++)
        if (strlen(rows[i].name) == (size_t)(eq - spec) &&
            strncmp(rows[i].name, spec, (size_t)(eq - spec)) == 0)
            id = i;
    const char *v = eq + 1;
    if (id < 0 || !(*v >= '0' && *v <= '9'))
        return bad(err, spec);
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno)
        return bad(err, spec);
    uint64_t mul = 1;
    if (rows[id].size && *end) {
        switch (*end == 'k' ? 'K' : *end) {
        case 'K': mul = (uint64_t)1 << 10; break;
        case 'M': mul = (uint64_t)1 << 20; break;
        case 'G': mul = (uint64_t)1 << 30; break;
        case 'T': mul = (uint64_t)1 << 40; break;
        default: return bad(err, spec);
        }
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
    }
    if (*end || (mul > 1 && n > UINT64_MAX / mul))
        return bad(err, spec);
    values[id] = (uint64_t)n * mul;
    set[id] = true;
    return LP_OK;
}

lp_code lp_limit_err(lp_err *err, lp_limit_id id, const char *fmt, ...)
{
    if (!err)
        return LP_ERR_LIMIT;
    char what[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char val[32];
    lp_limit_format(id, lp_limit(id), val, sizeof val);
    /* the limit's name and the option come first when the text is long: they must survive the cut */
    size_t room = sizeof err->msg - 100;
    if (strlen(what) > room)
        what[room] = '\0';
    return lp_err_set(err, LP_ERR_LIMIT, "%s: over the %s limit of %s (raise it with --limit %s=...)",
                      what, lp_limit_name(id), val, lp_limit_name(id));
}
