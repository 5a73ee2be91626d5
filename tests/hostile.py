#!/usr/bin/env python3
"""Every command over generated hostile inputs: bounded, or one clear line.

Each input is one row of issue 14's table, or a class behind one, made here at a
size that finishes in well under a second when the code is right (the rows' own
sizes took minutes, hours, or gigabytes before): nested image indexes, thousands of
images sharing one oversized config, zstd layers asking for a 128 MiB window, one
small image given six times to compat, a GNU sparse member of 1 GiB, whiteout and
opaque-directory storms, a gzip docker-save of 300 layers, zstd and gzip bombs, an
ld.so.conf of tens of thousands of include patterns over a large directory, FIFOs
where files are expected (roots, images, blobs, policies, registry imports), an
oversized ld.so.cache and one whose runs are long, registry labels and imports of
any size, a 5,000-byte ld.so.conf line and DT_RUNPATH, symlinked blobs/ and
blobs/sha256/ in an OCI layout, and control bytes (ESC, BEL, C1) in entry names.

Every run is a child with an address-space limit (RLIMIT_AS; not under ASan, which
reserves terabytes of shadow) and a timeout that only catches a hang (the code is
expected to take well under a second; no time is asserted). Checked for each:
  * the exit status is 0, 1 or 2 (3/4 are verify's own), never a signal or a hang;
  * peak memory (ru_maxrss of the child) at most 256 MiB, the documented bound
    (not asserted under ASan, whose allocator keeps freed memory in quarantine);
  * stderr is escaped: no byte below 0x20 but newline, no DEL, no C1 (0x80-0x9f as
    raw bytes or as UTF-8), whatever the input's names held;
  * a failure says so in one line "linkproof: ..." naming what went wrong, and where
    a limit stopped the run, that line names the limit and "--limit NAME=" raising it.
Mutation check (by hand, see the closing note): without O_NONBLOCK in the image or
policy opens the FIFO rows hang, and without the decompression caps the bomb rows
finish without their limit line: both fail here.
"""

import gzip
import hashlib
import io
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import image_build as ib  # noqa: E402

MiB = 1 << 20
MEM_BOUND = 256 * MiB          # the documented peak (docs/limits.md)
AS_LIMIT = 1024 * MiB          # address space a child may map (files mapped for reading count)
HANG = 120                     # seconds: a run taking this long is taken for a hang


class Layer:
    """A layer blob made here (no re-reading of it: bombs are not decompressed)."""

    def __init__(self, blob, media_type, tar_bytes=None):
        self.blob = blob
        self.media_type = media_type
        self.digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        self.size = len(blob)
        self.tar = tar_bytes if tar_bytes is not None else b""
        self.diff_id = "sha256:" + hashlib.sha256(self.tar).hexdigest()


# ---------------------------------------------------------------- zstd by hand

def zstd_frame(chunks, window_log=20):
    """A zstd frame of raw blocks (bytes) and RLE runs ((byte, count)), declaring a window
    of 2^window_log bytes; no content size, no checksum. Block sizes stay under 128 KiB."""
    out = bytearray(b"\x28\xb5\x2f\xfd")
    out.append(0x00)                          # FHD: no content size, not single-segment
    out.append((window_log - 10) << 3)        # window descriptor
    blocks = []
    for c in chunks:
        if isinstance(c, tuple):
            b, n = c
            while n:
                k = min(n, 128 * 1024)
                blocks.append((1, k, bytes([b])))
                n -= k
        else:
            for i in range(0, len(c), 128 * 1024):
                part = c[i:i + 128 * 1024]
                blocks.append((0, len(part), part))
    if not blocks:
        blocks.append((0, 0, b""))
    for i, (kind, size, payload) in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out += struct.pack("<I", last | (kind << 1) | (size << 3))[:3]
        out += payload
    return bytes(out)


def gzip_zeros(total, member=b""):
    """A gzip stream whose inflated bytes are MEMBER then zeros, TOTAL bytes in all, at most
    1 GiB of it real (flushed 1 MiB pieces repeat byte for byte); no trailer: a reader that
    is bounded stops long before it, one that is not reads it all and then fails."""
    import zlib
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = bytearray(c.compress(member) + c.flush(zlib.Z_FULL_FLUSH))
    piece = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)  # the steady state
    out += piece * max(1, min(total // MiB, 1024))
    return bytes(out)


# ---------------------------------------------------------------- tar pieces

def tar_header(name, size, typeflag=b"0", linkname=""):
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mtime = ib.MTIME
    ti.mode = 0o644
    ti.type = typeflag
    ti.linkname = linkname
    return ti.tobuf(format=tarfile.GNU_FORMAT)


def gnu_sparse_member(name, realsize, data_at, data):
    """An old-GNU sparse member ('S'): REALSIZE bytes, all holes but DATA at DATA_AT."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    stored = len(data) + (-len(data)) % 512
    h[124:136] = b"%011o\0" % stored
    h[136:148] = b"%011o\0" % ib.MTIME
    h[156:157] = b"S"
    h[257:265] = b"ustar  \0"
    h[386:398] = b"%011o\0" % data_at          # sparse[0].offset
    h[398:410] = b"%011o\0" % stored           # sparse[0].numbytes
    h[482] = 0                                 # isextended
    h[483:495] = b"%011o\0" % realsize         # realsize
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h) + data + bytes((-len(data)) % 512)


def oci_dir(d, layers, config=None, refs=("1",), extra_index=None):
    """An OCI layout at D with one image of LAYERS (Layer objects)."""
    os.makedirs(os.path.join(d, "blobs", "sha256"), exist_ok=True)

    def blob(data):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(d, "blobs", "sha256", h), "wb") as f:
            f.write(data)
        return "sha256:" + h

    for l in layers:
        blob(l.blob)
    cfg = config if config is not None else ib.canonical({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]}})
    cd = blob(cfg)
    man = ib.canonical({"schemaVersion": 2, "mediaType": ib.MT_MANIFEST,
                        "config": {"mediaType": ib.MT_CONFIG, "digest": cd, "size": len(cfg)},
                        "layers": [{"mediaType": l.media_type, "digest": l.digest, "size": l.size}
                                   for l in layers]})
    md = blob(man)
    descs = [{"mediaType": ib.MT_MANIFEST, "digest": md, "size": len(man),
              "annotations": {ib.REF_ANNOTATION: r}} for r in refs]
    descs += extra_index or []
    with open(os.path.join(d, "oci-layout"), "wb") as f:
        f.write(b'{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(d, "index.json"), "wb") as f:
        f.write(ib.canonical({"schemaVersion": 2, "manifests": descs}))
    return d, md, man, blob


# ---------------------------------------------------------------- running

def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


class Run:
    def __init__(self, status, out, err, maxrss, secs):
        self.status, self.out, self.err, self.maxrss, self.secs = status, out, err, maxrss, secs


# The child is started by a small launcher (a fresh interpreter): a process's peak RSS
# (ru_maxrss) counts the memory image it was forked from, so forking linkproof straight
# from this script, which holds the generated inputs, would measure this script too.
LAUNCHER = r"""
import os, resource, sys, time
res, timeout, as_limit = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
argv = sys.argv[4:]
pid = os.fork()
if pid == 0:
    if as_limit:
        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(argv[0], argv)
t0 = time.time()
while True:
    p, st, ru = os.wait4(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
    if time.time() - t0 > timeout:
        os.kill(pid, 9)
        p, st, ru = os.wait4(pid, 0)
        status = "timeout"
        break
    time.sleep(0.005)
with open(res, "w") as f:
    f.write("%s %d %f" % (status, ru.ru_maxrss, time.time() - t0))
"""


def run(argv, asan, stdin=None, env_extra=None, timeout=HANG, null_out=False):
    """The child's status (or "timeout"/"signal N"), output, peak RSS in bytes, seconds."""
    out = open(os.devnull, "w+b") if null_out else tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    env = dict(os.environ, LC_ALL="C")
    env.pop("LINKPROOF_LIMITS", None)
    env.update(env_extra or {})
    fin = open(stdin, "rb") if isinstance(stdin, str) else subprocess.DEVNULL
    with tempfile.NamedTemporaryFile("r") as res:
        subprocess.run([sys.executable, "-c", LAUNCHER, res.name, str(timeout),
                        "0" if asan else str(AS_LIMIT)] + argv,
                       stdin=fin, stdout=out, stderr=err, env=env)
        fields = res.read().split()
    if fin is not subprocess.DEVNULL:
        fin.close()
    status = fields[0] if fields else "launcher failed"
    if status.lstrip("-").isdigit():
        status = int(status)
        if status < 0:
            status = "signal %d" % -status
    maxrss = int(fields[1]) * 1024 if len(fields) > 1 else 0
    secs = float(fields[2]) if len(fields) > 2 else 0.0
    out.seek(0)
    err.seek(0)
    o, e = out.read(), err.read()
    out.close()
    err.close()
    return Run(status, o, e, maxrss, secs)


def raw_controls(b):
    """Control bytes in B that a terminal acts on: C0 but newline, DEL, C1 (raw or UTF-8)."""
    bad = [c for c in b if (c < 0x20 and c != 0x0a) or c == 0x7f]
    s = b.decode("utf-8", "replace")
    bad += [ord(ch) for ch in s if 0x80 <= ord(ch) <= 0x9f]
    # raw 0x80-0x9f not part of UTF-8 decode as U+FFFD above; look for them as bytes too
    i = 0
    while i < len(b):
        c = b[i]
        if c < 0x80:
            i += 1
            continue
        n = 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
        seq = b[i:i + n] if n else b""
        if n and len(seq) == n and all(0x80 <= x <= 0xbf for x in seq[1:]):
            i += n
            continue
        if 0x80 <= c <= 0x9f:
            bad.append(c)
        i += 1
    return bad


class Hostile:
    def __init__(self, tally, lp, work):
        self.t, self.lp, self.work = tally, lp, work
        self.asan = is_asan(lp)
        self.rows = []

    def path(self, *p):
        return os.path.join(self.work, *p)

    def check(self, label, args, ok=(0, 1, 2), want=None, limit=None, stdin=None, env=None,
              timeout=HANG, null_out=False):
        """Run linkproof ARGS; check status in OK, the bounds, stderr escaped, and when WANT
        (a substring) or LIMIT (a limit's name) is given, that stderr says it."""
        r = run([self.lp] + args, self.asan, stdin=stdin, env_extra=env, timeout=timeout,
                null_out=null_out)
        self.rows.append((label, r.status, r.maxrss, r.secs))
        t = self.t
        t.check(r.status in ok, label, "exit status %r, want one of %r; stderr %r"
                % (r.status, ok, lptest.dec(r.err)[:400]))
        if not self.asan:
            t.check(r.maxrss <= MEM_BOUND, label, "peak memory %.1f MiB over the %d MiB bound"
                    % (r.maxrss / MiB, MEM_BOUND // MiB))
        bad = raw_controls(r.err)
        t.check(not bad, label, "raw control bytes on stderr: %r in %r" % (bad[:5], r.err[:200]))
        lines = [l for l in lptest.dec(r.err).splitlines() if l.startswith("linkproof: ")]
        if r.status == 2:
            t.check(len(lines) >= 1, label, "exit 2 without a 'linkproof: ' line: %r"
                    % lptest.dec(r.err)[:300])
        if want:
            t.check(want in lptest.dec(r.err), label, "stderr lacks %r: %r"
                    % (want, lptest.dec(r.err)[:400]))
        if limit:
            t.check(any(("the %s limit" % limit) in l and ("--limit %s=" % limit) in l
                        for l in lines),
                    label, "no one-line error naming the %s limit and its option: %r"
                    % (limit, lptest.dec(r.err)[:400]))
        return r


# ---------------------------------------------------------------- the rows

def rows_images(h):
    lp_true = lptest.host_true()
    base_tar = ib.layer_tar([ib.D("etc/"), ib.F("etc/os-release", b"ID=hostile\n"),
                             ib.D("lib/"), ib.F("lib/libc.so.6", b"\x7fELF" + bytes(60))])
    base = Layer(base_tar, ib.MT_LAYER["none"], base_tar)

    # nested indexes: 4 levels x 100 entries (each level the same nested index): N^4 loads before
    d, md, man, blob = oci_dir(h.path("nested"), [base])
    child = ib.canonical({"schemaVersion": 2, "mediaType": ib.MT_INDEX, "manifests": [
        {"mediaType": ib.MT_MANIFEST, "digest": md, "size": len(man),
         "platform": {"os": "linux", "architecture": "amd64"}}]})
    for level in range(3):
        cd = blob(child)
        child = ib.canonical({"schemaVersion": 2, "mediaType": ib.MT_INDEX, "manifests": [
            {"mediaType": ib.MT_INDEX, "digest": cd, "size": len(child)}] * 100})
    with open(os.path.join(d, "index.json"), "wb") as f:
        f.write(child)
    for sub in (["image", "info", d], ["image", "ls", d]):
        h.check("nested indexes: " + " ".join(sub[:2]), sub)

    # docker save: 4,096 images sharing one 9 MiB config (over the json limit); a tag given
    big_cfg = b'{"os":"linux","architecture":"amd64","x":"' + b"a" * (9 * MiB) + b'"}'
    man_json = json.dumps([{"Config": "c.json", "RepoTags": ["img:%d" % i], "Layers": ["l/layer.tar"]}
                           for i in range(4096)]).encode()
    save = h.path("shared-config.tar")
    with open(save, "wb") as f:
        f.write(ib.tar_members([("c.json", big_cfg), ("l/", None), ("l/layer.tar", base_tar),
                                ("manifest.json", man_json)]))
    h.check("4,096 images, one oversized config, a tag", ["image", "info", save + ":img:7"],
            ok=(2,), limit="json")
    # no tag: the images are listed (image info of a multi-image file), each config read once
    h.check("4,096 images, one oversized config, no tag", ["image", "info", save], ok=(0,))
    # a config of [{},...] within the size limit: the value count stops it
    vals = b'{"os":"linux","architecture":"amd64","x":[' + b",".join([b"{}"] * (1 << 20)) + b"]}"
    save2 = h.path("value-config.tar")
    with open(save2, "wb") as f:
        f.write(ib.tar_members([("c.json", vals), ("l/", None), ("l/layer.tar", base_tar),
                                ("manifest.json", man_json[:0] + json.dumps(
                                    [{"Config": "c.json", "RepoTags": ["v:1"],
                                      "Layers": ["l/layer.tar"]}]).encode())]))
    h.check("a config of a million {}", ["image", "info", save2], ok=(2,), limit="json")

    # 8 zstd layers declaring a 128 MiB window each: refused by default; read one at a time
    # when allowed
    zl = []
    for i in range(8):
        t = ib.layer_tar([ib.F("z%d/lib%d.so.1" % (i, i), b"x" * 100)])
        zl.append(Layer(zstd_frame([t], window_log=27), ib.MT_LAYER["zstd"], t))
    zdir = oci_dir(h.path("zstd8"), zl)[0]
    h.check("8 zstd layers, 128 MiB windows", ["image", "ls", zdir], ok=(2,), limit="zstd-window")
    h.check("8 zstd layers, 128 MiB windows allowed", ["--limit", "zstd-window=128M", "image", "ls",
                                                       zdir], ok=(0,))
    h.check("8 zstd layers, deps", ["--limit", "zstd-window=128M", "deps", "--image", zdir, lp_true],
            ok=(0, 1))

    # one small image, six times: libraries that decompress to 360 MiB, each image keeping
    # what it can: one cache for all (the "memory" limit), not 256 MiB each
    libs = []
    for i in range(24):
        libs.append(tar_header("lib/x86_64-linux-gnu/libbig%d.so.1" % i, 15 * MiB))
        libs.append((0, 15 * MiB))
    chunks = [tar_header("lib/", 0, tarfile.DIRTYPE), tar_header("lib/x86_64-linux-gnu/", 0,
                                                                tarfile.DIRTYPE)] + libs
    chunks.append(bytes(1024))
    big = Layer(zstd_frame(chunks, window_log=20), ib.MT_LAYER["zstd"], b"")
    six = oci_dir(h.path("six"), [base, big])[0]
    h.check("one image six times (compat)", ["--limit", "ratio=0", "compat"] +
            sum([["--image", six] for _ in range(6)], []) + [lp_true], ok=(0, 1))
    h.check("one image (deps --image)", ["--limit", "ratio=0", "deps", "--image", six, lp_true],
            ok=(0, 1))

    # a GNU sparse member of 1 GiB: never allocated whole
    sp = gnu_sparse_member("big.sparse", 1 << 30, (1 << 30) - 512, b"\x7fELF" + bytes(508))
    spt = sp + bytes(1024)
    sparse = oci_dir(h.path("sparse"), [base, Layer(spt, ib.MT_LAYER["none"], spt)])[0]
    h.check("sparse 1 GiB: image cat", ["image", "cat", sparse, "/big.sparse"], ok=(0,),
            null_out=True)
    h.check("sparse 1 GiB: inspect --image", ["inspect", "--image", sparse, "/big.sparse"])
    h.check("sparse 1 GiB: image ls", ["image", "ls", sparse], ok=(0,))

    # whiteouts: 5,000 distinct ones with 4 KB names, and 5,000 of one name (gzip); time goes
    # with the bytes of names (libarchive's name handling: tens of MB/s), memory stays flat
    wh = io.BytesIO()
    with tarfile.open(fileobj=wh, mode="w", format=tarfile.GNU_FORMAT) as t:
        deep = "/".join(["x" * 250] * 16)  # 4 KB names, components within 255 bytes
        for i in range(5000):
            ti = tarfile.TarInfo("d/n%06d/" % i + deep + "/.wh.f")
            ti.mtime = ib.MTIME
            t.addfile(ti)
        for i in range(5000):
            ti = tarfile.TarInfo("d/" + deep + "/.wh.f")
            ti.mtime = ib.MTIME
            t.addfile(ti)
    whb = gzip.compress(wh.getvalue(), 6, mtime=0)
    whd = oci_dir(h.path("whiteouts"), [base, Layer(whb, ib.MT_LAYER["gzip"], b"")])[0]
    h.check("10,000 whiteouts with 4 KB names", ["--limit", "ratio=0", "image", "ls", whd], ok=(0,))
    # the same over lower layers that have those directories: every whiteout hides something
    low = ib.layer_tar([ib.D("d/")] + [ib.F("d/" + deep + "/f", b"x")])
    wh2 = oci_dir(h.path("whiteouts2"), [Layer(low, ib.MT_LAYER["none"], low),
                                         Layer(whb, ib.MT_LAYER["gzip"], b"")])[0]
    r = h.check("whiteouts over a lower layer", ["--limit", "ratio=0", "image", "ls", wh2], ok=(0,))
    h.t.check(b"/f\n" not in r.out, "whiteouts over a lower layer", "a whited-out file is listed")
    h.check("whiteouts: the ratio limit", ["image", "ls", whd], ok=(0, 2))

    # 20,000 opaque whiteouts over a 20,000-entry directory
    big_dir = io.BytesIO()
    with tarfile.open(fileobj=big_dir, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("d")
        ti.type = tarfile.DIRTYPE
        t.addfile(ti)
        for i in range(20000):
            t.addfile(tarfile.TarInfo("d/f%05d" % i))
    opq = io.BytesIO()
    with tarfile.open(fileobj=opq, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for i in range(20000):
            t.addfile(tarfile.TarInfo("d/.wh..wh..opq"))
    l1, l2 = big_dir.getvalue(), opq.getvalue()
    od = oci_dir(h.path("opaque"), [Layer(gzip.compress(l1, mtime=0), ib.MT_LAYER["gzip"], l1),
                                     Layer(gzip.compress(l2, mtime=0), ib.MT_LAYER["gzip"], l2)])[0]
    r = h.check("20,000 opaque whiteouts over 20,000 entries", ["image", "ls", od], ok=(0,))
    h.t.check(b"/d/f0" not in r.out, "opaque storm", "a hidden entry is listed")

    # gzip docker save of 300 layers (each a 150 KiB file of zeros)
    layers = [ib.Layer([ib.F("f%d" % i, bytes(150 * 1024))]) for i in range(300)]
    img = ib.Image(layers, refs=["many:1"])
    many = ib.write_docker_save(h.path("many.tar.gz"), [img], comp="gzip")
    h.check("gzip docker save, 300 layers", ["image", "info", many], ok=(0,))
    h.check("gzip docker save, 300 layers: cat", ["image", "cat", many, "/f299"], ok=(0,))
    h.check("gzip docker save, 300 layers: decompressed", ["--limit", "decompressed=10M", "image",
                                                           "info", many], ok=(2,),
            limit="decompressed")

    # bombs: a zstd layer of 64 GiB of zeros (2 MB), a gzip one (1 GiB claimed, cut)
    zb = [tar_header("bomb", 64 << 30), (0, 64 << 30)]
    bomb = Layer(zstd_frame(zb, window_log=20), ib.MT_LAYER["zstd"], b"")
    bd = oci_dir(h.path("zbomb"), [base, bomb])[0]
    h.check("zstd bomb, 64 GiB", ["image", "ls", bd], ok=(2,), limit="ratio")
    h.check("zstd bomb, 64 GiB: deps", ["deps", "--image", bd, lp_true], ok=(2,), limit="ratio")
    h.check("zstd bomb: decompressed cap", ["--limit", "ratio=0", "--limit", "decompressed=256M",
                                            "image", "ls", bd], ok=(2,), limit="decompressed")
    gb = Layer(gzip_zeros(1 << 30, tar_header("bomb", 1 << 30)), ib.MT_LAYER["gzip"], b"")
    gd = oci_dir(h.path("gbomb"), [base, gb])[0]
    h.check("gzip bomb", ["image", "info", gd], ok=(2,), limit="ratio")
    # an image tarball that is itself a bomb
    outer = h.path("outer-bomb.tar.zst")
    with open(outer, "wb") as f:
        f.write(zstd_frame([tar_header("index.json", 64 << 30), (0x20, 64 << 30)]))
    h.check("compressed image tarball bomb", ["image", "info", outer], ok=(2,), limit="ratio")

    # symlinked blobs/ and blobs/sha256/: the right blobs outside the layout are not read
    for which in ("blobs", "blobs/sha256"):
        tag = which.replace("/", "-")
        src = oci_dir(h.path("outside-" + tag), [base])[0]
        lay = h.path("escape-" + tag)
        os.makedirs(lay)
        shutil.copy(os.path.join(src, "index.json"), lay)
        shutil.copy(os.path.join(src, "oci-layout"), lay)
        if which == "blobs":
            os.symlink(os.path.join(src, "blobs"), os.path.join(lay, "blobs"))
        else:
            os.makedirs(os.path.join(lay, "blobs"))
            os.symlink(os.path.join(src, "blobs", "sha256"), os.path.join(lay, "blobs", "sha256"))
        h.check("symlinked %s/ in a layout" % which, ["image", "info", lay], ok=(2,),
                want="missing blob")

    # FIFOs: the image file itself, a blob
    fifo = h.path("image.fifo")
    os.mkfifo(fifo)
    h.check("image that is a FIFO", ["image", "info", fifo], ok=(2,), timeout=30)
    fb = oci_dir(h.path("fifo-blob"), [base])
    man_hex = fb[1].split(":")[1]
    mp = os.path.join(fb[0], "blobs", "sha256", man_hex)
    os.unlink(mp)
    os.mkfifo(mp)
    h.check("a manifest blob that is a FIFO", ["image", "info", fb[0]], ok=(2,), timeout=30)

    # control bytes in entry names: errors and listings escaped
    ctl = ib.layer_tar([ib.F("ok\x1b[31mred\x07\u009b/file", b"x"),
                        ib.RAW("../\x1b]0;title\x07\x9bx", data=b"y")], fmt=tarfile.GNU_FORMAT)
    cd = oci_dir(h.path("controls"), [Layer(ctl, ib.MT_LAYER["none"], ctl)])[0]
    h.check("control bytes in entry names", ["image", "ls", cd], ok=(2,), want="'..'")
    ctl2 = ib.layer_tar([ib.F("ok\x1b[31mred\x07\u009b/file", b"x")], fmt=tarfile.GNU_FORMAT)
    cd2 = oci_dir(h.path("controls2"), [Layer(ctl2, ib.MT_LAYER["none"], ctl2)])[0]
    r = h.check("control bytes in listed names", ["image", "ls", cd2], ok=(0,))
    h.t.check(not raw_controls(r.out.replace(b"\n", b"")), "control bytes on stdout",
              "raw control bytes in %r" % r.out[:200])
    h.check("control bytes: cat of a missing name", ["image", "cat", cd2, "/ok\x1b[31mx\x9b"], ok=(1,))

    # ld.so.conf in an image: a 5,000-byte line (crashed deps --image and compat)
    conf = ib.layer_tar([ib.D("etc/"), ib.F("etc/ld.so.conf", b"/" + b"a" * 5000 + b"\n")])
    ci = oci_dir(h.path("longconf"), [base, Layer(conf, ib.MT_LAYER["none"], conf)])[0]
    h.check("5,000-byte ld.so.conf line: deps --image", ["deps", "--image", ci, lp_true], ok=(0, 1))
    h.check("5,000-byte ld.so.conf line: compat", ["compat", "--image", ci, lp_true], ok=(0, 1))


def rows_roots(h):
    lp_true = lptest.host_true()
    root = h.path("root-long")
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "ld.so.conf"), "wb") as f:
        f.write(b"/" + b"a" * 5000 + b"\n" + b"include /" + b"b" * 5000 + b"/*.conf\n")
    h.check("5,000-byte ld.so.conf line: deps --root", ["deps", "--root", root, lp_true], ok=(0, 1))

    # 50,000 include patterns over a 65,000-entry directory (850 KB: a file may hold 1 MiB)
    root = h.path("root-patterns")
    d = os.path.join(root, "etc", "many")
    os.makedirs(d)
    for i in range(65000):
        open(os.path.join(d, "f%05d" % i), "wb").close()
    with open(os.path.join(root, "etc", "ld.so.conf"), "wb") as f:
        f.write(b"".join(b"include many/*.%d\n" % i for i in range(50000)))
    h.check("50,000 include patterns over 65,000 entries", ["deps", "--root", root, lp_true],
            ok=(0, 1))
    with open(os.path.join(root, "etc", "ld.so.conf"), "wb") as f:
        f.write(b"include many/f0000*\n" * 50000)
    h.check("50,000 times one include pattern", ["deps", "--root", root, lp_true], ok=(0, 1))

    # ld.so.cache over the limit, and one whose only name runs 100,000 entries
    root = h.path("root-cache")
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc", "ld.so.cache"), "wb") as f:
        f.write(b"glibc-ld.so.cache1.1" + bytes(64 * MiB - 20))
    r = h.check("64 MiB ld.so.cache", ["deps", "--root", root, lp_true], ok=(0, 1))
    h.t.check(b"--limit ldcache=" in r.out + r.err, "64 MiB ld.so.cache",
              "the bad-cache problem does not name the limit: %r" % (r.out + r.err)[-400:])
    key = b"lib" + b"a" * 4000 + b".so.1\0"
    n = 100000
    hdr = b"glibc-ld.so.cache1.1" + struct.pack("<IIB3xI3I", n, len(key) + 2, 2, 0, 0, 0, 0)
    koff = 48 + 24 * n
    ents = struct.pack("<iIIIQ", 0x0303, koff, koff + len(key), 0, 0) * n
    with open(os.path.join(root, "etc", "ld.so.cache"), "wb") as f:
        f.write(hdr + ents + key + b"/\0")
    h.check("ld.so.cache: one name 100,000 times", ["deps", "--root", root, lp_true], ok=(0, 1))

    # a library that is a FIFO; a root whose files turn into FIFOs while it is read
    root = h.path("root-fifo")
    libdir = os.path.join(root, "lib", "x86_64-linux-gnu")
    os.makedirs(libdir)
    os.makedirs(os.path.join(root, "lib64"))
    os.mkfifo(os.path.join(libdir, "libc.so.6"))
    os.mkfifo(os.path.join(root, "lib64", "ld-linux-x86-64.so.2"))
    with open(os.path.join(root, "etc-ld.so.conf"), "wb"):
        pass
    h.check("libraries that are FIFOs", ["deps", "--root", root, lp_true], ok=(0, 1), timeout=30)
    stop = threading.Event()
    lib = os.path.join(libdir, "libc.so.6")

    def flip():
        while not stop.is_set():
            for make in (lambda: shutil.copy(lp_true, lib + ".tmp"), lambda: os.mkfifo(lib + ".tmp")):
                try:
                    make()
                    os.replace(lib + ".tmp", lib)
                except OSError:
                    pass
    th = threading.Thread(target=flip, daemon=True)
    th.start()
    for i in range(20):
        r = run([h.lp, "deps", "--root", root, lp_true], h.asan, timeout=30)
        h.t.check(r.status in (0, 1, 2), "a library flipping between file and FIFO (run %d)" % i,
                  "status %r" % r.status)
    stop.set()
    th.join()

    # an ELF whose DT_RUNPATH is longer than 4,096 bytes, and whose needed name is 4,000 bytes
    cc = shutil.which("cc")
    if not cc:
        h.t.fail("long DT_RUNPATH", "no C compiler")
        return
    src = h.path("x.c")
    with open(src, "w") as f:
        f.write("int main(void){return 0;}\n")
    exe = h.path("longrunpath")
    p = subprocess.run([cc, "-o", exe, src, "-Wl,--enable-new-dtags,-rpath,/" + "r" * 5000],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        h.t.fail("long DT_RUNPATH", "cc failed: %r" % p.stderr[-300:])
        return
    for args in (["deps", exe], ["deps", "--root", h.path("root-long"), exe], ["inspect", exe],
                 ["check", "--pie", exe], ["fingerprint", exe], ["buildinfo", exe], ["funcs", exe],
                 ["pkgs", exe], ["diff", exe, lp_true], ["compat", "--image", h.path("nested"), exe]):
        h.check("DT_RUNPATH of 5,000 bytes: " + args[0], args, ok=(0, 1, 2))


def rows_files(h):
    # policies: a FIFO, /dev/zero, a million values
    fifo = h.path("policy.fifo")
    os.mkfifo(fifo)
    lp_true = lptest.host_true()
    h.check("check --policy FIFO", ["check", "--policy", fifo, lp_true], ok=(2,), timeout=30,
            want="not a regular file")
    h.check("check --policy /dev/zero", ["check", "--policy", "/dev/zero", lp_true], ok=(2,))
    pol = h.path("values.json")
    with open(pol, "wb") as f:
        f.write(b"[" + b",".join([b"{}"] * (2 << 20)) + b"]")
    h.check("check --policy of two million {}", ["check", "--policy", pol, lp_true], ok=(2,),
            limit="json")

    # regular expressions glibc's regcomp compiles in exponential memory (700 MB, 1.5 GB)
    for rx in ("e" + "+" * 40, "(" * 20 + "e+" + ")+" * 20, "((((a{1,32}){1,32}){1,32}){1,32})"):
        h.check("check --var NAME~%s..." % rx[:12], ["check", "--var", "main.v~" + rx, lp_true],
                ok=(2,), want="regular expression")
        p2 = h.path("re.json")
        with open(p2, "w") as f:
            json.dump({"var": ["main.v~" + rx]}, f)
        h.check("policy var NAME~%s..." % rx[:12], ["check", "--policy", p2, lp_true], ok=(2,),
                want="regular expression")

    # registry: a 50 MB label, a FIFO, /dev/zero as a file and as stdin, 1,000 rows of one code
    reg = h.path("reg.db")
    line = {"label": "x" * (50 * MiB), "sha256": "a" * 64, "code_sha256": "b" * 64, "code_size": 1}
    imp = h.path("label.jsonl")
    with open(imp, "w") as f:
        f.write(json.dumps(line) + "\n")
    h.check("registry import: a 50 MB label", ["registry", "--registry", reg, "import", imp], ok=(2,))
    rows = h.path("rows.jsonl")
    with open(rows, "w") as f:
        for i in range(1000):
            f.write(json.dumps({"label": "v%d-" % i + "y" * 1000, "sha256": "a" * 64,
                                "code_sha256": "b" * 64, "code_size": 1}) + "\n")
    # one build has one label: the second row is refused at once, and nothing is imported
    h.check("registry import: 1,000 rows of one code", ["registry", "--registry", reg, "import", rows],
            ok=(2,), want="already registered as")
    rows = h.path("rows-distinct.jsonl")
    with open(rows, "w") as f:
        for i in range(1000):
            f.write(json.dumps({"label": "v%d-" % i + "y" * 1000, "sha256": "a" * 64,
                                "code_sha256": "%064x" % (i + 1), "code_size": 1}) + "\n")
    h.check("registry import: 1,000 rows, long labels", ["registry", "--registry", reg, "import", rows],
            ok=(0,))
    h.check("registry list: 1,000 rows", ["registry", "--registry", reg, "list"], ok=(0,))
    h.check("registry show: 1,000 rows", ["registry", "--registry", reg, "show", "%064x" % 7], ok=(0,))
    h.check("verify against 1,000 rows", ["verify", "--registry", reg, "--pid", str(os.getpid())],
            ok=(0, 2, 3, 4))
    rf = h.path("import.fifo")
    os.mkfifo(rf)
    h.check("registry import FIFO", ["registry", "--registry", reg, "import", rf], ok=(2,), timeout=30)
    h.check("registry import /dev/zero", ["registry", "--registry", reg, "import", "/dev/zero"],
            ok=(2,))
    h.check("registry import < /dev/zero", ["registry", "--registry", reg, "import"], ok=(2,),
            stdin="/dev/zero", limit="import")

    # a binary that is a FIFO, for every command that reads one
    bf = h.path("binary.fifo")
    os.mkfifo(bf)
    for args in (["inspect", bf], ["funcs", bf], ["pkgs", bf], ["fingerprint", bf],
                 ["check", "--pie", bf], ["diff", bf, lp_true], ["deps", bf]):
        h.check("a FIFO: " + args[0], args, ok=(1, 2), timeout=30)
    h.check("probe of this test", ["probe", "--pid", str(os.getpid())], ok=(0, 1, 2))


def main(tally):
    lp = lptest.lp_bin()
    work = tempfile.mkdtemp(prefix="lp-hostile-")
    h = Hostile(tally, lp, work)
    try:
        rows_images(h)
        rows_roots(h)
        rows_files(h)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%-58s %-8s %9s %8s" % ("row", "status", "peak MiB", "seconds"))
    for label, status, rss, secs in h.rows:
        print("%-58s %-8s %9.1f %8.2f" % (label[:58], status, rss / MiB, secs))
    print("(asan build: memory not asserted)" if h.asan else "")
    return tally.finish("hostile")


if __name__ == "__main__":
    sys.exit(main(lptest.Tally()))
