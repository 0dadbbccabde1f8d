/* An analysis read without a FILE*: its output into memory, its
 * predictions into an array, its covariance into an array
 * (partreg_analysis.h, partreg_inference.h). What the Python and R
 * packages call: the output is that of partreg_analysis_write() byte for
 * byte, since it is written by the same function to a memory stream. */
#define _POSIX_C_SOURCE 200809L
#include "report/analysis_internal.h"

#include "core/error.h"

#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

partreg_status partreg_analysis_write_string(const partreg_analysis *a, partreg_format format,
                                             int timing, char **out, size_t *len,
                                             partreg_error *err)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!a || !out || !len)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_analysis_write_string: NULL argument");
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory writing the analysis");
    partreg_status st = partreg_analysis_write(a, f, format, timing, err);
    /* a memory stream fails only for want of memory */
    if (fclose(f) != 0 && st == PARTREG_OK)
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory writing the analysis");
    if (st == PARTREG_EIO)
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory writing the analysis");
    if (st != PARTREG_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = n;
    partreg_error_clear(err);
    return PARTREG_OK;
}

void partreg_string_free(char *s)
{
    free(s);
}

partreg_status partreg_analysis_predict_probs(const partreg_analysis *a,
                                              const partreg_table *newdata, double *probs,
                                              size_t n_rows, size_t n_outcomes,
                                              partreg_error *err)
{
    if (!a || !newdata || (!probs && n_rows > 0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_analysis_predict_probs: NULL argument");
    const partreg_fit *fit = a->fit;
    size_t m = partreg_fit_n_outcomes(fit);
    if (n_rows != partreg_table_n_rows(newdata) || n_outcomes != m)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_analysis_predict_probs: probs is %zu x %zu; the new "
                                 "data and the model need %zu x %zu",
                                 n_rows, n_outcomes, partreg_table_n_rows(newdata), m);
    if (a->fit_status != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the model cannot be used for prediction: %s", a->fit_message);
    for (size_t i = 0; i < n_rows * m; i++)
        probs[i] = NAN;
    partreg_frame *nf = NULL;
    partreg_status st = partreg_frame_apply(a->frame, newdata, &nf, err);
    if (st == PARTREG_ETOOFEW) {
        partreg_error_clear(err);
        return PARTREG_OK; /* no complete row: every row NaN */
    }
    if (st != PARTREG_OK)
        return st;
    partreg_data d;
    partreg_frame_data(nf, &d);
    gsl_matrix *P = d.n ? gsl_matrix_alloc(d.n, m) : NULL;
    if (d.n && !P) {
        partreg_frame_free(nf);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory predicting %zu rows", d.n);
    }
    if (d.n)
        st = partreg_fit_predict(fit, &d, P, err);
    if (st == PARTREG_OK && probs) { /* probs is NULL only for a table of no rows */
        const size_t *rows = partreg_frame_row_index(nf);
        for (size_t i = 0; i < d.n; i++)
            for (size_t k = 0; k < m; k++)
                probs[rows[i] * m + k] = gsl_matrix_get(P, i, k);
        partreg_error_clear(err);
    }
    gsl_matrix_free(P);
    partreg_frame_free(nf);
    return st;
}
