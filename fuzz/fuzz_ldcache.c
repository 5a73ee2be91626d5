/*
 * fuzz_ldcache.c - libFuzzer harness for the ld.so.cache reader: parse the
 * input as a cache, touch every string of every entry, and run lookups for a
 * few names (including every key present) under several flag values and
 * glibc-hwcaps lists. Seeds: fuzz/corpus/ldcache (fuzz/gen-ldcache-seeds.py).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "linkproof/ld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ldcache *c = NULL;
    lp_err err;
    lp_err_clear(&err);
    if (lp_ldcache_parse(data, size, "fuzz", &c, &err) != LP_OK) {
        sink += strlen(err.msg);
        return 0;
    }
    static const uint32_t flags[] = {0, 0x0003, 0x0303, 0x0803, 0x0903, 0x0b03, 0x0a03, 0x1003};
    static const char *const hw_all[] = {"x86-64-v4", "x86-64-v3", "x86-64-v2", "power10", ""};
    static const char *const hw_one[] = {"x86-64-v2"};
    static const char *const names[] = {"libc.so.6", "libm.so.6", "ld-linux.so.2", "libfoo.so.1",
                                        "libc.so.06", ""};

    sink += strlen(lp_ldcache_format(c));
    if (lp_ldcache_generator(c))
        sink += strlen(lp_ldcache_generator(c));
    size_t n = lp_ldcache_count(c);
    for (size_t i = 0; i < n; i++) {
        const lp_ldcache_entry *e = lp_ldcache_at(c, i);
        sink += strlen(e->key) + strlen(e->path) + e->flags + (size_t)e->hwcap;
        if (e->hwcaps)
            sink += strlen(e->hwcaps);
        /* every key: lookups walk its run; bounded to keep runs fast */
        if (i < 64)
            for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
                const lp_ldcache_entry *r = lp_ldcache_lookup(c, e->key, flags[f], hw_all, 5);
                if (r)
                    sink += strlen(r->path);
            }
    }
    if (lp_ldcache_at(c, n))
        __builtin_trap();
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
            const lp_ldcache_entry *r = lp_ldcache_lookup(c, names[k], flags[f], NULL, 0);
            if (r)
                sink += strlen(r->path);
            r = lp_ldcache_lookup(c, names[k], flags[f], hw_one, 1);
            if (r && r->hwcaps && strcmp(r->hwcaps, "x86-64-v2") != 0)
                __builtin_trap(); /* a hwcaps entry outside the active list was chosen */
        }
    lp_ldcache_free(&c);
    if (c)
        __builtin_trap();
    return 0;
}
