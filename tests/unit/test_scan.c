/*
 * test_scan.c - the scan engine (linkproof/scan.h) on a tree made here: only Go
 * objects are reported (all objects with all_objects), links and FIFOs are
 * neither followed nor opened, a directory past LP_SCAN_MAX_DEPTH is an error
 * record, records come in walk order whatever the number of jobs, a record
 * callback returning false stops the scan, the work callback's result reaches
 * the record and is freed.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkproof/scan.h"
#include "synth_elf.h"

static char tmpl[] = "/tmp/lp-scan-XXXXXX";
static char *dir;

static void put(const char *rel, const uint8_t *b, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void mkd(const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

/* An x86-64 ELF whose writable segment holds an inline build-info blob (Go 1.18+). */
static syn go_elf(void)
{
    uint8_t d[128] = {0};
    memcpy(d, "\xff Go buildinf:", 14);
    d[14] = 8;
    d[15] = 2;
    size_t p = 32;
    d[p++] = 8;
    memcpy(d + p, "go1.21.0", 8), p += 8;
    d[p++] = 0; /* no module text */
    return syn_elf(true, false, 62, d, p + 16);
}

static int setup(void **state)
{
    (void)state;
    dir = mkdtemp(tmpl);
    assert_non_null(dir);
    syn g = go_elf();
    uint8_t zero[64] = {0};
    syn c = syn_elf(true, false, 62, zero, sizeof zero);
    mkd("a");
    put("a/go1", g.b, g.len);
    put("b.txt", (const uint8_t *)"hello\n", 6);
    put("c.elf", c.b, c.len);
    mkd("d");
    put("d/go2", g.b, g.len);
    free(g.b);
    free(c.b);
    char p[4096];
    snprintf(p, sizeof p, "%s/fifo", dir);
    assert_int_equal(mkfifo(p, 0644), 0);
    char t[4096];
    snprintf(t, sizeof t, "%s/a/go1", dir);
    snprintf(p, sizeof p, "%s/link", dir);
    assert_int_equal(symlink(t, p), 0);
    /* z/x/x/...: deeper than the walk goes */
    char rel[4096] = "z";
    mkd(rel);
    for (int i = 0; i < LP_SCAN_MAX_DEPTH + 2; i++) {
        strcat(rel, "/x");
        mkd(rel);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct seen {
    char paths[16][4200];
    bool go[16], err[16];
    size_t n;
    size_t stop_after; /* 0: never */
    int works;         /* work results seen in records */
} seen;

static bool record(void *ctx, const lp_scan_record *rec)
{
    seen *s = ctx;
    if (s->n < 16) {
        snprintf(s->paths[s->n], sizeof s->paths[0], "%s", rec->path + strlen(dir));
        s->go[s->n] = rec->facts->is_go;
        s->err[s->n] = rec->facts->error.code != LP_OK;
    }
    if (rec->user && *(int *)rec->user == 42)
        s->works++;
    s->n++;
    return !s->stop_after || s->n < s->stop_after;
}

static int freed;

static void *work(void *ctx, const lp_scan_record *rec)
{
    (void)ctx, (void)rec;
    int *v = malloc(sizeof *v);
    if (v)
        *v = 42;
    return v;
}

static void work_free(void *ctx, void *user)
{
    (void)ctx;
    __atomic_add_fetch(&freed, 1, __ATOMIC_SEQ_CST);
    free(user);
}

static void run(seen *s, unsigned jobs, bool all, lp_scan_stats *st)
{
    lp_scan_opts o = {0};
    o.jobs = jobs;
    o.all_objects = all;
    o.record = record;
    o.record_ctx = s;
    const char *paths[] = {dir};
    lp_err e;
    assert_int_equal(lp_scan_paths(paths, 1, &o, st, &e), LP_OK);
}

static void no_callback(void **state)
{
    (void)state;
    lp_scan_opts o = {0};
    lp_scan_stats st;
    lp_err e;
    const char *paths[] = {dir};
    assert_int_equal(lp_scan_paths(paths, 1, &o, &st, &e), LP_ERR_INVAL);
}

static void go_only_in_order(void **state)
{
    (void)state;
    seen a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    lp_scan_stats st;
    run(&a, 1, false, &st);
    /* the two Go files, then the error record of the too-deep directory; no link, no FIFO */
    assert_int_equal(a.n, 3);
    assert_string_equal(a.paths[0], "/a/go1");
    assert_string_equal(a.paths[1], "/d/go2");
    assert_true(a.go[0] && a.go[1]);
    assert_true(a.err[2]);
    assert_non_null(strstr(a.paths[2], "/z/x/x"));
    assert_int_equal(st.go, 2);
    assert_int_equal(st.errors, 1);
    assert_true(st.skipped >= 2); /* the link and the FIFO */
    run(&b, 4, false, &st);
    assert_int_equal(b.n, a.n);
    for (size_t i = 0; i < a.n; i++)
        assert_string_equal(a.paths[i], b.paths[i]);
}

static void all_objects(void **state)
{
    (void)state;
    seen a;
    memset(&a, 0, sizeof a);
    lp_scan_stats st;
    run(&a, 2, true, &st);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.paths[1], "/c.elf");
    assert_false(a.go[1]);
}

static void stop_and_work(void **state)
{
    (void)state;
    seen a;
    memset(&a, 0, sizeof a);
    a.stop_after = 1;
    lp_scan_opts o = {0};
    o.jobs = 3;
    o.record = record;
    o.record_ctx = &a;
    o.work = work;
    o.work_free = work_free;
    const char *paths[] = {dir};
    lp_scan_stats st;
    lp_err e;
    freed = 0;
    assert_int_equal(lp_scan_paths(paths, 1, &o, &st, &e), LP_OK);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.works, 1);
    assert_int_equal(st.reported, 1);
    /* every result made was freed, reported or not */
    assert_true(freed >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_callback),
        cmocka_unit_test(go_only_in_order),
        cmocka_unit_test(all_objects),
        cmocka_unit_test(stop_and_work),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
