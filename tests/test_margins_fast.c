/* The margins' fast AME route (lib/inference/margins.c: the row of X read
 * once a row, the model's predict_index shared by the numeric variables,
 * the levels of a factor in a term of its own from the row's indicator
 * columns) against the plain route it replaces (a design row rebuilt per
 * variable and level, the model's predict), which the fit's reference
 * kernel route takes: on one fit, every estimate and standard error to
 * 1e-12 relative and every entry's gradient to 1e-12 of its largest
 * entry, with and without groups (--over), for numeric, factor,
 * interaction, I(x^2) and log terms, binary and ordinal models with every
 * link, case weights, a column dropped by screening, Firth, random
 * intercepts (both families) and nominal effects (which keep the plain
 * route); predictions over an at-grid on both routes, bit for bit. And how
 * the frame says a variable enters the design
 * (partreg_frame_variable_entry, partreg_frame_level_column), which
 * chooses the routes. Data: examples/data/participation_survey.csv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame/frame_internal.h"
#include "inference/margins_internal.h"
#include "models/fit_internal.h"
#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "partreg_random.h"

#include "testutil.h"

#define SURVEY PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv"

static partreg_table *survey(void)
{
    partreg_table *t = NULL;
    partreg_error err;
    if (partreg_table_read_csv(SURVEY, NULL, &t, &err) != PARTREG_OK)
        print_error("%s: %s\n", SURVEY, err.message);
    assert_non_null(t);
    return t;
}

typedef struct fcase {
    const char *formula;
    partreg_family family;
    partreg_link link;
    const char *weights; /* case-weight column or NULL */
    int firth;
    const char *nominal; /* a column with nominal effects, or NULL */
} fcase;

typedef struct fitted {
    partreg_formula *f;
    partreg_frame *fr;
    partreg_fit *fit;
} fitted;

static void fitted_free(fitted *F)
{
    partreg_fit_free(F->fit);
    partreg_frame_free(F->fr);
    partreg_formula_free(F->f);
}

static void fit_case(const partreg_table *t, const fcase *c, fitted *F)
{
    partreg_error err;
    memset(F, 0, sizeof *F);
    assert_int_equal(partreg_formula_parse(c->formula, &F->f, &err), PARTREG_OK);
    partreg_frame_options fo = partreg_frame_options_default();
    fo.family_auto = 0;
    fo.family = c->family;
    fo.weights = c->weights;
    if (partreg_frame_create(t, F->f, &fo, &F->fr, &err) != PARTREG_OK)
        print_error("frame %s: %s\n", c->formula, err.message);
    assert_non_null(F->fr);
    partreg_model_spec *spec = NULL;
    assert_int_equal(partreg_model_spec_create(c->family, c->link, &spec, &err), PARTREG_OK);
    size_t G = 0;
    const size_t *g = partreg_frame_groups(F->fr, &G);
    if (g) {
        const char **labels = malloc(G * sizeof *labels);
        assert_non_null(labels);
        for (size_t k = 0; k < G; k++)
            labels[k] = partreg_frame_group_label(F->fr, k);
        assert_int_equal(partreg_model_spec_set_groups(spec, partreg_frame_n_rows(F->fr), g, G,
                                                       labels,
                                                       partreg_frame_group_variable(F->fr), &err),
                         PARTREG_OK);
        free(labels);
    }
    if (c->firth)
        assert_int_equal(partreg_model_spec_set_penalty(spec, PARTREG_PENALTY_FIRTH, &err),
                         PARTREG_OK);
    if (c->nominal) {
        size_t col = SIZE_MAX;
        for (size_t j = 0; j < partreg_frame_n_columns(F->fr); j++)
            if (strcmp(partreg_frame_column_name(F->fr, j), c->nominal) == 0)
                col = j;
        assert_true(col != SIZE_MAX);
        assert_int_equal(partreg_model_spec_set_nominal(spec, 1, &col, &err), PARTREG_OK);
    }
    partreg_data d;
    partreg_frame_data(F->fr, &d);
    partreg_fit_options opt = partreg_fit_options_default();
    partreg_status st = partreg_fit_create_spec(&d, spec, &opt, &F->fit, &err);
    if (st != PARTREG_OK)
        print_error("fit %s: %s\n", c->formula, err.message);
    assert_int_equal(st, PARTREG_OK);
    partreg_model_spec_free(spec);
}

/* Two lists of the same entries: estimates and standard errors to 1e-12
 * relative (an estimate that is zero to rounding against the list's
 * largest), gradients to 1e-12 of each entry's largest component. */
static void assert_same_margins(const partreg_margins *a, const partreg_margins *b,
                                const char *what)
{
    size_t n = partreg_margins_n_entries(a);
    assert_int_equal(partreg_margins_n_entries(b), n);
    assert_true(n > 0);
    assert_int_equal(a->K, b->K);
    double big = 0.0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(partreg_margins_get(b, i)->estimate));
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *x = partreg_margins_get(a, i), *y = partreg_margins_get(b, i);
        assert_string_equal(x->term, y->term);
        assert_int_equal(x->outcome_index, y->outcome_index);
        assert_int_equal(x->group, y->group);
        assert_rel_floor(x->estimate, y->estimate, 1e-12, 1e-3 * big);
        assert_rel(x->std_error, y->std_error, 1e-12);
        const double *ga = a->jac + i * a->K, *gb = b->jac + i * b->K;
        double top = 0.0;
        for (size_t k = 0; k < a->K; k++)
            top = fmax(top, fabs(gb[k]));
        for (size_t k = 0; k < a->K; k++)
            if (!(fabs(ga[k] - gb[k]) <= 1e-12 * top)) {
                print_error("%s: entry %zu (%s) gradient %zu: %.17g against %.17g\n", what, i,
                            x->term, k, ga[k], gb[k]);
                fail();
            }
    }
}

/* Predictions over a grid on the fit's route and on the plain one: the
 * same bits (the fast route writes the cell's values into the row of X,
 * as the plain route's design row holds them). */
static void check_grid(const fitted *F, const char *const *texts, size_t n_texts)
{
    partreg_error err;
    partreg_at_grid *grid = NULL;
    if (partreg_at_grid_parse(F->fr, texts, n_texts, &grid, &err) != PARTREG_OK)
        print_error("grid %s: %s\n", texts[0], err.message);
    assert_non_null(grid);
    partreg_margins *fast = NULL, *plain = NULL;
    partreg_margins_options o = partreg_margins_options_default();
    partreg_kernel route = F->fit->kernel;
    assert_int_equal(partreg_margins_predict(F->fit, F->fr, grid, &o, &fast, &err), PARTREG_OK);
    F->fit->kernel = PARTREG_KERNEL_REFERENCE;
    assert_int_equal(partreg_margins_predict(F->fit, F->fr, grid, &o, &plain, &err), PARTREG_OK);
    F->fit->kernel = route;
    size_t n = partreg_margins_n_entries(fast);
    assert_int_equal(partreg_margins_n_entries(plain), n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *x = partreg_margins_get(fast, i), *y = partreg_margins_get(plain, i);
        assert_string_equal(x->term, y->term);
        assert_true(x->estimate == y->estimate);
        assert_true(x->std_error == y->std_error);
    }
    assert_memory_equal(fast->jac, plain->jac, n * fast->K * sizeof *fast->jac);
    partreg_margins_free(fast);
    partreg_margins_free(plain);
    partreg_at_grid_free(grid);
}

/* The AMEs (and the AMEs within the groups of the first categorical
 * variable) on the fit's route and on the plain one. */
static void check_case(const partreg_table *t, const fcase *c)
{
    fitted F;
    fit_case(t, c, &F);
    partreg_error err;
    partreg_margins *fast = NULL, *plain = NULL;
    partreg_kernel route = F.fit->kernel;
    assert_true(route != PARTREG_KERNEL_REFERENCE);
    assert_int_equal(partreg_margins_ame(F.fit, F.fr, 0.95, &fast, &err), PARTREG_OK);
    F.fit->kernel = PARTREG_KERNEL_REFERENCE;
    assert_int_equal(partreg_margins_ame(F.fit, F.fr, 0.95, &plain, &err), PARTREG_OK);
    F.fit->kernel = route;
    assert_same_margins(fast, plain, c->formula);
    partreg_margins_free(fast);
    partreg_margins_free(plain);

    /* a grid whose cells set variables in columns of their own, factors
     * in terms of their own, and (through age and I(age^2)) neither */
    static const char *const grid[] = {"social_capital=-1(1)1 education=secondary",
                                       "education=tertiary insured=yes",
                                       "age=30(20)70 social_capital=0.5"};
    if (strstr(c->formula, "I(age^2) + education"))
        check_grid(&F, grid, 3);

    /* groups: the levels of the first categorical variable */
    size_t n = partreg_frame_n_rows(F.fr), v = 0;
    while (v < partreg_frame_n_variables(F.fr) && !partreg_frame_variable_is_categorical(F.fr, v))
        v++;
    if (v == partreg_frame_n_variables(F.fr)) {
        fitted_free(&F);
        return;
    }
    const int *lev = partreg_frame_variable_levels(F.fr, v);
    size_t nl = partreg_frame_variable_n_levels(F.fr, v);
    size_t *group = malloc(n * sizeof *group);
    const char **labels = malloc(nl * sizeof *labels);
    assert_non_null(group);
    assert_non_null(labels);
    for (size_t i = 0; i < n; i++)
        group[i] = i % 7 == 3 ? PARTREG_NO_GROUP : (size_t)lev[i];
    for (size_t l = 0; l < nl; l++)
        labels[l] = partreg_frame_variable_level_name(F.fr, v, l);
    partreg_margins_options o = partreg_margins_options_default();
    o.group = group;
    o.n_groups = nl;
    o.group_labels = labels;
    assert_int_equal(partreg_margins_ame_groups(F.fit, F.fr, &o, &fast, &err), PARTREG_OK);
    F.fit->kernel = PARTREG_KERNEL_REFERENCE;
    assert_int_equal(partreg_margins_ame_groups(F.fit, F.fr, &o, &plain, &err), PARTREG_OK);
    F.fit->kernel = route;
    assert_same_margins(fast, plain, c->formula);
    partreg_margins_free(fast);
    partreg_margins_free(plain);
    free(group);
    free(labels);
    fitted_free(&F);
}

static const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                     PARTREG_LOGLOG, PARTREG_CAUCHIT};

static void test_binary(void **state)
{
    (void)state;
    partreg_table *t = survey();
    for (size_t k = 0; k < sizeof links / sizeof *links; k++) {
        if (links[k] == PARTREG_LOGLOG)
            continue; /* an ordinal link */
        fcase c = {"participated ~ social_capital + age + I(age^2) + education + log(income) + "
                   "insured",
                   PARTREG_BINARY, links[k], NULL, 0, NULL};
        check_case(t, &c);
    }
    static const fcase more[] = {
        /* interactions of numeric and categorical variables */
        {"participated ~ social_capital*age + education:gender + insured", PARTREG_BINARY,
         PARTREG_CLOGLOG, NULL, 0, NULL},
        /* case weights; a factor without an intercept (a column per level) */
        {"participated ~ 0 + education + social_capital + insured", PARTREG_BINARY,
         PARTREG_PROBIT, "income", 0, NULL},
        /* a column dropped by screening (I(2 * age) is age's) */
        {"participated ~ social_capital + age + I(2 * age) + gender", PARTREG_BINARY,
         PARTREG_LOGIT, NULL, 0, NULL},
        {"participated ~ social_capital + age + education + insured", PARTREG_BINARY,
         PARTREG_LOGIT, NULL, 1, NULL},
        {"participated ~ social_capital + age + education + insured + (1 | community)",
         PARTREG_BINARY, PARTREG_LOGIT, NULL, 0, NULL},
    };
    for (size_t k = 0; k < sizeof more / sizeof *more; k++)
        check_case(t, &more[k]);
    partreg_table_free(t);
}

static void test_ordinal(void **state)
{
    (void)state;
    partreg_table *t = survey();
    for (size_t k = 0; k < sizeof links / sizeof *links; k++) {
        fcase c = {"willingness ~ social_capital + age + I(age^2) + education*gender + "
                   "log(income) + insured",
                   PARTREG_ORDINAL, links[k], NULL, 0, NULL};
        check_case(t, &c);
    }
    static const fcase more[] = {
        {"participation_type ~ social_capital*age + education + insured", PARTREG_ORDINAL,
         PARTREG_LOGIT, "income", 0, NULL},
        {"willingness ~ 0 + social_capital + age + education + insured", PARTREG_ORDINAL,
         PARTREG_PROBIT, NULL, 0, NULL},
        {"willingness ~ social_capital + age + education + insured + (1 | community)",
         PARTREG_ORDINAL, PARTREG_LOGIT, NULL, 0, NULL},
        /* nominal effects: no predict_index, every block on the plain route */
        {"willingness ~ social_capital + age + education + insured", PARTREG_ORDINAL,
         PARTREG_LOGIT, NULL, 0, "age"},
    };
    for (size_t k = 0; k < sizeof more / sizeof *more; k++)
        check_case(t, &more[k]);
    partreg_table_free(t);
}

static size_t variable(const partreg_frame *fr, const char *name)
{
    size_t v = SIZE_MAX;
    assert_int_equal(partreg_frame_find_variable(fr, name, &v, NULL), PARTREG_OK);
    return v;
}

static long column(const partreg_frame *fr, const char *name)
{
    for (size_t j = 0; j < partreg_frame_n_columns(fr); j++)
        if (strcmp(partreg_frame_column_name(fr, j), name) == 0)
            return (long)j;
    fail_msg("no column %s", name);
    return -1;
}

static void test_entries(void **state)
{
    (void)state;
    partreg_table *t = survey();
    fcase c = {"participated ~ social_capital + age + I(age^2) + education + insured:gender + "
               "log(income)",
               PARTREG_BINARY, PARTREG_LOGIT, NULL, 0, NULL};
    fitted F;
    fit_case(t, &c, &F);
    const partreg_frame *fr = F.fr;
    partreg_frame_entry e = partreg_frame_variable_entry(fr, variable(fr, "social_capital"));
    assert_int_equal(e.kind, PARTREG_ENTRY_LINEAR);
    assert_int_equal((long)e.first, column(fr, "social_capital"));
    assert_int_equal(e.n_cols, 1);
    static const char *const other[] = {"age", "insured", "gender", "income"};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(partreg_frame_variable_entry(fr, variable(fr, other[k])).kind,
                         PARTREG_ENTRY_OTHER);
    size_t ed = variable(fr, "education");
    e = partreg_frame_variable_entry(fr, ed);
    assert_int_equal(e.kind, PARTREG_ENTRY_INDICATORS);
    assert_int_equal(e.n_cols, 2);
    size_t ref = partreg_frame_variable_reference(fr, ed);
    assert_int_equal(partreg_frame_level_column(fr, ed, ref), -1);
    for (size_t l = 0; l < 3; l++) {
        if (l == ref)
            continue;
        char name[64];
        snprintf(name, sizeof name, "education[%s]", partreg_frame_variable_level_name(fr, ed, l));
        long col = partreg_frame_level_column(fr, ed, l);
        assert_int_equal(col, column(fr, name));
        assert_true((size_t)col >= e.first && (size_t)col < e.first + e.n_cols);
    }
    assert_int_equal(partreg_frame_level_column(fr, ed, 3), -1);
    assert_int_equal(partreg_frame_variable_entry(fr, 99).kind, PARTREG_ENTRY_OTHER);
    fitted_free(&F);

    /* without an intercept the factor has a column per level, its
     * reference's among them */
    fcase c0 = {"participated ~ 0 + education + age", PARTREG_BINARY, PARTREG_LOGIT, NULL, 0,
                NULL};
    fit_case(t, &c0, &F);
    ed = variable(F.fr, "education");
    e = partreg_frame_variable_entry(F.fr, ed);
    assert_int_equal(e.kind, PARTREG_ENTRY_INDICATORS);
    assert_int_equal(e.n_cols, 3);
    ref = partreg_frame_variable_reference(F.fr, ed);
    assert_true(partreg_frame_level_column(F.fr, ed, ref) >= 0);
    fitted_free(&F);
    partreg_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_ordinal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
