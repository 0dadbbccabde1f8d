# Thin driver over CMake. `make demo` and `make test` work on a fresh
# Debian 12 machine: they install missing Debian packages first
# (scripts/install-deps.sh says what it installs).
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-asan bench bench-quick docs install clean fuzz lint validate conformance valgrind

all: build

deps:
	@scripts/install-deps.sh build test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	@examples/demo.sh $(BUILD)/partreg

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DPARTREG_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(BUILD)-asan --output-on-failure -j$(JOBS)

conformance: build
	@python3 ../shared/conformance/check $(BUILD)/partreg

bench: build
	@scripts/install-deps.sh bench
	@bench/run.sh $(BUILD)

bench-quick: build
	@scripts/install-deps.sh bench
	@bench/run.sh $(BUILD) --quick

# Monte Carlo validation study (slow: 5-9 CPU-minutes, 3-5 minutes on two
# idle cores; not part of make test). docs/validation.md has the results.
validate: build
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
valgrind: build
	@VALGRIND_SKIP="$${VALGRIND_SKIP-test_robust_oom test_speed_paths}" scripts/valgrind.sh $(BUILD)

lint:
	@scripts/install-deps.sh lint
	@scripts/lint.sh

clean:
	@rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz docs/api
