/**
 * @file facts.h
 * @brief Everything linkproof knows about one file, gathered once.
 *
 * Facts first, verdicts second: `inspect`, `check` and `diff` are views of
 * this struct, and JSON is written from it in one place (src/report).
 */
#ifndef LINKPROOF_FACTS_H
#define LINKPROOF_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "linkproof/error.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/root.h"
#include "linkproof/xvar.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Linkage, read from the object itself. */
typedef struct lp_linkage {
    bool is_static;   /**< no PT_INTERP and no DT_NEEDED */
    bool pie;         /**< ET_DYN with DF_1_PIE, or ET_DYN with an interpreter and no DT_SONAME */
    bool pie_flag;    /**< DF_1_PIE is set */
    lp_dynamic dyn;   /**< interpreter, needed, rpath, runpath, soname, flags */
    /* Hardening, as checksec reports it (ELF only). */
    const char *kind; /**< "executable", "pie", "shared-library", "relocatable", "core", "unknown" */
    const char *relro; /**< "none", "partial" (PT_GNU_RELRO), "full" (PT_GNU_RELRO and BIND_NOW) */
    bool gnu_stack;   /**< a PT_GNU_STACK header exists */
    bool exec_stack;  /**< PT_GNU_STACK asks for an executable stack */
    bool nx;          /**< PT_GNU_STACK exists and is not executable */
    size_t n_rwx;     /**< PT_LOAD segments both writable and executable */
} lp_linkage;

/** A disagreement between what the build recorded and what the binary shows. */
typedef struct lp_note {
    char *id;   /**< stable identifier, e.g. "cgo-static" */
    char *text; /**< one line */
} lp_note;

typedef struct lp_facts {
    char *path;
    lp_err error;        /**< code LP_OK unless the file could not be read */
    bool is_object;      /**< a recognised object format */
    lp_obj_info info;    /**< valid when is_object; strings copied into @ref machine */
    char machine[24];
    bool is_go;          /**< build info or a Go build ID was found */
    lp_buildinfo *go;    /**< NULL when there is no build info */
    char *go_build_id;
    lp_buildid_src go_build_id_src;
    char *gnu_build_id;
    lp_linkage linkage;
    bool symtab;
    bool dwarf;             /**< any .debug_* or .zdebug_* section */
    bool dwarf_compressed;  /**< .zdebug_* or SHF_COMPRESSED */
    size_t n_dwarf_sections;
    bool has_sections;      /**< the section header table exists */
    lp_note *notes;
    size_t n_notes;

    /* From the function table (pclntab); all NULL/0 when there is none. */
    lp_pclntab *pcln;        /**< owned */
    lp_err pcln_error;       /**< why a table that seemed present could not be read */
    lp_pkg *pkgs;            /**< sorted by path; "" (len 0) for compiler-generated names */
    size_t n_pkgs;
    const char **inits;      /**< package initializers (PKG.init, PKG.init.N), table order */
    size_t n_inits;
    bool cgo_linked;         /**< cgo code is in the function table (see cgo_evidence) */
    const char **cgo_evidence; /**< runtime/cgo, crosscall2, _cgo_*, x_cgo_*, PKG._Cfunc_* functions (at most 8) */
    size_t n_cgo_evidence;
    size_t n_cgo_funcs;      /**< how many such functions in all */
    /**
     * Name resolution (the guide's §3.2/§3.3): "none" (package net is not linked), "go"
     * (Go's own resolver only), "cgo" (libc's getaddrinfo and its NSS modules are linked
     * in, beside Go's), "system" (Windows: GetAddrInfoW); NULL without a function table.
     */
    const char *resolver;
    const char *resolver_why;   /**< one line: the evidence, and what can switch it */
    bool user_cgo;           /**< os/user looks users up through libc (cgo) */
    bool plugin_linked;      /**< package plugin is linked */
    bool plugin_cgo;         /**< ... with its cgo (dlopen) implementation */
    const char *static_libc; /**< static binary with C code linked in: "glibc", or "unknown" */

    /* -X verdicts: every -X in the recorded -ldflags, then the user's targets. */
    lp_xreport x;

    /* Go version when there is no build info: where it came from. */
    char *go_version_fallback;
    const char *go_version_source; /**< "buildinfo", "symbol runtime.buildVersion", "runtime version string" */

    /** read with LP_FACTS_IDENTITY: the function table and -X verdicts were not read */
    bool identity_only;
    /** read with LP_FACTS_NO_XVARS: the function table was read, the -X verdicts were not */
    bool no_xvars;
} lp_facts;

/** What to look for beyond the facts every file gets. */
typedef struct lp_facts_opts {
    const lp_xtarget *vars; /**< -X targets named by the user (--var) */
    size_t n_vars;
} lp_facts_opts;

/**
 * Gather the facts about the file at @p path. Returns LP_OK when the file
 * was read (a non-object or non-Go file is not an error: see is_object and
 * is_go); otherwise the error is also stored in facts->error, and *out is
 * still set (path and error filled in) unless memory ran out.
 */
LP_API lp_code lp_facts_collect(const char *path, lp_facts **out, lp_err *err);

/** lp_facts_collect() with options (NULL for none). */
LP_API lp_code lp_facts_collect_opts(const char *path, const lp_facts_opts *opts, lp_facts **out,
                              lp_err *err);

/** lp_facts_collect_opts() with LP_FACTS_* @p flags (see lp_facts_from_src_flags()). */
LP_API lp_code lp_facts_collect_flags(const char *path, const lp_facts_opts *opts, unsigned flags,
                                      lp_facts **out, lp_err *err);

/**
 * lp_facts_collect_opts() for a file inside a root view (a directory root or a
 * container image): @p path is absolute inside the root, links are followed
 * inside it, and the facts are named "IMAGE:PATH" (images) or "DIR/PATH".
 */
LP_API lp_code lp_facts_collect_in_root(lp_root *root, const char *path, const lp_facts_opts *opts,
                                 lp_facts **out, lp_err *err);

/** The same for an already open source (named by its source name). */
LP_API lp_code lp_facts_from_src(lp_src *src, lp_facts **out, lp_err *err);
LP_API lp_code lp_facts_from_src_opts(lp_src *src, const lp_facts_opts *opts, lp_facts **out,
                               lp_err *err);

/** lp_facts_from_src_flags(): only what identifies the build (`scan --identity`): the
 *  object's header, build info, build IDs, linkage and the notes that need no more; no
 *  function table (its facts stay empty) and no -X verdicts (lp_facts.identity_only) */
#define LP_FACTS_IDENTITY 0x1u
/** ... everything but the -X verdicts (`vulns`, which needs build info and the function
 *  table only): lp_facts.x stays empty and lp_facts.no_xvars is set */
#define LP_FACTS_NO_XVARS 0x2u

/** lp_facts_from_src_opts() with LP_FACTS_* @p flags. */
LP_API lp_code lp_facts_from_src_flags(lp_src *src, const lp_facts_opts *opts, unsigned flags,
                                       lp_facts **out, lp_err *err);

/**
 * -X verdicts for an open object whose facts are @p f (used by the facts
 * gathering; exposed for tests).
 */
LP_API lp_code lp_xvars_check(lp_obj *obj, const lp_facts *f, const lp_xtarget *user, size_t n_user,
                       lp_xreport *out, lp_err *err);

/** Free; sets *f to NULL. Safe on NULL. */
LP_API void lp_facts_free(lp_facts **f);

#ifdef __cplusplus
}
#endif
#endif
