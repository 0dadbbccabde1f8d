/* The binary model's fast route (passes.h): the objective of binary.c
 * over blocks of rows, on the fit's route (scalar, AVX2 or AVX-512).
 *
 * Contract: the reference route binary_reference (binary.c), to
 * rounding: per row, eta by partreg_rows_dot (four partial sums), the
 * logit link's terms in closed form (terms_body.h, a few ulps) or the
 * link's own (partreg_link_binary_terms, the reference's), and the sums
 * over rows reordered (row_products.c, rank_update.c, OpenBLAS above 32
 * columns): tests/test_speed_paths.c holds them to 1e-12 of the largest
 * entry of each quantity. Every fast route gives the same bits (the
 * kernels' copies do: v4.h). */
/* gcc 12 at -O2 keeps the general link's row loop scalar unless it may
 * use -O3's vectoriser cost model and does not thread jumps through the
 * loop body; neither changes a value. Guarded so clang-based tools never
 * see gcc-only options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic")
#endif

#include "models/kernels/passes.h"

#include <math.h>

#include "models/design.h"
#include "models/link.h"
#include "models/kernels/rank_update.h"
#include "models/kernels/row_products.h"
#include "models/kernels/terms.h"

/* Rows per chunk inside an accumulate call: the chunk's rows, their scaled
 * copies and per-row terms stay in L1/L2 between the passes over it. */
#define CHUNK_ROWS(pk) partreg_block_rows_auto(pk)

/* The logit pass over a chunk: eta = X beta, the terms (terms_body.h), then
 * grad += X'(w d) and info += X' diag(w h) X (partreg_info_add). */
static void logit_chunk(const partreg_design *d, partreg_isa isa, const double *beta, size_t i0,
                        size_t m, const double *xb, size_t lda, partreg_order order,
                        partreg_accum *acc, double *eta, double *gw, double *hs, double *wl,
                        double *zp, double *zn)
{
    size_t k = d->pk;
    partreg_prefetch_lines(d->y + i0, m);
    partreg_prefetch_lines(d->w ? d->w + i0 : NULL, m);
    partreg_rows_dot(isa, xb, lda, k, beta, m, eta);
    double ll = partreg_terms_for(isa)->binary_logit(eta, d->y + i0, d->w ? d->w + i0 : NULL, m,
                                                     wl, gw, hs);
    if (!isfinite(ll)) /* a NaN or infinite eta shows here */
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    if (order != PARTREG_ORDER_HESSIAN && order != PARTREG_ORDER_EXPECTED) {
        partreg_rows_weighted_sum(isa, xb, lda, k, gw, m, acc->grad);
        return;
    }
    /* the gradient with the information, from the same reads of the rows */
    partreg_info_add(isa, acc->info, k, k, xb, lda, hs, gw, acc->grad, m, zp, zn);
}

/*
 * One fused pass over a chunk of m rows (X block `xb`, row stride lda):
 *   eta = X beta                       (dgemv)
 *   per row: l, d, h from the link     (logit: logit_terms)
 *   grad += X' (w d)                   (dgemv)
 *   info += X' diag(-w h) X            (partreg_info_add: in place for small
 *                                      k, dsyrk on sign-split scaled rows
 *                                      for large k; non-log-concave links
 *                                      such as cauchit give either sign).
 */
static void binary_chunk(const partreg_design *d, partreg_isa isa, const double *beta, size_t i0,
                         size_t m, const double *xb, size_t lda, partreg_order order,
                         partreg_accum *acc, double *eta, double *gw, double *hs, double *zp,
                         double *zn)
{
    size_t k = d->pk;
    partreg_rows_dot(isa, xb, lda, k, beta, m, eta);
    double ll = 0.0;
    for (size_t r = 0; r < m; r++) {
        size_t i = i0 + r;
        double w = partreg_design_weight(d, i);
        gw[r] = 0.0;
        hs[r] = 0.0;
        if (w == 0.0)
            continue;
        int y = d->y[i] != 0.0;
        double l, dl, hw;
        if (order == PARTREG_ORDER_VALUE) {
            partreg_link_binary_terms(d->link, eta[r], y, &l, NULL, NULL, NULL);
            dl = hw = 0.0;
        } else {
            double h, e;
            partreg_link_binary_terms(d->link, eta[r], y, &l, &dl, &h, &e);
            hw = order == PARTREG_ORDER_EXPECTED ? w * e : -w * h;
        }
        ll += w * l;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        gw[r] = w * dl;
        if (order != PARTREG_ORDER_HESSIAN && order != PARTREG_ORDER_EXPECTED)
            continue;
        if (!isfinite(hw) || !isfinite(gw[r]))
            acc->nonfinite = 1;
        hs[r] = hw;
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    if (order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED)
        partreg_info_add(isa, acc->info, k, k, xb, lda, hs, gw, acc->grad, m, zp, zn);
    else
        partreg_rows_weighted_sum(isa, xb, lda, k, gw, m, acc->grad);
}

void partreg_binary_fast_accumulate(const void *model, const double *beta, size_t begin,
                                    size_t end, partreg_order order, partreg_accum *acc,
                                    double *scratch)
{
    const partreg_design *d = model;
    partreg_isa isa = partreg_route_isa(d->kernel);
    size_t k = d->pk, chunk = CHUNK_ROWS(k);
    /* scratch: eta, gw, w h, w l (chunk each), Zp, Zn, gathered rows (chunk x k
     * each): separate arrays, so no output overwrites the rows being read */
    double *eta = scratch, *gw = eta + chunk, *hs = gw + chunk, *wl = hs + chunk;
    double *zp = wl + chunk, *zn = zp + chunk * k, *gather = zn + chunk * k;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) { /* gather the kept columns only when some were dropped */
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, gather + r * k);
            xb = gather;
            lda = k;
        }
        if (d->link == PARTREG_LOGIT)
            logit_chunk(d, isa, beta, b, m, xb, lda, order, acc, eta, gw, hs, wl, zp, zn);
        else
            binary_chunk(d, isa, beta, b, m, xb, lda, order, acc, eta, gw, hs, zp, zn);
    }
}

size_t partreg_binary_fast_scratch(size_t pk)
{
    size_t k = pk ? pk : 1;
    return CHUNK_ROWS(k) * (4 + 3 * k);
}
