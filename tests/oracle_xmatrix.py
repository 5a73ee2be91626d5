#!/usr/bin/env python3
"""The -X verdict matrix, judged by the program itself (issue 12's ground truth).

scripts/build-xmatrix.sh builds tests/fixtures/src/xprog with one set of -X flags
across GOOS (linux, darwin, windows), GOARCH (13 on linux), exe/PIE, internal,
external and static-external linking, and stripping (none, -s, -s -w, llvm-strip
after the build, -trimpath, -trimpath -s -w, two -ldflags flags). Each build is
described in $LP_XMATRIX/manifest.tsv.

Ground truth, per build and per -X target ("in effect": the program sees the
requested value at run time):
  * linux: the build itself is run (natively on amd64, under qemu-ARCH-static
    otherwise) and prints every variable it can reach; a target is in effect when
    the printed value is the requested one. Targets the program cannot print (a
    typo, a wrong case, a short import path, a const, a variable the linker
    dropped) are in effect only if `go tool nm` of the unstripped twin lists the
    string the linker makes for an applied -X (NAME.str): it never does.
  * darwin, windows (nothing here runs them): `go tool nm` of the unstripped twin
    says whether the linker applied the -X (NAME.str present), and the linux/amd64
    run of the same source and flags says whether init code overwrites it (the
    compiled Go semantics do not depend on GOOS). For amd64 `go tool objdump` of
    the init functions must agree: a store to a variable only where that run says
    the -X value is lost, or the variable is the conditional default (mCond).

Checks, for every build:
  * no false pass: linkproof's `injected` only for a target in effect; `check`
    `ok` only for an assertion that holds; and no false violation: `missing`,
    `not-injected`, `overwritten`, `different`, `empty` and `check` `fail` only
    where the truth says so. `unconfirmed` and `unverifiable` are honest answers,
    counted, and `check` reports them as undecided (exit status 3 when nothing is
    violated);
  * enough evidence is used: with the program's symbols every target but the
    conditional default is decided; without symbols but with the record, every
    target whose value no other -X shares is decided;
  * user assertions the record does not name (another variable's value, another
    variable's default, a flag lost to a second -ldflags) never pass;
  * `check --all-x` never passes (the flags include targets that do not exist);
  * unstripped ELF, Mach-O and PE: the address of a decided target is the one
    `go tool nm` gives.
The last lines give the matrix size and the counts (for the closing note), then
"N passed, M failed".

Environment: LP_BIN, LP_FIXTURES (else skipped), LP_XMATRIX (the build directory;
else skipped), GO.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest

P = "example.com/xprog/internal/ver"
# the variables the program prints (its own names for them)
PRINTED = ["main.mPlain", "main.mConst", "main.mCall", "main.mInit", "main.mCond", "main.mRead",
           "main.mDerived", "main.mOther", P + ".Plain", P + ".Const", P + ".Call", P + ".Init"]
CONDITIONAL = {"main.mCond"}  # read and written by init: a default, undecidable from code
VIOLATIONS = {"missing", "not-injected", "overwritten", "different", "empty"}
HONEST = {"unconfirmed", "unverifiable"}
QEMU = {"386": "i386", "arm64": "aarch64", "arm": "arm", "s390x": "s390x",
        "ppc64le": "ppc64le", "ppc64": "ppc64", "riscv64": "riscv64", "mips": "mips",
        "mipsle": "mipsel", "mips64": "mips64", "mips64le": "mips64el", "loong64": "loongarch64"}

# the loader of Debian's cross C libraries, for PIEs under qemu (their PT_INTERP is linked
# to it in a private root: Go 1.19's internal PIE on ppc64le asks for /lib64/ld64.so.1)
CROSS_LOADER = {"arm64": "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1",
                "ppc64le": "/usr/powerpc64le-linux-gnu/lib/ld64.so.2"}


def pt_interp(path):
    """The PT_INTERP string of an ELF file, or None."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    wide, le = data[4] == 2, data[5] == 1
    e = "<" if le else ">"
    if wide:
        phoff, = struct.unpack_from(e + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x36)
    else:
        phoff, = struct.unpack_from(e + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x2A)
    for i in range(phnum):
        o = phoff + i * phentsize
        ptype, = struct.unpack_from(e + "I", data, o)
        if ptype != 3:
            continue
        if wide:
            off, = struct.unpack_from(e + "Q", data, o + 8)
            size, = struct.unpack_from(e + "Q", data, o + 32)
        else:
            off, = struct.unpack_from(e + "I", data, o + 4)
            size, = struct.unpack_from(e + "I", data, o + 16)
        return data[off:off + size].rstrip(b"\0").decode("latin-1")
    return None

# assertions the record does not make, with the truth computed from the program's output
# (name, value, how truth is found)
USER = [("main.nosuch", "v2"),        # the value of another, real target
        ("main.mPlain", "unknown"),   # another variable's source default
        ("main.mOther", "unknown"),   # a source default no -X names: holds
        ("main.mOther", "lost")]      # lost to a later -ldflags flag (2ldflags rows)


def parse_targets(ldflags):
    """-X NAME=VALUE pairs of the last -ldflags flag (the one the go command applies)."""
    last = ldflags.split("|")[-1]
    out = collections.OrderedDict()
    words = last.split()
    for i, w in enumerate(words):
        if w == "-X" and i + 1 < len(words):
            n, _, v = words[i + 1].partition("=")
            out[n] = v
    return out


class Result:
    def __init__(self, t):
        self.returncode, self.stdout, self.stderr = t


class Matrix:
    def __init__(self, tally, lp, xmdir, go):
        self.t = tally
        self.lp = lp
        self.dir = xmdir
        self.go = go
        self.nm_cache = {}
        self.counts = collections.Counter()
        self.runner = lptest.Runner(timeout=120)
        self.tmp = tempfile.mkdtemp(prefix="lp-xmatrix-")

    def run(self, argv, timeout=None):
        return Result(self.runner.run(argv, timeout=timeout))

    def bin(self, name):
        return os.path.join(self.dir, "bin", name)

    def nm(self, name):
        """{symbol: address} of a build, from `go tool nm`."""
        if name not in self.nm_cache:
            r = self.run([self.go, "tool", "nm", self.bin(name)])
            syms = {}
            for line in lptest.dec(r.stdout).splitlines():
                f = line.split()
                if len(f) >= 3:
                    syms[f[-1]] = int(f[0], 16) if re.fullmatch(r"[0-9a-f]+", f[0]) else None
            self.nm_cache[name] = syms
        return self.nm_cache[name]

    def execute(self, row):
        """{variable: printed value}, or None when the build cannot be run here."""
        path = self.bin(row["name"])
        cmds = []
        if row["goarch"] == "amd64":
            cmds.append([path])
        if row["goarch"] == "386":
            cmds.append([path])
        q = QEMU.get(row["goarch"])
        if q and shutil.which("qemu-%s-static" % q):
            pre = []
            interp = pt_interp(path)
            loader = CROSS_LOADER.get(row["goarch"])
            if interp and loader and os.path.exists(loader):
                root = os.path.join(self.tmp, row["goarch"])
                link = os.path.join(root, interp.lstrip("/"))
                if not os.path.lexists(link):
                    os.makedirs(os.path.dirname(link), exist_ok=True)
                    os.symlink(loader, link)
                pre = ["-L", root]
            cmds.append(["qemu-%s-static" % q] + pre + [path])
        for argv in cmds:
            r = self.run(argv, timeout=60)
            if r.returncode == 0:
                vals = {}
                for line in lptest.dec(r.stdout).splitlines():
                    k, _, v = line.partition("=")
                    vals[k] = v
                return vals
        return None

    def objdump_stores(self, name):
        """Variables an init function stores into (amd64/386 Go assembler syntax)."""
        r = self.run([self.go, "tool", "objdump", "-s", r"\.init", self.bin(name)])
        stores = set()
        for line in lptest.dec(r.stdout).splitlines():
            m = re.search(r"\t(MOV[A-Z]*)\s+(.*?)\s*$", line)
            if not m or "," not in m.group(2):
                continue
            dst = m.group(2).rsplit(",", 1)[1].strip()
            d = re.match(r"([\w./]+?)(\+\d+)?\(SB\)$", dst)
            if d:
                stores.add(d.group(1))
        return stores


def main(fxdir, tally):
    xmdir = os.environ.get("LP_XMATRIX")
    if not xmdir or not os.path.exists(os.path.join(xmdir, "manifest.tsv")):
        print("LP_XMATRIX is not set or not built: skipped")
        return lptest.SKIP
    lp = lptest.lp_bin()
    go = lptest.go_bin()
    m = Matrix(tally, lp, xmdir, go)
    rows = lptest.read_tsv(os.path.join(xmdir, "manifest.tsv"))
    by_name = {r["name"]: r for r in rows}
    ref_name = "linux-amd64-exe-internal-none"
    if not tally.check(ref_name in by_name, "reference build", "%s missing" % ref_name):
        return tally.abort()
    ref_vals = m.execute(by_name[ref_name])
    if not tally.check(ref_vals is not None, "reference run", "%s did not run" % ref_name):
        return tally.abort()
    ref_targets = parse_targets(by_name[ref_name]["ldflags"])

    ran = skipped_run = 0
    for row in rows:
        name = row["name"]
        what = name
        targets = parse_targets(row["ldflags"])
        twin = row["twin"]
        twin_nm = m.nm(twin)
        stripped_like = row["strip"] in ("s", "sw", "strip", "trimsw")
        if row["goos"] == "linux":
            vals = m.execute(row)
            if vals is None:
                skipped_run += 1
                tally.fail(what, "cannot run it (qemu-%s-static, and for a PIE its loader from "
                                 "Debian's cross C library, are installed by scripts/install-deps)"
                           % QEMU.get(row["goarch"]))
                continue
            ran += 1
        else:
            # truth from nm (was the -X applied?) and the reference run (does init overwrite?)
            vals = {}
            for v in PRINTED:
                if v in targets and (v + ".str") in twin_nm and ref_vals.get(v) == ref_targets.get(v):
                    vals[v] = targets[v]
                else:
                    vals[v] = ref_vals.get(v) if v not in targets else "<not in effect>"
            if row["goarch"] in ("amd64", "386") and row["strip"] == "none":
                stores = m.objdump_stores(name)
                for v in PRINTED:
                    if v not in ref_targets:
                        continue
                    lost = ref_vals.get(v) != ref_targets[v]
                    tally.check(v not in stores or lost or v in CONDITIONAL, what,
                                "objdump: init stores into %s, yet the -X value survives" % v)
                tally.check(bool(stores & {"main.mCall", "main.mInit"}), what,
                            "objdump shows no init store into main.mCall or main.mInit")

        def truth(var, want):
            if var in vals:
                return vals[var] == want
            # not printable: in effect only if the linker applied it
            applied = (var + ".str") in twin_nm
            tally.check(not applied, what, "%s.str exists but the program cannot print it" % var)
            return applied

        user = [(n, v) for n, v in USER]
        argv = [lp, "inspect", "--json"]
        for n, v in user:
            argv += ["--var", "%s=%s" % (n, v)]
        r = m.run(argv + [m.bin(name)])
        doc = lptest.load_json(lptest.dec(r.stdout))
        if not tally.check(r.returncode == 0 and isinstance(doc, dict), what,
                           "inspect exit %s: %s" % (r.returncode, lptest.dec(r.stderr)[:300])):
            continue
        xv = doc.get("x_vars") or {}
        results = xv.get("targets") or []
        has_syms = bool(xv.get("symbols"))
        record = xv.get("record")
        # every recorded target, then the user ones, in order
        expect_names = list(targets.keys()) if record == "known" else []
        got_names = [x["name"] for x in results if x["source"] == "ldflags"]
        tally.eq(what, "recorded targets", expect_names, got_names)
        k_by_value = collections.Counter(targets.values())
        for x in results:
            n = x["name"]
            want = x["requested"]
            t = truth(n, want)
            verdict = x["verdict"]
            m.counts["verdicts"] += 1
            if verdict == "injected":
                m.counts["injected"] += 1
                tally.check(t, what, "false injected: %s=%s (%s)" % (n, want, x.get("detail")))
            elif verdict in VIOLATIONS:
                m.counts["violated"] += 1
                tally.check(not t, what, "false %s: %s=%s is in effect (%s)" % (
                    verdict, n, want, x.get("detail")))
            elif verdict in HONEST:
                m.counts[verdict] += 1
            else:
                tally.fail(what, "unknown verdict %r for %s" % (verdict, n))
            tally.check(x.get("confidence") in ("high", "medium", "low"), what,
                        "%s: confidence %r" % (n, x.get("confidence")))
            # enough evidence used
            if x["source"] == "ldflags" and verdict in HONEST and n not in CONDITIONAL:
                unique = k_by_value[want] == 1
                if has_syms:
                    tally.fail(what, "with symbols, %s=%s is only %s: %s" % (
                        n, want, verdict, x.get("detail")))
                elif record == "known" and unique:
                    tally.fail(what, "with the record, %s=%s (a value no other -X has) is only "
                                     "%s: %s" % (n, want, verdict, x.get("detail")))
            # addresses against nm where the program's symbols are in the file
            if has_syms and verdict in ("injected", "overwritten", "different") and x.get("address"):
                sym = m.nm(name).get(n)
                tally.check(sym is None or sym == int(x["address"], 16) if isinstance(x["address"], str)
                            else sym == x["address"], what,
                            "%s address %r, go tool nm says %r" % (n, x["address"], sym))
        # user assertions the record does not make: never a pass unless true
        for n, v in user:
            if (n, v) == ("main.mOther", "unknown"):
                continue
            t = truth(n, v)
            tally.check(not t, what, "oracle: user target %s=%s unexpectedly true" % (n, v))

        # check: every recorded target and the user ones in one run
        argv = [lp, "check", "--json"]
        asserted = list(targets.items()) + user
        for n, v in asserted:
            argv += ["--var", "%s=%s" % (n, v)]
        argv.append(m.bin(name))
        r = m.run(argv)
        doc = lptest.load_json(lptest.dec(r.stdout))
        if not tally.check(isinstance(doc, dict) and doc.get("files"), what,
                           "check --json: %s" % lptest.dec(r.stderr)[:300]):
            continue
        checks = doc["files"][0]["checks"]
        tally.eq(what, "check results", len(asserted), len(checks))
        statuses = []
        for (n, v), c in zip(asserted, checks):
            st = c.get("status")
            statuses.append(st)
            t = truth(n, v)
            m.counts["check " + str(st)] += 1
            if st == "ok":
                tally.check(t, what, "check passes %s=%s, which is not in effect" % (n, v))
            elif st == "fail":
                tally.check(not t, what, "check fails %s=%s, which is in effect (%s)" % (
                    n, v, c.get("found")))
            else:
                tally.check(st == "undecided", what, "check status %r" % st)
            tally.check(c.get("confidence") in ("high", "medium", "low"), what,
                        "check confidence %r" % c.get("confidence"))
            tally.check(c.get("ok") == (st == "ok"), what, "check ok/status disagree")
        want_rc = 1 if "fail" in statuses else 3 if "undecided" in statuses else 0
        tally.eq(what, "check exit status", want_rc, r.returncode)
        # --all-x: the flags include targets that never take effect
        r = m.run([lp, "check", "--all-x", m.bin(name)])
        tally.check(r.returncode in (1, 3), what, "check --all-x exit %s" % r.returncode)
        if row["strip"] in ("none", "s", "sw", "strip") and not stripped_like:
            tally.eq(what, "check --all-x", 1, r.returncode)

    total = len(rows)
    print("matrix: %d builds (%d run, %d not run); %d verdicts: %d injected, %d violated, "
          "%d unconfirmed, %d unverifiable; check: %d ok, %d fail, %d undecided" % (
              total, ran, skipped_run, m.counts["verdicts"], m.counts["injected"],
              m.counts["violated"], m.counts["unconfirmed"], m.counts["unverifiable"],
              m.counts["check ok"], m.counts["check fail"], m.counts["check undecided"]))
    shutil.rmtree(m.tmp, ignore_errors=True)
    return tally.finish("oracle_xmatrix")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
