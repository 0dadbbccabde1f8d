/* The library's promises under hostile input: one escaping of every
 * string in JSON, CSV and text (partreg.h); messages that stay one
 * printable line whatever they quote; weights that cannot carry a
 * likelihood refused; decimal commas read as numbers and said so; UTF-16
 * and CR-only files named; an outcome that looks continuous refused unless
 * confirmed; a file read again after the parallel pass dropped its pages,
 * and a file that changed meanwhile reported, never a crash. Expected
 * values are closed forms (the bytes each escaping must write). */
#define _GNU_SOURCE /* open_memstream, mkdtemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_table.h"
#include "testutil.h"

#include "core/error.h"
#include "data/file_read.h"

typedef int (*writer)(FILE *, const char *);

/* What f writes for s, as a malloc'ed string. */
static char *written(int (*f)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(f(m, s), 0);
    fclose(m);
    return buf;
}

static int csv_comma(FILE *out, const char *s)
{
    return partreg_write_csv_field(out, s, ',');
}

static int csv_semicolon(FILE *out, const char *s)
{
    return partreg_write_csv_field(out, s, ';');
}

static void expect_written(writer f, const char *in, const char *want)
{
    char *got = written(f, in);
    assert_string_equal(got, want);
    free(got);
}

static void test_escaping(void **state)
{
    (void)state;
    /* JSON: quote, backslash, controls, DEL, invalid UTF-8; valid UTF-8 kept */
    expect_written(partreg_write_json_string, "we\"ird\\x", "\"we\\\"ird\\\\x\"");
    expect_written(partreg_write_json_string, "a\nb\tc\x1b[31m\x7f",
                   "\"a\\nb\\tc\\u001b[31m\\u007f\"");
    expect_written(partreg_write_json_string, "\xff\xfe caf\xc3\xa9",
                   "\"\\ufffd\\ufffd caf\xc3\xa9\"");
    expect_written(partreg_write_json_string, "\xe2\x82", "\"\\ufffd\\ufffd\""); /* cut short */
    expect_written(partreg_write_json_string, NULL, "null");
    /* CSV: RFC 4180 quoting when needed, and for edge spaces */
    expect_written(csv_comma, "plain", "plain");
    expect_written(csv_comma, "yes, definitely", "\"yes, definitely\"");
    expect_written(csv_comma, "say \"hi\"", "\"say \"\"hi\"\"\"");
    expect_written(csv_comma, "two\nlines", "\"two\nlines\"");
    expect_written(csv_comma, " padded", "\" padded\"");
    expect_written(csv_semicolon, "a,b", "a,b");
    expect_written(csv_semicolon, "a;b", "\"a;b\"");
    expect_written(csv_comma, NULL, "");
    /* text: control characters and invalid bytes made visible */
    expect_written(partreg_write_text, "a\x1b[2Jb\tc\xff caf\xc3\xa9",
                   "a\\x1B[2Jb\\x09c\\xFF caf\xc3\xa9");
}

static void test_messages_printable(void **state)
{
    (void)state;
    partreg_error err;
    partreg_error_set(&err, PARTREG_EPARSE, "ReadStat said: %s", "bad \x1b]0;title\x07 \xff\xfe\n");
    assert_string_equal(err.message, "ReadStat said: bad \\x1B]0;title\\x07 \\xFF\\xFE\\x0A");
    partreg_error_set(&err, PARTREG_EPARSE, "level 'caf\xc3\xa9'");
    assert_string_equal(err.message, "level 'caf\xc3\xa9'");
}

/* y = (x > 0.3) with noise, n rows, weights w (NULL: none). */
static partreg_status fit_weighted(const double *w, partreg_error *err)
{
    enum { N = 40 };
    static double X[N * 2], y[N];
    for (size_t i = 0; i < N; i++) {
        double x = (double)((i * 37) % N) / N;
        X[2 * i] = 1.0;
        X[2 * i + 1] = x;
        y[i] = (x > 0.3) != (i % 7 == 0);
    }
    partreg_data d = {N, 2, X, 0, y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_status st = partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, err);
    partreg_fit_free(fit);
    return st;
}

static void test_degenerate_weights(void **state)
{
    (void)state;
    double w[40];
    partreg_error err;
    for (size_t i = 0; i < 40; i++)
        w[i] = 4.9e-324; /* the smallest subnormal: "converged after 0 iterations" before */
    assert_int_equal(fit_weighted(w, &err), PARTREG_EDATA);
    assert_contains(err.message, "below the smallest normal double");
    for (size_t i = 0; i < 40; i++)
        w[i] = i == 3 ? 1e-310 : 1.0;
    assert_int_equal(fit_weighted(w, &err), PARTREG_EDATA);
    assert_contains(err.message, "row 4: weight 1e-310");
    for (size_t i = 0; i < 40; i++)
        w[i] = 1e307;
    assert_int_equal(fit_weighted(w, &err), PARTREG_EDATA);
    assert_contains(err.message, "sum to more than the largest double");
    /* a normal scale, however small, is a likelihood: the same estimates */
    for (size_t i = 0; i < 40; i++)
        w[i] = 1e-300;
    assert_int_equal(fit_weighted(w, &err), PARTREG_OK);
}

static partreg_table *read_text(const char *text, char delim, partreg_status want,
                                partreg_error *err)
{
    partreg_read_options opt = partreg_read_options_default();
    partreg_table *t = NULL;
    opt.delimiter = delim;
    partreg_status st = partreg_table_read_csv_buffer(text, strlen(text), "t.csv", &opt, &t, err);
    if (st != want)
        fail_msg("status %d, want %d: %s", st, want, err->message);
    return t;
}

static void test_decimal_comma(void **state)
{
    (void)state;
    partreg_error err;
    long line;
    const char *value;
    partreg_table *t = read_text("y;income;code\n1;4,5;7\n0;-0,25;8\n1;;9\n0;3;x\n", 0,
                                 PARTREG_OK, &err);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_NUMERIC);
    const double *x = partreg_table_numeric(t, 1);
    assert_true(x[0] == 4.5 && x[1] == -0.25 && isnan(x[2]) && x[3] == 3.0);
    assert_int_equal(partreg_table_decimal_comma(t, 1, &line, &value), 1);
    assert_int_equal(line, 2);
    assert_string_equal(value, "4,5");
    assert_int_equal(partreg_table_decimal_comma(t, 0, &line, &value), 0); /* plain numbers */
    assert_int_equal(partreg_table_column_type(t, 2), PARTREG_COLUMN_CATEGORICAL); /* text */
    partreg_table_free(t);
    /* a '.' among them, or a thousands separator: not this form, stays text */
    t = read_text("y;v\n1;4,5\n0;4.5\n", 0, PARTREG_OK, &err);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_CATEGORICAL);
    partreg_table_free(t);
    t = read_text("y;v\n1;1.234,5\n0;2,5\n", 0, PARTREG_OK, &err);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_CATEGORICAL);
    partreg_table_free(t);
    /* in a ',' file a quoted "4,5" is text: the comma may be a list */
    t = read_text("y,v\n1,\"4,5\"\n0,\"2,5\"\n", 0, PARTREG_OK, &err);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_CATEGORICAL);
    partreg_table_free(t);
    /* tab-delimited files too */
    t = read_text("y\tv\n1\t4,5\n0\t2\n", 0, PARTREG_OK, &err);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_NUMERIC);
    partreg_table_free(t);
}

static void test_text_forms(void **state)
{
    (void)state;
    partreg_error err;
    partreg_table *t;
    static const char u16le[] = "\xff\xfey\0,\0x\0\n\0";
    assert_int_equal(partreg_table_read_csv_buffer(u16le, sizeof u16le - 1, "u.csv", NULL, &t,
                                                   &err),
                     PARTREG_EPARSE);
    assert_contains(err.message, "u.csv is UTF-16 text (byte-order mark 0xFF 0xFE)");
    static const char nobom[] = "y\0,\0x\0\n\0";
    assert_int_equal(partreg_table_read_csv_buffer(nobom, sizeof nobom - 1, "u.csv", NULL, &t,
                                                   &err),
                     PARTREG_EPARSE);
    assert_contains(err.message, "looks like UTF-16");
    read_text("y,x,z\r0,-0.25,1\r1,0.3,2\r", 0, PARTREG_EPARSE, &err);
    assert_contains(err.message, "its lines end in CR alone");
    /* CR inside values of a file with LF line ends stays an ordinary byte */
    t = read_text("y,x\n1,a\rb\n0,c\n", 0, PARTREG_OK, &err);
    partreg_table_free(t);
}

static void test_continuous_outcome(void **state)
{
    (void)state;
    enum { N = 300 };
    partreg_table *t;
    partreg_error err;
    char *text = malloc(N * 32 + 16), *p = text;
    assert_non_null(text);
    p += sprintf(p, "y,x\n");
    for (int i = 0; i < N; i++)
        p += sprintf(p, "%d.%d,%d\n", i % 61, i % 3, (i * 7) % 11);
    t = read_text(text, 0, PARTREG_OK, &err);
    free(text);
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("y ~ x", &f, &err), PARTREG_OK);
    partreg_frame_options fo = partreg_frame_options_default();
    partreg_frame *fr = NULL;
    assert_int_equal(partreg_frame_create(t, f, &fo, &fr, &err), PARTREG_EDATA);
    assert_contains(err.message, "has 183 distinct values in 300 rows: it looks continuous");
    fo.many_levels = 1;
    assert_int_equal(partreg_frame_create(t, f, &fo, &fr, &err), PARTREG_OK);
    assert_int_equal(partreg_frame_n_levels(fr), 183);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    partreg_table_free(t);
}

/* The reader's own copy of a file: read again when its pages were
 * dropped, unless the file changed. */
static void test_file_reread(void **state)
{
    (void)state;
    char dir[] = "/tmp/partreg-reread-XXXXXX", path[64];
    partreg_file_data d;
    partreg_error err;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("y,x\n1,2\n0,3\n", f);
    fclose(f);
    assert_int_equal(partreg_file_read_all(path, 0, &d, &err), PARTREG_OK);
    assert_int_equal(d.len, 12);
    assert_true(d.regular && d.buf[d.len] == '\0');
    memset(d.buf, 0, d.len); /* as dropped pages read */
    assert_int_equal(partreg_file_reread(path, &d, &err), PARTREG_OK);
    assert_memory_equal(d.buf, "y,x\n1,2\n0,3\n", 12);
    assert_int_equal(truncate(path, 4), 0); /* another program rewrites it */
    assert_int_equal(partreg_file_reread(path, &d, &err), PARTREG_EIO);
    assert_contains(err.message, "changed while it was read");
    partreg_file_data_free(&d);
    assert_int_equal(partreg_file_read_all(dir, 0, &d, &err), PARTREG_EIO);
    assert_contains(err.message, "Is a directory");
    assert_null(d.buf);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_messages_printable),
        cmocka_unit_test(test_degenerate_weights),
        cmocka_unit_test(test_decimal_comma),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_continuous_outcome),
        cmocka_unit_test(test_file_reread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
