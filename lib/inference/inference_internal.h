/* Helpers shared by the inference files (lib/inference/). Private to lib/. */
#ifndef PARTREG_INFERENCE_INTERNAL_H
#define PARTREG_INFERENCE_INTERNAL_H

#include "models/fit_internal.h"

/* Check that `data` has the fit's shape and gives the fit's log-likelihood
 * at the estimate (so the rows are the ones the fit was made from). Fills
 * d and obj with the fit's design and objective over `data` (on an error
 * they are zeroed or partly filled, and not to be used).
 * PARTREG_OK, PARTREG_EINVAL (message says what differs), PARTREG_ENOMEM. */
partreg_status partreg_inference_check_data(const partreg_fit *fit, const partreg_data *data,
                                            partreg_design *d, partreg_objective *obj,
                                            partreg_error *err);

#endif
