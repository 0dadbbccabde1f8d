/* Binary-response log-likelihood, gradient and information per row block.
 *
 *   l(beta) = sum_i w_i [ y_i log F(eta_i) + (1 - y_i) log(1 - F(eta_i)) ],
 *   eta_i = x_i'beta,
 *   g = sum_i w_i d_i x_i,    I = -sum_i w_i h_i x_i x_i'
 *
 * with d_i = dl_i/deta and h_i = d2l_i/deta2 from link.c (observed
 * information), or h_i replaced by -f^2/(F(1-F)) (expected information).
 * See docs/methods.md, "Binary models". */
/* gcc 12 at -O2 keeps the logit loop below scalar unless it may use
 * -O3's vectoriser cost model and does not thread jumps through the
 * loop body (which splits it into paths); neither changes a value. Set
 * here rather than in CMakeLists.txt so clang-based tools never see
 * gcc-only flags. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic")
#endif

#include "models/binary.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "core/error.h"
#include "models/link.h"
#include "models/model.h"
#include "models/rank_update.h"
#include "models/row_products.h"
#include "models/score_rows.h"
#include "models/v4.h"
#include "models/vmath.h"

/* Rows per chunk inside an accumulate call: the chunk's rows, their scaled
 * copies and per-row terms stay in L1/L2 between the passes over it. */
#define CHUNK_ROWS(pk) partreg_block_rows_auto(pk)

/* Logit terms of one row, branch-free: with e = exp(-|eta|) and
 * lp = log1p(e) (vmath.h), F and S = 1 - F are 1/(1+e) and e/(1+e) by the
 * sign of eta (S is never formed as 1 - F),
 *   l = log P(y) = -lp - max(0, (1 - 2y) eta),   d = y - F (S or -F),
 *   h = F S (observed = expected information for the canonical link).
 * Outputs wl = w l (0 when w = 0), gw = w d and hw = w h. */
PARTREG_VM_INLINE void logit_row(double x, double e, double y, double w, double *wl, double *gw,
                                 double *hw)
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

/* logit_row over a chunk of m rows (w = NULL: unit weights). The exps go
 * first, in a loop of their own, into hw: each row's exp, log1p and
 * division form one long chain of dependent operations (about 200 cycles
 * for a vector of four rows with the polynomials by Horner's rule, fewer
 * with vmath.h's shorter chains), and the out-of-order core overlaps only
 * as many rows as its reorder buffer holds instructions of; a short loop
 * fits more of them. The values are the
 * same. Returns sum w l, summed after the loop (a sum inside it would keep
 * it scalar) in sixteen stripes (partreg_vm_sum16). */
PARTREG_ROWS_CLONE
static double logit_terms(const double *restrict eta, const double *restrict y,
                          const double *restrict w, size_t m, double *restrict wl,
                          double *restrict gw, double *restrict hw)
{
    for (size_t r = 0; r < m; r++)
        hw[r] = partreg_vm_exp(-fabs(eta[r]));
    if (w)
        for (size_t r = 0; r < m; r++)
            logit_row(eta[r], hw[r], y[r], w[r], wl + r, gw + r, hw + r);
    else
        for (size_t r = 0; r < m; r++)
            logit_row(eta[r], hw[r], y[r], 1.0, wl + r, gw + r, hw + r);
    return partreg_vm_sum16(wl, m);
}

/* The logit pass over a chunk: eta by dgemv, the terms above, then
 * grad += X'(w d) (dgemv) and info += X' diag(w h) X (partreg_info_add). */
static void logit_chunk(const partreg_design *d, const double *beta, size_t i0, size_t m,
                        const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                        double *eta, double *gw, double *hs, double *wl, double *zp, double *zn)
{
    size_t k = d->pk;
    partreg_prefetch_lines(d->y + i0, m);
    partreg_prefetch_lines(d->w ? d->w + i0 : NULL, m);
    partreg_rows_dot(xb, lda, k, beta, m, eta);
    double ll = logit_terms(eta, d->y + i0, d->w ? d->w + i0 : NULL, m, wl, gw, hs);
    if (!isfinite(ll)) /* a NaN or infinite eta shows here */
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    if (order != PARTREG_ORDER_HESSIAN && order != PARTREG_ORDER_EXPECTED) {
        partreg_rows_weighted_sum(xb, lda, k, gw, m, acc->grad);
        return;
    }
    /* the gradient with the information, from the same reads of the rows */
    partreg_info_add(acc->info, k, k, xb, lda, hs, gw, acc->grad, m, zp, zn);
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
static void binary_chunk(const partreg_design *d, const double *beta, size_t i0, size_t m,
                         const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                         double *eta, double *gw, double *hs, double *zp, double *zn)
{
    size_t k = d->pk;
    partreg_rows_dot(xb, lda, k, beta, m, eta);
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
        partreg_info_add(acc->info, k, k, xb, lda, hs, gw, acc->grad, m, zp, zn);
    else
        partreg_rows_weighted_sum(xb, lda, k, gw, m, acc->grad);
}

static void binary_accumulate(const void *model, const double *beta, size_t begin, size_t end,
                              partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
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
            logit_chunk(d, beta, b, m, xb, lda, order, acc, eta, gw, hs, wl, zp, zn);
        else
            binary_chunk(d, beta, b, m, xb, lda, order, acc, eta, gw, hs, zp, zn);
    }
}

void partreg_binary_reference_row_scores(const void *model, const double *beta, size_t begin,
                                         size_t end, double *S, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        double dl = 0.0;
        if (w != 0.0)
            partreg_link_binary_terms(d->link, eta, d->y[i] != 0.0, NULL, &dl, NULL, NULL);
        double *s = S + (i - begin) * k;
        for (size_t j = 0; j < k; j++)
            s[j] = w * dl * x[j];
    }
}

/* The expected weight omega = f^2 / (F S) of eta and its derivative
 * omega' = omega (2 f'/f - f/F + f/S) (from the link's stable ratios). */
static void expected_weight(partreg_link link, double eta, double *om, double *dom)
{
    partreg_link_binary_terms(link, eta, 1, NULL, NULL, NULL, om);
    if (dom) {
        partreg_link_values v;
        partreg_link_eval(link, eta, &v);
        *dom = *om * (2.0 * v.gl - v.r1 + v.r0);
    }
}

/* g_r += sum_i w_i omega'(eta_i) (x_i' A x_i) x_ir: the derivative of
 * I = sum_i w_i omega(eta_i) x_i x_i' along beta_r, contracted with A. */
static void binary_info_derivative(const void *model, const double *beta, const double *A,
                                   size_t begin, size_t end, double *g, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    double *ax = scratch;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch + k);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        double om, dom;
        expected_weight(d->link, eta, &om, &dom);
        double q = 0.0;
        for (size_t a = 0; a < k; a++) {
            double t = 0.0;
            for (size_t b = 0; b < k; b++)
                t += A[a * k + b] * x[b];
            ax[a] = t;
            q += t * x[a];
        }
        double c = w * dom * q;
        for (size_t j = 0; j < k; j++)
            g[j] += c * x[j];
    }
}

/* Rows in working form (objective.h): z = sqrt(w omega) x,
 * r = sqrt(w) (y - F) / sqrt(F S), v = F S / w. */
static void binary_glm_rows(const void *model, const double *beta, size_t begin, size_t end,
                            double *Z, double *r, double *v, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        /* one evaluation of the link: F and S as partreg_link_probs gives
         * them, the expected weight f^2/(F S) as expected_weight (for the
         * logit exp(-|eta|) once, as eval_logit: r1 = S, r0 = F) */
        double F, S, om;
        if (d->link == PARTREG_LOGIT) {
            double f;
            partreg_link_probs(PARTREG_LOGIT, eta, &F, &S, &f);
            om = S * F;
        } else {
            partreg_link_values lv;
            partreg_link_eval(d->link, eta, &lv);
            F = lv.F;
            S = lv.S;
            om = lv.r1 * lv.r0;
        }
        double sz = sqrt(w * om), sv = sqrt(F * S);
        double *z = Z + (i - begin) * k;
        for (size_t j = 0; j < k; j++)
            z[j] = sz * x[j];
        int y = d->y[i] != 0.0;
        r[i - begin] = sqrt(w) * (y ? S : -F) / sv;
        v[i - begin] = w > 0.0 ? F * S / w : INFINITY;
    }
}

void partreg_binary_objective(const partreg_design *d, partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj); /* the optional fields: none */
    obj->k = d->pk;
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = binary_accumulate;
    obj->feasible = NULL;
    obj->row_scores = d->link == PARTREG_LOGIT ? partreg_binary_logit_row_scores
                                               : partreg_binary_reference_row_scores;
    size_t k = d->pk ? d->pk : 1, scores = partreg_score_rows_scratch(d->pk, 2);
    obj->scratch_doubles = CHUNK_ROWS(k) * (4 + 3 * k);
    if (obj->scratch_doubles < scores)
        obj->scratch_doubles = scores;
    obj->team = NULL;
    obj->group_start = NULL;
    obj->info_derivative = binary_info_derivative;
    obj->glm_rows = binary_glm_rows;
    obj->penalty = NULL;
    obj->n_groups = 0;
    obj->segment_start = NULL;
    obj->n_segments = 0;
    obj->pass = NULL;
}

double partreg_binary_null_loglik(partreg_link link, double sw, double s1, int has_intercept)
{
    if (!has_intercept) /* beta = 0: P = F(0) for every row */
        return s1 * log(partreg_link_cdf(link, 0.0)) +
               (sw - s1) * log1p(-partreg_link_cdf(link, 0.0));
    double ll = 0.0;
    if (s1 > 0)
        ll += s1 * log(s1 / sw);
    if (sw - s1 > 0)
        ll += (sw - s1) * log((sw - s1) / sw);
    return ll;
}

/* ---- the model table ------------------------------------------------------ */

static partreg_status binary_init(partreg_model *m, const partreg_model_spec *spec,
                                  partreg_error *err)
{
    (void)spec;
    if (m->link == PARTREG_LOGLOG)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the loglog link is for ordinal models; for a binary outcome "
                                 "use logit, probit, cloglog or cauchit");
    m->J = 2;
    m->nout = 1;
    if (partreg_layout_add_columns(&m->layout, "beta", PARTREG_PARAM_COEFFICIENT, m->p) !=
        PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

static partreg_status binary_check_outcome(const partreg_model *m,
                                           const partreg_outcome_totals *tot,
                                           const char *const *level_names, partreg_error *err)
{
    (void)m;
    const double *W = tot->W;
    if (W[0] > 0 && W[1] > 0)
        return PARTREG_OK;
    const char *only = W[1] > 0 ? (level_names ? level_names[1] : "1")
                                : (level_names ? level_names[0] : "0");
    return partreg_error_set(err, PARTREG_EONECLASS,
                             "the outcome takes a single value ('%s') in the rows used; a "
                             "binary model needs both outcomes",
                             only);
}

/* beta = 0 but for the intercept, F^-1 of the event share over its value
 * (the null model's maximum). */
static void binary_start(const partreg_model *m, const partreg_design *d,
                         const partreg_outcome_totals *tot, const partreg_intercept *ic,
                         double *theta)
{
    memset(theta, 0, d->pk * sizeof *theta);
    if (!ic->has)
        return;
    for (size_t f = 0; f < d->pk; f++)
        if ((d->cols ? d->cols[f] : f) == ic->column)
            theta[f] = partreg_link_quantile(m->link, tot->W[1] / tot->sum_w) / ic->value;
}

static double binary_null(const partreg_model *m, const partreg_outcome_totals *tot,
                          const partreg_intercept *ic, size_t *k_null)
{
    *k_null = ic->has ? 1 : 0;
    return partreg_binary_null_loglik(m->link, tot->sum_w, tot->W ? tot->W[1] : 0.0, ic->has);
}

static void binary_objective_of(const partreg_model *m, const partreg_design *d,
                                partreg_objective *obj)
{
    (void)m;
    partreg_binary_objective(d, obj);
}

static size_t binary_predict_scratch(const partreg_model *m)
{
    (void)m;
    return 1;
}

/* P = F(eta), dP/dbeta = f x; along dx, with g = beta'dx:
 * D = f g, dD/dbeta = f' g x + f dx. Columns with a zero coefficient
 * (dropped ones among them) add nothing to eta. */
static void binary_predict(const partreg_model *m, const double *par, const double *x,
                           const double *dx, double w, double *out, double *dout,
                           double *scratch)
{
    (void)scratch;
    size_t p = m->p;
    double eta = 0.0;
    for (size_t c = 0; c < p; c++)
        if (par[c] != 0.0)
            eta += par[c] * x[c];
    if (!dx) {
        double F, S, f;
        partreg_link_probs(m->link, eta, &F, &S, &f);
        out[0] += w * F;
        if (dout)
            for (size_t c = 0; c < p; c++)
                dout[c] += w * f * x[c];
        return;
    }
    double g = 0.0;
    for (size_t c = 0; c < p; c++)
        if (par[c] != 0.0)
            g += par[c] * dx[c];
    double f, fp;
    partreg_link_density(m->link, eta, &f, &fp);
    out[0] += w * f * g;
    if (dout)
        for (size_t c = 0; c < p; c++)
            dout[c] += w * (fp * g * x[c] + f * dx[c]);
}

static const partreg_model_ops binary_ops = {
    .name = "binary",
    .title = "Binary",
    .html_equation = "P(event) = F(x\xe2\x80\xb2\xce\xb2). ",
    .html_odds_ratio = "Odds ratios are exp(coefficient): the multiplicative change in the odds "
                       "of the event for a one-unit increase (or against the reference level). ",
    .family = PARTREG_BINARY,
    .traits = PARTREG_TRAIT_EXPECTED_INFO,
    .init = binary_init,
    .release = NULL,
    .check_outcome = binary_check_outcome,
    .start = binary_start,
    .null_loglik = binary_null,
    .objective = binary_objective_of,
    .predict_scratch = binary_predict_scratch,
    .predict = binary_predict,
    .cumulative = NULL,
};

const partreg_model_ops *partreg_model_binary(void) { return &binary_ops; }
