"""The Python package against the partreg command: the same numbers, bit
for bit, on the shared conformance cases; errors as exceptions; memory.

Environment: PARTREG_CLI the command, PARTREG_LIBRARY its libpartreg.so,
PARTREG_CASES the case folders (separated by ':'). Run by ctest
(tests/python_binding.sh); skipped there without NumPy.
"""

import csv
import gc
import glob
import json
import math
import os
import subprocess
import unittest
import warnings

import numpy as np

import partreg

try:
    import pandas as pd
except ImportError:  # the dict-of-arrays path is tested either way
    pd = None

CLI = os.environ.get("PARTREG_CLI", "partreg")
CASE_DIRS = [d for d in os.environ.get("PARTREG_CASES", "").split(":") if d]


def run_cli(folder, args):
    p = subprocess.run([CLI] + args, cwd=folder, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout, p.stderr


def case_files():
    for d in CASE_DIRS:
        for f in sorted(glob.glob(os.path.join(d, "*.json"))):
            with open(f, encoding="utf-8") as fh:
                case = json.load(fh)
            if "args" in case and "data" in case and case["data"].endswith(".csv"):
                yield d, case


def kwargs_of(args):
    """The command's arguments as fit()'s: (formula, options)."""
    kinds = {name: kind for name, (kind, _) in partreg.options().items()}
    formula, opts, i = None, {}, 0
    while i < len(args):
        name = args[i][2:].replace("-", "_")
        value = args[i + 1] if i + 1 < len(args) else None
        if name == "formula":
            formula = value
            i += 2
            continue
        kind = kinds[name]
        if kind == "flag":
            opts[name] = True
            i += 1
        elif kind == "optional":
            try:
                float(value)
                opts[name] = value
                i += 2
            except (TypeError, ValueError):
                opts[name] = True
                i += 1
        elif kind == "repeatable":
            opts.setdefault(name, []).append(value)
            i += 2
        else:
            opts[name] = value
            i += 2
    return formula, opts


def read_csv_dict(path, na=()):
    """A CSV as the command's reader sees it, as a dict of arrays: a column
    whose every non-missing field is a number is float64 (NaN missing),
    any other a list of strings (None missing)."""
    missing = {"", "NA"} | set(na)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    out = {}
    for k, name in enumerate(header):
        col = [r[k] for r in body]
        try:
            out[name] = np.array([math.nan if v in missing else float(v) for v in col])
        except ValueError:
            out[name] = [None if v in missing else v for v in col]
    return out


def read_csv_frame(path, na=()):
    return pd.read_csv(path, keep_default_na=False, na_values=["", "NA"] + list(na),
                       float_precision="round_trip")


class Conformance(unittest.TestCase):
    """Every shared case: fit() gives the command's JSON byte for byte."""

    def check_case(self, folder, case, reader):
        formula, opts = kwargs_of(case["args"])
        data = reader(os.path.join(folder, case["data"]), opts.get("na", []))
        rc, out, err = run_cli(folder, ["fit", case["data"]] + case["args"] + ["--format", "json"])
        self.assertIn(rc, (0, 3), err)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", partreg.ConvergenceWarning)
            r = partreg.fit(formula, data, data_name=case["data"], **opts)
        self.assertEqual(r.to_json(), out, case["id"])
        ref = json.loads(out)
        entries = ref["coefficients"] + ref["thresholds"] + ref.get("scale", [])
        est = np.asarray(r.params, dtype=float)
        se = np.asarray(r.bse, dtype=float)
        self.assertEqual(len(est), len(entries))
        for k, e in enumerate(entries):
            self.assertEqual(est[k], e["estimate"])
            self.assertEqual(se[k], e["std_error"])
        self.assertEqual(r.llf, ref["loglik"])
        self.assertEqual(r.nobs, ref["n_obs"])
        # the covariance in params' order: its diagonal gives bse
        v = np.asarray(r.cov_params(), dtype=float)
        np.testing.assert_allclose(np.sqrt(np.diag(v)), se, rtol=1e-15, atol=0)
        self.assertIn(case["args"][1].split("~")[0].strip(), r.summary())

    def test_cases_dict(self):
        n = 0
        for folder, case in case_files():
            with self.subTest(case=case["id"]):
                self.check_case(folder, case, read_csv_dict)
                n += 1
        self.assertGreater(n, 0, "no cases found: set PARTREG_CASES")

    @unittest.skipIf(pd is None, "pandas is not installed")
    def test_cases_dataframe(self):
        for folder, case in case_files():
            with self.subTest(case=case["id"]):
                self.check_case(folder, case, read_csv_frame)


def mroz():
    for d in CASE_DIRS:
        p = os.path.join(d, "mroz.csv")
        if os.path.exists(p):
            return d, read_csv_dict(p)
    raise unittest.SkipTest("mroz.csv not among the cases")


class Predict(unittest.TestCase):
    def test_predict_equals_command(self):
        folder, data = mroz()
        f = "lfp ~ k5 + age + wc + inc"
        r = partreg.fit(f, data)
        rc, out, err = run_cli(folder, ["predict", "mroz.csv", "--formula", f, "--newdata",
                                        "mroz.csv", "--format", "csv"])
        self.assertEqual(rc, 0, err)
        rows = list(csv.DictReader(out.splitlines()))
        p = np.asarray(r.predict(data), dtype=float).reshape(-1)
        self.assertEqual(len(rows), len(p))
        for k, row in enumerate(rows):
            self.assertEqual(p[k], float(row["P(yes)"]))

    def test_missing_rows_are_nan(self):
        _, data = mroz()
        r = partreg.fit("lfp ~ k5 + age", data)
        p = np.asarray(r.predict({"k5": np.array([1.0, math.nan]), "age": np.array([30.0, 40.0])}),
                       dtype=float).reshape(-1)
        self.assertTrue(math.isfinite(p[0]))
        self.assertTrue(math.isnan(p[1]))

    def test_margins_and_options(self):
        folder, data = mroz()
        f = "lfp ~ k5 + age + wc"
        r = partreg.fit(f, data, data_name="mroz.csv", margins=True, vcov="hc1",
                        at=["age=30,50", "k5=0"], conf_level=0.9)
        rc, out, _ = run_cli(folder, ["fit", "mroz.csv", "--formula", f, "--margins", "--vcov",
                                      "hc1", "--at", "age=30,50", "--at", "k5=0",
                                      "--conf-level", "0.9", "--format", "json"])
        self.assertEqual(rc, 0)
        self.assertEqual(r.to_json(), out)
        m = r.margins()
        ref = json.loads(out)["margins"]
        est = list(m["estimate"]) if pd is not None else [e["estimate"] for e in m]
        self.assertEqual(est, [e["estimate"] for e in ref])
        with self.assertRaises(ValueError):
            partreg.fit(f, data).margins()


class Factors(unittest.TestCase):
    @unittest.skipIf(pd is None, "pandas is not installed")
    def test_categorical_order_is_the_reference(self):
        for d in CASE_DIRS:
            if os.path.exists(os.path.join(d, "wine.csv")):
                break
        else:
            raise unittest.SkipTest("wine.csv not among the cases")
        df = read_csv_frame(os.path.join(d, "wine.csv"))
        df["contact"] = pd.Categorical(df["contact"], categories=["yes", "no"])
        df["rating"] = pd.Categorical(df["rating"].astype(str), categories=list("12345"))
        r = partreg.fit("rating ~ temp + contact", df)
        rc, out, _ = run_cli(d, ["fit", "wine.csv", "--formula", "rating ~ temp + contact",
                                 "--ref", "contact=yes", "--levels", "1,2,3,4,5", "--format",
                                 "json"])
        self.assertEqual(rc, 0)
        ref = json.loads(out)
        self.assertEqual(list(r.params.index),
                         [e["term"] for e in ref["coefficients"] + ref["thresholds"]])
        self.assertEqual(list(r.params),
                         [e["estimate"] for e in ref["coefficients"] + ref["thresholds"]])


class Imputations(unittest.TestCase):
    def test_list_of_frames_pools_as_stacked(self):
        for d in CASE_DIRS:
            path = os.path.join(d, "..", "..", "data", "titanic_mi20.csv")
            if os.path.exists(path):
                break
        else:
            raise unittest.SkipTest("titanic_mi20.csv not among the cases' data")
        data = read_csv_dict(path)
        imp = data["imp"]
        f = "survived ~ sex + age + passengerClass"
        stacked = partreg.fit(f, data, imputations="imp", margins=True)
        frames = []
        for m in range(1, int(np.nanmax(imp)) + 1):
            rows = np.flatnonzero(imp == m)
            frames.append({k: (v[rows] if isinstance(v, np.ndarray) else [v[i] for i in rows])
                           for k, v in data.items() if k != "imp"})
        pooled = partreg.fit(f, frames, margins=True)
        self.assertEqual(list(pooled.params), list(stacked.params))
        self.assertEqual(list(pooled.bse), list(stacked.bse))
        self.assertEqual(pooled.json["imputations"], stacked.json["imputations"])


class NoCopy(unittest.TestCase):
    @unittest.skipIf(pd is None, "pandas is not installed")
    def test_float_columns_are_borrowed(self):
        from partreg import _core
        df = pd.DataFrame({"y": np.array([0.0, 1.0, 0.0, 1.0]), "x": np.arange(4.0),
                           "k": np.arange(4)})
        t = _core._Table(df)
        self.assertTrue(any(np.shares_memory(a, df["x"].to_numpy()) for a in t._keep))
        self.assertFalse(any(np.shares_memory(a, df["k"].to_numpy()) for a in t._keep))


class Arrays(unittest.TestCase):
    def test_fit_arrays_equals_command(self):
        folder, data = mroz()
        n = len(data["k5"])
        X = np.column_stack([np.ones(n), data["k5"], data["age"],
                             [1.0 if v == "yes" else 0.0 for v in data["wc"]]])
        y = np.array([1.0 if v == "yes" else 0.0 for v in data["lfp"]])
        r = partreg.fit_arrays(X, y, column_names=["(Intercept)", "k5", "age", "wc[yes]"],
                               vcov="hc1")
        rc, out, _ = run_cli(folder, ["fit", "mroz.csv", "--formula", "lfp ~ k5 + age + wc",
                                      "--vcov", "hc1", "--format", "json"])
        self.assertEqual(rc, 0)
        ref = json.loads(out)
        self.assertEqual(list(r.param_names), [e["term"] for e in ref["coefficients"]])
        # the same design matrix, the same solver: the same bits
        self.assertEqual(list(np.asarray(r.params, dtype=float)),
                         [e["estimate"] for e in ref["coefficients"]])
        self.assertEqual(list(np.asarray(r.bse, dtype=float)),
                         [e["std_error"] for e in ref["coefficients"]])
        self.assertEqual(r.llf, ref["loglik"])
        p = r.predict(X[:5])
        self.assertEqual(p.shape, (5,))
        # a Fortran-order copy of X gives the same fit
        r2 = partreg.fit_arrays(np.asfortranarray(X), y, vcov="hc1")
        np.testing.assert_array_equal(np.asarray(r2.params, dtype=float),
                                      np.asarray(r.params, dtype=float))

    def test_ordinal_arrays(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(300, 2))
        eta = x @ np.array([1.0, -0.5]) + rng.logistic(size=300)
        y = np.digitize(eta, [-1.0, 0.5])
        r = partreg.fit_arrays(x, y, link="probit")
        self.assertEqual(r.family, "ordinal")
        self.assertEqual(len(r.params), 4)
        self.assertEqual(r.predict(x[:3]).shape, (3, 3))

    def test_array_only_options(self):
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit_arrays(np.ones((10, 1)), np.arange(10) % 2, margins=True)
        self.assertEqual(c.exception.status_name, "PARTREG_EUNSUPPORTED")
        self.assertIn("--margins", c.exception.message)
        # docs/errors.md P7, P8
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit_arrays(np.ones((10, 1)), np.arange(10) % 2, vcov="cluster")
        self.assertIn("--vcov cluster needs cluster ids", c.exception.message)
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit_arrays(np.ones((3, 1)), ["a", "b", "c"], levels=["a", "b"])
        self.assertEqual(c.exception.status_name, "PARTREG_EDATA")
        self.assertIn("y has the value 'c'", c.exception.message)
        with self.assertRaises(ValueError):
            partreg.fit("lfp ~ k5", mroz()[1]).conf_int(1.5)


class Errors(unittest.TestCase):
    """docs/errors.md, "The Python package" (P rows)."""

    def test_messages_are_the_commands(self):
        folder, data = mroz()
        rc, _, err = run_cli(folder, ["fit", "mroz.csv", "--formula", "lfp ~ k5 + agee"])
        self.assertEqual(rc, 1)
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit("lfp ~ k5 + agee", data)
        self.assertEqual(c.exception.status_name, "PARTREG_ENOTFOUND")
        self.assertIn(c.exception.message, err)
        self.assertIn("did you mean 'age'", c.exception.message)

    def test_bad_formula_and_options(self):
        _, data = mroz()
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit("lfp ~ k5 +", data)
        self.assertEqual(c.exception.status_name, "PARTREG_EFORMULA")
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit("lfp ~ k5", data, lnk="probit")
        self.assertIn("did you mean 'link'", str(c.exception))
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit("lfp ~ k5", data, conf_level=2)
        self.assertIn("--conf-level '2' must be a number in (0, 1)", str(c.exception))

    def test_bad_data(self):
        with self.assertRaises(partreg.PartregError) as c:
            partreg.fit("y ~ x", {"y": np.array([0.0, 1.0, 1.0]),
                                  "x": np.array([1.0, math.inf, 2.0])})
        self.assertEqual(c.exception.status_name, "PARTREG_EDATA")
        self.assertEqual(c.exception.index, 1)
        with self.assertRaises(ValueError):
            partreg.fit("y ~ x", {"y": np.zeros(3), "x": np.zeros(4)})
        with self.assertRaises(TypeError):
            partreg.fit("y ~ x", [[1, 2]])

    @unittest.skipIf(pd is None, "pandas is not installed")
    def test_column_types(self):
        df = pd.DataFrame({"y": [0.0, 1.0, 1.0], "d": pd.to_datetime(["2020-01-01"] * 3)})
        with self.assertRaises(TypeError) as c:
            partreg.fit("y ~ d", df)
        self.assertIn("column 'd'", str(c.exception))

    def test_separation_warns(self):
        y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
        x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = partreg.fit("y ~ x", {"y": y, "x": x})
        self.assertTrue(any(issubclass(e.category, partreg.ConvergenceWarning) for e in w))
        self.assertTrue(r.separation or not r.converged)


class Threads(unittest.TestCase):
    def test_fits_on_threads_agree(self):
        import threading
        _, data = mroz()
        f = "lfp ~ k5 + k618 + age + wc + hc + lwg + inc"
        want = partreg.fit(f, data, vcov="hc1").to_json()
        got = [None] * 4

        def work(k):
            got[k] = partreg.fit(f, data, vcov="hc1", threads=1 + k % 2).to_json()

        ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(got, [want] * 4)


def rss_kib():
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Memory(unittest.TestCase):
    @unittest.skipUnless(os.path.exists("/proc/self/status"), "needs /proc")
    def test_repeated_fits_keep_rss_stable(self):
        _, data = mroz()
        small = {k: v[::4] for k, v in data.items()}
        n = int(os.environ.get("PARTREG_PY_LOOPS", "10000"))

        def some(k):
            for _ in range(k):
                r = partreg.fit("lfp ~ k5 + age + wc", small)
                r.predict(small)
                r.cov_params()
            gc.collect()

        some(200)  # warm up allocators and caches
        before = rss_kib()
        some(n)
        grown = rss_kib() - before
        self.assertLess(grown, 4096, f"RSS grew {grown} KiB over {n} fits")


if __name__ == "__main__":
    unittest.main()
