#!/usr/bin/env bash
# Every option everywhere: each option that `partreg fit --help` lists is
# run with each command (fit, report, predict, lrtest, table). A command
# either uses the option, and then its output differs from the same run
# without it (or the option's file appears), or refuses it with a one-line
# message that says why. An option this test does not know fails it: add
# it to the table below with the arguments that show its effect.
# Usage: cli_options_scope.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA0=$SRC/examples/data/participation_survey.csv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0
fail() { echo "cli_options_scope: FAIL: $*"; fails=$((fails + 1)); }

# the survey with weights, strata, PSUs, an fpc and replicate weights
DATA=$TMP/survey.csv
awk -F, 'NR == 1 { print $0 ",fw,w,str,fpc,rw1,rw2,rw3,rw4"; next }
         { c = $1; printf "%s,%d,%.3f,%d,%d,%.3f,%.3f,%.3f,%.3f\n", $0, 1 + NR % 3,
           1 + (NR % 5) / 4, c % 4, 40, (c % 4 == 0 ? 0 : 1.33), (c % 4 == 1 ? 0 : 1.33),
           (c % 4 == 2 ? 0 : 1.33), (c % 4 == 3 ? 0 : 1.33) }' "$DATA0" >"$DATA"
head -n 6 "$DATA" >"$TMP/new.csv"
F="participated ~ social_capital + age + insured"
F0="participated ~ age"
"$BIN" fit "$DATA" --formula "$F" --format json >"$TMP/saved.json" || fail "saved results"
MI=$SRC/tests/data/titanic_mi20.csv
MIF="survived ~ sex + age"
head -n 6 "$MI" | tail -n 5 >"$TMP/mi_rows"
{ head -n 1 "$MI"; cat "$TMP/mi_rows"; } >"$TMP/mi_new.csv"

# option | arguments with it | arguments without it (the same run less the
# option; "-" when those alone are not a valid run)
read -r -d '' TABLE <<'T'
--formula|-|-
--family|--family ordinal|
--nominal|--nominal social_capital --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--scale|--scale age --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--autofit|--autofit --formula@willingness ~ social_capital + age + insured|--formula@willingness ~ social_capital + age + insured
--nominal-test|--nominal-test --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--scale-test|--scale-test --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--parallel-test|--parallel-test --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--gof|--gof --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--many-levels|--many-levels --formula@age ~ social_capital + insured|-
--link|--link probit|
--levels|--levels yes,no|
--ref|--ref education=tertiary --formula@participated ~ social_capital + age + education|--formula@participated ~ social_capital + age + education
--weights|--weights fw|
--vcov|--vcov hc1|
--cluster|--cluster community --vcov cluster|-
--ci|--ci profile|
--conf-level|--conf-level 0.9|
--margins|--margins|
--margins-at-means|--margins-at-means|
--at|--at age=30|
--over|--over gender|
--contrast|--contrast reference --over gender|--over gender
--prob-ci|--prob-ci delta --at age=80|--at age=80
--profile|--profile age|
--marginsplot|--marginsplot @SVG --profile age|--profile age
--standardize|--standardize|
--brant|--brant --formula@willingness ~ social_capital + age|--formula@willingness ~ social_capital + age
--firth|--firth|
--flic|--flic --firth|--firth
--cluster-df|--cluster-df --vcov cluster --cluster community|--vcov cluster --cluster community
--imputations|--imputations imp|-
--sampling-weights|--sampling-weights w|
--strata|--strata str --sampling-weights w|--sampling-weights w
--psu|--psu community --sampling-weights w|--sampling-weights w
--fpc|--fpc fpc --strata str --sampling-weights w|--strata str --sampling-weights w
--subpop|--subpop gender=male --sampling-weights w|--sampling-weights w
--lonely-psu|--lonely-psu certainty --sampling-weights w|--sampling-weights w
--repweights|--repweights rw* --rep-type jk1 --sampling-weights w|-
--rep-type|--rep-type bootstrap --repweights rw* --sampling-weights w|--rep-type jk1 --repweights rw* --sampling-weights w
--fay-rho|--fay-rho 0.3 --rep-type fay --repweights rw* --sampling-weights w|--rep-type fay --repweights rw* --sampling-weights w
--rep-mse|--rep-mse --rep-type jk1 --repweights rw* --sampling-weights w|--rep-type jk1 --repweights rw* --sampling-weights w
--nagq|--nagq 3 --formula@participated ~ social_capital + age + (1 | community)|--formula@participated ~ social_capital + age + (1 | community)
--conditional|--conditional --formula@participated ~ social_capital + age + (1 | community)|--formula@participated ~ social_capital + age + (1 | community)
--na|--na 49|
--delim|--delim ,|
--expected-information|--expected-information --link probit|--link probit
--max-iter|--max-iter 2|
--threads|--threads 1|
--kernel|--kernel scalar|
--memory|--memory 64K|
--out-of-core|--out-of-core|
--tmpdir|--tmpdir @DIR --out-of-core|--out-of-core
--timing|--timing --format json|--format json
--format|--format json|
--out|--out @OUT|
--curve|--curve age|
--title|--title Model|
--newdata|--newdata @NEW|
--id|--id income|
--linear|--linear|
--results|--results @SAVED|
--eform|--eform|
--brackets|--brackets ci|
--stars|--stars|
T
# options whose effect depends on the data (this data has no single-PSU
# stratum, no cell "NA", one delimiter; threads and kernel routes change
# no printed digit) or that
# the command's numbers are invariant to (the LR statistic to which level
# is the event and to the information behind the SEs; predictions to the
# reference level; the table's three decimals to the strata of this design;
# autofit keeps this data's model parallel, so the model other commands
# use is the same; predict out of core gives the in-memory numbers; --tmpdir
# moves a file that fit deletes when it ends)
SAME_OK=" --lonely-psu --delim --threads --kernel lrtest:--levels lrtest:--expected-information 
 predict:--ref table:--strata 
 predict:--autofit lrtest:--autofit table:--autofit 
 --tmpdir predict:--memory predict:--out-of-core "

# every option of the help must be in the table
for opt in $("$BIN" fit --help | grep -oE '^  --[a-z-]+' | sort -u); do
    checks=$((checks + 1))
    grep -q "^$opt|" <<<"$TABLE" || fail "$opt is in partreg fit --help but not in this test's table"
done

# base arguments of each command (the run without the option)
base() { # base COMMAND DATAFILE FORMULA NEWDATA: into array B
    local cmd=$1 data=$2 f=$3 new=$4
    case $cmd in
    fit) B=(fit "$data" --formula "$f") ;;
    report) B=(report "$data" --formula "$f" --out "$TMP/report.html") ;;
    predict) B=(predict "$data" --formula "$f" --newdata "$new") ;;
    lrtest) B=(lrtest "$data" --formula "$f" --formula "$5") ;;
    table) B=(table "$data" --formula "$f") ;;
    esac
}

# run ARGS...: stdout (or the report file) to $TMP/res, status in RC
run() {
    rm -f "$TMP/report.html" "$TMP/plot.svg"
    "$BIN" "$@" >"$TMP/res" 2>"$TMP/err"
    RC=$?
    [ -f "$TMP/report.html" ] && sed 's/[0-9.]* s</s</g' "$TMP/report.html" >>"$TMP/res"
    [ -f "$TMP/plot.svg" ] && cat "$TMP/plot.svg" >>"$TMP/res"
}

expand() { # the table's argument text into array A (@-words substituted)
    A=()
    local w
    local IFS=' '
    for w in $1; do
        case $w in
        @SVG) A+=("$TMP/plot.svg") ;;
        @OUT) A+=("$TMP/out.txt") ;;
        @NEW) A+=("$TMP/new.csv") ;;
        @SAVED) A+=("$TMP/saved.json") ;;
        @DIR) A+=("$TMP") ;;
        *) A+=("$w") ;;
        esac
    done
}

while IFS='|' read -r opt with without; do
    [ -n "$opt" ] || continue
    for cmd in fit report predict lrtest table; do
        data=$DATA f=$F f0=$F0 new=$TMP/new.csv
        [ "$opt" = "--formula" ] && continue # every run's own
        if [ "$opt" = "--imputations" ]; then
            data=$MI f=$MIF f0="survived ~ sex" new=$TMP/mi_new.csv
        fi
        # a formula the option needs replaces the base one
        w=$with wo=$without
        if [[ $w == *--formula@* ]]; then
            f=${w#*--formula@}
            w=${w%% --formula@*}
            wo=${wo%%--formula@*}
            [ "$cmd" = lrtest ] && f0="${f%%+*}"
        fi
        base "$cmd" "$data" "$f" "$new" "$f0"
        expand "$w"
        WITH=("${A[@]}")
        [ "$opt" = "--out" ] && [ "$cmd" = report ] && continue # the base run's own
        [ "$opt" = "--newdata" ] && [ "$cmd" = predict ] && continue
        checks=$((checks + 1))
        run "${B[@]}" "${WITH[@]}"
        if [ "$RC" -ne 0 ] && [ "$RC" -ne 3 ]; then # 3: the fit ran and did not converge
            # a refusal: one line that names the command and says why
            if [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q "^partreg" "$TMP/err"; then
                fail "$cmd $opt: exit $RC without a one-line reason: $(head -c 300 "$TMP/err")"
            fi
            continue
        fi
        if [ "$opt" = "--out" ] || [ "$opt" = "--marginsplot" ]; then
            [ -s "${WITH[1]}" ] || fail "$cmd $opt: exit 0 but no file ${WITH[1]}"
            rm -f "$TMP/out.txt"
            continue
        fi
        cp "$TMP/res" "$TMP/res_with"
        if [ "$wo" = "-" ]; then
            continue # accepted; no run without it to compare with
        fi
        expand "$wo"
        run "${B[@]}" "${A[@]}"
        if [ "$RC" -eq 0 ] && cmp -s "$TMP/res" "$TMP/res_with" && [[ $SAME_OK != *" $opt "* ]] &&
            [[ $SAME_OK != *" $cmd:$opt "* ]]; then
            fail "$cmd accepts $opt but its output is the same without it"
        fi
    done
done <<<"$TABLE"

echo "cli_options_scope: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
