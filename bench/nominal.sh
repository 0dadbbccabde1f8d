#!/usr/bin/env bash
# Partial proportional odds (x1 and x2 nominal) against the parallel fit
# and against R's ordinal::clm(nominal =) and VGAM::vglm, p = 10, on the
# data of bench/gen_data.c (5-level cumulative logit outcome).
#
# Usage: bench/nominal.sh [BUILD_DIR]      (run it under nice on a shared machine)
# Environment: NOMINAL_NS (default "10000 100000 1000000"), NOMINAL_REPS (5),
#   NOMINAL_CAP (seconds, default 120): a peer whose time projected from the
#   previous n (linearly) exceeds it is not run at the next n.
# Writes bench/data/nominal.md (bench/run.sh appends it to results.md) and
# prints it. Times are fit time only, medians of the runs (partreg: each
# run a fresh process, bench/fit_time.c; R: system.time of the fit call).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
data=$here/data
bin=$data/bin
mkdir -p "$data" "$bin"
NS=${NOMINAL_NS:-"10000 100000 1000000"}
REPS=${NOMINAL_REPS:-5}
CAP=${NOMINAL_CAP:-120}
declare -A last_n last_t
p=10
libs="$build/libpartreg.a $(pkg-config --libs openblas) $(pkg-config --libs-only-l gsl | sed 's/-lgslcblas//') -lpthread -lm"
cc -O2 -std=c11 "$here/gen_data.c" -lm -o "$bin/gen_data"
cc -O2 -std=c11 -I"$src/include" -I"$src/lib" -I"$build/generated" "$here/fit_time.c" $libs \
  -o "$bin/fit_time"
median() { sort -g | awk '{a[NR]=$1} END{if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
coef_of() { grep -m1 '^coef' "$1" | sed 's/^coef *//'; }
maxdiff() { # two coef lines
  awk -v a="$1" -v b="$2" 'BEGIN{n=split(a,x," "); split(b,y," "); m=0;
    for(i=1;i<=n;i++){d=x[i]-y[i]; if(d<0)d=-d; if(d>m)m=d} printf "%.1e", m}'
}
out=$data/nominal.md
{
  echo "## Partial proportional odds, p = 10, two nominal variables"
  echo
  echo "Fit time, median of the runs (count in brackets); load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Ratio = nominal fit / parallel fit of the same data (the target: at most 3 at n = 10^6)."
  echo
  echo "| n | partreg parallel | partreg nominal | ratio | ordinal::clm(nominal =) | vs partreg | max abs diff | VGAM::vglm | vs partreg | max abs diff |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
for n in $NS; do
  f=$data/n${n}_p${p}
  [ -f "$f.f64" ] || "$bin/gen_data" "$f" "$n" "$p" > /dev/null
  tp=(); tn=()
  for _ in $(seq "$REPS"); do
    "$bin/fit_time" "$f.f64" "$n" "$p" ordinal -1 1 > "$data/nom_par.out"
    tp+=("$(sed -n 's/^fit_s=\([0-9.e+-]*\).*/\1/p' "$data/nom_par.out")")
    "$bin/fit_time" "$f.f64" "$n" "$p" nominal -1 1 > "$data/nom_nom.out"
    tn+=("$(sed -n 's/^fit_s=\([0-9.e+-]*\).*/\1/p' "$data/nom_nom.out")")
  done
  mp=$(printf "%s\n" "${tp[@]}" | median); mn=$(printf "%s\n" "${tn[@]}" | median)
  ratio=$(awk -v a="$mn" -v b="$mp" 'BEGIN{printf "%.2f", a / b}')
  ours=$(coef_of "$data/nom_nom.out")
  cells=""
  for peer in clm_nominal vglm_nominal; do
    if [ -n "${last_n[$peer]:-}" ]; then
      proj=$(awk -v t="${last_t[$peer]}" -v n0="${last_n[$peer]}" -v n="$n" 'BEGIN{printf "%.0f", t * n / n0}')
      if [ "$proj" -gt "$CAP" ]; then cells="$cells | not run (projected ${proj} s > ${CAP} s) | | "; continue; fi
    fi
    if Rscript "$here/peer.R" "$f.f64" "$n" "$p" $peer > "$data/nom_peer.out" 2> "$data/nom_peer.err"; then
      t=$(sed -n 's/^fit_s=\([0-9.e+-]*\).*/\1/p' "$data/nom_peer.out")
      last_n[$peer]=$n; last_t[$peer]=$t
      cells="$cells | $t s (1) | $(awk -v a="$mn" -v b="$t" 'BEGIN{printf "1/%.0f", b / a}') | $(maxdiff "$ours" "$(coef_of "$data/nom_peer.out")")"
    else
      cells="$cells | failed: $(tail -1 "$data/nom_peer.err") | | "
    fi
  done
  echo "| $n | $mp s ($REPS) | $mn s ($REPS) | $ratio$cells |" >> "$out"
done
cat "$out"
