/*
 * test_static_iconv.c - src/util/static_iconv.c (the static build's iconv)
 * against glibc's own iconv as the oracle (dlsym(RTLD_NEXT): this program's
 * iconv_open, iconv and iconv_close are the replacement's): for each charset
 * pair it offers, every byte string of up to 3 bytes over an alphabet of
 * UTF-8's edge bytes, and 50,000 random strings of up to 16, with every output
 * size from 0 to the input's length + 1: the same return value, errno, bytes
 * consumed and bytes written. And the pairs it refuses are refused with EINVAL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

typedef iconv_t (*open_fn)(const char *, const char *);
typedef size_t (*conv_fn)(iconv_t, char **, size_t *, char **, size_t *);
typedef int (*close_fn)(iconv_t);

static open_fn g_open;
static conv_fn g_conv;
static close_fn g_close;

static int setup(void **state)
{
    void *f;
    f = dlsym(RTLD_NEXT, "iconv_open");
    memcpy(&g_open, &f, sizeof f);
    f = dlsym(RTLD_NEXT, "iconv");
    memcpy(&g_conv, &f, sizeof f);
    f = dlsym(RTLD_NEXT, "iconv_close");
    memcpy(&g_close, &f, sizeof f);
    return g_open && g_conv && g_close ? 0 : -1;
}

static const char *const pairs[][2] = {
    {"ANSI_X3.4-1968", "UTF-8"}, {"UTF-8", "ANSI_X3.4-1968"}, {"ANSI_X3.4-1968", "ANSI_X3.4-1968"},
    {"ASCII", "UTF-8"}, {"US-ASCII", "utf8"}};

typedef struct {
    size_t ret;
    int err;
    size_t in_used, out_used;
    char out[32];
} result;

static void run(iconv_t cd, conv_fn conv, const unsigned char *in, size_t n, size_t outsz, result *r)
{
    char *ip = (char *)(uintptr_t)in, *op = r->out;
    size_t il = n, ol = outsz;
    memset(r->out, 0x55, sizeof r->out);
    errno = 0;
    r->ret = conv(cd, &ip, &il, &op, &ol);
    r->err = r->ret == (size_t)-1 ? errno : 0;
    r->in_used = n - il;
    r->out_used = outsz - ol;
    assert_int_equal(ip - (char *)(uintptr_t)in, (ptrdiff_t)r->in_used);
    assert_int_equal(op - r->out, (ptrdiff_t)r->out_used);
}

static size_t compared;

static void compare(const unsigned char *in, size_t n)
{
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        iconv_t mine = iconv_open(pairs[p][0], pairs[p][1]);
        iconv_t theirs = g_open(pairs[p][0], pairs[p][1]);
        assert_true(mine != (iconv_t)-1);
        assert_true(theirs != (iconv_t)-1);
        for (size_t outsz = 0; outsz <= n + 1 && outsz < 32; outsz++) {
            result a, b;
            run(mine, iconv, in, n, outsz, &a);
            run(theirs, g_conv, in, n, outsz, &b);
            if (a.ret != b.ret || a.err != b.err || a.in_used != b.in_used || a.out_used != b.out_used ||
                memcmp(a.out, b.out, a.out_used) != 0) {
                char hex[3 * 16 + 1] = "";
                for (size_t i = 0; i < n && i < 16; i++)
                    snprintf(hex + 3 * i, 4, "%02x ", in[i]);
                print_error("%s <- %s, input [%s], output size %zu: ours ret %zd errno %d in %zu out %zu; "
                            "glibc ret %zd errno %d in %zu out %zu\n",
                            pairs[p][0], pairs[p][1], hex, outsz, (ssize_t)a.ret, a.err, a.in_used, a.out_used,
                            (ssize_t)b.ret, b.err, b.in_used, b.out_used);
                fail();
            }
            compared++;
        }
        assert_int_equal(iconv_close(mine), 0);
        g_close(theirs);
    }
}

static const unsigned char alphabet[] = {0x00, 'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
                                         0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf7,
                                         0xf8, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};

static void test_exhaustive_short(void **state)
{
    const size_t k = sizeof alphabet;
    unsigned char in[3] = {0};
    compare(in, 0);
    for (size_t a = 0; a < k; a++) {
        in[0] = alphabet[a];
        compare(in, 1);
        for (size_t b = 0; b < k; b++) {
            in[1] = alphabet[b];
            compare(in, 2);
            for (size_t c = 0; c < k; c++) {
                in[2] = alphabet[c];
                compare(in, 3);
            }
        }
    }
}

static uint32_t rng = 20261207;
static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void test_random(void **state)
{
    unsigned char in[16];
    for (int i = 0; i < 50000; i++) {
        size_t n = next() % 17;
        for (size_t j = 0; j < n; j++) {
            uint32_t r = next() % 4;
            /* mostly ASCII and well-formed UTF-8 pieces, so that errors come late too */
            in[j] = r == 0 ? (unsigned char)(next() & 0xff) : r == 1 ? alphabet[next() % sizeof alphabet]
                                                                      : (unsigned char)(0x20 + next() % 0x5f);
        }
        compare(in, n);
    }
    /* characters of each length, and the edges of glibc's decoder: surrogates, overlong
     * forms, values over U+10FFFF, the 5- and 6-byte forms of old UTF-8 */
    static const char *const ok[] = {
        "caf\xc3\xa9", "\xe2\x82\xac!", "\xf0\x9f\x98\x80x", "ab\xed\x9f\xbf", "a\xed\xa0\x80",
        "a\xe0\x80\x80", "a\xf0\x80\x80\x80", "a\xf4\x8f\xbf\xbf", "a\xf4\x90\x80\x80",
        "a\xf7\xbf\xbf\xbf", "a\xf8\x88\x80\x80\x80", "a\xf8\x80\x80\x80\x80", "a\xfb\xbf\xbf\xbf\xbf",
        "a\xfc\x84\x80\x80\x80\x80", "a\xfc\x80\x80\x80\x80\x80", "a\xfd\xbf\xbf\xbf\xbf\xbf",
        "a\xfd\xbf\xbf\xbf\xbf"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        compare((const unsigned char *)ok[i], strlen(ok[i]));
    assert_true(compared > 100000);
}

static void test_reset_and_refusals(void **state)
{
    iconv_t cd = iconv_open("ANSI_X3.4-1968", "UTF-8");
    char buf[4], *op = buf;
    size_t ol = sizeof buf;
    assert_int_equal(iconv(cd, NULL, NULL, &op, &ol), 0);
    assert_int_equal(iconv(cd, NULL, NULL, NULL, NULL), 0);
    iconv_close(cd);
    static const char *const refused[][2] = {
        {"UTF-16", "UTF-8"}, {"UTF-8", "UTF-8"}, {"ISO-8859-1", "UTF-8"}, {"ASCII", "CP1252"}, {"", "UTF-8"}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        errno = 0;
        assert_true(iconv_open(refused[i][0], refused[i][1]) == (iconv_t)-1);
        assert_int_equal(errno, EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exhaustive_short),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_reset_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
