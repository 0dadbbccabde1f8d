/**
 * @file partreg_ordinal.h
 * @brief When proportional odds fails: tests of the parallel-lines and
 *        constant-scale assumptions of ordinal models, per variable, and
 *        of their goodness of fit.
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
 *   cluster), the test of Stata's `gologit2, autofit`;
 * and the goodness of fit of the whole model (partreg_fit_ordinal_gof():
 * ordinal Hosmer-Lemeshow, Lipsitz, Pulkstenis-Robinson).
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
    /** Under a survey design (a Wald test of a fit with a design-based
     *  covariance, design df d): the adjusted F = (d - q + 1) / (d q) chi2
     *  on (df1, df2) = (q, d - q + 1) degrees of freedom, q = df, whose
     *  tail p_value then is; NaN otherwise. */
    double adjusted_f;
    double df1; /**< numerator df of adjusted_f (q); NaN without a design */
    double df2; /**< denominator df of adjusted_f (d - q + 1); NaN without a design */
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
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, fit and frame do not
 *         match); PARTREG_EUNSUPPORTED (the fit has no cut-specific
 *         slopes); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_equal_slopes_test(const partreg_fit *fit,
                                                     const partreg_frame *fr,
                                                     partreg_variable_tests **out,
                                                     partreg_error *err);

/** Settings of partreg_fit_ordinal_gof(); get the defaults from
 *  partreg_ordinal_gof_options_default(). */
typedef struct partreg_ordinal_gof_options {
    size_t groups;  /**< groups g of the Hosmer-Lemeshow and Lipsitz tests (default 10, at least 3) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_ordinal_gof_options;

/** The default goodness-of-fit settings. Thread-safe. */
PARTREG_API partreg_ordinal_gof_options partreg_ordinal_gof_options_default(void);

/** Goodness of fit of an ordinal model (partreg_fit_ordinal_gof()). A test
 *  that is not defined for the model or data has NaN statistics. */
typedef struct partreg_ordinal_gof {
    size_t groups;                      /**< groups g formed */
    partreg_chi2_test hosmer_lemeshow;  /**< ordinal Hosmer-Lemeshow (Fagerland & Hosmer) */
    partreg_chi2_test lipsitz;          /**< Lipsitz likelihood-ratio test */
    partreg_chi2_test pr_chi2;          /**< Pulkstenis-Robinson chi-square */
    partreg_chi2_test pr_deviance;      /**< Pulkstenis-Robinson deviance */
    size_t pr_patterns;                 /**< covariate patterns I of the categorical variables (0: none) */
    int lipsitz_diverges;               /**< the Lipsitz refit ran off to infinity: no statistic */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_ordinal_gof;

/**
 * Goodness-of-fit tests of an ordinal (cumulative-link) fit, on the rows
 * of the frame it was made from. With P_ij the fitted P(Y_i = j), the
 * ordinal score s_i = sum_j j P_ij orders the rows (ties: observed level,
 * then row order) and g groups are formed by cumulative weight: the row
 * whose cumulative weight in that order is C goes to group ceil(g C / W).
 * - Ordinal Hosmer-Lemeshow (Fagerland & Hosmer 2013, 2016): O_kj and
 *   E_kj the weight of group k's rows in level j and the sum of their
 *   P_ij; C = sum (O - E)^2 / E, df = (g - 2)(c - 1) + (c - 2).
 * - Lipsitz (Lipsitz, Fitzmaurice & Molenberghs 1996): the model refitted
 *   with the indicators of groups 2..g added as parallel location columns;
 *   LR = 2 (l_aug - l), df = g - 1.
 * - Pulkstenis-Robinson (2004): the covariate patterns of the model's
 *   categorical variables, each split at its (weighted) median score (s
 *   at or below the median first); over the 2I x c table of O and E,
 *   chi2 = sum (O - E)^2 / E and deviance = 2 sum O log(O / E), df =
 *   (2I - 1)(c - 1) - k - 1 with k categorical variables; rows of the
 *   table without observations are left out of the sums. NaN when the
 *   model has no categorical variable.
 * The Hosmer-Lemeshow and Pulkstenis-Robinson reference distributions are
 * derived for proportional-odds models: for models with nominal or scale
 * effects those two are NaN (Lipsitz's likelihood ratio holds for every
 * model). docs/methods_inference.md has the definitions.
 *
 * @param fit  a converged ordinal fit (not modified).
 * @param fr   the frame it was made from (borrowed).
 * @param opt  settings or NULL for the defaults.
 * @param out  filled on PARTREG_OK.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, fit and frame do not
 *         match, groups < 3); PARTREG_EUNSUPPORTED (not an ordinal fit);
 *         PARTREG_ENOTCONVERGED (the fit did not converge); PARTREG_ETOOFEW
 *         (fewer rows of positive weight than groups); PARTREG_ENOMEM; the
 *         status of a Lipsitz refit that fails other than by divergence.
 * Thread-safe (reads the fit; the refit uses its solver options).
 */
PARTREG_API partreg_status partreg_fit_ordinal_gof(const partreg_fit *fit, const partreg_frame *fr,
                                               const partreg_ordinal_gof_options *opt,
                                               partreg_ordinal_gof *out, partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_ORDINAL_H */
