/* The Brant test's J-1 binary logits fitted together, and the
 * cross-products of their covariance, in shared passes over the rows: the
 * fast route of brant.c (which has the test, its definitions and the plain
 * route this one is held to, tests/test_brant_routes.c).
 *
 * The fits. Cut j (j < m = J - 1) is the binary logit of y_ij = 1{y_i > j}
 * on z_i = (1, x_i) (x the kept columns), q = pk + 1 parameters b_j, with
 * F_ij = F(z_i'b_j), S_ij = 1 - F_ij,
 *   l_j = sum_i log P(y_ij),  g_j = sum_i (y_ij - F_ij) z_i,
 *   A_j = sum_i F_ij S_ij z_i z_i'  (the information, observed = expected).
 * The cuts are independent problems; a pass reads each chunk of rows once
 * for every cut (X's rows in place: the 1 of z is carried by the sums, see
 * cut_pass).
 *
 * Newton's method from the ordinal estimates (cut j: intercept -theta_j,
 * slopes beta: the binary logits' parameters when the lines are parallel),
 * which on the bench data are within about 1% (relative) of the cut fits'
 * estimates. The information is formed over all rows at the first point
 * (the anchor a, with the gradient); at the points after it, it is
 * estimated as
 *   A_j(b) ~ A_j(a) + f (A^s_j(b) - A^s_j(a)),
 * A^s the sum over the subsample of every SUB_STRIDE-th row, f = n / n_s:
 * the information changes by about the distance moved (relative), and the
 * subsample estimates that change to a few percent, so a step from the
 * estimate misses the cut fits' estimates by about 1e-4 of its length
 * (1e-3 at 10^5 rows), for a SUB_STRIDE-th of an information pass on top
 * of the gradient's. The step from an anchor, which leaves about its
 * square, is corrected for the curvature of the gradient (curve_step),
 * estimated from the subsample in a pass that reads it alone: it then
 * leaves some percent of that. On the bench data (p = 10, J = 5) the fits
 * take the anchor's pass, the curvature's sixteenth of a pass, two or three
 * passes with the subsample's estimate, and the last pass below.
 *
 * Safeguards. A point farther than ANCHOR_DISTANCE from the anchor gets a
 * new one. The passes after steps larger than VALUE_STEP evaluate the
 * log-likelihood (and the point the step starts from gets a pass for its
 * own, when it has none), which judges the step (halved when it falls,
 * then a new anchor); after smaller ones the step is kept when the Newton
 * step from its point is smaller than the one before (the log-likelihood
 * is concave: near its maximum each step shrinks the next), else a new
 * anchor at the point before and the log-likelihood at every pass from
 * then on. An estimate that is not positive definite gets a new anchor.
 *
 * The last pass. When the step from the current point is predicted to
 * leave less than FINAL_ERROR of the estimate (and is below FINAL_MAX_STEP,
 * where the log-likelihood cannot fall beyond its rounding), the pass at
 * the point it leads to forms, over all rows, each cut's gradient and
 * information (exact there) and every cross-product Z'W_jl Z,
 * W_jl = diag(F_il S_ij), j < l (brant.c). The Newton step from there is
 * the fits' convergence test: below DIAGONAL_STEP (relative) it is taken,
 * and the pass's sums are the estimate's to about that; else the
 * iteration goes on from that point with its exact information.
 *
 * Everything that does not go this way (a start that is not finite, an
 * information over all rows that is not positive definite, no halving
 * that helps, separation, the iteration limit, last passes whose steps
 * stay above DIAGONAL_STEP) is left to the plain route,
 * whose separate fits give the messages. Passes: segments fixed by n, q
 * and J, merged in segment order, so the sums are the same bits at any
 * thread count; each pass adds the rows it reads to the fit's count. */
/* gcc 12 at -O2 keeps the row loops here (a row's copy, the sums, the
 * pairs' weights) scalar unless it may use -O3's vectoriser cost model,
 * and makes a row's copy a call of memcpy unless told not to; neither
 * changes a value. Guarded so clang-based tools never see gcc-only
 * options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/spd.h"
#include "core/team.h"
#include "inference/inference_internal.h"
#include "models/kernels/rank_update.h"
#include "models/kernels/row_products.h"
#include "models/kernels/terms.h"

/* The subsample: rows whose index is a multiple of this (a systematic
 * sample: no range of a sorted file is left out). */
#define SUB_STRIDE 16
/* Subsample rows gathered before their rank updates, at least (a call of
 * the rank update costs about as much as a few dozen rows). */
#define SUB_ROWS 128
/* A point farther than this (relative, the largest entry) from the anchor
 * gets a new anchor: the estimate's error is about the distance times the
 * subsample's relative error. */
#define ANCHOR_DISTANCE 0.05
/* The passes after a step larger than this evaluate the log-likelihood. */
#define VALUE_STEP ANCHOR_DISTANCE
/* An exact step larger than this (relative) is corrected for the
 * curvature: below it, its square is far below what the steps after it
 * leave. */
#define CURVE_STEP 1e-6
/* A predicted distance is this multiple of its estimate (as newton.c's
 * CHORD_SAFETY). */
#define PREDICT_SAFETY 4.0
/* The last pass's Newton step below this (relative) ends the fits: its
 * information and cross-products are then those of the estimate to about
 * this (the statistics to a few times it). */
#define DIAGONAL_STEP 1e-13
/* The last pass follows a step predicted to leave less than this, no
 * larger than FINAL_MAX_STEP. */
#define FINAL_ERROR (DIAGONAL_STEP / 2)
#define FINAL_MAX_STEP 1e-8
/* Last passes at most (one, but for a prediction that fails). */
#define LAST_PASSES_MAX 3
/* Step-halving accepts a log-likelihood lower by at most this fraction of
 * 1 + |loglik| (newton.c's HALVING_SLACK). */
#define HALVING_SLACK 1e-13
/* Segment states at most (doubles): the segments fixed by n, q and J. */
#define CUT_STATE_DOUBLES ((size_t)1 << 22)

/* What a pass computes (bits). */
enum {
    CUT_VALUE = 1u, /* the sum of the cuts' log-likelihoods */
    CUT_GRAD = 2u,  /* each cut's gradient */
    CUT_INFO = 4u,  /* each cut's information over all rows */
    CUT_SUB = 8u,   /* each cut's information over the subsample */
    CUT_CROSS = 16u /* every Z'W_jl Z, j < l (not with CUT_VALUE: F and S are kept) */
};

/* One pass: the rows' segments, what they compute, their states. A
 * q x q block of a segment's state holds sum h z z' as the kernels give it
 * over x = z without its 1: sum h x x' in the lower triangle of rows and
 * columns 1.., and in row 0 sum h (column 0) and sum h x (columns 1..),
 * which the merge moves to column 0. */
typedef struct cut_pass {
    const partreg_design *d; /* the fit's design */
    const double *y;         /* the ordinal codes */
    const double *theta;     /* m x q parameters */
    const double *dir;       /* m x q: a step (the curvature pass) */
    size_t n, q, m, npairs;  /* rows, columns of Z, cuts, pairs j <= l */
    size_t nseg, block, chunk, per, nt;
    size_t sub_cap; /* subsample rows gathered at most */
    unsigned what;
    int same_slopes; /* every cut's slopes are theta's first cut's (the ordinal
                      * estimates): x'b_j is made once a row */
    double *seg;   /* nseg x per: loglik, nonfinite, gradient (m q), the pairs'
                    * sums (npairs q q), the subsample's (m q q) */
    double **work; /* a member's: the kept columns (when some were dropped),
                    * eta, l, h, then F, S, g, h per cut, zp, zn, the
                    * subsample's rows and weights, x'b (curve_segment: its
                    * own) */
} cut_pass;

/* The merged sums of a pass (the parts it computed). */
typedef struct cut_sums {
    double loglik;
    int nonfinite;
    double *grad;  /* m q */
    double *pairs; /* npairs q q, full blocks */
    double *sub;   /* m q q, full */
} cut_sums;

/* A member's work: cut_segment's layout (the larger; curve_segment's is
 * the kept columns and 8 rows' worth). */
static size_t work_doubles(const cut_pass *c)
{
    size_t pk = c->q - 1, cap = c->sub_cap, big = c->chunk > cap ? c->chunk : cap;
    return big * pk + 4 * big + 4 * c->m * big + 2 * big * pk + cap * (pk + c->m);
}

/* z[c] = x[c], c < k */
static void copy_row(double *restrict z, const double *restrict x, size_t k)
{
    for (size_t c = 0; c < k; c++)
        z[c] = x[c];
}

/* the sum of v[0..rows), row r into stripe r mod 4 */
static double sum_rows(const double *restrict v, size_t rows)
{
    double t[4] = {0.0, 0.0, 0.0, 0.0};
    size_t r = 0;
    for (; r + 4 <= rows; r += 4)
        for (size_t u = 0; u < 4; u++)
            t[u] += v[r + u];
    for (; r < rows; r++)
        t[r % 4] += v[r];
    return (t[0] + t[1]) + (t[2] + t[3]);
}

/* h[r] = F[r] S[r]: the weight pi_l (1 - pi_j) of the pair j < l */
static void pair_weights(const double *restrict F, const double *restrict S, size_t rows,
                         double *restrict h)
{
    for (size_t r = 0; r < rows; r++)
        h[r] = F[r] * S[r];
}

/* A block (see cut_pass) += sum h z z' over rows of X (pk columns, stride
 * lda), and with g the gradient grad (q) += sum g z; sums[0] and sums[1]
 * are the rows' sums of g and h. The rank update sums x h x' and, from
 * the same reads, h x (its gradient's slot). */
static void block_rows(partreg_isa isa, double *A, size_t q, const double *X, size_t lda,
                       const double *h, const double *g, const double *sums, double *grad,
                       size_t rows, double *zp, double *zn)
{
    size_t pk = q - 1;
    partreg_info_add(isa, A + q + 1, q, pk, X, lda, h, h, A + 1, rows, zp, zn);
    A[0] += sums[1];
    if (!g)
        return;
    partreg_rows_weighted_sum(isa, X, lda, pk, g, rows, grad + 1);
    grad[0] += sums[0];
}

/* The subsample's rows gathered so far (ns of them: Xs, and each cut's
 * weights at hs + j cap) into each cut's sums. */
static void sub_flush(partreg_isa isa, size_t q, size_t m, size_t cap, const double *Xs,
                      const double *hs, size_t ns, double *sub, double *zp, double *zn)
{
    for (size_t j = 0; ns > 0 && j < m; j++) {
        double sums[2] = {0.0, sum_rows(hs + j * cap, ns)};
        block_rows(isa, sub + j * q * q, q, Xs, q - 1, hs + j * cap, NULL, sums, NULL, ns, zp,
                   zn);
    }
}

static void cut_segment(void *arg, size_t s, size_t t)
{
    const cut_pass *c = arg;
    size_t q = c->q, pk = q - 1, m = c->m, B = c->chunk, qq = q * q, b, e;
    partreg_segment_rows(c->n, c->block, c->nseg, s, &b, &e);
    unsigned what = c->what;
    double *st = c->seg + s * c->per;
    double *grad = st + 2, *pairs = grad + m * q, *sub = pairs + c->npairs * qq;
    memset(st, 0, (2 + m * q) * sizeof *st); /* what the pass fills */
    if (what & (CUT_INFO | CUT_CROSS))
        memset(pairs, 0, c->npairs * qq * sizeof *pairs);
    if (what & CUT_SUB)
        memset(sub, 0, m * qq * sizeof *sub);
    size_t cap = c->sub_cap, big = B > cap ? B : cap;
    double *gather = c->work[t], *eta = gather + big * pk, *wl = eta + big;
    double *h = wl + big, *cut = h + big, *zp = cut + 4 * m * big, *zn = zp + big * pk;
    double *Xs = zn + big * pk, *hs = Xs + cap * pk, *x_beta = hs + cap * m;
    size_t ns = 0; /* subsample rows gathered */
    partreg_isa isa = partreg_route_isa(c->d->kernel);
    const partreg_terms *terms = partreg_terms_for(isa);
    for (size_t i0 = b; i0 < e; i0 += B) {
        size_t rows = e - i0 < B ? e - i0 : B, lda = c->d->ldx;
        const double *xb = c->d->X + i0 * lda;
        if (c->d->cols) { /* gather the kept columns only when some were dropped */
            for (size_t r = 0; r < rows; r++)
                partreg_design_row(c->d, i0 + r, gather + r * pk);
            xb = gather;
            lda = pk;
        }
        for (size_t j = 0; j < m; j++) {
            double *F = cut + 4 * j * B, *S = F + B, *g = S + B, *hw = g + B;
            const double *bj = c->theta + j * q;
            if (!c->same_slopes) {
                partreg_rows_dot(isa, xb, lda, pk, bj + 1, rows, eta);
            } else { /* the terms add the intercept to eta in place */
                if (j == 0)
                    partreg_rows_dot(isa, xb, lda, pk, bj + 1, rows, x_beta);
                memcpy(eta, x_beta, rows * sizeof *eta);
            }
            double sums[2]; /* of g and h */
            if (what & CUT_VALUE) {
                double ll = terms->binary_logit_cut_value(eta, bj[0], c->y + i0, (double)j, rows,
                                                          wl, g, hw, sums);
                st[0] += ll;
                if (!isfinite(ll))
                    st[1] = 1.0;
            } else {
                terms->binary_logit_cut(eta, bj[0], c->y + i0, (double)j, rows, F, S, g, hw, sums);
            }
            double *gj = grad + j * q;
            if (what & CUT_INFO) {
                block_rows(isa, pairs + partreg_brant_pair(j, j, m) * qq, q, xb, lda, hw, g, sums,
                           gj, rows, zp, zn);
            } else if (what & CUT_GRAD) {
                partreg_rows_weighted_sum(isa, xb, lda, pk, g, rows, gj + 1);
                gj[0] += sums[0];
            }
        }
        if (what & CUT_SUB) {
            size_t r0 = (SUB_STRIDE - i0 % SUB_STRIDE) % SUB_STRIDE; /* the first sampled row */
            if (ns + B / SUB_STRIDE + 1 > cap) {
                sub_flush(isa, q, m, cap, Xs, hs, ns, sub, zp, zn);
                ns = 0;
            }
            for (size_t r = r0; r < rows; r += SUB_STRIDE, ns++) {
                copy_row(Xs + ns * pk, xb + r * lda, pk);
                for (size_t j = 0; j < m; j++)
                    hs[j * cap + ns] = cut[4 * j * B + 3 * B + r];
            }
        }
        if (!(what & CUT_CROSS))
            continue;
        for (size_t j = 0; j < m; j++)
            for (size_t l = j + 1; l < m; l++) {
                pair_weights(cut + 4 * l * B, cut + 4 * j * B + B, rows, h); /* F_l S_j */
                double sums[2] = {0.0, sum_rows(h, rows)};
                block_rows(isa, pairs + partreg_brant_pair(j, l, m) * qq, q, xb, lda, h, NULL,
                           sums, NULL, rows, zp, zn);
            }
    }
    if (what & CUT_SUB)
        sub_flush(isa, q, m, cap, Xs, hs, ns, sub, zp, zn);
}

/* The curvature pass: over the subsample's rows only, each cut's
 * T_j = sum_i F'' (z_i's_j)^2 z_i at theta (F'' = F S (S - F), the
 * derivative of the weight F S), s = c->dir, into the gradient's slot. */
static void curve_segment(void *arg, size_t s, size_t t)
{
    const cut_pass *c = arg;
    size_t q = c->q, pk = q - 1, m = c->m, B = c->chunk, cap = c->sub_cap, b, e;
    size_t big = B > cap ? B : cap;
    partreg_segment_rows(c->n, c->block, c->nseg, s, &b, &e);
    double *st = c->seg + s * c->per, *T = st + 2;
    memset(st, 0, (2 + m * q) * sizeof *st);
    double *Xs = c->work[t], *ys = Xs + big * pk, *eta = ys + big, *u = eta + big;
    double *F = u + big, *S = F + big, *g = S + big, *hw = g + big;
    partreg_isa isa = partreg_route_isa(c->d->kernel);
    const partreg_terms *terms = partreg_terms_for(isa);
    size_t i = b + (SUB_STRIDE - b % SUB_STRIDE) % SUB_STRIDE;
    while (i < e) {
        size_t ns = 0;
        for (; i < e && ns < cap; i += SUB_STRIDE, ns++) {
            if (c->d->cols)
                partreg_design_row(c->d, i, Xs + ns * pk); /* gathers the kept columns */
            else
                copy_row(Xs + ns * pk, c->d->X + i * c->d->ldx, pk);
            ys[ns] = c->y[i];
        }
        for (size_t j = 0; j < m; j++) {
            const double *bj = c->theta + j * q, *sj = c->dir + j * q;
            partreg_rows_dot(isa, Xs, pk, pk, bj + 1, ns, eta);
            double sums[2];
            terms->binary_logit_cut(eta, bj[0], ys, (double)j, ns, F, S, g, hw, sums);
            partreg_rows_dot(isa, Xs, pk, pk, sj + 1, ns, u);
            for (size_t r = 0; r < ns; r++) {
                double ur = u[r] + sj[0];
                u[r] = hw[r] * (S[r] - F[r]) * (ur * ur);
            }
            partreg_rows_weighted_sum(isa, Xs, pk, pk, u, ns, T + j * q + 1);
            T[j * q] += sum_rows(u, ns);
        }
    }
}

/* a += b for blocks laid out as cut_pass says, a's in the lower triangle */
static void block_add(double *a, const double *b, size_t q)
{
    a[0] += b[0];
    for (size_t x = 1; x < q; x++) {
        a[x * q] += b[x];
        for (size_t z = 1; z <= x; z++)
            a[x * q + z] += b[x * q + z];
    }
}

static void block_symmetrise(double *a, size_t q)
{
    for (size_t x = 0; x < q; x++)
        for (size_t z = 0; z < x; z++)
            a[z * q + x] = a[x * q + z];
}

/* One pass at theta computing `what` into out, merged in segment order. */
static void cut_pass_run(cut_pass *c, const double *theta, unsigned what, cut_sums *out)
{
    size_t q = c->q, m = c->m, qq = q * q;
    c->theta = theta;
    c->what = what;
    c->same_slopes = 1;
    for (size_t j = 1; j < m; j++)
        c->same_slopes &= memcmp(theta + 1, theta + j * q + 1, (q - 1) * sizeof *theta) == 0;
    partreg_team_run_segments(NULL, c->nt, c->nseg, cut_segment, c);
    out->loglik = 0.0;
    out->nonfinite = 0;
    memset(out->grad, 0, m * q * sizeof *out->grad);
    memset(out->pairs, 0, c->npairs * qq * sizeof *out->pairs);
    memset(out->sub, 0, m * qq * sizeof *out->sub);
    for (size_t s = 0; s < c->nseg; s++) { /* in segment order: the same bits at any nt */
        const double *st = c->seg + s * c->per;
        const double *grad = st + 2, *pairs = grad + m * q, *sub = pairs + c->npairs * qq;
        out->loglik += st[0];
        out->nonfinite |= st[1] != 0.0;
        if (what & (CUT_GRAD | CUT_INFO))
            for (size_t x = 0; x < m * q; x++)
                out->grad[x] += grad[x];
        for (size_t j = 0; j < m; j++)
            for (size_t l = j; l < m; l++) {
                size_t at = partreg_brant_pair(j, l, m) * qq;
                if (l == j ? (what & CUT_INFO) : (what & CUT_CROSS))
                    block_add(out->pairs + at, pairs + at, q);
            }
        if (what & CUT_SUB)
            for (size_t j = 0; j < m; j++)
                block_add(out->sub + j * qq, sub + j * qq, q);
    }
    for (size_t p = 0; p < c->npairs; p++)
        block_symmetrise(out->pairs + p * qq, q);
    for (size_t j = 0; j < m; j++)
        block_symmetrise(out->sub + j * qq, q);
    for (size_t x = 0; x < m * q; x++)
        if (!isfinite(out->grad[x]))
            out->nonfinite = 1;
}

/* The iteration's state. */
typedef struct cut_fit {
    const partreg_fit *fit;
    cut_pass pass;
    size_t K;                     /* m q */
    double ratio;                 /* f = n / n_s */
    double *theta, *trial, *step; /* K each */
    double *grad;                 /* K: at theta */
    double *info;                 /* m q q: the information the steps use */
    double *anchor, *anchor_sub;  /* m q q each: at the anchor */
    double *anchor_theta;         /* K */
    cut_sums sums;                /* the last pass's */
    partreg_spd *spd;
    partreg_brant_cut_stats *stats;
    /* where the iteration is */
    double loglik; /* at theta when valued, else the last one evaluated (a
                    * scale for the separation test) */
    int valued;    /* loglik is theta's */
    double dec, rel;   /* the step from theta: g's, its largest relative entry */
    int exact;         /* info was formed at theta over all rows */
    int prev_exact;    /* the step that led to theta was from such information */
    double prev_rel;   /* and its size */
    int careful;       /* every pass evaluates the log-likelihood */
} cut_fit;

static void count_pass(cut_fit *cf, unsigned what)
{
    partreg_fit_count_rows(cf->fit, cf->pass.n);
    cf->stats->passes++;
    if (what & CUT_INFO)
        cf->stats->info_passes++;
}

/* The largest |a_x - b_x| / (1 + |b_x|). */
static double rel_distance(const double *a, const double *b, size_t K)
{
    double r = 0.0;
    for (size_t x = 0; x < K; x++)
        r = fmax(r, fabs(a[x] - b[x]) / (1.0 + fabs(b[x])));
    return r;
}

/* The Newton step from info and grad at theta into step, each cut's
 * system on its own, with cf->dec and cf->rel. -1 when some cut's
 * information is not positive definite. */
static int newton_step(cut_fit *cf)
{
    size_t q = cf->pass.q, qq = q * q;
    for (size_t j = 0; j < cf->pass.m; j++)
        if (partreg_spd_solve(cf->spd, cf->info + j * qq, cf->grad + j * q, cf->step + j * q) !=
            0)
            return -1;
    cf->dec = 0.0;
    cf->rel = 0.0;
    for (size_t x = 0; x < cf->K; x++) {
        cf->dec += cf->grad[x] * cf->step[x];
        cf->rel = fmax(cf->rel, fabs(cf->step[x]) / (1.0 + fabs(cf->theta[x])));
    }
    return 0;
}

/* Take the last pass's gradient, and its information over all rows as the
 * anchor's when it has them (else info = the anchor's + f (the subsample's
 * - the anchor's)). */
static void take_sums(cut_fit *cf, unsigned what)
{
    size_t m = cf->pass.m, qq = cf->pass.q * cf->pass.q, mqq = m * qq;
    memcpy(cf->grad, cf->sums.grad, cf->K * sizeof *cf->grad);
    if (!(what & CUT_INFO)) {
        for (size_t x = 0; x < mqq; x++)
            cf->info[x] = cf->anchor[x] + cf->ratio * (cf->sums.sub[x] - cf->anchor_sub[x]);
        cf->exact = 0;
        return;
    }
    for (size_t j = 0; j < m; j++)
        memcpy(cf->info + j * qq, cf->sums.pairs + partreg_brant_pair(j, j, m) * qq,
               qq * sizeof *cf->info);
    cf->exact = 1;
    if (!(what & CUT_SUB))
        return;
    memcpy(cf->anchor, cf->info, mqq * sizeof *cf->anchor);
    memcpy(cf->anchor_sub, cf->sums.sub, mqq * sizeof *cf->anchor_sub);
    memcpy(cf->anchor_theta, cf->theta, cf->K * sizeof *cf->theta);
}

/* The step s from exact information corrected for the gradient's
 * curvature: g(theta + s) = g - A s - T(s)/2 + O(s^3), T(s) = sum F''
 * (z's)^2 z, so s - A^-1 T(s)/2 leaves O(s^3) where s leaves O(s^2).
 * T(s) is estimated from the subsample (f times its sum), which reads a
 * SUB_STRIDE-th of the rows: the step then leaves the estimate's relative
 * error times s^2. 0, or -1 when the correction is not finite. */
static int curve_step(cut_fit *cf)
{
    cut_pass *c = &cf->pass;
    size_t q = c->q, qq = q * q, K = cf->K;
    c->theta = cf->theta;
    c->dir = cf->step;
    partreg_team_run_segments(NULL, c->nt, c->nseg, curve_segment, c);
    size_t ns = (c->n + SUB_STRIDE - 1) / SUB_STRIDE;
    partreg_fit_count_rows(cf->fit, ns);
    double *T = cf->sums.grad, *dx = cf->trial; /* trial is free here */
    memset(T, 0, K * sizeof *T);
    for (size_t s = 0; s < c->nseg; s++) /* in segment order */
        for (size_t x = 0; x < K; x++)
            T[x] += c->seg[s * c->per + 2 + x];
    for (size_t j = 0; j < c->m; j++)
        if (partreg_spd_solve(cf->spd, cf->info + j * qq, T + j * q, dx + j * q) != 0)
            return -1;
    cf->rel = 0.0;
    cf->dec = 0.0;
    for (size_t x = 0; x < K; x++) {
        cf->step[x] -= 0.5 * cf->ratio * dx[x];
        if (!isfinite(cf->step[x]))
            return -1;
        cf->dec += cf->grad[x] * cf->step[x];
        cf->rel = fmax(cf->rel, fabs(cf->step[x]) / (1.0 + fabs(cf->theta[x])));
    }
    return 0;
}

/* A new anchor at theta (its value, gradient and information over all
 * rows and over the subsample), and the step from it, corrected for the
 * curvature when it is larger than CURVE_STEP. 0, or -1 when the value is
 * not finite or the information not positive definite. */
static int anchor_at_theta(cut_fit *cf)
{
    unsigned what = CUT_GRAD | CUT_INFO | CUT_SUB | (cf->careful ? CUT_VALUE : 0u);
    cut_pass_run(&cf->pass, cf->theta, what, &cf->sums);
    count_pass(cf, what);
    if (cf->sums.nonfinite || !isfinite(cf->sums.loglik))
        return -1;
    if (what & CUT_VALUE) {
        cf->loglik = cf->sums.loglik;
        cf->valued = 1;
    }
    take_sums(cf, what);
    cf->prev_exact = 1;
    cf->prev_rel = 0.0;
    if (newton_step(cf) != 0)
        return -1;
    return cf->rel > CURVE_STEP ? curve_step(cf) : 0;
}

/* The distance the step from theta leaves to the estimate, as predicted
 * from the information it used: r^2 from the exact one; from an estimate,
 * the contraction rho of the step before (its size over this one's) or,
 * the first time, the distance from the anchor (what the estimate
 * corrects). */
static double predicted_distance(const cut_fit *cf)
{
    double r = cf->rel, rho = 0.0;
    if (!cf->exact)
        rho = !cf->prev_exact && cf->prev_rel > 0.0
                  ? r / cf->prev_rel
                  : rel_distance(cf->theta, cf->anchor_theta, cf->K) + r;
    return PREDICT_SAFETY * (rho * r + r * r);
}

/* The last pass at trial (see the top). 1 when the Newton step from there
 * is below DIAGONAL_STEP (B and the pairs hold the estimate's), 0 when the
 * iteration goes on (from trial with its exact information, or from a new
 * anchor at theta when the step from trial is not smaller than theta's),
 * -1 when the plain route must answer. */
static int last_pass(cut_fit *cf, double *B)
{
    unsigned what = CUT_GRAD | CUT_INFO | CUT_CROSS;
    if (cf->stats->last_passes++ >= LAST_PASSES_MAX)
        return -1; /* the steps stall above DIAGONAL_STEP: rounding, or no maximum */
    cut_pass_run(&cf->pass, cf->trial, what, &cf->sums);
    count_pass(cf, what);
    double dec = cf->dec;
    if (!cf->sums.nonfinite) {
        double *t = cf->theta;
        cf->theta = cf->trial;
        take_sums(cf, what);
        int ok = newton_step(cf) == 0 && (cf->dec < dec || cf->rel < DIAGONAL_STEP);
        cf->theta = t;
        if (ok) {
            memcpy(cf->theta, cf->trial, cf->K * sizeof *cf->theta);
            cf->valued = 0;
            if (cf->rel < DIAGONAL_STEP) {
                for (size_t x = 0; x < cf->K; x++)
                    B[x] = cf->theta[x] + cf->step[x];
                return 1;
            }
            cf->prev_exact = 1;
            cf->prev_rel = cf->rel;
            return 0;
        }
    }
    cf->careful = 1;
    return anchor_at_theta(cf);
}

/* Step-halving from theta along step after the full step failed: the
 * first 2^-h step whose log-likelihood is finite and at least floor
 * becomes theta. 0, or -1 when none does. */
static int halve(cut_fit *cf, double floor)
{
    for (int h = 1; h <= cf->fit->opt.max_halvings; h++) {
        double t = ldexp(1.0, -h);
        for (size_t x = 0; x < cf->K; x++)
            cf->trial[x] = cf->theta[x] + t * cf->step[x];
        cut_pass_run(&cf->pass, cf->trial, CUT_VALUE, &cf->sums);
        count_pass(cf, CUT_VALUE);
        if (!cf->sums.nonfinite && isfinite(cf->sums.loglik) && cf->sums.loglik >= floor) {
            memcpy(cf->theta, cf->trial, cf->K * sizeof *cf->theta);
            cf->loglik = cf->sums.loglik;
            cf->valued = 1;
            return 0;
        }
    }
    return -1;
}

/* A step to trial and the pass there: its gradient, the information over
 * all rows (a new anchor) when trial is far from the anchor, else the
 * subsample's, and the log-likelihood for a large step (or in careful
 * mode). A pass without it keeps the step when the step from trial is
 * smaller than theta's; a step the log-likelihood rejects is halved. 0, or
 * -1 when the plain route must answer. */
static int regular_step(cut_fit *cf)
{
    unsigned what = CUT_GRAD | CUT_SUB;
    if (cf->careful || cf->rel > VALUE_STEP)
        what |= CUT_VALUE;
    if ((what & CUT_VALUE) && !cf->valued) { /* the value the trial's is judged against */
        cut_pass_run(&cf->pass, cf->theta, CUT_VALUE, &cf->sums);
        count_pass(cf, CUT_VALUE);
        if (cf->sums.nonfinite || !isfinite(cf->sums.loglik))
            return -1;
        cf->loglik = cf->sums.loglik;
        cf->valued = 1;
    }
    if (rel_distance(cf->trial, cf->anchor_theta, cf->K) > ANCHOR_DISTANCE)
        what |= CUT_INFO;
    cut_pass_run(&cf->pass, cf->trial, what, &cf->sums);
    count_pass(cf, what);
    double floor = cf->loglik - HALVING_SLACK * (1.0 + fabs(cf->loglik));
    int finite = !cf->sums.nonfinite && ((what & CUT_VALUE) ? isfinite(cf->sums.loglik) : 1);
    if (finite && (!(what & CUT_VALUE) || cf->sums.loglik >= floor)) {
        double dec = cf->dec, rel = cf->rel, *t = cf->theta;
        int exact = cf->exact;
        cf->theta = cf->trial; /* the point the sums are at (for the anchor) */
        take_sums(cf, what);
        int solved = newton_step(cf) == 0;
        cf->theta = t;
        if (!(what & CUT_VALUE) && (!solved || cf->dec >= dec)) {
            cf->careful = 1; /* rejected: a new anchor at theta, every value evaluated */
            return anchor_at_theta(cf);
        }
        memcpy(cf->theta, cf->trial, cf->K * sizeof *cf->theta);
        cf->valued = (what & CUT_VALUE) != 0;
        if (cf->valued)
            cf->loglik = cf->sums.loglik;
        cf->prev_exact = exact;
        cf->prev_rel = rel;
        if (solved) /* a new anchor's step is corrected as anchor_at_theta's */
            return (what & CUT_INFO) && cf->rel > CURVE_STEP ? curve_step(cf) : 0;
        /* the estimated information is not positive definite: form it */
        return cf->exact ? -1 : anchor_at_theta(cf);
    }
    if (!(what & CUT_VALUE)) { /* not finite without a value: judge it with one */
        cf->careful = 1;
        return anchor_at_theta(cf);
    }
    /* halve, then a new anchor at the point accepted */
    if (halve(cf, floor) != 0 && cf->exact)
        return -1;
    return anchor_at_theta(cf);
}

/* The iteration (see the top). 1 when B and the pairs are the estimate's,
 * 0 when the plain route must answer. */
static int cut_newton(cut_fit *cf, double *B)
{
    const partreg_fit_options *opt = &cf->fit->opt;
    if (anchor_at_theta(cf) != 0)
        return 0;
    int negligible_run = 0;
    for (int it = 0; it < opt->max_iter; it++) {
        cf->stats->iterations++;
        int dec_small = fabs(cf->dec) < opt->rel_tol * (1.0 + fabs(cf->loglik));
        negligible_run = dec_small && cf->rel > opt->separation_step ? negligible_run + 1 : 0;
        if (negligible_run >= opt->separation_patience)
            return 0; /* separation: the plain route's fits say where */
        for (size_t x = 0; x < cf->K; x++)
            cf->trial[x] = cf->theta[x] + cf->step[x];
        int r = predicted_distance(cf) < FINAL_ERROR && cf->rel < FINAL_MAX_STEP
                    ? last_pass(cf, B)
                    : regular_step(cf);
        if (r != 0)
            return r > 0;
    }
    return 0;
}

/* The passes' and the iteration's memory. PARTREG_OK or PARTREG_ENOMEM
 * (cut_fit_free frees what was allocated). */
static partreg_status cut_fit_init(cut_fit *cf, const partreg_fit *fit, const partreg_design *d,
                                   const double *y, size_t q, partreg_brant_cut_stats *stats)
{
    size_t n = fit->n, m = fit->J - 1, K = m * q, qq = q * q;
    memset(cf, 0, sizeof *cf);
    cf->fit = fit;
    cf->K = K;
    cf->loglik = fit->loglik; /* a scale until the first value */
    cf->stats = stats;
    memset(stats, 0, sizeof *stats);
    size_t n_sub = (n + SUB_STRIDE - 1) / SUB_STRIDE; /* rows 0, SUB_STRIDE, ... < n */
    cf->ratio = (double)n / (double)n_sub;
    cut_pass *c = &cf->pass;
    c->d = d;
    c->y = y;
    c->n = n;
    c->q = q;
    c->m = m;
    c->npairs = m * (m + 1) / 2;
    c->block = partreg_block_rows_auto(q);
    c->chunk = c->block;
    c->sub_cap = c->chunk / SUB_STRIDE + 1 > SUB_ROWS ? c->chunk / SUB_STRIDE + 1 : SUB_ROWS;
    c->per = 2 + K + c->npairs * qq + m * qq;
    c->nseg = partreg_segment_count(n, K, c->block);
    if (c->nseg * c->per > CUT_STATE_DOUBLES)
        c->nseg = CUT_STATE_DOUBLES / c->per > 0 ? CUT_STATE_DOUBLES / c->per : 1;
    c->nt = partreg_team_threads(NULL, fit->opt.threads, n, PARTREG_MIN_ROWS_PER_THREAD);
    if (c->nt > c->nseg)
        c->nt = c->nseg;
    c->seg = malloc(c->nseg * c->per * sizeof *c->seg);
    c->work = calloc(c->nt, sizeof *c->work);
    cf->theta = malloc(5 * K * sizeof *cf->theta);
    cf->info = malloc(3 * m * qq * sizeof *cf->info);
    cf->sums.grad = malloc(K * sizeof *cf->sums.grad);
    cf->sums.pairs = malloc(c->npairs * qq * sizeof *cf->sums.pairs);
    cf->sums.sub = malloc(m * qq * sizeof *cf->sums.sub);
    cf->spd = partreg_spd_alloc(q);
    if (!c->seg || !c->work || !cf->theta || !cf->info || !cf->sums.grad || !cf->sums.pairs ||
        !cf->sums.sub || !cf->spd)
        return PARTREG_ENOMEM;
    for (size_t t = 0; t < c->nt; t++)
        if (!(c->work[t] = malloc(work_doubles(c) * sizeof(double))))
            return PARTREG_ENOMEM;
    cf->trial = cf->theta + K;
    cf->step = cf->trial + K;
    cf->grad = cf->step + K;
    cf->anchor_theta = cf->grad + K;
    cf->anchor = cf->info + m * qq;
    cf->anchor_sub = cf->anchor + m * qq;
    return PARTREG_OK;
}

static void cut_fit_free(cut_fit *cf)
{
    cut_pass *c = &cf->pass;
    for (size_t t = 0; c->work && t < c->nt; t++)
        free(c->work[t]);
    free(c->work);
    free(c->seg);
    free(cf->theta);
    free(cf->info);
    free(cf->sums.grad);
    free(cf->sums.pairs);
    free(cf->sums.sub);
    partreg_spd_free(cf->spd);
}

partreg_status partreg_brant_cuts_fast(const partreg_fit *fit, const partreg_design *d,
                                       const double *y, size_t q, double *B, double *A,
                                       int *done, partreg_brant_cut_stats *stats)
{
    *done = 0;
    partreg_brant_cut_stats unused;
    size_t pk = fit->pk, m = fit->J - 1;
    cut_fit cf;
    partreg_status st = cut_fit_init(&cf, fit, d, y, q, stats ? stats : &unused);
    if (st == PARTREG_OK) {
        const double *beta = fit->theta->data;
        for (size_t j = 0; j < m; j++) {
            /* P(Y > j) = F(x'beta - theta_j): the binary logit's parameters
             * under parallel lines */
            cf.theta[j * q] = -beta[pk + j];
            memcpy(cf.theta + j * q + 1, beta, pk * sizeof *cf.theta);
        }
        if (cut_newton(&cf, B)) {
            memcpy(A, cf.sums.pairs, cf.pass.npairs * q * q * sizeof *A);
            *done = 1;
        }
    }
    cut_fit_free(&cf);
    return st;
}

partreg_status partreg_brant_cross_fast(const partreg_fit *fit, const partreg_design *d,
                                        const double *y, size_t q, const double *B, double *A)
{
    partreg_brant_cut_stats unused;
    cut_fit cf;
    partreg_status st = cut_fit_init(&cf, fit, d, y, q, &unused);
    if (st == PARTREG_OK) {
        unsigned what = CUT_GRAD | CUT_INFO | CUT_CROSS;
        cut_pass_run(&cf.pass, B, what, &cf.sums);
        count_pass(&cf, what);
        memcpy(A, cf.sums.pairs, cf.pass.npairs * q * q * sizeof *A);
    }
    cut_fit_free(&cf);
    return st;
}
