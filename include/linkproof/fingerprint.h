/**
 * @file fingerprint.h
 * @brief Fingerprints of a binary and of a running process, and the verdict
 *        that compares a process with the registry of trusted builds.
 *
 * A file's fingerprint: Go build ID, GNU build ID, SHA-256 of the file and
 * SHA-256 of its code (the executable PT_LOAD segments' file bytes, in
 * program-header order). A process's: the same code hash computed from its
 * memory (/proc/PID/mem at the segments' addresses plus the load bias), beside
 * the fingerprint of the file it runs (/proc/PID/exe, which still opens a file
 * deleted or replaced on disk). Hashes use OpenSSL's libcrypto.
 */
#ifndef LINKPROOF_FINGERPRINT_H
#define LINKPROOF_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/proc.h"
#include "linkproof/root.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_fingerprint {
    char *go_build_id;      /**< NULL when absent */
    char *gnu_build_id;     /**< lowercase hex, NULL when absent */
    char sha256[65];        /**< of the whole file */
    char code_sha256[65];   /**< of the executable segments' bytes ("" when has_code is false) */
    uint64_t code_size;
    bool has_code;          /**< an object file (a file of another kind has only sha256) */
} lp_fingerprint;

/** Fingerprint the file at @p path: any file gets sha256; an object file also its code and build IDs. */
LP_API lp_code lp_fingerprint_file(const char *path, lp_fingerprint *out, lp_err *err);
/** The same for @p path inside a root view (a directory or an image; NULL: the host). */
LP_API lp_code lp_fingerprint_file_in(lp_root *root, const char *path, lp_fingerprint *out, lp_err *err);
LP_API void lp_fingerprint_release(lp_fingerprint *f);


typedef struct lp_proc_fingerprint {
    int pid;
    char *exe;               /**< the path the process was started from */
    lp_exe_state exe_state;
    lp_fingerprint file;     /**< of the file the process runs */
    char mem_code_sha256[65];
    uint64_t mem_code_size;
    uint64_t load_bias;
    bool match;              /**< memory code == file code */
} lp_proc_fingerprint;

struct lp_proc;
struct lp_registry;

/**
 * Fingerprint process @p pid: its code as mapped in memory and the file it
 * runs. Every read goes through one /proc/PID directory descriptor and the
 * process's identity is checked after them: a process that exited, was
 * replaced under the same id or executed another program while it was read
 * is LP_ERR_CHANGED ("process N changed while being read"), never a
 * fingerprint mixing two processes. Other errors name the cause in a
 * sentence: no such process, no permission to read another process's memory
 * (ptrace access mode, kernel.yama.ptrace_scope), a kernel without
 * /proc/PID/mem.
 */
LP_API lp_code lp_fingerprint_pid(int pid, lp_proc_fingerprint *out, lp_err *err);
/** lp_fingerprint_pid() on an open process (proc.h); its hook is called at stage "memory". */
LP_API lp_code lp_fingerprint_proc(struct lp_proc *proc, lp_proc_fingerprint *out, lp_err *err);
LP_API void lp_proc_fingerprint_release(lp_proc_fingerprint *p);

/** The three outcomes of a verification, worst last. */
typedef enum lp_verdict { LP_VERIFY_OK = 0, LP_VERIFY_ROLLBACK, LP_VERIFY_FUSE } lp_verdict;
LP_API const char *lp_verdict_name(lp_verdict v);

/** What the running build is compared with (lp_baseline_resolve()). */
typedef struct lp_baseline {
    char *text;         /**< as given */
    char *label;        /**< the registry label: as given, or the one of the given build ID; or NULL */
    char *go_build_id;  /**< the Go build ID, when given as one; else NULL */
    char **codes;       /**< given as a label: the code SHA-256 of each build under it */
    size_t n_codes;
} lp_baseline;

/**
 * Resolve a baseline: a label of @p reg (every build under it), else a Go
 * build ID as `go tool buildid` prints it (2 or 4 parts of 20 base64url
 * characters separated by '/', or the 40 hex digits of Go before 1.10).
 * Anything else, the empty string included, is LP_ERR_INVAL saying so: a
 * typo must not be taken for a build that is not running. @p reg may be NULL.
 */
LP_API lp_code lp_baseline_resolve(struct lp_registry *reg, const char *text, lp_baseline *out, lp_err *err);
LP_API void lp_baseline_release(lp_baseline *b);

/** Whether @p s has the form of a Go build ID (see lp_baseline_resolve()). */
LP_API bool lp_go_buildid_form(const char *s);

typedef struct lp_verify_result {
    lp_proc_fingerprint fp;
    lp_verdict verdict;
    char *label;     /**< the registry's label for the running code, or NULL */
    char *reason;    /**< one line: why this verdict, naming the running build and the baseline */
    char *next_step; /**< one line: what to do now */
} lp_verify_result;

/**
 * The rollback decision for process @p pid: **ok** when the code in memory
 * matches the file and the build is the @p baseline (its Go build ID, or one
 * of its label's builds) or, without a baseline, the registry knows the code;
 * **rollback** when memory matches the file, the build is not the baseline,
 * and the registry knows it as a trusted build (the next step: deploy the
 * baseline); **fuse** otherwise (memory differs from the file, or the code is
 * unknown). @p baseline and @p reg may be NULL. A process that changed while
 * it was read is LP_ERR_CHANGED, never a verdict.
 */
LP_API lp_code lp_verify_pid(int pid, const lp_baseline *baseline, struct lp_registry *reg,
                      lp_verify_result *out, lp_err *err);
/** lp_verify_pid() on an open process. */
LP_API lp_code lp_verify_proc(struct lp_proc *proc, const lp_baseline *baseline, struct lp_registry *reg,
                       lp_verify_result *out, lp_err *err);
LP_API void lp_verify_result_release(lp_verify_result *r);

/** How `verify` decides, beyond lp_verify_proc()'s arguments (all borrowed). */
typedef struct lp_verify_opts {
    const lp_baseline *baseline;  /**< NULL: none */
    struct lp_registry *reg;      /**< NULL: none */
    const char *registry_path;    /**< where the registry was looked for, for messages */
    bool registry_missing;        /**< there is no registry file at registry_path */
    lp_proc_hook hook;            /**< set on every process opened (tests); NULL: none */
    void *hook_ctx;
} lp_verify_opts;

/**
 * lp_verify_pid() with @p o; with the registry missing, a verdict that needs
 * it (not ok while memory matches the file: a trusted build that is not the
 * baseline and an unknown one cannot be told apart) is not given:
 * LP_ERR_NOTFOUND says so, naming the path looked at.
 */
LP_API lp_code lp_verify_run(int pid, const lp_verify_opts *o, lp_verify_result *out, lp_err *err);

/** The result for one process of lp_verify_all(): @p r, or @p e when it could not be verified. */
typedef void (*lp_verify_each)(void *ctx, int pid, const lp_verify_result *r, const lp_err *e);

typedef struct lp_verify_summary {
    size_t verified;    /**< processes with a verdict */
    size_t failed;      /**< Go processes that could not be verified (each given to the callback) */
    size_t unreadable;  /**< processes whose executable could not be read (another user's) */
    bool incomplete;    /**< unreadable ones, and not root: no all-clear for the machine */
    lp_verdict worst;   /**< of the verdicts (ok when none) */
} lp_verify_summary;

/**
 * Verify every process whose executable is a Go binary (each through its own
 * lp_proc, src/proc/walk.c), in /proc order; a process whose executable cannot
 * be read is counted, not passed over silently. Fails when /proc cannot be
 * listed, and with LP_ERR_IO when the registry stops answering (a PostgreSQL
 * server lost mid-scan): the walk ends at that process, whose error is not
 * given to the callback.
 */
LP_API lp_code lp_verify_all(const lp_verify_opts *o, lp_verify_each each, void *ctx, lp_verify_summary *sum,
                      lp_err *err);

/** Whether the file at @p path is a Go binary (build ID note or build info), cheaply. */
LP_API bool lp_is_go_file(const char *path);

#ifdef __cplusplus
}
#endif
#endif
