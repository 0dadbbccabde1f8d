/* SPD solves and inverses via GSL's modified Cholesky (spd.h). */
#include "core/spd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

struct partreg_spd {
    size_t k;
    gsl_matrix *A;
    gsl_permutation *perm;
    gsl_vector *E;
    gsl_vector *col;
    gsl_vector *rhs;
};

partreg_spd *partreg_spd_alloc(size_t k)
{
    partreg_spd *w = calloc(1, sizeof *w);
    if (!w || k == 0)
        return w;
    w->k = k;
    w->A = gsl_matrix_alloc(k, k);
    w->perm = gsl_permutation_alloc(k);
    w->E = gsl_vector_alloc(k);
    w->col = gsl_vector_alloc(k);
    w->rhs = gsl_vector_alloc(k);
    if (!w->A || !w->perm || !w->E || !w->col || !w->rhs) {
        partreg_spd_free(w);
        return NULL;
    }
    return w;
}

void partreg_spd_free(partreg_spd *w)
{
    if (!w)
        return;
    if (w->A) gsl_matrix_free(w->A);
    if (w->perm) gsl_permutation_free(w->perm);
    if (w->E) gsl_vector_free(w->E);
    if (w->col) gsl_vector_free(w->col);
    if (w->rhs) gsl_vector_free(w->rhs);
    free(w);
}

static int all_finite(const double *a, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* Factor a copy of A; returns 0 PD, 1 perturbed, -1 failure. */
static int factor(partreg_spd *w, const double *A)
{
    size_t k = w->k;
    if (!all_finite(A, k * k))
        return -1;
    memcpy(w->A->data, A, k * k * sizeof(double));
    if (gsl_linalg_mcholesky_decomp(w->A, w->perm, w->E) != GSL_SUCCESS)
        return -1;
    double emax = 0.0;
    for (size_t j = 0; j < k; j++)
        if (fabs(gsl_vector_get(w->E, j)) > emax)
            emax = fabs(gsl_vector_get(w->E, j));
    return emax > 0.0 ? 1 : 0;
}

int partreg_spd_solve(partreg_spd *w, const double *A, const double *b, double *x)
{
    if (!w || w->k == 0)
        return 0;
    int f = factor(w, A);
    if (f < 0)
        return -1;
    gsl_vector_const_view B = gsl_vector_const_view_array(b, w->k);
    gsl_vector_view X = gsl_vector_view_array(x, w->k);
    if (gsl_linalg_mcholesky_solve(w->A, w->perm, &B.vector, &X.vector) != GSL_SUCCESS)
        return -1;
    return all_finite(x, w->k) ? f : -1;
}

int partreg_spd_invert(partreg_spd *w, const double *A, double *Ainv, double rel_tol)
{
    if (!w || w->k == 0)
        return 0;
    size_t k = w->k;
    if (factor(w, A) != 0)
        return -1;
    /* pivots of the LDL' factor: D on the diagonal; reject tiny ones */
    double dmax = 0.0, dmin = INFINITY;
    for (size_t j = 0; j < k; j++) {
        double d = gsl_matrix_get(w->A, j, j);
        if (d > dmax) dmax = d;
        if (d < dmin) dmin = d;
    }
    if (!(dmin > rel_tol * dmax))
        return -1;
    for (size_t j = 0; j < k; j++) {
        gsl_vector_set_basis(w->rhs, j);
        if (gsl_linalg_mcholesky_solve(w->A, w->perm, w->rhs, w->col) != GSL_SUCCESS)
            return -1;
        for (size_t i = 0; i < k; i++)
            Ainv[i * k + j] = gsl_vector_get(w->col, i);
    }
    for (size_t i = 0; i < k; i++) /* exact symmetry */
        for (size_t j = 0; j < i; j++)
            Ainv[i * k + j] = Ainv[j * k + i] = 0.5 * (Ainv[i * k + j] + Ainv[j * k + i]);
    return all_finite(Ainv, k * k) ? 0 : -1;
}
