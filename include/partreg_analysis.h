/**
 * @file partreg_analysis.h
 * @brief The whole analysis of the `partreg fit` command as one library call.
 *
 * An analysis reads a survey file (or takes a table), builds the model
 * frame of a formula, fits the model, computes the inference asked for
 * (covariance, intervals, margins, Brant test, per-variable Wald tests,
 * binary diagnostics) and writes the result as text, JSON (the contract in
 * docs/partreg.1 and CONTRACT.md) or CSV. A research tool can do in C,
 * with one spec struct, exactly what the command does.
 */
#ifndef PARTREG_ANALYSIS_H
#define PARTREG_ANALYSIS_H

#include <stdio.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "partreg_survey.h"
#include "partreg_ordinal.h"
#include "partreg_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How confidence intervals of the coefficients are formed. */
typedef enum partreg_ci_method {
    PARTREG_CI_WALD = 0,    /**< estimate +- z * SE under the covariance in force */
    PARTREG_CI_PROFILE = 1  /**< profile likelihood (coefficients; thresholds stay Wald) */
} partreg_ci_method;

/** Output formats. */
typedef enum partreg_format {
    PARTREG_FORMAT_TEXT = 0, /**< readable summary (like R's summary() / Stata) */
    PARTREG_FORMAT_JSON = 1, /**< the contract's JSON object */
    PARTREG_FORMAT_CSV = 2   /**< the coefficient and threshold table */
} partreg_format;

/** What to analyse. Get defaults from partreg_analysis_spec_default();
 *  fields added later take the place of the reserve. Every pointer is
 *  borrowed for the call. */
typedef struct partreg_analysis_spec {
    const char *formula;          /**< "Y ~ a + b" (required) */
    partreg_frame_options frame;  /**< family, levels, references, weights, cluster */
    partreg_link link;            /**< default PARTREG_LOGIT */
    partreg_vcov_type vcov;       /**< default PARTREG_VCOV_MODEL */
    partreg_ci_method ci;         /**< default PARTREG_CI_WALD */
    double conf_level;            /**< default 0.95 */
    int margins;                  /**< average marginal effects (default 0) */
    int margins_at_means;         /**< marginal effects at the means (default 0) */
    const char *at;               /**< "age=30,income=5000": predictions at values, or NULL */
    int brant;                    /**< Brant test (ordinal logit; default 0) */
    int wald_tests;               /**< joint Wald test per variable (default 1) */
    int diagnostics;              /**< binary: Hosmer-Lemeshow, AUC, Brier, classification (default 1) */
    partreg_read_options read;    /**< CSV delimiter and missing-value strings */
    partreg_fit_options fit;      /**< solver settings; fit.comm: every process of a
                                       *   distributed analysis reads its share of the file
                                       *   (or its own file: file_per_process;
                                       *   docs/scaling.md) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** Survey design rules (lonely PSUs, replicate scheme); the
             *  design's columns are in `frame` (sampling_weights, strata,
             *  psu, fpc, subpop, repweights). With any of those columns the
             *  covariance is the design's: `vcov` must stay
             *  PARTREG_VCOV_MODEL, `ci` Wald, and `frame.weights` and
             *  `frame.cluster` unset. Zero: the defaults. */
            partreg_survey_options survey;
            /** More at-specifications (partreg_at_grid_parse()): `at`,
             *  when set, is the first, then at_list[0..n_at); their grids
             *  follow one another. NULL/0: none. */
            const char *const *at_list;
            size_t n_at; /**< entries of at_list */
            /** A column of the data whose values group the rows of the
             *  predictions and average marginal effects (Stata's
             *  `margins, over()`); it need not be in the formula. Rows
             *  where it is missing are in no group. NULL: no groups. */
            const char *over;
            /** Contrasts of the predictions (or, with groups, of the
             *  average marginal effects): 0 none, 1 + partreg_contrast_type. */
            int contrast;
            /** Intervals of predicted probabilities (default link scale). */
            partreg_prob_ci prob_ci;
            /** Standardized coefficients (partreg_fit_standardize()). */
            int standardize;
            /** A variable: predicted probabilities of every outcome level
             *  over its range (a numeric variable: round values 1, 2, 2.5
             *  or 5 times a power of ten apart, about 10 intervals, within
             *  its minimum and maximum over the rows used; a categorical
             *  one: each level), the data for a marginsplot. NULL: none. */
            const char *profile;
            /** Firth's penalised likelihood (binary models;
             *  partreg_model_spec_set_penalty()); default 0 */
            int firth;
            /** with firth: the FLIC intercept (partreg_model_spec_set_flic()); default 0 */
            int flic;
            /** tests and intervals of a cluster covariance on t(G - 1), G the
             *  number of clusters (for CR2 in place of the Satterthwaite df);
             *  default 0 */
            int cluster_df;
            /** multiple imputation: the column numbering the stacked completed
             *  data sets 1..m (rows with 0, the original data, are skipped);
             *  each is analysed with this spec and the results pooled by
             *  Rubin's rules (partreg_analysis_run_imputations()); NULL: none */
            const char *imputations;
            /** Ordinal: variables (or terms) of the formula whose slopes
             *  differ by cut ("x + V", `--nominal`;
             *  partreg_model_spec_set_nominal()), or NULL. Scale terms are
             *  frame.scale (`--scale`). */
            const char *nominal;
            int autofit;          /**< ordinal: choose the nominal variables as Stata's gologit2, autofit (default 0) */
            double autofit_alpha; /**< level of autofit's tests (0: the default 0.05) */
            int nominal_test;     /**< ordinal: LR test per variable of nominal effects (default 0) */
            int scale_test;       /**< ordinal: LR test per variable of scale effects (default 0) */
            int parallel_test;    /**< ordinal: Wald test of equal slopes per variable, from the model with every variable nominal (default 0) */
            int ordinal_gof;      /**< ordinal: Lipsitz, ordinal Hosmer-Lemeshow and Pulkstenis-Robinson tests (default 0) */
            /** Quadrature points per group of a random-intercept model
             *  `(1 | G)`: 1 is the Laplace approximation (default 0: 15). */
            int nagq;
            /** Random-intercept models: margins and predictions at u = 0
             *  (an average community) instead of integrated over
             *  u ~ N(0, sigma^2) (default 0: population-averaged). */
            int ri_conditional;
            /** Memory for the data, in bytes (`--memory`; default 0: half
             *  the physical memory). A CSV file whose table and design
             *  would need more (about twice the file's size) is read in
             *  blocks into a design file that every pass of the fit reads
             *  in segments: the same results, bit for bit, in about this
             *  much memory whatever the file's size (docs/scaling.md). */
            size_t memory;
            /** Directory of that design file (`--tmpdir`; default NULL:
             *  /tmp). It is removed when the analysis ends. */
            const char *temp_dir;
            /** 1: read the file in blocks whatever its size (default 0). */
            int out_of_core;
            /** With fit.comm: 1 when `path` is this process's own CSV
             *  file, the data being the processes' files one after another
             *  in rank order (process 0's rows first), each with the same
             *  header line (`partreg-mpi --rank-files`). Default 0: every
             *  process passes the same file and reads its share of it
             *  (docs/scaling.md). */
            int file_per_process;
        };
        unsigned char partreg_reserved_[1024];
    };
} partreg_analysis_spec;

/** Defaults: automatic family, logit, model covariance, Wald 95% CIs,
 *  Wald tests and binary diagnostics on, margins and Brant off. */
PARTREG_API partreg_analysis_spec partreg_analysis_spec_default(void);

/** A finished analysis (opaque). */
typedef struct partreg_analysis partreg_analysis;

/** Wall-clock seconds of each phase. */
typedef struct partreg_timing {
    double read_s;       /**< reading the file */
    double design_s;     /**< formula and model frame */
    double fit_s;        /**< the Newton fit */
    double inference_s;  /**< covariance, intervals, margins, tests */
    double total_s;      /**< all of the above */
    union {
        /** Passes over the design matrix made by each phase: rows read
         *  divided by the rows of the fit (a pass over a subsample counts
         *  the share of rows it reads). A statistic's cost in passes does
         *  not move with the load of the machine, so a change in it shows
         *  as a count. Zero for a phase that did not run. */
        struct {
            double fit_passes;         /**< the fit: screening, start values, Newton */
            double vcov_passes;        /**< the covariance (sandwich or design variance) */
            double intervals_passes;   /**< the confidence intervals (profiles) */
            double margins_passes;     /**< margins, predictions at means and values */
            double brant_passes;       /**< the Brant test */
            double tests_passes;       /**< the Wald tests by variable */
            double diagnostics_passes; /**< goodness of fit and discrimination */
            double inference_passes;   /**< all passes after the fit */
            double profile_bounds;     /**< profile bounds searched (two a coefficient) */
            /** evaluations of the objective at the profile bounds' points,
             *  summed over the bounds (a pass over the rows evaluates every
             *  bound still searching; a bound left to refits counts their
             *  passes) */
            double profile_evaluations;
        };
        /** Reserved: fields added in later releases take its place, so that
         *  the struct's size never changes (docs/DESIGN.md, "Public
         *  structs"). */
        unsigned char partreg_reserved_[128];
    };
} partreg_timing;

/**
 * Read `path` (CSV, .sav or .dta by extension) and run the analysis.
 *
 * @return PARTREG_OK with *out a new analysis (free with
 *         partreg_analysis_free()); PARTREG_ENOTCONVERGED or
 *         PARTREG_ESEPARATION with *out still set: the analysis reports the
 *         problem (converged false, warnings naming the diverging terms,
 *         no standard errors for them) and err says what to do; any other
 *         status of the reader, formula, frame, fit or inference calls with
 *         *out = NULL and err naming the file, line, column or term.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_analysis_run(const char *path, const partreg_analysis_spec *spec,
                                                partreg_analysis **out, partreg_error *err);

/** As partreg_analysis_run() on a table already read (borrowed). */
PARTREG_API partreg_status partreg_analysis_run_table(const partreg_table *table,
                                                      const partreg_analysis_spec *spec,
                                                      partreg_analysis **out, partreg_error *err);

/** What partreg_analysis_predict_write() did with the rows of new data. */
typedef struct partreg_predict_summary {
    size_t n_rows;    /**< rows of the new data */
    size_t n_used;    /**< rows predicted */
    size_t n_dropped; /**< rows dropped for a missing value of a model variable */
    /** Why they were dropped, e.g. "2 rows with age missing, 1 row with
     *  income missing" (rows missing several count once per variable),
     *  or "" when none were. */
    char reason[PARTREG_ERROR_MESSAGE_SIZE];
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_predict_summary;

/**
 * Predict the rows of `newdata` with the analysis's fit and write them:
 * each row's probability of every outcome level with its standard error
 * and interval under the covariance in force (partreg_fit_predict_rows()),
 * the linear predictor when opt->linear, and the value of column
 * `id_column` (NULL: none) of each row.
 *
 * - CSV: a header `row[,ID],P(L)...,se_P(L)...,conf_low_P(L)...,
 *   conf_high_P(L)...[,eta,se_eta,conf_low_eta,conf_high_eta]`, then one
 *   line per predicted row (`row` is the row's number in the new data,
 *   from 1; dropped rows are absent).
 * - JSON: {"n_rows", "n_used", "n_dropped", "dropped_reason", "levels",
 *   "conf_level", "prob_ci", "vcov_type", "id_column", "predictions":
 *   [{"row", "id", "probabilities": [{"level", "estimate", "std_error",
 *   "conf_low", "conf_high"}], "linear": {...}}]}.
 * - text: one line per row, each level's probability with its interval.
 *
 * Nothing is written unless every row could be predicted.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, an unknown format, a
 *         fit that did not converge); PARTREG_ENOTFOUND (a model variable
 *         or the id column absent from newdata, named with the closest
 *         name); PARTREG_EDATA (a level the model has not seen, with its
 *         line); PARTREG_ETOOFEW (no complete row: the summary says why);
 *         PARTREG_EUNSUPPORTED (opt->linear for a model without one linear
 *         predictor); PARTREG_EIO (a write failed); PARTREG_ENOMEM.
 *         `summary` (optional) is filled whenever the rows were read.
 * Thread-safe for distinct streams.
 */
PARTREG_API partreg_status partreg_analysis_predict_write(const partreg_analysis *a,
                                                          const partreg_table *newdata,
                                                          const char *id_column,
                                                          const partreg_predict_options *opt,
                                                          partreg_format format, FILE *out,
                                                          partreg_predict_summary *summary,
                                                          partreg_error *err);
/**
 * Likelihood-ratio test of two analyses of the same data, `reduced` nested
 * in `full`: partreg_lr_test() on their fits after checking what only the
 * analyses know: the same outcome variable, the same rows of the data
 * (listwise deletion can differ between the formulas) and the same
 * weights. PARTREG_EINVAL with a message saying which differs (naming the
 * outcomes, or the first row used by one model only), else what
 * partreg_lr_test() returns. On failure the outputs are NaN. Thread-safe.
 */
PARTREG_API partreg_status partreg_analysis_lr_test(const partreg_analysis *full,
                                                    const partreg_analysis *reduced,
                                                    double *chi2, double *df, double *p,
                                                    partreg_error *err);

/**
 * Multiple imputation: run the analysis on each of m >= 2 completed data
 * sets (tables[0..m), borrowed; the same columns) on threads across the
 * imputations (spec->fit.threads of them, 0 = one per core; each
 * imputation's analysis on one thread, so the result does not depend on
 * the count), and pool by Rubin's rules into one analysis: estimates,
 * covariance T = Ubar + (1 + 1/m) B, each parameter's Barnard-Rubin df
 * (complete-data df n - k, or the df each imputation's fit carries),
 * riv and fmi (as mice::pool); margins and predictions at values pooled
 * the same way; joint Wald tests by variable as D1 (Li, Raghunathan and
 * Rubin 1991; denominator df of Reiter 2007). The pooled fit
 * (partreg_analysis_fit()) holds the pooled estimates, covariance and df;
 * its log-likelihood is that of the first imputation (reports print none).
 * partreg_analysis_run() and _run_table() do this for spec->imputations.
 *
 * @return PARTREG_OK with *out the pooled analysis; PARTREG_EINVAL (m < 2,
 *         NULL arguments); PARTREG_EUNSUPPORTED (profile intervals or the
 *         Brant test, which are not pooled); PARTREG_EDATA (imputations
 *         that estimate different parameters); any status of one
 *         imputation's analysis, its message prefixed "imputation I: ".
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_analysis_run_imputations(const partreg_table *const *tables,
                                                            size_t m,
                                                            const partreg_analysis_spec *spec,
                                                            partreg_analysis **out,
                                                            partreg_error *err);

/** Number of imputations pooled (0 for an analysis of one data set). */
PARTREG_API size_t partreg_analysis_n_imputations(const partreg_analysis *a);

/**
 * Write the marginsplot of the analysis as a standalone SVG document:
 * predicted probabilities (one series per outcome level and --over group)
 * against the variable of spec.profile, or, without a profile, of the
 * at-grid when its cells differ in one variable only; numeric variables as
 * lines with interval bands, categorical ones as points with interval bars.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, or nothing to draw:
 *         the message says to give --profile VAR or an --at grid over one
 *         variable); PARTREG_EIO (a write failed). Thread-safe for
 *         distinct streams.
 */
PARTREG_API partreg_status partreg_analysis_write_marginsplot(const partreg_analysis *a,
                                                              FILE *out, partreg_error *err);

/** Release an analysis; NULL is a no-op. */
PARTREG_API void partreg_analysis_free(partreg_analysis *a);

/** The fit (borrowed; valid while the analysis lives). */
PARTREG_API const partreg_fit *partreg_analysis_fit(const partreg_analysis *a);
/** The model frame (borrowed). */
PARTREG_API const partreg_frame *partreg_analysis_frame(const partreg_analysis *a);
/** Average marginal effects, or NULL when not asked for (borrowed). */
PARTREG_API const partreg_margins *partreg_analysis_margins(const partreg_analysis *a);
/** The survey design of the analysis (borrowed), or NULL without one. */
PARTREG_API const partreg_survey *partreg_analysis_survey(const partreg_analysis *a);
/** Predictive margins of the at-specifications (or, with `over` alone,
 *  of each group), or NULL (borrowed). */
PARTREG_API const partreg_margins *partreg_analysis_predictions(const partreg_analysis *a);
/** Contrasts (spec.contrast), or NULL (borrowed). */
PARTREG_API const partreg_margins *partreg_analysis_contrasts(const partreg_analysis *a);
/** The profile over spec.profile, or NULL (borrowed); *variable receives
 *  the variable's name when not NULL. */
PARTREG_API const partreg_margins *partreg_analysis_profile(const partreg_analysis *a,
                                                            const char **variable);
/** The at-grid behind partreg_analysis_profile() (borrowed), or NULL. */
PARTREG_API const partreg_at_grid *partreg_analysis_profile_grid(const partreg_analysis *a);
/** The at-grid behind partreg_analysis_predictions() (borrowed), or NULL. */
PARTREG_API const partreg_at_grid *partreg_analysis_at_grid(const partreg_analysis *a);

/** Phase timings. */
PARTREG_API partreg_timing partreg_analysis_timing(const partreg_analysis *a);
/** The Brant test, or NULL when not asked for (borrowed). */
PARTREG_API const partreg_brant *partreg_analysis_brant(const partreg_analysis *a);
/** Autofit's steps (the tests that made each variable parallel, with
 *  their step), or NULL when not asked for (borrowed). */
PARTREG_API const partreg_variable_tests *partreg_analysis_autofit(const partreg_analysis *a);
/** The nominal tests (`nominal_test`), or NULL (borrowed). */
PARTREG_API const partreg_variable_tests *partreg_analysis_nominal_test(const partreg_analysis *a);
/** The scale tests (`scale_test`), or NULL (borrowed). */
PARTREG_API const partreg_variable_tests *partreg_analysis_scale_test(const partreg_analysis *a);
/** The parallel-lines tests (equal slopes in the model with every
 *  variable nominal; partreg_variable_tests_omnibus() for all together),
 *  or NULL (borrowed). */
PARTREG_API const partreg_variable_tests *partreg_analysis_parallel_test(const partreg_analysis *a);
/** The ordinal goodness-of-fit tests, or NULL when not asked for
 *  (borrowed). */
PARTREG_API const partreg_ordinal_gof *partreg_analysis_ordinal_gof(const partreg_analysis *a);
/** 1 when the analysis read its file in blocks into a design file on disk
 *  (out of core), else 0. */
PARTREG_API int partreg_analysis_out_of_core(const partreg_analysis *a);

/**
 * Write the analysis to `out` in `format`; with `timing` non-zero the JSON
 * gets a "timing" object. PARTREG_OK, PARTREG_EINVAL (NULL arguments,
 * unknown format) or PARTREG_EIO (a write failed). Thread-safe for
 * distinct streams.
 */
PARTREG_API partreg_status partreg_analysis_write(const partreg_analysis *a, FILE *out,
                                                  partreg_format format, int timing,
                                                  partreg_error *err);

/**
 * As partreg_analysis_write() into memory: *out receives the whole output
 * (NUL-terminated, *len bytes without the NUL), the same bytes the stream
 * would have received, to be released with partreg_string_free(). For
 * programs that call the library through a foreign-function interface
 * and have no FILE*.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, an unknown format);
 *         PARTREG_ENOMEM. On failure *out = NULL and *len = 0.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_analysis_write_string(const partreg_analysis *a,
                                                         partreg_format format, int timing,
                                                         char **out, size_t *len,
                                                         partreg_error *err);

/** Release a string from partreg_analysis_write_string(); NULL is a
 *  no-op. */
PARTREG_API void partreg_string_free(char *s);

/**
 * Predicted probabilities of the analysis's fit for every row of
 * `newdata` (a table with the model's variables; the outcome may be
 * absent), coded as the fitted data were (partreg_frame_apply()).
 *
 * @param a         a finished analysis.
 * @param newdata   the rows to predict (borrowed).
 * @param probs     n_rows x n_outcomes doubles, row-major, filled: a binary
 *                  model's event probability (n_outcomes = 1), an ordinal
 *                  model's probability of each outcome level (n_outcomes =
 *                  the number of levels); rows with a missing model
 *                  variable are NaN.
 * @param n_rows    rows of probs: partreg_table_n_rows(newdata).
 * @param n_outcomes columns of probs: partreg_fit_n_outcomes() of the fit.
 * @param err       optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, a shape other than
 *         the one above, an analysis whose fit did not converge); what partreg_frame_apply() returns for the new
 *         data (an unknown column or level, named with its line), except
 *         that a table with no complete row is PARTREG_OK with every row
 *         NaN; PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_analysis_predict_probs(const partreg_analysis *a,
                                                          const partreg_table *newdata,
                                                          double *probs, size_t n_rows,
                                                          size_t n_outcomes, partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_ANALYSIS_H */
