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
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402

TIMEOUT = 120
run = lptest.Runner(TIMEOUT, drop=("NO_COLOR",)).run


def first_diff(a, b):
    """Describe where two byte strings first differ, line by line."""
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else None
        y = lb[i] if i < len(lb) else None
        if x != y:
            return "line %d: go=%r linkproof=%r" % (i + 1, x, y)
    return "identical lines"


def is_unsupported_object(path):
    """Universal (fat) Mach-O files: not read by linkproof yet (ELF, PE and Mach-O are)."""
    return lptest.first_bytes(path, 4) == b"\xca\xfe\xba\xbe"


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


def main(fxdir, tally):
    lp = lptest.lp_bin()
    go = lptest.go_bin()

    if not os.path.isfile(os.path.join(fxdir, "fixtures.tsv")):
        tally.fail(fxdir, "fixtures.tsv not found")
        return tally.abort()
    fixtures = [r["path"] for r in lptest.existing(tally, lptest.fixture_rows(fxdir),
                                                   "fixture listed in fixtures.tsv does not exist")]
    corpus = lptest.corpus_paths(tally, lambda p: not is_unsupported_object(p),
                                 "ELF/PE/Mach-O files", "universal Mach-O files")

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
            p = lptest.write_file(os.path.join(tmp, name), data, mode)
            extra.append(p)
            return p

        empty = mk("empty", b"", 0o644)
        mk("empty-x", b"", 0o755)
        mk("script.sh", b"#!/bin/sh\necho hello\n", 0o755)
        mk("text.txt", b"just some text\n", 0o644)
        mk("elf-magic-only", lptest.ELF_MAGIC, 0o755)
        mk("elf-ident-only", lptest.ELF_MAGIC + b"\x02\x01\x01" + b"\0" * 9, 0o755)
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
                        mk("noshdr-" + n, lptest.without_section_headers(f.read()), 0o755)
            zeroed = lptest.zero_buildinfo_magic(data)
            if zeroed is not None:
                mk("magic-zeroed", zeroed, 0o755)
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
        libc = lptest.host_libc()
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

    return tally.finish("oracle_gover")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
