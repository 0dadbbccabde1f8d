/* Fast per-row scores of the logit models (score_rows.c): the row_scores
 * of the binary and cumulative logit objectives, which the sandwich
 * covariances and the design-based variance read. Private to lib/. */
#ifndef PARTREG_MODELS_SCORE_ROWS_H
#define PARTREG_MODELS_SCORE_ROWS_H

#include <stddef.h>

/* The row_scores of objective.h for a partreg_design (model) of the binary
 * logit (k = pk) and of the cumulative logit (k = pk + J - 1): scratch of
 * partreg_score_rows_scratch doubles at least. Each must equal its
 * model's reference row scores (binary.c, ordinal.c) to rounding. */
void partreg_binary_logit_row_scores(const void *model, const double *beta, size_t begin,
                                     size_t end, double *S, double *scratch);
void partreg_ordinal_logit_row_scores(const void *model, const double *theta, size_t begin,
                                      size_t end, double *S, double *scratch);

/* The score_sums of objective.h for the same objectives: the sums of the
 * row scores over runs of rows, times scale (a power of 2), without the
 * scores in memory: each sum equals the one row_scores and a loop give to
 * rounding (the rows of a run are added four at a time, as in the
 * gradient's kernel). The same scratch. */
void partreg_binary_logit_score_sums(const void *model, const double *beta, size_t begin,
                                     size_t end, const size_t *run_start, size_t nruns,
                                     double scale, double *sums, double *scratch);
void partreg_ordinal_logit_score_sums(const void *model, const double *theta, size_t begin,
                                      size_t end, const size_t *run_start, size_t nruns,
                                      double scale, double *sums, double *scratch);

/* v[r] = F(v[r]) = 1 / (1 + exp(-v[r])) for r < m, the logistic
 * distribution function of a chunk's linear predictors (the Brant test's
 * fitted values): within an ulp of libm's exp route. */
void partreg_logit_cdf_rows(double *v, size_t m);

/* Scratch doubles of both for pk kept columns and J levels (the models'
 * objective scratch is larger). */
size_t partreg_score_rows_scratch(size_t pk, size_t J);

#endif
