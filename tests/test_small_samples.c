/* Firth fits, CR2 with Satterthwaite df, and multiple-imputation pooling
 * against the values R made (tests/ref/firth.R -> ref_firth.h: brglm2 and
 * own polished maximiser, logistf's profile and FLIC; cr2_cases.R ->
 * ref_cr2_cases.h: clubSandwich 0.5.8; mi_cases.R -> ref_mi_cases.h:
 * mice 3.15.0 and mitml), through the analysis the command runs, plus the
 * properties that need no reference (FLIC's calibration in the large,
 * pooling independent of the thread count, one file per imputation =
 * stacked) and every refusal.
 *
 * Tolerances: the references are good to 12-15 digits (each header's
 * agreement digits); Firth estimates converge to a score of about 1e-10
 * (1e-8 asserted), CR2's rational approximation of the inverse square root
 * has relative error below 1e-13 (1e-8 asserted), Rubin's rules are closed
 * forms (1e-9 on estimates of Newton-polished fits). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partreg_analysis.h"
#include "testutil.h"

#include "data/table_internal.h"
#include "report/analysis_internal.h"

#include "ref/ref_cr2_cases.h"
#include "ref/ref_firth.h"
#include "ref/ref_mi_cases.h"

#define DATA(f) PARTREG_TEST_DATA_DIR "/" f

static partreg_analysis *run(const char *path, const partreg_analysis_spec *s, partreg_status want)
{
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(path, s, &a, &err);
    if (st != want)
        print_error("%s: %s\n", path, err.message);
    assert_int_equal(st, want);
    return a;
}

/* Parameter index of a term name. */
static size_t param(const partreg_fit *fit, const char *name)
{
    for (size_t j = 0; j < partreg_fit_n_parameters(fit); j++)
        if (strcmp(partreg_fit_param_term(fit, j), name) == 0)
            return j;
    print_error("no parameter '%s'\n", name);
    fail();
    return 0;
}

/* ---- Firth ------------------------------------------------------------- */

typedef struct firth_case {
    const char *data, *formula;
    partreg_link link;
    size_t k;
    const char *const *terms;
    const double *est, *vcov;
    double loglik, loglik0;
    const double *lo, *hi; /* profile bounds, or NULL */
} firth_case;

static void check_firth(const firth_case *c)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = c->formula;
    s.link = c->link;
    s.firth = 1;
    s.ci = c->lo ? PARTREG_CI_PROFILE : PARTREG_CI_WALD;
    partreg_analysis *a = run(c->data, &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_int_equal(partreg_fit_penalty(fit), PARTREG_PENALTY_FIRTH);
    assert_rel(partreg_fit_loglik(fit), c->loglik, 1e-10);
    assert_rel(partreg_fit_loglik_unpenalised(fit), c->loglik0, 1e-9);
    const gsl_matrix *V = partreg_fit_vcov(fit);
    for (size_t a1 = 0; a1 < c->k; a1++) {
        size_t j = param(fit, c->terms[a1]);
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel_floor(e.estimate, c->est[a1], 1e-8, sqrt(c->vcov[a1 * c->k + a1]));
        for (size_t b = 0; b < c->k; b++) {
            size_t jb = param(fit, c->terms[b]);
            double scale = sqrt(c->vcov[a1 * c->k + a1] * c->vcov[b * c->k + b]);
            assert_rel_floor(gsl_matrix_get(V, j, jb), c->vcov[a1 * c->k + b], 1e-7, scale);
        }
        if (c->lo) {
            assert_rel_floor(a->conf_low[j], c->lo[a1], 1e-7, sqrt(c->vcov[a1 * c->k + a1]));
            assert_rel_floor(a->conf_high[j], c->hi[a1], 1e-7, sqrt(c->vcov[a1 * c->k + a1]));
        }
    }
    partreg_analysis_free(a);
}

#define FIRTH(name, file, formula, link, lo, hi)                                                   \
    {DATA(file), formula, link, sizeof ref_firth_##name##_est / sizeof(double),                   \
     ref_firth_##name##_terms, ref_firth_##name##_est, &ref_firth_##name##_vcov[0][0],              \
     ref_firth_##name##_loglik, ref_firth_##name##_loglik_unpenalised, lo, hi}

static void test_firth_links(void **state)
{
    (void)state;
    const firth_case cases[] = {
        FIRTH(endometrial_probit, "endometrial.csv", "HG ~ NV + PI + EH", PARTREG_PROBIT, NULL,
              NULL),
        FIRTH(endometrial_cloglog, "endometrial.csv", "HG ~ NV + PI + EH", PARTREG_CLOGLOG,
              NULL, NULL),
        FIRTH(endometrial_cauchit, "endometrial.csv", "HG ~ NV + PI + EH", PARTREG_CAUCHIT,
              NULL, NULL),
        FIRTH(mtcars_separated_logit, "mtcars.csv", "am ~ wt + qsec", PARTREG_LOGIT, NULL, NULL),
        FIRTH(mtcars_separated_probit, "mtcars.csv", "am ~ wt + qsec", PARTREG_PROBIT, NULL,
              NULL),
        FIRTH(mroz_cloglog, "mroz.csv", "lfp ~ k5 + k618 + age + wc + hc + lwg + inc",
              PARTREG_CLOGLOG, NULL, NULL),
        FIRTH(mroz_logit_profile, "mroz.csv", "lfp ~ k5 + k618 + age + wc + hc + lwg + inc",
              PARTREG_LOGIT, ref_firth_mroz_logit_profile_ci_low,
              ref_firth_mroz_logit_profile_ci_high),
        FIRTH(endometrial_logit_profile, "endometrial.csv", "HG ~ NV + PI + EH", PARTREG_LOGIT,
              ref_firth_endometrial_logit_profile_ci_low,
              ref_firth_endometrial_logit_profile_ci_high),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_firth(&cases[i]);
}

/* Without the penalty the separated data stop the fit; with it they
 * converge to finite estimates and the reports say so. */
static void test_firth_separation(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "am ~ wt + qsec";
    partreg_analysis *a = run(DATA("mtcars.csv"), &s, PARTREG_ESEPARATION);
    partreg_analysis_free(a);
    s.firth = 1;
    a = run(DATA("mtcars.csv"), &s, PARTREG_OK);
    assert_false(partreg_fit_separated(partreg_analysis_fit(a)));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(partreg_analysis_write(a, f, PARTREG_FORMAT_TEXT, 0, NULL), PARTREG_OK);
    fclose(f);
    assert_contains(buf, "Firth");
    assert_contains(buf, "Penalised log-likelihood");
    free(buf);
    partreg_analysis_free(a);
}

/* FLIC against logistf::flic, and its defining property: the mean fitted
 * probability equals the event share. */
static void test_flic(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "HG ~ NV + PI + EH";
    s.firth = 1;
    s.flic = 1;
    partreg_analysis *a = run(DATA("endometrial.csv"), &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_true(partreg_fit_flic(fit));
    partreg_estimate e;
    partreg_fit_estimate(fit, 0, 0.95, &e, NULL);
    assert_rel(e.estimate, ref_flic_endometrial_intercept, 1e-8);
    assert_rel(e.std_error, ref_flic_endometrial_intercept_se, 1e-7);
    assert_rel(e.conf_low, ref_flic_endometrial_intercept_ci[0], 1e-7);
    assert_rel(partreg_fit_loglik(fit), ref_flic_endometrial_loglik_full, 1e-9);
    for (size_t j = 1; j < 4; j++) { /* slopes: the Firth estimates */
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        assert_rel(e.estimate, ref_firth_endometrial_logit_profile_est[j], 1e-8);
    }
    partreg_data d;
    partreg_frame_data(partreg_analysis_frame(a), &d);
    gsl_matrix *P = gsl_matrix_alloc(d.n, 1);
    assert_int_equal(partreg_fit_predict(fit, &d, P, NULL), PARTREG_OK);
    double mp = 0.0, my = 0.0;
    for (size_t i = 0; i < d.n; i++) {
        mp += gsl_matrix_get(P, i, 0) / (double)d.n;
        my += d.y[i] / (double)d.n;
    }
    assert_rel(mp, my, 1e-12);
    gsl_matrix_free(P);
    partreg_analysis_free(a);
    /* probit: the same calibration in the large */
    s.link = PARTREG_PROBIT;
    a = run(DATA("endometrial.csv"), &s, PARTREG_OK);
    fit = partreg_analysis_fit(a);
    partreg_frame_data(partreg_analysis_frame(a), &d);
    P = gsl_matrix_alloc(d.n, 1);
    assert_int_equal(partreg_fit_predict(fit, &d, P, NULL), PARTREG_OK);
    mp = 0.0;
    for (size_t i = 0; i < d.n; i++)
        mp += gsl_matrix_get(P, i, 0) / (double)d.n;
    assert_rel(mp, my, 1e-12);
    gsl_matrix_free(P);
    partreg_analysis_free(a);
}

static void expect_error(const char *path, const partreg_analysis_spec *s, partreg_status want,
                         const char *needle)
{
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run(path, s, &a, &err);
    if (st != want)
        print_error("%s\n", err.message);
    assert_int_equal(st, want);
    assert_null(a);
    assert_contains(err.message, needle);
}

static void test_firth_refusals(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "Sat ~ Infl + Type";
    s.firth = 1;
    s.frame.weights = "Freq";
    expect_error(DATA("housing.csv"), &s, PARTREG_EUNSUPPORTED, "binary");
    s = partreg_analysis_spec_default();
    s.formula = "HG ~ NV + PI + EH";
    s.flic = 1;
    expect_error(DATA("endometrial.csv"), &s, PARTREG_EINVAL, "--firth");
    s.firth = 1;
    s.ci = PARTREG_CI_PROFILE;
    expect_error(DATA("endometrial.csv"), &s, PARTREG_EUNSUPPORTED, "profile");
    s.ci = PARTREG_CI_WALD;
    s.formula = "HG ~ NV + PI + EH - 1";
    expect_error(DATA("endometrial.csv"), &s, PARTREG_EUNSUPPORTED, "intercept");
    s = partreg_analysis_spec_default();
    s.formula = "HG ~ NV + PI + EH";
    s.firth = 1;
    s.vcov = PARTREG_VCOV_HC1;
    expect_error(DATA("endometrial.csv"), &s, PARTREG_EUNSUPPORTED, "--vcov model");
    /* the library refuses the penalty for a model without expected information */
    partreg_model_spec *ms = NULL;
    partreg_error err;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &ms, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_penalty(ms, PARTREG_PENALTY_FIRTH, &err),
                     PARTREG_EUNSUPPORTED);
    assert_int_equal(partreg_model_spec_set_flic(ms, 1, &err), PARTREG_EINVAL);
    partreg_model_spec_free(ms);
}

/* ---- CR2 ---------------------------------------------------------------- */

#define AW_FORMULA                                                                                 \
    "Bagrut_status ~ treated + lagscore + father_ed + mother_ed + siblings + immigrant + "         \
    "school_type"

/* A joint test's F, df1, df2 and p against a reference's (F, df1, df2, p). */
static void check_f_test(double F, double df1, double df2, double p, const double *ref)
{
    assert_rel(F, ref[0], 1e-7);
    assert_rel(df1, ref[1], 0.0);
    assert_rel(df2, ref[2], 1e-7);
    assert_rel(p, ref[3], 1e-6);
}

/* The school-type test of the analysis' Wald tests by variable. */
static const partreg_wald_term *school_type_test(const partreg_analysis *a)
{
    for (size_t i = 0; a->wald && i < partreg_wald_table_n_terms(a->wald); i++)
        if (strcmp(partreg_wald_table_get(a->wald, i)->variable, "school_type") == 0)
            return partreg_wald_table_get(a->wald, i);
    fail_msg("no Wald test of school_type");
    return NULL;
}

static void check_cr2_on(const char *path, const char *weights, partreg_link link,
                         const char *const *names, const double *V, const double *df, size_t k,
                         size_t G, const double *htz_school, const double *htz_all)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = AW_FORMULA;
    s.link = link;
    s.vcov = PARTREG_VCOV_CR2;
    s.frame.cluster = "school_id";
    s.frame.weights = weights;
    partreg_analysis *a = run(path, &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_int_equal(partreg_fit_vcov_type(fit), PARTREG_VCOV_CR2);
    assert_int_equal(partreg_fit_vcov_n_clusters(fit), G);
    const gsl_matrix *M = partreg_fit_vcov(fit);
    for (size_t x = 0; x < k; x++) {
        size_t j = param(fit, names[x]);
        assert_rel(partreg_fit_param_df(fit, j), df[x], 1e-8);
        for (size_t y = 0; y < k; y++) {
            double scale = sqrt(V[x * k + x] * V[y * k + y]);
            assert_rel_floor(gsl_matrix_get(M, j, param(fit, names[y])), V[x * k + y], 1e-8,
                             scale);
        }
    }
    /* the joint tests: clubSandwich's HTZ, by variable and through the
     * public call */
    const partreg_wald_term *t = school_type_test(a);
    check_f_test(t->adjusted_f, t->df1, t->df2, t->p_value, htz_school);
    size_t st[2], ns = 0;
    for (size_t x = 0; x < k; x++)
        if (strncmp(names[x], "school_type", 11) == 0 && ns < 2)
            st[ns++] = param(fit, names[x]);
    assert_int_equal(ns, 2);
    partreg_wald_term jt;
    assert_int_equal(partreg_fit_joint_test(fit, st, 2, &jt, NULL), PARTREG_OK);
    check_f_test(jt.adjusted_f, jt.df1, jt.df2, jt.p_value, htz_school);
    assert_true(a->has_model_test);
    assert_int_equal(a->model_test, REPORT_TEST_HTZ);
    check_f_test(a->model_F, a->model_q, a->model_df2, a->model_p, htz_all);
    partreg_analysis_free(a);
}

static void check_cr2(partreg_link link, const char *const *names, const double *V,
                      const double *df, size_t k, size_t G, const double *htz_school,
                      const double *htz_all)
{
    check_cr2_on(DATA("aawards_2001_girls.csv"), NULL, link, names, V, df, k, G, htz_school,
                 htz_all);
}

static void test_cr2(void **state)
{
    (void)state;
    /* precision weights: clubSandwich on glm(weights = w) */
    check_cr2_on(DATA("aawards_2001_girls_weighted.csv"), "w", PARTREG_LOGIT,
                 ref_aawards_girls2001_weighted_logit_cr2_names,
                 &ref_aawards_girls2001_weighted_logit_cr2_V[0][0],
                 ref_aawards_girls2001_weighted_logit_cr2_df, 9, 34,
                 ref_aawards_girls2001_weighted_logit_cr2_htz_school,
                 ref_aawards_girls2001_weighted_logit_cr2_htz_all);
    check_cr2_on(DATA("aawards_2001_girls_weighted.csv"), "w", PARTREG_PROBIT,
                 ref_aawards_girls2001_weighted_probit_cr2_names,
                 &ref_aawards_girls2001_weighted_probit_cr2_V[0][0],
                 ref_aawards_girls2001_weighted_probit_cr2_df, 9, 34,
                 ref_aawards_girls2001_weighted_probit_cr2_htz_school,
                 ref_aawards_girls2001_weighted_probit_cr2_htz_all);
    check_cr2(PARTREG_LOGIT, ref_aawards_girls2001_logit_cr2_names,
              &ref_aawards_girls2001_logit_cr2_V[0][0], ref_aawards_girls2001_logit_cr2_df, 9, 34,
              ref_aawards_girls2001_logit_cr2_htz_school, ref_aawards_girls2001_logit_cr2_htz_all);
    check_cr2(PARTREG_PROBIT, ref_aawards_girls2001_probit_cr2_names,
              &ref_aawards_girls2001_probit_cr2_V[0][0], ref_aawards_girls2001_probit_cr2_df, 9,
              34, ref_aawards_girls2001_probit_cr2_htz_school,
              ref_aawards_girls2001_probit_cr2_htz_all);
    check_cr2(PARTREG_CLOGLOG, ref_aawards_girls2001_cloglog_cr2_names,
              &ref_aawards_girls2001_cloglog_cr2_V[0][0], ref_aawards_girls2001_cloglog_cr2_df, 9,
              34, ref_aawards_girls2001_cloglog_cr2_htz_school,
              ref_aawards_girls2001_cloglog_cr2_htz_all);
}

/* The awards data with a weight column w: 0 on every 7th row and on every
 * row of the first school (school_id 21), else 1 + row % 3; with
 * keep_zero = 0 the rows of weight 0 are left out. */
static void zero_weight_copy(const char *path, int keep_zero)
{
    FILE *in = fopen(DATA("aawards_2001_girls.csv"), "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    long row = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        long w = 1 + row % 3;
        if (row % 7 == 0 || strncmp(line, "21,", 3) == 0)
            w = 0;
        if (row == 0)
            fprintf(out, "%s,\"w\"\n", line);
        else if (w > 0 || keep_zero)
            fprintf(out, "%s,%ld\n", line, w);
        row++;
    }
    fclose(in);
    fclose(out);
}

/* CR2 as the limit of its weights: rows of weight 0 (and a cluster of them
 * only) give the CR2 of the data without them. */
static void test_cr2_zero_weights(void **state)
{
    (void)state;
    char with[] = "/tmp/partreg_cr2w_XXXXXX", without[] = "/tmp/partreg_cr2n_XXXXXX";
    int fd = mkstemp(with);
    assert_true(fd >= 0);
    close(fd);
    fd = mkstemp(without);
    assert_true(fd >= 0);
    close(fd);
    zero_weight_copy(with, 1);
    zero_weight_copy(without, 0);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = AW_FORMULA;
    s.vcov = PARTREG_VCOV_CR2;
    s.frame.cluster = "school_id";
    s.frame.weights = "w";
    partreg_analysis *a = run(with, &s, PARTREG_OK), *b = run(without, &s, PARTREG_OK);
    const partreg_fit *fa = partreg_analysis_fit(a), *fb = partreg_analysis_fit(b);
    assert_int_equal(partreg_fit_vcov_n_clusters(fa), 33);
    assert_int_equal(partreg_fit_vcov_n_clusters(fb), 33);
    const gsl_matrix *Va = partreg_fit_vcov(fa), *Vb = partreg_fit_vcov(fb);
    for (size_t j = 0; j < 9; j++) {
        assert_rel(partreg_fit_param_df(fa, j), partreg_fit_param_df(fb, j), 1e-9);
        for (size_t q = 0; q < 9; q++)
            assert_rel_floor(gsl_matrix_get(Va, j, q), gsl_matrix_get(Vb, j, q), 1e-9,
                             sqrt(gsl_matrix_get(Vb, j, j) * gsl_matrix_get(Vb, q, q)));
    }
    partreg_analysis_free(a);
    partreg_analysis_free(b);
    remove(with);
    remove(without);
}

/* CR1 with t(G - 1) (clubSandwich CR1S with test = "naive-t"). */
static void test_cluster_df(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = AW_FORMULA;
    s.vcov = PARTREG_VCOV_CLUSTER;
    s.frame.cluster = "school_id";
    s.cluster_df = 1;
    partreg_analysis *a = run(DATA("aawards_2001_girls.csv"), &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    for (size_t x = 0; x < 9; x++) {
        size_t j = param(fit, ref_aawards_girls2001_logit_cluster_names[x]);
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        double se = ref_aawards_girls2001_logit_cluster_se[x];
        assert_rel(partreg_fit_param_df(fit, j), 33.0, 0.0);
        assert_rel(e.std_error, se, 1e-9);
        assert_rel_floor(e.conf_low, ref_aawards_girls2001_logit_cluster_conf_low_tG1[x], 1e-9, se);
        assert_rel_floor(e.conf_high, ref_aawards_girls2001_logit_cluster_conf_high_tG1[x], 1e-9,
                         se);
        assert_rel(e.p_value, ref_aawards_girls2001_logit_cluster_p_tG1[x], 1e-7);
    }
    /* the joint tests on t(G - 1): clubSandwich's Naive-F */
    const partreg_wald_term *t = school_type_test(a);
    check_f_test(t->adjusted_f, t->df1, t->df2, t->p_value,
                 ref_aawards_girls2001_logit_cluster_naive_f_school);
    assert_true(a->has_model_test);
    assert_int_equal(a->model_test, REPORT_TEST_NAIVE_F);
    check_f_test(a->model_F, a->model_q, a->model_df2, a->model_p,
                 ref_aawards_girls2001_logit_cluster_naive_f_all);
    /* 34 clusters: no warning once t(G - 1) is asked for? CR1 still warns,
     * naming CR2 */
    int warned = 0;
    for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++)
        warned = warned || strstr(partreg_fit_warning(fit, i), "--vcov cr2") != NULL;
    assert_true(warned);
    partreg_analysis_free(a);
}

static void test_cr2_refusals(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "Sat ~ Infl + Type";
    s.vcov = PARTREG_VCOV_CR2;
    s.frame.cluster = "Cont";
    s.frame.levels = (const char *const[]){"Low", "Medium", "High"};
    s.frame.n_levels = 3;
    expect_error(DATA("housing.csv"), &s, PARTREG_EUNSUPPORTED, "binary");
    s = partreg_analysis_spec_default();
    s.formula = AW_FORMULA;
    s.vcov = PARTREG_VCOV_CR2;
    expect_error(DATA("aawards_2001_girls.csv"), &s, PARTREG_EINVAL, "--cluster");
    s.vcov = PARTREG_VCOV_MODEL;
    s.cluster_df = 1;
    expect_error(DATA("aawards_2001_girls.csv"), &s, PARTREG_EINVAL, "--cluster-df");
}

/* ---- multiple imputation ------------------------------------------------ */

static partreg_analysis_spec titanic_spec(void)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "survived ~ sex + age + passengerClass";
    s.imputations = "imp";
    s.margins = 1;
    return s;
}

static void test_mi_titanic(void **state)
{
    (void)state;
    partreg_analysis_spec s = titanic_spec();
    partreg_analysis *a = run(DATA("titanic_mi20.csv"), &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_int_equal(partreg_analysis_n_imputations(a), 20);
    assert_int_equal(partreg_fit_n_obs(fit), 1309);
    double fmax = 0.0;
    for (size_t x = 0; x < 5; x++) {
        size_t j = param(fit, ref_titanic_survived_logit_mi20_names[x]);
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        assert_rel(e.estimate, ref_titanic_survived_logit_mi20_qbar[x], 1e-9);
        assert_rel(e.std_error, ref_titanic_survived_logit_mi20_se[x], 1e-8);
        assert_rel(partreg_fit_param_df(fit, j), ref_titanic_survived_logit_mi20_df[x], 1e-7);
        assert_rel(a->riv[j], ref_titanic_survived_logit_mi20_riv[x], 1e-7);
        assert_rel(a->fmi[j], ref_titanic_survived_logit_mi20_fmi[x], 1e-7);
        fmax = fmax > ref_titanic_survived_logit_mi20_fmi[x] ? fmax
                                                             : ref_titanic_survived_logit_mi20_fmi[x];
    }
    assert_rel(a->fmi_max, fmax, 1e-7);
    const partreg_margins *m = partreg_analysis_margins(a);
    assert_int_equal(partreg_margins_n_entries(m), 4);
    for (size_t i = 0; i < 4; i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        assert_string_equal(e->term, ref_titanic_survived_logit_mi20_margin_labels[i]);
        assert_rel(e->estimate, ref_titanic_survived_logit_mi20_margin_est[i], 1e-8);
        assert_rel(e->std_error, ref_titanic_survived_logit_mi20_margin_se[i], 1e-7);
    }
    assert_non_null(a->d1);
    assert_int_equal(a->d1->n, 3);
    for (size_t i = 0; i < 3; i++) {
        const partreg_d1_test *t = &a->d1->items[i];
        assert_string_equal(t->variable, ref_titanic_survived_logit_mi20_test_vars[i]);
        assert_rel(t->F, ref_titanic_survived_logit_mi20_test_F[i], 1e-7);
        assert_rel(t->df1, ref_titanic_survived_logit_mi20_test_df1[i], 0.0);
        assert_rel(t->riv, ref_titanic_survived_logit_mi20_test_r[i], 1e-7);
        assert_rel(t->df2, ref_titanic_survived_logit_mi20_test_df2_reiter[i], 1e-7);
        assert_rel(t->p_value, ref_titanic_survived_logit_mi20_test_p_reiter[i], 1e-6);
    }
    /* D1 of every slope in place of the LR test */
    assert_true(a->has_model_test);
    assert_int_equal(a->model_test, REPORT_TEST_D1);
    check_f_test(a->model_F, a->model_q, a->model_df2, a->model_p,
                 ref_titanic_survived_logit_mi20_test_all);
    partreg_analysis_free(a);
}

static void test_mi_ordinal(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "gen ~ age + hgt + reg";
    s.imputations = "imp";
    s.frame.levels = (const char *const[]){"G1", "G2", "G3", "G4", "G5"};
    s.frame.n_levels = 5;
    partreg_analysis *a = run(DATA("boys_mi10.csv"), &s, PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    for (size_t x = 0; x < 10; x++) {
        size_t j = param(fit, ref_boys_gen_ologit_mi10_names[x]);
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        assert_rel(e.estimate, ref_boys_gen_ologit_mi10_qbar[x], 1e-8);
        assert_rel(e.std_error, ref_boys_gen_ologit_mi10_se[x], 1e-7);
        assert_rel(partreg_fit_param_df(fit, j), ref_boys_gen_ologit_mi10_df[x], 1e-6);
        assert_rel(a->fmi[j], ref_boys_gen_ologit_mi10_fmi[x], 1e-6);
    }
    partreg_analysis_free(a);
}

/* The pooled analysis is the same bits at any thread count, and the same
 * from one table per imputation as from the stacked file. */
static void test_mi_threads_and_files(void **state)
{
    (void)state;
    partreg_analysis_spec s = titanic_spec();
    s.fit.threads = 1;
    partreg_analysis *a1 = run(DATA("titanic_mi20.csv"), &s, PARTREG_OK);
    s.fit.threads = 3;
    partreg_analysis *a3 = run(DATA("titanic_mi20.csv"), &s, PARTREG_OK);
    const gsl_matrix *V1 = partreg_fit_vcov(partreg_analysis_fit(a1));
    const gsl_matrix *V3 = partreg_fit_vcov(partreg_analysis_fit(a3));
    assert_memory_equal(V1->data, V3->data, 25 * sizeof(double));
    const partreg_margins *m1 = partreg_analysis_margins(a1), *m3 = partreg_analysis_margins(a3);
    for (size_t i = 0; i < partreg_margins_n_entries(m1); i++)
        assert_memory_equal(&partreg_margins_get(m1, i)->std_error,
                            &partreg_margins_get(m3, i)->std_error, sizeof(double));
    /* one table per imputation */
    partreg_table *t = NULL;
    partreg_read_options ro = partreg_read_options_default();
    assert_int_equal(partreg_table_read(DATA("titanic_mi20.csv"), &ro, &t, NULL), PARTREG_OK);
    size_t col, n = partreg_table_n_rows(t);
    assert_int_equal(partreg_table_find_column(t, "imp", &col, NULL), PARTREG_OK);
    const double *imp = partreg_table_numeric(t, col);
    size_t *rows = malloc(n * sizeof *rows);
    partreg_table *parts[20];
    for (size_t m = 1; m <= 20; m++) {
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            if (imp[i] == (double)m)
                rows[r++] = i;
        assert_int_equal(partreg_table_subset(t, rows, r, &parts[m - 1]), PARTREG_OK);
    }
    s.imputations = NULL;
    partreg_analysis *af = NULL;
    assert_int_equal(partreg_analysis_run_imputations((const partreg_table *const *)parts, 20,
                                                      &s, &af, NULL),
                     PARTREG_OK);
    const gsl_matrix *Vf = partreg_fit_vcov(partreg_analysis_fit(af));
    assert_memory_equal(V1->data, Vf->data, 25 * sizeof(double));
    for (size_t m = 0; m < 20; m++)
        partreg_table_free(parts[m]);
    free(rows);
    partreg_table_free(t);
    partreg_analysis_free(af);
    partreg_analysis_free(a1);
    partreg_analysis_free(a3);
}

static void test_mi_refusals(void **state)
{
    (void)state;
    partreg_analysis_spec s = titanic_spec();
    s.imputations = "nosuchcolumn";
    expect_error(DATA("titanic_mi20.csv"), &s, PARTREG_ENOTFOUND, "nosuchcolumn");
    s.imputations = "age"; /* fractional and missing values */
    partreg_analysis *a = NULL;
    partreg_error err;
    assert_int_equal(partreg_analysis_run(DATA("titanic_mi20.csv"), &s, &a, &err), PARTREG_EDATA);
    assert_contains(err.message, "imputation number");
    s = titanic_spec();
    s.ci = PARTREG_CI_PROFILE;
    expect_error(DATA("titanic_mi20.csv"), &s, PARTREG_EUNSUPPORTED, "Rubin");
    assert_int_equal(partreg_analysis_run_imputations(NULL, 0, &s, &a, &err), PARTREG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_firth_links),     cmocka_unit_test(test_firth_separation),
        cmocka_unit_test(test_flic),            cmocka_unit_test(test_firth_refusals),
        cmocka_unit_test(test_cr2),             cmocka_unit_test(test_cluster_df),
        cmocka_unit_test(test_cr2_zero_weights), cmocka_unit_test(test_cr2_refusals),    cmocka_unit_test(test_mi_titanic),
        cmocka_unit_test(test_mi_ordinal),      cmocka_unit_test(test_mi_threads_and_files),
        cmocka_unit_test(test_mi_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
