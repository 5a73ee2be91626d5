/*
 * macho.c - the Mach-O reader behind the object view.
 *
 * Owns: thin Mach-O files, 32- and 64-bit, either byte order: the header, the
 * load commands (LC_SEGMENT/LC_SEGMENT_64 with their sections, LC_SYMTAB,
 * and LC_MAIN or LC_UNIXTHREAD for the entry point) and the nlist symbol
 * table. Each segment becomes a PT_LOAD-like segment named by its segname,
 * in load-command order; every section of every segment becomes a section
 * (zerofill sections are NOBITS), in the order the n_sect of a symbol counts
 * them. In the header facts, `machine` is the cputype, `type` the filetype
 * and `flags` the header's flags. Universal (fat) files are recognised, and
 * refused, in object.c. Notes, dynamic sections and RELATIVE relocations are
 * ELF things: there are none.
 *
 * Invariants: the load-command area (sizeofcmds bytes after the header) lies
 * inside the file and is read with one read; the walk stops after ncmds
 * commands, each at least 8 bytes and inside the area, so it always advances
 * and ends; at most 65536 load commands, segments and sections; each
 * segment's section headers lie inside its command; every segment's file
 * range and the symbol and string tables lie inside the file (checked at
 * open). o->shstrtab holds the segment and section names; o->fmt_priv
 * where the symbol table is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj/obj_internal.h"
#include "util/cursor.h"

#define MACHO_MAX_CMDS 65536u
#define MACHO_MAX_SEGS 65536u
#define MACHO_MAX_SECTS 65536u
#define MACHO_MAX_CMDS_SIZE (64u << 20)
#define MACHO_MAX_SYMS (16u << 20)
#define MACHO_MAX_STRTAB (256u << 20)
#define MACHO_NAME 16u

#define LC_SEGMENT 0x1u
#define LC_SYMTAB 0x2u
#define LC_UNIXTHREAD 0x5u
#define LC_SEGMENT_64 0x19u
#define LC_MAIN 0x80000028u

#define SECTION_TYPE 0xffu
#define S_ZEROFILL 0x1u
#define S_GB_ZEROFILL 0xcu
#define S_THREAD_LOCAL_ZEROFILL 0x12u
#define S_ATTR_PURE_INSTRUCTIONS 0x80000000u
#define S_ATTR_SOME_INSTRUCTIONS 0x00000400u

#define VM_PROT_READ 1u
#define VM_PROT_WRITE 2u
#define VM_PROT_EXECUTE 4u

#define N_STAB 0xe0u
#define N_TYPE 0x0eu
#define N_EXT 0x01u
#define N_ABS 0x2u
#define N_SECT 0xeu
#define N_WEAK_REF 0x40u
#define N_WEAK_DEF 0x80u

#define CPU_ARCH_ABI64 0x01000000u
#define CPU_TYPE_X86 7u
#define CPU_TYPE_ARM 12u
#define CPU_TYPE_POWERPC 18u


static const struct macho_cpu {
    uint32_t cputype;
    const char *name;
    const char *goarch;
    /* LC_UNIXTHREAD: the flavor holding the pc, and the pc's index in the register words */
    uint32_t flavor;
    unsigned pc_index;
} cpus[] = {
    {CPU_TYPE_X86 | CPU_ARCH_ABI64, "x86-64", "amd64", 4, 16},
    {CPU_TYPE_ARM | CPU_ARCH_ABI64, "arm64", "arm64", 6, 32},
    {CPU_TYPE_X86, "i386", "386", 1, 10},
    {CPU_TYPE_ARM, "arm", "arm", 1, 15},
    {CPU_TYPE_ARM | 0x02000000u, "arm64_32", NULL, 0, 0},
    {CPU_TYPE_POWERPC | CPU_ARCH_ABI64, "ppc64", "ppc64", 0, 0},
    {CPU_TYPE_POWERPC, "ppc", NULL, 0, 0},
};

static const char *filetype_name(unsigned t)
{
    static const char *const names[] = {"unknown", "object", "exec", "fvmlib", "core",
                                        "preload", "dylib", "dylinker", "bundle", "dylib_stub",
                                        "dsym", "kext_bundle", "fileset"};
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* What symbols() needs later, kept in o->fmt_priv. */
typedef struct macho_priv {
    uint64_t symoff, nsyms, stroff, strsize; /* LC_SYMTAB; nsyms 0 when absent */
} macho_priv;

typedef struct macho_ctx {
    lp_obj *o;
    const char *name;
    uint64_t fsize;
    bool wide, be;
    uint32_t ncmds;
    uint64_t cmdoff; /* file offset of the first load command */
    lp_region cmds;
    lp_err *err;
    /* what the walk found */
    size_t nsegs, nsecs;
    bool have_symtab, have_main, have_thread;
    macho_priv priv;
    uint64_t entryoff, thread_pc;
    const struct macho_cpu *cpu;
    char *names; /* second pass: where the next name goes */
} macho_ctx;

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static lp_code bad(macho_ctx *x, uint64_t off, const char *what)
{
    return lp_err_set_at(x->err, LP_ERR_FORMAT, off, "'%s': %s at offset 0x%llx", x->name, what,
                         (unsigned long long)off);
}

/* A fixed 16-byte name, copied with its terminator into the names buffer (second pass). */
static const char *take_name(macho_ctx *x, const uint8_t *raw)
{
    if (!x->names || !raw)
        return "";
    char *s = x->names;
    size_t n = strnlen((const char *)raw, MACHO_NAME);
    memcpy(s, raw, n);
    s[n] = '\0';
    x->names += n + 1;
    return s;
}

/* The sections of one segment command; c is positioned at the first section header. */
static lp_code walk_sections(macho_ctx *x, lp_cur *c, bool w64, uint32_t nsects,
                             uint32_t initprot, bool fill)
{
    lp_obj *o = x->o;
    for (uint32_t k = 0; k < nsects; k++) {
        const uint8_t *sectname = lp_cur_bytes(c, MACHO_NAME);
        lp_cur_skip(c, MACHO_NAME); /* segname */
        uint64_t addr = lp_cur_word(c, w64), size = lp_cur_word(c, w64);
        uint32_t off = lp_cur_u32(c);
        lp_cur_skip(c, 12); /* align, reloff, nreloc */
        uint32_t flags = lp_cur_u32(c);
        lp_cur_skip(c, w64 ? 12 : 8); /* reserved */
        if (!lp_cur_ok(c))
            return lp_cur_error(c, x->name, x->err);
        if (fill) {
            lp_section *s = &o->secs[x->nsecs];
            unsigned st = flags & SECTION_TYPE;
            bool zerofill =
                st == S_ZEROFILL || st == S_GB_ZEROFILL || st == S_THREAD_LOCAL_ZEROFILL;
            s->name = take_name(x, sectname);
            s->type = zerofill ? LP_SHT_NOBITS : LP_SHT_PROGBITS;
            s->flags = LP_SHF_ALLOC | (initprot & VM_PROT_WRITE ? LP_SHF_WRITE : 0) |
                       (flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)
                            ? LP_SHF_EXECINSTR
                            : 0);
            s->addr = addr;
            s->off = off;
            s->size = size;
        }
        x->nsecs++;
    }
    return LP_OK;
}

static lp_code walk_segment(macho_ctx *x, lp_cur *c, bool w64, uint64_t at, uint32_t cmdsize,
                            bool fill)
{
    size_t hdr = w64 ? 72 : 56, sect = w64 ? 80 : 68;
    if (cmdsize < hdr)
        return bad(x, at, "segment load command too small");
    const uint8_t *segname = lp_cur_bytes(c, MACHO_NAME);
    uint64_t vmaddr = lp_cur_word(c, w64), vmsize = lp_cur_word(c, w64);
    uint64_t fileoff = lp_cur_word(c, w64), filesize = lp_cur_word(c, w64);
    uint32_t maxprot = lp_cur_u32(c), initprot = lp_cur_u32(c);
    uint32_t nsects = lp_cur_u32(c);
    lp_cur_u32(c); /* flags */
    if (!lp_cur_ok(c))
        return lp_cur_error(c, x->name, x->err);
    if ((uint64_t)nsects * sect > cmdsize - hdr)
        return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                             "'%s': segment load command of %u bytes is too small for its %u "
                             "sections at offset 0x%llx",
                             x->name, cmdsize, nsects, (unsigned long long)at);
    if (x->nsegs >= MACHO_MAX_SEGS || nsects > MACHO_MAX_SECTS - x->nsecs)
        return lp_err_set_at(x->err, LP_ERR_LIMIT, at,
                             "'%s': more than %u segments or sections at offset 0x%llx", x->name,
                             MACHO_MAX_SECTS, (unsigned long long)at);
    if (filesize != 0 && !lp_range_ok(fileoff, filesize, x->fsize))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                             "'%s': segment's file range (0x%llx bytes at 0x%llx) runs past the "
                             "end of the file (0x%llx bytes); load command at offset 0x%llx",
                             x->name, (unsigned long long)filesize, (unsigned long long)fileoff,
                             (unsigned long long)x->fsize, (unsigned long long)at);
    if (fill) {
        lp_segment *g = &x->o->segs[x->nsegs];
        g->type = LP_PT_LOAD;
        g->name = take_name(x, segname);
        g->flags = (initprot & VM_PROT_READ ? LP_SEG_R : 0) |
                   (initprot & VM_PROT_WRITE ? LP_SEG_W : 0) |
                   (initprot & VM_PROT_EXECUTE ? LP_SEG_X : 0);
        /* Go's DataStart: a read-write segment, initially and at most, with file data */
        if (vmaddr != 0 && filesize != 0 && initprot == (VM_PROT_READ | VM_PROT_WRITE) &&
            maxprot == (VM_PROT_READ | VM_PROT_WRITE))
            g->data = true;
        g->raw_flags = initprot | maxprot << 8;
        g->off = fileoff;
        g->vaddr = vmaddr;
        g->filesz = filesize;
        g->memsz = vmsize;
    }
    x->nsegs++;
    return walk_sections(x, c, w64, nsects, initprot, fill);
}

static lp_code walk_symtab(macho_ctx *x, lp_cur *c, uint64_t at, uint32_t cmdsize)
{
    if (cmdsize < 24)
        return bad(x, at, "symbol table load command too small");
    uint64_t symoff = lp_cur_u32(c), nsyms = lp_cur_u32(c);
    uint64_t stroff = lp_cur_u32(c), strsize = lp_cur_u32(c);
    if (!lp_cur_ok(c))
        return lp_cur_error(c, x->name, x->err);
    if (x->have_symtab)
        return LP_OK; /* the first one counts */
    uint64_t symbytes = nsyms * (x->wide ? 16u : 12u); /* 32-bit count: no overflow */
    if (nsyms != 0 && !lp_range_ok(symoff, symbytes, x->fsize))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, symoff,
                             "'%s': symbol table (%llu symbols) at offset 0x%llx runs past the end "
                             "of the file (0x%llx bytes)",
                             x->name, (unsigned long long)nsyms, (unsigned long long)symoff,
                             (unsigned long long)x->fsize);
    if (strsize != 0 && !lp_range_ok(stroff, strsize, x->fsize))
        return lp_err_set_at(x->err, LP_ERR_FORMAT, stroff,
                             "'%s': string table of %llu bytes at offset 0x%llx runs past the end "
                             "of the file (0x%llx bytes)",
                             x->name, (unsigned long long)strsize, (unsigned long long)stroff,
                             (unsigned long long)x->fsize);
    x->have_symtab = true;
    x->priv = (macho_priv){symoff, nsyms, stroff, strsize};
    return LP_OK;
}

/* LC_UNIXTHREAD: the pc of the first thread state, when it is a flavor we know. Lenient. */
static void walk_thread(macho_ctx *x, lp_cur *c)
{
    if (x->have_thread || !x->cpu || !x->cpu->flavor)
        return;
    uint32_t flavor = lp_cur_u32(c), count = lp_cur_u32(c);
    bool wide = (x->cpu->cputype & CPU_ARCH_ABI64) != 0;
    unsigned w = wide ? 8 : 4;
    /* count is in 32-bit words, and the state must fit in the command */
    if (!lp_cur_ok(c) || flavor != x->cpu->flavor || (uint64_t)count * 4 > lp_cur_left(c) ||
        (uint64_t)count * 4 < (uint64_t)(x->cpu->pc_index + 1) * w)
        return;
    lp_cur_skip(c, (size_t)x->cpu->pc_index * w);
    uint64_t pc = lp_cur_word(c, wide);
    if (lp_cur_ok(c)) {
        x->have_thread = true;
        x->thread_pc = pc;
    }
}

/*
 * Walk the load commands. The first pass (fill false) validates and counts;
 * the second fills the arrays sized by the first, reading the same bytes.
 */
static lp_code walk(macho_ctx *x, bool fill)
{
    lp_cur c;
    lp_cur_init(&c, x->cmds.data, x->cmds.len, x->cmdoff, x->be, x->wide ? 8 : 4);
    lp_cur_what(&c, "load command");
    x->nsegs = x->nsecs = 0;
    size_t pos = 0;
    for (uint32_t i = 0; i < x->ncmds; i++) {
        uint64_t at = x->cmdoff + pos;
        if (x->cmds.len - pos < 8)
            return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                                 "'%s': load command %u of %u starts past the end of the load "
                                 "commands (sizeofcmds 0x%zx) at offset 0x%llx",
                                 x->name, i + 1, x->ncmds, x->cmds.len, (unsigned long long)at);
        lp_cur_seek(&c, pos);
        uint32_t cmd = lp_cur_u32(&c), cmdsize = lp_cur_u32(&c);
        if (!lp_cur_ok(&c))
            return lp_cur_error(&c, x->name, x->err);
        if (cmdsize < 8)
            return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                                 "'%s': load command %u has size %u, less than 8, at offset 0x%llx",
                                 x->name, i + 1, cmdsize, (unsigned long long)at);
        if (cmdsize > x->cmds.len - pos)
            return lp_err_set_at(x->err, LP_ERR_FORMAT, at,
                                 "'%s': load command %u of %u bytes runs past sizeofcmds (0x%zx) "
                                 "at offset 0x%llx",
                                 x->name, i + 1, cmdsize, x->cmds.len, (unsigned long long)at);
        /* a cursor over this command alone: nothing in it reads past cmdsize */
        lp_cur cc;
        lp_cur_init(&cc, x->cmds.data + pos, cmdsize, at, x->be, x->wide ? 8 : 4);
        lp_cur_what(&cc, "load command");
        lp_cur_skip(&cc, 8);
        lp_code rc = LP_OK;
        switch (cmd) {
        case LC_SEGMENT:
        case LC_SEGMENT_64:
            /* each command is read at its own width, whatever the file's, as Go does */
            rc = walk_segment(x, &cc, cmd == LC_SEGMENT_64, at, cmdsize, fill);
            break;
        case LC_SYMTAB:
            if (!fill)
                rc = walk_symtab(x, &cc, at, cmdsize);
            break;
        case LC_MAIN:
            if (!fill && !x->have_main && cmdsize >= 24) {
                uint64_t eo = lp_cur_u64(&cc);
                if (lp_cur_ok(&cc))
                    x->have_main = true, x->entryoff = eo;
            }
            break;
        case LC_UNIXTHREAD:
            if (!fill)
                walk_thread(x, &cc);
            break;
        default:
            break;
        }
        if (rc)
            return rc;
        pos += cmdsize; /* cmdsize >= 8: always advances */
    }
    return LP_OK;
}

/* The nlist table: one allocation holding the array and a copy of the string table. */
static lp_code macho_symbols(lp_obj *o, lp_symbol **out, size_t *nout, lp_err *err)
{
    const char *name = lp_src_name(o->src);
    if (!o->fmt_priv)
        return LP_OK;
    macho_priv p;
    memcpy(&p, o->fmt_priv, sizeof p);
    if (p.nsyms == 0)
        return LP_OK;
    bool wide = o->info.bits == 64;
    size_t entsz = wide ? 16 : 12;
    if (p.nsyms > MACHO_MAX_SYMS || p.strsize > MACHO_MAX_STRTAB)
        return lp_err_set_at(err, LP_ERR_LIMIT, p.symoff,
                             "'%s': symbol table over the limit at offset 0x%llx", name,
                             (unsigned long long)p.symoff);
    size_t count = (size_t)p.nsyms, strsize = (size_t)p.strsize;
    lp_region syr, str;
    lp_code rc = lp_src_region(o->src, p.symoff, count * entsz, "symbol table", &syr, err);
    if (rc)
        return rc;
    if ((rc = lp_src_region(o->src, p.stroff, strsize, "string table", &str, err))) {
        lp_region_release(&syr);
        return rc;
    }
    /* bounded: count <= file size / 12 and strsize <= file size */
    lp_symbol *syms = malloc(count * sizeof(lp_symbol) + strsize + 1);
    if (!syms) {
        lp_region_release(&syr);
        lp_region_release(&str);
        return nomem(err);
    }
    char *strs = (char *)(syms + count);
    if (strsize)
        memcpy(strs, str.data, strsize);
    strs[strsize] = '\0';
    lp_region_release(&str);

    lp_cur c;
    lp_cur_init(&c, syr.data, syr.len, p.symoff, o->info.big_endian, wide ? 8 : 4);
    lp_cur_what(&c, "symbol");
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t strx = lp_cur_u32(&c);
        uint8_t ntype = lp_cur_u8(&c), nsect = lp_cur_u8(&c);
        uint16_t ndesc = lp_cur_u16(&c);
        uint64_t value = lp_cur_word(&c, wide);
        if (!lp_cur_ok(&c))
            break;
        /* debugging entries (stabs) are not symbols; names outside the table are dropped */
        if ((ntype & N_STAB) || (strsize && strx >= strsize) || (!strsize && strx))
            continue;
        lp_symbol *y = &syms[n];
        memset(y, 0, sizeof *y);
        y->name = strs + strx;
        /* Mach-O spells C-level names with a leading '_' ("_main.version"); Go's tools and the
           other formats do not, so the view drops it */
        if (y->name[0] == '_' && y->name[1])
            y->name++;
        y->value = value; /* already an address */
        switch (ntype & N_TYPE) {
        case N_SECT:
            if (nsect == 0 || nsect > o->nsecs)
                continue;
            y->shndx = nsect;
            y->type = (o->secs[nsect - 1].flags & LP_SHF_EXECINSTR) ? 2 : 1;
            break;
        case N_ABS: y->shndx = LP_SHN_ABS; break;
        default: break; /* undefined, indirect, prebound: no section */
        }
        y->bind = !(ntype & N_EXT) ? 0 : (ndesc & (N_WEAK_REF | N_WEAK_DEF)) ? 2 : 1;
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
static const lp_obj_ops macho_ops = {NULL, NULL, macho_symbols, NULL, NULL, NULL};

static void set_machine(lp_obj *o, macho_ctx *x)
{
    lp_obj_info *in = &o->info;
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++)
        if (cpus[i].cputype == in->machine) {
            x->cpu = &cpus[i];
            in->machine_name = cpus[i].name;
            in->goarch = cpus[i].goarch;
            return;
        }
    snprintf(o->machbuf, sizeof o->machbuf, "unknown(%u)", in->machine);
    in->machine_name = o->machbuf;
    in->goarch = NULL;
}

/* Entry point: LC_MAIN's file offset through the segment holding it, else the thread's pc. */
static void set_entry(lp_obj *o, const macho_ctx *x)
{
    if (x->have_main) {
        for (size_t i = 0; i < o->nsegs; i++) {
            const lp_segment *g = &o->segs[i];
            if (x->entryoff >= g->off && x->entryoff - g->off < g->filesz) {
                o->info.entry = g->vaddr + (x->entryoff - g->off);
                return;
            }
        }
    }
    if (x->have_thread)
        o->info.entry = x->thread_pc;
}

lp_code lp_macho_open(lp_obj **out, lp_src *src, lp_err *err)
{
    *out = NULL;
    const char *name = lp_src_name(src);
    uint8_t hb[32];
    size_t got = 0;
    lp_code rc = lp_src_read_upto(src, 0, hb, sizeof hb, &got, err);
    if (rc)
        return rc;
    if (got < 4)
        return lp_err_set_at(err, LP_ERR_FORMAT, 0, "'%s': truncated Mach-O header at offset 0x0",
                             name);
    uint32_t le = (uint32_t)hb[0] | (uint32_t)hb[1] << 8 | (uint32_t)hb[2] << 16 |
                  (uint32_t)hb[3] << 24;
    bool be = le == 0xcefaedfeu || le == 0xcffaedfeu;
    bool wide = le == 0xfeedfacfu || le == 0xcffaedfeu;
    if (!be && le != 0xfeedfaceu && le != 0xfeedfacfu)
        return lp_err_set_at(err, LP_ERR_UNSUPPORTED, 0, "'%s': bad Mach-O magic at offset 0x0",
                             name);
    size_t hsize = wide ? 32 : 28;
    if (got < hsize)
        return lp_err_set_at(err, LP_ERR_FORMAT, got,
                             "'%s': truncated Mach-O header at offset 0x%zx", name, got);

    lp_obj *o = calloc(1, sizeof *o);
    if (!o)
        return nomem(err);
    o->ops = &macho_ops;
    o->src = src;
    macho_ctx x = {.o = o, .name = name, .fsize = lp_src_size(src), .wide = wide, .be = be,
                   .cmdoff = hsize, .err = err};
    lp_cur c;
    lp_cur_init(&c, hb, hsize, 0, be, 4);
    lp_cur_what(&c, "Mach-O header");
    lp_cur_skip(&c, 4);
    lp_obj_info *in = &o->info;
    in->machine = lp_cur_u32(&c); /* cputype */
    lp_cur_u32(&c);               /* cpusubtype */
    in->type = lp_cur_u32(&c);    /* filetype */
    x.ncmds = lp_cur_u32(&c);
    uint32_t sizeofcmds = lp_cur_u32(&c);
    in->flags = lp_cur_u32(&c);
    if ((rc = lp_cur_error(&c, name, err)))
        goto fail;
    in->format = LP_FMT_MACHO;
    in->format_name = "macho";
    in->bits = wide ? 64 : 32;
    in->big_endian = be;
    in->type_name = filetype_name(in->type);
    set_machine(o, &x);

    if (x.ncmds > MACHO_MAX_CMDS) {
        rc = lp_err_set_at(err, LP_ERR_LIMIT, 16,
                           "'%s': %u load commands is more than the limit of %u at offset 0x10",
                           name, x.ncmds, MACHO_MAX_CMDS);
        goto fail;
    }
    if (sizeofcmds > MACHO_MAX_CMDS_SIZE) {
        rc = lp_err_set_at(err, LP_ERR_LIMIT, 20,
                           "'%s': %u bytes of load commands is more than the limit at offset 0x14",
                           name, sizeofcmds);
        goto fail;
    }
    if ((rc = lp_src_region(src, hsize, sizeofcmds, "load commands", &x.cmds, err)))
        goto fail;
    if ((rc = walk(&x, false)))
        goto fail;

    size_t nsegs = x.nsegs, nsecs = x.nsecs;
    size_t bytes = (nsegs + nsecs) * (MACHO_NAME + 1) + 1;
    o->shstrtab = malloc(bytes);
    o->fmt_priv = malloc(sizeof x.priv);
    o->segs = calloc(nsegs ? nsegs : 1, sizeof *o->segs);
    o->secs = calloc(nsecs ? nsecs : 1, sizeof *o->secs);
    if (!o->shstrtab || !o->fmt_priv || !o->segs || !o->secs) {
        rc = nomem(err);
        goto fail;
    }
    memcpy(o->fmt_priv, &x.priv, sizeof x.priv);
    x.names = o->shstrtab;
    if ((rc = walk(&x, true)))
        goto fail;
    o->nsegs = nsegs;
    o->nsecs = nsecs;
    o->has_symtab = x.priv.nsyms != 0;
    set_entry(o, &x);
    lp_region_release(&x.cmds);
    *out = o;
    return LP_OK;
fail:
    lp_region_release(&x.cmds);
    lp_obj_free(&o);
    return rc;
}
