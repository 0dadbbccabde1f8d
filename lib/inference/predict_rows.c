/* Predictions of rows with standard errors and intervals: each outcome
 * level's probability at a design row, from the model's table
 * (partreg_model_ops.predict gives the probabilities and their gradients
 * over the parameters), with the delta-method standard error
 * sqrt(g' V g) under the covariance in force, and the linear predictor
 * x'beta on request. A binary model's table predicts the event only:
 * P(no) = 1 - P(yes) has the negated gradient.
 *
 * Intervals of probabilities: on the link scale transformed back
 * (F(F^-1(P) -+ q SE / f(F^-1(P))), which for a binary model is exactly
 * the interval of eta mapped through F) or on the probability scale.
 * References: Agresti (2013), Categorical Data Analysis, 3rd ed., sec.
 * 4.2.3 (intervals for probabilities from the linear predictor); Stata
 * [R] predict (stdp) and [R] margins (vce(delta)). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "inference/survey_internal.h"
#include "models/fit_internal.h"
#include "models/link.h"
#include "inference/margins_internal.h"

struct partreg_predictions {
    size_t n, J;
    double *prob, *se, *lo, *hi; /* n x J */
    int linear;
    double *eta, *eta_se, *eta_lo, *eta_hi; /* n */
};

partreg_predict_options partreg_predict_options_default(void)
{
    partreg_predict_options o;
    memset(&o, 0, sizeof o);
    o.level = 0.95;
    o.prob_ci = PARTREG_PROB_CI_LINK;
    return o;
}

void partreg_predictions_free(partreg_predictions *p)
{
    if (!p)
        return;
    free(p->prob);
    free(p->se);
    free(p->lo);
    free(p->hi);
    free(p->eta);
    free(p->eta_se);
    free(p->eta_lo);
    free(p->eta_hi);
    free(p);
}

size_t partreg_predictions_n_rows(const partreg_predictions *p) { return p ? p->n : 0; }
size_t partreg_predictions_n_levels(const partreg_predictions *p) { return p ? p->J : 0; }

partreg_status partreg_predictions_get(const partreg_predictions *p, size_t i, size_t j,
                                       double *prob, double *std_error, double *conf_low,
                                       double *conf_high)
{
    if (!p || i >= p->n || j >= p->J)
        return PARTREG_EINVAL;
    size_t e = i * p->J + j;
    if (prob)
        *prob = p->prob[e];
    if (std_error)
        *std_error = p->se[e];
    if (conf_low)
        *conf_low = p->lo[e];
    if (conf_high)
        *conf_high = p->hi[e];
    return PARTREG_OK;
}

partreg_status partreg_predictions_linear(const partreg_predictions *p, size_t i, double *eta,
                                          double *std_error, double *conf_low,
                                          double *conf_high)
{
    if (!p || i >= p->n || !p->linear)
        return PARTREG_EINVAL;
    if (eta)
        *eta = p->eta[i];
    if (std_error)
        *std_error = p->eta_se[i];
    if (conf_low)
        *conf_low = p->eta_lo[i];
    if (conf_high)
        *conf_high = p->eta_hi[i];
    return PARTREG_OK;
}

/* g' V g over the K entries of g (NaN when V is). */
static double quad(const gsl_matrix *V, const double *g, size_t K)
{
    if (!V)
        return NAN;
    double var = 0.0;
    for (size_t r = 0; r < K; r++) {
        if (g[r] == 0.0)
            continue;
        double s = 0.0;
        for (size_t k = 0; k < K; k++)
            if (g[k] != 0.0)
                s += gsl_matrix_get(V, r, k) * g[k];
        var += g[r] * s;
    }
    return isnan(var) ? NAN : sqrt(var > 0.0 ? var : 0.0);
}

/* The probability interval of p with standard error se. */
static void prob_interval(partreg_prob_ci how, partreg_link link, double p, double se, double q,
                          double *lo, double *hi)
{
    if (how == PARTREG_PROB_CI_DELTA && isfinite(p) && isfinite(se)) {
        *lo = p - q * se;
        *hi = p + q * se;
        return;
    }
    partreg_margins_link_interval(link, p, se, q, lo, hi);
}

partreg_status partreg_fit_predict_rows(const partreg_fit *fit, const partreg_data *d,
                                        const partreg_predict_options *opt,
                                        partreg_predictions **out, partreg_error *err)
{
    static const char who[] = "partreg_fit_predict_rows";
    if (out)
        *out = NULL;
    if (!fit || !d || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    partreg_predict_options o = opt ? *opt : partreg_predict_options_default();
    if (!(o.level > 0.0 && o.level < 1.0))
        return partreg_error_set(err, PARTREG_EINVAL, "%s: confidence level %g is not in (0, 1)",
                                 who, o.level);
    if (d->p != fit->p || (d->n && !d->X))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the rows have %zu columns, the fit %zu", who, d->p, fit->p);
    const partreg_model *m = &fit->model;
    size_t K = fit->K, J = fit->J, nout = m->nout, n = d->n, ldx = d->ldx ? d->ldx : d->p;
    if (o.linear)
        for (size_t j = 0; j < K; j++) {
            partreg_param_kind kind = m->layout.params[j].kind;
            if (kind == PARTREG_PARAM_CUT_COEFFICIENT || kind == PARTREG_PARAM_SCALE)
                return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                         "the linear predictor of this model %s; use the "
                                         "probabilities of each level",
                                         kind == PARTREG_PARAM_SCALE
                                             ? "is divided by a scale that differs by row"
                                             : "differs by cut (nominal effects)");
        }
    const gsl_matrix *V = partreg_fit_vcov(fit);
    double ddf = partreg_fit_design_df(fit);
    double q = isfinite(ddf) ? gsl_cdf_tdist_Qinv(0.5 * (1.0 - o.level), ddf)
                             : gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + o.level));
    partreg_predictions *r = calloc(1, sizeof *r);
    size_t nj = n * J;
    double *out_p = calloc(nout, sizeof *out_p);
    double *grad = calloc(nout * K + 1, sizeof *grad);
    double *scratch = calloc(m->ops->predict_scratch(m) + 1, sizeof *scratch);
    double *g = calloc(K + 1, sizeof *g);
    partreg_status st = PARTREG_OK;
    if (!r || !out_p || !grad || !scratch || !g) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto done;
    }
    r->n = n;
    r->J = J;
    r->linear = o.linear;
    r->prob = calloc(nj + 1, sizeof(double));
    r->se = calloc(nj + 1, sizeof(double));
    r->lo = calloc(nj + 1, sizeof(double));
    r->hi = calloc(nj + 1, sizeof(double));
    if (o.linear) {
        r->eta = calloc(n + 1, sizeof(double));
        r->eta_se = calloc(n + 1, sizeof(double));
        r->eta_lo = calloc(n + 1, sizeof(double));
        r->eta_hi = calloc(n + 1, sizeof(double));
    }
    if (!r->prob || !r->se || !r->lo || !r->hi ||
        (o.linear && (!r->eta || !r->eta_se || !r->eta_lo || !r->eta_hi))) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const double *x = d->X + i * ldx;
        for (size_t c = 0; c < d->p; c++)
            if (!fit->dropped[c] && !isfinite(x[c])) {
                st = partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                             "%s: row %zu has a non-finite value in column %zu",
                                             who, i + 1, c + 1);
                goto done;
            }
        memset(out_p, 0, nout * sizeof *out_p);
        memset(grad, 0, nout * K * sizeof *grad);
        m->ops->predict(m, fit->par->data, x, NULL, 1.0, out_p, grad, scratch);
        for (size_t j = 0; j < J; j++) {
            double p;
            if (nout == J) {
                p = out_p[j];
                memcpy(g, grad + j * K, K * sizeof *g);
            } else { /* the event only: level 1 is P, level 0 is 1 - P */
                p = j == 1 ? out_p[0] : 1.0 - out_p[0];
                for (size_t k = 0; k < K; k++)
                    g[k] = j == 1 ? grad[k] : -grad[k];
            }
            size_t e = i * J + j;
            r->prob[e] = p;
            r->se[e] = quad(V, g, K);
            prob_interval(o.prob_ci, fit->link, p, r->se[e], q, &r->lo[e], &r->hi[e]);
        }
        if (o.linear) {
            double eta = 0.0;
            memset(g, 0, K * sizeof *g);
            for (size_t j = 0; j < K; j++) {
                const partreg_param *pa = &m->layout.params[j];
                if (pa->kind != PARTREG_PARAM_COEFFICIENT || pa->column == PARTREG_NONE ||
                    fit->dropped[pa->column])
                    continue;
                eta += fit->par->data[j] * x[pa->column];
                g[j] = x[pa->column];
            }
            r->eta[i] = eta;
            r->eta_se[i] = quad(V, g, K);
            r->eta_lo[i] = eta - q * r->eta_se[i];
            r->eta_hi[i] = eta + q * r->eta_se[i];
        }
    }
done:
    free(out_p);
    free(grad);
    free(scratch);
    free(g);
    if (st != PARTREG_OK) {
        partreg_predictions_free(r);
        return st;
    }
    *out = r;
    partreg_error_clear(err);
    return PARTREG_OK;
}
