#!/usr/bin/env python3
"""Every command's --json output against the JSON contract (docs/json-schema.md) and its
JSON Schema files (docs/schema/*.json), with Debian's python3-jsonschema as the validator:
on the fixtures (Go programs of every kind, a non-Go ELF, text, PE and Mach-O from the -X
matrix when built), on container images written here (one image, several images), on
live processes started here, on a registry made here, and on the error paths (a missing
file, a directory, a truncated binary, a file with no function table, an image that does
not exist).

For each run: stdout is JSON Lines (every line one document, ASCII, ending in a newline),
every document validates against the schema its `command` names, and each schema file
is used by at least one document (so that a command cannot drop out of the test).

Environment: LP_BIN, LP_FIXTURES (required, else exit 77), LP_SOURCE_ROOT, LP_XMATRIX.
The last line is "N passed, M failed".
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import image_build as ib  # noqa: E402
import lptest  # noqa: E402

lptest.require_jsonschema()
from jsonschema import Draft202012Validator, RefResolver  # noqa: E402
import vulnfix  # noqa: E402

RUNNER = lptest.Runner(120, drop=("NO_COLOR", "GITHUB_ACTIONS"))
run = RUNNER.run
BASE = "https://schemas.linkproof.example/2/"
# the schema file of each `command`
SCHEMA_OF = {"inspect": "inspect", "funcs": "funcs", "pkgs": "pkgs", "check": "check", "diff": "diff",
             "probe": "probe", "fingerprint": "fingerprint", "verify": "verify",
             "registry list": "registry", "registry show": "registry", "deps": "deps", "compat": "compat",
             "image ls": "image-ls", "image info": "image-info", "scan": "scan", "vulns": "vulns"}


class Schemas:
    def __init__(self, t, root):
        self.t = t
        d = os.path.join(root, "docs", "schema")
        self.docs = {}
        for n in sorted(os.listdir(d)):
            if n.endswith(".json"):
                with open(os.path.join(d, n)) as f:
                    s = json.load(f)
                Draft202012Validator.check_schema(s)
                self.docs[n[:-5]] = s
        store = {s["$id"]: s for s in self.docs.values()}
        self.validators = {n: Draft202012Validator(s, resolver=RefResolver(s["$id"], s, store=store))
                           for n, s in self.docs.items()}
        self.used = {n: 0 for n in self.docs if n != "common"}

    def validate_output(self, what, args, out, want_docs=None):
        """Validate every line of @out; returns the documents."""
        t = self.t
        text = out.decode("utf-8", "replace")
        t.check(all(b < 0x80 for b in out), what, "output is not plain ASCII")
        t.check(text == "" or text.endswith("\n"), what, "output does not end with a newline")
        docs = []
        for i, line in enumerate(l for l in text.split("\n") if l):
            try:
                j = json.loads(line)
            except ValueError as e:
                t.fail(what, "line %d is not JSON (%s): %r" % (i + 1, e, line[:200]))
                continue
            docs.append(j)
            if not t.check(isinstance(j, dict) and j.get("schema_version") == 2 and "command" in j, what,
                           "line %d: not a document with schema_version 2 and command: %r" % (i + 1, line[:200])):
                continue
            name = SCHEMA_OF.get(j["command"])
            if not t.check(name in self.validators, what, "line %d: no schema for command %r"
                           % (i + 1, j["command"])):
                continue
            errs = sorted(self.validators[name].iter_errors(j), key=lambda e: list(e.path))
            self.used[name] += 1
            t.check(not errs, what, "line %d does not follow docs/schema/%s.json: %s" % (
                i + 1, name, "; ".join("%s: %s" % ("/".join(str(p) for p in e.path) or "(top)", e.message[:300])
                                       for e in errs[:4])))
        if want_docs is not None:
            t.check(len(docs) == want_docs, what, "want %d documents, got %d: %r"
                    % (want_docs, len(docs), text[:300]))
        return docs


def lp_json(s, lp, what, args, want_rc, want_docs=None, env=None):
    rc, out, err = run([lp] + args, env=env)
    s.t.check(rc in want_rc, what, "exit %s, want one of %s; stderr %r" % (rc, want_rc, err[:300]))
    return s.validate_output(what, args, out, want_docs)


def images(tmp):
    """One image (docker save and OCI layout), and a file of three images."""
    hello = os.path.join(lptest.source_root(), "tests", "fixtures", "README.md")
    with open(hello, "rb") as f:
        data = f.read()
    base = ib.Layer([ib.D("bin"), ib.F("bin/readme", data), ib.L("bin/link", "readme"),
                     ib.D("lib"), ib.F("etc/os-release", b"ID=test\n")], "gzip")
    img = ib.Image([base], refs=["lp/schema:v1"])
    one = os.path.join(tmp, "one.tar")
    ib.write_docker_save(one, [img])
    oci = os.path.join(tmp, "oci")
    ib.write_oci_dir(oci, [img])
    many = os.path.join(tmp, "many")
    ib.write_oci_dir(many, [ib.Image([base], refs=["lp/a:v1"]), ib.Image([base], arch="arm64", refs=["lp/b:v1"]),
                            ib.Image([base], refs=["lp/c:v1"])])
    return one, oci, many


def main(fxdir, t):
    lp = lptest.lp_bin()
    s = Schemas(t, lptest.source_root())
    # a scan record is an inspect document plus "found": the two schemas must not drift apart
    ins, sc = s.docs.get("inspect", {}), s.docs.get("scan", {})
    drift = [k for k in ins.get("properties", {}) if k not in ("command",)
             and sc.get("properties", {}).get(k) != ins["properties"][k]]
    drift += ["$defs/" + k for k in ins.get("$defs", {}) if sc.get("$defs", {}).get(k) != ins["$defs"][k]]
    t.check(not drift, "docs/schema/scan.json", "differs from inspect.json in %s" % drift)
    rows = {r["name"]: r for r in lptest.fixture_rows(fxdir) if os.path.isfile(r["path"])}
    pick = [n for n in ("app-amd64-cgo0-exe", "app-amd64-cgo1-pie", "app-amd64-cgo1-exe-trimpath",
                        "server-amd64-cgo0-exe", "app-arm64-cgo0-exe") if n in rows]
    if not t.check(len(pick) >= 2, fxdir, "the app fixtures are not built"):
        return t.abort()
    fx = [rows[n]["path"] for n in pick]
    true = lptest.host_true()
    go = fx[0]
    # PE and Mach-O from the -X matrix, when it is built
    xm = os.environ.get("LP_XMATRIX") or ""
    foreign = []
    for n in ("xm-windows-amd64-exe", "xm-darwin-arm64-exe", "xm-darwin-amd64-exe"):
        p = os.path.join(xm, n)
        if xm and os.path.isfile(p):
            foreign.append(p)
    with tempfile.TemporaryDirectory(prefix="lp-schema-") as tmp:
        missing = os.path.join(tmp, "no-such-file")
        text = lptest.write_file(os.path.join(tmp, "text"), b"just text\n" * 10)
        with open(go, "rb") as f:
            trunc = lptest.write_file(os.path.join(tmp, "truncated"), f.read()[:3000])
        files = fx + foreign + [true, text, trunc, missing, tmp]

        # ---- inspect, funcs, pkgs, check, diff: files and their errors
        lp_json(s, lp, "inspect", ["inspect", "--json"] + files, (2,), want_docs=len(files))
        lp_json(s, lp, "inspect --var", ["inspect", "--json", "--var", "main.version=1.2.3",
                                         "--var", "main.nosuch"] + fx, (0,), want_docs=len(fx))
        for cmd in ("funcs", "pkgs"):
            for f in fx[:2] + foreign[:1]:
                lp_json(s, lp, "%s %s" % (cmd, f), [cmd, "--json", f], (0,), want_docs=1)
            for f, rc in ((true, 1), (text, 2), (missing, 2)):
                lp_json(s, lp, "%s %s (error)" % (cmd, f), [cmd, "--json", f], (rc,), want_docs=1)
        lp_json(s, lp, "funcs --package", ["funcs", "--json", "--package", "main", go], (0,), want_docs=1)
        lp_json(s, lp, "check", ["check", "--json", "--var", "main.version=1.2.3", "--static", "--pie", "--cgo=off",
                                 "--go=>=1.18", "--build-id", "--all-x"] + fx + foreign + [missing],
                (2,), want_docs=1)
        lp_json(s, lp, "check (all hold)", ["check", "--json", "--build-id", go], (0,), want_docs=1)
        lp_json(s, lp, "diff", ["diff", "--json", fx[0], fx[1]], (1,), want_docs=1)
        lp_json(s, lp, "diff (identical)", ["diff", "--json", go, go], (0,), want_docs=1)
        lp_json(s, lp, "diff (missing)", ["diff", "--json", go, missing], (2,), want_docs=1)

        # ---- deps: static, dynamic, not ELF, missing; a root that is a file: no document
        dyn = [f for f in fx if "cgo1" in f] + [true]
        lp_json(s, lp, "deps", ["deps", "--json", go] + dyn + [text, missing], (2,), want_docs=len(dyn) + 3)
        lp_json(s, lp, "deps --cpu", ["deps", "--json", "--root", "/", "--cpu", "x86-64"] + dyn, (0, 1),
                want_docs=len(dyn))
        lp_json(s, lp, "deps --root FILE", ["deps", "--json", "--root", text, go], (2,), want_docs=0)

        # ---- images: ls, info (one, several), deps and inspect inside, compat
        try:
            one, oci, many = images(tmp)
        except ib.BuildError as e:
            t.fail("images", "cannot build the test images: %s" % e)
            one = oci = many = None
        if one:
            for spec in (one, oci):
                lp_json(s, lp, "image ls " + spec, ["image", "ls", "--json", spec], (0,))
                lp_json(s, lp, "image info " + spec, ["image", "info", "--json", spec], (0,), want_docs=1)
            lp_json(s, lp, "image info (several)", ["image", "info", "--json", many], (0,), want_docs=1)
            lp_json(s, lp, "image info (one of several)", ["image", "info", "--json", many + ":lp/c:v1"], (0,),
                    want_docs=1)
            lp_json(s, lp, "deps --image", ["deps", "--json", "--image", one] + dyn, (1,), want_docs=len(dyn))
            lp_json(s, lp, "compat", ["compat", "--json", "--image", one, "--image", oci] + fx + [true],
                    (1,), want_docs=1)
            lp_json(s, lp, "compat (errors)", ["compat", "--json", "--image", one, "--image",
                                               os.path.join(tmp, "nope.tar"), go, missing], (2,), want_docs=1)
            lp_json(s, lp, "inspect --image", ["inspect", "--json", "--image", one, "/bin/readme", "/nope"],
                    (2,), want_docs=2)
            # scan: a directory (Go and not, --all-objects), an image, a missing path (an error record)
            lp_json(s, lp, "scan", ["scan", "--json", "--all-objects", fxdir], (0,))
            lp_json(s, lp, "scan --image", ["scan", "--json", "--image", oci], (0,))
            lp_json(s, lp, "scan --identity", ["scan", "--json", "--identity", fxdir], (0,))
            lp_json(s, lp, "scan (error)", ["scan", "--json", os.path.join(tmp, "nope")], (2,), want_docs=1)

        # ---- live processes: probe, fingerprint --pid, verify, registry
        srv = rows.get("server-amd64-cgo0-exe")
        p = subprocess.Popen([srv["path"] if srv else "sleep"] + ([] if srv else ["60"]),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        listener = __import__("socket").socket()
        try:
            if srv:
                p.stdout.readline()  # "ready PID VERSION"
            else:
                time.sleep(0.2)
            listener.bind(("127.0.0.1", 0))
            listener.listen(4)
            me = os.getpid()
            lp_json(s, lp, "probe (this process)", ["probe", "--json", "--pid", str(me)], (0, 1), want_docs=1)
            lp_json(s, lp, "probe --interval", ["probe", "--json", "--pid", str(me), "--interval", "200ms",
                                                "--max-close-wait", "0", "--max-fd-ratio", "0.000001"], (1,),
                    want_docs=1)
            lp_json(s, lp, "fingerprint --pid", ["fingerprint", "--json", "--pid", str(p.pid)], (0,), want_docs=1)
            lp_json(s, lp, "fingerprint", ["fingerprint", "--json"] + fx + [text, missing, tmp], (2,),
                    want_docs=len(fx) + 3)
            db = os.path.join(tmp, "reg.db")
            env = RUNNER.env(HOME=tmp)
            run([lp, "registry", "--registry", db, "add", "--label", "v1", fx[0]], env=env)
            if srv:
                run([lp, "registry", "--registry", db, "add", "--label", "server", srv["path"]], env=env)
            lp_json(s, lp, "registry list", ["registry", "--registry", db, "list", "--json"], (0,), env=env)
            lp_json(s, lp, "registry show", ["registry", "--registry", db, "show", "v1", "--json"], (0,),
                    want_docs=1, env=env)
            lp_json(s, lp, "verify --pid", ["verify", "--json", "--registry", db, "--pid", str(p.pid)], (0, 4),
                    want_docs=1, env=env)
            lp_json(s, lp, "verify --pid --baseline", ["verify", "--json", "--registry", db, "--pid", str(p.pid),
                                                       "--baseline", "v1"], (3, 4), want_docs=1, env=env)
            docs = lp_json(s, lp, "verify --all", ["verify", "--json", "--all", "--registry", db], (0, 2, 3, 4),
                           env=env)
            t.check(not srv or any(d.get("pid") == p.pid for d in docs), "verify --all",
                    "the server %d is not among the documents" % p.pid)
            lp_json(s, lp, "scan --procs", ["scan", "--json", "--procs"], (0, 2))
        finally:
            listener.close()
            p.stdin.close()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    # vulns: the test database unpacked, a Go fixture, its stripped build, a non-Go file, a missing one
    with tempfile.TemporaryDirectory() as vtmp:
        vdb = vulnfix.unpack(vtmp)
        vfiles = [rows[n]["path"] for n in ("app-amd64-cgo0-exe", "app-amd64-cgo0-exe-sw") if n in rows]
        docs = lp_json(s, lp, "vulns", ["vulns", "--json", "--as-of", "2026-12-01", "--vulndb", vdb] + vfiles
                       + [os.path.join(lptest.source_root(), "tests", "fixtures", "README.md"),
                          os.path.join(vtmp, "missing")], (2,), want_docs=len(vfiles) + 2)
        t.check(any(d.get("findings") for d in docs), "vulns", "no finding in any document")
        # scan --vulns: the vulns document nested in each record, checked against vulns.json
        sdocs = lp_json(s, lp, "scan --vulns", ["scan", "--json", "--vulns", "--as-of", "2026-12-01",
                                                "--vulndb", vdb, fxdir], (0, 1))
        t.check(any((d.get("vulns") or {}).get("findings") for d in sdocs), "scan --vulns", "no finding")
        nested = [json.dumps(d["vulns"]) for d in sdocs if d.get("vulns") is not None]
        t.check(nested, "scan --vulns", "no nested vulns document")
        s.validate_output("scan --vulns (nested vulns documents)", [], ("\n".join(nested) + "\n").encode())
    # every schema was used by some document
    for name, n in sorted(s.used.items()):
        t.check(n > 0, "coverage", "no document was checked against docs/schema/%s.json" % name)
    print("documents checked: %s" % ", ".join("%s %d" % kv for kv in sorted(s.used.items())))
    return t.finish("json_schema")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
