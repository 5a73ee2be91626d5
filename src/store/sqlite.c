/*
 * sqlite.c - the registry's SQLite backend (the default: one file, nothing running).
 *
 * Owns: opening a file read-write (created with its parent directories on
 * request) or read-only, the schema and its migrations, the durability
 * settings (WAL journal, synchronous=FULL, a busy timeout for concurrent
 * writers) and the primitive operations of store.h.
 *
 * Invariants: every write runs inside BEGIN IMMEDIATE ... COMMIT (the common
 * layer's write transaction), so a writer killed at any point leaves either
 * the whole change or none of it, and a check made inside the transaction (is
 * this code there under another label?) still holds when the change commits.
 * A registry opened read-only is never written, not even its journal mode:
 * reading works on read-only media and for users who cannot write the file or
 * its directory. Another program's database and a newer schema are refused
 * before anything is written to them.
 */
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/strbuf.h"

#define BUSY_TIMEOUT_MS 15000

typedef struct sq {
    sqlite3 *db;
    bool empty; /* read-only and no schema yet (an empty file): no entries */
    int last;   /* the SQLite result code of the last failure */
} sq;

#define SQ(r) ((sq *)(r)->impl)

/* Migrations: entry i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE fingerprints ("
    "  id INTEGER PRIMARY KEY,"
    "  label TEXT NOT NULL,"
    "  go_build_id TEXT, gnu_build_id TEXT,"
    "  sha256 TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size INTEGER NOT NULL,"
    "  path TEXT, added_at TEXT NOT NULL,"
    "  UNIQUE (code_sha256, label));"
    "CREATE INDEX fingerprints_code ON fingerprints (code_sha256);"
    "CREATE INDEX fingerprints_go_build_id ON fingerprints (go_build_id);",
    /* 2: one label per build. Version 1 let a build be added under several labels; the
     * oldest entry of each build stays, the others move to dropped_labels (kept, not lost) */
    "CREATE TABLE dropped_labels AS SELECT * FROM fingerprints WHERE 0;"
    "INSERT INTO dropped_labels SELECT * FROM fingerprints WHERE id NOT IN "
    "  (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "DELETE FROM fingerprints WHERE id NOT IN (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "CREATE UNIQUE INDEX fingerprints_one_label ON fingerprints (code_sha256);"
    "CREATE INDEX fingerprints_label ON fingerprints (label);",
    /* 3: every key `show`, `remove` and a baseline may give is an indexed lookup */
    ("CREATE INDEX fingerprints_sha256 ON fingerprints (sha256);"
     "CREATE INDEX fingerprints_gnu_build_id ON fingerprints (gnu_build_id);"),
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATIONS == LP_STORE_SCHEMA, "a migration per schema version");

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static lp_code db_err(lp_registry *r, lp_err *err, const char *what)
{
    sq *s = SQ(r);
    int code = sqlite3_errcode(s->db);
    s->last = code;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': not a linkproof registry, or corrupt (%s)",
                          r->name, sqlite3_errmsg(s->db));
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return lp_err_set(err, LP_ERR_IO, "'%s': the registry stayed locked by another process for %d s (%s)",
                          r->name, BUSY_TIMEOUT_MS / 1000, what);
    if (!r->readonly && ((code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_CANTOPEN))
        return lp_err_set(err, LP_ERR_IO,
                          "'%s': cannot write the registry (a read-only file system, or no permission "
                          "to write it or its directory): %s",
                          r->name, sqlite3_errmsg(s->db));
    return lp_err_set(err, LP_ERR_IO, "'%s': %s: %s", r->name, what, sqlite3_errmsg(s->db));
}

static lp_code exec(lp_registry *r, const char *sql, lp_err *err)
{
    if (sqlite3_exec(SQ(r)->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(r, err, sql);
    return LP_OK;
}

/* mkdir -p of path's directory. */
static int make_parents(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return ENOMEM;
    char *slash = strrchr(d, '/');
    int rc = 0;
    if (slash && slash != d) {
        *slash = '\0';
        for (char *p = d + 1; *p && !rc; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(d, 0755) != 0 && errno != EEXIST)
                rc = errno;
            *p = '/';
        }
        if (!rc && mkdir(d, 0755) != 0 && errno != EEXIST)
            rc = errno;
    }
    free(d);
    return rc;
}

static int schema_version(lp_registry *r, lp_err *err, lp_code *rc)
{
    sqlite3 *db = SQ(r)->db;
    sqlite3_stmt *st = NULL;
    *rc = LP_OK;
    /* no meta table: a new database */
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'meta'", -1, &st, NULL) !=
        SQLITE_OK) {
        *rc = db_err(r, err, "reading the schema");
        return -1;
    }
    int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (have < 0) {
        *rc = db_err(r, err, "reading the schema");
        return -1;
    }
    if (have == 0)
        return 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL) !=
        SQLITE_OK) {
        *rc = db_err(r, err, "reading the schema version");
        return -1;
    }
    int v = sqlite3_step(st) == SQLITE_ROW ? atoi((const char *)sqlite3_column_text(st, 0)) : 0;
    sqlite3_finalize(st);
    return v;
}

/* Any table at all: a database that some other program made. */
static bool has_tables(lp_registry *r, lp_err *err, lp_code *rc)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(SQ(r)->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1, &st,
                           NULL) != SQLITE_OK) {
        *rc = db_err(r, err, "reading the schema");
        return false;
    }
    bool any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return any;
}

/* The two refusals, on a version read inside the current transaction. */
static lp_code refuse(lp_registry *r, int v, lp_err *err)
{
    lp_code rc = LP_OK;
    if (v == 0 && has_tables(r, err, &rc))
        return lp_err_set(err, LP_ERR_FORMAT,
                          "'%s': an SQLite database, but not a linkproof registry: left as it is", r->name);
    if (!rc && v > (int)N_MIGRATIONS)
        return lp_err_set(err, LP_ERR_FORMAT,
                          "'%s': registry schema version %d is newer than this linkproof's (%d): left as "
                          "it is",
                          r->name, v, (int)N_MIGRATIONS);
    return rc;
}

static lp_code migrate(lp_registry *r, lp_err *err)
{
    lp_code rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    int v = schema_version(r, err, &rc);
    if (!rc) /* checked again inside the transaction */
        rc = refuse(r, v, err);
    for (int i = v; !rc && i < (int)N_MIGRATIONS; i++) {
        rc = exec(r, migrations[i], err);
        if (!rc) {
            char sql[128];
            snprintf(sql, sizeof sql,
                     "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '%d')", i + 1);
            rc = exec(r, sql, err);
        }
    }
    if (rc) {
        sqlite3_exec(SQ(r)->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(r, "COMMIT", err);
}

/*
 * Refuse another program's database, and a newer schema, before anything is
 * written to it (even the journal mode); both questions in one read
 * transaction, so that a registry another process creates meanwhile is not
 * seen half-way (tables there, but no version read before). *version gets
 * the schema version (0: a new, empty database).
 */
static lp_code check_schema(lp_registry *r, int *version, lp_err *err)
{
    lp_code rc = exec(r, "BEGIN", err);
    int v = rc ? 0 : schema_version(r, err, &rc);
    if (!rc)
        rc = refuse(r, v, err);
    sqlite3_exec(SQ(r)->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    *version = v;
    return rc;
}

/* "file:" URI of path with the immutable flag (nothing in the path taken for URI syntax). */
static char *immutable_uri(const char *path)
{
    lp_strbuf sb = {0};
    lp_sb_adds(&sb, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            lp_sb_addc(&sb, (char)*p);
        else
            lp_sb_addf(&sb, "%%%02X", *p);
    }
    lp_sb_adds(&sb, "?immutable=1");
    return lp_sb_take(&sb);
}

/*
 * Open read-only. A WAL registry needs its index file (-shm) beside it; a
 * reader who cannot create it (read-only media, a directory it may not
 * write) gets SQLITE_READONLY or SQLITE_CANTOPEN on the first read. Then
 * nobody can be writing through that directory either, and the file is read
 * as it is (immutable), which needs no index.
 */
static lp_code open_readonly(lp_registry *r, lp_err *err)
{
    sq *s = SQ(r);
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX;
    int version = 0;
    lp_code rc = LP_ERR_IO;
    if (sqlite3_open_v2(r->name, &s->db, flags, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        rc = check_schema(r, &version, err);
        int code = s->last & 0xff;
        if (rc == LP_OK || (code != SQLITE_READONLY && code != SQLITE_CANTOPEN))
            goto done;
    }
    sqlite3_close(s->db);
    s->db = NULL;
    char *uri = immutable_uri(r->name);
    if (!uri)
        return nomem(err);
    int st = sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (st != SQLITE_OK)
        return s->db ? db_err(r, err, "opening read-only")
                     : lp_err_set(err, LP_ERR_IO, "'%s': cannot open the registry", r->name);
    rc = check_schema(r, &version, err);
done:
    if (rc == LP_OK)
        s->empty = version == 0;
    return rc;
}

static void sq_close(lp_registry *r)
{
    sq *s = SQ(r);
    if (s) {
        if (s->db)
            sqlite3_close(s->db);
        free(s);
    }
    r->impl = NULL;
}

static lp_code sq_begin(lp_registry *r, bool write, lp_err *err)
{
    return exec(r, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

static lp_code sq_commit(lp_registry *r, lp_err *err) { return exec(r, "COMMIT", err); }

static void sq_rollback(lp_registry *r) { sqlite3_exec(SQ(r)->db, "ROLLBACK", NULL, NULL, NULL); }

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

#define COLS "id, label, go_build_id, gnu_build_id, sha256, code_sha256, code_size, path, added_at"
#define SELECT "SELECT " COLS " FROM fingerprints WHERE "

static lp_code sq_query(lp_registry *r, lp_store_q q, const char *key, size_t limit, lp_reg_list *out,
                        lp_err *err)
{
    sq *s = SQ(r);
    if (s->empty)
        return LP_OK; /* read-only, no schema yet: nothing in it */
    static const char *const sql[] = {
        [LP_Q_ALL] = "SELECT " COLS " FROM fingerprints ORDER BY id",
        [LP_Q_AFTER] = SELECT "id > CAST(?1 AS INTEGER) ORDER BY id LIMIT ?2",
        [LP_Q_ID] = SELECT "id = CAST(?1 AS INTEGER) ORDER BY id",
        [LP_Q_LABEL] = SELECT "label = ?1 ORDER BY id",
        [LP_Q_CODE] = SELECT "code_sha256 = ?1 ORDER BY id",
        /* an OR of indexed columns: SQLite looks each one up in its index */
        [LP_Q_EXACT] = SELECT "go_build_id = ?1 OR gnu_build_id = ?1 OR sha256 = ?1 OR code_sha256 = ?1 "
                              "ORDER BY id",
        /* substr, not LIKE: a key's '%' and '_' are not wildcards */
        [LP_Q_PREFIX] = SELECT "substr(go_build_id, 1, length(?1)) = ?1 OR substr(gnu_build_id, 1, "
                               "length(?1)) = ?1 OR substr(sha256, 1, length(?1)) = ?1 OR "
                               "substr(code_sha256, 1, length(?1)) = ?1 ORDER BY id",
    };
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql[q], -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "reading");
    if (key)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (q == LP_Q_AFTER)
        sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cols[7];
        static const int at[7] = {1, 2, 3, 4, 5, 7, 8};
        for (int i = 0; i < 7; i++)
            cols[i] = (const char *)sqlite3_column_text(st, at[i]);
        if (!lp_store_push(out, sqlite3_column_int64(st, 0), cols, (uint64_t)sqlite3_column_int64(st, 6))) {
            sqlite3_finalize(st);
            lp_reg_list_release(out);
            return nomem(err);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lp_reg_list_release(out);
        return db_err(r, err, "reading");
    }
    return LP_OK;
}

/* The label the registry has for this code, or NULL. */
static lp_code label_of_code(lp_registry *r, sqlite3_stmt *st, const char *code, char **label, lp_err *err)
{
    *label = NULL;
    sqlite3_reset(st);
    bind_text(st, 1, code);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (!(*label = strdup(t ? (const char *)t : "")))
            return nomem(err);
    } else if (s != SQLITE_DONE) {
        return db_err(r, err, "reading");
    }
    return LP_OK;
}

/* Row by row inside the writer's lock (BEGIN IMMEDIATE): nobody else can add meanwhile. */
static lp_code sq_insert(lp_registry *r, const lp_store_row *rows, size_t n, size_t *added, size_t *conflict,
                         char **have, lp_err *err)
{
    sq *s = SQ(r);
    *added = 0;
    *conflict = n;
    *have = NULL;
    sqlite3_stmt *find = NULL, *ins = NULL;
    lp_code rc = LP_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT label FROM fingerprints WHERE code_sha256 = ?1 ORDER BY id LIMIT 1", -1,
                           &find, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO fingerprints (label, go_build_id, gnu_build_id, sha256, "
                           "code_sha256, code_size, path, added_at) VALUES (?,?,?,?,?,?,?,?)",
                           -1, &ins, NULL) != SQLITE_OK)
        rc = db_err(r, err, "adding");
    for (size_t i = 0; !rc && i < n; i++) {
        const lp_store_row *e = &rows[i];
        char *label = NULL;
        if ((rc = label_of_code(r, find, e->code_sha256, &label, err)))
            break;
        if (label) {
            if (strcmp(label, e->label) != 0) {
                *conflict = i;
                *have = label;
                break;
            }
            free(label);
            continue;
        }
        sqlite3_reset(ins);
        bind_text(ins, 1, e->label);
        bind_text(ins, 2, e->go_build_id);
        bind_text(ins, 3, e->gnu_build_id);
        bind_text(ins, 4, e->sha256);
        bind_text(ins, 5, e->code_sha256);
        sqlite3_bind_int64(ins, 6, (sqlite3_int64)e->code_size);
        bind_text(ins, 7, e->path);
        bind_text(ins, 8, e->added_at);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = db_err(r, err, "adding");
        else
            *added += sqlite3_changes(s->db) > 0;
    }
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    return rc;
}

static lp_code sq_change(lp_registry *r, int64_t id, const char *label, size_t *changed, lp_err *err)
{
    sq *s = SQ(r);
    sqlite3_stmt *st = NULL;
    *changed = 0;
    if (sqlite3_prepare_v2(s->db,
                           label ? "UPDATE fingerprints SET label = ?2 WHERE id = ?1"
                                 : "DELETE FROM fingerprints WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "changing");
    sqlite3_bind_int64(st, 1, id);
    if (label)
        bind_text(st, 2, label);
    lp_code rc = LP_OK;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_err(r, err, "changing");
    else
        *changed = (size_t)sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}

static bool sq_usable(const lp_registry *r) { return r->impl != NULL; }

static const lp_store_ops sqlite_ops = {
    .kind = "sqlite",
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .query = sq_query,
    .insert = sq_insert,
    .change = sq_change,
    .usable = sq_usable,
    .close = sq_close,
};

static lp_code fail(lp_registry **pr, lp_code rc)
{
    lp_registry_close(pr);
    return rc;
}

lp_code lp_store_sqlite_open(const char *path, unsigned flags, lp_registry **out, lp_err *err)
{
    *out = NULL;
    bool create = (flags & LP_REG_CREATE) != 0, ro = (flags & LP_REG_READONLY) != 0;
    lp_registry *r = lp_store_new(&sqlite_ops, path, ro);
    if (!r || !(r->impl = calloc(1, sizeof(sq)))) {
        lp_registry_close(&r);
        return nomem(err);
    }
    sq *s = SQ(r);
    int e;
    if (create && (e = make_parents(path)) != 0)
        return fail(&r, lp_err_set(err, LP_ERR_IO, "'%s': cannot create its directory: %s", path, strerror(e)));
    struct stat st;
    int sr = stat(path, &st), serr = errno;
    if (sr == 0 && !S_ISREG(st.st_mode))
        return fail(&r, lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file, so not a registry", path));
    if (sr != 0 && serr == ENOENT && !create)
        return fail(&r, lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", path));
    lp_code rc;
    if (ro) {
        rc = open_readonly(r, err);
        if (rc)
            return fail(&r, rc);
        *out = r;
        return LP_OK;
    }
    int oflags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
        rc = s->db ? db_err(r, err, "opening") : lp_err_set(err, LP_ERR_IO, "'%s': cannot open the registry", path);
        if (!create && s->db && sqlite3_errcode(s->db) == SQLITE_CANTOPEN)
            rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", path);
        return fail(&r, rc);
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    int version = 0;
    rc = check_schema(r, &version, err);
    if (rc)
        return fail(&r, rc);
    /* switching to WAL can report BUSY at once while another process creates the file */
    for (int waited = 0;; waited += 20) {
        int x = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (x == SQLITE_OK)
            break;
        if ((x != SQLITE_BUSY && x != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS) {
            rc = db_err(r, err, "switching to the WAL journal");
            break;
        }
        sqlite3_sleep(20);
    }
    if (!rc)
        rc = exec(r, "PRAGMA synchronous=FULL", err);
    if (!rc)
        rc = migrate(r, err);
    if (rc)
        return fail(&r, rc);
    *out = r;
    return LP_OK;
}
