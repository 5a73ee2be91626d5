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

/**
 * Fingerprint process @p pid: its code as mapped in memory and the file it
 * runs. Errors name the cause in a sentence: no such process (or it exited
 * meanwhile), no permission to read another process's memory (ptrace access
 * mode, kernel.yama.ptrace_scope), a kernel without /proc/PID/mem.
 */
lp_code lp_fingerprint_pid(int pid, lp_proc_fingerprint *out, lp_err *err);
void lp_proc_fingerprint_release(lp_proc_fingerprint *p);

/** The three outcomes of a verification, worst last. */
typedef enum lp_verdict { LP_VERIFY_OK = 0, LP_VERIFY_ROLLBACK, LP_VERIFY_FUSE } lp_verdict;
const char *lp_verdict_name(lp_verdict v);

struct lp_registry;

typedef struct lp_verify_result {
    lp_proc_fingerprint fp;
    lp_verdict verdict;
    char *label;     /**< the registry's label for the running code, or NULL */
    char *reason;    /**< one line: why this verdict */
    char *next_step; /**< one line: what to do now */
} lp_verify_result;

/**
 * The rollback decision for process @p pid: **ok** when the code in memory
 * matches the file and the Go build ID is @p baseline (or, without a
 * baseline, the registry knows the code); **rollback** when memory matches
 * the file, the build is not the baseline, and the registry knows it as a
 * trusted build; **fuse** otherwise (memory differs from the file, or the code
 * is unknown). @p reg may be NULL (nothing is known then).
 */
lp_code lp_verify_pid(int pid, const char *baseline, struct lp_registry *reg, lp_verify_result *out,
                      lp_err *err);
void lp_verify_result_release(lp_verify_result *r);

/** Whether the file at @p path is a Go binary (build ID note or build info), cheaply. */
bool lp_is_go_file(const char *path);

#ifdef __cplusplus
}
#endif
#endif
