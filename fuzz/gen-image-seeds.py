#!/usr/bin/env python3
"""Write small seeds for the 'image' fuzz target (fuzz/fuzz_image.c).

Usage: fuzz/gen-image-seeds.py OUTDIR   (the build writes them to BUILD/fuzz/image)

A seed's first byte picks the harness's mode: odd, the rest is layers separated
by "\\n--\\n" (the harness wraps them in a docker-save tarball with the right
digests): tar layers with files, directories, symbolic and hard links, whiteouts
and opaque directories, one gzip-compressed; even, the rest is a whole image
file: an OCI layout tarball and a docker-save tarball; 2 (or 0x12, blobs/sha256 a link out of
the layout), parts of an OCI layout directory with "@N"/"#N" for part N's digest and size: an
index naming a nested index naming a manifest, its config and two layers. Deterministic.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if kind == "f":
                ti.size = len(e[2])
                ti.mode = 0o755
                t.addfile(ti, io.BytesIO(e[2]))
                continue
            if kind == "d":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
            elif kind == "l":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e[2]
            elif kind == "h":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e[2]
            t.addfile(ti)
    return buf.getvalue()


ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 57


def layers_seed(layers):
    return b"\x01" + b"\n--\n".join(layers)


def blob(store, data):
    h = hashlib.sha256(data).hexdigest()
    store["blobs/sha256/" + h] = data
    return "sha256:" + h, len(data)


def outer(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def oci_tar(layer_list):
    store = {}
    descs = []
    diff = []
    for data, mt in layer_list:
        d, n = blob(store, data)
        descs.append({"mediaType": mt, "digest": d, "size": n})
        raw = gzip.decompress(data) if mt.endswith("+gzip") else data
        diff.append("sha256:" + hashlib.sha256(raw).hexdigest())
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": diff}}).encode()
    cd, cn = blob(store, cfg)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": cd, "size": cn}, "layers": descs}).encode()
    md, mn = blob(store, man)
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn,
         "annotations": {"org.opencontainers.image.ref.name": "1"},
         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    store["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    store["index.json"] = index
    return outer(store)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-image-seeds.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    base = tar([("d", "lib"), ("f", "lib/libc.so.6", ELF), ("l", "lib64", "lib"),
                ("d", "etc"), ("f", "etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n"),
                ("d", "opt"), ("f", "opt/a", b"a"), ("f", "opt/b", b"b"), ("h", "opt/c", "opt/a")])
    upper = tar([("f", "lib/.wh.libc.so.6", b""), ("d", "opt"), ("f", "opt/.wh..wh..opq", b""),
                 ("f", "opt/new", b"n"), ("f", ".wh.etc", b""), ("l", "abs", "/lib/../lib64")])
    readd = tar([("d", "etc"), ("f", "etc/again", b"x"), ("l", "loop1", "loop2"),
                 ("l", "loop2", "loop1")])
    seeds = {
        "layers-one.bin": layers_seed([base]),
        "layers-whiteouts.bin": layers_seed([base, upper, readd]),
        "layers-gzip.bin": layers_seed([gzip.compress(base, mtime=0), upper]),
        "layers-bad-names.bin": layers_seed([tar([("f", "../escape", b"x")]),
                                             tar([("f", "/abs", b"y")])]),
        "layers-not-tar.bin": layers_seed([b"this is not a tar archive" * 20]),
        "image-oci.bin": b"\x00" + oci_tar([(base, "application/vnd.oci.image.layer.v1.tar"),
                                            (gzip.compress(upper, mtime=0),
                                             "application/vnd.oci.image.layer.v1.tar+gzip")]),
    }
    def oci_dir_parts():
        mt = "application/vnd.oci.image.manifest.v1+json"
        it = "application/vnd.oci.image.index.v1+json"
        parts = [
            json.dumps({"schemaVersion": 2, "manifests": [
                {"mediaType": it, "digest": "@1", "size": 0,
                 "annotations": {"org.opencontainers.image.ref.name": "1"}}]}),
            json.dumps({"schemaVersion": 2, "mediaType": it, "manifests": [
                {"mediaType": mt, "digest": "@2", "size": "#2",
                 "platform": {"architecture": "amd64", "os": "linux"}},
                {"mediaType": mt, "digest": "@2", "size": "#2",
                 "platform": {"architecture": "arm64", "os": "linux"}}]}),
            json.dumps({"schemaVersion": 2, "mediaType": mt,
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                   "digest": "@3", "size": "#3"},
                        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                    "digest": "@4", "size": "#4"},
                                   {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                    "digest": "@5", "size": "#5"}]}),
            json.dumps({"architecture": "amd64", "os": "linux"}),
        ]
        text = [p.replace('"#2"', "#2").replace('"#3"', "#3").replace('"#4"', "#4")
                .replace('"#5"', "#5").encode() for p in parts]
        return b"\n--\n".join(text + [base, gzip.compress(upper, mtime=0)])

    seeds["oci-dir-nested.bin"] = b"\x02" + oci_dir_parts()
    seeds["oci-dir-escape.bin"] = b"\x12" + oci_dir_parts()
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
