/* Joint Wald tests and likelihood-ratio tests (lib/inference/tests.c)
 * against R (tests/ref/ref_inference_tests.h from tests/ref/inference_tests.R;
 * ~11 digits, asserted at 1e-8 for chi2, 1e-7 for p), a closed form (a
 * one-parameter Wald test is z^2), rank handling, and every refusal. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/mroz_design.h"
#include "ref/ref_inference_tests.h"
#include "ref/wine_design.h"

static partreg_fit *fit_cols(const size_t *cols, size_t pc, partreg_link link, double *buf,
                             const double *w)
{
    for (size_t i = 0; i < MROZ_N; i++)
        for (size_t c = 0; c < pc; c++)
            buf[i * pc + c] = mroz_X[i * MROZ_P + cols[c]];
    partreg_data d = {MROZ_N, pc, buf, 0, mroz_y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, link, NULL, &fit, NULL), PARTREG_OK);
    return fit;
}

static void assert_test(double chi2, double df, double p, const double *ref)
{
    assert_rel(chi2, ref[0], 1e-8);
    assert_true(df == ref[1]);
    assert_rel(p, ref[2], 1e-7);
}

static void test_wald(void **state)
{
    (void)state;
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    double c, df, p;
    size_t idx[2] = {2, 5};
    assert_int_equal(partreg_fit_wald_test(fit, idx, 2, &c, &df, &p, NULL), PARTREG_OK);
    assert_test(c, df, p, ref_wald_mroz_model);
    /* one parameter: z^2 */
    partreg_estimate e;
    partreg_fit_estimate(fit, 1, 0.95, &e, NULL);
    assert_int_equal(partreg_fit_wald_test(fit, idx + 1, 1, &c, &df, &p, NULL), PARTREG_OK);
    partreg_fit_estimate(fit, 5, 0.95, &e, NULL);
    assert_rel(c, e.z * e.z, 1e-10);
    assert_rel(p, e.p_value, 1e-9);
    /* under the covariance in force */
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_wald_test(fit, idx, 2, &c, &df, &p, NULL), PARTREG_OK);
    assert_test(c, df, p, ref_wald_mroz_hc1);
    /* errors */
    partreg_error err;
    size_t bad[2] = {2, 2};
    assert_int_equal(partreg_fit_wald_test(fit, bad, 2, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "twice");
    assert_true(isnan(c) && isnan(df) && isnan(p));
    bad[1] = 8;
    assert_int_equal(partreg_fit_wald_test(fit, bad, 2, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_fit_wald_test(fit, bad, 0, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_fit_wald_test(NULL, bad, 1, &c, &df, &p, &err), PARTREG_EINVAL);
    partreg_fit_free(fit);

    /* ordinal thresholds */
    partreg_data dw = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                       wine_levels};
    assert_int_equal(partreg_fit_create(&dw, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    size_t th[2] = {3, 4};
    assert_int_equal(partreg_fit_wald_test(fit, th, 2, &c, &df, &p, NULL), PARTREG_OK);
    assert_test(c, df, p, ref_wald_wine_thresholds);
    partreg_fit_free(fit);
}

/* A rank-deficient hypothesis: with 2 clusters the cluster sums of the
 * scores satisfy S_1 = -S_2 (the scores sum to 0 at the maximum), so the
 * CR1 covariance has rank 1 and a 3-parameter test has df = 1. */
static void test_wald_rank(void **state)
{
    (void)state;
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    size_t *cl = malloc(MROZ_N * sizeof *cl);
    assert_non_null(cl);
    for (size_t i = 0; i < MROZ_N; i++)
        cl[i] = i % 2;
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, 2, NULL), PARTREG_OK);
    /* sum of scores is 0 at the maximum, so S_1 = -S_2 and the meat has rank 1 */
    size_t idx[3] = {1, 3, 6};
    double c, df, p;
    assert_int_equal(partreg_fit_wald_test(fit, idx, 3, &c, &df, &p, NULL), PARTREG_OK);
    assert_true(df == 1.0);
    assert_true(c >= 0 && p > 0 && p <= 1);
    free(cl);
    partreg_fit_free(fit);
}

static void test_lr(void **state)
{
    (void)state;
    double *b1 = malloc(sizeof mroz_X), *b2 = malloc(sizeof mroz_X), *b3 = malloc(sizeof mroz_X);
    assert_true(b1 && b2 && b3);
    size_t all[8] = {0, 1, 2, 3, 4, 5, 6, 7}, red[6] = {0, 1, 3, 4, 6, 7};
    partreg_fit *full = fit_cols(all, 8, PARTREG_LOGIT, b1, NULL);
    partreg_fit *reduced = fit_cols(red, 6, PARTREG_LOGIT, b2, NULL);
    double c, df, p;
    partreg_error err;
    assert_int_equal(partreg_lr_test(full, reduced, &c, &df, &p, &err), PARTREG_OK);
    assert_test(c, df, p, ref_lr_mroz);
    /* refusals */
    assert_int_equal(partreg_lr_test(reduced, full, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "fewer");
    assert_true(isnan(c));
    partreg_fit *probit = fit_cols(red, 6, PARTREG_PROBIT, b3, NULL);
    assert_int_equal(partreg_lr_test(full, probit, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "links");
    partreg_fit_free(probit);
    double *w = malloc(MROZ_N * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < MROZ_N; i++)
        w[i] = i == 0 ? 2.0 : 1.0;
    partreg_fit *weighted = fit_cols(red, 6, PARTREG_LOGIT, b3, w);
    assert_int_equal(partreg_lr_test(full, weighted, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "the reduced model has weights and the full one has none");
    /* the same rows and sum of weights, other weights */
    double *w2 = malloc(MROZ_N * sizeof *w2);
    assert_non_null(w2);
    for (size_t i = 0; i < MROZ_N; i++)
        w2[i] = i == 1 ? 2.0 : 1.0;
    partreg_fit *wfull = fit_cols(all, 8, PARTREG_LOGIT, b1, w2);
    partreg_fit *wred = fit_cols(red, 6, PARTREG_LOGIT, b2, w);
    assert_int_equal(partreg_lr_test(wfull, wred, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "different weights");
    partreg_fit_free(wfull);
    partreg_fit_free(wred);
    partreg_fit_free(weighted);
    free(w2);
    /* the same number of rows and outcome levels, another outcome: the
     * outcome reversed (another variable with the same levels, same rows) */
    {
        double *y2 = malloc(MROZ_N * sizeof *y2), *bx = malloc(MROZ_N * 6 * sizeof *bx);
        assert_non_null(y2);
        assert_non_null(bx);
        for (size_t i = 0; i < MROZ_N; i++)
            y2[i] = mroz_y[MROZ_N - 1 - i];
        for (size_t i = 0; i < MROZ_N; i++)
            for (size_t k = 0; k < 6; k++)
                bx[i * 6 + k] = mroz_X[i * MROZ_P + red[k]];
        partreg_data dz = {MROZ_N, 6, bx, 0, y2, NULL, 2, NULL, NULL};
        partreg_fit *other = NULL;
        partreg_status zst = partreg_fit_create(&dz, PARTREG_BINARY, PARTREG_LOGIT, NULL, &other, &err);
        if (zst != PARTREG_OK)
            fail_msg("%s", err.message);
        assert_int_equal(partreg_lr_test(full, other, &c, &df, &p, &err), PARTREG_EINVAL);
        assert_contains(err.message, "different outcome values");
        partreg_fit_free(other);
        free(y2);
        free(bx);
    }
    /* non-nested: (1, k618, hc) has more parameters but fits worse than (1, k5) */
    size_t weak[3] = {0, 2, 5}, strong[2] = {0, 1};
    partreg_fit *fw = fit_cols(weak, 3, PARTREG_LOGIT, b3, NULL);
    partreg_fit *fs = fit_cols(strong, 2, PARTREG_LOGIT, b1, NULL);
    assert_true(partreg_fit_loglik(fs) > partreg_fit_loglik(fw) + 1.0);
    assert_int_equal(partreg_lr_test(fw, fs, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "not nested");
    partreg_fit_free(fw);
    partreg_fit_free(fs);
    /* different families */
    partreg_data dw = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                       wine_levels};
    partreg_fit *ord = NULL;
    assert_int_equal(partreg_fit_create(&dw, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &ord, NULL), 0);
    assert_int_equal(partreg_lr_test(ord, reduced, &c, &df, &p, &err), PARTREG_EINVAL);
    assert_contains(err.message, "family");
    assert_int_equal(partreg_lr_test(NULL, reduced, &c, &df, &p, &err), PARTREG_EINVAL);
    /* ordinal LR: temp + contact vs temp */
    partreg_data dw1 = {WINE_N, 1, wine_X, WINE_P, wine_y, NULL, WINE_J, NULL, wine_levels};
    partreg_fit *ord1 = NULL;
    assert_int_equal(partreg_fit_create(&dw1, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &ord1, NULL),
                     0);
    assert_int_equal(partreg_lr_test(ord, ord1, &c, &df, &p, &err), PARTREG_OK);
    assert_test(c, df, p, ref_lr_wine);
    partreg_fit_free(ord1);
    partreg_fit_free(ord);
    partreg_fit_free(full);
    partreg_fit_free(reduced);
    free(w);
    free(b1);
    free(b2);
    free(b3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wald),
        cmocka_unit_test(test_wald_rank),
        cmocka_unit_test(test_lr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
