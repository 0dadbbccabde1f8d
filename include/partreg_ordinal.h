/**
 * @file partreg_ordinal.h
 * @brief When proportional odds fails: tests of the parallel-lines and
 *        constant-scale assumptions of ordinal models, per variable.
 *
 * An ordinal fit with nominal (cut-specific) effects or scale effects is
 * made with a ::partreg_model_spec (partreg_model_spec_set_nominal(),
 * partreg_model_spec_set_scale()). The functions here test, for each
 * model variable (a frame variable: all levels of a factor, a numeric
 * variable with its transformations and interactions, together), whether
 * its effects differ by cut or whether it changes the scale:
 * - partreg_nominal_test(): likelihood-ratio test of the variable made
 *   nominal, as R's `ordinal::nominal_test`;
 * - partreg_scale_test(): likelihood-ratio test of the variable added to
 *   the scale, as R's `ordinal::scale_test`;
 * - partreg_equal_slopes_test(): Wald test that a nominal variable's
 *   cut-specific slopes are equal, under the covariance in force (robust,
 *   cluster), the test of Stata's `gologit2, autofit`.
 * docs/methods_inference.md gives the definitions.
 */
#ifndef PARTREG_ORDINAL_H
#define PARTREG_ORDINAL_H

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_formula.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One variable's test. */
typedef struct partreg_variable_test {
    const char *variable; /**< the variable's name (owned by the list) */
    double chi2;          /**< the statistic; NaN when there is none (see diverges, converged) */
    double df;            /**< degrees of freedom */
    double p_value;       /**< upper chi-square(df) tail; NaN with chi2 */
    int step;             /**< autofit: the step at which the variable was made parallel (1 = first); else 0 */
    int diverges;         /**< the refit's estimates run off to infinity: no statistic */
    int converged;        /**< 0 when the refit did not converge: no statistic */
} partreg_variable_test;

/** A list of per-variable tests (opaque; owns its strings). */
typedef struct partreg_variable_tests partreg_variable_tests;

/** Number of tests in the list (0 for NULL). */
PARTREG_API size_t partreg_variable_tests_n_tests(const partreg_variable_tests *t);
/** Test i, or NULL when i is out of range (borrowed; valid while the list lives). */
PARTREG_API const partreg_variable_test *partreg_variable_tests_get(const partreg_variable_tests *t,
                                                                    size_t i);
/** The joint test over every variable of the list (partreg_equal_slopes_test()
 *  only; all NaN otherwise). */
PARTREG_API partreg_chi2_test partreg_variable_tests_omnibus(const partreg_variable_tests *t);
/** Release a list. NULL is a no-op. */
PARTREG_API void partreg_variable_tests_free(partreg_variable_tests *t);

/**
 * Likelihood-ratio test, per variable, of nominal effects: for each model
 * variable with location columns that are not yet nominal in `fit`, the
 * model refitted with those columns nominal (one slope per cut), and
 *
 *     chi2 = 2 (l_v - l),  df = k_v - k  (= columns x (J - 2)),
 *
 * l and k the fit's log-likelihood and estimated parameters, l_v and k_v
 * the refit's. A refit whose estimates run off to infinity (separation)
 * or that does not converge gives no statistic (diverges / converged say
 * which). Every link, case weights.
 *
 * @param fit  a converged ordinal fit (not modified).
 * @param fr   the frame it was made from (borrowed).
 * @param out  on PARTREG_OK a new list owned by the caller.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, fit and frame do not
 *         match); PARTREG_EUNSUPPORTED (not a cumulative-link fit);
 *         PARTREG_ENOTCONVERGED (the fit itself did not converge);
 *         PARTREG_ENOMEM, or another status of a refit that failed for a
 *         reason other than divergence. Thread-safe (reads the fit; the
 *         refits use its solver options).
 */
PARTREG_API partreg_status partreg_nominal_test(const partreg_fit *fit, const partreg_frame *fr,
                                                partreg_variable_tests **out, partreg_error *err);

/**
 * Likelihood-ratio test, per variable, of scale effects: for each model
 * variable with location columns not yet in the scale, the model refitted
 * with them also in the scale (location-scale model), chi2 = 2 (l_v - l),
 * df = k_v - k (= its columns). Otherwise as partreg_nominal_test().
 */
PARTREG_API partreg_status partreg_scale_test(const partreg_fit *fit, const partreg_frame *fr,
                                              partreg_variable_tests **out, partreg_error *err);

/**
 * Wald test of equal slopes across cuts for each variable with nominal
 * effects in `fit`: the hypothesis beta_{j+1,c} = beta_{j,c}, j = 1..J-2,
 * for every nominal column c of the variable (df = columns x (J - 2)),
 *
 *     chi2 = (R b)' (R V R')^- (R b)
 *
 * with V the covariance in force (so robust and cluster covariances carry
 * over) and the generalised inverse of partreg_wald_tests_by_variable().
 * The omnibus test takes every nominal column together. This is the test
 * Stata's `gologit2, autofit` and its `test` of parallel lines use
 * (Williams 2006).
 *
 * @param fit  a converged fit with cut-specific slopes (not modified).
 * @param fr   the frame it was made from (borrowed).
 * @param out  on PARTREG_OK a new list owned by the caller (one entry per
 *             variable with nominal columns, frame order).
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, fit and frame do not
 *         match); PARTREG_EUNSUPPORTED (the fit has no cut-specific
 *         slopes); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_equal_slopes_test(const partreg_fit *fit,
                                                     const partreg_frame *fr,
                                                     partreg_variable_tests **out,
                                                     partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_ORDINAL_H */
