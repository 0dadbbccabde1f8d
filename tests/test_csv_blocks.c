/* CSV files in blocks of whole records (lib/data/csv_blocks.c): read in
 * blocks, or in the shares of P processes found by chaining the scans of
 * their byte ranges, a file gives the rows, cells and file lines that
 * reading it whole gives, whatever its quoted delimiters and line breaks,
 * doubled quotes, blank lines, CRLF line ends and byte-order mark. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/csv_blocks.h"
#include "partreg_table.h"
#include "testutil.h"

static unsigned long long lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A file of `rows` records: a number, a text that may be quoted with
 * delimiters, doubled quotes and line breaks in it, a number; blank lines
 * and CRLF ends here and there. */
static void write_file(const char *path, size_t rows, unsigned long long seed, int bom)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned long long s = seed;
    if (bom)
        fputs("\xEF\xBB\xBF", f);
    fputs("\n\nid, label ,x\n", f); /* blank lines before the header */
    for (size_t i = 0; i < rows; i++) {
        int kind = (int)(lcg(&s) % 7);
        const char *end = lcg(&s) % 5 == 0 ? "\r\n" : "\n";
        fprintf(f, "%zu,", i + 1);
        switch (kind) {
        case 0: fprintf(f, "\"a,b%llu\"", lcg(&s) % 10); break;
        case 1: fprintf(f, "\"line\nbreak %llu\"", lcg(&s) % 10); break;
        case 2: fprintf(f, "\"say \"\"hi\"\" %llu\"", lcg(&s) % 3); break;
        case 3: fprintf(f, "  \"padded\"  "); break;
        case 4: fprintf(f, "in\"side%llu", lcg(&s) % 4); break;
        default: fprintf(f, "plain%llu", lcg(&s) % 9); break;
        }
        fprintf(f, ",%.3f%s", (double)(lcg(&s) % 100000) / 7.0, end);
        if (lcg(&s) % 23 == 0)
            fputs(lcg(&s) % 2 ? "\n" : "\r\n", f);
    }
    fclose(f);
}

/* Every row of the blocks (appended in order) equals the whole table's. */
typedef struct checker {
    const partreg_table *whole;
    size_t at;
} checker;

static void check_block(checker *c, const partreg_table *t)
{
    size_t n = partreg_table_n_rows(t);
    assert_int_equal(partreg_table_n_columns(t), 3);
    for (size_t i = 0; i < n; i++, c->at++) {
        assert_true(c->at < partreg_table_n_rows(c->whole));
        assert_int_equal(partreg_table_row_line(t, i), partreg_table_row_line(c->whole, c->at));
        assert_true(partreg_table_numeric(t, 0)[i] == partreg_table_numeric(c->whole, 0)[c->at]);
        assert_true(partreg_table_numeric(t, 2)[i] == partreg_table_numeric(c->whole, 2)[c->at]);
        int a = partreg_table_codes(t, 1)[i], b = partreg_table_codes(c->whole, 1)[c->at];
        assert_string_equal(partreg_table_level_name(t, 1, (size_t)a),
                            partreg_table_level_name(c->whole, 1, (size_t)b));
    }
}

static void test_blocks_whole(void **state)
{
    (void)state;
    char path[] = "/tmp/partreg-test-blocks-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (int bom = 0; bom <= 1; bom++) {
        write_file(path, 6000, 0xC5Full + (unsigned)bom, bom);
        partreg_table *whole = NULL;
        partreg_error err;
        assert_int_equal(partreg_table_read_csv(path, NULL, &whole, &err), PARTREG_OK);
        const size_t sizes[] = {4096, 10007, 1 << 20};
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            partreg_csv_blocks *cb = NULL;
            assert_int_equal(partreg_csv_blocks_open(path, NULL, sizes[k], &cb, &err), PARTREG_OK);
            for (int pass = 0; pass < 2; pass++) { /* and read again after a rewind */
                checker c = {whole, 0};
                size_t index, blocks = 0;
                for (;;) {
                    partreg_table *t = NULL;
                    assert_int_equal(partreg_csv_blocks_next(cb, NULL, &t, &index, &err),
                                     PARTREG_OK);
                    if (!t)
                        break;
                    assert_int_equal(index, blocks++);
                    check_block(&c, t);
                    partreg_table_free(t);
                }
                assert_int_equal(c.at, partreg_table_n_rows(whole));
                if (sizes[k] == 4096)
                    assert_true(blocks > 20);
                partreg_csv_blocks_rewind(cb);
            }
            /* a block read again, with a synthetic first line */
            partreg_table *t = NULL;
            assert_int_equal(partreg_csv_blocks_read(cb, 0, "0,~text~,", &t, &err), PARTREG_OK);
            assert_string_equal(partreg_table_level_name(t, 1, (size_t)partreg_table_codes(t, 1)[0]),
                                "~text~");
            assert_int_equal(partreg_table_row_line(t, 1), partreg_table_row_line(whole, 0));
            partreg_table_free(t);
            partreg_csv_blocks_close(cb);
        }
        partreg_table_free(whole);
    }
    unlink(path);
}

/* The shares of P processes: each scans its N-th of the data bytes, the
 * scans are chained, and the shares' records are the file's, once each. */
static void test_shares(void **state)
{
    (void)state;
    char path[] = "/tmp/partreg-test-shares-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, 4000, 0xBEEFull, 0);
    partreg_table *whole = NULL;
    partreg_error err;
    assert_int_equal(partreg_table_read_csv(path, NULL, &whole, &err), PARTREG_OK);
    for (size_t P = 1; P <= 7; P += 2) {
        partreg_csv_blocks *cb = NULL;
        assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_OK);
        uint64_t D = partreg_csv_blocks_data_bytes(cb);
        partreg_csv_scan sc[8];
        for (size_t q = 0; q < P; q++)
            assert_int_equal(partreg_csv_blocks_scan(cb, D * q / P, D * (q + 1) / P, &sc[q], &err),
                             PARTREG_OK);
        int state_at[9];
        uint64_t line[9], start[9], start_line[9];
        state_at[0] = PARTREG_CSV_RECORD;
        line[0] = (uint64_t)partreg_csv_blocks_data_line(cb);
        for (size_t q = 0; q < P; q++) {
            state_at[q + 1] = sc[q].to_state[state_at[q]];
            line[q + 1] = line[q] + sc[q].lines;
        }
        start[P] = D;
        start_line[P] = line[P];
        for (size_t q = P; q-- > 0;) {
            uint64_t f = sc[q].first[state_at[q]], b = D * q / P;
            if (f != UINT64_MAX && b + f < D) {
                start[q] = b + f;
                start_line[q] = line[q] + sc[q].lines_first[state_at[q]];
            } else {
                start[q] = start[q + 1];
                start_line[q] = start_line[q + 1];
            }
        }
        checker c = {whole, 0};
        for (size_t q = 0; q < P; q++) {
            partreg_csv_blocks_share(cb, start[q], start[q + 1], (long)start_line[q]);
            size_t index;
            for (;;) {
                partreg_table *t = NULL;
                assert_int_equal(partreg_csv_blocks_next(cb, NULL, &t, &index, &err), PARTREG_OK);
                if (!t)
                    break;
                check_block(&c, t);
                partreg_table_free(t);
            }
        }
        assert_int_equal(c.at, partreg_table_n_rows(whole));
        partreg_csv_blocks_close(cb);
    }
    partreg_table_free(whole);
    unlink(path);
}

static void test_errors(void **state)
{
    (void)state;
    partreg_csv_blocks *cb = NULL;
    partreg_error err;
    assert_int_equal(partreg_csv_blocks_open("/nonexistent/x.csv", NULL, 4096, &cb, &err),
                     PARTREG_EIO);
    assert_null(cb);
    assert_contains(err.message, "/nonexistent/x.csv");
    char path[] = "/tmp/partreg-test-empty-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_EPARSE);
    assert_contains(err.message, "empty");
    /* a bad record far into the file: its own line in the message */
    FILE *f = fopen(path, "w");
    fputs("a,b\n", f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%d,%d\n", i, i);
    fputs("1,2,3\n", f);
    fclose(f);
    assert_int_equal(partreg_csv_blocks_open(path, NULL, 4096, &cb, &err), PARTREG_OK);
    partreg_status st = PARTREG_OK;
    size_t index;
    while (st == PARTREG_OK) {
        partreg_table *t = NULL;
        st = partreg_csv_blocks_next(cb, NULL, &t, &index, &err);
        if (!t)
            break;
        partreg_table_free(t);
    }
    assert_int_equal(st, PARTREG_EPARSE);
    assert_int_equal(err.line, 3002);
    partreg_csv_blocks_close(cb);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_whole),
        cmocka_unit_test(test_shares),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
