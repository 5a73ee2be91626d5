#!/usr/bin/env bash
# bench/funcs.sh — `linkproof funcs` (the pclntab reader) against `go tool nm`.
#
# Two subjects, in one run:
#  1. a large unstripped Go binary built here: the go command itself (cmd/go,
#     ~15 MB, ~11,000 functions), so both tools can list its functions;
#  2. the largest binary of the public corpus (stripped: `go tool nm` has no
#     symbols to read there; linkproof still lists every function).
# Checks first that both tools list the same Go function names on subject 1,
# then times both with hyperfine (-N, no shell) and prints the ratio and
# linkproof's peak memory.
# Usage: bench/funcs.sh [CORPUS_LIST]   (env LP_BIN, GO)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
gocmd=${GO:-go}
corpus=${1:-${LP_CORPUS_LIST:-$root/build/tests/corpus.txt}}
work=$root/build/bench
mkdir -p "$work"
command -v hyperfine >/dev/null || { echo "bench/funcs.sh: needs hyperfine (scripts/install-deps installs it)" >&2; exit 2; }

big=$work/gocmd
if [ ! -x "$big" ]; then
  echo "building cmd/go as the large unstripped subject..." >&2
  GOCACHE=${LP_GOCACHE:-$root/build/gocache} GOFLAGS=-mod=mod "$gocmd" build -o "$big" cmd/go
fi

# same work: the Go text symbols (addresses in [runtime.text, runtime.etext)) that
# `go tool nm` lists, normalised as the pclntab stores names (no ".abi0" marker on
# assembly functions; generic instantiations shortened to "[...]"; the pclntab writes
# the "·" of local type names where the symbol table has "."), against the pclntab
"$gocmd" tool nm -n "$big" > "$work/nm.txt"
python3 - "$work/nm.txt" > "$work/nm.names" <<'PY'
import sys
rows = [l.split(None, 2) for l in open(sys.argv[1]) if len(l.split(None, 2)) == 3]
addr = {n.strip(): int(a, 16) for a, t, n in rows if n.strip() in ("runtime.text", "runtime.etext")}
def short(n):
    out, depth = [], 0
    for ch in n:
        if ch == "[":
            if depth == 0:
                out.append("[...]")
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)
names = []
for a, t, n in rows:
    n = n.strip()
    # "pkg(.text)" entries are the section symbols of cgo's C objects, not functions
    if "(.text" in n:
        continue
    if t in "Tt" and addr["runtime.text"] <= int(a, 16) < addr["runtime.etext"] and n not in addr:
        names.append(short(n[:-5] if n.endswith(".abi0") else n))
print("\n".join(sorted(names)))
PY
"$lp" funcs "$big" | sed 's/^[^ ]*  //; s/\xc2\xb7/./g' | LC_ALL=C sort > "$work/lp.names"
LC_ALL=C sort -o "$work/nm.names" "$work/nm.names"
if ! cmp -s "$work/nm.names" "$work/lp.names"; then
  echo "ABORT: linkproof funcs and go tool nm list different Go functions:" >&2
  diff "$work/nm.names" "$work/lp.names" | head -20 >&2
  exit 1
fi
n=$(wc -l < "$work/lp.names")

hf=$work/funcs.json
hyperfine -N --style basic --warmup 3 --runs 20 --export-json "$hf" \
  "$lp funcs $big" "$gocmd tool nm $big" >/dev/null
read -r t_lp t_nm < <(python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))["results"]; print(r[0]["median"], r[1]["median"])' "$hf")

largest=""
if [ -s "$corpus" ]; then
  largest=$(awk '{print $1}' "$corpus" | xargs ls -S 2>/dev/null | head -n1)
fi
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1; }

printf '%-44s %10s %10s\n' "subject" "functions" "median ms"
printf '%-44s %10s %10.2f\n' "linkproof funcs $(basename "$big") ($(du -m "$big" | cut -f1) MB)" "$n" "$(python3 -c "print($t_lp*1000)")"
printf '%-44s %10s %10.2f\n' "go tool nm $(basename "$big")" "$n" "$(python3 -c "print($t_nm*1000)")"
printf 'ratio go tool nm / linkproof funcs: %.1fx; linkproof peak RSS %s KiB\n' \
  "$(python3 -c "print($t_nm/$t_lp)")" "$( [ -x /usr/bin/time ] && rss "$lp" funcs "$big" || echo '?')"
if [ -n "$largest" ]; then
  hyperfine -N --style basic --warmup 3 --runs 20 --export-json "$work/funcs-corpus.json" "$lp funcs $largest" >/dev/null
  t=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"]*1000)' "$work/funcs-corpus.json")
  m=$("$lp" funcs "$largest" | wc -l)
  printf 'largest corpus binary %s (%s MB, stripped): %s functions in %.2f ms; go tool nm: %s\n' \
    "$largest" "$(du -m "$largest" | cut -f1)" "$m" "$t" "$("$gocmd" tool nm "$largest" 2>&1 | tail -n1)"
fi
