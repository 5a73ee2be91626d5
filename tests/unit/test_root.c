/*
 * test_root.c - root views: links resolve inside the root, never outside;
 * loops end; listings are sorted; files open only as regular files.
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

#include "linkproof/root.h"
#include "test_files.h"

static char tmpl[] = "/tmp/lp-root-XXXXXX";
static char *dir;

static void mk(const char *rel, const char *content) { test_write_file(dir, rel, content); }

static void mkd(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
    (void)state;
    dir = mkdtemp(tmpl);
    if (!dir)
        return -1;
    mkd("etc");
    mkd("lib");
    mkd("usr");
    mkd("usr/lib");
    mk("etc/passwd", "inside\n");
    mk("usr/lib/libc.so.6", "libc\n");
    ln("/usr/lib/libc.so.6", "lib/libc.so.6");           /* absolute: into the root */
    ln("../../../../../../../etc/passwd", "lib/escape");  /* relative, climbing out */
    ln("/", "lib/slash");                                 /* the root itself */
    ln("loop-b", "lib/loop-a");
    ln("loop-a", "lib/loop-b");
    ln("../usr/lib", "lib/usrlib");                       /* a directory link */
    ln("nowhere", "lib/dangling");
    mk("zz", "z");
    mk("aa", "a");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static lp_root *open_root(void)
{
    lp_root *r = NULL;
    lp_err e;
    assert_int_equal(lp_root_open_dir(&r, dir, &e), LP_OK);
    return r;
}

static void expect_real(lp_root *r, const char *path, const char *want, lp_ftype wt)
{
    char *canon = NULL;
    lp_ftype t;
    lp_err e;
    lp_code rc = lp_root_realpath(r, path, &canon, &t, &e);
    if (rc != LP_OK)
        fail_msg("%s: %s", path, e.msg);
    assert_string_equal(canon, want);
    assert_int_equal(t, wt);
    free(canon);
}

static void test_links_stay_inside(void **state)
{
    (void)state;
    lp_root *r = open_root();
    expect_real(r, "/lib/libc.so.6", "/usr/lib/libc.so.6", LP_FT_REG);
    expect_real(r, "/lib/escape", "/etc/passwd", LP_FT_REG);
    expect_real(r, "/lib/slash", "/", LP_FT_DIR);
    expect_real(r, "/lib/slash/lib/slash/etc/passwd", "/etc/passwd", LP_FT_REG);
    expect_real(r, "/../../..", "/", LP_FT_DIR);
    expect_real(r, "/lib/usrlib/libc.so.6", "/usr/lib/libc.so.6", LP_FT_REG);
    expect_real(r, "//lib/./usrlib//", "/usr/lib", LP_FT_DIR);
    expect_real(r, "/lib/usrlib/../lib/libc.so.6", "/usr/lib/libc.so.6", LP_FT_REG);
    /* what was read is the root's file, not the host's /etc/passwd */
    char *text = NULL;
    size_t len = 0;
    lp_err e;
    assert_int_equal(lp_root_read_text(r, "/lib/escape", 100, &text, &len, &e), LP_OK);
    assert_string_equal(text, "inside\n");
    free(text);
    char *hp = lp_root_host_path(r, "/etc/passwd");
    char want[600];
    snprintf(want, sizeof want, "%s/etc/passwd", dir);
    assert_string_equal(hp, want);
    free(hp);
    assert_false(lp_root_is_host(r));
    lp_root_free(&r);
    assert_null(r);
}

static void test_loops_and_missing(void **state)
{
    (void)state;
    lp_root *r = open_root();
    lp_err e;
    char *canon = NULL;
    assert_int_equal(lp_root_realpath(r, "/lib/loop-a", &canon, NULL, &e), LP_ERR_LIMIT);
    assert_non_null(strstr(e.msg, "symbolic links"));
    assert_int_equal(lp_root_realpath(r, "/lib/dangling", &canon, NULL, &e), LP_ERR_NOTFOUND);
    assert_non_null(strstr(e.msg, "/lib/dangling"));
    assert_int_equal(lp_root_realpath(r, "/etc/passwd/x", &canon, NULL, &e), LP_ERR_NOTFOUND);
    lp_ftype t;
    assert_int_equal(lp_root_lstat(r, "/lib/loop-a", &t, &e), LP_OK);
    assert_int_equal(t, LP_FT_LNK);
    assert_int_equal(lp_root_lstat(r, "/nope", &t, &e), LP_OK);
    assert_int_equal(t, LP_FT_NONE);
    lp_src *src = NULL;
    assert_int_equal(lp_root_open(r, "/lib/slash", &src, &e), LP_ERR_INVAL);
    assert_int_equal(lp_root_open(r, "/lib/loop-b", &src, &e), LP_ERR_LIMIT);
    assert_null(src);
    lp_root_free(&r);
}

static void test_list_and_limits(void **state)
{
    (void)state;
    lp_root *r = open_root();
    lp_err e;
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(lp_root_list(r, "/lib/slash", &names, &n, &e), LP_OK);
    assert_int_equal(n, 5);
    assert_string_equal(names[0], "aa");
    assert_string_equal(names[1], "etc");
    assert_string_equal(names[4], "zz");
    lp_root_names_free(&names, n);
    assert_null(names);
    char *text = NULL;
    assert_int_equal(lp_root_read_text(r, "/etc/passwd", 3, &text, NULL, &e), LP_ERR_LIMIT);
    assert_null(text);
    assert_int_equal(lp_root_list(r, "/etc/passwd", &names, &n, &e), LP_ERR_INVAL);
    lp_root_free(&r);
}

/* A view remembers what it looked up until lp_root_refresh(). */
static void test_refresh(void **state)
{
    (void)state;
    lp_root *r = open_root();
    lp_err e;
    lp_ftype t;
    assert_int_equal(lp_root_lstat(r, "/late", &t, &e), LP_OK);
    assert_int_equal(t, LP_FT_NONE);
    mk("late", "now\n");
    assert_int_equal(lp_root_lstat(r, "/late", &t, &e), LP_OK);
    assert_int_equal(t, LP_FT_NONE); /* remembered */
    lp_root_refresh(r);
    assert_int_equal(lp_root_lstat(r, "/late", &t, &e), LP_OK);
    assert_int_equal(t, LP_FT_REG);
    ln("late", "late-link");
    lp_root_refresh(r);
    expect_real(r, "/late-link", "/late", LP_FT_REG);
    lp_root_refresh(NULL);
    lp_root_free(&r);
}

static void test_host_root(void **state)
{
    (void)state;
    lp_root *r = NULL;
    lp_err e;
    assert_int_equal(lp_root_open_dir(&r, "/", &e), LP_OK);
    assert_true(lp_root_is_host(r));
    assert_string_equal(lp_root_label(r), "/");
    char *canon = NULL;
    lp_ftype t;
    assert_int_equal(lp_root_realpath(r, "/proc/self/..", &canon, &t, &e), LP_OK);
    assert_string_equal(canon, "/proc");
    free(canon);
    lp_root_free(&r);
    assert_int_equal(lp_root_open_dir(&r, "/nonexistent-root-dir", &e), LP_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent-root-dir"));
    assert_int_equal(lp_root_open_dir(&r, "/etc/hostname", &e), LP_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_stay_inside),
        cmocka_unit_test(test_loops_and_missing),
        cmocka_unit_test(test_list_and_limits),
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_host_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
