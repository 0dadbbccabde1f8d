/* The fast route of the profile intervals (Newton steps on Venzon and
 * Moolgavkar's equations, all bounds at once) against the plain route it
 * replaces (bracketing and Brent's method over constrained refits),
 * lib/inference/profile.c: the same bounds on every family and link, with
 * weights, a dropped column and small samples, of Firth's penalised
 * likelihood and of the models with nominal and scale effects, the fast route actually
 * taken where it should be (no bound left to the plain route) and the
 * plain route taking over where it must (a bound at infinity).
 *
 * Tolerance: the plain route stops when Brent's bracket is below
 * 1e-12 + 1e-11 |b| (and its refits at the solver's tolerance), the fast
 * route when its steps reach the rounding of the log-likelihood's sum; the
 * routes agree to 1.2e-11 of max(|b|, se) at worst here (most bounds to
 * 1e-13), inside the plain route's own tolerance, and are asserted at
 * ROUTE_TOL. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "inference/inference_internal.h"
#include "ref/mroz_design.h"
#include "ref/wine_design.h"

#define ROUTE_TOL 3e-11

typedef struct gen {
    uint64_t s;
} gen;

static double unif(gen *g)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(g->s >> 11) + 0.5) / 9007199254740992.0;
}

/* n rows of an intercept and p - 1 correlated predictors; a binary (J = 2)
 * or ordinal (J levels) outcome from a logistic latent variable; with
 * weights when w is not NULL. X n x p, y n. */
static void make_data(size_t n, size_t p, size_t J, uint64_t seed, double *X, double *y,
                      double *w)
{
    gen g = {seed};
    for (size_t i = 0; i < n; i++) {
        double common = unif(&g) - 0.5, eta = 0.0;
        for (size_t c = 0; c < p; c++) {
            double x = c == 0 && J == 2 ? 1.0 : 0.8 * (unif(&g) - 0.5) * 3.1 + common;
            X[i * p + c] = x;
            eta += x * (c % 2 ? 0.71 : -0.43) / (double)(c + 1);
        }
        double u = unif(&g), latent = eta + log(u / (1.0 - u));
        if (J == 2) {
            y[i] = latent > 0.2 ? 1.0 : 0.0;
        } else {
            size_t lev = 0;
            for (size_t j = 0; j + 1 < J; j++)
                lev += latent > -1.3 + 2.6 * (double)j / (double)(J - 2);
            y[i] = (double)lev;
        }
        if (w)
            w[i] = 0.5 + 2.0 * unif(&g);
    }
}

/* Both routes on every coefficient of the fit; returns the fast route's
 * stats. */
static partreg_profile_stats compare_spec(const partreg_data *d, const partreg_model_spec *spec,
                                          double level)
{
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create_spec(d, spec, NULL, &fit, &err);
    if (st != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    size_t p = partreg_fit_n_columns(fit), m = 0;
    size_t *idx = malloc(p * sizeof *idx);
    double *lo = malloc(p * sizeof *lo), *hi = malloc(p * sizeof *hi);
    double *plo = malloc(p * sizeof *plo), *phi = malloc(p * sizeof *phi);
    assert_true(idx && lo && hi && plo && phi);
    for (size_t j = 0; j < p; j++)
        if (!partreg_fit_column_dropped(fit, j))
            idx[m++] = j;
    partreg_profile_stats fast, plain;
    st = partreg_profile_run(fit, d, idx, m, level, PARTREG_PROFILE_AUTO, lo, hi, &fast, &err);
    if (st != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    st = partreg_profile_run(fit, d, idx, m, level, PARTREG_PROFILE_PLAIN, plo, phi, &plain, &err);
    assert_int_equal(st, PARTREG_OK);
    assert_int_equal(fast.bounds, 2 * m);
    assert_int_equal(plain.plain, 2 * m);
    for (size_t i = 0; i < m; i++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, idx[i], level, &e, NULL), PARTREG_OK);
        assert_rel_floor(lo[i], plo[i], ROUTE_TOL, e.std_error);
        assert_rel_floor(hi[i], phi[i], ROUTE_TOL, e.std_error);
        assert_true(lo[i] < e.estimate && e.estimate < hi[i]);
    }
    /* the single-coefficient call gives the batch's bounds */
    double l1, h1;
    assert_int_equal(partreg_fit_profile_ci(fit, d, idx[m - 1], level, &l1, &h1, NULL),
                     PARTREG_OK);
    assert_rel_floor(l1, lo[m - 1], 1e-13, 1.0);
    assert_rel_floor(h1, hi[m - 1], 1e-13, 1.0);
    /* and the public batch the internal run's */
    assert_int_equal(partreg_fit_profile_cis(fit, d, idx, m, level, plo, phi, NULL), PARTREG_OK);
    for (size_t i = 0; i < m; i++) {
        assert_true(plo[i] == lo[i]);
        assert_true(phi[i] == hi[i]);
    }
    free(idx);
    free(lo);
    free(hi);
    free(plo);
    free(phi);
    partreg_fit_free(fit);
    return fast;
}

static partreg_profile_stats compare(const partreg_data *d, partreg_family fam, partreg_link link,
                                     double level)
{
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(fam, link, &spec, NULL), PARTREG_OK);
    partreg_profile_stats s = compare_spec(d, spec, level);
    partreg_model_spec_free(spec);
    return s;
}

static void test_binary_links(void **state)
{
    (void)state;
    size_t n = 3000, p = 5;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    make_data(n, p, 2, 11, X, y, NULL);
    partreg_data d = {n, p, X, 0, y, NULL, 2, NULL, NULL};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                  PARTREG_CAUCHIT};
    for (size_t l = 0; l < sizeof links / sizeof *links; l++) {
        partreg_profile_stats s = compare(&d, PARTREG_BINARY, links[l], 0.95);
        assert_int_equal(s.plain, 0);
    }
    free(X);
    free(y);
}

static void test_ordinal_links(void **state)
{
    (void)state;
    size_t n = 2500, p = 4;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    double *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    make_data(n, p, 5, 23, X, y, w);
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                  PARTREG_LOGLOG, PARTREG_CAUCHIT};
    for (size_t l = 0; l < sizeof links / sizeof *links; l++) {
        /* unweighted and with case weights */
        partreg_data d = {n, p, X, 0, y, NULL, 5, NULL, NULL};
        partreg_profile_stats s = compare(&d, PARTREG_ORDINAL, links[l], 0.95);
        assert_int_equal(s.plain, 0);
        d.w = w;
        s = compare(&d, PARTREG_ORDINAL, links[l], 0.9);
        assert_int_equal(s.plain, 0);
    }
    free(X);
    free(y);
    free(w);
}

/* Small samples, where the profile is far from quadratic and the chord
 * steps give way to Newton steps; the reference data sets; a dropped
 * column. */
static void test_small_and_reference(void **state)
{
    (void)state;
    partreg_data mroz = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    compare(&mroz, PARTREG_BINARY, PARTREG_LOGIT, 0.95);
    compare(&mroz, PARTREG_BINARY, PARTREG_PROBIT, 0.99);
    partreg_data wine = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                         wine_levels};
    compare(&wine, PARTREG_ORDINAL, PARTREG_LOGIT, 0.95);
    compare(&wine, PARTREG_ORDINAL, PARTREG_CLOGLOG, 0.95);

    size_t n = 40, p = 4;
    double X[40 * 5], y[40];
    make_data(n, p, 2, 5, X, y, NULL);
    partreg_data d = {n, p, X, 0, y, NULL, 2, NULL, NULL};
    compare(&d, PARTREG_BINARY, PARTREG_LOGIT, 0.95);
    compare(&d, PARTREG_BINARY, PARTREG_CAUCHIT, 0.95);
    make_data(n, p, 4, 9, X, y, NULL);
    d.n_levels = 4;
    compare(&d, PARTREG_ORDINAL, PARTREG_PROBIT, 0.95);

    /* a column that is twice another is dropped; the rest profile alike */
    n = 400;
    double *X2 = malloc(n * 5 * sizeof *X2), *y2 = malloc(n * sizeof *y2);
    assert_true(X2 && y2);
    make_data(n, 4, 2, 31, X2, y2, NULL);
    for (size_t i = n; i-- > 0;) {
        memmove(X2 + i * 5, X2 + i * 4, 4 * sizeof *X2);
        X2[i * 5 + 4] = 2.0 * X2[i * 5 + 1];
    }
    partreg_data d2 = {n, 5, X2, 0, y2, NULL, 2, NULL, NULL};
    compare(&d2, PARTREG_BINARY, PARTREG_LOGIT, 0.95);
    free(X2);
    free(y2);
}

/* Firth's penalised likelihood: both routes profile it with the full
 * model's penalty (the penalty's passes at each point), the fast route
 * settling every bound itself; on data where the plain likelihood is
 * separated, too. */
static void test_firth(void **state)
{
    (void)state;
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_penalty(spec, PARTREG_PENALTY_FIRTH, NULL),
                     PARTREG_OK);
    partreg_data mroz = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    assert_int_equal(compare_spec(&mroz, spec, 0.95).plain, 0);
    size_t n = 60, p = 3;
    double X[60 * 3], y[60];
    make_data(n, p, 2, 77, X, y, NULL);
    for (size_t i = 0; i < n; i++) /* x_2 > 0.9 predicts y = 1 perfectly */
        if (X[i * p + 2] > 0.9)
            y[i] = 1.0;
    partreg_data d = {n, p, X, 0, y, NULL, 2, NULL, NULL};
    compare_spec(&d, spec, 0.95);
    partreg_model_spec_free(spec);
}

/* The cumulative-link model with nominal effects (cut-specific slopes,
 * whose cuts may cross where one moves alone: points without a finite
 * log-likelihood, which the steps halve away from) and with scale effects:
 * every coefficient of every block the analysis profiles. */
static void test_nominal_scale(void **state)
{
    (void)state;
    size_t n = 1500, p = 3;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    make_data(n, p, 4, 61, X, y, NULL);
    partreg_data d = {n, p, X, 0, y, NULL, 4, NULL, NULL};
    for (int which = 0; which < 2; which++) {
        partreg_model_spec *spec = NULL;
        assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &spec, NULL),
                         PARTREG_OK);
        size_t col = 1;
        if (which == 0)
            assert_int_equal(partreg_model_spec_set_nominal(spec, 1, &col, NULL), PARTREG_OK);
        else
            assert_int_equal(partreg_model_spec_set_scale(spec, 1, &col, NULL, NULL), PARTREG_OK);
        partreg_fit *fit = NULL;
        assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, NULL), PARTREG_OK);
        size_t K = partreg_fit_n_parameters(fit), m = 0, idx[16];
        for (size_t j = 0; j < K; j++) {
            partreg_param_kind kind = partreg_fit_param_kind(fit, j);
            if (kind == PARTREG_PARAM_COEFFICIENT || kind == PARTREG_PARAM_CUT_COEFFICIENT ||
                kind == PARTREG_PARAM_SCALE)
                idx[m++] = j;
        }
        double lo[16], hi[16], plo[16], phi[16];
        partreg_profile_stats s;
        partreg_error err;
        partreg_status st =
            partreg_profile_run(fit, &d, idx, m, 0.95, PARTREG_PROFILE_AUTO, lo, hi, &s, &err);
        if (st != PARTREG_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, PARTREG_OK);
        assert_int_equal(s.plain, 0);
        assert_int_equal(
            partreg_profile_run(fit, &d, idx, m, 0.95, PARTREG_PROFILE_PLAIN, plo, phi, NULL, NULL),
            PARTREG_OK);
        for (size_t i = 0; i < m; i++) {
            partreg_estimate e;
            assert_int_equal(partreg_fit_estimate(fit, idx[i], 0.95, &e, NULL), PARTREG_OK);
            assert_rel_floor(lo[i], plo[i], ROUTE_TOL, e.std_error);
            assert_rel_floor(hi[i], phi[i], ROUTE_TOL, e.std_error);
        }
        partreg_fit_free(fit);
        partreg_model_spec_free(spec);
    }
    free(X);
    free(y);
}

/* A coefficient whose profile never reaches the cut-off on one side (a
 * quasi-separated 2 x 2 table): the fast route hands that bound to the
 * plain route, which reports it infinite, and finds the rest itself. */
static void test_infinite_bound(void **state)
{
    (void)state;
    /* x = 1: 6 events, 0 non-events but for one row of weight 0.05 */
    double X[8] = {1, 0, 1, 0, 1, 1, 1, 1}, y[4] = {0, 1, 1, 0};
    double w[4] = {20, 14, 6, 0.05};
    partreg_data d = {4, 2, X, 0, y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    size_t idx[2] = {0, 1};
    double lo[2], hi[2], plo[2], phi[2];
    partreg_profile_stats s;
    assert_int_equal(partreg_profile_run(fit, &d, idx, 2, 0.95, PARTREG_PROFILE_AUTO, lo, hi, &s,
                                         NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_profile_run(fit, &d, idx, 2, 0.95, PARTREG_PROFILE_PLAIN, plo, phi,
                                         NULL, NULL),
                     PARTREG_OK);
    for (int j = 0; j < 2; j++) {
        if (isinf(plo[j]))
            assert_true(lo[j] == plo[j]);
        else
            assert_rel_floor(lo[j], plo[j], ROUTE_TOL, 1.0);
        if (isinf(phi[j]))
            assert_true(hi[j] == phi[j]);
        else
            assert_rel_floor(hi[j], phi[j], ROUTE_TOL, 1.0);
    }
    partreg_fit_free(fit);
}

/* Errors name the coefficient, and leave every bound NaN. */
static void test_errors(void **state)
{
    (void)state;
    partreg_data wine = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                         wine_levels};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&wine, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    size_t idx[2] = {0, WINE_P}; /* a coefficient, then a threshold */
    double lo[2], hi[2];
    partreg_error err;
    assert_int_equal(partreg_fit_profile_cis(fit, &wine, idx, 2, 0.95, lo, hi, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "threshold");
    assert_true(isnan(lo[0]) && isnan(hi[0]) && isnan(lo[1]));
    idx[1] = 99;
    assert_int_equal(partreg_fit_profile_cis(fit, &wine, idx, 2, 0.95, lo, hi, &err),
                     PARTREG_EINVAL);
    assert_int_equal(err.index, 99);
    assert_int_equal(partreg_fit_profile_cis(fit, &wine, idx, 0, 0.95, NULL, NULL, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_profile_cis(fit, &wine, NULL, 2, 0.95, lo, hi, &err),
                     PARTREG_EINVAL);
    partreg_fit_free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_links),
        cmocka_unit_test(test_ordinal_links),
        cmocka_unit_test(test_small_and_reference),
        cmocka_unit_test(test_firth),
        cmocka_unit_test(test_nominal_scale),
        cmocka_unit_test(test_infinite_bound),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
