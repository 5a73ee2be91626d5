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
  * fixtures.tsv for what each fixture was built to be;
  * for the hardening keys of linkage (kind, relro, nx, gnu_stack, executable_stack,
    textrel, rwx_segments) and the text "hardening" row: the program headers of
    `readelf -l` (GNU_RELRO, GNU_STACK flags, LOAD flags) and `readelf -d` (BIND_NOW,
    FLAGS BIND_NOW / TEXTREL, FLAGS_1 NOW / PIE, TEXTREL), on every ELF file, plus what
    each hardening program was built or crafted to have; `checksec --file=F --output=json`
    too when it is installed, where its definitions coincide with linkproof's.

Inputs: every fixture, every ELF file of the corpus list, about twenty host ELF
files (the first 15 regular ELF files in /usr/bin, libc.so.6, the dynamic
loader, a relocatable object, a few Go toolchain tools) and, when a C compiler
is available, small C programs built here with RPATH, RUNPATH, SONAME,
BIND_NOW, -static and -no-pie; and, for hardening, programs built with -z norelro,
-z relro -z lazy, -z relro -z now, -z execstack, -z noexecstack, -shared -Wl,-soname,
-no-pie, -static, -static-pie, a TEXTREL shared object (a .quad in .text, -z notext), an
RWX image (-nostdlib -static -N), and copies crafted from them with one source of
BIND_NOW or TEXTREL each, without PT_GNU_STACK, and with every PT_LOAD RWX. PE and Mach-O
files of the corpus must have "linkage": null. A note per distinct hardening profile of
the fixtures records what the Go linker produces.

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
         "gnu_build_id": None, "go_build_id": None,
         # hardening: program headers as (type, flags) with flags a subset of "RWE",
         # the count readelf announces, TEXTREL, DT_DEBUG, the section-to-segment map
         "phdrs": [], "phnum": None, "phdr_lines_bad": [], "textrel": False,
         "dt_debug": False, "bind_now_text": False, "segment_map": []}
    sec_re = re.compile(r"^\s*\[\s*(\d+)\]\s(.*)$")
    dyn_re = re.compile(r"^\s*0x[0-9a-fA-F]+\s+\((\w+)\)\s+(.*)$")
    # after the 14-column type: offset vaddr paddr filesz memsz " RWE " align
    ph_re = re.compile(r"^(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)"
                       r" (.{3}) (0x[0-9a-f]+)\s*$")
    note_owner = None
    block = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("There are no program headers"):
            r["phnum"] = 0
        m = (re.match(r"There are (\d+) program headers", s) or
             re.match(r"Number of program headers:\s+(\d+)", s))
        if m:
            r["phnum"] = int(m.group(1))
        if s == "Program Headers:":
            block = "ph"
            continue
        if s == "Section to Segment mapping:":
            block = "map"
            continue
        if block and not s:
            block = None
        if block == "ph":
            if s.startswith("Type ") or s.startswith("[Requesting program interpreter:"):
                pass
            else:
                # readelf prints the type as "  %-14.14s " (LOOS+0x5041580, <unknown>: 7)
                m = ph_re.match(line[17:]) if line.startswith("  ") else None
                if m:
                    r["phdrs"].append((line[2:16].strip(), set(m.group(6)) & set("RWE")))
                else:
                    r["phdr_lines_bad"].append(line)
                continue
        elif block == "map":
            r["segment_map"].append(s)
            continue
        if "BIND_NOW" in line and dyn_re.match(line):
            r["bind_now_text"] = True  # what checksec greps for in readelf -d
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
            elif tag == "TEXTREL":
                r["textrel"] = True
            elif tag == "DEBUG":
                r["dt_debug"] = True
            elif tag == "FLAGS":
                if "BIND_NOW" in val.split():
                    r["bind_now"] = True
                if "TEXTREL" in val.split():
                    r["textrel"] = True
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


# ---------------------------------------------------------------- hardening

HARDENING_KEYS = ["kind", "relro", "nx", "gnu_stack", "executable_stack", "textrel",
                  "rwx_segments"]


def expected_pie(r):
    """docs/json-schema.md: ET_DYN and either DF_1_PIE or an interpreter without DT_SONAME."""
    return r["type"] == "DYN" and ("PIE" in r["flags_1"] or (r["interp"] is not None
                                                              and r["soname"] is None))


def expected_hardening(r):
    """The hardening keys of linkage, from readelf -l / -d alone."""
    kind = {"EXEC": "executable", "REL": "relocatable", "CORE": "core"}.get(r["type"], "unknown")
    if r["type"] == "DYN":
        kind = "pie" if expected_pie(r) else "shared-library"
    types = [t for t, _ in r["phdrs"]]
    stacks = [f for t, f in r["phdrs"] if t == "GNU_STACK"]
    # with several PT_GNU_STACK the kernel (binfmt_elf) keeps the last one
    stack_x = bool(stacks) and "E" in stacks[-1]
    return {
        "kind": kind,
        "relro": ("none" if "GNU_RELRO" not in types else
                  "full" if r["bind_now"] else "partial"),
        "nx": bool(stacks) and not stack_x,
        "gnu_stack": bool(stacks),
        "executable_stack": not stacks or stack_x,
        "textrel": r["textrel"],
        "rwx_segments": sum(1 for t, f in r["phdrs"] if t == "LOAD" and {"W", "E"} <= f),
    }


def hardening_text(h):
    """The "hardening" row of `linkproof inspect` (text) for expected_hardening's values."""
    stack = ("NX" if h["nx"] else "executable stack" if h["gnu_stack"]
             else "no PT_GNU_STACK (stack executable by default)")
    n = h["rwx_segments"]
    return "RELRO %s, %s, %s, %d RWX segment%s" % (
        h["relro"], stack, "TEXTREL" if h["textrel"] else "no TEXTREL", n, "" if n == 1 else "s")


def check_hardening(tally, lp, label, r, lk):
    """linkage.{kind, relro, nx, gnu_stack, executable_stack, textrel, rwx_segments} and the
    text "hardening" row against readelf; returns the expected values."""
    tally.check(r["phnum"] is not None and not r["phdr_lines_bad"]
                and len(r["phdrs"]) == r["phnum"], label,
                "test self-check: readelf announces %r program headers, parsed %d, unparsed %r"
                % (r["phnum"], len(r["phdrs"]), r["phdr_lines_bad"][:3]))
    want = expected_hardening(r)
    stacks = [sorted(f) for t, f in r["phdrs"] if t == "GNU_STACK"]
    why = {
        "kind": "readelf Type %r, FLAGS_1 %r, interp %r, soname %r" % (
            r["type_text"], r["flags_1"], r["interp"], r["soname"]),
        "relro": "GNU_RELRO %s, BIND_NOW %s" % (
            any(t == "GNU_RELRO" for t, _ in r["phdrs"]), r["bind_now"]),
        "nx": "GNU_STACK flags %r" % stacks,
        "gnu_stack": "GNU_STACK flags %r" % stacks,
        "executable_stack": "GNU_STACK flags %r" % stacks,
        "textrel": "readelf -d TEXTREL tag or FLAGS TEXTREL",
        "rwx_segments": "LOAD flags %r" % [sorted(f) for t, f in r["phdrs"] if t == "LOAD"],
    }
    for k in HARDENING_KEYS:
        tally.eq(label, "linkage.%s (%s)" % (k, why[k]), want[k], lk.get(k))
    n_rwx = lk.get("rwx_segments")
    tally.check(isinstance(n_rwx, int) and not isinstance(n_rwx, bool),
                label, "linkage.rwx_segments is %r, not an integer" % (lk.get("rwx_segments"),))
    tally.eq(label, "linkage.pie (kind %s)" % want["kind"], want["kind"] == "pie", lk.get("pie"))
    # the text report: the hardening row, and "shared library" in the linkage row
    rc, out, err = run([lp, "inspect", "--color=never", label])
    text = lptest.dec(out)
    rows = dict((m.group(1), m.group(2)) for m in
                re.finditer(r"(?m)^  (hardening|linkage)\s{2,}(.*)$", text))
    if tally.check(rc == 0 and "hardening" in rows, label,
                   "inspect (text) exit %r, no hardening row in %r" % (rc, text[:400])):
        tally.eq(label, "text hardening row", hardening_text(want), rows["hardening"])
        tally.eq(label, "text linkage row says 'shared library' (kind %s)" % want["kind"],
                 want["kind"] == "shared-library", ", shared library" in rows.get("linkage", ""))
    return dict(want, pie=want["kind"] == "pie", soname=r["soname"],
                static=r["interp"] is None and not r["needed"])


def checksec_compare(tally, label, r, lk, checksec):
    """checksec --file=F --output=json, where its definitions coincide with linkproof's.

    checksec (a shell script over readelf) differs by design: NX is "no" only for a
    GNU_STACK with RWE (an "R E" stack is NX for it); RELRO is "full" when readelf -d shows
    the word BIND_NOW (DF_1_NOW alone is not) and, in newer versions, also when no .got.plt
    is mapped; PIE is "yes" for ET_DYN with DT_DEBUG, else "dso". Each key is compared only
    where both definitions give the same answer; the rest is counted as skipped."""
    rc, out, _ = run([checksec, "--file=" + label, "--output=json"])
    obj = lptest.load_json(out) if rc == 0 else None
    rec = None
    if isinstance(obj, dict):
        rec = obj.get(label) or (next(iter(obj.values())) if len(obj) == 1 else None)
    if not isinstance(rec, dict):
        print("note: checksec gave no JSON record for %s (exit %r)" % (label, rc))
        return 0
    skipped = 0
    types = [t for t, _ in r["phdrs"]]
    stacks = [f for t, f in r["phdrs"] if t == "GNU_STACK"]
    if not stacks or "E" not in stacks[-1] or "W" in stacks[-1]:
        tally.eq(label, "linkage.nx (checksec nx %r)" % rec.get("nx"),
                 rec.get("nx") == "yes", lk.get("nx"))
    else:
        skipped += 1
    got_plt = any(re.search(r"(^|\s)\.got\.plt(\s|$)", m) for m in r["segment_map"])
    cs_relro = {"no": "none", "partial": "partial", "full": "full"}.get(rec.get("relro"))
    if "GNU_RELRO" not in types or (r["bind_now_text"] and r["bind_now"]) or (
            got_plt and not r["bind_now"]):
        tally.eq(label, "linkage.relro (checksec relro %r)" % rec.get("relro"), cs_relro,
                 lk.get("relro"))
    else:
        skipped += 1
    cs_pie = {"yes": "pie", "dso": "shared-library", "no": "executable",
              "rel": "relocatable"}.get(rec.get("pie"))
    if r["type"] != "DYN" or r["dt_debug"] == expected_pie(r):
        if cs_pie is not None:
            tally.eq(label, "linkage.kind (checksec pie %r)" % rec.get("pie"), cs_pie,
                     lk.get("kind"))
    else:
        skipped += 1
    return skipped


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


# ELF constants used to craft files
PT_NULL, PT_LOAD, PT_DYNAMIC, PT_GNU_STACK = 0, 1, 2, 0x6474e551
PF_X, PF_W = 1, 2
DT_NULL, DT_TEXTREL, DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1 = 0, 22, 24, 30, 0x6ffffffb
DT_CHECKSUM = 0x6ffffdf8  # a tag linkproof and the loader ignore, readelf names
DF_TEXTREL, DF_BIND_NOW, DF_1_NOW = 0x4, 0x8, 0x1


class ElfPatch:
    """A copy of an ELF file whose program headers and dynamic entries can be rewritten."""

    def __init__(self, src):
        with open(src, "rb") as f:
            self.d = bytearray(f.read())
        d = self.d
        self.w = d[4] == 2
        self.e = ">" if d[5] == 2 else "<"
        if self.w:
            self.phoff, = struct.unpack_from(self.e + "Q", d, 0x20)
            self.phent, self.phnum = struct.unpack_from(self.e + "HH", d, 0x36)
        else:
            self.phoff, = struct.unpack_from(self.e + "I", d, 0x1c)
            self.phent, self.phnum = struct.unpack_from(self.e + "HH", d, 0x2a)

    def phdrs(self):
        """[(offset of the header, p_type, p_flags, p_offset, p_filesz)]"""
        out = []
        for i in range(self.phnum):
            o = self.phoff + i * self.phent
            if self.w:
                t, fl, off = struct.unpack_from(self.e + "IIQ", self.d, o)
                fs, = struct.unpack_from(self.e + "Q", self.d, o + 32)
            else:
                t, off = struct.unpack_from(self.e + "II", self.d, o)
                fs, = struct.unpack_from(self.e + "I", self.d, o + 16)
                fl, = struct.unpack_from(self.e + "I", self.d, o + 24)
            out.append((o, t, fl, off, fs))
        return out

    def set_phdr(self, o, p_type=None, p_flags=None):
        if p_type is not None:
            struct.pack_into(self.e + "I", self.d, o, p_type)
        if p_flags is not None:
            struct.pack_into(self.e + "I", self.d, o + (4 if self.w else 24), p_flags)

    def dyn(self):
        """[(offset, d_tag, d_val)] up to DT_NULL"""
        out = []
        fmt, n = (self.e + "qQ", 16) if self.w else (self.e + "iI", 8)
        for _, t, _, off, fs in self.phdrs():
            if t != PT_DYNAMIC:
                continue
            for k in range(off, off + fs - n + 1, n):
                tag, val = struct.unpack_from(fmt, self.d, k)
                if tag == DT_NULL:
                    break
                out.append((k, tag, val))
            break
        return out

    def set_dyn(self, o, tag, val):
        struct.pack_into((self.e + "qQ") if self.w else (self.e + "iI"), self.d, o, tag, val)

    def edit_dyn(self, tag, fn):
        """fn(val) -> (tag, val) for every entry with this tag; the number of entries edited"""
        n = 0
        for o, t, v in self.dyn():
            if t == tag:
                self.set_dyn(o, *fn(v))
                n += 1
        return n

    def write(self, dst):
        return lptest.write_file(dst, bytes(self.d))


def build_hardening_programs(tmp, cc):
    """C programs (and crafted copies) built for one hardening property each:
    [(path, {linkage key: value it must have})]."""
    src = os.path.join(tmp, "hard.c")
    with open(src, "w") as f:
        f.write('#include <stdio.h>\nint main(void) { return puts("hi") < 0; }\n')
    lsrc = os.path.join(tmp, "hardlib.c")
    with open(lsrc, "w") as f:
        f.write("int hard_answer(void) { return 42; }\n")
    # a 64-bit absolute address in .text: the dynamic relocation patches the text (TEXTREL)
    tsrc = os.path.join(tmp, "textrel.s")
    with open(tsrc, "w") as f:
        f.write(".text\n.globl lp_tab\nlp_tab:\n.quad lp_data\n"
                ".data\n.globl lp_data\nlp_data:\n.quad 1\n")
    # no libc: a static -N (omagic) image is one read-write-execute PT_LOAD
    rsrc = os.path.join(tmp, "rwx.c")
    with open(rsrc, "w") as f:
        f.write("int lp_data = 1;\nvoid _start(void) { for (;;) lp_data++; }\n")
    pie = ["-fPIE", "-pie"]
    nx = {"gnu_stack": True, "nx": True, "executable_stack": False}
    variants = [
        ("h-norelro", [src, "-Wl,-z,norelro"] + pie, {"relro": "none", "kind": "pie"}),
        ("h-partial", [src, "-Wl,-z,relro", "-Wl,-z,lazy"] + pie,
         {"relro": "partial", "kind": "pie"}),
        ("h-full", [src, "-Wl,-z,relro", "-Wl,-z,now"] + pie, {"relro": "full", "kind": "pie"}),
        ("h-full-nopie", [src, "-no-pie", "-Wl,-z,relro", "-Wl,-z,now"],
         {"relro": "full", "kind": "executable", "pie": False}),
        ("h-full-dtbindnow", [src, "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--disable-new-dtags"] + pie,
         {"relro": "full"}),
        ("h-execstack", [src, "-Wl,-z,execstack"],
         {"gnu_stack": True, "nx": False, "executable_stack": True}),
        ("h-noexecstack", [src, "-Wl,-z,noexecstack"] + pie, dict(nx, rwx_segments=0)),
        ("libh-soname.so", [lsrc, "-shared", "-fPIC", "-Wl,-soname,libhard.so.1"],
         {"kind": "shared-library", "pie": False, "soname": "libhard.so.1"}),
        ("h-nopie", [src, "-no-pie"], {"kind": "executable", "pie": False}),
        ("h-static", [src, "-static"], {"kind": "executable", "pie": False, "static": True}),
        ("h-static-pie", [src, "-static-pie"], {"kind": "pie", "pie": True, "static": True}),
        ("libh-textrel.so", [tsrc, "-shared", "-Wl,-z,notext", "-Wl,-z,noexecstack"],
         {"textrel": True, "kind": "shared-library", "pie": False}),
        ("h-rwx", [rsrc, "-nostdlib", "-static", "-no-pie", "-Wl,-N", "-Wl,-z,noexecstack"],
         dict(nx, rwx_segments=1, kind="executable", static=True)),
    ]
    built = {}
    out = []
    for name, args, want in variants:
        dst = os.path.join(tmp, name)
        rc, _, err = run([cc, "-o", dst] + args)
        if rc == 0 and os.path.isfile(dst):
            built[name] = dst
            out.append((dst, want))
        else:
            print("note: could not build %s (%s)"
                  % (name, err.decode(errors="replace").strip()[:200]))

    # crafted from those: each source of BIND_NOW and of TEXTREL alone, no PT_GNU_STACK,
    # every PT_LOAD writable and executable
    def craft(base, name, want, edit):
        if base not in built:
            return
        p = ElfPatch(built[base])
        if edit(p):
            out.append((p.write(os.path.join(tmp, name)), want))
        else:
            print("note: could not craft %s from %s" % (name, base))

    def only_df_1_now(p):  # DT_FLAGS emptied: DF_1_NOW is the only BIND_NOW
        return (p.edit_dyn(DT_FLAGS, lambda v: (DT_FLAGS, v & ~DF_BIND_NOW)) and
                any(t == DT_FLAGS_1 and v & DF_1_NOW for _, t, v in p.dyn()))

    def only_df_bind_now(p):
        return (p.edit_dyn(DT_FLAGS_1, lambda v: (DT_FLAGS_1, v & ~DF_1_NOW)) and
                any(t == DT_FLAGS and v & DF_BIND_NOW for _, t, v in p.dyn()))

    def only_dt_bind_now(p):
        return (p.edit_dyn(DT_FLAGS, lambda v: (DT_BIND_NOW, 0)) and
                p.edit_dyn(DT_FLAGS_1, lambda v: (DT_FLAGS_1, v & ~DF_1_NOW)))

    def no_bind_now(p):
        return (p.edit_dyn(DT_FLAGS, lambda v: (DT_FLAGS, v & ~DF_BIND_NOW)) +
                p.edit_dyn(DT_FLAGS_1, lambda v: (DT_FLAGS_1, v & ~DF_1_NOW)) > 0)

    def only_textrel_tag(p):
        return (p.edit_dyn(DT_FLAGS, lambda v: (DT_FLAGS, v & ~DF_TEXTREL)) and
                any(t == DT_TEXTREL for _, t, _ in p.dyn()))

    def only_df_textrel(p):
        return (p.edit_dyn(DT_TEXTREL, lambda v: (DT_CHECKSUM, 0)) and
                any(t == DT_FLAGS and v & DF_TEXTREL for _, t, v in p.dyn()))

    def no_textrel(p):
        return only_df_textrel(p) and p.edit_dyn(DT_FLAGS, lambda v: (DT_FLAGS, v & ~DF_TEXTREL))

    def no_gnu_stack(p):
        n = 0
        for o, t, _, _, _ in p.phdrs():
            if t == PT_GNU_STACK:
                p.set_phdr(o, p_type=PT_NULL)
                n += 1
        return n

    loads = {}

    def all_rwx(p):
        n = 0
        for o, t, fl, _, _ in p.phdrs():
            if t == PT_LOAD:
                p.set_phdr(o, p_flags=fl | PF_W | PF_X)
                n += 1
        loads["n"] = n
        return n >= 2

    craft("h-full", "x-relro-df-1-now", {"relro": "full"}, only_df_1_now)
    craft("h-full", "x-relro-df-bind-now", {"relro": "full"}, only_df_bind_now)
    craft("h-full", "x-relro-dt-bind-now", {"relro": "full"}, only_dt_bind_now)
    craft("h-full", "x-relro-no-now", {"relro": "partial"}, no_bind_now)
    craft("libh-textrel.so", "libx-textrel-tag.so", {"textrel": True}, only_textrel_tag)
    craft("libh-textrel.so", "libx-textrel-flag.so", {"textrel": True}, only_df_textrel)
    craft("libh-textrel.so", "libx-textrel-none.so", {"textrel": False}, no_textrel)
    craft("h-noexecstack", "x-no-gnu-stack",
          {"gnu_stack": False, "nx": False, "executable_stack": True}, no_gnu_stack)
    craft("h-noexecstack", "x-all-rwx", {}, all_rwx)
    if "n" in loads and out and out[-1][0].endswith("x-all-rwx"):
        out[-1][1]["rwx_segments"] = loads["n"]
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


def check_file(tally, lp, go, readelf, path, tmp, row=None, want_hard=None, checksec=None,
               measured=None):
    """All checks of one ELF file. want_hard: hardening values the file was built or crafted
    to have (checked against readelf and linkproof); checksec: its path, or None; measured:
    a dict that receives path -> the hardening values readelf shows."""
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
        if tally.check(all(k in lk for k in HARDENING_KEYS), label,
                       "linkage lacks %s" % [k for k in HARDENING_KEYS if k not in lk]):
            hw = check_hardening(tally, lp, label, r, lk)
            if measured is not None:
                measured[path] = hw
            for k, v in sorted((want_hard or {}).items()):
                tally.check(hw.get(k) == v, label,
                            "test self-check: built for linkage.%s = %r, but readelf shows %r"
                            % (k, v, hw.get(k)))
                tally.eq(label, "linkage.%s (built for it)" % k, v, lk.get(k))
            if checksec:
                checksec_compare(tally, label, r, lk, checksec)

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
    notes = [n.get("id") for n in j.get("findings") or []]
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
    # a cgo-free PIE asks for the loader (PT_INTERP, checked above against readelf): the note
    # pie-needs-loader must be there exactly then
    lk = j.get("linkage") or {}
    pie_loader = bool(lk.get("pie") and lk.get("interpreter") and not lk.get("needed"))
    ids = [n.get("id") for n in j.get("findings") or []]
    tally.eq(name, "note pie-needs-loader (PIE with PT_INTERP and no DT_NEEDED)", pie_loader,
             "pie-needs-loader" in ids)
    for n in j.get("findings") or []:
        tally.check(n.get("id") in ("cgo-static", "pie-needs-loader"), name,
                    "unexpected note %r" % (n,))


def fixture_hardening_summary(rows, measured):
    """One note per distinct set of hardening values among the fixtures: what readelf shows
    the Go toolchain produces (internal or external linking, exe, pie, c-shared)."""
    groups = {}
    for row in rows:
        hw = measured.get(row["path"])
        if hw is None:
            continue
        key = tuple((k, hw[k]) for k in HARDENING_KEYS)
        groups.setdefault(key, []).append(row["name"])
    for key, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print("note: fixtures with %s: %d: %s" % (
            " ".join("%s=%s" % (k, str(v).lower()) for k, v in key), len(names),
            " ".join(names)), flush=True)


def main(fxdir, tally):
    lp = lptest.lp_bin()
    go = lptest.go_bin()
    readelf = os.environ.get("READELF") or shutil.which("readelf") or "readelf"
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    checksec = shutil.which("checksec")
    if not checksec:
        print("note: checksec is not installed; its comparison is skipped")

    if not lptest.check_fixture_list(tally, fxdir):
        return tally.abort()
    rows = lptest.fixture_rows(fxdir)
    entries = lptest.read_corpus(tally, bare_pkg=None) or []
    corpus = [p for p, _ in entries if lptest.is_elf(p)]
    foreign = [p for p, _ in entries if not lptest.is_elf(p)]
    if entries:
        print("note: corpus: %d ELF files, %d non-ELF files (PE/Mach-O)"
              % (len(corpus), len(foreign)), flush=True)
    measured = {}
    with tempfile.TemporaryDirectory(prefix="lp-readelf-") as tmp:
        hosts = host_files(go, readelf)
        built = build_c_programs(tmp) + crafted_files(tmp, fxdir, rows)
        hard = build_hardening_programs(tmp, cc) if cc else []
        print("note: %d fixtures, %d corpus ELF files, %d host ELF files, %d built/crafted files, "
              "%d built/crafted for hardening" % (len(rows), len(corpus), len(hosts), len(built),
                                                 len(hard)), flush=True)
        for row in rows:
            p = row["path"]
            if not tally.check(os.path.isfile(p), p, "fixture listed in fixtures.tsv is missing"):
                continue
            j = check_file(tally, lp, go, readelf, p, tmp, row, checksec=checksec,
                           measured=measured)
            check_fixture_facts(tally, row, j)
            tally.check(j is not None and isinstance(j.get("go"), dict), p,
                        "fixture not reported as Go")
        fixture_hardening_summary(rows, measured)
        for p in corpus + hosts + built:
            check_file(tally, lp, go, readelf, p, tmp, checksec=checksec)
        for p, want in hard:
            check_file(tally, lp, go, readelf, p, tmp, want_hard=want, checksec=checksec)
        # PE and Mach-O: linkage (with the hardening keys) is not read, so it is null
        for p in foreign:
            rc, j, raw, err = inspect_json(lp, p)
            if tally.check(rc == 0 and j is not None, p, "inspect --json exit %s, stderr %r"
                           % (rc, err[:300])):
                tally.eq(p, "linkage (not ELF: %s)" % j.get("format"), None, j.get("linkage"))

    return tally.finish("oracle_readelf")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
