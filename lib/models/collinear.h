/* Screening design columns before a fit: constant and collinear columns
 * are found and dropped (or refused) in formula order, as R's pivoting QR
 * and Stata do. Private to lib/. */
#ifndef PARTREG_MODELS_COLLINEAR_H
#define PARTREG_MODELS_COLLINEAR_H

#include "partreg.h"

#include "core/cpu.h"
#include "core/team.h"

/* Why a column was dropped. */
enum { PARTREG_KEEP = 0, PARTREG_DROP_CONSTANT = 1, PARTREG_DROP_COLLINEAR = 2,
       PARTREG_DROP_ZERO = 3 };

/* The kept, non-constant column whose (weighted) mean is farthest from 0
 * in its own standard deviations, when the model centres (an intercept or
 * thresholds): the information is accumulated from the raw rows, and a
 * ratio |mean| / sd in the millions leaves it too few digits (docs/
 * methods.md, "Newton-Raphson"). col = p when there is none. */
typedef struct partreg_screen_offset {
    size_t col;
    double mean, sd;
} partreg_screen_offset;

/* Classify every column of data->X (rows with zero weight ignored) in one
 * pass on `threads` threads (0 = all cores; on the team when it is large
 * enough, else started for the pass; the pass also checks that every
 * value, zero-weight rows included, is finite; isa: the fit's instruction
 * set, core/cpu.h, which changes no bit):
 * why[j] is one of the PARTREG_KEEP/DROP_* codes, kept[0..*pk-1] the kept
 * column indices. A model without thresholds keeps the first constant
 * non-zero column as its intercept (*has_intercept = 1, its index in
 * *intercept_col and its value in *intercept_value); a model with
 * thresholds (`thresholds` set) drops every constant column (the
 * thresholds absorb it). A column is collinear when
 * its residual standard deviation, after regression on the kept columns
 * before it, is below tol times its own (R's lm uses tol = 1e-7 on the
 * same scale). offset (may be NULL) receives the column above. Returns
 * PARTREG_OK, PARTREG_EDATA when some value of X is not finite (outputs
 * then unset), or PARTREG_ENOMEM. */
partreg_status partreg_screen_columns(const partreg_data *data, int thresholds, double tol,
                                      int threads, partreg_team *team, partreg_isa isa,
                                      unsigned char *why,
                                      size_t *kept, size_t *pk, int *has_intercept,
                                      size_t *intercept_col, double *intercept_value,
                                      partreg_screen_offset *offset);

/* The same with the columns in groups (group[j] for each column; NULL:
 * one group): a column is collinear when it is so with the earlier kept
 * columns of its own group, for models whose columns enter different
 * parts of the likelihood (model.h, screen_group). */
partreg_status partreg_screen_columns_grouped(const partreg_data *data, const unsigned char *group,
                                              int thresholds, double tol, int threads,
                                              partreg_team *team, partreg_isa isa,
                                              unsigned char *why,
                                              size_t *kept, size_t *pk, int *has_intercept,
                                              size_t *intercept_col, double *intercept_value,
                                              partreg_screen_offset *offset);

#endif
