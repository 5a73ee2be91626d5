/*
 * fuzz_osv.c - libFuzzer harness for the vulnerability database's parser: the
 * input is one OSV report, parsed by lp_osv_check() as a report read from a
 * database is (the json limit, jansson, the count and length bounds), and
 * its SEMVER ranges walked; inputs starting with "v" and a newline are two
 * versions to compare instead (lp_semver_cmp, lp_go_semver). Invariants:
 * every error is one line; comparison is antisymmetric.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/limits.h"
#include "linkproof/vulns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile int sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int limited;
    if (!limited) {
        lp_limit_set("json=64K", NULL);
        limited = 1;
    }
    if (size < 4096 && size > 2 && data[0] == 'v' && memchr(data, '\n', size)) {
        char *s = malloc(size + 1);
        if (!s)
            abort();
        memcpy(s, data, size);
        s[size] = '\0';
        /* the newline memchr found (a NUL before it would stop strchr) */
        char *b = memchr(s, '\n', size);
        *b++ = '\0';
        int x = lp_semver_cmp(s, b), y = lp_semver_cmp(b, s);
        if ((x > 0) != (y < 0) || (x == 0) != (y == 0))
            __builtin_trap();
        char buf[64];
        sink += lp_go_semver(b, buf, sizeof buf) + lp_semver_valid(s);
        free(s);
        return 0;
    }
    lp_err e;
    lp_err_clear(&e);
    if (lp_osv_check((const char *)data, size, "fuzz", &e) != LP_OK && (!e.msg[0] || strchr(e.msg, '\n')))
        __builtin_trap();
    return 0;
}
