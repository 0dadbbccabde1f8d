/* Link functions (distribution functions F) evaluated stably in both tails.
 *
 * Each link computes F and S = 1 - F directly (never S as 1 - F), their
 * logarithms through log1p/expm1/erfc, and the ratios f/F and f/S that the
 * binary and cumulative-link scores need, so that |x| = 40 (or 1e300) gives
 * finite, accurate values rather than 0/0.
 *
 *   logit    F = 1/(1+e^-x)            f'/f = 1 - 2F
 *   probit   F = Phi(x) = erfc(-x/sqrt2)/2   f'/f = -x
 *   cloglog  F = 1 - exp(-e^x)         f'/f = 1 - e^x
 *   loglog   F = exp(-e^-x)            f'/f = e^-x - 1
 *   cauchit  F = 1/2 + atan(x)/pi = atan2(1, -x)/pi   f'/f = -2x/(1+x^2)
 *
 * References: Abramowitz & Stegun 7.1 (erfc); GSL's gsl_sf_log_erfc and
 * gsl_sf_hazard (the normal hazard phi(x)/Q(x)); McCullagh & Nelder (1989)
 * ch. 4 for the links. */
#include "models/link.h"

#include <math.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>

#define LN2 0.693147180559945309417232121458
#define INV_SQRT_2PI 0.398942280401432677939946059934

/* log(1 - exp(-u)) for u >= 0, accurate for tiny and huge u (Maechler 2012). */
static double log1mexp(double u)
{
    return u > LN2 ? log1p(-exp(-u)) : log(-expm1(-u));
}

static void eval_logit(double x, partreg_link_values *v)
{
    if (x >= 0) {
        double e = exp(-x);
        v->F = 1.0 / (1.0 + e);
        v->S = e / (1.0 + e);
        v->logF = -log1p(e);
        v->logS = -x - log1p(e);
    } else {
        double e = exp(x);
        v->F = e / (1.0 + e);
        v->S = 1.0 / (1.0 + e);
        v->logF = x - log1p(e);
        v->logS = -log1p(e);
    }
    v->f = v->F * v->S;
    v->r1 = v->S;
    v->r0 = v->F;
    v->gl = v->S - v->F;
}

/* Normal hazard phi(x)/Q(x) = phi(x)/(1-Phi(x)) without GSL's error
 * handler: erfc is finite-or-zero in libm; in the far tail use the
 * continued-fraction-free asymptotic through gsl_sf_hazard_e. */
static double normal_hazard(double x)
{
    if (x < 25.0) {
        double q = 0.5 * erfc(x / M_SQRT2);
        if (q > 0)
            return INV_SQRT_2PI * exp(-0.5 * x * x) / q;
    }
    gsl_sf_result r;
    if (gsl_sf_hazard_e(x, &r) == GSL_SUCCESS)
        return r.val;
    return x; /* the hazard tends to x as x -> inf */
}

static double log_normal_cdf(double x)
{
    /* log Phi(x) = log(erfc(-x/sqrt2)/2); for x > 0 through log1p of the
     * small upper tail, which keeps the digits of log(1 - tiny) */
    if (x > 0.0)
        return log1p(-0.5 * erfc(x / M_SQRT2));
    if (x > -5.0)
        return log(0.5 * erfc(-x / M_SQRT2));
    gsl_sf_result r;
    if (x > -1e8 && gsl_sf_log_erfc_e(-x / M_SQRT2, &r) == GSL_SUCCESS && isfinite(r.val))
        return r.val - LN2;
    return -0.5 * x * x - log(-x) - 0.5 * log(2 * M_PI); /* Mills asymptote */
}

static void eval_probit(double x, partreg_link_values *v)
{
    v->F = 0.5 * erfc(-x / M_SQRT2);
    v->S = 0.5 * erfc(x / M_SQRT2);
    v->logF = log_normal_cdf(x);
    v->logS = log_normal_cdf(-x);
    v->f = isinf(x) ? 0.0 : INV_SQRT_2PI * exp(-0.5 * x * x);
    v->r1 = normal_hazard(-x);
    v->r0 = normal_hazard(x);
    v->gl = -x;
}

static void eval_cloglog(double x, partreg_link_values *v)
{
    if (x > 700) { /* e^x overflows soon; F = 1 to double precision */
        v->F = 1.0;
        v->S = 0.0;
        v->logF = 0.0;
        v->r0 = exp(x); /* may be +inf: the log-likelihood of y = 0 is -inf there */
        v->logS = -v->r0;
        v->f = 0.0;
        v->r1 = 0.0;
        v->gl = 1.0 - v->r0;
        return;
    }
    double u = exp(x);
    v->S = exp(-u);
    v->F = -expm1(-u);
    v->logS = -u;
    v->logF = log1mexp(u);
    v->f = u * v->S;
    v->r0 = u;
    /* f/F = u e^-u / (1 - e^-u) = u / expm1(u): 1 at u -> 0, 0 at u -> inf */
    v->r1 = u < 700 ? (u > 0 ? u / expm1(u) : 1.0) : 0.0;
    v->gl = 1.0 - u;
}

static void eval_loglog(double x, partreg_link_values *v)
{
    /* loglog at x is cloglog at -x with F and S exchanged */
    partreg_link_values c;
    eval_cloglog(-x, &c);
    v->F = c.S;
    v->S = c.F;
    v->logF = c.logS;
    v->logS = c.logF;
    v->f = c.f;
    v->r1 = c.r0;
    v->r0 = c.r1;
    v->gl = -c.gl;
}

static void eval_cauchit(double x, partreg_link_values *v)
{
    v->F = atan2(1.0, -x) / M_PI;
    v->S = atan2(1.0, x) / M_PI;
    v->logF = log(v->F);
    v->logS = log(v->S);
    double ax = fabs(x);
    if (ax > 1e150) {
        v->f = 0.0;
        /* f/F -> 1/(pi x^2) / (1/(pi |x|)) = 1/|x| on the side where F is small */
        v->r1 = x < 0 ? 1.0 / ax : 0.0;
        v->r0 = x > 0 ? 1.0 / ax : 0.0;
        v->gl = -2.0 / x;
        return;
    }
    double q = 1.0 + x * x;
    v->f = 1.0 / (M_PI * q);
    v->r1 = v->f / v->F;
    v->r0 = v->f / v->S;
    v->gl = -2.0 * x / q;
}

void partreg_link_eval(partreg_link link, double x, partreg_link_values *v)
{
    switch (link) {
    case PARTREG_LOGIT: eval_logit(x, v); return;
    case PARTREG_PROBIT: eval_probit(x, v); return;
    case PARTREG_CLOGLOG: eval_cloglog(x, v); return;
    case PARTREG_LOGLOG: eval_loglog(x, v); return;
    case PARTREG_CAUCHIT: eval_cauchit(x, v); return;
    }
    eval_logit(x, v);
}

double partreg_link_cdf(partreg_link link, double x)
{
    partreg_link_values v;
    partreg_link_eval(link, x, &v);
    return v.F;
}

double partreg_link_pdf(partreg_link link, double x)
{
    partreg_link_values v;
    partreg_link_eval(link, x, &v);
    return v.f;
}

double partreg_link_dpdf(partreg_link link, double x)
{
    partreg_link_values v;
    partreg_link_eval(link, x, &v);
    return v.f == 0.0 ? 0.0 : v.gl * v.f;
}

void partreg_link_binary_terms(partreg_link link, double eta, int y, double *l, double *d,
                               double *h, double *e)
{
    partreg_link_values v;
    partreg_link_eval(link, eta, &v);
    if (y) {
        if (l) *l = v.logF;
        if (d) *d = v.r1;
        if (h) *h = v.r1 * (v.gl - v.r1);
    } else {
        if (l) *l = v.logS;
        if (d) *d = -v.r0;
        if (h) *h = -v.r0 * (v.gl + v.r0);
    }
    if (e) *e = v.r1 * v.r0; /* f^2 / (F S) */
}

void partreg_link_density(partreg_link link, double u, double *f, double *fp)
{
    if (isinf(u)) {
        *f = 0.0;
        *fp = 0.0;
        return;
    }
    if (link == PARTREG_LOGIT) {
        /* eval_logit's formulas, without the logarithms */
        double e = exp(-fabs(u));
        double F = u >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        double S = u >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
        *f = F * S;
        *fp = *f == 0.0 ? 0.0 : (S - F) * *f;
        return;
    }
    partreg_link_values v;
    partreg_link_eval(link, u, &v);
    *f = v.f;
    *fp = v.f == 0.0 ? 0.0 : v.gl * v.f;
}

void partreg_link_probs(partreg_link link, double x, double *F, double *S, double *f)
{
    if (link != PARTREG_LOGIT) {
        partreg_link_values v;
        partreg_link_eval(link, x, &v);
        *F = v.F;
        *S = v.S;
        *f = isinf(x) ? 0.0 : v.f;
        return;
    }
    /* eval_logit's formulas */
    double e = exp(-fabs(x));
    *F = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    *S = x >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
    *f = isinf(x) ? 0.0 : *F * *S;
}

double partreg_link_quantile(partreg_link link, double p)
{
    switch (link) {
    case PARTREG_LOGIT: return log(p) - log1p(-p);
    case PARTREG_PROBIT: return gsl_cdf_ugaussian_Pinv(p);
    case PARTREG_CLOGLOG: return log(-log1p(-p));
    case PARTREG_LOGLOG: return -log(-log(p));
    case PARTREG_CAUCHIT: return tan(M_PI * (p - 0.5));
    }
    return log(p) - log1p(-p);
}
