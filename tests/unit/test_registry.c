/*
 * Unit tests: the registry's schema, transactions and import rules, on both
 * backends with the same assertions: SQLite files in a temporary directory,
 * and databases of the PostgreSQL server whose superuser connection string is
 * $LP_TEST_PG (tests/pgserver.py starts one for this test; without it the
 * PostgreSQL runs are skipped).
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
#include <libpq-fe.h>
#include <sqlite3.h>

#include "linkproof/registry.h"

static char dir[64];

/* The backend a test runs on (its prestate). */
typedef struct backend {
    bool pg;
} backend;
static backend on_sqlite = {false}, on_pg = {true};

/* A new registry location: a path under dir, or a new database's connection string. */
static void new_loc(const backend *b, const char *name, char *out, size_t n)
{
    if (!b->pg) {
        snprintf(out, n, "%s/%s.db", dir, name);
        return;
    }
    const char *admin = getenv("LP_TEST_PG");
    if (!admin || !*admin)
        skip();
    static int seq;
    char db[64], sql[128];
    snprintf(db, sizeof db, "unit_%s_%d_%d", name, (int)getpid(), ++seq);
    PGconn *c = PQconnectdb(admin);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", db);
    PGresult *res = PQexec(c, sql);
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(c);
    snprintf(out, n, "%s dbname=%s", admin, db);
}

/* Run SQL in the registry's database (a test's own setup, not linkproof's). */
static void exec_sql(const backend *b, const char *loc, const char *sql)
{
    if (!b->pg) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
            fail_msg("%s: %s", sql, msg ? msg : "?");
        sqlite3_close(db);
        return;
    }
    PGconn *c = PQconnectdb(loc);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(c);
}

/* The first column of the first row of a query, as text ("" when none). */
static void query1(const backend *b, const char *loc, const char *sql, char *out, size_t n)
{
    out[0] = '\0';
    if (!b->pg) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return;
    }
    PGconn *c = PQconnectdb(loc);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *res = PQexec(c, sql);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    if (PQntuples(res) > 0)
        snprintf(out, n, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
}

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
    const backend *be = *state;
    char path[512];
    if (be->pg)
        new_loc(be, "add", path, sizeof path);
    else
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
    assert_string_equal(lp_registry_backend(r), be->pg ? "postgresql" : "sqlite");
    assert_string_equal(lp_registry_name(r), path);
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
    const backend *be = *state;
    char path[512];
    new_loc(be, "import", path, sizeof path);
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
    const backend *be = *state;
    char path[512];
    lp_registry *r = NULL;
    lp_err e;
    if (!be->pg) {
        /* random bytes */
        snprintf(path, sizeof path, "%s/garbage.db", dir);
        FILE *f = fopen(path, "wb");
        for (int i = 0; i < 4096; i++)
            fputc((i * 7919) & 0xff, f);
        fclose(f);
        assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_FORMAT);
        assert_non_null(strstr(e.msg, path));
        assert_null(r);
    }
    /* another program's tables */
    new_loc(be, "foreign", path, sizeof path);
    exec_sql(be, path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY)");
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE, &r, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "left as it is"));
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_ERR_FORMAT);
    assert_null(r);
    /* a newer schema than this linkproof knows */
    new_loc(be, "newer", path, sizeof path);
    assert_int_equal(lp_registry_open(path, true, &r, &e), LP_OK);
    lp_fingerprint a;
    memset(&a, 0, sizeof a);
    memset(a.sha256, 'a', 64);
    memset(a.code_sha256, 'a', 64);
    bool added = false;
    assert_int_equal(lp_registry_add(r, &a, NULL, "v1", &added, &e), LP_OK); /* PostgreSQL creates on the first write */
    lp_registry_close(&r);
    exec_sql(be, path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "newer"));
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_ERR_FORMAT);
    /* a missing registry is not created unless asked */
    new_loc(be, "missing", path, sizeof path);
    assert_int_equal(lp_registry_open(path, false, &r, &e), LP_ERR_NOTFOUND);
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_ERR_NOTFOUND);
    if (!be->pg)
        assert_int_not_equal(access(path, F_OK), 0);
}

static void one_label_per_build(void **state)
{
    const backend *be = *state;
    char path[512];
    new_loc(be, "labels", path, sizeof path);
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
    const backend *be = *state;
    char path[512], before[64], after[64];
    new_loc(be, "ro", path, sizeof path);
    lp_registry *r = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(path, LP_REG_READONLY, &r, &e), LP_ERR_NOTFOUND);
    if (!be->pg)
        assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE | LP_REG_READONLY, &r, &e), LP_ERR_INVAL);
    assert_int_equal(lp_registry_open(path, LP_REG_CREATE, &r, &e), LP_OK);
    lp_fingerprint a = fp('a');
    bool added;
    assert_int_equal(lp_registry_add(r, &a, NULL, "v1", &added, &e), LP_OK);
    lp_registry_close(&r);
    const char *sum = "SELECT count(*) || ' ' || max(id) || ' ' || max(label) FROM fingerprints";
    query1(be, path, sum, before, sizeof before);
    uint64_t before_file = be->pg ? 0 : file_sum(path);
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
    query1(be, path, sum, after, sizeof after);
    assert_string_equal(before, after);
    if (be->pg)
        return;
    assert_true(file_sum(path) == before_file);
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
    const backend *be = *state;
    char path[512];
    new_loc(be, "v1", path, sizeof path);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
             "INSERT INTO meta VALUES ('schema_version', '1');"
             "CREATE TABLE fingerprints (id %s PRIMARY KEY, label TEXT NOT NULL, go_build_id TEXT,"
             " gnu_build_id TEXT, sha256 TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size %s NOT NULL,"
             " path TEXT, added_at TEXT NOT NULL, UNIQUE (code_sha256, label));"
             "CREATE INDEX fingerprints_code ON fingerprints (code_sha256);"
             "CREATE INDEX fingerprints_go_build_id ON fingerprints (go_build_id);"
             "INSERT INTO fingerprints VALUES (1, 'old', NULL, NULL, '%064d', '%064d', 1, NULL, 't');"
             "INSERT INTO fingerprints VALUES (2, 'newer', NULL, NULL, '%064d', '%064d', 1, NULL, 't');"
             "INSERT INTO fingerprints VALUES (3, 'other', NULL, NULL, '%064d', '%064d', 1, NULL, 't');",
             be->pg ? "bigint GENERATED BY DEFAULT AS IDENTITY" : "INTEGER", be->pg ? "bigint" : "INTEGER", 1, 1,
             1, 1, 2, 2);
    exec_sql(be, path, sql);
    if (be->pg)
        exec_sql(be, path, "SELECT setval(pg_get_serial_sequence('fingerprints', 'id'), 3)");
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
    char v[64];
    query1(be, path, "SELECT label FROM dropped_labels", v, sizeof v);
    assert_string_equal(v, "newer");
    query1(be, path, "SELECT value FROM meta WHERE key = 'schema_version'", v, sizeof v);
    assert_string_equal(v, "3");
}

/* copy SQLite -> PostgreSQL -> SQLite: the same entries; again: nothing new; a conflict: nothing. */
static void copies_between_backends(void **state)
{
    (void)state;
    char a[512], b[512], c[512];
    new_loc(&on_sqlite, "copy-a", a, sizeof a);
    new_loc(&on_pg, "copy-b", b, sizeof b);
    new_loc(&on_sqlite, "copy-c", c, sizeof c);
    lp_registry *ra = NULL, *rb = NULL, *rc = NULL;
    lp_err e;
    assert_int_equal(lp_registry_open(a, LP_REG_CREATE, &ra, &e), LP_OK);
    /* 2,500 entries: more than a batch of the copy; a label with quotes and a backslash */
    size_t cap = 2500 * 400, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < 2500; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"label\":\"%s\",\"sha256\":\"%064d\",\"code_sha256\":\"%064d\",\"code_size\":%d,"
                                "\"path\":%s,\"added_at\":\"2025-01-01T00:00:%02dZ\"}\n",
                                i % 3 ? "rel \\\"1\\\\\xc3\xa9" : "rel-2", i, 100000 + i, i,
                                i % 2 ? "\"/bin/\\\"q\\\\\"" : "null", i % 60);
    size_t got = 0;
    assert_int_equal(lp_registry_import(ra, text, len, "gen", &got, &e), LP_OK);
    assert_int_equal(got, 2500);
    free(text);
    assert_int_equal(lp_registry_open(b, LP_REG_CREATE, &rb, &e), LP_OK);
    size_t read = 0, added = 0;
    assert_int_equal(lp_registry_copy(ra, rb, &read, &added, &e), LP_OK);
    assert_int_equal(read, 2500);
    assert_int_equal(added, 2500);
    assert_int_equal(lp_registry_copy(ra, rb, &read, &added, &e), LP_OK);
    assert_int_equal(added, 0);
    assert_int_equal(lp_registry_open(c, LP_REG_CREATE, &rc, &e), LP_OK);
    assert_int_equal(lp_registry_copy(rb, rc, &read, &added, &e), LP_OK);
    assert_int_equal(added, 2500);
    lp_reg_list la, lc;
    assert_int_equal(lp_registry_list(ra, &la, &e), LP_OK);
    assert_int_equal(lp_registry_list(rc, &lc, &e), LP_OK);
    assert_int_equal(la.n, lc.n);
    for (size_t i = 0; i < la.n; i++) {
        assert_string_equal(la.e[i].label, lc.e[i].label);
        assert_string_equal(la.e[i].code_sha256, lc.e[i].code_sha256);
        assert_int_equal(la.e[i].code_size, lc.e[i].code_size);
        assert_true((la.e[i].path == NULL) == (lc.e[i].path == NULL));
        if (la.e[i].path)
            assert_string_equal(la.e[i].path, lc.e[i].path);
        assert_string_equal(la.e[i].added_at, lc.e[i].added_at);
    }
    lp_reg_list_release(&la);
    lp_reg_list_release(&lc);
    /* a build b has under another label: nothing copied */
    size_t n = 0;
    assert_int_equal(lp_registry_rename(rb, "rel-2", "renamed", &n, &e), LP_OK);
    lp_registry_close(&rc);
    new_loc(&on_sqlite, "copy-d", c, sizeof c);
    assert_int_equal(lp_registry_open(c, LP_REG_CREATE, &rc, &e), LP_OK);
    lp_fingerprint f;
    memset(&f, 0, sizeof f);
    snprintf(f.sha256, sizeof f.sha256, "%064d", 7);
    snprintf(f.code_sha256, sizeof f.code_sha256, "%064d", 999999);
    bool ad;
    assert_int_equal(lp_registry_add(rc, &f, NULL, "only", &ad, &e), LP_OK);
    assert_int_equal(lp_registry_copy(ra, rb, &read, &added, &e), LP_ERR_INVAL);
    assert_non_null(strstr(e.msg, "already registered as 'renamed'"));
    assert_int_equal(added, 0);
    lp_registry_close(&ra);
    lp_registry_close(&rb);
    lp_registry_close(&rc);
}

/* Which strings name PostgreSQL; a password in one is refused before any connection. */
static void postgres_locations(void **state)
{
    (void)state;
    static const char *const pg[] = {"postgresql://", "postgres://db1/lp", "host=db1 dbname=lp",
                                     "service=fleet", " dbname = lp", "sslmode=require host=x"};
    static const char *const file[] = {"registry.db", "/var/lib/lp/r.db", "./host=x", "postgresql:/x",
                                       "hosts=1", ":memory:"};
    for (size_t i = 0; i < sizeof pg / sizeof pg[0]; i++)
        assert_true(lp_registry_is_postgres(pg[i]));
    for (size_t i = 0; i < sizeof file / sizeof file[0]; i++)
        assert_false(lp_registry_is_postgres(file[i]));
    lp_registry *r = NULL;
    lp_err e;
    lp_code rc = lp_registry_open("postgresql://u:hunter2@127.0.0.1:1/x", LP_REG_READONLY, &r, &e);
    if (rc == LP_ERR_UNSUPPORTED)
        skip(); /* no libpq on this machine */
    assert_int_equal(rc, LP_ERR_INVAL);
    assert_non_null(strstr(e.msg, "password"));
    assert_null(strstr(e.msg, "hunter2"));
    assert_int_equal(lp_registry_open("host=127.0.0.1 password=hunter2", 0, &r, &e), LP_ERR_INVAL);
    assert_null(strstr(e.msg, "hunter2"));
    /* nothing listening there: one line saying so, and no registry */
    assert_int_equal(lp_registry_open("postgresql://127.0.0.1:1/x?connect_timeout=5", LP_REG_READONLY, &r, &e),
                     LP_ERR_IO);
    assert_non_null(strstr(e.msg, "cannot reach"));
    assert_null(strchr(e.msg, '\n'));
    assert_null(r);
}

#define BOTH(f) cmocka_unit_test_prestate(f, &on_sqlite), cmocka_unit_test_prestate(f, &on_pg)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(add_find_remove),
        BOTH(import_is_all_or_nothing),
        BOTH(refuses_bad_files),
        BOTH(one_label_per_build),
        cmocka_unit_test(labels_are_utf8),
        cmocka_unit_test(parse_is_strict),
        BOTH(readonly_writes_nothing),
        BOTH(migrates_duplicate_labels),
        cmocka_unit_test(copies_between_backends),
        cmocka_unit_test(postgres_locations),
    };
    return cmocka_run_group_tests_name("registry", tests, setup, teardown);
}
