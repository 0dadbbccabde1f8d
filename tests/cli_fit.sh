#!/usr/bin/env bash
# The partreg command end to end: output formats, exit statuses and the
# one-line messages for bad input. Usage: cli_fit.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "cli_fit: FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS "substring of stderr" -- command...
expect() {
    local want=$1 msg=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(tail -n1 "$TMP/err")"
    if [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/err"; then
        fail "'$*': stderr lacks '$msg': $(tail -n1 "$TMP/err")"
    fi
}

F="participated ~ social_capital + insured + age + education + log(income)"

# formats
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --format json --timing
python3 - "$TMP/out" <<'PY' || fail "JSON output is not the contract"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("family", "link", "n_obs", "n_dropped", "converged", "iterations", "loglik", "aic",
          "bic", "null_loglik", "coefficients", "thresholds", "vcov_type", "timing"):
    assert k in d, k
assert d["family"] == "binary" and d["thresholds"] == [] and d["converged"] is True
terms = [c["term"] for c in d["coefficients"]]
assert terms == ["(Intercept)", "social_capital", "insured[yes]", "age", "education[secondary]",
                 "education[tertiary]", "log(income)"], terms
for k in ("read_s", "design_s", "fit_s", "inference_s", "total_s"):
    assert d["timing"][k] >= 0
PY
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --format csv
head -n1 "$TMP/out" | grep -q '^term,type,estimate,std_error' || fail "CSV header"
[ "$(wc -l <"$TMP/out")" -eq 8 ] || fail "CSV has $(wc -l <"$TMP/out") lines, wanted 8"
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + insured" --brant --margins
grep -q "Brant test" "$TMP/out" || fail "text output lacks the Brant test"
grep -q "4|5" "$TMP/out" || fail "text output lacks thresholds"
expect 0 "" "$BIN" fit --help
expect 0 "" "$BIN" --help

# predict
head -n 6 "$DATA" >"$TMP/new.csv"
expect 0 "" "$BIN" predict "$DATA" --formula "$F" --newdata "$TMP/new.csv" --format csv
head -n1 "$TMP/out" | grep -q "^row,P(no),P(yes),se_P(no),se_P(yes)," || fail "predict header: $(head -n1 "$TMP/out")"
[ "$(wc -l <"$TMP/out")" -eq 6 ] || fail "predict rows"

# lrtest
expect 0 "" "$BIN" lrtest "$DATA" --formula "$F" --formula "participated ~ social_capital + age"
grep -q "LR chi2(4)" "$TMP/out" || fail "lrtest df"

# bad input: status and message
expect 1 "No such file" "$BIN" fit "$TMP/missing.csv" --formula "$F"
expect 1 "did you mean 'social_capital'" "$BIN" fit "$DATA" --formula "participated ~ social_captal"
expect 1 "" "$BIN" fit "$DATA" --formula "participated ~ age +"
expect 2 "unknown option '--bogus'" "$BIN" fit "$DATA" --formula "$F" --bogus
expect 2 "unknown link" "$BIN" fit "$DATA" --formula "$F" --link logitt
expect 2 "--conf-level '1.5'" "$BIN" fit "$DATA" --formula "$F" --conf-level 1.5
expect 2 "needs --cluster" "$BIN" fit "$DATA" --formula "$F" --vcov cluster
expect 2 "no --formula" "$BIN" fit "$DATA"
expect 2 "unknown command" "$BIN" fitt "$DATA"

# separation is reported, not printed as fine: exit 3, converged false
printf 'y,x\n0,-2\n0,-1.5\n0,-1\n0,-0.3\n1,0.2\n1,0.9\n1,1.4\n1,2.2\n' >"$TMP/sep.csv"
expect 3 "complete separation" "$BIN" fit "$TMP/sep.csv" --formula "y ~ x" --format json
python3 -c "import json,sys; d=json.load(open('$TMP/out')); assert d['converged'] is False and d['separation'] is True; assert [c for c in d['coefficients'] if c['term']=='x'][0]['std_error'] is None" \
    || fail "separated fit JSON"

# a predictor in large or small units: the same z (5.449), the estimate shown in
# exponent form rather than as 0.00000, and the fit converged (core/spd.c)
for scale in 1e12 1e-12; do
    expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital + I(age * $scale)"
    grep -E '^I\(age\*' "$TMP/out" | grep -qE ' [-0-9.]+e[-+][0-9]+ +[0-9.]+e[-+][0-9]+ +5\.449 ' ||
        fail "age times $scale not shown in exponent form with z 5.449: $(grep -E '^I\(age' "$TMP/out")"
    grep -q "Converged: yes" "$TMP/out" || fail "age times $scale: not converged"
done

# frequency weights in the 1e200s: the same estimates, statistics printed
# in exponent form (not a number of 200 digits), no column lost
awk -F, -v OFS=, 'NR == 1 { print $0, "wt"; next } { print $0, (1 + NR % 3) "e200" }' "$DATA" \
    >"$TMP/weighted.csv"
expect 0 "" "$BIN" fit "$TMP/weighted.csv" --formula "participated ~ social_capital + age" --weights wt
grep -qE '^Log-likelihood -[0-9]\.[0-9]{9}e\+203 ' "$TMP/out" ||
    fail "huge weights: log-likelihood line is $(grep '^Log-lik' "$TMP/out" | cut -c1-80)"
grep -qE '^age ' "$TMP/out" && ! grep -q "dropped age" "$TMP/out" || fail "huge weights: age dropped"

if [ "$fails" -gt 0 ]; then
    echo "cli_fit: $fails failure(s)"
    exit 1
fi
echo "cli_fit: all checks passed"
