"""fit() and fit_arrays(): data and options into the library, results out.

The numbers of a result are the library's: fit() reads them from the JSON
the library writes for the analysis (the same bytes as `partreg fit
--format json`, numbers with 17 significant digits, so every double
crosses exactly), fit_arrays() from the fit's accessors.
"""

import ctypes
import json
import math
import warnings

import numpy as np

from . import _lib
from ._lib import lib

try:  # pandas is optional: results are pandas objects when it is present
    import pandas as _pd
except ImportError:  # pragma: no cover - depends on the machine
    _pd = None


class PartregError(Exception):
    """A failed library call: the library's message and status.

    Attributes: status (int, e.g. 5), status_name ("PARTREG_EFORMULA"),
    message, and where the library located the problem: line (1-based row
    of the data, 0 when not applicable), column (1-based column or formula
    position, 0) and index (0-based parameter, column or row, -1).
    """

    def __init__(self, status, message, line=0, column=0, index=-1):
        self.status = int(status)
        self.status_name = lib.partreg_status_name(self.status).decode()
        self.message = message
        self.line, self.column, self.index = line, column, index
        super().__init__(message or self.status_name)


class ConvergenceWarning(UserWarning):
    """The fit did not converge, or separation was found: the result says
    which (converged, separation) and its estimates are not a maximum."""


def _raise(err, status=None):
    e = err
    raise PartregError(e.status if status is None else status,
                       e.message.decode("utf-8", "replace"), e.line, e.column, e.index)


def _check(status, err):
    if status != _lib.OK:
        _raise(err, status)


def version():
    """The version of the loaded libpartreg, e.g. "0.1.0"."""
    return lib.partreg_version().decode()


def options():
    """The analysis options fit() takes: {name: (kind, help)} in the order
    of the command's help; kind is "flag", "value", "optional" or
    "repeatable". Names are the command's long options with '_' for '-'."""
    kinds = {0: "flag", 1: "value", 2: "optional", 3: "repeatable"}
    out = {}
    for i in range(lib.partreg_options_count()):
        name = lib.partreg_options_name(i).decode().replace("-", "_")
        out[name] = (kinds.get(lib.partreg_options_kind(i), "value"),
                     lib.partreg_options_help(i).decode())
    return out


# ---- options ------------------------------------------------------------------

def _option_strings(name, value):
    """The (name, value) pairs that set option `name` to a Python value:
    True is a flag given, False one turned off, None leaves the option
    alone; a list gives a repeatable option once per entry (and --levels
    its comma-separated list); a dict gives --ref VAR=LEVEL per entry."""
    if value is None:
        return []
    if value is True:
        return [(name, None)]
    if value is False:
        return [(name, "false")]
    if isinstance(value, dict):
        return [(name, f"{k}={v}") for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        if name == "levels":
            return [(name, ",".join(str(v) for v in value))]
        return [(name, _scalar(v)) for v in value]
    return [(name, _scalar(value))]


def _scalar(v):
    if isinstance(v, float):
        return repr(v)
    return str(v)


class _Options:
    """A partreg_options handle, freed with the object."""

    def __init__(self, kwargs):
        self.ptr = ctypes.c_void_p()
        err = _lib.Error()
        _check(lib.partreg_options_create(ctypes.byref(self.ptr), ctypes.byref(err)), err)
        for name, value in kwargs.items():
            for n, v in _option_strings(name, value):
                st = lib.partreg_options_set(self.ptr, n.encode(),
                                             None if v is None else v.encode(), ctypes.byref(err))
                _check(st, err)

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.partreg_options_free(self.ptr)
            self.ptr = None

    def conf_level(self, kwargs):
        v = kwargs.get("conf_level")
        return 0.95 if v is None else float(v)


# ---- tables -------------------------------------------------------------------

def _columns(data):
    if _pd is not None and isinstance(data, _pd.DataFrame):
        return [(str(c), data[c]) for c in data.columns]
    if isinstance(data, dict):
        return [(str(k), v) for k, v in data.items()]
    raise TypeError("partreg: data must be a pandas DataFrame or a dict of arrays, not "
                    + type(data).__name__)


def _is_missing(v):
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return _pd is not None and v is _pd.NA


class _Table:
    """A partreg_table built from the columns of a DataFrame or a dict.

    float64 columns are borrowed (no copy; the table keeps the arrays);
    integer and boolean columns become float64; pandas Categoricals are
    factors with their categories' order (the first is the reference);
    other columns are text, one level per distinct string (None and NaN
    are missing), ordered by bytes as the CSV reader's.
    """

    def __init__(self, data, name="data frame"):
        cols = _columns(data)
        n = None
        for cname, col in cols:
            m = len(col)
            if n is None:
                n = m
            elif m != n:
                raise ValueError(f"partreg: column '{cname}' has {m} rows, the first column {n}")
        self.n = n or 0
        self.ptr = ctypes.c_void_p()
        self._keep = []  # borrowed arrays live as long as the table
        err = _lib.Error()
        _check(lib.partreg_table_build(name.encode(), self.n, ctypes.byref(self.ptr),
                                       ctypes.byref(err)), err)
        for cname, col in cols:
            self._add(cname, col, err)

    def _add(self, cname, col, err):
        key = cname.encode()
        if _pd is not None and isinstance(getattr(col, "dtype", None), _pd.CategoricalDtype):
            codes = np.ascontiguousarray(col.cat.codes.to_numpy(), dtype=np.intc)
            levels = [str(c).encode() for c in col.cat.categories]
            arr = (ctypes.c_char_p * max(len(levels), 1))(*levels)
            _check(lib.partreg_table_add_categorical(
                self.ptr, key, codes.ctypes.data_as(ctypes.POINTER(ctypes.c_int)), arr,
                len(levels), 1, ctypes.byref(err)), err)
            return
        if _pd is not None and isinstance(col, _pd.Series):
            if col.dtype.kind not in "fiubOUS":
                raise TypeError(f"partreg: column '{cname}' has type {col.dtype}; give "
                                "numbers, strings or a pandas Categorical")
            if col.dtype == np.float64:
                values = col.to_numpy()  # the column's own memory: no copy
            elif col.dtype.kind in "fiub":
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = col.to_numpy(dtype=object)
        else:
            values = np.asarray(col)
        if values.dtype.kind in "fiub":
            a = np.ascontiguousarray(values, dtype=np.float64)
            storage = _lib.TABLE_BORROW
            self._keep.append(a)
            _check(lib.partreg_table_add_numeric(
                self.ptr, key, a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), storage,
                ctypes.byref(err)), err)
            return
        if values.dtype.kind not in "OUS":
            raise TypeError(f"partreg: column '{cname}' has type {values.dtype}; give numbers, "
                            "strings or a pandas Categorical")
        strings = [None if _is_missing(v) else
                   (v.decode() if isinstance(v, bytes) else str(v)).encode() for v in values]
        arr = (ctypes.c_char_p * max(len(strings), 1))(*strings)
        _check(lib.partreg_table_add_strings(self.ptr, key, arr, ctypes.byref(err)), err)

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.partreg_table_free(self.ptr)
            self.ptr = None


# ---- results of fit() ---------------------------------------------------------

def _param_name(entry, section):
    name = entry["term"]
    if entry.get("cut"):
        name = f"{name} @ {entry['cut']}"
    if section == "scale":
        name = f"scale({name})"
    return name


def _section(kind):
    if kind in (_lib.PARAM_COEFFICIENT, _lib.PARAM_CUT_COEFFICIENT):
        return 0
    if kind == _lib.PARAM_THRESHOLD:
        return 1
    if kind == _lib.PARAM_SCALE:
        return 2
    return None


def _fit_vcov(fit):
    k = lib.partreg_fit_n_parameters(fit)
    v = np.empty((k, k))
    err = _lib.Error()
    _check(lib.partreg_fit_vcov_get(fit, v.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), k,
                                    ctypes.byref(err)), err)
    return v


def _reported_params(fit):
    """Fit indices of the parameters the report lists, in its order:
    coefficients, thresholds, scale terms; each in the fit's order, dropped
    coefficients left out."""
    rows = []
    for j in range(lib.partreg_fit_n_parameters(fit)):
        s = _section(lib.partreg_fit_param_kind(fit, j))
        col = lib.partreg_fit_param_column(fit, j)
        if s is None or (col != _lib.NO_COLUMN and lib.partreg_fit_column_dropped(fit, col)):
            continue
        rows.append((s, j))
    rows.sort()
    return [j for _, j in rows]


def _series(values, index, name):
    if _pd is not None:
        return _pd.Series(values, index=index, name=name)
    return np.asarray(values)


def _frame(rows, columns, index=None):
    if _pd is not None:
        return _pd.DataFrame(rows, columns=columns, index=index)
    return np.asarray([[r[c] if isinstance(r, dict) else r[i] for i, c in enumerate(columns)]
                       for r in rows], dtype=object)


class Results:
    """A fitted analysis, statsmodels-like.

    params, bse, tvalues, pvalues: one entry per reported parameter,
    named as the command names them (coefficients "k5", "wc[yes]",
    cut-specific ones "x @ A|B", thresholds "A|B", scale terms
    "scale(z)"); pandas Series when pandas is installed, else NumPy arrays
    in the order of param_names. conf_int(), cov_params(), llf, aic, bic,
    nobs, converged, summary(), margins(), predict(newdata), to_frame(),
    to_json(); json is the whole report as a dict.
    """

    def __init__(self, analysis, table, opts, kwargs):
        self._analysis = analysis
        self._table = table  # borrowed columns stay alive
        self._opts = opts
        self._conf_level = opts.conf_level(kwargs)
        self._fit = lib.partreg_analysis_fit(analysis)
        self._json_text = self._write(_lib.FORMAT_JSON)
        self.json = json.loads(self._json_text)
        entries = []
        for section in ("coefficients", "thresholds", "scale"):
            for e in self.json.get(section) or []:
                entries.append((_param_name(e, section), e))
        self._entries = entries
        self.param_names = [n for n, _ in entries]
        self.family = self.json.get("family")
        self.link = self.json.get("link")
        self.levels = self.json.get("levels")
        self.converged = bool(self.json.get("converged"))
        self.separation = bool(self.json.get("separation"))

    def __del__(self):
        if getattr(self, "_analysis", None):
            lib.partreg_analysis_free(self._analysis)
            self._analysis = None

    def _write(self, fmt):
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        err = _lib.Error()
        _check(lib.partreg_analysis_write_string(self._analysis, fmt, 0, ctypes.byref(out),
                                                 ctypes.byref(n), ctypes.byref(err)), err)
        try:
            return ctypes.string_at(out, n.value).decode("utf-8")
        finally:
            lib.partreg_string_free(out)

    def _column(self, key, name):
        return _series([e[key] if e.get(key) is not None else math.nan
                        for _, e in self._entries], self.param_names, name)

    @property
    def params(self):
        return self._column("estimate", "estimate")

    @property
    def bse(self):
        return self._column("std_error", "std_error")

    @property
    def tvalues(self):
        return self._column("z", "z")

    @property
    def pvalues(self):
        return self._column("p_value", "p_value")

    @property
    def llf(self):
        return self.json["loglik"]

    @property
    def llnull(self):
        return self.json["null_loglik"]

    @property
    def aic(self):
        return self.json["aic"]

    @property
    def bic(self):
        return self.json["bic"]

    @property
    def nobs(self):
        return self.json["n_obs"]

    def conf_int(self, alpha=None):
        """Intervals of the parameters: low and high columns. alpha None
        (or 1 - the conf_level of the fit): the report's, profile ones with
        ci="profile"; another alpha: Wald (t where the parameter has
        degrees of freedom) at level 1 - alpha."""
        level = self._conf_level
        if alpha is None or abs((1 - alpha) - level) < 1e-12:
            lo = [e["conf_low"] for _, e in self._entries]
            hi = [e["conf_high"] for _, e in self._entries]
        else:
            if not 0 < alpha < 1:
                raise ValueError("partreg: alpha must be in (0, 1), e.g. 0.05")
            lo, hi = [], []
            err = _lib.Error()
            for j in _reported_params(self._fit):
                est = _lib.Estimate()
                _check(lib.partreg_fit_estimate(self._fit, j, 1 - alpha, ctypes.byref(est),
                                                ctypes.byref(err)), err)
                lo.append(est.conf_low)
                hi.append(est.conf_high)
        if _pd is not None:
            return _pd.DataFrame({"conf_low": lo, "conf_high": hi}, index=self.param_names)
        return np.column_stack([lo, hi])

    def cov_params(self):
        """Covariance of the reported parameters (the one in force: model,
        robust, cluster or design-based), rows and columns in params'
        order."""
        idx = _reported_params(self._fit)
        v = _fit_vcov(self._fit)[np.ix_(idx, idx)]
        if len(idx) != len(self.param_names):
            raise PartregError(1, "partreg: the covariance of this analysis has no one-to-one "
                                  "map to its parameters (pooled or penalised results); read "
                                  "the standard errors from bse")
        if _pd is not None:
            return _pd.DataFrame(v, index=self.param_names, columns=self.param_names)
        return v

    def summary(self):
        """The command's text report (`partreg fit` without --format)."""
        return self._write(_lib.FORMAT_TEXT)

    def __str__(self):
        return self.summary()

    def to_json(self):
        """The command's JSON (`partreg fit --format json`), as a string."""
        return self._json_text

    def to_frame(self):
        """One row per parameter: estimate, std_error, z, p_value, conf_low,
        conf_high (and the odds ratios of a logit model)."""
        cols = ["estimate", "std_error", "z", "p_value", "conf_low", "conf_high"]
        if any("odds_ratio" in e for _, e in self._entries):
            cols += ["odds_ratio", "odds_ratio_conf_low", "odds_ratio_conf_high"]
        rows = [[e.get(c, math.nan) if e.get(c) is not None else math.nan for c in cols]
                for _, e in self._entries]
        return _frame(rows, cols, index=self.param_names)

    def margins(self, kind="margins"):
        """The margins the fit was asked for, one row each: kind "margins"
        (margins=True or margins_at_means=True), "predictions" (at=...,
        over=...), "contrasts" (contrast=...) or "profile" (profile=VAR)."""
        if kind == "profile":
            rows = (self.json.get("profile") or {}).get("predictions")
        else:
            rows = self.json.get(kind)
        if rows is None:
            raise ValueError(f"partreg: this fit has no {kind}; fit with "
                             + {"margins": "margins=True", "predictions": "at=... or over=...",
                                "contrasts": "contrast='reference'",
                                "profile": "profile='VAR'"}.get(kind, "margins=True"))
        if _pd is not None:
            return _pd.DataFrame(rows)
        return rows

    def predict(self, newdata):
        """Predicted probabilities for the rows of newdata (a DataFrame or a
        dict of arrays with the model's variables): a binary model's
        probability of its event, an ordinal model's probability of each
        level; rows with a missing model variable are NaN."""
        table = newdata if isinstance(newdata, _Table) else _Table(newdata, "newdata")
        k = lib.partreg_fit_n_outcomes(self._fit)
        probs = np.empty((table.n, k))
        err = _lib.Error()
        _check(lib.partreg_analysis_predict_probs(
            self._analysis, table.ptr, probs.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            table.n, k, ctypes.byref(err)), err)
        levels = self.levels or []
        names = [f"P({levels[-1]})"] if k == 1 and levels else [f"P({lv})" for lv in levels]
        if _pd is not None and len(names) == k:
            return _pd.DataFrame(probs, columns=names)
        return probs[:, 0] if k == 1 else probs


def fit(formula, data, data_name="data frame", **options):
    """Fit `formula` to `data` (a pandas DataFrame or a dict of arrays; a
    list of them: the completed data sets of a multiple imputation, pooled
    by Rubin's rules, as `partreg fit` given one file per imputation).

    Options are the command's (partreg fit --help; partreg.options() lists
    them) as keyword arguments with '_' for '-': family="ordinal",
    link="probit", levels=["A", "B", "C"], ref={"Infl": "Low"},
    weights="Freq", vcov="hc1", cluster="school", margins=True,
    at=["age=30"], sampling_weights="w", strata="s", psu="p", ...
    data_name is what the report and messages call the data.

    Returns a Results. Raises PartregError with the library's message and
    status for bad data, formulas or options; warns ConvergenceWarning and
    returns the result when the fit did not converge or separated.
    """
    if "formula" in options:
        raise TypeError("partreg.fit: give the formula once, as the first argument")
    opts = _Options(dict(options, formula=formula))
    analysis = ctypes.c_void_p()
    err = _lib.Error()
    if isinstance(data, (list, tuple)):
        # completed data sets of a multiple imputation, pooled by Rubin's rules
        table = [d if isinstance(d, _Table) else _Table(d, data_name) for d in data]
        ptrs = (ctypes.c_void_p * max(len(table), 1))(*[t.ptr for t in table])
        st = lib.partreg_analysis_run_imputations(ptrs, len(table),
                                                  lib.partreg_options_spec(opts.ptr),
                                                  ctypes.byref(analysis), ctypes.byref(err))
    else:
        table = data if isinstance(data, _Table) else _Table(data, data_name)
        st = lib.partreg_analysis_run_table(table.ptr, lib.partreg_options_spec(opts.ptr),
                                            ctypes.byref(analysis), ctypes.byref(err))
    if not analysis:
        _raise(err, st)
    res = Results(analysis, table, opts, options)
    if st != _lib.OK:
        warnings.warn(err.message.decode("utf-8", "replace"), ConvergenceWarning, stacklevel=2)
    return res


# ---- arrays --------------------------------------------------------------------

class ArrayResults:
    """A fit of arrays (fit_arrays()): params, bse, tvalues, pvalues,
    conf_int(), cov_params(), llf, llnull, aic, bic, nobs, converged,
    summary(), predict(X), to_frame(). Parameters are named by the columns
    (or x1, x2, ...) and the thresholds "A|B"."""

    def __init__(self, fit, names, levels, conf_level, keep):
        self._fitp = fit
        self._keep = keep
        self._conf_level = conf_level
        k = lib.partreg_fit_n_parameters(fit)
        self._idx = _reported_params(fit)
        err = _lib.Error()
        ests = []
        for j in self._idx:
            e = _lib.Estimate()
            _check(lib.partreg_fit_estimate(fit, j, conf_level, ctypes.byref(e),
                                            ctypes.byref(err)), err)
            ests.append(e)
        self._ests = ests
        self.param_names = []
        for j in self._idx:
            term = lib.partreg_fit_param_term(fit, j)
            cut = lib.partreg_fit_param_cut(fit, j)
            name = term.decode() if term else f"p{j}"
            self.param_names.append(f"{name} @ {cut.decode()}" if cut else name)
        st = _lib.FitStats()
        lib.partreg_fit_get_stats(fit, ctypes.byref(st))
        self._stats = st
        self.levels = levels
        self.converged = bool(lib.partreg_fit_converged(fit))
        self.separation = bool(lib.partreg_fit_separated(fit))
        self.family = lib.partreg_family_name(lib.partreg_fit_family(fit)).decode()
        self.link = lib.partreg_link_name(lib.partreg_fit_link(fit)).decode()
        self._k = k
        self._names = names

    def __del__(self):
        if getattr(self, "_fitp", None):
            lib.partreg_fit_free(self._fitp)
            self._fitp = None

    def _col(self, attr):
        return _series([getattr(e, attr) for e in self._ests], self.param_names, attr)

    params = property(lambda self: self._col("estimate"))
    bse = property(lambda self: self._col("std_error"))
    tvalues = property(lambda self: self._col("z"))
    pvalues = property(lambda self: self._col("p_value"))
    llf = property(lambda self: self._stats.loglik)
    llnull = property(lambda self: self._stats.null_loglik)
    aic = property(lambda self: self._stats.aic)
    bic = property(lambda self: self._stats.bic)
    nobs = property(lambda self: lib.partreg_fit_n_obs(self._fitp))

    def conf_int(self, alpha=None):
        """Wald intervals (t where a parameter has degrees of freedom) at
        level 1 - alpha (default: the conf_level of the fit)."""
        if alpha is None:
            lo = [e.conf_low for e in self._ests]
            hi = [e.conf_high for e in self._ests]
        else:
            if not 0 < alpha < 1:
                raise ValueError("partreg: alpha must be in (0, 1), e.g. 0.05")
            lo, hi = [], []
            err = _lib.Error()
            for j in self._idx:
                e = _lib.Estimate()
                _check(lib.partreg_fit_estimate(self._fitp, j, 1 - alpha, ctypes.byref(e),
                                                ctypes.byref(err)), err)
                lo.append(e.conf_low)
                hi.append(e.conf_high)
        if _pd is not None:
            return _pd.DataFrame({"conf_low": lo, "conf_high": hi}, index=self.param_names)
        return np.column_stack([lo, hi])

    def cov_params(self):
        v = _fit_vcov(self._fitp)[np.ix_(self._idx, self._idx)]
        if _pd is not None:
            return _pd.DataFrame(v, index=self.param_names, columns=self.param_names)
        return v

    def to_frame(self):
        cols = ["estimate", "std_error", "z", "p_value", "conf_low", "conf_high"]
        rows = [[getattr(e, c) for c in cols] for e in self._ests]
        return _frame(rows, cols, index=self.param_names)

    def summary(self):
        lines = [f"partreg fit of arrays: {self.family} {self.link}, {self.nobs} observations"
                 + ("" if self.converged else " (NOT CONVERGED)"),
                 f"log-likelihood {self.llf:.6f}  AIC {self.aic:.4f}  BIC {self.bic:.4f}", ""]
        w = max([len(n) for n in self.param_names] + [4])
        lines.append(f"{'':{w}}  {'estimate':>12} {'std_error':>12} {'z':>9} {'p_value':>10}")
        for n, e in zip(self.param_names, self._ests):
            lines.append(f"{n:{w}}  {e.estimate:12.6g} {e.std_error:12.6g} {e.z:9.3f} "
                         f"{e.p_value:10.4g}")
        return "\n".join(lines) + "\n"

    def __str__(self):
        return self.summary()

    def predict(self, X):
        """Probabilities for the rows of X (the columns of the fit): a
        binary model's P(y = 1), an ordinal model's P(Y = j) per level."""
        data, keep = _data_view(X, None, None, self._names, self.levels)
        k = lib.partreg_fit_n_outcomes(self._fitp)
        probs = np.empty((data.n, k))
        m = _lib.GslMatrix(data.n, k, k, probs.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                           None, 0)
        err = _lib.Error()
        _check(lib.partreg_fit_predict(self._fitp, ctypes.byref(data), ctypes.byref(m),
                                       ctypes.byref(err)), err)
        del keep
        return probs[:, 0] if k == 1 else probs


def _data_view(X, y, weights, names, levels):
    """A partreg_data over X (n x p): C-contiguous float64 rows are used
    in place (ldx the row stride); anything else is copied once."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError("partreg: X must be a 2-D array (rows x columns)")
    if not (X.strides[1] == 8 and X.strides[0] % 8 == 0 and X.strides[0] >= 8 * X.shape[1]):
        X = np.ascontiguousarray(X)
    n, p = X.shape
    keep = [X]
    d = _lib.Data()
    d.n, d.p = n, p
    d.X = X.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    d.ldx = X.strides[0] // 8 if n > 0 else p
    if y is not None:
        ya = np.ascontiguousarray(y, dtype=np.float64)
        keep.append(ya)
        d.y = ya.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    else:
        zeros = np.zeros(n)
        keep.append(zeros)
        d.y = zeros.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    if weights is not None:
        wa = np.ascontiguousarray(weights, dtype=np.float64)
        if wa.shape != (n,):
            raise ValueError(f"partreg: weights has {wa.size} entries, X {n} rows")
        keep.append(wa)
        d.w = wa.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    d.n_levels = len(levels) if levels else 2
    if names:
        cn = (ctypes.c_char_p * p)(*[str(s).encode() for s in names])
        keep.append(cn)
        d.column_names = cn
    if levels:
        ln = (ctypes.c_char_p * len(levels))(*[str(s).encode() for s in levels])
        keep.append(ln)
        d.level_names = ln
    return d, keep


def fit_arrays(X, y, weights=None, column_names=None, levels=None, **options):
    """Fit a binary or ordinal model to a design matrix X (n x p; include a
    column of ones for a binary model's intercept; an ordinal model has
    none) and outcome y.

    y: a binary model's 0/1, or any values, coded by `levels` (lowest
    first; binary: the last is the event) or by their sorted distinct
    values; more than two levels fit an ordinal model unless
    family="binary". weights: case (frequency) weights. column_names:
    names of X's columns (default: a DataFrame's columns, else x1, x2...).
    Options: those of partreg.options() that apply to arrays (family, link,
    vcov model/hc0/hc1, conf_level, firth, flic, expected_information,
    max_iter, threads); the others raise PartregError naming them.

    X crosses without a copy when it is a float64 array with contiguous
    rows (C order); the GIL is released during the fit.
    """
    if column_names is None and _pd is not None and isinstance(X, _pd.DataFrame):
        column_names = [str(c) for c in X.columns]
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError("partreg: y must be 1-D")
    if levels is None:
        if y.dtype.kind in "fiu":
            finite = y[~np.isnan(y.astype(np.float64))]
            distinct = np.unique(finite)
            if distinct.size <= 2 and set(distinct.tolist()) <= {0.0, 1.0}:
                levels = ["0", "1"]
                codes = y.astype(np.float64)
            else:
                levels = [_scalar(v) for v in distinct.tolist()]
                codes = np.searchsorted(distinct, y.astype(np.float64)).astype(np.float64)
        else:
            distinct = sorted({str(v) for v in y.tolist()})
            levels = distinct
            pos = {v: i for i, v in enumerate(distinct)}
            codes = np.array([pos[str(v)] for v in y.tolist()], dtype=np.float64)
    else:
        levels = [str(v) for v in levels]
        pos = {v: i for i, v in enumerate(levels)}
        bad = [v for v in y.tolist() if _scalar(v) not in pos and str(v) not in pos]
        if bad:
            raise PartregError(7, f"partreg: y has the value '{bad[0]}', which is not one of "
                                  f"levels {levels}")
        codes = np.array([pos.get(str(v), pos.get(_scalar(v))) for v in y.tolist()],
                         dtype=np.float64)
    opts = _Options(options)
    data, keep = _data_view(X, codes, weights, column_names, levels)
    if codes.shape[0] != data.n:
        raise ValueError(f"partreg: y has {codes.shape[0]} entries, X {data.n} rows")
    fitp = ctypes.c_void_p()
    err = _lib.Error()
    st = lib.partreg_options_fit(opts.ptr, ctypes.byref(data), ctypes.byref(fitp),
                                 ctypes.byref(err))
    if not fitp:
        _raise(err, st)
    res = ArrayResults(fitp, column_names, levels, opts.conf_level(options), keep)
    if st != _lib.OK:
        warnings.warn(err.message.decode("utf-8", "replace"), ConvergenceWarning, stacklevel=2)
    return res
