/* A += X' diag(h) X, lower triangle, for the small k of survey models.
 *
 * OpenBLAS's dsyrk needs the rows scaled by sqrt(h) (a copy, a square root
 * per row and, for a weight of either sign, two calls) and then packs them
 * again; at k = 11 the packing and call overhead cost as much as the
 * arithmetic. Here the rows are read in place, four at a time, so each
 * load and store of a row of A serves four rows of X. The sum goes into a
 * copy of A whose rows are padded to a multiple of 4 columns, so every
 * row of the triangle is whole vectors, and one function per padded width
 * has its loops unrolled at compile time: no scalar tails, no loop
 * control. Measured (callgrind, bench/pass_time.c, binary logit, n = 1e5,
 * p = 10, one information pass): 190 -> 77 instructions per row for this
 * update (docs/performance.md).
 *
 * The bits do not depend on the machine: every entry is summed in the
 * order written, ((u0 x0 + u1 x1) + (u2 x2 + u3 x3)), whatever the vector
 * width, and no multiply-add is fused (the AVX2 clone gcc makes on x86-64
 * has no FMA). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "models/rank_update.h"
#include "models/v4.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

/* The update row by row, four rows at a time, in place: the reference
 * order of the sums, used for the rows the padded kernel below cannot
 * read past and for the wide k that callers give dsyrk anyway. */
static inline void quads_in_place(double *restrict A, size_t lda_a, size_t k,
                                  const double *restrict X, size_t lda, const double *restrict h,
                                  size_t m)
{
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *x0 = X + r * lda, *x1 = x0 + lda, *x2 = x1 + lda, *x3 = x2 + lda;
        for (size_t a = 0; a < k; a++) {
            double u0 = h[r] * x0[a], u1 = h[r + 1] * x1[a], u2 = h[r + 2] * x2[a];
            double u3 = h[r + 3] * x3[a], *Aa = A + a * lda_a;
            for (size_t c = 0; c <= a; c++)
                Aa[c] += (u0 * x0[c] + u1 * x1[c]) + (u2 * x2[c] + u3 * x3[c]);
        }
    }
    for (; r < m; r++) {
        const double *x0 = X + r * lda;
        for (size_t a = 0; a < k; a++) {
            double u0 = h[r] * x0[a], *Aa = A + a * lda_a;
            for (size_t c = 0; c <= a; c++)
                Aa[c] += u0 * x0[c];
        }
    }
}

#if defined(PARTREG_HAVE_V4)

/* The quads of rows r = 0, 4, ..., 4 (nq - 1) into acc (row stride kp, a
 * multiple of 4): every vector of the lower block triangle, including the
 * padded rows and columns k..kp-1, which are scratch. u holds a quad's
 * rows times their weights (4 kp). Inlined into one function per kp, so
 * the loops unroll fully; acc and u come in by pointer, so that gcc does
 * not promote them to (spilled) registers. */
static inline __attribute__((always_inline)) void
padded_quads(double *restrict acc, double *restrict u, size_t kp, const double *restrict X,
             size_t lda, const double *restrict h, size_t nq)
{
    for (size_t q = 0; q < nq; q++) {
        const double *x0 = X + 4 * q * lda, *x1 = x0 + lda, *x2 = x1 + lda, *x3 = x2 + lda;
        const double *hq = h + 4 * q;
        PARTREG_UNROLL_FULLY
        for (size_t c = 0; c < kp; c += 4) {
            PARTREG_V4(u + c) = hq[0] * PARTREG_V4C(x0 + c);
            PARTREG_V4(u + kp + c) = hq[1] * PARTREG_V4C(x1 + c);
            PARTREG_V4(u + 2 * kp + c) = hq[2] * PARTREG_V4C(x2 + c);
            PARTREG_V4(u + 3 * kp + c) = hq[3] * PARTREG_V4C(x3 + c);
        }
        PARTREG_UNROLL_FULLY
        for (size_t a = 0; a < kp; a++) {
            double u0 = u[a], u1 = u[kp + a], u2 = u[2 * kp + a], u3 = u[3 * kp + a];
            double *row = acc + a * kp;
            PARTREG_UNROLL_FULLY
            for (size_t c = 0; c <= a; c += 4) {
                PARTREG_V4(row + c) += (u0 * PARTREG_V4C(x0 + c) + u1 * PARTREG_V4C(x1 + c)) +
                               (u2 * PARTREG_V4C(x2 + c) + u3 * PARTREG_V4C(x3 + c));
            }
        }
    }
}

#define PADDED_QUADS_FOR(KP)                                                                   \
    PARTREG_AVX2_CLONE __attribute__((noinline)) static void padded_quads_##KP(                \
        double *acc, double *u, const double *X, size_t lda, const double *h, size_t nq)      \
    {                                                                                          \
        padded_quads(acc, u, KP, X, lda, h, nq);                                               \
    }
PADDED_QUADS_FOR(4)
PADDED_QUADS_FOR(8)
PADDED_QUADS_FOR(12)
PADDED_QUADS_FOR(16)
PADDED_QUADS_FOR(20)
PADDED_QUADS_FOR(24)
PADDED_QUADS_FOR(28)
PADDED_QUADS_FOR(32)


void partreg_rank_update(double *restrict A, size_t lda_a, size_t k, const double *restrict X,
                         size_t lda, const double *restrict h, size_t m)
{
    if (k > PARTREG_RANK_UPDATE_MAX_K || m < 8) {
        quads_in_place(A, lda_a, k, X, lda, h, m);
        return;
    }
    /* A's lower triangle with rows padded to kp columns, plus kp - k
     * padded rows; past the diagonal all is scratch. */
    size_t kp = partreg_v4_width(k);
    double acc[PARTREG_RANK_UPDATE_MAX_K * PARTREG_RANK_UPDATE_MAX_K];
    double u[4 * PARTREG_RANK_UPDATE_MAX_K];
    memset(acc, 0, kp * kp * sizeof *acc);
    for (size_t a = 0; a < k; a++)
        memcpy(acc + a * kp, A + a * lda_a, (a + 1) * sizeof *acc);
    /* A quad's padded read ends at x3[kp - 1], inside the m rows while
     * (r + 3) lda + kp <= (m - 1) lda + k. */
    size_t nq = partreg_v4_safe_groups(m, k, kp, lda, 4);
    void (*quads)(double *, double *, const double *, size_t, const double *, size_t) =
        kp == 4    ? padded_quads_4
        : kp == 8  ? padded_quads_8
        : kp == 12 ? padded_quads_12
        : kp == 16 ? padded_quads_16
        : kp == 20 ? padded_quads_20
        : kp == 24 ? padded_quads_24
        : kp == 28 ? padded_quads_28
                   : padded_quads_32;
    quads(acc, u, X, lda, h, nq);
    quads_in_place(acc, kp, k, X + 4 * nq * lda, lda, h + 4 * nq, m - 4 * nq);
    for (size_t a = 0; a < k; a++)
        memcpy(A + a * lda_a, acc + a * kp, (a + 1) * sizeof *acc);
}
#else
void partreg_rank_update(double *restrict A, size_t lda_a, size_t k, const double *restrict X,
                         size_t lda, const double *restrict h, size_t m)
{
    quads_in_place(A, lda_a, k, X, lda, h, m);
}
#endif

void partreg_info_add(double *A, size_t lda_a, size_t k, const double *X, size_t lda,
                      const double *h, size_t m, double *zp, double *zn)
{
    if (k == 0)
        return;
    if (k <= PARTREG_RANK_UPDATE_MAX_K) {
        partreg_rank_update(A, lda_a, k, X, lda, h, m);
        return;
    }
    size_t np = 0, nn = 0;
    for (size_t r = 0; r < m; r++) {
        if (h[r] == 0.0)
            continue;
        const double *x = X + r * lda;
        double s = sqrt(fabs(h[r])), *z = h[r] < 0.0 ? zn + (nn++) * k : zp + (np++) * k;
        for (size_t j = 0; j < k; j++)
            z[j] = s * x[j];
    }
    if (np)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)k, (int)np, 1.0, zp, (int)k, 1.0,
                    A, (int)lda_a);
    if (nn)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)k, (int)nn, -1.0, zn, (int)k, 1.0,
                    A, (int)lda_a);
}
