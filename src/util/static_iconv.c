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
 *   bytes are copied; at a byte >= 0x80 the conversion stops with EILSEQ, with
 *   EINVAL when the input ends inside a UTF-8 sequence, or with E2BIG when the
 *   output is full (in glibc's order: utf8_class); *inbuf and *outbuf point
 *   past what was converted. tests/unit/test_static_iconv.c compares every
 *   short input and many random ones with glibc's iconv.
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

/*
 * What glibc's UTF-8 decoder makes of the sequence at p[0..n) (n >= 1, p[0] >= 0x80):
 * a character (well-formed: then it is ASCII's EILSEQ, or E2BIG when the output is
 * full, as glibc's second step, character to ASCII, checks room first), EINVAL (the
 * input ends inside a sequence whose bytes so far are a lead and continuation bytes),
 * or EILSEQ (ill-formed). Its rules, not the Unicode standard's: lead bytes 0xc2-0xdf,
 * 0xe0-0xef, 0xf0-0xf7, 0xf8-0xfb and 0xfc-0xfd start sequences of 2 to 6; overlong
 * forms, surrogates, values over 0x10ffff and 5- and 6-byte forms are ill-formed once
 * complete.
 */
enum { U8_CHAR, U8_INCOMPLETE, U8_ILLFORMED };

static int utf8_class(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t cnt;
    uint32_t ch;
    if (c >= 0xc2 && c <= 0xdf)
        cnt = 2, ch = c & 0x1fu;
    else if ((c & 0xf0) == 0xe0)
        cnt = 3, ch = c & 0x0fu;
    else if ((c & 0xf8) == 0xf0)
        cnt = 4, ch = c & 0x07u;
    else if ((c & 0xfc) == 0xf8) /* the 5- and 6-byte forms of old UTF-8 */
        cnt = 5, ch = c & 0x03u;
    else if ((c & 0xfe) == 0xfc)
        cnt = 6, ch = c & 0x01u;
    else
        return U8_ILLFORMED;
    if (n < cnt) {
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return U8_ILLFORMED;
        return U8_INCOMPLETE;
    }
    for (size_t i = 1; i < cnt; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return U8_ILLFORMED;
        ch = (ch << 6) | (p[i] & 0x3fu);
    }
    if ((cnt > 2 && (ch >> (5 * cnt - 4)) == 0) || (ch >= 0xd800 && ch <= 0xdfff))
        return U8_ILLFORMED;
    return U8_CHAR;
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
        bool full = !outbuf || !*outbuf || !outleft || *outleft == 0;
        if (in[0] >= 0x80) {
            /* ASCII has no such byte, and a UTF-8 character >= U+0080 no ASCII form (the
             * only pairs with UTF-8 input have ASCII output); which error is glibc's */
            int k = cv->from == CS_UTF8 ? utf8_class(in, n) : U8_ILLFORMED;
            errno = k == U8_INCOMPLETE ? EINVAL : k == U8_CHAR && full ? E2BIG : EILSEQ;
            r = (size_t)-1;
            break;
        }
        if (full) {
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
