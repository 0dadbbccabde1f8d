/* Sums of per-row values by the row's category (category_sums.c): the
 * ordinal pass's threshold sums. Each function takes the fit's
 * instruction set (core/cpu.h) and runs the widest copy of its kernel
 * that it allows; every copy gives the same bits. Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_CATEGORY_SUMS_H
#define PARTREG_MODELS_KERNELS_CATEGORY_SUMS_H

#include <stddef.h>

#include "core/cpu.h"

/* Lanes of the partial sums: row r of a call goes to lane r mod 8. */
#define PARTREG_CATEGORY_LANES 8
/* Arrays summed in one call, at most. */
#define PARTREG_CATEGORY_MAX_ARRAYS 5

/* S += the rows 0..m-1 of the nq arrays v[0..nq-1] by category: with c
 * = y[r] (a code 0..J-1 held as a double), lane r mod 8 of S[c][j] (at
 * S + 8 (c nq + j)) adds v[j][r], in row order. S holds J nq 8 partial
 * sums, zeroed by the caller before its first call; successive calls go
 * on from where the last one left off, each counting its rows from 0.
 * The same bits on every route: on the AVX-512 route the eight lanes are
 * one register, elsewhere eight scalars, summed alike.
 * With lists (else NULL), also lists each category's rows: category c's
 * row numbers, ascending, at lists + c (m + 8), counts[c] of them (lists:
 * J (m + 8) entries, the slack written over). */
void partreg_category_sums_add(partreg_isa isa, const double *y, size_t m, size_t J,
                               const double *const *v, size_t nq, double *S, size_t *lists,
                               size_t *counts);

/* The totals: out[c nq + j] = the eight lanes of S[c][j] added pairwise,
 * ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). */
void partreg_category_sums_total(const double *S, size_t J, size_t nq, double *out);

/* The rows of X weighted and summed by category: for each category c
 * (0..J-1, its rows listed by partreg_category_sums_add for these m rows)
 *   T[c]     += sum over its rows of lo_w[r] x_r    (c >= 1),
 *   T[c + 1] += sum over its rows of up_w[r] x_r    (c <= J - 2),
 * each sum taken from 0 in row order over the category's rows and then
 * added to T's row (k entries; T's rows have stride ldt >= kp = k
 * rounded up to a multiple of 4, and their entries k..kp-1 are scratch
 * that may receive anything). The ordinal pass's threshold-beta block:
 * x_r's lower cut is slot c, its upper slot c + 1. sums: scratch of 2 kp.
 * With totals (only where partreg_rows_category_totals(k)), x_r is read
 * as if it had a (k+1)-th entry 1: entry k of T's rows also receives the
 * sums of lo_w and up_w themselves, from a lane the padded rows have
 * spare (the ordinal pass then sums two arrays fewer by category). */
void partreg_rows_category_sums(partreg_isa isa, const double *X, size_t lda, size_t k,
                                int totals, size_t m, size_t J, const size_t *lists,
                                const size_t *counts, const double *lo_w, const double *up_w,
                                double *sums, double *T, size_t ldt);

/* Rows wider than this take no totals (their kernel has no spare lane). */
#define PARTREG_CATEGORY_TOTALS_MAX_K 32

/* Whether partreg_rows_category_sums takes totals for rows of k entries:
 * k not a multiple of 4 (a spare lane) and k < 32. */
int partreg_rows_category_totals(size_t k);

#endif
