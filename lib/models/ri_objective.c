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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/design.h"
#include "models/random_intercept.h"
#include "models/ri_terms.h"

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

/* Per-row terms kept between the passes over a group: at the mode
 * (Hessian passes), and node-weighted (below). */
enum { MD_D3, MD_D4, MD_A2, MD_A3, MD_B2, MD_B3, MD_AA1, MD_AA2, MD_AB1, MD_AB2, MD_BB1, MD_BB2,
       MD_N };
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
} ri_ctx;

/* One group's rows and the member's work space. */
typedef struct ri_work {
    size_t m;                  /* rows of positive weight gathered */
    double *X;                 /* m x pk */
    double *w, *a0, *b0, *cat; /* m */
    double *md;                /* m x MD_N */
    double *gn;                /* m x GN_N */
    double *T;                 /* Q x k: k_p(u_q) */
    double *dh;                /* Q x k */
    double *kq, *kuq, *kuuq, *om; /* Q */
    double *kup, *kuup, *kuuup, *V0, *V1, *du, *dc, *ds, *dbar, *g; /* k */
    double *H;                 /* k x k */
} ri_work;

static size_t work_doubles(size_t M, size_t pk, size_t k, size_t Q)
{
    return 1 + M * (pk + 4 + MD_N + GN_N) + 2 * Q * k + 4 * Q + 10 * k + k * k;
}

static void work_layout(double *scratch, size_t M, size_t pk, size_t k, size_t Q, ri_work *wk)
{
    double *p = scratch + 1; /* scratch[0] is the pass protocol's flag (objective.h) */
    wk->X = p, p += M * pk;
    wk->w = p, p += M;
    wk->a0 = p, p += M;
    wk->b0 = p, p += M;
    wk->cat = p, p += M;
    wk->md = p, p += M * MD_N;
    wk->gn = p, p += M * GN_N;
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
}

/* Rows of positive weight of objective rows [r0, r1) into the work space. */
static void gather(const ri_ctx *c, size_t r0, size_t r1, ri_work *wk)
{
    const partreg_design *d = c->d;
    size_t pk = c->pk, m = 0;
    for (size_t r = r0; r < r1; r++) {
        size_t i = c->st->order[r];
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        double *x = wk->X + m * pk;
        const double *row = d->X + i * d->ldx;
        double eta = 0.0;
        for (size_t j = 0; j < pk; j++) {
            x[j] = d->cols ? row[d->cols[j]] : row[j];
            eta += x[j] * c->beta[j];
        }
        size_t y = (size_t)d->y[i];
        size_t cat = c->st->cumulative ? y : 1 - y;
        double lo = cat > 0 ? c->cut[cat - 1] : -INFINITY;
        double hi = cat < c->ncut ? c->cut[cat] : INFINITY;
        wk->w[m] = w;
        wk->a0[m] = lo + c->s * eta;
        wk->b0[m] = hi + c->s * eta;
        wk->cat[m] = (double)cat;
        m++;
    }
    wk->m = m;
}

/* k, k_u, k_uu at u (the prior included). */
static void mode_sums(const ri_ctx *c, const ri_work *wk, double u, double *k, double *k1,
                      double *k2)
{
    double su = c->s * u, s0 = 0.0, s1 = 0.0, s2 = 0.0;
    for (size_t r = 0; r < wk->m; r++) {
        partreg_ri_row t;
        partreg_ri_row_eval(c->link, wk->a0[r] + su, wk->b0[r] + su, c->s, 2, &t);
        double w = wk->w[r];
        s0 += w * t.l;
        s1 += w * t.d[1];
        s2 += w * t.d[2];
    }
    *k = s0 - 0.5 * c->lambda * u * u;
    *k1 = s1 - c->lambda * u;
    *k2 = s2 - c->lambda;
}

/* The conditional mode u^ of the gathered group, with k(u^) and
 * c = -k''(u^). Returns 0, or -1 when no mode was found (non-finite
 * values, no convergence, c <= 0). */
static int find_mode(const ri_ctx *c, const ri_work *wk, double *u_out, double *k_out,
                     double *c_out)
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
        while (!small && !(isfinite(kn) && kn >= k - MODE_SLACK * fabs(k)) &&
               h++ < MODE_MAX_HALVINGS) {
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
    *k_out = k;
    *c_out = -k2;
    return 0;
}

/* Add scale * x (pk entries) to v's slope block. */
static void add_x(double *v, const double *x, size_t pk, double scale)
{
    for (size_t j = 0; j < pk; j++)
        v[j] += scale * x[j];
}

/* Add a row's threshold entries (lower cut: va, upper cut: vb) to v. */
static void add_cuts(const ri_ctx *c, double *v, double cat, double va, double vb)
{
    if (!c->st->cumulative)
        return;
    size_t cc = (size_t)cat;
    if (cc > 0)
        v[c->pk + cc - 1] += va;
    if (cc < c->ncut)
        v[c->pk + cc] += vb;
}

/* The group's model without the random intercept (sigma = 0: the limit
 * of the approximation as tau -> -inf), into acc. */
static void fixed_group(const ri_ctx *c, const ri_work *wk, partreg_order order,
                        partreg_accum *acc)
{
    size_t pk = c->pk, k = c->k;
    int hess = order == PARTREG_ORDER_HESSIAN;
    for (size_t r = 0; r < wk->m; r++) {
        partreg_ri_row t;
        partreg_ri_row_eval(c->link, wk->a0[r], wk->b0[r], c->s, hess ? 2 : order, &t);
        double w = wk->w[r];
        const double *x = wk->X + r * pk;
        acc->loglik += w * t.l;
        if (!isfinite(t.l))
            acc->nonfinite = 1;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        add_x(acc->grad, x, pk, w * t.d[1]);
        add_cuts(c, acc->grad, wk->cat[r], w * t.a[0], w * t.b[0]);
        if (!hess)
            continue;
        double *I = acc->info;
        for (size_t i = 0; i < pk; i++)
            for (size_t j = 0; j <= i; j++)
                I[i * k + j] -= w * t.d[2] * x[i] * x[j];
        if (!c->st->cumulative)
            continue;
        size_t cc = (size_t)wk->cat[r];
        if (cc > 0) {
            size_t tl = pk + cc - 1;
            add_x(I + tl * k, x, pk, -w * t.a[1]);
            I[tl * k + tl] -= w * t.aa[0];
        }
        if (cc < c->ncut) {
            size_t th = pk + cc;
            add_x(I + th * k, x, pk, -w * t.b[1]);
            I[th * k + th] -= w * t.bb[0];
            if (cc > 0)
                I[th * k + th - 1] -= w * t.ab[0];
        }
    }
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
    size_t pk = c->pk, k = c->k, Q = st->Q, tk = k - 1;
    double lam = c->lambda;
    if (wk->m == 0)
        return; /* no rows of positive weight: L_g = 1, every derivative 0 */
    if (isinf(c->tau) && c->tau < 0) {
        fixed_group(c, wk, order, acc);
        return;
    }
    int grad = order != PARTREG_ORDER_VALUE, hess = order == PARTREG_ORDER_HESSIAN;
    double uh, kh, cc;
    if (find_mode(c, wk, &uh, &kh, &cc) != 0) {
        acc->nonfinite = 1;
        return;
    }
    double sc = 1.0 / sqrt(cc);
    /* ---- the nodes' values and weights */
    double mx = -INFINITY;
    for (size_t q = 0; q < Q; q++) {
        double uq = uh + sc * st->x[q];
        if (Q == 1) {
            wk->kq[q] = kh;
        } else {
            double su = c->s * uq, s0 = 0.0;
            for (size_t r = 0; r < wk->m; r++) {
                partreg_ri_row t;
                partreg_ri_row_eval(c->link, wk->a0[r] + su, wk->b0[r] + su, c->s, 0, &t);
                s0 += wk->w[r] * t.l;
            }
            wk->kq[q] = s0 - 0.5 * lam * uq * uq;
        }
        wk->om[q] = log(st->w[q]) + (wk->kq[q] - kh) + 0.5 * st->x[q] * st->x[q];
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
    double lg = -c->tau - 0.5 * log(cc) + kh + mx + log(S);
    if (!isfinite(lg)) {
        acc->nonfinite = 1;
        return;
    }
    acc->loglik += lg;
    if (!grad)
        return;

    /* ---- the mode's derivatives: k_up, k_uup (and k_uuup, k_uuuu) */
    double kuuu = 0.0, kuuuu = 0.0;
    memset(wk->kup, 0, k * sizeof(double));
    memset(wk->kuup, 0, k * sizeof(double));
    memset(wk->kuuup, 0, k * sizeof(double));
    {
        double su = c->s * uh;
        for (size_t r = 0; r < wk->m; r++) {
            partreg_ri_row t;
            partreg_ri_row_eval(c->link, wk->a0[r] + su, wk->b0[r] + su, c->s, hess ? 4 : 3, &t);
            double w = wk->w[r];
            const double *x = wk->X + r * pk;
            kuuu += w * t.d[3];
            add_x(wk->kup, x, pk, w * t.d[2]);
            add_cuts(c, wk->kup, wk->cat[r], w * t.a[1], w * t.b[1]);
            add_x(wk->kuup, x, pk, w * t.d[3]);
            add_cuts(c, wk->kuup, wk->cat[r], w * t.a[2], w * t.b[2]);
            if (!hess)
                continue;
            kuuuu += w * t.d[4];
            add_x(wk->kuuup, x, pk, w * t.d[4]);
            add_cuts(c, wk->kuuup, wk->cat[r], w * t.a[3], w * t.b[3]);
            double *md = wk->md + r * MD_N;
            md[MD_D3] = t.d[3], md[MD_D4] = t.d[4];
            md[MD_A2] = t.a[2], md[MD_A3] = t.a[3];
            md[MD_B2] = t.b[2], md[MD_B3] = t.b[3];
            md[MD_AA1] = t.aa[1], md[MD_AA2] = t.aa[2];
            md[MD_AB1] = t.ab[1], md[MD_AB2] = t.ab[2];
            md[MD_BB1] = t.bb[1], md[MD_BB2] = t.bb[2];
        }
    }
    wk->kup[tk] = 2.0 * uh * lam;
    wk->kuup[tk] = 2.0 * lam;
    wk->kuuup[tk] = 0.0;
    for (size_t j = 0; j < k; j++) {
        wk->du[j] = wk->kup[j] / cc;
        wk->dc[j] = -(wk->kuup[j] + kuuu * wk->du[j]);
        wk->ds[j] = -(sc / (2.0 * cc)) * wk->dc[j];
    }

    /* ---- the nodes' derivatives */
    memset(wk->T, 0, Q * k * sizeof(double));
    if (hess)
        memset(wk->gn, 0, wk->m * GN_N * sizeof(double));
    double mtt = 0.0; /* sum_q omega_q k_tautau(u_q) */
    double v0t = 0.0, v1t = 0.0;
    for (size_t q = 0; q < Q; q++) {
        double uq = uh + sc * st->x[q], om = wk->om[q], xq = st->x[q];
        double *Tq = wk->T + q * k;
        wk->kuq[q] = wk->kuuq[q] = 0.0;
        if (om == 0.0)
            continue;
        double su = c->s * uq, s1 = 0.0, s2 = 0.0;
        for (size_t r = 0; r < wk->m; r++) {
            partreg_ri_row t;
            partreg_ri_row_eval(c->link, wk->a0[r] + su, wk->b0[r] + su, c->s, hess ? 2 : 1, &t);
            double w = wk->w[r];
            s1 += w * t.d[1];
            add_x(Tq, wk->X + r * pk, pk, w * t.d[1]);
            add_cuts(c, Tq, wk->cat[r], w * t.a[0], w * t.b[0]);
            if (!hess)
                continue;
            s2 += w * t.d[2];
            double *gn = wk->gn + r * GN_N, ow = om * w, oxw = ow * xq;
            gn[GN_D2] += ow * t.d[2];
            gn[GN_A1] += ow * t.a[1];
            gn[GN_B1] += ow * t.b[1];
            gn[GN_AA] += ow * t.aa[0];
            gn[GN_AB] += ow * t.ab[0];
            gn[GN_BB] += ow * t.bb[0];
            gn[GN_XD2] += oxw * t.d[2];
            gn[GN_XA1] += oxw * t.a[1];
            gn[GN_XB1] += oxw * t.b[1];
        }
        wk->kuq[q] = s1 - lam * uq;
        wk->kuuq[q] = s2 - lam;
        Tq[tk] = uq * uq * lam;
        mtt += om * (-2.0 * uq * uq * lam);
        v0t += om * 2.0 * uq * lam;
        v1t += om * xq * 2.0 * uq * lam;
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
    for (size_t r = 0; r < wk->m; r++) {
        const double *gn = wk->gn + r * GN_N, *x = wk->X + r * pk;
        add_x(wk->V0, x, pk, gn[GN_D2]);
        add_cuts(c, wk->V0, wk->cat[r], gn[GN_A1], gn[GN_B1]);
        add_x(wk->V1, x, pk, gn[GN_XD2]);
        add_cuts(c, wk->V1, wk->cat[r], gn[GN_XA1], gn[GN_XB1]);
    }
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
    /* ---- the rows' outer products: K_pp + alpha1 K_upp + alpha2 K_uupp */
    for (size_t r = 0; r < wk->m; r++) {
        const double *gn = wk->gn + r * GN_N, *md = wk->md + r * MD_N, *x = wk->X + r * pk;
        double w = wk->w[r];
        double rho = gn[GN_D2] + w * (alpha1 * md[MD_D3] + alpha2 * md[MD_D4]);
        for (size_t i = 0; i < pk; i++) {
            double ri = rho * x[i];
            for (size_t j = 0; j <= i; j++)
                I[i * k + j] -= ri * x[j];
        }
        if (!st->cumulative)
            continue;
        size_t ct = (size_t)wk->cat[r];
        if (ct > 0) {
            size_t tl = pk + ct - 1;
            add_x(I + tl * k, x, pk, -(gn[GN_A1] + w * (alpha1 * md[MD_A2] + alpha2 * md[MD_A3])));
            I[tl * k + tl] -= gn[GN_AA] + w * (alpha1 * md[MD_AA1] + alpha2 * md[MD_AA2]);
        }
        if (ct < c->ncut) {
            size_t th = pk + ct;
            add_x(I + th * k, x, pk, -(gn[GN_B1] + w * (alpha1 * md[MD_B2] + alpha2 * md[MD_B3])));
            I[th * k + th] -= gn[GN_BB] + w * (alpha1 * md[MD_BB1] + alpha2 * md[MD_BB2]);
            if (ct > 0)
                I[th * k + th - 1] -= gn[GN_AB] + w * (alpha1 * md[MD_AB1] + alpha2 * md[MD_AB2]);
        }
    }
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
    work_layout(scratch, c.st->max_rows, c.pk, c.k, c.st->Q, &wk);
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
    obj->scratch_doubles = work_doubles(st->max_rows, d->pk, obj->k, st->Q);
    obj->group_start = st->start;
    obj->n_groups = st->G;
    obj->team = NULL;
}

/* A work space for one caller (not a pass member). */
static double *work_alloc(const partreg_ri_state *st, size_t pk, size_t k)
{
    return malloc(work_doubles(st->max_rows, pk, k, st->Q) * sizeof(double));
}

partreg_status partreg_ri_modes(const partreg_model *m, const partreg_design *d,
                                const double *theta, double *mode, double *se)
{
    const partreg_ri_state *st = m->state;
    ri_ctx c;
    ctx_init(&c, d, theta);
    double *scratch = work_alloc(st, c.pk, c.k);
    if (!scratch)
        return PARTREG_ENOMEM;
    ri_work wk;
    work_layout(scratch, st->max_rows, c.pk, c.k, st->Q, &wk);
    partreg_status status = PARTREG_OK;
    int zero = isinf(c.tau) && c.tau < 0;
    for (size_t g = 0; g < st->G; g++) {
        gather(&c, st->start[g], st->start[g + 1], &wk);
        double uh, kh, cc;
        if (zero) { /* sigma = 0: every effect is 0 */
            mode[g] = 0.0;
            se[g] = 0.0;
        } else if (wk.m == 0) { /* the prior alone */
            mode[g] = 0.0;
            se[g] = exp(c.tau);
        } else if (find_mode(&c, &wk, &uh, &kh, &cc) == 0) {
            mode[g] = uh;
            se[g] = 1.0 / sqrt(cc);
        } else {
            mode[g] = se[g] = NAN;
            status = PARTREG_ENUMERIC;
        }
    }
    free(scratch);
    return status;
}

partreg_status partreg_ri_variance_score(const partreg_model *m, const partreg_design *d,
                                         const double *theta, double *score, double *info)
{
    const partreg_ri_state *st = m->state;
    ri_ctx c;
    ctx_init(&c, d, theta);
    double *scratch = work_alloc(st, c.pk, c.k);
    if (!scratch)
        return PARTREG_ENOMEM;
    ri_work wk;
    work_layout(scratch, st->max_rows, c.pk, c.k, st->Q, &wk);
    double sc = 0.0, in = 0.0;
    for (size_t g = 0; g < st->G; g++) {
        gather(&c, st->start[g], st->start[g + 1], &wk);
        double h1 = 0.0, h2 = 0.0;
        for (size_t r = 0; r < wk.m; r++) {
            partreg_ri_row t;
            partreg_ri_row_eval(c.link, wk.a0[r], wk.b0[r], c.s, 2, &t);
            h1 += wk.w[r] * t.d[1];
            h2 += wk.w[r] * t.d[2];
        }
        sc += h1 * h1 + h2;
        in += h2 * h2;
    }
    free(scratch);
    *score = sc;
    *info = in;
    return PARTREG_OK;
}
