#!/usr/bin/env bash
# partreg against R (glm, ordinal::clm, MASS::polr) and statsmodels (Logit,
# OrderedModel) on the same synthetic data (bench/gen_data.c), in one run.
#
# Usage: bench/run.sh [BUILD_DIR] [--quick]
#   full:    n = 1e4, 1e5, 1e6, 1e7 with p = 10 and p = 50, and the 10^8-row
#            out-of-core and MPI runs of bench/scale.sh; writes
#            bench/results.md and bench/time_vs_n.png
#   --quick: n up to 1e6 (p = 50 up to 1e5), slow peers once; writes
#            bench/data/results-quick.md and bench/data/time_vs_n-quick.png
# Data, binaries and raw timings live in bench/data/ (not committed).
#
# Every fit is timed inside its own process around the fit call alone
# (partreg: bench/fit_time.c around partreg_fit_create; R: system.time of
# the fit; Python: perf_counter around .fit()). Replicates alternate tools
# (rep 1 of every tool, then rep 2, ...; partreg, whose fits are short,
# runs PARTREG_RUNS times in each). Peak memory is /usr/bin/time's
# maximum resident set size of the whole process (data included).
# A peer is run fewer times, or skipped, when its projected time at a size
# exceeds the caps below; the report says which.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
[ "${1:-}" = "--quick" ] && build=$src/build
quick=0
for a in "$@"; do if [ "$a" = "--quick" ]; then quick=1; fi; done
sfx=""; if [ $quick = 1 ]; then sfx=-quick; fi
build=$(cd "$build" && pwd)
data=$here/data
bin=$data/bin
mkdir -p "$data" "$bin"
PY=/usr/bin/python3          # the Debian python, where python3-statsmodels lives
TIME=/usr/bin/time
REPS=${BENCH_REPS:-5}
# partreg's fits take a fraction of a second: each round runs it this many
# times (each in a fresh process), so its median is of 3 x REPS runs and
# moves less with the load of the shared machine than a median of 5 did
PARTREG_RUNS=${BENCH_PARTREG_RUNS:-3}

if [ $quick = 1 ]; then
  # about 6 minutes here: p = 50 up to 1e5 only, slow peers once or skipped,
  # no callgrind profile
  NS="10000 100000 1000000"; PS="10 50"; PMAX50=100000
  SLOW=5       # seconds: a peer slower than this per fit runs once
  CAP=60       # seconds: skip a peer whose projected fit time exceeds this
  out_md=$data/results-quick.md; out_png=$data/time_vs_n-quick.png
else
  NS="10000 100000 1000000 10000000"; PS="10 50"; PMAX50=10000000
  SLOW=20; CAP=240
  out_md=$here/results.md; out_png=$here/time_vs_n.png
fi
NS=${BENCH_NS:-$NS}; PS=${BENCH_PS:-$PS}   # overrides for trying the harness
SLOW=${BENCH_SLOW:-$SLOW}; CAP=${BENCH_CAP:-$CAP}   # and for a shorter full run
raw=$data/raw$sfx.tsv

# ---- build the C helpers against the installed build ----------------------
CFLAGS="-O2 -std=c11 -Wall -Wextra -Wconversion -Wshadow"
# OpenBLAS before GSL: GSL's pkg-config line brings its reference CBLAS,
# which would otherwise supply cblas_dsyrk/dgemv (several times slower)
libs="$build/libpartreg.a $(pkg-config --libs openblas) $(pkg-config --libs-only-l gsl | sed 's/-lgslcblas//') -lpthread -lm"
cc $CFLAGS "$here/gen_data.c" -lm -o "$bin/gen_data"
cc $CFLAGS "$here/bandwidth.c" -lpthread -o "$bin/bandwidth"
# fit_time reads the fit's pass count from lib/models/fit_counters.h
cc $CFLAGS -I"$src/include" -I"$src/lib" "$here/fit_time.c" $libs -o "$bin/fit_time"

# ---- data ----------------------------------------------------------------
for p in $PS; do for n in $NS; do
  f=$data/n${n}_p${p}
  if [ ! -f "$f.f64" ] || [ ! -f "$f.csv" ]; then
    echo "generating $f (n=$n p=$p)"
    "$bin/gen_data" "$f" "$n" "$p"
  fi
done; done

# ---- machine -------------------------------------------------------------
# The two-thread bandwidth moves with the other jobs on this shared machine
# (21.7 to 31.0 GB/s between runs of one day), so it is sampled before
# every group of fits and the floor uses the median of the samples: the
# bandwidth of the conditions the fits ran in, not of one moment.
bwlog=$data/bw$sfx.tsv
bw_sample() { "$bin/bandwidth" 2 | sed 's/.*gbs=\([0-9.]*\).*/\1/' >> "$bwlog"; }
bw1=$("$bin/bandwidth" 1 | sed 's/.*gbs=\([0-9.]*\).*/\1/')
: > "$bwlog"
bw_sample
{
  echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores	$(nproc)"
  echo "mem	$(free -g | awk '/Mem:/{print $2}') GiB"
  echo "kernel	$(uname -r)"
  echo "load	$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "bw1	$bw1"
  echo "R	$(Rscript -e 'cat(R.version.string, "MASS", as.character(packageVersion("MASS")), "ordinal", as.character(packageVersion("ordinal")))' 2>/dev/null)"
  echo "statsmodels	$($PY -c 'import statsmodels, numpy; print("statsmodels", statsmodels.__version__, "numpy", numpy.__version__)')"
  echo "blas	$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo ?)"
  echo "openblas_coretype	${OPENBLAS_CORETYPE:-unset}"
  echo "mode	$([ $quick = 1 ] && echo quick || echo full)"
} > "$data/machine$sfx.tsv"
echo "read bandwidth: $bw1 GB/s (1 thread), $(cat "$bwlog") GB/s (2 threads, first sample)"

# ---- one timed run: tool family n p rep ---------------------------------
# Appends: tool family n p rep fit_s rss_kib passes coef... (passes: partreg's
# passes over the design matrix, screening included; NA for the peers)
printf "tool\tfamily\tn\tp\trep\tfit_s\trss_kib\tpasses\tcoef\n" > "$raw"
run_one() {
  local tool=$1 fam=$2 n=$3 p=$4 rep=$5 f=$data/n${3}_p${4}.f64 o=$data/last.out
  case $tool in
    partreg)    cmd=("$bin/fit_time" "$f" "$n" "$p" "$fam" -1 1) ;;
    glm)        cmd=(Rscript "$here/peer.R" "$f" "$n" "$p" glm) ;;
    clm)        cmd=(Rscript "$here/peer.R" "$f" "$n" "$p" clm) ;;
    polr)       cmd=(Rscript "$here/peer.R" "$f" "$n" "$p" polr) ;;
    sm_logit)   cmd=($PY "$here/peer.py" "$f" "$n" "$p" logit) ;;
    sm_ordered) cmd=($PY "$here/peer.py" "$f" "$n" "$p" ordered) ;;
  esac
  if ! $TIME -f "rss_kib=%M" -o "$o.time" "${cmd[@]}" > "$o" 2> "$o.err"; then
    echo "  $tool n=$n p=$p failed: $(tail -1 "$o.err")" >&2
    printf "%s\t%s\t%s\t%s\t%s\tNA\tNA\tNA\tNA\n" "$tool" "$fam" "$n" "$p" "$rep" >> "$raw"
    return 0
  fi
  local fit_s rss it coef
  fit_s=$(grep -m1 '^fit_s=' "$o" | sed 's/fit_s=\([0-9.e+-]*\).*/\1/')
  it=$(grep -m1 'passes=' "$o" | sed 's/.*passes=\([0-9.]*\).*/\1/' || true)
  coef=$(grep -m1 '^coef' "$o" | sed 's/^coef *//; s/ *$//')
  rss=$(sed -n 's/rss_kib=//p' "$o.time")
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$tool" "$fam" "$n" "$p" "$rep" "$fit_s" "$rss" \
    "${it:-NA}" "$coef" >> "$raw"
  echo "  $tool $fam n=$n p=$p rep=$rep: ${fit_s}s rss=${rss}KiB"
  last_time=$fit_s
}

# projected time of a tool at n from its median at the previous n (linear)
declare -A median_prev
project() { # tool fam p n -> seconds (0 when unknown)
  local key="$1_$2_$3" prev=${median_prev["$1_$2_$3"]:-}
  [ -z "$prev" ] && { echo 0; return; }
  awk -v t="${prev#*:}" -v n0="${prev%%:*}" -v n="$4" 'BEGIN{printf "%.3f", t * n / n0}'
}
median_of() { # tool fam n p
  awk -F'\t' -v t="$1" -v f="$2" -v n="$3" -v p="$4" \
    '$1==t && $2==f && $3==n && $4==p && $6!="NA"{print $6}' "$raw" | sort -g |
    awk '{a[NR]=$1} END{if(NR==0) print ""; else if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

: > "$data/skipped$sfx.tsv"
skip_note() { printf "%s\t%s\t%s\t%s\t%s\n" "$@" >> "$data/skipped$sfx.tsv"; }

for p in $PS; do
  for n in $NS; do
    if [ "$p" -ge 50 ] && [ "$n" -gt "$PMAX50" ]; then continue; fi
    for fam in binary ordinal; do
      if [ $fam = binary ]; then tools="partreg glm sm_logit"; else tools="partreg clm polr sm_ordered"; fi
      # which tools run, and how many times
      declare -A reps_of=()
      for t in $tools; do
        reps_of[$t]=$REPS
        [ $t = partreg ] && continue
        proj=$(project $t $fam $p $n)
        # R holds the data twice plus the fit's copies: over ~20 GiB at 1e7 x 50
        if [ "$n" -ge 10000000 ] && [ "$p" -ge 50 ]; then
          reps_of[$t]=0; skip_note "$t" "$fam" "$n" "$p" "memory (design 4 GB; peers copy it several times)"; continue
        fi
        if awk -v a="$proj" -v c="$CAP" 'BEGIN{exit !(a > c)}'; then
          reps_of[$t]=0; skip_note "$t" "$fam" "$n" "$p" "projected ${proj}s per fit > cap ${CAP}s"; continue
        fi
        if awk -v a="$proj" -v c="$SLOW" 'BEGIN{exit !(a > c)}'; then
          r=$([ $quick = 1 ] && echo 1 || echo 3)
          [ "$n" -ge 10000000 ] && r=1
          reps_of[$t]=$r; skip_note "$t" "$fam" "$n" "$p" "runs=$r (projected ${proj}s per fit)"
        fi
      done
      bw_sample
      for rep in $(seq 1 "$REPS"); do
        for t in $tools; do
          [ "$rep" -le "${reps_of[$t]}" ] || continue
          runs=1; if [ $t = partreg ]; then runs=$PARTREG_RUNS; fi
          for _ in $(seq "$runs"); do run_one $t $fam $n $p $rep; done
          # a peer that turned out slow runs once more only when it is not too slow
          if [ "$t" != partreg ] && [ "$rep" = 1 ] &&
             awk -v a="${last_time:-0}" -v c="$SLOW" 'BEGIN{exit !(a > c)}' &&
             [ "${reps_of[$t]}" -gt 3 ]; then
            reps_of[$t]=$([ $quick = 1 ] && echo 1 || echo 3)
            skip_note "$t" "$fam" "$n" "$p" "runs=${reps_of[$t]} (first fit took ${last_time}s)"
          fi
        done
      done
      for t in $tools; do
        m=$(median_of $t $fam $n $p)
        [ -n "$m" ] && median_prev["${t}_${fam}_${p}"]="$n:$m"
      done
    done
  done
done

# the two-thread bandwidth for the floor: median of the samples, and their range
sort -g "$bwlog" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
  printf "bw2\t%s\nbw2_samples\t%d\t%s\t%s\n", m, NR, a[1], a[NR]}' >> "$data/machine$sfx.tsv"

# ---- end to end: the partreg command on the CSV -------------------------
e2e=$data/e2e$sfx.tsv
printf "family\tn\tp\trep\twall_s\trss_kib\tread_s\tdesign_s\tfit_s\tinference_s\ttotal_s\n" > "$e2e"
for n in $NS; do
  p=10
  [ "$n" -ge 100000 ] || continue
  terms=$(seq -s' + ' 1 $p | sed 's/\([0-9][0-9]*\)/x\1/g')
  for fam in binary ordinal; do
    yv=$([ $fam = binary ] && echo yb || echo yo)
    for rep in $(seq 1 "$REPS"); do
      $TIME -f "%e %M" -o "$data/e2e.time" "$build/partreg" fit "$data/n${n}_p${p}.csv" \
        --formula "$yv ~ $terms" --family $fam --format json --timing > "$data/e2e.json"
      read -r wall rss < "$data/e2e.time"
      tm=$($PY -c 'import json,sys; t=json.load(open(sys.argv[1]))["timing"]; print("\t".join("%.4f"%t[k] for k in ("read_s","design_s","fit_s","inference_s","total_s")))' "$data/e2e.json")
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" $fam $n $p $rep "$wall" "$rss" "$tm" >> "$e2e"
      echo "  partreg fit (CLI) $fam n=$n: ${wall}s rss=${rss}KiB"
    done
  done
done

# ---- where the time goes at p = 50: callgrind instruction counts --------
# (stable on a shared machine, unlike wall time), n = 1e5, one thread
prof=$data/profile$sfx.md
: > "$prof"
if [ $quick = 0 ] && command -v valgrind >/dev/null && [ -f "$data/n100000_p50.f64" ]; then
  for fam in binary ordinal; do
    valgrind --tool=callgrind --callgrind-out-file="$data/cg_$fam.out" \
      "$bin/fit_time" "$data/n100000_p50.f64" 100000 50 $fam 1 1 > /dev/null 2>&1
    callgrind_annotate --inclusive=yes "$data/cg_$fam.out" > "$data/cg_$fam.txt" 2>/dev/null
    callgrind_annotate "$data/cg_$fam.out" > "$data/cg_${fam}_self.txt" 2>/dev/null
  done
  $PY "$here/profile.py" "$data" >> "$prof" || echo "profile summary failed" >&2
fi

# ---- survey designs: partreg against svyglm / svyolr (bench/survey.sh) --
# 10^6 rows in the full run (svyolr takes minutes there), 10^5 in --quick
survey_ns=$([ $quick = 1 ] && echo 100000 || echo 1000000)
bash "$here/survey.sh" "$build" ${BENCH_SURVEY_NS:-$survey_ns} || echo "survey bench failed" >&2

$PY "$here/report.py" --profile "$prof" --raw "$raw" --machine "$data/machine$sfx.tsv" \
  --skipped "$data/skipped$sfx.tsv" --e2e "$e2e" \
  --md "$out_md" --png "$out_png"
# partial proportional odds against the parallel fit and R's clm(nominal =)
# and vglm (bench/nominal.sh), appended to the report
if [ $quick = 0 ]; then
  "$here/nominal.sh" "$build" > /dev/null && { echo; cat "$data/nominal.md"; } >> "$out_md"
fi
echo "wrote $out_md and $out_png"
# the small-sample tools' section (CR2 against CR1, pooling)
if [ $quick = 0 ]; then "$here/small_samples.sh" "$build" > /dev/null; fi
# out of core (10^8 rows, 20 GB of disk) and over MPI: the scale section
if [ $quick = 0 ]; then bash "$here/scale.sh" "$build" > /dev/null || echo "scale bench failed" >&2; fi
