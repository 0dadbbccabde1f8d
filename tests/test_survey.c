/* Survey designs (lib/inference/survey*.c, partreg_survey.h) against R's
 * survey package (tests/ref/ref_survey_cases.h, tests/ref/survey_cases.R;
 * the same 18 cases as tests/cases/survey/ run through the command):
 * - the whole design covariance V (not only its diagonal), the design df,
 *   the adjusted Wald F of every variable and of all slopes, and the
 *   covariance of the margins through their standard errors;
 * - the library route (partreg_survey_create and its setters,
 *   partreg_fit_create_survey) equals the analysis route;
 * - the speed rule: linearisation makes one pass over the data, replicate
 *   variance R warm-started refits; results are the same bits at 1 and 2
 *   threads;
 * - metamorphic: sampling weights times 100 leave estimates and standard
 *   errors unchanged (case weights would shrink them tenfold);
 * - statistics that assume independent rows refuse a design fit, and every
 *   error of the design object is provoked. */
#include "partreg_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fit_counters.h"
#include "models/fit_internal.h"
#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_survey.h"
#include "ref/ref_survey_cases.h"
#include "report/analysis_internal.h"

#include "testutil.h"

/* ---- the reference cases ------------------------------------------------- */

typedef struct ref_case {
    const char *id, *data, *formula;
    partreg_family family;
    partreg_link link;
    const char *levels;
    const char *sw, *strata, *psu, *fpc, *subpop;
    partreg_lonely_psu lonely;
    const char *repweights;
    partreg_rep_type rep_type;
    int rep_type_given;
    double rho;
    int mse, margins;
    int k;
    const char *const *names;
    const double *est, *V, *df;
    int n_tests;
    const char *const *test_vars;
    const double *test_W, *test_q, *test_F, *test_df2, *test_p;
    int n_margins;
    const char *const *margin_labels;
    const double *margin_V;
} ref_case;

#define CASE_REFS(id)                                                                       \
    (int)(sizeof ref_##id##_names / sizeof ref_##id##_names[0]), ref_##id##_names,           \
        ref_##id##_est, &ref_##id##_V[0][0], &ref_##id##_df,                                \
        (int)(sizeof ref_##id##_test_vars / sizeof ref_##id##_test_vars[0]),               \
        ref_##id##_test_vars, ref_##id##_test_W, ref_##id##_test_q, ref_##id##_test_F,      \
        ref_##id##_test_df2, ref_##id##_test_p
#define MARGIN_REFS(id)                                                                     \
    (int)(sizeof ref_##id##_margin_labels / sizeof ref_##id##_margin_labels[0]),            \
        ref_##id##_margin_labels, &ref_##id##_margin_V[0][0]
#define NO_MARGINS 0, NULL, NULL

static const ref_case cases[] = {
    {"nhanes_hichol_probit_design", "nhanes.csv", "HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat", PARTREG_BINARY, PARTREG_PROBIT, NULL,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 1,
     CASE_REFS(nhanes_hichol_probit_design), MARGIN_REFS(nhanes_hichol_probit_design)},
    {"nhanes_hichol_logit_subpop", "nhanes.csv", "HI_CHOL ~ factor(race) + agecat", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, "female", PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(nhanes_hichol_logit_subpop), NO_MARGINS},
    {"apistrat_api4_ologit_design", "apistrat.csv", "api4 ~ meals + ell + mobility + stype", PARTREG_ORDINAL, PARTREG_LOGIT, "low,lower-mid,upper-mid,high",
     "pw", "stype", NULL, "fpc", NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 1,
     CASE_REFS(apistrat_api4_ologit_design), MARGIN_REFS(apistrat_api4_ologit_design)},
    {"apistrat_awards_cloglog_design", "apistrat.csv", "awards ~ meals + ell + mobility", PARTREG_BINARY, PARTREG_CLOGLOG, NULL,
     "pw", "stype", NULL, "fpc", NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 1,
     CASE_REFS(apistrat_awards_cloglog_design), MARGIN_REFS(apistrat_awards_cloglog_design)},
    {"apiclus1_api4_oprobit_design", "apiclus1.csv", "api4 ~ meals + ell + mobility", PARTREG_ORDINAL, PARTREG_PROBIT, "low,lower-mid,upper-mid,high",
     "pw", NULL, "dnum", "fpc", NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apiclus1_api4_oprobit_design), NO_MARGINS},
    {"apiclus1_awards_logit_subpop_stypeM", "apiclus1.csv", "awards ~ meals + ell", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", NULL, "dnum", "fpc", "stype=M", PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apiclus1_awards_logit_subpop_stypeM), NO_MARGINS},
    {"apiclus2_awards_logit_design", "apiclus2.csv", "awards ~ meals + ell + stype", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", NULL, "dnum", "fpc1", NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apiclus2_awards_logit_design), NO_MARGINS},
    {"apiclus2_awards_logit_psu_dropped", "apiclus2.csv", "awards ~ acs_k3 + meals", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", NULL, "dnum", "fpc1", NULL, PARTREG_LONELY_FAIL,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apiclus2_awards_logit_psu_dropped), NO_MARGINS},
    {"nhanes_lonely_logit_certainty", "nhanes_lonely.csv", "HI_CHOL ~ factor(RIAGENDR) + agecat", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, NULL, PARTREG_LONELY_CERTAINTY,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(nhanes_lonely_logit_certainty), NO_MARGINS},
    {"nhanes_lonely_logit_centered", "nhanes_lonely.csv", "HI_CHOL ~ factor(RIAGENDR) + agecat", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, NULL, PARTREG_LONELY_CENTERED,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(nhanes_lonely_logit_centered), NO_MARGINS},
    {"nhanes_lonely_logit_scaled", "nhanes_lonely.csv", "HI_CHOL ~ factor(RIAGENDR) + agecat", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "WTMEC2YR", "SDMVSTRA", "SDMVPSU", NULL, NULL, PARTREG_LONELY_SCALED,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(nhanes_lonely_logit_scaled), NO_MARGINS},
    {"apistrat_lonely_logit_centered", "apistrat_lonely.csv", "awards ~ meals + ell", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", "stype", NULL, "fpc", NULL, PARTREG_LONELY_CENTERED,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apistrat_lonely_logit_centered), NO_MARGINS},
    {"apistrat_lonely_logit_scaled", "apistrat_lonely.csv", "awards ~ meals + ell", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", "stype", NULL, "fpc", NULL, PARTREG_LONELY_SCALED,
     NULL, PARTREG_REP_JK1, 0, 0, 0, 0,
     CASE_REFS(apistrat_lonely_logit_scaled), NO_MARGINS},
    {"apiclus1_api4_ologit_jk1", "apiclus1.csv", "api4 ~ meals + ell + mobility", PARTREG_ORDINAL, PARTREG_LOGIT, "low,lower-mid,upper-mid,high",
     "pw", NULL, NULL, NULL, NULL, PARTREG_LONELY_FAIL,
     "rw*", PARTREG_REP_JK1, 1, 0, 0, 0,
     CASE_REFS(apiclus1_api4_ologit_jk1), NO_MARGINS},
    {"apiclus1_awards_probit_jk1_mse", "apiclus1.csv", "awards ~ meals + ell + mobility", PARTREG_BINARY, PARTREG_PROBIT, NULL,
     "pw", NULL, NULL, NULL, NULL, PARTREG_LONELY_FAIL,
     "rw*", PARTREG_REP_JK1, 1, 0, 1, 0,
     CASE_REFS(apiclus1_awards_probit_jk1_mse), NO_MARGINS},
    {"nhanes_hichol_logit_brr", "nhanes_brr.csv", "HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "WTMEC2YR", NULL, NULL, NULL, NULL, PARTREG_LONELY_FAIL,
     "brr*", PARTREG_REP_BRR, 1, 0, 0, 0,
     CASE_REFS(nhanes_hichol_logit_brr), NO_MARGINS},
    {"nhanes_hichol_cloglog_fay", "nhanes_brr.csv", "HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat", PARTREG_BINARY, PARTREG_CLOGLOG, NULL,
     "WTMEC2YR", NULL, NULL, NULL, NULL, PARTREG_LONELY_FAIL,
     "fay*", PARTREG_REP_FAY, 1, 0.3, 0, 0,
     CASE_REFS(nhanes_hichol_cloglog_fay), NO_MARGINS},
    {"apistrat_awards_logit_bootstrap", "apistrat.csv", "awards ~ meals + ell + mobility + stype", PARTREG_BINARY, PARTREG_LOGIT, NULL,
     "pw", NULL, NULL, NULL, NULL, PARTREG_LONELY_FAIL,
     "bs*", PARTREG_REP_BOOTSTRAP, 1, 0, 0, 0,
     CASE_REFS(apistrat_awards_logit_bootstrap), NO_MARGINS},
};

#define N_CASES (sizeof cases / sizeof cases[0])

static partreg_analysis *run_case(const ref_case *c, int threads, partreg_status *status,
                                  partreg_error *err)
{
    char path[1024], levels_buf[256];
    const char *levels[16];
    snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, c->data);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = c->formula;
    s.frame.family_auto = 0;
    s.frame.family = c->family;
    s.link = c->link;
    if (c->levels) {
        snprintf(levels_buf, sizeof levels_buf, "%s", c->levels);
        size_t n = 0;
        for (char *t = strtok(levels_buf, ","); t && n < 16; t = strtok(NULL, ","))
            levels[n++] = t;
        s.frame.levels = levels;
        s.frame.n_levels = n;
    }
    s.frame.sampling_weights = c->sw;
    s.frame.strata = c->strata;
    s.frame.psu = c->psu;
    s.frame.fpc = c->fpc;
    s.frame.subpop = c->subpop;
    s.frame.repweights = c->repweights;
    s.survey.lonely_psu = c->lonely;
    s.survey.rep_type = c->rep_type;
    s.survey.rep_type_given = c->rep_type_given;
    s.survey.fay_rho = c->rho;
    s.survey.rep_mse = c->mse;
    s.margins = c->margins;
    s.fit.threads = threads;
    s.frame.threads = threads;
    s.read.threads = threads;
    partreg_analysis *a = NULL;
    *status = partreg_analysis_run(path, &s, &a, err);
    return a;
}

static void test_reference_cases(void **state)
{
    (void)state;
    for (size_t ci = 0; ci < N_CASES; ci++) {
        const ref_case *c = &cases[ci];
        partreg_error err;
        partreg_status st;
        partreg_analysis *a = run_case(c, 0, &st, &err);
        if (st != PARTREG_OK)
            print_error("%s: %s\n", c->id, err.message);
        assert_int_equal(st, PARTREG_OK);
        const partreg_fit *fit = partreg_analysis_fit(a);
        size_t K = partreg_fit_n_parameters(fit);
        /* parameter j of the reference is the fit's parameter of that name */
        size_t map[32];
        assert_true(c->k <= 32);
        for (int r = 0; r < c->k; r++) {
            size_t j = 0;
            while (j < K && strcmp(partreg_fit_param_term(fit, j), c->names[r]) != 0)
                j++;
            if (j == K)
                print_error("%s: no parameter %s\n", c->id, c->names[r]);
            assert_true(j < K);
            map[r] = j;
        }
        const gsl_matrix *V = partreg_fit_vcov(fit);
        partreg_survey_info info;
        assert_int_equal(partreg_fit_survey_info(fit, &info), 1);
        assert_rel(info.df, *c->df, 0);
        for (int r = 0; r < c->k; r++) {
            assert_rel(gsl_vector_get(partreg_fit_parameters(fit), map[r]), c->est[r], 1e-8);
            assert_rel(partreg_fit_param_df(fit, map[r]), *c->df, 0);
            for (int q = 0; q < c->k; q++) /* the whole matrix, relative to its diagonal */
                assert_rel_floor(gsl_matrix_get(V, map[r], map[q]), c->V[r * c->k + q], 1e-6,
                                 sqrt(c->V[r * c->k + r] * c->V[q * c->k + q]));
        }
        /* the speed rule */
        if (info.replicate) /* R refits from the estimate: fewer passes each than a fit */
            assert_true(info.data_passes <= 6.0 * (double)info.n_replicates &&
                        info.data_passes < (double)(info.n_replicates * partreg_fit_passes(fit)));
        else
            assert_rel(info.data_passes, 1.0, 0);
        /* adjusted Wald F by variable, then all slopes */
        for (int t = 0; t < c->n_tests; t++) {
            double W, q, F, df2, p;
            if (strcmp(c->test_vars[t], "(all slopes)") == 0) {
                assert_true(a->has_model_test);
                W = a->model_W, q = a->model_q, F = a->model_F, df2 = a->model_df2, p = a->model_p;
            } else {
                size_t i = 0, n = partreg_wald_table_n_terms(a->wald);
                while (i < n && strcmp(partreg_wald_table_get(a->wald, i)->variable,
                                       c->test_vars[t]) != 0)
                    i++;
                assert_true(i < n);
                const partreg_wald_term *wt = partreg_wald_table_get(a->wald, i);
                W = wt->chi2, q = wt->df1, F = wt->adjusted_f, df2 = wt->df2, p = wt->p_value;
            }
            assert_rel(W, c->test_W[t], 1e-6);
            assert_rel(q, c->test_q[t], 0);
            assert_rel(F, c->test_F[t], 1e-6);
            assert_rel(df2, c->test_df2[t], 0);
            assert_rel_floor(p, c->test_p[t], 1e-5, 1e-12);
        }
        /* margins: the standard errors are the roots of diag(J V J') */
        if (c->n_margins) {
            const partreg_margins *m = partreg_analysis_margins(a);
            assert_non_null(m);
            assert_int_equal(partreg_margins_n_entries(m), (size_t)c->n_margins);
            for (int r = 0; r < c->n_margins; r++) {
                int found = 0;
                for (size_t i = 0; i < partreg_margins_n_entries(m); i++) {
                    const partreg_margin *e = partreg_margins_get(m, i);
                    char label[128];
                    if (e->outcome)
                        snprintf(label, sizeof label, "%s @ %s", e->term, e->outcome);
                    else
                        snprintf(label, sizeof label, "%s", e->term);
                    if (strcmp(label, c->margin_labels[r]) != 0)
                        continue;
                    found = 1;
                    assert_rel(e->std_error, sqrt(c->margin_V[r * c->n_margins + r]), 1e-6);
                }
                assert_true(found);
            }
        }
        partreg_analysis_free(a);
    }
}

/* The same covariance at 1 and 2 threads, bit for bit (linearisation's
 * PSU totals are summed in row order; replicates are refitted one a
 * thread). */
static void test_threads(void **state)
{
    (void)state;
    const char *ids[] = {"nhanes_hichol_probit_design", "apiclus1_api4_ologit_jk1"};
    for (size_t t = 0; t < 2; t++) {
        const ref_case *c = NULL;
        for (size_t ci = 0; ci < N_CASES; ci++)
            if (strcmp(cases[ci].id, ids[t]) == 0)
                c = &cases[ci];
        assert_non_null(c);
        partreg_status s1, s2;
        partreg_error err;
        partreg_analysis *a1 = run_case(c, 1, &s1, &err);
        partreg_analysis *a2 = run_case(c, 2, &s2, &err);
        assert_int_equal(s1, PARTREG_OK);
        assert_int_equal(s2, PARTREG_OK);
        const gsl_matrix *V1 = partreg_fit_vcov(partreg_analysis_fit(a1));
        const gsl_matrix *V2 = partreg_fit_vcov(partreg_analysis_fit(a2));
        assert_int_equal(V1->size1, V2->size1);
        for (size_t i = 0; i < V1->size1; i++)
            for (size_t j = 0; j < V1->size2; j++)
                assert_true(gsl_matrix_get(V1, i, j) == gsl_matrix_get(V2, i, j));
        partreg_analysis_free(a1);
        partreg_analysis_free(a2);
    }
}

/* ---- the library route ----------------------------------------------------- */

/* A stratified cluster sample of n rows: H strata of C clusters, x and a
 * binary y, weights varying by stratum. Deterministic. */
typedef struct toy {
    size_t n, H, C;
    double *X, *y, *w;
    size_t *h, *psu;
} toy;

static void toy_make(toy *t, size_t H, size_t C, size_t m)
{
    t->H = H, t->C = C, t->n = H * C * m;
    t->X = malloc(2 * t->n * sizeof *t->X);
    t->y = malloc(t->n * sizeof *t->y);
    t->w = malloc(t->n * sizeof *t->w);
    t->h = malloc(t->n * sizeof *t->h);
    t->psu = malloc(t->n * sizeof *t->psu);
    unsigned long long s = 88172645463325252ULL;
    for (size_t i = 0; i < t->n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double u1 = (double)(s >> 11) / 9007199254740992.0;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double u2 = (double)(s >> 11) / 9007199254740992.0;
        t->h[i] = i / (C * m);
        t->psu[i] = (i / m) % C; /* codes repeat across strata */
        double x = 2.385 * (u1 - 0.5) + 0.3 * (double)t->psu[i] / (double)C;
        t->X[2 * i] = 1.0;
        t->X[2 * i + 1] = x;
        double p = 1.0 / (1.0 + exp(-(-0.4 + 0.9 * x + 0.2 * (double)t->h[i])));
        t->y[i] = u2 < p;
        t->w[i] = 10.0 + 7.5 * (double)t->h[i] + (double)(i % 3);
    }
}

static void toy_free(toy *t)
{
    free(t->X);
    free(t->y);
    free(t->w);
    free(t->h);
    free(t->psu);
}

static partreg_fit *toy_fit_route(const toy *t, double scale, partreg_lonely_psu rule,
                                  int threads, partreg_kernel kernel, partreg_status *st,
                                  partreg_error *err)
{
    double *w = malloc(t->n * sizeof *w);
    for (size_t i = 0; i < t->n; i++)
        w[i] = scale * t->w[i];
    partreg_survey *s = NULL;
    assert_int_equal(partreg_survey_create(t->n, w, &s, err), PARTREG_OK);
    assert_int_equal(partreg_survey_set_strata(s, t->h, t->H, NULL, err), PARTREG_OK);
    assert_int_equal(partreg_survey_set_psu(s, t->psu, t->C, err), PARTREG_OK);
    assert_int_equal(partreg_survey_set_lonely_psu(s, rule, err), PARTREG_OK);
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, err),
                     PARTREG_OK);
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = threads;
    opt.kernel = kernel;
    partreg_data d = {t->n, 2, t->X, 0, t->y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    *st = partreg_fit_create_survey(&d, spec, s, &opt, &fit, err);
    partreg_model_spec_free(spec);
    partreg_survey_free(s);
    free(w);
    return fit;
}

static partreg_fit *toy_fit(const toy *t, double scale, partreg_lonely_psu rule, int threads,
                            partreg_status *st, partreg_error *err)
{
    return toy_fit_route(t, scale, rule, threads, PARTREG_KERNEL_AUTO, st, err);
}

/* The design variance from the fast route's PSU totals (the logit
 * models' score_sums) is the reference route's (row scores summed row by
 * row) to rounding. */
static void test_routes(void **state)
{
    (void)state;
    toy t;
    toy_make(&t, 7, 5, 61);
    partreg_status s1, s2;
    partreg_error err;
    partreg_fit *f1 = toy_fit_route(&t, 1.0, PARTREG_LONELY_FAIL, 2, PARTREG_KERNEL_AUTO, &s1, &err);
    partreg_fit *f2 =
        toy_fit_route(&t, 1.0, PARTREG_LONELY_FAIL, 2, PARTREG_KERNEL_REFERENCE, &s2, &err);
    assert_int_equal(s1, PARTREG_OK);
    assert_int_equal(s2, PARTREG_OK);
    const gsl_matrix *V1 = partreg_fit_vcov(f1), *V2 = partreg_fit_vcov(f2);
    for (size_t i = 0; i < V1->size1; i++)
        for (size_t j = 0; j < V1->size2; j++)
            assert_rel_floor(gsl_matrix_get(V1, i, j), gsl_matrix_get(V2, i, j), 1e-11,
                             sqrt(gsl_matrix_get(V2, i, i) * gsl_matrix_get(V2, j, j)));
    partreg_fit_free(f1);
    partreg_fit_free(f2);
    toy_free(&t);
}

/* Sampling weights are scale-free: times 100, the same estimates and
 * standard errors (as case weights they would shrink the SEs tenfold). */
static void test_weights_scale_free(void **state)
{
    (void)state;
    toy t;
    toy_make(&t, 4, 6, 50);
    partreg_status s1, s2;
    partreg_error err;
    partreg_fit *f1 = toy_fit(&t, 1.0, PARTREG_LONELY_FAIL, 0, &s1, &err);
    partreg_fit *f2 = toy_fit(&t, 100.0, PARTREG_LONELY_FAIL, 0, &s2, &err);
    assert_int_equal(s1, PARTREG_OK);
    assert_int_equal(s2, PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_type(f1), PARTREG_VCOV_DESIGN);
    for (size_t j = 0; j < 2; j++) {
        partreg_estimate e1, e2;
        partreg_fit_estimate(f1, j, 0.95, &e1, NULL);
        partreg_fit_estimate(f2, j, 0.95, &e2, NULL);
        assert_rel(e2.estimate, e1.estimate, 1e-9);
        assert_rel(e2.std_error, e1.std_error, 1e-9);
        assert_rel(partreg_fit_param_df(f1, j), 4.0 * 6.0 - 4.0, 0);
    }
    /* a design fit refuses the covariances that assume independent rows */
    assert_int_equal(partreg_fit_set_vcov(f1, NULL, PARTREG_VCOV_HC1, NULL, 0, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "survey design");
    double chi2, df, p, lo, hi;
    assert_int_equal(partreg_lr_test(f1, f2, &chi2, &df, &p, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "Wald");
    partreg_data d = {t.n, 2, t.X, 0, t.y, NULL, 2, NULL, NULL};
    assert_int_equal(partreg_fit_profile_ci(f1, &d, 1, 0.95, &lo, &hi, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "Wald");
    partreg_binary_diagnostics bd;
    assert_int_equal(partreg_fit_binary_diagnostics(f1, &d, NULL, &bd, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "Archer-Lemeshow");
    partreg_fit_free(f1);
    partreg_fit_free(f2);
    /* the same bits at 1 and 2 threads */
    f1 = toy_fit(&t, 1.0, PARTREG_LONELY_FAIL, 1, &s1, &err);
    f2 = toy_fit(&t, 1.0, PARTREG_LONELY_FAIL, 2, &s2, &err);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            assert_true(gsl_matrix_get(partreg_fit_vcov(f1), i, j) ==
                        gsl_matrix_get(partreg_fit_vcov(f2), i, j));
    partreg_fit_free(f1);
    partreg_fit_free(f2);
    toy_free(&t);
}

/* PSU codes that repeat across strata, or unique codes from a large code
 * space (the layout's hash path instead of its direct table): the same
 * PSUs, the same bits. */
static void test_psu_codes(void **state)
{
    (void)state;
    toy t;
    toy_make(&t, 4, 6, 50);
    partreg_status st;
    partreg_error err;
    partreg_fit *f1 = toy_fit(&t, 1.0, PARTREG_LONELY_FAIL, 0, &st, &err);
    assert_int_equal(st, PARTREG_OK);
    size_t *unique = malloc(t.n * sizeof *unique);
    for (size_t i = 0; i < t.n; i++)
        unique[i] = 1000 * t.h[i] + 7 * t.psu[i];
    partreg_survey *s = NULL;
    assert_int_equal(partreg_survey_create(t.n, t.w, &s, &err), PARTREG_OK);
    assert_int_equal(partreg_survey_set_strata(s, t.h, t.H, NULL, &err), PARTREG_OK);
    assert_int_equal(partreg_survey_set_psu(s, unique, 1000000, &err), PARTREG_OK);
    partreg_model_spec *spec = NULL;
    partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, NULL);
    partreg_data d = {t.n, 2, t.X, 0, t.y, NULL, 2, NULL, NULL};
    partreg_fit *f2 = NULL;
    assert_int_equal(partreg_fit_create_survey(&d, spec, s, NULL, &f2, &err), PARTREG_OK);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            assert_true(gsl_matrix_get(partreg_fit_vcov(f1), i, j) ==
                        gsl_matrix_get(partreg_fit_vcov(f2), i, j));
    partreg_survey_info info;
    partreg_fit_survey_info(f2, &info);
    assert_int_equal(info.n_psu, 24);
    assert_int_equal(info.n_strata, 4);
    partreg_fit_free(f1);
    partreg_fit_free(f2);
    partreg_model_spec_free(spec);
    partreg_survey_free(s);
    free(unique);
    toy_free(&t);
}

/* A stratum with one PSU: fail names it; the other rules give a variance. */
static void test_lonely(void **state)
{
    (void)state;
    toy t;
    toy_make(&t, 3, 4, 40);
    for (size_t i = 0; i < t.n; i++)
        if (t.h[i] == 2)
            t.psu[i] = 0; /* stratum 2: one PSU */
    partreg_status st;
    partreg_error err;
    partreg_fit *f = toy_fit(&t, 1.0, PARTREG_LONELY_FAIL, 0, &st, &err);
    assert_null(f);
    assert_int_equal(st, PARTREG_EDATA);
    assert_contains(err.message, "stratum 2 has a single PSU");
    assert_contains(err.message, "--lonely-psu");
    double se[3];
    partreg_lonely_psu rules[] = {PARTREG_LONELY_CERTAINTY, PARTREG_LONELY_CENTERED,
                                  PARTREG_LONELY_SCALED};
    for (size_t r = 0; r < 3; r++) {
        f = toy_fit(&t, 1.0, rules[r], 0, &st, &err);
        assert_int_equal(st, PARTREG_OK);
        partreg_survey_info info;
        assert_int_equal(partreg_fit_survey_info(f, &info), 1);
        assert_int_equal(info.n_lonely, 1);
        assert_rel(info.df, 9.0 - 3.0, 0);
        se[r] = sqrt(gsl_matrix_get(partreg_fit_vcov(f), 1, 1));
        partreg_fit_free(f);
    }
    /* scaled = certainty's meat times H / H_ok = 3/2 */
    assert_rel(se[2], se[0] * sqrt(1.5), 1e-9);
    toy_free(&t);
}

/* Every error of the design object. */
static void test_errors(void **state)
{
    (void)state;
    partreg_survey *s = NULL;
    partreg_error err;
    double w[4] = {1, 2, -1, 4};
    assert_int_equal(partreg_survey_create(4, w, &s, &err), PARTREG_EDATA);
    assert_null(s);
    assert_int_equal(err.index, 2);
    double z[4] = {0, 0, 0, 0};
    assert_int_equal(partreg_survey_create(4, z, &s, &err), PARTREG_EDATA);
    assert_int_equal(partreg_survey_create(0, NULL, &s, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_survey_create(4, NULL, &s, &err), PARTREG_OK);
    size_t codes[4] = {0, 1, 5, 1};
    assert_int_equal(partreg_survey_set_strata(s, codes, 2, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(err.index, 2);
    assert_int_equal(partreg_survey_set_psu(s, codes, 3, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_survey_set_lonely_psu(s, (partreg_lonely_psu)9, &err),
                     PARTREG_EINVAL);
    unsigned char none[4] = {0, 0, 0, 0};
    assert_int_equal(partreg_survey_set_subpop(s, none, &err), PARTREG_EDATA);
    double rw[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(partreg_survey_set_replicates(s, rw, 1, PARTREG_REP_BRR, 0, 0, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_survey_set_replicates(s, rw, 2, PARTREG_REP_FAY, 0, 0, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "rho");
    assert_int_equal(partreg_survey_set_replicates(s, rw, 2, PARTREG_REP_BRR, 0.5, 0, &err),
                     PARTREG_EINVAL);
    rw[5] = NAN;
    assert_int_equal(partreg_survey_set_replicates(s, rw, 2, PARTREG_REP_BRR, 0, 0, &err),
                     PARTREG_EDATA);
    partreg_survey_free(s);
    partreg_survey_free(NULL);
    partreg_lonely_psu rule;
    partreg_rep_type type;
    assert_int_equal(partreg_lonely_psu_parse("adjust", &rule, &err), PARTREG_EINVAL);
    assert_contains(err.message, "centered");
    assert_int_equal(partreg_rep_type_parse("jk2", &type, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_rep_type_parse("fay", &type, &err), PARTREG_OK);
    assert_int_equal(type, PARTREG_REP_FAY);
    /* an fpc that varies within a stratum, and one below the PSUs sampled */
    toy t;
    toy_make(&t, 2, 3, 30);
    partreg_data d = {t.n, 2, t.X, 0, t.y, NULL, 2, NULL, NULL};
    partreg_model_spec *spec = NULL;
    partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, NULL);
    double *fpc = malloc(t.n * sizeof *fpc);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < t.n; i++)
            fpc[i] = pass == 0 ? 100.0 + (double)(i == 7) : pass == 1 ? 2.0 : 0.25;
        partreg_survey_create(t.n, t.w, &s, NULL);
        partreg_survey_set_strata(s, t.h, t.H, NULL, NULL);
        partreg_survey_set_psu(s, t.psu, t.C, NULL);
        partreg_survey_set_fpc(s, fpc, NULL);
        partreg_fit *f = NULL;
        partreg_status st = partreg_fit_create_survey(&d, spec, s, NULL, &f, &err);
        if (pass == 2) {
            assert_int_equal(st, PARTREG_OK);
            partreg_fit_free(f);
        } else {
            assert_int_equal(st, PARTREG_EINVAL);
            assert_contains(err.message, pass == 0 ? "varies within stratum" : "were sampled");
        }
        /* case weights and a design do not combine */
        partreg_data dw = d;
        dw.w = t.w;
        assert_int_equal(partreg_fit_create_survey(&dw, spec, s, NULL, &f, &err), PARTREG_EINVAL);
        assert_contains(err.message, "frequency");
        partreg_survey_free(s);
    }
    free(fpc);
    partreg_model_spec_free(spec);
    toy_free(&t);
}

/* The analysis refuses options that a design replaces, with the reason. */
static void test_analysis_refusals(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/apistrat.csv", PARTREG_TEST_DATA_DIR);
    struct {
        const char *weights, *cluster, *repweights, *subpop;
        partreg_vcov_type vcov;
        partreg_ci_method ci;
        int brant, rep_type_given;
        const char *family_formula;
        partreg_status want;
        const char *says;
    } bad[] = {
        {"pw", NULL, NULL, NULL, PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 0, 0, NULL, PARTREG_EINVAL,
         "--sampling-weights"},
        {NULL, "dnum", NULL, NULL, PARTREG_VCOV_CLUSTER, PARTREG_CI_WALD, 0, 0, NULL,
         PARTREG_EINVAL, "--psu"},
        {NULL, NULL, NULL, NULL, PARTREG_VCOV_HC1, PARTREG_CI_WALD, 0, 0, NULL, PARTREG_EINVAL,
         "drop --vcov"},
        {NULL, NULL, NULL, NULL, PARTREG_VCOV_MODEL, PARTREG_CI_PROFILE, 0, 0, NULL,
         PARTREG_EUNSUPPORTED, "Wald"},
        {NULL, NULL, NULL, NULL, PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 1, 0,
         "api4 ~ meals + ell", PARTREG_EUNSUPPORTED, "--nominal"},
        {NULL, NULL, "bs*", NULL, PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 0, 0, NULL,
         PARTREG_EINVAL, "--rep-type"},
        {NULL, NULL, "zz*", NULL, PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 0, 1, NULL,
         PARTREG_ENOTFOUND, "no column name starts with 'zz'"},
        {NULL, NULL, NULL, "stype=Q", PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 0, 0, NULL,
         PARTREG_EDATA, "no row"},
        {NULL, NULL, NULL, "stype", PARTREG_VCOV_MODEL, PARTREG_CI_WALD, 0, 0, NULL,
         PARTREG_EDATA, "--subpop \"stype="},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        partreg_analysis_spec s = partreg_analysis_spec_default();
        const char *lv[] = {"low", "lower-mid", "upper-mid", "high"};
        s.formula = bad[b].family_formula ? bad[b].family_formula : "awards ~ meals + ell";
        if (bad[b].family_formula) {
            s.frame.levels = lv;
            s.frame.n_levels = 4;
        }
        s.frame.sampling_weights = "pw";
        s.frame.strata = bad[b].repweights ? NULL : "stype";
        s.frame.weights = bad[b].weights;
        s.frame.cluster = bad[b].cluster;
        s.frame.repweights = bad[b].repweights;
        s.frame.subpop = bad[b].subpop;
        s.vcov = bad[b].vcov;
        s.ci = bad[b].ci;
        s.brant = bad[b].brant;
        s.survey.rep_type_given = bad[b].rep_type_given;
        partreg_analysis *a = NULL;
        partreg_error err;
        partreg_status st = partreg_analysis_run(path, &s, &a, &err);
        if (st != bad[b].want)
            print_error("case %zu: status %d (%s)\n", b, (int)st, err.message);
        assert_int_equal(st, bad[b].want);
        assert_null(a);
        assert_contains(err.message, bad[b].says);
    }
}

/* A design read from Stata and SPSS files (tests/ref/survey_readstat.R:
 * apistrat's columns written by haven) gives the CSV's numbers: the
 * weight, strata and fpc variables are ordinary columns. */
static void test_readstat_design(void **state)
{
    (void)state;
#if PARTREG_HAVE_READSTAT
    const char *files[] = {"apistrat.csv", "apistrat_design.dta", "apistrat_design.sav"};
    double se[3][4];
    for (size_t f = 0; f < 3; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, files[f]);
        partreg_analysis_spec s = partreg_analysis_spec_default();
        s.formula = "awards ~ meals + ell + mobility";
        s.frame.sampling_weights = "pw";
        s.frame.strata = "stype";
        s.frame.fpc = "fpc";
        partreg_analysis *a = NULL;
        partreg_error err;
        partreg_status st = partreg_analysis_run(path, &s, &a, &err);
        if (st != PARTREG_OK)
            print_error("%s: %s\n", files[f], err.message);
        assert_int_equal(st, PARTREG_OK);
        const partreg_fit *fit = partreg_analysis_fit(a);
        partreg_survey_info info;
        assert_int_equal(partreg_fit_survey_info(fit, &info), 1);
        assert_int_equal(info.n_strata, 3);
        assert_int_equal(info.n_psu, 200);
        for (size_t j = 0; j < 4; j++)
            se[f][j] = sqrt(gsl_matrix_get(partreg_fit_vcov(fit), j, j));
        partreg_analysis_free(a);
    }
    for (size_t f = 1; f < 3; f++)
        for (size_t j = 0; j < 4; j++)
            assert_rel(se[f][j], se[0][j], 1e-12);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_cases),   cmocka_unit_test(test_threads),
        cmocka_unit_test(test_weights_scale_free), cmocka_unit_test(test_lonely),
        cmocka_unit_test(test_errors),            cmocka_unit_test(test_analysis_refusals),
        cmocka_unit_test(test_psu_codes),         cmocka_unit_test(test_readstat_design),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
