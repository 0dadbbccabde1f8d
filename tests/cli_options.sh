#!/usr/bin/env bash
# Every option does what it says: the defects an analyst met on the bundled
# survey (each check below failed before its fix), and the margins and
# prediction options end to end. Usage: cli_options.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0

fail() { echo "cli_options: FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS "substring of stderr" -- command...
expect() {
    local want=$1 msg=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(tail -n1 "$TMP/err")"
    if [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/err"; then
        fail "'$*': stderr lacks '$msg': $(tail -n1 "$TMP/err")"
    fi
}
has() { # has FILE TEXT: the file holds the text
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks '$2'"
}
lacks() {
    checks=$((checks + 1))
    ! grep -qF -- "$2" "$1" || fail "$1 has '$2'"
}

F="participated ~ social_capital + insured + age"

# ---- term names are never cut (text output and --at labels) ---------------
expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital*education + age" \
    --at "social_capital=1,education=tertiary"
has "$TMP/out" "social_capital:education[secondary]"
has "$TMP/out" "social_capital:education[tertiary]"
has "$TMP/out" "social_capital=1,education=tertiary"

# ---- lrtest refuses what it cannot honour ---------------------------------
expect 2 "joint Wald tests" "$BIN" lrtest "$DATA" --formula "$F" --formula "participated ~ age" \
    --vcov cluster --cluster community
expect 2 "joint Wald tests" "$BIN" lrtest "$DATA" --formula "$F" --formula "participated ~ age" \
    --vcov hc1
awk -F, 'NR == 1 { print $0 ",w"; next } { print $0 "," (1 + NR % 7) / 3.1 }' "$DATA" >"$TMP/w.csv"
awk -F, 'NR == 1 { print $0 ",fw"; next } { print $0 "," 1 + NR % 3 }' "$DATA" >"$TMP/fw.csv"
expect 2 "not whole numbers" "$BIN" lrtest "$TMP/w.csv" --formula "$F" --formula "participated ~ age" \
    --weights w
expect 0 "" "$BIN" lrtest "$TMP/fw.csv" --formula "$F" --formula "participated ~ age" --weights fw
expect 2 "not an option of partreg lrtest" "$BIN" lrtest "$DATA" --formula "$F" \
    --formula "participated ~ age" --margins
expect 2 "not valid under a survey design" "$BIN" lrtest "$DATA" --formula "$F" \
    --formula "participated ~ age" --strata community
expect 2 "use text or json" "$BIN" lrtest "$DATA" --formula "$F" --formula "participated ~ age" \
    --format csv

# ---- --brant that cannot be computed keeps the report ---------------------
expect 0 "" "$BIN" fit "$TMP/fw.csv" --formula "willingness ~ social_capital + age" --weights fw --brant
has "$TMP/out" "Brant test of parallel lines: not computed: "
has "$TMP/out" "Threshold"
expect 0 "" "$BIN" fit "$TMP/fw.csv" --formula "willingness ~ social_capital + age" --weights fw \
    --brant --format json
python3 - "$TMP/out" <<'PY' || fail "JSON lacks brant_unavailable"
import json, sys
d = json.load(open(sys.argv[1]))
assert "brant" not in d and "case weights" in d["brant_unavailable"], d.get("brant_unavailable")
assert d["thresholds"]
PY
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + age" --vcov cluster \
    --cluster community --brant
has "$TMP/out" "assumes independent rows; it does not use the cluster covariance"

# ---- profile intervals beside robust SEs: each format says so -------------
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --ci profile --vcov cluster --cluster community
has "$TMP/out" "--ci profile with --vcov cluster: the intervals profile the likelihood"
has "$TMP/out" "too narrow"
has "$TMP/out" "profile CI]"
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --ci profile --vcov hc0 --format json
has "$TMP/out" '"ci_method": "profile"'
has "$TMP/out" '"vcov_type": "hc0"'
has "$TMP/out" "--ci profile with --vcov hc0"
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --ci profile --vcov hc1 --format csv
has "$TMP/out" ",ci_method,vcov_type"
has "$TMP/out" ",profile,hc1"
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + age" --ci profile \
    --vcov hc1 --format csv
has "$TMP/out" ",wald,hc1"
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --ci profile --format csv
lacks "$TMP/out" "ci_method"
expect 2 "--ci profile cannot be combined with --vcov cr2" "$BIN" fit "$DATA" --formula "$F" \
    --ci profile --vcov cr2 --cluster community

# ---- --at: repeatable, grids, intervals inside [0, 1], labelled -----------
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --at "age=80" --at "age=20(20)60 insured=yes,no" \
    --format json
python3 - "$TMP/out" <<'PY' || fail "--at grids in JSON"
import json, sys
d = json.load(open(sys.argv[1]))
terms = [e["term"] for e in d["predictions_at"]]
assert terms == ["age=80", "age=20,insured=yes", "age=20,insured=no", "age=40,insured=yes",
                 "age=40,insured=no", "age=60,insured=yes", "age=60,insured=no"], terms
for e in d["predictions_at"]:
    assert 0 < e["conf_low"] < e["estimate"] < e["conf_high"] < 1, e
    assert e["z"] is None and e["p_value"] is None, e
assert d["prob_ci"] == "link"
PY
# near 0 the delta-method interval leaves [0, 1]; the link-scale one never does
expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital + age" \
    --at "social_capital=-6,age=18" --at "social_capital=-9 age=18" --format json
python3 - "$TMP/out" <<'PY' || fail "link-scale intervals"
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["predictions_at"]:
    assert 0 < e["conf_low"] <= e["estimate"] <= e["conf_high"] < 1, e
PY
expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital + age" \
    --at "social_capital=-12 age=18" --prob-ci delta --format json
python3 - "$TMP/out" <<'PY' || fail "--prob-ci delta"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["predictions_at"][0]
assert abs(e["conf_low"] - (e["estimate"] - 1.959963984540054 * e["std_error"])) < 1e-12, e
assert e["conf_low"] < 0, e
assert d["prob_ci"] == "delta"
PY
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --at "age=30"
has "$TMP/out" "Probability"
lacks "$TMP/out" "Effect"
has "$TMP/out" "[95% CI]"
expect 2 "'age' is set twice" "$BIN" fit "$DATA" --formula "$F" --at "age=30 age=40"
expect 2 "never reaches its end" "$BIN" fit "$DATA" --formula "$F" --at "age=80(10)20"
expect 1 "did you mean 'age'" "$BIN" fit "$DATA" --formula "$F" --at "agee=30"

# ---- --over and --contrast ------------------------------------------------
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --over gender --contrast pairwise --format json
python3 - "$TMP/out" <<'PY' || fail "--over without --at"
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["over"] for e in d["predictions_at"]] == ["gender=female", "gender=male"]
assert len(d["contrasts"]) == 1 and d["contrasts"][0]["over"] == "gender=male - gender=female"
c = d["contrasts"][0]
p = d["predictions_at"]
assert abs(c["estimate"] - (p[1]["estimate"] - p[0]["estimate"])) < 1e-15
PY
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --margins --over education --format json
python3 - "$TMP/out" <<'PY' || fail "--margins --over"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["over"]["groups"] == ["education=primary", "education=secondary", "education=tertiary"]
assert len(d["margins"]) == 3 * 3
PY
expect 2 "--contrast compares predictions" "$BIN" fit "$DATA" --formula "$F" --contrast reference
expect 2 "unknown contrast 'all'" "$BIN" fit "$DATA" --formula "$F" --at "age=20,40" --contrast all
expect 1 "unknown column 'gendr'" "$BIN" fit "$DATA" --formula "$F" --over gendr
expect 2 "--format csv writes the table of coefficients only" "$BIN" fit "$DATA" --formula "$F" \
    --margins --format csv

# ---- predict: formats, SEs under --vcov, dropped rows said ----------------
{ head -n 4 "$DATA"; echo "1,,49,tertiary,2930.71,no,female,no,2,autonomous"; } >"$TMP/new.csv"
expect 0 "1 row with social_capital missing" "$BIN" predict "$DATA" --formula "$F" \
    --newdata "$TMP/new.csv" --format json --id income --linear
python3 - "$TMP/out" <<'PY' || fail "predict JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["n_rows"] == 4 and d["n_used"] == 3 and d["n_dropped"] == 1, d
assert "social_capital" in d["dropped_reason"]
assert [r["row"] for r in d["predictions"]] == [1, 2, 3]
assert d["predictions"][0]["id"] == "2930.71"
for r in d["predictions"]:
    ps = r["probabilities"]
    assert [p["level"] for p in ps] == ["no", "yes"]
    assert abs(ps[0]["estimate"] + ps[1]["estimate"] - 1) < 1e-15
    assert ps[0]["std_error"] > 0 and abs(ps[0]["std_error"] - ps[1]["std_error"]) < 1e-15
    assert 0 < ps[1]["conf_low"] < ps[1]["estimate"] < ps[1]["conf_high"] < 1
    assert "linear" in r
PY
cp "$TMP/out" "$TMP/model.json"
expect 0 "" "$BIN" predict "$DATA" --formula "$F" --newdata "$TMP/new.csv" --format json \
    --vcov cluster --cluster community
python3 - "$TMP/model.json" "$TMP/out" <<'PY' || fail "predict ignores --vcov"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert b["vcov_type"] == "cluster"
sa = a["predictions"][0]["probabilities"][1]["std_error"]
sb = b["predictions"][0]["probabilities"][1]["std_error"]
assert abs(sa - sb) > 1e-6 * sa, (sa, sb)
PY
expect 0 "" "$BIN" predict "$DATA" --formula "$F" --newdata "$TMP/new.csv" --format csv
has "$TMP/out" "row,P(no),P(yes),se_P(no),se_P(yes)"
expect 2 "not an option of partreg predict" "$BIN" predict "$DATA" --formula "$F" \
    --newdata "$TMP/new.csv" --at "age=30"

# ---- standardized coefficients ---------------------------------------------
expect 0 "" "$BIN" fit "$DATA" --formula "$F" --standardize
has "$TMP/out" "Standardized coefficients"
has "$TMP/out" "OR per SD"

echo "cli_options: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
