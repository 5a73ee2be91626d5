#!/usr/bin/env python3
"""make-image.py: linkproof's own container image, written without a container engine.

    python3 scripts/make-image.py --binary build-static/linkproof \
        --layout DIR --tarball FILE [--version V] [--revision R] [--source URL]

writes an OCI image layout (image-spec 1.0: oci-layout, index.json, blobs/sha256/)
to DIR and the same layout as one tar file to FILE: one image FROM scratch, one
gzip layer holding only BINARY at /linkproof (mode 0755, owner 0:0), config
Entrypoint ["/linkproof"], tagged with the version (index.json's
org.opencontainers.image.ref.name), and the OCI annotations version, revision,
source and created on the manifest (and as labels in the config).

Reproducible: the same binary and inputs give the same bytes, digests included.
Every timestamp (tar mtimes, gzip header, created) is SOURCE_DATE_EPOCH when set,
else the time of the git commit HEAD (else 0); owners are 0:0 with no names; JSON
is written with sorted keys; the tarball's members are in a fixed order.
Defaults: --version from meson.build, --revision `git rev-parse HEAD` (with
"-dirty" when the work tree has changes), --source $LP_IMAGE_SOURCE or the
project's URL. Python standard library only.
"""

import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_SOURCE = "https://linkproof.example/"
# ELF e_machine (and class) -> OCI architecture
ARCH = {(62, 2): "amd64", (183, 2): "arm64", (3, 1): "386", (40, 1): "arm", (243, 2): "riscv64",
        (21, 2): "ppc64le", (22, 2): "s390x"}

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def git(*args):
    try:
        p = subprocess.run(["git", "-C", ROOT] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.decode().strip() if p.returncode == 0 else None


def epoch():
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde:
        if not re.fullmatch(r"[0-9]{1,12}", sde):
            sys.exit("make-image: SOURCE_DATE_EPOCH is not a number of seconds: %r" % sde)
        return int(sde)
    ct = git("log", "-1", "--format=%ct")
    return int(ct) if ct and ct.isdigit() else 0


def project_version():
    with open(os.path.join(ROOT, "meson.build")) as f:
        m = re.search(r"version\s*:\s*'([^']+)'", f.read())
    if not m:
        sys.exit("make-image: no version in meson.build")
    return m.group(1)


def revision():
    rev = git("rev-parse", "HEAD")
    if not rev:
        return "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return rev + ("-dirty" if dirty else "")


def elf_arch(path):
    with open(path, "rb") as f:
        h = f.read(20)
    if len(h) < 20 or h[:4] != b"\x7fELF" or h[5] != 1:
        sys.exit("make-image: %s is not a little-endian ELF file" % path)
    machine = int.from_bytes(h[18:20], "little")
    arch = ARCH.get((machine, h[4]))
    if not arch:
        sys.exit("make-image: %s: ELF machine %d has no OCI architecture here" % (path, machine))
    return arch


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(binary, mtime):
    """(uncompressed tar, gzip of it): one member, ./linkproof -> /linkproof."""
    raw = io.BytesIO()
    with open(binary, "rb") as f:
        data = f.read()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ti = tarfile.TarInfo("linkproof")
        ti.size, ti.mode, ti.mtime = len(data), 0o755, mtime
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        tar.addfile(ti, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=mtime, compresslevel=9) as g:
        g.write(tar_bytes)
    return tar_bytes, gz.getvalue()


def build(args):
    mtime = epoch()
    created = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    version = args.version or project_version()
    ann = {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.revision": args.revision or revision(),
        "org.opencontainers.image.source": args.source or os.environ.get("LP_IMAGE_SOURCE") or DEFAULT_SOURCE,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.title": "linkproof",
        "org.opencontainers.image.description":
            "linkproof, one static executable at /linkproof (docs/static.md)",
        "org.opencontainers.image.licenses": "MIT",
    }
    arch = elf_arch(args.binary)
    tar_bytes, gz_bytes = layer(args.binary, mtime)
    config = {
        "created": created,
        "architecture": arch,
        "os": "linux",
        "config": {"Entrypoint": ["/linkproof"], "WorkingDir": "/", "Labels": ann},
        "rootfs": {"type": "layers", "diff_ids": [sha(tar_bytes)]},
        "history": [{"created": created, "created_by": "scripts/make-image.py: /linkproof",
                     "comment": "FROM scratch; the static linkproof only"}],
    }
    config_bytes = canon(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": sha(config_bytes), "size": len(config_bytes)},
        "layers": [{"mediaType": MT_LAYER, "digest": sha(gz_bytes), "size": len(gz_bytes)}],
        "annotations": ann,
    }
    manifest_bytes = canon(manifest)
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": MT_MANIFEST, "digest": sha(manifest_bytes), "size": len(manifest_bytes),
            "platform": {"architecture": arch, "os": "linux"},
            "annotations": {"org.opencontainers.image.ref.name": version},
        }],
    }
    files = [("oci-layout", canon({"imageLayoutVersion": "1.0.0"})),
             ("index.json", canon(index))]
    for blob in (config_bytes, manifest_bytes, gz_bytes):
        files.append(("blobs/sha256/" + hashlib.sha256(blob).hexdigest(), blob))

    if args.layout:
        if os.path.isdir(args.layout):
            shutil.rmtree(args.layout)
        for name, data in files:
            p = os.path.join(args.layout, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            os.utime(p, (mtime, mtime))
    if args.tarball:
        os.makedirs(os.path.dirname(os.path.abspath(args.tarball)), exist_ok=True)
        tmp = args.tarball + ".tmp"
        with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for d in ("blobs", "blobs/sha256"):
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode, ti.mtime, ti.uname, ti.gname = tarfile.DIRTYPE, 0o755, mtime, "", ""
                tar.addfile(ti)
            for name, data in files:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mode, ti.mtime, ti.uname, ti.gname = len(data), 0o644, mtime, "", ""
                tar.addfile(ti, io.BytesIO(data))
        os.replace(tmp, args.tarball)
    print("make-image: linkproof %s (%s), manifest %s, created %s%s%s" % (
        version, arch, sha(manifest_bytes), created,
        ", layout " + args.layout if args.layout else "", ", tarball " + args.tarball if args.tarball else ""))


def main():
    ap = argparse.ArgumentParser(description="linkproof's OCI image, FROM scratch, without a container engine")
    ap.add_argument("--binary", required=True, help="the static linkproof")
    ap.add_argument("--layout", help="write the OCI image layout to this directory (replaced)")
    ap.add_argument("--tarball", help="write the OCI layout as one tar file")
    ap.add_argument("--version", help="default: meson.build's version")
    ap.add_argument("--revision", help="default: git rev-parse HEAD (+ -dirty)")
    ap.add_argument("--source", help="default: $LP_IMAGE_SOURCE or " + DEFAULT_SOURCE)
    args = ap.parse_args()
    if not args.layout and not args.tarball:
        ap.error("give --layout DIR, --tarball FILE or both")
    build(args)


if __name__ == "__main__":
    main()
