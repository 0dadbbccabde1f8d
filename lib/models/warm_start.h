/* Start values from a subsample of the rows (see warm_start.c).
 * Private to lib/. */
#ifndef PARTREG_MODELS_WARM_START_H
#define PARTREG_MODELS_WARM_START_H

#include "models/objective.h"

/* Maximise obj on an evenly spread subsample of its rows from theta and,
 * when that converges, overwrite theta (k entries, feasible) with the
 * subsample's maximiser; otherwise theta is left as it was (also on
 * ENOMEM, which only costs the warm start), or, when the subsample's fit
 * was itself started from a smaller subsample's (nested, large n), holds
 * that one's maximiser. Fits of fewer than
 * opt->warm_start_rows rows (or all, when it is 0) are left alone.
 * When theta is overwritten, info (k x k) gets the subsample's information
 * at (about) that point scaled to all rows, an approximation of the full
 * data's for partreg_newton_maximise's start_info, and *have_info is set
 * to 1 when the subsample is large enough for it to be one (else 0).
 * Returns the cost in passes over the full data (subsample passes times
 * the subsample's share of the rows; 0 when nothing was done). */
double partreg_warm_start(const partreg_objective *obj, double *theta,
                          const partreg_fit_options *opt, double *info, int *have_info);

#endif
