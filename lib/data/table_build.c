/* Tables built from arrays (partreg_table.h, "Building a table from
 * arrays"): the public face of the private builder of table_internal.h,
 * with the readers' guarantees checked on the way in: unique non-empty
 * column names, finite numbers (NaN = missing), valid UTF-8 level names,
 * codes in range. Every failure leaves the table as it was (the column
 * being added is removed again). Rows are numbered from 1 in messages
 * ("line N"), through the table's row lines. */
#include "data/table_internal.h"

#include "core/error.h"
#include "core/utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

partreg_status partreg_table_build(const char *name, size_t n_rows, partreg_table **out,
                                   partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_table_build: out is NULL");
    *out = NULL;
    partreg_table *t = NULL;
    long *lines = NULL;
    if (partreg_table_create(name ? name : "<table>", n_rows, &t) != PARTREG_OK ||
        partreg_table_alloc_row_lines(t, &lines) != PARTREG_OK) {
        partreg_table_free(t);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building a table of %zu rows",
                                 n_rows);
    }
    for (size_t i = 0; i < n_rows; i++)
        lines[i] = (long)i + 1;
    *out = t;
    partreg_error_clear(err);
    return PARTREG_OK;
}

/* The checks every added column shares: arguments and the name. */
static partreg_status check_column(const partreg_table *t, const char *name, const char *what,
                                   partreg_error *err)
{
    if (!t || !name)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: the table and the column name are "
                                                      "required", what);
    if (!name[0])
        return partreg_error_set(err, PARTREG_EINVAL, "%s: a column name is empty; give every "
                                                      "column a name", what);
    if (partreg_utf8_check(name, strlen(name)) != strlen(name))
        return partreg_error_set(err, PARTREG_EDATA, "%s: the column name is not valid UTF-8",
                                 what);
    size_t n = partreg_table_n_columns(t);
    for (size_t j = 0; j < n; j++)
        if (strcmp(partreg_table_column_name(t, j), name) == 0)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "%s: column '%s' is already in the table; column names "
                                     "must be unique", what, name);
    return PARTREG_OK;
}

static partreg_status nomem(partreg_error *err, const char *name)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory adding column '%s'", name);
}

partreg_status partreg_table_add_numeric(partreg_table *t, const char *name, const double *values,
                                         partreg_table_storage storage, partreg_error *err)
{
    static const char what[] = "partreg_table_add_numeric";
    partreg_status st = check_column(t, name, what, err);
    if (st)
        return st;
    size_t n = partreg_table_n_rows(t);
    if (!values && n > 0)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: column '%s' has no values", what, name);
    if (storage != PARTREG_TABLE_COPY && storage != PARTREG_TABLE_BORROW)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: storage %d is neither PARTREG_TABLE_COPY nor "
                                 "PARTREG_TABLE_BORROW", what, (int)storage);
    for (size_t i = 0; i < n; i++)
        if (isinf(values[i]))
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "column '%s' is %s on line %zu; numbers must be finite "
                                           "(NaN marks a missing value)",
                                           name, values[i] > 0 ? "inf" : "-inf", i + 1);
    if (storage == PARTREG_TABLE_BORROW) {
        if (partreg_table_borrow_numeric(t, name, strlen(name), values) != PARTREG_OK)
            return nomem(err, name);
    } else {
        double *data = NULL;
        if (partreg_table_append_numeric(t, name, strlen(name), &data) != PARTREG_OK)
            return nomem(err, name);
        if (n)
            memcpy(data, values, n * sizeof *data);
    }
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_table_add_categorical(partreg_table *t, const char *name, const int *codes,
                                             const char *const *levels, size_t n_levels,
                                             int ordered, partreg_error *err)
{
    static const char what[] = "partreg_table_add_categorical";
    partreg_status st = check_column(t, name, what, err);
    if (st)
        return st;
    size_t n = partreg_table_n_rows(t);
    if ((!codes && n > 0) || (!levels && n_levels > 0))
        return partreg_error_set(err, PARTREG_EINVAL, "%s: column '%s' has no codes or no level "
                                                      "names", what, name);
    if (n_levels > PARTREG_TABLE_MAX_LEVELS)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: column '%s' has %zu levels, more than "
                                                      "%u", what, name, n_levels,
                                 PARTREG_TABLE_MAX_LEVELS);
    for (size_t i = 0; i < n; i++)
        if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= n_levels))
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "column '%s' has code %d on line %zu; codes must be "
                                           "-1 (missing) or 0..%zu (its %zu levels)",
                                           name, codes[i], i + 1,
                                           n_levels ? n_levels - 1 : 0, n_levels);
    for (size_t k = 0; k < n_levels; k++) {
        if (!levels[k])
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)k,
                                           "%s: level %zu of column '%s' is NULL", what, k, name);
        size_t len = strlen(levels[k]);
        if (partreg_utf8_check(levels[k], len) != len)
            return partreg_error_set_index(err, PARTREG_EDATA, (long)k,
                                           "level %zu of column '%s' is not valid UTF-8", k + 1,
                                           name);
    }
    int *dst = NULL;
    if (partreg_table_append_categorical(t, name, strlen(name), &dst) != PARTREG_OK)
        return nomem(err, name);
    size_t j = partreg_table_n_columns(t) - 1;
    for (size_t k = 0; k < n_levels; k++) {
        int code = -1;
        st = partreg_table_intern_level(t, j, levels[k], strlen(levels[k]), &code);
        if (st == PARTREG_OK && (size_t)code != k) {
            partreg_table_drop_last_column(t);
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)k,
                                           "%s: column '%s' has level '%s' twice; level names "
                                           "must be distinct", what, name, levels[k]);
        }
        if (st != PARTREG_OK) {
            partreg_table_drop_last_column(t);
            return nomem(err, name);
        }
    }
    if (n)
        memcpy(dst, codes, n * sizeof *dst);
    partreg_table_set_levels_ordered(t, j, ordered != 0);
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_table_add_strings(partreg_table *t, const char *name,
                                         const char *const *values, partreg_error *err)
{
    static const char what[] = "partreg_table_add_strings";
    partreg_status st = check_column(t, name, what, err);
    if (st)
        return st;
    size_t n = partreg_table_n_rows(t);
    if (!values && n > 0)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: column '%s' has no values", what, name);
    for (size_t i = 0; i < n; i++) {
        if (!values[i])
            continue;
        size_t len = strlen(values[i]);
        if (partreg_utf8_check(values[i], len) != len)
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "column '%s' is not valid UTF-8 on line %zu", name,
                                           i + 1);
    }
    int *dst = NULL;
    if (partreg_table_append_categorical(t, name, strlen(name), &dst) != PARTREG_OK)
        return nomem(err, name);
    size_t j = partreg_table_n_columns(t) - 1;
    for (size_t i = 0; i < n; i++) {
        if (!values[i])
            continue; /* dst[i] stays -1 */
        st = partreg_table_intern_level(t, j, values[i], strlen(values[i]), &dst[i]);
        if (st != PARTREG_OK) {
            partreg_table_drop_last_column(t);
            return st == PARTREG_ENOMEM
                       ? nomem(err, name)
                       : partreg_error_set(err, st, "column '%s' has more than %u levels", name,
                                           PARTREG_TABLE_MAX_LEVELS);
        }
    }
    partreg_error_clear(err);
    return PARTREG_OK;
}
