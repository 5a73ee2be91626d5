/**
 * @file ld.h
 * @brief The dynamic loader's rules, applied without running a loader.
 *
 * Readers for the files the loaders consult (glibc's ld.so.cache and
 * ld.so.conf, musl's ld-musl-ARCH.path), for ELF symbol versions, and the
 * resolver that puts them together as glibc's elf/dl-load.c and musl's
 * ldso/dynlink.c do. Every file is read through a root view (root.h).
 */
#ifndef LINKPROOF_LD_H
#define LINKPROOF_LD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/object.h"
#include "linkproof/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* ld.so.cache                                                         */

typedef struct lp_ldcache lp_ldcache;

/** One cache entry. Strings are owned by the cache. */
typedef struct lp_ldcache_entry {
    const char *key;    /**< the soname ("libc.so.6") */
    const char *path;   /**< where ldconfig found it */
    uint32_t flags;     /**< FLAG_* of ldconfig: type in the low byte, ABI in the high byte */
    uint64_t hwcap;     /**< legacy hwcap bits, or the extension marker (bit 62) */
    const char *hwcaps; /**< glibc-hwcaps subdirectory ("x86-64-v3"), or NULL */
} lp_ldcache_entry;

/** The default of the "ldcache" limit (linkproof/limits.h): real caches are well under 1 MiB. */
#define LP_LDCACHE_MAX (4u << 20)

/**
 * Parse an ld.so.cache image: the old "ld.so-1.7.0" format, the new
 * "glibc-ld.so.cache1.1" format, or the old one followed by the new one (then
 * the new one is used), in either byte order. @p name is used in messages.
 */
LP_API lp_code lp_ldcache_parse(const uint8_t *buf, size_t len, const char *name, lp_ldcache **out,
                         lp_err *err);
LP_API void lp_ldcache_free(lp_ldcache **cache);

LP_API size_t lp_ldcache_count(const lp_ldcache *cache);
LP_API const lp_ldcache_entry *lp_ldcache_at(const lp_ldcache *cache, size_t i);
/** "new", "old" or "old+new". */
LP_API const char *lp_ldcache_format(const lp_ldcache *cache);
/**
 * Why the extension directory (generator, glibc-hwcaps names) was not used,
 * or NULL. The entries are still used, as glibc's loader uses them; entries
 * in glibc-hwcaps subdirectories are then skipped, having no name.
 */
LP_API const char *lp_ldcache_problem(const lp_ldcache *cache);
/** The generator string from the extension section, or NULL. */
LP_API const char *lp_ldcache_generator(const lp_ldcache *cache);

/**
 * The flags an entry must carry to be usable by an object of this machine,
 * class and e_flags (as glibc's _dl_cache_check_flags): FLAG_ELF_LIBC6 plus
 * the architecture's ABI byte. Returns 0 when the architecture is unknown
 * (then any libc6 entry is accepted).
 */
LP_API uint32_t lp_ldcache_required_flags(unsigned machine, unsigned bits, uint32_t e_flags);

/**
 * Look @p soname up as glibc does: among entries with that key and
 * acceptable flags, one in the highest-priority active glibc-hwcaps
 * subdirectory (@p hwcaps, best first) wins, else the first entry without
 * hwcaps. NULL when none matches.
 */
LP_API const lp_ldcache_entry *lp_ldcache_lookup(const lp_ldcache *cache, const char *soname,
                                          uint32_t required_flags, const char *const *hwcaps,
                                          size_t n_hwcaps);

/**
 * lp_ldcache_lookup() as the loader of a given CPU does it: an entry with
 * legacy hardware-capability bits (ldconfig up to glibc 2.36 indexed
 * libraries in tls/, haswell/, x86_64/... subdirectories so) is used when
 * it has no bit outside @p hwcap, @p platform_mask and the TLS bit, and its
 * platform bits are @p platform (or none). lp_ldcache_lookup() passes zeros:
 * such entries are used only when they carry the TLS bit alone.
 */
LP_API const lp_ldcache_entry *lp_ldcache_lookup_hw(const lp_ldcache *cache, const char *soname,
                                             uint32_t required_flags, const char *const *hwcaps,
                                             size_t n_hwcaps, uint64_t hwcap, uint64_t platform,
                                             uint64_t platform_mask);

/* ------------------------------------------------------------------ */
/* Search-path files                                                   */

/** A list of directories, each with the file and line it came from. */
typedef struct lp_dirlist {
    char **dirs;
    char **origins; /**< "/etc/ld.so.conf.d/x86_64-linux-gnu.conf:3" */
    size_t n;
    char **skipped; /**< one line per limit reached: what was not read ("77 files ..."), or none */
    size_t n_skipped;
} lp_dirlist;

LP_API void lp_dirlist_release(lp_dirlist *l);

/** Include depth and directory count limits for ld.so.conf. */
#define LP_LDCONF_MAX_DEPTH 16
#define LP_LDCONF_MAX_DIRS 4096

/** Files read and matches taken per include pattern, before the rest is skipped. */
#define LP_LDCONF_MAX_FILES 1024
#define LP_LDCONF_MAX_GLOB 4096

/**
 * Read @p path (normally "/etc/ld.so.conf") in @p root as ldconfig does:
 * comments, "include GLOB..." (relative patterns are relative to the
 * including file's directory), "hwcap" lines ignored, directories in order,
 * duplicates dropped. A missing top file gives an empty list and LP_OK;
 * *present tells whether it existed. ldconfig has no limits; here, past
 * LP_LDCONF_MAX_FILES files, LP_LDCONF_MAX_DIRS directories,
 * LP_LDCONF_MAX_GLOB matches of one pattern, LP_LDCONF_MAX_DEPTH levels of
 * includes (a loop) or a file larger than 1 MiB, the rest is skipped and
 * out->skipped says what, one line per limit: what was read is kept.
 */
LP_API lp_code lp_ldconf_read(lp_root *root, const char *path, lp_dirlist *out, bool *present,
                       lp_err *err);

/**
 * musl's path file "/etc/ld-musl-ARCH.path" in @p root: directories separated
 * by ':' or newlines. *present is false when the file does not exist (then
 * musl uses "/lib:/usr/local/lib:/usr/lib"); an empty file gives no
 * directories, as in musl.
 */
LP_API lp_code lp_musl_path_read(lp_root *root, const char *arch, lp_dirlist *out, bool *present,
                          lp_err *err);

/* ------------------------------------------------------------------ */
/* Symbol versions                                                     */

#define LP_VER_FLG_BASE 0x1u
#define LP_VER_FLG_WEAK 0x2u

typedef struct lp_vernaux {
    const char *name;  /**< "GLIBC_2.34" */
    uint16_t index;    /**< vna_other: the index symbols use in .gnu.version */
    uint16_t flags;    /**< LP_VER_FLG_WEAK */
    uint32_t hash;     /**< vna_hash, as stored (the ELF hash of the name when well formed) */
} lp_vernaux;

/** One DT_VERNEED entry: versions needed from one file. */
typedef struct lp_verneed {
    const char *file;  /**< vn_file: the soname ("libc.so.6") */
    lp_vernaux *vers;
    size_t n_vers;
} lp_verneed;

/** One DT_VERDEF entry. */
typedef struct lp_verdef {
    const char *name;  /**< first vda_name */
    uint16_t index;
    uint16_t flags;    /**< LP_VER_FLG_BASE for the file's own name */
    uint32_t hash;     /**< vd_hash, as stored */
} lp_verdef;

/** An undefined dynamic symbol bound to a needed version. */
typedef struct lp_versym_ref {
    const char *name;
    uint16_t version; /**< index into the needs (vna_other) */
} lp_versym_ref;

/** Versions an object needs and defines. Strings are owned by the struct. */
typedef struct lp_versions {
    lp_verneed *needs;
    size_t n_needs;
    lp_verdef *defs;
    size_t n_defs;
    lp_versym_ref *refs; /**< undefined symbols with a needed version (index >= 2); LP_VERSIONS_REFS only */
    size_t n_refs;
    void *priv;          /**< storage */
} lp_versions;

/** Entries read per table before LP_ERR_LIMIT. */
#define LP_VERSIONS_MAX 65536u

/** What lp_versions_read() reads besides the needs and definitions. */
#define LP_VERSIONS_REFS 0x1u /**< also which undefined symbols need each version (refs) */

/**
 * Read DT_VERNEED and DT_VERDEF of @p obj, and with LP_VERSIONS_REFS also
 * DT_VERSYM and the dynamic symbols (from the dynamic section, or the
 * .gnu.version* sections when there is no usable dynamic section). An
 * object without versions gives empty lists and LP_OK.
 */
LP_API lp_code lp_versions_read(lp_obj *obj, unsigned what, lp_versions *out, lp_err *err);
LP_API void lp_versions_release(lp_versions *v);

/** Whether @p lib defines version @p name. */
LP_API bool lp_versions_defines(const lp_versions *lib, const char *name);

/**
 * Whether @p lib satisfies @p need as glibc's match_symbol decides: a
 * definition whose vd_hash equals vna_hash and whose name is the same. (A
 * requirement with a wrong hash is not met, even when the name is defined.)
 */
LP_API bool lp_versions_provides(const lp_versions *lib, const lp_vernaux *need);

/** The ELF (System V) hash of @p name, as vna_hash and vd_hash hold it. */
LP_API uint32_t lp_elf_hash(const char *name);

/**
 * The highest version @p lib defines in the family of @p like (same prefix
 * up to the first digit, "GLIBC_2.34" -> "GLIBC_"), compared numerically
 * part by part; NULL when there is none.
 */
LP_API const char *lp_versions_highest(const lp_versions *lib, const char *like);

/** Compare "GLIBC_2.9" and "GLIBC_2.10" numerically part by part (strcmp-like). */
LP_API int lp_version_cmp(const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* Resolution                                                          */

typedef enum lp_libc {
    LP_LIBC_UNKNOWN = 0,
    LP_LIBC_GLIBC,
    LP_LIBC_MUSL,
} lp_libc;

LP_API const char *lp_libc_name(lp_libc libc); /* "glibc", "musl", "unknown" */

/** Which rule found a library; stable names in lp_rule_name(). */
typedef enum lp_rule {
    LP_RULE_NONE = 0,     /**< not found */
    LP_RULE_MAIN,         /**< the file itself */
    LP_RULE_INTERP,       /**< PT_INTERP */
    LP_RULE_PATH,         /**< the name contains '/' */
    LP_RULE_RPATH,        /**< DT_RPATH of the loader or an object above it */
    LP_RULE_LD_LIBRARY_PATH,
    LP_RULE_RUNPATH,      /**< DT_RUNPATH of the loader */
    LP_RULE_LDCACHE,      /**< the root's /etc/ld.so.cache */
    LP_RULE_LDCONF,       /**< a directory from /etc/ld.so.conf the cache lacks */
    LP_RULE_DEFAULT,      /**< the architecture's default directories */
    LP_RULE_MUSL_PATH,    /**< /etc/ld-musl-ARCH.path */
    LP_RULE_MUSL_LIBC,    /**< musl's reserved names (libc.so, libpthread.so.0, ...) are musl itself */
} lp_rule;

LP_API const char *lp_rule_name(lp_rule rule);

/** What went wrong; stable names in lp_problem_name(). */
typedef enum lp_problem_kind {
    LP_PROB_INTERP_MISSING = 1, /**< PT_INTERP is not in the root */
    LP_PROB_INTERP_WRONG,       /**< it is there but not a loader for this class/machine */
    LP_PROB_LIBC_MISMATCH,      /**< glibc binary on a musl root, or the reverse */
    LP_PROB_NOT_FOUND,          /**< a DT_NEEDED library was not found */
    LP_PROB_VERSION_MISSING,    /**< a needed symbol version is not provided */
    LP_PROB_BAD_LIBRARY,        /**< found, but unreadable, not ELF, or of the wrong class */
    LP_PROB_STALE_CACHE,        /**< only in an ld.so.conf directory the cache lacks: the loader will not find it */
    LP_PROB_LIMIT,              /**< the tree exceeds LP_DEPS_MAX_OBJS */
    LP_PROB_CPU_DEPENDENT,      /**< the CPU is not known, and on some CPUs the library is not loaded */
    LP_PROB_WARNING = 100,      /**< below: not fatal */
    LP_PROB_WEAK_VERSION,       /**< a weak version requirement is not met (glibc only warns) */
    LP_PROB_NO_VERDEF,          /**< needed versions, but the library defines none (glibc accepts) */
    LP_PROB_BAD_CACHE,          /**< the ld.so.cache could not be read: ignored, as the loader does */
    LP_PROB_VERSIONS_SKIPPED,   /**< musl: versions are not checked by the loader */
    LP_PROB_NO_CACHE,           /**< glibc root without a usable ld.so.cache */
    LP_PROB_LDCONF_LIMIT,       /**< ld.so.conf was consulted, and a limit made linkproof skip part of it */
    LP_PROB_CPU_DEPENDENT_PATH, /**< the CPU is not known and decides which file is loaded (every CPU loads one) */
} lp_problem_kind;

LP_API const char *lp_problem_name(lp_problem_kind kind);

typedef struct lp_problem {
    lp_problem_kind kind;
    size_t object;      /**< index of the object concerned in lp_deps.objs */
    char *text;         /**< one sentence (names in it as the files have them: printers escape control bytes) */
    /* LP_PROB_VERSION_MISSING / WEAK_VERSION: */
    char *version;      /**< "GLIBC_2.34" */
    char *library;      /**< "libc.so.6" */
    char *provided;     /**< the highest version of that family the library defines, or NULL */
    char **symbols;     /**< the symbols that need it (at most LP_DEPS_MAX_SYMBOLS) */
    size_t n_symbols;
    size_t n_symbols_total;
} lp_problem;

#define LP_DEPS_MAX_SYMBOLS 16

/** A candidate the search looked at and passed over. */
typedef struct lp_skip {
    char *path;
    char *why; /**< "ELFCLASS32", "machine arm", "not ELF" */
} lp_skip;

/** One object in load order (breadth-first, as the loader maps them). */
typedef struct lp_dep_obj {
    char *name;          /**< the DT_NEEDED string (for the main file: its path) */
    char *path;          /**< where it was found, inside the root; NULL if not found */
    char *realpath;      /**< path with every link resolved; NULL if not found */
    char *host_path;     /**< the file on the host, when the root has one */
    lp_rule rule;
    char *rule_detail;   /**< the directory searched, or the object whose RPATH it was */
    size_t parent;       /**< index of the object that first needed it; SIZE_MAX for the main file */
    size_t depth;
    char *soname;
    char **needed;       /**< its DT_NEEDED */
    size_t n_needed;
    size_t *children;    /**< indices of the objects its needed names resolved to (first occurrence), SIZE_MAX if not found */
    lp_skip *skipped;
    size_t n_skipped;
    unsigned bits, machine;
} lp_dep_obj;

typedef struct lp_deps_opts {
    const char *ld_library_path;   /**< as LD_LIBRARY_PATH; NULL: not set */
    const char *const *hwcaps;     /**< active glibc-hwcaps subdirectories, best first */
    size_t n_hwcaps;
    bool hwcaps_given;             /**< false: the CPU's (see cpu) */
    const char *platform;          /**< the loader's platform ($PLATFORM, and the platform
                                        subdirectory up to glibc 2.36); NULL: the CPU's */
    /** The CPU the program runs on: "host" (this machine's, read as glibc reads it), a preset
     *  (lp_cpu_names()), or NULL: "host" for the root "/", else not known. Not known: the
     *  lowest CPU of the machine is assumed, and every library whose file another CPU would
     *  change gets a cpu-dependent problem naming the CPUs. */
    const char *cpu;
} lp_deps_opts;

/** Whether @p name is a CPU lp_deps_opts.cpu accepts. */
LP_API bool lp_cpu_name_ok(const char *name);
/** The names lp_deps_opts.cpu accepts, ", "-separated. */
LP_API const char *lp_cpu_names(void);

typedef struct lp_deps {
    char *file;
    bool in_root;           /**< file is a path inside the root (LP_DEPS_IN_ROOT) */
    char *root;             /**< label */
    bool is_static;         /**< no PT_INTERP and no DT_NEEDED */
    char *interp;           /**< PT_INTERP, or NULL */
    char *interp_path;      /**< its resolved path in the root, when present */
    lp_libc binary_libc;    /**< from PT_INTERP */
    lp_libc root_libc;      /**< from the loaders present in the root */
    char *root_loader;      /**< the root's loader for this machine, if any */
    lp_libc rules;          /**< whose search rules were applied */
    bool versions_checked;
    lp_dep_obj *objs;       /**< objs[0] is the file itself */
    size_t n_objs;
    lp_problem *problems;
    size_t n_problems;
    size_t n_errors;        /**< problems below LP_PROB_WARNING */
    char *ldcache;          /**< the cache used ("/etc/ld.so.cache"), or NULL */
    char **hwcaps;          /**< the glibc-hwcaps subdirectories searched, best first */
    size_t n_hwcaps;
    /* glibc's rules depend on its version and on the CPU: */
    char *glibc_version;    /**< the root's glibc ("2.36"), NULL when not known (newest rules) */
    bool glibc_version_exact; /**< false: a lower bound, from libc.so.6's version definitions */
    char *glibc_version_from; /**< the file it was read from */
    char *cpu;              /**< "host" or a preset; NULL: not known (the lowest one assumed) */
    char *cpu_assumed;      /**< the CPU whose rules were applied ("host", a preset), or NULL */
    char *platform;         /**< the loader's platform ($PLATFORM), or NULL (musl) */
    char **legacy_hwcaps;   /**< legacy subdirectories searched in every directory (glibc up to
                                 2.36: "tls/x86_64/x86_64", ..., "x86_64"), most specific first */
    size_t n_legacy_hwcaps;
} lp_deps;

/** Objects loaded before LP_ERR_LIMIT (a hostile tree could be unbounded). */
#define LP_DEPS_MAX_OBJS 4096

/**
 * A resolver for one root: it reads the root's loader configuration once
 * and keeps every library it has read, so resolving many files in one run
 * reads each library once.
 */
typedef struct lp_ld lp_ld;

/** A resolver for @p root (which must outlive it); @p opts may be NULL and is copied. */
LP_API lp_code lp_ld_new(lp_ld **out, lp_root *root, const lp_deps_opts *opts, lp_err *err);
LP_API void lp_ld_free(lp_ld **ld);

/**
 * Resolve the dependencies of @p file (a host path). When @p file lies
 * inside a directory root it is treated as the file at that path in the
 * root; otherwise as if installed in the root at the same path. Returns
 * LP_OK whenever the file could be read as ELF, whatever was found missing
 * (see problems); LP_ERR_* when the file itself cannot be read.
 */
LP_API lp_code lp_deps_resolve(lp_ld *ld, const char *file, lp_deps **out, lp_err *err);

/** lp_deps_resolve() flags. */
#define LP_DEPS_IN_ROOT 0x1u /**< @p file is a path inside the root (an image's own binary) */

/** lp_deps_resolve() with @p flags. */
LP_API lp_code lp_deps_resolve_flags(lp_ld *ld, const char *file, unsigned flags, lp_deps **out,
                              lp_err *err);
LP_API void lp_deps_free(lp_deps **deps);

/* ------------------------------------------------------------------ */
/* Where to resolve: a directory root, or images per platform (views.c) */

/**
 * Container images opened once per platform a binary asks for, each with its
 * resolver (made with the options given to lp_ld_views_new(), borrowed: they
 * must outlive the views). NULL when out of memory.
 */
typedef struct lp_ld_views lp_ld_views;
LP_API lp_ld_views *lp_ld_views_new(const lp_deps_opts *opts);
/**
 * The resolver (and root) of image number @p image (@p spec) as @p platform
 * sees it; @p want_platform, when not NULL, is binding (an image without it
 * is an error). An image that cannot be opened gives the same error on every
 * call, and is not opened again. The resolver belongs to the views.
 */
LP_API lp_code lp_ld_views_get(lp_ld_views *v, const char *spec, size_t image, const char *platform,
                        const char *want_platform, lp_ld **ld, lp_root **root, lp_err *err);
LP_API void lp_ld_views_free(lp_ld_views **v);

/** The platform @p file is resolved as in an image: @p want, else the file's own (not for a path
 *  inside the image, @p in_image), else this machine's. May return @p buf. */
LP_API const char *lp_deps_platform(const char *file, bool in_image, const char *want, char *buf, size_t n);

/** Where `deps` resolves (strings and options borrowed: they must outlive the session). */
typedef struct lp_deps_target {
    const char *root;     /**< a directory root; NULL: "/" (unless image) */
    const char *image;    /**< a container image instead of a root */
    const char *platform; /**< with image: the platform to take; NULL: each file's own */
    bool in_image;        /**< each file is a path inside the image */
    lp_deps_opts opts;
} lp_deps_target;

typedef struct lp_deps_session lp_deps_session;
/** Open the root (an image is opened when a file first needs it). LP_ERR_INVAL for a target
 *  that makes no sense (--root and --image, --platform without --image). */
LP_API lp_code lp_deps_session_open(const lp_deps_target *t, lp_deps_session **out, lp_err *err);
/**
 * lp_deps_resolve() of @p file where the session resolves. *whole is true when
 * the error is the image's (every file would get it), false when it is the file's.
 */
LP_API lp_code lp_deps_session_resolve(lp_deps_session *s, const char *file, lp_deps **out, bool *whole,
                                lp_err *err);
LP_API void lp_deps_session_close(lp_deps_session **s);

/* ------------------------------------------------------------------ */
/* Compatibility: will a binary start in an image? (src/facts/compat.c) */

/** One binary in one image. */
typedef struct lp_compat {
    bool runs;
    /** the first reason it will not start: "wrong-architecture", or a problem kind of
     *  lp_problem_name() ("interpreter-missing", "libc-mismatch", "not-found",
     *  "version-missing", ...); NULL when it runs, or when it could not be checked
     *  (then @ref error says why). */
    const char *reason;
    char *text;         /**< one line saying why, or NULL */
    char *platform;     /**< the platform the binary asked the image for ("linux/amd64") */
    lp_err error;       /**< LP_OK, or why it could not be checked (the image or the binary) */
} lp_compat;

/** A matrix of binaries (rows) by images (columns); cells[b * n_images + i]. */
typedef struct lp_compat_matrix {
    const char *const *binaries;
    size_t n_binaries;
    const char *const *images;          /**< as given */
    const lp_image_meta *const *metas;  /**< per image, NULL where it could not be opened */
    size_t n_images;
    lp_compat *cells;
    lp_err *image_errors;               /**< per image: why it could not be opened, or LP_OK */
    lp_err *binary_errors;              /**< per binary: why it could not be read, or LP_OK */
    size_t n_not_running;               /**< cells that do not run */
    size_t n_errors;                    /**< cells that could not be checked */
    struct lp_compat_priv *priv;
} lp_compat_matrix;

/** What lp_compat_run() needs beyond the names (borrowed). */
typedef struct lp_compat_opts {
    const char *platform;  /**< the platform to take from multi-platform images; NULL: each binary's own */
    lp_deps_opts deps;     /**< the CPU and the loader's options */
} lp_compat_opts;

/**
 * The matrix: each of @p binaries resolved in each of @p images (opened once
 * per platform the binaries ask for) and judged by lp_compat_judge(). Errors
 * of an image or a binary are kept in their cells, never fatal; the call
 * fails only when memory runs out. Names are borrowed by the matrix.
 */
LP_API lp_code lp_compat_run(const char *const *binaries, size_t n_binaries, const char *const *images,
                      size_t n_images, const lp_compat_opts *o, lp_compat_matrix **out, lp_err *err);
LP_API void lp_compat_matrix_free(lp_compat_matrix **m);

/**
 * The verdict for a binary whose dependencies in an image are @p d (NULL: it
 * could not be resolved, see @p why): the image's architecture (from its
 * config, in @p img) against @p binary_arch (GOARCH spelling) first, then
 * the problems in the order the loader meets them (interpreter, libc,
 * libraries, symbol versions).
 */
LP_API lp_code lp_compat_judge(const lp_deps *d, const char *binary_arch, const lp_image_meta *img,
                        const char *why, lp_compat *out, lp_err *err);
LP_API void lp_compat_release(lp_compat *c);

#ifdef __cplusplus
}
#endif
#endif
