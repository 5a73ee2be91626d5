#!/usr/bin/env bash
# bench/buildinfo.sh — time `linkproof buildinfo` against `go version -m`.
#
# usage: bash bench/buildinfo.sh [FIXTURES_DIR [CORPUS_LIST]]
#
#   FIXTURES_DIR  (env LP_FIXTURES)     dir with fixtures.tsv; column `name` = files in it
#   CORPUS_LIST   (env LP_CORPUS_LIST)  lines "<path> <pkg>@<ver>"; may be missing
#
# other knobs (env):
#   LP_BIN            linkproof binary            (default: <repo>/build/linkproof)
#   GO                go command                  (default: go)
#   LP_BENCH_PATHS    min. length of path list    (default: 1200, at least 1000)
#   LP_BENCH_SAMPLE   paths for per-file mode     (default: 200)
#   LP_BENCH_BATCH    paths per process, batch    (default: the whole list)
#   LP_BENCH_RUNS     repetitions, best is kept   (default: 3)
#   LP_BENCH_RESULTS  dir for the JSON result     (default: <repo>/bench/results)
#   LP_BENCH_SKIP_MISMATCH=1  drop (and list) files where the outputs differ
#                     instead of aborting (default: abort)
#
# Exits 0 when the benchmark ran, whether or not the 10x target was met;
# non-zero only when it could not run or the two tools' outputs differ.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

fixtures=${1:-${LP_FIXTURES:-}}
corpus=${2:-${LP_CORPUS_LIST:-}}
lp=${LP_BIN:-$repo/build/linkproof}
gocmd=${GO:-go}
want_paths=${LP_BENCH_PATHS:-1200}
sample_n=${LP_BENCH_SAMPLE:-200}
runs=${LP_BENCH_RUNS:-3}
results_dir=${LP_BENCH_RESULTS:-$here/results}
target=10

die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
note() { printf 'bench: %s\n' "$*" >&2; }

[[ -n $fixtures ]] || die "usage: $0 FIXTURES_DIR [CORPUS_LIST] (or set LP_FIXTURES / LP_CORPUS_LIST)"
[[ -d $fixtures ]] || die "fixtures dir not found: $fixtures"
[[ -f $fixtures/fixtures.tsv ]] || die "no fixtures.tsv in $fixtures"
[[ -x $lp ]] || die "linkproof binary not found or not executable: $lp (build with: ninja -C build)"
command -v "$gocmd" >/dev/null || die "go command not found: $gocmd"
[[ $want_paths =~ ^[0-9]+$ ]] || die "LP_BENCH_PATHS must be a number"
[[ $sample_n =~ ^[0-9]+$ && $sample_n -gt 0 ]] || die "LP_BENCH_SAMPLE must be a positive number"
[[ $runs =~ ^[0-9]+$ && $runs -gt 0 ]] || die "LP_BENCH_RUNS must be a positive number"
(( want_paths >= 1000 )) || { note "LP_BENCH_PATHS=$want_paths raised to 1000"; want_paths=1000; }

fixtures=$(cd "$fixtures" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- inputs ---
candidates=()
n_fix=0 n_corpus=0
col=$(head -n1 "$fixtures/fixtures.tsv" | tr '\t' '\n' | grep -nx 'name' | cut -d: -f1 || true)
[[ $col == 1 ]] || die "$fixtures/fixtures.tsv: first column is not 'name'"
while IFS=$'\t' read -r name _; do
    [[ -n $name ]] || continue
    [[ -f $fixtures/$name ]] || { note "fixture listed but missing: $name"; continue; }
    candidates+=("$fixtures/$name"); n_fix=$((n_fix + 1))
done < <(tail -n +2 "$fixtures/fixtures.tsv")

if [[ -n $corpus && -f $corpus ]]; then
    corpus_dir=$(cd "$(dirname "$corpus")" && pwd)
    while read -r p _; do
        [[ -n $p && $p != \#* ]] || continue
        if [[ $p != /* && ! -e $p && -e $corpus_dir/$p ]]; then p=$corpus_dir/$p; fi
        [[ -f $p ]] || { note "corpus file missing, skipped: $p"; continue; }
        candidates+=("$p"); n_corpus=$((n_corpus + 1))
    done < "$corpus"
elif [[ -n $corpus ]]; then
    note "corpus list not found, using fixtures only: $corpus"
fi

# keep only what `go version -m` recognises: exit 0, output, nothing on stderr
files=()
for f in "${candidates[@]}"; do
    if "$gocmd" version -m "$f" >"$tmp/one.out" 2>"$tmp/one.err" &&
        [[ -s $tmp/one.out && ! -s $tmp/one.err ]]; then
        files+=("$f")
    fi
done
n_recognised=${#files[@]}
(( ${#files[@]} > 0 )) || die "no Go binaries that \`$gocmd version -m\` recognises"

# per distinct file, linkproof must print what go prints (cheap, and names the
# culprit); the whole-list check below is the one that guards the timings
kept=() excluded=()
for f in "${files[@]}"; do
    "$gocmd" version -m "$f" >"$tmp/one.go" 2>/dev/null || true
    if "$lp" buildinfo "$f" >"$tmp/one.lp" 2>"$tmp/one.err" &&
        [[ ! -s $tmp/one.err ]] && cmp -s "$tmp/one.go" "$tmp/one.lp"; then
        kept+=("$f")
    else
        excluded+=("$f")
        note "linkproof buildinfo differs from go version -m on: $f"
        [[ ! -s $tmp/one.err ]] || note "  linkproof stderr: $(head -n1 "$tmp/one.err")"
    fi
done
if (( ${#excluded[@]} > 0 )); then
    if [[ ${LP_BENCH_SKIP_MISMATCH:-0} != 1 ]]; then
        note "ABORT: ${#excluded[@]} of ${#files[@]} files give different output; the benchmark"
        note "       would compare different work. Fix linkproof, or rerun with"
        note "       LP_BENCH_SKIP_MISMATCH=1 to time only the files where both agree."
        exit 1
    fi
    note "LP_BENCH_SKIP_MISMATCH=1: excluding ${#excluded[@]} file(s) from the benchmark"
    files=("${kept[@]}")
    (( ${#files[@]} > 0 )) || die "no files left where both tools agree"
fi
n_files=${#files[@]}

paths=()
while (( ${#paths[@]} < want_paths )); do paths+=("${files[@]}"); done
n=${#paths[@]}
(( sample_n <= n )) || sample_n=$n
sample=("${paths[@]:0:sample_n}")

# batch size: the whole list in one process unless told otherwise, but never
# more than fits comfortably in ARG_MAX (same split for both tools)
batch=${LP_BENCH_BATCH:-$n}
[[ $batch =~ ^[0-9]+$ && $batch -gt 0 ]] || die "LP_BENCH_BATCH must be a positive number"
argmax=$(getconf ARG_MAX 2>/dev/null || echo 131072)
while (( batch > 1 )); do
    big=0
    for ((i = 0; i < n; i += batch)); do
        bytes=0
        for p in "${paths[@]:i:batch}"; do bytes=$((bytes + ${#p} + 1 + 8)); done
        (( bytes < argmax / 2 )) || { big=1; break; }
    done
    (( big )) || break
    batch=$(((batch + 1) / 2))
done
n_procs=$(((n + batch - 1) / batch))

# ------------------------------------------------------------- runners ---
# each runner writes the tool's stdout to $1 (a file, or /dev/null when timed)
run_batch() { # out cmd...
    local out=$1 i; shift
    for ((i = 0; i < n; i += batch)); do "$@" "${paths[@]:i:batch}"; done >"$out"
}
run_each() { # out cmd...
    local out=$1 p; shift
    for p in "${sample[@]}"; do "$@" "$p"; done >"$out"
}

go_cmd=("$gocmd" version -m)
lp_cmd=("$lp" buildinfo)
insp_cmd=("$lp" inspect --json)

# ---------------------------------------------- warm-up and verification ---
# the first (untimed) run of every measurement warms the page cache (and the
# tools' own binaries) and its output is compared: the timed runs must do the
# same work byte for byte.
cat "${files[@]}" "$lp" "$(command -v "$gocmd")" >/dev/null

verify() { # label expected actual
    if ! cmp -s "$2" "$3"; then
        note "ABORT: $1: linkproof buildinfo output differs from go version -m"
        diff -u --label go --label linkproof "$2" "$3" | head -n 40 >&2 || true
        exit 1
    fi
}
run_batch "$tmp/go.batch" "${go_cmd[@]}" 2>"$tmp/go.batch.err" ||
    die "go version -m failed on the path list: $(head -n3 "$tmp/go.batch.err")"
set +e
run_batch "$tmp/lp.batch" "${lp_cmd[@]}" 2>"$tmp/lp.batch.err"
rc=$?
set -e
verify "batch mode ($n paths)" "$tmp/go.batch" "$tmp/lp.batch"
(( rc == 0 )) || { note "ABORT: linkproof buildinfo exited $rc (go: 0)"; exit 1; }
[[ ! -s $tmp/lp.batch.err ]] || { note "ABORT: linkproof buildinfo wrote to stderr:"; head -n5 "$tmp/lp.batch.err" >&2; exit 1; }

run_each "$tmp/go.each" "${go_cmd[@]}" 2>/dev/null
run_each "$tmp/lp.each" "${lp_cmd[@]}" 2>/dev/null
verify "per-file mode ($sample_n paths)" "$tmp/go.each" "$tmp/lp.each"

set +e
run_batch "$tmp/insp.batch" "${insp_cmd[@]}" 2>"$tmp/insp.err"
rc=$?
set -e
(( rc == 0 )) || { note "ABORT: linkproof inspect --json exited $rc"; head -n5 "$tmp/insp.err" >&2; exit 1; }
insp_lines=$(wc -l <"$tmp/insp.batch")
(( insp_lines == n )) || note "warning: inspect --json printed $insp_lines lines for $n files"

# ----------------------------------------------------------------- timing ---
now() { date +%s%N; }
# measurements are interleaved (one run of each, then the next round) so
# that background load hits every tool alike; the best of $runs is kept
true_bin=$(type -P true || echo /bin/true)
run_each /dev/null "$true_bin" || true
measures=(go_batch lp_batch go_each lp_each insp_batch floor_each)
measure() {
    case $1 in
    go_batch) run_batch /dev/null "${go_cmd[@]}" ;;
    lp_batch) run_batch /dev/null "${lp_cmd[@]}" ;;
    go_each) run_each /dev/null "${go_cmd[@]}" ;;
    lp_each) run_each /dev/null "${lp_cmd[@]}" ;;
    insp_batch) run_batch /dev/null "${insp_cmd[@]}" ;;
    # reference: only spawning a trivial process per path, the same way; no
    # tool can do a per-file run faster than this on this machine
    floor_each) run_each /dev/null "$true_bin" ;;
    esac
}
# CPU time (user+sys of the processes, from bash's `time`, ms resolution) is
# kept too: it is less sensitive to other load on the machine than wall time
declare -A best=() best_cpu=()
TIMEFORMAT='%3U %3S'
for ((r = 0; r < runs; r++)); do
    for m in "${measures[@]}"; do
        t0=$(now)
        { time measure "$m" 2>/dev/null; } 2>"$tmp/cpu" || true
        t1=$(now)
        d=$((t1 - t0))
        c=$(awk '{ printf "%d", ($1 + $2) * 1e9 }' "$tmp/cpu")
        if [[ -z ${best[$m]:-} ]] || (( d < best[$m] )); then best[$m]=$d; fi
        if [[ -z ${best_cpu[$m]:-} ]] || (( c < best_cpu[$m] )); then best_cpu[$m]=$c; fi
    done
done
timer="wall: date +%s%N around a bash loop; cpu: bash time (user+sys, ms); runs interleaved, best of runs, page cache warm"
# hyperfine (when installed) times the batch runs without a shell in between,
# so fork/exec of bash and date do not dilute the ratio; its median replaces
# the loop's number for the batch rows
if command -v hyperfine >/dev/null && (( batch >= n )); then
    hf=$tmp/hf.json
    if hyperfine -N --style none --warmup 2 --runs "${LP_BENCH_HF_RUNS:-15}" --export-json "$hf" \
        "${go_cmd[*]} ${paths[*]}" "${lp_cmd[*]} ${paths[*]}" "${insp_cmd[*]} ${paths[*]}" >/dev/null 2>&1; then
        mapfile -t hfm < <(python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]: print(int(r["median"]*1e9))' "$hf")
        if (( ${#hfm[@]} == 3 )); then
            best[go_batch]=${hfm[0]} best[lp_batch]=${hfm[1]} best[insp_batch]=${hfm[2]}
            timer="batch wall: hyperfine -N median of ${LP_BENCH_HF_RUNS:-15} runs; per-file wall: date +%s%N around a bash loop; cpu: bash time (user+sys, ms); page cache warm"
        fi
    fi
fi
t_go_batch=${best[go_batch]} t_lp_batch=${best[lp_batch]}
t_go_each=${best[go_each]} t_lp_each=${best[lp_each]}
t_insp_batch=${best[insp_batch]} t_floor_each=${best[floor_each]}

# ----------------------------------------------------------------- report ---
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
us_per() { awk -v ns="$1" -v k="$2" 'BEGIN { printf "%.1f", ns / 1e3 / k }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "null" }'; }

r_batch=$(ratio "$t_go_batch" "$t_lp_batch")
r_each=$(ratio "$t_go_each" "$t_lp_each")
met() { awk -v r="$1" -v t="$target" 'BEGIN { exit !(r + 0 >= t) }'; }

go_ver=$("$gocmd" version 2>/dev/null | awk '{print $3}')
lp_ver=$("$lp" --version 2>/dev/null | head -n1 || true)
[[ $go_ver == go1.19* ]] || note "warning: linkproof follows Go 1.19; this go is $go_ver"

c_go_batch=${best_cpu[go_batch]} c_lp_batch=${best_cpu[lp_batch]}
c_go_each=${best_cpu[go_each]} c_lp_each=${best_cpu[lp_each]}
c_insp_batch=${best_cpu[insp_batch]} c_floor_each=${best_cpu[floor_each]}
rc_batch=$(ratio "$c_go_batch" "$c_lp_batch")
rc_each=$(ratio "$c_go_each" "$c_lp_each")
rows=(
    "go version -m|batch|$n|$n_procs|$t_go_batch|-|$c_go_batch|-"
    "linkproof buildinfo|batch|$n|$n_procs|$t_lp_batch|$r_batch|$c_lp_batch|$rc_batch"
    "go version -m|per-file|$sample_n|$sample_n|$t_go_each|-|$c_go_each|-"
    "linkproof buildinfo|per-file|$sample_n|$sample_n|$t_lp_each|$r_each|$c_lp_each|$rc_each"
    "linkproof inspect --json|batch|$n|$n_procs|$t_insp_batch|$(ratio "$t_go_batch" "$t_insp_batch")|$c_insp_batch|$(ratio "$c_go_batch" "$c_insp_batch")"
    "(spawn floor: $true_bin)|per-file|$sample_n|$sample_n|$t_floor_each|-|$c_floor_each|-"
)
r_ceiling=$(ratio "$t_go_each" "$t_floor_each")

printf '\nlinkproof benchmark: %d paths = %d distinct Go binaries repeated, best of %d runs\n' "$n" "$n_files" "$runs"
printf 'inputs: %d fixtures + %d corpus files; %d recognised by go version -m; %d excluded\n' \
    "$n_fix" "$n_corpus" "$n_recognised" "${#excluded[@]}"
printf 'go: %s   linkproof: %s   batch: %d path(s) per process\n\n' "$go_ver" "${lp_ver:-?}" "$batch"
(( ${#excluded[@]} == 0 )) || printf 'EXCLUDED (LP_BENCH_SKIP_MISMATCH=1, output differs): %d file(s)\n%s\n\n' \
    "${#excluded[@]}" "$(printf '  %s\n' "${excluded[@]}")"
line() { printf '%-30s  %-8s  %5s  %5s  %9s  %9s  %7s  %9s  %9s  %7s\n' "$@"; }
line "" "" "" "" "wall" "wall" "wall" "cpu" "cpu" "cpu"
line tool mode files procs "total ms" "us/file" "go/lp" "total ms" "us/file" "go/lp"
line ------------------------------ -------- ----- ----- --------- --------- ------- --------- --------- -------
for row in "${rows[@]}"; do
    IFS='|' read -r tool mode files procs ns r cns cr <<<"$row"
    [[ $r == - ]] || r="${r}x"
    [[ $cr == - ]] || cr="${cr}x"
    line "$tool" "$mode" "$files" "$procs" "$(ms "$ns")" "$(us_per "$ns" "$files")" "$r" \
        "$(ms "$cns")" "$(us_per "$cns" "$files")" "$cr"
done
echo
echo "go/lp: go version -m time / this row's time, same mode (inspect row: vs go's batch time)"
echo "wall: elapsed (the target); cpu: user+sys of the processes (steadier under load)"
echo "timer: $timer"
printf 'per-file ceiling here: go per-file / spawn floor = %sx (roughly the best any tool could reach per file)\n\n' "$r_ceiling"

if met "$r_batch"; then verdict="TARGET MET"; else verdict="TARGET MISSED (need >= ${target}x)"; fi
printf 'batch mode: %sx faster -> %s\n' "$r_batch" "$verdict"
printf 'per-file mode: %sx faster (%s)\n' "$r_each" "$(met "$r_each" && echo ">= ${target}x" || echo "< ${target}x")"
printf 'cpu time: batch %sx, per-file %sx\n' "$rc_batch" "$rc_each"

# ------------------------------------------------------------------- JSON ---
jstr() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
json=$results_dir/buildinfo-$stamp.json
{
    printf '{\n'
    printf '  "benchmark": "buildinfo",\n'
    printf '  "date": %s,\n' "$(jstr "$(date -Iseconds)")"
    printf '  "host": %s,\n' "$(jstr "$(uname -srm)")"
    printf '  "cpus": %s,\n' "$(nproc 2>/dev/null || echo 0)"
    printf '  "go_version": %s,\n' "$(jstr "$go_ver")"
    printf '  "linkproof_version": %s,\n' "$(jstr "$lp_ver")"
    printf '  "fixtures": %s,\n' "$(jstr "$fixtures")"
    printf '  "corpus_list": %s,\n' "$(jstr "$corpus")"
    printf '  "distinct_files": %d,\n' "$n_files"
    printf '  "excluded": ['
    sep=
    for f in "${excluded[@]}"; do printf '%s%s' "$sep" "$(jstr "$f")"; sep=', '; done
    printf '],\n'
    printf '  "paths": %d,\n' "$n"
    printf '  "sample": %d,\n' "$sample_n"
    printf '  "batch": %d,\n' "$batch"
    printf '  "runs": %d,\n' "$runs"
    printf '  "timer": %s,\n' "$(jstr "$timer")"
    printf '  "results": [\n'
    sep=
    for row in "${rows[@]}"; do
        IFS='|' read -r tool mode files procs ns r cns cr <<<"$row"
        [[ $r == - ]] && r=null
        [[ $cr == - ]] && cr=null
        printf '%s    {"tool": %s, "mode": %s, "files": %d, "processes": %d, "total_ns": %d, "total_ms": %s, "us_per_file": %s, "ratio_go_over_tool": %s, "cpu_ns": %d, "cpu_ms": %s, "cpu_us_per_file": %s, "cpu_ratio_go_over_tool": %s}' \
            "$sep" "$(jstr "$tool")" "$(jstr "$mode")" "$files" "$procs" "$ns" "$(ms "$ns")" "$(us_per "$ns" "$files")" "$r" \
            "$cns" "$(ms "$cns")" "$(us_per "$cns" "$files")" "$cr"
        sep=$',\n'
    done
    printf '\n  ],\n'
    printf '  "ratio_batch": %s,\n' "$r_batch"
    printf '  "ratio_per_file": %s,\n' "$r_each"
    printf '  "ratio_per_file_ceiling": %s,\n' "$r_ceiling"
    printf '  "cpu_ratio_batch": %s,\n' "$rc_batch"
    printf '  "cpu_ratio_per_file": %s,\n' "$rc_each"
    printf '  "target": %d,\n' "$target"
    printf '  "target_met_batch": %s\n' "$(met "$r_batch" && echo true || echo false)"
    printf '}\n'
} >"$json"
printf 'results: %s\n' "$json"
exit 0
