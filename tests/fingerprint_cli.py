#!/usr/bin/env python3
"""linkproof fingerprint, registry and verify, against oracles computed here and live
processes (the `server` fixtures).

  1. `fingerprint FILE --json` on every fixture (and the corpus): sha256 against hashlib,
     code_sha256/code_size against the executable PT_LOAD segments parsed here with struct,
     go_build_id against `go tool buildid`, gnu_build_id against `readelf -n`; non-Go ELF,
     non-ELF, empty, truncated, missing files and directories.
  2. `fingerprint --pid` of a running server (exe and pie) and of a non-Go PIE (cat):
     match, memory hash = file hash = ours, load bias against /proc/PID/maps, exe_state.
  3. A running copy whose file is replaced (rename over it) or deleted: exe_state, and the
     file facts are still those of the running build.
  4. One byte of the code patched through /proc/PID/mem: match false (exit 1), the memory
     hash is the one of the patched bytes, verify says fuse (exit 4) even with the right
     --baseline.
  5. verify ok / rollback / fuse with and without --baseline, exe and pie, text and --json.
  6. registry: add/list/show/remove/export/import round trip, duplicates, two writers at
     once, 20 writer processes at once (creating, one build under 20 labels, overlapping
     imports), kill -9 in the middle of a big import, migrations from schemas 1 and 2 and a
     newer schema refused; SQLite: a corrupt database, the default paths, a read-only file
     and mount; PostgreSQL: another program's tables, a server or database that is not there,
     $LINKPROOF_REGISTRY, a role that may only SELECT (and one that may INSERT), logins
     (~/.pgpass, $PGPASSFILE, a password on the command line refused, service file, PG*
     variables, sslmode), the server stopped mid-import and mid-verify, and `registry copy`
     SQLite to PostgreSQL and back (conflicts, kill -9).
  7. verify --all: the servers' rows and the exit status rule (the worst verdict).
  8. error sentences: no such process, no permission (as nobody).

Parts 4 to 8 run once per backend with the same assertions: SQLite files in a temporary
directory, then databases of a PostgreSQL server the test starts itself (tests/pgserver.py:
initdb in a temporary directory as nobody, a Unix socket there and a loopback port, stopped at
the end). $LP_TEST_BACKENDS=sqlite (or postgresql) runs one of them only; without PostgreSQL's
server binaries the second is skipped with a note (a failure when CI is set).

Servers are child processes with stdin on a pipe: closing it stops them (they also stop by
themselves after 120 s); every wait is a bounded poll and every server is stopped in a
finally block. Needs root for parts 4 and 8 (writing /proc/PID/mem of a process, running a
command as nobody); without root those parts are skipped with a note.

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES (required, else exit
77), GO (default `go` on PATH, else /usr/bin/go), LP_CORPUS_LIST (optional).
The last line is "N passed, M failed".
"""

import contextlib
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import pgserver  # noqa: E402

TIMEOUT = 120
RUNNER = lptest.Runner(TIMEOUT, drop=("NO_COLOR", "CLICOLOR_FORCE", "LINKPROOF_REGISTRY",
                                      "XDG_DATA_HOME"))
run, base_env = RUNNER.run, RUNNER.env
PF_X = 1
PT_LOAD = 1
FILE_KEYS = {"path", "go_build_id", "gnu_build_id", "sha256", "code_sha256", "code_size",
             "error"}
# every document carries the contract's envelope (docs/json-schema.md)
ENVELOPE = {"schema_version", "command"}
PID_KEYS = {"pid", "exe", "exe_state", "memory", "file", "match"}
MEMORY_KEYS = {"code_sha256", "code_size", "load_bias"}
REGISTRY_KEYS = {"id", "label", "go_build_id", "gnu_build_id", "sha256", "code_sha256",
                 "code_size", "path", "added_at"}
VERDICT_EXIT = {"ok": 0, "rollback": 3, "fuse": 4}
# verify --all exits with the worst verdict: fuse before rollback before "cannot verify"
# (2, docs/fingerprint.md) before ok
SEVERITY = {0: 0, 2: 1, 3: 2, 4: 3}
SERVERS = ("server-amd64-cgo0-exe", "server-amd64-cgo0-pie", "server-amd64-cgo0-exe-v2",
           "server-amd64-cgo0-exe-sw")


# ---------------------------------------------------------------- oracles


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def elf_info(path):
    """The ELF facts the fingerprint rests on, parsed here: {"type", "entry", "loads":
    [(flags, offset, vaddr, filesz, memsz, align)], "code": bytes of the executable PT_LOAD
    segments in program-header order}; None when the file is not ELF."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != lptest.ELF_MAGIC or len(data) < 0x34:
        return None
    e = "<" if data[5] == 1 else ">"
    if data[4] == 2:
        etype, = struct.unpack_from(e + "H", data, 0x10)
        entry, phoff = struct.unpack_from(e + "QQ", data, 0x18)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x36)
    else:
        etype, = struct.unpack_from(e + "H", data, 0x10)
        entry, phoff = struct.unpack_from(e + "II", data, 0x18)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 0x2a)
    loads = []
    for i in range(phnum):
        o = phoff + i * phentsize
        if data[4] == 2:
            ptype, flags, off, vaddr, _, filesz, memsz, align = struct.unpack_from(
                e + "IIQQQQQQ", data, o)
        else:
            ptype, off, vaddr, _, filesz, memsz, flags, align = struct.unpack_from(
                e + "IIIIIIII", data, o)
        if ptype == PT_LOAD:
            loads.append((flags, off, vaddr, filesz, memsz, align))
    code = b"".join(data[off:off + filesz] for flags, off, _, filesz, _, _ in loads
                    if flags & PF_X)
    return {"type": etype, "entry": entry, "loads": loads, "code": code}


def code_offset_of(info, vaddr):
    """The offset of a virtual address inside info["code"] (the concatenation), or None."""
    base = 0
    for flags, _, seg_vaddr, filesz, _, _ in info["loads"]:
        if not flags & PF_X:
            continue
        if seg_vaddr <= vaddr < seg_vaddr + filesz:
            return base + vaddr - seg_vaddr
        base += filesz
    return None


def distinct_builds(src, n, tmp, tag):
    """n copies of src, each with a different code (one byte of the last executable segment
    changed: another build to the registry, never run); their paths."""
    info = elf_info(src)
    flags, off, _, filesz, _, _ = [l for l in info["loads"] if l[0] & PF_X][-1]
    with open(src, "rb") as f:
        data = bytearray(f.read())
    out = []
    for i in range(n):
        d = bytearray(data)
        at = off + filesz - 1 - (i // 255)
        d[at] = (d[at] + 1 + i % 255) & 0xff
        p = os.path.join(tmp, "%s-%03d" % (tag, i))
        with open(p, "wb") as f:
            f.write(d)
        out.append(p)
    return out


def go_buildid(go, path):
    """`go tool buildid FILE`, or None when it fails or prints nothing."""
    rc, out, _ = run([go, "tool", "buildid", path])
    out = lptest.dec(out).strip()
    return out if rc == 0 and out else None


def gnu_buildid(path):
    """The Build ID of `readelf -n` (hex), or None."""
    rc, out, _ = run(["readelf", "-n", "-W", path])
    if rc != 0:
        return None
    m = re.search(r"Build ID: ([0-9a-fA-F]+)", lptest.dec(out))
    return m.group(1).lower() if m else None


def maps_load_bias(pid, exe_inode, info):
    """The load bias from /proc/PID/maps: the start of the mapping of the first PT_LOAD
    segment's page (matched by inode and file offset) minus that segment's page address."""
    _, off, vaddr, _, _, _ = info["loads"][0]
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            cols = line.split()
            if len(cols) < 6:
                continue
            start = int(cols[0].split("-")[0], 16)
            if int(cols[4]) == exe_inode and int(cols[2], 16) == off & ~(page - 1):
                return start - (vaddr & ~(page - 1))
    return None


# ---------------------------------------------------------------- registries of both backends


class SqliteStore:
    """Registries as SQLite files in a directory of their own."""
    kind = "sqlite"

    def __init__(self, tmp):
        self.tmp = tmp

    def new(self, name):
        """Where a new registry would be (nothing there yet)."""
        return os.path.join(self.tmp, name + ".db")

    def exists(self, db):
        """Whether anything of a registry is there (the file or its journal files)."""
        return any(os.path.exists(db + x) for x in ("", "-wal", "-shm", "-journal"))

    def snapshot(self, db):
        return {x: sha256_file(db + x) for x in ("", "-wal", "-shm") if os.path.isfile(db + x)}

    def busy(self, pid, db):
        """Whether process pid has the registry open."""
        try:
            return any(os.readlink("/proc/%d/fd/%s" % (pid, x)).startswith(db)
                       for x in os.listdir("/proc/%d/fd" % pid))
        except OSError:
            return False


class PgStore:
    """Registries as databases of the test's own PostgreSQL server, named by URI."""
    kind = "postgresql"

    def __init__(self, pg):
        self.pg = pg
        self.dbs = {}

    def new(self, name, user=pgserver.SUPERUSER):
        db = self.pg.new_db(name)
        url = self.pg.url(db, user=user)
        self.dbs[url] = db
        return url

    def dbname(self, url):
        return self.dbs[url]

    def exists(self, url):
        """Whether linkproof created any table in the database."""
        return bool(self.pg.tables(self.dbs[url]))

    def snapshot(self, url):
        return self.pg.dump(self.dbs[url])

    def busy(self, pid, url):
        """Whether a linkproof session is inside a transaction on the database (pid is the
        client's; the server's view is by database)."""
        out = self.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
                           "application_name = 'linkproof' AND xact_start IS NOT NULL" % self.dbs[url],
                           check=False)
        return out.strip() not in ("", "0")


ST = None  # the store of the backend under test (main sets it for each)


class Prefixed:
    """The tally, with each check's name prefixed by the backend under test."""

    def __init__(self, t, prefix):
        self._t = t
        self._p = prefix

    def __getattr__(self, name):
        return getattr(self._t, name)

    def check(self, cond, what, detail):
        return self._t.check(cond, self._p + what, detail)

    def fail(self, what, detail):
        return self._t.fail(self._p + what, detail)

    def eq(self, what, field, expected, actual):
        return self.check(expected == actual, what,
                          "%s: expected %r, linkproof says %r" % (field, expected, actual))


# ---------------------------------------------------------------- live processes


class Server:
    """A child process with stdin on a pipe; it prints one line "ready <pid> <version>"
    (the server fixture) unless ready_line is False. stop() closes stdin and waits."""

    def __init__(self, argv, ready_line=True, timeout=20):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.pid = self.proc.pid
        self.line = None
        if ready_line:
            self.line = self._read_line(timeout)

    def _read_line(self, timeout):
        buf = b""
        fd = self.proc.stdout.fileno()
        deadline = time.time() + timeout
        while b"\n" not in buf and time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if fd in r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
        return lptest.dec(buf.split(b"\n")[0]) if b"\n" in buf else None

    def ready(self, version):
        return self.line == "ready %d %s" % (self.pid, version)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for s in (self.proc.stdout, self.proc.stderr):
            s.close()
        return self.proc.returncode


@contextlib.contextmanager
def servers():
    """A list to append Server objects to; all are stopped on the way out."""
    started = []
    try:
        yield started
    finally:
        for s in started:
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 -- stopping the others matters more
                print("note: could not stop pid %d: %s" % (s.pid, e))


def start_server(t, started, path, version, what):
    s = Server([path])
    started.append(s)
    if not t.check(s.ready(version), what, "%s did not print 'ready %d %s' within 20 s: %r"
                   % (path, s.pid, version, s.line)):
        return None
    return s


def nonexistent_pid():
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            pid = int(f.read()) - 1
    except (OSError, ValueError):
        pid = 32767
    while pid > 300 and os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


# ---------------------------------------------------------------- linkproof calls


def json_lines(out):
    """Each stdout line as JSON (None for a line that is not)."""
    return [lptest.load_json(l) for l in lptest.dec(out).split("\n") if l.strip()]


def one_json(t, what, out):
    jl = json_lines(out)
    if not t.check(len(jl) == 1 and isinstance(jl[0], dict), what,
                   "want one JSON object on stdout, got %r" % out[:400]):
        return {}
    return jl[0]


class LP:
    def __init__(self, lp, env=None):
        self.lp = lp
        self.env = env

    def __call__(self, *args, **kw):
        return run([self.lp] + [str(a) for a in args], env=kw.pop("env", self.env), **kw)

    def reg(self, db, *args, **kw):
        return self("registry", "--registry", db, *args, **kw)

    def reg_list(self, t, db, what):
        rc, out, err = self.reg(db, "list", "--json")
        t.check(rc == 0, what, "registry list --json: exit %s, want 0 (stderr %r)"
                % (rc, err[:300]))
        rows = json_lines(out)
        t.check(all(isinstance(r, dict) for r in rows), what,
                "registry list --json: a line is not a JSON object: %r" % out[:400])
        return [r for r in rows if isinstance(r, dict)]


# ---------------------------------------------------------------- 1. files


def check_file_object(t, what, j, path, go, want_go, nested=False):
    """A FILE object of `fingerprint --json` (a document, or nested: a process's "file") against
    the oracles; want_go: the expected Go build ID (None: expect null; "oracle": ask `go tool buildid`)."""
    want = FILE_KEYS if nested else FILE_KEYS | ENVELOPE
    t.check(set(j) == want, what, "keys %s, want exactly %s" % (sorted(j), sorted(want)))
    t.eq(what, "error", None, j.get("error"))
    t.eq(what, "sha256", sha256_file(path), j.get("sha256"))
    info = elf_info(path)
    if info is not None:
        t.eq(what, "code_sha256", hashlib.sha256(info["code"]).hexdigest(), j.get("code_sha256"))
        t.eq(what, "code_size", len(info["code"]), j.get("code_size"))
        t.eq(what, "gnu_build_id", gnu_buildid(path), j.get("gnu_build_id"))
    if want_go == "oracle":
        want_go = go_buildid(go, path)
    t.eq(what, "go_build_id", want_go, j.get("go_build_id"))


def part_files(t, lp, go, fxdir, rows, tmp):
    paths = [r["path"] for r in rows]
    rc, out, err = lp("fingerprint", "--json", *paths)
    t.check(rc == 0, "fingerprint --json (%d fixtures)" % len(paths),
            "exit %s, want 0 (stderr %r)" % (rc, err[:300]))
    t.check(err == b"", "fingerprint --json (fixtures)", "stderr should be empty: %r" % err[:300])
    jl = json_lines(out)
    t.check(len(jl) == len(paths), "fingerprint --json (fixtures)",
            "want %d lines, got %d" % (len(paths), len(jl)))
    for path, j in zip(paths, jl):
        if not t.check(isinstance(j, dict), path, "fingerprint --json line is not an object"):
            continue
        t.eq(path, "path", path, j.get("path"))
        check_file_object(t, path + " (fingerprint)", j, path, go, "oracle")

    # the text form names the same hashes
    srv = os.path.join(fxdir, "server-amd64-cgo0-exe")
    rc, out, err = lp("fingerprint", srv)
    info = elf_info(srv)
    text = lptest.dec(out)
    t.check(rc == 0 and sha256_file(srv) in text
            and hashlib.sha256(info["code"]).hexdigest() in text
            and (go_buildid(go, srv) or "?") in text, "fingerprint (text) " + srv,
            "want exit 0 and the sha256, code sha256 and Go build ID in the text; exit %s, %r"
            % (rc, text[:500]))

    # the corpus (optional): real-world binaries of other architectures and formats
    for path in lptest.corpus_paths(t, os.path.isfile, "files", "missing"):
        rc, out, err = lp("fingerprint", "--json", path)
        j = one_json(t, path, out)
        if not j:
            continue
        if lptest.is_elf(path):
            t.check(rc == 0, path, "fingerprint: exit %s, want 0 (stderr %r)" % (rc, err[:300]))
            check_file_object(t, path + " (corpus)", j, path, go, "oracle")
        else:
            # PE and Mach-O: the code hash is defined for ELF only; documented here
            print("note: corpus %s (not ELF): exit %s, go_build_id %r, code_sha256 %r, error %r"
                  % (path, rc, j.get("go_build_id"), j.get("code_sha256"), j.get("error")))

    # non-Go ELF files: no Go build ID (`go tool buildid` prints the GNU one as raw bytes
    # for these, so it is no oracle here), the GNU build ID and code of the host's files
    for path in (lptest.host_true(), lptest.host_libc()):
        if not path:
            continue
        rc, out, err = lp("fingerprint", "--json", path)
        t.check(rc == 0, "fingerprint " + path, "exit %s, want 0 (stderr %r)" % (rc, err[:300]))
        j = one_json(t, "fingerprint " + path, out)
        if j:
            check_file_object(t, path + " (non-Go ELF)", j, path, go, None)

    # a non-ELF file and an empty file can be read: the spec's exit 2 is for files that
    # cannot be read. Sensible: exit 0, the file's sha256, build IDs and code hash null.
    empty = lptest.write_file(os.path.join(tmp, "empty"), b"", 0o644)
    text_file = lptest.write_file(os.path.join(tmp, "notes.txt"), b"just text\n", 0o644)
    for path in (text_file, empty):
        what = "fingerprint --json %s (not ELF)" % path
        rc, out, err = lp("fingerprint", "--json", path)
        j = one_json(t, what, out)
        t.check(rc == 0, what, "exit %s, want 0: the file was read (stderr %r)" % (rc, err[:300]))
        t.eq(what, "sha256", sha256_file(path), j.get("sha256"))
        t.check(j.get("code_sha256") is None and j.get("code_size") in (None, 0)
                and j.get("go_build_id") is None and j.get("gnu_build_id") is None, what,
                "want null code_sha256 and build IDs, got %r" % j)

    # a truncated ELF (segments past the end of the file) is malformed: never a hash of
    # part of a segment
    trunc = lptest.write_file(os.path.join(tmp, "truncated"), open(srv, "rb").read()[:65536])
    rc, out, err = lp("fingerprint", "--json", trunc)
    j = one_json(t, "fingerprint truncated ELF", out)
    t.check(rc == 2 and j.get("code_sha256") is None and j.get("error"), "fingerprint truncated ELF",
            "want exit 2, code_sha256 null and an error, got exit %s, %r" % (rc, j))
    t.check(len(lptest.stderr_lines(err)) == 1, "fingerprint truncated ELF",
            "want one stderr line, got %r" % err[:300])

    # missing file and directory among good ones: exit 2, one line each, the others intact
    missing = os.path.join(tmp, "no-such-file")
    files = [srv, missing, tmp, srv]
    rc, out, err = lp("fingerprint", "--json", *files)
    what = "fingerprint --json srv missing dir srv"
    jl = json_lines(out)
    t.check(rc == 2, what, "exit %s, want 2" % rc)
    if t.check(len(jl) == 4 and all(isinstance(j, dict) for j in jl), what,
               "want 4 JSON objects, got %r" % out[:400]):
        t.check(jl[0].get("error") is None and jl[3].get("error") is None
                and jl[0].get("code_sha256") == hashlib.sha256(info["code"]).hexdigest(), what,
                "the readable files should still be fingerprinted: %r" % [jl[0], jl[3]])
        for j, p in ((jl[1], missing), (jl[2], tmp)):
            t.check(isinstance(j.get("error"), dict) and p in j["error"].get("message", "")
                    and j.get("sha256") is None, what,
                    "want an error naming %s and sha256 null, got %r" % (p, j))
    lines = lptest.stderr_lines(err)
    t.check(len(lines) == 2 and all(l.startswith("linkproof: ") for l in lines), what,
            "want two stderr lines 'linkproof: ...', got %r" % lines)

    rc, out, err = lp("fingerprint")
    t.check(rc == 2 and out == b"" and err.startswith(b"linkproof: "), "fingerprint (no args)",
            "want exit 2, a 'linkproof: ' usage line, got exit %s, %r" % (rc, err[:200]))


# ---------------------------------------------------------------- 2. processes


def check_pid(t, lp, what, pid, path, want_state, want_bias_zero, info, exe_path=None,
              want_match=True):
    """fingerprint --pid PID --json of a process running `path` (whose ELF facts are info,
    parsed before it was changed on disk); returns the JSON object."""
    rc, out, err = lp("fingerprint", "--pid", pid, "--json")
    j = one_json(t, what, out)
    t.check(rc == (0 if want_match else 1), what, "exit %s, want %d (stderr %r)"
            % (rc, 0 if want_match else 1, err[:300]))
    if not j:
        return {}
    t.check(PID_KEYS <= set(j), what, "keys %s, want %s" % (sorted(j), sorted(PID_KEYS)))
    mem = j.get("memory") if isinstance(j.get("memory"), dict) else {}
    fil = j.get("file") if isinstance(j.get("file"), dict) else {}
    t.check(MEMORY_KEYS <= set(mem), what, "memory keys %s" % sorted(mem))
    t.check(set(fil) == FILE_KEYS, what, "file keys %s, want %s" % (sorted(fil), sorted(FILE_KEYS)))
    t.eq(what, "pid", pid, j.get("pid"))
    t.eq(what, "exe", exe_path or path, j.get("exe"))
    t.eq(what, "exe_state", want_state, j.get("exe_state"))
    t.eq(what, "match", want_match, j.get("match"))
    code_hash = hashlib.sha256(info["code"]).hexdigest()
    t.eq(what, "file.code_sha256", code_hash, fil.get("code_sha256"))
    t.eq(what, "file.code_size", len(info["code"]), fil.get("code_size"))
    t.eq(what, "memory.code_size", len(info["code"]), mem.get("code_size"))
    if want_match:
        t.eq(what, "memory.code_sha256", code_hash, mem.get("code_sha256"))
    t.check(fil.get("path") in (exe_path or path, "/proc/%d/exe" % pid), what,
            "file.path: want the running file's path (%s or /proc/%d/exe), got %r"
            % (exe_path or path, pid, fil.get("path")))
    bias = maps_load_bias(pid, os.stat("/proc/%d/exe" % pid).st_ino, info)
    t.eq(what, "memory.load_bias (/proc/PID/maps)", bias, mem.get("load_bias"))
    if want_bias_zero:
        t.eq(what, "memory.load_bias", 0, mem.get("load_bias"))
    else:
        t.check(isinstance(mem.get("load_bias"), int) and mem["load_bias"] != 0, what,
                "load_bias of a PIE should be non-zero, got %r" % mem.get("load_bias"))
    return j


def part_pid(t, lp, go, fxdir, tmp):
    # the fixture itself: ready line, then exit 0 soon after its stdin is closed
    s = Server([os.path.join(fxdir, "server-amd64-cgo0-exe-v2")])
    t0 = time.time()
    rc = s.stop()
    t.check(s.ready("v2") and rc == 0 and time.time() - t0 < 5, "server fixture",
            "want 'ready %d v2', then exit 0 within 5 s of the end of stdin; got %r, exit %s after %.1f s"
            % (s.pid, s.line, rc, time.time() - t0))
    with servers() as started:
        for name, bias_zero in (("server-amd64-cgo0-exe", True), ("server-amd64-cgo0-pie", False)):
            path = os.path.join(fxdir, name)
            s = start_server(t, started, path, "v1", "start " + name)
            if s is None:
                continue
            what = "fingerprint --pid (%s)" % name
            j = check_pid(t, lp, what, s.pid, path, "present", bias_zero, elf_info(path))
            if j:
                check_file_object(t, what + " file", dict(j["file"], path=path), path, go, "oracle", nested=True)
            rc, out, err = lp("fingerprint", "--pid", s.pid)
            t.check(rc == 0 and str(s.pid).encode() in out and out.count(
                hashlib.sha256(elf_info(path)["code"]).hexdigest().encode()) >= 2,
                what + " (text)", "want exit 0, the pid and the code hash twice (file and "
                "memory), got exit %s, %r" % (rc, out[:600]))
            t.check(s.alive(), what, "the server died while being read")

        # a non-Go, dynamically linked PIE: cat waits for the end of its stdin as well
        cat = shutil.which("cat")
        if cat:
            s = Server([cat], ready_line=False)
            started.append(s)
            exe = None
            deadline = time.time() + 10
            while time.time() < deadline:  # until the exec is done
                try:
                    exe = os.readlink("/proc/%d/exe" % s.pid)
                    if os.path.basename(exe) == "cat":
                        break
                except OSError:
                    pass
                time.sleep(0.05)
            info = elf_info(exe)
            j = check_pid(t, lp, "fingerprint --pid (cat, non-Go)", s.pid, exe, "present",
                          info["type"] != 3, info)
            if j:
                t.eq("fingerprint --pid (cat)", "file.go_build_id", None, j["file"].get("go_build_id"))
                t.eq("fingerprint --pid (cat)", "file.gnu_build_id", gnu_buildid(exe),
                     j["file"].get("gnu_build_id"))


# ---------------------------------------------------------------- 3. replaced, deleted


def part_replaced(t, lp, fxdir, tmp):
    v1 = os.path.join(fxdir, "server-amd64-cgo0-exe")
    v2 = os.path.join(fxdir, "server-amd64-cgo0-exe-v2")
    info_v1, info_v2 = elf_info(v1), elf_info(v2)
    t.check(info_v1["code"] != info_v2["code"], "fixtures v1/v2",
            "v1 and v2 should have different code (their Go build ID notes differ)")
    with servers() as started:
        # replaced: a deploy writes a new file and renames it over the running one
        path = os.path.join(tmp, "srv-replaced")
        shutil.copy2(v1, path)
        s = start_server(t, started, path, "v1", "start copy (replaced)")
        if s:
            new = path + ".new"
            shutil.copy2(v2, new)
            os.rename(new, path)
            t.check(sha256_file(path) == sha256_file(v2), "replace", "the copy was not replaced")
            what = "fingerprint --pid (replaced on disk)"
            j = check_pid(t, lp, what, s.pid, path, "replaced", True, info_v1)
            if j:
                t.eq(what, "file.sha256 (the running v1)", sha256_file(v1), j["file"].get("sha256"))
                t.eq(what, "file.go_build_id (the running v1)", go_buildid(lptest.go_bin(), v1),
                     j["file"].get("go_build_id"))
            # the file at the path is v2 now
            rc, out, _ = lp("fingerprint", "--json", path)
            j = one_json(t, "fingerprint (the new file)", out)
            t.eq("fingerprint (the new file)", "code_sha256",
                 hashlib.sha256(info_v2["code"]).hexdigest(), j.get("code_sha256"))

        # deleted
        path = os.path.join(tmp, "srv-deleted")
        shutil.copy2(v1, path)
        s = start_server(t, started, path, "v1", "start copy (deleted)")
        if s:
            os.unlink(path)
            what = "fingerprint --pid (deleted)"
            j = check_pid(t, lp, what, s.pid, path, "deleted", True, info_v1)
            if j:
                t.eq(what, "file.sha256 (the running v1)", sha256_file(v1), j["file"].get("sha256"))

        # a file whose name ends in " (deleted)" (what the kernel appends to the link of a
        # deleted executable) is present: the name alone does not tell, the inode does
        for name, decoy in (("srv (deleted)", False), ("srv2 (deleted)", True)):
            path = os.path.join(tmp, name)
            shutil.copy2(v1, path)
            if decoy:  # and a different file at the name without the suffix
                shutil.copy2(v2, os.path.join(tmp, name[:-len(" (deleted)")]))
            s = start_server(t, started, path, "v1", "start %r" % name)
            if s:
                check_pid(t, lp, "fingerprint --pid (present, named %r%s)"
                          % (name, ", beside a file without the suffix" if decoy else ""),
                          s.pid, path, "present", True, info_v1)

        # replaced by a file of the same code (a copy of the same build): still "replaced"
        # (another inode), and match stays true
        path = os.path.join(tmp, "srv-same")
        shutil.copy2(v1, path)
        s = start_server(t, started, path, "v1", "start copy (same build)")
        if s:
            shutil.copy2(v1, path + ".new")
            os.rename(path + ".new", path)
            check_pid(t, lp, "fingerprint --pid (replaced by an identical copy)", s.pid, path,
                      "replaced", True, info_v1)


# ---------------------------------------------------------------- 4. memory patched


def patch_code_byte(pid, info, bias):
    """Overwrites the byte at the entry point (already executed, never again) through
    /proc/PID/mem; returns the patched copy of info["code"]."""
    addr = bias + info["entry"]
    with open("/proc/%d/mem" % pid, "r+b", buffering=0) as m:
        m.seek(addr)
        old = m.read(1)
        m.seek(addr)
        m.write(bytes([old[0] ^ 0xff]))
        m.seek(addr)
        now = m.read(1)
    if now == old:
        raise OSError("the byte at %#x did not change" % addr)
    off = code_offset_of(info, info["entry"])
    code = bytearray(info["code"])
    code[off] ^= 0xff
    return bytes(code)


def part_patched(t, lp, go, fxdir, tmp):
    if os.geteuid() != 0:
        print("note: not root: the /proc/PID/mem patch part is skipped")
        return
    db = ST.new("patched")
    with servers() as started:
        for name, bias_zero in (("server-amd64-cgo0-exe", True), ("server-amd64-cgo0-pie", False)):
            src = os.path.join(fxdir, name)
            path = os.path.join(tmp, "patched-" + name)
            shutil.copy2(src, path)
            lp.reg(db, "add", "--label", "trusted-" + name, path)
            s = start_server(t, started, path, "v1", "start " + name + " (to patch)")
            if s is None:
                continue
            info = elf_info(path)
            what = "memory patched (%s)" % name
            bias = maps_load_bias(s.pid, os.stat(path).st_ino, info)
            try:
                patched = patch_code_byte(s.pid, info, bias)
            except OSError as e:
                t.fail(what, "could not patch /proc/%d/mem: %s" % (s.pid, e))
                continue
            t.check(sha256_file(path) == sha256_file(src), what, "the file changed on disk")
            j = check_pid(t, lp, what, s.pid, path, "present", bias_zero, info, want_match=False)
            if j:
                t.eq(what, "memory.code_sha256 (the patched bytes)",
                     hashlib.sha256(patched).hexdigest(), j["memory"].get("code_sha256"))
            build_id = go_buildid(go, path)
            for args, label in ((["--baseline", build_id], "baseline = its build ID"),
                                ([], "registered, no baseline")):
                w = "verify --pid (%s, %s)" % (what, label)
                rc, out, err = lp("verify", "--pid", s.pid, "--registry", db, *args)
                t.check(rc == 4, w, "exit %s, want 4 (fuse); stdout %r stderr %r"
                        % (rc, out[:400], err[:200]))
                t.check(out.startswith(b"fuse"), w, "the text should start with 'fuse': %r" % out[:200])
                rc, out, err = lp("verify", "--pid", s.pid, "--registry", db, "--json", *args)
                j = one_json(t, w + " --json", out)
                t.check(rc == 4 and j.get("verdict") == "fuse" and j.get("match") is False, w + " --json",
                        "want exit 4, verdict fuse, match false; got exit %s, %r" % (rc, j))
            t.check(s.alive(), what, "the server died after the patch")


# ---------------------------------------------------------------- 5. verify


def verify(t, lp, what, pid, db, baseline, want, label=None):
    """verify --pid (text and --json): the verdict, its exit status, and the label."""
    args = ["verify", "--pid", pid, "--registry", db]
    if baseline:
        args += ["--baseline", baseline]
    rc, out, err = lp(*args)
    text = lptest.dec(out)
    t.check(rc == VERDICT_EXIT[want], what, "exit %s, want %d (%s); stdout %r stderr %r"
            % (rc, VERDICT_EXIT[want], want, text[:500], err[:300]))
    t.check(text.startswith(want + ":"), what, "the text should start with '%s:': %r" % (want, text[:300]))
    if want == "rollback":
        t.check(re.search(r"(?m)^  running +%s \(trusted\)$" % re.escape(label), text) is not None
                and re.search(r"(?m)^  next +deploy ", text) is not None, what,
                "the text should name the running build %r as trusted and say 'deploy' the baseline: %r"
                % (label, text))
    if want == "fuse":
        t.check(len(text.strip().split("\n")) >= 2, what,
                "a fuse should print the evidence and the next step: %r" % text)
    rc, out, err = lp(*(args + ["--json"]))
    j = one_json(t, what + " --json", out)
    t.check(rc == VERDICT_EXIT[want] and j.get("verdict") == want, what + " --json",
            "want exit %d and verdict %r, got exit %s, %r" % (VERDICT_EXIT[want], want, rc, j))
    t.eq(what + " --json", "pid", pid, j.get("pid"))
    if label is not None:
        t.eq(what + " --json", "label", label, j.get("label"))
    return j


def part_verify(t, lp, go, fxdir, tmp):
    fx = {n: os.path.join(fxdir, n) for n in SERVERS}
    bid = {n: go_buildid(go, p) for n, p in fx.items()}
    if not t.check(all(bid.values()), "go tool buildid", "no Go build ID for a server: %r" % bid):
        return
    db = ST.new("verify")
    for name, label in (("server-amd64-cgo0-exe", "release-1.0"), ("server-amd64-cgo0-pie", "release-1.0"),
                        ("server-amd64-cgo0-exe-v2", "release-2.0")):
        rc, _, err = lp.reg(db, "add", "--label", label, fx[name])
        t.check(rc == 0, "registry add " + name, "exit %s (stderr %r)" % (rc, err[:300]))
    db_exe_only = ST.new("verify-exe-only")
    lp.reg(db_exe_only, "add", "--label", "release-1.0", fx["server-amd64-cgo0-exe"])
    v2 = bid["server-amd64-cgo0-exe-v2"]
    with servers() as started:
        for name in ("server-amd64-cgo0-exe", "server-amd64-cgo0-pie"):
            s = start_server(t, started, fx[name], "v1", "start " + name)
            if s is None:
                continue
            w = "verify %s" % name
            verify(t, lp, w + " --baseline (its own)", s.pid, db, bid[name], "ok")
            verify(t, lp, w + " --baseline v2", s.pid, db, v2, "rollback", "release-1.0")
            verify(t, lp, w + " (registered, no baseline)", s.pid, db, None, "ok", "release-1.0")
            # the baseline alone is enough when the code matches the file
            empty_db = ST.new("empty-%s" % name)
            verify(t, lp, w + " --baseline (its own), empty registry", s.pid, empty_db, bid[name], "ok")
            if name.endswith("-pie"):
                verify(t, lp, w + " (pie not registered, no baseline)", s.pid, db_exe_only, None, "fuse")
                verify(t, lp, w + " (pie not registered) --baseline v2", s.pid, db_exe_only, v2, "fuse")
        s = start_server(t, started, fx["server-amd64-cgo0-exe-sw"], "v1", "start -sw")
        if s:
            w = "verify server-amd64-cgo0-exe-sw (unregistered)"
            j = verify(t, lp, w + " --baseline v2", s.pid, db, v2, "fuse")
            t.check(j.get("match") is True, w, "memory matches the file: match should be true: %r" % j)
            verify(t, lp, w + " (no baseline)", s.pid, db, None, "fuse")
            verify(t, lp, w + " --baseline (its own)", s.pid, db, bid["server-amd64-cgo0-exe-sw"], "ok")
        # baselines: a label is looked up; what is neither a build ID nor a label is a usage
        # error, before any process is read
        s1 = started[0] if started and started[0].alive() else None
        if s1:
            w = "verify --baseline LABEL"
            j = verify(t, lp, w + " (another release)", s1.pid, db, "release-2.0", "rollback", "release-1.0")
            t.eq(w, "baseline", {"given": "release-2.0", "label": "release-2.0", "go_build_id": None},
                 j.get("baseline"))
            rc, out, _ = lp("verify", "--pid", s1.pid, "--registry", db, "--baseline", "release-2.0")
            text = lptest.dec(out)
            t.check(re.search(r"(?m)^  baseline +release-2\.0$", text) and "deploy release-2.0" in text, w,
                    "the text should name the baseline release-2.0 and say 'deploy release-2.0': %r" % text)
            j = verify(t, lp, w + " (its own release)", s1.pid, db, "release-1.0", "ok", "release-1.0")
            j = verify(t, lp, "verify --baseline BUILD_ID (labelled)", s1.pid, db, v2, "rollback", "release-1.0")
            t.eq("verify --baseline BUILD_ID (labelled)", "baseline",
                 {"given": v2, "label": "release-2.0", "go_build_id": v2}, j.get("baseline"))
            for bad, why in (("", "empty (a failed $(...))"), ("1", "a typo"), ("release-9.9", "no such label"),
                             ("v2", "no such label"), (v2[:-1], "a build ID cut short"),
                             (v2 + "/x", "a build ID with a part too many")):
                what = "verify --baseline %r (%s)" % (bad, why)
                for extra in ([], ["--json"]):
                    rc, out, err = lp("verify", "--pid", s1.pid, "--registry", db, "--baseline", bad, *extra)
                    lines = lptest.stderr_lines(err)
                    t.check(rc == 2 and out == b"" and len(lines) == 1 and "baseline" in lines[0], what,
                            "want exit 2, nothing on stdout and one line about the baseline, got exit %s, "
                            "%r %r" % (rc, out[:200], lines))
            rc, out, err = lp("verify", "--all", "--registry", db, "--baseline", "1")
            t.check(rc == 2 and out == b"", "verify --all --baseline 1",
                    "want exit 2 and no table, got exit %s, %r" % (rc, out[:200]))
        # the registry from $LINKPROOF_REGISTRY
        s = started[0] if started and started[0].alive() else None
        if s:
            rc, out, err = run([lp.lp, "verify", "--pid", str(s.pid)],
                               env=base_env(LINKPROOF_REGISTRY=db))
            t.check(rc == 0, "verify --pid (registry from $LINKPROOF_REGISTRY)",
                    "exit %s, want 0; %r %r" % (rc, out[:300], err[:300]))
        # a missing registry file given by --registry: what happens is documented here
        missing_db = os.path.join(tmp, "nodir", "missing.db")
        if s and ST.kind == "sqlite":
            rc, out, err = lp("verify", "--pid", s.pid, "--registry", missing_db)
            print("note: verify with --registry in a missing directory: exit %s, %r"
                  % (rc, lptest.dec(err or out).strip()[:200]))


def pid_swap(t, lp, what, args, make_new, fxdir, tmp):
    """Run linkproof ARGS (with {pid}) on a server held at the pause hook ($LINKPROOF_TEST_PAUSE)
    while the server is killed and, when make_new, another server started under the same pid
    (kernel.ns_last_pid). Returns (exit, stdout, stderr, reused) or None when the pid could not be
    taken again."""
    pause = tempfile.mkdtemp(prefix="lp-pause-", dir=tmp)
    os.mkfifo(os.path.join(pause, "resume"))
    a = Server([os.path.join(fxdir, "server-amd64-cgo0-exe")])
    b = None
    try:
        if not t.check(a.ready("v1"), what, "the first server did not start: %r" % a.line):
            return None
        argv = [lp.lp] + [x.format(pid=a.pid) for x in args]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=base_env(LINKPROOF_TEST_PAUSE=pause))
        deadline = time.time() + 20
        while time.time() < deadline and p.poll() is None and not os.path.exists(os.path.join(pause, "paused.memory")):
            time.sleep(0.01)
        paused = os.path.exists(os.path.join(pause, "paused.memory"))
        t.check(paused, what, "linkproof did not pause before reading the memory (no paused.memory "
                "in $LINKPROOF_TEST_PAUSE): the reads are not staged through one process handle")
        pid = a.pid
        a.proc.kill()
        a.proc.wait()
        reused = False
        if make_new and paused:
            for _ in range(50):
                try:
                    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                        f.write(str(pid - 1))
                except OSError:
                    break
                b = Server([os.path.join(fxdir, "server-amd64-cgo0-exe-v2")], ready_line=False)
                if b.pid == pid:
                    b.line = b._read_line(20)  # started and serving before linkproof goes on
                    reused = True
                    break
                b.stop()
                b = None
        if paused:
            os.close(os.open(os.path.join(pause, "resume"), os.O_WRONLY))
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        return p.returncode, out, err, reused
    finally:
        a.stop()
        if b:
            b.stop()


def part_pid_swap(t, lp, go, fxdir, tmp):
    """A process replaced by another under the same pid while linkproof reads it (held at the
    pause hook between reading the file and reading the memory): "changed while being read",
    exit 2, never a verdict or a fingerprint mixing two processes."""
    if os.geteuid() != 0 or not os.access("/proc/sys/kernel/ns_last_pid", os.W_OK):
        print("note: not root (or no kernel.ns_last_pid): the pid-swap part is skipped")
        return
    db = ST.new("swap")
    for name, label in (("server-amd64-cgo0-exe", "release-1.0"), ("server-amd64-cgo0-exe-v2", "release-2.0")):
        lp.reg(db, "add", "--label", label, os.path.join(fxdir, name))
    v1 = go_buildid(go, os.path.join(fxdir, "server-amd64-cgo0-exe"))
    cases = (("verify --pid --baseline", ["verify", "--pid", "{pid}", "--registry", db, "--baseline", v1]),
             ("verify --pid --json", ["verify", "--pid", "{pid}", "--registry", db, "--json"]),
             ("fingerprint --pid", ["fingerprint", "--pid", "{pid}"]))
    for what, args in cases:
        for make_new, how in ((True, "replaced under the same pid"), (False, "exited")):
            w = "%s (%s while being read)" % (what, how)
            r = pid_swap(t, lp, w, args, make_new, fxdir, tmp)
            if r is None:
                continue
            rc, out, err, reused = r
            if make_new and not reused:
                print("note: %s: the pid could not be taken again; checked as 'exited'" % w)
            lines = lptest.stderr_lines(err)
            t.check(rc == 2 and out == b"" and len(lines) == 1 and "changed while being read" in lines[0], w,
                    "want exit 2, nothing on stdout, one line 'changed while being read', got exit %s, "
                    "%r %r" % (rc, out[:300], lines))
            if make_new and reused:
                t.check(b"another process" in err, w, "the line should say another process has the id: %r"
                        % err[:300])
    # the pause itself changes nothing when the process stays
    pause = tempfile.mkdtemp(prefix="lp-pause-", dir=tmp)
    os.mkfifo(os.path.join(pause, "resume"))
    with servers() as started:
        s = start_server(t, started, os.path.join(fxdir, "server-amd64-cgo0-exe"), "v1", "start (pause only)")
        if s:
            p = subprocess.Popen([lp.lp, "verify", "--pid", str(s.pid), "--registry", db, "--baseline", v1],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=base_env(LINKPROOF_TEST_PAUSE=pause))
            deadline = time.time() + 20
            while time.time() < deadline and not os.path.exists(os.path.join(pause, "paused.memory")):
                time.sleep(0.01)
            os.close(os.open(os.path.join(pause, "resume"), os.O_WRONLY))
            out, err = p.communicate(timeout=60)
            t.check(p.returncode == 0 and out.startswith(b"ok:"), "verify (paused, the same process)",
                    "want exit 0 (ok), got exit %s, %r %r" % (p.returncode, out[:200], err[:200]))


# ---------------------------------------------------------------- 6. registry


def no_id(row):
    """A row as import takes it: without the id, and without the envelope of a --json document
    (schema_version, command), which an entry does not have."""
    return {k: v for k, v in row.items() if k not in ("id", "schema_version", "command")}


def strip_ids(rows):
    return sorted((tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows))


def part_registry(t, lp, go, fxdir, tmp):
    fx = {n: os.path.join(fxdir, n) for n in SERVERS}
    db = ST.new("reg")
    v1, v2, sw = fx["server-amd64-cgo0-exe"], fx["server-amd64-cgo0-exe-v2"], fx["server-amd64-cgo0-exe-sw"]

    rc, out, err = lp.reg(db, "list", "--json")
    t.check(rc == 0 and out == b"", "registry list (new database)",
            "want exit 0 and nothing, got exit %s, %r %r" % (rc, out[:200], err[:200]))
    rc, out, err = lp.reg(db, "add", "--label", "release-1.0", v1)
    t.check(rc == 0, "registry add v1", "exit %s (stderr %r)" % (rc, err[:300]))
    rows = lp.reg_list(t, db, "registry add v1")
    if t.check(len(rows) == 1, "registry add v1", "want one row, got %r" % rows):
        r = rows[0]
        t.check(set(r) == REGISTRY_KEYS | ENVELOPE and r.get("command") == "registry list",
                "registry list --json", "keys %s, want %s" % (sorted(r), sorted(REGISTRY_KEYS | ENVELOPE)))
        _, out, _ = lp("fingerprint", "--json", v1)
        f = one_json(t, "fingerprint v1", out)
        for k in ("go_build_id", "gnu_build_id", "sha256", "code_sha256", "code_size", "path"):
            t.eq("registry row v1", k, f.get(k), r.get(k))
        t.eq("registry row v1", "label", "release-1.0", r.get("label"))
        t.check(isinstance(r.get("added_at"), str)
                and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", r["added_at"]) is not None,
                "registry row v1", "added_at should be an ISO 8601 time: %r" % r.get("added_at"))

    # the same code under the same label again: no-op, also from another path
    copy = os.path.join(tmp, "v1-copy")
    shutil.copy2(v1, copy)
    for p in (v1, copy):
        rc, _, err = lp.reg(db, "add", "--label", "release-1.0", p)
        t.check(rc == 0, "registry add (again) " + p, "exit %s (stderr %r)" % (rc, err[:200]))
    rows = lp.reg_list(t, db, "registry add twice")
    t.check(len(rows) == 1, "registry add: same code, same label", "want one row, got %d" % len(rows))
    # one build has one label: another label changes nothing, exits 1 and says how to rename
    rc, out, err = lp.reg(db, "add", "--label", "release-1.0-again", v1)
    lines = lptest.stderr_lines(err)
    t.check(rc == 1 and len(lines) == 1 and "'release-1.0'" in lines[0] and "rename" in lines[0],
            "registry add: the same build under a second label",
            "want exit 1 and one line naming the label it has and 'rename', got exit %s, %r" % (rc, lines))
    t.check([r.get("label") for r in lp.reg_list(t, db, "second label")] == ["release-1.0"],
            "registry add: the same build under a second label", "the registry changed")
    # several files with one label
    rc, _, err = lp.reg(db, "add", "--label", "release-2.0", v2, sw)
    t.check(rc == 0, "registry add v2 sw", "exit %s (stderr %r)" % (rc, err[:200]))
    rows = lp.reg_list(t, db, "registry add v2 sw")
    t.check(sorted(r.get("label") for r in rows) == ["release-1.0", "release-2.0", "release-2.0"],
            "registry list", "labels %r" % [r.get("label") for r in rows])
    # a file that cannot be fingerprinted is not added
    rc, _, err = lp.reg(db, "add", "--label", "x", os.path.join(tmp, "missing"))
    t.check(rc == 2 and len(lp.reg_list(t, db, "registry add missing")) == 3,
            "registry add MISSING", "want exit 2 and no new row, got exit %s" % rc)

    # show by id, Go build ID, sha256, code SHA-256, and the code prefix `list` prints (and
    # shorter ones); nothing found: exit 1
    byid = {r["id"]: r for r in rows if isinstance(r.get("id"), int)}
    r2 = next((r for r in rows if r.get("path") == v2), None)
    rc, table, _ = lp.reg(db, "list")
    printed = {}
    for line in lptest.dec(table).split("\n")[1:]:
        m = re.match(r"^(\d+)\s+.*\s([0-9a-f]{16})\s+\S+$", line)
        if m:
            printed[int(m.group(1))] = m.group(2)
    if t.check(r2 is not None and printed.get(r2["id"]) == r2["code_sha256"][:16], "registry list",
               "no row for %s, or its code prefix is not the first 16 digits of its code: %r"
               % (v2, printed)):
        for key in (str(r2["id"]), r2["go_build_id"], r2["sha256"], r2["code_sha256"],
                    printed[r2["id"]], r2["code_sha256"][:8], r2["go_build_id"][:12]):
            rc, out, err = lp.reg(db, "show", key, "--json")
            jl = json_lines(out)
            t.check(rc == 0 and jl == [dict(r2, command="registry show")], "registry show " + key[:20],
                    "want exit 0 and the row %r, got exit %s, %r" % (r2, rc, out[:400]))
            rc, out, err = lp.reg(db, "show", key)
            # the table abbreviates the code hash to its first 16 digits
            t.check(rc == 0 and r2["code_sha256"][:16].encode() in out and b"release-2.0" in out,
                    "registry show (text) " + key[:20], "exit %s, %r" % (rc, out[:400]))
    # a label: every build under it
    rc, out, err = lp.reg(db, "show", "release-2.0", "--json")
    t.check(rc == 0 and sorted(r.get("path") for r in json_lines(out)) == sorted([v2, sw]),
            "registry show LABEL", "want exit 0 and the rows of %s and %s, got exit %s, %r"
            % (v2, sw, rc, out[:400]))
    for key in ("999999", "f" * 64, "nosuchbuildid/x/y/z"):
        rc, out, err = lp.reg(db, "show", key)
        t.check(rc == 1, "registry show (not found) " + key[:12], "exit %s, want 1" % rc)
        rc, out, err = lp.reg(db, "remove", key)
        t.check(rc == 1, "registry remove (not found) " + key[:12], "exit %s, want 1" % rc)
    t.check(len(lp.reg_list(t, db, "after not found")) == 3, "registry remove (not found)",
            "the rows changed")

    # export (stdout and FILE), remove all, import (FILE and stdin): the same rows
    rc, exp, err = lp.reg(db, "export")
    t.check(rc == 0 and len(json_lines(exp)) == 3, "registry export",
            "want exit 0 and 3 lines, got exit %s, %r" % (rc, exp[:300]))
    exp_file = os.path.join(tmp, "export.jsonl")
    rc, out, err = lp.reg(db, "export", exp_file)
    t.check(rc == 0 and os.path.isfile(exp_file) and open(exp_file, "rb").read() == exp,
            "registry export FILE", "exit %s; the file should hold what export prints" % rc)
    before = lp.reg_list(t, db, "before remove")
    for r in before:
        rc, _, err = lp.reg(db, "remove", str(r["id"]))
        t.check(rc == 0, "registry remove %s" % r["id"], "exit %s (stderr %r)" % (rc, err[:200]))
    t.check(lp.reg_list(t, db, "after remove") == [], "registry remove (all)", "rows left")
    rc, _, err = lp.reg(db, "import", exp_file)
    t.check(rc == 0, "registry import FILE", "exit %s (stderr %r)" % (rc, err[:300]))
    after = lp.reg_list(t, db, "after import")
    t.check(strip_ids(after) == strip_ids(before), "export/remove/import round trip",
            "the rows differ (ids aside):\n  before %r\n  after  %r" % (before, after))
    if [r.get("id") for r in after] != [r.get("id") for r in before]:
        print("note: import gave new ids: %r -> %r" % ([r.get("id") for r in before],
                                                       [r.get("id") for r in after]))
    # importing the same again: the entries are there already
    rc, _, err = lp.reg(db, "import", input=exp)
    t.check(rc == 0 and len(lp.reg_list(t, db, "import twice")) == 3, "registry import (stdin, again)",
            "want exit 0 and still 3 rows, got exit %s (stderr %r)" % (rc, err[:200]))
    # by Go build ID, then by sha256: remove deletes that build's row
    rc, _, _ = lp.reg(db, "remove", r2["go_build_id"] if r2 else "x")
    t.check(rc == 0 and len(lp.reg_list(t, db, "remove by build id")) == 2, "registry remove BUILD_ID",
            "exit %s" % rc)
    r1 = next((r for r in lp.reg_list(t, db, "remove by sha256") if r.get("path") == v1), {})
    rc, _, _ = lp.reg(db, "remove", r1.get("sha256", "x"))
    left = lp.reg_list(t, db, "remove by sha256")
    t.check(rc == 0 and len(left) == 1 and all(r.get("path") != v1 for r in left),
            "registry remove SHA256", "exit %s, rows left %r" % (rc, [r.get("label") for r in left]))
    rc, _, err = lp.reg(db, "import", exp_file)
    t.check(rc == 0 and len(lp.reg_list(t, db, "re-import")) == 3, "registry import (after removes)",
            "exit %s (stderr %r)" % (rc, err[:200]))
    # all or nothing: a bad line after good ones imports nothing
    good = [json.loads(l) for l in lptest.dec(exp).split("\n") if l.strip()]
    fresh = [dict(no_id(g), label="batch-%d" % i, code_sha256="%064x" % (0xabc000 + i))
             for i, g in enumerate(good)]
    bad = "\n".join(json.dumps(x) for x in fresh) + "\n{\"label\": \"broken\", \"sha256\": 12}\n"
    n_before = len(lp.reg_list(t, db, "before bad import"))
    rc, _, err = lp.reg(db, "import", input=bad.encode())
    n_after = len(lp.reg_list(t, db, "bad import"))
    t.check(rc == 2 and n_after == n_before, "registry import (bad last line)",
            "want exit 2 and nothing imported (%d rows), got exit %s, %d rows (stderr %r)"
            % (n_before, rc, n_after, err[:200]))
    t.check(len(lptest.stderr_lines(err)) == 1, "registry import (bad last line)",
            "want one stderr line, got %r" % err[:300])

    part_registry_keys(t, lp, db, good, tmp)
    part_registry_import_errors(t, lp, db, exp, tmp)
    part_registry_concurrent(t, lp, v1, v2, tmp)
    part_registry_writers(t, lp, v1, good[0] if good else None, tmp)
    part_registry_kill(t, lp, good[0] if good else None, tmp)
    part_registry_migration(t, lp, v1, tmp)
    if ST.kind == "sqlite":
        part_registry_corrupt(t, lp, v1, tmp)
        part_registry_defaults(t, lp, v1, tmp)
        part_registry_readonly(t, lp, go, fxdir, tmp)
    else:
        part_pg_foreign(t, lp, v1, tmp)
        part_pg_defaults(t, lp, v1, tmp)
        part_pg_readonly_role(t, lp, go, fxdir, tmp)
        part_pg_auth(t, lp, tmp)
        part_pg_stopped(t, lp, go, fxdir, good[0] if good else None, tmp)
        part_pg_commit_lost(t, lp, good[0] if good else None, tmp)
        part_copy(t, lp, SqliteStore(tmp), tmp)


def part_registry_keys(t, lp, db, good, tmp):
    """A prefix of several builds, rename, and labels that are UTF-8 (valid or not)."""
    if not good:
        return
    pair = [dict(no_id(good[0]), label="twin-%d" % i, code_sha256="abcd%060x" % i, path=None)
            for i in range(2)]
    rc, _, err = lp.reg(db, "import", input=("\n".join(json.dumps(x) for x in pair) + "\n").encode())
    t.check(rc == 0, "registry import (two builds with the code prefix abcd)", "exit %s %r" % (rc, err[:200]))
    rc, out, err = lp.reg(db, "show", "abcd")
    lines = lptest.stderr_lines(err)
    t.check(rc == 2 and out == b"" and len(lines) == 1 and "give more" in lines[0],
            "registry show PREFIX (two builds)", "want exit 2 and one line asking for more, got exit %s, %r"
            % (rc, lines))
    rc, out, err = lp.reg(db, "remove", "abcd")
    t.check(rc == 2 and len(lp.reg_list(t, db, "remove ambiguous")) >= 2, "registry remove PREFIX (two builds)",
            "want exit 2 and nothing removed, got exit %s" % rc)
    rc, out, _ = lp.reg(db, "show", "abcd" + "0" * 59 + "1", "--json")
    t.check(rc == 0 and [r.get("label") for r in json_lines(out)] == ["twin-1"], "registry show (longer prefix)",
            "exit %s, %r" % (rc, out[:300]))
    # rename: to UTF-8 text, then through export and import unchanged
    utf = "twin \u2713 caf\u00e9"
    rc, out, err = lp.reg(db, "rename", "twin-0", utf)
    t.check(rc == 0 and out.decode("utf-8", "replace").strip() == "renamed 1 entry to " + utf,
            "registry rename", "exit %s, %r %r" % (rc, out, err[:200]))
    rows = lp.reg_list(t, db, "after rename")
    t.check(sorted(r["label"] for r in rows if r["label"].startswith("twin")) == sorted([utf, "twin-1"]),
            "registry rename", "labels %r" % [r["label"] for r in rows])
    rc, exp, _ = lp.reg(db, "export")
    copy = ST.new("utf8-roundtrip")
    rc2, _, err = lp.reg(copy, "import", input=exp)
    t.check(rc == 0 and rc2 == 0 and strip_ids(lp.reg_list(t, copy, "utf8 copy")) == strip_ids(rows),
            "registry export/import of a UTF-8 label", "exit %s/%s, the rows differ (%r)" % (rc, rc2, err[:200]))
    for key, label, want in (("twin-1", "nosuch", 0), ("no-such-key", "x", 1), ("twin-1", "a\tb", 2),
                             ("twin-1", "", 2)):
        rc, _, err = lp.reg(db, "rename", key, label)
        t.check(rc == want, "registry rename %s %r" % (key, label), "exit %s, want %d (%r)"
                % (rc, want, err[:200]))
    # labels that are not UTF-8 text: refused, nothing written
    for bad in (b"v1\xff", b"caf\xe9", b"\xc0\xaf", b"a\x1bb", b"a\xc2\x85"):
        fresh = ST.new("badlabel")
        rc, out, err = run([lp.lp, "registry", "--registry", fresh, "add", "--label", bad, lptest.host_true()])
        t.check(rc == 2 and not ST.exists(fresh), "registry add --label %r" % bad,
                "want exit 2 and no registry file, got exit %s, exists %s" % (rc, ST.exists(fresh)))
        line = json.dumps(dict(no_id(good[0]), label="x")).encode().replace(b'"label": "x"', b'"label": "' + bad + b'"')
        rc, out, err = lp.reg(fresh, "import", input=line + b"\n")
        t.check(rc == 2 and not ST.exists(fresh), "registry import (label %r)" % bad,
                "want exit 2 and no registry file, got exit %s" % rc)
    for key in ("twin-1", utf):
        lp.reg(db, "remove", key)


def part_registry_import_errors(t, lp, db, exp, tmp):
    """import of a directory, of invalid input, of duplicate keys, of a build under another label:
    an error, nothing imported, and no new file."""
    good = [json.loads(l) for l in lptest.dec(exp).split("\n") if l.strip()]
    if not good:
        return
    d = os.path.join(tmp, "import-dir")
    os.makedirs(d, exist_ok=True)
    line = json.dumps(no_id(good[0]))
    dup = line[:-1] + ', "label": "again"}'
    other = json.dumps(dict(no_id(good[0]), label=good[0]["label"] + "-other"))
    cases = (("a directory", [d], None),
             ("not JSON", [], b"{not json\n"),
             ("a duplicate key", [], dup.encode() + b"\n"),
             ("an unknown key", [], (line[:-1] + ', "colour": 1}\n').encode()),
             ("a short hash", [], json.dumps(dict(no_id(good[0]), sha256="ab")).encode() + b"\n"),
             ("good then bad", [], (line + "\n{}\n").encode()))
    for what, args, data in cases:
        fresh = ST.new("import-new")
        rc, out, err = lp.reg(fresh, "import", *args, input=data)
        lines = lptest.stderr_lines(err)
        t.check(rc == 2 and len(lines) == 1 and "nothing was imported" in lines[0], "registry import (%s)" % what,
                "want exit 2 and one line saying nothing was imported, got exit %s, %r" % (rc, lines))
        t.check(not ST.exists(fresh), "registry import (%s)" % what, "a failed import left a registry behind")
        n = len(lp.reg_list(t, db, "before"))
        rc, _, _ = lp.reg(db, "import", *args, input=data)
        t.check(rc == 2 and len(lp.reg_list(t, db, "after")) == n, "registry import (%s) into a registry" % what,
                "want exit 2 and the rows unchanged, got exit %s" % rc)
    # a build that is there under another label: nothing imported
    n = len(lp.reg_list(t, db, "before"))
    fresh_line = json.dumps(dict(no_id(good[0]), label="brand-new", code_sha256="e" * 64))
    rc, _, err = lp.reg(db, "import", input=(fresh_line + "\n" + other + "\n").encode())
    lines = lptest.stderr_lines(err)
    t.check(rc == 2 and len(lp.reg_list(t, db, "after")) == n and len(lines) == 1 and "line 2" in lines[0]
            and good[0]["label"] in lines[0], "registry import (a build under another label)",
            "want exit 2, nothing imported and one line naming line 2 and the label it has, got exit %s, %r"
            % (rc, lines))
    # nothing to import: no new file either
    fresh = ST.new("import-empty")
    rc, out, _ = lp.reg(fresh, "import", input=b"\n")
    t.check(rc == 0 and not ST.exists(fresh), "registry import (empty input)",
            "want exit 0 and no file, got exit %s, exists %s" % (rc, ST.exists(fresh)))


def launch_all(argvs, inputs=None, timeout=TIMEOUT * 2):
    """Starts every command at once, then waits for each: [(exit, stdout, stderr)]."""
    procs = [subprocess.Popen(a, stdin=subprocess.PIPE if inputs else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env())
             for a in argvs]
    out = []
    for i, p in enumerate(procs):
        try:
            o, e = p.communicate(input=inputs[i] if inputs else None, timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            o, e = p.communicate(timeout=10)
            out.append(("timeout", o, e))
            continue
        out.append((p.returncode, o, e))
    return out


def part_registry_writers(t, lp, v1, template, tmp):
    """20 writer processes at once: on a registry that does not exist yet, each adding a build
    of its own; 20 adding one build under 20 labels (one wins, the others are told the label it
    has, and nothing else changes); 20 imports of overlapping entries."""
    n = 20
    db = ST.new("writers")
    builds = distinct_builds(v1, n, tmp, "writers")
    res = launch_all([[lp.lp, "registry", "--registry", db, "add", "--label", "w-%02d" % i, builds[i]]
                      for i in range(n)])
    bad = [(i, rc, lptest.dec(e).strip()[:200]) for i, (rc, _, e) in enumerate(res) if rc != 0]
    t.check(not bad, "registry add (%d writers at once, creating the registry)" % n,
            "every add should exit 0: %r" % bad[:3])
    labels = sorted(r.get("label") for r in lp.reg_list(t, db, "writers"))
    t.check(labels == ["w-%02d" % i for i in range(n)], "registry add (%d writers at once)" % n,
            "want the %d labels, got %r" % (n, labels))

    shared = distinct_builds(lptest.host_true() or v1, 1, tmp, "writers-shared")[0]
    res = launch_all([[lp.lp, "registry", "--registry", db, "add", "--label", "s-%02d" % i, shared]
                      for i in range(n)])
    winners = [i for i, (rc, _, _) in enumerate(res) if rc == 0]
    what = "registry add (one build, %d labels at once)" % n
    if t.check(len(winners) == 1, what, "want exactly one add to succeed, got %d: %r"
               % (len(winners), [(rc, lptest.dec(e).strip()[:120]) for rc, _, e in res][:4])):
        w = "s-%02d" % winners[0]
        for i, (rc, out, err) in enumerate(res):
            if i == winners[0]:
                continue
            lines = lptest.stderr_lines(err)
            t.check(rc == 1 and len(lines) == 1 and ("already registered as '%s'" % w) in lines[0], what,
                    "writer %d: want exit 1 and one line 'already registered as '%s'', got exit %s, %r"
                    % (i, w, rc, lines))
        rows = [r for r in lp.reg_list(t, db, what) if r.get("path") == shared]
        t.check([r.get("label") for r in rows] == [w], what, "want one entry, labelled %s: %r" % (w, rows))

    if template is None:
        return
    common = [dict(no_id(template), label="common-%02d" % k, code_sha256="%064x" % (0xc0000 + k), path=None)
              for k in range(50)]
    inputs = []
    for i in range(n):
        own = [dict(no_id(template), label="imp-%02d" % i, code_sha256="%064x" % (0xd0000 + 100 * i + k),
                    path=None) for k in range(50)]
        lines = common + own
        random.Random(i).shuffle(lines)
        inputs.append(("\n".join(json.dumps(x) for x in lines) + "\n").encode())
    before = len(lp.reg_list(t, db, "before imports"))
    res = launch_all([[lp.lp, "registry", "--registry", db, "import"] for _ in range(n)], inputs)
    bad = [(i, rc, lptest.dec(e).strip()[:200]) for i, (rc, _, e) in enumerate(res) if rc != 0]
    t.check(not bad, "registry import (%d at once, 50 shared entries each)" % n,
            "every import should exit 0: %r" % bad[:3])
    added = sum(int(m.group(1)) for rc, o, _ in res for m in [re.search(rb"imported (\d+)", o)] if m)
    rows = lp.reg_list(t, db, "after imports")
    t.check(len(rows) == before + 50 + 50 * n and added == 50 + 50 * n,
            "registry import (%d at once, 50 shared entries each)" % n,
            "want %d rows (the shared ones once) and %d reported added, got %d and %d"
            % (before + 50 + 50 * n, 50 + 50 * n, len(rows), added))


def make_old_registry(db, version, extra_sql=""):
    """A registry as an older linkproof left it: schema 1 (one build under two labels) or 2, in
    SQL written here (the library's migrations are what is tested)."""
    h = lambda c: c * 64  # noqa: E731
    rows = [(1, "old", h("1"), h("a")), (2, "newer", h("1"), h("a")), (3, "other", h("2"), h("b"))]
    if version == 2:
        rows = [rows[0], rows[2]]
    create = ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "INSERT INTO meta VALUES ('schema_version', '%d');"
              "CREATE TABLE fingerprints (id %s PRIMARY KEY, label TEXT NOT NULL, go_build_id TEXT,"
              " gnu_build_id TEXT, sha256 TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size %s NOT NULL,"
              " path TEXT, added_at TEXT NOT NULL, UNIQUE (code_sha256, label));"
              "CREATE INDEX fingerprints_code ON fingerprints (code_sha256);"
              "CREATE INDEX fingerprints_go_build_id ON fingerprints (go_build_id);"
              % (version, "INTEGER" if ST.kind == "sqlite" else "bigint GENERATED BY DEFAULT AS IDENTITY",
                 "INTEGER" if ST.kind == "sqlite" else "bigint"))
    if version == 2:
        create += ("CREATE TABLE dropped_labels AS SELECT * FROM fingerprints WHERE %s;"
                   "CREATE UNIQUE INDEX fingerprints_one_label ON fingerprints (code_sha256);"
                   "CREATE INDEX fingerprints_label ON fingerprints (label);"
                   % ("0" if ST.kind == "sqlite" else "false"))
    for i, label, sha, code in rows:
        create += ("INSERT INTO fingerprints (id, label, go_build_id, gnu_build_id, sha256, code_sha256, code_size,"
                   " path, added_at) VALUES (%d, '%s', NULL, NULL, '%s', '%s', 1, NULL, '2024-01-01T00:00:00Z');"
                   % (i, label, sha, code))
    create += extra_sql
    if ST.kind == "sqlite":
        import sqlite3
        c = sqlite3.connect(db)
        c.executescript(create)
        c.commit()
        c.close()
    else:
        if version == 2 or version == 1:
            create += "SELECT setval(pg_get_serial_sequence('fingerprints', 'id'), 10);"
        ST.pg.psql(create, db=ST.dbname(db))


def schema_facts(db):
    """(schema version, sorted index names of fingerprints, labels in dropped_labels) as the
    database itself says."""
    if ST.kind == "sqlite":
        import sqlite3
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        v = c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        idx = sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                              "tbl_name = 'fingerprints' AND name NOT LIKE 'sqlite_%'"))
        try:
            dropped = sorted(r[0] for r in c.execute("SELECT label FROM dropped_labels"))
        except sqlite3.OperationalError:
            dropped = None
        c.close()
        return int(v), idx, dropped
    name = ST.dbname(db)
    v = ST.pg.psql("SELECT value FROM meta WHERE key = 'schema_version'", db=name).strip()
    idx = sorted(ST.pg.psql("SELECT indexname FROM pg_indexes WHERE tablename = 'fingerprints' AND indexname "
                            "NOT LIKE '%pkey' AND indexname NOT LIKE '%_key'", db=name).split())
    has = ST.pg.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'dropped_labels'", db=name).strip()
    dropped = sorted(ST.pg.psql("SELECT label FROM dropped_labels", db=name).split()) if has != "0" else None
    return int(v), idx, dropped


def part_registry_migration(t, lp, v1, tmp):
    """Registries of schema 1 and 2 (as an older linkproof left them): read as they are by the
    read-only commands (nothing written), migrated to 3 by the first write (schema 1's second
    label of a build kept in dropped_labels, the indexes of 3 made); a newer schema refused and
    left as it is."""
    want_idx = sorted(["fingerprints_code", "fingerprints_go_build_id", "fingerprints_one_label",
                       "fingerprints_label", "fingerprints_sha256", "fingerprints_gnu_build_id"])
    for version in (1, 2):
        what = "registry migration from schema %d" % version
        db = ST.new("schema%d" % version)
        make_old_registry(db, version)
        before = ST.snapshot(db)
        rc, out, err = lp.reg(db, "list", "--json")
        labels = sorted(r.get("label") for r in json_lines(out) if isinstance(r, dict))
        want = ["newer", "old", "other"] if version == 1 else ["old", "other"]
        t.check(rc == 0 and labels == want, what + " (list, read-only)",
                "want exit 0 and %r as they are, got exit %s, %r %r" % (want, rc, labels, err[:200]))
        # the baseline is a label of the old schema; this Python process is a build it does not know
        rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", db, "--baseline", "old")
        t.check(rc == 4 and out.startswith(b"fuse"), what + " (verify, read-only)",
                "want fuse (a build the registry does not know), got exit %s, %r %r" % (rc, out[:200], err[:200]))
        t.check(ST.snapshot(db) == before, what + " (read-only)", "reading changed the registry")
        rc, _, err = lp.reg(db, "add", "--label", "new", v1)
        t.check(rc == 0, what + " (add)", "exit %s, %r" % (rc, err[:300]))
        v, idx, dropped = schema_facts(db)
        t.check(v == 3 and idx == want_idx, what, "want schema 3 with indexes %r, got %s %r" % (want_idx, v, idx))
        t.check(dropped == (["newer"] if version == 1 else []), what,
                "dropped_labels: want %r, got %r" % (["newer"] if version == 1 else [], dropped))
        labels = sorted(r.get("label") for r in lp.reg_list(t, db, what))
        t.check(labels == ["new", "old", "other"], what, "labels after the migration: %r" % labels)
        rc, out, _ = lp.reg(db, "show", "a" * 64, "--json")
        t.check(rc == 0 and [r.get("label") for r in json_lines(out)] == ["old"], what + " (show by code)",
                "exit %s, %r" % (rc, out[:300]))
    # newer than this linkproof: refused for reading and writing, left as it is
    db = ST.new("schema99")
    make_old_registry(db, 2, "UPDATE meta SET value = '99' WHERE key = 'schema_version';")
    before = ST.snapshot(db)
    for args in (["list"], ["add", "--label", "x", v1], ["import"]):
        rc, out, err = lp.reg(db, *args, input=b'{"label":"x","sha256":"%s","code_sha256":"%s","code_size":1}\n'
                              % (b"c" * 64, b"c" * 64))
        lines = lptest.stderr_lines(err)
        t.check(rc == 2 and len(lines) == 1 and "newer" in lines[0], "registry %s (schema 99)" % args[0],
                "want exit 2 and one line saying newer, got exit %s, %r" % (rc, lines))
    rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", db)
    t.check(rc == 2 and b"newer" in err and out == b"", "verify (schema 99)",
            "want exit 2, no verdict, a line saying newer: exit %s, %r %r" % (rc, out[:200], err[:200]))
    t.check(ST.snapshot(db) == before, "registry (schema 99)", "the registry was changed")


# ---------------------------------------------------------------- PostgreSQL only


def part_pg_foreign(t, lp, v1, tmp):
    """Databases that are not a linkproof registry (another program's tables, a 'meta' table of
    another shape), a database or server that is not there, a registry whose server went away:
    one line, exit 2, never a verdict, nothing changed."""
    pg = ST.pg
    cases = (("another program's table", "CREATE TABLE accounts (id int PRIMARY KEY, name text);"
                                         "INSERT INTO accounts VALUES (1, 'x');"),
             ("a 'meta' table of another shape", "CREATE TABLE meta (x int); INSERT INTO meta VALUES (7);"))
    for what, sql in cases:
        db = ST.new("foreign")
        pg.psql(sql, db=ST.dbname(db))
        before = ST.snapshot(db)
        for args in (["list"], ["show", "1"], ["add", "--label", "x", v1], ["export"]):
            rc, out, err = lp.reg(db, *args)
            lines = lptest.stderr_lines(err)
            t.check(rc == 2 and len(lines) == 1 and db in lines[0] and "another program" in lines[0],
                    "registry %s (%s)" % (args[0], what),
                    "want exit 2 and one line naming the registry and another program, got exit %s, %r"
                    % (rc, lines))
        rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", db)
        t.check(rc == 2 and out == b"" and len(lptest.stderr_lines(err)) == 1, "verify (%s)" % what,
                "want exit 2, no verdict, one line: exit %s, %r %r" % (rc, out[:200], err[:200]))
        t.check(ST.snapshot(db) == before, "registry (%s)" % what, "the database was changed")
    # a schema of linkproof's own in a shared database: search_path picks it
    db = ST.new("shared")
    pg.psql("CREATE TABLE accounts (id int); CREATE SCHEMA lp;", db=ST.dbname(db))
    in_schema = db + "&options=-csearch_path%3Dlp"
    rc, _, err = lp.reg(in_schema, "add", "--label", "in-schema", v1)
    t.check(rc == 0 and pg.tables(ST.dbname(db), "lp") == ["dropped_labels", "fingerprints", "meta"]
            and pg.tables(ST.dbname(db)) == ["accounts"], "registry add (search_path=lp)",
            "want the tables in schema lp only: exit %s, %r, lp %r, public %r"
            % (rc, err[:200], pg.tables(ST.dbname(db), "lp"), pg.tables(ST.dbname(db))))
    # not there: a database, a server
    for what, url in (("no such database", pg.url("no_such_db")),
                      ("no server on that socket", pg.url(ST.dbname(db)).replace("port=%d" % pg.port, "port=1")),
                      ("no server on that port", "postgresql://postgres@127.0.0.1:1/x?connect_timeout=5")):
        for args in (["list"], ["add", "--label", "x", v1]):
            rc, out, err = lp.reg(url, *args)
            lines = lptest.stderr_lines(err)
            t.check(rc == 2 and len(lines) == 1 and url in lines[0], "registry %s (%s)" % (args[0], what),
                    "want exit 2 and one line naming the registry, got exit %s, %r" % (rc, lines))
        rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", url)
        lines = lptest.stderr_lines(err)
        t.check(rc == 2 and out == b"" and len(lines) == 1 and re.search(r"cannot reach|refused|does not exist",
                                                                         lines[0]),
                "verify (%s)" % what, "want exit 2, no verdict, one line saying why: exit %s, %r %r"
                % (rc, out[:200], lines))


def part_pg_defaults(t, lp, v1, tmp):
    """$LINKPROOF_REGISTRY as a connection string; --registry wins over it."""
    env_db, flag_db = ST.new("env"), ST.new("flag")
    b = distinct_builds(v1, 2, tmp, "pg-defaults")
    rc, _, err = run([lp.lp, "registry", "add", "--label", "from-env", b[0]], env=base_env(LINKPROOF_REGISTRY=env_db))
    t.check(rc == 0 and [r.get("label") for r in lp.reg_list(t, env_db, "env")] == ["from-env"],
            "registry add ($LINKPROOF_REGISTRY=postgresql://...)", "exit %s %r" % (rc, err[:200]))
    rc, out, _ = run([lp.lp, "registry", "list", "--json"], env=base_env(LINKPROOF_REGISTRY=env_db))
    t.check(rc == 0 and b"from-env" in out, "registry list ($LINKPROOF_REGISTRY)", "exit %s, %r" % (rc, out[:200]))
    rc, _, _ = run([lp.lp, "registry", "--registry", flag_db, "add", "--label", "flag", b[1]],
                   env=base_env(LINKPROOF_REGISTRY=env_db))
    t.check(rc == 0 and [r.get("label") for r in lp.reg_list(t, flag_db, "flag")] == ["flag"]
            and all(r.get("label") != "flag" for r in lp.reg_list(t, env_db, "env")),
            "registry --registry over $LINKPROOF_REGISTRY (postgresql)", "exit %s" % rc)


def part_pg_readonly_role(t, lp, go, fxdir, tmp):
    """A role that may only SELECT: every read command and verify work, and write nothing;
    add, remove and rename are 'permission denied' in one line. A role that may also INSERT
    (CI) adds, and may not remove."""
    pg = ST.pg
    exe = os.path.join(fxdir, "server-amd64-cgo0-exe")
    db = ST.new("roles")
    name = ST.dbname(db)
    rc, _, err = lp.reg(db, "add", "--label", "release-1.0", exe)
    t.check(rc == 0, "registry add (owner)", "exit %s %r" % (rc, err[:200]))
    reader, ci = "reader_" + name, "ci_" + name
    pg.psql("CREATE ROLE %s LOGIN; CREATE ROLE %s LOGIN;" % (reader, ci))
    pg.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s; GRANT INSERT ON fingerprints TO %s;"
            % (reader, ci, ci), db=name)
    ro = pg.url(name, user=reader)
    rows = lp.reg_list(t, db, "as the owner")
    code = rows[0]["code_sha256"] if rows else "x"
    before = ST.snapshot(db)
    with servers() as started:
        srv = start_server(t, started, exe, "v1", "start (read-only role)")
        for args, want in ((["list", "--json"], 0), (["show", code[:16], "--json"], 0), (["show", "release-1.0"], 0),
                           (["export"], 0), (["show", "nosuch"], 1)):
            rc, out, err = lp.reg(ro, *args)
            t.check(rc == want and (want or out), "registry %s (a role that may only SELECT)" % " ".join(args),
                    "want exit %d and output, got exit %s, %r %r" % (want, rc, out[:200], err[:300]))
            if args == ["list", "--json"] and rc == 0:
                t.check(strip_ids(json_lines(out)) == strip_ids(rows), "registry list (read-only role)",
                        "the rows differ from the owner's reading")
        if srv:
            for base, want in (("release-1.0", "ok"), (None, "ok")):
                verify(t, lp, "verify (a role that may only SELECT, baseline %s)" % base, srv.pid, ro, base, want,
                       "release-1.0")
            rc, out, _ = lp("verify", "--all", "--registry", ro, "--json")
            mine = [j for j in json_lines(out) if isinstance(j, dict) and j.get("pid") == srv.pid]
            t.check(len(mine) == 1 and mine[0].get("verdict") == "ok", "verify --all (read-only role)",
                    "want the server's row ok, got exit %s, %r" % (rc, mine))
        for args in (["add", "--label", "x", lptest.host_true()], ["remove", "release-1.0"],
                     ["rename", "release-1.0", "y"], ["import"]):
            line = json.dumps(dict(no_id(rows[0]), label="imp", code_sha256="9" * 64)) if rows else "{}"
            rc, out, err = lp.reg(ro, *args, input=(line + "\n").encode())
            lines = lptest.stderr_lines(err)
            t.check(rc == 2 and len(lines) == 1 and "permission denied" in lines[0] and ro in lines[0],
                    "registry %s (a role that may only SELECT)" % args[0],
                    "want exit 2 and one line 'permission denied' naming the registry, got exit %s, %r"
                    % (rc, lines))
        t.check(ST.snapshot(db) == before, "registry (a role that may only SELECT)", "the database changed")
        # CI: may add, may not remove
        cu = pg.url(name, user=ci)
        b = distinct_builds(exe, 1, tmp, "ci-role")[0]
        rc, _, err = lp.reg(cu, "add", "--label", "release-2.0", b)
        t.check(rc == 0, "registry add (a role that may INSERT)", "exit %s, %r" % (rc, err[:200]))
        rc, _, err = lp.reg(cu, "remove", "release-2.0")
        t.check(rc == 2 and b"permission denied" in err, "registry remove (a role that may INSERT, not DELETE)",
                "want exit 2 and 'permission denied', got exit %s, %r" % (rc, err[:200]))
        t.check(sorted(r.get("label") for r in lp.reg_list(t, db, "ci")) == ["release-1.0", "release-2.0"],
                "registry (a role that may INSERT)", "the rows are not the two releases")


def part_pg_auth(t, lp, tmp):
    """Logins over TCP (SCRAM): the password from ~/.pgpass or $PGPASSFILE, never from the
    command line (refused, and never echoed); a wrong or missing one is 'authentication
    failed' in one line; libpq's service file and environment choose the server."""
    pg = ST.pg
    secret = "pw-%d-secret" % os.getpid()
    name = pg.new_db("auth")
    pg.psql("CREATE ROLE lp_login LOGIN PASSWORD '%s'; GRANT ALL ON DATABASE %s TO lp_login;" % (secret, name))
    pg.psql("GRANT ALL ON SCHEMA public TO lp_login;", db=name)
    url = "postgresql://lp_login@127.0.0.1:%d/%s" % (pg.port, name)
    home = os.path.join(tmp, "auth-home")
    os.makedirs(home, exist_ok=True)
    passfile = os.path.join(tmp, "pgpass")
    b = distinct_builds(lptest.host_true(), 2, tmp, "auth")

    def with_pass(line, **env):
        with open(passfile, "w") as f:
            f.write(line)
        os.chmod(passfile, 0o600)
        return base_env(PGPASSFILE=passfile, **env)

    rc, out, err = run([lp.lp, "registry", "--registry", url, "add", "--label", "v1", b[0]],
                       env=base_env(HOME=home))
    lines = lptest.stderr_lines(err)
    t.check(rc == 2 and len(lines) == 1 and "authentication failed" in lines[0], "registry add (no password)",
            "want exit 2 and one line 'authentication failed', got exit %s, %r" % (rc, lines))
    rc, out, err = run([lp.lp, "registry", "--registry", url, "list"],
                       env=with_pass("127.0.0.1:%d:*:lp_login:wrong\n" % pg.port))
    lines = lptest.stderr_lines(err)
    t.check(rc == 2 and len(lines) == 1 and "authentication failed" in lines[0], "registry list (wrong password)",
            "want exit 2 and one line 'authentication failed', got exit %s, %r" % (rc, lines))
    good = "127.0.0.1:%d:*:lp_login:%s\n" % (pg.port, secret)
    rc, out, err = run([lp.lp, "registry", "--registry", url, "add", "--label", "v1", b[0]], env=with_pass(good))
    t.check(rc == 0, "registry add (password from $PGPASSFILE)", "exit %s, %r" % (rc, err[:300]))
    with open(os.path.join(home, ".pgpass"), "w") as f:
        f.write(good)
    os.chmod(os.path.join(home, ".pgpass"), 0o600)
    e = base_env(HOME=home)
    e.pop("PGPASSFILE", None)  # libpq then reads $HOME/.pgpass
    rc, out, err = run([lp.lp, "registry", "--registry", url, "list", "--json"], env=e)
    t.check(rc == 0 and b'"v1"' in out, "registry list (password from ~/.pgpass)", "exit %s, %r" % (rc, err[:300]))
    # a password on the command line: refused before any connection, and not repeated
    for bad in ("postgresql://lp_login:%s@127.0.0.1:%d/%s" % (secret, pg.port, name),
                "host=127.0.0.1 port=%d dbname=%s user=lp_login password=%s" % (pg.port, name, secret)):
        for argv in (["registry", "--registry", bad, "list"], ["verify", "--pid", str(os.getpid()), "--registry", bad],
                     ["registry", "copy", url, bad]):
            rc, out, err = run([lp.lp] + argv, env=with_pass(good))
            lines = lptest.stderr_lines(err)
            t.check(rc == 2 and len(lines) == 1 and "password" in lines[0] and secret.encode() not in err + out,
                    "%s (a password in the connection string)" % " ".join(argv[:2]),
                    "want exit 2, one line about the password, and the password nowhere: exit %s, %r"
                    % (rc, lines))
    # the service file, libpq's environment, the key=value form, $LINKPROOF_REGISTRY
    svc = os.path.join(tmp, "pg_service.conf")
    with open(svc, "w") as f:
        f.write("[fleet]\nhost=127.0.0.1\nport=%d\ndbname=%s\nuser=lp_login\n" % (pg.port, name))
    for what, argv, env in (
            ("--registry service=fleet", ["--registry", "service=fleet"], {"PGSERVICEFILE": svc}),
            ("--registry postgresql:// with $PGSERVICE", ["--registry", "postgresql://"],
             {"PGSERVICEFILE": svc, "PGSERVICE": "fleet"}),
            ("--registry postgresql:// with $PGHOST, $PGPORT, ...", ["--registry", "postgresql://"],
             {"PGHOST": "127.0.0.1", "PGPORT": str(pg.port), "PGDATABASE": name, "PGUSER": "lp_login"}),
            ("$LINKPROOF_REGISTRY=service=fleet", [], {"PGSERVICEFILE": svc, "LINKPROOF_REGISTRY": "service=fleet"}),
            ("--registry host=... dbname=...", ["--registry", "host=127.0.0.1 port=%d dbname=%s user=lp_login"
                                                % (pg.port, name)], {})):
        rc, out, err = run([lp.lp, "registry"] + argv + ["show", "v1", "--json"], env=with_pass(good, **env))
        t.check(rc == 0 and [r.get("label") for r in json_lines(out)] == ["v1"], "registry show (%s)" % what,
                "want exit 0 and the entry, got exit %s, %r %r" % (rc, out[:200], err[:300]))
    # sslmode=require against a server without TLS: one line, exit 2
    rc, out, err = run([lp.lp, "registry", "--registry", url + "?sslmode=require", "list"], env=with_pass(good))
    lines = lptest.stderr_lines(err)
    t.check(rc == 2 and len(lines) == 1 and "SSL" in lines[0], "registry list (sslmode=require, no TLS)",
            "want exit 2 and one line about SSL, got exit %s, %r" % (rc, lines))


class CommitCutter:
    """A Unix-socket proxy in front of the test's PostgreSQL server that cuts the client's
    connection at its COMMIT: with forward=False before the server sees it (the change is
    rolled back), with forward=True after the server answered it (the change is made, the
    client never hears). Either way the client cannot know which: an independent way to reach
    the "lost while committing" path that a server stop only meets by chance."""

    def __init__(self, pg, forward):
        import socket
        self.socket = socket
        self.pg = pg
        self.forward = forward
        self.dir = tempfile.mkdtemp(prefix="lp-cut-")
        self.cut = False
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(os.path.join(self.dir, ".s.PGSQL.%d" % pg.port))
        self.listener.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, db):
        return "postgresql:///%s?host=%s&port=%d&user=%s" % (db, self.dir, self.pg.port, pgserver.SUPERUSER)

    def close(self):
        self.listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _serve(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(c,), daemon=True).start()

    @staticmethod
    def _recv(sock, n):
        buf = b""
        while len(buf) < n:
            b = sock.recv(n - len(buf))
            if not b:
                return None
            buf += b
        return buf

    def _pipe(self, c):
        sk = self.socket
        s = sk.socket(sk.AF_UNIX, sk.SOCK_STREAM)
        s.connect(os.path.join(self.pg.sockdir, ".s.PGSQL.%d" % self.pg.port))
        started = False
        try:
            while True:
                r, _, _ = select.select([c, s], [], [], 30)
                if not r:
                    return
                if s in r:
                    b = s.recv(65536)
                    if not b:
                        return
                    c.sendall(b)
                if c not in r:
                    continue
                # one client message: untyped until the startup message, then type + length
                if not started:
                    head = self._recv(c, 4)
                    if head is None:
                        return
                    body = self._recv(c, struct.unpack("!I", head)[0] - 4)
                    if body is None:
                        return
                    started = struct.unpack("!I", body[:4])[0] == 196608
                    s.sendall(head + body)
                    continue
                head = self._recv(c, 5)
                if head is None:
                    return
                body = self._recv(c, struct.unpack("!I", head[1:])[0] - 4)
                if body is None:
                    return
                if head[:1] == b"Q" and body.rstrip(b"\0").strip().upper().startswith(b"COMMIT"):
                    self.cut = True
                    if self.forward:
                        s.sendall(head + body)
                        # the server's answer, up to its ReadyForQuery, is read and dropped
                        got = b""
                        while b"Z\0\0\0\x05" not in got:
                            b = s.recv(65536)
                            if not b:
                                break
                            got += b
                    return
                s.sendall(head + body)
        finally:
            c.close()
            s.close()


def part_pg_commit_lost(t, lp, template, tmp):
    """The connection lost at the COMMIT of an import and of a copy: the outcome is unknown to
    linkproof, so the one line says the change was made entirely or not at all, never "nothing
    was imported"; and the registry read afterwards holds all of it or none, as the proxy
    decided."""
    if template is None:
        return
    n = 40
    rows = "".join(json.dumps(dict(no_id(template), label="cut-%03d" % i, code_sha256="%064x" % (0xc7700 + i)))
                   + "\n" for i in range(n))
    src = SqliteStore(tmp).new("cut-src")
    rc, _, err = lp.reg(src, "import", input=rows.encode())
    t.check(rc == 0, "registry import (commit-cut source)", "exit %s %r" % (rc, err[:200]))
    for forward in (False, True):
        for cmd in ("import", "copy"):
            what = "registry %s (connection cut at COMMIT, %s)" % (
                cmd, "after the server committed" if forward else "before the server saw it")
            cut = CommitCutter(ST.pg, forward)
            try:
                db = ST.new("cut_%s_%d" % (cmd, forward))
                via = cut.url(ST.dbname(db))
                if cmd == "import":
                    rc, out, err = lp.reg(via, "import", input=rows.encode())
                else:
                    rc, out, err = lp("registry", "copy", src, via)
            finally:
                cut.close()
            lines = lptest.stderr_lines(err)
            t.check(cut.cut, what, "the proxy never saw a COMMIT (exit %s, %r)" % (rc, lines))
            t.check(rc == 2 and len(lines) == 1 and "while committing" in lines[0]
                    and "entirely or not at all" in lines[0] and "nothing was" not in lines[0], what,
                    "want exit 2 and one line 'lost ... while committing ... entirely or not at all' "
                    "and no 'nothing was', got exit %s, %r" % (rc, lines))
            got = [r for r in lp.reg_list(t, db, what) if str(r.get("label", "")).startswith("cut-")]
            t.check(len(got) == (n if forward else 0), what,
                    "want %d entries after the cut, got %d" % (n if forward else 0, len(got)))


def part_pg_stopped(t, lp, go, fxdir, template, tmp):
    """The server stopped while a command runs: an import inside its transaction (nothing of it
    is there after the restart), verify held between reading the process and looking its code
    up (exit 2, one line, no verdict), verify --all, and commands while it is down."""
    pg = ST.pg
    if template is None:
        return
    db = ST.new("stopped")
    exe = os.path.join(fxdir, "server-amd64-cgo0-exe")
    rc, _, _ = lp.reg(db, "add", "--label", "release-1.0", exe)
    n = 50000
    big = os.path.join(tmp, "stopped.jsonl")
    with open(big, "w") as f:
        for i in range(n):
            f.write(json.dumps(dict(no_id(template), label="bulk-%06d" % i,
                                    code_sha256="%064x" % (0x7e570000 + i))) + "\n")
    for mode in ("fast", "immediate"):
        what = "registry import (server stopped -m %s mid-import)" % mode
        p = subprocess.Popen([lp.lp, "registry", "--registry", db, "import", big], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env())
        deadline = time.time() + 60
        inside = False
        while time.time() < deadline and p.poll() is None and not inside:
            inside = ST.busy(p.pid, db)
            if not inside:
                time.sleep(0.005)
        pg.stop(mode)
        out, err = p.communicate(timeout=120)
        lines = lptest.stderr_lines(err)
        if not inside:
            print("note: %s: the import was not seen inside its transaction (exit %s)" % (what, p.returncode))
        # a stop that meets the COMMIT leaves the outcome unknown, and the line must say so
        # instead of "nothing was imported"; any earlier stop (while connecting, setting up,
        # inserting) imported nothing and must say that
        unsure = bool(lines) and "entirely or not at all" in lines[0]
        if unsure:
            print("note: %s: the stop met the commit" % what)
        if inside:
            t.check(p.returncode == 2 and len(lines) == 1 and "lost the connection" in lines[0]
                    and (unsure or "nothing was imported" in lines[0])
                    and not (unsure and "nothing was imported" in lines[0]), what,
                    "want exit 2 and one line 'lost the connection ... nothing was imported', got exit %s, %r"
                    % (p.returncode, lines))
        # while it is down
        rc, out, err = lp.reg(db, "list")
        lines = lptest.stderr_lines(err)
        t.check(rc == 2 and len(lines) == 1 and "cannot reach" in lines[0], "registry list (server down)",
                "want exit 2 and one line 'cannot reach', got exit %s, %r" % (rc, lines))
        pg.restart()
        rows = lp.reg_list(t, db, what)
        bulk = sum(1 for r in rows if str(r.get("label", "")).startswith("bulk-"))
        t.check(bulk in ((0,) if inside and not unsure else (0, n)), what,
                "want none of the %d lines, got %d" % (n, bulk))
        t.check(any(r.get("label") == "release-1.0" for r in rows), what, "the entry of before is gone")
    # verify: the process read, then the server stops before the code is looked up
    with servers() as started:
        srv = start_server(t, started, exe, "v1", "start (server stopped)")
        if not srv:
            return
        for extra in ([], ["--json"], ["--baseline", "release-1.0"]):
            what = "verify --pid %s(server stopped mid-command)" % (" ".join(extra) + " " if extra else "")
            pause = tempfile.mkdtemp(prefix="lp-pause-", dir=tmp)
            os.mkfifo(os.path.join(pause, "resume"))
            p = subprocess.Popen([lp.lp, "verify", "--pid", str(srv.pid), "--registry", db] + extra,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=base_env(LINKPROOF_TEST_PAUSE=pause))
            deadline = time.time() + 20
            while time.time() < deadline and p.poll() is None and not os.path.exists(
                    os.path.join(pause, "paused.memory")):
                time.sleep(0.01)
            paused = os.path.exists(os.path.join(pause, "paused.memory"))
            t.check(paused, what, "verify did not pause before reading the memory")
            pg.stop("immediate")
            if paused:
                os.close(os.open(os.path.join(pause, "resume"), os.O_WRONLY))
            out, err = p.communicate(timeout=60)
            lines = lptest.stderr_lines(err)
            t.check(p.returncode == 2 and out == b"" and len(lines) == 1 and "lost the connection" in lines[0], what,
                    "want exit 2, no verdict, one line 'lost the connection', got exit %s, %r %r"
                    % (p.returncode, out[:300], lines))
            rc, out, err = lp("verify", "--pid", srv.pid, "--registry", db, *extra)
            t.check(rc == 2 and out == b"" and b"cannot reach" in err, "verify --pid (server down)",
                    "want exit 2, no verdict, 'cannot reach': exit %s, %r %r" % (rc, out[:200], err[:200]))
            rc, out, err = lp("verify", "--all", "--registry", db)
            t.check(rc == 2 and out == b"" and b"cannot reach" in err, "verify --all (server down)",
                    "want exit 2 and no table: exit %s, %r %r" % (rc, out[:200], err[:200]))
            pg.restart()
        verify(t, lp, "verify --pid (server back)", srv.pid, db, None, "ok", "release-1.0")
        # verify --all: the server stops while the first Go process is read; the scan ends there
        what = "verify --all (server stopped mid-scan)"
        pause = tempfile.mkdtemp(prefix="lp-pause-", dir=tmp)
        os.mkfifo(os.path.join(pause, "resume"))
        p = subprocess.Popen([lp.lp, "verify", "--all", "--registry", db, "--json"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=base_env(LINKPROOF_TEST_PAUSE=pause))
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None and not os.path.exists(os.path.join(pause, "paused.memory")):
            time.sleep(0.01)
        paused = os.path.exists(os.path.join(pause, "paused.memory"))
        t.check(paused, what, "verify --all did not pause before reading a process's memory")
        pg.stop("immediate")
        if paused:
            os.close(os.open(os.path.join(pause, "resume"), os.O_WRONLY))
        out, err = p.communicate(timeout=120)
        lines = lptest.stderr_lines(err)
        rows = [j for j in json_lines(out) if isinstance(j, dict)]
        # (besides, as root, a line for processes it may not read, as on any --all)
        t.check(p.returncode == 2 and any("lost the connection" in ln and "the scan stopped" in ln for ln in lines)
                and all(j.get("verdict") for j in rows), what,
                "want exit 2, a line 'lost the connection ... the scan stopped', no error rows: exit %s, %r, "
                "rows %r" % (p.returncode, lines, rows[:3]))
        pg.restart()


def part_copy(t, lp, sq, tmp):
    """registry copy FROM TO, SQLite to PostgreSQL and back: every entry, the same rows; again
    adds nothing; a build TO has under another label copies nothing (and leaves no new file);
    the copy is one transaction, so a copy killed with -9 leaves none or all."""
    src = sq.new("copy-src")
    lines = [json.dumps({"label": "rel-%d" % (i % 7), "sha256": "%064x" % (0xf00 + i),
                         "code_sha256": "%064x" % (0xc0de00 + i), "code_size": 1000 + i,
                         "go_build_id": "g%d/x/y/z" % i if i % 3 else None, "gnu_build_id": None,
                         "path": "/opt/app-%d" % i, "added_at": "2025-01-02T03:04:%02dZ" % (i % 60)})
             for i in range(2500)]
    rc, _, err = lp.reg(src, "import", input=("\n".join(lines) + "\n").encode())
    t.check(rc == 0, "registry import (copy source)", "exit %s %r" % (rc, err[:200]))
    rows = lp.reg_list(t, src, "copy source")
    pgdb = ST.new("copy-dst")
    back = sq.new("copy-back")
    for frm, to, what in ((src, pgdb, "SQLite to PostgreSQL"), (pgdb, back, "PostgreSQL to SQLite")):
        rc, out, err = lp("registry", "copy", frm, to)
        t.check(rc == 0 and out.strip() == b"copied 2500 entries: 2500 new, 0 there already",
                "registry copy (%s)" % what, "exit %s, %r %r" % (rc, out[:200], err[:200]))
        t.check(strip_ids(lp.reg_list(t, to, what)) == strip_ids(rows), "registry copy (%s)" % what,
                "the rows differ (ids aside)")
        rc, out, err = lp("registry", "copy", frm, to)
        t.check(rc == 0 and b"0 new, 2500 there already" in out, "registry copy again (%s)" % what,
                "exit %s, %r %r" % (rc, out[:200], err[:200]))
    # a conflict: nothing copied, TO unchanged
    clash = ST.new("copy-clash")
    row0 = json.loads(lines[1500])
    rc, _, _ = lp.reg(clash, "import", input=(json.dumps(dict(row0, label="other-label")) + "\n").encode())
    before = ST.snapshot(clash)
    rc, out, err = lp("registry", "copy", src, clash)
    ln = lptest.stderr_lines(err)
    t.check(rc == 2 and len(ln) == 1 and "already registered as 'other-label'" in ln[0]
            and "nothing was copied" in ln[0], "registry copy (a build TO has under another label)",
            "want exit 2 and one line, got exit %s, %r" % (rc, ln))
    t.check(ST.snapshot(clash) == before, "registry copy (a build TO has under another label)", "TO was changed")
    # from a schema-1 file read as it is (one build under two labels) into new registries:
    # the second label fails the copy, and no file or tables are left
    import sqlite3
    old = sq.new("copy-schema1")
    c = sqlite3.connect(old)
    c.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "INSERT INTO meta VALUES ('schema_version', '1');"
                    "CREATE TABLE fingerprints (id INTEGER PRIMARY KEY, label TEXT NOT NULL, go_build_id TEXT,"
                    " gnu_build_id TEXT, sha256 TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size INTEGER NOT NULL,"
                    " path TEXT, added_at TEXT NOT NULL, UNIQUE (code_sha256, label));"
                    "INSERT INTO fingerprints VALUES (1, 'a', NULL, NULL, '%s', '%s', 1, NULL, 't');"
                    "INSERT INTO fingerprints VALUES (2, 'b', NULL, NULL, '%s', '%s', 1, NULL, 't');"
                    % ("1" * 64, "1" * 64, "1" * 64, "1" * 64))
    c.commit()
    c.close()
    for to, exists in ((sq.new("copy-never"), sq.exists), (ST.new("copy-never"), ST.exists)):
        rc, out, err = lp("registry", "copy", old, to)
        ln = lptest.stderr_lines(err)
        t.check(rc == 2 and len(ln) == 1 and "entry 2" in ln[0] and "nothing was copied" in ln[0]
                and not exists(to), "registry copy (a schema-1 file, one build under two labels, into %s)" % to[:40],
                "want exit 2, one line naming entry 2, and nothing created: exit %s, %r, created %s"
                % (rc, ln, exists(to)))
    newfile = sq.new("copy-never-2")
    # from a registry that is not there
    rc, out, err = lp("registry", "copy", sq.new("copy-missing"), newfile)
    t.check(rc == 2 and not sq.exists(newfile), "registry copy (FROM missing)",
            "want exit 2 and no new file, got exit %s, exists %s" % (rc, sq.exists(newfile)))
    rc, out, err = lp("registry", "--registry", src, "copy", src, pgdb)
    t.check(rc == 2 and out == b"", "registry --registry copy", "want exit 2 (copy names both), got %s" % rc)
    # kill -9 while copying into PostgreSQL: none or all
    big = sq.new("copy-big")
    many = [json.dumps({"label": "many", "sha256": "%064x" % i, "code_sha256": "%064x" % (0xb16000000 + i),
                        "code_size": i}) for i in range(50000)]
    lp.reg(big, "import", input=("\n".join(many) + "\n").encode())
    outcomes = []
    for delay in (0.3, 0.1, 0.6):
        dst = ST.new("copy-killed")
        p = subprocess.Popen([lp.lp, "registry", "copy", big, dst], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=base_env())
        deadline = time.time() + 30
        while time.time() < deadline and p.poll() is None and not ST.busy(p.pid, dst):
            time.sleep(0.005)
        time.sleep(delay)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        # the server notices the client is gone and rolls back; wait for that before counting
        deadline = time.time() + 30
        while time.time() < deadline and ST.busy(p.pid, dst):
            time.sleep(0.05)
        got = len(lp.reg_list(t, dst, "copy killed")) if ST.exists(dst) else 0
        outcomes.append(got)
        t.check(got in (0, 50000), "registry copy killed (-9) after %.1f s" % delay,
                "want none or all of 50000, got %d" % got)
    print("note: registry copy of 50000 entries killed with -9: rows after each try %r" % outcomes)


def part_registry_readonly(t, lp, go, fxdir, tmp):
    """A registry that may not be written: as nobody (root's file in root's directory) and on a
    read-only mount. list, show, export and verify read it and write nothing; add says why not."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("note: not root or no setpriv: the read-only registry part is skipped")
        return
    exe = os.path.join(fxdir, "server-amd64-cgo0-exe")
    rodir = tempfile.mkdtemp(prefix="lp-reg-ro-")
    try:
        os.chmod(rodir, 0o755)
        db = os.path.join(rodir, "registry.db")
        rc, _, err = lp.reg(db, "add", "--label", "release-1.0", exe)
        t.check(rc == 0, "registry add (root)", "exit %s %r" % (rc, err[:200]))
        os.chmod(db, 0o644)
        rows = lp.reg_list(t, db, "as root")
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        ro_mount = ["unshare", "--mount", "sh", "-c",
                    'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', rodir]
        code = rows[0]["code_sha256"] if rows else "x"
        with servers() as started:
            srv = start_server(t, started, exe, "v1", "start (read-only registry)")
            for how, pre, index in (("as nobody", nobody, False), ("on a read-only mount", ro_mount, False),
                                    ("as nobody", nobody, True), ("on a read-only mount", ro_mount, True)):
                # a reader that cannot create the WAL index (-shm) beside the file, and one that
                # finds it there (left by root's last reading)
                if index:
                    lp.reg_list(t, db, "as root")
                else:
                    for x in ("-wal", "-shm"):
                        if os.path.exists(db + x) and (x == "-shm" or os.path.getsize(db + x) == 0):
                            os.unlink(db + x)
                how += " (%s -shm)" % ("with a" if os.path.exists(db + "-shm") else "without")
                before = {n: sha256_file(os.path.join(rodir, n)) for n in os.listdir(rodir)}
                for args, want in ((["list", "--json"], 0), (["show", code[:16], "--json"], 0),
                                   (["show", "release-1.0"], 0), (["export"], 0),
                                   (["show", "nosuch"], 1)):
                    rc, out, err = run(pre + [lp.lp, "registry", "--registry", db] + args, env=base_env(HOME=tmp))
                    t.check(rc == want and (want or out), "registry %s (%s)" % (" ".join(args), how),
                            "want exit %d and output, got exit %s, %r %r" % (want, rc, out[:200], err[:300]))
                    if args == ["list", "--json"] and rc == 0:
                        t.check(strip_ids(json_lines(out)) == strip_ids(rows), "registry list (%s)" % how,
                                "the rows differ from root's reading")
                if srv:
                    rc, out, err = run(pre + [lp.lp, "verify", "--pid", str(srv.pid), "--registry", db,
                                              "--baseline", "release-1.0"], env=base_env(HOME=tmp))
                    # as nobody the process's memory is not readable (root's process): exit 2 for that
                    # reason, not because of the registry
                    if pre is nobody:
                        t.check(rc == 2 and b"registry" not in err and re.search(rb"permission|ptrace", err),
                                "verify (%s)" % how, "want exit 2 for the process (permission), not the "
                                "registry: exit %s, %r" % (rc, err[:300]))
                    else:
                        t.check(rc == 0 and out.startswith(b"ok:"), "verify (%s)" % how,
                                "want exit 0 (ok), got exit %s, %r %r" % (rc, out[:300], err[:300]))
                rc, out, err = run(pre + [lp.lp, "registry", "--registry", db, "add", "--label", "x",
                                          lptest.host_true()], env=base_env(HOME=tmp))
                lines = lptest.stderr_lines(err)
                t.check(rc == 2 and len(lines) == 1 and db in lines[0], "registry add (%s)" % how,
                        "want exit 2 and one line naming %s, got exit %s, %r" % (db, rc, lines))
                after = {n: sha256_file(os.path.join(rodir, n)) for n in os.listdir(rodir)}
                t.check(after == before, "registry (%s)" % how, "files changed: %r -> %r" % (before, after))
    finally:
        shutil.rmtree(rodir, ignore_errors=True)


def part_registry_concurrent(t, lp, v1, v2, tmp):
    """Two writers at once: on an existing registry, 20 adds each with distinct labels;
    then two processes that both create a new registry at the same moment (10 rounds)."""
    db = ST.new("concurrent")
    rc, _, err = lp.reg(db, "add", "--label", "first", v1)
    t.check(rc == 0, "registry add (create)", "exit %s (stderr %r)" % (rc, err[:200]))
    n = 20
    results = {}

    # one build has one label: each add is another build
    builds = {"a": distinct_builds(v1, n, tmp, "conc-a"), "b": distinct_builds(v2, n, tmp, "conc-b")}

    def adder(tag):
        results[tag] = [lp.reg(db, "add", "--label", "%s-%02d" % (tag, i), builds[tag][i]) for i in range(n)]

    threads = [threading.Thread(target=adder, args=("a",)), threading.Thread(target=adder, args=("b",))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(TIMEOUT * 2)
    t.check(all(not th.is_alive() for th in threads), "registry add (two writers)", "a writer hung")
    failed = [(rc, lptest.dec(err).strip()) for rc, _, err in results.get("a", []) + results.get("b", [])
              if rc != 0]
    t.check(not failed and len(results.get("a", [])) + len(results.get("b", [])) == 2 * n,
            "registry add (two writers, 2 x %d)" % n, "every add should exit 0; failed: %r" % failed[:3])
    labels = sorted(r.get("label") for r in lp.reg_list(t, db, "two writers"))
    want = sorted(["first"] + ["a-%02d" % i for i in range(n)] + ["b-%02d" % i for i in range(n)])
    t.check(labels == want, "registry add (two writers, 2 x %d)" % n, "want %d rows, got %d: missing %r"
            % (len(want), len(labels), sorted(set(want) - set(labels))))

    # two processes that create the registry at once: both must wait for the other (the
    # busy timeout), never fail
    rounds, bad = 10, []
    for i in range(rounds):
        fresh = ST.new("created-at-once-%d" % i)
        procs = [subprocess.Popen([lp.lp, "registry", "--registry", fresh, "add", "--label", lab, path],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=base_env())
                 for lab, path in (("x", v1), ("y", v2))]
        for p in procs:
            try:
                _, err = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate(timeout=10)
            if p.returncode != 0:
                bad.append((i, p.returncode, lptest.dec(err).strip()))
        rows = lp.reg_list(t, fresh, "created at once")
        if sorted(r.get("label") for r in rows) != ["x", "y"]:
            bad.append((i, "rows", sorted(r.get("label") for r in rows)))
    t.check(not bad, "registry add (two processes creating the registry at once)",
            "%d of %d rounds failed, e.g. %r" % (len({b[0] for b in bad}), rounds, bad[:2]))


def part_registry_kill(t, lp, template, tmp):
    if template is None:
        return
    n = 50000
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w") as f:
        for i in range(n):
            f.write(json.dumps(dict(no_id(template), label="bulk-%06d" % i,
                                    code_sha256="%064x" % (0x5eed0000 + i))) + "\n")
    # calibrate: how long does the whole import take here?
    cal = ST.new("calibrate")
    t0 = time.time()
    rc, _, err = lp.reg(cal, "import", big)
    full = time.time() - t0
    t.check(rc == 0 and len(lp.reg_list(t, cal, "big import")) == n, "registry import (%d lines)" % n,
            "exit %s (stderr %r)" % (rc, err[:200]))
    db = ST.new("killed")
    lp.reg(db, "add", "--label", "before", lptest.host_true() or big)
    killed_mid = 0
    attempts = 0
    outcomes = []  # bulk rows after each try: once the import went through, later ones add nothing
    for frac in (0.5, 0.3, 0.7, 0.15, 0.85):
        attempts += 1
        p = subprocess.Popen([lp.lp, "registry", "--registry", db, "import", big],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=base_env())
        try:
            # a bounded poll until it has the database open, then part of the calibrated time
            deadline = time.time() + 10
            while time.time() < deadline and p.poll() is None:
                if ST.busy(p.pid, db):
                    break
                time.sleep(0.002)
            time.sleep(max(0.0, full * frac - 0.01))
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                killed_mid += 1
        finally:
            p.wait(timeout=30)
            p.stderr.close()
        rows = lp.reg_list(t, db, "registry after kill -9")
        bulk = sum(1 for r in rows if str(r.get("label", "")).startswith("bulk-"))
        t.check(any(r.get("label") == "before" for r in rows), "registry import killed (-9)",
                "the row added before the import is gone")
        t.check(bulk in (0, n), "registry import killed (-9) at %.0f%%" % (frac * 100),
                "want none or all of the %d lines, got %d" % (n, bulk))
        outcomes.append(bulk)
    if killed_mid == 0:
        print("note: the import of %d lines (%.2f s) always finished before the kill" % (n, full))
    else:
        print("note: registry import of %d lines takes %.2f s; killed %d of %d tries while running;"
              " bulk rows after each try: %r" % (n, full, killed_mid, attempts, outcomes))
    if ST.kind == "sqlite" and shutil.which("sqlite3"):
        rc, out, _ = run(["sqlite3", db, "PRAGMA integrity_check;"])
        t.check(rc == 0 and out.strip() == b"ok", "registry after kill -9",
                "sqlite3 integrity_check: exit %s, %r" % (rc, out[:200]))
    after = distinct_builds(lptest.host_true(), 1, tmp, "after-kill")[0] if lptest.host_true() else big
    rc, _, err = lp.reg(db, "add", "--label", "after", after)
    t.check(rc == 0, "registry add after kill -9", "exit %s (stderr %r)" % (rc, err[:200]))


def part_registry_corrupt(t, lp, v1, tmp):
    rnd = random.Random(1234)
    for name, data in (("random.db", bytes(rnd.randrange(256) for _ in range(65536))),
                       ("text.db", b"this is not a database\n" * 100)):
        db = lptest.write_file(os.path.join(tmp, name), data, 0o644)
        for args in (["list"], ["add", "--label", "x", v1], ["show", "1"]):
            what = "registry %s (%s)" % (args[0], name)
            rc, out, err = lp.reg(db, *args)
            lines = lptest.stderr_lines(err)
            t.check(rc == 2, what, "exit %s, want 2" % rc)
            t.check(len(lines) == 1 and db in lines[0] and lines[0].startswith("linkproof: "), what,
                    "want one stderr line 'linkproof: ...' naming %s, got %r" % (db, lines))
            t.check(open(db, "rb").read() == data, what, "the file was changed")
        rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", db)
        t.check(rc == 2 and len(lptest.stderr_lines(err)) == 1, "verify (corrupt registry %s)" % name,
                "want exit 2 and one stderr line, got exit %s, %r" % (rc, err[:300]))
    # a directory is not a database, for reading as for writing
    d = os.path.join(tmp, "dir.db")
    os.mkdir(d)
    # a change has no JSON document: --json is refused, not silently ignored
    jdb = os.path.join(tmp, "json.db")
    rc, out, err = lp.reg(jdb, "add", "--json", "--label", "x", v1)
    t.check(rc == 2 and not out and b"--json applies to list and show" in err and not os.path.exists(jdb),
            "registry add --json: a usage error", "exit %s, %r %r" % (rc, out[:200], err[:300]))
    for args in (["list"], ["list", "--json"], ["export"], ["add", "--label", "x", v1]):
        what = "registry %s (a directory)" % " ".join(args[:2])
        rc, out, err = lp.reg(d, *args)
        lines = lptest.stderr_lines(err)
        t.check(rc == 2 and len(lines) == 1 and d in lines[0], what,
                "want exit 2 and one stderr line naming %s, got exit %s, %r %r"
                % (d, rc, out[:200], lines))
    rc, out, err = lp("verify", "--pid", os.getpid(), "--registry", d)
    t.check(rc == 2, "verify --registry DIRECTORY",
            "a registry that cannot be opened means 'cannot verify' (2), got exit %s: %r"
            % (rc, out[:300]))
    # a real SQLite database of something else is not a registry either
    if shutil.which("sqlite3"):
        other = os.path.join(tmp, "other.db")
        run(["sqlite3", other, "CREATE TABLE t(x); INSERT INTO t VALUES (1);"])
        before = open(other, "rb").read()
        rc, out, err = lp.reg(other, "list")
        t.check(rc == 2 and len(lptest.stderr_lines(err)) == 1 and other in lptest.dec(err),
                "registry list (another SQLite database)",
                "want exit 2 and one stderr line naming it, got exit %s, %r" % (rc, err[:300]))
        t.check(open(other, "rb").read() == before, "registry list (another SQLite database)",
                "the file was changed")


def part_registry_defaults(t, lp, v1, tmp):
    home = os.path.join(tmp, "home")
    xdg = os.path.join(tmp, "xdg")
    env_db = os.path.join(tmp, "env", "reg.db")
    os.makedirs(home)
    os.makedirs(os.path.dirname(env_db))

    def env(**kw):
        e = base_env(HOME=home)
        e.update(kw)
        return e

    cases = (("$LINKPROOF_REGISTRY", env(LINKPROOF_REGISTRY=env_db, XDG_DATA_HOME=xdg), env_db),
             ("$XDG_DATA_HOME", env(XDG_DATA_HOME=xdg), os.path.join(xdg, "linkproof", "registry.db")),
             ("~/.local/share", env(), os.path.join(home, ".local", "share", "linkproof", "registry.db")),
             ("empty $XDG_DATA_HOME", env(XDG_DATA_HOME=""),
              os.path.join(home, ".local", "share", "linkproof", "registry.db")))
    builds = distinct_builds(v1, len(cases), tmp, "defaults")
    for i, (what, e, want) in enumerate(cases):
        label = "default-%d" % i
        rc, _, err = run([lp.lp, "registry", "add", "--label", label, builds[i]], env=e)
        t.check(rc == 0, "registry add (%s)" % what, "exit %s (stderr %r)" % (rc, err[:300]))
        t.check(os.path.isfile(want), "registry add (%s)" % what, "no database at %s" % want)
        rows = lp.reg_list(t, want, what) if os.path.isfile(want) else []
        t.check(any(r.get("label") == label for r in rows), "registry add (%s)" % what,
                "%s does not hold the entry" % want)
        rc, out, _ = run([lp.lp, "registry", "list", "--json"], env=e)
        t.check(rc == 0 and label.encode() in out, "registry list (%s)" % what, "exit %s, %r" % (rc, out[:300]))
    # --registry wins over the variable
    other = os.path.join(tmp, "flag.db")
    rc, _, _ = run([lp.lp, "registry", "--registry", other, "add", "--label", "flag", v1],
                   env=env(LINKPROOF_REGISTRY=env_db))
    t.check(rc == 0 and [r.get("label") for r in lp.reg_list(t, other, "--registry")] == ["flag"]
            and all(r.get("label") != "flag" for r in lp.reg_list(t, env_db, "--registry")),
            "registry --registry over $LINKPROOF_REGISTRY", "exit %s" % rc)


# ---------------------------------------------------------------- 7. verify --all


def part_verify_all(t, lp, go, fxdir, tmp):
    db = ST.new("all")
    exe = os.path.join(fxdir, "server-amd64-cgo0-exe")
    sw = os.path.join(fxdir, "server-amd64-cgo0-exe-sw")
    lp.reg(db, "add", "--label", "release-1.0", exe)
    lp.reg(db, "add", "--label", "release-2.0", os.path.join(fxdir, "server-amd64-cgo0-exe-v2"))
    v2 = go_buildid(go, os.path.join(fxdir, "server-amd64-cgo0-exe-v2"))
    with servers() as started:
        s1 = start_server(t, started, exe, "v1", "start exe (verify --all)")
        if s1 is None:
            return

        def run_all(what, want_pids, *extra):
            rc, out, err = lp("verify", "--all", "--registry", db, "--json", *extra)
            rows = [j for j in json_lines(out) if isinstance(j, dict)]
            by_pid = {j.get("pid"): j for j in rows}
            for pid, verdict in want_pids.items():
                t.check(by_pid.get(pid, {}).get("verdict") == verdict, what,
                        "pid %d: want verdict %r, got %r" % (pid, verdict, by_pid.get(pid)))
            t.check(os.getpid() not in by_pid, what, "this Python process is not a Go binary")
            worst = max([SEVERITY[VERDICT_EXIT.get(j.get("verdict"), 2)] for j in rows] + [0])
            want_rc = {v: k for k, v in SEVERITY.items()}[worst]
            t.check(rc == want_rc, what, "exit %s, want %s: the worst of the rows %r"
                    % (rc, want_rc, [(j.get("pid"), j.get("verdict")) for j in rows]))
            # the table: a second scan (other Go processes may come and go in between, so
            # its exit status is only bounded below by the servers' verdicts)
            rc2, out2, _ = lp("verify", "--all", "--registry", db, *extra)
            floor = max(SEVERITY[VERDICT_EXIT[v]] for v in want_pids.values())
            t.check(rc2 in SEVERITY and SEVERITY[rc2] >= floor
                    and all(str(p).encode() in out2 for p in want_pids), what + " (table)",
                    "want exit >= %s and a row for each of %s, got exit %s, %r"
                    % ({v: k for k, v in SEVERITY.items()}[floor], list(want_pids), rc2, out2[:600]))
            return rc, rows

        run_all("verify --all (registered server)", {s1.pid: "ok"})
        rc, _ = run_all("verify --all --baseline v2", {s1.pid: "rollback"}, "--baseline", v2)
        t.check(rc in (3, 4), "verify --all --baseline v2", "exit %s: a rollback row means 3 or worse" % rc)
        s2 = start_server(t, started, sw, "v1", "start -sw (verify --all)")
        if s2:
            rc, _ = run_all("verify --all (an unregistered server)", {s1.pid: "ok", s2.pid: "fuse"})
            t.check(rc == 4, "verify --all (an unregistered server)", "exit %s, want 4" % rc)


# ---------------------------------------------------------------- 8. errors


def part_errors(t, lp, fxdir, tmp):
    pid = nonexistent_pid()
    db = ST.new("errors")
    for args in (["fingerprint", "--pid", pid], ["fingerprint", "--pid", pid, "--json"],
                 ["verify", "--pid", pid, "--registry", db]):
        what = " ".join(str(a) for a in args[:3]) + " (no such process)"
        rc, out, err = lp(*args)
        lines = lptest.stderr_lines(err)
        t.check(rc == 2, what, "exit %s, want 2" % rc)
        t.check(len(lines) == 1 and lines[0].startswith("linkproof: ") and str(pid) in lines[0], what,
                "want one stderr line naming pid %d, got %r" % (pid, lines))
    for args in (["fingerprint", "--pid", "abc"], ["fingerprint", "--pid"], ["verify"],
                 ["verify", "--pid", "1", "--all"], ["registry"], ["registry", "frobnicate"],
                 ["registry", "add", "/bin/true"]):
        rc, out, err = lp(*args)
        t.check(rc == 2 and err.startswith(b"linkproof: ") and out == b"", " ".join(args),
                "want exit 2, a 'linkproof: ' line on stderr and nothing on stdout, got exit %s, %r %r"
                % (rc, out[:200], err[:200]))

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("note: not root or no setpriv: the permission part is skipped")
        return
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    with servers() as started:
        s = start_server(t, started, os.path.join(fxdir, "server-amd64-cgo0-exe"), "v1", "start (as root)")
        if s is None:
            return
        tmp_db = tempfile.mkdtemp(prefix="lp-fp-nobody-")
        try:
            os.chmod(tmp_db, 0o777)
            nobody_db = os.path.join(tmp_db, "r.db") if ST.kind == "sqlite" else ST.new("nobody")
            for args in (["fingerprint", "--pid", str(s.pid)],
                         ["verify", "--pid", str(s.pid), "--registry", nobody_db]):
                what = "%s %s --pid (as nobody, root's process)" % (args[0], "")
                rc, out, err = run(nobody + [lp.lp] + args, env=base_env(HOME=tmp_db))
                lines = lptest.stderr_lines(err)
                t.check(rc == 2, what, "exit %s, want 2 (stderr %r)" % (rc, err[:300]))
                t.check(len(lines) == 1 and lines[0].startswith("linkproof: ")
                        and re.search(r"permission|ptrace", lines[0], re.I), what,
                        "want one stderr line mentioning permission or ptrace, got %r" % lines)
                t.check(out == b"", what, "stdout should be empty: %r" % out[:200])
            # --all as nobody cannot read root's processes (not even which file they run):
            # an empty table with exit 0 would be a false all-clear
            what = "verify --all (as nobody, a root Go process running)"
            rc, out, err = run(nobody + [lp.lp, "verify", "--all", "--registry", nobody_db],
                               env=base_env(HOME=tmp_db))
            t.check(rc == 2 and re.search(r"permission|ptrace", lptest.dec(err), re.I), what,
                    "want exit 2 (cannot verify) and a stderr line about the processes it could "
                    "not read (permission); got exit %s, stdout %r, stderr %r"
                    % (rc, out[:300], err[:300]))
        finally:
            shutil.rmtree(tmp_db, ignore_errors=True)


# ---------------------------------------------------------------- main


def main(fxdir, t):
    lp = LP(lptest.lp_bin())
    go = lptest.go_bin()
    rc, out, err = lp("fingerprint", "--help")
    if not t.check(rc == 0 and b"usage" in out.lower(), "fingerprint --help",
                   "exit %s: the fingerprint command is missing? %r" % (rc, (out or err)[:200])):
        return t.abort()
    if not lptest.check_fixture_list(t, fxdir):
        return t.abort()
    rows = lptest.existing(t, lptest.fixture_rows(fxdir), "listed in fixtures.tsv but missing")
    names = {r["name"] for r in rows}
    if not t.check(all(n in names for n in SERVERS), fxdir,
                   "the server fixtures %s are not all built (scripts/build-fixtures.sh)"
                   % list(SERVERS)):
        return t.abort()
    global ST
    with tempfile.TemporaryDirectory(prefix="lp-fp-") as tmp:
        # no call may reach the user's own registry (~/.local/share/linkproof), nor libpq the
        # machine's own PostgreSQL setup (PG* variables, ~/.pgpass, service files)
        for k in [k for k in os.environ if k.startswith("PG")]:
            del os.environ[k]
        os.environ.update(PGPASSFILE=os.path.join(tmp, "no-pgpass"), PGSERVICEFILE=os.path.join(tmp, "no-service"),
                          PGSYSCONFDIR=tmp)
        os.makedirs(os.path.join(tmp, "lp-home"))
        lp.env = base_env(HOME=os.path.join(tmp, "lp-home"))
        parts = (("files", lambda: part_files(t, lp, go, fxdir, rows, tmp)),
                 ("pid", lambda: part_pid(t, lp, go, fxdir, tmp)),
                 ("replaced", lambda: part_replaced(t, lp, fxdir, tmp)))
        # every registry and verify part, once per backend, with the same assertions
        per_backend = (("patched", lambda t, d: part_patched(t, lp, go, fxdir, d)),
                       ("verify", lambda t, d: part_verify(t, lp, go, fxdir, d)),
                       ("pid swap", lambda t, d: part_pid_swap(t, lp, go, fxdir, d)),
                       ("registry", lambda t, d: part_registry(t, lp, go, fxdir, d)),
                       ("verify --all", lambda t, d: part_verify_all(t, lp, go, fxdir, d)),
                       ("errors", lambda t, d: part_errors(t, lp, fxdir, d)))
        for name, fn in parts:
            t0 = time.time()
            fn()
            print("part %s: %.1fs" % (name, time.time() - t0), flush=True)
        only = os.environ.get("LP_TEST_BACKENDS", "sqlite,postgresql").split(",")
        for kind in ("sqlite", "postgresql"):
            if kind not in only:
                print("note: backend %s not asked for ($LP_TEST_BACKENDS)" % kind)
                continue
            d = os.path.join(tmp, kind)
            os.makedirs(d)
            with contextlib.ExitStack() as stack:
                if kind == "sqlite":
                    ST = SqliteStore(d)
                else:
                    if not pgserver.server_bindir():
                        t.check(not os.environ.get("CI"), "postgresql", "no PostgreSQL server binaries "
                                "(Debian: postgresql), and CI is set")
                        print("SKIP postgresql: no PostgreSQL server binaries (Debian: postgresql)")
                        continue
                    t0 = time.time()
                    pg = stack.enter_context(pgserver.PgServer(tcp=True))
                    print("note: PostgreSQL started in %.1fs (%s, port %d)" % (time.time() - t0, pg.dir, pg.port),
                          flush=True)
                    ST = PgStore(pg)
                pt = Prefixed(t, "[%s] " % kind)
                for name, fn in per_backend:
                    t0 = time.time()
                    fn(pt, d)
                    print("part %s (%s): %.1fs" % (name, kind, time.time() - t0), flush=True)
    return t.finish("fingerprint_cli")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
