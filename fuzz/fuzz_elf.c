/*
 * fuzz_elf.c - libFuzzer harness: arbitrary bytes through the whole fact
 * gathering as if they were a file: the object readers (ELF, PE, Mach-O),
 * notes, the dynamic section, relocations, symbols, build-info search and
 * decoding, build IDs, the function table, and the -X value reader (two user
 * targets, so it runs on every input, stripped-binary search included).
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
    static char n1[] = "main.version", v1[] = "1.2.3", n2[] = "example.com/x/internal/v.V";
    const lp_xtarget vars[] = {{n1, v1, LP_XSRC_USER}, {n2, NULL, LP_XSRC_USER}};
    const lp_facts_opts opts = {vars, 2};
    lp_facts *f = NULL;
    lp_facts_from_src_opts(src, &opts, &f, &err);
    lp_facts_free(&f);
    lp_src_free(&src);
    return 0;
}
