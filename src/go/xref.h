/*
 * xref.h - internal: which accesses a function's machine code makes to one
 * address range (a string variable's header), for the -X overwrite scan.
 */
#ifndef LP_GO_XREF_H
#define LP_GO_XREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    LP_XREF_LOAD = 1u,     /**< a load from the range */
    LP_XREF_STORE = 2u,    /**< a store into the range */
    LP_XREF_ADDR = 4u,     /**< the address computed and not consumed by a decoded load or store */
    LP_XREF_LOAD_LEN = 8u, /**< a load that covers the length word (a read of the value itself) */
};

typedef struct lp_xref_arch lp_xref_arch;

/** The decoder for GOARCH @p goarch, or NULL when its code is not analysed. */
const lp_xref_arch *lp_xref_arch_for(const char *goarch);

/** The architectures analysed, comma separated, for documentation and messages. */
const char *lp_xref_arch_list(void);

/**
 * Scan @p n bytes of code that start at address @p pc for accesses to
 * [lo, hi); @p len_at is the address of the string's length word. Returns
 * LP_XREF_* bits. Reads only code[0..n); never fails.
 */
unsigned lp_xref_scan(const lp_xref_arch *a, bool big_endian, const uint8_t *code, size_t n,
                      uint64_t pc, uint64_t lo, uint64_t hi, uint64_t len_at);

#endif
