/* Cumulative-link models against R's ordinal::clm (tests/ref/ref_housing.h,
 * ref_wine.h: clm with gradTol 1e-12, relTol 1e-14; cauchit re-maximised
 * with the exact infinite outer thresholds; observed-information SEs).
 * Agreement to 1e-6 relative is the requirement; the tolerances here are
 * tighter. */
#include <stdlib.h>
#include <string.h>

#include "models/newton.h"
#include "models/ordinal.h"
#include "partreg.h"
#include "routes.h"
#include "testutil.h"

#include "ref/housing_design.h"
#include "ref/ref_housing.h"
#include "ref/wine_design.h"
#include "ref/ref_wine.h"

typedef struct ord_ref {
    partreg_link link;
    const double *coef, *theta, *se, *theta_se, *ci_low, *ci_high;
    const double *vcov;
    double loglik, null_loglik, aic, bic, lr_chi2, lr_p, r2_mcf;
    const double *probs, *cumprobs;
} ord_ref;

#define OREF(L, name)                                                                          \
    {L, name##_coef, name##_theta, name##_se, name##_theta_se, name##_ci_low, name##_ci_high,  \
     &name##_vcov[0][0], name##_loglik, name##_null_loglik, name##_aic, name##_bic,            \
     name##_lr_chi2, name##_lr_p, name##_r2_mcfadden, &name##_probs[0][0], &name##_cumprobs[0][0]}

static const ord_ref housing_refs[] = {
    OREF(PARTREG_LOGIT, housing_logit),     OREF(PARTREG_PROBIT, housing_probit),
    OREF(PARTREG_CLOGLOG, housing_cloglog), OREF(PARTREG_LOGLOG, housing_loglog),
    OREF(PARTREG_CAUCHIT, housing_cauchit)};
static const ord_ref wine_refs[] = {OREF(PARTREG_LOGIT, wine_logit),
                                    OREF(PARTREG_PROBIT, wine_probit)};

static void check(const ord_ref *r, const partreg_data *d)
{
    size_t p = d->p, J = d->n_levels, K = p + J - 1;
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create(d, PARTREG_ORDINAL, r->link, test_opt(), &fit, &err);
    if (st != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_true(partreg_fit_converged(fit));
    assert_int_equal(partreg_fit_n_thresholds(fit), J - 1);
    for (size_t j = 0; j < K; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        double want = j < p ? r->coef[j] : r->theta[j - p];
        double want_se = j < p ? r->se[j] : r->theta_se[j - p];
        assert_rel(e.estimate, want, 1e-8);
        assert_rel(e.std_error, want_se, 1e-7);
        assert_rel_floor(e.conf_low, r->ci_low[j], 1e-7, want_se);
        assert_rel_floor(e.conf_high, r->ci_high[j], 1e-7, want_se);
        for (size_t k = 0; k < K; k++)
            assert_rel_floor(gsl_matrix_get(partreg_fit_vcov(fit), j, k), r->vcov[j * K + k], 1e-6,
                             1e-8);
    }
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    assert_rel(s.loglik, r->loglik, 1e-11);
    assert_rel(s.null_loglik, r->null_loglik, 1e-11);
    assert_rel(s.aic, r->aic, 1e-11);
    assert_rel(s.bic, r->bic, 1e-11);
    assert_rel(s.lr_chi2, r->lr_chi2, 1e-8);
    assert_rel(s.lr_p, r->lr_p, 1e-6);
    assert_rel(s.r2_mcfadden, r->r2_mcf, 1e-8);

    gsl_matrix *P = gsl_matrix_alloc(d->n, J), *C = gsl_matrix_alloc(d->n, J - 1);
    assert_int_equal(partreg_fit_predict(fit, d, P, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_predict_cumulative(fit, d, C, NULL), PARTREG_OK);
    for (size_t i = 0; i < d->n; i++) {
        for (size_t j = 0; j < J; j++)
            assert_rel(gsl_matrix_get(P, i, j), r->probs[i * J + j], 1e-8);
        for (size_t j = 0; j + 1 < J; j++)
            assert_rel(gsl_matrix_get(C, i, j), r->cumprobs[i * (J - 1) + j], 1e-8);
    }
    gsl_matrix_free(P);
    gsl_matrix_free(C);
    partreg_fit_free(fit);
}

static partreg_data housing(void)
{
    partreg_data d = {HOUSING_N, HOUSING_P, housing_X, 0, housing_y, housing_w,
                      HOUSING_J, housing_design_terms, housing_levels};
    return d;
}

static partreg_data wine(void)
{
    partreg_data d = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms, wine_levels};
    return d;
}

static void test_housing_logit(void **s) { (void)s; partreg_data d = housing(); check(&housing_refs[0], &d); }
static void test_housing_probit(void **s) { (void)s; partreg_data d = housing(); check(&housing_refs[1], &d); }
static void test_housing_cloglog(void **s) { (void)s; partreg_data d = housing(); check(&housing_refs[2], &d); }
static void test_housing_loglog(void **s) { (void)s; partreg_data d = housing(); check(&housing_refs[3], &d); }
static void test_housing_cauchit(void **s) { (void)s; partreg_data d = housing(); check(&housing_refs[4], &d); }
static void test_wine_logit(void **s) { (void)s; partreg_data d = wine(); check(&wine_refs[0], &d); }
static void test_wine_probit(void **s) { (void)s; partreg_data d = wine(); check(&wine_refs[1], &d); }

/* J = 2: the cumulative-link likelihood fitted by the same solver
 * reproduces the binary fit, beta equal and theta = -intercept (a
 * metamorphic property). The public API refuses J < 3 and points the user to the
 * binary model, so the ordinal objective is driven directly here. */
static void test_two_levels_equal_binary(void **s)
{
    (void)s;
    double Xb[WINE_N * 3], yb[WINE_N];
    for (size_t i = 0; i < WINE_N; i++) {
        Xb[i * 3] = 1.0;
        Xb[i * 3 + 1] = wine_X[i * 2];
        Xb[i * 3 + 2] = wine_X[i * 2 + 1];
        yb[i] = wine_y[i] > 1 ? 1.0 : 0.0; /* rating > 2 */
    }
    partreg_data db = {WINE_N, 3, Xb, 0, yb, NULL, 2, NULL, NULL};
    /* P(Y = 1) = 1 - F(theta - eta) = G(eta - theta) with G = F for the
     * symmetric links, and binary cloglog = ordinal loglog */
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_CAUCHIT};
    const partreg_link ordinal_links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_LOGLOG,
                                          PARTREG_CAUCHIT};
    for (size_t l = 0; l < 4; l++) {
        partreg_fit *fb = NULL;
        assert_int_equal(partreg_fit_create(&db, PARTREG_BINARY, links[l], test_opt(), &fb, NULL), PARTREG_OK);
        partreg_design d = {WINE_N, 2, 2, wine_X, yb, NULL, NULL, 2, 2, ordinal_links[l], NULL,
                            test_kernel(), 0};
        partreg_objective obj;
        partreg_ordinal_objective(&d, &obj);
        double theta[3];
        partreg_ordinal_start(&d, theta);
        partreg_fit_options opt = test_fit_options();
        partreg_accum *acc = partreg_accum_alloc(3);
        partreg_newton_result res;
        assert_int_equal(partreg_newton_maximise(&obj, theta, &opt, acc, NULL, 1, NULL, &res), PARTREG_OK);
        assert_int_equal(res.reason, PARTREG_STOP_CONVERGED);
        const gsl_vector *b = partreg_fit_coef(fb);
        assert_rel(theta[0], gsl_vector_get(b, 1), 1e-9);
        assert_rel(theta[1], gsl_vector_get(b, 2), 1e-9);
        assert_rel(theta[2], -gsl_vector_get(b, 0), 1e-9);
        assert_rel(acc->loglik, partreg_fit_loglik(fb), 1e-12);
        partreg_accum_free(acc);
        partreg_fit_free(fb);
    }
}

/* Case weights equal duplicated rows: housing expanded to 1681 rows. */
static void test_weights_equal_duplicates(void **s)
{
    (void)s;
    size_t total = 0;
    for (size_t i = 0; i < HOUSING_N; i++)
        total += (size_t)housing_w[i];
    double *X = malloc(total * HOUSING_P * sizeof *X), *y = malloc(total * sizeof *y);
    size_t r = 0;
    for (size_t i = 0; i < HOUSING_N; i++)
        for (size_t c = 0; c < (size_t)housing_w[i]; c++, r++) {
            memcpy(X + r * HOUSING_P, housing_X + i * HOUSING_P, HOUSING_P * sizeof *X);
            y[r] = housing_y[i];
        }
    partreg_data d = {total, HOUSING_P, X, 0, y, NULL, HOUSING_J, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, test_opt(), &fit, NULL), PARTREG_OK);
    for (size_t j = 0; j < HOUSING_P; j++)
        assert_rel(gsl_vector_get(partreg_fit_coef(fit), j), housing_logit_coef[j], 1e-8);
    assert_rel(partreg_fit_loglik(fit), housing_logit_loglik, 1e-11);
    partreg_fit_free(fit);
    free(X);
    free(y);
}

/* Many levels: a 20-level outcome fits and keeps thresholds increasing. */
static void test_twenty_levels(void **s)
{
    (void)s;
    enum { N = 2000, J = 20 };
    double *X = malloc(N * sizeof *X), *y = malloc(N * sizeof *y);
    unsigned long state = 12345;
    for (size_t i = 0; i < N; i++) {
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        double u = (double)(state >> 11) / 9007199254740992.0;
        X[i] = u * 4.0 - 2.0;
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        double v = (double)(state >> 11) / 9007199254740992.0;
        double latent = 0.8 * X[i] + log(v / (1 - v));
        int c = (int)floor((latent + 4.0) / 0.4);
        y[i] = c < 0 ? 0 : c >= J ? J - 1 : c;
    }
    partreg_data d = {N, 1, X, 0, y, NULL, J, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, test_opt(), &fit, NULL), PARTREG_OK);
    const gsl_vector *t = partreg_fit_thresholds(fit);
    for (size_t j = 1; j < J - 1; j++)
        assert_true(gsl_vector_get(t, j) > gsl_vector_get(t, j - 1));
    assert_true(fabs(gsl_vector_get(partreg_fit_coef(fit), 0) - 0.8) < 0.15);
    partreg_fit_free(fit);
    free(X);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_housing_logit),   cmocka_unit_test(test_housing_probit),
        cmocka_unit_test(test_housing_cloglog), cmocka_unit_test(test_housing_loglog),
        cmocka_unit_test(test_housing_cauchit), cmocka_unit_test(test_wine_logit),
        cmocka_unit_test(test_wine_probit),     cmocka_unit_test(test_two_levels_equal_binary),
        cmocka_unit_test(test_weights_equal_duplicates), cmocka_unit_test(test_twenty_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
