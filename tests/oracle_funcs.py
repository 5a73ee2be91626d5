#!/usr/bin/env python3
"""Oracle tests for the Go function table: `linkproof funcs`, `pkgs`, the function-table
facts of `inspect --json` (pclntab, init functions, cgo evidence, version without build
info) and `linkproof diff`.

Oracles:
  * `go tool nm -n FILE` for every unstripped fixture (and every corpus file nm can read):
    the pclntab holds exactly the T/t symbols in [runtime.text, runtime.etext), minus
    runtime.text/runtime.etext themselves, compared as multisets of (name, entry).
    Three naming differences between the ELF symbol table and the pclntab are Go's, not
    linkproof's, and are undone before comparing:
      - ABI0 functions that also have an ABIInternal wrapper are written to the symbol
        table as NAME.abi0 (cmd/link mangleABIName); the pclntab keeps NAME (so a name
        may occur twice in the table);
      - the pclntab stores everything between the first '[' and the last ']' of a name as
        "[...]" (cmd/link pcln.go nameParts), e.g. type..eq.[2]runtime.Frame;
      - the symbol table spells the middle dot U+00B7 as '.' (type..eq.net.dialResult·1).
    C code: with external linking (app/cgolibc cgo=1) the host linker puts C code outside
    [runtime.text, runtime.etext) and it is not in the pclntab. With internal linking of
    cgo (netapp: only std cgo packages) the Go linker lays the host objects' C functions
    (fatalf, x_cgo_init, _cgo_<hash>_Cfunc_*, ...) INSIDE the range and does emit pclntab
    entries for them (runtime.FuncForPC knows them); only the container symbols the Go
    linker makes for host-object sections, named "pkg(.text)", "pkg(.text.unlikely)",
    are not in the table (cmd/link emitPcln skips containers). So the rule is: the range,
    minus "pkg(.text...)" containers; it holds on every fixture. Mach-O (Go 1.20+): names
    without a '.' carry a leading '_' in the symbol table, and the build ID (go:buildid)
    is the first text symbol and has a pclntab entry (cmd/link textbuildid, non-ELF only).
  * `go tool addr2line` (the Go 1.19 toolchain's debug/gosym) for stripped files it can
    read: ELF with a .gopclntab section, pclntab magic 0xfffffffb/0xfffffffa/0xfffffff0
    and (for 0xfffffff0) .text starting at the table's textStart (addr2line takes the
    .text address as runtime.text; wrong for externally linked or PIE binaries).
  * stripped/unstripped twins in fixtures.tsv (same row except name, stripped and a
    leading "-s -w" in ldflags) must give the same function-name multiset and packages.
  * the ELF, PE or Mach-O header (GOARCH) against Go's cmd/internal/sys/arch.go table for ptr_size,
    quantum (MinLC) and byte order; `go version FILE` for the pclntab magic.
  * fixture sources: app's main.init.0 only exists with cgo (cgo_init.go imports "C").
  * made-up copies (temporary directory): build-info blob zeroed (version from
    runtime.buildVersion or the runtime's version string), section headers removed
    (table found by scan), and also the table's textStart zeroed (entries are offsets).
  * `funcs --package P` takes an import path (its help says so): for a package whose
    table name is escaped by the linker (gopkg.in/yaml%2ev3) the import path
    gopkg.in/yaml.v3 must select the same functions.

Environment: LP_BIN (default /work/main/build/linkproof), LP_FIXTURES (required, else
exit 77), LP_CORPUS_LIST (optional; lines "<path> <pkg>@<ver>"), LP_REQUIRE_CORPUS=1
(a missing or empty corpus list is then a failure), GO (default: `go` on PATH, else
/usr/bin/go).

Exit 0 when every check passed, 1 otherwise; the last line is "N passed, M failed".
"""

import collections
import json
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402
from lptest import dec, first_bytes, stderr_lines  # noqa: E402

TIMEOUT = 120
run = lptest.Runner(TIMEOUT, drop=("NO_COLOR", "CLICOLOR_FORCE"), stdin=b"").run

# cmd/internal/sys/arch.go (Go 1.19): GOARCH -> (PtrSize, MinLC, big endian)
GO_ARCH = {
    "386": (4, 1, False), "amd64": (8, 1, False), "arm": (4, 4, False),
    "arm64": (8, 4, False), "loong64": (8, 4, False), "mips": (4, 4, True),
    "mipsle": (4, 4, False), "mips64": (8, 4, True), "mips64le": (8, 4, False),
    "ppc64": (8, 4, True), "ppc64le": (8, 4, False), "riscv64": (8, 4, False),
    "s390x": (8, 2, True), "wasm": (8, 1, False),
}

# pclntab magic -> linkproof's go_versions label
MAGIC_LABEL = {"0xfffffffb": "1.2-1.15", "0xfffffffa": "1.16-1.17",
               "0xfffffff0": "1.18-1.19", "0xfffffff1": "1.20+"}
GOSYM119_MAGICS = (0xfffffffb, 0xfffffffa, 0xfffffff0)   # what Go 1.19's debug/gosym reads

PCLNTAB_KEYS = ["magic", "go_versions", "found_by", "address", "offset", "ptr_size",
                "quantum", "big_endian", "text_start", "text_start_from", "functions",
                "skipped_entries"]
FOUND_BY = ("section .gopclntab", "section .data.rel.ro.gopclntab", "symbol runtime.pclntab",
            "scan", "section __gopclntab")   # the last: Mach-O
INIT_RE = re.compile(r"^(.*)\.init(\.[0-9]+)?$")


def file_format(path):
    b = first_bytes(path, 4)
    if b == b"\x7fELF":
        return "elf"
    if b[:2] == b"MZ":
        return "pe"
    if b in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
             b"\xca\xfe\xba\xbe"):
        return "macho"
    return "other"


# ---- ELF, read here without linkproof ----

def elf_info(path):
    """{'goarch', 'big', 'bits', 'sections': {name: (addr, offset, size)}} or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return None
    bits = 64 if data[4] == 2 else 32
    big = data[5] == 2
    e = ">" if big else "<"
    em = struct.unpack_from(e + "H", data, 18)[0]
    if bits == 64:
        shoff = struct.unpack_from(e + "Q", data, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x3a)
    else:
        shoff = struct.unpack_from(e + "I", data, 0x20)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x2e)
    raw = []
    for i in range(shnum):
        o = shoff + i * shentsize
        if o + shentsize > len(data):
            break
        if bits == 64:
            name, _t, _fl, addr, off, size = struct.unpack_from(e + "IIQQQQ", data, o)
        else:
            name, _t, _fl, addr, off, size = struct.unpack_from(e + "IIIIII", data, o)
        raw.append((name, addr, off, size))
    sections = {}
    if 0 < shstrndx < len(raw):
        so = raw[shstrndx][2]
        for name, addr, off, size in raw:
            end = data.find(b"\0", so + name)
            n = dec(data[so + name:end]) if end >= 0 else ""
            sections.setdefault(n, (addr, off, size))
    arch = {62: "amd64", 3: "386", 40: "arm", 183: "arm64", 22: "s390x", 243: "riscv64",
            258: "loong64"}.get(em)
    if em == 21:
        arch = "ppc64" if big else "ppc64le"
    if em == 8:
        arch = ("mips" if big else "mipsle") if bits == 32 else ("mips64" if big else "mips64le")
    hdr = None
    if ".gopclntab" in sections:
        _a, off, size = sections[".gopclntab"]
        hdr = data[off:off + min(size, 64)]
    return {"goarch": arch, "big": big, "bits": bits, "sections": sections, "pcln_hdr": hdr}


def pcln_header(info):
    """(magic, textStart or None) read from the .gopclntab section by hand."""
    h = info["pcln_hdr"]
    if not h or len(h) < 8:
        return None, None
    e = ">" if info["big"] else "<"
    magic = struct.unpack_from(e + "I", h, 0)[0]
    ptr = h[7]
    if magic in (0xfffffff0, 0xfffffff1) and ptr in (4, 8) and len(h) >= 8 + 3 * ptr:
        return magic, struct.unpack_from(e + ("I" if ptr == 4 else "Q"), h, 8 + 2 * ptr)[0]
    return magic, None


def other_goarch(path):
    """GOARCH of a PE or thin Mach-O file from its header, else None."""
    b = first_bytes(path, 4096)
    if b[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") and len(b) >= 8:
        return {0x0100000c: "arm64", 0x01000007: "amd64", 7: "386", 12: "arm"}.get(
            struct.unpack_from("<I", b, 4)[0])
    if b[:2] == b"MZ" and len(b) >= 0x40:
        pe = struct.unpack_from("<I", b, 0x3c)[0]
        if pe + 6 <= len(b) and b[pe:pe + 4] == b"PE\0\0":
            return {0x8664: "amd64", 0xaa64: "arm64", 0x14c: "386", 0x1c4: "arm"}.get(
                struct.unpack_from("<H", b, pe + 4)[0])
    return None


# ---- Go tools ----

def go_version_of(go, path):
    rc, out, _ = run([go, "version", path])
    m = re.search(r": (go[0-9][^\s]*)", dec(out))
    return m.group(1) if rc == 0 and m else None


def go_minor(v):
    m = re.match(r"go1\.(\d+)", v or "")
    return int(m.group(1)) if m else None


def go_setting(go, path, key):
    rc, out, _ = run([go, "version", "-m", path])
    for line in dec(out).split("\n"):
        p = line.strip().split("\t")
        if len(p) == 2 and p[0] == "build" and p[1].startswith(key + "="):
            return p[1][len(key) + 1:]
    return None


def nm_symbols(go, path):
    """[(addr, type, name)] from `go tool nm -n`, or None when nm has no symbols."""
    rc, out, _ = run([go, "tool", "nm", "-n", path])
    if rc != 0:
        return None
    syms = []
    for line in dec(out).split("\n"):
        parts = line.split(None, 2)
        if len(parts) != 3:
            continue
        try:
            syms.append((int(parts[0], 16), parts[1], parts[2]))
        except ValueError:
            continue
    return syms or None


def nm_norm(name, macho=False):
    """An ELF/Mach-O symbol name as the pclntab spells it (see the module docstring)."""
    if macho and name.startswith("_") and "." not in name:
        name = name[1:]
    for suf in (".abi0", ".abiinternal"):
        if name.endswith(suf):
            name = name[:-len(suf)]
    i = name.find("[")
    if i >= 0:
        j = name.rfind("]")
        if j > i:
            name = name[:i] + "[...]" + name[j + 1:]
    return name


def pcln_norm(name):
    return name.replace("\u00b7", ".")


CONTAINER_RE = re.compile(r"\(\.text[^()]*\)$")


def nm_go_text(syms, macho=False):
    """Multiset of (name, addr) the pclntab must hold, plus facts for the report."""
    addr = {}
    for a, t, n in syms:
        if n in ("runtime.text", "runtime.etext") and n not in addr:
            addr[n] = a
    if "runtime.text" not in addr or "runtime.etext" not in addr:
        return None, None
    lo, hi = addr["runtime.text"], addr["runtime.etext"]
    got = collections.Counter()
    facts = {"containers": 0, "outside": 0, "lo": lo, "hi": hi}
    for a, t, n in syms:
        if t not in ("T", "t") or n in ("runtime.text", "runtime.etext"):
            continue
        if not (lo <= a < hi):
            facts["outside"] += 1
            continue
        if CONTAINER_RE.search(n):
            facts["containers"] += 1
            continue
        got[(nm_norm(n, macho), a)] += 1
    return got, facts


def unescape_path(p):
    """objabi.PathToPrefix undone: %xx -> the byte (gopkg.in/yaml%2ev3 -> gopkg.in/yaml.v3)."""
    return re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), p)


def pkg_of(name):
    """Package of a pclntab name (debug/gosym Sym.PackageName; compiler-generated -> "")."""
    i = name.find("[")
    if i >= 0:
        j = name.rfind("]")
        if j > i:
            name = name[:i] + name[j + 1:]
    for p in ("type.", "go.", "type:", "go:"):
        if name.startswith(p):
            return ""
    pe = max(name.rfind("/"), 0)
    k = name.find(".", pe)
    return name[:k] if k >= 0 else ""


def is_pkg_init(name):
    """pkg.init or pkg.init.N, not a method named init (pkg.(*T).init, pkg.T.init)."""
    m = INIT_RE.match(name)
    if not m:
        return False
    prefix = m.group(1)
    return "(" not in prefix and "." not in prefix.rsplit("/", 1)[-1]


# ---- linkproof ----

def lp_json(lp, args):
    rc, out, err = run([lp] + args)
    try:
        j = json.loads(dec(out)) if out.strip() else None
    except ValueError:
        j = "bad json"
    return rc, j, out, err


def parse_text_funcs(out):
    rows = []
    for line in dec(out).split("\n"):
        if not line:
            continue
        m = re.match(r"^0x([0-9a-f]{8,16})  (.*)$", line)
        rows.append((int(m.group(1), 16), m.group(2)) if m else ("bad line", line))
    return rows


# ---- the checks ----

def check_table(tally, lp, go, path, label, cgo_on):
    """funcs/pkgs/inspect on one file: the table itself (check 3) and self-consistency.
    Returns the funcs JSON or None."""
    rc, j, out, err = lp_json(lp, ["funcs", "--json", path])
    if not tally.check(rc == 0 and isinstance(j, dict), label,
                       "funcs --json: exit %s, stderr %r" % (rc, dec(err)[:200])):
        return None
    p = j.get("pclntab") or {}
    funcs = j.get("functions") or []
    tally.check(isinstance(p, dict) and sorted(p) == sorted(PCLNTAB_KEYS), label,
                "pclntab keys: %r" % sorted(p))
    tally.check(j.get("path") == path, label, "path %r" % j.get("path"))
    names = [f.get("name") for f in funcs]
    # counts, skipped entries
    tally.eq(label, "pclntab.functions vs len(functions)", len(funcs), p.get("functions"))
    tally.check(len(funcs) > 500, label, "only %d functions" % len(funcs))
    tally.eq(label, "skipped_entries", 0, p.get("skipped_entries"))
    tally.check(p.get("found_by") in FOUND_BY, label, "found_by %r" % p.get("found_by"))
    # magic from the Go version that built it
    gv = go_version_of(go, path)
    mi = go_minor(gv)
    if mi is not None:
        want = ("0xfffffffb" if mi < 16 else "0xfffffffa" if mi < 18 else
                "0xfffffff0" if mi < 20 else "0xfffffff1")
        tally.eq(label, "magic (built by %s)" % gv, want, p.get("magic"))
    tally.eq(label, "go_versions for magic %s" % p.get("magic"),
             MAGIC_LABEL.get(p.get("magic")), p.get("go_versions"))
    # architecture facts from the ELF header and Go's arch table
    info = elf_info(path)
    arch = info["goarch"] if info else other_goarch(path)
    if arch in GO_ARCH:
        ptr, quantum, big = GO_ARCH[arch]
        tally.eq(label, "ptr_size (GOARCH %s)" % arch, ptr, p.get("ptr_size"))
        tally.eq(label, "quantum (GOARCH %s MinLC)" % arch, quantum, p.get("quantum"))
        tally.eq(label, "big_endian (GOARCH %s)" % arch, big, p.get("big_endian"))
    else:
        print("note: %s: GOARCH unknown from the header; ptr_size/quantum not checked" % label)
    # where the table was found: the section, when the file has one
    if info:
        secs = info["sections"]
        for sname in (".gopclntab", ".data.rel.ro.gopclntab"):
            if sname in secs:
                tally.eq(label, "found_by", "section " + sname, p.get("found_by"))
                tally.eq(label, "address (section %s)" % sname, secs[sname][0], p.get("address"))
                tally.eq(label, "offset (section %s)" % sname, secs[sname][1], p.get("offset"))
                break
    # order, entries, text start
    entries = [f.get("entry") for f in funcs]
    tally.check(all(isinstance(e, int) for e in entries) and entries == sorted(entries), label,
                "entries are not in ascending address order")
    if p.get("magic") in ("0xfffffff0", "0xfffffff1"):
        tally.check(funcs and funcs[0].get("entry") == p.get("text_start"), label,
                    "first entry %r != text_start %r" % (funcs[0].get("entry") if funcs else None,
                                                        p.get("text_start")))
        tally.eq(label, "text_start_from", "header", p.get("text_start_from"))
    # first function: Go's text starts with internal/cpu or runtime (not so with cgo); on
    # Mach-O and PE the linker puts the build ID first, as a text symbol with a table entry
    # (cmd/link textbuildid: go.buildid, go:buildid from Go 1.20)
    first = names[:1]
    if funcs and file_format(path) in ("macho", "pe"):
        tally.check(names[0] in ("go.buildid", "go:buildid"), label,
                    "first function of a %s file is %r, not the build ID"
                    % (file_format(path), names[0]))
        first = names[1:2]
    if first and not cgo_on:
        tally.check(first[0].startswith("internal/") or first[0].startswith("runtime."), label,
                    "first Go function is %r" % first[0])
    tally.check("main.main" in names, label, "no main.main in the table")
    print("note: %s: %d functions, magic %s (%s), found by %s, ptr_size %s, quantum %s, %s"
          % (label, len(funcs), p.get("magic"), gv, p.get("found_by"), p.get("ptr_size"),
             p.get("quantum"), "big-endian" if p.get("big_endian") else "little-endian"))
    # packages: every function's package by debug/gosym's rule
    # (JSON shows the import path: the linker's %xx escapes, as in gopkg.in/yaml%2ev3, decoded)
    badpkg = [(f.get("name"), f.get("package")) for f in funcs
              if f.get("package") != unescape_path(pkg_of(f.get("name") or ""))]
    tally.check(not badpkg, label, "%d functions with a wrong package, e.g. %r"
                % (len(badpkg), badpkg[:3]))
    # text output = JSON
    trc, tout, terr = run([lp, "funcs", path])
    trows = parse_text_funcs(tout)
    tally.check(trc == 0 and trows == [(f.get("entry"), f.get("name")) for f in funcs], label,
                "funcs text output (exit %s, %d lines) differs from --json (%d functions)"
                % (trc, len(trows), len(funcs)))
    # pkgs --json = counts of the funcs list
    prc, pj, _, perr = lp_json(lp, ["pkgs", "--json", path])
    want = collections.Counter(f.get("package") for f in funcs)
    if tally.check(prc == 0 and isinstance(pj, dict), label,
                   "pkgs --json: exit %s %r" % (prc, dec(perr)[:200])):
        got = [(x.get("package"), x.get("functions")) for x in pj.get("packages") or []]
        tally.check(got == sorted(want.items()), label,
                    "pkgs --json differs from the package counts of funcs --json: %r"
                    % sorted(set(got) ^ set(want.items()))[:5])
        tally.eq(label, "pkgs path", path, pj.get("path"))
    # pkgs text: one line per package, counts adding up
    prc, pout, _ = run([lp, "pkgs", path])
    tl = [l for l in dec(pout).split("\n") if l]
    tsum = sum(int(l.split()[0]) for l in tl if l.split() and l.split()[0].isdigit())
    tally.check(prc == 0 and len(tl) == len(want) and tsum == len(funcs), label,
                "pkgs text: exit %s, %d lines (want %d), counts sum to %d (want %d)"
                % (prc, len(tl), len(want), tsum, len(funcs)))
    # inspect's go.pclntab/functions/packages agree with funcs
    irc, ij, _, ierr = lp_json(lp, ["inspect", "--json", path])
    g = ij.get("go") if isinstance(ij, dict) else None
    if tally.check(isinstance(g, dict), label, "inspect --json: exit %s, go is %r"
                   % (irc, g if not isinstance(ij, dict) else "null")):
        tally.eq(label, "inspect go.pclntab vs funcs pclntab", p, g.get("pclntab"))
        tally.eq(label, "inspect go.functions", len(funcs), g.get("functions"))
        tally.eq(label, "inspect go.packages", len(want), g.get("packages"))
    return j


def check_nm(tally, go, path, label, j, macho=False):
    """Check 1: the pclntab against `go tool nm`. Returns True when nm had symbols."""
    syms = nm_symbols(go, path)
    if syms is None:
        return False
    want, facts = nm_go_text(syms, macho)
    if not tally.check(want is not None, label, "go tool nm: no runtime.text/runtime.etext"):
        return True
    got = collections.Counter((pcln_norm(f["name"]), f["entry"]) for f in j["functions"])
    wn, gn = set(n for n, _ in want), set(n for n, _ in got)
    tally.check(wn == gn, label, "function names differ from go tool nm: only nm %r, only "
                "pclntab %r" % (sorted(wn - gn)[:5], sorted(gn - wn)[:5]))
    tally.check(want == got, label, "(name, entry) multisets differ from go tool nm: only nm "
                "%r, only pclntab %r" % (sorted(want - got)[:5], sorted(got - want)[:5]))
    p = j["pclntab"]
    if p.get("magic") in ("0xfffffff0", "0xfffffff1"):
        tally.eq(label, "text_start vs nm runtime.text", facts["lo"], p.get("text_start"))
    if p.get("found_by") == "symbol runtime.pclntab":
        pa = [a for a, _t, n in syms if n == "runtime.pclntab"]
        tally.check(pa and pa[0] == p.get("address"), label, "address %r, nm runtime.pclntab %r"
                    % (p.get("address"), pa[:1]))
    print("note: %s: pclntab %d functions, nm %d in [runtime.text, runtime.etext), %d common; "
          "%d T/t symbols outside the range (C code of an external link), %d host-object "
          "section containers in it excluded (internal cgo link: its C functions are inside "
          "the range and in the table)" % (label, sum(got.values()), sum(want.values()),
                                           sum((want & got).values()), facts["outside"],
                                           facts["containers"]), flush=True)
    return True


def check_addr2line(tally, go, path, label, j):
    """Stripped files: every entry's name from Go 1.19's addr2line (debug/gosym)."""
    info = elf_info(path)
    if not info or ".gopclntab" not in info["sections"] or ".text" not in info["sections"]:
        print("note: %s: addr2line not applicable (%s)" % (
            label, "not ELF" if not info else "no .gopclntab section: PIE or section-less"))
        return False
    magic, ts = pcln_header(info)
    if magic not in GOSYM119_MAGICS:
        print("note: %s: addr2line not applicable (pclntab magic %s unknown to Go 1.19's "
              "debug/gosym)" % (label, hex(magic) if magic is not None else None))
        return False
    if magic == 0xfffffff0 and ts != info["sections"][".text"][0]:
        print("note: %s: addr2line not applicable (.text 0x%x is not the table's textStart %s: "
              "external linking)" % (label, info["sections"][".text"][0], ts and hex(ts)))
        return False
    funcs = j["functions"]
    inp = "".join("0x%x\n" % f["entry"] for f in funcs).encode()
    rc, out, err = run([go, "tool", "addr2line", path], input=inp)
    lines = dec(out).split("\n")
    names = lines[0::2][:len(funcs)]
    bad = [(hex(f["entry"]), f["name"], n) for f, n in zip(funcs, names) if f["name"] != n]
    tally.check(rc == 0 and len(names) == len(funcs) and not bad, label,
                "go tool addr2line (exit %s) names %d of %d entries differently, e.g. %r"
                % (rc, len(bad), len(funcs), bad[:3]))
    print("note: %s: addr2line agrees on %d of %d entries" % (label, len(funcs) - len(bad),
                                                           len(funcs)), flush=True)
    return True


def twins(rows):
    """(unstripped, stripped) fixture pairs that differ only by stripping."""
    pairs = []
    keys = [k for k in (rows[0].keys() if rows else []) if k not in ("name", "stripped",
                                                                     "ldflags", "path")]
    for s in rows:
        if s.get("stripped") != "yes":
            continue
        for u in rows:
            if u.get("stripped") != "no" or any(u.get(k) != s.get(k) for k in keys):
                continue
            ul = u.get("ldflags", "")
            if s.get("ldflags") in ("-s -w " + ul, "-s -w" if ul == "-" else None):
                pairs.append((u, s))
    return pairs


def uvarint(b, i):
    x = s = 0
    while i < len(b):
        c = b[i]
        i += 1
        x |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return x, i
    raise ValueError("truncated varint")


def zero_buildinfo(src, dst):
    """Copy src to dst with the whole inline build-info blob zeroed; False when not found."""
    with open(src, "rb") as f:
        d = bytearray(f.read())
    i = d.find(lptest.BUILDINFO_MAGIC)
    while i >= 0 and i % 16:
        i = d.find(lptest.BUILDINFO_MAGIC, i + 1)
    if i < 0 or not (d[i + 15] & 2):
        return False
    j = i + 32
    n, j = uvarint(d, j)
    j += n
    n, j = uvarint(d, j)
    j += n
    d[i:j] = bytes(j - i)
    with open(dst, "wb") as f:
        f.write(d)
    os.chmod(dst, 0o755)
    return True


def diff_groups(out):
    """Text diff output -> [(group, line)] for the lines after '+++'."""
    lines = dec(out).split("\n")
    res, group = [], None
    for line in lines[2:]:
        if line and not line.startswith(" "):
            group = line
        res.append((group, line))
    return res


def main(fxdir, tally):
    lp = lptest.lp_bin()
    go = lptest.go_bin()

    if not lptest.check_fixture_list(tally, fxdir):
        return tally.abort()
    grc, gout, _ = run([go, "version"])
    if not tally.check(grc == 0, go, "the Go toolchain does not run (%s)" % grc):
        return tally.abort()
    print("note: oracle toolchain: %s" % dec(gout).strip())
    rows = lptest.existing(tally, lptest.fixture_rows(fxdir),
                           "fixture listed in fixtures.tsv is missing")
    byname = {r["name"]: r for r in rows}
    corpus = lptest.read_corpus(tally) or []  # [(path, pkg)] of every format
    tables = {}

    # ---- checks 1 and 3 (and 8's package field), fixtures ----
    nm_done = a2l_done = 0
    for r in rows:
        p = r["path"]
        info = elf_info(p)
        if info:
            tally.eq(p, "GOARCH from the ELF header vs fixtures.tsv", r["goarch"], info["goarch"])
        j = check_table(tally, lp, go, p, p, r["cgo"] == "1")
        if j is None:
            continue
        tables[r["name"]] = j
        if r["stripped"] == "no":
            nm_done += tally.check(check_nm(tally, go, p, p, j), p,
                                   "go tool nm prints no symbols for an unstripped fixture")
        else:
            a2l_done += check_addr2line(tally, go, p, p, j)

    # ---- checks 1 and 3, corpus ----
    skipped = []
    for path, pkg in corpus:
        label = "%s (%s)" % (path, pkg)
        fmt = file_format(path)
        if fmt in ("pe", "macho"):
            rc, _, err = run([lp, "funcs", "--json", path])
            if rc == 2 and b"unrecognized file format" in err:
                has_syms = nm_symbols(go, path) is not None
                skipped.append("%s [%s%s]" % (label, fmt, ", go tool nm has symbols"
                                              if has_syms else ""))
                continue
        cgo_on = go_setting(go, path, "CGO_ENABLED") == "1"
        j = check_table(tally, lp, go, path, label, cgo_on)
        if j is None:
            continue
        # the linker escapes '.' in a path's last element (objabi.PathToPrefix): the table
        # says gopkg.in/yaml%2ev3, the import path (help: "--package P: its full import
        # path") is gopkg.in/yaml.v3; both spellings must select the package
        escaped = sorted(set(pkg_of(f["name"]) for f in j["functions"] if "%" in pkg_of(f["name"])))
        for pk in escaped[:3]:
            imp = unescape_path(pk)
            want = [f for f in j["functions"] if pkg_of(f["name"]) == pk]
            rc, pj, _, _ = lp_json(lp, ["funcs", "--package", imp, "--json", path])
            got = pj.get("functions") if isinstance(pj, dict) else None
            tally.check(rc == 0 and got == want, "funcs --package %s --json %s" % (imp, label),
                        "exit %s, %s functions listed; the table has %d in %s"
                        % (rc, len(got) if got is not None else None, len(want), pk))
        if not check_nm(tally, go, path, label, j, macho=(fmt == "macho")):
            a2l_done += check_addr2line(tally, go, path, label, j)
        else:
            nm_done += 1
    if skipped:
        print("note: %d corpus files skipped: linkproof reads ELF only (exit 2, 'unrecognized "
              "file format'): %s" % (len(skipped), "; ".join(skipped)), flush=True)
    print("note: nm differential on %d files, addr2line differential on %d files"
          % (nm_done, a2l_done), flush=True)
    magics = collections.Counter(j["pclntab"].get("magic") for j in tables.values())
    print("note: fixture pclntab magics: %r" % dict(magics))

    # ---- check 2: stripped vs unstripped twins ----
    pairs = twins(rows)
    tally.check(len(pairs) > 0 or not any(r["stripped"] == "yes" for r in rows), fxdir,
                "no stripped/unstripped fixture pairs found in fixtures.tsv")
    for u, s in pairs:
        ju, js = tables.get(u["name"]), tables.get(s["name"])
        label = "%s vs %s" % (u["name"], s["name"])
        if not (ju and js):
            continue
        nu = collections.Counter(f["name"] for f in ju["functions"])
        ns = collections.Counter(f["name"] for f in js["functions"])
        tally.check(nu == ns, label, "function names differ: only unstripped %r, only stripped %r"
                    % (sorted(nu - ns)[:5], sorted(ns - nu)[:5]))
        eu = collections.Counter((f["name"], f["entry"]) for f in ju["functions"])
        es = collections.Counter((f["name"], f["entry"]) for f in js["functions"])
        if eu != es:
            print("note: %s: same names but %d entries at other addresses" % (label,
                                                                            len(eu - es)))
        ru, pu, _ = run([lp, "pkgs", u["path"]])
        rs, ps, _ = run([lp, "pkgs", s["path"]])
        tally.check(ru == 0 and rs == 0 and pu == ps, label, "pkgs output differs")
        # diff of the twins reports no function-table difference, and the stripping
        drc, dj, _, _ = lp_json(lp, ["diff", "--json", u["path"], s["path"]])
        groups = set(c.get("group") for c in (dj or {}).get("changes", [])) \
            if isinstance(dj, dict) else set()
        tally.check(drc == 1 and not groups & {"init_functions", "packages", "cgo"}, label,
                    "diff --json: exit %s, groups %r (no init/packages/cgo change expected)"
                    % (drc, sorted(groups)))
    print("note: %d stripped/unstripped pairs: %s" % (len(pairs), ", ".join(
        "%s/%s" % (u["name"], s["name"]) for u, s in pairs)))

    # ---- checks 4 and 5: init functions and cgo evidence ----
    inspects = {}
    for r in rows:
        p = r["path"]
        rc, ij, _, err = lp_json(lp, ["inspect", "--json", p])
        g = ij.get("go") if isinstance(ij, dict) else None
        if not tally.check(rc == 0 and isinstance(g, dict), p, "inspect --json: exit %s, %r"
                           % (rc, dec(err)[:200])):
            continue
        inspects[r["name"]] = ij
        inits = g.get("init_functions")
        if not tally.check(isinstance(inits, list), p, "go.init_functions %r" % inits):
            continue
        if r["program"] == "app":
            if r["cgo"] == "1":
                tally.check("main.init.0" in inits, p, "CGO_ENABLED=1 app: no main.init.0 in "
                            "go.init_functions")
            else:
                tally.check("main.init.0" not in inits, p, "CGO_ENABLED=0 app: main.init.0 in "
                            "go.init_functions (cgo_init.go is not compiled without cgo)")
            tally.check("runtime.init" in inits, p, "no runtime.init in go.init_functions")
        # the table's initializers, in address order (from funcs)
        j = tables.get(r["name"])
        if j:
            want = [f["name"] for f in j["functions"] if is_pkg_init(f["name"])]
            tally.eq(p, "go.init_functions vs pkg.init[.N] names of the table", want, inits)
        if r["stripped"] == "no":
            syms = nm_symbols(go, p)
            if syms:
                want = [nm_norm(n) for a, t, n in syms if t in ("T", "t") and
                        is_pkg_init(nm_norm(n))]
                tally.eq(p, "go.init_functions vs go tool nm", want, inits)
        # cgo
        cgo = g.get("cgo")
        if not tally.check(isinstance(cgo, dict) and sorted(cgo) == ["evidence", "functions",
                                                                   "linked", "setting"],
                           p, "go.cgo %r" % cgo):
            continue
        tally.eq(p, "go.cgo.setting", r["cgo"], cgo.get("setting"))
        notes = [n.get("id") for n in ij.get("findings") or []]
        if r["program"] == "static1":
            tally.eq(p, "go.cgo.linked (static1: no package uses cgo)", False, cgo.get("linked"))
            tally.check("cgo-static" in notes, p, "no cgo-static note (notes %r)" % notes)
        elif r["cgo"] == "1":
            tally.eq(p, "go.cgo.linked", True, cgo.get("linked"))
        else:
            tally.eq(p, "go.cgo.linked", False, cgo.get("linked"))
        if r["program"] != "static1" or r["cgo"] != "1":
            tally.check("cgo-static" not in notes, p, "unexpected cgo-static note")
        tally.check("cgo-unused" not in notes, p, "unexpected cgo-unused note (notes %r)" % notes)
        ev = cgo.get("evidence") or []
        fn = cgo.get("functions")
        tally.check(isinstance(fn, int) and (fn > 0) == bool(cgo.get("linked")) and
                    len(ev) <= fn and (len(ev) > 0) == bool(cgo.get("linked")), p,
                    "go.cgo functions %r / evidence %r / linked %r inconsistent"
                    % (fn, ev, cgo.get("linked")))
        if j:
            names = set(f["name"] for f in j["functions"])
            tally.check(all(e in names for e in ev), p, "cgo evidence not in the function "
                        "table: %r" % [e for e in ev if e not in names])
            # independent: crosscall2 (runtime/cgo's asm entry) is in every cgo-linked table
            tally.eq(p, "go.cgo.linked vs crosscall2 in the table", "crosscall2" in names,
                     cgo.get("linked"))

    # ---- check 6: no build info ----
    tmp = tempfile.mkdtemp(prefix="lp-funcs-")
    try:
        for name in ("app-amd64-cgo0-exe", "app-amd64-cgo0-exe-sw", "app-s390x-cgo0-exe",
                     "app-s390x-cgo0-exe-sw", "app-386-cgo0-exe-sw"):
            r = byname.get(name)
            if not r:
                print("note: fixture %s not present; no-buildinfo check skipped" % name)
                continue
            orig = r["path"]
            cp = os.path.join(tmp, name + "-nobuildinfo")
            label = "%s (build info zeroed)" % cp
            if not tally.check(zero_buildinfo(orig, cp), orig, "inline build-info blob not found"):
                continue
            want_ver = go_version_of(go, orig)
            rc, ij, _, err = lp_json(lp, ["inspect", "--json", cp])
            g = ij.get("go") if isinstance(ij, dict) else None
            if not tally.check(rc == 0 and isinstance(g, dict), label,
                               "inspect --json: exit %s, go %r, %r" % (rc, g, dec(err)[:200])):
                continue
            tally.eq(label, "go.version (go version on the original)", want_ver, g.get("version"))
            tally.eq(label, "go.version_source",
                     "runtime version string" if r["stripped"] == "yes"
                     else "symbol runtime.buildVersion", g.get("version_source"))
            notes = [n.get("id") for n in ij.get("findings") or []]
            tally.check("no-buildinfo" in notes, label, "no no-buildinfo note (notes %r)" % notes)
            oj = inspects.get(name, {}).get("go") or {}
            tally.eq(label, "go.functions (original's)", oj.get("functions"), g.get("functions"))
            tally.eq(label, "go.init_functions (original's)", oj.get("init_functions"),
                     g.get("init_functions"))
            grc, gout, gerr = run([go, "version", "-m", cp])
            tally.check(b"not a Go executable" in gout + gerr, label,
                        "go version -m does not say 'not a Go executable': %r" % dec(gout + gerr))
            brc, bout, berr = run([lp, "buildinfo", cp])
            tally.check(b"not a Go executable" in bout + berr, label,
                        "linkproof buildinfo does not say 'not a Go executable': %r"
                        % dec(bout + berr))

        # ---- check 3, crafted: no section headers (table found by scan), and also the
        # header's textStart zeroed (the text start is then unknown, entries are offsets) ----
        r = byname.get("app-amd64-cgo0-exe-sw")
        oj = tables.get("app-amd64-cgo0-exe-sw")
        if r and oj:
            with open(r["path"], "rb") as f:
                data = f.read()
            info = elf_info(r["path"])
            _a, off, _s = info["sections"].get(".gopclntab", (0, 0, 0))
            noshdr = os.path.join(tmp, "noshdr")
            noshdr_ts0 = os.path.join(tmp, "noshdr-textstart0")
            d = bytearray(data)
            struct.pack_into("<Q", d, 0x28, 0)
            struct.pack_into("<HHH", d, 0x3a, 0, 0, 0)
            with open(noshdr, "wb") as f:
                f.write(d)
            if off:
                struct.pack_into("<Q", d, off + 24, 0)     # 1.18 header: textStart at 8+2*8
            with open(noshdr_ts0, "wb") as f:
                f.write(d)
            names = [x["name"] for x in oj["functions"]]
            for cp, same_entries in ((noshdr, True), (noshdr_ts0, False)):
                label = "%s (copy of %s)" % (cp, r["name"])
                rc, cj, _, err = lp_json(lp, ["funcs", "--json", cp])
                if not tally.check(rc == 0 and isinstance(cj, dict), label, "funcs --json: "
                                   "exit %s, %r" % (rc, dec(err)[:200])):
                    continue
                cf = cj.get("functions") or []
                tally.eq(label, "found_by", "scan", (cj.get("pclntab") or {}).get("found_by"))
                tally.check([x.get("name") for x in cf] == names, label,
                            "function names differ from the original's")
                if same_entries:
                    tally.check([x.get("entry") for x in cf] ==
                                [x["entry"] for x in oj["functions"]], label,
                                "entries differ from the original's")
                trc, tout, _ = run([lp, "funcs", cp])
                trows = parse_text_funcs(tout)
                bad = [t for t in trows if t[0] == "bad line"]
                tally.check(trc == 0 and not bad and
                            trows == [(x.get("entry"), x.get("name")) for x in cf], label,
                            "funcs text output differs from --json; lines not '0x%%08x  NAME': "
                            "%r" % [t[1] for t in bad][:3])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- check 7: diff ----
    a, b = byname.get("app-amd64-cgo1-exe"), byname.get("app-amd64-cgo0-exe")
    if a and b:
        A, B = a["path"], b["path"]
        label = "diff %s %s" % (A, B)
        rc, out, err = run([lp, "diff", A, B])
        tally.eq(label, "exit status", 1, rc)
        lines = dec(out).split("\n")
        tally.check(lines[:2] == ["--- " + A, "+++ " + B], label, "header %r" % lines[:2])
        first6 = diff_groups(out)[:6]
        tally.check(("init functions", "  - main.init.0") in first6, label,
                    "no '  - main.init.0' under 'init functions' in the first 6 lines: %r"
                    % [l for _, l in first6])
        tally.check(any("runtime/cgo" in l for _, l in first6), label,
                    "no line naming runtime/cgo in the first 6 lines: %r" % [l for _, l in first6])
        rc, dj, _, _ = lp_json(lp, ["diff", "--json", A, B])
        label = "diff --json %s %s" % (A, B)
        if tally.check(rc == 1 and isinstance(dj, dict), label, "exit %s" % rc):
            tally.eq(label, "identical", False, dj.get("identical"))
            tally.eq(label, "a/b", [{"path": A, "error": None}, {"path": B, "error": None}], [dj.get("a"), dj.get("b")])
            ch = dj.get("changes") or []
            tally.check(any(c.get("group") == "init_functions" and c.get("kind") == "removed" and
                            c.get("item") == "main.init.0" for c in ch), label,
                        "no change {init_functions, removed, main.init.0}")
            tally.check(ch and ch[0].get("group") == "init_functions", label,
                        "first change is not an init_functions change: %r" % ch[:1])
        # reversed: added
        rc, dj, _, _ = lp_json(lp, ["diff", "--json", B, A])
        tally.check(rc == 1 and isinstance(dj, dict) and any(
            c.get("group") == "init_functions" and c.get("kind") == "added" and
            c.get("item") == "main.init.0" for c in dj.get("changes") or []),
            "diff --json %s %s" % (B, A), "no change {init_functions, added, main.init.0}")
    for r in rows[:1] + [byname[n] for n in ("app-s390x-cgo0-exe-sw",) if n in byname]:
        X = r["path"]
        rc, out, _ = run([lp, "diff", X, X])
        tally.check(rc == 0 and b"identical" in out, "diff %s %s" % (X, X),
                    "exit %s, output %r" % (rc, dec(out)[:200]))
        rc, dj, _, _ = lp_json(lp, ["diff", "--json", X, X])
        tally.check(rc == 0 and isinstance(dj, dict) and dj.get("identical") is True and
                    dj.get("changes") == [], "diff --json %s %s" % (X, X),
                    "exit %s, %r" % (rc, dj))
    u, s = byname.get("app-amd64-cgo0-exe"), byname.get("app-amd64-cgo0-exe-sw")
    if u and s:
        label = "diff %s %s" % (u["path"], s["path"])
        rc, out, _ = run([lp, "diff", u["path"], s["path"]])
        tally.check(rc == 1 and ("stripping", "  ~ symtab: yes -> no") in diff_groups(out), label,
                    "exit %s; no '  ~ symtab: yes -> no' under 'stripping': %r"
                    % (rc, dec(out)[:400]))
        rc, dj, _, _ = lp_json(lp, ["diff", "--json", u["path"], s["path"]])
        tally.check(isinstance(dj, dict) and {"group": "stripping", "kind": "changed",
                                              "item": "symtab", "a": "yes", "b": "no"}
                    in (dj.get("changes") or []), "diff --json " + label[5:],
                    "no change {stripping, changed, symtab, yes, no}")
    e, pie = byname.get("app-amd64-cgo0-exe"), byname.get("app-amd64-cgo0-pie")
    if e and pie:
        label = "diff %s %s" % (e["path"], pie["path"])
        rc, out, _ = run([lp, "diff", e["path"], pie["path"]])
        tally.check(rc == 1 and ("linkage", "  ~ pie: no -> yes") in diff_groups(out), label,
                    "exit %s; no '  ~ pie: no -> yes' under 'linkage': %r" % (rc, dec(out)[:400]))
    if rows:
        X = rows[0]["path"]
        missing = os.path.join(fxdir, "no-such-file-for-oracle-funcs")
        for args in (["diff", X, missing], ["diff", missing, X], ["diff", "--json", X, missing],
                     ["diff", X]):
            rc, out, err = run([lp] + args)
            tally.check(rc == 2 and len(stderr_lines(err)) >= 1, " ".join(args),
                        "exit %s (want 2), stderr %r" % (rc, dec(err)[:200]))

    # ---- check 8: --package, errors ----
    for r in rows:
        j = tables.get(r["name"])
        if not j:
            continue
        p = r["path"]
        for pkg in ("main", "runtime/cgo", "example.com/app/internal/version"):
            rc, pj, _, err = lp_json(lp, ["funcs", "--package", pkg, "--json", p])
            want = [f for f in j["functions"] if pkg_of(f["name"]) == pkg]
            got = (pj or {}).get("functions") if isinstance(pj, dict) else None
            tally.check(rc == 0 and got == want, "funcs --package %s --json %s" % (pkg, p),
                        "exit %s, %s functions listed, %d expected"
                        % (rc, len(got) if got is not None else None, len(want)))
        rc, out, _ = run([lp, "funcs", "--package", "main", p])
        want = [(f["entry"], f["name"]) for f in j["functions"] if pkg_of(f["name"]) == "main"]
        tally.check(rc == 0 and parse_text_funcs(out) == want and want, "funcs --package main " + p,
                    "exit %s, %d lines, %d main functions expected"
                    % (rc, len(parse_text_funcs(out)), len(want)))
    for cmd in ("funcs", "pkgs"):
        rc, out, err = run([lp, cmd, "/etc/passwd"])
        tally.check(rc == 2 and not out and len(stderr_lines(err)) == 1, cmd + " /etc/passwd",
                    "exit %s (want 2), stdout %r, stderr %r" % (rc, dec(out)[:100], dec(err)))
        for cbin in ("/usr/bin/true", "/bin/true"):
            if file_format(cbin) == "elf":
                rc, out, err = run([lp, cmd, cbin])
                tally.check(rc == 1 and not out and len(stderr_lines(err)) == 1,
                            "%s %s" % (cmd, cbin), "exit %s (want 1: no function table), "
                            "stdout %r, stderr %r" % (rc, dec(out)[:100], dec(err)))
                break
        rc, out, err = run([lp, cmd, os.path.join(fxdir, "no-such-file-for-oracle-funcs")])
        tally.check(rc == 2 and len(stderr_lines(err)) == 1, cmd + " on a missing file",
                    "exit %s, stderr %r" % (rc, dec(err)))
        rc, out, err = run([lp, cmd])
        tally.check(rc == 2, cmd + " without FILE", "exit %s (want 2)" % rc)

    return tally.finish("oracle_funcs")


if __name__ == "__main__":
    sys.exit(lptest.run_main(main))
