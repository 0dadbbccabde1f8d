/* The marginal log-likelihood of a random-intercept model by adaptive
 * Gauss-Hermite quadrature, with its exact gradient and observed
 * information (the derivatives of the approximation itself, the
 * conditional mode and curvature moving with the parameters).
 *
 * Group g, rows i in g with case weights w_i, parameters psi = (beta,
 * theta, tau = log sigma), lambda = exp(-2 tau) = 1 / sigma^2:
 *
 *   k(u) = sum_i w_i l_i(u) - lambda u^2 / 2,     l_i(u) = log P_i(u)
 *   u^ = argmax k,  c = -k''(u^),  s = c^(-1/2),  u_q = u^ + s x_q
 *   log L_g = -tau + log s + log sum_q W_q exp(k(u_q) + x_q^2 / 2)
 *
 * with (x_q, W_q) the Q-point Gauss-Hermite rule for the standard normal
 * density (Q = 1: the Laplace approximation). The mode equation
 * k_u(u^; psi) = 0 makes u^ and c functions of psi:
 *
 *   du^ = k_up / c,            dc = -(k_uup + k_uuu du^),
 *   d2u^ = (K_upp + k_uup du^' + du^ k_uup' + k_uuu du^ du^') / c,
 *   d2c = -(K_uupp + k_uuup du^' + du^ k_uuup' + k_uuuu du^ du^' + k_uuu d2u^)
 *
 * (subscripts: partial derivatives of k at u^; p = psi; K_ matrices). With
 * h_q = k(u_q; psi), du_q = du^ + x_q ds, omega_q the normalised terms of
 * the sum and dbar = sum_q omega_q dh_q:
 *
 *   dh_q = k_p(u_q) + k_u(u_q) du_q
 *   d log L_g = -e_tau - dc / (2c) + dbar
 *   d2 log L_g = dc dc' / (2 c^2) - d2c / (2c)
 *              + sum_q omega_q d2h_q + sum_q omega_q dh_q dh_q' - dbar dbar'
 *   d2h_q = k_pp(u_q) + k_up(u_q) du_q' + du_q k_up(u_q)'
 *           + k_uu(u_q) du_q du_q' + k_u(u_q) d2u_q
 *
 * The three matrices that are sums over rows, K_pp = sum_q omega_q
 * k_pp(u_q), K_upp and K_uupp, enter linearly with scalar coefficients
 * (1, alpha1, alpha2 below), so each row adds one weighted outer product;
 * everything else is a sum of outer products of vectors per group. A row's
 * derivatives in psi are its derivatives in the cut points (ri_terms.h):
 * slopes move both cuts by s x, thresholds one cut by 1, so the slope
 * block of every vector is sum_i w_i x_i times a u-derivative of l_i.
 *
 * Rows are visited in groups (the objective's rows are the data's sorted
 * by group, partreg_ri_state.order), one group at a time, its rows
 * gathered into the member's scratch. See docs/methods.md, "Community
 * random intercepts"; tests/ref/ri_common.R is the R route of the same
 * approximation. */
/* gcc 12 at -O2 keeps the logit terms loops scalar unless it may use -O3's
 * vectoriser cost model (as binary.c); guarded so clang-based tools never
 * see gcc-only options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic")
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/design.h"
#include "models/random_intercept.h"
#include "models/ri_terms.h"
#include "models/kernels/vmath.h"

/* The conditional mode: Newton with step halving from u = 0; once a step
 * is below MODE_SMALL_STEP (relative), one more full step leaves the mode
 * at rounding level (quadratic convergence), where the derivatives of the
 * mode equation hold. */
#define MODE_MAX_ITER 200
#define MODE_SMALL_STEP 1e-8
/* A trial may lower k by this relative amount (rounding) and still be taken. */
#define MODE_SLACK 1e-14
/* Halvings of one mode step at most. */
#define MODE_MAX_HALVINGS 60
/* log sigma at most: beyond it the quadrature's scale underflows. */
#define TAU_MAX 30.0
/* The rows' terms at every node are kept between the passes over a group
 * when they take at most this many doubles; larger groups compute them
 * again in the second pass. */
#define NODE_STORE_DOUBLES ((size_t)1 << 19)

/* A row's terms at one value of u, as arrays over the gathered rows
 * (partreg_ri_row's fields; see ri_terms.h). */
enum { T_L, T_D1, T_D2, T_A0, T_B0, T_A1, T_B1, T_AA0, T_AB0, T_BB0, /* order <= 2 */
       T_D3, T_D4, T_A2, T_A3, T_B2, T_B3, T_AA1, T_AA2, T_AB1, T_AB2, T_BB1, T_BB2, T_N };
#define T_N2 10 /* the arrays of orders up to 2 */
/* What a pass over the rows computes. */
typedef enum { TERMS_MODE, TERMS_VALUE, TERMS_GRADIENT, TERMS_HESSIAN, TERMS_MODE_GRAD,
               TERMS_MODE_HESS } terms_kind;

/* sum_q omega_q (d2, a1, b1, aa0, ab0, bb0) and sum_q omega_q x_q (d2, a1, b1), weighted by w */
enum { GN_D2, GN_A1, GN_B1, GN_AA, GN_AB, GN_BB, GN_XD2, GN_XA1, GN_XB1, GN_N };

/* The problem at one parameter vector. */
typedef struct ri_ctx {
    const partreg_design *d;
    const partreg_ri_state *st;
    partreg_link link;
    double s;           /* +1 binary, -1 cumulative */
    size_t pk, nthr, k; /* slopes, thresholds, all free parameters (tau last) */
    size_t ncut;        /* cuts: J - 1, or 1 for binary (at 0) */
    const double *beta, *cut;
    double tau, lambda;
    int logit;          /* the closed-form logit route */
    int concave;        /* log F and log S concave: k has one maximum and no other stationary point */
} ri_ctx;

/* One group's rows and the member's work space. The rows are gathered
 * in order of their outcome category (stably), so that every threshold's
 * sums run over a contiguous range of rows. */
typedef struct ri_work {
    size_t m, M;               /* rows of positive weight gathered; capacity */
    size_t ncat;               /* outcome categories (ncut + 1) */
    size_t *cs;                /* ncat + 1: each category's first row; cs[ncat] = m */
    double *XT;                /* pk x M: the rows' kept columns, column by column */
    double *w, *a0, *b0;       /* m */
    double *lg, *rho, *rc, *D; /* m: logit route's per-row constants (gather) */
    double *t;                 /* T_N x M: terms at the point in hand */
    double *fs;                /* 4 x M: the logit route's F and S at both cuts */
    double *nodes;             /* Q x T_N2 x M: terms at every node, or NULL */
    double *v, *v2;            /* M (v: M + 5 ncat): row vectors */
    double *gn;                /* GN_N x M */
    double *T;                 /* Q x k: k_p(u_q) */
    double *dh;                /* Q x k */
    double *kq, *kuq, *kuuq, *om; /* Q */
    double *kup, *kuup, *kuuup, *V0, *V1, *du, *dc, *ds, *dbar, *g; /* k */
    double *H;                 /* k x k */
} ri_work;

static int store_nodes(size_t M, size_t Q)
{
    return Q > 1 && Q * T_N2 * M <= NODE_STORE_DOUBLES;
}

/* Doubles of a work space; the category starts (size_t) take ncat + 1
 * doubles' room (size_t is no wider than a double on the platforms built). */
static size_t work_doubles(size_t M, size_t pk, size_t k, size_t Q, size_t ncat)
{
    return 2 + ncat + 1 + 5 * ncat + M * (pk + 9 + T_N + 4 + GN_N) +
           (store_nodes(M, Q) ? Q * T_N2 * M : 0) + 2 * Q * k + 4 * Q + 10 * k + k * k;
}

static void work_layout(double *scratch, size_t M, size_t pk, size_t k, size_t Q, size_t ncat,
                        ri_work *wk)
{
    double *p = scratch + 1; /* scratch[0] is the pass protocol's flag (objective.h) */
    wk->M = M;
    wk->ncat = ncat;
    wk->cs = (size_t *)(void *)p, p += ncat + 1;
    wk->XT = p, p += M * pk;
    double **rows[] = {&wk->w, &wk->a0, &wk->b0, &wk->lg, &wk->rho, &wk->rc, &wk->D, &wk->v2};
    for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++)
        *rows[j] = p, p += M;
    wk->v = p, p += M + 5 * ncat; /* also gather's per-category table */
    wk->t = p, p += T_N * M;
    wk->fs = p, p += 4 * M;
    wk->gn = p, p += M * GN_N;
    wk->nodes = NULL;
    if (store_nodes(M, Q))
        wk->nodes = p, p += Q * T_N2 * M;
    wk->T = p, p += Q * k;
    wk->dh = p, p += Q * k;
    wk->kq = p, p += Q;
    wk->kuq = p, p += Q;
    wk->kuuq = p, p += Q;
    wk->om = p, p += Q;
    double **v[] = {&wk->kup, &wk->kuup, &wk->kuuup, &wk->V0, &wk->V1,
                    &wk->du,  &wk->dc,   &wk->ds,    &wk->dbar, &wk->g};
    for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
        *v[j] = p, p += k;
    wk->H = p;
}

static void ctx_init(ri_ctx *c, const partreg_design *d, const double *theta)
{
    static const double zero_cut = 0.0;
    const partreg_ri_state *st = d->model->state;
    c->d = d;
    c->st = st;
    c->link = d->link;
    c->s = st->cumulative ? -1.0 : 1.0;
    c->pk = d->pk;
    c->nthr = st->nthr;
    c->k = c->pk + c->nthr + 1;
    c->ncut = st->cumulative ? st->nthr : 1;
    c->beta = theta;
    c->cut = st->cumulative ? theta + c->pk : &zero_cut;
    c->tau = theta[c->k - 1];
    c->lambda = exp(-2.0 * c->tau);
    c->logit = d->link == PARTREG_LOGIT;
    c->concave = d->link != PARTREG_CAUCHIT;
}

/* The outcome category of data row i (binary: 0 for y = 1, the event is
 * F(b); 1 for y = 0). */
static size_t category(const ri_ctx *c, size_t i)
{
    size_t y = (size_t)c->d->y[i];
    return c->st->cumulative ? y : 1 - y;
}

/* Rows of positive weight of objective rows [r0, r1) into the work space,
 * by category, with the logit route's per-row constants: for a middle
 * category, where P = F(b) S(a) (1 - exp(a - b)) for the logistic F, the
 * last factor does not move with u; lg = its log, rho = 1 / expm1(b - a)
 * and rc = rho (1 + rho) are its derivatives' pieces, D = exp(-(b - a))
 * the ratio of the two cuts' exps (logit_exps); all four depend on the
 * category alone. */
/* The row of design d at objective row r: the data are sorted by group
 * (order NULL: objective row r is data row r), and d holds the rows from
 * objective row d->row0 on. */
static size_t data_row(const ri_ctx *c, size_t r)
{
    return (c->st->order ? c->st->order[r] : r) - c->d->row0;
}

static void gather(const ri_ctx *c, size_t r0, size_t r1, ri_work *wk)
{
    const partreg_design *d = c->d;
    size_t pk = c->pk, M = wk->M, ncat = wk->ncat, *cs = wk->cs;
    memset(cs, 0, (ncat + 1) * sizeof *cs);
    for (size_t r = r0; r < r1; r++) {
        size_t i = data_row(c, r);
        if (partreg_design_weight(d, i) != 0.0)
            cs[category(c, i) + 1]++;
    }
    for (size_t cc = 0; cc < ncat; cc++)
        cs[cc + 1] += cs[cc];
    wk->m = cs[ncat];
    /* each category's constants, then every row at its category's next place */
    double *lgc = wk->v, *rhoc = lgc + ncat, *rcc = rhoc + ncat, *Dc = rcc + ncat;
    size_t *next = (size_t *)(void *)(Dc + ncat);
    for (size_t cc = 0; cc < ncat; cc++) {
        double lo = cc > 0 ? c->cut[cc - 1] : -INFINITY;
        double hi = cc < c->ncut ? c->cut[cc] : INFINITY;
        lgc[cc] = rhoc[cc] = rcc[cc] = Dc[cc] = 0.0;
        if (isfinite(lo) && isfinite(hi)) {
            double gap = hi - lo;
            rhoc[cc] = 1.0 / expm1(gap);
            lgc[cc] = log(-expm1(-gap));
            rcc[cc] = rhoc[cc] * (1.0 + rhoc[cc]);
            Dc[cc] = exp(-gap);
        }
        next[cc] = cs[cc];
    }
    for (size_t r = r0; r < r1; r++) {
        size_t i = data_row(c, r);
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        size_t cc = category(c, i), at = next[cc]++;
        const double *row = d->X + i * d->ldx;
        double eta = 0.0;
        for (size_t j = 0; j < pk; j++) {
            double x = d->cols ? row[d->cols[j]] : row[j];
            wk->XT[j * M + at] = x;
            eta += x * c->beta[j];
        }
        double lo = cc > 0 ? c->cut[cc - 1] : -INFINITY;
        double hi = cc < c->ncut ? c->cut[cc] : INFINITY;
        wk->w[at] = w;
        wk->a0[at] = lo + c->s * eta;
        wk->b0[at] = hi + c->s * eta;
        wk->lg[at] = lgc[cc];
        wk->rho[at] = rhoc[cc];
        wk->rc[at] = rcc[cc];
        wk->D[at] = Dc[cc];
    }
}

/* The logit route of partreg_ri_row_eval for rows [0, m) at u into the
 * arrays t[T_x * M + r]. With L = log F(b) + log S(a) + lg (lg constant
 * in u, its derivatives in a and b the rho terms), f = F S, f' = f (S - F)
 * and f'' = f (1 - 6 f):
 *   D L = s (S(b) - F(a)),  D^m L = -(f^(m-2)(a) + f^(m-2)(b)) s^m  (m >= 2),
 *   L_a = -F(a) - rho,  L_b = S(b) + rho,  D^m L_a = -s^m f^(m-1)(a),
 *   L_aa = -f(a) - rc,  L_ab = rc,  L_bb = -f(b) - rc,
 *   D^m L_aa = -s^m f^(m)(a), D^m L_ab = 0, D^m L_bb = -s^m f^(m)(b),
 * log F(b) + log S(a) = min(b, 0) - max(a, 0) - log((1 + e_a)(1 + e_b)),
 * e_x = exp(-|x|), in one log1p (as ordinal.c). An infinite cut gives
 * e = 0, and with it F = 0, S = 1 (a = -inf) or F = 1, S = 0 (b = +inf):
 * its terms vanish without a branch. The loops are straight-line code over
 * arrays (vmath.h's exp and log1p), which the compiler vectorises; not
 * inlined, where the arrays' restrict qualifiers would be lost (as
 * ordinal.c). */
#if defined(__GNUC__)
#define RI_ROW_LOOP __attribute__((noinline))
#else
#define RI_ROW_LOOP
#endif

/* e_a = exp(-|a|) and e_b = exp(-|b|) with one exp, given D = exp(a0 -
 * b0) (0 for a one-sided row): with E the exp of the nearer cut's -|x|,
 * the other is E D when a and b have the same sign (|far| = |near| +
 * (b - a)) and D / E when a < 0 < b (e_a e_b = exp(a - b)); as ordinal.c's
 * logit_exps, within 3 ulps of exp(-|far|). A one-sided row's missing
 * cut gets 0. */
static inline void logit_exps(double a, double b, double D, double *ea, double *eb)
{
    double fa = fabs(a), fb = fabs(b);
    int near_a = fa <= fb;
    double E = partreg_vm_exp(-(near_a ? fa : fb));
    double far = a < 0.0 && b > 0.0 ? D / E : D * E;
    *ea = near_a ? E : far;
    *eb = near_a ? far : E;
}

/* F and S at both cuts, and (l != NULL) log P. One division gives
 * 1 / ((1 + e_a)(1 + e_b)) = 1 / (1 + e), which the log1p needs, and both
 * reciprocals 1 / (1 + e_a) and 1 / (1 + e_b) (within 2 ulps of the
 * quotients). */
RI_ROW_LOOP static void logit_cuts(size_t m, const double *restrict a0, const double *restrict b0,
                                   const double *restrict Dv, const double *restrict lg,
                                   double su, double *restrict l, double *restrict Fa,
                                   double *restrict Sa, double *restrict Fb, double *restrict Sb)
{
    if (l)
        for (size_t r = 0; r < m; r++) {
            double a = a0[r] + su, b = b0[r] + su, ea, eb;
            logit_exps(a, b, Dv[r], &ea, &eb);
            double pa = 1.0 + ea, pb = 1.0 + eb, inv = 1.0 / (pa * pb);
            double ia = inv * pb, ib = inv * pa; /* one division for both */
            double e = (ea + eb) + ea * eb;
            double lin = (b < 0.0 ? b : 0.0) - (a > 0.0 ? a : 0.0);
            l[r] = (lin - partreg_vm_log1p3(e, inv)) + lg[r];
            Fa[r] = (a >= 0.0 ? 1.0 : ea) * ia;
            Sa[r] = (a >= 0.0 ? ea : 1.0) * ia;
            Fb[r] = (b >= 0.0 ? 1.0 : eb) * ib;
            Sb[r] = (b >= 0.0 ? eb : 1.0) * ib;
        }
    else
        for (size_t r = 0; r < m; r++) {
            double a = a0[r] + su, b = b0[r] + su, ea, eb;
            logit_exps(a, b, Dv[r], &ea, &eb);
            double pa = 1.0 + ea, pb = 1.0 + eb, inv = 1.0 / (pa * pb);
            double ia = inv * pb, ib = inv * pa;
            Fa[r] = (a >= 0.0 ? 1.0 : ea) * ia;
            Sa[r] = (a >= 0.0 ? ea : 1.0) * ia;
            Fb[r] = (b >= 0.0 ? 1.0 : eb) * ib;
            Sb[r] = (b >= 0.0 ? eb : 1.0) * ib;
        }
}

/* the orders 1 and 2 from F and S (thr: the threshold terms too) */
RI_ROW_LOOP static void logit_low(size_t m, double s, int thr, const double *restrict rho,
                                  const double *restrict rcv, const double *restrict Fa,
                                  const double *restrict Sa, const double *restrict Fb,
                                  const double *restrict Sb, double *restrict d1,
                                  double *restrict d2, double *restrict ta0, double *restrict tb0,
                                  double *restrict ta1, double *restrict tb1,
                                  double *restrict aa0, double *restrict ab0, double *restrict bb0)
{
    for (size_t r = 0; r < m; r++) {
        double fa = Fa[r] * Sa[r], fb = Fb[r] * Sb[r];
        d1[r] = s * (Sb[r] - Fa[r]);
        d2[r] = -(fa + fb);
    }
    if (!thr)
        return;
    for (size_t r = 0; r < m; r++) {
        double fa = Fa[r] * Sa[r], fb = Fb[r] * Sb[r], rc = rcv[r];
        ta0[r] = -Fa[r] - rho[r];
        tb0[r] = Sb[r] + rho[r];
        ta1[r] = -s * fa;
        tb1[r] = -s * fb;
        aa0[r] = -fa - rc;
        ab0[r] = rc;
        bb0[r] = -fb - rc;
    }
}

/* the orders 3 and 4 from F and S */
RI_ROW_LOOP static void logit_high(size_t m, double s, const double *restrict Fa,
                                   const double *restrict Sa, const double *restrict Fb,
                                   const double *restrict Sb, double *restrict d3,
                                   double *restrict d4, double *restrict ta2,
                                   double *restrict ta3, double *restrict tb2,
                                   double *restrict tb3, double *restrict aa1,
                                   double *restrict aa2, double *restrict bb1,
                                   double *restrict bb2)
{
    for (size_t r = 0; r < m; r++) {
        double fA = Fa[r], sA = Sa[r], fB = Fb[r], sB = Sb[r];
        double fa = fA * sA, fb = fB * sB;
        double fpa = fa * (sA - fA), fpb = fb * (sB - fB);
        double fppa = fa * (1.0 - 6.0 * fa), fppb = fb * (1.0 - 6.0 * fb);
        d3[r] = -s * (fpa + fpb);
        d4[r] = -(fppa + fppb);
        ta2[r] = -fpa;
        ta3[r] = -s * fppa;
        tb2[r] = -fpb;
        tb3[r] = -s * fppb;
        aa1[r] = -s * fpa;
        aa2[r] = -fppa;
        bb1[r] = -s * fpb;
        bb2[r] = -fppb;
    }
}

static void logit_terms(const ri_ctx *c, const ri_work *wk, double u, terms_kind kind,
                        double *t)
{
    size_t m = wk->m, M = wk->M;
    double *Fa = wk->fs, *Sa = Fa + M, *Fb = Sa + M, *Sb = Fb + M;
    int value = kind == TERMS_VALUE || kind == TERMS_GRADIENT || kind == TERMS_HESSIAN;
    logit_cuts(m, wk->a0, wk->b0, wk->D, wk->lg, c->s * u, value ? t + T_L * M : NULL, Fa, Sa,
               Fb, Sb);
    if (kind == TERMS_VALUE)
        return;
    if (kind == TERMS_GRADIENT) {
        for (size_t r = 0; r < m; r++) {
            t[T_D1 * M + r] = c->s * (Sb[r] - Fa[r]);
            t[T_A0 * M + r] = -Fa[r] - wk->rho[r];
            t[T_B0 * M + r] = Sb[r] + wk->rho[r];
        }
        return;
    }
    logit_low(m, c->s, kind != TERMS_MODE, wk->rho, wk->rc, Fa, Sa, Fb, Sb, t + T_D1 * M,
              t + T_D2 * M, t + T_A0 * M, t + T_B0 * M, t + T_A1 * M, t + T_B1 * M,
              t + T_AA0 * M, t + T_AB0 * M, t + T_BB0 * M);
    if (kind == TERMS_MODE || kind == TERMS_HESSIAN)
        return;
    logit_high(m, c->s, Fa, Sa, Fb, Sb, t + T_D3 * M, t + T_D4 * M, t + T_A2 * M, t + T_A3 * M,
               t + T_B2 * M, t + T_B3 * M, t + T_AA1 * M, t + T_AA2 * M, t + T_BB1 * M,
               t + T_BB2 * M);
    memset(t + T_AB1 * M, 0, m * sizeof *t);
    memset(t + T_AB2 * M, 0, m * sizeof *t);
}

/* The rows' terms at u into t (T_x * M + r), as far as kind asks: MODE
 * l, D l, D^2 l; VALUE l; GRADIENT l, D l, L_a, L_b; HESSIAN the orders up
 * to 2; MODE_GRAD and MODE_HESS the orders 1 to 3 and 1 to 4 (not l). */
static void row_terms(const ri_ctx *c, const ri_work *wk, double u, terms_kind kind, double *t)
{
    if (c->logit) {
        logit_terms(c, wk, u, kind, t);
        return;
    }
    static const int order_of[] = {2, 0, 1, 2, 3, 4};
    int order = order_of[kind];
    size_t M = wk->M;
    double su = c->s * u;
    for (size_t r = 0; r < wk->m; r++) {
        partreg_ri_row q;
        partreg_ri_row_eval(c->link, wk->a0[r] + su, wk->b0[r] + su, c->s, order, &q);
        t[T_L * M + r] = q.l;
        if (order < 1)
            continue;
        t[T_D1 * M + r] = q.d[1];
        t[T_A0 * M + r] = q.a[0];
        t[T_B0 * M + r] = q.b[0];
        if (order < 2)
            continue;
        t[T_D2 * M + r] = q.d[2];
        t[T_A1 * M + r] = q.a[1];
        t[T_B1 * M + r] = q.b[1];
        t[T_AA0 * M + r] = q.aa[0];
        t[T_AB0 * M + r] = q.ab[0];
        t[T_BB0 * M + r] = q.bb[0];
        if (order < 3)
            continue;
        t[T_D3 * M + r] = q.d[3];
        t[T_A2 * M + r] = q.a[2];
        t[T_B2 * M + r] = q.b[2];
        t[T_AA1 * M + r] = q.aa[1];
        t[T_AB1 * M + r] = q.ab[1];
        t[T_BB1 * M + r] = q.bb[1];
        if (order < 4)
            continue;
        t[T_D4 * M + r] = q.d[4];
        t[T_A3 * M + r] = q.a[3];
        t[T_B3 * M + r] = q.b[3];
        t[T_AA2 * M + r] = q.aa[2];
        t[T_AB2 * M + r] = q.ab[2];
        t[T_BB2 * M + r] = q.bb[2];
    }
}

/* sum_r w_r t[j * M + r] */
static double wsum(const ri_work *wk, const double *t, int j)
{
    const double *v = t + (size_t)j * wk->M;
    double s = 0.0;
    for (size_t r = 0; r < wk->m; r++)
        s += wk->w[r] * v[r];
    return s;
}

/* k (when the mode search needs it), k_u and k_uu at u, the prior
 * included. */
static void mode_sums(const ri_ctx *c, const ri_work *wk, double u, double *k, double *k1,
                      double *k2)
{
    row_terms(c, wk, u, TERMS_MODE, wk->t);
    *k = c->concave ? 0.0 : wsum(wk, wk->t, T_L) - 0.5 * c->lambda * u * u;
    *k1 = wsum(wk, wk->t, T_D1) - c->lambda * u;
    *k2 = wsum(wk, wk->t, T_D2) - c->lambda;
}

/* Whether a step from (k, k1) to (kn, k1n) may be taken: k does not fall
 * (to rounding), or, where k is concave, |k'| does not grow (the Newton
 * direction descends |k'|^2, and the sums need no logarithms). */
static int mode_step_ok(const ri_ctx *c, double k, double k1, double kn, double k1n)
{
    if (c->concave)
        return isfinite(k1n) && fabs(k1n) <= fabs(k1);
    return isfinite(kn) && kn >= k - MODE_SLACK * fabs(k);
}

/* The conditional mode u^ of the gathered group and c = -k''(u^) there.
 * Returns 0, or -1 when no mode was found (non-finite values, no
 * convergence, c <= 0). */
static int find_mode(const ri_ctx *c, const ri_work *wk, double *u_out, double *c_out)
{
    double u = 0.0, k, k1, k2;
    mode_sums(c, wk, u, &k, &k1, &k2);
    int last = 0;
    for (int it = 0; it < MODE_MAX_ITER; it++) {
        if (!isfinite(k) || !isfinite(k1) || !isfinite(k2))
            return -1;
        if (last)
            break;
        double step;
        if (k2 < 0.0) {
            step = -k1 / k2;
        } else { /* not concave here (cauchit): a bounded step uphill */
            double a = fabs(k1) / c->lambda;
            step = copysign(a < 1.0 ? a : 1.0, k1);
        }
        if (step == 0.0) { /* exactly at the mode */
            last = 1;
            break;
        }
        int small = k2 < 0.0 && fabs(step) <= MODE_SMALL_STEP * (1.0 + fabs(u));
        double un = u + step, kn, k1n, k2n;
        mode_sums(c, wk, un, &kn, &k1n, &k2n);
        int h = 0;
        while (!small && !mode_step_ok(c, k, k1, kn, k1n) && h++ < MODE_MAX_HALVINGS) {
            step *= 0.5;
            un = u + step;
            mode_sums(c, wk, un, &kn, &k1n, &k2n);
        }
        if (h > MODE_MAX_HALVINGS)
            return -1;
        u = un, k = kn, k1 = k1n, k2 = k2n;
        last = small; /* the step after a small one ends at rounding level */
    }
    if (!last || !(k2 < 0.0))
        return -1;
    *u_out = u;
    *c_out = -k2;
    return 0;
}

/* sum_r a[r] b[r] over rows [r0, r1) */
static double dot(const double *restrict a, const double *restrict b, size_t r0, size_t r1)
{
    double s = 0.0;
    for (size_t r = r0; r < r1; r++)
        s += a[r] * b[r];
    return s;
}

/* v's slope block += X' (w t) over the gathered rows */
static void add_xt(const ri_ctx *c, const ri_work *wk, const double *t, double *v)
{
    size_t pk = c->pk, m = wk->m;
    if (pk == 0)
        return;
    double *restrict wt = wk->v2;
    for (size_t r = 0; r < m; r++)
        wt[r] = wk->w[r] * t[r];
    for (size_t j = 0; j < pk; j++)
        v[j] += dot(wt, wk->XT + j * wk->M, 0, m);
}

/* v's threshold entries += the rows' w ta at their lower cut and w tb at
 * their upper cut (category cc's rows: thresholds cc - 1 and cc) */
static void add_cut_terms(const ri_ctx *c, const ri_work *wk, const double *ta, const double *tb,
                          double *v)
{
    if (!c->st->cumulative)
        return;
    for (size_t cc = 0; cc < wk->ncat; cc++) {
        size_t r0 = wk->cs[cc], r1 = wk->cs[cc + 1];
        if (r0 == r1)
            continue;
        if (cc > 0)
            v[c->pk + cc - 1] += dot(wk->w, ta, r0, r1);
        if (cc < c->ncut)
            v[c->pk + cc] += dot(wk->w, tb, r0, r1);
    }
}

/* info -= the rows' second derivatives with per-row coefficients
 * (weights included): rho on the slopes (sum rho x x'), ca and cb on a
 * threshold and the slopes (lower and upper cut), caa, cbb and cab on
 * the thresholds. */
static void sub_rows_info(const ri_ctx *c, const ri_work *wk, const double *rho, const double *ca,
                          const double *cb, const double *caa, const double *cab,
                          const double *cbb, double *I)
{
    size_t pk = c->pk, k = c->k, m = wk->m, M = wk->M;
    double *restrict y = wk->v2;
    for (size_t i = 0; i < pk; i++) {
        const double *xi = wk->XT + i * M;
        for (size_t r = 0; r < m; r++)
            y[r] = rho[r] * xi[r];
        for (size_t j = 0; j <= i; j++)
            I[i * k + j] -= dot(y, wk->XT + j * M, 0, m);
    }
    if (!c->st->cumulative)
        return;
    for (size_t cc = 0; cc < wk->ncat; cc++) {
        size_t r0 = wk->cs[cc], r1 = wk->cs[cc + 1];
        if (r0 == r1)
            continue;
        if (cc > 0) {
            size_t tl = pk + cc - 1;
            for (size_t j = 0; j < pk; j++)
                I[tl * k + j] -= dot(ca, wk->XT + j * M, r0, r1);
            for (size_t r = r0; r < r1; r++)
                I[tl * k + tl] -= caa[r];
        }
        if (cc < c->ncut) {
            size_t th = pk + cc;
            for (size_t j = 0; j < pk; j++)
                I[th * k + j] -= dot(cb, wk->XT + j * M, r0, r1);
            for (size_t r = r0; r < r1; r++)
                I[th * k + th] -= cbb[r];
            if (cc > 0)
                for (size_t r = r0; r < r1; r++)
                    I[th * k + th - 1] -= cab[r];
        }
    }
}

/* The group's model without the random intercept (sigma = 0: the limit
 * of the approximation as tau -> -inf), into acc. */
static void fixed_group(const ri_ctx *c, ri_work *wk, partreg_order order, partreg_accum *acc)
{
    size_t M = wk->M, m = wk->m;
    int hess = order == PARTREG_ORDER_HESSIAN;
    double *t = wk->t;
    row_terms(c, wk, 0.0, hess ? TERMS_HESSIAN : order == PARTREG_ORDER_VALUE ? TERMS_VALUE
                                                                              : TERMS_GRADIENT,
              t);
    double ll = wsum(wk, t, T_L);
    acc->loglik += ll;
    if (!isfinite(ll))
        acc->nonfinite = 1;
    if (order == PARTREG_ORDER_VALUE)
        return;
    add_xt(c, wk, t + T_D1 * M, acc->grad);
    add_cut_terms(c, wk, t + T_A0 * M, t + T_B0 * M, acc->grad);
    if (!hess)
        return;
    /* weighted terms, in the gn space (free here) */
    double *g = wk->gn;
    for (size_t j = 0; j < 6; j++) {
        static const int from[6] = {T_D2, T_A1, T_B1, T_AA0, T_AB0, T_BB0};
        for (size_t r = 0; r < m; r++)
            g[j * M + r] = wk->w[r] * t[(size_t)from[j] * M + r];
    }
    sub_rows_info(c, wk, g, g + M, g + 2 * M, g + 3 * M, g + 4 * M, g + 5 * M, acc->info);
}

/* out += a u v' + b v u' (k x k, full) */
static void add_outer2(double *out, size_t k, double a, const double *u, const double *v,
                       double b)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            out[i * k + j] += a * u[i] * v[j] + b * v[i] * u[j];
}

static int all_finite(const double *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(v[j]))
            return 0;
    return 1;
}

/* One group (rows gathered in wk) into acc. */
static void group_eval(const ri_ctx *c, ri_work *wk, partreg_order order, partreg_accum *acc)
{
    const partreg_ri_state *st = c->st;
    size_t k = c->k, Q = st->Q, tk = k - 1, M = wk->M;
    double lam = c->lambda;
    if (wk->m == 0)
        return; /* no rows of positive weight: L_g = 1, every derivative 0 */
    if (isinf(c->tau) && c->tau < 0) {
        fixed_group(c, wk, order, acc);
        return;
    }
    int grad = order != PARTREG_ORDER_VALUE, hess = order == PARTREG_ORDER_HESSIAN;
    double uh, cc;
    if (find_mode(c, wk, &uh, &cc) != 0) {
        acc->nonfinite = 1;
        return;
    }
    double sc = 1.0 / sqrt(cc);

    /* ---- the nodes: values, and the derivatives that need no weights */
    terms_kind nk = hess ? TERMS_HESSIAN : grad ? TERMS_GRADIENT : TERMS_VALUE;
    memset(wk->T, 0, Q * k * sizeof(double));
    double mx = -INFINITY;
    for (size_t q = 0; q < Q; q++) {
        double uq = uh + sc * st->x[q];
        double *t = wk->nodes ? wk->nodes + q * T_N2 * M : wk->t;
        row_terms(c, wk, uq, nk, t);
        wk->kq[q] = wsum(wk, t, T_L) - 0.5 * lam * uq * uq;
        if (grad) {
            double *Tq = wk->T + q * k;
            wk->kuq[q] = wsum(wk, t, T_D1) - lam * uq;
            add_xt(c, wk, t + T_D1 * M, Tq);
            add_cut_terms(c, wk, t + T_A0 * M, t + T_B0 * M, Tq);
            Tq[tk] = uq * uq * lam;
            wk->kuuq[q] = hess ? wsum(wk, t, T_D2) - lam : 0.0;
        }
        /* log of the q-th term of the sum (any constant shift cancels) */
        wk->om[q] = log(st->w[q]) + wk->kq[q] + 0.5 * st->x[q] * st->x[q];
        if (wk->om[q] > mx)
            mx = wk->om[q];
    }
    double S = 0.0;
    for (size_t q = 0; q < Q; q++) {
        double e = exp(wk->om[q] - mx);
        wk->om[q] = isfinite(e) ? e : 0.0;
        S += wk->om[q];
    }
    for (size_t q = 0; q < Q; q++)
        wk->om[q] /= S;
    /* cppcheck-suppress invalidFunctionArg ; S >= 1: the largest term is exp(0) */
    double lg = -c->tau - 0.5 * log(cc) + mx + log(S);
    if (!isfinite(lg)) {
        acc->nonfinite = 1;
        return;
    }
    acc->loglik += lg;
    if (!grad)
        return;

    /* ---- the mode's derivatives: k_up, k_uup (and k_uuup, k_uuuu) */
    double *t = wk->t;
    row_terms(c, wk, uh, hess ? TERMS_MODE_HESS : TERMS_MODE_GRAD, t);
    double kuuu = wsum(wk, t, T_D3), kuuuu = hess ? wsum(wk, t, T_D4) : 0.0;
    memset(wk->kup, 0, k * sizeof(double));
    memset(wk->kuup, 0, k * sizeof(double));
    memset(wk->kuuup, 0, k * sizeof(double));
    add_xt(c, wk, t + T_D2 * M, wk->kup);
    add_cut_terms(c, wk, t + T_A1 * M, t + T_B1 * M, wk->kup);
    add_xt(c, wk, t + T_D3 * M, wk->kuup);
    add_cut_terms(c, wk, t + T_A2 * M, t + T_B2 * M, wk->kuup);
    if (hess) {
        add_xt(c, wk, t + T_D4 * M, wk->kuuup);
        add_cut_terms(c, wk, t + T_A3 * M, t + T_B3 * M, wk->kuuup);
    }
    wk->kup[tk] = 2.0 * uh * lam;
    wk->kuup[tk] = 2.0 * lam;
    wk->kuuup[tk] = 0.0;
    for (size_t j = 0; j < k; j++) {
        wk->du[j] = wk->kup[j] / cc;
        wk->dc[j] = -(wk->kuup[j] + kuuu * wk->du[j]);
        wk->ds[j] = -(sc / (2.0 * cc)) * wk->dc[j];
    }

    /* ---- the gradient */
    memset(wk->dbar, 0, k * sizeof(double));
    for (size_t q = 0; q < Q; q++) {
        double *dh = wk->dh + q * k, xq = st->x[q];
        const double *Tq = wk->T + q * k;
        for (size_t j = 0; j < k; j++) {
            dh[j] = wk->om[q] == 0.0 ? 0.0 : Tq[j] + wk->kuq[q] * (wk->du[j] + xq * wk->ds[j]);
            wk->dbar[j] += wk->om[q] * dh[j];
        }
    }
    for (size_t j = 0; j < k; j++)
        wk->g[j] = wk->dbar[j] - wk->dc[j] / (2.0 * cc);
    wk->g[tk] -= 1.0;
    if (!all_finite(wk->g, k)) {
        acc->nonfinite = 1;
        return;
    }
    for (size_t j = 0; j < k; j++)
        acc->grad[j] += wk->g[j];
    if (!hess)
        return;

    /* ---- the nodes' weighted second derivatives, row by row:
     * gn = sum_q omega_q (1, x_q) t_q(r), the weights applied at their use */
    memset(wk->gn, 0, GN_N * M * sizeof(double));
    double mtt = 0.0, v0t = 0.0, v1t = 0.0; /* the prior's tau entries */
    static const int gn_from[GN_N] = {T_D2, T_A1, T_B1, T_AA0, T_AB0, T_BB0, T_D2, T_A1, T_B1};
    for (size_t q = 0; q < Q; q++) {
        double uq = uh + sc * st->x[q], om = wk->om[q], xq = st->x[q];
        if (om == 0.0)
            continue;
        const double *tq = wk->nodes ? wk->nodes + q * T_N2 * M : wk->t;
        if (!wk->nodes)
            row_terms(c, wk, uq, TERMS_HESSIAN, wk->t);
        for (size_t j = 0; j < GN_N; j++) {
            double f = j < GN_XD2 ? om : om * xq;
            const double *restrict src = tq + (size_t)gn_from[j] * M;
            double *restrict dst = wk->gn + j * M;
            for (size_t r = 0; r < wk->m; r++)
                dst[r] += f * src[r];
        }
        mtt += om * (-2.0 * uq * uq * lam);
        v0t += om * 2.0 * uq * lam;
        v1t += om * xq * 2.0 * uq * lam;
    }
    if (!wk->nodes) /* the mode's terms again: the node passes used the space */
        row_terms(c, wk, uh, TERMS_MODE_HESS, t);

    /* ---- the Hessian: group-level outer products */
    double U = 0.0, Ux = 0.0, C0 = 0.0, C1 = 0.0, C2 = 0.0;
    for (size_t q = 0; q < Q; q++) {
        double om = wk->om[q], xq = st->x[q];
        U += om * wk->kuq[q];
        Ux += om * xq * wk->kuq[q];
        C0 += om * wk->kuuq[q];
        C1 += om * xq * wk->kuuq[q];
        C2 += om * xq * xq * wk->kuuq[q];
    }
    double kappa = -0.5 / cc - 0.5 * Ux * sc / cc; /* coefficient of d2c */
    double alpha1 = (U - kappa * kuuu) / cc, alpha2 = -kappa;
    /* V0, V1: sum_q omega_q (1, x_q) k_up(u_q) */
    memset(wk->V0, 0, k * sizeof(double));
    memset(wk->V1, 0, k * sizeof(double));
    const double *gn = wk->gn;
    add_xt(c, wk, gn + GN_D2 * M, wk->V0);
    add_cut_terms(c, wk, gn + GN_A1 * M, gn + GN_B1 * M, wk->V0);
    add_xt(c, wk, gn + GN_XD2 * M, wk->V1);
    add_cut_terms(c, wk, gn + GN_XA1 * M, gn + GN_XB1 * M, wk->V1);
    wk->V0[tk] = v0t;
    wk->V1[tk] = v1t;
    double *H = wk->H;
    memset(H, 0, k * k * sizeof(double));
    /* U R_u + kappa R_c, with R_u = (k_uup du' + du k_uup' + k_uuu du du') / c
     * and R_c = -(k_uuup du' + du k_uuup' + k_uuuu du du' + k_uuu R_u) */
    double ru = (U - kappa * kuuu) / cc;
    add_outer2(H, k, ru, wk->kuup, wk->du, ru);
    add_outer2(H, k, -kappa, wk->kuuup, wk->du, -kappa);
    double dudu = ru * kuuu - kappa * kuuuu + C0;
    double dcdc = 0.5 / (cc * cc) + 0.75 * Ux * sc / (cc * cc);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            H[i * k + j] += dudu * wk->du[i] * wk->du[j] + dcdc * wk->dc[i] * wk->dc[j] +
                            C2 * wk->ds[i] * wk->ds[j] - wk->dbar[i] * wk->dbar[j];
    add_outer2(H, k, 1.0, wk->V0, wk->du, 1.0);
    add_outer2(H, k, 1.0, wk->V1, wk->ds, 1.0);
    add_outer2(H, k, C1, wk->du, wk->ds, C1);
    for (size_t q = 0; q < Q; q++) {
        if (wk->om[q] == 0.0)
            continue;
        const double *dh = wk->dh + q * k;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                H[i * k + j] += wk->om[q] * dh[i] * dh[j];
    }
    /* the prior's entries of K_pp, K_upp and K_uupp */
    H[tk * k + tk] += mtt + alpha1 * (-4.0 * uh * lam) + alpha2 * (-4.0 * lam);
    if (!all_finite(H, k * k)) {
        acc->nonfinite = 1;
        return;
    }
    double *I = acc->info;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            I[i * k + j] -= H[i * k + j];
    /* ---- the rows' outer products: K_pp + alpha1 K_upp + alpha2 K_uupp,
     * per-row coefficients (weights included) into the gn space's free
     * arrays' places: the x_q-weighted ones are no longer needed */
    double *co = wk->fs; /* 4 x M: rho, ca, cb, caa */
    double *co2 = wk->gn + GN_XD2 * M; /* 3 x M: cab, cbb, (free) */
    for (size_t r = 0; r < wk->m; r++) {
        double w = wk->w[r];
        co[r] = w * (gn[GN_D2 * M + r] + alpha1 * t[T_D3 * M + r] + alpha2 * t[T_D4 * M + r]);
        co[M + r] = w * (gn[GN_A1 * M + r] + alpha1 * t[T_A2 * M + r] + alpha2 * t[T_A3 * M + r]);
        co[2 * M + r] =
            w * (gn[GN_B1 * M + r] + alpha1 * t[T_B2 * M + r] + alpha2 * t[T_B3 * M + r]);
        co[3 * M + r] =
            w * (gn[GN_AA * M + r] + alpha1 * t[T_AA1 * M + r] + alpha2 * t[T_AA2 * M + r]);
        co2[r] = w * (gn[GN_AB * M + r] + alpha1 * t[T_AB1 * M + r] + alpha2 * t[T_AB2 * M + r]);
        co2[M + r] =
            w * (gn[GN_BB * M + r] + alpha1 * t[T_BB1 * M + r] + alpha2 * t[T_BB2 * M + r]);
    }
    sub_rows_info(c, wk, co, co + M, co + 2 * M, co + 3 * M, co2, co2 + M, I);
}

/* The first group starting at or after objective row r. */
static size_t group_at(const partreg_ri_state *st, size_t r)
{
    size_t lo = 0, hi = st->G;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->start[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ri_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                          partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    ri_ctx c;
    ctx_init(&c, d, theta);
    if (order == PARTREG_ORDER_EXPECTED) /* not offered (no trait): the observed one */
        order = PARTREG_ORDER_HESSIAN;
    ri_work wk;
    work_layout(scratch, c.st->max_rows, c.pk, c.k, c.st->Q, c.ncut + 1, &wk);
    begin += d->row0; /* objective rows */
    end += d->row0;
    for (size_t g = group_at(c.st, begin); g < c.st->G && c.st->start[g] < end; g++) {
        size_t r1 = c.st->start[g + 1] < end ? c.st->start[g + 1] : end;
        gather(&c, c.st->start[g], r1, &wk);
        group_eval(&c, &wk, order, acc);
    }
}

static int ri_feasible(const void *model, const double *theta)
{
    const partreg_design *d = model;
    const partreg_ri_state *st = d->model->state;
    const double *thr = theta + d->pk;
    for (size_t j = 0; j < st->nthr; j++) {
        if (!isfinite(thr[j]))
            return 0;
        if (j > 0 && !(thr[j] > thr[j - 1]))
            return 0;
    }
    double tau = thr[st->nthr];
    return !isnan(tau) && tau <= TAU_MAX;
}

static size_t n_categories(const partreg_ri_state *st)
{
    return st->cumulative ? st->nthr + 1 : 2;
}

void partreg_ri_objective(const partreg_model *m, const partreg_design *d,
                          partreg_objective *obj)
{
    const partreg_ri_state *st = m->state;
    memset(obj, 0, sizeof *obj);
    obj->k = d->pk + st->nthr + 1;
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = ri_accumulate;
    obj->feasible = ri_feasible;
    obj->row_scores = NULL; /* groups, not rows, are independent */
    obj->scratch_doubles = work_doubles(st->max_rows, d->pk, obj->k, st->Q, n_categories(st));
    obj->group_start = st->start;
    obj->n_groups = st->G;
    obj->team = NULL;
}

/* A work space for one caller (not a pass member). */
static double *work_alloc(const partreg_ri_state *st, size_t pk, size_t k)
{
    return malloc(work_doubles(st->max_rows, pk, k, st->Q, n_categories(st)) * sizeof(double));
}

/* CHECK and WEIGHT: the groups' rows of positive weight and their weight,
 * whether their outcomes differ; the sum of their weights. */
static partreg_status row_values(const partreg_ri_state *st, const partreg_design *d,
                                 partreg_ri_value what, size_t g0, size_t g1, double *out)
{
    ri_ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.st = st;
    for (size_t g = g0; g < g1; g++) {
        double *o = out + (g - g0) * 2;
        size_t rows = 0;
        double wsum_g = 0.0, y0 = NAN;
        int differ = 0;
        for (size_t r = st->start[g]; r < st->start[g + 1]; r++) {
            size_t i = data_row(&c, r);
            double w = partreg_design_weight(d, i);
            if (what == PARTREG_RI_WEIGHT) {
                wsum_g += w;
                continue;
            }
            if (w == 0.0)
                continue;
            rows++;
            wsum_g += w;
            if (rows == 1)
                y0 = d->y[i];
            differ |= d->y[i] != y0;
        }
        o[0] = what == PARTREG_RI_WEIGHT ? wsum_g : (double)rows + (differ ? 0.5 : 0.0);
        o[1] = what == PARTREG_RI_WEIGHT ? 0.0 : wsum_g;
    }
    return PARTREG_OK;
}

partreg_status partreg_ri_group_values(const partreg_model *m, const partreg_design *d,
                                       const double *theta, partreg_ri_value what, size_t g0,
                                       size_t g1, double *out)
{
    const partreg_ri_state *st = m->state;
    size_t kb = d->pk + st->nthr;
    if (what == PARTREG_RI_CHECK || what == PARTREG_RI_WEIGHT)
        return row_values(st, d, what, g0, g1, out);
    double *full = NULL; /* SCORE: the base parameters, log sigma 0 */
    if (what == PARTREG_RI_SCORE) {
        if (!(full = malloc((kb + 1) * sizeof *full)))
            return PARTREG_ENOMEM;
        memcpy(full, theta, kb * sizeof *full);
        full[kb] = 0.0;
        theta = full;
    }
    ri_ctx c;
    ctx_init(&c, d, theta);
    double *scratch = work_alloc(st, c.pk, c.k);
    if (!scratch) {
        free(full);
        return PARTREG_ENOMEM;
    }
    ri_work wk;
    work_layout(scratch, st->max_rows, c.pk, c.k, st->Q, c.ncut + 1, &wk);
    partreg_status status = PARTREG_OK;
    int zero = isinf(c.tau) && c.tau < 0;
    for (size_t g = g0; g < g1; g++) {
        double *o = out + (g - g0) * 2;
        gather(&c, st->start[g], st->start[g + 1], &wk);
        if (what == PARTREG_RI_SCORE) {
            row_terms(&c, &wk, 0.0, TERMS_MODE, wk.t);
            double h1 = wsum(&wk, wk.t, T_D1), h2 = wsum(&wk, wk.t, T_D2);
            o[0] = h1 * h1 + h2;
            o[1] = h2 * h2;
            continue;
        }
        double uh, cc;
        if (zero) { /* sigma = 0: every effect is 0 */
            o[0] = 0.0;
            o[1] = 0.0;
        } else if (wk.m == 0) { /* the prior alone */
            o[0] = 0.0;
            o[1] = exp(c.tau);
        } else if (find_mode(&c, &wk, &uh, &cc) == 0) {
            o[0] = uh;
            o[1] = 1.0 / sqrt(cc);
        } else {
            o[0] = o[1] = NAN;
            status = PARTREG_ENUMERIC;
        }
    }
    free(scratch);
    free(full);
    return status;
}

partreg_status partreg_ri_modes(const partreg_model *m, const partreg_design *d,
                                const double *theta, double *mode, double *se)
{
    const partreg_ri_state *st = m->state;
    double *v = calloc((st->G ? st->G : 1) * 2, sizeof *v);
    if (!v)
        return PARTREG_ENOMEM;
    partreg_status status = partreg_ri_group_values(m, d, theta, PARTREG_RI_MODE, 0, st->G, v);
    for (size_t g = 0; status != PARTREG_ENOMEM && g < st->G; g++) {
        mode[g] = v[2 * g];
        se[g] = v[2 * g + 1];
    }
    free(v);
    return status;
}

partreg_status partreg_ri_variance_score(const partreg_model *m, const partreg_design *d,
                                         const double *theta, double *score, double *info)
{
    const partreg_ri_state *st = m->state;
    double *v = calloc((st->G ? st->G : 1) * 2, sizeof *v);
    if (!v)
        return PARTREG_ENOMEM;
    partreg_status status = partreg_ri_group_values(m, d, theta, PARTREG_RI_SCORE, 0, st->G, v);
    double sc = 0.0, in = 0.0;
    for (size_t g = 0; g < st->G; g++) { /* in group order, wherever they were computed */
        sc += v[2 * g];
        in += v[2 * g + 1];
    }
    free(v);
    *score = sc;
    *info = in;
    return status;
}
