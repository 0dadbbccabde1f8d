#!/usr/bin/env bash
# Random-intercept models against R's ordinal::clmm and lme4::glmer in one
# run, on the same synthetic residents-in-communities data
# (bench/gen_ri.c), and the 10^6-resident fit.
#
# Usage: bench/ri.sh [BUILD_DIR]
# Writes the section between the "ri:begin" and "ri:end" markers of
# bench/results.md (the rest of the file is bench/run.sh's). Data and raw
# timings live in bench/data/ (not committed).
#
#  - ordinal (5 levels, logit) and binary (logit), 10^5 residents in 10^3
#    communities, 5 predictors, at Q = 15 and Q = 1 (Laplace): partreg
#    (bench/ri_time.c around partreg_fit_create_spec, median of REPS fits
#    in one process, all cores) against clmm(nAGQ = Q) and glmer(nAGQ = Q)
#    (bench/peer_ri.R, system.time of the fit, once: they take minutes);
#  - ordinal, 10^6 residents in 10^4 communities, Q = 15 and 1: the harness
#    on 2 threads, and the command end to end (`partreg fit CSV
#    --timing`: read, frame, fit, inference) with /usr/bin/time.
# Every run is niced; a peer is stopped after PEER_CAP seconds (default
# 3600) and reported as such.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
data=$here/data
bin=$data/bin
mkdir -p "$data" "$bin"
REPS=${BENCH_RI_REPS:-5}
PEER_CAP=${BENCH_RI_PEER_CAP:-3600}
TIME=/usr/bin/time
P=5

CFLAGS="-O2 -std=c11 -Wall -Wextra"
libs="$build/libpartreg.a $(pkg-config --libs openblas) $(pkg-config --libs-only-l gsl | sed 's/-lgslcblas//') -lpthread -lm"
cc $CFLAGS "$here/gen_ri.c" -lm -o "$bin/gen_ri"
cc $CFLAGS -I"$src/include" "$here/ri_time.c" $libs -o "$bin/ri_time"

for spec in "100000 1000" "1000000 10000"; do
  set -- $spec
  f=$data/ri_n$1_g$2
  [ -f "$f.f64" ] && [ -f "$f.csv" ] || { echo "generating $f"; "$bin/gen_ri" "$f" "$1" "$2" "$P"; }
done

raw=$data/ri_raw.tsv
printf "tool\tfamily\tn\tG\tQ\tthreads\tfit_s\tloglik\tcoef\n" > "$raw"
median() { sort -g | awk '{a[NR]=$1} END{if(NR==0) print "NA"; else if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# partreg: REPS fits in one process; records each and the last coefficients
run_partreg() { # family n G Q threads
  local fam=$1 n=$2 G=$3 Q=$4 th=$5 o=$data/ri_last.out
  nice "$bin/ri_time" "$data/ri_n${n}_g${G}.f64" "$n" "$G" "$P" "$fam" "$Q" "$th" "$REPS" > "$o"
  local coef ll
  coef=$(sed -n 's/^coef //p' "$o")
  ll=$(grep -m1 'loglik=' "$o" | sed 's/.*loglik=\([^ ]*\).*/\1/')
  grep '^fit_s=' "$o" | sed 's/fit_s=\([^ ]*\).*/\1/' | while read -r t; do
    printf "partreg\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$fam" "$n" "$G" "$Q" "$th" "$t" "$ll" "$coef" >> "$raw"
  done
  echo "  partreg $fam n=$n G=$G Q=$Q threads=$th: $(grep '^fit_s=' "$o" | sed 's/fit_s=\([^ ]*\).*/\1/' | median) s (median of $REPS)"
}

run_peer() { # tool family n G Q
  local tool=$1 fam=$2 n=$3 G=$4 Q=$5 o=$data/ri_peer.out
  if ! nice timeout "$PEER_CAP" Rscript "$here/peer_ri.R" "$data/ri_n${n}_g${G}.f64" "$n" "$P" "$tool" "$Q" \
      > "$o" 2> "$o.err"; then
    echo "  $tool Q=$Q: failed or stopped after ${PEER_CAP}s: $(tail -1 "$o.err")"
    printf "%s\t%s\t%s\t%s\t%s\t1\tNA\tNA\tNA\n" "$tool" "$fam" "$n" "$G" "$Q" >> "$raw"
    return 0
  fi
  local t ll coef
  t=$(sed -n 's/^fit_s=//p' "$o"); ll=$(sed -n 's/^loglik=//p' "$o")
  coef=$(sed -n 's/^coef *//p' "$o" | sed 's/ *$//')
  printf "%s\t%s\t%s\t%s\t%s\t1\t%s\t%s\t%s\n" "$tool" "$fam" "$n" "$G" "$Q" "$t" "$ll" "$coef" >> "$raw"
  echo "  $tool $fam Q=$Q: ${t} s"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for Q in 15 1; do
  run_partreg ordinal 100000 1000 "$Q" 0
  run_peer clmm ordinal 100000 1000 "$Q"
  run_partreg binary 100000 1000 "$Q" 0
  run_peer glmer binary 100000 1000 "$Q"
done
for Q in 15 1; do
  run_partreg ordinal 1000000 10000 "$Q" 2
done

# the command end to end on the 10^6-row CSV, two threads
e2e=$data/ri_e2e.tsv
printf "Q\twall_s\tread_s\tdesign_s\tfit_s\tinference_s\ttotal_s\n" > "$e2e"
for Q in 15 1; do
  for _ in $(seq "$REPS"); do
    nice $TIME -f "wall=%e" -o "$data/ri_e2e.time" "$build/partreg" fit "$data/ri_n1000000_g10000.csv" \
      --formula "yo ~ x1 + x2 + x3 + x4 + x5 + (1 | community)" --family ordinal --nagq "$Q" \
      --threads 2 --format json --timing > "$data/ri_e2e.json"
    python3 - "$data/ri_e2e.json" "$data/ri_e2e.time" "$Q" >> "$e2e" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["timing"]
wall = open(sys.argv[2]).read().split("wall=")[1].split()[0]
print("\t".join([sys.argv[3], wall] + ["%.3f" % t[k] for k in ("read_s", "design_s", "fit_s", "inference_s", "total_s")]))
PY
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the results section -------------------------------------------------
section=$data/ri_section.md
python3 - "$raw" "$e2e" "$section" "$REPS" "$load0" "$load1" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$(nproc)" \
  "$(Rscript -e 'cat(R.version.string, "ordinal", as.character(packageVersion("ordinal")), "lme4", as.character(packageVersion("lme4")))' 2>/dev/null)" <<'PY'
import statistics, sys
raw, e2e, out, reps, load0, load1, cpu, cores, rver = sys.argv[1:10]
rows = [l.rstrip("\n").split("\t") for l in open(raw)][1:]
def med(tool, fam, n, Q, th=None):
    v = [float(r[6]) for r in rows if r[0] == tool and r[1] == fam and r[2] == n and r[4] == Q
         and (th is None or r[5] == th) and r[6] != "NA"]
    return statistics.median(v) if v else None
def coef(tool, fam, n, Q):
    for r in rows:
        if r[0] == tool and r[1] == fam and r[2] == n and r[4] == Q and r[8] != "NA":
            return [float(x) for x in r[8].split()]
    return None
def ll(tool, fam, n, Q):
    for r in rows:
        if r[0] == tool and r[1] == fam and r[2] == n and r[4] == Q and r[7] != "NA":
            return float(r[7])
    return None
L = []
L.append("## Random intercepts: partreg against clmm and glmer (one run, `bench/ri.sh`)\n")
L.append("Data: `bench/gen_ri.c`, 5 standard normal predictors, community effects N(0, 0.8^2), "
         "logit outcomes (binary `yb`; ordinal `yo`, 5 levels), rows interleaved across "
         "communities (the fit orders them). partreg: `bench/ri_time.c`, the fit call alone, "
         "median of %s fits in one process, all cores (2); R: `bench/peer_ri.R`, "
         "`system.time` of the fit (glmer with `vcov()`), once, default control. "
         "%s; %s cores; %s. Load average %s before, %s after (the machine is shared: "
         "timings under load are upper bounds).\n" % (reps, cpu, cores, rver, load0, load1))
L.append("| model | n | communities | Q | partreg (s) | peer | peer (s) | peer / partreg | loglik difference | max abs difference of estimates |")
L.append("|---|---|---|---|---|---|---|---|---|---|")
for fam, peer in (("ordinal", "ordinal::clmm"), ("binary", "lme4::glmer")):
    tool = "clmm" if fam == "ordinal" else "glmer"
    for Q in ("15", "1"):
        t = med("partreg", fam, "100000", Q)
        tp = med(tool, fam, "100000", Q)
        cp, cr = coef("partreg", fam, "100000", Q), coef(tool, fam, "100000", Q)
        lp, lr = ll("partreg", fam, "100000", Q), ll(tool, fam, "100000", Q)
        diff = max(abs(a - b) for a, b in zip(cp, cr)) if cp and cr and len(cp) == len(cr) else None
        L.append("| %s | 1e5 | 1e3 | %s | %s | %s | %s | %s | %s | %s |" % (
            fam, Q, "%.3f" % t if t else "NA", peer, "%.1f" % tp if tp else "stopped/failed",
            "%.0fx" % (tp / t) if t and tp else "NA",
            "%.2g" % (lp - lr) if lp is not None and lr is not None else "NA",
            "%.2g" % diff if diff is not None else "NA"))
L.append("")
L.append("R's estimates differ from partreg's by what their optimisers leave (default "
         "tolerances) and, for Q > 1 binary, by lme4's Fisher-weight scaling (tests/ref/README.md); "
         "the log-likelihood difference is partreg's minus R's at each one's own maximum.\n")
L.append("### 10^6 residents in 10^4 communities (ordinal logit)\n")
L.append("| Q | harness fit, 2 threads (median of %s) | command end to end: wall (median) | read | frame | fit | inference |" % reps)
L.append("|---|---|---|---|---|---|---|")
er = [l.rstrip("\n").split("\t") for l in open(e2e)][1:]
for Q in ("15", "1"):
    t = med("partreg", "ordinal", "1000000", Q, "2")
    sub = [r for r in er if r[0] == Q]
    def m(i):
        v = [float(r[i]) for r in sub]
        return "%.2f" % statistics.median(v) if v else "NA"
    L.append("| %s | %s s | %s s | %s | %s | %s | %s |" % (Q, "%.2f" % t if t else "NA", m(1), m(2), m(3), m(4), m(5)))
L.append("")
open(out, "w").write("\n".join(L) + "\n")
PY

res=$here/results.md
python3 - "$res" "$section" <<'PY'
import sys
res, sec = sys.argv[1], open(sys.argv[2]).read()
text = open(res).read()
b, e = "<!-- ri:begin -->\n", "<!-- ri:end -->\n"
if b in text and e in text:
    text = text[:text.index(b) + len(b)] + sec + text[text.index(e):]
else:
    text = text.rstrip("\n") + "\n\n" + b + sec + e
open(res, "w").write(text)
PY
echo "wrote the random-intercept section of $res"
