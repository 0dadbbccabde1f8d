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
# passes over the design by phase: the fit's, the diagnostics' one, no profile
p = d["timing"]["passes"]
assert p["fit"] >= 1 and p["diagnostics"] == 1 and p["intervals"] == 0, p
assert "profile" not in d["timing"]
PY
# with profile intervals and the Brant test: their shared passes and the
# evaluations per bound (the model covariance: no pass of its own)
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + insured + age" \
    --ci profile --brant --format json --timing
python3 - "$TMP/out" <<'PY' || fail "timing passes with --ci profile --brant"
import json, sys
t = json.load(open(sys.argv[1]))["timing"]
p, pr = t["passes"], t["profile"]
assert pr["bounds"] == 6 and pr["passes"] == p["intervals"] and 1 <= pr["passes"] <= 12, t
assert 2 <= pr["evaluations_per_bound"] <= 40, t
assert p["vcov"] == 0 and 3 <= p["brant"] <= 12, p
total = sum(p[k] for k in ("vcov", "intervals", "margins", "brant", "tests", "diagnostics"))
assert abs(p["inference"] - total) < 1e-9, p
PY
# a robust covariance: its passes counted in its own phase
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + insured + age" \
    --vcov hc1 --brant --format json --timing
python3 - "$TMP/out" <<'PY' || fail "timing passes with --vcov hc1 --brant"
import json, sys
t = json.load(open(sys.argv[1]))["timing"]
p = t["passes"]
assert p["vcov"] == 2 and p["intervals"] == 0 and 3 <= p["brant"] <= 12, p
assert "profile" not in t, t
PY
# cluster covariances: CR1 reads the scores once, CR2 twice (its Gram sums,
# then its pole sums), each beside the data check; whole passes come out
# whole
expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital + age" \
    --vcov cluster --cluster community --format json --timing
python3 - "$TMP/out" <<'PY' || fail "timing passes with --vcov cluster"
import json, sys
p = json.load(open(sys.argv[1]))["timing"]["passes"]
assert p["vcov"] == 2 and p["diagnostics"] == 1 and p["inference"] == 3, p
PY
expect 0 "" "$BIN" fit "$DATA" --formula "participated ~ social_capital + age" \
    --vcov cr2 --cluster community --format json --timing
python3 - "$TMP/out" <<'PY' || fail "timing passes with --vcov cr2"
import json, sys
p = json.load(open(sys.argv[1]))["timing"]["passes"]
assert p["vcov"] == 3 and p["diagnostics"] == 1 and p["inference"] == 4, p
PY
# the margins: AME of every variable and level, MEM and an --at grid, one
# pass over the rows each
expect 0 "" "$BIN" fit "$DATA" --formula "willingness ~ social_capital + insured + age" \
    --margins --margins-at-means --at "age=30,50 insured=yes,no" --format json --timing
python3 - "$TMP/out" <<'PY' || fail "timing passes with --margins --margins-at-means --at"
import json, sys
p = json.load(open(sys.argv[1]))["timing"]["passes"]
assert p["margins"] == 3 and p["inference"] == 3, p
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

# a random intercept in every format: JSON nagq, random_effects with one
# mode per community; CSV one random_sd row and one group_effect row per
# community; text the sd line; the same numbers in all three; --conditional
# changes the margins but not the fit
RI=(--formula "willingness ~ social_capital + age + (1 | community)" --margins)
expect 0 "" "$BIN" fit "$DATA" "${RI[@]}" --format json
cp "$TMP/out" "$TMP/ri.json"
# CSV holds the coefficients only, so it is asked for without --margins
expect 0 "" "$BIN" fit "$DATA" "${RI[@]:0:2}" --format csv
cp "$TMP/out" "$TMP/ri.csv"
expect 0 "" "$BIN" fit "$DATA" "${RI[@]}"
grep -qE '^sd +0\.[0-9]{5} +0\.[0-9]{5}' "$TMP/out" || fail "random intercept: no sd line in the text"
expect 0 "" "$BIN" fit "$DATA" "${RI[@]}" --conditional --format json
cp "$TMP/out" "$TMP/ri_cond.json"
python3 - "$TMP/ri.json" "$TMP/ri.csv" "$TMP/ri_cond.json" <<'PY' || fail "random intercept JSON/CSV"
import csv, json, sys
d = json.load(open(sys.argv[1])); rows = list(csv.DictReader(open(sys.argv[2])))
c = json.load(open(sys.argv[3]))
re_ = d["random_effects"][0]
assert d["nagq"] == 15 and d["predictions"] == "averaged" and c["predictions"] == "conditional"
assert re_["group"] == "community" and re_["n_groups"] == 40 and len(re_["modes"]) == 40
sd = [r for r in rows if r["type"] == "random_sd"]
ge = [r for r in rows if r["type"] == "group_effect"]
assert len(sd) == 1 and sd[0]["term"] == "sd(community)" and len(ge) == 40
assert abs(float(sd[0]["estimate"]) - re_["sd"]) < 1e-12 * re_["sd"]
for m, r in zip(re_["modes"], ge):
    assert r["term"] == "community[%s]" % m["level"]
    assert abs(float(r["estimate"]) - m["mode"]) <= 1e-12 * (1 + abs(m["mode"]))
assert not any(t["term"] == "log_sigma" for t in d["coefficients"])
assert c["loglik"] == d["loglik"]
assert abs(c["margins"][0]["estimate"] - d["margins"][0]["estimate"]) > 1e-6
PY

# a random intercept with the other commands: predict integrates over it
# (a new resident needs no community) or, with --conditional, holds it at
# 0; table shows sd(G) from a fit and from its saved JSON; lrtest gives
# --nagq to the model with (1 | G) only and halves the p-value
RF2="participated ~ social_capital + age + (1 | community)"
printf 'social_capital,age\n-1.5,25\n0.3,47\n2.1,70\n' >"$TMP/ri_new.csv"
expect 0 "" "$BIN" fit "$DATA" --formula "$RF2" --format json --nagq 25
cp "$TMP/out" "$TMP/ri2.json"
expect 0 "" "$BIN" predict "$DATA" --formula "$RF2" --nagq 25 --newdata "$TMP/ri_new.csv" --format json --linear
cp "$TMP/out" "$TMP/ri_avg.json"
expect 0 "" "$BIN" predict "$DATA" --formula "$RF2" --nagq 25 --newdata "$TMP/ri_new.csv" --format json --conditional
cp "$TMP/out" "$TMP/ri_u0.json"
expect 0 "" "$BIN" predict "$DATA" --formula "$RF2" --newdata "$TMP/ri_new.csv"
grep -q "^Random intercept (1 | community): population-averaged" "$TMP/out" ||
    fail "predict: the random intercept's predictions not named"
expect 0 "" "$BIN" table "$DATA" --formula "participated ~ social_capital + age" --formula "$RF2" \
    --results "$TMP/ri2.json" --nagq 25 --format csv
cp "$TMP/out" "$TMP/ri_table.csv"
expect 0 "" "$BIN" lrtest "$DATA" --formula "$RF2" --formula "participated ~ social_capital + age" --nagq 25 --format json
cp "$TMP/out" "$TMP/ri_lr.json"
# --at, --over and --contrast with a random intercept: each cell is the
# mean over the group's rows of predict's population-averaged (or, with
# --conditional, u = 0) probabilities of the rows set to the cell's value
awk -F, -v OFS=, 'NR == 1 { print; next } { $3 = 30; print }' "$DATA" >"$TMP/age30.csv"
awk -F, -v OFS=, 'NR == 1 { print; next } { $3 = 60; print }' "$DATA" >"$TMP/age60.csv"
for how in averaged conditional; do
    c=(); [ $how = conditional ] && c=(--conditional)
    expect 0 "" "$BIN" fit "$DATA" --formula "$RF2" --at "age=30,60" --over gender --contrast reference \
        "${c[@]}" --format json
    cp "$TMP/out" "$TMP/ri_at_$how.json"
    for a in 30 60; do
        expect 0 "" "$BIN" predict "$DATA" --formula "$RF2" --newdata "$TMP/age$a.csv" --id gender \
            "${c[@]}" --format json
        cp "$TMP/out" "$TMP/ri_rows_${how}_$a.json"
    done
    python3 - "$TMP/ri_at_$how.json" "$TMP/ri_rows_${how}_30.json" "$TMP/ri_rows_${how}_60.json" <<'PY' ||
import json, sys
at = json.load(open(sys.argv[1])); rows = [json.load(open(f)) for f in sys.argv[2:4]]
mean = {}
for a, r in zip((30, 60), rows):
    for g in ("female", "male"):
        p = [e["probabilities"][1]["estimate"] for e in r["predictions"] if e["id"] == g]
        mean[(a, g)] = sum(p) / len(p)
cells = {(e["term"], e["over"]): e["estimate"] for e in at["predictions_at"]}
for (a, g), m in mean.items():
    assert abs(cells[("age=%d" % a, "gender=" + g)] - m) < 1e-12, (a, g, m)
for c in at["contrasts"]:
    g = c["over"].split("=")[1]
    assert abs(c["estimate"] - (mean[(60, g)] - mean[(30, g)])) < 1e-12
PY
        fail "random intercept: --at/--over/--contrast ($how) are not the means of predict's rows"
done

# --standardize with a random intercept: the latent y* = x'b + u + e, so
# sd(y*)^2 = var(x'b) + sigma^2 + pi^2/3
expect 0 "" "$BIN" fit "$DATA" --formula "$RF2" --standardize --format json
python3 - "$TMP/out" "$DATA" <<'PY' || fail "random intercept: sd(y*) of --standardize"
import csv, json, math, sys
d = json.load(open(sys.argv[1])); rows = list(csv.DictReader(open(sys.argv[2])))
b = {c["term"]: c["estimate"] for c in d["coefficients"]}
eta = [b["social_capital"] * float(r["social_capital"]) + b["age"] * float(r["age"]) for r in rows]
m = sum(eta) / len(eta)
var = sum((e - m) ** 2 for e in eta) / (len(eta) - 1)
s = d["random_effects"][0]["sd"]
want = math.sqrt(var + s * s + math.pi ** 2 / 3)
assert abs(d["standardized"]["sd_latent"] - want) < 1e-10 * want, (d["standardized"]["sd_latent"], want)
PY

# report: the first formula without (1 | G) is its model, --nagq goes to the other's column
expect 0 "" "$BIN" report "$DATA" --formula "participated ~ social_capital + age" --formula "$RF2" \
    --nagq 5 --out "$TMP/ri_two.html"
grep -q "sd(community)" "$TMP/ri_two.html" || fail "report: no sd(community) row in the models' table"
python3 - "$TMP/ri2.json" "$TMP/ri_avg.json" "$TMP/ri_u0.json" "$TMP/ri_table.csv" "$TMP/ri_lr.json" <<'PY' || fail "random intercept in predict, table, lrtest"
import csv, json, math, sys
fit = json.load(open(sys.argv[1])); avg = json.load(open(sys.argv[2]))
u0 = json.load(open(sys.argv[3])); rows = list(csv.DictReader(open(sys.argv[4])))
lr = json.load(open(sys.argv[5]))
b = {c["term"]: c["estimate"] for c in fit["coefficients"]}
re_ = fit["random_effects"][0]
s = re_["sd"]
assert avg["random_intercept"] == "averaged" and u0["random_intercept"] == "conditional"
F = lambda x: 1.0 / (1.0 + math.exp(-x))
# P = integral of F(eta + s z) phi(z) dz, by the trapezoidal rule on [-12, 12]
def averaged(eta):
    h = 24.0 / 24000
    return h * sum(F(eta + s * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
                   for z in (-12.0 + h * k for k in range(24001)))
for r, a, c in zip(((-1.5, 25), (0.3, 47), (2.1, 70)), avg["predictions"], u0["predictions"]):
    eta = b["(Intercept)"] + b["social_capital"] * r[0] + b["age"] * r[1]
    assert abs(a["linear"]["estimate"] - eta) < 1e-12 * (1 + abs(eta))
    pa = a["probabilities"][1]["estimate"]; pc = c["probabilities"][1]["estimate"]
    assert abs(pc - F(eta)) < 1e-12, (pc, F(eta))
    assert abs(pa - averaged(eta)) < 1e-9, (pa, averaged(eta))
    assert abs(pa - pc) > 1e-4
sd = [r for r in rows if r["section"] == "random"]
assert len(sd) == 1 and sd[0]["term"] == "sd(community)"
assert sd[0]["(1)_estimate"] == "" and sd[0]["(3)_p_value"] == ""
for m in ("(2)", "(3)"):
    assert abs(float(sd[0][m + "_estimate"]) - s) < 1e-10 * s
    assert abs(float(sd[0][m + "_std_error"]) - re_["sd_std_error"]) < 1e-8
    assert abs(float(sd[0][m + "_conf_low"]) - re_["sd_conf_low"]) < 1e-8
assert not any(r["term"] == "log_sigma" for r in rows)
assert abs(lr["chi2"] - re_["lr_chi2"]) < 1e-8 * lr["chi2"] and lr["df"] == 1
assert abs(lr["p_value"] - re_["lr_p_value"]) < 1e-8 * re_["lr_p_value"]
# the fit's LR test against the null model (no random intercept): sd on
# its boundary, p = (Q_chi2(2) + Q_chi2(3)) / 2
t = fit["lr_test"]; x = t["chi2"]
assert t["df"] == 3
q2 = math.exp(-x / 2); q3 = math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
assert abs(t["p_value"] - (q2 + q3) / 2) < 1e-10 * t["p_value"], (t, (q2 + q3) / 2)
PY

# one DATA file per imputation = the stacked file with --imputations: the
# same JSON but for "data" (a design with pooled margins; an ordinal model
# with pooled margins and predictions at values; imp = 0 rows skipped)
split_imps() { # FILE PREFIX: PREFIX_<i>.csv per imputation number i >= 1
    awk -F, -v p="$2" 'NR == 1 { sub(/^"?imp"?,/, ""); h = $0; next }
        $1 > 0 { f = p "_" $1 ".csv"; if (!(f in seen)) { print h > f; seen[f] = 1 }
                 sub(/^[^,]*,/, ""); print > f }' "$1"
}
mi_same() { # NAME STACKED M ARGS...: stacked vs one file per imputation
    local name=$1 stacked=$2 m=$3
    shift 3
    split_imps "$stacked" "$TMP/$name"
    local files=()
    for i in $(seq 1 "$m"); do files+=("$TMP/${name}_$i.csv"); done
    "$BIN" fit "$stacked" --imputations imp "$@" --format json >"$TMP/$name.stacked" ||
        fail "$name: stacked fit failed"
    "$BIN" fit "${files[@]}" "$@" --format json >"$TMP/$name.files" ||
        fail "$name: fit on $m files failed"
    grep -q '"imputations": '"$m" "$TMP/$name.files" || fail "$name: files not pooled as $m imputations"
    diff <(grep -v '^  "data": ' "$TMP/$name.stacked") <(grep -v '^  "data": ' "$TMP/$name.files") \
        >/dev/null || fail "$name: one file per imputation differs from the stacked file"
}
mi_same nhanes_mi "$SRC/tests/data/nhanes_mi5.csv" 5 \
    --formula "HI_CHOL ~ factor(race) + agecat + female" --sampling-weights WTMEC2YR \
    --strata SDMVSTRA --psu SDMVPSU --margins
mi_same apistrat_mi "$SRC/tests/data/apistrat_mi8.csv" 8 \
    --formula "api4 ~ meals + ell + stype" --link probit --levels "low,lower-mid,upper-mid,high" \
    --margins --at "ell=10,50 stype=E,H"

# pooled scale effects carry df, riv and fmi like the coefficients (their
# p-values and intervals use t(df)); thresholds carry none (CONTRACT.md)
"$BIN" fit "$SRC/tests/data/apistrat_mi8.csv" --imputations imp --formula "api4 ~ meals + ell" \
    --levels "low,lower-mid,upper-mid,high" --scale stype --format json >"$TMP/mi_scale.json" ||
    fail "pooled scale model failed"
python3 - "$TMP/mi_scale.json" <<'PY' || fail "pooled scale entries lack df/riv/fmi"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["scale"] and d["thresholds"]
for e in d["coefficients"] + d["scale"]:
    df, riv, fmi = e["df"], e["riv"], e["fmi"]
    assert df > 0 and riv >= 0
    assert abs(fmi - (riv + 2 / (df + 3)) / (riv + 1)) < 1e-12, e
for e in d["thresholds"]:
    assert not {"df", "riv", "fmi"} & set(e), e
PY

# the test of all slopes in place of the LR test: the model covariance has
# the LR test; hc1 a Wald chi2; cr2 the HTZ F; --cluster-df the F on
# (q, G - 1); too few clusters for the slopes none, with the reason
AW="$SRC/tests/data/aawards_2001_girls.csv"
AWF="Bagrut_status ~ treated + lagscore + father_ed + mother_ed"
for v in model hc1 "cr2 --cluster school_id" "cluster --cluster school_id --cluster-df"; do
    # shellcheck disable=SC2086
    "$BIN" fit "$AW" --formula "$AWF" --vcov $v --format json >"$TMP/mt_${v%% *}.json" ||
        fail "--vcov $v failed"
done
awk -F, 'BEGIN { OFS = "," } NR > 1 { $1 = NR % 3 } { print }' "$AW" >"$TMP/aw3.csv"
"$BIN" fit "$TMP/aw3.csv" --formula "$AWF" --vcov cr2 --cluster school_id --format json \
    >"$TMP/mt_few.json" || fail "cr2 on 3 clusters failed"
"$BIN" fit "$TMP/aw3.csv" --formula "$AWF" --vcov cr2 --cluster school_id >"$TMP/mt_few.txt" ||
    fail "cr2 on 3 clusters (text) failed"
grep -q "Wald test of all slopes: not computed: the cr2 covariance of the 4 slopes has rank 3" \
    "$TMP/mt_few.txt" || fail "no reason for the missing test of all slopes"
grep -q "LR chi2" "$TMP/mt_few.txt" && fail "an LR test under cr2"
python3 - "$TMP" <<'PY' || fail "the test of all slopes under each covariance"
import json, sys
d = {k: json.load(open(f"{sys.argv[1]}/mt_{k}.json")) for k in ("model", "hc1", "cr2", "cluster", "few")}
assert d["model"]["lr_test"]["df"] == 4 and "wald_test" not in d["model"]
for k, method in (("hc1", "chi2"), ("cr2", "htz"), ("cluster", "naive-f")):
    assert d[k]["lr_test"] is None, k
    w = d[k]["wald_test"]
    assert w["method"] == method and w["df1"] == 4, (k, w)
    assert (w["adjusted_f"] is None) == (method == "chi2"), (k, w)
assert d["cluster"]["wald_test"]["df2"] == 33
assert d["few"]["lr_test"] is None and d["few"]["wald_test"] is None
assert "rank 3" in d["few"]["wald_test_absent"]
PY

if [ "$fails" -gt 0 ]; then
    echo "cli_fit: $fails failure(s)"
    exit 1
fi
echo "cli_fit: all checks passed"
