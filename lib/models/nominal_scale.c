/* Cumulative-link models with nominal (cut-specific) and scale effects.
 *
 *   P(Y <= j | x) = F(t_j),   t_j = (theta_j - x_p'beta - x_n'beta_j) / s,
 *   s = exp(z'gamma),         P(Y = c) = F(t_c) - F(t_{c-1}),
 *
 * j = 0..J-2, t_{-1} = -inf and t_{J-1} = +inf exactly. x_p are the
 * location columns with one slope (parallel), x_n those with one slope per
 * cut (nominal effects: partial proportional odds, Peterson & Harrell
 * 1990; R's clm(nominal =), VGAM's cumulative(parallel = FALSE ~ x),
 * Stata's gologit2, npl()), z the columns of the log scale (location-scale
 * or heterogeneous-choice model: McCullagh 1980; R's clm(scale =), Stata's
 * oglm, het()). A positive beta_j raises P(Y > j), as gologit2 reports it
 * (clm's threshold table shows -beta_j); a positive gamma widens the
 * latent distribution.
 *
 * Parameters, in blocks: beta (parallel columns), theta (J - 1 cuts),
 * beta_j (cut by cut, the nominal columns at each), gamma (scale columns).
 *
 * A row in category c has the cut points a = t_{c-1}, b = t_c and
 * log P = log(F(b) - F(a)), whose derivatives in a and b
 * (partreg_ordinal_row_terms: da, db, daa, dab, dbb) are taken in the tail
 * where they are precise. With v_j = dt_j/dparam,
 *   dt_j/dbeta = -x_p/s,  dt_j/dtheta_j = 1/s,  dt_j/dbeta_j = -x_n/s,
 *   dt_j/dgamma = -t_j z,
 * and second derivatives d2t_j/du dgamma = -(dt_j/du) z for every u and
 * 0 between location parameters, the row's gradient is da v_a + db v_b and
 * its Hessian
 *   daa v_a v_a' + dab (v_a v_b' + v_b v_a') + dbb v_b v_b'
 *   - (da v_a + db v_b) z' - z (da v_a + db v_b)'   (gamma rows/columns;
 *     on the gamma x gamma block the two terms are one and the same)
 * so the gamma block of the Hessian carries -(da v_a + db v_b)_f z_e once.
 *
 * A step to parameters where an observed row's category has P <= 0 (its
 * cut points cross: b <= a) gives log-likelihood -inf and is halved by the
 * solver. At the estimate, rows whose other categories have a negative
 * probability are counted (PARTREG_TRAIT_MAY_CROSS): the model is then
 * not a probability model for them (Williams 2006 calls these "negative
 * predicted probabilities").
 *
 * References: McCullagh (1980), JRSS B 42:109-142; Peterson & Harrell
 * (1990), Applied Statistics 39:205-217; Williams (2006), Stata Journal
 * 6:58-82; Christensen (2019), ordinal: Regression Models for Ordinal
 * Data; docs/methods.md, "Nominal and scale effects". */
#include "models/nominal_scale.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/link.h"
#include "models/kernels/nominal_sums.h"
#include "models/ordinal.h"

/* ---- settings and layout ------------------------------------------------ */

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static void ns_release(partreg_model *m)
{
    partreg_ns_state *s = m->state;
    if (!s)
        return;
    free(s->pcol);
    free(s->qcol);
    free(s->rcol);
    free(s->group);
    free(s);
    m->state = NULL;
    m->screen_group = NULL;
}

/* Check the column lists of spec against p: in range and not repeated. */
static partreg_status check_columns(const char *what, const size_t *cols, size_t n, size_t p,
                                    unsigned char *seen, partreg_error *err)
{
    memset(seen, 0, p ? p : 1);
    for (size_t i = 0; i < n; i++) {
        if (cols[i] >= p)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "%s column %zu is out of range (the design has %zu columns)",
                                     what, cols[i], p);
        if (seen[cols[i]])
            return partreg_error_set(err, PARTREG_EINVAL, "%s column %zu is given twice", what,
                                     cols[i]);
        seen[cols[i]] = 1;
    }
    return PARTREG_OK;
}

static partreg_status ns_init(partreg_model *m, const partreg_model_spec *spec,
                              partreg_error *err)
{
    size_t p = m->p, J = m->J;
    if (J < 3)
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "an ordinal model needs at least 3 outcome levels (got %zu); "
                                 "for two levels fit the binary model",
                                 J);
    if (J > m->n) /* before the layout's (J - 1) (1 + nominal columns) entries */
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "the outcome has %zu levels but there are only %zu rows; every "
                                 "level needs observations",
                                 J, m->n);
    partreg_ns_state *s = calloc(1, sizeof *s);
    unsigned char *nominal = calloc(p ? p : 1, 1), *scale_only = calloc(p ? p : 1, 1);
    unsigned char *scale = calloc(p ? p : 1, 1);
    partreg_status st = PARTREG_OK;
    if (!s || !nominal || !scale_only || !scale) {
        free(s);
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    m->state = s;
    if ((st = check_columns("nominal", spec->nominal, spec->n_nominal, p, nominal, err)) !=
            PARTREG_OK ||
        (st = check_columns("scale", spec->scale, spec->n_scale, p, scale, err)) != PARTREG_OK)
        goto done;
    for (size_t i = 0; i < spec->n_scale; i++) {
        if (!spec->scale_only || !spec->scale_only[i])
            continue;
        size_t c = spec->scale[i];
        if (nominal[c]) {
            st = partreg_error_set(err, PARTREG_EINVAL,
                                   "column %zu is nominal but enters the scale only; a nominal "
                                   "column must be a location column",
                                   c);
            goto done;
        }
        scale_only[c] = 1;
    }
    s->pcol = malloc((p ? p : 1) * sizeof *s->pcol);
    s->qcol = malloc((p ? p : 1) * sizeof *s->qcol);
    s->rcol = malloc((p ? p : 1) * sizeof *s->rcol);
    s->group = calloc(p ? p : 1, 1);
    if (!s->pcol || !s->qcol || !s->rcol || !s->group) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < p; c++) {
        if (scale[c])
            s->rcol[s->nr++] = c;
        if (scale_only[c])
            s->group[c] = 1;
        else if (nominal[c])
            s->qcol[s->nq++] = c;
        else
            s->pcol[s->np++] = c;
    }
    m->screen_group = s->group;
    m->nout = J;
    size_t nc = J - 1, nn = nc * s->nq;
    size_t *col = malloc((nn ? nn : 1) * sizeof *col), *cut = malloc((nn ? nn : 1) * sizeof *cut);
    if (!col || !cut) {
        free(col);
        free(cut);
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < nc; j++)
        for (size_t q = 0; q < s->nq; q++) {
            col[j * s->nq + q] = s->qcol[q];
            cut[j * s->nq + q] = j;
        }
    partreg_layout *lay = &m->layout;
    if (partreg_layout_add(lay, "beta", PARTREG_PARAM_COEFFICIENT, s->np, s->pcol, NULL) ||
        partreg_layout_add_cuts(lay, "theta", PARTREG_PARAM_THRESHOLD, J) ||
        (s->nq && partreg_layout_add(lay, "beta_j", PARTREG_PARAM_CUT_COEFFICIENT, nn, col, cut)) ||
        (s->nr && partreg_layout_add(lay, "gamma", PARTREG_PARAM_SCALE, s->nr, s->rcol, NULL)))
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    free(col);
    free(cut);
done:
    free(nominal);
    free(scale_only);
    free(scale);
    return st;
}

/* ---- the free parameters over a design ---------------------------------- */

static int kept(const partreg_design *d, size_t c)
{
    if (!d->cols)
        return 1;
    size_t lo = 0, hi = d->pk; /* d->cols is ascending */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cols[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->pk && d->cols[lo] == c;
}

void partreg_ns_map_build(const partreg_model *m, const partreg_design *d, partreg_ns_map *map)
{
    const partreg_ns_state *s = m->state;
    map->nb = map->nq = map->nr = 0;
    for (size_t i = 0; i < s->np; i++)
        if (kept(d, s->pcol[i]))
            map->bcol[map->nb++] = s->pcol[i];
    for (size_t i = 0; i < s->nq; i++)
        if (kept(d, s->qcol[i]))
            map->qcol[map->nq++] = s->qcol[i];
    for (size_t i = 0; i < s->nr; i++)
        if (kept(d, s->rcol[i]))
            map->rcol[map->nr++] = s->rcol[i];
    map->nc = m->J - 1;
    map->ot = map->nb;
    map->on = map->ot + map->nc;
    map->og = map->on + map->nc * map->nq;
    map->k = map->og + map->nr;
}

/* The number of free parameters: the layout's entries whose column (if
 * any) is kept. */
static size_t free_count(const partreg_model *m, const partreg_design *d)
{
    size_t k = 0;
    for (size_t j = 0; j < m->layout.K; j++) {
        size_t c = m->layout.params[j].column;
        k += c == PARTREG_NONE || kept(d, c);
    }
    return k;
}

/* ---- one row ------------------------------------------------------------- */

/* A row's linear parts at the free parameters theta: the parallel slopes'
 * x_p'beta, the log scale z'gamma. */
typedef struct ns_row {
    double eta, s, a, b;   /* x_p'beta, exp(z'gamma), cut points (or -+inf) */
    int has_a, has_b;
    partreg_ordinal_terms t;
    int valid;             /* the category's probability is positive */
} ns_row;

static double nominal_part(const partreg_ns_map *mp, const double *theta, const double *x,
                           size_t j)
{
    const double *bj = theta + mp->on + j * mp->nq;
    double v = 0.0;
    for (size_t q = 0; q < mp->nq; q++)
        v += bj[q] * x[mp->qcol[q]];
    return v;
}

static void row_eval(const partreg_design *d, const partreg_ns_map *mp, const double *theta,
                     const double *x, size_t c, ns_row *r)
{
    double eta = 0.0, zg = 0.0;
    for (size_t i = 0; i < mp->nb; i++)
        eta += theta[i] * x[mp->bcol[i]];
    for (size_t i = 0; i < mp->nr; i++)
        zg += theta[mp->og + i] * x[mp->rcol[i]];
    r->eta = eta;
    r->s = exp(zg);
    r->has_a = c > 0;
    r->has_b = c + 1 < d->J;
    r->a = r->has_a ? (theta[mp->ot + c - 1] - eta - nominal_part(mp, theta, x, c - 1)) / r->s
                    : -INFINITY;
    r->b = r->has_b ? (theta[mp->ot + c] - eta - nominal_part(mp, theta, x, c)) / r->s
                    : INFINITY;
    r->valid = r->b > r->a && isfinite(r->s) && !isnan(r->a) && !isnan(r->b);
    if (r->valid)
        partreg_ordinal_row_terms(d->link, r->a, r->b, &r->t);
}

/* v = dt_j/dparam over the free parameters for cut j with t_j = t. */
static void cut_gradient(const partreg_ns_map *mp, const double *x, size_t j, double t,
                         double s, double *v)
{
    memset(v, 0, mp->k * sizeof *v);
    for (size_t i = 0; i < mp->nb; i++)
        v[i] = -x[mp->bcol[i]] / s;
    v[mp->ot + j] = 1.0 / s;
    double *vj = v + mp->on + j * mp->nq;
    for (size_t q = 0; q < mp->nq; q++)
        vj[q] = -x[mp->qcol[q]] / s;
    for (size_t i = 0; i < mp->nr; i++)
        v[mp->og + i] = -t * x[mp->rcol[i]];
}

/* ---- the reference route ------------------------------------------------- */

size_t partreg_ns_ref_scratch(const partreg_model *m)
{
    const partreg_ns_state *s = m->state;
    return s->np + s->nq + s->nr + 3 * m->layout.K + 1;
}

/* The map's column lists at the front of the scratch; returns what follows. */
static double *map_in_scratch(const partreg_design *d, double *scratch, partreg_ns_map *mp)
{
    const partreg_ns_state *s = d->model->state;
    /* size_t lists in the scratch block (allocated memory: its effective
     * type is what is stored) */
    size_t *cols = (size_t *)(void *)scratch;
    mp->bcol = cols;
    mp->qcol = cols + s->np;
    mp->rcol = cols + s->np + s->nq;
    partreg_ns_map_build(d->model, d, mp);
    return scratch + s->np + s->nq + s->nr;
}

void partreg_ns_accumulate_ref(const partreg_design *d, const double *theta, size_t begin,
                               size_t end, partreg_order order, partreg_accum *acc,
                               double *scratch)
{
    partreg_ns_map mp;
    double *va = map_in_scratch(d, scratch, &mp);
    size_t k = mp.k;
    double *vb = va + k, *g = vb + k;
    int info = order >= PARTREG_ORDER_HESSIAN;
    for (size_t i = begin; i < end; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = d->X + i * d->ldx;
        size_t c = (size_t)d->y[i];
        ns_row r;
        row_eval(d, &mp, theta, x, c, &r);
        if (!r.valid) {
            acc->loglik = -INFINITY;
            acc->nonfinite = 1;
            continue;
        }
        acc->loglik += w * r.t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        if (r.has_a)
            cut_gradient(&mp, x, c - 1, r.a, r.s, va);
        else
            memset(va, 0, k * sizeof *va);
        if (r.has_b)
            cut_gradient(&mp, x, c, r.b, r.s, vb);
        else
            memset(vb, 0, k * sizeof *vb);
        for (size_t e = 0; e < k; e++) {
            g[e] = r.t.da * va[e] + r.t.db * vb[e];
            acc->grad[e] += w * g[e];
        }
        if (!info)
            continue;
        for (size_t e = 0; e < k; e++) {
            double *row = acc->info + e * k;
            double ze = e >= mp.og ? x[mp.rcol[e - mp.og]] : 0.0;
            for (size_t f = 0; f <= e; f++) {
                double h = r.t.daa * va[e] * va[f] + r.t.dab * (va[e] * vb[f] + vb[e] * va[f]) +
                           r.t.dbb * vb[e] * vb[f];
                if (e >= mp.og)
                    h -= g[f] * ze;
                row[f] -= w * h;
            }
        }
        if (!isfinite(r.t.logp))
            acc->nonfinite = 1;
    }
}

static void ns_accumulate_ref_cb(const void *model, const double *theta, size_t begin,
                                 size_t end, partreg_order order, partreg_accum *acc,
                                 double *scratch)
{
    partreg_ns_accumulate_ref(model, theta, begin, end, order, acc, scratch);
}

static void ns_row_scores(const void *model, const double *theta, size_t begin, size_t end,
                          double *S, double *scratch)
{
    const partreg_design *d = model;
    partreg_ns_map mp;
    double *va = map_in_scratch(d, scratch, &mp);
    size_t k = mp.k;
    double *vb = va + k;
    for (size_t i = begin; i < end; i++) {
        double *s = S + (i - begin) * k;
        memset(s, 0, k * sizeof *s);
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        const double *x = d->X + i * d->ldx;
        size_t c = (size_t)d->y[i];
        ns_row r;
        row_eval(d, &mp, theta, x, c, &r);
        if (!r.valid) {
            for (size_t e = 0; e < k; e++)
                s[e] = NAN;
            continue;
        }
        memset(va, 0, k * sizeof *va);
        memset(vb, 0, k * sizeof *vb);
        if (r.has_a)
            cut_gradient(&mp, x, c - 1, r.a, r.s, va);
        if (r.has_b)
            cut_gradient(&mp, x, c, r.b, r.s, vb);
        for (size_t e = 0; e < k; e++)
            s[e] = w * (r.t.da * va[e] + r.t.db * vb[e]);
    }
}

/* Thresholds finite; with parallel slopes alone (no nominal columns) also
 * increasing, as in the plain model (the scale divides every cut alike). */
static int ns_feasible(const void *model, const double *theta)
{
    const partreg_design *d = model;
    const partreg_ns_state *s = d->model->state;
    size_t ot = 0;
    for (size_t i = 0; i < s->np; i++)
        ot += kept(d, s->pcol[i]);
    const double *thr = theta + ot;
    for (size_t j = 0; j + 1 < d->J; j++) {
        if (!isfinite(thr[j]))
            return 0;
        if (s->nq == 0 && j > 0 && !(thr[j] > thr[j - 1]))
            return 0;
    }
    return 1;
}

void partreg_ns_objective_ref(const partreg_model *m, const partreg_design *d,
                              partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj);
    obj->k = free_count(m, d);
    obj->n = d->n;
    obj->model = d;
    obj->accumulate = ns_accumulate_ref_cb;
    obj->feasible = ns_feasible;
    obj->row_scores = ns_row_scores;
    obj->scratch_doubles = partreg_ns_ref_scratch(m);
    obj->team = NULL;
}

static void ns_accumulate_fast_cb(const void *model, const double *theta, size_t begin,
                                  size_t end, partreg_order order, partreg_accum *acc,
                                  double *scratch)
{
    partreg_ns_accumulate_fast(model, theta, begin, end, order, acc, scratch);
}

/* The one place the objective's route is chosen: nominal effects without
 * scale terms take the fast route of the design's kernel
 * (kernels/nominal_sums.c) unless the fit asks for the reference route;
 * the rest the reference route. */
static void ns_objective(const partreg_model *m, const partreg_design *d, partreg_objective *obj)
{
    const partreg_ns_state *s = m->state;
    partreg_ns_objective_ref(m, d, obj);
    if (s->nq > 0 && s->nr == 0 && d->kernel != PARTREG_KERNEL_REFERENCE) {
        obj->accumulate = ns_accumulate_fast_cb;
        size_t need = partreg_ns_fast_scratch(m);
        if (need > obj->scratch_doubles)
            obj->scratch_doubles = need;
    }
}

/* ---- start, null model, outcome check ------------------------------------ */

static void ns_start(const partreg_model *m, const partreg_design *d,
                     const partreg_outcome_totals *tot, const partreg_intercept *ic, double *theta)
{
    (void)ic;
    const partreg_ns_state *s = m->state;
    size_t nb = 0;
    for (size_t i = 0; i < s->np; i++)
        nb += kept(d, s->pcol[i]);
    memset(theta, 0, free_count(m, d) * sizeof *theta);
    double cum = 0.0;
    for (size_t j = 0; j + 1 < m->J; j++) {
        cum += tot->W[j];
        theta[nb + j] = partreg_link_quantile(m->link, cum / tot->sum_w);
    }
}

static double ns_null(const partreg_model *m, const partreg_outcome_totals *tot,
                      const partreg_intercept *ic, size_t *k_null)
{
    (void)ic;
    *k_null = m->J - 1;
    return partreg_ordinal_null_loglik(tot->W, m->J, tot->sum_w);
}

static partreg_status ns_check_outcome(const partreg_model *m, const partreg_outcome_totals *tot,
                                       const char *const *level_names, partreg_error *err)
{
    /* the same classes as the plain cumulative-link model */
    return partreg_model_cumulative()->check_outcome(m, tot, level_names, err);
}

/* ---- predictions ---------------------------------------------------------- */

/* scratch: t, F, S, f, f', g (dt/dx along dx), L (the location part of g)
 * at each cut */
static size_t ns_predict_scratch(const partreg_model *m) { return 7 * m->J; }

/* The full vector's blocks: beta at 0, theta at ot, beta_j at on, gamma
 * at og. */
static void full_offsets(const partreg_model *m, size_t *ot, size_t *on, size_t *og)
{
    const partreg_ns_state *s = m->state;
    *ot = s->np;
    *on = *ot + m->J - 1;
    *og = *on + (m->J - 1) * s->nq;
}

/* t_j at row x for every cut, and the scale s. */
static void cut_points(const partreg_model *m, const double *par, const double *x, double *t,
                       double *s_out, double *L, const double *dx, double *h_out)
{
    const partreg_ns_state *s = m->state;
    size_t ot, on, og;
    full_offsets(m, &ot, &on, &og);
    double eta = 0.0, zg = 0.0, deta = 0.0, h = 0.0;
    for (size_t i = 0; i < s->np; i++) {
        eta += par[i] * x[s->pcol[i]];
        if (dx)
            deta += par[i] * dx[s->pcol[i]];
    }
    for (size_t i = 0; i < s->nr; i++) {
        zg += par[og + i] * x[s->rcol[i]];
        if (dx)
            h += par[og + i] * dx[s->rcol[i]];
    }
    double sc = exp(zg);
    for (size_t j = 0; j + 1 < m->J; j++) {
        const double *bj = par + on + j * s->nq;
        double nom = 0.0, dnom = 0.0;
        for (size_t q = 0; q < s->nq; q++) {
            nom += bj[q] * x[s->qcol[q]];
            if (dx)
                dnom += bj[q] * dx[s->qcol[q]];
        }
        t[j] = (par[ot + j] - eta - nom) / sc;
        if (L)
            L[j] = deta + dnom;
    }
    *s_out = sc;
    if (h_out)
        *h_out = h;
}

/* dout_row += coef * dt_j/dpar (full vector) at row x. */
static void add_cut_gradient(const partreg_model *m, const double *x, size_t j, double t,
                             double sc, double coef, double *row)
{
    const partreg_ns_state *s = m->state;
    size_t ot, on, og;
    full_offsets(m, &ot, &on, &og);
    for (size_t i = 0; i < s->np; i++)
        row[i] += coef * (-x[s->pcol[i]] / sc);
    row[ot + j] += coef / sc;
    for (size_t q = 0; q < s->nq; q++)
        row[on + j * s->nq + q] += coef * (-x[s->qcol[q]] / sc);
    for (size_t i = 0; i < s->nr; i++)
        row[og + i] += coef * (-t * x[s->rcol[i]]);
}

/* dout_row += coef * dg_j/dpar, g_j = dt_j/dx . dx = -L_j/s - t_j h. */
static void add_dir_gradient(const partreg_model *m, const double *x, const double *dx, size_t j,
                             double t, double sc, double Lj, double h, double coef, double *row)
{
    const partreg_ns_state *s = m->state;
    size_t ot, on, og;
    full_offsets(m, &ot, &on, &og);
    for (size_t i = 0; i < s->np; i++) {
        size_t c = s->pcol[i];
        row[i] += coef * (-dx[c] + x[c] * h) / sc;
    }
    row[ot + j] += coef * (-h / sc);
    for (size_t q = 0; q < s->nq; q++) {
        size_t c = s->qcol[q];
        row[on + j * s->nq + q] += coef * (-dx[c] + x[c] * h) / sc;
    }
    for (size_t i = 0; i < s->nr; i++) {
        size_t c = s->rcol[i];
        row[og + i] += coef * ((Lj / sc) * x[c] + t * x[c] * h - t * dx[c]);
    }
}

/* With P_c = F(t_c) - F(t_{c-1}) and v_j = dt_j/dpar:
 *   dP_c/dpar = f(t_c) v_c - f(t_{c-1}) v_{c-1};
 *   D_c = f(t_c) g_c - f(t_{c-1}) g_{c-1}, g_j = dt_j/dx . dx,
 *   dD_c/dpar = f'(t_c) g_c v_c + f(t_c) dg_c/dpar - (the same at c-1);
 * the outermost cuts (t = -+inf) add nothing. A probability whose cut
 * points cross is negative, as the model gives it. */
static void ns_predict(const partreg_model *m, const double *par, const double *x,
                       const double *dx, double w, double *out, double *dout, double *scratch)
{
    size_t J = m->J, nc = J - 1, K = m->layout.K;
    double *t = scratch, *F = t + J, *S = F + J, *f = S + J, *fp = f + J, *g = fp + J, *L = g + J;
    double sc, h = 0.0;
    cut_points(m, par, x, t, &sc, dx ? L : NULL, dx, &h);
    for (size_t j = 0; j < nc; j++) {
        partreg_link_probs(m->link, t[j], &F[j], &S[j], &f[j]);
        if (dx) {
            partreg_link_density(m->link, t[j], &f[j], &fp[j]);
            g[j] = -L[j] / sc - t[j] * h;
        }
    }
    for (size_t c = 0; c < J; c++) {
        int has_a = c > 0, has_b = c < nc;
        double *row = dout ? dout + c * K : NULL;
        if (!dx) {
            double P;
            if (!has_a)
                P = F[c];
            else if (!has_b)
                P = S[c - 1];
            else if (t[c - 1] >= 0)
                P = S[c - 1] - S[c];
            else
                P = F[c] - F[c - 1];
            out[c] += w * P;
            if (!row)
                continue;
            if (has_b)
                add_cut_gradient(m, x, c, t[c], sc, w * f[c], row);
            if (has_a)
                add_cut_gradient(m, x, c - 1, t[c - 1], sc, -w * f[c - 1], row);
            continue;
        }
        double D = (has_b ? f[c] * g[c] : 0.0) - (has_a ? f[c - 1] * g[c - 1] : 0.0);
        out[c] += w * D;
        if (!row)
            continue;
        if (has_b) {
            add_cut_gradient(m, x, c, t[c], sc, w * fp[c] * g[c], row);
            add_dir_gradient(m, x, dx, c, t[c], sc, L[c], h, w * f[c], row);
        }
        if (has_a) {
            add_cut_gradient(m, x, c - 1, t[c - 1], sc, -w * fp[c - 1] * g[c - 1], row);
            add_dir_gradient(m, x, dx, c - 1, t[c - 1], sc, L[c - 1], h, -w * f[c - 1], row);
        }
    }
}

static void ns_cumulative(const partreg_model *m, const double *par, const double *x, double *cum)
{
    double t[m->J], sc;
    cut_points(m, par, x, t, &sc, NULL, NULL, NULL);
    for (size_t j = 0; j + 1 < m->J; j++)
        cum[j] = partreg_link_cdf(m->link, t[j]);
}

/* The category probabilities at x are F(t_c) - F(t_{c-1}) with F
 * increasing: one is negative exactly where t_c < t_{c-1}. */
static int ns_crosses(const partreg_model *m, const double *par, const double *x)
{
    /* the parallel slopes and the scale move every cut alike: only
     * theta_j - x_n'beta_j decides the order */
    const partreg_ns_state *s = m->state;
    size_t ot, on, og;
    full_offsets(m, &ot, &on, &og);
    double prev = -INFINITY;
    for (size_t j = 0; j + 1 < m->J; j++) {
        const double *bj = par + on + j * s->nq;
        double u = par[ot + j];
        for (size_t q = 0; q < s->nq; q++)
            u -= bj[q] * x[s->qcol[q]];
        if (u < prev)
            return 1;
        prev = u;
    }
    return 0;
}

/* ---- the tables ----------------------------------------------------------- */

#define NS_OPS_COMMON                                                                          \
    .family = PARTREG_ORDINAL, .init = ns_init, .release = ns_release,                          \
    .check_outcome = ns_check_outcome, .start = ns_start, .null_loglik = ns_null,               \
    .objective = ns_objective, .predict_scratch = ns_predict_scratch, .predict = ns_predict,    \
    .cumulative = ns_cumulative, .crosses = ns_crosses

static const partreg_model_ops nominal_ops = {
    .name = "partial",
    .title = "Ordinal (partial proportional odds)",
    .html_equation = "Cumulative-link model with cut-specific slopes P(Y \xe2\x89\xa4 j) = "
                     "F(\xce\xb8<sub>j</sub> \xe2\x88\x92 x\xe2\x80\xb2\xce\xb2 \xe2\x88\x92 "
                     "x<sub>n</sub>\xe2\x80\xb2\xce\xb2<sub>j</sub>): a positive coefficient "
                     "moves probability towards higher levels of the outcome; a nominal "
                     "variable has one coefficient per cut-point (marked \"@ cut\"), its "
                     "effect on P(Y &gt; j). ",
    .html_odds_ratio = "Odds ratios are exp(coefficient): the odds of a higher rather than a "
                       "lower outcome level (above the cut-point, for a cut-specific "
                       "coefficient) for a one-unit increase (or against the reference level). ",
    .traits = PARTREG_TRAIT_THRESHOLDS | PARTREG_TRAIT_MAY_CROSS,
    NS_OPS_COMMON,
};

static const partreg_model_ops scale_ops = {
    .name = "location_scale",
    .title = "Ordinal (location-scale)",
    .html_equation = "Location-scale cumulative-link model P(Y \xe2\x89\xa4 j) = "
                     "F((\xce\xb8<sub>j</sub> \xe2\x88\x92 x\xe2\x80\xb2\xce\xb2) / "
                     "exp(z\xe2\x80\xb2\xce\xb3)): a positive coefficient moves probability "
                     "towards higher levels of the outcome; a positive scale coefficient "
                     "spreads the outcome over more levels. ",
    .html_odds_ratio = "exp(coefficient) is an odds ratio only where the scale is 1 "
                       "(z\xe2\x80\xb2\xce\xb3 = 0); elsewhere the effects are divided by "
                       "the scale. ",
    .traits = PARTREG_TRAIT_THRESHOLDS,
    NS_OPS_COMMON,
};

static const partreg_model_ops nominal_scale_ops = {
    .name = "nominal_scale",
    .title = "Ordinal (nominal and scale effects)",
    .html_equation = "Cumulative-link model with cut-specific slopes and a scale, P(Y "
                     "\xe2\x89\xa4 j) = F((\xce\xb8<sub>j</sub> \xe2\x88\x92 "
                     "x\xe2\x80\xb2\xce\xb2 \xe2\x88\x92 x<sub>n</sub>\xe2\x80\xb2\xce\xb2"
                     "<sub>j</sub>) / exp(z\xe2\x80\xb2\xce\xb3)): a positive coefficient "
                     "moves probability towards higher levels of the outcome. ",
    .html_odds_ratio = "exp(coefficient) is an odds ratio only where the scale is 1. ",
    .traits = PARTREG_TRAIT_THRESHOLDS | PARTREG_TRAIT_MAY_CROSS,
    NS_OPS_COMMON,
};

const partreg_model_ops *partreg_model_nominal_scale(int nominal, int scale)
{
    if (nominal && scale)
        return &nominal_scale_ops;
    if (nominal)
        return &nominal_ops;
    if (scale)
        return &scale_ops;
    return NULL;
}

int partreg_model_is_nominal_scale(const partreg_model_ops *ops)
{
    return ops == &nominal_ops || ops == &scale_ops || ops == &nominal_scale_ops;
}

/* ---- specification setters ----------------------------------------------- */

static partreg_status check_spec(partreg_model_spec *spec, size_t n, const size_t *columns,
                                 const char *what, partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL specification", what);
    if (n > 0 && !columns)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL columns", what);
    if (spec->ops != partreg_model_cumulative() && !partreg_model_is_nominal_scale(spec->ops))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: nominal and scale effects belong to ordinal "
                                 "(cumulative-link) models; this specification is %s",
                                 what, spec->ops ? spec->ops->name : "empty");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (columns[i] == columns[j])
                return partreg_error_set(err, PARTREG_EINVAL, "%s: column %zu is given twice",
                                         what, columns[i]);
    return PARTREG_OK;
}

/* The table that serves the settings. */
static void choose_table(partreg_model_spec *spec)
{
    const partreg_model_ops *ops = partreg_model_nominal_scale(spec->n_nominal > 0,
                                                               spec->n_scale > 0);
    spec->ops = ops ? ops : partreg_model_cumulative();
}

static size_t *sorted_copy(const size_t *columns, size_t n)
{
    size_t *c = malloc((n ? n : 1) * sizeof *c);
    if (c && n) {
        memcpy(c, columns, n * sizeof *c);
        qsort(c, n, sizeof *c, cmp_size);
    }
    return c;
}

partreg_status partreg_model_spec_set_nominal(partreg_model_spec *spec, size_t n,
                                              const size_t *columns, partreg_error *err)
{
    partreg_status st = check_spec(spec, n, columns, "partreg_model_spec_set_nominal", err);
    if (st != PARTREG_OK)
        return st;
    size_t *c = sorted_copy(columns, n);
    if (!c)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    free(spec->nominal);
    spec->nominal = c;
    spec->n_nominal = n;
    choose_table(spec);
    partreg_error_clear(err);
    return PARTREG_OK;
}

/* ascending column order, the flags alongside */
typedef struct scale_entry {
    size_t col;
    unsigned char only;
} scale_entry;

static int cmp_scale(const void *a, const void *b)
{
    return cmp_size(&((const scale_entry *)a)->col, &((const scale_entry *)b)->col);
}

partreg_status partreg_model_spec_set_scale(partreg_model_spec *spec, size_t n,
                                            const size_t *columns,
                                            const unsigned char *scale_only, partreg_error *err)
{
    partreg_status st = check_spec(spec, n, columns, "partreg_model_spec_set_scale", err);
    if (st != PARTREG_OK)
        return st;
    size_t *c = malloc((n ? n : 1) * sizeof *c);
    unsigned char *o = malloc(n ? n : 1);
    scale_entry *e = malloc((n ? n : 1) * sizeof *e);
    if (!c || !o || !e) {
        free(c);
        free(o);
        free(e);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        e[i] = (scale_entry){columns[i], (unsigned char)(scale_only && scale_only[i] ? 1 : 0)};
    qsort(e, n, sizeof *e, cmp_scale);
    for (size_t i = 0; i < n; i++) {
        c[i] = e[i].col;
        o[i] = e[i].only;
    }
    free(e);
    free(spec->scale);
    free(spec->scale_only);
    spec->scale = c;
    spec->scale_only = o;
    spec->n_scale = n;
    choose_table(spec);
    partreg_error_clear(err);
    return PARTREG_OK;
}
