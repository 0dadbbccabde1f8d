/* Fast per-row scores of the logit models: the weighted scores
 * s_i = w_i dl_i/dtheta that the sandwich covariances (the meat, cluster
 * sums) and the design-based variance (PSU totals) read, one block of rows
 * at a time. The reference routes (binary.c's and ordinal.c's
 * partreg_*_reference_row_scores) evaluate the link row by row through
 * link.c, three exps and logs a cut point; here a chunk's linear
 * predictors come from the row-product kernel and the logit terms from
 * one vectorised loop of vmath.h's exp, then each row's scores are written
 * out.
 *
 * Binary logit: s_i = w_i d_i x_i, d = y - F(eta) = S or -F, with
 * e = exp(-|eta|), F and S = 1/(1+e) and e/(1+e) by the sign of eta
 * (link.c's forms: S is never 1 - F).
 *
 * Cumulative logit, row of category c with a = theta_{c-1} - eta and
 * b = theta_c - eta (a = -inf for c = 0, b = +inf for c = J-1):
 *   P = F(b) - F(a) = F(b) S(a) g_c,   g_c = -expm1(theta_{c-1} - theta_c)
 * (no cancellation), so
 *   dl/da = -f(a)/P = -F(a) / (F(b) g_c),   dl/db = f(b)/P = S(b) / (S(a) g_c),
 * with F(b) = 1 and g = 1 for the top category (dl/da = -F(a)), S(a) = 1
 * and g = 1 for the bottom one (dl/db = S(b)); s_beta = -w (dl/da + dl/db) x,
 * s_theta(c-1) = w dl/da, s_theta(c) = w dl/db. Rows with |a| or |b| at
 * least FAR_LIMIT (or not finite) take the reference terms
 * (partreg_ordinal_row_terms).
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
#include "models/ordinal.h"
#include "core/cpu.h"
#include "models/kernels/row_products.h"
#include "models/kernels/vmath.h"

/* Beyond this |a| or |b| the reference terms serve the row (vmath.h's
 * exp_normal range, as the ordinal fast pass). */
#define FAR_LIMIT 600.0

static size_t chunk_rows(size_t pk) { return partreg_block_rows_auto(pk ? pk : 1); }

size_t partreg_score_rows_scratch(size_t pk, size_t J)
{
    size_t chunk = chunk_rows(pk);
    return chunk * (8 + (pk ? pk : 1)) + J + 1;
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

/* gw[r] = w_r d_r over a chunk (w NULL: unit weights). */
static void binary_terms(const double *restrict eta, const double *restrict y,
                         const double *restrict w, size_t m, double *restrict gw)
{
    for (size_t r = 0; r < m; r++) {
        double x = eta[r], e = partreg_vm_exp(-fabs(x));
        double big = 1.0 / (1.0 + e), small = e / (1.0 + e);
        double F = x >= 0 ? big : small, S = x >= 0 ? small : big;
        double d = y[r] != 0.0 ? S : -F, wr = w ? w[r] : 1.0;
        gw[r] = wr * d;
    }
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
    size_t k = d->pk, chunk = chunk_rows(k);
    double *eta = scratch, *gw = eta + chunk, *gather = gw + chunk;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk, lda;
        const double *xb = chunk_rows_of(d, b, m, gather, &lda);
        partreg_rows_dot(partreg_route_isa(d->kernel), xb, lda, k, beta, m, eta);
        binary_terms(eta, d->y + b, d->w ? d->w + b : NULL, m, gw);
        for (size_t r = 0; r < m; r++) {
            const double *x = xb + r * lda;
            double *s = S + (b - begin + r) * k;
            for (size_t j = 0; j < k; j++)
                s[j] = gw[r] * x[j];
        }
    }
}

/* dl/da and dl/db of a chunk's rows from their cut distances A, B (0
 * where the cut is absent: ha, hb 0) and category constants G. */
static void ordinal_terms(const double *restrict A, const double *restrict B,
                          const double *restrict ha, const double *restrict hb,
                          const double *restrict G, size_t m, double *restrict da,
                          double *restrict db)
{
    for (size_t r = 0; r < m; r++) {
        double a = A[r], b = B[r];
        double ea = partreg_vm_exp_normal(-fabs(a)), eb = partreg_vm_exp_normal(-fabs(b));
        double bigA = 1.0 / (1.0 + ea), smallA = ea / (1.0 + ea);
        double bigB = 1.0 / (1.0 + eb), smallB = eb / (1.0 + eb);
        double Fa = a >= 0 ? bigA : smallA, Sa = a >= 0 ? smallA : bigA;
        double Fb = b >= 0 ? bigB : smallB, Sb = b >= 0 ? smallB : bigB;
        double Sa1 = ha[r] != 0.0 ? Sa : 1.0, Fb1 = hb[r] != 0.0 ? Fb : 1.0;
        double qa = Fa / (Fb1 * G[r]), qb = Sb / (Sa1 * G[r]);
        da[r] = ha[r] != 0.0 ? -qa : 0.0;
        db[r] = hb[r] != 0.0 ? qb : 0.0;
    }
}

void partreg_ordinal_logit_row_scores(const void *model, const double *theta, size_t begin,
                                      size_t end, double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1, chunk = chunk_rows(pk);
    const double *thr = theta + pk;
    double *eta = scratch, *A = eta + chunk, *B = A + chunk, *ha = B + chunk, *hb = ha + chunk;
    double *G = hb + chunk, *da = G + chunk, *db = da + chunk, *gather = db + chunk;
    double *g = gather + chunk * (pk ? pk : 1); /* J: g_c of each category */
    for (size_t c = 0; c < J; c++)
        g[c] = c == 0 || c == J - 1 ? 1.0 : -expm1(thr[c - 1] - thr[c]);
    for (size_t b0 = begin; b0 < end; b0 += chunk) {
        size_t m = end - b0 < chunk ? end - b0 : chunk, lda;
        const double *xb = chunk_rows_of(d, b0, m, gather, &lda);
        const double *y = d->y + b0;
        partreg_rows_dot(partreg_route_isa(d->kernel), xb, lda, pk, theta, m, eta);
        size_t nfar = 0;
        for (size_t r = 0; r < m; r++) {
            size_t c = (size_t)y[r];
            ha[r] = c > 0;
            hb[r] = c < J - 1;
            A[r] = c > 0 ? thr[c - 1] - eta[r] : 0.0;
            B[r] = c < J - 1 ? thr[c] - eta[r] : 0.0;
            G[r] = g[c];
            nfar += !(fabs(A[r]) < FAR_LIMIT && fabs(B[r]) < FAR_LIMIT);
        }
        if (nfar) /* those rows' terms come from the reference route below */
            for (size_t r = 0; r < m; r++)
                if (!(fabs(A[r]) < FAR_LIMIT && fabs(B[r]) < FAR_LIMIT))
                    A[r] = B[r] = 0.0;
        ordinal_terms(A, B, ha, hb, G, m, da, db);
        for (size_t r = 0; r < m; r++) {
            size_t c = (size_t)y[r];
            double w = partreg_design_weight(d, b0 + r);
            double *s = S + (b0 - begin + r) * k;
            memset(s, 0, k * sizeof *s);
            if (w == 0.0)
                continue;
            double tda = da[r], tdb = db[r];
            if (nfar) {
                double a = c == 0 ? -INFINITY : thr[c - 1] - eta[r];
                double b = c == J - 1 ? INFINITY : thr[c] - eta[r];
                if (!(fabs(c == 0 ? 0.0 : a) < FAR_LIMIT && fabs(c == J - 1 ? 0.0 : b) < FAR_LIMIT)) {
                    partreg_ordinal_terms t;
                    partreg_ordinal_row_terms(d->link, a, b, &t);
                    tda = t.da;
                    tdb = t.db;
                }
            }
            double geta = -(tda + tdb);
            const double *x = xb + r * lda;
            for (size_t j = 0; j < pk; j++)
                s[j] = w * geta * x[j];
            if (c > 0)
                s[pk + c - 1] = w * tda;
            if (c < J - 1)
                s[pk + c] = w * tdb;
        }
    }
}
