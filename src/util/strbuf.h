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

void lp_sb_add(lp_strbuf *sb, const void *p, size_t n);
void lp_sb_addc(lp_strbuf *sb, char c);
void lp_sb_adds(lp_strbuf *sb, const char *s);
void lp_sb_addf(lp_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string (never NULL unless oom); the buffer is left empty. */
char *lp_sb_take(lp_strbuf *sb);
void lp_sb_release(lp_strbuf *sb);

#endif
