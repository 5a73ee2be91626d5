#!/usr/bin/env python3
"""`linkproof scan` and `--image` on every per-file command, against oracles.

  * scan DIR against `go version -m DIR` (Go's own walk) over the fixtures and the
    corpus (LP_CORPUS_LIST: npm packages and Debian packages unpacked with dpkg-deb):
    the same set of Go executables (Go reports executable files, symbolic links to
    files included; scan reports regular files whatever their mode and does not
    follow links, so the comparison is over executable regular files), the same Go
    version, main module and version for each;
  * -j 1, -j 4 and the default give byte-identical JSON (records in walk order);
  * scan --root DIR reports paths inside DIR, the same binaries as scan DIR;
  * scan --image of images written here (two layers, a whiteout that deletes a binary,
    a symbolic link, a FIFO in the tree, gzip and zstd layers) against `go version -m`
    over umoci's unpacked rootfs: the same set of image paths and versions;
  * a tree with a FIFO, a symbolic link loop and a link out of the tree: nothing hangs,
    nothing outside is read;
  * scan --procs on server fixtures started here: one present (two processes: one
    record, both pids), one deleted after start and one replaced after start, each
    read through /proc/PID/exe with the build info `go version -m` gave for the file
    that was started;
  * memory: max RSS of scan over 20,000 files is within a small margin of its max
    RSS over 2,000 (memory does not grow with the number of files; nothing about time);
  * --image on inspect, check, fingerprint, funcs, pkgs, buildinfo, diff and registry
    add: the same answer as the same command on the file umoci unpacked (names
    IMAGE:PATH mapped back to the host path).

Environment: LP_BIN, LP_FIXTURES (required, else exit 77), LP_CORPUS_LIST, GO.
The last line is "N passed, M failed".
"""

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import image_build as B  # noqa: E402
import lptest  # noqa: E402

RUNNER = lptest.Runner(600, drop=("NO_COLOR", "LINKPROOF_LIMITS"))
run = RUNNER.run
dec = lptest.dec


def scan_json(lp, args, t, what, want_rc=(0,)):
    rc, out, err = run([lp, "scan", "--json"] + list(args))
    t.check(rc in want_rc, what, "exit %r (stderr %r)" % (rc, dec(err)[-300:]))
    docs = []
    for line in dec(out).splitlines():
        try:
            docs.append(json.loads(line))
        except ValueError:
            t.fail(what, "not JSON: %r" % line[:200])
    return docs, out


def go_version_m(go, path):
    """{path: (go version, main path, main version)} of what `go version -m PATH` prints."""
    rc, out, err = run([go, "version", "-m", path])
    res = {}
    cur = None
    for line in dec(out).splitlines():
        if not line.startswith("\t"):
            p, _, v = line.rpartition(": ")
            cur = p
            res[cur] = [v.strip(), None, None]
        elif cur and line.startswith("\tmod\t"):
            f = line.split("\t")
            res[cur][1] = f[2]
            res[cur][2] = f[3] if len(f) > 3 else ""
        elif cur and line.startswith("\tpath\t") and res[cur][1] is None:
            pass
    return {k: tuple(v) for k, v in res.items()}


def ours(docs, key="found"):
    """{found.path: (go version, main path, main version)} of records with build info."""
    res = {}
    for d in docs:
        g = d.get("go")
        if not g or g.get("version_source") != "buildinfo":
            continue
        m = g.get("main") or {}
        res[d["found"]["path"]] = (g["version"], m.get("path"), m.get("version"))
    return res


def exec_regular(path):
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_mode & 0o111


def compare_go(t, what, go_map, our_map, keep):
    """go's and our maps over the paths keep() accepts: same keys, same values."""
    g = {k: v for k, v in go_map.items() if keep(k)}
    o = {k: v for k, v in our_map.items() if keep(k)}
    t.check(set(g) == set(o), what, "go only: %s; scan only: %s"
            % (sorted(set(g) - set(o))[:5], sorted(set(o) - set(g))[:5]))
    for k in sorted(set(g) & set(o)):
        if g[k] != o[k]:
            t.fail(what, "%s: go version -m %r, scan %r" % (k, g[k], o[k]))
            break
    else:
        t.ok()
    return len(g)


def corpus_dirs(t):
    """The directories holding the corpus binaries (their package roots), or []."""
    lst = os.environ.get("LP_CORPUS_LIST", "")
    dirs = set()
    if lst and os.path.exists(lst):
        for line in open(lst):
            p = line.split(" ")[0].strip()
            if not p:
                continue
            # .../CACHE/NAME/package/... or .../CACHE/debian-X/root/...
            parts = p.split("/")
            for marker in ("package", "root"):
                if marker in parts[:-1]:
                    # the last one: the cache itself may be under /root
                    k = len(parts) - 1 - parts[::-1].index(marker)
                    dirs.add("/".join(parts[:k + 1]))
                    break
    return sorted(d for d in dirs if os.path.isdir(d))


def section_dirs(t, lp, go, fx, tmp):
    # ---- the fixtures and the corpus, against go version -m
    targets = [fx] + corpus_dirs(t)
    if len(targets) == 1:
        print("note: no corpus (LP_CORPUS_LIST empty): scan compared on the fixtures only")
    n = 0
    for d in targets:
        docs, _ = scan_json(lp, [d], t, "scan " + d)
        n += compare_go(t, "scan %s = go version -m" % d, go_version_m(go, d), ours(docs), exec_regular)
    print("note: %d Go executables compared with go version -m in %d directories" % (n, len(targets)))
    t.check(n >= 20, "scan vs go version -m", "only %d Go executables compared" % n)

    # ---- --identity: the same binaries with the same identity, no function table, no -X
    full, _ = scan_json(lp, targets, t, "scan (all)")
    ident, _ = scan_json(lp, ["--identity"] + targets, t, "scan --identity")
    t.check([x["found"]["path"] for x in ident] == [x["found"]["path"] for x in full] and ours(ident) == ours(full),
            "scan --identity", "not the same binaries or identities as scan")
    t.check(all(x["x_vars"] is None for x in ident) and any(x["x_vars"] is not None for x in full),
            "scan --identity", "x_vars read (or never read without --identity)")

    # ---- -j 1, -j 4, default: the same bytes
    outs = []
    for j in (["-j", "1"], ["-j", "4"], []):
        _, out = scan_json(lp, j + targets, t, "scan %s" % " ".join(j))
        outs.append(out)
    t.check(outs[0] == outs[1] == outs[2] and outs[0], "scan -j 1 / -j 4 / default",
            "outputs differ (%d, %d, %d bytes)" % tuple(len(o) for o in outs))

    # ---- --all-objects: every object, Go or not (a C library is reported, not Go)
    libc = lptest.host_libc()
    if libc:
        d = os.path.join(tmp, "objs")
        os.makedirs(d)
        shutil.copy(libc, os.path.join(d, "libc.so"))
        shutil.copy(os.path.join(fx, "app-amd64-cgo0-exe"), os.path.join(d, "app"))
        docs, _ = scan_json(lp, [d], t, "scan objs")
        t.check([x["found"]["path"] for x in docs] == [d + "/app"], "scan: Go only",
                "records %r" % [x["found"]["path"] for x in docs])
        docs, _ = scan_json(lp, ["--all-objects", d], t, "scan --all-objects")
        t.check([(x["found"]["path"], x["go"] is not None) for x in docs] == [(d + "/app", True), (d + "/libc.so", False)],
                "scan --all-objects", "records %r" % [(x["found"]["path"], x["go"] is not None) for x in docs])

    # ---- --root DIR: paths inside the root
    docs_r, _ = scan_json(lp, ["--root", fx], t, "scan --root")
    docs_p, _ = scan_json(lp, [fx], t, "scan fixtures")
    want = [x["found"]["path"][len(fx):] for x in docs_p]
    got = [x["found"]["path"] for x in docs_r]
    t.check(got == want and all(x["found"]["origin"] == "root" and x["found"]["in"] == fx for x in docs_r),
            "scan --root", "paths %r, want %r" % (got[:3], want[:3]))

    # ---- hostile tree: a FIFO, a link loop, a link out of the tree, a link to a binary
    h = os.path.join(tmp, "hostile")
    os.makedirs(os.path.join(h, "sub"))
    os.mkfifo(os.path.join(h, "fifo"))
    os.symlink("loop", os.path.join(h, "loop"))
    out_dir = os.path.join(tmp, "outside")
    os.makedirs(out_dir)
    shutil.copy(os.path.join(fx, "app-amd64-cgo0-exe"), os.path.join(out_dir, "secret"))
    os.symlink(out_dir, os.path.join(h, "out"))
    os.symlink(os.path.join(out_dir, "secret"), os.path.join(h, "outfile"))
    shutil.copy(os.path.join(fx, "app-amd64-cgo0-exe"), os.path.join(h, "sub", "app"))
    os.symlink("sub/app", os.path.join(h, "applink"))
    t0 = time.time()
    docs, _ = scan_json(lp, [h], t, "scan hostile tree")
    t.check([x["found"]["path"] for x in docs] == [h + "/sub/app"], "scan: links not followed, FIFO skipped",
            "records %r" % [x["found"]["path"] for x in docs])
    t.check(time.time() - t0 < 60, "scan hostile tree", "hung on the FIFO")


def umoci_rootfs(t, tmp, ocidir, tag):
    bundle = os.path.join(tmp, "bundle-" + tag)
    rc, _, err = run(["umoci", "unpack", "--image", "%s:%s" % (ocidir, tag), bundle])
    if not t.check(rc == 0, "umoci unpack", "exit %r: %s" % (rc, dec(err)[-300:])):
        return None
    return os.path.join(bundle, "rootfs")


def section_image(t, lp, go, fx, tmp):
    if not shutil.which("umoci"):
        print("SKIP scan --image oracle: umoci not installed")
        return None
    rd = lambda n: open(os.path.join(fx, n), "rb").read()  # noqa: E731
    l1 = B.Layer([B.D("usr/"), B.D("usr/bin/"), B.F("usr/bin/app", rd("app-amd64-cgo0-exe"), 0o755),
                  B.F("usr/bin/gone", rd("server-amd64-cgo0-exe"), 0o755),
                  B.F("usr/lib/x.so", rd("cgolibc-amd64-cgo1-c-shared.so"), 0o755),
                  B.F("etc/readme", b"hello\n", 0o644), B.L("usr/bin/link", "app"),
                  B.D("opt/")], "gzip")
    l2 = B.Layer([B.F("opt/arm/app", rd("app-arm64-cgo0-exe"), 0o755), B.WH("usr/bin/gone"),
                  B.F("opt/tiny", b"\x7fE", 0o755), B.H("opt/hard", "usr/bin/app")], "gzip")
    img = B.Image([l1, l2], "amd64", "linux", None, ["t1"])
    oci = B.write_oci_dir(os.path.join(tmp, "img-oci"), [img])
    rootfs = umoci_rootfs(t, tmp, oci, "t1")
    if not rootfs:
        return None
    gm = go_version_m(go, rootfs)
    gm = {k[len(rootfs):]: v for k, v in gm.items() if exec_regular(k)}
    images = {"oci-dir": oci, "docker-save": B.write_docker_save(os.path.join(tmp, "img-ds.tar"), [img])}
    if shutil.which("zstd"):
        images["oci-tar zstd"] = B.write_oci_tar(oci, os.path.join(tmp, "img.tar.zst"), "zstd")
    for name, path in images.items():
        docs, _ = scan_json(lp, ["--image", path], t, "scan --image " + name)
        compare_go(t, "scan --image %s = go version -m rootfs" % name, gm, ours(docs), lambda k: True)
        t.check(all(x["found"]["origin"] == "image" and x["found"]["in"] == path
                    and x["path"] == "%s:%s" % (path, x["found"]["path"]) for x in docs),
                "scan --image " + name, "found/path wrong: %r" % [x["found"] for x in docs][:2])
        t.check("/usr/bin/gone" not in ours(docs), "scan --image whiteout", "a deleted binary reported")
    return oci, rootfs


def section_image_cmds(t, lp, oci, rootfs, tmp):
    """Each per-file command with --image against the same command on umoci's file."""
    def norm(text, host):
        return text.replace("%s:" % oci, "").replace(rootfs, "")

    cases = [
        ["inspect", "--json"], ["check", "--json", "--static", "--cgo", "off"], ["fingerprint", "--json"],
        ["funcs", "--json"], ["pkgs", "--json"], ["pkgs"], ["funcs", "--package", "main"],
        ["inspect"],
    ]
    for path in ("/usr/bin/app", "/opt/arm/app", "/usr/lib/x.so", "/etc/readme", "/usr/bin/link", "/nope"):
        host = rootfs + path
        for c in cases:
            what = "%s --image %s" % (" ".join(c), path)
            rc1, o1, e1 = run([lp] + c + ["--image", oci, path])
            rc2, o2, e2 = run([lp] + c + [host])
            if path == "/nope":
                t.check(rc1 == 2, what, "exit %r, want 2" % rc1)
                continue
            t.check(rc1 == rc2, what, "exit %r, on the unpacked file %r" % (rc1, rc2))
            t.check(norm(dec(o1), host) == norm(dec(o2), host), what, "output differs:\n%s\n---\n%s"
                    % (dec(o1)[:400], dec(o2)[:400]))
    # buildinfo: go version -m's own wording, image paths
    for path in ("/", "/usr/bin/app", "/usr/bin", "/etc/readme", "/usr/bin/link", "/nope"):
        rc1, o1, e1 = run([lp, "buildinfo", "--image", oci, path])
        rc2, o2, e2 = run([lp, "buildinfo", rootfs + path.rstrip("/") if path != "/" else rootfs])
        t.check(rc1 == rc2 and norm(dec(o1), "") == norm(dec(o2), "") and
                norm(dec(e1), "") == norm(dec(e2), ""), "buildinfo --image " + path,
                "exit %r/%r\n%s%s---\n%s%s" % (rc1, rc2, dec(o1)[:300], dec(e1)[:200], dec(o2)[:300], dec(e2)[:200]))
    # diff: in the image, image vs host, two images
    rc1, o1, _ = run([lp, "diff", "--json", "--image", oci, "/usr/bin/app", "/opt/arm/app"])
    rc2, o2, _ = run([lp, "diff", "--json", rootfs + "/usr/bin/app", rootfs + "/opt/arm/app"])
    t.check(rc1 == rc2 == 1 and norm(dec(o1), "") == norm(dec(o2), ""), "diff --image", "%r %r" % (rc1, rc2))
    rc1, o1, _ = run([lp, "diff", "--image-a", oci, "/usr/bin/app", rootfs + "/usr/bin/app"])
    t.check(rc1 == 0, "diff --image-a (image vs host, same bytes)", "exit %r: %s" % (rc1, dec(o1)[:300]))
    rc1, o1, _ = run([lp, "diff", "--image-a", oci, "--image-b", oci, "/usr/bin/app", "/opt/hard"])
    t.check(rc1 == 0, "diff --image-a --image-b (a hard link)", "exit %r: %s" % (rc1, dec(o1)[:300]))
    rc1, _, _ = run([lp, "diff", "--image", oci, "--image-b", oci, "/usr/bin/app", "/opt/hard"])
    t.check(rc1 == 2, "diff --image with --image-b", "exit %r, want 2" % rc1)
    # registry add: the same code hash as the unpacked file's, named IMAGE:PATH
    reg = os.path.join(tmp, "reg.db")
    rc1, o1, e1 = run([lp, "registry", "--registry", reg, "add", "--label", "x",
                       "--image", oci, "/usr/bin/app"])
    rc3, o3, _ = run([lp, "registry", "--registry", reg, "list", "--json"])
    rc2, o2, _ = run([lp, "fingerprint", "--json", rootfs + "/usr/bin/app"])
    try:
        a = json.loads(dec(o3).splitlines()[0])
        b = json.loads(dec(o2).splitlines()[0])
        t.check(rc1 == 0 and a.get("code_sha256") == b.get("code_sha256") and a.get("path") == oci + ":/usr/bin/app",
                "registry add --image", "%r vs %r" % (a, b.get("code_sha256")))
    except (ValueError, IndexError) as e:
        t.fail("registry add --image", "no JSON (%s): %r %r" % (e, dec(o3)[:200], dec(e1)[:200]))


def section_procs(t, lp, go, fx, tmp):
    src = os.path.join(fx, "server-amd64-cgo0-exe")
    v2 = os.path.join(fx, "server-amd64-cgo0-exe-v2")
    d = os.path.join(tmp, "procs")
    os.makedirs(d)
    names = {n: os.path.join(d, n) for n in ("present", "deleted", "replaced")}
    for p in names.values():
        shutil.copy2(src, p)
    want = go_version_m(go, src)[src]
    procs = []
    try:
        for n in ("present", "present", "deleted", "replaced"):
            p = subprocess.Popen([names[n]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            p.stdout.readline()  # "ready PID VERSION": the runtime is up
            procs.append((n, p))
        os.unlink(names["deleted"])
        os.unlink(names["replaced"])
        shutil.copy2(v2, names["replaced"])
        docs, _ = scan_json(lp, ["--procs"], t, "scan --procs")
        mine = {x["found"]["path"]: x for x in docs if x["found"]["path"].startswith(d + "/")}
        t.check(sorted(mine) == sorted(names.values()), "scan --procs", "records %r" % sorted(mine))
        for n, path in names.items():
            x = mine.get(path)
            if not x:
                continue
            pids = sorted(p.pid for m, p in procs if m == n)
            got = sorted(pp["pid"] for pp in x["found"]["processes"])
            t.check(got == pids, "scan --procs " + n, "pids %r, want %r" % (got, pids))
            st = {pp["exe_state"] for pp in x["found"]["processes"]}
            t.check(st == {"present" if n == "present" else n}, "scan --procs " + n, "exe_state %r" % st)
            g = x.get("go") or {}
            m = g.get("main") or {}
            t.check((g.get("version"), m.get("path"), m.get("version")) == want, "scan --procs " + n,
                    "read %r, the file started was %r" % ((g.get("version"), m.get("path")), want))
            # the build that runs, not the one on disk: v2 sets main.version differently
            if n == "replaced":
                tg = [x2 for x2 in (g.get("settings") or []) if x2.get("key") == "-ldflags"]
                tv2 = go_version_m(go, v2)
                t.check(tv2.get(v2) is not None, "oracle v2", "go version -m v2 failed")
        # the same with -j 1: the same records
        docs1, _ = scan_json(lp, ["--procs", "-j", "1"], t, "scan --procs -j 1")
        m1 = sorted(x["found"]["path"] for x in docs1 if x["found"]["path"].startswith(d + "/"))
        t.check(m1 == sorted(mine), "scan --procs -j 1", "records %r" % m1)
    finally:
        for _, p in procs:
            try:
                p.stdin.close()
                p.wait(timeout=10)
            except Exception:
                p.kill()


def section_sbom_vulns(t, lp, fx, tmp):
    """scan --format cyclonedx and scan --vulns: one SBOM per binary, each a valid CycloneDX
    1.6 BOM (the official schema) and the one `inspect --format cyclonedx` writes for that
    file; with --vulns, the findings `linkproof vulns` gives for each file."""
    try:
        import vulnfix
        import vulns_cli
    except ImportError as e:
        print("SKIP scan --format cyclonedx / --vulns: %s" % e)
        return
    if not os.path.isdir(vulnfix.CDX_DIR) or not os.path.exists(vulnfix.SNAPSHOT):
        print("SKIP scan --format cyclonedx / --vulns: no ../shared/data")
        return
    v = vulns_cli.cdx_validator()
    d = os.path.join(tmp, "sbom")
    os.makedirs(d)
    for n in ("app-amd64-cgo0-exe", "app-amd64-cgo0-exe-sw", "server-amd64-cgo0-exe", "netapp-amd64-cgo1-exe"):
        if os.path.exists(os.path.join(fx, n)):
            shutil.copy(os.path.join(fx, n), os.path.join(d, n))
    files = sorted(os.path.join(d, n) for n in os.listdir(d))
    vdb = vulnfix.unpack(tmp)
    for extra, label in (([], "scan --format cyclonedx"),
                         (["--vulns", "--vulndb", vdb, "--as-of", "2026-12-01"], "scan --vulns --format cyclonedx")):
        rc, out, err = run([lp, "scan", "--format", "cyclonedx"] + extra + [d])
        t.check(rc in (0, 1), label, "exit %r: %s" % (rc, dec(err)[-300:]))
        boms = [json.loads(l) for l in dec(out).splitlines() if l.strip()]
        t.check(len(boms) == len(files), label, "%d SBOMs for %d binaries" % (len(boms), len(files)))
        for f, bom in zip(files, boms):
            errs = list(v.iter_errors(bom))
            t.check(not errs, "%s %s" % (label, f), "not a valid CycloneDX 1.6 BOM: %s"
                    % "; ".join(e.message[:200] for e in errs[:3]))
            ins = ["--vulndb", vdb, "--as-of", "2026-12-01"] if extra else []
            rc2, o2, _ = run([lp, "inspect", "--format", "cyclonedx"] + ins + [f])
            try:
                want = json.loads(dec(o2).splitlines()[0])
            except (ValueError, IndexError):
                t.fail(label, "inspect --format cyclonedx %s wrote nothing" % f)
                continue
            for key in ("serialNumber", "metadata"):
                bom.pop(key, None)
                want.pop(key, None)
            t.check(bom == want, "%s %s" % (label, f), "differs from inspect --format cyclonedx")
    # scan --vulns (JSON): per binary, the findings `linkproof vulns` gives
    rc, out, err = run([lp, "scan", "--json", "--vulns", "--vulndb", vdb, "--as-of", "2026-12-01", d])
    docs = [json.loads(l) for l in dec(out).splitlines() if l.strip()]
    rc2, o2, _ = run([lp, "vulns", "--json", "--vulndb", vdb, "--as-of", "2026-12-01"] + files)
    want = [json.loads(l) for l in dec(o2).splitlines() if l.strip()]
    t.check(rc == rc2, "scan --vulns exit", "exit %r, vulns %r" % (rc, rc2))
    t.check([x["vulns"] for x in docs] == want, "scan --vulns = vulns",
            "the nested vulns documents differ from linkproof vulns's")
    t.check(any(w.get("findings") for w in want), "scan --vulns", "no finding at all: the test proves nothing")


def max_rss_kb(argv):
    """Max RSS (KiB) of one run of argv, measured in a fresh child of a fresh interpreter."""
    code = ("import resource,subprocess,sys\n"
            "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    # under AddressSanitizer, freed memory waits in its quarantine (256 MiB): RSS would then
    # grow with every allocation, freed or not; with a small one it measures what is live
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = RUNNER.env(ASAN_OPTIONS=(asan + ":" if asan else "") + "quarantine_size_mb=1:detect_leaks=0")
    rc, out, err = run([sys.executable, "-c", code] + argv, env=env)
    return int(dec(out).strip() or 0)


def section_memory(t, lp, fx, tmp):
    app = open(os.path.join(fx, "app-amd64-cgo0-exe"), "rb").read()

    def tree(n):
        d = os.path.join(tmp, "mem%d" % n)
        for i in range(n):
            sub = os.path.join(d, "d%03d" % (i // 200))
            if i % 200 == 0:
                os.makedirs(sub)
            with open(os.path.join(sub, "f%05d" % i), "wb") as f:
                f.write(app if i % 1000 == 0 else b"#!/bin/sh\necho %d\n" % i)
        return d

    small, big = tree(2000), tree(20000)
    r_small = max_rss_kb([lp, "scan", "-j", "2", "--json", small])
    r_big = max_rss_kb([lp, "scan", "-j", "2", "--json", big])
    print("note: max RSS of scan: %d KiB over 2,000 files, %d KiB over 20,000" % (r_small, r_big))
    t.check(r_small > 0 and r_big < r_small * 1.25 + 2048, "scan memory",
            "max RSS %d KiB over 20,000 files, %d KiB over 2,000: grows with the files" % (r_big, r_small))
    docs, _ = scan_json(lp, [big], t, "scan 20,000 files")
    t.check(len(docs) == 20, "scan 20,000 files", "%d records, want 20" % len(docs))


def main(fxdir, t):
    lp = lptest.lp_bin()
    go = lptest.go_bin(usr_bin_first=True)
    tmp = tempfile.mkdtemp(prefix="lp-scan-")
    only = os.environ.get("LP_SCAN_SECTIONS", "dirs,image,sbom,procs,memory").split(",")
    try:
        if "dirs" in only:
            section_dirs(t, lp, go, fxdir, tmp)
        r = section_image(t, lp, go, fxdir, tmp) if "image" in only else None
        if r:
            section_image_cmds(t, lp, r[0], r[1], tmp)
        if "sbom" in only:
            section_sbom_vulns(t, lp, fxdir, tmp)
        if "procs" in only:
            section_procs(t, lp, go, fxdir, tmp)
        if "memory" in only:
            section_memory(t, lp, fxdir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish("scan_cli")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
