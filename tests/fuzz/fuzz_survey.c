/* libFuzzer harness for the SPSS and Stata readers (lib/data/readstat.c,
 * the project's own code around ReadStat): every input is read from memory
 * as a Stata .dta file, then as an SPSS .sav/.zsav file, then again as .dta
 * with two NA strings; a table that comes back is walked through every
 * accessor, and its names and level names must be valid UTF-8 (the
 * readers promise it). The seed corpus (tests/fuzz/corpus/survey) holds
 * files written by R's haven (Stata formats 8 to 15, SPSS uncompressed,
 * byte-compressed and zlib-compressed) and the reproducers of past
 * findings. Findings are crashes, hangs, sanitizer reports and leaks; an
 * error status is a normal outcome (but must carry a message). */
#include "partreg_table.h"

#include "data/table_internal.h"
#include "core/utf8.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
    size_t n;
    if (!s)
        abort();
    n = strlen(s);
    if (partreg_utf8_check(s, n) != n)
        abort();
}

static void walk(const partreg_table *t)
{
    size_t j, i, n = partreg_table_n_rows(t), p = partreg_table_n_columns(t), dummy;
    for (j = 0; j < p; j++) {
        const char *name = partreg_table_column_name(t, j);
        check_text(name);
        if (partreg_table_find_column(t, name, &dummy, NULL) != PARTREG_OK || dummy != j)
            abort(); /* names are unique */
        if (partreg_table_column_type(t, j) == PARTREG_COLUMN_CATEGORICAL) {
            const int *c = partreg_table_codes(t, j);
            size_t nl = partreg_table_n_levels(t, j);
            for (i = 0; i < n; i++)
                if (c[i] < -1 || (c[i] >= 0 && (size_t)c[i] >= nl))
                    abort();
            for (i = 0; i < nl; i++)
                check_text(partreg_table_level_name(t, j, i));
        } else if (!partreg_table_numeric(t, j)) {
            abort();
        }
    }
    for (i = 0; i < n; i++)
        if (partreg_table_row_line(t, i) < 2)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const na[] = {"-9", "."};
    partreg_read_options opt = partreg_read_options_default();
    partreg_table *t = NULL;
    partreg_error err;
    int pass;
    for (pass = 0; pass < 3; pass++) {
        int stata = pass != 1;
        if (pass == 2) {
            opt.na_strings = na;
            opt.n_na_strings = 2;
        }
        partreg_status st =
            partreg_table_read_survey_buffer(data, size, "fuzz", stata, &opt, &t, &err);
        if (st == PARTREG_OK) {
            walk(t);
            partreg_table_free(t);
        } else if (t != NULL || err.message[0] == '\0' || st == PARTREG_EUNSUPPORTED) {
            if (st != PARTREG_EUNSUPPORTED)
                abort();
            return 0; /* built without ReadStat: nothing to fuzz */
        } else {
            check_text(err.message);
        }
    }
    return 0;
}
