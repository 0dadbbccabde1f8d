/* A += X' diag(h) X, lower triangle, for the small k of survey models.
 *
 * OpenBLAS's dsyrk needs the rows scaled by sqrt(h) (a copy, a square root
 * per row and, for a weight of either sign, two calls) and then packs them
 * again; at k = 11 the packing and call overhead cost as much as the
 * arithmetic. Here the rows are read in place, four at a time, so each
 * load and store of a row of A serves four rows of X, and the inner loop
 * along a row of A vectorises. Measured (bench/pass_time.c, binary logit,
 * n = 10^6, p = 10, two threads): an information pass 35 -> 29 ms median,
 * docs/performance.md.
 *
 * The bits do not depend on the machine: every entry is summed in the
 * order written, ((u0 x0 + u1 x1) + (u2 x2 + u3 x3)), whatever the vector
 * width, and no multiply-add is fused (the AVX2 clone gcc makes on x86-64
 * has no FMA). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "models/rank_update.h"

#include <math.h>

#include <gsl/gsl_cblas.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PARTREG_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define PARTREG_AVX2_CLONE
#endif

PARTREG_AVX2_CLONE
void partreg_rank_update(double *restrict A, size_t lda_a, size_t k, const double *restrict X,
                         size_t lda, const double *restrict h, size_t m)
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
