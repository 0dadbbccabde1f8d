#!/usr/bin/env bash
# `partreg simulate` as a user runs it.
#
#   bash tests/cli_simulate.sh BUILD_DIR SOURCE_DIR
#
# Checks: the bundled examples/data/participation_survey.csv is exactly what
# `partreg simulate` makes with the documented arguments (so it can always be
# regenerated); the same seed gives the same bytes and another seed does not;
# standard output when --out is absent; --show-truth prints the documented
# truth; bad arguments exit 2 and an unwritable file exits 1, each with a
# one-line message.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
BIN=$1/partreg
SRC=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/partreg-simulate.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "cli_simulate: FAIL: $*" >&2; FAILED=1; }

# the bundled survey
"$BIN" simulate --n 2000 --communities 40 --seed 20261126 --out "$TMP/survey.csv" >"$TMP/msg" ||
    fail "simulate with the documented arguments exited $?"
cmp -s "$TMP/survey.csv" "$SRC/examples/data/participation_survey.csv" ||
    fail "examples/data/participation_survey.csv differs from partreg simulate --seed 20261126 (regenerate it or fix the simulator)"
grep -q "2000 residents in 40 communities" "$TMP/msg" || fail "no summary line: $(cat "$TMP/msg")"

# determinism, other seeds, standard output
"$BIN" simulate --n 300 --communities 6 --seed 5 --out "$TMP/a.csv" >/dev/null || fail "simulate a"
"$BIN" simulate --n 300 --communities 6 --seed 5 >"$TMP/b.csv" || fail "simulate to stdout"
"$BIN" simulate --n 300 --communities 6 --seed 6 --out "$TMP/c.csv" >/dev/null || fail "simulate c"
cmp -s "$TMP/a.csv" "$TMP/b.csv" || fail "same seed, different bytes (file vs stdout)"
cmp -s "$TMP/a.csv" "$TMP/c.csv" && fail "seeds 5 and 6 gave the same file"
[ "$(wc -l <"$TMP/a.csv")" -eq 301 ] || fail "300 residents should make 301 lines"
head -1 "$TMP/a.csv" | grep -qx "community,social_capital,age,education,income,insured,gender,participated,willingness,participation_type" ||
    fail "unexpected header: $(head -1 "$TMP/a.csv")"

# the truth: alone it prints no data
"$BIN" simulate --show-truth >"$TMP/truth" || fail "--show-truth exited $?"
grep -q "^  (Intercept) *-4.2000 *-4.6667$" "$TMP/truth" || fail "--show-truth: no participation intercept"
grep -q "passive|cooperative" "$TMP/truth" || fail "--show-truth: no probit thresholds"
grep -q "^community," "$TMP/truth" && fail "--show-truth alone wrote data"
"$BIN" simulate --no-community-effect --show-truth | grep -q "bridge(phi = 1.0000)" ||
    fail "--no-community-effect does not switch the effects off"
"$BIN" simulate --help | grep -q "^usage: partreg simulate" || fail "--help"

# errors: one line each, exit 2 for usage and 1 for an unwritable file
expect() {
    local want=$1 pattern=$2
    shift 2
    "$BIN" simulate "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "simulate $*: exit $rc, want $want"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "simulate $*: want one line on stderr, got: $(cat "$TMP/err")"
    grep -q -- "$pattern" "$TMP/err" || fail "simulate $*: message '$(cat "$TMP/err")' lacks '$pattern'"
}
expect 2 "--seed" --seed 0
expect 2 "--seed" --seed 4294967296
expect 2 "--n" --n abc
expect 2 "--n" --n
expect 2 "cannot exceed" --n 10 --communities 11
expect 2 "unknown option" --frobnicate
expect 1 "cannot create" --n 10 --communities 2 --out /nonexistent-dir/x.csv

[ "$FAILED" -eq 0 ] && echo "cli_simulate: all checks passed"
exit "$FAILED"
