/*
 * tmpfile.c - unlinked temporary files (see tmpfile.h). O_TMPFILE where the
 * filesystem has it, else mkstemp and unlink at once: no name is left behind
 * either way, and nothing is ever written next to an inspected file.
 */
#include "root/tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lp_tmpfile(const char *what, lp_err *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        char *tmpl = NULL;
        if (asprintf(&tmpl, "%s/linkproof-XXXXXX", dir) < 0) {
            lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            return -1;
        }
        fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd >= 0)
            unlink(tmpl);
        free(tmpl);
    }
    if (fd < 0) {
        int e = errno;
        lp_err_set(err, LP_ERR_IO, "%s: cannot make a temporary file in '%s': %s", what, dir,
                   strerror(e));
        if (err)
            err->sys_errno = e;
    }
    return fd;
}

lp_code lp_tmpfile_write(int fd, uint64_t off, const void *p, size_t n, const char *what, lp_err *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)p + done, n - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            lp_err_set(err, LP_ERR_IO, "%s: cannot write the temporary file: %s", what, strerror(e));
            if (err)
                err->sys_errno = e;
            return LP_ERR_IO;
        }
        done += (size_t)w;
    }
    return LP_OK;
}
