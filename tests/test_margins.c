/* Marginal effects and predictive margins (lib/inference/margins*.c):
 * - the conformance cases wine_logit_margins and mroz_logit_margins;
 * - R references (tests/ref/ref_margins_cases.h, tests/ref/margins_cases.R):
 *   a probit with I(age^2), log(inc + 1), k5:age and wc*lwg; a cloglog
 *   cumulative-link model with PROD*EASY + log(EASY); a weighted ordinal
 *   logit with factors only — AME, MEM and at();
 * - AMEs against central differences of the mean predicted probability
 *   (partreg_fit_predict on design rows with the variable shifted row by
 *   row), and standard errors against a finite-difference Jacobian of the
 *   AMEs in the parameters;
 * - metamorphic: integer case weights = duplicated rows;
 * - partreg_margins_at_each (one pass over a grid) against one
 *   partreg_margins_at call per point, threaded (60,000 simulated rows)
 *   and not, and its error statuses;
 * - the settings parser and every error status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fit_internal.h"
#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_inference.h"
#include "partreg_margins.h"
#include "partreg_simulate.h"
#include "ref/ref_margins_cases.h"
#include <float.h>

#include "testutil.h"

/* ---- fixtures -------------------------------------------------------------- */

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
    memset(m, 0, sizeof *m);
}

/* Fit `formula` on a table with the given outcome levels (NULL = default),
 * weights column (NULL = none) and link. */
static void model_fit(model *m, partreg_table *table, const char *formula,
                      const char *const *levels, size_t n_levels, const char *weights,
                      partreg_link link)
{
    partreg_error err;
    memset(m, 0, sizeof *m);
    m->table = table;
    if (partreg_formula_parse(formula, &m->formula, &err) != PARTREG_OK)
        print_error("formula: %s\n", err.message);
    assert_non_null(m->formula);
    partreg_frame_options fo = partreg_frame_options_default();
    fo.levels = levels;
    fo.n_levels = n_levels;
    fo.weights = weights;
    if (partreg_frame_create(m->table, m->formula, &fo, &m->frame, &err) != PARTREG_OK)
        print_error("frame: %s\n", err.message);
    assert_non_null(m->frame);
    partreg_data d;
    partreg_frame_data(m->frame, &d);
    partreg_status st =
        partreg_fit_create(&d, partreg_frame_family(m->frame), link, NULL, &m->fit, &err);
    if (st != PARTREG_OK)
        print_error("fit: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
}

static partreg_table *read_data(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PARTREG_TEST_DATA_DIR, name);
    partreg_table *t = NULL;
    partreg_error err;
    if (partreg_table_read_csv(path, NULL, &t, &err) != PARTREG_OK)
        print_error("%s: %s\n", path, err.message);
    assert_non_null(t);
    return t;
}

static partreg_link link_of(const char *name)
{
    partreg_link l = PARTREG_LOGIT;
    assert_int_equal(partreg_link_parse(name, &l, NULL), PARTREG_OK);
    return l;
}

/* The entry with this term and outcome ("" = binary), failing if absent. */
static const partreg_margin *find(const partreg_margins *m, const char *term, const char *outcome)
{
    for (size_t i = 0; i < partreg_margins_n_entries(m); i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        int same_outcome = outcome[0] ? (e->outcome && strcmp(e->outcome, outcome) == 0)
                                      : e->outcome == NULL;
        if (strcmp(e->term, term) == 0 && same_outcome)
            return e;
    }
    print_error("no margin (%s, %s)\n", term, outcome);
    fail();
    return NULL;
}

/* Compare every entry against references; the list must have exactly n. */
static void check_list(const partreg_margins *m, size_t n, const char *const *term,
                       const char *const *outcome, const double *est, const double *se,
                       double tol)
{
    assert_int_equal(partreg_margins_n_entries(m), n);
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *e = find(m, term[i], outcome[i]);
        assert_rel_floor(e->estimate, est[i], tol, 1e-8);
        assert_rel(e->std_error, se[i], tol);
        assert_rel(e->z, e->estimate / e->std_error, 1e-14);
        assert_rel_floor(e->p_value, erfc(fabs(e->z) / sqrt(2.0)), 1e-12, 1e-300);
        assert_rel(e->conf_high - e->conf_low, 2 * 1.959963984540054 * e->std_error, 1e-12);
    }
}

/* ---- conformance cases ------------------------------------------------------- */

/* /work/shared/conformance/cases/mroz_logit_margins.json, "expect" block
 * (R 4.2.2 glm + Newton polish; numDeriv Jacobian; see the case's source). */
static void test_conformance_mroz(void **state)
{
    (void)state;
    static const char *const term[7] = {"k5", "k618", "age", "wc[yes]", "hc[yes]", "lwg", "inc"};
    static const char *const outcome[7] = {"", "", "", "", "", "", ""};
    static const double est[7] = {-0.3036611473545849,   -0.013403126239220074,
                                  -0.0130502245584242,   0.16422470664193115,
                                  0.023183676330162654,  0.12551792368709885,
                                  -0.0071501465961821735};
    static const double se[7] = {0.03517443370934162,  0.01408831685032546,
                                 0.0024983233179804603, 0.04405742607717388,
                                 0.04270267838436648,  0.030095105739283895,
                                 0.0016321557078372406};
    model m;
    model_fit(&m, read_data("mroz.csv"), "lfp ~ k5 + k618 + age + wc + hc + lwg + inc", NULL, 0,
              NULL, PARTREG_LOGIT);
    partreg_margins *mg = NULL;
    partreg_error err;
    assert_int_equal(partreg_margins_ame(m.fit, m.frame, 0.95, &mg, &err), PARTREG_OK);
    /* the checker's tolerance is 1e-4; the reference has ~10 digits */
    check_list(mg, 7, term, outcome, est, se, 1e-8);
    /* entries in frame order */
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(partreg_margins_get(mg, i)->term, term[i]);
    assert_null(partreg_margins_get(mg, 7));
    partreg_margins_free(mg);
    model_free(&m);
}

/* /work/shared/conformance/cases/wine_logit_margins.json, "expect" block
 * (R 4.2.2 ordinal::clm + Newton polish; numDeriv Jacobian). */
static void test_conformance_wine(void **state)
{
    (void)state;
    static const char *const term[10] = {"temp[warm]",   "temp[warm]",   "temp[warm]",
                                         "temp[warm]",   "temp[warm]",   "contact[yes]",
                                         "contact[yes]", "contact[yes]", "contact[yes]",
                                         "contact[yes]"};
    static const char *const outcome[10] = {"1", "2", "3", "4", "5", "1", "2", "3", "4", "5"};
    static const double est[10] = {-0.11742007988091,    -0.3465394223170182, 0.08521732079516812,
                                   0.2223250901824384,   0.15641709122032166, -0.08476177896132323,
                                   -0.17030899767423266, 0.026701682641387156,
                                   0.11765190320978482,  0.1107171907843839};
    static const double se[10] = {0.048680295042951,    0.07943321116784408, 0.06216650006180125,
                                  0.06342344565794658,  0.053538591053904745, 0.0385510604241691,
                                  0.06421743121064338,  0.026144051379963434,
                                  0.04656293922172651,  0.04294385401728187};
    static const char *const lv[5] = {"1", "2", "3", "4", "5"};
    model m;
    model_fit(&m, read_data("wine.csv"), "rating ~ temp + contact", lv, 5, NULL, PARTREG_LOGIT);
    partreg_margins *mg = NULL;
    assert_int_equal(partreg_margins_ame(m.fit, m.frame, 0.95, &mg, NULL), PARTREG_OK);
    check_list(mg, 10, term, outcome, est, se, 1e-8);
    /* the J changes of one variable sum to zero, up to the rounding of the
     * J averages (a few ulps of their size: 1.2e-15 here, -2.5e-16 with
     * the information's last bits computed another way) */
    double s = 0.0, size = 0.0;
    for (size_t j = 0; j < 5; j++) {
        s += partreg_margins_get(mg, j)->estimate;
        size += fabs(partreg_margins_get(mg, j)->estimate);
    }
    assert_true(fabs(s) < 16.0 * DBL_EPSILON * size);
    partreg_margins_free(mg);
    model_free(&m);
}

/* ---- R references (tests/ref/ref_margins_cases.h) ------------------------------ */

#define NOF(a) (sizeof(a) / sizeof((a)[0]))

static void fit_case_a(model *m)
{
    model_fit(m, read_data("mroz.csv"), ref_A_formula, NULL, 0, NULL, link_of(ref_A_link));
}
static void fit_case_b(model *m)
{
    static const char *const lv[6] = {"1", "2", "3", "4", "5", "6"};
    model_fit(m, read_data("soup_margins.csv"), ref_B_formula, lv, 6, NULL, link_of(ref_B_link));
}
static void fit_case_c(model *m)
{
    static const char *const lv[3] = {"Low", "Medium", "High"};
    model_fit(m, read_data("housing.csv"), ref_C_formula, lv, 3, "Freq", link_of(ref_C_link));
}

/* AME, MEM and at() of one case against R. Tolerance 1e-7: the R values
 * carry ~10 digits (numDeriv Jacobian, O(h^4) design derivatives). */
#define CHECK_CASE(tag, m)                                                                   \
    do {                                                                                     \
        partreg_margins *mg = NULL;                                                          \
        partreg_error err;                                                                   \
        assert_int_equal(partreg_margins_ame((m)->fit, (m)->frame, 0.95, &mg, &err),         \
                         PARTREG_OK);                                                        \
        check_list(mg, NOF(ref_##tag##_term), ref_##tag##_term, ref_##tag##_outcome,          \
                   ref_##tag##_ame, ref_##tag##_ame_se, 1e-7);                               \
        partreg_margins_free(mg);                                                            \
        assert_int_equal(partreg_margins_mem((m)->fit, (m)->frame, 0.95, &mg, &err),         \
                         PARTREG_OK);                                                        \
        check_list(mg, NOF(ref_##tag##_term), ref_##tag##_term, ref_##tag##_outcome,          \
                   ref_##tag##_mem, ref_##tag##_mem_se, 1e-7);                               \
        partreg_margins_free(mg);                                                            \
        partreg_setting *set = NULL;                                                         \
        size_t nset = 0;                                                                     \
        assert_int_equal(partreg_parse_settings((m)->frame, ref_##tag##_at_spec, &set, &nset, \
                                                &err),                                       \
                         PARTREG_OK);                                                        \
        assert_int_equal(partreg_margins_at((m)->fit, (m)->frame, set, nset, 0.95, &mg,      \
                                            &err),                                           \
                         PARTREG_OK);                                                        \
        assert_int_equal(partreg_margins_n_entries(mg), NOF(ref_##tag##_at));                    \
        for (size_t i = 0; i < NOF(ref_##tag##_at); i++) {                                   \
            const partreg_margin *e = partreg_margins_get(mg, i);                            \
            assert_string_equal(e->term, ref_##tag##_at_spec);                               \
            assert_rel(e->estimate, ref_##tag##_at[i], 1e-7);                                \
            assert_rel(e->std_error, ref_##tag##_at_se[i], 1e-7);                            \
        }                                                                                    \
        partreg_margins_free(mg);                                                            \
        free(set);                                                                           \
    } while (0)

static void test_ref_probit_transformations(void **state)
{
    (void)state;
    model m;
    fit_case_a(&m);
    CHECK_CASE(A, &m);
    model_free(&m);
}

static void test_ref_ordinal_cloglog(void **state)
{
    (void)state;
    model m;
    fit_case_b(&m);
    CHECK_CASE(B, &m);
    model_free(&m);
}

static void test_ref_ordinal_weighted(void **state)
{
    (void)state;
    model m;
    fit_case_c(&m);
    CHECK_CASE(C, &m);
    model_free(&m);
}

/* ---- finite differences ------------------------------------------------------- */

/* Weighted mean of P (column `col` of the predicted probabilities) with
 * numeric variable v shifted by h in every row. */
static double mean_prob_shifted(const model *m, size_t v, double h, size_t col)
{
    const partreg_frame *fr = m->frame;
    size_t n = partreg_frame_n_rows(fr), p = partreg_frame_n_columns(fr);
    size_t J = partreg_frame_family(fr) == PARTREG_ORDINAL ? partreg_frame_n_levels(fr) : 1;
    const double *xv = partreg_frame_variable_values(fr, v);
    const double *w = partreg_frame_weights(fr);
    double *x = malloc(p * sizeof *x);
    gsl_matrix *pr = gsl_matrix_alloc(1, J);
    assert_non_null(x);
    double s = 0.0, W = 0.0;
    for (size_t i = 0; i < n; i++) {
        partreg_setting set = {v, xv[i] + h, 0};
        assert_int_equal(partreg_frame_design_row(fr, i, &set, 1, -1, x, NULL, NULL), PARTREG_OK);
        partreg_data d = {1, p, x, p, NULL, NULL, partreg_frame_n_levels(fr), NULL, NULL};
        assert_int_equal(partreg_fit_predict(m->fit, &d, pr, NULL), PARTREG_OK);
        double wi = w ? w[i] : 1.0;
        s += wi * gsl_matrix_get(pr, 0, col);
        W += wi;
    }
    free(x);
    gsl_matrix_free(pr);
    return s / W;
}

/* AME of each numeric variable = d/dh of the mean probability (Richardson
 * central difference, error O(h^4) ~ 1e-13 here). */
static void check_fd_ame(const model *m)
{
    partreg_margins *mg = NULL;
    assert_int_equal(partreg_margins_ame(m->fit, m->frame, 0.95, &mg, NULL), PARTREG_OK);
    const partreg_frame *fr = m->frame;
    int ordinal = partreg_frame_family(fr) == PARTREG_ORDINAL;
    size_t J = ordinal ? partreg_frame_n_levels(fr) : 1;
    size_t checked = 0;
    for (size_t v = 0; v < partreg_frame_n_variables(fr); v++) {
        if (partreg_frame_variable_is_categorical(fr, v))
            continue;
        const char *name = partreg_frame_variable_name(fr, v);
        for (size_t j = 0; j < J; j++) {
            double h = 1e-3;
            double d1 = (mean_prob_shifted(m, v, h, j) - mean_prob_shifted(m, v, -h, j)) / (2 * h);
            double d2 = (mean_prob_shifted(m, v, h / 2, j) - mean_prob_shifted(m, v, -h / 2, j)) / h;
            double fd = (4 * d2 - d1) / 3;
            const partreg_margin *e = find(mg, name, ordinal ? partreg_frame_level_name(fr, j) : "");
            assert_rel_floor(e->estimate, fd, 1e-8, 1e-6);
            checked++;
        }
    }
    assert_true(checked > 0);
    partreg_margins_free(mg);
}

static void test_fd_ame_binary(void **state)
{
    (void)state;
    model m;
    fit_case_a(&m);
    check_fd_ame(&m);
    model_free(&m);
}

static void test_fd_ame_ordinal(void **state)
{
    (void)state;
    model m;
    fit_case_b(&m);
    check_fd_ame(&m);
    model_free(&m);
}

/* Standard errors = sqrt(J V J') with J a central-difference Jacobian of
 * the AMEs in the parameters (coefficients and thresholds, perturbed in the
 * fit itself), under the covariance in force (here HC1 as well). */
static void check_fd_se(model *m, partreg_margins *(*compute)(const model *))
{
    partreg_margins *base = compute(m);
    size_t ne = partreg_margins_n_entries(base);
    size_t K = partreg_fit_n_parameters(m->fit);
    double *Jm = calloc(ne * K, sizeof *Jm);
    assert_non_null(Jm);
    for (size_t k = 0; k < K; k++) {
        if (partreg_fit_free_index(m->fit, k) == PARTREG_NONE)
            continue;
        double *par = gsl_vector_ptr(m->fit->par, k);
        /* a step on the parameter's own scale (its standard error) */
        double x0 = *par, h = 1e-4 * sqrt(gsl_matrix_get(partreg_fit_vcov(m->fit), k, k));
        *par = x0 + h;
        partreg_margins *up = compute(m);
        *par = x0 - h;
        partreg_margins *dn = compute(m);
        *par = x0;
        for (size_t e = 0; e < ne; e++)
            Jm[e * K + k] = (partreg_margins_get(up, e)->estimate -
                             partreg_margins_get(dn, e)->estimate) /
                            (2 * h);
        partreg_margins_free(up);
        partreg_margins_free(dn);
    }
    const gsl_matrix *V = partreg_fit_vcov(m->fit);
    for (size_t e = 0; e < ne; e++) {
        double var = 0.0;
        for (size_t r = 0; r < K; r++)
            for (size_t c = 0; c < K; c++)
                var += Jm[e * K + r] * gsl_matrix_get(V, r, c) * Jm[e * K + c];
        assert_rel(partreg_margins_get(base, e)->std_error, sqrt(var), 1e-6);
    }
    free(Jm);
    partreg_margins_free(base);
}

static partreg_margins *compute_ame(const model *m)
{
    partreg_margins *mg = NULL;
    assert_int_equal(partreg_margins_ame(m->fit, m->frame, 0.95, &mg, NULL), PARTREG_OK);
    return mg;
}
static partreg_margins *compute_mem(const model *m)
{
    partreg_margins *mg = NULL;
    assert_int_equal(partreg_margins_mem(m->fit, m->frame, 0.95, &mg, NULL), PARTREG_OK);
    return mg;
}
static partreg_margins *compute_at(const model *m)
{
    partreg_margins *mg = NULL;
    partreg_setting *set = NULL;
    size_t n = 0;
    const char *spec = partreg_frame_family(m->frame) == PARTREG_ORDINAL ? ref_B_at_spec
                                                                          : ref_A_at_spec;
    assert_int_equal(partreg_parse_settings(m->frame, spec, &set, &n, NULL), PARTREG_OK);
    assert_int_equal(partreg_margins_at(m->fit, m->frame, set, n, 0.95, &mg, NULL), PARTREG_OK);
    free(set);
    return mg;
}

static void test_fd_jacobian(void **state)
{
    (void)state;
    model a, b;
    fit_case_a(&a);
    fit_case_b(&b);
    check_fd_se(&a, compute_ame);
    check_fd_se(&a, compute_mem);
    check_fd_se(&a, compute_at);
    check_fd_se(&b, compute_ame);
    check_fd_se(&b, compute_mem);
    check_fd_se(&b, compute_at);
    /* the covariance in force carries over */
    partreg_data d;
    partreg_frame_data(b.frame, &d);
    assert_int_equal(partreg_fit_set_vcov(b.fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL), PARTREG_OK);
    check_fd_se(&b, compute_ame);
    model_free(&a);
    model_free(&b);
}

/* ---- metamorphic: case weights = duplicated rows ---------------------------------- */

static void test_weights_are_duplicates(void **state)
{
    (void)state;
    /* every 6th row of mroz (126 rows) with weights 1..3, and the same rows
     * written out w times */
    FILE *in = fopen(PARTREG_TEST_DATA_DIR "/mroz.csv", "r");
    assert_non_null(in);
    char line[512];
    size_t cap = 1 << 16;
    char *wbuf = calloc(cap, 1), *dbuf = calloc(cap * 3, 1);
    assert_non_null(wbuf);
    assert_non_null(dbuf);
    assert_non_null(fgets(line, sizeof line, in));
    line[strcspn(line, "\r\n")] = '\0';
    snprintf(wbuf, cap, "%s,w\n", line);
    snprintf(dbuf, cap * 3, "%s,w\n", line);
    for (int i = 0; fgets(line, sizeof line, in); i++) {
        line[strcspn(line, "\r\n")] = '\0';
        if (i % 6)
            continue;
        int w = 1 + (i / 6) % 3;
        char row[600];
        snprintf(row, sizeof row, "%s,%d\n", line, w);
        strcat(wbuf, row);
        snprintf(row, sizeof row, "%s,1\n", line);
        for (int k = 0; k < w; k++)
            strcat(dbuf, row);
    }
    fclose(in);
    const char *formula = "lfp ~ k5 + age + I(age^2) + wc*lwg + log(inc + 1)";
    partreg_table *tw = NULL, *td = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(wbuf, strlen(wbuf), "w", NULL, &tw, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_table_read_csv_buffer(dbuf, strlen(dbuf), "d", NULL, &td, NULL),
                     PARTREG_OK);
    model mw, md;
    model_fit(&mw, tw, formula, NULL, 0, "w", PARTREG_LOGIT);
    model_fit(&md, td, formula, NULL, 0, NULL, PARTREG_LOGIT);
    partreg_margins *(*fns[3])(const model *) = {compute_ame, compute_mem, compute_at};
    for (int f = 0; f < 3; f++) {
        partreg_margins *a = fns[f](&mw), *b = fns[f](&md);
        assert_int_equal(partreg_margins_n_entries(a), partreg_margins_n_entries(b));
        for (size_t i = 0; i < partreg_margins_n_entries(a); i++) {
            assert_string_equal(partreg_margins_get(a, i)->term, partreg_margins_get(b, i)->term);
            assert_rel(partreg_margins_get(a, i)->estimate, partreg_margins_get(b, i)->estimate,
                       1e-9);
            assert_rel(partreg_margins_get(a, i)->std_error, partreg_margins_get(b, i)->std_error,
                       1e-8);
        }
        partreg_margins_free(a);
        partreg_margins_free(b);
    }
    model_free(&mw);
    model_free(&md);
    free(wbuf);
    free(dbuf);
}

/* ---- MEM on a main-effects logit: closed form at the mean design row ------------- */

static void test_mem_main_effects_closed_form(void **state)
{
    (void)state;
    model m;
    model_fit(&m, read_data("mroz.csv"), "lfp ~ k5 + age + wc + lwg", NULL, 0, NULL,
              PARTREG_LOGIT);
    /* main effects only: the atmeans row is the column means of X */
    partreg_data d;
    partreg_frame_data(m.frame, &d);
    double xbar[5] = {0};
    for (size_t i = 0; i < d.n; i++)
        for (size_t j = 0; j < 5; j++)
            xbar[j] += d.X[i * d.p + j] / (double)d.n;
    const gsl_vector *b = partreg_fit_coef(m.fit);
    double eta = 0.0;
    for (size_t j = 0; j < 5; j++)
        eta += xbar[j] * gsl_vector_get(b, j);
    double f = exp(-fabs(eta)) / ((1 + exp(-fabs(eta))) * (1 + exp(-fabs(eta))));
    partreg_margins *mg = compute_mem(&m);
    assert_rel(find(mg, "k5", "")->estimate, f * gsl_vector_get(b, 1), 1e-12);
    assert_rel(find(mg, "age", "")->estimate, f * gsl_vector_get(b, 2), 1e-12);
    double e1 = eta + (1 - xbar[3]) * gsl_vector_get(b, 3), e0 = eta - xbar[3] * gsl_vector_get(b, 3);
    assert_rel(find(mg, "wc[yes]", "")->estimate, 1 / (1 + exp(-e1)) - 1 / (1 + exp(-e0)), 1e-12);
    partreg_margins_free(mg);
    model_free(&m);
}

/* ---- settings ------------------------------------------------------------------ */

static void test_parse_settings(void **state)
{
    (void)state;
    model m;
    fit_case_a(&m);
    partreg_setting *set = NULL;
    size_t n = 99;
    partreg_error err;
    assert_int_equal(partreg_parse_settings(m.frame, " age = 30.5 , wc=yes,inc=-1e-1 ", &set, &n,
                                            &err),
                     PARTREG_OK);
    assert_int_equal(n, 3);
    size_t v_age, v_wc, v_inc;
    assert_int_equal(partreg_frame_find_variable(m.frame, "age", &v_age, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(m.frame, "wc", &v_wc, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(m.frame, "inc", &v_inc, NULL), PARTREG_OK);
    assert_int_equal(set[0].variable, v_age);
    assert_true(set[0].value == 30.5);
    assert_int_equal(set[1].variable, v_wc);
    assert_string_equal(partreg_frame_variable_level_name(m.frame, v_wc, set[1].level), "yes");
    assert_true(set[2].value == -0.1);
    /* the description reads back */
    partreg_margins *mg = NULL;
    assert_int_equal(partreg_margins_at(m.fit, m.frame, set, n, 0.9, &mg, &err), PARTREG_OK);
    assert_string_equal(partreg_margins_get(mg, 0)->term, "age=30.5,wc=yes,inc=-0.1");
    assert_null(partreg_margins_get(mg, 0)->outcome);
    partreg_margins_free(mg);
    free(set);

    struct {
        const char *spec;
        partreg_status st;
        const char *msg;
    } bad[] = {
        {"agee=30", PARTREG_ENOTFOUND, "did you mean 'age'"},
        {"zzzzzzzzzz=1", PARTREG_ENOTFOUND, "unknown variable 'zzzzzzzzzz'"},
        {"age=thirty", PARTREG_EINVAL, "'thirty' is not a finite number"},
        {"age=inf", PARTREG_EINVAL, "not a finite number"},
        {"age=30x", PARTREG_EINVAL, "'30x'"},
        {"wc=maybe", PARTREG_ENOTFOUND, "levels: no, yes"},
        {"age=30,age=31", PARTREG_EINVAL, "set twice"},
        {"age", PARTREG_EINVAL, "no '='"},
        {"age=", PARTREG_EINVAL, "expected name=value"},
        {"=3", PARTREG_EINVAL, "expected name=value"},
        {"age=30,", PARTREG_EINVAL, "empty item 2"},
        {"  ", PARTREG_EINVAL, "empty settings"},
    };
    for (size_t i = 0; i < NOF(bad); i++) {
        set = (partreg_setting *)&n; /* must be reset to NULL */
        assert_int_equal(partreg_parse_settings(m.frame, bad[i].spec, &set, &n, &err), bad[i].st);
        assert_int_equal(err.status, bad[i].st);
        assert_contains(err.message, bad[i].msg);
        assert_null(set);
        assert_int_equal(n, 0);
    }
    assert_int_equal(partreg_parse_settings(NULL, "age=1", &set, &n, NULL), PARTREG_EINVAL);
    assert_int_equal(partreg_parse_settings(m.frame, NULL, &set, &n, NULL), PARTREG_EINVAL);
    model_free(&m);

    /* factor(x): levels matched by text, then by number */
    model w;
    static const char *const lv[5] = {"1", "2", "3", "4", "5"};
    model_fit(&w, read_data("wine.csv"), "rating ~ temp + factor(judge)", lv, 5, NULL,
              PARTREG_LOGIT);
    assert_int_equal(partreg_parse_settings(w.frame, "judge=3.0,temp=warm", &set, &n, &err),
                     PARTREG_OK);
    assert_string_equal(partreg_frame_variable_level_name(w.frame, set[0].variable, set[0].level),
                        "3");
    assert_int_equal(partreg_margins_at(w.fit, w.frame, set, n, 0.95, &mg, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_n_entries(mg), 5);
    assert_string_equal(partreg_margins_get(mg, 0)->term, "judge=3,temp=warm");
    assert_string_equal(partreg_margins_get(mg, 4)->outcome, "5");
    double s = 0.0;
    for (size_t j = 0; j < 5; j++)
        s += partreg_margins_get(mg, j)->estimate;
    assert_rel(s, 1.0, 1e-14);
    partreg_margins_free(mg);
    free(set);
    /* no settings: the average of the fitted probabilities */
    assert_int_equal(partreg_margins_at(w.fit, w.frame, NULL, 0, 0.95, &mg, &err), PARTREG_OK);
    assert_string_equal(partreg_margins_get(mg, 0)->term, "");
    partreg_data d;
    partreg_frame_data(w.frame, &d);
    gsl_matrix *pr = gsl_matrix_alloc(d.n, 5);
    assert_int_equal(partreg_fit_predict(w.fit, &d, pr, NULL), PARTREG_OK);
    for (size_t j = 0; j < 5; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < d.n; i++)
            mean += gsl_matrix_get(pr, i, j) / (double)d.n;
        assert_rel(partreg_margins_get(mg, j)->estimate, mean, 1e-13);
    }
    gsl_matrix_free(pr);
    partreg_margins_free(mg);
    model_free(&w);
}

/* ---- error statuses ----------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    model a, c;
    fit_case_a(&a);
    fit_case_c(&c);
    partreg_margins *mg = (partreg_margins *)&a;
    partreg_error err;
    assert_int_equal(partreg_margins_ame(NULL, a.frame, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_null(mg);
    assert_int_equal(partreg_margins_ame(a.fit, NULL, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_margins_ame(a.fit, a.frame, 0.95, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_margins_mem(a.fit, a.frame, 1.0, &mg, &err), PARTREG_EINVAL);
    assert_contains(err.message, "confidence level");
    assert_int_equal(partreg_margins_ame(a.fit, a.frame, NAN, &mg, &err), PARTREG_EINVAL);
    /* a fit from another frame */
    assert_int_equal(partreg_margins_ame(a.fit, c.frame, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_contains(err.message, "not made from this frame");
    assert_int_equal(partreg_margins_mem(c.fit, a.frame, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at(c.fit, a.frame, NULL, 0, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_null(mg);

    /* bad settings */
    size_t v_age, v_wc, v_inc;
    assert_int_equal(partreg_frame_find_variable(a.frame, "age", &v_age, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(a.frame, "wc", &v_wc, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(a.frame, "inc", &v_inc, NULL), PARTREG_OK);
    partreg_setting s1[2] = {{v_wc, 0, 7}, {v_age, 30, 0}};
    assert_int_equal(partreg_margins_at(a.fit, a.frame, s1, 2, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_contains(err.message, "out of range");
    partreg_setting s2[1] = {{v_age, INFINITY, 0}};
    assert_int_equal(partreg_margins_at(a.fit, a.frame, s2, 1, 0.95, &mg, &err), PARTREG_EINVAL);
    partreg_setting s3[2] = {{v_age, 30, 0}, {v_age, 31, 0}};
    assert_int_equal(partreg_margins_at(a.fit, a.frame, s3, 2, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_contains(err.message, "set twice");
    partreg_setting s4[1] = {{999, 30, 0}};
    assert_int_equal(partreg_margins_at(a.fit, a.frame, s4, 1, 0.95, &mg, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at(a.fit, a.frame, NULL, 1, 0.95, &mg, &err), PARTREG_EINVAL);
    /* log(inc + 1) at inc = -1 is not finite */
    partreg_setting s5[1] = {{v_inc, -1.0, 0}};
    assert_int_equal(partreg_margins_at(a.fit, a.frame, s5, 1, 0.95, &mg, &err), PARTREG_EDATA);
    assert_int_equal(err.index, 0);
    assert_contains(err.message, "row 1");
    assert_null(mg);

    /* accessors on NULL */
    assert_int_equal(partreg_margins_n_entries(NULL), 0);
    assert_null(partreg_margins_get(NULL, 0));
    partreg_margins_free(NULL);
    model_free(&a);
    model_free(&c);

    /* no predictor variable */
    model z;
    model_fit(&z, read_data("mroz.csv"), "lfp ~ 1", NULL, 0, NULL, PARTREG_LOGIT);
    assert_int_equal(partreg_margins_ame(z.fit, z.frame, 0.95, &mg, &err), PARTREG_EUNSUPPORTED);
    assert_int_equal(partreg_margins_mem(z.fit, z.frame, 0.95, &mg, &err), PARTREG_EUNSUPPORTED);
    assert_int_equal(partreg_margins_at(z.fit, z.frame, NULL, 0, 0.95, &mg, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_n_entries(mg), 1);
    partreg_margins_free(mg);
    model_free(&z);

    /* all weights zero is refused by the frame or the fit before us; a
     * weights column of zeros and ones where the fit still works is fine */
}

/* ---- one pass over a grid = one call per point ------------------------------ */

/* partreg_margins_at_each over a grid of every variable (numeric: 7 values
 * from its minimum to its maximum; categorical: every level) against one
 * partreg_margins_at call per point. The one-pass path sums the same terms
 * in the same row order, so the numbers agree to rounding (1e-12 allows
 * for a compiler that contracts differently in the two loops). */
static void check_at_each(const model *m)
{
    size_t nvar = partreg_frame_n_variables(m->frame), nr = partreg_frame_n_rows(m->frame);
    for (size_t v = 0; v < nvar; v++) {
        partreg_setting set[16];
        size_t ng = 0;
        memset(set, 0, sizeof set);
        if (partreg_frame_variable_is_categorical(m->frame, v)) {
            size_t nl = partreg_frame_variable_n_levels(m->frame, v);
            for (size_t l = 0; l < nl && ng < 16; l++) {
                set[ng].variable = v;
                set[ng++].level = l;
            }
        } else {
            const double *x = partreg_frame_variable_values(m->frame, v);
            double lo = x[0], hi = x[0];
            for (size_t i = 1; i < nr; i++) {
                lo = fmin(lo, x[i]);
                hi = fmax(hi, x[i]);
            }
            for (ng = 0; ng < 7; ng++) {
                set[ng].variable = v;
                set[ng].value = lo + (hi - lo) * (double)ng / 6.0;
            }
        }
        partreg_margins *all = NULL;
        partreg_error err;
        assert_int_equal(partreg_margins_at_each(m->fit, m->frame, set, ng, 0.95, &all, &err),
                         PARTREG_OK);
        size_t per = partreg_frame_family(m->frame) == PARTREG_ORDINAL
                         ? partreg_frame_n_levels(m->frame)
                         : 1;
        assert_int_equal(partreg_margins_n_entries(all), ng * per);
        for (size_t g = 0; g < ng; g++) {
            partreg_margins *one = NULL;
            assert_int_equal(partreg_margins_at(m->fit, m->frame, &set[g], 1, 0.95, &one, &err),
                             PARTREG_OK);
            assert_int_equal(partreg_margins_n_entries(one), per);
            for (size_t k = 0; k < per; k++) {
                const partreg_margin *a = partreg_margins_get(all, g * per + k);
                const partreg_margin *b = partreg_margins_get(one, k);
                assert_string_equal(a->term, b->term);
                if (b->outcome)
                    assert_string_equal(a->outcome, b->outcome);
                else
                    assert_null(a->outcome);
                assert_rel_floor(a->estimate, b->estimate, 1e-12, 1e-300);
                assert_rel_floor(a->std_error, b->std_error, 1e-12, 1e-300);
                assert_rel_floor(a->conf_low, b->conf_low, 1e-12, 1e-15);
                assert_rel_floor(a->conf_high, b->conf_high, 1e-12, 1e-15);
                assert_rel_floor(a->p_value, b->p_value, 1e-12, 1e-300);
            }
            partreg_margins_free(one);
        }
        partreg_margins_free(all);
    }
}

static void test_at_each_equals_at(void **state)
{
    (void)state;
    model m;
    fit_case_a(&m); /* binary probit, I(age^2), log(inc + 1), interactions */
    check_at_each(&m);
    model_free(&m);
    model_fit(&m, read_data("mroz.csv"), ref_A_formula, NULL, 0, NULL, PARTREG_LOGIT);
    check_at_each(&m); /* binary logit: margins' own F and f */
    model_free(&m);
    fit_case_b(&m); /* ordinal cloglog, PROD*EASY + log(EASY) */
    check_at_each(&m);
    model_free(&m);
    fit_case_c(&m); /* weighted ordinal logit, factors only */
    check_at_each(&m);
    model_free(&m);
}

/* The threaded path: 60,000 simulated rows (enough work for threads), a
 * cumulative logit fitted with 1, 2 and 3 threads. With one thread the
 * grid equals one partreg_margins_at call per point bit for bit; with more
 * the row ranges' sums are added in order, which changes only rounding
 * (1e-12), and the same thread count gives the same bits again. */
static void test_at_each_threads(void **state)
{
    (void)state;
    partreg_sim_options so = partreg_sim_options_default();
    so.n = 60000;
    so.communities = 120;
    so.seed = 4242;
    partreg_table *t = NULL;
    partreg_error err;
    assert_int_equal(partreg_simulate(&so, &t, &err), PARTREG_OK);
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("willingness ~ " PARTREG_SIM_PREDICTORS, &f, &err),
                     PARTREG_OK);
    partreg_frame_options fo = partreg_frame_options_default();
    partreg_frame *fr = NULL;
    assert_int_equal(partreg_frame_create(t, f, &fo, &fr, &err), PARTREG_OK);
    partreg_data d;
    partreg_frame_data(fr, &d);
    size_t v;
    assert_int_equal(partreg_frame_find_variable(fr, "income", &v, NULL), PARTREG_OK);
    partreg_setting set[5];
    memset(set, 0, sizeof set);
    for (size_t g = 0; g < 5; g++) {
        set[g].variable = v;
        set[g].value = 1500.0 + 2750.5 * (double)g;
    }
    partreg_margins *first_run[4] = {NULL, NULL, NULL, NULL};
    for (int threads = 1; threads <= 3; threads++) {
        partreg_fit_options opt = partreg_fit_options_default();
        opt.threads = threads;
        partreg_fit *fit = NULL;
        assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, &opt, &fit, &err),
                         PARTREG_OK);
        partreg_margins *all = NULL, *again = NULL;
        assert_int_equal(partreg_margins_at_each(fit, fr, set, 5, 0.95, &all, &err), PARTREG_OK);
        assert_int_equal(partreg_margins_at_each(fit, fr, set, 5, 0.95, &again, &err),
                         PARTREG_OK);
        size_t J = partreg_frame_n_levels(fr);
        assert_int_equal(partreg_margins_n_entries(all), 5 * J);
        for (size_t g = 0; g < 5; g++) {
            partreg_margins *one = NULL;
            assert_int_equal(partreg_margins_at(fit, fr, &set[g], 1, 0.95, &one, &err),
                             PARTREG_OK);
            for (size_t k = 0; k < J; k++) {
                const partreg_margin *a = partreg_margins_get(all, g * J + k);
                const partreg_margin *b = partreg_margins_get(one, k);
                const partreg_margin *c = partreg_margins_get(again, g * J + k);
                if (threads == 1) {
                    assert_true(a->estimate == b->estimate && a->std_error == b->std_error);
                } else {
                    assert_rel(a->estimate, b->estimate, 1e-12);
                    assert_rel(a->std_error, b->std_error, 1e-12);
                }
                assert_true(a->estimate == c->estimate && a->std_error == c->std_error);
            }
            partreg_margins_free(one);
        }
        /* log(income) at income = -1: every row fails; the report names the first */
        partreg_setting bad[2] = {{v, 1500.0, 0}, {v, -1.0, 0}};
        partreg_margins *none = (partreg_margins *)&d;
        assert_int_equal(partreg_margins_at_each(fit, fr, bad, 2, 0.95, &none, &err),
                         PARTREG_EDATA);
        assert_null(none);
        assert_int_equal(err.index, 0);
        first_run[threads] = all;
        partreg_margins_free(again);
        partreg_fit_free(fit);
    }
    for (int threads = 1; threads <= 3; threads++)
        partreg_margins_free(first_run[threads]);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    partreg_table_free(t);
}

static void test_at_each_errors(void **state)
{
    (void)state;
    model a;
    fit_case_a(&a);
    size_t v_age, v_wc, v_inc;
    assert_int_equal(partreg_frame_find_variable(a.frame, "age", &v_age, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(a.frame, "wc", &v_wc, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(a.frame, "inc", &v_inc, NULL), PARTREG_OK);
    partreg_margins *mg = (partreg_margins *)&a;
    partreg_error err;
    partreg_setting ok[2] = {{v_age, 30.5, 0}, {v_age, 41.25, 0}};
    assert_int_equal(partreg_margins_at_each(NULL, a.frame, ok, 2, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_null(mg);
    assert_int_equal(partreg_margins_at_each(a.fit, NULL, ok, 2, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, ok, 2, 0.95, NULL, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, NULL, 2, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, ok, 0, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, ok, 2, 1.5, &mg, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "confidence level");
    /* the same variable twice is a grid, not an error */
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, ok, 2, 0.95, &mg, &err), PARTREG_OK);
    assert_int_equal(partreg_margins_n_entries(mg), 2);
    partreg_margins_free(mg);
    partreg_setting bad_level[2] = {{v_age, 30.5, 0}, {v_wc, 0, 7}};
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, bad_level, 2, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_int_equal(err.index, 1);
    assert_contains(err.message, "out of range");
    partreg_setting bad_value[1] = {{v_age, NAN, 0}};
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, bad_value, 1, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "not finite");
    partreg_setting bad_var[1] = {{999, 30.5, 0}};
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, bad_var, 1, 0.95, &mg, &err),
                     PARTREG_EINVAL);
    /* log(inc + 1) at inc = -1 is not finite: the first row says so */
    partreg_setting bad_row[2] = {{v_inc, 12.5, 0}, {v_inc, -1.0, 0}};
    assert_int_equal(partreg_margins_at_each(a.fit, a.frame, bad_row, 2, 0.95, &mg, &err),
                     PARTREG_EDATA);
    assert_int_equal(err.index, 0);
    assert_null(mg);
    model_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_mroz),
        cmocka_unit_test(test_conformance_wine),
        cmocka_unit_test(test_ref_probit_transformations),
        cmocka_unit_test(test_ref_ordinal_cloglog),
        cmocka_unit_test(test_ref_ordinal_weighted),
        cmocka_unit_test(test_fd_ame_binary),
        cmocka_unit_test(test_fd_ame_ordinal),
        cmocka_unit_test(test_fd_jacobian),
        cmocka_unit_test(test_weights_are_duplicates),
        cmocka_unit_test(test_mem_main_effects_closed_form),
        cmocka_unit_test(test_parse_settings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_at_each_equals_at),
        cmocka_unit_test(test_at_each_threads),
        cmocka_unit_test(test_at_each_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
