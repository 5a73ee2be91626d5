#!/usr/bin/env bash
# bench/static.sh — the static executable (make static) against the dynamic build.
#
# Size: each file as built, each stripped (strip --strip-all on a copy: debug info and
# symbols are build choices, not linkage), and the dynamic build together with the shared
# libraries it loads (the files ld.so maps, from `ldd`: what a root must hold for it to start).
# Start-up, with hyperfine -N (no shell in between), in one run:
#   1. `linkproof --version`                 (start-up and exit: loader, relocations, libc init)
#   2. `linkproof inspect --json FILE`       (one small file: the usual one-file job)
#   3. `linkproof image ls IMAGE`            (the OCI image of make image: libarchive, gzip)
#   4. `linkproof registry --registry 'host=DIR ...' list` on a server that is not there: the
#      first use of libpq (dlopen of libpq and its 22 libraries in the dynamic build; linked in
#      the static one), ending with libpq's error
# Prints sizes, medians, minima and CPU times (user+system) with the ratios static/dynamic; writes hyperfine's JSON to
# bench/results/static-<date>.json. About half a minute.
# Usage: bench/static.sh   (env LP_BIN (dynamic, default build/linkproof), LP_STATIC_BIN
# (default build-static/linkproof), LP_BENCH_RUNS (default 200), LP_BENCH_RESULTS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dyn=${LP_BIN:-$root/build/linkproof}
sta=${LP_STATIC_BIN:-$root/build-static/linkproof}
runs=${LP_BENCH_RUNS:-200}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/static.sh: $*" >&2; exit 2; }
for c in hyperfine python3 strip ldd; do
  command -v "$c" >/dev/null || die "needs $c (scripts/install-deps test installs it)"
done
[ -x "$dyn" ] || die "no dynamic linkproof at $dyn (make build, or LP_BIN=...)"
[ -x "$sta" ] || die "no static linkproof at $sta (make static, or LP_STATIC_BIN=...)"
"$sta" inspect --json "$sta" | grep -q '"static":true' || die "$sta is not static"

work=$(mktemp -d "${TMPDIR:-/tmp}/lp-bench-static.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$dyn" "$work/dyn"; cp "$sta" "$work/sta"
strip --strip-all "$work/dyn" "$work/sta"
libs=$(ldd "$dyn" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
libsize=0
for l in $libs; do libsize=$((libsize + $(stat -L -c %s "$l"))); done
# and what the dynamic build dlopens for a PostgreSQL registry: libpq and its own libraries
pqlib=$(ldconfig -p | awk '$1 == "libpq.so.5" && /x86-64|64bit/ {print $NF; exit}')
pqlibs=""
[ -n "$pqlib" ] && pqlibs=$( (echo "$pqlib"; ldd "$pqlib" | awk '$2 == "=>" && $3 ~ /^\// {print $3}') | sort -u)
pqsize=0
for l in $pqlibs; do
  case " $libs " in *" $l "*) continue ;; esac
  pqsize=$((pqsize + $(stat -L -c %s "$l")))
done
size() { stat -c %s "$1"; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b else '-')" "$1" "$2"; }
d_built=$(size "$dyn"); s_built=$(size "$sta")
d_strip=$(size "$work/dyn"); s_strip=$(size "$work/sta")
d_libs=$((d_strip + libsize)); d_all=$((d_libs + pqsize))
echo "== size (bytes)"
row() { printf '%-40s %12d %12d %8s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"; }
printf '%-40s %12s %12s %8s\n' "" dynamic static ratio
row "as built" "$d_built" "$s_built"
row "stripped" "$d_strip" "$s_strip"
row "stripped + shared libraries ($(echo "$libs" | wc -w))" "$d_libs" "$s_strip"
if [ "$pqsize" -gt 0 ]; then
  row "... + libpq and its libraries ($(echo "$pqlibs" | wc -w))" "$d_all" "$s_strip"
fi

# the image of make image, for image ls
python3 "$root/scripts/make-image.py" --binary "$sta" --layout "$work/oci" >/dev/null
small=$work/small
printf 'int main(void){return 0;}\n' >"$work/small.c"
if command -v gcc >/dev/null && gcc -O2 -o "$small" "$work/small.c" 2>/dev/null; then :; else small=/bin/true; fi

mkdir -p "$results_dir"
out=$results_dir/static-$(date -u +%Y%m%dT%H%M%SZ).json
# a PostgreSQL registry on a socket directory that does not exist: libpq's start and its
# error (exit 2, hence -i), no server: what the first use of libpq costs each build
pgdb="host=$work/no-such-dir dbname=x user=x"
hyperfine -N -i --warmup 20 --runs "$runs" --export-json "$out" \
  -n "dynamic --version" "$dyn --version" -n "static --version" "$sta --version" \
  -n "dynamic inspect" "$dyn inspect --json $small" -n "static inspect" "$sta inspect --json $small" \
  -n "dynamic image ls" "$dyn image ls $work/oci" -n "static image ls" "$sta image ls $work/oci" \
  -n "dynamic postgresql" "$dyn registry --registry '$pgdb' list" \
  -n "static postgresql" "$sta registry --registry '$pgdb' list" \
  >"$work/hf.txt" 2>&1 || { cat "$work/hf.txt"; die "hyperfine failed"; }
echo
echo "== start-up over $runs runs (hyperfine -N; $out)"
python3 - "$out" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
# the median, and the minimum and user+system CPU time: on a shared machine the median moves
# with the load, the other two much less
print("%-12s %24s %24s %24s" % ("", "median ms: dyn  static  ratio", "min ms: dyn  static  ratio",
                                 "cpu ms: dyn  static  ratio"))
for job in ("--version", "inspect", "image ls", "postgresql"):
    d, s = r["dynamic " + job], r["static " + job]
    cols = []
    for key in ("median", "min", "cpu"):
        get = (lambda x: (x["user"] + x["system"]) * 1e3) if key == "cpu" else (lambda x, k=key: x[k] * 1e3)
        cols.append("%8.3f %8.3f %6.2f" % (get(d), get(s), get(s) / get(d)))
    print("%-12s %s" % (job, "  ".join(cols)))
EOF
