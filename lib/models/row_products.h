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

/* Per row r two records of four doubles, held in columns: the lower one
 * (lo[0][r], lo[1][r], lo[2][r], lo_w[r]) and the upper one (up[0][r],
 * up[1][r], 0, up_w[r]); lo_w and up_w also weight the row (below). (The
 * upper record's third entry is zero for the one caller, the ordinal
 * pass: a column of zeros would cost a load, or zeroing, per row.) */
typedef struct partreg_row_records {
    const double *lo[3], *lo_w;
    const double *up[2], *up_w;
} partreg_row_records;

/* Two rows of T per row of X (any k, k = 0 included), each row weighted by
 * the last entry of its record and followed by the record: with
 * s_r = slot[r] (a category code held as a double), kp =
 * partreg_v4_width(k), lo_r and up_r row r's records,
 *   T[s_r][0..k) += lo_r[3] x_r,   T[s_r][kp..kp+4) += lo_r,
 *   T[s_r + 1] likewise with up_r.
 * T's rows have stride ldt >= kp + 4; their entries k..kp-1 are scratch,
 * which may receive anything. Each entry is summed in row order, so a
 * record column holds the per-slot sums the caller would have made with
 * scalar adds, bit for bit. */
void partreg_rows_scatter_records(const double *X, size_t lda, size_t k,
                                  const partreg_row_records *rec, const double *slot, size_t m,
                                  double *T, size_t ldt);

#endif
