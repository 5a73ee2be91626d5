/**
 * @file scan.h
 * @brief Find every Go binary under paths, in a root, in an image or behind
 *        the running processes, and gather each one's facts, in parallel.
 *
 * One engine for `linkproof scan`: a producer (the calling thread) walks the
 * input and hands each candidate file to a pool of worker threads, through a
 * window of at most 4 × jobs files in flight; a worker reads the file's first
 * bytes and goes on only for an object file (ELF, PE, Mach-O), and, unless
 * @ref lp_scan_opts.all_objects, only for a Go one (build info or a Go build
 * ID: what `go version -m` and the linker leave), whose facts it gathers as
 * lp_facts_collect() does. Records are handed to @ref lp_scan_opts.record on
 * the calling thread, in the order of the walk, whatever the number of jobs:
 * the output of `-j 1` and `-j 8` is the same.
 *
 * Memory: the window, the directory being listed at each level of the walk
 * (names of one directory, sorted), and, for an image, its index of paths
 * (which lp_root_open_image() keeps anyway); never a list of every file.
 * Processes: one entry per process, to group them by executable.
 *
 * The library is used from several threads here: lp_facts_from_src() and the
 * readers under it keep no global state; an image root is not thread-safe, so
 * only the calling thread reads from it (its files' bytes are handed to the
 * workers) and sources read from it are released under one lock.
 */
#ifndef LINKPROOF_SCAN_H
#define LINKPROOF_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/facts.h"
#include "linkproof/proc.h"
#include "linkproof/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where a record was found. */
typedef enum lp_scan_origin {
    LP_SCAN_PATH = 0, /**< a host path named, or met in a directory named */
    LP_SCAN_ROOT,     /**< inside a directory root (--root DIR): the path is inside it */
    LP_SCAN_IMAGE,    /**< inside a container image: the path is the image's */
    LP_SCAN_PROCESS,  /**< the executable of running processes, read through /proc/PID/exe */
} lp_scan_origin;

/** "path", "root", "image", "process". */
LP_API const char *lp_scan_origin_name(lp_scan_origin o);

/** One process running a scanned executable (@ref LP_SCAN_PROCESS). */
typedef struct lp_scan_proc {
    int pid;
    char *exe;          /**< the path it was started from (/proc/PID/exe, " (deleted)" taken off) */
    lp_exe_state state; /**< whether that path still leads to the file it runs */
    char *cgroup;       /**< its cgroup (v2 path, or the v1 line naming a container), or NULL */
    char *container;    /**< a container id (64 hex digits) found in the cgroup, or NULL */
    uint64_t start_time;/**< clock ticks after boot (with pid, names the process) */
} lp_scan_proc;

/** One binary found. Everything is borrowed for the callback's duration. */
typedef struct lp_scan_record {
    uint64_t seq;                /**< its number in the walk (0, 1, ...; files that are not
                                      reported take numbers too) */
    lp_scan_origin origin;
    const char *path;            /**< the host path, the path inside the root or image, or the
                                      executable's path (processes) */
    const char *label;           /**< the root directory or the image as named; NULL otherwise */
    const lp_facts *facts;       /**< its facts (facts->error set when it could not be read) */
    const lp_scan_proc *procs;   /**< processes running it (@ref LP_SCAN_PROCESS), by pid */
    size_t n_procs;
    void *user;                  /**< what @ref lp_scan_opts.work returned for it, or NULL */
} lp_scan_record;

/** Counts kept during a scan. */
typedef struct lp_scan_stats {
    uint64_t files;       /**< regular files looked at (their first bytes read) */
    uint64_t objects;     /**< object files among them */
    uint64_t go;          /**< Go binaries among them */
    uint64_t reported;    /**< records handed to the callback */
    uint64_t errors;      /**< files or directories that could not be read (each one a record) */
    uint64_t skipped;     /**< special files, links not followed, pseudo file systems */
    uint64_t bytes;       /**< bytes of the regular files looked at */
} lp_scan_stats;

/**
 * Called on the calling thread, in walk order, for each record; returning
 * false stops the scan (lp_scan_*() then returns LP_OK with what was done).
 */
typedef bool (*lp_scan_record_fn)(void *ctx, const lp_scan_record *rec);
/**
 * Called on a worker thread, in no order, with each record's facts before it
 * is handed to @ref lp_scan_opts.record: the place for work per binary that
 * should run in parallel (vulnerability matching, an SBOM). What it returns
 * is the record's @ref lp_scan_record.user; @ref lp_scan_opts.work_free frees
 * it after the record callback. Must be thread-safe.
 */
typedef void *(*lp_scan_work_fn)(void *ctx, const lp_scan_record *rec);
/** Called on the calling thread now and then (at most every 256 files and at the end). */
typedef void (*lp_scan_progress_fn)(void *ctx, const lp_scan_stats *st, bool done);

/** How to scan. Zero-initialised: every Go binary, one job per online CPU. */
typedef struct lp_scan_opts {
    unsigned jobs;                /**< worker threads; 0: the online CPUs */
    bool all_objects;             /**< report every ELF, PE and Mach-O file, Go or not */
    bool one_filesystem;          /**< directory walks stay on the file system they start on */
    bool identity;                /**< facts with LP_FACTS_IDENTITY (no function table, no -X) */
    const lp_facts_opts *facts;   /**< -X targets (--var), or NULL */
    lp_scan_record_fn record;     /**< required */
    void *record_ctx;
    lp_scan_work_fn work;         /**< optional */
    void (*work_free)(void *ctx, void *user);
    void *work_ctx;
    lp_scan_progress_fn progress; /**< optional */
    void *progress_ctx;
} lp_scan_opts;

/** Depth of directories below a named path before the walk stops there (an error record). */
#define LP_SCAN_MAX_DEPTH 256

/**
 * Scan host paths: a file is looked at whatever its mode (a link named is
 * followed); a directory is walked in lexical order, symbolic links not
 * followed (a link's target inside the tree is met by the walk itself),
 * special files skipped without being opened, pseudo file systems (/proc,
 * /sys, cgroup, debugfs...) not entered. A path that cannot be read is an
 * error record, and the scan goes on. LP_ERR_INVAL: no record callback.
 */
LP_API lp_code lp_scan_paths(const char *const *paths, size_t n, const lp_scan_opts *opts,
                             lp_scan_stats *stats, lp_err *err);

/**
 * Scan a whole root: a directory root (lp_root_open_dir(); walked as
 * lp_scan_paths() walks, paths reported inside it) or an image
 * (lp_root_open_image(); every regular file of the flattened tree, read in
 * the order of its layers so that each layer is decompressed once; paths
 * reported as the image's).
 */
LP_API lp_code lp_scan_root(lp_root *root, const lp_scan_opts *opts, lp_scan_stats *stats,
                            lp_err *err);

/**
 * Scan the executables of the running processes (this one excluded): each
 * read through /proc/PID/exe, so one deleted or replaced on disk is read as
 * it runs; processes running the same file (device and inode) give one
 * record listing them all, in the order of their lowest pid. Processes whose
 * executable cannot be read (kernel threads; others' without privilege) are
 * skipped and counted. LP_ERR_IO: /proc cannot be listed.
 */
LP_API lp_code lp_scan_procs(const lp_scan_opts *opts, lp_scan_stats *stats, lp_err *err);

#ifdef __cplusplus
}
#endif
#endif
