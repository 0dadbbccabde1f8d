"""Summarise the callgrind profiles bench/run.sh takes of one p = 50 fit
(n = 1e5, one thread): instructions of the whole fit and the share of each
stage. Usage: profile.py DATA_DIR (reads cg_{binary,ordinal}{,_self}.txt)."""
import re
import sys

d = sys.argv[1]


def table(path):
    out = {}
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*:(\S+)", line)
        if m:
            out.setdefault(m.group(2), int(m.group(1).replace(",", "")))
    return out


print("## Where the time goes at p = 50 (callgrind, n = 1e5, one thread)\n")
print("Instruction counts of one `partreg_fit_create` (inclusive), and the share of the fit "
      "spent in each stage. BLAS = OpenBLAS kernels called from the accumulation "
      "(dsyrk for the information, dgemv for eta and the gradient).\n")
print("| family | fit (Ginstr) | accumulation passes | of which BLAS syrk/gemm | dgemv | exp/log1p | "
      "column screening | rest (validation, start values, covariance) |")
print("|---|---|---|---|---|---|---|---|")
for fam in ("binary", "ordinal"):
    inc = table("%s/cg_%s.txt" % (d, fam))
    slf = table("%s/cg_%s_self.txt" % (d, fam))
    fit = inc.get("partreg_fit_create", 0)
    acc = inc.get("partreg_objective_eval", 0)
    syrk = sum(v for k, v in slf.items() if re.search(r"dgemm|dsyrk|syrk_", k))
    gemv = sum(v for k, v in slf.items() if "dgemv" in k)
    tr = sum(v for k, v in slf.items() if re.search(r"exp|log1p|__log", k))
    scr = inc.get("partreg_screen_columns", 0)
    if not fit:
        continue
    pct = lambda v: "%.0f%%" % (100.0 * v / fit)
    print("| %s | %.2f | %s | %s | %s | %s | %s | %s |" % (
        fam, fit / 1e9, pct(acc), pct(syrk), pct(gemv), pct(tr), pct(scr), pct(fit - acc - scr)))
print()
