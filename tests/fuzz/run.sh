#!/usr/bin/env bash
# Run every libFuzzer harness (BUILD/tests/fuzz/fuzz_NAME) for SECONDS, all
# at once, each starting from its committed seed corpus
# tests/fuzz/corpus/NAME (read only: new inputs go to a scratch directory
# that is thrown away). Fails if
# any harness finds a crash, leak, hang or sanitizer report; the reproducer
# is kept as BUILD/fuzz-artifacts/NAME/crash-* (or leak-*, timeout-*) and
# named in the output. FUZZ_SEED (environment) fixes libFuzzer's seed so
# that a run retraces the same inputs (CI sets one: a red CI should mean a
# change broke something, not that this run's dice found an old bug);
# unset, every run explores afresh. Build first:
#   CC=clang cmake -S . -B BUILD -DPARTREG_FUZZ=ON -DPARTREG_BUILD_TESTS=OFF
#   cmake --build BUILD
# Usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]
set -uo pipefail
BUILD=${1:?usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]}
SECONDS_EACH=${2:?usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for src in "$HERE"/fuzz_*.c; do
        n=$(basename "$src" .c)
        names+=("${n#fuzz_}")
    done
fi

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
failed=0
# The harnesses run at the same time (each for SECONDS of wall time, CPU
# shared among them): CI's wall time is then SECONDS, not SECONDS per
# harness. Each one's exit code goes to SCRATCH/NAME.rc.
run_one() {
    local name=$1 bin=$BUILD/tests/fuzz/fuzz_$1 corpus=$HERE/corpus/$1 art=$BUILD/fuzz-artifacts/$1
    mkdir -p "$art" "$SCRATCH/$name"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb guards
    # against runaway allocation (reported as an out-of-memory finding)
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" "$SCRATCH/$name" "$corpus" -max_total_time="$SECONDS_EACH" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -artifact_prefix="$art/" \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
        >"$SCRATCH/$name.log" 2>&1
    echo $? >"$SCRATCH/$name.rc"
}
started=()
for name in "${names[@]}"; do
    bin=$BUILD/tests/fuzz/fuzz_$name
    corpus=$HERE/corpus/$name
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin not built" >&2
        failed=$((failed + 1))
        continue
    fi
    [ -d "$corpus" ] || { echo "fuzz: no seed corpus $corpus" >&2; failed=$((failed + 1)); continue; }
    echo "== fuzz_$name for ${SECONDS_EACH}s from $(ls "$corpus" | wc -l) seeds"
    run_one "$name" &
    started+=("$name")
done
wait
for name in "${started[@]}"; do
    art=$BUILD/fuzz-artifacts/$name
    rc=$(cat "$SCRATCH/$name.rc" 2>/dev/null || echo 1)
    echo -n "fuzz_$name: "
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$SCRATCH/$name.log" | tr '\n' ' '
    echo
    if [ "$rc" -ne 0 ]; then
        echo "fuzz_$name: FOUND A PROBLEM (exit $rc); reproducer(s): $(ls "$art" | tr '\n' ' ')"
        grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$SCRATCH/$name.log" | head -n 30
        failed=$((failed + 1))
    fi
done
if [ "$failed" -gt 0 ]; then
    echo "fuzz: $failed harness(es) failed"
    exit 1
fi
echo "fuzz: ${#names[@]} harness(es) clean"
