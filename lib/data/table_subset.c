/* A table of some rows of another (table_internal.h): the multiple-
 * imputation split of stacked completed data sets. Categorical columns
 * keep their whole level dictionary in the same order, so every subset
 * codes and names its levels as the whole table does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/table_internal.h"

partreg_status partreg_table_subset(const partreg_table *t, const size_t *rows, size_t n,
                                    partreg_table **out)
{
    *out = NULL;
    partreg_table *s = NULL;
    partreg_status st = partreg_table_create(partreg_table_source(t), n, &s);
    for (size_t j = 0; st == PARTREG_OK && j < partreg_table_n_columns(t); j++) {
        const char *name = partreg_table_column_name(t, j);
        if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC) {
            double *dst = NULL;
            const double *src = partreg_table_numeric(t, j);
            if ((st = partreg_table_append_numeric(s, name, strlen(name), &dst)) != PARTREG_OK)
                break;
            for (size_t i = 0; src && i < n; i++)
                dst[i] = src[rows[i]];
            continue;
        }
        int *dst = NULL;
        const int *src = partreg_table_codes(t, j);
        if ((st = partreg_table_append_categorical(s, name, strlen(name), &dst)) != PARTREG_OK)
            break;
        size_t sj = partreg_table_n_columns(s) - 1;
        for (size_t l = 0; st == PARTREG_OK && l < partreg_table_n_levels(t, j); l++) {
            const char *lv = partreg_table_level_name(t, j, l);
            int code;
            st = partreg_table_intern_level(s, sj, lv, strlen(lv), &code);
        }
        partreg_table_set_levels_ordered(s, sj, partreg_table_levels_ordered(t, j));
        for (size_t i = 0; src && i < n; i++)
            dst[i] = src[rows[i]];
        long line;
        const char *value;
        size_t n_numeric;
        if (st == PARTREG_OK && partreg_table_first_non_numeric(t, j, &line, &value, &n_numeric))
            st = partreg_table_set_first_non_numeric(s, sj, line, value, strlen(value), n_numeric);
    }
    if (st != PARTREG_OK) {
        partreg_table_free(s);
        return st;
    }
    *out = s;
    return PARTREG_OK;
}
