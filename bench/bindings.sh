#!/usr/bin/env bash
# The Python and R packages against their ecosystems' fits, on the same
# data frame in one run: partreg.fit against statsmodels Logit (binary,
# 10^6 x 10), partreg_fit against glm (binary) and ordinal::clm (5-level
# ordinal logit) on 10^6 x 10.
#
# Usage: bench/bindings.sh [BUILD_DIR]   (BENCH_BINDINGS_N rows, default 10^6)
# Prints a Markdown section for bench/results.md; data and the R library
# it installs live in bench/data/ (not committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
n=${BENCH_BINDINGS_N:-1000000}
data=$here/data
mkdir -p "$data"
csv=$data/bindings_n$n.csv
# Debian's python3 (NumPy, pandas, statsmodels), not a user-installed one
py=/usr/bin/python3
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# the data: 10 standard normal predictors, a binary and a 5-level outcome
[ -f "$csv" ] || $py - "$csv" "$n" <<'PY'
import sys, numpy as np
path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20261206)
X = rng.standard_normal((n, 10))
b = np.linspace(-0.5, 0.5, 10)
eta = X @ b
yb = (rng.random(n) < 1 / (1 + np.exp(-(eta - 0.3)))).astype(int)
u = eta + rng.logistic(size=n)
yo = np.searchsorted([-1.5, -0.5, 0.5, 1.5], u)
with open(path, "w") as f:
    f.write(",".join(["yb", "yo"] + ["x%d" % (j + 1) for j in range(10)]) + "\n")
    np.savetxt(f, np.column_stack([yb, yo, X]), delimiter=",",
               fmt=["%d", "%d"] + ["%.17g"] * 10)
PY

rhs="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
echo "== Python: partreg.fit and statsmodels Logit, the same DataFrame"
PARTREG_LIBRARY=$build/libpartreg.so PYTHONPATH=$src/python nice $py - "$csv" "$rhs" <<'PY'
import sys, time, numpy as np, pandas as pd, statsmodels.api as sm, partreg
df = pd.read_csv(sys.argv[1]); rhs = sys.argv[2]
def best(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); r = f(); ts.append(time.perf_counter() - t0)
    return min(ts), r
tp, rp = best(lambda: partreg.fit("yb ~ " + rhs, df), 5)
X = sm.add_constant(df[["x%d" % (j + 1) for j in range(10)]])
ts, rs = best(lambda: sm.Logit(df["yb"], X).fit(disp=0), 3)
d = np.max(np.abs(np.asarray(rp.params) - np.asarray(rs.params)))
print("python partreg.fit %.4f s | statsmodels Logit %.4f s | ratio %.1f | max abs diff %.1e"
      % (tp, ts, ts / tp, d))
PY

echo "== R: partreg_fit against glm and ordinal::clm, the same data.frame"
rlib=$data/rlib
mkdir -p "$rlib"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/bindings/r" "$tmp/src"
rm -f "$tmp/src/src/"*.o "$tmp/src/src/"*.so
PARTREG_CPPFLAGS="-I$src/include" PARTREG_LIBS="-L$build -Wl,-rpath,$build -lpartreg" \
    R CMD INSTALL --no-test-load -l "$rlib" "$tmp/src" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; exit 1; }
R_LIBS=$rlib nice Rscript - "$csv" "$rhs" <<'R'
suppressMessages({library(partreg); library(ordinal)})
a <- commandArgs(TRUE); df <- read.csv(a[1]); rhs <- a[2]
best <- function(f, reps) { t <- Inf; for (i in seq_len(reps)) { s <- system.time(r <- f())[["elapsed"]]; t <- min(t, s) }; list(t = t, r = r) }
fb <- as.formula(paste("yb ~", rhs))
pb <- best(function() partreg_fit(paste("yb ~", rhs), df), 5)
gb <- best(function() glm(fb, family = binomial, data = df), 1)
cat(sprintf("R partreg_fit binary %.4f s | glm %.3f s | ratio %.0f | max abs diff %.1e\n",
            pb$t, gb$t, gb$t / pb$t, max(abs(coef(pb$r) - coef(gb$r)))))
df$yo <- factor(df$yo, ordered = TRUE)
po <- best(function() partreg_fit(paste("yo ~", rhs), df, family = "ordinal"), 5)
co <- best(function() clm(as.formula(paste("yo ~", rhs)), data = df), 1)
cat(sprintf("R partreg_fit ordinal %.4f s | clm %.3f s | ratio %.0f | max abs diff of slopes %.1e\n",
            po$t, co$t, co$t / po$t, max(abs(coef(po$r)[paste0("x", 1:10)] - coef(co$r)[paste0("x", 1:10)]))))
R
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average $load0 before, $load1 after; $(nproc) cores"
