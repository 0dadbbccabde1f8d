/* The weighted Gram sums of CR2's two passes (inference/cr2.c), and the
 * packed rows and weights they take. Private to lib/.
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
 * (tests/test_cr2_gram.c checks it on every instruction set the machine
 * runs). The fast functions take the fit's instruction set (core/cpu.h,
 * partreg_route_isa of its route) and run the widest copy it allows;
 * nothing here asks the CPU. */
#ifndef PARTREG_MODELS_KERNELS_CR2_GRAM_H
#define PARTREG_MODELS_KERNELS_CR2_GRAM_H

#include <stddef.h>

#include "core/cpu.h"

/* The reference route. */
void partreg_cr2_gram_ref(const double *O, const double *Q, size_t ng, size_t tp, size_t mp,
                          double *R);

/* The fast route: with AVX-512 tiles of 8 x 16 entries in 512-bit
 * vectors, otherwise tiles of 4 x 8 entries in vectors of four (an AVX2
 * and a baseline copy). */
void partreg_cr2_gram(partreg_isa isa, const double *O, const double *Q, size_t ng, size_t tp,
                      size_t mp, double *R);

/* The first pass's sums, the weights 1 and v: R[t] += O[x * tp + t] and
 * R[tp + t] += O[x * tp + t] * v[x], x = 0, 1, ..., ng - 1, in that order
 * (R is 2 x tp). partreg_cr2_gram1_ref is the plain loop; partreg_cr2_gram1
 * runs along t in vectors and equals it to the bit. */
void partreg_cr2_gram1_ref(const double *O, const double *v, size_t ng, size_t tp, double *R);
void partreg_cr2_gram1(partreg_isa isa, const double *O, const double *v, size_t ng, size_t tp,
                       double *R);

/* The packed lower triangle of [z r][z r]' of the rows pos[0..ng) of ZR
 * (rows [z r 0 ...] of (k + 1) rounded up to a multiple of 4 entries) into
 * O (ng x tp, tp >= (k + 1)(k + 2) / 2 a multiple of 4, with 3 doubles of
 * room after its last row): row a of the triangle at offset a (a + 1) / 2,
 * zr_a times zr's first a + 1 entries. Entries past the triangle get
 * finite filler that no sum reads. */
void partreg_cr2_pack_rows(partreg_isa isa, const size_t *pos, size_t ng, size_t k, size_t tp,
                           const double *ZR, double *O);

/* The second pass's weights of the rows pos[0..ng) of v into Q (ng x mp,
 * mp >= 2 m): column l v/(v^2 + bl[l]), column m + l v^2/(v^2 + bl[l]),
 * the rest 0. */
void partreg_cr2_pole_weights(partreg_isa isa, const size_t *pos, size_t ng, const double *v,
                              size_t m, const double *bl, size_t mp, double *Q);

#endif
