/* One row's log-probability with its derivatives up to fourth order in the
 * cut points and the random effect, and Gauss-Hermite rules (ri_terms.h).
 *
 * With P = F(b) - F(a), the partial derivatives of P are separable:
 * P_{a^m} = -f^(m-1)(a), P_{b^m} = f^(m-1)(b), every mixed one 0. With the
 * ratios pa_m = P_{a^m} / P and pb_m = P_{b^m} / P, the partials of
 * L = log P follow from the cumulant formulas (Faa di Bruno for log):
 *   L_a = pa1,  L_aa = pa2 - pa1^2,  L_ab = -pa1 pb1,
 *   L_aaa = pa3 - 3 pa2 pa1 + 2 pa1^3,  L_aab = pb1 (2 pa1^2 - pa2),
 *   L_aaaa = pa4 - 4 pa3 pa1 - 3 pa2^2 + 12 pa2 pa1^2 - 6 pa1^4,
 *   L_aaab = -pb1 (pa3 - 6 pa2 pa1 + 6 pa1^3),
 *   L_aabb = -pa2 pb2 + 2 pa2 pb1^2 + 2 pb2 pa1^2 - 6 pa1^2 pb1^2,
 * and the mirror images in b. Along u the m-th derivative of P is
 * s^m (P_{a^m} + P_{b^m}), so with d_m = pa_m + pb_m the u-derivatives of L
 * are the same cumulant formulas in d_m (no cancellation between a and b
 * terms beyond what the quantities themselves have):
 *   D L = s d1,  D^2 L = d2 - d1^2,  D^3 L = s (d3 - 3 d2 d1 + 2 d1^3),
 *   D^4 L = d4 - 4 d3 d1 - 3 d2^2 + 12 d2 d1^2 - 6 d1^4.
 * The ratios are f^(m-1)(x) / P = g_{m-1}(x) (f / P)(x) with g_m = f^(m)/f
 * in closed form per link:
 *   logit    g1 = 1 - 2F,  g2 = 1 - 6 F S,  g3 = (1 - 2F)(1 - 12 F S)
 *   probit   g1 = -x,      g2 = x^2 - 1,    g3 = 3x - x^3
 *   cloglog  (t = e^x)   g1 = 1 - t, g2 = 1 - 3t + t^2, g3 = 1 - 7t + 6t^2 - t^3
 *   loglog   (t = e^-x)  g1 = t - 1, g2 = 1 - 3t + t^2, g3 = -(1 - 7t + 6t^2 - t^3)
 *   cauchit  (q = 1 + x^2) g1 = -2x/q, g2 = (6x^2 - 2)/q^2, g3 = 24x(1 - x^2)/q^3
 * and f / P from the link's f/F or f/S times exp(log F - log P) or
 * exp(log S - log P), the side chosen by the sign of x (as ordinal.c).
 *
 * Gauss-Hermite: Golub & Welsch (1969), Math. Comp. 23:221-230; the
 * orthonormal recurrence x p_k = sqrt(k+1) p_{k+1} + sqrt(k) p_{k-1} of the
 * probabilists' Hermite polynomials. */
#include "models/ri_terms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "models/link.h"

#define LN2 0.693147180559945309417232121458

/* log(1 - exp(-u)), u > 0 */
static double log1mexp(double u)
{
    return u > LN2 ? log1p(-exp(-u)) : log(-expm1(-u));
}

/* f(x) / P from the link values at x and log P */
static double density_ratio(const partreg_link_values *v, double x, double logp)
{
    if (x < 0)
        return v->r1 * exp(v->logF - logp);
    return v->r0 * exp(v->logS - logp);
}

/* g2 = f''/f and g3 = f'''/f at x (g1 = f'/f is the link's gl) */
static void higher_ratios(partreg_link link, double x, const partreg_link_values *v, double *g2,
                          double *g3)
{
    switch (link) {
    case PARTREG_LOGIT: {
        double fs = v->F * v->S;
        *g2 = 1.0 - 6.0 * fs;
        *g3 = v->gl * (1.0 - 12.0 * fs);
        return;
    }
    case PARTREG_PROBIT:
        *g2 = x * x - 1.0;
        *g3 = x * (3.0 - x * x);
        return;
    case PARTREG_CLOGLOG:
    case PARTREG_LOGLOG: {
        double t = exp(link == PARTREG_CLOGLOG ? x : -x);
        *g2 = 1.0 + t * (t - 3.0);
        double h = 1.0 + t * (-7.0 + t * (6.0 - t));
        *g3 = link == PARTREG_CLOGLOG ? h : -h;
        return;
    }
    case PARTREG_CAUCHIT: {
        double q = 1.0 + x * x;
        *g2 = (6.0 * x * x - 2.0) / (q * q);
        *g3 = 24.0 * x * (1.0 - x * x) / (q * q * q);
        return;
    }
    }
    *g2 = *g3 = 0.0;
}

/* r * g, 0 where the ratio r is 0 (an infinite or underflowed density) */
static double mul0(double r, double g)
{
    return r == 0.0 ? 0.0 : r * g;
}

void partreg_ri_row_eval(partreg_link link, double a, double b, double s, int order,
                         partreg_ri_row *r)
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
        logp = vb.logF; /* cppcheck-suppress uninitStructMember */
    else if (!has_b)
        logp = va.logS;
    else if (b <= 0)
        logp = vb.logF + log1mexp(vb.logF - va.logF);
    else if (a >= 0)
        logp = va.logS + log1mexp(va.logS - vb.logS);
    else
        logp = log(vb.F - va.F);
    r->l = logp;
    if (order < 1)
        return;

    /* pa_m, pb_m: m-th partial of P in a (b) over P */
    double pa[5] = {0.0, 0.0, 0.0, 0.0, 0.0}, pb[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    if (has_a) {
        double ra = density_ratio(&va, a, logp);
        pa[1] = -ra;
        if (order >= 2)
            pa[2] = -mul0(ra, va.gl);
        if (order >= 3) {
            double g2, g3;
            higher_ratios(link, a, &va, &g2, &g3);
            pa[3] = -mul0(ra, g2);
            pa[4] = -mul0(ra, g3);
        }
    }
    if (has_b) {
        double rb = density_ratio(&vb, b, logp);
        pb[1] = rb;
        if (order >= 2)
            pb[2] = mul0(rb, vb.gl);
        if (order >= 3) {
            double g2, g3;
            higher_ratios(link, b, &vb, &g2, &g3);
            pb[3] = mul0(rb, g2);
            pb[4] = mul0(rb, g3);
        }
    }
    double d1 = pa[1] + pb[1], d2 = pa[2] + pb[2], d3 = pa[3] + pb[3], d4 = pa[4] + pb[4];
    r->d[1] = s * d1;
    r->a[0] = pa[1];
    r->b[0] = pb[1];
    if (order < 2)
        return;
    double d1s = d1 * d1;
    r->d[2] = d2 - d1s;
    double La = pa[1], Lb = pb[1];
    double Laa = pa[2] - La * La, Lab = -La * Lb, Lbb = pb[2] - Lb * Lb;
    r->aa[0] = Laa;
    r->ab[0] = Lab;
    r->bb[0] = Lbb;
    r->a[1] = s * (Laa + Lab);
    r->b[1] = s * (Lab + Lbb);
    if (order < 3)
        return;
    double La2 = La * La, Lb2 = Lb * Lb;
    double Laaa = pa[3] - 3.0 * pa[2] * La + 2.0 * La2 * La;
    double Laab = Lb * (2.0 * La2 - pa[2]);
    double Labb = La * (2.0 * Lb2 - pb[2]);
    double Lbbb = pb[3] - 3.0 * pb[2] * Lb + 2.0 * Lb2 * Lb;
    r->d[3] = s * (d3 - 3.0 * d2 * d1 + 2.0 * d1s * d1);
    r->a[2] = Laaa + 2.0 * Laab + Labb;
    r->b[2] = Laab + 2.0 * Labb + Lbbb;
    r->aa[1] = s * (Laaa + Laab);
    r->ab[1] = s * (Laab + Labb);
    r->bb[1] = s * (Labb + Lbbb);
    if (order < 4)
        return;
    double Laaaa = pa[4] - 4.0 * pa[3] * La - 3.0 * pa[2] * pa[2] + 12.0 * pa[2] * La2 -
                   6.0 * La2 * La2;
    double Laaab = -Lb * (pa[3] - 6.0 * pa[2] * La + 6.0 * La2 * La);
    double Laabb = -pa[2] * pb[2] + 2.0 * pa[2] * Lb2 + 2.0 * pb[2] * La2 - 6.0 * La2 * Lb2;
    double Labbb = -La * (pb[3] - 6.0 * pb[2] * Lb + 6.0 * Lb2 * Lb);
    double Lbbbb = pb[4] - 4.0 * pb[3] * Lb - 3.0 * pb[2] * pb[2] + 12.0 * pb[2] * Lb2 -
                   6.0 * Lb2 * Lb2;
    r->d[4] = d4 - 4.0 * d3 * d1 - 3.0 * d2 * d2 + 12.0 * d2 * d1s - 6.0 * d1s * d1s;
    r->a[3] = s * (Laaaa + 3.0 * Laaab + 3.0 * Laabb + Labbb);
    r->b[3] = s * (Laaab + 3.0 * Laabb + 3.0 * Labbb + Lbbbb);
    r->aa[2] = Laaaa + 2.0 * Laaab + Laabb;
    r->ab[2] = Laaab + 2.0 * Laabb + Labbb;
    r->bb[2] = Laabb + 2.0 * Labbb + Lbbbb;
}

/* Orthonormal Hermite polynomials p_0..p_Q at x into p (Q + 1 entries). */
static void hermite_values(size_t Q, double x, double *p)
{
    p[0] = 1.0;
    if (Q >= 1)
        p[1] = x;
    for (size_t k = 1; k < Q; k++)
        p[k + 1] = (x * p[k] - sqrt((double)k) * p[k - 1]) / sqrt((double)(k + 1));
}

partreg_status partreg_ri_gauss_hermite(size_t Q, double *x, double *w)
{
    if (Q < 1 || Q > PARTREG_RI_MAX_NODES)
        return PARTREG_EINVAL;
    if (Q == 1) {
        x[0] = 0.0;
        w[0] = 1.0;
        return PARTREG_OK;
    }
    gsl_matrix *T = gsl_matrix_calloc(Q, Q), *V = gsl_matrix_alloc(Q, Q);
    gsl_vector *ev = gsl_vector_alloc(Q);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(Q);
    double *p = malloc((Q + 1) * sizeof *p);
    partreg_status st = PARTREG_OK;
    if (!T || !V || !ev || !ws || !p) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    /* the Jacobi matrix of the recurrence: its eigenvalues are the nodes */
    for (size_t k = 1; k < Q; k++) {
        gsl_matrix_set(T, k - 1, k, sqrt((double)k));
        gsl_matrix_set(T, k, k - 1, sqrt((double)k));
    }
    gsl_eigen_symmv(T, ev, V, ws);
    gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_ASC);
    for (size_t q = 0; q < Q; q++) {
        double xq = gsl_vector_get(ev, q);
        /* Newton on p_Q, p_Q' = sqrt(Q) p_{Q-1}; converges from the
         * eigenvalue's few ulps in one or two steps */
        for (int it = 0; it < 4; it++) {
            hermite_values(Q, xq, p);
            xq -= p[Q] / (sqrt((double)Q) * p[Q - 1]);
        }
        x[q] = xq;
    }
    for (size_t q = 0; q < Q / 2; q++) { /* exact symmetry */
        double h = 0.5 * (x[Q - 1 - q] - x[q]);
        x[q] = -h;
        x[Q - 1 - q] = h;
    }
    if (Q % 2)
        x[Q / 2] = 0.0;
    for (size_t q = 0; q < Q; q++) {
        hermite_values(Q, x[q], p);
        double s = 0.0;
        for (size_t k = 0; k < Q; k++)
            s += p[k] * p[k];
        w[q] = 1.0 / s;
    }
    for (size_t q = 0; q < Q / 2; q++) {
        double h = 0.5 * (w[q] + w[Q - 1 - q]);
        w[q] = w[Q - 1 - q] = h;
    }
cleanup:
    if (T) gsl_matrix_free(T);
    if (V) gsl_matrix_free(V);
    if (ev) gsl_vector_free(ev);
    if (ws) gsl_eigen_symmv_free(ws);
    free(p);
    return st;
}
