/*
 * registry.c - the trusted-fingerprint store on SQLite.
 *
 * Owns: the schema and its migrations, the durability settings (WAL journal,
 * synchronous=FULL, a busy timeout for concurrent writers), and the
 * transaction around every change. Invariant: every write runs inside
 * BEGIN IMMEDIATE ... COMMIT, so a writer killed at any point leaves either
 * the whole change or none of it.
 */
#include "linkproof/registry.h"
#include "util/jsonlimit.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 15000

struct lp_registry {
    sqlite3 *db;
    char *path;
};

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
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static lp_code db_err(lp_registry *r, lp_err *err, const char *what)
{
    int code = sqlite3_errcode(r->db);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': not a linkproof registry, or corrupt (%s)",
                          r->path, sqlite3_errmsg(r->db));
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return lp_err_set(err, LP_ERR_IO, "'%s': the registry stayed locked by another process for %d s (%s)",
                          r->path, BUSY_TIMEOUT_MS / 1000, what);
    return lp_err_set(err, LP_ERR_IO, "'%s': %s: %s", r->path, what, sqlite3_errmsg(r->db));
}

static lp_code exec(lp_registry *r, const char *sql, lp_err *err)
{
    if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(r, err, sql);
    return LP_OK;
}

char *lp_registry_default_path(void)
{
    const char *p = getenv("LINKPROOF_REGISTRY");
    if (p && *p)
        return strdup(p);
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg)
        snprintf(buf, sizeof buf, "%s/linkproof/registry.db", xdg);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.local/share/linkproof/registry.db", home);
    else
        return NULL;
    return strdup(buf);
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
    sqlite3_stmt *st = NULL;
    *rc = LP_OK;
    /* no meta table: a new database */
    if (sqlite3_prepare_v2(r->db, "SELECT count(*) FROM sqlite_master WHERE name = 'meta'", -1, &st,
                           NULL) != SQLITE_OK) {
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
    if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                           NULL) != SQLITE_OK) {
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
    if (sqlite3_prepare_v2(r->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1, &st, NULL) !=
        SQLITE_OK) {
        *rc = db_err(r, err, "reading the schema");
        return false;
    }
    bool any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return any;
}

static lp_code migrate(lp_registry *r, lp_err *err)
{
    lp_code rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    int v = schema_version(r, err, &rc);
    if (!rc && v == 0 && has_tables(r, err, &rc)) /* checked again inside the transaction */
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': an SQLite database, but not a linkproof registry: left as it is",
                        r->path);
    if (!rc && v > (int)N_MIGRATIONS)
        rc = lp_err_set(err, LP_ERR_FORMAT,
                        "'%s': registry schema version %d is newer than this linkproof's (%d)", r->path,
                        v, (int)N_MIGRATIONS);
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
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(r, "COMMIT", err);
}

lp_code lp_registry_open(const char *path, bool create, lp_registry **out, lp_err *err)
{
    *out = NULL;
    lp_registry *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return nomem(err);
    }
    int e;
    if (create && (e = make_parents(path)) != 0) {
        lp_err_set(err, LP_ERR_IO, "'%s': cannot create its directory: %s", path, strerror(e));
        lp_registry_close(&r);
        return LP_ERR_IO;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file, so not a registry", path);
        lp_registry_close(&r);
        return LP_ERR_INVAL;
    }
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &r->db, flags, NULL) != SQLITE_OK) {
        lp_code rc = r->db ? db_err(r, err, "opening")
                           : lp_err_set(err, LP_ERR_IO, "'%s': cannot open the registry", path);
        if (!create && r->db && sqlite3_errcode(r->db) == SQLITE_CANTOPEN)
            rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", path);
        lp_registry_close(&r);
        return rc;
    }
    sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
    /* refuse another program's database before writing anything to it (even the journal
     * mode); both questions in one read transaction, so that a registry another process
     * creates meanwhile is not seen half-way (tables there, but no version read before) */
    lp_code rc = exec(r, "BEGIN", err);
    int v = rc ? 0 : schema_version(r, err, &rc);
    if (!rc && v == 0 && has_tables(r, err, &rc))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': an SQLite database, but not a linkproof registry: left as it is",
                        r->path);
    sqlite3_exec(r->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    if (rc) {
        lp_registry_close(&r);
        return rc;
    }
    /* switching to WAL can report BUSY at once while another process creates the file */
    for (int waited = 0;; waited += 20) {
        int s = sqlite3_exec(r->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (s == SQLITE_OK)
            break;
        if ((s != SQLITE_BUSY && s != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS) {
            rc = db_err(r, err, "switching to the WAL journal");
            break;
        }
        sqlite3_sleep(20);
    }
    if (!rc)
        rc = exec(r, "PRAGMA synchronous=FULL", err);
    if (!rc)
        rc = migrate(r, err);
    if (rc) {
        lp_registry_close(&r);
        return rc;
    }
    *out = r;
    return LP_OK;
}

void lp_registry_close(lp_registry **pr)
{
    if (!pr || !*pr)
        return;
    if ((*pr)->db)
        sqlite3_close((*pr)->db);
    free((*pr)->path);
    free(*pr);
    *pr = NULL;
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* One row to insert: borrowed strings. */
typedef struct row {
    const char *label, *go_build_id, *gnu_build_id, *sha256, *code_sha256;
    uint64_t code_size;
    const char *path, *added_at;
} row;

/* One insert (no transaction of its own). */
static lp_code insert(lp_registry *r, const row *e, bool *added, lp_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT OR IGNORE INTO fingerprints (label, go_build_id, gnu_build_id, sha256, "
                           "code_sha256, code_size, path, added_at) VALUES (?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "adding");
    bind_text(st, 1, e->label);
    bind_text(st, 2, e->go_build_id);
    bind_text(st, 3, e->gnu_build_id);
    bind_text(st, 4, e->sha256);
    bind_text(st, 5, e->code_sha256);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)e->code_size);
    bind_text(st, 7, e->path);
    bind_text(st, 8, e->added_at);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return db_err(r, err, "adding");
    if (added)
        *added = sqlite3_changes(r->db) > 0;
    return LP_OK;
}

/* A label is one non-empty line of printable text. */
static bool label_ok(const char *l)
{
    if (!l || !*l)
        return false;
    for (; *l; l++)
        if ((unsigned char)*l < 0x20 || *l == 0x7f)
            return false;
    return true;
}

/* Bounds on what one entry may hold, so that no row (and no list of rows) can be large. */
static lp_code fields_fit(const row *e, const char *name, size_t line, lp_err *err)
{
    const struct {
        const char *what, *v;
        size_t max;
    } f[] = {
        {"label", e->label, LP_REGISTRY_LABEL_MAX},  {"path", e->path, LP_REGISTRY_PATH_MAX},
        {"go_build_id", e->go_build_id, 256},        {"gnu_build_id", e->gnu_build_id, 256},
        {"added_at", e->added_at, 64},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v && strlen(f[i].v) > f[i].max)
            return line ? lp_err_set(err, LP_ERR_LIMIT, "'%s': line %zu: a %s of %zu bytes, over the "
                                     "limit of %zu",
                                     name, line, f[i].what, strlen(f[i].v), f[i].max)
                        : lp_err_set(err, LP_ERR_LIMIT, "a %s of %zu bytes, over the limit of %zu",
                                     f[i].what, strlen(f[i].v), f[i].max);
    return LP_OK;
}

lp_code lp_registry_add(lp_registry *r, const lp_fingerprint *f, const char *path, const char *label,
                        bool *added, lp_err *err)
{
    if (!label_ok(label))
        return lp_err_set(err, LP_ERR_INVAL, "a label must be non-empty text without control characters");
    lp_code frc = fields_fit(&(row){label, f->go_build_id, f->gnu_build_id, NULL, NULL, 0, path, NULL},
                             NULL, 0, err);
    if (frc)
        return frc;
    char ts[32];
    now_iso(ts);
    const row e = {label, f->go_build_id, f->gnu_build_id, f->sha256, f->code_sha256, f->code_size, path, ts};
    lp_code rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    rc = insert(r, &e, added, err);
    if (rc) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(r, "COMMIT", err);
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static lp_code query(lp_registry *r, const char *sql, const char *key, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "reading");
    for (int i = 1; key && i <= sqlite3_bind_parameter_count(st); i++)
        sqlite3_bind_text(st, i, key, -1, SQLITE_TRANSIENT);
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            lp_reg_entry *ne = realloc(out->e, cap * sizeof *ne);
            if (!ne) {
                sqlite3_finalize(st);
                lp_reg_list_release(out);
                return nomem(err);
            }
            out->e = ne;
        }
        lp_reg_entry *e = &out->e[out->n++];
        e->id = sqlite3_column_int64(st, 0);
        e->label = col(st, 1);
        e->go_build_id = col(st, 2);
        e->gnu_build_id = col(st, 3);
        e->sha256 = col(st, 4);
        e->code_sha256 = col(st, 5);
        e->code_size = (uint64_t)sqlite3_column_int64(st, 6);
        e->path = col(st, 7);
        e->added_at = col(st, 8);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        lp_reg_list_release(out);
        return db_err(r, err, "reading");
    }
    return LP_OK;
}

#define COLS "id, label, go_build_id, gnu_build_id, sha256, code_sha256, code_size, path, added_at"
#define MATCH "CAST(id AS TEXT) = ?1 OR go_build_id = ?1 OR gnu_build_id = ?1 OR sha256 = ?1 OR code_sha256 = ?1"

lp_code lp_registry_list(lp_registry *r, lp_reg_list *out, lp_err *err)
{
    return query(r, "SELECT " COLS " FROM fingerprints ORDER BY id", NULL, out, err);
}

lp_code lp_registry_find(lp_registry *r, const char *key, lp_reg_list *out, lp_err *err)
{
    return query(r, "SELECT " COLS " FROM fingerprints WHERE " MATCH " ORDER BY id", key, out, err);
}

lp_code lp_registry_find_code(lp_registry *r, const char *code_sha256, lp_reg_list *out, lp_err *err)
{
    return query(r, "SELECT " COLS " FROM fingerprints WHERE code_sha256 = ?1 ORDER BY id", code_sha256,
                 out, err);
}

lp_code lp_registry_remove(lp_registry *r, const char *key, size_t *removed, lp_err *err)
{
    *removed = 0;
    lp_code rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, "DELETE FROM fingerprints WHERE " MATCH, -1, &st, NULL) != SQLITE_OK) {
        rc = db_err(r, err, "removing");
    } else {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_err(r, err, "removing");
        else
            *removed = (size_t)sqlite3_changes(r->db);
        sqlite3_finalize(st);
    }
    if (rc) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return exec(r, "COMMIT", err);
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err)
{
    *added = 0;
    lp_code rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    size_t line = 0;
    const char *p = text, *end = text + len;
    char ts[32];
    now_iso(ts);
    /* one JSON object per line; bounded by the input */
    while (!rc && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
        if (!blank) {
            json_error_t je;
            lp_err le;
            lp_err_clear(&le);
            json_t *o = lp_json_check(p, n, name, "line", &le) ? NULL : json_loadb(p, n, 0, &je);
            const char *label = o ? json_string_value(json_object_get(o, "label")) : NULL;
            const char *sha = o ? json_string_value(json_object_get(o, "sha256")) : NULL;
            const char *code = o ? json_string_value(json_object_get(o, "code_sha256")) : NULL;
            json_t *size = o ? json_object_get(o, "code_size") : NULL;
            if (le.code)
                rc = lp_err_set(err, le.code, "line %zu: %s", line, le.msg);
            else if (!o)
                rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: not JSON: %s", name, line, je.text);
            else if (!label_ok(label) || !is_hex64(sha) || !is_hex64(code) || !json_is_integer(size) ||
                     json_integer_value(size) < 0)
                rc = lp_err_set(err, LP_ERR_FORMAT,
                                "'%s': line %zu: needs label, sha256 and code_sha256 (64 hex digits) and "
                                "code_size",
                                name, line);
            else {
                const char *at = json_string_value(json_object_get(o, "added_at"));
                const row e = {label,
                               json_string_value(json_object_get(o, "go_build_id")),
                               json_string_value(json_object_get(o, "gnu_build_id")),
                               sha,
                               code,
                               (uint64_t)json_integer_value(size),
                               json_string_value(json_object_get(o, "path")),
                               at ? at : ts};
                bool a = false;
                rc = fields_fit(&e, name, line, err);
                if (!rc)
                    rc = insert(r, &e, &a, err);
                *added += a;
            }
            json_decref(o);
        }
        p = nl ? nl + 1 : end;
    }
    if (rc) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        *added = 0;
        return rc;
    }
    return exec(r, "COMMIT", err);
}

void lp_reg_list_release(lp_reg_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        lp_reg_entry *e = &l->e[i];
        free(e->label);
        free(e->go_build_id);
        free(e->gnu_build_id);
        free(e->sha256);
        free(e->code_sha256);
        free(e->path);
        free(e->added_at);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}
