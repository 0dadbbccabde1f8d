/* Ordinal models with nominal (cut-specific) and scale effects
 * (lib/models/nominal_scale.c) and their tests (lib/inference/
 * ordinal_tests.c, lib/report/analysis_ordinal.c):
 * - fits through the whole analysis against R (tests/ref/ref_nominal.h,
 *   ref_scale.h from tests/ref/nominal.R and scale.R: the exact
 *   likelihood maximised by Newton, cross-checked with ordinal::clm and
 *   VGAM::vglm; estimates 1e-6, standard errors and covariances 1e-5);
 * - nominal and scale LR tests per variable (ref_nominal_test.h) and the
 *   autofit Wald tests of every step (ref_autofit.h) at 1e-6;
 * - the model's predictions: probability gradients and derivatives along
 *   a direction against central differences;
 * - metamorphic checks: weights = duplicated rows; equal cut-specific
 *   slopes and a zero scale give the parallel model's log-likelihood;
 * - crossing cumulative probabilities counted as partreg_fit_predict sees
 *   them; every refusal of the specification setters. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "routes.h"
#include "testutil.h"

#include "models/fit_internal.h"
#include "models/nominal_scale.h"
#include "ref/ref_autofit.h"
#include "ref/ref_nominal.h"
#include "ref/ref_nominal_test.h"
#include "ref/ref_scale.h"
#include "report/analysis_internal.h"

#define EST_TOL 1e-6
#define SE_TOL 1e-5
#define TEST_TOL 1e-6

#define DATA(f) PARTREG_TEST_DATA_DIR "/" f
#define SURVEY PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv"

/* ---- running analyses -------------------------------------------------- */

typedef struct run_opts {
    const char *path, *formula, *levels, *nominal, *scale, *weights;
    const char *refs[4]; /* VAR=LEVEL */
    partreg_link link;
    int nominal_test, scale_test, autofit;
    double alpha;
} run_opts;

static partreg_analysis *run(const run_opts *r)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = r->formula;
    s.link = r->link;
    s.frame.family_auto = 0;
    s.frame.family = PARTREG_ORDINAL;
    char buf[256];
    const char *levels[16];
    size_t nl = 0;
    snprintf(buf, sizeof buf, "%s", r->levels);
    for (char *t = strtok(buf, ","); t && nl < 16; t = strtok(NULL, ","))
        levels[nl++] = t;
    s.frame.levels = levels;
    s.frame.n_levels = nl;
    const char *rv[4], *rl[4];
    char rb[4][64];
    size_t nr = 0;
    for (; nr < 4 && r->refs[nr]; nr++) {
        snprintf(rb[nr], sizeof rb[nr], "%s", r->refs[nr]);
        char *eq = strchr(rb[nr], '=');
        *eq = '\0';
        rv[nr] = rb[nr];
        rl[nr] = eq + 1;
    }
    s.frame.ref_variables = rv;
    s.frame.ref_levels = rl;
    s.frame.n_refs = nr;
    s.frame.weights = r->weights;
    s.frame.scale = r->scale;
    s.nominal = r->nominal;
    s.nominal_test = r->nominal_test;
    s.scale_test = r->scale_test;
    s.autofit = r->autofit;
    if (r->alpha > 0)
        s.autofit_alpha = r->alpha;
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(r->path, &s, &a, &err);
    if (st != PARTREG_OK)
        print_error("analysis: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    return a;
}

/* The reference name of parameter j: "term", "term @ cut", "A|B" or
 * "scale:term". */
static void ref_name(const partreg_fit *fit, size_t j, char *buf, size_t size)
{
    const char *term = partreg_fit_param_term(fit, j), *cut = partreg_fit_param_cut(fit, j);
    if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_SCALE)
        snprintf(buf, size, "scale:%s", term);
    else if (cut)
        snprintf(buf, size, "%s @ %s", term, cut);
    else
        snprintf(buf, size, "%s", term);
}

static size_t find_param(const partreg_fit *fit, const char *name)
{
    char buf[256];
    for (size_t j = 0; j < partreg_fit_n_parameters(fit); j++) {
        ref_name(fit, j, buf, sizeof buf);
        if (strcmp(buf, name) == 0)
            return j;
    }
    print_error("no parameter '%s'\n", name);
    fail();
    return 0;
}

/* Estimates, SEs (and the covariance when given) and loglik against R;
 * every parameter of the fit is one of the reference's. */
static void check_fit(const partreg_fit *fit, size_t K, const char *const *terms,
                      const double *est, const double *se, const double *vcov, double loglik)
{
    assert_int_equal(partreg_fit_converged(fit), 1);
    assert_int_equal(partreg_fit_n_estimated(fit), K);
    assert_rel(partreg_fit_loglik(fit), loglik, 1e-10);
    size_t idx[64];
    for (size_t r = 0; r < K; r++) {
        idx[r] = find_param(fit, terms[r]);
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, idx[r], 0.95, &e, NULL), PARTREG_OK);
        assert_rel_floor(e.estimate, est[r], EST_TOL, 1e-3);
        assert_rel(e.std_error, se[r], SE_TOL);
    }
    if (!vcov)
        return;
    const gsl_matrix *V = partreg_fit_vcov(fit);
    for (size_t r = 0; r < K; r++)
        for (size_t c = 0; c < K; c++)
            assert_rel_floor(gsl_matrix_get(V, idx[r], idx[c]), vcov[r * K + c], SE_TOL,
                             se[r] * se[c]);
}

#define CHECK_NOMINAL(a, name)                                                                \
    check_fit(partreg_analysis_fit(a), sizeof ref_nominal_##name##_est / sizeof(double),      \
              ref_nominal_##name##_terms, ref_nominal_##name##_est, ref_nominal_##name##_se,   \
              NULL, ref_nominal_##name##_loglik);                                              \
    assert_int_equal(partreg_fit_n_crossing_rows(partreg_analysis_fit(a)),                     \
                     (size_t)ref_nominal_##name##_crossing_rows)

#define CHECK_SCALE(a, name)                                                                  \
    check_fit(partreg_analysis_fit(a), sizeof ref_scale_##name##_est / sizeof(double),        \
              ref_scale_##name##_terms, ref_scale_##name##_est, ref_scale_##name##_se,         \
              &ref_scale_##name##_vcov[0][0], ref_scale_##name##_loglik)

static const run_opts wine = {.path = DATA("wine.csv"), .formula = "rating ~ temp + contact",
                              .levels = "1,2,3,4,5"};
static const run_opts housing = {.path = DATA("housing.csv"),
                                 .formula = "Sat ~ Infl + Type + Cont",
                                 .levels = "Low,Medium,High",
                                 .weights = "Freq",
                                 .refs = {"Infl=Low", "Type=Tower", "Cont=Low"}};
static const run_opts survey = {.path = SURVEY,
                                .formula = "willingness ~ social_capital + age + education + "
                                           "income + insured + gender",
                                .levels = "1,2,3,4,5"};
static const run_opts soup = {.path = DATA("soup.csv"),
                              .formula = "SURENESS ~ PROD + GENDER + AGEGROUP + COLD",
                              .levels = "1,2,3,4,5,6",
                              .refs = {"GENDER=Male"}};

static void test_nominal_links(void **state)
{
    (void)state;
    static const partreg_link links[] = {PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_LOGLOG,
                                         PARTREG_CAUCHIT};
    for (size_t l = 0; l < 4; l++) {
        run_opts r = wine;
        r.nominal = "contact";
        r.link = links[l];
        partreg_analysis *a = run(&r);
        switch (links[l]) {
        case PARTREG_PROBIT: CHECK_NOMINAL(a, wine_probit); break;
        case PARTREG_CLOGLOG: CHECK_NOMINAL(a, wine_cloglog); break;
        case PARTREG_LOGLOG: CHECK_NOMINAL(a, wine_loglog); break;
        default: CHECK_NOMINAL(a, wine_cauchit); break;
        }
        partreg_analysis_free(a);
    }
}

static void test_nominal_data_sets(void **state)
{
    (void)state;
    run_opts r = housing;
    r.nominal = "Cont";
    partreg_analysis *a = run(&r);
    CHECK_NOMINAL(a, housing_logit_weights);
    partreg_analysis_free(a);

    r.nominal = "Infl";
    r.link = PARTREG_CLOGLOG;
    a = run(&r);
    CHECK_NOMINAL(a, housing_cloglog_infl);
    partreg_analysis_free(a);

    r = survey;
    r.nominal = "social_capital";
    a = run(&r);
    CHECK_NOMINAL(a, participation_logit);
    partreg_analysis_free(a);

    r.nominal = "education";
    r.link = PARTREG_CAUCHIT;
    a = run(&r);
    CHECK_NOMINAL(a, participation_cauchit);
    partreg_analysis_free(a);

    r = survey;
    r.formula = "participation_type ~ social_capital + age + education + income + insured + "
                "gender";
    r.levels = "passive,cooperative,autonomous";
    r.nominal = "age + gender";
    r.link = PARTREG_PROBIT;
    a = run(&r);
    CHECK_NOMINAL(a, participation_probit_two);
    partreg_analysis_free(a);

    r = survey;
    r.nominal = "social_capital + age + education + income + insured + gender";
    a = run(&r);
    check_fit(partreg_analysis_fit(a), 32, ref_nominal_all_terms, ref_nominal_all_est,
              ref_nominal_all_se, NULL, ref_nominal_all_loglik);
    partreg_analysis_free(a);
}

static void test_scale_fits(void **state)
{
    (void)state;
    run_opts r = {.path = DATA("soup.csv"), .formula = "SURENESS ~ factor(PRODID)",
                  .levels = "1,2,3,4,5,6"};
    r.scale = "PROD";
    partreg_analysis *a = run(&r);
    CHECK_SCALE(a, soup_logit_prod);
    partreg_analysis_free(a);

    r = soup;
    r.formula = "SURENESS ~ PROD + GENDER";
    r.scale = "EASY";
    r.link = PARTREG_PROBIT;
    a = run(&r);
    CHECK_SCALE(a, soup_probit_easy);
    partreg_analysis_free(a);

    r = survey;
    r.formula = "willingness ~ social_capital + age + gender";
    r.scale = "social_capital";
    r.link = PARTREG_PROBIT;
    a = run(&r);
    CHECK_SCALE(a, participation_probit_numeric);
    partreg_analysis_free(a);

    r.scale = "education";
    r.link = PARTREG_LOGIT;
    a = run(&r);
    CHECK_SCALE(a, participation_logit_factor);
    partreg_analysis_free(a);

    r = survey;
    r.formula = "participation_type ~ social_capital + age + education + income + insured + "
                "gender";
    r.levels = "passive,cooperative,autonomous";
    r.scale = "gender + age";
    r.link = PARTREG_CLOGLOG;
    a = run(&r);
    CHECK_SCALE(a, participation_cloglog_two);
    partreg_analysis_free(a);

    r = housing;
    r.scale = "Cont";
    a = run(&r);
    CHECK_SCALE(a, housing_logit_weights);
    partreg_analysis_free(a);
}

/* ---- per-variable tests ------------------------------------------------ */

static void check_tests(const partreg_variable_tests *t, size_t n, const char *const *vars,
                        const double *chi2, const int *df, const double *p)
{
    assert_int_equal(partreg_variable_tests_n_tests(t), n);
    for (size_t i = 0; i < n; i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(t, i);
        assert_string_equal(e->variable, vars[i]);
        assert_true(e->df == df[i]);
        assert_rel(e->chi2, chi2[i], TEST_TOL);
        assert_rel(e->p_value, p[i], TEST_TOL);
    }
}

#define CHECK_LR(a, name, n)                                                                  \
    do {                                                                                      \
        const partreg_analysis *a_ = (a);                                                     \
        assert_rel(partreg_fit_loglik(partreg_analysis_fit(a_)),                              \
                   ref_nominal_test_##name##_loglik, 1e-10);                                  \
        check_tests(a_->nominal_test, n, ref_nominal_test_##name##_variables,                 \
                    ref_nominal_test_##name##_nominal_chi2,                                   \
                    ref_nominal_test_##name##_nominal_df,                                     \
                    ref_nominal_test_##name##_nominal_p);                                     \
        check_tests(a_->scale_test, n, ref_nominal_test_##name##_variables,                   \
                    ref_nominal_test_##name##_scale_chi2, ref_nominal_test_##name##_scale_df, \
                    ref_nominal_test_##name##_scale_p);                                       \
    } while (0)

static void test_nominal_and_scale_tests(void **state)
{
    (void)state;
    run_opts r = housing;
    r.nominal_test = r.scale_test = 1;
    partreg_analysis *a = run(&r);
    CHECK_LR(a, housing_weights, 3);
    partreg_analysis_free(a);

    r = survey;
    r.formula = "willingness ~ social_capital + age + I(age^2) + education + log(income) + "
                "insured + gender";
    r.nominal_test = r.scale_test = 1;
    a = run(&r);
    CHECK_LR(a, participation_terms, 6);
    partreg_analysis_free(a);

    r = soup;
    r.link = PARTREG_PROBIT;
    r.nominal_test = r.scale_test = 1;
    a = run(&r);
    CHECK_LR(a, soup_probit, 4);
    partreg_analysis_free(a);

    /* wine: the refit with temp nominal runs off to infinity (no warm wine
     * is rated 1, no cold one 5): no statistic, said so */
    r = wine;
    r.nominal_test = r.scale_test = 1;
    a = run(&r);
    const partreg_variable_test *e = partreg_variable_tests_get(a->nominal_test, 0);
    assert_string_equal(e->variable, "temp");
    assert_int_equal(e->diverges, 1);
    assert_true(isnan(e->chi2) && isnan(e->p_value));
    assert_true(e->df == 3);
    e = partreg_variable_tests_get(a->nominal_test, 1);
    assert_rel(e->chi2, ref_nominal_test_wine_logit_nominal_chi2[1], TEST_TOL);
    check_tests(a->scale_test, 2, ref_nominal_test_wine_logit_variables,
                ref_nominal_test_wine_logit_scale_chi2, ref_nominal_test_wine_logit_scale_df,
                ref_nominal_test_wine_logit_scale_p);
    partreg_analysis_free(a);
}

/* Every step's Wald tests of equal slopes, and the steps autofit takes. */
static void test_autofit_steps(void **state)
{
    (void)state;
    const char *const *vars[] = {
        ref_autofit_participation_logit_fit0_variables,
        ref_autofit_participation_logit_fit1_variables,
        ref_autofit_participation_logit_fit2_variables,
        ref_autofit_participation_logit_fit3_variables};
    const double *chi2[] = {ref_autofit_participation_logit_fit0_chi2,
                            ref_autofit_participation_logit_fit1_chi2,
                            ref_autofit_participation_logit_fit2_chi2,
                            ref_autofit_participation_logit_fit3_chi2};
    const int *df[] = {ref_autofit_participation_logit_fit0_df,
                       ref_autofit_participation_logit_fit1_df,
                       ref_autofit_participation_logit_fit2_df,
                       ref_autofit_participation_logit_fit3_df};
    const double *p[] = {ref_autofit_participation_logit_fit0_p,
                         ref_autofit_participation_logit_fit1_p,
                         ref_autofit_participation_logit_fit2_p,
                         ref_autofit_participation_logit_fit3_p};
    for (size_t k = 0; k < 4; k++) {
        char list[256] = "";
        for (size_t i = 0; i < 6 - k; i++) {
            strcat(list, i ? " + " : "");
            strcat(list, vars[k][i]);
        }
        run_opts r = survey;
        r.nominal = list;
        partreg_analysis *a = run(&r);
        partreg_variable_tests *t = NULL;
        assert_int_equal(partreg_equal_slopes_test(partreg_analysis_fit(a),
                                                   partreg_analysis_frame(a), &t, NULL),
                         PARTREG_OK);
        check_tests(t, 6 - k, vars[k], chi2[k], df[k], p[k]);
        partreg_variable_tests_free(t);
        partreg_analysis_free(a);
    }
    run_opts r = survey;
    r.autofit = 1;
    partreg_analysis *a = run(&r);
    static const char *const order[] = {"age", "education", "social_capital", "income",
                                        "insured", "gender"};
    assert_int_equal(partreg_variable_tests_n_tests(a->autofit), 6);
    for (size_t i = 0; i < 6; i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(a->autofit, i);
        assert_string_equal(e->variable, order[i]);
        assert_int_equal(e->step, (int)i + 1);
    }
    /* the final model is the parallel one */
    assert_string_equal(partreg_fit_model_name(partreg_analysis_fit(a)), "cumulative");
    partreg_analysis_free(a);
}

/* ---- the model's predictions -------------------------------------------- */

/* dP/dpar and dD/dpar (D along dx) of the nominal + scale wine model at
 * its estimate, and D itself, against central differences. */
static void test_predict_derivatives(void **state)
{
    (void)state;
    run_opts r = wine;
    r.nominal = "contact";
    r.scale = "temp";
    r.link = PARTREG_PROBIT;
    partreg_analysis *a = run(&r);
    const partreg_fit *fit = partreg_analysis_fit(a);
    const partreg_model *m = &fit->model;
    size_t K = fit->K, J = fit->J, ns = m->ops->predict_scratch(m);
    double *scr = malloc(ns * sizeof *scr), *par = malloc(K * sizeof *par);
    double *P = calloc(J, sizeof *P), *dP = calloc(J * K, sizeof *dP);
    double *Pp = calloc(J, sizeof *Pp), *Pm = calloc(J, sizeof *Pm);
    assert_non_null(scr);
    assert_non_null(par);
    const double x[2] = {1.0, 1.0}, dx[2] = {0.37, -0.81};
    memcpy(par, fit->par->data, K * sizeof *par);
    for (int dir = 0; dir < 2; dir++) {
        const double *d = dir ? dx : NULL;
        memset(P, 0, J * sizeof *P);
        memset(dP, 0, J * K * sizeof *dP);
        m->ops->predict(m, par, x, d, 1.0, P, dP, scr);
        double sum = 0;
        for (size_t c = 0; c < J; c++)
            sum += P[c];
        assert_rel_floor(sum, dir ? 0.0 : 1.0, 1e-12, 1.0);
        for (size_t j = 0; j < K; j++) {
            double h = 1e-6 * (1.0 + fabs(par[j])), keep = par[j];
            memset(Pp, 0, J * sizeof *Pp);
            memset(Pm, 0, J * sizeof *Pm);
            par[j] = keep + h;
            m->ops->predict(m, par, x, d, 1.0, Pp, NULL, scr);
            par[j] = keep - h;
            m->ops->predict(m, par, x, d, 1.0, Pm, NULL, scr);
            par[j] = keep;
            for (size_t c = 0; c < J; c++)
                assert_rel_floor(dP[c * K + j], (Pp[c] - Pm[c]) / (2 * h), 1e-6, 1e-3);
        }
        if (!dir)
            continue;
        /* D_c = dP_c/dt along dx: x + t dx */
        double xp[2], xm[2], t = 1e-6;
        for (int c = 0; c < 2; c++) {
            xp[c] = x[c] + t * dx[c];
            xm[c] = x[c] - t * dx[c];
        }
        memset(Pp, 0, J * sizeof *Pp);
        memset(Pm, 0, J * sizeof *Pm);
        m->ops->predict(m, par, xp, NULL, 1.0, Pp, NULL, scr);
        m->ops->predict(m, par, xm, NULL, 1.0, Pm, NULL, scr);
        for (size_t c = 0; c < J; c++)
            assert_rel_floor(P[c], (Pp[c] - Pm[c]) / (2 * t), 1e-6, 1e-3);
    }
    /* the cumulative probabilities are the sums of the category ones */
    double cum[8];
    memset(P, 0, J * sizeof *P);
    m->ops->predict(m, par, x, NULL, 1.0, P, NULL, scr);
    m->ops->cumulative(m, par, x, cum);
    double s = 0;
    for (size_t j = 0; j + 1 < J; j++) {
        s += P[j];
        assert_rel_floor(cum[j], s, 1e-13, 1.0);
    }
    free(scr);
    free(par);
    free(P);
    free(dP);
    free(Pp);
    free(Pm);
    partreg_analysis_free(a);
}

/* ---- metamorphic checks --------------------------------------------------- */

/* A small ordinal problem: n rows, 2 columns, J = 4. */
#define SN 240
static void small_data(double *X, double *y, double *w)
{
    unsigned long s = 12345;
    for (size_t i = 0; i < SN; i++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        double u1 = (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        double u2 = (double)(s >> 11) / 9007199254740992.0;
        X[2 * i] = 4.0 * u1 - 2.0;
        X[2 * i + 1] = u2 < 0.45 ? 1.0 : 0.0;
        double eta = 0.9 * X[2 * i] + 0.6 * X[2 * i + 1] + 1.3 * (u2 - 0.5) * 3.0;
        y[i] = eta < -1.0 ? 0 : eta < 0.3 ? 1 : eta < 1.4 ? 2 : 3;
        w[i] = (double)(1 + i % 3);
    }
}

static void test_weights_equal_duplicates(void **state)
{
    (void)state;
    double X[2 * SN], y[SN], w[SN];
    small_data(X, y, w);
    size_t N = 0;
    for (size_t i = 0; i < SN; i++)
        N += (size_t)w[i];
    double *Xd = malloc(2 * N * sizeof *Xd), *yd = malloc(N * sizeof *yd);
    assert_non_null(Xd);
    assert_non_null(yd);
    size_t r = 0;
    for (size_t i = 0; i < SN; i++)
        for (int k = 0; k < (int)w[i]; k++, r++) {
            Xd[2 * r] = X[2 * i];
            Xd[2 * r + 1] = X[2 * i + 1];
            yd[r] = y[i];
        }
    partreg_data dw = {SN, 2, X, 0, y, w, 4, NULL, NULL};
    partreg_data dd = {N, 2, Xd, 0, yd, NULL, 4, NULL, NULL};
    size_t nom[1] = {1}, sc[1] = {0};
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_CLOGLOG, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, nom, NULL), 0);
    assert_int_equal(partreg_model_spec_set_scale(spec, 1, sc, NULL, NULL), 0);
    partreg_fit *fw = NULL, *fd = NULL;
    assert_int_equal(partreg_fit_create_spec(&dw, spec, NULL, &fw, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_create_spec(&dd, spec, NULL, &fd, NULL), PARTREG_OK);
    assert_rel(partreg_fit_loglik(fw), partreg_fit_loglik(fd), 1e-10);
    for (size_t j = 0; j < partreg_fit_n_parameters(fw); j++) {
        partreg_estimate a, b;
        partreg_fit_estimate(fw, j, 0.95, &a, NULL);
        partreg_fit_estimate(fd, j, 0.95, &b, NULL);
        assert_rel_floor(a.estimate, b.estimate, 1e-8, 1e-3);
        assert_rel(a.std_error, b.std_error, 1e-7);
    }
    partreg_fit_free(fw);
    partreg_fit_free(fd);
    partreg_model_spec_free(spec);
    free(Xd);
    free(yd);
}

/* The nominal + scale objective at beta_j = beta (every cut) and gamma = 0
 * is the parallel model's log-likelihood there, and the reference route's
 * gradient sums the parallel one's. */
static void test_parallel_point(void **state)
{
    (void)state;
    double X[2 * SN], y[SN], w[SN];
    small_data(X, y, w);
    partreg_data d = {SN, 2, X, 0, y, w, 4, NULL, NULL};
    partreg_fit *par = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &par, NULL), 0);
    size_t nom[1] = {1}, sc[2] = {0, 1};
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, nom, NULL), 0);
    assert_int_equal(partreg_model_spec_set_scale(spec, 2, sc, NULL, NULL), 0);
    partreg_fit *ns = NULL;
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &ns, NULL), PARTREG_OK);
    /* free vector of ns: beta (col 0), theta (3), beta_j (3 cuts x col 1), gamma (2) */
    const double *b = par->theta->data; /* beta0, beta1, theta1..3 */
    double th[10] = {b[0], b[2], b[3], b[4], b[1], b[1], b[1], 0.0, 0.0};
    partreg_design dd;
    partreg_fit_design(ns, &d, &dd);
    partreg_objective obj;
    partreg_fit_objective(ns, &dd, &obj);
    assert_int_equal(obj.k, 9);
    partreg_accum *acc = partreg_accum_alloc(9);
    assert_int_equal(partreg_objective_eval(&obj, th, PARTREG_ORDER_HESSIAN, 1, 0, acc), 0);
    assert_rel(acc->loglik, partreg_fit_loglik(par), 1e-12);
    /* at the parallel maximum the parallel directions have zero gradient:
     * beta, the thresholds, and the sum over cuts of the nominal column's */
    double g1 = acc->grad[4] + acc->grad[5] + acc->grad[6];
    for (size_t j = 0; j < 4; j++)
        assert_true(fabs(acc->grad[j]) < 1e-6);
    assert_true(fabs(g1) < 1e-6);
    partreg_accum_free(acc);
    partreg_fit_free(ns);
    partreg_fit_free(par);
    partreg_model_spec_free(spec);
}

/* Cut-specific slopes fitted to rows far out in x: the cumulative
 * probabilities cross at some rows, and the fit counts the rows where
 * partreg_fit_predict gives a negative probability. */
static void test_crossing_rows(void **state)
{
    (void)state;
    /* the bulk from P(Y <= 0) = F(-1 - x), P(Y <= 1) = F(1 - 0.3 x), x in
     * [-1, 1], where the two cut lines stay apart (they meet at x = -2.86);
     * five rows at x = -6 in the lowest level lie beyond that */
    enum { N = 405 };
    double X[N], y[N];
    unsigned long s = 777;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        double u = (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        double v = (double)(s >> 11) / 9007199254740992.0;
        X[i] = i < 400 ? 2.0 * u - 1.0 : -6.0;
        double F0 = 1.0 / (1.0 + exp(1.0 + X[i])), F1 = 1.0 / (1.0 + exp(-1.0 + 0.3 * X[i]));
        y[i] = i >= 400 || v < F0 ? 0 : v < F1 ? 1 : 2;
    }
    partreg_data d = {N, 1, X, 0, y, NULL, 3, NULL, NULL};
    size_t nom[1] = {0};
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, nom, NULL), 0);
    partreg_fit *fit = NULL;
    partreg_status st = partreg_fit_create_spec(&d, spec, NULL, &fit, NULL);
    assert_int_equal(st, PARTREG_OK);
    gsl_matrix *P = gsl_matrix_alloc(N, 3);
    assert_int_equal(partreg_fit_predict(fit, &d, P, NULL), PARTREG_OK);
    size_t neg = 0;
    for (size_t i = 0; i < N; i++)
        neg += gsl_matrix_get(P, i, 0) < 0 || gsl_matrix_get(P, i, 1) < 0 ||
               gsl_matrix_get(P, i, 2) < 0;
    assert_true(neg > 0);
    assert_int_equal(partreg_fit_n_crossing_rows(fit), neg);
    int warned = 0;
    for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++)
        warned |= strstr(partreg_fit_warning(fit, i), "cross") != NULL;
    assert_true(warned);
    gsl_matrix_free(P);
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
}

/* ---- the fast route against the reference route ------------------------------ */

/* The fast route (kernels/nominal_sums.c) adds what the reference route
 * adds, to a relative 1e-11 of each entry's scale, at points away from the
 * estimate (where the logit closed forms meet narrow categories, D >= 1/2,
 * and far cut points, and take the general route for those rows), for
 * every link, with weights and with a column dropped; every fast kernel
 * route this machine runs (routes.h) gives the same bits, and the fit's
 * reference route (partreg_fit_options.kernel) is partreg_ns_objective_ref. */
static void compare_routes(const partreg_data *d, partreg_link link, const size_t *nom,
                           size_t nn, double shift)
{
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, link, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, nn, nom, NULL), 0);
    partreg_fit *fit = NULL;
    partreg_status st = partreg_fit_create_spec(d, spec, NULL, &fit, NULL);
    assert_true(st == PARTREG_OK || st == PARTREG_ESEPARATION || st == PARTREG_ENOTCONVERGED);
    partreg_design dd;
    partreg_fit_design(fit, d, &dd);
    partreg_objective fast, ref;
    partreg_fit_objective(fit, &dd, &fast);
    partreg_ns_objective_ref(&fit->model, &dd, &ref);
    assert_true(fast.accumulate != ref.accumulate);
    size_t k = fast.k;
    double *th = malloc(k * sizeof *th);
    memcpy(th, fit->theta->data, k * sizeof *th);
    for (size_t j = 0; j < k; j++) /* move off the estimate, thresholds apart */
        th[j] += shift * (0.3 + 0.1 * (double)(j % 3));
    partreg_accum *A = partreg_accum_alloc(k), *B = partreg_accum_alloc(k);
    for (int order = PARTREG_ORDER_VALUE; order <= PARTREG_ORDER_HESSIAN; order++) {
        partreg_accum_zero(A);
        partreg_accum_zero(B);
        assert_int_equal(partreg_objective_eval(&fast, th, (partreg_order)order, 2, 0, A), 0);
        assert_int_equal(partreg_objective_eval(&ref, th, (partreg_order)order, 1, 0, B), 0);
        for (size_t r = 0; r < TEST_N_ROUTES; r++) {
            if (!test_route_runs(test_routes[r]))
                continue;
            partreg_design dr = dd;
            dr.kernel = test_routes[r];
            partreg_objective ro;
            partreg_fit_objective(fit, &dr, &ro);
            if (test_routes[r] == PARTREG_KERNEL_REFERENCE) {
                assert_true(ro.accumulate == ref.accumulate);
                continue;
            }
            partreg_accum *C = partreg_accum_alloc(k);
            assert_int_equal(partreg_objective_eval(&ro, th, (partreg_order)order, 2, 0, C), 0);
            assert_true(C->loglik == A->loglik || (isnan(C->loglik) && isnan(A->loglik)));
            assert_int_equal(C->nonfinite, A->nonfinite);
            if (!A->nonfinite) {
                assert_memory_equal(C->grad, A->grad, k * sizeof(double));
                assert_memory_equal(C->info, A->info, k * k * sizeof(double));
            }
            partreg_accum_free(C);
        }
        assert_int_equal(A->nonfinite, B->nonfinite);
        if (B->nonfinite)
            break;
        assert_rel(A->loglik, B->loglik, 1e-12);
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double gs = 0, is = 0;
        /* at the estimate the gradient is rounding noise: its scale is the
         * log-likelihood's */
        gs = 1e-12 * fabs(B->loglik) / 1e-11;
        for (size_t j = 0; j < k; j++)
            gs = fmax(gs, fabs(B->grad[j]));
        for (size_t j = 0; j < k * k; j++)
            is = fmax(is, fabs(B->info[j]));
        for (size_t j = 0; j < k; j++)
            assert_rel_floor(A->grad[j], B->grad[j], 1e-11, gs);
        if (order == PARTREG_ORDER_HESSIAN)
            for (size_t a = 0; a < k; a++)
                for (size_t c = 0; c <= a; c++)
                    assert_rel_floor(A->info[a * k + c], B->info[a * k + c], 1e-11, is);
    }
    partreg_accum_free(A);
    partreg_accum_free(B);
    free(th);
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
}

static void test_fast_route(void **state)
{
    (void)state;
    double X[2 * SN], y[SN], w[SN];
    small_data(X, y, w);
    /* three columns: the two, and the second again (dropped as collinear) */
    double X3[3 * SN];
    for (size_t i = 0; i < SN; i++) {
        X3[3 * i] = X[2 * i];
        X3[3 * i + 1] = X[2 * i + 1];
        X3[3 * i + 2] = 2.0 * X[2 * i + 1];
    }
    static const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                         PARTREG_LOGLOG, PARTREG_CAUCHIT};
    size_t one[1] = {1}, both[2] = {0, 1}, first[1] = {0};
    for (size_t l = 0; l < 5; l++) {
        partreg_data dw = {SN, 2, X, 0, y, w, 4, NULL, NULL};
        partreg_data du = {SN, 2, X, 0, y, NULL, 4, NULL, NULL};
        partreg_data d3 = {SN, 3, X3, 0, y, w, 4, NULL, NULL};
        for (int sh = 0; sh < 3; sh++) {
            double shift = sh == 0 ? 0.0 : sh == 1 ? 0.05 : -0.08;
            compare_routes(&dw, links[l], one, 1, shift);
            compare_routes(&du, links[l], both, 2, shift);
            compare_routes(&d3, links[l], first, 1, shift);
        }
    }
    /* a narrow middle category (its cut points 0.2 apart: D > 1/2 for the
     * logit closed forms) and rows far out (|x| beyond the closed forms'
     * range): the logit route hands those rows to the general one */
    double Xn[SN], yn[SN];
    unsigned long r = 99;
    for (size_t i = 0; i < SN; i++) {
        r = r * 6364136223846793005UL + 1442695040888963407UL;
        double u = ((double)(r >> 11) + 0.5) / 9007199254740992.0, v = X[2 * i] + log(u / (1 - u));
        Xn[i] = i < 10 ? 700.0 * (i % 2 ? 1.0 : -1.0) : X[2 * i];
        yn[i] = i < 10 ? (i % 2 ? 2 : 0) : v < -0.3 ? 0 : v < -0.1 ? 1 : 2;
    }
    partreg_data dn = {SN, 1, Xn, 0, yn, NULL, 3, NULL, NULL};
    size_t c0[1] = {0};
    compare_routes(&dn, PARTREG_LOGIT, c0, 1, 0.0);
}

/* ---- refusals -------------------------------------------------------------- */

static void test_refusals(void **state)
{
    (void)state;
    partreg_model_spec *spec = NULL;
    partreg_error err;
    size_t cols[2] = {0, 0};
    assert_int_equal(partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, cols, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "ordinal");
    assert_int_equal(partreg_model_spec_set_scale(spec, 1, cols, NULL, &err),
                     PARTREG_EUNSUPPORTED);
    partreg_model_spec_free(spec);
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &spec, NULL), 0);
    assert_int_equal(partreg_model_spec_set_nominal(spec, 2, cols, &err), PARTREG_EINVAL);
    assert_contains(err.message, "twice");
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_nominal(NULL, 0, NULL, &err), PARTREG_EINVAL);
    /* a column out of range is refused by the fit */
    double X[2 * SN], y[SN], w[SN];
    small_data(X, y, w);
    partreg_data d = {SN, 2, X, 0, y, NULL, 4, NULL, NULL};
    size_t far[1] = {5};
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, far, NULL), 0);
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, &err), PARTREG_EINVAL);
    assert_null(fit);
    assert_contains(err.message, "out of range");
    /* a nominal column cannot be a scale-only one */
    size_t one[1] = {1};
    unsigned char only[1] = {1};
    assert_int_equal(partreg_model_spec_set_nominal(spec, 1, one, NULL), 0);
    assert_int_equal(partreg_model_spec_set_scale(spec, 1, one, only, NULL), 0);
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, &err), PARTREG_EINVAL);
    assert_contains(err.message, "scale only");
    /* clearing both settings gives the plain model back */
    assert_int_equal(partreg_model_spec_set_nominal(spec, 0, NULL, NULL), 0);
    assert_int_equal(partreg_model_spec_set_scale(spec, 0, NULL, NULL, NULL), 0);
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, NULL), PARTREG_OK);
    assert_string_equal(partreg_fit_model_name(fit), "cumulative");
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
    /* the Brant test refuses a nominal model and names the alternatives */
    run_opts r = wine;
    r.nominal = "contact";
    partreg_analysis *a = run(&r);
    partreg_data fd;
    partreg_frame_data(partreg_analysis_frame(a), &fd);
    partreg_brant *b = NULL;
    assert_int_equal(partreg_brant_test(partreg_analysis_fit(a), &fd, &b, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "--parallel-test");
    partreg_analysis_free(a);
}

/* Analysis-level refusals: unknown nominal variables, binary models,
 * --nominal with --autofit, a malformed scale formula with its position. */
static void test_analysis_refusals(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "rating ~ temp + contact";
    partreg_analysis *a = NULL;
    partreg_error err;
    s.nominal = "judge";
    assert_int_equal(partreg_analysis_run(DATA("wine.csv"), &s, &a, &err), PARTREG_ENOTFOUND);
    assert_contains(err.message, "'judge'");
    s.nominal = "contact";
    s.autofit = 1;
    assert_int_equal(partreg_analysis_run(DATA("wine.csv"), &s, &a, &err), PARTREG_EINVAL);
    assert_contains(err.message, "--autofit");
    s.autofit = 0;
    s.nominal = NULL;
    s.frame.scale = "temp +";
    assert_int_equal(partreg_analysis_run(DATA("wine.csv"), &s, &a, &err), PARTREG_EFORMULA);
    assert_contains(err.message, "--scale");
    s.frame.scale = "rating";
    assert_int_equal(partreg_analysis_run(DATA("wine.csv"), &s, &a, &err), PARTREG_EFORMULA);
    assert_contains(err.message, "outcome");
    s.frame.scale = NULL;
    /* binary: mroz */
    partreg_analysis_spec b = partreg_analysis_spec_default();
    b.formula = "lfp ~ k5 + age";
    b.nominal = "age";
    assert_int_equal(partreg_analysis_run(DATA("mroz.csv"), &b, &a, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "ordinal");
    b.nominal = NULL;
    b.nominal_test = 1;
    assert_int_equal(partreg_analysis_run(DATA("mroz.csv"), &b, &a, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "--nominal-test");
    assert_null(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nominal_links),
        cmocka_unit_test(test_nominal_data_sets),
        cmocka_unit_test(test_scale_fits),
        cmocka_unit_test(test_nominal_and_scale_tests),
        cmocka_unit_test(test_autofit_steps),
        cmocka_unit_test(test_predict_derivatives),
        cmocka_unit_test(test_weights_equal_duplicates),
        cmocka_unit_test(test_parallel_point),
        cmocka_unit_test(test_crossing_rows),
        cmocka_unit_test(test_fast_route),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_analysis_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
