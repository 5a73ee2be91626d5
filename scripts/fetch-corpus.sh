#!/usr/bin/env bash
# fetch-corpus.sh OUT: download the public corpus of third-party Go binaries
# (../shared/corpus/fetch-public.sh, from the npm registry) into a cache and
# write its list ("<path> <package>@<version>" per line) to OUT.
# Without ../shared or without network the list is left empty and the tests
# that need it say so (LP_REQUIRE_CORPUS=1 makes that an error).
set -euo pipefail
out=$1
root=$(cd "$(dirname "$0")/.." && pwd)
fetch=${LP_CORPUS_FETCH:-$root/../shared/corpus/fetch-public.sh}
cache=${LP_CORPUS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/linkproof-corpus}
tmp=$out.tmp
if [ ! -x "$fetch" ] && [ ! -f "$fetch" ]; then
  echo "fetch-corpus: $fetch not found; corpus tests will be skipped" >&2
  : > "$out"
  exit 0
fi
# Beyond the shared list: real binaries the -X and notes tests need (each line "<path> <pkg>@<ver>"):
# an old stripped release built by Go 1.17 (no build settings recorded), from npm; and Go
# programs from Debian's own archive (apt-get download, unpacked with dpkg-deb, never installed).
extra() {
  local spec name ver dir tmpd
  for spec in esbuild-linux-64@0.14.0; do
    name=${spec%@*} ver=${spec##*@}
    dir="$cache/$(echo "$name" | tr '/@' '__')-$ver"
    if [ ! -d "$dir/package" ]; then
      tmpd=$(mktemp -d)
      (cd "$tmpd" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$tmpd"; return 1; }
      mkdir -p "$dir" && tar xzf "$tmpd"/*.tgz -C "$dir" && rm -rf "$tmpd"
    fi
    find "$dir/package" -type f -name esbuild | while read -r f; do echo "$f $spec"; done
  done
  for deb in fzf; do
    dir="$cache/debian-$deb"
    if [ ! -d "$dir/root" ]; then
      tmpd=$(mktemp -d)
      (cd "$tmpd" && apt-get download -qq "$deb" >/dev/null 2>&1) || { rm -rf "$tmpd"; return 1; }
      mkdir -p "$dir/root" && dpkg-deb -x "$tmpd"/*.deb "$dir/root" &&
        dpkg-deb -f "$tmpd"/*.deb Version > "$dir/version" && rm -rf "$tmpd"
    fi
    find "$dir/root/usr/bin" -type f | while read -r f; do
      if head -c 4 "$f" | grep -q ELF; then echo "$f debian:$deb@$(cat "$dir/version")"; fi
    done
  done
}

if bash "$fetch" "$cache" > "$tmp" 2> "$out.log" && extra >> "$tmp" 2>> "$out.log"; then
  mv "$tmp" "$out"
  echo "fetch-corpus: $(wc -l < "$out") binaries in $cache" >&2
else
  echo "fetch-corpus: download failed (see $out.log); corpus tests will be skipped" >&2
  cat "$out.log" >&2 || true
  : > "$out"
  rm -f "$tmp"
  if [ "${LP_REQUIRE_CORPUS:-0}" = 1 ]; then exit 1; fi
fi
