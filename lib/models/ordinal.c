/* Cumulative-link log-likelihood, gradient and information per row block.
 *
 *   P(Y = j | x) = F(theta_j - eta) - F(theta_{j-1} - eta),  eta = x'beta,
 *   theta_0 = -inf, theta_J = +inf (exactly; no finite stand-ins).
 *
 * With a = theta_{j-1} - eta, b = theta_j - eta and P = F(b) - F(a):
 *   dlogP/da = -f(a)/P,  dlogP/db = f(b)/P,
 *   d2/da2 = -f'(a)/P - (f(a)/P)^2,  d2/db2 = f'(b)/P - (f(b)/P)^2,
 *   d2/dadb = f(a) f(b) / P^2,
 * and the chain rule da/deta = db/deta = -1 gives the beta block.
 *
 * Tails: log P is taken from the side where it is precise,
 *   b <= 0:  log P = log F(b) + log(1 - exp(log F(a) - log F(b)))
 *   a >= 0:  log P = log S(a) + log(1 - exp(log S(b) - log S(a)))
 * and the ratios f(x)/P as (f/F)(x) exp(log F(x) - log P) for x < 0 or
 * (f/S)(x) exp(log S(x) - log P) for x >= 0, so an observation far out in
 * either tail gives neither log(0) nor a negative probability.
 * References: McCullagh (1980), JRSS B 42:109-142; Agresti (2010),
 * Analysis of Ordinal Categorical Data, ch. 5; docs/methods.md. */
#include "models/ordinal.h"

#include <math.h>
#include <string.h>

#include "models/link.h"

#define LN2 0.693147180559945309417232121458

/* log(1 - exp(-u)), u > 0 */
static double log1mexp(double u)
{
    return u > LN2 ? log1p(-exp(-u)) : log(-expm1(-u));
}

/* f(x)/P given the link values at x and log P */
static double ratio(const partreg_link_values *v, double x, double logp)
{
    if (x < 0)
        return v->r1 * exp(v->logF - logp);
    return v->r0 * exp(v->logS - logp);
}

void partreg_ordinal_row_terms(partreg_link link, double a, double b, partreg_ordinal_terms *t)
{
    partreg_link_values va, vb;
    int has_a = !(isinf(a) && a < 0), has_b = !(isinf(b) && b > 0);
    if (has_a)
        partreg_link_eval(link, a, &va);
    if (has_b)
        partreg_link_eval(link, b, &vb);

    double logp;
    if (!has_a && !has_b)
        logp = 0.0;
    else if (!has_a)
        logp = vb.logF;
    else if (!has_b)
        logp = va.logS;
    else if (b <= 0)
        logp = vb.logF + log1mexp(vb.logF - va.logF);
    else if (a >= 0)
        logp = va.logS + log1mexp(va.logS - vb.logS);
    else
        logp = log(vb.F - va.F);
    t->logp = logp;

    double qa = 0.0, qb = 0.0, ga = 0.0, gb = 0.0;
    if (has_a && va.f > 0) {
        qa = ratio(&va, a, logp);
        ga = va.gl;
    } else if (has_a) { /* f underflowed: use the ratio form anyway */
        qa = ratio(&va, a, logp);
        ga = isfinite(va.gl) ? va.gl : 0.0;
    }
    if (has_b) {
        qb = ratio(&vb, b, logp);
        gb = isfinite(vb.gl) ? vb.gl : 0.0;
    }
    t->da = -qa;
    t->db = qb;
    t->daa = -ga * qa - qa * qa;
    t->dbb = gb * qb - qb * qb;
    t->dab = qa * qb;
}

static void ordinal_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                               partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    double ll = 0.0;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < pk; j++)
            eta += x[j] * theta[j];
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta;
        double b = c == J - 1 ? INFINITY : thr[c] - eta;
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(d->link, a, b, &t);
        ll += w * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        /* gradient */
        double geta = -(t.da + t.db);
        for (size_t j = 0; j < pk; j++)
            acc->grad[j] += w * geta * x[j];
        if (c > 0)
            acc->grad[pk + c - 1] += w * t.da;
        if (c < J - 1)
            acc->grad[pk + c] += w * t.db;
        if (order == PARTREG_ORDER_GRADIENT)
            continue;
        /* information = -Hessian, lower triangle */
        double heta = -w * (t.daa + 2.0 * t.dab + t.dbb);
        if (!isfinite(heta) || !isfinite(geta))
            acc->nonfinite = 1;
        for (size_t r = 0; r < pk; r++) {
            double xr = heta * x[r];
            double *row = acc->info + r * k;
            for (size_t s = 0; s <= r; s++)
                row[s] += xr * x[s];
        }
        if (c > 0) { /* theta_{c-1}: d2l/deta dtheta = -(daa + dab) */
            size_t ta = pk + c - 1;
            double cross = w * (t.daa + t.dab);
            double *row = acc->info + ta * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[ta] -= w * t.daa;
        }
        if (c < J - 1) {
            size_t tb = pk + c;
            double cross = w * (t.dab + t.dbb);
            double *row = acc->info + tb * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[tb] -= w * t.dbb;
            if (c > 0)
                row[tb - 1] -= w * t.dab;
        }
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
}

static void ordinal_row_scores(const void *model, const double *theta, size_t begin, size_t end,
                               double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    for (size_t i = begin; i < end; i++) {
        double *s = S + (i - begin) * k;
        memset(s, 0, k * sizeof *s);
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < pk; j++)
            eta += x[j] * theta[j];
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta;
        double b = c == J - 1 ? INFINITY : thr[c] - eta;
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(d->link, a, b, &t);
        double geta = -(t.da + t.db);
        for (size_t j = 0; j < pk; j++)
            s[j] = w * geta * x[j];
        if (c > 0)
            s[pk + c - 1] = w * t.da;
        if (c < J - 1)
            s[pk + c] = w * t.db;
    }
}

static int ordinal_feasible(const void *model, const double *theta)
{
    const partreg_design *d = model;
    const double *thr = theta + d->pk;
    for (size_t j = 0; j + 1 < d->J; j++) {
        if (!isfinite(thr[j]))
            return 0;
        if (j > 0 && !(thr[j] > thr[j - 1]))
            return 0;
    }
    return 1;
}

void partreg_ordinal_objective(const partreg_design *d, partreg_objective *obj)
{
    obj->k = d->pk + d->J - 1;
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = ordinal_accumulate;
    obj->feasible = ordinal_feasible;
    obj->row_scores = ordinal_row_scores;
    obj->scratch_doubles = d->pk ? d->pk : 1;
}

/* Weighted count of each level into W[J]; returns the total. */
static double level_weights(const partreg_design *d, double *W)
{
    memset(W, 0, d->J * sizeof *W);
    double total = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double w = partreg_design_weight(d, i);
        W[(size_t)d->y[i]] += w;
        total += w;
    }
    return total;
}

void partreg_ordinal_start(const partreg_design *d, double *theta)
{
    size_t J = d->J;
    double W[J];
    double total = level_weights(d, W);
    memset(theta, 0, d->pk * sizeof *theta);
    double cum = 0.0;
    for (size_t j = 0; j + 1 < J; j++) {
        cum += W[j];
        theta[d->pk + j] = partreg_link_quantile(d->link, cum / total);
    }
}

double partreg_ordinal_null_loglik(const partreg_design *d)
{
    double W[d->J];
    double total = level_weights(d, W);
    double ll = 0.0;
    for (size_t j = 0; j < d->J; j++)
        if (W[j] > 0)
            ll += W[j] * log(W[j] / total);
    return ll;
}

void partreg_ordinal_probs(partreg_link link, double eta, const double *thr, size_t J,
                           double *probs)
{
    for (size_t c = 0; c < J; c++) {
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta;
        double b = c == J - 1 ? INFINITY : thr[c] - eta;
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(link, a, b, &t);
        probs[c] = exp(t.logp);
    }
}

void partreg_ordinal_cumprobs(partreg_link link, double eta, const double *thr, size_t J,
                              double *cum)
{
    for (size_t j = 0; j + 1 < J; j++)
        cum[j] = partreg_link_cdf(link, thr[j] - eta);
}
