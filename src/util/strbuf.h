/*
 * strbuf.h - a growable byte string. Allocation failure is sticky (oom) and
 * checked once by the owner; appends after it are no-ops.
 */
#ifndef LP_UTIL_STRBUF_H
#define LP_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lp_strbuf {
    char *s;    /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool oom;
} lp_strbuf;

/* Slow path: grow, then append. */
void lp_sb_add_slow(lp_strbuf *sb, const void *p, size_t n);

/* Append n bytes; the common case (room left) is a copy and no call. */
static inline void lp_sb_add(lp_strbuf *sb, const void *p, size_t n)
{
    if (sb->s && !sb->oom && n < sb->cap - sb->len) {
        if (n)
            __builtin_memcpy(sb->s + sb->len, p, n);
        sb->len += n;
        sb->s[sb->len] = '\0';
        return;
    }
    lp_sb_add_slow(sb, p, n);
}

static inline void lp_sb_addc(lp_strbuf *sb, char c) { lp_sb_add(sb, &c, 1); }
void lp_sb_adds(lp_strbuf *sb, const char *s);
void lp_sb_addf(lp_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string (never NULL unless oom); the buffer is left empty. */
char *lp_sb_take(lp_strbuf *sb);
void lp_sb_release(lp_strbuf *sb);

#endif
