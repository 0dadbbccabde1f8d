# Thin driver over CMake. `make demo` and `make test` work on a fresh
# Debian 12 machine: they install missing Debian packages first
# (scripts/install-deps.sh says what it installs), as do the other targets
# a user may run first (test-asan, test-clang, validate, valgrind, bench,
# docs, fuzz, lint). `make build` and `make install` install nothing: `make deps` does.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps deps-bench build demo tutorial test test-asan test-clang test-portable bench bench-quick docs install clean fuzz lint validate conformance valgrind

# Prerequisites are made in the order listed (deps before build).
.NOTPARALLEL:

all: build

deps:
	@scripts/install-deps.sh build test

deps-bench:
	@scripts/install-deps.sh bench

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: deps build
	@examples/demo.sh $(BUILD)/partreg

# Regenerate the outputs of docs/tutorial.md by running its commands
# (make test checks they have not drifted: tests/cli_tutorial.sh).
tutorial: build
	@scripts/tutorial.sh $(BUILD) --write

test: deps build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DPARTREG_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(BUILD)-asan --output-on-failure -j$(JOBS)

# The whole suite built by clang with warnings as errors (CI; the gcc
# build is checked the same way with CMAKE_FLAGS=-DPARTREG_WERROR=ON).
test-clang:
	@scripts/install-deps.sh test clang
	@CC=clang cmake -S . -B $(BUILD)-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARTREG_WERROR=ON >/dev/null
	@cmake --build $(BUILD)-clang -j$(JOBS)
	@ctest --test-dir $(BUILD)-clang --output-on-failure -j$(JOBS)

# The portable build, with warnings as errors (CI): the reference and
# scalar kernel routes in plain C, no vector extensions or target
# attributes (CMake option PARTREG_PORTABLE).
test-portable:
	@scripts/install-deps.sh test
	@cmake -S . -B $(BUILD)-portable -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARTREG_PORTABLE=ON -DPARTREG_WERROR=ON -DPARTREG_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-portable -j$(JOBS)
	@ctest --test-dir $(BUILD)-portable --output-on-failure -j$(JOBS)

conformance: build
	@python3 ../shared/conformance/check $(BUILD)/partreg

bench: deps-bench build
	@bench/run.sh $(BUILD)
	@bench/analysis.sh $(BUILD) > /dev/null
	@bench/read_csv.sh $(BUILD) | tee bench/data/read_csv.md
	@bench/ri.sh $(BUILD)
	@bench/bindings.sh $(BUILD)

bench-quick: deps-bench build
	@bench/run.sh $(BUILD) --quick

# Monte Carlo validation study (slow: 6-10 CPU-minutes, 3-6 minutes on two
# idle cores; not part of make test). docs/validation.md has the results.
validate: deps build
	@bench/validate/run.sh $(BUILD)

docs:
	@scripts/install-deps.sh docs
	@doxygen docs/Doxyfile

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

fuzz:
	@scripts/install-deps.sh fuzz
	@CC=clang cmake -S . -B $(BUILD)-fuzz -DPARTREG_FUZZ=ON -DPARTREG_BUILD_TESTS=OFF -DPARTREG_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(BUILD)-fuzz -j$(JOBS) --target $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
	@tests/fuzz/run.sh $(BUILD)-fuzz $${FUZZ_SECONDS:-120}

# The library tests under valgrind --leak-check=full (slow; ASan's leak
# checker covers the same in make test-asan).
valgrind: deps build
	@VALGRIND_SKIP="$${VALGRIND_SKIP-test_robust_oom test_speed_paths}" scripts/valgrind.sh $(BUILD)

lint:
	@scripts/install-deps.sh build lint
	@scripts/lint.sh

clean:
	@rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-clang $(BUILD)-portable $(BUILD)-fuzz docs/api
