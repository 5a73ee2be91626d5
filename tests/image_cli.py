#!/usr/bin/env python3
"""Container images as read-only roots: `linkproof image ls|cat|info`, `deps --image`,
`inspect --image` and `compat`, against oracles independent of linkproof.

Images are written here (tests/image_build.py, and one by umoci itself: init, new, then
unpack, change, repack three times, so that umoci writes the whiteouts) into a temporary
directory, each in every layout linkproof reads: OCI layout directory, OCI layout tarball (plain, gzip, zstd, names
with and without "./"), legacy `docker save` tarball (plain, gzip, zstd).

Oracles:
  * `umoci unpack --image DIR:TAG BUNDLE` (as root) of the OCI directory: the flattened
    tree. linkproof's view of the same layers in every layout must have the same paths,
    types, symbolic-link targets, permission bits (st_mode & 07777), file sizes and bytes.
    umoci 0.4.7 cannot read zstd layers nor a nested image index: umoci gets the same
    tars gzip-compressed, and each platform of a multi-platform image as an image of its
    own. Before linkproof is asked anything, the builders are checked against umoci alone:
    each whiteout rule must show in umoci's tree, and umoci must refuse the corruptions
    it can see (the '..' and absolute names it silently clamps are checked with tarfile);
  * a small flattening model of the layers here (whiteouts before the layer's own
    entries, parents through symbolic links): the LAYER of each path; its paths must
    equal umoci's first (so the model itself is checked);
  * a resolver of symbolic links inside umoci's tree (absolute targets and '..' stop at
    its root): what `image cat` must print, or that it must exit 1;
  * the builders' own digests, sizes and tar member counts for `image info`;
  * `chroot ROOTFS BINARY` of umoci's tree (amd64 binaries): whether the binary starts,
    for `compat`; the ELF header's e_machine against the config for wrong-architecture;
  * `linkproof deps --root ROOTFS` for `deps --image`, `linkproof inspect FILE` for
    `inspect --image` (the same code with a directory root / a host file).

Matrix: a glibc image (deps_roots.glibc_root: the host's loader and libc family, with an
ld.so.cache from ldconfig -r), a musl image (deps_roots.musl_root: Debian's musl loader),
a distroless/static-like image (no libc) x a static Go fixture, the cgo fixture, an arm64
Go fixture, a musl-gcc program and a gcc program. The musl program on the glibc image may
be libc-mismatch or interpreter-missing (the glibc image has no musl loader; both are
accepted).

A missing tool (umoci, zstd, gcc, musl-gcc, chroot, ldconfig) is a SKIP line, or a
failure when CI is set. Environment: LP_BIN, LP_FIXTURES (required, else exit 77),
LP_SOURCE_ROOT, CI. The last line is "N passed, M failed".
"""

import hashlib
import io
import os
import random
import shutil
import stat
import sys
import tarfile
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
from lptest import dec  # noqa: E402
import deps_roots as R  # noqa: E402
import deps_cli as DC  # noqa: E402  (its ldd parser and loader-list comparison)
import image_build as B  # noqa: E402
from image_build import D, F, FIFO, H, L, OPQ, RAW, WH  # noqa: E402

TIMEOUT = 30
ERR_TIMEOUT = 20
RUNNER = lptest.Runner(TIMEOUT, drop=("LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "NO_COLOR",
                                      "CLICOLOR_FORCE", "GITHUB_ACTIONS"))
run = RUNNER.run
TRIPLET = "x86_64-linux-gnu"
GLIBC_LDSO = "/lib64/ld-linux-x86-64.so.2"
MUSL_LDSO = "/lib/ld-musl-x86_64.so.1"
TYPE_CHAR = {"-": "file", "d": "dir", "l": "symlink", "o": "other"}


def cell_reason(r):
    """A compat result's reason: the id of its finding (it has one when it does not run)."""
    fs = r.get("findings") or []
    return fs[0].get("id") if fs and isinstance(fs[0], dict) else None


def cell_text(r):
    fs = r.get("findings") or []
    return fs[0].get("message") if fs and isinstance(fs[0], dict) else None
LS_KEYS = ["schema_version", "command", "path", "type", "mode", "size", "target", "layer"]
INFO_KEYS = ["schema_version", "command", "path", "layout", "ref", "manifest_digest", "config_digest", "os", "architecture",
             "variant", "layers", "paths", "bytes_hashed", "choices"]
INFO_LAYER_KEYS = ["digest", "member", "media_type", "compression", "size", "entries", "verified"]
REASONS = {"wrong-architecture", "interpreter-missing", "libc-mismatch", "interpreter-wrong",
           "not-found", "bad-library", "stale-cache", "version-missing", "limit", "cpu-dependent"}
MACHINES = {62: "amd64", 183: "arm64", 3: "386", 40: "arm", 22: "s390x", 21: "ppc64le"}
MUSL_ON_GLIBC = {"libc-mismatch", "interpreter-missing"}  # both accepted, see the docstring


class Ctx(lptest.ToolCtx):
    def __init__(self, tally, lp, T):
        super().__init__(tally, lp, ("umoci", "zstd", "gcc", "musl-gcc", "chroot", "ldconfig",
                                     "tar", "ldd"))
        self.T = T
        self.n = 0

    def path(self, name):
        self.n += 1
        return os.path.join(self.T, "%03d-%s" % (self.n, name))

    # ------------------------------------------------------------ linkproof

    def lpr(self, args, timeout=None):
        rc, out, err = run([self.lp] + list(args), timeout=timeout)
        return rc, out, dec(err)

    def ls(self, label, spec, platform=None):
        """`image ls --json`: [entries] in output order, or None after a failed check."""
        args = ["image", "ls", "--json"] + (["--platform", platform] if platform else []) + [spec]
        rc, out, err = self.lpr(args)
        cmd = "linkproof " + " ".join(args)
        if not self.t.check(rc == 0, label, "%s: exit %r, want 0; stderr %r" % (cmd, rc, err[:400])):
            return None
        ents = []
        for line in dec(out).split("\n"):
            if not line.strip():
                continue
            v = lptest.load_json(line)
            if not isinstance(v, dict):
                self.t.fail(label, "%s: a line is not a JSON object: %r" % (cmd, line[:200]))
                return None
            ents.append(v)
        bad = [e for e in ents if sorted(e) != sorted(LS_KEYS)]
        if not self.t.check(not bad, label, "%s: keys %s, want %s" % (
                cmd, sorted(bad[0]) if bad else None, LS_KEYS)):
            return None
        return ents

    def cat(self, spec, path, platform=None):
        args = ["image", "cat"] + (["--platform", platform] if platform else []) + [spec, path]
        return self.lpr(args)


# ---------------------------------------------------------------- oracles


def sha(data):
    return hashlib.sha256(data).hexdigest()


def umoci_unpack(c, label, ocidir, tag, want_ok=True):
    """umoci's rootfs of OCIDIR:TAG, or None (after a failed check when WANT_OK). With
    want_ok False: (rc, stderr) and no check."""
    bundle = c.path("bundle")
    rc, _, err = run(["umoci", "unpack", "--image", "%s:%s" % (ocidir, tag), bundle], timeout=180)
    if not want_ok:
        return rc, dec(err)
    if not c.t.check(rc == 0, label, "oracle: umoci unpack --image %s:%s: exit %r: %s"
                     % (ocidir, tag, rc, dec(err).strip()[-400:])):
        return None
    return os.path.join(bundle, "rootfs")


def read_tree(rootfs):
    """{image path: {"type", "mode", "size", "target", "sha"}} of a tree (lstat)."""
    tree = {}
    for dirpath, dirnames, filenames in os.walk(rootfs):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            ip = "/" + os.path.relpath(p, rootfs)
            st = os.lstat(p)
            e = {"mode": stat.S_IMODE(st.st_mode), "size": 0, "target": None, "sha": None}
            if stat.S_ISREG(st.st_mode):
                e["type"] = "file"
                e["size"] = st.st_size
                with open(p, "rb") as f:
                    e["sha"] = sha(f.read())
            elif stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISLNK(st.st_mode):
                e["type"] = "symlink"
                e["target"] = os.readlink(p)
            else:
                e["type"] = "other"
            tree[ip] = e
    return tree


def resolve(rootfs, path):
    """The host path of image path PATH in ROOTFS with every symbolic link followed
    inside it (absolute targets and '..' stop at ROOTFS: deps_cli's resolver), or None
    (missing, a loop, a component that is not a directory)."""
    hp = DC.host_of(rootfs, path)
    return hp if hp is not None and os.path.lexists(hp) else None


class Model:
    """The flattening rules, for the LAYER of each path: whiteouts of a layer apply to
    the layers below, before its own entries; a directory over a directory keeps its
    children; parents are followed through symbolic links; missing parents are made
    with the layer of the entry that needs them."""

    def __init__(self):
        self.nodes = {}  # path -> {"kind", "target", "layer"}

    def _drop(self, p, keep_self=False):
        for k in [k for k in self.nodes if k == p or k.startswith(p.rstrip("/") + "/")]:
            if keep_self and k == p:
                continue
            del self.nodes[k]

    def _resolve_dir(self, path, depth=0):
        """PATH (a directory path) with symbolic links followed."""
        cur = ""
        parts = [p for p in path.split("/") if p]
        while parts:
            n = parts.pop(0)
            if n == "..":
                cur = cur.rsplit("/", 1)[0]
                continue
            nxt = cur + "/" + n
            node = self.nodes.get(nxt)
            if node and node["kind"] == "symlink" and depth < 40:
                t = node["target"]
                base = "" if t.startswith("/") else cur
                parts = [p for p in (base + "/" + t).split("/") if p] + parts
                cur = ""
                depth += 1
                continue
            cur = nxt
        return cur or "/"

    def add_layer(self, i, entries):
        for e in entries:
            d, b = os.path.split(e["path"])
            if b == ".wh..wh..opq":
                self._drop(self._resolve_dir(d), keep_self=True)
            elif b.startswith(".wh."):
                self._drop(os.path.join(self._resolve_dir(d), b[4:]))
        for e in entries:
            d, b = os.path.split(e["path"])
            if b.startswith(".wh."):
                continue
            parent = self._resolve_dir(d)
            p = os.path.join(parent, b)
            acc = ""
            for comp in [x for x in parent.split("/") if x]:
                acc += "/" + comp
                if acc not in self.nodes:
                    self.nodes[acc] = {"kind": "dir", "target": None, "layer": i}
            old = self.nodes.get(p)
            if not (e["kind"] == "dir" and old and old["kind"] == "dir"):
                self._drop(p)
            self.nodes[p] = {"kind": e["kind"], "target": e["target"], "layer": i}

    @classmethod
    def of(cls, layers):
        m = cls()
        for i, lay in enumerate(layers):
            m.add_layer(i, lay.entries or [])
        return m


# ---------------------------------------------------------------- comparisons


def some(items, n=8):
    items = list(items)
    return "%s%s" % (items[:n], " ... (%d in all)" % len(items) if len(items) > n else "")


def compare_view(c, label, spec, tree, model=None, platform=None, cat=True):
    """linkproof's view of SPEC (image ls --json and image cat) against TREE (umoci's)."""
    t = c.t
    ents = c.ls(label, spec, platform)
    if ents is None:
        return None
    paths = [e["path"] for e in ents]
    t.check(paths == sorted(paths, key=lambda p: p.encode()) and len(set(paths)) == len(paths),
            label, "image ls: paths not sorted bytewise or repeated: %s" % some(paths))
    got = {e["path"]: e for e in ents}
    want = set(tree)
    t.check(want == set(got), label, "paths (umoci unpack): missing %s; extra %s"
            % (some(sorted(want - set(got))), some(sorted(set(got) - want))))
    common = sorted(want & set(got))
    for field in ("type", "mode", "target"):
        bad = [(p, tree[p][field], got[p][field]) for p in common if tree[p][field] != got[p][field]]
        t.check(not bad, label, "%s differs from umoci's (path, umoci, linkproof): %s"
                % (field, some(bad)))
    bad = [(p, tree[p]["size"], got[p]["size"]) for p in common if tree[p]["type"] == "file"
           and tree[p]["size"] != got[p]["size"]]
    t.check(not bad, label, "size differs (path, umoci, linkproof): %s" % some(bad))
    bad = [(p, got[p]["size"]) for p in common if tree[p]["type"] != "file" and got[p]["size"] != 0]
    t.check(not bad, label, "size of a non-file must be 0: %s" % some(bad))
    if model is not None:
        mp = set(model.nodes)
        bad = [(p, model.nodes[p]["layer"], got[p]["layer"]) for p in common
               if p in mp and model.nodes[p]["layer"] != got[p]["layer"]]
        t.check(not bad, label, "layer (path, model, linkproof): %s" % some(bad))
    if cat:
        bad = []
        for p in common:
            if tree[p]["type"] != "file":
                continue
            rc, out, err = c.cat(spec, p, platform)
            if rc != 0 or sha(out) != tree[p]["sha"]:
                bad.append((p, rc, len(out), err.strip()[:120]))
        t.check(not bad, label, "image cat differs from umoci's bytes (path, exit, size, stderr): %s"
                % some(bad, 5))
    return got


def check_text_ls(c, label, spec, got):
    """`image ls` text lines against `image ls --json` (GOT)."""
    t = c.t
    rc, out, err = c.lpr(["image", "ls", spec])
    if not t.check(rc == 0, label, "image ls %s (text): exit %r: %s" % (spec, rc, err[:300])):
        return
    bad = []
    lines = [l for l in dec(out).split("\n") if l]
    for line in lines:
        parts = line.split(" ", 4)
        if len(parts) != 5:
            bad.append(line)
            continue
        ty, mode, size, layer, rest = parts
        target = None
        if ty == "l" and " -> " in rest:
            rest, target = rest.split(" -> ", 1)
        j = got.get(rest)
        if (j is None or TYPE_CHAR.get(ty) != j["type"] or mode != "%04o" % j["mode"]
                or size != str(j["size"]) or layer != str(j["layer"]) or target != j["target"]):
            bad.append(line)
    t.check(not bad and len(lines) == len(got), label,
            "image ls text (TYPE MODE SIZE LAYER PATH [-> TARGET]) disagrees with --json "
            "(%d lines, %d objects): %s" % (len(lines), len(got), some(bad, 4)))


def check_info(c, label, spec, layout, img, ref=None, npaths=None, platform=None, refs=()):
    """`image info --json` against what the builders wrote."""
    t = c.t
    args = ["image", "info", "--json"] + (["--platform", platform] if platform else []) + [spec]
    rc, out, err = c.lpr(args)
    j = lptest.load_json(out)
    if not t.check(rc == 0 and isinstance(j, dict), label, "linkproof %s: exit %r, stdout %r, "
                   "stderr %r" % (" ".join(args), rc, dec(out)[:200], err[:300])):
        return
    t.check(all(k in j for k in INFO_KEYS), label, "image info keys %s, want %s"
            % (sorted(j), INFO_KEYS))
    j = {k: j.get(k) for k in set(INFO_KEYS) | set(j)}
    base = spec.split("@", 1)[0]
    t.check(j["path"] in (spec, base) or (":" in spec and spec.startswith(str(j["path"]) + ":")),
            label, "path %r, want the image path %r" % (j["path"], spec))
    t.eq(label, "layout", layout, j["layout"])
    if ref is not None:
        t.eq(label, "ref", ref, j["ref"])
    t.eq(label, "config_digest", img.config_digest, j["config_digest"])
    if layout != "docker-save":
        t.eq(label, "manifest_digest (of the chosen manifest)", img.manifest_digest,
             j["manifest_digest"])
    t.eq(label, "os/architecture/variant", (img.os, img.arch, img.variant),
         (j["os"], j["architecture"], j["variant"]))
    lays = j["layers"] if isinstance(j["layers"], list) else []
    t.eq(label, "number of layers", len(img.layers), len(lays))
    for i, (want, got) in enumerate(zip(img.layers, lays)):
        if not t.check(isinstance(got, dict) and all(k in got for k in INFO_LAYER_KEYS), label,
                       "layers[%d]: keys %r, want %s" % (i, got, INFO_LAYER_KEYS)):
            continue
        if layout == "docker-save":
            w = {"digest": want.diff_id, "compression": "none", "size": len(want.tar)}
            t.check(str(got["member"]).endswith("/layer.tar"), label,
                    "layers[%d].member %r, want ID/layer.tar" % (i, got["member"]))
        else:
            w = {"digest": want.digest, "compression": want.comp, "size": want.size,
                 "media_type": want.media_type}
            t.check(str(got["member"]).endswith(want.digest.split(":")[1]), label,
                    "layers[%d].member %r should name blobs/sha256/%s" % (i, got["member"],
                                                                          want.digest[7:]))
        if want.members is not None:
            w["entries"] = want.members
        w["verified"] = True
        g = {k: got.get(k) for k in w}
        t.eq(label, "layers[%d] (builder)" % i, w, g)
    if npaths is not None:
        # assumption: "paths" counts the flattened paths; "/" may or may not be counted
        t.check(j["paths"] in (npaths, npaths + 1), label, "paths %r, image ls lists %d"
                % (j["paths"], npaths))
    t.check(isinstance(j["bytes_hashed"], int) and j["bytes_hashed"] >= 0, label,
            "bytes_hashed %r" % j["bytes_hashed"])
    ch = j["choices"] if isinstance(j["choices"], list) else None
    t.check(ch is not None and all(isinstance(x, str) for x in ch)
            and all(any(r in x for x in ch) for r in refs), label,
            "choices %r should be strings naming %s" % (j["choices"], list(refs)))


def check_info_list(c, label, spec, layout, imgs):
    """`image info` of a file of several images (no selector, or one that several match): exit 0
    and the list (--json: path, layout, images with ref, platform, digest), against the builders."""
    t = c.t
    rc, out, err = c.lpr(["image", "info", "--json", spec])
    j = lptest.load_json(out)
    if not t.check(rc == 0 and isinstance(j, dict) and isinstance(j.get("images"), list), label,
                   "want exit 0 and {path, layout, images: [...]}, got exit %r, %r %r"
                   % (rc, dec(out)[:300], err[:300])):
        return
    t.eq(label, "layout", layout, j.get("layout"))
    t.check(spec.startswith(str(j.get("path"))), label, "path %r, want the image file" % j.get("path"))
    ident = (lambda i: i.config_digest) if layout == "docker-save" else (lambda i: i.manifest_digest)
    want = [(img.refs[0], "%s/%s" % (img.os, img.arch), ident(img)) for img in imgs]
    got = [(x.get("ref"), "%s/%s" % (x.get("os"), x.get("architecture")), x.get("digest"))
           for x in j["images"] if isinstance(x, dict)]
    t.eq(label, "images (ref, platform, digest)", sorted(want), sorted(got))
    t.check(all(set(x) >= {"ref", "refs", "os", "architecture", "variant", "digest", "index_digest",
                           "media_type", "size"} for x in j["images"] if isinstance(x, dict)), label,
            "image keys: %r" % j["images"][:1])
    rc, out, err = c.lpr(["image", "info", spec])
    txt = dec(out)
    t.check(rc == 0 and all(r in txt and d in txt for r, _, d in want), label + " (text)",
            "want exit 0 and a line per image naming its tag and digest, got exit %r, %r %r"
            % (rc, txt[:600], err[:200]))


def expect_error(c, label, spec, words, args=("image", "ls"), tail=(), shown=None):
    """ARGS SPEC TAIL must exit 2 within ERR_TIMEOUT with one stderr line "linkproof: ..."
    naming the image path (SHOWN, default SPEC without its selector) and one of WORDS."""
    t = c.t
    argv = list(args) + [spec] + list(tail)
    rc, out, err = c.lpr(argv, timeout=ERR_TIMEOUT)
    cmd = "linkproof " + " ".join(argv)
    if not t.check(rc != "timeout", label, "%s: no answer in %d s (hang?)" % (cmd, ERR_TIMEOUT)):
        return None
    t.check(rc == 2, label, "%s: exit %r, want 2; stderr %r" % (cmd, rc, err[:300]))
    lines = lptest.stderr_lines(err.encode())
    shown = shown or spec
    ok = (len(lines) == 1 and lines[0].startswith("linkproof: ") and shown in lines[0])
    t.check(ok, label, "%s: want exactly one stderr line 'linkproof: ...' naming %s, got %r"
            % (cmd, shown, lines[:4]))
    if words and lines:
        low = " ".join(lines).lower()
        t.check(any(w.lower() in low for w in words), label,
                "%s: the message should say what is wrong (one of %s): %r" % (cmd, words, lines[0]))
    return lines


# ---------------------------------------------------------------- sections


def layouts(c, name, items, docker_images=None, umoci_items=None):
    """Write ITEMS in every layout: {layout label: (spec, layout)}; "oci" is the OCI
    directory for linkproof, "umoci" the one for umoci (gzip in place of zstd) when
    UMOCI_ITEMS differ."""
    out = {}
    d = B.write_oci_dir(c.path(name + "-oci"), items)
    out["oci-dir"] = (d, "oci-dir")
    out["umoci"] = (B.write_oci_dir(c.path(name + "-umoci"), umoci_items), "oci-dir") \
        if umoci_items is not None else (d, "oci-dir")
    out["oci-tar"] = (B.write_oci_tar(d, c.path(name + "-oci.tar")), "oci-tar")
    out["oci-tar ./ gzip"] = (B.write_oci_tar(d, c.path(name + "-oci.tar.gz"), "gzip", dot=True),
                              "oci-tar")
    if c.tools["zstd"]:
        out["oci-tar zstd"] = (B.write_oci_tar(d, c.path(name + "-oci.tar.zst"), "zstd"), "oci-tar")
    if docker_images:
        out["docker-save"] = (B.write_docker_save(c.path(name + "-ds.tar"), docker_images),
                              "docker-save")
        out["docker-save gzip"] = (B.write_docker_save(c.path(name + "-ds.tar.gz"), docker_images,
                                                       "gzip"), "docker-save")
        if c.tools["zstd"]:
            out["docker-save zstd"] = (B.write_docker_save(c.path(name + "-ds.tar.zst"),
                                                           docker_images, "zstd"), "docker-save")
    return out


def rules_layers(zstd):
    rnd = random.Random(7)
    big = rnd.randbytes(70000)
    l0 = [D("etc"), F("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), F("etc/group", "root:x:0:\n"),
          F("etc/hostname", "lp-image\n"), L("etc/escape", "../../../../etc/hostname"),
          D("a"), F("a/keep", "keep\n"), F("a/gone", "gone\n"),
          D("d"), D("d/sub"), D("d/sub/deep"), F("d/sub/deep/file", "deep\n"), F("d/x", "x\n"),
          D("o"), F("o/low", "low\n"), D("o/lowdir"), F("o/lowdir/f", "f\n"),
          D("p"), F("p/low", "low\n"), D("p/lowdir"), F("p/lowdir/f", "f\n"),
          D("r"), F("r/old", "old\n"),
          D("h"), F("h/orig", "hard link bytes\n", 0o640), H("h/link", "/h/orig"),
          D("usr"), D("usr/lib"), D("usr/libexec"), L("lib", "usr/lib"),
          L("libexec", "/usr/libexec"), L("lib32", "usr/lib"),
          D("bin"), L("bin/tool", "/opt/tool/bin/tool"), L("bin/rel", "../opt/tool/bin/tool"),
          L("bin/dangling", "/nonexistent"),
          D("m"), F("m/suid", "s\n", 0o4755), F("m/ro", "ro\n", 0o400), D("m/d700", 0o700),
          D("m/sticky", 0o1777), FIFO("m/fifo"), F("m/empty", b""),
          D("t"), F("t/f", "f\n"), D("t/dir"), F("t/dir/child", "c\n"),
          D("w"), F("w/x", "old\n"),
          D("loop"), L("loop/a", "b"), L("loop/b", "a"), L("loop/self", "self"),
          D("big"), F("big/blob", big, 0o600)]
    l1 = [WH("a/gone"), WH("d"), OPQ("o"), F("o/new", "new\n"), D("o/lowdir"), F("o/lowdir/g", "g\n"),
          F("p/new", "new\n"), D("p/lowdir2"), F("p/lowdir2/x", "x\n"), OPQ("p"),
          WH("r"), D("lib/x86_64-linux-gnu"), F("lib/x86_64-linux-gnu/libfoo.so.1", "foo\n", 0o755),
          F("libexec/helper", "helper\n", 0o755), D("lib32"),
          H("h/link2", "/h/orig", 0o640), L("t/f", "dir"), F("t/dir", "now a file\n"),
          F("implicit/deep/file", "implicit\n"), F("w/x", "mid\n"),
          D("a", 0o750)]
    l2 = [D("opt"), D("opt/tool"), D("opt/tool/bin"), F("opt/tool/bin/tool", "#!tool v3\n", 0o755),
          F("r/new", "r\n"), D("d", 0o750), F("d/again", "again\n"),
          WH("w/x"), F("w/x", "new\n"), F("etc/passwd", "root:x:0:0::/root:/sbin/nologin\n", 0o600),
          F("h/orig", "replaced\n", 0o644)]
    return [B.Layer(l0), B.Layer(l1, "gzip", prefix="./"), B.Layer(l2, "zstd" if zstd else "gzip"),
            B.Layer([], "gzip")]


RULE_CHECKS = [  # (what, path, expected: None = absent, ("file", bytes), ("dir",), ("symlink", t))
    ("file whiteout", "/a/gone", None), ("file whiteout keeps its sibling", "/a/keep", ("file", b"keep\n")),
    ("directory whiteout removes the subtree", "/d/sub/deep/file", None),
    ("directory whiteout removes the subtree", "/d/x", None),
    ("directory re-added after its whiteout", "/d/again", ("file", b"again\n")),
    ("opaque marker first: lower entries hidden", "/o/low", None),
    ("opaque marker first: lower subtree hidden", "/o/lowdir/f", None),
    ("opaque marker first: same layer kept", "/o/new", ("file", b"new\n")),
    ("opaque marker first: same layer subdir kept", "/o/lowdir/g", ("file", b"g\n")),
    ("opaque marker last: lower entries hidden", "/p/low", None),
    ("opaque marker last: lower subtree hidden", "/p/lowdir", None),
    ("opaque marker last: same layer kept", "/p/new", ("file", b"new\n")),
    ("opaque marker last: same layer subdir kept", "/p/lowdir2/x", ("file", b"x\n")),
    ("file re-added in a later layer after its directory was whited out", "/r/new", ("file", b"r\n")),
    ("whited out directory's old file stays gone", "/r/old", None),
    ("file whited out and re-added in the same layer", "/w/x", ("file", b"new\n")),
    ("hard link keeps the bytes it was linked to", "/h/link", ("file", b"hard link bytes\n")),
    ("hard link to a lower layer's file", "/h/link2", ("file", b"hard link bytes\n")),
    ("file replaced by a later layer", "/h/orig", ("file", b"replaced\n")),
    ("file replaced by a symlink", "/t/f", ("symlink", "dir")),
    ("directory replaced by a file", "/t/dir", ("file", b"now a file\n")),
    ("replaced directory's children gone", "/t/dir/child", None),
    ("entry through a relative directory symlink", "/usr/lib/x86_64-linux-gnu/libfoo.so.1",
     ("file", b"foo\n")),
    ("entry through an absolute directory symlink", "/usr/libexec/helper", ("file", b"helper\n")),
    ("directory entry replaces a symlink", "/lib32", ("dir",)),
    ("implicit parents", "/implicit/deep", ("dir",)),
    ("no whiteout name is a path", "/a/.wh.gone", None), ("no opaque marker", "/o/.wh..wh..opq", None),
]


def rule_of(tree, rootfs, path):
    e = tree.get(path)
    if e is None:
        return None
    if e["type"] == "file":
        with open(os.path.join(rootfs, path.lstrip("/")), "rb") as f:
            return ("file", f.read())
    if e["type"] == "symlink":
        return ("symlink", e["target"])
    return (e["type"],)


CAT_PATHS = ["/bin/tool", "/bin/rel", "/etc/escape", "/lib/x86_64-linux-gnu/libfoo.so.1",
             "/libexec/helper", "/h/link", "/./etc/../etc/passwd", "/bin/dangling", "/loop/a",
             "/loop/self", "/m/fifo", "/etc", "/nonexistent", "/a/gone", "/d/sub/deep/file",
             "/lib32/x86_64-linux-gnu/libfoo.so.1", "/t/f/child"]


def rules_section(c):
    """Every whiteout rule, links, modes, compressions, in every layout, against umoci."""
    t = c.t
    layers = rules_layers(bool(c.tools["zstd"]))
    ulayers = rules_layers(False)
    ref = "lp/rules:v1"
    img = B.Image(layers, refs=[ref])
    uimg = B.Image(ulayers, refs=[ref])
    t.eq("builders", "the same tars for umoci", [l.diff_id for l in img.layers],
         [l.diff_id for l in uimg.layers])
    lay = layouts(c, "rules", [img], [img], [uimg])
    rootfs = umoci_unpack(c, "rules: umoci", lay["umoci"][0], ref)
    if rootfs is None:
        return
    tree = read_tree(rootfs)
    # the builders against umoci alone: each rule applied
    for what, path, want in RULE_CHECKS:
        t.eq("umoci oracle: " + what, path, want, rule_of(tree, rootfs, path))
    t.eq("umoci oracle: hard link", "mode of /h/link (its target's)", 0o640,
         tree.get("/h/link", {}).get("mode"))
    model = Model.of(layers)
    t.check(set(model.nodes) == set(tree), "layer model",
            "the model's paths differ from umoci's (a bug in this script): missing %s extra %s"
            % (some(sorted(set(tree) - set(model.nodes))), some(sorted(set(model.nodes) - set(tree)))))
    for name, (spec, layout) in lay.items():
        if name == "umoci" and spec == lay["oci-dir"][0]:
            continue
        label = "rules image, %s" % name
        got = compare_view(c, label, spec, tree, model)
        if got is None:
            continue
        if name == "oci-dir":
            check_text_ls(c, label, spec, got)
        target = uimg if name == "umoci" else img
        check_info(c, label, spec, layout, target, ref, len(got), refs=[ref])
        # selector by tag on a single image, and cat through links
        for p in CAT_PATHS:
            hp = resolve(rootfs, p)
            want_ok = hp is not None and os.path.isfile(hp) and not os.path.islink(hp)
            rc, out, err = c.cat(spec + ":v1", p)
            if want_ok:
                with open(hp, "rb") as f:
                    data = f.read()
                t.check(rc == 0 and out == data, label, "image cat %s:v1 %s: exit %r, %d bytes, "
                        "want the %d bytes of %s (links followed inside the image); stderr %r"
                        % (spec, p, rc, len(out), len(data), os.path.relpath(hp, rootfs), err[:200]))
            else:
                t.check(rc == 1 and not out, label, "image cat %s %s: exit %r (%d bytes), want 1: "
                        "missing, a loop or not a regular file in umoci's tree; stderr %r"
                        % (spec, p, rc, len(out), err[:200]))


def hardmode_section(c):
    """A hard link whose tar header carries another mode than its target: the link
    shares the target's inode, so umoci shows the target's mode."""
    t = c.t
    img = B.Image([B.Layer([D("h"), F("h/orig", "x\n", 0o750), H("h/link", "/h/orig", 0o600)])],
                  refs=["lp/hard:v1"])
    d = B.write_oci_dir(c.path("hardmode"), [img])
    rootfs = umoci_unpack(c, "hard link mode: umoci", d, "lp/hard:v1")
    if rootfs is None:
        return
    tree = read_tree(rootfs)
    t.eq("umoci oracle: hard link header mode 0600, target 0750", "/h/link mode", 0o750,
         tree["/h/link"]["mode"])
    compare_view(c, "hard link with its own header mode", d, tree)
    # whiteouts of paths that do not exist: umoci makes no parent directory for them
    # (Docker's applier would make /nothing; umoci is the oracle here)
    img = B.Image([B.Layer([D("a"), F("a/f", "f\n")]),
                   B.Layer([WH("nothing/here"), WH("a/nothing"), OPQ("none/such")])],
                  refs=["lp/wh:v1"])
    d = B.write_oci_dir(c.path("wh-nothing"), [img])
    rootfs = umoci_unpack(c, "whiteout of nothing: umoci", d, "lp/wh:v1")
    if rootfs is not None:
        tree = read_tree(rootfs)
        t.eq("umoci oracle: whiteouts of missing paths", "paths", ["/a", "/a/f"], sorted(tree))
        compare_view(c, "whiteouts of paths that do not exist (no parent made)", d, tree,
                     Model.of(img.layers))


def umoci_built_section(c):
    """An image built by umoci itself (init, new, then three rounds of unpack, change the
    rootfs, repack): the whiteouts are the ones umoci writes for what was deleted, not this
    script's. linkproof's view of each tag must equal umoci's own unpack of it."""
    t = c.t
    d = c.path("umoci-built")

    def um(*args):
        rc, _, err = run(["umoci"] + list(args), timeout=180)
        if not t.check(rc == 0, "umoci-built image", "oracle: umoci %s: exit %r: %s"
                       % (" ".join(args), rc, dec(err).strip()[-300:])):
            raise B.BuildError("umoci %s failed" % args[0])

    def write(rootfs, path, data, mode=0o644):
        hp = os.path.join(rootfs, path)
        os.makedirs(os.path.dirname(hp), exist_ok=True)
        with open(hp, "wb") as f:
            f.write(data)
        os.chmod(hp, mode)

    um("init", "--layout", d)
    um("new", "--image", d + ":base")
    rounds = []
    prev = "base"
    for tag in ("v1", "v2", "v3"):
        bundle = c.path("umoci-bundle-" + tag)
        um("unpack", "--image", "%s:%s" % (d, prev), bundle)
        r = os.path.join(bundle, "rootfs")
        if tag == "v1":
            write(r, "etc/app.conf", b"a=1\n")
            write(r, "etc/gone.conf", b"x\n")
            write(r, "usr/lib/libkeep.so.1", b"\x7fELF keep", 0o755)
            write(r, "usr/lib/libdrop.so.1", b"\x7fELF drop", 0o755)
            write(r, "opt/app/bin/app", b"#!app\n", 0o755)
            write(r, "opt/app/share/data", b"data\n")
            os.symlink("libkeep.so.1", os.path.join(r, "usr/lib/libkeep.so"))
            os.symlink("/opt/app/bin/app", os.path.join(r, "app"))
            os.link(os.path.join(r, "etc/app.conf"), os.path.join(r, "etc/app.conf.hard"))
        elif tag == "v2":
            os.unlink(os.path.join(r, "etc/gone.conf"))          # a file whiteout
            os.unlink(os.path.join(r, "usr/lib/libdrop.so.1"))
            shutil.rmtree(os.path.join(r, "opt/app"))             # a directory whiteout
            write(r, "etc/app.conf", b"a=2\n", 0o600)              # changed bytes and mode
            os.unlink(os.path.join(r, "usr/lib/libkeep.so"))      # a link replaced by a file
            write(r, "usr/lib/libkeep.so", b"not a link")
        else:
            write(r, "opt/app/new", b"back\n")                    # re-added after its whiteout
            os.symlink("../etc/app.conf", os.path.join(r, "opt/app/conf"))
        um("repack", "--image", "%s:%s" % (d, tag), bundle)
        rounds.append(tag)
        prev = tag
    # umoci wrote whiteouts: check that it did, so the case tests what it says
    names = []
    for blob in os.listdir(os.path.join(d, "blobs", "sha256")):
        try:
            with tarfile.open(os.path.join(d, "blobs", "sha256", blob)) as tf:
                names += tf.getnames()
        except (tarfile.TarError, OSError, EOFError):
            continue
    t.check(any(os.path.basename(n).startswith(".wh.") for n in names), "umoci-built image",
            "oracle: umoci's layers should hold whiteouts for what v2 deleted: %s" % some(names))
    for tag in rounds:
        rootfs = umoci_unpack(c, "umoci-built %s: umoci" % tag, d, tag)
        if rootfs is None:
            continue
        compare_view(c, "image built by umoci, %s" % tag, "%s:%s" % (d, tag), read_tree(rootfs))


def selection_section(c):
    t = c.t
    refs = ["example.com/team/app:v1", "example.com/team/tool:v2", "example.com/other/app:v1"]
    imgs = [B.Image([B.Layer([F("which", "image %d\n" % i), F("only%d" % i, "x")])], refs=[r])
            for i, r in enumerate(refs)]
    two = imgs[:2]
    lay = layouts(c, "two", two, two)
    for name, (spec, layout) in lay.items():
        if name == "umoci":
            continue
        label = "two images, %s" % name
        lines = expect_error(c, label + ", no selector", spec, ["image"])
        if lines:
            t.check(all(r in lines[0] for r in refs[:2]), label,
                    "the message should list the choices %s: %r" % (refs[:2], lines[0]))
        ident = (lambda i: two[i].config_digest) if layout == "docker-save" else \
            (lambda i: two[i].manifest_digest)
        for sel, want in ((":v1", 0), (":app:v1", 0), (":team/app:v1", 0),
                          (":example.com/team/app:v1", 0), (":v2", 1), (":tool:v2", 1),
                          ("@" + ident(1), 1), ("@" + ident(0), 0)):
            rc, out, err = c.cat(spec + sel, "/which")
            t.check(rc == 0 and out == b"image %d\n" % want, label,
                    "image cat %s%s /which: exit %r %r, want image %d (%s); stderr %r"
                    % (spec, sel, rc, out, want, refs[want], err[:200]))
        check_info(c, label + " :tool:v2", spec + ":tool:v2", layout, two[1], refs[1], refs=refs[:2])
        check_info_list(c, label + ", image info (no selector)", spec, layout, two)
        for sel in (":v3", ":team/app:v2", "@sha256:" + "0" * 64, ":pp:v1"):
            expect_error(c, label + ", selector matching nothing " + sel, spec + sel, [],
                         shown=spec)
    # the selectors against umoci's own reading of the tags
    d = lay["oci-dir"][0]
    for i in (0, 1):
        rootfs = umoci_unpack(c, "two images: umoci", d, refs[i])
        if rootfs:
            with open(os.path.join(rootfs, "which"), "rb") as f:
                t.eq("umoci oracle", "/which of %s" % refs[i], b"image %d\n" % i, f.read())
            compare_view(c, "two images, %s:%s" % (d, refs[i]), d + ":" + refs[i], read_tree(rootfs))
    # three: app:v1 is ambiguous (team/app:v1 and other/app:v1)
    lay3 = {"oci-dir": B.write_oci_dir(c.path("three-oci"), imgs),
            "docker-save": B.write_docker_save(c.path("three-ds.tar"), imgs)}
    for name, spec in lay3.items():
        label = "three images, %s" % name
        expect_error(c, label + ", :app:v1 matches two (assumption: exit 2)", spec + ":app:v1", [],
                     shown=spec)
        check_info_list(c, label + ", image info (no selector)", spec, name, imgs)
        check_info_list(c, label + ", image info :app:v1 (two match)", spec + ":app:v1", name,
                        [imgs[0], imgs[2]])
        for sel, want in ((":team/app:v1", 0), (":other/app:v1", 2), (":v2", 1)):
            rc, out, err = c.cat(spec + sel, "/which")
            t.check(rc == 0 and out == b"image %d\n" % want, label,
                    "image cat %s%s /which: exit %r %r, want image %d; stderr %r"
                    % (spec, sel, rc, out, want, err[:200]))


def multi_section(c, fx):
    t = c.t
    amd = B.Image([B.Layer([D("etc"), F("etc/arch", "amd64\n"), F("only-amd64", "a")], "gzip")])
    arm = B.Image([B.Layer([D("etc"), F("etc/arch", "arm64\n"), F("only-arm64", "b")], "gzip")],
                  arch="arm64", variant="v8")
    multi = B.Multi([amd, arm], refs=["lp/multi:v1"])
    lay = layouts(c, "multi", [multi])
    trees = {}
    for p, img in (("amd64", amd), ("arm64", arm)):
        img.refs = ["lp/multi:" + p]
        d = B.write_oci_dir(c.path("multi-" + p), [img])
        rootfs = umoci_unpack(c, "multi: umoci " + p, d, img.refs[0])
        img.refs = []
        if rootfs:
            trees[p] = read_tree(rootfs)
    if len(trees) != 2:
        return
    for name, (spec, layout) in lay.items():
        if name == "umoci":
            continue
        label = "multi-platform, %s" % name
        compare_view(c, label + ", default (the host's linux/amd64)", spec, trees["amd64"])
        for plat, p in (("linux/amd64", "amd64"), ("linux/arm64", "arm64"), ("linux/arm64/v8", "arm64")):
            compare_view(c, label + ", --platform " + plat, spec, trees[p], platform=plat)
        check_info(c, label + " linux/arm64", spec, layout, arm, "lp/multi:v1", platform="linux/arm64")
        lines = expect_error(c, label + ", --platform linux/s390x", spec, ["platform", "s390x"],
                             args=("image", "ls", "--platform", "linux/s390x"))
        if lines:
            t.check("arm64" in lines[0] and "amd64" in lines[0], label,
                    "the message should list the platforms (amd64, arm64): %r" % lines[0])
    # a single-platform image is used whatever the platform
    single = lay["oci-dir"][0] + "-single"
    B.write_oci_dir(single, [B.Image(amd.layers, refs=["x"])])
    compare_view(c, "single-platform image, --platform linux/arm64", single, trees["amd64"],
                 platform="linux/arm64", cat=False)
    # deps and compat: the binary's own platform by default
    spec = lay["oci-dir"][0]
    bins = [b for b in (fx.get("go"), fx.get("arm64")) if b]
    if len(bins) == 2:
        rc, out, err = c.lpr(["compat", "--json", "--image", spec] + bins)
        j = lptest.load_json(out)
        res = [(r.get("runs"), cell_reason(r)) for r in (j or {}).get("results", [])
               if isinstance(r, dict)]
        t.check(rc == 0 and res == [(True, None), (True, None)], "compat on a multi-platform image",
                "each binary takes its own platform: want exit 0, both run; got exit %r %r %s"
                % (rc, res, err[:300]))
        rc, out, err = c.lpr(["compat", "--json", "--platform", "linux/amd64", "--image", spec] + bins)
        j = lptest.load_json(out)
        res = [(r.get("runs"), cell_reason(r)) for r in (j or {}).get("results", [])
               if isinstance(r, dict)]
        t.check(rc == 1 and res == [(True, None), (False, "wrong-architecture")],
                "compat --platform linux/amd64 on a multi-platform image",
                "want exit 1, the arm64 binary wrong-architecture; got exit %r %r %s"
                % (rc, res, err[:300]))
        rc, out, err = c.lpr(["deps", "--json", "--image", spec, fx["arm64"]])
        j = lptest.load_json(out)
        t.check(rc == 0 and isinstance(j, dict) and j.get("static") is True and j.get("ok") is True,
                "deps --image multi-platform, arm64 static binary",
                "want exit 0, static, ok (the arm64 manifest); got exit %r %s %s"
                % (rc, dec(out)[:200], err[:200]))


def nasty(seed, n):
    """N pseudo-random (incompressible) bytes."""
    return random.Random(seed).randbytes(n)


def corrupt_section(c):
    """Every corruption: exit 2, one line naming the image and what is wrong, no hang.
    umoci must refuse the same image where it checks (else the builder is wrong)."""
    t = c.t
    good = [D("etc"), F("etc/os-release", "ID=lp\n"), D("a"), F("a/big", nasty(1, 6000))]
    base = B.Layer(good, "gzip")
    cases = []  # (label, spec, words, umoci dir or None)

    def oci(name, layers, fix=None):
        img = B.Image(layers, refs=["lp/bad:v1"])
        d = B.write_oci_dir(c.path(name), [img])
        if fix:
            fix(d, img)
        return d, img

    d, img = oci("missing-blob", [base, B.Layer([F("x", "y")])],
                 lambda d, i: B.drop_blob(d, i.layers[1].digest))
    cases.append(("missing layer blob", d, ["missing", "no such", "not found"], d))
    d, img = oci("missing-manifest", [base], lambda d, i: B.drop_blob(d, i.manifest_digest))
    cases.append(("missing manifest blob", d, ["missing", "no such", "not found"], d))
    plain = B.Layer(good)
    at = plain.tar.index(good[3]["data"][:64]) + 3000  # inside a/big's bytes: still a valid tar
    d, img = oci("flip-layer", [plain, B.Layer([F("x", "y")])],
                 lambda d, i: B.flip_blob(d, i.layers[0].digest, at=at))
    cases.append(("layer blob bytes do not match its digest", d, ["digest", "mismatch"], d))
    d, img = oci("flip-gz-layer", [base, B.Layer([F("x", "y")])],
                 lambda d, i: B.flip_blob(d, i.layers[0].digest))
    cases.append(("gzip layer blob with a byte changed", d,
                  ["digest", "mismatch", "gzip", "corrupt", "decompress"], d))
    d, img = oci("flip-config", [base], lambda d, i: B.flip_blob(d, i.config_digest, at=3))
    cases.append(("config blob bytes do not match its digest", d, ["digest", "mismatch"], d))
    d, img = oci("flip-manifest", [base], lambda d, i: B.flip_blob(d, i.manifest_digest, at=20))
    cases.append(("manifest blob bytes do not match its digest", d, ["digest", "mismatch"], d))
    flipped_oci = d
    d, img = oci("not-tar", [B.raw_layer(nasty(2, 3000))])
    cases.append(("layer of random bytes", d, ["not a tar", "archive", "tar"], d))
    d, img = oci("gz-not-tar", [B.raw_layer(B.compress(nasty(3, 3000), "gzip"), B.MT_LAYER["gzip"])])
    cases.append(("gzip of random bytes", d, ["not a tar", "archive", "tar"], d))
    if c.tools["zstd"]:
        d, img = oci("zst-not-tar", [B.raw_layer(B.compress(nasty(4, 3000), "zstd"),
                                                 B.MT_LAYER["zstd"])])
        cases.append(("zstd of random bytes", d, ["not a tar", "archive", "tar"], None))
    tr = B.layer_tar(good)
    d, img = oci("trunc-layer", [B.raw_layer(tr[:3500])])
    cases.append(("truncated layer tar", d, ["truncat", "unexpected end", "short"], d))
    d, img = oci("trunc-gz-layer", [B.raw_layer(B.compress(tr, "gzip")[:2500], B.MT_LAYER["gzip"])])
    cases.append(("truncated gzip layer", d, ["truncat", "unexpected end", "short", "corrupt"], d))
    for nm, raw in (("dotdot", "../evil"), ("dotdot-mid", "a/../../evil"), ("dotdot-link", None)):
        ents = [D("a"), RAW(raw, data=b"evil\n")] if raw else \
            [D("a"), F("a/f", "f"), RAW("a/../../etc/passwd", kind="hardlink", target="a/f")]
        d, img = oci(nm, [B.Layer(ents)])
        names = [m.name for m in tarfile.open(fileobj=io.BytesIO(img.layers[0].tar)).getmembers()]
        t.check(any(".." in n.split("/") for n in names), "builder: " + nm,
                "tarfile should show a '..' member: %r" % names)
        cases.append(("tar entry %r" % (raw or "hard link named a/../../etc/passwd"), d, [".."], None))
    for nm, raw in (("abs", "/abs"), ("abs-etc", "/etc/passwd")):
        d, img = oci(nm, [B.Layer([D("a"), RAW(raw, data=b"abs\n")])])
        names = [m.name for m in tarfile.open(fileobj=io.BytesIO(img.layers[0].tar)).getmembers()]
        t.check(raw in names, "builder: " + nm, "tarfile should show %r: %r" % (raw, names))
        cases.append(("tar entry with the absolute name %s" % raw, d, ["absolute", raw], None))
    d, img = oci("loop-through", [B.Layer([D("loop"), L("loop/a", "b"), L("loop/b", "a")]),
                                  B.Layer([F("loop/a/file", "z")])])
    cases.append(("entry written through a symlink loop", d,
                  ["loop", "levels of symbolic", "symbolic link"], d))
    d, img = oci("parent-file", [B.Layer([F("f", "x")]), B.Layer([F("f/x", "y")])])
    cases.append(("entry whose parent is a file", d, ["not a directory", "is a file", "parent"], d))
    d, img = oci("hardlink-missing", [B.Layer([D("a"), H("a/l", "/a/nothere")])])
    cases.append(("hard link to a file the image does not have", d, ["link", "nothere"], d))
    d, img = oci("index-not-json", [base], lambda d, i: B.set_index(d, b'{"schemaVersion": 2, "manif'))
    cases.append(("index.json is not JSON", d, ["json"], d))
    d, img = oci("config-missing", [base], lambda d, i: B.retarget_config(d, i))
    cases.append(("manifest naming a nonexistent config", d, ["missing", "no such", "not found"], d))
    d, img = oci("no-oci-layout", [base], lambda d, i: os.unlink(os.path.join(d, "oci-layout")))
    cases.append(("no oci-layout file", d, ["oci-layout", "not an", "image"], None))
    empty = c.path("empty-dir")
    os.makedirs(empty)
    cases.append(("an empty directory", empty, ["not an", "image", "index.json", "manifest.json"], None))
    junk = lptest.write_file(c.path("junk.bin"), nasty(5, 4096), 0o644)
    cases.append(("a file of random bytes", junk, ["not", "image", "tar"], None))
    cases.append(("a path that does not exist", c.path("nonexistent.tar"), ["no such", "not exist",
                                                                             "cannot"], None))
    # tarballs
    good_img = B.Image([base, B.Layer([F("etc/motd", nasty(6, 9000))])], refs=["lp/bad:v1"])
    od = B.write_oci_dir(c.path("tb-oci"), [good_img])
    for comp in ("none", "gzip") + (("zstd",) if c.tools["zstd"] else ()):
        tb = B.write_oci_tar(od, c.path("tb-oci-%s.tar" % comp), comp)
        cases.append(("truncated OCI tarball (%s)" % comp, B.truncate_file(tb, tb + ".cut", 0.6),
                      ["truncat", "unexpected end", "missing", "short", "corrupt"], None))
        ds = B.write_docker_save(c.path("tb-ds-%s.tar" % comp), [good_img], comp)
        cases.append(("truncated docker-save tarball (%s)" % comp,
                      B.truncate_file(ds, ds + ".cut", 0.6),
                      ["truncat", "unexpected end", "missing", "short", "corrupt"], None))
    ft = B.write_oci_tar(flipped_oci, c.path("flipped-oci.tar"))
    cases.append(("OCI tarball whose manifest does not match its digest", ft, ["digest", "mismatch"],
                  None))
    # docker-save: a layer.tar that does not match the config's diff_ids (still a valid tar)
    bad_img = B.Image([B.Layer(good)], refs=["lp/bad:v1"])
    other = B.Layer([D("etc"), F("etc/os-release", "ID=XX\n"), D("a"), F("a/big", nasty(1, 6000))])
    bad_img.layers[0].tar, keep = other.tar, bad_img.layers[0].tar
    dsb = B.write_docker_save(c.path("ds-diffid.tar"), [bad_img])
    bad_img.layers[0].tar = keep
    cases.append(("docker-save layer.tar not matching rootfs.diff_ids", dsb,
                  ["digest", "mismatch", "diff_id"], None))
    # docker-save: config file not matching its name (the image ID)
    cfg_img = B.Image([B.Layer(good)], refs=["lp/bad:v1"])
    dsc = c.path("ds-config.tar")
    cfg_img.config = cfg_img.config.replace(b'"amd64"', b'"AMD64"')
    B.write_docker_save(dsc, [cfg_img])
    cases.append(("docker-save config not matching its name", dsc, ["digest", "mismatch"], None))
    # docker-save: manifest.json not JSON, a layer missing
    dsj = B.write_docker_save(c.path("ds-json.tar"), [good_img])
    with tarfile.open(dsj) as tf:
        mem = [(m.name + ("/" if m.isdir() else ""), None if m.isdir() else tf.extractfile(m).read())
               for m in tf.getmembers()]
    for nm, fix, words in (("manifest.json", lambda n, b: b"[{\"Config\": " if n == "manifest.json" else b,
                            ["json"]),
                           ("missing layer.tar", lambda n, b: b"DROP" if n.endswith("/layer.tar") else b,
                            ["missing", "no such", "not found"])):
        members = [(n, fix(n, b)) for n, b in mem]
        members = [(n, b) for n, b in members if b != b"DROP"]
        p = c.path("ds-" + nm.replace(" ", "-") + ".tar")
        with open(p, "wb") as f:
            f.write(B.tar_members(members))
        cases.append(("docker-save " + nm + (" is not JSON" if nm == "manifest.json" else ""), p,
                      words, None))

    # umoci must refuse what it checks (the builders made what they claim)
    if c.tools["umoci"]:
        for label, spec, words, ud in cases:
            if ud is None:
                continue
            rc, err = umoci_unpack(c, label, ud, "lp/bad:v1", want_ok=False)
            t.check(rc != 0, "umoci oracle: " + label, "umoci unpack accepted it")
    for label, spec, words, _ in cases:
        expect_error(c, "corrupt: " + label, spec, words)
    # the same errors through the other commands (one line, exit 2)
    subset = {"missing layer blob", "layer blob bytes do not match its digest",
              "layer of random bytes", "manifest naming a nonexistent config"}
    for label, spec, words, _ in [x for x in cases if x[0] in subset]:
        expect_error(c, "corrupt (image info): " + label, spec, words, ("image", "info", "--json"))
        expect_error(c, "corrupt (image cat): " + label, spec, words, ("image", "cat"), ["/etc/os-release"])
        expect_error(c, "corrupt (inspect --image): " + label, spec, words, ("inspect", "--image"),
                     ["/etc/os-release"])
        if lptest.host_true():
            expect_error(c, "corrupt (deps --image): " + label, spec, words, ("deps", "--image"),
                         [lptest.host_true()])
    # a symlink loop nobody walks through is not an error of the image
    d, img = oci("loop-only", [B.Layer([D("loop"), L("loop/a", "b"), L("loop/b", "a"),
                                        L("self", "self"), F("ok", "ok\n")])])
    rc, out, err = c.lpr(["image", "ls", d], timeout=ERR_TIMEOUT)
    t.check(rc == 0, "symlink loop in the image", "image ls %s: exit %r, want 0 (docs/images.md: a "
            "loop is not an error of the image); stderr %r" % (d, rc, err[:200]))
    for p in ("/loop/a", "/self", "/loop/a/x"):
        rc, out, err = c.cat(d, p)
        t.check(rc == 1, "symlink loop in the image", "image cat %s %s: exit %r, want 1 (ELOOP), "
                "no hang; stderr %r" % (d, p, rc, err[:200]))


# ---------------------------------------------------------------- the matrix


def build_binaries(c, fxdir):
    fx = {}
    try:
        rows = lptest.fixture_rows(fxdir)
    except OSError:
        rows = []
    for key, name in (("go", "app-amd64-cgo0-exe"), ("cgo", "cgolibc-amd64-cgo1-exe"),
                      ("arm64", "app-arm64-cgo0-exe")):
        p = next((r["path"] for r in rows if r["name"] == name and os.path.isfile(r["path"])), None)
        if c.t.check(p is not None, fxdir, "fixture %s not in fixtures.tsv or missing" % name):
            fx[key] = p
    if c.need("glibc C program", "gcc"):
        try:
            fx["glibc-c"] = R.cc(c.path("hello-glibc"), ["hello.c"])
        except R.BuildError as e:
            c.t.fail("glibc C program", str(e))
    if c.need("musl C program", "musl-gcc"):
        try:
            fx["musl-c"] = R.cc(c.path("hello-musl"), ["hello.c"], compiler="musl-gcc")
        except R.BuildError as e:
            c.t.fail("musl C program", str(e))
    return fx


def host_libs(files):
    """Host paths of the libraries the host's ldd finds for FILES (the loader excluded)."""
    out = []
    for p in files:
        rc, o, _ = run(["ldd", p])
        for line in dec(o).split("\n"):
            if "=>" in line:
                lp = line.split("=>", 1)[1].strip().split(" (")[0]
                if lp.startswith("/") and os.path.exists(lp) and lp not in out:
                    out.append(lp)
    return out


def matrix_images(c, fx):
    """{name: {"spec": {layout: path}, "rootfs", "img"}} of the glibc, musl and static images."""
    out = {}
    zstd = bool(c.tools["zstd"])
    etc = [D("etc"), F("etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"),
           F("etc/group", "root:x:0:\nnonroot:x:65532:\n"), F("etc/nsswitch.conf", "hosts: files dns\n"),
           D("tmp", 0o1777), D("home"), D("home/nonroot", 0o700),
           D("etc/ssl"), D("etc/ssl/certs"), F("etc/ssl/certs/ca-certificates.crt", "# none\n")]
    roots = {}
    if R.host_loader() and c.tools["ldd"]:
        G = c.path("glibc-root")
        libs = host_libs([b for b in (fx.get("cgo"), fx.get("glibc-c")) if b])
        R.glibc_root(G, TRIPLET, libs)
        if c.tools["ldconfig"]:
            try:
                R.ldconfig_root(G)
            except R.BuildError as e:
                c.skip("glibc image ld.so.cache", str(e))
        roots["glibc"] = (G, ["/etc/ld.so.cache"])
    else:
        c.skip("glibc image", "no host loader %s or no ldd" % GLIBC_LDSO)
    if R.musl_loader():
        M = c.path("musl-root")
        R.musl_root(M)
        roots["musl"] = (M, [])
    else:
        c.skip("musl image", "no musl loader %s" % MUSL_LDSO)
    S = c.path("static-root")
    os.makedirs(S)
    roots["static"] = (S, [])
    for name, (root, top) in roots.items():
        ents = B.tree_entries(root, skip=set(top) | {"/etc/passwd", "/etc/group"})
        base = etc
        upper = [F(p, open(os.path.join(root, p.lstrip("/")), "rb").read()) for p in top
                 if os.path.exists(os.path.join(root, p.lstrip("/")))]
        upper.append(F("etc/os-release", "ID=lp-%s\n" % name))
        mk = lambda z: B.Image([B.Layer(base, "gzip"), B.Layer(ents, "gzip"),  # noqa: E731
                                B.Layer(upper, "zstd" if z else "none")], refs=["lp/%s:v1" % name])
        img, uimg = mk(zstd), mk(False)
        d = B.write_oci_dir(c.path(name + "-oci"), [img])
        ud = B.write_oci_dir(c.path(name + "-umoci"), [uimg])
        ds = B.write_docker_save(c.path(name + "-ds.tar.gz"), [img], "gzip")
        rootfs = umoci_unpack(c, "%s image: umoci" % name, ud, "lp/%s:v1" % name)
        if rootfs is None:
            continue
        out[name] = {"spec": {"oci-dir": d, "docker-save": ds}, "rootfs": rootfs, "img": img}
        compare_view(c, "%s image, oci-dir" % name, d, read_tree(rootfs))
        compare_view(c, "%s image, docker-save gzip" % name, ds, read_tree(rootfs), cat=False)
    return out


def chroot_runs(c, rootfs, binary):
    """Whether BINARY starts in ROOTFS (chroot; exit 0), or None when chroot is not possible."""
    d = os.path.join(rootfs, ".lptest")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, os.path.basename(binary))
    shutil.copy(binary, dst)
    os.chmod(dst, 0o755)
    try:
        rc, out, err = run(["chroot", rootfs, "/.lptest/" + os.path.basename(binary)], timeout=20)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return rc == 0, dec(err).strip()[-200:]


def elf_goarch(path):
    data = lptest.first_bytes(path, 20)
    return MACHINES.get(int.from_bytes(data[18:20], "little")) if len(data) == 20 else None


EXPECT = {  # binary -> image -> set of accepted results ("runs" or reasons)
    "go": {"glibc": {"runs"}, "musl": {"runs"}, "static": {"runs"}},
    "cgo": {"glibc": {"runs"}, "musl": {"libc-mismatch"}, "static": {"interpreter-missing"}},
    "glibc-c": {"glibc": {"runs"}, "musl": {"libc-mismatch"}, "static": {"interpreter-missing"}},
    "musl-c": {"glibc": MUSL_ON_GLIBC, "musl": {"runs"}, "static": {"interpreter-missing"}},
    "arm64": {"glibc": {"wrong-architecture"}, "musl": {"wrong-architecture"},
              "static": {"wrong-architecture"}},
}


def compat_section(c, fx, imgs):
    t = c.t
    names = [n for n in ("glibc", "musl", "static") if n in imgs]
    bkeys = [k for k in ("go", "cgo", "glibc-c", "musl-c", "arm64") if k in fx]
    if not names or not bkeys:
        c.skip("compat", "no images or binaries")
        return
    # oracle: chroot (does it start?) and e_machine (architecture)
    can_chroot = c.tools["chroot"] and os.geteuid() == 0
    if not can_chroot:
        c.skip("compat chroot oracle", "chroot as root not possible")
    for b in bkeys:
        for n in names:
            want = EXPECT[b][n]
            arch = elf_goarch(fx[b])
            if b == "arm64" or arch != "amd64":
                t.check((arch != imgs[n]["img"].arch) == (want == {"wrong-architecture"}),
                        "compat oracle", "%s is %s, image %s is %s: expected %s" % (
                            fx[b], arch, n, imgs[n]["img"].arch, want))
            elif can_chroot:
                ran, why = chroot_runs(c, imgs[n]["rootfs"], fx[b])
                t.check(ran == (want == {"runs"}), "compat oracle: chroot", "%s in %s image: chroot "
                        "says %s (%s), expected %s" % (b, n, "runs" if ran else "fails", why, want))
    for layout in ("oci-dir", "docker-save"):
        specs = [imgs[n]["spec"][layout] for n in names]
        bins = [fx[b] for b in bkeys]
        args = ["compat", "--json"]
        for s in specs:
            args += ["--image", s]
        rc, out, err = c.lpr(args + bins, timeout=120)
        label = "compat --json (%s)" % layout
        j = lptest.load_json(out)
        if not t.check(isinstance(j, dict), label, "exit %r, stdout %r, stderr %r"
                       % (rc, dec(out)[:300], err[:300])):
            continue
        t.check(all(k in j for k in ("schema_version", "command", "images", "paths", "results", "ok")), label,
                "keys %s" % sorted(j))
        ims = j.get("images") or []
        t.eq(label, "images[].image", specs, [x.get("image") for x in ims if isinstance(x, dict)])
        t.eq(label, "images[] ref/os/architecture",
             [("lp/%s:v1" % n, "linux", "amd64") for n in names],
             [(x.get("ref"), x.get("os"), x.get("architecture")) for x in ims if isinstance(x, dict)])
        t.eq(label, "paths", bins, j.get("paths"))
        res = [r for r in (j.get("results") or []) if isinstance(r, dict)]
        t.eq(label, "number of results", len(bins) * len(specs), len(res))
        cell = {(r.get("path"), r.get("image")): r for r in res}
        allrun = True
        for b in bkeys:
            for n in names:
                r = cell.get((fx[b], imgs[n]["spec"][layout]))
                want = EXPECT[b][n]
                allrun = allrun and want == {"runs"}
                if not t.check(r is not None, label, "no result for %s on %s" % (b, n)):
                    continue
                got = "runs" if r.get("runs") is True else cell_reason(r)
                t.check(got in want and (r.get("runs") is True) == (cell_reason(r) is None),
                        label, "%s on %s image: %s (runs %r, finding %r), want %s"
                        % (b, n, got, r.get("runs"), r.get("findings"), sorted(want)))
                t.check((cell_text(r) is None) == (r.get("runs") is True) and r.get("error") is None, label,
                        "%s on %s: a finding (with its message) exactly when it does not run, no error: %r"
                        % (b, n, r))
        t.eq(label, "ok", allrun, j.get("ok"))
        t.eq(label, "exit status", 0 if allrun else 1, rc)
        # text table
        rc2, out2, err2 = c.lpr(args[:1] + args[2:] + bins, timeout=120)
        lines = dec(out2).split("\n")
        rows = [l.split() for l in lines[1:1 + len(bins)]]
        bad = []
        for b, row in zip(bkeys, rows):
            for n, tok in zip(names, row[-len(names):]):
                if tok not in EXPECT[b][n]:
                    bad.append((b, n, tok))
        nfail = sum(1 for b in bkeys for n in names if EXPECT[b][n] != {"runs"})
        details = [l for l in lines[1 + len(bins):] if l.strip()]
        t.check(rc2 == rc and len(rows) == len(bins) and not bad and len(details) == nfail,
                "compat text (%s)" % layout, "exit %r; want a header, %d rows with cells %s, %d detail "
                "lines; bad cells %s; got:\n%s" % (rc2, len(bins), names, nfail, bad, dec(out2)[:1500]))
    # all-runs and error exits
    if "go" in fx:
        args = ["compat"]
        for n in names:
            args += ["--image", imgs[n]["spec"]["oci-dir"]]
        rc, out, err = c.lpr(args + [fx["go"]])
        t.check(rc == 0, "compat: static Go everywhere", "exit %r, want 0; %s %s" % (rc, dec(out)[:300], err[:200]))
        expect_error(c, "compat: an image that does not exist", c.path("nope.tar"), [],
                     ("compat", "--image"), [fx["go"]])
        rc, out, err = c.lpr(["compat", "--image", imgs[names[0]]["spec"]["oci-dir"],
                              c.path("no-binary")])
        t.check(rc == 2, "compat: a binary that does not exist", "exit %r, want 2" % rc)
        rc, out, err = c.lpr(["compat", fx["go"]])
        t.check(rc == 2, "compat: no --image", "exit %r, want 2 (usage)" % rc)


def deps_key(j):
    objs = [(o.get("name"), o.get("found"), o.get("path"), o.get("realpath"), o.get("rule"),
             o.get("depth"), o.get("parent"), o.get("soname"), o.get("needed"))
            for o in (j.get("objects") or []) if isinstance(o, dict)]
    probs = sorted((p.get("id"), p.get("severity"), p.get("object"))
                   for p in (j.get("findings") or []) if isinstance(p, dict))
    top = {k: j.get(k) for k in ("path", "static", "interpreter", "binary_libc", "root_libc",
                                 "versions_checked", "ld_so_cache", "hwcaps", "ok")}
    return top, objs, probs


def deps_section(c, fx, imgs):
    t = c.t
    for n, im in imgs.items():
        for b in ("cgo", "glibc-c", "musl-c", "go"):
            if b not in fx:
                continue
            rc0, out0, err0 = c.lpr(["deps", "--json", "--root", im["rootfs"], fx[b]])
            j0 = lptest.load_json(out0)
            if not t.check(rc0 in (0, 1) and isinstance(j0, dict), "deps --root oracle",
                           "deps --root %s %s: exit %r %s" % (im["rootfs"], fx[b], rc0, err0[:300])):
                continue
            for layout, spec in im["spec"].items():
                label = "deps --image (%s image, %s, %s)" % (n, layout, b)
                rc, out, err = c.lpr(["deps", "--json", "--image", spec, fx[b]])
                j = lptest.load_json(out)
                if not t.check(isinstance(j, dict), label, "exit %r, stdout %r, stderr %r"
                               % (rc, dec(out)[:200], err[:300])):
                    continue
                t.eq(label, "exit status (deps --root)", rc0, rc)
                k0, k1 = deps_key(j0), deps_key(j)
                t.eq(label, "top-level facts (deps --root of umoci's tree)", k0[0], k1[0])
                t.eq(label, "objects: name, found, path, realpath, rule, depth, parent, soname, "
                     "needed (deps --root)", k0[1], k1[1])
                t.eq(label, "problems: kind, severity, object (deps --root)", k0[2], k1[2])
        # the image's own loader, run in a chroot of umoci's tree (as deps_cli does for --root)
        loader = {"glibc": GLIBC_LDSO, "musl": MUSL_LDSO}.get(n)
        for b in {"glibc": ("cgo", "glibc-c"), "musl": ("musl-c",)}.get(n, ()):
            if b not in fx or not (c.tools["chroot"] and os.geteuid() == 0):
                continue
            oname = "chroot %s --list" % loader
            o = DC.Ctx(t, c.lp).chroot_list(im["rootfs"], loader, fx[b])
            if o is None:
                continue
            args = ["deps", "--json", "--image", im["spec"]["oci-dir"], fx[b]]
            rc, out, err = c.lpr(args)
            j = lptest.load_json(out)
            label = "deps --image (%s image, %s) vs %s" % (n, b, oname)
            if t.check(isinstance(j, dict) and isinstance(j.get("objects"), list), label,
                       "exit %r, stdout %r" % (rc, dec(out)[:200])):
                j["_rc"], j["_cmd"] = rc, "linkproof " + " ".join(args)
                t.check(not o["fatal"] and o["map"], "deps oracle", "%s of %s failed: %r"
                        % (oname, fx[b], o))
                DC.compare_oracle(c, label, j, o, "musl ldd" if n == "musl" else oname)
        if "cgo" in fx and n == "glibc":
            rc, out, err = c.lpr(["deps", "--json", "--image", im["spec"]["oci-dir"], fx["cgo"]])
            j = lptest.load_json(out) or {}
            libc = next((o for o in j.get("objects") or [] if o.get("name") == "libc.so.6"), {})
            t.eq("deps --image glibc, cgo", "libc.so.6 path", "/lib/%s/libc.so.6" % TRIPLET,
                 libc.get("path"))
            t.eq("deps --image glibc, cgo", "interpreter",
                 {"name": GLIBC_LDSO, "path": "/lib/%s/ld-linux-x86-64.so.2" % TRIPLET, "found": True},
                 j.get("interpreter"))
        if n == "glibc":
            # --in-image: a binary of the image itself, against deps --root with that file
            inside = "/lib/%s/libc.so.6" % TRIPLET
            label = "deps --image --in-image (glibc image, %s)" % inside
            rc0, out0, _ = c.lpr(["deps", "--json", "--root", im["rootfs"],
                                  os.path.join(im["rootfs"], inside.lstrip("/"))])
            rc, out, err = c.lpr(["deps", "--json", "--image", im["spec"]["oci-dir"], "--in-image",
                                  inside])
            j0, j = lptest.load_json(out0), lptest.load_json(out)
            if t.check(isinstance(j0, dict) and isinstance(j, dict), label,
                       "exit %r/%r, stderr %r" % (rc0, rc, err[:300])):
                t.eq(label, "exit status (deps --root)", rc0, rc)
                k0, k1 = deps_key(j0), deps_key(j)
                drop = lambda objs: [o[1:] for o in objs]  # noqa: E731 (the name given differs)
                t.eq(label, "objects (deps --root of the same file)", drop(k0[1]), drop(k1[1]))
                t.eq(label, "problems (deps --root)", k0[2], k1[2])
                t.eq(label, "objects[0].path", inside, (j.get("objects") or [{}])[0].get("path"))
            rc, out, err = c.lpr(["deps", "--image", im["spec"]["oci-dir"], "--in-image",
                                  "/no/such/file"])
            t.eq("deps --in-image of a missing path", "exit status", 2, rc)


def inspect_section(c, fx):
    t = c.t
    files = {k: fx[k] for k in ("go", "cgo", "arm64") if k in fx}
    if not files:
        return
    ents = [D("usr"), D("usr/local"), D("usr/local/bin")]
    inside = {}
    for k, p in files.items():
        with open(p, "rb") as f:
            ents.append(F("usr/local/bin/" + k, f.read(), 0o755))
        inside[k] = "/usr/local/bin/" + k
    ents.append(L("app", "usr/local/bin/go"))
    inside["link"] = "/app"
    files["link"] = files.get("go")
    img = B.Image([B.Layer([D("etc"), F("etc/os-release", "ID=lp\n")]), B.Layer(ents, "gzip")],
                  refs=["lp/apps:v1"])
    d = B.write_oci_dir(c.path("apps-oci"), [img])
    ds = B.write_docker_save(c.path("apps-ds.tar"), [img])
    ot = B.write_oci_tar(d, c.path("apps-oci.tar.gz"), "gzip", dot=True)
    for spec in (d, ds, ot):
        for k, ip in inside.items():
            if not files.get(k):
                continue
            label = "inspect --image %s %s" % (spec, ip)
            rc0, out0, _ = c.lpr(["inspect", "--json", files[k]])
            rc, out, err = c.lpr(["inspect", "--image", spec, "--json", ip])
            j0, j = lptest.load_json(out0), lptest.load_json(out)
            if not t.check(isinstance(j, dict) and isinstance(j0, dict), label,
                           "exit %r, stdout %r, stderr %r" % (rc, dec(out)[:200], err[:300])):
                continue
            t.eq(label, "exit status (inspect FILE)", rc0, rc)
            t.eq(label, "path", "%s:%s" % (spec, ip), j.get("path"))
            a = {k2: v for k2, v in j0.items() if k2 != "path"}
            b = {k2: v for k2, v in j.items() if k2 != "path"}
            diff = sorted(k2 for k2 in set(a) | set(b) if a.get(k2, "(absent)") != b.get(k2, "(absent)"))
            t.check(not diff, label, "keys differing from inspect %s --json: %s" % (files[k], diff))
            rc, out, err = c.cat(spec, ip)
            with open(files[k], "rb") as f:
                t.check(rc == 0 and out == f.read(), label, "image cat: exit %r, %d bytes, want the "
                        "fixture's bytes" % (rc, len(out)))
        # several paths: one JSON object per path, in order
        ips = [inside[k] for k in ("go", "arm64") if k in inside]
        rc, out, err = c.lpr(["inspect", "--image", spec, "--json"] + ips)
        objs = [lptest.load_json(l) for l in dec(out).split("\n") if l.strip()]
        t.eq("inspect --image %s, several paths" % spec, "paths",
             ["%s:%s" % (spec, p) for p in ips], [o.get("path") if isinstance(o, dict) else o for o in objs])
        rc, out, err = c.lpr(["inspect", "--image", spec, "--json", "/no/such/file"])
        t.check(rc == 2, "inspect --image, missing path", "inspect --image %s /no/such/file: exit %r, "
                "want 2 (as inspect of a missing file)" % (spec, rc))


# ---------------------------------------------------------------- main


def section(c, name, fn, *args):
    """Run a section; an exception in it (a bug here, or output of an unexpected shape) is
    a failed check, not a crash."""
    try:
        return fn(c, *args)
    except (B.BuildError, R.BuildError) as e:
        c.t.fail(name, "build failed: %s" % e)
    except Exception:  # noqa: BLE001
        c.t.fail(name, "the test raised:\n%s" % traceback.format_exc()[-1500:])
    return None


def main(fxdir, tally):
    if os.uname().machine != "x86_64":
        print("image_cli: written for x86-64 hosts, this is %s: skipped" % os.uname().machine)
        return lptest.SKIP
    lp = lptest.lp_bin()
    if not tally.check(os.access(lp, os.X_OK), lp, "LP_BIN is not executable"):
        return tally.abort()
    with tempfile.TemporaryDirectory(prefix="lp-image-") as T:
        c = Ctx(tally, lp, os.path.realpath(T))
        c.need("zstd layers and tarballs", "zstd")
        if os.geteuid() != 0:
            c.skip("umoci oracle", "umoci unpack needs root (ownership, device nodes)")
        elif c.need("umoci oracle", "umoci"):
            section(c, "rules", rules_section)
            section(c, "hard link mode", hardmode_section)
            section(c, "umoci-built image", umoci_built_section)
            section(c, "selection", selection_section)
        fx = section(c, "binaries", build_binaries, fxdir) or {}
        if os.geteuid() == 0 and c.tools["umoci"]:
            section(c, "multi-platform", multi_section, fx)
        section(c, "corruptions", corrupt_section)
        if os.geteuid() == 0 and c.tools["umoci"]:
            imgs = section(c, "matrix images", matrix_images, fx) or {}
            section(c, "compat", compat_section, fx, imgs)
            section(c, "deps --image", deps_section, fx, imgs)
        section(c, "inspect --image", inspect_section, fx)
        if c.skipped:
            print("note: %d case(s) skipped (not counted as passed)" % c.skipped)
    return tally.finish("image_cli")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
