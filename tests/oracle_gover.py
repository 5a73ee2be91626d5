#!/usr/bin/env python3
"""Differential test: `linkproof buildinfo ARGS` against `go version -m ARGS`.

Both must agree byte for byte on stdout, on stderr and on the exit status.

Inputs: every fixture in $LP_FIXTURES (fixtures.tsv names them), every ELF, PE
and Mach-O binary listed in $LP_CORPUS_LIST (universal Mach-O files are skipped and
counted), a few host files, and files made up in a temporary directory: an
empty file, a script with +x, a non-executable copy of a fixture, symlinks,
truncated fixtures, a fixture with its build-info magic zeroed, a missing path,
and directories (walked recursively by both tools).

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES
(required, else exit 77), LP_CORPUS_LIST (optional), LP_REQUIRE_CORPUS=1
(a missing or empty corpus list is then a failure), GO (default: `go` on PATH,
else /usr/bin/go).

Exit 0 when every check passed, 1 otherwise; the last line is "N passed, M failed".
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ELF_MAGIC = b"\x7fELF"
BUILDINFO_MAGIC = b"\xff Go buildinf:"
TIMEOUT = 120


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self):
        self.passed += 1

    def fail(self, what, detail):
        self.failed += 1
        print("FAIL %s: %s" % (what, detail), flush=True)

    def check(self, cond, what, detail):
        if cond:
            self.ok()
        else:
            self.fail(what, detail)
        return cond


def env_c():
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env.pop("NO_COLOR", None)
    return env


def run(argv, cwd=None):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, env=env_c(), cwd=cwd, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""
    except OSError as e:
        return "oserror", b"", str(e).encode()


def first_bytes(path, n=4):
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def first_diff(a, b):
    """Describe where two byte strings first differ, line by line."""
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else None
        y = lb[i] if i < len(lb) else None
        if x != y:
            return "line %d: go=%r linkproof=%r" % (i + 1, x, y)
    return "identical lines"


def without_section_headers(data):
    """data with e_shoff, e_shnum and e_shstrndx zeroed."""
    d = bytearray(data)
    e = ">" if d[5] == 2 else "<"
    if d[4] == 2:
        struct.pack_into(e + "Q", d, 0x28, 0)
        struct.pack_into(e + "HHH", d, 0x3a, 0, 0, 0)
    else:
        struct.pack_into(e + "I", d, 0x20, 0)
        struct.pack_into(e + "HHH", d, 0x2e, 0, 0, 0)
    return bytes(d)


def is_unsupported_object(path):
    """Universal (fat) Mach-O files: not read by linkproof yet (ELF, PE and Mach-O are)."""
    return first_bytes(path, 4) == b"\xca\xfe\xba\xbe"


def drop_unsupported(out, cwd):
    """Remove from go's stdout the blocks of PE/Mach-O files met while walking a directory."""
    keep, dropping, dropped = [], False, 0
    for line in out.split(b"\n"):
        if line and not line.startswith(b"\t"):
            cut = line.rfind(b": ")
            path = os.fsdecode(line[:cut]) if cut > 0 else ""
            dropping = bool(path) and is_unsupported_object(os.path.join(cwd or ".", path))
            dropped += dropping
        if not dropping:
            keep.append(line)
    if dropped:
        print("note: %d universal Mach-O files skipped in go's output" % dropped, flush=True)
    return b"\n".join(keep)


def read_fixtures(fxdir):
    rows = []
    with open(os.path.join(fxdir, "fixtures.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            rows.append(dict(zip(header, line.split("\t"))))
    return rows


def read_corpus(tally):
    """Returns (list of ELF paths, number skipped as non-ELF)."""
    lst = os.environ.get("LP_CORPUS_LIST", "")
    require = os.environ.get("LP_REQUIRE_CORPUS", "") == "1"
    entries = []
    if lst and os.path.isfile(lst):
        with open(lst, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                path, _, pkg = line.rpartition(" ")
                if not path:
                    path, pkg = line, "?"
                entries.append((path, pkg))
    if not entries:
        msg = "corpus list %r is missing or empty" % lst
        if require:
            tally.fail("corpus", msg + " and LP_REQUIRE_CORPUS=1")
        else:
            print("note: %s; corpus part skipped" % msg, flush=True)
        return [], 0
    elves, skipped = [], 0
    for path, pkg in entries:
        if not os.path.isfile(path):
            if require:
                tally.fail(path, "corpus file (%s) does not exist" % pkg)
            else:
                print("note: corpus file %s (%s) does not exist; skipped" % (path, pkg))
            continue
        if is_unsupported_object(path):
            skipped += 1
            continue
        elves.append(path)
    print("note: corpus: %d ELF/PE/Mach-O files, %d universal Mach-O files skipped"
          % (len(elves), skipped), flush=True)
    return elves, skipped


def host_libc():
    try:
        out = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30).stdout.decode("utf-8", "replace")
        cands = []
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("libc.so.6 ") and "=>" in line:
                cands.append((line.split("=>", 1)[1].strip(), line))
        for path, line in cands:
            if "x86-64" in line or "AArch64" in line or "64bit" in line:
                if os.path.exists(path):
                    return path
        for path, _ in cands:
            if os.path.exists(path):
                return path
    except (OSError, subprocess.SubprocessError):
        pass
    for p in ("/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
              "/lib64/libc.so.6", "/usr/lib/libc.so.6"):
        if os.path.exists(p):
            return p
    return None


def main():
    fxdir = os.environ.get("LP_FIXTURES")
    if not fxdir:
        print("LP_FIXTURES is not set: skipped")
        return 77
    lp = os.environ.get("LP_BIN", "/work/main/build/linkproof")
    go = os.environ.get("GO") or shutil.which("go") or "/usr/bin/go"
    tally = Tally()
    t0 = time.time()

    if not os.path.isfile(os.path.join(fxdir, "fixtures.tsv")):
        tally.fail(fxdir, "fixtures.tsv not found")
        print("%d passed, %d failed" % (tally.passed, tally.failed))
        return 1
    fixtures = [os.path.join(fxdir, r["name"]) for r in read_fixtures(fxdir)]
    for p in fixtures:
        tally.check(os.path.isfile(p), p, "fixture listed in fixtures.tsv does not exist")
    fixtures = [p for p in fixtures if os.path.isfile(p)]
    corpus, _ = read_corpus(tally)

    def compare(args, cwd=None, label=None):
        label = label or " ".join(args)
        grc, gout, gerr = run([go, "version", "-m"] + args, cwd=cwd)
        gout = drop_unsupported(gout, cwd)
        lrc, lout, lerr = run([lp, "buildinfo"] + args, cwd=cwd)
        tally.check(lrc == grc, label, "exit status: go version -m=%s linkproof=%s" % (grc, lrc))
        tally.check(lout == gout, label, "stdout differs (%s)" % first_diff(gout, lout))
        tally.check(lerr == gerr, label, "stderr differs (%s)" % first_diff(gerr, lerr))

    with tempfile.TemporaryDirectory(prefix="lp-gover-") as tmp:
        fx0 = next((p for p in fixtures if "amd64-cgo0-exe" in os.path.basename(p)),
                   fixtures[0] if fixtures else None)
        extra = []

        def mk(name, data, mode):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, mode)
            extra.append(p)
            return p

        empty = mk("empty", b"", 0o644)
        mk("empty-x", b"", 0o755)
        mk("script.sh", b"#!/bin/sh\necho hello\n", 0o755)
        mk("text.txt", b"just some text\n", 0o644)
        mk("elf-magic-only", ELF_MAGIC, 0o755)
        mk("elf-ident-only", ELF_MAGIC + b"\x02\x01\x01" + b"\0" * 9, 0o755)
        if fx0:
            with open(fx0, "rb") as f:
                data = f.read()
            mk("fixture-noexec", data, 0o644)
            mk("fixture-copy-x", data, 0o755)
            mk("truncated-3000", data[:3000], 0o755)
            mk("truncated-100", data[:100], 0o755)
            # no section headers: Go then looks for build info in the first writable segment
            for n in ("app-amd64-cgo1-pie", "app-386-cgo0-exe", "app-s390x-cgo0-exe"):
                q = os.path.join(fxdir, n)
                if os.path.isfile(q):
                    with open(q, "rb") as f:
                        mk("noshdr-" + n, without_section_headers(f.read()), 0o755)
            i = data.find(BUILDINFO_MAGIC)
            if i >= 0:
                mk("magic-zeroed", data[:i] + b"\0" * len(BUILDINFO_MAGIC)
                   + data[i + len(BUILDINFO_MAGIC):], 0o755)
            link = os.path.join(tmp, "fixture-link")
            os.symlink(fx0, link)
            extra.append(link)
            rel = os.path.join(tmp, "fixture-rellink")
            os.symlink(os.path.relpath(fx0, tmp), rel)
            extra.append(rel)
        broken = os.path.join(tmp, "broken-link")
        os.symlink(os.path.join(tmp, "does-not-exist"), broken)
        extra.append(broken)
        dirlink = os.path.join(tmp, "dir-link")
        os.symlink(fxdir, dirlink)
        sub = os.path.join(tmp, "sub", "deeper")
        os.makedirs(sub)
        if fx0:
            shutil.copy(fx0, os.path.join(sub, "nested-fixture"))
        with open(os.path.join(tmp, "sub", "notes.txt"), "w") as f:
            f.write("x\n")
        missing = os.path.join(tmp, "no-such-file")
        fifo = os.path.join(tmp, "sub", "fifo")
        os.mkfifo(fifo, 0o644)  # walked: skipped unopened; named: "not executable file"
        extra.append(fifo)

        host = []
        for p in ("/usr/bin/ls", "/bin/ls", "/usr/bin/true", "/bin/true"):
            if os.path.isfile(p):
                host.append(p)
                break
        libc = host_libc()
        if libc:
            host.append(libc)
        if os.path.exists("/etc/passwd"):
            host.append("/etc/passwd")

        # one invocation per file
        for p in fixtures + corpus + host + extra + [missing]:
            compare([p])
        if fx0:
            compare([fx0 + "/"], label="file named with a trailing slash: " + fx0 + "/")
        # directories, walked recursively; several spellings of the same root
        compare([fxdir])
        compare([fxdir.rstrip("/") + "/"])
        compare([tmp])
        compare([dirlink], label="symlink to a directory: " + dirlink)
        compare([dirlink + "/"], label="symlink to a directory, trailing slash: " + dirlink + "/")
        parent, base = os.path.split(os.path.abspath(fxdir).rstrip("/"))
        compare([base], cwd=parent, label="relative dir %s (cwd %s)" % (base, parent))
        compare(["./" + base + "/"], cwd=parent, label="relative dir ./%s/ (cwd %s)" % (base, parent))
        if fx0:
            compare(["./" + base + "//" + os.path.basename(fx0)], cwd=parent,
                    label="unclean relative file path (cwd %s)" % parent)
        # the directories holding the corpus files (package.json, READMEs, ... around them)
        for d in sorted({os.path.dirname(os.path.dirname(p)) for p in corpus}):
            compare([d], label="corpus directory " + d)
        # the Go toolchain's own tools: real Go executables with module info
        grc, gtd, _ = run([go, "env", "GOTOOLDIR"])
        gtd = gtd.decode("utf-8", "replace").strip()
        if grc == 0 and gtd and os.path.isdir(gtd):
            compare([gtd], label="GOTOOLDIR " + gtd)
        # several files in one invocation
        compare(fixtures, label="all fixtures in one invocation")
        if corpus:
            compare(corpus, label="all ELF corpus files in one invocation")
        mixed = fixtures[:2] + host + [empty, missing, fxdir, tmp] + fixtures[-2:] + [missing]
        compare(mixed, label="mixed invocation: " + " ".join(mixed))
        compare(extra + [missing], label="all made-up files in one invocation")

    print("oracle_gover: %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
