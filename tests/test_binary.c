/* Binary models on carData::Mroz against R (tests/ref/ref_mroz.h: glm with
 * epsilon 1e-14, Newton-polished; observed-information SEs computed
 * analytically in R, expected-information SEs = summary.glm). Estimates and
 * SEs must agree to 1e-6 relative; in practice they agree to
 * about 1e-10, so the tolerances below are tighter than required. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "routes.h"
#include "testutil.h"

#include "ref/mroz_design.h"
#include "ref/ref_edge.h"
#include "ref/ref_mroz.h"

#define TOL_EST 1e-8
#define TOL_SE 1e-7
#define TOL_LL 1e-10

typedef struct link_ref {
    partreg_link link;
    const double *coef, *se, *se_expected, *z, *p, *lo, *hi, *fitted5;
    double loglik, null_loglik, deviance, aic, bic, lr_chi2, lr_df, lr_p, r2_mcf, r2_cs, r2_nk;
} link_ref;

#define REF(L, name)                                                                          \
    {L, name##_coef, name##_se, name##_se_expected, name##_z, name##_p, name##_ci_low,         \
     name##_ci_high, name##_fitted5, name##_loglik, name##_null_loglik, name##_deviance,       \
     name##_aic, name##_bic, name##_lr_chi2, name##_lr_df, name##_lr_p, name##_r2_mcfadden,    \
     name##_r2_coxsnell, name##_r2_nagelkerke}

static const link_ref refs[] = {
    REF(PARTREG_LOGIT, mroz_logit), REF(PARTREG_PROBIT, mroz_probit),
    REF(PARTREG_CLOGLOG, mroz_cloglog), REF(PARTREG_CAUCHIT, mroz_cauchit)};

static partreg_data mroz_data(void)
{
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    return d;
}

static void check_link(const link_ref *r)
{
    partreg_data d = mroz_data();
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, r->link, test_opt(), &fit, &err), PARTREG_OK);
    assert_non_null(fit);
    assert_true(partreg_fit_converged(fit));
    assert_false(partreg_fit_separated(fit));
    for (size_t j = 0; j < MROZ_P; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.estimate, r->coef[j], TOL_EST);
        assert_rel(e.std_error, r->se[j], TOL_SE);
        assert_rel(e.z, r->z[j], TOL_SE);
        assert_rel(e.p_value, r->p[j], 1e-5);
        assert_rel_floor(e.conf_low, r->lo[j], TOL_SE, r->se[j]);
        assert_rel_floor(e.conf_high, r->hi[j], TOL_SE, r->se[j]);
    }
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    assert_rel(s.loglik, r->loglik, TOL_LL);
    assert_rel(s.null_loglik, r->null_loglik, TOL_LL);
    assert_rel(s.deviance, r->deviance, TOL_LL);
    assert_rel(s.aic, r->aic, TOL_LL);
    assert_rel(s.bic, r->bic, TOL_LL);
    assert_rel(s.lr_chi2, r->lr_chi2, 1e-9);
    assert_rel(s.lr_df, r->lr_df, 0);
    assert_rel(s.lr_p, r->lr_p, 1e-6);
    assert_rel(s.r2_mcfadden, r->r2_mcf, 1e-9);
    assert_rel(s.r2_cox_snell, r->r2_cs, 1e-9);
    assert_rel(s.r2_nagelkerke, r->r2_nk, 1e-9);

    gsl_matrix *P = gsl_matrix_alloc(MROZ_N, 1);
    assert_int_equal(partreg_fit_predict(fit, &d, P, NULL), PARTREG_OK);
    for (size_t i = 0; i < 5; i++)
        assert_rel(gsl_matrix_get(P, i, 0), r->fitted5[i], 1e-9);
    gsl_matrix_free(P);
    partreg_fit_free(fit);

    /* expected information: R's summary.glm standard errors */
    partreg_fit_options opt = test_fit_options();
    opt.information = PARTREG_INFO_EXPECTED;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, r->link, &opt, &fit, NULL), PARTREG_OK);
    for (size_t j = 0; j < MROZ_P; j++) {
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        assert_rel(e.estimate, r->coef[j], TOL_EST);
        assert_rel(e.std_error, r->se_expected[j], TOL_SE);
    }
    partreg_fit_free(fit);
}

static void test_mroz_logit(void **state) { (void)state; check_link(&refs[0]); }
static void test_mroz_probit(void **state) { (void)state; check_link(&refs[1]); }
static void test_mroz_cloglog(void **state) { (void)state; check_link(&refs[2]); }
static void test_mroz_cauchit(void **state) { (void)state; check_link(&refs[3]); }

/* The GSL-object entry point gives the same fit as the array view. */
static void test_gsl_entry(void **state)
{
    (void)state;
    gsl_matrix_const_view X = gsl_matrix_const_view_array(mroz_X, MROZ_N, MROZ_P);
    gsl_vector_const_view y = gsl_vector_const_view_array(mroz_y, MROZ_N);
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_binary_fit(PARTREG_LOGIT, &X.matrix, &y.vector, NULL, test_opt(), &fit, NULL),
                     PARTREG_OK);
    for (size_t j = 0; j < MROZ_P; j++)
        assert_rel(gsl_vector_get(partreg_fit_coef(fit), j), mroz_logit_coef[j], TOL_EST);
    partreg_fit_free(fit);
}

/* Case weights equal duplicated rows (PSPP's metamorphic check). */
static void test_weights_equal_duplicates(void **state)
{
    (void)state;
    size_t n2 = 0;
    double *X2 = malloc(3 * MROZ_N * MROZ_P * sizeof *X2), *y2 = malloc(3 * MROZ_N * sizeof *y2);
    double *w = malloc(MROZ_N * sizeof *w);
    for (size_t i = 0; i < MROZ_N; i++) {
        w[i] = (double)(i % 3); /* 0, 1 or 2 copies */
        for (size_t c = 0; c < (size_t)w[i]; c++, n2++) {
            memcpy(X2 + n2 * MROZ_P, mroz_X + i * MROZ_P, MROZ_P * sizeof *X2);
            y2[n2] = mroz_y[i];
        }
    }
    partreg_data dw = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, w, 2, NULL, NULL};
    partreg_data dd = {n2, MROZ_P, X2, 0, y2, NULL, 2, NULL, NULL};
    partreg_fit *fw = NULL, *fd = NULL;
    assert_int_equal(partreg_fit_create(&dw, PARTREG_BINARY, PARTREG_PROBIT, test_opt(), &fw, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_create(&dd, PARTREG_BINARY, PARTREG_PROBIT, test_opt(), &fd, NULL), PARTREG_OK);
    for (size_t j = 0; j < MROZ_P; j++) {
        partreg_estimate a, b;
        partreg_fit_estimate(fw, j, 0.95, &a, NULL);
        partreg_fit_estimate(fd, j, 0.95, &b, NULL);
        assert_rel(a.estimate, b.estimate, 1e-9);
        assert_rel(a.std_error, b.std_error, 1e-9);
    }
    assert_rel(partreg_fit_loglik(fw), partreg_fit_loglik(fd), 1e-12);
    partreg_fit_free(fw);
    partreg_fit_free(fd);
    free(X2);
    free(y2);
    free(w);
}

/* Rescaling a column by c rescales its coefficient by 1/c. */
static void test_rescaling(void **state)
{
    (void)state;
    double *X = malloc(MROZ_N * MROZ_P * sizeof *X);
    memcpy(X, mroz_X, MROZ_N * MROZ_P * sizeof *X);
    for (size_t i = 0; i < MROZ_N; i++) {
        X[i * MROZ_P + 7] *= 1000.0;  /* inc in dollars */
        X[i * MROZ_P + 3] *= 0.001;   /* age in millennia */
    }
    partreg_data d = {MROZ_N, MROZ_P, X, 0, mroz_y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, test_opt(), &fit, NULL), PARTREG_OK);
    const gsl_vector *b = partreg_fit_coef(fit);
    assert_rel(gsl_vector_get(b, 7), mroz_logit_coef[7] / 1000.0, 1e-8);
    assert_rel(gsl_vector_get(b, 3), mroz_logit_coef[3] * 1000.0, 1e-8);
    assert_rel(gsl_vector_get(b, 1), mroz_logit_coef[1], 1e-8);
    partreg_fit_free(fit);
    free(X);
}

/* Threads and blocking do not change the answer beyond rounding. */
static void test_threads_and_blocks(void **state)
{
    (void)state;
    partreg_data d = mroz_data();
    partreg_fit_options opt = test_fit_options();
    opt.threads = 2;
    opt.block_rows = 7;
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &opt, &fit, NULL), PARTREG_OK);
    for (size_t j = 0; j < MROZ_P; j++)
        assert_rel(gsl_vector_get(partreg_fit_coef(fit), j), mroz_logit_coef[j], 1e-10);
    partreg_fit_free(fit);
}

/* Saturated 2x2 table (tests/ref/ref_edge.h, closed forms): with weights
 * the counts, the logit slope is the log odds ratio, log 5, and every link
 * reproduces the cell proportions (same loglik). */
static void test_saturated_2x2(void **state)
{
    (void)state;
    double X[8];
    for (size_t i = 0; i < 4; i++) {
        X[2 * i] = 1.0;
        X[2 * i + 1] = edge_2x2_x[i];
    }
    partreg_data d = {4, 2, X, 0, edge_2x2_y, edge_2x2_count, 2, NULL, NULL};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_CAUCHIT};
    const double *coef[] = {edge_2x2_logit_coef, edge_2x2_probit_coef, edge_2x2_cloglog_coef,
                            edge_2x2_cauchit_coef};
    const double *se[] = {edge_2x2_logit_se, edge_2x2_probit_se, edge_2x2_cloglog_se,
                          edge_2x2_cauchit_se};
    for (size_t l = 0; l < 4; l++) {
        partreg_fit *fit = NULL;
        assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, links[l], test_opt(), &fit, NULL), PARTREG_OK);
        for (size_t j = 0; j < 2; j++) {
            partreg_estimate e;
            partreg_fit_estimate(fit, j, 0.95, &e, NULL);
            assert_rel(e.estimate, coef[l][j], 1e-10);
            assert_rel(e.std_error, se[l][j], 1e-9);
        }
        assert_rel(partreg_fit_loglik(fit), edge_2x2_loglik, 1e-13);
        assert_rel(partreg_fit_null_loglik(fit), edge_2x2_null_loglik, 1e-13);
        if (links[l] == PARTREG_LOGIT)
            assert_rel(gsl_vector_get(partreg_fit_coef(fit), 1), edge_2x2_log_odds_ratio, 1e-12);
        partreg_fit_free(fit);
    }
}

/* One kept column gathered from two (the second is all zero and dropped):
 * the logit pass's per-row terms must not overwrite the gathered rows
 * (a scratch overlap once made this fit run to the iteration limit). The
 * MLE is the intercept logit(ybar), for every link's own quantile. */
static void test_one_kept_column_gathered(void **state)
{
    (void)state;
    enum { N = 3001 };
    static double X[2 * N], y[N];
    double s1 = 0.0;
    for (size_t i = 0; i < N; i++) {
        X[2 * i] = 1.0;
        X[2 * i + 1] = 0.0;
        y[i] = (i * 7919) % 10 < 3;
        s1 += y[i];
    }
    partreg_data d = {N, 2, X, 2, y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, test_opt(), &fit, &err);
    assert_int_equal(st, PARTREG_OK);
    assert_int_equal(partreg_fit_converged(fit), 1);
    assert_int_equal(partreg_fit_column_dropped(fit, 1), 1);
    assert_rel(gsl_vector_get(partreg_fit_coef(fit), 0), log(s1 / (N - s1)), 1e-12);
    partreg_fit_free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mroz_logit),
        cmocka_unit_test(test_mroz_probit),
        cmocka_unit_test(test_mroz_cloglog),
        cmocka_unit_test(test_mroz_cauchit),
        cmocka_unit_test(test_gsl_entry),
        cmocka_unit_test(test_weights_equal_duplicates),
        cmocka_unit_test(test_rescaling),
        cmocka_unit_test(test_threads_and_blocks),
        cmocka_unit_test(test_saturated_2x2),
        cmocka_unit_test(test_one_kept_column_gathered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
