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
lp_code lp_fingerprint_file(const char *path, lp_fingerprint *out, lp_err *err);
void lp_fingerprint_release(lp_fingerprint *f);

typedef enum lp_exe_state { LP_EXE_PRESENT = 0, LP_EXE_DELETED, LP_EXE_REPLACED } lp_exe_state;
const char *lp_exe_state_name(lp_exe_state s);

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
lp_code lp_fingerprint_pid(int pid, lp_proc_fingerprint *out, lp_err *err);
/** lp_fingerprint_pid() on an open process (proc.h); its hook is called at stage "memory". */
lp_code lp_fingerprint_proc(struct lp_proc *proc, lp_proc_fingerprint *out, lp_err *err);
void lp_proc_fingerprint_release(lp_proc_fingerprint *p);

/** The three outcomes of a verification, worst last. */
typedef enum lp_verdict { LP_VERIFY_OK = 0, LP_VERIFY_ROLLBACK, LP_VERIFY_FUSE } lp_verdict;
const char *lp_verdict_name(lp_verdict v);

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
lp_code lp_baseline_resolve(struct lp_registry *reg, const char *text, lp_baseline *out, lp_err *err);
void lp_baseline_release(lp_baseline *b);

/** Whether @p s has the form of a Go build ID (see lp_baseline_resolve()). */
bool lp_go_buildid_form(const char *s);

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
lp_code lp_verify_pid(int pid, const lp_baseline *baseline, struct lp_registry *reg,
                      lp_verify_result *out, lp_err *err);
/** lp_verify_pid() on an open process. */
lp_code lp_verify_proc(struct lp_proc *proc, const lp_baseline *baseline, struct lp_registry *reg,
                       lp_verify_result *out, lp_err *err);
void lp_verify_result_release(lp_verify_result *r);

/** Whether the file at @p path is a Go binary (build ID note or build info), cheaply. */
bool lp_is_go_file(const char *path);

#ifdef __cplusplus
}
#endif
#endif
