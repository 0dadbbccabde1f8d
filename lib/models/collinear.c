/* Constant and collinear design columns (collinear.h).
 *
 * Two passes over the rows: weighted means, minima and maxima; then the
 * weighted cross-products of the centred columns (centred only when the
 * model has an intercept or thresholds, so that "collinear with the
 * intercept" is the same as "constant"). The cross-product matrix is scaled
 * to unit diagonal and factored by a Cholesky sweep in column order; the
 * squared pivot of column j is 1 - R^2 of column j on the kept columns
 * before it, and j is dropped when sqrt(1 - R^2) < tol. Keeping the earlier
 * column of an aliased set matches R (lm/glm) and Stata's choices. */
#include "models/collinear.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

partreg_status partreg_screen_columns(const partreg_data *data, partreg_family family, double tol,
                                      unsigned char *why, size_t *kept, size_t *pk,
                                      int *has_intercept)
{
    size_t n = data->n, p = data->p, ldx = data->ldx ? data->ldx : data->p;
    double *mean = calloc(p ? p : 1, sizeof *mean);
    double *lo = malloc((p ? p : 1) * sizeof *lo);
    double *hi = malloc((p ? p : 1) * sizeof *hi);
    double *C = calloc(p * p > 0 ? p * p : 1, sizeof *C);
    double *L = calloc(p * p > 0 ? p * p : 1, sizeof *L);
    partreg_status st = PARTREG_OK;
    if (!mean || !lo || !hi || !C || !L) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < p; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    double sw = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0)
            continue;
        const double *x = data->X + i * ldx;
        sw += w;
        for (size_t j = 0; j < p; j++) {
            mean[j] += w * x[j];
            if (x[j] < lo[j]) lo[j] = x[j];
            if (x[j] > hi[j]) hi[j] = x[j];
        }
    }
    for (size_t j = 0; j < p; j++)
        mean[j] = sw > 0 ? mean[j] / sw : 0.0;

    /* constant columns: the first non-zero one is a binary intercept */
    *has_intercept = 0;
    for (size_t j = 0; j < p; j++) {
        why[j] = PARTREG_KEEP;
        if (lo[j] == hi[j] || !(lo[j] <= hi[j])) {
            if (lo[j] == 0.0 || !(lo[j] <= hi[j]))
                why[j] = PARTREG_DROP_ZERO;
            else if (family == PARTREG_BINARY && !*has_intercept)
                *has_intercept = 1;
            else
                why[j] = PARTREG_DROP_CONSTANT;
        }
    }
    int centre = *has_intercept || family == PARTREG_ORDINAL;

    /* cross-products of the non-constant columns */
    for (size_t i = 0; i < n; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0)
            continue;
        const double *x = data->X + i * ldx;
        for (size_t a = 0; a < p; a++) {
            if (why[a] != PARTREG_KEEP || lo[a] == hi[a])
                continue;
            double xa = w * (x[a] - (centre ? mean[a] : 0.0));
            for (size_t b = 0; b <= a; b++) {
                if (why[b] != PARTREG_KEEP || lo[b] == hi[b])
                    continue;
                C[a * p + b] += xa * (x[b] - (centre ? mean[b] : 0.0));
            }
        }
    }

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
    free(lo);
    free(hi);
    free(C);
    free(L);
    return st;
}
