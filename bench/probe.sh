#!/usr/bin/env bash
# bench/probe.sh — `linkproof probe` on a process holding 10,000 TCP sockets,
# against `ss -tanp` (the whole table, the way people look at one process).
#
# One run:
#  1. starts tests/probe_servers.py pairs: one Python process holding
#     LP_BENCH_PAIRS (5000) connected loopback pairs = 10,000 TCP sockets plus
#     its listener, RLIMIT_NOFILE raised as needed; it stops by itself when this
#     script ends (end of file on its stdin) or after LP_BENCH_SERVER_TIMEOUT s;
#  2. checks that both tools see the same sockets of that process (linkproof's
#     tcp.sockets and states against the rows of `ss -tanp` that name the pid)
#     and aborts if not: it never times two tools doing different work;
#  3. times with hyperfine -N (no shell; output discarded):
#     `linkproof probe --pid PID --json`, `ss -tanp`, `ss -tan` (no process
#     column: the socket dump alone, for scale) and
#     `linkproof probe --pid PID --format prometheus`;
#  4. prints medians, the ratio ss -tanp / linkproof, linkproof's peak RSS, and
#     writes hyperfine's JSON to bench/results/probe-<date>.json.
# Usage: bench/probe.sh   (env LP_BIN, LP_BENCH_PAIRS, LP_BENCH_RUNS, LP_BENCH_RESULTS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
pairs=${LP_BENCH_PAIRS:-5000}
runs=${LP_BENCH_RUNS:-30}
server_timeout=${LP_BENCH_SERVER_TIMEOUT:-600}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/probe.sh: $*" >&2; exit 2; }
for c in hyperfine ss python3; do
  command -v "$c" >/dev/null || die "needs $c (hyperfine: scripts/install-deps installs it; ss: iproute2)"
done
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build, or LP_BIN=...)"
"$lp" probe --help >/dev/null 2>&1 || die "$lp has no working 'probe' command"
[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "LP_BENCH_PAIRS must be a positive integer"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "LP_BENCH_RUNS must be a positive integer"

# --- the server ------------------------------------------------------------
coproc SRV { exec python3 "$root/tests/probe_servers.py" pairs --pairs "$pairs" --timeout "$server_timeout" 2>&1; }
srv_pid=$SRV_PID
srv_in=${SRV[1]}
cleanup() {
  exec {srv_in}>&- 2>/dev/null || true         # end of file: the server quits
  for _ in $(seq 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$srv_pid" 2>/dev/null || true
  wait "$srv_pid" 2>/dev/null || true
}
trap cleanup EXIT
ready=""
IFS= read -r -t 120 ready <&"${SRV[0]}" || true
pid=$(sed -n 's/.*"pid": \([0-9][0-9]*\).*/\1/p' <<<"$ready")
npairs=$(sed -n 's/.*"pairs": \([0-9][0-9]*\).*/\1/p' <<<"$ready")
[ -n "$pid" ] || die "the server did not start: ${ready:-no output}"
[[ $ready == *'"error"'* ]] && die "the server could not set up: $ready"
[ "$npairs" = "$pairs" ] || die "the server holds $npairs pairs, want $pairs: $ready"
want=$((2 * pairs + 1))

# --- same work: both tools see the process's sockets -------------------------
lp_rc=0
lpj=$("$lp" probe --pid "$pid" --json) || lp_rc=$?
[ "$lp_rc" = 0 ] || [ "$lp_rc" = 1 ] || die "linkproof probe --pid $pid --json failed (exit $lp_rc)"
ss_all=$(ss -tanp)
read -r lp_sockets lp_est lp_listen lp_fds lp_src < <(python3 -c '
import json, sys
j = json.loads(sys.argv[1]); st = j["tcp"]["states"]
print(j["tcp"]["sockets"], st["established"], st["listen"], j["fds"], j["tcp"]["source"])' "$lpj")
ss_rows=$(grep -c "pid=$pid," <<<"$ss_all" || true)
ss_est=$(grep "pid=$pid," <<<"$ss_all" | grep -c '^ESTAB' || true)
total_rows=$(($(wc -l <<<"$ss_all") - 1))
if [ "$lp_sockets" != "$want" ] || [ "$ss_rows" != "$want" ] || [ "$lp_est" != "$ss_est" ] || [ "$lp_listen" != 1 ]; then
  echo "ABORT: the two tools do not see the same sockets of pid $pid (want $want):" >&2
  echo "  linkproof: sockets $lp_sockets established $lp_est listen $lp_listen" >&2
  echo "  ss -tanp : rows naming the pid $ss_rows, established $ss_est" >&2
  exit 1
fi

# --- timings -------------------------------------------------------------------
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
hf=$results_dir/probe-$stamp.json
# linkproof exits 1 when it judges the process unhealthy; that is not a failure
ign=()
[ "$lp_rc" = 1 ] && ign=(-i)
hyperfine -N "${ign[@]}" --style basic --warmup 3 --min-runs "$runs" --export-json "$hf" \
  -n "linkproof probe --json" "$lp probe --pid $pid --json" \
  -n "ss -tanp" "ss -tanp" \
  -n "ss -tan" "ss -tan" \
  -n "linkproof probe --format prometheus" "$lp probe --pid $pid --format prometheus" \
  >/dev/null
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1; }
rss_lp=$([ -x /usr/bin/time ] && rss "$lp" probe --pid "$pid" --json || echo '?')
rss_ss=$([ -x /usr/bin/time ] && rss ss -tanp || echo '?')
procs=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)

python3 - "$hf" "$pid" "$want" "$lp_fds" "$lp_src" "$total_rows" "$procs" "$rss_lp" "$rss_ss" "$(nproc)" "$pairs" <<'PY'
import json, sys
hf, pid, want, fds, src, rows, procs, rss_lp, rss_ss, ncpu, pairs = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(hf))["results"]}
print("linkproof probe benchmark: pid %s holds %s TCP sockets (%s connected pairs + a listener; %s fds),"
      " tcp source %s" % (pid, want, pairs, fds, src))
print("machine: %s CPUs, %s processes, %s TCP sockets in the namespace (ss -tan rows)" % (ncpu, procs, rows))
print()
print("%-36s %10s %10s %10s %6s" % ("command", "median ms", "mean ms", "stddev ms", "runs"))
print("%-36s %10s %10s %10s %6s" % ("-" * 36, "-" * 10, "-" * 10, "-" * 10, "-" * 6))
for name in ("linkproof probe --json", "ss -tanp", "ss -tan", "linkproof probe --format prometheus"):
    x = r[name]
    print("%-36s %10.2f %10.2f %10.2f %6d" % (name, x["median"] * 1e3, x["mean"] * 1e3,
                                             x["stddev"] * 1e3, len(x["times"])))
lp, ss = r["linkproof probe --json"]["median"], r["ss -tanp"]["median"]
print()
print("ratio ss -tanp / linkproof probe --json (medians): %.1fx %s" % (ss / lp, "faster" if ss >= lp else "SLOWER"))
print("linkproof probe --format prometheus: %.2f ms (median)" % (r["linkproof probe --format prometheus"]["median"] * 1e3))
print("peak RSS: linkproof probe --json %s KiB, ss -tanp %s KiB" % (rss_lp, rss_ss))
print("results: %s" % hf)
PY
