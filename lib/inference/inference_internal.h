/* Helpers shared by the inference files (lib/inference/). Private to lib/. */
#ifndef PARTREG_INFERENCE_INTERNAL_H
#define PARTREG_INFERENCE_INTERNAL_H

#include <math.h>

#include "models/fit_internal.h"
#include "partreg_margins.h"
#include "partreg_ordinal.h"

/* Check that `data` has the fit's shape and gives the fit's log-likelihood
 * at the estimate (so the rows are the ones the fit was made from). Fills
 * d and obj with the fit's design and objective over `data` (on an error
 * they are zeroed or partly filled, and not to be used).
 * PARTREG_OK, PARTREG_EINVAL (message says what differs), PARTREG_ENOMEM. */
partreg_status partreg_inference_check_data(const partreg_fit *fit, const partreg_data *data,
                                            partreg_design *d, partreg_objective *obj,
                                            partreg_error *err);

/* Install the CR2 covariance and each coefficient's Satterthwaite df
 * (cr2.c) for the cluster codes cluster[0..n) < n_clusters (checked by the
 * caller: at least 2 clusters), keeping the sums its joint tests need
 * (cr2_htz.h). PARTREG_OK, PARTREG_EUNSUPPORTED (a model without working
 * rows, a cluster that alone determines a coefficient), PARTREG_ESINGULAR,
 * PARTREG_ENUMERIC, PARTREG_ENOMEM; the covariance in force is unchanged
 * on failure. */
partreg_status partreg_fit_cr2(partreg_fit *fit, const partreg_data *data, const size_t *cluster,
                               size_t n_clusters, partreg_error *err);

/* The reference distribution of a joint Wald test of the full parameters
 * idx[0..m) with statistic chi2 on df (the rank of their covariance), as
 * the covariance in force calls for, into out (chi2, df, p_value,
 * adjusted_f, df1, df2; the last three NaN for a chi-square reference):
 * - a survey design: the adjusted F on (q, d - q + 1) (partreg_survey_adjusted_f);
 * - CR2, full rank: clubSandwich's HTZ F (cr2_htz.h);
 * - a cluster covariance whose coefficients are tested on t(d)
 *   (--cluster-df, d = G - 1): clubSandwich's naive F, chi2 / q on (q, d);
 * - otherwise chi-square(df).
 * Returns PARTREG_OK or PARTREG_ENOMEM (out then holds the chi-square). */
partreg_status partreg_joint_reference(const partreg_fit *fit, const size_t *idx, size_t m,
                                       double chi2, double df, partreg_wald_term *out);

/* A row of the binary diagnostics: fitted probability p and the weight w
 * carrying the outcome y in its sign, wy = w for y = 0 and -w for y = 1
 * (16 bytes a row instead of 24; w > 0 on every row the diagnostics keep,
 * so partreg_scored_w and partreg_scored_y give w and y back exactly). */
typedef struct partreg_scored {
    double p, wy;
} partreg_scored;

static inline double partreg_scored_w(partreg_scored r) { return r.wy < 0 ? -r.wy : r.wy; }
static inline double partreg_scored_y(partreg_scored r) { return signbit(r.wy) ? 1.0 : 0.0; }

/* Sort r[0..n) by p ascending, keeping rows with equal p in their input
 * order (the order of any stable comparison sort, e.g. glibc's merge-sort
 * qsort with a (a > b) - (a < b) comparator; 0 and -0 are equal).
 * Every p must be in [0, 1]. PARTREG_OK; PARTREG_EINVAL when some p is
 * outside [0, 1] or NaN (r unchanged); PARTREG_ENOMEM (r unchanged).
 * Allocates n rows of scratch. Thread-safe (scored_sort.c). */
partreg_status partreg_scored_sort(partreg_scored *r, size_t n);

/* Refit the model of `fit` on `data` (its rows) with other nominal and
 * scale settings (partreg_model_spec_set_nominal/_scale), with the fit's
 * solver options. Statuses and *out as partreg_fit_create_spec(). */
partreg_status partreg_fit_refit(const partreg_fit *fit, const partreg_data *data,
                                 const size_t *nominal, size_t n_nominal, const size_t *scale,
                                 const unsigned char *scale_only, size_t n_scale,
                                 partreg_fit **out, partreg_error *err);

/* An empty list of variable tests with room for cap entries (NULL when
 * out of memory), and an entry appended to it (name copied; NULL when out
 * of memory), as the autofit steps need (ordinal_tests.c). */
partreg_variable_tests *partreg_variable_tests_create(size_t cap);
partreg_variable_test *partreg_variable_tests_append(partreg_variable_tests *t, const char *name);

/* chi2 = z' C^- z and the rank of the m x m correlation matrix C
 * (row-major; overwritten): the Cholesky inverse when C is positive
 * definite, else the eigen-decomposition dropping eigenvalues below 1e-10
 * times the largest (wald_terms.c). PARTREG_OK, PARTREG_ESINGULAR (not
 * finite or rank 0) or PARTREG_ENOMEM. */
partreg_status partreg_wald_quad_form(double *C, const double *z, size_t m, double *chi2,
                                      double *rank);

/* Profile intervals (profile.c): the route, for the tests that hold the
 * fast route to the plain one. */
typedef enum partreg_profile_route {
    PARTREG_PROFILE_AUTO = 0, /* Newton steps on all bounds at once, the plain route for
                               * what they leave */
    PARTREG_PROFILE_PLAIN = 1 /* bracketing and Brent's method over refits, every bound */
} partreg_profile_route;

/* What a profile run did. */
typedef struct partreg_profile_stats {
    size_t bounds;      /* bounds searched (two a coefficient) */
    size_t evaluations; /* objective evaluations at the bounds' points, summed over the
                         * bounds (a refit's passes count for the plain route) */
    size_t plain;       /* bounds the plain route found */
} partreg_profile_stats;

/* partreg_fit_profile_cis() on the given route, with what it did in stats
 * (may be NULL). */
partreg_status partreg_profile_run(const partreg_fit *fit, const partreg_data *data,
                                   const size_t *idx, size_t m, double level,
                                   partreg_profile_route route, double *low, double *high,
                                   partreg_profile_stats *stats, partreg_error *err);

/* The Brant test (brant.c) on a route, for the tests that hold the fast
 * route to the plain one. */
typedef enum partreg_brant_route {
    PARTREG_BRANT_AUTO = 0, /* the cut fits as one objective in shared passes, one pass for every
                             * cross-product; separate fits where that does not converge */
    PARTREG_BRANT_PLAIN = 1 /* separate fits, scalar loops a cross-product */
} partreg_brant_route;

partreg_status partreg_brant_run(const partreg_fit *fit, const partreg_data *data,
                                 partreg_brant_route route, partreg_brant **out,
                                 partreg_error *err);

/* Index of the Brant test's pair of cuts (j, l), j <= l < m, among the
 * m (m + 1) / 2 pairs: the order of its cross-products Z'W_jl Z. */
static inline size_t partreg_brant_pair(size_t j, size_t l, size_t m)
{
    return j * (2 * m - j + 1) / 2 + (l - j);
}

/* What the Brant test's fast route did (brant_cuts.c). */
typedef struct partreg_brant_cut_stats {
    int passes;      /* passes over all rows */
    int info_passes; /* of which formed the information over all rows */
    int last_passes; /* of which formed the cross-products */
    int iterations;  /* Newton steps computed */
} partreg_brant_cut_stats;

/* The fast route of the Brant test's cut fits (brant_cuts.c): the m = J - 1
 * binary logits of 1{y > j} on Z = [1, X_kept] (q = pk + 1 columns, from
 * the fit's design d; y the ordinal codes) fitted together from the
 * ordinal estimates, into B (m x q, cut j's at j q), and every Z'W_jl Z,
 * j <= l, at the estimate into A (m (m + 1) / 2 blocks of q x q, full, in
 * partreg_brant_pair order). *done = 1 when B and A are filled, 0 when the
 * plain route must answer (see the file). stats may be NULL.
 * PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_brant_cuts_fast(const partreg_fit *fit, const partreg_design *d,
                                       const double *y, size_t q, double *B, double *A,
                                       int *done, partreg_brant_cut_stats *stats);

/* Every Z'W_jl Z, j <= l, at the cut fits' estimates B (m x q) into A, as
 * partreg_brant_cuts_fast gives them, in one pass: for estimates from the
 * plain route's fits. PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_brant_cross_fast(const partreg_fit *fit, const partreg_design *d,
                                        const double *y, size_t q, const double *B, double *A);

#endif
