"""Peer timings for bench/run.sh: statsmodels Logit (Newton) and OrderedModel
(logit, BFGS) on a gen_data .f64 file. Only the .fit() call is timed.
Usage: python3 peer.py FILE.f64 N P logit|ordered
Prints "fit_s=..." and a "coef" line in partreg's order (binary: const,
x1..xP; ordinal: x1..xP then the 4 thresholds; OrderedModel's increments
exp() are turned back into thresholds).
  Logit:        Logit(y, [1, X]).fit(method="newton") - the default solver.
  OrderedModel: OrderedModel(y, X, distr="logit").fit(method="bfgs") - the
                method statsmodels' documentation uses (the default,
                Nelder-Mead, does not reach the optimum at this size)."""
import sys
import time

import numpy as np
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel
import warnings

warnings.filterwarnings("ignore")
path, n, p, model = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
v = np.fromfile(path, dtype=np.float64, count=n * (p + 2)).reshape(p + 2, n)
if model == "logit":
    X = np.ascontiguousarray(np.column_stack([np.ones(n), v[2:].T]))
    y = v[0].copy()
    del v
    t0 = time.perf_counter()
    res = sm.Logit(y, X).fit(method="newton", disp=0, maxiter=100)
    t = time.perf_counter() - t0
    est = list(res.params)
elif model == "ordered":
    X = np.ascontiguousarray(v[2:].T)
    y = v[1].astype(int)
    del v
    t0 = time.perf_counter()
    res = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=0, maxiter=1000, gtol=1e-6)
    t = time.perf_counter() - t0
    par = np.asarray(res.params)
    thr = np.cumsum(np.concatenate([[par[p]], np.exp(par[p + 1:])]))
    est = list(par[:p]) + list(thr)
else:
    sys.exit("unknown model " + model)
print("fit_s=%.6f" % t)
print("coef " + " ".join("%.12g" % e for e in est))
