"""Container image writers for tests/image_cli.py (stdlib, plus the `zstd` CLI).

Nothing here is checked: image_cli.py decides what is expected. Every writer works
under a directory the caller owns (a tempfile.TemporaryDirectory) and never writes
anywhere else; a failure to build raises BuildError.

Layers. A layer is a list of entries, bottom of the image first:

    F(path, data, mode)      regular file          D(path, mode)     directory
    L(path, target)          symbolic link         H(path, target)   hard link to TARGET
    FIFO(path)               a named pipe ("other" in `image ls`)
    WH(path)                 whiteout: DIR/.wh.NAME for the path DIR/NAME
    OPQ(dir)                 opaque marker DIR/.wh..wh..opq
    RAW(name, ...)           an entry whose tar name is NAME verbatim ("../x", "/abs")

paths are written without the leading "/" (directories with a trailing "/", as
`docker save` and umoci write them), or with "./" in front (prefix="./").
layer_tar() makes the tar bytes, Layer(entries or tar bytes, compression) the blob
("none", "gzip", "zstd") with its digest and diff_id, tree_entries(DIR) the entries of a
directory tree on disk (hard links found by inode), raw_layer() a blob of any bytes.

Images. Image(layers, arch, os, variant, refs) holds the config and the manifest (both
canonical JSON, so the same Image has the same digests in every layout); Multi(images,
ref) a multi-platform image index. Writers of the same images:

    write_oci_dir(DIR, items)                OCI image layout directory (index.json,
                                             oci-layout, blobs/sha256/HEX)
    write_oci_tar(DIR, OUT, comp, dot)       that directory as a tarball (dot: the names
                                             `tar -C DIR -cf OUT .` gives, "./index.json")
    write_docker_save(OUT, images, comp)     a legacy `docker save` tarball: manifest.json,
                                             HEX.json configs, ID/layer.tar (uncompressed),
                                             ID/json, ID/VERSION, repositories

Corruptions (of an OCI directory written above, or of tarball bytes): drop_blob,
flip_blob (bytes no longer match the digest, size unchanged), set_index (index.json
replaced by any bytes), retarget_config (a manifest naming a config blob that does not
exist, written as a new manifest with a correct digest), truncate_file.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {"none": "application/vnd.oci.image.layer.v1.tar",
            "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
            "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}
REF_ANNOTATION = "org.opencontainers.image.ref.name"
MTIME = 1700000000  # every tar entry's mtime: the bytes are deterministic


class BuildError(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


# ---------------------------------------------------------------- entries


def _e(kind, path, **kw):
    d = {"kind": kind, "path": "/" + path.strip("/"), "mode": 0o644, "data": b"",
         "target": None, "raw": None}
    d.update(kw)
    return d


def F(path, data=b"", mode=0o644):
    return _e("file", path, data=data if isinstance(data, bytes) else data.encode(), mode=mode)


def D(path, mode=0o755):
    return _e("dir", path, mode=mode)


def L(path, target):
    return _e("symlink", path, target=target, mode=0o777)


def H(path, target, mode=None):
    """A hard link; TARGET is an image path ("/h/orig") of this layer or a lower one.
    MODE None: the header carries the target's mode when the target is in the same
    layer (as GNU tar and Go's archive/tar write it), else 0644."""
    return _e("hardlink", path, target=target, mode=mode)


def FIFO(path, mode=0o644):
    return _e("fifo", path, mode=mode)


def WH(path):
    """The whiteout of PATH: an empty file DIR/.wh.NAME."""
    d, n = os.path.split("/" + path.strip("/"))
    return _e("file", os.path.join(d, ".wh." + n), mode=0o644)


def OPQ(dirpath):
    return _e("file", os.path.join("/" + dirpath.strip("/"), ".wh..wh..opq"), mode=0o644)


def RAW(name, kind="file", data=b"", target=None, mode=0o644):
    """An entry whose tar name is exactly NAME (for '..' and absolute names)."""
    e = _e(kind, "x", data=data, target=target, mode=mode)
    e["raw"] = name
    return e


def _tar_name(e, prefix):
    if e["raw"] is not None:
        return e["raw"]
    n = prefix + e["path"].lstrip("/")
    return n + "/" if e["kind"] == "dir" else n


def layer_tar(entries, prefix="", fmt=tarfile.PAX_FORMAT):
    """The tar bytes of ENTRIES, in their order (uid/gid 0, mtime MTIME)."""
    buf = io.BytesIO()
    modes = {}
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            ti = tarfile.TarInfo(_tar_name(e, prefix))
            ti.mtime = MTIME
            mode = e["mode"]
            if mode is None:
                mode = modes.get(e["target"], 0o644)
            modes[e["path"]] = mode
            ti.mode = mode & 0o7777
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            k = e["kind"]
            if k == "file":
                ti.size = len(e["data"])
                t.addfile(ti, io.BytesIO(e["data"]))
                continue
            if k == "dir":
                ti.type = tarfile.DIRTYPE
            elif k == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e["target"]
            elif k == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e["target"] if e["raw"] is not None else prefix + e["target"].lstrip("/")
            elif k == "fifo":
                ti.type = tarfile.FIFOTYPE
            else:
                raise BuildError("unknown entry kind %r" % k)
            t.addfile(ti)
    return buf.getvalue()


def tree_entries(root, skip=()):
    """The entries of the tree under ROOT (its paths as image paths), sorted; a file with
    an inode seen before is a hard link to the first path; SKIP: image paths left out."""
    out = []
    seen = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        base = "/" if rel == "." else "/" + rel
        names = sorted(dirnames + filenames)
        for n in names:
            p = os.path.join(dirpath, n)
            ip = os.path.join(base, n)
            if ip in skip:
                if n in dirnames:
                    dirnames.remove(n)
                continue
            st = os.lstat(p)
            m = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out.append(L(ip, os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                out.append(D(ip, m))
            elif stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen:
                    out.append(H(ip, seen[key]))
                else:
                    seen[key] = ip
                    with open(p, "rb") as f:
                        out.append(F(ip, f.read(), m))
        # os.walk does not descend into symlinked directories: nothing else to do
    return out


# ---------------------------------------------------------------- compression


def compress(data, comp):
    if comp == "none":
        return data
    if comp == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if comp == "zstd":
        if not shutil.which("zstd"):
            raise BuildError("zstd not found")
        p = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            raise BuildError("zstd: %s" % p.stderr.decode("utf-8", "replace"))
        return p.stdout
    raise BuildError("unknown compression %r" % comp)


def decompress(data):
    """Plain bytes of a gzip, zstd or plain blob (by its magic)."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        p = subprocess.run(["zstd", "-q", "-d", "-c"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        return p.stdout
    return data


# ---------------------------------------------------------------- layers and images


class Layer:
    """One layer blob. ENTRIES (a list) or TAR (bytes); COMP its compression."""

    def __init__(self, entries=None, comp="none", tar=None, prefix=""):
        self.entries = entries
        self.tar = tar if tar is not None else layer_tar(entries, prefix)
        self.comp = comp
        self.blob = compress(self.tar, comp)
        self.media_type = MT_LAYER[comp]
        self.digest = "sha256:" + sha256(self.blob)
        self.diff_id = "sha256:" + sha256(self.tar)
        self.size = len(self.blob)
        self.members = self._count()

    def _count(self):
        try:
            with tarfile.open(fileobj=io.BytesIO(self.tar), mode="r:") as t:
                return len(t.getmembers())
        except (tarfile.TarError, EOFError):
            return None


def raw_layer(blob, media_type=MT_LAYER["none"], diff_id=None):
    """A layer of any bytes (not a tar, a gzip of garbage, a truncated tar), with the
    right digest; DIFF_ID defaults to the digest of its decompressed bytes."""
    lay = Layer.__new__(Layer)
    lay.entries = None
    lay.blob = blob
    try:
        lay.tar = decompress(blob)
    except (OSError, EOFError, subprocess.SubprocessError):
        lay.tar = blob
    lay.comp = {v: k for k, v in MT_LAYER.items()}.get(media_type, "none")
    lay.media_type = media_type
    lay.digest = "sha256:" + sha256(blob)
    lay.diff_id = diff_id or "sha256:" + sha256(lay.tar)
    lay.size = len(blob)
    lay.members = None
    return lay


class Image:
    def __init__(self, layers, arch="amd64", os_="linux", variant=None, refs=(),
                 config_extra=None):
        self.layers = list(layers)
        self.arch, self.os, self.variant = arch, os_, variant
        self.refs = list(refs)
        cfg = {"architecture": arch, "os": os_, "created": "2023-11-14T22:13:20Z",
               "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
               "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in self.layers]},
               "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "image_build.py"}
                           for _ in self.layers]}
        if variant:
            cfg["variant"] = variant
        cfg.update(config_extra or {})
        self.config = canonical(cfg)
        self.config_digest = "sha256:" + sha256(self.config)
        self.set_manifest(self.config_digest, len(self.config))

    def set_manifest(self, config_digest, config_size):
        self.manifest = canonical({
            "schemaVersion": 2, "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": l.media_type, "digest": l.digest, "size": l.size}
                       for l in self.layers]})
        self.manifest_digest = "sha256:" + sha256(self.manifest)

    def platform(self):
        p = {"architecture": self.arch, "os": self.os}
        if self.variant:
            p["variant"] = self.variant
        return p


class Multi:
    """A multi-platform image: an image index of IMAGES (each with its platform)."""

    def __init__(self, images, refs=()):
        self.images = list(images)
        self.refs = list(refs)
        self.index = canonical({
            "schemaVersion": 2, "mediaType": MT_INDEX,
            "manifests": [{"mediaType": MT_MANIFEST, "digest": i.manifest_digest,
                           "size": len(i.manifest), "platform": i.platform()}
                          for i in self.images]})
        self.manifest_digest = "sha256:" + sha256(self.index)


# ---------------------------------------------------------------- writers


def _blob(d, data):
    h = sha256(data)
    p = os.path.join(d, "blobs", "sha256", h)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return "sha256:" + h


def _write_image_blobs(d, img, write_config=True):
    for l in img.layers:
        _blob(d, l.blob)
    if write_config:
        _blob(d, img.config)
    _blob(d, img.manifest)


def write_oci_dir(d, items):
    """An OCI image layout in D of ITEMS (Image or Multi); each is one descriptor of
    index.json per ref (its org.opencontainers.image.ref.name annotation), or one
    descriptor without annotations when it has no ref. Returns D."""
    os.makedirs(os.path.join(d, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(d, "oci-layout"), "wb") as f:
        f.write(canonical({"imageLayoutVersion": "1.0.0"}))
    descs = []
    for it in items:
        if isinstance(it, Multi):
            for img in it.images:
                _write_image_blobs(d, img)
            _blob(d, it.index)
            base = {"mediaType": MT_INDEX, "digest": it.manifest_digest, "size": len(it.index)}
        else:
            _write_image_blobs(d, it)
            base = {"mediaType": MT_MANIFEST, "digest": it.manifest_digest,
                    "size": len(it.manifest)}
        for ref in (it.refs or [None]):
            desc = dict(base)
            if ref is not None:
                desc["annotations"] = {REF_ANNOTATION: ref}
            descs.append(desc)
    set_index(d, canonical({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descs}))
    return d


def tar_members(members):
    """Tar bytes of [(name, bytes or None for a directory)], in order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.mtime = MTIME
            ti.uname = ti.gname = "root"
            if data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.mode = 0o644
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def write_oci_tar(d, out, comp="none", dot=False):
    """The OCI layout directory D as a tarball OUT (plain, gzip or zstd); dot: written
    by `tar -C D -cf - .` (names "./index.json", ...), else names without "./"."""
    if dot:
        p = subprocess.run(["tar", "-C", d, "--sort=name", "--owner=0", "--group=0",
                            "--mtime=@%d" % MTIME, "-cf", "-", "."],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            raise BuildError("tar: %s" % p.stderr.decode("utf-8", "replace"))
        data = p.stdout
    else:
        members = []
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames.sort()
            rel = os.path.relpath(dirpath, d)
            if rel != ".":
                members.append((rel + "/", None))
            for n in sorted(filenames):
                with open(os.path.join(dirpath, n), "rb") as f:
                    members.append((n if rel == "." else rel + "/" + n, f.read()))
        data = tar_members(members)
    with open(out, "wb") as f:
        f.write(compress(data, comp))
    return out


def layer_ids(img):
    """The legacy v1 IDs of IMG's layers (a chain: each depends on its parent)."""
    ids, parent = [], ""
    for l in img.layers:
        parent = sha256((parent + "\n" + l.diff_id).encode())
        ids.append(parent)
    return ids


def write_docker_save(out, images, comp="none", repositories=True, extra=()):
    """A legacy `docker save` tarball of IMAGES (their refs are the RepoTags); layers are
    the uncompressed tars. EXTRA: more (name, bytes) members. Returns OUT."""
    members, done, manifest, repos = [], set(), [], {}
    for img in images:
        ids = layer_ids(img)
        parent = None
        for lid, l in zip(ids, img.layers):
            if lid not in done:
                done.add(lid)
                v1 = {"id": lid, "created": "2023-11-14T22:13:20Z"}
                if parent:
                    v1["parent"] = parent
                members += [(lid + "/", None), (lid + "/VERSION", b"1.0"),
                            (lid + "/json", canonical(v1)), (lid + "/layer.tar", l.tar)]
            parent = lid
        cfg = img.config_digest.split(":", 1)[1] + ".json"
        if cfg not in done:
            done.add(cfg)
            members.append((cfg, img.config))
        manifest.append({"Config": cfg, "RepoTags": img.refs or None,
                         "Layers": [i + "/layer.tar" for i in ids]})
        for r in img.refs:
            name, _, tag = r.rpartition(":")
            repos.setdefault(name, {})[tag] = ids[-1]
    members.append(("manifest.json", json.dumps(manifest).encode()))
    if repositories and repos:
        members.append(("repositories", json.dumps(repos).encode()))
    members += list(extra)
    with open(out, "wb") as f:
        f.write(compress(tar_members(members), comp))
    return out


# ---------------------------------------------------------------- corruptions


def blob_path(d, digest):
    return os.path.join(d, "blobs", "sha256", digest.split(":", 1)[1])


def drop_blob(d, digest):
    os.unlink(blob_path(d, digest))


def flip_blob(d, digest, at=None):
    """One byte of the blob changed (the middle one, or AT): same size, wrong digest."""
    p = blob_path(d, digest)
    with open(p, "r+b") as f:
        data = bytearray(f.read())
        i = len(data) // 2 if at is None else at
        data[i] ^= 0x55
        f.seek(0)
        f.write(data)


def set_index(d, data):
    with open(os.path.join(d, "index.json"), "wb") as f:
        f.write(data)


def retarget_config(d, img, missing=b"no such config"):
    """Rewrite D so that its only image's manifest names a config that is not there
    (a valid manifest, with the right digest, whose config blob does not exist)."""
    img.set_manifest("sha256:" + sha256(missing), len(missing))
    _blob(d, img.manifest)
    set_index(d, canonical({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [
        {"mediaType": MT_MANIFEST, "digest": img.manifest_digest, "size": len(img.manifest),
         "annotations": {REF_ANNOTATION: (img.refs or ["latest"])[0]}}]}))
    return img.manifest_digest


def truncate_file(src, dst, keep=0.5):
    """A copy of SRC cut to KEEP (a fraction, or a byte count)."""
    with open(src, "rb") as f:
        data = f.read()
    n = int(len(data) * keep) if isinstance(keep, float) else keep
    with open(dst, "wb") as f:
        f.write(data[:n])
    return dst
