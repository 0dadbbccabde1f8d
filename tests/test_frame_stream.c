/* The design written while a CSV file is surveyed (lib/frame/frame_stream.c,
 * used by lib/report/analysis_stream.c out of core): the coding frame of
 * the blocks read so far codes every block as the whole file's coding
 * frame does when the rest of the file adds no level and turns no column
 * to text (partreg_frame_stream_same_coding says so, and the rows are the
 * same bytes), and is told apart when it does; a block with text where
 * the coding reads numbers is an error naming its line, not a crash; a
 * file changed while it is read is reported. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/csv_blocks.h"
#include "frame/frame_internal.h"
#include "frame/frame_stream.h"
#include "partreg_formula.h"
#include "partreg_table.h"
#include "testutil.h"

enum { ROWS = 4000, LATE = 3000 };

/* What breaks the guess at row LATE (none, a new text level, a new factor
 * level, text in a numeric column), or none with text clusters. */
enum { PLAIN, NEW_TEXT_LEVEL, NEW_FACTOR_LEVEL, TEXT_IN_NUMBERS, TEXT_CLUSTERS };

static unsigned long long lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void write_file(const char *path, int kind)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    unsigned long long s = 0x5EEDull;
    fputs("y,x,g,k,c\n", f);
    for (int i = 0; i < ROWS; i++) {
        int late = i == LATE;
        unsigned long long y = lcg(&s) % 2, g = lcg(&s) % 3, k = lcg(&s) % 4 + 1,
                           c = lcg(&s) % 30 + 1, x = lcg(&s) % 10000;
        if (i % 17 == 5) /* missing values: rows left out (their cluster's
                          * text first seen in a row not used) */
            fprintf(f, kind == TEXT_CLUSTERS ? "%llu,,a,1,c%d\n" : "%llu,,a,1,%d\n", y,
                    (i * 7) % 30 + 1);
        fprintf(f, "%llu,", y);
        if (kind == TEXT_IN_NUMBERS && late)
            fputs("oops,", f);
        else
            fprintf(f, "%.4f,", (double)x / 1000.0);
        fprintf(f, "%s,%llu,", kind == NEW_TEXT_LEVEL && late ? "d" : (const char *[]){"a", "b", "c"}[g],
                kind == NEW_FACTOR_LEVEL && late ? 5 : k);
        fprintf(f, kind == TEXT_CLUSTERS ? "c%llu\n" : "%llu\n", c);
    }
    fclose(f);
}

/* The rows of one block coded by a coding frame, as bytes. */
typedef struct coded {
    size_t m, p;
    double *X, *y;
    size_t *c;
} coded;

static partreg_status code(const partreg_frame *fr, const partreg_block_survey *s,
                           const partreg_table *t, size_t skip, coded *out, partreg_error *err)
{
    double *w = NULL;
    memset(out, 0, sizeof *out);
    out->p = fr->p;
    partreg_status st = partreg_frame_stream_rows(fr, s, t, skip, 1, &out->m, &out->X, &out->y,
                                                  &w, &out->c, NULL, NULL, err);
    free(w);
    return st;
}

static void coded_free(coded *c)
{
    free(c->X);
    free(c->y);
    free(c->c);
}

/* Survey the file in 4 KiB blocks, coding each by the coding frame of the
 * first block (as analysis_stream.c does); then the whole file's coding
 * frame, and every block coded by it again. Returns whether the guess
 * coded every block and codes as the whole file's. */
static int guess(const char *path, int kind)
{
    partreg_formula *f = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse("y ~ x + g + factor(k)", &f, &err), PARTREG_OK);
    partreg_frame_options opt = partreg_frame_options_default();
    opt.cluster = "c";
    partreg_csv_blocks *cb = NULL;
    assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_OK);
    partreg_table *header = NULL;
    assert_int_equal(partreg_csv_blocks_header(cb, &header, &err), PARTREG_OK);
    partreg_block_survey *s = NULL;
    assert_int_equal(partreg_block_survey_new(header, f, &opt, &s, &err), PARTREG_OK);
    partreg_table_free(header);
    partreg_frame *first = NULL;
    coded rows[64];
    size_t n_blocks = 0, index;
    int coded_all = 1;
    for (;;) {
        partreg_table *t = NULL;
        assert_int_equal(partreg_csv_blocks_next(cb, NULL, &t, &index, &err), PARTREG_OK);
        if (!t)
            break;
        assert_true(n_blocks < 64);
        assert_int_equal(partreg_block_survey_add(s, t, 0, index, &err), PARTREG_OK);
        if (!first)
            assert_int_equal(partreg_block_survey_coding_so_far(s, path, &first, &err),
                             PARTREG_OK);
        partreg_status st = code(first, s, t, 0, &rows[n_blocks], &err);
        if (st != PARTREG_OK) {
            assert_int_equal(st, PARTREG_EDATA);
            /* the line of the row that breaks the guess (the header is
             * line 1; a missing-value row every 17) */
            assert_int_equal(err.line, 2 + LATE + (LATE + 12) / 17);
            assert_contains(err.message, kind == TEXT_IN_NUMBERS ? "has 'oops', not a number"
                                                                 : "did not see");
            coded_all = 0;
            memset(&rows[n_blocks], 0, sizeof rows[n_blocks]);
        }
        n_blocks++;
        partreg_table_free(t);
    }
    assert_true(n_blocks > 10);
    size_t *re = NULL, n_re = 0;
    assert_int_equal(partreg_block_survey_rereads(s, s, &re, &n_re), PARTREG_OK);
    free(re);
    partreg_frame *whole = NULL;
    int same = 0;
    if (partreg_block_survey_coding(s, path, &whole, &err) == PARTREG_OK) {
        same = n_re == 0 && partreg_frame_stream_same_coding(first, whole, s);
        /* the second reading: where the guess holds, the same bytes */
        const char *syn = partreg_block_survey_synthetic(s, ',');
        partreg_csv_blocks_rewind(cb);
        for (size_t b = 0; b < n_blocks; b++) {
            partreg_table *t = NULL;
            assert_int_equal(partreg_csv_blocks_next(cb, syn, &t, &index, &err), PARTREG_OK);
            coded again;
            assert_int_equal(code(whole, s, t, syn ? 1 : 0, &again, &err), PARTREG_OK);
            if (same) {
                assert_int_equal(again.m, rows[b].m);
                assert_int_equal(again.p, rows[b].p);
                assert_memory_equal(again.X, rows[b].X, again.m * again.p * sizeof(double));
                assert_memory_equal(again.y, rows[b].y, again.m * sizeof(double));
                assert_memory_equal(again.c, rows[b].c, again.m * sizeof(size_t));
            }
            coded_free(&again);
            partreg_table_free(t);
        }
        partreg_frame_free(whole);
    } else {
        assert_int_equal(kind, TEXT_IN_NUMBERS); /* x is mostly numbers */
        assert_contains(err.message, "holds numbers but line");
    }
    for (size_t b = 0; b < n_blocks; b++)
        coded_free(&rows[b]);
    partreg_frame_free(first);
    partreg_block_survey_free(s);
    partreg_csv_blocks_close(cb);
    partreg_formula_free(f);
    return same && coded_all;
}

static void test_guess(void **state)
{
    (void)state;
    char path[] = "/tmp/partreg-test-guess-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, PLAIN);
    assert_true(guess(path, PLAIN));
    write_file(path, TEXT_CLUSTERS); /* text values numbered in order of first line */
    assert_true(guess(path, TEXT_CLUSTERS));
    write_file(path, NEW_TEXT_LEVEL);
    assert_false(guess(path, NEW_TEXT_LEVEL));
    write_file(path, NEW_FACTOR_LEVEL);
    assert_false(guess(path, NEW_FACTOR_LEVEL));
    write_file(path, TEXT_IN_NUMBERS);
    assert_false(guess(path, TEXT_IN_NUMBERS));
    unlink(path);
}

/* A file changed between the blocks' reading and the check. */
static void test_changed(void **state)
{
    (void)state;
    char path[] = "/tmp/partreg-test-changed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, PLAIN);
    partreg_csv_blocks *cb = NULL;
    partreg_error err;
    assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_OK);
    assert_int_equal(partreg_csv_blocks_unchanged(cb, &err), PARTREG_OK);
    FILE *f = fopen(path, "a"); /* rows appended */
    fputs("1,2,a,1,1\n", f);
    fclose(f);
    assert_int_equal(partreg_csv_blocks_unchanged(cb, &err), PARTREG_EIO);
    assert_contains(err.message, "changed while it was read");
    partreg_csv_blocks_close(cb);
    /* rewritten in place, of the same size: its time says so */
    assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_OK);
    fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(futimens(fd, times), 0);
    close(fd);
    assert_int_equal(partreg_csv_blocks_unchanged(cb, &err), PARTREG_EIO);
    partreg_csv_blocks_close(cb);
    unlink(path);
}

/* Text where the coding reads numbers (a file changed between its
 * readings): an error with the line, not a read of a column that is not
 * there. */
static void test_text_where_numbers(void **state)
{
    (void)state;
    char a[] = "/tmp/partreg-test-numbers-XXXXXX", b[] = "/tmp/partreg-test-text-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    assert_true(fa >= 0 && fb >= 0);
    close(fa);
    close(fb);
    FILE *f = fopen(a, "w");
    fputs("y,x,w\n0,1.5,1\n1,2.5,2\n0,0.5,1\n1,3,1\n", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("y,x,w\n0,1.5,1\n1,2.5,2\n0,1.5,1\n1,3,heavy\n", f);
    fclose(f);
    partreg_formula *fm = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse("y ~ x", &fm, &err), PARTREG_OK);
    partreg_frame_options opt = partreg_frame_options_default();
    opt.weights = "w";
    partreg_table *ta = NULL, *tb = NULL;
    assert_int_equal(partreg_table_read_csv(a, NULL, &ta, &err), PARTREG_OK);
    assert_int_equal(partreg_table_read_csv(b, NULL, &tb, &err), PARTREG_OK);
    partreg_block_survey *s = NULL;
    assert_int_equal(partreg_block_survey_new(ta, fm, &opt, &s, &err), PARTREG_OK);
    assert_int_equal(partreg_block_survey_add(s, ta, 0, 0, &err), PARTREG_OK);
    partreg_frame *fr = NULL;
    assert_int_equal(partreg_block_survey_coding(s, a, &fr, &err), PARTREG_OK);
    coded c;
    assert_int_equal(code(fr, s, ta, 0, &c, &err), PARTREG_OK);
    assert_int_equal(c.m, 4);
    coded_free(&c);
    assert_int_equal(code(fr, s, tb, 0, &c, &err), PARTREG_EDATA);
    assert_int_equal(err.line, 5);
    assert_contains(err.message, "line 5: column 'w' has 'heavy', not a number");
    assert_contains(err.message, "was the file changed while it was read?");
    partreg_frame_free(fr);
    partreg_block_survey_free(s);
    partreg_table_free(ta);
    partreg_table_free(tb);
    partreg_formula_free(fm);
    unlink(a);
    unlink(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guess),
        cmocka_unit_test(test_changed),
        cmocka_unit_test(test_text_where_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
