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
 *   named by its label (the first one in the file when a set labels a code
 *   twice), any other by its number ("%.15g"); two codes with the same label
 *   share one level. partreg_table_levels_ordered() is 1. This is
 *   haven::as_factor(levels = "default") without the missing codes;
 * - string: categorical in first-seen order (trailing blanks, which SPSS
 *   pads with, removed); empty, "NA" and the caller's NA strings are
 *   missing, as in CSV.
 * Value labels are collected while the file is read (Stata stores them after
 * the data), sorted once by (set, code, position in the file) and applied at
 * the end by binary search: O((L + n) log L) for L labels and n cells,
 * whatever the number of variables that share a set. Row lines are the
 * 1-based case number plus one, so that partreg_table_row_line(t, i) = i + 2
 * as for CSV.
 *
 * The guarantees of the CSV reader hold: duplicate variable names are
 * refused; variable names, string values and value labels must be valid
 * UTF-8 (what ReadStat hands over after converting the file's encoding);
 * memory and time are bounded in the size of the input. ReadStat reads the
 * whole file from memory (custom I/O handlers), so a file changed while it
 * is read cannot crash the reader.
 *
 * Every string ReadStat hands to a handler is bounded by the length its
 * field has in the format before it is measured: ReadStat 1.1.8 passes
 * the value-label-set name of a Stata variable (9, 33 or 129 bytes by
 * format) and of a label table (12, 33 or 129 bytes) without a terminating
 * NUL when the name fills its field.
 *
 * Built without ReadStat (PARTREG_HAVE_READSTAT 0), the .sav/.dta readers
 * return PARTREG_EUNSUPPORTED. */
#define _GNU_SOURCE /* strncasecmp */

#include "partreg_config.h"

#include "data/file_read.h"
#include "data/table_internal.h"
#include "core/utf8.h"

#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if PARTREG_HAVE_READSTAT
#include <readstat.h>
#endif

#if PARTREG_HAVE_READSTAT

/* Longest string a handler is measured over when the format gives no
 * smaller field: ReadStat's own buffers for names and labels are shorter,
 * and strings values longer than this are cut (with an error, below). */
#define RS_MAX_STRING ((size_t)1 << 20)

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
    size_t order;          /* position in the file: ties keep the first */
} rs_label;

/* The input in memory, read through ReadStat's I/O handlers. */
typedef struct rs_mem {
    const unsigned char *buf;
    size_t len, pos;
} rs_mem;

typedef struct rs_ctx {
    rs_var *vars;
    size_t n_vars, cap_vars;
    rs_label *labels;
    size_t n_labels, cap_labels;
    size_t n_rows;         /* max obs_index + 1 */
    long meta_rows;        /* from the header, or -1 */
    int stata;
    int format;            /* file format version (Stata: 104..119), 0 = unknown */
    partreg_table *dict;   /* 0-row table: dictionaries of string variables */
    const partreg_read_options *opt;
    const char *name;      /* source name for messages */
    partreg_status st;     /* set when a handler aborts */
    partreg_error *err;    /* filled by the handler that aborts (st != ENOMEM) */
    char rs_message[200];  /* ReadStat's own last message */
} rs_ctx;

/* ---- input from memory ---------------------------------------------------- */

static int mem_open(const char *path, void *io)
{
    (void)path;
    ((rs_mem *)io)->pos = 0;
    return 0;
}

static int mem_close(void *io)
{
    (void)io;
    return 0;
}

static readstat_off_t mem_seek(readstat_off_t offset, readstat_io_flags_t whence, void *io)
{
    rs_mem *m = io;
    readstat_off_t base = whence == READSTAT_SEEK_SET ? 0
                          : whence == READSTAT_SEEK_CUR ? (readstat_off_t)m->pos
                                                        : (readstat_off_t)m->len;
    if ((offset < 0 && -offset > base) || (offset > 0 && offset > (readstat_off_t)m->len - base))
        return -1;
    m->pos = (size_t)(base + offset);
    return (readstat_off_t)m->pos;
}

static ssize_t mem_read(void *buf, size_t nbyte, void *io)
{
    rs_mem *m = io;
    size_t left = m->len - m->pos;
    if (nbyte > left)
        nbyte = left;
    if (nbyte > (size_t)SSIZE_MAX)
        nbyte = (size_t)SSIZE_MAX;
    if (nbyte)
        memcpy(buf, m->buf + m->pos, nbyte);
    m->pos += nbyte;
    return (ssize_t)nbyte;
}

static readstat_error_t mem_update(long file_size, readstat_progress_handler progress,
                                   void *user_ctx, void *io)
{
    (void)file_size;
    (void)progress;
    (void)user_ctx;
    (void)io;
    return READSTAT_OK;
}

/* ---- strings from ReadStat ---------------------------------------------- */

/* Field length of a Stata variable's value-label-set name (lbllist entry)
 * and of a label table's name, by format (ReadStat's readstat_dta.c);
 * SPSS set names are ReadStat's own NUL-terminated "labels%d". */
static size_t lbllist_len(const rs_ctx *ctx)
{
    if (!ctx->stata)
        return 256;
    if (ctx->format > 0 && ctx->format < 110)
        return 9;
    if (ctx->format > 0 && ctx->format < 118)
        return 33;
    return ctx->format >= 118 ? 129 : 9;
}

static size_t labname_len(const rs_ctx *ctx)
{
    if (!ctx->stata)
        return 256;
    if (ctx->format > 0 && ctx->format < 105)
        return 12;
    if (ctx->format > 0 && ctx->format < 118)
        return 33;
    return ctx->format >= 118 ? 129 : 12;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The valid-UTF-8 check of the CSV reader for a string from the file; on
 * failure ctx->st and ctx->err say where (what: "the name of variable 3",
 * "variable 'g', case 5", ...). */
static int check_text(rs_ctx *ctx, const char *s, size_t n, const char *what)
{
    size_t bad = partreg_utf8_check(s, n);
    if (bad == n)
        return 1;
    ctx->st = partreg_error_set(ctx->err, PARTREG_EPARSE,
                                "%s: %s: invalid UTF-8 (byte 0x%02X at byte %zu of the text); "
                                "the file is damaged or its text is in another encoding: "
                                "save it again with UTF-8 text",
                                ctx->name, what, (unsigned)(unsigned char)s[bad], bad + 1);
    return 0;
}

/* ---- handlers -------------------------------------------------------------- */

static int on_metadata(readstat_metadata_t *metadata, void *vctx)
{
    rs_ctx *ctx = vctx;
    ctx->meta_rows = readstat_get_row_count(metadata);
    ctx->format = readstat_get_file_format_version(metadata);
    return READSTAT_HANDLER_OK;
}

static int on_variable(int index, readstat_variable_t *variable, const char *val_labels,
                       void *vctx)
{
    rs_ctx *ctx = vctx;
    rs_var *v;
    const char *name = readstat_variable_get_name(variable);
    size_t name_n = name ? strnlen(name, RS_MAX_STRING) : 0;
    int i, n_miss;
    char what[64];
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
    snprintf(what, sizeof what, "the name of variable %d", index + 1);
    if (!check_text(ctx, name ? name : "", name_n, what))
        return READSTAT_HANDLER_ABORT;
    v->name = dup_n(name ? name : "", name_n);
    if (!v->name)
        goto nomem;
    v->is_string = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING;
    if (val_labels && *val_labels &&
        !(v->label_set = dup_n(val_labels, strnlen(val_labels, lbllist_len(ctx)))))
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
        char what[PARTREG_ERROR_MESSAGE_SIZE / 4];
        if (!s || readstat_value_is_missing(value, variable))
            return READSTAT_HANDLER_OK;
        n = strnlen(s, RS_MAX_STRING);
        while (n && s[n - 1] == ' ')
            n--;
        snprintf(what, sizeof what, "variable '%.64s', case %zu", v->name, row + 1);
        if (!check_text(ctx, s, n, what))
            return READSTAT_HANDLER_ABORT;
        if (is_na_text(ctx->opt, s, n))
            return READSTAT_HANDLER_OK;
        st = partreg_table_intern_level(ctx->dict, (size_t)index, s, n, &code);
        if (st != PARTREG_OK) {
            ctx->st = st == PARTREG_ENOMEM
                          ? PARTREG_ENOMEM
                          : partreg_error_set(ctx->err, PARTREG_EDATA,
                                              "%s: variable '%s' has more distinct values than "
                                              "partreg can code",
                                              ctx->name, v->name);
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
    size_t set_n, label_n;
    if (!val_labels || !label || readstat_type_class(readstat_value_type(value)) ==
                                     READSTAT_TYPE_CLASS_STRING)
        return READSTAT_HANDLER_OK; /* labels of string values are not used */
    if (readstat_value_is_system_missing(value) || readstat_value_is_tagged_missing(value))
        return READSTAT_HANDLER_OK;
    set_n = strnlen(val_labels, labname_len(ctx));
    label_n = strnlen(label, RS_MAX_STRING);
    {
        char what[PARTREG_ERROR_MESSAGE_SIZE / 4];
        snprintf(what, sizeof what, "a value label of label set %zu", ctx->n_labels + 1);
        if (!check_text(ctx, label, label_n, what))
            return READSTAT_HANDLER_ABORT;
    }
    if (ctx->n_labels == ctx->cap_labels) {
        size_t cap = ctx->cap_labels ? 2 * ctx->cap_labels : 64;
        rs_label *nl = realloc(ctx->labels, cap * sizeof *nl);
        if (!nl)
            goto nomem;
        ctx->labels = nl;
        ctx->cap_labels = cap;
    }
    l = &ctx->labels[ctx->n_labels];
    l->set = dup_n(val_labels, set_n);
    l->label = dup_n(label, label_n);
    l->value = readstat_double_value(value);
    l->order = ctx->n_labels;
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

/* ReadStat's message, made one printable line: the library may quote bytes
 * of a damaged file in it. */
static void on_error(const char *message, void *vctx)
{
    rs_ctx *ctx = vctx;
    size_t n = 0, o = 0;
    const unsigned char *m = (const unsigned char *)(message ? message : "");
    while (m[n] && o + 5 < sizeof ctx->rs_message) {
        size_t k = m[n] >= 0x80 ? partreg_utf8_seq(m + n, strnlen((const char *)m + n, 4)) : 1;
        if (m[n] < 0x20 || m[n] == 0x7F || k == 0) {
            o += (size_t)snprintf(ctx->rs_message + o, sizeof ctx->rs_message - o, "\\x%02X",
                                  m[n]);
            n++;
        } else {
            while (k-- && o + 1 < sizeof ctx->rs_message)
                ctx->rs_message[o++] = (char)m[n++];
        }
    }
    ctx->rs_message[o] = '\0';
    while (o && (ctx->rs_message[o - 1] == '.' || ctx->rs_message[o - 1] == ' '))
        ctx->rs_message[--o] = '\0';
}

/* ---- value labels --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Labels by set, then code, then position in the file. */
static int cmp_label(const void *a, const void *b)
{
    const rs_label *x = a, *y = b;
    int c = strcmp(x->set, y->set);
    if (c)
        return c;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* [*first, *first + count) are the labels of set `set` in the sorted
 * array; count 0 when the set has none. */
static size_t label_range(const rs_ctx *ctx, const char *set, size_t *first)
{
    size_t lo = 0, hi = ctx->n_labels, end;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ctx->labels[mid].set, set) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    for (end = lo; end < ctx->n_labels && strcmp(ctx->labels[end].set, set) == 0; end++)
        ;
    return end - lo;
}

/* The first label of code x among labels [first, first + count), or NULL. */
static const char *label_of(const rs_ctx *ctx, size_t first, size_t count, double x)
{
    size_t lo = first, hi = first + count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ctx->labels[mid].value < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < first + count && ctx->labels[lo].value == x ? ctx->labels[lo].label : NULL;
}

static int is_user_missing(const rs_var *v, double x)
{
    int i;
    for (i = 0; i < v->n_miss; i++)
        if (x >= v->miss_lo[i] && x <= v->miss_hi[i])
            return 1;
    return 0;
}

/* Append labelled numeric variable v (n_rows rows; its set's labels are
 * [first, first + count)) to t as a categorical column; PARTREG_OK,
 * PARTREG_ENOMEM or PARTREG_EINVAL (too many levels). */
static partreg_status add_labelled(partreg_table *t, const rs_ctx *ctx, const rs_var *v,
                                   size_t n_rows, size_t first, size_t count)
{
    size_t n_codes = 0, i, k, u, j = partreg_table_n_columns(t);
    double *codes = NULL;
    int *level = NULL, *dst;
    partreg_status st;
    codes = malloc((count + n_rows + 1) * sizeof *codes);
    if (!codes)
        return PARTREG_ENOMEM;
    for (i = first; i < first + count; i++)
        if (!isnan(ctx->labels[i].value) && !is_user_missing(v, ctx->labels[i].value))
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
        const char *name = label_of(ctx, first, count, codes[k]);
        char num[40];
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

static int cmp_name_index(const void *a, const void *b, void *vars)
{
    const rs_var *v = vars;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(v[x].name, v[y].name);
    return c ? c : (x > y) - (x < y);
}

/* Refuse two variables of the same name, as the CSV reader refuses two
 * columns of the same name. */
static partreg_status check_unique_names(const rs_ctx *ctx, const char *name, partreg_error *err)
{
    size_t *idx, i;
    partreg_status st = PARTREG_OK;
    if (ctx->n_vars < 2)
        return PARTREG_OK;
    idx = malloc(ctx->n_vars * sizeof *idx);
    if (!idx)
        return PARTREG_ENOMEM;
    for (i = 0; i < ctx->n_vars; i++)
        idx[i] = i;
    qsort_r(idx, ctx->n_vars, sizeof *idx, cmp_name_index, ctx->vars);
    for (i = 1; i < ctx->n_vars; i++)
        if (strcmp(ctx->vars[idx[i - 1]].name, ctx->vars[idx[i]].name) == 0) {
            st = partreg_error_set(err, PARTREG_EPARSE,
                                   "%s: variable name '%s' appears twice (variables %zu and "
                                   "%zu); rename one of them",
                                   name, ctx->vars[idx[i]].name, idx[i - 1] + 1, idx[i] + 1);
            break;
        }
    free(idx);
    return st;
}

/* Parse the file held in buf[0..len) (the whole of it). */
static partreg_status read_memory(const unsigned char *buf, size_t len, const char *name,
                                  int stata, const partreg_read_options *opt,
                                  partreg_table **out, partreg_error *err)
{
    const char *kind = stata ? "a Stata .dta" : "an SPSS .sav/.zsav";
    readstat_parser_t *parser = NULL;
    readstat_error_t rerr;
    rs_ctx ctx;
    rs_mem mem = {buf, len, 0};
    partreg_table *t = NULL;
    partreg_status st;
    size_t i, n_rows;
    long *lines;

    memset(&ctx, 0, sizeof ctx);
    ctx.opt = opt;
    ctx.name = name;
    ctx.stata = stata;
    ctx.err = err;
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
    readstat_set_open_handler(parser, mem_open);
    readstat_set_close_handler(parser, mem_close);
    readstat_set_seek_handler(parser, mem_seek);
    readstat_set_read_handler(parser, mem_read);
    readstat_set_update_handler(parser, mem_update);
    readstat_set_io_ctx(parser, &mem);
    rerr = stata ? readstat_parse_dta(parser, name, &ctx) : readstat_parse_sav(parser, name, &ctx);
    if (ctx.st == PARTREG_ENOMEM)
        goto nomem;
    if (ctx.st != PARTREG_OK) {
        st = ctx.st; /* the handler filled err */
        goto cleanup;
    }
    if (rerr != READSTAT_OK) {
        st = partreg_error_set(err, PARTREG_EPARSE,
                               "cannot read '%s' as %s file: %s%s%s; check that the file is "
                               "complete and of that format",
                               name, kind, readstat_error_message(rerr),
                               ctx.rs_message[0] ? " - " : "", ctx.rs_message);
        goto cleanup;
    }
    st = check_unique_names(&ctx, name, err);
    if (st == PARTREG_ENOMEM)
        goto nomem;
    if (st != PARTREG_OK)
        goto cleanup;
    if (ctx.n_labels > 1)
        qsort(ctx.labels, ctx.n_labels, sizeof *ctx.labels, cmp_label);

    n_rows = ctx.n_rows;
    if (ctx.meta_rows > 0 && (size_t)ctx.meta_rows > n_rows && (size_t)ctx.meta_rows <= len)
        n_rows = (size_t)ctx.meta_rows; /* trailing cases with no values: all missing */
    st = partreg_table_create(name, n_rows, &t);
    if (st != PARTREG_OK)
        goto nomem;
    for (i = 0; i < ctx.n_vars; i++) {
        rs_var *v = &ctx.vars[i];
        size_t r, first = 0, count = 0;
        if (!v->is_string && v->label_set)
            count = label_range(&ctx, v->label_set, &first);
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
        } else if (count > 0) {
            st = add_labelled(t, &ctx, v, n_rows, first, count);
            if (st == PARTREG_ENOMEM)
                goto nomem;
            if (st != PARTREG_OK) {
                st = partreg_error_set(err, PARTREG_EDATA,
                                       "%s: variable '%s' has more distinct values than partreg "
                                       "can code",
                                       name, v->name);
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
    st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory while reading the table", name);
cleanup:
    if (parser)
        readstat_parser_free(parser);
    ctx_release(&ctx);
    partreg_table_free(t);
    return st;
}

static partreg_status check_args(const char *kind, const void *in, partreg_table **out,
                                 const partreg_read_options *opt, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!in || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "reading %s file needs an input and an output",
                                 kind);
    if (opt && opt->n_na_strings && !opt->na_strings)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "n_na_strings is %zu but na_strings is NULL", opt->n_na_strings);
    return PARTREG_OK;
}

partreg_status partreg_table_read_survey_buffer(const void *buf, size_t len, const char *name,
                                                int stata, const partreg_read_options *opt,
                                                partreg_table **out, partreg_error *err)
{
    partreg_read_options def = partreg_read_options_default();
    partreg_status st = check_args(stata ? "a Stata .dta" : "an SPSS .sav", buf ? buf : "",
                                   out, opt, err);
    if (st != PARTREG_OK)
        return st;
    if (!buf && len)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL buffer of %zu bytes", len);
    return read_memory(buf ? buf : (const void *)"", len, name ? name : "<buffer>", stata,
                       opt ? opt : &def, out, err);
}

static partreg_status read_readstat(const char *path, int stata, const partreg_read_options *opt,
                                    partreg_table **out, partreg_error *err)
{
    partreg_read_options def = partreg_read_options_default();
    partreg_file_data file;
    partreg_status st = check_args(stata ? "a Stata .dta" : "an SPSS .sav/.zsav", path, out, opt,
                                   err);
    if (st != PARTREG_OK)
        return st;
    st = partreg_file_read_all(path, opt ? opt->threads : 0, &file, err);
    if (st != PARTREG_OK)
        return st;
    st = read_memory((const unsigned char *)file.buf, file.len, path, stata, opt ? opt : &def,
                     out, err);
    partreg_file_data_free(&file);
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

partreg_status partreg_table_read_survey_buffer(const void *buf, size_t len, const char *name,
                                                int stata, const partreg_read_options *opt,
                                                partreg_table **out, partreg_error *err)
{
    (void)buf;
    (void)len;
    (void)opt;
    return no_readstat(name, stata ? "Stata .dta" : "SPSS .sav", out, err);
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
