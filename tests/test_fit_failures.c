/* Every failure mode of the model fits (issues 2 and 3): the status, the
 * message naming the problem, and what the returned fit (if any) says. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/housing_design.h"
#include "ref/mroz_design.h"

static const char *const names3[] = {"(Intercept)", "x", "z"};

/* complete separation: y = 1 exactly when x > 0 */
static void test_complete_separation(void **s)
{
    (void)s;
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_CAUCHIT};
    double X[20 * 3], y[20];
    for (int i = 0; i < 20; i++) {
        X[i * 3] = 1.0;
        X[i * 3 + 1] = -2.0 + 0.21 * i;
        X[i * 3 + 2] = (double)((i * 7) % 5);
        y[i] = X[i * 3 + 1] > 0 ? 1.0 : 0.0;
    }
    partreg_data d = {20, 3, X, 0, y, NULL, 2, names3, NULL};
    for (size_t l = 0; l < 4; l++) {
        partreg_fit *fit = NULL;
        partreg_error err;
        partreg_status st = partreg_fit_create(&d, PARTREG_BINARY, links[l], NULL, &fit, &err);
        assert_int_equal(st, PARTREG_ESEPARATION);
        assert_non_null(fit);
        assert_true(partreg_fit_separated(fit));
        assert_false(partreg_fit_converged(fit));
        assert_contains(err.message, "complete separation");
        assert_contains(err.message, "x");
        assert_true(partreg_fit_param_diverges(fit, 1));
        partreg_estimate e;
        partreg_fit_estimate(fit, 1, 0.95, &e, NULL);
        assert_true(isnan(e.std_error)); /* no table of nonsense SEs */
        assert_true(partreg_fit_n_warnings(fit) >= 1);
        partreg_fit_free(fit);
    }
}

/* quasi-complete separation: x = 1 implies y = 1, x = 0 has both */
static void test_quasi_separation(void **s)
{
    (void)s;
    double X[40 * 3], y[40];
    for (int i = 0; i < 40; i++) {
        X[i * 3] = 1.0;
        X[i * 3 + 1] = i < 10 ? 1.0 : 0.0;
        X[i * 3 + 2] = 0.37 * (double)((i * 13) % 11);
        y[i] = i < 10 ? 1.0 : (double)((i * 7) % 3 == 0);
    }
    partreg_data d = {40, 3, X, 0, y, NULL, 2, names3, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_ESEPARATION);
    assert_contains(err.message, "quasi-complete separation");
    assert_contains(err.message, "estimates of x run off");
    assert_true(partreg_fit_param_diverges(fit, 1));
    assert_false(partreg_fit_param_diverges(fit, 2));
    partreg_fit_free(fit);
}

/* ordinal separation: level 2 only when x = 1 */
static void test_ordinal_separation(void **s)
{
    (void)s;
    double X[30], y[30];
    for (int i = 0; i < 30; i++) {
        X[i] = i < 8 ? 1.0 : 0.0;
        y[i] = i < 8 ? 2.0 : (double)(i % 2);
    }
    partreg_data d = {30, 1, X, 0, y, NULL, 3, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_ESEPARATION);
    assert_contains(err.message, "x1");
    partreg_fit_free(fit);
}

/* collinear and constant columns: dropped and named, or refused */
static void test_collinear(void **s)
{
    (void)s;
    size_t p = MROZ_P + 2;
    double *X = malloc(MROZ_N * p * sizeof *X);
    for (size_t i = 0; i < MROZ_N; i++) {
        memcpy(X + i * p, mroz_X + i * MROZ_P, MROZ_P * sizeof *X);
        X[i * p + MROZ_P] = 2.0 * mroz_X[i * MROZ_P + 1] - mroz_X[i * MROZ_P + 2]; /* 2 k5 - k618 */
        X[i * p + MROZ_P + 1] = 3.0;                                              /* constant */
    }
    const char *names[] = {"(Intercept)", "k5", "k618", "age", "wc[yes]", "hc[yes]", "lwg", "inc",
                           "combo", "three"};
    partreg_data d = {MROZ_N, p, X, 0, mroz_y, NULL, 2, names, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_OK);
    assert_true(partreg_fit_column_dropped(fit, 8));
    assert_true(partreg_fit_column_dropped(fit, 9));
    assert_false(partreg_fit_column_dropped(fit, 1));
    assert_int_equal(partreg_fit_n_estimated(fit), MROZ_P);
    int saw_collinear = 0, saw_constant = 0;
    for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++) {
        const char *w = partreg_fit_warning(fit, i);
        saw_collinear |= strstr(w, "combo") && strstr(w, "collinear");
        saw_constant |= strstr(w, "three") && strstr(w, "constant");
    }
    assert_true(saw_collinear && saw_constant);
    partreg_estimate e;
    partreg_fit_estimate(fit, 8, 0.95, &e, NULL);
    assert_true(isnan(e.estimate));
    partreg_fit_free(fit);

    partreg_fit_options opt = partreg_fit_options_default();
    opt.collinear = PARTREG_COLLINEAR_ERROR;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &opt, &fit, &err),
                     PARTREG_ECOLLINEAR);
    assert_null(fit);
    assert_contains(err.message, "combo");

    /* ordinal: the intercept column itself is dropped with a note */
    double yo[MROZ_N];
    for (size_t i = 0; i < MROZ_N; i++)
        yo[i] = mroz_y[i] + (mroz_X[i * MROZ_P + 1] > 0 ? 1.0 : 0.0);
    partreg_data dord = {MROZ_N, MROZ_P, mroz_X, 0, yo, NULL, 3, mroz_design_terms, NULL};
    assert_int_equal(partreg_fit_create(&dord, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_OK);
    assert_true(partreg_fit_column_dropped(fit, 0));
    assert_contains(partreg_fit_warning(fit, 0), "(Intercept)");
    assert_contains(partreg_fit_warning(fit, 0), "thresholds");
    partreg_fit_free(fit);
    free(X);
}

static void test_bad_inputs(void **s)
{
    (void)s;
    partreg_fit *fit = NULL;
    partreg_error err;
    double X[8] = {1, 0.5, 1, 1.5, 1, 2.5, 1, 3.5}, y[4] = {0, 1, 0, 1};
    partreg_data d = {4, 2, X, 0, y, NULL, 2, NULL, NULL};

    /* fewer rows than parameters */
    partreg_data small = {1, 2, X, 0, y, NULL, 2, NULL, NULL};
    double y1[1] = {1};
    small.y = y1;
    assert_int_equal(partreg_fit_create(&small, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    double Xw[6] = {1, 0.1, 0.2, 1, 0.3, 0.9};
    partreg_data few = {2, 3, Xw, 0, y, NULL, 2, NULL, NULL};
    assert_int_equal(partreg_fit_create(&few, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_ETOOFEW);
    assert_contains(err.message, "2 usable rows for 3 parameters");
    assert_null(fit);

    /* a single outcome class */
    double yc[4] = {1, 1, 1, 1};
    partreg_data one = d;
    one.y = yc;
    assert_int_equal(partreg_fit_create(&one, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    assert_contains(err.message, "single value");

    /* non-finite X and y out of range */
    double Xn[8] = {1, 0.5, 1, NAN, 1, 2.5, 1, 3.5};
    partreg_data nf = d;
    nf.X = Xn;
    assert_int_equal(partreg_fit_create(&nf, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EDATA);
    assert_contains(err.message, "row 2");
    assert_contains(err.message, "not finite");
    double y2[4] = {0, 2, 0, 1};
    partreg_data yr = d;
    yr.y = y2;
    assert_int_equal(partreg_fit_create(&yr, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EDATA);
    assert_contains(err.message, "not 0 or 1");

    /* weights: negative, non-finite, all zero */
    double wn[4] = {1, -1, 1, 1}, wi[4] = {1, INFINITY, 1, 1}, wz[4] = {0, 0, 0, 0};
    partreg_data wd = d;
    wd.w = wn;
    assert_int_equal(partreg_fit_create(&wd, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EDATA);
    assert_contains(err.message, "negative");
    wd.w = wi;
    assert_int_equal(partreg_fit_create(&wd, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EDATA);
    assert_contains(err.message, "not finite");
    wd.w = wz;
    assert_int_equal(partreg_fit_create(&wd, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EDATA);
    assert_contains(err.message, "all weights are zero");

    /* arguments */
    assert_int_equal(partreg_fit_create(NULL, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, (partreg_link)17, NULL, &fit, &err), PARTREG_EINVAL);
    assert_contains(err.message, "unknown link");
    partreg_fit_options bad = partreg_fit_options_default();
    bad.max_iter = 0;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &bad, &fit, &err), PARTREG_EINVAL);
    assert_null(fit);
    partreg_fit_free(NULL);
}

/* Validation sums the outcome and weights without branching and finds the
 * offending row only afterwards: the error names the first bad row, also
 * past the first few rows and when a later row is bad too. */
static void test_first_bad_row(void **s)
{
    (void)s;
    enum { N = 11 };
    double X[N], y[N], w[N];
    for (size_t i = 0; i < N; i++) {
        X[i] = 0.37 * (double)i - 1.2;
        y[i] = (double)(i % 3);
        w[i] = 1.5;
    }
    const char *levels[] = {"passive", "cooperative", "autonomous"};
    partreg_data d = {N, 1, X, 0, y, w, 3, NULL, levels};
    partreg_fit *fit = NULL;
    partreg_error err;
    static const double bad_y[] = {2.5, NAN, 3.0, -1.0, 1e300, -INFINITY};
    for (size_t t = 0; t < sizeof bad_y / sizeof *bad_y; t++) {
        y[6] = bad_y[t];
        y[9] = NAN;
        assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                         PARTREG_EDATA);
        assert_null(fit);
        assert_contains(err.message, "row 7:");
        assert_contains(err.message, "not a level");
    }
    y[6] = 0.0;
    y[9] = -0.0; /* a level, as 0.0 is */
    w[8] = -0.5;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EDATA);
    assert_contains(err.message, "row 9:");
    assert_contains(err.message, "negative");
    w[8] = NAN;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EDATA);
    assert_contains(err.message, "row 9:");
    assert_contains(err.message, "not finite");
    w[8] = 1.5;
    for (size_t i = 0; i < N; i++)
        y[i] = (double)(i % 2);
    y[10] = 0.5;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EDATA);
    assert_contains(err.message, "row 11:");
    assert_contains(err.message, "not 0 or 1");
}

static void test_ordinal_levels(void **s)
{
    (void)s;
    double X[6] = {0.1, 0.4, 0.2, 0.9, 0.5, 0.7}, y[6] = {0, 2, 0, 2, 2, 0};
    const char *levels[] = {"passive", "cooperative", "autonomous"};
    partreg_data d = {6, 1, X, 0, y, NULL, 3, NULL, levels};
    partreg_fit *fit = NULL;
    partreg_error err;
    /* only two levels observed */
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    assert_contains(err.message, "binary model");
    /* an unobserved level among >= 3 observed */
    double X4[8] = {0.1, 0.4, 0.2, 0.9, 0.5, 0.7, 0.3, 0.8}, y4[8] = {0, 1, 3, 0, 1, 3, 1, 0};
    const char *l4[] = {"a", "b", "never", "d"};
    partreg_data d4 = {8, 1, X4, 0, y4, NULL, 4, NULL, l4};
    assert_int_equal(partreg_fit_create(&d4, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    assert_contains(err.message, "'never' has no observations");
    /* J < 3 */
    d.n_levels = 2;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    assert_contains(err.message, "at least 3");
}

/* iteration limit: reported, and the fit says so */
static void test_not_converged(void **s)
{
    (void)s;
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    partreg_fit_options opt = partreg_fit_options_default();
    opt.max_iter = 1;
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_PROBIT, &opt, &fit, &err),
                     PARTREG_ENOTCONVERGED);
    assert_non_null(fit);
    assert_false(partreg_fit_converged(fit));
    assert_int_equal(partreg_fit_stop_reason(fit), PARTREG_STOP_MAX_ITER);
    assert_contains(err.message, "did not converge");
    partreg_fit_free(fit);
}

/* huge linear predictors and extreme scales still converge */
static void test_extreme_scales(void **s)
{
    (void)s;
    double *X = malloc(MROZ_N * MROZ_P * sizeof *X);
    memcpy(X, mroz_X, MROZ_N * MROZ_P * sizeof *X);
    for (size_t i = 0; i < MROZ_N; i++) {
        X[i * MROZ_P + 7] *= 1e6;
        X[i * MROZ_P + 6] *= 1e-3;
    }
    partreg_data d = {MROZ_N, MROZ_P, X, 0, mroz_y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_CLOGLOG, NULL, &fit, NULL), PARTREG_OK);
    assert_true(partreg_fit_converged(fit));
    partreg_fit_free(fit);
    free(X);
}

/* Parameters 0..np-1 of fit have the estimates and standard errors of
 * ref's, those of parameter col divided by scale (col >= np: none). */
static void assert_same_estimates(const partreg_fit *ref, const partreg_fit *fit, size_t np,
                                  size_t col, double scale)
{
    for (size_t j = 0; j < np; j++) {
        partreg_estimate a, b;
        assert_int_equal(partreg_fit_estimate(ref, j, 0.95, &a, NULL), PARTREG_OK);
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &b, NULL), PARTREG_OK);
        double f = j == col ? scale : 1.0;
        assert_true(fabs(b.estimate * f - a.estimate) <= 1e-8 * fabs(a.estimate) + 1e-12);
        assert_true(fabs(b.std_error * f - a.std_error) <= 1e-8 * a.std_error);
    }
}

/* Fit d as given and with column col multiplied by scale: both converge,
 * and the scaled column's estimate and standard error are the unscaled
 * ones divided by scale, the others unchanged. */
static void check_units(partreg_data d, partreg_family family, partreg_link link, size_t col,
                        double scale)
{
    partreg_fit *ref = NULL, *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, family, link, NULL, &ref, NULL), PARTREG_OK);
    double *X = malloc(d.n * d.p * sizeof *X);
    assert_non_null(X);
    memcpy(X, d.X, d.n * d.p * sizeof *X);
    for (size_t i = 0; i < d.n; i++)
        X[i * d.p + col] *= scale;
    d.X = X;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, family, link, NULL, &fit, &err), PARTREG_OK);
    assert_true(partreg_fit_converged(fit));
    size_t np = d.p + (family == PARTREG_ORDINAL ? d.n_levels - 1 : 0);
    assert_same_estimates(ref, fit, np, col, scale);
    partreg_fit_free(ref);
    partreg_fit_free(fit);
    free(X);
}

/* A predictor in small units (information diagonal near or below 1e-16)
 * gives the same fit as in its natural units: the Newton solve is scaled
 * to unit diagonal (core/spd.c). Before, at 1e-12 the binary fit used up
 * its 100 iterations and at 1e-15 was reported as separated. */
static void test_small_units(void **s)
{
    (void)s;
    partreg_data mroz = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, NULL, NULL};
    partreg_data housing = {HOUSING_N, HOUSING_P, housing_X, 0, housing_y, housing_w,
                            HOUSING_J, NULL, NULL};
    static const double scales[] = {1e-9, 1e-12, 1e-15};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        check_units(mroz, PARTREG_BINARY, PARTREG_LOGIT, 3, scales[i]);  /* age */
        check_units(mroz, PARTREG_BINARY, PARTREG_PROBIT, 3, scales[i]);
        check_units(housing, PARTREG_ORDINAL, PARTREG_LOGIT, 5, scales[i]); /* Cont[High] */
        check_units(housing, PARTREG_ORDINAL, PARTREG_CLOGLOG, 5, scales[i]);
    }
}

/* Weights in any units give the same estimates, robust standard errors
 * and column choices: the screening's correlations are formed without the product of
 * two weighted sums of squares, which under- and overflowed at weights
 * near 1e-200 and 1e200 (age was then dropped as collinear, or a
 * collinear column kept). Binary on Mroz with a collinear column added,
 * ordinal on the housing counts. */
static void test_weight_units(void **s)
{
    (void)s;
    size_t p = MROZ_P + 1;
    double *X = malloc(MROZ_N * p * sizeof *X), *w = malloc(MROZ_N * sizeof *w);
    double *hw = malloc(HOUSING_N * sizeof *hw);
    assert_true(X && w && hw);
    for (size_t i = 0; i < MROZ_N; i++) {
        memcpy(X + i * p, mroz_X + i * MROZ_P, MROZ_P * sizeof *X);
        X[i * p + MROZ_P] = 2.0 * mroz_X[i * MROZ_P + 1] - mroz_X[i * MROZ_P + 2]; /* 2 k5 - k618 */
    }
    static const double scales[] = {1.0, 1e-200, 1e-300, 1e200};
    partreg_fit *ref = NULL, *ref_o = NULL;
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        for (size_t i = 0; i < MROZ_N; i++)
            w[i] = scales[k] * (double)(1 + i % 3);
        for (size_t i = 0; i < HOUSING_N; i++)
            hw[i] = scales[k] * housing_w[i];
        partreg_data d = {MROZ_N, p, X, 0, mroz_y, w, 2, NULL, NULL};
        partreg_data o = {HOUSING_N, HOUSING_P, housing_X, 0, housing_y, hw, HOUSING_J, NULL, NULL};
        partreg_fit *fit = NULL, *fit_o = NULL;
        assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL),
                         PARTREG_OK);
        assert_int_equal(partreg_fit_create(&o, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit_o, NULL),
                         PARTREG_OK);
        assert_true(partreg_fit_converged(fit) && partreg_fit_converged(fit_o));
        /* the robust covariances do not depend on the weights' scale (the
         * meat, a sum of squared weighted scores, is summed scaled) */
        assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL),
                         PARTREG_OK);
        assert_int_equal(partreg_fit_set_vcov(fit_o, &o, PARTREG_VCOV_HC0, NULL, 0, NULL),
                         PARTREG_OK);
        for (size_t j = 0; j < p; j++)
            assert_int_equal(partreg_fit_column_dropped(fit, j), j == MROZ_P);
        for (size_t j = 0; j < HOUSING_P; j++)
            assert_false(partreg_fit_column_dropped(fit_o, j));
        if (k == 0) {
            ref = fit;
            ref_o = fit_o;
            continue;
        }
        assert_same_estimates(ref, fit, MROZ_P, SIZE_MAX, 1.0);
        assert_same_estimates(ref_o, fit_o, HOUSING_P + HOUSING_J - 1, SIZE_MAX, 1.0);
        partreg_fit_free(fit);
        partreg_fit_free(fit_o);
    }
    partreg_fit_free(ref);
    partreg_fit_free(ref_o);
    free(X);
    free(w);
    free(hw);
}

/* A predictor far from the origin (age + 1e9: mean/sd about 1e8) leaves the
 * information too few digits to converge; the error names the column and
 * says to centre it. Centred, the same model converges. */
static void test_offset_column_named(void **s)
{
    (void)s;
    double *X = malloc(MROZ_N * MROZ_P * sizeof *X);
    assert_non_null(X);
    memcpy(X, mroz_X, MROZ_N * MROZ_P * sizeof *X);
    for (size_t i = 0; i < MROZ_N; i++)
        X[i * MROZ_P + 3] += 1e9;
    partreg_data d = {MROZ_N, MROZ_P, X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_ENOTCONVERGED);
    assert_contains(err.message, mroz_design_terms[3]);
    assert_contains(err.message, "centre it");
    partreg_fit_free(fit);
    for (size_t i = 0; i < MROZ_N; i++)
        X[i * MROZ_P + 3] -= 1e9;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_OK);
    partreg_fit_free(fit);
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_separation), cmocka_unit_test(test_quasi_separation),
        cmocka_unit_test(test_ordinal_separation),  cmocka_unit_test(test_collinear),
        cmocka_unit_test(test_bad_inputs),          cmocka_unit_test(test_ordinal_levels),
        cmocka_unit_test(test_first_bad_row),
        cmocka_unit_test(test_not_converged),       cmocka_unit_test(test_extreme_scales),
        cmocka_unit_test(test_small_units),      cmocka_unit_test(test_weight_units),
        cmocka_unit_test(test_offset_column_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
