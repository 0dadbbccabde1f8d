/* The screening pass's row loops over a block of unweighted rows in
 * vector registers (screen_rows.c), for screen_block.c. Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_SCREEN_ROWS_H
#define PARTREG_MODELS_KERNELS_SCREEN_ROWS_H

#include <stddef.h>

#include "core/cpu.h"

/* For the m rows of X (p columns, row stride ldx): s += the column sums,
 * lo = min(lo, column minima), hi = max(hi, column maxima), with the sums
 * in the order of screen_block.c's loops (four rows at a time as
 * (x0 + x1) + (x2 + x3), then the rest one by one): the same bits. The
 * first `safe` rows may be read as p rounded up to a multiple of 4
 * entries (the read stays inside the caller's data); the others are read
 * under a mask. Returns 1 when done, 0 when the route (isa: AVX-512 only)
 * or p (1 to 16) is not one it does (the caller then runs its own loops). */
int partreg_screen_sums(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                        size_t safe, double *s, double *lo, double *hi);

/* Z (m x p, row stride p) = the rows of X less mean, entry by entry;
 * safe and the return value as above. */
int partreg_screen_centre(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                          size_t safe, const double *mean, double *Z);

#endif
