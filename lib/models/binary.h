/* The binary-response likelihood as a block-accumulated objective.
 * Private to lib/. */
#ifndef PARTREG_MODELS_BINARY_H
#define PARTREG_MODELS_BINARY_H

#include "models/design.h"
#include "models/objective.h"

/* Fill obj for P(y = 1) = F(x'beta) over the kept columns of d (k = pk). */
void partreg_binary_objective(const partreg_design *d, partreg_objective *obj);

/* The reference route of the objective's row scores (any link): row by
 * row through link.c. The logit's fast route is score_rows.c's. */
void partreg_binary_reference_row_scores(const void *model, const double *beta, size_t begin,
                                         size_t end, double *S, double *scratch);

/* Log-likelihood of the intercept-only model (closed form: the weighted
 * event share), or of the empty model F(0) when has_intercept is 0, from
 * the total weight sw and the weight s1 of the rows with y = 1. */
double partreg_binary_null_loglik(partreg_link link, double sw, double s1, int has_intercept);

#endif
