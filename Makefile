# linkproof: the README's commands. Meson + Ninja do the work; these targets
# install what is missing first, so they work on a fresh Debian machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
CLANG_BUILD ?= build-clang
FUZZ_BUILD ?= build-fuzz
STATIC_BUILD ?= build-static
IMAGE_DIR  ?= $(STATIC_BUILD)/image
FUZZ_SECONDS ?= 120
export LP_GOCACHE ?= $(CURDIR)/$(BUILD)/gocache
export LP_XMATRIX_CACHE ?= $(CURDIR)/$(BUILD)/xmatrix-cache

.PHONY: all deps build example test test-gcc test-asan test-clang fuzz bench clean static image deps-build deps-static deps-example tests-on

all: build

# the packages by use (scripts/install-deps): `make build` installs only what building the CLI needs
deps:
	bash scripts/install-deps test

deps-build:
	bash scripts/install-deps build

deps-static:
	bash scripts/install-deps static

deps-example:
	bash scripts/install-deps example

# set up without the tests (their packages come with `make test`, which switches them on)
$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false

# Only the tool: the test prerequisites (Go fixtures, the corpus) come with `make test`.
build: deps-build $(BUILD)/build.ninja
	ninja -C $(BUILD) linkproof

# One static executable, every feature inside (docs/static.md): $(STATIC_BUILD)/linkproof
$(STATIC_BUILD)/build.ninja:
	meson setup $(STATIC_BUILD) -Dstatic=true -Dtests=false -Dbuildtype=release

static: deps-static $(STATIC_BUILD)/build.ninja
	ninja -C $(STATIC_BUILD) linkproof

# linkproof's own OCI image FROM scratch, without a container engine (docs/static.md):
# $(IMAGE_DIR)/oci (layout) and $(IMAGE_DIR)/linkproof-oci.tar; SOURCE_DATE_EPOCH is honoured
image: static
	python3 scripts/make-image.py --binary $(STATIC_BUILD)/linkproof \
	  --layout $(IMAGE_DIR)/oci --tarball $(IMAGE_DIR)/linkproof-oci.tar

# The main job on a built-in example.
example: deps-example build
	bash scripts/example.sh $(BUILD)

# Every test: gcc build, all of it again under ASan+UBSan, and clang (ASan+UBSan) with its unit and fuzz-replay tests.
test: deps test-gcc test-asan test-clang

# $(BUILD) with its tests switched on (`make build` sets it up without them)
tests-on: deps build
	meson configure $(BUILD) -Dtests=true

# the static suite tests $(STATIC_BUILD)'s executable (tests/static_*.py)
test-gcc: tests-on static
	ninja -C $(BUILD)
	LP_STATIC_BIN=$(CURDIR)/$(STATIC_BUILD)/linkproof meson test -C $(BUILD) --print-errorlogs

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs

# clang with its own sanitizers: its UBSan also checks pointer arithmetic (e.g. NULL + 0)
$(CLANG_BUILD)/build.ninja:
	CC=clang meson setup $(CLANG_BUILD) -Dfixtures=false -Db_sanitize=address,undefined -Db_lundef=false

test-clang: deps $(CLANG_BUILD)/build.ninja
	ninja -C $(CLANG_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(CLANG_BUILD) --print-errorlogs

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dfixtures=false

# Run each libFuzzer harness for FUZZ_SECONDS; crashes land in fuzz/out/.
fuzz: deps $(FUZZ_BUILD)/build.ninja tests-on
	ninja -C $(FUZZ_BUILD)
	ninja -C $(BUILD) tests/fixtures.stamp
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(BUILD)/tests/fixtures $(FUZZ_SECONDS)

bench: tests-on static
	ninja -C $(BUILD) tests/fixtures.stamp tests/corpus.txt
	bash bench/buildinfo.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt
	bash bench/funcs.sh $(BUILD)/tests/corpus.txt
	bash bench/probe.sh
	bash bench/fingerprint.sh $(BUILD)/tests/corpus.txt
	bash bench/deps.sh
	bash bench/image.sh
	bash bench/registry.sh $(BUILD)/tests/fixtures
	bash bench/exporter.sh
	LP_BIN=$(BUILD)/linkproof LP_STATIC_BIN=$(STATIC_BUILD)/linkproof bash bench/static.sh
	bash bench/scan.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt
	bash bench/vulns.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(FUZZ_BUILD) $(STATIC_BUILD)
