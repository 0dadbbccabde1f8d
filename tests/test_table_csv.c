/* Tests of the CSV reader and the table accessors (lib/data/csv.c,
 * lib/data/table.c): RFC 4180 quoting, delimiter detection, BOM, line ends,
 * missing values, type inference, every error the reader reports (status,
 * message, line and column), column suggestions, and inputs meant to break
 * it (garbage bytes, a 10 MB line, 100,000 columns). Expected values are
 * written out by hand from the input text. */
#define _GNU_SOURCE /* mkdtemp */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/table_internal.h"
#include "partreg_table.h"
#include "testutil.h"

/* Read text (NUL-terminated) with options; assert the status. */
static partreg_table *read_text(const char *text, const partreg_read_options *opt,
                                partreg_status want, partreg_error *err)
{
    partreg_table *t = (partreg_table *)1;
    partreg_status st = partreg_table_read_csv_buffer(text, strlen(text), "t.csv", opt, &t, err);
    if (st != want)
        fail_msg("status %d (%s), want %d: %s", st, partreg_status_name(st), want, err->message);
    assert_int_equal(err->status, want);
    if (want != PARTREG_OK)
        assert_null(t);
    return t;
}

static partreg_table *read_ok(const char *text)
{
    partreg_error err;
    return read_text(text, NULL, PARTREG_OK, &err);
}

/* Level name of row i of categorical column j ("<NA>" when missing). */
static const char *cell(const partreg_table *t, size_t j, size_t i)
{
    const int *c = partreg_table_codes(t, j);
    assert_non_null(c);
    return c[i] < 0 ? "<NA>" : partreg_table_level_name(t, j, (size_t)c[i]);
}

static void test_quoting(void **state)
{
    (void)state;
    partreg_table *t = read_ok("id,text,n\n"
                               "1,\"a,b\",2.5\n"
                               "2,\"say \"\"hi\"\"\",3\n"
                               "3,\"two\nlines\",4\n"
                               "4,plain \"quote\" inside,5\n"
                               "5,\"\",6\n");
    assert_int_equal(partreg_table_n_rows(t), 5);
    assert_int_equal(partreg_table_n_columns(t), 3);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_CATEGORICAL);
    assert_string_equal(cell(t, 1, 0), "a,b");
    assert_string_equal(cell(t, 1, 1), "say \"hi\"");
    assert_string_equal(cell(t, 1, 2), "two\nlines");
    assert_string_equal(cell(t, 1, 3), "plain \"quote\" inside");
    assert_string_equal(cell(t, 1, 4), "<NA>"); /* "" is empty, hence missing */
    /* the quoted newline shifts later rows by one line */
    assert_int_equal(partreg_table_row_line(t, 0), 2);
    assert_int_equal(partreg_table_row_line(t, 2), 4);
    assert_int_equal(partreg_table_row_line(t, 3), 6);
    assert_int_equal(partreg_table_row_line(t, 4), 7);
    assert_int_equal(partreg_table_row_line(t, 5), 0); /* out of range */
    assert_rel(partreg_table_numeric(t, 2)[3], 5.0, 0);
    partreg_table_free(t);

    /* quoted numbers are numbers; a quoted header name keeps its spaces */
    t = read_ok("\" x \",y\n\"2.385\",\"-7\"\n");
    assert_string_equal(partreg_table_column_name(t, 0), " x ");
    assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_NUMERIC);
    assert_rel(partreg_table_numeric(t, 0)[0], 2.385, 0);
    assert_rel(partreg_table_numeric(t, 1)[0], -7.0, 0);
    partreg_table_free(t);

    /* a delimiter, CRLF and a quote, all inside one quoted field */
    t = read_ok("a;b\r\n\"x;\r\n\"\"y\";1\r\n");
    assert_string_equal(cell(t, 0, 0), "x;\r\n\"y");
    partreg_table_free(t);
}

static void test_delimiters(void **state)
{
    (void)state;
    partreg_error err;
    partreg_read_options opt = partreg_read_options_default();
    partreg_table *t;

    assert_int_equal(opt.delimiter, 0);
    t = read_ok("a;b;c\n1,x;2;3\n"); /* ';' is the most frequent: ',' is data */
    assert_int_equal(partreg_table_n_columns(t), 3);
    assert_string_equal(cell(t, 0, 0), "1,x");
    partreg_table_free(t);

    t = read_ok("a\tb\n1\t2\n");
    assert_int_equal(partreg_table_n_columns(t), 2);
    assert_rel(partreg_table_numeric(t, 1)[0], 2.0, 0);
    partreg_table_free(t);

    /* delimiters inside quotes do not count for detection */
    t = read_ok("\"a;b;c\",d\n1,2\n");
    assert_int_equal(partreg_table_n_columns(t), 2);
    assert_string_equal(partreg_table_column_name(t, 0), "a;b;c");
    partreg_table_free(t);

    /* one column: no delimiter anywhere */
    t = read_ok("only\n4\n5\n");
    assert_int_equal(partreg_table_n_columns(t), 1);
    assert_int_equal(partreg_table_n_rows(t), 2);
    partreg_table_free(t);

    /* an explicit delimiter wins over detection */
    opt.delimiter = ';';
    t = read_text("a,b;c\n1,2;3\n", &opt, PARTREG_OK, &err);
    assert_int_equal(partreg_table_n_columns(t), 2);
    assert_string_equal(partreg_table_column_name(t, 0), "a,b");
    partreg_table_free(t);

    opt.delimiter = '|';
    read_text("a|b\n1|2\n", &opt, PARTREG_EINVAL, &err);
    assert_contains(err.message, "delimiter");
}

static void test_bom_and_line_ends(void **state)
{
    (void)state;
    partreg_table *t = read_ok("\xEF\xBB\xBF"
                               "a,b\r\n1,2\r\n3,4");
    assert_string_equal(partreg_table_column_name(t, 0), "a");
    assert_int_equal(partreg_table_n_rows(t), 2);
    assert_rel(partreg_table_numeric(t, 1)[1], 4.0, 0);
    partreg_table_free(t);

    /* blank trailing lines (LF and CRLF) are ignored; so are blank lines inside */
    t = read_ok("a,b\n1,2\n\n3,4\n\n\r\n\n");
    assert_int_equal(partreg_table_n_rows(t), 2);
    assert_int_equal(partreg_table_row_line(t, 1), 4);
    partreg_table_free(t);

    /* a final CR alone ends the last line */
    t = read_ok("a,b\r\n1,x\r");
    assert_string_equal(cell(t, 1, 0), "x");
    partreg_table_free(t);

    /* header only: 0 rows, columns numeric */
    t = read_ok("a,b,c\n");
    assert_int_equal(partreg_table_n_rows(t), 0);
    assert_int_equal(partreg_table_n_columns(t), 3);
    assert_int_equal(partreg_table_column_type(t, 2), PARTREG_COLUMN_NUMERIC);
    assert_non_null(partreg_table_numeric(t, 2));
    partreg_table_free(t);
    t = read_ok("a,b,c");
    assert_int_equal(partreg_table_n_rows(t), 0);
    partreg_table_free(t);
}

static void test_missing(void **state)
{
    (void)state;
    partreg_error err;
    const char *na[] = {"-9", ".", NULL};
    partreg_read_options opt = partreg_read_options_default();
    partreg_table *t = read_ok("x,s\n1.5,a\n,\nNA,NA\n \"NA\" ,\"\"\n  ,  \n2.5,b\n");
    const double *x = partreg_table_numeric(t, 0);
    assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_NUMERIC);
    assert_rel(x[0], 1.5, 0);
    assert_true(isnan(x[1]) && isnan(x[2]) && isnan(x[3]) && isnan(x[4]));
    assert_rel(x[5], 2.5, 0);
    assert_int_equal(partreg_table_n_levels(t, 1), 2);
    assert_string_equal(cell(t, 1, 1), "<NA>");
    assert_string_equal(cell(t, 1, 2), "<NA>");
    assert_string_equal(cell(t, 1, 3), "<NA>");
    assert_string_equal(cell(t, 1, 4), "<NA>");
    assert_string_equal(cell(t, 1, 5), "b");
    partreg_table_free(t);

    /* without --na, -9 is a number and "." makes the column text */
    t = read_ok("x,y\n-9,.\n3,4\n");
    assert_rel(partreg_table_numeric(t, 0)[0], -9.0, 0);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_CATEGORICAL);
    partreg_table_free(t);

    opt.na_strings = na;
    opt.n_na_strings = 3; /* a NULL entry is skipped */
    t = read_text("x,y\n-9,.\n3, . \n-9.0,4\n", &opt, PARTREG_OK, &err);
    assert_true(isnan(partreg_table_numeric(t, 0)[0]));
    assert_rel(partreg_table_numeric(t, 0)[2], -9.0, 0); /* "-9.0" is not the string "-9" */
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_NUMERIC);
    assert_true(isnan(partreg_table_numeric(t, 1)[0]));
    assert_true(isnan(partreg_table_numeric(t, 1)[1]));
    assert_rel(partreg_table_numeric(t, 1)[2], 4.0, 0);
    partreg_table_free(t);

    opt.na_strings = NULL;
    read_text("x\n1\n", &opt, PARTREG_EINVAL, &err);
    assert_contains(err.message, "na_strings");
}

static void test_type_inference(void **state)
{
    (void)state;
    long line = 0;
    const char *value = NULL;
    size_t n_numeric = 0;
    partreg_table *t;
    const double *x;

    /* numbers as strtod reads them, spaces around them allowed */
    t = read_ok("x\n 2.385 \n-0.1\n.5\n5.\n+3e2\n1.7976931348623157e308\n1e-400\n"
                "123456789012345678901234567890\n0.30000000000000004\n4.9e-324\n");
    assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_NUMERIC);
    x = partreg_table_numeric(t, 0);
    assert_true(x[0] == 2.385 && x[1] == -0.1 && x[2] == 0.5 && x[3] == 5.0 && x[4] == 300.0);
    assert_true(x[5] == 1.7976931348623157e308);
    assert_true(x[6] == 0.0); /* underflow to zero is fine */
    assert_true(x[7] == 123456789012345678901234567890.0);
    assert_true(x[8] == 0.30000000000000004);
    assert_true(x[9] == 4.9e-324);
    assert_int_equal(partreg_table_first_non_numeric(t, 0, &line, &value, &n_numeric), 0);
    partreg_table_free(t);

    /* inf, nan, hex and overflow make a column text; the first one is reported */
    {
        const char *bad[] = {"inf", "nan", "0x1A", "1e400", "-Infinity", "1,5e3", "1e", "--1",
                             "."};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            char text[64];
            partreg_read_options opt = partreg_read_options_default();
            partreg_error err;
            opt.delimiter = ';';
            snprintf(text, sizeof text, "x\n1\n2\n%s\n3\n", bad[i]);
            t = read_text(text, &opt, PARTREG_OK, &err);
            assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_CATEGORICAL);
            assert_null(partreg_table_numeric(t, 0));
            assert_int_equal(partreg_table_first_non_numeric(t, 0, &line, &value, &n_numeric), 1);
            assert_int_equal(line, 4);
            assert_string_equal(value, bad[i]);
            assert_int_equal(n_numeric, 3);
            /* levels in first-seen order, numbers included */
            assert_int_equal(partreg_table_n_levels(t, 0), 4);
            assert_string_equal(partreg_table_level_name(t, 0, 0), "1");
            assert_string_equal(partreg_table_level_name(t, 0, 2), bad[i]);
            assert_string_equal(partreg_table_level_name(t, 0, 3), "3");
            assert_int_equal(partreg_table_levels_ordered(t, 0), 0);
            partreg_table_free(t);
        }
    }

    /* text from the first row: no numeric cell, nothing to report */
    t = read_ok("s\nmale\nfemale\nmale\n");
    assert_int_equal(partreg_table_first_non_numeric(t, 0, &line, &value, &n_numeric), 0);
    assert_int_equal(partreg_table_codes(t, 0)[2], 0);
    assert_null(partreg_table_level_name(t, 0, 2));
    assert_int_equal(partreg_table_n_levels(t, 0), 2);
    partreg_table_free(t);

    /* all missing: numeric */
    t = read_ok("a,b\n,NA\nNA,\n");
    assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_NUMERIC);
    assert_int_equal(partreg_table_column_type(t, 1), PARTREG_COLUMN_NUMERIC);
    partreg_table_free(t);
}

/* Many columns turning text on the last row: the first ones are re-read at
 * once, the rest in a second pass; both must give the same coding. */
static void test_late_text(void **state)
{
    (void)state;
    const size_t cols = 6, rows = 3000;
    size_t cap = 64 + rows * cols * 8, n = 0, i, j;
    char *text = malloc(cap);
    partreg_table *t;
    assert_non_null(text);
    for (j = 0; j < cols; j++)
        n += (size_t)snprintf(text + n, cap - n, "%sc%zu", j ? "," : "", j);
    text[n++] = '\n';
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++)
            n += (size_t)snprintf(text + n, cap - n, "%zu%c", (i * 7 + j) % 11,
                                  j + 1 < cols ? ',' : '\n');
    for (j = 0; j < cols; j++)
        n += (size_t)snprintf(text + n, cap - n, "z%s", j + 1 < cols ? "," : "\n");
    t = read_ok(text);
    assert_int_equal(partreg_table_n_rows(t), rows + 1);
    for (j = 0; j < cols; j++) {
        long line;
        const char *v;
        size_t nn;
        char want[8];
        assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_CATEGORICAL);
        assert_int_equal(partreg_table_n_levels(t, j), 12);
        for (i = 0; i < rows; i += 997) {
            snprintf(want, sizeof want, "%zu", (i * 7 + j) % 11);
            assert_string_equal(cell(t, j, i), want);
        }
        assert_string_equal(cell(t, j, rows), "z");
        assert_int_equal(partreg_table_first_non_numeric(t, j, &line, &v, &nn), 1);
        assert_int_equal(line, (long)rows + 2);
        assert_int_equal(nn, rows);
    }
    partreg_table_free(t);
    free(text);
}

static void test_parse_errors(void **state)
{
    (void)state;
    partreg_error err;

    read_text("", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "t.csv is empty");
    read_text("\xEF\xBB\xBF\n\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "is empty");

    read_text("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "line 3 has 4 fields, the header has 5");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 8); /* just after "1,2,3,4" */

    read_text("a,b\n1,2\n3,4,5\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "t.csv:3:5: line 3 has 3 fields, the header has 2");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 5);

    read_text("a,b\n1,2\n3,\"4\n5,6\n7,8\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "quote opened here is never closed");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 3);

    read_text("a,b\n1,\"2\"x\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "after the closing quote");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 6);

    read_text("age,sex,age\n1,2,3\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "column name 'age' appears twice");
    assert_contains(err.message, "columns 1 and 3");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 9);

    read_text("a,,c\n1,2,3\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "column 2 of the header line has no name");
    assert_int_equal(err.column, 3);
    read_text("a, ,c\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "column 2 of the header line has no name");

    /* Latin-1 e-acute after a UTF-8 one: the column counts characters */
    read_text("a,b\n\xC3\xA9t\xC3\xA9,x\n1,caf\xE9\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "invalid UTF-8 (byte 0xE9)");
    assert_contains(err.message, "t.csv:3:6:");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 6);
    /* overlong and surrogate forms, a truncated sequence, in quotes too */
    read_text("a\n\xC0\xAF\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "invalid UTF-8");
    read_text("a\n\"\xED\xA0\x80\"\n", NULL, PARTREG_EPARSE, &err);
    assert_contains(err.message, "invalid UTF-8");
    read_text("a\nx\xE2\x82", NULL, PARTREG_EPARSE, &err);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);

    {
        const char nul[] = "a,b\n1,\0\n";
        partreg_table *t;
        assert_int_equal(partreg_table_read_csv_buffer(nul, sizeof nul - 1, NULL, NULL, &t, &err),
                         PARTREG_EPARSE);
        assert_contains(err.message, "<buffer>:2:3: NUL byte");
    }
}

static char *temp_dir(void)
{
    char *dir = malloc(64);
    assert_non_null(dir);
    snprintf(dir, 64, "/tmp/partreg_csv_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void test_files(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[128];
    FILE *f;
    partreg_table *t = NULL;
    partreg_error err;

    snprintf(path, sizeof path, "%s/no_such.csv", dir);
    assert_int_equal(partreg_table_read_csv(path, NULL, &t, &err), PARTREG_EIO);
    assert_null(t);
    assert_contains(err.message, "no_such.csv");
    assert_contains(err.message, "No such file or directory");

    assert_int_equal(partreg_table_read_csv(dir, NULL, &t, &err), PARTREG_EIO);
    assert_contains(err.message, "Is a directory");

    snprintf(path, sizeof path, "%s/empty.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(partreg_table_read_csv(path, NULL, &t, &err), PARTREG_EPARSE);
    assert_contains(err.message, "empty.csv is empty");

    snprintf(path, sizeof path, "%s/data.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("age,sex\n31,f\n45,m\n", f);
    fclose(f);
    assert_int_equal(partreg_table_read(path, NULL, &t, &err), PARTREG_OK);
    assert_string_equal(partreg_table_source(t), path);
    assert_int_equal(partreg_table_n_rows(t), 2);
    assert_rel(partreg_table_numeric(t, 0)[1], 45.0, 0);
    partreg_table_free(t);
    remove(path);
    snprintf(path, sizeof path, "%s/empty.csv", dir);
    remove(path);
    rmdir(dir);
    free(dir);

    assert_int_equal(partreg_table_read_csv(NULL, NULL, &t, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_table_read_csv_buffer(NULL, 3, NULL, NULL, &t, &err), PARTREG_EINVAL);
    partreg_table_free(NULL);
}

static void test_find_column(void **state)
{
    (void)state;
    partreg_error err;
    size_t j = 99;
    partreg_table *t = read_ok("age,income,education,sex\n1,2,3,4\n");
    assert_int_equal(partreg_table_find_column(t, "income", &j, &err), PARTREG_OK);
    assert_int_equal(j, 1);
    assert_int_equal(err.status, PARTREG_OK);

    assert_int_equal(partreg_table_find_column(t, "agee", &j, &err), PARTREG_ENOTFOUND);
    assert_string_equal(err.message, "unknown column 'agee'; did you mean 'age'?");
    assert_int_equal(partreg_table_find_column(t, "Educaton", &j, &err), PARTREG_ENOTFOUND);
    assert_contains(err.message, "did you mean 'education'?");
    assert_int_equal(partreg_table_find_column(t, "SEX", &j, &err), PARTREG_ENOTFOUND);
    assert_contains(err.message, "did you mean 'sex'?");
    assert_int_equal(partreg_table_find_column(t, "weight", &j, &err), PARTREG_ENOTFOUND);
    assert_string_equal(err.message, "unknown column 'weight'; the columns of t.csv are: age, "
                                     "income, education, sex");
    assert_int_equal(partreg_table_find_column(t, NULL, &j, &err), PARTREG_EINVAL);

    /* out-of-range accessors */
    assert_null(partreg_table_column_name(t, 4));
    assert_null(partreg_table_numeric(t, 4));
    assert_null(partreg_table_codes(t, 0));
    assert_int_equal(partreg_table_n_levels(t, 0), 0);
    assert_null(partreg_table_level_name(t, 0, 0));
    assert_int_equal(partreg_table_level_code(t, 0, "x"), -1);
    partreg_table_free(t);
}

/* The builder API as other layers use it. */
static void test_builder(void **state)
{
    (void)state;
    partreg_table *t;
    double *x;
    int *c, code = -2;
    long *lines;
    size_t i;
    char name[16];
    assert_int_equal(partreg_table_create("built", 3, &t), PARTREG_OK);
    assert_int_equal(partreg_table_append_numeric(t, "x", 1, &x), PARTREG_OK);
    assert_true(isnan(x[0]) && isnan(x[2]));
    x[1] = 2.385;
    assert_int_equal(partreg_table_append_categorical(t, "gxyz", 1, &c), PARTREG_OK);
    assert_int_equal(c[0], -1);
    for (i = 0; i < 5000; i++) {
        int n = snprintf(name, sizeof name, "L%zu", i % 1234);
        assert_int_equal(partreg_table_intern_level(t, 1, name, (size_t)n, &code), PARTREG_OK);
        assert_int_equal(code, (int)(i % 1234));
    }
    assert_int_equal(partreg_table_intern_level(t, 1, "", 0, &code), PARTREG_OK);
    assert_int_equal(code, 1234);
    assert_int_equal(partreg_table_level_code(t, 1, "L777"), 777);
    assert_int_equal(partreg_table_level_code(t, 1, ""), 1234);
    assert_int_equal(partreg_table_level_code(t, 1, "L1234"), -1);
    assert_int_equal(partreg_table_intern_level(t, 0, "a", 1, &code), PARTREG_EINVAL);
    partreg_table_set_levels_ordered(t, 1, 1);
    assert_int_equal(partreg_table_levels_ordered(t, 1), 1);
    assert_int_equal(partreg_table_alloc_row_lines(t, &lines), PARTREG_OK);
    lines[2] = 41;
    assert_int_equal(partreg_table_row_line(t, 2), 41);
    assert_string_equal(partreg_table_column_name(t, 1), "g");
    assert_string_equal(partreg_table_source(t), "built");
    assert_rel(partreg_table_numeric_mut(t, 0)[1], 2.385, 0);
    partreg_table_free(t);
}

/* Inputs that must neither crash nor hang. */
static void test_hostile(void **state)
{
    (void)state;
    partreg_error err;
    partreg_table *t;
    size_t i, n;
    char *big;
    uint64_t s = 0x9E3779B97F4A7C15u;

    /* 100,000 columns */
    n = 100000;
    big = malloc(n * 16);
    assert_non_null(big);
    {
        size_t k = 0;
        for (i = 0; i < n; i++)
            k += (size_t)sprintf(big + k, "%sv%zu", i ? "," : "", i);
        big[k++] = '\n';
        for (i = 0; i < n; i++)
            k += (size_t)sprintf(big + k, "%s%zu", i ? "," : "", i % 7);
        assert_int_equal(partreg_table_read_csv_buffer(big, k, NULL, NULL, &t, &err), PARTREG_OK);
        assert_int_equal(partreg_table_n_columns(t), n);
        assert_rel(partreg_table_numeric(t, n - 1)[0], (double)((n - 1) % 7), 0);
        partreg_table_free(t);
        /* a duplicate name 100,000 columns away */
        k = (size_t)(strchr(big, '\n') - big);
        memcpy(big + k, ",v99999", 7);
        assert_int_equal(partreg_table_read_csv_buffer(big, k + 7, NULL, NULL, &t, &err),
                         PARTREG_EPARSE);
        assert_contains(err.message, "columns 100000 and 100001");
    }
    free(big);

    /* one 10 MB line: a single text cell */
    n = 10u << 20;
    big = malloc(n);
    assert_non_null(big);
    memcpy(big, "x\n", 2);
    memset(big + 2, 'q', n - 2);
    assert_int_equal(partreg_table_read_csv_buffer(big, n, NULL, NULL, &t, &err), PARTREG_OK);
    assert_int_equal(strlen(partreg_table_level_name(t, 0, 0)), n - 2);
    partreg_table_free(t);
    /* and an unterminated quote that runs to its end */
    big[2] = '"';
    assert_int_equal(partreg_table_read_csv_buffer(big, n, NULL, NULL, &t, &err), PARTREG_EPARSE);
    assert_int_equal(err.line, 2);

    /* random bytes, a few hundred times */
    for (i = 0; i < 300; i++) {
        size_t len = 1 + (size_t)(i * 37 % 4000), k;
        for (k = 0; k < len; k++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            /* mostly structure characters so deeper paths are reached */
            big[k] = "a1,;\t\"\n\r .eE-"[s % 14];
            if (s % 61 == 0)
                big[k] = (char)(s >> 24);
        }
        if (partreg_table_read_csv_buffer(big, len, NULL, NULL, &t, &err) == PARTREG_OK)
            partreg_table_free(t);
        else
            assert_true(err.message[0] != '\0');
    }
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_bom_and_line_ends),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_type_inference),
        cmocka_unit_test(test_late_text),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_find_column),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
