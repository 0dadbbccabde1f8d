/* Joint Wald tests and likelihood-ratio tests of fitted models.
 *
 * Wald: chi2 = b' V^+ b for a subset b of the parameters and its
 * covariance V under the estimator in force, V^+ the Moore-Penrose inverse
 * from the eigen-decomposition (eigenvalues below WALD_RANK_TOL times the
 * largest are treated as zero, so linearly dependent hypotheses are dropped
 * as Stata's `test` does), df = rank(V).
 * LR: chi2 = 2 (l_full - l_reduced), df = k_full - k_reduced (Wilks 1938).
 * See docs/methods_inference.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/spd.h"
#include "inference/inference_internal.h"

/* Relative eigenvalue cut-off for the rank of the tested sub-covariance. */
#define WALD_RANK_TOL 1e-10
/* A reduced log-likelihood above the full one by more than this times
 * (1 + |l_full|) means the models are not nested. */
#define LR_NEST_TOL 1e-6

static void set_nan(double *chi2, double *df, double *p)
{
    if (chi2) *chi2 = NAN;
    if (df) *df = NAN;
    if (p) *p = NAN;
}

partreg_status partreg_fit_wald_test(const partreg_fit *fit, const size_t *params, size_t m,
                                     double *chi2, double *df, double *p, partreg_error *err)
{
    set_nan(chi2, df, p);
    if (!fit || !params || !chi2 || !df || !p)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_wald_test: NULL argument");
    if (m == 0)
        return partreg_error_set(err, PARTREG_EINVAL, "no parameters to test");
    size_t full = fit->K;
    for (size_t a = 0; a < m; a++) {
        size_t j = params[a];
        if (j >= full)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                           "parameter index %zu out of range (0..%zu)", j,
                                           full - 1);
        char name[256];
        if (partreg_fit_free_index(fit, j) == PARTREG_NONE)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                           "'%s' was dropped from the model and cannot be tested",
                                           partreg_fit_param_name(fit, j, name, sizeof name));
        for (size_t c = 0; c < a; c++)
            if (params[c] == j)
                return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                               "'%s' is listed twice",
                                               partreg_fit_param_name(fit, j, name, sizeof name));
    }
    double *V = malloc(m * m * sizeof *V), *U = malloc(m * m * sizeof *U);
    double *ev = malloc(m * sizeof *ev);
    partreg_status st = PARTREG_OK;
    if (!V || !U || !ev) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t a = 0; a < m; a++)
        for (size_t c = 0; c < m; c++) {
            double v = gsl_matrix_get(fit->vcov, params[a], params[c]);
            if (!isfinite(v)) {
                st = partreg_error_set(err, PARTREG_ESINGULAR,
                                       "the covariance of the tested parameters is not finite");
                goto cleanup;
            }
            V[a * m + c] = v;
        }
    if (partreg_sym_eigen(V, m, ev, U) != 0) {
        st = partreg_error_set(err, PARTREG_ENUMERIC, "eigen-decomposition failed");
        goto cleanup;
    }
    double emax = 0.0;
    for (size_t a = 0; a < m; a++)
        emax = fmax(emax, ev[a]);
    size_t rank = 0;
    double c2 = 0.0;
    for (size_t a = 0; a < m; a++) {
        double lam = ev[a];
        if (!(lam > WALD_RANK_TOL * emax))
            continue;
        double proj = 0.0; /* u_a' b */
        for (size_t c = 0; c < m; c++) {
            size_t j = params[c];
            double b = gsl_vector_get(fit->par, j);
            proj += U[c * m + a] * b;
        }
        c2 += proj * proj / lam;
        rank++;
    }
    if (rank == 0) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "the covariance of the tested parameters has rank 0");
        goto cleanup;
    }
    *chi2 = c2;
    *df = (double)rank;
    *p = gsl_cdf_chisq_Q(c2, *df);
    partreg_error_clear(err);
cleanup:
    free(V);
    free(U);
    free(ev);
    return st;
}

/* Estimated log standard deviations (random-effect variances) of a fit. */
static size_t n_log_sd(const partreg_fit *fit)
{
    size_t n = 0;
    for (size_t j = 0; j < fit->K; j++)
        n += fit->model.layout.params[j].kind == PARTREG_PARAM_LOG_SD &&
             fit->free_of[j] != PARTREG_NONE;
    return n;
}

partreg_status partreg_lr_test(const partreg_fit *full, const partreg_fit *reduced, double *chi2,
                               double *df, double *p, partreg_error *err)
{
    set_nan(chi2, df, p);
    if (!full || !reduced || !chi2 || !df || !p)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_lr_test: NULL argument");
    if (full->survey || reduced->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "a likelihood-ratio test assumes independent rows, which a "
                                 "survey design does not give (the pseudo-likelihood's chi-square "
                                 "has no chi-square distribution); test the terms the smaller "
                                 "model drops with the design's adjusted Wald F test (the "
                                 "wald_tests of `partreg fit`, partreg_fit_wald_test())");
    if (partreg_fit_family(full) != partreg_fit_family(reduced))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models differ in family (%s and %s): not nested",
                                 partreg_family_name(partreg_fit_family(full)),
                                 partreg_family_name(partreg_fit_family(reduced)));
    if (full->link != reduced->link)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models use different links (%s and %s): not nested",
                                 partreg_link_name(full->link), partreg_link_name(reduced->link));
    if (full->J != reduced->J)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models have different numbers of outcome levels (%zu and "
                                 "%zu)",
                                 full->J, reduced->J);
    for (size_t k = 0; k < full->J; k++)
        if (strcmp(full->level_names[k], reduced->level_names[k]) != 0)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the models have different outcome levels ('%s' and '%s' "
                                     "at level %zu): they are not models of the same outcome",
                                     full->level_names[k], reduced->level_names[k], k + 1);
    if (full->weighted != reduced->weighted)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the %s model has weights and the %s one has none: a "
                                 "likelihood-ratio test needs the same weights in both",
                                 full->weighted ? "full" : "reduced",
                                 full->weighted ? "reduced" : "full");
    if (full->n != reduced->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models were fitted on different rows (%zu and %zu rows); "
                                 "refit both on the rows complete in every variable of the full "
                                 "model",
                                 full->n, reduced->n);
    if (full->w_hash != reduced->w_hash || full->sum_w != reduced->sum_w)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models use different weights (sums %.10g and %.10g): a "
                                 "likelihood-ratio test needs the same weights in both",
                                 full->sum_w, reduced->sum_w);
    if (full->y_hash != reduced->y_hash)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models were fitted to different outcome values on their "
                                 "%zu rows (a different outcome, or different rows): a "
                                 "likelihood-ratio test compares models of the same outcome on "
                                 "the same rows",
                                 full->n);
    if (reduced->k >= full->k)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the reduced model has %zu parameters, the full one %zu: the "
                                 "reduced model must have fewer (check the argument order)",
                                 reduced->k, full->k);
    if (!full->converged || !reduced->converged)
        return partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                 "the %s model did not converge: its log-likelihood is not a "
                                 "maximum",
                                 !full->converged ? "full" : "reduced");
    double diff = full->loglik - reduced->loglik;
    if (diff < -LR_NEST_TOL * (1.0 + fabs(full->loglik)))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the reduced model fits better than the full one (log-likelihood "
                                 "%.10g > %.10g): the models are not nested",
                                 reduced->loglik, full->loglik);
    *chi2 = diff > 0 ? 2.0 * diff : 0.0;
    *df = (double)(full->k - reduced->k);
    *p = gsl_cdf_chisq_Q(*chi2, *df);
    /* a variance the reduced model sets to 0 lies on the boundary of the
     * full model's parameter space: the statistic is then the 50:50
     * mixture of chi2(df - 1) and chi2(df) (Self and Liang 1987) */
    if (n_log_sd(full) == n_log_sd(reduced) + 1)
        *p = 0.5 * *p + 0.5 * (*df > 1.0 ? gsl_cdf_chisq_Q(*chi2, *df - 1.0) : *chi2 > 0 ? 0.0 : 1.0);
    partreg_error_clear(err);
    return PARTREG_OK;
}
