"""The C library through ctypes: loading it and declaring the functions used.

libpartreg is found, in this order, at the path in the environment variable
PARTREG_LIBRARY, by the system's search for "partreg" (ctypes.util), and as
libpartreg.so.0 in the dynamic linker's paths and /usr/local/lib. Nothing is
downloaded or compiled. ctypes releases the GIL during every call into the
library, so fits on several Python threads run in parallel.
"""

import ctypes
import ctypes.util
import os

c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
c_int = ctypes.c_int
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
POINTER = ctypes.POINTER


class Error(ctypes.Structure):
    """partreg_error."""
    _fields_ = [("status", c_int), ("line", ctypes.c_long), ("column", ctypes.c_long),
                ("index", ctypes.c_long), ("message", ctypes.c_char * 512)]


class Data(ctypes.Structure):
    """partreg_data: a borrowed view of a design matrix and outcome."""
    _fields_ = [("n", c_size_t), ("p", c_size_t), ("X", POINTER(c_double)), ("ldx", c_size_t),
                ("y", POINTER(c_double)), ("w", POINTER(c_double)), ("n_levels", c_size_t),
                ("column_names", POINTER(c_char_p)), ("level_names", POINTER(c_char_p))]


class Estimate(ctypes.Structure):
    """partreg_estimate."""
    _fields_ = [("estimate", c_double), ("std_error", c_double), ("z", c_double),
                ("p_value", c_double), ("conf_low", c_double), ("conf_high", c_double),
                ("reserved", ctypes.c_ubyte * 64)]


class FitStats(ctypes.Structure):
    """partreg_fit_stats."""
    _fields_ = [(name, c_double) for name in (
        "loglik", "null_loglik", "deviance", "null_deviance", "aic", "bic", "lr_chi2",
        "lr_df", "lr_p", "r2_mcfadden", "r2_cox_snell", "r2_nagelkerke")] + [
        ("n_params", c_size_t), ("n_weighted", c_double), ("reserved", ctypes.c_ubyte * 128)]


class GslMatrix(ctypes.Structure):
    """gsl_matrix (GSL's stable public layout), to pass NumPy memory."""
    _fields_ = [("size1", c_size_t), ("size2", c_size_t), ("tda", c_size_t),
                ("data", POINTER(c_double)), ("block", c_void_p), ("owner", c_int)]


def _load():
    tried = []
    path = os.environ.get("PARTREG_LIBRARY")
    candidates = [path] if path else []
    found = ctypes.util.find_library("partreg")
    if found:
        candidates.append(found)
    candidates += ["libpartreg.so.0", "/usr/local/lib/libpartreg.so.0",
                   "/usr/local/lib64/libpartreg.so.0"]
    for c in candidates:
        try:
            return ctypes.CDLL(c)
        except OSError as e:
            tried.append(f"{c}: {e}")
            if path:
                break
    raise ImportError("partreg: cannot load libpartreg (install it with `make install`, or "
                      "set PARTREG_LIBRARY to the path of libpartreg.so); tried: "
                      + "; ".join(tried))


lib = _load()

_P = c_void_p  # opaque handles
_E = POINTER(Error)

_signatures = {
    "partreg_version": (c_char_p, []),
    "partreg_status_name": (c_char_p, [c_int]),
    # tables
    "partreg_table_build": (c_int, [c_char_p, c_size_t, POINTER(_P), _E]),
    "partreg_table_add_numeric": (c_int, [_P, c_char_p, POINTER(c_double), c_int, _E]),
    "partreg_table_add_categorical": (c_int, [_P, c_char_p, POINTER(c_int), POINTER(c_char_p),
                                              c_size_t, c_int, _E]),
    "partreg_table_add_strings": (c_int, [_P, c_char_p, POINTER(c_char_p), _E]),
    "partreg_table_free": (None, [_P]),
    "partreg_table_n_rows": (c_size_t, [_P]),
    # options
    "partreg_options_create": (c_int, [POINTER(_P), _E]),
    "partreg_options_free": (None, [_P]),
    "partreg_options_set": (c_int, [_P, c_char_p, c_char_p, _E]),
    "partreg_options_spec": (_P, [_P]),
    "partreg_options_fit": (c_int, [_P, POINTER(Data), POINTER(_P), _E]),
    "partreg_options_count": (c_size_t, []),
    "partreg_options_name": (c_char_p, [c_size_t]),
    "partreg_options_kind": (c_int, [c_size_t]),
    "partreg_options_help": (c_char_p, [c_size_t]),
    "partreg_options_for_arrays": (c_int, [c_size_t]),
    "partreg_options_find": (c_int, [c_char_p, POINTER(c_size_t), _E]),
    "partreg_options_is_set": (c_int, [_P, c_char_p]),
    # analyses
    "partreg_analysis_run": (c_int, [c_char_p, _P, POINTER(_P), _E]),
    "partreg_analysis_run_table": (c_int, [_P, _P, POINTER(_P), _E]),
    "partreg_analysis_run_imputations": (c_int, [POINTER(_P), c_size_t, _P, POINTER(_P), _E]),
    "partreg_analysis_free": (None, [_P]),
    "partreg_analysis_fit": (_P, [_P]),
    "partreg_analysis_write_string": (c_int, [_P, c_int, c_int, POINTER(c_void_p),
                                              POINTER(c_size_t), _E]),
    "partreg_string_free": (None, [c_void_p]),
    "partreg_analysis_predict_probs": (c_int, [_P, _P, POINTER(c_double), c_size_t, c_size_t,
                                               _E]),
    # fits
    "partreg_fit_free": (None, [_P]),
    "partreg_fit_n_parameters": (c_size_t, [_P]),
    "partreg_fit_n_outcomes": (c_size_t, [_P]),
    "partreg_fit_n_levels": (c_size_t, [_P]),
    "partreg_fit_n_obs": (c_size_t, [_P]),
    "partreg_fit_param_term": (c_char_p, [_P, c_size_t]),
    "partreg_fit_param_cut": (c_char_p, [_P, c_size_t]),
    "partreg_fit_param_kind": (c_int, [_P, c_size_t]),
    "partreg_fit_param_column": (c_size_t, [_P, c_size_t]),
    "partreg_fit_column_dropped": (c_int, [_P, c_size_t]),
    "partreg_fit_separated": (c_int, [_P]),
    "partreg_fit_vcov_get": (c_int, [_P, POINTER(c_double), c_size_t, _E]),
    "partreg_fit_estimate": (c_int, [_P, c_size_t, c_double, POINTER(Estimate), _E]),
    "partreg_fit_get_stats": (None, [_P, POINTER(FitStats)]),
    "partreg_fit_converged": (c_int, [_P]),
    "partreg_fit_iterations": (c_int, [_P]),
    "partreg_fit_link": (c_int, [_P]),
    "partreg_fit_family": (c_int, [_P]),
    "partreg_fit_n_warnings": (c_size_t, [_P]),
    "partreg_fit_warning": (c_char_p, [_P, c_size_t]),
    "partreg_fit_predict": (c_int, [_P, POINTER(Data), POINTER(GslMatrix), _E]),
    "partreg_link_name": (c_char_p, [c_int]),
    "partreg_family_name": (c_char_p, [c_int]),
}

for _name, (_res, _args) in _signatures.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args

OK = 0
ENOTCONVERGED = 12
ESEPARATION = 11
TABLE_COPY, TABLE_BORROW = 0, 1
NO_COLUMN = ctypes.c_size_t(-1).value
FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV = 0, 1, 2
PARAM_COEFFICIENT, PARAM_THRESHOLD, PARAM_CUT_COEFFICIENT, PARAM_SCALE, PARAM_LOG_SD = range(5)
