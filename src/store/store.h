/*
 * store.h - the registry's one store interface, and what its two backends
 * (sqlite.c, postgres.c) share with the common layer (registry.c).
 *
 * The common layer owns every rule a user sees: labels, how a key names
 * entries, one label per build, import and copy all or nothing, the messages.
 * A backend owns only its connection, its schema and migrations, and a few
 * primitive operations: transactions, one query per kind of key, inserting
 * rows that are not there yet, changing one row. So SQLite and PostgreSQL
 * answer every question the same way because they are asked the same way.
 */
#ifndef LP_STORE_STORE_H
#define LP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/registry.h"

/* What a query selects (every kind returns entries ordered by id). */
typedef enum lp_store_q {
    LP_Q_ALL,    /* every entry; key NULL */
    LP_Q_AFTER,  /* entries with id > key (decimal), at most `limit` of them */
    LP_Q_ID,     /* id = key (decimal, fewer than 19 digits) */
    LP_Q_LABEL,  /* label = key */
    LP_Q_CODE,   /* code_sha256 = key */
    LP_Q_EXACT,  /* go_build_id, gnu_build_id, sha256 or code_sha256 = key (each indexed) */
    LP_Q_PREFIX, /* one of those starts with key */
} lp_store_q;

/* One row to insert: borrowed strings. */
typedef struct lp_store_row {
    const char *label, *go_build_id, *gnu_build_id, *sha256, *code_sha256;
    uint64_t code_size;
    const char *path, *added_at;
} lp_store_row;

typedef struct lp_store_ops {
    const char *kind; /* "sqlite", "postgresql" */
    /* A transaction: write takes the writer's lock (and, on PostgreSQL, creates or migrates
     * the schema inside it); a read transaction is one consistent snapshot. */
    lp_code (*begin)(lp_registry *r, bool write, lp_err *err);
    lp_code (*commit)(lp_registry *r, lp_err *err);
    void (*rollback)(lp_registry *r);
    /* Entries appended to out (released on failure). */
    lp_code (*query)(lp_registry *r, lp_store_q q, const char *key, size_t limit, lp_reg_list *out,
                     lp_err *err);
    /*
     * Inside a write transaction: insert rows[0..n) whose code is not there yet. A row whose
     * code is there under its own label is nothing new; the first row (in order) whose code is
     * there under another label stops it: *conflict gets its index and *have that label (heap).
     * Otherwise *conflict = n. *added counts the rows inserted.
     */
    lp_code (*insert)(lp_registry *r, const lp_store_row *rows, size_t n, size_t *added, size_t *conflict,
                      char **have, lp_err *err);
    /* Inside a write transaction: delete the entry (label NULL) or give it label. */
    lp_code (*change)(lp_registry *r, int64_t id, const char *label, size_t *changed, lp_err *err);
    /* Whether the store can still answer (false once a server connection is lost). */
    bool (*usable)(const lp_registry *r);
    void (*close)(lp_registry *r);
} lp_store_ops;

struct lp_registry {
    const lp_store_ops *ops;
    char *name;    /* the path or connection string, as messages name it (never a password) */
    bool readonly;
    bool outcome_unknown; /* the last commit's answer was lost: it may or may not have been made */
    void *impl;    /* the backend's own state */
};

/* The backends' openers: *out is set only on success. */
lp_code lp_store_sqlite_open(const char *path, unsigned flags, lp_registry **out, lp_err *err);
lp_code lp_store_pg_open(const char *conninfo, unsigned flags, lp_registry **out, lp_err *err);

/* For the backends: a new lp_registry with name copied (NULL when out of memory). */
lp_registry *lp_store_new(const lp_store_ops *ops, const char *name, bool readonly);
/* Free what lp_store_new allocated (not impl). */
void lp_store_free(lp_registry *r);
/* Append an entry to out: cols are label, go_build_id, gnu_build_id, sha256, code_sha256, path,
 * added_at (copied; NULL stays NULL). False when out of memory. */
bool lp_store_push(lp_reg_list *out, int64_t id, const char *const cols[7], uint64_t code_size);

/* The schema every backend's migrations reach; both number their versions the same way. */
#define LP_STORE_SCHEMA LP_REGISTRY_SCHEMA

#endif
