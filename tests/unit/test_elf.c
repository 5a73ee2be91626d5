/* Unit tests: the ELF reader on hand-made headers, good and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/object.h"
#include "synth_elf.h"

static lp_code open_buf(const uint8_t *b, size_t n, lp_obj **obj, lp_src **src, lp_err *e)
{
    assert_int_equal(lp_src_from_mem(src, b, n, "t.elf", e), LP_OK);
    return lp_obj_open(obj, *src, e);
}

static void expect_error(const uint8_t *b, size_t n, lp_code code, const char *needle)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    lp_err_clear(&e);
    assert_int_equal(open_buf(b, n, &obj, &src, &e), code);
    assert_null(obj);
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_non_null(strstr(e.msg, "'t.elf'"));
    lp_src_free(&src);
}

static void reads_header_facts(void **state)
{
    (void)state;
    static const struct { bool wide, be; uint16_t em; const char *goarch; } rows[] = {
        {true, false, 62, "amd64"}, {false, false, 3, "386"}, {true, true, 22, "s390x"},
        {true, true, 21, "ppc64"},  {true, false, 21, "ppc64le"}, {false, true, 8, "mips"},
        {false, false, 8, "mipsle"}, {true, true, 8, "mips64"}, {true, false, 243, "riscv64"},
        {true, false, 258, "loong64"}, {false, false, 40, "arm"}, {true, false, 183, "arm64"},
    };
    uint8_t d[16] = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        syn s = syn_elf(rows[i].wide, rows[i].be, rows[i].em, d, sizeof d);
        lp_src *src = NULL;
        lp_obj *obj = NULL;
        lp_err e;
        assert_int_equal(open_buf(s.b, s.len, &obj, &src, &e), LP_OK);
        const lp_obj_info *in = lp_obj_info_get(obj);
        assert_int_equal(in->bits, rows[i].wide ? 64 : 32);
        assert_int_equal(in->big_endian, rows[i].be);
        assert_string_equal(in->goarch, rows[i].goarch);
        assert_string_equal(in->type_name, "exec");
        assert_int_equal(lp_obj_segment_count(obj), 1);
        uint8_t out[4];
        assert_int_equal(lp_obj_read_vaddr(obj, SYN_VADDR + 12, out, 4, &e), LP_OK);
        assert_int_equal(lp_obj_read_vaddr(obj, SYN_VADDR + 13, out, 4, &e), LP_ERR_NOTFOUND);
        lp_obj_free(&obj);
        lp_src_free(&src);
        free(s.b);
    }
}

static void rejects_hostile_headers(void **state)
{
    (void)state;
    uint8_t d[16] = {0};
    syn s = syn_elf(true, false, 62, d, sizeof d);

    expect_error(s.b, 10, LP_ERR_FORMAT, "truncated ELF identification");
    expect_error(s.b, 40, LP_ERR_FORMAT, "truncated ELF header");

    uint8_t *b = malloc(s.len);
    memcpy(b, s.b, s.len);
    b[4] = 7;
    expect_error(b, s.len, LP_ERR_FORMAT, "bad ELF class 7 at offset 0x4");

    memcpy(b, s.b, s.len);
    syn t = {b, s.len, true, false};
    syn_put(&t, 32, 0xfffffffffff0ull, 8); /* phoff far past the end */
    expect_error(b, s.len, LP_ERR_FORMAT, "truncated program header table at offset 0xfffffffffff0");

    memcpy(b, s.b, s.len);
    syn_put(&t, 32, UINT64_MAX - 8, 8); /* offset + size overflows */
    expect_error(b, s.len, LP_ERR_FORMAT, "truncated program header table");

    memcpy(b, s.b, s.len);
    syn_put(&t, 56, 0xfff0, 2); /* many program headers: bounded by the file, not allocated */
    expect_error(b, s.len, LP_ERR_FORMAT, "truncated program header table at offset 0x40");

    memcpy(b, s.b, s.len);
    syn_put(&t, 54, 8, 2); /* entry size smaller than a program header */
    expect_error(b, s.len, LP_ERR_FORMAT, "program header entry size too small");

    memcpy(b, s.b, s.len);
    syn_put(&t, 40, 0x100, 8); /* shoff inside the file, sections run past the end */
    syn_put(&t, 58, 64, 2);
    syn_put(&t, 60, 50, 2);
    expect_error(b, s.len, LP_ERR_FORMAT, "truncated section header table at offset 0x100");

    memcpy(b, s.b, s.len);
    syn_put(&t, 40, 0x100, 8);
    syn_put(&t, 58, 64, 2);
    syn_put(&t, 60, 1, 2);
    syn_put(&t, 62, 5, 2); /* name table index beyond the count */
    expect_error(b, s.len, LP_ERR_FORMAT, "section name table index out of range");

    free(b);
    free(s.b);

    expect_error((const uint8_t *)"#!/bin/sh\n", 10, LP_ERR_UNSUPPORTED, "unrecognized file format");
    expect_error((const uint8_t *)"", 0, LP_ERR_UNSUPPORTED, "unrecognized file format");
}

/* Section headers with extended numbering (e_shnum 0, count in section 0's sh_size). */
static void extended_section_numbering(void **state)
{
    (void)state;
    uint8_t d[0x200] = {0};
    /* section headers at data+0x40 (file 0x240), names at data+0x10 */
    memcpy(d + 0x10, "\0.text\0.shstrtab\0", 17);
    syn s = syn_elf(true, false, 62, d, sizeof d);
    syn_put(&s, 40, SYN_DATA_OFF + 0x40, 8);
    syn_put(&s, 58, 64, 2);
    syn_put(&s, 60, 0, 2);      /* e_shnum = 0: see section 0 */
    syn_put(&s, 62, 0xffff, 2); /* SHN_XINDEX: see section 0's sh_link */
    size_t sh = SYN_DATA_OFF + 0x40;
    syn_put(&s, sh + 32, 3, 8);      /* sh_size = 3 sections */
    syn_put(&s, sh + 40, 2, 4);      /* sh_link = 2 */
    syn_put(&s, sh + 64, 1, 4);      /* [1] name ".text" */
    syn_put(&s, sh + 64 + 4, 1, 4);  /* PROGBITS */
    syn_put(&s, sh + 128, 7, 4);     /* [2] name ".shstrtab" */
    syn_put(&s, sh + 128 + 4, 3, 4); /* STRTAB */
    syn_put(&s, sh + 128 + 24, SYN_DATA_OFF + 0x10, 8);
    syn_put(&s, sh + 128 + 32, 17, 8);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(open_buf(s.b, s.len, &obj, &src, &e), LP_OK);
    assert_int_equal(lp_obj_section_count(obj), 3);
    assert_non_null(lp_obj_section_by_name(obj, ".text"));
    assert_non_null(lp_obj_section_by_name(obj, ".shstrtab"));
    lp_obj_free(&obj);
    lp_src_free(&src);

    syn_put(&s, sh + 128 + 32, 9, 8); /* names table cut short: ".shstrtab" name offset 7 ok, 17 not */
    syn_put(&s, sh + 128, 12, 4);
    assert_int_equal(open_buf(s.b, s.len, &obj, &src, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "section name offset out of range"));
    lp_src_free(&src);
    free(s.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_header_facts),
        cmocka_unit_test(rejects_hostile_headers),
        cmocka_unit_test(extended_section_numbering),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
