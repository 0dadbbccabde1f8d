/* Binary-response log-likelihood, gradient and information per row block.
 *
 *   l(beta) = sum_i w_i [ y_i log F(eta_i) + (1 - y_i) log(1 - F(eta_i)) ],
 *   eta_i = x_i'beta,
 *   g = sum_i w_i d_i x_i,    I = -sum_i w_i h_i x_i x_i'
 *
 * with d_i = dl_i/deta and h_i = d2l_i/deta2 from link.c (observed
 * information), or h_i replaced by -f^2/(F(1-F)) (expected information).
 * See docs/methods.md, "Binary models". */
#include "models/binary.h"

#include <math.h>

#include "models/link.h"

static void binary_accumulate(const void *model, const double *beta, size_t begin, size_t end,
                              partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    double ll = 0.0;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        double l, dl, h, e;
        partreg_link_binary_terms(d->link, eta, d->y[i] != 0.0, &l, &dl, &h, &e);
        ll += w * l;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double gw = w * dl;
        for (size_t j = 0; j < k; j++)
            acc->grad[j] += gw * x[j];
        if (order == PARTREG_ORDER_GRADIENT)
            continue;
        double hw = order == PARTREG_ORDER_EXPECTED ? w * e : -w * h;
        if (!isfinite(hw) || !isfinite(gw))
            acc->nonfinite = 1;
        for (size_t a = 0; a < k; a++) {
            double xa = hw * x[a];
            double *row = acc->info + a * k;
            for (size_t b = 0; b <= a; b++)
                row[b] += xa * x[b];
        }
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
}

static void binary_row_scores(const void *model, const double *beta, size_t begin, size_t end,
                              double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        double dl = 0.0;
        if (w != 0.0)
            partreg_link_binary_terms(d->link, eta, d->y[i] != 0.0, NULL, &dl, NULL, NULL);
        double *s = S + (i - begin) * k;
        for (size_t j = 0; j < k; j++)
            s[j] = w * dl * x[j];
    }
}

void partreg_binary_objective(const partreg_design *d, partreg_objective *obj)
{
    obj->k = d->pk;
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = binary_accumulate;
    obj->feasible = NULL;
    obj->row_scores = binary_row_scores;
    obj->scratch_doubles = d->pk ? d->pk : 1;
}

double partreg_binary_null_loglik(const partreg_design *d, int has_intercept)
{
    double sw = 0.0, s1 = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double w = partreg_design_weight(d, i);
        sw += w;
        if (d->y[i] != 0.0)
            s1 += w;
    }
    if (!has_intercept) /* beta = 0: P = F(0) for every row */
        return s1 * log(partreg_link_cdf(d->link, 0.0)) +
               (sw - s1) * log1p(-partreg_link_cdf(d->link, 0.0));
    double ll = 0.0;
    if (s1 > 0)
        ll += s1 * log(s1 / sw);
    if (sw - s1 > 0)
        ll += (sw - s1) * log((sw - s1) / sw);
    return ll;
}
