/* Cumulative-link models with nominal (cut-specific) and scale effects:
 * the model tables and the pieces their fast route shares with the
 * reference route (nominal_scale.c, nominal_sums.c). Private to lib/. */
#ifndef PARTREG_MODELS_NOMINAL_SCALE_H
#define PARTREG_MODELS_NOMINAL_SCALE_H

#include <stddef.h>

#include "models/design.h"
#include "models/model.h"
#include "models/objective.h"

/* The table for a cumulative-link model with nominal effects, scale
 * effects or both (static storage); NULL when neither is asked. */
const partreg_model_ops *partreg_model_nominal_scale(int nominal, int scale);

/* Whether ops is one of the tables above. */
int partreg_model_is_nominal_scale(const partreg_model_ops *ops);

/* The model's settings (partreg_model.state): its columns by role, each
 * list ascending. */
typedef struct partreg_ns_state {
    size_t np, nq, nr;      /* parallel location, nominal and scale columns */
    size_t *pcol, *qcol, *rcol;
    unsigned char *group;   /* p screening groups: 0 location, 1 scale only */
} partreg_ns_state;

/* The free parameters of a fit of the model over a design (d->cols: the
 * kept columns): the kept columns of each role and where each block
 * starts in the free vector. Free order: beta (nb), theta (nc = J - 1),
 * beta_j cut by cut (nc x nq, cut-major), gamma (nr). */
typedef struct partreg_ns_map {
    size_t nb, nq, nr, nc;
    size_t ot, on, og, k;   /* first free index of theta, beta_j, gamma; k in all */
    size_t *bcol, *qcol, *rcol; /* design (X) column of each free slope; caller's memory */
} partreg_ns_map;

/* Fill map for design d; bcol, qcol and rcol must each have room for the
 * model's np, nq and nr entries. */
void partreg_ns_map_build(const partreg_model *m, const partreg_design *d, partreg_ns_map *map);

/* The reference route of the objective, rows [begin, end): per row the
 * two cut points of its category, the link terms, then the gradient and
 * the information by plain loops over the free parameters (what every
 * fast route must equal). scratch: partreg_ns_ref_scratch(m) doubles. */
void partreg_ns_accumulate_ref(const partreg_design *d, const double *theta, size_t begin,
                               size_t end, partreg_order order, partreg_accum *acc,
                               double *scratch);
size_t partreg_ns_ref_scratch(const partreg_model *m);

/* The objective over d using the reference route alone (tests compare
 * the fast route with it). */
void partreg_ns_objective_ref(const partreg_model *m, const partreg_design *d,
                              partreg_objective *obj);

#endif
