/* Link functions as distribution functions F, with everything the
 * likelihoods need evaluated in a numerically stable form in both tails
 * (see docs/methods.md, "Links"). Private to lib/. */
#ifndef PARTREG_MODELS_LINK_H
#define PARTREG_MODELS_LINK_H

#include "partreg.h"

/* F and its relatives at one point x. Every field is accurate to a few ulp
 * relative to its own magnitude, for |x| up to the overflow range: S is not
 * computed as 1 - F, ratios are not computed as quotients of underflowed
 * values. */
typedef struct partreg_link_values {
    double F;     /* F(x) */
    double S;     /* 1 - F(x), the survival function */
    double logF;  /* log F(x) */
    double logS;  /* log(1 - F(x)) */
    double f;     /* density F'(x) */
    double r1;    /* f(x) / F(x) */
    double r0;    /* f(x) / (1 - F(x)) */
    double gl;    /* f'(x) / f(x), the log-density slope */
} partreg_link_values;

/* Evaluate all fields of `v` for `link` at x (x may be +-inf). */
void partreg_link_eval(partreg_link link, double x, partreg_link_values *v);

/* F(x) alone. */
double partreg_link_cdf(partreg_link link, double x);
/* Density f(x) alone. */
double partreg_link_pdf(partreg_link link, double x);
/* Derivative of the density f'(x). */
double partreg_link_dpdf(partreg_link link, double x);

/* Per-row log-likelihood terms of a binary model at linear predictor eta
 * for outcome y (0 or 1): l = log P(y | eta), d = dl/deta, h = d2l/deta2,
 * e = expected information f^2/(F(1-F)). Any output pointer may be NULL. */
void partreg_link_binary_terms(partreg_link link, double eta, int y, double *l, double *d,
                               double *h, double *e);

/* f and f' at u, both 0 at an infinite u (where the log-density slope
 * is not defined): what predictions at the outermost cuts need. The
 * values are those of partreg_link_eval() (f, and gl f) bit for bit. */
void partreg_link_density(partreg_link link, double u, double *f, double *fp);

/* F, S = 1 - F and f at x (f = 0 at an infinite x), without the
 * logarithms that only the likelihood needs. For the logit the values
 * are those of partreg_link_eval() bit for bit. */
void partreg_link_probs(partreg_link link, double x, double *F, double *S, double *f);

/* Quantile function F^-1(p) for 0 < p < 1. */
double partreg_link_quantile(partreg_link link, double p);
#endif
