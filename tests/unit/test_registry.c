/*
 * Unit tests: the registry's schema, transactions and import rules, on
 * databases in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "linkproof/registry.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lp-registry-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static lp_fingerprint fp(char c)
{
    lp_fingerprint f;
    memset(&f, 0, sizeof f);
    memset(f.sha256, c, 64);
    memset(f.code_sha256, c, 64);
    f.code_size = 1000;
    return f;
}

static void add_find_remove(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a/b/registry.db", dir); /* parents are created */
    lp_registry *r = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(path, true, &r, &e), LP_OK);
    lp_fingerprint a = fp('a'), b = fp('b');
    bool added = false;
    assert_int_equal(lp_registry_add(r, &a, "/bin/a", "release-1", &added, &e), LP_OK);
    assert_true(added);
    assert_int_equal(lp_registry_add(r, &a, "/bin/a", "release-1", &added, &e), LP_OK);
    assert_false(added); /* same code, same label: nothing new */
    assert_int_equal(lp_registry_add(r, &b, NULL, "release-2", &added, &e), LP_OK);
    lp_reg_list l;
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 2);
    lp_reg_list_release(&l);
    assert_int_equal(lp_registry_find_code(r, b.code_sha256, &l, &e), LP_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.e[0].label, "release-2");
    lp_reg_list_release(&l);
    assert_int_equal(lp_registry_find(r, "1", &l, &e), LP_OK); /* by id */
    assert_int_equal(l.n, 1);
    lp_reg_list_release(&l);
    size_t n = 0;
    assert_int_equal(lp_registry_remove(r, a.sha256, &n, &e), LP_OK);
    assert_int_equal(n, 1);
    lp_registry_close(&r);
    /* reopened: the schema is there, the entry still committed */
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_OK);
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 1);
    lp_reg_list_release(&l);
    lp_registry_close(&r);
}

static void import_is_all_or_nothing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/import.db", dir);
    lp_registry *r = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(path, true, &r, &e), LP_OK);
    char good[600], text[1400];
    snprintf(good, sizeof good,
             "{\"label\":\"l1\",\"sha256\":\"%064d\",\"code_sha256\":\"%064d\",\"code_size\":5}\n", 1, 2);
    snprintf(text, sizeof text, "%s\n{\"label\":\"l2\",\"sha256\":\"short\",\"code_sha256\":\"%064d\",\"code_size\":5}\n",
             good, 3);
    size_t added = 9;
    assert_int_equal(lp_registry_import(r, text, strlen(text), "in.jsonl", &added, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "line 3"));
    assert_int_equal(added, 0);
    lp_reg_list l;
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 0); /* the good first line was rolled back with the bad one */
    lp_reg_list_release(&l);
    assert_int_equal(lp_registry_import(r, good, strlen(good), "in.jsonl", &added, &e), LP_OK);
    assert_int_equal(added, 1);
    assert_int_equal(lp_registry_import(r, "not json\n", 9, "x", &added, &e), LP_ERR_FORMAT);
    lp_registry_close(&r);
}

static void refuses_bad_files(void **state)
{
    (void)state;
    char path[128];
    lp_registry *r = NULL;
    lp_err e;
    /* random bytes */
    snprintf(path, sizeof path, "%s/garbage.db", dir);
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 4096; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, path));
    assert_null(r);
    /* a newer schema than this linkproof knows */
    snprintf(path, sizeof path, "%s/newer.db", dir);
    assert_int_equal(lp_registry_open(path, true, &r, &e), LP_OK);
    lp_registry_close(&r);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "newer"));
    /* a missing file is not created unless asked */
    snprintf(path, sizeof path, "%s/missing.db", dir);
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_NOTFOUND);
    assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_find_remove),
        cmocka_unit_test(import_is_all_or_nothing),
        cmocka_unit_test(refuses_bad_files),
    };
    return cmocka_run_group_tests_name("registry", tests, setup, teardown);
}
