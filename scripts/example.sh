#!/usr/bin/env bash
# example.sh BUILDDIR: build the example Go program (tests/fixtures/src/app,
# with -X flags and cgo on) and run `linkproof inspect` on it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$build/example
mkdir -p "$out"
export GOCACHE=${LP_GOCACHE:-$build/gocache} GOPATH=$out/gopath GOFLAGS=-mod=mod GOPROXY=off
export GO111MODULE=on CGO_ENABLED=1 HOME=${HOME:-/root}
(cd "$root/tests/fixtures/src/app" && go build -buildvcs=false -o "$out/app" \
  -ldflags="-X main.version=1.2.3 -X example.com/app/internal/version.Version=4.5.6" .)
echo "\$ linkproof inspect $out/app"
"$build/linkproof" inspect "$out/app"
