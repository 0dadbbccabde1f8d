/* libFuzzer harness for the CSV reader: every input is read as a CSV
 * buffer, with the delimiter detected, then as ';' with two NA strings; a
 * table that comes back is walked through every accessor. Findings are
 * crashes, hangs, sanitizer reports and leaks; an error status is a normal
 * outcome (but must carry a message). */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
