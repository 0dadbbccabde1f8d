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
 * column of an aliased set matches R (lm/glm) and Stata's choices.
 *
 * A block's moments are the kernel partreg_screen_block
 * (kernels/screen_rows.c). */

#include "models/collinear.h"
#include "models/objective.h"
#include "models/kernels/screen_block.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fewer rows than this per thread are not worth a thread. */
#define SCREEN_MIN_ROWS_PER_THREAD 20000

/* A screening state (kernels/screen_block.h); `filled` marks a merged
 * state that holds the first segment's moments (the pieces API). */
typedef partreg_moments moments;

/* Merge the moments (wb, mb, Cb) of a set of rows into mo by the pairwise
 * update of Chan, Golub & LeVeque (1979):
 *   C = C_a + C_b + W_a W_b / (W_a + W_b) (m_b - m_a)(m_b - m_a)',
 * as accurate as two-pass centred sums and half the memory traffic. */
static void merge_moments(partreg_moments *mo, double wb, const double *mb, const double *Cb)
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

/* Merge segment state `from` into `into` (the next in segment order). */
static void merge_segment(moments *into, const moments *from, size_t p)
{
    merge_moments(into, from->sw, from->mean, from->C);
    into->nonfinite |= from->nonfinite;
    for (size_t j = 0; j < p; j++) {
        into->lo[j] = from->lo[j] < into->lo[j] ? from->lo[j] : into->lo[j];
        into->hi[j] = from->hi[j] > into->hi[j] ? from->hi[j] : into->hi[j];
    }
}

/* One segment's rows, block by block, in row order. */
static void range_moments(partreg_moments *mo)
{
    for (size_t b = mo->begin; b < mo->end && !mo->nonfinite; b += PARTREG_SCREEN_BLOCK) {
        size_t e = mo->end - b < PARTREG_SCREEN_BLOCK ? mo->end : b + PARTREG_SCREEN_BLOCK;
        double wb;
        partreg_screen_block(mo, b, e, &wb);
        if (!mo->nonfinite)
            merge_moments(mo, wb, mo->mb, mo->Cb);
    }
}

static void moments_free(partreg_moments *mo) { free(mo->buf); }

/* All of a state's arrays in one allocation (mo arrives zeroed). */
static int moments_alloc(partreg_moments *mo, const partreg_data *data, size_t begin, size_t end)
{
    size_t p1 = data->p ? data->p : 1;
    if (p1 > SIZE_MAX / sizeof(double) / (2 * p1 + 6 + 2 * PARTREG_SCREEN_BLOCK))
        return -1;
    size_t total = 2 * p1 * p1 + (5 + 2 * PARTREG_SCREEN_BLOCK) * p1 + PARTREG_SCREEN_BLOCK;
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
    mo->chk = mo->mb + p1;
    mo->C = mo->chk + p1;
    mo->Cb = mo->C + p1 * p1;
    mo->Z = mo->Cb + p1 * p1;
    mo->hz = mo->Z + PARTREG_SCREEN_BLOCK * p1;
    mo->Zs = mo->hz + PARTREG_SCREEN_BLOCK;
    for (size_t r = 0; !data->w && r < PARTREG_SCREEN_BLOCK; r++)
        mo->hz[r] = 1.0;
    for (size_t j = 0; j < data->p; j++) {
        mo->lo[j] = INFINITY;
        mo->hi[j] = -INFINITY;
    }
    return 0;
}

/* One pass of the screening: the row segments' moments and each member's
 * block scratch. */
typedef struct screen_pass {
    partreg_moments *seg, *scr;
} screen_pass;

/* Segment s on member t, with t's block scratch. */
static void segment_moments(void *arg, size_t s, size_t t)
{
    const screen_pass *sp = arg;
    const partreg_moments *scr = &sp->scr[t];
    partreg_moments *mo = &sp->seg[s];
    mo->mb = scr->mb;
    mo->Cb = scr->Cb;
    mo->Z = scr->Z;
    mo->chk = scr->chk;
    mo->hz = scr->hz;
    mo->Zs = scr->Zs;
    range_moments(mo);
}

/* The segments' results (sums, means, cross-products, minima and maxima)
 * in one allocation, owned by seg[0].buf; their block scratch is a
 * member's. */
static int segments_alloc(partreg_moments *seg, size_t nseg, const partreg_data *data,
                          partreg_isa isa)
{
    size_t p = data->p, p1 = p ? p : 1, per = 3 * p1 + p1 * p1;
    if (per > SIZE_MAX / sizeof(double) / nseg)
        return -1;
    double *buf = calloc(nseg * per, sizeof *buf);
    if (!buf)
        return -1;
    for (size_t s = 0; s < nseg; s++) {
        partreg_moments *mo = &seg[s];
        double *b = buf + s * per;
        memset(mo, 0, sizeof *mo);
        mo->data = data;
        mo->isa = isa;
        mo->ldx = data->ldx ? data->ldx : data->p;
        partreg_segment_rows(data->n, PARTREG_SCREEN_BLOCK, nseg, s, &mo->begin, &mo->end);
        mo->mean = b;
        mo->lo = b + p1;
        mo->hi = b + 2 * p1;
        mo->C = b + 3 * p1;
        for (size_t j = 0; j < p; j++) {
            mo->lo[j] = INFINITY;
            mo->hi[j] = -INFINITY;
        }
    }
    seg[0].buf = buf;
    return 0;
}

/* Moments of all rows on nt threads (on the team when it is large
 * enough), which claim the segments one at a time; the segments are
 * merged in order, so the sums do not depend on the threads. */
static partreg_status all_moments(const partreg_data *data, int threads, partreg_team *team,
                                  partreg_isa isa, partreg_moments *out)
{
    size_t n = data->n, nseg = partreg_segment_count(n, data->p, PARTREG_SCREEN_BLOCK);
    size_t nt = partreg_team_threads(team, threads, n,
                                     team ? PARTREG_TEAM_MIN_ROWS : SCREEN_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    partreg_moments scr[PARTREG_TEAM_MAX];
    memset(scr, 0, sizeof scr);
    partreg_moments *seg = calloc(nseg, sizeof *seg);
    partreg_status st =
        seg && segments_alloc(seg, nseg, data, isa) == 0 ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++)
        if (moments_alloc(&scr[t], data, 0, 0) != 0)
            st = PARTREG_ENOMEM;
    if (st == PARTREG_OK) {
        screen_pass sp = {seg, scr};
        partreg_team_run_segments(team, nt, nseg, segment_moments, &sp);
        for (size_t s = 1; s < nseg; s++)
            merge_segment(&seg[0], &seg[s], data->p);
        *out = seg[0]; /* the caller frees it (buf: all segments' results) */
    } else if (seg) {
        moments_free(&seg[0]);
    }
    for (size_t t = 0; t < nt; t++)
        moments_free(&scr[t]);
    free(seg);
    return st;
}

/* The classification from the moments of all rows (mo is changed: the
 * sweep may read raw cross-products). */
static partreg_status classify(moments *mo, size_t p, const unsigned char *group,
                               int thresholds, double tol, unsigned char *why, size_t *kept,
                               size_t *pk, int *has_intercept, size_t *intercept_col,
                               double *intercept_value, partreg_screen_offset *offset)
{
    size_t pp = p * p > 0 ? p * p : 1;
    double *L = calloc(pp, sizeof *L);
    partreg_status st = L ? PARTREG_OK : PARTREG_ENOMEM;
    if (st != PARTREG_OK)
        goto cleanup;
    if (mo->nonfinite) {
        st = PARTREG_EDATA;
        goto cleanup;
    }
    double sw = mo->sw, *mean = mo->mean, *lo = mo->lo, *hi = mo->hi, *C = mo->C;

    /* constant columns: the first non-zero one is the intercept of a model
     * without thresholds */
    *has_intercept = 0;
    for (size_t j = 0; j < p; j++) {
        why[j] = PARTREG_KEEP;
        if (lo[j] == hi[j] || !(lo[j] <= hi[j])) {
            if (lo[j] == 0.0 || !(lo[j] <= hi[j]))
                why[j] = PARTREG_DROP_ZERO;
            else if (!thresholds && !*has_intercept) {
                *has_intercept = 1;
                *intercept_col = j;
                *intercept_value = lo[j];
            }
            else
                why[j] = PARTREG_DROP_CONSTANT;
        }
    }
    int centre = *has_intercept || thresholds;

    /* without centring the sweep reads the raw cross-products sum w x x' */
    if (!centre)
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c <= a; c++)
                C[a * p + c] += sw * mean[a] * mean[c];

    /* columns of different groups are screened apart: as if uncorrelated */
    if (group)
        for (size_t a = 0; a < p; a++)
            for (size_t c = 0; c < a; c++)
                if (group[a] != group[c])
                    C[a * p + c] = 0.0;

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
            double r = C[a * p + b] / (sqrt(da) * sqrt(db)); /* no product to under- or overflow */
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
    if (offset) {
        offset->col = p;
        double worst = 0.0;
        for (size_t j = 0; centre && j < p; j++) {
            double sd = sqrt(C[j * p + j] / sw), ratio = fabs(mean[j]) / sd;
            if (why[j] == PARTREG_KEEP && lo[j] != hi[j] && sd > 0 && ratio > worst) {
                worst = ratio;
                *offset = (partreg_screen_offset){j, mean[j], sd};
            }
        }
    }
cleanup:
    free(L);
    return st;
}

partreg_status partreg_screen_columns(const partreg_data *data, int thresholds, double tol,
                                      int threads, partreg_team *team, partreg_isa isa,
                                      unsigned char *why,
                                      size_t *kept, size_t *pk, int *has_intercept,
                                      size_t *intercept_col, double *intercept_value,
                                      partreg_screen_offset *offset)
{
    return partreg_screen_columns_grouped(data, NULL, thresholds, tol, threads, team, isa, why,
                                          kept, pk, has_intercept, intercept_col,
                                          intercept_value, offset);
}

partreg_status partreg_screen_columns_grouped(const partreg_data *data, const unsigned char *group,
                                              int thresholds, double tol, int threads,
                                              partreg_team *team, partreg_isa isa,
                                              unsigned char *why,
                                              size_t *kept, size_t *pk, int *has_intercept,
                                              size_t *intercept_col, double *intercept_value,
                                              partreg_screen_offset *offset)
{
    moments mo;
    memset(&mo, 0, sizeof mo);
    partreg_status st = all_moments(data, threads, team, isa, &mo);
    if (st == PARTREG_OK)
        st = classify(&mo, data->p, group, thresholds, tol, why, kept, pk, has_intercept,
                      intercept_col, intercept_value, offset);
    moments_free(&mo);
    return st;
}

/* ---- the pass in pieces, for rows that are not one array (rows.h) ---- */

size_t partreg_screen_segments(size_t n, size_t p, size_t *block)
{
    *block = PARTREG_SCREEN_BLOCK;
    return partreg_segment_count(n, p, PARTREG_SCREEN_BLOCK);
}

size_t partreg_screen_state_doubles(size_t p)
{
    size_t p1 = p ? p : 1;
    return 1 + 1 + 3 * p1 + p1 * p1;
}

partreg_screen_moments *partreg_screen_moments_new(const partreg_data *shape, partreg_isa isa)
{
    moments *mo = calloc(1, sizeof *mo);
    if (!mo)
        return NULL;
    if (moments_alloc(mo, shape, 0, 0) != 0) {
        free(mo);
        return NULL;
    }
    mo->isa = isa;
    return mo;
}

void partreg_screen_moments_free(partreg_screen_moments *mo)
{
    if (!mo)
        return;
    moments_free(mo);
    free(mo);
}

void partreg_screen_moments_segment(partreg_screen_moments *mo, const partreg_data *view)
{
    size_t p = view->p;
    if (p == 0)
        return;
    mo->data = view;
    mo->ldx = view->ldx ? view->ldx : view->p;
    mo->begin = 0;
    mo->end = view->n;
    mo->sw = 0.0;
    mo->nonfinite = 0;
    memset(mo->mean, 0, p * sizeof *mo->mean);
    memset(mo->C, 0, p * p * sizeof *mo->C);
    for (size_t j = 0; j < p; j++) {
        mo->lo[j] = INFINITY;
        mo->hi[j] = -INFINITY;
    }
    range_moments(mo);
}

/* A state as doubles: sw, nonfinite, mean, lo, hi, C. */
void partreg_screen_moments_pack(const partreg_screen_moments *mo, size_t p, double *out)
{
    out[0] = mo->sw;
    out[1] = mo->nonfinite;
    memcpy(out + 2, mo->mean, p * sizeof *out);
    memcpy(out + 2 + p, mo->lo, p * sizeof *out);
    memcpy(out + 2 + 2 * p, mo->hi, p * sizeof *out);
    memcpy(out + 2 + 3 * p, mo->C, p * p * sizeof *out);
}

void partreg_screen_moments_merge_packed(partreg_screen_moments *into, const double *packed,
                                         size_t p)
{
    moments from;
    memset(&from, 0, sizeof from);
    from.sw = packed[0];
    from.nonfinite = packed[1] != 0.0;
    from.mean = (double *)(uintptr_t)(packed + 2);
    from.lo = (double *)(uintptr_t)(packed + 2 + p);
    from.hi = (double *)(uintptr_t)(packed + 2 + 2 * p);
    from.C = (double *)(uintptr_t)(packed + 2 + 3 * p);
    if (into->filled) {
        merge_segment(into, &from, p);
        return;
    }
    /* the first segment's state is the start of the merge, as in all_moments */
    into->sw = from.sw;
    into->nonfinite = from.nonfinite;
    memcpy(into->mean, from.mean, p * sizeof *into->mean);
    memcpy(into->lo, from.lo, p * sizeof *into->lo);
    memcpy(into->hi, from.hi, p * sizeof *into->hi);
    memcpy(into->C, from.C, p * p * sizeof *into->C);
    into->filled = 1;
}

void partreg_screen_moments_reset(partreg_screen_moments *mo, size_t p)
{
    mo->filled = 0;
    mo->sw = 0.0;
    mo->nonfinite = 0;
    memset(mo->mean, 0, p * sizeof *mo->mean);
    memset(mo->C, 0, p * p * sizeof *mo->C);
    for (size_t j = 0; j < p; j++) {
        mo->lo[j] = INFINITY;
        mo->hi[j] = -INFINITY;
    }
}

partreg_status partreg_screen_moments_classify(partreg_screen_moments *all, size_t p,
                                               const unsigned char *group, int thresholds,
                                               double tol, unsigned char *why, size_t *kept,
                                               size_t *pk, int *has_intercept,
                                               size_t *intercept_col, double *intercept_value,
                                               partreg_screen_offset *offset)
{
    return classify(all, p, group, thresholds, tol, why, kept, pk, has_intercept, intercept_col,
                    intercept_value, offset);
}
