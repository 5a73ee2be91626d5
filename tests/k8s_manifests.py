#!/usr/bin/env python3
"""The Kubernetes manifests of docs/k8s/ (docs/kubernetes.md): parsed, their required fields
asserted, and their linkproof command lines run against the real tool.

  * every file parses (python3-yaml) into objects with apiVersion, kind, metadata.name;
  * exporter-daemonset.yaml: apps/v1 DaemonSet, hostPID, the selector matches the pod labels,
    the container runs `/linkproof exporter --listen :PORT` with PORT its containerPort and
    the prometheus.io/port annotation, not privileged, no privilege escalation, a read-only
    root, capabilities: drop ALL and add only those docs/kubernetes.md explains (SYS_PTRACE,
    SYS_ADMIN, DAC_READ_SEARCH), liveness and readiness on /healthz of the metrics port;
    the arguments are accepted by the real exporter (started on a loopback port, /healthz
    answers, SIGTERM ends it with 0);
  * exporter-podmonitor.yaml: a PodMonitor whose selector matches the DaemonSet's pods and
    whose endpoint is the named metrics port, /metrics;
  * exec-probe.yaml: an exec liveness probe running /linkproof probe --pid 1 ...; the same
    arguments (with a test server's pid for 1) are accepted and give 0 for a healthy server.

kubectl --dry-run=client is not used: it needs an API server even in client mode (discovery),
and Debian 12 has no kubectl package.

Environment: LP_BIN, LP_SOURCE_ROOT (default: this file's parent directory).
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import probe_servers as ps  # noqa: E402

try:
    import yaml
except ImportError:
    yaml = None

LP = os.environ.get("LP_BIN", lptest.DEFAULT_LP_BIN)
ROOT = os.environ.get("LP_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
K8S = os.path.join(ROOT, "docs", "k8s")
DOC = os.path.join(ROOT, "docs", "kubernetes.md")
T = lptest.Tally()
CAPS_EXPLAINED = {"SYS_PTRACE", "SYS_ADMIN", "DAC_READ_SEARCH"}


def get(d, *path):
    for k in path:
        if isinstance(d, dict):
            d = d.get(k)
        elif isinstance(d, list) and isinstance(k, int) and k < len(d):
            d = d[k]
        else:
            return None
    return d


def load(name):
    with open(os.path.join(K8S, name)) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for d in docs:
        T.check(all(get(d, *k) for k in (("apiVersion",), ("kind",), ("metadata", "name"))),
                name + ": apiVersion, kind, metadata.name", "%r" % {k: d.get(k) for k in ("apiVersion", "kind")})
    return docs


def healthz(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def check_daemonset(ds):
    name = "exporter-daemonset.yaml"
    T.check(ds.get("apiVersion") == "apps/v1" and ds.get("kind") == "DaemonSet", name + ": apps/v1 DaemonSet",
            "%r %r" % (ds.get("apiVersion"), ds.get("kind")))
    sel = get(ds, "spec", "selector", "matchLabels") or {}
    labels = get(ds, "spec", "template", "metadata", "labels") or {}
    T.check(sel and all(labels.get(k) == v for k, v in sel.items()), name + ": selector matches the pods",
            "%r vs %r" % (sel, labels))
    pod = get(ds, "spec", "template", "spec") or {}
    T.check(pod.get("hostPID") is True, name + ": hostPID", "%r" % pod.get("hostPID"))
    c = get(pod, "containers", 0) or {}
    argv = (c.get("command") or []) + (c.get("args") or [])
    T.check(argv[:2] == ["/linkproof", "exporter"], name + ": runs /linkproof exporter", "%r" % argv)
    listen = argv[argv.index("--listen") + 1] if "--listen" in argv[:-1] else None
    port = get(c, "ports", 0, "containerPort")
    pname = get(c, "ports", 0, "name")
    T.check(listen is not None and listen.rsplit(":", 1)[-1] == str(port), name + ": --listen on the containerPort",
            "--listen %r, containerPort %r" % (listen, port))
    ann = get(ds, "spec", "template", "metadata", "annotations") or {}
    T.check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(port)
            and ann.get("prometheus.io/path") == "/metrics", name + ": scrape annotations", "%r" % ann)
    sc = c.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    T.check(sc.get("privileged") is not True and sc.get("allowPrivilegeEscalation") is False
            and sc.get("readOnlyRootFilesystem") is True, name + ": not privileged, read-only root", "%r" % sc)
    T.check(caps.get("drop") == ["ALL"] and set(caps.get("add") or []) <= CAPS_EXPLAINED,
            name + ": drops ALL, adds only explained capabilities", "%r" % caps)
    doc = open(DOC).read() if os.path.exists(DOC) else ""
    for cap in caps.get("add") or []:
        T.check("CAP_" + cap in doc, name + ": %s explained in docs/kubernetes.md" % cap, "")
    for probe in ("livenessProbe", "readinessProbe"):
        hg = get(c, probe, "httpGet") or {}
        T.check(hg.get("path") == "/healthz" and hg.get("port") in (pname, port), name + ": %s on /healthz" % probe,
                "%r" % hg)
        # one request at a time: /healthz may wait for a scrape (seconds on a busy node)
        T.check((get(c, probe, "timeoutSeconds") or 1) >= 5, name + ": %s waits for a scrape" % probe,
                "timeoutSeconds %r" % get(c, probe, "timeoutSeconds"))
    T.check(get(c, "resources", "limits", "memory") is not None, name + ": a memory limit", "")
    # the arguments, run: the real exporter on a loopback port
    lp_port = lptest.free_port()
    args = list(argv[1:])
    args[args.index("--listen") + 1] = "127.0.0.1:%d" % lp_port
    p = subprocess.Popen([LP] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    up = ps.poll(lambda: p.poll() is not None or healthz(lp_port), 10.0)
    T.check(up and p.poll() is None, name + ": the exporter starts with these arguments", "exit %r" % p.poll())
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "timeout"
    T.check(rc == 0, name + ": SIGTERM ends it with 0", "exit %r %r" % (rc, p.stderr.read()[:300]))
    return labels, pname


def check_podmonitor(pm, ds_labels, pname):
    name = "exporter-podmonitor.yaml"
    T.check(pm.get("apiVersion") == "monitoring.coreos.com/v1" and pm.get("kind") == "PodMonitor",
            name + ": a PodMonitor", "%r %r" % (pm.get("apiVersion"), pm.get("kind")))
    sel = get(pm, "spec", "selector", "matchLabels") or {}
    T.check(sel and all(ds_labels.get(k) == v for k, v in sel.items()), name + ": selects the exporter pods",
            "%r vs %r" % (sel, ds_labels))
    ep = get(pm, "spec", "podMetricsEndpoints", 0) or {}
    T.check(ep.get("port") == pname and ep.get("path") == "/metrics", name + ": the metrics port, /metrics", "%r" % ep)


def check_exec(dep):
    name = "exec-probe.yaml"
    T.check(dep.get("kind") in ("Deployment", "Pod"), name + ": a Deployment", "%r" % dep.get("kind"))
    c = get(dep, "spec", "template", "spec", "containers", 0) or {}
    cmd = get(c, "livenessProbe", "exec", "command") or []
    T.check(cmd[:4] == ["/linkproof", "probe", "--pid", "1"], name + ": exec /linkproof probe --pid 1", "%r" % cmd)
    T.check((get(c, "livenessProbe", "periodSeconds") or 10) >= 30, name + ": a long period (exec probes cost)",
            "%r" % get(c, "livenessProbe", "periodSeconds"))
    with ps.Server("healthy") as s:
        args = [str(s.pid) if a == "1" and i == 3 else a for i, a in enumerate(cmd)]
        p = subprocess.run([LP] + args[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        T.check(p.returncode == 0, name + ": the probe's arguments, run on a healthy server: 0",
                "exit %r %r" % (p.returncode, p.stderr[:300]))


def main():
    if yaml is None:
        print("python3-yaml missing: skipped")
        return 1 if os.environ.get("CI") else lptest.SKIP
    files = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml"))
    T.check(set(files) >= {"exporter-daemonset.yaml", "exporter-podmonitor.yaml", "exec-probe.yaml"},
            "docs/k8s: the three manifests", "%r" % files)
    docs = {f: load(f) for f in files}
    doc_text = open(DOC).read() if os.path.exists(DOC) else ""
    for f in files:
        T.check("k8s/" + f in doc_text, "docs/kubernetes.md names %s" % f, "")
    ds = [d for d in docs.get("exporter-daemonset.yaml", []) if d.get("kind") == "DaemonSet"]
    if T.check(len(ds) == 1, "one DaemonSet", "%d" % len(ds)):
        labels, pname = check_daemonset(ds[0])
        pm = [d for d in docs.get("exporter-podmonitor.yaml", []) if d.get("kind") == "PodMonitor"]
        if T.check(len(pm) == 1, "one PodMonitor", "%d" % len(pm)):
            check_podmonitor(pm[0], labels, pname)
    ex = docs.get("exec-probe.yaml", [])
    if T.check(len(ex) == 1, "one exec-probe workload", "%d" % len(ex)):
        check_exec(ex[0])
    return T.finish("k8s_manifests")


if __name__ == "__main__":
    t0 = time.time()
    sys.exit(main())
