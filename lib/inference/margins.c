/* Average marginal effects (AME), marginal effects at the means (MEM) and
 * predictive margins at fixed values, with delta-method standard errors
 * from analytic Jacobians.
 *
 * Every quantity is a weighted average over rows of a prediction of the
 * model or of its derivative along a design-row direction: for a numeric
 * variable v, the design row x and its derivative dx = dx/dv give
 * dP/dv = sum_c dP/dx_c dx_c; a level of a categorical variable is a
 * difference of two predictions. The model's table computes, per row, the
 * outcome probabilities (or their derivative along dx) and their gradient
 * over the parameter vector (partreg_model_ops.predict, lib/models/
 * model.h; the formulas of each model are in its file and in
 * docs/methods_margins.md). Value and gradient are accumulated row by row,
 * so only a design row, its derivative and the m x K Jacobian of the m
 * reported entries are held. The standard error is sqrt(g' V g) with V the
 * covariance in force.
 *
 * References: Bartus (2005), "Estimation of marginal effects using
 * margeff", Stata Journal 5(3); Williams (2012), "Using the margins command
 * to estimate and interpret adjusted predictions and marginal effects",
 * Stata Journal 12(2); Stata manual [R] margins (atmeans convention);
 * Agresti (2010), Analysis of Ordinal Categorical Data, ch. 5. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/team.h"
#include "inference/margins_internal.h"
#include "frame/frame_internal.h"
#include "models/fit_internal.h"
#include "inference/survey_internal.h"
#include "models/link.h"

/* ---- the list object ---------------------------------------------------- */

char *partreg_margins_strdup(const char *s)
{
    size_t len = strlen(s);
    char *c = malloc(len + 1);
    if (c)
        memcpy(c, s, len + 1);
    return c;
}

size_t partreg_margins_n_entries(const partreg_margins *m) { return m ? m->n : 0; }

const partreg_margin *partreg_margins_get(const partreg_margins *m, size_t i)
{
    return m && i < m->n ? &m->items[i] : NULL;
}

void partreg_margins_free(partreg_margins *m)
{
    if (!m)
        return;
    if (m->strings)
        for (size_t s = 0; s < m->n_strings; s++)
            free(m->strings[s]);
    free(m->strings);
    free(m->items);
    free(m->jac);
    free(m->V);
    free(m);
}

/* ---- the accumulator ------------------------------------------------------ */

/* What one block of entries measures: the derivative with respect to a
 * numeric variable, the change to one level of a categorical variable, or
 * (for at()) the probability itself. */
typedef enum block_kind { BLOCK_SLOPE, BLOCK_LEVEL, BLOCK_AT } block_kind;

typedef struct block {
    block_kind kind;
    size_t variable;
    size_t level;
} block;

/* Everything the accumulation reads and writes. */
typedef struct mfx {
    const partreg_fit *fit; /* counts the passes over the rows (partreg_fit_count_rows) */
    const partreg_frame *fr;
    const partreg_model *model; /* the fit's model: its table predicts */
    const double *par;  /* the fit's parameter vector, K entries */
    size_t n;       /* frame rows */
    size_t p;       /* design columns */
    size_t J;       /* outcome levels (2 for binary) */
    size_t nout;    /* entries per block: the model's outcomes (1 for binary, J for ordinal) */
    size_t K;       /* parameters */
    size_t nvar;    /* model variables */
    const double *w; /* frame weights or NULL */
    const gsl_matrix *V; /* covariance in force, K x K */
    size_t nblocks;
    block *blocks;
    size_t m;       /* entries = nblocks * nout */
    double *est;    /* m */
    double *jac;    /* m x K, row-major */
    /* scratch, one row each */
    double *x, *x0, *dx, *xr, *dxr; /* p */
    size_t n_scratch;               /* the model's prediction scratch */
    double *scratch;
    partreg_setting *set;           /* nvar */
} mfx;

static void mfx_free(mfx *c)
{
    free(c->blocks);
    free(c->est);
    free(c->jac);
    free(c->x);
    free(c->x0);
    free(c->dx);
    free(c->xr);
    free(c->dxr);
    free(c->scratch);
    free(c->set);
}

static void *xcalloc(size_t count, size_t size) { return calloc(count ? count : 1, size); }

/* Validate fit and frame and fill everything but the blocks. */
static partreg_status mfx_init(mfx *c, const partreg_fit *fit, const partreg_frame *fr,
                               double level, const char *who, partreg_error *err)
{
    memset(c, 0, sizeof *c);
    if (!fit || !fr)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL fit or frame", who);
    if (!(level > 0.0 && level < 1.0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: confidence level %g is not in (0, 1)", who, level);
    if (partreg_fit_family(fit) != partreg_frame_family(fr) ||
        partreg_fit_n_obs(fit) != partreg_frame_n_rows(fr) ||
        partreg_fit_n_columns(fit) != partreg_frame_n_columns(fr) ||
        partreg_fit_n_levels(fit) != partreg_frame_n_levels(fr))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the fit was not made from this frame (family, rows, "
                                 "columns or outcome levels differ)",
                                 who);
    c->fit = fit;
    c->fr = fr;
    c->model = &fit->model;
    c->par = fit->par->data;
    c->n = partreg_frame_n_rows(fr);
    c->p = partreg_frame_n_columns(fr);
    c->J = partreg_fit_n_levels(fit);
    c->nout = fit->model.nout;
    c->K = fit->K;
    c->nvar = partreg_frame_n_variables(fr);
    c->w = partreg_frame_weights(fr);
    c->V = partreg_fit_vcov(fit);
    if (!c->V || c->V->size1 < c->K || c->V->size2 < c->K)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: the fit has no covariance", who);

    c->n_scratch = c->model->ops->predict_scratch(c->model);
    c->x = xcalloc(c->p, sizeof(double));
    c->x0 = xcalloc(c->p, sizeof(double));
    c->dx = xcalloc(c->p, sizeof(double));
    c->xr = xcalloc(c->p, sizeof(double));
    c->dxr = xcalloc(c->p, sizeof(double));
    c->scratch = xcalloc(c->n_scratch, sizeof(double));
    c->set = xcalloc(c->nvar, sizeof *c->set);
    if (!c->x || !c->x0 || !c->dx || !c->xr || !c->dxr || !c->scratch || !c->set) {
        mfx_free(c);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    return PARTREG_OK;
}

/* Allocate the estimates and Jacobian for the blocks already set. */
static partreg_status mfx_alloc_entries(mfx *c, const char *who, partreg_error *err)
{
    c->m = c->nblocks * c->nout;
    c->est = xcalloc(c->m, sizeof *c->est);
    c->jac = (c->K && c->m > SIZE_MAX / sizeof(double) / c->K)
                 ? NULL
                 : xcalloc(c->m * c->K, sizeof *c->jac);
    if (!c->est || !c->jac)
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    return PARTREG_OK;
}

/* The AME/MEM blocks: each numeric variable, each non-reference level of
 * each categorical variable, in frame order. */
static partreg_status mfx_effect_blocks(mfx *c, const char *who, partreg_error *err)
{
    size_t nb = 0;
    for (size_t v = 0; v < c->nvar; v++) {
        if (partreg_frame_variable_is_categorical(c->fr, v)) {
            size_t nl = partreg_frame_variable_n_levels(c->fr, v);
            nb += nl ? nl - 1 : 0;
        } else {
            nb++;
        }
    }
    if (nb == 0)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the model has no predictor variable, so it has no marginal "
                                 "effects; add predictors to the formula or leave out the "
                                 "marginal effects (--margins, --margins-at-means)");
    c->blocks = malloc(nb * sizeof *c->blocks);
    if (!c->blocks)
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    c->nblocks = 0;
    for (size_t v = 0; v < c->nvar; v++) {
        if (partreg_frame_variable_is_categorical(c->fr, v)) {
            size_t nl = partreg_frame_variable_n_levels(c->fr, v);
            size_t ref = partreg_frame_variable_reference(c->fr, v);
            for (size_t l = 0; l < nl; l++)
                if (l != ref)
                    c->blocks[c->nblocks++] = (block){BLOCK_LEVEL, v, l};
        } else {
            c->blocks[c->nblocks++] = (block){BLOCK_SLOPE, v, 0};
        }
    }
    return mfx_alloc_entries(c, who, err);
}

/* Add w dP/dv (and its gradient) at design row x with derivative dx to the
 * entries of block b. */
static void acc_slope(mfx *c, size_t b, double w, const double *x, const double *dx)
{
    size_t e0 = b * c->nout;
    c->model->ops->predict(c->model, c->par, x, dx, w, c->est + e0, c->jac + e0 * c->K,
                           c->scratch);
}

/* Add w P (and its gradient) at design row x to the entries of block b;
 * w may be negative (the reference side of a discrete change). */
static void acc_level(mfx *c, size_t b, double w, const double *x)
{
    size_t e0 = b * c->nout;
    c->model->ops->predict(c->model, c->par, x, NULL, w, c->est + e0, c->jac + e0 * c->K,
                           c->scratch);
}

/* Design row of frame row i with settings; a non-finite row becomes
 * PARTREG_EDATA naming the row. */
static partreg_status row_eval(const mfx *c, size_t i, const partreg_setting *set, size_t n_set,
                               long d_var, double *x, double *dx, const char *who,
                               partreg_error *err)
{
    partreg_error e;
    partreg_status st = partreg_frame_design_row(c->fr, i, set, n_set, d_var, x, dx, &e);
    if (st == PARTREG_OK)
        return PARTREG_OK;
    if (st == PARTREG_EDATA)
        return partreg_error_set_index(err, st, (long)i, "%s: design row of row %zu: %s", who,
                                       i + 1, e.message);
    return partreg_error_set_index(err, st, (long)i, "%s: %s", who, e.message);
}

/* Sum of the weights (rows when unweighted). */
static double total_weight(const mfx *c)
{
    if (!c->w)
        return (double)c->n;
    double s = 0.0;
    for (size_t i = 0; i < c->n; i++)
        s += c->w[i];
    return s;
}

/* How mfx_finish labels and intervals the entries of one group. */
typedef struct finish_ex {
    int probability;        /* BLOCK_AT entries are probabilities (link or delta interval) */
    partreg_prob_ci prob_ci;
    partreg_link link;      /* the fit's link, for PARTREG_PROB_CI_LINK */
    size_t group;
    const char *over;       /* the group's label or NULL */
} finish_ex;

/* Interval of a probability p with standard error se: on the link scale,
 * F(F^-1(p) -+ q se / f(F^-1(p))), mapped back; p itself when p is 0 or 1
 * (or its density underflows), where the link scale has no finite point. */
void partreg_margins_link_interval(partreg_link link, double p, double se, double q,
                                   double *lo, double *hi)
{
    if (!isfinite(p) || !isfinite(se)) {
        *lo = *hi = NAN;
        return;
    }
    if (!(p > 0.0 && p < 1.0) || se == 0.0) {
        *lo = *hi = p;
        return;
    }
    double u = partreg_link_quantile(link, p);
    double f = partreg_link_pdf(link, u);
    if (!(f > 0.0) || !isfinite(u)) {
        *lo = *hi = p;
        return;
    }
    double h = q * se / f;
    *lo = partreg_link_cdf(link, u - h);
    *hi = partreg_link_cdf(link, u + h);
}

/* Divide by W, compute the standard errors and build the list (keeping
 * each entry's gradient and the covariance for contrasts). */
static partreg_status mfx_finish_ex(mfx *c, const partreg_fit *fit, double W, double level,
                                    char *const *at_terms, const finish_ex *fx,
                                    partreg_margins **out, const char *who, partreg_error *err)
{
    /* under a survey design, Student's t with the design df */
    double ddf = partreg_fit_design_df(fit);
    partreg_margins *res = calloc(1, sizeof *res);
    if (!res)
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    res->items = xcalloc(c->m, sizeof *res->items);
    res->strings = xcalloc(c->nblocks + c->nout + 1, sizeof *res->strings);
    res->K = c->K;
    res->jac = xcalloc(c->m * c->K, sizeof *res->jac);
    res->V = (c->K && c->K > SIZE_MAX / sizeof(double) / c->K) ? NULL
                                                                 : xcalloc(c->K * c->K, sizeof(double));
    res->ddf = ddf;
    res->level = level;
    res->n_groups = 1;
    res->n_cells = c->nblocks;
    res->nout = c->nout;
    res->cells_comparable = c->nblocks > 0 && c->blocks[0].kind == BLOCK_AT;
    if (!res->items || !res->strings || !res->jac || !res->V)
        goto nomem;
    for (size_t r = 0; r < c->K; r++)
        for (size_t k = 0; k < c->K; k++)
            res->V[r * c->K + k] = gsl_matrix_get(c->V, r, k);

    /* outcome names, shared by the blocks: the levels when the model
     * predicts each (a single event probability has none) */
    char **outcome = NULL;
    if (c->nout > 1) {
        outcome = res->strings;
        for (size_t j = 0; j < c->nout; j++) {
            const char *name = partreg_frame_level_name(c->fr, j);
            res->strings[res->n_strings] = partreg_margins_strdup(name ? name : "");
            if (!res->strings[res->n_strings])
                goto nomem;
            res->n_strings++;
        }
    }
    char *over = NULL;
    if (fx && fx->over) {
        over = partreg_margins_strdup(fx->over);
        if (!over)
            goto nomem;
        res->strings[res->n_strings++] = over;
    }

    double q = isfinite(ddf) ? gsl_cdf_tdist_Qinv(0.5 * (1.0 - level), ddf)
                             : gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + level));
    for (size_t b = 0; b < c->nblocks; b++) {
        const block *bl = &c->blocks[b];
        char *term;
        if (bl->kind == BLOCK_AT) {
            term = partreg_margins_strdup(at_terms && at_terms[b] ? at_terms[b] : "");
        } else if (bl->kind == BLOCK_SLOPE) {
            term = partreg_margins_strdup(partreg_frame_variable_name(c->fr, bl->variable));
        } else {
            const char *vn = partreg_frame_variable_name(c->fr, bl->variable);
            const char *ln = partreg_frame_variable_level_name(c->fr, bl->variable, bl->level);
            size_t len = strlen(vn) + strlen(ln) + 3;
            term = malloc(len);
            if (term) {
                memcpy(term, vn, strlen(vn));
                term[strlen(vn)] = '[';
                memcpy(term + strlen(vn) + 1, ln, strlen(ln));
                term[len - 2] = ']';
                term[len - 1] = '\0';
            }
        }
        if (!term)
            goto nomem;
        res->strings[res->n_strings++] = term;

        for (size_t o = 0; o < c->nout; o++) {
            size_t e = b * c->nout + o;
            double *g = c->jac + e * c->K;
            double est = c->est[e] / W;
            for (size_t k = 0; k < c->K; k++)
                g[k] /= W;
            memcpy(res->jac + e * c->K, g, c->K * sizeof *g);
            double var = 0.0;
            for (size_t r = 0; r < c->K; r++) {
                if (g[r] == 0.0)
                    continue;
                double s = 0.0;
                for (size_t k = 0; k < c->K; k++)
                    if (g[k] != 0.0)
                        s += gsl_matrix_get(c->V, r, k) * g[k];
                var += g[r] * s;
            }
            partreg_margin *it = &res->items[e];
            it->term = term;
            it->outcome = outcome ? outcome[o] : NULL;
            it->over = over;
            it->group = fx ? fx->group : 0;
            it->cell = b;
            it->outcome_index = o;
            it->estimate = est;
            /* g'Vg >= 0 up to rounding for a positive semi-definite V */
            it->std_error = isnan(var) ? NAN : sqrt(var > 0.0 ? var : 0.0);
            if (fx && fx->probability && bl->kind == BLOCK_AT) {
                it->probability = 1;
                it->z = NAN;
                it->p_value = NAN;
                if (fx->prob_ci == PARTREG_PROB_CI_LINK) {
                    partreg_margins_link_interval(fx->link, est, it->std_error, q,
                                                  &it->conf_low, &it->conf_high);
                } else {
                    it->conf_low = est - q * it->std_error;
                    it->conf_high = est + q * it->std_error;
                }
                continue;
            }
            it->z = est / it->std_error;
            it->p_value = isnan(it->z)      ? NAN
                          : isfinite(ddf) ? 2.0 * gsl_cdf_tdist_Q(fabs(it->z), ddf)
                                          : erfc(fabs(it->z) / sqrt(2.0));
            it->conf_low = est - q * it->std_error;
            it->conf_high = est + q * it->std_error;
        }
    }
    res->n = c->m;
    *out = res;
    partreg_error_clear(err);
    return PARTREG_OK;

nomem:
    partreg_margins_free(res);
    return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
}

static partreg_status mfx_finish(mfx *c, const partreg_fit *fit, double W, double level,
                                 char *const *at_terms, partreg_margins **out, const char *who,
                                 partreg_error *err)
{
    return mfx_finish_ex(c, fit, W, level, at_terms, NULL, out, who, err);
}

/* ---- AME ---------------------------------------------------------------- */

/* How the AME sums of one block are made. The plain route rebuilds the
 * design row of every row for the block (partreg_frame_design_row, with
 * the variable's derivative or level) and calls the model's predict: the
 * reference, taken on the fit's reference kernel route and wherever the
 * others do not apply. The others read the row of X once for every block:
 *   LINEAR: a numeric variable in one column c of its own (dx = e_c on
 *     every row, g = beta_c): with the model's predict_index (a_o and its
 *     gradient H_o at the row), D_o = a_o g and dD_o = g H_o + a_o e_c, so
 *     every such variable shares sum_i w_i H_i (one nout x K block a row)
 *     and sum_i w_i a_i, and adds its estimate's nout terms a row;
 *   INDEX: any other numeric variable (interactions, I(x^2), log(x)):
 *     its dx from the design row's derivative, g_i = beta'dx_i, and the
 *     row's shared a and H: its own nout x K sum of w_i (g_i H_i + a_i dx_i);
 *   INDICATORS: a level of a categorical variable in a term of its own:
 *     the row of X with the term's columns set to the level (and to the
 *     reference), predicted as on the plain route.
 * Every route sums its rows in row order; LINEAR and INDEX take the plain
 * route's sums apart into products of the same factors, which agree with
 * them to rounding (tests/test_margins_fast.c), INDICATORS gives its bits. */
typedef enum block_route { ROUTE_PLAIN, ROUTE_LINEAR, ROUTE_INDEX, ROUTE_INDICATORS } block_route;

/* The fast route's state for one AME accumulation. */
typedef struct ame_fast {
    const double *X;     /* the frame's design, n x p (NULL: every block plain) */
    block_route *route;  /* per block */
    size_t *col;         /* LINEAR: the column; INDICATORS: the term's first column */
    size_t *n_cols;      /* INDICATORS: the term's columns */
    long *lev_col;       /* INDICATORS: the level's column, or -1 */
    long *ref_col;       /* INDICATORS: the reference's column, or -1 */
    double *g;           /* LINEAR: beta'dx = beta_c */
    int index;           /* some block reads the shared a and H */
    size_t n_index;      /* INDEX blocks (they read the row's own H) */
    double *a, *H;       /* the row's w a_o (nout) and w H_o (nout x K) */
    double *SA, *SH;     /* sum_i w_i a_i, sum_i w_i H_i */
} ame_fast;

static void ame_fast_free(ame_fast *f)
{
    free(f->route);
    free(f->col);
    free(f->n_cols);
    free(f->lev_col);
    free(f->ref_col);
    free(f->g);
    free(f->a);
    free(f->H);
    free(f->SA);
    free(f->SH);
    memset(f, 0, sizeof *f);
}

/* Choose each block's route. */
static partreg_status ame_fast_init(const mfx *c, ame_fast *f, const char *who,
                                    partreg_error *err)
{
    memset(f, 0, sizeof *f);
    size_t nb = c->nblocks, nk = c->nout * c->K;
    f->route = xcalloc(nb, sizeof *f->route);
    f->col = xcalloc(nb, sizeof *f->col);
    f->n_cols = xcalloc(nb, sizeof *f->n_cols);
    f->lev_col = xcalloc(nb, sizeof *f->lev_col);
    f->ref_col = xcalloc(nb, sizeof *f->ref_col);
    f->g = xcalloc(nb, sizeof *f->g);
    f->a = xcalloc(c->nout, sizeof *f->a);
    f->SA = xcalloc(c->nout, sizeof *f->SA);
    f->H = xcalloc(nk, sizeof *f->H);
    f->SH = xcalloc(nk, sizeof *f->SH);
    if (!f->route || !f->col || !f->n_cols || !f->lev_col || !f->ref_col || !f->g || !f->a ||
        !f->SA || !f->H || !f->SH) {
        ame_fast_free(f);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    partreg_data d;
    partreg_frame_data(c->fr, &d);
    if (!c->fit || c->fit->kernel == PARTREG_KERNEL_REFERENCE || !d.X || d.ldx != c->p)
        return PARTREG_OK; /* every block plain */
    f->X = d.X;
    int index = c->model->ops->predict_index != NULL;
    for (size_t b = 0; b < nb; b++) {
        const block *bl = &c->blocks[b];
        partreg_frame_entry e = partreg_frame_variable_entry(c->fr, bl->variable);
        if (bl->kind == BLOCK_SLOPE && index) {
            if (e.kind == PARTREG_ENTRY_LINEAR && e.first < c->p) {
                f->route[b] = ROUTE_LINEAR;
                f->col[b] = e.first;
                f->g[b] = c->par[e.first] != 0.0 ? c->par[e.first] : 0.0;
            } else {
                f->route[b] = ROUTE_INDEX;
                f->n_index++;
            }
            f->index = 1;
        } else if (bl->kind == BLOCK_LEVEL && e.kind == PARTREG_ENTRY_INDICATORS &&
                   e.first + e.n_cols <= c->p) {
            f->route[b] = ROUTE_INDICATORS;
            f->col[b] = e.first;
            f->n_cols[b] = e.n_cols;
            f->lev_col[b] = partreg_frame_level_column(c->fr, bl->variable, bl->level);
            f->ref_col[b] = partreg_frame_level_column(
                c->fr, bl->variable, partreg_frame_variable_reference(c->fr, bl->variable));
        }
    }
    return PARTREG_OK;
}

/* The plain route's sums of the blocks from *b of one variable at row i
 * (a numeric variable's one block, or a categorical variable's levels);
 * *b moves past them. */
static partreg_status ame_plain(mfx *c, size_t i, double wi, size_t *b, const char *who,
                                partreg_error *err)
{
    const block *bl = &c->blocks[*b];
    size_t v = bl->variable;
    partreg_status st;
    if (bl->kind == BLOCK_SLOPE) {
        st = row_eval(c, i, NULL, 0, (long)v, c->x, c->dx, who, err);
        if (st != PARTREG_OK)
            return st;
        acc_slope(c, *b, wi, c->x, c->dx);
        (*b)++;
        return PARTREG_OK;
    }
    /* a categorical variable: its reference row once, then its levels */
    partreg_setting s = {v, 0.0, partreg_frame_variable_reference(c->fr, v)};
    st = row_eval(c, i, &s, 1, -1, c->x0, NULL, who, err);
    if (st != PARTREG_OK)
        return st;
    for (; *b < c->nblocks && c->blocks[*b].variable == v; (*b)++) {
        s.level = c->blocks[*b].level;
        st = row_eval(c, i, &s, 1, -1, c->x, NULL, who, err);
        if (st != PARTREG_OK)
            return st;
        acc_level(c, *b, wi, c->x);
        acc_level(c, *b, -wi, c->x0);
    }
    return PARTREG_OK;
}

/* The INDEX route of block b at row i: the variable's dx, then
 * D_o = a_o g and dD_o = g H_o + a_o dx with the row's a and H. */
static partreg_status ame_index(mfx *c, const ame_fast *f, size_t i, size_t b,
                                const char *who, partreg_error *err)
{
    size_t p = c->p, K = c->K, nout = c->nout, e0 = b * nout;
    partreg_status st =
        row_eval(c, i, NULL, 0, (long)c->blocks[b].variable, c->x, c->dx, who, err);
    if (st != PARTREG_OK)
        return st;
    double g = 0.0;
    for (size_t k = 0; k < p; k++)
        if (c->par[k] != 0.0)
            g += c->par[k] * c->dx[k];
    for (size_t o = 0; o < nout; o++) {
        double *row = c->jac + (e0 + o) * K, wa = f->a[o];
        const double *h = f->H + o * K;
        c->est[e0 + o] += wa * g;
        for (size_t k = 0; k < K; k++)
            row[k] += g * h[k];
        for (size_t k = 0; k < p; k++)
            row[k] += wa * c->dx[k];
    }
    return PARTREG_OK;
}

/* The INDICATORS route of the blocks from *b of one categorical variable
 * at row i (a row of X, xi): the reference row, then each level's, as the
 * plain route predicts them; *b moves past them. */
static void ame_indicators(mfx *c, const ame_fast *f, const double *xi, double wi, size_t *b)
{
    size_t v = c->blocks[*b].variable, p = c->p;
    memcpy(c->x0, xi, p * sizeof *xi);
    memset(c->x0 + f->col[*b], 0, f->n_cols[*b] * sizeof *xi);
    if (f->ref_col[*b] >= 0)
        c->x0[f->ref_col[*b]] = 1.0;
    for (; *b < c->nblocks && c->blocks[*b].variable == v; (*b)++) {
        memcpy(c->x, c->x0, p * sizeof *xi);
        if (f->ref_col[*b] >= 0)
            c->x[f->ref_col[*b]] = 0.0;
        if (f->lev_col[*b] >= 0)
            c->x[f->lev_col[*b]] = 1.0;
        acc_level(c, *b, wi, c->x);
        acc_level(c, *b, -wi, c->x0);
    }
}

/* Rows [begin, end) of every effect block into c->est and c->jac and the
 * shared sums f->SA and f->SH, each block by its route, in row order. */
static partreg_status ame_rows(mfx *c, ame_fast *f, size_t begin, size_t end, const char *who,
                               partreg_error *err)
{
    size_t p = c->p, nout = c->nout, nk = nout * c->K;
    partreg_status st = PARTREG_OK;
    for (size_t i = begin; i < end; i++) {
        double wi = c->w ? c->w[i] : 1.0;
        if (wi == 0.0)
            continue;
        const double *xi = f->X ? f->X + i * p : NULL;
        if (f->index) {
            /* the row's w a and w H; summed in place when no block needs
             * the row's own H */
            memset(f->a, 0, nout * sizeof *f->a);
            if (f->n_index) {
                memset(f->H, 0, nk * sizeof *f->H);
                c->model->ops->predict_index(c->model, c->par, xi, wi, f->a, f->H, c->scratch);
                for (size_t e = 0; e < nk; e++)
                    f->SH[e] += f->H[e];
            } else {
                c->model->ops->predict_index(c->model, c->par, xi, wi, f->a, f->SH, c->scratch);
            }
            for (size_t o = 0; o < nout; o++)
                f->SA[o] += f->a[o];
        }
        size_t b = 0;
        while (b < c->nblocks) {
            switch (f->route[b]) {
            case ROUTE_LINEAR:
                for (size_t o = 0; o < nout; o++)
                    c->est[b * nout + o] += f->a[o] * f->g[b];
                b++;
                break;
            case ROUTE_INDEX:
                st = ame_index(c, f, i, b, who, err);
                b++;
                break;
            case ROUTE_INDICATORS:
                ame_indicators(c, f, xi, wi, &b);
                break;
            default:
                st = ame_plain(c, i, wi, &b, who, err);
                break;
            }
            if (st != PARTREG_OK)
                return st;
        }
    }
    return PARTREG_OK;
}

/* Rows a segment of the AME pass holds at least, and the segments' sums
 * at most (doubles): the segments are fixed by n and the entries alone. */
#define AME_SEGMENT_ROWS 8192
#define AME_SEGMENTS_MAX 64
#define AME_STATE_DOUBLES ((size_t)1 << 22)

/* One segment of the AME pass: its rows' sums (a shallow copy of the
 * context with its own scratch and sums) and its status. */
typedef struct ame_segment {
    mfx c;
    ame_fast f;
    size_t begin, end;
    partreg_status st;
    partreg_error err;
} ame_segment;

typedef struct ame_team {
    ame_segment *seg;
    size_t nseg, nt;
    const char *who;
} ame_team;

static void ame_share(void *arg, size_t t)
{
    ame_team *at = arg;
    for (size_t s = t; s < at->nseg; s += at->nt) { /* a fixed share of the segments */
        ame_segment *g = &at->seg[s];
        g->st = ame_rows(&g->c, &g->f, g->begin, g->end, at->who, &g->err);
    }
}

static void ame_segment_free(ame_segment *g)
{
    free(g->c.x);
    free(g->c.x0);
    free(g->c.dx);
    free(g->c.xr);
    free(g->c.dxr);
    free(g->c.scratch);
    free(g->c.set);
    free(g->c.est);
    free(g->c.jac);
    free(g->f.a);
    free(g->f.H);
    free(g->f.SA);
    free(g->f.SH);
}

/* A segment's copies: c's and f's read-only parts shared, its own scratch
 * and zeroed sums. Returns 0, or -1 when out of memory. */
static int ame_segment_init(ame_segment *g, const mfx *c, const ame_fast *f, size_t begin,
                            size_t end)
{
    size_t nk = c->nout * c->K;
    memset(g, 0, sizeof *g);
    g->c = *c;
    g->f = *f;
    g->begin = begin;
    g->end = end;
    g->c.x = xcalloc(c->p, sizeof(double));
    g->c.x0 = xcalloc(c->p, sizeof(double));
    g->c.dx = xcalloc(c->p, sizeof(double));
    g->c.xr = xcalloc(c->p, sizeof(double));
    g->c.dxr = xcalloc(c->p, sizeof(double));
    g->c.scratch = xcalloc(c->n_scratch, sizeof(double));
    g->c.set = xcalloc(c->nvar, sizeof *c->set);
    g->c.est = xcalloc(c->m, sizeof(double));
    g->c.jac = xcalloc(c->m * c->K, sizeof(double));
    g->f.a = xcalloc(c->nout, sizeof(double));
    g->f.H = xcalloc(nk, sizeof(double));
    g->f.SA = xcalloc(c->nout, sizeof(double));
    g->f.SH = xcalloc(nk, sizeof(double));
    return g->c.x && g->c.x0 && g->c.dx && g->c.xr && g->c.dxr && g->c.scratch && g->c.set &&
                   g->c.est && g->c.jac && g->f.a && g->f.H && g->f.SA && g->f.SH
               ? 0
               : -1;
}

/* The AME pass in fixed segments of rows (fixed by n and the entries, not
 * the threads) on the fit's threads, their sums added in segment order:
 * the same bits at any thread count. With one segment, the rows in order
 * into c and f directly. On failure the error of the lowest failing
 * segment (its lowest failing row). */
static partreg_status ame_segments(mfx *c, ame_fast *f, const char *who, partreg_error *err)
{
    size_t nk = c->nout * c->K, per = c->m + c->m * c->K + c->nout + nk;
    size_t nseg = c->n / AME_SEGMENT_ROWS;
    if (nseg > AME_SEGMENTS_MAX)
        nseg = AME_SEGMENTS_MAX;
    if (nseg * per > AME_STATE_DOUBLES)
        nseg = AME_STATE_DOUBLES / per;
    if (nseg < 2)
        return ame_rows(c, f, 0, c->n, who, err);
    int t = c->fit ? c->fit->opt.threads : 1;
    long cores = t > 0 ? t : sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cores > 0 ? (size_t)cores : 1;
    if (nt > PARTREG_TEAM_MAX)
        nt = PARTREG_TEAM_MAX;
    if (nt > nseg)
        nt = nseg;
    ame_segment *seg = calloc(nseg, sizeof *seg);
    partreg_status st = seg ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t s = 0; st == PARTREG_OK && s < nseg; s++)
        if (ame_segment_init(&seg[s], c, f, c->n * s / nseg, c->n * (s + 1) / nseg) != 0)
            st = PARTREG_ENOMEM;
    if (st != PARTREG_OK) {
        for (size_t s = 0; seg && s < nseg; s++)
            ame_segment_free(&seg[s]);
        free(seg);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    ame_team at = {seg, nseg, nt, who};
    partreg_team_run(NULL, nt, ame_share, &at);
    for (size_t s = 0; s < nseg && st == PARTREG_OK; s++)
        if (seg[s].st != PARTREG_OK) {
            st = seg[s].st;
            if (err)
                *err = seg[s].err;
        }
    for (size_t s = 0; s < nseg && st == PARTREG_OK; s++) { /* in segment order */
        const ame_segment *g = &seg[s];
        for (size_t e = 0; e < c->m; e++)
            c->est[e] += g->c.est[e];
        for (size_t e = 0; e < c->m * c->K; e++)
            c->jac[e] += g->c.jac[e];
        for (size_t o = 0; o < c->nout; o++)
            f->SA[o] += g->f.SA[o];
        for (size_t e = 0; e < nk; e++)
            f->SH[e] += g->f.SH[e];
    }
    for (size_t s = 0; s < nseg; s++)
        ame_segment_free(&seg[s]);
    free(seg);
    return st;
}

/* The AME sums of every effect block over the rows with weight c->w
 * into c->est and c->jac (not yet divided by the total weight), in one
 * pass over the rows, each block by its route. */
static partreg_status ame_accumulate(mfx *c, const char *who, partreg_error *err)
{
    ame_fast f;
    partreg_status st = ame_fast_init(c, &f, who, err);
    if (st != PARTREG_OK)
        return st;
    size_t nout = c->nout, K = c->K;
    if ((st = ame_segments(c, &f, who, err)) != PARTREG_OK) {
        ame_fast_free(&f);
        return st;
    }
    /* the LINEAR blocks' gradients from the shared sums */
    for (size_t b = 0; b < c->nblocks; b++) {
        if (f.route[b] != ROUTE_LINEAR)
            continue;
        for (size_t o = 0; o < nout; o++) {
            double *row = c->jac + (b * nout + o) * K;
            const double *sh = f.SH + o * K;
            for (size_t k = 0; k < K; k++)
                row[k] = f.g[b] * sh[k];
            row[f.col[b]] += f.SA[o];
        }
    }
    ame_fast_free(&f);
    partreg_fit_count_rows(c->fit, c->n); /* every block in one pass over the rows */
    return PARTREG_OK;
}

partreg_status partreg_margins_ame(const partreg_fit *fit, const partreg_frame *fr, double level,
                                   partreg_margins **out, partreg_error *err)
{
    static const char who[] = "partreg_margins_ame";
    if (out)
        *out = NULL;
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL out", who);
    mfx c;
    partreg_status st = mfx_init(&c, fit, fr, level, who, err);
    if (st != PARTREG_OK)
        return st;
    st = mfx_effect_blocks(&c, who, err);
    if (st != PARTREG_OK)
        goto cleanup;
    double W = total_weight(&c);
    if (!(W > 0.0)) {
        st = partreg_error_set(err, PARTREG_EDATA, "%s: the case weights sum to zero", who);
        goto cleanup;
    }
    if ((st = ame_accumulate(&c, who, err)) != PARTREG_OK)
        goto cleanup;
    st = mfx_finish(&c, fit, W, level, NULL, out, who, err);

cleanup:
    mfx_free(&c);
    return st;
}

/* ---- MEM ---------------------------------------------------------------- */

/* The "mean row" of Stata's atmeans: numeric variables at their weighted
 * means, each design column multiplied out over the weighted proportions of
 * the categorical levels it indicates. */
typedef struct mean_ctx {
    size_t ncat;          /* categorical variables */
    size_t *cat;          /* ncat variable indices */
    size_t *cat_of_var;   /* nvar: index into cat, or SIZE_MAX */
    size_t *prop_off;     /* ncat offsets into prop */
    double *prop;         /* weighted level proportions */
    unsigned char *sig;   /* p x ncat: column j involves categorical c */
    unsigned char *done;  /* p */
    size_t *lev;          /* ncat odometer */
    size_t *free_cats;    /* ncat */
    partreg_setting *base; /* nvar: numeric means, categorical references */
} mean_ctx;

static void mean_ctx_free(mean_ctx *mc)
{
    free(mc->cat);
    free(mc->cat_of_var);
    free(mc->prop_off);
    free(mc->prop);
    free(mc->sig);
    free(mc->done);
    free(mc->lev);
    free(mc->free_cats);
    free(mc->base);
    memset(mc, 0, sizeof *mc); /* freed twice when mean_ctx_init fails: harmless */
}

static partreg_status mean_ctx_init(mean_ctx *mc, const mfx *c, double W, const char *who,
                                    partreg_error *err)
{
    memset(mc, 0, sizeof *mc);
    const partreg_frame *fr = c->fr;
    size_t ncat = 0, nprop = 0;
    for (size_t v = 0; v < c->nvar; v++)
        if (partreg_frame_variable_is_categorical(fr, v)) {
            ncat++;
            nprop += partreg_frame_variable_n_levels(fr, v);
        }
    mc->ncat = ncat;
    mc->cat = xcalloc(ncat, sizeof *mc->cat);
    mc->cat_of_var = xcalloc(c->nvar, sizeof *mc->cat_of_var);
    mc->prop_off = xcalloc(ncat, sizeof *mc->prop_off);
    mc->prop = xcalloc(nprop, sizeof *mc->prop);
    mc->sig = (ncat && c->p > SIZE_MAX / ncat) ? NULL : xcalloc(c->p * ncat, 1);
    mc->done = xcalloc(c->p, 1);
    mc->lev = xcalloc(ncat, sizeof *mc->lev);
    mc->free_cats = xcalloc(ncat, sizeof *mc->free_cats);
    mc->base = xcalloc(c->nvar, sizeof *mc->base);
    if (!mc->cat || !mc->cat_of_var || !mc->prop_off || !mc->prop || !mc->sig || !mc->done ||
        !mc->lev || !mc->free_cats || !mc->base) {
        mean_ctx_free(mc);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    size_t k = 0, off = 0;
    for (size_t v = 0; v < c->nvar; v++) {
        mc->base[v].variable = v;
        mc->cat_of_var[v] = SIZE_MAX;
        if (partreg_frame_variable_is_categorical(fr, v)) {
            size_t nl = partreg_frame_variable_n_levels(fr, v);
            const int *lv = partreg_frame_variable_levels(fr, v);
            mc->cat[k] = v;
            mc->cat_of_var[v] = k;
            mc->prop_off[k] = off;
            for (size_t i = 0; i < c->n; i++) {
                if (lv[i] >= 0 && (size_t)lv[i] < nl)
                    mc->prop[off + (size_t)lv[i]] += c->w ? c->w[i] : 1.0;
            }
            for (size_t l = 0; l < nl; l++)
                mc->prop[off + l] /= W;
            mc->base[v].level = partreg_frame_variable_reference(fr, v);
            size_t nc = 0;
            const size_t *cols = partreg_frame_variable_columns(fr, v, &nc);
            for (size_t t = 0; t < nc; t++)
                if (cols[t] < c->p)
                    mc->sig[cols[t] * ncat + k] = 1;
            off += nl;
            k++;
        } else {
            const double *xv = partreg_frame_variable_values(fr, v);
            double s = 0.0;
            for (size_t i = 0; i < c->n; i++)
                s += (c->w ? c->w[i] : 1.0) * xv[i];
            mc->base[v].value = s / W;
        }
    }
    partreg_fit_count_rows(c->fit, c->n); /* the means and proportions: one pass */
    return PARTREG_OK;
}

/* Same free categorical set (the fixed one excluded) for columns a and b. */
static int same_free_set(const mean_ctx *mc, size_t a, size_t b, size_t fixed)
{
    for (size_t k = 0; k < mc->ncat; k++)
        if (k != fixed && mc->sig[a * mc->ncat + k] != mc->sig[b * mc->ncat + k])
            return 0;
    return 1;
}

/* The mean row (and its derivative with respect to numeric variable d_var
 * when d_var >= 0) into c->x (and c->dx), categorical variable number
 * `fixed` (index into mc->cat, SIZE_MAX for none) held at `fixed_level`.
 * Columns are grouped by the categorical variables they involve besides the
 * fixed one; each group is evaluated over every combination of those
 * variables' levels, weighted by the product of their proportions. */
static partreg_status mean_row(mfx *c, mean_ctx *mc, size_t fixed, size_t fixed_level,
                               long d_var, double *x, const char *who, partreg_error *err)
{
    if (!x || !mc->done || !c->set || !mc->base)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: no workspace", who);
    memset(x, 0, c->p * sizeof *x);
    if (d_var >= 0)
        memset(c->dx, 0, c->p * sizeof *c->dx);
    memset(mc->done, 0, c->p);
    memcpy(c->set, mc->base, c->nvar * sizeof *c->set);
    if (fixed != SIZE_MAX)
        c->set[mc->cat[fixed]].level = fixed_level;

    for (size_t j = 0; j < c->p; j++) {
        if (mc->done[j])
            continue;
        size_t nf = 0;
        for (size_t k = 0; k < mc->ncat; k++)
            if (k != fixed && mc->sig[j * mc->ncat + k]) {
                mc->free_cats[nf++] = k;
                mc->lev[k] = 0;
            }
        for (;;) {
            double wt = 1.0;
            for (size_t t = 0; t < nf; t++) {
                size_t k = mc->free_cats[t];
                c->set[mc->cat[k]].level = mc->lev[k];
                wt *= mc->prop[mc->prop_off[k] + mc->lev[k]];
            }
            if (wt != 0.0) {
                partreg_status st = row_eval(c, 0, c->set, c->nvar, d_var, c->xr,
                                             d_var >= 0 ? c->dxr : NULL, who, err);
                if (st != PARTREG_OK)
                    return st;
                for (size_t jj = j; jj < c->p; jj++) {
                    if (mc->done[jj] || !same_free_set(mc, j, jj, fixed))
                        continue;
                    x[jj] += wt * c->xr[jj];
                    if (d_var >= 0)
                        c->dx[jj] += wt * c->dxr[jj];
                }
            }
            /* odometer over the free variables' levels */
            size_t t = 0;
            for (; t < nf; t++) {
                size_t k = mc->free_cats[t];
                if (++mc->lev[k] < partreg_frame_variable_n_levels(c->fr, mc->cat[k]))
                    break;
                mc->lev[k] = 0;
            }
            if (t == nf)
                break;
        }
        for (size_t jj = j; jj < c->p; jj++)
            if (!mc->done[jj] && same_free_set(mc, j, jj, fixed))
                mc->done[jj] = 1;
        /* restore the free variables to their base levels */
        for (size_t t = 0; t < nf; t++)
            c->set[mc->cat[mc->free_cats[t]]].level = mc->base[mc->cat[mc->free_cats[t]]].level;
    }
    return PARTREG_OK;
}

partreg_status partreg_margins_mem(const partreg_fit *fit, const partreg_frame *fr, double level,
                                   partreg_margins **out, partreg_error *err)
{
    static const char who[] = "partreg_margins_mem";
    if (out)
        *out = NULL;
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL out", who);
    mfx c;
    mean_ctx mc;
    memset(&mc, 0, sizeof mc);
    partreg_status st = mfx_init(&c, fit, fr, level, who, err);
    if (st != PARTREG_OK)
        return st;
    st = mfx_effect_blocks(&c, who, err);
    if (st != PARTREG_OK)
        goto cleanup;
    double W = total_weight(&c);
    if (!(W > 0.0)) {
        st = partreg_error_set(err, PARTREG_EDATA, "%s: the case weights sum to zero", who);
        goto cleanup;
    }
    st = mean_ctx_init(&mc, &c, W, who, err);
    if (st != PARTREG_OK)
        goto cleanup;

    size_t b = 0;
    while (b < c.nblocks) {
        const block *bl = &c.blocks[b];
        size_t v = bl->variable;
        if (bl->kind == BLOCK_SLOPE) {
            st = mean_row(&c, &mc, SIZE_MAX, 0, (long)v, c.x, who, err);
            if (st != PARTREG_OK)
                goto cleanup;
            acc_slope(&c, b, 1.0, c.x, c.dx);
            b++;
            continue;
        }
        if (!mc.cat_of_var) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
            goto cleanup;
        }
        size_t k = mc.cat_of_var[v];
        st = mean_row(&c, &mc, k, partreg_frame_variable_reference(fr, v), -1, c.x0, who, err);
        if (st != PARTREG_OK)
            goto cleanup;
        for (; b < c.nblocks && c.blocks[b].variable == v; b++) {
            st = mean_row(&c, &mc, k, c.blocks[b].level, -1, c.x, who, err);
            if (st != PARTREG_OK)
                goto cleanup;
            acc_level(&c, b, 1.0, c.x);
            acc_level(&c, b, -1.0, c.x0);
        }
    }
    st = mfx_finish(&c, fit, 1.0, level, NULL, out, who, err);

cleanup:
    mean_ctx_free(&mc);
    mfx_free(&c);
    return st;
}

/* ---- predictive margins at fixed values ------------------------------------ */

/* Check one setting against the frame (variable and level in range, a
 * finite numeric value); index s names it in the message. */
static partreg_status check_setting(const mfx *c, const partreg_setting *set, size_t s,
                                    const char *who, partreg_error *err)
{
    size_t v = set->variable;
    if (v >= c->nvar)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)s,
                                       "%s: setting %zu: variable %zu out of range (%zu)", who,
                                       s + 1, v, c->nvar);
    const char *vn = partreg_frame_variable_name(c->fr, v);
    if (partreg_frame_variable_is_categorical(c->fr, v)) {
        if (set->level >= partreg_frame_variable_n_levels(c->fr, v))
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)s,
                                           "%s: level %zu of '%s' out of range (%zu levels)", who,
                                           set->level, vn,
                                           partreg_frame_variable_n_levels(c->fr, v));
    } else if (!isfinite(set->value)) {
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)s,
                                       "%s: value of '%s' is not finite", who, vn);
    }
    return PARTREG_OK;
}

/* Fewer (rows x blocks) design rows than this per thread are not worth a
 * thread (the fit's rule is 20,000 rows per thread, models/accumulate.c). */
#define AT_MIN_WORK_PER_THREAD 20000

/* The rows of a grid's cells without rebuilding them: when every variable
 * a cell sets enters the design in a column of its own or as a factor in a
 * term of its own (partreg_frame_variable_entry), the cell's row is the
 * row of X with those columns written, the values eval_row() writes
 * (the value itself; 1.0 in the level's column, 0 in the term's others),
 * so the predictions are the plain route's bits. Other cells, and the
 * fit's reference kernel route, rebuild the row (row_eval). */
typedef struct at_fast {
    const double *X;         /* the frame's design, n x p (NULL: every cell rebuilt) */
    unsigned char *cell;     /* nb: 1 when the cell's row comes from X */
    partreg_frame_entry *e;  /* per setting: how its variable enters */
    long *lev_col;           /* per setting: the level's column, or -1 */
} at_fast;

static void at_fast_free(at_fast *f)
{
    free(f->cell);
    free(f->e);
    free(f->lev_col);
    memset(f, 0, sizeof *f);
}

static partreg_status at_fast_init(const mfx *c, const partreg_setting *set, const size_t *first,
                                   const size_t *count, size_t nb, at_fast *f)
{
    memset(f, 0, sizeof *f);
    partreg_data d;
    partreg_frame_data(c->fr, &d);
    if (!c->fit || c->fit->kernel == PARTREG_KERNEL_REFERENCE || !d.X || d.ldx != c->p)
        return PARTREG_OK;
    size_t total = 0;
    for (size_t b = 0; b < nb; b++)
        if (first[b] + count[b] > total)
            total = first[b] + count[b];
    f->cell = xcalloc(nb, 1);
    f->e = xcalloc(total, sizeof *f->e);
    f->lev_col = xcalloc(total, sizeof *f->lev_col);
    if (!f->cell || !f->e || !f->lev_col) {
        at_fast_free(f);
        return PARTREG_ENOMEM;
    }
    for (size_t s = 0; s < total; s++) {
        size_t v = set[s].variable;
        f->e[s] = partreg_frame_variable_entry(c->fr, v);
        f->lev_col[s] = f->e[s].kind == PARTREG_ENTRY_INDICATORS
                            ? partreg_frame_level_column(c->fr, v, set[s].level)
                            : -1;
        if (f->e[s].first + f->e[s].n_cols > c->p)
            f->e[s].kind = PARTREG_ENTRY_OTHER;
    }
    for (size_t b = 0; b < nb; b++) {
        f->cell[b] = 1;
        for (size_t s = first[b]; s < first[b] + count[b]; s++)
            if (f->e[s].kind == PARTREG_ENTRY_OTHER)
                f->cell[b] = 0;
    }
    f->X = d.X;
    return PARTREG_OK;
}

/* One thread of at_blocks(): rows [begin, end) into its own sums. */
typedef struct at_worker {
    mfx c; /* a shallow copy of the shared context with its own scratch and sums */
    const partreg_setting *set;
    const size_t *first, *count;
    const at_fast *fast;
    size_t nb, begin, end;
    const char *who;
    partreg_status st;
    partreg_error err;
} at_worker;

/* The row of cell b at row i from the row of X (at_fast). */
static void at_fast_row(const at_worker *w, size_t i, size_t b, double *x)
{
    const at_fast *f = w->fast;
    size_t p = w->c.p;
    memcpy(x, f->X + i * p, p * sizeof *x);
    for (size_t s = w->first[b]; s < w->first[b] + w->count[b]; s++) {
        const partreg_frame_entry *e = &f->e[s];
        if (e->kind == PARTREG_ENTRY_LINEAR) {
            x[e->first] = w->set[s].value;
            continue;
        }
        memset(x + e->first, 0, e->n_cols * sizeof *x);
        if (f->lev_col[s] >= 0)
            x[f->lev_col[s]] = 1.0;
    }
}

static void at_rows(at_worker *w)
{
    mfx *c = &w->c;
    for (size_t i = w->begin; i < w->end; i++) {
        double wi = c->w ? c->w[i] : 1.0;
        if (wi == 0.0)
            continue;
        for (size_t b = 0; b < w->nb; b++) {
            if (w->fast->X && w->fast->cell[b]) {
                at_fast_row(w, i, b, c->x);
            } else {
                w->st = row_eval(c, i, w->count[b] ? w->set + w->first[b] : NULL, w->count[b],
                                 -1, c->x, NULL, w->who, &w->err);
                if (w->st != PARTREG_OK)
                    return;
            }
            acc_level(c, b, wi, c->x);
        }
    }
}

static void at_share(void *ws, size_t t)
{
    at_rows((at_worker *)ws + t);
}

/* Threads for nb blocks over n rows with the fit's thread count
 * (partreg_fit_options.threads, 0 = all cores). */
static size_t at_threads(const partreg_fit *fit, size_t n, size_t nb)
{
    int t = fit->opt.threads;
    long cores = t > 0 ? t : sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cores > 0 ? (size_t)cores : 1;
    if (nt > PARTREG_TEAM_MAX)
        nt = PARTREG_TEAM_MAX;
    while (nt > 1 && n / nt * nb < AT_MIN_WORK_PER_THREAD)
        nt--;
    return nt;
}

/* Rows [begin, end) of all blocks into c->est and c->jac: on nt threads
 * over contiguous row ranges, each into its own sums, merged in thread
 * order (so a thread count always gives the same bits; one thread sums in
 * row order exactly as a single partreg_margins_at() call). On failure the
 * error of the lowest failing row. */
static partreg_status at_accumulate(mfx *c, size_t nt, const partreg_setting *set,
                                    const size_t *first, const size_t *count, size_t nb,
                                    const char *who, partreg_error *err)
{
    at_worker *ws;
    size_t t;
    at_fast fast;
    partreg_status st = at_fast_init(c, set, first, count, nb, &fast);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "%s: out of memory", who);
    if (nt <= 1) {
        at_worker one;
        memset(&one, 0, sizeof one);
        one.c = *c;
        one.fast = &fast;
        one.set = set;
        one.first = first;
        one.count = count;
        one.nb = nb;
        one.begin = 0;
        one.end = c->n;
        one.who = who;
        at_rows(&one);
        at_fast_free(&fast);
        partreg_fit_count_rows(c->fit, c->n); /* every block in one pass over the rows */
        if (one.st != PARTREG_OK && err)
            *err = one.err;
        return one.st;
    }
    ws = calloc(nt, sizeof *ws);
    if (!ws) {
        at_fast_free(&fast);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    for (t = 0; t < nt; t++) {
        at_worker *w = &ws[t];
        w->c = *c;
        w->c.x = xcalloc(c->p, sizeof(double));
        w->c.scratch = xcalloc(c->n_scratch, sizeof(double));
        w->c.est = xcalloc(c->m, sizeof(double));
        w->c.jac = xcalloc(c->m * c->K, sizeof(double));
        w->fast = &fast;
        w->set = set;
        w->first = first;
        w->count = count;
        w->nb = nb;
        w->begin = c->n * t / nt;
        w->end = c->n * (t + 1) / nt;
        w->who = who;
        if (!w->c.x || !w->c.scratch || !w->c.est || !w->c.jac)
            st = PARTREG_ENOMEM;
    }
    if (st == PARTREG_OK) {
        partreg_team_run(NULL, nt, at_share, ws);
        partreg_fit_count_rows(c->fit, c->n);
        for (t = 0; t < nt && st == PARTREG_OK; t++) {
            if (ws[t].st != PARTREG_OK) {
                st = ws[t].st;
                if (err)
                    *err = ws[t].err;
            }
        }
        for (t = 0; t < nt && st == PARTREG_OK; t++) {
            for (size_t e = 0; e < c->m; e++)
                c->est[e] += ws[t].c.est[e];
            for (size_t e = 0; e < c->m * c->K; e++)
                c->jac[e] += ws[t].c.jac[e];
        }
    } else {
        partreg_error_set(err, st, "%s: out of memory", who);
    }
    for (t = 0; t < nt; t++) {
        free(ws[t].c.x);
        free(ws[t].c.scratch);
        free(ws[t].c.est);
        free(ws[t].c.jac);
    }
    free(ws);
    at_fast_free(&fast);
    return st;
}

/* The predictive margins of nb blocks over one pass of the rows: block b
 * holds the settings set + first[b] .. set + first[b] + count[b]. Every
 * entry sums its rows in row order with the same operations whatever the
 * number of blocks, so a block's numbers do not depend on the others; with
 * threads > 1 (at most; fewer when there is little work) the rows are cut
 * into ranges whose sums are added in order. */
static partreg_status at_blocks(mfx *c, const partreg_fit *fit, const partreg_setting *set,
                                const size_t *first, const size_t *count, size_t nb,
                                int threaded, double level, const finish_ex *fx,
                                partreg_margins **out, const char *who, partreg_error *err)
{
    partreg_status st;
    char **terms = xcalloc(nb, sizeof *terms);
    c->blocks = xcalloc(nb, sizeof *c->blocks);
    if (!terms || !c->blocks) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto cleanup;
    }
    for (size_t b = 0; b < nb; b++)
        c->blocks[b] = (block){BLOCK_AT, 0, 0};
    c->nblocks = nb;
    st = mfx_alloc_entries(c, who, err);
    if (st != PARTREG_OK)
        goto cleanup;
    double W = total_weight(c);
    if (!(W > 0.0)) {
        st = partreg_error_set(err, PARTREG_EDATA, "%s: the case weights sum to zero", who);
        goto cleanup;
    }
    st = at_accumulate(c, threaded ? at_threads(fit, c->n, nb) : 1, set, first, count, nb, who,
                       err);
    if (st != PARTREG_OK)
        goto cleanup;
    for (size_t b = 0; b < nb; b++) {
        terms[b] = partreg_margins_describe_settings(c->fr, count[b] ? set + first[b] : NULL,
                                                     count[b]);
        if (!terms[b]) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
            goto cleanup;
        }
    }
    st = mfx_finish_ex(c, fit, W, level, terms, fx, out, who, err);
cleanup:
    if (terms)
        for (size_t b = 0; b < nb; b++)
            free(terms[b]);
    free(terms);
    return st;
}

partreg_status partreg_margins_at(const partreg_fit *fit, const partreg_frame *fr,
                                  const partreg_setting *set, size_t n_set, double level,
                                  partreg_margins **out, partreg_error *err)
{
    static const char who[] = "partreg_margins_at";
    if (out)
        *out = NULL;
    if (!out || (n_set && !set))
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    mfx c;
    partreg_status st = mfx_init(&c, fit, fr, level, who, err);
    if (st != PARTREG_OK)
        return st;
    for (size_t s = 0; s < n_set; s++) {
        if ((st = check_setting(&c, &set[s], s, who, err)) != PARTREG_OK)
            goto cleanup;
        for (size_t t = 0; t < s; t++)
            if (set[t].variable == set[s].variable) {
                st = partreg_error_set_index(err, PARTREG_EINVAL, (long)s,
                                             "%s: '%s' is set twice", who,
                                             partreg_frame_variable_name(fr, set[s].variable));
                goto cleanup;
            }
    }
    size_t first = 0;
    st = at_blocks(&c, fit, set, &first, &n_set, 1, 0, level, NULL, out, who, err);
cleanup:
    mfx_free(&c);
    return st;
}

partreg_status partreg_margins_at_each(const partreg_fit *fit, const partreg_frame *fr,
                                       const partreg_setting *set, size_t n_set, double level,
                                       partreg_margins **out, partreg_error *err)
{
    static const char who[] = "partreg_margins_at_each";
    if (out)
        *out = NULL;
    if (!out || !set || n_set == 0)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument or no settings", who);
    mfx c;
    size_t *first = NULL, *count = NULL;
    partreg_status st = mfx_init(&c, fit, fr, level, who, err);
    if (st != PARTREG_OK)
        return st;
    first = xcalloc(n_set, sizeof *first);
    count = xcalloc(n_set, sizeof *count);
    if (!first || !count) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto cleanup;
    }
    for (size_t s = 0; s < n_set; s++) {
        if ((st = check_setting(&c, &set[s], s, who, err)) != PARTREG_OK)
            goto cleanup;
        first[s] = s;
        count[s] = 1;
    }
    st = at_blocks(&c, fit, set, first, count, n_set, 1, level, NULL, out, who, err);
cleanup:
    free(first);
    free(count);
    mfx_free(&c);
    return st;
}

/* ---- grids, groups ------------------------------------------------------- */

partreg_margins_options partreg_margins_options_default(void)
{
    partreg_margins_options o;
    memset(&o, 0, sizeof o);
    o.level = 0.95;
    o.prob_ci = PARTREG_PROB_CI_LINK;
    return o;
}

/* Check the options' groups; fill *G with their number (1 without). */
static partreg_status check_groups(const partreg_margins_options *o, size_t n, size_t *G,
                                   const char *who, partreg_error *err)
{
    *G = 1;
    if (!o->group)
        return PARTREG_OK;
    if (o->n_groups == 0 || !o->group_labels)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: groups without labels", who);
    for (size_t g = 0; g < o->n_groups; g++)
        if (!o->group_labels[g])
            return partreg_error_set(err, PARTREG_EINVAL, "%s: group %zu has no label", who,
                                     g + 1);
    for (size_t i = 0; i < n; i++)
        if (o->group[i] != PARTREG_NO_GROUP && o->group[i] >= o->n_groups)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                           "%s: row %zu is in group %zu of %zu", who, i + 1,
                                           o->group[i] + 1, o->n_groups);
    *G = o->n_groups;
    return PARTREG_OK;
}

/* The weights of group g (frame weights times the indicator) into w;
 * their sum is returned. */
static double group_weights(const partreg_frame *fr, const partreg_margins_options *o, size_t g,
                            double *w)
{
    size_t n = partreg_frame_n_rows(fr);
    const double *fw = partreg_frame_weights(fr);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        w[i] = o->group[i] == g ? (fw ? fw[i] : 1.0) : 0.0;
        s += w[i];
    }
    return s;
}

/* Append the entries, strings and gradients of `add` to *acc (taking
 * them; add is freed). *acc NULL: add becomes the list. */
static partreg_status margins_append(partreg_margins **acc, partreg_margins *add)
{
    partreg_margins *a = *acc;
    if (!a) {
        *acc = add;
        return PARTREG_OK;
    }
    size_t n = a->n + add->n, ns = a->n_strings + add->n_strings, K = a->K;
    partreg_margin *items = realloc(a->items, (n ? n : 1) * sizeof *items);
    if (items)
        a->items = items;
    char **strings = items ? realloc(a->strings, (ns ? ns : 1) * sizeof *strings) : NULL;
    if (strings)
        a->strings = strings;
    size_t nk = n * K;
    double *jac = strings ? realloc(a->jac, (nk ? nk : 1) * sizeof *jac) : NULL;
    if (!jac) {
        partreg_margins_free(add);
        return PARTREG_ENOMEM;
    }
    a->jac = jac;
    memcpy(a->items + a->n, add->items, add->n * sizeof *items);
    memcpy(a->strings + a->n_strings, add->strings, add->n_strings * sizeof *strings);
    memcpy(a->jac + a->n * K, add->jac, add->n * K * sizeof *jac);
    a->n = n;
    a->n_strings = ns;
    a->n_groups++;
    add->n_strings = 0; /* the strings moved */
    partreg_margins_free(add);
    return PARTREG_OK;
}

/* Run one group's margins (predictions over the grid, or AMEs). */
static partreg_status group_margins(const partreg_fit *fit, const partreg_frame *fr,
                                    const partreg_at_grid *grid, int ame,
                                    const partreg_margins_options *o, size_t g, double *gw,
                                    partreg_margins **out, const char *who, partreg_error *err)
{
    mfx c;
    size_t *first = NULL, *count = NULL;
    partreg_status st = mfx_init(&c, fit, fr, o->level, who, err);
    if (st != PARTREG_OK)
        return st;
    finish_ex fx = {1, o->prob_ci, partreg_fit_link(fit), g,
                    o->group ? o->group_labels[g] : NULL};
    double W;
    if (o->group) {
        W = group_weights(fr, o, g, gw);
        c.w = gw;
    } else {
        W = total_weight(&c);
    }
    if (!(W > 0.0)) {
        if (o->group)
            st = partreg_error_set(err, PARTREG_EDATA,
                                   "%s: the rows of group '%s' have no weight", who,
                                   o->group_labels[g]);
        else
            st = partreg_error_set(err, PARTREG_EDATA, "%s: the case weights sum to zero", who);
        goto cleanup;
    }
    if (ame) {
        if ((st = mfx_effect_blocks(&c, who, err)) != PARTREG_OK ||
            (st = ame_accumulate(&c, who, err)) != PARTREG_OK)
            goto cleanup;
        st = mfx_finish_ex(&c, fit, W, o->level, NULL, &fx, out, who, err);
        goto cleanup;
    }
    size_t nb = grid ? partreg_at_grid_n_cells(grid) : 1, total = 0;
    first = xcalloc(nb, sizeof *first);
    count = xcalloc(nb, sizeof *count);
    if (!first || !count) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto cleanup;
    }
    const partreg_setting *set = grid ? grid->set : NULL;
    for (size_t b = 0; grid && b < nb; b++) {
        first[b] = grid->first[b];
        count[b] = grid->count[b];
        total += count[b];
    }
    for (size_t s = 0; s < total; s++)
        if ((st = check_setting(&c, &set[s], s, who, err)) != PARTREG_OK)
            goto cleanup;
    st = at_blocks(&c, fit, set, first, count, nb, 1, o->level, &fx, out, who, err);
cleanup:
    free(first);
    free(count);
    mfx_free(&c);
    return st;
}

static partreg_status margins_groups(const partreg_fit *fit, const partreg_frame *fr,
                                     const partreg_at_grid *grid, int ame,
                                     const partreg_margins_options *opt, partreg_margins **out,
                                     const char *who, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fit || !fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    partreg_margins_options o = opt ? *opt : partreg_margins_options_default();
    if (!(o.level > 0.0 && o.level < 1.0))
        return partreg_error_set(err, PARTREG_EINVAL, "%s: confidence level %g is not in (0, 1)",
                                 who, o.level);
    if (o.prob_ci != PARTREG_PROB_CI_LINK && o.prob_ci != PARTREG_PROB_CI_DELTA)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: unknown interval method", who);
    size_t G, n = partreg_frame_n_rows(fr);
    partreg_status st = check_groups(&o, n, &G, who, err);
    if (st != PARTREG_OK)
        return st;
    double *gw = o.group ? xcalloc(n, sizeof *gw) : NULL;
    if (o.group && !gw)
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    partreg_margins *acc = NULL;
    for (size_t g = 0; g < G && st == PARTREG_OK; g++) {
        partreg_margins *one = NULL;
        st = group_margins(fit, fr, grid, ame, &o, g, gw, &one, who, err);
        if (st == PARTREG_OK && margins_append(&acc, one) != PARTREG_OK)
            st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    free(gw);
    if (st != PARTREG_OK) {
        partreg_margins_free(acc);
        return st;
    }
    *out = acc;
    return PARTREG_OK;
}

partreg_status partreg_margins_predict(const partreg_fit *fit, const partreg_frame *fr,
                                       const partreg_at_grid *grid,
                                       const partreg_margins_options *opt, partreg_margins **out,
                                       partreg_error *err)
{
    return margins_groups(fit, fr, grid, 0, opt, out, "partreg_margins_predict", err);
}

partreg_status partreg_margins_ame_groups(const partreg_fit *fit, const partreg_frame *fr,
                                          const partreg_margins_options *opt,
                                          partreg_margins **out, partreg_error *err)
{
    return margins_groups(fit, fr, NULL, 1, opt, out, "partreg_margins_ame_groups", err);
}
