#!/usr/bin/env bash
# The whole analysis against the fit, for `make bench`: what each
# statistic costs beside the fit it rests on, in one run.
#
#   1. the bench data (bench/gen_data.c, p = 10, ROWS rows, default 10^6,
#      and 10^5 rows for the peers), made once in bench/data/;
#   2. `partreg fit FILE.csv --format json --timing` (2 threads by default)
#      for the ordinal model plain, with --margins, --ci profile, --brant,
#      and with all of them and --vcov hc1, and for the binary model plain
#      and with --vcov hc1 --margins --ci profile: REPS runs each, the run
#      of the median total kept; its fit_s, inference_s (the statistic with
#      the data check each inference call makes), total_s and
#      timing.passes;
#   3. the same two whole analyses at 10^5 rows in R (bench/peer_analysis.R)
#      and statsmodels (bench/peer_analysis.py), once each, where installed.
#
# Writes the section between the analysis markers of bench/results.md and
# prints it. Usage: bench/analysis.sh [BUILD_DIR] [ROWS]
# (BENCH_ANALYSIS_REPS, default 5; BENCH_ANALYSIS_PEERS=0 skips the peers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
rows=${2:-1000000}
reps=${BENCH_ANALYSIS_REPS:-5}
peers=${BENCH_ANALYSIS_PEERS:-1}
# the Debian python, where python3-statsmodels lives
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
data=$here/data
mkdir -p "$data"
out=$data/analysis
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.peer

cc -O2 -std=c11 "$here/gen_data.c" -lm -o "$data/gen_data_analysis"
for n in "$rows" 100000; do
    [ -f "$data/analysis_n$n.csv" ] || "$data/gen_data_analysis" "$data/analysis_n$n" "$n" 10
done
terms="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# run NAME N FAMILY OPTIONS...: REPS runs, the median total's JSON kept
run() {
    local name=$1 n=$2 fam=$3 y r
    shift 3
    y=$([ "$fam" = binary ] && echo yb || echo yo)
    for r in $(seq 1 "$reps"); do
        "$build/partreg" fit "$data/analysis_n$n.csv" --formula "$y ~ $terms" --family "$fam" \
            "$@" --format json --timing >"$out/$name.json.$r"
    done
    r=$(for r in $(seq 1 "$reps"); do
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timing"]["total_s"], sys.argv[2])' \
            "$out/$name.json.$r" "$r"
    done | sort -g | sed -n "$(((reps + 1) / 2))p" | cut -d' ' -f2)
    mv "$out/$name.json.$r" "$out/$name.json"
    rm -f "$out/$name.json."*
}
run ord_plain "$rows" ordinal
run ord_margins "$rows" ordinal --margins
run ord_profile "$rows" ordinal --ci profile
run ord_brant "$rows" ordinal --brant
run ord_all "$rows" ordinal --vcov hc1 --margins --ci profile --brant
run bin_plain "$rows" binary
run bin_all "$rows" binary --vcov hc1 --margins --ci profile
run ord_all_small 100000 ordinal --vcov hc1 --margins --ci profile --brant
run bin_all_small 100000 binary --vcov hc1 --margins --ci profile

if [ "$peers" = 1 ]; then
    for fam in ordinal binary; do
        if command -v Rscript >/dev/null &&
            Rscript -e 'for (p in c("sandwich", "numDeriv", "ordinal", "MASS")) library(p, character.only = TRUE)' \
                >/dev/null 2>&1; then
            Rscript "$here/peer_analysis.R" "$data/analysis_n100000.f64" 100000 10 "$fam" \
                >"$out/r_$fam.peer" 2>/dev/null || rm -f "$out/r_$fam.peer"
        fi
        if "$PY" -c 'import statsmodels' 2>/dev/null; then
            "$PY" "$here/peer_analysis.py" "$data/analysis_n100000.f64" 100000 10 "$fam" \
                >"$out/py_$fam.peer" 2>/dev/null || rm -f "$out/py_$fam.peer"
        fi
    done
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

section=$(python3 - "$out" "$rows" "$reps" "$load0" "$load1" <<'PY'
import json, os, sys
d, rows, reps, load0, load1 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
t = lambda name: json.load(open(os.path.join(d, name + ".json")))["timing"]
out = []
w = out.append
w("<!-- analysis -->")
w("## The whole analysis against the fit (`bench/analysis.sh`)")
w("")
w("`partreg fit` on the bench CSV (`bench/gen_data.c`, %d rows, p = 10, ordinal J = 5), "
  "2 threads, the median of %s runs by total time; \"x fit\" is the run's `inference_s` "
  "(the statistic with its data check) over its `fit_s`. Load average %s at the start, "
  "%s at the end." % (rows, reps, load0, load1))
w("")
w("| model | options | fit_s | inference_s | x fit | total_s | passes (fit; inference by phase) |")
w("|---|---|---:|---:|---:|---:|---|")
runs = [("ord_plain", "ordinal", "(none)"), ("ord_margins", "ordinal", "`--margins`"),
        ("ord_profile", "ordinal", "`--ci profile`"), ("ord_brant", "ordinal", "`--brant`"),
        ("ord_all", "ordinal", "`--vcov hc1 --margins --ci profile --brant`"),
        ("bin_plain", "binary", "(none; diagnostics)"),
        ("bin_all", "binary", "`--vcov hc1 --margins --ci profile`")]
for name, model, opts in runs:
    x = t(name)
    p = x["passes"]
    phases = ", ".join("%s %g" % (k, round(p[k], 4)) for k in
                       ("vcov", "intervals", "margins", "brant", "diagnostics") if p.get(k))
    w("| %s | %s | %.3f | %.3f | %.2f | %.3f | %.2f; %s |" % (
        model, opts, x["fit_s"], x["inference_s"], x["inference_s"] / x["fit_s"], x["total_s"],
        p["fit"], phases or "none"))
w("")
ratio = lambda name: t(name)["inference_s"] / t(name)["fit_s"]
goals = [("`--margins` at most 2x the fit", ratio("ord_margins"), 2.0, "%.2fx"),
         ("`--ci profile` at most 10x the fit", ratio("ord_profile"), 10.0, "%.2fx"),
         ("`--brant` at most 3x the fit", ratio("ord_brant"), 3.0, "%.2fx"),
         ("ordinal whole analysis under 1.5 s end to end", t("ord_all")["total_s"], 1.5, "%.2f s"),
         ("plain `partreg fit` under 0.6 s (ordinal)", t("ord_plain")["total_s"], 0.6, "%.2f s"),
         ("plain `partreg fit` under 0.6 s (binary)", t("bin_plain")["total_s"], 0.6, "%.2f s")]
w("| target | this run | |")
w("|---|---|---|")
for label, v, goal, fmt in goals:
    w("| %s | %s | %s |" % (label, fmt % v, "met" if v <= goal else "not met"))
w("")

def peer(name):
    path = os.path.join(d, name + ".peer")
    if not os.path.exists(path):
        return "not run"
    steps, total = [], None
    for line in open(path):
        if line.startswith("step="):
            s, v = line.split()
            steps.append("%s %s" % (s[5:], v[2:]))
        elif line.startswith("total_s="):
            total = float(line.split("=")[1])
    return "%.1f s (%s)" % (total, ", ".join(steps)) if total is not None else "failed"

w("Peers at 10^5 rows, once each (R: `bench/peer_analysis.R`, statsmodels: "
  "`bench/peer_analysis.py`, which has no profile intervals or Brant test); partreg "
  "end to end on the CSV, the read included:")
w("")
w("| analysis | partreg | R | statsmodels |")
w("|---|---:|---:|---:|")
w("| ordinal, `--vcov hc1 --margins --ci profile --brant` | %.2f s | %s | %s |" % (
    t("ord_all_small")["total_s"], peer("r_ordinal"), peer("py_ordinal")))
w("| binary, `--vcov hc1 --margins --ci profile` | %.2f s | %s | %s |" % (
    t("bin_all_small")["total_s"], peer("r_binary"), peer("py_binary")))
w("<!-- /analysis -->")
print("\n".join(out))
PY
)
md=$here/results.md
results_section "$md" analysis "$section"
echo "$section"
