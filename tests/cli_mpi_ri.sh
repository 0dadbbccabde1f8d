#!/usr/bin/env bash
# Random intercepts (1 | G) over MPI: `partreg-mpi fit` at -np 2 and -np 3
# must print the JSON of `partreg fit` in memory byte for byte (the binary
# diagnostics, which need every row, are left out): the reference cases
# of tests/cases/ri (binary and ordinal, Laplace and adaptive quadrature,
# case weights, sigma estimated at 0) and a simulated survey whose rows are
# shuffled, so that every community has residents in every process's
# share, with more rows than the warm start's subsample. The groups' own
# errors are the one-process messages; out of core (one process) a random
# intercept is refused with the reason. Skipped (77) when the build has no
# MPI or mpirun is missing.
# Usage: cli_mpi_ri.sh BUILD SOURCE
set -u
NAME=cli_mpi_ri
BUILD=$1
SRC=$2
RI=$SRC/tests/cases/ri
NEXT=$SRC/../shared/conformance/next
. "$SRC/tests/mpi_compare.sh"

# same DIR DATA ARGS...: in memory, then -np 2 and -np 3
same() {
    local dir=$1 data=$2
    shift 2
    (cd "$dir" && "$BIN" fit "$data" "$@" --format json --threads 1 >"$TMP/a.json" 2>"$TMP/a.err")
    local ra=$? np rb
    for np in 2 3; do
        (cd "$dir" && mpi "$np" "$MPI_BIN" fit "$data" "$@" --format json --threads 1 \
            >"$TMP/b.json" 2>"$TMP/b.err")
        rb=$?
        [ "$ra" -eq "$rb" ] || { fail "$(basename "$data") $* (-np $np): exit $ra alone, $rb over MPI: $(head -c 400 "$TMP/b.err")"; continue; }
        if [ "$ra" -eq 0 ]; then
            compare "$TMP/a.json" "$TMP/b.json" >"$TMP/diff" ||
                fail "$(basename "$data") $* (-np $np): the JSON differs: $(head -c 3000 "$TMP/diff")"
        else
            # (mpirun adds its own lines after partreg's)
            [ "$(head -n 1 "$TMP/a.err")" = "$(head -n 1 "$TMP/b.err")" ] ||
                fail "$(basename "$data") $* (-np $np): another message: $(head -c 400 "$TMP/b.err")"
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

for c in ri_cbpp_logit_laplace ri_cbpp_probit_agq15 ri_cbpp_logit_agq15_weights \
         ri_bacteria_cauchit_agq15 ri_verbagg_logit_laplace ri_soup_cloglog_agq15 \
         ri_wine_logit_agq10 ri_wine_bottle_logit_boundary ri_education_logit_boundary \
         ri_participation_type_probit_agq15; do
    [ -f "$RI/$c.json" ] || { fail "$c.json not found"; continue; }
    eval "set -- $(case_args "$RI/$c.json")"
    same "$RI" "$@"
done
if [ -f "$NEXT/shared_wine_ri_laplace.json" ]; then
    eval "set -- $(case_args "$NEXT/shared_wine_ri_laplace.json")"
    same "$NEXT" "$@"
fi

# 60,000 residents of 150 communities, shuffled: every community spans the
# shares; more rows than the warm start's subsample
"$BIN" simulate --n 60000 --communities 150 --seed 23 --out "$TMP/sim.csv" >/dev/null ||
    fail "simulate"
(head -n 1 "$TMP/sim.csv"
 tail -n +2 "$TMP/sim.csv" | awk 'BEGIN { srand(7) } { print rand() "\t" $0 }' |
    sort -k1,1 | cut -f2-) >"$TMP/shuffled.csv"
same "$TMP" shuffled.csv --formula "participated ~ social_capital + age + education + (1 | community)" \
    --nagq 5
same "$TMP" shuffled.csv --formula "willingness ~ social_capital + log(income) + (1 | community)" \
    --nagq 1

# the groups' errors: a single group; --nagq without a random intercept
awk -F, 'BEGIN { OFS = "," } NR > 1 { $1 = 7 } { print }' "$TMP/shuffled.csv" >"$TMP/one.csv"
same "$TMP" one.csv --formula "participated ~ age + (1 | community)"
grep -q "single group" "$TMP/a.err" || fail "one group: $(head -c 400 "$TMP/a.err")"
same "$TMP" shuffled.csv --formula "participated ~ age" --nagq 3
grep -q -- "--nagq 3 sets the quadrature" "$TMP/a.err" || fail "--nagq: $(head -c 400 "$TMP/a.err")"

# out of core, one process: refused with the way out
"$BIN" fit "$TMP/shuffled.csv" --formula "participated ~ age + (1 | community)" --out-of-core \
    --tmpdir "$TMP" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "out of core: wanted exit 1"
grep -q "a random intercept (1 | community) needs each group's rows together.*partreg-mpi" "$TMP/err" ||
    fail "out of core: $(head -c 400 "$TMP/err")"

if [ "$fails" -ne 0 ]; then
    echo "cli_mpi_ri: $fails failure(s)"
    exit 1
fi
echo "cli_mpi_ri: ok"
