/* Symmetric positive-definite solves and inverses of small matrices, by a
 * pivoted LDL' factorisation of our own (no BLAS calls, no error handler).
 * For solves it is Gill, Murray & Wright's modified Cholesky (as GSL's
 * gsl_linalg_mcholesky): any symmetric matrix is factored after a
 * diagonal perturbation E that makes it positive definite; E = 0 tells the
 * matrix was positive definite as given. Also the sandwich product and
 * a symmetric eigen-decomposition, all in a fixed order of operations.
 * Private to lib/. */
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

/* V (k x k, full) = s2 (s1 A M) A for A and M k x k (row strides lda and
 * k; M full), as two plain products whose every entry is summed over the
 * inner index in order: the sandwich covariances' product, the same bits
 * whatever a multithreaded BLAS would do with its own thread count. */
void partreg_sandwich_product(const double *A, size_t lda, const double *M, size_t k, double s1,
                              double s2, double *V);

/* The eigenvalues (eval, n) and, with evec (else NULL), the eigenvectors
 * (evec, n x n, row-major, column e that of eval[e]) of the symmetric
 * n x n matrix A (row-major; destroyed), in no particular order, by the
 * cyclic Jacobi method until every off-diagonal entry is below the
 * rounding of its diagonal entries or 1e-18 of the largest diagonal
 * entry. No BLAS: the same bits whatever a multithreaded BLAS does with
 * its threads (GSL's tridiagonal route does its rank updates through the
 * BLAS). Returns 0, or -1 when A is not finite or the sweeps did not
 * converge. */
int partreg_sym_eigen(double *A, size_t n, double *eval, double *evec);

#endif
