/**
 * @file partreg_random.h
 * @brief Community random intercepts: residents nested in communities.
 *
 * A random intercept adds to the linear predictor of every row of
 * community (group) g one effect u_g, drawn from N(0, sigma^2)
 * independently across communities:
 *
 *     binary:   P(y = 1 | x, u_g)  = F(x'beta + u_g)
 *     ordinal:  P(Y <= j | x, u_g) = F(theta_j - x'beta - u_g)
 *
 * for every link. The estimates maximise the marginal likelihood, each
 * community's integral over u_g by adaptive Gauss-Hermite quadrature with
 * Q points centred on the community's exact conditional mode and scaled by
 * the observed curvature there (Q = 1 is the Laplace approximation, R's
 * glmer and clmm default). The parameter vector gains a last block
 * "log_sigma" (kind ::PARTREG_PARAM_LOG_SD) holding log sigma; the model
 * covariance is the inverse observed information of the marginal
 * log-likelihood over every parameter, log sigma included
 * (docs/methods.md, "Community random intercepts").
 *
 * A fit of a random-intercept specification is a ::partreg_fit like any
 * other: predictions, margins and tests work through it, with
 * probabilities integrated over u ~ N(0, sigma^2) (population-averaged)
 * unless the specification asks for predictions at u = 0. Only the model
 * covariance is offered (partreg_fit_set_vcov() refuses the sandwich
 * estimators: rows within a community are not independent).
 */
#ifndef PARTREG_RANDOM_H
#define PARTREG_RANDOM_H

#include <stddef.h>

#include "partreg.h"
#include "partreg_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Give a specification a random intercept per group: row i of the data the
 * fit will read belongs to group group[i] (0..n_groups-1). The table of the
 * family (binary or cumulative-link) is then wrapped by the
 * random-intercept model; n = 0 removes the random intercept again.
 *
 * The rows may come in any order: the fit visits them by group (stably, so
 * the result depends on the input order only through the rounding of sums
 * within a group, and never on the number of threads).
 *
 * @param spec      a binary or cumulative-link specification.
 * @param n         rows (must equal the data's n at the fit).
 * @param group     n group codes (borrowed; copied).
 * @param n_groups  number of groups; every code is below it.
 * @param labels    n_groups names of the groups for reports (borrowed,
 *                  copied), or NULL for "1", "2", ...
 * @param name      the grouping variable's name (copied), or NULL.
 * @param err       optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, NULL group with n > 0,
 *         n_groups = 0, a code out of range); PARTREG_EUNSUPPORTED (a
 *         specification with nominal or scale effects, or a table of one's
 *         own); PARTREG_ENOMEM. On failure the specification is unchanged.
 *         Not thread-safe for one spec.
 */
PARTREG_API partreg_status partreg_model_spec_set_groups(partreg_model_spec *spec, size_t n,
                                                         const size_t *group, size_t n_groups,
                                                         const char *const *labels,
                                                         const char *name, partreg_error *err);

/**
 * Quadrature points per group for a random intercept: Q = 1 is the Laplace
 * approximation; the default (Q = 0 here, or never set) is 15. May be set
 * before or after partreg_model_spec_set_groups().
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, Q < 0 or Q > 100);
 *         PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_model_spec_set_nagq(partreg_model_spec *spec, int nagq,
                                                       partreg_error *err);

/** What the predictions of a random-intercept fit are. */
typedef enum partreg_ri_predictions {
    /** Integrated over u ~ N(0, sigma^2): the population-averaged
     *  probabilities (Stata's `margins, predict(mu marginal)`). Default. */
    PARTREG_RI_AVERAGED = 0,
    /** At u = 0: the probabilities of a resident of an average community
     *  (R's `predict(re.form = NA)`). */
    PARTREG_RI_CONDITIONAL = 1
} partreg_ri_predictions;

/**
 * Choose what predictions, margins and predicted-probability curves of a
 * random-intercept fit give (default ::PARTREG_RI_AVERAGED).
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, unknown value);
 *         PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_model_spec_set_ri_predictions(partreg_model_spec *spec,
                                                                 partreg_ri_predictions how,
                                                                 partreg_error *err);

/** The random intercept of a fit. */
typedef struct partreg_random_intercept {
    size_t n_groups;       /**< groups in the data */
    int nagq;              /**< quadrature points (1: Laplace) */
    int at_boundary;       /**< 1: sigma estimated at 0 (the model without the random intercept fits best) */
    int conditional;       /**< 1: predictions at u = 0; 0: population-averaged */
    double sd;             /**< sigma (0 at the boundary) */
    double log_sd;         /**< log sigma (-inf at the boundary) */
    double log_sd_std_error; /**< standard error of log sigma (NaN at the boundary) */
    double sd_std_error;   /**< sd * SE(log sigma), the delta method (NaN at the boundary) */
    double icc;            /**< sigma^2 / (sigma^2 + v): v = pi^2/3 logit, 1 probit, pi^2/6 cloglog and loglog; NaN for cauchit */
    double lr_chi2;        /**< 2 (loglik - loglik_fixed), at least 0 */
    double lr_p_value;     /**< P(chi2_1 > lr_chi2) / 2: the chi-bar-square test of sigma = 0 */
    double loglik_fixed;   /**< log-likelihood of the same model without the random intercept */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_random_intercept;

/** 1 if the fit has a random intercept, else 0. */
PARTREG_API int partreg_fit_has_random_intercept(const partreg_fit *fit);

/**
 * The fit's random intercept into *out.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments);
 *         PARTREG_EUNSUPPORTED (the fit has no random intercept).
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_random_intercept(const partreg_fit *fit,
                                                        partreg_random_intercept *out,
                                                        partreg_error *err);

/** Number of groups of a random-intercept fit (0 without one). */
PARTREG_API size_t partreg_fit_n_groups(const partreg_fit *fit);
/** Name of the grouping variable (borrowed), or NULL when none was given. */
PARTREG_API const char *partreg_fit_group_variable(const partreg_fit *fit);
/** Label of group g (borrowed; valid until the fit is freed), or NULL when
 *  g is out of range. */
PARTREG_API const char *partreg_fit_group_label(const partreg_fit *fit, size_t g);

/** One community's effect. */
typedef struct partreg_group_effect {
    double mode;       /**< conditional mode of u_g at the estimate (0 at the boundary) */
    double std_error;  /**< conditional SE 1 / sqrt(-k_g''(mode)): the posterior curvature */
    double n_obs;      /**< rows of the group (the sum of their case weights) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_group_effect;

/**
 * The conditional mode of group g's effect and its conditional standard
 * error, as R's `ranef()` and `condVar` report them (on the scale of the
 * linear predictor; for an ordinal model a positive effect moves a
 * community's residents to higher levels).
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, g out of range);
 *         PARTREG_EUNSUPPORTED (no random intercept).
 */
PARTREG_API partreg_status partreg_fit_group_effect(const partreg_fit *fit, size_t g,
                                                    partreg_group_effect *out,
                                                    partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_RANDOM_H */
