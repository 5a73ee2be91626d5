"""Shared by tests/static_build.py and tests/static_image.py: the static executable
under test, OCI layouts of test roots, strace's list of opened files, chroot runs.

Nothing here is checked; the scripts decide what is expected.

static_bin(): $LP_STATIC_BIN when set (the Makefile sets it to build-static/linkproof,
built by `make static`); otherwise the static build is set up and built here, once, in
DIR/static under the build tree (DIR = the directory of $LP_BIN), under a lock so that
the two scripts running at once build it once. Raises BuildError with meson's or
ninja's message.
"""

import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildError(Exception):
    pass


def source_root():
    return os.environ.get("LP_SOURCE_ROOT") or os.path.dirname(HERE)


def static_bin(lp_bin):
    env_bin = os.environ.get("LP_STATIC_BIN")
    if env_bin:
        if not os.access(env_bin, os.X_OK):
            raise BuildError("LP_STATIC_BIN=%s is not an executable (make static builds it)" % env_bin)
        return env_bin
    bdir = os.path.join(os.path.dirname(os.path.abspath(lp_bin)), "static")
    os.makedirs(os.path.dirname(bdir), exist_ok=True)
    with open(bdir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        steps = []
        if not os.path.isfile(os.path.join(bdir, "build.ninja")):
            steps.append(["meson", "setup", bdir, source_root(), "-Dstatic=true", "-Dtests=false",
                          "-Dbuildtype=release"])
        steps.append(["ninja", "-C", bdir, "linkproof"])
        for argv in steps:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
            if p.returncode != 0:
                raise BuildError("%s: exit %d: %s" % (" ".join(argv[:2]), p.returncode,
                                                     p.stdout.decode("utf-8", "replace")[-1500:]))
    return os.path.join(bdir, "linkproof")


def run(argv, timeout=120, env=None, cwd=None):
    """(status, stdout text, stderr text); status is "timeout"/"oserror" instead of raising,
    and -N for a signal."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=dict(env if env is not None else os.environ, LC_ALL="C"), cwd=cwd)
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    except OSError as e:
        return "oserror", "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# "PID call(...)" lines of strace -f -o: openat relative to AT_FDCWD (how the loader, dlopen,
# NSS and gconv open their files), open, execve, uselib. linkproof's own reads of a root
# (deps, compat) go through openat(ROOTFD, "relative/path") and are not loads: left out.
OPEN_RE = re.compile(r'^(?:\d+\s+)?(?:openat\(AT_FDCWD, |open\(|execve\(|uselib\()"([^"]*)"')


def traced_opens(argv, env=None, timeout=120, prefix=()):
    """Runs PREFIX strace -f -e trace=open,openat,execve,uselib ARGV; returns (status,
    stdout + stderr, every path the program and its children opened or executed, the raw
    trace)."""
    trace = "/tmp/lp-static-strace.%d" % os.getpid()
    # PREFIX (setpriv ...) runs strace, so that only argv is traced, not the wrapper
    st, out, err = run(list(prefix) + ["strace", "-f", "-qq", "-o", trace, "-e", "trace=open,openat,execve,uselib"]
                       + argv, env=env, timeout=timeout)
    paths = []
    raw = ""
    try:
        with open(trace, errors="replace") as f:
            raw = f.read()
    except OSError:
        pass
    finally:
        try:
            os.unlink(trace)
        except OSError:
            pass
    for line in raw.splitlines():
        m = OPEN_RE.match(line)
        if m:
            paths.append(m.group(1))
    return st, out + err, paths, raw


# what a run of a static linkproof must never open: a shared object, a loader's file,
# NSS's configuration or modules, iconv's (gconv) modules, locale archives
FORBIDDEN = [
    (re.compile(r"\.so(\.[0-9]+)*$"), "a shared object"),
    (re.compile(r"/ld\.so\.(cache|preload|conf)$"), "the loader's files"),
    (re.compile(r"nsswitch\.conf$"), "NSS's configuration"),
    (re.compile(r"libnss_"), "an NSS module"),
    (re.compile(r"gconv"), "iconv's modules"),
    (re.compile(r"/usr/lib/locale/"), "locale data"),
]


def forbidden(paths, allow=()):
    """[(path, why)] of the paths a static run must not open (argv[0] of the first execve
    and the paths in ALLOW excepted)."""
    bad = []
    for p in paths:
        if p in allow:
            continue
        for rx, why in FORBIDDEN:
            if rx.search(p):
                bad.append((p, why))
                break
    return bad


# ---------------------------------------------------------------- OCI layouts of test roots


def _canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def oci_from_root(root, out, tag="latest", arch="amd64"):
    """Writes an OCI layout in OUT with one image TAG whose one gzip layer holds the
    tree ROOT (files, directories, symlinks as they are; owners 0:0)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                full = os.path.join(dirpath, name)
                arc = os.path.relpath(full, root)
                ti = tar.gettarinfo(full, arc)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                if ti.isreg():
                    with open(full, "rb") as f:
                        tar.addfile(ti, f)
                else:
                    tar.addfile(ti)
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0) as g:
        g.write(tar_bytes)
    gz_bytes = gz.getvalue()

    def dg(b):
        return "sha256:" + hashlib.sha256(b).hexdigest()
    config = _canon({"architecture": arch, "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [dg(tar_bytes)]}})
    manifest = _canon({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": dg(config), "size": len(config)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                   "digest": dg(gz_bytes), "size": len(gz_bytes)}]})
    index = _canon({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dg(manifest),
        "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": tag}}]})
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    for b in (config, manifest, gz_bytes):
        with open(os.path.join(out, "blobs", "sha256", hashlib.sha256(b).hexdigest()), "wb") as f:
            f.write(b)
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(index)
    with open(os.path.join(out, "oci-layout"), "wb") as f:
        f.write(_canon({"imageLayoutVersion": "1.0.0"}))
    return out


def put_binary(root, binary, name="linkproof"):
    """Copies BINARY to ROOT/NAME (mode 0755); returns the in-root path."""
    dst = os.path.join(root, name)
    shutil.copyfile(binary, dst)
    os.chmod(dst, 0o755)
    return "/" + name
