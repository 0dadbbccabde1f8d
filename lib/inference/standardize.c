/* Standardized coefficients (Long and Freese 2014, Regression Models for
 * Categorical Dependent Variables Using Stata, 3rd ed., sec. 4.4.2, 7.6;
 * Long 1997, Regression Models for Categorical and Limited Dependent
 * Variables, sec. 3.8, 5.8; Menard 2004, "Six approaches to calculating
 * standardized logistic regression coefficients", The American
 * Statistician 58(3)):
 *   b_std_x  = b sd(x),  b_std_y = b / sd(y*),  b_std_xy = b sd(x) / sd(y*),
 *   sd(y*)^2 = var(x'b) + v,  v = pi^2/3 (logit), 1 (probit),
 *   pi^2/6 (cloglog, loglog) [+ sigma^2 of a random intercept];
 * and the odds ratio per standard deviation exp(b sd(x)) of the logit.
 * The fit is read only through the public parameter accessors, so every
 * model's slopes (cut-specific ones included) are placed by their kind. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "partreg.h"

/* pi to double precision (M_PI is not in C11) */
static const double PI = 3.14159265358979323846;

/* Weighted mean and variance of column c of d (see the header for the
 * weighting); NaN variance with fewer than 2 rows of positive weight. */
static double column_variance(const partreg_data *d, const double *v, size_t stride, size_t c,
                              int frequency)
{
    double sw = 0.0, mean = 0.0, ss = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        if (!(w > 0.0))
            continue;
        double x = v ? v[i] : d->X[i * stride + c];
        /* West's weighted running mean and sum of squares */
        sw += w;
        double delta = x - mean;
        mean += delta * w / sw;
        ss += w * delta * (x - mean);
        m++;
    }
    if (m < 2)
        return NAN;
    if (!d->w)
        return ss / (double)(m - 1);
    return frequency ? ss / (sw - 1.0) : ss / sw * (double)m / (double)(m - 1);
}

/* Variance of the latent error of a link (infinite for the cauchit). */
static double link_variance(partreg_link link)
{
    switch (link) {
    case PARTREG_LOGIT: return PI * PI / 3.0;
    case PARTREG_PROBIT: return 1.0;
    case PARTREG_CLOGLOG:
    case PARTREG_LOGLOG: return PI * PI / 6.0;
    default: return INFINITY;
    }
}

partreg_status partreg_fit_standardize(const partreg_fit *fit, const partreg_data *d,
                                       int frequency, partreg_standardized *out,
                                       double *sd_latent, partreg_error *err)
{
    if (sd_latent)
        *sd_latent = NAN;
    if (!fit || !d || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_standardize: NULL argument");
    size_t K = partreg_fit_n_parameters(fit), p = partreg_fit_n_columns(fit);
    if (d->p != p || (d->n && !d->X))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_fit_standardize: the rows have %zu columns, the fit %zu",
                                 d->p, p);
    size_t stride = d->ldx ? d->ldx : d->p;
    double *b = malloc((K ? K : 1) * sizeof *b);
    double *eta = calloc(d->n ? d->n : 1, sizeof *eta);
    if (!b || !eta) {
        free(b);
        free(eta);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    int single_latent = 1;
    double extra = 0.0; /* sigma^2 of a random intercept */
    for (size_t j = 0; j < K; j++) {
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        b[j] = e.estimate;
        partreg_param_kind kind = partreg_fit_param_kind(fit, j);
        if (kind == PARTREG_PARAM_CUT_COEFFICIENT || kind == PARTREG_PARAM_SCALE)
            single_latent = 0;
        if (kind == PARTREG_PARAM_LOG_SD)
            extra += exp(2.0 * b[j]);
    }
    /* the linear predictor over the slopes shared by every cut */
    for (size_t i = 0; i < d->n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < K; j++) {
            size_t c = partreg_fit_param_column(fit, j);
            if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_COEFFICIENT &&
                c != PARTREG_NO_COLUMN && !partreg_fit_column_dropped(fit, c))
                s += b[j] * d->X[i * stride + c];
        }
        eta[i] = s;
    }
    double var_eta = column_variance(d, eta, 1, 0, frequency);
    double sdy = single_latent ? sqrt(var_eta + link_variance(partreg_fit_link(fit)) + extra)
                               : NAN;
    if (!isfinite(sdy))
        sdy = NAN;
    if (sd_latent)
        *sd_latent = sdy;
    int logit = partreg_fit_link(fit) == PARTREG_LOGIT;
    for (size_t j = 0; j < K; j++) {
        partreg_standardized *s = &out[j];
        memset(s, 0, sizeof *s);
        s->sd_x = s->b_std_x = s->b_std_y = s->b_std_xy = s->or_per_sd = NAN;
        partreg_param_kind kind = partreg_fit_param_kind(fit, j);
        size_t c = partreg_fit_param_column(fit, j);
        if ((kind != PARTREG_PARAM_COEFFICIENT && kind != PARTREG_PARAM_CUT_COEFFICIENT) ||
            c == PARTREG_NO_COLUMN || partreg_fit_column_dropped(fit, c))
            continue;
        double sd = sqrt(column_variance(d, NULL, stride, c, frequency));
        if (!(sd > 0.0))
            continue; /* the intercept, or a constant column */
        s->sd_x = sd;
        s->b_std_x = b[j] * sd;
        s->b_std_y = b[j] / sdy;
        s->b_std_xy = b[j] * sd / sdy;
        if (logit)
            s->or_per_sd = exp(b[j] * sd);
    }
    free(b);
    free(eta);
    partreg_error_clear(err);
    return PARTREG_OK;
}
