/* Brant test (lib/inference/brant.c) against the definition computed in R
 * (tests/ref/ref_inference_brant.h from tests/ref/inference_brant.R; ~12
 * digits, asserted at 1e-8) and the conformance case soup_logit_brant (its
 * tolerance, 1e-4), plus every refusal. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/inference_soup_design.h"
#include "ref/ref_inference_brant.h"
#include "ref/ref_inference_conformance.h"
#include "ref/wine_design.h"

#define TOL 1e-8

static void check(const partreg_brant *b, const double *omni, const double *terms, size_t p,
                  double tol)
{
    partreg_chi2_test o = partreg_brant_omnibus(b);
    assert_rel(o.chi2, omni[0], tol);
    assert_true(o.df == omni[1]);
    assert_rel(o.p_value, omni[2], tol);
    assert_int_equal(partreg_brant_n_terms(b), p);
    for (size_t t = 0; t < p; t++) {
        partreg_chi2_test e = partreg_brant_term(b, t);
        assert_int_equal(partreg_brant_term_column(b, t), t);
        assert_rel(e.chi2, terms[3 * t], tol);
        assert_true(e.df == terms[3 * t + 1]);
        assert_rel(e.p_value, terms[3 * t + 2], tol);
    }
}

static void test_soup(void **state)
{
    (void)state;
    partreg_data d = {SOUP_N, SOUP_P, soup_X, 0, soup_y, NULL, SOUP_J, soup_design_terms,
                      soup_levels};
    partreg_fit *fit = NULL;
    partreg_brant *b = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(fit, &d, &b, &err), PARTREG_OK);
    check(b, ref_brant_soup_omnibus, ref_brant_soup_terms, SOUP_P, TOL);
    check(b, soup_logit_brant_omnibus, soup_logit_brant_terms, SOUP_P,
          soup_logit_brant_tol_brant);
    /* the R package 'brant' (lower blocks not transposed) gives another value */
    assert_true(fabs(partreg_brant_omnibus(b).chi2 - ref_brant_soup_omnibus_untransposed) > 1e-3);
    /* out-of-range term */
    assert_true(isnan(partreg_brant_term(b, SOUP_P).chi2));
    assert_int_equal(partreg_brant_term_column(b, SOUP_P), (size_t)-1);
    partreg_brant_free(b);
    partreg_fit_free(fit);
}

/* A column subset read through the row stride, and a dropped column: terms
 * follow the kept columns. */
static void test_subset_and_dropped(void **state)
{
    (void)state;
    partreg_data d = {SOUP_N, 2, soup_X, SOUP_P, soup_y, NULL, SOUP_J, NULL, soup_levels};
    partreg_fit *fit = NULL;
    partreg_brant *b = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(fit, &d, &b, NULL), PARTREG_OK);
    check(b, ref_brant_soup2_omnibus, ref_brant_soup2_terms, 2, TOL);
    partreg_brant_free(b);
    partreg_fit_free(fit);

    /* [PROD, 2*PROD, GENDER]: the copy is dropped, the terms are columns 0 and 2 */
    double *X = malloc(SOUP_N * 3 * sizeof *X);
    assert_non_null(X);
    for (size_t i = 0; i < SOUP_N; i++) {
        X[3 * i] = soup_X[i * SOUP_P];
        X[3 * i + 1] = 2.0 * soup_X[i * SOUP_P];
        X[3 * i + 2] = soup_X[i * SOUP_P + 1];
    }
    partreg_data d3 = {SOUP_N, 3, X, 0, soup_y, NULL, SOUP_J, NULL, soup_levels};
    assert_int_equal(partreg_fit_create(&d3, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_true(partreg_fit_column_dropped(fit, 1));
    assert_int_equal(partreg_brant_test(fit, &d3, &b, NULL), PARTREG_OK);
    assert_int_equal(partreg_brant_n_terms(b), 2);
    assert_int_equal(partreg_brant_term_column(b, 0), 0);
    assert_int_equal(partreg_brant_term_column(b, 1), 2);
    assert_rel(partreg_brant_omnibus(b).chi2, ref_brant_soup2_omnibus[0], TOL);
    assert_rel(partreg_brant_term(b, 1).chi2, ref_brant_soup2_terms[3], TOL);
    partreg_brant_free(b);
    partreg_fit_free(fit);
    free(X);
}

static void test_refusals(void **state)
{
    (void)state;
    partreg_data d = {SOUP_N, SOUP_P, soup_X, 0, soup_y, NULL, SOUP_J, soup_design_terms,
                      soup_levels};
    partreg_fit *fit = NULL;
    partreg_brant *b = (partreg_brant *)&d; /* must be reset to NULL */
    partreg_error err;
    /* probit */
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_PROBIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(fit, &d, &b, &err), PARTREG_EUNSUPPORTED);
    assert_null(b);
    assert_contains(err.message, "probit");
    partreg_fit_free(fit);
    /* case weights */
    double *w = malloc(SOUP_N * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < SOUP_N; i++)
        w[i] = 1.0 + (double)(i % 3);
    partreg_data dw = d;
    dw.w = w;
    assert_int_equal(partreg_fit_create(&dw, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(fit, &dw, &b, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "weights");
    partreg_fit_free(fit);
    free(w);
    /* NULLs and other rows */
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(NULL, &d, &b, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_brant_test(fit, &d, NULL, &err), PARTREG_EINVAL);
    partreg_data shorter = d;
    shorter.n = 100;
    assert_int_equal(partreg_brant_test(fit, &shorter, &b, &err), PARTREG_EINVAL);
    partreg_fit_free(fit);
    partreg_brant_free(NULL);
    /* binary fit */
    double X[8] = {1, 0.3, 1, -1.2, 1, 2.1, 1, 0.7}, y[4] = {0, 1, 0, 1};
    partreg_data db = {4, 2, X, 0, y, NULL, 2, NULL, NULL};
    assert_int_equal(partreg_fit_create(&db, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    assert_int_equal(partreg_brant_test(fit, &db, &b, &err), PARTREG_EUNSUPPORTED);
    partreg_fit_free(fit);
    /* wine: rating 1 never occurs with warm wine, so the logit of Y > 1 separates */
    partreg_data dwine = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                          wine_levels};
    assert_int_equal(partreg_fit_create(&dwine, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL),
                     0);
    partreg_status st = partreg_brant_test(fit, &dwine, &b, &err);
    assert_int_equal(st, PARTREG_ESEPARATION);
    assert_null(b);
    assert_contains(err.message, "Y > '1'");
    assert_contains(err.message, "temp[warm]");
    partreg_fit_free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soup),
        cmocka_unit_test(test_subset_and_dropped),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
