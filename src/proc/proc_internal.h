/*
 * proc_internal.h - the /proc readers below their /proc/PID directory, for
 * the fuzz harness (fuzz/fuzz_proc.c), which hands them a directory of its
 * own making: the same code reads status, limits, net/netstat, net/tcp{,6},
 * the fd links and maps, only not from the kernel.
 */
#ifndef LP_PROC_INTERNAL_H
#define LP_PROC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linkproof/object.h"
#include "linkproof/probe.h"

/* Whether @p shown (n bytes: a maps line's path field, a link's target) names @p path: the same,
 * or the same followed by the kernel's " (deleted)" marker of an unlinked file. */
bool lp_proc_path_is(const char *shown, size_t n, const char *path);

/* lp_probe_read_from() over an open /proc/PID directory (not closed). */
lp_code lp_probe_read_dir(int dirfd, int pid, lp_probe_source src, lp_probe **out, lp_err *err);

/* The load bias from a maps file @p f (see fingerprint.c): the mapping of file offset 0 of
 * the file with inode @p ino or path @p exe; @p seg_vaddr is that segment's address. */
bool lp_maps_bias(FILE *f, uint64_t ino, const char *exe, uint64_t seg_vaddr, uint64_t *bias);

#endif
