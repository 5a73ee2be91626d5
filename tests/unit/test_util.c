/* Unit tests: the cursor, byte sources, Go quoting and -ldflags splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/ldflags.h"
#include "linkproof/source.h"
#include "util/cursor.h"
#include "util/goquote.h"

static void cursor_reads_both_orders(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8};
    lp_cur c;
    lp_cur_init(&c, b, sizeof b, 0, false, 4);
    assert_int_equal(lp_cur_u16(&c), 0x0201);
    assert_int_equal(lp_cur_u32(&c), 0x06050403);
    lp_cur_init(&c, b, sizeof b, 0, true, 8);
    assert_int_equal(lp_cur_u32(&c), 0x01020304);
    lp_cur_seek(&c, 0);
    assert_true(lp_cur_u64(&c) == 0x0102030405060708ull);
    assert_true(lp_cur_ok(&c));
}

static void cursor_error_is_sticky(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3};
    lp_cur c;
    lp_cur_init(&c, b, sizeof b, 0x100, false, 8);
    lp_cur_what(&c, "thing");
    assert_int_equal(lp_cur_u16(&c), 0x0201);
    assert_int_equal(lp_cur_u32(&c), 0); /* past the end */
    assert_false(lp_cur_ok(&c));
    assert_int_equal(lp_cur_u8(&c), 0); /* would fit, but the error sticks */
    lp_err e;
    assert_int_equal(lp_cur_error(&c, "f", &e), LP_ERR_FORMAT);
    assert_string_equal(e.msg, "'f': truncated thing at offset 0x102");
    assert_true(e.has_offset && e.offset == 0x102);
}

static void cursor_uvarint(void **state)
{
    (void)state;
    const uint8_t ok[] = {0xac, 0x02};
    lp_cur c;
    lp_cur_init(&c, ok, sizeof ok, 0, false, 8);
    assert_int_equal(lp_cur_uvarint(&c), 300);
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    lp_cur_init(&c, max, sizeof max, 0, false, 8);
    assert_true(lp_cur_uvarint(&c) == UINT64_MAX);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    lp_cur_init(&c, over, sizeof over, 0, false, 8);
    lp_cur_uvarint(&c);
    assert_false(lp_cur_ok(&c));
    const uint8_t cut[] = {0x80, 0x80};
    lp_cur_init(&c, cut, sizeof cut, 0, false, 8);
    lp_cur_uvarint(&c);
    assert_false(lp_cur_ok(&c));
}

static void range_checks_do_not_overflow(void **state)
{
    (void)state;
    assert_true(lp_range_ok(0, 10, 10));
    assert_false(lp_range_ok(1, 10, 10));
    assert_false(lp_range_ok(UINT64_MAX, 2, 10));
    assert_false(lp_range_ok(2, UINT64_MAX, 10));
    uint64_t r;
    assert_false(lp_mul_ok(UINT64_MAX / 2, 3, &r));
    assert_true(lp_mul_ok(1000, 56, &r) && r == 56000);
}

static void source_reads_are_bounded(void **state)
{
    (void)state;
    const uint8_t b[16] = {0};
    lp_src *s = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&s, b, sizeof b, "m", &e), LP_OK);
    uint8_t out[32];
    assert_int_equal(lp_src_read(s, 8, out, 8, "x", &e), LP_OK);
    assert_int_equal(lp_src_read(s, 9, out, 8, "header", &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "'m': truncated header at offset 0x9"));
    assert_int_equal(lp_src_read(s, UINT64_MAX - 2, out, 8, "x", &e), LP_ERR_FORMAT);
    size_t got = 99;
    assert_int_equal(lp_src_read_upto(s, 12, out, 32, &got, &e), LP_OK);
    assert_int_equal(got, 4);
    lp_src_free(&s);
    assert_null(s);
    lp_src_free(&s); /* twice is fine */
}

static void source_open_errors(void **state)
{
    (void)state;
    lp_src *s = NULL;
    lp_err e;
    assert_int_equal(lp_src_open(&s, "/nonexistent/x", &e), LP_ERR_IO);
    assert_non_null(strstr(e.msg, "'/nonexistent/x'"));
    assert_int_equal(lp_src_open(&s, "/", &e), LP_ERR_INVAL);
    assert_string_equal(e.msg, "'/': is a directory");
    assert_null(s);
}

static void check_quote(const char *in, size_t n, const char *want)
{
    lp_strbuf sb = {0};
    lp_go_quote(&sb, in, n);
    assert_false(sb.oom);
    assert_string_equal(sb.s, want);
    lp_sb_release(&sb);
}

/* Expected values are strconv.Quote's output under Go 1.19. */
static void go_quote_matches_strconv(void **state)
{
    (void)state;
    check_quote("-X main.v=1 2", 13, "\"-X main.v=1 2\"");
    check_quote("a\tb\"c\\", 6, "\"a\\tb\\\"c\\\\\"");
    check_quote("\x00\x7f\xff", 3, "\"\\x00\\x7f\\xff\"");
    check_quote("\xc3\xa9\xc2\xa0\xe2\x80\x8b\xf0\x9f\x98\x80\xf3\xa0\x80\x81", 15,
                "\"\xc3\xa9\\u00a0\\u200b\xf0\x9f\x98\x80\\U000e0001\"");
    check_quote("\xed\xa0\x80", 3, "\"\\xed\\xa0\\x80\""); /* a surrogate is not UTF-8 */
    check_quote("`x`", 3, "\"`x`\"");
}

static void check_unquote(const char *in, bool ok, const char *want, size_t prefix)
{
    lp_strbuf sb = {0};
    bool r = lp_go_unquote(&sb, in, strlen(in));
    assert_int_equal(r, ok);
    if (ok)
        assert_string_equal(sb.s ? sb.s : "", want);
    lp_sb_release(&sb);
    assert_int_equal(lp_go_quoted_prefix(in, strlen(in)), prefix);
}

static void go_unquote_matches_strconv(void **state)
{
    (void)state;
    check_unquote("\"a\\tb\"", true, "a\tb", 6);
    check_unquote("`raw\r\n`", true, "raw\n", 7);
    check_unquote("\"\\x41\\101\\u00e9\\U0001F600\"", true, "AA\xc3\xa9\xf0\x9f\x98\x80", 26);
    check_unquote("\"bad\\q\"", false, NULL, 0);
    check_unquote("\"\\'\"", false, NULL, 0);
    check_unquote("\"unterminated", false, NULL, 0);
    check_unquote("\"a\"b", false, NULL, 3);
    check_unquote("\"\xff\"", true, "\xef\xbf\xbd", 3);
    check_unquote("\"\\400\"", false, NULL, 0);
    check_unquote("\"\\ud800\"", false, NULL, 0);
    check_unquote("\"a\nb\"", false, NULL, 0);
}

static void split_quoted_like_go(void **state)
{
    (void)state;
    lp_strv v;
    lp_err e;
    assert_int_equal(lp_go_split_quoted("  -s -w  '-X main.v=a b' \"-extldflags=-static\"", &v, &e),
                     LP_OK);
    assert_int_equal(v.n, 4);
    assert_string_equal(v.v[0], "-s");
    assert_string_equal(v.v[2], "-X main.v=a b");
    assert_string_equal(v.v[3], "-extldflags=-static");
    assert_true(lp_ldflags_bool(&v, "s"));
    assert_true(lp_ldflags_bool(&v, "w"));
    assert_false(lp_ldflags_bool(&v, "X"));
    lp_strv_release(&v);
    assert_int_equal(lp_go_split_quoted("-s=false --w 'open", &v, &e), LP_ERR_FORMAT);
    assert_int_equal(lp_go_split_quoted("-s=false --w", &v, &e), LP_OK);
    assert_false(lp_ldflags_bool(&v, "s"));
    assert_true(lp_ldflags_bool(&v, "w"));
    lp_strv_release(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_reads_both_orders),
        cmocka_unit_test(cursor_error_is_sticky),
        cmocka_unit_test(cursor_uvarint),
        cmocka_unit_test(range_checks_do_not_overflow),
        cmocka_unit_test(source_reads_are_bounded),
        cmocka_unit_test(source_open_errors),
        cmocka_unit_test(go_quote_matches_strconv),
        cmocka_unit_test(go_unquote_matches_strconv),
        cmocka_unit_test(split_quoted_like_go),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
