/* Predictive margins over at-grids and --over groups, their contrasts,
 * probability intervals (link scale and delta method) and row predictions
 * with standard errors, against R (tests/ref/ref_margins_grid.h, made by
 * tests/ref/margins_grid.R: counterfactual design rows from model.matrix,
 * gradients by numDeriv, G-computation estimates checked by emmeans);
 * and the grid parser: ranges, full grids, repeated texts, the old
 * "a=1,b=2" form, quoted levels and every error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_margins.h"
#include "ref/ref_margins_grid.h"

#include "testutil.h"

#define DATA PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv"
#define EST_TOL 1e-9
#define SE_TOL 1e-6

static partreg_analysis *run(const char *formula, partreg_link link, const char *const *at,
                             size_t n_at, const char *over, int contrast, partreg_prob_ci ci)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = formula;
    s.link = link;
    s.at_list = at;
    s.n_at = n_at;
    s.over = over;
    s.contrast = contrast;
    s.prob_ci = ci;
    s.wald_tests = 0;
    s.diagnostics = 0;
    if (strncmp(formula, "willingness", 11) == 0) {
        s.frame.family_auto = 0;
        s.frame.family = PARTREG_ORDINAL;
    }
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(DATA, &s, &a, &err);
    if (st != PARTREG_OK)
        print_error("%s: %s\n", formula, err.message);
    assert_int_equal(st, PARTREG_OK);
    return a;
}

/* The predictions and contrasts of an analysis against a case. */
static void check(const partreg_analysis *a, size_t n, const double *est, const double *se,
                  const double *lo, const double *hi, size_t nc, const double *cest,
                  const double *cse)
{
    const partreg_margins *m = partreg_analysis_predictions(a);
    assert_int_equal(partreg_margins_n_entries(m), n);
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        assert_true(e->probability);
        assert_true(isnan(e->z) && isnan(e->p_value));
        assert_rel(e->estimate, est[i], EST_TOL);
        assert_rel(e->std_error, se[i], SE_TOL);
        assert_rel(e->conf_low, lo[i], SE_TOL);
        if (hi)
            assert_rel(e->conf_high, hi[i], SE_TOL);
        assert_true(e->conf_low > 0 && e->conf_high < 1);
    }
    const partreg_margins *c = partreg_analysis_contrasts(a);
    if (!cest)
        return;
    assert_int_equal(partreg_margins_n_entries(c), nc);
    for (size_t i = 0; i < nc; i++) {
        const partreg_margin *e = partreg_margins_get(c, i);
        assert_false(e->probability);
        assert_rel(e->estimate, cest[i], EST_TOL * 100);
        assert_rel(e->std_error, cse[i], SE_TOL);
        assert_rel(e->z, e->estimate / e->std_error, 1e-15);
    }
}

static void test_binary_grid(void **state)
{
    (void)state;
    const char *at[] = {"age=20(20)80 insured=yes,no"};
    partreg_analysis *a = run("participated ~ social_capital + age + insured + education",
                              PARTREG_LOGIT, at, 1, NULL, 1, PARTREG_PROB_CI_LINK);
    check(a, 8, bin_grid_est, bin_grid_se, bin_grid_link_lo, bin_grid_link_hi, 7,
          bin_grid_con_est, bin_grid_con_se);
    const partreg_margins *m = partreg_analysis_predictions(a);
    assert_string_equal(partreg_margins_get(m, 0)->term, "age=20,insured=yes");
    assert_string_equal(partreg_margins_get(m, 1)->term, "age=20,insured=no");
    assert_string_equal(partreg_margins_get(m, 7)->term, "age=80,insured=no");
    assert_string_equal(partreg_margins_get(partreg_analysis_contrasts(a), 0)->term,
                        "age=20,insured=no - age=20,insured=yes");
    partreg_analysis_free(a);
    /* the same grid as two texts, and the delta method */
    const char *two[] = {"age=20,40 insured=yes,no", "age=60(20)80 insured=yes,no"};
    a = run("participated ~ social_capital + age + insured + education", PARTREG_LOGIT, two, 2,
            NULL, 0, PARTREG_PROB_CI_DELTA);
    check(a, 8, bin_grid_est, bin_grid_se, bin_grid_delta_lo, NULL, 0, NULL, NULL);
    partreg_analysis_free(a);
}

static void test_binary_over(void **state)
{
    (void)state;
    const char *at[] = {"age=30,60"};
    partreg_analysis *a = run("participated ~ social_capital + age + insured + education",
                              PARTREG_LOGIT, at, 1, "gender", 1, PARTREG_PROB_CI_LINK);
    check(a, 4, bin_over_est, bin_over_se, bin_over_link_lo, bin_over_link_hi, 2,
          bin_over_con_est, bin_over_con_se);
    const partreg_margin *e = partreg_margins_get(partreg_analysis_predictions(a), 2);
    assert_string_equal(e->over, "gender=male");
    assert_string_equal(e->term, "age=30");
    partreg_analysis_free(a);
    /* one setting, groups: the groups are compared, every pair */
    const char *one[] = {"insured=yes"};
    a = run("participated ~ social_capital + age + insured + education", PARTREG_LOGIT, one, 1,
            "education", 2, PARTREG_PROB_CI_LINK);
    check(a, 3, bin_over_only_est, bin_over_only_se, bin_over_only_link_lo,
          bin_over_only_link_hi, 3, bin_over_only_con_est, bin_over_only_con_se);
    assert_string_equal(partreg_margins_get(partreg_analysis_contrasts(a), 0)->over,
                        "education=secondary - education=primary");
    partreg_analysis_free(a);
}

static void test_probit_grid(void **state)
{
    (void)state;
    const char *at[] = {"social_capital=-3(3)3"};
    partreg_analysis *a = run("participated ~ social_capital + age + insured", PARTREG_PROBIT, at,
                              1, NULL, 1, PARTREG_PROB_CI_LINK);
    check(a, 3, probit_grid_est, probit_grid_se, probit_grid_link_lo, probit_grid_link_hi, 2,
          probit_grid_con_est, probit_grid_con_se);
    partreg_analysis_free(a);
}

static void test_ordinal(void **state)
{
    (void)state;
    const char *at[] = {"age=20,50,80"};
    partreg_analysis *a = run("willingness ~ social_capital + age + insured", PARTREG_LOGIT, at,
                              1, NULL, 1, PARTREG_PROB_CI_LINK);
    check(a, 15, ord_grid_est, ord_grid_se, ord_grid_link_lo, ord_grid_link_hi, 10,
          ord_grid_con_est, ord_grid_con_se);
    partreg_analysis_free(a);
    const char *one[] = {"social_capital=1"};
    a = run("willingness ~ social_capital + age + insured", PARTREG_LOGIT, one, 1, "education", 2,
            PARTREG_PROB_CI_LINK);
    check(a, 15, ord_over_est, ord_over_se, ord_over_link_lo, ord_over_link_hi, 15,
          ord_over_con_est, ord_over_con_se);
    partreg_analysis_free(a);
}

/* Row predictions: every level's probability, SE and link-scale interval,
 * and the linear predictor, for the first rows of the data. */
static void rows_check(const char *formula, partreg_link link, size_t rows, const double *p,
                       const double *se, const double *lo, const double *hi, const double *eta,
                       const double *eta_se)
{
    partreg_analysis *a = run(formula, link, NULL, 0, NULL, 0, PARTREG_PROB_CI_LINK);
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read(DATA, NULL, &t, NULL), PARTREG_OK);
    partreg_frame *nf = NULL;
    assert_int_equal(partreg_frame_apply(partreg_analysis_frame(a), t, &nf, NULL), PARTREG_OK);
    partreg_data d;
    partreg_frame_data(nf, &d);
    d.n = rows;
    partreg_predict_options po = partreg_predict_options_default();
    po.linear = 1;
    partreg_predictions *pr = NULL;
    assert_int_equal(partreg_fit_predict_rows(partreg_analysis_fit(a), &d, &po, &pr, NULL),
                     PARTREG_OK);
    size_t J = partreg_predictions_n_levels(pr);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < J; j++) {
            double v[4];
            assert_int_equal(partreg_predictions_get(pr, i, j, &v[0], &v[1], &v[2], &v[3]),
                             PARTREG_OK);
            assert_rel(v[0], p[i * J + j], EST_TOL);
            assert_rel(v[1], se[i * J + j], SE_TOL);
            assert_rel(v[2], lo[i * J + j], SE_TOL);
            assert_rel(v[3], hi[i * J + j], SE_TOL);
        }
        double e[4];
        assert_int_equal(partreg_predictions_linear(pr, i, &e[0], &e[1], &e[2], &e[3]),
                         PARTREG_OK);
        assert_rel(e[0], eta[i], EST_TOL);
        assert_rel(e[1], eta_se[i], SE_TOL);
    }
    assert_int_equal(partreg_predictions_get(pr, rows, 0, NULL, NULL, NULL, NULL), PARTREG_EINVAL);
    partreg_predictions_free(pr);
    partreg_frame_free(nf);
    partreg_table_free(t);
    partreg_analysis_free(a);
}

static void test_rows(void **state)
{
    (void)state;
    rows_check("participated ~ social_capital + age + insured + education", PARTREG_LOGIT, 5,
               bin_grid_row_p, bin_grid_row_se, bin_grid_row_lo, bin_grid_row_hi, bin_grid_eta,
               bin_grid_eta_se);
    rows_check("participated ~ social_capital + age + insured", PARTREG_PROBIT, 5,
               probit_grid_row_p, probit_grid_row_se, probit_grid_row_lo, probit_grid_row_hi,
               probit_grid_eta, probit_grid_eta_se);
    rows_check("willingness ~ social_capital + age + insured", PARTREG_LOGIT, 3, ord_grid_row_p,
               ord_grid_row_se, ord_grid_row_lo, ord_grid_row_hi, ord_grid_eta, ord_grid_eta_se);
}

/* The parser: forms, order, and every error with its message. */
static void test_grid_parser(void **state)
{
    (void)state;
    partreg_analysis *a = run("participated ~ social_capital + age + insured + education",
                              PARTREG_LOGIT, NULL, 0, NULL, 0, PARTREG_PROB_CI_LINK);
    const partreg_frame *fr = partreg_analysis_frame(a);
    partreg_at_grid *g = NULL;
    partreg_error err;
    const char *t1[] = {"age=80(-30)20 education=\"tertiary\",primary"};
    assert_int_equal(partreg_at_grid_parse(fr, t1, 1, &g, &err), PARTREG_OK);
    assert_int_equal(partreg_at_grid_n_cells(g), 6);
    size_t ns;
    const partreg_setting *s = partreg_at_grid_cell(g, 1, &ns);
    assert_int_equal(ns, 2);
    assert_true(s[0].value == 80 && s[1].level == 0);
    s = partreg_at_grid_cell(g, 5, &ns);
    assert_true(s[0].value == 20 && s[1].level == 0);
    s = partreg_at_grid_cell(g, 4, &ns);
    assert_true(s[0].value == 20 && s[1].level == 2);
    assert_null(partreg_at_grid_cell(g, 6, &ns));
    assert_int_equal(ns, 0);
    partreg_at_grid_free(g);
    const char *t2[] = {"age=30,insured=yes", " age = 30 , 40  insured = no "};
    assert_int_equal(partreg_at_grid_parse(fr, t2, 2, &g, &err), PARTREG_OK);
    assert_int_equal(partreg_at_grid_n_cells(g), 3);
    partreg_at_grid_free(g);
    /* a range's end within rounding: 0.1 steps to 1 give 11 values */
    const char *t3[] = {"social_capital=0(0.1)1"};
    assert_int_equal(partreg_at_grid_parse(fr, t3, 1, &g, &err), PARTREG_OK);
    assert_int_equal(partreg_at_grid_n_cells(g), 11);
    partreg_at_grid_free(g);
    struct {
        const char *text;
        partreg_status st;
        const char *says;
    } bad[] = {
        {"", PARTREG_EINVAL, "empty --at"},
        {"age", PARTREG_EINVAL, "is not name=values"},
        {"age=", PARTREG_EINVAL, "has no value"},
        {"age=x", PARTREG_EINVAL, "not a finite number or a range"},
        {"age=20(0)80", PARTREG_EINVAL, "never reaches its end"},
        {"age=20(10)10", PARTREG_EINVAL, "never reaches its end"},
        {"age=0(0.0001)100", PARTREG_EINVAL, "more than 100000 values"},
        {"age=1 age=2", PARTREG_EINVAL, "set twice"},
        {"agee=3", PARTREG_ENOTFOUND, "did you mean 'age'"},
        {"insured=maybe", PARTREG_ENOTFOUND, "levels: no, yes"},
        {"age=1(1)400 social_capital=1(1)400", PARTREG_EINVAL, "more than 100000 cells"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *t[] = {bad[k].text};
        g = (partreg_at_grid *)1;
        partreg_status st = partreg_at_grid_parse(fr, t, 1, &g, &err);
        if (st != bad[k].st)
            print_error("'%s': %d %s\n", bad[k].text, (int)st, err.message);
        assert_int_equal(st, bad[k].st);
        assert_null(g);
        assert_contains(err.message, bad[k].says);
    }
    assert_int_equal(partreg_at_grid_parse(fr, NULL, 1, &g, &err), PARTREG_EINVAL);
    partreg_contrast_type ct;
    partreg_prob_ci pc;
    assert_int_equal(partreg_contrast_parse("all", &ct, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_prob_ci_parse("wald", &pc, &err), PARTREG_EINVAL);
    partreg_analysis_free(a);
}

/* Contrasts need something to compare; groups need labels. */
static void test_contrast_errors(void **state)
{
    (void)state;
    partreg_analysis *a = run("participated ~ social_capital + age", PARTREG_LOGIT, NULL, 0, NULL,
                              0, PARTREG_PROB_CI_LINK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    const partreg_frame *fr = partreg_analysis_frame(a);
    partreg_margins *m = NULL, *c = (partreg_margins *)1;
    partreg_error err;
    assert_int_equal(partreg_margins_predict(fit, fr, NULL, NULL, &m, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_contrast(m, PARTREG_CONTRAST_REFERENCE, &c, &err),
                     PARTREG_EUNSUPPORTED);
    assert_null(c);
    assert_contains(err.message, "nothing to contrast");
    partreg_margins_free(m);
    /* a list from partreg_margins_at() has no Jacobian kept for contrasts
     * of its own kind: it still works (one cell) but says nothing to do */
    size_t n = partreg_frame_n_rows(fr);
    size_t *grp = calloc(n, sizeof *grp);
    const char *labels[] = {"half=a", "half=b"};
    for (size_t i = 0; i < n; i++)
        grp[i] = i < n / 2 ? 0 : (i % 7 == 0 ? PARTREG_NO_GROUP : 1);
    partreg_margins_options o = partreg_margins_options_default();
    o.group = grp;
    o.n_groups = 2;
    o.group_labels = labels;
    assert_int_equal(partreg_margins_ame_groups(fit, fr, &o, &m, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_n_entries(m), 4);
    assert_int_equal(partreg_margins_contrast(m, PARTREG_CONTRAST_PAIRWISE, &c, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_n_entries(c), 2);
    const partreg_margin *d0 = partreg_margins_get(c, 0);
    assert_rel(d0->estimate,
               partreg_margins_get(m, 2)->estimate - partreg_margins_get(m, 0)->estimate, 1e-12);
    assert_string_equal(d0->over, "half=b - half=a");
    partreg_margins_free(c);
    partreg_margins_free(m);
    grp[0] = 5; /* out of range */
    assert_int_equal(partreg_margins_ame_groups(fit, fr, &o, &m, &err), PARTREG_EINVAL);
    o.group_labels = NULL;
    assert_int_equal(partreg_margins_predict(fit, fr, NULL, &o, &m, &err), PARTREG_EINVAL);
    free(grp);
    partreg_analysis_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_grid),  cmocka_unit_test(test_binary_over),
        cmocka_unit_test(test_probit_grid),  cmocka_unit_test(test_ordinal),
        cmocka_unit_test(test_rows),         cmocka_unit_test(test_grid_parser),
        cmocka_unit_test(test_contrast_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
