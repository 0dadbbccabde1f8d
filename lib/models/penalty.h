/* Penalties on an objective (penalty.c). Private to lib/. */
#ifndef PARTREG_MODELS_PENALTY_H
#define PARTREG_MODELS_PENALTY_H

#include <stddef.h>

#include "models/objective.h"

/* The Jeffreys-prior (Firth) penalty log det I(theta) / 2 as an objective's
 * `penalty` hook (objective.h): needs obj->info_derivative and an
 * accumulate that honours PARTREG_ORDER_EXPECTED. */
partreg_status partreg_firth_penalty(const partreg_objective *obj, const double *theta,
                                     partreg_order order, int threads, size_t block_rows,
                                     partreg_accum *acc);

/* Cholesky M = L L' of a k x k symmetric matrix (row-major; L k x k,
 * lower triangle), log det M into *logdet and, when Ainv is not NULL,
 * M^-1 into Ainv (L is then used as scratch and no longer holds the
 * factor). Returns 0, or -1 when M is not positive definite
 * or not finite. */
int partreg_chol_logdet_inverse(size_t k, const double *M, double *L, double *Ainv,
                                double *logdet);

#endif
