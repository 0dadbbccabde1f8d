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

/* The same pass in pieces, for rows that are not one array in memory
 * (models/rows_passes.c): the segments of n rows (*block receives the
 * rows a block), each segment's moments from a view of its rows alone
 * (view->n rows), merged in segment order (packed as
 * partreg_screen_state_doubles(p) doubles to travel between processes),
 * then classified: the same bits as partreg_screen_columns. A state from
 * partreg_screen_moments_new (NULL when out of memory; shape gives p and
 * whether rows are weighted) holds one segment's or the merged moments
 * and its own block scratch. */
typedef struct partreg_moments partreg_screen_moments;
size_t partreg_screen_segments(size_t n, size_t p, size_t *block);
size_t partreg_screen_state_doubles(size_t p);
partreg_screen_moments *partreg_screen_moments_new(const partreg_data *shape, partreg_isa isa);
void partreg_screen_moments_free(partreg_screen_moments *mo);
void partreg_screen_moments_reset(partreg_screen_moments *mo, size_t p);
void partreg_screen_moments_segment(partreg_screen_moments *mo, const partreg_data *view);
void partreg_screen_moments_pack(const partreg_screen_moments *mo, size_t p, double *out);
void partreg_screen_moments_merge_packed(partreg_screen_moments *into, const double *packed,
                                         size_t p);
partreg_status partreg_screen_moments_classify(partreg_screen_moments *all, size_t p,
                                               const unsigned char *group, int thresholds,
                                               double tol, unsigned char *why, size_t *kept,
                                               size_t *pk, int *has_intercept,
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
