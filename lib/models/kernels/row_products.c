/* X beta and X' g for the small k of survey models (row_products.h).
 *
 * Contract: partreg_rows_dot gives, row by row, the bits of
 * rows_dot_scalar below (four partial sums over the columns j, j + 4,
 * ..., then (s0 + s1) + (s2 + s3)), and partreg_rows_weighted_sum those of
 * weighted_sum_scalar (rows four at a time, (g0 x0 + g1 x1) + (g2 x2 +
 * g3 x3), then one by one), on every route; above
 * PARTREG_ROW_PRODUCTS_MAX_K columns both are OpenBLAS's dgemv, whose
 * order is its own. Against the models' reference routes, which sum in
 * plain column and row order, they agree to rounding: a few ulps of the
 * sum of the absolute terms.
 *
 * OpenBLAS's dgemv on a row-major block of k = 11 columns spends about 25
 * instructions per row on either product (its kernels are built for long
 * rows). Here a row is a few whole vectors: rows are read as kp =
 * k rounded up to a multiple of 4 entries, the entries past k masked off
 * (for X beta) or summed into scratch (for X' g), with one function per
 * kp whose loops unroll at compile time, in a baseline and an AVX2 copy
 * (v4.h). Rows whose padded read would pass the end of the block take the
 * scalar route, which sums in the same order. */
#include "models/kernels/row_products.h"
#include "models/kernels/v4.h"

#include <string.h>

#include <gsl/gsl_cblas.h>

/* The scalar route: lane j sums the columns j, j + 4, ..., from +0, as the
 * vector route does (a masked entry adds +-0, which changes no sum). */
static double rows_dot_scalar(const double *x, size_t k, const double *beta)
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

#define ROW_PRODUCTS_FOR(KP, SFX, TARGET)                                                       \
    TARGET __attribute__((noinline)) static void dot_##KP##_##SFX(                             \
        const double *X, size_t lda, const double *bp, const partreg_v4i *mask, size_t nr,      \
        double *eta)                                                                            \
    {                                                                                           \
        dot_padded(X, lda, KP, bp, mask, nr, eta);                                              \
    }                                                                                           \
    /* NOLINTNEXTLINE(bugprone-macro-parentheses): TARGET is an attribute */                  \
    TARGET __attribute__((noinline)) static void weighted_sum_##KP##_##SFX(                    \
        const double *X, size_t lda, const double *g, size_t nq, double *acc)                   \
    {                                                                                           \
        weighted_sum_padded(X, lda, KP, g, nq, acc);                                            \
    }
#define ROW_PRODUCTS_COPY(SFX, TARGET)                                                          \
    ROW_PRODUCTS_FOR(4, SFX, TARGET)                                                            \
    ROW_PRODUCTS_FOR(8, SFX, TARGET)                                                            \
    ROW_PRODUCTS_FOR(12, SFX, TARGET)                                                           \
    ROW_PRODUCTS_FOR(16, SFX, TARGET)                                                           \
    ROW_PRODUCTS_FOR(20, SFX, TARGET)                                                           \
    ROW_PRODUCTS_FOR(24, SFX, TARGET)                                                           \
    ROW_PRODUCTS_FOR(28, SFX, TARGET)                                                           \
    ROW_PRODUCTS_FOR(32, SFX, TARGET)
PARTREG_V4_FOR_COPIES(ROW_PRODUCTS_COPY)

typedef void (*dot_fn)(const double *, size_t, const double *, const partreg_v4i *, size_t,
                       double *);
typedef void (*weighted_sum_fn)(const double *, size_t, const double *, size_t, double *);

/* by copy (v4.h) and kp / 4 - 1 */
#define DOT_ROW(SFX, TARGET)                                                                    \
    {dot_4_##SFX,  dot_8_##SFX,  dot_12_##SFX, dot_16_##SFX,                                    \
     dot_20_##SFX, dot_24_##SFX, dot_28_##SFX, dot_32_##SFX},
#define WEIGHTED_SUM_ROW(SFX, TARGET)                                                           \
    {weighted_sum_4_##SFX,  weighted_sum_8_##SFX,  weighted_sum_12_##SFX,                       \
     weighted_sum_16_##SFX, weighted_sum_20_##SFX, weighted_sum_24_##SFX,                       \
     weighted_sum_28_##SFX, weighted_sum_32_##SFX},
static const dot_fn dot_by_width[PARTREG_V4_COPIES][8] = {PARTREG_V4_FOR_COPIES(DOT_ROW)};
static const weighted_sum_fn weighted_sum_by_width[PARTREG_V4_COPIES][8] = {
    PARTREG_V4_FOR_COPIES(WEIGHTED_SUM_ROW)};

void partreg_rows_dot(partreg_isa isa, const double *X, size_t lda, size_t k, const double *beta,
                      size_t m, double *eta)
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
    dot_by_width[partreg_v4_copy(isa)][kp / 4 - 1](X, lda, bp, &mask, nr, eta);
    for (size_t r = nr; r < m; r++)
        eta[r] = rows_dot_scalar(X + r * lda, k, beta);
}

void partreg_rows_weighted_sum(partreg_isa isa, const double *X, size_t lda, size_t k,
                               const double *g, size_t m, double *grad)
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
    weighted_sum_by_width[partreg_v4_copy(isa)][kp / 4 - 1](X, lda, g, nq, acc);
    weighted_sum_scalar(X + 4 * nq * lda, lda, k, g + 4 * nq, m - 4 * nq, acc);
    memcpy(grad, acc, k * sizeof *grad);
}

#else

void partreg_rows_dot(partreg_isa isa, const double *X, size_t lda, size_t k, const double *beta,
                      size_t m, double *eta)
{
    (void)isa;
    for (size_t r = 0; r < m; r++)
        eta[r] = rows_dot_scalar(X + r * lda, k, beta);
}

void partreg_rows_weighted_sum(partreg_isa isa, const double *X, size_t lda, size_t k,
                               const double *g, size_t m, double *grad)
{
    (void)isa;
    weighted_sum_scalar(X, lda, k, g, m, grad);
}

#endif
