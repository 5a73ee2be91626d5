#!/usr/bin/env python3
"""`linkproof probe` against live test servers (tests/probe_servers.py).

For each server kind (healthy, closewait, noaccept, fdhog) the numbers linkproof
reports are compared with the truth (what the test created), with `ss -tanp` /
`ss -ltn` (iproute2) and with /proc (/proc/PID/fd, limits, status, net/netstat);
then the thresholds and exit statuses (0 healthy, 1 unhealthy, 2 cannot probe),
the text, --json and --format prometheus outputs, --interval, --exe, and a Go
binary (a copy of gofmt reading its stdin; with LP_FIXTURES, also a fixture held
stopped right after exec with PTRACE_TRACEME, for go_main).

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES (optional).
Needs Linux /proc (else exit 77) and ss (iproute2). Root adds a network-namespace
check (unshare -n) and a permission check (probing as nobody). Runs in ~8-10 s.
The last line is "N passed, M failed"; exit 0 when nothing failed, else 1.
"""

import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probe_servers as ps  # noqa: E402

TIMEOUT = 60
STATES = ["established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
          "close", "close_wait", "last_ack", "listen", "closing"]
SS_STATE = {"ESTAB": "established", "SYN-SENT": "syn_sent", "SYN-RECV": "syn_recv",
            "FIN-WAIT-1": "fin_wait1", "FIN-WAIT-2": "fin_wait2", "TIME-WAIT": "time_wait",
            "UNCONN": "close", "CLOSE": "close", "CLOSE-WAIT": "close_wait",
            "LAST-ACK": "last_ack", "LISTEN": "listen", "CLOSING": "closing"}
TOP_KEYS = ["schema_version", "command", "pid", "exe", "go_version", "go_main", "threads", "fds", "fd_limit",
            "fd_ratio", "tcp", "orphan_sockets", "listeners", "netstat", "healthy", "findings"]
LISTENER_KEYS = ["family", "address", "port", "queue", "backlog", "inode"]
NETSTAT_KEYS = ["listen_overflows", "listen_drops", "listen_overflows_delta", "listen_drops_delta"]
REASON_IDS = {"fd-ratio", "close-wait", "accept-queue-full", "listen-overflows", "orphan-sockets"}
PROM_METRICS = ["linkproof_process_open_fds", "linkproof_process_max_fds",
                "linkproof_process_threads", "linkproof_tcp_sockets",
                "linkproof_tcp_listen_queue", "linkproof_tcp_listen_backlog", "linkproof_orphan_sockets",
                "linkproof_netstat_listen_overflows_total",
                "linkproof_netstat_listen_drops_total", "linkproof_probe_healthy"]


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s" % (what, detail), flush=True)
        return cond


T = Tally()
LP = os.environ.get("LP_BIN", "/work/main/build/linkproof")


def base_env():
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env.pop("NO_COLOR", None)
    env.pop("CLICOLOR_FORCE", None)
    return env


def run(argv, preexec_fn=None, timeout=TIMEOUT):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, env=base_env(), timeout=timeout,
                           preexec_fn=preexec_fn)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    except OSError as e:
        return "oserror", "", str(e)


def probe(*args, **kw):
    return run([LP, "probe"] + [str(a) for a in args], **kw)


def probe_json(*args):
    rc, out, err = probe(*(args + ("--json",)))
    try:
        j = json.loads(out)
    except ValueError:
        j = None
    return rc, j, out, err


def lines_of(s):
    return [l for l in s.split("\n") if l != ""]


def one_error_line(t, label, rc, out, err):
    lines = lines_of(err)
    t.check(rc == 2, label, "exit %s, want 2 (stderr %r)" % (rc, err[:300]))
    t.check(len(lines) == 1 and lines[0].startswith("linkproof: "), label,
            "want one stderr line starting 'linkproof: ', got %r" % lines)
    t.check(out == "", label, "stdout should be empty, is %r" % out[:200])
    return lines[0] if lines else ""


# ------------------------------------------------------------------- the other readings

def proc_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def proc_soft_nofile(pid):
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    v = line[len("Max open files"):].split()[0]
                    return None if v == "unlimited" else int(v)
    except OSError:
        pass
    return "?"


def proc_threads(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_netstat(pid):
    """(ListenOverflows, ListenDrops) of the process's network namespace."""
    try:
        with open("/proc/%d/net/netstat" % pid) as f:
            rows = f.read().split("\n")
    except OSError:
        return None
    for i in range(0, len(rows) - 1, 2):
        k, v = rows[i].split(), rows[i + 1].split()
        if k and k[0] == "TcpExt:":
            d = dict(zip(k[1:], (int(x) for x in v[1:])))
            return d.get("ListenOverflows"), d.get("ListenDrops")
    return None


def ss_rows(args, netns_of=None):
    """ss -H ARGS; with netns_of=PID, in that process's network namespace (nsenter)."""
    pre = ["nsenter", "-t", str(netns_of), "-n"] if netns_of else []
    rc, out, err = run(pre + ["ss", "-H"] + args)
    if rc != 0:
        return None
    rows = []
    for line in lines_of(out):
        f = line.split()
        if len(f) < 5:
            continue
        rows.append(f)
    return rows


def ss_pid_states(pid, netns=False):
    """The TCP states of pid's sockets as `ss -tanp` shows them."""
    rows = ss_rows(["-tanp"], pid if netns else None)
    if rows is None:
        return None
    st = {s: 0 for s in STATES}
    tag = "pid=%d," % pid
    for f in rows:
        if tag in " ".join(f[5:]):
            st[SS_STATE.get(f[0], f[0])] = st.get(SS_STATE.get(f[0], f[0]), 0) + 1
    return st


def ss_inodes(pid=None, netns=False):
    """The inodes of every TCP and UDP socket of the namespace (of pid, with netns) per
    `ss -tuane` (all states, listening or not, bound or connected); None when ss fails."""
    rows = ss_rows(["-tuane"], pid if netns else None)
    if rows is None:
        return None
    out = set()
    for f in rows:
        for x in f:
            if x.startswith("ino:"):
                out.add(int(x[4:]))
    return out


def orphans_oracle(pid, netns=False):
    """(tcp, udp): sockets of pid whose protocol (the system.sockprotoname attribute of its fd,
    as the kernel names it) is TCP or UDP and whose inode `ss -tuane` does not list, each socket
    once; None when /proc or ss cannot be read."""
    known = ss_inodes(pid, netns)
    if known is None:
        return None
    kinds = {}
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return None
    for fd in names:
        path = "/proc/%d/fd/%s" % (pid, fd)
        try:
            m = re.match(r"socket:\[(\d+)\]$", os.readlink(path))
            proto = os.getxattr(path, "system.sockprotoname").rstrip(b"\0").decode() if m else None
        except OSError:
            continue
        if m and proto in ("TCP", "TCPv6", "UDP", "UDPv6"):
            kinds[int(m.group(1))] = "tcp" if proto.startswith("TCP") else "udp"
    lost = [k for ino, k in kinds.items() if ino not in known]
    return lost.count("tcp"), lost.count("udp")


def split_addr(local):
    addr, _, port = local.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return addr, int(port)


def ss_pid_listeners(pid, netns=False):
    """{(address, port): (Recv-Q, Send-Q)} of pid's listening sockets per `ss -ltnp`."""
    rows = ss_rows(["-ltnp"], pid if netns else None)
    if rows is None:
        return None
    tag = "pid=%d," % pid
    out = {}
    for f in rows:
        if tag in " ".join(f[5:]):
            out[split_addr(f[3])] = (int(f[1]), int(f[2]))
    return out


def ss_listen_port(port):
    """[(address, Recv-Q, Send-Q)] of the listeners on port per `ss -ltn`."""
    rows = ss_rows(["-ltn", "sport = :%d" % port])
    return [(split_addr(f[3])[0], int(f[1]), int(f[2])) for f in rows or []]


def wait_states(pid, want, timeout=5.0, netns=False):
    """Poll ss until pid's sockets have the counts in want; returns the last reading."""
    last = [None]

    def ok():
        last[0] = ss_pid_states(pid, netns)
        return last[0] is not None and all(last[0].get(k, 0) == v for k, v in want.items())
    ps.poll(ok, timeout)
    return last[0]


# ------------------------------------------------------------------- JSON checks

def check_shape(t, label, j):
    if not t.check(isinstance(j, dict), label, "--json output is not one object"):
        return False
    mk = [k for k in TOP_KEYS if k not in j]
    t.check(not mk, label, "JSON lacks keys %s" % mk)
    tcp = j.get("tcp")
    if t.check(isinstance(tcp, dict) and all(k in tcp for k in ("source", "sockets", "states")),
               label, "tcp should have source, sockets, states: %r" % (tcp,)):
        t.check(tcp["source"] in ("sock_diag", "proc"), label, "tcp.source is %r" % tcp["source"])
        st = tcp["states"]
        t.check(isinstance(st, dict) and sorted(st) == sorted(STATES), label,
                "tcp.states keys %r, want %r" % (sorted(st) if isinstance(st, dict) else st, STATES))
        if isinstance(st, dict):
            t.check(sum(v for v in st.values() if isinstance(v, int)) == tcp["sockets"], label,
                    "tcp.sockets %r is not the sum of the states %r" % (tcp["sockets"], st))
    orph = j.get("orphan_sockets")
    if t.check(isinstance(orph, dict) and all(isinstance(orph.get(k), int) for k in ("total", "tcp", "udp")),
               label, "orphan_sockets should be {total, tcp, udp}: %r" % (orph,)):
        t.check(orph["total"] == orph["tcp"] + orph["udp"], label,
                "orphan_sockets.total %r is not tcp + udp %r" % (orph["total"], orph))
    ls = j.get("listeners")
    if t.check(isinstance(ls, list), label, "listeners is not a list"):
        for l in ls:
            mk = [k for k in LISTENER_KEYS if k not in l]
            t.check(not mk, label, "listener %r lacks keys %s" % (l, mk))
            t.check(l.get("family") in ("ipv4", "ipv6"), label, "listener family %r" % l.get("family"))
    ns = j.get("netstat")
    if t.check(isinstance(ns, dict), label, "netstat is not an object"):
        mk = [k for k in NETSTAT_KEYS if k not in ns]
        t.check(not mk, label, "netstat lacks keys %s" % mk)
    rs = j.get("findings")
    if t.check(isinstance(rs, list), label, "findings is not a list"):
        for r in rs:
            t.check(isinstance(r, dict) and r.get("id") in REASON_IDS and isinstance(r.get("message"), str)
                    and r.get("message") and r.get("severity") == "error", label, "bad finding %r" % (r,))
    t.check(isinstance(j.get("healthy"), bool), label, "healthy is %r" % j.get("healthy"))
    if isinstance(rs, list) and isinstance(j.get("healthy"), bool):
        t.check(j["healthy"] == (len(rs) == 0), label,
                "healthy %r with reasons %r" % (j["healthy"], rs))
    return True


def reason_ids(j):
    return sorted(r.get("id") for r in (j or {}).get("findings", []) if isinstance(r, dict))


def check_against_system(t, label, pid, j, truth=None):
    """Compare a probe with /proc, ss and what the test created (truth: dict)."""
    truth = truth or {}
    if not check_shape(t, label, j):
        return
    t.check(j.get("pid") == pid, label, "pid %r, want %d" % (j.get("pid"), pid))
    try:
        exe = os.readlink("/proc/%d/exe" % pid)
    except OSError:
        exe = None
    t.check(j.get("exe") == exe, label, "exe %r, /proc/PID/exe is %r" % (j.get("exe"), exe))
    n = proc_fds(pid)
    t.check(j.get("fds") == n, label, "fds %r, /proc/%d/fd has %r" % (j.get("fds"), pid, n))
    if "fds" in truth:
        t.check(j.get("fds") == truth["fds"], label, "fds %r, the server holds %r"
                % (j.get("fds"), truth["fds"]))
    lim = proc_soft_nofile(pid)
    t.check(j.get("fd_limit") == lim, label, "fd_limit %r, /proc/PID/limits soft %r"
            % (j.get("fd_limit"), lim))
    if "limit" in truth:
        t.check(j.get("fd_limit") == truth["limit"], label, "fd_limit %r, set %r"
                % (j.get("fd_limit"), truth["limit"]))
    if isinstance(j.get("fds"), int) and isinstance(j.get("fd_limit"), int) and j["fd_limit"] > 0:
        r = j.get("fd_ratio")
        t.check(isinstance(r, (int, float)) and abs(r - j["fds"] / j["fd_limit"]) < 5e-4, label,
                "fd_ratio %r, fds/limit = %.6f" % (r, j["fds"] / j["fd_limit"]))
    th = proc_threads(pid)
    t.check(j.get("threads") == th, label, "threads %r, /proc/PID/status %r" % (j.get("threads"), th))
    if "threads" in truth:
        t.check(j.get("threads") == truth["threads"], label, "threads %r, the server runs %r"
                % (j.get("threads"), truth["threads"]))
    st = (j.get("tcp") or {}).get("states") or {}
    sst = ss_pid_states(pid, truth.get("netns", False))
    t.check(sst is not None and all(st.get(k) == sst.get(k, 0) for k in STATES), label,
            "tcp states differ from `ss -tanp` for pid %d:\n  linkproof %r\n  ss        %r"
            % (pid, {k: v for k, v in st.items() if v}, {k: v for k, v in (sst or {}).items() if v}))
    for k, v in truth.get("states", {}).items():
        t.check(st.get(k) == v, label, "tcp state %s = %r, created %d" % (k, st.get(k), v))
    orph = j.get("orphan_sockets") or {}
    oo = orphans_oracle(pid, truth.get("netns", False))
    t.check(oo is not None and (orph.get("tcp"), orph.get("udp")) == oo, label,
            "orphan sockets (tcp, udp) %r, want %r (socket fds in /proc/%d/fd whose "
            "system.sockprotoname is TCP/UDP and whose inode `ss -tuane` does not list)"
            % ((orph.get("tcp"), orph.get("udp")), oo, pid))
    if "orphans" in truth:
        t.check(orph.get("tcp") == truth["orphans"], label, "orphan TCP sockets %r, created %d"
                % (orph.get("tcp"), truth["orphans"]))
    ls = j.get("listeners") or []
    sl = ss_pid_listeners(pid, truth.get("netns", False)) or {}
    mine = {}
    for l in ls:
        mine[(l.get("address"), l.get("port"))] = (l.get("queue"), l.get("backlog"))
        fam = "ipv6" if ":" in str(l.get("address")) else "ipv4"
        t.check(l.get("family") == fam, label, "listener %r: family %r, want %s"
                % (l.get("address"), l.get("family"), fam))
        t.check(isinstance(l.get("inode"), int) and l.get("inode") > 0, label,
                "listener %r: inode %r" % (l.get("address"), l.get("inode")))
    if (j.get("tcp") or {}).get("source") == "proc":
        # /proc/PID/net/tcp has no accept-queue size: backlog unknown (null)
        sl = {k: (v[0], None) for k, v in sl.items()}
    t.check(mine == sl, label, "listeners (address, port): (queue, backlog)\n  linkproof %r\n"
            "  ss -ltnp  %r" % (mine, sl))
    t.check(len(ls) == st.get("listen"), label, "%d listeners but %r LISTEN sockets"
            % (len(ls), st.get("listen")))
    if "listeners" in truth:
        t.check(sorted(mine) == sorted(truth["listeners"]), label, "listeners %r, created %r"
                % (sorted(mine), sorted(truth["listeners"])))
    # socket inodes: the listeners' inodes are among the process's socket fds
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                m = re.match(r"socket:\[(\d+)\]$", os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            except OSError:
                m = None
            if m:
                inodes.add(int(m.group(1)))
    except OSError:
        pass
    for l in ls:
        t.check(l.get("inode") in inodes, label, "listener inode %r is not one of pid %d's sockets"
                % (l.get("inode"), pid))
    ns = j.get("netstat") or {}
    before = truth.get("netstat_before")
    after = proc_netstat(pid)
    if before and after:
        t.check(isinstance(ns.get("listen_overflows"), int)
                and before[0] <= ns["listen_overflows"] <= after[0], label,
                "listen_overflows %r not within /proc/PID/net/netstat readings %d..%d"
                % (ns.get("listen_overflows"), before[0], after[0]))
        t.check(isinstance(ns.get("listen_drops"), int)
                and before[1] <= ns["listen_drops"] <= after[1], label,
                "listen_drops %r not within /proc/PID/net/netstat readings %d..%d"
                % (ns.get("listen_drops"), before[1], after[1]))


def probe_checked(t, label, pid, truth=None, args=(), want_rc=None, want_reasons=None):
    """probe --json, compared with the system; returns the object."""
    truth = dict(truth or {})
    truth["netstat_before"] = proc_netstat(pid)
    rc, j, out, err = probe_json("--pid", pid, *args)
    t.check(rc in (0, 1), label, "exit %s, want 0 or 1 (stderr %r, stdout %r)" % (rc, err[:300], out[:200]))
    t.check(err == "", label, "stderr should be empty, is %r" % err[:300])
    if j is None:
        t.check(False, label, "--json output does not parse: %r" % out[:300])
        return None
    check_against_system(t, label, pid, j, truth)
    if want_rc is not None:
        t.check(rc == want_rc, label, "exit %s, want %d (reasons %r)" % (rc, want_rc, j.get("findings")))
    if isinstance(j.get("healthy"), bool) and rc in (0, 1):
        t.check(rc == (0 if j["healthy"] else 1), label, "exit %s but healthy %r" % (rc, j["healthy"]))
    if want_reasons is not None:
        ids = reason_ids(j)
        dup = [i for i in set(ids) if ids.count(i) > 1 and i != "accept-queue-full"]
        t.check(sorted(set(ids)) == sorted(set(want_reasons)) and not dup, label,
                "reason ids %r, want %r" % (ids, sorted(want_reasons)))
    return j


def check_sources(t, label, pid, truth, args=(), want_rc=None, want_reasons=None,
                  proc_rc=None, proc_reasons=None):
    """The same reading through each socket source (--source sock_diag, --source proc).
    /proc/PID/net/tcp{,6} has no backlog, so with proc a full queue cannot be judged:
    proc_rc / proc_reasons give what to expect there when it differs."""
    out = {}
    for src in ("sock_diag", "proc"):
        rc_, rs_ = want_rc, want_reasons
        if src == "proc" and proc_rc is not None:
            rc_, rs_ = proc_rc, proc_reasons
        j = probe_checked(t, "%s --source %s" % (label, src), pid, truth, args=("--source", src) + tuple(args),
                          want_rc=rc_, want_reasons=rs_)
        if j:
            t.check(j["tcp"].get("source") == src, "%s --source %s" % (label, src),
                    "tcp.source %r" % j["tcp"].get("source"))
            out[src] = j
    if len(out) == 2:
        a, b = out["sock_diag"], out["proc"]
        t.check(a["tcp"]["states"] == b["tcp"]["states"] and
                sorted((l["address"], l["port"], l["queue"], l["inode"]) for l in a["listeners"]) ==
                sorted((l["address"], l["port"], l["queue"], l["inode"]) for l in b["listeners"]) and
                all(l["backlog"] is None for l in b["listeners"]),
                label + " sock_diag vs proc", "the two sources differ:\n  sock_diag %r %r\n  proc      %r %r"
                % (a["tcp"]["states"], a["listeners"], b["tcp"]["states"], b["listeners"]))
    return out


# ------------------------------------------------------------------- text and prometheus

FDS_RE = re.compile(r"^\s*fds\s+(\d+)\s*/\s*(\d+|unlimited|-)\s*(?:\(\s*([\d.]+)\s*%\s*\))?\s*$")
QUEUE_RE = re.compile(r"queue\s+(\d+)\s*/\s*(\d+)")


def check_text(t, label, pid, j, want_rc):
    rc, out, err = probe("--pid", pid)
    t.check(rc == want_rc, label, "exit %s, want %d" % (rc, want_rc))
    t.check(err == "", label, "stderr should be empty, is %r" % err[:300])
    ls = out.split("\n")
    t.check(out.endswith("\n"), label, "output does not end with a newline")
    ls = lines_of(out)
    t.check(any(re.match(r"^\s+pid\s+%d\s*$" % pid, l) for l in ls), label,
            "no '  pid   %d' line in %r" % (pid, out[:400]))
    fl = [FDS_RE.match(l) for l in ls]
    fl = [m for m in fl if m]
    if t.check(len(fl) == 1, label, "want one 'fds N / LIMIT (P%%)' line, got %r" % out[:600]):
        m = fl[0]
        t.check(int(m.group(1)) == j["fds"] and m.group(2) == str(j["fd_limit"]), label,
                "fds line %r, JSON fds %r limit %r" % (m.group(0), j["fds"], j["fd_limit"]))
        if m.group(3) and j["fd_limit"]:
            t.check(abs(float(m.group(3)) - 100.0 * j["fds"] / j["fd_limit"]) <= 0.51, label,
                    "fds line percentage %s, want %.2f" % (m.group(3), 100.0 * j["fds"] / j["fd_limit"]))
    t.check(any(re.match(r"^\s+threads\s+%d\s*$" % j["threads"], l) for l in ls), label,
            "no '  threads   %d' line" % j["threads"])
    o = j["orphan_sockets"]
    t.check(any(re.match(r"^\s+orphans\s+%d \(tcp %d, udp %d\b" % (o["total"], o["tcp"], o["udp"]), l)
                for l in ls), label, "no '  orphans   %d (tcp %d, udp %d ...' line in %r"
            % (o["total"], o["tcp"], o["udp"], out[:600]))
    for l in j["listeners"]:
        a = l["address"]
        names = ["%s:%d" % (a, l["port"])] + (["[%s]:%d" % (a, l["port"])] if ":" in a else [])
        hit = [x for x in ls if x.startswith(" ")
               and any(re.search(r"(^|\s)%s(\s|$)" % re.escape(n), x) for n in names)]
        ok = t.check(len(hit) == 1, label, "want one line for listener %s, got %r" % (names[-1], hit))
        if ok:
            m = QUEUE_RE.search(hit[0])
            t.check(m is not None and (int(m.group(1)), int(m.group(2))) == (l["queue"], l["backlog"]),
                    label, "listener line %r, JSON queue %d/%d" % (hit[0], l["queue"], l["backlog"]))
    # aligned label/value lines: every value starts in the same column
    cols = set()
    for l in ls:
        if l.startswith(" "):
            m = re.match(r"^(\s+\S+(?: \S+)*\s{2,})\S", l) or re.match(r"^(\s{4,})\S", l)
            cols.add(len(m.group(1)) if m else -1)
    t.check(len(cols) == 1 and -1 not in cols, label, "values do not start in one column: %r" % out[:800])
    verdict = [l for l in ls if not l.startswith(" ")]
    if j["healthy"]:
        t.check(verdict == ["healthy"], label, "want the verdict line 'healthy' only, got %r" % verdict)
        t.check(ls and ls[-1] == "healthy", label, "last line %r, want 'healthy'" % (ls[-1:],))
    else:
        un = [l for l in ls if l.startswith("unhealthy: ")]
        t.check(len(un) == len(j["findings"]) and verdict == un and ls[-len(un):] == un, label,
                "want %d trailing 'unhealthy: ' lines (one per reason %r), got %r"
                % (len(j["findings"]), reason_ids(j), verdict))
    return out


PROM_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
PROM_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_prom(text):
    """[(name, {labels}, value)] and a list of problems."""
    samples, problems, typed, helped = [], [], {}, set()
    for i, line in enumerate(text.split("\n")):
        if line == "":
            continue
        if line.startswith("#"):
            f = line.split(None, 3)
            if len(f) >= 3 and f[1] == "HELP":
                helped.add(f[2])
            elif len(f) >= 4 and f[1] == "TYPE":
                if f[2] in typed:
                    problems.append("line %d: second TYPE for %s" % (i + 1, f[2]))
                typed[f[2]] = f[3].strip()
                if typed[f[2]] not in ("gauge", "counter", "untyped"):
                    problems.append("line %d: type %r" % (i + 1, f[3]))
            else:
                problems.append("line %d: comment %r" % (i + 1, line))
            continue
        m = PROM_SAMPLE.match(line)
        if not m:
            problems.append("line %d does not parse: %r" % (i + 1, line))
            continue
        labels, rest = {}, m.group(3) or ""
        pos = 0
        while pos < len(rest):
            lm = PROM_LABEL.match(rest, pos)
            if not lm:
                problems.append("line %d: labels do not parse: %r" % (i + 1, rest))
                break
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        try:
            v = float(m.group(4))
        except ValueError:
            problems.append("line %d: value %r" % (i + 1, m.group(4)))
            continue
        name = m.group(1)
        base = name[:-len("_total")] if name.endswith("_total") and name not in typed else name
        if name not in typed and base not in typed:
            problems.append("line %d: %s has no TYPE line before it" % (i + 1, name))
        if name not in helped and base not in helped:
            problems.append("line %d: %s has no HELP line before it" % (i + 1, name))
        samples.append((name, labels, v))
    return samples, problems


def check_prom(t, label, pid, j, want_rc):
    rc, out, err = probe("--pid", pid, "--format", "prometheus")
    t.check(rc == want_rc, label, "exit %s, want %d" % (rc, want_rc))
    t.check(err == "", label, "stderr should be empty, is %r" % err[:300])
    samples, problems = parse_prom(out)
    t.check(not problems, label, "exposition problems: %s" % problems[:5])
    t.check(samples and all(s[1].get("pid") == str(pid) for s in samples), label,
            "every sample needs pid=\"%d\": %r" % (pid, [s for s in samples if s[1].get("pid") != str(pid)][:3]))
    names = {s[0] for s in samples}
    missing = [m for m in PROM_METRICS if m not in names and not (m.startswith("linkproof_tcp_listen")
                                                                   and not j["listeners"])]
    t.check(not missing, label, "metrics missing: %s" % missing)

    def one(name, **lab):
        v = [s[2] for s in samples if s[0] == name and all(s[1].get(k) == x for k, x in lab.items())]
        return v[0] if len(v) == 1 else ("%d samples" % len(v))
    t.check(one("linkproof_process_open_fds") == j["fds"], label,
            "open_fds %r, JSON %r" % (one("linkproof_process_open_fds"), j["fds"]))
    if j["fd_limit"] is not None:
        t.check(one("linkproof_process_max_fds") == j["fd_limit"], label,
                "max_fds %r, JSON %r" % (one("linkproof_process_max_fds"), j["fd_limit"]))
    t.check(one("linkproof_process_threads") == j["threads"], label,
            "threads %r, JSON %r" % (one("linkproof_process_threads"), j["threads"]))
    sts = [s for s in samples if s[0] == "linkproof_tcp_sockets"]
    t.check(sorted(s[1].get("state") for s in sts) == sorted(STATES), label,
            "linkproof_tcp_sockets states %r, want one per state" % sorted(str(s[1].get("state")) for s in sts))
    for s in sts:
        want = j["tcp"]["states"].get(s[1].get("state"))
        t.check(s[2] == want, label, "tcp_sockets{state=%r} %r, JSON %r" % (s[1].get("state"), s[2], want))
    for proto in ("tcp", "udp"):
        t.check(one("linkproof_orphan_sockets", protocol=proto) == j["orphan_sockets"][proto], label,
                "orphan_sockets{protocol=%s} %r, JSON %r" % (proto, one("linkproof_orphan_sockets", protocol=proto),
                                                             j["orphan_sockets"][proto]))
    for l in j["listeners"]:
        a = l["address"]
        cands = ["%s:%d" % (a, l["port"])] + (["[%s]:%d" % (a, l["port"])] if ":" in a else [])
        q = [s for s in samples if s[0] == "linkproof_tcp_listen_queue" and s[1].get("address") in cands]
        b = [s for s in samples if s[0] == "linkproof_tcp_listen_backlog" and s[1].get("address") in cands]
        t.check(len(q) == 1 and q[0][2] == l["queue"] and len(b) == 1 and b[0][2] == l["backlog"],
                label, "listen_queue/backlog for %s: %r %r, JSON %d/%d"
                % (cands[-1], q, b, l["queue"], l["backlog"]))
    n_q = len([s for s in samples if s[0] == "linkproof_tcp_listen_queue"])
    t.check(n_q == len(j["listeners"]), label, "%d listen_queue samples, %d listeners"
            % (n_q, len(j["listeners"])))
    t.check(one("linkproof_netstat_listen_overflows_total") >= j["netstat"]["listen_overflows"]
            if isinstance(one("linkproof_netstat_listen_overflows_total"), float) else False, label,
            "listen_overflows_total %r, JSON (earlier) %r"
            % (one("linkproof_netstat_listen_overflows_total"), j["netstat"]["listen_overflows"]))
    t.check(isinstance(one("linkproof_netstat_listen_drops_total"), float), label,
            "listen_drops_total: %r" % one("linkproof_netstat_listen_drops_total"))
    t.check(one("linkproof_probe_healthy") == (1 if want_rc == 0 else 0), label,
            "probe_healthy %r with exit %s" % (one("linkproof_probe_healthy"), rc))
    t.check("unhealthy:" not in out and not re.search(r"(?m)^healthy$", out), label,
            "the verdict line should not be in the exposition")
    return samples


# ------------------------------------------------------------------- sections

def section_usage(t, tmp):
    rc, out, err = probe("--help")
    t.check(rc == 0 and "usage" in out.lower() and "probe" in out, "probe --help",
            "exit %s, stdout %r, stderr %r" % (rc, out[:200], err[:200]))
    rc, out, err = run([LP, "help", "probe"])
    t.check(rc == 0 and "probe" in out, "help probe", "exit %s, stdout %r" % (rc, out[:200]))
    me = os.getpid()
    for args, what in ([[], "no --pid nor --exe"],
                       [["--pid"], "--pid without value"],
                       [["--pid", "abc"], "--pid abc"],
                       [["--pid", "0"], "--pid 0"],
                       [["--pid", "-5"], "--pid -5"],
                       [["--pid", "12x"], "--pid 12x"],
                       [["--pid", str(me), "--exe", "python3"], "--pid and --exe"],
                       [["--pid", str(me), "--interval", "abc"], "--interval abc"],
                       [["--pid", str(me), "--interval", "5parsecs"], "--interval 5parsecs"],
                       [["--pid", str(me), "--interval", "-1s"], "--interval -1s"],
                       [["--pid", str(me), "--max-fd-ratio", "abc"], "--max-fd-ratio abc"],
                       [["--pid", str(me), "--max-fd-ratio", "-0.5"], "--max-fd-ratio -0.5"],
                       [["--pid", str(me), "--max-close-wait", "x"], "--max-close-wait x"],
                       [["--pid", str(me), "--max-close-wait", "-1"], "--max-close-wait -1"],
                       [["--pid", str(me), "--max-orphan-sockets", "x"], "--max-orphan-sockets x"],
                       [["--pid", str(me), "--max-orphan-sockets", "-1"], "--max-orphan-sockets -1"],
                       [["--pid", str(me), "--max-orphan-sockets", ""], "--max-orphan-sockets ''"],
                       [["--pid", str(me), "--format", "xml"], "--format xml"],
                       [["--pid", str(me), "--source", "magic"], "--source magic"],
                       [["--pid", str(me), "--no-such-option"], "unknown option"],
                       [["--pid", str(me), "extra-arg"], "extra operand"]):
        rc, out, err = probe(*args)
        one_error_line(t, "probe %s (usage)" % what, rc, out, err)

    # a pid that does not exist
    try:
        pid_max = int(open("/proc/sys/kernel/pid_max").read())
    except (OSError, ValueError):
        pid_max = 32768
    gone = None
    for cand in range(pid_max - 1, pid_max - 200, -1):
        if not os.path.exists("/proc/%d" % cand):
            gone = cand
            break
    if gone is not None:
        rc, out, err = probe("--pid", gone)
        one_error_line(t, "probe --pid %d (no such process)" % gone, rc, out, err)
        rc, out, err = probe("--pid", gone, "--json")
        one_error_line(t, "probe --pid %d --json (no such process)" % gone, rc, out, err)
    # a pid that has just exited and been reaped
    p = subprocess.Popen(["true"])
    p.wait()
    if not os.path.exists("/proc/%d" % p.pid):
        rc, out, err = probe("--pid", p.pid)
        one_error_line(t, "probe --pid of an exited process", rc, out, err)

    rc, out, err = probe("--exe", "lp-no-such-exe-%s" % secrets.token_hex(3))
    one_error_line(t, "probe --exe (no such name)", rc, out, err)


def section_permission(t):
    """Another user's process: as nobody, probe a process of ours (root), or pid 1 as a user."""
    if os.geteuid() == 0:
        with ps.Server("healthy") as s:
            def drop():
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            rc, out, err = probe("--pid", s.pid, preexec_fn=drop)
            if rc in ("oserror", 126, 127):
                print("note: cannot run %s as nobody (%s); permission check skipped" % (LP, rc))
                return
            one_error_line(t, "probe --pid (root's process, as nobody)", rc, out, err)
            rc, out, err = probe("--pid", s.pid, "--json", preexec_fn=drop)
            one_error_line(t, "probe --pid --json (root's process, as nobody)", rc, out, err)
    else:
        try:
            st = os.stat("/proc/1")
        except OSError:
            return
        if st.st_uid == os.getuid():
            print("note: pid 1 is ours; permission check skipped")
            return
        rc, out, err = probe("--pid", 1)
        one_error_line(t, "probe --pid 1 (another user's process)", rc, out, err)


def section_healthy(t):
    hosts = ["127.0.0.1", "::1"]
    with ps.Server("healthy", hosts=hosts, threads=3, others=True) as s:
        # others: a UDP socket, a UNIX pair and an unbound TCP socket, none of them counted
        truth = {"threads": 4, "listeners": [(h, s.port(h)) for h in hosts],
                 "states": {"listen": 2, "established": 0, "close_wait": 0}}
        j = probe_checked(t, "healthy (idle)", s.pid, truth, want_rc=0, want_reasons=[])
        if j:
            t.check(j.get("go_version") is None and j.get("go_main") is None, "healthy (idle)",
                    "a Python process: go_version %r go_main %r" % (j.get("go_version"), j.get("go_main")))
            fam = {l["address"]: l["family"] for l in j["listeners"]}
            t.check(fam.get("::1") == "ipv6" and fam.get("127.0.0.1") == "ipv4", "healthy (idle)",
                    "families %r, want ::1 ipv6 and 127.0.0.1 ipv4" % fam)
            for l in j["listeners"]:
                ss = ss_listen_port(l["port"])
                t.check(ss == [(l["address"], l["queue"], l["backlog"])], "healthy (idle) vs ss -ltn",
                        "listener %r: ss -ltn says %r" % (l, ss))
            ns = j.get("netstat") or {}
            t.check("listen_overflows_delta" in ns and ns.get("listen_overflows_delta") is None
                    and ns.get("listen_drops_delta") is None, "healthy (idle)",
                    "deltas should be null without --interval: %r" % ns)
            check_text(t, "healthy (idle) text", s.pid, j, 0)
            check_prom(t, "healthy (idle) prometheus", s.pid, j, 0)

        # clients connected: ESTABLISHED on the server's side, by family
        cl = ps.connect_clients("127.0.0.1", s.port("127.0.0.1"), 5) + \
            ps.connect_clients("::1", s.port("::1"), 3)
        try:
            got = wait_states(s.pid, {"established": 8})
            t.check(got and got["established"] == 8, "healthy (8 clients)", "ss shows %r" % got)
            truth["states"] = {"listen": 2, "established": 8, "close_wait": 0}
            truth["fds"] = s.status()["fds"]
            j = probe_checked(t, "healthy (8 clients)", s.pid, truth, want_rc=0, want_reasons=[])
            if j:
                t.check(j["tcp"]["source"] == "sock_diag", "healthy (8 clients)",
                        "tcp.source %r; sock_diag works here (ss uses it)" % j["tcp"]["source"])
            check_sources(t, "healthy (8 clients)", s.pid, truth, want_rc=0, want_reasons=[])
            if j:
                t.check(j["fds"] == proc_fds(s.pid), "healthy (8 clients)", "fds")
            # --interval: two readings; nobody overflows here
            before = proc_netstat(s.pid)
            t0 = time.monotonic()
            rc, j, out, err = probe_json("--pid", s.pid, "--interval", "500ms")
            dt = time.monotonic() - t0
            after = proc_netstat(s.pid)
            label = "healthy --interval 500ms"
            t.check(0.45 <= dt < 10, label, "took %.2fs, want about 0.5s" % dt)
            if t.check(isinstance(j, dict), label, "no JSON: exit %s %r %r" % (rc, out[:200], err[:200])):
                check_shape(t, label, j)
                ns = j["netstat"]
                t.check(isinstance(ns.get("listen_overflows_delta"), int)
                        and isinstance(ns.get("listen_drops_delta"), int), label,
                        "deltas should be integers with --interval: %r" % ns)
                if before and after and before[0] == after[0]:
                    t.check(ns.get("listen_overflows_delta") == 0 and rc == 0, label,
                            "no overflow in the namespace meanwhile, yet delta %r exit %s"
                            % (ns.get("listen_overflows_delta"), rc))
                else:
                    print("note: %s: ListenOverflows moved meanwhile (%r -> %r), not judged"
                          % (label, before, after))
            t0 = time.monotonic()
            rc, out, err = probe("--pid", s.pid, "--interval", "2s", "--format", "prometheus")
            dt = time.monotonic() - t0
            t.check(rc in (0, 1) and 1.9 <= dt < 12, "healthy --interval 2s --format prometheus",
                    "exit %s after %.2fs, want about 2s" % (rc, dt))
        finally:
            ps.close_all(cl)
        got = wait_states(s.pid, {"established": 0})
        t.check(got and got["established"] == 0 and got["close_wait"] == 0, "healthy (clients gone)",
                "ss shows %r" % got)
        truth["states"] = {"listen": 2, "established": 0, "close_wait": 0}
        truth.pop("fds", None)
        probe_checked(t, "healthy (clients gone)", s.pid, truth, want_rc=0, want_reasons=[])


def make_close_wait(s, host, n, keep=0):
    """n clients connect and close (the server holds n CLOSE_WAIT), keep stay connected."""
    cl = ps.connect_clients(host, s.port(host), n + keep)
    gone, kept = cl[:n], cl[n:]
    ps.close_all(gone)
    return kept


def section_closewait(t):
    hosts = ["127.0.0.1", "::1"]
    with ps.Server("closewait", hosts=hosts) as s:
        kept = make_close_wait(s, "127.0.0.1", 4, keep=2) + make_close_wait(s, "::1", 1, keep=1)
        try:
            got = wait_states(s.pid, {"close_wait": 5, "established": 3})
            t.check(got and got["close_wait"] == 5 and got["established"] == 3, "closewait (5)",
                    "ss shows %r" % got)
            truth = {"states": {"close_wait": 5, "established": 3, "listen": 2}}
            j = probe_checked(t, "closewait 5, --max-close-wait 5", s.pid, truth,
                              args=("--max-close-wait", "5"), want_rc=0, want_reasons=[])
            j = probe_checked(t, "closewait 5, --max-close-wait 4", s.pid, truth,
                              args=("--max-close-wait", "4"), want_rc=1, want_reasons=["close-wait"])
            if j:
                rc, out, err = probe("--pid", s.pid, "--max-close-wait", "4")
                un = [l for l in lines_of(out) if l.startswith("unhealthy: ")]
                t.check(rc == 1 and len(un) == 1 and lines_of(out)[-1] == un[0], "closewait text",
                        "exit %s, want 1 and one final 'unhealthy: ' line, got %r" % (rc, un))
                rc, out, err = probe("--pid", s.pid, "--max-close-wait", "4", "--format", "prometheus")
                samples, problems = parse_prom(out)
                t.check(rc == 1 and not problems and
                        [x[2] for x in samples if x[0] == "linkproof_tcp_sockets"
                         and x[1].get("state") == "close_wait"] == [5.0] and
                        [x[2] for x in samples if x[0] == "linkproof_probe_healthy"] == [0.0],
                        "closewait prometheus", "exit %s, problems %r" % (rc, problems[:3]))
            probe_checked(t, "closewait 5, default --max-close-wait", s.pid, truth,
                          want_rc=0, want_reasons=[])
            probe_checked(t, "closewait 5, --max-close-wait 0", s.pid, truth,
                          args=("--max-close-wait", "0"), want_rc=1, want_reasons=["close-wait"])
            # two reasons at once: one line each
            j = probe_checked(t, "closewait 5, two thresholds crossed", s.pid, truth,
                              args=("--max-close-wait", "0", "--max-fd-ratio", "0.0001"), want_rc=1,
                              want_reasons=["close-wait", "fd-ratio"])
            if j:
                rc, out, err = probe("--pid", s.pid, "--max-close-wait", "0", "--max-fd-ratio", "0.0001")
                un = [l for l in lines_of(out) if l.startswith("unhealthy: ")]
                t.check(rc == 1 and len(un) == 2, "closewait two reasons text",
                        "exit %s, want 1 and two 'unhealthy: ' lines, got %r" % (rc, un))

            # the default threshold (64): 64 is fine, 65 is not
            kept += make_close_wait(s, "127.0.0.1", 59)
            got = wait_states(s.pid, {"close_wait": 64})
            t.check(got and got["close_wait"] == 64, "closewait (64)", "ss shows %r" % got)
            truth["states"]["close_wait"] = 64
            j = probe_checked(t, "closewait 64, default --max-close-wait", s.pid, truth,
                              want_rc=0, want_reasons=[])
            if j:
                check_text(t, "closewait 64 text", s.pid, j, 0)
            kept += make_close_wait(s, "::1", 1)
            got = wait_states(s.pid, {"close_wait": 65})
            t.check(got and got["close_wait"] == 65, "closewait (65)", "ss shows %r" % got)
            truth["states"]["close_wait"] = 65
            j = probe_checked(t, "closewait 65, default --max-close-wait", s.pid, truth,
                              want_rc=1, want_reasons=["close-wait"])
            if j:
                check_text(t, "closewait 65 text", s.pid, j, 1)
                check_prom(t, "closewait 65 prometheus", s.pid, j, 1)
                r = [x for x in j["findings"] if x.get("id") == "close-wait"]
                t.check(r and "65" in r[0].get("message", ""), "closewait 65 reason text",
                        "the reason should give the count 65: %r" % r)
            probe_checked(t, "closewait 65, --max-close-wait 65", s.pid, truth,
                          args=("--max-close-wait", "65"), want_rc=0, want_reasons=[])
            check_sources(t, "closewait 65", s.pid, truth, want_rc=1, want_reasons=["close-wait"])
        finally:
            ps.close_all(kept)


def reset_clients(s, host, n):
    """n clients connect and close with SO_LINGER {1, 0}: a reset, so the server's accepted
    sockets leave every TCP table at once while the server (which never closes) keeps their fds."""
    cl = ps.connect_clients(host, s.port(host), n)
    for c in cl:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ps.close_all(cl)


def section_orphans(t):
    """Orphaned sockets: a server that never closes, clients that reset. ss shows nothing of
    them (neither CLOSE_WAIT nor anything else), the fds stay: `orphan-sockets`."""
    with ps.Server("closewait") as s:
        host = "127.0.0.1"
        kept = make_close_wait(s, host, 3, keep=2)
        try:
            got = wait_states(s.pid, {"close_wait": 3, "established": 2})
            t.check(got and got["close_wait"] == 3, "orphans: 3 CLOSE_WAIT first", "ss shows %r" % got)
            truth = {"states": {"close_wait": 3, "established": 2, "listen": 1}, "orphans": 0}
            probe_checked(t, "orphans: none yet", s.pid, truth, want_rc=0, want_reasons=[])
            fds_before = proc_fds(s.pid)
            reset_clients(s, host, 100)
            ps.poll(lambda: proc_fds(s.pid) == fds_before + 100, 5.0)
            got = wait_states(s.pid, {"close_wait": 3, "established": 2})
            t.check(got and sum(got.values()) == 6, "orphans: ss after 100 resets",
                    "ss -tanp should still show only the listener, 2 established and 3 CLOSE_WAIT, "
                    "not the 100 reset sockets: %r" % got)
            t.check(proc_fds(s.pid) == fds_before + 100, "orphans: the fds stay",
                    "/proc/%d/fd has %r fds, want %d" % (s.pid, proc_fds(s.pid), fds_before + 100))
            truth["orphans"] = 100
            j = probe_checked(t, "orphans 100, default --max-orphan-sockets", s.pid, truth,
                              want_rc=1, want_reasons=["orphan-sockets"])
            if j:
                r = [x for x in j["findings"] if x.get("id") == "orphan-sockets"]
                t.check(r and "100" in r[0].get("message", ""), "orphans 100 reason text",
                        "the reason should give the count 100: %r" % r)
                check_text(t, "orphans 100 text", s.pid, j, 1)
                rc, out, err = probe("--pid", s.pid)
                t.check("[orphan-sockets]" in out, "orphans 100 text",
                        "want an 'unhealthy: ... [orphan-sockets]' line: %r" % out[-400:])
                check_prom(t, "orphans 100 prometheus", s.pid, j, 1)
            probe_checked(t, "orphans 100, --max-orphan-sockets 100", s.pid, truth,
                          args=("--max-orphan-sockets", "100"), want_rc=0, want_reasons=[])
            probe_checked(t, "orphans 100, --max-orphan-sockets 99", s.pid, truth,
                          args=("--max-orphan-sockets", "99"), want_rc=1, want_reasons=["orphan-sockets"])
            probe_checked(t, "orphans 100 and close-wait", s.pid, truth,
                          args=("--max-close-wait", "2"), want_rc=1,
                          want_reasons=["orphan-sockets", "close-wait"])
            out = check_sources(t, "orphans 100", s.pid, truth, want_rc=1, want_reasons=["orphan-sockets"])
            if len(out) == 2:
                t.check(out["sock_diag"]["orphan_sockets"] == out["proc"]["orphan_sockets"],
                        "orphans 100 sock_diag vs proc", "orphan_sockets %r (sock_diag) vs %r (proc)"
                        % (out["sock_diag"]["orphan_sockets"], out["proc"]["orphan_sockets"]))
        finally:
            ps.close_all(kept)


def section_noaccept(t):
    B = 8
    hosts = ["127.0.0.1", "::1"]
    with ps.Server("noaccept", hosts=hosts, backlog=B) as s:
        socks = []
        pending = []
        try:
            truth = {"states": {"listen": 2, "established": 0}}
            j = probe_checked(t, "noaccept (empty queue)", s.pid, truth, want_rc=0, want_reasons=[])
            if j:
                q = {l["address"]: (l["queue"], l["backlog"]) for l in j["listeners"]}
                t.check(q == {"127.0.0.1": (0, B), "::1": (0, B)}, "noaccept (empty queue)",
                        "queue/backlog %r, want 0/%d on both" % (q, B))
            # half full on IPv4: healthy
            socks += ps.connect_clients("127.0.0.1", s.port("127.0.0.1"), B // 2)
            ps.poll(lambda: ss_listen_port(s.port("127.0.0.1"))[:1] == [("127.0.0.1", B // 2, B)])
            j = probe_checked(t, "noaccept (queue %d/%d)" % (B // 2, B), s.pid, truth,
                              want_rc=0, want_reasons=[])
            # full: the kernel queues backlog+1 connections before it drops SYNs
            socks += ps.connect_clients("127.0.0.1", s.port("127.0.0.1"), B + 1 - B // 2)
            socks += ps.connect_clients("::1", s.port("::1"), B + 1)
            for h in hosts:
                ps.poll(lambda: ss_listen_port(s.port(h))[:1] == [(h, B + 1, B)])
            for h in hosts:
                ss = ss_listen_port(s.port(h))
                t.check(ss == [(h, B + 1, B)], "noaccept (full) ss -ltn %s" % h,
                        "ss -ltn: %r, want Recv-Q %d Send-Q %d" % (ss, B + 1, B))
            # further clients: SYNs dropped, they stay in SYN_SENT (in this process)
            for _ in range(3):
                pending.append(ps.start_connect("127.0.0.1", s.port("127.0.0.1")))
            truth["listeners"] = [(h, s.port(h)) for h in hosts]
            j = probe_checked(t, "noaccept (full)", s.pid, truth, want_rc=1,
                              want_reasons=["accept-queue-full", "accept-queue-full"])
            if j:
                for l in j["listeners"]:
                    ss = ss_listen_port(l["port"])
                    t.check(ss == [(l["address"], l["queue"], l["backlog"])], "noaccept (full) vs ss -ltn",
                            "linkproof %s queue %d/%d, ss -ltn %r" % (l["address"], l["queue"], l["backlog"], ss))
                    t.check((l["queue"], l["backlog"]) == (B + 1, B), "noaccept (full) truth",
                            "%s queue %d/%d, want %d/%d" % (l["address"], l["queue"], l["backlog"], B + 1, B))
                fam = {l["address"]: l["family"] for l in j["listeners"]}
                t.check(fam == {"127.0.0.1": "ipv4", "::1": "ipv6"}, "noaccept (full) families", "%r" % fam)
                texts = [r["message"] for r in j["findings"] if r.get("id") == "accept-queue-full"]
                for h in hosts:
                    t.check(any(str(s.port(h)) in x for x in texts), "noaccept (full) reason text",
                            "no reason names port %d: %r" % (s.port(h), texts))
                t.check(j["netstat"]["listen_overflows_delta"] is None
                        and "listen-overflows" not in reason_ids(j), "noaccept (full), no --interval",
                        "no listen-overflows verdict without --interval: %r" % j["netstat"])
                check_text(t, "noaccept (full) text", s.pid, j, 1)
                check_prom(t, "noaccept (full) prometheus", s.pid, j, 1)
            check_sources(t, "noaccept (full)", s.pid, truth, want_rc=1, want_reasons=["accept-queue-full"],
                          proc_rc=0, proc_reasons=[])
            rc, out, err = probe("--pid", s.pid, "--source", "proc")
            t.check(rc == 0 and len(re.findall(r"backlog unknown", out)) == 2, "noaccept (full) --source proc text",
                    "exit %s; want both listeners marked 'backlog unknown': %r" % (rc, out[-400:]))

            # --interval 1s while clients keep connecting to the full queue
            stop = threading.Event()

            def hammer():
                for _ in range(400):          # at most 400 connects, 20 s
                    if stop.wait(0.05):
                        break
                    try:
                        pending.append(ps.start_connect("127.0.0.1", s.port("127.0.0.1")))
                    except OSError:
                        pass
            th = threading.Thread(target=hammer, daemon=True)
            before = proc_netstat(s.pid)
            th.start()
            try:
                t0 = time.monotonic()
                rc, j, out, err = probe_json("--pid", s.pid, "--interval", "1s")
                dt = time.monotonic() - t0
            finally:
                stop.set()
                th.join(5)
            after = proc_netstat(s.pid)
            label = "noaccept --interval 1s with clients connecting"
            t.check(0.95 <= dt < 15, label, "took %.2fs, want about 1s" % dt)
            t.check(rc == 1, label, "exit %s, want 1 (stderr %r)" % (rc, err[:200]))
            if t.check(isinstance(j, dict), label, "no JSON: %r" % out[:200]):
                check_shape(t, label, j)
                ns = j["netstat"]
                d = ns.get("listen_overflows_delta")
                t.check(isinstance(d, int) and d > 0, label, "listen_overflows_delta %r, want > 0" % d)
                if before and after and isinstance(d, int):
                    t.check(d <= after[0] - before[0], label, "delta %d larger than the growth %d seen"
                            " around the probe in /proc/PID/net/netstat" % (d, after[0] - before[0]))
                    t.check(before[0] <= ns["listen_overflows"] <= after[0], label,
                            "listen_overflows %r not within %d..%d" % (ns["listen_overflows"], before[0], after[0]))
                    dd = ns.get("listen_drops_delta")
                    t.check(isinstance(dd, int) and d <= dd <= after[1] - before[1], label,
                            "listen_drops_delta %r (each overflow is also a drop: >= %d, <= %d)"
                            % (dd, d, after[1] - before[1]))
                t.check("listen-overflows" in reason_ids(j) and "accept-queue-full" in reason_ids(j),
                        label, "reasons %r, want listen-overflows and accept-queue-full" % reason_ids(j))
            rc, out, err = probe("--pid", s.pid, "--interval", "1s")
            t.check(rc == 1 and any(l.startswith("unhealthy: ") for l in lines_of(out)),
                    "noaccept --interval 1s text", "exit %s, output %r" % (rc, out[-300:]))
        finally:
            ps.close_all(pending)
            ps.close_all(socks)


def section_fdhog(t):
    L = 128
    with ps.Server("fdhog", limit=L, fds=60) as s:
        def at(n):
            st = s.command("fds %d" % n)
            t.check(st.get("fds") == n and not st.get("error"), "fdhog fds %d" % n, "server says %r" % st)
            return {"fds": n, "limit": L, "threads": 1, "states": {k: 0 for k in STATES}}
        # default ratio 0.9: unhealthy when fds >= 115.2
        probe_checked(t, "fdhog 60/128", s.pid, at(60), want_rc=0, want_reasons=[])
        probe_checked(t, "fdhog 115/128", s.pid, at(115), want_rc=0, want_reasons=[])
        j = probe_checked(t, "fdhog 116/128", s.pid, at(116), want_rc=1, want_reasons=["fd-ratio"])
        if j:
            check_text(t, "fdhog 116/128 text", s.pid, j, 1)
            check_prom(t, "fdhog 116/128 prometheus", s.pid, j, 1)
        j = probe_checked(t, "fdhog 126/128", s.pid, at(126), want_rc=1, want_reasons=["fd-ratio"])
        probe_checked(t, "fdhog 126/128 --max-fd-ratio 0.99", s.pid, at(126),
                      args=("--max-fd-ratio", "0.99"), want_rc=0, want_reasons=[])
        probe_checked(t, "fdhog 127/128 --max-fd-ratio 0.99", s.pid, at(127),
                      args=("--max-fd-ratio", "0.99"), want_rc=1, want_reasons=["fd-ratio"])
        probe_checked(t, "fdhog 120/128 --max-fd-ratio 0.99", s.pid, at(120),
                      args=("--max-fd-ratio", "0.99"), want_rc=0, want_reasons=[])
        # exact boundary: 0.5 x 128 = 64
        probe_checked(t, "fdhog 63/128 --max-fd-ratio 0.5", s.pid, at(63),
                      args=("--max-fd-ratio", "0.5"), want_rc=0, want_reasons=[])
        probe_checked(t, "fdhog 64/128 --max-fd-ratio 0.5", s.pid, at(64),
                      args=("--max-fd-ratio", "0.5"), want_rc=1, want_reasons=["fd-ratio"])
        j = probe_checked(t, "fdhog 128/128", s.pid, at(128), want_rc=1, want_reasons=["fd-ratio"])
        if j:
            t.check(j.get("fd_ratio") == 1 or j.get("fd_ratio") == 1.0, "fdhog 128/128",
                    "fd_ratio %r, want 1" % j.get("fd_ratio"))


def interp_copy(tmp, name):
    real = os.path.realpath("/proc/self/exe")
    dst = os.path.join(tmp, name)
    shutil.copy2(real, dst)
    return dst


def section_exe(t, tmp):
    name = "lpp-" + secrets.token_hex(3)
    py = interp_copy(tmp, name)
    with ps.Server("healthy", python=py) as s:
        rc, j, out, err = probe_json("--exe", name)
        t.check(rc == 0 and isinstance(j, dict) and j.get("pid") == s.pid, "probe --exe %s" % name,
                "exit %s, pid %r, want %d (stderr %r)" % (rc, (j or {}).get("pid"), s.pid, err[:200]))
        if isinstance(j, dict):
            t.check(j.get("exe") == py, "probe --exe %s" % name, "exe %r, want %r" % (j.get("exe"), py))
        with ps.Server("healthy", python=py) as s2:
            rc, out, err = probe("--exe", name)
            line = one_error_line(t, "probe --exe (two processes)", rc, out, err)
            t.check(str(s.pid) in line and str(s2.pid) in line, "probe --exe (two processes)",
                    "the message should list both pids %d %d: %r" % (s.pid, s2.pid, line))
        # the real interpreter's name: this test runs it too, so it is ambiguous
        real = os.path.basename(os.path.realpath("/proc/self/exe"))
        with ps.Server("healthy") as s3:
            rc, out, err = probe("--exe", real)
            one_error_line(t, "probe --exe %s (this test and a server)" % real, rc, out, err)
    # an executable deleted after start: found through comm
    name2 = "lpd-" + secrets.token_hex(3)
    py2 = interp_copy(tmp, name2)
    with ps.Server("healthy", python=py2) as s:
        os.unlink(py2)
        rc, j, out, err = probe_json("--exe", name2)
        t.check(rc == 0 and isinstance(j, dict) and j.get("pid") == s.pid,
                "probe --exe %s (binary deleted)" % name2,
                "exit %s, pid %r, want %d (stderr %r)" % (rc, (j or {}).get("pid"), s.pid, err[:200]))
        if isinstance(j, dict):
            t.check(isinstance(j.get("exe"), str) and j["exe"].startswith(py2), "probe (binary deleted)",
                    "exe %r, /proc/PID/exe %r" % (j.get("exe"), os.readlink("/proc/%d/exe" % s.pid)))


def go_version_of(path):
    gocmd = os.environ.get("GO") or shutil.which("go")
    if not gocmd:
        return None, None
    rc, out, err = run([gocmd, "version", "-m", path])
    if rc != 0:
        return None, None
    ver = out.split("\n", 1)[0].rsplit(" ", 1)[-1].strip()
    main = None
    for l in out.split("\n")[1:]:
        f = l.strip().split("\t")
        if f[0] == "mod" and len(f) > 1:
            main = f[1]
    return ver, main


def go_main_matches(v, want):
    if want is None:
        return v is None
    return v == want or (isinstance(v, dict) and v.get("path") == want)


def find_gofmt():
    cands = []
    w = shutil.which("gofmt")
    if w:
        cands.append(os.path.realpath(w))
    gocmd = os.environ.get("GO") or shutil.which("go")
    if gocmd:
        rc, out, _ = run([gocmd, "env", "GOROOT"])
        if rc == 0 and out.strip():
            cands.append(os.path.join(out.strip(), "bin", "gofmt"))
    for c in cands:
        try:
            with open(c, "rb") as f:
                if b"\xff Go buildinf:" in f.read():
                    return c
        except OSError:
            pass
    return None


def section_go(t, tmp):
    src = find_gofmt()
    if src is None:
        print("note: no gofmt (a Go binary that runs until its stdin closes) found; Go probe skipped")
    else:
        name = "lpg-" + secrets.token_hex(3)
        dst = os.path.join(tmp, name)
        shutil.copy2(src, dst)
        want_ver, want_main = go_version_of(dst)
        p = subprocess.Popen([dst], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            ps.poll(lambda: os.path.exists("/proc/%d/exe" % p.pid)
                    and os.readlink("/proc/%d/exe" % p.pid) == dst, 5)
            time.sleep(0.2)  # let the Go runtime start its threads
            rc, j, out, err = probe_json("--pid", p.pid)
            label = "probe of gofmt (Go, running)"
            t.check(rc == 0, label, "exit %s (stderr %r)" % (rc, err[:200]))
            if isinstance(j, dict):
                check_shape(t, label, j)
                if want_ver:
                    t.check(j.get("go_version") == want_ver, label,
                            "go_version %r, go version says %r" % (j.get("go_version"), want_ver))
                else:
                    t.check(re.match(r"^go1\.\d+", str(j.get("go_version"))) is not None, label,
                            "go_version %r" % j.get("go_version"))
                t.check(go_main_matches(j.get("go_main"), want_main), label,
                        "go_main %r, but the main module (the build info's mod line) is %r"
                        " (the main package path is not the main module)" % (j.get("go_main"), want_main))
                th = proc_threads(p.pid)
                t.check(isinstance(j.get("threads"), int) and j["threads"] >= 2 and th is not None
                        and abs(j["threads"] - th) <= 2, label,
                        "threads %r, /proc says %r" % (j.get("threads"), th))
                print("note: gofmt probe: go_version %r go_main %r threads %r"
                      % (j.get("go_version"), j.get("go_main"), j.get("threads")))
            rc, out, err = probe("--pid", p.pid)
            gl = [l for l in lines_of(out) if re.match(r"^\s+go\s", l)]
            t.check(rc == 0 and len(gl) == 1 and (want_ver or "go1.") in gl[0], label + " text",
                    "want one '  go   %s' line, got %r" % (want_ver, gl))
            rc, j, out, err = probe_json("--exe", name)
            t.check(rc == 0 and isinstance(j, dict) and j.get("pid") == p.pid, "probe --exe %s (Go)" % name,
                    "exit %s pid %r, want %d" % (rc, (j or {}).get("pid"), p.pid))
        finally:
            try:
                p.stdin.close()
            except OSError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)

    # a fixture with a main module: held stopped right after exec (PTRACE_TRACEME)
    fxdir = os.environ.get("LP_FIXTURES")
    fx = os.path.join(fxdir, "app-amd64-cgo0-exe") if fxdir else None
    if not fx or not os.path.isfile(fx):
        print("note: LP_FIXTURES not set or no app-amd64-cgo0-exe; go_main of a fixture not checked")
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]

    def traceme():
        if libc.ptrace(0, 0, None, None) != 0:
            os._exit(97)
    want_ver, want_main = go_version_of(fx)
    try:
        p = subprocess.Popen([fx], preexec_fn=traceme, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        print("note: cannot start %s traced (%s); go_main not checked" % (fx, e))
        return
    try:
        _, st = os.waitpid(p.pid, 0)
        if not os.WIFSTOPPED(st):
            print("note: %s did not stop at exec (status %#x; ptrace not allowed?); go_main not checked"
                  % (fx, st))
            p.returncode = 0
            return
        rc, j, out, err = probe_json("--pid", p.pid)
        label = "probe of a Go fixture stopped at exec"
        t.check(rc == 0, label, "exit %s (stderr %r)" % (rc, err[:200]))
        if isinstance(j, dict):
            check_shape(t, label, j)
            t.check(j.get("exe") == fx, label, "exe %r, want %r" % (j.get("exe"), fx))
            if want_ver:
                t.check(j.get("go_version") == want_ver, label, "go_version %r, want %r"
                        % (j.get("go_version"), want_ver))
            t.check(go_main_matches(j.get("go_main"), want_main or "example.com/app"), label,
                    "go_main %r, want %r" % (j.get("go_main"), want_main or "example.com/app"))
            print("note: fixture probe: go_version %r go_main %r" % (j.get("go_version"), j.get("go_main")))
    finally:
        try:
            os.kill(p.pid, signal.SIGKILL)
            for _ in range(100):
                pid, st = os.waitpid(p.pid, 0)
                if os.WIFEXITED(st) or os.WIFSIGNALED(st):
                    break
        except (OSError, ChildProcessError):
            pass
        p.returncode = -9


def section_netns(t):
    """A server in its own network namespace (unshare -n), probed from outside."""
    if os.geteuid() != 0 or not all(shutil.which(x) for x in ("unshare", "nsenter", "ip")):
        print("note: not root or no unshare/nsenter/ip; network namespace check skipped")
        return
    rc, out, err = run(["unshare", "-n", "true"])
    if rc != 0:
        print("note: unshare -n fails here (%s %r); network namespace check skipped" % (rc, err[:200]))
        return
    wrap = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    hosts = ["127.0.0.1", "::1"]
    with ps.Server("closewait", hosts=hosts, self_clients=6, wrap=wrap) as s, \
            ps.Server("noaccept", hosts=["127.0.0.1"], backlog=3, self_clients=4, wrap=wrap) as n:
        try:
            t.check(os.readlink("/proc/%d/ns/net" % s.pid) != os.readlink("/proc/self/ns/net"),
                    "netns", "the server is not in another network namespace")
        except OSError as e:
            t.check(False, "netns", str(e))
        got = wait_states(s.pid, {"close_wait": 6}, netns=True)
        t.check(got and got["close_wait"] == 6, "netns closewait", "ss (in its namespace) shows %r" % got)
        truth = {"netns": True, "listeners": [(h, s.port(h)) for h in hosts],
                 "states": {"close_wait": 6, "listen": 2, "established": 0}}
        probe_checked(t, "netns closewait 6, --max-close-wait 5", s.pid, truth,
                      args=("--max-close-wait", "5"), want_rc=1, want_reasons=["close-wait"])
        probe_checked(t, "netns closewait 6 --source proc", s.pid, truth,
                      args=("--source", "proc", "--max-close-wait", "6"), want_rc=0, want_reasons=[])
        truth = {"netns": True, "listeners": [("127.0.0.1", n.port())],
                 "states": {"listen": 1, "established": 4}}
        j = probe_checked(t, "netns noaccept 4/3", n.pid, truth, want_rc=1, want_reasons=["accept-queue-full"])
        if j:
            t.check([(l["queue"], l["backlog"]) for l in j["listeners"]] == [(4, 3)], "netns noaccept 4/3",
                    "queue/backlog %r" % [(l["queue"], l["backlog"]) for l in j["listeners"]])
            t.check(j["netstat"]["listen_overflows"] == (proc_netstat(n.pid) or [None])[0], "netns noaccept 4/3",
                    "listen_overflows %r should be the namespace's own (%r), not the host's (%r)"
                    % (j["netstat"]["listen_overflows"], proc_netstat(n.pid), proc_netstat(os.getpid())))


def section_dies(t):
    """The process exits between the two readings of --interval."""
    s = ps.Server("healthy")
    try:
        killer = threading.Timer(0.4, s.kill)
        killer.start()
        t0 = time.monotonic()
        rc, out, err = probe("--pid", s.pid, "--interval", "1500ms")
        dt = time.monotonic() - t0
        killer.join(5)
        label = "probe --interval 1500ms, process exits meanwhile"
        t.check(dt < 10, label, "took %.1fs" % dt)
        if rc == 2:
            one_error_line(t, label, rc, out, err)
        else:
            t.check(False, label, "exit %s, want 2 (cannot probe: the process is gone); stdout %r stderr %r"
                    % (rc, out[-300:], err[:300]))
    finally:
        s.kill()


def section_zombie(t):
    p = subprocess.Popen(["true"])
    try:
        def zombie():
            try:
                with open("/proc/%d/stat" % p.pid) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] == "Z"
            except OSError:
                return False
        if not ps.poll(zombie, 5):
            return
        # an exited process serves nothing: unhealthy, with the reason "exited"
        rc, out, err = probe("--pid", p.pid)
        t.check(rc == 1, "probe of a zombie", "exit %s, want 1 (stdout %r stderr %r)" % (rc, out[:200], err[:200]))
        t.check(any(l.startswith("unhealthy:") and "[exited]" in l for l in lines_of(out)), "probe of a zombie",
                "no 'unhealthy: ... [exited]' line: %r" % out[:300])
        rc, out, err = probe("--pid", p.pid, "--json")
        try:
            j = json.loads(out)
        except ValueError:
            j = None
        t.check(rc == 1 and isinstance(j, dict) and not j.get("healthy")
                and [r.get("id") for r in j.get("findings") or []] == ["exited"],
                "probe --json of a zombie", "exit %s, %r" % (rc, out[:300]))
    finally:
        p.wait()


def main():
    if not os.path.isdir("/proc/self/fd") or not os.path.exists("/proc/self/net/tcp"):
        print("no Linux /proc: skipped")
        return 77
    if shutil.which("ss") is None:
        T.check(False, "ss", "ss (iproute2) is not installed: nothing to compare with")
        print("%d passed, %d failed" % (T.passed, T.failed))
        return 1
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="lp-probe-") as tmp:
        for name, fn in (("usage", lambda: section_usage(T, tmp)),
                         ("permission", lambda: section_permission(T)),
                         ("healthy", lambda: section_healthy(T)),
                         ("closewait", lambda: section_closewait(T)),
                         ("orphans", lambda: section_orphans(T)),
                         ("noaccept", lambda: section_noaccept(T)),
                         ("fdhog", lambda: section_fdhog(T)),
                         ("exe", lambda: section_exe(T, tmp)),
                         ("go", lambda: section_go(T, tmp)),
                         ("netns", lambda: section_netns(T)),
                         ("dies", lambda: section_dies(T)),
                         ("zombie", lambda: section_zombie(T))):
            ts = time.time()
            try:
                fn()
            except (ps.ServerError, OSError, KeyError, ValueError, TypeError) as e:
                T.check(False, "section " + name, "aborted: %s: %s" % (type(e).__name__, e))
            print("  %-11s %.1fs" % (name, time.time() - ts), flush=True)
    print("probe_cli: %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (T.passed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
