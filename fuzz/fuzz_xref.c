/*
 * fuzz_xref.c - libFuzzer harness for the instruction decoders of the -X
 * overwrite scan (src/go/xref.c): the first byte picks the architecture, the
 * second the byte order, the next eight the header address; the rest is code
 * at a fixed address. Every decoder must stay inside the code it is given.
 * Seeds: fuzz/corpus/xref (init functions cut from real Go binaries).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "go/xref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const arches[] = {"amd64",  "386",      "arm64",    "arm",     "riscv64",
                                     "mips",   "mipsle",   "mips64",   "mips64le", "loong64",
                                     "ppc64",  "ppc64le",  "s390x"};
static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 10)
        return 0;
    const lp_xref_arch *a = lp_xref_arch_for(arches[data[0] % (sizeof arches / sizeof arches[0])]);
    bool be = data[1] & 1;
    uint64_t lo = 0;
    for (int i = 0; i < 8; i++)
        lo = lo << 8 | data[2 + i];
    /* keep the header near the code sometimes, so PC-relative forms can reach it */
    if (data[1] & 2)
        lo = 0x400000 + (lo & 0xFFFFF);
    const uint8_t *code = data + 10;
    size_t n = size - 10;
    sink += lp_xref_scan(a, be, code, n, 0x400000, lo, lo + 16, lo + 8);
    sink += lp_xref_scan(a, be, code, n, UINT64_MAX - n, lo, lo + 16, lo + 8);
    return 0;
}
