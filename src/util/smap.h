/*
 * smap.h - a string-keyed hash map (open addressing, linear probing) for the
 * per-run caches of the loader rules and the root views. Keys are copied;
 * values are opaque pointers owned by the caller (smap_release can free them).
 */
#ifndef LP_UTIL_SMAP_H
#define LP_UTIL_SMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct smap {
    char **keys;
    void **vals;
    size_t cap, n;
} smap;

/* The hash the map uses (FNV-1a, 64 bits), for callers that compare strings by it first. */
uint64_t smap_hash(const char *s);
/* The value stored under key, or NULL. */
void *smap_get(const smap *m, const char *key);
/* Whether key is present (its value may be NULL). */
bool smap_has(const smap *m, const char *key);
/* Insert or replace (key copied); false on allocation failure. */
bool smap_put(smap *m, const char *key, void *val);
/* Remove key (its copy is freed, its value is not); false when it was not there. */
bool smap_del(smap *m, const char *key);
/* Free every key, and every value through free_val when it is not NULL. */
void smap_release(smap *m, void (*free_val)(void *));

#endif
