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
    gsl_vector *scale; /* 1/sqrt(A_jj) for partreg_spd_invert() */
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
    w->scale = gsl_vector_alloc(k);
    if (!w->A || !w->perm || !w->E || !w->col || !w->rhs || !w->scale) {
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
    if (w->scale) gsl_vector_free(w->scale);
    free(w);
}

static int all_finite(const double *a, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* Factor a copy of A, or of S A S with S = diag(s) when s is not NULL;
 * returns 0 PD, 1 perturbed, -1 failure. */
static int factor(partreg_spd *w, const double *A, const double *s)
{
    size_t k = w->k;
    if (!all_finite(A, k * k))
        return -1;
    memcpy(w->A->data, A, k * k * sizeof(double));
    if (s)
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                w->A->data[i * k + j] *= s[i] * s[j];
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
    int f = factor(w, A, NULL);
    if (f < 0)
        return -1;
    gsl_vector_const_view B = gsl_vector_const_view_array(b, w->k);
    gsl_vector_view X = gsl_vector_view_array(x, w->k);
    if (gsl_linalg_mcholesky_solve(w->A, w->perm, &B.vector, &X.vector) != GSL_SUCCESS)
        return -1;
    return all_finite(x, w->k) ? f : -1;
}

/* Factor (S) A (S) and test its pivots (the diagonal D of the LDL' factor)
 * against rel_tol times the largest: 0 when A is positive definite. */
static int factor_pivots(partreg_spd *w, const double *A, const double *s, double rel_tol)
{
    if (factor(w, A, s) != 0)
        return -1;
    double dmax = 0.0, dmin = INFINITY;
    for (size_t j = 0; j < w->k; j++) {
        double d = gsl_matrix_get(w->A, j, j);
        if (d > dmax) dmax = d;
        if (d < dmin) dmin = d;
    }
    return dmin > rel_tol * dmax ? 0 : -1;
}

int partreg_spd_invert(partreg_spd *w, const double *A, double *Ainv, double rel_tol)
{
    if (!w || w->k == 0)
        return 0;
    size_t k = w->k;
    double *s = NULL;
    if (factor_pivots(w, A, NULL, rel_tol) != 0) {
        /* Before calling A singular, equilibrate it to unit diagonal
         * (A^-1 = S (S A S)^-1 S, S = diag(A_jj^-1/2)) and test again: the
         * raw pivot test depends on the units of the parameters, and a
         * predictor in millions next to one in thousandths spreads the
         * diagonal of an information matrix over ~20 orders of magnitude.
         * A well-scaled A never gets here, so its inverse is unchanged. */
        s = w->scale->data;
        for (size_t j = 0; j < k; j++) {
            double d = A[j * k + j];
            s[j] = d > 0.0 && isfinite(d) ? 1.0 / sqrt(d) : 1.0;
            if (!isfinite(s[j]))
                s[j] = 1.0;
        }
        if (factor_pivots(w, A, s, rel_tol) != 0)
            return -1;
    }
    for (size_t j = 0; j < k; j++) {
        gsl_vector_set_basis(w->rhs, j);
        if (gsl_linalg_mcholesky_solve(w->A, w->perm, w->rhs, w->col) != GSL_SUCCESS)
            return -1;
        for (size_t i = 0; i < k; i++)
            Ainv[i * k + j] = s ? gsl_vector_get(w->col, i) * s[i] * s[j]
                                : gsl_vector_get(w->col, i);
    }
    for (size_t i = 0; i < k; i++) /* exact symmetry */
        for (size_t j = 0; j < i; j++)
            Ainv[i * k + j] = Ainv[j * k + i] = 0.5 * (Ainv[i * k + j] + Ainv[j * k + i]);
    return all_finite(Ainv, k * k) ? 0 : -1;
}
