#!/usr/bin/env python3
"""linkproof's own image (`make image`, scripts/make-image.py) against OCI tools.

  * scripts/make-image.py writes an OCI layout and an OCI tarball of the static binary;
    twice with the same SOURCE_DATE_EPOCH they are the same bytes (reproducible), with
    another one the created annotation follows it;
  * umoci (the oracle) unpacks the layout: the rootfs holds only /linkproof, the same
    bytes as the binary, mode 0755; umoci's runtime config runs ["/linkproof"];
    `umoci stat` lists one layer, whose digest `linkproof image info` also reports;
    `linkproof image ls` on the layout and on the tarball lists what umoci unpacked
    (paths, modes, sizes);
  * skopeo (a second oracle, when installed) reads the manifest: its digest is the one
    `linkproof image info` gives, its annotations are the standard OCI ones (version =
    `linkproof --version`, revision = git HEAD, source, created = SOURCE_DATE_EPOCH in
    RFC 3339), its config's Entrypoint is ["/linkproof"] and it is linux/amd64 (or the
    host's architecture);
  * `linkproof compat` on the layout and on the tarball (by tag): "runs" for the static
    binary; the dynamic build's interpreter-missing shows the check can fail;
  * the binary from umoci's rootfs runs there: chroot ROOTFS /linkproof --version and
    /linkproof inspect /linkproof.

Prints "N passed, M failed" last.
"""

import datetime
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
import static_util as su  # noqa: E402

SDE = 1700000000  # 2023-11-14T22:13:20Z


def make_image(sbin, layout, tarball, sde):
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(sde))
    return su.run([sys.executable, os.path.join(su.source_root(), "scripts", "make-image.py"),
                   "--binary", sbin, "--layout", layout, "--tarball", tarball], env=env)


def sha_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def chroot_argv(root, argv):
    if os.geteuid() == 0:
        return ["chroot", root] + argv
    return ["unshare", "-r", "chroot", root] + argv


def main():
    t = lptest.Tally()
    ctx = lptest.ToolCtx(t, None, ["umoci", "skopeo", "git"])
    lp = os.path.abspath(lptest.lp_bin())
    try:
        sbin = os.path.abspath(su.static_bin(lp))
    except su.BuildError as e:
        t.fail("static build", str(e))
        return t.finish("static_image")
    st, ver_out, _ = su.run([sbin, "--version"])
    version = ver_out.split()[-1] if ver_out.split() else "?"
    with tempfile.TemporaryDirectory(prefix="lp-static-image-") as tmp:
        os.chmod(tmp, 0o755)
        layout, tarball = os.path.join(tmp, "oci"), os.path.join(tmp, "linkproof-oci.tar")
        st, out, err = make_image(sbin, layout, tarball, SDE)
        if not t.check(st == 0 and os.path.isfile(tarball), "make-image.py", "exit %s: %s" % (st, err[-500:])):
            return t.finish("static_image")
        print(out.strip(), flush=True)
        # reproducible
        st2, _, err2 = make_image(sbin, layout + "2", tarball + "2", SDE)
        t.check(st2 == 0 and sha_file(tarball) == sha_file(tarball + "2"),
                "the same SOURCE_DATE_EPOCH gives the same tarball", err2[-300:])
        make_image(sbin, layout + "3", tarball + "3", SDE + 86400)
        t.check(sha_file(tarball) != sha_file(tarball + "3"), "another SOURCE_DATE_EPOCH, another image",
                "same digest")

        # linkproof's own reading
        st, info, err = su.run([sbin, "image", "info", "--json", layout])
        try:
            info_doc = json.loads(info)
        except ValueError:
            info_doc = {}
        t.check(st == 0 and info_doc, "image info --json", "exit %s %r" % (st, (info + err)[:300]))
        info_text = json.dumps(info_doc)
        st, ls_dir, err = su.run([sbin, "image", "ls", layout])
        t.check(st == 0, "image ls LAYOUT", err[:300])
        st, ls_tar, err = su.run([sbin, "image", "ls", "%s:%s" % (tarball, version)])
        t.check(st == 0 and ls_tar == ls_dir, "image ls TARBALL:TAG lists what the layout lists",
                "%r vs %r %s" % (ls_tar[:200], ls_dir[:200], err[:200]))
        lines = [ln.split() for ln in ls_dir.splitlines() if ln.strip()]
        t.check([ln[-1] for ln in lines] == ["/linkproof"], "image ls: /linkproof only", ls_dir[:300])

        # umoci: unpack, compare
        if ctx.need("umoci unpack", "umoci"):
            bundle = os.path.join(tmp, "bundle")
            st, out, err = su.run(["umoci", "unpack", "--image", "%s:%s" % (layout, version), bundle])
            if t.check(st == 0, "umoci unpack", err[-400:]):
                rootfs = os.path.join(bundle, "rootfs")
                t.eq("umoci rootfs", "entries", ["linkproof"], sorted(os.listdir(rootfs)))
                rp = os.path.join(rootfs, "linkproof")
                t.check(sha_file(rp) == sha_file(sbin), "umoci's /linkproof is the static binary", rp)
                mode = stat.S_IMODE(os.stat(rp).st_mode)
                for ln in lines:
                    if ln[-1] == "/linkproof":
                        t.eq("image ls against umoci", "mode size", "%04o %d" % (mode, os.path.getsize(rp)),
                             "%s %s" % (ln[1], ln[2]))
                with open(os.path.join(bundle, "config.json")) as f:
                    rcfg = json.load(f)
                t.eq("umoci runtime config", "process.args", ["/linkproof"], rcfg.get("process", {}).get("args"))
                st, out, err = su.run(["umoci", "stat", "--image", "%s:%s" % (layout, version), "--json"])
                try:
                    hist = json.loads(out)["history"]
                    layer_digest = hist[0]["layer"]["digest"]
                except (ValueError, KeyError, IndexError, TypeError):
                    hist, layer_digest = [], None
                t.check(st == 0 and len(hist) == 1 and layer_digest and layer_digest in info_text,
                        "umoci stat: one layer, the digest image info reports", "%r / %r" % (out[:300], info_text[:300]))
                # the binary from the unpacked rootfs runs there
                st, out, err = su.run(chroot_argv(rootfs, ["/linkproof", "--version"]))
                t.check(st == 0 and out == ver_out, "chroot rootfs /linkproof --version", "exit %s %r" % (st, err[:200]))
                st, out, err = su.run(chroot_argv(rootfs, ["/linkproof", "inspect", "--json", "/linkproof"]))
                ok = False
                try:
                    ok = st == 0 and json.loads(out.splitlines()[0])["linkage"]["static"] is True
                except (ValueError, IndexError, KeyError, TypeError):
                    pass
                t.check(ok, "chroot rootfs /linkproof inspect /linkproof", "exit %s %r" % (st, (out + err)[:300]))

        # skopeo: manifest, annotations, config
        if ctx.need("skopeo inspect", "skopeo"):
            ref = "oci:%s:%s" % (layout, version)
            st, raw, err = su.run(["skopeo", "inspect", "--raw", ref])
            try:
                man = json.loads(raw)
            except ValueError:
                man = {}
            t.check(st == 0 and man, "skopeo inspect --raw", err[-300:])
            st, out, err = su.run(["skopeo", "inspect", ref])
            try:
                digest = json.loads(out)["Digest"]
            except (ValueError, KeyError):
                digest = None
            t.check(digest and digest in info_text, "skopeo's manifest digest is the one image info reports",
                    "%r / %r" % (digest, info_text[:300]))
            ann = man.get("annotations", {})
            want_created = datetime.datetime.fromtimestamp(SDE, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            t.eq("annotations", "org.opencontainers.image.version", version, ann.get("org.opencontainers.image.version"))
            t.eq("annotations", "org.opencontainers.image.created", want_created,
                 ann.get("org.opencontainers.image.created"))
            t.check(ann.get("org.opencontainers.image.source", "").startswith(("https://", "http://", "git@")),
                    "annotations: source is a URL", ann.get("org.opencontainers.image.source"))
            head = None
            if ctx.tools.get("git"):
                p = subprocess.run(["git", "-C", su.source_root(), "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
                head = p.stdout.decode().strip() if p.returncode == 0 else None
            if head:
                t.check(ann.get("org.opencontainers.image.revision", "").split("-")[0] == head,
                        "annotations: revision is git HEAD", "%r vs %r" % (ann.get("org.opencontainers.image.revision"), head))
            st, out, err = su.run(["skopeo", "inspect", "--config", ref])
            try:
                cfg = json.loads(out)
            except ValueError:
                cfg = {}
            t.eq("skopeo config", "Entrypoint", ["/linkproof"], cfg.get("config", {}).get("Entrypoint"))
            t.eq("skopeo config", "created", want_created, cfg.get("created"))
            t.eq("skopeo config", "os/architecture", "linux/amd64" if os.uname().machine == "x86_64" else
                 "linux/" + str(cfg.get("architecture")), "%s/%s" % (cfg.get("os"), cfg.get("architecture")))
            t.eq("skopeo", "layers", 1, len(man.get("layers", [])))

        # compat on the image (layout and tarball by tag)
        st, out, err = su.run([sbin, "compat", "--json", "--image", layout, "--image",
                               "%s:%s" % (tarball, version), sbin, lp])
        try:
            res = {(r["path"], r["image"]): r for r in json.loads(out)["results"]}
        except (ValueError, KeyError, TypeError):
            res = {}
        t.check(st == 1 and res, "compat on the image (exit 1: the dynamic build does not run there)",
                "exit %s %r" % (st, (out + err)[:300]))
        for img in (layout, "%s:%s" % (tarball, version)):
            r = res.get((sbin, img)) or res.get((sbin, img.split(":")[0])) or {}
            t.check(r.get("runs") is True, "compat: the static binary runs in its image (%s)" % os.path.basename(img),
                    r)
            r = res.get((lp, img)) or res.get((lp, img.split(":")[0])) or {}
            ids = [f.get("id") for f in r.get("findings") or []]
            t.check(r.get("runs") is False and "interpreter-missing" in ids,
                    "control: compat says the dynamic build cannot start there (%s)" % os.path.basename(img), r)
    return t.finish("static_image")


if __name__ == "__main__":
    sys.exit(main())
