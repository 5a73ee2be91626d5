#!/usr/bin/env bash
# example.sh BUILDDIR: build two example Go programs and run `linkproof
# inspect` and `linkproof deps` on them: app (-X flags, cgo on, a real libc dependency) and static1
# (cgo on, yet static: the note shows where the build record and binary differ).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=$build/example
mkdir -p "$out"
export GOCACHE=${LP_GOCACHE:-$build/gocache} GOPATH=$out/gopath GOFLAGS=-mod=mod GOPROXY=off
export GO111MODULE=on CGO_ENABLED=1 HOME=${HOME:-/root}
(cd "$root/tests/fixtures/src/app" && go build -buildvcs=false -o "$out/app" \
  -ldflags="-X main.version=1.2.3 -X example.com/app/internal/version.Version=4.5.6" .)
(cd "$root/tests/fixtures/src/static1" && go build -buildvcs=false -o "$out/static1" .)
echo "\$ linkproof inspect $out/app $out/static1"
"$build/linkproof" inspect "$out/app" "$out/static1"
echo
echo "\$ linkproof deps $out/app $out/static1"
"$build/linkproof" deps "$out/app" "$out/static1"
