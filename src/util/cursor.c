/*
 * cursor.c - bounds-checked reads with a sticky error (see cursor.h).
 * Invariant: pos <= len always; once bad is set nothing moves.
 */
#include "util/cursor.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "get() assumes a little-endian host; add the big-endian swap"
#endif

#include <string.h>

void lp_cur_init(lp_cur *c, const uint8_t *buf, size_t len, uint64_t base, bool big_endian,
                 unsigned ptr_size)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->len = buf ? len : 0;
    c->base = base;
    c->big_endian = big_endian;
    c->ptr_size = (uint8_t)(ptr_size == 4 ? 4 : 8);
    c->what = "data";
}

static bool take(lp_cur *c, size_t n)
{
    if (c->bad)
        return false;
    if (n > c->len - c->pos) {
        c->bad = true;
        c->bad_pos = c->pos;
        return false;
    }
    return true;
}

void lp_cur_seek(lp_cur *c, size_t pos)
{
    if (c->bad)
        return;
    if (pos > c->len) {
        c->bad = true;
        c->bad_pos = pos;
        return;
    }
    c->pos = pos;
}

void lp_cur_skip(lp_cur *c, size_t n)
{
    if (take(c, n))
        c->pos += n;
}

static uint64_t get(lp_cur *c, size_t n)
{
    if (!take(c, n))
        return 0;
    const uint8_t *p = c->buf + c->pos;
    c->pos += n;
    /* fixed-size loads compile to one move (and a byte swap) */
    switch (n) {
    case 1: return p[0];
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return c->big_endian ? (uint16_t)((v >> 8) | (v << 8)) : v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return c->big_endian ? __builtin_bswap32(v) : v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return c->big_endian ? __builtin_bswap64(v) : v;
    }
    }
}

uint8_t lp_cur_u8(lp_cur *c) { return (uint8_t)get(c, 1); }
uint16_t lp_cur_u16(lp_cur *c) { return (uint16_t)get(c, 2); }
uint32_t lp_cur_u32(lp_cur *c) { return (uint32_t)get(c, 4); }
uint64_t lp_cur_u64(lp_cur *c) { return get(c, 8); }
uint64_t lp_cur_ptr(lp_cur *c) { return get(c, c->ptr_size); }
uint64_t lp_cur_word(lp_cur *c, bool wide) { return get(c, wide ? 8 : 4); }

uint64_t lp_cur_uvarint(lp_cur *c)
{
    uint64_t v = 0;
    size_t start = c->pos;
    for (unsigned i = 0, shift = 0; i < 10; i++, shift += 7) {
        if (!take(c, 1))
            return 0;
        uint8_t b = c->buf[c->pos++];
        /* the tenth byte may only carry the top bit of a uint64 */
        if (i == 9 && b > 1)
            break;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = true;
    c->bad_pos = start;
    return 0;
}

const uint8_t *lp_cur_bytes(lp_cur *c, size_t n)
{
    if (!take(c, n))
        return NULL;
    const uint8_t *p = c->buf + c->pos;
    c->pos += n;
    return p;
}

lp_code lp_cur_error(const lp_cur *c, const char *name, lp_err *err)
{
    if (!c->bad)
        return LP_OK;
    return lp_err_set_at(err, LP_ERR_FORMAT, c->base + c->bad_pos,
                         "'%s': truncated %s at offset 0x%llx", name, c->what,
                         (unsigned long long)(c->base + c->bad_pos));
}
