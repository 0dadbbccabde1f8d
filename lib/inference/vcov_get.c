/* The covariance in force as a plain row-major array
 * (partreg_fit_vcov_get(), partreg_inference.h): the same numbers as
 * partreg_fit_vcov(), for callers that read no gsl_matrix. */
#include "partreg_inference.h"

#include "core/error.h"

#include <gsl/gsl_matrix.h>

partreg_status partreg_fit_vcov_get(const partreg_fit *fit, double *out, size_t k,
                                    partreg_error *err)
{
    if (!fit || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_vcov_get: NULL argument");
    const gsl_matrix *V = partreg_fit_vcov(fit);
    size_t K = partreg_fit_n_parameters(fit);
    if (k != K || !V || V->size1 != K || V->size2 != K)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_fit_vcov_get: the fit has %zu parameters, not %zu", K,
                                 k);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            out[i * K + j] = gsl_matrix_get(V, i, j);
    partreg_error_clear(err);
    return PARTREG_OK;
}
