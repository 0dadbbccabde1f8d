/* X beta and X' g for the small k of survey models (row_products.c).
 * Private to lib/. */
#ifndef PARTREG_MODELS_ROW_PRODUCTS_H
#define PARTREG_MODELS_ROW_PRODUCTS_H

#include <stddef.h>

/* Up to this many columns the vector kernels are used; above it OpenBLAS
 * dgemv (same maximum as the rank update). */
#define PARTREG_ROW_PRODUCTS_MAX_K 32

/* eta[r] = x_r' beta for the m rows x_r (k entries, row stride lda) of X.
 * Each row's sum is formed the same way whichever rows are around it:
 * four partial sums over the columns j, j + 4, j + 8, ... then
 * (s0 + s1) + (s2 + s3). */
void partreg_rows_dot(const double *X, size_t lda, size_t k, const double *beta, size_t m,
                      double *eta);

/* grad[c] += sum_r g_r x_r[c] over the m rows of X (k entries, row stride
 * lda). */
void partreg_rows_weighted_sum(const double *X, size_t lda, size_t k, const double *g, size_t m,
                               double *grad);

#endif
