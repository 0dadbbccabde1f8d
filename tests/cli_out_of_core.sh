#!/usr/bin/env bash
# Out of core: `partreg fit --out-of-core --memory 64K` reads the CSV file
# in blocks of 4 KiB into a design file and fits from it; the JSON must be
# the in-memory fit's byte for byte (the binary diagnostics, which need
# every row sorted, are left out), on the shared conformance cases and on
# files made to exercise the block reader: quoted line breaks, a column
# that is numbers for thousands of rows and text later, clusters, weights;
# the errors must be the in-memory ones (same message, same line); what
# cannot be done from rows on disk is refused with a reason. The file is
# parsed once when the design written during its survey holds (no level,
# text or bad value after the first block with rows used), twice
# otherwise: both routes are checked (--timing's csv_passes).
# Usage: cli_out_of_core.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
CASES=$SRC/../shared/conformance/cases
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "cli_out_of_core: FAIL: $*"; fails=$((fails + 1)); }
OOC=(--out-of-core --memory 64K --tmpdir "$TMP")

# same DATA ARGS...: the JSON of both runs, less the diagnostics and the
# timing, and the exit status and stderr, are the same
same() {
    local data=$1
    shift
    "$BIN" fit "$data" "$@" --format json >"$TMP/a.json" 2>"$TMP/a.err"
    local ra=$?
    "$BIN" fit "$data" "$@" --format json "${OOC[@]}" >"$TMP/b.json" 2>"$TMP/b.err"
    local rb=$?
    [ "$ra" -eq "$rb" ] || { fail "$data $*: exit $ra in memory, $rb out of core: $(cat "$TMP/b.err")"; return; }
    cmp -s "$TMP/a.err" "$TMP/b.err" || fail "$data $*: stderr differs: $(cat "$TMP/a.err") | $(cat "$TMP/b.err")"
    python3 - "$TMP/a.json" "$TMP/b.json" <<'PY' || fail "$data $*: the JSON differs"
import json, sys
def load(f):
    try:
        d = json.load(open(f))
    except ValueError:
        return None
    d.pop("diagnostics", None)
    return json.dumps(d, sort_keys=True)
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("in memory:  ", a)
    print("out of core:", b)
    sys.exit(1)
PY
}

# route N DATA ARGS...: out of core, the CSV file is parsed N times (1:
# the design written while it was surveyed; 2: read again)
route() {
    local want=$1 data=$2
    shift 2
    "$BIN" fit "$data" "$@" --format json --timing "${OOC[@]}" >"$TMP/r.json" 2>"$TMP/r.err" ||
        { fail "$data $*: exit $?: $(cat "$TMP/r.err")"; return; }
    local got
    got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["timing"]["csv_passes"])' "$TMP/r.json")
    [ "$got" = "$want" ] || fail "$data $*: the file was parsed $got times, not $want"
}
# both N DATA ARGS...: same, and the route
both() {
    local want=$1
    shift
    same "$@"
    route "$want" "$@"
}

# the shared conformance cases whose options work out of core
if [ -d "$CASES" ]; then
    for c in "$CASES"/*.json; do
        args=$(python3 - "$c" <<'PY'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
if "--margins" in c["args"] or "--brant" in c["args"]:
    sys.exit(0)
print(shlex.quote(c["data"]), " ".join(shlex.quote(a) for a in c["args"]))
PY
)
        [ -n "$args" ] || continue
        eval "set -- $args"
        data=$1
        shift
        same "$CASES/$data" "$@"
    done
else
    echo "cli_out_of_core: $CASES not found; the conformance cases are skipped"
fi

# files for the block reader
python3 - "$TMP" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(20240607)
rows = []
for i in range(3000):
    a = round(random.random() * 3, 6)
    b = random.choice(["x", "y", "z"])
    clu = random.randint(1, 40)
    y = 1 if random.random() < 1 / (1 + 2.718281828 ** (-(a - 1.5))) else 0
    w = random.choice([1, 2, 0.5])
    rows.append([y, a, b, clu, w, random.randint(1, 5), random.randint(0, 2)])
def write(name, fix=lambda i, r: r):
    with open(f"{d}/{name}", "w") as f:
        f.write("y,a,b,clu,w,code,ord\n")
        for i, r in enumerate(rows):
            f.write(",".join(str(x) for x in fix(i, list(r))) + "\n")
write("base.csv")
# numbers for 2,500 rows, then a text cell: the column is text in the file
write("late_text.csv", lambda i, r: r[:5] + (["5b"] if i == 2500 else [r[5]]) + r[6:])
write("bad_weight.csv", lambda i, r: r[:4] + ([-1] if i == 2700 else [r[4]]) + r[5:])
write("negative.csv", lambda i, r: [r[0]] + ([-0.5] if i == 2800 else [r[1]]) + r[2:])
write("outcome2.csv", lambda i, r: ([2] if i == 2900 else [r[0]]) + r[1:])
# quoted fields with delimiters and line breaks, in every block
write("quoted.csv", lambda i, r: r[:2] + ['"q,%s\nline ""two"""' % r[2]] + r[3:])
# levels first seen late: a factor's, a text column's (also a stratum)
write("late_level.csv", lambda i, r: r[:5] + ([6] if i >= 2500 and i % 4 == 0 else [r[5]]) + r[6:])
write("late_b.csv", lambda i, r: r[:2] + (["w"] if i >= 2600 and i % 3 == 0 else [r[2]]) + r[3:])
# missing cells here and there (rows left out, in every block)
write("holes.csv", lambda i, r: [("" if i % 13 == k else x) for k, x in enumerate(r)])
# the first blocks without a row used (the outcome missing)
write("late_rows.csv", lambda i, r: (["NA"] if i < 400 else [r[0]]) + r[1:])
PY
both 1 "$TMP/base.csv" --formula "y ~ a + b + factor(code)" --weights w --vcov cluster --cluster clu
both 1 "$TMP/base.csv" --formula "ord ~ a + b + clu" --vcov hc0 --ci profile
both 1 "$TMP/base.csv" --formula "y ~ a * b + I(a^2)" --vcov cluster --cluster b
both 1 "$TMP/base.csv" --formula "y ~ a + factor(code)" --sampling-weights w --strata b --psu clu
both 1 "$TMP/holes.csv" --formula "y ~ a + b + factor(code)" --weights w --vcov cluster --cluster clu
both 1 "$TMP/late_rows.csv" --formula "ord ~ a + b" --weights w
same "$TMP/late_text.csv" --formula "y ~ a + factor(code)"
both 2 "$TMP/late_text.csv" --formula "y ~ a + b" --vcov cluster --cluster code
same "$TMP/late_text.csv" --formula "y ~ a + code"
same "$TMP/late_text.csv" --formula "y ~ I(code^2)"
both 2 "$TMP/late_level.csv" --formula "y ~ a + b + factor(code)" --weights w --vcov cluster --cluster clu
both 2 "$TMP/late_b.csv" --formula "y ~ a + b" --vcov hc1
both 2 "$TMP/late_b.csv" --formula "y ~ a + factor(code)" --sampling-weights w --strata b --psu clu
same "$TMP/bad_weight.csv" --formula "y ~ a + b" --weights w
same "$TMP/negative.csv" --formula "y ~ log(a) + b"
same "$TMP/outcome2.csv" --formula "y ~ a + b" --levels 0,1
same "$TMP/quoted.csv" --formula "y ~ a + b"
same "$TMP/base.csv" --formula "y ~ a + nope"
printf 'y,a\n' >"$TMP/header_only.csv"
: >"$TMP/empty.csv"
same "$TMP/header_only.csv" --formula "y ~ a"
same "$TMP/empty.csv" --formula "y ~ a"
same "$TMP/missing.csv" --formula "y ~ a"
same "$TMP" --formula "y ~ a"

# refused with a reason
expect_refused() {
    "$BIN" fit "$TMP/base.csv" --formula "y ~ a + b" "${OOC[@]}" "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    [ "$rc" -ne 0 ] || fail "$* out of core: exit 0, wanted a refusal"
    grep -q -- "--memory" "$TMP/err" || fail "$* out of core: no reason naming --memory: $(cat "$TMP/err")"
}
expect_refused --margins
expect_refused --at "a=1"
expect_refused --firth
expect_refused --vcov cr2 --cluster clu
expect_refused --over code
expect_refused --profile a
expect_refused --standardize
"$BIN" fit "$TMP/base.csv" --formula "y ~ a + (1 | clu)" "${OOC[@]}" >/dev/null 2>"$TMP/err" &&
    fail "(1 | clu) out of core: exit 0"
grep -q "random intercept.*--memory" "$TMP/err" || fail "(1 | clu) out of core: $(cat "$TMP/err")"
"$BIN" report "$TMP/base.csv" --formula "y ~ a + b" --out "$TMP/r.html" "${OOC[@]}" >/dev/null 2>"$TMP/err" &&
    fail "report out of core: exit 0"
grep -q -- "--memory" "$TMP/err" || fail "report out of core: $(cat "$TMP/err")"
# the Brant test, which refits on every row, is left out with the reason
"$BIN" fit "$TMP/base.csv" --formula "ord ~ a + b" --brant "${OOC[@]}" >"$TMP/out" 2>"$TMP/err" ||
    fail "--brant out of core: exit $?: $(cat "$TMP/err")"
grep -q "Brant test.*not computed.*out of core" "$TMP/out" || fail "--brant out of core: $(cat "$TMP/out")"
# predict uses the fit alone: the in-memory output
printf 'y,a,b,clu,w,code,ord\n1,0.5,x,3,1,2,1\n0,2.1,z,4,1,1,0\n' >"$TMP/new.csv"
P=(predict "$TMP/base.csv" --formula "y ~ a + b" --newdata "$TMP/new.csv" --vcov cluster --cluster clu)
"$BIN" "${P[@]}" >"$TMP/a.out" 2>&1
"$BIN" "${P[@]}" "${OOC[@]}" >"$TMP/b.out" 2>&1
cmp -s "$TMP/a.out" "$TMP/b.out" || fail "predict out of core differs: $(diff "$TMP/a.out" "$TMP/b.out" | head -5)"
# lrtest and table fit on one table in memory: they refuse the options
for cmd in lrtest table; do
    "$BIN" "$cmd" "$TMP/base.csv" --formula "y ~ a + b" --formula "y ~ a" "${OOC[@]}" >/dev/null 2>"$TMP/err" &&
        fail "$cmd --out-of-core: exit 0"
    grep -q "not an option of partreg $cmd" "$TMP/err" || fail "$cmd --out-of-core: $(cat "$TMP/err")"
done
# the design file's directory must be writable
"$BIN" fit "$TMP/base.csv" --formula "y ~ a" --out-of-core --tmpdir "$TMP/nowhere" >/dev/null 2>"$TMP/err" &&
    fail "--tmpdir of a missing directory: exit 0"
grep -q "nowhere" "$TMP/err" || fail "--tmpdir of a missing directory: $(cat "$TMP/err")"
"$BIN" fit "$TMP/base.csv" --formula "y ~ a" --memory 12Q >/dev/null 2>"$TMP/err" &&
    fail "--memory 12Q: exit 0"
grep -q "must be a size" "$TMP/err" || fail "--memory 12Q: $(cat "$TMP/err")"

if [ "$fails" -ne 0 ]; then
    echo "cli_out_of_core: $fails failure(s)"
    exit 1
fi
echo "cli_out_of_core: ok"
