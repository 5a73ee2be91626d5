#!/usr/bin/env bash
# pkgconfig.sh BUILD_DIR SOURCE_DIR FILE...: the library as it installs. `meson install`
# into a temporary DESTDIR; then a program (tests/pkgconfig/main.c) is built with nothing
# but `pkg-config linkproof` against the shared library and against the static one, and
# run on FILE...; its lines must say what `linkproof inspect --json` says. Also checked:
# the headers, liblinkproof.a, liblinkproof.so and linkproof.pc are installed, the shared
# object exports only lp_ symbols, and the headers compile on their own.
set -uo pipefail
build=$1 src=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lp-pkgconfig-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
check() { # check WHAT CONDITION-STATUS DETAIL
  if [ "$2" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}

meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; echo "FAIL meson install"; echo "0 passed, 1 failed"; exit 1; }
pc=$(find "$tmp/root" -name linkproof.pc | head -1)
check "linkproof.pc installed" "$([ -n "$pc" ]; echo $?)" "no linkproof.pc under $tmp/root"
libdir=$(dirname "$(dirname "$pc")")
for f in liblinkproof.a liblinkproof.so; do
  check "$f installed" "$([ -e "$libdir/$f" ]; echo $?)" "no $libdir/$f"
done
incdir=$(find "$tmp/root" -type d -path '*/include/linkproof' | head -1)
for h in "$src"/include/linkproof/*.h; do
  n=$(basename "$h")
  check "header $n installed" "$([ -f "$incdir/$n" ]; echo $?)" "no $incdir/$n"
done
check "version.h installed" "$([ -f "$incdir/version.h" ]; echo $?)" "no $incdir/version.h (generated)"

export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
cflags=$(pkg-config --cflags linkproof)
# every installed header compiles on its own (C and C++), with nothing else included first
for h in "$incdir"/*.h; do
  n=$(basename "$h")
  printf '#include <linkproof/%s>\nint lp_test_dummy;\n' "$n" >"$tmp/h.c"
  cc -std=c17 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/h.c" 2>"$tmp/h.err"
  check "header $n compiles alone" $? "$(head -3 "$tmp/h.err")"
done

# only the public API leaves the shared object
other=$(nm -D --defined-only "$libdir/liblinkproof.so" | awk '{print $3}' | grep -v '^lp_' || true)
check "exports only lp_ symbols" "$([ -z "$other" ]; echo $?)" "$(echo $other | head -c 300)"
nexp=$(nm -D --defined-only "$libdir/liblinkproof.so" | grep -c ' lp_' || true)
internal=$(nm -D --defined-only "$libdir/liblinkproof.so" | awk '{print $3}' | grep -E '^(smap_|lp_cur_|lp_sb_|lp_strtab_|lp_elf_open|lp_probe_read_dir|lp_maps_bias)' || true)
check "internal helpers hidden" "$([ -z "$internal" ]; echo $?)" "$(echo $internal | head -c 300)"
echo "note: $nexp symbols exported"

# shared: built and run through pkg-config alone
cc -std=c17 -Wall -Wextra -Werror $cflags "$src/tests/pkgconfig/main.c" -o "$tmp/prog-shared" \
  $(pkg-config --libs linkproof) 2>"$tmp/cc.err"
check "build against the shared library" $? "$(head -5 "$tmp/cc.err")"
# static: liblinkproof.a and what pkg-config --static says it needs
static_libs=$(pkg-config --static --libs linkproof | sed 's/-llinkproof\b//')
cc -std=c17 -Wall -Wextra -Werror $cflags "$src/tests/pkgconfig/main.c" -o "$tmp/prog-static" \
  "$libdir/liblinkproof.a" $static_libs 2>"$tmp/ccs.err"
check "build against the static library" $? "$(head -5 "$tmp/ccs.err")"
check "the static program needs no liblinkproof.so" \
  "$(! ldd "$tmp/prog-static" 2>/dev/null | grep -q liblinkproof; echo $?)" "$(ldd "$tmp/prog-static" | grep linkproof)"

ver=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$src/meson.build" | head -1)
for kind in shared static; do
  out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog-$kind" "$@" 2>&1) && rc=0 || rc=$?
  check "$kind program runs" $rc "exit $rc: $out"
  check "$kind program: version from meson.build" "$(echo "$out" | grep -qx "version $ver"; echo $?)" \
    "want 'version $ver': $out"
  if [ "$kind" = shared ]; then
    used=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog-shared" | grep liblinkproof || true)
    check "the shared program loads the installed liblinkproof.so" \
      "$(echo "$used" | grep -q "$libdir"; echo $?)" "$used"
  fi
  for f in "$@"; do
    want=$("$build/linkproof" inspect --json "$f" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("object %d go %d machine %s" % (j["format"] is not None, j["go"] is not None, j["machine"] or "-"))')
    got=$(echo "$out" | grep -F "$f: " | sed "s|^$f: ||; s| platform .*||")
    check "$kind program on $f" "$([ "$got" = "$want" ]; echo $?)" "got '$got', inspect says '$want'"
  done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
