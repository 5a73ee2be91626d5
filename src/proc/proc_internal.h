/*
 * proc_internal.h - the /proc readers below their /proc/PID directory, for
 * the fuzz harness (fuzz/fuzz_proc.c), which hands them a directory of its
 * own making: the same code reads stat, limits, net/netstat, net/tcp{,6},
 * the fd links and maps, only not from the kernel.
 */
#ifndef LP_PROC_INTERNAL_H
#define LP_PROC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "linkproof/object.h"
#include "linkproof/probe.h"
#include "linkproof/proc.h"

/* lp_proc_check() on a /proc/PID/stat text the caller read through the process's directory as its
 * last reading of it (@p stat_text NULL: that read failed with @p read_errno): one read of stat
 * serves the probe (threads, zombie) and the identity check. */
lp_code lp_proc_check_stat(lp_proc *p, const char *stat_text, int read_errno, lp_err *err);

/* The stat of /proc/PID/exe taken when @p p was opened (the file it runs; its dev, ino, size and
 * mtime key the exporter's cache of build facts); false when it had none readable. */
bool lp_proc_exe_stat(const lp_proc *p, struct stat *st);

/* Whether @p shown (n bytes: a maps line's path field, a link's target) names @p path: the same,
 * or the same followed by the kernel's " (deleted)" marker of an unlinked file. */
bool lp_proc_path_is(const char *shown, size_t n, const char *path);

/* lp_probe_read_from() over an open /proc/PID directory (not closed). */
lp_code lp_probe_read_dir(int dirfd, int pid, lp_probe_source src, lp_probe **out, lp_err *err);

/* One socket of a network namespace's TCP or UDP tables (sock_diag or /proc/PID/net). */
typedef struct lp_nsent {
    uint64_t ino;
    uint32_t rq, wq;         /* Recv-Q / Send-Q; of a listener: accept queue and backlog */
    uint16_t port;           /* local */
    uint8_t state;           /* kernel TCP state (UDP: as the kernel reports it) */
    bool udp, v6;
    unsigned char addr[16];  /* local, network order */
} lp_nsent;

/* A network namespace's TCP and UDP sockets (those with an inode, sorted by it) and its
 * TcpExt counters, read once through one process in it and matched against each process's
 * socket inodes (the exporter reads each namespace once per scrape). */
typedef struct lp_nstab {
    uint64_t ns_ino, ns_dev;    /* of /proc/PID/ns/net; 0 when it could not be read */
    lp_nsent *v;
    size_t n, cap;
    const char *source;         /* "sock_diag" or "proc" */
    bool have_netstat;
    uint64_t listen_overflows, listen_drops;
} lp_nstab;

/* Read the tables of the namespace of the process at @p dirfd (sock_diag there, else its
 * /proc/PID/net files, as @p src allows). */
lp_code lp_nstab_read(int dirfd, int pid, lp_probe_source src, lp_nstab **out, lp_err *err);
void lp_nstab_free(lp_nstab **t);

/* lp_probe_read_dir() / lp_probe_read_proc() matching the process's sockets against @p ns (a table
 * of its namespace) instead of reading the tables; @p ns NULL: read them. With @p ns, exe is left
 * NULL: the caller (the exporter) names the executable itself. */
lp_code lp_probe_read_dir_ns(int dirfd, int pid, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                             lp_err *err);
struct lp_proc;
lp_code lp_probe_read_proc_ns(struct lp_proc *proc, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                              lp_err *err);

/* A /proc file the kernel makes as one record (stat, comm, cgroup) below @p dirfd, the one reader of
 * them: opened non-blocking, at most @p cap - 1 bytes, NUL-terminated ("" on failure); what does
 * not fit (a hostile hierarchy list) is left unread, and a short read is the end (the read that
 * would return 0 is saved). 0, or an errno value: ESRCH for an empty read (the process is gone),
 * EINVAL for @p cap 0. */
int lp_proc_read_record(int dirfd, const char *name, char *buf, size_t cap);

/* /proc/PID/comm without its newline (lp_proc_read_record); false, and "", when unreadable. */
bool lp_proc_comm(int dirfd, char *out, size_t n);

/* The bytes of /proc/PID/stat read (its fields up to the start time fit with room to spare). */
#define LP_PROC_STAT_MAX 1024

/* Field @p field (3 = state, 20 = threads, 22 = start time; counted as proc(5) counts them) of a
 * /proc/PID/stat text, counted after the last ')' of the command name, which may hold spaces and
 * ')'; NULL when the text has fewer fields. */
const char *lp_proc_stat_field(const char *t, int field);

/* The load bias from a maps file @p f (see fingerprint.c): the mapping of file offset 0 of
 * the file with inode @p ino or path @p exe; @p seg_vaddr is that segment's address. */
bool lp_maps_bias(FILE *f, uint64_t ino, const char *exe, uint64_t seg_vaddr, uint64_t *bias);

#endif
