#!/usr/bin/env bash
# bench/scan.sh — `linkproof scan DIR...` against `go version -m DIR...`, and the
# max RSS of `linkproof scan --image` on an image of the same tree.
#
# usage: bash bench/scan.sh [FIXTURES_DIR [CORPUS_LIST]]
#
#   FIXTURES_DIR  (env LP_FIXTURES)     the Go fixtures (build/tests/fixtures)
#   CORPUS_LIST   (env LP_CORPUS_LIST)  lines "<path> <pkg>@<ver>": the package roots of
#                                       these binaries are scanned too; may be missing
#
# other knobs (env):
#   LP_BIN            linkproof binary        (default: <repo>/build/linkproof)
#   GO                go command              (default: go)
#   LP_BENCH_DEBS     Debian packages with Go programs, fetched with `apt-get download`
#                     and unpacked with `dpkg-deb -x` (never installed); "" for none
#                     (default: "restic hugo fzf age gron shfmt")
#   LP_BENCH_CACHE    where they are unpacked (default: ~/.cache/linkproof-bench-scan)
#   LP_BENCH_RUNS     repetitions, best is kept (default: 3)
#
# Both tools are run in this one run on the same directories; the set of Go executables
# each reports is compared first (a difference aborts: a faster wrong answer is no answer).
# Prints the times, the ratio (goal: >= 10x) and the max RSS of scan --image.
# Exits 0 when the benchmark ran, whether or not the goal was met.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
fixtures=${1:-${LP_FIXTURES:-}}
corpus=${2:-${LP_CORPUS_LIST:-}}
lp=${LP_BIN:-$repo/build/linkproof}
gocmd=${GO:-go}
debs=${LP_BENCH_DEBS-restic hugo fzf age gron shfmt}
cache=${LP_BENCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/linkproof-bench-scan}
runs=${LP_BENCH_RUNS:-3}

die() { printf 'bench: %s\n' "$*" >&2; exit 2; }
note() { printf 'bench: %s\n' "$*" >&2; }

[[ -n $fixtures && -d $fixtures ]] || die "usage: $0 FIXTURES_DIR [CORPUS_LIST]"
[[ -x $lp ]] || die "linkproof not found: $lp (ninja -C build)"
command -v "$gocmd" >/dev/null || die "go command not found: $gocmd"
fixtures=$(cd "$fixtures" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lp-bench-scan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- the directories ---
dirs=("$fixtures")
if [[ -n $corpus && -s $corpus ]]; then
    while read -r p _; do
        case $p in
            */package/*) d=${p%/package/*}/package ;;
            */root/*) d=${p%/root/*}/root ;;
            *) continue ;;
        esac
        [[ -d $d ]] && dirs+=("$d")
    done < "$corpus"
fi
for deb in $debs; do
    d="$cache/debian-$deb"
    if [[ ! -d $d/root ]]; then
        t=$(mktemp -d)
        if (cd "$t" && apt-get download -qq "$deb" >/dev/null 2>&1); then
            mkdir -p "$d/root" && dpkg-deb -x "$t"/*.deb "$d/root"
        else
            note "apt-get download $deb failed: left out"
        fi
        rm -rf "$t"
    fi
    [[ -d $d/root ]] && dirs+=("$d/root")
done
mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)
nfiles=$(find "${dirs[@]}" -type f | wc -l)
bytes=$(du -scb "${dirs[@]}" | tail -1 | cut -f1)
note "${#dirs[@]} directories, $nfiles files, $((bytes / 1048576)) MiB"

# ---------------------------------------------------------------- same answer ---
# go reports executable files (links to files too); scan regular files whatever their mode
# and no link: compare over executable regular files
"$gocmd" version -m "${dirs[@]}" 2>/dev/null | awk -F': ' '!/^\t/ {print $1 "\t" $2}' |
    while IFS=$'\t' read -r p v; do [[ -f $p && ! -L $p && -x $p ]] && printf '%s %s\n' "$p" "$v"; done |
    sort > "$tmp/go.txt"
"$lp" scan --json "${dirs[@]}" | python3 -c '
import json, os, sys
for l in sys.stdin:
    d = json.loads(l)
    g = d.get("go") or {}
    p = d["found"]["path"]
    if g.get("version_source") == "buildinfo" and os.access(p, os.X_OK) and not os.path.islink(p):
        print(p, g["version"])' | sort > "$tmp/lp.txt"
if ! cmp -s "$tmp/go.txt" "$tmp/lp.txt"; then
    diff "$tmp/go.txt" "$tmp/lp.txt" | head -20 >&2
    die "scan and go version -m found different Go executables"
fi
ngo=$(wc -l < "$tmp/go.txt")
note "both found the same $ngo Go executables"

# ---------------------------------------------------------------- time ---
best() { # best wall time (seconds) of $runs runs of "$@"
    local b="" t0 t1 s
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        s=$(echo "$t1 - $t0" | bc -l)
        if [[ -z $b ]] || (( $(echo "$s < $b" | bc -l) )); then b=$s; fi
    done
    printf '%.3f' "$b"
}
# warm the page cache for both alike
cat $(find "${dirs[@]}" -type f) >/dev/null 2>&1 || true
t_go=$(best "$gocmd" version -m "${dirs[@]}")
t_lp=$(best "$lp" scan --json "${dirs[@]}")
t_lp1=$(best "$lp" scan --json -j 1 "${dirs[@]}")
t_id=$(best "$lp" scan --json --identity "${dirs[@]}")
ratio_id=$(echo "$t_go / $t_id" | bc -l)
ratio=$(echo "$t_go / $t_lp" | bc -l)
ratio1=$(echo "$t_go / $t_lp1" | bc -l)

# ---------------------------------------------------------------- memory of scan --image ---
img="$tmp/bench-image.tar"
LP_REPO=$repo python3 - "$img" "${dirs[@]}" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["LP_REPO"], "tests"))
import image_build as B
out, dirs = sys.argv[1], sys.argv[2:]
layers = []
for i, d in enumerate(dirs):
    pre = "/d%03d" % i
    ents = [B.D(pre)]
    for e in B.tree_entries(d):
        e["path"] = pre + e["path"]
        if e["kind"] == "hardlink":
            e["target"] = pre + e["target"]
        ents.append(e)
    layers.append(B.Layer(ents, "gzip"))
B.write_docker_save(out, [B.Image(layers, refs=["bench/scan:1"])])
EOF
img_mb=$(( $(stat -c %s "$img") / 1048576 ))
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_img=$(rss "$lp" scan --json --image "$img")
rss_dir=$(rss "$lp" scan --json "${dirs[@]}")
n_img=$("$lp" scan --json --image "$img" | wc -l)

printf '\nscan of %d files (%d MiB, %d Go executables), best of %d:\n' "$nfiles" $((bytes / 1048576)) "$ngo" "$runs"
printf '  go version -m DIR...        %8.3f s\n' "$t_go"
printf '  linkproof scan DIR...       %8.3f s   %6.1fx faster (goal: 10x)\n' "$t_lp" "$ratio"
printf '  linkproof scan -j 1 DIR...  %8.3f s   %6.1fx faster\n' "$t_lp1" "$ratio1"
printf '  linkproof scan --identity   %8.3f s   %6.1fx faster (what go version -m reads, and more)\n' "$t_id" "$ratio_id"
printf 'max RSS:\n'
printf '  linkproof scan DIR...              %7d KiB\n' "$rss_dir"
printf '  linkproof scan --image (%d MiB, %d records)  %7d KiB  (%.2f KiB per MiB of image)\n' \
    "$img_mb" "$n_img" "$rss_img" "$(echo "$rss_img / ($img_mb + 1)" | bc -l)"
