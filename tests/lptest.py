"""Shared helpers of linkproof's Python test scripts (tests/*.py, run by `meson test`).

The scripts are standalone programs; each one keeps its own docstring, oracles and
checks. This module owns only what they would otherwise each write again:

  * Tally: the pass/fail counter, its "FAIL what: detail" lines, and the last line
    "N passed, M failed" with the exit status (0 when every check passed, else 1);
  * ToolCtx: a script's context with the tools it needs (a missing one is a SKIP, or a
    failure when CI is set);
  * the entry point and the environment: run_main (LP_FIXTURES; unset or empty:
    "LP_FIXTURES is not set: skipped" and exit status SKIP, 77), LP_BIN, GO,
    LP_SOURCE_ROOT, and LP_CORPUS_LIST with LP_REQUIRE_CORPUS=1 (read_corpus);
  * Runner: subprocess calls with a timeout, LC_ALL=C and the variables a script
    removes from the environment; a timeout or an exec error is returned as the
    status "timeout" / "oserror", never raised;
  * inputs: TSV files such as fixtures.tsv and xmatrix.tsv (read_tsv, fixture_rows,
    existing), the corpus list, host files (libc, true);
  * bytes and files: first_bytes, is_elf, the build-info magic, an ELF image without
    section headers, writing made-up files;
  * output: dec, stderr_lines, load_json, and the key lists of `inspect --json`.

It decides nothing about what is tested. Scripts import it from their own directory
and hand it their main:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lptest

    def main(fxdir, tally):
        ...
        return tally.finish("NAME")

    if __name__ == "__main__":
        sys.exit(lptest.run_main(main))
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

SKIP = 77  # exit status meson reads as "skipped"
DEFAULT_LP_BIN = "/work/main/build/linkproof"
ELF_MAGIC = b"\x7fELF"
BUILDINFO_MAGIC = b"\xff Go buildinf:"

# the documented keys of `linkproof inspect --json` (one document per file)
JSON_KEYS = ["schema_version", "command", "path", "format", "class", "endian", "machine", "goarch",
             "elf_type", "go", "gnu_build_id", "linkage", "symtab", "dwarf",
             "dwarf_compressed", "findings", "error"]
GO_KEYS = ["version", "version_source", "path", "main", "deps", "settings", "build_id",
           "build_id_source", "buildinfo_layout", "buildinfo_address", "parse_error"]
LINKAGE_KEYS = ["static", "pie", "df_1_pie", "interpreter", "needed", "rpath", "runpath",
                "soname", "bind_now"]
ERROR_KEYS = ["code", "message", "offset"]


# ---------------------------------------------------------------- counting


class Tally:
    """Counts checks; prints "FAIL what: detail" for each failed one."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.t0 = time.time()

    def ok(self):
        self.passed += 1

    def fail(self, what, detail):
        self.failed += 1
        print("FAIL %s: %s" % (what, detail), flush=True)

    def check(self, cond, what, detail):
        """One check; returns cond itself."""
        if cond:
            self.ok()
        else:
            self.fail(what, detail)
        return cond

    def eq(self, what, field, expected, actual):
        return self.check(expected == actual, what,
                          "%s: expected %r, linkproof says %r" % (field, expected, actual))

    def summary(self):
        """Prints the last line, "N passed, M failed"; returns the exit status."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0

    def abort(self):
        """Stop early (after a failed check): the last line, exit status 1."""
        self.summary()
        return 1

    def finish(self, name):
        """The script's time, then the last line; returns the exit status."""
        print("%s: %.1fs" % (name, time.time() - self.t0))
        return self.summary()


# ---------------------------------------------------------------- environment


class ToolCtx:
    """What a script's context shares: the tally, the linkproof binary, the tools it uses
    (`tools[name]` is the path or None), and the rule for a missing one: a SKIP line, or a
    failure when CI is set (and the case is required)."""

    def __init__(self, tally, lp, tools):
        self.t = tally
        self.lp = lp
        self.ci = bool(os.environ.get("CI"))
        self.skipped = 0
        self.tools = {n: shutil.which(n) for n in tools}

    def skip(self, what, why, required=True):
        if self.ci and required:
            self.t.fail(what, "%s (CI is set: every tool is expected)" % why)
        else:
            self.skipped += 1
            print("SKIP %s: %s" % (what, why), flush=True)

    def need(self, what, *tools):
        miss = [n for n in tools if not self.tools.get(n)]
        if miss:
            self.skip(what, "missing tool(s): %s" % ", ".join(miss))
            return False
        return True


def run_main(main):
    """A script's entry point: main(fxdir, tally) with fxdir = $LP_FIXTURES and a new
    Tally, returning the exit status; when LP_FIXTURES is unset or empty, the line
    "LP_FIXTURES is not set: skipped" and SKIP instead."""
    fxdir = os.environ.get("LP_FIXTURES")
    if not fxdir:
        print("LP_FIXTURES is not set: skipped")
        return SKIP
    return main(fxdir, Tally())


def lp_bin():
    """$LP_BIN, default the build tree's linkproof."""
    return os.environ.get("LP_BIN", DEFAULT_LP_BIN)


def go_bin(usr_bin_first=False):
    """$GO, else `go` on PATH, else /usr/bin/go; with usr_bin_first: $GO, else
    /usr/bin/go when it exists, else `go` on PATH, else "go"."""
    if usr_bin_first:
        return (os.environ.get("GO") or ("/usr/bin/go" if os.path.exists("/usr/bin/go") else None)
                or shutil.which("go") or "go")
    return os.environ.get("GO") or shutil.which("go") or "/usr/bin/go"


def source_root():
    """$LP_SOURCE_ROOT, default the parent of the tests directory."""
    return os.environ.get("LP_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))


class Runner:
    """Runs commands for one script: its timeout, LC_ALL=C, and the variables it drops.

    stdin: bytes given to every command on a pipe (None: /dev/null); run(input=...)
    overrides it for one command."""

    def __init__(self, timeout, drop=(), stdin=None):
        self.timeout = timeout
        self.drop = tuple(drop)
        self.stdin = stdin

    def env(self, **extra):
        """os.environ with LC_ALL=C, without the dropped variables, plus extra."""
        env = dict(os.environ)
        env["LC_ALL"] = "C"
        for k in self.drop:
            env.pop(k, None)
        env.update(extra)
        return env

    def run(self, argv, cwd=None, env=None, timeout=None, input=None):
        """(status, stdout bytes, stderr bytes); status "timeout" or "oserror" (the
        message in stderr) when the command did not finish or could not start."""
        data = input if input is not None else self.stdin
        feed = {"stdin": subprocess.DEVNULL} if data is None else {"input": data}
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env or self.env(), cwd=cwd,
                               timeout=self.timeout if timeout is None else timeout, **feed)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return "timeout", b"", b""
        except OSError as e:
            return "oserror", b"", str(e).encode()


# ---------------------------------------------------------------- inputs


def read_tsv(path):
    """A tab-separated file with a header line: one dict per row, blank lines skipped,
    short rows padded with "". OSError when it cannot be read."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    if not lines:
        return []
    head = lines[0].split("\t")
    rows = []
    for l in lines[1:]:
        cols = l.split("\t")
        cols += [""] * (len(head) - len(cols))
        rows.append(dict(zip(head, cols)))
    return rows


def fixture_rows(fxdir):
    """fixtures.tsv of $LP_FIXTURES, each row with its file's "path" added."""
    rows = read_tsv(os.path.join(fxdir, "fixtures.tsv"))
    for r in rows:
        r["path"] = os.path.join(fxdir, r["name"])
    return rows


def check_fixture_list(tally, fxdir):
    """The check that fixtures.tsv exists in fxdir."""
    return tally.check(os.path.isfile(os.path.join(fxdir, "fixtures.tsv")), fxdir,
                       "fixtures.tsv not found")


def fixtures_and_matrix(tally, fxdir, src_root):
    """(fixture_rows, the rows of tests/fixtures/xmatrix.tsv), or (None, None) after a
    failed check when either cannot be read."""
    try:
        return (fixture_rows(fxdir),
                read_tsv(os.path.join(src_root, "tests", "fixtures", "xmatrix.tsv")))
    except OSError as e:
        tally.check(False, fxdir, "cannot read fixtures.tsv or xmatrix.tsv: %s" % e)
        return None, None


def existing(tally, rows, detail):
    """The rows whose file exists; a failed check (what: the path) for each other one."""
    for r in rows:
        tally.check(os.path.isfile(r["path"]), r["path"], detail)
    return [r for r in rows if os.path.isfile(r["path"])]


def read_corpus(tally, bare_pkg="?"):
    """The corpus list $LP_CORPUS_LIST (lines "<path> <pkg>@<ver>", # comments):
    [(path, pkg)] of the listed files that exist, or None when the list is missing or
    empty. Either case, and a listed file that does not exist, is a failed check with
    LP_REQUIRE_CORPUS=1 and a note without. bare_pkg: the pkg of a line that names
    none (None: the line itself)."""
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
                    path, pkg = line, (line if bare_pkg is None else bare_pkg)
                entries.append((path, pkg))
    if not entries:
        msg = "corpus list %r is missing or empty" % lst
        if require:
            tally.fail("corpus", msg + " and LP_REQUIRE_CORPUS=1")
        else:
            print("note: %s; corpus part skipped" % msg, flush=True)
        return None
    out = []
    for path, pkg in entries:
        if not os.path.isfile(path):
            if require:
                tally.fail(path, "corpus file (%s) does not exist" % pkg)
            else:
                print("note: corpus file %s (%s) does not exist; skipped" % (path, pkg))
            continue
        out.append((path, pkg))
    return out


def corpus_paths(tally, keep, kept, skipped, bare_pkg="?"):
    """The paths of read_corpus for which keep(path) holds, after the line
    "note: corpus: <N> <kept>, <M> <skipped> skipped"; [] without a corpus list."""
    entries = read_corpus(tally, bare_pkg)
    if entries is None:
        return []
    paths = [path for path, _ in entries if keep(path)]
    print("note: corpus: %d %s, %d %s skipped" % (len(paths), kept, len(entries) - len(paths),
                                                  skipped), flush=True)
    return paths


def host_libc():
    """The host's 64-bit libc.so.6 (from ldconfig -p, else the usual paths), or None."""
    try:
        out = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30).stdout.decode("utf-8", "replace")
        cands = []
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("libc.so.6 ") and "=>" in line:
                cands.append((line.split("=>", 1)[1].strip(), line))
        for path, line in cands:
            if ("x86-64" in line or "AArch64" in line or "64bit" in line) and os.path.exists(path):
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


def host_true():
    """/bin/true or /usr/bin/true (a small non-Go ELF executable), or None."""
    return next((b for b in ("/bin/true", "/usr/bin/true") if os.path.isfile(b)), None)


# ---------------------------------------------------------------- bytes and files


def first_bytes(path, n=4):
    """The first n bytes of a file; b"" when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def is_elf(path):
    return first_bytes(path, 4) == ELF_MAGIC


def write_file(path, data, mode=0o755):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def zero_buildinfo_magic(data):
    """data with its first build-info magic zeroed, or None when it has none."""
    i = data.find(BUILDINFO_MAGIC)
    if i < 0:
        return None
    return data[:i] + b"\0" * len(BUILDINFO_MAGIC) + data[i + len(BUILDINFO_MAGIC):]


def without_section_headers(data):
    """An ELF image with e_shoff, e_shnum and e_shstrndx zeroed: only segments remain."""
    d = bytearray(data)
    e = ">" if d[5] == 2 else "<"
    if d[4] == 2:
        struct.pack_into(e + "Q", d, 0x28, 0)
        struct.pack_into(e + "HHH", d, 0x3a, 0, 0, 0)
    else:
        struct.pack_into(e + "I", d, 0x20, 0)
        struct.pack_into(e + "HHH", d, 0x2e, 0, 0, 0)
    return bytes(d)


# ---------------------------------------------------------------- output


def dec(b):
    return b.decode("utf-8", "replace")


def stderr_lines(err):
    """The non-empty lines of a command's stderr."""
    return [l for l in dec(err).split("\n") if l]


def load_json(text):
    """The JSON value of text (str or bytes), or None when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def require_jsonschema():
    """Debian's python3-jsonschema lives in /usr/lib/python3/dist-packages: when this interpreter
    (a pyenv, a venv) does not see it, run the test again under Debian's own python3; without it
    at all, say so and fail."""
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        print("python3-jsonschema is not installed (scripts/install-deps installs it)")
        sys.exit(1)
