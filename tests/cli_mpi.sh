#!/usr/bin/env bash
# Distributed fits: `mpirun -np 3 partreg-mpi fit` must print the JSON of
# `partreg fit` byte for byte (the binary diagnostics, which need every row
# sorted, are left out): on the shared conformance data (binary, ordinal,
# cluster, HC1, profile intervals) and on a simulated survey large enough
# for many segments per process, with clusters that span the processes'
# shares (rows shuffled) and each share out of core. An error in the third
# process's share is reported by process 0 with its file line. The
# library's own use under MPI, examples/fit_mpi.c, gives one process's
# bits with a cluster covariance over shares. Skipped
# (77) when the build has no MPI or mpirun is missing.
# Usage: cli_mpi.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
MPI_BIN=$BUILD/partreg-mpi
CASES=$SRC/../shared/conformance/cases
if [ ! -x "$MPI_BIN" ] || ! command -v mpirun >/dev/null 2>&1; then
    echo "cli_mpi: no partreg-mpi or mpirun (MPI not installed: scripts/install-deps.sh mpi); skipped"
    exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "cli_mpi: FAIL: $*"; fails=$((fails + 1)); }
# Open MPI leaves its own allocations at exit, which LeakSanitizer would
# report as partreg's (the asan build): partreg's leaks in distributed fits
# are checked by test_rows, whose processes are threads
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# as root in CI containers; oversubscribed on machines with fewer cores
MPIRUN=(mpirun --oversubscribe --allow-run-as-root --mca btl self,vader -np 3)
export OMPI_MCA_rmaps_base_oversubscribe=1

same() {
    local data=$1
    shift
    "$BIN" fit "$data" "$@" --format json --threads 1 >"$TMP/a.json" 2>"$TMP/a.err"
    local ra=$?
    "${MPIRUN[@]}" "$MPI_BIN" fit "$data" "$@" --format json --threads 1 >"$TMP/b.json" \
        2>"$TMP/b.err"
    local rb=$?
    [ "$ra" -eq "$rb" ] || { fail "$(basename "$data") $*: exit $ra alone, $rb over 3 processes: $(head -c 400 "$TMP/b.err")"; return; }
    python3 - "$TMP/a.json" "$TMP/b.json" <<'PY' || fail "$(basename "$data") $*: the JSON differs"
import json, sys
def load(f):
    d = json.load(open(f))
    d.pop("diagnostics", None)
    return json.dumps(d, sort_keys=True)
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("one process:    ", a[:2000])
    print("three processes:", b[:2000])
    sys.exit(1)
PY
}

if [ -d "$CASES" ]; then
    for c in mroz_logit mroz_logit_hc1 mroz_logit_profile housing_logit wine_logit \
             wine_cloglog soup_logit_cluster wine_logit_cluster mroz_missing; do
        [ -f "$CASES/$c.json" ] || continue
        args=$(python3 - "$CASES/$c.json" <<'PY'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
print(shlex.quote(c["data"]), " ".join(shlex.quote(a) for a in c["args"]))
PY
)
        eval "set -- $args"
        data=$1
        shift
        same "$CASES/$data" "$@"
    done
else
    echo "cli_mpi: $CASES not found; the conformance cases are skipped"
fi

# a survey of 60,000 residents in 150 communities: many segments a process
"$BIN" simulate --n 60000 --communities 150 --seed 11 --out "$TMP/sim.csv" >/dev/null ||
    fail "simulate"
(head -n 1 "$TMP/sim.csv"; tail -n +2 "$TMP/sim.csv" | awk 'BEGIN { srand(5) } { print rand() "\t" $0 }' |
    sort -k1,1 | cut -f2-) >"$TMP/shuffled.csv"
F="participated ~ social_capital + age + I(age^2) + education + log(income) + gender"
same "$TMP/sim.csv" --formula "$F" --vcov cluster --cluster community
same "$TMP/shuffled.csv" --formula "$F" --vcov cluster --cluster community
same "$TMP/shuffled.csv" --formula "willingness ~ social_capital + age + education" --vcov hc1 \
    --memory 1M --tmpdir "$TMP"

# an error in the last process's share: the one-process message
awk -F, 'BEGIN { OFS = "," } NR == 55001 { $3 = "-" } { print }' "$TMP/sim.csv" >"$TMP/bad.csv"
"${MPIRUN[@]}" "$MPI_BIN" fit "$TMP/bad.csv" --formula "participated ~ age + education" \
    >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "a bad cell: wanted exit 1"
grep -q "line 55001 has '-'" "$TMP/err" || fail "a bad cell: $(head -c 400 "$TMP/err")"
[ "$(grep -c "line 55001" "$TMP/err")" -eq 1 ] || fail "a bad cell: not reported once"

# the library under MPI (examples/fit_mpi.c): each process passes its
# share of the rows to partreg_fit_create with a communicator; a cluster
# covariance over communities whose residents sit in several shares; the
# same bits as one process with all rows
if command -v mpicc >/dev/null 2>&1; then
    SAN=""
    grep -q '^PARTREG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null &&
        SAN="-fsanitize=address,undefined"
    if mpicc -std=c11 -Wall -Wextra -Wpedantic -Wconversion -Wno-sign-conversion -Werror $SAN \
        -I"$SRC/include" -I"$SRC/mpi" "$SRC/examples/fit_mpi.c" -L"$BUILD" -Wl,-rpath,"$BUILD" \
        -lpartreg_mpi -lpartreg -lm -o "$TMP/fit_mpi" 2>"$TMP/cc.err"; then
        "${MPIRUN[@]}" "$TMP/fit_mpi" >"$TMP/ex.out" 2>&1 || fail "fit_mpi: exit $?: $(cat "$TMP/ex.out")"
        grep -q "the same bits as one process with all rows: yes" "$TMP/ex.out" ||
            fail "fit_mpi: $(cat "$TMP/ex.out")"
    else
        fail "examples/fit_mpi.c does not compile: $(cat "$TMP/cc.err")"
    fi
fi

# partreg fit's refusals: an option of another command, what needs every row
"${MPIRUN[@]}" "$MPI_BIN" fit "$TMP/sim.csv" --formula "participated ~ age" --newdata "$TMP/sim.csv" \
    >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] || fail "--newdata: wanted exit 2"
grep -q "^partreg fit: --newdata is not an option of partreg fit" "$TMP/err" ||
    fail "--newdata: $(head -c 400 "$TMP/err")"
"${MPIRUN[@]}" "$MPI_BIN" fit "$TMP/sim.csv" --formula "participated ~ age" --over gender \
    >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "--over: wanted exit 1"
grep -q -- "--over .*raise --memory" "$TMP/err" || fail "--over: $(head -c 400 "$TMP/err")"

if [ "$fails" -ne 0 ]; then
    echo "cli_mpi: $fails failure(s)"
    exit 1
fi
echo "cli_mpi: ok"
