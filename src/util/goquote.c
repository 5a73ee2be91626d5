/*
 * goquote.c - Go's strconv quoting rules, to the byte, for build-info text.
 *
 * `go version -m` re-quotes build settings with strconv.Quote and parses them
 * with strconv.Unquote; linkproof must do the same to print identical lines
 * and to reject the same malformed lines. UTF-8 is decoded as Go's
 * utf8.DecodeRune does (invalid sequences are one byte of U+FFFD).
 */
#include "util/goquote.h"

#include <stdint.h>

#include "util/goprint_table.h"

#define RUNE_ERROR 0xFFFDu

/* utf8.DecodeRune: the rune and its width; (RUNE_ERROR, 1) when invalid. */
static unsigned decode_rune(const unsigned char *s, size_t n, size_t *width)
{
    *width = 1;
    if (n == 0)
        return RUNE_ERROR;
    unsigned c = s[0];
    if (c < 0x80)
        return c;
    unsigned need, min, r;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, min = 0x80, r = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, min = 0x800, r = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, min = 0x10000, r = c & 0x07;
    else
        return RUNE_ERROR;
    if (n < need + 1)
        return RUNE_ERROR;
    for (unsigned i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return RUNE_ERROR;
        r = (r << 6) | (s[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        return RUNE_ERROR;
    *width = need + 1;
    return r;
}

static void encode_rune(lp_strbuf *sb, unsigned r)
{
    char b[4];
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = RUNE_ERROR;
    if (r < 0x80) {
        lp_sb_addc(sb, (char)r);
    } else if (r < 0x800) {
        b[0] = (char)(0xC0 | (r >> 6)), b[1] = (char)(0x80 | (r & 0x3F));
        lp_sb_add(sb, b, 2);
    } else if (r < 0x10000) {
        b[0] = (char)(0xE0 | (r >> 12)), b[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        b[2] = (char)(0x80 | (r & 0x3F));
        lp_sb_add(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (r >> 18)), b[1] = (char)(0x80 | ((r >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((r >> 6) & 0x3F)), b[3] = (char)(0x80 | (r & 0x3F));
        lp_sb_add(sb, b, 4);
    }
}

bool lp_go_isprint(unsigned r)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7f;
    size_t lo = 0, hi = GOPRINT_NRANGES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r > goprint_ranges[mid].hi)
            lo = mid + 1;
        else if (r < goprint_ranges[mid].lo)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* strconv.appendQuotedRuneWith for one rune */
static void quote_rune(lp_strbuf *sb, unsigned r, char q)
{
    static const char hex[] = "0123456789abcdef";
    {
        if (r == (unsigned char)q || r == '\\') {
            lp_sb_addc(sb, '\\');
            lp_sb_addc(sb, (char)r);
        } else if (lp_go_isprint(r)) {
            encode_rune(sb, r);
        } else {
            switch (r) {
            case '\a': lp_sb_adds(sb, "\\a"); break;
            case '\b': lp_sb_adds(sb, "\\b"); break;
            case '\f': lp_sb_adds(sb, "\\f"); break;
            case '\n': lp_sb_adds(sb, "\\n"); break;
            case '\r': lp_sb_adds(sb, "\\r"); break;
            case '\t': lp_sb_adds(sb, "\\t"); break;
            case '\v': lp_sb_adds(sb, "\\v"); break;
            default:
                if (r < ' ' || r == 0x7f)
                    lp_sb_addf(sb, "\\x%c%c", hex[r >> 4], hex[r & 15]);
                else if (r < 0x10000)
                    lp_sb_addf(sb, "\\u%04x", r);
                else
                    lp_sb_addf(sb, "\\U%08x", r);
            }
        }
    }
}

void lp_go_quote(lp_strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    lp_sb_addc(sb, '"');
    for (size_t i = 0; i < n;) {
        /* runs of plain printable ASCII are copied as they are */
        size_t j = i;
        while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\')
            j++;
        if (j > i) {
            lp_sb_add(sb, p + i, j - i);
            i = j;
            continue;
        }
        size_t w;
        unsigned r = decode_rune(p + i, n - i, &w);
        if (w == 1 && r == RUNE_ERROR) {
            lp_sb_addf(sb, "\\x%c%c", hex[p[i] >> 4], hex[p[i] & 15]);
            i++;
            continue;
        }
        i += w;
        quote_rune(sb, r, '"');
    }
    lp_sb_addc(sb, '"');
}

void lp_go_quote_rune(lp_strbuf *sb, unsigned r)
{
    lp_sb_addc(sb, '\'');
    quote_rune(sb, r, '\'');
    lp_sb_addc(sb, '\'');
}

static int unhex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * strconv.UnquoteChar for quote '"': decode one character at s[*i].
 * Returns false on syntax error.
 */
static bool unquote_char(const unsigned char *s, size_t n, size_t *i, lp_strbuf *out)
{
    unsigned char c = s[*i];
    if (c == '"')
        return false;
    if (c >= 0x80) {
        size_t w;
        unsigned r = decode_rune(s + *i, n - *i, &w);
        *i += w;
        if (out)
            encode_rune(out, r);
        return true;
    }
    if (c != '\\') {
        (*i)++;
        if (out)
            lp_sb_addc(out, (char)c);
        return true;
    }
    if (n - *i <= 1)
        return false;
    c = s[*i + 1];
    *i += 2;
    unsigned v = 0;
    switch (c) {
    case 'a': v = '\a'; break;
    case 'b': v = '\b'; break;
    case 'f': v = '\f'; break;
    case 'n': v = '\n'; break;
    case 'r': v = '\r'; break;
    case 't': v = '\t'; break;
    case 'v': v = '\v'; break;
    case '\\': v = '\\'; break;
    case '"': v = '"'; break;
    case 'x':
    case 'u':
    case 'U': {
        size_t k = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        if (n - *i < k)
            return false;
        for (size_t j = 0; j < k; j++) {
            int h = unhex(s[*i + j]);
            if (h < 0)
                return false;
            v = (v << 4) | (unsigned)h;
        }
        *i += k;
        if (c == 'x') {
            if (out)
                lp_sb_addc(out, (char)v); /* one byte, possibly not UTF-8 */
            return true;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return false;
        if (out)
            encode_rune(out, v);
        return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        v = c - '0';
        if (n - *i < 2)
            return false;
        for (size_t j = 0; j < 2; j++) {
            unsigned d = (unsigned)s[*i + j] - '0';
            if (d > 7)
                return false;
            v = (v << 3) | d;
        }
        *i += 2;
        if (v > 255)
            return false;
        if (out)
            lp_sb_addc(out, (char)v);
        return true;
    default:
        return false;
    }
    if (out)
        lp_sb_addc(out, (char)v);
    return true;
}

/* strconv.unquote for '"' and '`': length of the literal, 0 on error; unescaped into out. */
static size_t unquote(const char *str, size_t n, lp_strbuf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n < 2)
        return 0;
    unsigned char q = s[0];
    if (q == '`') {
        for (size_t i = 1; i < n; i++) {
            if (s[i] == '`')
                return i + 1;
            if (out && s[i] != '\r')
                lp_sb_addc(out, (char)s[i]);
        }
        return 0;
    }
    if (q != '"')
        return 0;
    size_t i = 1;
    while (i < n && s[i] != '"') {
        if (s[i] == '\n')
            return 0;
        if (!unquote_char(s, n, &i, out))
            return 0;
    }
    if (i >= n)
        return 0;
    return i + 1;
}

size_t lp_go_quoted_prefix(const char *s, size_t n) { return unquote(s, n, NULL); }

bool lp_go_unquote(lp_strbuf *out, const char *s, size_t n)
{
    size_t used = unquote(s, n, out);
    return used != 0 && used == n;
}
