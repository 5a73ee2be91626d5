/*
 * fuzz_cgroup.c - libFuzzer harness for the exporter's reading of
 * /proc/PID/cgroup (lp_cgroup_parse: lines of ID:CONTROLLERS:PATH, the
 * container id as the last run of 64 hex digits of a path). The input is the
 * file's text, cut at its first NUL as the kernel's never holds one.
 * Invariants: the id is "" or exactly 64 lowercase hex digits; a NULL prefix
 * always matches; the empty prefix matches whenever a line has a path.
 * lp_cgroup_path: the path it shows is a bounded copy of a piece of the text.
 */
#include <stdbool.h>
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
    /* the path shown: NUL-terminated within its buffer, a substring of the text, and "" on false */
    char path[64];
    bool have = lp_cgroup_path(text, path, sizeof path);
    if (strlen(path) >= sizeof path || (!have && path[0]) || (path[0] && !strstr(text, path)))
        abort();
    char big[LP_CGROUP_MAX + 1];
    if (lp_cgroup_path(text, big, sizeof big) != have || strncmp(big, path, strlen(path)) != 0)
        abort();
    free(text);
    return 0;
}
