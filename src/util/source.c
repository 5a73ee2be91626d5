/*
 * source.c - byte sources (see linkproof/source.h).
 *
 * A file source keeps one read-only descriptor and answers every request with
 * pread(2), so reading a header costs one system call and nothing else; only
 * regions of LP_MAP_THRESHOLD bytes or more are mapped. A memory source hands
 * out views of the caller's buffer. Every request is range-checked against the
 * size taken at open time, so no request can ask for more than the file holds.
 */
#include "linkproof/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/limits.h"
#include "util/cursor.h"

/* File sources keep the last few 4 KiB-aligned blocks that small reads
 * touched: the file header and program headers share block 0, and the
 * dynamic string table, version tables and notes of a library mostly share
 * one or two blocks, so the small reads that follow cost no system call.
 * Reads larger than a block go straight to pread(2). */
#define BLOCK_SIZE 4096u
#define BLOCKS 8u

typedef struct block {
    uint64_t index; /* offset / BLOCK_SIZE */
    size_t len;     /* bytes valid (short at the end of the file) */
    uint8_t *data;  /* NULL: unused slot */
} block;

struct lp_src {
    int fd;              /* -1 for memory sources */
    const uint8_t *mem;  /* memory sources */
    uint64_t size;
    char *name;
    block blocks[BLOCKS];
    size_t next;         /* the slot to reuse next (round robin) */
    void (*release)(void *ctx); /* memory sources: called when freed */
    void *release_ctx;
};

static lp_code make(lp_src **out, const char *name, lp_err *err)
{
    lp_src *s = calloc(1, sizeof *s);
    if (s)
        s->name = strdup(name ? name : "(memory)");
    if (!s || !s->name) {
        free(s);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    s->fd = -1;
    *out = s;
    return LP_OK;
}

lp_code lp_src_open(lp_src **out, const char *path, lp_err *err)
{
    *out = NULL;
    /* O_NONBLOCK: a FIFO named by mistake must not hang the open */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        lp_err_set(err, LP_ERR_IO, "'%s': cannot open: %s", path, strerror(e));
        if (err)
            err->sys_errno = e;
        return LP_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        lp_err_set(err, LP_ERR_IO, "'%s': cannot stat: %s", path, strerror(e));
        if (err)
            err->sys_errno = e;
        return LP_ERR_IO;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return lp_err_set(err, LP_ERR_INVAL, "'%s': is a directory", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file", path);
    }
    return lp_src_from_fd(out, fd, path, (uint64_t)st.st_size, err);
}

lp_code lp_src_from_fd(lp_src **out, int fd, const char *name, uint64_t size, lp_err *err)
{
    *out = NULL;
    lp_code rc = make(out, name, err);
    if (rc) {
        close(fd);
        return rc;
    }
    (*out)->fd = fd;
    (*out)->size = size;
    return LP_OK;
}

lp_code lp_src_from_mem(lp_src **out, const uint8_t *buf, size_t len, const char *name,
                        lp_err *err)
{
    *out = NULL;
    lp_code rc = make(out, name, err);
    if (rc)
        return rc;
    (*out)->mem = buf;
    (*out)->size = buf ? len : 0;
    return LP_OK;
}

lp_code lp_src_from_mem_release(lp_src **out, const uint8_t *buf, size_t len, const char *name,
                                void (*release)(void *ctx), void *ctx, lp_err *err)
{
    lp_code rc = lp_src_from_mem(out, buf, len, name, err);
    if (rc) {
        if (release)
            release(ctx);
        return rc;
    }
    (*out)->release = release;
    (*out)->release_ctx = ctx;
    return LP_OK;
}

void lp_src_free(lp_src **src)
{
    if (!src || !*src)
        return;
    if ((*src)->release)
        (*src)->release((*src)->release_ctx);
    if ((*src)->fd >= 0)
        close((*src)->fd);
    for (size_t i = 0; i < BLOCKS; i++)
        free((*src)->blocks[i].data);
    free((*src)->name);
    free(*src);
    *src = NULL;
}

uint64_t lp_src_size(const lp_src *src) { return src->size; }
const char *lp_src_name(const lp_src *src) { return src->name; }

/* pread until n bytes or EOF; the file may shrink under us, so short is not an error here */
static lp_code pread_all(lp_src *src, uint64_t off, void *dst, size_t n, size_t *got, lp_err *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(src->fd, (uint8_t *)dst + done, n - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            lp_err_set_at(err, LP_ERR_IO, off + done, "'%s': read failed at offset 0x%llx: %s",
                          src->name, (unsigned long long)(off + done), strerror(e));
            if (err)
                err->sys_errno = e;
            return LP_ERR_IO;
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return LP_OK;
}

/* The cached block with this index, read now if it is not there; NULL on error. */
static const block *get_block(lp_src *src, uint64_t index, lp_err *err)
{
    for (size_t i = 0; i < BLOCKS; i++)
        if (src->blocks[i].data && src->blocks[i].index == index)
            return &src->blocks[i];
    block *b = &src->blocks[src->next];
    src->next = (src->next + 1) % BLOCKS;
    if (!b->data && !(b->data = malloc(BLOCK_SIZE))) {
        lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    b->len = 0;
    b->index = UINT64_MAX;
    size_t got = 0;
    if (pread_all(src, index * BLOCK_SIZE, b->data, BLOCK_SIZE, &got, err) != LP_OK)
        return NULL;
    b->index = index;
    b->len = got;
    return b;
}

lp_code lp_src_read_upto(lp_src *src, uint64_t off, void *dst, size_t n, size_t *got,
                         lp_err *err)
{
    *got = 0;
    if (off >= src->size || n == 0)
        return LP_OK;
    if (n > src->size - off)
        n = (size_t)(src->size - off);
    if (src->fd < 0) {
        memcpy(dst, src->mem + off, n);
        *got = n;
        return LP_OK;
    }
    if (n <= BLOCK_SIZE) {
        /* one or two blocks: copy from the cache, reading what is missing */
        size_t done = 0;
        while (done < n) {
            const block *b = get_block(src, (off + done) / BLOCK_SIZE, err);
            if (!b)
                return err && err->code ? err->code : LP_ERR_IO;
            size_t in = (size_t)((off + done) % BLOCK_SIZE);
            if (in >= b->len)
                break; /* the file ended (or shrank) */
            size_t take = b->len - in < n - done ? b->len - in : n - done;
            memcpy((uint8_t *)dst + done, b->data + in, take);
            done += take;
            if (b->len < BLOCK_SIZE)
                break;
        }
        *got = done;
        return LP_OK;
    }
    return pread_all(src, off, dst, n, got, err);
}

static lp_code truncated(lp_src *src, uint64_t off, size_t n, const char *what, lp_err *err)
{
    return lp_err_set_at(err, LP_ERR_FORMAT, off,
                         "'%s': truncated %s at offset 0x%llx (needs 0x%zx bytes, file has 0x%llx)",
                         src->name, what, (unsigned long long)off, n,
                         (unsigned long long)src->size);
}

lp_code lp_src_read(lp_src *src, uint64_t off, void *dst, size_t n, const char *what,
                    lp_err *err)
{
    if (!lp_range_ok(off, n, src->size))
        return truncated(src, off, n, what, err);
    size_t got = 0;
    lp_code rc = lp_src_read_upto(src, off, dst, n, &got, err);
    if (rc)
        return rc;
    if (got != n)
        return truncated(src, off, n, what, err);
    return LP_OK;
}

lp_code lp_src_region(lp_src *src, uint64_t off, size_t n, const char *what, lp_region *out,
                      lp_err *err)
{
    memset(out, 0, sizeof *out);
    out->off = off;
    if (!lp_range_ok(off, n, src->size))
        return truncated(src, off, n, what, err);
    if (n == 0)
        return LP_OK;
    if (src->fd < 0) {
        out->data = src->mem + off;
        out->len = n;
        return LP_OK;
    }
    if (n >= LP_MAP_THRESHOLD) {
        long pg = sysconf(_SC_PAGESIZE);
        uint64_t pgsz = pg > 0 ? (uint64_t)pg : 4096;
        uint64_t start = off - off % pgsz;
        size_t maplen = (size_t)(off - start) + n;
        void *m = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, src->fd, (off_t)start);
        if (m != MAP_FAILED) {
            out->priv_map = m;
            out->priv_maplen = maplen;
            out->data = (const uint8_t *)m + (off - start);
            out->len = n;
            return LP_OK;
        }
        /* fall back to reading */
    }
    uint8_t *buf = malloc(n);
    if (!buf)
        return lp_err_set(err, LP_ERR_NOMEM, "'%s': out of memory reading %s (0x%zx bytes)",
                          src->name, what, n);
    lp_code rc = lp_src_read(src, off, buf, n, what, err);
    if (rc) {
        free(buf);
        return rc;
    }
    out->priv_heap = buf;
    out->data = buf;
    out->len = n;
    return LP_OK;
}

void lp_region_release(lp_region *r)
{
    if (!r)
        return;
    free(r->priv_heap);
    if (r->priv_map)
        munmap(r->priv_map, r->priv_maplen);
    memset(r, 0, sizeof *r);
}

lp_code lp_fd_read_all(int fd, const char *name, uint64_t max, int limit, char **out, size_t *len,
                       lp_err *err)
{
    *out = NULL;
    *len = 0;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    for (;;) {
        if (n == cap) {
            if (max && cap > max) {
                free(buf);
                return lp_limit_err(err, (lp_limit_id)limit, "'%s': more than %llu bytes", name,
                                    (unsigned long long)max);
            }
            /* never more than one byte past the limit: that byte is how going over is seen */
            size_t ncap = max && cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            lp_err_set(err, LP_ERR_IO, "'%s': cannot read: %s", name, strerror(e));
            if (err)
                err->sys_errno = e;
            return LP_ERR_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (max && n > max) {
        free(buf);
        return lp_limit_err(err, (lp_limit_id)limit, "'%s': more than %llu bytes", name,
                            (unsigned long long)max);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return LP_OK;
}

lp_code lp_file_read_all(const char *path, const char *what, uint64_t max, int limit, char **out,
                         size_t *len, lp_err *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        lp_err_set(err, LP_ERR_IO, "'%s': cannot open %s: %s", path, what, strerror(e));
        if (err)
            err->sys_errno = e;
        return LP_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lp_err_set(err, LP_ERR_INVAL, "'%s': %s is not a regular file", path, what);
    }
    if (max && (uint64_t)st.st_size > max) {
        close(fd);
        return lp_limit_err(err, (lp_limit_id)limit, "'%s': %s of %llu bytes", path, what,
                            (unsigned long long)st.st_size);
    }
    /* a regular file: reads never block, and O_NONBLOCK changes nothing else */
    lp_code rc = lp_fd_read_all(fd, path, max, limit, out, len, err);
    close(fd);
    return rc;
}
