#!/bin/sh
# gen-versions-seeds.sh - build the seed corpus of the 'versions' fuzz target
# (written by the build to BUILD/fuzz/versions/): tiny shared objects with version definitions and
# needs, made with gcc -nostdlib -shared and version scripts, in the layouts
# the reader must handle: ELF64 and ELF32, GNU and SysV hash tables, no
# section headers, and (when clang and lld are there) big-endian and lld's
# table layout. Seeds are named .bin (.gitignore drops *.so). Nothing from
# the host is copied or linked in. Outputs over 16 KiB are not kept.
#
# Usage: fuzz/gen-versions-seeds.sh OUTDIR   (the build writes them to BUILD/fuzz/versions)
set -eu

out=${1:?usage: gen-versions-seeds.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > v.c <<'EOF'
void f1(void) {}
void f2(void) {}
void f3(void) {}
void f4(void) {}
void g(void) {}
void p(void) {}
EOF
cat > v.map <<'EOF'
VERS_1.0 { global: f1; local: *; };
VERS_1.1 { global: f2; } VERS_1.0;
VERS_1.9 { global: f3; } VERS_1.1;
VERS_1.10 { global: f4; } VERS_1.9;
OTHER_3.0 { global: g; };
VERS_PRIVATE { global: p; };
EOF
cat > u.c <<'EOF'
extern void f1(void);
extern void f4(void);
extern void g(void);
__attribute__((weak)) extern void f2(void);
void use(void);
void use(void) { f1(); f4(); g(); if (f2) f2(); }
EOF
# needs and defines at once: a library that uses libv and has its own versions
cat > w.c <<'EOF'
extern void f1(void);
extern void g(void);
void w1(void);
void w1(void) { f1(); g(); }
EOF
cat > w.map <<'EOF'
W_2.0 { global: w1; local: *; };
EOF

small="-Wl,--build-id=none -Wl,-z,norelro -Wl,-z,noseparate-code -Wl,-z,max-page-size=0x1000 -Wl,-s"

# build LABEL CC FLAGS: libv, user and w for one toolchain
build() {
    label=$1 cc=$2 flags=$3
    rm -f libv.so user.so w.so
    # shellcheck disable=SC2086
    if ! $cc $flags -shared -nostdlib -fPIC -o libv.so v.c -Wl,--version-script=v.map \
            -Wl,-soname,libv.so.1 2>/dev/null ||
       ! $cc $flags -shared -nostdlib -fPIC -o user.so u.c libv.so 2>/dev/null ||
       ! $cc $flags -shared -nostdlib -fPIC -o w.so w.c libv.so -Wl,--version-script=w.map \
            -Wl,-soname,libw.so.2 2>/dev/null; then
        echo "gen-versions-seeds: $label: toolchain not available, skipped" >&2
        return 0
    fi
    for f in libv user w; do
        keep "$f.so" "seed-$label-$f.bin"
    done
}

# keep FILE NAME: copy into the corpus if small enough
keep() {
    size=$(wc -c < "$1")
    if [ "$size" -gt 16384 ]; then
        echo "gen-versions-seeds: $2 is $size bytes, not kept" >&2
        return 0
    fi
    cp "$1" "$out/$2"
    chmod 644 "$out/$2"
    echo "$out/$2 ($size bytes)"
}

# nosections FILE NAME: the file cut at its section header table, e_shoff,
# e_shnum and e_shstrndx zeroed (what sstrip leaves; ELF64 little-endian)
nosections() {
    shoff=$(od -An -t u8 -j 40 -N 8 "$1" | tr -d ' ')
    head -c "$shoff" "$1" > ns.tmp
    printf '\000\000\000\000\000\000\000\000' | dd of=ns.tmp bs=1 seek=40 conv=notrunc 2>/dev/null
    printf '\000\000\000\000' | dd of=ns.tmp bs=1 seek=60 conv=notrunc 2>/dev/null
    keep ns.tmp "$2"
}

build x86_64 gcc "$small"
build x86_64-sysv gcc "$small -Wl,--hash-style=sysv"
build i386 gcc "-m32 $small"
if [ -f "$out/seed-x86_64-user.bin" ]; then
    nosections "$out/seed-x86_64-user.bin" seed-x86_64-user-nosections.bin
    nosections "$out/seed-x86_64-libv.bin" seed-x86_64-libv-nosections.bin
fi
lld="-fuse-ld=lld -Wl,--build-id=none -Wl,-z,norelro -Wl,-z,max-page-size=0x1000 -Wl,-s"
build ppc64-lld clang "--target=powerpc64-linux-gnu $lld"
build mips-lld clang "--target=mips-linux-gnu $lld"
build aarch64-lld-sysv clang "--target=aarch64-linux-gnu $lld -Wl,--hash-style=sysv"
