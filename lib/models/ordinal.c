/* Cumulative-link log-likelihood, gradient and information per row block.
 *
 *   P(Y = j | x) = F(theta_j - eta) - F(theta_{j-1} - eta),  eta = x'beta,
 *   theta_0 = -inf, theta_J = +inf (exactly; no finite stand-ins).
 *
 * With a = theta_{j-1} - eta, b = theta_j - eta and P = F(b) - F(a):
 *   dlogP/da = -f(a)/P,  dlogP/db = f(b)/P,
 *   d2/da2 = -f'(a)/P - (f(a)/P)^2,  d2/db2 = f'(b)/P - (f(b)/P)^2,
 *   d2/dadb = f(a) f(b) / P^2,
 * and the chain rule da/deta = db/deta = -1 gives the beta block.
 *
 * Tails: log P is taken from the side where it is precise,
 *   b <= 0:  log P = log F(b) + log(1 - exp(log F(a) - log F(b)))
 *   a >= 0:  log P = log S(a) + log(1 - exp(log S(b) - log S(a)))
 * and the ratios f(x)/P as (f/F)(x) exp(log F(x) - log P) for x < 0 or
 * (f/S)(x) exp(log S(x) - log P) for x >= 0, so an observation far out in
 * either tail gives neither log(0) nor a negative probability.
 * References: McCullagh (1980), JRSS B 42:109-142; Agresti (2010),
 * Analysis of Ordinal Categorical Data, ch. 5; docs/methods.md. */
/* gcc 12 at -O2 keeps the logit terms loop below scalar unless it may use
 * -O3's vectoriser cost model and does not thread jumps through the loop
 * body; neither changes a value (as in binary.c). The zeroing loop of the
 * logit pass stays a loop instead of becoming a memset call (rep stosb,
 * one instruction per byte under callgrind). Guarded so clang-based tools
 * never see gcc-only options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include "models/ordinal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(PARTREG_NO_CLONES)
#include <immintrin.h>
#endif

#include <gsl/gsl_cblas.h>

#include "core/error.h"
#include "models/category_sums.h"
#include "models/link.h"
#include "models/model.h"
#include "models/rank_update.h"
#include "models/row_products.h"
#include "models/score_rows.h"
#include "models/v4.h"
#include "models/vmath.h"

#define LN2 0.693147180559945309417232121458

/* log(1 - exp(-u)), u > 0 */
static double log1mexp(double u)
{
    return u > LN2 ? log1p(-exp(-u)) : log(-expm1(-u));
}

/* f(x)/P given the link values at x and log P */
static double ratio(const partreg_link_values *v, double x, double logp)
{
    if (x < 0)
        return v->r1 * exp(v->logF - logp);
    return v->r0 * exp(v->logS - logp);
}

void partreg_ordinal_row_terms(partreg_link link, double a, double b, partreg_ordinal_terms *t)
{
    partreg_link_values va, vb;
    int has_a = !(isinf(a) && a < 0), has_b = !(isinf(b) && b > 0);
    if (has_a)
        partreg_link_eval(link, a, &va);
    if (has_b)
        partreg_link_eval(link, b, &vb);

    double logp;
    if (!has_a && !has_b)
        logp = 0.0;
    else if (!has_a) /* then has_b, and vb is set */
        logp = vb.logF; /* cppcheck-suppress uninitStructMember */
    else if (!has_b)
        logp = va.logS;
    else if (b <= 0)
        logp = vb.logF + log1mexp(vb.logF - va.logF);
    else if (a >= 0)
        logp = va.logS + log1mexp(va.logS - vb.logS);
    else
        logp = log(vb.F - va.F);
    t->logp = logp;

    double qa = 0.0, qb = 0.0, ga = 0.0, gb = 0.0;
    if (has_a && va.f > 0) {
        qa = ratio(&va, a, logp);
        ga = va.gl;
    } else if (has_a) { /* f underflowed: use the ratio form anyway */
        qa = ratio(&va, a, logp);
        ga = isfinite(va.gl) ? va.gl : 0.0;
    }
    if (has_b) {
        qb = ratio(&vb, b, logp);
        gb = isfinite(vb.gl) ? vb.gl : 0.0;
    }
    t->da = -qa;
    t->db = qb;
    t->daa = -ga * qa - qa * qa;
    t->dbb = gb * qb - qb * qb;
    t->dab = qa * qb;
}

/* Logit fast path of partreg_ordinal_row_terms for finite-or-infinite cut
 * points within |x| < FAST_LIMIT. With F, S from e_x = exp(-|x|) and the
 * category's constant g = 1 - exp(a - b) = -expm1(theta_{j-1} - theta_j):
 *   P = F(b) - F(a) = F(b) S(a) g,   log P = log F(b) + log S(a) + log g
 * (three non-positive terms: no cancellation), and the ratios
 *   f(b)/P = S(b) / (S(a) g),   f(a)/P = F(a) / (F(b) g)
 * follow from f = F S. One exp and one log1p per row instead of the general
 * route's three exps and three logs per cut point (logit_chunk below). */
#define FAST_LIMIT 600.0

/* Rows per chunk inside an accumulate call (see binary.c). */
#define CHUNK_ROWS(pk) partreg_block_rows_auto(pk)

/*
 * One fused pass over a chunk of m rows: eta = X beta (dgemv); per-row
 * terms; the beta gradient X'(w geta) (dgemv); the beta-beta information
 * through dsyrk on rows scaled by sqrt(|w heta|), split by sign as in
 * binary.c; the few threshold entries row by row.
 */
static void ordinal_chunk(const partreg_design *d, const double *theta, size_t i0, size_t m,
                          const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                          double *eta, double *gw, double *zp, double *zn)
{
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    partreg_rows_dot(xb, lda, pk, theta, m, eta);
    double ll = 0.0;
    size_t np = 0, nn = 0;
    for (size_t r = 0; r < m; r++) {
        size_t i = i0 + r;
        double w = partreg_design_weight(d, i);
        gw[r] = 0.0;
        if (w == 0.0)
            continue;
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta[r];
        double b = c == J - 1 ? INFINITY : thr[c] - eta[r];
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(d->link, a, b, &t);
        ll += w * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double geta = -(t.da + t.db);
        gw[r] = w * geta;
        if (c > 0)
            acc->grad[pk + c - 1] += w * t.da;
        if (c < J - 1)
            acc->grad[pk + c] += w * t.db;
        if (!info)
            continue;
        double heta = -w * (t.daa + 2.0 * t.dab + t.dbb);
        if (!isfinite(heta) || !isfinite(geta))
            acc->nonfinite = 1;
        const double *x = xb + r * lda;
        if (c > 0) { /* theta_{c-1}: d2l/deta dtheta = -(daa + dab) */
            size_t ta = pk + c - 1;
            double cross = w * (t.daa + t.dab);
            double *row = acc->info + ta * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[ta] -= w * t.daa;
        }
        if (c < J - 1) {
            size_t tb = pk + c;
            double cross = w * (t.dab + t.dbb);
            double *row = acc->info + tb * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[tb] -= w * t.dbb;
            if (c > 0)
                row[tb - 1] -= w * t.dab;
        }
        if (heta == 0.0 || pk == 0)
            continue;
        double *z = heta < 0 ? zn + (nn++) * pk : zp + (np++) * pk;
        double s = sqrt(fabs(heta));
        for (size_t j = 0; j < pk; j++)
            z[j] = s * x[j];
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE || pk == 0)
        return;
    partreg_rows_weighted_sum(xb, lda, pk, gw, m, acc->grad);
    /* the beta block is the leading pk x pk corner of info (row stride k) */
    if (np)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)np, 1.0, zp, (int)pk,
                    1.0, acc->info, (int)k);
    if (nn)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)nn, -1.0, zn, (int)pk,
                    1.0, acc->info, (int)k);
}

/* ---- the logit pass, vectorised ------------------------------------------
 *
 * The same terms as logit_row_terms, computed for all rows of a chunk in one
 * loop that gcc vectorises (vmath.h exp and log1p, selects instead of
 * branches). The category logic is moved out of that loop: a gather
 * (logit_gather, below) looks up, per row, the cut points a = lo[c] - eta
 * and b = hi[c] - eta (lo[0] = -inf, hi[J-1] = +inf exactly) and the
 * category's g, log g and
 * D = exp(lo[c] - hi[c]) (g = 1, log g = 0, D = 0 for the outermost
 * categories, where the formulas reduce to P = F(b) or S(a): S(-inf) = 1,
 * F(+inf) = 1, F(-inf) = S(+inf) = 0) and lists the rows the shortcut does
 * not cover: eta outside the category's interval (emin, emax), which holds
 * the rows whose finite cut points are within |x| < FAST_LIMIT and is empty
 * for a category with g <= 0 or a subnormal D; a non-finite eta fails the
 * test too. Those rows are then redone by partreg_ordinal_row_terms.
 *
 * One exp per row: with E = exp(-min(|a|, |b|)), the other of
 * e_a = exp(-|a|), e_b = exp(-|b|) is E D when a and b have the same sign
 * (|far| = |near| + (b - a)) and D / E when a < 0 < b (e_a e_b = exp(a - b)
 * = D); D is normal (category test above), so either is within 2 ulps of
 * exp(-|far|) up to the rounding of the cut points themselves.
 *
 * Per row the loop stores w log P and the weighted derivatives
 *   wda = w dlogP/da, wdb = w dlogP/db, qab = w dab (for the threshold
 *   blocks: -w daa = wfa + qab, -w dbb = wfb + qab, below) and the eta
 *   terms, which for
 *   the logit have closed forms: log P = log F(b) + log S(a) + log g with
 *   g constant in eta, d log F(b)/db = S(b), d log S(a)/da = -F(a), so
 *     d logP/deta = F(a) - S(b)                        gw = w (F(a) - S(b))
 *     d2 logP/deta2 = -(f(a) + f(b))                   hw = wfa + wfb
 *     d2 logP/dtheta_{c-1} deta = f(a),  .../dtheta_c deta = f(b),
 *   with f = F S, wfa = w f(a), wfb = w f(b). These are what
 *   -(da + db), -(daa + 2 dab + dbb), daa + dab and dab + dbb reduce to
 *   (the general route computes those sums; when the cut points are close,
 *   each term is of order 1/(b - a)^2 and the sums lose that many digits:
 *   the closed forms do not, and cost no division). The blocks of the
 *   information are then
 *   beta-beta:        sum hw x x'                  partreg_info_add
 *   theta_j-beta:     -sum_r C_rj x_r, C_rj = wfa if c = j+1,
 *                     wfb if c = j                 partreg_rows_category_sums
 *   beta gradient:    X' gw                        partreg_rows_weighted_sum
 *                     (information passes: with beta-beta, partreg_info_add)
 *   theta-theta and the threshold gradient: per-category sums of wda,
 *                     qab, wdb (partreg_category_sums_add) and of wfa,
 *                     wfb (with the threshold-beta sums, from a spare
 *                     lane of the rows, where there is one; else in the
 *                     category sums too), folded into per-cut ones at
 *                     the end of the call: the sum of -w daa over a
 *                     category is that of wfa plus that of qab, and so
 *                     on, all sums of positive terms.
 * Cut slots: slot c is the lower cut of category c, c + 1 its upper, so
 * slot j + 1 is theta_j (slots 0 and J, the outermost categories' missing
 * cuts, are not read). The category sums (category_sums.c) keep their
 * partial sums in registers: adding each row into its slots in memory
 * would make chains of stores and loads through the rows of a category. */

/* F and S of the logistic at x from e = exp(-|x|) (x = +-inf exact: e = 0) */
PARTREG_VM_INLINE void logit_cut(double x, double e, double *F, double *S)
{
    double big = 1.0 / (1.0 + e), small = e * big;
    int pos = x >= 0;
    *F = pos ? big : small;
    *S = pos ? small : big;
}

/* e_a = exp(-|a|) and e_b = exp(-|b|) with one exp, given D (see above) */
PARTREG_VM_INLINE void logit_exps(double a, double b, double D, double *ea, double *eb)
{
    double fa = fabs(a), fb = fabs(b);
    int near_a = fa <= fb;
    /* the nearer cut is within FAST_LIMIT (< 708) on the fast path: a
     * normal result (the general route's rows get garbage here, and their
     * own values after) */
    double E = partreg_vm_exp_normal(-(near_a ? fa : fb));
    double mixed = a < 0.0 && b > 0.0 ? D / E : D * E;
    *ea = near_a ? E : mixed;
    *eb = near_a ? mixed : E;
}

/* log F(b) + log S(a) with e_a = exp(-|a|), e_b = exp(-|b|): as
 *   log F(b) = min(b, 0) - log(1 + e_b),  log S(a) = -max(a, 0) - log(1 + e_a),
 * it is min(b, 0) - max(a, 0) - log1p(e_a + e_b + e_a e_b), one log1p of an
 * argument in [0, 3] instead of two; all three terms are <= 0, so the sum
 * has no cancellation. The argument's two roundings and the log1p's add up
 * to under 3 ulps of the log1p term (tests/test_ordinal_tails.c checks the
 * result against long double). a = -inf, b = +inf give e = 0 and 0 terms.
 * inv_u is 1 / (1 + s) for the log1p (vmath.h): the product of the two
 * cuts' 1 / (1 + e) where the caller has them. */
PARTREG_VM_INLINE double logit_logfs(double a, double b, double ea, double eb, double inv_u)
{
    double L = partreg_vm_log1p3((ea + eb) + ea * eb, inv_u);
    return ((b < 0.0 ? b : 0.0) - (a > 0.0 ? a : 0.0)) - L;
}

/* w log P of one row (0 when w = 0) */
PARTREG_VM_INLINE double logit_logp(double a, double b, double lg, double D, double w)
{
    double ea, eb;
    logit_exps(a, b, D, &ea, &eb);
    double inv_u = 1.0 / (1.0 + ((ea + eb) + ea * eb));
    double wl = w * (logit_logfs(a, b, ea, eb, inv_u) + lg);
    return w != 0.0 ? wl : 0.0;
}

/* Not inlined: inlined into logit_chunk, whose row arrays all come from one
 * scratch block, gcc loses the restrict qualifiers and does not vectorise.
 * On x86-64 with gcc also compiled for AVX-512 and AVX2 (eight and four
 * rows per instruction instead of two), chosen at load time
 * (PARTREG_ROWS_CLONE, v4.h): no contraction (ISO C mode,
 * -ffp-contract=off), so every version gives the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ROW_LOOP __attribute__((noinline)) PARTREG_ROWS_CLONE
#elif defined(__GNUC__)
#define ROW_LOOP __attribute__((noinline))
#else
#define ROW_LOOP
#endif

/* value only, w = NULL: unit weights */
ROW_LOOP static void logit_values(const double *restrict a, const double *restrict b,
                                  const double *restrict lg, const double *restrict D,
                                  const double *restrict w, size_t m, double *restrict wl)
{
    if (w)
        for (size_t r = 0; r < m; r++)
            wl[r] = logit_logp(a[r], b[r], lg[r], D[r], w[r]);
    else
        for (size_t r = 0; r < m; r++)
            wl[r] = logit_logp(a[r], b[r], lg[r], D[r], 1.0);
}

/* The per-row outputs of the full loop (see above), one array each, which
 * the category sums read eight rows at a time. */
typedef struct logit_rows {
    double *wl, *gw, *hw, *wda, *wdb, *qab, *wfa, *wfb;
} logit_rows;

PARTREG_VM_INLINE void logit_full_row(double a, double b, double g, double lg, double ea,
                                      double eb, double w,
                                      double *restrict wl, double *restrict gw,
                                      double *restrict hw, double *restrict wda,
                                      double *restrict wdb, double *restrict qabr,
                                      double *restrict wfa, double *restrict wfb)
{
    double Fa, Sa, Fb, Sb;
    logit_cut(a, ea, &Fa, &Sa);
    logit_cut(b, eb, &Fb, &Sb);
    /* the same divisions as in logit_cut (gcc computes them once) */
    double inv_u = (1.0 / (1.0 + ea)) * (1.0 / (1.0 + eb));
    double wlr = w * (logit_logfs(a, b, ea, eb, inv_u) + lg);
    *wl = w != 0.0 ? wlr : 0.0;
    /* f(a)/P = F(a) / (F(b) g) = f(a) R, f(b)/P = S(b) / (S(a) g) = f(b) R with
     * R = 1 / (F(b) S(a) g): one division for both; 0 at an infinite cut */
    double R = 1.0 / ((Fb * Sa) * g), Fa_Sa = Fa * Sa, Fb_Sb = Fb * Sb;
    double qa = Fa_Sa * R, qb = Fb_Sb * R;
    /* the eta terms in closed form (see above), and as daa + dab = -f(a),
     * dab + dbb = -f(b): -daa = f(a) + qa qb, -dbb = f(b) + qa qb, sums of
     * positive terms (f'/f qa + qa^2 cancels when a > 0 is far from b) */
    double fa = w * Fa_Sa, fb = w * Fb_Sb, qab = w * (qa * qb);
    *wda = -w * qa;
    *qabr = qab; /* -w daa = fa + qab, -w dab = -qab, -w dbb = fb + qab */
    *wfa = fa;
    *wdb = w * qb;
    *wfb = fb;
    *gw = w * (Fa - Sb);
    *hw = fa + fb;
}

/* The exps first, in a loop of their own, into wfa and wfb (overwritten
 * below): a row's exp, log1p and divisions form one long chain of
 * dependent operations, and the out-of-order core overlaps only as many
 * rows as its reorder buffer holds instructions of; a short loop fits more
 * of them (binary.c's logit_terms likewise). The values are the same. */
ROW_LOOP static void logit_full(const double *restrict a, const double *restrict b,
                                const double *restrict g, const double *restrict lg,
                                const double *restrict D, const double *restrict w, size_t m,
                                double *restrict wl, double *restrict gw, double *restrict hw,
                                double *restrict wda, double *restrict wdb,
                                double *restrict qab, double *restrict wfa,
                                double *restrict wfb)
{
    for (size_t r = 0; r < m; r++)
        logit_exps(a[r], b[r], D[r], wfa + r, wfb + r);
    if (w)
        for (size_t r = 0; r < m; r++)
            logit_full_row(a[r], b[r], g[r], lg[r], wfa[r], wfb[r], w[r], wl + r, gw + r, hw + r,
                           wda + r, wdb + r, qab + r, wfa + r, wfb + r);
    else
        for (size_t r = 0; r < m; r++)
            logit_full_row(a[r], b[r], g[r], lg[r], wfa[r], wfb[r], 1.0, wl + r, gw + r, hw + r,
                           wda + r, wdb + r, qab + r, wfa + r, wfb + r);
}

/* Whether every gw[r] + hw[r] is finite. Only that is asked, not a value,
 * so the four running sums (independent chains, which gcc puts in one
 * vector) may take any order: a non-finite term makes its sum non-finite. */
ROW_LOOP static int logit_rows_finite(const double *restrict gw, const double *restrict hw,
                                      size_t m)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        s0 += gw[r] + hw[r];
        s1 += gw[r + 1] + hw[r + 1];
        s2 += gw[r + 2] + hw[r + 2];
        s3 += gw[r + 3] + hw[r + 3];
    }
    for (; r < m; r++)
        s0 += gw[r] + hw[r];
    return isfinite((s0 + s1) + (s2 + s3));
}

/* the gradient pass: w log P, gw, wda, wdb only (as logit_full_row), given
 * the row's e_a and e_b */
PARTREG_VM_INLINE void logit_grad_row(double a, double b, double g, double lg, double ea,
                                      double eb, double w, double *restrict wl,
                                      double *restrict gw, double *restrict wda,
                                      double *restrict wdb)
{
    double Fa, Sa, Fb, Sb;
    logit_cut(a, ea, &Fa, &Sa);
    logit_cut(b, eb, &Fb, &Sb);
    double inv_u = (1.0 / (1.0 + ea)) * (1.0 / (1.0 + eb));
    double wlr = w * (logit_logfs(a, b, ea, eb, inv_u) + lg);
    *wl = w != 0.0 ? wlr : 0.0;
    double R = 1.0 / ((Fb * Sa) * g); /* as in logit_full_row */
    *wda = -w * ((Fa * Sa) * R);
    *wdb = w * ((Fb * Sb) * R);
    *gw = w * (Fa - Sb);
}

/* The exps first, in a loop of their own, into the scratch rows ea and eb,
 * as in logit_full (same values). */
ROW_LOOP static void logit_grad(const double *restrict a, const double *restrict b,
                                const double *restrict g, const double *restrict lg,
                                const double *restrict D, const double *restrict w, size_t m,
                                double *restrict wl, double *restrict gw, double *restrict wda,
                                double *restrict wdb, double *restrict ea, double *restrict eb)
{
    for (size_t r = 0; r < m; r++)
        logit_exps(a[r], b[r], D[r], ea + r, eb + r);
    if (w)
        for (size_t r = 0; r < m; r++)
            logit_grad_row(a[r], b[r], g[r], lg[r], ea[r], eb[r], w[r], wl + r, gw + r,
                           wda + r, wdb + r);
    else
        for (size_t r = 0; r < m; r++)
            logit_grad_row(a[r], b[r], g[r], lg[r], ea[r], eb[r], 1.0, wl + r, gw + r,
                           wda + r, wdb + r);
}

/* ---- the category gather ------------------------------------------------
 *
 * Per row: a = lo[c] - eta, b = hi[c] - eta, the category's g, log g, D,
 * and whether eta is outside (emin[c], emax[c]) (the general route; see
 * above). The per-category constants are two records of four, one
 * cache line per category:
 *   cat + 8 c = (lo, hi, emin, emax),   cat + 8 c + 4 = (g, log g, D, 0).
 * Four rows at a time, their records are loaded whole and transposed
 * into columns (4 x 4 shuffles), one vector subtraction, compare and
 * store per column instead of seven scalar loads and five scalar stores a
 * row; the number of categories does not matter. Lane by lane the same
 * operations as the scalar loop (which takes the rows after the last
 * whole quad), so the same bits. */
typedef struct logit_gathered {
    double *a, *b, *g, *lg, *D; /* chunk each */
    double *slow;               /* the rows for the general route */
} logit_gathered;

/* row r of the scalar route; returns whether it is fast */
static inline int logit_gather_row(const double *cat, double y, double e, size_t r,
                                   const logit_gathered *out)
{
    const double *t = cat + 8 * (size_t)(long long)y; /* signed: one instruction */
    out->a[r] = t[0] - e;
    out->b[r] = t[1] - e;
    out->g[r] = t[4];
    out->lg[r] = t[5];
    out->D[r] = t[6];
    return e > t[2] && e < t[3];
}

#if defined(PARTREG_HAVE_V4)
/* rows 0..4 nq - 1; returns the number of slow rows listed */
PARTREG_AVX2_CLONE __attribute__((noinline)) static size_t
logit_gather_quads(const double *restrict cat, const double *restrict y,
                   const double *restrict eta, size_t nq, const logit_gathered *out)
{
    double *restrict a = out->a, *restrict b = out->b, *restrict g = out->g;
    double *restrict lg = out->lg, *restrict D = out->D, *restrict slow = out->slow;
    size_t nslow = 0;
    for (size_t r = 0; r < 4 * nq; r += 4) {
        const double *t0 = cat + 8 * (size_t)(long long)y[r];
        const double *t1 = cat + 8 * (size_t)(long long)y[r + 1];
        const double *t2 = cat + 8 * (size_t)(long long)y[r + 2];
        const double *t3 = cat + 8 * (size_t)(long long)y[r + 3];
        /* the rows' records, then their columns: lo, hi, emin, emax; g, log g, D */
        partreg_v4 r0[4] = {PARTREG_V4C(t0), PARTREG_V4C(t1), PARTREG_V4C(t2), PARTREG_V4C(t3)};
        partreg_v4 r1[4] = {PARTREG_V4C(t0 + 4), PARTREG_V4C(t1 + 4), PARTREG_V4C(t2 + 4),
                            PARTREG_V4C(t3 + 4)};
        partreg_v4 c0[4], c1[4];
        partreg_v4_transpose(r0, c0);
        partreg_v4_transpose(r1, c1);
        partreg_v4 e = PARTREG_V4C(eta + r);
        PARTREG_V4(a + r) = c0[0] - e;
        PARTREG_V4(b + r) = c0[1] - e;
        PARTREG_V4(g + r) = c1[0];
        PARTREG_V4(lg + r) = c1[1];
        PARTREG_V4(D + r) = c1[2];
        partreg_v4i fast = (e > c0[2]) & (e < c0[3]);
        if (fast[0] & fast[1] & fast[2] & fast[3])
            continue;
        for (size_t i = 0; i < 4; i++)
            if (!fast[i])
                slow[nslow++] = (double)(r + i);
    }
    return nslow;
}
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(PARTREG_NO_CLONES)
#define LOGIT_GATHER_512 1
/* Up to 8 categories, with AVX-512 (F and DQ, checked at run time): each
 * field of the category records is one 8-lane register, and a row's entry
 * is one lane permute away (vpermpd, the lane chosen by the row's code):
 * eight rows take one conversion of their codes, seven permutes, two
 * subtractions and two comparisons, where the quads above load and
 * transpose two records a row. The same values (copies, and the same
 * subtractions), so the same bits. Rows 0..8 no - 1; returns the number
 * of slow rows listed. */
#define GATHER_512_MAX_J 8

__attribute__((target("avx512f,avx512dq"), noinline)) static size_t
logit_gather_octets(const double *restrict cat, size_t J, const double *restrict y,
                    const double *restrict eta, size_t no, const logit_gathered *out)
{
    double tab[7][GATHER_512_MAX_J]; /* field f of category c (7 of the 8: not the zero) */
    for (size_t f = 0; f < 7; f++)
        for (size_t c = 0; c < GATHER_512_MAX_J; c++)
            tab[f][c] = cat[8 * (c < J ? c : 0) + f];
    __m512d lo = _mm512_loadu_pd(tab[0]), hi = _mm512_loadu_pd(tab[1]);
    __m512d emin = _mm512_loadu_pd(tab[2]), emax = _mm512_loadu_pd(tab[3]);
    __m512d g = _mm512_loadu_pd(tab[4]), lg = _mm512_loadu_pd(tab[5]);
    __m512d D = _mm512_loadu_pd(tab[6]);
    double *slow = out->slow;
    size_t nslow = 0;
    for (size_t r = 0; r < 8 * no; r += 8) {
        __m512i idx = _mm512_cvttpd_epi64(_mm512_loadu_pd(y + r));
        __m512d e = _mm512_loadu_pd(eta + r);
        _mm512_storeu_pd(out->a + r, _mm512_sub_pd(_mm512_permutexvar_pd(idx, lo), e));
        _mm512_storeu_pd(out->b + r, _mm512_sub_pd(_mm512_permutexvar_pd(idx, hi), e));
        _mm512_storeu_pd(out->g + r, _mm512_permutexvar_pd(idx, g));
        _mm512_storeu_pd(out->lg + r, _mm512_permutexvar_pd(idx, lg));
        _mm512_storeu_pd(out->D + r, _mm512_permutexvar_pd(idx, D));
        /* e > emin and e < emax, false for NaN (as the scalar test) */
        __mmask8 fast = _mm512_cmp_pd_mask(e, _mm512_permutexvar_pd(idx, emin), _CMP_GT_OQ) &
                        _mm512_cmp_pd_mask(e, _mm512_permutexvar_pd(idx, emax), _CMP_LT_OQ);
        if (fast == 0xFF)
            continue;
        for (size_t i = 0; i < 8; i++)
            if (!((fast >> i) & 1))
                slow[nslow++] = (double)(r + i);
    }
    return nslow;
}

static int have_avx512dq(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}
#endif

/* the gather of rows 0..m-1 of J categories; returns the number of slow
 * rows listed */
static size_t logit_gather(const double *cat, size_t J, const double *y, const double *eta,
                           size_t m, const logit_gathered *out)
{
    size_t nslow = 0, r = 0;
    (void)J; /* read by the AVX-512 route only */
#if defined(LOGIT_GATHER_512)
    if (J <= GATHER_512_MAX_J && have_avx512dq()) {
        nslow = logit_gather_octets(cat, J, y, eta, m / 8, out);
        r = m / 8 * 8;
    } else
#endif
    {
#if defined(PARTREG_HAVE_V4)
        nslow = logit_gather_quads(cat, y, eta, m / 4, out);
        r = m / 4 * 4;
#endif
    }
    for (; r < m; r++)
        if (!logit_gather_row(cat, y[r], eta[r], r, out))
            out->slow[nslow++] = (double)r;
    return nslow;
}

/* Scratch of the logit pass: the per-pass table, per-call sums, then
 * per-chunk rows. */
typedef struct logit_scratch {
    double *built; /* 1: cat holds the records of the thresholds in key */
    double *key;   /* J - 1: the thresholds cat was made for */
    double *cat;   /* 8 J: the category records (logit_gather) */
    double *tot;   /* 5 J: the per-category totals (logit_accumulate) */
    double *sums; /* lanes of the per-category sums (partreg_category_sums_add):
                   * 8 J x 2 in the gradient pass, 8 J x 5 in the information pass */
    double *T;    /* (J + 1) x ldt: per cut slot, the rows times their f */
    size_t ldt;
    double *tsum; /* 2 ldt: scratch of partreg_rows_category_sums */
    size_t *lists, *counts; /* J (chunk + 8), J: the rows listed by category */
    double *eta;                                /* chunk */
    logit_gathered gt;                          /* chunk each */
    logit_rows o;                               /* chunk each */
    double *zp, *zn, *gather;                   /* chunk x pk each */
} logit_scratch;

/* doubles that hold n size_t entries (the category lists) */
static size_t idx_doubles(size_t n)
{
    return (n * sizeof(size_t) + sizeof(double) - 1) / sizeof(double);
}

static size_t logit_scratch_doubles(size_t J, size_t p1, size_t chunk)
{
    size_t kp = partreg_v4_width(p1);
    return J + 8 * J + PARTREG_CATEGORY_MAX_ARRAYS * J +
           PARTREG_CATEGORY_LANES * PARTREG_CATEGORY_MAX_ARRAYS * J + (J + 3) * kp +
           idx_doubles(J * (chunk + PARTREG_CATEGORY_LANES) + J) + chunk * (15 + 3 * p1);
}

static void logit_scratch_carve(double *s, size_t J, size_t p1, size_t chunk, logit_scratch *ls)
{
    ls->built = s; /* scratch[0]: 0 at a pass's first call (objective.h) */
    ls->key = s + 1;
    s += J;
    ls->cat = s;
    s += 8 * J;
    ls->tot = s;
    s += PARTREG_CATEGORY_MAX_ARRAYS * J;
    ls->sums = s;
    s += PARTREG_CATEGORY_LANES * PARTREG_CATEGORY_MAX_ARRAYS * J;
    ls->T = s;
    ls->ldt = partreg_v4_width(p1);
    s += (J + 1) * ls->ldt;
    ls->tsum = s;
    s += 2 * ls->ldt;
    ls->lists = (size_t *)(void *)s;
    ls->counts = ls->lists + J * (chunk + PARTREG_CATEGORY_LANES);
    s += idx_doubles(J * (chunk + PARTREG_CATEGORY_LANES) + J);
    double **row[] = {&ls->eta,  &ls->gt.a,  &ls->gt.b,  &ls->gt.g,  &ls->gt.lg,
                      &ls->gt.D, &ls->gt.slow, &ls->o.wl, &ls->o.wda, &ls->o.wdb,
                      &ls->o.qab, &ls->o.wfa, &ls->o.wfb, &ls->o.hw,  &ls->o.gw};
    for (size_t i = 0; i < sizeof row / sizeof *row; i++, s += chunk)
        *row[i] = s;
    ls->zp = s;
    ls->zn = s + chunk * p1;
    ls->gather = s + 2 * chunk * p1;
}

/* Whether the threshold-beta sums of pk predictors also give each
 * category's sums of wfa and wfb (entry pk of their slots): with a spare
 * lane in the padded rows. Else the category sums take them. */
static int logit_totals(size_t pk) { return pk > 0 && partreg_rows_category_totals(pk); }

/* one chunk of the logit pass */
static void logit_chunk(const partreg_design *d, const double *theta, size_t i0, size_t m,
                        const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                        const logit_scratch *ls)
{
    size_t pk = d->pk, J = d->J;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    const double *y = d->y + i0, *w = d->w ? d->w + i0 : NULL;
    double *eta = ls->eta;
    const logit_rows *o = &ls->o;
    partreg_prefetch_lines(y, m);
    partreg_prefetch_lines(w, m);
    partreg_rows_dot(xb, lda, pk, theta, m, eta);
    const logit_gathered *gt = &ls->gt;
    size_t nslow = logit_gather(ls->cat, J, y, eta, m, gt);
    if (order == PARTREG_ORDER_VALUE)
        logit_values(gt->a, gt->b, gt->lg, gt->D, w, m, o->wl);
    else if (!info)
        logit_grad(gt->a, gt->b, gt->g, gt->lg, gt->D, w, m, o->wl, o->gw, o->wda, o->wdb,
                   o->wfa, o->wfb); /* wfa, wfb: scratch in this pass */
    else
        logit_full(gt->a, gt->b, gt->g, gt->lg, gt->D, w, m, o->wl, o->gw, o->hw, o->wda,
                   o->wdb, o->qab, o->wfa, o->wfb);
    for (size_t s = 0; s < nslow; s++) { /* the general route */
        size_t r = (size_t)gt->slow[s];
        double wr = w ? w[r] : 1.0;
        partreg_ordinal_terms t = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        if (wr != 0.0)
            partreg_ordinal_row_terms(d->link, gt->a[r], gt->b[r], &t);
        o->wl[r] = wr * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double geta = -(t.da + t.db), heta = -wr * (t.daa + 2.0 * t.dab + t.dbb);
        o->wda[r] = wr * t.da;
        o->wdb[r] = wr * t.db;
        o->gw[r] = wr * geta;
        o->qab[r] = wr * t.dab;
        o->wfa[r] = -wr * (t.daa + t.dab);
        o->wfb[r] = -wr * (t.dab + t.dbb);
        o->hw[r] = heta;
        if (info && (!isfinite(heta) || !isfinite(geta)))
            acc->nonfinite = 1;
    }
    double ll = partreg_vm_sum16(o->wl, m);
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* per-category sums of the threshold terms (logit_accumulate folds
     * them into per-cut ones) */
    if (!info) {
        const double *v[] = {o->wda, o->wdb};
        partreg_category_sums_add(y, m, J, v, 2, ls->sums, NULL, NULL);
    } else {
        /* wfa and wfb by category here only where the threshold-beta sums
         * cannot take them (logit_totals) */
        const double *v[] = {o->wda, o->qab, o->wdb, o->wfa, o->wfb};
        partreg_category_sums_add(y, m, J, v, logit_totals(pk) ? 3 : 5, ls->sums, ls->lists,
                                  ls->counts);
        /* with predictors the finished sums tell (logit_accumulate) */
        if (pk == 0 && !logit_rows_finite(o->gw, o->hw, m))
            acc->nonfinite = 1;
    }
    if (!info) {
        partreg_rows_weighted_sum(xb, lda, pk, o->gw, m, acc->grad);
        return;
    }
    /* threshold-beta: slot c += wfa x (lower cut), slot c + 1 += wfb x */
    partreg_rows_category_sums(xb, lda, pk, logit_totals(pk), m, J, ls->lists, ls->counts,
                               o->wfa, o->wfb, ls->tsum, ls->T, ls->ldt);
    /* the beta gradient with the beta block, from the same reads of the rows */
    if (pk)
        partreg_info_add(acc->info, pk + J - 1, pk, xb, lda, o->hw, o->gw, acc->grad, m, ls->zp,
                         ls->zn);
}

/* Whether the beta gradient and the diagonal of the beta-beta block are
 * finite: a row's non-finite gw reaches every gradient entry (g x_c, and
 * an infinity times x_c = 0 is NaN), a non-finite hw every diagonal one
 * (x_a (h x_a)), so these 2 pk entries tell about all the rows'. (The
 * whole triangle would cost a few per cent of the pass at p = 50.) */
static int beta_sums_finite(const partreg_accum *acc, size_t pk, size_t k)
{
    double s = 0.0;
    for (size_t a = 0; a < pk; a++)
        s += acc->grad[a] + acc->info[a * k + a];
    return isfinite(s);
}

/* The category records of the logit pass for thresholds thr (J - 1):
 * cat + 8 c = (lo, hi, emin, emax), (g, log g, D, 0) (logit_gather). */
static void logit_category_records(const double *thr, size_t J, double *cat)
{
    for (size_t c = 0; c < J; c++) {
        double lo = c == 0 ? -INFINITY : thr[c - 1], hi = c == J - 1 ? INFINITY : thr[c];
        double *rec = cat + 8 * c; /* (lo, hi, emin, emax), (g, log g, D, 0) */
        rec[0] = lo;
        rec[1] = hi;
        /* g_c = 1 - exp(theta_{c-1} - theta_c), D_c = exp(theta_{c-1} - theta_c);
         * g <= 0 (not increasing) or D subnormal: general route */
        int outer = c == 0 || c == J - 1;
        double g = outer ? 1.0 : -expm1(lo - hi), D = outer ? 0.0 : exp(lo - hi);
        rec[4] = g;
        rec[5] = g > 0 ? log(g) : 0.0;
        rec[6] = D;
        rec[7] = 0.0;
        /* |a| < FAST_LIMIT (or a = -inf) and the same for b, as an interval of eta */
        double emin = c == J - 1 ? lo - FAST_LIMIT : hi - FAST_LIMIT;
        double emax = c == 0 ? hi + FAST_LIMIT : lo + FAST_LIMIT;
        int fast = g > 0 && (outer || D >= DBL_MIN);
        rec[2] = fast ? emin : INFINITY;
        rec[3] = fast ? emax : -INFINITY;
    }
}

static void logit_accumulate(const partreg_design *d, const double *theta, size_t begin,
                             size_t end, partreg_order order, partreg_accum *acc, double *scratch)
{
    size_t pk = d->pk, J = d->J, k = pk + J - 1, p1 = pk ? pk : 1, chunk = CHUNK_ROWS(p1);
    const double *thr = theta + pk;
    logit_scratch ls;
    logit_scratch_carve(scratch, J, p1, chunk, &ls);
    /* The records depend on the thresholds alone: made at a member's first
     * call of a pass and kept for its others (5 J calls of exp, expm1 and
     * log per block would be a per cent or two of a pass). */
    if (!(*ls.built == 1.0 && memcmp(ls.key, thr, (J - 1) * sizeof *thr) == 0)) {
        logit_category_records(thr, J, ls.cat);
        memcpy(ls.key, thr, (J - 1) * sizeof *thr);
        *ls.built = 1.0;
    }
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    /* the arrays of the per-category sums: (wda, wdb); (wda, qab, wdb)
     * and, without totals from the rows, (wfa, wfb) */
    int totals = info && logit_totals(pk);
    size_t nq = !info ? 2 : totals ? 3 : 5;
    memset(ls.sums, 0, PARTREG_CATEGORY_LANES * nq * J * sizeof *ls.sums);
    if (info)
        memset(ls.T, 0, (J + 1) * ls.ldt * sizeof *ls.T);
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, ls.gather + r * p1);
            xb = ls.gather;
            lda = p1;
        }
        logit_chunk(d, theta, b, m, xb, lda, order, acc, &ls);
    }
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* Threshold j is the lower cut of category j + 1 and the upper cut of
     * category j; the off-diagonal (j, j-1) comes from category j, whose
     * cuts they are. tot[c nq + i]: category c's sum of the i-th array. */
    double *tot = ls.tot;
    partreg_category_sums_total(ls.sums, J, nq, tot);
    /* A row's non-finite gw or hw reaches X' gw and sum hw x x' (an
     * infinity times 0 is NaN too), so with predictors the sums so far
     * tell whether there was one, and the rows need no check of their own
     * (which would cost a few per cent of the pass); a sum that overflows
     * counts too. */
    if (info && pk > 0 && !beta_sums_finite(acc, pk, k))
        acc->nonfinite = 1;
    for (size_t j = 0; j + 1 < J; j++) {
        const double *lo = tot + (j + 1) * nq, *up = tot + j * nq; /* categories j + 1, j */
        if (!info) { /* (wda, wdb) */
            acc->grad[pk + j] += lo[0] + up[1];
            continue;
        }
        /* (wda, qab, wdb[, wfa, wfb]); the sum of -w daa over category
         * j + 1 and of -w dbb over category j: their wfa and wfb (slot
         * j + 1's entry pk with totals) and their qab */
        acc->grad[pk + j] += lo[0] + up[2];
        double *row = acc->info + (pk + j) * k;
        const double *t = ls.T + (j + 1) * ls.ldt;
        double f = totals ? t[pk] : up[4] + lo[3];
        row[pk + j] += f + (lo[1] + up[1]);
        if (j > 0)
            row[pk + j - 1] -= up[1]; /* category j's own: -w dab = -qab */
        for (size_t s = 0; s < pk; s++) /* d2 logP/dtheta_j dbeta = -(d2/dtheta deta) x */
            row[s] -= t[s];
    }
}

static void ordinal_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                               partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    if (d->link == PARTREG_LOGIT) {
        logit_accumulate(d, theta, begin, end, order, acc, scratch);
        return;
    }
    size_t pk = d->pk, p1 = pk ? pk : 1, chunk = CHUNK_ROWS(p1);
    /* scratch: eta, gw (chunk each), Zp, Zn, gathered rows (chunk x pk each) */
    double *eta = scratch, *gw = eta + chunk;
    double *zp = gw + chunk, *zn = zp + chunk * p1, *gather = zn + chunk * p1;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, gather + r * p1);
            xb = gather;
            lda = p1;
        }
        ordinal_chunk(d, theta, b, m, xb, lda, order, acc, eta, gw, zp, zn);
    }
}

void partreg_ordinal_reference_row_scores(const void *model, const double *theta, size_t begin,
                                          size_t end, double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    for (size_t i = begin; i < end; i++) {
        double *s = S + (i - begin) * k;
        memset(s, 0, k * sizeof *s);
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < pk; j++)
            eta += x[j] * theta[j];
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta;
        double b = c == J - 1 ? INFINITY : thr[c] - eta;
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(d->link, a, b, &t);
        double geta = -(t.da + t.db);
        for (size_t j = 0; j < pk; j++)
            s[j] = w * geta * x[j];
        if (c > 0)
            s[pk + c - 1] = w * t.da;
        if (c < J - 1)
            s[pk + c] = w * t.db;
    }
}

static int ordinal_feasible(const void *model, const double *theta)
{
    const partreg_design *d = model;
    const double *thr = theta + d->pk;
    for (size_t j = 0; j + 1 < d->J; j++) {
        if (!isfinite(thr[j]))
            return 0;
        if (j > 0 && !(thr[j] > thr[j - 1]))
            return 0;
    }
    return 1;
}

void partreg_ordinal_objective(const partreg_design *d, partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj); /* the optional fields: none */
    obj->k = d->pk + d->J - 1;
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = ordinal_accumulate;
    obj->feasible = ordinal_feasible;
    obj->row_scores = d->link == PARTREG_LOGIT ? partreg_ordinal_logit_row_scores
                                               : partreg_ordinal_reference_row_scores;
    size_t p1 = d->pk ? d->pk : 1, scores = partreg_score_rows_scratch(d->pk, d->J);
    /* the logit pass needs more than the general one (2 + 3 p1 per chunk row) */
    obj->scratch_doubles = logit_scratch_doubles(d->J, p1, CHUNK_ROWS(p1));
    if (obj->scratch_doubles < scores)
        obj->scratch_doubles = scores;
    obj->team = NULL;
    obj->group_start = NULL;
    obj->n_groups = 0;
    obj->segment_start = NULL;
    obj->n_segments = 0;
    obj->pass = NULL;
    obj->info_derivative = NULL;
    obj->glm_rows = NULL;
    obj->penalty = NULL;
}

/* Weighted count of each level into W[J]; returns the total. */
static double level_weights(const partreg_design *d, double *W)
{
    memset(W, 0, d->J * sizeof *W);
    double total = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double w = partreg_design_weight(d, i);
        W[(size_t)d->y[i]] += w;
        total += w;
    }
    return total;
}

void partreg_ordinal_start(const partreg_design *d, double *theta)
{
    double W[d->J];
    double total = level_weights(d, W);
    partreg_ordinal_start_from(d, W, total, theta);
}

void partreg_ordinal_start_from(const partreg_design *d, const double *W, double total,
                                double *theta)
{
    size_t J = d->J;
    memset(theta, 0, d->pk * sizeof *theta);
    double cum = 0.0;
    for (size_t j = 0; j + 1 < J; j++) {
        cum += W[j];
        theta[d->pk + j] = partreg_link_quantile(d->link, cum / total);
    }
}

double partreg_ordinal_null_loglik(const double *W, size_t J, double total)
{
    double ll = 0.0;
    for (size_t j = 0; j < J; j++)
        if (W[j] > 0)
            ll += W[j] * log(W[j] / total);
    return ll;
}

void partreg_ordinal_probs(partreg_link link, double eta, const double *thr, size_t J,
                           double *probs)
{
    for (size_t c = 0; c < J; c++) {
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta;
        double b = c == J - 1 ? INFINITY : thr[c] - eta;
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(link, a, b, &t);
        probs[c] = exp(t.logp);
    }
}

void partreg_ordinal_cumprobs(partreg_link link, double eta, const double *thr, size_t J,
                              double *cum)
{
    for (size_t j = 0; j + 1 < J; j++)
        cum[j] = partreg_link_cdf(link, thr[j] - eta);
}

/* ---- the model table ------------------------------------------------------ */

static partreg_status cumulative_init(partreg_model *m, const partreg_model_spec *spec,
                                      partreg_error *err)
{
    (void)spec;
    if (m->J < 3)
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "an ordinal model needs at least 3 outcome levels (got %zu); "
                                 "for two levels fit the binary model",
                                 m->J);
    if (m->J > m->n) /* before the layout's J - 1 entries are allocated */
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "the outcome has %zu levels but there are only %zu rows; every "
                                 "level needs observations",
                                 m->J, m->n);
    m->nout = m->J;
    if (partreg_layout_add_columns(&m->layout, "beta", PARTREG_PARAM_COEFFICIENT, m->p) !=
            PARTREG_OK ||
        partreg_layout_add_cuts(&m->layout, "theta", PARTREG_PARAM_THRESHOLD, m->J) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

/* Every level observed, and at least three of them. */
static partreg_status cumulative_check_outcome(const partreg_model *m,
                                               const partreg_outcome_totals *tot,
                                               const char *const *level_names, partreg_error *err)
{
    const double *W = tot->W;
    size_t J = m->J, observed = 0;
    for (size_t j = 0; j < J; j++)
        observed += W[j] > 0;
    if (observed < 3)
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "only %zu of the outcome levels are observed; an ordinal model "
                                 "needs at least 3 (for two, fit the binary model)",
                                 observed);
    for (size_t j = 0; j < J; j++) {
        if (W[j] > 0)
            continue;
        char num[32];
        snprintf(num, sizeof num, "%zu", j);
        return partreg_error_set_index(
            err, PARTREG_EONECLASS, (long)j,
            "outcome level '%s' has no observations, so its threshold cannot be estimated; "
            "drop it from --levels or merge it with a neighbouring level",
            level_names ? level_names[j] : num);
    }
    return PARTREG_OK;
}

static void cumulative_start(const partreg_model *m, const partreg_design *d,
                             const partreg_outcome_totals *tot, const partreg_intercept *ic,
                             double *theta)
{
    (void)m;
    (void)ic;
    partreg_ordinal_start_from(d, tot->W, tot->sum_w, theta);
}

static double cumulative_null(const partreg_model *m, const partreg_outcome_totals *tot,
                              const partreg_intercept *ic, size_t *k_null)
{
    (void)ic;
    *k_null = m->J - 1;
    return partreg_ordinal_null_loglik(tot->W, m->J, tot->sum_w);
}

static void cumulative_objective_of(const partreg_model *m, const partreg_design *d,
                                    partreg_objective *obj)
{
    (void)m;
    partreg_ordinal_objective(d, obj);
}

/* scratch: prob, f and f' at each cut (J each) */
static size_t cumulative_predict_scratch(const partreg_model *m) { return 3 * m->J; }

static double coefficient_eta(const partreg_model *m, const double *par, const double *x)
{
    double eta = 0.0;
    for (size_t c = 0; c < m->p; c++)
        if (par[c] != 0.0)
            eta += par[c] * x[c];
    return eta;
}

/* Category probabilities P_j = F(theta_j - eta) - F(theta_{j-1} - eta)
 * into prob and the densities at the cuts into fc, from one link
 * evaluation per cut. Each difference is taken in the tail where it is
 * accurate (F below the median, S = 1 - F above it), as
 * partreg_ordinal_row_terms() chooses its form of log P; the values agree
 * with exp(log P) of that route to a few ulp. */
static void cut_probs(partreg_link link, double eta, const double *thr, size_t J, double *prob,
                      double *fc)
{
    size_t nc = J - 1;
    double Fa = 0.0, Sa = 1.0, a = -INFINITY; /* the cut below category j */
    for (size_t j = 0; j <= nc; j++) {
        double b = INFINITY, Fb = 1.0, Sb = 0.0;
        if (j < nc) {
            b = thr[j] - eta;
            partreg_link_probs(link, b, &Fb, &Sb, &fc[j]);
        }
        if (j == nc)
            prob[j] = Sa;
        else if (a >= 0)
            prob[j] = Sa - Sb;
        else
            prob[j] = Fb - Fa; /* j = 0: F(b) */
        a = b;
        Fa = Fb;
        Sa = Sb;
    }
}

/* With A_j = theta_{j-1} - eta, B_j = theta_j - eta (f = f' = 0 at the
 * infinite outer cuts) and g = beta'dx:
 *   P_j:  dP_j/dbeta = -(f(B_j) - f(A_j)) x,
 *         dP_j/dtheta_j = f(B_j), dP_j/dtheta_{j-1} = -f(A_j);
 *   D_j = -(f(B_j) - f(A_j)) g:
 *         dD_j/dbeta = (f'(B_j) - f'(A_j)) g x - (f(B_j) - f(A_j)) dx,
 *         dD_j/dtheta_j = -f'(B_j) g, dD_j/dtheta_{j-1} = f'(A_j) g. */
static void cumulative_predict(const partreg_model *m, const double *par, const double *x,
                               const double *dx, double w, double *out, double *dout,
                               double *scratch)
{
    size_t p = m->p, J = m->J, K = m->layout.K;
    const double *thr = par + p;
    double *prob = scratch, *fc = prob + J, *fpc = fc + J;
    double eta = coefficient_eta(m, par, x);
    if (!dx) {
        cut_probs(m->link, eta, thr, J, prob, fc);
        for (size_t j = 0; j < J; j++) {
            int has_a = j > 0, has_b = j + 1 < J;
            double fA = has_a ? fc[j - 1] : 0.0, fB = has_b ? fc[j] : 0.0;
            out[j] += w * prob[j];
            if (!dout)
                continue;
            double *row = dout + j * K;
            for (size_t c = 0; c < p; c++)
                row[c] += -w * (fB - fA) * x[c];
            if (has_b)
                row[p + j] += w * fB;
            if (has_a)
                row[p + j - 1] -= w * fA;
        }
        return;
    }
    double g = coefficient_eta(m, par, dx);
    for (size_t j = 0; j + 1 < J; j++)
        partreg_link_density(m->link, thr[j] - eta, &fc[j], &fpc[j]);
    for (size_t j = 0; j < J; j++) {
        int has_a = j > 0, has_b = j + 1 < J;
        double fA = has_a ? fc[j - 1] : 0.0, fpA = has_a ? fpc[j - 1] : 0.0;
        double fB = has_b ? fc[j] : 0.0, fpB = has_b ? fpc[j] : 0.0;
        double df = fB - fA, dfp = fpB - fpA;
        out[j] += w * (-df * g);
        if (!dout)
            continue;
        double *row = dout + j * K;
        for (size_t c = 0; c < p; c++)
            row[c] += w * (dfp * g * x[c] - df * dx[c]);
        if (has_b)
            row[p + j] += w * (-fpB * g);
        if (has_a)
            row[p + j - 1] += w * (fpA * g);
    }
}

static void cumulative_cumprobs(const partreg_model *m, const double *par, const double *x,
                                double *cum)
{
    partreg_ordinal_cumprobs(m->link, coefficient_eta(m, par, x), par + m->p, m->J, cum);
}

static const partreg_model_ops cumulative_ops = {
    .name = "cumulative",
    .title = "Ordinal (cumulative-link)",
    .html_equation = "Cumulative-link model P(Y \xe2\x89\xa4 j) = F(\xce\xb8<sub>j</sub> "
                     "\xe2\x88\x92 x\xe2\x80\xb2\xce\xb2): a positive coefficient moves "
                     "probability towards higher levels of the outcome. ",
    .html_odds_ratio = "Odds ratios are exp(coefficient): the proportional odds of a higher rather "
                       "than a lower outcome level for a one-unit increase (or against the "
                       "reference level). ",
    .family = PARTREG_ORDINAL,
    .traits = PARTREG_TRAIT_THRESHOLDS,
    .init = cumulative_init,
    .release = NULL,
    .check_outcome = cumulative_check_outcome,
    .start = cumulative_start,
    .null_loglik = cumulative_null,
    .objective = cumulative_objective_of,
    .predict_scratch = cumulative_predict_scratch,
    .predict = cumulative_predict,
    .cumulative = cumulative_cumprobs,
};

const partreg_model_ops *partreg_model_cumulative(void) { return &cumulative_ops; }
