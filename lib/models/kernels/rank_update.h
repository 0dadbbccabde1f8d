/* The information's O(k^2) part for small k (rank_update.c). Each
 * function takes the fit's instruction set (core/cpu.h) and runs the
 * widest copy of its kernel that it allows; every copy gives the same
 * bits. Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_RANK_UPDATE_H
#define PARTREG_MODELS_KERNELS_RANK_UPDATE_H

#include <stddef.h>

#include "core/cpu.h"

/* Up to this many columns partreg_rank_update beats OpenBLAS's dsyrk on
 * sqrt-scaled copies (measured at k = 11; at k = 51 they are even); above
 * it callers use dsyrk. */
#define PARTREG_RANK_UPDATE_MAX_K 32

/* A (k x k, row-major with row stride lda_a >= k; lower triangle only) +=
 * sum_r h_r x_r x_r' over the m rows x_r (k entries) of X (row stride lda).
 * h_r may have either sign; h = NULL stands for unit weights (h x is then x
 * itself, a multiply less a row). With g (else NULL), also grad (k entries) +=
 * sum_r g_r x_r, the gradient the same rows give: read with them instead
 * of in a pass of its own. Every entry is summed row by row in order,
 * A[a][c] += x_a (h x_c) and grad[c] += g x_c, whatever the machine. */
void partreg_rank_update(partreg_isa isa, double *A, size_t lda_a, size_t k, const double *X,
                         size_t lda, const double *h, const double *g, double *grad, size_t m);

/* A (lower triangle, row stride lda_a) += sum_r h_r x_r x_r' over m rows
 * of X, and with g grad += sum_r g_r x_r, by whichever of the two ways is
 * faster for k: partreg_rank_update for k <= PARTREG_RANK_UPDATE_MAX_K,
 * else OpenBLAS dsyrk on the rows scaled by sqrt(|h_r|), split by the sign
 * of h_r into the scratch arrays zp and zn (m x k each; rows with h_r = 0
 * are skipped), and partreg_rows_weighted_sum for the gradient. */
void partreg_info_add(partreg_isa isa, double *A, size_t lda_a, size_t k, const double *X,
                      size_t lda, const double *h, const double *g, double *grad, size_t m,
                      double *zp, double *zn);

#endif
