/**
 * @file partreg_report.h
 * @brief A finished analysis as one self-contained HTML report with figures.
 *
 * The report is a single HTML5 document: the style sheet is inline, the
 * figures are inline SVG drawn by the library, and nothing is fetched from
 * the network (no scripts, fonts, images or style sheets by URL), so the
 * file can be mailed, archived or opened offline. It holds:
 *
 * - the data: source, formula, rows used and dropped, and a summary of
 *   every model variable on the rows used (mean, SD, minimum and maximum of
 *   a numeric variable; counts and shares of each level of a categorical
 *   one, and of the outcome);
 * - the coefficient table (odds ratios with their intervals for logit
 *   links) and, for an ordinal model, the thresholds;
 * - fit statistics and tests: log-likelihoods, AIC, BIC, the LR test
 *   against the null model, pseudo-R2, joint Wald tests by variable, the
 *   Brant test when the analysis has it, and for binary models the
 *   Hosmer-Lemeshow test, the ROC area and the Brier score;
 * - the marginal-effect tables the analysis computed;
 * - figures: a forest plot of the odds ratios (log scale) or coefficients
 *   with their intervals; predicted probabilities of each outcome level
 *   across one variable with pointwise delta-method confidence bands
 *   (predictive margins: partreg_margins_at() with the variable held at a
 *   grid of values, averaged over the rows used); for binary models the ROC
 *   curve and a calibration plot (groups of fitted probability against the
 *   observed share).
 *
 * Every string that comes from the data or the user (column and level
 * names, the formula, the title, the file name) is HTML-escaped.
 */
#ifndef PARTREG_REPORT_H
#define PARTREG_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_analysis.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Several fitted models side by side, as Stata's `esttab` and R's
 *  `modelsummary` print them (opaque; partreg_model_table_create()). */
typedef struct partreg_model_table partreg_model_table;

/** What to put in the HTML report. Get the defaults from
 *  partreg_html_options_default() and change fields; fields added later
 *  take the place of the reserve. Pointers are borrowed for the call. */
typedef struct partreg_html_options {
    /** Title of the document (plain text, escaped), or NULL for
     *  "Regression report: " followed by the outcome's name. */
    const char *title;
    /** Model variable across which the predicted-probability curves are
     *  drawn (its name as in the formula, e.g. `income` for a model with
     *  `log(income)`), or NULL for the first numeric variable of the model.
     *  A categorical variable is drawn as points with intervals, one per
     *  level. When NULL and the model has no numeric variable, the figure
     *  is left out. */
    const char *curve;
    /** Number of grid values of a numeric curve variable (default 41; at
     *  least 2). */
    size_t curve_points;
    /** The grid runs from this quantile of the variable's observed values
     *  on the rows used ... (default 0.01, so that a few extreme values do
     *  not stretch the axis and widen the bands where there are no data). */
    double curve_low_quantile;
    /** ... to this one (default 0.99; 0 and 1 give the observed range). */
    double curve_high_quantile;
    /** Groups of the calibration plot, formed by equal total weight in
     *  order of fitted probability, as the Hosmer-Lemeshow deciles
     *  (default 10, at least 2). */
    size_t calibration_groups;
    /** Name of the column the cluster-robust covariance is clustered by
     *  (the analysis spec's `frame.cluster`), or NULL (default). With a
     *  cluster-robust covariance in force the captions then read
     *  "clustered by <column> (G clusters)"; with NULL they give only the
     *  number of clusters G. Ignored for the other covariance types.
     *  Borrowed for the call; escaped in the output. */
    const char *cluster_column;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** Models side by side to embed in a section of their own
             *  (partreg_model_table_write() as HTML), or NULL (default). */
            const partreg_model_table *models;
            /** How to show them: eform, brackets, stars
             *  (partreg_model_table_options; NULL: the defaults). */
            const struct partreg_model_table_options *models_options;
        };
        unsigned char partreg_reserved_[128];
    };
} partreg_html_options;

/** The defaults listed with each field. Thread-safe. */
PARTREG_API partreg_html_options partreg_html_options_default(void);

/**
 * Write the analysis as one self-contained HTML document to `out`.
 *
 * The curves call partreg_margins_at() once per grid value, so they cost
 * about `curve_points` passes over the rows used; the ROC and calibration
 * figures sort the fitted probabilities once (O(n log n), O(n) memory).
 * A fit that did not converge, or whose estimates run off (separation), is
 * reported as such at the top; its curves are left out, as are the margins,
 * which the analysis does not compute for such a fit.
 *
 * @param a    the analysis (borrowed, not modified).
 * @param out  an open stream (borrowed; flushed, not closed).
 * @param opt  options, or NULL for partreg_html_options_default().
 * @param err  optional error report.
 * @return PARTREG_OK;
 *         PARTREG_EINVAL: NULL `a` or `out`, `curve_points` < 2,
 *         `calibration_groups` < 2, quantiles not 0 <= low < high <= 1;
 *         PARTREG_ENOTFOUND: `curve` is not a variable of the model (the
 *         message names it and lists the model's variables);
 *         PARTREG_EDATA: the model cannot be evaluated on the grid (e.g.
 *         `log(x)` where the grid reaches x <= 0; err->index is the row);
 *         PARTREG_ENOMEM;
 *         PARTREG_EIO: writing to `out` failed (a full disk, a closed
 *         pipe). Options are checked before anything is written; after a
 *         later failure part of the document may have been written.
 * Thread-safe for distinct streams.
 */
PARTREG_API partreg_status partreg_analysis_write_html(const partreg_analysis *a, FILE *out,
                                                       const partreg_html_options *opt,
                                                       partreg_error *err);

/** Output formats of partreg_model_table_write(). */
typedef enum partreg_table_format {
    PARTREG_TABLE_MARKDOWN = 0, /**< a pipe table (GitHub, pandoc) */
    PARTREG_TABLE_LATEX = 1,    /**< a booktabs tabular (\\usepackage{booktabs}) */
    PARTREG_TABLE_HTML = 2,     /**< an HTML table element (a fragment) */
    PARTREG_TABLE_CSV = 3,      /**< one line per term, columns per model */
    PARTREG_TABLE_HTML_PAGE = 4 /**< a whole HTML5 document holding the table */
} partreg_table_format;

/** What a model table shows; defaults from
 *  partreg_model_table_options_default(). */
typedef struct partreg_model_table_options {
    int eform;       /**< exp(b) for the coefficients (logit: odds ratios), with SE exp(b) SE(b) and exp() of the interval (default 0) */
    int brackets_ci; /**< the interval in brackets under each estimate; 0: the standard error in parentheses (default) */
    int stars;       /**< significance stars: * p < 0.05, ** p < 0.01, *** p < 0.001 (default 0) */
    int digits;      /**< decimals of estimates (default 3) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[112];
} partreg_model_table_options;

/** Defaults: coefficients, SEs in parentheses, no stars, 3 decimals. */
PARTREG_API partreg_model_table_options partreg_model_table_options_default(void);

/** A new empty table (*out; free with partreg_model_table_free()).
 *  PARTREG_OK, PARTREG_EINVAL (NULL out) or PARTREG_ENOMEM. */
PARTREG_API partreg_status partreg_model_table_create(partreg_model_table **out,
                                                      partreg_error *err);

/**
 * Add the fitted model of an analysis as the next column, read through the
 * fit's parameter layout (partreg_fit_param_kind(), _term(), _cut()): the
 * coefficients (a cut-specific one as "term @ cut"), then the thresholds,
 * scale terms and other parameters, each with its estimate, standard
 * error, p-value and the analysis's interval (Wald or profile); N, the
 * log-likelihood, AIC, BIC and McFadden's pseudo-R2 (NaN where the fit
 * has none, as BIC under a survey design). Rows of several models are
 * matched by section and name, in the order first seen. `title` (copied;
 * NULL: "(1)", "(2)", ...) heads the column.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL table or analysis, a fit that
 *         did not converge: its estimates are not to be tabled);
 *         PARTREG_ENOMEM. Not thread-safe for the same table.
 */
PARTREG_API partreg_status partreg_model_table_add_analysis(partreg_model_table *t,
                                                            const partreg_analysis *a,
                                                            const char *title,
                                                            partreg_error *err);

/**
 * Add a model saved by `partreg fit --format json` (its "coefficients"
 * with their optional "cut", "thresholds", "scale", "n_obs", "loglik",
 * "aic", "bic", "pseudo_r2", "link", "converged").
 *
 * @return PARTREG_OK; PARTREG_EIO (the file cannot be read);
 *         PARTREG_EDATA (not JSON, or not partreg's results: the message
 *         names the file, line and column, or the missing key; a model
 *         that did not converge); PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_model_table_add_json(partreg_model_table *t, const char *path,
                                                        const char *title, partreg_error *err);

/** Number of models (0 for NULL). */
PARTREG_API size_t partreg_model_table_n_models(const partreg_model_table *t);

/**
 * Write the table: a header row of titles, per term the estimate (with
 * stars) and under it the bracket (SE or interval), then the statistics
 * rows, then a note on what the brackets and stars mean. Text from the
 * data (terms, titles) is escaped for the format.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, no models, an
 *         unknown format); PARTREG_EIO (a write failed). Thread-safe for
 *         distinct streams.
 */
PARTREG_API partreg_status partreg_model_table_write(const partreg_model_table *t, FILE *out,
                                                     partreg_table_format format,
                                                     const partreg_model_table_options *opt,
                                                     partreg_error *err);

/** Release a table. NULL is a no-op. */
PARTREG_API void partreg_model_table_free(partreg_model_table *t);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_REPORT_H */
