/* Predictions of a random-intercept model (model.h's predict,
 * predict_index and cumulative): probabilities at a design row x,
 * population-averaged
 *
 *     Pbar_o(x) = E P_o(x, u),  u ~ N(0, sigma^2),
 *
 * by a Gauss-Hermite rule of 20 to 100 points chosen by sigma (u =
 * sigma z_q; `rule` below),
 * or at u = 0 when the specification asks for conditional predictions,
 * and their derivatives along a direction dx and over the parameters
 * (beta, theta, log sigma). With P' and P'' the derivatives of P_o in the
 * linear predictor eta and g = beta'dx:
 *
 *     dPbar/dbeta = E P' x,         dPbar/dlog sigma = E P'(eta + u) u,
 *     D = g E P',                   dD/dbeta = E (P'' g x + P' dx),
 *     dD/dlog sigma = g E P''(eta + u) u,
 *
 * and the threshold derivatives as cumulative.c's, averaged over u. */
#include <math.h>
#include <string.h>

#include "models/link.h"
#include "models/random_intercept.h"

size_t partreg_ri_predict_scratch(const partreg_model *m)
{
    /* F, S, f, f' at each cut */
    return 4 * (m->J + 1);
}

static double linear(const double *par, const double *x, size_t p)
{
    double eta = 0.0;
    for (size_t c = 0; c < p; c++)
        if (par[c] != 0.0)
            eta += par[c] * x[c];
    return eta;
}

/* The nodes and weights the predictions average over, and sigma: u = 0
 * alone for conditional predictions (or sigma = 0); otherwise the
 * smallest of the prediction rules (partreg_ri_state.prule) with at least
 * c sigma^2 points, the integrand P(eta + sigma z) being analytic in a
 * strip of half-width d / sigma around the real axis (d = pi for the
 * logistic's poles at eta = i pi (2k + 1), 1 for the cauchit's at +-i,
 * none for the other links, taken as pi): the Gauss-Hermite error then
 * falls like exp(-2 (d / sigma) sqrt(2 Q)), below 1e-17 at Q >= c sigma^2
 * with c = 20 (d = pi) or 200 (d = 1). */
static size_t rule(const partreg_model *m, const partreg_ri_state *st, const double *par,
                   size_t K, const double **z, const double **wq, double *sigma)
{
    static const double zero = 0.0, one = 1.0;
    double tau = par[K - 1];
    *sigma = isinf(tau) && tau < 0 ? 0.0 : exp(tau);
    if (st->conditional || *sigma == 0.0) {
        *z = &zero;
        *wq = &one;
        return 1;
    }
    double need = (m->link == PARTREG_CAUCHIT ? 200.0 : 20.0) * *sigma * *sigma;
    size_t r = 0;
    while (r + 1 < PARTREG_RI_PREDICT_RULES && (double)st->pq[r] < need)
        r++;
    *z = st->px[r];
    *wq = st->pw[r];
    return st->pq[r];
}

/* F, S, f and f' at x from one evaluation of the link (f = f' = 0 at an
 * infinite x) */
static void cut_values(partreg_link link, double x, double *F, double *S, double *f, double *fp)
{
    partreg_link_values v;
    partreg_link_eval(link, x, &v);
    *F = v.F;
    *S = v.S;
    *f = isinf(x) ? 0.0 : v.f;
    *fp = *f == 0.0 ? 0.0 : v.gl * *f;
}

void partreg_ri_predict(const partreg_model *m, const double *par, const double *x,
                        const double *dx, double w, double *out, double *dout, double *scratch)
{
    const partreg_ri_state *st = m->state;
    size_t p = m->p, K = m->layout.K, J = m->J, nc = J - 1;
    const double *z, *wq;
    double sigma;
    size_t nq = rule(m, st, par, K, &z, &wq, &sigma);
    double eta = linear(par, x, p), g = dx ? linear(par, dx, p) : 0.0;
    double *F = scratch, *S = F + J, *f = S + J, *fp = f + J;
    for (size_t q = 0; q < nq; q++) {
        double u = sigma * z[q], ww = w * wq[q], v = eta + u;
        /* u moves with log sigma only when the rule is the averaging one */
        double du = st->conditional ? 0.0 : u;
        if (!st->cumulative) {
            double Fv, Sv, fv, fpv;
            cut_values(m->link, v, &Fv, &Sv, &fv, &fpv);
            double *dt = dout ? dout + K - 1 : NULL;
            if (!dx) {
                out[0] += ww * Fv;
                if (dout) {
                    for (size_t c = 0; c < p; c++)
                        dout[c] += ww * fv * x[c];
                    *dt += ww * fv * du;
                }
            } else {
                out[0] += ww * fv * g;
                if (dout) {
                    for (size_t c = 0; c < p; c++)
                        dout[c] += ww * (fpv * g * x[c] + fv * dx[c]);
                    *dt += ww * fpv * g * du;
                }
            }
            continue;
        }
        const double *thr = par + p;
        for (size_t j = 0; j < nc; j++)
            cut_values(m->link, thr[j] - v, &F[j], &S[j], &f[j], &fp[j]);
        for (size_t j = 0; j < J; j++) {
            int has_a = j > 0, has_b = j < nc;
            double fA = has_a ? f[j - 1] : 0.0, fB = has_b ? f[j] : 0.0;
            double fpA = has_a ? fp[j - 1] : 0.0, fpB = has_b ? fp[j] : 0.0;
            double *row = dout ? dout + j * K : NULL;
            if (!dx) {
                /* each difference in the tail where it is accurate */
                double P;
                if (!has_b)
                    P = S[j - 1];
                else if (!has_a)
                    P = F[j];
                else if (thr[j - 1] - v >= 0)
                    P = S[j - 1] - S[j];
                else
                    P = F[j] - F[j - 1];
                out[j] += ww * P;
                if (!row)
                    continue;
                double dP = -(fB - fA); /* dP/deta */
                for (size_t c = 0; c < p; c++)
                    row[c] += ww * dP * x[c];
                if (has_b)
                    row[p + j] += ww * fB;
                if (has_a)
                    row[p + j - 1] -= ww * fA;
                row[K - 1] += ww * dP * du;
            } else {
                double df = fB - fA, dfp = fpB - fpA;
                out[j] += ww * (-df * g);
                if (!row)
                    continue;
                for (size_t c = 0; c < p; c++)
                    row[c] += ww * (dfp * g * x[c] - df * dx[c]);
                if (has_b)
                    row[p + j] += ww * (-fpB * g);
                if (has_a)
                    row[p + j - 1] += ww * (fpA * g);
                row[K - 1] += ww * dfp * g * du;
            }
        }
    }
}

/* model.h's predict_index: a_o = E P'_o(eta + u) and its gradient,
 * da/dbeta = E P'' x, da/dlog sigma = E P''(eta + u) u, and the threshold
 * terms of cumulative.c's averaged over u (partreg_ri_predict along dx is
 * g a and g da/dpar + a dx). */
void partreg_ri_predict_index(const partreg_model *m, const double *par, const double *x,
                              double w, double *out, double *dout, double *scratch)
{
    const partreg_ri_state *st = m->state;
    size_t p = m->p, K = m->layout.K, J = m->J, nc = J - 1;
    const double *z, *wq;
    double sigma;
    size_t nq = rule(m, st, par, K, &z, &wq, &sigma);
    double eta = linear(par, x, p);
    double *F = scratch, *S = F + J, *f = S + J, *fp = f + J;
    for (size_t q = 0; q < nq; q++) {
        double u = sigma * z[q], ww = w * wq[q], v = eta + u;
        double du = st->conditional ? 0.0 : u;
        if (!st->cumulative) {
            double Fv, Sv, fv, fpv;
            cut_values(m->link, v, &Fv, &Sv, &fv, &fpv);
            out[0] += ww * fv;
            if (dout) {
                for (size_t c = 0; c < p; c++)
                    dout[c] += ww * fpv * x[c];
                dout[K - 1] += ww * fpv * du;
            }
            continue;
        }
        const double *thr = par + p;
        for (size_t j = 0; j < nc; j++)
            cut_values(m->link, thr[j] - v, &F[j], &S[j], &f[j], &fp[j]);
        for (size_t j = 0; j < J; j++) {
            int has_a = j > 0, has_b = j < nc;
            double fA = has_a ? f[j - 1] : 0.0, fB = has_b ? f[j] : 0.0;
            double fpA = has_a ? fp[j - 1] : 0.0, fpB = has_b ? fp[j] : 0.0;
            double df = fB - fA, dfp = fpB - fpA;
            out[j] += ww * (-df);
            if (!dout)
                continue;
            double *row = dout + j * K;
            for (size_t c = 0; c < p; c++)
                row[c] += ww * dfp * x[c];
            if (has_b)
                row[p + j] += ww * (-fpB);
            if (has_a)
                row[p + j - 1] += ww * fpA;
            row[K - 1] += ww * dfp * du;
        }
    }
}

void partreg_ri_cumulative(const partreg_model *m, const double *par, const double *x,
                           double *cum)
{
    const partreg_ri_state *st = m->state;
    size_t p = m->p, K = m->layout.K, nc = m->J - 1;
    const double *z, *wq;
    double sigma;
    size_t nq = rule(m, st, par, K, &z, &wq, &sigma);
    double eta = linear(par, x, p);
    memset(cum, 0, nc * sizeof *cum);
    for (size_t q = 0; q < nq; q++)
        for (size_t j = 0; j < nc; j++)
            cum[j] += wq[q] * partreg_link_cdf(m->link, par[p + j] - eta - sigma * z[q]);
}
