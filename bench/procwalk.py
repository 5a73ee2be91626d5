#!/usr/bin/env python3
"""The /proc walk of bench/exporter.sh: what a script (or process-exporter) does to get the
exporter's per-process readings without it. For every process: /proc/PID/fd (count, socket
inodes), limits (soft RLIMIT_NOFILE), status (threads); the namespace's /proc/net/tcp{,6}
once, by inode; then per process its sockets by state. Prints one line per process with at
least one socket ("PID fds limit threads state=count...") and a total.
"""
import os
import sys


def tcp_table():
    states = {}
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f) as fh:
                next(fh)
                for line in fh:
                    p = line.split()
                    if len(p) > 9:
                        states[int(p[9])] = int(p[3], 16)
        except OSError:
            pass
    return states


def main():
    table = tcp_table()
    me = os.getpid()
    out = []
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        base = "/proc/" + d
        try:
            fds = os.listdir(base + "/fd")
        except OSError:
            continue
        socks = {}
        for fd in fds:
            try:
                l = os.readlink(base + "/fd/" + fd)
            except OSError:
                continue
            if l.startswith("socket:["):
                st = table.get(int(l[8:-1]))
                if st is not None:
                    socks[st] = socks.get(st, 0) + 1
        limit = threads = "?"
        try:
            with open(base + "/limits") as fh:
                for line in fh:
                    if line.startswith("Max open files"):
                        limit = line.split()[3]
            with open(base + "/status") as fh:
                for line in fh:
                    if line.startswith("Threads:"):
                        threads = line.split()[1]
        except OSError:
            pass
        total += sum(socks.values())
        if socks:
            out.append("%s %d %s %s %s" % (d, len(fds), limit, threads,
                                          " ".join("%d=%d" % kv for kv in sorted(socks.items()))))
    sys.stdout.write("\n".join(out) + "\ntotal %d\n" % total)


if __name__ == "__main__":
    main()
