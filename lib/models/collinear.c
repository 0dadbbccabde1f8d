/* Constant and collinear design columns (collinear.h).
 *
 * One pass over the rows in blocks: weighted means, minima and maxima and
 * the weighted cross-products of the centred columns, each block centred at
 * its own mean and merged pairwise (Chan, Golub & LeVeque 1979). The sweep
 * reads centred cross-products when the model has an intercept or
 * thresholds, so that "collinear with the intercept" is the same as
 * "constant", and raw ones (the centred plus W m m') otherwise. The cross-product matrix is scaled
 * to unit diagonal and factored by a Cholesky sweep in column order; the
 * squared pivot of column j is 1 - R^2 of column j on the kept columns
 * before it, and j is dropped when sqrt(1 - R^2) < tol. Keeping the earlier
 * column of an aliased set matches R (lm/glm) and Stata's choices. */
#include "models/collinear.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

/* Rows per block of the one-pass cross-product accumulation. */
#define SCREEN_BLOCK 256

/* Weighted sums of one block of rows into its own mean mb, weight *wb,
 * minima/maxima lo/hi, and (lower triangle, via dsyrk) the cross-products
 * Cb of the rows centred at mb. Z is block x p scratch. */
static void block_moments(const partreg_data *data, size_t ldx, size_t b, size_t e, double *mb,
                          double *wb, double *lo, double *hi, double *Cb, double *Z)
{
    size_t p = data->p, m = 0;
    double sw = 0.0;
    memset(mb, 0, p * sizeof *mb);
    for (size_t i = b; i < e; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0)
            continue;
        const double *x = data->X + i * ldx;
        sw += w;
        for (size_t j = 0; j < p; j++) {
            mb[j] += w * x[j];
            lo[j] = x[j] < lo[j] ? x[j] : lo[j];
            hi[j] = x[j] > hi[j] ? x[j] : hi[j];
        }
    }
    *wb = sw;
    if (!(sw > 0))
        return;
    for (size_t j = 0; j < p; j++)
        mb[j] /= sw;
    for (size_t i = b; i < e; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0)
            continue;
        const double *x = data->X + i * ldx;
        double s = sqrt(w), *z = Z + (m++) * p;
        for (size_t j = 0; j < p; j++)
            z[j] = s * (x[j] - mb[j]);
    }
    if (p > 0) /* BLAS rejects lda = 0: a thresholds-only ordinal model has no columns */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)m, 1.0, Z, (int)p, 0.0,
                    Cb, (int)p);
}

partreg_status partreg_screen_columns(const partreg_data *data, partreg_family family, double tol,
                                      unsigned char *why, size_t *kept, size_t *pk,
                                      int *has_intercept, size_t *intercept_col,
                                      double *intercept_value)
{
    size_t n = data->n, p = data->p, ldx = data->ldx ? data->ldx : data->p;
    size_t pp = p * p > 0 ? p * p : 1, p1 = p ? p : 1;
    double *mean = calloc(p1, sizeof *mean);
    double *mb = malloc(p1 * sizeof *mb);
    double *lo = malloc(p1 * sizeof *lo);
    double *hi = malloc(p1 * sizeof *hi);
    double *C = calloc(pp, sizeof *C);
    double *Cb = calloc(pp, sizeof *Cb);
    double *L = calloc(pp, sizeof *L);
    double *Z = malloc(SCREEN_BLOCK * p1 * sizeof *Z);
    partreg_status st = PARTREG_OK;
    if (!mean || !mb || !lo || !hi || !C || !Cb || !L || !Z) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < p; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    /* One pass: each block's centred cross-products merged into the running
     * ones by the pairwise update of Chan, Golub & LeVeque (1979):
     *   C = C_a + C_b + W_a W_b / (W_a + W_b) (m_b - m_a)(m_b - m_a)',
     * as accurate as the two-pass centred sums and half the memory traffic. */
    double sw = 0.0;
    for (size_t b = 0; b < n; b += SCREEN_BLOCK) {
        size_t e = n - b < SCREEN_BLOCK ? n : b + SCREEN_BLOCK;
        double wb;
        block_moments(data, ldx, b, e, mb, &wb, lo, hi, Cb, Z);
        if (!(wb > 0))
            continue;
        double tot = sw + wb, f = sw * wb / tot;
        for (size_t a = 0; a < p; a++) {
            double da = mb[a] - mean[a];
            for (size_t c = 0; c <= a; c++)
                C[a * p + c] += Cb[a * p + c] + f * da * (mb[c] - mean[c]);
        }
        for (size_t j = 0; j < p; j++)
            mean[j] += (wb / tot) * (mb[j] - mean[j]);
        sw = tot;
    }

    /* constant columns: the first non-zero one is a binary intercept */
    *has_intercept = 0;
    for (size_t j = 0; j < p; j++) {
        why[j] = PARTREG_KEEP;
        if (lo[j] == hi[j] || !(lo[j] <= hi[j])) {
            if (lo[j] == 0.0 || !(lo[j] <= hi[j]))
                why[j] = PARTREG_DROP_ZERO;
            else if (family == PARTREG_BINARY && !*has_intercept) {
                *has_intercept = 1;
                *intercept_col = j;
                *intercept_value = lo[j];
            }
            else
                why[j] = PARTREG_DROP_CONSTANT;
        }
    }
    int centre = *has_intercept || family == PARTREG_ORDINAL;

    /* without centring the sweep reads the raw cross-products sum w x x' */
    if (!centre)
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c <= a; c++)
                C[a * p + c] += sw * mean[a] * mean[c];

    /* Cholesky sweep in column order on the unit-diagonal scaling */
    double tol2 = tol * tol;
    for (size_t a = 0; a < p; a++) {
        if (why[a] != PARTREG_KEEP || lo[a] == hi[a])
            continue;
        double da = C[a * p + a];
        if (!(da > 0)) {
            why[a] = PARTREG_DROP_ZERO;
            continue;
        }
        for (size_t b = 0; b < a; b++) {
            if (why[b] != PARTREG_KEEP || lo[b] == hi[b])
                continue;
            double db = C[b * p + b];
            double r = C[a * p + b] / sqrt(da * db);
            for (size_t c = 0; c < b; c++)
                r -= L[a * p + c] * L[b * p + c];
            L[a * p + b] = r / L[b * p + b];
        }
        double d = 1.0;
        for (size_t c = 0; c < a; c++)
            d -= L[a * p + c] * L[a * p + c];
        if (d < tol2) {
            why[a] = PARTREG_DROP_COLLINEAR;
            for (size_t c = 0; c < a; c++)
                L[a * p + c] = 0.0;
            continue;
        }
        L[a * p + a] = sqrt(d);
    }

    *pk = 0;
    for (size_t j = 0; j < p; j++)
        if (why[j] == PARTREG_KEEP)
            kept[(*pk)++] = j;
cleanup:
    free(mean);
    free(mb);
    free(Cb);
    free(Z);
    free(lo);
    free(hi);
    free(C);
    free(L);
    return st;
}
