#!/usr/bin/env bash
# bench/exporter.sh — one `linkproof exporter` scrape covering 1,000 processes and 10,000
# TCP sockets, against `ss -tanp` plus a /proc walk doing the same work (bench/procwalk.py).
#
# One run:
#  1. starts bench/exporter_load.py: a parent that forks LP_BENCH_PROCS (1000) children, each
#     connecting LP_BENCH_PER (5) times to the parent's loopback listener, then exec'ing
#     `sleep` with its sockets open; the parent keeps every accepted connection:
#     1000 x 5 x 2 + 1 = 10,001 TCP sockets over 1,001 processes (plus the machine's own);
#  2. same work: the exporter (--exe sleep) must report every child with its 5 established
#     sockets, and `ss -tanp` must list the same number of rows naming sleep; else it aborts;
#  3. times with hyperfine -N: `linkproof exporter --once --format prometheus` (every process
#     of the machine, a cold start: exec, the /proc walk, the build facts of every executable
#     read once), `ss -tanp`, `python3 bench/procwalk.py`; then a warm scrape: GET /metrics of
#     a running `exporter --listen` (curl; its caches filled), and the scrape's own duration
#     (linkproof_exporter_scrape_duration_seconds, median of 20 scrapes);
#  4. prints medians, ratios, peak RSS (--once: /usr/bin/time; the server: VmHWM after every
#     scrape), and the goal (one scrape <= 250 ms and <= 32 MB).
# Usage: bench/exporter.sh   (env LP_BIN, LP_BENCH_PROCS, LP_BENCH_PER, LP_BENCH_RUNS, LP_BENCH_RESULTS)
set -euo pipefail
trap 'echo "bench/exporter.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
procs=${LP_BENCH_PROCS:-1000}
per=${LP_BENCH_PER:-5}
runs=${LP_BENCH_RUNS:-10}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/exporter.sh: $*" >&2; exit 2; }
for c in hyperfine ss python3 curl; do
  command -v "$c" >/dev/null || die "needs $c (scripts/install-deps)"
done
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build, or LP_BIN=...)"
"$lp" exporter --help >/dev/null 2>&1 || die "$lp has no working 'exporter' command"
[[ $procs =~ ^[1-9][0-9]*$ && $per =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || die "counts must be positive integers"

# --- the load ----------------------------------------------------------------
coproc LOAD { exec python3 "$root/bench/exporter_load.py" --procs "$procs" --per "$per" 2>&1; }
load_pid=$LOAD_PID
load_in=${LOAD[1]}
exp_pid=""
cleanup() {
  [ -n "$exp_pid" ] && kill "$exp_pid" 2>/dev/null || true
  exec {load_in}>&- 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$load_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
}
trap cleanup EXIT
ready=""
IFS= read -r -t 300 ready <&"${LOAD[0]}" || true
[[ $ready == *'"ready": true'* ]] || die "the load did not start: ${ready:-no output}"
parent=$(sed -n 's/.*"parent": \([0-9]*\).*/\1/p' <<<"$ready")
want=$((procs * per))

# --- same work ---------------------------------------------------------------------
prom=$("$lp" exporter --once --format prometheus --exe sleep)
read -r lp_procs lp_est < <(python3 -c '
import re, sys
est = [int(v) for v in re.findall(r"^linkproof_tcp_sockets\{[^}]*exe=\"sleep\"[^}]*state=\"established\"\} (\d+)$", sys.stdin.read(), re.M)]
print(sum(1 for v in est if v > 0), sum(est))' <<<"$prom")
ss_rows=$(ss -tanp | grep -c '"sleep",pid=' || true)
if [ "$lp_procs" -lt "$procs" ] || [ "$lp_est" -lt "$want" ] || [ "$ss_rows" -lt "$want" ]; then
  echo "ABORT: the tools do not see the load (want $procs sleep processes, $want sockets):" >&2
  echo "  linkproof: $lp_procs processes, $lp_est established; ss -tanp: $ss_rows rows naming sleep" >&2
  exit 1
fi
walk_total=$(python3 "$root/bench/procwalk.py" | tail -n1 | awk '{print $2}')

# --- timings -------------------------------------------------------------------------
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
hf=$results_dir/exporter-$stamp.json
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$lp" exporter --listen "127.0.0.1:$port" &
exp_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
hyperfine -N --style basic --warmup 2 --min-runs "$runs" --export-json "$hf" \
  -n "linkproof exporter --once" "$lp exporter --once --format prometheus" \
  -n "ss -tanp" "ss -tanp" \
  -n "procwalk.py" "python3 $root/bench/procwalk.py" \
  -n "GET /metrics (warm)" "curl -sf -o /dev/null http://127.0.0.1:$port/metrics" \
  >/dev/null
# CPU time of the server per scrape (utime + stime over 20 scrapes): what a scrape costs the
# node whatever else runs on it (wall times on a busy machine include waiting for a CPU)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$exp_pid/stat"; }
t0=$(cpu_ticks)
durs=""
for _ in $(seq 20); do
  durs="$durs $(curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^linkproof_exporter_scrape_duration_seconds \(.*\)/\1/p')"
done
t1=$(cpu_ticks)
cpu_ms=$(python3 -c "import os,sys; print('%.1f' % ((int(sys.argv[2]) - int(sys.argv[1])) * 1000.0 / os.sysconf('SC_CLK_TCK') / 20))" "$t0" "$t1")
scrape_procs=$(curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^linkproof_exporter_processes{state="reported"} \(.*\)/\1/p')
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$exp_pid/status")
# peak RSS (KiB) and CPU time (user+sys ms) of one run each: the CPU time is what a scrape costs
# whatever else the machine runs
rss() { /usr/bin/time -f '%M %U %S' "$@" 2>&1 >/dev/null | tail -n1 | awk '{printf "%s/%.0f", $1, ($2 + $3) * 1000}'; }
rss_once=$([ -x /usr/bin/time ] && rss "$lp" exporter --once --format prometheus || echo '?/?')
rss_ss=$([ -x /usr/bin/time ] && rss ss -tanp || echo '?/?')
rss_walk=$([ -x /usr/bin/time ] && rss python3 "$root/bench/procwalk.py" || echo '?/?')
allprocs=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
rows=$(($(ss -tan | wc -l) - 1))

python3 - "$hf" "$procs" "$per" "$want" "$allprocs" "$rows" "$scrape_procs" "$hwm" "$rss_once" "$rss_ss" "$rss_walk" "$(nproc)" "$walk_total" "$durs" "$cpu_ms" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, statistics, sys
hf, procs, per, want, allprocs, rows, sprocs, hwm, rss_once, rss_ss, rss_walk, ncpu, walk_total, durs, cpu_ms, load = sys.argv[1:]
r = {x["command"]: x for x in json.load(open(hf))["results"]}
d = sorted(float(x) for x in durs.split() if x)
print("linkproof exporter benchmark: %s sleep processes with %s sockets each (%s TCP sockets of theirs + as "
      "many accepted + a listener)" % (procs, per, want))
print("machine: %s CPUs, load average %s, %s processes, %s TCP sockets (ss -tan rows); a scrape reports %s "
      "processes; the /proc walk matched %s sockets" % (ncpu, load, allprocs, rows, sprocs, walk_total))
print()
print("%-30s %10s %10s %10s %6s" % ("command", "median ms", "mean ms", "stddev ms", "runs"))
for name in ("linkproof exporter --once", "ss -tanp", "procwalk.py", "GET /metrics (warm)"):
    x = r[name]
    print("%-30s %10.1f %10.1f %10.1f %6d" % (name, x["median"] * 1e3, x["mean"] * 1e3, x["stddev"] * 1e3, len(x["times"])))
med = statistics.median(d) * 1e3 if d else float("nan")
print("%-30s %10.1f   (linkproof_exporter_scrape_duration_seconds, %d scrapes)" % ("scrape itself (warm)", med, len(d)))
print("%-30s %10s   (the server's utime + stime per scrape, over 20)" % ("CPU time per scrape (warm)", cpu_ms))
once = r["linkproof exporter --once"]["median"]
warm = r["GET /metrics (warm)"]["median"]
other = r["ss -tanp"]["median"] + r["procwalk.py"]["median"]
print()
print("ss -tanp + /proc walk: %.1f ms" % (other * 1e3))
print("ratio (ss -tanp + /proc walk) / exporter --once: %.1fx" % (other / once))
print("ratio (ss -tanp + /proc walk) / warm GET /metrics: %.1fx" % (other / warm))
(m_once, c_once), (m_ss, c_ss), (m_walk, c_walk) = (x.split("/") for x in (rss_once, rss_ss, rss_walk))
print("peak RSS: exporter --once %s KiB, exporter server (VmHWM after %d+ scrapes) %s KiB, ss -tanp %s KiB, "
      "procwalk.py %s KiB" % (m_once, len(d), hwm, m_ss, m_walk))
print("CPU time (user+sys) of one run: exporter --once %s ms, ss -tanp %s ms, procwalk.py %s ms; "
      "warm scrape %s ms" % (c_once, c_ss, c_walk, cpu_ms))
if c_once.isdigit() and c_ss.isdigit() and c_walk.isdigit() and int(c_once):
    print("CPU ratio (ss -tanp + /proc walk) / exporter --once: %.1fx" % ((int(c_ss) + int(c_walk)) / int(c_once)))
ok_t = warm * 1e3 <= 250
ok_m = hwm.isdigit() and int(hwm) <= 32 * 1024
print("goal: one scrape <= 250 ms: %s (warm GET %.1f ms, --once %.1f ms); <= 32 MB: %s (server %s KiB)"
      % ("met" if ok_t else "MISSED", warm * 1e3, once * 1e3, "met" if ok_m else "MISSED", hwm))
print("results: %s" % hf)
PY
exit 0
