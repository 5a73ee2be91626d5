/* Unit tests: build-info parsing (against Go 1.19's own results), both blob layouts, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/go.h"
#include "linkproof/object.h"
#include "synth_elf.h"

/* any 16 bytes do: the parser checks only that the text before the end sentinel ends in '\n' */
static const char fr_start[17] = "<<<<module-info<";
static const char fr_end[17] = ">module-info>>>>";

/* Frame module text as cmd/go does: 16 bytes, the text, 16 bytes. */
static size_t frame(char *out, const char *mod)
{
    size_t n = strlen(mod);
    memcpy(out, fr_start, 16);
    memcpy(out + 16, mod, n);
    memcpy(out + 16 + n, fr_end, 16);
    return n + 32;
}

/* Expected strings come from runtime/debug.ParseBuildInfo and BuildInfo.String() in Go 1.19. */
static const struct {
    const char *mod, *err, *formatted;
} vectors[] = {
    {"path\tx\nmod\tx\t(devel)\t\nbuild\t-ldflags=-s -w\n",
     "could not parse Go build info: line 3: unquoted value \"-s -w\" must be quoted", NULL},
    {"mod\ta\nbuild\tk=v\n", "could not parse Go build info: line 1: expected 2 or 3 columns; got 1", NULL},
    {"mod\ta\tb\tc\td\n", "could not parse Go build info: line 1: expected 2 or 3 columns; got 4", NULL},
    {"=>\ta\tb\tc\n", "could not parse Go build info: line 1: replacement with no module on previous line", NULL},
    {"dep\ta\tv\n=>\tb\tv2\n", "could not parse Go build info: line 2: expected 3 columns for replacement; got 2", NULL},
    {"build\t\n", "could not parse Go build info: line 1: build line missing '='", NULL},
    {"build\t=x\n", "could not parse Go build info: line 1: build line with missing key", NULL},
    {"build\t\"k\"x\n", "could not parse Go build info: line 1: unexpected character after quoted key: 'x'", NULL},
    {"build\t\"k\n", "could not parse Go build info: line 1: invalid quoted key in build line", NULL},
    {"build\tkey\n", "could not parse Go build info: line 1: build line missing '=' after key", NULL},
    {"build\tk y=1\n", "could not parse Go build info: line 1: unquoted key \"k y\" must be quoted", NULL},
    {"build\tk=\"bad\n", "could not parse Go build info: line 1: invalid quoted value in build line", NULL},
    {"build\t\"k\"\n", "could not parse Go build info: line 1: build line missing '=' after quoted key", NULL},
    {"build\t\"k\"\xff\n", "could not parse Go build info: line 1: unexpected character after quoted key: '\xc3\xbf'", NULL},
    {"build\t\"a b\"=\"c\\td\"\nbuild\tz=\n", NULL, "\tbuild\t\"a b\"=\"c\\td\"\n\tbuild\tz=\n"},
    {"path\tp\nmod\tm\tv1\th1:x\ndep\td\tv2\n=>\tr\tv3\th1:y\nunknown line\nbuild\t-ldflags=\"-X a=b c\"\n", NULL,
     "\tpath\tp\n\tmod\tm\tv1\th1:x\n\tdep\td\tv2\n\t=>\tr\tv3\th1:y\n\t\n\tbuild\t-ldflags=\"-X a=b c\"\n"},
    /* framed text must end in a newline, else Go drops all of it */
    {"path\tp\nno final newline", NULL, ""},
};

static void parse_matches_go(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char framed[512];
        size_t n = frame(framed, vectors[i].mod);
        lp_buildinfo *bi = NULL;
        lp_err e;
        assert_int_equal(lp_buildinfo_parse("go1.19", 6, framed, n, &bi, &e), LP_OK);
        if (vectors[i].err) {
            assert_non_null(bi->parse_error);
            assert_string_equal(bi->parse_error, vectors[i].err);
        } else {
            assert_null(bi->parse_error);
            char *t = lp_buildinfo_format_gover(bi);
            assert_string_equal(t, vectors[i].formatted);
            free(t);
        }
        lp_buildinfo_free(&bi);
        assert_null(bi);
    }
}

static void unframed_module_text_is_ignored(void **state)
{
    (void)state;
    lp_buildinfo *bi = NULL;
    lp_err e;
    const char *m = "path\tx\n"; /* shorter than 33 bytes: no framing, so no module info */
    assert_int_equal(lp_buildinfo_parse("go1.12", 6, m, strlen(m), &bi, &e), LP_OK);
    assert_int_equal(bi->modinfo_len, 0);
    assert_null(bi->path);
    char *t = lp_buildinfo_format_gover(bi);
    assert_string_equal(t, "");
    free(t);
    lp_buildinfo_free(&bi);
}

static const char *MOD = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\nbuild\tGOARCH=amd64\n";

static void read_from(syn *s, lp_buildinfo **bi, lp_code want)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, s->b, s->len, "syn", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    assert_int_equal(lp_buildinfo_read(obj, bi, &e), want);
    lp_obj_free(&obj);
    lp_src_free(&src);
}

static void inline_layout(void **state)
{
    (void)state;
    uint8_t d[512] = {0};
    memcpy(d, "\xff Go buildinf:", 14);
    d[14] = 8;
    d[15] = 2;
    size_t p = 32;
    d[p++] = 8;
    memcpy(d + p, "go1.21.0", 8), p += 8;
    char framed[256];
    size_t fn = frame(framed, MOD);
    d[p++] = (uint8_t)(fn & 0x7f) | 0x80; /* two-byte varint */
    d[p++] = (uint8_t)(fn >> 7);
    memcpy(d + p, framed, fn), p += fn;
    syn s = syn_elf(true, false, 62, d, p + 16);
    lp_buildinfo *bi = NULL;
    read_from(&s, &bi, LP_OK);
    assert_string_equal(bi->go_version, "go1.21.0");
    assert_string_equal(bi->path, "example.com/x");
    assert_int_equal(bi->layout, LP_BI_INLINE);
    assert_string_equal(lp_buildinfo_setting(bi, "GOARCH"), "amd64");
    lp_buildinfo_free(&bi);
    free(s.b);
}

/* Go <= 1.17: pointers to string headers, in the target's pointer size and byte order. */
static void pointer_layout(bool wide, bool be)
{
    uint8_t d[512] = {0};
    syn tmp = {d, sizeof d, wide, be};
    unsigned ps = wide ? 8 : 4;
    memcpy(d, "\xff Go buildinf:", 14);
    d[14] = (uint8_t)ps;
    d[15] = be ? 1 : 0;
    size_t hv = 64, hm = 96, sv = 128, sm = 160;
    syn_put(&tmp, 16, SYN_VADDR + hv, ps);
    syn_put(&tmp, 16 + ps, SYN_VADDR + hm, ps);
    syn_put(&tmp, hv, SYN_VADDR + sv, ps);
    syn_put(&tmp, hv + ps, 8, ps);
    memcpy(d + sv, "go1.16.2", 8);
    char framed[256];
    size_t fn = frame(framed, MOD);
    syn_put(&tmp, hm, SYN_VADDR + sm, ps);
    syn_put(&tmp, hm + ps, fn, ps);
    memcpy(d + sm, framed, fn);
    syn s = syn_elf(wide, be, wide ? 62 : 3, d, sm + fn);
    lp_buildinfo *bi = NULL;
    read_from(&s, &bi, LP_OK);
    assert_string_equal(bi->go_version, "go1.16.2");
    assert_int_equal(bi->layout, LP_BI_POINTERS);
    assert_int_equal(bi->ptr_size, ps);
    assert_int_equal(bi->big_endian, be);
    assert_string_equal(bi->main.path, "example.com/x");
    lp_buildinfo_free(&bi);

    /* a string header whose length runs past the file: not a Go executable, no huge allocation */
    syn_put(&s, SYN_DATA_OFF + hv + ps, (uint64_t)1 << (wide ? 40 : 30), ps);
    read_from(&s, &bi, LP_ERR_NOTFOUND);
    free(s.b);
}

static void pointer_layouts(void **state)
{
    (void)state;
    pointer_layout(true, false);
    pointer_layout(true, true);
    pointer_layout(false, false);
    pointer_layout(false, true);
}

static void misaligned_or_missing_magic(void **state)
{
    (void)state;
    uint8_t d[256] = {0};
    memcpy(d + 8, "\xff Go buildinf:", 14); /* not 16-byte aligned: Go ignores it */
    syn s = syn_elf(true, false, 62, d, sizeof d);
    lp_buildinfo *bi = NULL;
    read_from(&s, &bi, LP_ERR_NOTFOUND);
    free(s.b);
    /* inline layout whose version varint runs past the data */
    memset(d, 0, sizeof d);
    memcpy(d, "\xff Go buildinf:", 14);
    d[14] = 8, d[15] = 2, d[32] = 0xff, d[33] = 0x7f;
    s = syn_elf(true, false, 62, d, 64);
    read_from(&s, &bi, LP_ERR_NOTFOUND);
    free(s.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_matches_go),
        cmocka_unit_test(unframed_module_text_is_ignored),
        cmocka_unit_test(inline_layout),
        cmocka_unit_test(pointer_layouts),
        cmocka_unit_test(misaligned_or_missing_magic),
    };
    return cmocka_run_group_tests_name("buildinfo", tests, NULL, NULL);
}
