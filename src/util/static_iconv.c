/*
 * static_iconv.c - in the static build only (-Dstatic=true, docs/static.md):
 * iconv_open, iconv and iconv_close for the conversions linkproof meets, so
 * that a static glibc's iconv never reads gconv-modules (or loads a gconv
 * module) at run time.
 *
 * Owns: the one conversion libarchive asks for while reading tar layers (a
 * pax header's UTF-8 name to the C locale's charset, ANSI_X3.4-1968; linkproof
 * never calls setlocale, so the charset is always that one), its reverse,
 * and the identities of both charsets.
 *
 * Invariants:
 * - The results are glibc's for the same charsets, byte for byte and errno for
 *   errno (tests/static_build.py compares image listings of non-ASCII and
 *   invalid UTF-8 names with the dynamic build, whose iconv is glibc's): ASCII
 *   bytes are copied; at a byte >= 0x80 the conversion stops with EILSEQ, or
 *   with EINVAL when the input ends inside a well-formed UTF-8 sequence; E2BIG
 *   when the output is full; *inbuf and *outbuf point past what was converted.
 * - Any other charset pair, UTF-8 to UTF-8 included, is EINVAL from iconv_open
 *   (libarchive then uses its own conversions), as glibc says for a pair it
 *   does not know.
 * - No state, no allocation: descriptors point at constant tables.
 */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

enum { CS_UTF8, CS_ASCII };

typedef struct {
    int from, to;
} lp_conv;

static const lp_conv convs[2][2] = {
    {{CS_UTF8, CS_UTF8} /* not offered: iconv_open refuses it */, {CS_UTF8, CS_ASCII}},
    {{CS_ASCII, CS_UTF8}, {CS_ASCII, CS_ASCII}},
};

static int charset(const char *name)
{
    static const struct {
        const char *name;
        int cs;
    } names[] = {{"UTF-8", CS_UTF8}, {"UTF8", CS_UTF8}, {"ANSI_X3.4-1968", CS_ASCII},
                 {"ASCII", CS_ASCII}, {"US-ASCII", CS_ASCII}};
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0)
            return names[i].cs;
    return -1;
}

iconv_t iconv_open(const char *tocode, const char *fromcode)
{
    int to = charset(tocode), from = charset(fromcode);
    if (to < 0 || from < 0 || (to == CS_UTF8 && from == CS_UTF8)) {
        errno = EINVAL;
        return (iconv_t)-1;
    }
    return (iconv_t)(uintptr_t)&convs[from][to];
}

int iconv_close(iconv_t cd)
{
    return 0;
}

/* Does p[0..n) (n >= 1, p[0] >= 0x80) end inside a well-formed UTF-8 sequence? */
static bool utf8_incomplete(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return false;
    if (n >= need)
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char b = p[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
            return false;
    }
    return true;
}

size_t iconv(iconv_t cd, char **inbuf, size_t *inleft, char **outbuf, size_t *outleft)
{
    const lp_conv *cv = (const lp_conv *)(uintptr_t)cd;
    if (!cv || (uintptr_t)cd == (uintptr_t)-1) {
        errno = EBADF;
        return (size_t)-1;
    }
    if (!inbuf || !*inbuf) /* reset: no shift state in either charset */
        return 0;
    const unsigned char *in = (const unsigned char *)*inbuf;
    size_t n = *inleft;
    size_t r = 0;
    while (n > 0) {
        if (in[0] >= 0x80) {
            /* ASCII has no such byte; a UTF-8 character >= U+0080 has no ASCII form, and
             * passing one through UTF-8 -> UTF-8 is not needed by any caller: glibc's
             * answer for ASCII output, and a refusal rather than a guess otherwise */
            errno = (cv->from == CS_UTF8 && utf8_incomplete(in, n)) ? EINVAL : EILSEQ;
            r = (size_t)-1;
            break;
        }
        if (!outbuf || !*outbuf || !outleft || *outleft == 0) {
            errno = E2BIG;
            r = (size_t)-1;
            break;
        }
        **outbuf = (char)in[0];
        (*outbuf)++;
        (*outleft)--;
        in++;
        n--;
    }
    *inbuf = (char *)(uintptr_t)in;
    *inleft = n;
    return r;
}
