/* Binary-response log-likelihood, gradient and information per row block.
 *
 *   l(beta) = sum_i w_i [ y_i log F(eta_i) + (1 - y_i) log(1 - F(eta_i)) ],
 *   eta_i = x_i'beta,
 *   g = sum_i w_i d_i x_i,    I = -sum_i w_i h_i x_i x_i'
 *
 * with d_i = dl_i/deta and h_i = d2l_i/deta2 from link.c (observed
 * information), or h_i replaced by -f^2/(F(1-F)) (expected information).
 * See docs/methods.md, "Binary models".
 *
 * binary_reference below is this definition as code, row by row: the
 * specification of the objective and the oracle of its fast route
 * (kernels/binary_pass.c), which the objective runs unless the fit asks
 * for the reference route (partreg_fit_options.kernel). */
#include "models/binary.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/kernels/passes.h"
#include "models/link.h"
#include "models/model.h"
#include "models/kernels/score_rows.h"

/* Rows [begin, end) by the definition: per row eta, the link's terms
 * (partreg_link_binary_terms), then the gradient and the lower triangle
 * of the information by plain loops, in row order. scratch: a row of the
 * kept columns (pk doubles). */
static void binary_reference(const void *model, const double *beta, size_t begin, size_t end,
                             partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_design *d = model;
    size_t k = d->pk;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    double ll = 0.0;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = partreg_design_row(d, i, scratch);
        double eta = 0.0;
        for (size_t j = 0; j < k; j++)
            eta += x[j] * beta[j];
        double l, dl, h, e;
        partreg_link_binary_terms(d->link, eta, d->y[i] != 0.0, &l, &dl, &h, &e);
        ll += w * l;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        for (size_t a = 0; a < k; a++)
            acc->grad[a] += w * dl * x[a];
        if (!info)
            continue;
        /* the row's weight in the information: -w d2l/deta2, or w times
         * the expected f^2 / (F (1 - F)) */
        double hw = order == PARTREG_ORDER_EXPECTED ? w * e : -w * h;
        if (!isfinite(hw) || !isfinite(dl))
            acc->nonfinite = 1;
        for (size_t a = 0; a < k; a++)
            for (size_t c = 0; c <= a; c++)
                acc->info[a * k + c] += hw * x[a] * x[c];
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
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

/* The one place the objective's route is chosen: the reference loops
 * above, or the fast route of the design's kernel (kernels/). */
void partreg_binary_objective(const partreg_design *d, partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj); /* the optional fields: none */
    obj->k = d->pk;
    obj->n = d->n;
    obj->model = d;
    obj->feasible = NULL;
    obj->row_scores = partreg_binary_reference_row_scores;
    obj->team = NULL;
    obj->group_start = NULL;
    obj->info_derivative = binary_info_derivative;
    obj->glm_rows = binary_glm_rows;
    obj->penalty = NULL;
    obj->n_groups = 0;
    obj->segment_start = NULL;
    obj->n_segments = 0;
    obj->pass = NULL;
    if (d->kernel == PARTREG_KERNEL_REFERENCE) {
        obj->accumulate = binary_reference;
        obj->scratch_doubles = 2 * (d->pk ? d->pk : 1); /* binary_info_derivative's */
    } else {
        obj->accumulate = partreg_binary_fast_accumulate;
        obj->scratch_doubles = partreg_binary_fast_scratch(d->pk);
        if (d->link == PARTREG_LOGIT) {
            size_t scores = partreg_score_rows_scratch(d->pk, 2);
            obj->row_scores = partreg_binary_logit_row_scores;
            obj->score_sums = partreg_binary_logit_score_sums;
            if (obj->scratch_doubles < scores)
                obj->scratch_doubles = scores;
        }
    }
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

/* a = dP/deta = f, da/dbeta = f' x (binary_predict along dx is a g and
 * f' g x + f dx). */
static void binary_predict_index(const partreg_model *m, const double *par, const double *x,
                                 double w, double *out, double *dout, double *scratch)
{
    (void)scratch;
    size_t p = m->p;
    double eta = 0.0;
    for (size_t c = 0; c < p; c++)
        if (par[c] != 0.0)
            eta += par[c] * x[c];
    double f, fp;
    partreg_link_density(m->link, eta, &f, &fp);
    out[0] += w * f;
    if (dout) {
        double wfp = w * fp;
        for (size_t c = 0; c < p; c++)
            dout[c] += wfp * x[c];
    }
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
    .predict_index = binary_predict_index,
    .cumulative = NULL,
};

const partreg_model_ops *partreg_model_binary(void) { return &binary_ops; }
