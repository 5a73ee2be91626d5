/**
 * @file registry.h
 * @brief The store of trusted fingerprints (SQLite).
 *
 * WAL journal, FULL synchronous commits (a committed entry survives a crash),
 * a busy timeout so several processes can write at once, every change in a
 * transaction (an import is all or nothing), and a versioned schema with
 * migrations applied on open.
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

/** The schema version this library writes. */
#define LP_REGISTRY_SCHEMA 2

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
 * The default database path: $LINKPROOF_REGISTRY, else
 * $XDG_DATA_HOME/linkproof/registry.db, else ~/.local/share/linkproof/registry.db.
 * Heap string, NULL when no home is known.
 */
LP_API char *lp_registry_default_path(void);

/** lp_registry_open() flags. */
#define LP_REG_CREATE 0x1u   /**< create the file (and missing parent directories) when absent */
#define LP_REG_READONLY 0x2u /**< open for reading only: nothing is written, not even the journal mode */

/**
 * Open the registry at @p path: read-write (flags 0), creating it with
 * LP_REG_CREATE, or read-only with LP_REG_READONLY. A read-only registry
 * is never written to (no migration, no journal switch) and works on
 * read-only media and for users who may not write the file or its
 * directory; on those, when the WAL index files cannot be created beside it,
 * the file is read as it is on disk (SQLite's immutable mode). A missing file
 * without LP_REG_CREATE is LP_ERR_NOTFOUND; a file that is not a registry, a
 * corrupt one, or one written by a newer linkproof is LP_ERR_FORMAT naming
 * the file.
 */
LP_API lp_code lp_registry_open(const char *path, unsigned flags, lp_registry **out, lp_err *err);
LP_API void lp_registry_close(lp_registry **r);

/** Whether @p label is a valid label: non-empty, valid UTF-8 (no overlong forms or
 *  surrogates), without control characters (C0, DEL, C1): one line of text. */
LP_API bool lp_registry_label_ok(const char *label);

/**
 * Add a fingerprint under @p label. One build (one code hash) has one label:
 * *added is false when the code is already there under @p label; when it is
 * there under another label the call fails with LP_ERR_INVAL, naming that
 * label and lp_registry_rename().
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

/** lp_registry_parse() then lp_registry_import_list(). */
LP_API lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err);

LP_API void lp_reg_list_release(lp_reg_list *l);

#ifdef __cplusplus
}
#endif
#endif
