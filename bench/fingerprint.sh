#!/usr/bin/env bash
# bench/fingerprint.sh — `linkproof fingerprint FILE` against `sha256sum FILE` on
# the largest ELF binary of the corpus.
#
# Both read and hash the whole file; linkproof also hashes the bytes of the
# executable PT_LOAD segments (a second SHA-256 over most of a Go binary) and
# reads the build IDs. The target: linkproof within 10 % of sha256sum (median
# wall time).
#
# One run:
#  1. picks the largest ELF file of the corpus list (1st arg, else
#     LP_CORPUS_LIST, else build/tests/corpus.txt; lines "<path> <pkg>@<ver>"),
#     or LP_BENCH_FILE;
#  2. same work: `linkproof fingerprint --json FILE` must exit 0 and report the
#     sha256 that sha256sum prints, or the script aborts (exit 1);
#  3. times with hyperfine -N (no shell, output discarded, page cache warm):
#     `linkproof fingerprint FILE`, `sha256sum FILE`, and, for scale,
#     `openssl dgst -sha256 FILE` (libcrypto, as linkproof uses) when present;
#  4. prints the medians, the ratio linkproof / sha256sum and the verdict, and
#     writes hyperfine's JSON to bench/results/fingerprint-<date>.json.
# Usage: bench/fingerprint.sh [CORPUS_LIST]
#        (env LP_BIN, LP_CORPUS_LIST, LP_BENCH_FILE, LP_BENCH_RUNS, LP_BENCH_RESULTS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
corpus=${1:-${LP_CORPUS_LIST:-$root/build/tests/corpus.txt}}
runs=${LP_BENCH_RUNS:-30}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/fingerprint.sh: $*" >&2; exit 2; }
for c in hyperfine sha256sum python3; do
  command -v "$c" >/dev/null || die "needs $c (hyperfine: scripts/install-deps installs it)"
done
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build linkproof, or LP_BIN=...)"
"$lp" fingerprint --help >/dev/null 2>&1 || die "$lp has no working 'fingerprint' command"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "LP_BENCH_RUNS must be a positive integer"

# --- the subject: the largest ELF file of the corpus -----------------------------
file=${LP_BENCH_FILE:-}
if [ -z "$file" ]; then
  [ -f "$corpus" ] || die "no corpus list at $corpus (scripts/fetch-corpus.sh, or pass one)"
  best=0
  while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    path=${line% *}                    # "<path> <pkg>@<ver>": the path is all but the last word
    [ "$path" = "$line" ] && path=$line
    [ -f "$path" ] || continue
    [ "$(head -c 4 "$path" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || continue
    size=$(stat -L -c %s "$path")
    if [ "$size" -gt "$best" ]; then best=$size; file=$path; fi
  done <"$corpus"
  [ -n "$file" ] || die "no ELF file in the corpus list $corpus"
fi
[ -f "$file" ] && [ -r "$file" ] || die "cannot read $file"
case $file in *' '*) die "$file: hyperfine -N splits commands on spaces: copy the file to a path without one and set LP_BENCH_FILE" ;; esac
size=$(stat -L -c %s "$file")

# --- same work: both report the same SHA-256 --------------------------------------
cat "$file" >/dev/null                 # page cache
lp_rc=0
lpj=$("$lp" fingerprint --json "$file") || lp_rc=$?
[ "$lp_rc" = 0 ] || { echo "ABORT: linkproof fingerprint --json $file exited $lp_rc" >&2; exit 1; }
read -r lp_sha lp_code lp_code_size < <(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print(j["sha256"], j["code_sha256"], j["code_size"])' "$lpj")
ss_sha=$(sha256sum "$file" | cut -d' ' -f1)
if [ "$lp_sha" != "$ss_sha" ]; then
  echo "ABORT: the two tools disagree on $file: linkproof sha256 $lp_sha, sha256sum $ss_sha" >&2
  exit 1
fi

# --- timings -------------------------------------------------------------------
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
hf=$results_dir/fingerprint-$stamp.json
cmds=(-n "linkproof fingerprint" "$lp fingerprint $file"
  -n "sha256sum" "sha256sum $file")
if command -v openssl >/dev/null; then
  cmds+=(-n "openssl dgst -sha256" "openssl dgst -sha256 $file")
fi
hyperfine -N --style basic --warmup 3 --min-runs "$runs" --export-json "$hf" "${cmds[@]}" >/dev/null

python3 - "$hf" "$file" "$size" "$lp_code_size" "$(nproc)" <<'PY'
import json, sys
hf, path, size, code_size, ncpu = sys.argv[1:]
size, code_size = int(size), int(code_size)
r = {x["command"]: x for x in json.load(open(hf))["results"]}
mib = size / 1048576
print("linkproof fingerprint benchmark: %s" % path)
print("file %.1f MiB; executable segments %.1f MiB (%.0f %% of the file, hashed a second time by"
      " linkproof); %s CPUs" % (mib, code_size / 1048576, 100.0 * code_size / size, ncpu))
print()
print("%-24s %10s %10s %10s %10s %6s" % ("command", "median ms", "mean ms", "stddev ms", "MiB/s", "runs"))
print("%-24s %10s %10s %10s %10s %6s" % ("-" * 24, "-" * 10, "-" * 10, "-" * 10, "-" * 10, "-" * 6))
for name in ("linkproof fingerprint", "sha256sum", "openssl dgst -sha256"):
    if name not in r:
        continue
    x = r[name]
    print("%-24s %10.2f %10.2f %10.2f %10.0f %6d" % (name, x["median"] * 1e3, x["mean"] * 1e3,
                                                 x["stddev"] * 1e3, mib / x["median"], len(x["times"])))
lp, ss = r["linkproof fingerprint"]["median"], r["sha256sum"]["median"]
ratio = lp / ss
print()
print("linkproof fingerprint: %.2f ms, sha256sum: %.2f ms (medians)" % (lp * 1e3, ss * 1e3))
print("ratio linkproof / sha256sum: %.2f (%+.0f %%) -> %s" % (
    ratio, (ratio - 1) * 100, "TARGET MET (within 10 %)" if ratio <= 1.10 else "TARGET MISSED (more than 10 % slower)"))
print("results: %s" % hf)
PY
