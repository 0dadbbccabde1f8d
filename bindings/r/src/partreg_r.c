/* R's .Call interface to libpartreg: a data.frame into a table, the
 * options by name into the library's table (partreg_options.h), the
 * analysis kept behind an external pointer freed by R's garbage
 * collector. A failed library call returns list(status, status_name,
 * message, line, column, index), which R/partreg.R raises as a condition
 * of class "partreg_error". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_NO_REMAP
#include <R.h>
#include <R_ext/Rdynload.h>
#include <Rinternals.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_options.h"
#include "partreg_table.h"

static SEXP error_list(partreg_status st, const partreg_error *err)
{
    const char *names[] = {"status", "status_name", "message", "line", "column", "index", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SET_VECTOR_ELT(out, 0, Rf_ScalarInteger((int)st));
    SET_VECTOR_ELT(out, 1, Rf_mkString(partreg_status_name(st)));
    SET_VECTOR_ELT(out, 2, Rf_mkString(err->message[0] ? err->message : partreg_status_name(st)));
    SET_VECTOR_ELT(out, 3, Rf_ScalarReal((double)err->line));
    SET_VECTOR_ELT(out, 4, Rf_ScalarReal((double)err->column));
    SET_VECTOR_ELT(out, 5, Rf_ScalarReal((double)err->index));
    UNPROTECT(1);
    return out;
}

static void analysis_finalizer(SEXP p)
{
    partreg_analysis *a = R_ExternalPtrAddr(p);
    if (a) {
        partreg_analysis_free(a);
        R_ClearExternalPtr(p);
    }
}

static const partreg_analysis *get_analysis(SEXP p)
{
    if (TYPEOF(p) != EXTPTRSXP || !R_ExternalPtrAddr(p))
        Rf_error("partreg: the fit is no longer valid (saved and reloaded?); fit it again");
    return R_ExternalPtrAddr(p);
}

/* One column of the data frame into t. PARTREG_OK or the status. */
static partreg_status add_column(partreg_table *t, const char *name, SEXP col, size_t n,
                                 partreg_error *err)
{
    if (Rf_isFactor(col)) {
        SEXP lev = Rf_getAttrib(col, R_LevelsSymbol);
        size_t nl = (size_t)Rf_length(lev);
        int *codes = (int *)R_alloc(n ? n : 1, sizeof *codes);
        const char **levels = (const char **)R_alloc(nl ? nl : 1, sizeof *levels);
        const int *v = INTEGER(col);
        for (size_t i = 0; i < n; i++)
            codes[i] = v[i] == NA_INTEGER ? -1 : v[i] - 1;
        for (size_t k = 0; k < nl; k++)
            levels[k] = Rf_translateCharUTF8(STRING_ELT(lev, (R_xlen_t)k));
        return partreg_table_add_categorical(t, name, codes, levels, nl, 1, err);
    }
    switch (TYPEOF(col)) {
    case REALSXP:
        return partreg_table_add_numeric(t, name, REAL(col), PARTREG_TABLE_COPY, err);
    case INTSXP:
    case LGLSXP: {
        double *x = (double *)R_alloc(n ? n : 1, sizeof *x);
        const int *v = TYPEOF(col) == INTSXP ? INTEGER(col) : LOGICAL(col);
        for (size_t i = 0; i < n; i++)
            x[i] = v[i] == NA_INTEGER ? NAN : (double)v[i];
        return partreg_table_add_numeric(t, name, x, PARTREG_TABLE_COPY, err);
    }
    case STRSXP: {
        const char **s = (const char **)R_alloc(n ? n : 1, sizeof *s);
        for (size_t i = 0; i < n; i++) {
            SEXP e = STRING_ELT(col, (R_xlen_t)i);
            s[i] = e == NA_STRING ? NULL : Rf_translateCharUTF8(e);
        }
        return partreg_table_add_strings(t, name, s, err);
    }
    default:
        snprintf(err->message, sizeof err->message,
                 "column '%s' has R type %s; give numbers, strings, logicals or a factor", name,
                 Rf_type2char((SEXPTYPE)TYPEOF(col)));
        err->status = PARTREG_EINVAL;
        return PARTREG_EINVAL;
    }
}

/* Build a table of the columns of `data` (a list, names given). */
static partreg_status build_table(SEXP data, SEXP names, const char *what, partreg_table **out,
                                  partreg_error *err)
{
    R_xlen_t nc = Rf_xlength(data);
    size_t n = nc > 0 ? (size_t)Rf_xlength(VECTOR_ELT(data, 0)) : 0;
    partreg_status st = partreg_table_build(what, n, out, err);
    for (R_xlen_t j = 0; st == PARTREG_OK && j < nc; j++) {
        SEXP col = VECTOR_ELT(data, j);
        const char *name = Rf_translateCharUTF8(STRING_ELT(names, j));
        if ((size_t)Rf_xlength(col) != n) {
            snprintf(err->message, sizeof err->message,
                     "column '%s' has %ld rows, the first column %ld", name,
                     (long)Rf_xlength(col), (long)n);
            err->status = st = PARTREG_EINVAL;
            break;
        }
        st = add_column(*out, name, col, n, err);
    }
    if (st != PARTREG_OK) {
        partreg_table_free(*out);
        *out = NULL;
    }
    return st;
}

static SEXP write_string(const partreg_analysis *a, partreg_format f)
{
    char *s = NULL;
    size_t len = 0;
    partreg_error err;
    if (partreg_analysis_write_string(a, f, 0, &s, &len, &err) != PARTREG_OK)
        Rf_error("partreg: %s", err.message);
    SEXP out = PROTECT(Rf_allocVector(STRSXP, 1));
    SET_STRING_ELT(out, 0, Rf_mkCharLenCE(s, (int)len, CE_UTF8));
    partreg_string_free(s);
    UNPROTECT(1);
    return out;
}

/* .Call("partreg_r_fit", data, names, opt_names, opt_values, data_name):
 * list(ptr, json, status, message) or an error list. */
SEXP partreg_r_fit(SEXP data, SEXP names, SEXP opt_names, SEXP opt_values, SEXP data_name)
{
    partreg_error err;
    memset(&err, 0, sizeof err);
    partreg_options *o = NULL;
    partreg_table *t = NULL;
    partreg_analysis *a = NULL;
    partreg_status st = partreg_options_create(&o, &err);
    for (R_xlen_t k = 0; st == PARTREG_OK && k < Rf_xlength(opt_names); k++) {
        SEXP v = STRING_ELT(opt_values, k);
        st = partreg_options_set(o, Rf_translateCharUTF8(STRING_ELT(opt_names, k)),
                                 v == NA_STRING ? NULL : Rf_translateCharUTF8(v), &err);
    }
    if (st == PARTREG_OK)
        st = build_table(data, names, Rf_translateCharUTF8(STRING_ELT(data_name, 0)), &t, &err);
    if (st == PARTREG_OK)
        st = partreg_analysis_run_table(t, partreg_options_spec(o), &a, &err);
    partreg_table_free(t);
    partreg_options_free(o);
    if (!a)
        return error_list(st, &err);
    const char *fields[] = {"ptr", "json", "status", "message", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, fields));
    SEXP p = PROTECT(R_MakeExternalPtr(a, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(p, analysis_finalizer, TRUE);
    SET_VECTOR_ELT(out, 0, p);
    SET_VECTOR_ELT(out, 1, write_string(a, PARTREG_FORMAT_JSON));
    SET_VECTOR_ELT(out, 2, Rf_ScalarInteger((int)st));
    SET_VECTOR_ELT(out, 3, Rf_mkString(st == PARTREG_OK ? "" : err.message));
    UNPROTECT(2);
    return out;
}

/* .Call("partreg_r_fit_mi", datas, names, opt_names, opt_values,
 * data_name): as partreg_r_fit() for the completed data sets of a
 * multiple imputation (datas: a list of column lists, names: their column
 * names), pooled by Rubin's rules. */
SEXP partreg_r_fit_mi(SEXP datas, SEXP names, SEXP opt_names, SEXP opt_values, SEXP data_name)
{
    partreg_error err;
    memset(&err, 0, sizeof err);
    partreg_options *o = NULL;
    partreg_analysis *a = NULL;
    size_t m = (size_t)Rf_xlength(datas), built = 0;
    partreg_table **t = (partreg_table **)R_alloc(m ? m : 1, sizeof *t);
    partreg_status st = partreg_options_create(&o, &err);
    for (R_xlen_t k = 0; st == PARTREG_OK && k < Rf_xlength(opt_names); k++) {
        SEXP v = STRING_ELT(opt_values, k);
        st = partreg_options_set(o, Rf_translateCharUTF8(STRING_ELT(opt_names, k)),
                                 v == NA_STRING ? NULL : Rf_translateCharUTF8(v), &err);
    }
    const char *what = Rf_translateCharUTF8(STRING_ELT(data_name, 0));
    for (; st == PARTREG_OK && built < m; built++)
        st = build_table(VECTOR_ELT(datas, (R_xlen_t)built), VECTOR_ELT(names, (R_xlen_t)built),
                         what, &t[built], &err);
    if (st == PARTREG_OK)
        st = partreg_analysis_run_imputations((const partreg_table *const *)t, m,
                                              partreg_options_spec(o), &a, &err);
    for (size_t k = 0; k < built; k++)
        partreg_table_free(t[k]);
    partreg_options_free(o);
    if (!a)
        return error_list(st, &err);
    const char *fields[] = {"ptr", "json", "status", "message", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, fields));
    SEXP p = PROTECT(R_MakeExternalPtr(a, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(p, analysis_finalizer, TRUE);
    SET_VECTOR_ELT(out, 0, p);
    SET_VECTOR_ELT(out, 1, write_string(a, PARTREG_FORMAT_JSON));
    SET_VECTOR_ELT(out, 2, Rf_ScalarInteger((int)st));
    SET_VECTOR_ELT(out, 3, Rf_mkString(st == PARTREG_OK ? "" : err.message));
    UNPROTECT(2);
    return out;
}

/* The text report. */
SEXP partreg_r_text(SEXP p)
{
    return write_string(get_analysis(p), PARTREG_FORMAT_TEXT);
}

/* Parameters the report lists, in its order (coefficients, thresholds,
 * scale terms; dropped coefficients left out): 0-based fit indices. */
static size_t reported(const partreg_fit *fit, size_t *idx)
{
    size_t K = partreg_fit_n_parameters(fit), n = 0;
    for (int section = 0; section < 3; section++)
        for (size_t j = 0; j < K; j++) {
            partreg_param_kind kind = partreg_fit_param_kind(fit, j);
            int s = kind == PARTREG_PARAM_COEFFICIENT || kind == PARTREG_PARAM_CUT_COEFFICIENT ? 0
                    : kind == PARTREG_PARAM_THRESHOLD                                          ? 1
                    : kind == PARTREG_PARAM_SCALE                                              ? 2
                                                                                               : -1;
            size_t col = partreg_fit_param_column(fit, j);
            if (s != section || (col != PARTREG_NO_COLUMN && partreg_fit_column_dropped(fit, col)))
                continue;
            idx[n++] = j;
        }
    return n;
}

/* The covariance of the reported parameters (their order). */
SEXP partreg_r_vcov(SEXP p)
{
    const partreg_fit *fit = partreg_analysis_fit(get_analysis(p));
    size_t K = partreg_fit_n_parameters(fit);
    double *v = (double *)R_alloc(K > 0 ? K * K : 1, sizeof *v);
    size_t *idx = (size_t *)R_alloc(K ? K : 1, sizeof *idx);
    partreg_error err;
    if (partreg_fit_vcov_get(fit, v, K, &err) != PARTREG_OK)
        Rf_error("partreg: %s", err.message);
    size_t m = reported(fit, idx);
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, (int)m, (int)m));
    double *o = REAL(out);
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++)
            o[a + b * m] = v[idx[a] * K + idx[b]];
    UNPROTECT(1);
    return out;
}

/* Predicted probabilities of the rows of newdata: an n x outcomes matrix
 * (NaN rows where a model variable is missing), or an error list. */
SEXP partreg_r_predict(SEXP p, SEXP data, SEXP names)
{
    const partreg_analysis *a = get_analysis(p);
    partreg_error err;
    memset(&err, 0, sizeof err);
    partreg_table *t = NULL;
    partreg_status st = build_table(data, names, "newdata", &t, &err);
    if (st != PARTREG_OK)
        return error_list(st, &err);
    size_t n = partreg_table_n_rows(t);
    size_t k = partreg_fit_n_outcomes(partreg_analysis_fit(a));
    double *probs = (double *)R_alloc(n > 0 && k > 0 ? n * k : 1, sizeof *probs);
    st = partreg_analysis_predict_probs(a, t, probs, n, k, &err);
    partreg_table_free(t);
    if (st != PARTREG_OK)
        return error_list(st, &err);
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, (int)n, (int)k));
    double *o = REAL(out);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            o[i + j * n] = probs[i * k + j];
    UNPROTECT(1);
    return out;
}

/* The options table: data.frame-ready list(name, kind, help). */
SEXP partreg_r_options(void)
{
    size_t n = partreg_options_count();
    static const char *const kinds[] = {"flag", "value", "optional", "repeatable"};
    const char *fields[] = {"name", "kind", "help", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, fields));
    SEXP nm = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
    SEXP kd = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
    SEXP hp = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++) {
        unsigned kind = (unsigned)partreg_options_kind(i);
        SET_STRING_ELT(nm, (R_xlen_t)i, Rf_mkChar(partreg_options_name(i)));
        SET_STRING_ELT(kd, (R_xlen_t)i, Rf_mkChar(kind < 4 ? kinds[kind] : "value"));
        SET_STRING_ELT(hp, (R_xlen_t)i, Rf_mkCharCE(partreg_options_help(i), CE_UTF8));
    }
    SET_VECTOR_ELT(out, 0, nm);
    SET_VECTOR_ELT(out, 1, kd);
    SET_VECTOR_ELT(out, 2, hp);
    UNPROTECT(4);
    return out;
}

SEXP partreg_r_version(void)
{
    return Rf_mkString(partreg_version());
}

static const R_CallMethodDef calls[] = {
    {"partreg_r_fit", (DL_FUNC)&partreg_r_fit, 5},
    {"partreg_r_fit_mi", (DL_FUNC)&partreg_r_fit_mi, 5},
    {"partreg_r_text", (DL_FUNC)&partreg_r_text, 1},
    {"partreg_r_vcov", (DL_FUNC)&partreg_r_vcov, 1},
    {"partreg_r_predict", (DL_FUNC)&partreg_r_predict, 3},
    {"partreg_r_options", (DL_FUNC)&partreg_r_options, 0},
    {"partreg_r_version", (DL_FUNC)&partreg_r_version, 0},
    {NULL, NULL, 0}};

void R_init_partreg(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
