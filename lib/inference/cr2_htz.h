/* Joint tests under a CR2 covariance: clubSandwich's HTZ test
 * (Wald_test(test = "HTZ"); Tipton and Pustejovsky 2015), the
 * multivariate form of the Satterthwaite df of each coefficient's test.
 * Private to lib/. */
#ifndef PARTREG_INFERENCE_CR2_HTZ_H
#define PARTREG_INFERENCE_CR2_HTZ_H

#include <stddef.h>

#include "partreg.h"
#include "partreg_inference.h"

/* What cr2.c keeps of a CR2 covariance for its joint tests, in one
 * allocation (freed by free()): M the k x k bread (the inverse expected
 * information), and per cluster g of G the k x k sums ZZ_g = Z_g'Z_g and
 * L_g = Z_g' B_g^-1/2 Phi_g Z_g (row-major, free-parameter index). */
typedef struct partreg_cr2_pieces {
    size_t G, k;
    double *M, *ZZ, *L; /* point into data: k^2, G k^2, G k^2 */
    double data[];
} partreg_cr2_pieces;

/* The pieces for G clusters of k parameters, uninitialised; NULL when out
 * of memory. */
partreg_cr2_pieces *partreg_cr2_pieces_alloc(size_t G, size_t k);

/* The HTZ test that the full parameters idx[0..m) are all 0 under the
 * fit's CR2 covariance: the Wald statistic Q = b' V^-1 b, F = delta Q / q
 * on (q, nu - q + 1) degrees of freedom with q = m, delta = (nu - q + 1) /
 * nu and nu = q (q + 1) / (the total variance of the covariance's q x q
 * block, in the metric of C M C', under the working model). For q = 1 it
 * is the square of the coefficient's t on its Satterthwaite df. *p is NaN
 * when nu - q + 1 <= 0. Returns PARTREG_OK; PARTREG_EUNSUPPORTED when the
 * covariance in force is not CR2; PARTREG_ESINGULAR when the block of V or
 * of M is not positive definite (or a parameter is not estimated);
 * PARTREG_ENOMEM. */
partreg_status partreg_fit_cr2_htz(const partreg_fit *fit, const size_t *idx, size_t m, double *Q,
                                   double *F, double *df2, double *p);

#endif
