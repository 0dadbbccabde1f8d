/* Cost counters of a fit, for the benchmarks (bench/fit_time.c) and the
 * tests: not part of the API, and not exported from the shared library.
 * Programs that use them link the static library. Private to lib/. */
#ifndef PARTREG_MODELS_FIT_COUNTERS_H
#define PARTREG_MODELS_FIT_COUNTERS_H

#include "partreg.h"

/* Passes the fit made over the design matrix: the column-screening pass
 * plus every accumulation pass of the solver (start-value passes on a
 * subsample count as the fraction of the rows they read, rounded up). */
int partreg_fit_passes(const partreg_fit *fit);

/* The same count with the start-value passes on a subsample taken as the
 * exact fraction of the rows they read (not rounded up), so that it times
 * the design's size is the number of bytes of the design the fit read:
 * the count bench/run.sh divides by the memory bandwidth for its floor. */
double partreg_fit_data_passes(const partreg_fit *fit);

#endif
