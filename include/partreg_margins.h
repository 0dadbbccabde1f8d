/**
 * @file partreg_margins.h
 * @brief Marginal effects, predictive margins and joint Wald tests by model
 *        variable, computed from a fit and the model frame it was made from.
 *
 * Every function here takes a fit together with the ::partreg_frame whose
 * data (partreg_frame_data()) the fit was made from: same rows, same design
 * columns, same outcome levels. The frame supplies what a design matrix
 * alone cannot: which design columns belong to which variable, the
 * variables' observed values and levels, and the design row of any row with
 * variables held at chosen values (with its derivative with respect to a
 * numeric variable, through `I()`, `log()`, powers and interactions).
 *
 * Probabilities: binary P = F(x'beta) (the event); ordinal
 * P_j = F(theta_j - x'beta) - F(theta_{j-1} - x'beta), theta_0 = -inf,
 * theta_J = +inf. Averages over rows use the frame's case weights when it
 * has them. Standard errors are by the delta method, sqrt(g' V g), with g
 * the analytic gradient of the quantity over the full parameter vector
 * (p coefficients, then J-1 thresholds; dropped coefficients contribute
 * nothing) and V the covariance in force (partreg_fit_vcov(), so a
 * sandwich covariance set with partreg_fit_set_vcov() carries over). The
 * formulas are written out in docs/methods_margins.md.
 *
 * Thread-safety: all functions only read the fit and the frame; results are
 * immutable handles that may be read from several threads at once.
 */
#ifndef PARTREG_MARGINS_H
#define PARTREG_MARGINS_H

#include <stddef.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_formula.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One marginal effect or predictive margin with its Wald statistics. */
typedef struct partreg_margin {
    /** What is measured (borrowed from the list, valid until it is freed):
     *  a numeric variable's name (`age`) for a derivative; `V[L]` for the
     *  change from V's reference level to level L; for
     *  partreg_margins_at() the settings, `age=30,sex=male` (empty string
     *  when no variable is held). */
    const char *term;
    /** NULL for a binary model; for an ordinal model the name of the
     *  outcome level whose probability is measured (borrowed, like term). */
    const char *outcome;
    double estimate;   /**< the effect or margin */
    double std_error;  /**< delta-method standard error under the covariance in force */
    double z;          /**< estimate / std_error */
    double p_value;    /**< two-sided normal p-value of z (Student's t with the design df under a survey design) */
    double conf_low;   /**< estimate - q std_error, q the normal (design: t) quantile of the level */
    double conf_high;  /**< estimate + q std_error */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_margin;

/** A list of margins (opaque; owns the strings its entries point to). */
typedef struct partreg_margins partreg_margins;

/**
 * Average marginal effects (AME) of every model variable, as Stata's
 * `margins, dydx(*)` and R's `marginaleffects::avg_slopes()`.
 *
 * - Numeric variable v: AME = sum_i w_i dP(x_i)/dv / sum_i w_i, where every
 *   design column involving v (`v`, `I(v^2)`, `log(v)`, `v:w`, ...) is
 *   differentiated: dP/dv = f(eta) beta'(dx/dv) (binary),
 *   dP_j/dv = -(f(theta_j - eta) - f(theta_{j-1} - eta)) beta'(dx/dv)
 *   (ordinal). Entry term: `v`.
 * - Categorical variable V, each non-reference level L: the weighted
 *   average of P(row with V = L) - P(row with V = reference), everything
 *   else as observed. Entry term: `V[L]`.
 *
 * Order: variables in frame order (partreg_frame_variable_name()), levels
 * in level order; for an ordinal model each variable or level is followed
 * by its J outcome levels, lowest first (outcome = level name). Weights are
 * the frame's case weights (unit weights without them).
 *
 * @param fit    a fit made from partreg_frame_data(fr) (not modified).
 * @param fr     the model frame (borrowed).
 * @param level  confidence level of the intervals, in (0, 1).
 * @param out    on PARTREG_OK a new list owned by the caller (release with
 *               partreg_margins_free()); otherwise NULL.
 * @param err    optional error report.
 * @return PARTREG_OK;
 *         PARTREG_EINVAL: NULL fit/fr/out, level outside (0, 1), a fit that
 *         does not match the frame (family, number of rows, columns or
 *         outcome levels differ);
 *         PARTREG_EUNSUPPORTED: the model has no predictor variable;
 *         PARTREG_EDATA: the weights sum to zero, or a design row is not
 *         finite (err->index is the frame row);
 *         PARTREG_ENOMEM.
 * An estimate is NaN only if the fit's estimates are not finite; a
 * standard error is NaN when the covariance in force is (a singular fit).
 * Thread-safe. Memory: O(m k) for m entries and k parameters, plus a few
 * design rows; no n-by-anything temporary.
 */
PARTREG_API partreg_status partreg_margins_ame(const partreg_fit *fit, const partreg_frame *fr,
                                               double level, partreg_margins **out,
                                               partreg_error *err);

/**
 * Marginal effects at the means (MEM), as Stata's
 * `margins, dydx(*) atmeans`.
 *
 * The "mean row" holds every numeric variable at its weighted mean and
 * every categorical variable at its weighted level proportions: each design
 * column is the product of its numeric part, evaluated at the means (so
 * `I(age^2)` is mean(age)^2, not the mean of age^2), and of the proportions
 * of the categorical levels it indicates — Stata's convention of setting the
 * factor indicators (not the levels) at their means. Then:
 * - numeric v: dP/dv at the mean row;
 * - categorical V, level L: P(mean row with V = L) - P(mean row with
 *   V = reference), the other categorical variables at their proportions.
 * Entries, order, names and statuses as partreg_margins_ame(). Cost: one
 * design row per combination of levels of the categorical variables that
 * share an interaction (one per level for a variable in no interaction).
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_margins_mem(const partreg_fit *fit, const partreg_frame *fr,
                                               double level, partreg_margins **out,
                                               partreg_error *err);

/**
 * Predictive margins at fixed values, as Stata's `margins, at(...)`: the
 * predicted probability averaged (with the case weights) over the rows, the
 * variables in set[0..n_set) held at the given values in every row and
 * everything else as observed. Binary: one entry, P(event), outcome NULL;
 * ordinal: J entries, P(Y = j), outcome the level name. Entry term: the
 * settings as `name=value` joined by `,` in the order given (numbers in
 * the shortest form that reads back exactly, levels by name); the empty
 * string when n_set = 0 (the average predicted probability as observed).
 * Standard errors by the delta method, as partreg_margins_ame().
 *
 * @param fit    the fit (borrowed), made from `fr`.
 * @param fr     its model frame (borrowed).
 * @param set    n_set settings (borrowed; may be NULL when n_set = 0), e.g.
 *               from partreg_parse_settings().
 * @param n_set  number of settings.
 * @param level  confidence level of the intervals, in (0, 1).
 * @param out    on PARTREG_OK a new list owned by the caller
 *               (partreg_margins_free()); otherwise NULL.
 * @param err    optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL fit/fr/out, level outside
 *         (0, 1), fit not matching the frame, a setting's variable or level
 *         out of range, a variable set twice, a non-finite numeric value);
 *         PARTREG_EDATA (zero total weight, or a design row not finite at
 *         the values given, e.g. `log(x)` at x = 0; err->index is the frame
 *         row); PARTREG_ENOMEM. On failure *out = NULL. Thread-safe.
 */
PARTREG_API partreg_status partreg_margins_at(const partreg_fit *fit, const partreg_frame *fr,
                                              const partreg_setting *set, size_t n_set,
                                              double level, partreg_margins **out,
                                              partreg_error *err);

/**
 * One predictive margin per setting, in one pass over the rows: entry block
 * g (1 entry for a binary model, J for an ordinal one, as
 * partreg_margins_at()) is the margin with the single variable of set[g]
 * held at its value in every row and everything else as observed. This is
 * what a curve of predicted probabilities across a variable needs (Stata's
 * `margins, at(x = (grid))`): the numbers, terms and standard errors are
 * those of n_set calls partreg_margins_at(fit, fr, &set[g], 1, level, ...)
 * at the cost of one pass over the rows instead of n_set. The rows are
 * shared among the fit's worker threads (partreg_fit_options.threads; fewer
 * when n times n_set is under 20,000 per thread), each summing a
 * contiguous range, the ranges added in order: with one thread the numbers
 * are those of partreg_margins_at() bit for bit, with more they differ by
 * rounding only, and the same thread count always gives the same bits.
 *
 * @param fit    the fit (borrowed), made from `fr`.
 * @param fr     its model frame (borrowed).
 * @param set    n_set settings (borrowed), one per margin; the same
 *               variable may appear in several (a grid of its values).
 * @param n_set  number of settings, at least 1.
 * @param level  confidence level of the intervals, in (0, 1).
 * @param out    on PARTREG_OK a new list of n_set blocks owned by the
 *               caller (partreg_margins_free()); otherwise NULL.
 * @param err    optional error report; err->index is the setting for a bad
 *               setting, the frame row for PARTREG_EDATA.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL fit/fr/set/out, n_set = 0,
 *         level outside (0, 1), fit not matching the frame, a setting's
 *         variable or level out of range, a non-finite numeric value);
 *         PARTREG_EDATA (zero total weight, or a design row not finite at a
 *         setting; err->index is the lowest such row); PARTREG_ENOMEM. On
 *         failure *out = NULL. Thread-safe. Memory: O(T n_set J k) for T
 *         threads; no n-by-anything temporary.
 */
PARTREG_API partreg_status partreg_margins_at_each(const partreg_fit *fit, const partreg_frame *fr,
                                                   const partreg_setting *set, size_t n_set,
                                                   double level, partreg_margins **out,
                                                   partreg_error *err);

/**
 * Parse settings such as `"age=30,sex=male"` against a frame's variables.
 *
 * Comma-separated `name=value` items, spaces around names and values
 * ignored. A numeric variable's value is a finite number (C syntax, as
 * strtod reads it); a categorical variable's value is one of its level
 * names, exactly, or, when no name matches and both read as numbers, the
 * level with the same numeric value (`cyl=4.0` finds level `4` of
 * `factor(cyl)`).
 *
 * @param fr   the frame (borrowed).
 * @param spec NUL-terminated settings text (borrowed).
 * @param out  on PARTREG_OK a new array of *n settings, owned by the caller
 *             and released with free(); otherwise NULL.
 * @param n    receives the number of settings (0 on failure).
 * @param err  optional; the message names the offending item.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL argument, an empty spec or item,
 *         an item without `=`, an empty value, a value that is not a finite
 *         number for a numeric variable — quoted in the message —, a
 *         variable set twice); PARTREG_ENOTFOUND (unknown variable: the
 *         message suggests the closest name; unknown level: the message
 *         lists the variable's levels); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_parse_settings(const partreg_frame *fr, const char *spec,
                                                  partreg_setting **out, size_t *n,
                                                  partreg_error *err);

/** Number of entries (0 for NULL). Thread-safe. */
PARTREG_API size_t partreg_margins_n_entries(const partreg_margins *m);
/** The earlier name of partreg_margins_n_entries(), kept for source
 *  compatibility. */
#define partreg_margins_count partreg_margins_n_entries
/** Entry i (borrowed, valid until the list is freed), or NULL when m is
 *  NULL or i is out of range. Thread-safe. */
PARTREG_API const partreg_margin *partreg_margins_get(const partreg_margins *m, size_t i);
/** Release a list and its strings. NULL is a no-op. */
PARTREG_API void partreg_margins_free(partreg_margins *m);

/** Joint Wald test that every coefficient of one model variable is zero. */
typedef struct partreg_wald_term {
    const char *variable; /**< the variable's name (owned by the Wald table) */
    double chi2;          /**< b_S' V_SS^- b_S */
    double df;            /**< rank of V_SS (0 when every column was dropped or the block is not finite) */
    /** upper chi-square(df) tail; under a survey design the adjusted F's
     *  tail; NaN when df = 0 */
    double p_value;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** Under a survey design (partreg_fit_set_survey(), design df
             *  d): the adjusted F = (d - q + 1) / (d q) chi2 with q = df,
             *  on (q, d - q + 1) degrees of freedom (Stata's default after
             *  svy); NaN otherwise. */
            double adjusted_f;
            double df1; /**< q under a design, else NaN */
            double df2; /**< d - q + 1 under a design, else NaN */
        };
        unsigned char partreg_reserved_[64];
    };
} partreg_wald_term;

/** A table of Wald tests by variable (opaque; owns its strings). */
typedef struct partreg_wald_table partreg_wald_table;

/**
 * Joint Wald test per model variable, over every design column whose term
 * involves the variable: all non-reference levels of a categorical
 * variable, and a numeric variable together with its transformations and
 * every interaction it enters. Dropped (collinear) columns are skipped;
 * thresholds are never tested.
 *
 * chi2 = b_S' V_SS^- b_S with V the covariance in force, df = rank V_SS.
 * V_SS is first scaled to a correlation matrix (so the rank decision does
 * not depend on the units of the variables); when that is not positive
 * definite, its generalised inverse drops eigenvalues below 1e-10 times the
 * largest (as partreg_fit_wald_test() and Stata's `test` drop dependent
 * constraints).
 *
 * This is Stata's `testparm` listing every term with the variable (e.g.
 * `testparm c.age c.age#c.age i.sex#c.age`) and R's
 * `car::linearHypothesis(model, <those coefficients>, test = "Chisq")`.
 * It agrees with `car::Anova(model, type = 2 or 3, test.statistic = "Wald")`
 * only for variables that appear in a single term (a main effect in no
 * interaction, no transformation); for a variable in an interaction car's
 * type II and III test terms, not variables.
 *
 * @param fit  a fit made from partreg_frame_data(fr) (not modified).
 * @param fr   the model frame (borrowed).
 * @param out  on PARTREG_OK a new table, one entry per model variable in
 *             frame order (release with partreg_wald_table_free());
 *             otherwise NULL.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL argument, fit not matching the
 *         frame); PARTREG_ENOMEM. A variable whose covariance block is not
 *         finite or of rank 0 gets chi2 = p_value = NaN (with PARTREG_OK).
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_wald_tests_by_variable(const partreg_fit *fit,
                                                          const partreg_frame *fr,
                                                          partreg_wald_table **out,
                                                          partreg_error *err);

/** Number of tests (0 for NULL). Thread-safe. */
PARTREG_API size_t partreg_wald_table_n_terms(const partreg_wald_table *t);
/** The earlier name of partreg_wald_table_n_terms(), kept for source
 *  compatibility. */
#define partreg_wald_table_count partreg_wald_table_n_terms
/** Test i (borrowed, valid until the table is freed), or NULL when t is
 *  NULL or i is out of range. Thread-safe. */
PARTREG_API const partreg_wald_term *partreg_wald_table_get(const partreg_wald_table *t, size_t i);
/** Release a table. NULL is a no-op. */
PARTREG_API void partreg_wald_table_free(partreg_wald_table *t);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_MARGINS_H */
