/* Shared pieces of the margins files (lib/inference/margins*.c): the list
 * object behind partreg_margins and small string helpers. Private to lib/. */
#ifndef PARTREG_INFERENCE_MARGINS_INTERNAL_H
#define PARTREG_INFERENCE_MARGINS_INTERNAL_H

#include <stddef.h>

#include "partreg_margins.h"

struct partreg_margins {
    size_t n;              /* entries */
    partreg_margin *items; /* n entries; term/outcome point into strings */
    char **strings;        /* every string the entries point to */
    size_t n_strings;
    /* for contrasts: each entry's gradient over the K parameters (n x K,
     * row-major) and the covariance it was computed under (K x K) */
    size_t K;
    double *jac;
    double *V;
    double ddf;            /* design df, or NaN: normal quantiles */
    double level;
    /* entries are group-major, then cell, then outcome */
    size_t n_groups, n_cells, nout;
    int cells_comparable;  /* the cells are points of an at-grid */
};

/* A grid of at-settings: cell c holds set[first[c] .. first[c] + count[c]). */
struct partreg_at_grid {
    size_t n_cells;
    size_t *first, *count;
    partreg_setting *set;
};

/* The interval of a probability p with standard error se on the link
 * scale, transformed back: F(F^-1(p) -+ q se / f(F^-1(p))); p itself
 * when p is 0 or 1 (or its density underflows); NaN when p or se is not
 * finite. */
void partreg_margins_link_interval(partreg_link link, double p, double se, double q,
                                   double *lo, double *hi);

/* Copy of s (malloc), or NULL when out of memory. */
char *partreg_margins_strdup(const char *s);

/* Format the settings set[0..n_set) as "name=value,name=level" into a new
 * string (malloc). Numbers are written in the shortest %.*g form that reads
 * back to the same double. NULL when out of memory. Settings must have been
 * validated (variables and levels in range). */
char *partreg_margins_describe_settings(const partreg_frame *fr, const partreg_setting *set,
                                        size_t n_set);

#endif
