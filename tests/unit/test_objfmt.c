/*
 * Unit tests: the PE and Mach-O readers on hand-made images, good and hostile.
 *
 * Each builder lays out a minimal image in memory with one data section that
 * holds a Go build-info blob (inline layout), a few symbols and, for PE, a
 * long section name resolved through the COFF string table. The string table
 * is the last thing in every image, so cutting the file anywhere is noticed
 * when it is opened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/go.h"
#include "linkproof/object.h"

typedef struct img {
    uint8_t *b;
    size_t len;
    bool be;
} img;

static void put(img *m, size_t off, uint64_t v, unsigned n)
{
    assert_true(off + n <= m->len);
    for (unsigned i = 0; i < n; i++)
        m->b[off + i] = (uint8_t)(v >> (m->be ? 8 * (n - 1 - i) : 8 * i));
}

static void put_str(img *m, size_t off, const char *s, size_t n)
{
    assert_true(off + n <= m->len);
    memcpy(m->b + off, s, n);
}

static const char *MOD = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\nbuild\tGOARCH=amd64\n";

/* The Go 1.18+ inline blob at d: header, then varint-prefixed version and framed module text. */
static size_t put_blob(img *m, size_t at)
{
    put_str(m, at, "\xff Go buildinf:", 14);
    m->b[at + 14] = 8;
    m->b[at + 15] = 2;
    size_t p = at + 32;
    m->b[p++] = 8;
    put_str(m, p, "go1.20.1", 8), p += 8;
    size_t n = strlen(MOD) + 32;
    assert_true(n < 0x4000);
    m->b[p++] = (uint8_t)(n & 0x7f) | 0x80; /* two-byte varint */
    m->b[p++] = (uint8_t)(n >> 7);
    put_str(m, p, "<<<<module-info<", 16), p += 16;
    put_str(m, p, MOD, strlen(MOD)), p += strlen(MOD);
    put_str(m, p, ">module-info>>>>", 16), p += 16;
    return p - at;
}

/* ---- PE ---- */

#define PE_LFANEW 0x80u
#define PE_TEXT_RAW 0x200u
#define PE_DATA_RAW 0x400u
#define PE_DBG_RAW 0x600u
#define PE_SYMOFF 0x610u
#define PE_NSYMS 4u
#define PE_STROFF (PE_SYMOFF + PE_NSYMS * 18u)
#define PE_STRSZ 26u /* length word, ".debug_info\0", "main.main\0" */
#define PE_SIZE (PE_STROFF + PE_STRSZ)
#define PE64_BASE 0x140000000ull
#define PE32_BASE 0x400000u

static size_t pe_sechdr(bool wide) { return PE_LFANEW + 24 + (wide ? 240u : 224u); }

static void pe_section(img *m, size_t at, const char *name, uint32_t vsize, uint32_t va,
                       uint32_t rawsize, uint32_t rawptr, uint32_t chars)
{
    put_str(m, at, name, strlen(name));
    put(m, at + 8, vsize, 4);
    put(m, at + 12, va, 4);
    put(m, at + 16, rawsize, 4);
    put(m, at + 20, rawptr, 4);
    put(m, at + 36, chars, 4);
}

/* A PE32+ (wide) or PE32 image: .text, .data (build info at +0x10), a long-named debug section. */
static img build_pe(bool wide, uint16_t machine, uint16_t chars)
{
    img m = {calloc(1, PE_SIZE), PE_SIZE, false};
    put_str(&m, 0, "MZ", 2);
    put(&m, 0x3c, PE_LFANEW, 4);
    put_str(&m, PE_LFANEW, "PE\0\0", 4);
    size_t coff = PE_LFANEW + 4;
    put(&m, coff, machine, 2);
    put(&m, coff + 2, 3, 2);
    put(&m, coff + 8, PE_SYMOFF, 4);
    put(&m, coff + 12, PE_NSYMS, 4);
    put(&m, coff + 16, wide ? 240 : 224, 2);
    put(&m, coff + 18, chars, 2);
    size_t opt = coff + 20;
    put(&m, opt, wide ? 0x20b : 0x10b, 2);
    put(&m, opt + 16, 0x1010, 4); /* AddressOfEntryPoint */
    if (wide)
        put(&m, opt + 24, PE64_BASE, 8);
    else
        put(&m, opt + 28, PE32_BASE, 4);
    put(&m, opt + 32, 0x1000, 4); /* SectionAlignment */
    put(&m, opt + 36, 0x200, 4);  /* FileAlignment */
    put(&m, opt + 70, 0x8160, 2); /* DllCharacteristics */
    put(&m, opt + (wide ? 108 : 92), 16, 4);
    size_t sh = pe_sechdr(wide);
    pe_section(&m, sh, ".text", 0x180, 0x1000, 0x200, PE_TEXT_RAW, 0x60000020);
    pe_section(&m, sh + 40, ".data", 0x300, 0x2000, 0x200, PE_DATA_RAW, 0xc0000040);
    pe_section(&m, sh + 80, "/4", 0x10, 0x3000, 0x10, PE_DBG_RAW, 0x42000040);
    put_blob(&m, PE_DATA_RAW + 0x10);
    put_str(&m, PE_TEXT_RAW, "\xff Go build ID: \"abc/def\"\n \xff", 27);

    /* symbols: main.main (long name, one aux record), runtime (short), an absolute one */
    size_t s = PE_SYMOFF;
    put(&m, s + 4, 16, 4); /* string table offset of "main.main" */
    put(&m, s + 8, 0x10, 4);
    put(&m, s + 12, 1, 2);
    put(&m, s + 14, 0x20, 2);
    m.b[s + 16] = 2; /* external */
    m.b[s + 17] = 1; /* one aux record follows */
    s += 36;
    put_str(&m, s, "runtime", 7);
    put(&m, s + 8, 0x20, 4);
    put(&m, s + 12, 2, 2);
    m.b[s + 16] = 3; /* static */
    s += 18;
    put_str(&m, s, "abs", 3);
    put(&m, s + 8, 0x1234, 4);
    put(&m, s + 12, 0xffff, 2); /* IMAGE_SYM_ABSOLUTE */
    m.b[s + 16] = 2;
    put(&m, PE_STROFF, PE_STRSZ, 4);
    put_str(&m, PE_STROFF + 4, ".debug_info\0main.main\0", 22);
    return m;
}

static lp_code open_img(const uint8_t *b, size_t n, const char *name, lp_obj **obj, lp_src **src,
                        lp_err *e)
{
    lp_err_clear(e);
    assert_int_equal(lp_src_from_mem(src, b, n, name, e), LP_OK);
    return lp_obj_open(obj, *src, e);
}

/* Open must fail with `code`, naming the file in quotes, with "offset" and `needle` in the message. */
static void expect_error(const uint8_t *b, size_t n, const char *name, lp_code code,
                         const char *needle)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    lp_code rc = open_img(b, n, name, &obj, &src, &e);
    if (rc != code)
        fail_msg("%zu bytes: got %d (%s), want %d", n, rc, e.msg, code);
    assert_null(obj);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", name);
    if (!strstr(e.msg, quoted))
        fail_msg("message '%s' does not name %s", e.msg, quoted);
    if (code != LP_ERR_UNSUPPORTED && !strstr(e.msg, "offset"))
        fail_msg("message '%s' has no offset", e.msg);
    if (needle && !strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    lp_src_free(&src);
}

static bool has_sym(const lp_symbol *syms, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(syms[i].name, name) == 0)
            return true;
    return false;
}

/* The symbol named `name` (by value: the test fails when there is none). */
static lp_symbol find_sym(const lp_symbol *syms, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(syms[i].name, name) == 0)
            return syms[i];
    fail_msg("no symbol %s", name);
    return (lp_symbol){0};
}

static void check_buildinfo(lp_obj *obj, uint64_t blob_addr)
{
    lp_buildinfo *bi = NULL;
    lp_err e;
    assert_int_equal(lp_buildinfo_read(obj, &bi, &e), LP_OK);
    assert_string_equal(bi->go_version, "go1.20.1");
    assert_string_equal(bi->path, "example.com/x");
    assert_string_equal(bi->main.version, "(devel)");
    assert_string_equal(lp_buildinfo_setting(bi, "GOARCH"), "amd64");
    assert_int_equal(bi->layout, LP_BI_INLINE);
    assert_int_equal(bi->blob_addr, blob_addr);
    lp_buildinfo_free(&bi);
}

static void check_no_elf_extras(lp_obj *obj)
{
    lp_err e;
    lp_region r;
    assert_int_equal(lp_obj_find_note(obj, "Go", 4, &r, &e), LP_ERR_NOTFOUND);
    lp_dynamic d;
    assert_int_equal(lp_obj_dynamic(obj, &d, &e), LP_OK);
    assert_false(d.has_dynamic);
    assert_null(d.interp);
    assert_int_equal(d.n_needed, 0);
    lp_dynamic_release(&d);
}

static void pe_reads(bool wide)
{
    uint64_t base = wide ? PE64_BASE : PE32_BASE;
    img m = build_pe(wide, wide ? 0x8664 : 0x14c, 0x0022);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(open_img(m.b, m.len, "t.exe", &obj, &src, &e), LP_OK);
    const lp_obj_info *in = lp_obj_info_get(obj);
    assert_int_equal(in->format, LP_FMT_PE);
    assert_string_equal(in->format_name, "pe");
    assert_int_equal(in->bits, wide ? 64 : 32);
    assert_false(in->big_endian);
    assert_int_equal(in->machine, wide ? 0x8664 : 0x14c);
    assert_string_equal(in->machine_name, wide ? "x86-64" : "i386");
    assert_string_equal(in->goarch, wide ? "amd64" : "386");
    assert_string_equal(in->type_name, "exec");
    assert_int_equal(in->entry, base + 0x1010);
    assert_int_equal(in->flags, 0x8160);

    assert_int_equal(lp_obj_segment_count(obj), 3);
    const lp_segment *g = lp_obj_segment_at(obj, 1);
    assert_int_equal(g->type, 1);
    assert_string_equal(g->name, ".data");
    assert_int_equal(g->vaddr, base + 0x2000);
    assert_int_equal(g->off, PE_DATA_RAW);
    assert_int_equal(g->filesz, 0x200);
    assert_int_equal(g->memsz, 0x300);
    assert_int_equal(g->flags, LP_SEG_R | LP_SEG_W);
    assert_int_equal(g->raw_flags, 0xc0000040u);
    g = lp_obj_segment_at(obj, 0);
    assert_int_equal(g->flags, LP_SEG_R | LP_SEG_X);
    assert_string_equal(g->name, ".text");

    assert_int_equal(lp_obj_section_count(obj), 3);
    const lp_section *s = lp_obj_section_by_name(obj, ".debug_info"); /* "/4" resolved */
    assert_non_null(s);
    assert_int_equal(s->addr, base + 0x3000);
    assert_int_equal(s->off, PE_DBG_RAW);
    assert_int_equal(s->size, 0x10);
    assert_string_equal(lp_obj_segment_at(obj, 2)->name, ".debug_info");
    s = lp_obj_section_by_name(obj, ".data");
    assert_non_null(s);
    lp_region r;
    assert_int_equal(lp_obj_section_data(obj, s, &r, &e), LP_OK);
    assert_int_equal(r.len, 0x200);
    assert_memory_equal(r.data + 0x10, "\xff Go buildinf:", 14);
    lp_region_release(&r);

    check_buildinfo(obj, base + 0x2010);
    char *id = NULL;
    lp_buildid_src from;
    assert_int_equal(lp_go_buildid(obj, &id, &from, &e), LP_OK);
    assert_string_equal(id, "abc/def");
    assert_int_equal(from, LP_BUILDID_TEXT);
    free(id);
    check_no_elf_extras(obj);

    assert_true(lp_obj_has_symtab(obj));
    lp_symbol *syms = NULL;
    size_t n = 0;
    assert_int_equal(lp_obj_symbols(obj, &syms, &n, &e), LP_OK);
    assert_int_equal(n, 3); /* the aux record is not a symbol */
    lp_symbol y = find_sym(syms, n, "main.main");
    assert_int_equal(y.value, base + 0x1000 + 0x10);
    assert_int_equal(y.type, 2);
    assert_int_equal(y.bind, 1);
    assert_int_equal(y.shndx, 1);
    y = find_sym(syms, n, "runtime");
    assert_int_equal(y.value, base + 0x2000 + 0x20);
    assert_int_equal(y.type, 1);
    assert_int_equal(y.bind, 0);
    y = find_sym(syms, n, "abs");
    assert_int_equal(y.value, 0x1234);
    lp_obj_symbols_free(&syms);
    lp_obj_free(&obj);
    lp_src_free(&src);

    /* a DLL */
    put(&m, PE_LFANEW + 4 + 18, 0x2022, 2);
    assert_int_equal(open_img(m.b, m.len, "t.dll", &obj, &src, &e), LP_OK);
    assert_string_equal(lp_obj_info_get(obj)->type_name, "dll");
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(m.b);
}

static void pe64_reads(void **state)
{
    (void)state;
    pe_reads(true);
}

static void pe32_reads(void **state)
{
    (void)state;
    pe_reads(false);
}

/* Go's DataStart for PE: the first initialized, readable, writable section (alignment bits aside). */
static void pe_data_start_rules(void **state)
{
    (void)state;
    img m = build_pe(true, 0xaa64, 0x0022);
    size_t sh = pe_sechdr(true);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    lp_buildinfo *bi = NULL;

    put(&m, sh + 40 + 36, 0xc0600040u, 4); /* IMAGE_SCN_ALIGN_32BYTES does not matter */
    assert_int_equal(open_img(m.b, m.len, "t.exe", &obj, &src, &e), LP_OK);
    assert_string_equal(lp_obj_info_get(obj)->goarch, "arm64");
    check_buildinfo(obj, PE64_BASE + 0x2010);
    lp_obj_free(&obj);
    lp_src_free(&src);

    put(&m, sh + 40 + 36, 0xe0000040u, 4); /* executable too: not Go's data section */
    assert_int_equal(open_img(m.b, m.len, "t.exe", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_buildinfo_read(obj, &bi, &e), LP_ERR_UNSUPPORTED);
    lp_obj_free(&obj);
    lp_src_free(&src);

    put(&m, sh + 40 + 36, 0xc0000040u, 4);
    put(&m, sh + 40 + 12, 0, 4); /* at RVA 0: not a loaded section */
    assert_int_equal(open_img(m.b, m.len, "t.exe", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_obj_segment_at(obj, 1)->type, 0);
    assert_int_equal(lp_buildinfo_read(obj, &bi, &e), LP_ERR_UNSUPPORTED);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(m.b);
}

static void pe_hostile(void **state)
{
    (void)state;
    img m = build_pe(true, 0x8664, 0x0022);
    img h = {malloc(m.len), m.len, false};
    size_t coff = PE_LFANEW + 4, sh = pe_sechdr(true);

    /* cut anywhere: a clear error, never a crash (0 and 1 bytes are not "MZ") */
    for (size_t n = 2; n < m.len; n++)
        expect_error(m.b, n, "t.exe", LP_ERR_FORMAT, NULL);
    expect_error(m.b, 40, "t.exe", LP_ERR_FORMAT, "truncated MS-DOS header");
    expect_error(m.b, PE_LFANEW + 10, "t.exe", LP_ERR_FORMAT, "truncated PE header at offset 0x80");

#define RESET() memcpy(h.b, m.b, m.len)
    RESET();
    put(&h, 0x3c, 0xfffffff0u, 4); /* e_lfanew far past the end */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "truncated PE header at offset 0xfffffff0");

    RESET();
    put_str(&h, PE_LFANEW, "NE\0\0", 4); /* a 16-bit executable: another format */
    expect_error(h.b, h.len, "t.exe", LP_ERR_UNSUPPORTED, "without a PE signature");

    RESET();
    put(&h, coff + 2, 0xffff, 2); /* NumberOfSections huge */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "truncated section table at offset 0x188");

    RESET();
    put(&h, sh + 40 + 20, 0xfffff000u, 4); /* PointerToRawData past the end */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "(.data) data of 0x200 bytes at offset 0xfffff000");

    RESET();
    put(&h, sh + 40 + 16, 0xffffff00u, 4); /* SizeOfRawData past the end */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "runs past the end of the file");

    RESET();
    put(&h, coff + 16, 100, 2); /* optional header too small for PE32+ */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "optional header of 100 bytes");

    RESET();
    put(&h, coff + 16, 0, 2);
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "no optional header");

    RESET();
    put(&h, coff + 20, 0x107, 2);
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "bad optional header magic 0x107");

    RESET();
    put(&h, coff + 8, 0xfffffff0u, 4); /* PointerToSymbolTable past the end */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "symbol table (4 symbols) at offset 0xfffffff0");

    RESET();
    put(&h, coff + 12, 0x7fffffffu, 4); /* NumberOfSymbols huge */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "runs past the end of the file");

    RESET();
    put(&h, PE_STROFF, 0x7fffffffu, 4); /* string table length huge */
    expect_error(h.b, h.len, "t.exe", LP_ERR_LIMIT, "string table");

    RESET();
    put(&h, PE_STROFF, 0x1000, 4); /* string table length past the end */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "string table of 4096 bytes");

    RESET();
    put_str(&h, sh + 80, "/999\0\0\0\0", 8); /* long name outside the string table */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "long section name /999");

    RESET();
    put_str(&h, sh + 80, "/x4\0\0\0\0\0", 8);
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "decimal offset");

    RESET();
    put(&h, coff + 8, 0, 4); /* no symbol table, so no string table for "/4" */
    expect_error(h.b, h.len, "t.exe", LP_ERR_FORMAT, "no string table");

    /* symbols: an unknown section number or a name outside the table is dropped, not fatal */
    RESET();
    put(&h, PE_SYMOFF + 12, 9, 2);           /* main.main: section 9 of 3 */
    put(&h, PE_SYMOFF + 36, 0, 4);           /* runtime: a long name ... */
    put(&h, PE_SYMOFF + 40, 0x7fff0000u, 4); /* ... far outside the string table */
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(open_img(h.b, h.len, "t.exe", &obj, &src, &e), LP_OK);
    lp_symbol *syms = NULL;
    size_t n = 0;
    assert_int_equal(lp_obj_symbols(obj, &syms, &n, &e), LP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(syms[0].name, "abs");
    lp_obj_symbols_free(&syms);
    lp_obj_free(&obj);
    lp_src_free(&src);

    /* aux counts that run off the end of the table end the walk */
    RESET();
    h.b[PE_SYMOFF + 17] = 255;
    assert_int_equal(open_img(h.b, h.len, "t.exe", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_obj_symbols(obj, &syms, &n, &e), LP_OK);
    assert_int_equal(n, 1);
    lp_obj_symbols_free(&syms);
    lp_obj_free(&obj);
    lp_src_free(&src);
#undef RESET
    free(h.b);
    free(m.b);
}

/* ---- Mach-O ---- */

#define MO_TEXT_SECT 0x400u
#define MO_DATA_OFF 0x800u
#define MO_SYMOFF 0xc00u
#define MO_NSYMS 4u
#define MO_STRS "\0_main.main\0_runtime.x\0_write\0_stab\0"
#define MO_STRSZ 36u
#define MO64_TEXT 0x100000000ull

typedef struct mo_layout {
    size_t pagezero, text, data, symtab, last, end; /* command offsets; end of commands */
    size_t stroff, size;
} mo_layout;

static void mo_seg(img *m, bool w, size_t at, const char *name, uint64_t vmaddr, uint64_t vmsize,
                   uint64_t fileoff, uint64_t filesize, uint32_t prot, uint32_t nsects)
{
    size_t hdr = w ? 72 : 56, sect = w ? 80 : 68;
    put(m, at, w ? 0x19 : 0x1, 4);
    put(m, at + 4, hdr + nsects * sect, 4);
    put_str(m, at + 8, name, strlen(name));
    unsigned ws = w ? 8 : 4;
    put(m, at + 24, vmaddr, ws);
    put(m, at + 24 + ws, vmsize, ws);
    put(m, at + 24 + 2 * ws, fileoff, ws);
    put(m, at + 24 + 3 * ws, filesize, ws);
    put(m, at + 24 + 4 * ws, prot, 4);     /* maxprot */
    put(m, at + 28 + 4 * ws, prot, 4);     /* initprot */
    put(m, at + 32 + 4 * ws, nsects, 4);
}

static void mo_sect(img *m, bool w, size_t at, const char *sect, const char *seg, uint64_t addr,
                    uint64_t size, uint32_t off, uint32_t flags)
{
    put_str(m, at, sect, strlen(sect));
    put_str(m, at + 16, seg, strlen(seg));
    unsigned ws = w ? 8 : 4;
    put(m, at + 32, addr, ws);
    put(m, at + 32 + ws, size, ws);
    put(m, at + 32 + 2 * ws, off, 4);
    put(m, at + 32 + 2 * ws + 16, flags, 4);
}

static void mo_nlist(img *m, bool w, size_t at, uint32_t strx, uint8_t type, uint8_t sect,
                     uint64_t value)
{
    put(m, at, strx, 4);
    m->b[at + 4] = type;
    m->b[at + 5] = sect;
    put(m, at + 8, value, w ? 8 : 4);
}

/*
 * 64-bit (arm64): __PAGEZERO; __TEXT with __text; __DATA with __go_buildinfo,
 * __data and a zerofill __bss; LC_SYMTAB; LC_MAIN.
 * 32-bit (i386, or ppc when be): __PAGEZERO; __TEXT with __text; __DATA (RW)
 * with __data holding the blob at +0x10 and __bss; LC_SYMTAB; LC_UNIXTHREAD.
 */
static img build_macho(bool w, bool be, mo_layout *l)
{
    size_t hsz = w ? 32 : 28, hdr = w ? 72 : 56, sect = w ? 80 : 68;
    size_t nlsz = w ? 16 : 12;
    l->pagezero = hsz;
    l->text = l->pagezero + hdr;
    l->data = l->text + hdr + sect;
    l->symtab = l->data + hdr + (w ? 3 : 2) * sect;
    l->last = l->symtab + 24;
    l->end = l->last + (w ? 24 : 80);
    l->stroff = MO_SYMOFF + MO_NSYMS * nlsz;
    l->size = l->stroff + MO_STRSZ;
    img m = {calloc(1, l->size), l->size, be};
    uint64_t text = w ? MO64_TEXT : 0x1000, data = text + (w ? 0x1000 : 0x1000);
    put(&m, 0, w ? 0xfeedfacf : 0xfeedface, 4);
    put(&m, 4, w ? 0x0100000c : be ? 18 : 7, 4);
    put(&m, 12, 2, 4); /* MH_EXECUTE */
    put(&m, 16, 5, 4);
    put(&m, 20, l->end - hsz, 4);
    put(&m, 24, 0x00200085, 4);

    mo_seg(&m, w, l->pagezero, "__PAGEZERO", 0, text, 0, 0, 0, 0);
    mo_seg(&m, w, l->text, "__TEXT", text, 0x1000, 0, MO_DATA_OFF, 5, 1);
    mo_sect(&m, w, l->text + hdr, "__text", "__TEXT", text + MO_TEXT_SECT, 0x100, MO_TEXT_SECT,
            0x80000400u);
    mo_seg(&m, w, l->data, "__DATA", data, 0x2000, MO_DATA_OFF, 0x400, 3, w ? 3 : 2);
    size_t s = l->data + hdr;
    if (w) {
        mo_sect(&m, w, s, "__go_buildinfo", "__DATA", data, 0x200, MO_DATA_OFF, 0);
        s += sect;
        mo_sect(&m, w, s, "__data", "__DATA", data + 0x200, 0x200, MO_DATA_OFF + 0x200, 0);
        put_blob(&m, MO_DATA_OFF);
    } else {
        mo_sect(&m, w, s, "__data", "__DATA", data, 0x400, MO_DATA_OFF, 0);
        put_blob(&m, MO_DATA_OFF + 0x10);
    }
    mo_sect(&m, w, s + sect, "__bss", "__DATA", data + 0x400, 0x800, 0, 0x1 /* S_ZEROFILL */);

    put(&m, l->symtab, 2, 4);
    put(&m, l->symtab + 4, 24, 4);
    put(&m, l->symtab + 8, MO_SYMOFF, 4);
    put(&m, l->symtab + 12, MO_NSYMS, 4);
    put(&m, l->symtab + 16, l->stroff, 4);
    put(&m, l->symtab + 20, MO_STRSZ, 4);
    if (w) {
        put(&m, l->last, 0x80000028u, 4); /* LC_MAIN */
        put(&m, l->last + 4, 24, 4);
        put(&m, l->last + 8, MO_TEXT_SECT + 0x10, 8);
    } else {
        put(&m, l->last, 5, 4); /* LC_UNIXTHREAD, x86_THREAD_STATE32: eip is word 10 */
        put(&m, l->last + 4, 80, 4);
        put(&m, l->last + 8, be ? 99 : 1, 4);
        put(&m, l->last + 12, 16, 4);
        put(&m, l->last + 16 + 10 * 4, text + MO_TEXT_SECT + 0x10, 4);
    }
    put_str(&m, MO_TEXT_SECT, "\xff Go build ID: \"abc/def\"\n \xff", 27);

    size_t nl = MO_SYMOFF;
    mo_nlist(&m, w, nl, 1, 0x0f, 1, text + MO_TEXT_SECT + 0x10);       /* _main.main: N_SECT|N_EXT */
    mo_nlist(&m, w, nl + nlsz, 12, 0x0e, w ? 3 : 2, data + 0x200);      /* _runtime.x: N_SECT */
    mo_nlist(&m, w, nl + 2 * nlsz, 23, 0x01, 0, 0);                     /* _write: undefined */
    mo_nlist(&m, w, nl + 3 * nlsz, 30, 0x24, 1, text + MO_TEXT_SECT);  /* N_FUN stab: skipped */
    put_str(&m, l->stroff, MO_STRS, MO_STRSZ);
    return m;
}

static void macho_reads(bool w, bool be)
{
    mo_layout l;
    img m = build_macho(w, be, &l);
    uint64_t text = w ? MO64_TEXT : 0x1000, data = text + 0x1000;
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(open_img(m.b, m.len, "t.macho", &obj, &src, &e), LP_OK);
    const lp_obj_info *in = lp_obj_info_get(obj);
    assert_int_equal(in->format, LP_FMT_MACHO);
    assert_string_equal(in->format_name, "macho");
    assert_int_equal(in->bits, w ? 64 : 32);
    assert_int_equal(in->big_endian, be);
    assert_string_equal(in->machine_name, w ? "arm64" : be ? "ppc" : "i386");
    if (w || !be)
        assert_string_equal(in->goarch, w ? "arm64" : "386");
    else
        assert_null(in->goarch);
    assert_string_equal(in->type_name, "exec");
    assert_int_equal(in->type, 2);
    assert_int_equal(in->flags, 0x00200085);
    /* LC_MAIN, or the i386 thread state; a ppc thread state is not decoded */
    assert_int_equal(in->entry, be ? 0 : text + MO_TEXT_SECT + 0x10);

    assert_int_equal(lp_obj_segment_count(obj), 3);
    const lp_segment *g = lp_obj_segment_at(obj, 0);
    assert_string_equal(g->name, "__PAGEZERO");
    assert_int_equal(g->filesz, 0);
    g = lp_obj_segment_at(obj, 1);
    assert_string_equal(g->name, "__TEXT");
    assert_int_equal(g->flags, LP_SEG_R | LP_SEG_X);
    assert_int_equal(g->raw_flags, 5 | 5 << 8);
    g = lp_obj_segment_at(obj, 2);
    assert_string_equal(g->name, "__DATA");
    assert_int_equal(g->type, 1);
    assert_int_equal(g->vaddr, data);
    assert_int_equal(g->off, MO_DATA_OFF);
    assert_int_equal(g->filesz, 0x400);
    assert_int_equal(g->memsz, 0x2000);
    assert_int_equal(g->flags, LP_SEG_R | LP_SEG_W);
    assert_int_equal(g->raw_flags, 3 | 3 << 8);

    assert_int_equal(lp_obj_section_count(obj), w ? 4 : 3);
    const lp_section *s = lp_obj_section_at(obj, 0);
    assert_string_equal(s->name, "__text");
    assert_int_equal(s->addr, text + MO_TEXT_SECT);
    assert_int_equal(s->off, MO_TEXT_SECT);
    assert_int_equal(s->size, 0x100);
    s = lp_obj_section_by_name(obj, "__bss");
    assert_non_null(s);
    assert_int_equal(s->type, LP_SHT_NOBITS);
    assert_int_equal(s->size, 0x800);
    if (w) {
        s = lp_obj_section_by_name(obj, "__go_buildinfo");
        assert_non_null(s);
        assert_int_equal(s->addr, data);
        assert_int_not_equal(s->type, LP_SHT_NOBITS);
    }

    check_buildinfo(obj, w ? data : data + 0x10);
    char *id = NULL;
    lp_buildid_src from;
    assert_int_equal(lp_go_buildid(obj, &id, &from, &e), LP_OK);
    assert_string_equal(id, "abc/def");
    free(id);
    check_no_elf_extras(obj);

    assert_true(lp_obj_has_symtab(obj));
    lp_symbol *syms = NULL;
    size_t n = 0;
    assert_int_equal(lp_obj_symbols(obj, &syms, &n, &e), LP_OK);
    assert_int_equal(n, 3); /* the stab is not a symbol */
    /* the view drops Mach-O's C underscore, as Go's tools do */
    lp_symbol y = find_sym(syms, n, "main.main");
    assert_int_equal(y.value, text + MO_TEXT_SECT + 0x10);
    assert_int_equal(y.type, 2);
    assert_int_equal(y.bind, 1);
    assert_int_equal(y.shndx, 1);
    y = find_sym(syms, n, "runtime.x");
    assert_int_equal(y.type, 1);
    assert_int_equal(y.bind, 0);
    y = find_sym(syms, n, "write");
    assert_int_equal(y.shndx, 0);
    assert_false(has_sym(syms, n, "stab") || has_sym(syms, n, "_stab"));
    assert_false(has_sym(syms, n, "_main.main"));
    lp_obj_symbols_free(&syms);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(m.b);
}

static void macho64_reads(void **state)
{
    (void)state;
    macho_reads(true, false);
}

static void macho32_reads(void **state)
{
    (void)state;
    macho_reads(false, false);
    macho_reads(false, true);
}

/* Go's Mach-O rules: the first RW segment without __go_buildinfo; __PAGEZERO is never read. */
static void macho_data_start_rules(void **state)
{
    (void)state;
    mo_layout l;
    img m = build_macho(true, false, &l);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    lp_buildinfo *bi = NULL;

    /* __PAGEZERO claiming the data's addresses with file bytes (the header): skipped */
    size_t pz = l.pagezero;
    put(&m, pz + 24, MO64_TEXT + 0x1000, 8);
    put(&m, pz + 40, 0, 8);
    put(&m, pz + 48, 0x400, 8);
    assert_int_equal(open_img(m.b, m.len, "t.macho", &obj, &src, &e), LP_OK);
    check_buildinfo(obj, MO64_TEXT + 0x1000);
    lp_obj_free(&obj);
    lp_src_free(&src);

    /* no __go_buildinfo section: the first segment with initprot == maxprot == RW */
    put_str(&m, l.data + 72, "__nobuildinfo\0\0", 16);
    assert_int_equal(open_img(m.b, m.len, "t.macho", &obj, &src, &e), LP_OK);
    check_buildinfo(obj, MO64_TEXT + 0x1000);
    lp_obj_free(&obj);
    lp_src_free(&src);

    put(&m, l.data + 56, 7, 4); /* maxprot rwx: no longer Go's data segment */
    assert_int_equal(open_img(m.b, m.len, "t.macho", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_buildinfo_read(obj, &bi, &e), LP_ERR_UNSUPPORTED);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(m.b);
}

static void macho_hostile(void **state)
{
    (void)state;
    mo_layout l;
    img m = build_macho(true, false, &l);
    img h = {malloc(m.len), m.len, false};

    for (size_t n = 4; n < m.len; n++)
        expect_error(m.b, n, "t.macho", LP_ERR_FORMAT, NULL);
    expect_error(m.b, 20, "t.macho", LP_ERR_FORMAT, "truncated Mach-O header at offset 0x14");
    expect_error(m.b, 0x100, "t.macho", LP_ERR_FORMAT, "truncated load commands at offset 0x20");

#define RESET() memcpy(h.b, m.b, m.len)
    RESET();
    put(&h, l.text + 4, 0, 4); /* cmdsize 0 */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "load command 2 has size 0, less than 8");

    RESET();
    put(&h, l.symtab + 4, 4, 4); /* cmdsize 4 */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "less than 8");

    RESET();
    put(&h, l.last + 4, 0x1000, 4); /* cmdsize overflowing sizeofcmds */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "runs past sizeofcmds");

    RESET();
    put(&h, l.text + 4, 0xfffffff8u, 4);
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "runs past sizeofcmds");

    RESET();
    put(&h, 16, 6, 4); /* one command more than there are */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "load command 6 of 6 starts past the end");

    RESET();
    put(&h, 16, 0x7fffffffu, 4); /* ncmds huge */
    expect_error(h.b, h.len, "t.macho", LP_ERR_LIMIT, "load commands is more than the limit");

    RESET();
    put(&h, 20, 0x7ffffff0u, 4); /* sizeofcmds huge */
    expect_error(h.b, h.len, "t.macho", LP_ERR_LIMIT, "bytes of load commands");

    RESET();
    put(&h, 20, 0x3000, 4); /* sizeofcmds past the end */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "truncated load commands at offset 0x20");

    RESET();
    put(&h, l.data + 64, 0xffffffffu, 4); /* nsects huge */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "too small for its 4294967295 sections");

    RESET();
    put(&h, l.data + 64, 4, 4); /* one section more than the command holds */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "too small for its 4 sections");

    RESET();
    put(&h, l.data + 4, 40, 4); /* a segment command shorter than a segment header */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "segment load command too small");

    RESET();
    put(&h, l.symtab + 8, 0xfffffff0u, 4); /* symoff past EOF */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "symbol table (4 symbols) at offset 0xfffffff0");

    RESET();
    put(&h, l.symtab + 12, 0x10000000u, 4); /* nsyms past EOF */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "runs past the end of the file");

    RESET();
    put(&h, l.symtab + 16, 0xfffffff0u, 4); /* stroff past EOF */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "string table of 36 bytes at offset 0xfffffff0");

    RESET();
    put(&h, l.symtab + 4, 16, 4); /* LC_SYMTAB too short */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "symbol table load command too small");

    RESET();
    put(&h, l.data + 40, 0xfffffffffffff000ull, 8); /* segment fileoff past EOF */
    expect_error(h.b, h.len, "t.macho", LP_ERR_FORMAT, "segment's file range");

    /* universal binaries are named and refused; a Java class file is just not an object */
    static const uint8_t fat[8] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2};
    static const uint8_t java[8] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52};
    expect_error(fat, sizeof fat, "t.fat", LP_ERR_UNSUPPORTED, "universal");
    expect_error(java, sizeof java, "t.class", LP_ERR_UNSUPPORTED, "unrecognized file format");

    /* symbol names outside the string table are dropped */
    RESET();
    put(&h, MO_SYMOFF, 0x10000, 4);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(open_img(h.b, h.len, "t.macho", &obj, &src, &e), LP_OK);
    lp_symbol *syms = NULL;
    size_t n = 0;
    assert_int_equal(lp_obj_symbols(obj, &syms, &n, &e), LP_OK);
    assert_int_equal(n, 2);
    lp_obj_symbols_free(&syms);
    lp_obj_free(&obj);
    lp_src_free(&src);

    /* an LC_UNIXTHREAD whose count runs past the command: no entry, no error */
    mo_layout l32;
    img m32 = build_macho(false, false, &l32);
    put(&(img){m32.b, m32.len, false}, l32.last + 12, 1000, 4);
    assert_int_equal(open_img(m32.b, m32.len, "t.macho", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_obj_info_get(obj)->entry, 0);
    lp_obj_free(&obj);
    lp_src_free(&src);
    put(&(img){m32.b, m32.len, false}, l32.last + 12, 4, 4);
    assert_int_equal(open_img(m32.b, m32.len, "t.macho", &obj, &src, &e), LP_OK);
    assert_int_equal(lp_obj_info_get(obj)->entry, 0);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(m32.b);
#undef RESET
    free(h.b);
    free(m.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pe64_reads),
        cmocka_unit_test(pe32_reads),
        cmocka_unit_test(pe_data_start_rules),
        cmocka_unit_test(pe_hostile),
        cmocka_unit_test(macho64_reads),
        cmocka_unit_test(macho32_reads),
        cmocka_unit_test(macho_data_start_rules),
        cmocka_unit_test(macho_hostile),
    };
    return cmocka_run_group_tests_name("objfmt", tests, NULL, NULL);
}
