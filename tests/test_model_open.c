/* The model interface is open: a model defined in this file alone (a
 * binary logit whose last design column enters the linear predictor with
 * its coefficient fixed at 1, an offset) is fitted, profiled, given a
 * sandwich covariance, average marginal effects, Wald tests and
 * predictions by the library's shared code, with no edit outside this
 * file; the results agree with R (tests/ref/ref_model_open.h,
 * tests/ref/model_open.R: glm with offset, sandwich, a profile by root
 * finding, delta-method AMEs).
 *
 * Also: the built-in tables agree with the family table of lib/core (the
 * frame's view of a family before any model exists). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/family.h"
#include "models/fit_internal.h"
#include "models/model.h"
#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "ref/ref_model_open.h"
#include "testutil.h"

/* ---- the model: logit with an offset column --------------------------------
 *
 *   P(y = 1 | x) = F(eta),  eta = sum_{c < p-1} x_c beta_c + x_{p-1},
 *   F the logistic. l = sum w [y log F + (1 - y) log(1 - F)],
 *   g = sum w (y - F) x,  I = sum w F (1 - F) x x' over the slope columns. */

static partreg_status offset_init(partreg_model *m, const partreg_model_spec *spec,
                                  partreg_error *err)
{
    (void)spec;
    if (m->p < 2)
        return partreg_error_set(err, PARTREG_EINVAL, "the offset model needs an offset column");
    m->J = 2;
    m->nout = 1;
    size_t *col = malloc((m->p - 1) * sizeof *col);
    if (!col)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t c = 0; c + 1 < m->p; c++)
        col[c] = c;
    partreg_status st =
        partreg_layout_add(&m->layout, "beta", PARTREG_PARAM_COEFFICIENT, m->p - 1, col, NULL);
    free(col);
    return st == PARTREG_OK ? st : partreg_error_set(err, st, "out of memory");
}

static partreg_status offset_check(const partreg_model *m, const partreg_outcome_totals *tot,
                                   const char *const *names, partreg_error *err)
{
    (void)m;
    (void)names;
    return tot->W[0] > 0 && tot->W[1] > 0
               ? PARTREG_OK
               : partreg_error_set(err, PARTREG_EONECLASS, "one outcome class");
}

/* The free parameters are the kept columns other than the offset, in order. */
static size_t slope_columns(const partreg_design *d, size_t *cols)
{
    size_t k = 0;
    for (size_t f = 0; f < d->pk; f++) {
        size_t c = d->cols ? d->cols[f] : f;
        if (c + 1 < d->p)
            cols[k++] = c;
    }
    return k;
}

static void offset_start(const partreg_model *m, const partreg_design *d,
                         const partreg_outcome_totals *tot, const partreg_intercept *ic,
                         double *theta)
{
    (void)m;
    (void)tot;
    (void)ic;
    size_t cols[64];
    memset(theta, 0, slope_columns(d, cols) * sizeof *theta);
}

static double offset_null(const partreg_model *m, const partreg_outcome_totals *tot,
                          const partreg_intercept *ic, size_t *k_null)
{
    (void)m;
    (void)tot;
    (void)ic;
    *k_null = 0;
    return NAN; /* needs a pass over the data; not offered */
}

static double row_eta(const partreg_design *d, const double *theta, const size_t *cols, size_t k,
                      size_t i)
{
    const double *x = d->X + i * d->ldx;
    double eta = x[d->p - 1];
    for (size_t f = 0; f < k; f++)
        eta += x[cols[f]] * theta[f];
    return eta;
}

static void offset_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                              partreg_order order, partreg_accum *acc, double *scratch)
{
    (void)scratch;
    const partreg_design *d = model;
    size_t cols[64], k = slope_columns(d, cols);
    for (size_t i = begin; i < end; i++) {
        const double *x = d->X + i * d->ldx;
        double w = partreg_design_weight(d, i), y = d->y[i];
        double eta = row_eta(d, theta, cols, k, i);
        double F = 1.0 / (1.0 + exp(-eta));
        /* log F = -log1p(exp(-eta)), log(1 - F) = -eta - log1p(exp(-eta)) */
        double l1 = eta >= 0 ? -log1p(exp(-eta)) : eta - log1p(exp(eta));
        acc->loglik += w * (y != 0.0 ? l1 : l1 - eta);
        if (order == PARTREG_ORDER_VALUE)
            continue;
        for (size_t f = 0; f < k; f++)
            acc->grad[f] += w * (y - F) * x[cols[f]];
        if (order < PARTREG_ORDER_HESSIAN)
            continue;
        for (size_t f = 0; f < k; f++)
            for (size_t g = 0; g <= f; g++)
                acc->info[f * k + g] += w * F * (1.0 - F) * x[cols[f]] * x[cols[g]];
    }
}

static void offset_scores(const void *model, const double *theta, size_t begin, size_t end,
                          double *S, double *scratch)
{
    (void)scratch;
    const partreg_design *d = model;
    size_t cols[64], k = slope_columns(d, cols);
    for (size_t i = begin; i < end; i++) {
        const double *x = d->X + i * d->ldx;
        double F = 1.0 / (1.0 + exp(-row_eta(d, theta, cols, k, i)));
        for (size_t f = 0; f < k; f++)
            S[(i - begin) * k + f] = partreg_design_weight(d, i) * (d->y[i] - F) * x[cols[f]];
    }
}

static void offset_objective(const partreg_model *m, const partreg_design *d,
                             partreg_objective *obj)
{
    (void)m;
    size_t cols[64];
    memset(obj, 0, sizeof *obj);
    obj->k = slope_columns(d, cols);
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = offset_accumulate;
    obj->row_scores = offset_scores;
    obj->scratch_doubles = 1;
}

static size_t offset_scratch(const partreg_model *m)
{
    (void)m;
    return 1;
}

/* P = F(eta); dP/dbeta_c = f x_c. Along dx: D = f (sum_c beta_c dx_c +
 * dx_offset), dD/dbeta_c = f' g x_c + f dx_c, f' = f (1 - 2F). */
static void offset_predict(const partreg_model *m, const double *par, const double *x,
                           const double *dx, double w, double *out, double *dout, double *scratch)
{
    (void)scratch;
    size_t p = m->p;
    double eta = x[p - 1];
    for (size_t c = 0; c + 1 < p; c++)
        eta += par[c] * x[c];
    double F = 1.0 / (1.0 + exp(-eta)), f = F * (1.0 - F);
    if (!dx) {
        out[0] += w * F;
        for (size_t c = 0; dout && c + 1 < p; c++)
            dout[c] += w * f * x[c];
        return;
    }
    double g = dx[p - 1];
    for (size_t c = 0; c + 1 < p; c++)
        g += par[c] * dx[c];
    out[0] += w * f * g;
    for (size_t c = 0; dout && c + 1 < p; c++)
        dout[c] += w * (f * (1.0 - 2.0 * F) * g * x[c] + f * dx[c]);
}

static const partreg_model_ops offset_ops = {
    .name = "offset-logit",
    .title = "Binary with an offset",
    .html_equation = "P(event) = F(x\xe2\x80\xb2\xce\xb2 + offset). ",
    .html_odds_ratio = "",
    .family = PARTREG_BINARY,
    .traits = 0,
    .init = offset_init,
    .release = NULL,
    .check_outcome = offset_check,
    .start = offset_start,
    .null_loglik = offset_null,
    .objective = offset_objective,
    .predict_scratch = offset_scratch,
    .predict = offset_predict,
    .cumulative = NULL,
};

/* ---- the test ------------------------------------------------------------- */

typedef struct problem {
    partreg_table *table;
    partreg_formula *formula;
    partreg_frame *frame;
    partreg_data d;
    partreg_fit *fit;
} problem;

static void problem_fit(problem *pr)
{
    char path[1024];
    partreg_error err;
    memset(pr, 0, sizeof *pr);
    snprintf(path, sizeof path, "%s/mroz.csv", PARTREG_TEST_DATA_DIR);
    assert_int_equal(partreg_table_read_csv(path, NULL, &pr->table, &err), PARTREG_OK);
    assert_int_equal(partreg_formula_parse("lfp ~ k5 + k618 + age + wc + hc + inc + I(0.3*lwg)",
                                           &pr->formula, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_frame_create(pr->table, pr->formula, NULL, &pr->frame, &err),
                     PARTREG_OK);
    partreg_frame_data(pr->frame, &pr->d);
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &spec, &err),
                     PARTREG_OK);
    partreg_model_spec_set_ops(spec, &offset_ops);
    assert_int_equal(partreg_fit_create_spec(&pr->d, spec, NULL, &pr->fit, &err), PARTREG_OK);
    partreg_model_spec_free(spec);
}

static void problem_free(problem *pr)
{
    partreg_fit_free(pr->fit);
    partreg_frame_free(pr->frame);
    partreg_formula_free(pr->formula);
    partreg_table_free(pr->table);
}

static void test_fit_against_glm(void **state)
{
    (void)state;
    problem pr;
    problem_fit(&pr);
    const partreg_fit *fit = pr.fit;
    /* the layout: one slope per column but the offset */
    assert_int_equal(partreg_fit_n_parameters(fit), 7);
    assert_int_equal(partreg_fit_n_blocks(fit), 1);
    assert_string_equal(partreg_fit_model_name(fit), "offset-logit");
    assert_rel(partreg_fit_loglik(fit), model_open_loglik, 1e-11);
    for (size_t j = 0; j < 7; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_string_equal(partreg_fit_param_term(fit, j), model_open_terms[j]);
        /* glm polished to max|grad| < 1e-12: about 11 digits */
        assert_rel(e.estimate, model_open_coef[j], 1e-9);
        assert_rel(e.std_error, model_open_se[j], 1e-8);
    }
    problem_free(&pr);
}

static void test_profile_margins_sandwich(void **state)
{
    (void)state;
    problem pr;
    problem_fit(&pr);
    partreg_error err;
    /* a profile interval by the shared code, through this model's objective */
    double lo, hi;
    assert_int_equal(partreg_fit_profile_ci(pr.fit, &pr.d, 1, 0.95, &lo, &hi, &err), PARTREG_OK);
    assert_rel(lo, model_open_profile_k5[0], 1e-8);
    assert_rel(hi, model_open_profile_k5[1], 1e-8);

    /* AMEs through this model's predict, lwg entering through the offset */
    partreg_margins *m = NULL;
    assert_int_equal(partreg_margins_ame(pr.fit, pr.frame, 0.95, &m, &err), PARTREG_OK);
    static const char *const names[4] = {"k5", "inc", "lwg", "wc[yes]"};
    for (size_t r = 0; r < 4; r++) {
        int found = 0;
        for (size_t i = 0; i < partreg_margins_n_entries(m); i++) {
            const partreg_margin *e = partreg_margins_get(m, i);
            if (strcmp(e->term, names[r]) != 0)
                continue;
            found = 1;
            assert_null(e->outcome);
            assert_rel(e->estimate, model_open_ame[r], 1e-9);
            /* numDeriv Jacobian in R: about 9 digits */
            assert_rel(e->std_error, model_open_ame_se[r], 1e-7);
        }
        assert_true(found);
    }
    partreg_margins_free(m);

    /* Wald tests by variable and predictions run on the table too */
    partreg_wald_table *t = NULL;
    assert_int_equal(partreg_wald_tests_by_variable(pr.fit, pr.frame, &t, &err), PARTREG_OK);
    partreg_wald_table_free(t);
    gsl_matrix *P = gsl_matrix_alloc(pr.d.n, 1);
    assert_int_equal(partreg_fit_predict(pr.fit, &pr.d, P, &err), PARTREG_OK);
    assert_true(gsl_matrix_get(P, 0, 0) > 0.0 && gsl_matrix_get(P, 0, 0) < 1.0);
    gsl_matrix_free(P);
    assert_int_equal(partreg_fit_predict_cumulative(pr.fit, &pr.d, NULL, &err),
                     PARTREG_EUNSUPPORTED);

    /* the sandwich from this model's per-row scores */
    assert_int_equal(partreg_fit_set_vcov(pr.fit, &pr.d, PARTREG_VCOV_HC0, NULL, 0, &err),
                     PARTREG_OK);
    for (size_t j = 0; j < 7; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(pr.fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.std_error, model_open_hc0_se[j], 1e-8);
    }
    problem_free(&pr);
}

/* The frame's family table and the models' tables say the same. */
static void test_family_tables_agree(void **state)
{
    (void)state;
    partreg_family fams[2] = {PARTREG_BINARY, PARTREG_ORDINAL};
    for (size_t i = 0; i < 2; i++) {
        const partreg_model_ops *ops = partreg_model_for_family(fams[i]);
        const partreg_family_traits *t = partreg_family_traits_of(fams[i]);
        assert_non_null(ops);
        assert_non_null(t);
        assert_int_equal(ops->family, fams[i]);
        assert_int_equal((ops->traits & PARTREG_TRAIT_THRESHOLDS) != 0, t->thresholds);
        assert_string_equal(partreg_family_name(fams[i]), t->name);
        assert_int_equal(partreg_family_for_levels(t->min_levels), fams[i]);
        partreg_family back;
        assert_int_equal(partreg_family_parse(t->name, &back, NULL), PARTREG_OK);
        assert_int_equal(back, fams[i]);
    }
    partreg_family f;
    partreg_error err;
    assert_int_equal(partreg_family_parse("poisson", &f, &err), PARTREG_EINVAL);
    assert_contains(err.message, "use binary or ordinal");
    assert_null(partreg_model_for_family((partreg_family)7));
    assert_null(partreg_family_traits_of((partreg_family)7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_against_glm),
        cmocka_unit_test(test_profile_margins_sandwich),
        cmocka_unit_test(test_family_tables_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
