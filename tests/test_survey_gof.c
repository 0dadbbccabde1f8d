/* The Archer-Lemeshow F-adjusted mean residual test of a binary design fit
 * (lib/inference/survey_gof.c, partreg_fit_survey_gof) against the values
 * R's survey package gives for the same statistic (tests/ref/survey_gof.R
 * -> ref_survey_gof.h): the weighted deciles of risk, the groups' mean
 * residuals and their design covariance (svyby(~r, ~grp, design, svymean,
 * covmat = TRUE)), W and the F adjustment, on NHANES (strata and PSUs,
 * probit; a subpopulation, logit, whose 16 distinct fitted values leave 7
 * groups) and apistrat (strata with fpc, cloglog; bootstrap replicate
 * weights, logit). Each case is run through the analysis the command runs,
 * with the design of tests/cases/survey/<id>.json. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_survey.h"
#include "ref/ref_survey_gof.h"
#include "report/analysis_internal.h"

#include "testutil.h"

typedef struct gof_case {
    const char *id, *data, *formula;
    partreg_link link;
    const char *sw, *strata, *psu, *fpc, *subpop, *repweights;
    partreg_rep_type rep_type;
    int groups;
    double d, W, F, df1, df2, p;
} gof_case;

#define REFS(id)                                                                             \
    ref_gof_##id##_groups, ref_gof_##id##_design_df, ref_gof_##id##_W, ref_gof_##id##_F,     \
        ref_gof_##id##_df1, ref_gof_##id##_df2, ref_gof_##id##_p

static const gof_case cases[] = {
    {"nhanes_hichol_probit_design", "nhanes.csv",
     "HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat", PARTREG_PROBIT, "WTMEC2YR", "SDMVSTRA",
     "SDMVPSU", NULL, NULL, NULL, PARTREG_REP_JK1, REFS(nhanes_hichol_probit_design)},
    {"nhanes_hichol_logit_subpop", "nhanes.csv", "HI_CHOL ~ factor(race) + agecat", PARTREG_LOGIT,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, "female", NULL, PARTREG_REP_JK1,
     REFS(nhanes_hichol_logit_subpop)},
    {"apistrat_awards_cloglog_design", "apistrat.csv", "awards ~ meals + ell + mobility",
     PARTREG_CLOGLOG, "pw", "stype", NULL, "fpc", NULL, NULL, PARTREG_REP_JK1,
     REFS(apistrat_awards_cloglog_design)},
    {"apistrat_awards_logit_bootstrap", "apistrat.csv",
     "awards ~ meals + ell + mobility + stype", PARTREG_LOGIT, "pw", NULL, NULL, NULL, NULL, "bs*",
     PARTREG_REP_BOOTSTRAP, REFS(apistrat_awards_logit_bootstrap)},
};

static partreg_analysis *run_case(const gof_case *c, int threads)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, c->data);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = c->formula;
    s.frame.family_auto = 0;
    s.frame.family = PARTREG_BINARY;
    s.link = c->link;
    s.frame.sampling_weights = c->sw;
    s.frame.strata = c->strata;
    s.frame.psu = c->psu;
    s.frame.fpc = c->fpc;
    s.frame.subpop = c->subpop;
    s.frame.repweights = c->repweights;
    if (c->repweights) {
        s.survey.rep_type = c->rep_type;
        s.survey.rep_type_given = 1;
    }
    s.fit.threads = threads;
    s.frame.threads = threads;
    s.read.threads = threads;
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(path, &s, &a, &err);
    if (st != PARTREG_OK)
        print_error("%s: %s\n", c->id, err.message);
    assert_int_equal(st, PARTREG_OK);
    return a;
}

static void test_reference(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gof_case *c = &cases[i];
        partreg_analysis *a = run_case(c, 0);
        assert_true(a->has_survey_gof);
        const partreg_survey_gof *g = &a->survey_gof;
        partreg_survey_info info;
        assert_int_equal(partreg_fit_survey_info(partreg_analysis_fit(a), &info), 1);
        assert_rel(info.df, c->d, 0);
        if (g->groups != (size_t)c->groups)
            print_error("%s: %zu groups, R %d\n", c->id, g->groups, c->groups);
        assert_int_equal(g->groups, (size_t)c->groups);
        /* the estimates agree to about 1e-13, the rest is closed form */
        assert_rel(g->W, c->W, 1e-8);
        assert_rel(g->F, c->F, 1e-8);
        assert_rel(g->df1, c->df1, 0);
        assert_rel(g->df2, c->df2, 0);
        assert_rel(g->p_value, c->p, 1e-7);
        partreg_analysis_free(a);
    }
}

/* The same bits at 1 and 2 threads (the design's passes are segment-
 * ordered; replicates run one a thread). */
static void test_threads(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        partreg_analysis *a1 = run_case(&cases[i], 1), *a2 = run_case(&cases[i], 2);
        assert_memory_equal(&a1->survey_gof.W, &a2->survey_gof.W, sizeof(double));
        assert_memory_equal(&a1->survey_gof.F, &a2->survey_gof.F, sizeof(double));
        partreg_analysis_free(a1);
        partreg_analysis_free(a2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
