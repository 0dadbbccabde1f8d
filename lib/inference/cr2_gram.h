/* The weighted Gram sums of CR2's two passes (cr2.c). Private to lib/.
 *
 * For the rows x = 0..ng-1 of one cluster (a chunk of them at a time),
 * with O (ng x tp, row stride tp) the packed products of each row and
 * Q (ng x mp, row stride mp) its weights:
 *
 *   R[t * mp + c] += O[x * tp + t] * Q[x * mp + c],  x = 0, 1, ..., ng - 1,
 *
 * each product added to the entry in that order (tp and mp multiples of
 * 4). partreg_cr2_gram_ref is that loop in plain C, the reference route;
 * partreg_cr2_gram keeps tiles of R in vector registers over all ng rows
 * and equals the reference to the bit: every entry gets the same products
 * added in the same order, and no multiply-add is fused
 * (tests/test_cr2_gram.c checks it on every route the machine runs). */
#ifndef PARTREG_INFERENCE_CR2_GRAM_H
#define PARTREG_INFERENCE_CR2_GRAM_H

#include <stddef.h>

/* The reference route. */
void partreg_cr2_gram_ref(const double *O, const double *Q, size_t ng, size_t tp, size_t mp,
                          double *R);

/* The fast route: on a core with AVX-512 tiles of 8 x 16 entries in
 * 512-bit vectors, otherwise partreg_cr2_gram_v4. */
void partreg_cr2_gram(const double *O, const double *Q, size_t ng, size_t tp, size_t mp, double *R);

/* The fast route without AVX-512: tiles of 4 x 8 entries in vectors of
 * four (AVX2 and SSE2 clones). For the tests, which check each route the
 * machine can run. */
void partreg_cr2_gram_v4(const double *O, const double *Q, size_t ng, size_t tp, size_t mp,
                         double *R);

/* The first pass's sums, the weights 1 and v: R[t] += O[x * tp + t] and
 * R[tp + t] += O[x * tp + t] * v[x], x = 0, 1, ..., ng - 1, in that order
 * (R is 2 x tp). partreg_cr2_gram1_ref is the plain loop; partreg_cr2_gram1
 * runs along t in vectors (AVX-512 where the core has it) and equals it
 * to the bit. */
void partreg_cr2_gram1_ref(const double *O, const double *v, size_t ng, size_t tp, double *R);
void partreg_cr2_gram1(const double *O, const double *v, size_t ng, size_t tp, double *R);
/* partreg_cr2_gram1 without AVX-512 (for the tests). */
void partreg_cr2_gram1_v4(const double *O, const double *v, size_t ng, size_t tp, double *R);

#endif
