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
#include "partreg_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Covariance estimators (values frozen). */
typedef enum partreg_vcov_type {
    PARTREG_VCOV_MODEL = 0,   /**< inverse information (observed unless the fit asked for expected) */
    PARTREG_VCOV_HC0 = 1,     /**< White sandwich H^-1 (sum s_i s_i') H^-1 */
    PARTREG_VCOV_HC1 = 2,     /**< HC0 * n/(n-k) */
    PARTREG_VCOV_CLUSTER = 3, /**< CR1: G/(G-1) (n-1)/(n-k) H^-1 (sum_g S_g S_g') H^-1 */
    /** survey design, Taylor linearisation (partreg_fit_set_survey(); not
     *  accepted by partreg_fit_set_vcov()) */
    PARTREG_VCOV_DESIGN = 4,
    /** survey design, replicate weights (partreg_fit_set_survey()) */
    PARTREG_VCOV_REPLICATE = 5,
    /** CR2 (Bell and McCaffrey 2002; Pustejovsky and Tipton 2018;
     *  clubSandwich::vcovCR(type = "CR2")) with each coefficient's
     *  Satterthwaite df (clubSandwich::coef_test), binary models */
    PARTREG_VCOV_CR2 = 6
} partreg_vcov_type;

/** Name of a covariance type ("model", "hc0", "hc1", "cluster", "design",
 *  "replicate") or NULL
 *  for a value outside the enum. Static storage. Thread-safe. */
PARTREG_API const char *partreg_vcov_name(partreg_vcov_type type);

/** Parse a covariance name as partreg_vcov_name() spells it (exact,
 *  lower case). On PARTREG_OK *out is set; on PARTREG_EINVAL (NULL
 *  argument or unknown name; err lists the valid names) *out is left
 *  unchanged. Thread-safe. */
PARTREG_API partreg_status partreg_vcov_parse(const char *name, partreg_vcov_type *out,
                                              partreg_error *err);

/** The covariance type in force for a fit (PARTREG_VCOV_MODEL after fitting). */
PARTREG_API partreg_vcov_type partreg_fit_vcov_type(const partreg_fit *fit);

/** Number of clusters G behind a PARTREG_VCOV_CLUSTER or PARTREG_VCOV_CR2
 *  covariance in force (0 for the other types). Thread-safe. */
PARTREG_API size_t partreg_fit_vcov_n_clusters(const partreg_fit *fit);

/**
 * Replace the covariance in force (partreg_fit_vcov(), and with it every
 * standard error, Wald interval and test read from the fit afterwards).
 *
 * With B the inverse information of the fit (the model covariance of the
 * k free parameters: kept coefficients and thresholds) and s_i the
 * weighted score contribution of row i (w_i dl_i/dtheta):
 * - PARTREG_VCOV_MODEL:   B;
 * - PARTREG_VCOV_HC0:     B M B, M = sum_i s_i s_i';
 * - PARTREG_VCOV_HC1:     HC0 * n/(n-k);
 * - PARTREG_VCOV_CLUSTER: CR1 = G/(G-1) (n-1)/(n-k) B (sum_g S_g S_g') B,
 *   S_g = sum over the rows of cluster g of s_i;
 * - PARTREG_VCOV_CR2: the bias-reduced CR2 of clubSandwich for a GLM
 *   (bread the inverse expected information, working weights of the
 *   expected information), and each coefficient's reference distribution
 *   becomes Student's t with its Satterthwaite df (partreg_fit_param_df());
 *   binary models without case weights (PARTREG_EUNSUPPORTED otherwise);
 *   docs/methods_inference.md, "CR2";
 * n = number of rows (partreg_fit_n_obs(), NOT the sum of the weights),
 * k = partreg_fit_n_estimated(). See docs/methods_inference.md.
 *
 * @param fit        the fit to modify (its covariance only).
 * @param data       the same data the fit was made from (borrowed; only
 *                   read for the sandwich types, may be NULL for MODEL).
 * @param type       the estimator.
 * @param cluster    for PARTREG_VCOV_CLUSTER and _CR2: n cluster codes in
 *                   0..n_clusters-1 (borrowed); ignored (may be NULL)
 *                   otherwise. G is the number of codes that occur.
 * @param n_clusters upper bound of the codes (codes >= n_clusters are an error).
 * @param err        optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL fit, unknown type, data whose
 *         shape or log-likelihood at the estimate differs from the fit's,
 *         missing cluster codes for the cluster type, a code out of range,
 *         fewer than 2 clusters, n <= k); PARTREG_ESINGULAR (the
 *         information is singular, so there is no bread);
 *         PARTREG_ENUMERIC (non-finite scores); PARTREG_ENOMEM. On any failure the covariance in force is
 *         unchanged.
 * Not thread-safe for the same fit (it writes to it); distinct fits may be
 * used concurrently. Memory: O(k^2 + G k) besides a block of row scores;
 * no n x k temporary.
 */
PARTREG_API partreg_status partreg_fit_set_vcov(partreg_fit *fit, const partreg_data *data,
                                                partreg_vcov_type type, const size_t *cluster,
                                                size_t n_clusters, partreg_error *err);

/**
 * Copy the covariance of the estimates in force (partreg_fit_vcov()) into
 * out[k * k], row-major, k = partreg_fit_n_parameters(): the full
 * parameter vector, with 0 in the rows and columns of dropped
 * coefficients as there. For programs that read no gsl_matrix.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, k other than
 *         partreg_fit_n_parameters()). Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_vcov_get(const partreg_fit *fit, double *out, size_t k,
                                                partreg_error *err);

/**
 * Set every parameter's reference distribution to Student's t with df
 * degrees of freedom (INFINITY: back to the normal), for the tests and
 * intervals of partreg_fit_estimate() and everything read from the fit
 * afterwards: t(G - 1) for a cluster covariance (Cameron and Miller 2015),
 * as the command's --cluster-df. The covariance is unchanged; under CR2
 * the df replace the Satterthwaite df, and joint tests
 * (partreg_wald_tests_by_variable()) become F = chi2 / q on (q, df) in
 * place of the HTZ test. PARTREG_OK or PARTREG_EINVAL (NULL fit, df not
 * positive). Not thread-safe for the same fit.
 */
PARTREG_API partreg_status partreg_fit_set_param_df(partreg_fit *fit, double df,
                                                    partreg_error *err);

/**
 * Profile-likelihood confidence interval of coefficient j (full index,
 * 0..p-1; thresholds keep Wald intervals).
 *
 * The bounds solve r(b) = -+z, z = Phi^-1((1 + level)/2), with the signed
 * root r(b) = sign(b - bhat) sqrt(2 (l(bhat) - l_max(b))) and l_max(b) the
 * log-likelihood maximised over the other parameters with coefficient j
 * held at b. Each bound is found by Newton steps on Venzon and
 * Moolgavkar's equations (the log-likelihood at l(bhat) - z^2/2, the
 * gradient over the other parameters zero) from the Wald bound, to about
 * 1e-13 relative; a bound those steps cannot settle (one at infinity, a
 * profile far from quadratic) is bracketed outwards from the Wald bound
 * and found by Brent's method on constrained refits to 1e-11 relative
 * (1e-12 absolute). The interval does not depend on the covariance in
 * force.
 *
 * @param fit   a converged fit (not modified).
 * @param data  the same data the fit was made from (borrowed).
 * @param j     coefficient index (full index, a kept column).
 * @param level confidence level in (0, 1).
 * @param low, high  out: the bounds. A bound the profile never reaches
 *              (the likelihood flattens out before the cut-off, as when a
 *              coefficient runs off under separation in the refits) is
 *              -INFINITY / +INFINITY with PARTREG_OK.
 * @param err   optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, level outside (0,1),
 *         j out of range or a dropped column, data not matching the fit);
 *         PARTREG_EUNSUPPORTED (j is a threshold); PARTREG_ENOTCONVERGED
 *         (the fit, or a constrained refit, did not converge);
 *         PARTREG_ESEPARATION (the fit is separated); PARTREG_ESINGULAR
 *         (no model covariance to start the bracket); PARTREG_ENUMERIC;
 *         PARTREG_ENOMEM. On failure *low and *high are NaN.
 * Thread-safe (reads the fit only); uses the fit's solver options,
 * including its thread count.
 */
PARTREG_API partreg_status partreg_fit_profile_ci(const partreg_fit *fit, const partreg_data *data,
                                                  size_t j, double level, double *low, double *high,
                                                  partreg_error *err);

/**
 * Profile-likelihood confidence intervals of several coefficients at once:
 * for each full index idx[i] (i < m) the interval partreg_fit_profile_ci()
 * gives, into low[i] and high[i]. The bounds are searched together, so
 * each pass over the rows serves every bound still searching (the cost of
 * all m intervals is a few passes more than that of one).
 *
 * @param fit   a converged fit (not modified).
 * @param data  the same data the fit was made from (borrowed).
 * @param idx   m coefficient indices (full index, kept columns).
 * @param m     number of intervals (0: nothing to do).
 * @param level confidence level in (0, 1).
 * @param low, high  out: m bounds each, as partreg_fit_profile_ci().
 * @param err   optional error report; on failure its index is the
 *              coefficient's full index.
 * @return the statuses of partreg_fit_profile_ci(). On failure every
 *         low[i] and high[i] is NaN.
 * Thread-safe (reads the fit only); uses the fit's solver options,
 * including its thread count.
 */
PARTREG_API partreg_status partreg_fit_profile_cis(const partreg_fit *fit, const partreg_data *data,
                                                   const size_t *idx, size_t m, double level,
                                                   double *low, double *high, partreg_error *err);

/**
 * Joint Wald test that the parameters with full indices params[0..m-1]
 * (coefficients 0..p-1, thresholds p..p+J-2) are all zero, under the
 * covariance in force: chi2 = b' V^+ b with V^+ the generalised inverse of
 * the m x m sub-covariance (eigenvalues below 1e-10 times the largest are
 * dropped, as Stata drops dependent constraints), df = rank of V,
 * p = upper chi-square tail.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, m = 0, an index out
 *         of range, repeated or a dropped coefficient); PARTREG_ESINGULAR
 *         (covariance not finite or of rank 0); PARTREG_ENOMEM. On failure
 *         the outputs are NaN. Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_wald_test(const partreg_fit *fit, const size_t *params,
                                                 size_t m, double *chi2, double *df, double *p,
                                                 partreg_error *err);

/**
 * Likelihood-ratio test of a reduced model nested in a full one:
 * chi2 = 2 (l_full - l_reduced), df = k_full - k_reduced, p = upper
 * chi-square tail; when the full model has a random intercept the reduced
 * one lacks (its variance tested at 0, on the boundary of the parameter
 * space), p is that of the 50:50 mixture of chi2(df - 1) and chi2(df)
 * (Self and Liang 1987; chi2(0) is 0). Nesting itself cannot be verified
 * from two fits; the checks below catch the usual mistakes.
 *
 * @return PARTREG_OK; PARTREG_EINVAL when the fits differ in family, link,
 *         outcome levels, weights (one has weights, or their values
 *         differ), number of rows, or outcome values on their rows (a
 *         different outcome, or different rows; the message says which
 *         of these), the reduced model does
 *         not have fewer parameters, its log-likelihood exceeds the full
 *         one's by more than 1e-6 (1 + |l_full|) (not nested; a smaller
 *         excess is rounding and gives chi2 = 0), or an argument is NULL;
 *         PARTREG_ENOTCONVERGED when either fit did not converge. On
 *         failure the outputs are NaN. Thread-safe.
 */
PARTREG_API partreg_status partreg_lr_test(const partreg_fit *full, const partreg_fit *reduced,
                                           double *chi2, double *df, double *p, partreg_error *err);

/** A chi-square test result. */
typedef struct partreg_chi2_test {
    double chi2;     /**< statistic */
    double df;       /**< degrees of freedom */
    double p_value;  /**< upper chi-square tail */
} partreg_chi2_test;

/** Result of a Brant test (opaque). */
typedef struct partreg_brant partreg_brant;

/**
 * Brant (1990) test of the parallel-lines assumption of an ordinal logit
 * fit, as Long & Freese's Stata `brant` computes it.
 *
 * The J-1 binary logits of 1{Y > j} on an intercept and the fit's kept
 * columns are fitted (partreg_fit_create); beta* stacks their slopes. With
 * pi_ij the fitted P(Y > j) of logit j and W_jl = diag(pi_il (1 - pi_ij)),
 * j <= l (the covariance of the indicators 1{Y > j} and 1{Y > l}), the
 * covariance of beta* has blocks
 * V_jl = (X'W_jj X)^-1 (X'W_jl X) (X'W_ll X)^-1 and V_lj = V_jl' (slope
 * rows only). The omnibus statistic is the Wald test that consecutive
 * slopes are equal, df = (J-2) p; each term's test restricts that to one
 * coefficient, df = J-2. See docs/methods_inference.md.
 *
 * @param fit   an ordinal logit fit without case weights.
 * @param data  the data it was made from (borrowed; y are level codes).
 * @param out   on PARTREG_OK a new result owned by the caller (free with
 *              partreg_brant_free()); otherwise NULL.
 * @param err   optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, data not matching
 *         the fit); PARTREG_EUNSUPPORTED (binary fit, link other than
 *         logit, case weights given); PARTREG_ESEPARATION,
 *         PARTREG_ENOTCONVERGED, PARTREG_ECOLLINEAR (one of the binary
 *         logits could not be fitted; the message names its cut);
 *         PARTREG_ESINGULAR (the covariance of the slope differences is
 *         singular); PARTREG_ENOMEM.
 * Thread-safe. Memory: one n x (p+1) copy of the design.
 */
PARTREG_API partreg_status partreg_brant_test(const partreg_fit *fit, const partreg_data *data,
                                              partreg_brant **out, partreg_error *err);

/** Number of per-coefficient tests: one per kept design column. */
PARTREG_API size_t partreg_brant_n_terms(const partreg_brant *b);
/** Design column (full index) of term t, or (size_t)-1 when t is out of range. */
PARTREG_API size_t partreg_brant_term_column(const partreg_brant *b, size_t t);
/** Test of term t (df = J-2); all NaN when t is out of range or its
 *  sub-covariance is singular. */
PARTREG_API partreg_chi2_test partreg_brant_term(const partreg_brant *b, size_t t);
/** The omnibus test (df = (J-2) p). */
PARTREG_API partreg_chi2_test partreg_brant_omnibus(const partreg_brant *b);
/** Release a Brant result; NULL is a no-op. */
PARTREG_API void partreg_brant_free(partreg_brant *b);

/** Settings of partreg_fit_binary_diagnostics(); get the defaults from
 *  partreg_binary_diagnostics_options_default(), fields added later take
 *  the place of the reserve. */
typedef struct partreg_binary_diagnostics_options {
    size_t hl_groups; /**< Hosmer-Lemeshow groups g (default 10, at least 3) */
    double cutoff;    /**< classify as event when p_hat >= cutoff (default 0.5, in [0, 1]) */
    /** Threads that compute the fitted values (default 0 = all cores;
     *  fewer below 65,536 rows per thread). The results are the same for
     *  every value: the sums run in row order on one thread. */
    int threads;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_binary_diagnostics_options;

/** The default diagnostics settings. Thread-safe. */
PARTREG_API partreg_binary_diagnostics_options partreg_binary_diagnostics_options_default(void);

/** Goodness of fit and discrimination of a binary fit. Counts are sums of
 *  case weights (row counts without weights). */
typedef struct partreg_binary_diagnostics {
    /* Hosmer-Lemeshow */
    double hl_chi2;        /**< sum_g (O_g - E_g)^2 / (E_g (1 - E_g / N_g)) */
    double hl_df;          /**< groups formed - 2 */
    double hl_p;           /**< upper chi-square tail */
    size_t hl_groups;      /**< non-empty groups formed (ties may merge groups) */
    /* discrimination */
    double auc;            /**< area under the ROC curve (ties count 1/2) */
    double auc_se;         /**< DeLong standard error of auc */
    double brier;          /**< sum w (y - p_hat)^2 / sum w */
    /* classification table at the cutoff */
    double cutoff;         /**< the cutoff used */
    double true_pos;       /**< y = 1, p_hat >= cutoff */
    double false_pos;      /**< y = 0, p_hat >= cutoff */
    double true_neg;       /**< y = 0, p_hat < cutoff */
    double false_neg;      /**< y = 1, p_hat < cutoff */
    double sensitivity;    /**< true_pos / (true_pos + false_neg) */
    double specificity;    /**< true_neg / (true_neg + false_pos) */
    double accuracy;       /**< (true_pos + true_neg) / total */
    double ppv;            /**< true_pos / (true_pos + false_pos), NaN if none predicted positive */
    double npv;            /**< true_neg / (true_neg + false_neg), NaN if none predicted negative */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_binary_diagnostics;

/**
 * Hosmer-Lemeshow test, ROC area with its DeLong standard error, Brier
 * score and classification table of a binary fit, over the rows of `data`
 * (the fit's own rows for the usual in-sample diagnostics; rows with zero
 * weight are ignored). Case weights act as frequencies throughout.
 *
 * Hosmer-Lemeshow grouping (as Stata's `estat gof, group(g)`, ties kept
 * together): sort the rows by p_hat; a row whose fitted value is v goes to
 * group ceil(g C(v) / W), where C(v) is the weight of rows with p_hat <= v
 * and W the total weight; rows with equal p_hat therefore share a group
 * and empty groups are skipped; df = groups formed - 2.
 *
 * @param fit  a binary fit (not modified).
 * @param data rows to evaluate (borrowed; same columns as the fit; y 0/1).
 * @param opt  settings or NULL for the defaults.
 * @param out  caller-owned result; filled on PARTREG_OK, all NaN/0 otherwise.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, shape mismatch,
 *         hl_groups < 3, cutoff outside [0, 1]); PARTREG_EUNSUPPORTED
 *         (ordinal fit); PARTREG_EDATA (non-finite X, y not 0/1, bad
 *         weights, or no rows of one outcome, which leaves the ROC area
 *         undefined); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status
partreg_fit_binary_diagnostics(const partreg_fit *fit, const partreg_data *data,
                               const partreg_binary_diagnostics_options *opt,
                               partreg_binary_diagnostics *out, partreg_error *err);

/** Standardized coefficients of one parameter (partreg_fit_standardize()),
 *  as Long and Freese's `listcoef`; NaN where a quantity is not defined. */
typedef struct partreg_standardized {
    double sd_x;      /**< standard deviation of the parameter's design column */
    double b_std_x;   /**< x-standardized: b sd_x (the change in the latent
                           variable per standard deviation of x) */
    double b_std_y;   /**< y-standardized: b / sd(y*) */
    double b_std_xy;  /**< fully standardized: b sd_x / sd(y*) */
    double or_per_sd; /**< exp(b sd_x): the odds ratio per standard deviation (logit link) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_standardized;

/**
 * Standardized coefficients of every slope (Long and Freese 2014,
 * Regression Models for Categorical Dependent Variables Using Stata,
 * sec. 4.4.2 and 7.6; their `listcoef`), read from the fit through its
 * parameter layout: every entry of kind PARTREG_PARAM_COEFFICIENT or
 * PARTREG_PARAM_CUT_COEFFICIENT with a non-constant design column gets
 * sd_x, b_std_x and (logit link) or_per_sd; the other entries
 * (thresholds, scale terms, the intercept, a random intercept's log SD)
 * are all NaN.
 *
 * The latent variable y* = x'beta + e has variance var(x'beta) + v, v the
 * variance of the link's error (pi^2/3 logit, 1 probit, pi^2/6 cloglog and
 * loglog; the cauchit's is infinite: y-standardized values are NaN), plus
 * sigma^2 of a random intercept (an entry of kind PARTREG_PARAM_LOG_SD).
 * x'beta sums the slopes that are the same at every cut; with cut-specific
 * slopes or scale terms y* has no single variance and the y-standardized
 * values are NaN.
 *
 * Variances over the rows of d: with frequency weights
 * sum w (x - xbar)^2 / (sum w - 1) (Stata's fweights); with other weights
 * (sampling weights) sum w (x - xbar)^2 / sum w * m / (m - 1), m the rows
 * of positive weight (Stata's aweights); without weights the sample
 * variance.
 *
 * @param fit       the fit (borrowed).
 * @param d         the rows it was fitted on (borrowed).
 * @param frequency 1: d->w are frequency weights; 0: sampling weights.
 * @param out       K = partreg_fit_n_parameters() entries (caller's).
 * @param sd_latent optional: sd(y*) (NaN where not defined).
 * @param err       optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL fit, d or out, d not matching
 *         the fit's columns, fewer than 2 rows of positive weight);
 *         PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_standardize(const partreg_fit *fit, const partreg_data *d,
                                                   int frequency, partreg_standardized *out,
                                                   double *sd_latent, partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_INFERENCE_H */
