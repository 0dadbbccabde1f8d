/* The command's own margins, prediction and table options: --marginsplot
 * (fit, report); --id, --linear (predict); --results, --formula
 * (repeatable), --stars, --eform, --brackets, --title (repeatable) and
 * --format md|latex|html|csv (table). What is computed (--at, --over,
 * --contrast, --prob-ci, --profile, --standardize) is the library's table
 * of options (partreg_options.h). Which command takes which is checked by
 * the command (cli_check_scope). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "partreg_margins.h"

static int usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "partreg %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (partreg %s --help)\n", command);
    va_end(ap);
    return 2;
}

int cli_parse_margins(const char *a, const char *v, cli_options *o, const char *command,
                      int *takes)
{
    cli_extra *x = &o->extra;
    int table = strcmp(command, "table") == 0;
    *takes = 1;
    if (strcmp(a, "--linear") == 0 || strcmp(a, "--stars") == 0 || strcmp(a, "--eform") == 0) {
        *takes = 0;
        if (strcmp(a, "--linear") == 0)
            x->linear = 1;
        else if (strcmp(a, "--stars") == 0)
            x->stars = 1;
        else
            x->eform = 1;
        return 0;
    }
    static const char *const with_value[] = {"--marginsplot", "--id", "--results", "--brackets"};
    size_t k = 0, nk = sizeof with_value / sizeof with_value[0];
    while (k < nk && strcmp(a, with_value[k]) != 0)
        k++;
    int several = table || strcmp(command, "report") == 0; /* --formula repeatable */
    int table_own = (several && strcmp(a, "--formula") == 0) ||
                    (table && (strcmp(a, "--title") == 0 || strcmp(a, "--format") == 0));
    if (k == nk && !table_own)
        return -1;
    if (!v)
        return usage(command, "option %s needs a value", a);
    if (table_own) {
        if (strcmp(a, "--formula") == 0) {
            if (x->n_formulas >= CLI_MAX_LIST)
                return usage(command, "too many %s options", a);
            x->formulas[x->n_formulas++] = v;
            o->formulas[0] = x->formulas[0];
            o->n_formulas = 1;
        } else if (strcmp(a, "--title") == 0) {
            if (x->n_titles >= CLI_MAX_LIST)
                return usage(command, "too many %s options", a);
            x->titles[x->n_titles++] = v;
        } else {
            if (strcmp(v, "md") && strcmp(v, "markdown") && strcmp(v, "latex") &&
                strcmp(v, "html") && strcmp(v, "csv") && strcmp(v, "text"))
                return usage(command, "unknown %s '%s'; use md, latex, html or csv", a, v);
            x->table_format = v;
        }
        return 0;
    }
    switch (k) {
    case 0: x->marginsplot = v; break;
    case 1: x->id = v; break;
    case 2:
        if (x->n_results >= CLI_MAX_LIST)
            return usage(command, "too many %s options", a);
        x->results[x->n_results++] = v;
        break;
    default:
        if (strcmp(v, "se") == 0)
            x->brackets_ci = 0;
        else if (strcmp(v, "ci") == 0)
            x->brackets_ci = 1;
        else
            return usage(command, "unknown %s '%s'; use se (standard errors) or ci (intervals)",
                         a, v);
        break;
    }
    return 0;
}

int cli_write_marginsplot(const cli_options *o, const partreg_analysis *a, const char *command)
{
    if (!o->extra.marginsplot)
        return 0;
    const char *path = o->extra.marginsplot;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "partreg %s: cannot write --marginsplot '%s'\n", command, path);
        return 1;
    }
    partreg_error err;
    partreg_status st = partreg_analysis_write_marginsplot(a, f, &err);
    if (fclose(f) != 0 && st == PARTREG_OK) {
        st = PARTREG_EIO;
        snprintf(err.message, sizeof err.message, "could not finish writing '%s'", path);
    }
    if (st != PARTREG_OK) {
        remove(path);
        fprintf(stderr, "partreg %s: --marginsplot: %s\n", command, err.message);
        return st == PARTREG_EINVAL ? 2 : 1;
    }
    return 0;
}
