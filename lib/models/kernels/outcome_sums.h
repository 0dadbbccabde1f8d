/* The one pass over a fit's outcome and weights (outcome_sums.c).
 * Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_OUTCOME_SUMS_H
#define PARTREG_MODELS_KERNELS_OUTCOME_SUMS_H

#include <stddef.h>

#include "core/cpu.h"
#include "core/team.h"

/* Check every row's outcome (an integer code in [0, J)) and weight (w may
 * be NULL for unit weights; else finite and >= 0) and sum, in the same
 * pass, the weight of each level into W (J entries, zeroed by the caller;
 * may be NULL), the total weight into *sum_w and the rows of positive
 * weight into *n_pos. Row i is summed into stripe i mod 4 in row order and
 * the stripes are added pairwise at the end, so the sums do not depend on
 * how the pass is carried out (isa: the fit's instruction set,
 * core/cpu.h, picks the copy of the kernel, which changes no bit).
 * Returns 0, 1 when some row is invalid (the sums are then meaningless:
 * the caller finds the row), or -1 when out of memory. */
int partreg_outcome_sums(partreg_isa isa, const double *y, const double *w, size_t n, size_t J,
                         double *W, double *sum_w, size_t *n_pos);

/* The same on threads (threads: as partreg_fit_options.threads; on the
 * team when there is one): the rows' segments (partreg_segment_count,
 * fixed by n and J) each summed as above, then added in segment order,
 * so the sums do not depend on the threads either (a single segment is
 * the call above). Same return values. */
int partreg_outcome_sums_on(partreg_team *team, int threads, partreg_isa isa, const double *y,
                            const double *w, size_t n, size_t J, double *W, double *sum_w,
                            size_t *n_pos);

#endif
