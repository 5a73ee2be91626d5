/*
 * escape.c - the one printer for text that came from an input (a path in an
 * image, a section name, a label, an error message naming them), on stdout
 * and stderr alike.
 *
 * Invariant: what it writes is valid UTF-8 with no character a terminal acts
 * on: C0 controls, DEL, C1 controls (U+0080..U+009F, and the raw bytes
 * 0x80..0x9F that 8-bit terminals take for them), the line and paragraph
 * separators and the bidirectional overrides and isolates (which reorder
 * what follows them on screen). Each of those, and every byte that is not
 * part of a well-formed UTF-8 sequence, is written as \xNN per byte; all
 * other text, including non-ASCII letters, is written as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), its code point in *cp; 0 if none. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static bool acts_on_terminal(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
           cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void lp_put_safe_n(FILE *fp, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p && i < n) {
        uint32_t cp = 0;
        size_t len = utf8_seq(p + i, n - i, &cp);
        if (len && !acts_on_terminal(cp)) {
            fwrite(p + i, 1, len, fp);
            i += len;
            continue;
        }
        if (!len)
            len = 1;
        for (size_t k = 0; k < len; k++)
            fprintf(fp, "\\x%02x", p[i + k]);
        i += len;
    }
}

void lp_put_safe(FILE *fp, const char *s)
{
    if (s)
        lp_put_safe_n(fp, s, strlen(s));
}

