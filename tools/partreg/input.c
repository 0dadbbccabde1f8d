/* The data file of a subcommand: a path, or "-" for CSV on standard
 * input (read whole, then parsed as a file would be, named "<stdin>" in
 * messages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int is_stdin(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

partreg_status cli_read_table(const char *path, const partreg_read_options *opt,
                              partreg_table **out, partreg_error *err)
{
    if (!is_stdin(path))
        return partreg_table_read(path, opt, out, err);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, stdin);
        if (len < cap)
            break;
        char *nb = cap > ((size_t)-1) / 4 ? NULL : realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf) {
        *out = NULL;
        snprintf(err->message, sizeof err->message,
                 "<stdin>: out of memory while reading the table");
        err->status = PARTREG_ENOMEM;
        return PARTREG_ENOMEM;
    }
    if (ferror(stdin)) {
        free(buf);
        *out = NULL;
        snprintf(err->message, sizeof err->message, "cannot read the data from standard input");
        err->status = PARTREG_EIO;
        return PARTREG_EIO;
    }
    partreg_status st = partreg_table_read_csv_buffer(buf, len, "<stdin>", opt, out, err);
    free(buf);
    return st;
}

partreg_status cli_run_path(const char *path, const partreg_analysis_spec *spec,
                            partreg_analysis **out, partreg_error *err)
{
    if (!is_stdin(path))
        return partreg_analysis_run(path, spec, out, err);
    partreg_table *t = NULL;
    partreg_status st = cli_read_table(path, &spec->read, &t, err);
    if (st != PARTREG_OK) {
        *out = NULL;
        return st;
    }
    st = partreg_analysis_run_table(t, spec, out, err);
    partreg_table_free(t);
    return st;
}
