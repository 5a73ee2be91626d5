# linkproof: the README's commands. Meson + Ninja do the work; these targets
# install what is missing first, so they work on a fresh Debian machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
CLANG_BUILD ?= build-clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 120
export LP_GOCACHE ?= $(CURDIR)/$(BUILD)/gocache
export LP_XMATRIX_CACHE ?= $(CURDIR)/$(BUILD)/xmatrix-cache

.PHONY: all deps build example test test-gcc test-asan test-clang fuzz bench clean

all: build

deps:
	bash scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD)

# Only the tool: the test prerequisites (Go fixtures, the corpus) come with `make test`.
build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) linkproof

# The main job on a built-in example.
example: build
	bash scripts/example.sh $(BUILD)

# Every test: gcc build, all of it again under ASan+UBSan, and clang (ASan+UBSan) with its unit and fuzz-replay tests.
test: deps test-gcc test-asan test-clang

test-gcc: build
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs

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
fuzz: deps $(FUZZ_BUILD)/build.ninja build
	ninja -C $(FUZZ_BUILD)
	ninja -C $(BUILD) tests/fixtures.stamp
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(BUILD)/tests/fixtures $(FUZZ_SECONDS)

bench: build
	ninja -C $(BUILD) tests/fixtures.stamp tests/corpus.txt
	bash bench/buildinfo.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt
	bash bench/funcs.sh $(BUILD)/tests/corpus.txt
	bash bench/probe.sh
	bash bench/fingerprint.sh $(BUILD)/tests/corpus.txt
	bash bench/deps.sh
	bash bench/image.sh
	bash bench/registry.sh $(BUILD)/tests/fixtures
	bash bench/scan.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt
	bash bench/vulns.sh $(BUILD)/tests/fixtures $(BUILD)/tests/corpus.txt

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(FUZZ_BUILD)
