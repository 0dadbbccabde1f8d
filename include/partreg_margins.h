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
    double conf_high;  /**< estimate + q std_error (a probability of
                            partreg_margins_predict(): see partreg_prob_ci) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** The group of the rows averaged over, `V=value`
             *  (partreg_margins_options.group_labels), for a contrast
             *  between groups `V=b - V=a`; NULL without groups (borrowed,
             *  like term). */
            const char *over;
            size_t group;    /**< group index (0 without groups) */
            size_t cell;     /**< cell of the at-grid, or effect block (AME), 0-based */
            size_t outcome_index; /**< outcome index (0 for a binary model) */
            /** 1: a predicted probability, whose interval follows
             *  partreg_prob_ci and whose z and p_value (a test of P = 0)
             *  are NaN; 0: an effect or a contrast (Wald interval, z test
             *  of zero). */
            int probability;
        };
        unsigned char partreg_reserved_[64];
    };
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

/** How the interval of a predicted probability is formed. */
typedef enum partreg_prob_ci {
    /** On the scale of the fit's link, transformed back: with F the link's
     *  distribution function, F(F^-1(P) -+ q SE / f(F^-1(P))). For one
     *  binary prediction this is the interval of the linear predictor
     *  mapped through F (R's predict(type = "link") then linkinv); it
     *  always lies inside (0, 1). The default. */
    PARTREG_PROB_CI_LINK = 0,
    /** P -+ q SE on the probability scale (Stata's `margins` default;
     *  it can leave [0, 1] near 0 or 1). */
    PARTREG_PROB_CI_DELTA = 1
} partreg_prob_ci;

/** Contrasts of margins (partreg_margins_contrast()). */
typedef enum partreg_contrast_type {
    PARTREG_CONTRAST_REFERENCE = 0, /**< each cell (or group) minus the first */
    PARTREG_CONTRAST_PAIRWISE = 1   /**< every pair: cell b minus cell a for a < b */
} partreg_contrast_type;

/** Parse "reference" or "pairwise". PARTREG_OK or PARTREG_EINVAL (the
 *  message lists both). Thread-safe. */
PARTREG_API partreg_status partreg_contrast_parse(const char *text, partreg_contrast_type *out,
                                                  partreg_error *err);
/** Parse "link" or "delta" (partreg_prob_ci). PARTREG_OK or
 *  PARTREG_EINVAL. Thread-safe. */
PARTREG_API partreg_status partreg_prob_ci_parse(const char *text, partreg_prob_ci *out,
                                                 partreg_error *err);

/** Group index of a row in no group (partreg_margins_options.group). */
#define PARTREG_NO_GROUP ((size_t)-1)

/** Options of partreg_margins_predict() and partreg_margins_ame_groups().
 *  Get defaults from partreg_margins_options_default(); every pointer is
 *  borrowed for the call. */
typedef struct partreg_margins_options {
    double level;             /**< confidence level in (0, 1) (default 0.95) */
    partreg_prob_ci prob_ci;  /**< intervals of probabilities (default link) */
    /** Frame rows' groups (Stata's `margins, over(V)`): group[i] in
     *  0..n_groups-1, or PARTREG_NO_GROUP for a row averaged in no group.
     *  NULL: one group of every row. */
    const size_t *group;
    size_t n_groups;                  /**< groups (with group) */
    const char *const *group_labels;  /**< n_groups labels, e.g. "gender=male" (copied) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[192];
} partreg_margins_options;

/** Defaults: level 0.95, link-scale intervals, no groups. */
PARTREG_API partreg_margins_options partreg_margins_options_default(void);

/** A grid of settings, Stata's `margins, at(...)` (opaque): a list of
 *  cells, each a set of variables held at values. */
typedef struct partreg_at_grid partreg_at_grid;

/**
 * Parse at-specifications into one grid: each text is clauses `name=values`
 * separated by spaces; values are separated by commas and are numbers,
 * ranges `a(d)b` (a, a + d, ... up to b, Stata's numlist; d may be
 * negative), level names of a categorical variable, or level names in
 * double quotes (for names with spaces or commas). A text gives the full
 * grid of its clauses, the last clause varying fastest
 * (`age=20,40 insured=yes,no`: age=20 insured=yes, age=20 insured=no,
 * age=40 insured=yes, age=40 insured=no); the texts' grids follow one
 * another (Stata's repeated at()). The older form `age=30,sex=male`, a
 * comma before a clause, is read as two clauses.
 *
 * @param fr      the frame whose variables are named (borrowed).
 * @param specs   n_specs NUL-terminated texts (borrowed).
 * @param n_specs at least 1.
 * @param out     on PARTREG_OK a new grid (partreg_at_grid_free());
 *                otherwise NULL.
 * @param err     optional; the message quotes the offending clause.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL argument, no texts, an empty
 *         text or clause, a clause without `=`, a value that is not a
 *         finite number or a range for a numeric variable, a range with
 *         step 0 or pointing away from its end, a variable set twice in
 *         one text, more than 100,000 cells); PARTREG_ENOTFOUND (unknown
 *         variable, with the closest name; unknown level, with the
 *         variable's levels); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_at_grid_parse(const partreg_frame *fr,
                                                 const char *const *specs, size_t n_specs,
                                                 partreg_at_grid **out, partreg_error *err);
/** Number of cells (0 for NULL). Thread-safe. */
PARTREG_API size_t partreg_at_grid_n_cells(const partreg_at_grid *g);
/** Settings of cell c (borrowed, valid until the grid is freed) and their
 *  number in *n_set; NULL (and *n_set = 0) when c is out of range. */
PARTREG_API const partreg_setting *partreg_at_grid_cell(const partreg_at_grid *g, size_t c,
                                                        size_t *n_set);
/** Release a grid. NULL is a no-op. */
PARTREG_API void partreg_at_grid_free(partreg_at_grid *g);

/**
 * Predictive margins over a grid and groups: for each group g (or all rows)
 * and each cell c of `grid` (NULL: one cell holding nothing, the average
 * predicted probability as observed), the weighted average over the rows
 * of group g of the predicted probability with the cell's variables held
 * at its values in every row, as Stata's `margins, at(...) over(V)`.
 * Numbers and standard errors of each (group, cell) are those of
 * partreg_margins_at() on the rows of the group; intervals of the
 * probabilities follow opt->prob_ci, z and p_value are NaN (a probability
 * is not tested against 0) and `probability` is 1.
 *
 * Entries: group-major, then cell, then outcome (1 for a binary model, J
 * for an ordinal one): entry (g, c, o) is number (g C + c) nout + o. term
 * is the cell's settings (partreg_margins_at()), over the group's label.
 *
 * Under a survey design (partreg_fit_set_survey()) the covariance is the
 * design's and the intervals use Student's t with the design df.
 *
 * @param fit  the fit (borrowed), made from `fr`.
 * @param fr   its model frame (borrowed).
 * @param grid settings (borrowed) or NULL.
 * @param opt  NULL: partreg_margins_options_default().
 * @param out  on PARTREG_OK a new list (partreg_margins_free()); else NULL.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL fit/fr/out, level outside
 *         (0, 1), the fit not matching the frame, groups without labels, a
 *         group index out of range); PARTREG_EDATA (a group whose rows
 *         have no weight: the message names it; a design row not finite
 *         at a cell's values); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_margins_predict(const partreg_fit *fit, const partreg_frame *fr,
                                                   const partreg_at_grid *grid,
                                                   const partreg_margins_options *opt,
                                                   partreg_margins **out, partreg_error *err);

/**
 * Average marginal effects within each group (Stata's `margins, dydx(*)
 * over(V)`): partreg_margins_ame() on the rows of each group, the groups
 * one after another (entry (g, b, o) is number (g B + b) nout + o for B
 * effect blocks; `cell` is b, `over` the group's label). Without groups
 * the numbers are those of partreg_margins_ame(). Statuses as
 * partreg_margins_predict() and partreg_margins_ame(). Thread-safe.
 */
PARTREG_API partreg_status partreg_margins_ame_groups(const partreg_fit *fit,
                                                      const partreg_frame *fr,
                                                      const partreg_margins_options *opt,
                                                      partreg_margins **out, partreg_error *err);

/**
 * Contrasts of the margins of partreg_margins_predict() or
 * partreg_margins_ame_groups(), with delta-method standard errors
 * sqrt((g_b - g_a)' V (g_b - g_a)) from the margins' own Jacobians and the
 * covariance they were computed under (Stata's `margins r.` and
 * `pwcompare`, R's `emmeans::contrast(method = "trt.vs.ctrl1" or
 * "pairwise")` on the response scale, without multiplicity adjustment).
 *
 * What is compared: the cells of the at-grid within each group and
 * outcome, when the margins are predictions over more than one cell;
 * otherwise the groups, within each cell (or effect) and outcome.
 * REFERENCE: every cell (group) minus the first; PAIRWISE: b minus a for
 * every a < b, in the order (a, b) = (0, 1), (0, 2), ..., (1, 2), ...
 * Entry term: "b-term - a-term" across cells, the shared term across
 * groups (then over is "b-label - a-label"). Intervals are Wald,
 * estimate -+ q SE (normal, or t with the design df), z tests a zero
 * difference, probability is 0.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL argument, an unknown type, a
 *         list not made by those two functions); PARTREG_EUNSUPPORTED
 *         (nothing to compare: one cell and one group; the message says
 *         to give several values in the at-grid or groups); PARTREG_ENOMEM.
 *         On failure *out = NULL. Thread-safe.
 */
PARTREG_API partreg_status partreg_margins_contrast(const partreg_margins *m,
                                                    partreg_contrast_type type,
                                                    partreg_margins **out, partreg_error *err);

/** Options of partreg_fit_predict_rows(); defaults from
 *  partreg_predict_options_default(). */
typedef struct partreg_predict_options {
    double level;            /**< confidence level in (0, 1) (default 0.95) */
    partreg_prob_ci prob_ci; /**< intervals of the probabilities (default link) */
    int linear;              /**< also the linear predictor x'beta with its SE and interval (default 0) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_predict_options;

/** Defaults: level 0.95, link-scale intervals, no linear predictor. */
PARTREG_API partreg_predict_options partreg_predict_options_default(void);

/** Predictions of rows with standard errors (opaque). */
typedef struct partreg_predictions partreg_predictions;

/**
 * Each row's probability of every outcome level (J levels: a binary model's
 * P(no) = 1 - P(yes) included) with its delta-method standard error
 * sqrt(g' V g), g the gradient of the probability over the parameters from
 * the model's table (partreg_model_ops.predict) and V the covariance in
 * force, and its interval (opt->prob_ci: on the link scale transformed
 * back by default; normal quantiles, or t with the design df under a
 * survey design). With opt->linear, the linear predictor eta = x'beta over
 * the coefficients that are the same at every cut (R's
 * predict(type = "link") for a binary model, polr's "lp" for an ordinal
 * one: the thresholds are not in it), its SE sqrt(x' V_bb x) and Wald
 * interval.
 *
 * @param fit  the fit (borrowed).
 * @param d    rows with the fit's design columns (e.g. from
 *             partreg_frame_apply() and partreg_frame_data()).
 * @param opt  NULL: the defaults.
 * @param out  on PARTREG_OK a new object (partreg_predictions_free()).
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL argument, level outside (0, 1),
 *         d->p differing from the fit's columns); PARTREG_EUNSUPPORTED
 *         (opt->linear for a model whose linear predictor differs by cut
 *         or is divided by a scale: the message says to use the
 *         probabilities); PARTREG_EDATA (a non-finite design value:
 *         err->index is the row); PARTREG_ENOMEM. Thread-safe. Cost:
 *         O(n J K^2).
 */
PARTREG_API partreg_status partreg_fit_predict_rows(const partreg_fit *fit, const partreg_data *d,
                                                    const partreg_predict_options *opt,
                                                    partreg_predictions **out, partreg_error *err);
/** Number of rows (0 for NULL). */
PARTREG_API size_t partreg_predictions_n_rows(const partreg_predictions *p);
/** Number of outcome levels J (0 for NULL). */
PARTREG_API size_t partreg_predictions_n_levels(const partreg_predictions *p);
/** P(Y = level j) of row i, its standard error and interval into the
 *  optional outputs; PARTREG_EINVAL when i or j is out of range. */
PARTREG_API partreg_status partreg_predictions_get(const partreg_predictions *p, size_t i,
                                                   size_t j, double *prob, double *std_error,
                                                   double *conf_low, double *conf_high);
/** The linear predictor of row i with its SE and interval;
 *  PARTREG_EINVAL when i is out of range or it was not asked for. */
PARTREG_API partreg_status partreg_predictions_linear(const partreg_predictions *p, size_t i,
                                                      double *eta, double *std_error,
                                                      double *conf_low, double *conf_high);
/** Release. NULL is a no-op. */
PARTREG_API void partreg_predictions_free(partreg_predictions *p);

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
    /** upper chi-square(df) tail, or the F's tail when adjusted_f is
     *  given; NaN when df = 0 */
    double p_value;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** An F statistic where the covariance calls for one, on (df1,
             *  df2), q = df: under a survey design (design df d) the
             *  adjusted F = (d - q + 1) / (d q) chi2 on (q, d - q + 1)
             *  (Stata's default after svy); under CR2 clubSandwich's HTZ
             *  test (Wald_test(test = "HTZ"), df2 fractional); under a
             *  cluster covariance whose parameters are on t(d)
             *  (partreg_fit_set_param_df(), --cluster-df) chi2 / q on (q,
             *  d) (clubSandwich's "Naive-F"). NaN otherwise (chi-square). */
            double adjusted_f;
            double df1; /**< numerator df q of adjusted_f, else NaN */
            double df2; /**< denominator df of adjusted_f, else NaN */
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
 * constraints). The reference distribution is the one the covariance
 * calls for, as partreg_fit_joint_test() gives it (adjusted_f, df1, df2).
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

/**
 * Joint Wald test that the parameters with full indices params[0..m-1]
 * are all zero, on the reference distribution the covariance in force
 * calls for: chi2 and df as partreg_fit_wald_test(); then
 * - under a survey design (design df d): the adjusted F = (d - q + 1) /
 *   (d q) chi2 on (q, d - q + 1), q = df (Stata's svy);
 * - under CR2 with full rank: clubSandwich's HTZ test (Wald_test(test =
 *   "HTZ"); Tipton and Pustejovsky 2015), F on (q, nu - q + 1) with nu
 *   from the working model's variance of the covariance's block
 *   (docs/methods_inference.md);
 * - under a cluster covariance whose parameters are on t(d)
 *   (partreg_fit_set_param_df(), --cluster-df): chi2 / q on (q, d)
 *   (clubSandwich's "Naive-F");
 * - otherwise chi-square(df) (adjusted_f, df1 and df2 NaN).
 *
 * @param fit     a fit (not modified).
 * @param params  full parameter indices (coefficients 0..p-1, thresholds
 *                p..p+J-2), none repeated or dropped.
 * @param m       their number (>= 1).
 * @param out     the test (its `variable` NULL).
 * @param err     optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, m = 0, an index out
 *         of range, repeated or dropped); PARTREG_ESINGULAR (covariance not
 *         finite or of rank 0); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_joint_test(const partreg_fit *fit, const size_t *params,
                                                  size_t m, partreg_wald_term *out,
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
