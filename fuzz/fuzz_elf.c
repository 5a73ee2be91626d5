/*
 * fuzz_elf.c - libFuzzer harness: arbitrary bytes through the whole fact
 * gathering (ELF reader, notes, dynamic section, build-info search and
 * decoding, build IDs) as if they were a file.
 */
#include <stddef.h>
#include <stdint.h>

#include "linkproof/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_src *src = NULL;
    lp_err err;
    if (lp_src_from_mem(&src, data, size, "fuzz", &err) != LP_OK)
        return 0;
    lp_facts *f = NULL;
    lp_facts_from_src(src, &f, &err);
    lp_facts_free(&f);
    lp_src_free(&src);
    return 0;
}
