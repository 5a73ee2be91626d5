#!/usr/bin/env bash
# bench/vulns.sh — `linkproof vulns` against govulncheck (binary mode), the tool a user would
# otherwise run, over the same offline database snapshot (../shared/data/go-vulndb/osv.tar.gz).
#
# Subjects: the vulns matrix (tests/fixtures/vulnsrc, built here, unstripped and -s -w), the
# amd64 Go fixtures of the test suite and, when a corpus list is given, its Go binaries.
# linkproof reads them all in one run (`linkproof vulns --vulndb DB FILE...`, the database
# indexed once); govulncheck takes one binary per run (`govulncheck -json FILE` with
# GOVULNDB=file:///LEGACY, the layout Debian's 0.0~git20230201 reads). Both on the same
# files; each timing is the best of LP_BENCH_RUNS runs. Prints seconds and ratios for
# linkproof with the vuln.go.dev index layout and with a plain folder of reports.
# Usage: bench/vulns.sh [FIXTURES_DIR] [CORPUS_LIST]   (env LP_BIN, LP_GOCACHE, LP_BENCH_RUNS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
fx=${1:-$root/build/tests/fixtures}
corpus=${2:-${LP_CORPUS_LIST:-}}
runs=${LP_BENCH_RUNS:-3}
work=$root/build/bench/vulns
command -v govulncheck >/dev/null || { echo "bench/vulns.sh: needs govulncheck (scripts/install-deps)" >&2; exit 2; }
mkdir -p "$work"
export LP_GOCACHE=${LP_GOCACHE:-$root/build/gocache}

# the matrix and the three database layouts (once; kept in build/bench/vulns)
LP_SOURCE_ROOT=$root python3 - "$work" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["LP_SOURCE_ROOT"], "tests"))
import vulnfix
work = sys.argv[1]
if not os.path.exists(os.path.join(work, "bin", "nethttp-sw")):
    vulnfix.build(os.path.join(work, "bin"), os.path.join(work, "tmp"))
folder = vulnfix.unpack(os.path.join(work, "tmp"))
if not os.path.isdir(os.path.join(work, "legacy")):
    vulnfix.legacy_layout(folder, os.path.join(work, "legacy"))
if not os.path.isdir(os.path.join(work, "idx")):
    vulnfix.index_layout(folder, os.path.join(work, "idx"))
with open(os.path.join(work, "folder.path"), "w") as f:
    f.write(folder)
PY
folder=$(cat "$work/folder.path")

files=()
for f in "$work"/bin/*; do files+=("$f"); done
if [ -f "$fx/fixtures.tsv" ]; then
  while IFS=$'\t' read -r name goarch _; do
    [ "$goarch" = amd64 ] && [ -f "$fx/$name" ] && [[ $name != *.so ]] && files+=("$fx/$name")
  done < <(tail -n +2 "$fx/fixtures.tsv")
fi
if [ -n "$corpus" ] && [ -f "$corpus" ]; then
  while read -r path _; do
    [ -f "$path" ] && go version "$path" >/dev/null 2>&1 && files+=("$path")
  done < "$corpus"
fi
echo "subjects: ${#files[@]} Go binaries"

best() { # "WALL CPU" in seconds: the run with the least CPU (user+sys) of $runs runs
  local bw= bc=
  for _ in $(seq "$runs"); do
    local t w u sy c
    t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)
    read -r w u sy <<<"$t"
    c=$(echo "$u + $sy" | bc)
    if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bw=$w; bc=$c; fi
  done
  echo "$bw $bc"
}
gv_all() { for f in "${files[@]}"; do GOVULNDB=file://$work/legacy govulncheck -json "$f" || true; done; }

read -r w_idx c_idx <<<"$(best "$lp" vulns --json --vulndb "$work/idx" "${files[@]}")"
read -r w_dir c_dir <<<"$(best "$lp" vulns --json --vulndb "$folder" "${files[@]}")"
read -r w_gv c_gv <<<"$(best gv_all)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (wall times stretch with load; CPU times less so)"
printf '%-46s %9s %9s\n' "" "wall s" "CPU s"
printf '%-46s %9.3f %9.3f\n' "linkproof vulns (index layout, one run)" "$w_idx" "$c_idx"
printf '%-46s %9.3f %9.3f\n' "linkproof vulns (folder of reports, one run)" "$w_dir" "$c_dir"
printf '%-46s %9.3f %9.3f\n' "govulncheck, one run per binary" "$w_gv" "$c_gv"
r() { echo "$1 / $2" | bc -l; }
printf 'govulncheck / linkproof, index layout:  wall %6.1fx  CPU %6.1fx\n' "$(r "$w_gv" "$w_idx")" "$(r "$c_gv" "$c_idx")"
printf 'govulncheck / linkproof, folder layout: wall %6.1fx  CPU %6.1fx\n' "$(r "$w_gv" "$w_dir")" "$(r "$c_gv" "$c_dir")"
