#!/usr/bin/env bash
# build-fixtures.sh OUTDIR [STAMP]
#
# Builds the Go test fixtures for linkproof from tests/fixtures/src into
# OUTDIR and describes them in OUTDIR/fixtures.tsv (tab separated):
#
#   name goarch cgo buildmode stripped trimpath vcs ldflags program
#
#   name       file name inside OUTDIR
#   goarch     GOARCH (arm is built with GOARM=7)
#   cgo        CGO_ENABLED (0 or 1)
#   buildmode  exe, pie or c-shared
#   stripped   yes if linked with -s -w, else no
#   trimpath   yes if built with -trimpath, else no
#   vcs        git if VCS info is stamped, none for -buildvcs=false
#   ldflags    the -ldflags value; several -ldflags flags are joined with
#              '|' in command-line order; '-' if no -ldflags was given
#   program    source program (app, netapp, cgolibc, static1, server)
#
# tests/fixtures/README.md describes the fixture families.
#
# The build is offline and hermetic (GOPROXY=off, private GOCACHE/GOPATH
# under OUTDIR/.go or $LP_GOCACHE) and VCS stamping is deterministic: each
# program is copied to OUTDIR/src/<program> and committed to a fresh git
# repository with fixed identity and dates.
#
# Re-running is a no-op when neither this script, the sources nor the Go
# toolchain changed (hash in OUTDIR/.stamp). If STAMP is given it is touched
# at the end (for Meson). Set LP_FIXTURE_JOBS to control parallel builds.
set -euo pipefail

log() { printf 'build-fixtures: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 OUTDIR [STAMP]"

script_path=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
src_root=$(cd "$(dirname "$script_path")/.." && pwd)/tests/fixtures/src
[[ -d $src_root ]] || die "fixture sources not found: $src_root"

mkdir -p "$1"
outdir=$(cd "$1" && pwd)
meson_stamp=${2:-}

# --- sanitise the environment -------------------------------------------
# Settings inherited from the caller must not leak into the fixtures (they
# would change the binaries and the "build" lines of their build info).
unset GOOS GOARCH GOFLAGS GOARM GO386 GOAMD64 GOMIPS GOMIPS64 GOPPC64 \
	GOWASM GOEXPERIMENT GOWORK GOBIN GOENV GOTOOLCHAIN \
	CGO_ENABLED CGO_CFLAGS CGO_CPPFLAGS CGO_CXXFLAGS CGO_FFLAGS CGO_LDFLAGS

command -v go >/dev/null 2>&1 || die "go not found in PATH"
command -v git >/dev/null 2>&1 || die "git not found in PATH"

# --- up-to-date check ----------------------------------------------------
compute_hash() {
	{
		echo "script"
		sha256sum <"$script_path"
		echo "toolchain"
		command -v go
		go version
		echo "sources"
		(cd "$src_root" && find . -type f -print0 | LC_ALL=C sort -z |
			xargs -0 sha256sum)
	} | sha256sum | cut -d' ' -f1
}
hash=$(compute_hash)

finish_stamp() {
	if [[ -n $meson_stamp ]]; then
		mkdir -p "$(dirname "$meson_stamp")"
		touch "$meson_stamp"
	fi
}

if [[ -f $outdir/.stamp && -f $outdir/fixtures.tsv ]] &&
	[[ $(<"$outdir/.stamp") == "$hash" ]]; then
	finish_stamp
	exit 0
fi

start_time=$SECONDS

# --- hermetic Go environment ---------------------------------------------
gocache_root=${LP_GOCACHE:-$outdir/.go}
mkdir -p "$gocache_root"
gocache_root=$(cd "$gocache_root" && pwd)
export GOCACHE=$gocache_root/cache
export GOPATH=$gocache_root/path
export GOMODCACHE=$gocache_root/path/pkg/mod
export GOPROXY=off
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local
export GO111MODULE=on
export GOWORK=off
export GOENV=off
export GONOSUMDB='*' GOSUMDB=off
export GOTELEMETRY=off
if [[ -z ${HOME:-} ]]; then
	export HOME=$gocache_root/home
	mkdir -p "$HOME"
fi
# Git as run by the go command (VCS stamping) and by us: ignore the user's
# and the system configuration, and trust repositories owned by others.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'
mkdir -p "$GOCACHE" "$GOPATH"

# --- clean previous outputs ----------------------------------------------
rm -f "$outdir/.stamp"
if [[ -f $outdir/fixtures.tsv ]]; then
	while IFS=$'\t' read -r old_name _; do
		[[ $old_name == name || -z $old_name || $old_name == */* ]] && continue
		rm -f "$outdir/$old_name"
	done <"$outdir/fixtures.tsv"
fi
rm -f "$outdir/fixtures.tsv" "$outdir/fixtures.tsv.tmp"
rm -rf "$outdir/src" "$outdir/.logs"
mkdir -p "$outdir/src" "$outdir/.logs"

# --- deterministic git copies of the sources ------------------------------
programs=(app netapp cgolibc static1 server)
git_fixed=(git -c safe.directory='*' -c user.name='linkproof fixtures'
	-c user.email='fixtures@linkproof.invalid' -c commit.gpgsign=false
	-c init.defaultBranch=main -c core.autocrlf=false -c core.fileMode=true)
for prog in "${programs[@]}"; do
	[[ -d $src_root/$prog ]] || die "missing fixture source $src_root/$prog"
	cp -R "$src_root/$prog" "$outdir/src/$prog"
	(
		cd "$outdir/src/$prog"
		# Normalise permissions so the tree (and hence the revision) does
		# not depend on the umask of whoever checked out the sources.
		find . -type d -exec chmod 755 {} +
		find . -type f -exec chmod 644 {} +
		export GIT_AUTHOR_NAME='linkproof fixtures' GIT_COMMITTER_NAME='linkproof fixtures'
		export GIT_AUTHOR_EMAIL='fixtures@linkproof.invalid' GIT_COMMITTER_EMAIL='fixtures@linkproof.invalid'
		export GIT_AUTHOR_DATE='2024-01-02T03:04:05Z' GIT_COMMITTER_DATE='2024-01-02T03:04:05Z'
		"${git_fixed[@]}" init -q .
		"${git_fixed[@]}" add -A .
		"${git_fixed[@]}" commit -q --no-verify -m "linkproof fixture: $prog"
	) || die "could not create git repository for $prog"
done

# --- build machinery -----------------------------------------------------
max_jobs=${LP_FIXTURE_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $max_jobs =~ ^[1-9][0-9]*$ ]] || max_jobs=2
running=0
fx_names=() fx_rows=() fx_required=()

# fx REQUIRED NAME PROGRAM GOARCH CGO BUILDMODE STRIPPED TRIMPATH VCS LDFLAGS -- GO-BUILD-ARGS...
# Starts one build in the background; results are collected by collect().
fx() {
	local required=$1 name=$2 prog=$3 arch=$4 cgo=$5 mode=$6 stripped=$7
	local trimpath=$8 vcs=$9 ldcol=${10}
	shift 10
	[[ ${1:-} == -- ]] && shift
	fx_names+=("$name")
	fx_required+=("$required")
	fx_rows+=("$name"$'\t'"$arch"$'\t'"$cgo"$'\t'"$mode"$'\t'"$stripped"$'\t'"$trimpath"$'\t'"$vcs"$'\t'"$ldcol"$'\t'"$prog")

	local -a envs=(GOOS=linux "GOARCH=$arch" "CGO_ENABLED=$cgo")
	[[ $arch == arm ]] && envs+=(GOARM=7)
	local -a args=(build -o "$outdir/$name" "-buildmode=$mode" "$@" .)

	while ((running >= max_jobs)); do
		wait -n || true
		running=$((running - 1))
	done
	(
		cd "$outdir/src/$prog"
		{
			printf '+ %s go' "${envs[*]}"
			printf ' %q' "${args[@]}"
			printf '\n'
		} >"$outdir/.logs/$name.log"
		if env "${envs[@]}" go "${args[@]}" >>"$outdir/.logs/$name.log" 2>&1; then
			echo 0 >"$outdir/.logs/$name.rc"
			log "built $name ($prog $arch cgo=$cgo $mode)"
		else
			echo 1 >"$outdir/.logs/$name.rc"
			log "FAILED $name ($prog $arch cgo=$cgo $mode), see $outdir/.logs/$name.log"
		fi
	) &
	running=$((running + 1))
}

X_FLAGS='-X main.version=1.2.3 -X example.com/app/internal/version.Version=4.5.6'
SW_FLAGS="-s -w $X_FLAGS"

# a) app on amd64: cgo 0/1 x exe/pie x unstripped/stripped
for cgo in 0 1; do
	for mode in exe pie; do
		fx req "app-amd64-cgo$cgo-$mode" app amd64 "$cgo" "$mode" no no git "$X_FLAGS" \
			-- "-ldflags=$X_FLAGS"
		fx req "app-amd64-cgo$cgo-$mode-sw" app amd64 "$cgo" "$mode" yes no git "$SW_FLAGS" \
			-- "-ldflags=$SW_FLAGS"
	done
done

# b) app amd64 variants (cgo 0, exe)
fx req app-amd64-cgo0-exe-trimpath app amd64 0 exe no yes git "$X_FLAGS" \
	-- -trimpath "-ldflags=$X_FLAGS"
fx req app-amd64-cgo0-exe-novcs app amd64 0 exe no no none "$X_FLAGS" \
	-- -buildvcs=false "-ldflags=$X_FLAGS"
fx req app-amd64-cgo0-exe-noldflags app amd64 0 exe no no git - --
fx req app-amd64-cgo0-exe-2ldflags app amd64 0 exe no no git '-X main.version=a|-X main.commit=b' \
	-- '-ldflags=-X main.version=a' '-ldflags=-X main.commit=b'

# c) dynamically linked (cgo) programs and a static cgo=1 program
fx req netapp-amd64-cgo1-exe netapp amd64 1 exe no no git - --
fx req netapp-amd64-cgo1-pie netapp amd64 1 pie no no git - --
fx req cgolibc-amd64-cgo1-exe cgolibc amd64 1 exe no no git - --
fx req cgolibc-amd64-cgo1-pie cgolibc amd64 1 pie no no git - --
fx req static1-amd64-cgo1-exe static1 amd64 1 exe no no git - --

# d) external linking
fx opt app-amd64-cgo1-pie-extlink app amd64 1 pie no no git '-linkmode=external' \
	-- '-ldflags=-linkmode=external'
fx opt cgolibc-amd64-cgo1-c-shared.so cgolibc amd64 1 c-shared no no git - --

# e) cross builds of app (cgo 0)
cross_arches=(386 arm arm64 s390x ppc64 ppc64le mips mipsle mips64 mips64le riscv64)
if go tool dist list 2>/dev/null | grep -qx 'linux/loong64'; then
	cross_arches+=(loong64)
else
	log "warning: toolchain does not support linux/loong64, skipping it"
fi
for arch in "${cross_arches[@]}"; do
	fx req "app-$arch-cgo0-exe" app "$arch" 0 exe no no git "$X_FLAGS" -- "-ldflags=$X_FLAGS"
done
for arch in arm64 s390x 386; do
	fx req "app-$arch-cgo0-exe-sw" app "$arch" 0 exe yes no git "$SW_FLAGS" -- "-ldflags=$SW_FLAGS"
done
fx opt app-arm64-cgo0-pie app arm64 0 pie no no git "$X_FLAGS" -- "-ldflags=$X_FLAGS"

# f) xmatrix: the -ldflags=-X verdict fixtures (expected verdicts in
# tests/fixtures/xmatrix.tsv). One build carries every case at once, since
# each -X is independent: two that take effect, three that name no symbol
# (a typo, the wrong case, a short import path), one on a const (no symbol)
# and one on a variable whose package init overwrites it at run time.
XM_FLAGS='-X main.version=1.2.3 -X example.com/app/internal/version.Version=4.5.6 -X main.verison=typo -X main.Version=wrongcase -X internal/version.Version=shortpath -X example.com/app/internal/version.Const=const -X example.com/app/internal/version.Dynamic=inj -X main.commit=abc123'
XM_SW_FLAGS="-s -w $XM_FLAGS"

# xm REQUIRED GOARCH CGO BUILDMODE: the plain and the -s -w build of app.
# A stripped twin's ldflags is always "-s -w " + its plain twin's ldflags.
xm() {
	local required=$1 arch=$2 cgo=$3 mode=$4
	fx "$required" "xm-$arch-cgo$cgo-$mode" app "$arch" "$cgo" "$mode" no no git "$XM_FLAGS" \
		-- "-ldflags=$XM_FLAGS"
	fx "$required" "xm-$arch-cgo$cgo-$mode-sw" app "$arch" "$cgo" "$mode" yes no git "$XM_SW_FLAGS" \
		-- "-ldflags=$XM_SW_FLAGS"
}
xm req amd64 0 exe
xm req amd64 0 pie
xm req arm64 0 exe
xm opt arm64 0 pie
xm req s390x 0 exe
# Internal linking of PIE is not implemented for 386 and s390x in Go 1.19:
# the go command links them with the host's gcc, which needs a cross (or
# multilib) toolchain.
xm opt s390x 0 pie
xm opt 386 0 exe
xm opt 386 0 pie
xm opt ppc64 0 exe
fx opt xm-amd64-cgo1-pie-ext app amd64 1 pie no no git "-linkmode=external $XM_FLAGS" \
	-- "-ldflags=-linkmode=external $XM_FLAGS"
fx opt xm-amd64-cgo1-pie-ext-sw app amd64 1 pie yes no git "-s -w -linkmode=external $XM_FLAGS" \
	-- "-ldflags=-s -w -linkmode=external $XM_FLAGS"
# With -trimpath the build info does not record -ldflags.
fx req xm-amd64-cgo0-exe-trimpath app amd64 0 exe no yes git "$XM_FLAGS" \
	-- -trimpath "-ldflags=$XM_FLAGS"
# Only the last -ldflags flag counts: main.commit=second, main.version stays dev.
fx req xm-amd64-cgo0-exe-2ldflags app amd64 0 exe no no git \
	'-X main.version=first|-X main.commit=second' \
	-- '-ldflags=-X main.version=first' '-ldflags=-X main.commit=second'

# g) server: a process that prints "ready <pid> <version>" and runs until its
# stdin is closed (or 120 s), for `fingerprint --pid` and `verify`. v1 and v2
# differ only in main.version; their executable segments then differ only in
# the Go build ID note, which the linker puts in the first (R E) segment. -sw
# is v1 linked with -s -w; exe and pie give a zero and a non-zero load bias.
SRV_V1_FLAGS='-X main.version=v1'
SRV_V2_FLAGS='-X main.version=v2'
SRV_SW_FLAGS="-s -w $SRV_V1_FLAGS"
fx req server-amd64-cgo0-exe server amd64 0 exe no no git "$SRV_V1_FLAGS" \
	-- "-ldflags=$SRV_V1_FLAGS"
fx req server-amd64-cgo0-pie server amd64 0 pie no no git "$SRV_V1_FLAGS" \
	-- "-ldflags=$SRV_V1_FLAGS"
fx req server-amd64-cgo0-exe-v2 server amd64 0 exe no no git "$SRV_V2_FLAGS" \
	-- "-ldflags=$SRV_V2_FLAGS"
fx req server-amd64-cgo0-exe-sw server amd64 0 exe yes no git "$SRV_SW_FLAGS" \
	-- "-ldflags=$SRV_SW_FLAGS"

wait

# --- collect results -----------------------------------------------------
failed=0 built=0
printf 'name\tgoarch\tcgo\tbuildmode\tstripped\ttrimpath\tvcs\tldflags\tprogram\n' \
	>"$outdir/fixtures.tsv.tmp"
for i in "${!fx_names[@]}"; do
	name=${fx_names[$i]}
	rc=$(cat "$outdir/.logs/$name.rc" 2>/dev/null || echo 1)
	if [[ $rc == 0 && -f $outdir/$name ]]; then
		printf '%s\n' "${fx_rows[$i]}" >>"$outdir/fixtures.tsv.tmp"
		built=$((built + 1))
	elif [[ ${fx_required[$i]} == req ]]; then
		log "error: required fixture $name failed to build:"
		sed 's/^/    /' "$outdir/.logs/$name.log" >&2 || true
		failed=$((failed + 1))
	else
		log "warning: optional fixture $name could not be built, skipping it:"
		sed 's/^/    /' "$outdir/.logs/$name.log" >&2 || true
		rm -f "$outdir/$name"
	fi
done
# c-shared also writes a C header next to the library; it is not a fixture.
rm -f "$outdir/cgolibc-amd64-cgo1-c-shared.h"

if ((failed > 0)); then
	rm -f "$outdir/fixtures.tsv.tmp"
	die "$failed required fixture build(s) failed"
fi

mv "$outdir/fixtures.tsv.tmp" "$outdir/fixtures.tsv"
log "$built fixtures built in $outdir in $((SECONDS - start_time))s"
echo "$hash" >"$outdir/.stamp"
finish_stamp
