"""The whole analysis in statsmodels, for the peers' table of
bench/results.md: what `partreg fit --vcov hc1 --margins --ci profile`
computes, on a gen_data .f64 file, each step timed (perf_counter).
Usage: python3 peer_analysis.py FILE.f64 N P binary|ordinal
  binary:  Logit(y, [1, X]).fit(method="newton", cov_type="HC1");
           get_margeff() (average marginal effects, delta-method SEs).
  ordinal: OrderedModel(y, X, distr="logit").fit(method="bfgs") (its
           documented method); HC1 from score_obs and the Hessian by hand;
           average marginal effects on every level by hand, delta-method
           SEs from a numerical Jacobian (statsmodels has no margins for
           OrderedModel).
statsmodels offers no profile-likelihood intervals: that step is "not
offered" (refits by hand would take minutes at 10^5 rows)."""
import sys
import time
import warnings

import numpy as np
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

warnings.filterwarnings("ignore")
path, n, p, family = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
v = np.fromfile(path, dtype=np.float64, count=n * (p + 2)).reshape(p + 2, n)
X = np.ascontiguousarray(v[2:].T)
steps = {}


def timed(name, fn):
    t0 = time.perf_counter()
    val = fn()
    steps[name] = time.perf_counter() - t0
    print("step=%s s=%.3f" % (name, steps[name]))
    return val


if family == "binary":
    y = v[0].copy()
    X1 = np.column_stack([np.ones(n), X])
    res = timed("fit_vcov_hc1", lambda: sm.Logit(y, X1).fit(method="newton", disp=0,
                                                            cov_type="HC1"))
    timed("margins", lambda: res.get_margeff(at="overall").summary_frame())
else:
    y = v[1].astype(int)
    mod = OrderedModel(y, X, distr="logit")
    res = timed("fit", lambda: mod.fit(method="bfgs", disp=0, maxiter=1000, gtol=1e-6))

    def hc1():
        par = res.params
        S = mod.score_obs(par)
        H = mod.hessian(par)
        B = np.linalg.inv(-H)
        k = len(par)
        return B @ (S.T @ S) @ B * n / (n - k)

    V = timed("vcov_hc1", hc1)

    def margins():
        par = np.asarray(res.params)
        J = y.max() + 1

        def ame(par):
            b = par[:p]
            thr = np.cumsum(np.concatenate([[par[p]], np.exp(par[p + 1:])]))
            eta = X @ b
            out = []
            for k in range(p):
                for j in range(J):
                    up = 0 if j == J - 1 else np.exp(-(thr[j] - eta)) / (1 + np.exp(-(thr[j] - eta))) ** 2
                    lo = 0 if j == 0 else np.exp(-(thr[j - 1] - eta)) / (1 + np.exp(-(thr[j - 1] - eta))) ** 2
                    out.append(np.mean(-(up - lo) * b[k]))
            return np.array(out)
        est = ame(par)
        h = 1e-6
        Jac = np.column_stack([(ame(par + h * e) - ame(par - h * e)) / (2 * h)
                               for e in np.eye(len(par))])
        return est, np.sqrt(np.diag(Jac @ V @ Jac.T))

    timed("margins", margins)
print("total_s=%.3f" % sum(steps.values()))
