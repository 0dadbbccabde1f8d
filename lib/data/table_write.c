/* CSV writer of partreg_table: the inverse of the reader in csv.c for the
 * values it produces. A header of column names, one line per row, commas,
 * LF line ends. Numbers are written in the shortest of %.15g, %.16g and
 * %.17g that strtod() reads back to the same double (17 significant digits
 * always round-trip an IEEE double: Goldberg, "What every computer scientist
 * should know about floating-point arithmetic", ACM Computing Surveys 23(1),
 * 1991, theorem 15), so a value stored as round(x * 1e4) / 1e4 is written
 * with at most four decimals. Text is quoted as RFC 4180 says when it holds
 * a comma, a quote, CR or LF. */
#include "partreg_simulate.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Write s, quoted when it needs to be. Returns 0 or EOF. */
static int put_text(const char *s, FILE *out)
{
    return partreg_write_csv_field(out, s, ',') < 0 ? EOF : 0;
}

/* Shortest round-trip representation of a finite x. Returns 0 or EOF. */
static int put_number(double x, FILE *out)
{
    char buf[40];
    int prec;
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (prec == 17 || strtod(buf, NULL) == x)
            break;
    }
    return fputs(buf, out) < 0 ? EOF : 0;
}

partreg_status partreg_table_write_csv_stream(const partreg_table *table, FILE *out,
                                              partreg_error *err)
{
    size_t n, m, i, j;
    if (!table || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "table and stream must not be NULL");
    n = partreg_table_n_rows(table);
    m = partreg_table_n_columns(table);
    /* Refuse infinities before writing anything. */
    for (j = 0; j < m; j++) {
        const double *x = partreg_table_numeric(table, j);
        if (!x)
            continue;
        for (i = 0; i < n; i++)
            if (isinf(x[i]))
                return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                               "column '%s', row %zu: an infinite value has no "
                                               "CSV spelling",
                                               partreg_table_column_name(table, j), i + 1);
    }
    for (j = 0; j < m; j++) {
        if ((j && fputc(',', out) == EOF) || put_text(partreg_table_column_name(table, j), out))
            goto io_error;
    }
    if (fputc('\n', out) == EOF)
        goto io_error;
    for (i = 0; i < n; i++) {
        for (j = 0; j < m; j++) {
            const double *x = partreg_table_numeric(table, j);
            if (j && fputc(',', out) == EOF)
                goto io_error;
            if (x) {
                if (!isnan(x[i]) && put_number(x[i], out))
                    goto io_error;
            } else {
                const int *c = partreg_table_codes(table, j);
                const char *level =
                    c && c[i] >= 0 ? partreg_table_level_name(table, j, (size_t)c[i]) : NULL;
                if (level && put_text(level, out))
                    goto io_error;
            }
        }
        if (fputc('\n', out) == EOF)
            goto io_error;
    }
    partreg_error_clear(err);
    return PARTREG_OK;
io_error:
    return partreg_error_set(err, PARTREG_EIO, "writing CSV failed: %s", strerror(errno));
}

partreg_status partreg_table_write_csv(const partreg_table *table, const char *path,
                                       partreg_error *err)
{
    FILE *f;
    partreg_status st;
    if (!table || !path)
        return partreg_error_set(err, PARTREG_EINVAL, "table and path must not be NULL");
    f = fopen(path, "wb");
    if (!f)
        return partreg_error_set(err, PARTREG_EIO, "cannot create '%s': %s", path,
                                 strerror(errno));
    st = partreg_table_write_csv_stream(table, f, err);
    if (fclose(f) != 0 && st == PARTREG_OK)
        st = partreg_error_set(err, PARTREG_EIO, "cannot write '%s': %s", path, strerror(errno));
    else if (st == PARTREG_EIO)
        partreg_error_set(err, PARTREG_EIO, "cannot write '%s': %s", path, strerror(errno));
    return st;
}
