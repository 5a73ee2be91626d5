/*
 * object.c - format dispatch and the format-neutral parts of the object view.
 *
 * Owns: recognising a format from its first bytes and the accessors that do
 * not depend on the format. Readers (elf.c, ...) fill the lp_obj struct
 * declared in obj_internal.h; nothing outside src/obj sees that struct.
 */
#include <stdlib.h>
#include <string.h>

#include "obj/obj_internal.h"
#include "util/cursor.h"

lp_code lp_obj_open(lp_obj **out, lp_src *src, lp_err *err)
{
    return lp_obj_open_flags(out, src, 0, err);
}

lp_code lp_obj_open_flags(lp_obj **out, lp_src *src, unsigned flags, lp_err *err)
{
    *out = NULL;
    uint8_t ident[16];
    size_t got = 0;
    lp_code rc = lp_src_read_upto(src, 0, ident, sizeof ident, &got, err);
    if (rc)
        return rc;
    if (got >= 4 && memcmp(ident, "\x7f" "ELF", 4) == 0)
        return lp_elf_open(out, src, flags, err);
    if (got >= 2 && memcmp(ident, "MZ", 2) == 0)
        return lp_pe_open(out, src, err);
    if (got >= 4) {
        uint32_t m = (uint32_t)ident[0] << 24 | (uint32_t)ident[1] << 16 |
                     (uint32_t)ident[2] << 8 | ident[3];
        if (m == 0xfeedfaceu || m == 0xfeedfacfu || m == 0xcefaedfeu || m == 0xcffaedfeu)
            return lp_macho_open(out, src, err);
        /* Java class files share the magic; their next word (the class file version) is >= 45 */
        uint32_t narch = got >= 8 ? (uint32_t)ident[4] << 24 | (uint32_t)ident[5] << 16 |
                                        (uint32_t)ident[6] << 8 | ident[7]
                                  : 0;
        if (m == 0xcafebabeu && narch < 45)
            return lp_err_set(err, LP_ERR_UNSUPPORTED,
                              "'%s': universal (fat) Mach-O binaries are not read yet",
                              lp_src_name(src));
    }
    return lp_err_set(err, LP_ERR_UNSUPPORTED, "'%s': unrecognized file format",
                      lp_src_name(src));
}

void lp_obj_free(lp_obj **obj)
{
    if (!obj || !*obj)
        return;
    lp_obj *o = *obj;
    free(o->segs);
    free(o->secs);
    free(o->shstrtab);
    free(o->relocs);
    free(o->dynents);
    lp_strtab_release(&o->dynstr);
    free(o->fmt_priv);
    free(o);
    *obj = NULL;
}

const lp_obj_info *lp_obj_info_get(const lp_obj *obj) { return &obj->info; }
lp_src *lp_obj_source(const lp_obj *obj) { return obj->src; }
size_t lp_obj_segment_count(const lp_obj *obj) { return obj->nsegs; }
size_t lp_obj_section_count(const lp_obj *obj) { return obj->nsecs; }
bool lp_obj_has_symtab(const lp_obj *obj) { return obj->has_symtab; }

const lp_segment *lp_obj_segment_at(const lp_obj *obj, size_t i)
{
    return i < obj->nsegs ? &obj->segs[i] : NULL;
}

const lp_section *lp_obj_section_at(const lp_obj *obj, size_t i)
{
    return i < obj->nsecs ? &obj->secs[i] : NULL;
}

const lp_section *lp_obj_section_by_name(const lp_obj *obj, const char *name)
{
    for (size_t i = 0; i < obj->nsecs; i++)
        if (strcmp(obj->secs[i].name, name) == 0)
            return &obj->secs[i];
    return NULL;
}

lp_code lp_obj_read_vaddr(lp_obj *obj, uint64_t addr, void *dst, size_t n, lp_err *err)
{
    for (size_t i = 0; i < obj->nsegs; i++) {
        const lp_segment *s = &obj->segs[i];
        if (s->type != LP_PT_LOAD || addr < s->vaddr)
            continue;
        uint64_t rel = addr - s->vaddr;
        if (!lp_range_ok(rel, n, s->filesz))
            continue;
        return lp_src_read(obj->src, s->off + rel, dst, n, "segment data", err);
    }
    return lp_err_set_at(err, LP_ERR_NOTFOUND, addr,
                         "'%s': address 0x%llx (0x%zx bytes) is not in any loaded segment",
                         lp_src_name(obj->src), (unsigned long long)addr, n);
}

lp_code lp_obj_read_vaddr_upto(lp_obj *obj, uint64_t addr, void *dst, size_t max, size_t *got,
                               lp_err *err)
{
    *got = 0;
    for (size_t i = 0; i < obj->nsegs; i++) {
        const lp_segment *s = &obj->segs[i];
        if (s->filesz == 0 || addr < s->vaddr || addr - s->vaddr >= s->filesz)
            continue;
        if (s->name && strcmp(s->name, "__PAGEZERO") == 0)
            continue; /* as Go's debug/buildinfo does for Mach-O */
        uint64_t rel = addr - s->vaddr;
        uint64_t avail = s->filesz - rel;
        size_t n = avail < max ? (size_t)avail : max;
        if (s->off > UINT64_MAX - rel)
            break;
        return lp_src_read_upto(obj->src, s->off + rel, dst, n, got, err);
    }
    return lp_err_set_at(err, LP_ERR_NOTFOUND, addr,
                         "'%s': address 0x%llx is not in any segment", lp_src_name(obj->src),
                         (unsigned long long)addr);
}

lp_code lp_obj_section_data(lp_obj *obj, const lp_section *sec, lp_region *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    if (sec->type == LP_SHT_NOBITS || sec->size == 0)
        return LP_OK;
    if (sec->size > SIZE_MAX)
        return lp_err_set_at(err, LP_ERR_LIMIT, sec->off, "'%s': section '%s' too large",
                             lp_src_name(obj->src), sec->name);
    return lp_src_region(obj->src, sec->off, (size_t)sec->size, "section data", out, err);
}

lp_code lp_obj_find_note(lp_obj *obj, const char *name, uint32_t type, lp_region *desc,
                         lp_err *err)
{
    memset(desc, 0, sizeof *desc);
    if (!obj->ops->find_note) /* PE and Mach-O have no ELF notes */
        return lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no %s note of type %u (%s has no notes)",
                          lp_src_name(obj->src), name, type, obj->info.format_name);
    return obj->ops->find_note(obj, name, type, desc, err);
}

lp_code lp_obj_dynamic(lp_obj *obj, lp_dynamic *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_code rc = obj->ops->dynamic ? obj->ops->dynamic(obj, out, err) : LP_OK;
    if (rc)
        lp_dynamic_release(out); /* a reader that failed half-way leaves nothing to release */
    return rc;
}

lp_code lp_obj_dynstr(lp_obj *obj, uint64_t at, const char **s, size_t *len, lp_err *err)
{
    if (obj->dynstr_state == 0) {
        obj->dynstr_state = -1;
        if (obj->ops->dynstr_locate) {
            lp_err_clear(&obj->dynstr_err);
            lp_code rc = obj->ops->dynstr_locate(obj, &obj->dynstr_err);
            if (rc)
                obj->dynstr_state = -2; /* the same error every time, not "none" the next time */
        }
    }
    if (obj->dynstr_state == -2) {
        if (err)
            *err = obj->dynstr_err;
        return obj->dynstr_err.code;
    }
    if (obj->dynstr_state < 0)
        return lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no dynamic string table",
                          lp_src_name(obj->src));
    lp_str_status st;
    lp_code rc = lp_strtab_get(obj->src, &obj->dynstr, at, s, len, &st, err);
    if (rc)
        return rc;
    if (st == LP_STR_RANGE)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': string 0x%llx outside the dynamic string "
                          "table (0x%llx bytes)", lp_src_name(obj->src), (unsigned long long)at,
                          (unsigned long long)obj->dynstr.size);
    if (st == LP_STR_UNTERMINATED)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': string 0x%llx runs off the end of the "
                          "dynamic string table", lp_src_name(obj->src), (unsigned long long)at);
    return LP_OK;
}

lp_code lp_obj_dynamic_tag(lp_obj *obj, int64_t tag, uint64_t *val, bool *present, lp_err *err)
{
    *val = 0;
    *present = false;
    return obj->ops->dynamic_tag ? obj->ops->dynamic_tag(obj, tag, val, present, err) : LP_OK;
}

lp_code lp_obj_symbols(lp_obj *obj, lp_symbol **syms, size_t *n, lp_err *err)
{
    *syms = NULL;
    *n = 0;
    return obj->ops->symbols ? obj->ops->symbols(obj, syms, n, err) : LP_OK;
}

/* The symbol array is allocated with its string table right behind it: one free. */
void lp_obj_symbols_free(lp_symbol **syms)
{
    if (!syms)
        return;
    free(*syms);
    *syms = NULL;
}

lp_code lp_obj_read_ptr(lp_obj *obj, uint64_t addr, uint64_t *val, lp_err *err)
{
    *val = 0;
    if (!obj->relocs_loaded) {
        obj->relocs_loaded = true;
        if (obj->ops->load_relocs) {
            lp_code rc = obj->ops->load_relocs(obj, err);
            if (rc)
                return rc;
        }
    }
    size_t lo = 0, hi = obj->nrelocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (obj->relocs[mid].where < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < obj->nrelocs && obj->relocs[lo].where == addr) {
        *val = obj->relocs[lo].value;
        return LP_OK;
    }
    unsigned ps = obj->info.bits == 64 ? 8 : 4;
    uint8_t b[8];
    lp_code rc = lp_obj_read_vaddr(obj, addr, b, ps, err);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, b, ps, addr, obj->info.big_endian, ps);
    *val = lp_cur_ptr(&c);
    return LP_OK;
}

void lp_dynamic_release(lp_dynamic *d)
{
    if (!d)
        return;
    free(d->interp);
    for (size_t i = 0; i < d->n_needed; i++)
        free(d->needed[i]);
    free(d->needed);
    free(d->rpath);
    free(d->runpath);
    free(d->soname);
    memset(d, 0, sizeof *d);
}
