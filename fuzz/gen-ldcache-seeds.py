#!/usr/bin/env python3
"""Write small ld.so.cache seeds for the 'ldcache' fuzz target.

Usage: fuzz/gen-ldcache-seeds.py OUTDIR   (the build writes them to BUILD/fuzz/ldcache)

The layouts follow glibc's elf/cache.c (save_cache) and
sysdeps/generic/dl-cache.h: the old "ld.so-1.7.0" table, the new
"glibc-ld.so.cache1.1" table with its extension directory (generator string,
glibc-hwcaps array), and the old table with the new one inside its string
area, in both byte orders, plus a few edge cases. Deterministic: running it
again rewrites the same bytes. Crash inputs kept as crash-*.bin are not
touched.
"""
import os
import struct
import sys

EXT = 1 << 62

SAMPLE = [
    # flags, key, path, hwcaps index or None, raw hwcap, isa level
    (0x303, "libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1", 0, 0, 0),
    (0x303, "libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1", 1, 0, 3),
    (0x303, "libfoo.so.1", "/usr/lib/tls/libfoo.so.1", None, 0x8, 0),
    (0x303, "libfoo.so.1", "/usr/lib/libfoo.so.1", None, 0, 0),
    (0x003, "libfoo.so.1", "/usr/lib32/libfoo.so.1", None, 0, 0),
    (0x303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", None, 0, 0),
    (0x001, "ld-linux.so.2", "/lib/ld-linux.so.2", None, 0, 0),
    (0x903, "libarm.so.1", "/usr/lib/arm-linux-gnueabihf/libarm.so.1", None, 0, 0),
]
HWNAMES = ["x86-64-v2", "x86-64-v3"]
GENERATOR = "ldconfig (seed) release version 2.99"


def build(fmt, be=False, eflag=None, pad_even=True, entries=SAMPLE, hwnames=HWNAMES,
          generator=GENERATOR):
    e = ">" if be else "<"
    strs = []
    for fl, key, path, hw, raw, isa in entries:
        strs += [key, path]
    strs += hwnames
    soff, blob = [], b""
    for s in strs:
        soff.append(len(blob))
        blob += s.encode() + b"\0"
    n = len(entries)
    out = bytearray()

    def put(off, data):
        if len(out) < off + len(data):
            out.extend(b"\0" * (off + len(data) - len(out)))
        out[off:off + len(data)] = data

    old_end = H = 0
    if fmt != "new":
        old_n = (n + 1) & ~1 if (fmt == "oldnew" and pad_even) else n
        put(0, b"ld.so-1.7.0")
        put(12, struct.pack(e + "I", old_n))
        old_end = 16 + 12 * old_n
        put(old_end, b"")
        if fmt == "oldnew":
            H = (old_end + 7) & ~7 if pad_even else old_end
    S = old_end if fmt == "old" else H + 48 + 24 * n
    put(S, blob)
    if fmt != "new":
        for i in range(old_n):
            j = min(i, n - 1)
            put(16 + 12 * i, struct.pack(e + "iII", entries[j][0], S - old_end + soff[2 * j],
                                         S - old_end + soff[2 * j + 1]))
    if fmt != "old":
        put(H, b"glibc-ld.so.cache1.1")
        flag = eflag if eflag is not None else (3 if be else 2)
        put(H + 20, struct.pack(e + "IIB", n, len(blob), flag))
        for i, (fl, key, path, hw, raw, isa) in enumerate(entries):
            hwcap = (EXT | isa << 32 | hw) if hw is not None else raw
            put(H + 48 + 24 * i, struct.pack(e + "iIIIQ", fl, S - H + soff[2 * i],
                                             S - H + soff[2 * i + 1], 0, hwcap))
        if generator is not None or hwnames:
            E = (S + len(blob) + 3) & ~3
            count = (1 if generator is not None else 0) + (1 if hwnames else 0)
            data, sec = E + 8 + 16 * count, E + 8
            put(H + 32, struct.pack(e + "I", E))
            put(E, struct.pack(e + "II", 0xEAA42174, count))
            if hwnames:
                put(sec, struct.pack(e + "IIII", 1, 0, data, 4 * len(hwnames)))
                for k in range(len(hwnames)):
                    put(data + 4 * k, struct.pack(e + "I", S + soff[2 * n + k]))
                data += 4 * len(hwnames)
                sec += 16
            if generator is not None:
                g = generator.encode()
                put(sec, struct.pack(e + "IIII", 0, 0, data, len(g)))
                put(data, g)
    return bytes(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-ldcache-seeds.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    seeds = {
        "new-le": build("new"),
        "new-be": build("new", be=True),
        "new-endian-unset-be": build("new", be=True, eflag=0),
        "new-endian-invalid": build("new", eflag=1),
        "new-no-extension": build("new", hwnames=[], generator=None),
        "new-empty": build("new", entries=[], hwnames=[], generator=None),
        "new-hwcaps-index-range": build("new", entries=[
            (0x303, "libz.so.1", "/a/v9/libz.so.1", 7, 0, 0),
            (0x303, "libz.so.1", "/a/v2/libz.so.1", 0, 0, 0x3FF),
            (0x303, "libz.so.1", "/a/libz.so.1", None, 0, 0)], hwnames=["x86-64-v2"]),
        "old-le": build("old", hwnames=[], generator=None),
        "old-be": build("old", be=True, hwnames=[], generator=None),
        "old-empty": build("old", entries=[], hwnames=[], generator=None),
        "oldnew-le": build("oldnew"),
        "oldnew-be": build("oldnew", be=True),
        "oldnew-align4": build("oldnew", pad_even=False,
                               entries=SAMPLE[:3]),  # odd count, header at 4 mod 8
    }
    good = seeds["new-le"]
    seeds["new-truncated-ext"] = good[:-5]
    bad = bytearray(good)
    struct.pack_into("<I", bad, 48 + 4, 0x7FFFFFFF)  # entry 0 key out of range
    seeds["new-key-range"] = bytes(bad)
    bad = bytearray(good)
    struct.pack_into("<I", bad, 20, 0xFFFFFFFF)  # nlibs
    seeds["new-nlibs-huge"] = bytes(bad)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(outdir, name + ".bin"), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), outdir))


if __name__ == "__main__":
    main()
