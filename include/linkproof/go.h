/**
 * @file go.h
 * @brief Go facts read from an object: build info and build IDs.
 *
 * Build info is the blob the Go linker leaves behind the 14-byte magic
 * "\xff Go buildinf:": the Go version and the module information that
 * `go version -m` prints. Both layouts are read: Go 1.18+ (strings inline,
 * varint-prefixed) and Go <= 1.17 (pointers to string headers, 4 or 8 bytes,
 * either byte order).
 */
#ifndef LINKPROOF_GO_H
#define LINKPROOF_GO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/object.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A module line (`mod`, `dep`) and its optional replacement (`=>`). */
typedef struct lp_module {
    char *path;
    char *version;
    char *sum;
    struct lp_module *replace; /**< NULL when not replaced */
} lp_module;

/** A `build` line: key=value, unquoted. */
typedef struct lp_setting {
    char *key;
    char *value;
} lp_setting;

typedef enum lp_bi_layout { LP_BI_INLINE = 1, LP_BI_POINTERS = 2 } lp_bi_layout;

/** Parsed build info. Owned; free with lp_buildinfo_free(). */
typedef struct lp_buildinfo {
    char *go_version;      /**< runtime.buildVersion, e.g. "go1.19.8" */
    char *modinfo;         /**< module text with its framing removed ("" when none) */
    size_t modinfo_len;
    char *path;            /**< `path` line, or NULL */
    lp_module main;        /**< `mod` line (all NULL when absent) */
    bool has_main;
    lp_module *deps;       /**< `dep` lines in order */
    size_t n_deps;
    lp_setting *settings;  /**< `build` lines in order */
    size_t n_settings;
    /**
     * Non-NULL when the module text does not parse under Go's
     * runtime/debug.ParseBuildInfo rules (the exact error text `go version -m`
     * would print). The fields above then hold a best-effort, lenient parse.
     */
    char *parse_error;
    lp_bi_layout layout;
    uint8_t ptr_size;      /**< from the blob header */
    bool big_endian;       /**< from the blob header (pointer layout only) */
    uint64_t blob_addr;    /**< virtual address of the 32-byte header */
} lp_buildinfo;

/**
 * Read build info from @p obj the way Go's debug/buildinfo does: the
 * `.go.buildinfo` section, else the first writable, non-executable loadable
 * segment, scanning its first 64 KiB at 16-byte alignment.
 *
 * @return LP_OK with *out set; LP_ERR_NOTFOUND ("not a Go executable") when
 *         there is no blob or no version; LP_ERR_FORMAT / LP_ERR_IO when the
 *         data the blob lives in cannot be read (the message says where).
 */
lp_code lp_buildinfo_read(lp_obj *obj, lp_buildinfo **out, lp_err *err);

/**
 * Parse build info from the raw strings (version, framed module text), as
 * found in a blob. Exposed for the fuzzer and tests.
 */
lp_code lp_buildinfo_parse(const char *vers, size_t vers_len, const char *mod, size_t mod_len,
                           lp_buildinfo **out, lp_err *err);

/** Free; sets *bi to NULL. Safe on NULL. */
void lp_buildinfo_free(lp_buildinfo **bi);

/** The value of build setting @p key, or NULL. */
const char *lp_buildinfo_setting(const lp_buildinfo *bi, const char *key);

/**
 * Format as runtime/debug.BuildInfo.String() does, without the `go` line,
 * then as `go version -m` prints it: each line indented by a tab.
 * Returns a heap string ("" when there is nothing to print) or NULL on OOM.
 */
char *lp_buildinfo_format_gover(const lp_buildinfo *bi);

/** Where a Go build ID was found. */
typedef enum lp_buildid_src {
    LP_BUILDID_NONE = 0,
    LP_BUILDID_NOTE,   /**< the ELF note "Go" type 4 (.note.go.buildid) */
    LP_BUILDID_TEXT,   /**< the `\xff Go build ID: "..."` string in the first 32 KiB */
} lp_buildid_src;

/**
 * The Go build ID (heap string in *out, NULL when absent) and where it came
 * from. Absence is not an error.
 */
lp_code lp_go_buildid(lp_obj *obj, char **out, lp_buildid_src *from, lp_err *err);

/** The GNU build ID (NT_GNU_BUILD_ID) as lowercase hex, or NULL when absent. */
lp_code lp_gnu_buildid(lp_obj *obj, char **out, lp_err *err);

#ifdef __cplusplus
}
#endif
#endif
