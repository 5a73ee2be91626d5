/*
 * fuzz_cgroup.c - libFuzzer harness for the exporter's reading of
 * /proc/PID/cgroup (lp_cgroup_parse: lines of ID:CONTROLLERS:PATH, the
 * container id as the last run of 64 hex digits of a path). The input is the
 * file's text, cut at its first NUL as the kernel's never holds one.
 * Invariants: the id is "" or exactly 64 lowercase hex digits; a NULL prefix
 * always matches; the empty prefix matches whenever a line has a path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char id[65];
    if (!lp_cgroup_parse(text, NULL, id))
        abort();
    size_t n = strlen(id);
    if (n != 0 && n != 64)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", id[i]))
            abort();
    char id2[65];
    lp_cgroup_parse(text, "/kubepods", id2);
    if (strcmp(id, id2) != 0)
        abort();
    free(text);
    return 0;
}
