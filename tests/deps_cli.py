#!/usr/bin/env python3
"""The `linkproof deps` command against the loaders' own answers.

Oracles (all independent of linkproof):
  * `ldd` (glibc; LD_LIBRARY_PATH in its environment for the --ld-library-path
    cases): which path each DT_NEEDED name resolves to, in load order, what is
    not found, version errors and "no version information" warnings on stderr,
    and the interpreter line (PT_INTERP);
  * the root's own loader run in a chroot (`chroot DIR LOADER --list FILE`, as
    root or under `unshare -r`; skipped with a note when neither works): the
    same answers inside a root, for glibc and musl roots;
  * musl's ldd (`/lib/ld-musl-x86_64.so.1 --list`) for musl programs on the host;
  * `libtree -p` for the rules it implements (rpath, runpath, LD_LIBRARY_PATH,
    ld.so.conf, default path; not glibc-hwcaps, Debian's $LIB, or "already
    loaded", which it does not model);
  * `readelf -d / -l / -V / --dyn-syms` (DT_NEEDED, SONAME, PT_INTERP, the versions a
    file needs and defines, which undefined symbols need which version);
  * `ldconfig -r DIR` to write a root's ld.so.cache and `ldconfig -C CACHE -p` to
    read any cache; `ld.so --help` for the host's glibc-hwcaps subdirectories.

Inputs:
  1. about 25 host programs (ls, ssh, curl, python3, git, perl, ... then more
     of /usr/bin), 6 host libraries, and the Go cgo fixtures (LP_FIXTURES) with
     root "/": mapping, order, interpreter, DT_NEEDED/SONAME of every object,
     rule ld.so.cache, the hwcaps list, --list and text output;
  2. C programs built here with gcc (sources in tests/fixtures/deps, built into a
     temporary directory): DT_RPATH, DT_RUNPATH, $ORIGIN in both, transitive
     RPATH (works) and RUNPATH (fails), RUNPATH switching RPATH off, RPATH up a
     chain of loaders, -z nodefaultlib, 32-bit and wrong-machine candidates
     skipped, glibc-hwcaps, $PLATFORM, $LIB, --ld-library-path order, a non-ELF
     candidate, a link loop, a link to a directory, missing and unversioned
     symbol versions, a DT_NEEDED matching a loaded DT_SONAME, a DT_NEEDED
     with a '/', LD_LIBRARY_PATH in the environment (ignored), --hwcaps and
     --dst-platform;
  3. roots in temporary directories: (a) glibc root copied from the host with an
     absolute /lib64 loader link, without and with an ld.so.cache from
     ldconfig -r, $ORIGIN inside the root, a file outside the root, nodefaultlib,
     missing and wrong interpreters; (b) an old-glibc root (stub libc.so.6 with
     GLIBC_2.2.5 ... GLIBC_2.30) against readelf's needed versions; (c) a musl
     root with and without /etc/ld-musl-x86_64.path, and glibc/musl mismatches;
     (d) absolute, escaping, dangling, directory and looping symlinks; (e)
     ld.so.conf with nested absolute and relative includes; (f) broken
     ld.so.cache files, and one with only its extension section cut (glibc
     still uses it); (g) static programs; (h) usage errors and several files;
  4. --list and the text tree against --json (and ldd), --color.

Every JSON report is also checked for shape and consistency: the documented
keys, ok == no error problem == exit 0, severities by kind, objects[0] the file,
parents before children with depth + 1, each name once, breadth-first order,
a not-found problem for each missing library.

A missing tool (gcc, ld, musl-gcc, libtree, ldd, ldconfig, readelf) is a skip
(a "SKIP" line, not counted as passed), or a failure when CI is set.

Environment: LP_BIN, LP_FIXTURES (required, else exit 77), LP_SOURCE_ROOT, CI.
The last line is "N passed, M failed".
"""

import collections
import os
import random
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
from lptest import dec  # noqa: E402
import deps_roots as R  # noqa: E402

TIMEOUT = 30
RUNNER = lptest.Runner(TIMEOUT, drop=("LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "NO_COLOR",
                                      "CLICOLOR_FORCE", "GITHUB_ACTIONS"))
run, base_env = RUNNER.run, RUNNER.env

TOP_KEYS = ["schema_version", "command", "path", "root", "static", "interpreter", "binary_libc", "root_libc",
            "versions_checked", "ld_so_cache", "hwcaps", "objects", "findings", "ok", "error"]
INTERP_KEYS = ["name", "path", "found"]
OBJ_KEYS = ["name", "found", "path", "realpath", "host_path", "rule", "rule_detail", "parent",
            "depth", "soname", "needed", "skipped"]
PROB_KEYS = ["id", "severity", "object", "message"]
VER_KEYS = ["version", "library", "provided", "symbols", "symbols_total"]
RULES = {"main", "interpreter", "loaded", "path", "rpath", "LD_LIBRARY_PATH", "runpath",
         "ld.so.cache", "ld.so.conf", "default", "musl-path-file", "musl-libc", "not-found"}
# stale-cache: a warning (exit 0) in the spec this suite was written against; ld.h and
# docs/deps.md now make it an error (the real loader does not read ld.so.conf, so the
# program would not start). Set to True to follow them.
STALE_CACHE_IS_ERROR = True
# bad-cache (warning) and limit (error) are not in the spec's list; ld.h and
# docs/deps.md define them.
ERROR_KINDS = {"interpreter-missing", "interpreter-wrong", "libc-mismatch", "not-found",
               "version-missing", "bad-library", "limit", "cpu-dependent"}
WARN_KINDS = {"weak-version", "no-verdef", "versions-skipped", "no-cache", "bad-cache", "ldconf-limit",
              "cpu-dependent-path"}
(ERROR_KINDS if STALE_CACHE_IS_ERROR else WARN_KINDS).add("stale-cache")
# keys docs/deps.md adds to the spec's
EXTRA_KEYS = {"top-level": {"root_loader", "rules", "glibc", "cpu"}, "objects[]": {"children"},
              "findings[]": set()}
LIBCS = {"glibc", "musl", "unknown"}
GLIBC_LDSO = "/lib64/ld-linux-x86-64.so.2"
MUSL_LDSO = "/lib/ld-musl-x86_64.so.1"
TRIPLET = "x86_64-linux-gnu"
MUSL_RESERVED = re.compile(r"^lib(c|pthread|rt|m|dl|util|xnet)\.so")
# libtree's reasons -> the rules they may correspond to
LIBTREE_RULES = {"rpath": {"rpath"}, "runpath": {"runpath"},
                 "LD_LIBRARY_PATH": {"LD_LIBRARY_PATH"},
                 "ld.so.conf": {"ld.so.cache", "ld.so.conf"}, "default path": {"default"},
                 "direct": {"path"}}


def is_ldso(name):
    b = os.path.basename(name or "")
    return b.startswith("ld-linux") or b.startswith("ld-musl") or b == "linux-vdso.so.1"


def under(path, d):
    """Whether path (a string) lies in directory d (as strings, no resolution)."""
    d = d.rstrip("/") + "/"
    return isinstance(path, str) and path.startswith(d)


class Ctx(lptest.ToolCtx):
    def __init__(self, tally, lp):
        super().__init__(tally, lp, ("gcc", "ld", "musl-gcc", "libtree", "ldd", "ldconfig",
                                     "readelf", "chroot", "unshare"))
        self._elf = {}
        self.chroot_mode = None  # [] or ["unshare", "-r"] once known; False: unavailable
        self.extra_keys = collections.defaultdict(set)

    # ------------------------------------------------------------ linkproof

    def deps(self, files, args=(), mode="--json", env=None, timeout=None):
        """(rc, [JSON objects] or None, stdout text, stderr text)."""
        argv = [self.lp, "deps"] + ([mode] if mode else []) + list(args) + list(files)
        rc, out, err = run(argv, env=env, timeout=timeout)
        objs = None
        if mode == "--json":
            objs = []
            for line in dec(out).split("\n"):
                if not line.strip():
                    continue
                v = lptest.load_json(line)
                if v is None:
                    objs = None
                    break
                objs.append(v)
        return rc, objs, dec(out), dec(err)

    def one(self, label, file, args=(), env=None, expect_rc=None, timeout=None):
        """deps --json on one file; the validated report or None (after a failed check)."""
        rc, objs, out, err = self.deps([file], args, env=env, timeout=timeout)
        t = self.t
        cmd = "linkproof deps --json %s %s" % (" ".join(args), file)
        if not t.check(rc in (0, 1), label, "%s: exit %r, want 0 or 1; stderr %r" % (cmd, rc, err[:400])):
            return None
        if not t.check(objs is not None and len(objs) == 1, label,
                       "%s: want exactly one JSON object on stdout, got %r" % (cmd, out[:300])):
            return None
        j = objs[0]
        j["_rc"] = rc
        j["_cmd"] = cmd
        validate(self, label, j, rc)
        if expect_rc is not None:
            t.check(rc == expect_rc, label, "%s: exit %r, want %r; problems %s"
                    % (cmd, rc, expect_rc, brief_problems(j)))
        return j

    # ------------------------------------------------------------ readelf

    def elf(self, path):
        """readelf facts of a file (cached by real path): needed, soname, rpath, runpath,
        interp, flags_1, verneed {file: [versions]}, verdef [names], und {version: {syms}}."""
        key = os.path.realpath(path)
        if key in self._elf:
            return self._elf[key]
        info = {"needed": [], "soname": None, "rpath": None, "runpath": None, "interp": None,
                "flags_1": "", "verneed": collections.OrderedDict(), "verdef": [], "und": {}}
        rc, out, _ = run(["readelf", "-W", "-d", "-l", "-V", "--dyn-syms", path])
        text = dec(out)
        for line in text.split("\n"):
            m = re.search(r"\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+\S.*?\[(.*)\]\s*$", line)
            if m:
                k, v = m.group(1), m.group(2)
                if k == "NEEDED":
                    info["needed"].append(v)
                else:
                    info[k.lower()] = v
                continue
            m = re.search(r"\(FLAGS_1\)\s+Flags:\s*(.*)$", line)
            if m:
                info["flags_1"] = m.group(1)
            m = re.search(r"\[Requesting program interpreter: (.*)\]", line)
            if m:
                info["interp"] = m.group(1)
        sec = None
        cur = None
        for line in text.split("\n"):
            if line.startswith("Version needs section"):
                sec = "need"
                continue
            if line.startswith("Version definition section"):
                sec = "def"
                continue
            if line.startswith("Version symbols section") or line.startswith("Symbol table"):
                sec = None
            if sec == "need":
                m = re.search(r"File: (\S+)", line)
                if m:
                    cur = m.group(1)
                    info["verneed"].setdefault(cur, [])
                m = re.search(r"Name: (\S+)\s+Flags: (\S+)", line)
                if m and cur:
                    info["verneed"][cur].append(m.group(1))
            elif sec == "def":
                m = re.search(r"Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", line)
                if m and "BASE" not in m.group(1):
                    info["verdef"].append(m.group(2))
        for line in text.split("\n"):
            f = line.split()
            if len(f) >= 8 and f[6] == "UND" and "@" in f[7]:
                name, _, ver = f[7].partition("@")
                info["und"].setdefault(ver.lstrip("@"), set()).add(name)
        self._elf[key] = info
        return info

    # ------------------------------------------------------------ chroot oracle

    def chroot_prefix(self):
        """The command prefix that can chroot ([], or unshare -r), or None."""
        if self.chroot_mode is None:
            self.chroot_mode = False
            if self.tools.get("chroot"):
                for pre in ([], ["unshare", "-r"]):
                    if pre and not self.tools.get("unshare"):
                        continue
                    rc, _, _ = run(pre + ["chroot", "/", "true"])
                    if rc == 0:
                        self.chroot_mode = pre
                        break
            if self.chroot_mode is False:
                print("note: cannot chroot (not root, no unshare -r): the chroot oracle is skipped",
                      flush=True)
        return None if self.chroot_mode is False else self.chroot_mode

    def chroot_list(self, root, loader, file, inroot=None):
        """ldd of FILE inside ROOT by the root's own LOADER (--list). FILE is copied to
        /.lporacle/ in the root for the run unless INROOT (its path in the root) is
        given. None when chroot is not possible."""
        pre = self.chroot_prefix()
        if pre is None:
            self.skipped += 1
            return None
        tmpd = None
        if inroot is None:
            tmpd = os.path.join(root, ".lporacle")
            os.makedirs(tmpd, exist_ok=True)
            shutil.copy(file, os.path.join(tmpd, os.path.basename(file)))
            inroot = "/.lporacle/" + os.path.basename(file)
        try:
            rc, out, err = run(pre + ["chroot", root, loader, "--list", inroot])
        finally:
            if tmpd:
                shutil.rmtree(tmpd, ignore_errors=True)
        return parse_ldd(rc, out, err)


def brief_problems(j):
    return [(p.get("id"), p.get("object"), p.get("message")) for p in (j.get("findings") or [])
            if isinstance(p, dict)]


# ---------------------------------------------------------------- oracles


def parse_ldd(rc, out, err):
    """ldd-style output -> {"map": OrderedDict name -> path or None, "interp", "static",
    "verr": {(lib path, version)}, "noinfo": {lib path}, "fatal": message or None, "rc"}."""
    m = collections.OrderedDict()
    interp = None
    static = False
    fatal = None
    for line in dec(out).split("\n"):
        s = line.strip()
        if not s:
            continue
        mm = re.search(r"error while loading shared libraries: (.*)", s)
        if mm:
            fatal = mm.group(1).strip()
            continue
        if "statically linked" in s or "not a dynamic executable" in s:
            static = True
            continue
        if "=>" in s:
            name, rest = [x.strip() for x in s.split("=>", 1)]
            if rest.startswith("not found"):
                m[name] = None
            else:
                m[name] = re.sub(r"\s*\(0x[0-9a-f]+\)\s*$", "", rest)
        elif s.startswith("/"):
            v = re.sub(r"\s*\(0x[0-9a-f]+\)\s*$", "", s)
            if is_ldso(v):
                interp = v
            else:  # a DT_NEEDED with a '/': ldd prints only the path
                m[v] = v
    e = dec(err) + "\n" + dec(out)
    verr = set(re.findall(r": ([^:\s]+): version `([^']+)' not found", e))
    noinfo = set(re.findall(r": ([^:\s]+): no version information available", e))
    mm = re.search(r"error while loading shared libraries: (.*)", e)
    if mm and fatal is None:
        fatal = mm.group(1).strip()
    mm = re.search(r"Error (loading|relocating) (.*)", e)  # musl
    if mm and fatal is None:
        fatal = mm.group(0).strip()
    if "not a dynamic executable" in e or "statically linked" in e:
        static = True
    return {"map": m, "interp": interp, "static": static, "verr": verr, "noinfo": noinfo,
            "fatal": fatal, "rc": rc, "err": e}


def ldd(path, llp=None):
    env = base_env(LD_LIBRARY_PATH=llp) if llp else None
    rc, out, err = run(["ldd", path], env=env)
    return parse_ldd(rc, out, err)


def musl_ldd(path, llp=None):
    env = base_env(LD_LIBRARY_PATH=llp) if llp else None
    rc, out, err = run([MUSL_LDSO, "--list", path], env=env)
    return parse_ldd(rc, out, err)


def oracle_rc(o):
    """The exit status the loader's answer implies: 1 when anything is missing."""
    if o["fatal"] or o["verr"] or any(v is None for v in o["map"].values()):
        return 1
    return 0


def libtree(path, llp=None):
    """[(path or name, found, reason)] from `libtree -p -v`, in print order."""
    env = base_env(LD_LIBRARY_PATH=llp) if llp else None
    rc, out, err = run(["libtree", "-p", "-v", path], env=env)
    entries = []
    for line in dec(out).split("\n")[1:]:
        if "\u250a" in line or not line.strip():
            continue
        s = re.sub(r"^[\s\u2502\u251c\u2514\u2500]*", "", line).strip()
        m = re.match(r"^(\S+) \[(.*)\]$", s)
        if m:
            entries.append((m.group(1), True, m.group(2)))
            continue
        m = re.match(r"^(\S+) not found$", s)
        if m:
            entries.append((m.group(1), False, None))
    return entries


def ldconfig_p(cache=None):
    """{soname: path} of the x86-64 entries (no hwcaps) of a cache (`ldconfig [-C] -p`)."""
    argv = ["ldconfig", "-p"] if cache is None else ["ldconfig", "-C", cache, "-p"]
    rc, out, _ = run(argv)
    m = {}
    for line in dec(out).split("\n"):
        mm = re.match(r"^\s+(\S+) \(([^)]*)\) => (\S+)$", line)
        if mm and "x86-64" in mm.group(2) and "hwcap" not in mm.group(2):
            m.setdefault(mm.group(1), mm.group(3))
    return m


def ldso_hwcaps():
    """The glibc-hwcaps subdirectories `ld.so --help` says are supported, best first."""
    rc, out, _ = run([GLIBC_LDSO, "--help"])
    res = []
    on = False
    for line in dec(out).split("\n"):
        if line.startswith("Subdirectories of glibc-hwcaps"):
            on = True
            continue
        if on:
            if not line.startswith("  "):
                break
            mm = re.match(r"^\s+(\S+) \(supported, searched\)", line)
            if mm:
                res.append(mm.group(1))
    return res


def vkey(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[._]", v)]


def highest(versions, prefix):
    c = [v for v in versions if v.startswith(prefix)]
    return max(c, key=vkey) if c else None


# ---------------------------------------------------------------- checks


def validate(c, label, j, rc):
    """Shape and consistency of one JSON report."""
    t = c.t
    what = label
    keys = sorted(k for k in j if not k.startswith("_"))
    t.check(set(TOP_KEYS) <= set(keys), what, "top-level keys: missing %s"
            % sorted(set(TOP_KEYS) - set(keys)))
    c.extra_keys["top-level"].update(set(keys) - set(TOP_KEYS))
    objs, probs = j.get("objects"), j.get("findings")
    if not t.check(isinstance(objs, list) and objs and isinstance(probs, list), what,
                   "objects must be a non-empty list and findings a list"):
        return
    bad = []
    for k, typ in (("path", str), ("root", str), ("static", bool), ("versions_checked", bool),
                   ("ok", bool), ("hwcaps", list)):
        if not isinstance(j.get(k), typ):
            bad.append("%s=%r" % (k, j.get(k)))
    if j.get("binary_libc") not in LIBCS or j.get("root_libc") not in LIBCS:
        bad.append("binary_libc/root_libc %r/%r" % (j.get("binary_libc"), j.get("root_libc")))
    if j.get("ld_so_cache") is not None and not isinstance(j.get("ld_so_cache"), str):
        bad.append("ld_so_cache=%r" % j.get("ld_so_cache"))
    it = j.get("interpreter")
    if it is not None and not (isinstance(it, dict) and sorted(it) == sorted(INTERP_KEYS)
                               and isinstance(it.get("found"), bool)):
        bad.append("interpreter=%r (want null or {name, path, found})" % (it,))
    t.check(not bad, what, "field types: " + "; ".join(bad))
    errors = [p for p in probs if isinstance(p, dict) and p.get("severity") == "error"]
    t.check(j.get("ok") is (not errors), what, "ok=%r with %d error problems: %s"
            % (j.get("ok"), len(errors), brief_problems(j)))
    t.check((rc == 0) == (j.get("ok") is True), what, "exit %r but ok=%r" % (rc, j.get("ok")))
    # objects
    bad = []
    names = []
    for i, o in enumerate(objs):
        if not isinstance(o, dict) or not set(OBJ_KEYS) <= set(o):
            bad.append("objects[%d] lacks keys %s" % (i, sorted(set(OBJ_KEYS) - set(o))
                                                       if isinstance(o, dict) else o))
            continue
        c.extra_keys["objects[]"].update(set(o) - set(OBJ_KEYS))
        if o["rule"] not in RULES:
            bad.append("objects[%d].rule %r unknown" % (i, o["rule"]))
        if not isinstance(o["needed"], list) or not isinstance(o["skipped"], list):
            bad.append("objects[%d] needed/skipped not lists" % i)
            continue
        for s in o["skipped"]:
            if not (isinstance(s, dict) and isinstance(s.get("path"), str)
                    and isinstance(s.get("why"), str)):
                bad.append("objects[%d].skipped entry %r" % (i, s))
        if i == 0:
            if not (o["rule"] == "main" and o["parent"] is None and o["depth"] == 0 and o["found"]):
                bad.append("objects[0] must be the file: rule main, parent null, depth 0, found: %r"
                           % {k: o[k] for k in ("rule", "parent", "depth", "found")})
            continue
        names.append(o["name"])
        p = o["parent"]
        if o["rule"] == "interpreter" and p is None:
            if o["depth"] != 0:
                bad.append("objects[%d] (%s): interpreter without parent at depth %r"
                           % (i, o["name"], o["depth"]))
        elif not (isinstance(p, int) and 0 <= p < i and isinstance(objs[p], dict)):
            bad.append("objects[%d] (%s).parent %r not an earlier index" % (i, o["name"], p))
        else:
            par = objs[p]
            if o["depth"] != par.get("depth", -9) + 1:
                bad.append("objects[%d] (%s).depth %r, parent's %r" % (i, o["name"], o["depth"],
                                                                       par.get("depth")))
            if o["rule"] != "interpreter" and o["name"] not in (par.get("needed") or []):
                bad.append("objects[%d] (%s) not in its parent's needed %r"
                           % (i, o["name"], par.get("needed")))
        if o["rule"] == "main":
            bad.append("objects[%d] (%s) has rule main" % (i, o["name"]))
        if o["rule"] == "interpreter" and o["found"] is False:
            pass  # a missing interpreter keeps its rule (interpreter-missing says why)
        elif o["found"] != (o["rule"] != "not-found"):
            bad.append("objects[%d] (%s) found=%r rule=%r" % (i, o["name"], o["found"], o["rule"]))
        if o["found"]:
            if not (isinstance(o["path"], str) and o["path"].startswith("/")
                    and isinstance(o["realpath"], str) and o["realpath"].startswith("/")):
                bad.append("objects[%d] (%s) found without absolute path/realpath: %r %r"
                           % (i, o["name"], o["path"], o["realpath"]))
        elif o["path"] is not None:
            bad.append("objects[%d] (%s) not found but path %r" % (i, o["name"], o["path"]))
    t.check(not bad, what, "objects: " + "; ".join(bad[:6]))
    t.check(len(names) == len(set(names)), what, "a library listed more than once: %s"
            % [n for n in names if names.count(n) > 1])
    depths = [o.get("depth") for o in objs if isinstance(o, dict)]
    t.check(all(isinstance(d, int) for d in depths) and depths == sorted(depths), what,
            "objects not in breadth-first order (depths %s)" % depths)
    if j.get("static"):
        t.check(len(objs) == 1, what, "static but %d objects" % len(objs))
    # problems
    bad = []
    for p in probs:
        if not isinstance(p, dict) or not set(PROB_KEYS) <= set(p):
            bad.append("problem keys %s" % (sorted(p) if isinstance(p, dict) else p))
            continue
        c.extra_keys["findings[]"].update(set(p) - set(PROB_KEYS + VER_KEYS))
        k = p["id"]
        if k in ERROR_KINDS:
            if p["severity"] != "error":
                bad.append("%s has severity %r" % (k, p["severity"]))
        elif k in WARN_KINDS:
            if p["severity"] != "warning":
                bad.append("%s has severity %r" % (k, p["severity"]))
        else:
            bad.append("unknown kind %r" % k)
        if not (isinstance(p["message"], str) and p["message"] and "\n" not in p["message"]):
            bad.append("%s text %r is not one line" % (k, p["message"]))
        if not isinstance(p["object"], str):
            bad.append("%s object %r" % (k, p["object"]))
        if k in ("version-missing", "weak-version"):
            if not (set(VER_KEYS) <= set(p) and isinstance(p["version"], str)
                    and isinstance(p["library"], str)
                    and (p["provided"] is None or isinstance(p["provided"], str))
                    and isinstance(p["symbols"], list) and isinstance(p["symbols_total"], int)
                    and p["symbols_total"] >= len(p["symbols"])):
                bad.append("%s lacks version/library/provided/symbols/symbols_total: %r" % (k, p))
    t.check(not bad, what, "problems: " + "; ".join(bad[:6]))
    for o in objs[1:]:
        if isinstance(o, dict) and o.get("found") is False:
            n = o.get("name")
            kinds = ("not-found", "bad-library")
            if o.get("rule") == "interpreter":
                kinds = ("interpreter-missing", "interpreter-wrong", "libc-mismatch")
            t.check(any(isinstance(p, dict) and p.get("id") in kinds
                        and (p.get("object") == n or n in (p.get("message") or ""))
                        for p in probs), what,
                    "%s not found but no not-found problem names it: %s" % (n, brief_problems(j)))


def lp_map(j, keep_ldso=False):
    m = collections.OrderedDict()
    for o in j["objects"][1:]:
        if o["rule"] in ("interpreter", "loaded") or (is_ldso(o["name"]) and not keep_ldso):
            continue
        m[o["name"]] = o["path"] if o["found"] else None
    return m


def obj(j, name):
    for o in j["objects"][1:]:
        if o["name"] == name:
            return o
    return None


def problems(j, kind):
    return [p for p in j["findings"] if p.get("id") == kind]


def compare_oracle(c, label, j, o, oname="ldd", check_rc=True):
    """Mapping (name -> path or not found), load order and exit status vs a loader's list."""
    t = c.t
    om = collections.OrderedDict((k, v) for k, v in o["map"].items() if not is_ldso(k))
    lm = lp_map(j)
    if "musl" in oname:
        # musl's own names (libc.so, ...) are checked by check_rules (rule musl-libc), once
        om = collections.OrderedDict((k, v) for k, v in om.items() if not MUSL_RESERVED.match(k))
        lm = collections.OrderedDict((k, v) for k, v in lm.items() if not MUSL_RESERVED.match(k))
    if o["fatal"]:
        # the loader stopped at a fatal error: what it listed before is not complete
        t.check(j["_rc"] == 1, label, "%s: %s failed (%s) but exit %r"
                % (j["_cmd"], oname, o["fatal"], j["_rc"]))
        return
    t.eq(label, "library names (%s: %s)" % (oname, j["_cmd"]), sorted(om), sorted(lm))
    for name, path in om.items():
        if name in lm:
            t.eq(label, "%s => (%s; %s)" % (name, oname, j["_cmd"]), path, lm[name])
    ofound = [n for n, p in om.items() if p]
    lfound = [n for n, p in lm.items() if p and n in om]
    t.eq(label, "load order of found libraries (%s; %s)" % (oname, j["_cmd"]), ofound, lfound)
    if check_rc:
        t.eq(label, "exit status (%s says %s; %s)" % (oname, "something is missing"
                                                      if oracle_rc(o) else "all found", j["_cmd"]),
             oracle_rc(o), j["_rc"])


def check_interp(c, label, j, file, root="/"):
    """interpreter.name = PT_INTERP (readelf); found; path resolves to the same file."""
    t = c.t
    want = c.elf(file)["interp"]
    it = j.get("interpreter")
    if want is None:
        return
    if not t.check(isinstance(it, dict), label, "%s: PT_INTERP %s but interpreter %r"
                   % (j["_cmd"], want, it)):
        return
    t.eq(label, "interpreter.name (readelf PT_INTERP)", want, it.get("name"))
    hp = host_of(root, want)
    exists = hp is not None and os.path.isfile(hp)
    t.eq(label, "interpreter.found (%s exists in %s)" % (want, root), exists, it.get("found"))
    if exists and isinstance(it.get("path"), str):
        got = host_of(root, it["path"])
        t.check(got is not None and os.path.exists(got) and os.path.samefile(got, hp), label,
                "interpreter.path %r is not the file %s names" % (it["path"], want))


def inroot_realpath(root, path, limit=40):
    """PATH (absolute, inside ROOT) with every link resolved inside the root: absolute
    targets start again at ROOT, ".." stops at it. None for a loop or a too long chain."""
    parts = [x for x in path.split("/") if x]
    out = []
    n = 0
    while parts:
        x = parts.pop(0)
        if x == ".":
            continue
        if x == "..":
            if out:
                out.pop()
            continue
        hp = os.path.join(root, *(out + [x]))
        if os.path.islink(hp):
            n += 1
            if n > limit:
                return None
            target = os.readlink(hp)
            if target.startswith("/"):
                out = []
            parts = [y for y in target.split("/") if y] + parts
        else:
            out.append(x)
    return "/" + "/".join(out)


def host_of(root, path):
    """The host file of an in-root path (links resolved inside the root)."""
    rp = inroot_realpath(root, path)
    return None if rp is None else os.path.join(root, rp.lstrip("/"))


def check_elf_facts(c, label, j, root="/", file=None):
    """needed and soname of every found object = readelf of its host file;
    realpath = the path with links resolved inside the root; host_path is that file
    (in the root). objects[0] is FILE itself when it lies outside the root."""
    t = c.t
    bad = []
    root = os.path.realpath(root)
    for i, o in enumerate(j["objects"]):
        if not o["found"] or o["rule"] == "musl-libc":
            continue
        hp = o["host_path"]
        given = file if file is not None else j["path"]
        if i == 0 and not under(os.path.realpath(given), root) and root != "/":
            want_hp = given
        else:
            want_hp = host_of(root, o["path"])
            want_rp = inroot_realpath(root, o["path"])
            if want_rp is not None and o["realpath"] != want_rp and (root != "/" or not (
                    os.path.exists(o["realpath"]) and os.path.samefile(o["realpath"], want_rp))):
                bad.append("%s: realpath %r, resolving %r in the root gives %r"
                           % (o["name"], o["realpath"], o["path"], want_rp))
        if not (isinstance(hp, str) and want_hp and os.path.exists(hp) and os.path.exists(want_hp)
                and os.path.samefile(hp, want_hp)):
            bad.append("%s: host_path %r is not the file %s" % (o["name"], hp, want_hp))
            continue
        if root != "/" and i > 0 and not under(hp, root):
            bad.append("%s: host_path %r outside the root %s" % (o["name"], hp, root))
        e = c.elf(hp)
        if e["needed"] != o["needed"]:
            bad.append("%s: needed %r, readelf %r" % (o["name"], o["needed"], e["needed"]))
        if e["soname"] != o["soname"]:
            bad.append("%s: soname %r, readelf %r" % (o["name"], o["soname"], e["soname"]))
    t.check(not bad, label, "%s: %s" % (j["_cmd"], "; ".join(bad[:5])))


def check_rules(c, label, j, want):
    """want: {name: rule or set of rules}; 'not-found' for missing ones."""
    for name, rule in want.items():
        o = obj(j, name)
        got = o["rule"] if o else "(absent)"
        ok = got in rule if isinstance(rule, (set, frozenset)) else got == rule
        c.t.check(ok, label, "%s: rule of %s: expected %s, linkproof says %r (path %r)"
                  % (j["_cmd"], name, sorted(rule) if isinstance(rule, set) else repr(rule), got,
                     o and o["path"]))


def compare_libtree(c, label, j, file, tdir, llp=None):
    """The libraries under TDIR that libtree finds (and why) vs linkproof; names libtree
    cannot find anywhere in its tree must be missing for linkproof too."""
    t = c.t
    ents = libtree(file, llp)
    found = collections.OrderedDict()
    for p, ok, why in ents:
        if ok and under(p, tdir) and p not in found:
            found[p] = why
    found_names = {os.path.basename(p) for p, ok, _ in ents if ok}
    missing = {p for p, ok, _ in ents if not ok and p not in found_names}
    lfound = {o["path"]: o["rule"] for o in j["objects"][1:] if o["found"] and under(o["path"], tdir)}
    t.eq(label, "libraries under the test dir (libtree -p; %s)" % j["_cmd"], sorted(found),
         sorted(lfound))
    for p, why in found.items():
        if p in lfound:
            base = "rpath" if why.startswith("rpath") else why
            allowed = LIBTREE_RULES.get(base, {why})
            t.check(lfound[p] in allowed, label, "%s: %s: libtree says [%s], linkproof rule %r"
                    % (j["_cmd"], p, why, lfound[p]))
    lmissing = {o["name"] for o in j["objects"][1:] if not o["found"]}
    t.eq(label, "libraries libtree cannot find (%s)" % j["_cmd"], sorted(missing),
         sorted(lmissing))


# ---------------------------------------------------------------- 1. host


def host_programs():
    names = ["ls", "ssh", "curl", "python3", "git", "perl", "sqlite3", "openssl", "gpg", "tar",
             "bash", "wget", "xz", "zstd", "ninja", "make", "find", "grep", "ip", "ss", "sort",
             "gzip", "readelf", "hyperfine", "libtree"]
    out = []
    for n in names:
        for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            p = os.path.join(d, n)
            if os.path.isfile(p):
                out.append(p)
                break
    try:
        extra = sorted(os.listdir("/usr/bin"))
    except OSError:
        extra = []
    for n in extra:
        if len(out) >= 28:
            break
        p = os.path.join("/usr/bin", n)
        if p not in out and os.path.isfile(p) and not os.path.islink(p):
            out.append(p)
    return out


def dynamic_elf(c, p):
    if not lptest.is_elf(p):
        return False
    e = c.elf(p)
    return bool(e["needed"])


def host_section(c, fxdir):
    t = c.t
    if not c.need("host ldd oracle", "ldd", "readelf"):
        return
    cache = ldconfig_p() if c.tools.get("ldconfig") and os.path.isfile("/etc/ld.so.cache") else {}
    progs = [p for p in host_programs() if dynamic_elf(c, p) and c.elf(p)["interp"]]
    libs = []
    seen = set()
    for p in progs[:10]:
        for name, lp in ldd(p)["map"].items():
            if lp and lp not in seen and not is_ldso(name) and name != "libc.so.6":
                seen.add(lp)
                if dynamic_elf(c, lp):
                    libs.append(lp)
    libs = sorted(libs)[:6]
    rows = []
    try:
        rows = lptest.fixture_rows(fxdir)
    except OSError:
        t.fail(fxdir, "fixtures.tsv cannot be read")
    fx = [r["path"] for r in rows if r["program"] in ("cgolibc", "netapp") and r["goarch"] == "amd64"
          and r["cgo"] == "1" and os.path.isfile(r["path"])]
    t.check(any("cgolibc" in os.path.basename(p) for p in fx), fxdir,
            "no cgolibc fixture found through fixtures.tsv")
    files = progs + libs + fx
    print("note: host section: %d programs, %d libraries, %d Go fixtures"
          % (len(progs), len(libs), len(fx)), flush=True)
    t.check(len(progs) + len(libs) >= 20, "host", "fewer than 20 host files with DT_NEEDED: %r" % files)
    for p in files:
        o = ldd(p)
        j = c.one(p, p)
        if j is None:
            continue
        compare_oracle(c, p, j, o)
        check_elf_facts(c, p, j)
        if c.elf(p)["interp"]:
            check_interp(c, p, j, p)
            t.eq(p, "interpreter (ldd's interpreter line)", o["interp"],
                 (j.get("interpreter") or {}).get("name"))
        t.eq(p, "root", "/", j["root"])
        if c.elf(p)["interp"]:
            t.eq(p, "binary_libc", "glibc", j["binary_libc"])
        else:  # no PT_INTERP: ld.h says binary_libc comes from PT_INTERP
            t.check(j["binary_libc"] in ("glibc", "unknown"), p,
                    "binary_libc %r for a library linked against libc.so.6" % j["binary_libc"])
        t.eq(p, "root_libc", "glibc", j["root_libc"])
        t.eq(p, "versions_checked", True, j["versions_checked"])
        t.eq(p, "static", False, j["static"])
        if os.path.isfile("/etc/ld.so.cache"):
            t.eq(p, "ld_so_cache", "/etc/ld.so.cache", j["ld_so_cache"])
        t.check(not problems(j, "version-missing") and not o["verr"], p,
                "version problems %s, ldd: %s" % (problems(j, "version-missing"), o["verr"]))
        # no search path anywhere in the tree: every library from the cache
        if cache and not any(c.elf(x["host_path"])["rpath"] or c.elf(x["host_path"])["runpath"]
                             for x in j["objects"] if x["found"] and x["host_path"]):
            bad = [(x["name"], x["rule"], x["path"], cache.get(x["name"]))
                   for x in j["objects"][1:]
                   if x["found"] and x["rule"] != "interpreter" and not is_ldso(x["name"])
                   and x["name"] in cache
                   and (x["rule"] not in ("ld.so.cache", "loaded") or x["path"] != cache[x["name"]])]
            t.check(not bad, p, "libraries in ld.so.cache (ldconfig -p) without rule ld.so.cache "
                    "and the cache's path: %s" % bad)
    # the hwcaps list
    if os.path.exists(GLIBC_LDSO) and progs:
        want = ldso_hwcaps()
        j = c.one("hwcaps", progs[0])
        if j:
            t.eq(progs[0], "hwcaps (ld.so --help: supported, searched)", want, j["hwcaps"])
    # LD_LIBRARY_PATH in linkproof's own environment is not used
    return progs


def output_section(c, progs, f, mf):
    """--list and the text tree agree with --json; --color."""
    t = c.t
    cases = list(progs[:3])
    if f:
        cases += [f["exe_rpath"], f["exe_runpath"]]
    if mf and os.path.exists(MUSL_LDSO):
        cases.append(mf["exe_m_rp"])
    for p in cases:
        rc_j, objs, _, _ = c.deps([p])
        rc_l, _, out, err = c.deps([p], mode="--list")
        if not objs:
            t.fail(p, "--json gave nothing")
            continue
        j = objs[0]
        t.eq(p, "exit status of --list vs --json", rc_j, rc_l)
        got = collections.OrderedDict()
        other = []
        for line in out.split("\n"):
            if not line.strip():
                continue
            m = re.match(r"^\t(\S+) => (\S+) \(([^)]+)\)$", line)
            if m:
                got[m.group(1)] = (m.group(2), m.group(3))
                continue
            m = re.match(r"^\t(\S+) => not found$", line)
            if m:
                got[m.group(1)] = (None, "not-found")
                continue
            other.append(line)
        want = collections.OrderedDict()
        for o in j["objects"][1:]:
            want[o["name"]] = (o["path"], o["rule"]) if o["found"] else (None, "not-found")
        got_cmp = {k: v for k, v in got.items() if not (is_ldso(k) and k not in want)}
        want_cmp = {k: v for k, v in want.items() if v[1] != "interpreter" or k in got}
        t.eq(p, "--list lines (\\tNAME => PATH (RULE) / \\tNAME => not found) vs --json",
             sorted(want_cmp.items(), key=str), sorted(got_cmp.items(), key=str))
        t.check(not [l for l in other if l.startswith("\t")], p,
                "--list: lines not in the documented form: %r" % other[:3])
        o = musl_ldd(p) if c.elf(p)["interp"] == MUSL_LDSO else ldd(p)
        t.eq(p, "--list name => path vs ldd",
             sorted((k, v) for k, v in o["map"].items() if not is_ldso(k)),
             sorted((k, v[0]) for k, v in got.items() if not is_ldso(k)))
        # the default text tree
        rc_t, _, txt, _ = c.deps([p], mode=None, args=["--color=never"])
        t.eq(p, "exit status of the text output vs --json", rc_j, rc_t)
        miss = [o["name"] for o in j["objects"][1:]
                if o["name"] not in txt and (o["path"] or "\0") not in txt]
        t.check(not miss, p, "text tree does not mention %s" % miss)
        t.check("\x1b[" not in txt, p, "--color=never output has escape sequences")
        rc_n, _, txt2, _ = c.deps([p], mode=None)
        t.check("\x1b[" not in txt2, p, "text to a pipe without --color has escape sequences")
        if any(not x["found"] for x in j["objects"]):
            t.check("not found" in txt, p, "text output does not say 'not found'")
            rc_a, _, txt3, _ = c.deps([p], mode=None, args=["--color=always"])
            t.check("\x1b[" in txt3, p, "--color=always: no escape sequence in the output")


# ---------------------------------------------------------------- 2. C fixtures


def c_section(c, f, T):
    t = c.t
    hl = f.get("hostlib")
    cases = [
        # label, exe, llp, libtree?, {name: rule}
        ("rpath", "exe_rpath", None, True, {"libA.so": "rpath", "libB.so": "rpath"}),
        ("runpath, libB only in the exe's RUNPATH", "exe_runpath", None, True,
         {"libA.so": "runpath", "libB.so": "not-found"}),
        ("$ORIGIN rpath", "exe_origin_r", None, True,
         {"libA.so": "rpath", "libB.so": "rpath", "libC.so": "rpath"}),
        ("$ORIGIN runpath", "exe_origin_n", None, True,
         {"libA.so": "runpath", "libC.so": "runpath", "libB.so": "not-found"}),
        ("$ORIGIN runpath of a library", "exe_origin_n2", None, True,
         {"libA.so": "runpath", "libC.so": "runpath", "libB.so": "runpath"}),
        ("a RUNPATH in libA switches the RPATHs off", "exe_mixed", None, True,
         {"libA.so": "rpath", "libB.so": "not-found"}),
        ("RPATH up the chain of loaders", "exe_chain", None, True,
         {"libA.so": "rpath", "libB.so": "rpath", "libC.so": "rpath"}),
        ("wrong class and machine skipped", "exe_wrong", None, True, {"libC.so": "rpath"}),
        ("glibc-hwcaps", "exe_hwcaps", None, False, {"libC.so": "rpath"}),
        ("$PLATFORM", "exe_platform", None, True, {"libC.so": "rpath"}),
        ("$LIB (Debian: lib/<triplet>)", "exe_lib", None, False, {"libC.so": "rpath"}),
        ("LD_LIBRARY_PATH after RPATH", "exe_rpath", [f["dir_la2"], f["dir_b2"]], True,
         {"libA.so": "rpath", "libB.so": "rpath"}),
        ("LD_LIBRARY_PATH before RUNPATH", "exe_runpath", [f["dir_la2"], f["dir_b2"]], True,
         {"libA.so": "LD_LIBRARY_PATH", "libB.so": "LD_LIBRARY_PATH"}),
        ("symbol versions all there", "exe_ver_new", None, False, {"libB.so": "rpath"}),
        ("a name matching a loaded soname", "exe_loaded", None, False,
         {"libQ.so": "rpath", "libR.so": "rpath"}),
        ("DT_NEEDED with a slash", "exe_path", None, True,
         {os.path.join(f["dir_p"], "libP.so"): "path"}),
    ]
    if hl:
        cases.append(("-z nodefaultlib", "exe_nodeflib", None, True,
                      {"libN.so": "rpath", hl[0]: "not-found"}))
        cases.append(("-z nodefaultlib, LD_LIBRARY_PATH still searched", "exe_nodeflib",
                      [os.path.dirname(hl[1])], False,
                      {"libN.so": "rpath", hl[0]: "LD_LIBRARY_PATH"}))
    else:
        c.skip("-z nodefaultlib", "no libz.so.1/libm.so.6/libdl.so.2 on the host", required=False)
    use_libtree = c.need("libtree oracle", "libtree")
    for label, key, llp, lt, rules in cases:
        exe = f[key]
        llps = ":".join(llp) if llp else None
        label = "%s [%s]" % (label, os.path.relpath(exe, T))
        o = ldd(exe, llps)
        args = ["--ld-library-path", llps] if llps else []
        j = c.one(label, exe, args)
        if j is None:
            continue
        compare_oracle(c, label, j, o)
        check_rules(c, label, j, rules)
        check_elf_facts(c, label, j)
        for o2 in j["objects"][1:]:
            if o2["found"] and o2["rule"] in ("rpath", "runpath", "LD_LIBRARY_PATH", "ld.so.conf"):
                t.check(isinstance(o2["rule_detail"], str) and o2["rule_detail"], label,
                        "%s: %s found by %s without rule_detail" % (j["_cmd"], o2["name"], o2["rule"]))
        if lt and use_libtree:
            compare_libtree(c, label, j, exe, T, llps)
        if key == "exe_wrong":
            sk = (obj(j, "libC.so") or {}).get("skipped") or []
            sk = {s["path"]: s["why"] for s in sk}
            wm = os.path.join(f["dir_wm"], "libC.so")
            t.check(wm in sk and "machine" in sk[wm].lower(), label,
                    "%s: skipped should list %s (why: machine ...), got %r" % (j["_cmd"], wm, sk))
            if f.get("w32"):
                t.check(f["w32"] in sk and "ELFCLASS32" in sk[f["w32"]], label,
                        "%s: skipped should list %s (why: ELFCLASS32), got %r" % (j["_cmd"], f["w32"], sk))
            else:
                c.skip("32-bit candidate", "gcc -m32 -c / ld -m elf_i386 could not build one",
                       required=False)
        if key in ("exe_runpath", "exe_origin_n", "exe_mixed") and not llp:
            t.check(any(p.get("object") == "libB.so" or "libB.so" in p.get("message", "")
                        for p in problems(j, "not-found")), label,
                    "%s: want a not-found problem for libB.so: %s" % (j["_cmd"], brief_problems(j)))
    # LD_LIBRARY_PATH from linkproof's own environment is not used (only --ld-library-path)
    env = base_env(LD_LIBRARY_PATH=f["dir_la2"] + ":" + f["dir_b2"])
    j = c.one("LD_LIBRARY_PATH in the environment is ignored", f["exe_runpath"], env=env,
              expect_rc=1)
    if j:
        t.eq("LD_LIBRARY_PATH env", "libB.so path (environment must be ignored)", None,
             lp_map(j).get("libB.so", "(absent)"))
    # hwcaps options
    hw = f["dir_hw"]
    for args, want_path, want_list in (
            (["--hwcaps", "none"], os.path.join(hw, "libC.so"), []),
            (["--hwcaps", "x86-64-v2"], os.path.join(hw, "glibc-hwcaps/x86-64-v2/libC.so"),
             ["x86-64-v2"]),
            (["--hwcaps", "x86-64-v3,x86-64-v2"], os.path.join(hw, "glibc-hwcaps/x86-64-v3/libC.so"),
             ["x86-64-v3", "x86-64-v2"])):
        j = c.one("hwcaps " + " ".join(args), f["exe_hwcaps"], args, expect_rc=0)
        if j:
            t.eq(j["_cmd"], "libC.so path", want_path, lp_map(j).get("libC.so"))
            t.eq(j["_cmd"], "hwcaps", want_list, j["hwcaps"])
    # --dst-platform
    for args, want in ((["--dst-platform", "lpplat"], os.path.join(f["dir_plat"], "lpplat", "libC.so")),
                       (["--dst-platform", "nosuchplat"], None)):
        j = c.one("platform " + args[1], f["exe_platform"], args, expect_rc=0 if want else 1)
        if j:
            t.eq(j["_cmd"], "libC.so path ($PLATFORM)", want, lp_map(j).get("libC.so", "(absent)"))
    # broken candidates: glibc stops at them (ldd)
    for key, kinds in (("exe_bad", ("bad-library",)), ("exe_loop", ("not-found", "bad-library")),
                       ("exe_dirl", ("bad-library", "not-found"))):
        exe = f[key]
        o = ldd(exe)
        j = c.one(key, exe, timeout=20, expect_rc=1)
        if j is None:
            continue
        t.check(o["fatal"] or o["map"].get("libC.so", "x") is None, key,
                "oracle: ldd was expected to fail on libC.so: %r" % (o,))
        lc = obj(j, "libC.so")
        good_c = os.path.join(f["dir_c"], "libC.so")
        t.check(lc is not None and lc["path"] != good_c, key,
                "%s: glibc stops at the first candidate (%s), linkproof went on to %r"
                % (j["_cmd"], o["fatal"] or "libC.so => not found", lc and lc["path"]))
        t.check(any(p["id"] in kinds and ("libC.so" in p["message"] or p["object"] == "libC.so")
                    for p in j["findings"]), key,
                "%s: want a %s problem naming libC.so: %s" % (j["_cmd"], "/".join(kinds),
                                                               brief_problems(j)))
    # symbol versions
    o = ldd(f["exe_ver_old"])
    j = c.one("version missing (LPB_2.0)", f["exe_ver_old"], expect_rc=1)
    if j:
        e_exe, e_lib = c.elf(f["exe_ver_old"]), c.elf(os.path.join(f["dir_bv1"], "libB.so"))
        want = {(l, v) for l, vs in e_exe["verneed"].items() for v in vs
                if l == "libB.so" and v not in e_lib["verdef"]}
        t.eq(j["_cmd"], "oracle (ldd and readelf agree)",
             {("libB.so", v) for _, v in o["verr"]}, want)
        got = {(p["library"], p["version"]) for p in problems(j, "version-missing")}
        t.eq(j["_cmd"], "missing versions (readelf -V)", want, got)
        for p in problems(j, "version-missing"):
            t.eq(j["_cmd"], "provided (highest LPB_ in libB.so)", highest(e_lib["verdef"], "LPB_"),
                 p["provided"])
            syms = e_exe["und"].get(p["version"], set())
            t.eq(j["_cmd"], "symbols needing %s" % p["version"], sorted(syms), sorted(p["symbols"]))
            t.eq(j["_cmd"], "symbols_total", len(syms), p["symbols_total"])
    o = ldd(f["exe_ver_none"])
    j = c.one("library without versions (glibc accepts)", f["exe_ver_none"], expect_rc=0)
    if j:
        t.check(o["noinfo"], "exe_ver_none", "oracle: ldd should warn 'no version information'")
        t.check(any(p["severity"] == "warning" and ("libB.so" in (p.get("library") or "")
                                                    or "libB.so" in p["message"]
                                                    or p["object"] == "libB.so")
                    for p in problems(j, "no-verdef")), j["_cmd"],
                "want a no-verdef warning for libB.so: %s" % brief_problems(j))


# ---------------------------------------------------------------- 3. roots


def host_libs_for(files):
    """Host paths of the libraries ldd finds for FILES (loader excluded)."""
    out = []
    for p in files:
        for name, lp in ldd(p)["map"].items():
            if lp and not is_ldso(name) and lp not in out and not lp.startswith("/tmp") \
                    and os.path.isabs(lp):
                out.append(lp)
    return out


def root_a_section(c, f, T, cgo):
    """(a) a glibc root assembled from the host; returns the root for later sections."""
    t = c.t
    A = os.path.join(T, "rootA")
    sys_libs = [p for p in host_libs_for([cgo, f["exe_ac_plain"]]) if not under(p, T)]
    R.glibc_root(A, TRIPLET, sys_libs)
    R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(A, "usr/lib", TRIPLET, "libC.so"))
    R.copy(os.path.join(f["dir_a"], "libA.so"), os.path.join(A, "usr/lib/libA.so"))
    R.copy(os.path.join(f["dir_b"], "libB.so"), os.path.join(A, "usr/lib/libB.so"))
    loader = "/lib/%s/ld-linux-x86-64.so.2" % TRIPLET
    want_paths = {"libc.so.6": "/lib/%s/libc.so.6" % TRIPLET,
                  "libC.so": "/usr/lib/%s/libC.so" % TRIPLET,
                  "libA.so": "/usr/lib/libA.so", "libB.so": "/usr/lib/libB.so"}
    files = [cgo, f["exe_ac_plain"]]

    def common(j, label):
        t.eq(label, "root", os.path.realpath(A), os.path.realpath(j["root"]))
        t.eq(label, "root_libc", "glibc", j["root_libc"])
        t.eq(label, "binary_libc", "glibc", j["binary_libc"])
        it = j.get("interpreter") or {}
        t.eq(label, "interpreter", {"name": GLIBC_LDSO, "path": loader, "found": True}, it)
        check_elf_facts(c, label, j, A)
        for name, path in lp_map(j).items():
            if name in want_paths:
                t.eq(label, "%s path" % name, want_paths[name], path)

    for p in files:
        label = "root a, no cache: %s" % os.path.basename(p)
        j = c.one(label, p, ["--root", A], expect_rc=0)
        if j is None:
            continue
        common(j, label)
        t.eq(label, "ld_so_cache", None, j["ld_so_cache"])
        t.check(problems(j, "no-cache") and all(x["severity"] == "warning"
                                                for x in problems(j, "no-cache")), label,
                "want a no-cache warning: %s" % brief_problems(j))
        rules = {n: "default" for n in lp_map(j) if n in want_paths}
        check_rules(c, label, j, rules)
        o = c.chroot_list(A, GLIBC_LDSO, p)
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")

    # a file inside the root: $ORIGIN is the directory in the root
    app = os.path.join(A, "opt/app")
    R.copy(f["exe_origin_n2"], os.path.join(app, "bin/exe_origin_n2"))
    for n in ("libA.so", "libB.so", "libC.so"):
        R.copy(os.path.join(f["dir_lib2"], n), os.path.join(app, "lib2", n))
    inside = os.path.join(app, "bin/exe_origin_n2")
    label = "root a: file inside the root, $ORIGIN"
    j = c.one(label, inside, ["--root", A], expect_rc=0)
    if j:
        want = {n: "/opt/app/bin/../lib2/" + n for n in ("libA.so", "libB.so", "libC.so")}
        for n, p in want.items():
            t.eq(label, "%s path ($ORIGIN in the root)" % n, p, lp_map(j).get(n))
        check_elf_facts(c, label, j, A)
        o = c.chroot_list(A, GLIBC_LDSO, None, inroot="/opt/app/bin/exe_origin_n2")
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")
    # a file outside the root: as if installed at the same path in it, so its
    # $ORIGIN/../lib (T/lib on the host) is not in the root; the default dirs are
    label = "root a: file outside the root, $ORIGIN/../lib is not in the root"
    j = c.one(label, f["exe_origin_r"], ["--root", A], expect_rc=0)
    if j:
        for n in ("libA.so", "libB.so", "libC.so"):
            t.eq(label, "%s path (the host's %s must not be used)" % (n, f["dir_lib"]),
                 want_paths[n], lp_map(j).get(n, "(absent)"))
        check_rules(c, label, j, {"libA.so": "default", "libB.so": "default",
                                  "libC.so": "default"})
    # nodefaultlib in the root: libC only in a default dir
    if f.get("exe_nodeflib2"):
        R.copy(f["libN2"], os.path.join(A, "opt/n/libN.so"))
    # ld.so.cache from ldconfig -r
    if not c.need("root a with ld.so.cache", "ldconfig"):
        return A
    try:
        cache = R.ldconfig_root(A)
    except R.BuildError as e:
        c.skip("root a with ld.so.cache", "ldconfig -r failed: %s" % e)
        return A
    cm = ldconfig_p(cache)
    t.check(cm.get("libc.so.6") == want_paths["libc.so.6"], "ldconfig oracle",
            "ldconfig -C %s -p lacks libc.so.6 at %s: %r" % (cache, want_paths["libc.so.6"], cm))
    for p in files:
        label = "root a, ldconfig cache: %s" % os.path.basename(p)
        j = c.one(label, p, ["--root", A], expect_rc=0)
        if j is None:
            continue
        common(j, label)
        t.eq(label, "ld_so_cache", "/etc/ld.so.cache", j["ld_so_cache"])
        t.check(not problems(j, "no-cache"), label, "no-cache warning with a cache: %s"
                % brief_problems(j))
        for n, path in lp_map(j).items():
            if n in cm:
                o2 = obj(j, n)
                t.check(o2["rule"] == "ld.so.cache" and path == cm[n], label,
                        "%s: cache says %s, linkproof %r by %r" % (n, cm[n], path, o2["rule"]))
        o = c.chroot_list(A, GLIBC_LDSO, p)
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")
    if f.get("exe_nodeflib2"):
        label = "root a: -z nodefaultlib, libC only in a default dir and the cache"
        j = c.one(label, f["exe_nodeflib2"], ["--root", A], expect_rc=1)
        if j:
            check_rules(c, label, j, {"libN.so": "rpath", "libC.so": "not-found"})
            o = c.chroot_list(A, GLIBC_LDSO, f["exe_nodeflib2"])
            if o is not None:
                compare_oracle(c, label, j, o, "chroot ld.so --list")
    return A


def interp_section(c, f, T, cgo):
    t = c.t
    libs = [p for p in host_libs_for([cgo]) if not under(p, T)]
    W = os.path.join(T, "rootW")
    R.glibc_root(W, TRIPLET, libs)
    ld = os.path.join(W, "lib", TRIPLET, "ld-linux-x86-64.so.2")
    os.unlink(ld)
    R.patch_machine(R.host_loader()[1], ld)
    j = c.one("interpreter for another machine", cgo, ["--root", W], expect_rc=1)
    if j:
        t.check(problems(j, "interpreter-wrong"), j["_cmd"],
                "want interpreter-wrong (the loader is an AArch64 file): %s" % brief_problems(j))
    N = os.path.join(T, "rootN")
    R.glibc_root(N, TRIPLET, libs)
    os.unlink(os.path.join(N, "lib64", "ld-linux-x86-64.so.2"))
    j = c.one("interpreter missing", cgo, ["--root", N], expect_rc=1)
    if j:
        t.check(problems(j, "interpreter-missing"), j["_cmd"],
                "want interpreter-missing: %s" % brief_problems(j))
        t.eq(j["_cmd"], "interpreter.found", False, (j.get("interpreter") or {}).get("found"))


def old_glibc_section(c, f, T, cgo):
    t = c.t
    O = os.path.join(T, "rootO")
    stub = R.old_glibc_root(O, TRIPLET)
    se = c.elf(stub)
    prov = highest(se["verdef"], "GLIBC_")
    t.eq("old glibc stub", "highest version (readelf -V)", "GLIBC_2.30", prov)
    for p in (cgo, f["hello"]):
        label = "old glibc root: %s" % os.path.basename(p)
        e = c.elf(p)
        want = {v for v in e["verneed"].get("libc.so.6", []) if v not in se["verdef"]}
        t.check(want, label, "oracle: readelf -V shows no GLIBC_ version above 2.30: %r"
                % e["verneed"])
        j = c.one(label, p, ["--root", O], expect_rc=1)
        if j is None:
            continue
        vp = {x["version"]: x for x in problems(j, "version-missing")
              if x.get("library") == "libc.so.6"}
        t.eq(label, "missing GLIBC versions (readelf -V, needed > 2.30)", sorted(want), sorted(vp))
        for v, x in vp.items():
            syms = e["und"].get(v, set())
            t.eq(label, "%s provided" % v, prov, x["provided"])
            t.eq(label, "%s object" % v, j["objects"][0]["name"], x["object"])
            t.check(set(x["symbols"]) <= syms and (len(syms) > 16 or set(x["symbols"]) == syms),
                    label, "%s symbols %r, readelf --dyn-syms %r" % (v, x["symbols"], sorted(syms)))
            t.eq(label, "%s symbols_total" % v, len(syms), x["symbols_total"])
        if "GLIBC_2.34" in vp:
            t.check("__libc_start_main" in vp["GLIBC_2.34"]["symbols"], label,
                    "GLIBC_2.34 symbols should contain __libc_start_main: %r"
                    % vp["GLIBC_2.34"]["symbols"])
        else:
            t.fail(label, "no version-missing problem for GLIBC_2.34: %s" % brief_problems(j))
        o = c.chroot_list(O, GLIBC_LDSO, p)
        if o is not None:
            t.eq(label, "missing versions (chroot ld.so --list)", sorted(want),
                 sorted(v for _, v in o["verr"]))


def musl_section(c, f, mf, T, cgo, rootA):
    t = c.t
    # on the host: musl's own ldd
    if os.path.exists(MUSL_LDSO):
        for llp in (None, mf["dir_mb2"]):
            label = "musl program on the host, RUNPATH chain%s" % (" + LD_LIBRARY_PATH" if llp else "")
            o = musl_ldd(mf["exe_m_rp"], llp)
            j = c.one(label, mf["exe_m_rp"], ["--ld-library-path", llp] if llp else [])
            if j is None:
                continue
            om = dict(o["map"])
            o["map"] = collections.OrderedDict((k, v) for k, v in om.items())
            compare_oracle(c, label, j, o, "musl ldd")
            t.eq(label, "binary_libc", "musl", j["binary_libc"])
            t.eq(label, "libc.so path (musl ldd)", om.get("libc.so"), lp_map(j).get("libc.so"))
            check_rules(c, label, j, {"libc.so": "musl-libc", "libMA.so": {"runpath", "rpath"},
                                      "libMB.so": "LD_LIBRARY_PATH" if llp else {"runpath", "rpath"}})
            t.check(not problems(j, "libc-mismatch"), label,
                    "the host has the musl loader: no libc-mismatch expected: %s" % brief_problems(j))
    M = os.path.join(T, "rootM")
    R.musl_root(M, libs=[os.path.join(mf["dir_mnv"], "libM.so")])
    exe = mf["exe_m"]
    t.check("LIBM_1.0" in c.elf(exe)["verneed"].get("libM.so", []), "musl fixture",
            "oracle: exe_m should need LIBM_1.0 from libM.so: %r" % c.elf(exe)["verneed"])
    pf = os.path.join(M, "etc", "ld-musl-x86_64.path")
    for label, pfile, want_path, want_rule, rc in (
            ("musl root, no path file", None, "/usr/lib/libM.so", "default", 0),
            ("musl root, path file /opt/musl", "/opt/musl\n", "/opt/musl/libM.so", "musl-path-file", 0),
            ("musl root, path file without /usr/lib", "/nonexistent\n", None, "not-found", 1)):
        if os.path.exists(pf):
            os.unlink(pf)
        if pfile is not None:
            with open(pf, "w") as fp:
                fp.write(pfile)
            R.copy(os.path.join(mf["dir_mnv"], "libM.so"), os.path.join(M, "opt/musl/libM.so"))
        j = c.one(label, exe, ["--root", M], expect_rc=rc)
        if j is None:
            continue
        t.eq(label, "binary_libc", "musl", j["binary_libc"])
        t.eq(label, "root_libc", "musl", j["root_libc"])
        t.eq(label, "versions_checked", False, j["versions_checked"])
        t.check(problems(j, "versions-skipped"), label,
                "want a versions-skipped warning (exe_m needs LIBM_1.0, the root's libM.so defines "
                "no versions, musl does not check): %s" % brief_problems(j))
        t.check(not problems(j, "version-missing") and not problems(j, "no-verdef"), label,
                "musl does not check versions: %s" % brief_problems(j))
        t.eq(label, "interpreter", {"name": MUSL_LDSO, "path": MUSL_LDSO, "found": True},
             j.get("interpreter"))
        t.eq(label, "libM.so path", want_path, lp_map(j).get("libM.so", "(absent)"))
        check_rules(c, label, j, {"libM.so": want_rule, "libc.so": "musl-libc"})
        t.eq(label, "libc.so path (musl itself)", MUSL_LDSO, lp_map(j).get("libc.so", "(absent)"))
        if want_rule == "musl-path-file":
            d = (obj(j, "libM.so") or {}).get("rule_detail") or ""
            t.check("/opt/musl" in d, label, "rule_detail %r should name /opt/musl" % d)
        check_elf_facts(c, label, j, M)
        o = c.chroot_list(M, MUSL_LDSO, exe)
        if o is not None:
            compare_oracle(c, label, j, o, "chroot musl ldd")
    if os.path.exists(pf):
        os.unlink(pf)
    j = c.one("glibc program on a musl root", cgo, ["--root", M], expect_rc=1)
    if j:
        t.eq(j["_cmd"], "binary_libc", "glibc", j["binary_libc"])
        t.eq(j["_cmd"], "root_libc", "musl", j["root_libc"])
        t.check(problems(j, "libc-mismatch") or problems(j, "interpreter-missing"), j["_cmd"],
                "want libc-mismatch or interpreter-missing: %s" % brief_problems(j))
        t.check(problems(j, "libc-mismatch"), j["_cmd"],
                "want libc-mismatch (glibc program, musl root): %s" % brief_problems(j))
    if rootA:
        j = c.one("musl program on a glibc root", exe, ["--root", rootA], expect_rc=1)
        if j:
            t.eq(j["_cmd"], "binary_libc", "musl", j["binary_libc"])
            t.eq(j["_cmd"], "root_libc", "glibc", j["root_libc"])
            t.check(problems(j, "libc-mismatch"), j["_cmd"],
                    "want libc-mismatch: %s" % brief_problems(j))


def symlink_section(c, f, T, cgo):
    t = c.t
    libs = [p for p in host_libs_for([f["exe_ac_plain"]]) if not under(p, T)]
    S = os.path.join(T, "rootS")
    R.glibc_root(S, TRIPLET, libs)
    ml = os.path.join(S, "usr/lib", TRIPLET)
    R.copy(os.path.join(f["dir_a"], "libA.so"), os.path.join(S, "opt/libA.so"))
    R.copy(os.path.join(f["dir_b"], "libB.so"), os.path.join(S, "opt/lpsub/libB.so"))
    R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(S, "usr/lib/libC.so"))
    os.symlink("/opt/libA.so", os.path.join(ml, "libA.so"))
    os.symlink("../" * 12 + "opt/lpsub/libB.so", os.path.join(ml, "libB.so"))
    os.symlink("/etc/passwd", os.path.join(S, "lib", TRIPLET, "libC.so"))
    label = "symlink root: absolute, escaping and dangling links"
    t.check(not os.path.exists("/opt/lpsub/libB.so") and not os.path.exists("/opt/libA.so"), label,
            "test assumption: the host must not have /opt/libA.so or /opt/lpsub/libB.so")
    j = c.one(label, f["exe_ac_plain"], ["--root", S], expect_rc=0, timeout=20)
    if j:
        want = {"libA.so": ("/usr/lib/%s/libA.so" % TRIPLET, "/opt/libA.so"),
                "libB.so": ("/usr/lib/%s/libB.so" % TRIPLET, "/opt/lpsub/libB.so"),
                "libC.so": ("/usr/lib/libC.so", "/usr/lib/libC.so")}
        for n, (p, rp) in want.items():
            o2 = obj(j, n) or {}
            t.eq(label, "%s path" % n, p, o2.get("path"))
            t.eq(label, "%s realpath (resolved inside the root)" % n, rp, o2.get("realpath"))
        t.check(not problems(j, "bad-library"), label,
                "a link to /etc/passwd must be dangling inside the root, not the host's file: %s"
                % brief_problems(j))
        check_elf_facts(c, label, j, S)
        o = c.chroot_list(S, GLIBC_LDSO, f["exe_ac_plain"])
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")
    # a link to "/" and a loop, each first in the default dirs, libC.so later
    for tag, make in (("link to /", lambda p: os.symlink("/", p)),
                      ("link loop", lambda p: (os.symlink("libC2.so", p),
                                               os.symlink("libC.so", os.path.join(
                                                   os.path.dirname(p), "libC2.so"))))):
        S2 = os.path.join(T, "rootS-" + tag.replace(" ", "").replace("/", "slash"))
        R.glibc_root(S2, TRIPLET, libs)
        R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(S2, "usr/lib/libC.so"))
        make(os.path.join(S2, "lib", TRIPLET, "libC.so"))
        label = "symlink root: %s" % tag
        rc, objs, out, err = c.deps([f["exe_c_plain"]], ["--root", S2], timeout=20)
        if not t.check(rc != "timeout", label, "linkproof deps --json --root %s %s: timed out (20 s)"
                       % (S2, f["exe_c_plain"])):
            continue
        j = c.one(label, f["exe_c_plain"], ["--root", S2], timeout=20)
        if j is None:
            continue
        bad = [o2["host_path"] for o2 in j["objects"]
               if o2["found"] and o2["host_path"] and not under(o2["host_path"], S2)
               and o2["rule"] != "main"]
        t.check(not bad, label, "host paths outside the root: %r" % bad)
        o = c.chroot_list(S2, GLIBC_LDSO, f["exe_c_plain"])
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")
            if o["fatal"] or o["map"].get("libC.so", "x") is None:
                t.check(any("libC.so" in p["message"] or p["object"] == "libC.so"
                            for p in j["findings"] if p["severity"] == "error"), label,
                        "want an error naming libC.so with a clear message: %s" % brief_problems(j))
        print("note: %s: exit %s, problems %s" % (label, j["_rc"], brief_problems(j)), flush=True)


def ldconf_section(c, f, T):
    t = c.t
    libs = [p for p in host_libs_for([f["exe_a_plain"]]) if not under(p, T)]
    E = os.path.join(T, "rootE")
    R.glibc_root(E, TRIPLET, libs)
    R.copy(os.path.join(f["dir_a"], "libA.so"), os.path.join(E, "opt/confA/libA.so"))
    R.copy(os.path.join(f["dir_b"], "libB.so"), os.path.join(E, "opt/confB/libB.so"))
    os.makedirs(os.path.join(E, "etc/ld.so.conf.d"))
    os.makedirs(os.path.join(E, "etc/ld.so.more"))
    with open(os.path.join(E, "etc/ld.so.conf"), "w") as fp:
        fp.write("# nested includes\ninclude /etc/ld.so.conf.d/*.conf\n")
    with open(os.path.join(E, "etc/ld.so.conf.d/10-a.conf"), "w") as fp:
        fp.write("/opt/confA\ninclude ../ld.so.more/*.conf\n")
    with open(os.path.join(E, "etc/ld.so.more/b.conf"), "w") as fp:
        fp.write("# relative include target\n/opt/confB\n")
    label = "ld.so.conf nested includes, no cache"
    j = c.one(label, f["exe_a_plain"], ["--root", E], expect_rc=1 if STALE_CACHE_IS_ERROR else 0)
    if j:
        check_rules(c, label, j, {"libA.so": "ld.so.conf", "libB.so": "ld.so.conf"})
        for n, d in (("libA.so", "/opt/confA"), ("libB.so", "/opt/confB")):
            o2 = obj(j, n) or {}
            t.eq(label, "%s path" % n, d + "/" + n, o2.get("path"))
            t.check(d in (o2.get("rule_detail") or ""), label, "%s: rule_detail %r should name %s"
                    % (n, o2.get("rule_detail"), d))
        t.check(problems(j, "stale-cache"), label, "want a stale-cache problem: %s" % brief_problems(j))
        check_elf_facts(c, label, j, E)
        o = c.chroot_list(E, GLIBC_LDSO, f["exe_a_plain"])
        if o is not None:
            print("note: %s: the root's own loader (chroot) says libA.so => %s (%s)"
                  % (label, o["map"].get("libA.so", "-"), o["fatal"] or "no fatal error"), flush=True)
    if not c.need("ld.so.conf root with cache", "ldconfig"):
        return
    try:
        cache = R.ldconfig_root(E)
    except R.BuildError as e:
        c.skip("ld.so.conf root with cache", "ldconfig -r failed: %s" % e)
        return
    cm = ldconfig_p(cache)
    t.eq("ldconfig oracle", "ldconfig -r with nested/relative includes",
         {"libA.so": "/opt/confA/libA.so", "libB.so": "/opt/confB/libB.so"},
         {k: cm.get(k) for k in ("libA.so", "libB.so")})
    label = "ld.so.conf nested includes, after ldconfig -r"
    j = c.one(label, f["exe_a_plain"], ["--root", E], expect_rc=0)
    if j:
        for n in ("libA.so", "libB.so"):
            o2 = obj(j, n) or {}
            t.check(o2.get("rule") == "ld.so.cache" and o2.get("path") == cm.get(n), label,
                    "%s: cache says %s, linkproof %r by %r" % (n, cm.get(n), o2.get("path"),
                                                            o2.get("rule")))
        t.check(not problems(j, "stale-cache"), label, "stale-cache after ldconfig: %s"
                % brief_problems(j))
        o = c.chroot_list(E, GLIBC_LDSO, f["exe_a_plain"])
        if o is not None:
            compare_oracle(c, label, j, o, "chroot ld.so --list")
    return cache


# ---------------------------------------------------------------- glibc version and CPU

# The x86 CPUs of `deps --cpu` as docs/deps.md describes them: (glibc calls it Intel, has
# AVX-512 BW/DQ/VL, has AVX-512 ER/PF (Xeon Phi), x86-64 level); every Intel one has the
# AVX2/FMA/BMI/LZCNT/MOVBE/POPCNT set glibc's "haswell" needs.
CPUS = {"x86-64": (False, False, False, 1), "x86-64-v2": (False, False, False, 2),
        "x86-64-v3": (False, False, False, 3), "x86-64-v4": (False, False, False, 4),
        "haswell": (True, False, False, 3), "skylake-avx512": (True, True, False, 4),
        "xeon_phi": (True, False, True, 3)}


def glibc_model(ver, cpu):
    """What glibc VER (a tuple; None: unknown, the newest rules) derives from CPU for an
    x86-64 program, modelled here from glibc's sources (elf/dl-hwcaps.c, sysdeps/x86/
    cpu-features.c, get-isa-level.h): (platform, glibc-hwcaps subdirectories, legacy
    subdirectory prefixes ending in "/" with "" last)."""
    intel, avx512, phi, level = CPUS[cpu]
    newest = ver is None
    plat, names = "x86_64", []
    if newest or ver >= (2, 26):
        names.append("x86_64")
        if intel:
            plat = "xeon_phi" if phi else "haswell"
            if avx512 and not phi:
                names.append("avx512_1")
    hw = ["x86-64-v%d" % l for l in (4, 3, 2) if level >= l] if newest or ver >= (2, 33) else []
    if newest or ver >= (2, 37):
        return plat, hw, [""]
    names += [plat, "tls"]
    legacy = []
    for m in range((1 << len(names)) - 1, -1, -1):
        legacy.append("".join(names[k] + "/" for k in reversed(range(len(names))) if m >> k & 1))
    return plat, hw, legacy


def model_path(root, rpath, ver, cpu, lib="libC.so"):
    """The file the model's loader maps for LIB from the directory RPATH ($PLATFORM expanded),
    or None: the first candidate that exists in ROOT."""
    plat, hw, legacy = glibc_model(ver, cpu)
    d = rpath.replace("$PLATFORM", plat)
    for cand in ["%s/glibc-hwcaps/%s/%s" % (d, h, lib) for h in hw] + ["%s/%s%s" % (d, p, lib) for p in legacy]:
        if os.path.isfile(os.path.join(root, cand.lstrip("/"))):
            return cand
    return None


# the libraries of a branch root, each only in one subdirectory, and the program's RPATH
BRANCH_LIBS = {"leg": ("/opt/leg", ["tls"]), "x64": ("/opt/x64", ["x86_64"]),
               "hsw": ("/opt/hsw", ["haswell"]), "avx": ("/opt/avx", ["avx512_1"]),
               "xp": ("/opt/xp", ["xeon_phi"]), "plat": ("/opt/plat/$PLATFORM", None),
               "hw": ("/opt/hw", ["", "glibc-hwcaps/x86-64-v3"])}


def branch_fixtures(f, T):
    """One program per BRANCH_LIBS entry (built once): RPATH the in-root directory."""
    out = {}
    for key, (rp, _) in BRANCH_LIBS.items():
        out[key] = R.cc(os.path.join(T, "branch", "exe_" + key), ["main_c.c"],
                        ["-L" + f["dir_c"], "-lC", "-Wl,--disable-new-dtags,-rpath," + rp])
    return out


def fill_branch_root(root, f):
    lib = os.path.join(f["dir_c"], "libC.so")
    for key, (rp, subs) in BRANCH_LIBS.items():
        if subs is None:
            for p in ("x86_64", "haswell"):
                R.copy(lib, os.path.join(root, "opt/plat", p, "libC.so"))
            continue
        for sub in subs:
            R.copy(lib, os.path.join(root, rp.lstrip("/"), sub, "libC.so"))


def loader_branch_section(c, f, T):
    """Roots of each glibc branch (stand-in loader and libc.so.6 built here) and each CPU of
    --cpu: the version read (a banner, or libc.so.6's version definitions), $PLATFORM, the
    glibc-hwcaps and legacy subdirectories, which file each program gets; without --cpu, the
    cpu-dependent problems where the CPUs' answers differ."""
    t = c.t
    exes = branch_fixtures(f, T)
    # (label, stub_glibc_root kwargs, the version the rules are of (None: newest), exact)
    branches = [("2.25 (ld.so banner)", dict(ldso_release="2.25"), (2, 25), True),
                ("2.32 (ld.so banner)", dict(ldso_release="2.32"), (2, 32), True),
                ("2.36 (ld.so banner)", dict(ldso_release="2.36"), (2, 36), True),
                ("2.37 (ld.so banner)", dict(ldso_release="2.37"), (2, 37), True),
                ("2.36 (libc.so.6 banner)", dict(libc_release="2.36", libc_upto="2.36"), (2, 36), True),
                ("2.35 (libc.so.6 versions)", dict(libc_upto="2.35"), (2, 35), False),
                ("2.37 (libc.so.6 versions)", dict(libc_upto="2.37"), (2, 37), False),
                ("2.38 (ld.so banner, libc 2.36)", dict(ldso_release="2.38", libc_upto="2.36"), (2, 38), True)]
    for i, (label, kw, ver, exact) in enumerate(branches):
        root = os.path.join(T, "branch-root-%d" % i)
        try:
            R.stub_glibc_root(root, T, **kw)
        except R.BuildError as e:
            t.fail("glibc %s root" % label, "build failed: %s" % e)
            continue
        fill_branch_root(root, f)
        for cpu in CPUS:
            plat, hw, legacy = glibc_model(ver, cpu)
            for key, exe in exes.items():
                rp = BRANCH_LIBS[key][0]
                want = model_path(root, rp, ver, cpu)
                what = "glibc %s, --cpu %s, %s" % (label, cpu, key)
                j = c.one(what, exe, ["--root", root, "--cpu", cpu])
                if not j:
                    continue
                t.eq(what, "libC.so path", want, (obj(j, "libC.so") or {}).get("path"))
                if key != "leg":
                    continue
                g, cj = j.get("glibc") or {}, j.get("cpu") or {}
                t.eq(what, "glibc", {"version": "%d.%d" % ver, "exact": exact}, {k: g.get(k) for k in ("version", "exact")})
                t.eq(what, "cpu (name, platform, hwcaps, legacy_hwcaps)",
                     (cpu, plat, hw, [p.rstrip("/") for p in legacy if p]),
                     (cj.get("name"), cj.get("platform"), j.get("hwcaps"), cj.get("legacy_hwcaps")))
                t.check(not problems(j, "cpu-dependent") and not problems(j, "cpu-dependent-path"), what,
                        "the CPU is given: no cpu-dependent problem, got %s" % brief_problems(j))
        # the CPU not known: the lowest assumed, and a problem where the CPUs differ
        for key, exe in exes.items():
            rp = BRANCH_LIBS[key][0]
            outs = {cpu: model_path(root, rp, ver, cpu) for cpu in CPUS}
            what = "glibc %s, CPU not known, %s" % (label, key)
            j = c.one(what, exe, ["--root", root])
            if not j:
                continue
            t.eq(what, "libC.so path (the lowest CPU's)", outs["x86-64"], (obj(j, "libC.so") or {}).get("path"))
            t.eq(what, "cpu name, assumed", (None, "x86-64"), ((j.get("cpu") or {}).get("name"),
                                                                (j.get("cpu") or {}).get("assumed")))
            found = {o is not None for o in outs.values()}
            kind = None if len(set(outs.values())) == 1 else "cpu-dependent" if len(found) == 2 else "cpu-dependent-path"
            got = [p for p in j["findings"] if p["id"] in ("cpu-dependent", "cpu-dependent-path")]
            if kind is None:
                t.check(not got, what, "every CPU gets %r: want no cpu-dependent problem, got %s"
                        % (outs["x86-64"], brief_problems(j)))
                continue
            if t.check(len(got) == 1 and got[0]["id"] == kind, what,
                       "the CPUs get %r: want one %s problem, got %s" % (outs, kind, brief_problems(j))):
                others = {cpu for cpu, o in outs.items() if o != outs["x86-64"]}
                t.check(all(x in got[0]["message"] for x in others) and "libC.so" in got[0]["message"], what,
                        "the problem should name libC.so and the CPUs %s: %r" % (sorted(others), got[0]["message"]))
                t.eq(what, "exit status", 1 if kind == "cpu-dependent" else 0, j["_rc"])
    # --dst-platform wins over the CPU's platform, for $PLATFORM and the platform subdirectory
    root = os.path.join(T, "branch-root-2")
    if os.path.isdir(root):
        j = c.one("glibc 2.36, --cpu haswell --dst-platform x86_64", exes["plat"],
                  ["--root", root, "--cpu", "haswell", "--dst-platform", "x86_64"], expect_rc=0)
        if j:
            t.eq(j["_cmd"], "libC.so path", "/opt/plat/x86_64/libC.so", (obj(j, "libC.so") or {}).get("path"))
            t.check("x86_64" in (j.get("cpu") or {}).get("legacy_hwcaps", []) and
                    "haswell" not in " ".join((j.get("cpu") or {}).get("legacy_hwcaps", [])), j["_cmd"],
                    "legacy_hwcaps should use the given platform: %r" % (j.get("cpu") or {}).get("legacy_hwcaps"))
    # ld.so.cache entries ldconfig made for legacy subdirectories (the haswell platform bit)
    if not c.need("ld.so.cache with legacy hwcap entries", "ldconfig"):
        return
    root = os.path.join(T, "branch-root-cache")
    try:
        R.stub_glibc_root(root, T, ldso_release="2.36")
        R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(root, "opt/hc/haswell/libC.so"))
        with open(os.path.join(root, "etc/ld.so.conf"), "w") as fp:
            fp.write("/opt/hc\n")
        cache = R.ldconfig_root(root)
    except R.BuildError as e:
        c.skip("ld.so.cache with legacy hwcap entries", str(e))
        return
    rc, out, _ = run(["ldconfig", "-C", cache, "-p"])
    t.check("hwcap: 0x0004000000000000" in dec(out), "ldconfig oracle",
            "ldconfig should index /opt/hc/haswell/libC.so with the haswell platform bit: %r" % dec(out))
    for cpu, want, rule in (("haswell", "/opt/hc/haswell/libC.so", "ld.so.cache"),
                            ("skylake-avx512", "/opt/hc/haswell/libC.so", "ld.so.cache"),
                            ("x86-64", None, None), ("xeon_phi", None, None)):
        j = c.one("ld.so.cache legacy entry, --cpu %s" % cpu, f["exe_c_plain"], ["--root", root, "--cpu", cpu])
        if j:
            o = obj(j, "libC.so") or {}
            t.eq(j["_cmd"], "libC.so (path, rule)", (want, rule), (o.get("path"), o.get("rule") if want else None))


def ldd_search_path(exe, rpdir):
    """The subdirectories of RPDIR the host's loader searches, in order, as LD_DEBUG=libs says
    ("search path=D/...:D (RPATH from file ...)"): [subdirectory, ..., ""], or None."""
    env = base_env(LD_DEBUG="libs")
    rc, out, err = run([exe], env=env)
    for line in dec(err).split("\n"):
        m = re.search(r"search path=(\S+)\s+\(RPATH from file", line)
        if m:
            dirs = [d for d in m.group(1).split(":") if d == rpdir or d.startswith(rpdir + "/")]
            if dirs:
                return [d[len(rpdir) + 1:] for d in dirs]
    return None


def list_diagnostics():
    """{key: value} of the host loader's --list-diagnostics (glibc 2.33 and later), or None."""
    rc, out, _ = run([GLIBC_LDSO, "--list-diagnostics"])
    if rc != 0:
        return None
    d = {}
    for line in dec(out).split("\n"):
        k, eq, v = line.partition("=")
        if eq:
            d[k] = v.strip('"')
    return d


def loader_host_section(c, f, T):
    """The root / and this machine's CPU against the host's own loader: --list-diagnostics
    (dl_platform, the version), LD_DEBUG=libs (the subdirectories searched, in order), and ldd
    for programs whose library is only in one legacy subdirectory (tls/, x86_64/, haswell/,
    avx512_1/, xeon_phi/, the platform's): which of them the loader takes depends on this CPU
    and glibc, and ldd says it."""
    t = c.t
    diag = list_diagnostics()
    j = c.one("host: glibc and CPU", f["exe_c_plain"])
    if j and diag:
        t.eq("host: glibc and CPU", "glibc.version (ld.so --list-diagnostics version.version)",
             ".".join(diag.get("version.version", "?").split(".")[:2]), (j.get("glibc") or {}).get("version"))
        t.eq("host: glibc and CPU", "cpu.platform (ld.so --list-diagnostics dl_platform)",
             diag.get("dl_platform"), (j.get("cpu") or {}).get("platform"))
        t.eq("host: glibc and CPU", "cpu.name", "host", (j.get("cpu") or {}).get("name"))
    elif j:
        c.skip("host: ld.so --list-diagnostics", "the host loader has no --list-diagnostics (glibc < 2.33)",
               required=False)
    # LD_DEBUG: the search path of an RPATH directory that holds nothing
    rpdir = os.path.join(T, "emptyrp")
    os.makedirs(rpdir, exist_ok=True)
    exe = R.cc(os.path.join(T, "exe_emptyrp"), ["main_c.c"],
               ["-L" + f["dir_c"], "-lC", "-Wl,--disable-new-dtags,-rpath," + rpdir + ":" + f["dir_c"]])
    got = ldd_search_path(exe, rpdir)
    j = c.one("host: LD_DEBUG search path", exe)
    if j and t.check(got is not None, "host: LD_DEBUG search path", "LD_DEBUG=libs printed no search path for %s" % rpdir):
        mine = ["glibc-hwcaps/" + h for h in j.get("hwcaps", [])] + (j.get("cpu") or {}).get("legacy_hwcaps", []) + [""]
        t.eq("host: LD_DEBUG search path", "subdirectories searched in %s, in order" % rpdir, got, mine)
    # one library in one legacy subdirectory each: linkproof and ldd agree on this CPU
    plat = (diag or {}).get("dl_platform", "x86_64")
    subs = ["tls", "x86_64", "haswell", "avx512_1", "xeon_phi", plat, "tls/" + plat, "i686"]
    for i, sub in enumerate(dict.fromkeys(subs)):
        d = os.path.join(T, "legacy-%d" % i)
        R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(d, sub, "libC.so"))
        exe = R.cc(os.path.join(T, "exe_legacy_%d" % i), ["main_c.c"],
                   ["-L" + f["dir_c"], "-lC", "-Wl,--disable-new-dtags,-rpath," + d])
        label = "host: libC.so only in %s/ of the RPATH directory" % sub
        o = ldd(exe)
        j = c.one(label, exe)
        if j:
            t.eq(label, "libC.so path (ldd)", o["map"].get("libC.so"), lp_map(j).get("libC.so", "(absent)"))
            t.eq(label, "exit status (ldd)", oracle_rc(o), j["_rc"])


def ldconf_many_section(c, f, T):
    """1,100 files in ld.so.conf.d (ldconfig reads them all; linkproof reads 1,024 files): what
    the first ones list is used (stale-cache), and a problem line says what was skipped, for the
    library that is only in a directory of a skipped file (ldconfig's cache is the oracle that it
    belongs to the configuration)."""
    t = c.t
    libs = [p for p in host_libs_for([f["exe_a_plain"]]) if not under(p, T)]
    E = os.path.join(T, "rootE2")
    R.glibc_root(E, TRIPLET, libs)
    os.makedirs(os.path.join(E, "etc/ld.so.conf.d"))
    with open(os.path.join(E, "etc/ld.so.conf"), "w") as fp:
        fp.write("include /etc/ld.so.conf.d/*.conf\n")
    for i in range(1100):
        os.makedirs(os.path.join(E, "opt/many/d%04d" % i))
        with open(os.path.join(E, "etc/ld.so.conf.d/f%04d.conf" % i), "w") as fp:
            fp.write("/opt/many/d%04d\n" % i)
    R.copy(os.path.join(f["dir_a"], "libA.so"), os.path.join(E, "opt/many/d0050/libA.so"))
    R.copy(os.path.join(f["dir_b"], "libB.so"), os.path.join(E, "opt/many/d1090/libB.so"))
    label = "ld.so.conf with 1,100 included files, no cache"
    j = c.one(label, f["exe_a_plain"], ["--root", E], expect_rc=1)
    if j:
        t.eq(label, "libA.so path (a directory of the 51st file)", "/opt/many/d0050/libA.so",
             (obj(j, "libA.so") or {}).get("path"))
        t.check(any("libA.so" in p["message"] for p in problems(j, "stale-cache")), label,
                "want a stale-cache problem for libA.so: %s" % brief_problems(j))
        t.check((obj(j, "libB.so") or {}).get("found") is False, label,
                "libB.so is only in a directory of the 1,091st file: want not found, got %r" % obj(j, "libB.so"))
        lim = problems(j, "ldconf-limit")
        t.check(len(lim) == 1 and "77 configuration files not read" in lim[0]["message"]
                and "/etc/ld.so.conf.d/f1023.conf" in lim[0]["message"] and lim[0]["severity"] == "warning",
                label, "want one ldconf-limit warning saying 77 files from f1023.conf on were not read: %s"
                % brief_problems(j))
        rc, _, txt, _ = c.deps([f["exe_a_plain"]], mode=None, args=["--root", E, "--color=never"])
        t.check("ldconf-limit" in txt and "f1023.conf" in txt, label + " (text)",
                "the text output should carry the ldconf-limit line: %r" % txt[-600:])
    if not c.need("ld.so.conf with 1,100 files (ldconfig oracle)", "ldconfig"):
        return
    try:
        cache = R.ldconfig_root(E)
    except R.BuildError as e:
        c.skip("ld.so.conf with 1,100 files (ldconfig oracle)", "ldconfig -r failed: %s" % e)
        return
    cm = ldconfig_p(cache)
    t.eq("ldconfig oracle", "ldconfig -r with 1,100 ld.so.conf.d files",
         {"libA.so": "/opt/many/d0050/libA.so", "libB.so": "/opt/many/d1090/libB.so"},
         {k: cm.get(k) for k in ("libA.so", "libB.so")})
    label = "ld.so.conf with 1,100 included files, after ldconfig -r"
    j = c.one(label, f["exe_a_plain"], ["--root", E], expect_rc=0)
    if j:
        t.check(not problems(j, "ldconf-limit"), label,
                "ld.so.conf is not consulted when the cache has everything: %s" % brief_problems(j))


def broken_cache_section(c, f, T, cgo, good_cache):
    t = c.t
    libs = [p for p in host_libs_for([cgo, f["exe_c_plain"]]) if not under(p, T)]
    F = os.path.join(T, "rootF")
    R.glibc_root(F, TRIPLET, libs)
    R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(F, "usr/lib", TRIPLET, "libC.so"))
    rnd = random.Random(20240601)
    variants = [("empty", b""), ("random bytes", bytes(rnd.getrandbits(8) for _ in range(4096))),
                ("new magic, 2^31 entries",
                 b"glibc-ld.so.cache1.1" + struct.pack("<III", 0x7fffffff, 0x7fffffff, 0) + b"\0" * 64),
                ("old magic, 2^31 entries", b"ld.so-1.7.0\0" + struct.pack("<I", 0x7fffffff) + b"\0" * 64)]
    if good_cache and os.path.isfile(good_cache):
        with open(good_cache, "rb") as fp:
            data = fp.read()
        variants.append(("truncated to 50 bytes", data[:50]))
        variants.append(("truncated to half", data[:len(data) // 2]))
    for tag, data in variants:
        with open(os.path.join(F, "etc/ld.so.cache"), "wb") as fp:
            fp.write(data)
        for p in (cgo, f["exe_c_plain"]):
            label = "broken ld.so.cache (%s): %s" % (tag, os.path.basename(p))
            rc, objs, out, err = c.deps([p], ["--root", F], timeout=20)
            if not t.check(isinstance(rc, int) and rc in (0, 1), label,
                           "linkproof deps --json --root %s %s: exit %r (crash/timeout?) stderr %r"
                           % (F, p, rc, err[:300])):
                continue
            j = c.one(label, p, ["--root", F])
            if j is None:
                continue
            o = c.chroot_list(F, GLIBC_LDSO, p)
            if o is not None:
                compare_oracle(c, label, j, o, "chroot ld.so --list")
            else:
                t.eq(label, "exit status (the loader ignores a bad cache)", 0, j["_rc"])
            t.eq(label, "ld_so_cache (unusable)", None, j["ld_so_cache"])
            warn = [x for x in j["findings"] if x["severity"] == "warning" and "cache" in x["message"]]
            t.check(len(warn) >= 1, label, "want a warning mentioning the cache: %s"
                    % brief_problems(j))
            t.check(len([x for x in j["findings"] if "cache" in x["message"]]) <= 2, label,
                    "more than two problems about the cache: %s" % brief_problems(j))
            check_rules(c, label, j, {n: "default" for n in lp_map(j)
                                      if n in ("libc.so.6", "libC.so")})
            if p == cgo:
                print("note: %s: exit %s, problems %s" % (label, j["_rc"],
                                                          [(x["id"], x["message"]) for x in j["findings"]]),
                      flush=True)


def cache_extension_section(c, f, T):
    """An ld.so.cache whose extension section (glibc-hwcaps, generator) is cut off but
    whose header, entries and strings are intact: glibc's loader still uses it."""
    t = c.t
    if not c.need("cache with a cut extension", "ldconfig"):
        return
    libs = [p for p in host_libs_for([f["exe_c_plain"]]) if not under(p, T)]
    X = os.path.join(T, "rootX")
    R.glibc_root(X, TRIPLET, libs)
    R.copy(os.path.join(f["dir_c"], "libC.so"), os.path.join(X, "opt/confA/libC.so"))
    with open(os.path.join(X, "etc/ld.so.conf"), "w") as fp:
        fp.write("/opt/confA\n")
    try:
        cache = R.ldconfig_root(X)
    except R.BuildError as e:
        c.skip("cache with a cut extension", "ldconfig -r failed: %s" % e)
        return
    with open(cache, "rb") as fp:
        data = fp.read()
    magic = b"glibc-ld.so.cache1.1"
    i = data.find(magic)
    if not t.check(i >= 0 and len(data) >= i + 48, "cache with a cut extension",
                   "oracle: ldconfig wrote no new-format cache"):
        return
    ext = struct.unpack_from("<I", data, i + 32)[0]
    if not t.check(0 < ext < len(data), "cache with a cut extension",
                   "oracle: the cache has no extension section (offset %d)" % ext):
        return
    with open(cache, "wb") as fp:
        fp.write(data[:ext + 4])
    label = "ld.so.cache with its extension section cut (entries intact)"
    j = c.one(label, f["exe_c_plain"], ["--root", X], expect_rc=0)
    if j is None:
        return
    o2 = obj(j, "libC.so") or {}
    t.check(o2.get("rule") == "ld.so.cache" and o2.get("path") == "/opt/confA/libC.so", label,
            "%s: libC.so is in the cache's entries; linkproof %r by %r (problems %s)"
            % (j["_cmd"], o2.get("path"), o2.get("rule"), brief_problems(j)))
    t.eq(label, "ld_so_cache", "/etc/ld.so.cache", j["ld_so_cache"])
    o = c.chroot_list(X, GLIBC_LDSO, f["exe_c_plain"])
    if o is not None:
        t.eq(label, "oracle: chroot ld.so --list finds libC.so through the cut cache",
             "/opt/confA/libC.so", o["map"].get("libC.so"))
        compare_oracle(c, label, j, o, "chroot ld.so --list")


def static_section(c, fxdir, st, mf, rootA):
    t = c.t
    files = []
    try:
        files += [r["path"] for r in lptest.fixture_rows(fxdir) if r["program"] == "static1"
                  and r["goarch"] == "amd64" and os.path.isfile(r["path"])]
    except OSError:
        pass
    t.check(files, "static", "no static1 fixture in fixtures.tsv")
    files += list(st.values())
    if mf.get("hello_musl_static"):
        files.append(mf["hello_musl_static"])
    for p in files:
        o = ldd(p) if c.tools.get("ldd") else None
        if o is not None:
            t.check(o["static"], p, "oracle: ldd does not say static: %r" % o)
        for args in ([], ["--root", rootA] if rootA else None):
            if args is None:
                continue
            j = c.one("static %s %s" % (p, args), p, args, expect_rc=0)
            if j:
                t.eq(j["_cmd"], "static", True, j["static"])
                t.eq(j["_cmd"], "objects", 1, len(j["objects"]))
        rc, _, txt, _ = c.deps([p], mode=None)
        t.check(rc == 0 and "static" in txt, p, "text output: exit %r, want 0 and the word static: %r"
                % (rc, txt[:200]))


def usage_section(c, f, T, cgo):
    t = c.t
    lp = c.lp
    missing = os.path.join(T, "no-such-file")
    notelf = os.path.join(T, "notelf.txt")
    with open(notelf, "w") as fp:
        fp.write("just text\n" * 10)
    afile = os.path.join(T, "afile")
    with open(afile, "w") as fp:
        fp.write("x")
    good = cgo or f.get("hello") or "/bin/ls"
    cases = [
        ("no FILE", [], None),
        ("missing FILE", [missing], missing),
        ("not ELF", [notelf], notelf),
        ("a directory", [T], T),
        ("--root nonexistent", ["--root", os.path.join(T, "no-such-root"), good], "no-such-root"),
        ("--root is a file", ["--root", afile, good], afile),
        ("unknown option", ["--no-such-option", good], "--no-such-option"),
        ("--color=bogus", ["--color=bogus", good], "bogus"),
        ("--list and --json", ["--list", "--json", good], None),
        ("--hwcaps without a value", ["--hwcaps"], None),
    ]
    for label, args, name in cases:
        rc, out, err = run([lp, "deps"] + args)
        el = lptest.stderr_lines(err)
        t.check(rc == 2, "usage: " + label, "linkproof deps %s: exit %r, want 2 (stderr %r)"
                % (" ".join(args), rc, dec(err)[:200]))
        if name and label in ("missing FILE", "not ELF", "a directory"):
            t.check(len(el) == 1 and name in el[0], "usage: " + label,
                    "want one stderr line naming %s, got %r" % (name, el))
        elif name:
            t.check(any(name in l for l in el), "usage: " + label,
                    "stderr should name %s: %r" % (name, el))
        for mode in ("--json", "--list"):
            if label in ("missing FILE", "not ELF"):
                rc2, out2, err2 = run([lp, "deps", mode] + args)
                t.check(rc2 == 2, "usage: %s %s" % (label, mode), "exit %r, want 2" % rc2)
    # several files: one line each, in order; one missing -> exit 2, the others reported
    if f.get("hello"):
        rc, objs, out, err = c.deps([good, f["hello"]])
        t.check(rc == 0 and objs and [o.get("path") for o in objs] == [good, f["hello"]],
                "several files", "exit %r, files %r; want 0 and one object per file in order"
                % (rc, [o.get("path") for o in objs or []]))
        rc, objs, out, err = c.deps([good, missing, f["hello"]])
        t.check(rc == 2, "several files, one missing", "exit %r, want 2" % rc)
        # one document per FILE, in order: the missing one with its error object
        t.check(objs is not None and [o.get("path") for o in objs] == [good, missing, f["hello"]]
                and [o.get("error") is None for o in objs] == [True, False, True]
                and isinstance(objs[1].get("error"), dict) and missing in objs[1]["error"].get("message", ""),
                "several files, one missing",
                "want the two readable files still reported and the missing one with its error: %r"
                % (out[:300],))
        rc, objs, out, err = c.deps([f["exe_runpath"], f["hello"]])
        t.check(rc == 1 and objs and len(objs) == 2, "several files, one with a missing library",
                "exit %r (want 1), %d objects" % (rc, len(objs or [])))


# ---------------------------------------------------------------- main


def main(fxdir, tally):
    if os.uname().machine != "x86_64":
        print("deps_cli: written for x86-64 hosts (Debian layout), this is %s: skipped"
              % os.uname().machine)
        return lptest.SKIP
    lp = lptest.lp_bin()
    c = Ctx(tally, lp)
    t = tally
    if not t.check(os.access(lp, os.X_OK), lp, "LP_BIN is not executable"):
        return tally.abort()
    rows = []
    try:
        rows = lptest.fixture_rows(fxdir)
    except OSError:
        pass
    cgo = next((r["path"] for r in rows if r["program"] == "cgolibc" and r["buildmode"] == "exe"
                and r["goarch"] == "amd64" and os.path.isfile(r["path"])), None)
    t.check(cgo is not None, fxdir, "no cgolibc exe fixture (fixtures.tsv)")
    progs = host_section(c, fxdir) or []
    with tempfile.TemporaryDirectory(prefix="lp-deps-") as T:
        T = os.path.realpath(T)
        f, mf, st = {}, {}, {}
        if c.need("C fixtures", "gcc", "ld", "readelf", "ldd"):
            try:
                f = R.build_glibc_fixtures(T)
                st = R.build_static(T)
                # nodefaultlib library for the root: needs libC.so, RPATH /opt/n
                R.shlib(os.path.join(T, "n2", "libN.so"), ["libn.c"], "libN.so",
                        ["-Wl,-z,nodefaultlib", "-Wl,--no-as-needed", "-L" + f["dir_c"], "-lC"])
                f["libN2"] = os.path.join(T, "n2", "libN.so")
                f["exe_nodeflib2"] = R.cc(os.path.join(T, "exe_nodeflib2"), ["main_n.c"],
                                          ["-L" + os.path.join(T, "n2"), "-lN",
                                           "-Wl,-rpath-link," + f["dir_c"],
                                           "-Wl,--disable-new-dtags,-rpath,/opt/n"])
            except R.BuildError as e:
                t.fail("C fixtures", "build failed: %s" % e)
                f = {}
        if c.need("musl fixtures", "musl-gcc"):
            try:
                mf = R.build_musl_fixtures(T)
            except R.BuildError as e:
                t.fail("musl fixtures", "build failed: %s" % e)
        print("note: fixtures built (%.1fs)" % (__import__("time").time() - t.t0), flush=True)
        if f:
            c_section(c, f, T)
            output_section(c, progs, f, mf)
        else:
            output_section(c, progs, None, mf)
        rootA = None
        if f and cgo and R.host_loader():
            rootA = root_a_section(c, f, T, cgo)
            interp_section(c, f, T, cgo)
            old_glibc_section(c, f, T, cgo)
            symlink_section(c, f, T, cgo)
            good_cache = ldconf_section(c, f, T)
            ldconf_many_section(c, f, T)
            loader_host_section(c, f, T)
            loader_branch_section(c, f, T)
            broken_cache_section(c, f, T, cgo, good_cache)
            cache_extension_section(c, f, T)
        elif f:
            c.skip("roots", "no cgolibc fixture or no host loader %s" % GLIBC_LDSO)
        if mf and cgo:
            if R.musl_loader():
                musl_section(c, f, mf, T, cgo, rootA)
            else:
                c.skip("musl root", "no musl loader %s" % MUSL_LDSO)
        static_section(c, fxdir, st, mf, rootA)
        usage_section(c, f, T, cgo)
    extra = {k: sorted(v - EXTRA_KEYS.get(k, set())) for k, v in c.extra_keys.items()
             if v - EXTRA_KEYS.get(k, set())}
    t.check(not extra, "JSON keys", "keys the spec does not list: %s" % extra)
    if c.skipped:
        print("note: %d case(s) skipped (not counted as passed)" % c.skipped)
    return tally.finish("deps_cli")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
