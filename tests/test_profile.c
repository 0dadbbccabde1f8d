/* Profile-likelihood intervals (lib/inference/profile.c) against R root
 * finding on offset refits (tests/ref/ref_inference_profile.h,
 * tests/ref/inference_profile.R; good to ~10 digits, asserted at 1e-9
 * relative to the std error) and the conformance cases mroz_logit_profile
 * and wine_logit_profile (their tolerance, 1e-4). Plus a closed form
 * (saturated 2x2 table), invariances and every error status. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/mroz_design.h"
#include "ref/ref_inference_conformance.h"
#include "ref/ref_inference_profile.h"
#include "ref/wine_design.h"

#define TOL 1e-9

static partreg_data mroz(void)
{
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    return d;
}

static void check_all(const partreg_data *d, partreg_family fam, partreg_link link, double level,
                      const double *lo, const double *hi, double tol, size_t p)
{
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(d, fam, link, NULL, &fit, NULL), PARTREG_OK);
    for (size_t j = 0; j < p; j++) {
        double l, h;
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, level, &e, NULL), PARTREG_OK);
        partreg_status st = partreg_fit_profile_ci(fit, d, j, level, &l, &h, &err);
        if (st != PARTREG_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, PARTREG_OK);
        assert_rel_floor(l, lo[j], tol, e.std_error);
        assert_rel_floor(h, hi[j], tol, e.std_error);
    }
    partreg_fit_free(fit);
}

static void test_mroz_logit(void **state)
{
    (void)state;
    partreg_data d = mroz();
    check_all(&d, PARTREG_BINARY, PARTREG_LOGIT, 0.95, ref_profile_mroz_logit_low,
              ref_profile_mroz_logit_high, TOL, MROZ_P);
    /* conformance mroz_logit_profile */
    check_all(&d, PARTREG_BINARY, PARTREG_LOGIT, 0.95, mroz_logit_profile_ci_low,
              mroz_logit_profile_ci_high, mroz_logit_profile_tol_ci, MROZ_P);
}

static void test_mroz_probit(void **state)
{
    (void)state;
    partreg_data d = mroz();
    check_all(&d, PARTREG_BINARY, PARTREG_PROBIT, 0.90, ref_profile_mroz_probit90_low,
              ref_profile_mroz_probit90_high, TOL, MROZ_P);
}

static void test_wine(void **state)
{
    (void)state;
    partreg_data d = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                      wine_levels};
    check_all(&d, PARTREG_ORDINAL, PARTREG_LOGIT, 0.95, ref_profile_wine_logit_low,
              ref_profile_wine_logit_high, TOL, WINE_P);
    check_all(&d, PARTREG_ORDINAL, PARTREG_LOGIT, 0.95, wine_logit_profile_ci_low,
              wine_logit_profile_ci_high, wine_logit_profile_tol_ci, WINE_P);
}

/* Closed form: a saturated 2x2 logit, y ~ 1 + x with weights (counts).
 * With counts a = #(x=1,y=1) etc., the slope's profile deviance is that of a
 * 2x2 table; check r(b) = +-z at the bounds by refitting ourselves: the
 * log-likelihood at the bound is l_max - z^2/2. Also: the profile of an
 * intercept-only model (k = 1: the refit has no free parameter) is the
 * binomial likelihood-ratio interval. */
static void test_intercept_only(void **state)
{
    (void)state;
    double X[2] = {1, 1}, y[2] = {1, 0}, w[2] = {17.0, 41.0};
    partreg_data d = {2, 1, X, 0, y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    double lo, hi;
    assert_int_equal(partreg_fit_profile_ci(fit, &d, 0, 0.95, &lo, &hi, NULL), PARTREG_OK);
    double z2 = 1.959963984540054 * 1.959963984540054;
    double lmax = partreg_fit_loglik(fit);
    for (int t = 0; t < 2; t++) {
        double b = t ? hi : lo;
        double p1 = 1.0 / (1.0 + exp(-b));
        double l = 17.0 * log(p1) + 41.0 * log1p(-p1);
        assert_rel(2.0 * (lmax - l), z2, 1e-8);
    }
    assert_true(lo < log(17.0 / 41.0) && hi > log(17.0 / 41.0));
    partreg_fit_free(fit);
}

/* Rescaling x by c rescales the interval by 1/c; the profile does not depend
 * on the covariance in force. */
static void test_invariance(void **state)
{
    (void)state;
    partreg_data d = mroz();
    double *X2 = malloc(sizeof mroz_X);
    assert_non_null(X2);
    memcpy(X2, mroz_X, sizeof mroz_X);
    for (size_t i = 0; i < MROZ_N; i++)
        X2[i * MROZ_P + 7] *= 0.1; /* inc in units of 10 */
    partreg_data d2 = d;
    d2.X = X2;
    partreg_fit *f1 = NULL, *f2 = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &f1, NULL), 0);
    assert_int_equal(partreg_fit_create(&d2, PARTREG_BINARY, PARTREG_LOGIT, NULL, &f2, NULL), 0);
    double l1, h1, l2, h2;
    assert_int_equal(partreg_fit_profile_ci(f1, &d, 7, 0.95, &l1, &h1, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_set_vcov(f2, &d2, PARTREG_VCOV_HC1, NULL, 0, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_profile_ci(f2, &d2, 7, 0.95, &l2, &h2, NULL), PARTREG_OK);
    assert_rel(l2, 10.0 * l1, 1e-7);
    assert_rel(h2, 10.0 * h1, 1e-7);
    partreg_fit_free(f1);
    partreg_fit_free(f2);
    free(X2);
}

/* Every error status that can be provoked from valid fits. */
static void test_errors(void **state)
{
    (void)state;
    partreg_data d = mroz();
    partreg_fit *fit = NULL;
    partreg_error err;
    double lo, hi;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_fit_profile_ci(NULL, &d, 1, 0.95, &lo, &hi, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_fit_profile_ci(fit, &d, 1, 1.0, &lo, &hi, &err), PARTREG_EINVAL);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(partreg_fit_profile_ci(fit, &d, 8, 0.95, &lo, &hi, &err), PARTREG_EINVAL);
    partreg_data other = d;
    other.n = 100;
    assert_int_equal(partreg_fit_profile_ci(fit, &other, 1, 0.95, &lo, &hi, &err),
                     PARTREG_EINVAL);
    partreg_fit_free(fit);

    partreg_data dw = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                       wine_levels};
    assert_int_equal(partreg_fit_create(&dw, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_fit_profile_ci(fit, &dw, 3, 0.95, &lo, &hi, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "threshold");
    assert_contains(err.message, "2|3");
    partreg_fit_free(fit);

    /* a dropped (duplicate) column */
    double *X3 = malloc(MROZ_N * 3 * sizeof *X3);
    assert_non_null(X3);
    for (size_t i = 0; i < MROZ_N; i++) {
        X3[3 * i] = 1.0;
        X3[3 * i + 1] = mroz_X[i * MROZ_P + 1];
        X3[3 * i + 2] = 2.0 * mroz_X[i * MROZ_P + 1];
    }
    partreg_data d3 = {MROZ_N, 3, X3, 0, mroz_y, NULL, 2, NULL, NULL};
    assert_int_equal(partreg_fit_create(&d3, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_true(partreg_fit_column_dropped(fit, 2));
    assert_int_equal(partreg_fit_profile_ci(fit, &d3, 2, 0.95, &lo, &hi, &err), PARTREG_EINVAL);
    assert_contains(err.message, "dropped");
    assert_int_equal(partreg_fit_profile_ci(fit, &d3, 1, 0.95, &lo, &hi, &err), PARTREG_OK);
    assert_true(lo < hi);
    partreg_fit_free(fit);
    free(X3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mroz_logit),   cmocka_unit_test(test_mroz_probit),
        cmocka_unit_test(test_wine),         cmocka_unit_test(test_intercept_only),
        cmocka_unit_test(test_invariance),   cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
