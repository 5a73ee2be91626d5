/*
 * fuzz_iconv.c - libFuzzer harness: the static build's iconv
 * (src/util/static_iconv.c, linked into this harness: its iconv_open, iconv
 * and iconv_close are this program's) against glibc's, found with
 * dlsym(RTLD_NEXT). The first byte picks the charset pair and the output
 * size, the rest is the input; traps when the two differ in return value,
 * errno, bytes consumed or bytes written, or when ours writes past the
 * output it was given.
 */
#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef iconv_t (*open_fn)(const char *, const char *);
typedef size_t (*conv_fn)(iconv_t, char **, size_t *, char **, size_t *);
typedef int (*close_fn)(iconv_t);

static const char *const pairs[][2] = {
    {"ANSI_X3.4-1968", "UTF-8"}, {"UTF-8", "ANSI_X3.4-1968"}, {"ANSI_X3.4-1968", "ANSI_X3.4-1968"}};

#define MAXIN 4096u

static void run(iconv_t cd, conv_fn conv, const uint8_t *in, size_t n, char *out, size_t outsz, size_t *ret,
                int *err, size_t *in_used, size_t *out_used)
{
    char *ip = (char *)(uintptr_t)in, *op = out;
    size_t il = n, ol = outsz;
    errno = 0;
    *ret = conv(cd, &ip, &il, &op, &ol);
    *err = *ret == (size_t)-1 ? errno : 0;
    *in_used = n - il;
    *out_used = outsz - ol;
    if (ip != (char *)(uintptr_t)in + *in_used || op != out + *out_used || *out_used > outsz)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static open_fn g_open;
    static conv_fn g_conv;
    static close_fn g_close;
    if (!g_open) {
        void *f = dlsym(RTLD_NEXT, "iconv_open");
        memcpy(&g_open, &f, sizeof f);
        f = dlsym(RTLD_NEXT, "iconv");
        memcpy(&g_conv, &f, sizeof f);
        f = dlsym(RTLD_NEXT, "iconv_close");
        memcpy(&g_close, &f, sizeof f);
        if (!g_open || !g_conv || !g_close)
            __builtin_trap();
    }
    if (size < 1)
        return 0;
    const size_t p = data[0] % 3u;
    const uint8_t *in = data + 1;
    size_t n = size - 1 > MAXIN ? MAXIN : size - 1;
    /* output sizes: 0..n+1 (from the high bits), so that E2BIG meets every position */
    size_t outsz = (size_t)(data[0] / 3u) * (n + 2) / 86u;
    static char out_a[MAXIN + 2], out_b[MAXIN + 2];
    iconv_t a = iconv_open(pairs[p][0], pairs[p][1]), b = g_open(pairs[p][0], pairs[p][1]);
    if (a == (iconv_t)-1 || b == (iconv_t)-1)
        __builtin_trap();
    size_t ra, rb, ia, ib, oa, ob;
    int ea, eb;
    run(a, iconv, in, n, out_a, outsz, &ra, &ea, &ia, &oa);
    run(b, g_conv, in, n, out_b, outsz, &rb, &eb, &ib, &ob);
    if (ra != rb || ea != eb || ia != ib || oa != ob || memcmp(out_a, out_b, oa) != 0)
        __builtin_trap();
    iconv_close(a);
    g_close(b);
    return 0;
}
