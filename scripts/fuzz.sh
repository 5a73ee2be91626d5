#!/usr/bin/env bash
# fuzz.sh FUZZ_BUILD FIXTURES SECONDS: run every libFuzzer harness for SECONDS
# each, seeded with the committed corpus (fuzz/corpus/NAME), the seeds the
# build generates (FUZZ_BUILD/fuzz/NAME) and, for the ELF
# harness, small host binaries and stripped fixtures. New inputs go to
# fuzz/out/NAME (git-ignored); crashes to fuzz/out/crash-NAME-*. Keep a crash
# as a regression input by copying it to fuzz/corpus/NAME/ once fixed.
set -euo pipefail
build=$1 fixtures=$2 secs=${3:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
for name in elf buildinfo ldcache versions image xref ld proc policy; do
  [ -x "$build/fuzz/fuzz-$name" ] || continue
  work=$root/fuzz/out/$name
  mkdir -p "$work"
  seeds=("$root/fuzz/corpus/$name")
  if [ -d "$build/fuzz/$name" ]; then
    seeds+=("$build/fuzz/$name") # seeds generated at build time
  fi
  if [ "$name" = elf ]; then
    mkdir -p "$work/seeds"
    cp -f /usr/bin/true /usr/bin/env "$work/seeds/" 2>/dev/null || true
    for f in "$fixtures"/*-sw "$fixtures"/*.so; do [ -f "$f" ] && cp -f "$f" "$work/seeds/"; done
    seeds+=("$work/seeds")
  fi
  echo "fuzz: $name for ${secs}s"
  "$build/fuzz/fuzz-$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
    -max_len=3000000 -print_final_stats=1 -artifact_prefix="$root/fuzz/out/crash-$name-" \
    "$work" "${seeds[@]}"
done
