#!/usr/bin/env bash
# The AVX2 clones of the row kernels (rank_update.c, row_products.c, the
# logit loops of binary.c and ordinal.c) give the same bits as the baseline
# code: a second build with -DPARTREG_NO_CLONES (baseline only) must print
# the same JSON, numbers to 17 digits, for a binary and an ordinal logit
# fit of the bundled survey. On a machine without AVX2 both builds run the
# baseline and the check is trivially true. Skipped (77) in sanitizer
# builds, which run every test once more. Usage: cli_noclone.sh BUILD SOURCE
set -euo pipefail
build=$1 src=$2
grep -q '^PARTREG_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && exit 77
grep -q '^CMAKE_C_COMPILER:.*clang' "$build/CMakeCache.txt" 2>/dev/null && exit 77
nc=$build/noclone-check
cmake -S "$src" -B "$nc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-DPARTREG_NO_CLONES \
  -DPARTREG_BUILD_TESTS=OFF -DPARTREG_BUILD_BENCH=OFF > /dev/null
cmake --build "$nc" --target partreg_cli -j2 > /dev/null 2>&1 ||
  cmake --build "$nc" -j2 > /dev/null
data=$src/examples/data/participation_survey.csv
fail=0
x="social_capital+insured+age+education+log(income)"
for args in "--formula participated~$x --levels no,yes" "--formula willingness~$x --vcov hc1"; do
  # shellcheck disable=SC2086
  "$build/partreg" fit "$data" $args --format json > "$nc/with.json"
  # shellcheck disable=SC2086
  "$nc/partreg" fit "$data" $args --format json > "$nc/without.json"
  if ! cmp -s "$nc/with.json" "$nc/without.json"; then
    echo "FAIL: $args differs between the build with AVX2 clones and the baseline-only build"
    diff "$nc/with.json" "$nc/without.json" | head -20
    fail=1
  fi
done
[ $fail = 0 ] && echo "cli_noclone: the same bits with and without the AVX2 clones"
exit $fail
