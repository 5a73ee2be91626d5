/**
 * @file registry.h
 * @brief The store of trusted fingerprints: an SQLite file (the default) or a
 * PostgreSQL database (a fleet's shared store), behind one interface.
 *
 * Both backends behave the same: a versioned schema with migrations (applied
 * by writers; a newer schema or another program's tables are refused and left
 * untouched), every change in one transaction (an import or a copy is all or
 * nothing), one label per build enforced by a unique index (concurrent writers
 * get "already registered as ..."), and read-only opening that never writes
 * (a PostgreSQL role that may only SELECT can run every read).
 *
 * SQLite: WAL journal, FULL synchronous commits, a busy timeout so several
 * processes can write at once. PostgreSQL: libpq, loaded when a PostgreSQL
 * registry is first opened, with its connection strings, environment
 * (PGHOST, PGSERVICE, ...) and password file; a password in the connection
 * string itself is refused.
 */
#ifndef LINKPROOF_REGISTRY_H
#define LINKPROOF_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/fingerprint.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The schema version this library writes (both backends). */
#define LP_REGISTRY_SCHEMA 3

typedef struct lp_registry lp_registry;

/** Longest label and path an entry may hold (LP_ERR_LIMIT beyond), so no row is large. */
#define LP_REGISTRY_LABEL_MAX 1024u
#define LP_REGISTRY_PATH_MAX 4096u

typedef struct lp_reg_entry {
    int64_t id;
    char *label;
    char *go_build_id;   /**< NULL when the build had none */
    char *gnu_build_id;
    char *sha256;
    char *code_sha256;
    uint64_t code_size;
    char *path;          /**< where it was added from, NULL for imports without one */
    char *added_at;      /**< UTC, ISO 8601 */
} lp_reg_entry;

typedef struct lp_reg_list {
    lp_reg_entry *e;
    size_t n;
} lp_reg_list;

/**
 * The default registry: $LINKPROOF_REGISTRY (a path or a PostgreSQL connection
 * string), else $XDG_DATA_HOME/linkproof/registry.db, else
 * ~/.local/share/linkproof/registry.db. Heap string, NULL when no home is known.
 */
LP_API char *lp_registry_default_path(void);

/**
 * Whether @p where names a PostgreSQL registry: a postgresql:// or postgres://
 * URI, or libpq's key=value form whose first word is one of its keywords
 * ("host=db1 dbname=linkproof", "service=fleet"). Anything else is an SQLite
 * path (write "./host=x" for a file of that name).
 */
LP_API bool lp_registry_is_postgres(const char *where);

/** lp_registry_open() flags. */
#define LP_REG_CREATE 0x1u   /**< create the file (and missing parent directories) when absent */
#define LP_REG_READONLY 0x2u /**< open for reading only: nothing is written, not even the journal mode */

/**
 * Open the registry @p where (a path, or a PostgreSQL connection string: see
 * lp_registry_is_postgres()): read-write (flags 0), creating it with
 * LP_REG_CREATE, or read-only with LP_REG_READONLY. A read-only registry is
 * never written to (no migration, no journal switch).
 *
 * SQLite: read-only works on read-only media and for users who may not write
 * the file or its directory; on those, when the WAL index files cannot be
 * created beside it, the file is read as it is on disk (SQLite's immutable
 * mode). A missing file without LP_REG_CREATE is LP_ERR_NOTFOUND.
 *
 * PostgreSQL: the tables live in the connection's current schema (the first
 * of search_path that exists). A database without them is LP_ERR_NOTFOUND
 * unless LP_REG_CREATE, and then they are created inside the first write
 * transaction, so a failed first write leaves nothing behind. A password in
 * @p where is LP_ERR_INVAL (it would be visible in the process list); a server
 * that cannot be reached, refused authentication or denied a permission is
 * LP_ERR_IO with one line saying which.
 *
 * Either: a database that is not a registry (another program's tables), a
 * corrupt one, or one written by a newer linkproof is LP_ERR_FORMAT naming it,
 * and is left as it is.
 */
LP_API lp_code lp_registry_open(const char *where, unsigned flags, lp_registry **out, lp_err *err);
LP_API void lp_registry_close(lp_registry **r);

/**
 * Whether the last write's outcome is unknown: the connection to a PostgreSQL
 * server was lost while it committed, so the change was made entirely or not
 * at all and only reading the registry again can tell. A caller must then not
 * report that nothing was changed. False for SQLite, whose commit is local.
 */
LP_API bool lp_registry_outcome_unknown(const lp_registry *r);

/** How messages name the registry: the path or connection string it was opened with. */
LP_API const char *lp_registry_name(const lp_registry *r);

/** "sqlite" or "postgresql". */
LP_API const char *lp_registry_backend(const lp_registry *r);

/** False once the registry cannot answer any more (its server connection was lost). */
LP_API bool lp_registry_usable(const lp_registry *r);

/** Whether @p label is a valid label: non-empty, valid UTF-8 (no overlong forms or
 *  surrogates), without control characters (C0, DEL, C1): one line of text. */
LP_API bool lp_registry_label_ok(const char *label);

/**
 * Add a fingerprint under @p label. One build (one code hash) has one label:
 * *added is false when the code is already there under @p label; when it is
 * there under another label the call fails with LP_ERR_INVAL ("already
 * registered as 'LABEL'"), naming lp_registry_rename(). Safe against
 * concurrent writers: of several adding one build under different labels at
 * once, one succeeds and the others get that error.
 */
LP_API lp_code lp_registry_add(lp_registry *r, const lp_fingerprint *f, const char *path, const char *label,
                        bool *added, lp_err *err);

/** Every entry, oldest first. */
LP_API lp_code lp_registry_list(lp_registry *r, lp_reg_list *out, lp_err *err);

/**
 * The entries @p key names, tried in this order: an id (all digits); a
 * label (every build under it); an exact Go build ID, GNU build ID, sha256 or
 * code_sha256 (every build with it); else a prefix of at least
 * LP_REG_PREFIX_MIN characters of one of those (what `registry list` prints),
 * which must name a single build: a prefix shared by several builds fails
 * with LP_ERR_INVAL listing them. Nothing found: LP_OK and an empty list.
 */
LP_API lp_code lp_registry_find(lp_registry *r, const char *key, lp_reg_list *out, lp_err *err);
#define LP_REG_PREFIX_MIN 4u

/** Entries under exactly this label. */
LP_API lp_code lp_registry_find_label(lp_registry *r, const char *label, lp_reg_list *out, lp_err *err);

/** Entries with this code hash (the verdict's question). */
LP_API lp_code lp_registry_find_code(lp_registry *r, const char *code_sha256, lp_reg_list *out, lp_err *err);

/** Remove what lp_registry_find() would return; *removed counts them. */
LP_API lp_code lp_registry_remove(lp_registry *r, const char *key, size_t *removed, lp_err *err);

/** Give what lp_registry_find() would return the label @p label; *renamed counts them. */
LP_API lp_code lp_registry_rename(lp_registry *r, const char *key, const char *label, size_t *renamed,
                           lp_err *err);

/**
 * Parse JSON lines (the export format) without touching any registry: one
 * object per line with label, sha256, code_sha256 (64 lowercase hex digits)
 * and code_size, optionally go_build_id, gnu_build_id, path, added_at (strings
 * or null). Duplicate keys, unknown keys, non-UTF-8 text and invalid labels
 * are errors naming the line. The entries' ids are 0.
 */
LP_API lp_code lp_registry_parse(const char *text, size_t len, const char *name, lp_reg_list *out,
                          lp_err *err);

/**
 * Add parsed entries in one transaction: all of them or, on any error (an
 * entry whose code is there under another label, say), none. *added counts
 * new entries.
 */
LP_API lp_code lp_registry_import_list(lp_registry *r, const lp_reg_list *in, const char *name,
                                size_t *added, lp_err *err);

/**
 * Copy every entry of @p from into @p to, all or nothing: @p from is read in
 * one snapshot, in batches, and @p to written in one transaction. Entries
 * that @p to has under the same label are nothing new; an entry whose build
 * @p to has under another label fails the copy (LP_ERR_INVAL naming it) and
 * nothing is written. *read counts the entries read, *added those added.
 * Between any two registries: SQLite to PostgreSQL and back, or the same kind.
 */
LP_API lp_code lp_registry_copy(lp_registry *from, lp_registry *to, size_t *read, size_t *added, lp_err *err);

/** lp_registry_parse() then lp_registry_import_list(). */
LP_API lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err);

LP_API void lp_reg_list_release(lp_reg_list *l);

#ifdef __cplusplus
}
#endif
#endif
