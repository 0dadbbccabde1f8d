/* Model frame: coding of numeric, text and factor() variables, reference
 * levels, outcome levels and family choice, interactions, I() and log(),
 * listwise deletion, weights and clusters, design-row derivatives against
 * central differences, application to new data, and every error status. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "partreg_formula.h"
#include "partreg_table.h"
#include "testutil.h"

/* 8 rows; line k of the buffer is data row k-2. Row 6 (line 7) misses inc,
 * row 7 (line 8) misses sex (empty field). */
static const char CSV[] =
    "y,age,sex,grp,inc,w,cl,cyl,rating\n"
    "yes,30.5,male,b,10.25,1,k1,4,2\n"
    "no,41,female,a,20,2,k1,6,1\n"
    "yes,25,male,c,3.5,1.5,k2,8,3\n"
    "no,52,female,b,40,1,k2,4,3\n"
    "yes,38,female,c,12,0.5,k3,6,2\n"
    "no,29,male,a,8,1,k3,8,1\n"
    "yes,33,male,a,NA,1,k1,4,2\n"
    "no,47,,b,15,1,k2,6,1\n";

static partreg_table *table_from(const char *csv)
{
    partreg_table *t = NULL;
    partreg_error err;
    partreg_status st = partreg_table_read_csv_buffer(csv, strlen(csv), "test.csv", NULL, &t, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    return t;
}

/* Frame of formula text on csv with options (NULL = defaults); asserts OK. */
static partreg_frame *frame_of(const partreg_table *t, const char *text,
                               const partreg_frame_options *opt)
{
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse(text, &f, &err), PARTREG_OK);
    partreg_status st = partreg_frame_create(t, f, opt, &fr, &err);
    if (st)
        print_error("%s: %s\n", text, err.message);
    assert_int_equal(st, PARTREG_OK);
    partreg_formula_free(f); /* the frame does not borrow the formula */
    return fr;
}

/* Expect frame creation to fail with status and a message containing want. */
static void frame_error(const partreg_table *t, const char *text, const partreg_frame_options *opt,
                        partreg_status status, const char *want, long line)
{
    partreg_formula *f = NULL;
    partreg_frame *fr = (partreg_frame *)&fr;
    partreg_error err;
    assert_int_equal(partreg_formula_parse(text, &f, &err), PARTREG_OK);
    partreg_status st = partreg_frame_create(t, f, opt, &fr, &err);
    if (st != status || !strstr(err.message, want) || err.line != line)
        print_error("%s: status %d: %s\n", text, st, err.message);
    assert_int_equal(st, status);
    assert_null(fr);
    assert_contains(err.message, want);
    assert_int_equal(err.line, line);
    partreg_formula_free(f);
}

static void check_names(const partreg_frame *fr, const char *const *want)
{
    size_t p = 0;
    while (want[p])
        p++;
    if (partreg_frame_n_columns(fr) != p)
        for (size_t j = 0; j < partreg_frame_n_columns(fr); j++)
            print_error("column %zu: %s\n", j, partreg_frame_column_name(fr, j));
    assert_int_equal(partreg_frame_n_columns(fr), p);
    for (size_t j = 0; j < p; j++)
        assert_string_equal(partreg_frame_column_name(fr, j), want[j]);
    assert_null(partreg_frame_column_name(fr, p));
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_binary_coding(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame *fr = frame_of(t, "y ~ age + sex + grp", NULL);
    assert_int_equal(partreg_frame_family(fr), PARTREG_BINARY);
    assert_int_equal(partreg_frame_n_rows(fr), 7); /* line 8 misses sex */
    assert_int_equal(partreg_frame_n_dropped(fr), 1);
    assert_true(partreg_frame_has_intercept(fr));
    check_names(fr, NAMES("(Intercept)", "age", "sex[male]", "grp[b]", "grp[c]"));
    assert_int_equal(partreg_frame_n_levels(fr), 2);
    assert_string_equal(partreg_frame_level_name(fr, 0), "no");
    assert_string_equal(partreg_frame_level_name(fr, 1), "yes"); /* last = event */
    partreg_data d;
    partreg_frame_data(fr, &d);
    assert_int_equal(d.n, 7);
    assert_int_equal(d.p, 5);
    assert_int_equal(d.ldx, 5);
    assert_null(d.w);
    assert_string_equal(d.column_names[2], "sex[male]");
    assert_string_equal(d.level_names[1], "yes");
    static const double X0[5] = {1, 30.5, 1, 1, 0}, X2[5] = {1, 25, 1, 0, 1};
    static const double y[7] = {1, 0, 1, 0, 1, 0, 1};
    for (size_t j = 0; j < 5; j++) {
        assert_true(d.X[j] == X0[j]);
        assert_true(d.X[2 * 5 + j] == X2[j]);
    }
    for (size_t i = 0; i < 7; i++)
        assert_true(d.y[i] == y[i]);
    assert_int_equal(partreg_frame_row_index(fr)[6], 6);
    assert_int_equal(partreg_frame_column_term(fr, 0), -1);
    assert_int_equal(partreg_frame_column_term(fr, 4), 2);
    assert_string_equal(partreg_frame_term_label(fr, 2), "grp");
    /* variables */
    assert_int_equal(partreg_frame_n_variables(fr), 3);
    size_t v = 99, nc = 0;
    assert_int_equal(partreg_frame_find_variable(fr, "grp", &v, NULL), PARTREG_OK);
    assert_int_equal(v, 2);
    assert_true(partreg_frame_variable_is_categorical(fr, 2));
    assert_false(partreg_frame_variable_is_categorical(fr, 0));
    assert_int_equal(partreg_frame_variable_n_levels(fr, 2), 3);
    assert_string_equal(partreg_frame_variable_level_name(fr, 2, 2), "c");
    assert_int_equal(partreg_frame_variable_reference(fr, 2), 0);
    const size_t *cols = partreg_frame_variable_columns(fr, 2, &nc);
    assert_int_equal(nc, 2);
    assert_int_equal(cols[0], 3);
    assert_int_equal(cols[1], 4);
    assert_true(partreg_frame_variable_values(fr, 0)[1] == 41);
    assert_null(partreg_frame_variable_values(fr, 1));
    assert_int_equal(partreg_frame_variable_levels(fr, 1)[1], 0); /* female */
    partreg_error err;
    assert_int_equal(partreg_frame_find_variable(fr, "agee", &v, &err), PARTREG_ENOTFOUND);
    partreg_frame_free(fr);
    partreg_frame_free(NULL);
    partreg_table_free(t);
}

static void test_references_and_levels(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame_options o = partreg_frame_options_default();
    const char *rv[] = {"sex", "grp"}, *rl[] = {"male", "b"}, *lv[] = {"yes", "no"};
    o.ref_variables = rv;
    o.ref_levels = rl;
    o.n_refs = 2;
    o.levels = lv;
    o.n_levels = 2;
    partreg_frame *fr = frame_of(t, "y ~ sex + grp", &o);
    check_names(fr, NAMES("(Intercept)", "sex[female]", "grp[a]", "grp[c]"));
    assert_int_equal(partreg_frame_variable_reference(fr, 1), 1);
    partreg_data d;
    partreg_frame_data(fr, &d);
    assert_true(d.y[0] == 0.0); /* "yes" is the first level; "no" the event */
    assert_true(d.y[1] == 1.0);
    partreg_frame_free(fr);
    /* numeric 0/1 outcome: binary, event 1 */
    partreg_table *t2 = table_from("d,x\n1,0.5\n0,1.5\n1,2.5\n0,3.25\n");
    fr = frame_of(t2, "d ~ x", NULL);
    assert_int_equal(partreg_frame_family(fr), PARTREG_BINARY);
    assert_string_equal(partreg_frame_level_name(fr, 1), "1");
    partreg_frame_data(fr, &d);
    assert_true(d.y[0] == 1.0 && d.y[1] == 0.0);
    partreg_frame_free(fr);
    partreg_table_free(t2);
    partreg_table_free(t);
}

static void test_ordinal(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    /* numeric outcome 1..3, automatic family: ordinal, numeric order */
    partreg_frame *fr = frame_of(t, "rating ~ age + sex", NULL);
    assert_int_equal(partreg_frame_family(fr), PARTREG_ORDINAL);
    assert_false(partreg_frame_has_intercept(fr));
    check_names(fr, NAMES("age", "sex[male]"));
    assert_int_equal(partreg_frame_n_levels(fr), 3);
    partreg_data d;
    partreg_frame_data(fr, &d);
    assert_int_equal(d.n_levels, 3);
    assert_true(d.y[0] == 1.0 && d.y[1] == 0.0 && d.y[2] == 2.0);
    partreg_frame_free(fr);
    /* --levels on a numeric outcome, with an unobserved level kept; -1 is harmless */
    partreg_frame_options o = partreg_frame_options_default();
    const char *lv[] = {"3", "2", "1", "4"};
    o.levels = lv;
    o.n_levels = 4;
    fr = frame_of(t, "rating ~ age - 1", &o);
    assert_int_equal(partreg_frame_n_levels(fr), 4);
    assert_string_equal(partreg_frame_level_name(fr, 3), "4");
    partreg_frame_data(fr, &d);
    assert_true(d.y[0] == 1.0 && d.y[1] == 2.0 && d.y[2] == 0.0);
    check_names(fr, NAMES("age"));
    partreg_frame_free(fr);
    /* text outcome with --levels; family forced */
    const char *lv2[] = {"b", "c", "a"};
    o.levels = lv2;
    o.n_levels = 3;
    o.family_auto = 0;
    o.family = PARTREG_ORDINAL;
    fr = frame_of(t, "grp ~ age", &o);
    partreg_frame_data(fr, &d);
    assert_true(d.y[0] == 0.0 && d.y[1] == 2.0 && d.y[2] == 1.0);
    partreg_frame_free(fr);
    partreg_table_free(t);
}

static void test_terms(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame *fr =
        frame_of(t, "y ~ sex*age + grp:sex + I(age^2) + log(inc) + factor(cyl)", NULL);
    check_names(fr, NAMES("(Intercept)", "sex[male]", "age", "sex[male]:age", "grp[b]:sex[male]",
                          "grp[c]:sex[male]", "I(age^2)", "log(inc)", "cyl[6]", "cyl[8]"));
    partreg_data d;
    partreg_frame_data(fr, &d);
    /* row 0: male, 30.5, b, 10.25, cyl 4 */
    static const double X0[10] = {1, 1, 30.5, 30.5, 1, 0, 930.25, 0, 0, 0};
    for (size_t j = 0; j < 10; j++)
        if (j != 7)
            assert_true(d.X[j] == X0[j]);
    assert_rel(d.X[7], 2.327277705584417, 1e-15); /* log(10.25), Python math.log */
    /* row 1: female, 41, a, cyl 6: interactions zero */
    assert_true(d.X[10 + 3] == 0.0 && d.X[10 + 4] == 0.0 && d.X[10 + 8] == 1.0);
    assert_string_equal(partreg_frame_variable_level_name(fr, 2, 1), "b");
    assert_string_equal(partreg_frame_variable_name(fr, 4), "cyl");
    assert_string_equal(partreg_frame_variable_level_name(fr, 4, 2), "8");
    size_t nc;
    const size_t *cols = partreg_frame_variable_columns(fr, 1, &nc); /* age */
    assert_int_equal(nc, 3);
    assert_int_equal(cols[0], 2);
    assert_int_equal(cols[1], 3);
    assert_int_equal(cols[2], 6);
    partreg_frame_free(fr);
    /* factor x factor: every non-reference combination, first part fastest */
    fr = frame_of(t, "y ~ grp:factor(cyl)", NULL);
    check_names(fr, NAMES("(Intercept)", "grp[b]:cyl[6]", "grp[c]:cyl[6]", "grp[b]:cyl[8]",
                          "grp[c]:cyl[8]"));
    partreg_frame_free(fr);
    /* binary without intercept: the first lone factor gets every level */
    fr = frame_of(t, "y ~ grp + sex - 1", NULL);
    check_names(fr, NAMES("grp[a]", "grp[b]", "grp[c]", "sex[male]"));
    partreg_frame_free(fr);
    partreg_table_free(t);
}

static void test_weights_clusters(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame_options o = partreg_frame_options_default();
    o.weights = "w";
    o.cluster = "cl";
    partreg_frame *fr = frame_of(t, "y ~ age", &o);
    assert_int_equal(partreg_frame_n_rows(fr), 8);
    const double *w = partreg_frame_weights(fr);
    assert_true(w[1] == 2.0 && w[4] == 0.5);
    size_t G = 0;
    const size_t *cl = partreg_frame_clusters(fr, &G);
    assert_int_equal(G, 3);
    static const size_t want[8] = {0, 0, 1, 1, 2, 2, 0, 1};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(cl[i], want[i]);
    partreg_frame_free(fr);
    /* numeric cluster ids, first appearance order */
    o.weights = NULL;
    o.cluster = "cyl";
    fr = frame_of(t, "y ~ age", &o);
    cl = partreg_frame_clusters(fr, &G);
    assert_int_equal(G, 3);
    assert_int_equal(cl[2], 2);
    assert_int_equal(cl[3], 0);
    partreg_frame_free(fr);
    fr = frame_of(t, "y ~ age", NULL);
    assert_null(partreg_frame_weights(fr));
    assert_null(partreg_frame_clusters(fr, &G));
    assert_int_equal(G, 0);
    partreg_frame_free(fr);
    /* a missing weight drops the row */
    partreg_table *t2 = table_from("y,x,w\n1,1,1\n0,2,\n1,3,2\n0,4,1\n");
    o.cluster = NULL;
    o.weights = "w";
    fr = frame_of(t2, "y ~ x", &o);
    assert_int_equal(partreg_frame_n_rows(fr), 3);
    assert_int_equal(partreg_frame_n_dropped(fr), 1);
    partreg_frame_free(fr);
    partreg_table_free(t2);
    partreg_table_free(t);
}

static void test_design_row(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame *fr = frame_of(
        t, "y ~ age + I(age^2) + log(inc) + sex:age + exp(age/inc) + sqrt(age*inc) + grp", NULL);
    size_t p = partreg_frame_n_columns(fr), vage, vsex, vgrp;
    assert_int_equal(partreg_frame_find_variable(fr, "age", &vage, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(fr, "sex", &vsex, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_find_variable(fr, "grp", &vgrp, NULL), PARTREG_OK);
    double x[16], dx[16], xp[16], xm[16];
    partreg_data d;
    partreg_frame_data(fr, &d);
    /* without settings the row is the design row */
    assert_int_equal(partreg_frame_design_row(fr, 2, NULL, 0, -1, x, NULL, NULL), PARTREG_OK);
    for (size_t j = 0; j < p; j++)
        assert_true(x[j] == d.X[2 * p + j]);
    /* derivatives w.r.t. age at each row, against central differences */
    for (size_t i = 0; i < partreg_frame_n_rows(fr); i++) {
        double a = partreg_frame_variable_values(fr, vage)[i], h = 1e-5;
        assert_int_equal(partreg_frame_design_row(fr, i, NULL, 0, (long)vage, x, dx, NULL),
                         PARTREG_OK);
        partreg_setting s = {vage, a + h, 0};
        partreg_frame_design_row(fr, i, &s, 1, -1, xp, NULL, NULL);
        s.value = a - h;
        partreg_frame_design_row(fr, i, &s, 1, -1, xm, NULL, NULL);
        for (size_t j = 0; j < p; j++)
            assert_rel_floor(dx[j], (xp[j] - xm[j]) / (2 * h), 1e-6, 1e-3);
    }
    assert_true(dx[0] == 0.0); /* intercept */
    /* categorical settings: grp = c, sex = male on row 1 (female, a) */
    partreg_setting s2[2] = {{vgrp, 0, 2}, {vsex, 0, 1}};
    assert_int_equal(partreg_frame_design_row(fr, 1, s2, 2, -1, x, NULL, NULL), PARTREG_OK);
    for (size_t j = 0; j < p; j++) {
        const char *nm = partreg_frame_column_name(fr, j);
        if (strcmp(nm, "grp[c]") == 0)
            assert_true(x[j] == 1.0);
        if (strcmp(nm, "grp[b]") == 0)
            assert_true(x[j] == 0.0);
        if (strcmp(nm, "sex[male]:age") == 0)
            assert_true(x[j] == 41.0);
    }
    /* errors */
    partreg_error err;
    assert_int_equal(partreg_frame_design_row(fr, 99, NULL, 0, -1, x, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_frame_design_row(fr, 0, NULL, 0, (long)vsex, x, dx, &err),
                     PARTREG_EINVAL);
    partreg_setting bad = {vgrp, 0, 3};
    assert_int_equal(partreg_frame_design_row(fr, 0, &bad, 1, -1, x, NULL, &err), PARTREG_EINVAL);
    partreg_setting neg = {vage, -2.0, 0};
    assert_int_equal(partreg_frame_design_row(fr, 0, &neg, 1, -1, x, NULL, &err), PARTREG_EDATA);
    assert_contains(err.message, "sqrt(age*inc)");
    partreg_frame_free(fr);
    partreg_table_free(t);
}

static void test_apply(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame *fr = frame_of(t, "y ~ sex*age + factor(cyl) + grp", NULL);
    partreg_table *nd = table_from("age,sex,cyl,grp\n40,male,8,c\n50,female,4,b\n,male,4,a\n");
    partreg_frame *nf = NULL;
    partreg_error err;
    assert_int_equal(partreg_frame_apply(fr, nd, &nf, &err), PARTREG_OK);
    assert_int_equal(partreg_frame_n_rows(nf), 2);
    assert_int_equal(partreg_frame_n_dropped(nf), 1);
    assert_false(partreg_frame_has_outcome(nf));
    size_t p = partreg_frame_n_columns(fr);
    assert_int_equal(partreg_frame_n_columns(nf), p);
    for (size_t j = 0; j < p; j++)
        assert_string_equal(partreg_frame_column_name(nf, j), partreg_frame_column_name(fr, j));
    partreg_data d;
    partreg_frame_data(nf, &d);
    assert_null(d.y);
    /* (Intercept) sex[male] age sex[male]:age cyl[6] cyl[8] grp[b] grp[c] */
    static const double X0[8] = {1, 1, 40, 40, 0, 1, 0, 1};
    for (size_t j = 0; j < p; j++)
        assert_true(d.X[j] == X0[j]);
    partreg_frame_free(nf);
    /* with an outcome column, and a level the model has not seen */
    partreg_table *nd2 = table_from("y,age,sex,cyl,grp\nno,40,male,8,c\nyes,50,female,4,d\n");
    assert_int_equal(partreg_frame_apply(fr, nd2, &nf, &err), PARTREG_EDATA);
    assert_null(nf);
    assert_contains(err.message, "'grp' is 'd' on line 3");
    partreg_table_free(nd2);
    nd2 = table_from("y,age,sex,cyl,grp\nno,40,male,8,c\nmaybe,50,female,6,b\n");
    assert_int_equal(partreg_frame_apply(fr, nd2, &nf, &err), PARTREG_EDATA);
    assert_contains(err.message, "outcome 'y' is 'maybe'");
    partreg_table_free(nd2);
    nd2 = table_from("y,age,sex,cyl,grp\nno,40,male,8,c\n,50,female,6,b\n");
    assert_int_equal(partreg_frame_apply(fr, nd2, &nf, &err), PARTREG_OK);
    assert_true(partreg_frame_has_outcome(nf));
    partreg_frame_data(nf, &d);
    assert_true(d.y[0] == 0.0 && isnan(d.y[1]));
    partreg_frame_free(nf);
    partreg_table_free(nd2);
    nd2 = table_from("age,sex,grp\n40,male,c\n");
    assert_int_equal(partreg_frame_apply(fr, nd2, &nf, &err), PARTREG_ENOTFOUND);
    assert_contains(err.message, "cyl");
    partreg_table_free(nd2);
    nd2 = table_from("age,sex,cyl,grp\nold,male,8,c\n");
    assert_int_equal(partreg_frame_apply(fr, nd2, &nf, &err), PARTREG_EDATA);
    assert_contains(err.message, "'age'");
    partreg_table_free(nd2);
    assert_int_equal(partreg_frame_apply(fr, NULL, &nf, &err), PARTREG_EINVAL);
    partreg_table_free(nd);
    partreg_frame_free(fr);
    partreg_table_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    partreg_table *t = table_from(CSV);
    partreg_frame_options o = partreg_frame_options_default();
    frame_error(t, "y ~ agee", NULL, PARTREG_ENOTFOUND, "did you mean 'age'", 0);
    frame_error(t, "yy ~ age", NULL, PARTREG_ENOTFOUND, "'yy'", 0);
    frame_error(t, "y ~ I(sex^2)", NULL, PARTREG_EDATA, "column 'sex' is used as a number", 2);
    frame_error(t, "y ~ log(grp)", NULL, PARTREG_EDATA, "line 2 has 'b'", 2);
    frame_error(t, "y ~ age + factor(age)", NULL, PARTREG_EINVAL, "both as a number", 0);
    frame_error(t, "y ~ log(age - 30)", NULL, PARTREG_EDATA, "'log(age-30)' is not a finite "
                "number on line 4", 4);
    const char *lv[] = {"no", "maybe"};
    o.levels = lv;
    o.n_levels = 2;
    frame_error(t, "y ~ age", &o, PARTREG_EDATA, "'y' is 'yes' on line 2, which is not one of "
                "the levels given (no, maybe)", 2);
    const char *lv2[] = {"1", "x"};
    o.levels = lv2;
    frame_error(t, "rating ~ age", &o, PARTREG_EDATA, "'x' is not a number", 0);
    const char *lv3[] = {"1", "2", "1.0"};
    o.levels = lv3;
    o.n_levels = 3;
    frame_error(t, "rating ~ age", &o, PARTREG_EDATA, "lists '1.0' twice", 0);
    o = partreg_frame_options_default();
    o.family_auto = 0;
    o.family = PARTREG_BINARY;
    frame_error(t, "rating ~ age", &o, PARTREG_EDATA, "needs an outcome with 2 levels", 0);
    o.family = PARTREG_ORDINAL;
    frame_error(t, "y ~ age", &o, PARTREG_EONECLASS, "at least 3 levels", 0);
    o = partreg_frame_options_default();
    const char *rv[] = {"sex"}, *rl[] = {"other"};
    o.ref_variables = rv;
    o.ref_levels = rl;
    o.n_refs = 1;
    frame_error(t, "y ~ sex", &o, PARTREG_ENOTFOUND, "no level 'other' in the rows used "
                "(levels: female, male)", 0);
    frame_error(t, "y ~ age", &o, PARTREG_ENOTFOUND, "'sex' is not a variable of the model", 0);
    rv[0] = "age";
    frame_error(t, "y ~ age", &o, PARTREG_EINVAL, "use factor(age)", 0);
    o = partreg_frame_options_default();
    o.weights = "sex";
    frame_error(t, "y ~ age", &o, PARTREG_EDATA, "--weights, but it is categorical (line 2 has "
                "'male'); choose a numeric column", 2);
    o.weights = "nope";
    frame_error(t, "y ~ age", &o, PARTREG_ENOTFOUND, "nope", 0);
    frame_error(t, "y ~ 0", NULL, PARTREG_EFORMULA, "no columns", 0);
    partreg_table *t2 = table_from("y,x,w,g\na,1,1,u\na,2,-1,u\nb,,1,v\n");
    frame_error(t2, "y ~ x", NULL, PARTREG_EONECLASS, "single value ('a')", 0);
    o.weights = "w";
    frame_error(t2, "y ~ g", &o, PARTREG_EDATA, "is -1 on line 3", 3);
    frame_error(t2, "y ~ x + g", NULL, PARTREG_EONECLASS, "single value", 0);
    partreg_table_free(t2);
    t2 = table_from("y,x,g\na,1,u\nb,2,u\n");
    frame_error(t2, "y ~ x + g", NULL, PARTREG_EDATA, "'g' has a single level ('u')", 0);
    partreg_table_free(t2);
    t2 = table_from("y,x\na,\nb,\n");
    frame_error(t2, "y ~ x", NULL, PARTREG_ETOOFEW, "no rows left", 0);
    partreg_table_free(t2);
    /* invalid arguments */
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse("y ~ age", &f, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_create(NULL, f, NULL, &fr, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_frame_create(t, f, NULL, NULL, &err), PARTREG_EINVAL);
    o = partreg_frame_options_default();
    o.n_levels = 2;
    assert_int_equal(partreg_frame_create(t, f, &o, &fr, &err), PARTREG_EINVAL);
    assert_null(fr);
    partreg_formula_free(f);
    partreg_table_free(t);
}

/* A large frame (2e5 rows x 12 terms: numeric, factor, interaction, I(),
 * log()) builds correctly. Its speed is measured in bench/, not asserted
 * here (make test makes no timing assertions); the time is printed. */
static void test_large(void **state)
{
    (void)state;
    size_t n = 200000;
    size_t cap = n * 40 + 100, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)sprintf(csv, "y,a,b,c,d,g,h\n");
    unsigned long s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ul + 1442695040888963407ul;
        unsigned r = (unsigned)(s >> 33);
        len += (size_t)sprintf(csv + len, "%u,%u.5,%u,%u.25,%u,g%u,h%u\n", r & 1u, r % 97u,
                               (r >> 3) % 50u, (r >> 5) % 31u + 1u, (r >> 7) % 13u, (r >> 9) % 4u,
                               (r >> 11) % 3u);
    }
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(csv, len, "big", NULL, &t, NULL), PARTREG_OK);
    free(csv);
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("y ~ a + b + c + d + g + h + a:b + g:c + I(a^2) + "
                                           "log(c) + sqrt(b) + exp(d/10)",
                                           &f, NULL),
                     PARTREG_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    partreg_frame *fr = NULL;
    partreg_error err;
    partreg_status st = partreg_frame_create(t, f, NULL, &fr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    print_message("frame of %zu rows x %zu columns: %.3f s\n", partreg_frame_n_rows(fr),
                  partreg_frame_n_columns(fr), sec);
    assert_int_equal(partreg_frame_n_rows(fr), n);
    assert_int_equal(partreg_frame_n_columns(fr), 18);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    partreg_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_coding), cmocka_unit_test(test_references_and_levels),
        cmocka_unit_test(test_ordinal),       cmocka_unit_test(test_terms),
        cmocka_unit_test(test_weights_clusters), cmocka_unit_test(test_design_row),
        cmocka_unit_test(test_apply),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
