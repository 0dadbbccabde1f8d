"""partreg: binary and ordinal (cumulative-link) regression for survey data.

A thin Python interface to the C library libpartreg: the same numbers as
the `partreg` command, bit for bit.

    import pandas as pd, partreg
    df = pd.read_csv("mroz.csv")
    r = partreg.fit("lfp ~ k5 + age + wc", df, vcov="hc1", margins=True)
    r.params, r.bse, r.conf_int(), r.margins(), r.predict(df.head())
    print(r.summary())

partreg.fit_arrays(X, y) fits a design matrix directly. Errors raise
partreg.PartregError with the library's message and status.
"""

from ._core import (ArrayResults, ConvergenceWarning, PartregError, Results, fit, fit_arrays,
                    options, version)

__all__ = ["fit", "fit_arrays", "options", "version", "Results", "ArrayResults",
           "PartregError", "ConvergenceWarning"]
__version__ = "0.1.0"
