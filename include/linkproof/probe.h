/**
 * @file probe.h
 * @brief One reading of a live process: the "alive but not serving" signals.
 *
 * Open file descriptors against the soft RLIMIT_NOFILE, the process's own TCP
 * sockets by state (matched by socket inode: NETLINK_SOCK_DIAG, as `ss` does,
 * in the process's network namespace; /proc/PID/net/tcp{,6} as the
 * fallback), each listening socket's accept queue against its backlog, and
 * the namespace's ListenOverflows / ListenDrops counters, and its orphaned
 * sockets: TCP and UDP socket fds (by the kernel's protocol name of each
 * socket) that match no entry of the namespace's TCP or UDP tables, such as
 * connections the peer reset or closed long ago while the process never
 * closed them (they left CLOSE_WAIT and every table, the fds stayed). Reading
 * never stops or slows the process: /proc files are read with bounded reads,
 * netlink has a receive timeout, and every read goes through one /proc/PID
 * directory descriptor (proc.h) with the process's identity checked after.
 */
#ifndef LINKPROOF_PROBE_H
#define LINKPROOF_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/finding.h"

#ifdef __cplusplus
extern "C" {
#endif

/** TCP states, numbered as the kernel numbers them (TCP_ESTABLISHED = 1 … TCP_CLOSING = 11). */
enum { LP_TCP_ESTABLISHED = 1, LP_TCP_CLOSE_WAIT = 8, LP_TCP_LISTEN = 10, LP_TCP_NSTATES = 12 };

/** The name of kernel TCP state @p s ("established", "close_wait", ...), or "unknown". */
LP_API const char *lp_tcp_state_name(unsigned s);

typedef struct lp_listener {
    bool ipv6;
    char address[64]; /**< numeric, without brackets */
    uint16_t port;
    uint32_t queue;   /**< connections waiting to be accepted (Recv-Q of a LISTEN socket) */
    uint32_t backlog; /**< the accept queue's size (Send-Q of a LISTEN socket); 0 when unknown */
    uint64_t inode;
} lp_listener;

typedef struct lp_probe {
    int pid;
    char *exe;                 /**< /proc/PID/exe target, or NULL */
    uint64_t threads;
    bool zombie;               /**< state Z in /proc/PID/stat (exited, not reaped) */
    uint64_t fds;
    uint64_t fd_limit;         /**< soft RLIMIT_NOFILE; UINT64_MAX when unlimited */
    const char *tcp_source;    /**< "sock_diag" or "proc" */
    uint64_t sockets;          /**< TCP sockets (IPv4 and IPv6) owned by the process */
    uint64_t states[LP_TCP_NSTATES];
    lp_listener *listeners;
    size_t n_listeners;
    bool have_netstat;
    uint64_t listen_overflows;
    uint64_t listen_drops;
    uint64_t udp_sockets;      /**< UDP sockets owned by the process found in the UDP tables */
    uint64_t orphan_tcp;       /**< TCP socket fds in no TCP table entry of the namespace */
    uint64_t orphan_udp;       /**< UDP socket fds in no UDP table entry of the namespace */
    uint64_t unclassified;     /**< socket fds whose protocol could not be read (closed meanwhile) */
} lp_probe;

/**
 * Read one probe of process @p pid. Errors: LP_ERR_NOTFOUND (no such
 * process), LP_ERR_IO with a sentence for permission problems (another
 * user's process without CAP_SYS_PTRACE), LP_ERR_LIMIT when the process has
 * more fds than linkproof reads (LP_PROBE_MAX_FDS), LP_ERR_CHANGED when the
 * process exited or was replaced under the same id while it was read.
 */
LP_API lp_code lp_probe_read(int pid, lp_probe **out, lp_err *err);

/** Where TCP sockets are read from: sock_diag with /proc as the fallback, or one of them. */
typedef enum lp_probe_source { LP_PROBE_AUTO = 0, LP_PROBE_SOCK_DIAG, LP_PROBE_PROC } lp_probe_source;

/** lp_probe_read() with the socket source chosen (for diagnosis and tests). */
LP_API lp_code lp_probe_read_from(int pid, lp_probe_source src, lp_probe **out, lp_err *err);

struct lp_proc;
/** lp_probe_read_from() on an open process (several readings of the same process). */
LP_API lp_code lp_probe_read_proc(struct lp_proc *proc, lp_probe_source src, lp_probe **out, lp_err *err);
LP_API void lp_probe_free(lp_probe **p);

#define LP_PROBE_MAX_FDS (4u << 20)

/* ------------------------------------------------------------------ */
/* Health: the verdict on a reading (src/facts/health.c).               */

/** The thresholds; LP_HEALTH_DEFAULTS are the documented defaults. */
typedef struct lp_health_opts {
    double max_fd_ratio;       /**< unhealthy when open fds >= this x the soft limit */
    uint64_t max_close_wait;   /**< unhealthy when more sockets than this are in CLOSE_WAIT */
    uint64_t max_orphans;      /**< unhealthy when more sockets than this are orphaned */
} lp_health_opts;
#define LP_HEALTH_DEFAULTS {0.9, 64, 64}

/** The verdict: healthy, or each reason it is not. */
typedef struct lp_health {
    bool healthy;
    lp_finding *reasons;   /**< ids: exited, fd-ratio, close-wait, orphan-sockets, accept-queue-full,
                                listen-overflows; severity error */
    size_t n_reasons;
    bool have_delta;       /**< two readings with the netstat counters: the increases below */
    uint64_t d_overflows, d_drops;
} lp_health;

/**
 * Judge reading @p p (and, when @p first is not NULL, the increase of
 * ListenOverflows and ListenDrops since the earlier reading @p first) against
 * @p o: the process has exited (a zombie); fds >= max_fd_ratio x the soft
 * limit; CLOSE_WAIT above max_close_wait; orphaned sockets above
 * max_orphans; a listener whose accept queue is full; ListenOverflows rising
 * during the interval. Release with lp_health_release().
 */
LP_API lp_code lp_probe_judge(const lp_probe *first, const lp_probe *p, const lp_health_opts *o,
                              lp_health *out, lp_err *err);
LP_API void lp_health_release(lp_health *h);

/** Open fds over the soft limit, 0 when the limit is unlimited or unknown. */
LP_API double lp_probe_fd_ratio(const lp_probe *p);

/**
 * Find the one process whose executable's base name (or, failing that, whose
 * comm) is @p name. LP_ERR_NOTFOUND when none, LP_ERR_INVAL when several
 * (the message lists their PIDs).
 */
LP_API lp_code lp_probe_find_exe(const char *name, int *pid, lp_err *err);

#ifdef __cplusplus
}
#endif
#endif
