/* The vectorised ordinal logit pass (lib/models/kernels/ordinal_pass.c and
 * terms_body.h) on every fast route this machine runs, on adversarial
 * rows: both tails out to |x| = 600 and beyond, cut points
 * 2^-20 apart (P = F(b) - F(a) with cancellation), a = -inf or b = +inf,
 * |eta| of 10^4, and categories whose cut points are more than 708 apart
 * (exp(a - b) subnormal: the general route).
 *
 * Reference for log P: long double (x87, 64-bit significand) evaluation of
 *   log P = log F(b) + log S(a) + log(1 - exp(a - b)),
 * an exact identity for the logistic (P = F(b) S(a) (1 - e^{a-b})), with
 * log F(b) = -log(1 + e^-b), log S(a) = -log(1 + e^a) (log1pl, expl) and
 * log(-expm1l(a - b)): every step relatively accurate, so the reference is
 * good to about 1e-18 relative; the cut points are multiples of 2^-20
 * below 2^32, so a = theta - eta, b - a and eta itself are exact in double
 * and the comparison sees only the pass's own error.
 *
 * Derivatives: also long double, each row alone (the weights pick one row
 * while the pass still runs the whole chunk, so the rows go through the
 * vectorised loop body, not only its scalar tail). The threshold terms from
 * dlogP/da = -f(a)/P, dlogP/db = f(b)/P (ratios taken in logs),
 * d2/dadb = (f(a)/P)(f(b)/P), d2/da2 = -f(a) - d2/dadb,
 * d2/db2 = -f(b) - d2/dadb; the terms with beta in the closed forms
 * d logP/deta = F(a) - S(b), d2 logP/deta2 = -(f(a) + f(b)),
 * d2 logP/da deta = f(a), d2 logP/db deta = f(b) (log P = log F(b) +
 * log S(a) + log(1 - e^{a-b}), the last term constant in eta).
 *
 * What is asserted, relative to max(|want|, floor), tolerance 2e-15 for
 * log P and 1e-12 for the rest:
 * - rows on the fast path (finite cut points within |x| < 600, cut points
 *   less than 708 apart): log P, the threshold gradient and the beta row of
 *   the information entry by entry (floor 1e-300), and so the threshold
 *   block; the beta gradient with floor |x| + 1 (a difference of numbers in
 *   [0, 1]).
 * - rows on the general route (partreg_ordinal_row_terms, the reference
 *   route's terms): log P
 *   with floor 1 (it takes log(F(b) - F(a)) when a < 0 < b), everything else
 *   with floor (1 + f(a)/P + f(b)/P)^2 (|x| + 1)^2, the size of the terms
 *   it sums.
 * Measured on x86-64 / glibc 2.36 (printed by the test): log P 2.2e-16,
 * gradient 3.6e-16, beta row 4.4e-16, threshold block 3.8e-16, general
 * route 8.7e-13. The code before the closed forms (sums of daa, dab, dbb,
 * which cancel when the cut points are close or far out in one tail): log P
 * 2.1e-16, gradient 2.3e-10, and beta-row entries that were rounding noise
 * (1e-15 where the value is 1e-250). */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "routes.h"
#include "testutil.h"

#include "models/objective.h"
#include "models/ordinal.h"

#define NLEV 3
#define K (1 + NLEV - 1)
#define MAXROWS 256
#define TOL_LOGP 2e-15
#define TOL_DERIV 1e-12
#define TINY 1e-300

/* the cut-point pairs and the etas tried with each (all multiples of 2^-20) */
#define EPS20 0x1p-20
typedef struct cut_case {
    double th0, th1;
    double eta[14];
    size_t neta;
} cut_case;

static const cut_case cases[] = {
    {-1.25, 2.5, {0.0, 0.5, -0.5, 3.0, -3.0, 40.0, -40.0, 300.25, -300.25, 598.5, -598.5, 650.0,
                  -650.0, 1e4},
     14},
    /* cut points 2^-20 apart: P ~ 2^-20 f, both tails */
    {7.0, 7.0 + EPS20, {7.0, 0.0, 14.0, -590.0, 590.0, 300.0, -300.0, 7.0 + EPS20, 605.0}, 9},
    {-450.0, -450.0 + EPS20, {-450.0, 0.0, -900.0, -449.5, -1040.0, 140.0}, 6},
    /* |eta| = 10^4 */
    {12345.5, 12349.75,
     {12345.5, 12345.5 - 590.0, 12345.5 - 20.0, 12344.5, 12347.5, 12349.75, 12375.5,
      12345.5 + 590.0, -12345.5},
     9},
    /* 600 apart: exp(a - b) = e^-600, normal: a < 0 < b on the fast path */
    {-300.5, 299.5, {0.0, 10.0, -10.0, 299.0, -299.0, 550.0, -550.0}, 7},
    /* more than 708 apart: the middle category takes the general route */
    {-380.0, 380.0, {0.0, 100.0, -100.0, 379.0}, 4},
    {-354.0, 354.5, {0.0, 1.0, -353.5}, 3},  /* e^-708.5: subnormal */
    {-354.0, 354.25, {0.0, 1.0, -353.5}, 3}, /* e^-708.25: normal */
};

/* log(1 + e^x) in long double, for any finite x */
static long double log1pexp(long double x)
{
    return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

/* the cut points of category c at eta (exact: see the top) */
static void cuts(const cut_case *cc, size_t c, double eta, double *a, double *b)
{
    const double thr[NLEV - 1] = {cc->th0, cc->th1};
    *a = c == 0 ? -INFINITY : thr[c - 1] - eta;
    *b = c == NLEV - 1 ? INFINITY : thr[c] - eta;
}

/* log P in long double (see the top) */
static long double ref_logp(double a, double b)
{
    long double la = a, lb = b;
    long double lsa = isinf(a) ? 0.0L : -log1pexp(la);
    long double lfb = isinf(b) ? 0.0L : -log1pexp(-lb);
    long double lg = isinf(a) || isinf(b) ? 0.0L : logl(-expm1l(la - lb));
    return lfb + lsa + lg;
}

/* F and S of the logistic in long double (no overflow for |x| < 11000) */
static long double ldF(long double x) { return 1.0L / (1.0L + expl(-x)); }
static long double ldS(long double x) { return 1.0L / (1.0L + expl(x)); }

/* One row (w = 1, eta = x beta with beta = 1) in long double: the gradient
 * and information over (beta, theta_0, theta_1), and the scale of the
 * threshold terms (1 + f(a)/P + f(b)/P)^2. Threshold terms from
 * dlogP/da = -f(a)/P, dlogP/db = f(b)/P and their derivatives (f'/f = S - F);
 * beta terms in closed form: d logP/deta = F(a) - S(b),
 * d2 logP/deta2 = -(f(a) + f(b)), d2 logP/da deta = f(a), d2/db deta = f(b)
 * (log P = log F(b) + log S(a) + log(1 - e^{a-b}), the last constant in eta). */
static long double ref_row(double x, double a, double b, size_t c, double *grad, double *info)
{
    long double Fa = ldF(a), Sa = ldS(a), Fb = ldF(b), Sb = ldS(b);
    long double lg = isinf(a) || isinf(b) ? 0.0L : logl(-expm1l((long double)a - (long double)b));
    /* f(a)/P = F(a) / (F(b) g), f(b)/P = S(b) / (S(a) g), in logs (|eta| = 10^4) */
    long double qa = isinf(a) ? 0.0L : expl(-log1pexp(-a) + log1pexp(-b) - lg);
    long double qb = isinf(b) ? 0.0L : expl(-log1pexp(b) + log1pexp(a) - lg);
    long double fa = Fa * Sa, fb = Fb * Sb, dab = qa * qb;
    long double daa = -(fa + dab), dbb = -(fb + dab); /* daa + dab = -f(a), dab + dbb = -f(b) */
    long double H[K * K] = {0.0L};
    size_t ta = c, tb = c + 1; /* index of theta_{c-1} and theta_c in (beta, theta_0, theta_1) */
    H[0] = -(long double)x * x * (fa + fb);
    grad[0] = (double)((long double)x * (Fa - Sb));
    grad[1] = grad[2] = 0.0;
    if (c > 0) {
        grad[ta] = (double)-qa;
        H[ta * K + ta] = daa;
        H[ta] = H[ta * K] = (long double)x * fa;
    }
    if (c < NLEV - 1) {
        grad[tb] = (double)qb;
        H[tb * K + tb] = dbb;
        H[tb] = H[tb * K] = (long double)x * fb;
    }
    if (c > 0 && c < NLEV - 1)
        H[ta * K + tb] = H[tb * K + ta] = dab;
    for (size_t j = 0; j < K * K; j++)
        info[j] = (double)-H[j];
    return (1.0L + qa + qb) * (1.0L + qa + qb);
}

/* the largest error so far, relative to max(|want|, floor) */
static void note(double *worst, double got, double want, double floor_)
{
    double den = fmax(fabs(want), floor_), e = fabs(got - want) / den;
    *worst = e > *worst ? e : *worst;
}

static void check_case(const cut_case *cc, partreg_kernel route, double *worst)
{
    double X[MAXROWS], y[MAXROWS], w[MAXROWS];
    size_t n = 0;
    for (size_t e = 0; e < cc->neta; e++)
        for (size_t c = 0; c < NLEV; c++) {
            X[n] = cc->eta[e];
            y[n] = (double)c;
            n++;
        }
    partreg_design d = {n, 1, 1, X, y, w, NULL, 1, NLEV, PARTREG_LOGIT, NULL, route, 0};
    partreg_objective obj;
    partreg_ordinal_objective(&d, &obj);
    const double theta[K] = {1.0, cc->th0, cc->th1};
    partreg_accum *acc = partreg_accum_alloc(K);
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)y[i];
        double eta = X[i];
        double a, b;
        cuts(cc, c, eta, &a, &b);
        double want = (double)ref_logp(a, b), grad[K], info[K * K];
        double scale = (double)ref_row(eta, a, b, c, grad, info);
        int fast = (isinf(a) || fabs(a) < 600.0) && (isinf(b) || fabs(b) < 600.0) &&
                   (isinf(a) || isinf(b) || b - a < 708.0);
        for (size_t j = 0; j < n; j++)
            w[j] = j == i ? 1.0 : 0.0;
        for (int order = PARTREG_ORDER_VALUE; order <= PARTREG_ORDER_HESSIAN; order++) {
            assert_int_equal(partreg_objective_eval(&obj, theta, (partreg_order)order, 1, 0, acc),
                             PARTREG_OK);
            assert_false(acc->nonfinite);
            /* the general route takes log(F(b) - F(a)) for a < 0 < b: only
             * absolutely accurate when P is near 1 */
            note(&worst[0], acc->loglik, want, fast ? TINY : 1.0);
            assert_rel_floor(acc->loglik, want, TOL_LOGP, fast ? TINY : 1.0);
            if (order == PARTREG_ORDER_VALUE)
                continue;
            /* the beta entry x (F(a) - S(b)) is a difference of numbers in
             * [0, 1]: accurate relative to |x|, not to itself near its zero */
            double x1 = 1.0 + fabs(eta);
            for (size_t j = 0; j < K; j++) {
                double gfloor = !fast ? x1 * sqrt(scale) : j == 0 ? x1 : TINY;
                note(&worst[fast ? 1 : 4], acc->grad[j], grad[j], gfloor);
                assert_rel_floor(acc->grad[j], grad[j], TOL_DERIV, gfloor);
            }
            if (order != PARTREG_ORDER_HESSIAN)
                continue;
            for (size_t j = 0; j < K * K; j++) { /* beta row and column: closed forms */
                int beta = j < K || j % K == 0;
                double ifloor = !fast ? x1 * x1 * scale : TINY;
                note(&worst[!fast ? 4 : beta ? 2 : 3], acc->info[j], info[j], ifloor);
                assert_rel_floor(acc->info[j], info[j], TOL_DERIV, ifloor);
            }
        }
    }
    /* all rows at once, unit weights (the w = NULL loops) */
    d.w = NULL;
    long double sum = 0.0L;
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)y[i];
        double a, b;
        cuts(cc, c, X[i], &a, &b);
        sum += ref_logp(a, b);
    }
    for (int order = PARTREG_ORDER_VALUE; order <= PARTREG_ORDER_HESSIAN; order++) {
        assert_int_equal(partreg_objective_eval(&obj, theta, (partreg_order)order, 1, 0, acc),
                         PARTREG_OK);
        assert_rel(acc->loglik, (double)sum, TOL_LOGP);
    }
    partreg_accum_free(acc);
}

static void test_adversarial_rows(void **state)
{
    (void)state;
    double worst[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    /* the fast routes (the reference route's terms are the general
     * route's, exact to the floors above only where it is taken here) */
    for (size_t r = 1; r < TEST_N_ROUTES; r++)
        for (size_t i = 0; test_route_runs(test_routes[r]) && i < sizeof cases / sizeof *cases; i++)
            check_case(&cases[i], test_routes[r], worst);
    print_message("largest relative errors: log P %.2g, gradient %.2g, information: "
                  "beta row %.2g, threshold block %.2g; general route (to scale) %.2g\n",
                  worst[0], worst[1], worst[2], worst[3], worst[4]);
}

/* cut points 2^-20 apart and far out on the right: P = e^-463.86, log P
 * to full relative precision (not -inf, not log of a difference), on
 * every route */
static void test_close_cuts_far_out(void **state)
{
    (void)state;
    double X[2] = {0.0, 0.0}, y[2] = {1.0, 1.0};
    const double theta[K] = {1.0, 450.0, 450.0 + EPS20};
    partreg_accum *acc = partreg_accum_alloc(K);
    for (size_t r = 0; r < TEST_N_ROUTES; r++) {
        if (!test_route_runs(test_routes[r]))
            continue;
        partreg_design d = {2, 1, 1, X, y, NULL, NULL, 1, NLEV, PARTREG_LOGIT, NULL,
                            test_routes[r], 0};
        partreg_objective obj;
        partreg_ordinal_objective(&d, &obj);
        assert_int_equal(partreg_objective_eval(&obj, theta, PARTREG_ORDER_VALUE, 1, 0, acc),
                         PARTREG_OK);
        assert_rel(acc->loglik, 2.0 * (double)ref_logp(450.0, 450.0 + EPS20), TOL_LOGP);
    }
    partreg_accum_free(acc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adversarial_rows),
        cmocka_unit_test(test_close_cuts_far_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
