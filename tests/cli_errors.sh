#!/usr/bin/env bash
# Every row of docs/errors.md through the command: exit status,
# one-line message on stderr naming the problem and where, no crash (a
# signal would give a status >= 128), no hang (timeout 20 each); fits that
# are still possible say what was done. Also determinism: the same command
# twice gives byte-identical output. Big inputs (a 10 MB line, 100,000
# columns) are generated into a temp dir. Usage: cli_errors.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
TMP=$(mktemp -d)
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
fails=0
checks=0

fail() { echo "cli_errors: FAIL: $*"; fails=$((fails + 1)); }

# "finishes in seconds": 20 s each; sanitizer builds run several times
# slower (the 10 MB line takes ~25 s under ASan), so they get 120 s.
LIMIT=20
if grep -q '^PARTREG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    LIMIT=120
fi

# expect ID STATUS "substring of stderr" -- command...
expect() {
    local id=$1 want=$2 msg=$3
    shift 3
    checks=$((checks + 1))
    timeout "$LIMIT" "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" -eq 124 ]; then
        fail "$id: timed out: $*"
        return
    fi
    [ "$got" -eq "$want" ] || fail "$id: exited $got, wanted $want; stderr: $(tail -n1 "$TMP/err")"
    if [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/err"; then
        fail "$id: stderr lacks '$msg': $(tail -n1 "$TMP/err")"
    fi
    if [ "$want" -ne 0 ] && [ "$want" -ne 3 ]; then
        # exactly one line, prefixed by the program name
        [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$id: stderr has $(wc -l <"$TMP/err") lines"
        head -n1 "$TMP/err" | grep -q '^partreg' || fail "$id: message not prefixed 'partreg'"
    fi
}

# output (stdout) must contain a string
says() {
    grep -qF -- "$2" "$TMP/out" || fail "$1: output lacks '$2'"
}

csv() { printf "$2" >"$TMP/$1"; echo "$TMP/$1"; }

# rows generated with awk: name, count, awk expression printing one row
gen() {
    local name=$1 header=$2 n=$3 body=$4
    { echo "$header"; awk -v n="$n" "BEGIN { for (i = 0; i < n; i++) { $body } }"; } >"$TMP/$name"
    echo "$TMP/$name"
}

F="y ~ x"

# ---- files ---------------------------------------------------------------
expect F1 1 "No such file" "$BIN" fit "$TMP/missing.csv" --formula "$F"
U=$(csv unreadable.csv 'y,x\n1,2\n0,3\n')
chmod 000 "$U"
if [ "$(id -u)" -ne 0 ]; then
    expect F2 1 "Permission denied" "$BIN" fit "$U" --formula "$F"
fi
mkdir "$TMP/adir"
expect F3 1 "Is a directory" "$BIN" fit "$TMP/adir" --formula "$F"
expect F4 1 "is empty" "$BIN" fit "$(csv empty.csv '')" --formula "$F"
expect F5 1 "has no data rows" "$BIN" fit "$(csv header.csv 'y,x\n')" --formula "$F"
head -c 4096 /dev/urandom >"$TMP/garbage.csv"
printf '\377\000\001' >>"$TMP/garbage.csv"
expect F6 1 "garbage.csv:" "$BIN" fit "$TMP/garbage.csv" --formula "$F"
expect F7 1 "badutf.csv:2:3: invalid UTF-8" "$BIN" fit "$(csv badutf.csv 'y,x\n1,\377\376\n0,2\n')" --formula "$F"
expect F8 1 "ragged.csv:3:5: line 3 has 3 fields" "$BIN" fit "$(csv ragged.csv 'y,x\n1,2\n0,2,3\n')" --formula "$F"
expect F9 1 "unterm.csv:2:3: the quote opened here is never closed" "$BIN" fit "$(csv unterm.csv 'y,x\n1,"2\n0,2\n')" --formula "$F"
# F10: a 10 MB single line (header only, no newline)
awk 'BEGIN { printf "c0"; for (j = 1; len < 10485760; j++) { printf ",c%d", j; len += 2 + length(j) } }' >"$TMP/oneline.csv"
expect F10 1 "has no data rows" "$BIN" fit "$TMP/oneline.csv" --formula "c1 ~ c2"
# F11: a 10 MB cell
{ printf 'y,x\n1,2\n0,'; head -c 10485760 /dev/zero | tr '\0' '9'; printf '\n1,3\n0,1\n1,5\n'; } >"$TMP/longcell.csv"
expect F11 1 "holds numbers but line 3 has '999" "$BIN" fit "$TMP/longcell.csv" --formula "$F"
expect F12 1 "dup.csv:1:5: column name 'x' appears twice" "$BIN" fit "$(csv dup.csv 'y,x,x\n1,2,3\n0,2,3\n')" --formula "$F"
# F13, F14: 100,000 columns
awk 'BEGIN { p = 100000; printf "y"; for (j = 0; j < p; j++) printf ",c%d", j; printf "\n";
             for (i = 0; i < 6; i++) { printf "%d", i % 2; for (j = 0; j < p; j++) printf ",%d", (i * 3 + j * 7 + i * j) % 10; printf "\n" } }' >"$TMP/wide.csv"
expect F13 0 "" "$BIN" fit "$TMP/wide.csv" --formula "y ~ c1"
expect F14 1 "unknown column 'c100000'" "$BIN" fit "$TMP/wide.csv" --formula "y ~ c100000"

# ---- values --------------------------------------------------------------
for v in V1:abc V2:inf V3:nan V4:1e999; do
    id=${v%%:*} cell=${v#*:}
    P=$(csv "$id.csv" "y,x\n1,2\n0,$cell\n1,3\n0,1\n1,5\n")
    expect "$id" 1 "line 3 has '$cell', which is not a finite number" "$BIN" fit "$P" --formula "$F"
done
expect V5 1 "used as a number in 'log(x)'" "$BIN" fit "$TMP/V2.csv" --formula "y ~ log(x)"
W=$(gen V6.csv "y,x,w" 30 'printf "%d,%.2f,%s\n", (i * 7) % 3 == 0, i * 0.1, i == 4 ? "inf" : 1')
expect V6 1 "column 'w' is used as a number in --weights, but it is text: line 6 has 'inf'" "$BIN" fit "$W" --formula "$F" --weights w
expect V7 1 "column 'x' is missing on all 5 rows" "$BIN" fit "$(csv V7.csv 'y,x,z\n1,,1\n0,,2\n1,,3\n0,,4\n1,,5\n')" --formula "y ~ x + z"
expect V8 1 "each of the 5 rows" "$BIN" fit "$(csv V8.csv 'y,x,z\n1,,1\n0,2,\n,3,3\n0,,4\n1,4,\n')" --formula "y ~ x + z"
expect V9 1 "'log(x)' is not a finite number on line 3" "$BIN" fit "$(csv V9.csv 'y,x\n1,2\n0,0\n1,3\n0,1\n')" --formula "y ~ log(x)"

# ---- formulas ------------------------------------------------------------
M=$(gen m.csv "y,x,z,g" 40 'printf "%d,%.2f,%.2f,only\n", (i * 7) % 3 == 0, 0.1 * (i % 13), 0.3 * ((i * 5) % 7)')
expect M1 1 "unknown column 'agee'" "$BIN" fit "$M" --formula "y ~ agee"
expect M2 1 "missing '~'" "$BIN" fit "$M" --formula "y x"
expect M3 1 "missing outcome before '~' at position 1" "$BIN" fit "$M" --formula "~ x"
expect M4 1 "ends with '+' at position 7" "$BIN" fit "$M" --formula "y ~ x +"
expect M5 1 "unexpected '+' at position 8" "$BIN" fit "$M" --formula "y ~ x ++ z"
expect M6 1 "the '(' at position 5 is never closed" "$BIN" fit "$M" --formula "y ~ (x"
expect M7 1 "unmatched ')' at position 6" "$BIN" fit "$M" --formula "y ~ x)"
expect M8 1 "backtick at position 9" "$BIN" fit "$M" --formula 'y ~ x + `z'
expect M9 1 "unknown function 'foo' at position 5" "$BIN" fit "$M" --formula "y ~ foo(x)"
expect M10 1 "unexpected ')' at position 9" "$BIN" fit "$M" --formula "y ~ I(x^)"
expect M11 1 "the number '3' at position 5" "$BIN" fit "$M" --formula "y ~ 3"
expect M12 1 "'^' at position 6" "$BIN" fit "$M" --formula "y ~ x^2"
expect M13 1 "also appears on the right-hand side at position 5" "$BIN" fit "$M" --formula "y ~ y + x"
expect M14 1 "empty right-hand side" "$BIN" fit "$M" --formula "y ~"
expect M15 1 "the term 'x' at position 9 is repeated" "$BIN" fit "$M" --formula "y ~ x + x"
expect M16 1 "appears twice in the interaction" "$BIN" fit "$M" --formula "y ~ x:x"
expect M17 1 "'g' has a single level ('only')" "$BIN" fit "$M" --formula "y ~ x + g"
IZ=$(gen iz.csv "y,x,g,h" 60 'u = i % 2; b = u && i % 4 == 1; printf "%d,%.2f,%s,%s\n", (i * 7 + int(i / 5)) % 3 == 0, 0.1 * (i % 13), b ? "b" : "a", u ? "u" : "v"')
expect M18 0 "" "$BIN" fit "$IZ" --formula "y ~ g*h"
says M18 "dropped g[b]:h[v]: all zero"
expect M18 0 "" "$BIN" fit "$IZ" --formula "y ~ g*h" --format json
python3 -c "import json,sys; d=json.load(open('$TMP/out')); assert any('g[b]:h[v]' in w for w in d['warnings']), d['warnings']" || fail "M18: JSON warnings"
expect M19 1 "position" "$BIN" fit "$M" --formula "$(printf 'y ~ x \001 z')"

# ---- models --------------------------------------------------------------
expect D1 1 "takes a single value ('1')" "$BIN" fit "$(gen D1.csv y,x 10 'printf "1,%d\n", i')" --formula "$F"
D2=$(gen D2.csv y,x 30 'split("1 2 4", L, " "); printf "%d,%.2f\n", L[i % 3 + 1], 0.37 * (i % 7)')
expect D2 1 "outcome level '3' has no observations" "$BIN" fit "$D2" --formula "$F" --levels 1,2,3,4
D3=$(gen D3.csv y,x 20 'printf "%d,%.2f\n", (i >= 10), i * 0.1 + 0.03')
expect D3 3 "complete separation: estimates of (Intercept), x" "$BIN" fit "$D3" --formula "$F" --format json
python3 -c "import json; d=json.load(open('$TMP/out')); assert d['converged'] is False and d['separation'] is True" 2>/dev/null || fail "D3: JSON does not say separated"
D4=$(gen D4.csv y,x,z 40 'printf "%d,%d,%.2f\n", i < 10 ? 1 : (i * 7) % 3 == 0, i < 10, 0.37 * ((i * 13) % 11)')
expect D4 3 "quasi-complete separation: estimates of x run off" "$BIN" fit "$D4" --formula "y ~ x + z"
says D4 "quasi-complete separation"
D5=$(gen D5.csv y,x,z,x2 40 'printf "%d,%.2f,%.2f,%.2f\n", (i * 7) % 3 == 0, i * 0.1, ((i * 13) % 11) * 0.3, 2 * i * 0.1 + 1')
expect D5 0 "" "$BIN" fit "$D5" --formula "y ~ x + z + x2"
says D5 "dropped x2: collinear with earlier columns"
expect D6 1 "3 usable rows for 4 parameters" "$BIN" fit "$(csv D6.csv 'y,a,b,c\n1,1,2,3\n0,2,1,5\n1,3,3,1\n')" --formula "y ~ a + b + c"
D7=$(gen D7.csv y,x,w 30 'printf "%d,%.2f,%d\n", (i * 7) % 3 == 0, i * 0.1, i == 4 ? -1 : 1')
expect D7 1 "weight 'w' is -1 on line 6" "$BIN" fit "$D7" --formula "$F" --weights w
D8=$(gen D8.csv y,x,w 30 'printf "%d,%.2f,%d\n", (i * 7) % 3 == 0, i * 0.1, i % 2 ? 0 : 1')
expect D8 0 "" "$BIN" fit "$D8" --formula "$F" --weights w --format json
python3 -c "import json; d=json.load(open('$TMP/out')); assert d['n_obs'] == 30 and d['sum_weights'] == 15" || fail "D8: sum_weights"
D9=$(gen D9.csv y,x,w 30 'printf "%d,%.2f,%s\n", (i * 7) % 3 == 0, i * 0.1, i == 4 ? "nan" : 1')
expect D9 1 "line 6 has 'nan'" "$BIN" fit "$D9" --formula "$F" --weights w
D10=$(gen D10.csv y,x,w 30 'printf "%d,%.2f,0\n", (i * 7) % 3 == 0, i * 0.1')
expect D10 1 "all weights are zero" "$BIN" fit "$D10" --formula "$F" --weights w
D11=$(gen D11.csv y,x,cl,one 30 'printf "%d,%.2f,%s,7\n", (i * 7) % 3 == 0, i * 0.1, i == 5 ? "" : i % 4')
expect D11 0 "" "$BIN" fit "$D11" --formula "$F" --vcov cluster --cluster cl
says D11 "29 used, 1 dropped"
expect D12 2 "at least 2 clusters" "$BIN" fit "$D11" --formula "$F" --vcov cluster --cluster one
D13=$(gen D13.csv y,big,small 400 '
    if (i == 0) s = 12345
    for (k = 0; k < 3; k++) {
        # exact (a s + c) mod 2^31 with a split in 16-bit halves (doubles are exact to 2^53)
        s = ((int(16838 * s) % 32768) * 65536 + 20077 * s + 12345) % 2147483648; u[k] = s / 2147483648
    }
    big = 1e6 * (1 + u[0] * 4); small = 1e-3 * (u[1] * 2 - 1); eta = -1 + 0.5e-6 * big + 800 * small
    printf "%d,%.2f,%.8f\n", u[2] < 1 / (1 + exp(-eta)), big, small')
expect D13 0 "" "$BIN" fit "$D13" --formula "y ~ big + small" --format json
python3 - "$TMP/out" <<'PY' || fail "D13: extreme scales do not match R"
import json, sys
d = json.load(open(sys.argv[1]))
# R 4.2.2 glm(y ~ big + small, binomial, epsilon = 1e-15): tests/ref/robust_scales.R
ref = {"(Intercept)": (-1.18409980119242e+00, 3.13422943075807e-01),
       "big": (6.06876157008750e-07, 1.02803274306607e-07),
       "small": (1.04880539321389e+03, 2.02276716341305e+02)}
assert d["converged"] is True and not d["warnings"], d["warnings"]
for c in d["coefficients"]:
    est, se = ref[c["term"]]
    assert abs(c["estimate"] - est) <= 1e-6 * abs(est), c
    assert abs(c["std_error"] - se) <= 1e-6 * se, c
PY
D14=$(gen D14.csv y,x 30 'printf "%d,%.6g\n", (i * 7) % 3 == 0, (i - 15) * 1e151')
expect D14 0 "" "$BIN" fit "$D14" --formula "$F"
D15=$(gen D15.csv y,x 30 'printf "%d,%.6g\n", (i * 7) % 3 == 0, (i - 15) * 1e201')
expect D15 3 "rescale the predictors" "$BIN" fit "$D15" --formula "$F"
printf 'y,x\n0,1e300\n1,-1e300\n' >"$TMP/D16new.csv"
expect D16 0 "" "$BIN" predict "$D14" --formula "$F" --newdata "$TMP/D16new.csv" --format csv
python3 -c "
lines = open('$TMP/out').read().split()
head = lines[0].split(',')
cols = [k for k, h in enumerate(head) if h.startswith('P(') or h.startswith('conf_')]
for r in lines[1:]:
    v = r.split(',')
    p = [float(v[k]) for k in cols]
    assert all(0.0 <= x <= 1.0 for x in p), r" || fail "D16: probabilities outside [0, 1]"

# ---- options -------------------------------------------------------------
O=$(gen opts.csv y,o,x,w,cl 60 'printf "%d,%d,%.2f,%d,%d\n", (i * 7 + int(i / 9)) % 3 == 0, 1 + (i * 5 + int(i / 7)) % 5, 0.1 * ((i * 13) % 17), 1 + i % 3, i % 6')
expect O1 2 "unknown link 'logitt'" "$BIN" fit "$O" --formula "$F" --link logitt
expect O2 2 "unknown family 'foo'" "$BIN" fit "$O" --formula "$F" --family foo
expect O3 2 "the loglog link is for ordinal models" "$BIN" fit "$O" --formula "$F" --link loglog
expect O3 2 "the loglog link is for ordinal models" "$BIN" fit "$O" --formula "$F" --family binary --link loglog
expect O4 1 "a binary model needs an outcome with 2 levels" "$BIN" fit "$O" --formula "o ~ x" --family binary
expect O5 1 "at least 3 levels" "$BIN" fit "$O" --formula "$F" --family ordinal
expect O6 2 "add --vcov cluster" "$BIN" fit "$O" --formula "$F" --cluster cl
expect O7 2 "needs --cluster" "$BIN" fit "$O" --formula "$F" --vcov cluster
expect O8 0 "" "$BIN" fit "$O" --formula "$F" --brant
says O8 "Brant test of parallel lines: not computed: --brant tests the parallel-lines assumption of an ordinal model; this model is binary"
expect O9 0 "" "$BIN" fit "$O" --formula "o ~ x" --brant --weights w
says O9 "not computed: the Brant test is not available with case weights"
for lv in 0 1 -0.5 1.5 nan inf abc; do
    expect O10 2 "--conf-level '$lv' must be a number in (0, 1)" "$BIN" fit "$O" --formula "$F" --conf-level "$lv"
done
expect O11 2 "unknown covariance type 'robust'" "$BIN" fit "$O" --formula "$F" --vcov robust
expect O12 2 "'x' is numeric; use factor(x)" "$BIN" fit "$O" --formula "$F" --ref x=3
expect O13 2 "unknown option '--bogus'" "$BIN" fit "$O" --formula "$F" --bogus
# ---- Firth, CR2, multiple imputation
expect O14 2 "add --firth" "$BIN" fit "$O" --formula "$F" --flic
expect O15 1 "--firth is for binary models" "$BIN" fit "$O" --formula "o ~ x" --firth
expect O16 1 "not offered with --firth" "$BIN" fit "$O" --formula "$F" --firth --vcov hc1
expect O17 1 "no profile interval" "$BIN" fit "$O" --formula "$F" --firth --flic --ci profile
expect O18 1 "defined for binary models" "$BIN" fit "$O" --formula "o ~ x" --vcov cr2 --cluster cl
expect O19 2 "--vcov cr2 needs --cluster" "$BIN" fit "$O" --formula "$F" --vcov cr2
expect O20 2 "--cluster-df sets t(G - 1)" "$BIN" fit "$O" --formula "$F" --cluster-df
expect O22 1 "imp" "$BIN" fit "$O" --formula "$F" --imputations imp
expect O23 1 "is not a whole number" "$BIN" fit "$O" --formula "$F" --imputations x
MI=$(gen mi.csv y,x,imp 60 'printf "%d,%.2f,%d\n", (i * 7 + int(i / 9)) % 3 == 0, 0.1 * ((i * 13) % 17), 1 + 2 * (i % 2)')
expect O24 1 "no rows of imputation 2" "$BIN" fit "$MI" --formula "$F" --imputations imp
expect O25 2 "not both" "$BIN" fit "$O" "$O" --formula "$F" --imputations x
expect O26 1 "Rubin" "$BIN" fit "$O" "$O" --formula "$F" --ci profile
MI2=$(gen mi2.csv y,g,imp 40 'printf "%d,%s,%d\n", i % 2, (i < 20 ? (i % 4 < 2 ? "a" : "b") : (i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c"))), 1 + (i >= 20)')
expect O27 1 "cannot be pooled" "$BIN" fit "$MI2" --formula "y ~ g" --imputations imp
CR=$(gen cr.csv y,x,g,cl 60 'printf "%d,%.2f,%s,%d\n", (i * 7 + int(i / 9)) % 3 == 0, 0.1 * ((i * 13) % 17), (i % 6 == 0 ? "b" : "a"), i % 6')
expect O28 1 "CR2 is not defined" "$BIN" fit "$CR" --formula "y ~ x + g" --vcov cr2 --cluster cl
# ---- nominal and scale effects, their tests (o: 5 levels, y: 2)
expect O29 1 "which is not a variable or term of the formula" "$BIN" fit "$O" --formula "o ~ x" --nominal w
expect O30 2 "both choose the nominal variables" "$BIN" fit "$O" --formula "o ~ x" --nominal x --autofit
expect O31 1 "--scale \"x +\": formula" "$BIN" fit "$O" --formula "o ~ x" --scale "x +"
expect O32 1 "names the outcome 'o'" "$BIN" fit "$O" --formula "o ~ x" --scale o
for opt in --nominal-test --scale-test --parallel-test --gof --autofit; do
    expect O33 1 "is for ordinal models" "$BIN" fit "$O" --formula "$F" $opt
done
expect O33 1 "--nominal is for ordinal models" "$BIN" fit "$O" --formula "$F" --nominal x
expect O33 1 "--scale is for ordinal models" "$BIN" fit "$O" --formula "$F" --scale x
expect O34 2 "the level must be in (0, 1)" "$BIN" fit "$O" --formula "o ~ x" --autofit 1.5
expect O35 0 "" "$BIN" fit "$O" --formula "o ~ x" --nominal x --brant
says O35 "Brant test of parallel lines: not computed:"
says O35 "--parallel-test"
# a crossing fit is reported, a diverging refit has no statistic
expect D22 0 "" "$BIN" fit "$SRC/tests/data/birthwt.csv" --formula "bwt4 ~ age + lwt + smoke + ht + ui" \
    --levels le2000,2001to2500,2501to3000,gt3000 --nominal "age + lwt"
says D22 "cross for 8 of the 189 rows"
expect D23 0 "" "$BIN" fit "$SRC/tests/data/wine.csv" --formula "rating ~ temp + contact" --nominal-test
says D23 "refit runs off to infinity: no statistic"
expect O52 2 "unknown --kernel 'avx'" "$BIN" fit "$O" --formula "$F" --kernel avx
expect O52 2 "PARTREG_KERNEL='sse' is not a kernel route" env PARTREG_KERNEL=sse "$BIN" fit "$O" --formula "$F"
# O53: a route this machine lacks is refused (none to provoke on a machine
# with AVX-512 and a build that has every route)
for route in avx2 avx512; do
    if ! "$BIN" fit "$O" --formula "$F" --kernel $route >/dev/null 2>&1; then
        expect O53 1 "kernel route" "$BIN" fit "$O" --formula "$F" --kernel $route
    fi
done

# ---- determinism: the same input twice gives identical bytes --------------
for fmt in json text csv; do
    m=--margins
    [ $fmt = csv ] && m=--standardize # CSV holds the coefficient table only
    "$BIN" fit "$DATA" --formula "willingness ~ social_capital + age + education" $m --format $fmt >"$TMP/run1" 2>&1
    "$BIN" fit "$DATA" --formula "willingness ~ social_capital + age + education" $m --format $fmt >"$TMP/run2" 2>&1
    cmp -s "$TMP/run1" "$TMP/run2" || fail "determinism: two runs of --format $fmt differ"
    checks=$((checks + 1))
done
"$BIN" fit "$DATA" --formula "participated ~ social_capital + log(income) + insured" --vcov cluster --cluster community --margins --format json --threads 2 >"$TMP/run1"
"$BIN" fit "$DATA" --formula "participated ~ social_capital + log(income) + insured" --vcov cluster --cluster community --margins --format json --threads 2 >"$TMP/run2"
cmp -s "$TMP/run1" "$TMP/run2" || fail "determinism: two threaded runs differ"

# Survey designs (docs/errors.md, S rows): options a design replaces or
# that assume independent rows, and bad design columns.
A=$SRC/tests/data/apistrat.csv
AF="awards ~ meals + ell"
SW=(--sampling-weights pw --strata stype)
expect S1 2 "give the survey's weights as --sampling-weights" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --weights pw
expect S2 2 "the design gives the covariance" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --vcov hc1
expect S3 2 "use --psu dnum" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --vcov cluster --cluster dnum
expect S4 1 "use the Wald intervals" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --ci profile
expect S5 2 "design-based Wald tests" "$BIN" lrtest "$A" --formula "$AF" --formula "awards ~ meals" "${SW[@]}"
expect S6 1 "design-based Wald test" "$BIN" fit "$A" --formula "api4 ~ meals + ell" --levels low,lower-mid,upper-mid,high "${SW[@]}" --brant
expect S7 1 "stratum H has a single PSU" "$BIN" fit "$SRC/tests/data/apistrat_lonely.csv" --formula "$AF" "${SW[@]}"
expect S8 2 "unknown lonely-PSU rule 'adjust'" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --lonely-psu adjust
expect S9 2 "add --rep-type" "$BIN" fit "$A" --formula "$AF" --sampling-weights pw --repweights 'bs*'
expect S10 1 "no column name starts with 'zz'" "$BIN" fit "$A" --formula "$AF" --sampling-weights pw --repweights 'zz*' --rep-type jk1
expect S11 2 "--fay-rho 0.5" "$BIN" fit "$A" --formula "$AF" --sampling-weights pw --repweights 'bs*' --rep-type fay
expect S12 2 "give one or the other" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --repweights 'bs*' --rep-type bootstrap
expect S13 1 "no row of the 200 used is in the subpopulation" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --subpop stype=Q
expect S14 1 "--subpop \"stype=E\"" "$BIN" fit "$A" --formula "$AF" "${SW[@]}" --subpop stype
expect S15 2 "constant within a stratum" "$BIN" fit "$A" --formula "$AF" --sampling-weights pw --psu dnum --fpc snum
expect S16 1 "used as a number in --sampling-weights" "$BIN" fit "$A" --formula "$AF" --sampling-weights stype
expect S17 2 "describe replicate weights" "$BIN" fit "$A" --formula "$AF" --sampling-weights pw --rep-type brr
expect S18 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital" --weights income
grep -qF "not whole numbers, as sampling weights are" "$TMP/out" || fail "S18: no sampling-weights warning for fractional --weights"

# Random intercepts (docs/errors.md, G rows): the term (1 | G), the groups
# that cannot carry a variance, and the options the model refuses.
RF="willingness ~ age + (1 | community)"
python3 - "$TMP" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(5)
def write(name, rows):
    with open("%s/%s" % (d, name), "w") as f:
        f.write("y,x,g\n")
        for r in rows:
            f.write("%d,%.3f,%s\n" % r)
write("one_group.csv", [(random.randint(0, 1), random.gauss(0, 1), "7") for i in range(60)])
write("one_row.csv", [(random.randint(0, 1), random.gauss(0, 1), str(i)) for i in range(60)])
write("constant.csv", [((i // 6) % 2, random.gauss(0, 1), str(i // 6)) for i in range(60)])
sep = []
for i in range(120):
    x = random.gauss(0, 1)
    sep.append((1 if x > 0 else 0, x, str(i % 12)))
write("sep.csv", sep)
PY
expect G1 1 "random slopes are not supported" "$BIN" fit "$DATA" --formula "willingness ~ age + (age | community)"
expect G2 1 "a second random-intercept term" "$BIN" fit "$DATA" --formula "willingness ~ age + (1 | community) + (1 | education)"
expect G3 1 "nested or crossed groupings" "$BIN" fit "$DATA" --formula "willingness ~ age + (1 | community/gender)"
expect G4 1 "cannot be combined with '*'" "$BIN" fit "$DATA" --formula "willingness ~ age * (1 | community)"
expect G5 1 "both a predictor" "$BIN" fit "$DATA" --formula "willingness ~ community + (1 | community)"
expect G6 1 "unknown column 'comunity'" "$BIN" fit "$DATA" --formula "willingness ~ age + (1 | comunity)"
expect G7 1 "a single group" "$BIN" fit "$TMP/one_group.csv" --formula "y ~ x + (1 | g)"
expect G8 1 "every group of 'g' has a single row" "$BIN" fit "$TMP/one_row.csv" --formula "y ~ x + (1 | g)"
expect G9 1 "the groups predict it perfectly" "$BIN" fit "$TMP/constant.csv" --formula "y ~ x + (1 | g)"
expect G10 1 "use --vcov model" "$BIN" fit "$DATA" --formula "$RF" --vcov hc1
expect G11 2 "add a term (1 | GROUP)" "$BIN" fit "$DATA" --formula "willingness ~ age" --nagq 5
expect G12 2 "--conditional asks for predictions" "$BIN" fit "$DATA" --formula "willingness ~ age" --conditional
expect G13 2 "from 1 (Laplace) to 100" "$BIN" fit "$DATA" --formula "$RF" --nagq 0
expect G14 1 "--brant is not offered with the random intercept" "$BIN" fit "$DATA" --formula "$RF" --brant
expect G15 3 "separation" "$BIN" fit "$TMP/sep.csv" --formula "y ~ x + (1 | g)"
expect G16 0 "" "$BIN" fit "$DATA" --formula "education ~ age + (1 | community)" --levels primary,secondary,tertiary --format json
grep -q '"at_boundary": true' "$TMP/out" && grep -q '"lr_p_value": 0.5' "$TMP/out" ||
    fail "G16: sd at the boundary not reported as such"
expect G17 1 "not offered with a survey design" "$BIN" fit "$A" --formula "awards ~ meals + (1 | dnum)" "${SW[@]}"
expect G22 1 "--firth is not offered with a random intercept" "$BIN" fit "$TMP/sep.csv" --formula "y ~ x + (1 | g)" --firth
expect G23 1 "not pooled over imputations" "$BIN" fit "$SRC/tests/data/boys_mi10.csv" --imputations imp --formula "gen ~ age + (1 | reg)"
expect G24 1 "--nominal is not offered with the random intercept" "$BIN" fit "$DATA" --formula "$RF" --nominal age
expect G25 1 "--scale is not offered with the random intercept" "$BIN" fit "$DATA" --formula "$RF" --scale age
expect G26 1 "--gof is not offered with the random intercept" "$BIN" fit "$DATA" --formula "$RF" --gof
expect G27 1 "without a random intercept only" "$BIN" fit "$DATA" --formula "participated ~ age + (1 | community)" --expected-information
expect G28 2 "--conditional is not an option of partreg table" "$BIN" table "$DATA" --formula "$RF" --conditional
expect G29 1 "--nagq 5 sets the quadrature" "$BIN" lrtest "$DATA" --formula "willingness ~ age + gender" --formula "willingness ~ age" --nagq 5

if [ "$fails" -gt 0 ]; then
    echo "cli_errors: $fails failure(s) in $checks checks"
    exit 1
fi
echo "cli_errors: all $checks checks passed"
