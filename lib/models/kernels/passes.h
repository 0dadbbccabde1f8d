/* The fast routes of the models' objectives (binary_pass.c,
 * ordinal_pass.c): the accumulate callbacks of objective.h, reading a
 * partreg_design (design.h) and running the route in its `kernel`
 * (SCALAR, AVX2 or AVX512; AUTO is taken as SCALAR). Each must equal its
 * model's reference route (binary.c, ordinal.c) to the rounding its file
 * states. Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_PASSES_H
#define PARTREG_MODELS_KERNELS_PASSES_H

#include <stddef.h>

#include "models/design.h"
#include "models/objective.h"

/* The binary model (binary.c), model = a partreg_design. */
void partreg_binary_fast_accumulate(const void *model, const double *beta, size_t begin,
                                    size_t end, partreg_order order, partreg_accum *acc,
                                    double *scratch);
/* Scratch doubles the binary route needs for pk kept columns. */
size_t partreg_binary_fast_scratch(size_t pk);

/* The cumulative-link model (ordinal.c), model = a partreg_design. */
void partreg_ordinal_fast_accumulate(const void *model, const double *theta, size_t begin,
                                     size_t end, partreg_order order, partreg_accum *acc,
                                     double *scratch);
/* Scratch doubles the ordinal route needs for pk kept columns and J
 * levels (the logit pass's, the larger). */
size_t partreg_ordinal_fast_scratch(size_t pk, size_t J);

/* The cumulative logit's weighted gradient terms of rows i0 .. i0 + m - 1
 * of d from their linear predictors eta, by the logit pass's route (its
 * gather and vectorised terms, the reference terms for the rows it sends
 * there): gw = w dl/deta, wda = w dl/da, wdb = w dl/db (a, b the row's
 * cut distances; 0 where a cut is absent), for the row scores
 * (score_rows.c). scratch: partreg_ordinal_logit_score_terms_scratch(J, m)
 * doubles. */
void partreg_ordinal_logit_score_terms(const partreg_design *d, const double *theta,
                                       const double *eta, size_t i0, size_t m, double *scratch,
                                       double *gw, double *wda, double *wdb);
size_t partreg_ordinal_logit_score_terms_scratch(size_t J, size_t m);

#endif
