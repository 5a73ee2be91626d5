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
#define LP_REGISTRY_SCHEMA 1

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
char *lp_registry_default_path(void);

/**
 * Open (creating, with missing parent directories when @p create) the
 * registry at @p path. A file that is not a registry, a corrupt one, or one
 * written by a newer linkproof fails with LP_ERR_FORMAT naming the file.
 */
lp_code lp_registry_open(const char *path, bool create, lp_registry **out, lp_err *err);
void lp_registry_close(lp_registry **r);

/** Add a fingerprint under @p label; *added is false when that code was already there under that label. */
lp_code lp_registry_add(lp_registry *r, const lp_fingerprint *f, const char *path, const char *label,
                        bool *added, lp_err *err);

/** Every entry, oldest first. */
lp_code lp_registry_list(lp_registry *r, lp_reg_list *out, lp_err *err);

/** Entries whose id, Go build ID, GNU build ID, sha256 or code_sha256 is @p key. */
lp_code lp_registry_find(lp_registry *r, const char *key, lp_reg_list *out, lp_err *err);

/** Entries with this code hash (the verdict's question). */
lp_code lp_registry_find_code(lp_registry *r, const char *code_sha256, lp_reg_list *out, lp_err *err);

/** Remove what lp_registry_find() would return; *removed counts them. */
lp_code lp_registry_remove(lp_registry *r, const char *key, size_t *removed, lp_err *err);

/**
 * Import JSON lines (the export format) from @p text in one transaction: all
 * of them or, on any error, none. *added counts new entries.
 */
lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err);

void lp_reg_list_release(lp_reg_list *l);

#ifdef __cplusplus
}
#endif
#endif
