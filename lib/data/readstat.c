/* SPSS (.sav, .zsav) and Stata (.dta) files into a partreg_table through
 * ReadStat (https://github.com/WizardMac/ReadStat, the library behind R's
 * haven and pandas' read_spss/read_stata), and partreg_table_read(), which
 * picks a reader by file extension.
 *
 * Mapping, variable by variable:
 * - numeric without value labels: numeric; system-missing, Stata's tagged
 *   missing (.a-.z) and SPSS user-missing values (discrete or ranges) are
 *   NaN (readstat_value_is_missing);
 * - numeric with value labels: categorical whose levels are the union of
 *   the labelled codes (minus the variable's user-missing codes) and the
 *   values that occur, in increasing order of the code; a labelled code is
 *   named by its label, any other by its number ("%.15g"); two codes with the
 *   same label share one level. partreg_table_levels_ordered() is 1. This is
 *   haven::as_factor(levels = "default") without the missing codes;
 * - string: categorical in first-seen order (trailing blanks, which SPSS
 *   pads with, removed); empty, "NA" and the caller's NA strings are
 *   missing, as in CSV.
 * Value labels are collected while the file is read (Stata stores them after
 * the data) and applied at the end. Row lines are the 1-based case number
 * plus one, so that partreg_table_row_line(t, i) = i + 2 as for CSV.
 *
 * Built without ReadStat (PARTREG_HAVE_READSTAT 0), the .sav/.dta readers
 * return PARTREG_EUNSUPPORTED. */
#define _GNU_SOURCE /* strerror_r (GNU form), strncasecmp */

#include "partreg_config.h"

#include "data/table_internal.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#if PARTREG_HAVE_READSTAT
#include <readstat.h>
#endif

#if PARTREG_HAVE_READSTAT

/* The file exists and is not a directory; else PARTREG_EIO with a message. */
static partreg_status check_path(const char *path, partreg_error *err)
{
    char ebuf[128];
    struct stat sb;
    if (stat(path, &sb) != 0)
        return partreg_error_set(err, PARTREG_EIO, "cannot open '%s': %s; check the path", path,
                                 strerror_r(errno, ebuf, sizeof ebuf));
    if (S_ISDIR(sb.st_mode))
        return partreg_error_set(err, PARTREG_EIO,
                                 "cannot read '%s': %s; give the path of a data file", path,
                                 strerror_r(EISDIR, ebuf, sizeof ebuf));
    return PARTREG_OK;
}

typedef struct rs_var {
    char *name;
    int is_string;
    char *label_set;       /* name of the value-label set, or NULL */
    double *vals;          /* numeric: NaN = missing */
    int *codes;            /* string: codes into ctx->dict column = index */
    size_t cap;            /* rows allocated */
    double *miss_lo, *miss_hi; /* user-missing ranges */
    int n_miss;
} rs_var;

typedef struct rs_label {
    char *set;
    double value;
    char *label;
} rs_label;

typedef struct rs_ctx {
    rs_var *vars;
    size_t n_vars, cap_vars;
    rs_label *labels;
    size_t n_labels, cap_labels;
    size_t n_rows;         /* max obs_index + 1 */
    long meta_rows;        /* from the header, or -1 */
    partreg_table *dict;   /* 0-row table: dictionaries of string variables */
    const partreg_read_options *opt;
    partreg_status st;     /* set when a handler aborts */
    char rs_message[200];  /* ReadStat's own last message */
} rs_ctx;

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static int on_metadata(readstat_metadata_t *metadata, void *vctx)
{
    rs_ctx *ctx = vctx;
    ctx->meta_rows = readstat_get_row_count(metadata);
    return READSTAT_HANDLER_OK;
}

static int on_variable(int index, readstat_variable_t *variable, const char *val_labels,
                       void *vctx)
{
    rs_ctx *ctx = vctx;
    rs_var *v;
    const char *name = readstat_variable_get_name(variable);
    int i, n_miss;
    (void)index;
    if (ctx->n_vars == ctx->cap_vars) {
        size_t cap = ctx->cap_vars ? 2 * ctx->cap_vars : 32;
        rs_var *nv = realloc(ctx->vars, cap * sizeof *nv);
        if (!nv)
            goto nomem;
        ctx->vars = nv;
        ctx->cap_vars = cap;
    }
    v = &ctx->vars[ctx->n_vars];
    memset(v, 0, sizeof *v);
    ctx->n_vars++; /* from here on, cleanup frees what v holds */
    v->name = dup_str(name ? name : "");
    if (!v->name)
        goto nomem;
    v->is_string = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING;
    if (val_labels && *val_labels && !(v->label_set = dup_str(val_labels)))
        goto nomem;
    if (partreg_table_append_categorical(ctx->dict, "", 0, NULL) != PARTREG_OK)
        goto nomem;
    n_miss = readstat_variable_get_missing_ranges_count(variable);
    if (n_miss > 0 && !v->is_string) {
        v->miss_lo = malloc((size_t)n_miss * sizeof(double));
        v->miss_hi = malloc((size_t)n_miss * sizeof(double));
        if (!v->miss_lo || !v->miss_hi)
            goto nomem;
        for (i = 0; i < n_miss; i++) {
            v->miss_lo[i] = readstat_double_value(readstat_variable_get_missing_range_lo(variable, i));
            v->miss_hi[i] = readstat_double_value(readstat_variable_get_missing_range_hi(variable, i));
        }
        v->n_miss = n_miss;
    }
    return READSTAT_HANDLER_OK;
nomem:
    ctx->st = PARTREG_ENOMEM;
    return READSTAT_HANDLER_ABORT;
}

/* Room for row `row` in variable v (new cells missing). */
static int var_reserve(rs_var *v, size_t row)
{
    size_t cap, i;
    if (row < v->cap)
        return 1;
    cap = v->cap ? v->cap : 256;
    while (cap <= row) {
        if (cap > SIZE_MAX / 2 / sizeof(double))
            return 0;
        cap *= 2;
    }
    if (v->is_string) {
        int *nc = realloc(v->codes, cap * sizeof *nc);
        if (!nc)
            return 0;
        for (i = v->cap; i < cap; i++)
            nc[i] = -1;
        v->codes = nc;
    } else {
        double *nv = realloc(v->vals, cap * sizeof *nv);
        if (!nv)
            return 0;
        for (i = v->cap; i < cap; i++)
            nv[i] = NAN;
        v->vals = nv;
    }
    v->cap = cap;
    return 1;
}

static int is_na_text(const partreg_read_options *opt, const char *s, size_t n)
{
    size_t i;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || (n == 2 && s[0] == 'N' && s[1] == 'A'))
        return 1;
    for (i = 0; i < opt->n_na_strings; i++) {
        const char *na = opt->na_strings[i];
        if (na && strlen(na) == n && memcmp(na, s, n) == 0)
            return 1;
    }
    return 0;
}

static int on_value(int obs_index, readstat_variable_t *variable, readstat_value_t value,
                    void *vctx)
{
    rs_ctx *ctx = vctx;
    int index = readstat_variable_get_index(variable);
    size_t row;
    rs_var *v;
    if (obs_index < 0 || index < 0 || (size_t)index >= ctx->n_vars)
        return READSTAT_HANDLER_OK;
    row = (size_t)obs_index;
    v = &ctx->vars[index];
    if (!var_reserve(v, row)) {
        ctx->st = PARTREG_ENOMEM;
        return READSTAT_HANDLER_ABORT;
    }
    if (row + 1 > ctx->n_rows)
        ctx->n_rows = row + 1;
    if (v->is_string) {
        const char *s = readstat_string_value(value);
        size_t n;
        int code;
        partreg_status st;
        if (!s || readstat_value_is_missing(value, variable))
            return READSTAT_HANDLER_OK;
        n = strlen(s);
        while (n && s[n - 1] == ' ')
            n--;
        if (is_na_text(ctx->opt, s, n))
            return READSTAT_HANDLER_OK;
        st = partreg_table_intern_level(ctx->dict, (size_t)index, s, n, &code);
        if (st != PARTREG_OK) {
            ctx->st = st == PARTREG_ENOMEM ? PARTREG_ENOMEM : PARTREG_EDATA;
            return READSTAT_HANDLER_ABORT;
        }
        v->codes[row] = code;
    } else if (!readstat_value_is_missing(value, variable)) {
        v->vals[row] = readstat_double_value(value);
    }
    return READSTAT_HANDLER_OK;
}

static int on_value_label(const char *val_labels, readstat_value_t value, const char *label,
                          void *vctx)
{
    rs_ctx *ctx = vctx;
    rs_label *l;
    if (!val_labels || !label || readstat_type_class(readstat_value_type(value)) ==
                                     READSTAT_TYPE_CLASS_STRING)
        return READSTAT_HANDLER_OK; /* labels of string values are not used */
    if (readstat_value_is_system_missing(value) || readstat_value_is_tagged_missing(value))
        return READSTAT_HANDLER_OK;
    if (ctx->n_labels == ctx->cap_labels) {
        size_t cap = ctx->cap_labels ? 2 * ctx->cap_labels : 64;
        rs_label *nl = realloc(ctx->labels, cap * sizeof *nl);
        if (!nl)
            goto nomem;
        ctx->labels = nl;
        ctx->cap_labels = cap;
    }
    l = &ctx->labels[ctx->n_labels];
    l->set = dup_str(val_labels);
    l->label = dup_str(label);
    l->value = readstat_double_value(value);
    if (!l->set || !l->label) {
        free(l->set);
        free(l->label);
        goto nomem;
    }
    ctx->n_labels++;
    return READSTAT_HANDLER_OK;
nomem:
    ctx->st = PARTREG_ENOMEM;
    return READSTAT_HANDLER_ABORT;
}

static void on_error(const char *message, void *vctx)
{
    rs_ctx *ctx = vctx;
    size_t n;
    snprintf(ctx->rs_message, sizeof ctx->rs_message, "%s", message ? message : "");
    n = strlen(ctx->rs_message);
    while (n && (ctx->rs_message[n - 1] == '\n' || ctx->rs_message[n - 1] == '.'))
        ctx->rs_message[--n] = '\0';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_user_missing(const rs_var *v, double x)
{
    int i;
    for (i = 0; i < v->n_miss; i++)
        if (x >= v->miss_lo[i] && x <= v->miss_hi[i])
            return 1;
    return 0;
}

/* Append labelled numeric variable v (n_rows rows) to t as a categorical
 * column; PARTREG_OK, PARTREG_ENOMEM or PARTREG_EINVAL (too many levels). */
static partreg_status add_labelled(partreg_table *t, const rs_ctx *ctx, const rs_var *v,
                                   size_t n_rows)
{
    size_t n_codes = 0, n_lab = 0, i, k, u, j = partreg_table_n_columns(t);
    double *codes = NULL;
    int *level = NULL, *dst;
    partreg_status st;
    for (i = 0; i < ctx->n_labels; i++)
        n_lab += strcmp(ctx->labels[i].set, v->label_set) == 0;
    codes = malloc((n_lab + n_rows + 1) * sizeof *codes);
    if (!codes)
        return PARTREG_ENOMEM;
    for (i = 0; i < ctx->n_labels; i++)
        if (strcmp(ctx->labels[i].set, v->label_set) == 0 && !isnan(ctx->labels[i].value) &&
            !is_user_missing(v, ctx->labels[i].value))
            codes[n_codes++] = ctx->labels[i].value;
    for (i = 0; i < n_rows; i++)
        if (i < v->cap && !isnan(v->vals[i]))
            codes[n_codes++] = v->vals[i];
    qsort(codes, n_codes, sizeof *codes, cmp_double);
    for (i = 0, u = 0; i < n_codes; i++)
        if (u == 0 || codes[i] != codes[u - 1])
            codes[u++] = codes[i];
    n_codes = u;
    level = malloc((n_codes + 1) * sizeof *level);
    st = level ? partreg_table_append_categorical(t, v->name, strlen(v->name), &dst)
               : PARTREG_ENOMEM;
    if (st != PARTREG_OK)
        goto done;
    for (k = 0; k < n_codes; k++) {
        const char *name = NULL;
        char num[40];
        for (i = 0; i < ctx->n_labels && !name; i++)
            if (ctx->labels[i].value == codes[k] && strcmp(ctx->labels[i].set, v->label_set) == 0)
                name = ctx->labels[i].label;
        if (!name) {
            snprintf(num, sizeof num, "%.15g", codes[k]);
            name = num;
        }
        st = partreg_table_intern_level(t, j, name, strlen(name), &level[k]);
        if (st != PARTREG_OK)
            goto done;
    }
    for (i = 0; i < n_rows; i++) {
        double x = i < v->cap ? v->vals[i] : NAN;
        const double *hit;
        if (isnan(x))
            continue;
        hit = bsearch(&x, codes, n_codes, sizeof *codes, cmp_double);
        dst[i] = hit ? level[hit - codes] : -1;
    }
    partreg_table_set_levels_ordered(t, j, 1);
done:
    free(codes);
    free(level);
    return st;
}

static void ctx_release(rs_ctx *ctx)
{
    size_t i;
    for (i = 0; i < ctx->n_vars; i++) {
        rs_var *v = &ctx->vars[i];
        free(v->name);
        free(v->label_set);
        free(v->vals);
        free(v->codes);
        free(v->miss_lo);
        free(v->miss_hi);
    }
    free(ctx->vars);
    for (i = 0; i < ctx->n_labels; i++) {
        free(ctx->labels[i].set);
        free(ctx->labels[i].label);
    }
    free(ctx->labels);
    partreg_table_free(ctx->dict);
}

static int has_labels(const rs_ctx *ctx, const rs_var *v)
{
    size_t i;
    if (!v->label_set || v->is_string)
        return 0;
    for (i = 0; i < ctx->n_labels; i++)
        if (strcmp(ctx->labels[i].set, v->label_set) == 0)
            return 1;
    return 0;
}

static partreg_status read_readstat(const char *path, int stata, const partreg_read_options *opt,
                                    partreg_table **out, partreg_error *err)
{
    partreg_read_options def = partreg_read_options_default();
    const char *kind = stata ? "a Stata .dta" : "an SPSS .sav/.zsav";
    readstat_parser_t *parser = NULL;
    readstat_error_t rerr;
    rs_ctx ctx;
    partreg_table *t = NULL;
    partreg_status st;
    size_t i, n_rows;
    long *lines;

    if (out)
        *out = NULL;
    if (!path || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "reading %s file needs a path and an output",
                                 kind);
    if (!opt)
        opt = &def;
    if (opt->n_na_strings && !opt->na_strings)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "n_na_strings is %zu but na_strings is NULL", opt->n_na_strings);
    st = check_path(path, err);
    if (st != PARTREG_OK)
        return st;
    memset(&ctx, 0, sizeof ctx);
    ctx.opt = opt;
    ctx.meta_rows = -1;
    st = partreg_table_create(NULL, 0, &ctx.dict);
    if (st != PARTREG_OK)
        goto nomem;
    parser = readstat_parser_init();
    if (!parser)
        goto nomem;
    readstat_set_metadata_handler(parser, on_metadata);
    readstat_set_variable_handler(parser, on_variable);
    readstat_set_value_handler(parser, on_value);
    readstat_set_value_label_handler(parser, on_value_label);
    readstat_set_error_handler(parser, on_error);
    rerr = stata ? readstat_parse_dta(parser, path, &ctx) : readstat_parse_sav(parser, path, &ctx);
    if (ctx.st == PARTREG_ENOMEM)
        goto nomem;
    if (ctx.st != PARTREG_OK) {
        st = partreg_error_set(err, ctx.st, "%s: a string variable has more distinct values "
                                            "than partreg can code", path);
        goto cleanup;
    }
    if (rerr != READSTAT_OK) {
        /* the path was checked: a short read means a truncated or foreign file */
        st = rerr == READSTAT_ERROR_OPEN ? PARTREG_EIO : PARTREG_EPARSE;
        st = partreg_error_set(err, st, "cannot read '%s' as %s file: %s%s%s; check that the file "
                                        "is complete and of that format",
                               path, kind, readstat_error_message(rerr),
                               ctx.rs_message[0] ? " - " : "", ctx.rs_message);
        goto cleanup;
    }

    n_rows = ctx.n_rows;
    if (ctx.meta_rows > 0 && (size_t)ctx.meta_rows > n_rows)
        n_rows = (size_t)ctx.meta_rows;
    st = partreg_table_create(path, n_rows, &t);
    if (st != PARTREG_OK)
        goto nomem;
    for (i = 0; i < ctx.n_vars; i++) {
        rs_var *v = &ctx.vars[i];
        size_t r;
        if (v->is_string) {
            int *codes = malloc((n_rows ? n_rows : 1) * sizeof *codes);
            if (!codes)
                goto nomem;
            for (r = 0; r < n_rows; r++)
                codes[r] = r < v->cap ? v->codes[r] : -1;
            st = partreg_table_adopt_categorical(t, v->name, strlen(v->name), codes, ctx.dict, i);
            if (st != PARTREG_OK) {
                free(codes);
                goto nomem;
            }
        } else if (has_labels(&ctx, v)) {
            st = add_labelled(t, &ctx, v, n_rows);
            if (st == PARTREG_ENOMEM)
                goto nomem;
            if (st != PARTREG_OK) {
                st = partreg_error_set(err, PARTREG_EDATA,
                                       "%s: variable '%s' has more distinct values than partreg "
                                       "can code",
                                       path, v->name);
                goto cleanup;
            }
        } else {
            double *x;
            st = partreg_table_append_numeric(t, v->name, strlen(v->name), &x);
            if (st != PARTREG_OK)
                goto nomem;
            for (r = 0; r < n_rows && r < v->cap; r++)
                x[r] = v->vals[r];
        }
    }
    st = partreg_table_alloc_row_lines(t, &lines);
    if (st != PARTREG_OK)
        goto nomem;
    partreg_error_clear(err);
    *out = t;
    t = NULL;
    st = PARTREG_OK;
    goto cleanup;
nomem:
    st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory while reading the table", path);
cleanup:
    if (parser)
        readstat_parser_free(parser);
    ctx_release(&ctx);
    partreg_table_free(t);
    return st;
}

partreg_status partreg_table_read_sav(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    return read_readstat(path, 0, opt, out, err);
}

partreg_status partreg_table_read_dta(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    return read_readstat(path, 1, opt, out, err);
}

#else /* !PARTREG_HAVE_READSTAT */

static partreg_status no_readstat(const char *path, const char *kind, partreg_table **out,
                                  partreg_error *err)
{
    if (out)
        *out = NULL;
    return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                             "cannot read '%s': this partreg was built without ReadStat, so %s "
                             "files are not supported; install libreadstat-dev and rebuild, or "
                             "export the data as CSV",
                             path ? path : "(null)", kind);
}

partreg_status partreg_table_read_sav(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    (void)opt;
    return no_readstat(path, "SPSS .sav", out, err);
}

partreg_status partreg_table_read_dta(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    (void)opt;
    return no_readstat(path, "Stata .dta", out, err);
}

#endif

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && strncasecmp(path + n - m, ext, m) == 0;
}

partreg_status partreg_table_read(const char *path, const partreg_read_options *opt,
                                  partreg_table **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_table_read needs a path and an output");
    if (has_ext(path, ".sav") || has_ext(path, ".zsav"))
        return partreg_table_read_sav(path, opt, out, err);
    if (has_ext(path, ".dta"))
        return partreg_table_read_dta(path, opt, out, err);
    return partreg_table_read_csv(path, opt, out, err);
}
