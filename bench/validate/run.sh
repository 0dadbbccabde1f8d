#!/usr/bin/env bash
# Monte Carlo validation studies (slow: 6-10 CPU-minutes, 3-6 minutes on two
# idle cores, and the small-sample studies of small_samples.c a few more;
# not part of `make test`).
#
#   bench/validate/run.sh [BUILD_DIR] [R [n [C [SEED [PROFILE [C2 [THREADS]]]]]]]
#   (defaults: build 1000 2000 40 1000001 1 100 all-cores)
#
# Builds bench/validate/validate.c against BUILD_DIR/libpartreg.a (with the
# link flags of the build's partreg.pc), runs it, then the size study of
# the ordinal tests (ordinal_tests.c; its arguments R n SEED THREADS from
# ORDINAL_TESTS_ARGS), and writes the markdown tables to
# BUILD_DIR/validation.md (docs/validation.md quotes a run). Exits non-zero
# when a check of docs/validation.md fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true
pc=$build/partreg.pc.in
[ -f "$pc" ] || pc=$build/partreg.pc
[ -f "$build/libpartreg.a" ] || { echo "validate: build first (no $build/libpartreg.a)" >&2; exit 2; }
requires=$(sed -n 's/^Requires: *//p' "$pc")
private=$(sed -n 's/^Libs.private: *//p' "$pc")
# shellcheck disable=SC2086
cc -O2 -std=c11 -pthread -I"$src/include" $(pkg-config --cflags $requires) "$here/validate.c" \
   "$build/libpartreg.a" $private $(pkg-config --libs $requires) -o "$build/validate"
# shellcheck disable=SC2086
cc -O2 -std=c11 -pthread -I"$src/include" $(pkg-config --cflags $requires) "$here/small_samples.c" \
   "$build/libpartreg.a" $private $(pkg-config --libs $requires) -o "$build/small_samples"
status=0
"$build/validate" "$@" | tee "$build/validation.md" || status=1
# The survey-design study (docs/validation.md, "Survey designs"): about a
# minute on one core.
# shellcheck disable=SC2086
cc -O2 -std=c11 -I"$src/include" $(pkg-config --cflags $requires) "$here/survey_validate.c" \
   "$build/libpartreg.a" $private $(pkg-config --libs $requires) -o "$build/survey_validate"
"$build/survey_validate" ${SURVEY_VALIDATE_ARGS:-} | tee "$build/validation_survey.md" || status=1
# the small-sample studies: CR2 and t(G - 1) at few clusters, Firth's
# bias, Rubin pooling under MAR (SMALL_R replications, default 1000)
"$build/small_samples" "${SMALL_R:-1000}" 2000001 ${7:-} | tee -a "$build/validation.md" || status=1
# the size of the tests of ordinal models under the null (docs/validation.md)
# shellcheck disable=SC2086
cc -O2 -std=c11 -pthread -I"$src/include" $(pkg-config --cflags $requires) \
   "$here/ordinal_tests.c" "$build/libpartreg.a" $private $(pkg-config --libs $requires) \
   -o "$build/ordinal_tests"
"$build/ordinal_tests" ${ORDINAL_TESTS_ARGS:-} | tee -a "$build/validation.md" || status=1
# The random-intercept study (docs/validation.md, "Community random
# intercepts"): coverage of the fixed effects and the sd with 40
# communities; about 40 CPU-seconds.
# shellcheck disable=SC2086
cc -O2 -std=c11 -I"$src/include" $(pkg-config --cflags $requires) "$here/ri_validate.c" \
   "$build/libpartreg.a" $private $(pkg-config --libs $requires) -o "$build/ri_validate"
"$build/ri_validate" ${RI_VALIDATE_ARGS:-} | tee "$build/validation_ri.md" || status=1
exit $status
