#!/usr/bin/env bash
# Survey designs in `make bench`: partreg against R survey's svyglm (binary
# logit) and svyolr (ordinal logit) on the same synthetic stratified
# cluster sample (bench/gen_survey.c: 50 strata x 20 PSUs, sampling
# weights), in one run. Called by bench/run.sh; alone:
#
#   bench/survey.sh [BUILD_DIR] [N ...]     (default N: 100000 1000000)
#
# Each partreg fit is timed in-process (bench/survey_time.c): the weighted
# fit and the design variance (Taylor linearisation) apart, with the passes
# each made over the data; the peers' fit calls are timed with
# system.time (the design variance is computed inside svyglm and svyolr).
# Both also report their CPU time (all threads): on a shared machine the
# wall times grow with the load, the CPU times far less, so the CPU
# speed-up is the steadier comparison.
# Appends a markdown table to bench/data/survey.md; raw lines go to
# bench/data/survey.tsv. SURVEY_REPS (default 3) runs of partreg, one of
# each peer (they take seconds to minutes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
shift || true
NS=${*:-100000 1000000}
data=$here/data
bin=$data/bin
mkdir -p "$data" "$bin"
REPS=${SURVEY_REPS:-3}
P=10
libs="$build/libpartreg.a $(pkg-config --libs openblas) $(pkg-config --libs-only-l gsl | sed 's/-lgslcblas//') -lpthread -lm"
cc -O2 -std=c11 -Wall -Wextra "$here/gen_survey.c" -lm -o "$bin/gen_survey"
cc -O2 -std=c11 -Wall -Wextra -I"$src/include" -I"$src/lib" "$here/survey_time.c" $libs -o "$bin/survey_time"
raw=$data/survey.tsv
printf "tool\tfamily\tn\trep\tfit_s\tvariance_s\ttotal_s\tfit_passes\tvariance_passes\tcpu_s\n" > "$raw"
for n in $NS; do
  f=$data/survey_n$n
  [ -f "$f.f64" ] || "$bin/gen_survey" "$f" "$n" "$P"
  for fam in binary ordinal; do
    for rep in $(seq 1 "$REPS"); do
      line=$("$bin/survey_time" "$f.f64" "$n" "$P" $fam | head -1)
      get() { echo "$line" | sed -n "s/.*$1=\([0-9.e+-]*\).*/\1/p"; }
      printf "partreg\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" $fam "$n" "$rep" "$(get fit_s)" \
        "$(get variance_s)" "$(get total_s)" "$(get fit_passes)" "$(get variance_passes)" \
        "$(get cpu_s)" >> "$raw"
      echo "  partreg $fam n=$n: $line"
    done
    peer=$([ $fam = binary ] && echo svyglm || echo svyolr)
    if out=$(Rscript "$here/peer_survey.R" "$f.f64" "$n" "$P" $peer 2>"$data/survey_peer.err"); then
      t=$(echo "$out" | sed -n 's/^fit_s=\([0-9.]*\).*/\1/p')
      c=$(echo "$out" | sed -n 's/^fit_s=.* cpu_s=\([0-9.]*\).*/\1/p')
      printf "%s\t%s\t%s\t1\t%s\tNA\t%s\tNA\tNA\t%s\n" $peer $fam "$n" "$t" "$t" "$c" >> "$raw"
      echo "  $peer n=$n: ${t}s"
    else
      echo "  $peer n=$n failed: $(tail -1 "$data/survey_peer.err")" >&2
    fi
  done
done
# median of partreg's totals against the peer, per family and n
{
  echo "| family | n | partreg fit (s) | design variance (s) | partreg total (s) | passes: fit + variance | peer | peer (s) | speed-up | CPU: partreg / peer (s) | CPU speed-up |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
  awk -F'\t' 'NR > 1 {
      key = $2 "\t" $3
      if ($1 == "partreg") { n[key]++; fit[key, n[key]] = $5; var[key, n[key]] = $6;
                              tot[key, n[key]] = $7; fp[key] = $8; vp[key] = $9; cpu[key, n[key]] = $10 }
      else { peer[key] = $1; pt[key] = $5; pc[key] = $10 }
      keys[key] = 1
    }
    function med(a, key, m,   i, j, t, v) {
      for (i = 1; i <= m; i++) v[i] = a[key, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    }
    END {
      for (key in keys) {
        split(key, kk, "\t"); m = n[key]
        f = med(fit, key, m); va = med(var, key, m); to = med(tot, key, m)
        sp = (key in pt) ? sprintf("%.0fx", pt[key] / to) : "-"
        cp = med(cpu, key, m)
        cs = (key in pc && pc[key] != "" && cp > 0) ? sprintf("%.0fx", pc[key] / cp) : "-"
        printf "| %s | %s | %.3f | %.3f | %.3f | %s + %s | %s | %s | %s | %.3f / %s | %s |\n", kk[1], kk[2], f, va, to,
               fp[key], vp[key], (key in peer) ? peer[key] : "-", (key in pt) ? pt[key] : "-", sp,
               cp, (key in pc && pc[key] != "") ? pc[key] : "-", cs
      }
    }' "$raw" | sort -t'|' -k2,2 -k3,3n
} > "$data/survey.md"
cat "$data/survey.md"
