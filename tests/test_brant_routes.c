/* The Brant test's fast route (the J-1 binary logits as one objective in
 * shared passes from the ordinal estimates, every cross-product in one pass with
 * the rank-update kernel) against the plain route it replaces (separate
 * fits, scalar loops), lib/inference/brant.c: the same statistics on
 * several numbers of levels and predictors, with a dropped column, on the
 * reference data; the passes the fast route makes.
 *
 * Tolerance: both routes solve the same binary fits to the solver's
 * tolerance (the last steps below 1e-10 relative, so the estimates agree
 * to rounding) and sum the same cross-products in other orders; the
 * statistics agree to about 1e-14 relative here, asserted at ROUTE_TOL.
 * Where the joint Newton's last step is below 1e-13 relative (two of the
 * fits below), the fast route takes each cut's Z'W_jj Z from the solver's
 * last information instead of its cross-products' pass. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "inference/inference_internal.h"
#include "ref/wine_design.h"

#define ROUTE_TOL 1e-12

typedef struct gen {
    uint64_t s;
} gen;

static double unif(gen *g)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(g->s >> 11) + 0.5) / 9007199254740992.0;
}

/* An ordinal outcome with J levels from a logistic latent variable whose
 * slope on x_1 changes with the cut when `crossing` is set. */
static void make_data(size_t n, size_t p, size_t J, uint64_t seed, int crossing, double *X,
                      double *y)
{
    gen g = {seed};
    for (size_t i = 0; i < n; i++) {
        double eta = 0.0;
        for (size_t c = 0; c < p; c++) {
            X[i * p + c] = 2.7 * (unif(&g) - 0.5) + (c == 2 ? X[i * p] * 0.4 : 0.0);
            eta += X[i * p + c] * (c % 2 ? 0.61 : -0.37);
        }
        double u = unif(&g), latent = eta + log(u / (1.0 - u));
        size_t lev = 0;
        for (size_t j = 0; j + 1 < J; j++) {
            double cut = -1.4 + 2.8 * (double)j / (double)(J - 2);
            lev += latent + (crossing ? 0.3 * (double)j * X[i * p] : 0.0) > cut;
        }
        y[i] = (double)lev;
    }
}

static partreg_status compare(const partreg_data *d)
{
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    partreg_brant *fast = NULL, *plain = NULL;
    partreg_error err;
    double before = partreg_fit_passes_read(fit);
    partreg_status st = partreg_brant_run(fit, d, PARTREG_BRANT_AUTO, &fast, &err);
    if (st != PARTREG_OK) { /* the plain route's error, word for word */
        partreg_error perr;
        assert_int_equal(partreg_brant_run(fit, d, PARTREG_BRANT_PLAIN, &plain, &perr), st);
        assert_string_equal(err.message, perr.message);
        assert_null(fast);
        assert_null(plain);
        partreg_fit_free(fit);
        return st;
    }
    double passes = partreg_fit_passes_read(fit) - before;
    /* the data check, the joint Newton passes (a handful from the ordinal
     * estimates) and the cross-products' pass: no copy of the design */
    assert_true(passes >= 3.0 && passes <= 12.0);
    assert_int_equal(partreg_brant_run(fit, d, PARTREG_BRANT_PLAIN, &plain, &err), PARTREG_OK);
    partreg_chi2_test a = partreg_brant_omnibus(fast), b = partreg_brant_omnibus(plain);
    assert_rel(a.chi2, b.chi2, ROUTE_TOL);
    assert_true(a.df == b.df);
    assert_rel(a.p_value, b.p_value, ROUTE_TOL * (1.0 + b.chi2));
    assert_int_equal(partreg_brant_n_terms(fast), partreg_brant_n_terms(plain));
    for (size_t t = 0; t < partreg_brant_n_terms(fast); t++) {
        a = partreg_brant_term(fast, t);
        b = partreg_brant_term(plain, t);
        assert_int_equal(partreg_brant_term_column(fast, t), partreg_brant_term_column(plain, t));
        assert_rel(a.chi2, b.chi2, ROUTE_TOL);
        assert_true(a.df == b.df);
    }
    partreg_brant_free(fast);
    partreg_brant_free(plain);
    partreg_fit_free(fit);
    return PARTREG_OK;
}

static void test_levels_and_predictors(void **state)
{
    (void)state;
    size_t n = 4000;
    double *X = malloc(n * 6 * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    const size_t Js[] = {3, 4, 5, 7}, ps[] = {1, 4, 6};
    for (size_t t = 0; t < sizeof Js / sizeof *Js; t++)
        for (size_t u = 0; u < sizeof ps / sizeof *ps; u++) {
            size_t p = ps[u];
            make_data(n, p, Js[t], 17 + t, (int)(t % 2), X, y);
            partreg_data d = {n, p, X, 0, y, NULL, Js[t], NULL, NULL};
            assert_int_equal(compare(&d), PARTREG_OK);
        }
    free(X);
    free(y);
}

/* A column twice another is dropped by the ordinal fit; the test runs on
 * the kept ones. The reference data (72 rows), where a cut is separated. */
static void test_dropped_and_reference(void **state)
{
    (void)state;
    size_t n = 1500, p = 4;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    make_data(n, p, 4, 5, 1, X, y);
    for (size_t i = 0; i < n; i++)
        X[i * p + 3] = 2.0 * X[i * p + 1];
    partreg_data d = {n, p, X, 0, y, NULL, 4, NULL, NULL};
    assert_int_equal(compare(&d), PARTREG_OK);
    partreg_data wine = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                         wine_levels};
    /* a cut's binary logit is separated: both routes say so alike */
    assert_int_equal(compare(&wine), PARTREG_ESEPARATION);
    free(X);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_predictors),
        cmocka_unit_test(test_dropped_and_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
