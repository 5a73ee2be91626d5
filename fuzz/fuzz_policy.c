/*
 * fuzz_policy.c - libFuzzer harness for `check --policy`: the input is a
 * policy file (JSON), loaded through lp_policy_load() from a memory file, as
 * a user's file is (non-blocking open, regular-file check, the json limit,
 * jansson, the key rules). Invariants: every error is one line; a policy
 * that loads can be released.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "linkproof/check.h"
#include "linkproof/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int limited;
    if (!limited) {
        /* small enough that the value-count check is met by inputs the fuzzer makes */
        lp_limit_set("json=64K", NULL);
        limited = 1;
    }
    int fd = memfd_create("fuzz-policy", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    lp_policy p;
    memset(&p, 0, sizeof p);
    lp_err e;
    lp_err_clear(&e);
    if (lp_policy_load(&p, path, &e) == LP_OK)
        sink += p.n;
    else if (!e.msg[0] || strchr(e.msg, '\n'))
        __builtin_trap();
    lp_policy_release(&p);
    close(fd);
    return 0;
}
