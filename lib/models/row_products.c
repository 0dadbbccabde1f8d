/* X beta and X' g for the small k of survey models (row_products.h).
 *
 * OpenBLAS's dgemv on a row-major block of k = 11 columns spends about 25
 * instructions per row on either product (its kernels are built for long
 * rows). Here a row is a few whole vectors: rows are read as kp =
 * k rounded up to a multiple of 4 entries, the entries past k masked off
 * (for X beta) or summed into scratch (for X' g), with one function per
 * kp whose loops unroll at compile time. Rows whose padded read would pass
 * the end of the block take the scalar route, which sums in the same order.
 * Measured (callgrind, bench/pass_time.c, binary logit, n = 1e5, p = 10):
 * see docs/performance.md. */
#include "models/row_products.h"
#include "models/v4.h"

#include <string.h>

#include <gsl/gsl_cblas.h>

/* The scalar route: lane j sums the columns j, j + 4, ..., from +0, as the
 * vector route does (a masked entry adds +-0, which changes no sum). */
static double dot_scalar(const double *x, size_t k, const double *beta)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    for (size_t c = 0; c < k; c++)
        s[c & 3] += beta[c] * x[c];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static void weighted_sum_scalar(const double *X, size_t lda, size_t k, const double *g, size_t m,
                                double *grad)
{
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *x0 = X + r * lda, *x1 = x0 + lda, *x2 = x1 + lda, *x3 = x2 + lda;
        for (size_t c = 0; c < k; c++)
            grad[c] += (g[r] * x0[c] + g[r + 1] * x1[c]) + (g[r + 2] * x2[c] + g[r + 3] * x3[c]);
    }
    for (; r < m; r++)
        for (size_t c = 0; c < k; c++)
            grad[c] += g[r] * X[r * lda + c];
}

/* A slot code (a small whole number held as a double) as an index, by the
 * signed conversion: one instruction, where the unsigned one first tests
 * for 2^63. */
static inline size_t slot_index(double s)
{
    return (size_t)(long long)s;
}

static void scatter_records_scalar(const double *X, size_t lda, size_t k,
                                   const partreg_row_records *rec, size_t r0, const double *slot,
                                   size_t m, double *T, size_t ldt)
{
    size_t kp = partreg_v4_width(k);
    for (size_t r = r0; r < m; r++) {
        double *t0 = T + slot_index(slot[r]) * ldt, *t1 = t0 + ldt;
        double a = rec->lo_w[r], b = rec->up_w[r];
        const double lr[4] = {rec->lo[0][r], rec->lo[1][r], rec->lo[2][r], a};
        const double ur[4] = {rec->up[0][r], rec->up[1][r], 0.0, b};
        for (size_t c = 0; c < k; c++) { /* k = 0: X is not read (may be NULL) */
            t0[c] += a * X[r * lda + c];
            t1[c] += b * X[r * lda + c];
        }
        for (size_t j = 0; j < 4; j++) {
            t0[kp + j] += lr[j];
            t1[kp + j] += ur[j];
        }
    }
}

#if defined(PARTREG_HAVE_V4)

/* One row's four partial sums: lane j over the columns j, j + 4, ... */
#define ROW_SUMS(s, x)                                                                         \
    do {                                                                                       \
        PARTREG_UNROLL_FULLY                                                                   \
        for (size_t c = 0; c + 4 < kp; c += 4)                                                 \
            (s) += PARTREG_V4C(bp + c) * PARTREG_V4C((x) + c);                                 \
        (s) += PARTREG_V4C(bp + kp - 4) *                                                      \
             (partreg_v4)((partreg_v4i)PARTREG_V4C((x) + kp - 4) & mask);                      \
    } while (0)

/* Rows 0..nr-1, each read as kp entries; bp is beta padded with zeros and
 * mask keeps the entries of the last vector that are < k. Four rows at a
 * time, their partial sums transposed so that one vector addition
 * finishes four rows: lane j is (s_j0 + s_j1) + (s_j2 + s_j3), as for a
 * single row. */
static inline __attribute__((always_inline)) void
dot_padded(const double *X, size_t lda, size_t kp, const double *bp, const partreg_v4i *maskp,
           size_t nr, double *eta)
{
    partreg_v4i mask = *maskp;
    size_t r = 0;
    for (; r + 4 <= nr; r += 4) {
        const double *x = X + r * lda;
        partreg_v4 s0 = {0.0, 0.0, 0.0, 0.0}, s1 = s0, s2 = s0, s3 = s0;
        ROW_SUMS(s0, x);
        ROW_SUMS(s1, x + lda);
        ROW_SUMS(s2, x + 2 * lda);
        ROW_SUMS(s3, x + 3 * lda);
        partreg_v4 p01 = PARTREG_V4_SHUFFLE(s0, s1, 0, 4, 2, 6) + PARTREG_V4_SHUFFLE(s0, s1, 1, 5, 3, 7);
        partreg_v4 p23 = PARTREG_V4_SHUFFLE(s2, s3, 0, 4, 2, 6) + PARTREG_V4_SHUFFLE(s2, s3, 1, 5, 3, 7);
        PARTREG_V4(eta + r) =
            PARTREG_V4_SHUFFLE(p01, p23, 0, 1, 4, 5) + PARTREG_V4_SHUFFLE(p01, p23, 2, 3, 6, 7);
    }
    for (; r < nr; r++) {
        partreg_v4 s = {0.0, 0.0, 0.0, 0.0};
        ROW_SUMS(s, X + r * lda);
        eta[r] = (s[0] + s[1]) + (s[2] + s[3]);
    }
}

/* Quads of rows 0..4 nq - 1 into the padded sums acc (kp entries). */
static inline __attribute__((always_inline)) void
weighted_sum_padded(const double *X, size_t lda, size_t kp, const double *g, size_t nq,
                    double *acc)
{
    for (size_t q = 0; q < nq; q++) {
        const double *x0 = X + 4 * q * lda, *x1 = x0 + lda, *x2 = x1 + lda, *x3 = x2 + lda;
        double g0 = g[4 * q], g1 = g[4 * q + 1], g2 = g[4 * q + 2], g3 = g[4 * q + 3];
        PARTREG_UNROLL_FULLY
        for (size_t c = 0; c < kp; c += 4)
            PARTREG_V4(acc + c) += (g0 * PARTREG_V4C(x0 + c) + g1 * PARTREG_V4C(x1 + c)) +
                                   (g2 * PARTREG_V4C(x2 + c) + g3 * PARTREG_V4C(x3 + c));
    }
}

/* Rows r..r+3 of the four columns p0..p3 as four records rec[i] =
 * (p0[r + i], ..., p3[r + i]), a 4 x 4 transpose; with zero2 (a constant
 * where inlined) p2 is not read and stands for zeros. */
static inline __attribute__((always_inline)) void
records_quad(const double *p0, const double *p1, const double *p2, const double *p3, int zero2,
             size_t r, partreg_v4 *rec)
{
    partreg_v4 col[4] = {PARTREG_V4C(p0 + r), PARTREG_V4C(p1 + r),
                         zero2 ? (partreg_v4){0.0, 0.0, 0.0, 0.0} : PARTREG_V4C(p2 + r),
                         PARTREG_V4C(p3 + r)};
    partreg_v4_transpose(col, rec);
}

/* The column loop below unrolls fully for the fixed widths (at most 8
 * vectors); the wide function shares it with kp a variable, which clang's
 * unroll(full) would report as a failed transformation. */
#if defined(__clang__)
#define UNROLL_COLUMNS _Pragma("clang loop unroll_count(8)")
#else
#define UNROLL_COLUMNS PARTREG_UNROLL_FULLY
#endif

/* Quads of rows 0..4 nq - 1 of X, each read as kp entries, into the padded
 * rows of T, and their records into the 4 columns after them (row order:
 * the rows of a quad one after the other). */
static inline __attribute__((always_inline)) void
scatter_records_padded(const double *X, size_t lda, size_t kp, const partreg_row_records *rec,
                       const double *slot, size_t nq, double *T, size_t ldt)
{
    /* copies: the v4 stores into T may alias anything, *rec included */
    const double *l0 = rec->lo[0], *l1 = rec->lo[1], *l2 = rec->lo[2], *lw = rec->lo_w;
    const double *u0 = rec->up[0], *u1 = rec->up[1], *uw = rec->up_w;
    for (size_t q = 0; q < nq; q++) {
        partreg_v4 lo[4], up[4];
        records_quad(l0, l1, l2, lw, 0, 4 * q, lo);
        records_quad(u0, u1, NULL, uw, 1, 4 * q, up);
        for (size_t i = 0; i < 4; i++) {
            size_t r = 4 * q + i;
            const double *x = X + r * lda;
            double *t0 = T + slot_index(slot[r]) * ldt, *t1 = t0 + ldt, a = lo[i][3], b = up[i][3];
            UNROLL_COLUMNS
            for (size_t c = 0; c < kp; c += 4) {
                partreg_v4 v = PARTREG_V4C(x + c);
                PARTREG_V4(t0 + c) += a * v;
                PARTREG_V4(t1 + c) += b * v;
            }
            PARTREG_V4(t0 + kp) += lo[i];
            PARTREG_V4(t1 + kp) += up[i];
        }
    }
}

#define ROW_PRODUCTS_FOR(KP)                                                                    \
    PARTREG_AVX2_CLONE __attribute__((noinline)) static void dot_##KP(                          \
        const double *X, size_t lda, const double *bp, const partreg_v4i *mask, size_t nr,      \
        double *eta)                                                                            \
    {                                                                                           \
        dot_padded(X, lda, KP, bp, mask, nr, eta);                                              \
    }                                                                                           \
    PARTREG_AVX2_CLONE __attribute__((noinline)) static void weighted_sum_##KP(                 \
        const double *X, size_t lda, const double *g, size_t nq, double *acc)                   \
    {                                                                                           \
        weighted_sum_padded(X, lda, KP, g, nq, acc);                                            \
    }                                                                                           \
    PARTREG_AVX2_CLONE __attribute__((noinline)) static void scatter_records_##KP(              \
        const double *X, size_t lda, const partreg_row_records *rec, const double *slot,        \
        size_t nq, double *T, size_t ldt)                                                       \
    {                                                                                           \
        scatter_records_padded(X, lda, KP, rec, slot, nq, T, ldt);                              \
    }
ROW_PRODUCTS_FOR(4)
ROW_PRODUCTS_FOR(8)
ROW_PRODUCTS_FOR(12)
ROW_PRODUCTS_FOR(16)
ROW_PRODUCTS_FOR(20)
ROW_PRODUCTS_FOR(24)
ROW_PRODUCTS_FOR(28)
ROW_PRODUCTS_FOR(32)

typedef void (*dot_fn)(const double *, size_t, const double *, const partreg_v4i *, size_t,
                       double *);
typedef void (*weighted_sum_fn)(const double *, size_t, const double *, size_t, double *);

static const dot_fn dot_by_width[8] = {dot_4,  dot_8,  dot_12, dot_16,
                                       dot_20, dot_24, dot_28, dot_32};
/* Wider rows: the same loop, kp a variable. */
PARTREG_AVX2_CLONE __attribute__((noinline)) static void
scatter_records_wide(const double *X, size_t lda, size_t kp, const partreg_row_records *rec,
                     const double *slot, size_t nq, double *T, size_t ldt)
{
    scatter_records_padded(X, lda, kp, rec, slot, nq, T, ldt);
}

typedef void (*scatter_records_fn)(const double *, size_t, const partreg_row_records *,
                                   const double *, size_t, double *, size_t);
static const scatter_records_fn scatter_records_by_width[8] = {
    scatter_records_4,  scatter_records_8,  scatter_records_12, scatter_records_16,
    scatter_records_20, scatter_records_24, scatter_records_28, scatter_records_32};
static const weighted_sum_fn weighted_sum_by_width[8] = {
    weighted_sum_4,  weighted_sum_8,  weighted_sum_12, weighted_sum_16,
    weighted_sum_20, weighted_sum_24, weighted_sum_28, weighted_sum_32};

void partreg_rows_dot(const double *X, size_t lda, size_t k, const double *beta, size_t m,
                      double *eta)
{
    if (k == 0 || k > PARTREG_ROW_PRODUCTS_MAX_K) {
        if (k == 0)
            memset(eta, 0, m * sizeof *eta);
        else
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)k, 1.0, X, (int)lda, beta, 1,
                        0.0, eta, 1);
        return;
    }
    size_t kp = partreg_v4_width(k), nr = partreg_v4_safe_groups(m, k, kp, lda, 1);
    double bp[PARTREG_ROW_PRODUCTS_MAX_K] = {0};
    memcpy(bp, beta, k * sizeof *bp);
    partreg_v4i mask = {0, 0, 0, 0};
    for (size_t j = 0; j < 4; j++)
        mask[j] = kp - 4 + j < k ? -1LL : 0LL;
    dot_by_width[kp / 4 - 1](X, lda, bp, &mask, nr, eta);
    for (size_t r = nr; r < m; r++)
        eta[r] = dot_scalar(X + r * lda, k, beta);
}

void partreg_rows_weighted_sum(const double *X, size_t lda, size_t k, const double *g, size_t m,
                               double *grad)
{
    if (k == 0)
        return;
    if (k > PARTREG_ROW_PRODUCTS_MAX_K) {
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)k, 1.0, X, (int)lda, g, 1, 1.0, grad,
                    1);
        return;
    }
    size_t kp = partreg_v4_width(k), nq = partreg_v4_safe_groups(m, k, kp, lda, 4);
    double acc[PARTREG_ROW_PRODUCTS_MAX_K] = {0};
    memcpy(acc, grad, k * sizeof *acc);
    weighted_sum_by_width[kp / 4 - 1](X, lda, g, nq, acc);
    weighted_sum_scalar(X + 4 * nq * lda, lda, k, g + 4 * nq, m - 4 * nq, acc);
    memcpy(grad, acc, k * sizeof *grad);
}

void partreg_rows_scatter_records(const double *X, size_t lda, size_t k,
                                  const partreg_row_records *rec, const double *slot, size_t m,
                                  double *T, size_t ldt)
{
    if (k == 0) { /* no row to read: the records alone */
        scatter_records_scalar(X, lda, 0, rec, 0, slot, m, T, ldt);
        return;
    }
    size_t kp = partreg_v4_width(k), nq = partreg_v4_safe_groups(m, k, kp, lda, 4);
    if (k > PARTREG_ROW_PRODUCTS_MAX_K)
        scatter_records_wide(X, lda, kp, rec, slot, nq, T, ldt);
    else
        scatter_records_by_width[kp / 4 - 1](X, lda, rec, slot, nq, T, ldt);
    scatter_records_scalar(X, lda, k, rec, 4 * nq, slot, m, T, ldt);
}

#else

void partreg_rows_scatter_records(const double *X, size_t lda, size_t k,
                                  const partreg_row_records *rec, const double *slot, size_t m,
                                  double *T, size_t ldt)
{
    scatter_records_scalar(X, lda, k, rec, 0, slot, m, T, ldt);
}

void partreg_rows_dot(const double *X, size_t lda, size_t k, const double *beta, size_t m,
                      double *eta)
{
    for (size_t r = 0; r < m; r++)
        eta[r] = dot_scalar(X + r * lda, k, beta);
}

void partreg_rows_weighted_sum(const double *X, size_t lda, size_t k, const double *g, size_t m,
                               double *grad)
{
    weighted_sum_scalar(X, lda, k, g, m, grad);
}

#endif
