#!/usr/bin/env python3
"""Write seeds for the 'ld' fuzz target (fuzz/fuzz_ld.c).

Usage: fuzz/gen-ld-seeds.py OUTDIR VERSIONS_SEEDS_DIR   (the build writes BUILD/fuzz/ld)

Mode 0 (ld.so.conf) and 1 (musl path file) seeds are text; mode 2 seeds join a
program, a library, ld.so.conf, ld.so.cache and the musl path file with
"\\n--\\n", taking the program and library from the tiny shared objects the
'versions' seeds are (built from sources at build time, never committed).
Deterministic.
"""
import os
import struct
import sys

SEP = b"\n--\n"


def ldcache(entries):
    """A new-format ld.so.cache (glibc-ld.so.cache1.1), little-endian."""
    strings = b""
    offs = []
    base = 48 + 24 * len(entries)
    for key, path in entries:
        k = base + len(strings)
        strings += key.encode() + b"\0"
        v = base + len(strings)
        strings += path.encode() + b"\0"
        offs.append((k, v))
    hdr = b"glibc-ld.so.cache1.1" + struct.pack("<IIB3xI3I", len(entries), len(strings), 2, 0, 0, 0, 0)
    body = b"".join(struct.pack("<iIIIQ", 0x0303, k, v, 0, 0) for k, v in offs)
    return hdr + body + strings


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-ld-seeds.py OUTDIR VERSIONS_SEEDS_DIR")
    out, vers = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "conf-basic.bin": b"\0/lib\n/usr/lib # c\ninclude /etc/ld.so.conf.d/*.conf\n",
        "conf-relative.bin": b"\0include ld.so.conf.d/?.conf ld.so.conf.d/[ab].conf\n/opt/lib=libc6\n",
        "conf-loop.bin": b"\0include /etc/ld.so.conf\ninclude /etc/ld.so.conf /etc/ld.so.conf\n/opt/lib/loop\n",
        "conf-hwcap.bin": b"\0hwcap 0 nosegneg\n  \t/lib/x86_64-linux-gnu///\n/\nrelative\n",
        "conf-long.bin": b"\0/" + b"a" * 5000 + b"\n",
        "conf-escape.bin": b"\0include /etc/ld.so.conf.d/\\*.conf /../../etc/*\n/../../../lib\n",
        "musl-basic.bin": b"\1/lib:/usr/local/lib\n/usr/lib\n",
        "musl-odd.bin": b"\1::\n\n/a b:/c\0/d\nrel/dir\n",
    }
    objs = {}
    for name in sorted(os.listdir(vers)) if os.path.isdir(vers) else []:
        with open(os.path.join(vers, name), "rb") as f:
            objs[name] = f.read()
    users = [n for n in objs if n.endswith("-user.bin")]
    for u in users[:6]:
        lib = u.replace("-user.bin", "-libv.bin")
        if lib not in objs:
            continue
        cache = ldcache([("libv.so.1", "/lib/libx.so.1"), ("libm.so.6", "/usr/lib/libm.so.6")])
        parts = [objs[u], objs[lib], b"/usr/lib\ninclude /etc/ld.so.conf.d/*.conf\n", cache,
                 b"/lib:/usr/lib\n"]
        seeds["resolve-" + u] = b"\2" + SEP.join(parts)
        seeds["resolve-nocache-" + u] = b"\2" + SEP.join(parts[:3])
        long_rp = objs[u]
        seeds["resolve-self-" + u] = b"\2" + SEP.join([long_rp, long_rp, b"", b"", b""])
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
