/* Goodness of fit of ordinal models (lib/inference/ordinal_gof.c) against
 * tests/ref/ref_gof.h (tests/ref/gof.R: the definitions computed in R on
 * the exact likelihood; the retinopathy data of Bender & Grouven 1998,
 * used by the R package gofcat, and the survey example), asserted at 1e-8
 * (the statistics agree with R to about 12 digits); a model with nominal
 * effects gets the Lipsitz test only; every refusal. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "testutil.h"

#include "ref/ref_gof.h"

#define TOL 1e-8

static partreg_analysis *run(const char *path, const char *formula, const char *nominal,
                             const char *const *levels, size_t nl)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = formula;
    s.frame.family_auto = 0;
    s.frame.family = PARTREG_ORDINAL;
    s.frame.levels = levels;
    s.frame.n_levels = nl;
    s.nominal = nominal;
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(path, &s, &a, &err);
    if (st != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    return a;
}

static void check(partreg_chi2_test t, double chi2, double df, double p)
{
    assert_rel(t.chi2, chi2, TOL);
    assert_true(t.df == df);
    assert_rel(t.p_value, p, TOL);
}

static const char *const five[] = {"1", "2", "3", "4", "5"};
static const char *const three[] = {"0", "1", "2"};

static void test_participation(void **state)
{
    (void)state;
    partreg_analysis *a =
        run(PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv",
            "willingness ~ social_capital + age + education + income + insured + gender", NULL,
            five, 5);
    partreg_ordinal_gof g;
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             NULL, &g, NULL),
                     PARTREG_OK);
    assert_rel(partreg_fit_loglik(partreg_analysis_fit(a)), ref_gof_participation_loglik, 1e-10);
    assert_int_equal(g.groups, 10);
    check(g.hosmer_lemeshow, ref_gof_participation_hl_chi2, ref_gof_participation_hl_df,
          ref_gof_participation_hl_p);
    check(g.lipsitz, ref_gof_participation_lipsitz_lr, ref_gof_participation_lipsitz_df,
          ref_gof_participation_lipsitz_p);
    check(g.pr_chi2, ref_gof_participation_pr_chi2, ref_gof_participation_pr_df,
          ref_gof_participation_pr_chi2_p);
    check(g.pr_deviance, ref_gof_participation_pr_deviance, ref_gof_participation_pr_df,
          ref_gof_participation_pr_deviance_p);
    assert_int_equal(g.pr_patterns, 12);
    partreg_analysis_free(a);
}

static void test_retinopathy(void **state)
{
    (void)state;
    partreg_analysis *a = run(PARTREG_TEST_DATA_DIR "/retinopathy.csv",
                              "RET ~ factor(SM) + DIAB + GH + BP", NULL, three, 3);
    partreg_ordinal_gof g;
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             NULL, &g, NULL),
                     PARTREG_OK);
    assert_rel(partreg_fit_loglik(partreg_analysis_fit(a)), ref_gof_retinopathy_loglik, 1e-10);
    check(g.hosmer_lemeshow, ref_gof_retinopathy_hl_chi2, ref_gof_retinopathy_hl_df,
          ref_gof_retinopathy_hl_p);
    check(g.lipsitz, ref_gof_retinopathy_lipsitz_lr, ref_gof_retinopathy_lipsitz_df,
          ref_gof_retinopathy_lipsitz_p);
    check(g.pr_chi2, ref_gof_retinopathy_pr_chi2, ref_gof_retinopathy_pr_df,
          ref_gof_retinopathy_pr_chi2_p);
    check(g.pr_deviance, ref_gof_retinopathy_pr_deviance, ref_gof_retinopathy_pr_df,
          ref_gof_retinopathy_pr_deviance_p);
    assert_int_equal(g.pr_patterns, 2);
    partreg_analysis_free(a);
}

/* Nominal effects: Hosmer-Lemeshow and Pulkstenis-Robinson are not
 * defined (NaN), the Lipsitz likelihood ratio is; numeric covariates
 * only: no Pulkstenis-Robinson. */
static void test_which_tests(void **state)
{
    (void)state;
    partreg_analysis *a = run(PARTREG_TEST_DATA_DIR "/retinopathy.csv",
                              "RET ~ factor(SM) + DIAB + GH + BP", "DIAB", three, 3);
    partreg_ordinal_gof g;
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             NULL, &g, NULL),
                     PARTREG_OK);
    assert_true(isnan(g.hosmer_lemeshow.chi2) && isnan(g.pr_chi2.chi2));
    assert_true(g.lipsitz.chi2 >= 0 && g.lipsitz.df == 9);
    partreg_analysis_free(a);
    a = run(PARTREG_TEST_DATA_DIR "/retinopathy.csv", "RET ~ DIAB + GH + BP", NULL, three, 3);
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             NULL, &g, NULL),
                     PARTREG_OK);
    assert_true(isfinite(g.hosmer_lemeshow.chi2) && isnan(g.pr_chi2.chi2));
    assert_int_equal(g.pr_patterns, 0);
    partreg_ordinal_gof_options o = partreg_ordinal_gof_options_default();
    o.groups = 5;
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             &o, &g, NULL),
                     PARTREG_OK);
    assert_int_equal(g.groups, 5);
    assert_true(g.hosmer_lemeshow.df == 3 * 2 + 1 && g.lipsitz.df == 4);
    partreg_error err;
    o.groups = 2;
    assert_int_equal(partreg_fit_ordinal_gof(partreg_analysis_fit(a), partreg_analysis_frame(a),
                                             &o, &g, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_fit_ordinal_gof(NULL, partreg_analysis_frame(a), NULL, &g, &err),
                     PARTREG_EINVAL);
    partreg_analysis_free(a);
    /* a binary model is refused and told where its test is */
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "lfp ~ k5 + age";
    s.ordinal_gof = 1;
    assert_int_equal(partreg_analysis_run(PARTREG_TEST_DATA_DIR "/mroz.csv", &s, &a, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "--gof");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_participation),
        cmocka_unit_test(test_retinopathy),
        cmocka_unit_test(test_which_tests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
