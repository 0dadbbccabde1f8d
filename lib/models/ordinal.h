/* The cumulative-link likelihood as a block-accumulated objective.
 * Private to lib/. */
#ifndef PARTREG_MODELS_ORDINAL_H
#define PARTREG_MODELS_ORDINAL_H

#include "models/design.h"
#include "models/objective.h"

/* Fill obj for P(Y <= j) = F(theta_j - x'beta): free parameters are the pk
 * kept coefficients followed by the J-1 thresholds; feasible iff the
 * thresholds are strictly increasing. */
void partreg_ordinal_objective(const partreg_design *d, partreg_objective *obj);

/* Start values that always work: beta = 0 and theta_j = F^-1 of the
 * weighted marginal cumulative proportion of levels <= j. Requires every
 * level to be observed with positive weight. */
void partreg_ordinal_start(const partreg_design *d, double *theta);

/* The same from the weight W[j] of each level and their total (what the
 * fit sums while validating). */
void partreg_ordinal_start_from(const partreg_design *d, const double *W, double total,
                                double *theta);

/* Log-likelihood of the thresholds-only model (closed form:
 * sum_j W_j log(W_j / W)), from the level weights W[0..J) and their
 * total. */
double partreg_ordinal_null_loglik(const double *W, size_t J, double total);

/* P(Y = j | eta), j = 0..J-1, from thresholds thr[0..J-2]; each computed
 * in the tail where it is precise. */
void partreg_ordinal_probs(partreg_link link, double eta, const double *thr, size_t J,
                           double *probs);

/* P(Y <= j | eta), j = 0..J-2. */
void partreg_ordinal_cumprobs(partreg_link link, double eta, const double *thr, size_t J,
                              double *cum);

/* log P(Y = j | eta) and the derivatives of log P with respect to the
 * lower and upper cut points a = theta_{j-1} - eta and b = theta_j - eta,
 * and the second derivatives (aa, ab, bb). Infinite a or b mark the
 * outermost categories. */
typedef struct partreg_ordinal_terms {
    double logp;
    double da, db;          /* d logP / da, d logP / db */
    double daa, dab, dbb;   /* second derivatives */
} partreg_ordinal_terms;
void partreg_ordinal_row_terms(partreg_link link, double a, double b, partreg_ordinal_terms *t);

/* The reference route of the objective's row scores (any link): row by
 * row through partreg_ordinal_row_terms. The logit's fast route is
 * score_rows.c's. */
void partreg_ordinal_reference_row_scores(const void *model, const double *theta, size_t begin,
                                          size_t end, double *S, double *scratch);

#endif
