/* A fit's passes over rows that are not one array (rows.h): validation,
 * screening and the objective, cut into the in-memory passes' segments
 * and merged in their order, so that the sums are the same bits as in
 * memory (rows_passes.c). Private to lib/. */
#ifndef PARTREG_MODELS_ROWS_PASSES_H
#define PARTREG_MODELS_ROWS_PASSES_H

#include <stddef.h>

#include "partreg.h"

#include "core/team.h"
#include "models/collinear.h"
#include "models/model.h"
#include "models/objective.h"
#include "models/rows.h"

/* Threads for a pass over rows whose members each hold `bytes` of reads:
 * as partreg_team_threads, and no more than rows->memory allows (at least
 * one). */
size_t partreg_rows_threads(const partreg_rows *rows, partreg_team *team, int threads,
                            size_t bytes);

/* partreg_outcome_sums_on over the rows: *bad = 1 when some outcome or
 * weight is invalid. PARTREG_OK, PARTREG_ENOMEM, PARTREG_EIO. */
partreg_status partreg_rows_outcome_sums(partreg_rows *rows, partreg_team *team, int threads,
                                         partreg_isa isa, size_t J, double *W, double *sum_w,
                                         size_t *n_pos, int *bad);

/* The first row (0-based, of all processes) whose outcome is not a code
 * 0..J-1 or whose weight is negative or not finite, with its values;
 * *row = n when there is none. */
partreg_status partreg_rows_first_bad_outcome(const partreg_rows *rows, size_t J, size_t *row,
                                              double *y, double *w);

/* The first row (of all processes) whose weight is positive and below
 * `limit`, with its weight; *row = n when there is none. */
partreg_status partreg_rows_first_small_weight(const partreg_rows *rows, double limit,
                                               size_t *row, double *w);

/* partreg_screen_columns_grouped over the rows (group may be NULL;
 * PARTREG_EDATA when a value of X is not finite). */
partreg_status partreg_rows_screen(partreg_rows *rows, const unsigned char *group,
                                   int thresholds, double tol,
                                   partreg_team *team, int threads, partreg_isa isa,
                                   unsigned char *why,
                                   size_t *kept, size_t *pk, int *has_intercept,
                                   size_t *intercept_col, double *intercept_value,
                                   partreg_screen_offset *offset);

/* The first non-finite value of X: its row, column and value (*row = n
 * when there is none). */
partreg_status partreg_rows_first_nonfinite(const partreg_rows *rows, size_t *row, size_t *col,
                                            double *value);

/* The objective of model m over the rows: each call of its accumulate
 * reads the call's rows (one segment) into the member's scratch and hands
 * them to the model's own objective as a design of those rows alone; its
 * row_scores does the same for a block. tmpl is the fit's design view (its
 * kept columns, J, link, model; its row arrays are not read); block_rows
 * is the fit's (the segments the passes use). With a communicator each
 * process computes the segments that start in its share and the pass
 * merges every process's segment states in segment order (obj->pass). The
 * context ro must outlive obj. PARTREG_OK, PARTREG_ENOMEM, PARTREG_EIO
 * (the rows of the last segments could not be fetched). Collective with a
 * communicator. */
typedef struct partreg_rows_objective {
    partreg_pass_hook hook;    /* first: the pass hook's container */
    partreg_rows *rows;
    const partreg_model *model;
    partreg_design tmpl;
    size_t cap;                /* rows a call may read */
    size_t inner_scratch;      /* the model objective's scratch doubles */
    int has_feasible;
    int *io_error;             /* set when a read failed (owned by the caller) */
} partreg_rows_objective;

partreg_status partreg_rows_objective_init(partreg_rows_objective *ro, partreg_rows *rows,
                                           const partreg_model *m, const partreg_design *tmpl,
                                           size_t block_rows, int *io_error,
                                           partreg_objective *obj);

/* Run a pass over segments whose states are `doubles` doubles each: each
 * process computes the segments it can (segment() returns 1 when it
 * computed s, 0 when s is another process's), and fold() receives every
 * segment's state in segment order (NULL when no process computed it),
 * on every process. Used by the passes here and by the inference passes
 * (inference/meat.c). PARTREG_OK, PARTREG_ENOMEM, PARTREG_EIO (the
 * exchange failed, or fold returned non-zero: two processes computed one
 * segment, or none a segment that has rows). */
typedef struct partreg_rows_pass {
    const partreg_rows *rows;
    size_t nseg, doubles;
    int (*segment)(void *arg, size_t s, size_t t, double *state);
    int (*fold)(void *arg, size_t s, const double *state);
    void *arg;
    /* this process's status before the pass (PARTREG_OK, or a failure to
     * get ready for it: the pass then computes nothing here, still takes
     * part in the exchanges, and every process returns the failure) */
    partreg_status status;
} partreg_rows_pass;

partreg_status partreg_rows_pass_run(const partreg_rows_pass *rp, partreg_team *team, size_t nt);

#endif
