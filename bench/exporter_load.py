#!/usr/bin/env python3
"""The load of bench/exporter.sh: N processes holding M loopback TCP sockets between them.

    python3 bench/exporter_load.py [--procs 1000] [--per 5]

The parent listens on 127.0.0.1, forks --procs children; each connects --per times, then
executes `sleep` with those sockets open (a small process, as a node's are many); the parent
accepts and keeps every connection. Sockets: procs x per clients + as many accepted + the
listener. Prints one JSON line {"ready": true, "parent": PID, "children": [...], "sockets": N}
and stays until its stdin ends (or --timeout), then kills the children.
"""
import argparse
import json
import os
import resource
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=1000)
    ap.add_argument("--per", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    need = a.procs * a.per + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, soft), max(need, hard)))
        except (ValueError, OSError) as e:
            print(json.dumps({"error": "RLIMIT_NOFILE %d needed: %s" % (need, e)}), flush=True)
            return 1
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4096)
    port = ls.getsockname()[1]
    children, accepted = [], []
    for _ in range(a.procs):
        pid = os.fork()
        if pid == 0:
            try:
                ls.close()
                for c in accepted:
                    c.close()
                mine = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(a.per)]
                for s in mine:
                    s.set_inheritable(True)
                os.execvp("sleep", ["sleep", str(int(a.timeout) + 60)])
            finally:
                os._exit(1)
        children.append(pid)
        # accept this child's connections before the next fork: children never inherit them
        for _ in range(a.per):
            c, _ = ls.accept()
            accepted.append(c)
    print(json.dumps({"ready": True, "parent": os.getpid(), "children": len(children), "port": port,
                      "sockets": len(accepted) * 2 + 1}), flush=True)
    end = time.monotonic() + a.timeout
    try:
        import select
        while time.monotonic() < end:
            r, _, _ = select.select([sys.stdin], [], [], 1.0)
            if r and not sys.stdin.readline():
                break
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
