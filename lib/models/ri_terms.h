/* The pieces of a random-intercept likelihood that are not about groups:
 * one row's log-probability and its derivatives in the random effect and
 * the cut points, and Gauss-Hermite rules (ri_terms.c). Private to lib/.
 *
 * A row of a binary or cumulative-link model has probability
 *
 *     P(u) = F(b(u)) - F(a(u)),   a(u) = a0 + s u,  b(u) = b0 + s u,
 *
 * where u is the group's random effect, a0 and b0 the row's cut points at
 * u = 0 (a0 = -inf or b0 = +inf for an outermost category) and s = +1
 * (binary: P(y = 1) = F(eta + u) is b0 = eta, a0 = -inf; P(y = 0) =
 * 1 - F(eta + u) is a0 = eta, b0 = +inf) or -1 (cumulative: a0 =
 * theta_{y-1} - eta, b0 = theta_y - eta). Every parameter moves a and b
 * along fixed directions (a slope by s x, a threshold one cut by 1), so
 * the log-likelihood's derivatives in the parameters and in u are the
 * partial derivatives of L = log P in (a, b), combined along D = d/du =
 * s (d/da + d/db). */
#ifndef PARTREG_MODELS_RI_TERMS_H
#define PARTREG_MODELS_RI_TERMS_H

#include <stddef.h>

#include "partreg.h"

/* L = log P and its derivatives, as far as `order` asks:
 *   order 0: l;
 *   order 1: + d[1] = D L, a[0] = L_a, b[0] = L_b;
 *   order 2: + d[2] = D^2 L, a[1] = D L_a, b[1] = D L_b, aa[0] = L_aa,
 *              ab[0] = L_ab, bb[0] = L_bb;
 *   order 3: + d[3], a[2], b[2], aa[1], ab[1], bb[1];
 *   order 4: + d[4], a[3], b[3], aa[2], ab[2], bb[2];
 * (x[m] = D^m applied to x). Derivatives with respect to an infinite cut
 * are 0. */
typedef struct partreg_ri_row {
    double l;
    double d[5];
    double a[4], b[4];
    double aa[3], ab[3], bb[3];
} partreg_ri_row;

/* The terms of one row at cut points a, b (a < b; a = -inf or b = +inf
 * allowed) with direction s = +-1. log P is taken in the tail where it is
 * accurate, and the ratios f^(m)(x)/P as (f^(m)/f)(x) (f/P)(x), so rows far
 * in either tail give finite values (as ordinal.c). A probability that
 * underflows gives l = -inf and derivatives that may be infinite or NaN:
 * the caller checks. */
void partreg_ri_row_eval(partreg_link link, double a, double b, double s, int order,
                         partreg_ri_row *r);

/* The Q-point Gauss-Hermite rule for the standard normal density:
 * sum_q w[q] g(x[q]) approximates E g(Z), Z ~ N(0, 1), exactly for
 * polynomials of degree up to 2Q - 1 (Q = 1: x = 0, w = 1). Nodes
 * ascending, symmetric to rounding, weights summing to 1. Golub-Welsch
 * start values refined by Newton's method on the orthonormal Hermite
 * recurrence, weights 1 / sum_k p_k(x)^2 (accurate also for the smallest
 * weights). 1 <= Q <= PARTREG_RI_MAX_NODES. Returns PARTREG_OK,
 * PARTREG_EINVAL (Q out of range) or PARTREG_ENOMEM. */
#define PARTREG_RI_MAX_NODES 200
partreg_status partreg_ri_gauss_hermite(size_t Q, double *x, double *w);

#endif
