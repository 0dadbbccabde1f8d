/* Several objectives over the same rows as one (stacked.h).
 *
 * With parts l_1 .. l_m in parameters theta_1 .. theta_m,
 *   l(theta_1, ..., theta_m) = sum_i l_i(theta_i),
 * the gradient is the parts' gradients end to end and the information is
 * block-diagonal. A segment's rows go to each part's accumulate in turn,
 * into a part state of its own (the part's sum over those rows as its own
 * accumulate forms it), which is then placed in the stacked state: the
 * rows are read once for all the parts, while in cache. (The stack's
 * segments are those of its k, not of each part's, so a part's sums are
 * added in another grouping than in a pass of its own: the same to
 * rounding.) */
#include "models/stacked.h"

#include <string.h>

/* Scratch: [0] the pass flag (objective.h), then each part's scratch,
 * then a part state (k_i + k_i^2 doubles for the largest part). */
typedef struct layout {
    size_t offset[PARTREG_STACKED_MAX]; /* part i's scratch */
    size_t state;                       /* the part state */
} layout;

static void scratch_layout(const partreg_stacked *s, layout *L, size_t *total)
{
    size_t at = 1, kmax = 0;
    for (size_t i = 0; i < s->m; i++) {
        L->offset[i] = at;
        at += s->part[i]->scratch_doubles ? s->part[i]->scratch_doubles : 1;
        if (s->part[i]->k > kmax)
            kmax = s->part[i]->k;
    }
    L->state = at;
    *total = at + kmax + kmax * kmax;
}

static void stacked_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                               partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_stacked *s = model;
    layout L;
    size_t total, K = acc->k;
    scratch_layout(s, &L, &total);
    if (scratch[0] == 0.0) { /* the pass's first call: so for each part */
        for (size_t i = 0; i < s->m; i++)
            scratch[L.offset[i]] = 0.0;
        scratch[0] = 1.0;
    }
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    for (size_t i = 0; i < s->m; i++) {
        const partreg_objective *o = s->part[i];
        size_t k = o->k, f = s->first[i];
        partreg_accum a = {k, 0.0, scratch + L.state, scratch + L.state + k, 0};
        memset(a.grad, 0, k * sizeof *a.grad);
        if (info)
            memset(a.info, 0, k * k * sizeof *a.info);
        o->accumulate(o->model, theta + f, begin, end, order, &a, scratch + L.offset[i]);
        acc->loglik += a.loglik;
        acc->nonfinite |= a.nonfinite;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        for (size_t c = 0; c < k; c++)
            acc->grad[f + c] += a.grad[c];
        if (!info)
            continue;
        for (size_t r = 0; r < k; r++) /* the lower triangle of the part's block */
            for (size_t c = 0; c <= r; c++)
                acc->info[(f + r) * K + f + c] += a.info[r * k + c];
    }
}

static int stacked_feasible(const void *model, const double *theta)
{
    const partreg_stacked *s = model;
    for (size_t i = 0; i < s->m; i++) {
        const partreg_objective *o = s->part[i];
        if (o->feasible && !o->feasible(o->model, theta + s->first[i]))
            return 0;
    }
    return 1;
}

partreg_status partreg_stacked_objective(partreg_stacked *s, const partreg_objective *const *parts,
                                         size_t m, partreg_objective *obj)
{
    memset(obj, 0, sizeof *obj);
    if (m == 0 || m > PARTREG_STACKED_MAX)
        return PARTREG_EINVAL;
    memset(s, 0, sizeof *s);
    s->m = m;
    int feasible = 0;
    for (size_t i = 0; i < m; i++) {
        const partreg_objective *o = parts[i];
        if (o->n != parts[0]->n || o->group_start != parts[0]->group_start ||
            o->n_groups != parts[0]->n_groups)
            return PARTREG_EINVAL;
        s->part[i] = o;
        s->first[i + 1] = s->first[i] + o->k;
        feasible |= o->feasible != NULL;
    }
    size_t total;
    layout L;
    scratch_layout(s, &L, &total);
    obj->k = s->first[m];
    obj->n = parts[0]->n;
    obj->model = s;
    obj->accumulate = stacked_accumulate;
    obj->feasible = feasible ? stacked_feasible : NULL;
    obj->row_scores = NULL;
    obj->scratch_doubles = total;
    obj->group_start = parts[0]->group_start;
    obj->n_groups = parts[0]->n_groups;
    obj->team = parts[0]->team;
    obj->rows_read = parts[0]->rows_read;
    return PARTREG_OK;
}
