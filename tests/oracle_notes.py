#!/usr/bin/env python3
"""The build notes, the resolver line and `check`'s undecided verdicts, against oracles
that did not come from linkproof (issue 12, items 4 to 6 and the guide's §3.2/§3.3).

Programs are built here from tests/fixtures/src (netapp, app, pluginapp) into a temporary
directory; real binaries come from the corpus list ($LP_CORPUS_LIST: the shared npm list,
esbuild 0.14.0, Debian's fzf).

  1. the guide's "fix" build (CGO_ENABLED=1 -ldflags '-linkmode external -extldflags
     "-static"') of a program using net, plain and -s -w: the linker's own warning about
     getaddrinfo in its output, `go tool nm` listing getaddrinfo and __libc_start_main, no
     PT_INTERP (readelf): notes static-libc and static-glibc-nss, never cgo-static;
     linkage.static_libc "glibc"; check --static ok, check --dynamic fails naming static
     linking;
  2. a program that uses no cgo package built with CGO_ENABLED=1 (static1): `go tool nm`
     shows neither runtime/cgo nor libc: the note cgo-static, and no static-libc;
  3. CGO_ENABLED=0 -buildmode=pie: readelf shows PT_INTERP and no DT_NEEDED; as root, the
     binary does not start in an empty root (chroot) while the -buildmode=exe build does:
     the note pie-needs-loader; check --static fails and blames -buildmode=pie, not cgo;
  4. resolver: netapp with CGO_ENABLED=0, =1, =1 -tags netgo, app (no net), and netapp for
     windows: the program's own GODEBUG=netdns=2 report ("netGo = true": Go's resolver
     only; "netGo = false": dynamic selection with the cgo one) and `go tool nm`
     (net._C2func_getaddrinfo, syscall.GetAddrInfoW) against go.resolver;
  5. pluginapp with CGO_ENABLED=0 and =1: what plugin.Open prints when the program runs
     ("plugin: not implemented" exactly without cgo) against the note plugin-unusable,
     also on the -s build;
  6. Go 1.17 and older (corpus binaries whose build info has no settings, e.g. the stripped
     esbuild 0.14.0): no stripped-after-build or dwarf-removed note, x_vars.record
     "no-settings", no "no -ldflags were given" in the text, check --all-x undecided (3);
  7. a fixture whose build-info magic is zeroed (go version -m: "not a Go executable"):
     x_vars.record "no-buildinfo", check --all-x undecided (3), never "the build set no -X";
  8. Debian's fzf (-trimpath): check --var main.nosuch=debian and --all-x undecided (3);
  9. a Go 1.19 build without -ldflags: check --all-x fails (1): the record says so.

Environment: LP_BIN, LP_FIXTURES (else skipped), LP_SOURCE_ROOT, LP_CORPUS_LIST, GO,
LP_GOCACHE.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest

RUN = lptest.Runner(timeout=300, drop=("GITHUB_ACTIONS", "GODEBUG"))


def run(argv, **kw):
    return RUN.run(argv, **kw)


class Ctx:
    def __init__(self, tally, tmp):
        self.t = tally
        self.lp = lptest.lp_bin()
        self.go = lptest.go_bin()
        self.tmp = tmp
        self.src = os.path.join(lptest.source_root(), "tests", "fixtures", "src")
        gc = os.environ.get("LP_GOCACHE") or os.path.join(tmp, "gocache")
        self.goenv = RUN.env(GOCACHE=os.path.join(gc, "cache"), GOPATH=os.path.join(gc, "path"),
                             GOMODCACHE=os.path.join(gc, "path", "pkg", "mod"), GOPROXY="off",
                             GOFLAGS="-mod=mod", GOTOOLCHAIN="local", GOENV="off",
                             GOTELEMETRY="off", GOOS="linux", GOARCH="amd64")

    def build(self, prog, name, env=None, args=()):
        """Build prog into tmp/name; (path or None, combined output)."""
        out = os.path.join(self.tmp, name)
        e = dict(self.goenv)
        e.update(env or {})
        src = os.path.join(self.tmp, "src-" + prog)
        if not os.path.isdir(src):
            shutil.copytree(os.path.join(self.src, prog), src)
        rc, o, err = run([self.go, "build", "-buildvcs=false", "-o", out] + list(args) + ["."],
                         cwd=src, env=e)
        text = lptest.dec(o) + lptest.dec(err)
        if not self.t.check(rc == 0, name, "go build failed: %s" % text[-600:]):
            return None, text
        return out, text

    def inspect(self, path, *extra):
        rc, o, err = run([self.lp, "inspect", "--json"] + list(extra) + [path])
        j = lptest.load_json(lptest.dec(o))
        self.t.check(rc == 0 and isinstance(j, dict), path, "inspect --json exit %s: %s" % (
            rc, lptest.dec(err)[:300]))
        return j if isinstance(j, dict) else {}

    def text(self, path):
        rc, o, _ = run([self.lp, "inspect", "--color=never", path])
        return lptest.dec(o)

    def check(self, path, *args):
        rc, o, err = run([self.lp, "check", "--json"] + list(args) + [path])
        j = lptest.load_json(lptest.dec(o))
        return rc, j if isinstance(j, dict) else {}

    def nm(self, path):
        rc, o, _ = run([self.go, "tool", "nm", path])
        return {l.split()[-1] for l in lptest.dec(o).splitlines() if l.split()}

    def readelf_l(self, path):
        rc, o, _ = run(["readelf", "-lW", path])
        return lptest.dec(o)

    def readelf_d(self, path):
        rc, o, _ = run(["readelf", "-dW", path])
        return lptest.dec(o)


def note_ids(j):
    return [n.get("id") for n in j.get("findings") or []]


def first_check(j):
    try:
        return j["files"][0]["checks"][0]
    except (KeyError, IndexError, TypeError):
        return {}


def static_glibc(c):
    t = c.t
    for label, ld in (("static", '-linkmode external -extldflags "-static"'),
                      ("static-sw", '-s -w -linkmode external -extldflags "-static"')):
        name = "netapp-cgo1-" + label
        path, out = c.build("netapp", name, {"CGO_ENABLED": "1"}, ["-ldflags=" + ld])
        if not path:
            continue
        t.check("getaddrinfo" in out and "statically linked" in out, name,
                "oracle: the linker's warning about getaddrinfo is missing: %r" % out[-400:])
        t.check("INTERP" not in c.readelf_l(path), name, "oracle: readelf shows PT_INTERP")
        if label == "static":
            syms = c.nm(path)
            t.check({"getaddrinfo", "__libc_start_main"} <= syms, name,
                    "oracle: go tool nm lacks getaddrinfo/__libc_start_main")
        j = c.inspect(path)
        ids = note_ids(j)
        t.check("static-libc" in ids and "static-glibc-nss" in ids, name,
                "notes %r, want static-libc and static-glibc-nss" % ids)
        t.check("cgo-static" not in ids, name, "the note cgo-static claims nothing from libc "
                "was linked: %r" % ids)
        t.eq(name, "linkage.static_libc", "glibc", (j.get("linkage") or {}).get("static_libc"))
        t.eq(name, "go.cgo.linked", True, ((j.get("go") or {}).get("cgo") or {}).get("linked"))
        rc, cj = c.check(path, "--static")
        t.eq(name, "check --static exit", 0, rc)
        rc, cj = c.check(path, "--dynamic")
        t.eq(name, "check --dynamic exit", 1, rc)
        t.check("statically" in (first_check(cj).get("cause") or ""), name,
                "check --dynamic cause %r should name static linking" % first_check(cj).get("cause"))


def static_without_cgo(c):
    t = c.t
    path, _ = c.build("static1", "static1-cgo1", {"CGO_ENABLED": "1"})
    if not path:
        return
    syms = c.nm(path)
    t.check(not any(s.startswith("runtime/cgo") for s in syms) and "__libc_start_main" not in syms,
            path, "oracle: go tool nm shows cgo or libc in static1")
    ids = note_ids(c.inspect(path))
    t.check("cgo-static" in ids and "static-libc" not in ids, path,
            "notes %r, want cgo-static without static-libc" % ids)


def nocgo_pie(c):
    t = c.t
    pie, _ = c.build("app", "app-cgo0-pie", {"CGO_ENABLED": "0"}, ["-buildmode=pie"])
    exe, _ = c.build("app", "app-cgo0-exe", {"CGO_ENABLED": "0"})
    if not pie or not exe:
        return
    t.check("INTERP" in c.readelf_l(pie) and "NEEDED" not in c.readelf_d(pie), pie,
            "oracle: readelf should show PT_INTERP and no DT_NEEDED")
    if os.geteuid() == 0 and shutil.which("chroot"):
        root = os.path.join(c.tmp, "emptyroot")
        os.makedirs(root, exist_ok=True)
        for p in (pie, exe):
            shutil.copy(p, os.path.join(root, os.path.basename(p)))
        rc_pie, _, _ = run(["chroot", root, "/" + os.path.basename(pie)])
        rc_exe, o, _ = run(["chroot", root, "/" + os.path.basename(exe)])
        t.check(rc_pie != 0 and rc_exe == 0 and b"main.version" in o, pie,
                "oracle: in an empty root the PIE should not start (exit %s) and the exe should "
                "(exit %s)" % (rc_pie, rc_exe))
    else:
        print("note: not root: the empty-root start of the PIE is not tried")
    j = c.inspect(pie)
    t.check("pie-needs-loader" in note_ids(j), pie, "notes %r lack pie-needs-loader" % note_ids(j))
    t.check("pie-needs-loader" not in note_ids(c.inspect(exe)), exe, "exe has pie-needs-loader")
    rc, cj = c.check(pie, "--static")
    cause = first_check(cj).get("cause") or ""
    t.eq(pie, "check --static exit", 1, rc)
    t.check("-buildmode=pie" in cause and "CGO_ENABLED=1" not in cause, pie,
            "check --static blames %r" % cause)


def resolvers(c):
    t = c.t
    cases = [("netapp", "net-cgo0", {"CGO_ENABLED": "0"}, [], "go"),
             ("netapp", "net-cgo1", {"CGO_ENABLED": "1"}, [], "cgo"),
             ("netapp", "net-cgo1-netgo", {"CGO_ENABLED": "1"}, ["-tags", "netgo"], "go"),
             ("app", "app-noresolver", {"CGO_ENABLED": "0"}, [], "none"),
             ("netapp", "net-windows.exe", {"CGO_ENABLED": "0", "GOOS": "windows"}, [], "system")]
    for prog, name, env, args, want in cases:
        path, _ = c.build(prog, name, env, args)
        if not path:
            continue
        syms = c.nm(path)
        # the oracles: the program's own report where it runs, its symbols everywhere
        if env.get("GOOS") == "windows":
            t.check("syscall.GetAddrInfoW" in syms, name, "oracle: no syscall.GetAddrInfoW")
        elif prog == "app":
            t.check(not any(s.startswith("net.") for s in syms), name, "oracle: net is linked")
        else:
            e = RUN.env(GODEBUG="netdns=2")
            rc, o, err = run([path], env=e, timeout=60)
            report = lptest.dec(err)
            m = re.search(r"netGo = (true|false)", report)
            t.check(m is not None, name, "oracle: no GODEBUG=netdns=2 report: %r" % report[:300])
            if m:
                t.eq(name, "oracle: cgo resolver linked (netGo = false)", want == "cgo",
                     m.group(1) == "false")
            t.eq(name, "oracle: net._C2func_getaddrinfo in nm", want == "cgo",
                 any(s.startswith("net._C2func_getaddrinfo") for s in syms))
        j = c.inspect(path)
        g = j.get("go") or {}
        t.eq(name, "go.resolver", want, g.get("resolver"))
        t.check(isinstance(g.get("resolver_detail"), str) and g["resolver_detail"], name,
                "go.resolver_detail %r" % g.get("resolver_detail"))
        t.check(re.search(r"^  resolver +%s: " % want, c.text(path), re.M) is not None, name,
                "text has no 'resolver %s' line" % want)


def plugins(c):
    t = c.t
    for cgo, extra in (("0", []), ("1", []), ("0", ["-ldflags=-s -w"])):
        name = "pluginapp-cgo%s%s" % (cgo, "-sw" if extra else "")
        path, _ = c.build("pluginapp", name, {"CGO_ENABLED": cgo}, extra)
        if not path:
            continue
        rc, o, _ = run([path], timeout=60)
        out = lptest.dec(o)
        stub = out.strip() == "plugin.Open: plugin: not implemented"
        t.eq(name, "oracle: stub plugin (program output %r)" % out.strip(), cgo == "0", stub)
        ids = note_ids(c.inspect(path))
        t.eq(name, "note plugin-unusable", stub, "plugin-unusable" in ids)


def old_binaries(c):
    t = c.t
    entries = lptest.read_corpus(t) or []
    seen_old = seen_trim = 0
    for path, pkg in entries:
        j = c.inspect(path)
        g = j.get("go") or {}
        xv = j.get("x_vars") or {}
        settings = g.get("settings")
        if g and settings == [] and g.get("version"):
            # Go 1.17 and older: the record says nothing about -ldflags or stripping
            seen_old += 1
            ids = note_ids(j)
            t.check("stripped-after-build" not in ids and "dwarf-removed" not in ids, path,
                    "%s: %s claims stripping the record cannot show: %r" % (pkg, g["version"], ids))
            t.eq(path, "x_vars.record", "no-settings", xv.get("record"))
            t.check("no -ldflags were given" not in c.text(path), path,
                    "text says 'no -ldflags were given' for a %s build" % g["version"])
            rc, cj = c.check(path, "--all-x")
            t.eq(path, "check --all-x exit (%s)" % g["version"], 3, rc)
            t.eq(path, "check --all-x status", "undecided", first_check(cj).get("status"))
        if any(s.get("key") == "-trimpath" and s.get("value") == "true" for s in settings or []) \
                and pkg.startswith("debian:"):
            seen_trim += 1
            t.eq(path, "x_vars.record", "trimpath", xv.get("record"))
            rc, cj = c.check(path, "--var", "main.nosuch=debian")
            t.eq(path, "check --var main.nosuch=debian exit", 3, rc)
            rc, cj = c.check(path, "--all-x")
            t.eq(path, "check --all-x exit (trimpath)", 3, rc)
    if entries:
        t.check(seen_old >= 1, "corpus", "no Go <= 1.17 binary in the corpus")
        t.check(seen_trim >= 1, "corpus", "no Debian -trimpath binary in the corpus")


def bare_and_noldflags(c, fxdir):
    t = c.t
    rows = {r["name"]: r for r in lptest.fixture_rows(fxdir)}
    src = os.path.join(fxdir, "app-amd64-cgo0-exe-sw")
    if os.path.exists(src):
        with open(src, "rb") as f:
            data = f.read()
        bare = os.path.join(c.tmp, "bare")
        lptest.write_file(bare, lptest.zero_buildinfo_magic(data))
        rc, o, _ = run([c.go, "version", "-m", bare])
        t.check(b"not a Go executable" in o or rc != 0 or b"go1." not in o, bare,
                "oracle: go version -m still reads build info")
        j = c.inspect(bare)
        t.eq(bare, "x_vars.record", "no-buildinfo", (j.get("x_vars") or {}).get("record"))
        rc, cj = c.check(bare, "--all-x")
        t.eq(bare, "check --all-x exit", 3, rc)
        cause = first_check(cj).get("cause") or ""
        t.check("set no -X" not in cause, bare, "cause claims the build set no -X: %r" % cause)
    nold = os.path.join(fxdir, "app-amd64-cgo0-exe-noldflags")
    if "app-amd64-cgo0-exe-noldflags" in rows:
        rc, cj = c.check(nold, "--all-x")
        t.eq(nold, "check --all-x exit (Go 1.19, no -ldflags)", 1, rc)


def main(fxdir, tally):
    tmp = tempfile.mkdtemp(prefix="lp-notes-")
    try:
        c = Ctx(tally, tmp)
        static_glibc(c)
        static_without_cgo(c)
        nocgo_pie(c)
        resolvers(c)
        plugins(c)
        old_binaries(c)
        bare_and_noldflags(c, fxdir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tally.finish("oracle_notes")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
