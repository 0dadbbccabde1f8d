/* Binary diagnostics (lib/inference/diagnostics.c) against the definitions
 * computed by hand in R (tests/ref/ref_inference_diagnostics.h from
 * tests/ref/inference_diagnostics.R; ~10 digits, asserted at 1e-7; counts
 * exactly), plus metamorphic checks (integer weights = duplicated rows,
 * perfect ranking gives AUC 1) and every error status. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/mroz_design.h"
#include "ref/ref_inference_diagnostics.h"

#define TOL 1e-7

static void check(const partreg_binary_diagnostics *d, const double *r)
{
    assert_rel(d->hl_chi2, r[0], TOL);
    assert_true(d->hl_df == r[1]);
    assert_rel(d->hl_p, r[2], 1e-6);
    assert_int_equal(d->hl_groups, (size_t)r[3]);
    assert_rel(d->auc, r[4], TOL);
    assert_rel(d->auc_se, r[5], TOL);
    assert_rel(d->brier, r[6], TOL);
    assert_true(d->true_pos == r[7] && d->false_pos == r[8]);
    assert_true(d->true_neg == r[9] && d->false_neg == r[10]);
    assert_rel(d->sensitivity, r[11], 1e-14);
    assert_rel(d->specificity, r[12], 1e-14);
    assert_rel(d->accuracy, r[13], 1e-14);
    assert_rel(d->ppv, r[14], 1e-14);
    assert_rel(d->npv, r[15], 1e-14);
}

static void run(partreg_link link, const size_t *cols, size_t pc, const double *w, size_t groups,
                double cutoff, const double *ref)
{
    double *X = malloc(MROZ_N * pc * sizeof *X);
    assert_non_null(X);
    for (size_t i = 0; i < MROZ_N; i++)
        for (size_t c = 0; c < pc; c++)
            X[i * pc + c] = mroz_X[i * MROZ_P + cols[c]];
    partreg_data d = {MROZ_N, pc, X, 0, mroz_y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, link, NULL, &fit, NULL), PARTREG_OK);
    partreg_binary_diagnostics_options opt = partreg_binary_diagnostics_options_default();
    opt.hl_groups = groups;
    opt.cutoff = cutoff;
    partreg_binary_diagnostics out;
    partreg_error err;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &out, &err), PARTREG_OK);
    check(&out, ref);
    assert_true(out.cutoff == cutoff);
    partreg_fit_free(fit);
    free(X);
}

static const size_t all_cols[8] = {0, 1, 2, 3, 4, 5, 6, 7};

static void test_mroz(void **state)
{
    (void)state;
    run(PARTREG_LOGIT, all_cols, 8, NULL, 10, 0.5, ref_diag_mroz_logit);
    run(PARTREG_PROBIT, all_cols, 8, NULL, 8, 0.4, ref_diag_mroz_probit);
}

/* lfp ~ k5 + wc: few distinct fitted values, so ties decide the groups */
static void test_ties(void **state)
{
    (void)state;
    const size_t cols[3] = {0, 1, 4};
    run(PARTREG_LOGIT, cols, 3, NULL, 10, 0.5, ref_diag_mroz_ties);
}

static void test_weights(void **state)
{
    (void)state;
    double *w = malloc(MROZ_N * sizeof *w);
    assert_non_null(w);
    size_t ndup = 0;
    for (size_t i = 0; i < MROZ_N; i++) {
        w[i] = 1.0 + (double)(i % 3);
        ndup += (size_t)w[i];
    }
    run(PARTREG_LOGIT, all_cols, 8, w, 10, 0.5, ref_diag_mroz_weighted);

    /* the same fit evaluated on duplicated rows without weights */
    partreg_data dw = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&dw, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    double *X = malloc(ndup * MROZ_P * sizeof *X), *y = malloc(ndup * sizeof *y);
    assert_true(X && y);
    size_t r = 0;
    for (size_t i = 0; i < MROZ_N; i++)
        for (size_t c = 0; c < (size_t)w[i]; c++, r++) {
            memcpy(X + r * MROZ_P, mroz_X + i * MROZ_P, MROZ_P * sizeof *X);
            y[r] = mroz_y[i];
        }
    partreg_data dd = {ndup, MROZ_P, X, 0, y, NULL, 2, NULL, NULL};
    partreg_binary_diagnostics a, b;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &dw, NULL, &a, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &dd, NULL, &b, NULL), PARTREG_OK);
    assert_rel(a.hl_chi2, b.hl_chi2, 1e-12);
    assert_int_equal(a.hl_groups, b.hl_groups);
    assert_rel(a.auc, b.auc, 1e-14);
    assert_rel(a.auc_se, b.auc_se, 1e-12);
    assert_rel(a.brier, b.brier, 1e-12);
    assert_true(a.true_pos == b.true_pos && a.true_neg == b.true_neg);
    /* zero weights drop rows */
    for (size_t i = 0; i < MROZ_N; i++)
        w[i] = i % 2 ? 0.0 : 1.0;
    partreg_binary_diagnostics c;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &dw, NULL, &c, NULL), PARTREG_OK);
    assert_true(c.true_pos + c.false_pos + c.true_neg + c.false_neg == (MROZ_N + 1) / 2);
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(w);
}

/* Closed forms on a tiny problem: x orders y perfectly except one pair. */
static void test_closed_form(void **state)
{
    (void)state;
    /* y ~ 1 + x with x = 0..7, y = 0 0 0 1 0 1 1 1: AUC = 15/16 */
    double X[16], y[8] = {0, 0, 0, 1, 0, 1, 1, 1};
    for (size_t i = 0; i < 8; i++) {
        X[2 * i] = 1.0;
        X[2 * i + 1] = (double)i;
    }
    partreg_data d = {8, 2, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    partreg_binary_diagnostics_options opt = partreg_binary_diagnostics_options_default();
    opt.hl_groups = 4;
    partreg_binary_diagnostics out;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &out, NULL), PARTREG_OK);
    assert_rel(out.auc, 15.0 / 16.0, 1e-14);
    assert_int_equal(out.hl_groups, 4);
    assert_true(out.hl_df == 2.0);
    /* logit with an intercept: sum of fitted = sum of y, so E = O overall */
    assert_true(out.true_pos + out.false_neg == 4.0);
    /* cutoff 0: everything is an event; cutoff 1: (almost) nothing */
    opt.cutoff = 0.0;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &out, NULL), PARTREG_OK);
    assert_true(out.sensitivity == 1.0 && out.specificity == 0.0 && isnan(out.npv));
    partreg_fit_free(fit);
}

static void test_errors(void **state)
{
    (void)state;
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_binary_diagnostics out;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL), 0);
    partreg_binary_diagnostics_options opt = partreg_binary_diagnostics_options_default();
    opt.hl_groups = 2;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &out, &err), PARTREG_EINVAL);
    assert_true(isnan(out.auc));
    opt = partreg_binary_diagnostics_options_default();
    opt.cutoff = 1.5;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &out, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_fit_binary_diagnostics(NULL, &d, NULL, &out, &err), PARTREG_EINVAL);
    partreg_data narrow = d;
    narrow.p = 3;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &narrow, NULL, &out, &err),
                     PARTREG_EINVAL);
    /* one outcome only */
    partreg_data first = d;
    double ones[3] = {1, 1, 1};
    first.n = 3;
    first.y = ones;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &first, NULL, &out, &err), PARTREG_EDATA);
    assert_contains(err.message, "only events");
    double bad[3] = {1, 0.5, 0};
    first.y = bad;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &first, NULL, &out, &err), PARTREG_EDATA);
    assert_int_equal(err.index, 1);
    partreg_fit_free(fit);
    /* ordinal fit */
    double Xo[6] = {0.3, -1.2, 2.1, 0.7, -0.4, 1.6}, yo[6] = {0, 1, 2, 1, 0, 2};
    partreg_data dord = {6, 1, Xo, 0, yo, NULL, 3, NULL, NULL};
    assert_int_equal(partreg_fit_create(&dord, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL),
                     0);
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &dord, NULL, &out, &err),
                     PARTREG_EUNSUPPORTED);
    partreg_fit_free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mroz),        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_weights),     cmocka_unit_test(test_closed_form),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
