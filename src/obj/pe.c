/*
 * pe.c - the PE (Windows image) reader behind the object view.
 *
 * Owns: PE32 and PE32+ images: the "MZ" stub's pointer to the "PE\0\0"
 * signature, the COFF file header, the optional header, the section table,
 * the COFF symbol table and its string table. Each section is reported twice,
 * as a section (name, address, file range) and as a PT_LOAD-like segment,
 * which is how Go's debug/pe and debug/buildinfo see an image: addresses are
 * ImageBase + VirtualAddress, the file-backed size is SizeOfRawData and the
 * memory size VirtualSize. A section at VirtualAddress 0 (objects, crafted
 * files) is reported as a segment of type 0, not loadable. In the header
 * facts, `type` is the COFF Characteristics ("dll" when IMAGE_FILE_DLL is
 * set, else "exec" for an executable image), `flags` the optional header's
 * DllCharacteristics and `entry` ImageBase + AddressOfEntryPoint. Notes,
 * dynamic sections and RELATIVE relocations are ELF things: there are none.
 *
 * Invariants: every header is decoded through the cursor; the section table
 * (at most 65535 entries, the count is 16 bits) is read with one read; every
 * section's raw data, the symbol table and the string table lie inside the
 * file (checked at open, so a truncated file is refused there, with the
 * offset); long section names ("/123") resolve inside the string table.
 * o->shstrtab holds the section names; o->fmt_priv a record of where the
 * symbol and string tables are, and the image base.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj/obj_internal.h"
#include "util/cursor.h"
#include "util/strbuf.h"

#define PE_DOS_HDR 0x40u
#define PE_COFF_HDR 20u
#define PE_SECHDR 40u
#define PE_SYMENT 18u
#define PE_OPT32_MIN 96u  /* the optional header without its data directories */
#define PE_OPT64_MIN 112u
#define PE_MAX_LONGNAME 1024u
#define PE_MAX_SYMS (16u << 20)
#define PE_MAX_STRTAB (256u << 20)

#define PE_MAGIC32 0x10bu
#define PE_MAGIC64 0x20bu

#define IMAGE_FILE_EXECUTABLE_IMAGE 0x0002u
#define IMAGE_FILE_DLL 0x2000u

#define IMAGE_SCN_CNT_CODE 0x00000020u
#define IMAGE_SCN_CNT_INITIALIZED_DATA 0x00000040u
#define IMAGE_SCN_CNT_UNINITIALIZED_DATA 0x00000080u
#define IMAGE_SCN_MEM_DISCARDABLE 0x02000000u
#define IMAGE_SCN_MEM_EXECUTE 0x20000000u
#define IMAGE_SCN_MEM_READ 0x40000000u
#define IMAGE_SCN_MEM_WRITE 0x80000000u
#define IMAGE_SCN_ALIGN_32BYTES 0x00600000u

#define IMAGE_SYM_ABSOLUTE (-1)
#define IMAGE_SYM_CLASS_EXTERNAL 2u
#define IMAGE_SYM_CLASS_WEAK_EXTERNAL 105u


static const struct pe_machine {
    unsigned id;
    const char *name;
    const char *goarch;
} machines[] = {
    {0x8664, "x86-64", "amd64"},   {0x14c, "i386", "386"},        {0xaa64, "arm64", "arm64"},
    {0x1c4, "arm", "arm"},         {0x1c0, "arm", "arm"},         {0x200, "ia64", NULL},
    {0x5064, "riscv64", "riscv64"}, {0x5032, "riscv32", NULL},    {0x6264, "loongarch64", "loong64"},
};

/* What symbols() needs later, kept in o->fmt_priv. */
typedef struct pe_priv {
    uint64_t image_base;
    uint64_t symoff;  /* PointerToSymbolTable; 0 when there is none */
    uint64_t nsyms;
    uint64_t stroff;  /* the string table, right after the symbols */
    uint64_t strsize; /* its length field, which counts itself; 0 when absent or empty */
} pe_priv;

typedef struct pe_ctx {
    lp_obj *o;
    const char *name;
    uint64_t fsize;
    lp_err *err;
} pe_ctx;

static lp_code bad(pe_ctx *x, uint64_t off, const char *what)
{
    return lp_err_set_at(x->err, LP_ERR_FORMAT, off, "'%s': %s at offset 0x%llx", x->name, what,
                         (unsigned long long)off);
}

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static void set_machine(lp_obj *o)
{
    lp_obj_info *in = &o->info;
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].id == in->machine) {
            in->machine_name = machines[i].name;
            in->goarch = machines[i].goarch;
            return;
        }
    snprintf(o->machbuf, sizeof o->machbuf, "unknown(%u)", in->machine);
    in->machine_name = o->machbuf;
    in->goarch = NULL;
}

/*
 * Check the symbol table and read the string table's length, as Go's
 * debug/pe does at open: both must be in the file when there is a table.
 */
static lp_code check_symtab(pe_ctx *x, pe_priv *p)
{
    if (p->symoff == 0)
        return LP_OK;
    uint64_t symbytes = p->nsyms * PE_SYMENT; /* nsyms is 32 bits: no overflow */
    if (!lp_range_ok(p->symoff, symbytes, x->fsize))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, p->symoff,
                             "'%s': symbol table (%llu symbols) at offset 0x%llx runs past the end "
                             "of the file (0x%llx bytes)",
                             x->name, (unsigned long long)p->nsyms, (unsigned long long)p->symoff,
                             (unsigned long long)x->fsize);
    p->stroff = p->symoff + symbytes;
    uint8_t lb[4];
    lp_code rc = lp_src_read(x->o->src, p->stroff, lb, 4, "string table length", x->err);
    if (rc)
        return rc;
    lp_cur c;
    lp_cur_init(&c, lb, 4, p->stroff, false, 4);
    uint32_t len = lp_cur_u32(&c);
    if (len <= 4)
        return LP_OK; /* no strings */
    if (len > PE_MAX_STRTAB)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, p->stroff,
                             "'%s': string table of %u bytes at offset 0x%llx is over the limit",
                             x->name, len, (unsigned long long)p->stroff);
    if (!lp_range_ok(p->stroff, len, x->fsize))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, p->stroff,
                             "'%s': string table of %u bytes at offset 0x%llx runs past the end of "
                             "the file (0x%llx bytes)",
                             x->name, len, (unsigned long long)p->stroff,
                             (unsigned long long)x->fsize);
    p->strsize = len;
    return LP_OK;
}

/*
 * Append section name `raw` (8 bytes, NUL-padded or not) to sb, resolving a
 * long name "/N" through the string table. `at` is the header's offset.
 */
static lp_code add_name(pe_ctx *x, const pe_priv *p, const uint8_t *raw, uint64_t at,
                        lp_strbuf *sb)
{
    size_t n = strnlen((const char *)raw, 8);
    if (n == 0 || raw[0] != '/') {
        lp_sb_add(sb, raw, n);
        lp_sb_addc(sb, '\0');
        return LP_OK;
    }
    uint64_t soff = 0;
    if (n == 1)
        return bad(x, at, "long section name without an offset");
    for (size_t i = 1; i < n; i++) {
        if (raw[i] < '0' || raw[i] > '9')
            return bad(x, at, "long section name is not '/' and a decimal offset");
        soff = soff * 10 + (uint64_t)(raw[i] - '0'); /* at most 7 digits: no overflow */
    }
    if (p->strsize == 0)
        return bad(x, at, "long section name but the file has no string table");
    if (soff < 4 || soff >= p->strsize)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                             "'%s': long section name /%llu lies outside the string table (%llu "
                             "bytes) at offset 0x%llx",
                             x->name, (unsigned long long)soff, (unsigned long long)p->strsize,
                             (unsigned long long)at);
    /* the name runs to its NUL or, as in Go, to the end of the table */
    uint8_t buf[PE_MAX_LONGNAME];
    uint64_t left = p->strsize - soff;
    size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
    lp_code rc = lp_src_read(x->o->src, p->stroff + soff, buf, want, "section name", x->err);
    if (rc)
        return rc;
    size_t len = strnlen((const char *)buf, want);
    if (len == sizeof buf)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, p->stroff + soff,
                             "'%s': section name longer than %u bytes at offset 0x%llx", x->name,
                             PE_MAX_LONGNAME, (unsigned long long)(p->stroff + soff));
    lp_sb_add(sb, buf, len);
    lp_sb_addc(sb, '\0');
    return LP_OK;
}

static lp_code parse_sections(pe_ctx *x, pe_priv *p, uint64_t shoff, unsigned nsecs,
                              uint32_t sect_align)
{
    lp_obj *o = x->o;
    lp_strbuf sb = {0};
    size_t *name_at = NULL;
    lp_region reg = {0};
    lp_code rc = LP_OK;

    /* the private record, for symbols() */
    if (!(o->fmt_priv = malloc(sizeof *p)))
        return nomem(x->err);
    memcpy(o->fmt_priv, p, sizeof *p);
    if (nsecs > 0) {
        rc = lp_src_region(o->src, shoff, (size_t)nsecs * PE_SECHDR, "section table", &reg,
                           x->err);
        if (rc)
            goto out;
        o->segs = calloc(nsecs, sizeof *o->segs);
        o->secs = calloc(nsecs, sizeof *o->secs);
        name_at = calloc(nsecs, sizeof *name_at);
        if (!o->segs || !o->secs || !name_at) {
            rc = nomem(x->err);
            goto out;
        }
    }
    lp_cur c;
    lp_cur_init(&c, reg.data, reg.len, shoff, false, 4);
    lp_cur_what(&c, "section header");
    for (unsigned i = 0; i < nsecs; i++) {
        uint64_t at = shoff + (uint64_t)i * PE_SECHDR;
        const uint8_t *raw = lp_cur_bytes(&c, 8);
        uint32_t vsize = lp_cur_u32(&c), va = lp_cur_u32(&c);
        uint32_t rawsize = lp_cur_u32(&c), rawptr = lp_cur_u32(&c);
        lp_cur_skip(&c, 12); /* relocations, line numbers and their counts */
        uint32_t ch = lp_cur_u32(&c);
        if ((rc = lp_cur_error(&c, x->name, x->err)))
            goto out;
        name_at[i] = sb.len;
        if ((rc = add_name(x, p, raw, at, &sb)))
            goto out;
        if (rawsize != 0 && !lp_range_ok(rawptr, rawsize, x->fsize)) {
            rc = lp_err_set_at(x->err, LP_ERR_FORMAT, rawptr,
                               "'%s': section %u (%s) data of 0x%x bytes at offset 0x%x runs past "
                               "the end of the file (0x%llx bytes)",
                               x->name, i + 1, sb.oom ? "?" : sb.s + name_at[i], rawsize, rawptr,
                               (unsigned long long)x->fsize);
            goto out;
        }
        lp_segment *g = &o->segs[i];
        g->type = va != 0 ? LP_PT_LOAD : 0;
        g->flags = (ch & IMAGE_SCN_MEM_READ ? LP_SEG_R : 0) | (ch & IMAGE_SCN_MEM_WRITE ? LP_SEG_W : 0) |
                   (ch & IMAGE_SCN_MEM_EXECUTE ? LP_SEG_X : 0);
        /* Go's DataStart: exactly initialized, readable, writable data (alignment aside) */
        if (va != 0 && rawsize != 0 &&
            (ch & ~IMAGE_SCN_ALIGN_32BYTES) ==
                (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE))
            g->data = true;
        g->raw_flags = ch;
        g->off = rawptr;
        g->vaddr = p->image_base + va;
        g->filesz = rawsize;
        g->memsz = vsize;
        g->align = sect_align;
        lp_section *s = &o->secs[i];
        bool nobits = (ch & IMAGE_SCN_CNT_UNINITIALIZED_DATA) &&
                      !(ch & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_CNT_INITIALIZED_DATA));
        s->type = nobits ? LP_SHT_NOBITS : LP_SHT_PROGBITS;
        s->flags = (ch & IMAGE_SCN_MEM_WRITE ? LP_SHF_WRITE : 0) |
                   (ch & IMAGE_SCN_MEM_DISCARDABLE ? 0 : LP_SHF_ALLOC) |
                   (ch & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE) ? LP_SHF_EXECINSTR : 0);
        s->addr = g->vaddr;
        s->off = rawptr;
        s->size = rawsize;
    }
    if (sb.oom) {
        rc = nomem(x->err);
        goto out;
    }
    o->shstrtab = lp_sb_take(&sb);
    if (!o->shstrtab) {
        rc = nomem(x->err);
        goto out;
    }
    for (unsigned i = 0; i < nsecs; i++)
        o->segs[i].name = o->secs[i].name = o->shstrtab + name_at[i];
    o->nsegs = o->nsecs = nsecs;
out:
    lp_sb_release(&sb);
    lp_region_release(&reg);
    free(name_at);
    return rc;
}

/*
 * The COFF symbol table: one allocation holding the array, a copy of the
 * string table and the short (8-byte) names. Auxiliary records are skipped;
 * section-relative values become addresses, as `go tool nm` shows them.
 */
static lp_code pe_symbols(lp_obj *o, lp_symbol **out, size_t *nout, lp_err *err)
{
    const char *name = lp_src_name(o->src);
    if (!o->fmt_priv)
        return LP_OK;
    pe_priv p;
    memcpy(&p, o->fmt_priv, sizeof p);
    if (p.symoff == 0 || p.nsyms == 0)
        return LP_OK;
    if (p.nsyms > PE_MAX_SYMS)
        return lp_err_set_at(err, LP_ERR_LIMIT, p.symoff,
                             "'%s': %llu symbols at offset 0x%llx is more than the limit of %u",
                             name, (unsigned long long)p.nsyms, (unsigned long long)p.symoff,
                             PE_MAX_SYMS);
    lp_region syr, str = {0};
    lp_code rc = lp_src_region(o->src, p.symoff, (size_t)(p.nsyms * PE_SYMENT), "symbol table",
                               &syr, err);
    if (rc)
        return rc;
    if (p.strsize > 4 &&
        (rc = lp_src_region(o->src, p.stroff, (size_t)p.strsize, "string table", &str, err))) {
        lp_region_release(&syr);
        return rc;
    }
    size_t count = (size_t)p.nsyms;
    size_t strsize = (size_t)p.strsize;
    /* bounded: count <= file size / 18 and strsize <= file size */
    lp_symbol *syms = malloc(count * sizeof(lp_symbol) + strsize + 1 + count * 9);
    if (!syms) {
        lp_region_release(&syr);
        lp_region_release(&str);
        return nomem(err);
    }
    char *strs = (char *)(syms + count);
    char *shorts = strs + strsize + 1;
    if (strsize)
        memcpy(strs, str.data, strsize);
    strs[strsize] = '\0';
    lp_region_release(&str);

    lp_cur c;
    lp_cur_init(&c, syr.data, syr.len, p.symoff, false, 4);
    lp_cur_what(&c, "symbol");
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        lp_cur_seek(&c, i * PE_SYMENT);
        const uint8_t *raw = lp_cur_bytes(&c, 8);
        uint32_t value = lp_cur_u32(&c);
        int16_t secnum = (int16_t)lp_cur_u16(&c);
        uint16_t ctype = lp_cur_u16(&c);
        uint8_t sclass = lp_cur_u8(&c), naux = lp_cur_u8(&c);
        if (!lp_cur_ok(&c))
            break;
        size_t idx = i;
        i += naux; /* auxiliary records follow their symbol */
        lp_symbol *y = &syms[n];
        memset(y, 0, sizeof *y);
        if (raw[0] == 0 && raw[1] == 0 && raw[2] == 0 && raw[3] == 0) {
            uint32_t soff = (uint32_t)raw[4] | (uint32_t)raw[5] << 8 | (uint32_t)raw[6] << 16 |
                            (uint32_t)raw[7] << 24;
            if (soff < 4 || soff >= strsize)
                continue; /* names outside the table are dropped: the rest is still evidence */
            y->name = strs + soff;
        } else {
            char *s = shorts + idx * 9;
            memcpy(s, raw, 8);
            s[8] = '\0';
            y->name = s;
        }
        y->value = value;
        if (secnum > 0) {
            if ((size_t)secnum > o->nsecs)
                continue;
            const lp_segment *g = &o->segs[secnum - 1];
            y->value = g->vaddr + value;
            y->shndx = (uint16_t)secnum;
            y->type = ((g->raw_flags & IMAGE_SCN_CNT_CODE) || (ctype >> 4) == 2) ? 2 : 1;
        } else if (secnum == IMAGE_SYM_ABSOLUTE) {
            y->shndx = LP_SHN_ABS;
        } else if (secnum < 0) {
            continue; /* debug symbols carry no address */
        }
        y->bind = sclass == IMAGE_SYM_CLASS_EXTERNAL        ? 1
                  : sclass == IMAGE_SYM_CLASS_WEAK_EXTERNAL ? 2
                                                            : 0;
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

/* no notes, no dynamic section, no relocations to apply: the object view's defaults */
static const lp_obj_ops pe_ops = {NULL, NULL, pe_symbols, NULL, NULL, NULL};

lp_code lp_pe_open(lp_obj **out, lp_src *src, lp_err *err)
{
    *out = NULL;
    const char *name = lp_src_name(src);
    uint8_t dos[PE_DOS_HDR];
    size_t got = 0;
    lp_code rc = lp_src_read_upto(src, 0, dos, sizeof dos, &got, err);
    if (rc)
        return rc;
    if (got < sizeof dos)
        return lp_err_set_at(err, LP_ERR_FORMAT, got,
                             "'%s': truncated MS-DOS header at offset 0x%zx", name, got);
    lp_cur c;
    lp_cur_init(&c, dos, sizeof dos, 0, false, 4);
    lp_cur_seek(&c, 0x3c);
    uint64_t peoff = lp_cur_u32(&c); /* e_lfanew */

    uint8_t hdr[4 + PE_COFF_HDR];
    if ((rc = lp_src_read(src, peoff, hdr, sizeof hdr, "PE header", err)))
        return rc;
    if (memcmp(hdr, "PE\0\0", 4) != 0)
        return lp_err_set_at(err, LP_ERR_UNSUPPORTED, peoff,
                             "'%s': MS-DOS executable without a PE signature at offset 0x%llx",
                             name, (unsigned long long)peoff);

    lp_obj *o = calloc(1, sizeof *o);
    if (!o)
        return nomem(err);
    o->ops = &pe_ops;
    o->src = src;
    pe_ctx x = {.o = o, .name = name, .fsize = lp_src_size(src), .err = err};
    pe_priv p = {0};
    lp_obj_info *in = &o->info;

    lp_cur_init(&c, hdr + 4, PE_COFF_HDR, peoff + 4, false, 4);
    lp_cur_what(&c, "COFF header");
    in->machine = lp_cur_u16(&c);
    unsigned nsecs = lp_cur_u16(&c);
    lp_cur_u32(&c); /* TimeDateStamp */
    p.symoff = lp_cur_u32(&c);
    p.nsyms = lp_cur_u32(&c);
    uint64_t optsize = lp_cur_u16(&c);
    unsigned chars = lp_cur_u16(&c);
    if ((rc = lp_cur_error(&c, name, err)))
        goto fail;

    uint64_t optoff = peoff + 4 + PE_COFF_HDR;
    uint8_t opt[PE_OPT64_MIN];
    if (optsize < 2) {
        rc = bad(&x, optoff, "no optional header: not an image");
        goto fail;
    }
    if ((rc = lp_src_read(src, optoff, opt, 2, "optional header", err)))
        goto fail;
    unsigned magic = (unsigned)opt[0] | (unsigned)opt[1] << 8;
    if (magic != PE_MAGIC32 && magic != PE_MAGIC64) {
        rc = lp_err_set_at(err, LP_ERR_FORMAT, optoff,
                           "'%s': bad optional header magic 0x%x at offset 0x%llx", name, magic,
                           (unsigned long long)optoff);
        goto fail;
    }
    bool wide = magic == PE_MAGIC64;
    size_t optmin = wide ? PE_OPT64_MIN : PE_OPT32_MIN;
    if (optsize < optmin) {
        rc = lp_err_set_at(err, LP_ERR_FORMAT, optoff,
                           "'%s': optional header of %llu bytes is smaller than the %zu a %s "
                           "header needs at offset 0x%llx",
                           name, (unsigned long long)optsize, optmin, wide ? "PE32+" : "PE32",
                           (unsigned long long)optoff);
        goto fail;
    }
    if ((rc = lp_src_read(src, optoff, opt, optmin, "optional header", err)))
        goto fail;
    lp_cur_init(&c, opt, optmin, optoff, false, 4);
    lp_cur_what(&c, "optional header");
    lp_cur_seek(&c, 16);
    uint32_t entry = lp_cur_u32(&c);
    lp_cur_u32(&c); /* BaseOfCode */
    if (!wide)
        lp_cur_u32(&c); /* BaseOfData */
    p.image_base = lp_cur_word(&c, wide);
    uint32_t sect_align = lp_cur_u32(&c);
    lp_cur_seek(&c, 70);
    in->flags = lp_cur_u16(&c); /* DllCharacteristics */
    if ((rc = lp_cur_error(&c, name, err)))
        goto fail;

    in->format = LP_FMT_PE;
    in->format_name = "pe";
    in->bits = wide ? 64 : 32;
    in->big_endian = false;
    in->type = chars; /* the COFF Characteristics */
    in->type_name = chars & IMAGE_FILE_DLL               ? "dll"
                    : chars & IMAGE_FILE_EXECUTABLE_IMAGE ? "exec"
                                                          : "unknown";
    in->entry = entry ? p.image_base + entry : 0;
    set_machine(o);

    if ((rc = check_symtab(&x, &p)))
        goto fail;
    o->has_symtab = p.symoff != 0 && p.nsyms != 0;
    if ((rc = parse_sections(&x, &p, optoff + optsize, nsecs, sect_align)))
        goto fail;
    *out = o;
    return LP_OK;
fail:
    lp_obj_free(&o);
    return rc;
}
