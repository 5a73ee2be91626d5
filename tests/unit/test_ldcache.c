/*
 * test_ldcache.c - ld.so.cache parsing and lookup (caches built here in
 * memory, in every layout and byte order, plus the host's own cache checked
 * against `ldconfig -p`), ld.so.conf reading and musl path files (in a
 * temporary directory opened as a root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/ld.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------------ */
/* A cache writer, laid out as glibc's elf/cache.c save_cache does.    */

enum { FMT_OLD, FMT_NEW, FMT_OLDNEW };

#define EXT (1ull << 62)

typedef struct tent {
    uint32_t flags;
    const char *key, *path;
    int hw;         /* index into the glibc-hwcaps names, -1: none */
    uint64_t hwcap; /* raw value when hw < 0 (legacy bits) */
    uint32_t isa;   /* ISA level bits for hw >= 0 */
} tent;

typedef struct tcache {
    int fmt;
    bool be;
    int eflag;        /* endianness flag byte; -1: 2 or 3 from be */
    bool pad_even;    /* old+new: round the old count up to even (ldconfig does) */
    const char *generator;
    const char *const *hwnames;
    size_t n_hw;
    const tent *e;
    size_t n;
} tcache;

typedef struct obuf {
    uint8_t *b;
    size_t len;
    bool be;
} obuf;

static void ob_grow(obuf *o, size_t len)
{
    if (len <= o->len)
        return;
    o->b = realloc(o->b, len);
    assert_non_null(o->b);
    memset(o->b + o->len, 0, len - o->len);
    o->len = len;
}

static void ob_bytes(obuf *o, size_t off, const void *p, size_t n)
{
    ob_grow(o, off + n);
    memcpy(o->b + off, p, n);
}

static void ob_u32(obuf *o, size_t off, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[o->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
    ob_bytes(o, off, b, 4);
}

static void ob_u64(obuf *o, size_t off, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[o->be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
    ob_bytes(o, off, b, 8);
}

/* Where the last build() put the end of its entries' strings (the hwcaps
 * names and the extension directory follow). */
static size_t built_entry_strings_end;

static uint8_t *build(const tcache *t, size_t *len)
{
    obuf o = {NULL, 0, t->be};
    /* the string blob: key, path per entry, then the hwcaps names */
    size_t nstr = 2 * t->n + t->n_hw;
    size_t *soff = calloc(nstr + 1, sizeof *soff);
    assert_non_null(soff);
    size_t blob = 0;
    for (size_t i = 0; i < nstr; i++) {
        const char *s = i < 2 * t->n ? (i % 2 ? t->e[i / 2].path : t->e[i / 2].key)
                                     : t->hwnames[i - 2 * t->n];
        soff[i] = blob;
        blob += strlen(s) + 1;
    }

    size_t old_n = t->n, old_end = 0, H = 0, S;
    if (t->fmt != FMT_NEW) {
        if (t->fmt == FMT_OLDNEW && t->pad_even)
            old_n = (old_n + 1) & ~(size_t)1;
        ob_bytes(&o, 0, "ld.so-1.7.0", 11);
        ob_u32(&o, 12, (uint32_t)old_n);
        old_end = 16 + 12 * old_n;
        ob_grow(&o, old_end);
        H = t->fmt == FMT_OLDNEW ? (t->pad_even ? (old_end + 7) & ~(size_t)7 : old_end) : 0;
    }
    S = t->fmt == FMT_OLD ? old_end : H + 48 + 24 * t->n;
    for (size_t i = 0; i < nstr; i++) {
        const char *s = i < 2 * t->n ? (i % 2 ? t->e[i / 2].path : t->e[i / 2].key)
                                     : t->hwnames[i - 2 * t->n];
        ob_bytes(&o, S + soff[i], s, strlen(s) + 1);
    }
    built_entry_strings_end = S + soff[2 * t->n];
    if (t->fmt != FMT_NEW) {
        for (size_t i = 0; i < old_n; i++) {
            size_t j = i < t->n ? i : t->n - 1;
            ob_u32(&o, 16 + 12 * i, t->e[j].flags);
            ob_u32(&o, 16 + 12 * i + 4, (uint32_t)(S - old_end + soff[2 * j]));
            ob_u32(&o, 16 + 12 * i + 8, (uint32_t)(S - old_end + soff[2 * j + 1]));
        }
    }
    if (t->fmt != FMT_OLD) {
        ob_bytes(&o, H, "glibc-ld.so.cache1.1", 20);
        ob_u32(&o, H + 20, (uint32_t)t->n);
        ob_u32(&o, H + 24, (uint32_t)blob);
        uint8_t fl = (uint8_t)(t->eflag >= 0 ? t->eflag : t->be ? 3 : 2);
        ob_bytes(&o, H + 28, &fl, 1);
        for (size_t i = 0; i < t->n; i++) {
            size_t at = H + 48 + 24 * i;
            ob_u32(&o, at, t->e[i].flags);
            ob_u32(&o, at + 4, (uint32_t)(S - H + soff[2 * i]));
            ob_u32(&o, at + 8, (uint32_t)(S - H + soff[2 * i + 1]));
            uint64_t hw = t->e[i].hw >= 0
                              ? EXT | (uint64_t)t->e[i].isa << 32 | (uint32_t)t->e[i].hw
                              : t->e[i].hwcap;
            ob_u64(&o, at + 16, hw);
        }
        ob_grow(&o, S + blob);
        if (t->generator || t->n_hw) {
            size_t E = (S + blob + 3) & ~(size_t)3;
            uint32_t count = (t->generator ? 1 : 0) + (t->n_hw ? 1 : 0);
            size_t data = E + 8 + 16 * count, sec = E + 8;
            ob_u32(&o, H + 32, (uint32_t)E);
            ob_u32(&o, E, 0xeaa42174u);
            ob_u32(&o, E + 4, count);
            if (t->n_hw) {
                ob_u32(&o, sec, 1);
                ob_u32(&o, sec + 8, (uint32_t)data);
                ob_u32(&o, sec + 12, (uint32_t)(4 * t->n_hw));
                for (size_t k = 0; k < t->n_hw; k++) /* file offsets, as glibc reads them */
                    ob_u32(&o, data + 4 * k, (uint32_t)(S + soff[2 * t->n + k]));
                data += 4 * t->n_hw;
                sec += 16;
            }
            if (t->generator) {
                ob_u32(&o, sec, 0);
                ob_u32(&o, sec + 8, (uint32_t)data);
                ob_u32(&o, sec + 12, (uint32_t)strlen(t->generator));
                ob_bytes(&o, data, t->generator, strlen(t->generator));
            }
        }
    }
    free(soff);
    *len = o.len;
    return o.b;
}

/* A cache with one of everything, in ldconfig's order: keys in descending
 * _dl_cache_libcmp order (the loader searches it by bisection), and within
 * a key the glibc-hwcaps entries first. */
static const char *const hwnames[] = {"x86-64-v2", "x86-64-v3", "x86-64-v4"};
static const tent sample[] = {
    {0x303, "libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1", 0, 0, 0},
    {0x303, "libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1", 1, 0, 3},
    {0x303, "libfoo.so.1", "/usr/lib/tls/libfoo.so.1", -1, 0x8, 0}, /* legacy hwcap */
    {0x303, "libfoo.so.1", "/usr/lib/libfoo.so.1", -1, 0, 0},
    {0x003, "libfoo.so.1", "/usr/lib32/libfoo.so.1", -1, 0, 0},
    {0x303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", -1, 0, 0},
    {0x903, "libarm.so.1", "/usr/lib/arm-linux-gnueabihf/libarm.so.1", -1, 0, 0},
    {0x003, "libarm.so.1", "/usr/lib/libarm.so.1", -1, 0, 0},
    {0x001, "ld-linux.so.2", "/lib/ld-linux.so.2", -1, 0, 0},
};
#define NSAMPLE (sizeof sample / sizeof sample[0])

static tcache sample_cache(int fmt, bool be)
{
    tcache t = {fmt, be, -1, true, "ldconfig (test) release version 2.99", hwnames, 3, sample,
                NSAMPLE};
    if (fmt == FMT_OLD) {
        t.generator = NULL;
        t.n_hw = 0;
    }
    return t;
}

static lp_ldcache *parse_ok(const uint8_t *b, size_t len)
{
    lp_ldcache *c = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_ldcache_parse(b, len, "t.cache", &c, &e);
    if (rc != LP_OK)
        fail_msg("parse failed: %s", e.msg);
    assert_non_null(c);
    return c;
}

static void expect_format_error(const uint8_t *b, size_t len)
{
    lp_ldcache *c = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_ldcache_parse(b, len, "t.cache", &c, &e);
    if (rc != LP_ERR_FORMAT)
        fail_msg("len %zu: expected a format error, got %d (%s)", len, (int)rc, e.msg);
    assert_null(c);
    assert_int_equal(e.code, LP_ERR_FORMAT);
    if (!strstr(e.msg, "offset") || !strstr(e.msg, "'t.cache'"))
        fail_msg("message lacks the file or the offset: %s", e.msg);
    assert_null(strchr(e.msg, '\n'));
}

/*
 * A cache whose extension directory is unusable but whose entries are
 * intact: parsed, with the reason kept (file and offset named), and its
 * glibc-hwcaps entries skipped, as glibc's loader does.
 */
static void expect_ext_problem(const uint8_t *b, size_t len)
{
    lp_ldcache *c = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_ldcache_parse(b, len, "t.cache", &c, &e);
    if (rc != LP_OK)
        fail_msg("len %zu: expected the entries to be used, got %d (%s)", len, (int)rc, e.msg);
    const char *why = lp_ldcache_problem(c);
    assert_non_null(why);
    if (!strstr(why, "offset") || !strstr(why, "'t.cache'") || strchr(why, '\n'))
        fail_msg("extension problem lacks the file or the offset: %s", why);
    assert_null(lp_ldcache_generator(c));
    const char *const v3[] = {"x86-64-v3", "x86-64-v2"};
    const lp_ldcache_entry *en = lp_ldcache_lookup(c, "libfoo.so.1", 0x303, v3, 2);
    assert_non_null(en);
    assert_string_equal(en->path, "/usr/lib/libfoo.so.1");
    lp_ldcache_free(&c);
}

/* Where the extension directory starts (0: none), read from the new header. */
static size_t ext_offset(const uint8_t *b, size_t len, bool be)
{
    for (size_t h = 0; h + 48 <= len; h += 4) {
        if (memcmp(b + h, "glibc-ld.so.cache1.1", 20) != 0)
            continue;
        uint32_t v = 0;
        for (int i = 0; i < 4; i++)
            v |= (uint32_t)b[h + 32 + (be ? 3 - i : i)] << (8 * i);
        return v;
    }
    return 0;
}

static const char *lookup(const lp_ldcache *c, const char *name, uint32_t req,
                          const char *const *hw, size_t nhw)
{
    const lp_ldcache_entry *e = lp_ldcache_lookup(c, name, req, hw, nhw);
    return e ? e->path : NULL;
}

/* The checks every layout with hwcaps must pass. */
static void check_sample(const lp_ldcache *c, bool with_hwcaps)
{
    /* without a hwcap field (old format) every libfoo entry is a plain one */
    const char *plain = with_hwcaps ? "/usr/lib/libfoo.so.1"
                                    : "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1";
    assert_int_equal(lp_ldcache_count(c), NSAMPLE);
    for (size_t i = 0; i < NSAMPLE; i++) {
        const lp_ldcache_entry *e = lp_ldcache_at(c, i);
        assert_non_null(e);
        assert_string_equal(e->key, sample[i].key);
        assert_string_equal(e->path, sample[i].path);
        assert_int_equal(e->flags, sample[i].flags);
        if (with_hwcaps && sample[i].hw >= 0)
            assert_string_equal(e->hwcaps, hwnames[sample[i].hw]);
        else
            assert_null(e->hwcaps);
    }
    assert_null(lp_ldcache_at(c, NSAMPLE));

    const char *v3[] = {"x86-64-v4", "x86-64-v3", "x86-64-v2"};
    const char *v2[] = {"x86-64-v2"};
    const char *both_v2_first[] = {"x86-64-v2", "x86-64-v3"};
    uint32_t x64 = lp_ldcache_required_flags(62, 64, 0);
    if (with_hwcaps) {
        assert_string_equal(lookup(c, "libfoo.so.1", x64, v3, 3),
                             "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1");
        assert_string_equal(lookup(c, "libfoo.so.1", x64, v2, 1),
                             "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1");
        assert_string_equal(lookup(c, "libfoo.so.1", x64, both_v2_first, 2),
                             "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1");
    }
    /* no active hwcaps: the first plain entry, past the legacy-hwcap one */
    assert_string_equal(lookup(c, "libfoo.so.1", x64, NULL, 0), plain);
    const char *unknown[] = {"power10"};
    assert_string_equal(lookup(c, "libfoo.so.1", x64, unknown, 1), plain);
    /* i386 (generic rule: flags 1 or 3) */
    assert_string_equal(lookup(c, "libfoo.so.1", 3, v3, 3), "/usr/lib32/libfoo.so.1");
    assert_string_equal(lookup(c, "ld-linux.so.2", 3, NULL, 0), "/lib/ld-linux.so.2");
    assert_null(lookup(c, "ld-linux.so.2", x64, NULL, 0));
    /* x32: nothing */
    assert_null(lookup(c, "libfoo.so.1", lp_ldcache_required_flags(62, 32, 0), NULL, 0));
    /* unknown architecture: any libc6 entry, the first one */
    assert_string_equal(lookup(c, "libc.so.6", 0, NULL, 0), "/lib/x86_64-linux-gnu/libc.so.6");
    assert_null(lookup(c, "ld-linux.so.2", 0, NULL, 0));
    assert_string_equal(lookup(c, "libc.so.6", x64, NULL, 0), "/lib/x86_64-linux-gnu/libc.so.6");
    /* _dl_cache_libcmp: digit runs compare as numbers */
    assert_string_equal(lookup(c, "libc.so.06", x64, NULL, 0), "/lib/x86_64-linux-gnu/libc.so.6");
    assert_null(lookup(c, "libc.so.60", x64, NULL, 0));
    assert_null(lookup(c, "libc.so", x64, NULL, 0));
    assert_null(lookup(c, "libnothere.so.1", x64, NULL, 0));
    /* ARM: hard-float accepts its own and unmarked entries, soft-float only unmarked */
    uint32_t hf = lp_ldcache_required_flags(40, 32, 0x05000400);
    uint32_t sf = lp_ldcache_required_flags(40, 32, 0x05000200);
    assert_string_equal(lookup(c, "libarm.so.1", hf, NULL, 0),
                        "/usr/lib/arm-linux-gnueabihf/libarm.so.1");
    assert_string_equal(lookup(c, "libarm.so.1", sf, NULL, 0), "/usr/lib/libarm.so.1");
}

static void test_new_le(void **state)
{
    (void)state;
    tcache t = sample_cache(FMT_NEW, false);
    size_t len;
    uint8_t *b = build(&t, &len);
    lp_ldcache *c = parse_ok(b, len);
    assert_string_equal(lp_ldcache_format(c), "new");
    assert_string_equal(lp_ldcache_generator(c), "ldconfig (test) release version 2.99");
    check_sample(c, true);
    const lp_ldcache_entry *e = lp_ldcache_at(c, 1);
    assert_true(e->hwcap == (EXT | 3ull << 32 | 1));
    lp_ldcache_free(&c);
    assert_null(c);
    lp_ldcache_free(&c);
    free(b);
}

static void test_new_be(void **state)
{
    (void)state;
    tcache t = sample_cache(FMT_NEW, true);
    size_t len;
    uint8_t *b = build(&t, &len);
    lp_ldcache *c = parse_ok(b, len);
    assert_string_equal(lp_ldcache_format(c), "new");
    assert_string_equal(lp_ldcache_generator(c), "ldconfig (test) release version 2.99");
    check_sample(c, true);
    lp_ldcache_free(&c);
    free(b);
}

/* Endianness flag 0 (old ldconfig): the host's order, or the one that fits. */
static void test_new_unknown_endian(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        tcache t = sample_cache(FMT_NEW, be);
        t.eflag = 0;
        size_t len;
        uint8_t *b = build(&t, &len);
        lp_ldcache *c = parse_ok(b, len);
        check_sample(c, true);
        lp_ldcache_free(&c);
        free(b);
    }
}

static void test_new_invalid_endian(void **state)
{
    (void)state;
    tcache t = sample_cache(FMT_NEW, false);
    t.eflag = 1;
    size_t len;
    uint8_t *b = build(&t, &len);
    expect_format_error(b, len);
    free(b);
}

static void test_old(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        tcache t = sample_cache(FMT_OLD, be);
        size_t len;
        uint8_t *b = build(&t, &len);
        lp_ldcache *c = parse_ok(b, len);
        assert_string_equal(lp_ldcache_format(c), "old");
        assert_null(lp_ldcache_generator(c));
        check_sample(c, false);
        for (size_t i = 0; i < NSAMPLE; i++)
            assert_true(lp_ldcache_at(c, i)->hwcap == 0);
        lp_ldcache_free(&c);
        free(b);
    }
}

static void test_old_new(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        tcache t = sample_cache(FMT_OLDNEW, k & 1);
        t.pad_even = !(k & 2); /* NSAMPLE is odd: unpadded puts the new header at 4 mod 8 */
        size_t len;
        uint8_t *b = build(&t, &len);
        lp_ldcache *c = parse_ok(b, len);
        assert_string_equal(lp_ldcache_format(c), "old+new");
        assert_string_equal(lp_ldcache_generator(c), "ldconfig (test) release version 2.99");
        check_sample(c, true); /* the new table: hwcaps present, NSAMPLE entries (not padded) */
        lp_ldcache_free(&c);
        free(b);
    }
}

/* Extension entries: ISA level bits are allowed, an index past the array
 * leaves the entry nameless (and unusable), a legacy bit is not "named". */
static void test_hwcaps_edges(void **state)
{
    (void)state;
    const tent ents[] = {
        {0x303, "libz.so.1", "/a/v9/libz.so.1", 7, 0, 0},             /* index out of range */
        {0x303, "libz.so.1", "/a/v2/libz.so.1", 0, 0, 0x3ff},         /* all ISA level bits */
        {0x303, "libz.so.1", "/a/odd/libz.so.1", -1, EXT | 1ull << 63, 0}, /* not an extension */
        {0x303, "libz.so.1", "/a/libz.so.1", -1, 0, 0},
    };
    const char *const names[] = {"x86-64-v2"};
    tcache t = {FMT_NEW, false, -1, true, NULL, names, 1, ents, 4};
    size_t len;
    uint8_t *b = build(&t, &len);
    lp_ldcache *c = parse_ok(b, len);
    assert_null(lp_ldcache_generator(c));
    assert_null(lp_ldcache_at(c, 0)->hwcaps);
    assert_string_equal(lp_ldcache_at(c, 1)->hwcaps, "x86-64-v2");
    assert_null(lp_ldcache_at(c, 2)->hwcaps);
    const char *v2[] = {"x86-64-v2"};
    assert_string_equal(lookup(c, "libz.so.1", 0x303, v2, 1), "/a/v2/libz.so.1");
    assert_string_equal(lookup(c, "libz.so.1", 0x303, NULL, 0), "/a/libz.so.1");
    lp_ldcache_free(&c);
    free(b);

    /* a plain entry listed before a hwcaps one ends the search (glibc's order) */
    const tent ents2[] = {
        {0x303, "libq.so.1", "/plain/libq.so.1", -1, 0, 0},
        {0x303, "libq.so.1", "/v2/libq.so.1", 0, 0, 0},
    };
    tcache t2 = {FMT_NEW, false, -1, true, NULL, names, 1, ents2, 2};
    b = build(&t2, &len);
    c = parse_ok(b, len);
    assert_string_equal(lookup(c, "libq.so.1", 0x303, v2, 1), "/plain/libq.so.1");
    lp_ldcache_free(&c);
    free(b);
}

static void test_empty_tables(void **state)
{
    (void)state;
    tcache t = {FMT_NEW, false, -1, true, NULL, NULL, 0, NULL, 0};
    size_t len;
    uint8_t *b = build(&t, &len);
    assert_int_equal(len, 48);
    lp_ldcache *c = parse_ok(b, len);
    assert_int_equal(lp_ldcache_count(c), 0);
    assert_null(lookup(c, "libc.so.6", 0x303, NULL, 0));
    lp_ldcache_free(&c);
    free(b);
    t.fmt = FMT_OLD;
    b = build(&t, &len);
    c = parse_ok(b, len);
    assert_int_equal(lp_ldcache_count(c), 0);
    assert_string_equal(lp_ldcache_format(c), "old");
    lp_ldcache_free(&c);
    free(b);
}

static void test_required_flags(void **state)
{
    (void)state;
    assert_int_equal(lp_ldcache_required_flags(62, 64, 0), 0x0303);
    assert_int_equal(lp_ldcache_required_flags(62, 32, 0), 0x0803);
    assert_int_equal(lp_ldcache_required_flags(3, 32, 0), 0x0003);
    assert_int_equal(lp_ldcache_required_flags(183, 64, 0), 0x0a03);
    assert_int_equal(lp_ldcache_required_flags(40, 32, 0x05000400), 0x0903);
    assert_int_equal(lp_ldcache_required_flags(40, 32, 0x05000200), 0x0b03);
    assert_int_equal(lp_ldcache_required_flags(40, 32, 0x05000000), 0x0b03);
    assert_int_equal(lp_ldcache_required_flags(21, 64, 0), 0x0503);
    assert_int_equal(lp_ldcache_required_flags(20, 32, 0), 0x0003);
    assert_int_equal(lp_ldcache_required_flags(22, 64, 0), 0x0403);
    assert_int_equal(lp_ldcache_required_flags(22, 32, 0), 0x0003);
    assert_int_equal(lp_ldcache_required_flags(43, 64, 0), 0x0103);
    assert_int_equal(lp_ldcache_required_flags(243, 64, 0x5), 0x1003);
    assert_int_equal(lp_ldcache_required_flags(243, 64, 0x1), 0x0f03);
    assert_int_equal(lp_ldcache_required_flags(243, 32, 0x4), 0x1003);
    assert_int_equal(lp_ldcache_required_flags(243, 64, 0x2), 0);
    assert_int_equal(lp_ldcache_required_flags(8, 64, 0), 0x0703);
    assert_int_equal(lp_ldcache_required_flags(8, 64, 0x400), 0x0e03);
    assert_int_equal(lp_ldcache_required_flags(8, 32, 0x20), 0x0603);
    assert_int_equal(lp_ldcache_required_flags(8, 32, 0x420), 0x0d03);
    assert_int_equal(lp_ldcache_required_flags(8, 32, 0x400), 0x0c03);
    assert_int_equal(lp_ldcache_required_flags(8, 32, 0), 0x0003);
    assert_int_equal(lp_ldcache_required_flags(258, 64, 0x3), 0x1203);
    assert_int_equal(lp_ldcache_required_flags(258, 64, 0x1), 0x1103);
    assert_int_equal(lp_ldcache_required_flags(0x9999, 64, 0), 0);
}

/* ---- malformed inputs ---- */

static void test_truncated(void **state)
{
    (void)state;
    for (int fmt = FMT_OLD; fmt <= FMT_OLDNEW; fmt++) {
        for (int be = 0; be < 2; be++) {
            tcache t = sample_cache(fmt, be);
            size_t len;
            uint8_t *b = build(&t, &len);
            /* every proper prefix cuts a table or a string (an error), or only the
             * extension data after them (the entries are still used) */
            size_t ext = ext_offset(b, len, be), strings_end = built_entry_strings_end;
            for (size_t n = 0; n < len; n++) {
                uint8_t *p = malloc(n ? n : 1);
                memcpy(p, b, n);
                if (ext && n >= strings_end)
                    expect_ext_problem(p, n);
                else
                    expect_format_error(p, n);
                free(p);
            }
            free(b);
        }
    }
}

static void patch32(uint8_t *b, size_t off, uint32_t v, bool be)
{
    for (int i = 0; i < 4; i++)
        b[off + (be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

static void test_bad_offsets(void **state)
{
    (void)state;
    tcache t = sample_cache(FMT_NEW, false);
    size_t len;
    uint8_t *b = build(&t, &len);
    uint8_t *p = malloc(len);
    /* key, value of entry 2 out of range */
    const size_t fields[] = {48 + 24 * 2 + 4, 48 + 24 * 2 + 8};
    for (size_t k = 0; k < 2; k++) {
        const uint32_t bad[] = {(uint32_t)len, 0xffffffffu, 0x7fffffffu};
        for (size_t j = 0; j < 3; j++) {
            memcpy(p, b, len);
            patch32(p, fields[k], bad[j], false);
            expect_format_error(p, len);
        }
    }
    /* nlibs far too large: rejected before any allocation */
    memcpy(p, b, len);
    patch32(p, 20, 0xffffffffu, false);
    expect_format_error(p, len);
    memcpy(p, b, len);
    patch32(p, 20, (uint32_t)(len / 24), false);
    expect_format_error(p, len);
    /* extension directory: misaligned, outside, wrong magic, huge count */
    uint32_t ext;
    memcpy(&ext, b + 32, 4); /* little-endian host assumed by the builder's reader */
    const uint32_t bad_ext[] = {ext + 1, (uint32_t)len, 0xfffffffcu};
    /* (each leaves the entries usable: glibc's loader ignores only the extension) */
    for (size_t j = 0; j < 3; j++) {
        memcpy(p, b, len);
        patch32(p, 32, bad_ext[j], false);
        expect_ext_problem(p, len);
    }
    memcpy(p, b, len);
    patch32(p, ext, 0x12345678u, false);
    expect_ext_problem(p, len);
    memcpy(p, b, len);
    patch32(p, ext + 4, 0x10000000u, false);
    expect_ext_problem(p, len);
    /* a section outside the file */
    memcpy(p, b, len);
    patch32(p, ext + 8 + 8, (uint32_t)len - 2, false);
    expect_ext_problem(p, len);
    /* a glibc-hwcaps name offset outside the file (section 0 is the hwcaps array) */
    uint32_t arr;
    memcpy(&arr, b + ext + 8 + 8, 4);
    memcpy(p, b, len);
    patch32(p, arr + 4, (uint32_t)len + 100, false);
    expect_ext_problem(p, len);
    /* a string that runs to the end of the file without a NUL */
    memcpy(p, b, len);
    patch32(p, 48 + 4, (uint32_t)len - 1, false);
    p[len - 1] = 'x';
    expect_format_error(p, len);
    free(p);
    free(b);

    /* old format: string offsets are from the end of the table */
    t = sample_cache(FMT_OLD, true);
    b = build(&t, &len);
    p = malloc(len);
    memcpy(p, b, len);
    patch32(p, 16 + 4, (uint32_t)len, true);
    expect_format_error(p, len);
    memcpy(p, b, len);
    patch32(p, 12, 0x40000000u, true);
    expect_format_error(p, len);
    memcpy(p, b, len);
    p[len - 1] = '!'; /* the last path loses its NUL */
    expect_format_error(p, len);
    free(p);
    free(b);
}

static void test_garbage(void **state)
{
    (void)state;
    uint8_t buf[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    expect_format_error(buf, sizeof buf);
    expect_format_error(buf, 0);
    expect_format_error((const uint8_t *)"glibc-ld.so.cache1.0", 20);
    /* the magics, then garbage */
    memcpy(buf, "glibc-ld.so.cache1.1", 20);
    expect_format_error(buf, sizeof buf);
    memcpy(buf, "ld.so-1.7.0", 11);
    expect_format_error(buf, sizeof buf);

    /* over the size limit: refused before the bytes are looked at */
    lp_ldcache *c = NULL;
    lp_err e;
    lp_err_clear(&e);
    assert_int_equal(lp_ldcache_parse(buf, (size_t)LP_LDCACHE_MAX + 1, "big", &c, &e),
                     LP_ERR_LIMIT);
    assert_null(c);
    assert_non_null(strstr(e.msg, "'big'"));
}

/* ---- real caches against ldconfig -p ---- */

static const char *find_ldconfig(void)
{
    return access("/sbin/ldconfig", X_OK) == 0       ? "/sbin/ldconfig"
           : access("/usr/sbin/ldconfig", X_OK) == 0 ? "/usr/sbin/ldconfig"
                                                     : NULL;
}

static lp_ldcache *parse_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(LP_LDCACHE_MAX);
    assert_non_null(buf);
    size_t len = fread(buf, 1, LP_LDCACHE_MAX, f);
    fclose(f);
    lp_ldcache *c = parse_ok(buf, len);
    free(buf);
    return c;
}

/*
 * Compare every entry with `ldconfig -p [-C file]` (print_cache: the new
 * table when there is one, "\tKEY (FLAGS[, hwcap: "NAME"]) => PATH"), the
 * announced count and the generator line.
 */
static void compare_ldconfig_p(const lp_ldcache *c, const char *ldconfig, const char *file)
{
    char cmd[1024];
    if (file)
        snprintf(cmd, sizeof cmd, "%s -p -C '%s' 2>/dev/null", ldconfig, file);
    else
        snprintf(cmd, sizeof cmd, "%s -p 2>/dev/null", ldconfig);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[8192];
    size_t i = 0;
    long announced = -1;
    bool gen_line = false;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\t') {
            if (strstr(line, " libs found in cache"))
                announced = strtol(line, NULL, 10);
            else if (strncmp(line, "Cache generated by: ", 20) == 0) {
                assert_non_null(lp_ldcache_generator(c));
                assert_string_equal(lp_ldcache_generator(c), line + 20);
                gen_line = true;
            }
            continue;
        }
        const lp_ldcache_entry *ent = lp_ldcache_at(c, i++);
        assert_non_null(ent);
        char *paren = strstr(line, " (");
        char *arrow = strstr(line, ") => ");
        assert_non_null(paren);
        assert_non_null(arrow);
        *paren = '\0';
        assert_string_equal(line + 1, ent->key);
        assert_string_equal(arrow + 5, ent->path);
        *arrow = '\0';
        char *hw = strstr(paren + 1, "hwcap: \"");
        if (hw) {
            hw += 8;
            hw[strcspn(hw, "\"")] = '\0';
            assert_non_null(ent->hwcaps);
            assert_string_equal(hw, ent->hwcaps);
        } else {
            assert_null(ent->hwcaps);
        }
        /* the type and ABI words print_entry derives from the flags */
        if ((ent->flags & 0xff) == 3)
            assert_non_null(strstr(paren + 1, "libc6"));
        if (ent->flags == 0x303)
            assert_non_null(strstr(paren + 1, ",x86-64"));
    }
    int st = pclose(p);
    assert_int_equal(st, 0);
    assert_int_equal(i, lp_ldcache_count(c));
    assert_int_equal(announced, (long)lp_ldcache_count(c));
    if (!gen_line)
        assert_null(lp_ldcache_generator(c));
}

static void test_host_cache(void **state)
{
    (void)state;
    lp_ldcache *c = parse_file("/etc/ld.so.cache");
    if (!c)
        skip();
    const lp_ldcache_entry *e =
        lp_ldcache_lookup(c, "libc.so.6", lp_ldcache_required_flags(62, 64, 0), NULL, 0);
#if defined(__x86_64__)
    assert_non_null(e);
    size_t pl = strlen(e->path);
    assert_true(pl >= 10 && strcmp(e->path + pl - 10, "/libc.so.6") == 0);
#else
    (void)e;
#endif
    const char *ldconfig = find_ldconfig();
    if (ldconfig)
        compare_ldconfig_p(c, ldconfig, NULL);
    lp_ldcache_free(&c);
}

/* ------------------------------------------------------------------ */
/* ld.so.conf and musl path files in a temporary root                  */

static char tmproot[256];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* The root the current test has open: files written under it are refreshed. */
static lp_root *live_root;

static void mkdirs(const char *rel)
{
    lp_root_refresh(live_root);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmproot, rel);
    for (char *s = path + strlen(tmproot) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    mkdir(path, 0755);
}

static void put_file(const char *rel, const char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmproot, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path + strlen(tmproot) + 1);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    lp_root_refresh(live_root);
}

static void put_text(const char *rel, const char *text) { put_file(rel, text, strlen(text)); }

static int setup_root(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(tmproot, sizeof tmproot, "%s/lp-ldconf-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(tmproot) ? 0 : -1;
}

static int teardown_root(void **state)
{
    (void)state;
    rm_tree(tmproot);
    return 0;
}

static lp_root *open_root(void)
{
    lp_root *r = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_root_open_dir(&r, tmproot, &e) != LP_OK)
        fail_msg("lp_root_open_dir: %s", e.msg);
    live_root = r;
    return r;
}

static void close_root(lp_root **r)
{
    if (*r == live_root)
        live_root = NULL;
    lp_root_free(r);
}

static void expect_dirs(const lp_dirlist *l, const char *const *want, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        print_message("  %s  (%s)\n", l->dirs[i], l->origins[i]);
    assert_int_equal(l->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l->dirs[i], want[2 * i]);
        assert_string_equal(l->origins[i], want[2 * i + 1]);
    }
}

static void test_ldconf(void **state)
{
    (void)state;
    const char *dirs[] = {"usr/local/lib", "opt/a", "opt/b", "opt/c", "opt/d", "opt/e", "opt/f",
                          "opt/g", "opt/h", "opt/hidden", "opt/txt", "opt/sp ace", "opt/star"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        mkdirs(dirs[i]);
    char link[512];
    snprintf(link, sizeof link, "%s/opt/link", tmproot);
    assert_int_equal(symlink("a", link), 0);
    lp_root_refresh(live_root);
    put_text("opt/afile", "not a directory\n");

    put_text("etc/ld.so.conf",
             "# a comment\n"
             "include ld.so.conf.d/*.conf\n"
             "/usr/local/lib/   # trailing slash and a comment\n"
             "  \t/opt/a//\n"          /* a duplicate (first seen in b.conf) */
             "HWCAP 0 nosegneg\n"
             "/opt/b=libc6\n"          /* glibc <= 2.36 "dir=TYPE" */
             "/usr/local/lib\n"
             "include   /etc/loop.conf   /etc/missing/*.conf /etc/none.conf\n"
             "/missing/dir\n"
             "relative/dir\n"
             "/opt/link\n"             /* the same directory as /opt/a */
             "/opt/afile\n"            /* not a directory */
             "/\n"                     /* stripped to nothing */
             "includes/opt\n"          /* "include" without a blank: a directory */
             "/opt/sp ace \n"
             "/opt/g");                /* last line without a newline */
    put_text("etc/ld.so.conf.d/a.conf", "/opt/c\ninclude sub/*.conf\n");
    put_text("etc/ld.so.conf.d/sub/x.conf", "/opt/d\n");
    put_text("etc/ld.so.conf.d/b.conf", "/opt/a\n\n/opt/e\n");
    put_text("etc/ld.so.conf.d/.hidden.conf", "/opt/hidden\n");
    put_text("etc/ld.so.conf.d/c.txt", "/opt/txt\n");
    put_text("etc/ld.so.conf.d/[x].conf", "/opt/star\n"); /* a name with a bracket */
    mkdirs("etc/ld.so.conf.d/dir.conf");                  /* a directory matching the glob */
    put_text("etc/loop.conf", "include /etc/loop.conf\n/opt/f\ninclude loop2.conf\n");
    put_file("etc/loop2.conf", "/opt/h\0/opt/ignored\n", 20);

    lp_root *r = open_root();
    lp_dirlist l;
    bool present = false;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_ldconf_read(r, "/etc/ld.so.conf", &l, &present, &e);
    if (rc != LP_OK)
        fail_msg("lp_ldconf_read: %s", e.msg);
    assert_true(present);
    const char *want[] = {
        "/opt/star", "/etc/ld.so.conf.d/[x].conf:1",
        "/opt/c", "/etc/ld.so.conf.d/a.conf:1",
        "/opt/d", "/etc/ld.so.conf.d/sub/x.conf:1",
        "/opt/a", "/etc/ld.so.conf.d/b.conf:1",
        "/opt/e", "/etc/ld.so.conf.d/b.conf:3",
        "/usr/local/lib", "/etc/ld.so.conf:3",
        "/opt/b", "/etc/ld.so.conf:6",
        "/opt/f", "/etc/loop.conf:2",
        "/opt/h", "/etc/loop2.conf:1",
        "/opt/sp ace", "/etc/ld.so.conf:15",
        "/opt/g", "/etc/ld.so.conf:16",
    };
    expect_dirs(&l, want, sizeof want / sizeof want[0] / 2);
    lp_dirlist_release(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.dirs);
    lp_dirlist_release(&l);

    /* a missing file: empty and not present */
    lp_err_clear(&e);
    assert_int_equal(lp_ldconf_read(r, "/etc/nope.conf", &l, &present, &e), LP_OK);
    assert_false(present);
    assert_int_equal(l.n, 0);
    lp_dirlist_release(&l);
    close_root(&r);
}

/* Includes with wildcards in a directory component, and sorting across them. */
static void test_ldconf_glob_dirs(void **state)
{
    (void)state;
    mkdirs("g/one");
    mkdirs("g/two");
    put_text("g/conf/z1/a.conf", "/g/two\n");
    put_text("g/conf/a2/b.conf", "/g/one\n");
    put_text("g/conf/a2/c.conf", "/g/one\n/g/two\n");
    put_text("g/main.conf", "include /g/conf/?[0-9]/*.conf\n");
    lp_root *r = open_root();
    lp_dirlist l;
    bool present = false;
    lp_err e;
    lp_err_clear(&e);
    assert_int_equal(lp_ldconf_read(r, "/g/main.conf", &l, &present, &e), LP_OK);
    const char *want[] = {"/g/one", "/g/conf/a2/b.conf:1", "/g/two", "/g/conf/a2/c.conf:2"};
    expect_dirs(&l, want, 2);
    lp_dirlist_release(&l);
    close_root(&r);
}

/* Whether one of l's skipped lines holds every one of the words (NULL-terminated). */
static bool skipped_says(const lp_dirlist *l, const char *const *words)
{
    for (size_t i = 0; i < l->n_skipped; i++) {
        bool all = true;
        for (const char *const *w = words; *w && all; w++)
            all = strstr(l->skipped[i], *w) != NULL;
        if (all)
            return true;
    }
    return false;
}

/*
 * A file including itself twice would read 2^16 files: past the limit the rest is skipped,
 * what was read is kept, and a line says so. 1,100 files in a directory: the first 1,023
 * (the top file counts) are read and the directories they list kept.
 */
static void test_ldconf_limits(void **state)
{
    (void)state;
    /* a file that includes itself twice: read once (taking it again could add nothing),
     * not 2^16 times */
    put_text("lim/fork.conf", "include fork.conf fork.conf\n/lim\n");
    lp_root *r = open_root();
    lp_dirlist l;
    bool present = false;
    lp_err e;
    lp_err_clear(&e);
    assert_int_equal(lp_ldconf_read(r, "/lim/fork.conf", &l, &present, &e), LP_OK);
    assert_int_equal(l.n, 1); /* /lim, once */
    assert_int_equal(l.n_skipped, 0);
    lp_dirlist_release(&l);

    char rel[64], text[64];
    for (int i = 0; i < 1100; i++) {
        snprintf(rel, sizeof rel, "many/d%04d", i);
        mkdirs(rel);
        snprintf(rel, sizeof rel, "many/conf.d/f%04d.conf", i);
        snprintf(text, sizeof text, "/many/d%04d\n", i);
        put_text(rel, text);
    }
    put_text("many/ld.so.conf", "include /many/conf.d/*.conf\n");
    lp_root_refresh(r);
    assert_int_equal(lp_ldconf_read(r, "/many/ld.so.conf", &l, &present, &e), LP_OK);
    assert_int_equal(l.n, 1023);
    assert_string_equal(l.dirs[1022], "/many/d1022");
    assert_int_equal(l.n_skipped, 1);
    assert_true(skipped_says(&l, (const char *const[]){"77 configuration files not read",
                                                        "'/many/conf.d/f1023.conf' on", NULL}));
    lp_dirlist_release(&l);
    assert_int_equal(l.n_skipped, 0);
    /* one directory listed for many patterns: listed once; the names compared with patterns
     * in all are capped (4,096 names x 1,100 distinct patterns): the patterns past the cap are
     * skipped, and a line says so */
    mkdirs("lim/many");
    for (int i = 0; i < 4096; i++) {
        char n[64];
        snprintf(n, sizeof n, "lim/many/f%d", i);
        put_text(n, "");
    }
    lp_strbuf sb = {0};
    for (int i = 0; i < 1100; i++)
        lp_sb_addf(&sb, "include many/*.x%d\n", i);
    char *conf = lp_sb_take(&sb);
    put_text("lim/storm.conf", conf);
    free(conf);
    lp_root_refresh(r);
    assert_int_equal(lp_ldconf_read(r, "/lim/storm.conf", &l, &present, &e), LP_OK);
    assert_int_equal(l.n, 0);
    assert_true(skipped_says(&l, (const char *const[]){"not expanded", "/lim/many/", NULL}));
    lp_dirlist_release(&l);
    /* the same pattern 50,000 times (most of the 1 MiB a file may hold): expanded once */
    sb = (lp_strbuf){0};
    for (int i = 0; i < 50000; i++)
        lp_sb_adds(&sb, "include many/*.x0\n");
    conf = lp_sb_take(&sb);
    put_text("lim/same.conf", conf);
    free(conf);
    lp_root_refresh(r);
    assert_int_equal(lp_ldconf_read(r, "/lim/same.conf", &l, &present, &e), LP_OK);
    lp_dirlist_release(&l);
    close_root(&r);
}

static void test_musl_path(void **state)
{
    (void)state;
    lp_root *r = open_root();
    lp_dirlist l;
    bool present = true;
    lp_err e;
    lp_err_clear(&e);
    /* absent */
    assert_int_equal(lp_musl_path_read(r, "x86_64", &l, &present, &e), LP_OK);
    assert_false(present);
    assert_int_equal(l.n, 0);
    lp_dirlist_release(&l);
    /* present */
    put_text("etc/ld-musl-x86_64.path", "/lib\n/usr/lib:/opt/x\n\n::/usr/local/lib/\n");
    assert_int_equal(lp_musl_path_read(r, "x86_64", &l, &present, &e), LP_OK);
    assert_true(present);
    const char *want[] = {
        "/lib", "/etc/ld-musl-x86_64.path:1",
        "/usr/lib", "/etc/ld-musl-x86_64.path:2",
        "/opt/x", "/etc/ld-musl-x86_64.path:2",
        "/usr/local/lib/", "/etc/ld-musl-x86_64.path:4",
    };
    expect_dirs(&l, want, 4);
    lp_dirlist_release(&l);
    /* empty: present, nothing searched */
    put_text("etc/ld-musl-aarch64.path", "");
    present = false;
    assert_int_equal(lp_musl_path_read(r, "aarch64", &l, &present, &e), LP_OK);
    assert_true(present);
    assert_int_equal(l.n, 0);
    lp_dirlist_release(&l);
    /* text after a NUL is not seen; spaces are not separators */
    put_file("etc/ld-musl-riscv64.path", "/a b:/c\0/d\n", 11);
    assert_int_equal(lp_musl_path_read(r, "riscv64", &l, &present, &e), LP_OK);
    const char *want2[] = {"/a b", "/etc/ld-musl-riscv64.path:1", "/c",
                           "/etc/ld-musl-riscv64.path:1"};
    expect_dirs(&l, want2, 2);
    lp_dirlist_release(&l);
    /* a directory where the file should be: musl's sys_path = "" */
    mkdirs("etc/ld-musl-armhf.path");
    assert_int_equal(lp_musl_path_read(r, "armhf", &l, &present, &e), LP_OK);
    assert_true(present);
    assert_int_equal(l.n, 0);
    lp_dirlist_release(&l);
    assert_int_equal(lp_musl_path_read(r, "../x", &l, &present, &e), LP_ERR_INVAL);
    close_root(&r);
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    bool ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out)
        ok = fclose(out) == 0 && ok;
    return ok;
}

/*
 * Caches written by the host's ldconfig in all three formats (-c new, compat,
 * old) for a small tree inside the temporary directory (ldconfig -r: it
 * reads and writes only there), with the host's libc.so.6 in /usr/lib and in
 * two glibc-hwcaps subdirectories. Each is checked against ldconfig -p -C.
 */
static void test_ldconfig_formats(void **state)
{
    (void)state;
    const char *ldconfig = find_ldconfig();
    lp_ldcache *host = parse_file("/etc/ld.so.cache");
    const lp_ldcache_entry *libc =
        host ? lp_ldcache_lookup(host, "libc.so.6", lp_ldcache_required_flags(62, 64, 0), NULL, 0)
             : NULL;
    if (!ldconfig || !libc) {
        lp_ldcache_free(&host);
        skip();
    }
    mkdirs("lc/etc");
    mkdirs("lc/usr/lib/glibc-hwcaps/x86-64-v2");
    mkdirs("lc/usr/lib/glibc-hwcaps/x86-64-v3");
    put_text("lc/etc/ld.so.conf", "/usr/lib\n");
    const char *dests[] = {"lc/usr/lib/libc.so.6", "lc/usr/lib/glibc-hwcaps/x86-64-v2/libc.so.6",
                           "lc/usr/lib/glibc-hwcaps/x86-64-v3/libc.so.6"};
    char path[1024];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", tmproot, dests[i]);
        assert_true(copy_file(libc->path, path));
    }
    lp_ldcache_free(&host);

    const char *fmts[] = {"new", "compat", "old"};
    const char *want_fmt[] = {"new", "old+new", "old"};
    for (size_t k = 0; k < 3; k++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "%s -r '%s/lc' -X -c %s -C /etc/ld.so.cache.%s -f /etc/ld.so.conf "
                 ">/dev/null 2>&1",
                 ldconfig, tmproot, fmts[k], fmts[k]);
        if (system(cmd) != 0) {
            print_message("ldconfig -c %s failed here; skipped\n", fmts[k]);
            continue;
        }
        snprintf(path, sizeof path, "%s/lc/etc/ld.so.cache.%s", tmproot, fmts[k]);
        lp_ldcache *c = parse_file(path);
        assert_non_null(c);
        assert_string_equal(lp_ldcache_format(c), want_fmt[k]);
        assert_int_equal(lp_ldcache_count(c), 3);
        compare_ldconfig_p(c, ldconfig, path);
        const char *v3[] = {"x86-64-v3", "x86-64-v2"};
        const char *found = lookup(c, "libc.so.6", 0x303, v3, 2);
        assert_non_null(found);
        if (k == 0) /* only the new-only format carries usable hwcaps names */
            assert_string_equal(found, "/usr/lib/glibc-hwcaps/x86-64-v3/libc.so.6");
        else if (k == 1)
            assert_string_equal(found, "/usr/lib/libc.so.6");
        assert_string_equal(lookup(c, "libc.so.6", 0x303, NULL, 0),
                            k == 2 ? "/usr/lib/glibc-hwcaps/x86-64-v2/libc.so.6"
                                   : "/usr/lib/libc.so.6");
        lp_ldcache_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest cache_tests[] = {
        cmocka_unit_test(test_new_le),
        cmocka_unit_test(test_new_be),
        cmocka_unit_test(test_new_unknown_endian),
        cmocka_unit_test(test_new_invalid_endian),
        cmocka_unit_test(test_old),
        cmocka_unit_test(test_old_new),
        cmocka_unit_test(test_hwcaps_edges),
        cmocka_unit_test(test_empty_tables),
        cmocka_unit_test(test_required_flags),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_offsets),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_host_cache),
    };
    const struct CMUnitTest conf_tests[] = {
        cmocka_unit_test(test_ldconf),
        cmocka_unit_test(test_ldconf_glob_dirs),
        cmocka_unit_test(test_ldconf_limits),
        cmocka_unit_test(test_musl_path),
        cmocka_unit_test(test_ldconfig_formats),
    };
    int failed = cmocka_run_group_tests_name("ldcache", cache_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("ldconf", conf_tests, setup_root, teardown_root);
    return failed;
}
