/* Multiple-imputation pooling under more options, against
 * tests/ref/ref_mi_more_cases.h (tests/ref/mi_more_cases.R: mice 3.15.0,
 * mitml, survey::svyglm, sandwich, ordinal::clm, brglm2): a survey design
 * (design df as the complete-data df), --vcov cluster and hc1, --firth, and
 * an ordinal probit model with pooled margins and predictions at values.
 * Each case runs with the command's own arguments (partreg_options_set()),
 * as the conformance case of the same id does, and checks what the case
 * format cannot hold: riv and fmi of the thresholds, the pooled
 * predictions at values with their t(df) link-scale intervals, and the D1
 * joint tests by variable (3- and 4-level factors among them).
 *
 * Tolerances: the references agree with partreg's Newton-polished fits to
 * 9-15 digits (estimates 1e-9, standard errors and everything derived from
 * them 1e-7). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "partreg_analysis.h"
#include "partreg_options.h"
#include "testutil.h"

#include "data/table_internal.h"
#include "models/fit_internal.h"
#include "report/analysis_internal.h"

#include "ref/ref_mi_more_cases.h"

#define DATA(f) PARTREG_TEST_DATA_DIR "/" f

typedef struct mi_case {
    const char *data;
    const char *const *args;
    int nargs, k, m, n;
    const char *const *names;
    const double *qbar, *se, *df, *riv, *fmi;
    int n_margins;
    const char *const *margin_labels;
    const double *margin_est, *margin_se;
    int n_at;
    const char *const *at_labels, *const *at_outcomes;
    const double *at_est, *at_se, *at_lo, *at_hi;
    int n_tests;
    const char *const *test_vars;
    const double *test_F, *test_df1, *test_r, *test_df2, *test_p;
} mi_case;

#define CASE_COMMON(id)                                                                     \
    .data = ref_##id##_data[0], .args = ref_##id##_args, .nargs = ref_##id##_nargs,          \
    .k = ref_##id##_k, .m = ref_##id##_m, .n = ref_##id##_n, .names = ref_##id##_names,      \
    .qbar = ref_##id##_qbar, .se = ref_##id##_se, .df = ref_##id##_df, .riv = ref_##id##_riv, \
    .fmi = ref_##id##_fmi, .n_tests = ref_##id##_n_tests, .test_vars = ref_##id##_test_vars, \
    .test_F = ref_##id##_test_F, .test_df1 = ref_##id##_test_df1,                          \
    .test_r = ref_##id##_test_r, .test_df2 = ref_##id##_test_df2, .test_p = ref_##id##_test_p
#define CASE_MARGINS(id)                                                                    \
    .n_margins = ref_##id##_n_margins, .margin_labels = ref_##id##_margin_labels,           \
    .margin_est = ref_##id##_margin_est, .margin_se = ref_##id##_margin_se

/* The analysis of DATA with the case's arguments, as the command runs it. */
static partreg_analysis *run_case(const mi_case *c)
{
    partreg_options *o = NULL;
    partreg_error err;
    assert_int_equal(partreg_options_create(&o, &err), PARTREG_OK);
    for (int i = 0; i < c->nargs; i++) {
        const char *name = c->args[i];
        const char *value = NULL;
        if (i + 1 < c->nargs && strncmp(c->args[i + 1], "--", 2) != 0)
            value = c->args[++i];
        if (partreg_options_set(o, name, value, &err) != PARTREG_OK) {
            print_error("%s %s: %s\n", name, value ? value : "", err.message);
            fail();
        }
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, c->data);
    partreg_analysis *a = NULL;
    partreg_status st = partreg_analysis_run(path, partreg_options_spec(o), &a, &err);
    if (st != PARTREG_OK)
        print_error("%s: %s\n", path, err.message);
    assert_int_equal(st, PARTREG_OK);
    partreg_options_free(o);
    return a;
}

static size_t param(const partreg_fit *fit, const char *name)
{
    char buf[256];
    for (size_t j = 0; j < partreg_fit_n_parameters(fit); j++)
        if (strcmp(partreg_fit_param_name(fit, j, buf, sizeof buf), name) == 0)
            return j;
    print_error("no parameter '%s'\n", name);
    fail();
    return 0;
}

static const partreg_margin *find_margin(const partreg_margins *L, const char *term,
                                         const char *outcome)
{
    for (size_t i = 0; i < partreg_margins_n_entries(L); i++) {
        const partreg_margin *e = partreg_margins_get(L, i);
        if (strcmp(e->term, term) == 0 &&
            ((!e->outcome && !*outcome) || (e->outcome && strcmp(e->outcome, outcome) == 0)))
            return e;
    }
    print_error("no margin '%s' @ '%s'\n", term, outcome);
    fail();
    return NULL;
}

static void check_case(const mi_case *c)
{
    partreg_analysis *a = run_case(c);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_int_equal(partreg_analysis_n_imputations(a), (size_t)c->m);
    assert_int_equal(partreg_fit_n_obs(fit), (size_t)c->n);
    assert_int_equal(fit->k, (size_t)c->k);
    for (int x = 0; x < c->k; x++) {
        size_t j = param(fit, c->names[x]);
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        assert_rel(e.estimate, c->qbar[x], 1e-9);
        assert_rel(e.std_error, c->se[x], 1e-7);
        assert_rel(partreg_fit_param_df(fit, j), c->df[x], 1e-7);
        assert_rel(a->riv[j], c->riv[x], 1e-7);
        assert_rel(a->fmi[j], c->fmi[x], 1e-7);
    }
    if (c->n_margins) {
        const partreg_margins *L = partreg_analysis_margins(a);
        assert_int_equal(partreg_margins_n_entries(L), (size_t)c->n_margins);
        for (int i = 0; i < c->n_margins; i++) {
            char term[256];
            snprintf(term, sizeof term, "%s", c->margin_labels[i]);
            char *at = strstr(term, " @ ");
            const char *outcome = "";
            if (at) {
                *at = '\0';
                outcome = at + 3;
            }
            const partreg_margin *e = find_margin(L, term, outcome);
            assert_rel(e->estimate, c->margin_est[i], 1e-9);
            assert_rel(e->std_error, c->margin_se[i], 1e-7);
        }
    }
    if (c->n_at) {
        const partreg_margins *L = partreg_analysis_predictions(a);
        assert_non_null(L);
        assert_int_equal(partreg_margins_n_entries(L), (size_t)c->n_at);
        for (int i = 0; i < c->n_at; i++) {
            const partreg_margin *e = find_margin(L, c->at_labels[i], c->at_outcomes[i]);
            assert_rel(e->estimate, c->at_est[i], 1e-9);
            assert_rel(e->std_error, c->at_se[i], 1e-7);
            assert_rel(e->conf_low, c->at_lo[i], 1e-7);
            assert_rel(e->conf_high, c->at_hi[i], 1e-7);
        }
    }
    assert_non_null(a->d1);
    assert_int_equal(a->d1->n, (size_t)c->n_tests);
    for (int i = 0; i < c->n_tests; i++) {
        const partreg_d1_test *t = &a->d1->items[i];
        assert_string_equal(t->variable, c->test_vars[i]);
        assert_rel(t->df1, c->test_df1[i], 0.0);
        assert_rel(t->F, c->test_F[i], 1e-7);
        assert_rel(t->riv, c->test_r[i], 1e-7);
        assert_rel(t->df2, c->test_df2[i], 1e-7);
        assert_rel(t->p_value, c->test_p[i], 1e-6);
    }
    partreg_analysis_free(a);
}

/* Survey design: dfcom = PSUs - strata; margins weighted, design V. */
static void test_mi_design(void **state)
{
    (void)state;
    mi_case c = {CASE_COMMON(nhanes_hichol_logit_design_mi5),
                 CASE_MARGINS(nhanes_hichol_logit_design_mi5)};
    check_case(&c);
}

static void test_mi_cluster(void **state)
{
    (void)state;
    mi_case c = {CASE_COMMON(brandsma_repeated_logit_cluster_mi5)};
    check_case(&c);
}

static void test_mi_hc1(void **state)
{
    (void)state;
    mi_case c = {CASE_COMMON(popmis_liked_probit_hc1_mi10)};
    check_case(&c);
}

static void test_mi_firth(void **state)
{
    (void)state;
    mi_case c = {CASE_COMMON(nhanes2_hyp_firth_mi20)};
    check_case(&c);
}

/* Ordinal probit: pooled AMEs of every level and predictions at values. */
static void test_mi_ordinal_margins_at(void **state)
{
    (void)state;
    mi_case c = {CASE_COMMON(apistrat_api4_oprobit_margins_mi8),
                 CASE_MARGINS(apistrat_api4_oprobit_margins_mi8),
                 .n_at = ref_apistrat_api4_oprobit_margins_mi8_n_at,
                 .at_labels = ref_apistrat_api4_oprobit_margins_mi8_at_labels,
                 .at_outcomes = ref_apistrat_api4_oprobit_margins_mi8_at_outcomes,
                 .at_est = ref_apistrat_api4_oprobit_margins_mi8_at_est,
                 .at_se = ref_apistrat_api4_oprobit_margins_mi8_at_se,
                 .at_lo = ref_apistrat_api4_oprobit_margins_mi8_at_lo,
                 .at_hi = ref_apistrat_api4_oprobit_margins_mi8_at_hi};
    check_case(&c);
}

/* With identical completed data sets (B = 0, r = 0) D1 is the Wald test of
 * the one data set: the same parameters by variable (the location slopes,
 * not a scale effect of the same variable: partreg_wald_tests_by_variable)
 * and F = chi2 / q. Each variable here has one slope, and with m = 3
 * (t = q (m - 1) <= 4) its denominator df are the Barnard-Rubin df of the
 * coefficient's own test, so D1's p is that test's. */
static void test_mi_d1_equals_wald(void **state)
{
    (void)state;
    partreg_options *o = NULL;
    assert_int_equal(partreg_options_create(&o, NULL), PARTREG_OK);
    assert_int_equal(partreg_options_set(o, "formula", "rating ~ contact + temp", NULL), PARTREG_OK);
    assert_int_equal(partreg_options_set(o, "levels", "1,2,3,4,5", NULL), PARTREG_OK);
    assert_int_equal(partreg_options_set(o, "scale", "temp", NULL), PARTREG_OK);
    partreg_table *t = NULL;
    partreg_read_options ro = partreg_read_options_default();
    assert_int_equal(partreg_table_read(DATA("wine.csv"), &ro, &t, NULL), PARTREG_OK);
    partreg_analysis *one = NULL, *mi = NULL;
    partreg_error err;
    assert_int_equal(partreg_analysis_run_table(t, partreg_options_spec(o), &one, &err), PARTREG_OK);
    const partreg_table *three[3] = {t, t, t};
    assert_int_equal(partreg_analysis_run_imputations(three, 3, partreg_options_spec(o), &mi, &err),
                     PARTREG_OK);
    const partreg_wald_table *w = one->wald;
    assert_non_null(w);
    assert_non_null(mi->d1);
    assert_int_equal(mi->d1->n, partreg_wald_table_n_terms(w));
    for (size_t i = 0; i < mi->d1->n; i++) {
        const partreg_d1_test *d = &mi->d1->items[i];
        const partreg_wald_term *wt = partreg_wald_table_get(w, i);
        assert_string_equal(d->variable, wt->variable);
        assert_rel(d->df1, wt->df, 0.0);
        assert_rel(d->riv, 0.0, 0.0);
        assert_rel(d->F * d->df1, wt->chi2, 1e-12);
        assert_rel(d->df1, 1.0, 0.0);
        size_t j = 0; /* the variable's slope: its name starts with the variable's */
        char name[64];
        while (j < partreg_fit_n_parameters(mi->fit) &&
               strncmp(partreg_fit_param_name(mi->fit, j, name, sizeof name), d->variable,
                       strlen(d->variable)) != 0)
            j++;
        assert_true(j < partreg_fit_n_parameters(mi->fit));
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(mi->fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(d->df2, partreg_fit_param_df(mi->fit, j), 1e-12);
        assert_rel(d->p_value, e.p_value, 1e-10);
    }
    partreg_analysis_free(one);
    partreg_analysis_free(mi);
    /* two slopes a variable (contact and temp with their interaction):
     * t = 4, Li et al.'s small-t df, infinite at r = 0, where the p-value
     * is chi2's */
    partreg_options_free(o);
    assert_int_equal(partreg_options_create(&o, NULL), PARTREG_OK);
    assert_int_equal(partreg_options_set(o, "formula", "rating ~ contact * temp", NULL), PARTREG_OK);
    assert_int_equal(partreg_options_set(o, "levels", "1,2,3,4,5", NULL), PARTREG_OK);
    assert_int_equal(partreg_analysis_run_table(t, partreg_options_spec(o), &one, &err), PARTREG_OK);
    assert_int_equal(partreg_analysis_run_imputations(three, 3, partreg_options_spec(o), &mi, &err),
                     PARTREG_OK);
    assert_int_equal(mi->d1->n, partreg_wald_table_n_terms(one->wald));
    for (size_t i = 0; i < mi->d1->n; i++) {
        const partreg_d1_test *d = &mi->d1->items[i];
        const partreg_wald_term *wt = partreg_wald_table_get(one->wald, i);
        assert_rel(d->df1, 2.0, 0.0);
        assert_rel(d->F * d->df1, wt->chi2, 1e-12);
        assert_true(isinf(d->df2));
        assert_rel(d->p_value, wt->p_value, 1e-12);
    }
    partreg_analysis_free(one);
    partreg_analysis_free(mi);
    partreg_table_free(t);
    partreg_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mi_design),
        cmocka_unit_test(test_mi_cluster),
        cmocka_unit_test(test_mi_hc1),
        cmocka_unit_test(test_mi_firth),
        cmocka_unit_test(test_mi_ordinal_margins_at),
        cmocka_unit_test(test_mi_d1_equals_wald),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
