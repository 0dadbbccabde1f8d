/* The model frame of a table that arrives in blocks (frame_stream.h).
 *
 * What partreg_frame_create reads of the whole table, and how the survey
 * keeps it:
 * - a column's type: text when any block has a cell that is not a number;
 * - its first non-numeric cell, the cells that are numbers, the cells
 *   present (messages; the "mostly numbers" refusal);
 * - the levels of the rows used: their distinct values (the texts of a
 *   text column, the numbers of the outcome, of factor(x) and of cluster
 *   columns), each with the file line where a used row first has it;
 * - the first bad weight, and the row counts.
 * A column that is text in the file but numbers in some block has its
 * texts read again from those blocks, with a synthetic first line that
 * makes the reader keep them as text.
 *
 * The coding frame is partreg_frame_create's on a small table with every
 * used column's distinct values in order of first appearance (row 0 the
 * first row used): the same levels (the frame sorts them), the same
 * cluster codes (first appearance), the same outcome and its errors (each
 * row carries the line of the outcome value it holds). The rows of each
 * block are then coded by that frame's levels and filled by
 * partreg_frame_build_X, as partreg_frame_create fills them. */
#include "frame/frame_stream.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/big_alloc.h"
#include "core/error.h"
#include "data/table_internal.h"
#include "frame/frame_internal.h"

/* Longest first non-numeric value kept (the reader's limit). */
#define FNN_MAX 120
/* The text a synthetic line puts in a column to keep it text. */
#define FORCE_TEXT "~partreg-text~"

/* ---- sets of values with the line they first appear on --------------- */

typedef struct key {
    char *text;    /* NULL for a number */
    double value;
    long line;
    size_t rank;   /* order of first appearance: the index until the final coding
                    * (keys are added in file order), then by line */
} key;

typedef struct keyset {
    key *k;
    size_t n, cap;
    size_t *slot; /* open addressing: index + 1, 0 = empty */
    size_t nslot;
} keyset;

static uint64_t hash_bytes(const void *p, size_t len, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t key_hash(const char *text, double value)
{
    if (text)
        return hash_bytes(text, strlen(text), 14695981039346656037ull);
    return hash_bytes(&value, sizeof value, 0x9E3779B97F4A7C15ull);
}

static int key_equal(const key *k, const char *text, double value)
{
    if (text)
        return k->text && strcmp(k->text, text) == 0;
    return !k->text && k->value == value; /* no NaN (missing), no -0 (made 0) */
}

static void keyset_free(keyset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->k[i].text);
    free(s->k);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static int keyset_rehash(keyset *s, size_t nslot)
{
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        size_t h = (size_t)key_hash(s->k[i].text, s->k[i].value) & (nslot - 1);
        while (slot[h])
            h = (h + 1) & (nslot - 1);
        slot[h] = i + 1;
    }
    free(s->slot);
    s->slot = slot;
    s->nslot = nslot;
    return 0;
}

/* The key's index, or -1 when absent. */
static long keyset_find(const keyset *s, const char *text, double value)
{
    if (!s->nslot)
        return -1;
    size_t h = (size_t)key_hash(text, value) & (s->nslot - 1);
    while (s->slot[h]) {
        if (key_equal(&s->k[s->slot[h] - 1], text, value))
            return (long)(s->slot[h] - 1);
        h = (h + 1) & (s->nslot - 1);
    }
    return -1;
}

/* Add a text (copied) or a number seen first on `line`: keeps the
 * earliest line. 0, or -1 when out of memory. */
static int keyset_add(keyset *s, const char *text, double value, long line)
{
    if (!text && value == 0.0)
        value = 0.0; /* -0 is the level 0, as partreg_levels_observed makes it */
    long at = keyset_find(s, text, value);
    if (at >= 0) {
        if (line < s->k[at].line)
            s->k[at].line = line;
        return 0;
    }
    if (2 * (s->n + 1) > s->nslot && keyset_rehash(s, s->nslot ? 2 * s->nslot : 64) != 0)
        return -1;
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 16;
        key *nk = realloc(s->k, nc * sizeof *nk);
        if (!nk)
            return -1;
        s->k = nk;
        s->cap = nc;
    }
    key *k = &s->k[s->n];
    k->text = NULL;
    if (text) {
        size_t len = strlen(text) + 1;
        if (!(k->text = malloc(len)))
            return -1;
        memcpy(k->text, text, len);
    }
    k->value = value;
    k->line = line;
    k->rank = s->n;
    size_t h = (size_t)key_hash(text, value) & (s->nslot - 1);
    while (s->slot[h])
        h = (h + 1) & (s->nslot - 1);
    s->slot[h] = ++s->n;
    return 0;
}

/* Keys in order of first appearance: order[r] is the index of the r-th. */
static int cmp_line(const void *a, const void *b, void *ks)
{
    const key *k = ks;
    long x = k[*(const size_t *)a].line, y = k[*(const size_t *)b].line;
    return (x > y) - (x < y);
}

/* A merge sort by line (stable; qsort_r is not C11). */
static void sort_by_line(size_t *ix, size_t *tmp, size_t n, const key *k)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_line(ix, tmp, h, k);
    sort_by_line(ix + h, tmp, n - h, k);
    size_t a = 0, b = h, o = 0;
    while (a < h && b < n)
        tmp[o++] = cmp_line(&ix[b], &ix[a], (void *)(uintptr_t)k) < 0 ? ix[b++] : ix[a++];
    while (a < h)
        tmp[o++] = ix[a++];
    while (b < n)
        tmp[o++] = ix[b++];
    memcpy(ix, tmp, n * sizeof *ix);
}

/* The keys' order by first line; with `ranks`, each key's rank set. */
static size_t *keyset_order(keyset *s, int ranks)
{
    size_t *ix = calloc(s->n ? s->n : 1, sizeof *ix), *tmp = malloc((s->n ? s->n : 1) * sizeof *tmp);
    if (!ix || !tmp) {
        free(ix);
        free(tmp);
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        ix[i] = i;
    sort_by_line(ix, tmp, s->n, s->k);
    free(tmp);
    for (size_t r = 0; ranks && r < s->n; r++)
        s->k[ix[r]].rank = r;
    return ix;
}

/* ---- the survey ------------------------------------------------------- */

/* What a used column contributes. */
typedef struct scol {
    size_t j;
    int collect;        /* keep the numbers of numeric blocks (outcome, factor(), cluster) */
    int text;           /* text in some block */
    size_t n_present, n_numeric;
    int has_fnn;
    long fnn_line;
    char fnn_value[FNN_MAX + 4];
    keyset texts, numbers;
    size_t *reread;     /* blocks where it was numbers (with a used row) */
    size_t n_reread, cap_reread;
    double first_value; /* at the first row used, from a numeric block */
} scol;

struct partreg_block_survey {
    const partreg_formula *f;
    partreg_frame_options opt;
    size_t ncol;
    char **names;       /* the header's */
    scol *cols;         /* the used columns, each once */
    size_t n_cols;
    size_t y_at, w_at, c_at; /* index into cols of the outcome, weights, clusters (or -1) */
    size_t *var_at;     /* per formula variable */
    size_t N, n_used;
    long first_line;    /* of the first row used (0: none yet) */
    int bad_w;
    long bad_w_line;
    double bad_w_value;
    size_t w_fractional; /* used rows whose weight is not a whole number */
    char *synthetic;
    /* survey design columns (index into cols, or -1) */
    size_t sw_at, st_at, psu_at, fpc_at, sub_at;
    size_t g_at; /* the random intercept's groups (or -1) */
    const char *sub_level; /* --subpop "V=L": L (into the option); NULL: a 0/1 column */
};

#define NONE ((size_t)-1)

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
}

static size_t add_col(partreg_block_survey *s, size_t j, int collect)
{
    for (size_t c = 0; c < s->n_cols; c++)
        if (s->cols[c].j == j) {
            s->cols[c].collect |= collect;
            return c;
        }
    scol *c = &s->cols[s->n_cols];
    memset(c, 0, sizeof *c);
    c->j = j;
    c->collect = collect;
    return s->n_cols++;
}

/* How the formula uses variable v (as in frame_create.c's assign_roles). */
static void var_uses(const partreg_formula *f, size_t v, int *as_factor, int *as_number,
                     const partreg_atom **in_expr)
{
    *as_factor = *as_number = 0;
    *in_expr = NULL;
    for (size_t a = 0; a < f->n_atoms; a++) {
        const partreg_atom *at = &f->atoms[a];
        if (at->kind == PARTREG_ATOM_EXPR) {
            if (!*in_expr && partreg_expr_uses(&at->expr, v))
                *in_expr = at;
        } else if (at->var == v) {
            if (at->kind == PARTREG_ATOM_FACTOR)
                *as_factor = 1;
            else
                *as_number = 1;
        }
    }
}

partreg_status partreg_block_survey_new(const partreg_table *header, const partreg_formula *f,
                                        const partreg_frame_options *opt,
                                        partreg_block_survey **out, partreg_error *err)
{
    *out = NULL;
    partreg_frame_options def = partreg_frame_options_default();
    if (!opt)
        opt = &def;
    partreg_block_survey *s = calloc(1, sizeof *s);
    if (!s)
        return nomem(err);
    s->f = f;
    s->opt = *opt;
    s->ncol = partreg_table_n_columns(header);
    s->names = calloc(s->ncol ? s->ncol : 1, sizeof *s->names);
    s->cols = calloc(f->n_vars + 9, sizeof *s->cols);
    s->var_at = calloc(f->n_vars ? f->n_vars : 1, sizeof *s->var_at);
    if (!s->names || !s->cols || !s->var_at) {
        partreg_block_survey_free(s);
        return nomem(err);
    }
    partreg_status st = PARTREG_OK;
    for (size_t j = 0; st == PARTREG_OK && j < s->ncol; j++) {
        const char *nm = partreg_table_column_name(header, j);
        size_t len = strlen(nm) + 1;
        if (!(s->names[j] = malloc(len)))
            st = nomem(err);
        else
            memcpy(s->names[j], nm, len);
    }
    size_t j = 0;
    if (st == PARTREG_OK && (st = partreg_table_find_column(header, f->response, &j, err)) == PARTREG_OK)
        s->y_at = add_col(s, j, 1);
    for (size_t v = 0; st == PARTREG_OK && v < f->n_vars; v++) {
        if ((st = partreg_table_find_column(header, f->vars[v], &j, err)) != PARTREG_OK)
            break;
        int as_factor, as_number;
        const partreg_atom *in_expr;
        var_uses(f, v, &as_factor, &as_number, &in_expr);
        s->var_at[v] = add_col(s, j, as_factor);
    }
    s->w_at = s->c_at = NONE;
    if (st == PARTREG_OK && opt->weights &&
        (st = partreg_table_find_column(header, opt->weights, &j, err)) == PARTREG_OK)
        s->w_at = add_col(s, j, 0);
    if (st == PARTREG_OK && opt->cluster &&
        (st = partreg_table_find_column(header, opt->cluster, &j, err)) == PARTREG_OK)
        s->c_at = add_col(s, j, 1);
    s->g_at = NONE;
    if (st == PARTREG_OK && f->group &&
        (st = partreg_table_find_column(header, f->group, &j, err)) == PARTREG_OK)
        s->g_at = add_col(s, j, 1);
    /* the design's columns, as frame_survey.c finds them (the PSUs' and
     * strata's values, and the subpopulation's, are collected) */
    s->sw_at = s->st_at = s->psu_at = s->fpc_at = s->sub_at = NONE;
    struct {
        const char *name;
        size_t *at;
        int collect;
    } design[] = {{opt->sampling_weights, &s->sw_at, 0},
                  {opt->strata, &s->st_at, 1},
                  {opt->psu, &s->psu_at, 1},
                  {opt->fpc, &s->fpc_at, 0}};
    for (size_t d = 0; st == PARTREG_OK && d < sizeof design / sizeof design[0]; d++)
        if (design[d].name &&
            (st = partreg_table_find_column(header, design[d].name, &j, err)) == PARTREG_OK)
            *design[d].at = add_col(s, j, design[d].collect);
    if (st == PARTREG_OK && opt->subpop) {
        const char *eq = strchr(opt->subpop, '=');
        if (partreg_table_find_column(header, opt->subpop, &j, NULL) != PARTREG_OK && eq &&
            eq != opt->subpop && eq[1]) {
            size_t len = (size_t)(eq - opt->subpop);
            char *var = malloc(len + 1);
            if (!var) {
                st = nomem(err);
            } else {
                memcpy(var, opt->subpop, len);
                var[len] = '\0';
                st = partreg_table_find_column(header, var, &j, err);
                free(var);
                s->sub_level = eq + 1;
            }
        } else {
            st = partreg_table_find_column(header, opt->subpop, &j, err);
        }
        if (st == PARTREG_OK)
            s->sub_at = add_col(s, j, 1);
    }
    if (st != PARTREG_OK) {
        partreg_block_survey_free(s);
        return st;
    }
    *out = s;
    return PARTREG_OK;
}

void partreg_block_survey_free(partreg_block_survey *s)
{
    if (!s)
        return;
    for (size_t j = 0; s->names && j < s->ncol; j++)
        free(s->names[j]);
    free(s->names);
    for (size_t c = 0; s->cols && c < s->n_cols; c++) {
        keyset_free(&s->cols[c].texts);
        keyset_free(&s->cols[c].numbers);
        free(s->cols[c].reread);
    }
    free(s->cols);
    free(s->var_at);
    free(s->synthetic);
    free(s);
}

size_t partreg_block_survey_rows(const partreg_block_survey *s) { return s->N; }
size_t partreg_block_survey_fractional_weights(const partreg_block_survey *s)
{
    return s->w_fractional;
}
size_t partreg_block_survey_used(const partreg_block_survey *s) { return s->n_used; }

static int cell_present(const partreg_table *t, size_t j, size_t r)
{
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC)
        return !isnan(partreg_table_numeric(t, j)[r]);
    return partreg_table_codes(t, j)[r] >= 0;
}

/* The used rows of a block (from skip on), listed into rows: column by
 * column (one type check a column), as frame_create.c's listwise. */
static size_t used_rows(const partreg_block_survey *s, const partreg_table *t, size_t skip,
                        size_t *rows)
{
    size_t N = partreg_table_n_rows(t), m = 0;
    if (!rows)
        return 0;
    unsigned char *present = malloc(N ? N : 1);
    if (!present) { /* row by row, without the scratch */
        for (size_t r = skip; r < N; r++) {
            int ok = 1;
            for (size_t c = 0; c < s->n_cols && ok; c++)
                ok = cell_present(t, s->cols[c].j, r);
            if (ok)
                rows[m++] = r;
        }
        return m;
    }
    memset(present, 1, N);
    for (size_t c = 0; c < s->n_cols; c++) {
        size_t j = s->cols[c].j;
        if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC) {
            const double *x = partreg_table_numeric(t, j);
            for (size_t r = skip; r < N; r++)
                if (isnan(x[r]))
                    present[r] = 0;
        } else {
            const int *k = partreg_table_codes(t, j);
            for (size_t r = skip; r < N; r++)
                if (k[r] < 0)
                    present[r] = 0;
        }
    }
    for (size_t r = skip; r < N; r++) {
        rows[m] = r;
        m += present[r];
    }
    free(present);
    return m;
}

/* The texts of a text block column's used rows, with their first lines,
 * added in order of first line (so that keys added block by block in file
 * order are in order of first appearance). */
static int add_texts(scol *c, const partreg_table *t, const size_t *rows, size_t m)
{
    size_t K = partreg_table_n_levels(t, c->j);
    long *first = calloc(K ? K : 1, sizeof *first);
    size_t *seen = malloc((K ? K : 1) * sizeof *seen), n_seen = 0;
    if (!first || !seen) {
        free(first);
        free(seen);
        return -1;
    }
    const int *codes = partreg_table_codes(t, c->j);
    for (size_t i = 0; i < m; i++) {
        int k = codes[rows[i]];
        if (k >= 0 && !first[k]) {
            first[k] = partreg_table_row_line(t, rows[i]);
            seen[n_seen++] = (size_t)k; /* rows in order: by first line */
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n_seen && !rc; i++)
        rc = keyset_add(&c->texts, partreg_table_level_name(t, c->j, seen[i]), 0.0,
                        first[seen[i]]);
    free(first);
    free(seen);
    return rc;
}

partreg_status partreg_block_survey_add(partreg_block_survey *s, const partreg_table *block,
                                        size_t skip, size_t index, partreg_error *err)
{
    size_t N = partreg_table_n_rows(block);
    if (skip > N)
        skip = N;
    size_t *rows = malloc((N ? N : 1) * sizeof *rows);
    if (!rows)
        return nomem(err);
    size_t m = used_rows(s, block, skip, rows);
    s->N += N - skip;
    s->n_used += m;
    int first_here = !s->first_line && m > 0;
    if (first_here)
        s->first_line = partreg_table_row_line(block, rows[0]);
    partreg_status st = PARTREG_OK;
    for (size_t ci = 0; ci < s->n_cols && st == PARTREG_OK; ci++) {
        scol *c = &s->cols[ci];
        if (partreg_table_column_type(block, c->j) == PARTREG_COLUMN_CATEGORICAL) {
            const int *codes = partreg_table_codes(block, c->j);
            size_t present = 0, first_present = N;
            for (size_t r = skip; r < N; r++)
                if (codes[r] >= 0) {
                    present++;
                    if (first_present == N)
                        first_present = r;
                }
            c->text = 1;
            c->n_present += present;
            long line = 0;
            const char *value = NULL;
            size_t nn = 0;
            if (partreg_table_first_non_numeric(block, c->j, &line, &value, &nn)) {
                c->n_numeric += nn;
            } else if (first_present < N) { /* every cell is text: the first is the first */
                line = partreg_table_row_line(block, first_present);
                value = partreg_table_level_name(block, c->j, (size_t)codes[first_present]);
            }
            if (value && (!c->has_fnn || line < c->fnn_line)) {
                c->has_fnn = 1;
                c->fnn_line = line;
                snprintf(c->fnn_value, sizeof c->fnn_value, "%.*s", FNN_MAX, value);
            }
            if (add_texts(c, block, rows, m) != 0)
                st = nomem(err);
            continue;
        }
        const double *x = partreg_table_numeric(block, c->j);
        size_t present = 0;
        for (size_t r = skip; r < N; r++)
            present += !isnan(x[r]);
        c->n_present += present;
        c->n_numeric += present;
        if (first_here)
            c->first_value = x[rows[0]];
        if (m > 0) { /* its texts are wanted if the column is text in the file */
            if (c->n_reread == c->cap_reread) {
                size_t nc = c->cap_reread ? 2 * c->cap_reread : 8;
                size_t *nr = realloc(c->reread, nc * sizeof *nr);
                if (!nr) {
                    st = nomem(err);
                    break;
                }
                c->reread = nr;
                c->cap_reread = nc;
            }
            c->reread[c->n_reread++] = index;
        }
        if (c->collect) {
            double recent[8];
            size_t nrec = 0;
            for (size_t i = 0; i < m && st == PARTREG_OK; i++) {
                double v = x[rows[i]];
                size_t q = 0;
                while (q < nrec && recent[q] != v)
                    q++;
                if (q < nrec)
                    continue; /* seen in this block: an earlier line already */
                if (nrec < 8)
                    recent[nrec++] = v;
                if (keyset_add(&c->numbers, NULL, v, partreg_table_row_line(block, rows[i])) != 0)
                    st = nomem(err);
            }
        }
    }
    if (st == PARTREG_OK && s->w_at != NONE) {
        size_t j = s->cols[s->w_at].j;
        if (partreg_table_column_type(block, j) == PARTREG_COLUMN_NUMERIC) {
            const double *x = partreg_table_numeric(block, j);
            for (size_t i = 0; i < m; i++)
                s->w_fractional += x[rows[i]] != floor(x[rows[i]]);
            for (size_t i = 0; i < m; i++) {
                double w = x[rows[i]];
                if (!(w >= 0.0) || !isfinite(w)) {
                    long line = partreg_table_row_line(block, rows[i]);
                    if (!s->bad_w || line < s->bad_w_line) {
                        s->bad_w = 1;
                        s->bad_w_line = line;
                        s->bad_w_value = w;
                    }
                    break;
                }
            }
        }
    }
    free(rows);
    return st;
}

void partreg_block_survey_set_text(partreg_block_survey *s, const partreg_block_survey *whole)
{
    for (size_t c = 0; c < s->n_cols && c < whole->n_cols; c++)
        s->cols[c].text |= whole->cols[c].text;
}

partreg_status partreg_block_survey_rereads(const partreg_block_survey *s,
                                            const partreg_block_survey *whole, size_t **blocks,
                                            size_t *n)
{
    size_t total = 0;
    *blocks = NULL;
    *n = 0;
    for (size_t c = 0; c < s->n_cols; c++)
        if (whole->cols[c].text)
            total += s->cols[c].n_reread;
    if (!total)
        return PARTREG_OK;
    size_t *b = malloc(total * sizeof *b), m = 0;
    if (!b)
        return PARTREG_ENOMEM;
    for (size_t c = 0; c < s->n_cols; c++)
        if (whole->cols[c].text)
            for (size_t i = 0; i < s->cols[c].n_reread; i++) {
                size_t x = s->cols[c].reread[i], q = 0;
                while (q < m && b[q] != x)
                    q++;
                if (q == m)
                    b[m++] = x;
            }
    for (size_t i = 1; i < m; i++) /* ascending: file order */
        for (size_t q = i; q > 0 && b[q - 1] > b[q]; q--) {
            size_t t = b[q];
            b[q] = b[q - 1];
            b[q - 1] = t;
        }
    *blocks = b;
    *n = m;
    return PARTREG_OK;
}

partreg_status partreg_block_survey_add_text(partreg_block_survey *s, const partreg_table *block,
                                             size_t skip, partreg_error *err)
{
    size_t N = partreg_table_n_rows(block);
    size_t *rows = malloc((N ? N : 1) * sizeof *rows);
    if (!rows)
        return nomem(err);
    size_t m = used_rows(s, block, skip, rows);
    partreg_status st = PARTREG_OK;
    for (size_t c = 0; c < s->n_cols && st == PARTREG_OK; c++)
        if (s->cols[c].text &&
            partreg_table_column_type(block, s->cols[c].j) == PARTREG_COLUMN_CATEGORICAL &&
            add_texts(&s->cols[c], block, rows, m) != 0)
            st = nomem(err);
    free(rows);
    return st;
}

const char *partreg_block_survey_synthetic(partreg_block_survey *s, char delim)
{
    int any = 0;
    for (size_t c = 0; c < s->n_cols; c++)
        any |= s->cols[c].text;
    if (!any)
        return NULL;
    size_t len = s->ncol * (sizeof FORCE_TEXT + 1) + 1;
    char *line = malloc(len), *at = line;
    if (!line)
        return NULL;
    for (size_t j = 0; j < s->ncol; j++) {
        int force = 0;
        for (size_t c = 0; c < s->n_cols; c++)
            force |= s->cols[c].j == j && s->cols[c].text;
        if (j)
            *at++ = delim;
        if (force) {
            memcpy(at, FORCE_TEXT, sizeof FORCE_TEXT - 1);
            at += sizeof FORCE_TEXT - 1;
        }
    }
    *at = '\0';
    free(s->synthetic);
    s->synthetic = line;
    return line;
}

/* ---- packing, for the parts of a distributed read ----------------------- */

typedef struct packer {
    unsigned char *b;
    size_t n, cap;
    int bad;
} packer;

static void put(packer *p, const void *x, size_t len)
{
    if (p->bad)
        return;
    if (p->n + len > p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 1024;
        while (nc < p->n + len)
            nc *= 2;
        unsigned char *nb = realloc(p->b, nc);
        if (!nb) {
            p->bad = 1;
            return;
        }
        p->b = nb;
        p->cap = nc;
    }
    memcpy(p->b + p->n, x, len);
    p->n += len;
}

static void put_u64(packer *p, uint64_t v) { put(p, &v, sizeof v); }
static void put_i64(packer *p, int64_t v) { put(p, &v, sizeof v); }

static void put_keys(packer *p, const keyset *ks)
{
    put_u64(p, ks->n);
    for (size_t i = 0; i < ks->n; i++) {
        const key *k = &ks->k[i];
        put_i64(p, k->line);
        put_u64(p, k->text ? strlen(k->text) + 1 : 0);
        if (k->text)
            put(p, k->text, strlen(k->text) + 1);
        else
            put(p, &k->value, sizeof k->value);
    }
}

partreg_status partreg_block_survey_pack(const partreg_block_survey *s, void **buf, size_t *bytes)
{
    packer p = {NULL, 0, 0, 0};
    put_u64(&p, s->n_cols);
    put_u64(&p, s->N);
    put_u64(&p, s->n_used);
    put_i64(&p, s->first_line);
    put_i64(&p, s->bad_w);
    put_i64(&p, s->bad_w_line);
    put(&p, &s->bad_w_value, sizeof s->bad_w_value);
    put_u64(&p, s->w_fractional);
    for (size_t ci = 0; ci < s->n_cols; ci++) {
        const scol *c = &s->cols[ci];
        put_i64(&p, c->text);
        put_u64(&p, c->n_present);
        put_u64(&p, c->n_numeric);
        put_i64(&p, c->has_fnn);
        put_i64(&p, c->fnn_line);
        put(&p, c->fnn_value, sizeof c->fnn_value);
        put(&p, &c->first_value, sizeof c->first_value);
        put_keys(&p, &c->texts);
        put_keys(&p, &c->numbers);
    }
    if (p.bad) {
        free(p.b);
        return PARTREG_ENOMEM;
    }
    *buf = p.b;
    *bytes = p.n;
    return PARTREG_OK;
}

typedef struct reader {
    const unsigned char *b;
    size_t n, at;
    int bad;
} reader;

static void get(reader *r, void *x, size_t len)
{
    if (r->bad || r->at + len > r->n) {
        r->bad = 1;
        memset(x, 0, len);
        return;
    }
    memcpy(x, r->b + r->at, len);
    r->at += len;
}

static uint64_t get_u64(reader *r)
{
    uint64_t v;
    get(r, &v, sizeof v);
    return v;
}

static int64_t get_i64(reader *r)
{
    int64_t v;
    get(r, &v, sizeof v);
    return v;
}

static int merge_keys(reader *r, keyset *ks)
{
    uint64_t n = get_u64(r);
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        long line = (long)get_i64(r);
        uint64_t len = get_u64(r);
        if (len) {
            if (r->at + len > r->n || r->b[r->at + len - 1] != '\0') {
                r->bad = 1;
                break;
            }
            if (keyset_add(ks, (const char *)r->b + r->at, 0.0, line) != 0)
                return -1;
            r->at += len;
        } else {
            double v;
            get(r, &v, sizeof v);
            if (!r->bad && keyset_add(ks, NULL, v, line) != 0)
                return -1;
        }
    }
    return 0;
}

partreg_status partreg_block_survey_merge(partreg_block_survey *s, const void *buf, size_t bytes,
                                          partreg_error *err)
{
    reader r = {buf, bytes, 0, 0};
    if (get_u64(&r) != s->n_cols)
        return partreg_error_set(err, PARTREG_EINVAL, "survey parts of different formulas");
    s->N += get_u64(&r);
    s->n_used += get_u64(&r);
    long first = (long)get_i64(&r);
    int bad_w = (int)get_i64(&r);
    long bad_line = (long)get_i64(&r);
    double bad_value;
    get(&r, &bad_value, sizeof bad_value);
    s->w_fractional += get_u64(&r);
    int first_is_theirs = first && (!s->first_line || first < s->first_line);
    if (first_is_theirs)
        s->first_line = first;
    if (bad_w && (!s->bad_w || bad_line < s->bad_w_line)) {
        s->bad_w = 1;
        s->bad_w_line = bad_line;
        s->bad_w_value = bad_value;
    }
    for (size_t ci = 0; ci < s->n_cols && !r.bad; ci++) {
        scol *c = &s->cols[ci];
        c->text |= (int)get_i64(&r);
        c->n_present += get_u64(&r);
        c->n_numeric += get_u64(&r);
        int has = (int)get_i64(&r);
        long line = (long)get_i64(&r);
        char value[sizeof c->fnn_value];
        get(&r, value, sizeof value);
        value[sizeof value - 1] = '\0';
        if (has && (!c->has_fnn || line < c->fnn_line)) {
            c->has_fnn = 1;
            c->fnn_line = line;
            memcpy(c->fnn_value, value, sizeof value);
        }
        double fv;
        get(&r, &fv, sizeof fv);
        if (first_is_theirs)
            c->first_value = fv;
        if (merge_keys(&r, &c->texts) != 0 || merge_keys(&r, &c->numbers) != 0)
            return nomem(err);
    }
    if (r.bad)
        return partreg_error_set(err, PARTREG_EIO, "a survey part is truncated");
    return PARTREG_OK;
}

/* ---- the coding frame --------------------------------------------------- */

/* frame_create.c's listwise messages for no rows. */
static partreg_status no_rows(const partreg_block_survey *s, const char *source,
                              partreg_error *err)
{
    if (s->N == 0)
        return partreg_error_set(err, PARTREG_ETOOFEW, "%s has no data rows (only a header line)",
                                 source);
    /* the order frame_create lists the used columns in */
    size_t order[10 + 64], n = 0;
    order[n++] = s->y_at;
    for (size_t v = 0; v < s->f->n_vars && n < 64; v++)
        order[n++] = s->var_at[v];
    if (s->w_at != NONE)
        order[n++] = s->w_at;
    if (s->c_at != NONE)
        order[n++] = s->c_at;
    if (s->g_at != NONE)
        order[n++] = s->g_at;
    size_t design[] = {s->sw_at, s->st_at, s->psu_at, s->fpc_at, s->sub_at};
    for (size_t d = 0; d < sizeof design / sizeof design[0]; d++)
        if (design[d] != NONE)
            order[n++] = design[d];
    for (size_t i = 0; i < n; i++)
        if (s->cols[order[i]].n_present == 0)
            return partreg_error_set(err, PARTREG_ETOOFEW,
                                     "no rows left: column '%s' is missing on all %zu rows of %s",
                                     s->names[s->cols[order[i]].j], s->N, source);
    return partreg_error_set(err, PARTREG_ETOOFEW,
                             "no rows left: each of the %zu rows of %s has a missing value in a "
                             "column the model uses",
                             s->N, source);
}

/* frame_create.c's check_mostly_numeric, on the whole table's counts. */
static partreg_status mostly_numeric(const partreg_block_survey *s, partreg_error *err)
{
    for (size_t v = 0; v < s->f->n_vars; v++) {
        const scol *c = &s->cols[s->var_at[v]];
        int as_factor, as_number;
        const partreg_atom *in_expr;
        var_uses(s->f, v, &as_factor, &as_number, &in_expr);
        if (!c->text || in_expr || !as_number || as_factor || c->n_numeric == 0 || !c->has_fnn)
            continue;
        if (2 * c->n_numeric <= c->n_present)
            continue;
        return partreg_error_set_at(err, PARTREG_EDATA, c->fnn_line, 0,
                                    "column '%s' holds numbers but line %ld has '%s', which is "
                                    "not a finite number (%zu of its %zu values are); fix that "
                                    "value, mark it as missing (--na), or write factor(%s) to "
                                    "use the column as categorical",
                                    s->names[c->j], c->fnn_line, c->fnn_value, c->n_numeric,
                                    c->n_present, s->f->vars[v]);
    }
    return PARTREG_OK;
}

/* Whether the frame's mostly-numbers check reads column c (then the small
 * table says 0 numbers: the check ran on the whole table's counts). */
static int checked_as_number(const partreg_block_survey *s, size_t ci)
{
    for (size_t v = 0; v < s->f->n_vars; v++) {
        if (s->var_at[v] != ci)
            continue;
        int as_factor, as_number;
        const partreg_atom *in_expr;
        var_uses(s->f, v, &as_factor, &as_number, &in_expr);
        if (!in_expr && as_number && !as_factor)
            return 1;
    }
    return 0;
}

/* The small table: every used column's values in order of first
 * appearance (row 0: the first row used). With `ranks`, the keys' ranks
 * are set (the codes of clusters and PSUs). */
static partreg_status small_table(partreg_block_survey *s, const char *source, int ranks,
                                  partreg_table **out, partreg_error *err)
{
    size_t R = 1;
    size_t **order = calloc(s->n_cols, sizeof *order);
    if (!order)
        return nomem(err);
    partreg_status st = PARTREG_OK;
    for (size_t ci = 0; ci < s->n_cols && st == PARTREG_OK; ci++) {
        scol *c = &s->cols[ci];
        keyset *ks = c->text ? &c->texts : c->collect ? &c->numbers : NULL;
        if (!ks)
            continue;
        if (!(order[ci] = keyset_order(ks, ranks)))
            st = nomem(err);
        else if (ks->n > R)
            R = ks->n;
    }
    partreg_table *t = NULL;
    if (st == PARTREG_OK && partreg_table_create(source, R, &t) != PARTREG_OK)
        st = nomem(err);
    for (size_t j = 0; st == PARTREG_OK && j < s->ncol; j++) {
        size_t ci = 0;
        while (ci < s->n_cols && s->cols[ci].j != j)
            ci++;
        const char *nm = s->names[j];
        if (ci == s->n_cols) { /* not used: never read */
            if (partreg_table_append_numeric(t, nm, strlen(nm), NULL) != PARTREG_OK)
                st = nomem(err);
            continue;
        }
        scol *c = &s->cols[ci];
        if ((c->text || c->collect) && !order[ci]) {
            st = nomem(err);
            break;
        }
        if (c->text) {
            int *codes;
            if (partreg_table_append_categorical(t, nm, strlen(nm), &codes) != PARTREG_OK) {
                st = nomem(err);
                break;
            }
            int first = -1;
            for (size_t r = 0; r < c->texts.n && st == PARTREG_OK; r++) {
                const char *txt = c->texts.k[order[ci][r]].text;
                int code;
                if (partreg_table_intern_level(t, j, txt, strlen(txt), &code) != PARTREG_OK)
                    st = nomem(err);
                codes[r] = code;
                if (r == 0)
                    first = code;
            }
            for (size_t r = c->texts.n; r < R; r++)
                codes[r] = first;
            if (st == PARTREG_OK && c->has_fnn && c->n_numeric > 0 &&
                partreg_table_set_first_non_numeric(t, j, c->fnn_line, c->fnn_value,
                                                    strlen(c->fnn_value),
                                                    checked_as_number(s, ci) ? 0 : c->n_numeric) !=
                    PARTREG_OK)
                st = nomem(err);
            continue;
        }
        double *x;
        if (partreg_table_append_numeric(t, nm, strlen(nm), &x) != PARTREG_OK) {
            st = nomem(err);
            break;
        }
        if (c->collect) {
            for (size_t r = 0; r < c->numbers.n; r++)
                x[r] = c->numbers.k[order[ci][r]].value;
            for (size_t r = c->numbers.n; r < R; r++)
                x[r] = x[0];
        } else {
            for (size_t r = 0; r < R; r++)
                x[r] = c->first_value;
        }
    }
    /* row r carries the line of the outcome value it holds */
    long *lines = NULL;
    if (st == PARTREG_OK && partreg_table_alloc_row_lines(t, &lines) != PARTREG_OK)
        st = nomem(err);
    if (st == PARTREG_OK) {
        const scol *yc = &s->cols[s->y_at];
        const keyset *ks = yc->text ? &yc->texts : &yc->numbers;
        for (size_t r = 0; r < R; r++)
            lines[r] = r < ks->n ? ks->k[order[s->y_at][r]].line : s->first_line;
    }
    for (size_t ci = 0; ci < s->n_cols; ci++)
        free(order[ci]);
    free(order);
    if (st != PARTREG_OK) {
        partreg_table_free(t);
        return st;
    }
    *out = t;
    return PARTREG_OK;
}

/* frame_survey.c's subpopulation errors on the whole file: the first line
 * with a text that is not 0/1, false/true or no/yes, and no row inside
 * (on the small table they would name its lines and its count). A level
 * that is not a number is left to the frame, whose message it is. */
static partreg_status subpop_check(const partreg_block_survey *s, partreg_error *err)
{
    if (s->sub_at == NONE)
        return PARTREG_OK;
    const scol *c = &s->cols[s->sub_at];
    const char *spec = s->opt.subpop;
    int inside = 0;
    if (c->text) {
        const key *bad = NULL;
        for (size_t i = 0; i < c->texts.n; i++) {
            const key *k = &c->texts.k[i];
            int in = partreg_frame_subpop_text(s->sub_level, k->text);
            if (in < 0 && (!bad || k->line < bad->line))
                bad = k;
            inside |= in == 1;
        }
        if (bad)
            return partreg_error_set_at(err, PARTREG_EDATA, bad->line, 0,
                                        "--subpop %s: line %ld has '%s'; a subpopulation column "
                                        "holds 0/1, false/true or no/yes; for the rows with one "
                                        "value use --subpop \"%s=%s\"",
                                        spec, bad->line, bad->text, s->names[c->j], bad->text);
    } else {
        double level = 0.0;
        if (s->sub_level) {
            char *end;
            level = strtod(s->sub_level, &end);
            if (end == s->sub_level || *end != '\0')
                return PARTREG_OK;
        }
        for (size_t i = 0; i < c->numbers.n; i++) {
            double v = c->numbers.k[i].value;
            inside |= s->sub_level ? v == level : v != 0.0;
        }
    }
    if (!inside)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "--subpop %s: no row of the %zu used is in the subpopulation",
                                 spec, s->n_used);
    return PARTREG_OK;
}

static partreg_status coding_of(partreg_block_survey *s, const char *source, int ranks,
                                partreg_frame **coding, partreg_error *err)
{
    *coding = NULL;
    partreg_status st = mostly_numeric(s, err);
    if (st != PARTREG_OK)
        return st;
    if (s->n_used == 0)
        return no_rows(s, source, err);
    if ((st = subpop_check(s, err)) != PARTREG_OK)
        return st;
    partreg_table *t = NULL;
    if ((st = small_table(s, source, ranks, &t, err)) != PARTREG_OK)
        return st;
    partreg_frame *fr = NULL;
    st = partreg_frame_create(t, s->f, &s->opt, &fr, err);
    partreg_table_free(t);
    if (st != PARTREG_OK)
        return st;
    if (s->bad_w) {
        const scol *wc = &s->cols[s->w_at];
        partreg_frame_free(fr);
        return partreg_error_set_at(err, PARTREG_EDATA, s->bad_w_line, 0,
                                    "weight '%s' is %g on line %ld; case weights must be finite "
                                    "and >= 0",
                                    s->names[wc->j], s->bad_w_value, s->bad_w_line);
    }
    /* the whole table's counts; no rows (they are in the blocks): every
     * row array is NULL, so nothing reads the small table's rows as the
     * file's */
    fr->n = s->n_used;
    fr->n_dropped = s->N - s->n_used;
    free(fr->X);
    free(fr->y);
    free(fr->w);
    free(fr->cluster);
    free(fr->rows);
    fr->X = fr->y = fr->w = NULL;
    fr->cluster = NULL;
    fr->rows = NULL;
    for (size_t v = 0; v < fr->f->n_vars; v++) {
        free(fr->vars[v].num);
        free(fr->vars[v].lev);
        fr->vars[v].num = NULL;
        fr->vars[v].lev = NULL;
    }
    free(fr->group); /* its levels stay */
    fr->group = NULL;
    if (fr->survey) { /* the columns and the strata levels stay */
        partreg_frame_survey *sv = fr->survey;
        free(sv->sw);
        free(sv->strata);
        free(sv->psu);
        free(sv->fpc);
        free(sv->domain);
        sv->sw = sv->fpc = NULL;
        sv->strata = sv->psu = NULL;
        sv->domain = NULL;
    }
    *coding = fr;
    return PARTREG_OK;
}

partreg_status partreg_block_survey_coding(partreg_block_survey *s, const char *source,
                                           partreg_frame **coding, partreg_error *err)
{
    return coding_of(s, source, 1, coding, err);
}

partreg_status partreg_block_survey_coding_so_far(partreg_block_survey *s, const char *source,
                                                  partreg_frame **coding, partreg_error *err)
{
    return coding_of(s, source, 0, coding, err);
}

static int same_levels(const partreg_levels *a, const partreg_levels *b)
{
    if (a->n != b->n || !a->values != !b->values)
        return 0;
    for (size_t l = 0; l < a->n; l++)
        if (strcmp(a->names[l], b->names[l]) != 0 ||
            (a->values && a->values[l] != b->values[l])) /* (no NaN, no -0: levels) */
            return 0;
    return 1;
}

/* The keys of column ci (if used) ranked in the order they were added. */
static int ranked_as_added(const partreg_block_survey *s, size_t ci)
{
    if (ci == NONE)
        return 1;
    const scol *c = &s->cols[ci];
    const keyset *ks = c->text ? &c->texts : &c->numbers;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->k[i].rank != i)
            return 0;
    return 1;
}

int partreg_frame_stream_same_coding(const partreg_frame *a, const partreg_frame *b,
                                     const partreg_block_survey *s)
{
    if (a->family != b->family || a->intercept != b->intercept || a->p != b->p ||
        a->f->n_vars != b->f->n_vars || a->f->n_terms != b->f->n_terms ||
        !same_levels(&a->outcome, &b->outcome) ||
        !same_levels(&a->group_levels, &b->group_levels) || !a->survey != !b->survey)
        return 0;
    for (size_t v = 0; v < a->f->n_vars; v++) {
        const partreg_frame_var *x = &a->vars[v], *y = &b->vars[v];
        if (x->categorical != y->categorical || x->from_factor != y->from_factor ||
            (x->categorical && (x->ref != y->ref || !same_levels(&x->lv, &y->lv))))
            return 0;
    }
    for (size_t c = 0; c < a->p; c++)
        if (strcmp(a->col_names[c], b->col_names[c]) != 0)
            return 0;
    if (a->survey && !same_levels(&a->survey->strata_lv, &b->survey->strata_lv))
        return 0;
    return ranked_as_added(s, s->c_at) && ranked_as_added(s, s->psu_at);
}

/* ---- a block's rows ------------------------------------------------------- */

/* The block's column of survey column ci is numbers, as the coding reads
 * it: the survey of the file found numbers there (a file changed since,
 * or a block coded by a coding frame of the blocks before it, may have
 * text). */
static partreg_status numbers_in(const partreg_block_survey *s, size_t ci,
                                 const partreg_table *block, size_t skip, partreg_error *err)
{
    size_t j = s->cols[ci].j;
    if (partreg_table_column_type(block, j) != PARTREG_COLUMN_CATEGORICAL)
        return PARTREG_OK;
    long line = 0;
    const char *value = NULL;
    size_t nn = 0, N = partreg_table_n_rows(block), r = skip;
    if (!partreg_table_first_non_numeric(block, j, &line, &value, &nn)) {
        const int *codes = partreg_table_codes(block, j);
        while (r < N && codes[r] < 0)
            r++;
        line = r < N ? partreg_table_row_line(block, r) : 0;
        value = r < N ? partreg_table_level_name(block, j, (size_t)codes[r]) : "";
    }
    return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                "line %ld: column '%s' has '%.60s', not a number, where the "
                                "survey of the file found numbers (was the file changed while "
                                "it was read?)",
                                line, s->names[j], value);
}

/* The columns the coding reads as numbers: numeric variables, weights,
 * sampling weights, fpc. */
static partreg_status numbers_where_expected(const partreg_frame *coding,
                                             const partreg_block_survey *s,
                                             const partreg_table *block, size_t skip,
                                             partreg_error *err)
{
    partreg_status st = PARTREG_OK;
    for (size_t v = 0; st == PARTREG_OK && v < coding->f->n_vars; v++)
        if (!coding->vars[v].categorical)
            st = numbers_in(s, s->var_at[v], block, skip, err);
    size_t more[] = {s->w_at, coding->survey ? s->sw_at : NONE,
                     coding->survey ? s->fpc_at : NONE};
    for (size_t k = 0; st == PARTREG_OK && k < sizeof more / sizeof more[0]; k++)
        if (more[k] != NONE)
            st = numbers_in(s, more[k], block, skip, err);
    return st;
}

/* The PSU codes of rows[0..m) of a block: the rank of each PSU value in
 * order of first appearance in the file (as clusters are numbered). */
static partreg_status psu_codes(const partreg_block_survey *s, const partreg_table *block,
                                const size_t *rows, size_t m, size_t **out, partreg_error *err)
{
    const scol *pc = &s->cols[s->psu_at];
    const keyset *ks = pc->text ? &pc->texts : &pc->numbers;
    size_t *codes = malloc((m ? m : 1) * sizeof *codes);
    if (!codes)
        return nomem(err);
    int text = partreg_table_column_type(block, pc->j) == PARTREG_COLUMN_CATEGORICAL;
    for (size_t i = 0; i < m; i++) {
        size_t r = rows[i];
        double v = text ? 0.0 : partreg_table_numeric(block, pc->j)[r];
        long at = text ? keyset_find(ks,
                                     partreg_table_level_name(
                                         block, pc->j, (size_t)partreg_table_codes(block, pc->j)[r]),
                                     0.0)
                       : keyset_find(ks, NULL, v == 0.0 ? 0.0 : v);
        if (at < 0) {
            free(codes);
            return partreg_error_set_at(err, PARTREG_EDATA, partreg_table_row_line(block, r), 0,
                                        "line %ld: a PSU that the survey of the file did not see "
                                        "(was the file changed while it was read?)",
                                        partreg_table_row_line(block, r));
        }
        codes[i] = ks->k[at].rank;
    }
    *out = codes;
    return PARTREG_OK;
}

/* Grow *p to hold n elements of `size` bytes (at least 1). 0, or -1. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n == 0)
        n = 1;
    if (n <= *cap)
        return 0;
    if (n > SIZE_MAX / size)
        return -1;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

void partreg_stream_rows_buf_free(partreg_stream_rows_buf *b)
{
    if (!b)
        return;
    free(b->X);
    free(b->y);
    free(b->w);
    free(b->cluster);
    free(b->rows_);
    free(b->lev_);
    for (size_t v = 0; v < b->n_vars_; v++) {
        free(b->num_[v]);
        free(b->vlev_[v]);
    }
    free(b->num_);
    free(b->vlev_);
    free(b->cap_num_);
    free(b->cap_vlev_);
    memset(b, 0, sizeof *b);
}

partreg_status partreg_frame_stream_rows_into(const partreg_frame *coding,
                                              const partreg_block_survey *s,
                                              const partreg_table *block, size_t skip,
                                              int threads, partreg_stream_rows_buf *b,
                                              size_t **group, partreg_frame_survey_rows *design,
                                              partreg_error *err)
{
    if (group)
        *group = NULL;
    b->m = 0;
    if (design)
        memset(design, 0, sizeof *design);
    const partreg_formula *f = coding->f;
    size_t N = partreg_table_n_rows(block);
    if (b->n_vars_ != f->n_vars) { /* a buffer of another formula: start again */
        partreg_stream_rows_buf_free(b);
        b->n_vars_ = f->n_vars;
        size_t nv = f->n_vars ? f->n_vars : 1;
        b->num_ = calloc(nv, sizeof *b->num_);
        b->vlev_ = calloc(nv, sizeof *b->vlev_);
        b->cap_num_ = calloc(nv, sizeof *b->cap_num_);
        b->cap_vlev_ = calloc(nv, sizeof *b->cap_vlev_);
        if (!b->num_ || !b->vlev_ || !b->cap_num_ || !b->cap_vlev_) {
            partreg_stream_rows_buf_free(b);
            return nomem(err);
        }
    }
    if (grow((void **)&b->rows_, &b->cap_rows_, N, sizeof *b->rows_) ||
        grow((void **)&b->lev_, &b->cap_lev_, N, sizeof *b->lev_) ||
        grow((void **)&b->y, &b->cap_y_, N, sizeof *b->y))
        return nomem(err);
    size_t m = used_rows(s, block, skip, b->rows_);
    partreg_status st = m > 0 ? numbers_where_expected(coding, s, block, skip, err) : PARTREG_OK;
    if (st != PARTREG_OK)
        return st;
    /* every row from skip on used: the block's numeric columns serve as
     * they are */
    int whole = m > 0 && m == N - skip;
    partreg_frame *bf = NULL;
    if ((st = partreg_frame_alloc(f, &bf, err)) != PARTREG_OK || !bf)
        return st != PARTREG_OK ? st : nomem(err);
    bf->family = coding->family;
    bf->intercept = coding->intercept;
    bf->has_outcome = 1;
    bf->n = m;
    bf->rows = b->rows_; /* borrowed, as everything below: detached before the free */
    for (size_t v = 0; st == PARTREG_OK && v < f->n_vars; v++) {
        partreg_frame_var *bv = &bf->vars[v];
        const partreg_frame_var *cv = &coding->vars[v];
        size_t j = s->cols[s->var_at[v]].j;
        bv->categorical = cv->categorical;
        bv->from_factor = cv->from_factor;
        bv->ref = cv->ref;
        bv->lv = cv->lv;
        if (!cv->categorical) {
            const double *x = partreg_table_numeric(block, j);
            if (whole) {
                bv->num = (double *)(uintptr_t)(x + skip); /* read only */
                continue;
            }
            if (grow((void **)&b->num_[v], &b->cap_num_[v], m, sizeof *b->num_[v])) {
                st = nomem(err);
                break;
            }
            bv->num = b->num_[v];
            for (size_t i = 0; i < m; i++)
                bv->num[i] = x[bf->rows[i]];
            continue;
        }
        if (grow((void **)&b->vlev_[v], &b->cap_vlev_[v], m, sizeof *b->vlev_[v])) {
            st = nomem(err);
            break;
        }
        bv->lev = b->vlev_[v];
        size_t bad = 0;
        st = partreg_levels_map(block, j, bf->rows, m, &bv->lv, bv->lev, &bad, err);
        if (st == PARTREG_EDATA)
            st = partreg_error_set_at(err, PARTREG_EDATA, partreg_table_row_line(block, bf->rows[bad]),
                                      0, "line %ld: a level of '%s' that the survey of the file "
                                         "did not see (was the file changed while it was read?)",
                                      partreg_table_row_line(block, bf->rows[bad]), f->vars[v]);
    }
    if (st == PARTREG_OK)
        st = partreg_frame_layout(bf, err);
    if (st == PARTREG_OK && bf->p != coding->p)
        st = partreg_error_set(err, PARTREG_EINVAL, "a block's design has %zu columns, not %zu",
                               bf->p, coding->p);
    if (st == PARTREG_OK) {
        /* X in the buffer (huge pages, as the frame's own), kept for the
         * next block */
        size_t cells = m * bf->p;
        if (cells > b->cap_X_ || !b->X) {
            free(b->X);
            b->cap_X_ = 0;
            if (m && bf->p > SIZE_MAX / sizeof(double) / m)
                b->X = NULL;
            else
                b->X = partreg_big_alloc((cells ? cells : 1) * sizeof *b->X);
            if (!b->X)
                st = nomem(err);
            else
                b->cap_X_ = cells ? cells : 1;
        }
        bf->X = b->X;
    }
    if (st == PARTREG_OK)
        st = partreg_frame_build_X(bf, block, threads, err);
    /* the outcome by the frame's levels */
    if (st == PARTREG_OK) {
        size_t bad = 0, j = s->cols[s->y_at].j;
        int *lev = b->lev_;
        st = partreg_levels_map(block, j, bf->rows, m, &coding->outcome, lev, &bad, err);
        if (st == PARTREG_EDATA)
            st = partreg_error_set_at(err, PARTREG_EDATA, partreg_table_row_line(block, bf->rows[bad]),
                                      0, "line %ld: an outcome value that the survey of the file "
                                         "did not see (was the file changed while it was read?)",
                                      partreg_table_row_line(block, bf->rows[bad]));
        for (size_t i = 0; st == PARTREG_OK && i < m; i++)
            b->y[i] = lev[i] < 0 ? NAN : (double)lev[i];
    }
    int weighted = s->w_at != NONE || coding->survey;
    if (st == PARTREG_OK && weighted &&
        grow((void **)&b->w, &b->cap_w_, m, sizeof *b->w))
        st = nomem(err);
    if (st == PARTREG_OK && s->w_at != NONE) {
        const double *x = partreg_table_numeric(block, s->cols[s->w_at].j);
        double *w = b->w;
        for (size_t i = 0; st == PARTREG_OK && i < m; i++) {
            w[i] = x[bf->rows[i]];
            if (!(w[i] >= 0.0) || !isfinite(w[i])) {
                long line = partreg_table_row_line(block, bf->rows[i]);
                st = partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                          "weight '%s' is %g on line %ld; case weights must be "
                                          "finite and >= 0",
                                          s->names[s->cols[s->w_at].j], w[i], line);
            }
        }
    }
    if (st == PARTREG_OK && s->c_at != NONE) {
        const scol *cc = &s->cols[s->c_at];
        const keyset *ks = cc->text ? &cc->texts : &cc->numbers;
        if (grow((void **)&b->cluster, &b->cap_c_, m, sizeof *b->cluster))
            st = nomem(err);
        int text = partreg_table_column_type(block, cc->j) == PARTREG_COLUMN_CATEGORICAL;
        for (size_t i = 0; st == PARTREG_OK && i < m; i++) {
            size_t r = bf->rows[i];
            long at = text ? keyset_find(ks, partreg_table_level_name(
                                                 block, cc->j,
                                                 (size_t)partreg_table_codes(block, cc->j)[r]),
                                         0.0)
                           : keyset_find(ks, NULL,
                                         partreg_table_numeric(block, cc->j)[r] == 0.0
                                             ? 0.0
                                             : partreg_table_numeric(block, cc->j)[r]);
            if (at < 0)
                st = partreg_error_set_at(err, PARTREG_EDATA, partreg_table_row_line(block, r), 0,
                                          "line %ld: a cluster that the survey of the file did "
                                          "not see (was the file changed while it was read?)",
                                          partreg_table_row_line(block, r));
            else
                b->cluster[i] = ks->k[at].rank;
        }
    }
    size_t *gc = NULL;
    if (st == PARTREG_OK && group && s->g_at != NONE) {
        int *glev = malloc((m ? m : 1) * sizeof *glev);
        gc = malloc((m ? m : 1) * sizeof *gc);
        size_t bad = 0;
        st = glev && gc ? partreg_levels_map(block, s->cols[s->g_at].j, bf->rows, m,
                                             &coding->group_levels, glev, &bad, err)
                        : nomem(err);
        if (st == PARTREG_EDATA)
            st = partreg_error_set_at(err, PARTREG_EDATA, partreg_table_row_line(block, bf->rows[bad]),
                                      0, "line %ld: a group of '%s' that the survey of the file "
                                         "did not see (was the file changed while it was read?)",
                                      partreg_table_row_line(block, bf->rows[bad]), f->group);
        for (size_t i = 0; st == PARTREG_OK && i < m; i++)
            gc[i] = (size_t)glev[i];
        free(glev);
    }
    partreg_frame_survey_rows dr;
    memset(&dr, 0, sizeof dr);
    if (st == PARTREG_OK && coding->survey) {
        /* the design's columns; the fit's weights are its */
        st = partreg_frame_survey_code_rows(coding, block, bf->rows, m, &s->opt, &dr, err);
        if (st == PARTREG_OK && s->psu_at != NONE)
            st = psu_codes(s, block, bf->rows, m, &dr.psu, err);
        if (st == PARTREG_OK)
            memcpy(b->w, dr.fitw, m * sizeof *b->w);
    }
    /* nothing of the buffers or the coding frame goes with the block's frame */
    for (size_t v = 0; v < f->n_vars; v++) {
        memset(&bf->vars[v].lv, 0, sizeof bf->vars[v].lv);
        bf->vars[v].num = NULL;
        bf->vars[v].lev = NULL;
    }
    bf->X = NULL;
    bf->rows = NULL;
    partreg_frame_free(bf);
    if (st == PARTREG_OK && design)
        *design = dr;
    else
        partreg_frame_survey_rows_free(&dr);
    if (st != PARTREG_OK) {
        free(gc);
        return st;
    }
    if (group)
        *group = gc;
    b->m = m;
    return PARTREG_OK;
}

partreg_status partreg_frame_stream_rows(const partreg_frame *coding,
                                         const partreg_block_survey *s,
                                         const partreg_table *block, size_t skip, int threads,
                                         size_t *m_out, double **X_out, double **y_out,
                                         double **w_out, size_t **c_out, size_t **group,
                                         partreg_frame_survey_rows *design, partreg_error *err)
{
    *m_out = 0;
    *X_out = *y_out = *w_out = NULL;
    *c_out = NULL;
    partreg_stream_rows_buf b;
    memset(&b, 0, sizeof b);
    partreg_status st =
        partreg_frame_stream_rows_into(coding, s, block, skip, threads, &b, group, design, err);
    if (st == PARTREG_OK) { /* the rows are the caller's */
        *m_out = b.m;
        *X_out = b.X;
        *y_out = b.y;
        *w_out = s->w_at != NONE || coding->survey ? b.w : NULL;
        *c_out = s->c_at != NONE ? b.cluster : NULL;
        b.X = b.y = NULL;
        if (*w_out)
            b.w = NULL;
        if (*c_out)
            b.cluster = NULL;
    }
    partreg_stream_rows_buf_free(&b);
    return st;
}
