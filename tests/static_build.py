#!/usr/bin/env python3
"""The static executable (-Dstatic=true, `make static`, docs/static.md) against oracles.

  * readelf (binutils): no PT_INTERP, no DT_NEEDED; file(1): "statically linked" or
    "static-pie linked"; `linkproof inspect --json` agrees with both (static, no
    interpreter, nothing needed);
  * strace: runs of every kind of command (inspect, deps, compat and image on an OCI
    layout, registry on SQLite, a PostgreSQL registry through libpq: a real server over
    TCP with a SCRAM password, and an unreachable one as a user /etc/passwd does not know)
    open no shared object, no loader file, no nsswitch.conf or NSS module, no gconv or
    locale file; the PostgreSQL runs succeed or end with libpq's one-line error, never a
    signal. Control: the same check finds the shared objects the dynamic build opens.
  * roots, each run for real with chroot: an empty root (only /linkproof), a musl root
    (the host's musl loader), a glibc root (the host's loader and libc.so.6), and a glibc
    root as old as the tests can assemble (stand-in ld.so and libc.so.6 with symbol
    versions up to GLIBC_2.17: no code of the root's runs in a static process); in each,
    `/linkproof --version` and `/linkproof inspect /linkproof` work. Control: the dynamic
    build does not start in the empty root.
  * `linkproof compat` on OCI layouts of the same roots: "runs" for the static binary in
    each, and for the dynamic build the reason the chroot run shows (interpreter-missing
    on scratch, libc-mismatch on musl, a missing library or symbol version on glibc).

Prints "N passed, M failed" last. Needs root (or unshare -r) for chroot.
"""

import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deps_roots  # noqa: E402
import lptest  # noqa: E402
import static_util as su  # noqa: E402


def chroot_argv(root, argv):
    if os.geteuid() == 0:
        return ["chroot", root] + argv
    return ["unshare", "-r", "chroot", root] + argv


def check_elf(t, sbin, lp):
    st, out, _ = su.run(["readelf", "-lW", sbin])
    t.check(st == 0 and "LOAD" in out, "readelf -l", "exit %s" % st)
    t.check("INTERP" not in out and "Requesting program interpreter" not in out,
            "readelf: no PT_INTERP", [ln for ln in out.splitlines() if "INTERP" in ln][:2])
    st, dyn, _ = su.run(["readelf", "-dW", sbin])
    needed = [ln for ln in dyn.splitlines() if "(NEEDED)" in ln]
    t.check(st == 0 and not needed, "readelf: no DT_NEEDED", needed[:3])
    st, fout, _ = su.run(["file", "-b", sbin])
    t.check(st == 0 and ("statically linked" in fout or "static-pie linked" in fout),
            "file(1) says statically linked", fout.strip())
    t.check("dynamically linked" not in fout and "interpreter" not in fout,
            "file(1) names no interpreter", fout.strip())
    st, out, err = su.run([sbin, "inspect", "--json", sbin])
    try:
        doc = json.loads(out.splitlines()[0])
        lk = doc["linkage"]
    except (ValueError, IndexError, KeyError, TypeError) as e:
        t.fail("inspect --json of the static binary", "%s: %r %r" % (e, out[:200], err[:200]))
        return
    t.check(lk.get("static") is True and not lk.get("interpreter") and not lk.get("needed"),
            "inspect agrees with readelf: static, no interpreter, nothing needed", lk)
    # and the dynamic build for contrast: readelf and inspect see its interpreter
    st, out, _ = su.run(["readelf", "-lW", lp])
    t.check("Requesting program interpreter" in out, "control: readelf sees the dynamic build's PT_INTERP",
            lp)


# libpq's runs: glibc reads nsswitch.conf once while postgres.c pins passwd, group, hosts
# and services to its built-in modules (docs/static.md); what it says there is not used
PG_ALLOW = ("/etc/nsswitch.conf",)


def traced(t, what, argv, ok_status=(0,), env=None, allow=(), prefix=()):
    st, out, paths, raw = su.traced_opens(argv, env=env, prefix=prefix)
    t.check(st in ok_status, "%s: exit status" % what, "exit %s (want %s); %s" % (st, ok_status, out[-300:]))
    bad = su.forbidden(paths[1:], allow=allow)
    t.check(paths and not bad, "%s: opens no shared object, NSS or gconv file" % what,
            bad[:5] if paths else "strace recorded nothing: %r" % raw[-300:])
    return st, out, paths


def check_strace(t, sbin, lp, tmp):
    if not shutil.which("strace"):
        t.fail("strace", "not installed (Debian: strace)")
        return
    root = os.path.join(tmp, "img-root")
    os.makedirs(root)
    su.put_binary(root, sbin)
    oci = su.oci_from_root(root, os.path.join(tmp, "img-oci"))
    traced(t, "--version", [sbin, "--version"])
    traced(t, "inspect", [sbin, "inspect", "--json", sbin, "/bin/sh"])
    traced(t, "deps", [sbin, "deps", "/bin/sh"])
    traced(t, "image ls", [sbin, "image", "ls", oci])
    traced(t, "compat", [sbin, "compat", "--image", oci, sbin])
    reg = os.path.join(tmp, "reg.sqlite")
    traced(t, "registry add (SQLite)", [sbin, "registry", "--registry", reg, "add", "--label", "static", sbin])
    st, out, _ = traced(t, "registry list (SQLite)", [sbin, "registry", "--registry", reg, "list"])
    t.check("static" in out, "registry list shows the entry", out[:200])
    traced(t, "fingerprint --pid", [sbin, "fingerprint", "--pid", str(os.getpid())])
    # names that are not ASCII in an image's layer: libarchive converts them with iconv, which
    # the static build replaces (src/util/static_iconv.c); glibc's, in the dynamic build, is
    # the oracle: the same listing, byte for byte
    nroot = os.path.join(tmp, "names-root").encode()
    os.makedirs(os.path.join(nroot, b"caf\xc3\xa9"))
    for n in (b"caf\xc3\xa9/b\xc3\xa4r", b"bad\xff\xfex", b"trunc\xe2\x82", b"euro\xe2\x82\xac",
              b"over\xc0\xaflong", b"plain"):
        open(os.path.join(nroot, n), "wb").close()
    noci = su.oci_from_root(os.fsdecode(nroot), os.path.join(tmp, "names-oci"))
    for args in (["image", "ls"], ["image", "ls", "--json"]):
        st, sout, _, _ = su.traced_opens([sbin] + args + [noci])
        dst, dout, derr = su.run([lp] + args + [noci])
        dout += derr
        t.check(st == dst == 0 and sout == dout and "plain" in sout,
                "%s of non-ASCII names: the same as the dynamic build (glibc's iconv)" % " ".join(args),
                "static exit %s %r; dynamic exit %s %r" % (st, sout[:300], dst, dout[:300]))
    traced(t, "image ls of non-ASCII names", [sbin, "image", "ls", noci])
    # control: the same check sees the dynamic build load its libraries
    st, out, paths, raw = su.traced_opens([lp, "--version"])
    t.check(any(p for p, _ in su.forbidden(paths[1:])), "control: the check finds the dynamic build's .so files",
            paths[:6])
    check_postgres(t, sbin, tmp)


def check_postgres(t, sbin, tmp):
    import pgserver
    env = pgserver.clean_env(HOME=tmp)
    # a server that is not there, as a user /etc/passwd does not know: libpq asks NSS for
    # the default user name (getpwuid_r); with NSS pinned to "files" that is its own error,
    # unpinned a static glibc would dlopen the modules nsswitch.conf names (libnss_systemd)
    if os.geteuid() == 0 and shutil.which("setpriv"):
        # the other uid runs a copy in a directory it may enter: the checkout may sit in a
        # directory only root can enter (a clone into `mktemp -d` is mode 0700)
        reach = tempfile.mkdtemp(prefix="lp-static-uid-")
        try:
            os.chmod(reach, 0o755)
            ubin = os.path.join(reach, "linkproof")
            shutil.copy2(sbin, ubin)
            os.chmod(ubin, 0o755)
            st, out, paths = traced(t, "PostgreSQL unreachable, unknown uid",
                                    [ubin, "registry", "--registry",
                                     "host=127.0.0.1 port=1 dbname=x connect_timeout=5", "list"],
                                    ok_status=(2,), env=env, allow=PG_ALLOW,
                                    prefix=["setpriv", "--reuid=23456", "--regid=23456", "--clear-groups"])
        finally:
            shutil.rmtree(reach, ignore_errors=True)
        t.check("23456" in out or "user" in out, "unknown uid: libpq's own error", out[-300:])
    else:
        traced(t, "PostgreSQL unreachable", [sbin, "registry", "--registry",
                                             "host=127.0.0.1 port=1 dbname=x connect_timeout=5", "list"],
               ok_status=(2,), env=env, allow=PG_ALLOW)
    if not pgserver.server_bindir():
        t.check(not os.environ.get("CI"), "postgresql", "no PostgreSQL server binaries (Debian: postgresql)")
        print("SKIP postgresql: no server binaries")
        return
    t0 = time.time()
    with pgserver.PgServer(tcp=True) as pg:
        print("note: PostgreSQL started in %.1fs" % (time.time() - t0), flush=True)
        pg.psql("ALTER ROLE postgres PASSWORD 'lp-static-pw'")
        pg.psql("CREATE DATABASE lpstatic")
        passfile = os.path.join(tmp, "pgpass")
        with open(passfile, "w") as f:
            f.write("127.0.0.1:%d:*:postgres:lp-static-pw\n" % pg.port)
        os.chmod(passfile, 0o600)
        penv = pgserver.clean_env(HOME=tmp, PGPASSFILE=passfile)
        url = pg.tcp_url(db="lpstatic")
        traced(t, "registry add (PostgreSQL, TCP, SCRAM)", [sbin, "registry", "--registry", url, "add",
                                                             "--label", "static-pg", sbin], env=penv,
               allow=PG_ALLOW)
        st, out, _ = traced(t, "registry list (PostgreSQL)", [sbin, "registry", "--registry", url, "list"],
                            env=penv, allow=PG_ALLOW)
        t.check("static-pg" in out, "the PostgreSQL registry lists the entry", out[:200])
        # by host name: getaddrinfo through glibc's built-in files module (/etc/hosts)
        hurl = "postgresql://postgres@localhost:%d/lpstatic?connect_timeout=5" % pg.port
        with open(passfile, "a") as f:
            f.write("localhost:%d:*:postgres:lp-static-pw\n" % pg.port)
        st, out, paths = traced(t, "registry list (PostgreSQL by host name)",
                                [sbin, "registry", "--registry", hurl, "list"], env=penv, allow=PG_ALLOW)
        t.check("static-pg" in out, "by host name: the entry is listed", out[-300:])


def check_roots(t, sbin, lp, tmp):
    roots = {}
    roots["scratch"] = os.path.join(tmp, "r-scratch")
    os.makedirs(roots["scratch"])
    try:
        roots["musl"] = os.path.join(tmp, "r-musl")
        deps_roots.musl_root(roots["musl"])
    except deps_roots.BuildError as e:
        t.fail("musl root", str(e))
        roots.pop("musl")
    libc = lptest.host_libc()
    try:
        roots["glibc"] = os.path.join(tmp, "r-glibc")
        deps_roots.glibc_root(roots["glibc"], libs=[libc] if libc else [])
    except deps_roots.BuildError as e:
        t.fail("glibc root", str(e))
        roots.pop("glibc")
    try:
        roots["glibc-2.17"] = os.path.join(tmp, "r-old")
        deps_roots.stub_glibc_root(roots["glibc-2.17"], tmp, libc_upto="2.17", libc_release="2.17",
                                   ldso_release="2.17")
    except deps_roots.BuildError as e:
        t.fail("old glibc root", str(e))
        roots.pop("glibc-2.17")
    st, want_ver, _ = su.run([sbin, "--version"])
    for name, root in roots.items():
        su.put_binary(root, sbin)
        st, out, err = su.run(chroot_argv(root, ["/linkproof", "--version"]))
        t.check(st == 0 and out == want_ver, "chroot %s: /linkproof --version" % name,
                "exit %s, %r %r" % (st, out[:100], err[:200]))
        st, out, err = su.run(chroot_argv(root, ["/linkproof", "inspect", "--json", "/linkproof"]))
        ok = False
        try:
            ok = st == 0 and json.loads(out.splitlines()[0])["linkage"]["static"] is True
        except (ValueError, IndexError, KeyError, TypeError):
            pass
        t.check(ok, "chroot %s: /linkproof inspect /linkproof" % name, "exit %s, %r %r" % (st, out[:100], err[:200]))
    # control: the dynamic build in the empty root does not start (no interpreter)
    dyn_root = os.path.join(tmp, "r-dyn")
    os.makedirs(dyn_root)
    su.put_binary(dyn_root, lp)
    st, out, err = su.run(chroot_argv(dyn_root, ["/linkproof", "--version"]))
    t.check(st != 0, "control: the dynamic build does not start in an empty root", "exit %s" % st)

    # compat on OCI layouts of the same roots (without the binary in them)
    images = {}
    for name, root in roots.items():
        os.unlink(os.path.join(root, "linkproof"))
        images[name] = su.oci_from_root(root, os.path.join(tmp, "oci-" + name))
    argv = [sbin, "compat", "--json"]
    for name in images:
        argv += ["--image", images[name]]
    st, out, err = su.run(argv + [sbin, lp])
    print("compat:\n" + su.run([a for a in argv if a != "--json"] + [sbin, lp])[1], flush=True)
    try:
        doc = json.loads(out)
    except ValueError:
        t.fail("compat --json", "exit %s, %r %r" % (st, out[:300], err[:300]))
        return
    verdicts = {}
    for row in doc.get("results", []) if isinstance(doc, dict) else []:
        fs = row.get("findings") or []
        verdicts[(row.get("path"), row.get("image"))] = (
            "runs" if row.get("runs") is True else (fs[0].get("id") if fs else "error: %s" % row.get("error")))
    if not verdicts:
        t.fail("compat --json", "no verdicts found in %r" % out[:400])
        return
    t.check(st == 1, "compat exit 1 (the dynamic build does not run everywhere)", "exit %s" % st)
    for name, img in images.items():
        t.eq("compat static on %s" % name, "verdict", "runs", verdicts.get((sbin, img)))
    expect_dyn = {"scratch": {"interpreter-missing"}, "musl": {"interpreter-missing", "libc-mismatch"},
                  "glibc": {"not-found", "version-missing"},
                  "glibc-2.17": {"not-found", "version-missing"}}
    for name, img in images.items():
        v = verdicts.get((lp, img))
        t.check(v in expect_dyn[name], "compat dynamic on %s" % name, "verdict %r, expected one of %s"
                % (v, sorted(expect_dyn[name])))


def main():
    t = lptest.Tally()
    lp = os.path.abspath(lptest.lp_bin())
    try:
        sbin = os.path.abspath(su.static_bin(lp))
    except su.BuildError as e:
        t.fail("static build", str(e))
        return t.finish("static_build")
    print("static: %s (%d bytes); dynamic: %s" % (sbin, os.path.getsize(sbin), lp), flush=True)
    with tempfile.TemporaryDirectory(prefix="lp-static-") as tmp:
        os.chmod(tmp, 0o755)
        check_elf(t, sbin, lp)
        check_strace(t, sbin, lp, tmp)
        check_roots(t, sbin, lp, tmp)
    return t.finish("static_build")


if __name__ == "__main__":
    sys.exit(main())
