#!/usr/bin/env python3
"""CLI behaviour of linkproof: help, usage errors, exit statuses, stderr wording,
the JSON line shape, colour on and off a terminal, and damaged inputs.

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES (required,
else exit 77), GO (default `go` on PATH, else /usr/bin/go).
The last line is "N passed, M failed".
"""

import errno
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402

ESC = b"\x1b"
TIMEOUT = 60
RUNNER = lptest.Runner(TIMEOUT, drop=("NO_COLOR", "CLICOLOR_FORCE"))
run, base_env = RUNNER.run, RUNNER.env


def run_pty(argv, env=None):
    """Run with stdout on a pseudo-terminal; returns (status, tty output, stderr)."""
    master, slave = os.openpty()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=subprocess.PIPE, env=env or base_env(), close_fds=True)
    except OSError as e:
        os.close(master)
        return "oserror", b"", str(e).encode()
    finally:
        os.close(slave)
    out = bytearray()
    deadline = time.time() + TIMEOUT
    try:
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if master in r:
                try:
                    chunk = os.read(master, 65536)
                except OSError as e:
                    if e.errno == errno.EIO:  # the slave side is closed: the child is done
                        break
                    raise
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                # drain what is left
                try:
                    while True:
                        r, _, _ = select.select([master], [], [], 0.1)
                        if master not in r:
                            break
                        chunk = os.read(master, 65536)
                        if not chunk:
                            break
                        out += chunk
                except OSError:
                    pass
                break
    finally:
        os.close(master)
    try:
        err = p.stderr.read()
        rc = p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        rc, err = "timeout", b""
    return rc, bytes(out), err


def main(fxdir, t):
    lp = lptest.lp_bin()
    go = lptest.go_bin()

    # a Go fixture to work with
    fx = None
    try:
        names = [r["name"] for r in lptest.read_tsv(os.path.join(fxdir, "fixtures.tsv"))]
    except OSError:
        names = []
    for pref in ("app-amd64-cgo0-exe", "app-amd64-cgo1-pie"):
        if pref in names:
            fx = os.path.join(fxdir, pref)
            break
    if fx is None and names:
        fx = os.path.join(fxdir, names[0])
    if not t.check(fx is not None and os.path.isfile(fx), fxdir, "no fixture found via fixtures.tsv"):
        return t.abort()

    # ---------------------------------------------------------------- help
    rc, out, err = run([lp, "--help"])
    t.check(rc == 0, "--help", "exit %s, want 0" % rc)
    text = out.decode("utf-8", "replace")
    m = re.search(r"exit status", text, re.I)
    t.check(m is not None, "--help", "does not mention 'exit status': %r" % text[:300])
    if m:
        tail = text[m.end():]
        for d in "012":
            t.check(re.search(r"(?m)^\s*%s\b" % d, tail) is not None, "--help",
                    "exit status %s is not described after 'exit status'" % d)
    for cmd in ("inspect", "buildinfo"):
        rc, out, err = run([lp, "help", cmd])
        t.check(rc == 0, "help " + cmd, "exit %s, want 0 (stderr %r)" % (rc, err[:200]))
        t.check(b"usage" in out.lower() and cmd.encode() in out, "help " + cmd,
                "stdout does not look like the help of %s: %r" % (cmd, out[:200]))

    # ---------------------------------------------------------------- usage errors
    rc, out, err = run([lp, "no-such-command"])
    lines = lptest.stderr_lines(err)
    t.check(rc == 2, "unknown command", "exit %s, want 2" % rc)
    t.check(len(lines) == 1 and lines[0].startswith("linkproof: "), "unknown command",
            "want one stderr line starting 'linkproof: ', got %r" % lines)
    t.check(out == b"", "unknown command", "stdout should be empty, is %r" % out[:200])

    rc, out, err = run([lp, "inspect"])
    t.check(rc == 2, "inspect (no files)", "exit %s, want 2" % rc)
    t.check(err.startswith(b"linkproof: "), "inspect (no files)",
            "stderr should start with 'linkproof: ', is %r" % err[:200])

    rc, out, err = run([lp, "inspect", "--color=sometimes", fx])
    t.check(rc == 2, "inspect --color=sometimes", "exit %s, want 2" % rc)

    with tempfile.TemporaryDirectory(prefix="lp-cli-") as tmp:
        # ------------------------------------------------------------ unreadable inputs
        rc, out, err = run([lp, "inspect", tmp])
        lines = lptest.stderr_lines(err)
        t.check(rc == 2, "inspect DIR", "exit %s, want 2" % rc)
        t.check(len(lines) == 1 and lines[0].startswith("linkproof: ") and ("'%s'" % tmp) in lines[0],
                "inspect DIR", "want one stderr line 'linkproof: ...' naming '%s', got %r"
                % (tmp, lines))

        missing = os.path.join(tmp, "no-such-file")
        rc, out, err = run([lp, "inspect", missing])
        lines = lptest.stderr_lines(err)
        t.check(rc == 2, "inspect MISSING", "exit %s, want 2" % rc)
        t.check(len(lines) == 1 and lines[0].startswith("linkproof: ")
                and ("'%s'" % missing) in lines[0], "inspect MISSING",
                "want one stderr line naming '%s', got %r" % (missing, lines))

        # ------------------------------------------------------------ non-Go files
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        inputs = [("/etc/passwd", True), (lptest.host_libc(), True), (empty, False)]
        for path, want_not_go in inputs:
            if not path or not os.path.exists(path):
                print("note: %r not found; skipped" % path)
                continue
            rc, out, err = run([lp, "inspect", path])
            t.check(rc == 0, "inspect " + path, "exit %s, want 0 (stderr %r)" % (rc, err[:200]))
            t.check(err == b"", "inspect " + path, "stderr should be empty, is %r" % err[:200])
            if want_not_go:
                t.check(b"not a Go binary" in out, "inspect " + path,
                        "stdout does not say 'not a Go binary': %r" % out[:300])
            rc, out, err = run([lp, "inspect", "--json", path])
            j = lptest.load_json(out)
            t.check(rc == 0 and isinstance(j, dict) and j.get("go") is None and j.get("error") is None,
                    "inspect --json " + path, "want exit 0, go null, error null; got exit %s, %r"
                    % (rc, out[:300]))

        # ------------------------------------------------------------ several files, JSON
        files = [fx, "/etc/passwd", tmp, empty, missing, fx]
        rc, out, err = run([lp, "inspect", "--json"] + files)
        label = "inspect --json (%d files, one a directory)" % len(files)
        t.check(rc == 2, label, "exit %s, want 2" % rc)
        jl = out.decode("utf-8", "replace").split("\n")
        t.check(jl and jl[-1] == "", label, "output does not end with a newline")
        jl = [l for l in jl if l != ""]
        t.check(len(jl) == len(files), label, "want %d lines, got %d" % (len(files), len(jl)))
        lines = lptest.stderr_lines(err)
        t.check(len(lines) == 2 and all(l.startswith("linkproof: ") for l in lines), label,
                "want two stderr lines (directory, missing file), got %r" % lines)
        for i, line in enumerate(jl):
            try:
                j = json.loads(line)
            except ValueError as e:
                t.check(False, label, "line %d is not JSON (%s): %r" % (i + 1, e, line[:200]))
                continue
            t.check(isinstance(j, dict), label, "line %d is not an object" % (i + 1))
            if not isinstance(j, dict):
                continue
            missing_keys = [k for k in lptest.JSON_KEYS if k not in j]
            t.check(not missing_keys, label, "line %d lacks keys %s" % (i + 1, missing_keys))
            if i < len(files):
                t.check(j.get("path") == files[i], label, "line %d: path %r, want %r"
                        % (i + 1, j.get("path"), files[i]))
            if isinstance(j.get("go"), dict):
                mk = [k for k in lptest.GO_KEYS if k not in j["go"]]
                t.check(not mk, label, "line %d: go lacks keys %s" % (i + 1, mk))
            if isinstance(j.get("linkage"), dict):
                mk = [k for k in lptest.LINKAGE_KEYS if k not in j["linkage"]]
                t.check(not mk, label, "line %d: linkage lacks keys %s" % (i + 1, mk))
            if isinstance(j.get("error"), dict):
                mk = [k for k in lptest.ERROR_KEYS if k not in j["error"]]
                t.check(not mk, label, "line %d: error lacks keys %s" % (i + 1, mk))
            bad = files[i] in (tmp, missing) if i < len(files) else False
            t.check((j.get("error") is not None) == bad, label,
                    "line %d (%s): error is %r" % (i + 1, files[i] if i < len(files) else "?",
                                                  j.get("error")))
            if files[i] == fx:
                t.check(isinstance(j.get("go"), dict) and j.get("format") == "elf"
                        and isinstance(j.get("linkage"), dict), label,
                        "line %d (fixture): want format elf, go and linkage objects" % (i + 1))
        rc, out, err = run([lp, "inspect", "--json", fx, "/etc/passwd", empty])
        t.check(rc == 0 and len(out.splitlines()) == 3, "inspect --json (3 readable files)",
                "want exit 0 and 3 lines, got exit %s and %d lines" % (rc, len(out.splitlines())))

        # ------------------------------------------------------------ colour
        rc, out, err = run([lp, "inspect", fx])
        t.check(rc == 0 and ESC not in out and ESC not in err, "colour: stdout a pipe",
                "exit %s; ESC in output: %s" % (rc, ESC in out or ESC in err))
        rc, out, err = run([lp, "inspect", "--color=auto", fx])
        t.check(ESC not in out, "colour: --color=auto, stdout a pipe", "ESC in output")
        rc, out, err = run([lp, "inspect", "--color=always", fx])
        t.check(rc == 0 and ESC in out, "colour: --color=always, stdout a pipe",
                "exit %s; no ESC in output" % rc)
        rc, out, err = run([lp, "inspect", "--color=never", fx])
        t.check(ESC not in out, "colour: --color=never", "ESC in output")
        rc, out, err = run_pty([lp, "inspect", fx])
        t.check(rc == 0 and ESC in out, "colour: pty, no NO_COLOR",
                "exit %s; no ESC in output %r" % (rc, out[:200]))
        rc, out, err = run_pty([lp, "inspect", "--color=auto", fx])
        t.check(rc == 0 and ESC in out, "colour: pty, --color=auto, no NO_COLOR",
                "exit %s; no ESC in output" % rc)
        rc, out, err = run_pty([lp, "inspect", "--color=auto", fx], env=base_env(NO_COLOR="1"))
        t.check(rc == 0 and ESC not in out and b"go1." in out, "colour: pty, --color=auto, NO_COLOR=1",
                "exit %s; ESC in output: %s" % (rc, ESC in out))
        rc, out, err = run_pty([lp, "inspect", fx], env=base_env(NO_COLOR="1"))
        t.check(rc == 0 and ESC not in out, "colour: pty, NO_COLOR=1",
                "exit %s; ESC in output: %s" % (rc, ESC in out))
        rc, out, err = run_pty([lp, "inspect", "--color=never", fx])
        t.check(rc == 0 and ESC not in out, "colour: pty, --color=never",
                "exit %s; ESC in output: %s" % (rc, ESC in out))
        rc, out, err = run([lp, "inspect", "--json", "--color=always", fx])
        t.check(ESC not in out, "colour: --json --color=always", "ESC in JSON output")

        # ------------------------------------------------------------ damaged copies
        with open(fx, "rb") as f:
            data = f.read()
        for n in (3000, 100):
            p = lptest.write_file(os.path.join(tmp, "truncated-%d" % n), data[:n])
            label = "inspect truncated copy (%d bytes)" % n
            rc, out, err = run([lp, "inspect", p])
            lines = lptest.stderr_lines(err)
            t.check(rc == 2, label, "exit %s, want 2" % rc)
            t.check(len(lines) == 1 and ("'%s'" % p) in lines[0] and "offset" in lines[0], label,
                    "want one stderr line naming '%s' and containing 'offset', got %r" % (p, lines))
            rc, out, err = run([lp, "inspect", "--json", p])
            j = lptest.load_json(out)
            e = j.get("error") if isinstance(j, dict) else None
            t.check(rc == 2 and isinstance(e, dict) and isinstance(e.get("offset"), int), label + " --json",
                    "want exit 2 and error.offset an integer; got exit %s, %r" % (rc, out[:300]))

        zeroed = lptest.zero_buildinfo_magic(data)
        if t.check(zeroed is not None, fx, "fixture has no build-info magic"):
            p = lptest.write_file(os.path.join(tmp, "magic-zeroed"), zeroed)
            label = "inspect copy with zeroed build-info magic"
            rc, out, err = run([lp, "inspect", "--json", p])
            j = lptest.load_json(out)
            g = j.get("go") if isinstance(j, dict) else None
            t.check(rc == 0, label, "exit %s, want 0 (stderr %r)" % (rc, err[:200]))
            t.check(isinstance(g, dict), label, "go should be an object, is %r" % (g,))
            if isinstance(g, dict):
                # the version no longer comes from build info, but from the runtime itself
                _, vout, _ = run([go, "version", fx])
                want = vout.split()[-1].decode() if vout else None
                t.check(g.get("version") == want, label, "go.version should be %r (from the runtime), is %r"
                        % (want, g.get("version")))
                t.check(g.get("version_source") in ("symbol runtime.buildVersion", "runtime version string"),
                        label, "go.version_source should name the runtime, is %r" % g.get("version_source"))
                t.check(isinstance(g.get("build_id"), str) and g.get("build_id"), label,
                        "go.build_id should be present, is %r" % g.get("build_id"))
            grc, gout, gerr = run([go, "version", "-m", p])
            lrc, lout, lerr = run([lp, "buildinfo", p])
            t.check(b"not a Go executable" in lerr, "buildinfo " + p,
                    "stderr does not say 'not a Go executable': %r" % lerr[:300])
            t.check((lrc, lout, lerr) == (grc, gout, gerr), "buildinfo " + p,
                    "differs from go version -m: go=%r linkproof=%r" % ((grc, gout, gerr),
                                                                         (lrc, lout, lerr)))

    return t.finish("cli_behaviour")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
