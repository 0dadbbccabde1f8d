/* The numeric problem a model's objective reads: the caller's borrowed data
 * plus the columns kept after the collinearity check. Shared by every
 * model's objective. Private to lib/. */
#ifndef PARTREG_MODELS_DESIGN_H
#define PARTREG_MODELS_DESIGN_H

#include "partreg.h"

typedef struct partreg_design {
    size_t n;            /* rows */
    size_t p;            /* columns of X */
    size_t ldx;          /* row stride of X */
    const double *X;     /* n x p row-major (borrowed) */
    const double *y;     /* outcomes: 0/1 or level codes */
    const double *w;     /* weights or NULL */
    const size_t *cols;  /* the pk kept columns, or NULL when all p are kept */
    size_t pk;           /* number of kept columns */
    size_t J;            /* outcome levels (2 for binary) */
    partreg_link link;
    const struct partreg_model *model; /* the model whose objective reads the design (model.h) */
    /* The route of the objective's row loops, resolved once by the fit
     * (core/cpu.h: REFERENCE, SCALAR, AVX2 or AVX512). AUTO, what a design
     * made field by field without it holds, runs the scalar route: only a
     * fit asks the CPU. */
    partreg_kernel kernel;
    /* The first row's index among the rows of the whole problem when the
     * design holds a segment of them (a pass over rows read from a design
     * file or another process: models/rows.h); 0 otherwise. A model whose
     * objective rows are not its data rows (a random intercept's groups)
     * reads it; the others index the design's rows from 0. */
    size_t row0;
} partreg_design;

/* Row i of the kept columns: a pointer into X when nothing was dropped,
 * else the kept entries gathered into buf (pk doubles). */
static inline const double *partreg_design_row(const partreg_design *d, size_t i, double *buf)
{
    const double *row = d->X + i * d->ldx;
    if (!d->cols)
        return row;
    for (size_t j = 0; j < d->pk; j++)
        buf[j] = row[d->cols[j]];
    return buf;
}

static inline double partreg_design_weight(const partreg_design *d, size_t i)
{
    return d->w ? d->w[i] : 1.0;
}

#endif
