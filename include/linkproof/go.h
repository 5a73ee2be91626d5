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
#include "linkproof/root.h"

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
LP_API lp_code lp_buildinfo_read(lp_obj *obj, lp_buildinfo **out, lp_err *err);

/**
 * Parse build info from the raw strings (version, framed module text), as
 * found in a blob. Exposed for the fuzzer and tests.
 */
LP_API lp_code lp_buildinfo_parse(const char *vers, size_t vers_len, const char *mod, size_t mod_len,
                           lp_buildinfo **out, lp_err *err);

/** Free; sets *bi to NULL. Safe on NULL. */
LP_API void lp_buildinfo_free(lp_buildinfo **bi);

/** The value of build setting @p key, or NULL. */
LP_API const char *lp_buildinfo_setting(const lp_buildinfo *bi, const char *key);

/**
 * Format as runtime/debug.BuildInfo.String() does, without the `go` line,
 * then as `go version -m` prints it: each line indented by a tab.
 * Returns a heap string ("" when there is nothing to print) or NULL on OOM.
 */
LP_API char *lp_buildinfo_format_gover(const lp_buildinfo *bi);

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
LP_API lp_code lp_go_buildid(lp_obj *obj, char **out, lp_buildid_src *from, lp_err *err);

/** The GNU build ID (NT_GNU_BUILD_ID) as lowercase hex, or NULL when absent. */
LP_API lp_code lp_gnu_buildid(lp_obj *obj, char **out, lp_err *err);

/** pclntab layouts, by header magic. */
typedef enum lp_pcln_version {
    LP_PCLN_UNKNOWN = 0,
    LP_PCLN_12,  /**< 0xfffffffb: Go 1.2 to 1.15 */
    LP_PCLN_116, /**< 0xfffffffa: Go 1.16 and 1.17 */
    LP_PCLN_118, /**< 0xfffffff0: Go 1.18 and 1.19 */
    LP_PCLN_120, /**< 0xfffffff1: Go 1.20 and later */
} lp_pcln_version;

/** A function from the function table. */
typedef struct lp_func {
    uint64_t entry;   /**< entry address */
    const char *name; /**< exactly as the table stores it; lives as long as the table */
    uint64_t end;     /**< where the function ends: the next entry of the table (for the last
                           function, the table's end-of-text entry); entry when unknown */
} lp_func;

/** The function table (pclntab) of a Go binary. Opaque; see the accessors. */
typedef struct lp_pclntab lp_pclntab;

/** How the table was found and what it says about itself. */
typedef struct lp_pclntab_info {
    lp_pcln_version version;
    uint32_t magic;
    const char *go_versions; /**< "1.18-1.19", ... */
    uint8_t ptr_size;
    uint8_t quantum;
    bool big_endian;
    uint64_t addr;          /**< virtual address of the header (0 when found outside any segment) */
    uint64_t off;           /**< file offset of the header */
    const char *found_by;   /**< "section .gopclntab", "symbol runtime.pclntab", "symbol
                                 runtime.firstmoduledata", "moduledata (section .go.module)", "scan" */
    uint64_t text_start;    /**< base for entry offsets (Go 1.18+), 0 when not used */
    const char *text_start_from; /**< "header", "relocation", "symbol runtime.text", "section .text" */
    size_t n_bad;           /**< entries skipped because their name was out of range */
    uint64_t text_end;      /**< the table's end-of-text entry (the end of the last function) */
} lp_pclntab_info;

/**
 * Find and read the function table, for every layout from Go 1.2 on, either
 * byte order: the `.gopclntab` / `.data.rel.ro.gopclntab` / `__gopclntab`
 * section, else the `runtime.pclntab` symbol, else the moduledata's pointer
 * to the header (the `.go.module` section of Go 1.26, or the
 * `runtime.firstmoduledata` symbol), else a scan of the non-executable data
 * for a magic whose header validates (quantum, pointer size, offsets in
 * range, a first function name that reads). LP_ERR_NOTFOUND when
 * there is none. The table's bytes are read once (mapped when large); no
 * allocation per function.
 */
LP_API lp_code lp_pclntab_read(lp_obj *obj, lp_pclntab **out, lp_err *err);
LP_API void lp_pclntab_free(lp_pclntab **t);
LP_API const lp_pclntab_info *lp_pclntab_get_info(const lp_pclntab *t);
LP_API size_t lp_pclntab_count(const lp_pclntab *t);
LP_API const lp_func *lp_pclntab_func(const lp_pclntab *t, size_t i);

/**
 * Every function name the table holds: the functions' own names (first, in
 * table order), then every string of its function-name table (Go 1.16+),
 * which also names the functions inlined into others (the inline trees point
 * there), so a function inlined at every call is found too. Names may repeat.
 * *out is a heap array (free()) of views into the table.
 */
LP_API lp_code lp_pclntab_names(const lp_pclntab *t, const char ***out, size_t *n, lp_err *err);

/**
 * The package path of a function name, as Go's debug/gosym does: generic
 * instantiation brackets removed, compiler-generated `go.`/`type.` (Go <=
 * 1.19) or `go:`/`type:` (Go 1.20+) names belong to no package (length 0).
 * Returns the length of the package prefix of @p name.
 */
LP_API size_t lp_go_package_len(const char *name, lp_pcln_version v);

/**
 * An import path as the linker spells it in symbol and function names
 * (objabi.PathToPrefix: control bytes, space, '%', '"', non-ASCII, and '.' in
 * the last path element become %xx; "gopkg.in/yaml.v3" -> "gopkg.in/yaml%2ev3").
 * Heap string, NULL on OOM.
 */
LP_API char *lp_go_path_to_prefix(const char *path, size_t len);

/** The reverse, for display: %xx sequences decoded. Heap string, NULL on OOM. */
LP_API char *lp_go_prefix_to_path(const char *prefix, size_t len);

/** Whether @p name is a package initializer: `PKG.init` or `PKG.init.N`. */
LP_API bool lp_go_is_init(const char *name, size_t pkg_len);

/** A package named by the function table: a view into the table's names. */
typedef struct lp_pkg {
    const char *name; /**< as the linker spells it (gopkg.in/yaml%2ev3); not NUL-terminated at len */
    size_t len;       /**< 0: compiler-generated names, which belong to no package */
    size_t n_funcs;
} lp_pkg;

/**
 * The packages @p t names (lp_go_package_len() of each function), sorted by
 * their spelling, each once with its function count; compiler-generated names
 * are one entry of length 0. *out is a heap array (free()) whose names point
 * into the table.
 */
LP_API lp_code lp_pclntab_packages(const lp_pclntab *t, lp_pkg **out, size_t *n, lp_err *err);

/** What `funcs` and `pkgs` show of one file: its function table, read once. */
typedef struct lp_funcs {
    char *path;
    lp_err error;          /**< LP_OK unless it could not be read; LP_ERR_NOTFOUND: no function table */
    lp_pclntab *table;     /**< NULL on error */
    const lp_func **funcs; /**< the functions asked for (all, or one package's), in table order */
    size_t n_funcs;
    lp_pkg *pkgs;          /**< every package, as lp_pclntab_packages() */
    size_t n_pkgs;
    struct lp_funcs_priv *priv;
} lp_funcs;

/**
 * Read the function table of the file at @p path and select its functions:
 * all of them, or those of @p package (an import path such as
 * gopkg.in/yaml.v3, matched against the linker's spelling). Returns the
 * error it stores in (*out)->error; *out is set unless memory ran out.
 */
LP_API lp_code lp_funcs_read(const char *path, const char *package, lp_funcs **out, lp_err *err);
/** The same for @p path inside a root view (a directory or an image; NULL: the host). */
LP_API lp_code lp_funcs_read_in(lp_root *root, const char *path, const char *package, lp_funcs **out,
                                lp_err *err);
LP_API void lp_funcs_free(lp_funcs **f);

/** What `go version -m` has to say about one path (lp_gover_scan()). */
typedef enum lp_gover_what {
    LP_GOVER_INFO = 0,        /**< a Go executable: its build info */
    LP_GOVER_STAT_FAILED,     /**< a named path that cannot be examined (detail: Go's errno text) */
    LP_GOVER_SYMLINK,         /**< a named symlink that does not lead to a regular file */
    LP_GOVER_NOT_EXECUTABLE,  /**< not a regular file with an execute bit */
    LP_GOVER_UNREADABLE,      /**< it could not be opened */
    LP_GOVER_NOT_GO,          /**< an object without Go build info */
    LP_GOVER_UNRECOGNIZED,    /**< not an object file */
    LP_GOVER_MALFORMED,       /**< a malformed object (detail: what and where) */
    LP_GOVER_PARSE_ERROR,     /**< build info Go's parser refuses (detail: its error) */
} lp_gover_what;

typedef struct lp_gover_item {
    const char *path;         /**< as Go names it (cleaned in a walk) */
    lp_gover_what what;
    const lp_buildinfo *bi;   /**< LP_GOVER_INFO, LP_GOVER_PARSE_ERROR */
    const char *detail;       /**< see lp_gover_what; NULL otherwise */
} lp_gover_item;

typedef void (*lp_gover_visit)(void *ctx, const lp_gover_item *it);

/**
 * Examine @p path as `go version -m` does (Go 1.19): a file is reported
 * whatever it is; a directory is walked in lexical order, symlinks not
 * followed into, and only its Go executables are reported; a symlink to a
 * directory named on the command line is a file. Each report goes to @p visit.
 */
LP_API void lp_gover_scan(const char *path, lp_gover_visit visit, void *ctx);

/**
 * lp_gover_scan() for @p path inside a root view (`buildinfo --image`): the same
 * rules (lexical order, symbolic links not followed into, an execute bit needed,
 * links followed inside the root); items are named by their paths in the root.
 */
LP_API void lp_gover_scan_in(lp_root *root, const char *path, lp_gover_visit visit, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
