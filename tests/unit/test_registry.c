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

static void one_label_per_build(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/labels.db", dir);
    lp_registry *r = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE, &r, &e), LP_OK);
    lp_fingerprint a = fp('a'), b = fp('b'), c = fp('c');
    memcpy(c.code_sha256, "abcd", 4); /* c's code starts like a's at "abc" */
    bool added = false;
    assert_int_equal(lp_registry_add(r, &a, "/bin/a", "v1", &added, &e), LP_OK);
    assert_true(added);
    /* the same build under another label: refused, naming the label it has */
    assert_int_equal(lp_registry_add(r, &a, "/bin/a", "v2", &added, &e), LP_ERR_INVAL);
    assert_false(added);
    assert_non_null(strstr(e.msg, "'v1'"));
    assert_non_null(strstr(e.msg, "rename"));
    /* several builds under one label are fine */
    assert_int_equal(lp_registry_add(r, &b, "/bin/b", "v1", &added, &e), LP_OK);
    assert_int_equal(lp_registry_add(r, &c, "/bin/c", "v3", &added, &e), LP_OK);
    lp_reg_list l;
    assert_int_equal(lp_registry_find(r, "v1", &l, &e), LP_OK); /* a label: all its builds */
    assert_int_equal(l.n, 2);
    lp_reg_list_release(&l);
    assert_int_equal(lp_registry_find(r, "bbbbbbbbbbbbbbbb", &l, &e), LP_OK); /* what list prints */
    assert_int_equal(l.n, 1);
    assert_string_equal(l.e[0].label, "v1");
    lp_reg_list_release(&l);
    /* "abc" is too short; "abcd" names c (a's code is aaaa...) but "aaaa" names a */
    assert_int_equal(lp_registry_find(r, "abc", &l, &e), LP_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(lp_registry_find(r, "abcd", &l, &e), LP_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.e[0].label, "v3");
    lp_reg_list_release(&l);
    /* a prefix of two builds' sha256 (c's file hash is cccc..., its code abcdcc...) */
    lp_fingerprint d = fp('d'), d2 = fp('d');
    memset(d2.code_sha256, 'e', 64);
    assert_int_equal(lp_registry_add(r, &d, NULL, "v4", &added, &e), LP_OK);
    assert_int_equal(lp_registry_add(r, &d2, NULL, "v4", &added, &e), LP_OK);
    assert_int_equal(lp_registry_find(r, "dddd", &l, &e), LP_ERR_INVAL);
    assert_non_null(strstr(e.msg, "give more"));
    assert_int_equal(l.n, 0);
    /* a '%' or '_' is no wildcard */
    assert_int_equal(lp_registry_find(r, "aa%_", &l, &e), LP_OK);
    assert_int_equal(l.n, 0);
    /* rename: every build the key names */
    size_t n = 0;
    assert_int_equal(lp_registry_rename(r, "v1", "release-1.0 \xc3\xa9", &n, &e), LP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(lp_registry_find_label(r, "release-1.0 \xc3\xa9", &l, &e), LP_OK);
    assert_int_equal(l.n, 2);
    lp_reg_list_release(&l);
    assert_int_equal(lp_registry_rename(r, "v1", "x", &n, &e), LP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(lp_registry_rename(r, "v3", "bad\nlabel", &n, &e), LP_ERR_INVAL);
    /* an import line whose build is there under another label: nothing imported */
    char text[800];
    snprintf(text, sizeof text,
             "{\"label\":\"new\",\"sha256\":\"%064d\",\"code_sha256\":\"%064d\",\"code_size\":5}\n"
             "{\"label\":\"other\",\"sha256\":\"%.64s\",\"code_sha256\":\"%.64s\",\"code_size\":5}\n",
             7, 7, a.sha256, a.code_sha256);
    size_t got = 0;
    assert_int_equal(lp_registry_import(r, text, strlen(text), "in", &got, &e), LP_ERR_INVAL);
    assert_non_null(strstr(e.msg, "line 2"));
    assert_int_equal(lp_registry_find_label(r, "new", &l, &e), LP_OK);
    assert_int_equal(l.n, 0);
    lp_registry_close(&r);
}

static void labels_are_utf8(void **state)
{
    (void)state;
    static const char *const good[] = {"v1.0.0", "caf\xc3\xa9", "\xe2\x9c\x93 ok", "\xf0\x9f\x9a\x80",
                                       "a b\xc2\xa0z"};
    static const char *const bad[] = {
        "",                  /* empty */
        "a\tb",              /* C0 */
        "a\x7f",             /* DEL */
        "\xc2\x85",          /* C1 (NEL) */
        "\xff",              /* not UTF-8 */
        "\xc0\xaf",          /* overlong '/' */
        "\xe0\x80\xaf",      /* overlong */
        "\xed\xa0\x80",      /* a surrogate */
        "\xf4\x90\x80\x80",  /* above U+10FFFF */
        "\xe2\x9c",          /* cut short */
        "\x80",              /* a continuation byte alone */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(lp_registry_label_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(lp_registry_label_ok(bad[i]));
    assert_false(lp_registry_label_ok(NULL));
}

static void parse_is_strict(void **state)
{
    (void)state;
    char h[65];
    memset(h, 'a', 64);
    h[64] = '\0';
    char buf[600];
    /* each: what comes before and after "sha256":..., "code_sha256":..., "code_size":1 */
    static const char *const bad[][2] = {
        {"{\"label\":\"a\",\"label\":\"b\",", "}"},   /* a duplicate key */
        {"{\"label\":\"a\",", ",\"extra\":1}"},       /* an unknown key */
        {"{\"label\":\"\xff\",", "}"},                /* not UTF-8 */
        {"{\"label\":\"a\\u0085\",", "}"},            /* a C1 control */
        {"{\"label\":\"a\",", ",\"path\":3}"},        /* a number for a string */
        {"[{\"label\":\"a\",", "}]"},                 /* not an object */
    };
    lp_reg_list l;
    lp_err e;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, "%s\"sha256\":\"%s\",\"code_sha256\":\"%s\",\"code_size\":1%s", bad[i][0], h,
                 h, bad[i][1]);
        assert_int_equal(lp_registry_parse(buf, strlen(buf), "in", &l, &e), LP_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "line 1"));
        assert_int_equal(l.n, 0);
    }
    snprintf(buf, sizeof buf, "\n{\"id\":9,\"label\":\"a\",\"sha256\":\"%s\",\"code_sha256\":\"%s\",\"code_size\":1,"
             "\"path\":null,\"go_build_id\":\"x/y\"}\n", h, h);
    assert_int_equal(lp_registry_parse(buf, strlen(buf), "in", &l, &e), LP_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.e[0].id, 2); /* the line number */
    assert_null(l.e[0].path);
    assert_string_equal(l.e[0].go_build_id, "x/y");
    lp_reg_list_release(&l);
}

static uint64_t file_sum(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint64_t h = 1469598103934665603ull;
    int c;
    while (f && (c = fgetc(f)) != EOF)
        h = (h ^ (uint64_t)c) * 1099511628211ull;
    if (f)
        fclose(f);
    return h;
}

static void readonly_writes_nothing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/ro.db", dir);
    lp_registry *r = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_ERR_NOTFOUND);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE | LP_REG_READONLY, &r, &e), LP_ERR_INVAL);
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE, &r, &e), LP_OK);
    lp_fingerprint a = fp('a');
    bool added;
    assert_int_equal(lp_registry_add(r, &a, NULL, "v1", &added, &e), LP_OK);
    lp_registry_close(&r);
    uint64_t before = file_sum(path);
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_OK);
    lp_reg_list l;
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 1);
    lp_reg_list_release(&l);
    lp_fingerprint b = fp('b');
    assert_int_equal(lp_registry_add(r, &b, NULL, "v2", &added, &e), LP_ERR_INVAL);
    size_t n;
    assert_int_equal(lp_registry_remove(r, "v1", &n, &e), LP_ERR_INVAL);
    lp_registry_close(&r);
    assert_true(file_sum(path) == before);
    /* an empty file reads as an empty registry */
    snprintf(path, sizeof path, "%s/empty.db", dir);
    FILE *f = fopen(path, "wb");
    fclose(f);
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_OK);
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(lp_registry_find(r, "1", &l, &e), LP_OK);
    assert_int_equal(l.n, 0);
    lp_registry_close(&r);
}

/* A schema-1 registry that holds one build under two labels: the oldest stays, the other is kept aside. */
static void migrates_duplicate_labels(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/v1.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
             "INSERT INTO meta VALUES ('schema_version', '1');"
             "CREATE TABLE fingerprints (id INTEGER PRIMARY KEY, label TEXT NOT NULL, go_build_id TEXT,"
             " gnu_build_id TEXT, sha256 TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size INTEGER NOT NULL,"
             " path TEXT, added_at TEXT NOT NULL, UNIQUE (code_sha256, label));"
             "CREATE INDEX fingerprints_code ON fingerprints (code_sha256);"
             "CREATE INDEX fingerprints_go_build_id ON fingerprints (go_build_id);"
             "INSERT INTO fingerprints VALUES (1, 'old', NULL, NULL, '%064d', '%064d', 1, NULL, 't');"
             "INSERT INTO fingerprints VALUES (2, 'newer', NULL, NULL, '%064d', '%064d', 1, NULL, 't');"
             "INSERT INTO fingerprints VALUES (3, 'other', NULL, NULL, '%064d', '%064d', 1, NULL, 't');",
             1, 1, 1, 1, 2, 2);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    lp_registry *r = NULL;
    lp_err e;
    /* read-only: read as it is, not migrated */
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_OK);
    lp_reg_list l;
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 3);
    lp_reg_list_release(&l);
    lp_registry_close(&r);
    assert_int_equal(lp_registry_open(path, 0, &r, &e), LP_OK);
    assert_int_equal(lp_registry_list(r, &l, &e), LP_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.e[0].label, "old");
    assert_string_equal(l.e[1].label, "other");
    lp_reg_list_release(&l);
    lp_registry_close(&r);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT label FROM dropped_labels", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "newer");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_find_remove),
        cmocka_unit_test(import_is_all_or_nothing),
        cmocka_unit_test(refuses_bad_files),
        cmocka_unit_test(one_label_per_build),
        cmocka_unit_test(labels_are_utf8),
        cmocka_unit_test(parse_is_strict),
        cmocka_unit_test(readonly_writes_nothing),
        cmocka_unit_test(migrates_duplicate_labels),
    };
    return cmocka_run_group_tests_name("registry", tests, setup, teardown);
}
