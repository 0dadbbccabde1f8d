#!/usr/bin/env bash
# Survey designs over rows read in blocks: `partreg-mpi fit` at -np 2 and
# -np 3, and `partreg fit --out-of-core`, must print the JSON of `partreg
# fit` in memory byte for byte (the binary diagnostics, which need every
# row, are left out): strata + PSUs + fpc, a subpopulation, lonely PSUs
# (certainty, centered, scaled), PSUs dropped by listwise deletion, an
# ordinal design; and a simulated survey with its rows shuffled, so that
# every PSU has rows in every process's share, PSU ids repeated across
# strata, and out of core in small blocks. The errors of the whole design
# (a lonely PSU, an fpc that changes in the last process's share, a bad
# subpopulation value) are the one-process messages. Skipped (77) when the
# build has no MPI or mpirun is missing.
# Usage: cli_mpi_design.sh BUILD SOURCE
set -u
NAME=cli_mpi_design
BUILD=$1
SRC=$2
SURVEY=$SRC/tests/cases/survey
NEXT=$SRC/../shared/conformance/next
. "$SRC/tests/mpi_compare.sh"

# same DIR DATA ARGS...: in memory, then -np 2, -np 3 and out of core
same() {
    local dir=$1 data=$2
    shift 2
    (cd "$dir" && "$BIN" fit "$data" "$@" --format json --threads 1 >"$TMP/a.json" 2>"$TMP/a.err")
    local ra=$? how rb
    for how in 2 3 ooc; do
        if [ "$how" = ooc ]; then
            (cd "$dir" && "$BIN" fit "$data" "$@" --format json --threads 1 --out-of-core \
                --memory 64K --tmpdir "$TMP" >"$TMP/b.json" 2>"$TMP/b.err")
        else
            (cd "$dir" && mpi "$how" "$MPI_BIN" fit "$data" "$@" --format json --threads 1 \
                >"$TMP/b.json" 2>"$TMP/b.err")
        fi
        rb=$?
        [ "$ra" -eq "$rb" ] || { fail "$(basename "$data") $* ($how): exit $ra in memory, $rb in blocks: $(head -c 400 "$TMP/b.err")"; continue; }
        if [ "$ra" -eq 0 ]; then
            compare "$TMP/a.json" "$TMP/b.json" >"$TMP/diff" ||
                fail "$(basename "$data") $* ($how): the JSON differs: $(head -c 3000 "$TMP/diff")"
        else
            # (mpirun adds its own lines after partreg's)
            [ "$(head -n 1 "$TMP/a.err")" = "$(head -n 1 "$TMP/b.err")" ] ||
                fail "$(basename "$data") $* ($how): another message: $(head -c 400 "$TMP/b.err")"
        fi
    done
}

case_args() {
    python3 - "$1" <<'PY'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
print(shlex.quote(c["data"]), " ".join(shlex.quote(a) for a in c["args"]))
PY
}

for c in apiclus1_api4_oprobit_design apiclus1_awards_logit_subpop_stypeM \
         apiclus2_awards_logit_psu_dropped apistrat_lonely_logit_centered \
         nhanes_hichol_logit_subpop nhanes_lonely_logit_certainty nhanes_lonely_logit_scaled; do
    [ -f "$SURVEY/$c.json" ] || { fail "$c.json not found"; continue; }
    eval "set -- $(case_args "$SURVEY/$c.json")"
    same "$SURVEY" "$@"
done
if [ -f "$NEXT/shared_nhanes_hichol_logit_design.json" ]; then
    eval "set -- $(case_args "$NEXT/shared_nhanes_hichol_logit_design.json")"
    same "$NEXT" "$@"
fi

# a lonely PSU under the default rule: the one-process message
same "$SURVEY" ../../data/nhanes_lonely.csv --formula "HI_CHOL ~ agecat" \
    --sampling-weights WTMEC2YR --strata SDMVSTRA --psu SDMVPSU

# a simulated survey: strata (gender), PSUs (communities, their ids in both
# strata), sampling weights and an fpc per stratum; rows shuffled
"$BIN" simulate --n 30000 --communities 120 --seed 17 --out "$TMP/sim.csv" >/dev/null ||
    fail "simulate"
(head -n 1 "$TMP/sim.csv" | sed 's/$/,sw,fpc/'
 tail -n +2 "$TMP/sim.csv" | awk -F, 'BEGIN { srand(3) } {
     print rand() "\t" $0 "," (1 + (NR % 7) / 4) "," ($7 == "male" ? 400 : 500) }' |
    sort -k1,1 | cut -f2-) >"$TMP/design.csv"
F="participated ~ social_capital + age + education + log(income)"
same "$TMP" design.csv --formula "$F" --sampling-weights sw --strata gender --psu community --fpc fpc
same "$TMP" design.csv --formula "willingness ~ social_capital + age + insured" \
    --sampling-weights sw --psu community --subpop "education=tertiary"
# every row its own PSU, within strata
same "$TMP" design.csv --formula "$F" --sampling-weights sw --strata gender

# an fpc that changes within a stratum in the last process's share: the
# row of the whole design in the message
awk -F, 'BEGIN { OFS = "," } NR == 28001 { $12 = $12 + 1 } { print }' "$TMP/design.csv" \
    >"$TMP/fpc.csv"
same "$TMP" fpc.csv --formula "$F" --sampling-weights sw --strata gender --psu community --fpc fpc
grep -q "the fpc varies within stratum" "$TMP/a.err" || fail "fpc: $(head -c 400 "$TMP/a.err")"
# a subpopulation column with a value that is not 0/1: its line
awk -F, 'BEGIN { OFS = "," } NR == 1 { $0 = $0 ",dom" } NR > 1 { $0 = $0 "," (NR == 25002 ? "maybe" : NR % 2) } { print }' \
    "$TMP/design.csv" >"$TMP/sub.csv"
same "$TMP" sub.csv --formula "$F" --sampling-weights sw --psu community --subpop dom
grep -q "line 25002 has 'maybe'" "$TMP/a.err" || fail "subpop: $(head -c 400 "$TMP/a.err")"

# the design's own checks: sampling weights all zero, a replicate scheme
# without replicate weights
awk -F, 'BEGIN { OFS = "," } NR > 1 { $11 = 0 } { print }' "$TMP/design.csv" >"$TMP/zero.csv"
same "$TMP" zero.csv --formula "$F" --sampling-weights sw --psu community
grep -q "the sampling weights are all zero" "$TMP/a.err" || fail "zero: $(head -c 400 "$TMP/a.err")"
same "$TMP" design.csv --formula "$F" --sampling-weights sw --psu community --rep-type brr

# what a fit read in blocks does not offer, with the way out
mpi 3 "$MPI_BIN" fit "$SURVEY/../../data/apistrat.csv" --formula "awards ~ meals" \
    --sampling-weights pw --repweights "bs*" --rep-type bootstrap >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "--repweights: wanted exit 1"
grep -q -- "replicate weights (--repweights): not available .*raise --memory" "$TMP/err" ||
    fail "--repweights: $(head -c 400 "$TMP/err")"
mpi 2 "$MPI_BIN" fit "$TMP/design.csv" --formula "$F" --sampling-weights sw --psu community \
    --memory 256K >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "a share out of core: wanted exit 1"
grep -q "a survey design in a distributed fit needs each process's share" "$TMP/err" ||
    fail "a share out of core: $(head -c 400 "$TMP/err")"

if [ "$fails" -ne 0 ]; then
    echo "cli_mpi_design: $fails failure(s)"
    exit 1
fi
echo "cli_mpi_design: ok"
