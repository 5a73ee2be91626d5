/*
 * ldcache.c - glibc's /etc/ld.so.cache: parse all three layouts, and look a
 * soname up as the dynamic loader does.
 *
 * Owns: the old "ld.so-1.7.0" table, the new "glibc-ld.so.cache1.1" table
 * with its extension directory (generator string, glibc-hwcaps names), the
 * old table with the new one hidden in its string area, in either byte order;
 * the per-architecture flag rules; the search of elf/dl-cache.c.
 *
 * Layout facts (glibc sysdeps/generic/dl-cache.h, elf/dl-cache.c, elf/cache.c):
 *  - old: magic[11] pad nlibs:u32, then nlibs x {flags:i32 key:u32 value:u32}
 *    (12 bytes); key/value are offsets from the end of that table.
 *  - new: magic[17] version[3] nlibs:u32 len_strings:u32 flags:u8 pad[3]
 *    extension_offset:u32 unused[3] (48 bytes), then nlibs x {flags:i32 key:u32
 *    value:u32 osversion:u32 hwcap:u64} (24 bytes); key/value are offsets from
 *    the new header. flags & 3: 0 endianness unknown, 1 invalid, 2 little,
 *    3 big. len_strings and osversion are not used by any reader.
 *  - old+new: the new header sits at ALIGN_CACHE(16 + 12 * nlibs) inside the
 *    old string area; ALIGN_CACHE is __alignof__(struct cache_file_new), 8 on
 *    most targets and 4 on i386 (ldconfig pads the old count to an even
 *    number so both agree; for files that did not, both positions are tried).
 *  - the extension directory {magic 0xeaa42174, count, count x {tag flags
 *    offset size}} and everything it points to are at offsets from the start
 *    of the file, and so are the glibc-hwcaps array's string offsets: that is
 *    how dl-cache.c and `ldconfig -p` read them (ldconfig writes them from the
 *    new header, which agrees for the new-only format it writes by default).
 *  - an entry uses a glibc-hwcaps subdirectory when, ignoring the low 32 bits
 *    and the 10 ISA-level bits above them, its hwcap is exactly bit 62
 *    (dl_cache_hwcap_extension, the same mask in 2.33..current); the low 32
 *    bits index the glibc-hwcaps array.
 *
 * Invariants: the input is at most the "ldcache" limit (linkproof/limits.h)
 * and is copied once;
 * every table is a checked product of a count and an entry size that lies
 * inside the file before anything is allocated for it; every string used is
 * NUL-terminated inside the file within LDC_MAX_STRING bytes (which bounds the
 * work per entry); every loop runs over a count so checked. The runs of
 * entries with one key are found once, when the file is parsed (a key shared
 * by position is equal without comparing bytes), and a run longer than
 * LDC_MAX_RUN makes the file unusable: so a lookup costs a binary search and
 * at most LDC_MAX_RUN steps, whatever the names and the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"
#include "linkproof/limits.h"
#include "obj/arch.h"
#include "util/cursor.h"

#define LDC_OLD_MAGIC "ld.so-1.7.0"
#define LDC_NEW_MAGIC "glibc-ld.so.cache1.1"
#define LDC_OLD_HDR 16u
#define LDC_OLD_ENT 12u
#define LDC_NEW_HDR 48u
#define LDC_NEW_ENT 24u
#define LDC_EXT_MAGIC 0xeaa42174u
#define LDC_EXT_HDR 8u
#define LDC_EXT_SEC 16u
#define LDC_TAG_GENERATOR 0u
#define LDC_TAG_HWCAPS 1u
/* Longest string (with its NUL) accepted: PATH_MAX. Bounds the scan per entry. */
#define LDC_MAX_STRING 4096u
/* glibc-hwcaps names in one cache; real caches have a handful. */
#define LDC_MAX_HWCAPS 65536u
/* Entries for one name (under _dl_cache_libcmp); real caches have a few (ABIs, glibc-hwcaps). */
#define LDC_MAX_RUN 4096u

#define HWCAP_EXTENSION (1ull << 62)
#define HWCAP_ISA_LEVEL_MASK 0x3ffull

/* ldconfig.h: the type byte of an entry's flags (the ABI byte is the architecture
 * table's, obj/arch.c) */
#define FLAG_TYPE_MASK LP_LDC_TYPE_MASK
#define FLAG_ELF LP_LDC_ELF
#define FLAG_ELF_LIBC6 LP_LDC_ELF_LIBC6

struct lp_ldcache {
    uint8_t *data; /* the file, copied; every string points into it */
    size_t len;
    lp_ldcache_entry *ents;
    size_t n;
    uint32_t *run_start; /* per entry: the first entry of its run of equal keys */
    const char *format;
    char *generator;
    char *ext_problem; /* why the extension directory was not used, or NULL */
};

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static bool host_big_endian(void) { return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__; }

/* The NUL-terminated string at file offset off, or NULL when off is outside
 * the file or no NUL follows within LDC_MAX_STRING bytes (or before the end). */
static const char *str_at(const uint8_t *buf, size_t len, uint64_t off)
{
    if (off >= len)
        return NULL;
    lp_cur c;
    lp_cur_init(&c, buf, len, 0, false, 8);
    lp_cur_seek(&c, (size_t)off);
    size_t n = lp_cur_left(&c);
    if (n > LDC_MAX_STRING)
        n = LDC_MAX_STRING;
    const uint8_t *p = lp_cur_bytes(&c, n);
    if (!p || !memchr(p, 0, n))
        return NULL;
    return (const char *)p;
}

/* ---- parsing ---- */

typedef struct ldc_parse {
    const uint8_t *buf; /* the copy */
    size_t len;
    const char *name;
    lp_err *err;
    lp_ldcache *cache;
    /* glibc-hwcaps array, validated */
    const char **hwcaps;
    size_t n_hwcaps;
} ldc_parse;

static lp_code bad_string(ldc_parse *p, const char *what, size_t i, uint64_t str_off,
                          uint64_t field_off)
{
    return lp_err_set_at(p->err, LP_ERR_FORMAT, field_off,
                         "'%s': entry %zu %s offset 0x%llx out of range or unterminated at offset "
                         "0x%llx",
                         p->name, i, what, (unsigned long long)str_off,
                         (unsigned long long)field_off);
}

/*
 * Read the extension directory of the new header (cache_extension_load and
 * cache_extension_verify): a misaligned, truncated or unrecognised directory is
 * an error here (ldconfig -p refuses such a file); a glibc-hwcaps section that
 * is empty, misaligned or not a multiple of 4 is dropped, as glibc does;
 * unknown tags are skipped; a later section of the same tag replaces an
 * earlier one.
 */
static lp_code read_extensions(ldc_parse *p, uint32_t ext_off, bool be)
{
    if (ext_off == 0)
        return LP_OK;
    if (ext_off % 4 != 0)
        return lp_err_set_at(p->err, LP_ERR_FORMAT, ext_off,
                             "'%s': misaligned extension directory at offset 0x%x", p->name,
                             ext_off);
    if (!lp_range_ok(ext_off, LDC_EXT_HDR, p->len))
        return lp_err_set_at(p->err, LP_ERR_FORMAT, ext_off,
                             "'%s': truncated extension directory at offset 0x%x", p->name,
                             ext_off);
    lp_cur c;
    lp_cur_init(&c, p->buf, p->len, 0, be, 8);
    lp_cur_seek(&c, ext_off);
    uint32_t magic = lp_cur_u32(&c);
    uint32_t count = lp_cur_u32(&c);
    if (magic != LDC_EXT_MAGIC)
        return lp_err_set_at(p->err, LP_ERR_FORMAT, ext_off,
                             "'%s': bad extension magic 0x%08x at offset 0x%x", p->name, magic,
                             ext_off);
    uint64_t dir_size;
    if (!lp_mul_ok(count, LDC_EXT_SEC, &dir_size) ||
        !lp_range_ok((uint64_t)ext_off + LDC_EXT_HDR, dir_size, p->len))
        return lp_err_set_at(p->err, LP_ERR_FORMAT, ext_off,
                             "'%s': truncated extension directory (%u sections) at offset 0x%x",
                             p->name, count, ext_off);

    bool have[2] = {false, false};
    uint32_t sec_off[2] = {0, 0}, sec_size[2] = {0, 0};
    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = (uint64_t)ext_off + LDC_EXT_HDR + (uint64_t)i * LDC_EXT_SEC;
        uint32_t tag = lp_cur_u32(&c);
        (void)lp_cur_u32(&c); /* flags: generated as zero, ignored */
        uint32_t off = lp_cur_u32(&c);
        uint32_t size = lp_cur_u32(&c);
        if (!lp_range_ok(off, size, p->len))
            return lp_err_set_at(p->err, LP_ERR_FORMAT, at,
                                 "'%s': extension section %u (offset 0x%x, size 0x%x) outside the "
                                 "file at offset 0x%llx",
                                 p->name, i, off, size, (unsigned long long)at);
        if (tag > LDC_TAG_HWCAPS)
            continue;
        have[tag] = true;
        sec_off[tag] = off;
        sec_size[tag] = size;
    }
    if (!lp_cur_ok(&c))
        return lp_cur_error(lp_cur_what(&c, "extension directory"), p->name, p->err);

    if (have[LDC_TAG_GENERATOR]) {
        lp_cur g;
        lp_cur_init(&g, p->buf, p->len, 0, be, 8);
        lp_cur_seek(&g, sec_off[LDC_TAG_GENERATOR]);
        const uint8_t *s = lp_cur_bytes(&g, sec_size[LDC_TAG_GENERATOR]);
        if (!s)
            return lp_cur_error(lp_cur_what(&g, "generator string"), p->name, p->err);
        size_t n = sec_size[LDC_TAG_GENERATOR];
        const uint8_t *z = memchr(s, 0, n);
        if (z)
            n = (size_t)(z - s);
        char *gen = malloc(n + 1);
        if (!gen)
            return nomem(p->err);
        if (n)
            memcpy(gen, s, n);
        gen[n] = '\0';
        p->cache->generator = gen;
    }

    uint32_t hoff = sec_off[LDC_TAG_HWCAPS], hsize = sec_size[LDC_TAG_HWCAPS];
    if (have[LDC_TAG_HWCAPS] && hsize != 0 && hoff % 4 == 0 && hsize % 4 == 0) {
        size_t n = hsize / 4;
        if (n > LDC_MAX_HWCAPS)
            return lp_err_set_at(p->err, LP_ERR_LIMIT, hoff,
                                 "'%s': %zu glibc-hwcaps names, over the limit of %u, at offset "
                                 "0x%x",
                                 p->name, n, LDC_MAX_HWCAPS, hoff);
        p->hwcaps = calloc(n, sizeof *p->hwcaps);
        if (!p->hwcaps)
            return nomem(p->err);
        p->n_hwcaps = n;
        lp_cur h;
        lp_cur_init(&h, p->buf, p->len, 0, be, 8);
        lp_cur_seek(&h, hoff);
        for (size_t i = 0; i < n; i++) {
            uint32_t so = lp_cur_u32(&h);
            if (!lp_cur_ok(&h))
                return lp_cur_error(lp_cur_what(&h, "glibc-hwcaps array"), p->name, p->err);
            p->hwcaps[i] = str_at(p->buf, p->len, so);
            if (!p->hwcaps[i])
                return lp_err_set_at(p->err, LP_ERR_FORMAT, (uint64_t)hoff + 4 * i,
                                     "'%s': glibc-hwcaps name %zu string offset 0x%x out of range "
                                     "or unterminated at offset 0x%llx",
                                     p->name, i, so, (unsigned long long)hoff + 4 * i);
        }
    }
    return LP_OK;
}

/* Does a new-format table of nlibs entries at hdr fit in the file? */
static bool new_fits(size_t len, size_t hdr, uint32_t nlibs)
{
    uint64_t size;
    return lp_mul_ok(nlibs, LDC_NEW_ENT, &size) && lp_range_ok(hdr + (uint64_t)LDC_NEW_HDR, size, len);
}

/*
 * The new table with its header at file offset hdr. old_be: the byte order
 * of the old table around it (-1 when there is none), which stands in for an
 * "unknown" endianness flag; a new-only file with the flag unset is read in
 * host order, or in the other order when only that makes nlibs fit.
 */
static lp_code parse_new(ldc_parse *p, size_t hdr, int old_be)
{
    lp_cur f;
    lp_cur_init(&f, p->buf, p->len, 0, false, 8);
    lp_cur_seek(&f, hdr + 28);
    uint8_t eflags = lp_cur_u8(&f) & 3u;
    if (!lp_cur_ok(&f))
        return lp_cur_error(lp_cur_what(&f, "new-format header"), p->name, p->err);
    bool be;
    if (eflags == 1)
        return lp_err_set_at(p->err, LP_ERR_FORMAT, hdr + 28,
                             "'%s': cache marked invalid (endianness flag 1) at offset 0x%zx",
                             p->name, hdr + 28);
    if (eflags == 2 || eflags == 3) {
        be = eflags == 3;
    } else if (old_be >= 0) {
        be = old_be != 0;
    } else {
        be = host_big_endian();
        lp_cur t;
        lp_cur_init(&t, p->buf, p->len, 0, be, 8);
        lp_cur_seek(&t, hdr + 20);
        if (!new_fits(p->len, hdr, lp_cur_u32(&t))) {
            lp_cur_init(&t, p->buf, p->len, 0, !be, 8);
            lp_cur_seek(&t, hdr + 20);
            if (new_fits(p->len, hdr, lp_cur_u32(&t)))
                be = !be;
        }
    }

    lp_cur c;
    lp_cur_init(&c, p->buf, p->len, 0, be, 8);
    lp_cur_seek(&c, hdr + 20);
    uint32_t nlibs = lp_cur_u32(&c);
    (void)lp_cur_u32(&c); /* len_strings: no reader uses it */
    lp_cur_seek(&c, hdr + 32);
    uint32_t ext_off = lp_cur_u32(&c);
    if (!lp_cur_ok(&c))
        return lp_cur_error(lp_cur_what(&c, "new-format header"), p->name, p->err);
    if (!new_fits(p->len, hdr, nlibs))
        return lp_err_set_at(p->err, LP_ERR_FORMAT, hdr + LDC_NEW_HDR,
                             "'%s': truncated entry table (%u entries) at offset 0x%zx", p->name,
                             nlibs, hdr + LDC_NEW_HDR);

    /* glibc's loader uses the entries of a cache whose extension directory
     * is corrupt; it only loses the glibc-hwcaps names, so those entries
     * become unusable (glibc_hwcaps_priorities_init gives up quietly). */
    lp_err ext_err, *saved_err = p->err;
    lp_err_clear(&ext_err);
    p->err = &ext_err;
    lp_code rc = read_extensions(p, ext_off, be);
    p->err = saved_err;
    if (rc == LP_ERR_NOMEM)
        return nomem(p->err);
    if (rc != LP_OK) {
        free(p->hwcaps);
        p->hwcaps = NULL;
        p->n_hwcaps = 0;
        free(p->cache->generator);
        p->cache->generator = NULL;
        if (!(p->cache->ext_problem = strdup(ext_err.msg)))
            return nomem(p->err);
    }

    lp_ldcache *cache = p->cache;
    cache->ents = calloc(nlibs ? nlibs : 1, sizeof *cache->ents);
    if (!cache->ents)
        return nomem(p->err);
    lp_cur_seek(&c, hdr + LDC_NEW_HDR);
    for (uint32_t i = 0; i < nlibs; i++) {
        uint64_t at = (uint64_t)hdr + LDC_NEW_HDR + (uint64_t)i * LDC_NEW_ENT;
        uint32_t flags = lp_cur_u32(&c);
        uint32_t key = lp_cur_u32(&c);
        uint32_t value = lp_cur_u32(&c);
        (void)lp_cur_u32(&c); /* osversion: unused since glibc 2.x */
        uint64_t hwcap = lp_cur_u64(&c);
        if (!lp_cur_ok(&c))
            return lp_cur_error(lp_cur_what(&c, "entry table"), p->name, p->err);
        lp_ldcache_entry *e = &cache->ents[i];
        e->flags = flags;
        e->hwcap = hwcap;
        e->key = str_at(p->buf, p->len, (uint64_t)hdr + key);
        if (!e->key)
            return bad_string(p, "key", i, key, at + 4);
        e->path = str_at(p->buf, p->len, (uint64_t)hdr + value);
        if (!e->path)
            return bad_string(p, "value", i, value, at + 8);
        /* An index outside the array leaves the entry without a name: glibc
         * then gives it priority 0 (never used), so lookups skip it. */
        if (((hwcap >> 32) & ~HWCAP_ISA_LEVEL_MASK) == (HWCAP_EXTENSION >> 32) &&
            (uint32_t)hwcap < p->n_hwcaps)
            e->hwcaps = p->hwcaps[(uint32_t)hwcap];
        cache->n = (size_t)i + 1;
    }
    return LP_OK;
}

/* Does an old-format table of nlibs entries fit? */
static bool old_fits(size_t len, uint32_t nlibs)
{
    uint64_t size;
    return lp_mul_ok(nlibs, LDC_OLD_ENT, &size) && lp_range_ok(LDC_OLD_HDR, size, len);
}

static bool new_magic_at(const ldc_parse *p, uint64_t off)
{
    if (!lp_range_ok(off, LDC_NEW_HDR, p->len))
        return false;
    lp_cur c;
    lp_cur_init(&c, p->buf, p->len, 0, false, 8);
    lp_cur_seek(&c, (size_t)off);
    const uint8_t *m = lp_cur_bytes(&c, sizeof LDC_NEW_MAGIC - 1);
    return m && memcmp(m, LDC_NEW_MAGIC, sizeof LDC_NEW_MAGIC - 1) == 0;
}

static lp_code parse_old(ldc_parse *p)
{
    if (p->len < LDC_OLD_HDR)
        return lp_err_set_at(p->err, LP_ERR_FORMAT, p->len,
                             "'%s': truncated old-format header at offset 0x%zx", p->name, p->len);
    /* No byte-order mark in the old format: try the host's order, then the
     * other one; the order under which a new header is found wins. */
    bool orders[2] = {host_big_endian(), !host_big_endian()};
    int chosen = -1;
    size_t new_hdr = 0;
    for (int k = 0; k < 2 && !new_hdr; k++) {
        lp_cur c;
        lp_cur_init(&c, p->buf, p->len, 0, orders[k], 8);
        lp_cur_seek(&c, 12);
        uint32_t n = lp_cur_u32(&c);
        if (!lp_cur_ok(&c) || !old_fits(p->len, n))
            continue;
        if (chosen < 0)
            chosen = k;
        uint64_t end = LDC_OLD_HDR + (uint64_t)n * LDC_OLD_ENT;
        uint64_t at8 = (end + 7) & ~(uint64_t)7;
        if (new_magic_at(p, at8)) {
            new_hdr = (size_t)at8;
            chosen = k;
        } else if (at8 != end && new_magic_at(p, end)) {
            new_hdr = (size_t)end;
            chosen = k;
        }
    }
    if (chosen < 0) {
        lp_cur c;
        lp_cur_init(&c, p->buf, p->len, 0, orders[0], 8);
        lp_cur_seek(&c, 12);
        uint32_t n = lp_cur_u32(&c);
        return lp_err_set_at(p->err, LP_ERR_FORMAT, LDC_OLD_HDR,
                             "'%s': truncated entry table (%u entries) at offset 0x%x", p->name,
                             n, LDC_OLD_HDR);
    }
    bool be = orders[chosen];
    if (new_hdr) {
        p->cache->format = "old+new";
        return parse_new(p, new_hdr, be);
    }

    p->cache->format = "old";
    lp_cur c;
    lp_cur_init(&c, p->buf, p->len, 0, be, 8);
    lp_cur_seek(&c, 12);
    uint32_t nlibs = lp_cur_u32(&c);
    uint64_t strtab = LDC_OLD_HDR + (uint64_t)nlibs * LDC_OLD_ENT; /* fits: checked above */
    lp_ldcache *cache = p->cache;
    cache->ents = calloc(nlibs ? nlibs : 1, sizeof *cache->ents);
    if (!cache->ents)
        return nomem(p->err);
    for (uint32_t i = 0; i < nlibs; i++) {
        uint64_t at = LDC_OLD_HDR + (uint64_t)i * LDC_OLD_ENT;
        uint32_t flags = lp_cur_u32(&c);
        uint32_t key = lp_cur_u32(&c);
        uint32_t value = lp_cur_u32(&c);
        if (!lp_cur_ok(&c))
            return lp_cur_error(lp_cur_what(&c, "entry table"), p->name, p->err);
        lp_ldcache_entry *e = &cache->ents[i];
        e->flags = flags;
        e->key = str_at(p->buf, p->len, strtab + key);
        if (!e->key)
            return bad_string(p, "key", i, key, at + 4);
        e->path = str_at(p->buf, p->len, strtab + value);
        if (!e->path)
            return bad_string(p, "value", i, value, at + 8);
        cache->n = (size_t)i + 1;
    }
    return LP_OK;
}

static int libcmp(const char *p1, const char *p2);
static lp_code find_runs(lp_ldcache *c, const char *name, lp_err *err);

lp_code lp_ldcache_parse(const uint8_t *buf, size_t len, const char *name, lp_ldcache **out,
                         lp_err *err)
{
    if (!name)
        name = "ld.so.cache";
    if (!out || (!buf && len))
        return lp_err_set(err, LP_ERR_INVAL, "'%s': bad arguments to lp_ldcache_parse", name);
    *out = NULL;
    uint64_t max = lp_limit(LP_LIMIT_LDCACHE);
    if (max && len > max)
        return lp_limit_err(err, LP_LIMIT_LDCACHE, "'%s': an ld.so.cache of %zu bytes", name, len);

    lp_ldcache *cache = calloc(1, sizeof *cache);
    uint8_t *copy = malloc(len ? len : 1);
    if (!cache || !copy) {
        free(cache);
        free(copy);
        return nomem(err);
    }
    if (len)
        memcpy(copy, buf, len);
    cache->data = copy;
    cache->len = len;

    ldc_parse p = {.buf = copy, .len = len, .name = name, .err = err, .cache = cache};
    lp_code rc;
    if (len >= sizeof LDC_NEW_MAGIC - 1 && memcmp(copy, LDC_NEW_MAGIC, sizeof LDC_NEW_MAGIC - 1) == 0) {
        cache->format = "new";
        if (len < LDC_NEW_HDR)
            rc = lp_err_set_at(err, LP_ERR_FORMAT, len,
                               "'%s': truncated new-format header at offset 0x%zx", name, len);
        else
            rc = parse_new(&p, 0, -1);
    } else if (len >= sizeof LDC_OLD_MAGIC - 1 &&
               memcmp(copy, LDC_OLD_MAGIC, sizeof LDC_OLD_MAGIC - 1) == 0) {
        rc = parse_old(&p);
    } else if (len == 0) {
        rc = lp_err_set_at(err, LP_ERR_FORMAT, 0, "'%s': empty file at offset 0x0, not an ld.so.cache",
                           name);
    } else {
        rc = lp_err_set_at(err, LP_ERR_FORMAT, 0,
                           "'%s': no ld.so.cache magic at offset 0x0", name);
    }
    free(p.hwcaps);
    if (rc == LP_OK)
        rc = find_runs(cache, name, err);
    if (rc != LP_OK) {
        lp_ldcache_free(&cache);
        return rc;
    }
    *out = cache;
    return LP_OK;
}

void lp_ldcache_free(lp_ldcache **cache)
{
    if (!cache || !*cache)
        return;
    free((*cache)->data);
    free((*cache)->ents);
    free((*cache)->run_start);
    free((*cache)->generator);
    free((*cache)->ext_problem);
    free(*cache);
    *cache = NULL;
}

size_t lp_ldcache_count(const lp_ldcache *cache) { return cache ? cache->n : 0; }

const lp_ldcache_entry *lp_ldcache_at(const lp_ldcache *cache, size_t i)
{
    return cache && i < cache->n ? &cache->ents[i] : NULL;
}

const char *lp_ldcache_format(const lp_ldcache *cache) { return cache ? cache->format : NULL; }

const char *lp_ldcache_problem(const lp_ldcache *cache)
{
    return cache ? cache->ext_problem : NULL;
}

const char *lp_ldcache_generator(const lp_ldcache *cache)
{
    return cache ? cache->generator : NULL;
}

/* ---- flags ---- */

uint32_t lp_ldcache_required_flags(unsigned machine, unsigned bits, uint32_t e_flags)
{
    /* sysdeps/.../dl-cache.h of each port, as rows of the one architecture table */
    return lp_arch_ldcache_flags(machine, bits, e_flags);
}

static bool arm_flags(uint32_t required)
{
    return required == (LP_LDC_ARM_LIBHF | FLAG_ELF_LIBC6) ||
           required == (LP_LDC_ARM_LIBSF | FLAG_ELF_LIBC6);
}

/*
 * _dl_cache_check_flags of the loader that needs `required`: most targets
 * accept exactly their _DL_CACHE_DEFAULT_ID; the generic rule (i386, ppc32,
 * s390 31-bit, sparc32, legacy-NaN mips o32) accepts 1 or 3; ARM accepts its
 * own float ABI or unmarked libc6 entries. required == 0: any libc6 entry.
 */
static bool flags_ok(uint32_t flags, uint32_t required)
{
    if (required == 0)
        return (flags & FLAG_TYPE_MASK) == FLAG_ELF_LIBC6;
    if (required == FLAG_ELF_LIBC6)
        return flags == FLAG_ELF || flags == FLAG_ELF_LIBC6;
    if (arm_flags(required))
        return flags == required || flags == FLAG_ELF_LIBC6;
    return flags == required;
}

/* ---- lookup ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/*
 * _dl_cache_libcmp: bytes compare as bytes, runs of digits as numbers (so
 * "libx.so.01" equals "libx.so.1"). Digit runs are compared by length after
 * leading zeros, then bytewise, which is the numeric order without glibc's
 * int overflow on absurd runs.
 */
static int libcmp(const char *p1, const char *p2)
{
    while (*p1 != '\0') {
        if (is_digit(*p1)) {
            if (!is_digit(*p2))
                return 1;
            const char *a = p1, *b = p2;
            while (is_digit(*p1))
                p1++;
            while (is_digit(*p2))
                p2++;
            while (*a == '0' && a + 1 < p1)
                a++;
            while (*b == '0' && b + 1 < p2)
                b++;
            size_t la = (size_t)(p1 - a), lb = (size_t)(p2 - b);
            if (la != lb)
                return la < lb ? -1 : 1;
            int r = memcmp(a, b, la);
            if (r != 0)
                return r;
        } else if (is_digit(*p2)) {
            return -1;
        } else if (*p1 != *p2) {
            return *p1 - *p2;
        } else {
            p1++;
            p2++;
        }
    }
    return *p1 - *p2;
}

/* Adjacent entries with equal keys, once: a key at the same place in the file needs no comparing. */
static lp_code find_runs(lp_ldcache *c, const char *name, lp_err *err)
{
    c->run_start = malloc((c->n ? c->n : 1) * sizeof *c->run_start);
    if (!c->run_start)
        return nomem(err);
    size_t start = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (i > 0 && c->ents[i].key != c->ents[i - 1].key && libcmp(c->ents[i].key, c->ents[i - 1].key) != 0)
            start = i;
        if (i - start >= LDC_MAX_RUN)
            return lp_err_set(err, LP_ERR_LIMIT, "'%s': more than %u entries for the name '%.64s' "
                              "(real caches have a few)",
                              name, LDC_MAX_RUN, c->ents[i].key);
        c->run_start[i] = (uint32_t)start;
    }
    return LP_OK;
}

/*
 * search_cache of elf/dl-cache.c (glibc 2.37 and later), over the run of
 * entries whose key equals soname (under _dl_cache_libcmp). As in glibc, the
 * run is found by binary search (ldconfig sorts the table in descending
 * _dl_cache_libcmp order), then followed back to its first entry (the runs
 * are found at parse time): a table that is not sorted answers what the
 * loader would answer, not what a scan would find.
 *
 * Within the run, entries with acceptable flags are considered in order:
 *  - glibc-hwcaps entries (listed first by ldconfig) compete on the position
 *    of their subdirectory in the active list (earlier wins, ties keep the
 *    first); names not in the list, and extension entries without a name,
 *    are skipped. The ISA level bits are not checked against a CPU: the active
 *    list stands for the CPU.
 *  - the first plain entry ends the search: when a hwcaps entry was found
 *    that one is the answer, otherwise the plain entry is. (glibc keeps
 *    scanning when the plain entry's flags are not _DL_CACHE_DEFAULT_ID, but
 *    with best_priority still 0 no later entry can replace it.)
 *  - entries with legacy hwcap bits are skipped: glibc 2.37 removed the
 *    legacy hwcaps/platform subdirectories. 2.33-2.36 could still use one
 *    when the CPU had those bits; that is not modelled.
 */
const lp_ldcache_entry *lp_ldcache_lookup(const lp_ldcache *cache, const char *soname,
                                          uint32_t required_flags, const char *const *hwcaps,
                                          size_t n_hwcaps)
{
    return lp_ldcache_lookup_hw(cache, soname, required_flags, hwcaps, n_hwcaps, 0, 0, 0);
}

const lp_ldcache_entry *lp_ldcache_lookup_hw(const lp_ldcache *cache, const char *soname,
                                             uint32_t required_flags, const char *const *hwcaps,
                                             size_t n_hwcaps, uint64_t hwcap, uint64_t platform,
                                             uint64_t platform_mask)
{
    const uint64_t tls = (uint64_t)1 << 63, exclude = ~(hwcap | platform_mask | tls);
    if (!cache || !soname)
        return NULL;
    size_t lo = 0, hi = cache->n, i = cache->n;
    while (lo < hi) { /* [lo, hi) still to search; at most log2(n) + 1 steps */
        size_t mid = lo + (hi - lo) / 2;
        int cmp = libcmp(soname, cache->ents[mid].key);
        if (cmp == 0) {
            i = mid;
            break;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (i >= cache->n)
        return NULL;
    /* the run found at parse time: back to its first entry, forward to its last */
    uint32_t run = cache->run_start[i];
    const lp_ldcache_entry *best = NULL;
    size_t best_prio = SIZE_MAX;
    for (i = run; i < cache->n && cache->run_start[i] == run; i++) {
        const lp_ldcache_entry *e = &cache->ents[i];
        if (!flags_ok(e->flags, required_flags))
            continue;
        bool named = ((e->hwcap >> 32) & ~HWCAP_ISA_LEVEL_MASK) == (HWCAP_EXTENSION >> 32);
        if (!named) {
            if (best)
                break;
            /* legacy hardware capabilities: only the loader's own (dl-cache.c's hwcap_exclude) */
            if ((e->hwcap & exclude) || ((e->hwcap & platform_mask) && (e->hwcap & platform_mask) != platform))
                continue;
            return e;
        }
        size_t prio = SIZE_MAX;
        for (size_t k = 0; e->hwcaps && hwcaps && k < n_hwcaps; k++)
            if (hwcaps[k] && strcmp(hwcaps[k], e->hwcaps) == 0) {
                prio = k;
                break;
            }
        if (prio == SIZE_MAX || (best && prio >= best_prio))
            continue;
        best_prio = prio;
        best = e;
    }
    return best;
}
