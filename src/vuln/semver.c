/*
 * semver.c - semantic versions as the Go vulnerability database and Go
 * modules use them: MAJOR.MINOR.PATCH with an optional -prerelease and an
 * ignored +build (so +incompatible compares as its base version), a leading
 * "v" optional; Go pseudo-versions are ordinary prereleases. Numbers are
 * compared as digit strings, so no input overflows. Go toolchain versions
 * (go1.21rc2) are mapped to semver the way govulncheck does (1.21.0-rc.2).
 *
 * Invariant: pure functions over NUL-terminated strings; nothing allocated.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "linkproof/vulns.h"

typedef struct sv {
    const char *num[3];
    size_t num_len[3];
    const char *pre; /* after '-', NULL when none */
    size_t pre_len;
} sv;

static size_t digits(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    return n;
}

static bool parse(const char *s, sv *v)
{
    memset(v, 0, sizeof *v);
    if (!s)
        return false;
    if (*s == 'v')
        s++;
    for (int i = 0; i < 3; i++) {
        size_t n = digits(s);
        if (n == 0 || (n > 1 && s[0] == '0'))
            return false;
        v->num[i] = s;
        v->num_len[i] = n;
        s += n;
        if (i < 2) {
            if (*s != '.')
                return false;
            s++;
        }
    }
    if (*s == '-') {
        s++;
        v->pre = s;
        size_t n = strcspn(s, "+");
        v->pre_len = n;
        if (n == 0)
            return false;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (!(isalnum((unsigned char)c) || c == '-' || c == '.'))
                return false;
            if (c == '.' && (i == 0 || i + 1 == n || s[i + 1] == '.'))
                return false;
        }
        s += n;
    }
    if (*s == '+') {
        s++;
        if (!*s)
            return false;
        for (; *s; s++)
            if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '.'))
                return false;
    }
    return *s == '\0';
}

static int cmp_num(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl)
        return al < bl ? -1 : 1;
    int c = memcmp(a, b, al);
    return (c > 0) - (c < 0);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

static int cmp_pre(const sv *a, const sv *b)
{
    if (!a->pre || !b->pre)
        return a->pre ? -1 : b->pre ? 1 : 0;
    const char *x = a->pre, *xe = a->pre + a->pre_len;
    const char *y = b->pre, *ye = b->pre + b->pre_len;
    while (x < xe && y < ye) {
        const char *xd = memchr(x, '.', (size_t)(xe - x)), *yd = memchr(y, '.', (size_t)(ye - y));
        size_t xl = (size_t)((xd ? xd : xe) - x), yl = (size_t)((yd ? yd : ye) - y);
        bool xn = all_digits(x, xl), yn = all_digits(y, yl);
        int c;
        if (xn && yn)
            c = cmp_num(x, xl, y, yl);
        else if (xn || yn)
            c = xn ? -1 : 1;
        else {
            size_t m = xl < yl ? xl : yl;
            c = memcmp(x, y, m);
            c = c ? (c > 0) - (c < 0) : (xl > yl) - (xl < yl);
        }
        if (c)
            return c;
        x += xl + (xd ? 1 : 0);
        y += yl + (yd ? 1 : 0);
        if (!xd)
            x = xe;
        if (!yd)
            y = ye;
    }
    return (x < xe) - (y < ye);
}

bool lp_semver_valid(const char *v)
{
    sv s;
    return parse(v, &s);
}

int lp_semver_cmp(const char *a, const char *b)
{
    sv x, y;
    bool xa = parse(a, &x), yb = parse(b, &y);
    if (!xa || !yb)
        return xa - yb;
    for (int i = 0; i < 3; i++) {
        int c = cmp_num(x.num[i], x.num_len[i], y.num[i], y.num_len[i]);
        if (c)
            return c;
    }
    return cmp_pre(&x, &y);
}

bool lp_go_semver(const char *go, char *buf, size_t n)
{
    if (!go || strncmp(go, "go", 2) != 0)
        return false;
    const char *s = go + 2;
    char num[3][24] = {"0", "0", "0"};
    int k = 0;
    for (; k < 3; k++) {
        size_t d = digits(s);
        if (d == 0 || d >= sizeof num[0])
            return false;
        memcpy(num[k], s, d);
        num[k][d] = '\0';
        s += d;
        if (*s != '.')
            break;
        s++;
    }
    const char *pre = NULL;
    char prebuf[48] = "";
    if (strncmp(s, "rc", 2) == 0 || strncmp(s, "beta", 4) == 0 || strncmp(s, "alpha", 5) == 0) {
        size_t w = strspn(s, "abcdefghijklmnopqrstuvwxyz");
        size_t d = digits(s + w);
        if (d == 0 || w + d + 2 > sizeof prebuf)
            return false;
        snprintf(prebuf, sizeof prebuf, "%.*s.%.*s", (int)w, s, (int)d, s + w);
        pre = prebuf;
        s += w + d;
    }
    /* "go1.22.0 X:boringcrypto", "go1.21.0-bigcorp": the version is what comes first */
    if (*s && *s != ' ' && *s != '-' && *s != '+')
        return false;
    int w = snprintf(buf, n, "%s.%s.%s%s%s", num[0], num[1], num[2], pre ? "-" : "", pre ? pre : "");
    return w > 0 && (size_t)w < n;
}
