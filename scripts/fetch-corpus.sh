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
if bash "$fetch" "$cache" > "$tmp" 2> "$out.log"; then
  mv "$tmp" "$out"
  echo "fetch-corpus: $(wc -l < "$out") binaries in $cache" >&2
else
  echo "fetch-corpus: download failed (see $out.log); corpus tests will be skipped" >&2
  cat "$out.log" >&2 || true
  : > "$out"
  rm -f "$tmp"
  if [ "${LP_REQUIRE_CORPUS:-0}" = 1 ]; then exit 1; fi
fi
