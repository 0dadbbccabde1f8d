/* The fast route of the nominal-effects objective (nominal_sums.c).
 * Private to lib/. */
#ifndef PARTREG_MODELS_NOMINAL_SUMS_H
#define PARTREG_MODELS_NOMINAL_SUMS_H

#include "models/nominal_scale.h"

/* Rows [begin, end) of a model with nominal effects and no scale terms:
 * what partreg_ns_accumulate_ref adds, by blocks (nominal_sums.c says to
 * which precision). scratch: partreg_ns_fast_scratch(d->model) doubles. */
void partreg_ns_accumulate_fast(const partreg_design *d, const double *theta, size_t begin,
                                size_t end, partreg_order order, partreg_accum *acc,
                                double *scratch);
size_t partreg_ns_fast_scratch(const partreg_model *m);

#endif
