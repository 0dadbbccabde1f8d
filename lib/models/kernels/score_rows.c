/* Fast per-row scores of the logit models: the weighted scores
 * s_i = w_i dl_i/dtheta that the sandwich covariances (the meat, cluster
 * sums) and the design-based variance (PSU totals) read, one block of rows
 * at a time, and their sums over runs of rows (score_sums: a PSU's or a
 * cluster's rows), which never hold the rows' scores in memory. The
 * reference routes (binary.c's and ordinal.c's
 * partreg_*_reference_row_scores) evaluate the link row by row through
 * link.c, three exps and logs a cut point; here a chunk's linear
 * predictors come from the row-product kernel and the logit terms from
 * vectorised loops of vmath.h's exp (the binary ones are the fit's own,
 * terms_body.h), then each row's scores are written out, or each run's
 * rows summed by the gradient's kernel.
 *
 * Binary logit: s_i = w_i d_i x_i, d = y - F(eta) (the fit's terms loop,
 * terms_body.h). Cumulative logit, row of category c with cut distances
 * a = theta_{c-1} - eta and b = theta_c - eta: s_beta = w dl/deta x,
 * s_theta(c-1) = w dl/da, s_theta(c) = w dl/db, the terms of the fit's
 * logit pass (ordinal_pass.c: closed forms without cancellation, and the
 * reference terms, partreg_ordinal_row_terms, for the rows it sends
 * there).
 *
 * Bits: the sums x'beta are the row-product kernel's, vmath.h's exp is
 * within 1 ulp of libm's, and the ordinal ratios are formed in another
 * order than the reference route's exp(log F - log P): each score agrees
 * with the reference route's to a few ulps of the larger terms
 * (tests/test_score_rows.c). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic")
#endif

#include "models/kernels/score_rows.h"

#include <math.h>
#include <string.h>

#include "models/design.h"
#include "models/objective.h"
#include "core/cpu.h"
#include "models/kernels/passes.h"
#include "models/kernels/row_products.h"
#include "models/kernels/terms.h"
#include "models/kernels/vmath.h"

static size_t chunk_rows(size_t pk) { return partreg_block_rows_auto(pk ? pk : 1); }

size_t partreg_score_rows_scratch(size_t pk, size_t J)
{
    size_t chunk = chunk_rows(pk);
    /* the ordinal routes': the terms (3 chunk), eta, the gathered rows, then
     * partreg_ordinal_logit_score_terms's; the binary ones' fit in it */
    return chunk * (4 + (pk ? pk : 1)) + partreg_ordinal_logit_score_terms_scratch(J, chunk) + 1;
}

/* The chunk's rows of the kept columns: in place, or gathered. */
static const double *chunk_rows_of(const partreg_design *d, size_t b, size_t m, double *gather,
                                   size_t *lda)
{
    if (!d->cols) {
        *lda = d->ldx;
        return d->X + b * d->ldx;
    }
    for (size_t r = 0; r < m; r++)
        partreg_design_row(d, b + r, gather + r * d->pk);
    *lda = d->pk;
    return gather;
}

/* gw[r] = w_r d_r over a chunk (w NULL: unit weights), by the fit's
 * vectorised terms of the route (terms_body.h; wl and hw are scratch). */
static void binary_terms(partreg_isa isa, const double *eta, const double *y, const double *w,
                         size_t m, double *gw, double *wl, double *hw)
{
    (void)partreg_terms_for(isa)->binary_logit(eta, y, w, m, wl, gw, hw);
}

/* (The clones are static: a cloned function's resolver would be exported
 * whatever its visibility.) */
static void cdf_rows(double *v, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        double x = v[r], e = partreg_vm_exp(-fabs(x));
        v[r] = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }
}

void partreg_logit_cdf_rows(double *v, size_t m) { cdf_rows(v, m); }

void partreg_binary_logit_row_scores(const void *model, const double *beta, size_t begin,
                                     size_t end, double *S, double *scratch)
{
    const partreg_design *d = model;
    partreg_isa isa = partreg_route_isa(d->kernel);
    size_t k = d->pk, chunk = chunk_rows(k);
    double *eta = scratch, *gw = eta + chunk, *wl = gw + chunk, *hw = wl + chunk;
    double *gather = hw + chunk;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk, lda;
        const double *xb = chunk_rows_of(d, b, m, gather, &lda);
        partreg_rows_dot(isa, xb, lda, k, beta, m, eta);
        binary_terms(isa, eta, d->y + b, d->w ? d->w + b : NULL, m, gw, wl, hw);
        for (size_t r = 0; r < m; r++) {
            const double *x = xb + r * lda;
            double *s = S + (b - begin + r) * k;
            for (size_t j = 0; j < k; j++)
                s[j] = gw[r] * x[j];
        }
    }
}

/* sums[q * lds + j] += sum of g[r] x_r[j] (j < k) over the chunk's rows
 * (rows b .. b + m - 1, from xb, row stride lda) of each run q: the runs
 * start at run_start[0..nruns) (ascending), *q the run of row b on entry
 * and of the chunk's last row on return. */
static void add_runs(partreg_isa isa, const double *xb, size_t lda, size_t k, const double *g,
                     size_t b, size_t m, const size_t *run_start, size_t nruns, size_t *q,
                     double *sums, size_t lds)
{
    for (size_t i = b; i < b + m;) {
        while (*q + 1 < nruns && run_start[*q + 1] <= i)
            (*q)++;
        size_t stop = *q + 1 < nruns && run_start[*q + 1] < b + m ? run_start[*q + 1] : b + m;
        partreg_rows_weighted_sum(isa, xb + (i - b) * lda, lda, k, g + (i - b), stop - i,
                                  sums + *q * lds);
        i = stop;
    }
}

void partreg_binary_logit_score_sums(const void *model, const double *beta, size_t begin,
                                     size_t end, const size_t *run_start, size_t nruns,
                                     double scale, double *sums, double *scratch)
{
    const partreg_design *d = model;
    partreg_isa isa = partreg_route_isa(d->kernel);
    size_t k = d->pk, chunk = chunk_rows(k), q = 0;
    double *eta = scratch, *gw = eta + chunk, *wl = gw + chunk, *hw = wl + chunk;
    double *gather = hw + chunk;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk, lda;
        const double *xb = chunk_rows_of(d, b, m, gather, &lda);
        partreg_rows_dot(isa, xb, lda, k, beta, m, eta);
        binary_terms(isa, eta, d->y + b, d->w ? d->w + b : NULL, m, gw, wl, hw);
        for (size_t r = 0; r < m; r++) /* scale is a power of 2: exact */
            gw[r] *= scale;
        add_runs(isa, xb, lda, k, gw, b, m, run_start, nruns, &q, sums, k);
    }
}

/* A chunk of the cumulative logit's rows b0 .. b0 + m - 1: their weighted
 * terms ge[r] = w dl/deta, ta[r] = w dl/da and tb[r] = w dl/db (the logit
 * pass's, partreg_ordinal_logit_score_terms), the score of row r being
 * ge[r] x_r on the slopes, ta[r] on threshold c - 1 and tb[r] on
 * threshold c (c its category). Returns the chunk's rows (in place or
 * gathered), row stride *lda. scratch: eta (chunk), the gathered rows
 * (chunk x pk), then the terms' scratch. */
static const double *ordinal_chunk_terms(const partreg_design *d, const double *theta,
                                         double *scratch, size_t chunk, size_t b0, size_t m,
                                         size_t *lda, double *ge, double *ta, double *tb)
{
    size_t pk = d->pk;
    double *eta = scratch, *gather = eta + chunk, *terms = gather + chunk * (pk ? pk : 1);
    const double *xb = chunk_rows_of(d, b0, m, gather, lda);
    partreg_rows_dot(partreg_route_isa(d->kernel), xb, *lda, pk, theta, m, eta);
    partreg_ordinal_logit_score_terms(d, theta, eta, b0, m, terms, ge, ta, tb);
    return xb;
}

void partreg_ordinal_logit_row_scores(const void *model, const double *theta, size_t begin,
                                      size_t end, double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1, chunk = chunk_rows(pk);
    double *tge = scratch, *tta = tge + chunk, *ttb = tta + chunk, *rest = ttb + chunk;
    for (size_t b0 = begin; b0 < end; b0 += chunk) {
        size_t m = end - b0 < chunk ? end - b0 : chunk, lda;
        const double *xb = ordinal_chunk_terms(d, theta, rest, chunk, b0, m, &lda, tge, tta, ttb);
        for (size_t r = 0; r < m; r++) {
            size_t cat = (size_t)d->y[b0 + r];
            double *s = S + (b0 - begin + r) * k;
            const double *x = xb + r * lda;
            for (size_t j = 0; j < pk; j++)
                s[j] = tge[r] * x[j];
            for (size_t j = pk; j < k; j++)
                s[j] = 0.0;
            if (cat > 0)
                s[pk + cat - 1] = tta[r];
            if (cat < J - 1)
                s[pk + cat] = ttb[r];
        }
    }
}

void partreg_ordinal_logit_score_sums(const void *model, const double *theta, size_t begin,
                                      size_t end, const size_t *run_start, size_t nruns,
                                      double scale, double *sums, double *scratch)
{
    const partreg_design *d = model;
    partreg_isa isa = partreg_route_isa(d->kernel);
    size_t pk = d->pk, J = d->J, k = pk + J - 1, chunk = chunk_rows(pk), q = 0;
    double *ge = scratch, *ta = ge + chunk, *tb = ta + chunk, *rest = tb + chunk;
    for (size_t b0 = begin; b0 < end; b0 += chunk) {
        size_t m = end - b0 < chunk ? end - b0 : chunk, lda;
        const double *xb = ordinal_chunk_terms(d, theta, rest, chunk, b0, m, &lda, ge, ta, tb);
        for (size_t r = 0; r < m; r++) /* scale is a power of 2: exact */
            ge[r] *= scale;
        size_t q0 = q;
        add_runs(isa, xb, lda, pk, ge, b0, m, run_start, nruns, &q, sums, k);
        /* the thresholds' scores, row by row into their runs */
        q = q0;
        for (size_t r = 0; r < m; r++) {
            size_t i = b0 + r, cat = (size_t)d->y[i];
            while (q + 1 < nruns && run_start[q + 1] <= i)
                q++;
            double *sq = sums + q * k;
            if (cat > 0)
                sq[pk + cat - 1] += ta[r] * scale;
            if (cat < J - 1)
                sq[pk + cat] += tb[r] * scale;
        }
    }
}
