/* Level lists of categorical variables and of the outcome: which levels
 * are observed (and in what order), and the mapping of table cells onto a
 * level list by name or by value. Lookups go through a sorted index and
 * binary search, so a column with many levels costs O(n log L). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"
#include "frame/number.h"

void partreg_levels_clear(partreg_levels *lv)
{
    if (lv->names)
        for (size_t k = 0; k < lv->n; k++)
            free(lv->names[k]);
    free(lv->names);
    free(lv->values);
    memset(lv, 0, sizeof *lv);
}

static char *dup_str(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

static partreg_status nomem(partreg_error *err)
{
    partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
    return PARTREG_ENOMEM; /* a constant, so callers see that outputs are unset */
}

void partreg_frame_cell_text(const partreg_table *t, size_t j, size_t r, char *buf, size_t size)
{
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC) {
        partreg_number_format(partreg_table_numeric(t, j)[r], buf, size);
    } else {
        int c = partreg_table_codes(t, j)[r];
        snprintf(buf, size, "%s", c < 0 ? "NA" : partreg_table_level_name(t, j, (size_t)c));
    }
}

/* ---- sorting helpers (no global state: comparators read their items) -- */

typedef struct name_ix {
    const char *name;
    size_t ix;
} name_ix;

static int cmp_name_ix(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct value_ix {
    double v;
    size_t ix;
} value_ix;

static int cmp_value_ix(const void *a, const void *b)
{
    double x = ((const value_ix *)a)->v, y = ((const value_ix *)b)->v;
    return (x > y) - (x < y);
}

static partreg_status levels_alloc(partreg_levels *lv, size_t n, int with_values)
{
    memset(lv, 0, sizeof *lv);
    lv->names = calloc(n ? n : 1, sizeof *lv->names);
    if (!lv->names)
        return PARTREG_ENOMEM;
    if (with_values) {
        lv->values = malloc((n ? n : 1) * sizeof *lv->values);
        if (!lv->values) {
            free(lv->names);
            lv->names = NULL;
            return PARTREG_ENOMEM;
        }
    }
    lv->n = n;
    return PARTREG_OK;
}

/* Distinct values typically few (an outcome, factor(x), cluster ids):
 * kept sorted by insertion in set, one binary search per row. Returns
 * their number, filling set (DISTINCT_SMALL entries), or (size_t)-1 when
 * there are more than DISTINCT_SMALL (set is then scratch). */
#define DISTINCT_SMALL 256

/* Levels up to which partreg_levels_map() scans numeric levels linearly
 * (8 compares cost less than one bsearch through a comparator). */
#define MAP_LINEAR_MAX 8

static size_t distinct_small(const double *x, const size_t *rows, size_t n, double *set)
{
    size_t L = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[rows[i]];
        if (isnan(v))
            continue;
        size_t lo = 0, hi = L;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (set[mid] < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < L && set[lo] == v)
            continue;
        if (L == DISTINCT_SMALL)
            return (size_t)-1;
        memmove(set + lo + 1, set + lo, (L - lo) * sizeof *set);
        set[lo] = v;
        L++;
    }
    return L;
}

partreg_status partreg_levels_observed(const partreg_table *t, size_t j, const size_t *rows,
                                       size_t n, partreg_levels *out, partreg_error *err)
{
    memset(out, 0, sizeof *out);
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_CATEGORICAL) {
        const int *codes = partreg_table_codes(t, j);
        size_t K = partreg_table_n_levels(t, j), L = 0;
        unsigned char *seen = calloc(K ? K : 1, 1);
        name_ix *ord = malloc((K ? K : 1) * sizeof *ord);
        if (!seen || !ord) {
            free(seen);
            free(ord);
            return nomem(err);
        }
        for (size_t i = 0; i < n; i++)
            if (codes[rows[i]] >= 0)
                seen[codes[rows[i]]] = 1;
        for (size_t k = 0; k < K; k++)
            if (seen[k]) {
                ord[L].name = partreg_table_level_name(t, j, k);
                ord[L++].ix = k;
            }
        free(seen);
        if (!partreg_table_levels_ordered(t, j))
            qsort(ord, L, sizeof *ord, cmp_name_ix);
        partreg_status st = levels_alloc(out, L, 0);
        for (size_t k = 0; k < L && !st; k++)
            if (!(out->names[k] = dup_str(ord[k].name)))
                st = PARTREG_ENOMEM;
        free(ord);
        if (st) {
            partreg_levels_clear(out);
            return nomem(err);
        }
        return PARTREG_OK;
    }
    const double *x = partreg_table_numeric(t, j);
    double small[DISTINCT_SMALL], *v;
    size_t L = distinct_small(x, rows, n, small);
    if (L != (size_t)-1) {
        v = malloc((L ? L : 1) * sizeof *v);
        if (!v)
            return nomem(err);
        memcpy(v, small, L * sizeof *v);
    } else { /* many distinct values: sort them all */
        size_t m = 0;
        v = malloc((n ? n : 1) * sizeof *v);
        if (!v)
            return nomem(err);
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[rows[i]]))
                v[m++] = x[rows[i]];
        qsort(v, m, sizeof *v, cmp_double);
        L = 0;
        for (size_t i = 0; i < m; i++)
            if (L == 0 || v[i] != v[L - 1])
                v[L++] = v[i];
    }
    partreg_status st = levels_alloc(out, L, 1);
    for (size_t k = 0; k < L && !st; k++) {
        char buf[40];
        out->values[k] = v[k] == 0.0 ? 0.0 : v[k];
        partreg_number_format(v[k], buf, sizeof buf);
        if (!(out->names[k] = dup_str(buf)))
            st = PARTREG_ENOMEM;
    }
    free(v);
    if (st) {
        partreg_levels_clear(out);
        return nomem(err);
    }
    return PARTREG_OK;
}

/* Index of name in the sorted index, or -1. */
static long find_name(const name_ix *ord, size_t L, const char *name)
{
    name_ix key = {name, 0};
    const name_ix *hit = bsearch(&key, ord, L, sizeof *ord, cmp_name_ix);
    return hit ? (long)hit->ix : -1;
}

partreg_status partreg_levels_map(const partreg_table *t, size_t j, const size_t *rows, size_t n,
                                  const partreg_levels *lv, int *lev, size_t *bad,
                                  partreg_error *err)
{
    size_t L = lv->n;
    int categorical = partreg_table_column_type(t, j) == PARTREG_COLUMN_CATEGORICAL;
    partreg_status st = PARTREG_OK;
    if (!categorical && lv->values) { /* numbers by value */
        value_ix *ord = malloc((L ? L : 1) * sizeof *ord);
        if (!ord)
            return nomem(err);
        for (size_t k = 0; k < L; k++) {
            ord[k].v = lv->values[k];
            ord[k].ix = k;
        }
        qsort(ord, L, sizeof *ord, cmp_value_ix);
        const double *x = partreg_table_numeric(t, j);
        /* a few pairwise-distinct values (a binary or ordinal outcome): a
         * linear scan finds the one equal value the binary search finds,
         * without a comparator call per step */
        int few = L <= MAP_LINEAR_MAX;
        for (size_t a = 0; few && a < L; a++)
            for (size_t b = a + 1; b < L; b++)
                if (lv->values[a] == lv->values[b])
                    few = 0;
        for (size_t i = 0; few && i < n; i++) {
            double v = x[rows[i]];
            size_t k = 0;
            if (isnan(v)) {
                lev[i] = -1;
                continue;
            }
            while (k < L && lv->values[k] != v)
                k++;
            if (k == L) {
                *bad = i;
                st = PARTREG_EDATA;
                break;
            }
            lev[i] = (int)k;
        }
        for (size_t i = 0; !few && i < n; i++) {
            double v = x[rows[i]];
            if (isnan(v)) {
                lev[i] = -1;
                continue;
            }
            value_ix key = {v, 0};
            const value_ix *hit = bsearch(&key, ord, L, sizeof *ord, cmp_value_ix);
            if (!hit) {
                *bad = i;
                st = PARTREG_EDATA;
                break;
            }
            lev[i] = (int)hit->ix;
        }
        free(ord);
        return st;
    }
    name_ix *ord = malloc((L ? L : 1) * sizeof *ord);
    if (!ord)
        return nomem(err);
    for (size_t k = 0; k < L; k++) {
        ord[k].name = lv->names[k];
        ord[k].ix = k;
    }
    qsort(ord, L, sizeof *ord, cmp_name_ix);
    if (categorical) { /* table codes -> levels through a code map */
        size_t K = partreg_table_n_levels(t, j);
        int *map = malloc((K ? K : 1) * sizeof *map);
        if (!map) {
            free(ord);
            return nomem(err);
        }
        for (size_t k = 0; k < K; k++)
            map[k] = (int)find_name(ord, L, partreg_table_level_name(t, j, k));
        const int *codes = partreg_table_codes(t, j);
        for (size_t i = 0; i < n; i++) {
            int c = codes[rows[i]];
            lev[i] = c < 0 ? -1 : map[c];
            if (c >= 0 && map[c] < 0) {
                *bad = i;
                st = PARTREG_EDATA;
                break;
            }
        }
        free(map);
    } else { /* numbers matched by their printed names */
        const double *x = partreg_table_numeric(t, j);
        for (size_t i = 0; i < n; i++) {
            char buf[40];
            if (isnan(x[rows[i]])) {
                lev[i] = -1;
                continue;
            }
            partreg_number_format(x[rows[i]], buf, sizeof buf);
            long k = find_name(ord, L, buf);
            if (k < 0) {
                *bad = i;
                st = PARTREG_EDATA;
                break;
            }
            lev[i] = (int)k;
        }
    }
    free(ord);
    return st;
}

partreg_status partreg_frame_not_numeric(const partreg_table *t, size_t j, const char *usage,
                                         partreg_error *err)
{
    const char *name = partreg_table_column_name(t, j), *value = NULL;
    long line = 0;
    size_t n_numeric = 0;
    if (partreg_table_first_non_numeric(t, j, &line, &value, &n_numeric))
        return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                    "column '%s' is used as a number in %s, but it is text: "
                                    "line %ld has '%s' (%zu other cells are numbers); fix or "
                                    "mark that value as missing (--na)%s",
                                    name, usage, line, value, n_numeric,
                                    usage[0] == '-' ? ""
                                                    : ", or use the column as a categorical term");
    const int *codes = partreg_table_codes(t, j);
    size_t n = partreg_table_n_rows(t);
    for (size_t r = 0; r < n; r++)
        if (codes[r] >= 0) {
            line = partreg_table_row_line(t, r);
            return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                        "column '%s' is used as a number in %s, but it is "
                                        "categorical (line %ld has '%s'); %s",
                                        name, usage, line,
                                        partreg_table_level_name(t, j, (size_t)codes[r]),
                                        usage[0] == '-' ? "choose a numeric column"
                                                        : "use it as a categorical term instead");
        }
    return partreg_error_set(err, PARTREG_EDATA,
                             "column '%s' is used as a number in %s, but it is categorical",
                             name, usage);
}

/* ---- the outcome ---------------------------------------------------------- */

/* Error returns are constants, so callers see that *out is then empty. */
static partreg_status given_levels(const partreg_table *t, size_t j,
                                   const partreg_frame_options *opt, partreg_levels *out,
                                   partreg_error *err)
{
    int numeric = partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC;
    const char *col = partreg_table_column_name(t, j);
    if (levels_alloc(out, opt->n_levels, numeric))
        return nomem(err);
    for (size_t k = 0; k < opt->n_levels; k++) {
        const char *s = opt->levels[k];
        if (!s) {
            partreg_levels_clear(out);
            partreg_error_set(err, PARTREG_EINVAL, "outcome level %zu is NULL", k + 1);
            return PARTREG_EINVAL;
        }
        if (numeric && !partreg_number_parse(s, strlen(s), &out->values[k])) {
            partreg_levels_clear(out);
            partreg_error_set(err, PARTREG_EDATA,
                              "--levels entry '%s' is not a number, but the outcome '%s' is a "
                              "numeric column",
                              s, col);
            return PARTREG_EDATA;
        }
        for (size_t m = 0; m < k; m++)
            if (numeric ? out->values[m] == out->values[k] : strcmp(out->names[m], s) == 0) {
                partreg_levels_clear(out);
                partreg_error_set(err, PARTREG_EDATA,
                                  "--levels lists '%s' twice (entries %zu and %zu)", s, m + 1,
                                  k + 1);
                return PARTREG_EDATA;
            }
        if (!(out->names[k] = dup_str(s))) {
            partreg_levels_clear(out);
            return nomem(err);
        }
    }
    return PARTREG_OK;
}

partreg_status partreg_frame_outcome(partreg_frame *fr, const partreg_table *t, size_t j,
                                     const partreg_frame_options *opt, partreg_error *err)
{
    partreg_status st;
    if (opt->n_levels > 0)
        st = given_levels(t, j, opt, &fr->outcome, err);
    else
        st = partreg_levels_observed(t, j, fr->rows, fr->n, &fr->outcome, err);
    if (st)
        return st;
    int *lev = malloc((fr->n ? fr->n : 1) * sizeof *lev);
    fr->y = malloc((fr->n ? fr->n : 1) * sizeof *fr->y);
    if (!lev || !fr->y) {
        free(lev);
        return nomem(err);
    }
    size_t bad = 0;
    st = partreg_levels_map(t, j, fr->rows, fr->n, &fr->outcome, lev, &bad, err);
    if (st == PARTREG_EDATA) {
        char buf[64], list[256];
        size_t used = 0;
        list[0] = '\0';
        for (size_t k = 0; k < fr->outcome.n && used + 1 < sizeof list; k++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                             fr->outcome.names[k]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        partreg_frame_cell_text(t, j, fr->rows[bad], buf, sizeof buf);
        long line = partreg_table_row_line(t, fr->rows[bad]);
        st = partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                  "the outcome '%s' is '%s' on line %ld, which is not one of "
                                  "the levels given (%s)",
                                  partreg_table_column_name(t, j), buf, line, list);
    }
    if (!st)
        for (size_t i = 0; i < fr->n; i++)
            fr->y[i] = lev[i] < 0 ? NAN : (double)lev[i];
    free(lev);
    return st;
}
