/* Reading a fit: accessors, fit statistics, Wald summaries, predictions.
 * Formulas in docs/methods.md, "Fit statistics". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "models/fit_counters.h"
#include "models/fit_internal.h"

partreg_family partreg_fit_family(const partreg_fit *fit) { return fit->model.ops->family; }
const char *partreg_fit_model_name(const partreg_fit *fit) { return fit->model.ops->name; }
const char *partreg_fit_model_title(const partreg_fit *fit) { return fit->model.ops->title; }
size_t partreg_fit_n_outcomes(const partreg_fit *fit) { return fit->model.nout; }
partreg_link partreg_fit_link(const partreg_fit *fit) { return fit->link; }
size_t partreg_fit_n_obs(const partreg_fit *fit) { return fit->n; }
double partreg_fit_sum_weights(const partreg_fit *fit) { return fit->sum_w; }
size_t partreg_fit_n_columns(const partreg_fit *fit) { return fit->p; }
size_t partreg_fit_n_levels(const partreg_fit *fit) { return fit->J; }
size_t partreg_fit_n_thresholds(const partreg_fit *fit)
{
    return fit->thresholds ? fit->thresholds->size : 0;
}
size_t partreg_fit_n_estimated(const partreg_fit *fit) { return fit->k; }
const gsl_vector *partreg_fit_coef(const partreg_fit *fit) { return fit->coef; }
const gsl_vector *partreg_fit_thresholds(const partreg_fit *fit) { return fit->thresholds; }
int partreg_fit_column_dropped(const partreg_fit *fit, size_t j)
{
    return j < fit->p && fit->dropped[j];
}

size_t partreg_fit_n_parameters(const partreg_fit *fit) { return fit->K; }

double partreg_fit_param_df(const partreg_fit *fit, size_t j)
{
    return j < fit->K ? fit->df[j] : NAN;
}
const gsl_vector *partreg_fit_parameters(const partreg_fit *fit) { return fit->par; }

partreg_param_kind partreg_fit_param_kind(const partreg_fit *fit, size_t j)
{
    return j < fit->K ? fit->model.layout.params[j].kind : PARTREG_PARAM_COEFFICIENT;
}

const char *partreg_fit_param_term(const partreg_fit *fit, size_t j)
{
    if (j >= fit->K)
        return NULL;
    const partreg_param *q = &fit->model.layout.params[j];
    if (q->column != PARTREG_NONE)
        return fit->column_names[q->column];
    if (q->cut != PARTREG_NONE)
        return fit->cut_names[q->cut];
    return q->label ? q->label : fit->model.layout.blocks[q->block].name;
}

const char *partreg_fit_param_cut(const partreg_fit *fit, size_t j)
{
    if (j >= fit->K)
        return NULL;
    const partreg_param *q = &fit->model.layout.params[j];
    return q->cut != PARTREG_NONE && q->column != PARTREG_NONE ? fit->cut_names[q->cut] : NULL;
}

size_t partreg_fit_param_column(const partreg_fit *fit, size_t j)
{
    return j < fit->K ? fit->model.layout.params[j].column : PARTREG_NO_COLUMN;
}

size_t partreg_fit_n_blocks(const partreg_fit *fit) { return fit->model.layout.n_blocks; }

const char *partreg_fit_block_name(const partreg_fit *fit, size_t b)
{
    return b < fit->model.layout.n_blocks ? fit->model.layout.blocks[b].name : NULL;
}

partreg_param_kind partreg_fit_block_kind(const partreg_fit *fit, size_t b)
{
    return b < fit->model.layout.n_blocks ? fit->model.layout.blocks[b].kind
                                          : PARTREG_PARAM_COEFFICIENT;
}

size_t partreg_fit_block_first(const partreg_fit *fit, size_t b)
{
    return b < fit->model.layout.n_blocks ? fit->model.layout.blocks[b].first : fit->K;
}

size_t partreg_fit_block_size(const partreg_fit *fit, size_t b)
{
    return b < fit->model.layout.n_blocks ? fit->model.layout.blocks[b].size : 0;
}
const gsl_matrix *partreg_fit_vcov(const partreg_fit *fit) { return fit->vcov; }
partreg_vcov_type partreg_fit_vcov_type(const partreg_fit *fit) { return fit->vcov_type; }
double partreg_fit_loglik(const partreg_fit *fit) { return fit->loglik; }
partreg_penalty partreg_fit_penalty(const partreg_fit *fit) { return fit->model.penalty; }
int partreg_fit_flic(const partreg_fit *fit) { return fit->model.flic; }
double partreg_fit_loglik_unpenalised(const partreg_fit *fit) { return fit->loglik_unpenalised; }
double partreg_fit_null_loglik(const partreg_fit *fit) { return fit->null_loglik; }
int partreg_fit_iterations(const partreg_fit *fit) { return fit->iterations; }
int partreg_fit_passes(const partreg_fit *fit) { return fit->passes; }
double partreg_fit_data_passes(const partreg_fit *fit) { return fit->data_passes; }
int partreg_fit_converged(const partreg_fit *fit) { return fit->converged; }
partreg_stop_reason partreg_fit_stop_reason(const partreg_fit *fit) { return fit->stop; }
int partreg_fit_separated(const partreg_fit *fit) { return fit->separated; }
int partreg_fit_param_diverges(const partreg_fit *fit, size_t j)
{
    return j < fit->K && fit->diverges[j];
}
double partreg_fit_max_gradient(const partreg_fit *fit) { return fit->max_grad; }
size_t partreg_fit_n_crossing_rows(const partreg_fit *fit) { return fit->n_crossing; }
size_t partreg_fit_n_warnings(const partreg_fit *fit) { return fit->n_warnings; }
const char *partreg_fit_warning(const partreg_fit *fit, size_t i)
{
    return i < fit->n_warnings ? fit->warnings[i] : NULL;
}

void partreg_fit_get_stats(const partreg_fit *fit, partreg_fit_stats *s)
{
    double N = fit->sum_w;
    double k = (double)fit->k;
    double k_null = (double)fit->k_null;
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
    /* the null model has no random intercept: the sd it sets to 0 lies on
     * the boundary, and the statistic is the 50:50 mixture of
     * chi2(lr_df - 1) and chi2(lr_df) (Self and Liang 1987), as partreg_lr_test */
    int free_sd = 0;
    for (size_t j = 0; j < fit->K; j++)
        free_sd |= fit->model.layout.params[j].kind == PARTREG_PARAM_LOG_SD &&
                   fit->free_of[j] != PARTREG_NONE;
    if (free_sd && s->lr_df > 0)
        s->lr_p = 0.5 * s->lr_p +
                  0.5 * (s->lr_df > 1 ? gsl_cdf_chisq_Q(fmax(s->lr_chi2, 0.0), s->lr_df - 1)
                         : s->lr_chi2 > 0 ? 0.0
                                          : 1.0);
    s->r2_mcfadden = fit->null_loglik != 0.0 ? 1.0 - fit->loglik / fit->null_loglik : NAN;
    /* exp(2 (l0 - l) / N) with expm1 for precision when the fit gains little */
    s->r2_cox_snell = -expm1(2.0 * (fit->null_loglik - fit->loglik) / N);
    double max_cs = -expm1(2.0 * fit->null_loglik / N);
    s->r2_nagelkerke = max_cs > 0 ? s->r2_cox_snell / max_cs : NAN;
    s->n_params = fit->k;
    s->n_weighted = N;
    if (fit->model.penalty != PARTREG_PENALTY_NONE) {
        /* a penalised log-likelihood has no information criteria or
         * likelihood-ratio test against the unpenalised null model: those
         * are not defined (NaN), the deviance is of the plain likelihood */
        s->deviance = -2.0 * fit->loglik_unpenalised;
        s->aic = s->bic = s->lr_chi2 = s->lr_p = NAN;
        s->r2_mcfadden = s->r2_cox_snell = s->r2_nagelkerke = NAN;
    }
    if (fit->survey) {
        /* a pseudo-likelihood: no BIC (CONTRACT.md), no likelihood-ratio
         * test and no R2 that reads the weights as a sample size */
        s->bic = s->lr_chi2 = s->lr_df = s->lr_p = NAN;
        s->r2_cox_snell = s->r2_nagelkerke = NAN;
    }
}

partreg_status partreg_fit_estimate(const partreg_fit *fit, size_t j, double level,
                                    partreg_estimate *out, partreg_error *err)
{
    size_t full = fit->K;
    if (!out || j >= full)
        return partreg_error_set(err, PARTREG_EINVAL, "parameter index %zu out of range (0..%zu)",
                                 j, full ? full - 1 : 0);
    if (!(level > 0 && level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95", level);
    double est = gsl_vector_get(fit->par, j);
    memset(out, 0, sizeof *out); /* the reserve too */
    if (fit->free_of[j] == PARTREG_NONE) {
        out->estimate = out->std_error = out->z = out->p_value = NAN;
        out->conf_low = out->conf_high = NAN;
        return PARTREG_OK;
    }
    double var = gsl_matrix_get(fit->vcov, j, j);
    double se = var >= 0 ? sqrt(var) : NAN;
    if (fit->diverges[j])
        se = NAN;
    /* the normal, or Student's t with the parameter's df (designs, CR2,
     * multiple imputation) */
    double df = fit->df[j];
    int t = isfinite(df);
    double q = t ? gsl_cdf_tdist_Qinv((1.0 - level) / 2.0, df)
                 : gsl_cdf_ugaussian_Qinv((1.0 - level) / 2.0);
    out->estimate = est;
    out->std_error = se;
    out->z = est / se;
    out->p_value = !isfinite(out->z) ? NAN
                   : t               ? 2.0 * gsl_cdf_tdist_Q(fabs(out->z), df)
                                     : 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
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

/* Each row's prediction through the model's table: the probabilities
 * (cum == 0) or the cumulative probabilities (cum == 1). */
static partreg_status predict_rows(const partreg_fit *fit, const partreg_data *d, gsl_matrix *m,
                                   int cum, partreg_error *err)
{
    const partreg_model *mod = &fit->model;
    size_t ldx = d->ldx ? d->ldx : d->p, ns = mod->ops->predict_scratch(mod);
    double *scratch = malloc((ns ? ns : 1) * sizeof *scratch);
    if (!scratch)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_status st = PARTREG_OK;
    for (size_t i = 0; i < d->n; i++) {
        const double *x = d->X + i * ldx;
        int finite = 1;
        for (size_t j = 0; j < fit->p; j++)
            finite &= fit->dropped[j] || isfinite(x[j]);
        if (!finite) {
            st = partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                         "row %zu has a non-finite value", i + 1);
            break;
        }
        double *out = gsl_matrix_ptr(m, i, 0);
        if (cum) {
            mod->ops->cumulative(mod, fit->par->data, x, out);
            continue;
        }
        memset(out, 0, mod->nout * sizeof *out);
        mod->ops->predict(mod, fit->par->data, x, NULL, 1.0, out, NULL, scratch);
    }
    free(scratch);
    if (st == PARTREG_OK)
        partreg_error_clear(err);
    return st;
}

partreg_status partreg_fit_predict(const partreg_fit *fit, const partreg_data *d,
                                   gsl_matrix *probs, partreg_error *err)
{
    partreg_status st = check_predict(fit, d, probs, fit->model.nout, err);
    return st != PARTREG_OK ? st : predict_rows(fit, d, probs, 0, err);
}

partreg_status partreg_fit_predict_cumulative(const partreg_fit *fit, const partreg_data *d,
                                              gsl_matrix *cum, partreg_error *err)
{
    if (!fit->model.ops->cumulative)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "cumulative probabilities are for ordinal models");
    partreg_status st = check_predict(fit, d, cum, fit->J - 1, err);
    return st != PARTREG_OK ? st : predict_rows(fit, d, cum, 1, err);
}
