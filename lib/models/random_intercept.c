/* Community random intercepts: the model table that wraps the binary or
 * cumulative-link model (partreg_random.h, docs/methods.md "Community
 * random intercepts").
 *
 *   binary:   P(y = 1 | x, u_g)  = F(x'beta + u_g)
 *   ordinal:  P(Y <= j | x, u_g) = F(theta_j - x'beta - u_g)
 *   u_g ~ N(0, sigma^2) independently; parameters (beta, theta, log sigma)
 *
 * The marginal log-likelihood, its gradient and information are in
 * ri_objective.c, the predictions in ri_predict.c, a row's terms and the
 * quadrature rules in ri_terms.c. This file binds the base model, lays out
 * the parameters (the base blocks, then "log_sigma"), orders the rows by
 * group, and fits in stages (prepare): the model without the random
 * intercept first (its maximum is the null of the likelihood-ratio test
 * and the start of the slopes and thresholds), then the score of sigma^2
 * at 0 decides between the boundary (sigma = 0, reported as such) and a
 * start inside, from which Newton runs on all parameters (fit.c). */
#include "models/random_intercept.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "core/error.h"
#include "models/fit_internal.h"
#include "models/newton.h"
#include "models/ri_terms.h"
#include "models/rows_passes.h"
#include "models/warm_start.h"

/* The quadrature points a specification may ask for. */
#define NAGQ_MAX 100
/* The one-step start of sigma from 0 is kept within these bounds: the
 * step from a start below the maximum is cheap, Newton from far above it
 * (where the likelihood is flat in log sigma) is not. */
#define START_SD_MIN 0.1
#define START_SD_MAX 4.0
/* When the score of sigma^2 at 0 is not positive, these sds are tried
 * (slopes and thresholds scaled as for the start) before sigma = 0 is
 * taken as the estimate; a log-likelihood above the model without the
 * random intercept by more than BOUNDARY_GAIN starts Newton there. */
static const double boundary_probe_sd[] = {0.25, 0.5, 1.0, 2.0};
#define BOUNDARY_GAIN 1e-9

/* ---- specifications ------------------------------------------------------ */

void partreg_ri_spec_free(partreg_ri_spec *ri)
{
    if (!ri)
        return;
    free(ri->group);
    for (size_t g = 0; ri->labels && g < ri->n_groups; g++)
        free(ri->labels[g]);
    free(ri->labels);
    free(ri->name);
    free(ri->start);
    free(ri);
}

static char *dup_string(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

partreg_ri_spec *partreg_ri_spec_copy(const partreg_ri_spec *ri, int *ok)
{
    if (!ri)
        return NULL;
    partreg_ri_spec *c = calloc(1, sizeof *c);
    if (!c) {
        *ok = 0;
        return NULL;
    }
    *c = *ri;
    c->group = NULL;
    c->labels = NULL;
    c->name = NULL;
    c->start = NULL;
    int good = 1;
    if (ri->group && !(c->group = malloc((ri->n ? ri->n : 1) * sizeof *c->group)))
        good = 0;
    else if (ri->group)
        memcpy(c->group, ri->group, ri->n * sizeof *c->group);
    if (good && ri->start && !(c->start = malloc((ri->n_groups + 1) * sizeof *c->start)))
        good = 0;
    else if (good && ri->start)
        memcpy(c->start, ri->start, (ri->n_groups + 1) * sizeof *c->start);
    if (good && ri->labels) {
        if (!(c->labels = calloc(ri->n_groups, sizeof *c->labels)))
            good = 0;
        for (size_t g = 0; good && g < ri->n_groups; g++)
            if (!(c->labels[g] = dup_string(ri->labels[g])))
                good = 0;
    }
    if (good && ri->name && !(c->name = dup_string(ri->name)))
        good = 0;
    if (!good) {
        if (!c->labels)
            c->n_groups = 0;
        partreg_ri_spec_free(c);
        *ok = 0;
        return NULL;
    }
    return c;
}

/* The specification's random-intercept settings, made when first needed. */
static partreg_ri_spec *spec_ri(partreg_model_spec *spec)
{
    if (!spec->ri) {
        spec->ri = calloc(1, sizeof *spec->ri);
        if (spec->ri)
            spec->ri->base = spec->ops;
    }
    return spec->ri;
}

partreg_status partreg_model_spec_set_groups(partreg_model_spec *spec, size_t n,
                                             const size_t *group, size_t n_groups,
                                             const char *const *labels, const char *name,
                                             partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_spec_set_groups: NULL spec");
    const partreg_model_ops *base = spec->ri ? spec->ri->base : spec->ops;
    if (n == 0) { /* remove the random intercept */
        if (spec->ri) {
            spec->ops = spec->ri->base;
            partreg_ri_spec_free(spec->ri);
            spec->ri = NULL;
        }
        partreg_error_clear(err);
        return PARTREG_OK;
    }
    if (!group || n_groups == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_model_spec_set_groups: %s",
                                 group ? "no groups (n_groups = 0)" : "NULL group codes");
    for (size_t i = 0; i < n; i++)
        if (group[i] >= n_groups)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                           "row %zu: group code %zu is not below n_groups = %zu",
                                           i + 1, group[i], n_groups);
    const partreg_model_ops *ri_ops = partreg_model_random_intercept(base);
    if (!ri_ops)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "random intercepts are offered for the binary and "
                                 "cumulative-link models (model '%s')",
                                 base ? base->name : "none");
    partreg_ri_spec next = {base, n, NULL, n_groups, NULL, NULL, 0, 0, NULL, NULL};
    if (spec->ri) {
        next.nagq = spec->ri->nagq;
        next.conditional = spec->ri->conditional;
    }
    next.group = (size_t *)group;
    next.labels = (char **)labels;
    next.name = (char *)name;
    int ok = 1;
    partreg_ri_spec *copy = partreg_ri_spec_copy(&next, &ok);
    if (!copy)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_ri_spec_free(spec->ri);
    spec->ri = copy;
    spec->ops = ri_ops;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_model_spec_set_sorted_groups(partreg_model_spec *spec, size_t n,
                                                    const size_t *start, size_t n_groups,
                                                    const char *const *labels, const char *name,
                                                    struct partreg_rows *base_rows,
                                                    partreg_error *err)
{
    if (!spec || !start || n_groups == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_model_spec_set_sorted_groups: NULL argument or no "
                                 "groups");
    if (start[0] != 0 || start[n_groups] != n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the group starts run from %zu to %zu, not from 0 to %zu",
                                 start[0], start[n_groups], n);
    for (size_t g = 0; g < n_groups; g++)
        if (start[g + 1] < start[g])
            return partreg_error_set(err, PARTREG_EINVAL, "the group starts are not ascending");
    const partreg_model_ops *base = spec->ri ? spec->ri->base : spec->ops;
    const partreg_model_ops *ri_ops = partreg_model_random_intercept(base);
    if (!ri_ops)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "random intercepts are offered for the binary and "
                                 "cumulative-link models (model '%s')",
                                 base ? base->name : "none");
    partreg_ri_spec next = {base, n, NULL, n_groups, (char **)labels, (char *)name, 0, 0,
                            (size_t *)start, base_rows};
    if (spec->ri) {
        next.nagq = spec->ri->nagq;
        next.conditional = spec->ri->conditional;
    }
    int ok = 1;
    partreg_ri_spec *copy = partreg_ri_spec_copy(&next, &ok);
    if (!copy)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_ri_spec_free(spec->ri);
    spec->ri = copy;
    spec->ops = ri_ops;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_model_spec_set_nagq(partreg_model_spec *spec, int nagq, partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_spec_set_nagq: NULL spec");
    if (nagq < 0 || nagq > NAGQ_MAX)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--nagq %d: the number of quadrature points must be 1 "
                                 "(Laplace) to %d",
                                 nagq, NAGQ_MAX);
    if (!spec_ri(spec))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    spec->ri->nagq = nagq;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_model_spec_set_ri_predictions(partreg_model_spec *spec,
                                                     partreg_ri_predictions how,
                                                     partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_model_spec_set_ri_predictions: NULL spec");
    if (how != PARTREG_RI_AVERAGED && how != PARTREG_RI_CONDITIONAL)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown prediction type %d", (int)how);
    if (!spec_ri(spec))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    spec->ri->conditional = how == PARTREG_RI_CONDITIONAL;
    partreg_error_clear(err);
    return PARTREG_OK;
}

/* ---- the table: binding ------------------------------------------------- */

static void ri_release(partreg_model *m)
{
    partreg_ri_state *st = m->state;
    if (!st)
        return;
    partreg_model_release(&st->base);
    free(st->x);
    free(st->w);
    for (size_t r = 0; r < PARTREG_RI_PREDICT_RULES; r++) {
        free(st->px[r]);
        free(st->pw[r]);
    }
    free(st->order);
    free(st->start);
    free(st->code);
    for (size_t g = 0; st->labels && g < st->G; g++)
        free(st->labels[g]);
    free(st->labels);
    free(st->name);
    free(st->mode);
    free(st->mode_se);
    free(st->group_n);
    free(st);
    m->state = NULL;
}

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
}

/* Rows sorted by group, stably (counting sort), and the group starts. */
static partreg_status order_rows(partreg_ri_state *st, const size_t *code)
{
    size_t n = st->n, G = st->G;
    st->order = malloc((n ? n : 1) * sizeof *st->order);
    st->start = calloc(G + 1, sizeof *st->start);
    st->code = malloc((n ? n : 1) * sizeof *st->code);
    if (!st->order || !st->start || !st->code)
        return PARTREG_ENOMEM;
    memcpy(st->code, code, n * sizeof *code);
    for (size_t i = 0; i < n; i++)
        st->start[code[i] + 1]++;
    st->max_rows = 0;
    for (size_t g = 0; g < G; g++) {
        if (st->start[g + 1] > st->max_rows)
            st->max_rows = st->start[g + 1];
        st->start[g + 1] += st->start[g];
    }
    size_t *next = malloc((G ? G : 1) * sizeof *next);
    if (!next)
        return PARTREG_ENOMEM;
    memcpy(next, st->start, G * sizeof *next);
    for (size_t i = 0; i < n; i++)
        st->order[next[code[i]]++] = i;
    free(next);
    return PARTREG_OK;
}

static partreg_status ri_init(partreg_model *m, const partreg_model_spec *spec,
                              partreg_error *err)
{
    const partreg_ri_spec *ri = spec->ri;
    if (!ri || (!ri->group && !ri->start))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "a random-intercept model needs the groups "
                                 "(partreg_model_spec_set_groups)");
    if (ri->n != m->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the groups are given for %zu rows but the data have %zu",
                                 ri->n, m->n);
    partreg_ri_state *st = calloc(1, sizeof *st);
    if (!st)
        return nomem(err);
    m->state = st;
    partreg_model_spec base_spec = *spec;
    base_spec.ops = ri->base;
    base_spec.ri = NULL;
    partreg_status status = partreg_model_init(&st->base, &base_spec, m->n, m->p, m->J, err);
    if (status != PARTREG_OK)
        return status;
    const partreg_layout *bl = &st->base.layout;
    for (size_t j = 0; j < bl->K; j++)
        if (bl->params[j].kind != PARTREG_PARAM_COEFFICIENT &&
            bl->params[j].kind != PARTREG_PARAM_THRESHOLD)
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "random intercepts are not offered with nominal or scale "
                                     "effects; drop those or the (1 | group) term");
    st->cumulative = ri->base == partreg_model_cumulative();
    m->J = st->base.J;
    m->nout = st->base.nout;
    st->nthr = st->cumulative ? m->J - 1 : 0;
    /* the base blocks, then log sigma */
    size_t *col = malloc((bl->K ? bl->K : 1) * sizeof *col);
    size_t *cut = malloc((bl->K ? bl->K : 1) * sizeof *cut);
    status = col && cut ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t b = 0; status == PARTREG_OK && b < bl->n_blocks; b++) {
        const partreg_block *blk = &bl->blocks[b];
        for (size_t e = 0; e < blk->size; e++) {
            col[e] = bl->params[blk->first + e].column;
            cut[e] = bl->params[blk->first + e].cut;
        }
        status = partreg_layout_add(&m->layout, blk->name, blk->kind, blk->size, col, cut);
    }
    free(col);
    free(cut);
    if (status == PARTREG_OK)
        status = partreg_layout_add(&m->layout, "log_sigma", PARTREG_PARAM_LOG_SD, 1, NULL, NULL);
    if (status != PARTREG_OK)
        return nomem(err);
    /* the rules */
    st->Q = ri->nagq > 0 ? (size_t)ri->nagq : PARTREG_RI_DEFAULT_NAGQ;
    st->x = malloc(st->Q * sizeof *st->x);
    st->w = malloc(st->Q * sizeof *st->w);
    if (!st->x || !st->w)
        return nomem(err);
    if ((status = partreg_ri_gauss_hermite(st->Q, st->x, st->w)) != PARTREG_OK)
        return partreg_error_set(err, status, status == PARTREG_ENOMEM
                                                  ? "out of memory"
                                                  : "invalid number of quadrature points");
    static const size_t points[PARTREG_RI_PREDICT_RULES] = PARTREG_RI_PREDICT_POINTS;
    for (size_t r = 0; r < PARTREG_RI_PREDICT_RULES; r++) {
        st->pq[r] = points[r];
        st->px[r] = malloc(points[r] * sizeof *st->px[r]);
        st->pw[r] = malloc(points[r] * sizeof *st->pw[r]);
        if (!st->px[r] || !st->pw[r] ||
            partreg_ri_gauss_hermite(points[r], st->px[r], st->pw[r]) != PARTREG_OK)
            return nomem(err);
    }
    st->conditional = ri->conditional;
    /* the groups */
    st->n = ri->n;
    st->G = ri->n_groups;
    st->base_rows = ri->base_rows;
    if (ri->start) { /* sorted already: the objective rows are the data rows */
        if (!(st->start = malloc((st->G + 1) * sizeof *st->start)))
            return nomem(err);
        memcpy(st->start, ri->start, (st->G + 1) * sizeof *st->start);
        st->max_rows = 0;
        for (size_t g = 0; g < st->G; g++)
            if (st->start[g + 1] - st->start[g] > st->max_rows)
                st->max_rows = st->start[g + 1] - st->start[g];
    } else if (order_rows(st, ri->group) != PARTREG_OK) {
        return nomem(err);
    }
    st->labels = calloc(st->G, sizeof *st->labels);
    st->mode = calloc(st->G, sizeof *st->mode);
    st->mode_se = calloc(st->G, sizeof *st->mode_se);
    st->group_n = calloc(st->G, sizeof *st->group_n);
    if (!st->labels || !st->mode || !st->mode_se || !st->group_n ||
        (ri->name && !(st->name = dup_string(ri->name))))
        return nomem(err);
    for (size_t g = 0; g < st->G; g++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", g + 1);
        if (!(st->labels[g] = dup_string(ri->labels ? ri->labels[g] : buf)))
            return nomem(err);
    }
    return PARTREG_OK;
}

/* ---- the table: delegation ------------------------------------------------ */

static partreg_status ri_check_outcome(const partreg_model *m, const partreg_outcome_totals *tot,
                                       const char *const *level_names, partreg_error *err)
{
    const partreg_ri_state *st = m->state;
    return st->base.ops->check_outcome(&st->base, tot, level_names, err);
}

/* The base model's start, log sigma 0 (prepare moves both). */
static void ri_start(const partreg_model *m, const partreg_design *d,
                     const partreg_outcome_totals *tot, const partreg_intercept *ic, double *theta)
{
    const partreg_ri_state *st = m->state;
    partreg_design bd = *d;
    bd.model = &st->base;
    st->base.ops->start(&st->base, &bd, tot, ic, theta);
    theta[d->pk + st->nthr] = 0.0;
}

static double ri_null(const partreg_model *m, const partreg_outcome_totals *tot,
                      const partreg_intercept *ic, size_t *k_null)
{
    const partreg_ri_state *st = m->state;
    return st->base.ops->null_loglik(&st->base, tot, ic, k_null);
}

/* ---- fitting in stages ---------------------------------------------------- */

/* The variance of the link's distribution: the latent-scale residual
 * variance of the ICC (NaN for cauchit, which has none). */
static double link_variance(partreg_link link)
{
    switch (link) {
    case PARTREG_LOGIT: return M_PI * M_PI / 3.0;
    case PARTREG_PROBIT: return 1.0;
    case PARTREG_CLOGLOG:
    case PARTREG_LOGLOG: return M_PI * M_PI / 6.0;
    case PARTREG_CAUCHIT: return NAN;
    }
    return NAN;
}

/* Slopes and thresholds of the model without the random intercept scaled
 * to the conditional scale of a model with sd sigma (the marginal effects
 * are attenuated by about sqrt(1 + sigma^2 / v), exactly so for probit),
 * into theta; log sigma last. */
static void scaled_start(const partreg_ri_state *st, const partreg_design *d, const double *fixed,
                         double sigma, double *theta)
{
    size_t kb = d->pk + st->nthr;
    double v = link_variance(d->link);
    if (!isfinite(v))
        v = 1.0;
    double f = sqrt(1.0 + sigma * sigma / v);
    for (size_t j = 0; j < kb; j++)
        theta[j] = f * fixed[j];
    theta[kb] = log(sigma);
}

/* ---- groups over rows not in one array ------------------------------------ */

/* The rows objective of a fit over rows read from a design file or
 * another process (models/rows.h), or NULL for a fit over one array. */
static const partreg_rows_objective *over_rows(const partreg_objective *obj)
{
    return obj->pass ? (const partreg_rows_objective *)(const void *)obj->pass : NULL;
}

/* partreg_ri_group_values of every group (2 G doubles into out, on every
 * process) over the rows of the fit's objective obj: each process computes
 * the groups of the segments it computes in the fit's passes (their rows
 * are there: models/rows.h), and the values travel to every process. A
 * group's values depend on its rows alone: the bits of one process with
 * all rows. PARTREG_OK, PARTREG_ENOMEM, PARTREG_EIO, or PARTREG_ENUMERIC
 * (MODE: a mode not found, its values NaN), the same on every process. */
static partreg_status groups_over_rows(const partreg_model *m, const partreg_objective *obj,
                                       const double *theta, partreg_ri_value what, double *out)
{
    const partreg_ri_state *st = m->state;
    const partreg_rows_objective *ro = over_rows(obj);
    const partreg_rows *r = ro->rows;
    const partreg_comm *comm = r->comm && r->comm->size > 1 ? r->comm : NULL;
    size_t P = comm ? (size_t)comm->size : 1, G = st->G;
    size_t nseg = partreg_objective_segments(obj, st->block_rows);
    unsigned char *mine = calloc(G ? G : 1, 1);
    size_t *got = calloc(P, sizeof *got);
    partreg_rows_buffer buf;
    memset(&buf, 0, sizeof buf);
    int have_buf = partreg_rows_buffer_alloc(r, ro->cap, &buf) == 0;
    partreg_status status = mine && got && have_buf ? PARTREG_OK : PARTREG_ENOMEM;
    int numeric = 0;
    for (size_t s = 0; status == PARTREG_OK && s < nseg; s++) {
        size_t b, e;
        partreg_objective_segment(obj, st->block_rows, nseg, s, &b, &e);
        if (b >= e || (comm && !partreg_rows_mine(r, b)))
            continue;
        partreg_rows_view v;
        if (e - b > ro->cap ||
            partreg_rows_read(r, b, e, PARTREG_ROWS_X | PARTREG_ROWS_Y | PARTREG_ROWS_W, &buf,
                              &v) != 0) {
            status = PARTREG_EIO;
            break;
        }
        partreg_design d = ro->tmpl;
        d.n = e - b;
        d.X = v.X;
        d.y = v.y;
        d.w = r->weighted ? v.w : NULL;
        d.row0 = b;
        size_t g0 = 0, g1;
        while (g0 < G && st->start[g0] < b)
            g0++;
        for (g1 = g0; g1 < G && st->start[g1] < e; g1++)
            if (mine)
                mine[g1] = 1;
        partreg_status gs = partreg_ri_group_values(m, &d, theta, what, g0, g1, out + 2 * g0);
        if (gs == PARTREG_ENUMERIC)
            numeric = 1;
        else if (gs != PARTREG_OK)
            status = gs;
    }
    if (have_buf)
        partreg_rows_buffer_free(&buf);
    if (comm) { /* (g, two values) of this process's groups to every process */
        status = partreg_comm_agree(comm, status, NULL);
        size_t n_mine = 0;
        for (size_t g = 0; status == PARTREG_OK && mine && g < G; g++)
            n_mine += mine[g];
        double *send = status == PARTREG_OK ? malloc((n_mine ? n_mine : 1) * 3 * sizeof *send)
                                            : NULL;
        if (status == PARTREG_OK && !send)
            status = PARTREG_ENOMEM;
        for (size_t g = 0, at = 0; send && mine && g < G; g++)
            if (mine[g]) {
                send[3 * at] = (double)g;
                send[3 * at + 1] = out[2 * g];
                send[3 * at + 2] = out[2 * g + 1];
                at++;
            }
        status = partreg_comm_agree(comm, status, NULL);
        void *all = NULL;
        if (status == PARTREG_OK &&
            comm->ops->allgather(comm->ctx, send, n_mine * 3 * sizeof *send, &all, got) != 0)
            status = PARTREG_EIO;
        status = partreg_comm_agree(comm, status, NULL);
        size_t total = 0;
        for (size_t q = 0; status == PARTREG_OK && got && q < P; q++)
            total += got[q] / (3 * sizeof(double));
        const double *x = all;
        for (size_t i = 0; status == PARTREG_OK && x && i < total; i++) {
            size_t g = (size_t)x[3 * i];
            out[2 * g] = x[3 * i + 1];
            out[2 * g + 1] = x[3 * i + 2];
        }
        free(all);
        free(send);
        /* a mode not found anywhere: the same status everywhere */
        size_t before = 0, any = (size_t)numeric;
        if (status == PARTREG_OK && partreg_comm_prefix(comm, (size_t)numeric, &before, &any) != 0)
            status = PARTREG_EIO;
        numeric = any > 0;
    }
    free(mine);
    free(got);
    return status == PARTREG_OK && numeric ? PARTREG_ENUMERIC : status;
}

/* Whether the groups allow a random intercept: at least two groups with
 * rows of positive weight, some group with more than one resident, and
 * some group whose residents differ in the outcome (v: the groups' CHECK
 * values). */
static partreg_status check_groups(const partreg_ri_state *st, const double *v,
                                   partreg_error *err)
{
    const char *name = st->name ? st->name : "the grouping variable";
    size_t used = 0, several = 0, varying = 0;
    for (size_t g = 0; g < st->G; g++) {
        double rows = floor(v[2 * g]), wsum = v[2 * g + 1];
        int differ = v[2 * g] != rows;
        used += rows > 0;
        several += rows > 1 || wsum > 1.0;
        varying += differ;
    }
    if (used < 2)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "'%s' has %s in the rows used: the variance of a random "
                                 "intercept needs at least two groups; drop the (1 | %s) term",
                                 name, used ? "a single group" : "no group", name);
    if (several == 0)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "every group of '%s' has a single row: a random intercept "
                                 "cannot be told apart from the residual variation; drop the "
                                 "(1 | %s) term",
                                 name, name);
    if (varying == 0)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "the outcome is the same for all the rows of each group of "
                                 "'%s': the groups predict it perfectly, and the sd of the random "
                                 "intercept runs off to infinity; model the groups another way "
                                 "or drop the (1 | %s) term",
                                 name, name);
    return PARTREG_OK;
}

static partreg_status ri_prepare(partreg_model *m, const partreg_objective *obj,
                                 const partreg_fit_options *opt, double *theta, double *step,
                                 int *settled, partreg_error *err)
{
    partreg_ri_state *st = m->state;
    const partreg_rows_objective *ro = over_rows(obj);
    const partreg_design *d = ro ? &ro->tmpl : obj->model;
    size_t kb = d->pk + st->nthr, k = kb + 1;
    *settled = 0;
    st->boundary = 0;
    st->fitted = 0;
    st->block_rows = opt->block_rows;
    if (!ro && d->n != st->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the groups are given for %zu rows but the data have %zu",
                                 st->n, d->n);
    double *gv = calloc((st->G ? st->G : 1) * 2, sizeof *gv);
    if (!gv)
        return nomem(err);
    partreg_status status = ro ? groups_over_rows(m, obj, NULL, PARTREG_RI_CHECK, gv)
                               : partreg_ri_group_values(m, d, NULL, PARTREG_RI_CHECK, 0, st->G, gv);
    if (status != PARTREG_OK) {
        free(gv);
        return status == PARTREG_ENOMEM ? nomem(err)
                                        : partreg_error_set(err, status,
                                                            "reading the groups' rows failed");
    }
    status = check_groups(st, gv, err);
    if (status != PARTREG_OK) {
        free(gv);
        return status;
    }
    /* the model without the random intercept: over the same rows (a rows
     * objective of its own when they are not one array) */
    partreg_design bd = *d;
    bd.model = &st->base;
    partreg_objective bobj;
    partreg_rows_objective bro;
    int base_io_error = 0;
    if (ro) { /* the rows in the data's order when they are given: the bits of memory */
        status = partreg_rows_objective_init(&bro, st->base_rows ? st->base_rows : ro->rows,
                                             &st->base, &bd, opt->block_rows, &base_io_error,
                                             &bobj);
        if (status != PARTREG_OK) {
            free(gv);
            return status == PARTREG_ENOMEM
                       ? nomem(err)
                       : partreg_error_set(err, status, "fetching the rows of the model without "
                                                        "the random intercept failed");
        }
    } else {
        st->base.ops->objective(&st->base, &bd, &bobj);
    }
    bobj.team = obj->team;
    partreg_accum *acc = partreg_accum_alloc(kb);
    partreg_accum *racc = partreg_accum_alloc(k);
    double *info = malloc((kb ? kb * kb : 1) * sizeof *info);
    double *fixed = malloc((kb ? kb : 1) * sizeof *fixed);
    double *trial = malloc(k * sizeof *trial);
    if (!acc || !racc || !info || !fixed || !trial) {
        status = nomem(err);
        goto cleanup;
    }
    memcpy(fixed, theta, kb * sizeof *fixed);
    int have_info = 0;
    partreg_warm_start(&bobj, fixed, opt, info, &have_info);
    partreg_newton_result res;
    status = partreg_newton_maximise(&bobj, fixed, opt, acc, step, 1, have_info ? info : NULL,
                                     &res);
    if (status == PARTREG_OK && base_io_error)
        status = PARTREG_EIO;
    if (status != PARTREG_OK) {
        status = status == PARTREG_ENOMEM ? nomem(err)
                 : status == PARTREG_EIO
                     ? partreg_error_set(err, status, "reading the rows failed")
                     : partreg_error_set(err, status,
                                         "the log-likelihood is not finite at the start values; "
                                         "check for extreme values in the data");
        goto cleanup;
    }
    if (res.reason == PARTREG_STOP_SEPARATION) {
        memcpy(theta, fixed, kb * sizeof *theta);
        theta[kb] = -INFINITY; /* the state is the simpler model's */
        step[kb] = 0.0;
        status = partreg_error_set(err, PARTREG_ESEPARATION,
                                   "separation in the fixed part of the model");
        goto cleanup;
    }
    if (res.reason != PARTREG_STOP_CONVERGED) {
        status = partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                   "the model without the random intercept (the start of the "
                                   "fit) did not converge after %d iterations (max |gradient| "
                                   "%.3g); rescale the predictors or raise --max-iter",
                                   res.iterations, res.max_grad);
        goto cleanup;
    }
    st->fixed_loglik = acc->loglik;
    /* the score of sigma^2 at 0 and its one-step estimate */
    double score = 0.0, sinfo = 0.0;
    if (ro) { /* the groups' terms, summed in group order */
        if ((status = groups_over_rows(m, obj, fixed, PARTREG_RI_SCORE, gv)) != PARTREG_OK) {
            status = status == PARTREG_ENOMEM ? nomem(err)
                                              : partreg_error_set(err, status,
                                                                  "reading the groups' rows failed");
            goto cleanup;
        }
        for (size_t g = 0; g < st->G; g++) {
            score += gv[2 * g];
            sinfo += gv[2 * g + 1];
        }
    } else if (partreg_ri_variance_score(m, d, fixed, &score, &sinfo) != PARTREG_OK) {
        status = nomem(err);
        goto cleanup;
    }
    double sd = score > 0.0 && sinfo > 0.0 ? sqrt(score / sinfo) : 0.0;
    if (sd > 0.0) {
        sd = sd < START_SD_MIN ? START_SD_MIN : sd > START_SD_MAX ? START_SD_MAX : sd;
        scaled_start(st, d, fixed, sd, theta);
        goto cleanup;
    }
    /* not positive: sigma = 0 is a local maximum; look for a higher one */
    double best = st->fixed_loglik + BOUNDARY_GAIN * (1.0 + fabs(st->fixed_loglik));
    int found = 0;
    for (size_t t = 0; t < sizeof boundary_probe_sd / sizeof boundary_probe_sd[0]; t++) {
        scaled_start(st, d, fixed, boundary_probe_sd[t], trial);
        if (obj->feasible && !obj->feasible(obj->model, trial))
            continue;
        if (partreg_objective_eval(obj, trial, PARTREG_ORDER_VALUE, opt->threads,
                                   opt->block_rows, racc) != PARTREG_OK) {
            status = nomem(err);
            goto cleanup;
        }
        if (!racc->nonfinite && racc->loglik > best) {
            best = racc->loglik;
            memcpy(theta, trial, k * sizeof *theta);
            found = 1;
        }
    }
    if (!found) {
        memcpy(theta, fixed, kb * sizeof *theta);
        theta[kb] = -INFINITY;
        st->boundary = 1;
        *settled = 1;
    }
cleanup:
    partreg_accum_free(acc);
    partreg_accum_free(racc);
    free(info);
    free(fixed);
    free(trial);
    free(gv);
    return status;
}

static partreg_status ri_conclude(partreg_model *m, const partreg_objective *obj,
                                  const double *theta, partreg_error *err)
{
    partreg_ri_state *st = m->state;
    const partreg_rows_objective *ro = over_rows(obj);
    const partreg_design *d = ro ? &ro->tmpl : obj->model;
    size_t kb = d->pk + st->nthr;
    st->boundary = isinf(theta[kb]) && theta[kb] < 0;
    if (ro) { /* the groups' weights and modes, wherever their rows are */
        double *gv = calloc((st->G ? st->G : 1) * 2, sizeof *gv);
        partreg_status status = gv ? groups_over_rows(m, obj, theta, PARTREG_RI_WEIGHT, gv)
                                   : PARTREG_ENOMEM;
        for (size_t g = 0; status == PARTREG_OK && g < st->G; g++)
            st->group_n[g] = gv[2 * g];
        if (status == PARTREG_OK) {
            status = groups_over_rows(m, obj, theta, PARTREG_RI_MODE, gv);
            for (size_t g = 0; (status == PARTREG_OK || status == PARTREG_ENUMERIC) && g < st->G;
                 g++) {
                st->mode[g] = gv[2 * g];
                st->mode_se[g] = gv[2 * g + 1];
            }
        }
        free(gv);
        if (status == PARTREG_ENOMEM)
            return nomem(err);
        if (status != PARTREG_OK && status != PARTREG_ENUMERIC)
            return partreg_error_set(err, status, "reading the groups' rows failed");
        st->fitted = 1;
        return PARTREG_OK; /* a mode that was not found is NaN and reported as such */
    }
    for (size_t g = 0; g < st->G; g++) {
        double s = 0.0;
        for (size_t r = st->start[g]; r < st->start[g + 1]; r++)
            s += partreg_design_weight(d, st->order ? st->order[r] : r);
        st->group_n[g] = s;
    }
    partreg_status status = partreg_ri_modes(m, d, theta, st->mode, st->mode_se);
    if (status == PARTREG_ENOMEM)
        return nomem(err);
    st->fitted = 1;
    return PARTREG_OK; /* a mode that was not found is NaN and reported as such */
}

/* ---- the tables ------------------------------------------------------------ */

static void ri_objective_of(const partreg_model *m, const partreg_design *d,
                            partreg_objective *obj)
{
    partreg_ri_objective(m, d, obj);
}

static const partreg_model_ops ri_binary_ops = {
    .name = "binary_random_intercept",
    .title = "Binary with community random intercepts",
    .html_equation = "P(event | community g) = F(x\xe2\x80\xb2\xce\xb2 + u<sub>g</sub>), "
                     "u<sub>g</sub> ~ N(0, \xcf\x83<sup>2</sup>): the coefficients are "
                     "effects within a community. ",
    .html_odds_ratio = "Odds ratios are exp(coefficient): the multiplicative change in the odds "
                       "of the event for a one-unit increase within a community. ",
    .family = PARTREG_BINARY,
    .traits = 0,
    .init = ri_init,
    .release = ri_release,
    .check_outcome = ri_check_outcome,
    .start = ri_start,
    .null_loglik = ri_null,
    .objective = ri_objective_of,
    .predict_scratch = partreg_ri_predict_scratch,
    .predict = partreg_ri_predict,
    .predict_index = partreg_ri_predict_index,
    .cumulative = NULL,
    .prepare = ri_prepare,
    .conclude = ri_conclude,
};

static const partreg_model_ops ri_cumulative_ops = {
    .name = "cumulative_random_intercept",
    .title = "Ordinal (cumulative-link) with community random intercepts",
    .html_equation = "P(Y \xe2\x89\xa4 j | community g) = F(\xce\xb8<sub>j</sub> \xe2\x88\x92 "
                     "x\xe2\x80\xb2\xce\xb2 \xe2\x88\x92 u<sub>g</sub>), u<sub>g</sub> ~ "
                     "N(0, \xcf\x83<sup>2</sup>): a positive coefficient moves probability "
                     "towards higher levels within a community. ",
    .html_odds_ratio = "Odds ratios are exp(coefficient): the proportional odds of a higher rather "
                       "than a lower outcome level for a one-unit increase within a community. ",
    .family = PARTREG_ORDINAL,
    .traits = PARTREG_TRAIT_THRESHOLDS,
    .init = ri_init,
    .release = ri_release,
    .check_outcome = ri_check_outcome,
    .start = ri_start,
    .null_loglik = ri_null,
    .objective = ri_objective_of,
    .predict_scratch = partreg_ri_predict_scratch,
    .predict = partreg_ri_predict,
    .predict_index = partreg_ri_predict_index,
    .cumulative = partreg_ri_cumulative,
    .prepare = ri_prepare,
    .conclude = ri_conclude,
};

const partreg_model_ops *partreg_model_random_intercept(const partreg_model_ops *base)
{
    if (base == partreg_model_binary())
        return &ri_binary_ops;
    if (base == partreg_model_cumulative())
        return &ri_cumulative_ops;
    return NULL;
}

/* ---- the fit's random intercept (partreg_random.h) -------------------------- */

static const partreg_ri_state *fit_ri(const partreg_fit *fit)
{
    if (!fit || (fit->model.ops != &ri_binary_ops && fit->model.ops != &ri_cumulative_ops))
        return NULL;
    return fit->model.state;
}

int partreg_fit_has_random_intercept(const partreg_fit *fit) { return fit_ri(fit) != NULL; }

size_t partreg_fit_n_groups(const partreg_fit *fit)
{
    const partreg_ri_state *st = fit_ri(fit);
    return st ? st->G : 0;
}

const char *partreg_fit_group_variable(const partreg_fit *fit)
{
    const partreg_ri_state *st = fit_ri(fit);
    return st ? st->name : NULL;
}

const char *partreg_fit_group_label(const partreg_fit *fit, size_t g)
{
    const partreg_ri_state *st = fit_ri(fit);
    return st && g < st->G ? st->labels[g] : NULL;
}

partreg_status partreg_fit_random_intercept(const partreg_fit *fit, partreg_random_intercept *out,
                                            partreg_error *err)
{
    if (!fit || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_random_intercept: NULL argument");
    const partreg_ri_state *st = fit_ri(fit);
    if (!st)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the model has no random intercept (add a (1 | group) term)");
    memset(out, 0, sizeof *out); /* the reserve too */
    size_t t = fit->K - 1;
    double tau = gsl_vector_get(fit->par, t);
    int boundary = isinf(tau) && tau < 0;
    out->n_groups = st->G;
    out->nagq = (int)st->Q;
    out->at_boundary = boundary;
    out->conditional = st->conditional;
    out->log_sd = tau;
    out->sd = boundary ? 0.0 : exp(tau);
    double var = gsl_matrix_get(fit->vcov, t, t);
    out->log_sd_std_error = boundary || !(var >= 0) ? NAN : sqrt(var);
    out->sd_std_error = out->sd * out->log_sd_std_error;
    double v = link_variance(fit->link), s2 = out->sd * out->sd;
    out->icc = s2 / (s2 + v);
    out->loglik_fixed = st->fixed_loglik;
    double lr = 2.0 * (fit->loglik - st->fixed_loglik);
    out->lr_chi2 = boundary || !(lr > 0) ? 0.0 : lr;
    out->lr_p_value = 0.5 * gsl_cdf_chisq_Q(out->lr_chi2, 1.0);
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_fit_group_effect(const partreg_fit *fit, size_t g,
                                        partreg_group_effect *out, partreg_error *err)
{
    if (!fit || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_group_effect: NULL argument");
    const partreg_ri_state *st = fit_ri(fit);
    if (!st)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the model has no random intercept (add a (1 | group) term)");
    if (g >= st->G)
        return partreg_error_set(err, PARTREG_EINVAL, "group %zu out of range (0..%zu)", g,
                                 st->G - 1);
    memset(out, 0, sizeof *out);
    out->mode = st->fitted ? st->mode[g] : NAN;
    out->std_error = st->fitted ? st->mode_se[g] : NAN;
    out->n_obs = st->group_n[g];
    partreg_error_clear(err);
    return PARTREG_OK;
}
