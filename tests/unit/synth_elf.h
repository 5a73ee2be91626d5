/*
 * synth_elf.h - build small ELF images in memory for unit tests: a header,
 * one read-write PT_LOAD holding caller data at a fixed address, and
 * optionally a PT_INTERP and a PT_DYNAMIC. Test-only; no bounds cleverness.
 */
#ifndef LP_TEST_SYNTH_ELF_H
#define LP_TEST_SYNTH_ELF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SYN_DATA_OFF 0x200u
#define SYN_VADDR 0x10000u

typedef struct syn {
    uint8_t *b;
    size_t len;
    bool wide, be;
} syn;

static inline void syn_put(syn *s, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned sh = s->be ? 8 * (n - 1 - i) : 8 * i;
        s->b[off + i] = (uint8_t)(v >> sh);
    }
}

/* An ELF with one RW PT_LOAD mapping data[0..n) at SYN_VADDR (file offset SYN_DATA_OFF). */
static inline syn syn_elf(bool wide, bool be, uint16_t machine, const uint8_t *data, size_t n)
{
    syn s = {calloc(1, SYN_DATA_OFF + n), SYN_DATA_OFF + n, wide, be};
    memcpy(s.b, "\x7f" "ELF", 4);
    s.b[4] = wide ? 2 : 1;
    s.b[5] = be ? 2 : 1;
    s.b[6] = 1;
    syn_put(&s, 16, 2, 2);       /* ET_EXEC */
    syn_put(&s, 18, machine, 2);
    syn_put(&s, 20, 1, 4);
    size_t ph = wide ? 64 : 52;
    if (wide) {
        syn_put(&s, 32, ph, 8);  /* phoff */
        syn_put(&s, 54, 56, 2);  /* phentsize */
        syn_put(&s, 56, 1, 2);   /* phnum */
        syn_put(&s, ph + 0, 1, 4);            /* PT_LOAD */
        syn_put(&s, ph + 4, 6, 4);            /* RW */
        syn_put(&s, ph + 8, SYN_DATA_OFF, 8);
        syn_put(&s, ph + 16, SYN_VADDR, 8);
        syn_put(&s, ph + 32, n, 8);
        syn_put(&s, ph + 40, n, 8);
    } else {
        syn_put(&s, 28, ph, 4);
        syn_put(&s, 42, 32, 2);
        syn_put(&s, 44, 1, 2);
        syn_put(&s, ph + 0, 1, 4);
        syn_put(&s, ph + 4, SYN_DATA_OFF, 4);
        syn_put(&s, ph + 8, SYN_VADDR, 4);
        syn_put(&s, ph + 16, n, 4);
        syn_put(&s, ph + 20, n, 4);
        syn_put(&s, ph + 24, 6, 4);
    }
    memcpy(s.b + SYN_DATA_OFF, data, n);
    return s;
}

#endif
