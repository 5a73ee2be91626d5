#!/usr/bin/env python3
"""`linkproof exporter` scraped by a real Prometheus (Debian's prometheus), with `ss` as the oracle.

  * prometheus: a Prometheus server of the test's own (temporary directory, loopback, a 1 s
    scrape interval) scrapes `exporter --listen 127.0.0.1:PORT`; once it has scraped, its HTTP
    API (/api/v1/query) must give, for a leaking test server (tests/probe_servers.py closewait:
    accepts and never closes; clients that close leave CLOSE_WAIT, clients that reset leave
    orphaned sockets), linkproof_tcp_sockets{state="close_wait"} and
    linkproof_orphan_sockets{protocol="tcp"} equal to what `ss -tanp` and /proc/PID/fd with
    `ss -tuane` show, its reasons, and for a healthy server the same series at 0;
  * promtool: `promtool check metrics` on the Prometheus text output; the OpenMetrics output
    (asked for by Accept) is checked by Prometheus itself (it scrapes with that Accept first)
    and for its framing (# EOF last, counters' families without _total);
  * cap: --max-processes N reports N processes and counts the rest as dropped;
    --max-listeners; the series of one process stay within the documented bound;
  * containers: two processes moved into fresh cgroups named like docker's (/docker/ID) and
    kubelet's (/kubepods/besteffort/podUUID/ID), in the first writable hierarchy (cgroup2, then v1
    pids, memory...); --container and --cgroup select exactly the pids /proc/PID/cgroup puts
    there, with container_id the ID (skipped alone when no hierarchy is writable);
  * hostile HTTP: long and many headers, bad methods, bad versions, garbage, idle and surplus
    connections; the exporter answers /metrics after each and never dies; 404 and 405;
  * shutdown: SIGTERM and SIGINT end it with status 0;
  * atomic files: probe --output and exporter --once --output replace the file by rename (a new
    inode each time, no temporary file left behind, mode 0644).

Environment: LP_BIN. Needs prometheus, promtool, ss; without them SKIP (a failure when CI is set).
"""

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import probe_cli as pc  # noqa: E402
import probe_servers as ps  # noqa: E402

LP = os.environ.get("LP_BIN", lptest.DEFAULT_LP_BIN)
T = lptest.Tally()
OM_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
# the documented bound of series per process (docs/exporter.md): info, open_fds, max_fds,
# fd_ratio, threads, 11 TCP states, udp, 2 orphan, 2 x max-listeners, healthy, 6 reasons,
# build_info, build_gnu_info, verify_decision
def series_bound(max_listeners):
    return 5 + 11 + 1 + 2 + 2 * max_listeners + 1 + 6 + 3


def http(port, path="/metrics", accept=None, method="GET", timeout=10):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), ""
    except OSError as e:
        return None, "", str(e)


def raw(port, data, timeout=5):
    """Send bytes, read the answer until the server closes or the timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while len(out) < 1 << 20:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    finally:
        s.close()
    return out


class Exporter:
    def __init__(self, *args):
        self.port = lptest.free_port()
        self.p = subprocess.Popen([LP, "exporter", "--listen", "127.0.0.1:%d" % self.port] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        ok = ps.poll(lambda: self.p.poll() is not None or http(self.port, "/healthz")[0] == 200, 10.0)
        self.ready = ok and self.p.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "timeout"
        self.err = self.p.stderr.read().decode("utf-8", "replace")
        return rc


class Prometheus:
    def __init__(self, tmp, target_port):
        self.port = lptest.free_port()
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: linkproof\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % target_port)
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        self.log = open(os.path.join(tmp, "prometheus.log"), "w")
        self.p = subprocess.Popen(["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + data,
                                   "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
                                  stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp)

    def query(self, q):
        st, _, body = http(self.port, "/api/v1/query?query=" + urllib.parse.quote(q))
        if st != 200:
            return None
        try:
            j = json.loads(body)
        except ValueError:
            return None
        return j.get("data", {}).get("result") if j.get("status") == "success" else None

    def value(self, q):
        r = self.query(q)
        if not r:
            return None
        return float(r[0]["value"][1]) if len(r) == 1 else "several: %r" % r

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
        self.log.close()


def promtool(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def parse(text):
    """[(name, {labels}, value)]: probe_cli's parser of the text format."""
    return pc.parse_prom(text)[0]


def section_prometheus(tmp):
    with ps.Server("closewait") as leak, ps.Server("healthy") as good:
        host = "127.0.0.1"
        kept = pc.make_close_wait(leak, host, 3, keep=2)
        pc.reset_clients(leak, host, 7)
        good_clients = ps.connect_clients(host, good.port(host), 2)
        try:
            st = pc.wait_states(leak.pid, {"close_wait": 3, "established": 2})
            orph = ps.poll(lambda: (lambda o: o if o and o[0] == 7 else None)(pc.orphans_oracle(leak.pid)), 5.0)
            T.check(st and st["close_wait"] == 3, "oracle: ss shows the leak", "ss -tanp: %r" % st)
            T.check(orph and orph[0] == 7, "oracle: 7 orphaned sockets", "/proc fds vs ss -tuane: %r" % (orph,))
            gst = pc.wait_states(good.pid, {"established": 2})
            ex = Exporter("--max-close-wait", "2", "--max-orphan-sockets", "5")
            if not T.check(ex.ready, "exporter starts", "exit %r" % ex.p.poll()):
                ex.stop()
                return
            prom = Prometheus(tmp, ex.port)
            try:
                up = ps.poll(lambda: prom.value('up{job="linkproof"}') == 1.0, 60.0, 0.5)
                T.check(up, "prometheus scraped the exporter",
                        "up is %r; log: %s" % (prom.value('up{job="linkproof"}'),
                                               open(os.path.join(tmp, "prometheus.log")).read()[-2000:]))
                # the readings of the moment: ss now, then the series of the latest scrape
                want_cw = pc.ss_pid_states(leak.pid)["close_wait"]
                want_orph = pc.orphans_oracle(leak.pid)[0]

                def q(metric, pid, **labels):
                    sel = ",".join(['pid="%d"' % pid] + ['%s="%s"' % kv for kv in labels.items()])
                    return prom.value("%s{%s}" % (metric, sel))
                got = ps.poll(lambda: q("linkproof_tcp_sockets", leak.pid, state="close_wait") == want_cw, 15.0, 0.5)
                T.check(got, "prometheus: leak close_wait",
                        "linkproof_tcp_sockets{state=close_wait} %r, ss -tanp %r"
                        % (q("linkproof_tcp_sockets", leak.pid, state="close_wait"), want_cw))
                T.check(q("linkproof_orphan_sockets", leak.pid, protocol="tcp") == want_orph,
                        "prometheus: leak orphans", "linkproof_orphan_sockets{protocol=tcp} %r, oracle %r"
                        % (q("linkproof_orphan_sockets", leak.pid, protocol="tcp"), want_orph))
                T.check(q("linkproof_tcp_sockets", leak.pid, state="established") == 2.0,
                        "prometheus: leak established", "%r" % q("linkproof_tcp_sockets", leak.pid, state="established"))
                T.check(q("linkproof_tcp_sockets", leak.pid, state="listen") == 1.0, "prometheus: leak listen",
                        "%r" % q("linkproof_tcp_sockets", leak.pid, state="listen"))
                for reason in ("close-wait", "orphan-sockets"):
                    T.check(q("linkproof_probe_reason", leak.pid, reason=reason) == 1.0,
                            "prometheus: leak reason " + reason, "%r" % q("linkproof_probe_reason", leak.pid, reason=reason))
                T.check(q("linkproof_probe_healthy", leak.pid) == 0.0, "prometheus: leak unhealthy",
                        "%r" % q("linkproof_probe_healthy", leak.pid))
                T.check(q("linkproof_tcp_sockets", good.pid, state="close_wait") == 0.0,
                        "prometheus: healthy close_wait 0", "%r" % q("linkproof_tcp_sockets", good.pid, state="close_wait"))
                T.check(q("linkproof_orphan_sockets", good.pid, protocol="tcp") == 0.0,
                        "prometheus: healthy orphans 0", "%r" % q("linkproof_orphan_sockets", good.pid, protocol="tcp"))
                T.check(q("linkproof_tcp_sockets", good.pid, state="established") == float(gst["established"]),
                        "prometheus: healthy established (ss)", "%r, ss %r"
                        % (q("linkproof_tcp_sockets", good.pid, state="established"), gst))
                T.check(q("linkproof_probe_healthy", good.pid) == 1.0, "prometheus: healthy healthy",
                        "%r" % q("linkproof_probe_healthy", good.pid))
                T.check(prom.query('linkproof_probe_reason{pid="%d"}' % good.pid) == [],
                        "prometheus: healthy has no reason", "%r" % prom.query('linkproof_probe_reason{pid="%d"}' % good.pid))
                # labels by executable and container, the namespace counters once per namespace
                r = prom.query('linkproof_process_info{pid="%d"}' % leak.pid) or [{}]
                lab = r[0].get("metric", {})
                exe = os.path.basename(os.path.realpath("/proc/%d/exe" % leak.pid))
                # (Prometheus drops a label whose value is empty: container_id of a process in no container)
                T.check(lab.get("exe") == exe and lab.get("container_id", "") == "", "prometheus: exe label",
                        "labels %r, want exe %r" % (lab, exe))
                ns = str(os.stat("/proc/%d/ns/net" % leak.pid).st_ino)
                T.check(lab.get("netns") == ns, "prometheus: netns label", "%r, want %s" % (lab.get("netns"), ns))
                ov = prom.query('linkproof_netns_listen_overflows_total{netns="%s"}' % ns)
                T.check(ov is not None and len(ov) == 1, "prometheus: overflows once per namespace", "%r" % ov)
                nsov = pc.proc_netstat(leak.pid)
                if ov and nsov:
                    T.check(float(ov[0]["value"][1]) <= nsov[0], "prometheus: overflows vs /proc",
                            "%r > %r" % (ov[0]["value"][1], nsov[0]))
                # Prometheus asks for OpenMetrics first: the metadata it kept is OpenMetrics's
                # (family names without _total, TYPE info), which the text format cannot give
                st_, _, body = http(prom.port, "/api/v1/metadata")
                meta = json.loads(body).get("data", {}) if st_ == 200 else {}
                T.check([m.get("type") for m in meta.get("linkproof_build", [])] == ["info"]
                        and "linkproof_netns_listen_overflows" in meta,
                        "prometheus scraped OpenMetrics (metadata: linkproof_build info)",
                        "metadata keys %r" % sorted(k for k in meta if k.startswith("linkproof_"))[:40])
            finally:
                prom.stop()
            # formats: text through promtool; OpenMetrics framing (promtool 2.42 parses only the
            # text format: "unknown metric type info")
            st_, ct, text = http(ex.port)
            T.check(st_ == 200 and ct.startswith("text/plain; version=0.0.4"), "text content type", "%r %r" % (st_, ct))
            rc, out = promtool(text)
            T.check(rc == 0, "promtool check metrics (text)", out[:2000])
            st_, ct, om = http(ex.port, accept=OM_ACCEPT)
            T.check(st_ == 200 and ct.startswith("application/openmetrics-text"), "openmetrics content type",
                    "%r %r" % (st_, ct))
            T.check(om.endswith("# EOF\n") and om.count("# EOF") == 1, "openmetrics ends with # EOF", om[-200:])
            T.check("# TYPE linkproof_netns_listen_overflows counter" in om
                    and "# TYPE linkproof_build info" in om and "\nlinkproof_build_info{" in om,
                    "openmetrics counter and info families", "families not named as OpenMetrics names them")
            # OpenMetrics framing: every sample's family has a TYPE; a counter's samples end in
            # _total and its family does not; an info family's samples end in _info
            types, bad = {}, []
            for line in om.split("\n"):
                f = line.split(" ", 3)
                if line.startswith("# TYPE "):
                    types[f[2]] = f[3]
                elif line and not line.startswith("#"):
                    name = line.split("{")[0].split(" ")[0]
                    fam = [k for k in types if name == k or name in (k + "_total", k + "_info")]
                    t_ = types.get(fam[0]) if fam else None
                    if t_ is None or (t_ == "counter" and not name.endswith("_total")) or \
                            (t_ == "info" and not name.endswith("_info")):
                        bad.append(line[:120])
            T.check(not bad and all(not k.endswith("_total") for k, v in types.items() if v == "counter"),
                    "openmetrics families and samples", "%r" % bad[:5])
            # the sample values of both formats agree (same scrape moment is not guaranteed: the leak's)
            for fmt, body in (("text", text), ("openmetrics", om)):
                v = [s for s in parse(body) if s[0] == "linkproof_orphan_sockets" and s[1].get("pid") == str(leak.pid)
                     and s[1].get("protocol") == "tcp"]
                T.check(v and float(v[0][2]) == want_orph, "%s: leak orphans" % fmt, "%r" % v)
            rc = ex.stop()
            T.check(rc == 0, "SIGTERM: exit 0", "exit %r, stderr %r" % (rc, ex.err))
        finally:
            ps.close_all(kept)
            ps.close_all(good_clients)


def section_cap():
    with ps.Server("closewait", hosts=["127.0.0.1", "::1"]) as s:
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--max-processes", "3"])
        T.check(rc == 0, "cap: exit 0", "exit %r %r" % (rc, err))
        ss = parse(out)
        pids = {l.get("pid") for n, l, v in ss if n == "linkproof_process_info"}
        proc = {l["state"]: float(v) for n, l, v in ss if n == "linkproof_exporter_processes"}
        T.check(len(pids) == 3 and proc.get("reported") == 3.0, "cap: 3 processes reported",
                "pids %r, counts %r" % (pids, proc))
        T.check(proc.get("dropped", 0) > 0 and proc.get("selected") == sum(
                    proc.get(k, 0) for k in ("reported", "dropped", "unreadable", "vanished", "failed")),
                "cap: the rest counted as dropped", "%r" % proc)
        T.check(all(float(v) == 3 for n, l, v in ss if n == "linkproof_exporter_max_processes"), "cap: the cap is shown", "")
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--exe", os.path.basename(os.path.realpath("/proc/%d/exe" % s.pid)),
                               "--max-listeners", "1"])
        ss = parse(out)
        mine = [(n, l) for n, l, v in ss if l.get("pid") == str(s.pid)]
        lq = [l for n, l in mine if n == "linkproof_tcp_listen_queue"]
        T.check(len(lq) == 1, "cap: one listener of two reported", "%r" % lq)
        dl = [float(v) for n, l, v in ss if n == "linkproof_exporter_dropped_listeners"]
        T.check(dl and dl[0] >= 1, "cap: dropped listeners counted", "%r" % dl)
        # the documented bound of series per process, over every process of a full scrape
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus"])
        per = {}
        for n, l, v in parse(out):
            if "pid" in l:
                per[l["pid"]] = per.get(l["pid"], 0) + 1
        worst = max(per.values()) if per else None
        T.check(per and worst <= series_bound(16), "series per process within the bound",
                "most %r, bound %d" % (worst, series_bound(16)))
        T.check(len({l.get("netns") for n, l, v in parse(out) if n == "linkproof_netns_listen_drops_total"})
                == len([1 for n, l, v in parse(out) if n == "linkproof_netns_listen_drops_total"]),
                "namespace counters once per namespace", "")
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--exe", "no-such-exe-name"])
        proc = {l["state"]: float(v) for n, l, v in parse(out) if n == "linkproof_exporter_processes"}
        T.check(rc == 0 and proc.get("selected") == 0 and "linkproof_process_info{" not in out,
                "selection: no match, no process series", "%r" % proc)
        # the text table: a row for the server, by pid, with its exe; the summary line
        rc, out, err = pc.run([LP, "exporter", "--once", "--exe", os.path.basename(os.path.realpath("/proc/%d/exe" % s.pid))])
        rows = [l.split() for l in pc.lines_of(out)]
        T.check(rc == 0 and rows and rows[0][:2] == ["PID", "EXE"] and any(r[0] == str(s.pid) for r in rows[1:-1])
                and "processes read of" in out.split("\n")[-2], "text: a table and a summary", out[-500:])


HOSTILE = [
    ("long header", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 200000 + b"\r\n\r\n"),
    ("many headers", b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(5000)) + b"\r\n"),
    ("long url", b"GET /" + b"m" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad method", b"FOO /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("post body", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"),
    ("huge content-length", b"PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nx"),
    ("chunked garbage", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ("bad version", b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"),
    ("no version", b"GET /metrics\r\n\r\n"),
    ("garbage", bytes(range(256)) * 64),
    ("nul in path", b"GET /met\x00rics HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("percent path", b"GET /%6detrics%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("header without colon", b"GET /metrics HTTP/1.1\r\nHost x\r\n\r\n"),
    ("pipelined", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 50),
    ("lone CR", b"GET /metrics HTTP/1.1\rHost: x\r\r"),
]


def section_hostile():
    ex = Exporter("--exe", "no-such-exe-name")
    if not T.check(ex.ready, "hostile: exporter starts", "exit %r" % ex.p.poll()):
        ex.stop()
        return
    try:
        for label, data in HOSTILE:
            ans = raw(ex.port, data)
            T.check(ex.p.poll() is None, "hostile %s: alive" % label, "exited %r" % ex.p.poll())
            # (MHD decodes %6d: /%6detrics is /metrics)
            T.check(not ans.startswith(b"HTTP/1.1 200") or label in ("pipelined", "percent path")
                    or b"/metrics" in data[:20],
                    "hostile %s: not 200" % label, ans[:200])
            st, _, body = http(ex.port)
            T.check(st == 200 and "linkproof_exporter_processes" in body, "hostile %s: still serves" % label, "%r" % st)
        for path, method, want in (("/nope", "GET", 404), ("/metrics", "POST", 405), ("/metrics", "DELETE", 405),
                                   ("/", "GET", 200), ("/healthz", "GET", 200), ("/metrics", "HEAD", 200)):
            st, _, _ = http(ex.port, path, method=method)
            T.check(st == want, "%s %s: %d" % (method, path, want), "got %r" % st)
        # idle connections and more than the connection limit: they are refused or closed, the
        # exporter keeps serving once they go
        idle = []
        for _ in range(40):
            try:
                idle.append(socket.create_connection(("127.0.0.1", ex.port), timeout=2))
            except OSError:
                break
        T.check(ex.p.poll() is None, "hostile: 40 idle connections, alive", "")
        ps.close_all(idle)
        st = ps.poll(lambda: http(ex.port, timeout=3)[0] == 200, 15.0, 0.2)
        T.check(st, "hostile: serves after the idle connections", "")
        # one slow client does not hold the others: a scrape while it dawdles
        slow = socket.create_connection(("127.0.0.1", ex.port), timeout=2)
        slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        st, _, _ = http(ex.port, timeout=8)
        T.check(st == 200 and time.monotonic() - t0 < 8, "hostile: slow client does not block", "%r" % st)
        slow.close()
    finally:
        rc = ex.stop(signal.SIGINT)
        T.check(rc == 0, "SIGINT: exit 0", "exit %r, stderr %r" % (rc, getattr(ex, "err", "")))


def section_hostile_names(tmp):
    """An executable named with any bytes (invalid UTF-8, a quote, a backslash, a newline) is a
    label value: escaped, and invalid UTF-8 replaced, so the exposition stays valid."""
    name = b'sl\xffe"p\\x\ny\xe2\x82'
    path = os.path.join(os.fsencode(tmp), name)
    shutil.copy(shutil.which("sleep"), path)
    p = subprocess.Popen([path, "30"])
    try:
        time.sleep(0.3)
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--exe", os.fsdecode(name)])
        T.check(rc == 0, "hostile exe name: exit 0", "%r %r" % (rc, err[:300]))
        line = [l for l in out.split("\n") if l.startswith('linkproof_process_info{pid="%d"' % p.pid)]
        T.check(len(line) == 1 and 'exe="sl\ufffde\\"p\\\\x\\ny\ufffd\ufffd"' in line[0], "hostile exe name: escaped label",
                "%r" % line)
        prc, pout = promtool(out)
        T.check(prc == 0, "hostile exe name: promtool", pout[:500])
    finally:
        p.kill()
        p.wait()


GO_PROG = """package main

import (
	"net"
	"time"
)

var version = "dev"

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		defer l.Close()
	}
	_ = version
	time.Sleep(60 * time.Second)
}
"""


def section_go(tmp):
    """A Go process: its build facts as `go version -m` and the ELF show them, and with
    --registry the verify decision: ok for a registered build, fuse for an unknown one."""
    go = shutil.which("go")
    if not go:
        print("note: no go: build facts and verify decision not checked")
        return
    src = os.path.join(tmp, "gosrc")
    os.mkdir(src)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write(GO_PROG)
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module example.com/lpexp\n\ngo 1.19\n")
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod", GOCACHE=os.environ.get("GOCACHE", os.path.join(tmp, "gocache")))
    known, unknown = os.path.join(tmp, "lpexp-known"), os.path.join(tmp, "lpexp-unknown")
    for out, ver in ((known, "1.0"), (unknown, "2.0")):
        p = subprocess.run([go, "build", "-o", out, "-ldflags", "-X main.version=" + ver], cwd=src, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if not T.check(p.returncode == 0, "go build " + os.path.basename(out), p.stdout.decode()[-500:]):
            return
    reg = os.path.join(tmp, "registry.db")
    rc, out, err = pc.run([LP, "registry", "--registry", reg, "add", "--label", "v1", known])
    T.check(rc == 0, "registry add", "%r %r" % (rc, err))
    procs = [subprocess.Popen([b]) for b in (known, unknown)]
    try:
        time.sleep(0.5)
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--go-only",
                               "--exe", "lpexp-known", "--exe", "lpexp-unknown", "--registry", reg])
        T.check(rc == 0, "go: exit 0", "%r %r" % (rc, err[:300]))
        ss = parse(out)
        gv = subprocess.run([go, "version", known], stdout=subprocess.PIPE).stdout.decode().split()
        want_ver = gv[-1] if gv else None
        for p_, want in zip(procs, ("ok", "fuse")):
            pid = str(p_.pid)
            bi = [l for n, l, v in ss if n == "linkproof_build_info" and l.get("pid") == pid]
            T.check(bi and bi[0].get("go_version") == want_ver and bi[0].get("linkage") == "static"
                    and bi[0].get("go_build_id"), "go: build_info of %s" % want,
                    "%r, want go_version %r (go version), static (CGO_ENABLED=0)" % (bi, want_ver))
            vd = [l.get("decision") for n, l, v in ss if n == "linkproof_verify_decision" and l.get("pid") == pid]
            T.check(vd == [want], "go: verify decision %s" % want, "%r" % vd)
        T.check(not [1 for n, l, v in ss if n == "linkproof_process_info" and l.get("exe") not in
                     ("lpexp-known", "lpexp-unknown")], "go: --go-only --exe selects only them", "")
    finally:
        for p_ in procs:
            p_.kill()
            p_.wait()


def section_caps():
    """What docs/kubernetes.md says each capability is for, as root with a bounding set (setpriv):
    all: sock_diag in another network namespace (backlog known); CAP_SYS_PTRACE alone: the
    /proc/PID/net fallback (listener, no backlog); none: a root process with full capabilities
    cannot be read (counted as unreadable, never a failed scrape)."""
    if os.geteuid() != 0 or not all(shutil.which(x) for x in ("unshare", "ip", "setpriv")):
        print("note: not root or no unshare/ip/setpriv: capability checks skipped")
        return
    if pc.run(["unshare", "-n", "true"])[0] != 0:
        print("note: unshare -n fails here: capability checks skipped")
        return
    wrap = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    with ps.Server("closewait", hosts=["127.0.0.1"], backlog=7, wrap=wrap) as s:
        pid = str(s.pid)
        for bound, want_source, want_backlog in ((None, "sock_diag", 7.0), ("-all,+sys_ptrace", "proc", None),
                                                 ("-all", None, None)):
            pre = ["setpriv", "--inh-caps=-all", "--bounding-set=" + bound, "--"] if bound else []
            rc, out, err = pc.run(pre + [LP, "exporter", "--once", "--format", "prometheus"])
            label = "caps %s" % (bound or "all")
            T.check(rc == 0, label + ": exit 0", "exit %r %r" % (rc, err[:300]))
            ss = parse(out)
            info = [l for n, l, v in ss if n == "linkproof_process_info" and l.get("pid") == pid]
            bl = [v for n, l, v in ss if n == "linkproof_tcp_listen_backlog" and l.get("pid") == pid]
            lq = [v for n, l, v in ss if n == "linkproof_tcp_listen_queue" and l.get("pid") == pid]
            unread = [v for n, l, v in ss if n == "linkproof_exporter_processes" and l.get("state") == "unreadable"]
            if want_source:
                T.check(info and info[0].get("source") == want_source, label + ": source " + want_source, "%r" % info)
                T.check(len(lq) == 1, label + ": the listener", "%r" % lq)
                T.check(bl == ([want_backlog] if want_backlog else []), label + ": backlog", "%r" % bl)
            else:
                T.check(not info and unread and unread[0] >= 1, label + ": unreadable, counted",
                        "info %r, unreadable %r" % (info, unread))


def section_usage():
    for args, what in ((["exporter"], "no --listen"), (["exporter", "--listen", "nonsense"], "bad address"),
                       (["exporter", "--listen", "127.0.0.1:99999"], "bad port"),
                       (["exporter", "--listen", "example.com:80"], "a name, not numeric"),
                       (["exporter", "--once", "--listen", ":1"], "both"),
                       (["exporter", "--listen", ":1", "--output", "x"], "--output without --once"),
                       (["exporter", "--once", "--max-processes", "0"], "cap 0")):
        rc, out, err = pc.run([LP] + args)
        T.check(rc == 2 and err.startswith("linkproof: ") and len(pc.lines_of(err)) == 1 and out == "",
                "usage: " + what, "exit %r, stderr %r" % (rc, err))
    # a port in use
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    rc, out, err = pc.run([LP, "exporter", "--listen", "127.0.0.1:%d" % s.getsockname()[1]])
    T.check(rc == 2 and "cannot listen" in err, "usage: port in use", "exit %r, stderr %r" % (rc, err))
    s.close()


def section_atomic(tmp):
    with ps.Server("healthy") as s:
        path = os.path.join(tmp, "probe.prom")
        inodes = []
        for i in range(2):
            rc, out, err = pc.run([LP, "probe", "--pid", str(s.pid), "--format", "prometheus", "--output", path])
            T.check(rc == 0 and out == "", "probe --output: exit 0, nothing on stdout", "%r %r" % (rc, err))
            if os.path.exists(path):
                st = os.stat(path)
                inodes.append(st.st_ino)
                T.check(stat.S_IMODE(st.st_mode) == 0o644, "probe --output: mode 0644", oct(st.st_mode))
        T.check(len(inodes) == 2 and inodes[0] != inodes[1], "probe --output: replaced by rename (new inode)",
                "%r" % inodes)
        T.check(sorted(os.listdir(tmp)) == ["probe.prom"], "probe --output: no temporary file left", "%r" % os.listdir(tmp))
        rc, out = promtool(open(path).read())
        T.check(rc == 0, "probe --output: promtool", out[:500])
        rc, out, err = pc.run([LP, "probe", "--pid", str(s.pid), "--format", "openmetrics"])
        T.check(rc == 0 and out.endswith("# EOF\n"), "probe --format openmetrics", out[-200:])
        rc, out, err = pc.run([LP, "probe", "--pid", str(s.pid), "--format", "prometheus", "--output",
                               os.path.join(tmp, "no-such-dir", "x.prom")])
        T.check(rc == 2 and "cannot write" in err, "probe --output: unwritable", "%r %r" % (rc, err))
        epath = os.path.join(tmp, "node.prom")
        rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus", "--output", epath, "--exe", "no-such-exe-name"])
        T.check(rc == 0 and out == "" and os.path.exists(epath), "exporter --once --output", "%r %r" % (rc, err))
        T.check(sorted(os.listdir(tmp)) == ["node.prom", "probe.prom"], "exporter --output: no temporary file",
                "%r" % os.listdir(tmp))


def cgroup_mounts():
    """(mount point, 'cgroup2' or the v1 controllers) of each cgroup file system, from mountinfo:
    cgroup2 first, then v1 pids, memory, then the rest (never a hard-coded path)."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, opts = (right.split() + ["", "", ""])[:3]
            mnt = left.split()[4].replace("\\040", " ")
            if fstype == "cgroup2":
                found.append((0, mnt, "cgroup2"))
            elif fstype == "cgroup":
                ctl = [o for o in opts.split(",") if o not in ("rw", "ro") and "=" not in o or o.startswith("name=")]
                rank = 1 if "pids" in ctl else 2 if "memory" in ctl else 3
                found.append((rank, mnt, ",".join(ctl)))
    return [(m, c) for _, m, c in sorted(found)]


def own_cgroup(pid, controllers):
    """The cgroup path of pid in the hierarchy of those controllers, from /proc/PID/cgroup."""
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            hid, ctl, path = line.rstrip("\n").split(":", 2)
            if (controllers == "cgroup2" and hid == "0" and ctl == "") or \
               (controllers != "cgroup2" and ctl and set(ctl.split(",")) <= set(controllers.split(","))):
                return path
    return None


def oracle_cgroup(prefix=None, container=None):
    """The pids whose /proc/PID/cgroup has a path starting with prefix, or holding a 64-hex run
    starting with container (the processes with an exe: the exporter skips kernel threads)."""
    pids = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            os.readlink("/proc/%s/exe" % d)
            paths = [l.split(":", 2)[2] for l in open("/proc/%s/cgroup" % d).read().splitlines() if l.count(":") >= 2]
        except OSError:
            continue
        if prefix is not None and any(p.startswith(prefix) for p in paths):
            pids.add(int(d))
        if container is not None and any(h.startswith(container) for p in paths
                                         for h in re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", p)):
            pids.add(int(d))
    return pids


def section_containers():
    """--container and --cgroup against processes moved into cgroups named like docker's
    (/docker/ID) and kubelet's (/kubepods/besteffort/podUUID/ID); the oracle is /proc/PID/cgroup.
    Skipped (only this section) when no cgroup hierarchy takes a new cgroup here."""
    cid_a, cid_b = os.urandom(32).hex(), os.urandom(32).hex()
    pod = "pod" + str(uuid.uuid4())
    rel_a, rel_b = "docker/" + cid_a, "kubepods/besteffort/%s/%s" % (pod, cid_b)
    procs = [subprocess.Popen(["sleep", "60"]) for _ in range(2)]
    made, moved, why = [], [], []
    try:
        mnt = ctl = None
        for m, c in cgroup_mounts():
            try:
                for rel in (rel_a, rel_b):
                    d = m
                    for part in rel.split("/"):
                        d = os.path.join(d, part)
                        if not os.path.isdir(d):
                            os.mkdir(d)
                            made.append(d)
            except OSError as e:
                why.append("%s (%s): %s" % (m, c, e.strerror))
                for d in reversed(made):
                    os.rmdir(d)
                made = []
                continue
            mnt, ctl = m, c
            break
        if mnt is None:
            print("SKIP containers: no cgroup hierarchy is writable: %s" % ("; ".join(why) or "none mounted"))
            return
        base = own_cgroup(os.getpid(), ctl)
        # a cgroup path as the processes see it: the hierarchy's root is "/" unless this test runs in a
        # cgroup namespace, where the paths read back are what /proc/PID/cgroup says (the oracle)
        for p, rel in zip(procs, (rel_a, rel_b)):
            back = own_cgroup(p.pid, ctl)
            with open(os.path.join(mnt, rel, "cgroup.procs"), "w") as f:
                f.write("%d\n" % p.pid)
            moved.append((p.pid, back))
        path_a, path_b = own_cgroup(procs[0].pid, ctl), own_cgroup(procs[1].pid, ctl)
        T.check(path_a is not None and path_a.endswith("/" + rel_a) and path_b is not None and path_b.endswith("/" + rel_b),
                "containers: /proc/PID/cgroup shows the new cgroups (%s at %s)" % (ctl, mnt),
                "%r %r (this test's own: %r)" % (path_a, path_b, base))
        if not (path_a and path_b):
            return

        def scrape(*args):
            rc, out, err = pc.run([LP, "exporter", "--once", "--format", "prometheus"] + list(args))
            info = {}
            for name, labels, _ in parse(out):
                if name == "linkproof_process_info":
                    info[int(labels["pid"])] = labels.get("container_id")
            return rc, info, err

        cases = (("--container", cid_a[:12], {procs[0].pid: cid_a}, "docker id, 12-digit prefix"),
                 ("--container", cid_b, {procs[1].pid: cid_b}, "kubepods id, all 64 digits"),
                 ("--cgroup", path_a, {procs[0].pid: cid_a}, "docker path"),
                 ("--cgroup", path_b.rsplit("/", 1)[0], {procs[1].pid: cid_b}, "kubepods pod path (prefix)"),
                 ("--container", os.urandom(32).hex()[:16], {}, "an id no cgroup holds"),
                 ("--cgroup", path_a[:-1] + ("0" if path_a[-1] != "0" else "1"), {}, "a path no process is in"))
        for opt, val, want, what in cases:
            rc, info, err = scrape(opt, val)
            if opt == "--container":
                oracle = oracle_cgroup(container=val)
            else:
                oracle = oracle_cgroup(prefix=val)
            T.check(rc == 0 and info == want, "containers: %s %s selects exactly %s" % (opt, what, sorted(want) or "none"),
                    "exit %r, selected {pid: container_id} %r, expected %r; %s" % (rc, info, want, err[:300]))
            T.check(set(info) == oracle, "containers: %s %s agrees with /proc/PID/cgroup" % (opt, what),
                    "exporter %r, /proc/*/cgroup %r" % (sorted(info), sorted(oracle)))
        rc, info, err = scrape("--container", cid_a[:12], "--cgroup", path_b)
        T.check(rc == 0 and info == {}, "containers: --container and --cgroup both apply", "%r %r" % (info, err[:300]))
    finally:
        for pid, back in moved:
            try:
                with open(os.path.join(mnt, (back or "/").lstrip("/"), "cgroup.procs"), "w") as f:
                    f.write("%d\n" % pid)
            except OSError as e:
                print("containers: cannot move %d back to %r: %s" % (pid, back, e))
        for p in procs:
            p.kill()
            p.wait()
        for d in reversed(made):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)  # the cgroup empties once a killed process is reaped
            else:
                print("containers: could not remove %s" % d)


def main():
    need = [t for t in ("prometheus", "promtool", "ss") if not shutil.which(t)]
    if need:
        print("missing %s: skipped" % ", ".join(need))
        return 1 if os.environ.get("CI") else lptest.SKIP
    with tempfile.TemporaryDirectory(prefix="lp-exporter-") as tmp:
        os.chmod(tmp, 0o755)
        section_usage()
        section_prometheus(tmp)
        section_cap()
        section_caps()
        section_containers()
        section_hostile_names(tmp)
        section_go(tmp)
        section_hostile()
        atomic = os.path.join(tmp, "atomic")
        os.mkdir(atomic)
        section_atomic(atomic)
    return T.finish("exporter_prom")


if __name__ == "__main__":
    sys.exit(main())
