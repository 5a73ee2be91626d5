#!/usr/bin/env python3
"""Small, self-stopping TCP servers for testing `linkproof probe` (Python 3 stdlib only).

Run one as a child process:

    python3 probe_servers.py KIND [--host H]... [--backlog B] [--timeout S]
                                  [--threads N] [--limit L] [--fds N] [--pairs N]
                                  [--self-clients N] [--others]

KIND
  healthy    accepts, reads until the client closes, then closes its side
  closewait  accepts and never closes nor reads: once clients close, the accepted
             sockets stay in CLOSE_WAIT
  noaccept   listen(backlog) and never accepts: the accept queue fills up and
             further SYNs overflow (TcpExt ListenOverflows rises)
  fdhog      sets its soft RLIMIT_NOFILE to --limit and opens /dev/null until the
             process has --fds open descriptors (counted in /proc/self/fd)
  pairs      holds --pairs connected TCP pairs on loopback (both ends in this
             process, plus the listener), raising RLIMIT_NOFILE as needed

--threads N adds N idle threads; --others adds sockets a TCP probe must not count
(UDP, a UNIX pair, an unbound TCP socket, a dup of the first listener's fd);
--self-clients N makes closewait connect to itself N times and close (N CLOSE_WAIT
with no outside client, e.g. in a network namespace of its own) and noaccept hold
N connections to itself (at most backlog+1).

--host (repeatable; default 127.0.0.1) gives the addresses to listen on, each on an
ephemeral port. fdhog and pairs listen on nothing unless --host is given (pairs
needs one: default 127.0.0.1).

Once ready the server prints one JSON line on stdout:
    {"ready": true, "kind": K, "pid": P, "ports": [[HOST, PORT], ...], "fds": N,
     "limit": SOFT, "threads": T, ...}
It then reads commands, one per line, on stdin and answers each with one JSON line:
    status      -> {"accepted": n, "open": n, "fds": n, "threads": n, ...}
    fds N       -> (fdhog) opens or closes /dev/null descriptors until N are open
    quit        -> exits
It exits by itself on end of file on stdin (its parent went away), after --timeout
seconds (default 60), or after a bounded number of loop iterations.

The `Server` class below starts one such child and talks to it; the client helpers
open connections with bounded waits.
"""

import errno
import json
import os
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_ITER = 2_000_000          # upper bound of every event loop, whatever the time
DEFAULT_TIMEOUT = 60.0


# --------------------------------------------------------------------------- server side

def count_fds():
    """Open descriptors of this process, not counting the one listdir itself opens."""
    return len(os.listdir("/proc/self/fd")) - 1


def thread_count():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def make_listener(host, backlog):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(host) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, 0))
    if backlog is None:
        s.listen()
    else:
        s.listen(backlog)
    return s


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def serve(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="probe_servers.py")
    ap.add_argument("kind", choices=["healthy", "closewait", "noaccept", "fdhog", "pairs"])
    ap.add_argument("--host", action="append", default=None)
    ap.add_argument("--backlog", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    ap.add_argument("--threads", type=int, default=0, help="extra idle threads")
    ap.add_argument("--limit", type=int, default=None, help="soft RLIMIT_NOFILE (fdhog)")
    ap.add_argument("--fds", type=int, default=None, help="open descriptors to reach (fdhog)")
    ap.add_argument("--pairs", type=int, default=1000, help="connected pairs (pairs)")
    ap.add_argument("--self-clients", type=int, default=0,
                    help="closewait: connect to itself this many times and close the clients"
                         " (CLOSE_WAIT without outside help, e.g. in another network namespace);"
                         " noaccept: this many connections, kept open (at most backlog+1)")
    ap.add_argument("--others", action="store_true",
                    help="also hold sockets that are not counted: UDP, a UNIX pair, an unbound"
                         " TCP socket, and a dup of the first listener's fd")
    a = ap.parse_args(argv)

    t_start = time.monotonic()
    deadline = t_start + max(0.1, a.timeout)
    hosts = a.host
    if hosts is None:
        hosts = [] if a.kind == "fdhog" else ["127.0.0.1"]

    stop = threading.Event()
    extra = []
    for _ in range(max(0, a.threads)):
        th = threading.Thread(target=stop.wait, args=(max(0.1, a.timeout),), daemon=True)
        th.start()
        extra.append(th)

    if a.kind == "fdhog" and a.limit is not None:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (a.limit, hard))
    if a.kind == "pairs":
        # room for the pairs, and well under the soft limit (the fd ratio stays low)
        need = 2 * a.pairs + 64
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < need:
            hard = need  # needs CAP_SYS_RESOURCE; fails (and says so) otherwise
        want = 2 * need if hard == resource.RLIM_INFINITY else max(need, min(hard, 2 * need))
        if soft == resource.RLIM_INFINITY or soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    listeners = [make_listener(h, a.backlog) for h in hosts]
    ports = [[h, s.getsockname()[1]] for h, s in zip(hosts, listeners)]

    others = []
    if a.others:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        others += [u] + list(socket.socketpair()) + [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
        if listeners:
            # the first listener a second time (one socket, two fds: counted once)
            others.append(socket.socket(fileno=os.dup(listeners[0].fileno())))

    own_clients = []
    if a.self_clients and listeners and a.kind in ("closewait", "noaccept"):
        for i in range(a.self_clients):
            h, p = ports[i % len(ports)]
            own_clients.append(socket.create_connection((h, p), timeout=5.0))
        if a.kind == "closewait":
            for c in own_clients:
                c.close()
            own_clients = []

    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, "stdin")
    if a.kind in ("healthy", "closewait"):
        for s in listeners:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, "listen")

    conns = []          # accepted sockets still open
    hog = []            # fdhog descriptors
    pairs = []          # pairs: (client, server) sockets
    accepted = 0

    # fdhog: nothing else opens or closes descriptors, so the count is tracked
    # (listing /proc/self/fd needs a descriptor, which is not there at the limit)
    fd_base = count_fds()

    def adjust_fds(n):
        for _ in range(LIMIT_STEPS):
            have = fd_base + len(hog)
            if have < n:
                try:
                    hog.append(os.open("/dev/null", os.O_RDONLY))
                except OSError as e:
                    return "open: %s" % e.strerror
            elif have > n and hog:
                os.close(hog.pop())
            else:
                return None
        return "too many steps"

    error = None
    if a.kind == "fdhog" and a.fds is not None:
        error = adjust_fds(a.fds)
    if a.kind == "pairs":
        l = listeners[0]
        l.settimeout(5.0)
        for _ in range(a.pairs):
            if time.monotonic() > deadline:
                error = "timeout while connecting"
                break
            try:
                c = socket.create_connection((hosts[0], ports[0][1]), timeout=5.0)
                s, _ = l.accept()
            except OSError as e:
                error = "connect: %s" % e
                break
            pairs.append((c, s))

    def status():
        st = {"accepted": accepted, "open": len(conns),
              "fds": fd_base + len(hog) if a.kind == "fdhog" else count_fds(),
              "threads": thread_count(), "hog": len(hog), "pairs": len(pairs),
              "limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}
        if error:
            st["error"] = error
        return st

    ready = {"ready": True, "kind": a.kind, "pid": os.getpid(), "ports": ports}
    ready.update(status())
    emit(ready)

    buf = b""
    for _ in range(MAX_ITER):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        events = sel.select(min(0.5, left))
        quit_now = False
        for key, _mask in events:
            what = key.data
            if what == "stdin":
                try:
                    chunk = os.read(0, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    quit_now = True
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    words = line.decode("utf-8", "replace").split()
                    if not words:
                        continue
                    if words[0] == "quit":
                        quit_now = True
                        break
                    if words[0] == "status":
                        emit(status())
                    elif words[0] == "fds" and len(words) == 2 and a.kind == "fdhog":
                        error = adjust_fds(int(words[1]))
                        emit(status())
                    else:
                        emit({"error": "unknown command %r" % line.decode("utf-8", "replace")})
                if quit_now:
                    break
            elif what == "listen":
                # bounded: at most 256 accepts per readiness event
                for _ in range(256):
                    try:
                        c, _ = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:
                        if e.errno in (errno.EMFILE, errno.ENFILE, errno.ECONNABORTED):
                            break
                        raise
                    accepted += 1
                    conns.append(c)
                    if a.kind == "healthy":
                        c.setblocking(False)
                        sel.register(c, selectors.EVENT_READ, "conn")
            elif what == "conn":
                c = key.fileobj
                try:
                    data = c.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(c)
                    conns.remove(c)
                    c.close()
        if quit_now:
            break
    stop.set()
    return 0


LIMIT_STEPS = 1_100_000


# --------------------------------------------------------------------------- test side

class ServerError(Exception):
    pass


def _readline(proc, timeout, buf):
    """One line from proc.stdout within timeout seconds; buf is a bytearray of leftovers."""
    fd = proc.stdout.fileno()
    end = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        for _ in range(100000):
            i = buf.find(b"\n")
            if i >= 0:
                line = bytes(buf[:i])
                del buf[:i + 1]
                return line
            left = end - time.monotonic()
            if left <= 0:
                return None
            if sel.select(min(left, 0.2)):
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                buf += chunk
        return None
    finally:
        sel.close()


class Server:
    """One server child: `with Server("closewait") as s: s.pid, s.port("127.0.0.1")`."""

    def __init__(self, kind, hosts=None, backlog=None, timeout=DEFAULT_TIMEOUT, threads=0,
                 limit=None, fds=None, pairs=None, python=None, start_timeout=10.0,
                 self_clients=None, others=False, wrap=None):
        self.kind = kind
        argv = [python or sys.executable, os.path.join(HERE, "probe_servers.py"), kind,
                "--timeout", str(timeout)]
        for h in hosts or []:
            argv += ["--host", h]
        if backlog is not None:
            argv += ["--backlog", str(backlog)]
        if threads:
            argv += ["--threads", str(threads)]
        if limit is not None:
            argv += ["--limit", str(limit)]
        if fds is not None:
            argv += ["--fds", str(fds)]
        if pairs is not None:
            argv += ["--pairs", str(pairs)]
        if self_clients:
            argv += ["--self-clients", str(self_clients)]
        if others:
            argv += ["--others"]
        if wrap:
            argv = list(wrap) + argv
        self.argv = argv
        self._buf = bytearray()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, close_fds=True)
        line = _readline(self.proc, start_timeout, self._buf)
        if line is None:
            self.stop()
            err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
            raise ServerError("%s: no ready line within %.0fs (stderr %r)" % (kind, start_timeout, err[-500:]))
        self.info = json.loads(line)
        self.pid = self.info["pid"]
        self.ports = [(h, p) for h, p in self.info["ports"]]

    def port(self, host=None):
        for h, p in self.ports:
            if host is None or h == host:
                return p
        raise KeyError(host)

    def command(self, cmd, timeout=10.0):
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        line = _readline(self.proc, timeout, self._buf)
        if line is None:
            raise ServerError("%s: no answer to %r within %.0fs" % (self.kind, cmd, timeout))
        return json.loads(line)

    def status(self):
        return self.command("status")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def connect_clients(host, port, n, timeout=5.0):
    """n connected sockets to (host, port), each connect waited for (bounded)."""
    out = []
    try:
        for _ in range(n):
            out.append(socket.create_connection((host, port), timeout=timeout))
    except OSError:
        close_all(out)
        raise
    return out


def start_connect(host, port):
    """A non-blocking connect that may stay pending (SYN_SENT); returns the socket."""
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((host, port))
    if err not in (0, errno.EINPROGRESS, errno.EAGAIN):
        s.close()
        raise OSError(err, os.strerror(err))
    return s


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    del socks[:]


def poll(fn, timeout=5.0, step=0.05):
    """Call fn until it returns a true value or timeout seconds pass; returns the last value."""
    end = time.monotonic() + timeout
    v = fn()
    for _ in range(int(timeout / step) + 2):
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)
        v = fn()
    return v


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
