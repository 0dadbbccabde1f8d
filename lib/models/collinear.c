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
#include "models/rank_update.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <unistd.h>

/* Rows per block of the one-pass cross-product accumulation. */
#define SCREEN_BLOCK 256
/* Fewer rows than this per thread are not worth a thread. */
#define SCREEN_MIN_ROWS_PER_THREAD 20000

/* The moments of a range of rows: total weight, weighted means, centred
 * cross-products (lower triangle), minima and maxima, and whether a value
 * was not finite. Scratch for one block lives beside them. */
typedef struct moments {
    const partreg_data *data;
    size_t ldx, begin, end;
    double sw;
    double *mean, *C, *lo, *hi;
    int nonfinite;
    double *mb, *Cb, *Z; /* block scratch: p, p * p, SCREEN_BLOCK * p */
    double *hz;          /* block scratch: the weights of Z's rows, SCREEN_BLOCK */
    double *Zs;          /* block scratch for partreg_info_add's scaled rows, SCREEN_BLOCK * p */
    double *buf;         /* the one allocation all of the above live in */
} moments;

/* Weighted sums of one block of rows into its own mean mb, weight *wb,
 * and (lower triangle, via dsyrk) the cross-products Cb of the rows
 * centred at mb; minima, maxima and non-finite values into mo. Every row
 * is checked for finiteness, zero weight or not; the sums skip zero
 * weights. */
static void block_moments(moments *mo, size_t b, size_t e, double *wb)
{
    const partreg_data *data = mo->data;
    size_t p = data->p, ldx = mo->ldx, m = 0;
    double sw = 0.0, *mb = mo->mb, *lo = mo->lo, *hi = mo->hi;
    int bad = 0;
    memset(mb, 0, p * sizeof *mb);
    for (size_t i = b; i < e; i++) {
        const double *x = data->X + i * ldx;
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0) { /* out of the sums, not out of the check */
            for (size_t j = 0; j < p; j++)
                bad |= !isfinite(x[j]);
            continue;
        }
        for (size_t j = 0; j < p; j++) {
            double v = x[j];
            mb[j] += w * v;
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
        sw += w;
    }
    *wb = sw;
    /* A NaN or infinity in a summed row makes its column sum non-finite:
     * only then are the block's values looked at one by one (a sum can
     * also overflow on finite values, which is not an error here). */
    for (size_t j = 0; j < p && !bad; j++)
        if (!isfinite(mb[j]))
            for (size_t i = b; i < e && !bad; i++)
                bad = !isfinite(data->X[i * ldx + j]);
    if (bad) {
        mo->nonfinite = 1;
        return;
    }
    if (!(sw > 0))
        return;
    for (size_t j = 0; j < p; j++)
        mb[j] /= sw;
    for (size_t i = b; i < e; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w == 0.0)
            continue;
        const double *x = data->X + i * ldx;
        double *z = mo->Z + m * p;
        mo->hz[m++] = w;
        for (size_t j = 0; j < p; j++)
            z[j] = x[j] - mb[j];
    }
    /* the weights are positive: no row goes to the negative scratch */
    memset(mo->Cb, 0, p * p * sizeof *mo->Cb);
    partreg_info_add(mo->Cb, p, p, mo->Z, p, mo->hz, m, mo->Zs, mo->Zs);
}


/* Merge the moments (wb, mb, Cb) of a set of rows into mo by the pairwise
 * update of Chan, Golub & LeVeque (1979):
 *   C = C_a + C_b + W_a W_b / (W_a + W_b) (m_b - m_a)(m_b - m_a)',
 * as accurate as two-pass centred sums and half the memory traffic. */
static void merge_moments(moments *mo, double wb, const double *mb, const double *Cb)
{
    size_t p = mo->data->p;
    if (!(wb > 0))
        return;
    double tot = mo->sw + wb, f = mo->sw * wb / tot;
    for (size_t a = 0; a < p; a++) {
        double da = mb[a] - mo->mean[a];
        for (size_t c = 0; c <= a; c++)
            mo->C[a * p + c] += Cb[a * p + c] + f * da * (mb[c] - mo->mean[c]);
    }
    for (size_t j = 0; j < p; j++)
        mo->mean[j] += (wb / tot) * (mb[j] - mo->mean[j]);
    mo->sw = tot;
}

/* One thread's rows, block by block, in row order. */
static void *range_moments(void *arg)
{
    moments *mo = arg;
    /* The analyzer loses mo->buf (owned by all_moments' caller) through the
     * void * of the thread entry point and reports a leak that is not one. */
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
    for (size_t b = mo->begin; b < mo->end && !mo->nonfinite; b += SCREEN_BLOCK) {
        size_t e = mo->end - b < SCREEN_BLOCK ? mo->end : b + SCREEN_BLOCK;
        double wb;
        block_moments(mo, b, e, &wb);
        if (!mo->nonfinite)
            merge_moments(mo, wb, mo->mb, mo->Cb);
    }
    return NULL;
}

static void moments_free(moments *mo) { free(mo->buf); }

/* All of a state's arrays in one allocation (mo arrives zeroed). */
static int moments_alloc(moments *mo, const partreg_data *data, size_t begin, size_t end)
{
    size_t p1 = data->p ? data->p : 1;
    if (p1 > SIZE_MAX / sizeof(double) / (2 * p1 + 5 + 2 * SCREEN_BLOCK))
        return -1;
    size_t total = 2 * p1 * p1 + (4 + 2 * SCREEN_BLOCK) * p1 + SCREEN_BLOCK;
    mo->buf = calloc(total, sizeof *mo->buf);
    if (!mo->buf)
        return -1;
    mo->data = data;
    mo->ldx = data->ldx ? data->ldx : data->p;
    mo->begin = begin;
    mo->end = end;
    mo->mean = mo->buf;
    mo->lo = mo->mean + p1;
    mo->hi = mo->lo + p1;
    mo->mb = mo->hi + p1;
    mo->C = mo->mb + p1;
    mo->Cb = mo->C + p1 * p1;
    mo->Z = mo->Cb + p1 * p1;
    mo->hz = mo->Z + SCREEN_BLOCK * p1;
    mo->Zs = mo->hz + SCREEN_BLOCK;
    for (size_t j = 0; j < data->p; j++) {
        mo->lo[j] = INFINITY;
        mo->hi[j] = -INFINITY;
    }
    return 0;
}

/* Moments of all rows on nt threads: contiguous ranges, merged in range
 * order (so a given thread count always gives the same sums). */
static partreg_status all_moments(const partreg_data *data, int threads, moments *out)
{
    size_t n = data->n, nt = threads > 0 ? (size_t)threads : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1)
        nt = 1;
    if (nt > 64)
        nt = 64;
    while (nt > 1 && n / nt < SCREEN_MIN_ROWS_PER_THREAD)
        nt--;
    moments part[64];
    pthread_t tid[64];
    size_t made = 0, started = 0;
    memset(part, 0, sizeof part);
    for (; made < nt; made++)
        if (moments_alloc(&part[made], data, n * made / nt, n * (made + 1) / nt) != 0) {
            for (size_t t = 0; t <= made; t++)
                moments_free(&part[t]);
            return PARTREG_ENOMEM;
        }
    for (size_t t = 1; t < nt; t++) {
        if (pthread_create(&tid[t], NULL, range_moments, &part[t]) != 0)
            break;
        started = t;
    }
    range_moments(&part[0]);
    for (size_t t = started + 1; t < nt; t++) /* threads that could not start */
        range_moments(&part[t]);
    for (size_t t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (size_t t = 1; t < nt; t++) {
        merge_moments(&part[0], part[t].sw, part[t].mean, part[t].C);
        part[0].nonfinite |= part[t].nonfinite;
        for (size_t j = 0; j < data->p; j++) {
            part[0].lo[j] = part[t].lo[j] < part[0].lo[j] ? part[t].lo[j] : part[0].lo[j];
            part[0].hi[j] = part[t].hi[j] > part[0].hi[j] ? part[t].hi[j] : part[0].hi[j];
        }
        moments_free(&part[t]);
    }
    *out = part[0]; /* the caller frees it */
    return PARTREG_OK;
}

partreg_status partreg_screen_columns(const partreg_data *data, partreg_family family, double tol,
                                      int threads, unsigned char *why, size_t *kept, size_t *pk,
                                      int *has_intercept, size_t *intercept_col,
                                      double *intercept_value)
{
    size_t p = data->p;
    size_t pp = p * p > 0 ? p * p : 1;
    moments mo;
    memset(&mo, 0, sizeof mo);
    double *L = calloc(pp, sizeof *L);
    partreg_status st = L ? all_moments(data, threads, &mo) : PARTREG_ENOMEM;
    if (st != PARTREG_OK)
        goto cleanup;
    if (mo.nonfinite) {
        st = PARTREG_EDATA;
        goto cleanup;
    }
    double sw = mo.sw, *mean = mo.mean, *lo = mo.lo, *hi = mo.hi, *C = mo.C;

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
    moments_free(&mo);
    free(L);
    return st;
}
