#!/usr/bin/env bash
# bench/deps.sh — `linkproof deps` against libtree, lddtree and ldd on the host's
# dynamically linked programs.
#
# One run:
#  1. inputs: every regular ELF file in LP_BENCH_DIR (default /usr/bin) that has a
#     DT_NEEDED entry (read here from the program headers and the dynamic section,
#     not by any of the tools compared), symlinks resolved to their target and
#     duplicates dropped; scripts, directories and static programs are left out;
#  2. same answers (untimed): for every file, the set of (needed name -> path) of
#     `linkproof deps --json` (one process for all files) against what `ldd FILE`
#     prints for the libraries it finds (linux-vdso and the interpreter line
#     ignored), and the set of library names against `libtree -vv FILE`; prints
#     how many files agree and the first 5 disagreements, with a command to
#     reproduce each;
#  3. timings with hyperfine -N (no shell, output discarded, warm-up runs so the
#     page cache is warm), all files at once: `linkproof deps --list FILES...`,
#     `libtree FILES...`, `lddtree FILES...` (each one process) and
#     `for f in FILES; do ldd $f; done` (one ldd per file, as scripts do); then the
#     same four on one file with many libraries (LP_BENCH_SINGLE, default
#     /usr/bin/curl);
#  4. prints the medians, linkproof / other and other / linkproof for each tool,
#     peak RSS (/usr/bin/time -f %M) and writes the results to
#     bench/results/deps-<date>.json.
#
# ldd is not a reader: it runs the program's dynamic loader (LD_TRACE_LOADED_OBJECTS),
# which maps the libraries and runs none of the program's code on glibc but is not
# safe on untrusted files. Here it only sees the host's own, trusted programs.
#
# A missing libtree, lddtree (or a python3 with pyelftools for it), ldd, hyperfine
# or /usr/bin/time skips that part with a message.
#
# Usage: bench/deps.sh [DIR]
#        (env LP_BIN, LP_BENCH_DIR, LP_BENCH_MAX, LP_BENCH_SINGLE, LP_BENCH_RUNS,
#         LP_BENCH_WARMUP, LP_BENCH_RESULTS, LP_BENCH_STRICT)
# Exits 0 when it ran (disagreements are reported, not fatal, unless
# LP_BENCH_STRICT=1 and ldd disagrees), 1 when linkproof deps fails or prints
# something unreadable, 2 when it cannot run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
dir=${1:-${LP_BENCH_DIR:-/usr/bin}}
max=${LP_BENCH_MAX:-0}
single=${LP_BENCH_SINGLE:-/usr/bin/curl}
runs=${LP_BENCH_RUNS:-5}
warmup=${LP_BENCH_WARMUP:-1}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
strict=${LP_BENCH_STRICT:-0}
die() { echo "bench/deps.sh: $*" >&2; exit 2; }
note() { echo "note: $*"; }

command -v python3 >/dev/null || die "needs python3"
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build linkproof, or LP_BIN=...)"
"$lp" deps --help >/dev/null 2>&1 || die "$lp has no working 'deps' command"
[ -d "$dir" ] || die "not a directory: $dir"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "LP_BENCH_RUNS must be a positive integer"
[[ $warmup =~ ^[0-9]+$ ]] || die "LP_BENCH_WARMUP must be a number"
[[ $max =~ ^[0-9]+$ ]] || die "LP_BENCH_MAX must be a number (0: all files)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lp-bench-deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case $tmp in *[[:space:]]*) die "TMPDIR must not contain spaces (hyperfine -N splits on them)" ;; esac

# --- the tools -------------------------------------------------------------------
have_hf=0 have_libtree=0 have_ldd=0 have_time=0
lddtree_cmd=""
if command -v hyperfine >/dev/null; then have_hf=1; else note "hyperfine not found: timings skipped (scripts/install-deps installs it)"; fi
if command -v libtree >/dev/null; then have_libtree=1; else note "libtree not found: skipped (apt-get install libtree)"; fi
if command -v ldd >/dev/null; then have_ldd=1; else note "ldd not found: skipped"; fi
if [ -x /usr/bin/time ]; then have_time=1; else note "/usr/bin/time not found: peak RSS skipped (apt-get install time)"; fi
if lt=$(command -v lddtree); then
  if head -n1 "$lt" | grep -q python; then
    # the python3 on PATH (a pyenv, a venv) may lack pyelftools; Debian's has it
    for py in python3 /usr/bin/python3; do
      if "$py" -c 'import elftools' 2>/dev/null; then lddtree_cmd="$(command -v "$py") $lt"; break; fi
    done
    [ -n "$lddtree_cmd" ] || note "lddtree found but no python3 with pyelftools (python3-pyelftools): skipped"
  else
    lddtree_cmd=$lt  # the older shell version of pax-utils
  fi
else
  note "lddtree not found: skipped (apt-get install pax-utils python3-pyelftools)"
fi

# --- inputs and same answers (python: stdlib only) --------------------------------
export LP_BENCH_HAVE_LIBTREE=$have_libtree LP_BENCH_HAVE_LDD=$have_ldd
set +e
python3 - "$lp" "$dir" "$max" "$single" "$tmp" <<'PY'
import json, os, re, struct, subprocess, sys

lp, top, maxn, single, tmp = sys.argv[1:]
maxn = int(maxn)
env = dict(os.environ, LC_ALL="C")


def has_needed(path):
    """ELF file with a DT_NEEDED entry in its PT_DYNAMIC segment (None: not ELF)."""
    try:
        with open(path, "rb") as f:
            h = f.read(64)
            if len(h) < 52 or h[:4] != b"\x7fELF" or h[4] not in (1, 2) or h[5] not in (1, 2):
                return None
            w, e = h[4] == 2, ">" if h[5] == 2 else "<"
            if w:
                phoff, = struct.unpack_from(e + "Q", h, 0x20)
                phent, phnum = struct.unpack_from(e + "HH", h, 0x36)
            else:
                phoff, = struct.unpack_from(e + "I", h, 0x1c)
                phent, phnum = struct.unpack_from(e + "HH", h, 0x2a)
            f.seek(phoff)
            ph = f.read(phent * phnum)
            for i in range(phnum):
                o = i * phent
                if len(ph) < o + phent:
                    return False
                if w:
                    t, _, off = struct.unpack_from(e + "IIQ", ph, o)
                    size, = struct.unpack_from(e + "Q", ph, o + 32)
                    fmt, n = e + "qQ", 16
                else:
                    t, off = struct.unpack_from(e + "II", ph, o)
                    size, = struct.unpack_from(e + "I", ph, o + 16)
                    fmt, n = e + "iI", 8
                if t != 2:  # PT_DYNAMIC
                    continue
                f.seek(off)
                dyn = f.read(min(size, 1 << 20))
                for k in range(0, len(dyn) - n + 1, n):
                    tag, _ = struct.unpack_from(fmt, dyn, k)
                    if tag == 0:
                        break
                    if tag == 1:  # DT_NEEDED
                        return True
                return False
            return False
    except (OSError, struct.error):
        return None


names = sorted(os.listdir(top))
files, seen = [], set()
n_links = n_dup = n_notelf = n_static = n_space = n_other = 0
for n in names:
    p = os.path.join(top, n)
    if os.path.islink(p):
        n_links += 1
    rp = os.path.realpath(p)
    if not os.path.isfile(rp):
        n_other += 1
        continue
    if rp in seen:
        n_dup += 1
        continue
    seen.add(rp)
    r = has_needed(rp)
    if r is None:
        n_notelf += 1
    elif not r:
        n_static += 1
    elif re.search(r"\s", rp):
        n_space += 1
    else:
        files.append(rp)
if maxn and len(files) > maxn:
    files = files[:maxn]
print("inputs: %d entries in %s (%d symlinks, resolved; %d duplicates dropped): %d ELF files "
      "with DT_NEEDED; left out: %d not ELF (scripts...), %d ELF without DT_NEEDED, %d not "
      "regular files, %d paths with spaces" % (len(names), top, n_links, n_dup, len(files),
                                              n_notelf, n_static, n_other, n_space))
if not files:
    print("bench/deps.sh: no ELF file with DT_NEEDED in %s" % top, file=sys.stderr)
    sys.exit(2)
with open(os.path.join(tmp, "files.txt"), "w") as f:
    f.write("".join(p + "\n" for p in files))

# linkproof: one process for all files
p = subprocess.run([lp, "deps", "--json"] + files, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   env=env)
lines = p.stdout.decode("utf-8", "replace").splitlines()
res = {}
for l in lines:
    try:
        j = json.loads(l)
        res[j["path"]] = j
    except (ValueError, KeyError, TypeError):
        pass
if p.returncode not in (0, 1) or len(lines) != len(files) or set(res) != set(files):
    print("ABORT: linkproof deps --json on %d files: exit %d, %d lines, %d files named; stderr: %s"
          % (len(files), p.returncode, len(lines), len(res),
             p.stderr.decode("utf-8", "replace")[:300]), file=sys.stderr)
    sys.exit(1)
n_missing = sum(1 for j in res.values() for o in j.get("objects", []) if not o.get("found"))
print("linkproof deps --json: exit %d, %d files, %d objects, %d not found"
      % (p.returncode, len(res), sum(len(j.get("objects", [])) for j in res.values()), n_missing))


def lp_libs(j):
    """{needed name: path} of the libraries found, the program and its interpreter aside."""
    return {o["name"]: o["path"] for o in j.get("objects", [])
            if o.get("found") and o.get("rule") not in ("main", "interpreter")}


def lp_missing(j):
    return {o["name"] for o in j.get("objects", []) if not o.get("found")
            and o.get("rule") not in ("main", "interpreter")}


def show(s):
    s = sorted(s)
    return ", ".join(s[:6]) + (", ..." if len(s) > 6 else "") if s else "-"


summary = {"files": len(files)}
# --- ldd ------------------------------------------------------------------------
if os.environ.get("LP_BENCH_HAVE_LDD") == "1":
    found_re = re.compile(r"^\t(\S+) => (.+) \(0x[0-9a-f]+\)$")
    miss_re = re.compile(r"^\t(\S+) => not found$")
    agree, differ, no_answer, miss_differ = 0, [], [], 0
    for f in files:
        q = subprocess.run(["ldd", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out = q.stdout.decode("utf-8", "replace")
        if q.returncode != 0 or "not a dynamic executable" in out:
            no_answer.append(f)
            continue
        got, miss = {}, set()
        for l in out.splitlines():
            m = found_re.match(l)
            if m and not m.group(1).startswith("linux-vdso") and not m.group(1).startswith("linux-gate"):
                got[m.group(1)] = m.group(2)
            m = miss_re.match(l)
            if m:
                miss.add(m.group(1))
        mine = lp_libs(res[f])
        if miss != lp_missing(res[f]):
            miss_differ += 1
        if set(got.items()) == set(mine.items()):
            agree += 1
        else:
            same_files = (set(got) == set(mine) and
                          all(os.path.realpath(got[k]) == os.path.realpath(mine[k]) for k in got))
            differ.append((f, got, mine, same_files))
    print("same answers, ldd: %d files compared: %d agree, %d disagree (%d of them only in how "
          "the path is spelled: same files), %d without an answer from ldd; not-found sets "
          "differ on %d" % (len(files) - len(no_answer), agree, len(differ),
                            sum(1 for d in differ if d[3]), len(no_answer), miss_differ))
    for f, got, mine, same in differ[:5]:
        a, b = set(got.items()), set(mine.items())
        print("  differs: %s%s" % (f, " (same files, other spelling)" if same else ""))
        print("    only ldd:       %s" % show("%s => %s" % kv for kv in a - b))
        print("    only linkproof: %s" % show("%s => %s" % kv for kv in b - a))
        print("    reproduce: diff <(ldd %s | grep '=> /' | sed 's/ (0x.*//' | sort) "
              "<(%s deps --list %s | grep -v '(interpreter)' | sed 's/ (.*//' | sort)" % (f, lp, f))
    for f in no_answer[:5]:
        print("  ldd gave no answer: %s" % f)
    summary["ldd"] = {"compared": len(files) - len(no_answer), "agree": agree,
                      "disagree": len(differ), "disagree_same_files": sum(1 for d in differ if d[3]),
                      "no_answer": len(no_answer), "not_found_differs": miss_differ,
                      "first_disagreements": [d[0] for d in differ[:5]]}

# --- libtree: library names per file ----------------------------------------------
if os.environ.get("LP_BENCH_HAVE_LIBTREE") == "1":
    line_re = re.compile(r"^[\s\u2500-\u257f]*(\S+) (\[[^\]]*\]|not found)\s*$")
    agree, differ, no_answer = 0, [], []
    for f in files:
        q = subprocess.run(["libtree", "-vv", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env)
        rows = q.stdout.decode("utf-8", "replace").splitlines()[1:]
        names, miss = set(), set()
        for l in rows:
            m = line_re.match(l)
            if m:
                (miss if m.group(2) == "not found" else names).add(m.group(1))
        if not names and not miss:
            no_answer.append(f)
            continue
        j = res[f]
        interp = os.path.basename((j.get("interpreter") or {}).get("name") or "")
        mine = set(lp_libs(j)) - {interp}
        names.discard(interp)
        if names == mine:
            agree += 1
        else:
            differ.append((f, names, mine, miss))
    print("same answers, libtree (library names): %d files compared: %d agree, %d disagree, %d "
          "where libtree prints no library" % (len(files) - len(no_answer), agree, len(differ),
                                                len(no_answer)))
    for f, names, mine, miss in differ[:5]:
        print("  differs: %s" % f)
        print("    only libtree:   %s" % show(names - mine))
        print("    only linkproof: %s" % show(mine - names))
        if miss:
            print("    libtree: not found: %s" % show(miss))
        print("    reproduce: libtree -vv %s; %s deps --list %s" % (f, lp, f))
    summary["libtree"] = {"compared": len(files) - len(no_answer), "agree": agree,
                          "disagree": len(differ), "no_answer": len(no_answer),
                          "first_disagreements": [d[0] for d in differ[:5]]}

# the single file: LP_BENCH_SINGLE, else the input with the most libraries
if not (os.path.isfile(single) and has_needed(single)):
    best = max(files, key=lambda f: len(lp_libs(res[f])))
    print("note: %s is not a dynamic ELF file here; single-file runs use %s" % (single, best))
    single = best
single = os.path.realpath(single)
with open(os.path.join(tmp, "single.txt"), "w") as f:
    f.write(single + "\n")
with open(os.path.join(tmp, "summary.json"), "w") as f:
    json.dump(summary, f)
sys.exit(3 if summary.get("ldd", {}).get("disagree") else 0)
PY
rc=$?
set -e
case $rc in
  0) ldd_disagrees=0 ;;
  3) ldd_disagrees=1 ;;
  *) exit "$rc" ;;
esac
mapfile -t files <"$tmp/files.txt"
single=$(cat "$tmp/single.txt")
n=${#files[@]}
nlibs=$("$lp" deps --list "$single" | grep -vc '(interpreter)' || true)

# --- timings ---------------------------------------------------------------------
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
out=$results_dir/deps-$stamp.json
# shellcheck disable=SC2016  # expanded by the loop script, not here
printf '#!/usr/bin/env bash\nwhile IFS= read -r f; do ldd "$f"; done <"$1"\n' >"$tmp/ldd-loop.sh"
all="${files[*]}"

# name|command, for the whole list (batch) and for the single file
batch=("linkproof deps --list|$lp deps --list $all")
one=("linkproof deps --list|$lp deps --list $single")
if [ "$have_libtree" = 1 ]; then
  batch+=("libtree|libtree $all"); one+=("libtree|libtree $single")
fi
if [ -n "$lddtree_cmd" ]; then
  batch+=("lddtree|$lddtree_cmd $all"); one+=("lddtree|$lddtree_cmd $single")
fi
if [ "$have_ldd" = 1 ]; then
  batch+=("ldd (one per file)|bash $tmp/ldd-loop.sh $tmp/files.txt"); one+=("ldd (one per file)|ldd $single")
fi

hf_run() { # json name|cmd...
  local json=$1 c args=(); shift
  for c in "$@"; do args+=(-n "${c%%|*}" "${c#*|}"); done
  # -i: libtree exits non-zero when a library is missing (and ldd on some files); the
  # outputs were compared above
  hyperfine -N -i --style basic --warmup "$warmup" --min-runs "$runs" --export-json "$json" \
    "${args[@]}" >/dev/null 2>"$tmp/hf.err" || { cat "$tmp/hf.err" >&2; die "hyperfine failed"; }
}
rss_run() { # out name|cmd...: "name<TAB>KiB" lines, peak RSS of the command and its children
  local o=$1 c; shift
  : >"$o"
  [ "$have_time" = 1 ] || return 0
  for c in "$@"; do
    # shellcheck disable=SC2086  # the command is a space-separated word list, as for hyperfine -N
    /usr/bin/time -f %M -o "$tmp/rss" ${c#*|} >/dev/null 2>&1 || true
    printf '%s\t%s\n' "${c%%|*}" "$(tail -n1 "$tmp/rss")" >>"$o"
  done
}
if [ "$have_hf" = 1 ]; then
  echo "timing: $n files in one run, then $single; hyperfine -N, $warmup warm-up run(s), at least $runs runs each ..." >&2
  cat "${files[@]}" >/dev/null  # page cache
  hf_run "$tmp/batch.json" "${batch[@]}"
  hf_run "$tmp/single.json" "${one[@]}"
fi
rss_run "$tmp/batch.rss" "${batch[@]}"
rss_run "$tmp/single.rss" "${one[@]}"

python3 - "$tmp" "$out" "$n" "$single" "$nlibs" "$(nproc)" "$have_hf" "$lp" <<'PY'
import json, os, sys
tmp, out, n, single, nlibs, ncpu, have_hf, lp = sys.argv[1:]
summary = json.load(open(os.path.join(tmp, "summary.json")))


def rss(name):
    d = {}
    p = os.path.join(tmp, name)
    for l in open(p) if os.path.exists(p) else []:
        k, _, v = l.rstrip("\n").partition("\t")
        d[k] = int(v) if v.isdigit() else None
    return d


def table(title, key, rs):
    path = os.path.join(tmp, key + ".json")
    if have_hf != "1" or not os.path.exists(path):
        return None
    r = [x for x in json.load(open(path))["results"]]
    print()
    print(title)
    print("%-22s %10s %10s %10s %6s %10s" % ("command", "median ms", "mean ms", "stddev ms", "runs",
                                           "peak KiB"))
    print("%-22s %10s %10s %10s %6s %10s" % ("-" * 22, "-" * 10, "-" * 10, "-" * 10, "-" * 6, "-" * 10))
    for x in r:
        k = rs.get(x["command"])
        print("%-22s %10.2f %10.2f %10.2f %6d %10s" % (x["command"], x["median"] * 1e3, x["mean"] * 1e3,
                                                   x["stddev"] * 1e3, len(x["times"]),
                                                   k if k is not None else "-"))
    lpm = r[0]["median"]
    for x in r[1:]:
        q = lpm / x["median"]
        print("  vs %-19s linkproof / it %7.3f, it / linkproof %7.2f -> linkproof %.1fx %s" % (
            x["command"] + ":", q, 1 / q, 1 / q if q <= 1 else q,
            "faster" if q <= 1 else "slower"))
    return r


print()
print("linkproof deps benchmark: %s files (ELF, with DT_NEEDED); single file %s (%s libraries); "
      "%s CPUs" % (n, single, nlibs, ncpu))
print("ldd runs each program's dynamic loader: used here on the host's trusted programs only.")
brss, srss = rss("batch.rss"), rss("single.rss")
b = table("all %s files in one run (ldd: one process per file, from a bash loop)" % n, "batch", brss)
s = table("one file: %s" % single, "single", srss)
if have_hf != "1":
    for k, d in (("all files", brss), ("single", srss)):
        for c, v in d.items():
            print("peak RSS %s %s: %s KiB" % (k, c, v))
if brss or srss:
    print()
    print("peak RSS of linkproof deps --list: %s KiB for %s files, %s KiB for one file" % (
        brss.get("linkproof deps --list", "-"), n, srss.get("linkproof deps --list", "-")))
summary.update({"single": single, "single_libraries": int(nlibs), "cpus": int(ncpu),
                "linkproof": lp, "batch": b, "single_file": s, "peak_rss_kib": {
                    "batch": brss, "single": srss}})
json.dump(summary, open(out, "w"), indent=1)
print("results: %s" % out)
PY
if [ "$ldd_disagrees" = 1 ] && [ "$strict" = 1 ]; then
  echo "LP_BENCH_STRICT=1: linkproof and ldd disagree on some files (listed above)" >&2
  exit 1
fi
