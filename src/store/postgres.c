/*
 * postgres.c - the registry's PostgreSQL backend (a fleet's shared store), through libpq.
 *
 * Owns: loading libpq (dlopen on the first PostgreSQL registry: every other
 * run of linkproof starts without its 22 shared libraries), connecting with
 * libpq's connection strings, URIs, environment and password file (a password
 * in the string itself is refused: it would be in the process list), the
 * schema and its migrations, the one-line errors (server unreachable,
 * authentication failed, permission denied, connection lost) and the
 * primitive operations of store.h.
 *
 * Invariants:
 * - Tables live in the connection's current schema. One that holds other
 *   tables but no linkproof schema version, or a newer version, is refused
 *   before anything is written, and left as it is.
 * - Read-only opening runs only SELECTs: a role that may only read can run
 *   every read command, and an older schema is read as it is (its columns are
 *   those of today).
 * - Creating happens inside the first write transaction, migrating when a
 *   writer opens an older schema (as with SQLite), both after an advisory
 *   lock that serialises writers that find the schema missing or old; the
 *   version is checked again under the lock. A failed first write (an import
 *   with a bad line) leaves no tables behind.
 * - Adds are safe against concurrent writers without a table lock: the
 *   unique index on code_sha256 decides (INSERT ... ON CONFLICT DO NOTHING),
 *   then the label the build has is read back and compared.
 * - A lost connection is an error of the call that met it and of every call
 *   after it; the server rolls an unfinished transaction back.
 * - Nothing is printed: libpq's notices go to a processor that drops them.
 */
#include "store/store.h"

#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/smap.h"
#include "util/strbuf.h"

#define LOCK_TIMEOUT_S 15
#define CONNECT_TIMEOUT_S "10"
/* Rows per INSERT: one round trip each, whatever the size of an import */
#define INSERT_BATCH 1000u
/* PostgreSQL 11: starts_with() and identity columns */
#define MIN_SERVER 110000

/* ---------------------------------------------------------------- libpq, loaded on demand */

#define PQ_FUNCS(X)                                                                                      \
    X(PGconn *, PQconnectdbParams, (const char *const *, const char *const *, int))                      \
    X(ConnStatusType, PQstatus, (const PGconn *))                                                        \
    X(char *, PQerrorMessage, (const PGconn *))                                                          \
    X(void, PQfinish, (PGconn *))                                                                        \
    X(PGresult *, PQexec, (PGconn *, const char *))                                                      \
    X(PGresult *, PQexecParams,                                                                          \
      (PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int))    \
    X(ExecStatusType, PQresultStatus, (const PGresult *))                                                \
    X(char *, PQresultErrorField, (const PGresult *, int))                                               \
    X(int, PQntuples, (const PGresult *))                                                                \
    X(char *, PQgetvalue, (const PGresult *, int, int))                                                  \
    X(int, PQgetisnull, (const PGresult *, int, int))                                                    \
    X(char *, PQcmdTuples, (PGresult *))                                                                 \
    X(void, PQclear, (PGresult *))                                                                       \
    X(PQconninfoOption *, PQconninfoParse, (const char *, char **))                                      \
    X(void, PQconninfoFree, (PQconninfoOption *))                                                        \
    X(void, PQfreemem, (void *))                                                                         \
    X(int, PQconnectionNeedsPassword, (const PGconn *))                                                  \
    X(int, PQconnectionUsedPassword, (const PGconn *))                                                   \
    X(const char *, PQparameterStatus, (const PGconn *, const char *))                                   \
    X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *, PQnoticeProcessor, void *))                    \
    X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *))                                    \
    X(int, PQserverVersion, (const PGconn *))

static struct {
#define X(ret, name, args) ret(*name) args;
    PQ_FUNCS(X)
#undef X
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[256];

#ifdef LP_STATIC_BUILD
#include <nss.h>
/*
 * The static build (docs/static.md) has libpq inside: nothing to load. What a
 * static glibc would still load is an NSS module: libpq looks up the user
 * (getpwuid_r: its default user name, ~/.pgpass) and the server's name
 * (getaddrinfo), and glibc's static NSS dlopens the modules nsswitch.conf names
 * beyond its built-in files and dns (libnss_systemd on Debian: a shared glibc
 * of another version inside a static process, which crashes it). So the
 * databases libpq uses are pinned to the built-in modules before its first
 * call; glibc reads nsswitch.conf once while pinning, then ignores those lines.
 */
static void pq_load(void)
{
    static const char *const pins[][2] = {
        {"passwd", "files"}, {"group", "files"}, {"hosts", "files dns"}, {"services", "files"}};
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
        if (__nss_configure_lookup(pins[i][0], pins[i][1]) != 0) {
            snprintf(pq_error, sizeof pq_error, "could not pin the %s lookups to glibc's built-in modules",
                     pins[i][0]);
            return;
        }
#define X(ret, name, args) pq.name = name;
    PQ_FUNCS(X)
#undef X
}
#else
static void pq_load(void)
{
    static const char *const names[] = {"libpq.so.5", "libpq.so"};
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(pq_error, sizeof pq_error, "libpq.so.5 could not be loaded (%s)", e ? e : "not found");
        return;
    }
    void *f;
    /* memcpy: ISO C has no conversion from an object pointer to a function pointer */
#define X(ret, name, args)                                                                  \
    if (!(f = dlsym(h, #name))) {                                                           \
        snprintf(pq_error, sizeof pq_error, "libpq.so.5 has no %s (too old a libpq)", #name); \
        return;                                                                             \
    }                                                                                       \
    memcpy(&pq.name, &f, sizeof f);
    PQ_FUNCS(X)
#undef X
    /* kept loaded for the life of the process: libpq's TLS libraries do not unload cleanly */
}
#endif

#ifdef LP_STATIC_BUILD
#define LP_PQ_HINT ""
#else
#define LP_PQ_HINT "; install libpq5 (Debian) or libpq"
#endif

static lp_code need_libpq(lp_err *err)
{
    pthread_once(&pq_once, pq_load);
    if (pq_error[0] || !pq.PQserverVersion)
        return lp_err_set(err, LP_ERR_UNSUPPORTED,
                          "a PostgreSQL registry needs libpq: %s" LP_PQ_HINT,
                          pq_error[0] ? pq_error : "not loaded");
    return LP_OK;
}

static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* the library never prints */
}

/* ---------------------------------------------------------------- state and errors */

typedef struct pg {
    PGconn *c;
    int version;      /* schema version found (0: no tables yet) */
    int version_before; /* version before the open write transaction migrated it */
    bool create;      /* may create the tables */
    bool lost;        /* the connection is gone */
} pg;

#define PG(r) ((pg *)(r)->impl)

/* libpq's message as one line: newlines and tabs become spaces, runs of spaces one. */
static void one_line(const char *in, char *out, size_t n)
{
    size_t k = 0;
    bool space = true; /* also drops leading blanks */
    for (const char *p = in ? in : ""; *p && k + 1 < n; p++) {
        char c = *p;
        if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
            if (!space)
                out[k++] = ' ';
            space = true;
            continue;
        }
        out[k++] = c;
        space = false;
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

static bool lost_now(lp_registry *r)
{
    pg *p = PG(r);
    if (!p->lost && p->c && pq.PQstatus(p->c) == CONNECTION_BAD)
        p->lost = true;
    return p->lost;
}

/* An error of a statement (res may be NULL), as one line that says what kind it is. */
static lp_code pg_err(lp_registry *r, PGresult *res, const char *what, lp_err *err)
{
    pg *p = PG(r);
    char msg[200];
    const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    one_line(primary ? primary : pq.PQerrorMessage(p->c), msg, sizeof msg);
    bool shutdown = state && !strncmp(state, "57P0", 4); /* admin_shutdown, crash_shutdown, cannot_connect_now */
    /* an error without a SQLSTATE is libpq's own: the connection broke (a closed socket is not
     * always CONNECTION_BAD yet when the query that met it returns) */
    if (lost_now(r) || shutdown || !state || !strncmp(state, "08", 2)) {
        p->lost = true;
        return lp_err_set(err, LP_ERR_IO,
                          "'%s': lost the connection to the PostgreSQL server while %s (it stopped, restarted, "
                          "or the network failed): %s",
                          r->name, what, msg);
    }
    if (state && !strcmp(state, "42501"))
        return lp_err_set(err, LP_ERR_IO, "'%s': permission denied while %s: %s%s", r->name, what, msg,
                          r->readonly ? "" : " (this role may not change the registry)");
    if (state && !strcmp(state, "55P03"))
        return lp_err_set(err, LP_ERR_IO, "'%s': the registry stayed locked by another session for %d s (%s)",
                          r->name, LOCK_TIMEOUT_S, what);
    if (state && !strcmp(state, "25006"))
        return lp_err_set(err, LP_ERR_IO,
                          "'%s': the server accepts only reads (a standby, or default_transaction_read_only) "
                          "while %s: %s",
                          r->name, what, msg);
    if (state && (!strcmp(state, "42P01") || !strcmp(state, "42703")))
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': not a linkproof registry (%s while %s)", r->name, msg, what);
    return lp_err_set(err, LP_ERR_IO, "'%s': %s: %s", r->name, what, msg);
}

static bool ok_result(PGresult *res, ExecStatusType want) { return res && pq.PQresultStatus(res) == want; }

/* A statement without rows to read; LP_OK or the error. */
static lp_code run(lp_registry *r, const char *sql, const char *what, lp_err *err)
{
    if (lost_now(r))
        return pg_err(r, NULL, what, err);
    PGresult *res = pq.PQexec(PG(r)->c, sql);
    lp_code rc = ok_result(res, PGRES_COMMAND_OK) || ok_result(res, PGRES_TUPLES_OK) ? LP_OK
                                                                                     : pg_err(r, res, what, err);
    pq.PQclear(res);
    return rc;
}

static PGresult *params(lp_registry *r, const char *sql, int n, const char *const *v)
{
    return pq.PQexecParams(PG(r)->c, sql, n, NULL, v, NULL, NULL, 0);
}

/* ---------------------------------------------------------------- schema */

static const char *const migrations[] = {
    "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE fingerprints ("
    "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  label text NOT NULL,"
    "  go_build_id text, gnu_build_id text,"
    "  sha256 text NOT NULL, code_sha256 text NOT NULL, code_size bigint NOT NULL,"
    "  path text, added_at text NOT NULL,"
    "  UNIQUE (code_sha256, label));"
    "CREATE INDEX fingerprints_code ON fingerprints (code_sha256);"
    "CREATE INDEX fingerprints_go_build_id ON fingerprints (go_build_id);",
    /* 2: one label per build, as in sqlite.c: the oldest entry of each build stays */
    "CREATE TABLE dropped_labels AS SELECT * FROM fingerprints WHERE false;"
    "INSERT INTO dropped_labels SELECT * FROM fingerprints WHERE id NOT IN "
    "  (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "DELETE FROM fingerprints WHERE id NOT IN (SELECT min(id) FROM fingerprints GROUP BY code_sha256);"
    "CREATE UNIQUE INDEX fingerprints_one_label ON fingerprints (code_sha256);"
    "CREATE INDEX fingerprints_label ON fingerprints (label);",
    /* 3: every exact key is an indexed lookup */
    ("CREATE INDEX fingerprints_sha256 ON fingerprints (sha256);"
     "CREATE INDEX fingerprints_gnu_build_id ON fingerprints (gnu_build_id);"),
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATIONS == LP_STORE_SCHEMA, "a migration per schema version");

/*
 * What the current schema holds: *version (0: no linkproof version), *tables
 * (how many tables and views), *schema (its name) - then the refusals.
 */
static lp_code inspect(lp_registry *r, int *version, long *tables, char *schema, size_t schema_n, lp_err *err)
{
    *version = 0;
    *tables = 0;
    schema[0] = '\0';
    if (lost_now(r))
        return pg_err(r, NULL, "reading the schema", err);
    PGresult *res = pq.PQexec(
        PG(r)->c,
        "SELECT current_schema(),"
        " (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')),"
        " (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE n.nspname = current_schema() AND c.relname = 'meta' AND c.relkind IN ('r', 'p'))");
    if (!ok_result(res, PGRES_TUPLES_OK) || pq.PQntuples(res) != 1) {
        lp_code rc = pg_err(r, res, "reading the schema", err);
        pq.PQclear(res);
        return rc;
    }
    bool no_schema = pq.PQgetisnull(res, 0, 0);
    if (!no_schema)
        snprintf(schema, schema_n, "%s", pq.PQgetvalue(res, 0, 0));
    *tables = strtol(pq.PQgetvalue(res, 0, 1), NULL, 10);
    bool meta = strtol(pq.PQgetvalue(res, 0, 2), NULL, 10) > 0;
    pq.PQclear(res);
    if (no_schema)
        return lp_err_set(err, LP_ERR_NOTFOUND,
                          "'%s': no schema to keep a registry in (search_path names none that exists)", r->name);
    if (meta) {
        res = pq.PQexec(PG(r)->c, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (!ok_result(res, PGRES_TUPLES_OK)) {
            const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
            /* no such column, a column of another type: another program's 'meta' (a permission
             * denied is not that, and is said as it is) */
            bool shape = state && (!strcmp(state, "42703") || !strcmp(state, "42883") || !strcmp(state, "42804") ||
                                   !strcmp(state, "22P02") || !strcmp(state, "42P01"));
            lp_code rc = shape
                             ? lp_err_set(err, LP_ERR_FORMAT,
                                          "'%s': schema '%s' holds tables of another program (a table 'meta' "
                                          "without linkproof's schema version): left as it is",
                                          r->name, schema)
                             : pg_err(r, res, "reading the schema version", err);
            pq.PQclear(res);
            return rc;
        }
        if (pq.PQntuples(res) == 1)
            *version = atoi(pq.PQgetvalue(res, 0, 0));
        pq.PQclear(res);
    }
    if (*version == 0 && *tables > 0)
        return lp_err_set(err, LP_ERR_FORMAT,
                          "'%s': schema '%s' holds %ld table%s of another program, and no linkproof registry: "
                          "left as it is (give linkproof a database, or a schema in search_path, of its own)",
                          r->name, schema, *tables, *tables == 1 ? "" : "s");
    if (*version > (int)N_MIGRATIONS)
        return lp_err_set(err, LP_ERR_FORMAT,
                          "'%s': registry schema version %d is newer than this linkproof's (%d): left as it is",
                          r->name, *version, (int)N_MIGRATIONS);
    return LP_OK;
}

/* Inside the write transaction: create or migrate, after the lock that serialises those who do. */
static lp_code migrate(lp_registry *r, lp_err *err)
{
    pg *p = PG(r);
    lp_code rc = run(r,
                     "SELECT pg_catalog.pg_advisory_xact_lock(1819309938, pg_catalog.hashtext(current_schema()))",
                     "waiting for another writer to create or migrate the registry", err);
    int v = 0;
    long tables = 0;
    char schema[128];
    if (!rc)
        rc = inspect(r, &v, &tables, schema, sizeof schema, err);
    if (!rc && v == 0) {
        const char *enc = pq.PQparameterStatus(p->c, "server_encoding");
        if (enc && strcmp(enc, "UTF8") != 0 && strcmp(enc, "SQL_ASCII") != 0)
            rc = lp_err_set(err, LP_ERR_INVAL,
                            "'%s': the database's encoding is %s, and labels are UTF-8: create it with "
                            "'createdb -E UTF8 -T template0'",
                            r->name, enc);
    }
    for (int i = v; !rc && i < (int)N_MIGRATIONS; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s the registry's schema (version %d)", v ? "migrating" : "creating", i + 1);
        rc = run(r, migrations[i], what, err);
        if (!rc) {
            char sql[160];
            snprintf(sql, sizeof sql,
                     "INSERT INTO meta (key, value) VALUES ('schema_version', '%d') "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     i + 1);
            rc = run(r, sql, what, err);
        }
    }
    if (!rc) {
        p->version_before = v;
        p->version = (int)N_MIGRATIONS;
    }
    return rc;
}

/* ---------------------------------------------------------------- operations */

static lp_code pg_begin(lp_registry *r, bool write, lp_err *err)
{
    pg *p = PG(r);
    r->outcome_unknown = false;
    lp_code rc = run(r, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a transaction",
                     err);
    p->version_before = p->version;
    if (!rc && write && p->version < (int)N_MIGRATIONS) {
        rc = migrate(r, err);
        if (rc)
            run(r, "ROLLBACK", "rolling back", NULL);
    }
    return rc;
}

static void pg_rollback(lp_registry *r)
{
    pg *p = PG(r);
    if (!lost_now(r))
        pq.PQclear(pq.PQexec(p->c, "ROLLBACK"));
    p->version = p->version_before; /* a migration inside it is undone too */
}

static lp_code pg_commit(lp_registry *r, lp_err *err)
{
    pg *p = PG(r);
    if (!lost_now(r) && pq.PQtransactionStatus(p->c) == PQTRANS_INERROR) {
        pg_rollback(r);
        return lp_err_set(err, LP_ERR_IO, "'%s': the transaction failed: nothing was changed", r->name);
    }
    if (lost_now(r))
        return pg_err(r, NULL, "committing (nothing was changed)", err);
    PGresult *res = pq.PQexec(p->c, "COMMIT");
    lp_code rc = LP_OK;
    if (!ok_result(res, PGRES_COMMAND_OK)) {
        if (lost_now(r)) {
            /* the server may have committed before the connection went: say so, never guess */
            r->outcome_unknown = true;
            rc = lp_err_set(err, LP_ERR_IO,
                            "'%s': lost the connection to the PostgreSQL server while committing: the change "
                            "was made entirely or not at all; see 'linkproof registry list'",
                            r->name);
        } else
            rc = pg_err(r, res, "committing (nothing was changed)", err);
        p->version = p->version_before;
    }
    pq.PQclear(res);
    return rc;
}

#define COLS "id, label, go_build_id, gnu_build_id, sha256, code_sha256, code_size, path, added_at"
#define SELECT "SELECT " COLS " FROM fingerprints WHERE "

static lp_code pg_query(lp_registry *r, lp_store_q q, const char *key, size_t limit, lp_reg_list *out,
                        lp_err *err)
{
    pg *p = PG(r);
    if (p->version == 0)
        return LP_OK; /* no tables yet: nothing in it */
    static const char *const sql[] = {
        [LP_Q_ALL] = "SELECT " COLS " FROM fingerprints ORDER BY id",
        [LP_Q_AFTER] = SELECT "id > $1::bigint ORDER BY id LIMIT $2::bigint",
        [LP_Q_ID] = SELECT "id = $1::bigint ORDER BY id",
        [LP_Q_LABEL] = SELECT "label = $1 ORDER BY id",
        [LP_Q_CODE] = SELECT "code_sha256 = $1 ORDER BY id",
        /* each column has its index: a bitmap OR of four index scans */
        [LP_Q_EXACT] = SELECT "go_build_id = $1 OR gnu_build_id = $1 OR sha256 = $1 OR code_sha256 = $1 "
                              "ORDER BY id",
        [LP_Q_PREFIX] = SELECT "starts_with(go_build_id, $1) OR starts_with(gnu_build_id, $1) OR "
                               "starts_with(sha256, $1) OR starts_with(code_sha256, $1) ORDER BY id",
    };
    if (lost_now(r))
        return pg_err(r, NULL, "reading", err);
    char lim[32];
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *v[2] = {key, lim};
    PGresult *res = params(r, sql[q], key ? (q == LP_Q_AFTER ? 2 : 1) : 0, key ? v : NULL);
    if (!ok_result(res, PGRES_TUPLES_OK)) {
        lp_code rc = pg_err(r, res, "reading", err);
        pq.PQclear(res);
        return rc;
    }
    int n = pq.PQntuples(res);
    for (int i = 0; i < n; i++) {
        const char *cols[7];
        static const int at[7] = {1, 2, 3, 4, 5, 7, 8};
        for (int k = 0; k < 7; k++)
            cols[k] = pq.PQgetisnull(res, i, at[k]) ? NULL : pq.PQgetvalue(res, i, at[k]);
        if (!lp_store_push(out, strtoll(pq.PQgetvalue(res, i, 0), NULL, 10), cols,
                           strtoull(pq.PQgetvalue(res, i, 6), NULL, 10))) {
            pq.PQclear(res);
            lp_reg_list_release(out);
            return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        }
    }
    pq.PQclear(res);
    return LP_OK;
}

/* One element of a PostgreSQL array literal (after '{' or ','): NULL, or the text in double quotes. */
static void arr_add(lp_strbuf *sb, bool first, const char *s)
{
    lp_sb_addc(sb, first ? '{' : ',');
    if (!s) {
        lp_sb_adds(sb, "NULL");
        return;
    }
    lp_sb_addc(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            lp_sb_addc(sb, '\\');
        lp_sb_addc(sb, *s);
    }
    lp_sb_addc(sb, '"');
}

/*
 * One batch: INSERT ... ON CONFLICT DO NOTHING of the rows whose build is not
 * there (in order, so ids follow the input; builds there already take no id),
 * then the labels their builds have now, compared in order. A build a
 * concurrent writer removed between the two is tried again.
 */
static lp_code insert_batch(lp_registry *r, const lp_store_row *rows, size_t n, size_t *added, size_t *conflict,
                            char **have, lp_err *err)
{
    lp_strbuf a[8] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const lp_store_row *e = &rows[i];
        char size[32];
        snprintf(size, sizeof size, "%llu", (unsigned long long)e->code_size);
        const char *v[8] = {e->label, e->go_build_id, e->gnu_build_id, e->sha256, e->code_sha256, size, e->path,
                            e->added_at};
        for (size_t k = 0; k < 8; k++)
            arr_add(&a[k], i == 0, v[k]);
    }
    lp_code rc = LP_OK;
    for (size_t k = 0; k < 8; k++) {
        lp_sb_addc(&a[k], '}');
        if (a[k].oom || !a[k].s)
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    const char *v[8];
    for (size_t k = 0; k < 8; k++)
        v[k] = a[k].s;
    for (int attempt = 0; !rc && attempt < 5; attempt++) {
        PGresult *res = params(
            r,
            "INSERT INTO fingerprints (label, go_build_id, gnu_build_id, sha256, code_sha256, code_size, path, "
            "added_at) SELECT u.l, u.g, u.n, u.s, u.c, u.z, u.p, u.a FROM unnest($1::text[], $2::text[], "
            "$3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[]) WITH ORDINALITY "
            "AS u(l, g, n, s, c, z, p, a, o) WHERE NOT EXISTS (SELECT 1 FROM fingerprints f WHERE f.code_sha256 "
            "= u.c) ORDER BY u.o ON CONFLICT DO NOTHING",
            8, v);
        if (!ok_result(res, PGRES_COMMAND_OK)) {
            rc = pg_err(r, res, "adding", err);
            pq.PQclear(res);
            break;
        }
        *added += strtoull(pq.PQcmdTuples(res), NULL, 10);
        pq.PQclear(res);
        res = params(r, "SELECT code_sha256, label FROM fingerprints WHERE code_sha256 = ANY($1::text[])", 1, &v[4]);
        if (!ok_result(res, PGRES_TUPLES_OK)) {
            rc = pg_err(r, res, "adding", err);
            pq.PQclear(res);
            break;
        }
        smap labels = {0};
        int nt = pq.PQntuples(res);
        for (int i = 0; i < nt && !rc; i++)
            if (!smap_put(&labels, pq.PQgetvalue(res, i, 0), pq.PQgetvalue(res, i, 1)))
                rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
        bool missing = false;
        for (size_t i = 0; !rc && i < n && *conflict == SIZE_MAX && !missing; i++) {
            const char *l = smap_get(&labels, rows[i].code_sha256);
            if (!l)
                missing = true; /* removed by another writer after our insert skipped it */
            else if (strcmp(l, rows[i].label) != 0) {
                *conflict = i;
                if (!(*have = strdup(l)))
                    rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            }
        }
        smap_release(&labels, NULL);
        pq.PQclear(res);
        if (!missing)
            break;
        if (attempt == 4)
            rc = lp_err_set(err, LP_ERR_IO, "'%s': builds were added and removed by other writers meanwhile: "
                            "try again", r->name);
    }
    for (size_t k = 0; k < 8; k++)
        lp_sb_release(&a[k]);
    return rc;
}

static lp_code pg_insert(lp_registry *r, const lp_store_row *rows, size_t n, size_t *added, size_t *conflict,
                         char **have, lp_err *err)
{
    *added = 0;
    *conflict = n;
    *have = NULL;
    lp_code rc = LP_OK;
    for (size_t at = 0; !rc && at < n; at += INSERT_BATCH) {
        size_t k = n - at < INSERT_BATCH ? n - at : INSERT_BATCH, c = SIZE_MAX;
        rc = insert_batch(r, rows + at, k, added, &c, have, err);
        if (!rc && c != SIZE_MAX) {
            *conflict = at + c;
            break;
        }
    }
    return rc;
}

static lp_code pg_change(lp_registry *r, int64_t id, const char *label, size_t *changed, lp_err *err)
{
    *changed = 0;
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *v[2] = {ids, label};
    PGresult *res = params(r,
                           label ? "UPDATE fingerprints SET label = $2 WHERE id = $1::bigint"
                                 : "DELETE FROM fingerprints WHERE id = $1::bigint",
                           label ? 2 : 1, v);
    lp_code rc = LP_OK;
    if (!ok_result(res, PGRES_COMMAND_OK))
        rc = pg_err(r, res, label ? "renaming" : "removing", err);
    else
        *changed = strtoull(pq.PQcmdTuples(res), NULL, 10);
    pq.PQclear(res);
    return rc;
}

static bool pg_usable(const lp_registry *r)
{
    const pg *p = PG(r);
    return p && p->c && !p->lost && pq.PQstatus(p->c) == CONNECTION_OK;
}

static void pg_close(lp_registry *r)
{
    pg *p = PG(r);
    if (p) {
        if (p->c)
            pq.PQfinish(p->c);
        free(p);
    }
    r->impl = NULL;
}

static const lp_store_ops pg_ops = {
    .kind = "postgresql",
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .query = pg_query,
    .insert = pg_insert,
    .change = pg_change,
    .usable = pg_usable,
    .close = pg_close,
};

/* ---------------------------------------------------------------- opening */

/* Refuse a password in the string itself: the command line is in every user's process list. */
static lp_code check_conninfo(const char *conninfo, lp_err *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = pq.PQconninfoParse(conninfo, &msg);
    if (!opts) {
        char line[200];
        one_line(msg ? msg : "out of memory", line, sizeof line);
        if (msg)
            pq.PQfreemem(msg);
        return lp_err_set(err, LP_ERR_INVAL, "not a valid PostgreSQL connection string: %s", line);
    }
    bool password = false;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && *o->val)
            password = true;
    pq.PQconninfoFree(opts);
    if (password)
        return lp_err_set(err, LP_ERR_INVAL,
                          "the registry's connection string holds a password, which every user can read in the "
                          "process list: put it in ~/.pgpass (or the file $PGPASSFILE names) instead");
    return LP_OK;
}

/* Why a connection failed, as one line: unreachable, authentication, or what the server said. */
static lp_code connect_err(const char *name, PGconn *c, lp_err *err)
{
    char msg[240];
    one_line(c ? pq.PQerrorMessage(c) : "out of memory", msg, sizeof msg);
    if (c && pq.PQconnectionNeedsPassword(c))
        return lp_err_set(err, LP_ERR_IO,
                          "'%s': authentication failed: the server asks for a password and none was found "
                          "(~/.pgpass, or the file $PGPASSFILE names): %s",
                          name, msg);
    if (strstr(msg, "authentication failed") || (c && pq.PQconnectionUsedPassword(c)))
        return lp_err_set(err, LP_ERR_IO, "'%s': authentication failed: %s", name, msg);
    if (strstr(msg, "FATAL"))
        return lp_err_set(err, LP_ERR_IO, "'%s': the PostgreSQL server refused the connection: %s", name, msg);
    return lp_err_set(err, LP_ERR_IO, "'%s': cannot reach the PostgreSQL server: %s", name, msg);
}

static lp_code fail(lp_registry **pr, lp_code rc)
{
    lp_registry_close(pr);
    return rc;
}

lp_code lp_store_pg_open(const char *conninfo, unsigned flags, lp_registry **out, lp_err *err)
{
    *out = NULL;
    bool create = (flags & LP_REG_CREATE) != 0, ro = (flags & LP_REG_READONLY) != 0;
    lp_code rc = need_libpq(err);
    if (rc || (rc = check_conninfo(conninfo, err)))
        return rc;
    lp_registry *r = lp_store_new(&pg_ops, conninfo, ro);
    if (!r || !(r->impl = calloc(1, sizeof(pg)))) {
        lp_registry_close(&r);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    pg *p = PG(r);
    p->create = create;
    /* the string's own settings (and PGCONNECT_TIMEOUT) win over the timeout; UTF-8 always */
    const char *keys[6], *vals[6];
    int n = 0;
    if (!getenv("PGCONNECT_TIMEOUT"))
        keys[n] = "connect_timeout", vals[n++] = CONNECT_TIMEOUT_S;
    keys[n] = "dbname", vals[n++] = conninfo;
    keys[n] = "fallback_application_name", vals[n++] = "linkproof";
    keys[n] = "client_encoding", vals[n++] = "UTF8";
    keys[n] = NULL, vals[n] = NULL;
    p->c = pq.PQconnectdbParams(keys, vals, 1);
    if (!p->c || pq.PQstatus(p->c) != CONNECTION_OK)
        return fail(&r, connect_err(conninfo, p->c, err));
    pq.PQsetNoticeProcessor(p->c, drop_notice, NULL);
    if (pq.PQserverVersion(p->c) < MIN_SERVER)
        return fail(&r, lp_err_set(err, LP_ERR_UNSUPPORTED, "'%s': PostgreSQL %d.%d is too old: linkproof needs 11 or later",
                                   conninfo, pq.PQserverVersion(p->c) / 10000, pq.PQserverVersion(p->c) % 10000 / 100));
    long tables = 0;
    char schema[128];
    rc = inspect(r, &p->version, &tables, schema, sizeof schema, err);
    if (rc == LP_ERR_NOTFOUND && create)
        rc = lp_err_set(err, LP_ERR_INVAL, "'%s': no schema to create the registry in (search_path names none "
                        "that exists)", conninfo);
    if (!rc && p->version == 0 && !create)
        rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no registry there (add a build first)", conninfo);
    if (!rc && !ro) {
        char sql[64];
        snprintf(sql, sizeof sql, "SET lock_timeout = '%ds'", LOCK_TIMEOUT_S);
        rc = run(r, sql, "setting the lock timeout", err);
    }
    /* an older schema is migrated when a writer opens it, as SQLite's is; a missing one waits
     * for the first write, so that a failed first write leaves nothing */
    if (!rc && !ro && p->version > 0 && p->version < (int)N_MIGRATIONS && !(rc = pg_begin(r, true, err)))
        rc = pg_commit(r, err);
    if (rc)
        return fail(&r, rc);
    *out = r;
    return LP_OK;
}
