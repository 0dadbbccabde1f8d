/* Community random intercepts: what must hold beyond the reference values
 * (tests/test_random_intercept.c has those):
 *   - the fit is the same bits at any number of threads, and the same to
 *     rounding for any order of the rows; the warm start on whole groups
 *     gives the same maximiser; case weights are duplicated rows;
 *   - sigma estimated at 0 (the boundary) is reported as 0 with the LR
 *     test 0, p = 1/2, and the model without the random intercept's
 *     estimates and standard errors;
 *   - every refusal, provoked: one group, one row per group, every group's
 *     outcome constant, separation in the fixed part, sandwich covariances,
 *     --nagq or --conditional without (1 | G), the Brant test, a grouping
 *     column that is missing or absent, bad setter arguments;
 *   - groups whose residents share one outcome fit (their modes are finite).
 * Data: simulated here with a fixed LCG (the model's own distribution). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_formula.h"
#include "partreg_ordinal.h"
#include "partreg_table.h"
#include "testutil.h"

#define EXAMPLES PARTREG_SOURCE_DIR "/examples/data/"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return ((double)lcg(s) + 0.5) * 0x1.0p-53; }

static double normal(uint64_t *s)
{
    return sqrt(-2.0 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

/* CSV text of n residents in G communities (community of row i: i % G + 1
 * unless `sorted`, then i / (n / G) + 1): y binary logit, o ordinal logit
 * (4 levels), x1 normal, x2 a 0/1 dummy, w weights 1..3, u ~ N(0, 0.9^2). */
static char *simulate(size_t n, size_t G, int sorted, uint64_t seed)
{
    size_t cap = 64 + n * 64;
    char *buf = malloc(cap), *p = buf;
    double *u = malloc(G * sizeof *u);
    uint64_t s = seed;
    for (size_t g = 0; g < G; g++)
        u[g] = 0.9 * normal(&s);
    p += sprintf(p, "y,o,x1,x2,w,g\n");
    for (size_t i = 0; i < n; i++) {
        size_t g = sorted ? i / (n / G) : i % G;
        double x1 = round(normal(&s) * 1e3) / 1e3, x2 = unif(&s) < 0.4;
        double eta = 0.7 * x1 - 0.5 * x2 + u[g];
        int y = unif(&s) < 1.0 / (1.0 + exp(0.2 - eta));
        double v = unif(&s), L = log(v / (1.0 - v));
        int o = (eta + L > -1.0) + (eta + L > 0.3) + (eta + L > 1.4);
        int w = 1 + (int)(lcg(&s) % 3);
        p += sprintf(p, "%d,%d,%.3f,%.0f,%d,%zu\n", y, o, x1, x2, w, g + 1);
    }
    free(u);
    return buf;
}

static partreg_table *table_of(const char *csv)
{
    partreg_table *t = NULL;
    partreg_error err;
    if (partreg_table_read_csv_buffer(csv, strlen(csv), "sim.csv", NULL, &t, &err) != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_non_null(t);
    return t;
}

/* Run an analysis; returns the status, *out the analysis (or NULL). */
static partreg_status run(const partreg_table *t, const char *formula, partreg_family fam,
                          int threads, size_t warm_rows, partreg_analysis **out,
                          partreg_error *err)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = formula;
    s.frame.family_auto = 0;
    s.frame.family = fam;
    s.fit.threads = threads;
    s.fit.warm_start_rows = warm_rows;
    s.diagnostics = 0;
    return partreg_analysis_run_table(t, &s, out, err);
}

static partreg_analysis *run_ok(const partreg_table *t, const char *formula, partreg_family fam,
                                int threads, size_t warm_rows)
{
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = run(t, formula, fam, threads, warm_rows, &a, &err);
    if (st != PARTREG_OK)
        print_error("%s: %s\n", formula, err.message);
    assert_int_equal(st, PARTREG_OK);
    return a;
}

/* ---- determinism ----------------------------------------------------------- */

static void assert_same_bits(const partreg_fit *a, const partreg_fit *b)
{
    const gsl_vector *pa = partreg_fit_parameters(a), *pb = partreg_fit_parameters(b);
    const gsl_matrix *va = partreg_fit_vcov(a), *vb = partreg_fit_vcov(b);
    size_t K = pa->size;
    assert_int_equal(K, pb->size);
    assert_memory_equal(pa->data, pb->data, K * sizeof(double));
    for (size_t i = 0; i < K; i++)
        assert_memory_equal(gsl_matrix_const_ptr(va, i, 0), gsl_matrix_const_ptr(vb, i, 0),
                            K * sizeof(double));
    double la = partreg_fit_loglik(a), lb = partreg_fit_loglik(b);
    assert_memory_equal(&la, &lb, sizeof la);
    for (size_t g = 0; g < partreg_fit_n_groups(a); g++) {
        partreg_group_effect ea, eb;
        partreg_fit_group_effect(a, g, &ea, NULL);
        partreg_fit_group_effect(b, g, &eb, NULL);
        assert_memory_equal(&ea.mode, &eb.mode, sizeof ea.mode);
    }
}

static void assert_close(const partreg_fit *a, const partreg_fit *b, double tol)
{
    const gsl_vector *pa = partreg_fit_parameters(a), *pb = partreg_fit_parameters(b);
    const gsl_matrix *va = partreg_fit_vcov(a), *vb = partreg_fit_vcov(b);
    for (size_t j = 0; j < pa->size; j++) {
        assert_rel_floor(gsl_vector_get(pa, j), gsl_vector_get(pb, j), tol, 1e-3);
        assert_rel(gsl_matrix_get(va, j, j), gsl_matrix_get(vb, j, j), 100 * tol);
    }
    assert_rel(partreg_fit_loglik(a), partreg_fit_loglik(b), tol * 1e-3);
}

/* 30,000 rows in 600 communities: enough segments for threads to share */
static void test_threads_and_order(void **state)
{
    (void)state;
    char *csv = simulate(30000, 600, 0, 2385), *sorted_csv = simulate(30000, 600, 1, 2385);
    partreg_table *t = table_of(csv), *ts = table_of(sorted_csv);
    static const char *const formulas[2] = {"y ~ x1 + x2 + (1 | g)", "o ~ x1 + x2 + (1 | g)"};
    static const partreg_family fams[2] = {PARTREG_BINARY, PARTREG_ORDINAL};
    for (int f = 0; f < 2; f++) {
        partreg_analysis *a1 = run_ok(t, formulas[f], fams[f], 1, 0);
        partreg_analysis *a2 = run_ok(t, formulas[f], fams[f], 2, 0);
        partreg_analysis *a3 = run_ok(t, formulas[f], fams[f], 3, 0);
        assert_same_bits(partreg_analysis_fit(a1), partreg_analysis_fit(a2));
        assert_same_bits(partreg_analysis_fit(a1), partreg_analysis_fit(a3));
        /* the warm start on whole groups: the same maximiser */
        partreg_analysis *aw = run_ok(t, formulas[f], fams[f], 2, 10000);
        assert_close(partreg_analysis_fit(a1), partreg_analysis_fit(aw), 1e-8);
        /* another row order (grouped instead of interleaved): the same
         * likelihood summed in another order */
        partreg_analysis *as = run_ok(ts, formulas[f], fams[f], 2, 0);
        partreg_analysis *check = run_ok(ts, formulas[f], fams[f], 1, 0);
        assert_same_bits(partreg_analysis_fit(as), partreg_analysis_fit(check));
        partreg_analysis_free(as);
        partreg_analysis_free(check);
        partreg_analysis_free(a1);
        partreg_analysis_free(a2);
        partreg_analysis_free(a3);
        partreg_analysis_free(aw);
    }
    partreg_table_free(t);
    partreg_table_free(ts);
    free(csv);
    free(sorted_csv);
}

/* The same residents in another order: the same estimates to rounding. */
static void test_row_order(void **state)
{
    (void)state;
    size_t n = 3000;
    char *csv = simulate(n, 60, 0, 77);
    /* reverse the data lines */
    char *rev = malloc(strlen(csv) + 1), *p = rev;
    const char *body = strchr(csv, '\n') + 1;
    p += sprintf(p, "y,o,x1,x2,w,g\n");
    const char **lines = malloc(n * sizeof *lines);
    size_t nl = 0;
    for (const char *q = body; *q; q = strchr(q, '\n') + 1)
        lines[nl++] = q;
    for (size_t i = nl; i-- > 0;) {
        size_t len = (size_t)(strchr(lines[i], '\n') - lines[i]) + 1;
        memcpy(p, lines[i], len);
        p += len;
    }
    *p = '\0';
    partreg_table *t = table_of(csv), *tr = table_of(rev);
    partreg_analysis *a = run_ok(t, "o ~ x1 + x2 + (1 | g)", PARTREG_ORDINAL, 1, 0);
    partreg_analysis *b = run_ok(tr, "o ~ x1 + x2 + (1 | g)", PARTREG_ORDINAL, 1, 0);
    assert_close(partreg_analysis_fit(a), partreg_analysis_fit(b), 1e-10);
    /* the groups are reported in the grouping column's order either way */
    for (size_t g = 0; g < 60; g++) {
        partreg_group_effect ea, eb;
        partreg_fit_group_effect(partreg_analysis_fit(a), g, &ea, NULL);
        partreg_fit_group_effect(partreg_analysis_fit(b), g, &eb, NULL);
        assert_string_equal(partreg_fit_group_label(partreg_analysis_fit(a), g),
                            partreg_fit_group_label(partreg_analysis_fit(b), g));
        assert_rel_floor(ea.mode, eb.mode, 1e-9, 1e-6);
    }
    partreg_analysis_free(a);
    partreg_analysis_free(b);
    partreg_table_free(t);
    partreg_table_free(tr);
    free(lines);
    free(rev);
    free(csv);
}

/* Case weights are duplicated rows: w copies of each row without weights. */
static void test_weights_are_rows(void **state)
{
    (void)state;
    char *csv = simulate(1500, 50, 0, 911);
    size_t cap = strlen(csv) * 3 + 64;
    char *dup = malloc(cap), *p = dup;
    p += sprintf(p, "y,o,x1,x2,w,g\n");
    for (const char *q = strchr(csv, '\n') + 1; *q; q = strchr(q, '\n') + 1) {
        size_t len = (size_t)(strchr(q, '\n') - q) + 1;
        int y, o, w;
        double x1, x2;
        size_t g;
        sscanf(q, "%d,%d,%lf,%lf,%d,%zu", &y, &o, &x1, &x2, &w, &g);
        for (int r = 0; r < w; r++) {
            memcpy(p, q, len);
            p += len;
        }
    }
    *p = '\0';
    partreg_table *t = table_of(csv), *td = table_of(dup);
    for (int f = 0; f < 2; f++) {
        const char *formula = f ? "o ~ x1 + x2 + (1 | g)" : "y ~ x1 + x2 + (1 | g)";
        partreg_family fam = f ? PARTREG_ORDINAL : PARTREG_BINARY;
        partreg_analysis_spec s = partreg_analysis_spec_default();
        s.formula = formula;
        s.frame.family_auto = 0;
        s.frame.family = fam;
        s.frame.weights = "w";
        s.diagnostics = 0;
        partreg_analysis *aw = NULL;
        assert_int_equal(partreg_analysis_run_table(t, &s, &aw, NULL), PARTREG_OK);
        partreg_analysis *ad = run_ok(td, formula, fam, 1, 0);
        assert_close(partreg_analysis_fit(aw), partreg_analysis_fit(ad), 1e-9);
        partreg_fit_stats sw, sd;
        partreg_fit_get_stats(partreg_analysis_fit(aw), &sw);
        partreg_fit_get_stats(partreg_analysis_fit(ad), &sd);
        assert_rel(sw.bic, sd.bic, 1e-10); /* N = the sum of the weights */
        partreg_analysis_free(aw);
        partreg_analysis_free(ad);
    }
    partreg_table_free(t);
    partreg_table_free(td);
    free(dup);
    free(csv);
}

/* ---- the boundary ----------------------------------------------------------- */

static void test_boundary(void **state)
{
    (void)state;
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read(EXAMPLES "participation_survey.csv", NULL, &t, NULL),
                     PARTREG_OK);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    static const char *const levels[3] = {"primary", "secondary", "tertiary"};
    s.frame.levels = levels;
    s.frame.n_levels = 3;
    s.frame.family_auto = 0;
    s.frame.family = PARTREG_ORDINAL;
    s.formula = "education ~ age + (1 | community)";
    partreg_analysis *a = NULL, *f0 = NULL;
    assert_int_equal(partreg_analysis_run_table(t, &s, &a, NULL), PARTREG_OK);
    s.formula = "education ~ age";
    assert_int_equal(partreg_analysis_run_table(t, &s, &f0, NULL), PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a), *fixed = partreg_analysis_fit(f0);
    partreg_random_intercept ri;
    assert_int_equal(partreg_fit_random_intercept(fit, &ri, NULL), PARTREG_OK);
    assert_true(ri.at_boundary);
    assert_true(ri.sd == 0.0);
    assert_true(ri.lr_chi2 == 0.0);
    assert_true(ri.lr_p_value == 0.5);
    assert_true(ri.icc == 0.0);
    assert_true(isnan(ri.sd_std_error));
    assert_true(isinf(ri.log_sd) && ri.log_sd < 0);
    assert_true(partreg_fit_converged(fit));
    /* the model without the random intercept: its loglik, estimates, SEs */
    assert_rel(partreg_fit_loglik(fit), partreg_fit_loglik(fixed), 1e-13);
    assert_rel(ri.loglik_fixed, partreg_fit_loglik(fixed), 1e-13);
    for (size_t j = 0; j < 3; j++) {
        partreg_estimate e, e0;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        partreg_fit_estimate(fixed, j, 0.95, &e0, NULL);
        assert_rel(e.estimate, e0.estimate, 1e-12);
        assert_rel(e.std_error, e0.std_error, 1e-10);
    }
    /* aic counts sigma */
    partreg_fit_stats st, st0;
    partreg_fit_get_stats(fit, &st);
    partreg_fit_get_stats(fixed, &st0);
    assert_rel(st.aic, st0.aic + 2.0, 1e-12);
    assert_true(isnan(gsl_matrix_get(partreg_fit_vcov(fit), 3, 3)));
    for (size_t g = 0; g < partreg_fit_n_groups(fit); g++) {
        partreg_group_effect e;
        partreg_fit_group_effect(fit, g, &e, NULL);
        assert_true(e.mode == 0.0);
    }
    /* predictions at the boundary are the fixed model's */
    gsl_matrix *p1 = gsl_matrix_alloc(5, 3), *p0 = gsl_matrix_alloc(5, 3);
    partreg_data d;
    partreg_frame_data(partreg_analysis_frame(a), &d);
    d.n = 5;
    assert_int_equal(partreg_fit_predict(fit, &d, p1, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_predict(fixed, &d, p0, NULL), PARTREG_OK);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 3; j++)
            assert_rel(gsl_matrix_get(p1, i, j), gsl_matrix_get(p0, i, j), 1e-12);
    gsl_matrix_free(p1);
    gsl_matrix_free(p0);
    partreg_analysis_free(a);
    partreg_analysis_free(f0);
    partreg_table_free(t);
}

/* ---- refusals --------------------------------------------------------------- */

static void expect_error(const char *csv, const char *formula, partreg_family fam,
                         partreg_status want, const char *message)
{
    partreg_table *t = table_of(csv);
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = run(t, formula, fam, 1, 0, &a, &err);
    if (st != want || !strstr(err.message, message))
        print_error("%s: status %d, '%s'\n", formula, (int)st, err.message);
    assert_int_equal(st, want);
    assert_contains(err.message, message);
    partreg_analysis_free(a);
    partreg_table_free(t);
}

static void test_refusals(void **state)
{
    (void)state;
    char *csv = simulate(400, 20, 0, 5);
    /* one group: the grouping column constant */
    char *one = malloc(strlen(csv) + 1);
    strcpy(one, "y,o,x1,x2,w,g\n");
    for (const char *q = strchr(csv, '\n') + 1; *q; q = strchr(q, '\n') + 1) {
        size_t len = (size_t)(strchr(q, '\n') - q);
        char line[128];
        memcpy(line, q, len);
        line[len] = '\0';
        *strrchr(line, ',') = '\0';
        strcat(one, line);
        strcat(one, ",7\n");
    }
    expect_error(one, "y ~ x1 + (1 | g)", PARTREG_BINARY, PARTREG_EDATA, "a single group");
    /* one row per group */
    char rows[4096], *p = rows;
    uint64_t s = 3;
    p += sprintf(p, "y,x1,g\n");
    for (int i = 0; i < 80; i++)
        p += sprintf(p, "%d,%.3f,%d\n", (int)(lcg(&s) % 2), normal(&s), i);
    expect_error(rows, "y ~ x1 + (1 | g)", PARTREG_BINARY, PARTREG_EDATA, "has a single row");
    /* every group's residents share one outcome */
    p = rows;
    p += sprintf(p, "y,x1,g\n");
    for (int i = 0; i < 80; i++)
        p += sprintf(p, "%d,%.3f,%d\n", (i / 8) % 2, normal(&s), i / 8);
    expect_error(rows, "y ~ x1 + (1 | g)", PARTREG_BINARY, PARTREG_EDATA,
                 "the groups predict it perfectly");
    /* options the model refuses */
    partreg_table *t = table_of(csv);
    partreg_analysis_spec sp = partreg_analysis_spec_default();
    partreg_analysis *a = NULL;
    partreg_error err;
    sp.formula = "y ~ x1 + (1 | g)";
    sp.vcov = PARTREG_VCOV_HC1;
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "use --vcov model");
    sp = partreg_analysis_spec_default();
    sp.formula = "y ~ x1";
    sp.nagq = 5;
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_EINVAL);
    assert_contains(err.message, "add a term (1 | GROUP)");
    sp.nagq = 0;
    sp.ri_conditional = 1;
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_EINVAL);
    assert_contains(err.message, "--conditional");
    sp = partreg_analysis_spec_default();
    sp.formula = "o ~ x1 + (1 | g)";
    sp.brant = 1;
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "--brant is not offered with the random intercept");
    sp.brant = 0;
    sp.formula = "o ~ x1 + (1 | nosuch)";
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_ENOTFOUND);
    assert_contains(err.message, "nosuch");
    /* the sandwich estimators on a fit of the library API */
    sp.formula = "o ~ x1 + (1 | g)";
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_OK);
    partreg_fit *fit = (partreg_fit *)partreg_analysis_fit(a);
    partreg_data d;
    partreg_frame_data(partreg_analysis_frame(a), &d);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC0, NULL, 0, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "not independent");
    /* the ordinal tests of the model without the random intercept */
    partreg_variable_tests *vt = NULL;
    assert_int_equal(partreg_nominal_test(fit, partreg_analysis_frame(a), &vt, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "without a random intercept");
    partreg_ordinal_gof gof;
    assert_int_equal(partreg_fit_ordinal_gof(fit, partreg_analysis_frame(a), NULL, &gof, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "without a random intercept");
    partreg_analysis_free(a);
    sp.nominal = "x1";
    assert_int_equal(partreg_analysis_run_table(t, &sp, &a, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "--nominal is not offered with the random intercept");
    /* the specification: nominal effects and a random intercept exclude each other */
    partreg_model_spec *ms = NULL;
    size_t g3[3] = {0, 1, 1}, col = 0;
    assert_int_equal(partreg_model_spec_create(PARTREG_ORDINAL, PARTREG_LOGIT, &ms, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_nominal(ms, 1, &col, &err), PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_groups(ms, 3, g3, 2, NULL, "g", &err),
                     PARTREG_EUNSUPPORTED);
    assert_int_equal(partreg_model_spec_set_nominal(ms, 0, NULL, &err), PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_groups(ms, 3, g3, 2, NULL, "g", &err), PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_nominal(ms, 1, &col, &err), PARTREG_EUNSUPPORTED);
    partreg_model_spec_free(ms);
    partreg_table_free(t);
    free(one);
    free(csv);
}

/* Separation in the fixed part: x1 > 0 decides the outcome. */
static void test_separation(void **state)
{
    (void)state;
    char rows[8192], *p = rows;
    uint64_t s = 11;
    p += sprintf(p, "y,x1,z,g\n");
    for (int i = 0; i < 200; i++) {
        double x = normal(&s);
        p += sprintf(p, "%d,%.3f,%.3f,%d\n", x > 0, x, normal(&s), i % 20);
    }
    partreg_table *t = table_of(rows);
    partreg_analysis *a = NULL;
    partreg_error err;
    assert_int_equal(run(t, "y ~ x1 + z + (1 | g)", PARTREG_BINARY, 1, 0, &a, &err),
                     PARTREG_ESEPARATION);
    assert_contains(err.message, "separation");
    assert_contains(err.message, "x1");
    assert_non_null(a);
    assert_true(partreg_fit_separated(partreg_analysis_fit(a)));
    partreg_analysis_free(a);
    partreg_table_free(t);
}

/* Some groups' residents all share one outcome: their modes are finite and
 * on that outcome's side. */
static void test_constant_groups(void **state)
{
    (void)state;
    char *csv = simulate(2000, 40, 0, 19);
    /* groups 1..4 all y = 1 */
    char *line = strchr(csv, '\n') + 1;
    while (*line) {
        char *end = strchr(line, '\n');
        *end = '\0';
        size_t g = strtoul(strrchr(line, ',') + 1, NULL, 10);
        if (g <= 4)
            line[0] = '1';
        *end = '\n';
        line = end + 1;
    }
    partreg_table *t = table_of(csv);
    partreg_analysis *a = run_ok(t, "y ~ x1 + x2 + (1 | g)", PARTREG_BINARY, 1, 0);
    const partreg_fit *fit = partreg_analysis_fit(a);
    for (size_t g = 0; g < 4; g++) {
        partreg_group_effect e;
        partreg_fit_group_effect(fit, g, &e, NULL);
        assert_true(isfinite(e.mode) && e.mode > 0.5);
        assert_true(isfinite(e.std_error) && e.std_error > 0);
    }
    partreg_analysis_free(a);
    partreg_table_free(t);
    free(csv);
}

/* Rows with a missing group are dropped with the others. */
static void test_missing_group(void **state)
{
    (void)state;
    char *csv = simulate(600, 30, 0, 23);
    /* blank the group of every tenth row */
    size_t i = 0;
    size_t cap = strlen(csv) + 1;
    char *out = malloc(cap), *p = out;
    p += sprintf(p, "y,o,x1,x2,w,g\n");
    for (const char *q = strchr(csv, '\n') + 1; *q; q = strchr(q, '\n') + 1, i++) {
        const char *last = q;
        for (const char *r = q; *r != '\n'; r++)
            if (*r == ',')
                last = r;
        size_t keep = (size_t)(last - q) + 1;
        memcpy(p, q, keep);
        p += keep;
        if (i % 10 != 0) {
            size_t rest = (size_t)(strchr(last, '\n') - last) - 1;
            memcpy(p, last + 1, rest);
            p += rest;
        }
        *p++ = '\n';
    }
    *p = '\0';
    partreg_table *t = table_of(out);
    partreg_analysis *a = run_ok(t, "y ~ x1 + (1 | g)", PARTREG_BINARY, 1, 0);
    assert_int_equal(partreg_frame_n_dropped(partreg_analysis_frame(a)), 60);
    assert_int_equal(partreg_fit_n_obs(partreg_analysis_fit(a)), 540);
    partreg_analysis_free(a);
    partreg_table_free(t);
    free(out);
    free(csv);
}

/* partreg_lr_test of the model without the random intercept against the
 * one with it: the chi-bar-square p of random_effects, half the chi2(1)
 * tail; with one more slope dropped, the 50:50 mixture of chi2(1) and
 * chi2(2). */
static void test_lr_test_boundary(void **state)
{
    (void)state;
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read(EXAMPLES "participation_survey.csv", NULL, &t, NULL),
                     PARTREG_OK);
    partreg_analysis *full = run_ok(t, "willingness ~ social_capital + age + (1 | community)",
                                    PARTREG_ORDINAL, 1, 0);
    partreg_analysis *fixed = run_ok(t, "willingness ~ social_capital + age", PARTREG_ORDINAL, 1, 0);
    partreg_analysis *less = run_ok(t, "willingness ~ social_capital", PARTREG_ORDINAL, 1, 0);
    double chi2, df, p;
    assert_int_equal(partreg_lr_test(partreg_analysis_fit(full), partreg_analysis_fit(fixed),
                                     &chi2, &df, &p, NULL),
                     PARTREG_OK);
    partreg_random_intercept ri;
    partreg_fit_random_intercept(partreg_analysis_fit(full), &ri, NULL);
    assert_rel(chi2, ri.lr_chi2, 1e-12);
    assert_rel(p, ri.lr_p_value, 1e-12);
    assert_true(df == 1.0);
    assert_int_equal(partreg_lr_test(partreg_analysis_fit(full), partreg_analysis_fit(less),
                                     &chi2, &df, &p, NULL),
                     PARTREG_OK);
    assert_true(df == 2.0);
    assert_rel(p, 0.5 * gsl_cdf_chisq_Q(chi2, 1.0) + 0.5 * gsl_cdf_chisq_Q(chi2, 2.0), 1e-12);
    partreg_analysis_free(full);
    partreg_analysis_free(fixed);
    partreg_analysis_free(less);
    partreg_table_free(t);
}

static void test_setters(void **state)
{
    (void)state;
    partreg_model_spec *spec = NULL;
    partreg_error err;
    assert_int_equal(partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, NULL),
                     PARTREG_OK);
    size_t g[4] = {0, 1, 2, 1};
    assert_int_equal(partreg_model_spec_set_groups(NULL, 4, g, 3, NULL, NULL, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_groups(spec, 4, NULL, 3, NULL, NULL, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_groups(spec, 4, g, 2, NULL, NULL, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "row 3");
    assert_int_equal(partreg_model_spec_set_nagq(spec, 101, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_nagq(spec, -1, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_ri_predictions(spec, (partreg_ri_predictions)7, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_model_spec_set_groups(spec, 4, g, 3, NULL, "g", &err), PARTREG_OK);
    /* the data must have the rows the groups were given for */
    double X[6] = {1, 0.5, 1, -0.2, 1, 1.1}, y[3] = {0, 1, 1};
    partreg_data d = {3, 2, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, &err), PARTREG_EINVAL);
    assert_contains(err.message, "4 rows but the data have 3");
    assert_null(fit);
    /* removing the random intercept gives the plain model back */
    assert_int_equal(partreg_model_spec_set_groups(spec, 0, NULL, 0, NULL, NULL, &err),
                     PARTREG_OK);
    partreg_random_intercept ri;
    assert_int_equal(partreg_fit_random_intercept(NULL, &ri, &err), PARTREG_EINVAL);
    partreg_model_spec_free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_and_order), cmocka_unit_test(test_row_order),
        cmocka_unit_test(test_weights_are_rows),  cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_refusals),          cmocka_unit_test(test_separation),
        cmocka_unit_test(test_constant_groups),   cmocka_unit_test(test_missing_group),
        cmocka_unit_test(test_setters),           cmocka_unit_test(test_lr_test_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
