#!/usr/bin/env python3
"""Differential test: `linkproof inspect --json FILE` against readelf and the Go tool.

Oracles:
  * the ELF header bytes, read here with struct (class, byte order, e_type,
    e_machine);
  * `readelf -W -h -l -d -S -n` (binutils, LC_ALL=C): type, machine, program
    interpreter, NEEDED / RPATH / RUNPATH / SONAME / BIND_NOW, DF_1_PIE, the
    section table (.symtab, .debug_*, .zdebug_*, compression), the GNU build ID
    and the Go build-ID note;
  * `go version FILE`, `go version -m FILE` and `go tool buildid FILE` for the
    Go facts (version, path, main module, deps, settings, Go build ID);
  * fixtures.tsv for what each fixture was built to be.

Inputs: every fixture, every ELF file of the corpus list, about twenty host ELF
files (the first 15 regular ELF files in /usr/bin, libc.so.6, the dynamic
loader, a relocatable object, a few Go toolchain tools) and, when a C compiler
is available, small C programs built here with RPATH, RUNPATH, SONAME,
BIND_NOW, -static and -no-pie.

Environment: LP_BIN, LP_FIXTURES (required, else exit 77), LP_CORPUS_LIST,
LP_REQUIRE_CORPUS=1, GO, READELF (default readelf), CC (default cc).
The last line is "N passed, M failed".
"""

import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402

TIMEOUT = 120
run = lptest.Runner(TIMEOUT).run

# readelf's "Machine:" wording -> e_machine
READELF_MACHINES = {
    "None": 0,
    "Sparc": 2,
    "Intel 80386": 3,
    "MIPS R3000": 8,
    "PowerPC": 20,
    "PowerPC64": 21,
    "IBM S/390": 22,
    "ARM": 40,
    "Sparc v9": 43,
    "Intel IA-64": 50,
    "Advanced Micro Devices X86-64": 62,
    "AArch64": 183,
    "RISC-V": 243,
    "Linux BPF": 247,
    "LoongArch": 258,
}

# e_machine -> linkproof's machine name (documented in the JSON output)
MACHINE_NAMES = {
    0: "none", 2: "sparc", 3: "i386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390",
    40: "arm", 43: "sparcv9", 50: "ia64", 62: "x86-64", 183: "aarch64", 243: "riscv",
    247: "bpf", 258: "loongarch",
}


def expected_goarch(em, bits, big):
    """GOARCH for an ELF header, or None when Go has no such port."""
    if em == 62:
        return "amd64" if bits == 64 else "amd64p32"
    if em == 3:
        return "386"
    if em == 40:
        return "arm"
    if em == 183:
        return "arm64"
    if em == 22:
        return "s390x" if bits == 64 else None
    if em == 21:
        return ("ppc64" if big else "ppc64le") if bits == 64 else None
    if em == 8:
        if bits == 32:
            return "mips" if big else "mipsle"
        return "mips64" if big else "mips64le"
    if em == 243:
        return "riscv64" if bits == 64 else None
    if em == 258:
        return "loong64" if bits == 64 else None
    return None


ELF_TYPES = {0: "none", 1: "rel", 2: "exec", 3: "dyn", 4: "core"}
READELF_TYPES = {"NONE": "none", "REL": "rel", "EXEC": "exec", "DYN": "dyn", "CORE": "core"}


# ---------------------------------------------------------------- ELF header


def read_header(path):
    with open(path, "rb") as f:
        h = f.read(64)
    if len(h) < 20 or h[:4] != lptest.ELF_MAGIC:
        return None
    bits = {1: 32, 2: 64}.get(h[4])
    big = {1: False, 2: True}.get(h[5])
    if bits is None or big is None:
        return None
    e_type, e_machine = struct.unpack(">HH" if big else "<HH", h[16:20])
    return {"bits": bits, "big": big, "type": e_type, "machine": e_machine}


# ---------------------------------------------------------------- readelf


def parse_readelf(text):
    r = {"class": None, "data": None, "type": None, "type_text": None, "machine": None,
         "interp": None, "needed": [], "rpath": None, "runpath": None, "soname": None,
         "bind_now": False, "flags_1": [], "has_dynamic": False, "sections": [],
         "gnu_build_id": None, "go_build_id": None}
    sec_re = re.compile(r"^\s*\[\s*(\d+)\]\s(.*)$")
    dyn_re = re.compile(r"^\s*0x[0-9a-fA-F]+\s+\((\w+)\)\s+(.*)$")
    note_owner = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("Class:"):
            r["class"] = s.split(":", 1)[1].strip()
        elif s.startswith("Data:"):
            r["data"] = s.split(":", 1)[1].strip()
        elif s.startswith("Type:") and r["type"] is None:
            t = s.split(":", 1)[1].strip()
            r["type_text"] = t
            r["type"] = t.split(" ", 1)[0]
        elif s.startswith("Machine:") and r["machine"] is None:
            r["machine"] = s.split(":", 1)[1].strip()
        elif s.startswith("[Requesting program interpreter:"):
            r["interp"] = s[len("[Requesting program interpreter:"):].rstrip("]").strip()
        elif s.startswith("Dynamic section at offset"):
            r["has_dynamic"] = True
        m = dyn_re.match(line)
        if m:
            tag, val = m.group(1), m.group(2)
            br = re.search(r"\[(.*)\]\s*$", val)
            inner = br.group(1) if br else None
            if tag == "NEEDED":
                r["needed"].append(inner)
            elif tag == "RPATH":
                r["rpath"] = inner
            elif tag == "RUNPATH":
                r["runpath"] = inner
            elif tag == "SONAME":
                r["soname"] = inner
            elif tag == "BIND_NOW":
                r["bind_now"] = True
            elif tag == "FLAGS":
                if "BIND_NOW" in val.split():
                    r["bind_now"] = True
            elif tag == "FLAGS_1":
                words = val.replace("Flags:", "").split()
                r["flags_1"] = words
                if "NOW" in words:
                    r["bind_now"] = True
            continue
        m = sec_re.match(line)
        if m and not s.startswith("[Requesting"):
            idx, rest = int(m.group(1)), m.group(2)
            if idx == 0:
                continue
            toks = rest.split()
            # name type addr off size es [flags] lk inf al
            if len(toks) >= 9:
                name, flags = toks[0], (toks[6] if len(toks) == 10 else "")
                r["sections"].append((name, toks[1], flags))
            continue
        # notes
        if re.match(r"^\s{2}\S+\s+0x[0-9a-fA-F]+\s", line):
            note_owner = line.split()[0]
        if "Build ID:" in s and r["gnu_build_id"] is None:
            r["gnu_build_id"] = s.split("Build ID:", 1)[1].strip()
        if (note_owner == "Go" and "description data:" in s and r["go_build_id"] is None
                and ("GO BUILDID" in s or "0x00000004" in s)):
            hexes = s.split("description data:", 1)[1].split()
            try:
                r["go_build_id"] = bytes.fromhex("".join(hexes)).rstrip(b"\0").decode(
                    "utf-8", "replace")
            except ValueError:
                pass
    return r


# ---------------------------------------------------------------- go version -m


def go_unquote(s):
    """strconv.Unquote for a double-quoted Go string; returns str."""
    assert s[0] == '"' and s[-1] == '"'
    body = s[1:-1]
    out = bytearray()
    i = 0
    simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
              '"': 34, "'": 39}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif e == "u":
            out += chr(int(body[i + 2:i + 6], 16)).encode("utf-8", "surrogatepass")
            i += 6
        elif e == "U":
            out += chr(int(body[i + 2:i + 10], 16)).encode("utf-8", "surrogatepass")
            i += 10
        elif e in "01234567":
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        else:
            raise ValueError("bad escape in %r" % s)
    return out.decode("utf-8", "replace")


def split_quoted_prefix(s):
    """A Go-quoted string at the start of s: (unquoted, rest)."""
    i = 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return go_unquote(s[:i + 1]), s[i + 1:]
        i += 1
    raise ValueError("unterminated quoted string in %r" % s)


def parse_gover_m(out, path):
    """Parse `go version -m FILE` stdout: dict or None when Go printed nothing."""
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if not lines or not lines[0].startswith(path + ": "):
        return None
    info = {"version": lines[0][len(path) + 2:], "path": None, "main": None, "deps": [],
            "settings": []}
    last = None
    for line in lines[1:]:
        if not line.startswith("\t"):
            continue
        f = line[1:].split("\t")
        word = f[0]
        if word == "path":
            info["path"] = line[len("\tpath\t"):]
        elif word in ("mod", "dep", "=>"):
            mod = {"path": f[1] if len(f) > 1 else "", "version": f[2] if len(f) > 2 else "",
                   "sum": f[3] if len(f) > 3 else "", "replace": None}
            if word == "mod":
                info["main"] = mod
                last = mod
            elif word == "dep":
                info["deps"].append(mod)
                last = mod
            elif last is not None:
                last["replace"] = mod
        elif word == "build":
            kv = line[len("\tbuild\t"):]
            if kv.startswith('"'):
                key, rest = split_quoted_prefix(kv)
                rest = rest[1:]  # '='
            else:
                key, _, rest = kv.partition("=")
            if rest.startswith('"') and rest.endswith('"') and len(rest) >= 2:
                value = go_unquote(rest)
            else:
                value = rest
            info["settings"].append([key, value])
    return info


def norm_mod(m):
    if m is None:
        return None
    return (m.get("path"), m.get("version"), m.get("sum") or "", norm_mod(m.get("replace")))


# ---------------------------------------------------------------- inputs


def host_files(go, readelf):
    files = []
    try:
        names = sorted(os.listdir("/usr/bin"))
    except OSError:
        names = []
    for n in names:
        p = os.path.join("/usr/bin", n)
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if (st.st_mode & 0o170000) == 0o100000 and lptest.is_elf(p):
            files.append(p)
            if len(files) == 15:
                break
    libc = lptest.host_libc()
    if libc:
        files.append(os.path.realpath(libc))
        rc, out, _ = run([readelf, "-W", "-l", libc])
        m = re.search(rb"\[Requesting program interpreter: ([^\]]+)\]", out)
        ld = m.group(1).decode() if m else None
        if ld and os.path.exists(ld):
            files.append(os.path.realpath(ld))
    for p in ("/usr/lib/x86_64-linux-gnu/crt1.o", "/usr/lib/aarch64-linux-gnu/crt1.o",
              "/usr/lib64/crt1.o", "/usr/lib/crt1.o"):
        if os.path.isfile(p):
            files.append(p)
            break
    rc, gtd, _ = run([go, "env", "GOTOOLDIR"])
    gtd = gtd.decode().strip()
    if rc == 0 and os.path.isdir(gtd):
        for n in ("asm", "buildid", "vet"):
            p = os.path.join(gtd, n)
            if os.path.isfile(p):
                files.append(p)
    seen, out = set(), []
    for p in files:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def build_c_programs(tmp):
    """Small C objects with known dynamic entries; [] without a C compiler."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        print("note: no C compiler; built C programs skipped")
        return []
    src = os.path.join(tmp, "hello.c")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\nint hello(void) { return puts("hi"); }\n'
                'int main(void) { return hello() < 0; }\n')
    lsrc = os.path.join(tmp, "lib.c")
    with open(lsrc, "w") as f:
        f.write("int lib_answer(void) { return 42; }\n")
    variants = [
        ("c-rpath", [src, "-Wl,-rpath,/opt/lp/rpath:$ORIGIN/../lib", "-Wl,--disable-new-dtags"]),
        ("c-runpath", [src, "-Wl,-rpath,/opt/lp/runpath", "-Wl,--enable-new-dtags"]),
        ("c-now", [src, "-Wl,-z,now"]),
        ("c-nopie", [src, "-no-pie"]),
        ("c-pie", [src, "-fPIE", "-pie"]),
        ("c-static", [src, "-static"]),
        ("c-static-pie", [src, "-static-pie"]),
        ("c-debug", [src, "-g"]),
        ("c-zdebug", [src, "-g", "-gz"]),
        ("libc-soname.so", [lsrc, "-shared", "-fPIC", "-Wl,-soname,liblp.so.1"]),
        ("c-obj.o", [src, "-c"]),
    ]
    out = []
    for name, args in variants:
        dst = os.path.join(tmp, name)
        rc, _, err = run([cc, "-o", dst] + args)
        if rc == 0 and os.path.isfile(dst):
            out.append(dst)
        else:
            print("note: could not build %s (%s)" % (name, err.decode(errors="replace").strip()[:200]))
    return out


def without_section_headers(src, dst):
    """Copy src with e_shoff, e_shnum and e_shstrndx zeroed: only segments remain."""
    with open(src, "rb") as f:
        return lptest.write_file(dst, lptest.without_section_headers(f.read()))


def crafted_files(tmp, fxdir, rows):
    """Fixtures without section headers, and an object with extended section numbering."""
    out = []
    names = {r["name"] for r in rows}
    for n in ("app-amd64-cgo1-pie", "app-386-cgo0-exe", "app-s390x-cgo0-exe",
              "static1-amd64-cgo1-exe"):
        if n in names:
            out.append(without_section_headers(os.path.join(fxdir, n),
                                               os.path.join(tmp, "noshdr-" + n)))
    asm = os.environ.get("AS") or shutil.which("as")
    if asm:
        src = os.path.join(tmp, "many.s")
        with open(src, "w") as f:
            for i in range(65300):  # more than SHN_LORESERVE: e_shnum 0, e_shstrndx SHN_XINDEX
                f.write('.section .t%d,"a"\n.byte 1\n' % i)
        dst = os.path.join(tmp, "many-sections.o")
        rc, _, err = run([asm, "-o", dst, src])
        if rc == 0:
            out.append(dst)
        else:
            print("note: could not assemble many-sections.o: %s" % err[:200])
    return out


# ---------------------------------------------------------------- checks


def inspect_json(lp, path):
    rc, out, err = run([lp, "inspect", "--json", path])
    lines = out.decode("utf-8", "replace").splitlines()
    obj = lptest.load_json(lines[0]) if len(lines) == 1 else None
    return rc, obj, out, err


def check_file(tally, lp, go, readelf, path, tmp, row=None):
    label = path
    rc, j, raw, err = inspect_json(lp, path)
    if not tally.check(rc == 0 and j is not None, label,
                       "inspect --json exit %s, stdout %r, stderr %r"
                       % (rc, raw[:300], err[:300])):
        return None
    tally.check(all(k in j for k in lptest.JSON_KEYS), label,
                "missing JSON keys: %s" % [k for k in lptest.JSON_KEYS if k not in j])
    tally.eq(label, "error", None, j.get("error"))
    tally.eq(label, "path", path, j.get("path"))
    tally.eq(label, "format", "elf", j.get("format"))

    # header bytes
    h = read_header(path)
    tally.check(h is not None, label, "ELF header not readable by the test")
    if h is None:
        return j
    tally.eq(label, "class", h["bits"], j.get("class"))
    tally.eq(label, "endian", "big" if h["big"] else "little", j.get("endian"))
    tally.eq(label, "elf_type (e_type %d)" % h["type"], ELF_TYPES.get(h["type"], "unknown"),
             j.get("elf_type"))
    if h["machine"] in MACHINE_NAMES:
        tally.eq(label, "machine (e_machine %d)" % h["machine"], MACHINE_NAMES[h["machine"]],
                 j.get("machine"))
    else:
        tally.check(isinstance(j.get("machine"), str) and j.get("machine"), label,
                    "machine: e_machine %d, linkproof says %r" % (h["machine"], j.get("machine")))
    tally.eq(label, "goarch (e_machine %d, %d-bit, %s)" % (
        h["machine"], h["bits"], "big" if h["big"] else "little"),
        expected_goarch(h["machine"], h["bits"], h["big"]), j.get("goarch"))

    # readelf
    rrc, rout, rerr = run([readelf, "-W", "-h", "-l", "-d", "-S", "-n", path])
    if not tally.check(rrc == 0 or rout, label, "readelf failed: %r" % rerr[:300]):
        return j
    r = parse_readelf(rout.decode("utf-8", "replace"))
    tally.check(r["class"] == "ELF%d" % h["bits"], label,
                "test self-check: readelf Class %r vs header %d" % (r["class"], h["bits"]))
    tally.check((r["data"] or "").endswith("big endian" if h["big"] else "little endian"), label,
                "test self-check: readelf Data %r" % r["data"])
    if r["machine"] in READELF_MACHINES:
        tally.check(READELF_MACHINES[r["machine"]] == h["machine"], label,
                    "test self-check: readelf Machine %r vs e_machine %d"
                    % (r["machine"], h["machine"]))
    tally.eq(label, "elf_type (readelf Type %r)" % r["type_text"],
             READELF_TYPES.get(r["type"], "unknown"), j.get("elf_type"))

    lk = j.get("linkage")
    if tally.check(isinstance(lk, dict) and all(k in lk for k in lptest.LINKAGE_KEYS), label,
                   "linkage is %r" % (lk,)):
        tally.eq(label, "linkage.interpreter", r["interp"], lk.get("interpreter"))
        tally.eq(label, "linkage.needed", r["needed"], lk.get("needed"))
        tally.eq(label, "linkage.rpath", r["rpath"], lk.get("rpath"))
        tally.eq(label, "linkage.runpath", r["runpath"], lk.get("runpath"))
        tally.eq(label, "linkage.soname", r["soname"], lk.get("soname"))
        tally.eq(label, "linkage.bind_now", r["bind_now"], lk.get("bind_now"))
        df1 = r["type_text"] == "DYN (Position-Independent Executable file)"
        tally.check(df1 == ("PIE" in r["flags_1"]), label,
                    "test self-check: readelf Type %r vs FLAGS_1 %r" % (r["type_text"], r["flags_1"]))
        tally.eq(label, "linkage.df_1_pie (readelf Type %r)" % r["type_text"], df1,
                 lk.get("df_1_pie"))
        tally.eq(label, "linkage.static (no INTERP and no NEEDED)",
                 r["interp"] is None and not r["needed"], lk.get("static"))
        if df1:
            tally.eq(label, "linkage.pie (DF_1_PIE set)", True, lk.get("pie"))
        if h["type"] != 3:
            tally.eq(label, "linkage.pie (not ET_DYN)", False, lk.get("pie"))

    names = [s[0] for s in r["sections"]]
    debug = [s for s in r["sections"] if s[0].startswith(".debug_") or s[0].startswith(".zdebug_")]
    tally.eq(label, "symtab (.symtab section)", ".symtab" in names, j.get("symtab"))
    tally.eq(label, "dwarf (.debug_*/.zdebug_* sections)", bool(debug), j.get("dwarf"))
    tally.eq(label, "dwarf_compressed (.zdebug_* or SHF_COMPRESSED .debug_*)",
             any(s[0].startswith(".zdebug_") or "C" in s[2] for s in debug),
             j.get("dwarf_compressed"))
    tally.eq(label, "gnu_build_id (readelf -n Build ID)", r["gnu_build_id"], j.get("gnu_build_id"))

    # Go: go version / go version -m / go tool buildid need an executable file
    gopath = path
    if not os.access(path, os.X_OK):
        gopath = os.path.join(tmp, "x-" + os.path.basename(path))
        shutil.copyfile(path, gopath)
        os.chmod(gopath, 0o755)
    _, vout, _ = run([go, "version", gopath])
    m = re.match(re.escape(gopath.encode()) + rb": (\S+)\n", vout)
    go_version = m.group(1).decode() if m else None
    _, mout, _ = run([go, "version", "-m", gopath])
    minfo = parse_gover_m(mout, gopath)
    is_go = go_version is not None or r["go_build_id"] is not None
    g = j.get("go")
    if not is_go:
        tally.eq(label, "go (go version and readelf see no Go)", None, g)
        return j
    if not tally.check(isinstance(g, dict) and all(k in g for k in lptest.GO_KEYS), label,
                       "go is %r" % (g,)):
        return j
    brc, bout, berr = run([go, "tool", "buildid", gopath])
    if tally.check(brc == 0, label, "go tool buildid failed: %r" % berr[:200]):
        tally.eq(label, "go.build_id (go tool buildid)", bout.decode("utf-8", "replace").strip(),
                 g.get("build_id"))
    if r["go_build_id"] is not None:
        tally.eq(label, "go.build_id (readelf Go note)", r["go_build_id"], g.get("build_id"))
    if go_version is not None:
        tally.eq(label, "go.version (go version)", go_version, g.get("version"))
        tally.eq(label, "go.version_source", "buildinfo", g.get("version_source"))
    else:
        # no build info where Go looks for it: linkproof may still know the version from the
        # runtime (symbol or version string), but must not claim it came from build info
        tally.check(g.get("version_source") != "buildinfo", label,
                    "go version finds no build info, yet version_source is 'buildinfo'")
        v = g.get("version")
        tally.check(v is None or re.match(r"go1\.\d+", v) is not None, label,
                    "fallback go.version %r is not a Go version" % (v,))
    if go_version is None:
        return j
    tally.check(minfo is not None and minfo["version"] == go_version, label,
                "test self-check: go version -m first line disagrees with go version")
    if minfo is None:
        return j
    tally.eq(label, "go.path (go version -m path)", minfo["path"] or None, g.get("path") or None)
    main = g.get("main")
    if minfo["main"] is None:
        tally.check(main is None or not main.get("path"), label,
                    "go.main: go version -m prints no mod line, linkproof says %r" % (main,))
    else:
        tally.eq(label, "go.main (go version -m mod)", norm_mod(minfo["main"]), norm_mod(main))
    deps = g.get("deps") or []
    tally.eq(label, "go.deps (go version -m dep)", [norm_mod(d) for d in minfo["deps"]],
             [norm_mod(d) for d in deps])
    settings = [[s.get("key"), s.get("value")] for s in (g.get("settings") or [])]
    tally.eq(label, "go.settings (go version -m build)", minfo["settings"], settings)
    tally.eq(label, "go.parse_error", None, g.get("parse_error"))
    return j


def check_fixture_facts(tally, row, j):
    name = row["name"]
    if j is None:
        return
    g = j.get("go") or {}
    lk = j.get("linkage") or {}
    settings = {}
    for s in g.get("settings") or []:
        settings.setdefault(s.get("key"), s.get("value"))
    notes = [n.get("id") for n in j.get("notes") or []]
    tally.eq(name, "goarch (fixtures.tsv)", row["goarch"], j.get("goarch"))
    tally.eq(name, "GOARCH setting (fixtures.tsv)", row["goarch"], settings.get("GOARCH"))
    tally.eq(name, "CGO_ENABLED setting (fixtures.tsv cgo)", row["cgo"], settings.get("CGO_ENABLED"))
    if row["cgo"] == "1" and row["program"] in ("netapp", "cgolibc"):
        tally.eq(name, "linkage.static (cgo=1 %s)" % row["program"], False, lk.get("static"))
        tally.check("libc.so.6" in (lk.get("needed") or []), name,
                    "linkage.needed should contain libc.so.6, is %r" % (lk.get("needed"),))
    if row["program"] == "static1" and row["cgo"] == "1":
        tally.eq(name, "linkage.static (static1)", True, lk.get("static"))
        tally.check("cgo-static" in notes, name, "notes should include cgo-static, are %r" % notes)
    else:
        tally.check("cgo-static" not in notes, name, "unexpected cgo-static note: %r" % notes)
    if row["stripped"] == "yes":
        tally.eq(name, "symtab (stripped=yes)", False, j.get("symtab"))
        tally.eq(name, "dwarf (stripped=yes)", False, j.get("dwarf"))
    else:
        tally.eq(name, "symtab (stripped=no)", True, j.get("symtab"))
        tally.eq(name, "dwarf (stripped=no)", True, j.get("dwarf"))
    if row["buildmode"] == "pie":
        tally.eq(name, "linkage.pie (buildmode pie)", True, lk.get("pie"))
        tally.eq(name, "elf_type (buildmode pie)", "dyn", j.get("elf_type"))
    elif row["buildmode"] == "exe":
        tally.eq(name, "linkage.pie (buildmode exe)", False, lk.get("pie"))
    elif row["buildmode"] == "c-shared":
        tally.eq(name, "elf_type (c-shared)", "dyn", j.get("elf_type"))
        tally.eq(name, "linkage.pie (c-shared)", False, lk.get("pie"))
    if row["trimpath"] == "yes":
        tally.eq(name, "-trimpath setting (trimpath=yes)", "true", settings.get("-trimpath"))
    else:
        tally.check("-trimpath" not in settings, name, "unexpected -trimpath setting")
    vcs = [k for k in settings if k == "vcs" or k.startswith("vcs.")]
    if row["vcs"] == "none":
        tally.eq(name, "vcs.* settings (vcs=none)", [], vcs)
    else:
        tally.eq(name, "vcs setting (fixtures.tsv vcs)", row["vcs"], settings.get("vcs"))
    ld = row["ldflags"]
    # go build keeps the last -ldflags; with -trimpath it records none (they may hold paths)
    want = None if ld == "-" or row["trimpath"] == "yes" else ld.split("|")[-1]
    tally.eq(name, "-ldflags setting (fixtures.tsv)", want, settings.get("-ldflags"))
    for n in j.get("notes") or []:
        tally.check(n.get("id") in ("cgo-static",), name, "unexpected note %r" % (n,))


def main(fxdir, tally):
    lp = lptest.lp_bin()
    go = lptest.go_bin()
    readelf = os.environ.get("READELF") or shutil.which("readelf") or "readelf"

    if not lptest.check_fixture_list(tally, fxdir):
        return tally.abort()
    rows = lptest.fixture_rows(fxdir)
    corpus = lptest.corpus_paths(tally, lptest.is_elf, "ELF files", "non-ELF files (PE/Mach-O)",
                                 bare_pkg=None)
    with tempfile.TemporaryDirectory(prefix="lp-readelf-") as tmp:
        hosts = host_files(go, readelf)
        built = build_c_programs(tmp) + crafted_files(tmp, fxdir, rows)
        print("note: %d fixtures, %d corpus ELF files, %d host ELF files, %d built/crafted files"
              % (len(rows), len(corpus), len(hosts), len(built)), flush=True)
        for row in rows:
            p = row["path"]
            if not tally.check(os.path.isfile(p), p, "fixture listed in fixtures.tsv is missing"):
                continue
            j = check_file(tally, lp, go, readelf, p, tmp, row)
            check_fixture_facts(tally, row, j)
            tally.check(j is not None and isinstance(j.get("go"), dict), p,
                        "fixture not reported as Go")
        for p in corpus + hosts + built:
            check_file(tally, lp, go, readelf, p, tmp)

    return tally.finish("oracle_readelf")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
