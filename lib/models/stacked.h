/* Several objectives over the same rows as one (stacked.c). Private to
 * lib/. */
#ifndef PARTREG_MODELS_STACKED_H
#define PARTREG_MODELS_STACKED_H

#include <stddef.h>

#include "models/objective.h"

/* m objectives over the same n rows (borrowed; each may be any model's,
 * m <= PARTREG_STACKED_MAX), as one objective in their parameters laid
 * end to end: the sum of their log-likelihoods, with a block-diagonal
 * information. A pass of it reads each row once for all m (every
 * segment's rows are accumulated into each part while in cache), so a
 * solver moves m separate fits on the same rows in shared passes: one
 * Newton step of the stack is one Newton step of each part. */
#define PARTREG_STACKED_MAX 64

typedef struct partreg_stacked {
    size_t m;
    const partreg_objective *part[PARTREG_STACKED_MAX];
    size_t first[PARTREG_STACKED_MAX + 1]; /* part i's parameters: [first[i], first[i + 1]) */
} partreg_stacked;

/* Fill s from the m parts and obj to read it (s must outlive obj). The
 * parts' rows, groups and feasibility combine; obj has no row scores.
 * PARTREG_OK, PARTREG_EINVAL (m is 0 or too large, or the parts' rows
 * differ). */
partreg_status partreg_stacked_objective(partreg_stacked *s, const partreg_objective *const *parts,
                                         size_t m, partreg_objective *obj);

#endif
