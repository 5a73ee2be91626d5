/**
 * @file proc.h
 * @brief One live process, read through one /proc/PID directory descriptor.
 *
 * A process id names whatever process has it now: between two reads by
 * path, the process may exit and another one take its id. An lp_proc holds
 * the /proc/PID directory open, so every read through it (lp_proc_dirfd(),
 * lp_proc_path()) reaches the process that was opened or fails; and it
 * records the process's identity (its start time, and the executable it
 * runs) so that lp_proc_check() can tell, after the reads, whether that
 * process is still the one that was opened: not exited, not replaced by
 * another one under the same id, not having executed another program.
 */
#ifndef LINKPROOF_PROC_H
#define LINKPROOF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_proc lp_proc;

/**
 * Open process @p pid: its /proc directory and its identity. Errors name the
 * cause: LP_ERR_NOTFOUND (no such process), LP_ERR_IO (no permission),
 * LP_ERR_INVAL (not a process id).
 */
LP_API lp_code lp_proc_open(int pid, lp_proc **out, lp_err *err);
LP_API void lp_proc_close(lp_proc **p);

LP_API int lp_proc_pid(const lp_proc *p);
/** The /proc/PID directory descriptor, for openat() and friends. */
LP_API int lp_proc_dirfd(const lp_proc *p);
/** The process's start time (clock ticks after boot, /proc/PID/stat field 22). */
LP_API uint64_t lp_proc_start_time(const lp_proc *p);

/**
 * A path that reaches @p name below the process's directory through the open
 * descriptor ("/proc/self/fd/N/exe"), for functions that take a path: it
 * never reaches another process that took the same id. Written to @p buf.
 */
LP_API const char *lp_proc_path(const lp_proc *p, const char *name, char *buf, size_t n);

/**
 * Is the process still the one that was opened? LP_OK when it is;
 * LP_ERR_CHANGED with "process N changed while being read: ..." when it
 * exited, was replaced by another process under the same id, or executed
 * another program since lp_proc_open().
 */
LP_API lp_code lp_proc_check(lp_proc *p, lp_err *err);

/**
 * A hook called between the stages of a multi-step read ("file", "memory"),
 * for tests that change the process at that moment. NULL: none.
 */
typedef void (*lp_proc_hook)(void *ctx, const lp_proc *p, const char *stage);
LP_API void lp_proc_set_hook(lp_proc *p, lp_proc_hook hook, void *ctx);
/** Call the hook, if any (readers call this between their stages). */
LP_API void lp_proc_stage(const lp_proc *p, const char *stage);

/** Whether the path a process was started from still leads to the file it runs. */
typedef enum lp_exe_state { LP_EXE_PRESENT = 0, LP_EXE_DELETED, LP_EXE_REPLACED } lp_exe_state;
/** "present", "deleted", "replaced". */
LP_API const char *lp_exe_state_name(lp_exe_state s);

/**
 * The path the process's executable was started from (/proc/PID/exe, heap
 * string in *path), whether it still leads to the file the process runs
 * (*state), and that file's inode (*ino, may be NULL; what /proc/PID/maps
 * shows). The kernel's " (deleted)" marker is taken off the path only when
 * the path with it does not lead to the running file (a file may really be
 * named so). On failure err->sys_errno holds the errno.
 */
LP_API lp_code lp_proc_exe(lp_proc *p, char **path, lp_exe_state *state, uint64_t *ino, lp_err *err);

/**
 * Visit every process, each through its own lp_proc (opened with @p hook,
 * closed after @p visit returns; @p visit returning false stops the walk).
 * Skips this process, and those that exit before they can be opened. Bounded
 * by the process table; LP_ERR_IO when /proc cannot be listed.
 */
typedef bool (*lp_proc_visit)(void *ctx, lp_proc *p);
LP_API lp_code lp_proc_walk(lp_proc_hook hook, void *hook_ctx, lp_proc_visit visit, void *ctx, lp_err *err);

#ifdef __cplusplus
}
#endif
#endif
