#!/usr/bin/env bash
# Run the library's cmocka tests (BUILD/tests/test_*) under
#   valgrind --leak-check=full --error-exitcode=1
# two at a time, and fail if any reports a memory error or a leak.
# Usage: scripts/valgrind.sh BUILD [JOBS]
# Environment: VALGRIND_SKIP="test_a test_b" skips tests by name (none by
# default; the whole set takes about 3 minutes on 2 cores);
# VALGRIND_TIMEOUT per-test seconds (default 600).
# Build BUILD without sanitizers (valgrind and ASan do not mix).
set -euo pipefail
BUILD=${1:?usage: scripts/valgrind.sh BUILD [JOBS]}
JOBS=${2:-2}
SKIP=${VALGRIND_SKIP:-}
TIMEOUT=${VALGRIND_TIMEOUT:-600}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed (scripts/install-deps.sh test)" >&2; exit 1; }
[ -d "$BUILD/tests" ] || { echo "valgrind.sh: no $BUILD/tests; build first" >&2; exit 1; }
if grep -q 'PARTREG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    echo "valgrind.sh: $BUILD is a sanitizer build; use a plain one" >&2
    exit 1
fi

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
tests=()
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    name=$(basename "$t")
    case " $SKIP " in *" $name "*) echo "valgrind.sh: skip $name"; continue ;; esac
    tests+=("$t")
done

run_one() {
    local t=$1 logs=$2 timeout=$3 name
    name=$(basename "$t")
    local start=$SECONDS
    if timeout "$timeout" valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=1 --track-origins=no "$t" >"$logs/$name.log" 2>&1; then
        echo "valgrind.sh: ok   $name ($((SECONDS - start)) s)"
    else
        echo "valgrind.sh: FAIL $name ($((SECONDS - start)) s)"
        touch "$logs/$name.failed"
    fi
}
export -f run_one

printf '%s\n' "${tests[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1" "$2" "$3"' _ {} "$LOGS" "$TIMEOUT"

failed=0
for f in "$LOGS"/*.failed; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .failed)
    echo "==== $name"
    tail -n 60 "$LOGS/$name.log"
    failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
    echo "valgrind.sh: $failed test(s) with memory errors or leaks"
    exit 1
fi
echo "valgrind.sh: ${#tests[@]} tests clean under valgrind"
