/* libFuzzer harness for the CSV reader: every input is read as a CSV
 * buffer, with the delimiter detected, then as ';' with two NA strings; a
 * table that comes back is walked through every accessor. The first read
 * is repeated in chunks on three threads (every input split, the chunks'
 * one-scan numbers included), which must give the same table bit for bit
 * or the same error. Findings are crashes, hangs, sanitizer reports,
 * leaks and a difference between the two reads; an error status is a
 * normal outcome (but must carry a message). */
#include "partreg_table.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const partreg_table *t)
{
    size_t j, i, n = partreg_table_n_rows(t), p = partreg_table_n_columns(t), dummy;
    long line;
    const char *v;
    for (j = 0; j < p; j++) {
        const char *name = partreg_table_column_name(t, j);
        if (!name || partreg_table_find_column(t, name, &dummy, NULL) != PARTREG_OK ||
            dummy != j)
            abort();
        if (partreg_table_column_type(t, j) == PARTREG_COLUMN_CATEGORICAL) {
            const int *c = partreg_table_codes(t, j);
            size_t nl = partreg_table_n_levels(t, j);
            for (i = 0; i < n; i++)
                if (c[i] < -1 || (c[i] >= 0 && (size_t)c[i] >= nl))
                    abort();
            for (i = 0; i < nl; i++)
                if (!partreg_table_level_name(t, j, i))
                    abort();
            partreg_table_first_non_numeric(t, j, &line, &v, &dummy);
        } else if (!partreg_table_numeric(t, j)) {
            abort();
        }
    }
    for (i = 0; i < n; i++)
        if (partreg_table_row_line(t, i) < 2)
            abort();
    partreg_table_find_column(t, "no such column", &dummy, NULL);
}

/* a and b hold the same table (abort otherwise). */
static void same_table(const partreg_table *a, const partreg_table *b)
{
    size_t j, i, n = partreg_table_n_rows(a), p = partreg_table_n_columns(a);
    if (partreg_table_n_rows(b) != n || partreg_table_n_columns(b) != p)
        abort();
    for (i = 0; i < n; i++)
        if (partreg_table_row_line(a, i) != partreg_table_row_line(b, i))
            abort();
    for (j = 0; j < p; j++) {
        if (strcmp(partreg_table_column_name(a, j), partreg_table_column_name(b, j)) != 0 ||
            partreg_table_column_type(a, j) != partreg_table_column_type(b, j))
            abort();
        if (partreg_table_column_type(a, j) == PARTREG_COLUMN_NUMERIC) {
            if (n && memcmp(partreg_table_numeric(a, j), partreg_table_numeric(b, j),
                            n * sizeof(double)) != 0)
                abort();
        } else if (n && memcmp(partreg_table_codes(a, j), partreg_table_codes(b, j),
                               n * sizeof(int)) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    {
        partreg_read_options one = partreg_read_options_default(), many = one;
        partreg_table *a = NULL, *b = NULL;
        partreg_error ea, eb;
        partreg_status sa, sb;
        one.threads = 1;
        many.threads = 3;
        many.min_bytes_per_thread = 1;
        sa = partreg_table_read_csv_buffer((const char *)data, size, "fuzz", &one, &a, &ea);
        sb = partreg_table_read_csv_buffer((const char *)data, size, "fuzz", &many, &b, &eb);
        if (sa != sb || (sa == PARTREG_OK && (!a || !b)))
            abort();
        if (sa == PARTREG_OK)
            same_table(a, b);
        else if (strcmp(ea.message, eb.message) != 0 || ea.line != eb.line ||
                 ea.column != eb.column)
            abort();
        partreg_table_free(a);
        partreg_table_free(b);
    }
    static const char *const na[] = {"-9", "."};
    partreg_read_options opt = partreg_read_options_default();
    partreg_table *t = NULL;
    partreg_error err;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            opt.delimiter = ';';
            opt.na_strings = na;
            opt.n_na_strings = 2;
        }
        if (partreg_table_read_csv_buffer((const char *)data, size, "fuzz", &opt, &t, &err) ==
            PARTREG_OK) {
            walk(t);
            partreg_table_free(t);
        } else if (t != NULL || err.message[0] == '\0') {
            abort();
        }
    }
    return 0;
}
