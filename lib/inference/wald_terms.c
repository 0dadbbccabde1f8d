/* Joint Wald tests by model variable: for each variable, the hypothesis
 * that every coefficient of a design column whose term involves it (all
 * levels of a factor; a numeric variable with its transformations and
 * interactions; in a model with cut-specific slopes, every cut's) is zero,
 *
 *   chi2 = b_S' V_SS^- b_S,   df = rank V_SS,   p = P(chi2_df > chi2),
 *
 * with V the covariance in force, and the reference distribution the
 * covariance calls for (partreg_joint_reference): a design's adjusted F,
 * under CR2 clubSandwich's HTZ F, under a cluster covariance on t(G - 1)
 * clubSandwich's naive F = chi2 / q on (q, G - 1), else chi-square. V_SS
 * is scaled to its correlation matrix
 * C = D^-1/2 V_SS D^-1/2 and b_S to z = D^-1/2 b_S (chi2 = z' C^- z is
 * unchanged, and the rank decision does not depend on units); C is inverted
 * by the modified Cholesky of lib/core/spd.h and, when it is not positive
 * definite, by its eigen-decomposition dropping eigenvalues below 1e-10
 * times the largest (the generalised inverse Stata's `test` uses for
 * dependent constraints).
 *
 * References: Wald (1943); Stata manual [R] test / testparm; Fox &
 * Weisberg (2019), An R Companion to Applied Regression, 3rd ed., sec. 5.3
 * (car::linearHypothesis). See docs/methods_margins.md. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/spd.h"
#include "inference/cr2_htz.h"
#include "inference/inference_internal.h"
#include "inference/margins_internal.h"
#include "inference/survey_internal.h"

/* Relative pivot tolerance of the Cholesky path and eigenvalue cut of the
 * generalised inverse, on the correlation scale (as partreg_fit_wald_test). */
#define WALD_RANK_TOL 1e-10

struct partreg_wald_table {
    size_t n;
    partreg_wald_term *items;
    char **names;
};

size_t partreg_wald_table_n_terms(const partreg_wald_table *t) { return t ? t->n : 0; }

const partreg_wald_term *partreg_wald_table_get(const partreg_wald_table *t, size_t i)
{
    return t && i < t->n ? &t->items[i] : NULL;
}

void partreg_wald_table_free(partreg_wald_table *t)
{
    if (!t)
        return;
    if (t->names)
        for (size_t i = 0; i < t->n; i++)
            free(t->names[i]);
    free(t->names);
    free(t->items);
    free(t);
}

/* chi2 and rank of z' C^- z for the m x m correlation matrix C (row-major;
 * overwritten). Returns PARTREG_OK, PARTREG_ESINGULAR (not finite or rank
 * 0) or PARTREG_ENOMEM. */
partreg_status partreg_wald_quad_form(double *C, const double *z, size_t m, double *chi2,
                                      double *rank)
{
    for (size_t i = 0; i < m * m; i++)
        if (!isfinite(C[i]))
            return PARTREG_ESINGULAR;
    partreg_status st = PARTREG_OK;
    partreg_spd *w = partreg_spd_alloc(m);
    double *Ci = malloc(m * m * sizeof *Ci);
    double *eval = NULL, *evec = NULL;
    if (!w || !Ci) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    if (partreg_spd_invert(w, C, Ci, WALD_RANK_TOL) == 0) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < m; j++)
                s += z[i] * Ci[i * m + j] * z[j];
        *chi2 = s;
        *rank = (double)m;
        goto cleanup;
    }
    /* generalised inverse from the eigen-decomposition */
    eval = malloc(m * sizeof *eval);
    evec = malloc(m * m * sizeof *evec);
    if (!eval || !evec) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    if (partreg_sym_eigen(C, m, eval, evec) != 0) {
        st = PARTREG_ESINGULAR;
        goto cleanup;
    }
    double lmax = 0.0;
    for (size_t i = 0; i < m; i++)
        if (eval[i] > lmax)
            lmax = eval[i];
    double s = 0.0;
    size_t r = 0;
    for (size_t k = 0; k < m; k++) {
        double l = eval[k];
        if (!(lmax > 0.0) || l <= WALD_RANK_TOL * lmax)
            continue;
        double u = 0.0;
        for (size_t i = 0; i < m; i++)
            u += evec[i * m + k] * z[i];
        s += u * u / l;
        r++;
    }
    if (r == 0) {
        st = PARTREG_ESINGULAR;
        goto cleanup;
    }
    *chi2 = s;
    *rank = (double)r;

cleanup:
    free(evec);
    free(eval);
    free(Ci);
    partreg_spd_free(w);
    return st;
}

partreg_status partreg_joint_reference(const partreg_fit *fit, const size_t *idx, size_t m,
                                       double chi2, double df, partreg_wald_term *out)
{
    out->chi2 = chi2;
    out->df = df;
    out->p_value = chi2 >= 0.0 ? gsl_cdf_chisq_Q(chi2, df) : NAN;
    out->adjusted_f = out->df1 = out->df2 = NAN;
    double d = partreg_fit_design_df(fit);
    if (isfinite(d)) {
        partreg_survey_adjusted_f(chi2, df, d, &out->adjusted_f, &out->df2, &out->p_value);
        out->df1 = df;
        return PARTREG_OK;
    }
    partreg_vcov_type type = partreg_fit_vcov_type(fit);
    if (type == PARTREG_VCOV_CR2 && fit->cr2 && df == (double)m) {
        double Q, F, df2, p;
        partreg_status st = partreg_fit_cr2_htz(fit, idx, m, &Q, &F, &df2, &p);
        if (st == PARTREG_ENOMEM)
            return st;
        if (st == PARTREG_OK) {
            out->adjusted_f = F;
            out->df1 = df;
            out->df2 = df2;
            out->p_value = p;
        }
        return PARTREG_OK;
    }
    /* t(G - 1) set on a cluster covariance (under CR2 in place of the
     * Satterthwaite df, whose sums partreg_fit_set_param_df then drops; a
     * CR2 whose block of V has rank < q (fewer clusters than tested
     * coefficients) has no HTZ test, as in clubSandwich: chi-square) */
    double dc = m > 0 ? partreg_fit_param_df(fit, idx[0]) : INFINITY;
    int on_t = type == PARTREG_VCOV_CLUSTER || (type == PARTREG_VCOV_CR2 && !fit->cr2);
    if (on_t && isfinite(dc) && dc > 0.0 && df > 0.0) {
        out->adjusted_f = chi2 / df;
        out->df1 = df;
        out->df2 = dc;
        out->p_value = gsl_cdf_fdist_Q(out->adjusted_f, df, dc);
    }
    return PARTREG_OK;
}

partreg_status partreg_fit_joint_test(const partreg_fit *fit, const size_t *params, size_t m,
                                      partreg_wald_term *out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_joint_test: NULL argument");
    memset(out, 0, sizeof *out);
    out->chi2 = out->df = out->p_value = NAN;
    out->adjusted_f = out->df1 = out->df2 = NAN;
    double chi2, df, p;
    partreg_status st = partreg_fit_wald_test(fit, params, m, &chi2, &df, &p, err);
    if (st != PARTREG_OK)
        return st;
    if ((st = partreg_joint_reference(fit, params, m, chi2, df, out)) != PARTREG_OK)
        return partreg_error_set(err, st, "out of memory");
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_wald_tests_by_variable(const partreg_fit *fit, const partreg_frame *fr,
                                              partreg_wald_table **out, partreg_error *err)
{
    static const char who[] = "partreg_wald_tests_by_variable";
    if (out)
        *out = NULL;
    if (!fit || !fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    if (partreg_fit_family(fit) != partreg_frame_family(fr) ||
        partreg_fit_n_obs(fit) != partreg_frame_n_rows(fr) ||
        partreg_fit_n_columns(fit) != partreg_frame_n_columns(fr) ||
        partreg_fit_n_levels(fit) != partreg_frame_n_levels(fr))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the fit was not made from this frame (family, rows, "
                                 "columns or outcome levels differ)",
                                 who);
    const gsl_matrix *V = partreg_fit_vcov(fit);
    const gsl_vector *b = partreg_fit_parameters(fit);
    size_t p = partreg_frame_n_columns(fr), nvar = partreg_frame_n_variables(fr);
    size_t K = partreg_fit_n_parameters(fit);
    if (!V || V->size1 < K || V->size2 < K)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: the fit has no covariance", who);

    partreg_status st = PARTREG_OK;
    partreg_wald_table *t = calloc(1, sizeof *t);
    size_t *idx = calloc(K ? K : 1, sizeof *idx);
    unsigned char *mine = calloc(p ? p : 1, 1); /* the variable's columns */
    double *z = calloc(K ? K : 1, sizeof *z);
    double *C = (K && K > SIZE_MAX / sizeof(double) / K) ? NULL
                                                         : calloc(K ? K * K : 1, sizeof *C);
    if (!t || !idx || !mine || !z || !C)
        goto nomem;
    t->items = calloc(nvar ? nvar : 1, sizeof *t->items);
    t->names = calloc(nvar ? nvar : 1, sizeof *t->names);
    if (!t->items || !t->names)
        goto nomem;

    for (size_t v = 0; v < nvar; v++) {
        t->names[v] = partreg_margins_strdup(partreg_frame_variable_name(fr, v));
        if (!t->names[v])
            goto nomem;
        t->n = v + 1;
        partreg_wald_term *it = &t->items[v];
        it->variable = t->names[v];
        it->chi2 = NAN;
        it->df = 0.0;
        it->p_value = NAN;
        it->adjusted_f = it->df1 = it->df2 = NAN;

        size_t nc = 0, m = 0;
        const size_t *cols = partreg_frame_variable_columns(fr, v, &nc);
        memset(mine, 0, p ? p : 1);
        for (size_t k = 0; k < nc; k++)
            if (cols[k] < p)
                mine[cols[k]] = 1;
        for (size_t j = 0; j < K; j++) {
            partreg_param_kind kind = partreg_fit_param_kind(fit, j);
            size_t c = partreg_fit_param_column(fit, j);
            if ((kind == PARTREG_PARAM_COEFFICIENT || kind == PARTREG_PARAM_CUT_COEFFICIENT) &&
                c != PARTREG_NO_COLUMN && mine[c] && !partreg_fit_column_dropped(fit, c))
                idx[m++] = j;
        }
        if (m == 0)
            continue;
        int finite = 1;
        for (size_t i = 0; i < m; i++) {
            double sd = sqrt(gsl_matrix_get(V, idx[i], idx[i]));
            if (!(sd > 0.0) || !isfinite(sd))
                finite = 0;
            z[i] = gsl_vector_get(b, idx[i]) / sd;
            for (size_t j = 0; j < m; j++) {
                double sj = sqrt(gsl_matrix_get(V, idx[j], idx[j]));
                C[i * m + j] = gsl_matrix_get(V, idx[i], idx[j]) / (sd * sj);
            }
        }
        if (!finite)
            continue;
        double chi2 = NAN, df = 0.0;
        partreg_status qs = partreg_wald_quad_form(C, z, m, &chi2, &df);
        if (qs == PARTREG_ENOMEM)
            goto nomem;
        if (qs != PARTREG_OK)
            continue;
        if (partreg_joint_reference(fit, idx, m, chi2, df, it) == PARTREG_ENOMEM)
            goto nomem;
    }
    free(idx);
    free(mine);
    free(z);
    free(C);
    *out = t;
    partreg_error_clear(err);
    return st;

nomem:
    free(idx);
    free(mine);
    free(z);
    free(C);
    partreg_wald_table_free(t);
    return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
}
