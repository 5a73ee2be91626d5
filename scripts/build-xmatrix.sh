#!/usr/bin/env bash
# build-xmatrix.sh OUTDIR [STAMP]
#
# Builds the -ldflags=-X verdict matrix for tests/oracle_xmatrix.py: the program
# tests/fixtures/src/xprog (every way a string variable can be initialised, in
# package main and in another package) linked with one set of -X flags
# (XP_FLAGS below: targets that exist, a typo that shares a value with a real
# target, a wrong case, a short import path, a const, a variable the linker
# drops) across GOOS, GOARCH, build mode, linker and stripping. Writes
# OUTDIR/manifest.tsv (tab separated, header line):
#
#   name goos goarch mode link strip twin ldflags
#
#   mode   exe or pie
#   link   internal, external (cgo, -linkmode=external) or static (external with
#          -extldflags=-static)
#   strip  none, s (-s), sw (-s -w), strip (llvm-strip --strip-all after the
#          build), trim (-trimpath), trimsw (-trimpath -s -w), 2ldflags (two
#          -ldflags flags: only the last one counts)
#   twin   the unstripped build of the same program and flags (itself for none)
#   ldflags the recorded -ldflags, several joined with '|'
#
# Optional rows (a cross linker the host lacks) are left out with a warning; the
# test says what it covered. Re-running is a no-op when nothing changed (hash in
# OUTDIR/.stamp). Hermetic like build-fixtures.sh: GOPROXY=off, GOCACHE under
# $LP_GOCACHE or OUTDIR/.go, no VCS stamping.
set -euo pipefail

log() { printf 'build-xmatrix: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 OUTDIR [STAMP]"

script_path=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
src=$(cd "$(dirname "$script_path")/.." && pwd)/tests/fixtures/src/xprog
[[ -d $src ]] || die "program not found: $src"
# LP_XMATRIX_CACHE: build there and make OUTDIR a link to it, so that several build
# trees (gcc, ASan) share one matrix (the Makefile sets it)
if [[ -n ${LP_XMATRIX_CACHE:-} ]]; then
	mkdir -p "$LP_XMATRIX_CACHE" "$(dirname "$1")"
	[[ -L $1 || ! -e $1 ]] || rm -rf "$1"
	ln -sfn "$(cd "$LP_XMATRIX_CACHE" && pwd)" "$1"
fi
mkdir -p "$1"
out=$(cd "$1" && pwd -P)
stamp=${2:-}

unset GOOS GOARCH GOFLAGS GOARM GO386 GOAMD64 GOMIPS GOMIPS64 GOPPC64 GOEXPERIMENT GOWORK \
	GOBIN GOENV GOTOOLCHAIN CGO_ENABLED CGO_CFLAGS CGO_CPPFLAGS CGO_CXXFLAGS CGO_LDFLAGS
command -v go >/dev/null || die "go not found in PATH"
strip_tool=$(command -v llvm-strip || command -v llvm-strip-14 || true)

hash=$({ sha256sum <"$script_path"; go version; echo "$strip_tool";
	(cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); } |
	sha256sum | cut -d' ' -f1)
finish() { [[ -z $stamp ]] || { mkdir -p "$(dirname "$stamp")"; touch "$stamp"; }; }
if [[ -f $out/.stamp && -f $out/manifest.tsv && $(<"$out/.stamp") == "$hash" ]]; then
	finish
	exit 0
fi

gocache=${LP_GOCACHE:-$out/.go}
mkdir -p "$gocache"
gocache=$(cd "$gocache" && pwd)
export GOCACHE=$gocache/cache GOPATH=$gocache/path GOMODCACHE=$gocache/path/pkg/mod
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GO111MODULE=on GOWORK=off GOENV=off
export GONOSUMDB='*' GOSUMDB=off GOTELEMETRY=off
[[ -n ${HOME:-} ]] || { export HOME=$gocache/home; mkdir -p "$HOME"; }

rm -f "$out/.stamp" "$out/manifest.tsv"
rm -rf "$out/bin" "$out/.logs" "$out/src"
mkdir -p "$out/bin" "$out/.logs"
cp -R "$src" "$out/src"

P=example.com/xprog/internal/ver
XP_FLAGS="-X main.mPlain=p1 -X main.mConst=p2 -X main.mCall=p3 -X main.mInit=p4 -X main.mCond=p5 -X main.mRead=p6 -X $P.Plain=v1 -X $P.Const=v2 -X $P.Call=v3 -X $P.Init=v4 -X $P.Dropped=v5 -X main.mPlian=p1 -X main.MPlain=t2 -X internal/ver.Plain=t3 -X $P.Konst=t4"

jobs=${LP_FIXTURE_JOBS:-$(nproc 2>/dev/null || echo 2)}
running=0
rows=()

# one NAME GOOS GOARCH MODE LINK STRIP REQUIRED
one() {
	local name=$1 goos=$2 arch=$3 mode=$4 link=$5 strip=$6 req=$7
	local cgo=0 twin="$goos-$arch-$mode-$link-none"
	local -a ld=("-ldflags=$XP_FLAGS") extra=() pre=()
	local rec="$XP_FLAGS"
	case $link in
	external) cgo=1; pre=(-linkmode=external) ;;
	static) cgo=1; pre=(-linkmode=external '-extldflags=-static') ;;
	esac
	case $strip in
	s) pre+=(-s) ;;
	sw) pre+=(-s -w) ;;
	trim) extra=(-trimpath) ;;
	trimsw) extra=(-trimpath); pre+=(-s -w) ;;
	2ldflags) ;;
	esac
	if ((${#pre[@]})); then
		local p
		p=$(printf '%s ' "${pre[@]}")
		rec="$p$XP_FLAGS"
		ld=("-ldflags=$rec")
	fi
	if [[ $strip == 2ldflags ]]; then
		ld=('-ldflags=-X main.mOther=lost' "-ldflags=$XP_FLAGS")
		rec="-X main.mOther=lost|$XP_FLAGS"
	fi
	[[ $strip == none || $strip == 2ldflags ]] && twin=$name
	rows+=("$name	$goos	$arch	$mode	$link	$strip	$twin	$rec	$req")
	while ((running >= jobs)); do wait -n || true; running=$((running - 1)); done
	(
		cd "$out/src"
		local -a env=(GOOS="$goos" GOARCH="$arch" CGO_ENABLED="$cgo")
		[[ $arch == arm ]] && env+=(GOARM=7)
		local strip_after=0 bname=$name
		if [[ $strip == strip ]]; then strip_after=1; fi
		if env "${env[@]}" go build -buildvcs=false -o "$out/bin/$bname" "-buildmode=$mode" \
			${extra[@]+"${extra[@]}"} "${ld[@]}" . >"$out/.logs/$name.log" 2>&1 &&
			{ ((strip_after == 0)) || "$strip_tool" --strip-all "$out/bin/$bname" >>"$out/.logs/$name.log" 2>&1; }; then
			echo ok >"$out/.logs/$name.rc"
		else
			echo fail >"$out/.logs/$name.rc"
		fi
	) &
	running=$((running + 1))
}

strips=(none s sw strip trim trimsw)
[[ -n $strip_tool ]] || { log "warning: llvm-strip not found: no strip-after-build rows"; strips=(none s sw trim trimsw); }
for arch in amd64 386 arm64 arm s390x ppc64le riscv64 mips ppc64 mipsle mips64 mips64le loong64; do
	for s in "${strips[@]}"; do
		one "linux-$arch-exe-internal-$s" linux "$arch" exe internal "$s" req
	done
done
for arch in amd64 arm64 ppc64le; do
	for s in "${strips[@]}"; do
		one "linux-$arch-pie-internal-$s" linux "$arch" pie internal "$s" req
	done
done
for mode in exe pie; do
	for s in none sw strip; do
		[[ $s == strip && -z $strip_tool ]] && continue
		one "linux-amd64-$mode-external-$s" linux amd64 "$mode" external "$s" opt
	done
done
for s in none sw strip; do
	[[ $s == strip && -z $strip_tool ]] && continue
	one "linux-amd64-exe-static-$s" linux amd64 exe static "$s" opt
done
one linux-amd64-exe-internal-2ldflags linux amd64 exe internal 2ldflags req
for arch in amd64 arm64; do
	for s in none sw trimsw; do
		one "darwin-$arch-exe-internal-$s" darwin "$arch" exe internal "$s" req
	done
done
for arch in amd64 386; do
	for s in none sw trimsw; do
		one "windows-$arch-exe-internal-$s" windows "$arch" exe internal "$s" req
	done
done
wait

printf 'name\tgoos\tgoarch\tmode\tlink\tstrip\ttwin\tldflags\n' >"$out/manifest.tsv.tmp"
built=0 failed=0
for row in "${rows[@]}"; do
	IFS=$'\t' read -r name _ _ _ _ _ _ _ req <<<"$row"
	if [[ $(cat "$out/.logs/$name.rc" 2>/dev/null) == ok ]]; then
		printf '%s\n' "${row%	*}" >>"$out/manifest.tsv.tmp"
		built=$((built + 1))
	elif [[ $req == req ]]; then
		log "error: $name failed:"; sed 's/^/    /' "$out/.logs/$name.log" >&2
		failed=$((failed + 1))
	else
		log "warning: optional $name not built:"; sed 's/^/    /' "$out/.logs/$name.log" >&2
		rm -f "$out/bin/$name"
	fi
done
((failed == 0)) || die "$failed required build(s) failed"
mv "$out/manifest.tsv.tmp" "$out/manifest.tsv"
log "$built builds in $out"
echo "$hash" >"$out/.stamp"
finish
