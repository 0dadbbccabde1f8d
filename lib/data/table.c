/* The partreg_table object: named columns, each numeric (double, NaN =
 * missing) or categorical (int codes, -1 = missing, plus a dictionary of
 * level names), with the file line of every row for messages.
 *
 * Level names of a column live in one growing byte pool (offsets, not
 * pointers, so the pool may move) and are found by an open-addressing hash
 * table with linear probing (FNV-1a hash of the bytes), so interning costs
 * O(1) expected per cell and a column with a million distinct strings costs
 * a handful of reallocations rather than a million mallocs.
 *
 * Column suggestions ("did you mean") use the Levenshtein edit distance,
 * computed with two rows of the dynamic-programming table (Wagner & Fischer,
 * "The string-to-string correction problem", JACM 21(1), 1974), comparing
 * ASCII letters without regard to case.
 *
 * References: FNV hash, Fowler/Noll/Vo (http://www.isthe.com/chongo/tech/comp/fnv/). */
#include "data/table_internal.h"

#include "core/error.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct partreg_column {
    char *name;
    partreg_column_type type;
    double *num;            /* n_rows, numeric columns */
    int borrowed;           /* num is the caller's (partreg_table_borrow_numeric) */
    int *codes;             /* n_rows, categorical columns */
    /* level dictionary */
    char *pool;             /* level names, each NUL-terminated */
    size_t pool_len, pool_cap;
    size_t *level_off;      /* offsets of level names in pool */
    size_t n_levels, cap_levels;
    uint64_t *slots;        /* hash slots: hash tag | code + 1, 0 = empty */
    size_t n_slots;         /* power of two, or 0 */
    int levels_ordered;
    /* first non-numeric cell (CSV) */
    int has_fnn;
    long fnn_line;
    char *fnn_value;
    size_t fnn_n_numeric;
    /* numbers read with decimal commas: the first cell with a comma */
    long dc_line;
    char *dc_value;
} partreg_column;

struct partreg_table {
    char *source;
    size_t n_rows;
    size_t n_cols, cap_cols;
    partreg_column *cols;
    long *row_lines;        /* n_rows or NULL (then row i is on line i + 2) */
};

partreg_read_options partreg_read_options_default(void)
{
    partreg_read_options o;
    o.delimiter = 0;
    o.na_strings = NULL;
    o.n_na_strings = 0;
    o.threads = 0;
    o.min_bytes_per_thread = (size_t)1 << 20;
    return o;
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

partreg_status partreg_table_create(const char *source, size_t n_rows, partreg_table **out)
{
    partreg_table *t;
    *out = NULL;
    t = calloc(1, sizeof *t);
    if (!t)
        return PARTREG_ENOMEM;
    t->n_rows = n_rows;
    if (source) {
        t->source = dup_n(source, strlen(source));
        if (!t->source) {
            free(t);
            return PARTREG_ENOMEM;
        }
    }
    *out = t;
    return PARTREG_OK;
}

static void column_release(partreg_column *c)
{
    free(c->name);
    if (!c->borrowed)
        free(c->num);
    free(c->codes);
    free(c->pool);
    free(c->level_off);
    free(c->slots);
    free(c->fnn_value);
    free(c->dc_value);
}

void partreg_table_free(partreg_table *table)
{
    size_t j;
    if (!table)
        return;
    for (j = 0; j < table->n_cols; j++)
        column_release(&table->cols[j]);
    free(table->cols);
    free(table->row_lines);
    free(table->source);
    free(table);
}

/* Room for one more column; the new slot is zeroed. */
static partreg_column *column_push(partreg_table *t, const char *name, size_t name_len)
{
    partreg_column *c;
    if (t->n_cols == t->cap_cols) {
        size_t cap = t->cap_cols ? 2 * t->cap_cols : 16;
        partreg_column *nc;
        if (cap > SIZE_MAX / sizeof *nc)
            return NULL;
        nc = realloc(t->cols, cap * sizeof *nc);
        if (!nc)
            return NULL;
        t->cols = nc;
        t->cap_cols = cap;
    }
    c = &t->cols[t->n_cols];
    memset(c, 0, sizeof *c);
    c->name = dup_n(name, name_len);
    return c->name ? c : NULL;
}

partreg_status partreg_table_append_numeric(partreg_table *t, const char *name, size_t name_len,
                                            double **data)
{
    partreg_column *c;
    size_t i, n = t->n_rows;
    if (data)
        *data = NULL;
    if (n > SIZE_MAX / sizeof(double))
        return PARTREG_ENOMEM;
    c = column_push(t, name, name_len);
    if (!c)
        return PARTREG_ENOMEM;
    c->type = PARTREG_COLUMN_NUMERIC;
    c->num = malloc((n ? n : 1) * sizeof(double));
    if (!c->num) {
        free(c->name);
        return PARTREG_ENOMEM;
    }
    for (i = 0; i < n; i++)
        c->num[i] = NAN;
    t->n_cols++;
    if (data)
        *data = c->num;
    return PARTREG_OK;
}

partreg_status partreg_table_adopt_numeric(partreg_table *t, const char *name, size_t name_len,
                                           double *data)
{
    partreg_column *c = column_push(t, name, name_len);
    if (!c)
        return PARTREG_ENOMEM;
    c->type = PARTREG_COLUMN_NUMERIC;
    c->num = data;
    t->n_cols++;
    return PARTREG_OK;
}

partreg_status partreg_table_borrow_numeric(partreg_table *t, const char *name, size_t name_len,
                                            const double *data)
{
    partreg_column *c = column_push(t, name, name_len);
    if (!c)
        return PARTREG_ENOMEM;
    c->type = PARTREG_COLUMN_NUMERIC;
    /* never written through: numeric_mut and take_numeric refuse it */
    c->num = (double *)(uintptr_t)data;
    c->borrowed = 1;
    t->n_cols++;
    return PARTREG_OK;
}

void partreg_table_drop_last_column(partreg_table *t)
{
    if (t && t->n_cols > 0)
        column_release(&t->cols[--t->n_cols]);
}

partreg_status partreg_table_adopt_categorical(partreg_table *t, const char *name, size_t name_len,
                                               int *codes, partreg_table *src, size_t src_j)
{
    partreg_column *c, *d;
    if (!src || src_j >= src->n_cols || src->cols[src_j].type != PARTREG_COLUMN_CATEGORICAL)
        return PARTREG_EINVAL;
    c = column_push(t, name, name_len);
    if (!c)
        return PARTREG_ENOMEM;
    d = &src->cols[src_j];
    c->type = PARTREG_COLUMN_CATEGORICAL;
    c->codes = codes;
    c->pool = d->pool;
    c->pool_len = d->pool_len;
    c->pool_cap = d->pool_cap;
    c->level_off = d->level_off;
    c->n_levels = d->n_levels;
    c->cap_levels = d->cap_levels;
    c->slots = d->slots;
    c->n_slots = d->n_slots;
    d->pool = NULL;
    d->level_off = NULL;
    d->slots = NULL;
    d->pool_len = d->pool_cap = d->n_levels = d->cap_levels = d->n_slots = 0;
    t->n_cols++;
    return PARTREG_OK;
}

partreg_status partreg_table_append_categorical(partreg_table *t, const char *name,
                                                size_t name_len, int **codes)
{
    partreg_column *c;
    size_t i, n = t->n_rows;
    if (codes)
        *codes = NULL;
    if (n > SIZE_MAX / sizeof(int))
        return PARTREG_ENOMEM;
    c = column_push(t, name, name_len);
    if (!c)
        return PARTREG_ENOMEM;
    c->type = PARTREG_COLUMN_CATEGORICAL;
    c->codes = malloc((n ? n : 1) * sizeof(int));
    if (!c->codes) {
        free(c->name);
        return PARTREG_ENOMEM;
    }
    for (i = 0; i < n; i++)
        c->codes[i] = -1;
    t->n_cols++;
    if (codes)
        *codes = c->codes;
    return PARTREG_OK;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h ^ (h >> 29);
}

/* A slot holds the level's code + 1 in the low 32 bits (0 = empty) and the
 * high 32 bits of its hash, so most mismatches never touch the pool. */
#define SLOT_CODE(x) ((uint32_t)((x) & 0xFFFFFFFFu))
#define SLOT_TAG(h) ((h) & UINT64_C(0xFFFFFFFF00000000))

static size_t level_len(const partreg_column *c, size_t k)
{
    size_t end = k + 1 < c->n_levels ? c->level_off[k + 1] : c->pool_len;
    return end - c->level_off[k] - 1;
}

static int level_equals(const partreg_column *c, uint32_t code, const char *text, size_t len)
{
    const char *name = c->pool + c->level_off[code];
    size_t i;
    if (level_len(c, code) != len)
        return 0;
    if (len > 32)
        return memcmp(name, text, len) == 0;
    for (i = 0; i < len; i++) /* short names: no call */
        if (name[i] != text[i])
            return 0;
    return 1;
}

/* Rebuild the hash slots with n_slots entries (a power of two). */
static partreg_status rehash(partreg_column *c, size_t n_slots)
{
    uint64_t *slots = calloc(n_slots, sizeof *slots);
    size_t k, mask = n_slots - 1;
    if (!slots)
        return PARTREG_ENOMEM;
    for (k = 0; k < c->n_levels; k++) {
        uint64_t h = hash_bytes(c->pool + c->level_off[k], level_len(c, k));
        size_t s = (size_t)h & mask;
        while (slots[s])
            s = (s + 1) & mask;
        slots[s] = SLOT_TAG(h) | (uint64_t)(k + 1);
    }
    free(c->slots);
    c->slots = slots;
    c->n_slots = n_slots;
    return PARTREG_OK;
}

/* Code of text in column c, or -1; *slot receives where it would go. */
static int level_lookup(const partreg_column *c, uint64_t h, const char *text, size_t len,
                        size_t *slot)
{
    size_t s, mask = c->n_slots - 1;
    uint64_t tag = SLOT_TAG(h);
    for (s = (size_t)h & mask; c->slots[s]; s = (s + 1) & mask) {
        uint64_t x = c->slots[s];
        if (SLOT_TAG(x) == tag && level_equals(c, SLOT_CODE(x) - 1, text, len))
            return (int)(SLOT_CODE(x) - 1);
    }
    *slot = s;
    return -1;
}

partreg_status partreg_table_intern_level(partreg_table *t, size_t j, const char *text, size_t len,
                                          int *code)
{
    partreg_column *c;
    uint64_t h;
    size_t s = 0;
    if (j >= t->n_cols || t->cols[j].type != PARTREG_COLUMN_CATEGORICAL)
        return PARTREG_EINVAL;
    c = &t->cols[j];
    h = hash_bytes(text, len);
    if (c->n_slots) {
        int found = level_lookup(c, h, text, len, &s);
        if (found >= 0) {
            *code = found;
            return PARTREG_OK;
        }
    }
    /* a new level */
    if (c->n_levels >= PARTREG_TABLE_MAX_LEVELS)
        return PARTREG_EINVAL;
    if (len > SIZE_MAX / 2 - c->pool_len - 1)
        return PARTREG_ENOMEM;
    if (c->pool_len + len + 1 > c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap : 256;
        char *np;
        while (cap < c->pool_len + len + 1)
            cap *= 2;
        np = realloc(c->pool, cap);
        if (!np)
            return PARTREG_ENOMEM;
        c->pool = np;
        c->pool_cap = cap;
    }
    if (c->n_levels == c->cap_levels) {
        size_t cap = c->cap_levels ? 2 * c->cap_levels : 16;
        size_t *no = realloc(c->level_off, cap * sizeof *no);
        if (!no)
            return PARTREG_ENOMEM;
        c->level_off = no;
        c->cap_levels = cap;
    }
    /* keep the load factor at most 1/2 */
    if (2 * (c->n_levels + 1) > c->n_slots) {
        partreg_status st = rehash(c, c->n_slots ? 2 * c->n_slots : 32);
        size_t mask = c->n_slots - 1;
        if (st != PARTREG_OK)
            return st;
        for (s = (size_t)h & mask; c->slots[s]; s = (s + 1) & mask)
            ;
    }
    c->level_off[c->n_levels] = c->pool_len;
    if (len)
        memcpy(c->pool + c->pool_len, text, len);
    c->pool[c->pool_len + len] = '\0';
    c->pool_len += len + 1;
    c->slots[s] = SLOT_TAG(h) | (uint64_t)(c->n_levels + 1);
    *code = (int)c->n_levels;
    c->n_levels++;
    return PARTREG_OK;
}

int partreg_table_level_code(const partreg_table *t, size_t j, const char *name)
{
    const partreg_column *c;
    size_t len, s;
    if (!t || !name || j >= t->n_cols || t->cols[j].type != PARTREG_COLUMN_CATEGORICAL)
        return -1;
    c = &t->cols[j];
    if (!c->n_slots)
        return -1;
    len = strlen(name);
    return level_lookup(c, hash_bytes(name, len), name, len, &s);
}

void partreg_table_set_levels_ordered(partreg_table *t, size_t j, int ordered)
{
    if (j < t->n_cols)
        t->cols[j].levels_ordered = ordered != 0;
}

partreg_status partreg_table_set_first_non_numeric(partreg_table *t, size_t j, long line,
                                                   const char *value, size_t len,
                                                   size_t n_numeric)
{
    partreg_column *c;
    char *v;
    if (j >= t->n_cols)
        return PARTREG_EINVAL;
    c = &t->cols[j];
    v = dup_n(value, len);
    if (!v)
        return PARTREG_ENOMEM;
    free(c->fnn_value);
    c->fnn_value = v;
    c->fnn_line = line;
    c->fnn_n_numeric = n_numeric;
    c->has_fnn = 1;
    return PARTREG_OK;
}

partreg_status partreg_table_alloc_row_lines(partreg_table *t, long **lines)
{
    size_t i, n = t->n_rows;
    long *l;
    *lines = NULL;
    if (n > SIZE_MAX / sizeof(long))
        return PARTREG_ENOMEM;
    l = malloc((n ? n : 1) * sizeof(long));
    if (!l)
        return PARTREG_ENOMEM;
    for (i = 0; i < n; i++)
        l[i] = (long)i + 2;
    free(t->row_lines);
    t->row_lines = l;
    *lines = l;
    return PARTREG_OK;
}

void partreg_table_adopt_row_lines(partreg_table *t, long *lines)
{
    free(t->row_lines);
    t->row_lines = lines;
}

double *partreg_table_numeric_mut(partreg_table *t, size_t j)
{
    return (t && j < t->n_cols && !t->cols[j].borrowed) ? t->cols[j].num : NULL;
}

int *partreg_table_codes_mut(partreg_table *t, size_t j)
{
    return (t && j < t->n_cols) ? t->cols[j].codes : NULL;
}

/* ---- public accessors ---------------------------------------------------- */

size_t partreg_table_n_rows(const partreg_table *table)
{
    return table ? table->n_rows : 0;
}

size_t partreg_table_n_columns(const partreg_table *table)
{
    return table ? table->n_cols : 0;
}

const char *partreg_table_column_name(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].name : NULL;
}

partreg_column_type partreg_table_column_type(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].type : PARTREG_COLUMN_NUMERIC;
}

const double *partreg_table_numeric(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].num : NULL;
}

const int *partreg_table_codes(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].codes : NULL;
}

size_t partreg_table_n_levels(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].n_levels : 0;
}

const char *partreg_table_level_name(const partreg_table *table, size_t j, size_t k)
{
    const partreg_column *c;
    if (!table || j >= table->n_cols)
        return NULL;
    c = &table->cols[j];
    return k < c->n_levels ? c->pool + c->level_off[k] : NULL;
}

int partreg_table_levels_ordered(const partreg_table *table, size_t j)
{
    return (table && j < table->n_cols) ? table->cols[j].levels_ordered : 0;
}

partreg_status partreg_table_make_decimal_comma(partreg_table *t, size_t j, double *data,
                                                long line, const char *value, size_t len)
{
    partreg_column *c;
    char *v;
    if (j >= t->n_cols || t->cols[j].type != PARTREG_COLUMN_CATEGORICAL)
        return PARTREG_EINVAL;
    v = dup_n(value, len);
    if (!v)
        return PARTREG_ENOMEM;
    c = &t->cols[j];
    free(c->codes);
    free(c->pool);
    free(c->level_off);
    free(c->slots);
    free(c->fnn_value);
    c->codes = NULL;
    c->pool = NULL;
    c->level_off = NULL;
    c->slots = NULL;
    c->fnn_value = NULL;
    c->pool_len = c->pool_cap = c->n_levels = c->cap_levels = c->n_slots = 0;
    c->has_fnn = 0;
    c->type = PARTREG_COLUMN_NUMERIC;
    c->num = data;
    c->dc_line = line;
    c->dc_value = v;
    return PARTREG_OK;
}

int partreg_table_decimal_comma(const partreg_table *table, size_t j, long *line,
                                const char **value)
{
    const partreg_column *c;
    if (!table || j >= table->n_cols)
        return 0;
    c = &table->cols[j];
    if (c->type != PARTREG_COLUMN_NUMERIC || !c->dc_value)
        return 0;
    if (line)
        *line = c->dc_line;
    if (value)
        *value = c->dc_value;
    return 1;
}

int partreg_table_first_non_numeric(const partreg_table *table, size_t j, long *line,
                                    const char **value, size_t *n_numeric)
{
    const partreg_column *c;
    if (!table || j >= table->n_cols)
        return 0;
    c = &table->cols[j];
    if (c->type != PARTREG_COLUMN_CATEGORICAL || !c->has_fnn || c->fnn_n_numeric == 0)
        return 0;
    if (line)
        *line = c->fnn_line;
    if (value)
        *value = c->fnn_value;
    if (n_numeric)
        *n_numeric = c->fnn_n_numeric;
    return 1;
}

long partreg_table_row_line(const partreg_table *table, size_t i)
{
    if (!table || i >= table->n_rows)
        return 0;
    return table->row_lines ? table->row_lines[i] : (long)i + 2;
}

const char *partreg_table_source(const partreg_table *table)
{
    if (!table)
        return NULL;
    return table->source ? table->source : "<buffer>";
}

/* ---- find_column with a suggestion --------------------------------------- */

/* Longest name considered for a suggestion (the distance costs O(m n)). */
#define SUGGEST_MAX_LEN 128

static size_t edit_distance(const char *a, size_t m, const char *b, size_t n, size_t *row0,
                            size_t *row1)
{
    size_t i, k;
    for (k = 0; k <= n; k++)
        row0[k] = k;
    for (i = 1; i <= m; i++) {
        row1[0] = i;
        for (k = 1; k <= n; k++) {
            size_t sub = row0[k - 1] + (tolower((unsigned char)a[i - 1]) !=
                                        tolower((unsigned char)b[k - 1]));
            size_t del = row0[k] + 1, ins = row1[k - 1] + 1;
            size_t best = sub < del ? sub : del;
            row1[k] = best < ins ? best : ins;
        }
        memcpy(row0, row1, (n + 1) * sizeof *row0);
    }
    return row0[n];
}

partreg_status partreg_table_find_column(const partreg_table *table, const char *name,
                                         size_t *j, partreg_error *err)
{
    size_t k, m, best = SIZE_MAX, best_j = 0;
    if (!table || !name || !j)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_table_find_column needs a table, a name and an output");
    for (k = 0; k < table->n_cols; k++) {
        if (strcmp(table->cols[k].name, name) == 0) {
            *j = k;
            partreg_error_clear(err);
            return PARTREG_OK;
        }
    }
    m = strlen(name);
    if (m <= SUGGEST_MAX_LEN) {
        size_t row0[SUGGEST_MAX_LEN + 1], row1[SUGGEST_MAX_LEN + 1];
        for (k = 0; k < table->n_cols; k++) {
            const char *cand = table->cols[k].name;
            size_t n = strlen(cand), d;
            size_t lo = m < n ? n - m : m - n;
            if (n > SUGGEST_MAX_LEN || lo >= best)
                continue;
            d = edit_distance(name, m, cand, n, row0, row1);
            if (d < best) {
                best = d;
                best_j = k;
            }
        }
    }
    /* a suggestion only when it is close: at most 2 edits (and not the whole
     * name), or at most a third of the name */
    if (best != SIZE_MAX && ((best <= 2 && best < m) || 3 * best <= m))
        return partreg_error_set_index(err, PARTREG_ENOTFOUND, -1,
                                       "unknown column '%s'; did you mean '%s'?", name,
                                       table->cols[best_j].name);
    {
        /* list the columns, as many as fit in the message */
        char list[PARTREG_ERROR_MESSAGE_SIZE / 2];
        size_t used = 0;
        list[0] = '\0';
        for (k = 0; k < table->n_cols; k++) {
            const char *cn = table->cols[k].name;
            size_t cl = strlen(cn);
            if (used + cl + 8 >= sizeof list) {
                memcpy(list + used, ", ...", 6);
                break;
            }
            if (k) {
                memcpy(list + used, ", ", 2);
                used += 2;
            }
            memcpy(list + used, cn, cl + 1);
            used += cl;
        }
        return partreg_error_set_index(err, PARTREG_ENOTFOUND, -1,
                                       "unknown column '%s'; the columns of %s are: %s", name,
                                       partreg_table_source(table), list);
    }
}

double *partreg_table_take_numeric(partreg_table *t, size_t j)
{
    if (!t || j >= t->n_cols || t->cols[j].type != PARTREG_COLUMN_NUMERIC ||
        t->cols[j].borrowed)
        return NULL;
    double *v = t->cols[j].num;
    t->cols[j].num = NULL;
    return v;
}
