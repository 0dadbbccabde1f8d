#!/usr/bin/env bash
# Static analysis of lib/ (`make lint`): clang-tidy with the committed
# .clang-tidy (warnings are errors) and cppcheck with the committed
# .cppcheck-suppressions (each suppression says why). Exits non-zero on any
# finding. Usage: scripts/lint.sh [BUILD_DIR]   (default build-lint; it is
# configured here only to get compile_commands.json and the generated
# config header). JOBS (default nproc) clang-tidy processes run at once.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-lint}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
for tool in clang-tidy cppcheck; do
    command -v $tool >/dev/null || { echo "lint: $tool not installed (scripts/install-deps.sh lint)" >&2; exit 1; }
done
cmake -S . -B "$BUILD" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DPARTREG_BUILD_TESTS=OFF \
    -DPARTREG_BUILD_BENCH=OFF >/dev/null || exit 1
status=0

echo "== clang-tidy ($(clang-tidy --version | grep -o 'version [0-9.]*'), $JOBS jobs)"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
find lib -name '*.c' | sort | xargs -P "$JOBS" -n 4 clang-tidy -p "$BUILD" --quiet >"$LOG" 2>/dev/null
if grep -qE '(warning|error): ' "$LOG"; then
    grep -E '(warning|error): ' "$LOG" | sort -u
    echo "clang-tidy: $(grep -cE '(warning|error): ' "$LOG") finding(s)"
    status=1
else
    echo "clang-tidy: clean"
fi

echo "== cppcheck ($(cppcheck --version))"
if cppcheck --quiet --std=c11 --enable=warning,style,portability,performance --inline-suppr \
    --suppressions-list=.cppcheck-suppressions --error-exitcode=1 \
    -I include -I lib -I "$BUILD/generated" \
    --template='{file}:{line}: {severity}: {id}: {message}' lib; then
    echo "cppcheck: clean"
else
    status=1
fi
exit $status
