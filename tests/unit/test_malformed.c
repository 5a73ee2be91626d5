/*
 * Malformed input: every fixture (and corpus binary), truncated at many
 * offsets and with bytes changed in its headers and in the structures the
 * readers follow. Each variant must give LP_OK or one clear error that names
 * the file: no crash (this test also runs under ASan/UBSan), no hang, no
 * allocation beyond the file's size.
 *
 * Inputs: $LP_FIXTURES/fixtures.tsv (required) and $LP_CORPUS_LIST (optional).
 * Arguments "K N" run shard K of N: the files are dealt out in turn, so that
 * the shards (separate meson tests) share the work and none runs into the
 * hang guard on a busy machine or under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/facts.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/source.h"

#define MAX_FILE (128u << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t n_variants, n_errors;
static unsigned shard_k, shard_n = 1, file_no;

/* true when the next file belongs to this shard */
static bool mine(void)
{
    return file_no++ % shard_n == shard_k;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0 || (unsigned long)n > MAX_FILE) {
        fclose(f);
        return NULL;
    }
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Run the whole fact gathering on b[0..n); check the outcome is one of the documented ones. */
static void run_one(const uint8_t *b, size_t n, const char *what)
{
    lp_src *src = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, b, n, "variant", &e), LP_OK);
    lp_facts *f = NULL;
    lp_err_clear(&e);
    lp_code rc = lp_facts_from_src(src, &f, &e);
    n_variants++;
    if (rc != LP_OK) {
        n_errors++;
        if (rc != LP_ERR_FORMAT && rc != LP_ERR_LIMIT)
            fail_msg("%s: unexpected code %d (%s)", what, rc, e.msg);
        if (!strstr(e.msg, "'variant'") || strchr(e.msg, '\n'))
            fail_msg("%s: message does not name the file on one line: %s", what, e.msg);
        if (rc == LP_ERR_FORMAT && !strstr(e.msg, "offset"))
            fail_msg("%s: format error without an offset: %s", what, e.msg);
    }
    lp_facts_free(&f);
    lp_src_free(&src);
}

static uint64_t rd(const uint8_t *b, size_t n, size_t off, unsigned w, bool be)
{
    uint64_t v = 0;
    if (off > n || w > n - off)
        return 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)b[off + i] << (be ? 8 * (w - 1 - i) : 8 * i);
    return v;
}

/* Where the intact file's function table starts (0 when it has none). */
static uint64_t pclntab_offset(const uint8_t *b, size_t n)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *t = NULL;
    lp_err e;
    uint64_t off = 0;
    if (lp_src_from_mem(&src, b, n, "probe", &e) == LP_OK && lp_obj_open(&obj, src, &e) == LP_OK &&
        lp_pclntab_read(obj, &t, &e) == LP_OK)
        off = lp_pclntab_get_info(t)->off;
    lp_pclntab_free(&t);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return off;
}

static void mutate_at(const uint8_t *orig, uint8_t *work, size_t n, size_t pos, const char *path)
{
    static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80};
    if (pos >= n)
        return;
    for (size_t k = 0; k < sizeof vals; k++) {
        if (orig[pos] == vals[k])
            continue;
        work[pos] = vals[k];
        run_one(work, n, path);
    }
    work[pos] ^= 0x01;
    run_one(work, n, path);
    work[pos] = orig[pos];
}

static void torture(const char *path)
{
    size_t n = 0;
    uint8_t *orig = slurp(path, &n);
    if (!orig) {
        fprintf(stderr, "skip (unreadable or too large): %s\n", path);
        return;
    }
    /* the intact file must read cleanly */
    {
        lp_src *src = NULL;
        lp_facts *f = NULL;
        lp_err e;
        assert_int_equal(lp_src_from_mem(&src, orig, n, "intact", &e), LP_OK);
        if (lp_facts_from_src(src, &f, &e) != LP_OK)
            fail_msg("%s: intact file fails: %s", path, e.msg);
        lp_facts_free(&f);
        lp_src_free(&src);
    }
    bool elf = n >= 64 && memcmp(orig, "\x7f" "ELF", 4) == 0;
    bool wide = elf && orig[4] == 2, be = elf && orig[5] == 2;

    /* Interesting offsets: header fields, every table boundary, plus an even spread. */
    size_t cuts[512], nc = 0;
    for (size_t i = 0; i <= 64 && nc < 80; i += 3)
        cuts[nc++] = i;
    uint64_t phoff = 0, shoff = 0, phent = 0, shent = 0, phnum = 0, shnum = 0;
    if (elf) {
        phoff = rd(orig, n, wide ? 32 : 28, wide ? 8 : 4, be);
        shoff = rd(orig, n, wide ? 40 : 32, wide ? 8 : 4, be);
        phent = rd(orig, n, wide ? 54 : 42, 2, be);
        phnum = rd(orig, n, wide ? 56 : 44, 2, be);
        shent = rd(orig, n, wide ? 58 : 46, 2, be);
        shnum = rd(orig, n, wide ? 60 : 48, 2, be);
        for (uint64_t i = 0; i <= phnum && nc < 200; i++)
            cuts[nc++] = (size_t)(phoff + i * phent + (i % 3) * 4);
        for (uint64_t i = 0; i < phnum && nc < 260; i++) {
            /* inside each segment's file range: notes, interp, dynamic, data */
            size_t ph = (size_t)(phoff + i * phent);
            uint64_t off = rd(orig, n, ph + (wide ? 8 : 4), wide ? 8 : 4, be);
            uint64_t fsz = rd(orig, n, ph + (wide ? 32 : 16), wide ? 8 : 4, be);
            cuts[nc++] = (size_t)(off + fsz / 2);
            cuts[nc++] = (size_t)(off + 20);
        }
        for (uint64_t i = 0; i <= shnum && nc < 420; i += 1 + shnum / 60)
            cuts[nc++] = (size_t)(shoff + i * shent + 7);
    }
    while (nc < 512)
        cuts[nc++] = (size_t)(next_rand() % n);
    for (size_t i = 0; i < nc; i++)
        if (cuts[i] < n)
            run_one(orig, cuts[i], path);

    /* Byte changes: the ELF header, the program headers, a sample of section headers. */
    uint8_t *work = malloc(n);
    assert_non_null(work);
    memcpy(work, orig, n);
    size_t hdr = elf ? (wide ? 64 : 52) : 64;
    for (size_t i = 0; i < hdr; i++)
        mutate_at(orig, work, n, i, path);
    if (elf) {
        for (uint64_t i = 0; i < phnum * phent && i < 4096; i += 1 + (i % 5))
            mutate_at(orig, work, n, (size_t)(phoff + i), path);
        for (int k = 0; k < 120 && shnum; k++)
            mutate_at(orig, work, n, (size_t)(shoff + next_rand() % (shnum * shent)), path);
        /* the function table's header and a sample of its functab and names */
        uint64_t poff = pclntab_offset(orig, n);
        if (poff) {
            for (size_t j = 0; j < 80; j++)
                mutate_at(orig, work, n, (size_t)(poff + j), path);
            for (int k = 0; k < 150; k++)
                mutate_at(orig, work, n, (size_t)(poff + 80 + next_rand() % 65536), path);
        }
        /* the build-info blob header and the notes, wherever they are */
        for (size_t i = 0; i + 16 <= n; i += 16)
            if (memcmp(orig + i, "\xff Go buildinf:", 14) == 0) {
                for (size_t j = 14; j < 64; j++)
                    mutate_at(orig, work, n, i + j, path);
                break;
            }
    }
    free(work);
    free(orig);
}

static void each_file_in(const char *list, bool tsv)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return;
    char line[4096];
    char dir[4096] = "";
    if (tsv) {
        snprintf(dir, sizeof dir, "%s", list);
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[1] = '\0';
        if (!fgets(line, sizeof line, f)) { /* header */
            fclose(f);
            return;
        }
    }
    while (fgets(line, sizeof line, f)) {
        char *end = line + strcspn(line, tsv ? "\t\n" : " \n");
        *end = '\0';
        if (!line[0])
            continue;
        /* the -X family repeats the app fixtures with other flags: three of them are enough here */
        if (tsv && strncmp(line, "xm-", 3) == 0 && strcmp(line, "xm-amd64-cgo0-exe") != 0 &&
            strcmp(line, "xm-amd64-cgo0-exe-sw") != 0 && strcmp(line, "xm-arm64-cgo0-pie-sw") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s%s", dir, line);
        if (mine())
            torture(path);
    }
    fclose(f);
}

static void fixtures_survive_damage(void **state)
{
    (void)state;
    const char *fx = getenv("LP_FIXTURES");
    if (!fx)
        skip();
    char tsv[4096];
    snprintf(tsv, sizeof tsv, "%s/fixtures.tsv", fx);
    each_file_in(tsv, true);
    const char *corpus = getenv("LP_CORPUS_LIST");
    if (corpus)
        each_file_in(corpus, false);
    /* host files that are not Go */
    if (mine())
        torture("/bin/sh");
    printf("shard %u of %u: %u files, %zu variants, %zu rejected with a clear error\n", shard_k + 1,
           shard_n, file_no, n_variants, n_errors);
    assert_true(n_variants > 1000);
}

int main(int argc, char **argv)
{
    if (argc == 3) {
        shard_k = (unsigned)strtoul(argv[1], NULL, 10);
        shard_n = (unsigned)strtoul(argv[2], NULL, 10);
        if (shard_n == 0 || shard_k >= shard_n) {
            fprintf(stderr, "malformed: shard K N needs 0 <= K < N\n");
            return 2;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_survive_damage),
    };
    return cmocka_run_group_tests_name("malformed", tests, NULL, NULL);
}
