/**
 * @file exporter.h
 * @brief One scrape of a node: the probe readings of every selected process,
 *        its build facts and, with a registry, its verify decision.
 *
 * An lp_exporter lives as long as the exporter process: it holds the
 * selection, the caps and two bounded caches. A scrape (lp_exporter_scrape())
 * walks /proc once; each selected process is read through its own lp_proc
 * (proc.h) with its identity checked after the reads; each network
 * namespace's TCP and UDP tables and TcpExt counters are read once per
 * scrape, however many processes share it; the build facts of an executable
 * are read once per file identity (device, inode, mtime, size) and kept in a
 * cache of at most max_builds entries (least recently used first out); a
 * verify decision is kept per process (pid and start time) for
 * verify_ttl_s seconds. Nothing is printed: the scrape is a struct, written
 * by src/report (Prometheus text or OpenMetrics).
 *
 * Bounded: at most max_processes processes are read per scrape (those after
 * are counted in dropped_processes, never read), at most max_listeners
 * listeners are kept per process (the others counted in dropped_listeners).
 */
#ifndef LINKPROOF_EXPORTER_H
#define LINKPROOF_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/probe.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lp_registry;

/** Which processes, and the bounds. Strings are borrowed for the exporter's life. */
typedef struct lp_exporter_opts {
    const char *const *exe_names; /**< base names of the executable (or comm); none: every process */
    size_t n_exe_names;
    bool go_only;                 /**< only processes whose executable is a Go binary */
    const char *cgroup;           /**< only processes whose cgroup path (v2, or any v1 hierarchy) starts
                                       with this; NULL: any */
    const char *container;        /**< only processes whose container id starts with this; NULL: any */
    lp_probe_source source;
    lp_health_opts health;        /**< the thresholds of the reasons */
    size_t max_processes;         /**< 0: LP_EXPORTER_DEFAULT_PROCESSES */
    size_t max_listeners;         /**< per process; 0: LP_EXPORTER_DEFAULT_LISTENERS */
    size_t max_builds;            /**< build-facts cache entries; 0: LP_EXPORTER_DEFAULT_BUILDS */
    struct lp_registry *reg;      /**< verify against it; NULL: no verify decision */
    unsigned verify_ttl_s;        /**< a process's decision is kept this long; 0: 300 */
} lp_exporter_opts;

#define LP_EXPORTER_DEFAULT_PROCESSES 2000u
#define LP_EXPORTER_DEFAULT_LISTENERS 16u
#define LP_EXPORTER_DEFAULT_BUILDS 256u

/** The build facts of one executable file, as the cache holds them. */
typedef struct lp_exporter_build {
    bool read;              /**< the file could be read (else the strings below are "") */
    bool is_go;
    char go_version[32];    /**< "go1.19.8", or "" */
    char go_build_id[128];  /**< "", when none */
    char gnu_build_id[80];
    const char *linkage;    /**< "static", "dynamic", "static-pie", "pie", or "unknown" */
    const char *x;          /**< -X: "none" (no -X recorded), "injected" (every -X took), the verdict of
                                 the first that did not ("missing", "different", ...), or what keeps the
                                 record from saying ("trimpath", "no-settings", "no-buildinfo") */
} lp_exporter_build;

/** One process in a scrape. */
typedef struct lp_exporter_proc {
    int pid;
    char exe[64];            /**< the executable's base name (or comm when it cannot be read) */
    char container[65];      /**< the container id from its cgroup path (64 hex digits), or "" */
    uint64_t netns;          /**< the inode of its network namespace, 0 when unknown */
    lp_probe *probe;         /**< the reading (owned) */
    lp_health health;        /**< its verdict (owned) */
    size_t dropped_listeners;
    lp_exporter_build build; /**< a copy of the cached facts */
    const char *verify;      /**< "ok", "rollback", "fuse", "error", or NULL without a registry or
                                  for a non-Go executable */
} lp_exporter_proc;

/** One network namespace in a scrape: its counters, once. */
typedef struct lp_exporter_netns {
    uint64_t inode;
    bool have_netstat;
    uint64_t listen_overflows, listen_drops;
    const char *source;     /**< "sock_diag" or "proc" */
    size_t processes;
} lp_exporter_netns;

typedef struct lp_exporter_scrape {
    lp_exporter_proc *procs;
    size_t n_procs;
    lp_exporter_netns *netns;
    size_t n_netns;
    size_t seen;              /**< processes in /proc (this one excepted) */
    size_t selected;          /**< of those, the ones the selection takes */
    size_t dropped_processes; /**< selected but over max_processes: not read */
    size_t dropped_listeners; /**< over max_listeners, all processes together */
    size_t unreadable;        /**< selected, not readable (permission) */
    size_t vanished;          /**< exited or changed while being read */
    size_t failed;            /**< other errors (over LP_PROBE_MAX_FDS, out of memory) */
    size_t builds_cached;     /**< entries in the build-facts cache after the scrape */
    uint64_t build_hits, build_misses; /**< the cache's, since the exporter started */
    double seconds;           /**< how long the scrape took */
    size_t max_processes;     /**< the caps in force */
    size_t max_listeners;
} lp_exporter_scrape;

typedef struct lp_exporter lp_exporter;

LP_API lp_code lp_exporter_new(const lp_exporter_opts *o, lp_exporter **out, lp_err *err);
LP_API void lp_exporter_free(lp_exporter **e);

/**
 * One scrape. Fails only when /proc cannot be listed or memory runs out; a
 * process that cannot be read is counted (unreadable, vanished, failed),
 * never a failed scrape. One scrape at a time per exporter (callers
 * serialise); release with lp_exporter_scrape_release().
 */
LP_API lp_code lp_exporter_scrape_run(lp_exporter *e, lp_exporter_scrape *out, lp_err *err);
LP_API void lp_exporter_scrape_release(lp_exporter_scrape *s);

/** The container id in a cgroup path (the last run of 64 hex digits), or false. */
LP_API bool lp_cgroup_container_id(const char *path, char id[65]);

/**
 * A /proc/PID/cgroup text (NUL-terminated): whether any line's path starts
 * with @p prefix (NULL: true), and in @p id the container id of the first
 * path that has one ("" when none).
 */
LP_API bool lp_cgroup_parse(const char *text, const char *prefix, char id[65]);

/** The bytes of /proc/PID/cgroup linkproof reads; the rest is left unread. */
#define LP_CGROUP_MAX 8192

/**
 * The cgroup a process is shown in, from the same text: the v2 path (the
 * "0::" line), else the first path that names a container (by the rule of
 * lp_cgroup_container_id()), copied to @p out (at most @p cap - 1 bytes).
 * False, and "" in @p out, when there is neither.
 */
LP_API bool lp_cgroup_path(const char *text, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
