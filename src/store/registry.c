/*
 * registry.c - the trusted-fingerprint store on SQLite.
 *
 * Owns: the schema and its migrations, the durability settings (WAL journal,
 * synchronous=FULL, a busy timeout for concurrent writers), the transaction
 * around every change, the label rules (UTF-8 text, one label per build) and
 * how a key names entries (id, label, build ID or hash, unique prefix).
 *
 * Invariants: every write runs inside BEGIN IMMEDIATE ... COMMIT, so a writer
 * killed at any point leaves either the whole change or none of it, and a
 * check made inside the transaction (is this code there under another
 * label?) still holds when the change commits. A registry opened read-only
 * is never written, not even its journal mode: reading works on read-only
 * media and for users who cannot write the file or its directory.
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

#include "util/strbuf.h"

#define BUSY_TIMEOUT_MS 15000

struct lp_registry {
    sqlite3 *db;
    char *path;
    bool readonly;
    bool empty;    /* read-only and no schema yet (an empty file): no entries */
    int last;      /* the SQLite result code of the last failure */
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
    /* 2: one label per build. Version 1 let a build be added under several labels; the
     * oldest entry of each build stays, the others move to dropped_labels (kept, not lost) */
    "CREATE TABLE dropped_labels AS SELECT * FROM fingerprints WHERE 0;"
    "INSERT INTO dropped_labels SELECT * FROM fingerprints WHERE id NOT IN "
    "  (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "DELETE FROM fingerprints WHERE id NOT IN (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "CREATE UNIQUE INDEX fingerprints_one_label ON fingerprints (code_sha256);"
    "CREATE INDEX fingerprints_label ON fingerprints (label);",
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATIONS == LP_REGISTRY_SCHEMA, "a migration per schema version");

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static lp_code db_err(lp_registry *r, lp_err *err, const char *what)
{
    int code = sqlite3_errcode(r->db);
    r->last = code;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': not a linkproof registry, or corrupt (%s)",
                          r->path, sqlite3_errmsg(r->db));
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return lp_err_set(err, LP_ERR_IO, "'%s': the registry stayed locked by another process for %d s (%s)",
                          r->path, BUSY_TIMEOUT_MS / 1000, what);
    if (!r->readonly && ((code & 0xff) == SQLITE_READONLY || (code & 0xff) == SQLITE_CANTOPEN))
        return lp_err_set(err, LP_ERR_IO,
                          "'%s': cannot write the registry (a read-only file system, or no permission "
                          "to write it or its directory): %s",
                          r->path, sqlite3_errmsg(r->db));
    return lp_err_set(err, LP_ERR_IO, "'%s': %s: %s", r->path, what, sqlite3_errmsg(r->db));
}

static lp_code exec(lp_registry *r, const char *sql, lp_err *err)
{
    if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(r, err, sql);
    return LP_OK;
}

static lp_code writable(lp_registry *r, lp_err *err)
{
    if (r->readonly)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': the registry was opened read-only", r->path);
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
    if (!rc && v == 0 && has_tables(r, err, &rc))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': an SQLite database, but not a linkproof registry: left as it is",
                        r->path);
    if (!rc && v > (int)N_MIGRATIONS)
        rc = lp_err_set(err, LP_ERR_FORMAT,
                        "'%s': registry schema version %d is newer than this linkproof's (%d)", r->path,
                        v, (int)N_MIGRATIONS);
    sqlite3_exec(r->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
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
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX;
    int version = 0;
    lp_code rc = LP_ERR_IO;
    if (sqlite3_open_v2(r->path, &r->db, flags, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
        rc = check_schema(r, &version, err);
        int code = r->last & 0xff;
        if (rc == LP_OK || (code != SQLITE_READONLY && code != SQLITE_CANTOPEN))
            goto done;
    }
    sqlite3_close(r->db);
    r->db = NULL;
    char *uri = immutable_uri(r->path);
    if (!uri)
        return nomem(err);
    int s = sqlite3_open_v2(uri, &r->db, flags | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (s != SQLITE_OK)
        return r->db ? db_err(r, err, "opening read-only")
                     : lp_err_set(err, LP_ERR_IO, "'%s': cannot open the registry", r->path);
    rc = check_schema(r, &version, err);
done:
    if (rc == LP_OK)
        r->empty = version == 0;
    return rc;
}

lp_code lp_registry_open(const char *path, unsigned flags, lp_registry **out, lp_err *err)
{
    *out = NULL;
    bool create = (flags & LP_REG_CREATE) != 0, ro = (flags & LP_REG_READONLY) != 0;
    if (create && ro)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': a registry cannot be created read-only", path);
    lp_registry *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return nomem(err);
    }
    r->readonly = ro;
    int e;
    if (create && (e = make_parents(path)) != 0) {
        lp_err_set(err, LP_ERR_IO, "'%s': cannot create its directory: %s", path, strerror(e));
        lp_registry_close(&r);
        return LP_ERR_IO;
    }
    struct stat st;
    int sr = stat(path, &st), serr = errno;
    if (sr == 0 && !S_ISREG(st.st_mode)) {
        lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file, so not a registry", path);
        lp_registry_close(&r);
        return LP_ERR_INVAL;
    }
    if (sr != 0 && serr == ENOENT && !create) {
        lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", path);
        lp_registry_close(&r);
        return LP_ERR_NOTFOUND;
    }
    lp_code rc;
    if (ro) {
        rc = open_readonly(r, err);
        if (rc)
            lp_registry_close(&r);
        *out = r;
        return rc;
    }
    int oflags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &r->db, oflags, NULL) != SQLITE_OK) {
        rc = r->db ? db_err(r, err, "opening")
                   : lp_err_set(err, LP_ERR_IO, "'%s': cannot open the registry", path);
        if (!create && r->db && sqlite3_errcode(r->db) == SQLITE_CANTOPEN)
            rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", path);
        lp_registry_close(&r);
        return rc;
    }
    sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
    int version = 0;
    rc = check_schema(r, &version, err);
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

/*
 * UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * above U+10FFFF; and one line of text: no C0 control, DEL or C1 control.
 */
bool lp_registry_label_ok(const char *label)
{
    const unsigned char *s = (const unsigned char *)label;
    if (!s || !*s)
        return false;
    while (*s) {
        unsigned c = *s;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            s++;
            continue;
        }
        size_t n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        if (n == 0 || c > 0xf4)
            return false;
        uint32_t cp = c & (0x3fu >> n);
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false; /* also stops at the NUL */
            cp = (cp << 6) | (s[i] & 0x3fu);
        }
        static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp <= 0x9f))
            return false;
        s += n + 1;
    }
    return true;
}

static const char *const label_rule = "a label must be non-empty UTF-8 text without control characters";

/* One row to insert: borrowed strings. */
typedef struct row {
    const char *label, *go_build_id, *gnu_build_id, *sha256, *code_sha256;
    uint64_t code_size;
    const char *path, *added_at;
} row;

/* The label the registry has for this code, or NULL (no transaction of its own). */
static lp_code label_of_code(lp_registry *r, const char *code, char **label, lp_err *err)
{
    *label = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, "SELECT label FROM fingerprints WHERE code_sha256 = ?1 ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "reading");
    bind_text(st, 1, code);
    int s = sqlite3_step(st);
    lp_code rc = LP_OK;
    if (s == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (!(*label = strdup(t ? (const char *)t : "")))
            rc = nomem(err);
    } else if (s != SQLITE_DONE) {
        rc = db_err(r, err, "reading");
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * One insert (no transaction of its own): nothing when the code is there
 * under this label already; an error naming the label it has when it is
 * there under another one. @p where names the input in that message.
 */
static lp_code insert(lp_registry *r, const row *e, const char *where, bool *added, lp_err *err)
{
    if (added)
        *added = false;
    char *have = NULL;
    lp_code rc = label_of_code(r, e->code_sha256, &have, err);
    if (rc)
        return rc;
    if (have) {
        if (strcmp(have, e->label) != 0)
            rc = lp_err_set(err, LP_ERR_INVAL,
                            "%s: this build (code %.16s) is in the registry as '%s' already: one build "
                            "has one label; rename it with 'linkproof registry rename %.16s \"%s\"'",
                            where, e->code_sha256, have, e->code_sha256, e->label);
        free(have);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO fingerprints (label, go_build_id, gnu_build_id, sha256, "
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
    if (!lp_registry_label_ok(label))
        return lp_err_set(err, LP_ERR_INVAL, "%s", label_rule);
    lp_code rc = fields_fit(&(row){label, f->go_build_id, f->gnu_build_id, NULL, NULL, 0, path, NULL},
                            NULL, 0, err);
    if (rc)
        return rc;
    rc = writable(r, err);
    if (rc)
        return rc;
    char ts[32];
    now_iso(ts);
    const row e = {label, f->go_build_id, f->gnu_build_id, f->sha256, f->code_sha256, f->code_size, path, ts};
    char where[4200];
    snprintf(where, sizeof where, "'%s'", path ? path : "(no path)");
    rc = exec(r, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    rc = insert(r, &e, where, added, err);
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

/* Rows of sql, with ?1 bound to key (when not NULL), appended to out. */
static lp_code query(lp_registry *r, const char *sql, const char *key, lp_reg_list *out, lp_err *err)
{
    if (r->empty)
        return LP_OK; /* read-only, no schema yet: nothing in it */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(r, err, "reading");
    if (key)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    size_t cap = out->n;
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
#define SELECT "SELECT " COLS " FROM fingerprints WHERE "
#define EXACT "go_build_id = ?1 OR gnu_build_id = ?1 OR sha256 = ?1 OR code_sha256 = ?1"
/* substr, not LIKE: a key's '%' and '_' are not wildcards */
#define PREFIX                                                                                 \
    "substr(go_build_id, 1, length(?1)) = ?1 OR substr(gnu_build_id, 1, length(?1)) = ?1 OR " \
    "substr(sha256, 1, length(?1)) = ?1 OR substr(code_sha256, 1, length(?1)) = ?1"

lp_code lp_registry_list(lp_registry *r, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return query(r, "SELECT " COLS " FROM fingerprints ORDER BY id", NULL, out, err);
}

lp_code lp_registry_find_label(lp_registry *r, const char *label, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return query(r, SELECT "label = ?1 ORDER BY id", label, out, err);
}

lp_code lp_registry_find_code(lp_registry *r, const char *code_sha256, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return query(r, SELECT "code_sha256 = ?1 ORDER BY id", code_sha256, out, err);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

lp_code lp_registry_find(lp_registry *r, const char *key, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    if (!key || !*key)
        return LP_OK;
    lp_code rc = LP_OK;
    if (all_digits(key) && strlen(key) < 19)
        rc = query(r, SELECT "id = CAST(?1 AS INTEGER) ORDER BY id", key, out, err);
    if (!rc && !out->n)
        rc = query(r, SELECT "label = ?1 ORDER BY id", key, out, err);
    if (!rc && !out->n)
        rc = query(r, SELECT EXACT " ORDER BY id", key, out, err);
    if (rc || out->n || strlen(key) < LP_REG_PREFIX_MIN)
        return rc;
    if ((rc = query(r, SELECT PREFIX " ORDER BY id", key, out, err)))
        return rc;
    /* a prefix must name one build: list the candidates otherwise */
    bool several = false;
    for (size_t i = 1; i < out->n && !several; i++)
        several = strcmp(out->e[i].code_sha256, out->e[0].code_sha256) != 0;
    if (!several)
        return LP_OK;
    lp_strbuf sb = {0};
    for (size_t i = 0; i < out->n && i < 6; i++)
        lp_sb_addf(&sb, "%s%lld (code %.16s)", i ? ", " : "", (long long)out->e[i].id, out->e[i].code_sha256);
    if (out->n > 6)
        lp_sb_adds(&sb, ", ...");
    char *list = lp_sb_take(&sb);
    rc = lp_err_set(err, LP_ERR_INVAL, "'%s' is the start of %zu entries' IDs or hashes (%s): give more of it",
                    key, out->n, list ? list : "");
    free(list);
    lp_reg_list_release(out);
    return rc;
}

/* Run `sql` (with ?1 = an id) for each entry @p key names, in one transaction. */
static lp_code change_each(lp_registry *r, const char *key, const char *sql, const char *label,
                           size_t *changed, lp_err *err)
{
    *changed = 0;
    lp_code rc = writable(r, err);
    if (rc || (rc = exec(r, "BEGIN IMMEDIATE", err)))
        return rc;
    lp_reg_list l;
    rc = lp_registry_find(r, key, &l, err);
    for (size_t i = 0; !rc && i < l.n; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
            rc = db_err(r, err, "changing");
            break;
        }
        sqlite3_bind_int64(st, 1, l.e[i].id);
        if (label)
            sqlite3_bind_text(st, 2, label, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_err(r, err, "changing");
        else
            *changed += (size_t)sqlite3_changes(r->db);
        sqlite3_finalize(st);
    }
    lp_reg_list_release(&l);
    if (rc) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        *changed = 0;
        return rc;
    }
    return exec(r, "COMMIT", err);
}

lp_code lp_registry_remove(lp_registry *r, const char *key, size_t *removed, lp_err *err)
{
    return change_each(r, key, "DELETE FROM fingerprints WHERE id = ?1", NULL, removed, err);
}

lp_code lp_registry_rename(lp_registry *r, const char *key, const char *label, size_t *renamed,
                           lp_err *err)
{
    *renamed = 0;
    if (!lp_registry_label_ok(label))
        return lp_err_set(err, LP_ERR_INVAL, "%s", label_rule);
    return change_each(r, key, "UPDATE fingerprints SET label = ?2 WHERE id = ?1", label, renamed, err);
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

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = true;
    return c;
}

/* One line of an import: a new entry (id = the line number) or an error naming the line. */
static lp_code parse_line(const char *p, size_t n, const char *name, size_t line, lp_reg_entry *e,
                          lp_err *err)
{
    static const char *const keys[] = {"id", "label", "go_build_id", "gnu_build_id", "sha256",
                                       "code_sha256", "code_size", "path", "added_at"};
    static const char *const optional[] = {"go_build_id", "gnu_build_id", "path", "added_at"};
    json_error_t je;
    lp_err le;
    lp_err_clear(&le);
    /* bounded before parsing (size, nesting, values), as every JSON input */
    if (lp_json_check(p, n, name, "line", &le))
        return lp_err_set(err, le.code, "line %zu: %s", line, le.msg);
    /* jansson checks the UTF-8 of every string (and refuses \u0000) */
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: not JSON (or not UTF-8): %s", name, line,
                          je.text);
    lp_code rc = LP_OK;
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: not a JSON object", name, line);
    json_object_foreach(json_is_object(o) ? o : NULL, k, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !known; i++)
            known = strcmp(k, keys[i]) == 0;
        if (!known && !rc)
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: unknown key \"%s\"", name, line, k);
    }
    for (size_t i = 0; !rc && i < sizeof optional / sizeof optional[0]; i++) {
        json_t *x = json_object_get(o, optional[i]);
        if (x && !json_is_string(x) && !json_is_null(x))
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: \"%s\" must be a string or null", name,
                            line, optional[i]);
    }
    const char *label = json_string_value(json_object_get(o, "label"));
    const char *sha = json_string_value(json_object_get(o, "sha256"));
    const char *code = json_string_value(json_object_get(o, "code_sha256"));
    json_t *size = json_object_get(o, "code_size");
    if (!rc && (!label || !is_hex64(sha) || !is_hex64(code) || !json_is_integer(size) ||
                json_integer_value(size) < 0))
        rc = lp_err_set(err, LP_ERR_FORMAT,
                        "'%s': line %zu: needs label, sha256 and code_sha256 (64 hex digits) and "
                        "code_size",
                        name, line);
    if (!rc && !lp_registry_label_ok(label))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: %s", name, line, label_rule);
    if (!rc)
        rc = fields_fit(&(row){label, json_string_value(json_object_get(o, "go_build_id")),
                               json_string_value(json_object_get(o, "gnu_build_id")), sha, code, 0,
                               json_string_value(json_object_get(o, "path")),
                               json_string_value(json_object_get(o, "added_at"))},
                        name, line, err);
    if (!rc) {
        bool oom = false;
        memset(e, 0, sizeof *e);
        e->id = (int64_t)line;
        e->label = dup_or_null(label, &oom);
        e->go_build_id = dup_or_null(json_string_value(json_object_get(o, "go_build_id")), &oom);
        e->gnu_build_id = dup_or_null(json_string_value(json_object_get(o, "gnu_build_id")), &oom);
        e->sha256 = dup_or_null(sha, &oom);
        e->code_sha256 = dup_or_null(code, &oom);
        e->code_size = (uint64_t)json_integer_value(size);
        e->path = dup_or_null(json_string_value(json_object_get(o, "path")), &oom);
        e->added_at = dup_or_null(json_string_value(json_object_get(o, "added_at")), &oom);
        if (oom)
            rc = nomem(err);
    }
    json_decref(o);
    return rc;
}

lp_code lp_registry_parse(const char *text, size_t len, const char *name, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t line = 0, cap = 0;
    const char *p = text, *end = text + len;
    lp_code rc = LP_OK;
    /* one JSON object per line; bounded by the input */
    while (!rc && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
        p = nl ? nl + 1 : end;
        if (blank)
            continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            lp_reg_entry *ne = realloc(out->e, cap * sizeof *ne);
            if (!ne) {
                rc = nomem(err);
                break;
            }
            out->e = ne;
        }
        rc = parse_line(p - n - (nl ? 1 : 0), n, name, line, &out->e[out->n], err);
        if (!rc)
            out->n++;
    }
    if (rc)
        lp_reg_list_release(out);
    return rc;
}

lp_code lp_registry_import_list(lp_registry *r, const lp_reg_list *in, const char *name, size_t *added,
                                lp_err *err)
{
    *added = 0;
    lp_code rc = writable(r, err);
    if (rc || (rc = exec(r, "BEGIN IMMEDIATE", err)))
        return rc;
    char ts[32];
    now_iso(ts);
    for (size_t i = 0; !rc && i < in->n; i++) {
        const lp_reg_entry *x = &in->e[i];
        const row e = {x->label, x->go_build_id, x->gnu_build_id, x->sha256, x->code_sha256,
                       x->code_size, x->path, x->added_at ? x->added_at : ts};
        char where[4200];
        snprintf(where, sizeof where, "'%s': line %lld", name, (long long)x->id);
        bool a = false;
        rc = insert(r, &e, where, &a, err);
        *added += a;
    }
    if (rc) {
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
        *added = 0;
        return rc;
    }
    return exec(r, "COMMIT", err);
}

lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err)
{
    *added = 0;
    lp_reg_list l;
    lp_code rc = lp_registry_parse(text, len, name, &l, err);
    if (!rc)
        rc = lp_registry_import_list(r, &l, name, added, err);
    lp_reg_list_release(&l);
    return rc;
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
