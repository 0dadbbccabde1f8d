/* Joint Wald tests by model variable (lib/inference/wald_terms.c):
 * - against R (tests/ref/ref_margins_cases.h, tests/ref/margins_cases.R:
 *   b_S' V_SS^-1 b_S computed directly, agreeing with
 *   car::linearHypothesis(test = "Chisq") to 15 digits and, for `hc`, with
 *   car::Anova(type = 2, test.statistic = "Wald")): a probit with
 *   transformations and interactions, a cloglog ordinal model (thresholds
 *   never tested), a weighted ordinal logit with factors;
 * - a dropped (collinear) column is skipped; a rank-deficient covariance
 *   block gives the generalised-inverse statistic with df = rank; a
 *   non-finite block gives NaN; every error status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fit_internal.h"
#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "ref/ref_margins_cases.h"
#include "testutil.h"

#define NOF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct model {
    partreg_table *table;
    partreg_formula *formula;
    partreg_frame *frame;
    partreg_fit *fit;
} model;

static void model_free(model *m)
{
    partreg_fit_free(m->fit);
    partreg_frame_free(m->frame);
    partreg_formula_free(m->formula);
    partreg_table_free(m->table);
}

static void model_fit(model *m, const char *file, const char *formula,
                      const char *const *levels, size_t n_levels, const char *weights,
                      const char *link_name)
{
    char path[1024];
    partreg_error err;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, file);
    assert_int_equal(partreg_table_read_csv(path, NULL, &m->table, &err), PARTREG_OK);
    assert_int_equal(partreg_formula_parse(formula, &m->formula, &err), PARTREG_OK);
    partreg_frame_options fo = partreg_frame_options_default();
    fo.levels = levels;
    fo.n_levels = n_levels;
    fo.weights = weights;
    assert_int_equal(partreg_frame_create(m->table, m->formula, &fo, &m->frame, &err), PARTREG_OK);
    partreg_link link;
    assert_int_equal(partreg_link_parse(link_name, &link, NULL), PARTREG_OK);
    partreg_data d;
    partreg_frame_data(m->frame, &d);
    assert_int_equal(partreg_fit_create(&d, partreg_frame_family(m->frame), link, NULL, &m->fit,
                                        &err),
                     PARTREG_OK);
}

static void check_table(const model *m, size_t n, const char *const *var, const double *chi2,
                        const double *df, const double *p)
{
    partreg_wald_table *t = NULL;
    partreg_error err;
    assert_int_equal(partreg_wald_tests_by_variable(m->fit, m->frame, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_wald_table_n_terms(t), n);
    for (size_t i = 0; i < n; i++) {
        const partreg_wald_term *w = partreg_wald_table_get(t, i);
        assert_string_equal(w->variable, var[i]);
        /* R values: ~13 digits (polished fits agree to ~1e-10 in the estimates) */
        assert_rel(w->chi2, chi2[i], 1e-7);
        assert_true(w->df == df[i]);
        assert_rel(w->p_value, p[i], 1e-6);
    }
    assert_null(partreg_wald_table_get(t, n));
    partreg_wald_table_free(t);
}

static void test_ref_binary(void **state)
{
    (void)state;
    model m;
    model_fit(&m, "mroz.csv", ref_A_formula, NULL, 0, NULL, ref_A_link);
    check_table(&m, NOF(ref_A_wald_var), ref_A_wald_var, ref_A_wald_chi2, ref_A_wald_df,
                ref_A_wald_p);
    model_free(&m);
}

static void test_ref_ordinal(void **state)
{
    (void)state;
    static const char *const lv6[6] = {"1", "2", "3", "4", "5", "6"};
    static const char *const lv3[3] = {"Low", "Medium", "High"};
    model m;
    model_fit(&m, "soup_margins.csv", ref_B_formula, lv6, 6, NULL, ref_B_link);
    check_table(&m, NOF(ref_B_wald_var), ref_B_wald_var, ref_B_wald_chi2, ref_B_wald_df,
                ref_B_wald_p);
    model_free(&m);
    model_fit(&m, "housing.csv", ref_C_formula, lv3, 3, "Freq", ref_C_link);
    check_table(&m, NOF(ref_C_wald_var), ref_C_wald_var, ref_C_wald_chi2, ref_C_wald_df,
                ref_C_wald_p);
    model_free(&m);
}

/* A variable in one column: chi2 = z^2 of that coefficient. */
static double z2(const partreg_fit *fit, size_t j)
{
    double b = gsl_vector_get(partreg_fit_coef(fit), j);
    return b * b / gsl_matrix_get(partreg_fit_vcov(fit), j, j);
}

static void test_dropped_column(void **state)
{
    (void)state;
    model m;
    /* I(2*age) duplicates age: the fit drops it, the test skips it */
    model_fit(&m, "mroz.csv", "lfp ~ k5 + age + I(2*age) + wc", NULL, 0, NULL, "logit");
    assert_true(partreg_fit_column_dropped(m.fit, 2) || partreg_fit_column_dropped(m.fit, 3));
    size_t kept = partreg_fit_column_dropped(m.fit, 2) ? 3 : 2;
    partreg_wald_table *t = NULL;
    assert_int_equal(partreg_wald_tests_by_variable(m.fit, m.frame, &t, NULL), PARTREG_OK);
    const partreg_wald_term *age = partreg_wald_table_get(t, 1);
    assert_string_equal(age->variable, "age");
    assert_true(age->df == 1.0);
    assert_rel(age->chi2, z2(m.fit, kept), 1e-12);
    assert_rel(partreg_wald_table_get(t, 0)->chi2, z2(m.fit, 1), 1e-12);
    partreg_wald_table_free(t);
    model_free(&m);
}

static void test_rank_deficient_and_nan(void **state)
{
    (void)state;
    model m;
    model_fit(&m, "mroz.csv", ref_A_formula, NULL, 0, NULL, ref_A_link);
    size_t v_wc, n_cols;
    assert_int_equal(partreg_frame_find_variable(m.frame, "wc", &v_wc, NULL), PARTREG_OK);
    const size_t *cols = partreg_frame_variable_columns(m.frame, v_wc, &n_cols);
    assert_int_equal(n_cols, 2);
    size_t a = cols[0], b = cols[1];
    /* make column b an exact multiple of column a in V and in beta:
     * V_SS has rank 1 and the statistic is that of column a alone */
    gsl_matrix *V = m.fit->vcov;
    double c = -2.385, vaa = gsl_matrix_get(V, a, a);
    gsl_matrix_set(V, a, b, c * vaa);
    gsl_matrix_set(V, b, a, c * vaa);
    gsl_matrix_set(V, b, b, c * c * vaa);
    gsl_vector_set(m.fit->par, b, c * gsl_vector_get(m.fit->par, a));
    partreg_wald_table *t = NULL;
    assert_int_equal(partreg_wald_tests_by_variable(m.fit, m.frame, &t, NULL), PARTREG_OK);
    const partreg_wald_term *wc = partreg_wald_table_get(t, v_wc);
    assert_string_equal(wc->variable, "wc");
    assert_true(wc->df == 1.0);
    assert_rel(wc->chi2, z2(m.fit, a), 1e-8);
    assert_rel(wc->p_value, erfc(sqrt(wc->chi2 / 2)), 1e-8);
    partreg_wald_table_free(t);
    /* a non-finite block: NaN statistic, df 0, still PARTREG_OK */
    gsl_matrix_set(V, a, b, NAN);
    gsl_matrix_set(V, b, a, NAN);
    assert_int_equal(partreg_wald_tests_by_variable(m.fit, m.frame, &t, NULL), PARTREG_OK);
    wc = partreg_wald_table_get(t, v_wc);
    assert_true(isnan(wc->chi2) && isnan(wc->p_value) && wc->df == 0.0);
    assert_false(isnan(partreg_wald_table_get(t, 0)->chi2));
    partreg_wald_table_free(t);
    model_free(&m);
}

static void test_errors(void **state)
{
    (void)state;
    model a, c;
    static const char *const lv3[3] = {"Low", "Medium", "High"};
    model_fit(&a, "mroz.csv", "lfp ~ k5 + age", NULL, 0, NULL, "logit");
    model_fit(&c, "housing.csv", ref_C_formula, lv3, 3, "Freq", "logit");
    partreg_wald_table *t = (partreg_wald_table *)&a;
    partreg_error err;
    assert_int_equal(partreg_wald_tests_by_variable(NULL, a.frame, &t, &err), PARTREG_EINVAL);
    assert_null(t);
    assert_int_equal(partreg_wald_tests_by_variable(a.fit, NULL, &t, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_wald_tests_by_variable(a.fit, a.frame, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_wald_tests_by_variable(a.fit, c.frame, &t, &err), PARTREG_EINVAL);
    assert_contains(err.message, "not made from this frame");
    assert_null(t);
    assert_int_equal(partreg_wald_table_n_terms(NULL), 0);
    assert_null(partreg_wald_table_get(NULL, 0));
    partreg_wald_table_free(NULL);
    model_free(&a);
    model_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_binary),
        cmocka_unit_test(test_ref_ordinal),
        cmocka_unit_test(test_dropped_column),
        cmocka_unit_test(test_rank_deficient_and_nan),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
