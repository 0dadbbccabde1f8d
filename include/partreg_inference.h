/**
 * @file partreg_inference.h
 * @brief Inference on fitted models: covariance estimators, intervals, tests.
 *
 * Included by partreg.h. Every function here reads a fit and, where the
 * statistic needs the rows again (sandwich estimators, profile likelihood,
 * Brant test), the same ::partreg_data the fit was made from.
 */
#ifndef PARTREG_INFERENCE_H
#define PARTREG_INFERENCE_H

#include "partreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Covariance estimators (values frozen). */
typedef enum partreg_vcov_type {
    PARTREG_VCOV_MODEL = 0,   /**< inverse information (observed unless the fit asked for expected) */
    PARTREG_VCOV_HC0 = 1,     /**< White sandwich H^-1 (sum s_i s_i') H^-1 */
    PARTREG_VCOV_HC1 = 2,     /**< HC0 * n/(n-k) */
    PARTREG_VCOV_CLUSTER = 3  /**< CR1: G/(G-1) (n-1)/(n-k) H^-1 (sum_g S_g S_g') H^-1 */
} partreg_vcov_type;

/** Name of a covariance type ("model", "hc0", "hc1", "cluster") or NULL. */
const char *partreg_vcov_name(partreg_vcov_type type);

/** The covariance type in force for a fit (PARTREG_VCOV_MODEL after fitting). */
partreg_vcov_type partreg_fit_vcov_type(const partreg_fit *fit);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_INFERENCE_H */
