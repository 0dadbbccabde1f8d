/* Tests of the SPSS/Stata readers (lib/data/readstat.c): small files are
 * written inside the test with ReadStat's writer API into a temporary
 * directory (value labels, SPSS user-missing codes, system missing, strings)
 * and read back; expected values are the ones written. Also the dispatch by
 * extension and the errors (missing file, directory, not a .sav). Without
 * ReadStat the readers must refuse with PARTREG_EUNSUPPORTED. */
#define _GNU_SOURCE /* mkdtemp */
#include "partreg_config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "partreg_table.h"
#include "testutil.h"

#if PARTREG_HAVE_READSTAT
#include <readstat.h>

static char g_dir[64];

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
    return (ssize_t)fwrite(data, 1, len, (FILE *)ctx);
}

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", g_dir, name);
}

/* Survey with: age (numeric, user-missing -9 in .sav), q1 (labelled
 * 1 Low / 2 Mid / 3 High / -9 Refused, -9 user-missing, value 4 unlabelled,
 * one system-missing), name (string), and for .dta q1 as int32. */
static void write_survey(const char *path, int stata)
{
    static const double age[5] = {23.5, -9.0, 41.0, 67.25, 0.0};
    static const int q1[5] = {2, 1, -9, 4, 0}; /* 0 = system missing below */
    static const char *name[5] = {"ann", "bob", "", "ann", "NA"};
    FILE *f = fopen(path, "wb");
    readstat_writer_t *w = readstat_writer_init();
    readstat_label_set_t *ls;
    readstat_variable_t *v_age, *v_q1, *v_name;
    int i;
    assert_non_null(f);
    assert_non_null(w);
    readstat_set_data_writer(w, write_bytes);
    ls = readstat_add_label_set(w, stata ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, "q1lab");
    if (stata) {
        readstat_label_int32_value(ls, 3, "High"); /* out of order on purpose */
        readstat_label_int32_value(ls, 1, "Low");
        readstat_label_int32_value(ls, 2, "Mid");
    } else {
        readstat_label_double_value(ls, 3, "High");
        readstat_label_double_value(ls, 1, "Low");
        readstat_label_double_value(ls, 2, "Mid");
        readstat_label_double_value(ls, -9, "Refused");
    }
    v_age = readstat_add_variable(w, "age", READSTAT_TYPE_DOUBLE, 0);
    v_q1 = readstat_add_variable(w, "q1", stata ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, 0);
    readstat_variable_set_label_set(v_q1, ls);
    v_name = readstat_add_variable(w, "name", READSTAT_TYPE_STRING, 8);
    if (!stata) {
        readstat_variable_add_missing_double_value(v_age, -9.0);
        readstat_variable_add_missing_double_value(v_q1, -9.0);
    }
    assert_int_equal(stata ? readstat_begin_writing_dta(w, f, 5) : readstat_begin_writing_sav(w, f, 5),
                     READSTAT_OK);
    for (i = 0; i < 5; i++) {
        readstat_begin_row(w);
        if (i == 4)
            readstat_insert_missing_value(w, v_age);
        else
            readstat_insert_double_value(w, v_age, age[i]);
        if (q1[i] == 0)
            readstat_insert_missing_value(w, v_q1);
        else if (stata)
            readstat_insert_int32_value(w, v_q1, q1[i]);
        else
            readstat_insert_double_value(w, v_q1, q1[i]);
        readstat_insert_string_value(w, v_name, name[i]);
        readstat_end_row(w);
    }
    assert_int_equal(readstat_end_writing(w), READSTAT_OK);
    readstat_writer_free(w);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/partreg_rs_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char p[128];
    const char *files[] = {"s.sav", "s.dta", "junk.sav", "S.ZSAV", "labels.dta"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof files / sizeof *files; i++) {
        path_of(p, sizeof p, files[i]);
        remove(p);
    }
    return rmdir(g_dir);
}

static const char *cell(const partreg_table *t, size_t j, size_t i)
{
    const int *c = partreg_table_codes(t, j);
    assert_non_null(c);
    return c[i] < 0 ? "<NA>" : partreg_table_level_name(t, j, (size_t)c[i]);
}

static void test_sav(void **state)
{
    (void)state;
    char path[128];
    partreg_table *t;
    partreg_error err;
    size_t j;
    const double *age;
    path_of(path, sizeof path, "s.sav");
    write_survey(path, 0);
    assert_int_equal(partreg_table_read_sav(path, NULL, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_n_rows(t), 5);
    assert_int_equal(partreg_table_n_columns(t), 3);
    assert_string_equal(partreg_table_source(t), path);

    assert_int_equal(partreg_table_find_column(t, "age", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_NUMERIC);
    age = partreg_table_numeric(t, j);
    assert_rel(age[0], 23.5, 0);
    assert_true(isnan(age[1])); /* user-missing -9 */
    assert_rel(age[3], 67.25, 0);
    assert_true(isnan(age[4])); /* system missing */

    /* labelled: levels are codes 1, 2, 3, 4 in order; -9 (user-missing) is
     * not a level even though it has a label */
    assert_int_equal(partreg_table_find_column(t, "q1", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_CATEGORICAL);
    assert_int_equal(partreg_table_levels_ordered(t, j), 1);
    assert_int_equal(partreg_table_n_levels(t, j), 4);
    assert_string_equal(partreg_table_level_name(t, j, 0), "Low");
    assert_string_equal(partreg_table_level_name(t, j, 1), "Mid");
    assert_string_equal(partreg_table_level_name(t, j, 2), "High");
    assert_string_equal(partreg_table_level_name(t, j, 3), "4");
    assert_string_equal(cell(t, j, 0), "Mid");
    assert_string_equal(cell(t, j, 1), "Low");
    assert_string_equal(cell(t, j, 2), "<NA>");
    assert_string_equal(cell(t, j, 3), "4");
    assert_string_equal(cell(t, j, 4), "<NA>");

    /* strings: first-seen order, "" and "NA" missing */
    assert_int_equal(partreg_table_find_column(t, "name", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_CATEGORICAL);
    assert_int_equal(partreg_table_levels_ordered(t, j), 0);
    assert_int_equal(partreg_table_n_levels(t, j), 2);
    assert_string_equal(cell(t, j, 0), "ann");
    assert_string_equal(cell(t, j, 1), "bob");
    assert_string_equal(cell(t, j, 2), "<NA>");
    assert_string_equal(cell(t, j, 3), "ann");
    assert_string_equal(cell(t, j, 4), "<NA>");
    assert_int_equal(partreg_table_row_line(t, 4), 6);
    partreg_table_free(t);

    /* the dispatcher, case-insensitive on the extension (.zsav parses as sav) */
    assert_int_equal(partreg_table_read(path, NULL, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_n_rows(t), 5);
    partreg_table_free(t);
    {
        char zpath[128];
        FILE *in = fopen(path, "rb"), *out;
        char buf[4096];
        size_t n;
        path_of(zpath, sizeof zpath, "S.ZSAV");
        out = fopen(zpath, "wb");
        assert_non_null(in);
        assert_non_null(out);
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
        fclose(in);
        fclose(out);
        assert_int_equal(partreg_table_read(zpath, NULL, &t, &err), PARTREG_OK);
        assert_int_equal(partreg_table_n_columns(t), 3);
        partreg_table_free(t);
    }
}

static void test_dta(void **state)
{
    (void)state;
    char path[128];
    partreg_table *t;
    partreg_error err;
    size_t j;
    const char *na[] = {"bob"};
    partreg_read_options opt = partreg_read_options_default();
    path_of(path, sizeof path, "s.dta");
    write_survey(path, 1);
    opt.na_strings = na;
    opt.n_na_strings = 1;
    assert_int_equal(partreg_table_read(path, &opt, &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_n_rows(t), 5);
    assert_int_equal(partreg_table_find_column(t, "age", &j, &err), PARTREG_OK);
    assert_rel(partreg_table_numeric(t, j)[1], -9.0, 0); /* Stata has no user-missing */
    assert_true(isnan(partreg_table_numeric(t, j)[4]));
    assert_int_equal(partreg_table_find_column(t, "q1", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_CATEGORICAL);
    /* codes -9 (unlabelled, observed), 1, 2, 3, 4 */
    assert_int_equal(partreg_table_n_levels(t, j), 5);
    assert_string_equal(partreg_table_level_name(t, j, 0), "-9");
    assert_string_equal(partreg_table_level_name(t, j, 1), "Low");
    assert_string_equal(partreg_table_level_name(t, j, 3), "High");
    assert_string_equal(partreg_table_level_name(t, j, 4), "4");
    assert_string_equal(cell(t, j, 0), "Mid");
    assert_string_equal(cell(t, j, 4), "<NA>");
    assert_int_equal(partreg_table_find_column(t, "name", &j, &err), PARTREG_OK);
    assert_string_equal(cell(t, j, 1), "<NA>"); /* the caller's NA string */
    partreg_table_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    char path[128];
    partreg_table *t = (partreg_table *)1;
    partreg_error err;
    FILE *f;

    path_of(path, sizeof path, "absent.sav");
    assert_int_equal(partreg_table_read_sav(path, NULL, &t, &err), PARTREG_EIO);
    assert_null(t);
    assert_contains(err.message, "absent.sav");
    assert_contains(err.message, "No such file or directory");

    assert_int_equal(partreg_table_read_dta(g_dir, NULL, &t, &err), PARTREG_EIO);
    assert_contains(err.message, "Is a directory");

    path_of(path, sizeof path, "junk.sav");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("age,sex\n1,2\n", f);
    fclose(f);
    assert_int_equal(partreg_table_read(path, NULL, &t, &err), PARTREG_EPARSE);
    assert_null(t);
    assert_contains(err.message, "as an SPSS .sav/.zsav file");
    assert_int_equal(partreg_table_read_dta(path, NULL, &t, &err), PARTREG_EPARSE);
    assert_contains(err.message, "as a Stata .dta file");
    assert_int_equal(partreg_table_read_sav(NULL, NULL, &t, &err), PARTREG_EINVAL);
}

/* Files of the fuzz corpus (tests/fuzz/corpus/survey): written by R's
 * haven, or such a file with bytes changed to reproduce a finding. */
static partreg_status read_corpus(const char *name, partreg_table **t, partreg_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/survey/%s", PARTREG_SOURCE_DIR, name);
    return partreg_table_read(path, NULL, t, err);
}

/* A Stata 8 file whose last variable's value-label-set name, and the name
 * of its label table, fill their 33-byte fields with no terminating NUL
 * (ReadStat hands them over as they are): the names are read within their
 * fields (under AddressSanitizer an over-read fails this test) and the
 * labels apply. */
static void test_label_set_name_fills_field(void **state)
{
    (void)state;
    partreg_table *t;
    partreg_error err;
    size_t j;
    assert_int_equal(read_corpus("regress-lbllist-unterminated.dta", &t, &err), PARTREG_OK);
    assert_int_equal(partreg_table_find_column(t, "sx", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, j), PARTREG_COLUMN_CATEGORICAL);
    assert_int_equal(partreg_table_n_levels(t, j), 2);
    assert_string_equal(partreg_table_level_name(t, j, 0), "no");
    assert_string_equal(partreg_table_level_name(t, j, 1), "yes");
    partreg_table_free(t);
}

/* The CSV reader's guarantees: duplicate names refused, text checked. */
static void test_csv_guarantees(void **state)
{
    (void)state;
    partreg_table *t = (partreg_table *)1;
    partreg_error err;
    assert_int_equal(read_corpus("regress-duplicate-names.dta", &t, &err), PARTREG_EPARSE);
    assert_null(t);
    assert_contains(err.message, "variable name 'out' appears twice (variables 1 and 2)");
    assert_int_equal(read_corpus("regress-invalid-utf8.dta", &t, &err), PARTREG_EPARSE);
    assert_null(t);
    assert_contains(err.message, "variable 'grp', case 5: invalid UTF-8 (byte 0xFF");
    /* the haven seeds read, Stata 8 to 15 and SPSS in its three forms */
    static const char *seeds[] = {"haven-stata8.dta", "haven-stata10.dta", "haven-stata12.dta",
                                  "haven-stata13.dta", "haven-stata14.dta", "haven-stata15.dta",
                                  "haven-spss-uncompressed.sav", "haven-spss-compressed.sav",
                                  "haven-spss-zlib.zsav"};
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        size_t j;
        assert_int_equal(read_corpus(seeds[i], &t, &err), PARTREG_OK);
        assert_int_equal(partreg_table_n_rows(t), 6);
        assert_int_equal(partreg_table_find_column(t, "out", &j, &err), PARTREG_OK);
        assert_string_equal(partreg_table_level_name(t, j, 2), "high");
        assert_int_equal(partreg_table_find_column(t, "grp", &j, &err), PARTREG_OK);
        /* Stata before 14 has no encoding in the file: ReadStat reads its
         * text as Windows-1252, and haven wrote UTF-8 bytes there */
        assert_string_equal(cell(t, j, 4), i < 4 ? "caf\xc3\x83\xc2\xa9" : "caf\xc3\xa9");
        partreg_table_free(t);
    }
}

/* 160,000 value labels in one set shared by three variables, and 2,000
 * sets of 10: read in well under a second (label reading was quadratic:
 * about 15 s for this file). The labels are right. */
static void test_many_labels_linear(void **state)
{
    (void)state;
    char path[128];
    enum { L = 160000, ROWS = 50 };
    FILE *f;
    readstat_writer_t *w = readstat_writer_init();
    readstat_label_set_t *big;
    readstat_variable_t *v[3];
    partreg_table *t;
    partreg_error err;
    size_t j;
    path_of(path, sizeof path, "labels.dta");
    f = fopen(path, "wb");
    assert_non_null(f);
    readstat_set_data_writer(w, write_bytes);
    big = readstat_add_label_set(w, READSTAT_TYPE_INT32, "big");
    for (int k = 0; k < L; k++) {
        char lab[32];
        snprintf(lab, sizeof lab, "L%d", k);
        readstat_label_int32_value(big, k, lab);
    }
    for (int s = 0; s < 2000; s++) {
        char name[32];
        snprintf(name, sizeof name, "s%d", s);
        readstat_label_set_t *ls = readstat_add_label_set(w, READSTAT_TYPE_INT32, name);
        for (int k = 0; k < 10; k++)
            readstat_label_int32_value(ls, k, "x");
    }
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "v%d", i);
        v[i] = readstat_add_variable(w, name, READSTAT_TYPE_INT32, 0);
        readstat_variable_set_label_set(v[i], big);
    }
    assert_int_equal(readstat_begin_writing_dta(w, f, ROWS), READSTAT_OK);
    for (int r = 0; r < ROWS; r++) {
        readstat_begin_row(w);
        for (int i = 0; i < 3; i++)
            readstat_insert_int32_value(w, v[i], (r * 3181 + i * 7) % L);
        readstat_end_row(w);
    }
    readstat_end_writing(w);
    readstat_writer_free(w);
    fclose(f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(partreg_table_read(path, NULL, &t, &err), PARTREG_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    assert_int_equal(partreg_table_find_column(t, "v2", &j, &err), PARTREG_OK);
    assert_int_equal(partreg_table_n_levels(t, j), L);
    assert_string_equal(cell(t, j, 1), "L3195"); /* (3181 + 14) % L */
    partreg_table_free(t);
    /* generous for sanitizer builds on a loaded machine; quadratic took 15 s */
    assert_true(s < 5.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sav),
        cmocka_unit_test(test_dta),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_label_set_name_fills_field),
        cmocka_unit_test(test_csv_guarantees),
        cmocka_unit_test(test_many_labels_linear),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#else /* built without ReadStat */

static void test_unsupported(void **state)
{
    (void)state;
    partreg_table *t = (partreg_table *)1;
    partreg_error err;
    assert_int_equal(partreg_table_read("x.sav", NULL, &t, &err), PARTREG_EUNSUPPORTED);
    assert_null(t);
    assert_contains(err.message, "libreadstat-dev");
    assert_int_equal(partreg_table_read_dta("x.dta", NULL, &t, &err), PARTREG_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_unsupported)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
