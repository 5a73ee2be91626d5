"""Builders for tests/deps_cli.py: C fixtures compiled at test time from
tests/fixtures/deps/ and root filesystems assembled in temporary directories.

Nothing here is checked; deps_cli.py decides what is expected. Every builder
works under a directory the caller owns (a tempfile.TemporaryDirectory) and
never writes anywhere else. Failures to build raise BuildError with the
compiler's message, so that the caller can count a skip (or, with CI set, a
failure) and carry on.

Fixtures (build_glibc_fixtures, T = the temporary directory):

  T/b/libB.so           leaf                    T/c/libC.so       leaf
  T/a/libA.so           needs libB.so, no search path of its own
  T/la2/libA.so, T/b2/libB.so   copies, for --ld-library-path ordering
  T/lib/lib{A,B,C}.so   copies, for $ORIGIN/../lib
  T/lib2/libA.so        RUNPATH $ORIGIN (finds its libB.so next to itself)
  T/ar/libA.so          RUNPATH T/nonexistent: its RUNPATH switches off every RPATH
  T/ch/{a,b,c}          libA (RPATH T/ch/c) -> libB (needs libC) -> libC: RPATH up the chain
  T/n/libN.so           -z nodefaultlib, needs a host library (libz.so.1 or similar)
  T/w32/libC.so         ELFCLASS32 (gcc -m32 -c + ld -m elf_i386; absent when that fails)
  T/wm/libC.so          libC.so with e_machine patched to AArch64
  T/hw/[glibc-hwcaps/x86-64-v{2,3}/]libC.so
  T/plat/{x86_64,lpplat}/libC.so, T/libd/{lib,lib/x86_64-linux-gnu,lib64}/libC.so
  T/bad/libC.so         text, not ELF;   T/loop/libC.so -> libC.so;   T/dirl/libC.so -> /
  T/bv1/libB.so (LPB_1.0 only), T/bv2/libB.so (LPB_1.0, LPB_2.0), T/bnv/libB.so (no versions)
  T/q/libQ.so (DT_SONAME libQ.so.1), T/r/libR.so (needs libQ.so.1): rule "loaded"
  T/p/libP.so           no DT_SONAME, linked by path: DT_NEEDED with a '/' (rule "path")
  executables: see EXES in build_glibc_fixtures.
"""

import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildError(Exception):
    pass


def fixture_src(name):
    """tests/fixtures/deps/NAME (from LP_SOURCE_ROOT when set)."""
    root = os.environ.get("LP_SOURCE_ROOT") or os.path.dirname(HERE)
    return os.path.join(root, "tests", "fixtures", "deps", name)


def _run(argv, cwd=None):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                           timeout=120, env=dict(os.environ, LC_ALL="C"))
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BuildError("%s: %s" % (" ".join(argv), e))
    if p.returncode != 0:
        raise BuildError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                             p.stderr.decode("utf-8", "replace").strip()[-600:]))
    return p.stdout


def mkdirs(*paths):
    for p in paths:
        os.makedirs(p, exist_ok=True)


def cc(out, srcs, flags=(), compiler="gcc"):
    """Compile and link SRCS (names in tests/fixtures/deps or absolute paths) into OUT."""
    mkdirs(os.path.dirname(out))
    argv = [compiler, "-O1", "-o", out]
    argv += [s if os.path.isabs(s) else fixture_src(s) for s in srcs]
    argv += list(flags)
    _run(argv)
    return out


def shlib(out, srcs, soname, flags=(), compiler="gcc"):
    return cc(out, srcs, ["-shared", "-fPIC", "-Wl,-soname," + soname] + list(flags), compiler)


def copy(src, dst):
    mkdirs(os.path.dirname(dst))
    shutil.copyfile(src, dst)
    shutil.copymode(src, dst)
    return dst


def patch_machine(src, dst, machine=183):
    """A copy of an ELF64 little-endian file with e_machine replaced (183: AArch64)."""
    with open(src, "rb") as f:
        d = bytearray(f.read())
    d[18:20] = machine.to_bytes(2, "little")
    mkdirs(os.path.dirname(dst))
    with open(dst, "wb") as f:
        f.write(d)
    return dst


def host_needed_lib():
    """A host library (soname, path) that a -z nodefaultlib library can need:
    libz.so.1, else another common one; None when none exists."""
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
              "/lib", "/usr/lib"):
        for n in ("libz.so.1", "libm.so.6", "libdl.so.2"):
            p = os.path.join(d, n)
            if os.path.exists(p):
                return n, p
    return None


def build_32bit_lib(t, out, soname, src):
    """An ELFCLASS32 shared object, or None when the toolchain cannot make one."""
    obj = os.path.join(t, "w32.o")
    try:
        _run(["gcc", "-m32", "-fPIC", "-c", "-o", obj, fixture_src(src)])
        mkdirs(os.path.dirname(out))
        _run(["ld", "-m", "elf_i386", "-shared", "-soname", soname, "-o", out, obj])
        return out
    except BuildError:
        return None
    finally:
        if os.path.exists(obj):
            os.unlink(obj)


def build_glibc_fixtures(t):
    """The gcc-built libraries and programs under T (see the module docstring).
    Returns a dict of name -> path (and "hostlib": (soname, path) or None,
    "w32": path or None)."""
    j = lambda *p: os.path.join(t, *p)  # noqa: E731
    f = {}
    rp = lambda *dirs: ["-Wl,--disable-new-dtags,-rpath," + ":".join(dirs)]  # noqa: E731
    rn = lambda *dirs: ["-Wl,--enable-new-dtags,-rpath," + ":".join(dirs)]  # noqa: E731

    shlib(j("b", "libB.so"), ["libb.c"], "libB.so")
    shlib(j("c", "libC.so"), ["libc3.c"], "libC.so")
    shlib(j("a", "libA.so"), ["liba.c"], "libA.so", ["-L" + j("b"), "-lB"])
    copy(j("a", "libA.so"), j("la2", "libA.so"))
    copy(j("b", "libB.so"), j("b2", "libB.so"))
    for n, d in (("libA.so", "a"), ("libB.so", "b"), ("libC.so", "c")):
        copy(j(d, n), j("lib", n))
        copy(j(d, n), j("lib2", n))
    shlib(j("lib2", "libA.so"), ["liba.c"], "libA.so", ["-L" + j("b"), "-lB"] + rn("$ORIGIN"))
    shlib(j("ar", "libA.so"), ["liba.c"], "libA.so",
          ["-L" + j("b"), "-lB"] + rn(j("nonexistent")))
    # RPATH up the chain: libA (RPATH ch/c) -> libB (no path) -> libC
    shlib(j("ch", "c", "libC.so"), ["libc3.c"], "libC.so")
    shlib(j("ch", "b", "libB.so"), ["libbc.c"], "libB.so", ["-L" + j("ch", "c"), "-lC"])
    shlib(j("ch", "a", "libA.so"), ["liba.c"], "libA.so",
          ["-L" + j("ch", "b"), "-lB", "-Wl,-rpath-link," + j("ch", "c")] + rp(j("ch", "c")))
    # -z nodefaultlib library needing a host library
    hl = host_needed_lib()
    f["hostlib"] = hl
    if hl:
        shlib(j("n", "libN.so"), ["libn.c"], "libN.so",
              ["-Wl,-z,nodefaultlib", "-Wl,--no-as-needed", hl[1]])
    # wrong class / machine candidates
    f["w32"] = build_32bit_lib(t, j("w32", "libC.so"), "libC.so", "libc3.c")
    patch_machine(j("c", "libC.so"), j("wm", "libC.so"))
    # glibc-hwcaps
    for sub in ("", "glibc-hwcaps/x86-64-v2", "glibc-hwcaps/x86-64-v3"):
        copy(j("c", "libC.so"), j("hw", sub, "libC.so"))
    # $PLATFORM and $LIB
    for sub in ("plat/x86_64", "plat/lpplat", "libd/lib", "libd/lib/x86_64-linux-gnu",
                "libd/lib64"):
        copy(j("c", "libC.so"), j(sub, "libC.so"))
    # broken candidates
    mkdirs(j("bad"), j("loop"), j("dirl"))
    with open(j("bad", "libC.so"), "w") as fp:
        # longer than an ELF header: glibc says "invalid ELF header" (and stops)
        fp.write("/* GNU ld script: not an ELF file, longer than an ELF header */\n"
                 "GROUP ( libC.so.1 AS_NEEDED ( libC.so.2 ) )\n")
    os.symlink("libC.so", j("loop", "libC.so"))
    os.symlink("/", j("dirl", "libC.so"))
    # symbol versions
    shlib(j("bv2", "libB.so"), ["libbv.c"], "libB.so",
          ["-DLP_NEW", "-Wl,--version-script=" + fixture_src("libbv2.map")])
    shlib(j("bv1", "libB.so"), ["libbv.c"], "libB.so",
          ["-Wl,--version-script=" + fixture_src("libbv1.map")])
    shlib(j("bnv", "libB.so"), ["libbv.c"], "libB.so", ["-DLP_NEW"])

    # "loaded": T/q/libQ.so has DT_SONAME libQ.so.1; the program was linked against a
    # build named libQ.so (DT_NEEDED libQ.so), libR.so against one named libQ.so.1. No
    # file is called libQ.so.1: the loader matches it to the loaded object's soname.
    shlib(j("qlink", "libQ.so"), ["libb.c"], "libQ.so")
    shlib(j("q1", "libQ.so.1"), ["libb.c"], "libQ.so.1")
    shlib(j("q", "libQ.so"), ["libb.c"], "libQ.so.1")
    shlib(j("r", "libR.so"), ["liba.c"], "libR.so", ["-L" + j("q1"), "-l:libQ.so.1"])
    # "path": a library without DT_SONAME linked by its path
    cc(j("p", "libP.so"), ["libb.c"], ["-shared", "-fPIC"])

    # executables: name -> (path, sources, flags)
    la = ["-L" + j("a"), "-lA", "-Wl,-rpath-link," + j("b")]
    exes = {
        "exe_rpath": ("exe_rpath", ["main_a.c"], la + rp(j("a"), j("b"))),
        "exe_runpath": ("exe_runpath", ["main_a.c"], la + rn(j("a"), j("b"))),
        "exe_origin_r": ("bin/exe_origin_r", ["main_ac.c"],
                         ["-L" + j("lib"), "-lA", "-lC"] + rp("$ORIGIN/../lib")),
        "exe_origin_n": ("bin/exe_origin_n", ["main_ac.c"],
                         ["-L" + j("lib"), "-lA", "-lC"] + rn("$ORIGIN/../lib")),
        "exe_origin_n2": ("bin/exe_origin_n2", ["main_ac.c"],
                          ["-L" + j("lib2"), "-lA", "-lC", "-Wl,-rpath-link," + j("lib2")]
                          + rn("$ORIGIN/../lib2")),
        "exe_mixed": ("exe_mixed", ["main_a.c"],
                      ["-L" + j("ar"), "-lA", "-Wl,-rpath-link," + j("b")] + rp(j("ar"), j("b"))),
        "exe_chain": ("exe_chain", ["main_a.c"],
                      ["-L" + j("ch", "a"), "-lA", "-Wl,-rpath-link," + j("ch", "b") + ":"
                       + j("ch", "c")] + rp(j("ch", "a"), j("ch", "b"))),
        "exe_wrong": ("exe_wrong", ["main_c.c"],
                      ["-L" + j("c"), "-lC"] + rp(j("w32"), j("wm"), j("c"))),
        "exe_hwcaps": ("exe_hwcaps", ["main_c.c"], ["-L" + j("c"), "-lC"] + rp(j("hw"))),
        "exe_platform": ("exe_platform", ["main_c.c"],
                         ["-L" + j("c"), "-lC"] + rp(j("plat") + "/$PLATFORM")),
        "exe_lib": ("exe_lib", ["main_c.c"], ["-L" + j("c"), "-lC"] + rp(j("libd") + "/$LIB")),
        "exe_bad": ("exe_bad", ["main_c.c"], ["-L" + j("c"), "-lC"] + rp(j("bad"), j("c"))),
        "exe_loop": ("exe_loop", ["main_c.c"], ["-L" + j("c"), "-lC"] + rp(j("loop"), j("c"))),
        "exe_dirl": ("exe_dirl", ["main_c.c"], ["-L" + j("c"), "-lC"] + rp(j("dirl"), j("c"))),
        "exe_ver_old": ("exe_ver_old", ["main_v.c"], ["-L" + j("bv2"), "-lB"] + rp(j("bv1"))),
        "exe_ver_new": ("exe_ver_new", ["main_v.c"], ["-L" + j("bv2"), "-lB"] + rp(j("bv2"))),
        "exe_ver_none": ("exe_ver_none", ["main_v.c"], ["-L" + j("bv2"), "-lB"] + rp(j("bnv"))),
        "exe_loaded": ("exe_loaded", ["main_a.c"],
                       ["-Wl,--no-as-needed", "-L" + j("qlink"), "-lQ", "-L" + j("r"), "-lR",
                        "-Wl,-rpath-link," + j("q1")] + rp(j("q"), j("r"))),
        "exe_path": ("exe_path", ["main_b.c"], [j("p", "libP.so")]),
        "hello": ("hello", ["hello.c"], []),
        "exe_c_plain": ("exe_c_plain", ["main_c.c"], ["-L" + j("c"), "-lC"]),
        "exe_a_plain": ("exe_a_plain", ["main_a.c"], la),
        "exe_ac_plain": ("exe_ac_plain", ["main_ac.c"], la + ["-L" + j("c"), "-lC"]),
    }
    if hl:
        exes["exe_nodeflib"] = ("exe_nodeflib", ["main_n.c"], ["-L" + j("n"), "-lN"] + rp(j("n")))
    for name, (rel, srcs, flags) in exes.items():
        f[name] = cc(j(rel), srcs, flags)
    for k in ("q", "r", "p", "a", "b", "c", "la2", "b2", "lib", "lib2", "ar", "ch", "n", "wm", "hw", "plat",
              "libd", "bad", "loop", "dirl", "bv1", "bv2", "bnv"):
        f["dir_" + k] = j(k)
    return f


def build_static(t):
    """hello built with -static and -static-pie: {name: path} of those that link."""
    out = {}
    for name, flags in (("hello_static", ["-static"]), ("hello_static_pie", ["-static-pie"])):
        try:
            out[name] = cc(os.path.join(t, name), ["hello.c"], flags)
        except BuildError:
            pass
    return out


def build_musl_fixtures(t):
    """musl-gcc programs under T/musl: libM.so with versions (LIBM_1.0) and without,
    exe_m (needs libM.so, libc.so; no search path), exe_m_rp (RUNPATH T/musl/ma:T/musl/mb;
    libMA.so there needs libMB.so from T/musl/mb: found by musl, which walks the
    RUNPATH chain), T/musl/mb2/libMB.so (a copy, for LD_LIBRARY_PATH), hello_musl_static."""
    j = lambda *p: os.path.join(t, "musl", *p)  # noqa: E731
    f = {}
    shlib(j("mv", "libM.so"), ["libm1.c"], "libM.so",
          ["-Wl,--version-script=" + fixture_src("libm1.map")], compiler="musl-gcc")
    shlib(j("mnv", "libM.so"), ["libm1.c"], "libM.so", compiler="musl-gcc")
    f["exe_m"] = cc(j("exe_m"), ["main_m.c"], ["-L" + j("mv"), "-lM"], compiler="musl-gcc")
    shlib(j("mb", "libMB.so"), ["libb.c"], "libMB.so", compiler="musl-gcc")
    copy(j("mb", "libMB.so"), j("mb2", "libMB.so"))
    shlib(j("ma", "libMA.so"), ["libma.c"], "libMA.so", ["-L" + j("mb"), "-lMB"],
          compiler="musl-gcc")
    f["exe_m_rp"] = cc(j("exe_m_rp"), ["main_ma.c"],
                       ["-L" + j("ma"), "-lMA", "-Wl,-rpath-link," + j("mb"),
                        "-Wl,--enable-new-dtags,-rpath," + j("ma") + ":" + j("mb")],
                       compiler="musl-gcc")
    try:
        f["hello_musl_static"] = cc(j("hello_musl_static"), ["hello.c"], ["-static"],
                                    compiler="musl-gcc")
    except BuildError:
        pass
    for k in ("mv", "mnv", "ma", "mb", "mb2"):
        f["dir_" + k] = j(k)
    return f


# ---------------------------------------------------------------- roots


def host_loader():
    """(PT_INTERP name, host file) of the host's x86-64 glibc loader, or None."""
    name = "/lib64/ld-linux-x86-64.so.2"
    if os.path.exists(name):
        return name, os.path.realpath(name)
    return None


def glibc_root(d, triplet="x86_64-linux-gnu", libs=()):
    """A glibc root in D: the host loader copied to /lib/TRIPLET/ld-linux-x86-64.so.2,
    /lib64/ld-linux-x86-64.so.2 an ABSOLUTE symlink to it, and each host library of
    LIBS (host paths) copied to /lib/TRIPLET under its own name. No ld.so.cache,
    no ld.so.conf. Returns the in-root path of the loader."""
    hl = host_loader()
    if hl is None:
        raise BuildError("no host loader /lib64/ld-linux-x86-64.so.2")
    libdir = os.path.join(d, "lib", triplet)
    mkdirs(libdir, os.path.join(d, "lib64"), os.path.join(d, "etc"),
           os.path.join(d, "usr", "lib", triplet))
    copy(hl[1], os.path.join(libdir, "ld-linux-x86-64.so.2"))
    os.symlink("/lib/%s/ld-linux-x86-64.so.2" % triplet,
               os.path.join(d, "lib64", "ld-linux-x86-64.so.2"))
    for p in libs:
        dst = os.path.join(libdir, os.path.basename(p))
        if not os.path.exists(dst):
            copy(p, dst)
    return "/lib/%s/ld-linux-x86-64.so.2" % triplet


def old_glibc_root(d, triplet="x86_64-linux-gnu"):
    """A root whose libc.so.6 is the stub of tests/fixtures/deps/oldlibc.c (versions
    GLIBC_2.2.5 ... GLIBC_2.30), with the host loader. Returns the stub's host path."""
    glibc_root(d, triplet)
    out = os.path.join(d, "lib", triplet, "libc.so.6")
    cc(out, ["oldlibc.c"], ["-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libc.so.6",
                            "-Wl,--version-script=" + fixture_src("oldlibc.map")])
    return out


def musl_loader():
    """The host's musl loader (the file /lib/ld-musl-x86_64.so.1 points to), or None."""
    p = "/lib/ld-musl-x86_64.so.1"
    return os.path.realpath(p) if os.path.exists(p) else None


def musl_root(d, libs=(), path_file=None):
    """A musl root in D: /lib/ld-musl-x86_64.so.1 a copy of the host's musl libc.so,
    each of LIBS (host paths) copied to /usr/lib, and /etc/ld-musl-x86_64.path
    with PATH_FILE's text when it is not None."""
    ml = musl_loader()
    if ml is None:
        raise BuildError("musl loader /lib/ld-musl-x86_64.so.1 not found")
    mkdirs(os.path.join(d, "lib"), os.path.join(d, "usr", "lib"), os.path.join(d, "etc"))
    copy(ml, os.path.join(d, "lib", "ld-musl-x86_64.so.1"))
    for p in libs:
        copy(p, os.path.join(d, "usr", "lib", os.path.basename(p)))
    if path_file is not None:
        with open(os.path.join(d, "etc", "ld-musl-x86_64.path"), "w") as fp:
            fp.write(path_file)
    return "/lib/ld-musl-x86_64.so.1"


def ldconfig_root(d):
    """Run `ldconfig -X -r D` (writes D/etc/ld.so.cache; ldconfig reads the
    libraries, never runs them; -X: no soname links). ldconfig -r chroots, so
    without root it is retried under `unshare -r`. Raises BuildError."""
    errs = []
    for pre in ([], ["unshare", "-r"]):
        if pre and not shutil.which("unshare"):
            continue
        try:
            _run(pre + ["ldconfig", "-X", "-r", d])
            if os.path.isfile(os.path.join(d, "etc", "ld.so.cache")):
                return os.path.join(d, "etc", "ld.so.cache")
            errs.append("%s: no cache written" % " ".join(pre + ["ldconfig"]))
        except BuildError as e:
            errs.append(str(e))
    raise BuildError("; ".join(errs))


# ---------------------------------------------------------------- roots of a given glibc


STUB_VERSIONS = ["2.2.5", "2.3", "2.4", "2.14", "2.17", "2.26", "2.28", "2.33", "2.34", "2.35",
                 "2.36", "2.37", "2.38"]


def _stub_release(text):
    return ("__attribute__((used)) static const char lp_release[] = \"%s\";\n" % text) if text else ""


def stub_glibc_root(d, t, ldso_release=None, libc_release=None, libc_upto="2.36",
                    triplet="x86_64-linux-gnu"):
    """A glibc root of a chosen version, from stand-ins built here (no code that runs):
    /lib/TRIPLET/ld-linux-x86-64.so.2, with the release banner "ld.so (linkproof stub) stable
    release version LDSO_RELEASE." when given (the loader glibc puts in every ld.so), and
    /lib64/ld-linux-x86-64.so.2 an absolute link to it; /lib/TRIPLET/libc.so.6 defining the
    symbol versions GLIBC_2.2.5 ... GLIBC_<libc_upto> (of STUB_VERSIONS), with the banner "GNU C
    Library (linkproof stub) stable release version LIBC_RELEASE." when given. T is a scratch
    directory. Returns the in-root loader path."""
    libdir = os.path.join(d, "lib", triplet)
    mkdirs(libdir, os.path.join(d, "lib64"), os.path.join(d, "etc"), os.path.join(d, "usr", "lib", triplet))
    tag = os.path.basename(d.rstrip("/"))
    src = os.path.join(t, "stub-ldso-%s.c" % tag)
    with open(src, "w") as f:
        f.write("/* a stand-in loader */\nint _dl_lp_stub(void) { return 0; }\n"
                + _stub_release(ldso_release and "ld.so (linkproof stub) stable release version %s." % ldso_release))
    cc(os.path.join(libdir, "ld-linux-x86-64.so.2"), [src],
       ["-shared", "-nostdlib", "-fPIC", "-Wl,-soname,ld-linux-x86-64.so.2"])
    os.symlink("/lib/%s/ld-linux-x86-64.so.2" % triplet, os.path.join(d, "lib64", "ld-linux-x86-64.so.2"))
    vers = STUB_VERSIONS[:STUB_VERSIONS.index(libc_upto) + 1]
    csrc = os.path.join(t, "stub-libc-%s.c" % tag)
    mapf = os.path.join(t, "stub-libc-%s.map" % tag)
    with open(csrc, "w") as f:
        f.write("/* a stand-in libc.so.6: symbol versions only */\n")
        for v in vers:
            f.write("int __lp_stub_%s(void) { return 0; }\n" % v.replace(".", "_"))
        f.write("int puts(const char *s) { (void)s; return 0; }\nint __libc_start_main(void) { return 0; }\n")
        f.write("void __cxa_finalize(void *p) { (void)p; }\n")
        f.write(_stub_release(libc_release and "GNU C Library (linkproof stub) stable release version %s." % libc_release))
    with open(mapf, "w") as f:
        prev = None
        for v in vers:
            extra = {"2.2.5": " puts; __cxa_finalize;", "2.34": " __libc_start_main;"}.get(v, "")
            f.write("GLIBC_%s {\n  global:\n    __lp_stub_%s;%s\n%s}%s;\n"
                    % (v, v.replace(".", "_"), extra, "  local:\n    *;\n" if prev is None else "",
                       " GLIBC_%s" % prev if prev else ""))
            prev = v
    cc(os.path.join(libdir, "libc.so.6"), [csrc],
       ["-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libc.so.6", "-Wl,--version-script=" + mapf])
    return "/lib/%s/ld-linux-x86-64.so.2" % triplet
