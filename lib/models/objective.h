/* The block-accumulate shape every model is written in (docs/DESIGN.md):
 * a model evaluates, for a block of rows, the log-likelihood, gradient and
 * negative Hessian into a small state; the states of the row segments are
 * merged by addition in segment order; the solver takes a Newton step on
 * the merged state. The segments are fixed by the rows (n, k, the block),
 * never by where the rows are: in memory, read from a design file in
 * chunks, or held by other processes (docs/scaling.md). Private to lib/. */
#ifndef PARTREG_MODELS_OBJECTIVE_H
#define PARTREG_MODELS_OBJECTIVE_H

#include <stdatomic.h>
#include <stddef.h>

#include "partreg.h"

#include "core/team.h"

/* How much an accumulation computes. */
typedef enum partreg_order {
    PARTREG_ORDER_VALUE = 0,     /* log-likelihood only (step-halving) */
    PARTREG_ORDER_GRADIENT = 1,  /* + gradient */
    PARTREG_ORDER_HESSIAN = 2,   /* + negative Hessian (observed information) */
    PARTREG_ORDER_EXPECTED = 3   /* + expected information instead of observed */
} partreg_order;

/* A mergeable partial sum over rows. `info` is the negative Hessian (k x k,
 * row-major; only the lower triangle need be filled by accumulate, the
 * solver symmetrises once after merging). */
typedef struct partreg_accum {
    size_t k;
    double loglik;
    double *grad;  /* k */
    double *info;  /* k * k */
    int nonfinite; /* set when a row produced a non-finite value */
} partreg_accum;

/* Allocate/free/zero/merge states. alloc returns NULL on ENOMEM. */
partreg_accum *partreg_accum_alloc(size_t k);
void partreg_accum_free(partreg_accum *a);
void partreg_accum_zero(partreg_accum *a);
/* into += from, only what a pass of `order` computes: the loglik, the
 * gradient, the information's lower triangle (the rest is symmetrised). */
void partreg_accum_add(partreg_accum *into, const partreg_accum *from, partreg_order order);

/* A model as the solver sees it: k free parameters theta and n rows. */
struct partreg_objective;

/* A pass that is not run over this process's rows alone: a distributed
 * fit's (models/rows_dist.c) evaluates its share of the segments and
 * merges every process's segment states in segment order. */
typedef struct partreg_pass_hook {
    partreg_status (*eval)(const struct partreg_objective *obj, const double *theta,
                           partreg_order order, int threads, size_t block_rows,
                           struct partreg_accum *acc);
} partreg_pass_hook;

typedef struct partreg_objective {
    size_t k;      /* number of free parameters */
    size_t n;      /* number of rows */
    const void *model;
    /* Add rows [begin, end) at theta to acc (acc is not zeroed first).
     * `scratch` is per-caller memory of scratch_doubles doubles (at least
     * 1). A pass (partreg_objective_eval) calls it once a segment (many
     * blocks of rows; the model walks them in chunks of its own), each
     * member of the team with its own scratch, whose first double is 0
     * before the member's first call of the pass and is kept between its
     * calls: a model may keep tables that depend on theta alone there,
     * built at the first call (flagged in scratch[0]) and checked against
     * theta at the others. */
    void (*accumulate)(const void *model, const double *theta, size_t begin, size_t end,
                       partreg_order order, partreg_accum *acc, double *scratch);
    /* 1 if theta is inside the parameter space (e.g. increasing thresholds). */
    int (*feasible)(const void *model, const double *theta);
    /* Weighted per-row score contributions of rows [begin, end) into
     * S[(i - begin) * k + j] (used by the sandwich estimators). */
    void (*row_scores)(const void *model, const double *theta, size_t begin, size_t end,
                       double *S, double *scratch);
    size_t scratch_doubles; /* per-thread scratch needed by the callbacks */
    /* Optional groups of rows that a segment never splits (a community's
     * rows in a random-intercept model, whose likelihood does not factor
     * over them): the rows are ordered by group, group g starting at row
     * group_start[g] (ascending, group_start[0] = 0). NULL: every row
     * stands alone. A segment's rows run from the first group start at or
     * after its own first row to the first at or after its end. */
    const size_t *group_start;
    size_t n_groups;
    /* Threads for the passes (borrowed; the model constructors set NULL:
     * threads are then started per pass). */
    partreg_team *team;

    /* Optional (NULL: not offered; constructors that leave the fields
     * below alone get them zeroed by partreg_fit_objective). */

    /* The derivative of the expected information along each parameter,
     * contracted with a k x k symmetric matrix A: for rows [begin, end),
     * g[r] += sum_i tr(A dI_i/dtheta_r), I_i row i's (weighted) expected
     * information. What the Jeffreys-prior penalty needs (penalty.c). */
    void (*info_derivative)(const void *model, const double *theta, const double *A,
                            size_t begin, size_t end, double *g, double *scratch);
    /* A generalised linear model's rows in working form, for covariances
     * that need more than the scores (CR2): row i has expected information
     * z_i z_i' and score z_i r_i, with working variance v_i (for a binary
     * model z = f x / sqrt(v), r = (y - F) / sqrt(v), v = F (1 - F), f the
     * density, at weight 1; a row of weight w has z and r times sqrt(w) and
     * v over w, so a row of weight 0 has z = 0, r = 0 and v = +inf).
     * Z[(i - begin) * k + j], r[i - begin], v[i - begin]. Models whose rows
     * are not of that form leave it NULL. */
    void (*glm_rows)(const void *model, const double *theta, size_t begin, size_t end, double *Z,
                     double *r, double *v, double *scratch);
    /* The sums of the row scores over runs of rows, times `scale` (a power
     * of 2): rows [begin, end) in nruns runs starting at run_start[0] =
     * begin < run_start[1] < ... < end, sums[q * k + j] += scale s_ij over
     * run q's rows i. What row_scores and a sum over each run give, to
     * rounding, without every row's scores in memory: the PSU totals of
     * the design variance, a cluster's sums. Same scratch as row_scores.
     * NULL: callers sum row_scores. Objectives that wrap another over
     * other rows (a subsample) leave it NULL. */
    void (*score_sums)(const void *model, const double *theta, size_t begin, size_t end,
                       const size_t *run_start, size_t nruns, double scale, double *sums,
                       double *scratch);
    /* A term added to the sum over rows that is not itself a sum over
     * rows (a penalty): called by partreg_objective_eval after the rows
     * are merged, it adds its value, and from PARTREG_ORDER_GRADIENT on
     * its gradient, to acc; the information is left to the rows (the
     * solver then takes scoring steps on the penalised objective). It may
     * make passes of its own (with `penalty` cleared). Returns PARTREG_OK
     * or PARTREG_ENOMEM; a penalty that is not finite sets acc->nonfinite. */
    partreg_status (*penalty)(const struct partreg_objective *obj, const double *theta,
                              partreg_order order, int threads, size_t block_rows,
                              partreg_accum *acc);
    /* Optional explicit segments (NULL: partreg_segment_count's cut):
     * segment s is rows [segment_start[s], segment_start[s + 1]), the last
     * ending at n; n_segments entries, ascending, the first 0. For an
     * objective over a subset of another's rows whose segments must each
     * read one run of the other's rows (the warm start's subsample). */
    const size_t *segment_start;
    size_t n_segments;
    /* Where the passes run when not here alone (NULL: on this process's
     * rows; borrowed). Objectives that wrap another (a subsample, a
     * constrained refit) keep the one they wrap, and pass `scratch` on to
     * it unchanged, with their own scratch after its scratch_doubles. */
    const partreg_pass_hook *pass;
    /* Where a pass adds the rows it reads (n; the fit's count, see
     * fit_internal.h; NULL: not counted). Objectives that wrap another
     * keep it. */
    atomic_ullong *rows_read;
} partreg_objective;

/* Evaluate the objective over all rows in blocks of `block_rows` on
 * `threads` threads (0: one per core), on obj->team when there is one:
 * fewer threads when one would have fewer than PARTREG_TEAM_MIN_ROWS rows
 * on a team, PARTREG_MIN_ROWS_PER_THREAD rows without, and never more
 * than there are segments. The threads take the row segments of
 * partreg_segment_count one at a time into per-segment states, merged in
 * segment order: the same bits at any number of threads, on a team or
 * not, at any timing. Then symmetrise info.
 * Returns PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_objective_eval(const partreg_objective *obj, const double *theta,
                                      partreg_order order, int threads, size_t block_rows,
                                      partreg_accum *acc);

/* The same on this process's rows alone (obj->pass is ignored), with at
 * most `window` segment states held at once (0: the default): the pass
 * that a hook's eval runs for its share. */
partreg_status partreg_objective_eval_here(const partreg_objective *obj, const double *theta,
                                           partreg_order order, int threads, size_t block_rows,
                                           size_t window, partreg_accum *acc);

/* The segments of a pass of obj in blocks of `block` rows (0: automatic):
 * how many, and the rows [*begin, *end) of segment s (groups and explicit
 * segments applied; a segment may be empty). The largest segment's rows
 * are what a member reads at once (models/rows.c sizes its buffer so). */
size_t partreg_objective_segments(const partreg_objective *obj, size_t block);
void partreg_objective_segment(const partreg_objective *obj, size_t block, size_t nseg, size_t s,
                               size_t *begin, size_t *end);
size_t partreg_objective_max_segment_rows(const partreg_objective *obj, size_t block);

/* Evaluate the objective at m points in passes that read each segment of
 * rows once for several points: a member takes a segment and accumulates
 * it at each point in turn while its rows are in cache, into a state of
 * its own per point and segment; the states are merged in segment order,
 * so acc[i] is the same bits partreg_objective_eval(obj, theta[i],
 * order[i], ...) gives (a penalty is added at each point after the rows,
 * with the passes of its own). The points share a pass as far as their states
 * fit a fixed budget (more points take more passes; each adds n to
 * obj->rows_read). For the searches that move several points at once
 * (profile bounds, a family of fits on the same rows). An objective whose
 * passes run elsewhere (obj->pass: rows on disk or on other processes) or
 * that has explicit segments is evaluated a point at a time through
 * partreg_objective_eval instead: the same bits, one pass a point.
 * Returns PARTREG_OK, PARTREG_ENOMEM, or what obj->pass returns. */
partreg_status partreg_objective_eval_points(const partreg_objective *obj, size_t m,
                                             const double *const *theta,
                                             const partreg_order *order, int threads,
                                             size_t block_rows, partreg_accum *const *acc);

/* The row segments of a pass over n rows of a k-parameter model in blocks
 * of `block` rows (fixed by n, k and the block, not by the threads or by
 * where the rows are): at most 256, of at least 1,000 rows, whole blocks
 * each (so at most one a block), and more than 256 only where a segment
 * would otherwise hold more than about 32 MiB of design rows (2^22 /
 * (k + 2) rows): what a reader of rows from disk or another process
 * holds at once stays bounded whatever n. */
size_t partreg_segment_count(size_t n, size_t k, size_t block);

/* Rows [*begin, *end) of segment s of nseg over n rows in blocks of
 * `block`: segment s has blocks nblocks s / nseg to nblocks (s + 1) / nseg. */
void partreg_segment_rows(size_t n, size_t block, size_t nseg, size_t s, size_t *begin,
                          size_t *end);

/* The first of the n_groups group starts (ascending) at or after row r,
 * or n when there is none: where a segment boundary at r moves so that no
 * group is split. */
size_t partreg_group_boundary(const size_t *group_start, size_t n_groups, size_t n, size_t r);

/* Fewer rows than this per thread are not worth starting a thread. */
#define PARTREG_MIN_ROWS_PER_THREAD 20000

/* Rows per block when the caller asks for automatic blocking: about 32 KiB
 * of design rows, at least 64. */
size_t partreg_block_rows_auto(size_t k);

#endif
