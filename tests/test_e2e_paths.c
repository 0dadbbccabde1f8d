/* The fast paths of the `partreg fit` pipeline against plain reference
 * implementations, with exact equality:
 * - partreg_scored_sort against a stable comparison sort (qsort with the
 *   row index as tie-break) on ties, 0 and -0, 1, subnormals, and scores
 *   that all fall in one bucket;
 * - partreg_fit_binary_diagnostics against a plain implementation
 *   (qsort, partreg_link_cdf per row), bit for bit, for every link, with
 *   tied fitted values, weights and dropped columns, and on 1 to 3
 *   threads (same results, the first bad row's error);
 * - the column-wise design build (partreg_frame_create) against the
 *   per-row evaluation partreg_frame_design_row(), bit for bit, with the
 *   rows kept by listwise deletion checked against a cell-by-cell scan,
 *   and the same first non-finite term reported; the design on 1 to
 *   3 threads; a frame that takes its columns from the table it is handed
 *   against one that copies them;
 * - the CSV reader's one-scan numeric cells against its general path
 *   (an extra NA string turns the fast path off), bit for bit, and every
 *   number against strtod on hard cases (long mantissas, exponents beyond
 *   10^22, subnormals, signed zeros, CR, CRLF, missing cells);
 * - the reader's parse in chunks on several threads against one thread,
 *   bit for bit (values, row lines) or with the same error message, with
 *   chunk boundaries forced everywhere (min_bytes_per_thread = 1), on
 *   files the chunks accept and on files they must hand back (text, quotes
 *   with line breaks across a boundary, ragged rows), and a file whose
 *   parsed pages the chunks drop (then re-read by the sequential pass);
 * - files read in blocks from their head on against the same bytes read
 *   as a buffer: the same table or the same error. */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_vector.h>

#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_table.h"
#include "testutil.h"

#include "frame/frame_internal.h"
#include "inference/inference_internal.h"
#include "models/link.h"

/* ---- a deterministic generator (high-entropy, reproducible) ------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double rng_unif(void) { return (double)(rng_next() >> 11) * 0x1.0p-53; }

/* ---- the stable sort ------------------------------------------------------ */

typedef struct indexed {
    partreg_scored r;
    size_t i;
} indexed;

static int by_p_then_index(const void *a, const void *b)
{
    const indexed *x = a, *y = b;
    if (x->r.p < y->r.p)
        return -1;
    if (x->r.p > y->r.p)
        return 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void check_sort(const double *p, size_t n)
{
    partreg_scored *r = malloc((n ? n : 1) * sizeof *r);
    indexed *ref = malloc((n ? n : 1) * sizeof *ref);
    assert_true(r && ref);
    for (size_t i = 0; i < n; i++) {
        r[i].p = p[i];
        r[i].wy = (double)i; /* the payload tells the rows apart */
        ref[i].r = r[i];
        ref[i].i = i;
    }
    qsort(ref, n, sizeof *ref, by_p_then_index);
    assert_int_equal(partreg_scored_sort(r, n), PARTREG_OK);
    for (size_t i = 0; i < n; i++) {
        assert_memory_equal(&r[i].p, &ref[i].r.p, sizeof(double));
        assert_true(r[i].wy == ref[i].r.wy);
    }
    free(r);
    free(ref);
}

static void test_sort(void **state)
{
    (void)state;
    size_t n = 200003;
    double *p = malloc(n * sizeof *p);
    assert_non_null(p);
    /* spread over (0, 1) */
    for (size_t i = 0; i < n; i++)
        p[i] = rng_unif();
    check_sort(p, n);
    /* many ties: 37 distinct values, with 0, -0 and 1 among them */
    for (size_t i = 0; i < n; i++) {
        size_t k = rng_next() % 37;
        p[i] = k == 0 ? 0.0 : k == 1 ? -0.0 : k == 2 ? 1.0 : (double)k / 41.0;
    }
    check_sort(p, n);
    /* everything in one bucket: the merge sort, with ties */
    for (size_t i = 0; i < n; i++)
        p[i] = 0.375 + (double)(rng_next() % 5000) * 0x1.0p-40;
    check_sort(p, n);
    /* subnormals, tiny and near-1 scores */
    for (size_t i = 0; i < n; i++) {
        size_t k = rng_next() % 4;
        double u = rng_unif();
        p[i] = k == 0 ? u * 0x1.0p-1060 : k == 1 ? u * 1e-300 : k == 2 ? 1.0 - u * 1e-12 : u;
    }
    check_sort(p, n);
    /* sorted, reversed, tiny */
    for (size_t i = 0; i < n; i++)
        p[i] = (double)i / (double)n;
    check_sort(p, n);
    for (size_t i = 0; i < n; i++)
        p[i] = 1.0 - (double)i / (double)n;
    check_sort(p, n);
    check_sort(p, 0);
    check_sort(p, 1);
    check_sort(p, 33);
    /* out of range: refused, rows unchanged */
    partreg_scored bad[3] = {{0.5, 0}, {NAN, 1}, {0.25, 2}};
    assert_int_equal(partreg_scored_sort(bad, 3), PARTREG_EINVAL);
    assert_true(bad[0].p == 0.5 && bad[2].p == 0.25);
    partreg_scored big[2] = {{0.5, 0}, {1.5, 1}};
    assert_int_equal(partreg_scored_sort(big, 2), PARTREG_EINVAL);
    free(p);
}

/* ---- binary diagnostics: a plain implementation -------------------------- */

typedef struct scored3 {
    double p, y, w;
} scored3;

static int old_by_p(const void *a, const void *b)
{
    double x = ((const scored3 *)a)->p, y = ((const scored3 *)b)->p;
    return (x > y) - (x < y);
}

/* A stable merge sort with old_by_p: the order glibc's qsort gave. */
static void old_sort(scored3 *a, size_t n, scored3 *tmp)
{
    if (n < 2)
        return;
    size_t m = n / 2;
    old_sort(a, m, tmp);
    old_sort(a + m, n - m, tmp);
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        tmp[k++] = old_by_p(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
    while (i < m)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* diagnostics.c before the fast path, for the default options */
static void old_diagnostics(const partreg_fit *fit, const partreg_data *data, size_t hl_groups,
                            double cutoff, partreg_binary_diagnostics *out)
{
    size_t n = data->n, p = data->p, used = 0;
    scored3 *r = malloc(n * sizeof *r), *tmp = malloc(n * sizeof *tmp);
    assert_true(r && tmp);
    double W = 0, W1 = 0, brier = 0, tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        double w = data->w ? data->w[i] : 1.0, y = data->y[i];
        const double *x = data->X + i * p;
        double eta = 0.0;
        for (size_t j = 0; j < p; j++)
            if (!partreg_fit_column_dropped(fit, j))
                eta += x[j] * gsl_vector_get(partreg_fit_coef(fit), j);
        if (w == 0.0)
            continue;
        double pr = partreg_link_cdf(partreg_fit_link(fit), eta);
        r[used].p = pr;
        r[used].y = y;
        r[used].w = w;
        used++;
        W += w;
        W1 += w * y;
        brier += w * (y - pr) * (y - pr);
        if (pr >= cutoff) {
            if (y == 1.0) tp += w; else fp += w;
        } else {
            if (y == 1.0) fn += w; else tn += w;
        }
    }
    double W0 = W - W1;
    old_sort(r, used, tmp);
    double G = (double)hl_groups, C = 0.0, gN = 0, gO = 0, gE = 0, hl = 0.0;
    size_t group = 0, groups = 0;
    double below0 = 0.0, auc_sum = 0.0;
    for (size_t a = 0; a < used;) {
        size_t b = a;
        double t1 = 0.0, t0 = 0.0, te = 0.0;
        for (; b < used && r[b].p == r[a].p; b++) {
            t1 += r[b].w * r[b].y;
            t0 += r[b].w * (1.0 - r[b].y);
            te += r[b].w * r[b].p;
        }
        C += t1 + t0;
        double gq = ceil(G * C / W);
        size_t g = gq < 1 ? 1 : (gq > G ? hl_groups : (size_t)gq);
        if (g != group && gN > 0) {
            hl += (gO - gE) * (gO - gE) / (gE * (1.0 - gE / gN));
            groups++;
            gN = gO = gE = 0.0;
        }
        group = g;
        gN += t1 + t0;
        gO += t1;
        gE += te;
        auc_sum += t1 * (below0 + 0.5 * t0);
        below0 += t0;
        a = b;
    }
    if (gN > 0) {
        hl += (gO - gE) * (gO - gE) / (gE * (1.0 - gE / gN));
        groups++;
    }
    double auc = auc_sum / (W1 * W0);
    double s10 = 0.0, s01 = 0.0, b0 = 0.0, b1 = 0.0;
    for (size_t a = 0; a < used;) {
        size_t b = a;
        double t1 = 0.0, t0 = 0.0;
        for (; b < used && r[b].p == r[a].p; b++) {
            t1 += r[b].w * r[b].y;
            t0 += r[b].w * (1.0 - r[b].y);
        }
        double v10 = (b0 + 0.5 * t0) / W0;
        double v01 = (W1 - b1 - t1 + 0.5 * t1) / W1;
        s10 += t1 * (v10 - auc) * (v10 - auc);
        s01 += t0 * (v01 - auc) * (v01 - auc);
        b0 += t0;
        b1 += t1;
        a = b;
    }
    out->hl_chi2 = hl;
    out->hl_groups = groups;
    out->auc = auc;
    out->auc_se = sqrt(s10 / (W1 - 1.0) / W1 + s01 / (W0 - 1.0) / W0);
    out->brier = brier / W;
    out->true_pos = tp;
    out->false_pos = fp;
    out->true_neg = tn;
    out->false_neg = fn;
    free(r);
    free(tmp);
}

#define SAME(a, b) assert_memory_equal(&(a), &(b), sizeof(double))

static void check_diagnostics(partreg_link link, int weighted, int discrete, int dup_col)
{
    size_t n = 30011, p = 5;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * p;
        x[0] = 1.0;
        x[1] = discrete ? (double)(rng_next() % 4) : 2.385 * (rng_unif() - 0.5);
        x[2] = discrete ? (double)(rng_next() % 3) : rng_unif() * rng_unif();
        x[3] = dup_col ? 2.0 * x[1] : rng_unif() - 0.3;
        x[4] = discrete ? (double)(rng_next() % 2) : -1.7 * rng_unif();
        double eta = -0.4 + 0.8 * x[1] - 0.6 * x[2] + 0.3 * x[3] + 0.5 * x[4];
        y[i] = rng_unif() < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        w[i] = weighted ? (double)(rng_next() % 4) * 0.75 : 1.0;
    }
    partreg_data d = {n, p, X, 0, y, weighted ? w : NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_status st = partreg_fit_create(&d, PARTREG_BINARY, link, NULL, &fit, NULL);
    assert_true(st == PARTREG_OK || st == PARTREG_ENOTCONVERGED);
    partreg_binary_diagnostics a, b;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, NULL, &a, NULL), PARTREG_OK);
    old_diagnostics(fit, &d, 10, 0.5, &b);
    SAME(a.hl_chi2, b.hl_chi2);
    assert_int_equal(a.hl_groups, b.hl_groups);
    SAME(a.auc, b.auc);
    SAME(a.auc_se, b.auc_se);
    SAME(a.brier, b.brier);
    SAME(a.true_pos, b.true_pos);
    SAME(a.false_pos, b.false_pos);
    SAME(a.true_neg, b.true_neg);
    SAME(a.false_neg, b.false_neg);
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(w);
}

static void test_diagnostics_unchanged(void **state)
{
    (void)state;
    const partreg_link links[4] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                   PARTREG_CAUCHIT};
    for (size_t k = 0; k < 4; k++) {
        check_diagnostics(links[k], 0, 0, 0);
        check_diagnostics(links[k], 1, 1, 0);
    }
    check_diagnostics(PARTREG_LOGIT, 0, 1, 0); /* few distinct p: ties */
    check_diagnostics(PARTREG_LOGIT, 1, 0, 1); /* a dropped column */
}

/* The fitted values on several threads give the one-thread diagnostics bit
 * for bit, and the first bad row's error. */
static void test_diagnostics_threads(void **state)
{
    (void)state;
    size_t n = 200003, p = 3;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    for (size_t i = 0; i < n; i++) {
        X[i * p] = 1.0;
        X[i * p + 1] = (double)(rng_next() % 7) - 3.0;
        X[i * p + 2] = 2.385 * (rng_unif() - 0.5);
        double eta = 0.3 + 0.5 * X[i * p + 1] - 0.8 * X[i * p + 2];
        y[i] = rng_unif() < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        w[i] = (double)(rng_next() % 3) * 1.25;
    }
    partreg_data d = {n, p, X, 0, y, w, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    partreg_binary_diagnostics_options opt = partreg_binary_diagnostics_options_default();
    partreg_binary_diagnostics a, b;
    opt.threads = 1;
    assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &a, NULL), PARTREG_OK);
    static const int counts[3] = {2, 3, 0};
    for (size_t k = 0; k < 3; k++) {
        opt.threads = counts[k];
        assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &b, NULL), PARTREG_OK);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* bad rows in the third and second thirds: the earlier is reported */
    y[180001] = 0.5;
    X[140002 * p + 2] = INFINITY;
    for (int th = 1; th <= 3; th++) {
        partreg_error err;
        opt.threads = th;
        assert_int_equal(partreg_fit_binary_diagnostics(fit, &d, &opt, &b, &err), PARTREG_EDATA);
        assert_string_equal(err.message, "row 140003 has a non-finite value");
    }
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(w);
}

/* ---- the model frame ----------------------------------------------------- */

/* A CSV of n rows: y binary, o ordinal (4 levels), a and b numbers (b > 0
 * except where noted), k a small integer, g and h text; about 3% of cells
 * missing, spread over the columns. */
static char *frame_csv(size_t n, size_t *len)
{
    size_t cap = 64 + n * 96, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    used += (size_t)snprintf(s, cap, "y,o,a,b,k,g,h\n");
    static const char *const gl[3] = {"north", "south", "east"}, *const hl[2] = {"x", "y"};
    for (size_t i = 0; i < n; i++) {
        char cell[7][32];
        snprintf(cell[0], 32, "%d", (int)(rng_next() % 2));
        snprintf(cell[1], 32, "%d", (int)(rng_next() % 4));
        snprintf(cell[2], 32, "%.6g", 4.77 * (rng_unif() - 0.4));
        snprintf(cell[3], 32, "%.5g", 0.01 + 3.1 * rng_unif());
        snprintf(cell[4], 32, "%d", (int)(rng_next() % 3));
        snprintf(cell[5], 32, "%s", gl[rng_next() % 3]);
        snprintf(cell[6], 32, "%s", hl[rng_next() % 2]);
        if (rng_next() % 5 == 0)
            snprintf(cell[rng_next() % 7], 32, "%s", rng_next() % 2 ? "" : "NA");
        used += (size_t)snprintf(s + used, cap - used, "%s,%s,%s,%s,%s,%s,%s\n", cell[0], cell[1],
                                 cell[2], cell[3], cell[4], cell[5], cell[6]);
    }
    *len = used;
    return s;
}

static int cell_present(const partreg_table *t, const char *name, size_t r)
{
    size_t j;
    assert_int_equal(partreg_table_find_column(t, name, &j, NULL), PARTREG_OK);
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC)
        return !isnan(partreg_table_numeric(t, j)[r]);
    return partreg_table_codes(t, j)[r] >= 0;
}

static void check_frame(const partreg_table *t, const char *formula, const char *const *cols,
                        size_t n_cols, int family)
{
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse(formula, &f, &err), PARTREG_OK);
    partreg_frame_options opt = partreg_frame_options_default();
    if (family >= 0) {
        opt.family_auto = 0;
        opt.family = (partreg_family)family;
    }
    partreg_status st = partreg_frame_create(t, f, &opt, &fr, &err);
    if (st != PARTREG_OK)
        print_error("%s: %s\n", formula, err.message);
    assert_int_equal(st, PARTREG_OK);
    /* listwise deletion: the rows with every used cell present */
    size_t N = partreg_table_n_rows(t), n = 0;
    const size_t *rows = partreg_frame_row_index(fr);
    for (size_t r = 0; r < N; r++) {
        size_t k = 0;
        while (k < n_cols && cell_present(t, cols[k], r))
            k++;
        if (k == n_cols) {
            assert_true(n < partreg_frame_n_rows(fr));
            assert_int_equal(rows[n], r);
            n++;
        }
    }
    assert_int_equal(n, partreg_frame_n_rows(fr));
    assert_int_equal(partreg_frame_n_dropped(fr), N - n);
    /* every design row as the per-row evaluation gives it */
    partreg_data d;
    partreg_frame_data(fr, &d);
    double *x = malloc(d.p * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(partreg_frame_design_row(fr, i, NULL, 0, -1, x, NULL, &err), PARTREG_OK);
        assert_memory_equal(x, d.X + i * d.p, d.p * sizeof *x);
    }
    free(x);
    /* the outcome (y or o, levels 0, 1, ... all observed) coded by value */
    size_t yj;
    assert_int_equal(partreg_table_find_column(t, cols[0], &yj, NULL), PARTREG_OK);
    for (size_t i = 0; i < d.n; i++)
        assert_true(d.y[i] == partreg_table_numeric(t, yj)[rows[i]]);
    partreg_frame_free(fr);
    partreg_formula_free(f);
}

static void test_frame_unchanged(void **state)
{
    (void)state;
    size_t len;
    char *csv = frame_csv(1337, &len);
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(csv, len, "frame.csv", NULL, &t, NULL),
                     PARTREG_OK);
    static const char *const c1[] = {"y", "a", "b"};
    check_frame(t, "y ~ a + b", c1, 3, -1);
    static const char *const c2[] = {"y", "a", "g", "b"};
    check_frame(t, "y ~ a*g + log(b) + I(a^2) + exp(a/3)", c2, 4, -1);
    static const char *const c3[] = {"y", "g", "h", "a", "b"};
    check_frame(t, "y ~ g:h + a:b + sqrt(b) - 1", c3, 5, -1);
    static const char *const c4[] = {"y", "g", "a"};
    check_frame(t, "y ~ g + a - 1", c4, 3, -1);
    static const char *const c5[] = {"y", "k", "a", "h"};
    check_frame(t, "y ~ factor(k)*a + h:a:factor(k)", c5, 4, -1);
    static const char *const c6[] = {"o", "a", "g", "b"};
    check_frame(t, "o ~ a + g*b + log(b):g", c6, 4, -1);
    partreg_table_free(t);
    free(csv);
}

/* The first non-finite term is named as the per-row build names it: first
 * row, then first term in that row; rows are in the second block of the
 * bulk build. */
static void test_frame_bad_value(void **state)
{
    (void)state;
    size_t n = 700, cap = 64 + n * 32, used = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    used += (size_t)snprintf(csv, cap, "y,a,b\n");
    for (size_t i = 0; i < n; i++) {
        double a = 0.5 + (double)(i % 7), b = 1.5 + (double)(i % 5);
        if (i == 300)
            a = -1.0; /* sqrt(a) bad here */
        if (i == 300 || i == 450)
            b = 0.0; /* log(b) bad here */
        used += (size_t)snprintf(csv + used, cap - used, "%d,%g,%g\n", (int)(i % 2), a, b);
    }
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(csv, used, "bad.csv", NULL, &t, NULL),
                     PARTREG_OK);
    static const char *const formulas[3] = {"y ~ log(b) + sqrt(a)", "y ~ sqrt(a) + log(b)",
                                            "y ~ a + log(b)"};
    /* data row i is on line i + 2 */
    static const char *const want[3] = {"'log(b)' is not a finite number on line 302",
                                        "'sqrt(a)' is not a finite number on line 302",
                                        "'log(b)' is not a finite number on line 302"};
    for (size_t k = 0; k < 3; k++) {
        partreg_formula *f = NULL;
        partreg_frame *fr = NULL;
        partreg_error err;
        assert_int_equal(partreg_formula_parse(formulas[k], &f, NULL), PARTREG_OK);
        assert_int_equal(partreg_frame_create(t, f, NULL, &fr, &err), PARTREG_EDATA);
        assert_null(fr);
        assert_contains(err.message, want[k]);
        assert_int_equal(err.line, 302);
        partreg_formula_free(f);
    }
    partreg_table_free(t);
    free(csv);
}

/* The design matrix on several threads (ranges of 65,536+ rows) is the
 * one-thread matrix, and the error is the first bad row's. */
static void test_frame_threads(void **state)
{
    (void)state;
    size_t n = 200003, cap = 64 + n * 40, used = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    used += (size_t)snprintf(csv, cap, "y,a,b,g\n");
    static const char *const gl[3] = {"u", "v", "w"};
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(csv + used, cap - used, "%d,%.5f,%.4f,%s\n",
                                 (int)(rng_next() % 2), 3.3 * (rng_unif() - 0.5),
                                 0.05 + rng_unif(), gl[rng_next() % 3]);
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(csv, used, "big.csv", NULL, &t, NULL),
                     PARTREG_OK);
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("y ~ a*g + log(b) + I(a^2)", &f, NULL), PARTREG_OK);
    partreg_frame *one = NULL;
    partreg_frame_options opt = partreg_frame_options_default();
    opt.threads = 1;
    assert_int_equal(partreg_frame_create(t, f, &opt, &one, NULL), PARTREG_OK);
    partreg_data d1;
    partreg_frame_data(one, &d1);
    static const int counts[3] = {2, 3, 0};
    for (size_t k = 0; k < 3; k++) {
        partreg_frame *many = NULL;
        opt.threads = counts[k];
        assert_int_equal(partreg_frame_create(t, f, &opt, &many, NULL), PARTREG_OK);
        partreg_data d2;
        partreg_frame_data(many, &d2);
        assert_int_equal(d2.n, d1.n);
        assert_int_equal(d2.p, d1.p);
        assert_memory_equal(d2.X, d1.X, d1.n * d1.p * sizeof(double));
        partreg_frame_free(many);
    }
    partreg_frame_free(one);
    partreg_formula_free(f);
    partreg_table_free(t);

    /* bad values in the second and third ranges: the earlier is named */
    size_t at[2] = {170001, 120007};
    for (size_t k = 0; k < 2; k++) {
        char *line = csv + 8; /* after the header */
        for (size_t r = 0; r < at[k]; r++)
            line = strchr(line, '\n') + 1;
        char *comma = strchr(strchr(line, ',') + 1, ','); /* b's cell */
        memcpy(comma + 1, "0.0000", 6);                   /* log(0) */
    }
    assert_int_equal(partreg_table_read_csv_buffer(csv, used, "big.csv", NULL, &t, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_formula_parse("y ~ a*g + log(b) + I(a^2)", &f, NULL), PARTREG_OK);
    for (size_t k = 0; k < 3; k++) {
        partreg_frame *fr = NULL;
        partreg_error err;
        opt.threads = 1 + (int)k;
        assert_int_equal(partreg_frame_create(t, f, &opt, &fr, &err), PARTREG_EDATA);
        assert_contains(err.message, "'log(b)' is not a finite number on line 120009");
    }
    partreg_formula_free(f);
    partreg_table_free(t);
    free(csv);
}

/* A frame that takes columns from a table it is handed is the frame
 * partreg_frame_create() builds: same rows, design, outcome, weights and
 * variable values (with and without dropped rows, with the weights column
 * also a predictor, so it must not be taken). */
static void check_taking(const char *csv, const char *formula, const char *weights)
{
    partreg_table *t1 = NULL, *t2 = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(csv, strlen(csv), "k.csv", NULL, &t1, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_table_read_csv_buffer(csv, strlen(csv), "k.csv", NULL, &t2, NULL),
                     PARTREG_OK);
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse(formula, &f, NULL), PARTREG_OK);
    partreg_frame_options opt = partreg_frame_options_default();
    opt.weights = weights;
    partreg_frame *a = NULL, *b = NULL;
    assert_int_equal(partreg_frame_create(t1, f, &opt, &a, NULL), PARTREG_OK);
    assert_int_equal(partreg_frame_create_taking(t2, f, &opt, &b, NULL), PARTREG_OK);
    partreg_table_free(t2); /* the frame must not need it any more */
    partreg_data da, db;
    partreg_frame_data(a, &da);
    partreg_frame_data(b, &db);
    assert_int_equal(da.n, db.n);
    assert_int_equal(da.p, db.p);
    assert_memory_equal(da.X, db.X, da.n * da.p * sizeof(double));
    assert_memory_equal(da.y, db.y, da.n * sizeof(double));
    if (weights)
        assert_memory_equal(da.w, db.w, da.n * sizeof(double));
    assert_memory_equal(partreg_frame_row_index(a), partreg_frame_row_index(b),
                        da.n * sizeof(size_t));
    for (size_t v = 0; v < partreg_frame_n_variables(a); v++)
        if (!partreg_frame_variable_is_categorical(a, v))
            assert_memory_equal(partreg_frame_variable_values(a, v),
                                partreg_frame_variable_values(b, v), da.n * sizeof(double));
    partreg_frame_free(a);
    partreg_frame_free(b);
    partreg_formula_free(f);
    partreg_table_free(t1);
}

static void test_frame_taking(void **state)
{
    (void)state;
    size_t len;
    char *csv = frame_csv(997, &len); /* with missing cells: rows dropped */
    check_taking(csv, "y ~ a + log(b) + g", NULL);
    free(csv);
    static const char *const full = "y,a,b,g\n1,0.5,2.25,u\n0,-1.5,0.75,v\n1,2.5,1.5,u\n"
                                    "0,0.25,3.5,v\n1,-0.75,0.5,u\n0,1.75,2.75,v\n";
    check_taking(full, "y ~ a + log(b) + g", NULL);
    check_taking(full, "y ~ a + b", "b");
    check_taking(full, "a ~ b + y", NULL); /* numeric outcome a, predictor y */
}

/* ---- the CSV reader ------------------------------------------------------ */

/* Two tables are the same: names, types, every value bit for bit, levels,
 * row lines and first non-numeric cells. */
static void assert_same_table(const partreg_table *a, const partreg_table *b)
{
    size_t n = partreg_table_n_rows(a), nc = partreg_table_n_columns(a);
    assert_int_equal(partreg_table_n_rows(b), n);
    assert_int_equal(partreg_table_n_columns(b), nc);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(partreg_table_row_line(a, i), partreg_table_row_line(b, i));
    for (size_t j = 0; j < nc; j++) {
        assert_string_equal(partreg_table_column_name(a, j), partreg_table_column_name(b, j));
        assert_int_equal(partreg_table_column_type(a, j), partreg_table_column_type(b, j));
        long la = 0, lb = 0;
        const char *va = NULL, *vb = NULL;
        size_t na = 0, nb = 0;
        int fa = partreg_table_first_non_numeric(a, j, &la, &va, &na);
        int fb = partreg_table_first_non_numeric(b, j, &lb, &vb, &nb);
        assert_int_equal(fa, fb);
        if (fa) {
            assert_int_equal(la, lb);
            assert_string_equal(va, vb);
            assert_int_equal(na, nb);
        }
        if (partreg_table_column_type(a, j) == PARTREG_COLUMN_NUMERIC) {
            if (n)
                assert_memory_equal(partreg_table_numeric(a, j), partreg_table_numeric(b, j),
                                    n * sizeof(double));
            continue;
        }
        if (n)
            assert_memory_equal(partreg_table_codes(a, j), partreg_table_codes(b, j),
                                n * sizeof(int));
        assert_int_equal(partreg_table_n_levels(a, j), partreg_table_n_levels(b, j));
        for (size_t k = 0; k < partreg_table_n_levels(a, j); k++)
            assert_string_equal(partreg_table_level_name(a, j, k),
                                partreg_table_level_name(b, j, k));
    }
}

/* Read buf with the defaults and with the fast numeric path off (an NA
 * string that never occurs); both must give the same table or the same
 * error. Returns the table read with the defaults (or NULL). */
static partreg_table *read_both(const char *buf, size_t len, partreg_status want)
{
    static const char *const never[1] = {"@@never@@"};
    partreg_read_options slow = partreg_read_options_default();
    slow.na_strings = never;
    slow.n_na_strings = 1;
    partreg_table *a = NULL, *b = NULL;
    partreg_error ea, eb;
    assert_int_equal(partreg_table_read_csv_buffer(buf, len, "t.csv", NULL, &a, &ea), want);
    assert_int_equal(partreg_table_read_csv_buffer(buf, len, "t.csv", &slow, &b, &eb), want);
    if (want != PARTREG_OK) {
        assert_string_equal(ea.message, eb.message);
        assert_int_equal(ea.line, eb.line);
        return NULL;
    }
    assert_same_table(a, b);
    partreg_table_free(b);
    return a;
}

static const char *const hard_numbers[] = {
    "0", "-0", "0.0", "-0.0", "1", "-1", "7.", ".5", "-.25", "123456789012345",
    "-999999999999999", "1234567890123456", "12345678901234567", "9007199254740993",
    "9007199254740992", "0.1", "0.3", "0.30000000000000004", "2.385", "1e22", "1e23",
    "-1e-22", "1.5e-22", "8.5e-23", "1e+5", "1E5", "3.25e0", "4.9e-324", "5e-324",
    "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
    "123.456e-5", "0.000000000000001", "0.0000000000000001", "100000000000000000000000",
    "179769313486231570000000000000000000000000000000000000000000000000000000000000000000",
    "0.1000000000000000055511151231257827", "00000000000000000000000000001.5", "-0e5",
    "1.00000000000000011102230246251565404236316680908203125", "1e-400", "-1e-400"};

static void test_csv_numbers(void **state)
{
    (void)state;
    size_t nh = sizeof hard_numbers / sizeof *hard_numbers, cap = 1 << 20, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    /* column a: the hard cases and random decimals; b: random, with empty
     * and NA cells; rows end in LF or CRLF; the last has no line end */
    size_t rows = 4000;
    used += (size_t)snprintf(buf, cap, "a,b\n");
    char (*text)[64] = malloc(rows * sizeof *text);
    assert_non_null(text);
    for (size_t i = 0; i < rows; i++) {
        if (i < nh) {
            snprintf(text[i], 64, "%s", hard_numbers[i]);
        } else {
            int digits = 1 + (int)(rng_next() % 19), ex = (int)(rng_next() % 61) - 30;
            char mant[32];
            for (int d = 0; d < digits; d++)
                mant[d] = (char)('0' + rng_next() % 10);
            mant[digits] = '\0';
            int dot = (int)(rng_next() % (unsigned)(digits + 1));
            snprintf(text[i], 64, "%s%.*s.%se%d", rng_next() % 2 ? "-" : "", dot, mant,
                     mant + dot, ex);
            if (rng_next() % 3 == 0) /* no exponent */
                snprintf(text[i], 64, "%.*s.%s", dot, mant, mant + dot);
        }
        const char *b = rng_next() % 10 == 0 ? (rng_next() % 2 ? "" : "NA") : "0.625";
        used += (size_t)snprintf(buf + used, cap - used, "%s,%s%s", text[i], b,
                                 i + 1 == rows ? "" : (i % 3 ? "\n" : "\r\n"));
    }
    partreg_table *t = read_both(buf, used, PARTREG_OK);
    assert_int_equal(partreg_table_column_type(t, 0), PARTREG_COLUMN_NUMERIC);
    const double *a = partreg_table_numeric(t, 0);
    for (size_t i = 0; i < rows; i++) {
        double want = strtod(text[i], NULL);
        if (!isfinite(want))
            continue; /* not reached: the hard cases are finite */
        if (memcmp(&a[i], &want, sizeof want) != 0) {
            print_error("'%s': got %.17g, strtod %.17g\n", text[i], a[i], want);
            fail();
        }
    }
    partreg_table_free(t);

    /* cells the fast path must hand over: spaces, quotes, a lone CR, text,
     * a bad exponent; each file is read both ways */
    static const char *const files[] = {
        "x,y\n1.5 ,2\n3,4\n",        "x,y\n\"1.5\",2\n3,4\n",      "x,y\n1.5\r2,3\n4,5\n",
        "x,y\n1e,2\n3,4\n",           "x,y\n1e+,2\n3,4\n",          "x,y\n-,2\n3,4\n",
        "x,y\n.,2\n3,4\n",            "x,y\n12a,2\n3,4\n",          "x,y\n1,2,3\n4,5\n",
        "x,y\n1\n4,5\n",              "x,y\n\n\n1,2\r\n\r\n3,4",    "x;y\n1,5;2\n3;4\n",
        "x,y\n 1.5,2\n3,4\n",         "x,y\n1.5,2\r\n3,4\r",        "x,y\nNA,2\n,4\n5,\n",
        "x\n1\n\n2\n",                "x,y\n1e999,2\n3,4\n",        "x,y\n0x10,2\n3,4\n"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        partreg_table *a1 = NULL;
        partreg_status st = partreg_table_read_csv_buffer(files[k], strlen(files[k]), "t.csv", NULL,
                                                          &a1, NULL);
        partreg_table_free(a1);
        partreg_table_free(read_both(files[k], strlen(files[k]), st));
    }
    free(text);
    free(buf);
}

/* The chunks' conversion of plain decimals (csv_lex_number_plain) against
 * the general conversion and strtod, bit for bit: 200000 random numbers
 * the chunks accept (at most 15 digits, leading zeros counted; a sign;
 * the point anywhere or absent; some with exponents, which it hands on),
 * rows ending in LF or CRLF, read in chunks on several threads. */
static void test_csv_numbers_chunks(void **state)
{
    (void)state;
    size_t rows = 200000, cap = 64 + rows * 64, used = 0;
    char *buf = malloc(cap);
    char (*text)[48] = malloc(rows * sizeof *text);
    assert_true(buf && text);
    used += (size_t)snprintf(buf, cap, "a,b\n");
    for (size_t i = 0; i < rows; i++) {
        int digits = 1 + (int)(rng_next() % 15), form = (int)(rng_next() % 8);
        char mant[32];
        for (int d = 0; d < digits; d++)
            mant[d] = (char)('0' + rng_next() % 10);
        if (form == 0) /* leading zeros */
            for (int d = 0; d < digits / 2; d++)
                mant[d] = '0';
        mant[digits] = '\0';
        int dot = (int)(rng_next() % (unsigned)(digits + 1));
        const char *sign = rng_next() % 2 ? "-" : "";
        if (form == 1)
            snprintf(text[i], 48, "%s%s", sign, mant); /* an integer */
        else if (form == 2)
            snprintf(text[i], 48, "%s%.*s.%se%d", sign, dot, mant, mant + dot,
                     (int)(rng_next() % 15) - 7);
        else
            snprintf(text[i], 48, "%s%.*s.%s", sign, dot, mant, mant + dot);
        used += (size_t)snprintf(buf + used, cap - used, "%s,%d%s", text[i], (int)(i % 7),
                                 i + 1 == rows ? "" : (i % 11 ? "\n" : "\r\n"));
    }
    static const char *const never[1] = {"@@never@@"};
    partreg_read_options slow = partreg_read_options_default();
    slow.na_strings = never;
    slow.n_na_strings = 1;
    partreg_table *ref = NULL;
    assert_int_equal(partreg_table_read_csv_buffer(buf, used, "t.csv", &slow, &ref, NULL),
                     PARTREG_OK);
    const double *r = partreg_table_numeric(ref, 0);
    for (size_t i = 0; i < rows; i++) {
        double want = strtod(text[i], NULL);
        if (memcmp(&r[i], &want, sizeof want) != 0) {
            print_error("'%s': general %.17g, strtod %.17g\n", text[i], r[i], want);
            fail();
        }
    }
    static const int counts[3] = {2, 3, 8};
    for (size_t k = 0; k < 3; k++) {
        partreg_read_options many = partreg_read_options_default();
        many.threads = counts[k];
        many.min_bytes_per_thread = 1;
        partreg_table *t = NULL;
        assert_int_equal(partreg_table_read_csv_buffer(buf, used, "t.csv", &many, &t, NULL),
                         PARTREG_OK);
        const double *a = partreg_table_numeric(t, 0);
        for (size_t i = 0; i < rows; i++)
            if (memcmp(&a[i], &r[i], sizeof *a) != 0) {
                print_error("'%s': chunks %.17g, general %.17g\n", text[i], a[i], r[i]);
                fail();
            }
        assert_same_table(ref, t);
        partreg_table_free(t);
    }
    partreg_table_free(ref);
    free(text);
    free(buf);
}

/* Read buf on 1 thread and on several with tiny chunks: same table, or the
 * same error. */
static void check_threads(const char *buf, size_t len)
{
    partreg_read_options one = partreg_read_options_default();
    one.threads = 1;
    partreg_table *a = NULL;
    partreg_error ea;
    partreg_status sa = partreg_table_read_csv_buffer(buf, len, "t.csv", &one, &a, &ea);
    static const int counts[4] = {2, 3, 7, 64};
    for (size_t k = 0; k < 4; k++) {
        partreg_read_options many = partreg_read_options_default();
        many.threads = counts[k];
        many.min_bytes_per_thread = 1;
        partreg_table *b = NULL;
        partreg_error eb;
        assert_int_equal(partreg_table_read_csv_buffer(buf, len, "t.csv", &many, &b, &eb), sa);
        if (sa == PARTREG_OK)
            assert_same_table(a, b);
        else {
            assert_string_equal(ea.message, eb.message);
            assert_int_equal(ea.line, eb.line);
            assert_int_equal(ea.column, eb.column);
        }
        partreg_table_free(b);
    }
    partreg_table_free(a);
}

static void test_csv_threads(void **state)
{
    (void)state;
    size_t rows = 20011, cap = 64 + rows * 80, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    used += (size_t)snprintf(buf, cap, "y,x1,x2,x3\n");
    for (size_t i = 0; i < rows; i++) {
        char c[4][32];
        snprintf(c[0], 32, "%d", (int)(rng_next() % 2));
        snprintf(c[1], 32, "%.4f", 2.385 * (rng_unif() - 0.5));
        snprintf(c[2], 32, "%.10g", rng_unif() * 1e-3);
        snprintf(c[3], 32, "%.3e", -7.5 * rng_unif());
        if (rng_next() % 13 == 0)
            snprintf(c[rng_next() % 4], 32, "%s", rng_next() % 2 ? "" : "NA");
        const char *eol = rng_next() % 5 == 0 ? "\r\n" : rng_next() % 50 == 0 ? "\n\n" : "\n";
        used += (size_t)snprintf(buf + used, cap - used, "%s,%s,%s,%s%s", c[0], c[1], c[2], c[3],
                                 i + 1 == rows ? "" : eol);
    }
    check_threads(buf, used);
    /* with the trailing line end */
    buf[used] = '\n';
    check_threads(buf, used + 1);

    /* files the chunks hand back: text late in the file, a quoted field
     * with a line break, a ragged row, a bad byte; each at several places */
    size_t body = used;
    static const char *const tails[] = {"\n1,abc,2,3\n", "\n1,\"2\n.5\",3,4\n", "\n1,2,3\n",
                                        "\n1,2,3,4,5\n", "\n1,\xff,2,3\n", "\n1, 2,3,4\n",
                                        "\n1,\"2\",3,4\n", "\n1,-9999,3,4e300\n",
                                        "\n1,0.12345678901234567,3,4\n"};
    for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
        size_t where[3] = {40, body / 2, body};
        for (size_t w = 0; w < 3; w++) {
            /* insert the tail's record after the line ending at or after where[w] */
            size_t at = where[w];
            while (at < body && buf[at] != '\n')
                at++;
            size_t tl = strlen(tails[k]) - 1, nlen = body + tl + 1;
            char *b2 = malloc(nlen + 1);
            assert_non_null(b2);
            memcpy(b2, buf, at);
            memcpy(b2 + at, tails[k], tl + 1);
            memcpy(b2 + at + tl + 1, buf + at + (at < body), body - at - (at < body));
            check_threads(b2, nlen - (at < body));
            free(b2);
        }
    }
    /* tiny files and a header alone */
    static const char *const small[] = {"a,b\n", "a,b\n1,2", "a,b\n1,2\n", "a\n\n\n1\n\n",
                                        "a,b\n,\n,\n", "a,b\r\n1,2\r\n3,4\r\n"};
    for (size_t k = 0; k < sizeof small / sizeof *small; k++)
        check_threads(small[k], strlen(small[k]));
    free(buf);
}

/* A file large enough for the chunks to drop parsed pages of the mapping
 * (16 MiB steps) reads as the same table as the buffer, also when a cell at
 * the end sends it back to the sequential pass, which re-reads dropped
 * pages. */
static void test_csv_file_release(void **state)
{
    (void)state;
    size_t rows = 1000000, cap = 64 + rows * 64, used = 0; /* about 38 MB */
    char *buf = malloc(cap);
    assert_non_null(buf);
    used += (size_t)snprintf(buf, cap, "y,x1,x2,x3,x4\n");
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%d,%.6f,%.5f,%.4f,%.7f\n",
                                 (int)(rng_next() % 2), rng_unif() - 0.5, 3.1 * rng_unif(),
                                 -2.0 * rng_unif(), rng_unif() * 1e-2);
    const char *path = PARTREG_BINARY_DIR "/test_e2e_release.csv";
    for (int text_at_end = 0; text_at_end < 2; text_at_end++) {
        size_t n = used;
        if (text_at_end)
            n += (size_t)snprintf(buf + used, cap - used, "1,0.5,abc,0.25,0.125\n");
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(buf, 1, n, fp), n);
        fclose(fp);
        partreg_read_options opt = partreg_read_options_default();
        opt.threads = 2;
        partreg_table *a = NULL, *b = NULL;
        assert_int_equal(partreg_table_read_csv(path, &opt, &a, NULL), PARTREG_OK);
        opt.threads = 1;
        assert_int_equal(partreg_table_read_csv_buffer(buf, n, path, &opt, &b, NULL), PARTREG_OK);
        assert_same_table(a, b);
        assert_int_equal(partreg_table_column_type(a, 2),
                         text_at_end ? PARTREG_COLUMN_CATEGORICAL : PARTREG_COLUMN_NUMERIC);
        partreg_table_free(a);
        partreg_table_free(b);
    }
    remove(path);
    free(buf);
}

/* buf[0..len) written to a file and read from it (the header from the
 * file's head, the numeric rows in blocks, or the whole file when they
 * cannot be) on several thread counts and chunk sizes: the same table as
 * the buffer read on one thread, or the same error. */
static void check_file(const char *buf, size_t len, int quick)
{
    const char *path = PARTREG_BINARY_DIR "/test_e2e_blocks.csv";
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
    partreg_read_options one = partreg_read_options_default();
    one.threads = 1;
    partreg_table *a = NULL;
    partreg_error ea;
    partreg_status sa = partreg_table_read_csv_buffer(buf, len, path, &one, &a, &ea);
    static const int counts[4] = {1, 2, 3, 7};
    static const size_t mins[2] = {0, 100000};
    for (size_t k = 0; k < (quick ? 2u : 4u); k++)
        for (size_t m = 0; m < (quick ? 1u : 2u); m++) {
            partreg_read_options many = partreg_read_options_default();
            many.threads = counts[k];
            if (mins[m])
                many.min_bytes_per_thread = mins[m];
            partreg_table *b = NULL;
            partreg_error eb;
            assert_int_equal(partreg_table_read_csv(path, &many, &b, &eb), sa);
            if (sa == PARTREG_OK)
                assert_same_table(a, b);
            else {
                assert_string_equal(ea.message, eb.message);
                assert_int_equal(ea.line, eb.line);
                assert_int_equal(ea.column, eb.column);
            }
            partreg_table_free(b);
        }
    partreg_table_free(a);
    remove(path);
}

/* Files larger than the head the reader reads first (1 MiB): numeric rows
 * read in blocks of 256 KiB by the chunks, with line ends of every kind,
 * blank lines and missing cells across block and chunk boundaries; cells
 * that send the file back to the whole-file read at its start, middle and
 * end; rows longer than a block; a header longer than the head. */
static void test_csv_file_blocks(void **state)
{
    (void)state;
    size_t rows = 70001, cap = 256 + rows * 80, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    used += (size_t)snprintf(buf, cap, "y,x1,x2,x3\n");
    for (size_t i = 0; i < rows; i++) {
        char c[4][32];
        snprintf(c[0], 32, "%d", (int)(rng_next() % 2));
        snprintf(c[1], 32, "%.4f", 2.385 * (rng_unif() - 0.5));
        snprintf(c[2], 32, "%.10g", rng_unif() * 1e-3);
        snprintf(c[3], 32, "%.3e", -7.5 * rng_unif());
        if (rng_next() % 13 == 0)
            snprintf(c[rng_next() % 4], 32, "%s", rng_next() % 2 ? "" : "NA");
        const char *eol = rng_next() % 5 == 0 ? "\r\n" : rng_next() % 50 == 0 ? "\n\n" : "\n";
        used += (size_t)snprintf(buf + used, cap - used, "%s,%s,%s,%s%s", c[0], c[1], c[2], c[3],
                                 i + 1 == rows ? "" : eol);
    }
    assert_true(used > ((size_t)2 << 20));
    check_file(buf, used, 0);
    buf[used] = '\n';
    check_file(buf, used + 1, 0);
    static const char *const tails[] = {"\n1,abc,2,3\n", "\n1,\"2\n.5\",3,4\n", "\n1,2,3\n",
                                        "\n1,\xff,2,3\n", "\n1,0.12345678901234567,3,4\n"};
    for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
        size_t where[3] = {40, used / 2, used};
        for (size_t w = 0; w < 3; w++) {
            size_t at = where[w];
            while (at < used && buf[at] != '\n')
                at++;
            size_t tl = strlen(tails[k]) - 1, nlen = used + tl + 1;
            char *b2 = malloc(nlen + 1);
            assert_non_null(b2);
            memcpy(b2, buf, at);
            memcpy(b2 + at, tails[k], tl + 1);
            memcpy(b2 + at + tl + 1, buf + at + (at < used), used - at - (at < used));
            check_file(b2, nlen - (at < used), 1);
            free(b2);
        }
    }
    free(buf);

    /* rows longer than a block (140000 columns: a header of 840 KB, rows of
     * 280 KB), and a header longer than the head (200000 columns) */
    static const size_t widths[2] = {140000, 200000};
    for (size_t w = 0; w < 2; w++) {
        size_t nc = widths[w], nr = 5;
        cap = nc * 8 + nr * nc * 3 + 16;
        used = 0;
        buf = malloc(cap);
        assert_non_null(buf);
        for (size_t j = 0; j < nc; j++)
            used += (size_t)snprintf(buf + used, cap - used, "%zx%c", j + 1,
                                     j + 1 == nc ? '\n' : ',');
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++)
                used += (size_t)snprintf(buf + used, cap - used, "%d%c", (int)((i + j) % 10),
                                         j + 1 == nc ? '\n' : ',');
        assert_true(used > ((size_t)1 << 20));
        check_file(buf, used, 1);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_diagnostics_unchanged),
        cmocka_unit_test(test_diagnostics_threads),
        cmocka_unit_test(test_frame_unchanged),
        cmocka_unit_test(test_frame_bad_value),
        cmocka_unit_test(test_frame_threads),
        cmocka_unit_test(test_frame_taking),
        cmocka_unit_test(test_csv_numbers),
        cmocka_unit_test(test_csv_numbers_chunks),
        cmocka_unit_test(test_csv_threads),
        cmocka_unit_test(test_csv_file_release),
        cmocka_unit_test(test_csv_file_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
