#!/usr/bin/env bash
# Every kernel route this machine runs, through the command
# (partreg_fit_options.kernel, set by PARTREG_KERNEL): the fast routes
# (scalar, avx2, avx512) print the same bytes as one another for binary and
# ordinal fits with every link (weights, clusters, margins, profile
# intervals and predictions included); the reference route, the plain
# loops that define the models, agrees with them to 1e-8 relative on
# every estimate, standard error and log-likelihood (both stop within the
# solver's tolerance of the same maximum, from different roundings); and
# the shared conformance cases pass on every route when the checker is
# present (../shared). A route the machine lacks is refused, which is
# checked in cli_errors.sh. Usage: cli_kernels.sh BUILD SOURCE
set -u
build=$1 src=$2
bin=$build/partreg
data=$src/examples/data/participation_survey.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "cli_kernels: FAIL: $*"; fails=$((fails + 1)); }

routes=""
for r in reference scalar avx2 avx512; do
    if PARTREG_KERNEL=$r "$bin" fit "$data" --formula "participated ~ age" --format json \
        >/dev/null 2>"$tmp/err"; then
        routes="$routes $r"
    elif ! grep -q "kernel route" "$tmp/err"; then
        fail "route $r: $(cat "$tmp/err")"
    fi
done
echo "cli_kernels: routes here:$routes"

# estimate, std_error and loglik values of a JSON report, one a line
numbers() { grep -Eo '"(estimate|std_error|loglik)": [^,}]*' "$1" | sed 's/.*: //'; }

ord="participation_type ~ social_capital + age + I(age^2) + education + log(income) + insured"
bin_f="participated ~ social_capital + age + I(age^2) + education + log(income) + insured"
n=0
run_case() { # name, then the command's arguments
    local name=$1
    shift
    n=$((n + 1))
    for r in $routes; do
        PARTREG_KERNEL=$r "$bin" "$@" > "$tmp/$r.out" 2> "$tmp/$r.err"
        echo $? > "$tmp/$r.rc"
    done
    for r in $routes; do
        [ "$r" = reference ] || [ "$r" = scalar ] && continue
        if ! cmp -s "$tmp/scalar.out" "$tmp/$r.out" || ! cmp -s "$tmp/scalar.rc" "$tmp/$r.rc"; then
            fail "$name: route $r differs from scalar"
            diff "$tmp/scalar.out" "$tmp/$r.out" | head -6
        fi
    done
    case " $routes " in *" reference "*) ;; *) return ;; esac
    cmp -s "$tmp/scalar.rc" "$tmp/reference.rc" || fail "$name: reference exits $(cat "$tmp/reference.rc"), scalar $(cat "$tmp/scalar.rc")"
    [ "$(head -c1 "$tmp/scalar.out")" = "{" ] || return 0
    numbers "$tmp/scalar.out" > "$tmp/s.num"
    numbers "$tmp/reference.out" > "$tmp/r.num"
    [ -s "$tmp/s.num" ] || fail "$name: no numbers in the report"
    paste "$tmp/s.num" "$tmp/r.num" | awk -v name="$name" '
        { d = $1 - $2; if (d < 0) d = -d; s = $1 < 0 ? -$1 : $1; if (s < 1e-12) s = 1e-12
          if (NF != 2 || d > 1e-8 * s) { printf "%s: reference %s, scalar %s\n", name, $2, $1; bad = 1 } }
        END { exit bad }' || fail "$name: the reference route differs beyond 1e-8"
}

for link in logit probit cloglog cauchit; do
    run_case "binary $link" fit "$data" --formula "$bin_f" --link $link --format json --margins \
        --vcov cluster --cluster community
done
for link in logit probit cloglog loglog cauchit; do
    run_case "ordinal $link" fit "$data" --formula "$ord" --levels passive,cooperative,autonomous \
        --link $link --format json --margins --ci profile
done
run_case "ordinal weighted" fit "$src/tests/data/housing.csv" --formula "Sat ~ Infl + Type + Cont" \
    --weights Freq --levels Low,Medium,High --format json --vcov hc1
run_case "predict" predict "$data" --formula "$ord" --levels passive,cooperative,autonomous \
    --newdata "$data"

checker=$src/../shared/conformance/check
if [ -f "$checker" ]; then
    for r in $routes; do
        PARTREG_KERNEL=$r python3 "$checker" "$bin" > "$tmp/conf" 2>&1 ||
            { fail "conformance cases on route $r"; tail -5 "$tmp/conf"; }
    done
fi

[ $fails = 0 ] && echo "cli_kernels: $n cases the same on every route ($routes )"
[ $fails = 0 ]
