/*
 * cursor.h - the one bounds-checked reader for untrusted bytes.
 *
 * A cursor reads integers of either byte order, pointers of 4 or 8 bytes,
 * varints and byte runs from (buf, len). The first out-of-range read sets a
 * sticky error recording what was being read and where; every later read
 * returns 0 and does not move. Callers check lp_cur_ok() once after a run of
 * reads. No other code does pointer arithmetic on file data.
 */
#ifndef LP_UTIL_CURSOR_H
#define LP_UTIL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"

typedef struct lp_cur {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    uint64_t base;    /* offset (or address) of buf[0], for messages */
    bool big_endian;
    uint8_t ptr_size; /* 4 or 8 */
    bool bad;         /* sticky */
    size_t bad_pos;   /* where the failing read started */
    const char *what; /* label for the current run of reads */
} lp_cur;

void lp_cur_init(lp_cur *c, const uint8_t *buf, size_t len, uint64_t base, bool big_endian,
                 unsigned ptr_size);
static inline bool lp_cur_ok(const lp_cur *c) { return !c->bad; }
static inline size_t lp_cur_left(const lp_cur *c) { return c->bad ? 0 : c->len - c->pos; }
/* Label the following reads (for the error message); returns c. */
static inline lp_cur *lp_cur_what(lp_cur *c, const char *what) { c->what = what; return c; }

/* Move to absolute position pos within buf (pos == len allowed). */
void lp_cur_seek(lp_cur *c, size_t pos);
void lp_cur_skip(lp_cur *c, size_t n);
uint8_t lp_cur_u8(lp_cur *c);
uint16_t lp_cur_u16(lp_cur *c);
uint32_t lp_cur_u32(lp_cur *c);
uint64_t lp_cur_u64(lp_cur *c);
/* A target pointer: 4 or 8 bytes depending on ptr_size. */
uint64_t lp_cur_ptr(lp_cur *c);
/* An address-sized field: u32 when wide is false, u64 when true. */
uint64_t lp_cur_word(lp_cur *c, bool wide);
/* Go's unsigned LEB128 varint (at most 10 bytes, no overflow). */
uint64_t lp_cur_uvarint(lp_cur *c);
/* Pointer to n bytes in place (NULL on failure), advancing past them. */
const uint8_t *lp_cur_bytes(lp_cur *c, size_t n);

/* Turn the sticky error into an lp_err for source `name`: "'name': truncated <what> at offset 0x..". */
lp_code lp_cur_error(const lp_cur *c, const char *name, lp_err *err);

/*
 * A 32-bit word at p in either byte order, for scans that step through bytes
 * the caller has already bounds-checked (instruction words, table magics).
 */
static inline uint32_t lp_load32(const uint8_t *p, bool big_endian)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Overflow-safe: does [off, off+size) fit inside [0, len)? */
static inline bool lp_range_ok(uint64_t off, uint64_t size, uint64_t len)
{
    return size <= len && off <= len - size;
}

/* Checked multiplication; false on overflow. */
static inline bool lp_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

#endif
