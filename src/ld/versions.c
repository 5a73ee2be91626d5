/*
 * versions.c - ELF symbol versions: what an object needs (DT_VERNEED), what
 * it defines (DT_VERDEF), and which undefined symbols are bound to a needed
 * version (DT_VERSYM with the dynamic symbol table); version name ordering.
 *
 * Owns: finding the tables through the object view, from the dynamic section
 * as the loader does, or from the .gnu.version* sections when the object has
 * no usable dynamic section (no PT_DYNAMIC, or no DT_STRTAB in it).
 *
 * Invariants: each table is one bounded run of file bytes (a section, or a
 * window of the loadable segment holding the address) read through the
 * cursor; every structure is range-checked before it is read; the vn_next,
 * vna_next and vd_next chains move forward by at least one structure each
 * step, stop at a zero link or their count, and are cut at LP_VERSIONS_MAX;
 * every string must end, NUL included, inside its string table and is copied
 * into storage the result owns (priv), so nothing points into file data.
 */
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"
#include "obj/arch.h"
#include "obj/elf_defs.h"
#include "util/cursor.h"

#define VERNEED_SIZE 16u
#define VERNAUX_SIZE 16u
#define VERDEF_SIZE 20u
#define VERDAUX_SIZE 8u
#define VERSYM_HIDDEN 0x8000u

/* A table whose size the dynamic section does not give is read up to the end
 * of its segment, at most this much (LP_VERSIONS_MAX entries and their aux). */
#define VER_WINDOW_MAX (16u << 20)
/* Without a section giving a table's size, the first read takes this much (or
 * up to the segment's end, if nearer); real version tables are a few hundred
 * bytes. A table longer than that is read again up to the segment's end. */
#define VER_FIRST_WINDOW 4096u
#define VER_STRTAB_MAX (64u << 20)
#define VER_SYMS_MAX (1u << 24)

/* String storage: chunks chained from priv, freed together. */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk;

#define CHUNK_SIZE 4096u

/* One table's bytes: data[0] is at file offset reg.off. */
typedef struct table {
    lp_region reg;
    const char *label; /* ".gnu.version_r", "the DT_VERNEED data", ... */
    bool dynstr;       /* the object's dynamic string table, read in blocks (lp_obj_dynstr) */
} table;

typedef struct ctx {
    lp_obj *obj;
    const char *name;
    bool be, wide;
    lp_err *err;
    lp_versions *out;
    size_t cap_needs, cap_defs, cap_refs;
    /* what was found, by either path */
    table need, def, versym, syms;
    table strtabs[3];
    size_t nstrtabs;
    uint32_t strtab_sec[3];      /* section path: which section each string table is */
    const table *need_str, *def_str, *sym_str;
    bool has_need, has_def, has_versym, has_syms;
    uint64_t need_count, def_count; /* 0: follow the chain to its end */
    uint64_t nsyms, syment;
    bool want_refs;  /* read DT_VERSYM and the symbols too (LP_VERSIONS_REFS) */
    bool hints;      /* size DT_VERNEED/DT_VERDEF windows by a section at the same address */
} ctx;

static lp_code nomem(ctx *x)
{
    return lp_err_set(x->err, LP_ERR_NOMEM, "'%s': out of memory reading symbol versions", x->name);
}

static const char *store_str(ctx *x, const char *s, size_t n)
{
    chunk *head = x->out->priv;
    if (!head || head->cap - head->used < n + 1) {
        size_t cap = n + 1 > CHUNK_SIZE ? n + 1 : CHUNK_SIZE;
        chunk *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        if (head && n + 1 > CHUNK_SIZE) {
            /* a big string gets its own chunk behind the current one */
            c->next = head->next;
            head->next = c;
        } else {
            c->next = head;
            x->out->priv = c;
        }
        head = c;
    }
    char *d = head->data + head->used;
    memcpy(d, s, n);
    d[n] = '\0';
    head->used += n + 1;
    return d;
}

/* The string at @at of @t, copied; @what at file offset @where names it. */
static lp_code str_at(ctx *x, const table *t, uint64_t at, const char *what, uint64_t where,
                      const char **out)
{
    if (t->dynstr) {
        const char *s;
        size_t len;
        lp_err e;
        lp_err_clear(&e);
        lp_code rc = lp_obj_dynstr(x->obj, at, &s, &len, &e);
        if (rc == LP_ERR_FORMAT || rc == LP_ERR_NOTFOUND) {
            /* the inner message names the file too: say it once */
            const char *why = e.msg;
            size_t nl = strlen(x->name);
            if (why[0] == '\'' && strncmp(why + 1, x->name, nl) == 0 && strncmp(why + 1 + nl, "': ", 3) == 0)
                why += nl + 4;
            return lp_err_set_at(x->err, LP_ERR_FORMAT, where,
                                 "'%s': %s at offset 0x%llx names string 0x%llx of %s: %s", x->name,
                                 what, (unsigned long long)where, (unsigned long long)at, t->label,
                                 why);
        }
        if (rc) {
            if (x->err)
                *x->err = e;
            return rc;
        }
        *out = store_str(x, s, len);
        return *out ? LP_OK : nomem(x);
    }
    if (at >= t->reg.len)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, where,
                             "'%s': %s at offset 0x%llx names string 0x%llx outside %s (0x%zx bytes)",
                             x->name, what, (unsigned long long)where, (unsigned long long)at,
                             t->label, t->reg.len);
    const char *s = (const char *)t->reg.data + at;
    size_t max = t->reg.len - (size_t)at;
    size_t len = strnlen(s, max);
    if (len == max)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, where,
                             "'%s': %s at offset 0x%llx names string 0x%llx that runs off the end "
                             "of %s",
                             x->name, what, (unsigned long long)where, (unsigned long long)at,
                             t->label);
    *out = store_str(x, s, len);
    return *out ? LP_OK : nomem(x);
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = nc;
    return true;
}

/* ------------------------------------------------------------------ */
/* Finding the tables                                                  */

/*
 * The bytes at virtual address @addr in the loadable segment holding it:
 * exactly @size of them when @exact, else up to the segment's (or the
 * file's) end, at most @size (when not 0) and at most VER_WINDOW_MAX.
 */
static lp_code vwindow(ctx *x, uint64_t addr, uint64_t size, bool exact, const char *label,
                       table *t)
{
    lp_src *src = lp_obj_source(x->obj);
    uint64_t srcsz = lp_src_size(src);
    memset(t, 0, sizeof *t);
    t->label = label;
    size_t nseg = lp_obj_segment_count(x->obj);
    for (size_t i = 0; i < nseg; i++) {
        const lp_segment *s = lp_obj_segment_at(x->obj, i);
        if (s->type != LP_PT_LOAD || addr < s->vaddr || addr - s->vaddr >= s->filesz)
            continue;
        uint64_t rel = addr - s->vaddr, avail = s->filesz - rel;
        if (s->off > UINT64_MAX - rel)
            continue;
        uint64_t off = s->off + rel;
        uint64_t n = size;
        if (exact) {
            if (n > avail)
                continue;
        } else {
            uint64_t cap = size && size < VER_WINDOW_MAX ? size : VER_WINDOW_MAX;
            n = avail < cap ? avail : cap;
            if (off < srcsz && n > srcsz - off)
                n = srcsz - off; /* a truncated file: what there is */
        }
        if (n > SIZE_MAX)
            break;
        return lp_src_region(src, off, (size_t)n, label, &t->reg, x->err);
    }
    return lp_err_set(x->err, LP_ERR_FORMAT,
                      "'%s': %s at address 0x%llx (0x%llx bytes) is not in any loaded segment",
                      x->name, label, (unsigned long long)addr,
                      (unsigned long long)(exact ? size : 1));
}

/* The symbol count from DT_GNU_HASH: one past the last chain's end, or symoffset. */
static lp_code gnu_hash_count(ctx *x, uint64_t addr, uint64_t *n)
{
    table t;
    lp_code rc = vwindow(x, addr, 0, false, "the DT_GNU_HASH table", &t);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, t.reg.data, t.reg.len, t.reg.off, x->be, 8);
    lp_cur_what(&c, "GNU hash table");
    uint32_t nbuckets = lp_cur_u32(&c), symoffset = lp_cur_u32(&c);
    uint32_t bloom = lp_cur_u32(&c);
    lp_cur_u32(&c); /* bloom shift */
    uint64_t bloom_bytes = (uint64_t)bloom * (x->wide ? 8u : 4u);
    if (bloom_bytes > lp_cur_left(&c))
        lp_cur_seek(&c, t.reg.len + 1); /* truncated: records the error */
    else
        lp_cur_skip(&c, (size_t)bloom_bytes);
    uint32_t top = 0;
    for (uint32_t b = 0; b < nbuckets && lp_cur_ok(&c); b++) {
        uint32_t v = lp_cur_u32(&c);
        if (v > top)
            top = v;
    }
    size_t chain = c.pos;
    uint64_t count = symoffset;
    if (lp_cur_ok(&c) && top != 0) {
        if (top < symoffset) {
            uint64_t where = t.reg.off;
            lp_region_release(&t.reg);
            return lp_err_set_at(x->err, LP_ERR_FORMAT, where,
                                 "'%s': GNU hash table at offset 0x%llx has a bucket (%u) below "
                                 "its first symbol (%u)",
                                 x->name, (unsigned long long)where, top, symoffset);
        }
        /* walk the last chain to the entry with the stop bit */
        uint64_t at = (uint64_t)(top - symoffset) * 4u;
        if (at > lp_cur_left(&c))
            lp_cur_seek(&c, t.reg.len + 1);
        else
            lp_cur_seek(&c, chain + (size_t)at);
        uint64_t idx = top;
        while (lp_cur_ok(&c) && !(lp_cur_u32(&c) & 1u))
            idx++;
        count = idx + 1;
    }
    rc = lp_cur_error(&c, x->name, x->err);
    lp_region_release(&t.reg);
    if (!rc && count > VER_SYMS_MAX)
        rc = lp_err_set(x->err, LP_ERR_LIMIT, "'%s': %llu dynamic symbols are over the limit of %u",
                        x->name, (unsigned long long)count, VER_SYMS_MAX);
    *n = count;
    return rc;
}

/* The symbol count from DT_HASH: nchain. Its words are 8 bytes on 64-bit s390 and alpha. */
static lp_code sysv_hash_count(ctx *x, uint64_t addr, uint64_t *n)
{
    const lp_obj_info *in = lp_obj_info_get(x->obj);
    unsigned w = lp_arch_hash_word(in->machine, in->bits);
    table t;
    lp_code rc = vwindow(x, addr, 2u * w, true, "the DT_HASH table", &t);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, t.reg.data, t.reg.len, t.reg.off, x->be, 8);
    lp_cur_what(&c, "hash table");
    lp_cur_word(&c, w == 8);
    *n = lp_cur_word(&c, w == 8);
    rc = lp_cur_error(&c, x->name, x->err);
    lp_region_release(&t.reg);
    if (!rc && *n > VER_SYMS_MAX)
        rc = lp_err_set(x->err, LP_ERR_LIMIT, "'%s': %llu dynamic symbols are over the limit of %u",
                        x->name, (unsigned long long)*n, VER_SYMS_MAX);
    return rc;
}

/*
 * The size of a section of @type at address @addr, lying inside one loadable
 * segment, or 0. Only a hint, so that a table is read whole and no more
 * (the loader needs no size: it follows the chain); a file whose section
 * disagrees with its chain is read again without hints.
 */
static uint64_t section_size_at(ctx *x, uint64_t addr, uint32_t type, bool *exact)
{
    *exact = false;
    if (!x->hints)
        return 0;
    size_t nsec = lp_obj_section_count(x->obj);
    for (size_t i = 0; i < nsec; i++) {
        const lp_section *s = lp_obj_section_at(x->obj, i);
        if (s->type == type && s->addr == addr && s->size > 0 && s->size <= VER_WINDOW_MAX) {
            *exact = true;
            return s->size;
        }
    }
    return VER_FIRST_WINDOW; /* no section to ask (or it was not read): a first guess */
}

static lp_code tag(ctx *x, int64_t t, uint64_t *v, bool *present)
{
    return lp_obj_dynamic_tag(x->obj, t, v, present, x->err);
}

/* The tables named by the dynamic section. *usable is false when there is no DT_STRTAB. */
static lp_code from_dynamic(ctx *x, bool *usable)
{
    uint64_t strtab, strsz, verneed, neednum, verdef, defnum, versym, symtab, syment, hash, gnuhash;
    bool p_strtab, p_strsz, p_verneed, p_neednum, p_verdef, p_defnum, p_versym, p_symtab, p_syment,
        p_hash, p_gnuhash;
    *usable = false;
    lp_code rc = tag(x, LP_DT_STRTAB, &strtab, &p_strtab);
    if (rc || !p_strtab)
        return rc;
    if ((rc = tag(x, LP_DT_STRSZ, &strsz, &p_strsz)) || (rc = tag(x, LP_DT_VERNEED, &verneed, &p_verneed)) ||
        (rc = tag(x, LP_DT_VERNEEDNUM, &neednum, &p_neednum)) ||
        (rc = tag(x, LP_DT_VERDEF, &verdef, &p_verdef)) ||
        (rc = tag(x, LP_DT_VERDEFNUM, &defnum, &p_defnum)) ||
        (rc = tag(x, LP_DT_VERSYM, &versym, &p_versym)) ||
        (rc = tag(x, LP_DT_SYMTAB, &symtab, &p_symtab)) ||
        (rc = tag(x, LP_DT_SYMENT, &syment, &p_syment)) || (rc = tag(x, LP_DT_HASH, &hash, &p_hash)) ||
        (rc = tag(x, LP_DT_GNU_HASH, &gnuhash, &p_gnuhash)))
        return rc;
    *usable = true;
    if (!p_verneed && !p_verdef)
        return LP_OK; /* nothing versioned, whatever DT_VERSYM says */

    if (p_strsz && strsz > VER_STRTAB_MAX)
        return lp_err_set(x->err, LP_ERR_LIMIT,
                          "'%s': dynamic string table of %llu bytes is over the limit", x->name,
                          (unsigned long long)strsz);
    table *st = &x->strtabs[x->nstrtabs++];
    if (p_strsz) {
        /* read in blocks as names are asked for: a C++ library's table is megabytes */
        memset(st, 0, sizeof *st);
        st->label = "the dynamic string table";
        st->dynstr = true;
    } else if ((rc = vwindow(x, strtab, 0, false, "the dynamic string table", st))) {
        return rc;
    }
    x->need_str = x->def_str = x->sym_str = st;
    if (p_verneed) {
        bool exact;
        uint64_t hint = section_size_at(x, verneed, LP_SHT_GNU_VERNEED, &exact);
        if ((rc = vwindow(x, verneed, hint, exact, "the DT_VERNEED data", &x->need)))
            return rc;
        x->has_need = true;
        x->need_count = p_neednum ? neednum : 0;
    }
    if (p_verdef) {
        bool exact;
        uint64_t hint = section_size_at(x, verdef, LP_SHT_GNU_VERDEF, &exact);
        if ((rc = vwindow(x, verdef, hint, exact, "the DT_VERDEF data", &x->def)))
            return rc;
        x->has_def = true;
        x->def_count = p_defnum ? defnum : 0;
    }
    if (!x->want_refs || !p_verneed || !p_versym || !p_symtab)
        return LP_OK; /* no references asked for, or none to report */

    /* How many dynamic symbols: the hash tables say, else a .dynsym section at that address. */
    uint64_t n = 0;
    bool known = false;
    if (p_gnuhash) {
        if ((rc = gnu_hash_count(x, gnuhash, &n)))
            return rc;
        known = true;
    } else if (p_hash) {
        if ((rc = sysv_hash_count(x, hash, &n)))
            return rc;
        known = true;
    }
    uint64_t minent = x->wide ? 24 : 16;
    if (p_syment && (syment < minent || syment > 4096))
        return lp_err_set(x->err, LP_ERR_FORMAT, "'%s': DT_SYMENT %llu is not a symbol size",
                          x->name, (unsigned long long)syment);
    x->syment = p_syment ? syment : minent;
    size_t nsec = lp_obj_section_count(x->obj);
    for (size_t i = 0; i < nsec && !known; i++) {
        const lp_section *s = lp_obj_section_at(x->obj, i);
        if (s->type == LP_SHT_DYNSYM && s->addr == symtab) {
            n = s->size / x->syment;
            known = true;
        }
    }
    if (!known)
        return LP_OK;
    if (n > VER_SYMS_MAX)
        return lp_err_set(x->err, LP_ERR_LIMIT, "'%s': %llu dynamic symbols are over the limit of %u",
                          x->name, (unsigned long long)n, VER_SYMS_MAX);
    x->nsyms = n;
    if ((rc = vwindow(x, versym, n * 2u, true, "the DT_VERSYM table", &x->versym)))
        return rc;
    x->has_versym = true;
    if ((rc = vwindow(x, symtab, n * x->syment, true, "the dynamic symbol table", &x->syms)))
        return rc;
    x->has_syms = true;
    return LP_OK;
}

static const char *sec_label(const lp_section *s, const char *fallback)
{
    return s->name[0] ? s->name : fallback;
}

/* The string table section @link of section @s (shared when two tables use the same one). */
static lp_code sec_strtab(ctx *x, const lp_section *s, const char *what, const table **out)
{
    size_t nsec = lp_obj_section_count(x->obj);
    for (size_t i = 0; i < x->nstrtabs; i++)
        if (x->strtab_sec[i] == s->link) {
            *out = &x->strtabs[i];
            return LP_OK;
        }
    const lp_section *str = s->link < nsec ? lp_obj_section_at(x->obj, s->link) : NULL;
    if (!str || s->link == 0)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, s->off,
                             "'%s': %s section at offset 0x%llx links to section %u, which is not "
                             "a string table",
                             x->name, what, (unsigned long long)s->off, s->link);
    if (str->size > VER_STRTAB_MAX)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, str->off,
                             "'%s': string table '%s' of %llu bytes is over the limit", x->name,
                             str->name, (unsigned long long)str->size);
    table *t = &x->strtabs[x->nstrtabs];
    memset(t, 0, sizeof *t);
    t->label = sec_label(str, ".dynstr");
    lp_code rc = lp_obj_section_data(x->obj, str, &t->reg, x->err);
    if (rc)
        return rc;
    x->strtab_sec[x->nstrtabs++] = s->link;
    *out = t;
    return LP_OK;
}

static const lp_section *sec_of_type(ctx *x, uint32_t type)
{
    size_t nsec = lp_obj_section_count(x->obj);
    for (size_t i = 0; i < nsec; i++) {
        const lp_section *s = lp_obj_section_at(x->obj, i);
        if (s->type == type)
            return s;
    }
    return NULL;
}

/* The .gnu.version_r, .gnu.version_d, .gnu.version and .dynsym sections (by type, as readelf). */
static lp_code from_sections(ctx *x)
{
    const lp_section *need = sec_of_type(x, LP_SHT_GNU_VERNEED);
    const lp_section *def = sec_of_type(x, LP_SHT_GNU_VERDEF);
    lp_code rc;
    if (need) {
        x->need.label = sec_label(need, ".gnu.version_r");
        if ((rc = lp_obj_section_data(x->obj, need, &x->need.reg, x->err)) ||
            (rc = sec_strtab(x, need, "version needs", &x->need_str)))
            return rc;
        x->has_need = true;
        x->need_count = need->info;
    }
    if (def) {
        x->def.label = sec_label(def, ".gnu.version_d");
        if ((rc = lp_obj_section_data(x->obj, def, &x->def.reg, x->err)) ||
            (rc = sec_strtab(x, def, "version definitions", &x->def_str)))
            return rc;
        x->has_def = true;
        x->def_count = def->info;
    }
    const lp_section *vs = sec_of_type(x, LP_SHT_GNU_VERSYM);
    if (!x->want_refs || !need || !vs)
        return LP_OK;
    size_t nsec = lp_obj_section_count(x->obj);
    const lp_section *sym = vs->link < nsec ? lp_obj_section_at(x->obj, vs->link) : NULL;
    if (!sym || sym->type != LP_SHT_DYNSYM)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, vs->off,
                             "'%s': version symbol section at offset 0x%llx links to section %u, "
                             "which is not the dynamic symbol table",
                             x->name, (unsigned long long)vs->off, vs->link);
    uint64_t minent = x->wide ? 24 : 16;
    x->syment = sym->entsize >= minent && sym->entsize <= 4096 ? sym->entsize : minent;
    uint64_t n = sym->size / x->syment;
    if (vs->size / 2 < n)
        n = vs->size / 2;
    if (n > VER_SYMS_MAX)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, sym->off,
                             "'%s': %llu dynamic symbols are over the limit of %u", x->name,
                             (unsigned long long)n, VER_SYMS_MAX);
    x->nsyms = n;
    x->versym.label = sec_label(vs, ".gnu.version");
    x->syms.label = sec_label(sym, ".dynsym");
    if ((rc = lp_obj_section_data(x->obj, vs, &x->versym.reg, x->err)))
        return rc;
    x->has_versym = true;
    if ((rc = lp_obj_section_data(x->obj, sym, &x->syms.reg, x->err)))
        return rc;
    x->has_syms = true;
    return sec_strtab(x, sym, "dynamic symbol", &x->sym_str);
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

static lp_code too_many(ctx *x, const char *what, const table *t)
{
    return lp_err_set_at(x->err, LP_ERR_LIMIT, t->reg.off,
                         "'%s': more than %u %s in %s at offset 0x%llx", x->name, LP_VERSIONS_MAX,
                         what, t->label, (unsigned long long)t->reg.off);
}

static lp_code outside(ctx *x, const char *what, uint64_t pos, const table *t)
{
    uint64_t where = t->reg.off + pos;
    return lp_err_set_at(x->err, LP_ERR_FORMAT, where, "'%s': %s at offset 0x%llx points outside %s",
                         x->name, what, (unsigned long long)where, t->label);
}

static lp_code no_progress(ctx *x, const char *what, uint64_t pos, const table *t, uint32_t next)
{
    uint64_t where = t->reg.off + pos;
    return lp_err_set_at(x->err, LP_ERR_FORMAT, where,
                         "'%s': %s at offset 0x%llx has next offset %u, inside itself", x->name,
                         what, (unsigned long long)where, next);
}

/* What both chains check first: the count the dynamic section claims, and room for one entry. */
static lp_code chain_start(ctx *x, const table *t, uint64_t count, size_t entsize,
                           const char *entry)
{
    if (count > LP_VERSIONS_MAX)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, t->reg.off,
                             "'%s': %s at offset 0x%llx claims %llu entries, over the limit of %u",
                             x->name, t->label, (unsigned long long)t->reg.off,
                             (unsigned long long)count, LP_VERSIONS_MAX);
    if (!lp_range_ok(0, entsize, t->reg.len))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, t->reg.off,
                             "'%s': %s at offset 0x%llx is too short for a %s", x->name, t->label,
                             (unsigned long long)t->reg.off, entry);
    return LP_OK;
}

/* Every entry of both chains has version 1 (vn_version, vd_version). */
static lp_code chain_version(ctx *x, const table *t, uint64_t off, uint16_t version,
                             const char *entry)
{
    if (version == 1)
        return LP_OK;
    uint64_t where = t->reg.off + off;
    return lp_err_set_at(x->err, LP_ERR_FORMAT, where, "'%s': %s at offset 0x%llx has version %u, "
                         "not 1",
                         x->name, entry, (unsigned long long)where, version);
}

/*
 * The step from entry @p i at *off to the next: none after a zero link or
 * the claimed count (*more false); else the link must move forward by a whole
 * entry and the next entry must fit.
 */
static lp_code chain_next(ctx *x, const table *t, uint64_t count, uint64_t i, uint32_t next,
                          size_t entsize, const char *entry, uint64_t *off, bool *more)
{
    *more = false;
    if (next == 0 || (count && i + 1 >= count))
        return LP_OK;
    if (next < entsize)
        return no_progress(x, entry, *off, t, next);
    if (!lp_range_ok(*off + next, entsize, t->reg.len))
        return outside(x, entry, *off, t);
    *off += next;
    *more = true;
    return LP_OK;
}

static lp_code read_needs(ctx *x)
{
    const table *t = &x->need;
    size_t len = t->reg.len;
    lp_code rc0 = chain_start(x, t, x->need_count, VERNEED_SIZE, "verneed entry");
    if (rc0)
        return rc0;
    lp_cur c;
    lp_cur_init(&c, t->reg.data, len, t->reg.off, x->be, 8);
    lp_cur_what(&c, "verneed entry");
    lp_versions *v = x->out;
    size_t total_aux = 0;
    uint64_t off = 0;
    for (uint64_t i = 0, more = 1; more; i++) {
        if (i >= LP_VERSIONS_MAX)
            return too_many(x, "verneed entries", t);
        lp_cur_seek(&c, (size_t)off);
        uint16_t version = lp_cur_u16(&c), cnt = lp_cur_u16(&c);
        uint32_t file = lp_cur_u32(&c), aux = lp_cur_u32(&c), next = lp_cur_u32(&c);
        lp_code rc = lp_cur_error(&c, x->name, x->err);
        if (rc || (rc = chain_version(x, t, off, version, "verneed entry")))
            return rc;
        uint64_t where = t->reg.off + off;
        if (!grow((void **)&v->needs, &x->cap_needs, v->n_needs, sizeof *v->needs))
            return nomem(x);
        lp_verneed *vn = &v->needs[v->n_needs++];
        memset(vn, 0, sizeof *vn);
        if ((rc = str_at(x, x->need_str, file, "verneed entry", where, &vn->file)))
            return rc;

        size_t cap = 0;
        uint64_t a = off + aux, prev = off;
        for (uint16_t j = 0; j < cnt; j++) {
            if (++total_aux > LP_VERSIONS_MAX)
                return too_many(x, "vernaux entries", t);
            if (!lp_range_ok(a, VERNAUX_SIZE, len))
                return outside(x, j ? "vernaux entry" : "verneed entry", prev, t);
            lp_cur_seek(&c, (size_t)a);
            lp_cur_what(&c, "vernaux entry");
            uint32_t hash = lp_cur_u32(&c); /* vna_hash: glibc matches it before the name */
            uint16_t flags = lp_cur_u16(&c), other = lp_cur_u16(&c);
            uint32_t name = lp_cur_u32(&c), anext = lp_cur_u32(&c);
            if ((rc = lp_cur_error(&c, x->name, x->err)))
                return rc;
            if (!grow((void **)&vn->vers, &cap, vn->n_vers, sizeof *vn->vers))
                return nomem(x);
            lp_vernaux *na = &vn->vers[vn->n_vers++];
            na->index = (uint16_t)(other & 0x7fffu);
            na->flags = flags;
            na->hash = hash;
            na->name = NULL;
            if ((rc = str_at(x, x->need_str, name, "vernaux entry", t->reg.off + a, &na->name)))
                return rc;
            if (anext == 0)
                break;
            if (anext < VERNAUX_SIZE)
                return no_progress(x, "vernaux entry", a, t, anext);
            prev = a;
            a += anext;
        }
        lp_cur_what(&c, "verneed entry");
        bool go;
        if ((rc = chain_next(x, t, x->need_count, i, next, VERNEED_SIZE, "verneed entry", &off, &go)))
            return rc;
        more = go;
    }
    return LP_OK;
}

static lp_code read_defs(ctx *x)
{
    const table *t = &x->def;
    size_t len = t->reg.len;
    lp_code rc0 = chain_start(x, t, x->def_count, VERDEF_SIZE, "verdef entry");
    if (rc0)
        return rc0;
    lp_cur c;
    lp_cur_init(&c, t->reg.data, len, t->reg.off, x->be, 8);
    lp_versions *v = x->out;
    uint64_t off = 0;
    for (uint64_t i = 0, more = 1; more; i++) {
        if (i >= LP_VERSIONS_MAX)
            return too_many(x, "verdef entries", t);
        lp_cur_seek(&c, (size_t)off);
        lp_cur_what(&c, "verdef entry");
        uint16_t version = lp_cur_u16(&c), flags = lp_cur_u16(&c), ndx = lp_cur_u16(&c);
        lp_cur_u16(&c); /* vd_cnt: the first aux is the name, the rest are parents */
        uint32_t hash = lp_cur_u32(&c); /* vd_hash */
        uint32_t aux = lp_cur_u32(&c), next = lp_cur_u32(&c);
        lp_code rc = lp_cur_error(&c, x->name, x->err);
        if (rc || (rc = chain_version(x, t, off, version, "verdef entry")))
            return rc;
        uint64_t a = off + aux;
        if (!lp_range_ok(a, VERDAUX_SIZE, len))
            return outside(x, "verdef entry", off, t);
        lp_cur_seek(&c, (size_t)a);
        lp_cur_what(&c, "verdaux entry");
        uint32_t name = lp_cur_u32(&c);
        if ((rc = lp_cur_error(&c, x->name, x->err)))
            return rc;
        if (!grow((void **)&v->defs, &x->cap_defs, v->n_defs, sizeof *v->defs))
            return nomem(x);
        lp_verdef *d = &v->defs[v->n_defs++];
        d->index = (uint16_t)(ndx & 0x7fffu);
        d->flags = flags;
        d->hash = hash;
        d->name = NULL;
        if ((rc = str_at(x, x->def_str, name, "verdaux entry", t->reg.off + a, &d->name)))
            return rc;
        bool go;
        if ((rc = chain_next(x, t, x->def_count, i, next, VERDEF_SIZE, "verdef entry", &off, &go)))
            return rc;
        more = go;
    }
    return LP_OK;
}

/* Undefined dynamic symbols whose version index names a needed version. */
static lp_code read_refs(ctx *x)
{
    lp_versions *v = x->out;
    uint8_t needed[0x8000 / 8];
    memset(needed, 0, sizeof needed);
    for (size_t i = 0; i < v->n_needs; i++)
        for (size_t j = 0; j < v->needs[i].n_vers; j++) {
            uint16_t k = v->needs[i].vers[j].index;
            needed[k >> 3] = (uint8_t)(needed[k >> 3] | 1u << (k & 7));
        }
    uint64_t n = x->nsyms, esz = x->syment;
    uint64_t vbytes, sbytes;
    if (!lp_mul_ok(n, 2, &vbytes) || vbytes > x->versym.reg.len)
        return outside(x, "version symbol table", 0, &x->versym);
    if (!lp_mul_ok(n, esz, &sbytes) || sbytes > x->syms.reg.len)
        return outside(x, "dynamic symbol table", 0, &x->syms);
    lp_cur vc, sc;
    lp_cur_init(&vc, x->versym.reg.data, x->versym.reg.len, x->versym.reg.off, x->be, 8);
    lp_cur_what(&vc, "version symbol");
    lp_cur_init(&sc, x->syms.reg.data, x->syms.reg.len, x->syms.reg.off, x->be, 8);
    lp_cur_what(&sc, "dynamic symbol");
    size_t shndx_at = x->wide ? 6 : 14;
    lp_cur_seek(&vc, 2); /* symbol 0 is the null symbol */
    for (uint64_t i = 1; i < n; i++) {
        uint16_t k = (uint16_t)(lp_cur_u16(&vc) & ~VERSYM_HIDDEN);
        if (k < 2 || !(needed[k >> 3] & 1u << (k & 7)))
            continue;
        size_t pos = (size_t)(i * esz);
        lp_cur_seek(&sc, pos);
        uint32_t name = lp_cur_u32(&sc);
        lp_cur_seek(&sc, pos + shndx_at);
        uint16_t shndx = lp_cur_u16(&sc);
        if (!lp_cur_ok(&sc))
            break;
        if (shndx != 0 || name == 0)
            continue;
        const char *s;
        lp_code rc = str_at(x, x->sym_str, name, "dynamic symbol", x->syms.reg.off + pos, &s);
        if (rc)
            return rc;
        if (!s[0])
            continue;
        if (!grow((void **)&v->refs, &x->cap_refs, v->n_refs, sizeof *v->refs))
            return nomem(x);
        v->refs[v->n_refs++] = (lp_versym_ref){s, k};
    }
    lp_code rc = lp_cur_error(&vc, x->name, x->err);
    return rc ? rc : lp_cur_error(&sc, x->name, x->err);
}

static lp_code read_once(lp_obj *obj, unsigned what, bool hints, lp_versions *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    const lp_obj_info *in = lp_obj_info_get(obj);
    if (in->format != LP_FMT_ELF)
        return LP_OK;
    ctx x = {.obj = obj, .name = lp_src_name(lp_obj_source(obj)), .be = in->big_endian,
             .wide = in->bits == 64, .err = err, .out = out,
             .want_refs = (what & LP_VERSIONS_REFS) != 0, .hints = hints};
    bool usable = false;
    lp_code rc = from_dynamic(&x, &usable);
    if (!usable) {
        /* no dynamic section, none with a string table, or one that cannot be read: then the
         * sections, if there are any, else the dynamic section's error */
        lp_code drc = rc;
        lp_err saved;
        if (err)
            saved = *err;
        lp_err_clear(err);
        rc = from_sections(&x);
        if (!rc && drc && !x.has_need && !x.has_def) {
            rc = drc;
            if (err)
                *err = saved;
        }
    }
    if (!rc && x.has_need)
        rc = read_needs(&x);
    if (!rc && x.has_def)
        rc = read_defs(&x);
    if (!rc && x.has_need && x.has_versym && x.has_syms && out->n_needs)
        rc = read_refs(&x);

    lp_region_release(&x.need.reg);
    lp_region_release(&x.def.reg);
    lp_region_release(&x.versym.reg);
    lp_region_release(&x.syms.reg);
    for (size_t i = 0; i < x.nstrtabs; i++)
        lp_region_release(&x.strtabs[i].reg);
    if (rc)
        lp_versions_release(out);
    return rc;
}

lp_code lp_versions_read(lp_obj *obj, unsigned what, lp_versions *out, lp_err *err)
{
    lp_code rc = read_once(obj, what, true, out, err);
    if (rc == LP_ERR_FORMAT) {
        /* a section size that did not fit the chain: the chain decides, as in the loader */
        lp_err again;
        lp_err_clear(&again);
        if (read_once(obj, what, false, out, &again) == LP_OK) {
            lp_err_clear(err);
            return LP_OK;
        }
    }
    return rc;
}

void lp_versions_release(lp_versions *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_needs; i++)
        free(v->needs[i].vers);
    free(v->needs);
    free(v->defs);
    free(v->refs);
    for (chunk *c = v->priv, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------------ */
/* Version names                                                       */

bool lp_versions_defines(const lp_versions *lib, const char *name)
{
    if (!lib || !name)
        return false;
    for (size_t i = 0; i < lib->n_defs; i++)
        if (lib->defs[i].name && strcmp(lib->defs[i].name, name) == 0)
            return true;
    return false;
}

bool lp_versions_provides(const lp_versions *lib, const lp_vernaux *need)
{
    if (!lib || !need || !need->name)
        return false;
    for (size_t i = 0; i < lib->n_defs; i++)
        if (lib->defs[i].hash == need->hash && lib->defs[i].name &&
            strcmp(lib->defs[i].name, need->name) == 0)
            return true;
    return false;
}

uint32_t lp_elf_hash(const char *name)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h << 4) + *p;
        uint32_t g = h & 0xf0000000u;
        h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Bytes before the first digit: the version's family ("GLIBC_"). */
static size_t family_len(const char *s) { return strcspn(s, "0123456789"); }

const char *lp_versions_highest(const lp_versions *lib, const char *like)
{
    if (!lib || !like)
        return NULL;
    size_t fl = family_len(like);
    const char *best = NULL;
    for (size_t i = 0; i < lib->n_defs; i++) {
        const lp_verdef *d = &lib->defs[i];
        if (!d->name || d->flags & LP_VER_FLG_BASE)
            continue;
        if (family_len(d->name) != fl || memcmp(d->name, like, fl) != 0)
            continue;
        if (!best || lp_version_cmp(d->name, best) > 0)
            best = d->name;
    }
    return best;
}

static int sign(int v) { return (v > 0) - (v < 0); }

/*
 * Family bytewise, then the dotted numbers after it one by one as numbers
 * (any length: leading zeros skipped, then longer is greater), then what is
 * left bytewise ("" < ".1", so 2.10 < 2.10.1), and the whole strings last so
 * that only equal strings compare equal.
 */
int lp_version_cmp(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    const char *a0 = a, *b0 = b;
    size_t fa = family_len(a), fb = family_len(b);
    int c = memcmp(a, b, fa < fb ? fa : fb);
    if (c)
        return sign(c);
    if (fa != fb) /* one family is a prefix of the other, which goes on with non-digits */
        return sign(strcmp(a, b));
    a += fa;
    b += fb;
    while (is_digit(*a) && is_digit(*b)) {
        while (*a == '0' && is_digit(a[1]))
            a++;
        while (*b == '0' && is_digit(b[1]))
            b++;
        size_t la = 0, lb = 0;
        while (is_digit(a[la]))
            la++;
        while (is_digit(b[lb]))
            lb++;
        if (la != lb)
            return la < lb ? -1 : 1;
        if ((c = memcmp(a, b, la)))
            return sign(c);
        a += la;
        b += lb;
        if (a[0] == '.' && is_digit(a[1]) && b[0] == '.' && is_digit(b[1])) {
            a++;
            b++;
            continue;
        }
        break;
    }
    if ((c = strcmp(a, b)))
        return sign(c);
    return sign(strcmp(a0, b0));
}
