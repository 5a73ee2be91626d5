/* strbuf.c - growable byte strings (see strbuf.h). */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(lp_strbuf *sb, size_t more)
{
    if (sb->oom)
        return false;
    if (more > SIZE_MAX - sb->len - 1) {
        sb->oom = true;
        return false;
    }
    size_t need = sb->len + more + 1;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(sb->s, cap);
    if (!p) {
        sb->oom = true;
        return false;
    }
    sb->s = p;
    sb->cap = cap;
    return true;
}

void lp_sb_add_slow(lp_strbuf *sb, const void *p, size_t n)
{
    if (!grow(sb, n))
        return;
    if (n)
        memcpy(sb->s + sb->len, p, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

void lp_sb_adds(lp_strbuf *sb, const char *s) { lp_sb_add(sb, s, strlen(s)); }

void lp_sb_addf(lp_strbuf *sb, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        lp_sb_add(sb, small, (size_t)n);
        return;
    }
    if (!grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *lp_sb_take(lp_strbuf *sb)
{
    if (sb->oom) {
        lp_sb_release(sb);
        return NULL;
    }
    if (!sb->s && !grow(sb, 0))
        return NULL;
    if (!sb->s)
        return NULL;
    sb->s[sb->len] = '\0';
    char *s = sb->s;
    memset(sb, 0, sizeof *sb);
    return s;
}

void lp_sb_release(lp_strbuf *sb)
{
    free(sb->s);
    memset(sb, 0, sizeof *sb);
}
