#!/usr/bin/env bash
# bench/registry.sh — the registry on its two backends, SQLite and PostgreSQL, in one run:
#
#  1. `registry import` of 10,000 entries (JSON lines) into a new registry: a new SQLite file,
#     and a PostgreSQL database without tables (both created by the import, both with durable
#     commits: SQLite synchronous=FULL, the server with fsync on); for scale, what a user
#     would otherwise run to bulk-load the same rows: psql's \copy into a plain table (no
#     checks, no indexes);
#  2. `verify --pid PID` of a running Go server registered among those 10,000 entries, on each
#     backend, against `fingerprint --pid PID` (the same reads of the process without any
#     registry): the difference is the lookup (open or connect, schema check, one indexed
#     query by code SHA-256); for scale, the same SELECT through psql.
#
# The PostgreSQL server is the bench's own (tests/pgserver.py: initdb in a temporary directory,
# as nobody when run as root, Unix socket there), stopped at the end; nothing else is used.
# Times with hyperfine (median, page cache warm); prints the medians and the ratios
# PostgreSQL / SQLite and writes hyperfine's JSON to bench/results/registry-<date>-*.json.
#
# Usage: bench/registry.sh [FIXTURES_DIR]
#        (env LP_BIN, LP_FIXTURES, LP_BENCH_RUNS (default 10 imports, 30 verifies), LP_BENCH_RESULTS,
#         LP_BENCH_ENTRIES (default 10000))
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
fx=${1:-${LP_FIXTURES:-$root/build/tests/fixtures}}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/registry.sh: $*" >&2; exit 2; }
for c in hyperfine python3; do
  command -v "$c" >/dev/null || die "needs $c (scripts/install-deps installs it)"
done
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build linkproof, or LP_BIN=...)"
[ -x "$fx/server-amd64-cgo0-exe" ] || die "no server fixture in $fx (ninja -C build tests/fixtures.stamp)"
mkdir -p "$results_dir"

exec python3 - "$root" "$lp" "$fx" "$results_dir" <<'PY'
import json, os, subprocess, sys, tempfile, time
root, lp, fx, results = sys.argv[1:]
sys.path.insert(0, os.path.join(root, "tests"))
import pgserver

n = int(os.environ.get("LP_BENCH_ENTRIES", "10000"))
runs_import = int(os.environ.get("LP_BENCH_RUNS", "10"))
runs_verify = max(30, runs_import)
stamp = time.strftime("%Y-%m-%dT%H%M%S")
for k in [k for k in os.environ if k.startswith("PG")]:
    del os.environ[k]


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def hyperfine(name, runs, cmds, prepare=None):
    out = os.path.join(results, "registry-%s-%s.json" % (stamp, name))
    argv = ["hyperfine", "--style", "none", "--warmup", "2", "--runs", str(runs), "--export-json", out]
    for label, cmd, prep in cmds:
        if prep:
            argv += ["--prepare", prep]
        argv += ["-n", label, cmd]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return {r["command"]: r for r in json.load(open(out))["results"]}, out


with tempfile.TemporaryDirectory(prefix="lp-bench-reg-") as tmp, pgserver.PgServer(fsync=True) as pg:
    os.chmod(tmp, 0o755)
    server = os.path.join(fx, "server-amd64-cgo0-exe")
    fp = json.loads(subprocess.run([lp, "fingerprint", "--json", server], check=True,
                                   stdout=subprocess.PIPE).stdout)
    lines, csv = [], []
    for i in range(n):
        e = {"label": "release-%d" % (i // 10), "go_build_id": "bench%06d/a/b/c" % i, "gnu_build_id": None,
             "sha256": "%064x" % (0x5a000000 + i), "code_sha256": "%064x" % (0xc0de0000 + i),
             "code_size": 1000 + i, "path": "/opt/app/bin-%d" % i, "added_at": "2025-01-01T00:00:00Z"}
        lines.append(json.dumps(e))
        csv.append(",".join([e["label"], e["go_build_id"], "", e["sha256"], e["code_sha256"], str(e["code_size"]),
                             e["path"], e["added_at"]]))
    data = os.path.join(tmp, "entries.jsonl")
    open(data, "w").write("\n".join(lines) + "\n")
    data_csv = os.path.join(tmp, "entries.csv")
    open(data_csv, "w").write("\n".join(csv) + "\n")
    os.chmod(data_csv, 0o644)

    sq_db = os.path.join(tmp, "import.db")
    pg.psql("CREATE DATABASE bench_import")
    pg.psql("CREATE DATABASE bench_copy")
    pg_url = pg.url("bench_import")
    psql = os.path.join(pg.bindir, "psql")
    if not os.access(psql, os.X_OK):
        psql = "psql"
    conn = "-X -q -h %s -p %d -U postgres" % (pg.sockdir, pg.port)
    plain = ("CREATE TABLE plain (label text, go_build_id text, gnu_build_id text, sha256 text, code_sha256 text,"
             " code_size bigint, path text, added_at text)")
    r_imp, f_imp = hyperfine("import", runs_import, [
        ("sqlite: registry import", "%s registry --registry %s import %s" % (lp, sq_db, data),
         "rm -f %s %s-wal %s-shm" % (sq_db, sq_db, sq_db)),
        ("postgresql: registry import", "%s registry --registry '%s' import %s" % (lp, pg_url, data),
         "%s %s -d bench_import -c 'DROP TABLE IF EXISTS meta, fingerprints, dropped_labels'" % (psql, conn)),
        ("postgresql: psql \\copy (plain table)",
         "%s %s -d bench_copy -c \"\\copy plain FROM '%s' CSV\"" % (psql, conn, data_csv),
         "%s %s -d bench_copy -c 'DROP TABLE IF EXISTS plain; %s'" % (psql, conn, plain)),
    ])
    # check: both registries hold the n entries
    for where in (sq_db, pg_url):
        got = len(subprocess.run([lp, "registry", "--registry", where, "list", "--json"], check=True,
                                 stdout=subprocess.PIPE).stdout.splitlines())
        if got != n:
            sys.exit("ABORT: %s holds %d entries after the import, not %d" % (where, got, n))

    # verify --pid: the server registered among the n entries
    for where in (sq_db, pg_url):
        subprocess.run([lp, "registry", "--registry", where, "add", "--label", "the-server", server], check=True,
                       stdout=subprocess.DEVNULL)
    srv = subprocess.Popen([server], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        ready = srv.stdout.readline().decode()
        if not ready.startswith("ready"):
            sys.exit("ABORT: the server fixture did not start: %r" % ready)
        pid = srv.pid
        for where in (sq_db, pg_url):
            v = subprocess.run([lp, "verify", "--pid", str(pid), "--registry", where], stdout=subprocess.PIPE)
            if v.returncode != 0 or b"the-server (trusted)" not in v.stdout:
                sys.exit("ABORT: verify on %s: exit %d, %r" % (where, v.returncode, v.stdout[:300]))
        code = fp["code_sha256"]
        r_ver, f_ver = hyperfine("verify", runs_verify, [
            ("fingerprint --pid (no registry)", "%s fingerprint --pid %d" % (lp, pid), None),
            ("sqlite: verify --pid", "%s verify --pid %d --registry %s" % (lp, pid, sq_db), None),
            ("postgresql: verify --pid", "%s verify --pid %d --registry '%s'" % (lp, pid, pg_url), None),
            ("postgresql: psql SELECT by code",
             "%s %s -d bench_import -Atc \"SELECT label FROM fingerprints WHERE code_sha256 = '%s'\"" % (psql, conn, code),
             None),
        ])
    finally:
        srv.stdin.close()
        srv.wait(timeout=30)

ncpu = os.cpu_count()
print("linkproof registry benchmark: %d entries; SQLite file vs PostgreSQL %s (own server, Unix socket, fsync on); "
      "%d CPUs" % (n, pg.bindir.split("/")[-2] if "/postgresql/" in pg.bindir else "", ncpu))
print()
print("%-40s %10s %10s %10s %6s" % ("command", "median ms", "mean ms", "stddev ms", "runs"))
for r in (r_imp, r_ver):
    for name, x in r.items():
        print("%-40s %10.2f %10.2f %10.2f %6d" % (name, x["median"] * 1e3, x["mean"] * 1e3, x["stddev"] * 1e3,
                                                 len(x["times"])))
m = lambda r, k: r[k]["median"]  # noqa: E731
si, pi, ci = m(r_imp, "sqlite: registry import"), m(r_imp, "postgresql: registry import"), \
    m(r_imp, "postgresql: psql \\copy (plain table)")
print()
print("import of %d entries: SQLite %.0f ms (%.0f entries/s), PostgreSQL %.0f ms (%.0f entries/s); "
      "ratio PostgreSQL / SQLite %.2f; PostgreSQL / psql \\copy %.2f" % (n, si * 1e3, n / si, pi * 1e3, n / pi,
                                                                        pi / si, pi / ci))
f0, sv, pv, ps = m(r_ver, "fingerprint --pid (no registry)"), m(r_ver, "sqlite: verify --pid"), \
    m(r_ver, "postgresql: verify --pid"), m(r_ver, "postgresql: psql SELECT by code")
print("verify --pid: SQLite %.2f ms, PostgreSQL %.2f ms (ratio %.2f); the lookup (verify - fingerprint --pid "
      "%.2f ms): SQLite %.2f ms, PostgreSQL %.2f ms; psql's own SELECT %.2f ms" % (sv * 1e3, pv * 1e3, pv / sv, f0 * 1e3,
                                                                                (sv - f0) * 1e3, (pv - f0) * 1e3,
                                                                                ps * 1e3))
print("results: %s %s" % (f_imp, f_ver))
PY
