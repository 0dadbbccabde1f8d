/* Symmetric positive-definite solves and inverses of small matrices, by a
 * pivoted LDL' factorisation of our own (no BLAS calls, no error handler).
 * For solves it is Gill, Murray & Wright's modified Cholesky (as GSL's
 * gsl_linalg_mcholesky): any symmetric matrix is factored after a
 * diagonal perturbation E that makes it positive definite; E = 0 tells the
 * matrix was positive definite as given. Private to lib/. */
#ifndef PARTREG_CORE_SPD_H
#define PARTREG_CORE_SPD_H

#include <stddef.h>

/* Workspace for k x k problems (allocated once, reused). */
typedef struct partreg_spd partreg_spd;

partreg_spd *partreg_spd_alloc(size_t k);
void partreg_spd_free(partreg_spd *w);

/* Solve A x = b with A k x k symmetric (row-major, full), factored after
 * scaling to unit diagonal so that the units of the parameters do not
 * matter. Returns 0 when A was positive definite, 1 when it had to be
 * perturbed (x then solves the perturbed system: a descent-safe Newton
 * direction), -1 on failure. */
int partreg_spd_solve(partreg_spd *w, const double *A, const double *b, double *x);

/* Inverse of A into Ainv (k x k). Returns 0 on success, -1 when A is not
 * positive definite (relative pivot below rel_tol, both as given and
 * scaled to unit diagonal, so that units alone never make A singular) or
 * not finite. */
int partreg_spd_invert(partreg_spd *w, const double *A, double *Ainv, double rel_tol);

#endif
