/*
 * elf.c - the ELF reader behind the object view.
 *
 * Owns: ELF32/ELF64 in either byte order, every machine Go targets. Reads the
 * file header, the program header table, the section header table and the
 * section-name string table with one pread each; notes, PT_INTERP and the
 * dynamic section only on request.
 *
 * Invariants: every table size is a checked product of a count and an entry
 * size, every table lies inside the file, counts are capped (ELF_MAX_*), and
 * every structure is decoded through the cursor. Section contents may lie
 * past the end of a truncated file; that is only an error when they are read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj/arch.h"
#include "obj/obj_internal.h"
#include "util/cursor.h"

#define ELF_MAX_PHDRS 65536u            /* LP_PN_XNUM extension allows more; no real file needs it */
#define ELF_MAX_SHDRS (1u << 20)
#define ELF_MAX_SHSTRTAB (16u << 20)
#define ELF_MAX_NOTES_SEG (4u << 20)
#define ELF_MAX_DYNENTS (1u << 16)
#define ELF_MAX_DYNSTR (64u << 20)
#define ELF_MAX_INTERP 4096u


static const char *elf_type_name(unsigned t)
{
    switch (t) {
    case 0: return "none";
    case 1: return "rel";
    case 2: return "exec";
    case 3: return "dyn";
    case 4: return "core";
    }
    return "unknown";
}

/* Layout of the structures whose size depends on the class. */
typedef struct elf_layout {
    bool wide;
    size_t ehdr, phdr, shdr, dyn;
} elf_layout;

static const elf_layout layout32 = {false, 52, 32, 40, 8};
static const elf_layout layout64 = {true, 64, 56, 64, 16};

typedef struct elf_ctx {
    lp_obj *o;
    const elf_layout *lay;
    bool be;
    const char *name;
    lp_err *err;
} elf_ctx;

static lp_code bad(elf_ctx *x, uint64_t off, const char *fmt, const char *detail)
{
    return lp_err_set_at(x->err, LP_ERR_FORMAT, off, "'%s': %s%s at offset 0x%llx", x->name, fmt,
                         detail ? detail : "", (unsigned long long)off);
}

static void set_machine(lp_obj *o, char *buf, size_t buflen)
{
    /* the one architecture table names the machine and its GOARCH (obj/arch.c) */
    lp_obj_info *in = &o->info;
    const lp_arch *a = lp_arch_elf(in->machine, in->bits, in->big_endian, in->flags);
    if (a && a->name) {
        in->machine_name = a->name;
        in->goarch = a->goarch;
        return;
    }
    snprintf(buf, buflen, "unknown(%u)", in->machine);
    in->machine_name = buf;
    in->goarch = NULL;
}

/* Read a whole table of count*entsize bytes at off, into a heap region. */
static lp_code read_table(elf_ctx *x, uint64_t off, uint64_t count, uint64_t entsize,
                          const char *what, lp_region *reg)
{
    uint64_t total;
    if (!lp_mul_ok(count, entsize, &total) || total > SIZE_MAX)
        return bad(x, off, what, " size overflows");
    return lp_src_region(x->o->src, off, (size_t)total, what, reg, x->err);
}

static lp_code parse_phdrs(elf_ctx *x, uint64_t phoff, uint64_t phnum, uint64_t phentsize)
{
    lp_obj *o = x->o;
    if (phnum == 0)
        return LP_OK;
    if (phentsize < x->lay->phdr)
        return bad(x, phoff, "program header entry size too small", NULL);
    if (phnum > ELF_MAX_PHDRS)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, phoff,
                             "'%s': %llu program headers is more than the limit of %u",
                             x->name, (unsigned long long)phnum, ELF_MAX_PHDRS);
    lp_region reg;
    lp_code rc = read_table(x, phoff, phnum, phentsize, "program header table", &reg);
    if (rc)
        return rc;
    o->segs = calloc((size_t)phnum, sizeof *o->segs);
    if (!o->segs) {
        lp_region_release(&reg);
        return lp_err_set(x->err, LP_ERR_NOMEM, "out of memory");
    }
    lp_cur c;
    lp_cur_init(&c, reg.data, reg.len, phoff, x->be, x->lay->wide ? 8 : 4);
    lp_cur_what(&c, "program header");
    for (uint64_t i = 0; i < phnum; i++) {
        lp_segment *s = &o->segs[i];
        lp_cur_seek(&c, (size_t)(i * phentsize));
        s->type = lp_cur_u32(&c);
        if (x->lay->wide) {
            s->flags = lp_cur_u32(&c);
            s->off = lp_cur_u64(&c);
            s->vaddr = lp_cur_u64(&c);
            lp_cur_u64(&c); /* paddr */
            s->filesz = lp_cur_u64(&c);
            s->memsz = lp_cur_u64(&c);
            s->align = lp_cur_u64(&c);
        } else {
            s->off = lp_cur_u32(&c);
            s->vaddr = lp_cur_u32(&c);
            lp_cur_u32(&c); /* paddr */
            s->filesz = lp_cur_u32(&c);
            s->memsz = lp_cur_u32(&c);
            s->flags = lp_cur_u32(&c);
            s->align = lp_cur_u32(&c);
        }
        s->raw_flags = s->flags;
        s->flags &= LP_PF_X | LP_PF_W | LP_PF_R;
        s->data = s->type == LP_PT_LOAD && (s->flags & (LP_PF_X | LP_PF_W)) == LP_PF_W;
        s->name = "";
    }
    o->nsegs = (size_t)phnum;
    rc = lp_cur_error(&c, x->name, x->err);
    lp_region_release(&reg);
    return rc;
}

static void decode_shdr(lp_cur *c, bool wide, lp_section *s, uint32_t *name_off)
{
    *name_off = lp_cur_u32(c);
    s->type = lp_cur_u32(c);
    s->flags = lp_cur_word(c, wide);
    s->addr = lp_cur_word(c, wide);
    s->off = lp_cur_word(c, wide);
    s->size = lp_cur_word(c, wide);
    s->link = lp_cur_u32(c);
    s->info = lp_cur_u32(c);
    lp_cur_word(c, wide); /* addralign */
    s->entsize = lp_cur_word(c, wide);
}

static lp_code parse_shdrs(elf_ctx *x, uint64_t shoff, uint64_t shnum, uint64_t shentsize,
                           uint64_t shstrndx)
{
    lp_obj *o = x->o;
    lp_code rc;
    if (shoff == 0)
        return LP_OK; /* no section headers: sstrip'ed or never had them */
    if (shentsize < x->lay->shdr)
        return bad(x, shoff, "section header entry size too small", NULL);

    /* Section 0 carries the real count and string-table index when they
     * overflow; read it first only then (one system call fewer per file). */
    lp_cur c;
    if (shnum == 0 || shstrndx == LP_SHN_XINDEX) {
        uint8_t s0buf[64];
        lp_section s0;
        uint32_t nm0;
        rc = lp_src_read(o->src, shoff, s0buf, x->lay->shdr, "section header table", x->err);
        if (rc)
            return rc;
        lp_cur_init(&c, s0buf, x->lay->shdr, shoff, x->be, 8);
        decode_shdr(&c, x->lay->wide, &s0, &nm0);
        if (shnum == 0)
            shnum = s0.size;
        if (shstrndx == LP_SHN_XINDEX)
            shstrndx = s0.link;
    }
    if (shnum == 0)
        return LP_OK;
    if (shnum > ELF_MAX_SHDRS)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, shoff,
                             "'%s': %llu section headers is more than the limit of %u", x->name,
                             (unsigned long long)shnum, ELF_MAX_SHDRS);
    if (shstrndx >= shnum && shstrndx != LP_SHN_UNDEF)
        return bad(x, shoff, "section name table index out of range", NULL);

    lp_region reg;
    rc = read_table(x, shoff, shnum, shentsize, "section header table", &reg);
    if (rc)
        return rc;
    o->secs = calloc((size_t)shnum, sizeof *o->secs);
    uint32_t *names = calloc((size_t)shnum, sizeof *names);
    if (!o->secs || !names) {
        free(names);
        lp_region_release(&reg);
        return lp_err_set(x->err, LP_ERR_NOMEM, "out of memory");
    }
    lp_cur_init(&c, reg.data, reg.len, shoff, x->be, 8);
    lp_cur_what(&c, "section header");
    for (uint64_t i = 0; i < shnum; i++) {
        lp_cur_seek(&c, (size_t)(i * shentsize));
        decode_shdr(&c, x->lay->wide, &o->secs[i], &names[i]);
        if (o->secs[i].type == LP_SHT_SYMTAB)
            o->has_symtab = true;
    }
    o->nsecs = (size_t)shnum;
    rc = lp_cur_error(&c, x->name, x->err);
    lp_region_release(&reg);
    if (rc) {
        free(names);
        return rc;
    }

    /* Names. A file without a name table still has sections, just unnamed. */
    uint64_t strsz = 0;
    if (shstrndx != LP_SHN_UNDEF) {
        const lp_section *st = &o->secs[shstrndx];
        uint64_t at = shoff + shstrndx * shentsize;
        if (st->type == LP_SHT_NOBITS)
            rc = bad(x, at, "section name table has no data", NULL);
        else if (st->size > ELF_MAX_SHSTRTAB)
            rc = lp_err_set_at(x->err, LP_ERR_LIMIT, st->off,
                               "'%s': section name table of %llu bytes is over the limit",
                               x->name, (unsigned long long)st->size);
        else if (!lp_range_ok(st->off, st->size, lp_src_size(o->src)))
            rc = bad(x, st->off, "section name table lies outside the file", NULL);
        if (!rc) {
            strsz = st->size;
            o->shstrtab = malloc((size_t)strsz + 1);
            if (!o->shstrtab)
                rc = lp_err_set(x->err, LP_ERR_NOMEM, "out of memory");
            else
                rc = lp_src_read(o->src, st->off, o->shstrtab, (size_t)strsz,
                                 "section name table", x->err);
        }
        if (rc) {
            free(names);
            return rc;
        }
        o->shstrtab[strsz] = '\0';
    }
    for (uint64_t i = 0; i < shnum; i++) {
        if (!o->shstrtab) {
            o->secs[i].name = "";
            continue;
        }
        if (names[i] >= strsz) {
            uint64_t at = shoff + i * shentsize;
            free(names);
            return bad(x, at, "section name offset out of range", NULL);
        }
        /* strsz+1 terminator guarantees every name ends inside the buffer */
        o->secs[i].name = o->shstrtab + names[i];
    }
    free(names);
    return LP_OK;
}

/* Map a virtual address range to a file offset through PT_LOAD. */
static bool vaddr_to_off(const lp_obj *o, uint64_t addr, uint64_t size, uint64_t *off)
{
    for (size_t i = 0; i < o->nsegs; i++) {
        const lp_segment *s = &o->segs[i];
        if (s->type != LP_PT_LOAD || addr < s->vaddr)
            continue;
        if (!lp_range_ok(addr - s->vaddr, size, s->filesz))
            continue;
        *off = s->off + (addr - s->vaddr);
        return true;
    }
    return false;
}

static lp_code elf_find_note(lp_obj *o, const char *name, uint32_t type, lp_region *desc,
                             lp_err *err)
{
    size_t namelen = strlen(name);
    bool from_segments = o->nsegs > 0;
    size_t n = from_segments ? o->nsegs : o->nsecs;
    const char *sname = lp_src_name(o->src);
    for (size_t i = 0; i < n; i++) {
        uint64_t off, size, align;
        if (from_segments) {
            if (o->segs[i].type != LP_PT_NOTE)
                continue;
            off = o->segs[i].off, size = o->segs[i].filesz, align = o->segs[i].align;
        } else {
            if (o->secs[i].type != LP_SHT_NOTE)
                continue;
            off = o->secs[i].off, size = o->secs[i].size, align = 4;
        }
        if (size > ELF_MAX_NOTES_SEG)
            return lp_err_set_at(err, LP_ERR_LIMIT, off, "'%s': note area too large at 0x%llx",
                                 sname, (unsigned long long)off);
        lp_region reg;
        lp_code rc = lp_src_region(o->src, off, (size_t)size, "note", &reg, err);
        if (rc)
            return rc;
        size_t al = align == 8 ? 8 : 4;
        lp_cur c;
        lp_cur_init(&c, reg.data, reg.len, off, o->info.big_endian, 8);
        lp_cur_what(&c, "note");
        /* each iteration consumes at least 12 bytes, so the loop is bounded */
        while (lp_cur_ok(&c) && lp_cur_left(&c) >= 12) {
            uint32_t nsz = lp_cur_u32(&c), dsz = lp_cur_u32(&c), ntype = lp_cur_u32(&c);
            const uint8_t *nm = lp_cur_bytes(&c, nsz);
            size_t pad = (al - (c.pos % al)) % al;
            if (lp_cur_ok(&c) && pad && lp_cur_left(&c) >= pad)
                lp_cur_skip(&c, pad);
            size_t dpos = c.pos;
            lp_cur_bytes(&c, dsz);
            if (!lp_cur_ok(&c))
                break;
            pad = (al - (c.pos % al)) % al;
            lp_cur_skip(&c, pad < lp_cur_left(&c) ? pad : lp_cur_left(&c));
            /* the name may be padded with NULs ("Go\0\0" has namesz 4) */
            bool match = ntype == type && nsz >= namelen && memcmp(nm, name, namelen) == 0;
            for (size_t k = namelen; match && k < nsz; k++)
                match = nm[k] == '\0';
            if (match) {
                /* hand the buffer over, pointing at the descriptor */
                *desc = reg;
                desc->data = reg.data + dpos;
                desc->len = dsz;
                desc->off = off + dpos;
                return LP_OK;
            }
        }
        lp_code crc = lp_cur_error(&c, sname, err);
        lp_region_release(&reg);
        if (crc)
            return crc;
    }
    return lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no %s note of type %u", sname, name, type);
}

/* Copy the dynamic string at @at; @where (a dynamic entry) is named in errors. */
static lp_code dup_str(lp_obj *o, uint64_t at, char **out, elf_ctx *x, uint64_t where)
{
    const char *s;
    size_t len;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_obj_dynstr(o, at, &s, &len, &e);
    if (rc == LP_ERR_FORMAT && o->dynstr_state > 0) /* the table is there; the string is not */
        return bad(x, where, at >= o->dynstr.size ? "dynamic string offset out of range"
                                                  : "unterminated dynamic string",
                   NULL);
    if (rc) {
        if (x->err)
            *x->err = e;
        return rc;
    }
    free(*out); /* a repeated LP_DT_RPATH keeps the last, as readelf shows each; we keep one */
    *out = strndup(s, len);
    if (!*out)
        return lp_err_set(x->err, LP_ERR_NOMEM, "out of memory");
    return LP_OK;
}

/*
 * The dynamic entries up to LP_DT_NULL (at most ELF_MAX_DYNENTS), read once per
 * object: the lp_dynamic facts and every later tag lookup (symbol versions,
 * hash tables) come from this one read.
 */
static lp_code elf_dyn_load(lp_obj *o, lp_err *err)
{
    if (o->dyn_loaded)
        return LP_OK;
    const lp_segment *dyn = NULL;
    for (size_t i = 0; i < o->nsegs && !dyn; i++)
        if (o->segs[i].type == LP_PT_DYNAMIC)
            dyn = &o->segs[i];
    o->dynseg = dyn;
    if (!dyn) {
        o->dyn_loaded = true;
        return LP_OK;
    }
    const elf_layout *lay = o->info.bits == 64 ? &layout64 : &layout32;
    uint64_t count = dyn->filesz / lay->dyn;
    if (count > ELF_MAX_DYNENTS)
        count = ELF_MAX_DYNENTS; /* a LP_DT_NULL is always well before that in real files */
    lp_region reg;
    lp_code rc = lp_src_region(o->src, dyn->off, (size_t)(count * lay->dyn), "dynamic section",
                               &reg, err);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, reg.data, reg.len, dyn->off, o->info.big_endian, 8);
    lp_cur_what(&c, "dynamic entry");
    lp_dynent *ents = malloc((count ? count : 1) * sizeof *ents);
    if (!ents) {
        lp_region_release(&reg);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (; n < count; n++) {
        int64_t tag = (int64_t)lp_cur_word(&c, lay->wide);
        uint64_t val = lp_cur_word(&c, lay->wide);
        if (!lay->wide)
            tag = (int32_t)tag;
        if (!lp_cur_ok(&c) || tag == LP_DT_NULL)
            break;
        ents[n].tag = tag;
        ents[n].val = val;
    }
    rc = lp_cur_error(&c, lp_src_name(o->src), err);
    lp_region_release(&reg);
    if (rc) {
        free(ents);
        return rc;
    }
    o->dynents = ents;
    o->ndynents = n;
    o->dyn_loaded = true;
    return LP_OK;
}

/* Where LP_DT_STRTAB's LP_DT_STRSZ bytes are in the file, for lp_obj_dynstr(). */
static lp_code elf_dynstr_locate(lp_obj *o, lp_err *err)
{
    lp_code rc = elf_dyn_load(o, err);
    if (rc)
        return rc;
    uint64_t strtab = 0, strsz = 0;
    bool have_strtab = false;
    for (size_t i = 0; i < o->ndynents; i++) {
        if (o->dynents[i].tag == LP_DT_STRTAB)
            strtab = o->dynents[i].val, have_strtab = true;
        else if (o->dynents[i].tag == LP_DT_STRSZ)
            strsz = o->dynents[i].val;
    }
    o->dynstr_state = -1;
    if (!have_strtab)
        return LP_OK;
    const char *name = lp_src_name(o->src);
    if (strsz > ELF_MAX_DYNSTR)
        return lp_err_set(err, LP_ERR_LIMIT,
                          "'%s': dynamic string table of %llu bytes is over the limit", name,
                          (unsigned long long)strsz);
    uint64_t soff;
    if (!vaddr_to_off(o, strtab, strsz, &soff))
        return lp_err_set_at(err, LP_ERR_FORMAT, o->dynseg->off,
                             "'%s': dynamic string table at address 0x%llx is not in any "
                             "segment (dynamic section at offset 0x%llx)",
                             name, (unsigned long long)strtab, (unsigned long long)o->dynseg->off);
    if (!lp_range_ok(soff, strsz, lp_src_size(o->src)))
        return lp_err_set_at(err, LP_ERR_FORMAT, soff,
                             "'%s': dynamic string table (0x%llx bytes at offset 0x%llx) runs "
                             "past the end of the file",
                             name, (unsigned long long)strsz, (unsigned long long)soff);
    o->dynstr.off = soff;
    o->dynstr.size = strsz;
    o->dynstr_state = 1;
    return LP_OK;
}

static lp_code elf_dynamic(lp_obj *o, lp_dynamic *d, lp_err *err)
{
    elf_ctx x = {.o = o, .lay = o->info.bits == 64 ? &layout64 : &layout32,
                 .be = o->info.big_endian, .name = lp_src_name(o->src), .err = err};
    lp_code rc = LP_OK;
    for (size_t i = 0; i < o->nsegs; i++) {
        const lp_segment *s = &o->segs[i];
        if (s->type == LP_PT_INTERP && !d->interp) {
            uint64_t n = s->filesz;
            if (n > ELF_MAX_INTERP)
                return bad(&x, s->off, "interpreter path too long", NULL);
            char *buf = calloc(1, (size_t)n + 1);
            if (!buf)
                return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            rc = lp_src_read(o->src, s->off, buf, (size_t)n, "interpreter path", err);
            if (rc) {
                free(buf);
                return rc;
            }
            d->interp = buf; /* stops at the first NUL */
        }
    }
    if ((rc = elf_dyn_load(o, err)))
        return rc;
    const lp_segment *dyn = o->dynseg;
    if (!dyn)
        return LP_OK;
    d->has_dynamic = true;

    /* First pass: scalars and where the string table is. */
    uint64_t strtab = 0, strsz = 0;
    bool have_strtab = false;
    size_t n = o->ndynents;
    for (size_t i = 0; i < n; i++) {
        uint64_t val = o->dynents[i].val;
        switch (o->dynents[i].tag) {
        case LP_DT_STRTAB: strtab = val, have_strtab = true; break;
        case LP_DT_STRSZ: strsz = val; break;
        case LP_DT_FLAGS: d->flags = val; break;
        case LP_DT_FLAGS_1: d->flags_1 = val, d->has_flags_1 = true; break;
        case LP_DT_BIND_NOW: d->bind_now = true; break;
        case LP_DT_TEXTREL: d->textrel = true; break;
        case LP_DT_DEBUG: d->has_debug = true; break;
        default: break;
        }
    }
    d->n_entries = n;
    if (d->flags & LP_DF_BIND_NOW || d->flags_1 & LP_DF_1_NOW)
        d->bind_now = true;
    if (d->flags & LP_DF_TEXTREL)
        d->textrel = true;

    /* Second pass: the strings, read from the table in blocks (lp_obj_dynstr). */
    if (have_strtab && strsz > ELF_MAX_DYNSTR)
        return lp_err_set(err, LP_ERR_LIMIT,
                          "'%s': dynamic string table of %llu bytes is over the limit", x.name,
                          (unsigned long long)strsz);
    (void)strtab;
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t where = dyn->off + i * x.lay->dyn;
        int64_t tag = o->dynents[i].tag;
        uint64_t val = o->dynents[i].val;
        char **dst = NULL;
        char *tmp = NULL;
        switch (tag) {
        case LP_DT_NEEDED: dst = &tmp; break;
        case LP_DT_SONAME: dst = &d->soname; break;
        case LP_DT_RPATH: dst = &d->rpath; break;
        case LP_DT_RUNPATH: dst = &d->runpath; break;
        default: continue;
        }
        if (!have_strtab) {
            rc = bad(&x, where, "dynamic entry needs a string table but there is none", NULL);
            break;
        }
        rc = dup_str(o, val, dst, &x, where);
        if (rc || tag != LP_DT_NEEDED)
            continue;
        char **nv = realloc(d->needed, (d->n_needed + 1) * sizeof *nv);
        if (!nv) {
            free(tmp);
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            break;
        }
        d->needed = nv;
        d->needed[d->n_needed++] = tmp;
    }
    return rc;
}

#define ELF_MAX_SYMS (16u << 20)
#define ELF_MAX_STRTAB (256u << 20)
#define ELF_MAX_RELOCS (16u << 20)

/* .symtab and its .strtab: one allocation holding the array and a copy of the names. */
static lp_code elf_symbols(lp_obj *o, lp_symbol **out, size_t *nout, lp_err *err)
{
    const char *name = lp_src_name(o->src);
    const lp_section *st = NULL;
    for (size_t i = 0; i < o->nsecs && !st; i++)
        if (o->secs[i].type == LP_SHT_SYMTAB)
            st = &o->secs[i];
    if (!st)
        return LP_OK;
    bool wide = o->info.bits == 64;
    uint64_t entsz = wide ? 24 : 16;
    if (st->link >= o->nsecs)
        return lp_err_set_at(err, LP_ERR_FORMAT, st->off,
                             "'%s': symbol table's string table index %u out of range at offset 0x%llx",
                             name, st->link, (unsigned long long)st->off);
    const lp_section *ss = &o->secs[st->link];
    uint64_t count = st->size / entsz;
    if (count > ELF_MAX_SYMS || ss->size > ELF_MAX_STRTAB)
        return lp_err_set_at(err, LP_ERR_LIMIT, st->off, "'%s': symbol table over the limit at offset 0x%llx",
                             name, (unsigned long long)st->off);
    lp_region syr, str;
    lp_code rc = lp_src_region(o->src, st->off, (size_t)(count * entsz), "symbol table", &syr, err);
    if (rc)
        return rc;
    rc = lp_src_region(o->src, ss->off, (size_t)ss->size, "symbol string table", &str, err);
    if (rc) {
        lp_region_release(&syr);
        return rc;
    }
    size_t bytes = (size_t)count * sizeof(lp_symbol) + (size_t)ss->size + 1;
    lp_symbol *syms = malloc(bytes);
    if (!syms) {
        lp_region_release(&syr);
        lp_region_release(&str);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    char *names = (char *)(syms + count);
    if (ss->size)
        memcpy(names, str.data, (size_t)ss->size);
    names[ss->size] = '\0';
    lp_region_release(&str);
    lp_cur c;
    lp_cur_init(&c, syr.data, syr.len, st->off, o->info.big_endian, wide ? 8 : 4);
    lp_cur_what(&c, "symbol");
    size_t n = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t nm = lp_cur_u32(&c);
        lp_symbol *y = &syms[n];
        uint8_t info;
        if (wide) {
            info = lp_cur_u8(&c);
            lp_cur_u8(&c);
            y->shndx = lp_cur_u16(&c);
            y->value = lp_cur_u64(&c);
            y->size = lp_cur_u64(&c);
        } else {
            y->value = lp_cur_u32(&c);
            y->size = lp_cur_u32(&c);
            info = lp_cur_u8(&c);
            lp_cur_u8(&c);
            y->shndx = lp_cur_u16(&c);
        }
        if (!lp_cur_ok(&c))
            break;
        /* names outside the table are dropped, not fatal: the rest is still evidence */
        if (nm >= ss->size)
            continue;
        y->name = names + nm;
        y->type = info & 0xf;
        y->bind = info >> 4;
        n++;
    }
    rc = lp_cur_error(&c, name, err);
    lp_region_release(&syr);
    if (rc) {
        free(syms);
        return rc;
    }
    *out = syms;
    *nout = n;
    return LP_OK;
}

/* RELA only: with REL the addend is the in-file word itself. */
static int cmp_reloc(const void *a, const void *b)
{
    const lp_reloc *x = a, *y = b;
    return x->where < y->where ? -1 : x->where > y->where;
}

static lp_code elf_load_relocs(lp_obj *o, lp_err *err)
{
    unsigned rtype = lp_arch_relative_reloc(o->info.machine);
    const lp_segment *dyn = NULL;
    for (size_t i = 0; i < o->nsegs && !dyn; i++)
        if (o->segs[i].type == LP_PT_DYNAMIC)
            dyn = &o->segs[i];
    if (!dyn || !rtype)
        return LP_OK;
    bool wide = o->info.bits == 64;
    size_t dsz = wide ? 16 : 8;
    uint64_t count = dyn->filesz / dsz;
    if (count > ELF_MAX_DYNENTS)
        count = ELF_MAX_DYNENTS;
    lp_region reg;
    lp_code rc = lp_src_region(o->src, dyn->off, (size_t)(count * dsz), "dynamic section", &reg, err);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, reg.data, reg.len, dyn->off, o->info.big_endian, 8);
    uint64_t rela = 0, relasz = 0, relaent = wide ? 24 : 12;
    for (uint64_t i = 0; i < count; i++) {
        int64_t tag = (int64_t)lp_cur_word(&c, wide);
        uint64_t val = lp_cur_word(&c, wide);
        if (!wide)
            tag = (int32_t)tag;
        if (!lp_cur_ok(&c) || tag == LP_DT_NULL)
            break;
        if (tag == LP_DT_RELA)
            rela = val;
        else if (tag == LP_DT_RELASZ)
            relasz = val;
        else if (tag == LP_DT_RELAENT && val)
            relaent = val;
    }
    lp_region_release(&reg);
    if (!rela || !relasz || relaent < (wide ? 24u : 12u))
        return LP_OK;
    uint64_t off, n = relasz / relaent;
    if (n > ELF_MAX_RELOCS || !vaddr_to_off(o, rela, relasz, &off))
        return lp_err_set_at(err, LP_ERR_FORMAT, dyn->off,
                             "'%s': relocation table at address 0x%llx is not in any segment (dynamic "
                             "section at offset 0x%llx)",
                             lp_src_name(o->src), (unsigned long long)rela,
                             (unsigned long long)dyn->off);
    rc = lp_src_region(o->src, off, (size_t)(n * relaent), "relocation table", &reg, err);
    if (rc)
        return rc;
    lp_reloc *rs = malloc((size_t)(n ? n : 1) * sizeof *rs);
    if (!rs) {
        lp_region_release(&reg);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_cur_init(&c, reg.data, reg.len, off, o->info.big_endian, 8);
    lp_cur_what(&c, "relocation");
    size_t k = 0;
    for (uint64_t i = 0; i < n; i++) {
        lp_cur_seek(&c, (size_t)(i * relaent));
        uint64_t where = lp_cur_word(&c, wide), info = lp_cur_word(&c, wide);
        int64_t addend = wide ? (int64_t)lp_cur_u64(&c) : (int32_t)lp_cur_u32(&c);
        if (!lp_cur_ok(&c))
            break;
        if ((wide ? (info & 0xffffffffu) : (info & 0xffu)) == rtype)
            rs[k++] = (lp_reloc){where, wide ? (uint64_t)addend : (uint32_t)addend};
    }
    rc = lp_cur_error(&c, lp_src_name(o->src), err);
    lp_region_release(&reg);
    if (rc) {
        free(rs);
        return rc;
    }
    qsort(rs, k, sizeof *rs, cmp_reloc);
    o->relocs = rs;
    o->nrelocs = k;
    return LP_OK;
}

/* One tag's value, from the entries read once (elf_dyn_load). */
static lp_code elf_dynamic_tag(lp_obj *o, int64_t tag, uint64_t *val, bool *present, lp_err *err)
{
    lp_code rc = elf_dyn_load(o, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < o->ndynents; i++) {
        if (o->dynents[i].tag == tag) {
            *val = o->dynents[i].val;
            *present = true;
            break;
        }
    }
    return LP_OK;
}

static const lp_obj_ops elf_ops = {elf_find_note, elf_dynamic, elf_symbols, elf_load_relocs,
                                   elf_dynstr_locate, elf_dynamic_tag};

lp_code lp_elf_open(lp_obj **out, lp_src *src, unsigned flags, lp_err *err)
{
    *out = NULL;
    uint8_t eh[64];
    size_t got = 0;
    const char *name = lp_src_name(src);
    lp_code rc = lp_src_read_upto(src, 0, eh, sizeof eh, &got, err);
    if (rc)
        return rc;
    if (got < 16)
        return lp_err_set_at(err, LP_ERR_FORMAT, 0, "'%s': truncated ELF identification at offset 0x0",
                             name);
    unsigned cls = eh[4], data = eh[5];
    if (cls != 1 && cls != 2)
        return lp_err_set_at(err, LP_ERR_FORMAT, 4, "'%s': bad ELF class %u at offset 0x4", name, cls);
    if (data != 1 && data != 2)
        return lp_err_set_at(err, LP_ERR_FORMAT, 5, "'%s': bad ELF byte order %u at offset 0x5", name,
                             data);
    if (eh[6] != 1)
        return lp_err_set_at(err, LP_ERR_FORMAT, 6, "'%s': bad ELF version %u at offset 0x6", name,
                             eh[6]);

    lp_obj *o = calloc(1, sizeof *o);
    if (!o)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    o->ops = &elf_ops;
    o->src = src;
    elf_ctx x = {.o = o, .lay = cls == 2 ? &layout64 : &layout32, .be = data == 2, .name = name,
                 .err = err};
    if (got < x.lay->ehdr) {
        lp_obj_free(&o);
        return lp_err_set_at(err, LP_ERR_FORMAT, got, "'%s': truncated ELF header at offset 0x%zx",
                             name, got);
    }

    lp_cur c;
    lp_cur_init(&c, eh, x.lay->ehdr, 0, x.be, 8);
    lp_cur_what(&c, "ELF header");
    lp_cur_seek(&c, 16);
    lp_obj_info *in = &o->info;
    in->format = LP_FMT_ELF;
    in->format_name = "elf";
    in->bits = cls == 2 ? 64 : 32;
    in->big_endian = x.be;
    in->type = lp_cur_u16(&c);
    in->machine = lp_cur_u16(&c);
    lp_cur_u32(&c); /* e_version */
    in->entry = lp_cur_word(&c, x.lay->wide);
    uint64_t phoff = lp_cur_word(&c, x.lay->wide);
    uint64_t shoff = lp_cur_word(&c, x.lay->wide);
    in->flags = lp_cur_u32(&c);
    lp_cur_u16(&c); /* e_ehsize */
    uint64_t phentsize = lp_cur_u16(&c), phnum = lp_cur_u16(&c);
    uint64_t shentsize = lp_cur_u16(&c), shnum = lp_cur_u16(&c), shstrndx = lp_cur_u16(&c);
    in->type_name = elf_type_name(in->type);
    set_machine(o, o->machbuf, sizeof o->machbuf);

    if ((rc = lp_cur_error(&c, name, err)))
        goto fail;
    if (phnum == LP_PN_XNUM && shoff != 0) {
        uint8_t s0[64];
        if ((rc = lp_src_read(src, shoff, s0, x.lay->shdr, "section header table", err)))
            goto fail;
        lp_cur c0;
        lp_cur_init(&c0, s0, x.lay->shdr, shoff, x.be, 8);
        lp_section sec0;
        uint32_t nm;
        decode_shdr(&c0, x.lay->wide, &sec0, &nm);
        phnum = sec0.info;
    }
    if ((rc = parse_phdrs(&x, phoff, phnum, phentsize)))
        goto fail;
    if (shnum == 0 && shoff == 0)
        shstrndx = LP_SHN_UNDEF;
    if (!(flags & LP_OBJ_NO_SECTIONS) && (rc = parse_shdrs(&x, shoff, shnum, shentsize, shstrndx)))
        goto fail;
    *out = o;
    return LP_OK;
fail:
    lp_obj_free(&o);
    return rc;
}
