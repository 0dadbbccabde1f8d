/* Newton-Raphson with step-halving on a block-accumulated objective.
 * Private to lib/. */
#ifndef PARTREG_MODELS_NEWTON_H
#define PARTREG_MODELS_NEWTON_H

#include "models/objective.h"

typedef struct partreg_newton_result {
    int iterations;             /* Newton steps taken */
    int passes;                 /* accumulation passes over the data */
    partreg_stop_reason reason; /* why it stopped */
    double loglik;              /* at the returned theta */
    double max_grad;            /* max |gradient| at the returned theta */
    double decrement;           /* Newton decrement g' I^-1 g at the returned theta */
} partreg_newton_result;

/* Maximise obj from the feasible start theta (k entries, overwritten with
 * the estimate). On return `acc` holds loglik, gradient and information
 * (observed, or expected when `expected` is set) at theta, or, after
 * convergence, at the point one final step (relative size < 1e-10) before
 * it (callers that set `fresh_state` get the state at theta whenever the
 * final step was larger), and `last_step`
 * (k, may be NULL) the Newton step that would be taken from it: under
 * separation its large entries name the diverging parameters.
 * start_info (k x k, may be NULL) is an approximate information at the
 * start, such as a subsample's scaled to the full data: the first pass then
 * skips the information and the first step uses this one (a chord step,
 * newton.c); the result is the same maximiser.
 * PARTREG_OK (see res->reason), PARTREG_ENOMEM, PARTREG_ENUMERIC (non-finite
 * log-likelihood at the start). */
partreg_status partreg_newton_maximise(const partreg_objective *obj, double *theta,
                                       const partreg_fit_options *opt, partreg_accum *acc,
                                       double *last_step, int fresh_state,
                                       const double *start_info, partreg_newton_result *res);

#endif
