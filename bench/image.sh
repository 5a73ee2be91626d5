#!/usr/bin/env bash
# bench/image.sh — a container image as a root, against extracting it.
#
# Builds one large OCI image layout (one gzip layer of this machine's
# /usr/lib/x86_64-linux-gnu, /usr/bin, /etc and the loader: about 1.5 GB of
# files, 0.5 GB compressed) in a temporary directory, then measures:
#
#  1. indexing: `linkproof image info IMG` (reads every blob, checks every
#     digest, flattens the layer into a tree of paths) against `tar -tzf LAYER`
#     (lists the same layer: the least work anything can do with it) and
#     `umoci unpack` (what users do to look inside: extract to disk);
#  2. "will it run there": `linkproof deps --list --image IMG` on three programs
#     against `umoci unpack` followed by `lddtree -R ROOTFS` (extract, then a
#     reader that takes a root); both must name the same libraries;
#  3. peak memory (/usr/bin/time %M) of the linkproof commands: it must grow
#     with the number of paths, not with the image's size.
#
# Prints medians (hyperfine -N), ratios and peak RSS; writes hyperfine's JSON
# to bench/results/image-<date>.json. About 3 minutes, most of it gzip and umoci.
# Usage: bench/image.sh   (env LP_BIN, LP_BENCH_RUNS (default 3), LP_BENCH_RESULTS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lp=${LP_BIN:-$root/build/linkproof}
runs=${LP_BENCH_RUNS:-3}
results_dir=${LP_BENCH_RESULTS:-$root/bench/results}
die() { echo "bench/image.sh: $*" >&2; exit 2; }
for c in hyperfine python3 tar gzip /usr/bin/time; do
  command -v "$c" >/dev/null || die "needs $c (scripts/install-deps installs it)"
done
[ -x "$lp" ] || die "no linkproof at $lp (ninja -C build linkproof, or LP_BIN=...)"
"$lp" image --help >/dev/null 2>&1 || die "$lp has no working 'image' command"
have_umoci=1; command -v umoci >/dev/null || have_umoci=0
# lddtree is a Python script: the python3 on PATH (a pyenv, a venv) may lack pyelftools
lddtree_cmd=""
if lt=$(command -v lddtree); then
  if head -n1 "$lt" | grep -q python; then
    for py in python3 /usr/bin/python3; do
      if "$py" -c 'import elftools' 2>/dev/null; then lddtree_cmd="$(command -v "$py") $lt"; break; fi
    done
  else
    lddtree_cmd=$lt
  fi
fi
have_lddtree=1; [ -n "$lddtree_cmd" ] || have_lddtree=0

work=$(mktemp -d "${TMPDIR:-/tmp}/lp-bench-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
img=$work/oci
mkdir -p "$img/blobs/sha256"

# --- the image ---------------------------------------------------------------------
srcs=()
for d in usr/lib/x86_64-linux-gnu usr/bin etc lib64 usr/lib64 lib bin; do
  [ -e "/$d" ] && srcs+=("$d")
done
echo "building an OCI image of /${srcs[*]// / /} ..."
tar --format=pax -cf - -C / "${srcs[@]}" 2>/dev/null | tee >(sha256sum | cut -d' ' -f1 >"$work/diffid") |
  gzip -1 >"$work/layer.tgz" || true
sleep 1 # the tee's sha256sum finishing
python3 - "$img" "$work/layer.tgz" "$(cat "$work/diffid")" <<'EOF'
import hashlib, json, os, sys
img, layer, diffid = sys.argv[1], sys.argv[2], sys.argv[3]
def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
lh = sha(layer)
os.rename(layer, os.path.join(img, "blobs/sha256", lh))
size = os.path.getsize(os.path.join(img, "blobs/sha256", lh))
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diffid]}}).encode()
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(img, "blobs/sha256", h), "wb").write(data)
    return "sha256:" + h, len(data)
cd, cn = blob(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "digest": "sha256:" + lh, "size": size}]}).encode()
md, mn = blob(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]},
          open(os.path.join(img, "index.json"), "w"))
open(os.path.join(img, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
layer=$(ls -S "$img"/blobs/sha256/* | head -1)
info=$("$lp" image info --json "$img")
paths=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["paths"])' "$info")
unpacked=$(tar -tzf "$layer" | wc -l)
csize=$(stat -c %s "$layer")
usize=$(gzip -dc "$layer" | wc -c)
echo "image: $paths paths ($unpacked tar entries), layer $((csize / 1048576)) MiB gzip, $((usize / 1048576)) MiB of tar"

progs=()
for p in /usr/bin/curl /usr/bin/git /usr/bin/ssh; do [ -x "$p" ] && progs+=("$p"); done
[ ${#progs[@]} -gt 0 ] || die "none of curl, git, ssh on this machine"

# --- same answers: linkproof in the image against lddtree in the unpacked tree ------
if [ $have_umoci = 1 ] && [ $have_lddtree = 1 ]; then
  umoci unpack --image "$img:bench" "$work/bundle" >/dev/null 2>&1 || die "umoci unpack failed"
  agree=0 disagree=0
  for p in "${progs[@]}"; do
    a=$("$lp" deps --list --image "$img" "$p" 2>/dev/null | awk '$2 == "=>" && $3 != "not" {print $1}' | sort -u || true)
    b=$($lddtree_cmd -R "$work/bundle/rootfs" -l "$p" 2>/dev/null | tail -n +2 | xargs -n1 basename 2>/dev/null | sort -u || true)
    # lddtree names files as found (ld-linux and symlink targets); compare the names linkproof found that lddtree lists
    missing=$(comm -23 <(printf '%s\n' "$a" | grep -v -e '^ld-' -e '^/') <(printf '%s\n' "$b"))
    if [ -z "$missing" ]; then agree=$((agree + 1)); else disagree=$((disagree + 1)); echo "  differs on $p: $missing"; fi
  done
  echo "same answers (libraries found, linkproof in the image vs lddtree in the unpacked tree): $agree agree, $disagree disagree"
  rm -rf "$work/bundle"
fi

# --- timings -----------------------------------------------------------------------
mkdir -p "$results_dir"
stamp=$(date +%Y-%m-%dT%H%M%S)
json=$results_dir/image-$stamp.json
cmds=("$lp image info $img" "tar -tzf $layer")
names=("linkproof image info" "tar -tzf (list the layer)")
if [ $have_umoci = 1 ]; then
  cmds+=("umoci unpack --image $img:bench $work/u")
  names+=("umoci unpack (extract)")
fi
cmds+=("$lp deps --list --image $img ${progs[*]}")
names+=("linkproof deps --image (${#progs[@]} programs)")
if [ $have_umoci = 1 ] && [ $have_lddtree = 1 ]; then
  cat >"$work/unpack-lddtree.sh" <<EOF
#!/bin/sh
rm -rf "$work/u2"
umoci unpack --image "$img:bench" "$work/u2" >/dev/null 2>&1
$lddtree_cmd -R "$work/u2/rootfs" ${progs[*]} >/dev/null 2>&1
EOF
  chmod +x "$work/unpack-lddtree.sh"
  cmds+=("$work/unpack-lddtree.sh")
  names+=("umoci unpack + lddtree -R")
fi
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N -i --runs "$runs" --prepare "rm -rf $work/u" --export-json "$json" "${args[@]}" >/dev/null 2>&1 || \
  die "hyperfine failed"
rss_info=$(/usr/bin/time -f %M "$lp" image info "$img" 2>&1 >/dev/null | tail -1)
rss_deps=$(/usr/bin/time -f %M "$lp" deps --list --image "$img" "${progs[@]}" 2>&1 >/dev/null | tail -1)

python3 - "$json" "$rss_info" "$rss_deps" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] * 1000 for r in d}
print()
print("%-44s %12s" % ("command", "median ms"))
print("%-44s %12s" % ("-" * 44, "-" * 12))
for r in d:
    print("%-44s %12.1f" % (r["command"], r["median"] * 1000))
def ratio(a, b):
    if a in med and b in med:
        x = med[b] / med[a]
        print("  %s vs %s: %.2fx %s" % (a, b, x if x >= 1 else 1 / x, "faster" if x >= 1 else "slower"))
ratio("linkproof image info", "tar -tzf (list the layer)")
ratio("linkproof image info", "umoci unpack (extract)")
for k in med:
    if k.startswith("linkproof deps"):
        ratio(k, "umoci unpack + lddtree -R")
print()
print("peak RSS: linkproof image info %s KiB, linkproof deps --image %s KiB" % (sys.argv[2], sys.argv[3]))
print("results: %s" % sys.argv[1])
EOF
