/*
 * tmpfile.h - an unlinked temporary file for bytes linkproof must keep but
 * not in memory (a compressed image tarball decompressed once, a large file
 * read out of a layer). In $TMPDIR, else /tmp; gone when closed.
 */
#ifndef LP_ROOT_TMPFILE_H
#define LP_ROOT_TMPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"

/* A new descriptor (read-write), or -1 with err set naming @p what. */
int lp_tmpfile(const char *what, lp_err *err);
/* pwrite all of it; LP_OK or LP_ERR_IO naming @p what. */
lp_code lp_tmpfile_write(int fd, uint64_t off, const void *p, size_t n, const char *what, lp_err *err);

#endif
