/*
 * probe.c - one reading of a live process through /proc and sock_diag.
 *
 * Owns: reading /proc/PID through one directory descriptor (fd, limits,
 * stat, exe, net/netstat, net/tcp{,6}, net/udp{,6}) with the process's
 * identity checked after the reads (proc.c), matching socket inodes, the
 * NETLINK_SOCK_DIAG dumps (TCP and UDP) in the process's network namespace,
 * and what an orphaned socket is: a socket the kernel names TCP or UDP
 * (the system.sockprotoname attribute of the fd's socket, read only for
 * sockets no table lists) whose inode is in none of those tables, counted
 * once however many fds refer to it. A namespace's tables are read into one
 * lp_nstab (sorted by inode) and each process's socket inodes looked up in
 * it, so the exporter reads a namespace once for all its processes.
 *
 * Invariants: every /proc file is read with one bounded read (PROC_MAX);
 * the fd walk stops at LP_PROBE_MAX_FDS; the netlink socket has a receive
 * timeout and the dump loop stops at DIAG_MAX_MSGS messages, so a probe can
 * neither hang nor grow without bound on a machine with many sockets. When
 * the process is in another network namespace, the netlink socket is created
 * there (setns, root only) and the caller's namespace restored at once;
 * without that right, /proc/PID/net/tcp{,6} (which shows the process's own
 * namespace) is used instead.
 */
#include "linkproof/probe.h"
#include "proc/proc_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "linkproof/proc.h"

#define PROC_MAX (256u << 10)      /* /proc text files we parse are a few KiB */
#define LIMITS_MAX 4096u           /* /proc/PID/limits: 17 lines of about 80 bytes */
#define PROC_NET_MAX (64u << 20)   /* /proc/PID/net/tcp: ~150 bytes per socket */
#define DIAG_MAX_MSGS (16u << 20)
#define DIAG_TIMEOUT_MS 3000

static const char *const state_names[LP_TCP_NSTATES] = {
    "unknown", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
    "time_wait", "close", "close_wait", "last_ack", "listen", "closing",
};

const char *lp_tcp_state_name(unsigned s) { return s < LP_TCP_NSTATES ? state_names[s] : "unknown"; }

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static lp_code sys_err(lp_err *err, int pid, const char *what, int e)
{
    if (e == EACCES || e == EPERM)
        lp_err_set(err, LP_ERR_IO,
                   "process %d: no permission to read its %s (another user's process needs root "
                   "or CAP_SYS_PTRACE; check kernel.yama.ptrace_scope)",
                   pid, what);
    else if (e == ENOENT || e == ESRCH)
        lp_err_set(err, LP_ERR_NOTFOUND, "process %d: no such process (or it exited while being read)",
                   pid);
    else
        lp_err_set(err, LP_ERR_IO, "process %d: cannot read its %s: %s", pid, what, strerror(e));
    if (err)
        err->sys_errno = e;
    return err ? err->code : LP_ERR_IO;
}

/* Read a whole /proc file below dirfd, NUL-terminated, at most max bytes (files of many records:
 * net/tcp, netstat; those of one record go through lp_proc_read_record). */
static char *slurp_at(int dirfd, const char *name, size_t max, int *eno)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *eno = errno;
        return NULL;
    }
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= max)
                break; /* bounded: what a sane /proc file holds */
            cap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *eno = errno;
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf) {
        if (!*eno)
            *eno = ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* One socket of the process: its inode, what protocol the kernel says it is, whether a table lists it. */
enum { SK_OTHER = 0, SK_TCP, SK_UDP, SK_UNKNOWN, SK_PENDING };
typedef struct sockent {
    uint64_t ino;
    uint8_t kind;
    bool seen;
    int fd;      /* one fd that refers to it (its protocol is read only when no table lists it) */
} sockent;

static int cmp_sock(const void *a, const void *b)
{
    uint64_t x = ((const sockent *)a)->ino, y = ((const sockent *)b)->ino;
    return x < y ? -1 : x > y;
}

/* The protocol of the socket behind fd entry `name` of the fd directory fdd (system.sockprotoname). */
static uint8_t sock_kind(int fdd, const char *name)
{
    char path[320], proto[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d/%s", fdd, name);
    ssize_t n = getxattr(path, "system.sockprotoname", proto, sizeof proto - 1);
    if (n <= 0)
        return SK_UNKNOWN; /* closed meanwhile */
    proto[n] = '\0';
    if (strcmp(proto, "TCP") == 0 || strcmp(proto, "TCPv6") == 0)
        return SK_TCP;
    if (strcmp(proto, "UDP") == 0 || strcmp(proto, "UDPv6") == 0)
        return SK_UDP;
    return SK_OTHER;
}

/* One fd entry: a descriptor counted, and a socket collected. */
static lp_code fd_entry(int fdd, const char *name, int pid, lp_probe *p, sockent **socks, size_t *n_socks,
                        size_t *cap, lp_err *err)
{
    if (name[0] == '.')
        return LP_OK;
    if (++p->fds > LP_PROBE_MAX_FDS)
        return lp_err_set(err, LP_ERR_LIMIT, "process %d: more than %u open files", pid, LP_PROBE_MAX_FDS);
    char link[64];
    ssize_t k = readlinkat(fdd, name, link, sizeof link - 1);
    if (k <= 0)
        return LP_OK; /* closed meanwhile */
    link[k] = '\0';
    /* "socket:[INODE]", INODE decimal: anything else is not a socket */
    if (strncmp(link, "socket:[", 8) != 0 || link[8] < '0' || link[8] > '9')
        return LP_OK;
    char *end;
    errno = 0;
    unsigned long long ino = strtoull(link + 8, &end, 10);
    if (errno || *end != ']' || end[1])
        return LP_OK;
    if (*n_socks == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        sockent *nv = realloc(*socks, nc * sizeof *nv);
        if (!nv)
            return nomem(err);
        *socks = nv;
        *cap = nc;
    }
    /* the protocol (a getxattr) only for a socket no table lists: see classify_unseen */
    (*socks)[(*n_socks)++] = (sockent){ino, SK_PENDING, false, atoi(name)};
    return LP_OK;
}

/* /proc/PID/fd: count descriptors and collect the sockets (sorted by inode, each once). The
 * directory is read with getdents64 on the descriptor itself: opendir's fstat and two fcntl
 * calls per process are a tenth of a scrape's system calls. Each record is checked against the
 * bytes returned (length, a NUL inside it), whoever made the directory. */
static lp_code read_fds(int dirfd, int pid, lp_probe *p, sockent **socks, size_t *n_socks,
                        lp_err *err)
{
    int fdd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fdd < 0)
        return sys_err(err, pid, "file descriptors (/proc/PID/fd)", errno);
    size_t cap = 0;
    lp_code rc = LP_OK;
    _Alignas(struct dirent64) char buf[16384];
    for (;;) {
        ssize_t got = getdents64(fdd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = sys_err(err, pid, "file descriptors (/proc/PID/fd)", errno);
            break;
        }
        if (got == 0)
            break;
        size_t off = 0, len = (size_t)got;
        const size_t head = offsetof(struct dirent64, d_name);
        while (!rc && off < len) {
            const struct dirent64 *de = (const struct dirent64 *)(const void *)(buf + off);
            size_t rl = len - off >= head ? de->d_reclen : 0;
            if (rl <= head || rl > len - off || !memchr(de->d_name, '\0', rl - head)) {
                rc = lp_err_set(err, LP_ERR_FORMAT, "process %d: file descriptors (/proc/PID/fd): a malformed "
                                "directory record", pid);
                break;
            }
            rc = fd_entry(fdd, de->d_name, pid, p, socks, n_socks, &cap, err);
            off += rl;
        }
        if (rc)
            break;
    }
    close(fdd);
    if (!rc && *n_socks) {
        qsort(*socks, *n_socks, sizeof **socks, cmp_sock);
        /* a socket behind several fds (dup) once */
        size_t w = 0;
        for (size_t i = 0; i < *n_socks; i++) {
            if (w && (*socks)[w - 1].ino == (*socks)[i].ino)
                continue;
            (*socks)[w++] = (*socks)[i];
        }
        *n_socks = w;
    }
    return rc;
}

/* The protocol of each socket no table listed (a candidate orphan): the others are TCP or UDP
 * by the table that listed them, so a process with many live sockets costs no getxattr each. */
static void classify_unseen(int dirfd, sockent *socks, size_t n)
{
    int fdd = -1;
    for (size_t i = 0; i < n; i++) {
        if (socks[i].seen || socks[i].kind != SK_PENDING)
            continue;
        if (fdd < 0 && (fdd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            socks[i].kind = SK_UNKNOWN;
            continue;
        }
        char name[16];
        snprintf(name, sizeof name, "%d", socks[i].fd);
        socks[i].kind = sock_kind(fdd, name);
    }
    if (fdd >= 0)
        close(fdd);
}

/* Whether /proc is the proc of this process's pid namespace (its "self" is getpid()): only then
 * does a pid read from it name the same process to prlimit(). Asked once. */
static bool proc_is_ours(void)
{
    static _Atomic int known; /* 0: not asked, 1: ours, 2: another namespace's */
    int k = known;
    if (!k) {
        char self[32];
        ssize_t n = readlink("/proc/self", self, sizeof self - 1);
        if (n > 0)
            self[n] = '\0';
        k = n > 0 && strtol(self, NULL, 10) == (long)getpid() ? 1 : 2;
        known = k;
    }
    return k == 1;
}

/* The soft limit of open files. A live process (@p live: the pid is the directory's, and the
 * reading is checked for its identity afterwards) is asked with prlimit(), one system call
 * instead of the kernel formatting 16 lines of limits; it needs the same uid or
 * CAP_SYS_RESOURCE, so the file, world-readable, stays the way for the others. */
static void read_limits(int dirfd, int pid, bool live, lp_probe *p)
{
    p->fd_limit = UINT64_MAX;
    struct rlimit rl;
    if (live && proc_is_ours() && prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == 0) {
        if (rl.rlim_cur != RLIM_INFINITY)
            p->fd_limit = (uint64_t)rl.rlim_cur;
        return;
    }
    char t[LIMITS_MAX];
    if (lp_proc_read_record(dirfd, "limits", t, sizeof t))
        return;
    const char *l = strstr(t, "Max open files");
    if (l) {
        l += strlen("Max open files");
        while (*l == ' ')
            l++;
        if (strncmp(l, "unlimited", 9) != 0)
            p->fd_limit = strtoull(l, NULL, 10);
    }
}

/* Threads and whether it is a zombie, from /proc/PID/stat (fields 3 and 20), read into @p buf
 * (LP_PROC_STAT_MAX bytes; "" when it cannot be read, with the errno in *eno). Cheaper for the
 * kernel than status, which also takes the memory map's lock for its Vm lines. */
static void read_stat(int dirfd, lp_probe *p, char *buf, int *eno)
{
    *eno = lp_proc_read_record(dirfd, "stat", buf, LP_PROC_STAT_MAX);
    const char *st = lp_proc_stat_field(buf, 3), *th = lp_proc_stat_field(buf, 20);
    if (st)
        p->zombie = *st == 'Z';
    if (th && *th >= '0' && *th <= '9')
        p->threads = strtoull(th, NULL, 10);
}

/* ------------------------------------------------------------------ */
/* A network namespace's TCP and UDP tables, read once (nstab), then matched against the socket
 * inodes of each process in it: the exporter reads a namespace once per scrape, however many
 * processes share it. */

static int cmp_nsent(const void *a, const void *b)
{
    uint64_t x = ((const lp_nsent *)a)->ino, y = ((const lp_nsent *)b)->ino;
    return x < y ? -1 : x > y;
}

static bool tab_add(lp_nstab *t, uint64_t ino, bool udp, bool v6, uint8_t state, const void *addr,
                    uint16_t port, uint32_t rq, uint32_t wq)
{
    if (ino == 0)
        return true; /* TIME_WAIT and request sockets: no inode, no owner */
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        lp_nsent *nv = realloc(t->v, cap * sizeof *nv);
        if (!nv)
            return false;
        t->v = nv;
        t->cap = cap;
    }
    lp_nsent *e = &t->v[t->n++];
    memset(e, 0, sizeof *e);
    e->ino = ino;
    e->udp = udp;
    e->v6 = v6;
    e->state = state;
    if (addr)
        memcpy(e->addr, addr, v6 ? 16 : 4);
    e->port = port;
    e->rq = rq;
    e->wq = wq;
    return true;
}

/* One NETLINK_SOCK_DIAG dump of TCP or UDP sockets of one family into t; false when it could not run. */
static bool diag_dump(int nl, int family, int proto, lp_nstab *t, bool *oom)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nlh.nlmsg_seq = (uint32_t)family;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = (uint8_t)proto;
    /* not TIME_WAIT (6) nor NEW_SYN_RECV (12): they have no inode, so no process owns them */
    req.r.idiag_states = ~((1u << 6) | (1u << 12));
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
        return false;
    /* per call, not static: the exporter's scrapes and a library user's threads may dump at once */
    _Alignas(struct nlmsghdr) char buf[32768];
    size_t msgs = 0;
    for (;;) {
        ssize_t got = recv(nl, buf, sizeof buf, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false; /* timeout or error: the caller falls back */
        /* walk the messages by hand: every length checked against what was received */
        size_t len = (size_t)got, next;
        for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len; off = next) {
            const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
            if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
                return false;
            next = off + NLMSG_ALIGN(h->nlmsg_len);
            if (h->nlmsg_type == NLMSG_DONE)
                return true;
            if (h->nlmsg_type == NLMSG_ERROR)
                return false;
            if (++msgs > DIAG_MAX_MSGS)
                return true; /* bounded */
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                continue;
            const struct inet_diag_msg *m = (const struct inet_diag_msg *)(buf + off + NLMSG_HDRLEN);
            if (!tab_add(t, m->idiag_inode, proto == IPPROTO_UDP, family == AF_INET6, m->idiag_state,
                         m->id.idiag_src, ntohs(m->id.idiag_sport), m->idiag_rqueue, m->idiag_wqueue)) {
                *oom = true;
                return true;
            }
        }
    }
}

/* A netlink socket in the network namespace of the process at dirfd, or -1. */
static int netlink_in_ns(int dirfd)
{
    struct stat mine, theirs;
    int tfd = openat(dirfd, "ns/net", O_RDONLY | O_CLOEXEC);
    bool same = tfd < 0 || (stat("/proc/self/ns/net", &mine) == 0 && fstat(tfd, &theirs) == 0 &&
                            mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev);
    int self = -1, nl = -1;
    if (!same) {
        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0 || setns(tfd, CLONE_NEWNET) != 0) {
            if (self >= 0)
                close(self);
            close(tfd);
            return -1; /* not allowed: use /proc/PID/net/tcp instead */
        }
    }
    nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (!same) {
        /* back to our own namespace at once; the socket stays bound to theirs */
        if (setns(self, CLONE_NEWNET) != 0 && nl >= 0) {
            close(nl);
            nl = -1;
        }
        close(self);
    }
    if (tfd >= 0)
        close(tfd);
    if (nl >= 0) {
        struct timeval tv = {DIAG_TIMEOUT_MS / 1000, (DIAG_TIMEOUT_MS % 1000) * 1000};
        setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    return nl;
}

static void hex_addr(const char *hex, bool v6, unsigned char *out)
{
    /* /proc/net/tcp prints each 32-bit word in host byte order */
    size_t words = v6 ? 4 : 1;
    for (size_t w = 0; w < words; w++) {
        char part[9];
        memcpy(part, hex + 8 * w, 8);
        part[8] = '\0';
        uint32_t v = (uint32_t)strtoul(part, NULL, 16);
        memcpy(out + 4 * w, &v, 4);
    }
}

/* /proc/PID/net/{tcp,udp}{,6} into t: the fallback (no backlog there). */
static bool proc_tcp(int dirfd, const char *file, bool v6, bool udp, lp_nstab *t)
{
    int e = 0;
    char *text = slurp_at(dirfd, file, PROC_NET_MAX, &e);
    if (!text)
        return e == ENOENT; /* no IPv6 in this kernel is fine */
    char *save = NULL;
    strtok_r(text, "\n", &save); /* header */
    bool ok = true;
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char local[40], remote[40];
        unsigned st, port;
        unsigned long txq, rxq;
        unsigned long long ino;
        if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%*x %x %lx:%lx %*x:%*x %*x %*u %*u %llu",
                   local, &port, remote, &st, &txq, &rxq, &ino) != 7)
            continue;
        unsigned char a[16] = {0};
        if (strlen(local) == (v6 ? 32u : 8u))
            hex_addr(local, v6, a);
        if (!tab_add(t, ino, udp, v6, (uint8_t)(st < 256 ? st : 0), a, (uint16_t)port, (uint32_t)rxq,
                     0)) {
            ok = false;
            break;
        }
    }
    free(text);
    return ok;
}

/* TcpExt in /proc/PID/net/netstat: a names line, then a values line. */
static void read_netstat(int dirfd, lp_nstab *t)
{
    int e = 0;
    char *text = slurp_at(dirfd, "net/netstat", PROC_MAX, &e);
    if (!text)
        return;
    char *names = strstr(text, "TcpExt:");
    char *values = names ? strstr(names + 7, "TcpExt:") : NULL;
    if (names && values) {
        char *ne = strchr(names, '\n'), *ve = strchr(values, '\n');
        if (ne)
            *ne = '\0';
        if (ve)
            *ve = '\0';
        char *sn = NULL, *sv = NULL;
        char *n = strtok_r(names + 7, " ", &sn), *v = strtok_r(values + 7, " ", &sv);
        while (n && v) {
            if (strcmp(n, "ListenOverflows") == 0) {
                t->listen_overflows = strtoull(v, NULL, 10);
                t->have_netstat = true;
            } else if (strcmp(n, "ListenDrops") == 0) {
                t->listen_drops = strtoull(v, NULL, 10);
            }
            n = strtok_r(NULL, " ", &sn);
            v = strtok_r(NULL, " ", &sv);
        }
    }
    free(text);
}

void lp_nstab_free(lp_nstab **pt)
{
    if (!pt || !*pt)
        return;
    free((*pt)->v);
    free(*pt);
    *pt = NULL;
}

lp_code lp_nstab_read(int dirfd, int pid, lp_probe_source src, lp_nstab **out, lp_err *err)
{
    *out = NULL;
    lp_nstab *t = calloc(1, sizeof *t);
    if (!t)
        return nomem(err);
    struct stat st;
    if (fstatat(dirfd, "ns/net", &st, 0) == 0) {
        t->ns_ino = st.st_ino;
        t->ns_dev = st.st_dev;
    }
    read_netstat(dirfd, t);
    int nl = src == LP_PROBE_PROC ? -1 : netlink_in_ns(dirfd);
    if (nl < 0 && src == LP_PROBE_SOCK_DIAG) {
        lp_nstab_free(&t);
        return lp_err_set(err, LP_ERR_IO,
                          "process %d: cannot open a NETLINK_SOCK_DIAG socket in its network namespace",
                          pid);
    }
    bool oom = false;
    if (nl >= 0) {
        bool ok = diag_dump(nl, AF_INET, IPPROTO_TCP, t, &oom) &&
                  diag_dump(nl, AF_INET6, IPPROTO_TCP, t, &oom) &&
                  diag_dump(nl, AF_INET, IPPROTO_UDP, t, &oom) &&
                  diag_dump(nl, AF_INET6, IPPROTO_UDP, t, &oom);
        close(nl);
        if (oom) {
            lp_nstab_free(&t);
            return nomem(err);
        }
        if (ok) {
            t->source = "sock_diag";
            if (t->n) /* an empty table has no array: qsort's pointer must not be NULL */
                qsort(t->v, t->n, sizeof *t->v, cmp_nsent);
            *out = t;
            return LP_OK;
        }
        if (src == LP_PROBE_SOCK_DIAG) {
            lp_nstab_free(&t);
            return lp_err_set(err, LP_ERR_IO, "process %d: the sock_diag dump failed or timed out", pid);
        }
        t->n = 0; /* start over from /proc */
    }
    t->source = "proc";
    errno = 0;
    if (!proc_tcp(dirfd, "net/tcp", false, false, t) || !proc_tcp(dirfd, "net/tcp6", true, false, t) ||
        !proc_tcp(dirfd, "net/udp", false, true, t) || !proc_tcp(dirfd, "net/udp6", true, true, t)) {
        int e = errno ? errno : EIO;
        lp_nstab_free(&t);
        return sys_err(err, pid, "TCP sockets (/proc/PID/net/tcp)", e);
    }
    if (t->n)
        qsort(t->v, t->n, sizeof *t->v, cmp_nsent);
    *out = t;
    return LP_OK;
}

static bool add_listener(lp_probe *p, const lp_nsent *e)
{
    lp_listener *nl = realloc(p->listeners, (p->n_listeners + 1) * sizeof *nl);
    if (!nl)
        return false;
    p->listeners = nl;
    lp_listener *l = &nl[p->n_listeners++];
    memset(l, 0, sizeof *l);
    l->ipv6 = e->v6;
    inet_ntop(e->v6 ? AF_INET6 : AF_INET, e->addr, l->address, sizeof l->address);
    l->port = e->port;
    l->queue = e->rq;
    l->backlog = e->wq;
    l->inode = e->ino;
    return true;
}

/* The process's sockets (sorted by inode, each once) against its namespace's tables. */
static lp_code match_sockets(lp_probe *p, sockent *socks, size_t n_socks, const lp_nstab *t, lp_err *err)
{
    p->tcp_source = t->source;
    p->have_netstat = t->have_netstat;
    p->listen_overflows = t->listen_overflows;
    p->listen_drops = t->listen_drops;
    for (size_t i = 0; i < n_socks; i++) {
        lp_nsent key = {.ino = socks[i].ino};
        const lp_nsent *e = t->n ? bsearch(&key, t->v, t->n, sizeof *t->v, cmp_nsent) : NULL;
        if (!e)
            continue;
        socks[i].seen = true;
        if (e->udp) {
            p->udp_sockets++;
            continue;
        }
        p->sockets++;
        if (e->state < LP_TCP_NSTATES)
            p->states[e->state]++;
        if (e->state == LP_TCP_LISTEN && !add_listener(p, e))
            return nomem(err);
    }
    return LP_OK;
}

lp_code lp_probe_read(int pid, lp_probe **out, lp_err *err)
{
    return lp_probe_read_from(pid, LP_PROBE_AUTO, out, err);
}

lp_code lp_probe_read_from(int pid, lp_probe_source src, lp_probe **out, lp_err *err)
{
    *out = NULL;
    lp_proc *proc = NULL;
    lp_code rc = lp_proc_open(pid, &proc, err);
    if (rc)
        return rc;
    rc = lp_probe_read_proc(proc, src, out, err);
    lp_proc_close(&proc);
    return rc;
}

lp_code lp_probe_read_proc(lp_proc *proc, lp_probe_source src, lp_probe **out, lp_err *err)
{
    return lp_probe_read_proc_ns(proc, src, NULL, out, err);
}

static lp_code read_dir(int dirfd, int pid, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                        char *stat_text, int *stat_errno, lp_err *err);

lp_code lp_probe_read_proc_ns(lp_proc *proc, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                              lp_err *err)
{
    char stat_text[LP_PROC_STAT_MAX];
    int stat_errno = 0;
    lp_code rc = read_dir(lp_proc_dirfd(proc), lp_proc_pid(proc), src, ns, out, stat_text, &stat_errno, err);
    if (rc)
        return rc;
    /* one process from the first read to the last (stat, read last), or no reading */
    lp_err changed;
    lp_err_clear(&changed);
    rc = lp_proc_check_stat(proc, stat_errno ? NULL : stat_text, stat_errno, &changed);
    if (rc != LP_OK) {
        if (err)
            *err = changed;
        lp_probe_free(out);
        return changed.code;
    }
    return LP_OK;
}

/* The readings of one /proc/PID directory (the fuzz harness gives a made-up one). */
lp_code lp_probe_read_dir(int dirfd, int pid, lp_probe_source src, lp_probe **out, lp_err *err)
{
    return read_dir(dirfd, pid, src, NULL, out, NULL, NULL, err);
}

lp_code lp_probe_read_dir_ns(int dirfd, int pid, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                             lp_err *err)
{
    return read_dir(dirfd, pid, src, ns, out, NULL, NULL, err);
}

/* The readings, stat last of the process's own files: with @p stat_text (LP_PROC_STAT_MAX bytes;
 * a live process), its text is kept there for the identity check, with the read's errno in
 * *stat_errno. */
static lp_code read_dir(int dirfd, int pid, lp_probe_source src, const lp_nstab *ns, lp_probe **out,
                        char *stat_text, int *stat_errno, lp_err *err)
{
    char own[LP_PROC_STAT_MAX];
    int own_errno = 0;
    bool live = stat_text != NULL;
    if (!live)
        stat_text = own, stat_errno = &own_errno;
    *out = NULL;
    lp_probe *p = calloc(1, sizeof *p);
    if (!p)
        return nomem(err);
    p->pid = pid;
    sockent *socks = NULL;
    size_t n_socks = 0;
    lp_code rc = read_fds(dirfd, pid, p, &socks, &n_socks, err);
    if (!rc) {
        char exe[4096];
        /* with a namespace table (the exporter), the caller has the executable's name already */
        ssize_t k = ns ? 0 : readlinkat(dirfd, "exe", exe, sizeof exe - 1);
        if (k > 0) {
            exe[k] = '\0';
            p->exe = strdup(exe);
        }
        read_limits(dirfd, pid, live, p);
        if (ns) {
            rc = match_sockets(p, socks, n_socks, ns, err);
        } else {
            lp_nstab *t = NULL;
            rc = lp_nstab_read(dirfd, pid, src, &t, err);
            if (!rc)
                rc = match_sockets(p, socks, n_socks, t, err);
            lp_nstab_free(&t);
        }
    }
    if (!rc)
        classify_unseen(dirfd, socks, n_socks);
    if (!rc)
        read_stat(dirfd, p, stat_text, stat_errno);
    for (size_t i = 0; !rc && i < n_socks; i++) {
        if (socks[i].seen)
            continue;
        if (socks[i].kind == SK_TCP)
            p->orphan_tcp++;
        else if (socks[i].kind == SK_UDP)
            p->orphan_udp++;
        else if (socks[i].kind == SK_UNKNOWN)
            p->unclassified++;
    }
    free(socks);
    if (rc) {
        lp_probe_free(&p);
        return rc;
    }
    *out = p;
    return LP_OK;
}

void lp_probe_free(lp_probe **pp)
{
    if (!pp || !*pp)
        return;
    free((*pp)->exe);
    free((*pp)->listeners);
    free(*pp);
    *pp = NULL;
}

/* lp_probe_find_exe(): the processes whose executable's base name, or else comm, is name */
typedef struct finder {
    const char *name;
    int found[8];
    int n;
} finder;

static bool find_visit(void *ctx, lp_proc *proc)
{
    finder *fd = ctx;
    char *exe = NULL;
    lp_exe_state st;
    bool match = false;
    /* the path without the kernel's " (deleted)" marker, through the process's descriptor */
    if (lp_proc_exe(proc, &exe, &st, NULL, NULL) == LP_OK) {
        const char *base = strrchr(exe, '/');
        match = strcmp(base ? base + 1 : exe, fd->name) == 0;
    }
    free(exe);
    if (!match) {
        char comm[64];
        if (lp_proc_comm(lp_proc_dirfd(proc), comm, sizeof comm))
            match = strcmp(comm, fd->name) == 0;
    }
    if (match && fd->n < 8)
        fd->found[fd->n] = lp_proc_pid(proc);
    fd->n += match;
    return true;
}

lp_code lp_probe_find_exe(const char *name, int *pid, lp_err *err)
{
    *pid = 0;
    finder fd = {name, {0}, 0};
    lp_code rc = lp_proc_walk(NULL, NULL, find_visit, &fd, err);
    if (rc)
        return rc;
    int n = fd.n;
    if (n == 0)
        return lp_err_set(err, LP_ERR_NOTFOUND, "no process runs '%s'", name);
    if (n > 1) {
        char list[128] = "";
        for (int i = 0; i < n && i < 8; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i ? ", " : "", fd.found[i]);
        return lp_err_set(err, LP_ERR_INVAL, "%d processes run '%s' (%s%s): name one with --pid", n,
                          name, list, n > 8 ? ", ..." : "");
    }
    *pid = fd.found[0];
    return LP_OK;
}
