/* What the frame and the command need to know about a model family before
 * any model exists: its name, the outcome levels its models take and
 * whether cut points take the intercept's place. The models themselves
 * live in lib/models (model.h); a family there selects a table whose
 * traits agree with these (tests/test_model_open.c checks it). Private to
 * lib/. */
#ifndef PARTREG_CORE_FAMILY_H
#define PARTREG_CORE_FAMILY_H

#include <stddef.h>

#include "partreg.h"

typedef struct partreg_family_traits {
    const char *name;   /* "binary", "ordinal" */
    size_t min_levels;  /* outcome levels the family's models take */
    size_t max_levels;  /* (SIZE_MAX: no upper limit) */
    int thresholds;     /* cut points in place of an intercept column */
} partreg_family_traits;

/* The traits of a family, NULL for an unknown value. */
const partreg_family_traits *partreg_family_traits_of(partreg_family family);

/* The family chosen for an outcome with J levels when none is given: the
 * first whose level range holds J. */
partreg_family partreg_family_for_levels(size_t J);

#endif
