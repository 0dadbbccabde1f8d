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
 * Analysis of Ordinal Categorical Data, ch. 5; docs/methods.md.
 *
 * partreg_ordinal_row_terms is the per-row part of this definition, and
 * ordinal_reference below the whole of it as code, row by row: the
 * specification of the objective and the oracle of its fast route
 * (kernels/ordinal_pass.c), which the objective runs unless the fit asks
 * for the reference route (partreg_fit_options.kernel). */

#include "models/ordinal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "models/kernels/passes.h"
#include "models/link.h"
#include "models/model.h"
#include "models/kernels/score_rows.h"

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

/* Rows [begin, end) by the definition: per row eta, the terms of its
 * category's cut points (partreg_ordinal_row_terms), then the gradient
 * and the lower triangle of the information by the chain rule through
 * a = theta_{c-1} - eta and b = theta_c - eta, which are linear in the
 * parameters with derivative vectors va and vb (-x for beta, 1 for their
 * own threshold):
 *   g += w (da va + db vb),
 *   I -= w (daa va va' + dab (va vb' + vb va') + dbb vb vb'),
 * by plain loops in row order. scratch: a row of the kept columns (pk),
 * va and vb (k each). */
static void ordinal_reference(const void *model, const double *theta, size_t begin, size_t end,
                              partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    double *va = scratch + pk, *vb = va + k, ll = 0.0;
    for (size_t i = begin; i < end; i++) {
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
        ll += w * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        for (size_t j = 0; j < k; j++)
            va[j] = vb[j] = j < pk ? -x[j] : 0.0;
        if (c > 0)
            va[pk + c - 1] = 1.0;
        if (c < J - 1)
            vb[pk + c] = 1.0;
        for (size_t r = 0; r < k; r++)
            acc->grad[r] += w * (t.da * va[r] + t.db * vb[r]);
        if (!info)
            continue;
        double geta = -(t.da + t.db), heta = -(t.daa + 2.0 * t.dab + t.dbb);
        if (!isfinite(heta) || !isfinite(geta))
            acc->nonfinite = 1;
        for (size_t r = 0; r < k; r++)
            for (size_t s = 0; s <= r; s++)
                acc->info[r * k + s] -= w * (t.daa * va[r] * va[s] +
                                             t.dab * (va[r] * vb[s] + vb[r] * va[s]) +
                                             t.dbb * vb[r] * vb[s]);
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
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

/* The one place the objective's route is chosen: the reference loops
 * above, or the fast route of the design's kernel (kernels/). */
void partreg_ordinal_objective(const partreg_design *d, partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj); /* the optional fields: none */
    obj->k = d->pk + d->J - 1;
    obj->n = d->n;
    obj->model = d;
    obj->feasible = ordinal_feasible;
    obj->row_scores = partreg_ordinal_reference_row_scores;
    obj->team = NULL;
    obj->group_start = NULL;
    obj->n_groups = 0;
    obj->segment_start = NULL;
    obj->n_segments = 0;
    obj->pass = NULL;
    obj->info_derivative = NULL;
    obj->glm_rows = NULL;
    obj->penalty = NULL;
    if (d->kernel == PARTREG_KERNEL_REFERENCE) {
        obj->accumulate = ordinal_reference;
        obj->scratch_doubles = d->pk + 2 * obj->k;
    } else {
        obj->accumulate = partreg_ordinal_fast_accumulate;
        obj->scratch_doubles = partreg_ordinal_fast_scratch(d->pk, d->J);
        if (d->link == PARTREG_LOGIT) {
            size_t scores = partreg_score_rows_scratch(d->pk, d->J);
            obj->row_scores = partreg_ordinal_logit_row_scores;
            obj->score_sums = partreg_ordinal_logit_score_sums;
            if (obj->scratch_doubles < scores)
                obj->scratch_doubles = scores;
        }
    }
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

/* a_j = dP_j/deta = -(f(B_j) - f(A_j)); da_j/dbeta = (f'(B_j) - f'(A_j)) x,
 * da_j/dtheta_j = -f'(B_j), da_j/dtheta_{j-1} = f'(A_j) (cumulative_predict
 * along dx is a_j g and g da_j/dpar + a_j dx). */
static void cumulative_predict_index(const partreg_model *m, const double *par, const double *x,
                                     double w, double *out, double *dout, double *scratch)
{
    size_t p = m->p, J = m->J, K = m->layout.K;
    const double *thr = par + p;
    double *fc = scratch, *fpc = fc + J;
    double eta = coefficient_eta(m, par, x);
    for (size_t j = 0; j + 1 < J; j++)
        partreg_link_density(m->link, thr[j] - eta, &fc[j], &fpc[j]);
    for (size_t j = 0; j < J; j++) {
        int has_a = j > 0, has_b = j + 1 < J;
        double fA = has_a ? fc[j - 1] : 0.0, fpA = has_a ? fpc[j - 1] : 0.0;
        double fB = has_b ? fc[j] : 0.0, fpB = has_b ? fpc[j] : 0.0;
        out[j] += w * (-(fB - fA));
        if (!dout)
            continue;
        double *row = dout + j * K, wd = w * (fpB - fpA);
        for (size_t c = 0; c < p; c++)
            row[c] += wd * x[c];
        if (has_b)
            row[p + j] += w * (-fpB);
        if (has_a)
            row[p + j - 1] += w * fpA;
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
    .predict_index = cumulative_predict_index,
    .cumulative = cumulative_cumprobs,
};

const partreg_model_ops *partreg_model_cumulative(void) { return &cumulative_ops; }
