/*
 * decomp.c - gzip and zstd decompression of image data, with the limits (see
 * decomp.h).
 *
 * Invariants: output comes in chunks of at most OUT_SIZE bytes, and before
 * each chunk is handed out the image's budget ("decompressed") and the
 * stream's ratio ("ratio", once LP_DECOMP_RATIO_GRACE bytes are out) are
 * checked, so no limit is passed by more than one chunk; a zstd frame that
 * asks for a window over "zstd-window" is refused before anything is
 * allocated for it (ZSTD_d_windowLogMax); the decoders' memory is freed with
 * the stream. gzip members may follow one another (as gzip -c a b does);
 * bytes after the last member that are not another member are ignored, as
 * gzip(1) and libarchive do. A stream that ends inside a member or frame is
 * truncated, an error.
 */
#include "root/decomp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "linkproof/limits.h"

#define OUT_SIZE (64u * 1024u)

enum kind { K_UNKNOWN, K_NONE, K_GZIP, K_ZSTD };

struct lp_dstream {
    lp_dsrc_fn src;
    void *ctx;
    char what[256];
    lp_dbudget *budget;
    enum kind kind;
    const uint8_t *in;  /* compressed bytes not consumed yet */
    size_t in_len;
    bool in_eof;
    uint64_t in_total, out_total;
    bool member_open;   /* gzip: inside a member; zstd: inside a frame */
    bool done;
    z_stream z;
    bool z_init;
    ZSTD_DCtx *zd;
    uint8_t out[OUT_SIZE];
};

static lp_code corrupt(lp_dstream *d, lp_err *err, const char *why)
{
    return lp_err_set(err, LP_ERR_FORMAT, "%s: %s", d->what, why);
}

/* More compressed input; false at the end or on error (*failed). */
static bool refill(lp_dstream *d, bool *failed, lp_err *err)
{
    *failed = false;
    if (d->in_len || d->in_eof)
        return d->in_len > 0;
    const void *p = NULL;
    long got = d->src(d->ctx, &p, err);
    if (got < 0) {
        *failed = true;
        return false;
    }
    if (got == 0) {
        d->in_eof = true;
        return false;
    }
    d->in = p;
    d->in_len = (size_t)got;
    d->in_total += (uint64_t)got;
    return true;
}

lp_code lp_dstream_open(lp_dstream **out, lp_dsrc_fn src, void *ctx, const char *what,
                        lp_dbudget *budget, lp_err *err)
{
    *out = NULL;
    lp_dstream *d = calloc(1, sizeof *d);
    if (!d)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    d->src = src;
    d->ctx = ctx;
    d->budget = budget;
    snprintf(d->what, sizeof d->what, "%s", what);
    *out = d;
    return LP_OK;
}

const char *lp_dstream_kind(const lp_dstream *d)
{
    return d->kind == K_GZIP ? "gzip" : d->kind == K_ZSTD ? "zstd" : "none";
}

int lp_dstream_is_plain(const lp_dstream *d) { return d->kind == K_NONE; }

void lp_dstream_close(lp_dstream **pd)
{
    if (!pd || !*pd)
        return;
    lp_dstream *d = *pd;
    if (d->z_init)
        inflateEnd(&d->z);
    ZSTD_freeDCtx(d->zd);
    free(d);
    *pd = NULL;
}

/* The first bytes decide; a magic split over two reads is not expected (sources give >= 4 KiB). */
static lp_code detect(lp_dstream *d, lp_err *err)
{
    bool failed;
    if (!refill(d, &failed, err))
        return failed ? (err && err->code ? err->code : LP_ERR_IO) : (d->kind = K_NONE, LP_OK);
    const uint8_t *p = d->in;
    if (d->in_len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        d->kind = K_GZIP;
        if (inflateInit2(&d->z, 15 + 16) != Z_OK)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        d->z_init = true;
    } else if (d->in_len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
        d->kind = K_ZSTD;
        d->zd = ZSTD_createDCtx();
        if (!d->zd)
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        uint64_t wmax = lp_limit(LP_LIMIT_ZSTD_WINDOW);
        int wlog = ZSTD_WINDOWLOG_MAX;
        if (wmax) {
            wlog = 10; /* the smallest window zstd has */
            while (wlog < ZSTD_WINDOWLOG_MAX && ((uint64_t)1 << (wlog + 1)) <= wmax)
                wlog++;
        }
        ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, wlog);
    } else {
        d->kind = K_NONE;
    }
    return LP_OK;
}

/* The limits, checked before @p n more bytes of output are handed out. */
static lp_code charge(lp_dstream *d, size_t n, lp_err *err)
{
    d->out_total += n;
    if (d->budget) {
        d->budget->used += n;
        uint64_t max = lp_limit(LP_LIMIT_DECOMPRESSED);
        if (max && d->budget->used > max)
            return lp_limit_err(err, LP_LIMIT_DECOMPRESSED, "%s: more than %llu bytes decompressed for "
                                "this image",
                                d->what, (unsigned long long)max);
    }
    uint64_t ratio = lp_limit(LP_LIMIT_RATIO);
    if (ratio && d->out_total > LP_DECOMP_RATIO_GRACE && d->in_total &&
        d->out_total / d->in_total >= ratio)
        return lp_limit_err(err, LP_LIMIT_RATIO, "%s: %llu bytes out of %llu compressed (%s)", d->what,
                            (unsigned long long)d->out_total, (unsigned long long)d->in_total,
                            lp_dstream_kind(d));
    return LP_OK;
}

static long read_gzip(lp_dstream *d, lp_err *err)
{
    for (;;) {
        bool failed;
        if (!d->member_open) {
            /* between members: another one, or the end */
            if (!refill(d, &failed, err))
                return failed ? -1 : 0;
            if (d->in_len < 2 || d->in[0] != 0x1f || d->in[1] != 0x8b) {
                d->done = true; /* trailing bytes that are not a member: ignored, as gzip does */
                return 0;
            }
            inflateReset(&d->z);
            d->member_open = true;
        }
        if (!refill(d, &failed, err)) {
            if (failed)
                return -1;
            corrupt(d, err, "the gzip stream is truncated");
            return -1;
        }
        d->z.next_in = (Bytef *)(uintptr_t)d->in;
        d->z.avail_in = (uInt)(d->in_len > UINT32_MAX ? UINT32_MAX : d->in_len);
        d->z.next_out = d->out;
        d->z.avail_out = OUT_SIZE;
        int zr = inflate(&d->z, Z_NO_FLUSH);
        size_t used = (size_t)(d->z.next_in - (const Bytef *)d->in);
        d->in += used;
        d->in_len -= used;
        size_t n = OUT_SIZE - d->z.avail_out;
        if (zr == Z_STREAM_END)
            d->member_open = false;
        else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            char why[160];
            snprintf(why, sizeof why, "corrupt gzip data (%s)", d->z.msg ? d->z.msg : "inflate failed");
            corrupt(d, err, why);
            return -1;
        }
        if (n) {
            if (charge(d, n, err))
                return -1;
            return (long)n;
        }
    }
}

static long read_zstd(lp_dstream *d, lp_err *err)
{
    for (;;) {
        bool failed;
        if (!refill(d, &failed, err)) {
            if (failed)
                return -1;
            if (d->member_open) {
                corrupt(d, err, "the zstd stream is truncated");
                return -1;
            }
            d->done = true;
            return 0;
        }
        ZSTD_inBuffer in = {d->in, d->in_len, 0};
        ZSTD_outBuffer out = {d->out, OUT_SIZE, 0};
        size_t r = ZSTD_decompressStream(d->zd, &out, &in);
        d->in += in.pos;
        d->in_len -= in.pos;
        if (ZSTD_isError(r)) {
            if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
                lp_limit_err(err, LP_LIMIT_ZSTD_WINDOW, "%s: a zstd frame asks for a larger window",
                             d->what);
                return -1;
            }
            char why[160];
            snprintf(why, sizeof why, "corrupt zstd data (%s)", ZSTD_getErrorName(r));
            corrupt(d, err, why);
            return -1;
        }
        d->member_open = r != 0;
        if (out.pos) {
            if (charge(d, out.pos, err))
                return -1;
            return (long)out.pos;
        }
    }
}

long lp_dstream_read(lp_dstream *d, const void **p, lp_err *err)
{
    if (d->kind == K_UNKNOWN && detect(d, err) != LP_OK)
        return -1;
    if (d->done)
        return 0;
    *p = d->out;
    if (d->kind == K_GZIP)
        return read_gzip(d, err);
    if (d->kind == K_ZSTD)
        return read_zstd(d, err);
    /* as they are: hand the source's chunk on */
    bool failed;
    if (!refill(d, &failed, err))
        return failed ? -1 : 0;
    *p = d->in;
    long n = (long)d->in_len;
    d->in_len = 0;
    return n;
}
