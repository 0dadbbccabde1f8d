/* Tests of tables built from arrays (lib/data/table_build.c) and of the
 * analysis read without a FILE* (lib/report/analysis_memory.c,
 * lib/inference/vcov_get.c): a table built from the columns of a CSV file
 * gives the analysis of the file itself byte for byte; borrowed columns
 * are not copied; every refusal is provoked. Expected values are the
 * file's own analysis, or written out by hand from the input. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_matrix.h>

#include "partreg_analysis.h"
#include "partreg_inference.h"
#include "partreg_options.h"
#include "partreg_table.h"
#include "testutil.h"

/* 60 rows made by a fixed rule (no separation): y, x (row 4 missing), g
 * (row 8 missing), w; the same data as CSV text and as arrays. */
#define N 60
static double x_col[N], w_col[N];
static const char *y_col[N], *g_col[N];
static char csv[N * 64 + 16];

static void make_data(void)
{
    static const char *const gs[] = {"a", "b", "c"};
    size_t len = (size_t)snprintf(csv, sizeof csv, "y,x,g,w\n");
    for (int i = 0; i < N; i++) {
        x_col[i] = i == 4 ? NAN : 0.1 + 0.37 * (double)((i * 7) % 13);
        w_col[i] = 1 + (i % 3);
        y_col[i] = ((i * 5) % 7 + (i % 4)) % 3 == 0 || (i * 11) % 9 < 3 ? "yes" : "no";
        g_col[i] = i == 8 ? NULL : gs[(i * 4) % 3];
        char x[32];
        if (isnan(x_col[i]))
            x[0] = '\0';
        else
            snprintf(x, sizeof x, "%.17g", x_col[i]);
        len += (size_t)snprintf(csv + len, sizeof csv - len, "%s,%s,%s,%g\n", y_col[i], x,
                                g_col[i] ? g_col[i] : "NA", w_col[i]);
    }
}

static partreg_table *build(void)
{
    partreg_table *t = NULL;
    partreg_error err;
    assert_int_equal(partreg_table_build("frame", N, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_add_strings(t, "y", y_col, &err), PARTREG_OK);
    assert_int_equal(partreg_table_add_numeric(t, "x", x_col, PARTREG_TABLE_BORROW, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_table_add_strings(t, "g", g_col, &err), PARTREG_OK);
    assert_int_equal(partreg_table_add_numeric(t, "w", w_col, PARTREG_TABLE_COPY, &err),
                     PARTREG_OK);
    return t;
}

/* The JSON of an analysis without its "data" line (the source's name). */
static char *json_of(const partreg_table *t, const partreg_analysis_spec *spec)
{
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = partreg_analysis_run_table(t, spec, &a, &err);
    if (st != PARTREG_OK)
        fail_msg("analysis: %s", err.message);
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(partreg_analysis_write_string(a, PARTREG_FORMAT_JSON, 0, &s, &len, &err),
                     PARTREG_OK);
    assert_int_equal(strlen(s), len);
    char *d = strstr(s, "\n  \"data\":");
    assert_non_null(d);
    char *e = strchr(d + 1, '\n');
    memmove(d, e, strlen(e) + 1);
    partreg_analysis_free(a);
    return s;
}

static void test_built_equals_read(void **state)
{
    (void)state;
    partreg_table *r = NULL, *b = build();
    partreg_error err;
    assert_int_equal(partreg_table_read_csv_buffer(csv, strlen(csv), "t.csv", NULL, &r, &err),
                     PARTREG_OK);
    const char *const opts[][2] = {{"formula", "y ~ x + g"}, {"weights", "w"},
                                   {"vcov", "hc1"},          {"margins", NULL}};
    partreg_options *o = NULL;
    assert_int_equal(partreg_options_create(&o, &err), PARTREG_OK);
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        assert_int_equal(partreg_options_set(o, opts[i][0], opts[i][1], &err), PARTREG_OK);
    char *from_file = json_of(r, partreg_options_spec(o));
    char *from_arrays = json_of(b, partreg_options_spec(o));
    assert_string_equal(from_file, from_arrays);
    assert_contains(from_file, "\"g[b]\"");
    partreg_string_free(from_file);
    partreg_string_free(from_arrays);
    partreg_options_free(o);
    partreg_table_free(r);
    partreg_table_free(b);
}

static void test_borrow_and_copy(void **state)
{
    (void)state;
    partreg_table *t = build();
    assert_ptr_equal(partreg_table_numeric(t, 1), x_col); /* borrowed: no copy */
    assert_ptr_not_equal(partreg_table_numeric(t, 3), w_col);
    assert_rel(partreg_table_numeric(t, 3)[4], 2.0, 0);
    assert_string_equal(partreg_table_source(t), "frame");
    assert_int_equal(partreg_table_n_levels(t, 2), 3);
    assert_int_equal(partreg_table_codes(t, 2)[8], -1); /* NULL = missing */
    assert_string_equal(partreg_table_level_name(t, 0, 0), "yes"); /* first seen */
    assert_int_equal(partreg_table_levels_ordered(t, 0), 0);
    assert_int_equal(partreg_table_row_line(t, 4), 5); /* rows from 1 */
    partreg_table_free(t);
}

/* Codes and levels: an ordered factor's first level is the reference. */
static void test_categorical_codes(void **state)
{
    (void)state;
    partreg_table *t = NULL;
    partreg_error err;
    int codes[N];
    static const char *const levels[] = {"c", "b", "a"};
    for (int i = 0; i < N; i++)
        codes[i] = i == 8 ? -1 : 2 - (i * 4) % 3; /* g of make_data: a = 2 */
    assert_int_equal(partreg_table_build(NULL, N, &t, &err), PARTREG_OK);
    assert_string_equal(partreg_table_source(t), "<table>");
    assert_int_equal(partreg_table_add_categorical(t, "g", codes, levels, 3, 1, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_table_add_strings(t, "y", y_col, &err), PARTREG_OK);
    assert_int_equal(partreg_table_levels_ordered(t, 0), 1);
    assert_string_equal(partreg_table_level_name(t, 0, 2), "a");
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ g";
    char *s = json_of(t, &spec);
    assert_contains(s, "\"g[b]\""); /* reference c: the first level */
    assert_contains(s, "\"g[a]\"");
    assert_null(strstr(s, "\"g[c]\""));
    partreg_string_free(s);
    partreg_table_free(t);
}

static void expect(partreg_status got, partreg_status want, const partreg_error *err,
                   const char *text)
{
    if (got != want)
        fail_msg("status %s, want %s: %s", partreg_status_name(got), partreg_status_name(want),
                 err->message);
    assert_contains(err->message, text);
}

static void test_refusals(void **state)
{
    (void)state;
    partreg_table *t = NULL;
    partreg_error err;
    static const double inf_col[] = {1, 2, INFINITY};
    static const int bad_codes[] = {0, 2, -1};
    static const int codes[] = {0, 1, -1};
    static const char *const two[] = {"u", "v"};
    static const char *const twice[] = {"u", "u"};
    static const char *const nul_level[] = {"u", NULL};
    static const char *const bad_utf8[] = {"u", "\xff", NULL};
    expect(partreg_table_build("t", 3, NULL, &err), PARTREG_EINVAL, &err, "out is NULL");
    assert_int_equal(partreg_table_build("t", 3, &t, &err), PARTREG_OK);
    expect(partreg_table_add_numeric(t, "x", inf_col, PARTREG_TABLE_COPY, &err), PARTREG_EDATA,
           &err, "column 'x' is inf on line 3");
    assert_int_equal(err.index, 2);
    expect(partreg_table_add_numeric(t, "", x_col, PARTREG_TABLE_COPY, &err), PARTREG_EINVAL,
           &err, "a column name is empty");
    expect(partreg_table_add_numeric(t, "x", NULL, PARTREG_TABLE_COPY, &err), PARTREG_EINVAL,
           &err, "has no values");
    expect(partreg_table_add_numeric(t, "x", x_col, (partreg_table_storage)7, &err),
           PARTREG_EINVAL, &err, "storage 7");
    assert_int_equal(partreg_table_add_numeric(t, "x", x_col, PARTREG_TABLE_COPY, &err),
                     PARTREG_OK);
    expect(partreg_table_add_strings(t, "x", y_col, &err), PARTREG_EINVAL, &err,
           "column 'x' is already in the table");
    expect(partreg_table_add_categorical(t, "g", bad_codes, two, 2, 0, &err), PARTREG_EDATA, &err,
           "column 'g' has code 2 on line 2");
    expect(partreg_table_add_categorical(t, "g", codes, twice, 2, 0, &err), PARTREG_EINVAL, &err,
           "has level 'u' twice");
    expect(partreg_table_add_categorical(t, "g", codes, nul_level, 2, 0, &err), PARTREG_EINVAL,
           &err, "level 1 of column 'g' is NULL");
    expect(partreg_table_add_strings(t, "s", bad_utf8, &err), PARTREG_EDATA, &err,
           "column 's' is not valid UTF-8 on line 2");
    expect(partreg_table_add_strings(NULL, "s", y_col, &err), PARTREG_EINVAL, &err,
           "are required");
    /* the failed calls left the table as it was */
    assert_int_equal(partreg_table_n_columns(t), 1);
    assert_int_equal(partreg_table_add_categorical(t, "g", codes, two, 2, 0, &err), PARTREG_OK);
    assert_int_equal(partreg_table_n_columns(t), 2);
    partreg_table_free(t);
    /* an empty table */
    assert_int_equal(partreg_table_build("e", 0, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_add_numeric(t, "x", NULL, PARTREG_TABLE_COPY, &err),
                     PARTREG_OK);
    partreg_table_free(t);
}

/* Predictions into an array (NaN where a model variable is missing) and
 * the covariance as an array. */
static void test_predict_and_vcov(void **state)
{
    (void)state;
    partreg_table *t = build();
    partreg_error err;
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x + g";
    partreg_analysis *a = NULL;
    assert_int_equal(partreg_analysis_run_table(t, &spec, &a, &err), PARTREG_OK);
    double p[N];
    assert_int_equal(partreg_analysis_predict_probs(a, t, p, N, 1, &err), PARTREG_OK);
    assert_true(isnan(p[4]) && isnan(p[8]) && !isnan(p[0]));
    const partreg_fit *fit = partreg_analysis_fit(a);
    /* the event probability of row 0 by hand: F(b0 + b1 x) with g = a */
    const gsl_vector *b = partreg_fit_coef(fit);
    double eta = gsl_vector_get(b, 0) + gsl_vector_get(b, 1) * x_col[0];
    assert_rel(p[0], 1 / (1 + exp(-eta)), 1e-15);
    expect(partreg_analysis_predict_probs(a, t, p, N, 2, &err), PARTREG_EINVAL, &err,
           "need 60 x 1");
    size_t K = partreg_fit_n_parameters(fit);
    double V[16];
    assert_int_equal(K, 4);
    assert_int_equal(partreg_fit_vcov_get(fit, V, K, &err), PARTREG_OK);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            assert_true(V[i * K + j] == gsl_matrix_get(partreg_fit_vcov(fit), i, j));
    expect(partreg_fit_vcov_get(fit, V, 3, &err), PARTREG_EINVAL, &err, "has 4 parameters");
    /* text output in memory equals the stream's */
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(partreg_analysis_write_string(a, PARTREG_FORMAT_TEXT, 0, &s, &len, &err),
                     PARTREG_OK);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_int_equal(partreg_analysis_write(a, f, PARTREG_FORMAT_TEXT, 0, &err), PARTREG_OK);
    fclose(f);
    assert_int_equal(n, len);
    assert_memory_equal(buf, s, n);
    free(buf);
    partreg_string_free(s);
    expect(partreg_analysis_write_string(a, PARTREG_FORMAT_JSON, 0, NULL, &len, &err),
           PARTREG_EINVAL, &err, "NULL argument");
    partreg_analysis_free(a);
    partreg_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_built_equals_read), cmocka_unit_test(test_borrow_and_copy),
        cmocka_unit_test(test_categorical_codes), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_predict_and_vcov),
    };
    make_data();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
