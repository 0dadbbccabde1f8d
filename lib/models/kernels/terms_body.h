/* The per-row terms loops of the logit fast paths, compiled once per
 * target (terms_base.c, terms_avx2.c, terms_avx512.c, each defining
 * PARTREG_TERMS_SUFFIX and PARTREG_TERMS_TARGET before including this
 * file): the binary pass's terms (binary_pass.c), those of the Brant
 * test's cut fits (the binary logit of an ordinal outcome's cut,
 * lib/inference/brant_cuts.c; tests/test_brant_routes.c holds them to
 * binary_logit's bits), the ordinal logit pass's (ordinal_pass.c, which
 * says how the pass uses them) and those of the nominal-effects pass
 * (nominal_sums.c).
 *
 * Contract: every copy gives the same bits (straight-line IEEE
 * arithmetic, no fused multiply-adds: -ffp-contract=off, and vmath.h's
 * exp and log1p instead of libm's, which picks FMA code by the CPU). The
 * terms are the models' definitions in closed form for the logit link:
 * against the reference routes' per-row terms (partreg_link_binary_terms,
 * partreg_ordinal_row_terms, nominal_scale.c's) they agree to a few ulps per row (vmath.h's
 * exp and log1p are within 1 ulp of libm's; the closed forms have no
 * cancellation, tests/test_ordinal_tails.c checks them against long
 * double), so a pass's sums agree with the reference route's to rounding
 * (tests/test_speed_paths.c: 1e-12 of the largest entry).
 *
 * Each loop is a function of its own, never inlined into its caller: in
 * the caller, whose row arrays all come from one scratch block, gcc loses
 * the restrict qualifiers and does not vectorise. The AVX2 and AVX-512
 * copies take four and eight rows per instruction instead of two. */
/* gcc 12 at -O2 keeps these loops scalar unless it may use -O3's
 * vectoriser cost model and does not thread jumps through the loop body
 * (which splits it into paths); neither changes a value. Guarded so
 * clang-based tools never see gcc-only options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "models/kernels/terms.h"
#include "models/kernels/vmath.h"

#define TERMS_CAT2(a, b) a##_##b
#define TERMS_CAT(a, b) TERMS_CAT2(a, b)
#define TERMS_TABLE TERMS_CAT(partreg_terms, PARTREG_TERMS_SUFFIX)

#if defined(__GNUC__)
#define ROW_LOOP PARTREG_TERMS_TARGET __attribute__((noinline)) static
#else
#define ROW_LOOP static
#endif

/* ---- binary ---------------------------------------------------------------- */

/* Logit terms of one row, branch-free: with e = exp(-|eta|) and
 * lp = log1p(e) (vmath.h), F and S = 1 - F are 1/(1+e) and e/(1+e) by the
 * sign of eta (S is never formed as 1 - F),
 *   l = log P(y) = -lp - max(0, (1 - 2y) eta),   d = y - F (S or -F),
 *   h = F S (observed = expected information for the canonical link).
 * Outputs wl = w l (0 when w = 0), gw = w d and hw = w h. */
PARTREG_VM_INLINE void binary_logit_row(double x, double e, double y, double w, double *wl,
                                        double *gw, double *hw)
{
    double big = 1.0 / (1.0 + e), small = e * big;
    double lp = partreg_vm_log1p(e, big);
    double F = x >= 0 ? big : small, S = x >= 0 ? small : big;
    int one = y != 0.0;
    double t = one ? -x : x;
    double l = -lp - (t > 0 ? t : 0.0), wlr = w * l;
    *wl = w != 0.0 ? wlr : 0.0;
    *gw = w * (one ? S : -F);
    *hw = w * (F * S);
}

/* binary_logit_row over a chunk of m rows (w = NULL: unit weights). The exps go
 * first, in a loop of their own, into hw: each row's exp, log1p and
 * division form one long chain of dependent operations (about 200 cycles
 * for a vector of four rows with the polynomials by Horner's rule, fewer
 * with vmath.h's shorter chains), and the out-of-order core overlaps only
 * as many rows as its reorder buffer holds instructions of; a short loop
 * fits more of them. The values are the
 * same. Returns sum w l, summed after the loop (a sum inside it would keep
 * it scalar) in sixteen stripes (partreg_vm_sum16). */
ROW_LOOP double binary_logit_terms(const double *restrict eta, const double *restrict y,
                                   const double *restrict w, size_t m, double *restrict wl,
                                   double *restrict gw, double *restrict hw)
{
    for (size_t r = 0; r < m; r++)
        hw[r] = partreg_vm_exp(-fabs(eta[r]));
    if (w)
        for (size_t r = 0; r < m; r++)
            binary_logit_row(eta[r], hw[r], y[r], w[r], wl + r, gw + r, hw + r);
    else
        for (size_t r = 0; r < m; r++)
            binary_logit_row(eta[r], hw[r], y[r], 1.0, wl + r, gw + r, hw + r);
    return partreg_vm_sum16(wl, m);
}

/* F, S, gw and hw of binary_logit_row at unit weight for the outcome
 * 1{y > j} at eta + a (eta overwritten with it), without its log1p: the
 * exps first in a loop of their own (into hw), as above. */
ROW_LOOP void binary_logit_cut(double *restrict eta, double a, const double *restrict y,
                               double j, size_t m, double *restrict F, double *restrict S,
                               double *restrict gw, double *restrict hw, double *restrict sums)
{
    for (size_t r = 0; r < m; r++) {
        double x = eta[r] + a;
        eta[r] = x;
        hw[r] = partreg_vm_exp(-fabs(x));
    }
    for (size_t r = 0; r < m; r++) {
        double x = eta[r], e = hw[r];
        double big = 1.0 / (1.0 + e), small = e * big;
        double Fr = x >= 0 ? big : small, Sr = x >= 0 ? small : big;
        F[r] = Fr;
        S[r] = Sr;
        gw[r] = y[r] > j ? Sr : -Fr;
        hw[r] = Fr * Sr;
    }
    sums[0] = partreg_vm_sum16(gw, m);
    sums[1] = partreg_vm_sum16(hw, m);
}

/* binary_logit_terms at unit weights for the outcome 1{y > j} at eta + a
 * (eta overwritten with it). */
ROW_LOOP double binary_logit_cut_value(double *restrict eta, double a, const double *restrict y,
                                       double j, size_t m, double *restrict wl,
                                       double *restrict gw, double *restrict hw,
                                       double *restrict sums)
{
    for (size_t r = 0; r < m; r++) {
        double x = eta[r] + a;
        eta[r] = x;
        hw[r] = partreg_vm_exp(-fabs(x));
    }
    for (size_t r = 0; r < m; r++)
        binary_logit_row(eta[r], hw[r], y[r] > j ? 1.0 : 0.0, 1.0, wl + r, gw + r, hw + r);
    sums[0] = partreg_vm_sum16(gw, m);
    sums[1] = partreg_vm_sum16(hw, m);
    return partreg_vm_sum16(wl, m);
}

/* ---- cumulative-link ------------------------------------------------------- */

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

/* value only, w = NULL: unit weights */
ROW_LOOP void ordinal_logit_values(const double *restrict a, const double *restrict b,
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
 * of them (binary_logit_terms above likewise). The values are the same. */
ROW_LOOP void ordinal_logit_full(const double *restrict a, const double *restrict b,
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
ROW_LOOP int ordinal_logit_finite(const double *restrict gw, const double *restrict hw,
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
ROW_LOOP void ordinal_logit_grad(const double *restrict a, const double *restrict b,
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

/* ---- nominal effects (nominal_sums.c) ------------------------------------- */

/* Cut points within this of 0 take the closed forms (as the ordinal pass). */
#define NOMINAL_FAST_LIMIT 600.0
/* D = exp(a - b) below this: 1 - D keeps its digits. */
#define NOMINAL_D_LIMIT 0.5

/* The closed-form logit terms of rows whose cut points are within
 * NOMINAL_FAST_LIMIT of 0 (the outermost -inf or +inf allowed) and whose
 * D = exp(a - b) is below NOMINAL_D_LIMIT and normal (or 0 at an outermost
 * category): e = exp(-|.|) of the nearer cut from one exp, of the farther
 * as D E (same signs) or D / E (a < 0 < b), both within 2 ulps; log F(b) +
 * log S(a) = min(b, 0) - max(a, 0) - log1p(e_a + e_b + e_a e_b) (as above);
 * log g = -log1p(D / g). Weighted outputs; the other rows get garbage here
 * and their values from the general route after. */
ROW_LOOP void nominal_logit_rows(const double *restrict a, const double *restrict b,
                                const double *restrict w, size_t m, double *restrict lp,
                                double *restrict da, double *restrict db,
                                double *restrict daa, double *restrict dab,
                                double *restrict dbb, double *restrict ok)
{
    for (size_t r = 0; r < m; r++) {
        double ar = a[r], br = b[r], fa = fabs(ar), fb = fabs(br);
        int near_a = fa <= fb;
        double E = partreg_vm_exp(-(near_a ? fa : fb));
        double D = partreg_vm_exp(ar - br);
        double mixed = ar < 0.0 && br > 0.0 ? D / E : D * E;
        double ea = near_a ? E : mixed, eb = near_a ? mixed : E;
        double Fa, Sa, Fb, Sb;
        logit_cut(ar, ea, &Fa, &Sa);
        logit_cut(br, eb, &Fb, &Sb);
        double inv_u = (1.0 / (1.0 + ea)) * (1.0 / (1.0 + eb));
        double L = partreg_vm_log1p3((ea + eb) + ea * eb, inv_u);
        double logfs = ((br < 0.0 ? br : 0.0) - (ar > 0.0 ? ar : 0.0)) - L;
        double g = 1.0 - D, ig = 1.0 / g, q = D * ig;
        double logg = -partreg_vm_log1p(q, g);
        double q2 = q * ig, wr = w[r];
        double lpr = wr * (logfs + logg);
        lp[r] = wr != 0.0 ? lpr : 0.0;
        da[r] = wr * (-Fa - q);
        db[r] = wr * (Sb + q);
        daa[r] = wr * (-(Fa * Sa) - q2);
        dbb[r] = wr * (-(Fb * Sb) - q2);
        dab[r] = wr * q2;
        int inner = ar > -INFINITY && br < INFINITY;
        int cuts_ok = (ar > -INFINITY ? fa < NOMINAL_FAST_LIMIT : 1) && (br < INFINITY ? fb < NOMINAL_FAST_LIMIT : 1);
        int d_ok = !inner || (D < NOMINAL_D_LIMIT && D >= DBL_MIN);
        ok[r] = cuts_ok && d_ok ? 1.0 : 0.0;
    }
}

const partreg_terms *TERMS_TABLE(void)
{
    static const partreg_terms table = {
        binary_logit_terms, binary_logit_cut,   binary_logit_cut_value, ordinal_logit_values,
        ordinal_logit_grad, ordinal_logit_full, ordinal_logit_finite,   nominal_logit_rows};
    return &table;
}
