/* X beta and X' g for the small k of survey models (row_products.c).
 * Each function takes the fit's instruction set (core/cpu.h) and runs the
 * widest copy of its kernel that it allows; every copy gives the same
 * bits. Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_ROW_PRODUCTS_H
#define PARTREG_MODELS_KERNELS_ROW_PRODUCTS_H

#include <stddef.h>

#include "core/cpu.h"

/* Up to this many columns the vector kernels are used; above it OpenBLAS
 * dgemv (same maximum as the rank update). */
#define PARTREG_ROW_PRODUCTS_MAX_K 32

/* eta[r] = x_r' beta for the m rows x_r (k entries, row stride lda) of X.
 * Each row's sum is formed the same way whichever rows are around it:
 * four partial sums over the columns j, j + 4, j + 8, ... then
 * (s0 + s1) + (s2 + s3). */
void partreg_rows_dot(partreg_isa isa, const double *X, size_t lda, size_t k, const double *beta,
                      size_t m, double *eta);

/* grad[c] += sum_r g_r x_r[c] over the m rows of X (k entries, row stride
 * lda). */
void partreg_rows_weighted_sum(partreg_isa isa, const double *X, size_t lda, size_t k,
                               const double *g, size_t m, double *grad);

/* Ask for the cache lines of v[0..m-1] (a chunk's outcomes or weights;
 * v may be NULL) before X beta reads the chunk's rows: the two streams
 * from memory then overlap. Read first in the terms after it, the
 * outcomes would start a stream of their own and wait on its latency. */
static inline void partreg_prefetch_lines(const double *v, size_t m)
{
#if defined(__GNUC__)
    for (size_t r = 0; v && r < m; r += 8)
        __builtin_prefetch(v + r);
#else
    (void)v, (void)m;
#endif
}

#endif
