/* SPD solves and inverses on small k x k matrices (spd.h), by a pivoted
 * LDL' factorisation written here rather than GSL's gsl_linalg_mcholesky:
 * GSL's does its rank-one updates with cblas_dsyr, and OpenBLAS hands
 * every dsyr, of any size, to its worker thread. A k x k information
 * factorisation takes microseconds; the hand-offs stall for milliseconds
 * (seconds, with the other cores busy) whenever the worker is not running,
 * and they cannot be turned off from inside a library without changing the
 * calling process. */
#include "core/spd.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct partreg_spd {
    size_t k;
    double *L;     /* k x k: strict lower triangle L, diagonal D; upper unused */
    size_t *perm;  /* position j of the factor holds row/column perm[j] of A */
    double *v;     /* column being eliminated */
    double *y;     /* solve workspace */
    double *scale; /* 1/sqrt(A_jj) for partreg_spd_invert() */
};

partreg_spd *partreg_spd_alloc(size_t k)
{
    partreg_spd *w = calloc(1, sizeof *w);
    if (!w || k == 0)
        return w;
    w->k = k;
    w->L = malloc(k * k * sizeof *w->L);
    w->perm = malloc(k * sizeof *w->perm);
    w->v = malloc(k * sizeof *w->v);
    w->y = malloc(k * sizeof *w->y);
    w->scale = malloc(k * sizeof *w->scale);
    if (!w->L || !w->perm || !w->v || !w->y || !w->scale) {
        partreg_spd_free(w);
        return NULL;
    }
    return w;
}

void partreg_spd_free(partreg_spd *w)
{
    if (!w)
        return;
    free(w->L);
    free(w->perm);
    free(w->v);
    free(w->y);
    free(w->scale);
    free(w);
}

static int all_finite(const double *a, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* Swap rows and columns j < q of the symmetric matrix whose lower triangle
 * (with the diagonal) is stored in L. */
static void swap_rowcol(double *L, size_t k, size_t j, size_t q)
{
    double t;
#define SWAP(a, b) (t = (a), (a) = (b), (b) = t)
    SWAP(L[j * k + j], L[q * k + q]);
    for (size_t m = 0; m < j; m++)
        SWAP(L[j * k + m], L[q * k + m]);
    for (size_t m = j + 1; m < q; m++)
        SWAP(L[m * k + j], L[q * k + m]);
    for (size_t m = q + 1; m < k; m++)
        SWAP(L[m * k + j], L[m * k + q]);
#undef SWAP
}

/* Factor P (S A S + E) P' = L D L' (S = diag(s), or I when s is NULL)
 * with diagonal pivoting (the largest remaining |diagonal| first; Golub &
 * Van Loan, algorithm 4.2.2). With modify set, E is Gill, Murray & Wright's
 * (Practical Optimization, 1981, 4.4.2.2): each pivot is raised to at
 * least delta and to what keeps |l_ij| sqrt(d_j) <= beta, so that any
 * symmetric A gives a positive-definite factor and a descent direction.
 * Without modify, E = 0 and a pivot that is not positive ends the
 * factorisation. Returns 0 when E = 0, 1 when a pivot was raised, -1 when
 * A is not finite or (without modify) not positive definite. */
static int factor(partreg_spd *w, const double *A, const double *s, int modify)
{
    size_t k = w->k;
    double *L = w->L, *v = w->v;
    if (!all_finite(A, k * k))
        return -1;
    double gamma = 0.0, xi = 0.0; /* largest |diagonal| and |off-diagonal| */
    for (size_t i = 0; i < k; i++) {
        w->perm[i] = i;
        for (size_t j = 0; j <= i; j++) {
            double a = A[i * k + j];
            if (s)
                a *= s[i] * s[j];
            L[i * k + j] = a;
            if (j < i)
                xi = fmax(xi, fabs(a));
        }
        gamma = fmax(gamma, fabs(L[i * k + i]));
    }
    double nu = k > 1 ? sqrt((double)k * (double)k - 1.0) : 1.0;
    double beta2 = fmax(fmax(gamma, xi / nu), DBL_EPSILON);
    int raised = 0;
    for (size_t j = 0; j < k; j++) {
        size_t q = j;
        for (size_t i = j + 1; i < k; i++)
            if (fabs(L[i * k + i]) > fabs(L[q * k + q]))
                q = i;
        if (q != j) {
            swap_rowcol(L, k, j, q);
            size_t t = w->perm[j];
            w->perm[j] = w->perm[q];
            w->perm[q] = t;
        }
        double theta = 0.0;
        for (size_t i = j + 1; i < k; i++) {
            v[i] = L[i * k + j];
            theta = fmax(theta, fabs(v[i]));
        }
        double ajj = L[j * k + j], d = ajj;
        if (modify) {
            d = fmax(fmax(DBL_EPSILON, fabs(ajj)), theta * theta / beta2);
            raised |= d != ajj;
        } else if (!(d > 0.0)) {
            return -1; /* not positive definite */
        }
        double dinv = 1.0 / d;
        for (size_t i = j + 1; i < k; i++) { /* Schur complement, lower part */
            double f = v[i] * dinv;
            double *row = L + i * k;
            for (size_t m = j + 1; m <= i; m++)
                row[m] -= f * v[m];
            row[j] = f;
        }
        L[j * k + j] = d;
    }
    return raised;
}

/* x = A^-1 b from the factor (x may not alias b). */
static void solve_factored(const partreg_spd *w, const double *b, double *x)
{
    size_t k = w->k;
    const double *L = w->L;
    double *y = w->y;
    for (size_t i = 0; i < k; i++) { /* L y = P b */
        double t = b[w->perm[i]];
        for (size_t m = 0; m < i; m++)
            t -= L[i * k + m] * y[m];
        y[i] = t;
    }
    for (size_t i = 0; i < k; i++)
        y[i] /= L[i * k + i];
    for (size_t i = k; i-- > 0;) { /* L' z = y, in place */
        double t = y[i];
        for (size_t m = i + 1; m < k; m++)
            t -= L[m * k + i] * y[m];
        y[i] = t;
    }
    for (size_t i = 0; i < k; i++)
        x[w->perm[i]] = y[i];
}

/* s_j = 1 / sqrt(A_jj), or 1 where A_jj is not positive and finite */
static void unit_diagonal_scale(const double *A, size_t k, double *s)
{
    for (size_t j = 0; j < k; j++) {
        double d = A[j * k + j];
        s[j] = d > 0.0 && isfinite(d) ? 1.0 / sqrt(d) : 1.0;
        if (!isfinite(s[j]) || s[j] == 0.0)
            s[j] = 1.0;
    }
}

int partreg_spd_solve(partreg_spd *w, const double *A, const double *b, double *x)
{
    if (!w || w->k == 0)
        return 0;
    size_t k = w->k;
    /* Solved as (S A S)(S^-1 x) = S b with S scaling A to unit diagonal:
     * the modification's thresholds (eps, beta) are absolute, so on A as
     * given a predictor in small units (an information diagonal near
     * 1e-16) had its pivot raised, its Newton steps shrunk, and the fit
     * ran out of iterations or was called separated; scaled, the step is
     * the same whatever the units. */
    double *s = w->scale;
    if (!all_finite(A, k * k) || !all_finite(b, k))
        return -1;
    unit_diagonal_scale(A, k, s);
    int f = factor(w, A, s, 1);
    if (f < 0)
        return -1;
    double *sb = w->v;
    for (size_t j = 0; j < k; j++)
        sb[j] = s[j] * b[j];
    solve_factored(w, sb, x);
    for (size_t j = 0; j < k; j++)
        x[j] *= s[j];
    return all_finite(x, k) ? f : -1;
}

/* Factor (S) A (S) without modification and test its pivots against
 * rel_tol times the largest: 0 when A is positive definite. */
static int factor_pivots(partreg_spd *w, const double *A, const double *s, double rel_tol)
{
    if (factor(w, A, s, 0) != 0)
        return -1;
    double dmax = 0.0, dmin = INFINITY;
    for (size_t j = 0; j < w->k; j++) {
        double d = w->L[j * w->k + j];
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
        s = w->scale;
        unit_diagonal_scale(A, k, s);
        if (factor_pivots(w, A, s, rel_tol) != 0)
            return -1;
    }
    /* Column j of the inverse solves A x = e_j; x is written to row j
     * (the inverse is symmetric) and symmetrised below. */
    double *e = w->v;
    for (size_t j = 0; j < k; j++) {
        memset(e, 0, k * sizeof *e);
        e[j] = 1.0;
        double *col = Ainv + j * k;
        solve_factored(w, e, col);
        if (s)
            for (size_t i = 0; i < k; i++)
                col[i] *= s[i] * s[j];
    }
    for (size_t i = 0; i < k; i++) /* exact symmetry */
        for (size_t j = 0; j < i; j++)
            Ainv[i * k + j] = Ainv[j * k + i] = 0.5 * (Ainv[i * k + j] + Ainv[j * k + i]);
    return all_finite(Ainv, k * k) ? 0 : -1;
}

void partreg_sandwich_product(const double *A, size_t lda, const double *M, size_t k, double s1,
                              double s2, double *V)
{
    /* row a of V: each entry t = s2 (s1 (A M)[a][e]) in turn, added times
     * row e of A, so V[a][c] = sum_e t_e A[e][c] in order of e; the two
     * scales apply apart, as each product's factors come in (a weight's
     * scale in the meat, its inverse in A: s1 s2 alone may underflow) */
    for (size_t a = 0; a < k; a++) {
        double *v = V + a * k;
        for (size_t c = 0; c < k; c++)
            v[c] = 0.0;
        for (size_t e = 0; e < k; e++) {
            double t = 0.0;
            for (size_t f = 0; f < k; f++)
                t += A[a * lda + f] * M[f * k + e];
            t = s2 * (s1 * t);
            for (size_t c = 0; c < k; c++)
                v[c] += t * A[e * lda + c];
        }
    }
}

/* Sweeps of the cyclic Jacobi method at most: it converges quadratically,
 * in about ten for the matrices here (the last ones only set entries
 * below rounding to 0). */
#define JACOBI_SWEEPS 60

/* The rotation J (c, s = t c) that zeroes A[p][q]: A <- J' A J with A
 * kept exactly symmetric (the new entries of row p and q mirrored into
 * their columns; A[p][q] set to 0, the diagonal moved by t A[p][q]), and
 * V <- V J when given (Golub & Van Loan, sec. 8.5). */
static void jacobi_rotate(double *A, double *V, size_t n, size_t p, size_t q, double c, double s,
                          double t)
{
    double apq = A[p * n + q];
    for (size_t r = 0; r < n; r++) {
        if (r == p || r == q)
            continue;
        double arp = A[r * n + p], arq = A[r * n + q];
        A[r * n + p] = A[p * n + r] = c * arp - s * arq;
        A[r * n + q] = A[q * n + r] = s * arp + c * arq;
    }
    A[p * n + p] -= t * apq;
    A[q * n + q] += t * apq;
    A[p * n + q] = A[q * n + p] = 0.0;
    for (size_t k = 0; V && k < n; k++) {
        double vkp = V[k * n + p], vkq = V[k * n + q];
        V[k * n + p] = c * vkp - s * vkq;
        V[k * n + q] = s * vkp + c * vkq;
    }
}

int partreg_sym_eigen(double *A, size_t n, double *eval, double *evec)
{
    for (size_t i = 0; evec && i < n * n; i++)
        evec[i] = i % (n + 1) == 0 ? 1.0 : 0.0;
    /* an entry below `tiny`, 1e-18 of the largest diagonal entry, moves no
     * eigenvalue by more than the rounding of the largest: dropped, so
     * that a block of eigenvalues at 0 (a matrix of lower rank) ends too */
    double big = 0.0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(A[i * n + i]));
    double tiny = 1e-18 * big;
    int converged = n < 2;
    for (int sweep = 0; sweep < JACOBI_SWEEPS && !converged; sweep++) {
        converged = 1; /* until an off-diagonal entry is not yet 0 */
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = A[p * n + q], app = A[p * n + p], aqq = A[q * n + q];
                if (!isfinite(apq) || !isfinite(app) || !isfinite(aqq))
                    return -1;
                if (apq == 0.0)
                    continue;
                converged = 0;
                /* an entry that no longer changes either diagonal entry is
                 * set to 0 (Numerical Recipes' test): the sweeps end */
                double g = 100.0 * fabs(apq);
                if ((fabs(app) + g == fabs(app) && fabs(aqq) + g == fabs(aqq)) ||
                    fabs(apq) <= tiny) {
                    A[p * n + q] = A[q * n + p] = 0.0;
                    continue;
                }
                /* the rotation that zeroes A[p][q] (Golub & Van Loan, sec. 8.5) */
                double theta = (aqq - app) / (2.0 * apq);
                double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + hypot(theta, 1.0));
                double c = 1.0 / hypot(t, 1.0), sn = t * c;
                jacobi_rotate(A, evec, n, p, q, c, sn, t);
            }
    }
    for (size_t i = 0; i < n; i++)
        eval[i] = A[i * n + i];
    return converged ? 0 : -1;
}
