/* Reading a fit: accessors, fit statistics, Wald summaries, predictions.
 * Formulas in docs/methods.md, "Fit statistics". */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "models/fit_internal.h"
#include "models/link.h"
#include "models/ordinal.h"

partreg_family partreg_fit_family(const partreg_fit *fit) { return fit->family; }
partreg_link partreg_fit_link(const partreg_fit *fit) { return fit->link; }
size_t partreg_fit_n_obs(const partreg_fit *fit) { return fit->n; }
double partreg_fit_sum_weights(const partreg_fit *fit) { return fit->sum_w; }
size_t partreg_fit_n_columns(const partreg_fit *fit) { return fit->p; }
size_t partreg_fit_n_levels(const partreg_fit *fit) { return fit->J; }
size_t partreg_fit_n_thresholds(const partreg_fit *fit)
{
    return fit->family == PARTREG_ORDINAL ? fit->J - 1 : 0;
}
size_t partreg_fit_n_params(const partreg_fit *fit) { return fit->k; }
const gsl_vector *partreg_fit_coef(const partreg_fit *fit) { return fit->coef; }
const gsl_vector *partreg_fit_thresholds(const partreg_fit *fit) { return fit->thresholds; }
int partreg_fit_column_dropped(const partreg_fit *fit, size_t j)
{
    return j < fit->p && fit->dropped[j];
}
const gsl_matrix *partreg_fit_vcov(const partreg_fit *fit) { return fit->vcov; }
partreg_vcov_type partreg_fit_vcov_type(const partreg_fit *fit) { return fit->vcov_type; }
double partreg_fit_loglik(const partreg_fit *fit) { return fit->loglik; }
double partreg_fit_null_loglik(const partreg_fit *fit) { return fit->null_loglik; }
int partreg_fit_iterations(const partreg_fit *fit) { return fit->iterations; }
int partreg_fit_passes(const partreg_fit *fit) { return fit->passes; }
double partreg_fit_data_passes(const partreg_fit *fit) { return fit->data_passes; }
int partreg_fit_converged(const partreg_fit *fit) { return fit->converged; }
partreg_stop_reason partreg_fit_stop_reason(const partreg_fit *fit) { return fit->stop; }
int partreg_fit_separated(const partreg_fit *fit) { return fit->separated; }
int partreg_fit_param_diverges(const partreg_fit *fit, size_t j)
{
    return j < fit->p + partreg_fit_n_thresholds(fit) && fit->diverges[j];
}
double partreg_fit_max_gradient(const partreg_fit *fit) { return fit->max_grad; }
size_t partreg_fit_n_warnings(const partreg_fit *fit) { return fit->n_warnings; }
const char *partreg_fit_warning(const partreg_fit *fit, size_t i)
{
    return i < fit->n_warnings ? fit->warnings[i] : NULL;
}

void partreg_fit_get_stats(const partreg_fit *fit, partreg_fit_stats *s)
{
    double N = fit->sum_w;
    double k = (double)fit->k;
    double k_null = fit->family == PARTREG_ORDINAL ? (double)(fit->J - 1)
                                                   : (fit->has_intercept ? 1.0 : 0.0);
    memset(s, 0, sizeof *s);
    s->loglik = fit->loglik;
    s->null_loglik = fit->null_loglik;
    s->deviance = -2.0 * fit->loglik;
    s->null_deviance = -2.0 * fit->null_loglik;
    s->aic = -2.0 * fit->loglik + 2.0 * k;
    s->bic = -2.0 * fit->loglik + k * log(N);
    s->lr_chi2 = 2.0 * (fit->loglik - fit->null_loglik);
    s->lr_df = k - k_null;
    s->lr_p = s->lr_df > 0 ? gsl_cdf_chisq_Q(fmax(s->lr_chi2, 0.0), s->lr_df) : NAN;
    s->r2_mcfadden = fit->null_loglik != 0.0 ? 1.0 - fit->loglik / fit->null_loglik : NAN;
    /* exp(2 (l0 - l) / N) with expm1 for precision when the fit gains little */
    s->r2_cox_snell = -expm1(2.0 * (fit->null_loglik - fit->loglik) / N);
    double max_cs = -expm1(2.0 * fit->null_loglik / N);
    s->r2_nagelkerke = max_cs > 0 ? s->r2_cox_snell / max_cs : NAN;
    s->n_params = fit->k;
    s->n_weighted = N;
}

partreg_status partreg_fit_estimate(const partreg_fit *fit, size_t j, double level,
                                    partreg_estimate *out, partreg_error *err)
{
    size_t full = fit->p + partreg_fit_n_thresholds(fit);
    if (!out || j >= full)
        return partreg_error_set(err, PARTREG_EINVAL, "parameter index %zu out of range (0..%zu)",
                                 j, full ? full - 1 : 0);
    if (!(level > 0 && level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95", level);
    double est = j < fit->p ? gsl_vector_get(fit->coef, j) : gsl_vector_get(fit->thresholds, j - fit->p);
    if (j < fit->p && fit->dropped[j]) {
        out->estimate = out->std_error = out->z = out->p_value = NAN;
        out->conf_low = out->conf_high = NAN;
        return PARTREG_OK;
    }
    double var = gsl_matrix_get(fit->vcov, j, j);
    double se = var >= 0 ? sqrt(var) : NAN;
    if (fit->diverges[j])
        se = NAN;
    double q = gsl_cdf_ugaussian_Qinv((1.0 - level) / 2.0);
    out->estimate = est;
    out->std_error = se;
    out->z = est / se;
    out->p_value = isfinite(out->z) ? 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z)) : NAN;
    out->conf_low = est - q * se;
    out->conf_high = est + q * se;
    partreg_error_clear(err);
    return PARTREG_OK;
}

static partreg_status check_predict(const partreg_fit *fit, const partreg_data *d,
                                    const gsl_matrix *m, size_t cols, partreg_error *err)
{
    if (!d || !d->X || !m)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL data or output matrix");
    if (d->p != fit->p)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data have %zu columns but the model was fitted on %zu",
                                 d->p, fit->p);
    if (m->size1 != d->n || m->size2 != cols)
        return partreg_error_set(err, PARTREG_EINVAL, "output matrix must be %zu x %zu", d->n, cols);
    return PARTREG_OK;
}

static double linear_predictor(const partreg_fit *fit, const double *x)
{
    double eta = 0.0;
    for (size_t j = 0; j < fit->p; j++)
        if (!fit->dropped[j])
            eta += x[j] * gsl_vector_get(fit->coef, j);
    return eta;
}

partreg_status partreg_fit_predict(const partreg_fit *fit, const partreg_data *d,
                                   gsl_matrix *probs, partreg_error *err)
{
    size_t cols = fit->family == PARTREG_BINARY ? 1 : fit->J;
    partreg_status st = check_predict(fit, d, probs, cols, err);
    if (st != PARTREG_OK)
        return st;
    size_t ldx = d->ldx ? d->ldx : d->p;
    for (size_t i = 0; i < d->n; i++) {
        const double *x = d->X + i * ldx;
        double eta = linear_predictor(fit, x);
        if (!isfinite(eta))
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu has a non-finite value", i + 1);
        double *out = gsl_matrix_ptr(probs, i, 0);
        if (fit->family == PARTREG_BINARY)
            out[0] = partreg_link_cdf(fit->link, eta);
        else
            partreg_ordinal_probs(fit->link, eta, fit->thresholds->data, fit->J, out);
    }
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_fit_predict_cumulative(const partreg_fit *fit, const partreg_data *d,
                                              gsl_matrix *cum, partreg_error *err)
{
    if (fit->family != PARTREG_ORDINAL)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "cumulative probabilities are for ordinal models");
    partreg_status st = check_predict(fit, d, cum, fit->J - 1, err);
    if (st != PARTREG_OK)
        return st;
    size_t ldx = d->ldx ? d->ldx : d->p;
    for (size_t i = 0; i < d->n; i++) {
        double eta = linear_predictor(fit, d->X + i * ldx);
        if (!isfinite(eta))
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu has a non-finite value", i + 1);
        partreg_ordinal_cumprobs(fit->link, eta, fit->thresholds->data, fit->J,
                                 gsl_matrix_ptr(cum, i, 0));
    }
    partreg_error_clear(err);
    return PARTREG_OK;
}
