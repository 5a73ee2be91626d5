#!/usr/bin/env python3
"""The `linkproof check` command on the fixtures: every assertion kind passing and
failing, exit statuses, the text, JSON, JUnit and GitHub reports, policies and
several files in one run.

What is expected comes from fixtures.tsv (how each fixture was built: goarch,
cgo, buildmode, stripped, vcs, ldflags) and tests/fixtures/xmatrix.tsv (which
-X flags take effect), not from linkproof.

  * assertions: --static/--dynamic, --pie/--no-pie, --cgo=on/off,
    --stripped/--not-stripped, --go (every operator, numeric comparison;
    a bad constraint exits 2), --vcs-clean (git-stamped vs -buildvcs=false),
    --build-id (Go fixtures vs a non-Go file), --all-x (xm-* vs a fixture
    whose -X are all correct), --var NAME / NAME=VALUE / NAME~REGEX (match,
    mismatch, POSIX classes, search semantics, bad regex exits 2); --var NAME
    fails where the recorded -ldflags show that no -X set NAME;
  * every report: exit status 0/1/2; --json has exactly the documented keys,
    ok flags that add up, and expected/found/cause on every failure; the text
    report has the same assertions and values as the JSON one, "expected:" and
    "likely cause:" after each failure and "N of M assertions hold" last;
  * --junit: parses with xml.etree, a testsuite per file, a testcase per
    assertion (named like the JSON assertion), a <failure> (message with
    expected and found, text the cause) exactly for the failures, an <error>
    for an unreadable file, consistent counts, odd characters round-trip;
  * --github and GITHUB_ACTIONS=true: "::error file=...,title=...::..." lines
    exactly for the failures, % CR LF escaped everywhere and : , in properties;
    GITHUB_ACTIONS=true must not break --json's single object;
  * --policy: a valid policy gives the same report as the equivalent options;
    an unknown key, invalid JSON (file and position named), wrong types and a
    missing file exit 2;
  * several files: one missing -> exit 2, the others still reported; no
    assertion or no file -> exit 2; a non-ELF file satisfies no linkage
    assertion.

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES (required,
else exit 77), LP_SOURCE_ROOT (default: the parent of this script's directory).
The last line is "N passed, M failed".
"""

import json
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
from lptest import dec  # noqa: E402

TIMEOUT = 60
RUNNER = lptest.Runner(TIMEOUT, drop=("GITHUB_ACTIONS", "NO_COLOR", "CLICOLOR_FORCE"))
run, base_env = RUNNER.run, RUNNER.env
CHECK_KEYS = ["assertion", "ok", "status", "confidence", "expected", "found", "cause"]
FILE_KEYS = ["path", "ok", "status", "error", "checks"]


def x_names(ldflags):
    """The -X target names in one fixtures.tsv ldflags column (unquoted fields only)."""
    f = ldflags.split()
    names = []
    for i, a in enumerate(f):
        if a in ("-X", "--X") and i + 1 < len(f):
            names.append(f[i + 1].split("=", 1)[0])
        elif a.startswith("-X=") or a.startswith("--X="):
            names.append(a.split("=", 2)[1])
    return names


def vtuple(s):
    s = s.strip()
    if s.startswith("go"):
        s = s[2:]
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", s)
    return tuple(int(x or 0) for x in m.groups())


def esc_data(s):
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def esc_prop(s):
    return esc_data(s).replace(":", "%3A").replace(",", "%2C")


def unesc(s):
    codes = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%25|%0D|%0A|%3A|%2C", lambda m: codes[m.group(0)], s)


class Checker:
    """Runs `linkproof check` and verifies the shape and consistency of its reports."""

    def __init__(self, t, lp):
        self.t = t
        self.lp = lp

    def json_report(self, args, files, label, env=None):
        t = self.t
        rc, out, err = run([self.lp, "check", "--json"] + args + files, env=env)
        j = lptest.load_json(out)
        if not t.check(isinstance(j, dict), label, "--json: stdout is not one JSON object (exit %s): %r"
                       % (rc, dec(out)[:300])):
            return rc, None, err
        ok = t.check(sorted(j) == ["command", "files", "ok", "schema_version", "status"]
                     and j["schema_version"] == 2 and j["command"] == "check"
                     and isinstance(j["files"], list) and isinstance(j["ok"], bool)
                     and j["status"] in ("ok", "fail", "undecided", "error"), label,
                     "--json: want exactly the keys schema_version (2), command (check), ok (bool), "
                     "status, files (list); got %r" % sorted(j))
        if not ok:
            return rc, None, err
        t.check(len(j["files"]) == len(files), label, "--json: %d files reported, %d given"
                % (len(j["files"]), len(files)))
        for fr, path in zip(j["files"], files):
            if not t.check(isinstance(fr, dict) and sorted(fr) == sorted(FILE_KEYS), label,
                           "--json: a file entry should have exactly %s: %r" % (FILE_KEYS, fr)):
                return rc, None, err
            t.check(fr["path"] == path, label, "--json: path %r, given %r" % (fr["path"], path))
            checks = fr["checks"]
            if not t.check(isinstance(checks, list) and all(isinstance(c, dict) and sorted(c) == sorted(CHECK_KEYS)
                                                            for c in checks), label,
                           "--json: each check should have exactly %s: %r" % (CHECK_KEYS, checks)):
                return rc, None, err
            for c in checks:
                good = (isinstance(c["ok"], bool) and isinstance(c["assertion"], str) and c["assertion"]
                        and isinstance(c["expected"], str) and c["expected"]
                        and isinstance(c["found"], str) and c["found"])
                if c["ok"] is False:
                    good = good and isinstance(c["cause"], str) and c["cause"] != ""
                t.check(good, label, "--json %s: a %s check needs assertion, expected, found%s as non-empty "
                        "strings: %r" % (path, "failed" if c["ok"] is False else "passed",
                                         " and cause" if c["ok"] is False else "", c))
            if fr["error"] is None:
                t.check(fr["ok"] == all(c["ok"] for c in checks), label,
                        "--json %s: file ok %r but checks %r" % (path, fr["ok"], [c["ok"] for c in checks]))
            else:
                t.check(isinstance(fr["error"], dict) and fr["error"].get("message") and fr["ok"] is False and checks == [],
                        label, "--json %s: an unreadable file wants ok false, an error message and no "
                        "checks: %r" % (path, fr))
        t.check(j["ok"] == all(fr["ok"] for fr in j["files"]), label,
                "--json: top-level ok %r, file oks %r" % (j["ok"], [fr["ok"] for fr in j["files"]]))
        return rc, j, err

    def text_report(self, args, files, j, label, env=None):
        """The text report agrees with the JSON one."""
        t = self.t
        rc, out, err = run([self.lp, "check", "--color=never"] + args + files, env=env)
        lines = dec(out).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if j is None:
            return rc, lines
        i = 0
        total = held = failed = undecided = 0
        problems = []
        for fr in j["files"]:
            while i < len(lines) and lines[i] == "":
                i += 1
            if i >= len(lines) or lines[i] != fr["path"] + ":":
                problems.append("want a header %r, got %r" % (fr["path"] + ":", lines[i] if i < len(lines) else None))
                break
            i += 1
            if fr["error"] is not None:
                if i >= len(lines) or not re.match(r"^\s+ERROR\s+\S", lines[i]):
                    problems.append("%s: want an ERROR line, got %r" % (fr["path"], lines[i:i + 1]))
                i += 1
                continue
            for c in fr["checks"]:
                total += 1
                held += c["ok"]
                failed += c["status"] == "fail"
                undecided += c["status"] == "undecided"
                tag = {"ok": "ok", "fail": "FAIL", "undecided": "UNDECIDED"}[c["status"]]
                want = "  %-9s  %s: %s (confidence: %s)" % (tag, c["assertion"], c["found"],
                                                          c["confidence"])
                if i >= len(lines) or lines[i] != want:
                    problems.append("want %r, got %r" % (want, lines[i] if i < len(lines) else None))
                    break
                i += 1
                if not c["ok"]:
                    w2 = ["expected: %s" % c["expected"],
                          ("likely cause: %s" if c["status"] == "fail" else "why undecided: %s")
                          % c["cause"]]
                    got2 = [l.strip() for l in lines[i:i + 2]]
                    if got2 != w2 or not all(l.startswith("    ") for l in lines[i:i + 2]):
                        problems.append("after %r want indented %r, got %r" % (want, w2, lines[i:i + 2]))
                        break
                    i += 2
        if not problems:
            want_last = "%d of %d assertions hold" % (held, total)
            if failed or undecided:
                want_last += "; %d violated, %d could not be decided" % (failed, undecided)
            if lines[i:] != [want_last]:
                problems.append("want the last line %r (and nothing else), got %r" % (want_last, lines[i:]))
        t.check(not problems, label + " (text)", "; ".join(problems) + " -- stdout %r" % dec(out)[:600])
        return rc, lines

    def case(self, args, files, want_rc, want_oks=None, label=None, env=None):
        """Runs text and JSON; want_oks: per file, a list of per-assertion ok values."""
        t = self.t
        label = label or "check %s %s" % (" ".join(args), " ".join(os.path.basename(f) for f in files))
        rc, j, err = self.json_report(args, files, label, env=env)
        t.check(rc == want_rc, label, "--json: exit %s, want %s (stderr %r)" % (rc, want_rc, dec(err)[:300]))
        trc, _ = self.text_report(args, files, j, label, env=env)
        t.check(trc == want_rc, label + " (text)", "exit %s, want %s" % (trc, want_rc))
        if j is not None and want_oks is not None:
            got = [[c["ok"] for c in fr["checks"]] for fr in j["files"]]
            t.check(got == want_oks, label, "ok per assertion %r, want %r (checks: %s)"
                    % (got, want_oks, json.dumps([fr["checks"] for fr in j["files"]])[:800]))
        return j

    def usage_error(self, args, label, must_mention=()):
        t = self.t
        rc, out, err = run([self.lp, "check"] + args)
        e = dec(err)
        t.check(rc == 2, label, "exit %s, want 2 (stdout %r, stderr %r)" % (rc, dec(out)[:200], e[:200]))
        t.check(e.startswith("linkproof: ") or e.startswith("linkproof check: "), label,
                "stderr should start with 'linkproof: ': %r" % e[:200])
        for m in must_mention:
            t.check(m in e, label, "stderr should mention %r: %r" % (m, e[:300]))
        return e


def main(fxdir, t):
    lp = lptest.lp_bin()
    src_root = lptest.source_root()
    rows, matrix = lptest.fixtures_and_matrix(t, fxdir, src_root)
    if rows is None:
        return t.abort()
    rows = [r for r in rows if os.path.isfile(r["path"])]
    injectable = {m["target"] for m in matrix if m["verdict"] == "injected"}
    not_injected = [m["target"] for m in matrix if m["verdict"] != "injected"]

    def pick(label, pred, prefer=()):
        cands = [r for r in rows if pred(r)]
        for n in prefer:
            for r in cands:
                if r["name"] == n:
                    return r["path"]
        if cands:
            return cands[0]["path"]
        print("note: no fixture for %s in fixtures.tsv; its cases are skipped" % label)
        return None

    def plain_xm(r):
        return r["name"].startswith("xm-") and r["trimpath"] == "no" and "|" not in r["ldflags"]

    S = pick("static cgo0 exe xm", lambda r: plain_xm(r) and r["goarch"] == "amd64" and r["cgo"] == "0"
             and r["buildmode"] == "exe" and r["stripped"] == "no" and r["vcs"] == "git",
             ["xm-amd64-cgo0-exe"])
    P = pick("PIE xm", lambda r: plain_xm(r) and r["buildmode"] == "pie" and r["stripped"] == "no"
             and r["cgo"] == "0", ["xm-amd64-cgo0-pie"])
    SW = pick("stripped xm", lambda r: plain_xm(r) and r["stripped"] == "yes" and r["buildmode"] == "exe",
              ["xm-amd64-cgo0-exe-sw"])
    D = pick("cgo=1 (dynamic) build", lambda r: r["cgo"] == "1" and r["goarch"] == "amd64"
             and r["program"] == "app" and r["buildmode"] in ("exe", "pie"),
             ["xm-amd64-cgo1-pie-ext", "app-amd64-cgo1-pie", "app-amd64-cgo1-exe"])
    NOVCS = pick("-buildvcs=false build", lambda r: r["vcs"] == "none" and r["program"] == "app")
    GOODX = pick("a build whose -X are all correct",
                 lambda r: r["program"] == "app" and r["stripped"] == "no" and r["trimpath"] == "no"
                 and "|" not in r["ldflags"] and x_names(r["ldflags"])
                 and set(x_names(r["ldflags"])) <= injectable, ["app-amd64-cgo0-exe"])
    TWO = pick("two -ldflags xm", lambda r: r["name"].startswith("xm-") and "|" in r["ldflags"]
               and r["ldflags"].split("|")[0].split()[-1].startswith("main.version=")
               and "main.version" not in x_names(r["ldflags"].split("|")[-1]))
    NOLD = pick("a build without -ldflags", lambda r: r["program"] == "app" and r["ldflags"] == "-"
                and r["trimpath"] == "no")
    if S is None:
        t.check(False, fxdir, "the cases need a plain amd64 cgo0 exe xm-* fixture")
        return t.abort()
    c = Checker(t, lp)
    true_bin = lptest.host_true()

    with tempfile.TemporaryDirectory(prefix="lp-check-") as tmp:
        # ------------------------------------------------------------ assertion kinds
        cases = [
            # (args, file, want ok)
            (["--static"], S, True), (["--static"], D, False),
            (["--dynamic"], D, True), (["--dynamic"], S, False),
            (["--pie"], P, True), (["--pie"], S, False),
            (["--no-pie"], S, True), (["--no-pie"], P, False),
            (["--cgo=on"], D, True), (["--cgo=on"], S, False),
            (["--cgo=off"], S, True), (["--cgo=off"], D, False),
            (["--stripped"], SW, True), (["--stripped"], S, False),
            (["--not-stripped"], S, True), (["--not-stripped"], SW, False),
            (["--go=>=1.19"], S, True), (["--go=<1.19"], S, False),
            (["--vcs-clean"], S, True), (["--vcs-clean"], NOVCS, False),
            (["--build-id"], S, True), (["--build-id"], SW, True), (["--build-id"], true_bin, False),
            (["--all-x"], S, False), (["--all-x"], SW, False), (["--all-x"], GOODX, True),
            (["--var", "main.version"], S, True),
            (["--var", "main.verison"], S, False),
            (["--var", "main.commit=abc123"], S, True),
            (["--var", "main.commit=zzz"], S, False),
            (["--var", "example.com/app/internal/version.Dynamic=inj"], S, False),
            (["--var", "example.com/app/internal/version.Dynamic"], S, False),
            (["--var", "main.version~^1\\.2\\."], S, True),
            (["--var", "main.version~^2"], S, False),
            (["--var", "main.version~2\\.3$"], S, True),
            (["--var", "main.version~^[[:digit:]]+\\.[0-9]+\\.3$"], S, True),
            (["--var", "main.version=1.2.3"], SW, True),
            (["--var", "main.version=9.9.9"], SW, False),
            # stripped, no value given: the recorded -X main.version=1.2.3 says what to look for,
            # and a string header points at it (name unconfirmed: confidence medium)
            (["--var", "main.version"], SW, True),
            (["--var", "main.nosuch"], SW, False),  # stripped, no -X recorded for it: nothing to look for
            (["--var", "main.version"], TWO, False),  # the recorded -ldflags set no main.version
            (["--var", "main.version"], NOLD, False),  # no -ldflags at all
            (["--var", "main.commit"], GOODX, False),  # empty: never set
        ]
        # several --var on one NAME: each assertion is judged on its own
        same = [
            (["--var", "main.version=9.9.9", "--var", "main.version~^1"], [False, True]),
            (["--var", "main.version~^1", "--var", "main.version=9.9.9"], [True, False]),
            (["--var", "main.version=9.9.9", "--var", "main.version=1.2.3"], [False, True]),
            (["--var", "main.version=1.2.3", "--var", "main.version=9.9.9"], [True, False]),
            (["--var", "main.version=9.9.9", "--var", "main.version"], [False, True]),
            (["--var", "main.commit=abc123", "--var", "main.version=9.9.9", "--var", "main.commit~^x"],
             [True, False, False]),
        ]
        for args, want in same:
            c.case(args, [S], 0 if all(want) else 1, [want])
        for args, f, want in cases:
            if f is None:
                continue
            j = c.case(args, [f], 0 if want else 1, [[want]])
            if j is None or not j["files"] or not j["files"][0]["checks"]:
                continue
            ck = j["files"][0]["checks"][0]
            opt = args[0].split("=", 1)[0]
            arg = args[1] if len(args) > 1 else (args[0].split("=", 1)[1] if "=" in args[0] else "")
            t.check(ck["assertion"].startswith(opt) and arg in ck["assertion"], "check %s %s" % (" ".join(args), f),
                    "assertion %r should name %s and %r" % (ck["assertion"], opt, arg))

        # failures say what went wrong
        j = c.case(["--all-x"], [S], 1, [[False]], label="check --all-x (xm) details")
        if j:
            ck = j["files"][0]["checks"][0]
            for n in not_injected:
                t.check(n in ck["found"], "check --all-x %s" % S, "found %r does not name %s" % (ck["found"], n))
        j = c.case(["--var", "main.verison"], [S], 1, [[False]], label="check --var main.verison details")
        if j:
            ck = j["files"][0]["checks"][0]
            t.check("missing" in ck["found"] and "main.version" in ck["found"] + ck["cause"],
                    "check --var main.verison %s" % S,
                    "found/cause should say missing and suggest main.version: %r" % ck)
        j = c.case(["--var", "main.commit=zzz"], [S], 1, [[False]], label="check --var main.commit=zzz details")
        if j:
            ck = j["files"][0]["checks"][0]
            t.check("abc123" in ck["found"] and "zzz" in ck["expected"], "check --var main.commit=zzz %s" % S,
                    "expected should name zzz and found abc123: %r" % ck)

        # --go: every operator against the version the fixture was built with
        rc, out, _ = run([lp, "inspect", "--json", S])
        try:
            gv = json.loads(out)["go"]["version"]
        except (ValueError, KeyError, TypeError):
            gv = None
        if t.check(isinstance(gv, str) and re.match(r"go\d+\.\d+", gv or ""), S,
                   "inspect --json: no go.version (%r)" % gv):
            v = vtuple(gv)
            exact = "%d.%d.%d" % v
            others = [exact, "%d.%d.%d" % (v[0], v[1], v[2] + 1), "%d.%d" % (v[0], v[1] + 1),
                      "%d.%d.10" % (v[0], v[1] - 1), "%d.9" % v[0] if v[1] > 9 else "%d.%d" % (v[0], v[1] - 1)]
            ops = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
                   "<": lambda a, b: a < b, "==": lambda a, b: a == b, "=": lambda a, b: a == b,
                   "!=": lambda a, b: a != b}
            gargs, gwant = [], []
            for o in others:
                for op, fn in ops.items():
                    gargs.append("--go=%s%s" % (op, o))
                    gwant.append(fn(v, vtuple(o)))
            gargs += ["--go=>=%d.%d" % (v[0], v[1]), "--go=<%d.%d" % (v[0], v[1])]
            gwant += [True, False]
            j = c.case(gargs, [S], 0 if all(gwant) else 1, [gwant], label="check --go (%d constraints vs %s)"
                       % (len(gargs), gv))
        for bad in ("bogus", "", ">=", "~1.19", ">=1.x"):
            c.usage_error(["--go=" + bad, S], "check --go=%r" % bad)
        c.usage_error(["--cgo=maybe", S], "check --cgo=maybe")
        c.usage_error(["--var", "main.version~[", S], "check --var main.version~[", ["main.version~["])
        c.usage_error(["--var", "main.version~(a", S], "check --var main.version~(a")

        # several assertions at once, in the order given
        args = ["--build-id", "--var", "main.commit=abc123", "--pie", "--static", "--go=>=1.19", "--all-x",
                "--var", "main.version~^1"]
        j = c.case(args, [S], 1, [[True, True, False, True, True, False, True]], label="check (7 assertions)")
        if j:
            got = [ck["assertion"].split()[0].split("=")[0] for ck in j["files"][0]["checks"]]
            t.check(got == ["--build-id", "--var", "--pie", "--static", "--go", "--all-x", "--var"],
                    "check (7 assertions)", "assertions not reported in the order given: %r" % got)

        # ------------------------------------------------------------ exit statuses, usage
        c.usage_error([S], "check FILE (no assertion)", ["assertion"])
        c.usage_error(["--static"], "check --static (no FILE)")
        c.usage_error(["--no-such-option", S], "check --no-such-option")

        # several files, one missing
        missing = os.path.join(tmp, "no-such-file")
        files = [S, missing] + ([D] if D else [])
        rc, j, err = c.json_report(["--static"], files, "check --static (3 files, one missing)")
        t.check(rc == 2, "check --static (3 files, one missing)", "exit %s, want 2" % rc)
        if j:
            fr = j["files"]
            t.check(fr[0]["checks"] and fr[0]["checks"][0]["ok"] is True and fr[0]["error"] is None,
                    "check --static (3 files, one missing)", "the first file should still pass: %r" % fr[0])
            t.check(isinstance(fr[1]["error"], dict) and missing in fr[1]["error"].get("message", ""),
                    "check --static (3 files, one missing)", "the missing file's error should name it: %r" % fr[1])
            if D:
                t.check(fr[2]["checks"] and fr[2]["checks"][0]["ok"] is False,
                        "check --static (3 files, one missing)", "the third file should still be checked: %r" % fr[2])
        t.check(missing in dec(err), "check --static (3 files, one missing)",
                "stderr should name %s: %r" % (missing, dec(err)[:300]))
        c.text_report(["--static"], files, j, "check --static (3 files, one missing)")
        # several files, none missing: the worst status wins
        if D:
            c.case(["--static"], [S, D, S], 1, [[True], [False], [True]])
            c.case(["--build-id", "--not-stripped"], [S, P], 0, [[True, True], [True, True]])

        # a file that is not ELF: no linkage, PIE or stripping assertion holds
        txt = os.path.join(tmp, "notes.txt")
        with open(txt, "w") as f:
            f.write("not a binary\n")
        rc, j, err = c.json_report(["--dynamic", "--static", "--no-pie", "--pie"], [txt], "check (non-ELF file)")
        t.check(rc in (1, 2), "check (non-ELF file)", "exit %s, want 1 or 2" % rc)
        if j:
            held = [ck["assertion"] + ": " + ck["found"] for ck in j["files"][0]["checks"] if ck["ok"]]
            t.check(not held, "check (non-ELF file) %s" % txt,
                    "a text file has no linkage and is no PIE, yet these hold: %r" % held)

        # ------------------------------------------------------------ JUnit
        odd = os.path.join(tmp, "we:ird,na%me&<x>\"'\r\nend")
        shutil.copyfile(S, odd)
        os.chmod(odd, 0o755)
        regex = "main.version~^(9|a:b,c%d<&>\"'\r\ne)"
        xregex = "main.version~^(9|a:b,c%d<&>\"')"  # XML's special characters
        jargs = ["--static", "--pie", "--all-x", "--var", "main.version", "--var", xregex]
        jfiles = [S, SW, odd]
        junit = os.path.join(tmp, "report.xml")
        rc, j, err = c.json_report(jargs, jfiles, "check --junit")
        jrc, _, jerr = run([lp, "check", "--junit", junit] + jargs + jfiles)
        t.check(jrc == 1 == rc, "check --junit", "exit %s (--json: %s), want 1 (stderr %r)" % (jrc, rc, dec(jerr)[:200]))
        check_junit(t, junit, j, "check --junit")
        rc, j, err = c.json_report(["--pie"], [S, missing], "check --junit (missing file)")
        jrc, _, _ = run([lp, "check", "--junit", junit, "--pie", S, missing])
        t.check(jrc == 2, "check --junit (missing file)", "exit %s, want 2" % jrc)
        check_junit(t, junit, j, "check --junit (missing file)")
        jrc, _, _ = run([lp, "check", "--junit", junit, "--static", S])
        t.check(jrc == 0, "check --junit (passing)", "exit %s, want 0" % jrc)
        rc, j, _ = c.json_report(["--static"], [S], "check --junit (passing)")
        check_junit(t, junit, j, "check --junit (passing)")

        # ------------------------------------------------------------ GitHub annotations
        gargs = ["--static", "--pie", "--all-x", "--var", "main.version", "--var", regex]
        gfiles = [S, odd]
        rc, j, _ = c.json_report(gargs, gfiles, "check --github")
        # annotations go to stderr (GitHub reads workflow commands from both streams), so that
        # stdout stays one JSON object with --json; stdout must carry none
        grc, gstdout, gout = run([lp, "check", "--github"] + gargs + gfiles)
        t.check(grc == 1, "check --github", "exit %s, want 1" % grc)
        t.check(not [l for l in dec(gstdout).split("\n") if l.startswith("::")], "check --github",
                "workflow commands on stdout")
        lines_flag = check_github(t, gout, j, "check --github")
        erc, _, eout = run([lp, "check"] + gargs + gfiles, env=base_env(GITHUB_ACTIONS="true"))
        t.check(erc == 1, "GITHUB_ACTIONS=true check", "exit %s, want 1" % erc)
        lines_env = check_github(t, eout, j, "GITHUB_ACTIONS=true check")
        t.check(lines_env == lines_flag, "GITHUB_ACTIONS=true check",
                "annotations differ from --github's: %r vs %r" % (lines_env, lines_flag))
        for envv in (None, "false"):
            env = base_env() if envv is None else base_env(GITHUB_ACTIONS=envv)
            _, out, err = run([lp, "check"] + gargs + gfiles, env=env)
            ann = [l for l in (dec(out) + dec(err)).split("\n") if l.startswith("::")]
            t.check(not ann, "check (GITHUB_ACTIONS %s)" % ("unset" if envv is None else "=" + envv),
                    "no annotations wanted, got %r" % ann[:3])
        _, out, err = run([lp, "check", "--github", "--static", S])
        t.check("::" not in dec(out) + dec(err), "check --github (passing)",
                "annotations for a passing run: %r" % (dec(out) + dec(err)))
        # nothing else in stdout may look like a workflow command (the text report
        # prints paths as given; a newline in one must not start a new command)
        inj = os.path.join(tmp, "inj\n::warning title=injected::not from linkproof")
        shutil.copyfile(S, inj)
        rc, j, _ = c.json_report(["--pie"], [inj], "GITHUB_ACTIONS=true check (path with a newline)")
        _, out, err = run([lp, "check", "--pie", inj], env=base_env(GITHUB_ACTIONS="true"))
        t.check(not [l for l in dec(out).split("\n") if l.startswith("::")],
                "GITHUB_ACTIONS=true check (path with a newline)", "a forged workflow command on stdout")
        check_github(t, err, j, "GITHUB_ACTIONS=true check (path with a newline)")
        # in GitHub Actions (GITHUB_ACTIONS=true) --json must still be one JSON object
        c.json_report(["--pie"], [S], "GITHUB_ACTIONS=true check --json", env=base_env(GITHUB_ACTIONS="true"))

        # ------------------------------------------------------------ policies
        def policy(name, obj_or_text):
            p = os.path.join(tmp, name)
            with open(p, "w", encoding="utf-8") as f:
                f.write(obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text, indent=2))
            return p

        pol_files = [f for f in (S, SW, D, P) if f]
        pairs = [
            ({"var": ["main.version", "main.commit=abc123", "main.version~^1\\."], "all_x": True,
              "static": True, "pie": False, "cgo": "off", "stripped": False, "go": ">=1.19",
              "vcs_clean": True, "build_id": True},
             ["--var", "main.version", "--var", "main.commit=abc123", "--var", "main.version~^1\\.",
              "--all-x", "--static", "--no-pie", "--cgo=off", "--not-stripped", "--go=>=1.19",
              "--vcs-clean", "--build-id"]),
            ({"static": False, "pie": True, "cgo": "on", "stripped": True},
             ["--dynamic", "--pie", "--cgo=on", "--stripped"]),
        ]
        for k, (pobj, opts) in enumerate(pairs):
            p = policy("policy%d.json" % k, pobj)
            label = "check --policy %s" % json.dumps(pobj)
            prc, pj, perr = c.json_report(["--policy", p], pol_files, label)
            orc, oj, _ = c.json_report(opts, pol_files, "check " + " ".join(opts))
            t.check(prc == orc and prc in (0, 1), label, "exit %s, the equivalent options exit %s (stderr %r)"
                    % (prc, orc, dec(perr)[:200]))
            t.check(pj == oj, label, "report differs from the equivalent options':\n  policy  %s\n  options %s"
                    % (json.dumps(pj)[:700], json.dumps(oj)[:700]))
            c.text_report(["--policy", p], pol_files, pj, label)
        p = policy("unknown.json", {"static": True, "pei": True})
        c.usage_error(["--policy", p, S], "check --policy (unknown key)", ["pei", p])
        bad = policy("bad.json", '{\n  "static": true,,\n  "pie": false\n}\n')
        e = c.usage_error(["--policy", bad, S], "check --policy (invalid JSON)", [bad])
        t.check(re.search(r"line\s*2\b|:2:\d+", e) is not None, "check --policy (invalid JSON)",
                "stderr should give the position (line 2): %r" % e[:300])
        nof = os.path.join(tmp, "no-such-policy.json")
        e = c.usage_error(["--policy", nof, S], "check --policy (missing file)", [nof])
        t.check("-1" not in e, "check --policy (missing file)",
                "stderr gives a meaningless position: %r" % e[:300])
        for name, text in (("type1.json", {"static": "yes"}), ("type2.json", {"var": "main.version"}),
                           ("type3.json", {"cgo": True}), ("type4.json", [1]), ("type5.json", {"go": "bogus"}),
                           ("type6.json", {"var": ["main.version~["]}), ("empty.json", {})):
            p = policy(name, text)
            c.usage_error(["--policy", p, S], "check --policy %s" % json.dumps(text))

    return t.finish("check_cli")


def check_junit(t, path, j, label):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        t.check(False, label, "JUnit file %s does not parse: %s" % (path, e))
        return
    if j is None:
        return
    t.check(root.tag == "testsuites", label, "root element <%s>, want <testsuites>" % root.tag)
    suites = root.findall("testsuite")
    t.check(len(suites) == len(j["files"]), label, "%d testsuites, %d files" % (len(suites), len(j["files"])))
    tot = fails = errs = 0
    for s, fr in zip(suites, j["files"]):
        t.check(s.get("name") == fr["path"], label, "testsuite name %r, file %r" % (s.get("name"), fr["path"]))
        cases = s.findall("testcase")
        if fr["error"] is not None:
            errs += 1
            tot += len(cases)
            t.check(any(tc.find("error") is not None for tc in cases), label,
                    "%s: an unreadable file wants an <error> test case" % fr["path"])
            t.check(s.get("errors") == "1", label, "%s: errors=%r, want 1" % (fr["path"], s.get("errors")))
            continue
        t.check([tc.get("name") for tc in cases] == [ck["assertion"] for ck in fr["checks"]], label,
                "%s: test cases %r, assertions %r" % (fr["path"], [tc.get("name") for tc in cases],
                                                     [ck["assertion"] for ck in fr["checks"]]))
        nf = 0
        for tc, ck in zip(cases, fr["checks"]):
            f = tc.find("failure")
            tot += 1
            if ck["ok"]:
                t.check(f is None and tc.find("error") is None, label,
                        "%s %s: passed, but has a <failure>/<error>" % (fr["path"], ck["assertion"]))
            elif t.check(f is not None, label, "%s %s: failed, but has no <failure>" % (fr["path"], ck["assertion"])):
                nf += 1
                msg = f.get("message") or ""
                t.check(ck["expected"] in msg and ck["found"] in msg, label,
                        "%s %s: failure message %r lacks expected %r / found %r"
                        % (fr["path"], ck["assertion"], msg, ck["expected"], ck["found"]))
                t.check((f.text or "").strip() == ck["cause"], label, "%s %s: failure text %r, cause %r"
                        % (fr["path"], ck["assertion"], f.text, ck["cause"]))
        fails += nf
        t.check(s.get("tests") == str(len(cases)) and s.get("failures") == str(nf), label,
                "%s: tests=%r failures=%r, want %d and %d" % (fr["path"], s.get("tests"), s.get("failures"),
                                                             len(cases), nf))
    t.check(root.get("tests") == str(tot) and root.get("failures") == str(fails)
            and root.get("errors", "0") == str(errs), label,
            "testsuites tests=%r failures=%r errors=%r, want %d, %d, %d"
            % (root.get("tests"), root.get("failures"), root.get("errors"), tot, fails, errs))


def check_github(t, out, j, label):
    text = dec(out)
    lines = [l for l in re.split(r"\r\n|\r|\n", text) if l.startswith("::")]
    others = [l for l in text.split("\n") if "::error" in l and not l.startswith("::error ")]
    t.check(not others, label, "malformed annotation lines: %r" % others[:3])
    if j is None:
        return lines
    want = [(fr["path"], ck) for fr in j["files"] for ck in fr["checks"] if not ck["ok"]]
    t.check(len(lines) == len(want), label, "%d lines starting with :: (workflow commands) for %d failures: %r"
            % (len(lines), len(want), lines))
    ann = [l for l in lines if l.startswith("::error ")]
    t.check(len(ann) == len(want), label, "%d ::error lines for %d failures" % (len(ann), len(want)))
    for line, (path, ck) in zip(ann, want):
        m = re.match(r"^::error file=([^,:]*),title=([^,:]*)::(.*)$", line)
        if not t.check(m is not None, label, "not an ::error file=...,title=...::... line: %r" % line):
            continue
        f, title, msg = m.groups()
        for part, allowed in ((f, "25|0D|0A|3A|2C"), (title, "25|0D|0A|3A|2C"), (msg, "25|0D|0A")):
            bad = re.findall(r"%%(?!%s)..?" % allowed, part)
            t.check(not bad, label, "unescaped %% in %r: %r" % (part[:120], bad))
        t.check(f == esc_prop(path), label, "file=%r, want %r" % (f, esc_prop(path)))
        t.check(ck["assertion"] in unesc(title), label, "title %r does not name the assertion %r"
                % (unesc(title), ck["assertion"]))
        um = unesc(msg)
        t.check(ck["expected"] in um and ck["found"] in um, label,
                "message %r lacks expected %r / found %r" % (um, ck["expected"], ck["found"]))
    return lines


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
