/*
 * strtab.c - a string table read in fixed blocks, on demand, with a small
 * round-robin cache of blocks.
 *
 * Invariants: a block is at most LP_STRTAB_BLOCK bytes, lies inside the
 * table and inside one 4 KiB-aligned block of the file; a string is looked for within the table only and within
 * LP_STRTAB_MAX_STRING bytes, so one lookup reads at most that much plus a
 * block, whatever the table claims; the pointer handed out is into a cached
 * block or the scratch buffer and lives until the next lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "obj/obj_internal.h"

/* Longest string accepted (RPATHs and symbol names are far shorter). */
#define LP_STRTAB_MAX_STRING (1u << 20)

static lp_code get_block(lp_src *src, lp_strtab *t, uint64_t index, const uint8_t **data,
                         size_t *len, lp_err *err)
{
    for (size_t i = 0; i < LP_STRTAB_CACHED; i++)
        if (t->blk[i].data && t->blk[i].index == index) {
            *data = t->blk[i].data;
            *len = t->blk[i].len;
            return LP_OK;
        }
    /* block k covers table bytes [k*B - skew, (k+1)*B - skew): file-aligned, so a read is
     * one source block (which the version tables beside it often share) */
    uint64_t skew = t->off % LP_STRTAB_BLOCK;
    uint64_t start = index == 0 ? 0 : index * LP_STRTAB_BLOCK - skew;
    uint64_t end = (index + 1) * LP_STRTAB_BLOCK - skew;
    if (end > t->size)
        end = t->size;
    size_t n = (size_t)(end - start);
    size_t slot = t->next;
    t->next = (t->next + 1) % LP_STRTAB_CACHED;
    if (!t->blk[slot].data && !(t->blk[slot].data = malloc(LP_STRTAB_BLOCK)))
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    t->blk[slot].len = 0;
    lp_code rc = lp_src_read(src, t->off + start, t->blk[slot].data, n, "string table", err);
    if (rc) {
        free(t->blk[slot].data);
        t->blk[slot].data = NULL;
        return rc;
    }
    t->blk[slot].index = index;
    t->blk[slot].len = n;
    *data = t->blk[slot].data;
    *len = n;
    return LP_OK;
}

lp_code lp_strtab_get(lp_src *src, lp_strtab *t, uint64_t at, const char **s, size_t *len,
                      lp_str_status *status, lp_err *err)
{
    *status = LP_STR_OK;
    if (at >= t->size) {
        *status = LP_STR_RANGE;
        return LP_OK;
    }
    uint64_t skew = t->off % LP_STRTAB_BLOCK;
    uint64_t index = (at + skew) / LP_STRTAB_BLOCK;
    size_t in = (size_t)(index == 0 ? at : (at + skew) % LP_STRTAB_BLOCK);
    const uint8_t *b;
    size_t bl;
    lp_code rc = get_block(src, t, index, &b, &bl, err);
    if (rc)
        return rc;
    const uint8_t *z = memchr(b + in, 0, bl - in);
    if (z) {
        *s = (const char *)b + in;
        *len = (size_t)(z - (b + in));
        return LP_OK;
    }
    /* it runs into the next blocks: gather it */
    size_t got = 0;
    for (;;) {
        size_t piece = bl - in;
        const uint8_t *end = memchr(b + in, 0, piece);
        size_t take = end ? (size_t)(end - (b + in)) : piece;
        if (got + take >= LP_STRTAB_MAX_STRING) {
            *status = LP_STR_UNTERMINATED;
            return LP_OK;
        }
        if (got + take + 1 > t->scratch_cap) {
            size_t cap = t->scratch_cap ? t->scratch_cap : 256;
            while (cap < got + take + 1)
                cap *= 2;
            char *ns = realloc(t->scratch, cap);
            if (!ns)
                return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            t->scratch = ns;
            t->scratch_cap = cap;
        }
        memcpy(t->scratch + got, b + in, take);
        got += take;
        if (end)
            break;
        index++;
        in = 0;
        if (index * LP_STRTAB_BLOCK - skew >= t->size) {
            *status = LP_STR_UNTERMINATED;
            return LP_OK;
        }
        if ((rc = get_block(src, t, index, &b, &bl, err)))
            return rc;
    }
    t->scratch[got] = '\0';
    *s = t->scratch;
    *len = got;
    return LP_OK;
}

void lp_strtab_release(lp_strtab *t)
{
    for (size_t i = 0; i < LP_STRTAB_CACHED; i++)
        free(t->blk[i].data);
    free(t->scratch);
    memset(t, 0, sizeof *t);
}
