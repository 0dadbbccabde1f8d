/**
 * @file partreg_survey.h
 * @brief Complex survey designs: sampling weights, strata, PSUs, finite
 *        population corrections, subpopulations and replicate weights.
 *
 * A ::partreg_survey describes how the rows of a fit were sampled. Any fit
 * takes one (partreg_fit_create_survey(), or partreg_fit_set_survey() on a
 * fit made with the design's weights): the estimates maximise the
 * log-likelihood weighted by the sampling weights (a pseudo-likelihood, as
 * Stata's `svy:` and R's `svyglm`/`svyolr`), and the covariance in force
 * becomes design-based:
 *
 * - Taylor linearisation: V = A^-1 B A^-1, A the information of the
 *   weighted log-likelihood at the estimate (the fit's bread), and
 *   B = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)(z_hi - zbar_h)'
 *   with z_hi the total over the rows of PSU i of stratum h of weight times
 *   score (the model's per-row scores), zbar_h their mean in stratum h and
 *   n_h the stratum's PSUs. Without PSUs every row is its own PSU; without
 *   strata there is one stratum. Degrees of freedom: PSUs minus strata,
 *   over the whole sample.
 * - Replicate weights: each replicate's estimate b_r is refitted
 *   (warm-started at the full-sample estimate, replicates side by side on
 *   the fit's threads), V = c sum_r (b_r - b*)(b_r - b*)', b* the mean of
 *   the b_r (or the full-sample estimate with mse), c = 1/R (BRR),
 *   1/(R (1 - rho)^2) (Fay), (R - 1)/R (JK1), 1/(R - 1) (bootstrap);
 *   df = R - 1.
 *
 * Every parameter then has Student's t with the design df as its
 * reference distribution (partreg_fit_param_df(), partreg_fit_estimate()),
 * joint Wald tests use the adjusted F (partreg_survey_adjusted_f()),
 * margins use the design covariance and t. Statistics that assume
 * independent rows (likelihood-ratio tests, profile-likelihood intervals,
 * the Brant test, Hosmer-Lemeshow) refuse a design fit with a message
 * naming the alternative. docs/methods_inference.md has the mathematics.
 *
 * A subpopulation (domain) keeps every row in the design: rows outside it
 * count in their strata and PSUs (and in df) but carry weight 0 in the
 * fit, so they add nothing to the scores or the information.
 */
#ifndef PARTREG_SURVEY_H
#define PARTREG_SURVEY_H

#include <stddef.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_formula.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a stratum with a single PSU adds to the meat B. Values frozen. */
typedef enum partreg_lonely_psu {
    PARTREG_LONELY_FAIL = 0,      /**< an error naming the stratum (default) */
    PARTREG_LONELY_CERTAINTY = 1, /**< nothing (a certainty PSU) */
    /** (1 - f_h) (z_h1 - zbar)(z_h1 - zbar)', zbar the mean over all PSUs
     *  (Stata's `centered`, R's `survey.lonely.psu = "adjust"`) */
    PARTREG_LONELY_CENTERED = 2,
    /** B of the other strata times strata / strata with more than one PSU
     *  (Stata's `scaled`, R's "average") */
    PARTREG_LONELY_SCALED = 3
} partreg_lonely_psu;

/** Replicate-weight schemes. Values frozen. */
typedef enum partreg_rep_type {
    PARTREG_REP_BRR = 0,      /**< balanced repeated replication, c = 1/R */
    PARTREG_REP_FAY = 1,      /**< Fay's BRR with rho, c = 1/(R (1 - rho)^2) */
    PARTREG_REP_JK1 = 2,      /**< delete-one-PSU jackknife, c = (R - 1)/R */
    PARTREG_REP_BOOTSTRAP = 3 /**< bootstrap replicates, c = 1/(R - 1) */
} partreg_rep_type;

/** Name of a lonely-PSU rule ("fail", "certainty", "centered", "scaled"),
 *  NULL for a value outside the enum. Static storage. */
PARTREG_API const char *partreg_lonely_psu_name(partreg_lonely_psu rule);
/** Parse a lonely-PSU rule name. PARTREG_OK or PARTREG_EINVAL (err lists
 *  the names; *out unchanged). */
PARTREG_API partreg_status partreg_lonely_psu_parse(const char *name, partreg_lonely_psu *out,
                                                    partreg_error *err);
/** Name of a replicate type ("brr", "fay", "jk1", "bootstrap"), NULL for a
 *  value outside the enum. Static storage. */
PARTREG_API const char *partreg_rep_type_name(partreg_rep_type type);
/** Parse a replicate type name. PARTREG_OK or PARTREG_EINVAL. */
PARTREG_API partreg_status partreg_rep_type_parse(const char *name, partreg_rep_type *out,
                                                  partreg_error *err);

/** A survey design over n rows (opaque). */
typedef struct partreg_survey partreg_survey;

/**
 * A design over n rows with sampling weights (n entries, finite and >= 0;
 * NULL: every row weight 1), one stratum, every row its own PSU, no fpc,
 * no subpopulation, lonely PSUs an error. The setters below add the rest.
 * The arrays given to this and the setters are copied.
 *
 * @return PARTREG_OK with *out a new design (free with
 *         partreg_survey_free()); PARTREG_EINVAL (n = 0, NULL out);
 *         PARTREG_EDATA (a negative or non-finite weight: err->index is
 *         its row, or all weights zero); PARTREG_ENOMEM. On failure
 *         *out = NULL. Thread-safe.
 */
PARTREG_API partreg_status partreg_survey_create(size_t n, const double *weights,
                                                 partreg_survey **out, partreg_error *err);

/** Release a design; NULL is a no-op. */
PARTREG_API void partreg_survey_free(partreg_survey *s);

/**
 * Strata: row i is in stratum stratum[i], a code in 0..n_codes-1 (codes
 * that occur on no row are not strata). names (NULL, or n_codes strings)
 * name the strata in messages (e.g. the lonely-PSU error); without names
 * a stratum is called by its code. PARTREG_OK, PARTREG_EINVAL (NULL
 * stratum, a code out of range: err->index is the row), PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_set_strata(partreg_survey *s, const size_t *stratum,
                                                     size_t n_codes, const char *const *names,
                                                     partreg_error *err);

/**
 * Primary sampling units: row i is in PSU psu[i] (a code in
 * 0..n_codes-1) of its stratum; a PSU is the pair (stratum, code), so the
 * same code in two strata is two PSUs. PARTREG_OK, PARTREG_EINVAL (NULL
 * psu, a code out of range), PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_set_psu(partreg_survey *s, const size_t *psu,
                                                  size_t n_codes, partreg_error *err);

/**
 * First-stage finite population correction, one value per row, constant
 * within a stratum: a value > 1 is the number of PSUs in the stratum's
 * population (f_h = n_h / N_h), a value in (0, 1] the sampling fraction
 * f_h. Checked when a variance is computed (a value <= 0 or not finite,
 * a value that varies within a stratum, N_h below the PSUs sampled).
 * PARTREG_OK, PARTREG_EINVAL (NULL fpc), PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_set_fpc(partreg_survey *s, const double *fpc,
                                                  partreg_error *err);

/**
 * Subpopulation (domain): in[i] non-zero for the rows in it. Rows outside
 * keep their strata and PSUs but get weight 0 in the fit.
 * PARTREG_OK, PARTREG_EINVAL (NULL in), PARTREG_EDATA (no row in the
 * domain), PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_set_subpop(partreg_survey *s, const unsigned char *in,
                                                     partreg_error *err);

/** The lonely-PSU rule. PARTREG_OK or PARTREG_EINVAL (unknown rule). */
PARTREG_API partreg_status partreg_survey_set_lonely_psu(partreg_survey *s,
                                                         partreg_lonely_psu rule,
                                                         partreg_error *err);

/**
 * Replicate weights: R columns of n full replicate weights (each already
 * including the sampling weight, as R's `combined.weights = TRUE` and
 * Stata's `svrweight`), column r at repw[r n .. r n + n - 1]. The variance
 * then comes from the replicates (strata, PSUs and fpc are not used);
 * rho is Fay's (0 < rho < 1, only for PARTREG_REP_FAY); mse non-zero
 * centres on the full-sample estimate instead of the replicates' mean.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL repw, R < 2, unknown type, rho
 *         outside (0, 1) for Fay or given (non-zero) for another type);
 *         PARTREG_EDATA (a negative or non-finite replicate weight:
 *         err->index is its row); PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_set_replicates(partreg_survey *s, const double *repw,
                                                         size_t R, partreg_rep_type type,
                                                         double rho, int mse,
                                                         partreg_error *err);

/** Rows of the design. */
PARTREG_API size_t partreg_survey_n(const partreg_survey *s);

/** The weights a fit under the design uses (n entries, borrowed, valid
 *  while the design lives and is not changed): the sampling weights, 0
 *  outside the subpopulation. */
PARTREG_API const double *partreg_survey_fit_weights(const partreg_survey *s);

/** The settings of partreg_survey_create_frame() besides the columns,
 *  which the frame holds. Get the defaults from
 *  partreg_survey_options_default(); fields are only appended. */
typedef struct partreg_survey_options {
    partreg_lonely_psu lonely_psu; /**< default PARTREG_LONELY_FAIL */
    partreg_rep_type rep_type;     /**< replicate scheme (read when rep_type_given) */
    int rep_type_given;            /**< 0 (default): replicate columns without a type are an error */
    double fay_rho;                /**< Fay's rho (default 0: not given) */
    int rep_mse;                   /**< centre replicates on the full-sample estimate (default 0) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_survey_options;

/** The defaults listed with each field (all zero). Thread-safe. */
PARTREG_API partreg_survey_options partreg_survey_options_default(void);

/**
 * The design of a frame built with survey columns: its sampling weights,
 * strata, PSUs, fpc, subpopulation and replicate weights over the rows
 * used, with opt's rules. The frame's weights (partreg_frame_weights())
 * are then the design's fit weights.
 * @return PARTREG_OK with *out a new design; PARTREG_EINVAL (NULL
 *         arguments, a frame without survey columns, replicate columns
 *         without a type, fay_rho for a type other than Fay);
 *         the statuses of the setters; PARTREG_ENOMEM.
 */
PARTREG_API partreg_status partreg_survey_create_frame(const partreg_frame *fr,
                                                       const partreg_survey_options *opt,
                                                       partreg_survey **out, partreg_error *err);

/** What a fit's design variance rests on (partreg_fit_survey_info()).
 *  Fields are only appended. */
typedef struct partreg_survey_info {
    int replicate;            /**< 1: replicate weights; 0: linearisation */
    size_t n_strata;          /**< strata (linearisation; 0 for replicates) */
    size_t n_psu;             /**< PSUs over the whole sample (0 for replicates) */
    size_t n_lonely;          /**< strata with a single PSU */
    double df;                /**< design degrees of freedom */
    double population_size;   /**< sum of the sampling weights of the rows used */
    size_t subpop_size;       /**< rows in the subpopulation (all rows when none) */
    int has_subpop;           /**< 1 when a subpopulation was given */
    int has_fpc;              /**< 1 when an fpc was given */
    partreg_lonely_psu lonely_psu; /**< the lonely-PSU rule */
    size_t n_replicates;      /**< R (replicates) */
    partreg_rep_type rep_type; /**< replicate scheme */
    double fay_rho;           /**< Fay's rho (0 otherwise) */
    int rep_mse;              /**< 1: centred on the full-sample estimate */
    /** Passes over the design matrix that the variance made: 1 for
     *  linearisation (one pass of per-row scores); the refits' Newton
     *  passes for replicates. */
    double data_passes;
    /** Replicates whose refit needed more than one Newton step (a measure
     *  of the warm start) */
    size_t replicate_iterations;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_survey_info;

/**
 * The design-based covariance of a fit made on data->w = the design's fit
 * weights (partreg_survey_fit_weights()): replaces the covariance in
 * force by the linearised or replicate one, sets every parameter's df to
 * the design df, and marks the fit as a design fit (partreg_fit_survey_info()),
 * after which partreg_fit_set_vcov() refuses another type. Linearisation
 * makes one pass over the data; replicates refit the model R times
 * (warm-started at the estimate, side by side on the fit's threads; the
 * result does not depend on the thread count).
 *
 * @param fit    a converged fit (its covariance is replaced).
 * @param data   the data it was fitted on (borrowed).
 * @param design a design of data->n rows (borrowed; the fit keeps no
 *               reference).
 * @param err    filled on failure (NULL: not reported).
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, rows differ, weights
 *         that are not the design's fit weights, an fpc that varies within
 *         a stratum or is below the PSUs sampled, a single PSU in all);
 *         PARTREG_EDATA (a stratum with one PSU under
 *         PARTREG_LONELY_FAIL: the message names it and the rules);
 *         PARTREG_ENOTCONVERGED (the fit, or a replicate's refit, did not
 *         converge: the message names the replicate); PARTREG_ESEPARATION
 *         (a replicate's estimates run off); PARTREG_ESINGULAR (no bread);
 *         PARTREG_ENUMERIC; PARTREG_ENOMEM. On failure the covariance in
 *         force is unchanged.
 * Not thread-safe for the same fit; distinct fits may be used concurrently.
 * Memory: O(G k + k^2) for G PSUs (O(n k) when every row is its own PSU).
 */
PARTREG_API partreg_status partreg_fit_set_survey(partreg_fit *fit, const partreg_data *data,
                                                  const partreg_survey *design,
                                                  partreg_error *err);

/**
 * Fit the model of spec under a design: data->w must be NULL (the
 * design's sampling weights are the weights; case weights and a design
 * do not combine), then as partreg_fit_create_spec() with the design's
 * fit weights and partreg_fit_set_survey(). Statuses as those two; a fit
 * that did not converge is returned (*out set) with its model covariance.
 */
PARTREG_API partreg_status partreg_fit_create_survey(const partreg_data *data,
                                                     const partreg_model_spec *spec,
                                                     const partreg_survey *design,
                                                     const partreg_fit_options *opt,
                                                     partreg_fit **out, partreg_error *err);

/** 1 and *out filled when the fit's covariance is design-based
 *  (partreg_fit_set_survey()); 0 otherwise (out untouched). out may be
 *  NULL to ask only. Thread-safe. */
PARTREG_API int partreg_fit_survey_info(const partreg_fit *fit, partreg_survey_info *out);

/**
 * The adjusted Wald F of a design (Stata's default after `svy`): with W
 * the Wald chi-square of q constraints and design df d,
 * F = (d - q + 1) / (d q) W on (q, d - q + 1) degrees of freedom.
 * *F, *df2 and *p are NaN when d - q + 1 < 1 (too few PSUs for q
 * constraints). Thread-safe.
 */
PARTREG_API void partreg_survey_adjusted_f(double W, double q, double d, double *F, double *df2,
                                           double *p);

/** The Archer-Lemeshow goodness-of-fit test of a binary design fit. */
typedef struct partreg_survey_gof {
    size_t groups;   /**< groups formed (non-empty) */
    double W;        /**< Wald chi-square of the groups' mean residuals */
    double F;        /**< (d - g + 2) W / (d g) */
    double df1;      /**< g - 1 */
    double df2;      /**< d - g + 2 */
    double p_value;  /**< P(F(df1, df2) > F) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_survey_gof;

/**
 * The F-adjusted mean residual test of Archer and Lemeshow (2006, Stata
 * Journal 6(1); Archer, Lemeshow and Hosmer 2007, CSDA 51), the survey
 * counterpart of Hosmer-Lemeshow: the rows of the subpopulation form
 * `groups` groups by the weighted percentiles of their fitted
 * probabilities (Stata's xtile with the sampling weights: a row is in
 * group j when q_(j-1) < p <= q_j; rows with equal fitted values
 * together, empty groups dropped);
 * the residuals r = y - p are averaged in each group (weighted means
 * M_g), their g x g covariance is the design's (linearised over strata
 * and PSUs, with the fpc and lonely-PSU rule; replicate designs use the
 * replicate weights' means), W = M' V^- M and
 * F = (d - g + 2) W / (d g) on (g - 1, d - g + 2) degrees of freedom,
 * d the design df.
 *
 * @param fit     a binary fit with the design's covariance
 *                (partreg_fit_set_survey()).
 * @param data    its data (borrowed).
 * @param design  its design (borrowed).
 * @param groups  g, at least 3 (10 is usual).
 * @param out     filled on PARTREG_OK (NaN otherwise).
 * @param err     filled on failure (NULL: not reported).
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, groups < 3, data or
 *         design not the fit's, a fit without a design);
 *         PARTREG_EUNSUPPORTED (not a binary model); PARTREG_ESINGULAR
 *         (the residual means' covariance has rank 0, or d - g + 2 < 1);
 *         PARTREG_ENOMEM. Thread-safe. One pass over the data.
 */
PARTREG_API partreg_status partreg_fit_survey_gof(const partreg_fit *fit,
                                                  const partreg_data *data,
                                                  const partreg_survey *design, size_t groups,
                                                  partreg_survey_gof *out, partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_SURVEY_H */
