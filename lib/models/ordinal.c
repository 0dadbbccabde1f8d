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

#include <gsl/gsl_cblas.h>

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
    else if (!has_a) /* then has_b, and vb is set */
        logp = vb.logF; /* cppcheck-suppress uninitStructMember */
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

/* Logit fast path of partreg_ordinal_row_terms for finite-or-infinite cut
 * points within |x| < FAST_LIMIT. With F, S from one exp each and the
 * category's constant g = 1 - exp(a - b) = -expm1(theta_{j-1} - theta_j):
 *   P = F(b) - F(a) = F(b) S(a) g,   log P = log F(b) + log S(a) + log g
 * (three non-positive terms: no cancellation), and the ratios
 *   f(b)/P = S(b) / (S(a) g),   f(a)/P = F(a) / (F(b) g)
 * follow from f = F S. One exp and one log1p per finite cut point instead
 * of the general route's three exps and three logs. */
#define FAST_LIMIT 600.0

static inline void logit_side(double x, double *F, double *S, double *logF, double *logS)
{
    double e = exp(-fabs(x)), lp = log1p(e);
    *F = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    *S = x >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
    *logF = x >= 0 ? -lp : x - lp;
    *logS = x >= 0 ? -x - lp : -lp;
}

static int logit_row_terms(double a, double b, double g, double logg, partreg_ordinal_terms *t)
{
    int has_a = !(isinf(a) && a < 0), has_b = !(isinf(b) && b > 0);
    if ((has_a && !(fabs(a) < FAST_LIMIT)) || (has_b && !(fabs(b) < FAST_LIMIT)))
        return 0;
    double Fa = 0, Sa = 1, lFa = 0, lSa = 0, Fb = 1, Sb = 0, lFb = 0, lSb = 0;
    if (has_a)
        logit_side(a, &Fa, &Sa, &lFa, &lSa);
    if (has_b)
        logit_side(b, &Fb, &Sb, &lFb, &lSb);
    double qa = 0.0, qb = 0.0, ga = 0.0, gb = 0.0;
    if (has_a && has_b) {
        t->logp = lFb + lSa + logg;
        qa = Fa / (Fb * g);
        qb = Sb / (Sa * g);
    } else if (has_b) { /* lowest category: P = F(b) */
        t->logp = lFb;
        qb = Sb;
    } else if (has_a) { /* highest category: P = S(a) */
        t->logp = lSa;
        qa = Fa;
    } else {
        t->logp = 0.0;
    }
    if (has_a)
        ga = Sa - Fa;
    if (has_b)
        gb = Sb - Fb;
    t->da = -qa;
    t->db = qb;
    t->daa = -ga * qa - qa * qa;
    t->dbb = gb * qb - qb * qb;
    t->dab = qa * qb;
    return 1;
}

/* Rows per chunk inside an accumulate call (see binary.c). */
#define CHUNK_ROWS(pk) partreg_block_rows_auto(pk)

/*
 * One fused pass over a chunk of m rows: eta = X beta (dgemv); per-row
 * terms; the beta gradient X'(w geta) (dgemv); the beta-beta information
 * through dsyrk on rows scaled by sqrt(|w heta|), split by sign as in
 * binary.c; the few threshold entries row by row.
 */
static void ordinal_chunk(const partreg_design *d, const double *theta, size_t i0, size_t m,
                          const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                          double *eta, double *gw, double *zp, double *zn, const double *gap,
                          const double *loggap)
{
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    int logit = d->link == PARTREG_LOGIT;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    if (pk)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)pk, 1.0, xb, (int)lda, theta, 1,
                    0.0, eta, 1);
    else
        memset(eta, 0, m * sizeof *eta);
    double ll = 0.0;
    size_t np = 0, nn = 0;
    for (size_t r = 0; r < m; r++) {
        size_t i = i0 + r;
        double w = partreg_design_weight(d, i);
        gw[r] = 0.0;
        if (w == 0.0)
            continue;
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta[r];
        double b = c == J - 1 ? INFINITY : thr[c] - eta[r];
        partreg_ordinal_terms t;
        int inner = c > 0 && c < J - 1;
        int fast = logit && (!inner || gap[c] > 0) &&
                   logit_row_terms(a, b, inner ? gap[c] : 1.0, inner ? loggap[c] : 0.0, &t);
        if (!fast)
            partreg_ordinal_row_terms(d->link, a, b, &t);
        ll += w * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double geta = -(t.da + t.db);
        gw[r] = w * geta;
        if (c > 0)
            acc->grad[pk + c - 1] += w * t.da;
        if (c < J - 1)
            acc->grad[pk + c] += w * t.db;
        if (!info)
            continue;
        double heta = -w * (t.daa + 2.0 * t.dab + t.dbb);
        if (!isfinite(heta) || !isfinite(geta))
            acc->nonfinite = 1;
        const double *x = xb + r * lda;
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
        if (heta == 0.0 || pk == 0)
            continue;
        double *z = heta < 0 ? zn + (nn++) * pk : zp + (np++) * pk;
        double s = sqrt(fabs(heta));
        for (size_t j = 0; j < pk; j++)
            z[j] = s * x[j];
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE || pk == 0)
        return;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)pk, 1.0, xb, (int)lda, gw, 1, 1.0,
                acc->grad, 1);
    /* the beta block is the leading pk x pk corner of info (row stride k) */
    if (np)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)np, 1.0, zp, (int)pk,
                    1.0, acc->info, (int)k);
    if (nn)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)nn, -1.0, zn, (int)pk,
                    1.0, acc->info, (int)k);
}

static void ordinal_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                               partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, p1 = pk ? pk : 1, chunk = CHUNK_ROWS(p1);
    const double *thr = theta + pk;
    /* scratch: gap, loggap (J each), eta, gw (chunk each), Zp, Zn, gathered
     * rows (chunk x pk each) */
    double *gap = scratch, *loggap = gap + J, *eta = loggap + J, *gw = eta + chunk;
    double *zp = gw + chunk, *zn = zp + chunk * p1, *gather = zn + chunk * p1;
    /* g_c = 1 - exp(theta_{c-1} - theta_c) of the inner categories; a
     * non-increasing pair (infeasible) gives g <= 0 and the general route */
    for (size_t c = 1; c + 1 < J; c++) {
        gap[c] = -expm1(thr[c - 1] - thr[c]);
        loggap[c] = gap[c] > 0 ? log(gap[c]) : NAN;
    }
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, gather + r * p1);
            xb = gather;
            lda = p1;
        }
        ordinal_chunk(d, theta, b, m, xb, lda, order, acc, eta, gw, zp, zn, gap, loggap);
    }
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
    size_t p1 = d->pk ? d->pk : 1;
    obj->scratch_doubles = 2 * d->J + CHUNK_ROWS(p1) * (2 + 3 * p1);
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
