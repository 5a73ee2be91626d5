#!/usr/bin/env python3
"""`linkproof vulns`, `check --no-vulns/--go-supported` and the CycloneDX SBOM, against
independent oracles, over the matrix of tests/fixtures/vulnsrc (tests/vulnfix.py builds it):

  * govulncheck (Debian's 0.0~git20230201, binary mode: `govulncheck -json BINARY` with
    GOVULNDB=file:///DIR over the legacy layout of the same snapshot) on each unstripped
    program: the set of (report, module) it finds linked and the symbols it names must be
    what linkproof says `linked`, on the unstripped build and on the `-s -w` stripped one;
  * the module level (which reports apply at all): `go version -m` gives the modules and
    versions, and a semver walk over the OSV ranges written here (not linkproof's) gives the
    reports that apply; linkproof's findings, of any status, must be exactly those;
  * the matrix is not vacuous: each program's expected linked and module-only reports of
    golang.org/x/text are named here, from what its source calls;
  * the three database layouts (folder, vuln.go.dev index, gzipped index) give the same JSON;
  * every SBOM (inspect --format cyclonedx, with and without --vulndb; vulns --format
    cyclonedx) validates against the official CycloneDX 1.6 schema (../shared/data/cyclonedx,
    its $refs resolved locally), and a broken copy does not (the validator is live); the
    SBOM names every module `go version -m` names, with its version and h1: sum as a hash;
  * exit statuses: vulns 1 with a linked finding, 2 without a database or with a malformed
    report (naming the file); check --no-vulns 1 / --no-module-vulns 1 / --go-supported with
    --as-of before and after the end of support (0 and 1), 3 for a Go version newer than the
    release data.

Environment: LP_BIN, LP_FIXTURES (required, else exit 77), LP_GOCACHE. Needs go and
govulncheck (scripts/install-deps). The last line is "N passed, M failed".
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import vulnfix  # noqa: E402

lptest.require_jsonschema()

RUNNER = lptest.Runner(300, drop=("NO_COLOR", "GITHUB_ACTIONS", "LINKPROOF_VULNDB"))
run = RUNNER.run

# what each program's source calls decides its golang.org/x/text findings (v0.3.6 is affected by
# GO-2021-0113, GO-2022-1059, GO-2026-5970; not by GO-2020-0015, fixed in 0.3.3)
EXPECT_TEXT = {
    "none": ({}, {"GO-2021-0113", "GO-2022-1059", "GO-2026-5970"}),
    "parse": ({"GO-2021-0113": {"golang.org/x/text/language.Parse"}}, {"GO-2022-1059", "GO-2026-5970"}),
    "accept": ({"GO-2021-0113": {"golang.org/x/text/language.ParseAcceptLanguage",
                                 "golang.org/x/text/language.MatchStrings"},
                "GO-2022-1059": {"golang.org/x/text/language.ParseAcceptLanguage",
                                 "golang.org/x/text/language.MatchStrings"}}, {"GO-2026-5970"}),
    "methods": ({"GO-2026-5970": {"golang.org/x/text/unicode/norm.Form.Bytes",
                                  "golang.org/x/text/unicode/norm.Iter.Next"}},
                {"GO-2021-0113", "GO-2022-1059"}),
    # replaced by v0.3.8: the two language reports are fixed there
    "replaced": ({}, {"GO-2026-5970"}),
}


# ---- an independent semver walk over OSV ranges (the oracle for "which reports apply")
def _sv(v):
    v = v[1:] if v.startswith("v") else v
    v = v.split("+", 1)[0]
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?", v)
    if not m:
        return None
    pre = m.group(4)
    key_pre = (1,) if pre is None else (0,) + tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                                                     for p in pre.split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), key_pre)


def affected(ranges, version):
    """Whether version is in one of the SEMVER ranges; the first fixed event above it."""
    v = _sv(version)
    if v is None:
        return False, None
    for r in ranges:
        if r.get("type") != "SEMVER":
            continue
        evs = []
        for e in r["events"]:
            if "introduced" in e:
                evs.append(((-1,) if e["introduced"] == "0" else _sv(e["introduced"]), "i", e["introduced"]))
            elif "fixed" in e:
                evs.append((_sv(e["fixed"]), "f", e["fixed"]))
        evs.sort(key=lambda x: x[0])
        state, fix = False, None
        for key, kind, raw in evs:
            if key != (-1,) and key > v:
                if state and kind == "f":
                    fix = raw
                    break
                if state:
                    continue
                break
            state = kind == "i"
        if state:
            return True, fix
    return False, None


def go_semver(gov):
    m = re.fullmatch(r"go(\d+)\.(\d+)(?:\.(\d+))?", gov)
    return "v%s.%s.%s" % (m.group(1), m.group(2), m.group(3) or 0) if m else None


def gover_modules(binary, settings=None):
    """(module, version) pairs as `go version -m` gives them, plus stdlib and toolchain."""
    p = subprocess.run(["go", "version", "-m", binary], stdout=subprocess.PIPE, text=True, check=True)
    mods, gov, last = [], None, None
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if not line.startswith("\t"):
            gov = line.split(": ", 1)[1].strip()
            continue
        if f[1] == "build" and settings is not None and "=" in f[2]:
            k, val = f[2].split("=", 1)
            settings[k] = val
        if f[1] in ("dep", "mod"):
            last = (f[2], f[3] if len(f) > 3 else "")
            mods.append(last)
        elif f[1] == "=>" and last and len(f) > 3 and f[3].startswith("v"):
            mods[-1] = (last[0], f[3])
    sv = go_semver(gov)
    return [m for m in mods if _sv(m[1])] + [("stdlib", sv), ("toolchain", sv)], gov


def for_platform(a, goos, goarch):
    """An affected entry applies to this GOOS/GOARCH: no imports, or one whose goos and goarch
    lists (when given) name them (the OSV ecosystem_specific of the Go database)."""
    imps = (a.get("ecosystem_specific") or {}).get("imports") or []
    return not imps or any((not i.get("goos") or goos in i["goos"]) and
                           (not i.get("goarch") or goarch in i["goarch"]) for i in imps)


def module_oracle(reports, binary):
    settings = {}
    mods, _ = gover_modules(binary, settings)
    want = set()
    for r in reports:
        if r.get("withdrawn"):
            continue
        for a in r.get("affected", []):
            for path, ver in mods:
                if a["package"]["name"] == path and affected(a.get("ranges", []), ver)[0] and \
                        for_platform(a, settings.get("GOOS"), settings.get("GOARCH")):
                    want.add((r["id"], path))
    return want, mods


def gv_linked(raw):
    d = json.loads(raw)
    out = {}
    for v in d.get("Vulns") or []:
        for m in v["Modules"]:
            syms = set()
            for p in m.get("Packages") or []:
                syms |= {p["Path"] + "." + c["Symbol"] for c in (p.get("CallStacks") or [])}
            out[(v["OSV"]["id"], m["Path"])] = syms
    return out


def lp_json(lp, args, want_rc, t, what):
    rc, out, err = run([lp] + args)
    t.check(rc in want_rc, what, "exit %s, want %s; stderr %r" % (rc, want_rc, err[:300]))
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def cdx_validator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from jsonschema import RefResolver
    from jsonschema.validators import validator_for
    d = vulnfix.CDX_DIR
    schema = json.load(open(os.path.join(d, "bom-1.6.schema.json")))
    store = {}
    for n in os.listdir(d):
        if n.endswith(".json"):
            s = json.load(open(os.path.join(d, n)))
            store[n] = s
            store["http://cyclonedx.org/schema/" + n] = s
            if "$id" in s:
                store[s["$id"]] = s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resolver = RefResolver(base_uri="http://cyclonedx.org/schema/bom-1.6.schema.json", referrer=schema,
                               store=store)
    cls = validator_for(schema)
    return cls(schema, resolver=resolver, format_checker=cls.FORMAT_CHECKER)


def check_sbom(t, v, what, doc, binary):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    t.check(not errs, what, "not a valid CycloneDX 1.6 BOM: %s" % "; ".join(
        "%s: %s" % ("/".join(str(p) for p in e.path), e.message[:200]) for e in errs[:4]))
    mods, gov = gover_modules(binary)
    comps = {c["name"]: c for c in doc.get("components", [])}
    t.check("std" in comps and comps["std"].get("version") == gov, what, "no std component at %s" % gov)
    p = subprocess.run(["go", "version", "-m", binary], stdout=subprocess.PIPE, text=True, check=True)
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if len(f) > 3 and f[1] == "dep":
            c = comps.get(f[2])
            if not t.check(c is not None, what, "module %s is not a component" % f[2]):
                continue
            if len(f) > 4 and f[4].startswith("h1:"):
                hexsum = base64.b64decode(f[4][3:]).hex()
                t.check(any(h.get("content") == hexsum for h in c.get("hashes", [])), what,
                        "%s: h1 sum %s not among its hashes" % (f[2], f[4]))


def main(fxdir, t):
    lp = lptest.lp_bin()
    for tool in ("go", "govulncheck"):
        if not shutil.which(tool):
            t.fail("tools", "%s is not installed (scripts/install-deps)" % tool)
            return t.finish("vulns_cli")
    if not os.path.exists(vulnfix.SNAPSHOT):
        t.fail("snapshot", "%s is missing" % vulnfix.SNAPSHOT)
        return t.finish("vulns_cli")
    with tempfile.TemporaryDirectory() as tmp:
        bins = os.path.join(tmp, "bin")
        vulnfix.build(bins, tmp)
        folder = vulnfix.unpack(tmp)
        legacy = vulnfix.legacy_layout(folder, os.path.join(tmp, "legacy"))
        idx = vulnfix.index_layout(folder, os.path.join(tmp, "idx"))
        idxgz = vulnfix.index_layout(folder, os.path.join(tmp, "idxgz"), gz=True)
        reports = list(vulnfix.reports(folder))
        n_linked_total = 0
        for name in vulnfix.PROGS:
            b, bsw = os.path.join(bins, name), os.path.join(bins, name + "-sw")
            gv = gv_linked(vulnfix.govulncheck(b, legacy, tmp))
            want_mod, _ = module_oracle(reports, b)
            docs = {}
            for which, path in (("unstripped", b), ("stripped", bsw)):
                d = lp_json(lp, ["vulns", "--json", "--vulndb", idx, path], (0, 1), t, "%s %s" % (name, which))
                if not t.check(len(d) == 1, name, "want one document"):
                    continue
                doc = docs[which] = d[0]
                t.check(doc["symbols"] is True, name, "%s: no function table read" % which)
                linked = {(f["id"], f["module"]): set(f["symbols"]) for f in doc["findings"] if f["status"] == "linked"}
                n_linked_total += len(linked)
                t.check(set(linked) == set(gv), "%s %s" % (name, which),
                        "linked differs from govulncheck: only linkproof %s, only govulncheck %s"
                        % (sorted(set(linked) - set(gv))[:6], sorted(set(gv) - set(linked))[:6]))
                for k in set(linked) & set(gv):
                    # a report without symbols: govulncheck lists every function of the package
                    if linked[k]:
                        t.check(linked[k] == gv[k], "%s %s %s" % (name, which, k[0]),
                                "symbols differ: linkproof %s, govulncheck %s"
                                % (sorted(linked[k] - gv[k]), sorted(gv[k] - linked[k])))
                got_mod = {(f["id"], f["module"]) for f in doc["findings"]}
                t.check(got_mod == want_mod, "%s %s" % (name, which),
                        "module-level findings differ from the OSV ranges over `go version -m`: only "
                        "linkproof %s, only the oracle %s" % (sorted(got_mod - want_mod)[:6], sorted(want_mod - got_mod)[:6]))
                t.check(doc["summary"]["linked"] == len(linked) and
                        doc["summary"]["linked"] + doc["summary"]["module_only"] + doc["summary"]["unknown"]
                        == len(doc["findings"]), name, "summary counts do not add up")
                if name in EXPECT_TEXT:
                    want_l, want_m = EXPECT_TEXT[name]
                    tl = {f["id"]: set(f["symbols"]) for f in doc["findings"]
                          if f["module"] == "golang.org/x/text" and f["status"] == "linked"}
                    tm = {f["id"] for f in doc["findings"]
                          if f["module"] == "golang.org/x/text" and f["status"] == "module-only"}
                    t.check(tl == want_l and tm == want_m, "%s %s" % (name, which),
                            "golang.org/x/text: linked %r, module-only %r; want %r, %r" % (tl, tm, want_l, want_m))
                    fx = [f for f in doc["findings"] if f["id"] == "GO-2021-0113"]
                    if fx and name != "replaced":
                        t.eq("%s fixed" % name, "fixed", "v0.3.7", fx[0]["fixed"])
            if "unstripped" in docs and "stripped" in docs:
                strip = lambda d: [(f["id"], f["module"], f["status"], f["symbols"]) for f in d["findings"]]
                t.check(strip(docs["unstripped"]) == strip(docs["stripped"]), name,
                        "the stripped build's findings differ from the unstripped one's")
            # the layouts agree
            base = lp_json(lp, ["vulns", "--json", "--vulndb", folder, bsw], (0, 1), t, name) \
                if name in ("parse", "nethttp") else None
            for lay, dbdir in (("index", idx), ("index.gz", idxgz)) if name in ("parse", "nethttp") else ():
                other = lp_json(lp, ["vulns", "--json", "--vulndb", dbdir, bsw], (0, 1), t, "%s %s" % (name, lay))
                t.check(other and base and other[0]["findings"] == base[0]["findings"], "%s %s" % (name, lay),
                        "findings differ from the folder layout's")
        t.check(n_linked_total >= 40, "matrix", "only %d linked findings in the whole matrix" % n_linked_total)

        # ---- CycloneDX
        v = cdx_validator()
        methods = os.path.join(bins, "methods")
        for args, what in ((["inspect", "--format", "cyclonedx", methods], "inspect cyclonedx"),
                           (["inspect", "--format", "cyclonedx", "--vulndb", folder, methods], "inspect cyclonedx --vulndb"),
                           (["vulns", "--format", "cyclonedx", "--vulndb", folder, methods + "-sw"], "vulns cyclonedx")):
            rc, out, err = run([lp] + args)
            t.check(rc in (0, 1), what, "exit %s: %r" % (rc, err[:200]))
            lines = [l for l in out.decode().splitlines() if l.strip()]
            if not t.check(len(lines) == 1, what, "want one BOM, got %d lines" % len(lines)):
                continue
            doc = json.loads(lines[0])
            check_sbom(t, v, what, doc, methods)
            if "--vulndb" in args:
                vs = {x["id"] for x in doc.get("vulnerabilities", [])}
                t.check("GO-2026-5970" in vs and "GO-2021-0113" in vs, what, "vulnerabilities: %s" % sorted(vs)[:5])
            if what == "inspect cyclonedx":
                broken = dict(doc, specVersion="1.6", bomFormat="SPDX")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t.check(any(True for _ in v.iter_errors(broken)), "validator", "a broken BOM validates")
        # several files: one BOM each
        rc, out, _ = run([lp, "inspect", "--format", "cyclonedx"] + [os.path.join(bins, n) for n in vulnfix.PROGS])
        docs = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        t.check(rc == 0 and len(docs) == len(vulnfix.PROGS), "inspect cyclonedx, several", "rc %s, %d BOMs" % (rc, len(docs)))
        for n, d in zip(vulnfix.PROGS, docs):
            check_sbom(t, v, "inspect cyclonedx %s" % n, d, os.path.join(bins, n))

        # a file that is not Go (a C program, a text file): still a valid BOM, the file as its component
        readme = os.path.join(lptest.source_root(), "tests", "fixtures", "README.md")
        rc, out, _ = run([lp, "inspect", "--format", "cyclonedx", "/bin/true", readme])
        docs = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        t.check(rc == 0 and len(docs) == 2, "inspect cyclonedx, not Go", "rc %s, %d BOMs" % (rc, len(docs)))
        for d in docs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                errs = list(v.iter_errors(d))
            t.check(not errs and d["metadata"]["component"]["name"] in ("true", "README.md"),
                    "inspect cyclonedx, not Go", "%s %r" % ([e.message[:100] for e in errs[:3]], d["metadata"]))
        rc, _, err = run([lp, "inspect", "--json", "--vulndb", folder, methods])
        t.check(rc == 2 and b"cyclonedx" in err, "inspect --vulndb without cyclonedx", "exit %s %r" % (rc, err[:200]))

        # ---- exit statuses and check
        hello = os.path.join(bins, "hello-sw")
        rc, _, err = run([lp, "vulns", hello])
        t.check(rc == 2 and b"LINKPROOF_VULNDB" in err, "vulns without a database", "exit %s %r" % (rc, err[:200]))
        rc, _, _ = run([lp, "vulns", "--vulndb", folder, hello])
        t.check(rc == 1, "vulns exit", "exit %s with a linked finding (runtime, GO-2023-1840), want 1" % rc)
        bad = os.path.join(tmp, "bad")
        os.makedirs(bad)
        with open(os.path.join(bad, "GO-0000-0001.json"), "w") as f:
            f.write('{"id": "GO-0000-0001", "affected": [{"package": {"name": 5}}]}')
        rc, _, err = run([lp, "vulns", "--vulndb", bad, hello])
        t.check(rc == 2 and b"GO-0000-0001.json" in err, "malformed report", "exit %s %r" % (rc, err[:200]))
        rc, _, err = run([lp, "vulns", "--vulndb", os.path.join(tmp, "nothing"), hello])
        t.check(rc == 2, "missing database", "exit %s" % rc)
        # hostile databases: over the vulndb limit, an index whose id would leave the folder,
        # a report of more than the json limit; each an error line naming it (exit 2)
        rc, _, err = run([lp, "--limit", "vulndb=64K", "vulns", "--vulndb", folder, hello])
        t.check(rc == 2 and b"vulndb limit" in err and b"--limit vulndb=" in err, "vulndb limit",
                "exit %s %r" % (rc, err[:300]))
        evil = os.path.join(tmp, "evil")
        os.makedirs(os.path.join(evil, "index"))
        with open(os.path.join(evil, "index", "modules.json"), "w") as f:
            json.dump([{"path": "stdlib", "vulns": [{"id": "../../../etc/passwd"}]}], f)
        rc, _, err = run([lp, "vulns", "--vulndb", evil, hello])
        t.check(rc == 2 and b"plain" in err, "index id with a path", "exit %s %r" % (rc, err[:300]))
        big = os.path.join(tmp, "big")
        os.makedirs(big)
        with open(os.path.join(big, "GO-0000-0002.json"), "w") as f:
            f.write('{"id": "GO-0000-0002", "aliases": [' + ",".join(['"x"'] * 400000) + "]}")
        rc, _, err = run([lp, "vulns", "--vulndb", big, hello])
        t.check(rc == 2 and b"GO-0000-0002.json" in err and b"limit" in err, "report over the json limit",
                "exit %s %r" % (rc, err[:300]))
        rc, out, _ = run([lp, "check", "--no-vulns", "--vulndb", folder, os.path.join(bins, "replaced-sw")])
        t.check(rc == 1 and b"GO-2023-1840" in out, "check --no-vulns", "exit %s %r" % (rc, out[:300]))
        rc, out, _ = run([lp, "check", "--no-module-vulns", "--vulndb", folder, os.path.join(bins, "replaced-sw")])
        t.check(rc == 1 and b"GO-2026-5970" in out, "check --no-module-vulns", "exit %s %r" % (rc, out[:300]))
        rc, out, _ = run([lp, "check", "--no-vulns", hello])
        t.check(rc == 2, "check --no-vulns without a database", "exit %s" % rc)
        for as_of, want in (("2023-08-07", 0), ("2023-08-08", 1), ("2026-12-01", 1), ("2022-08-01", 3)):
            rc, out, _ = run([lp, "check", "--go-supported", "--as-of", as_of, hello])
            t.check(rc == want, "check --go-supported --as-of %s" % as_of, "exit %s, want %s: %r" % (rc, want, out[:300]))
        d = lp_json(lp, ["inspect", "--json", "--as-of", "2023-08-08", hello], (0,), t, "inspect go support")
        t.check(d and d[0]["go"]["support"]["status"] == "unsupported"
                and d[0]["go"]["support"]["end_of_support"] == "2023-08-08", "inspect go support", repr(d[:1])[:300])
        rc, out, _ = run([lp, "check", "--go-supported", "--as-of", "2023-01-01", hello])
        t.check(rc == 0, "check --go-supported before the end", "exit %s" % rc)
    return t.finish("vulns_cli")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
