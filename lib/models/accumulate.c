/* Accumulation states and the block/thread driver of the block-accumulate
 * shape (objective.h). Rows are cut into contiguous segments of whole
 * blocks, as many as partreg_segment_count gives for n and k (at most one
 * a block); the threads of a pass claim segments one at a time and give
 * each whole to the model, which walks it in chunks of its own into the
 * segment's state (one call a segment, not a block: the ordinal model's
 * per-call work, its per-category sums zeroed, totalled and folded, is
 * paid once a segment); the states are merged in segment order. So the
 * sums are the same bits whatever the number of threads and whichever
 * thread took which segment, and a thread that the system holds back (a
 * busy or virtual machine) delays the pass by about one segment instead
 * of leaving the others waiting for its fixed half. */
#include "models/objective.h"

#include <stdlib.h>
#include <string.h>

partreg_accum *partreg_accum_alloc(size_t k)
{
    partreg_accum *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->k = k;
    a->grad = calloc(k ? k : 1, sizeof *a->grad);
    a->info = calloc(k * k > 0 ? k * k : 1, sizeof *a->info);
    if (!a->grad || !a->info) {
        partreg_accum_free(a);
        return NULL;
    }
    return a;
}

void partreg_accum_free(partreg_accum *a)
{
    if (!a)
        return;
    free(a->grad);
    free(a->info);
    free(a);
}

void partreg_accum_zero(partreg_accum *a)
{
    a->loglik = 0.0;
    a->nonfinite = 0;
    memset(a->grad, 0, a->k * sizeof *a->grad);
    memset(a->info, 0, a->k * a->k * sizeof *a->info);
}

void partreg_accum_add(partreg_accum *into, const partreg_accum *from, partreg_order order)
{
    size_t k = into->k;
    into->loglik += from->loglik;
    into->nonfinite |= from->nonfinite;
    if (order == PARTREG_ORDER_VALUE)
        return;
    for (size_t j = 0; j < k; j++)
        into->grad[j] += from->grad[j];
    if (order != PARTREG_ORDER_HESSIAN && order != PARTREG_ORDER_EXPECTED)
        return;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            into->info[i * k + j] += from->info[i * k + j];
}

size_t partreg_block_rows_auto(size_t k)
{
    size_t rows = (32u * 1024u) / (8u * (k ? k : 1));
    return rows < 64 ? 64 : rows;
}

/* Rows are cut into segments fixed by n and k alone: at most
 * SEGMENTS_MAX, of at least SEGMENT_MIN_ROWS rows, and no more states
 * than SEGMENT_STATE_DOUBLES doubles hold. The last segment a thread
 * takes is what the other may wait for at the end of a pass: 256 keep it
 * under 40,000 rows up to 10^7 rows (about 1 ms of an ordinal
 * information pass on one thread). Beyond SEGMENTS_MAX only so that no
 * segment holds more than SEGMENT_MAX_DOUBLES doubles of rows (k + 2 a
 * row: the design's columns, the outcome and the weight), which is what a
 * pass over rows on disk or on other processes reads at once
 * (docs/scaling.md): from 6.7 x 10^7 rows at k = 11 up. A pass holds at
 * most SEGMENT_WINDOW segment states at once, merged in order window by
 * window: the same bits as all at once. */
#define SEGMENTS_MAX 256
#define SEGMENT_MIN_ROWS 1000
#define SEGMENT_STATE_DOUBLES ((size_t)1 << 20)
#define SEGMENT_MAX_DOUBLES ((size_t)1 << 22)
#define SEGMENT_WINDOW SEGMENTS_MAX

size_t partreg_segment_count(size_t n, size_t k, size_t block)
{
    size_t s = n / SEGMENT_MIN_ROWS, per = 1 + k + k * k;
    size_t nblocks = n / block + (n % block != 0);
    if (s > SEGMENTS_MAX)
        s = SEGMENTS_MAX;
    if (s > SEGMENT_STATE_DOUBLES / per)
        s = SEGMENT_STATE_DOUBLES / per;
    size_t cap = SEGMENT_MAX_DOUBLES / (k + 2);
    if (cap < SEGMENT_MIN_ROWS)
        cap = SEGMENT_MIN_ROWS;
    size_t need = n / cap + (n % cap != 0);
    if (s < need)
        s = need;
    if (s > nblocks)
        s = nblocks;
    return s ? s : 1;
}

void partreg_segment_rows(size_t n, size_t block, size_t nseg, size_t s, size_t *begin,
                          size_t *end)
{
    size_t nblocks = n / block + (n % block != 0);
    *begin = nblocks * s / nseg * block;
    *end = nblocks * (s + 1) / nseg * block;
    if (*end > n)
        *end = n;
}

size_t partreg_group_boundary(const size_t *group_start, size_t n_groups, size_t n, size_t r)
{
    size_t lo = 0, hi = n_groups; /* the first g with group_start[g] >= r */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (group_start[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n_groups ? group_start[lo] : n;
}

size_t partreg_objective_segments(const partreg_objective *obj, size_t block)
{
    if (obj->segment_start)
        return obj->n_segments ? obj->n_segments : 1;
    if (!block)
        block = partreg_block_rows_auto(obj->k);
    return partreg_segment_count(obj->n, obj->k, block);
}

void partreg_objective_segment(const partreg_objective *obj, size_t block, size_t nseg, size_t s,
                               size_t *begin, size_t *end)
{
    if (obj->segment_start) {
        *begin = obj->n_segments ? obj->segment_start[s] : 0;
        *end = s + 1 < obj->n_segments ? obj->segment_start[s + 1] : obj->n;
        return;
    }
    if (!block)
        block = partreg_block_rows_auto(obj->k);
    partreg_segment_rows(obj->n, block, nseg, s, begin, end);
    if (obj->group_start) { /* whole groups only (a segment may be left empty) */
        *begin = partreg_group_boundary(obj->group_start, obj->n_groups, obj->n, *begin);
        *end = partreg_group_boundary(obj->group_start, obj->n_groups, obj->n, *end);
    }
}

size_t partreg_objective_max_segment_rows(const partreg_objective *obj, size_t block)
{
    size_t nseg = partreg_objective_segments(obj, block), most = 0;
    for (size_t s = 0; s < nseg; s++) {
        size_t b, e;
        partreg_objective_segment(obj, block, nseg, s, &b, &e);
        if (e > b && e - b > most)
            most = e - b;
    }
    return most;
}

/* What the members of one pass share: the states of the segments of the
 * current window [first, first + count). */
typedef struct pass {
    const partreg_objective *obj;
    const double *theta;
    partreg_order order;
    size_t block, nseg;  /* rows a block; segments */
    size_t first;        /* the window's first segment */
    partreg_accum *seg;  /* the window's states */
    double **scratch;    /* one per member */
} pass;

/* Segment first + s on member t, in one call, into its own state. */
static void run_segment(void *arg, size_t s, size_t t)
{
    const pass *p = arg;
    const partreg_objective *obj = p->obj;
    size_t begin, end;
    partreg_objective_segment(obj, p->block, p->nseg, p->first + s, &begin, &end);
    partreg_accum *acc = &p->seg[s];
    partreg_accum_zero(acc);
    if (begin < end)
        obj->accumulate(obj->model, p->theta, begin, end, p->order, acc, p->scratch[t]);
}

static void symmetrise(partreg_accum *acc)
{
    size_t k = acc->k;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            acc->info[j * k + i] = acc->info[i * k + j];
}

partreg_status partreg_objective_eval_here(const partreg_objective *obj, const double *theta,
                                           partreg_order order, int threads, size_t block_rows,
                                           size_t window, partreg_accum *acc)
{
    size_t k = obj->k, block = block_rows ? block_rows : partreg_block_rows_auto(k);
    size_t nseg = partreg_objective_segments(obj, block);
    size_t nt = partreg_team_threads(obj->team, threads, obj->n,
                                     obj->team ? PARTREG_TEAM_MIN_ROWS : PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    size_t nscratch = obj->scratch_doubles ? obj->scratch_doubles : 1, per = k + k * k;
    size_t win = window ? window : SEGMENT_WINDOW;
    if (win > nseg)
        win = nseg;
    partreg_accum_zero(acc);
    pass p = {obj, theta, order, block, nseg, 0, NULL, NULL};
    double *states = malloc(win * (per ? per : 1) * sizeof *states);
    p.seg = malloc(win * sizeof *p.seg);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = states && p.seg && p.scratch ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++)
        if (!(p.scratch[t] = malloc(nscratch * sizeof(double))))
            st = PARTREG_ENOMEM;
        else
            p.scratch[t][0] = 0.0; /* the pass's first call of this member (objective.h) */
    if (st == PARTREG_OK) {
        for (size_t s = 0; s < win; s++)
            p.seg[s] = (partreg_accum){k, 0.0, states + s * per, states + s * per + k, 0};
        for (p.first = 0; p.first < nseg; p.first += win) {
            size_t count = nseg - p.first < win ? nseg - p.first : win;
            partreg_team_run_segments(obj->team, nt, count, run_segment, &p);
            for (size_t s = 0; s < count; s++) /* in segment order: the same bits at any nt */
                partreg_accum_add(acc, &p.seg[s], order);
        }
        symmetrise(acc);
    }
    for (size_t t = 0; p.scratch && t < nt; t++)
        free(p.scratch[t]);
    free(p.scratch);
    free(p.seg);
    free(states);
    return st;
}

partreg_status partreg_objective_eval(const partreg_objective *obj, const double *theta,
                                      partreg_order order, int threads, size_t block_rows,
                                      partreg_accum *acc)
{
    partreg_status st =
        obj->pass ? obj->pass->eval(obj, theta, order, threads, block_rows, acc)
                  : partreg_objective_eval_here(obj, theta, order, threads, block_rows, 0, acc);
    /* one pass over the n rows, wherever they are */
    if (st == PARTREG_OK && obj->rows_read)
        atomic_fetch_add_explicit(obj->rows_read, (unsigned long long)obj->n,
                                  memory_order_relaxed);
    /* a term that is not a sum over rows, after the rows are merged */
    if (st == PARTREG_OK && obj->penalty)
        st = obj->penalty(obj, theta, order, threads, block_rows, acc);
    return st;
}

/* ---- several points a pass ------------------------------------------- */

/* States of a multi-point pass at most (doubles): the points of a pass
 * are as many as fit, with nseg states each. */
#define POINTS_STATE_DOUBLES ((size_t)1 << 22)

static int needs_info(partreg_order order)
{
    return order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
}

/* Doubles of a state of one point at `order`: the gradient, and the
 * information only when the order fills it. */
static size_t state_doubles(size_t k, partreg_order order)
{
    return k + (needs_info(order) ? k * k : 0);
}

/* Zero what a pass of `order` fills. */
static void zero_for(partreg_accum *a, partreg_order order)
{
    a->loglik = 0.0;
    a->nonfinite = 0;
    memset(a->grad, 0, a->k * sizeof *a->grad);
    if (needs_info(order))
        memset(a->info, 0, a->k * a->k * sizeof *a->info);
}

typedef struct points_pass {
    const partreg_objective *obj;
    size_t m;                    /* points in this pass */
    const double *const *theta;  /* m */
    const partreg_order *order;  /* m */
    size_t block, nseg;
    partreg_accum *seg;          /* nseg x m states, segment-major */
    double **scratch;            /* one per member */
} points_pass;

static void run_segment_points(void *arg, size_t s, size_t t)
{
    const points_pass *p = arg;
    const partreg_objective *obj = p->obj;
    size_t begin, end;
    partreg_objective_segment(obj, p->block, p->nseg, s, &begin, &end);
    for (size_t i = 0; i < p->m; i++) {
        partreg_accum *acc = &p->seg[s * p->m + i];
        zero_for(acc, p->order[i]);
        /* a model's tables that depend on theta alone are built anew at
         * each point, as at a pass's first call (objective.h) */
        p->scratch[t][0] = 0.0;
        if (begin < end)
            obj->accumulate(obj->model, p->theta[i], begin, end, p->order[i], acc,
                            p->scratch[t]);
    }
}

/* Points [0, m) in one pass; `per` doubles hold the states of one segment
 * at all m points. */
static partreg_status eval_points_pass(const partreg_objective *obj, size_t m,
                                       const double *const *theta, const partreg_order *order,
                                       int threads, size_t block, size_t nseg, size_t per,
                                       partreg_accum *const *acc)
{
    size_t k = obj->k, nt = partreg_team_threads(obj->team, threads, obj->n,
                                                 obj->team ? PARTREG_TEAM_MIN_ROWS
                                                           : PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    size_t nscratch = obj->scratch_doubles ? obj->scratch_doubles : 1;
    points_pass p = {obj, m, theta, order, block, nseg, NULL, NULL};
    double *states = malloc(nseg * (per ? per : 1) * sizeof *states);
    p.seg = malloc(nseg * m * sizeof *p.seg);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = states && p.seg && p.scratch ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++)
        if (!(p.scratch[t] = malloc(nscratch * sizeof(double))))
            st = PARTREG_ENOMEM;
    if (st == PARTREG_OK) {
        double *at = states;
        for (size_t s = 0; s < nseg; s++)
            for (size_t i = 0; i < m; i++) {
                p.seg[s * m + i] = (partreg_accum){k, 0.0, at, at + k, 0};
                at += state_doubles(k, order[i]);
            }
        partreg_team_run_segments(obj->team, nt, nseg, run_segment_points, &p);
        if (obj->rows_read)
            atomic_fetch_add_explicit(obj->rows_read, (unsigned long long)obj->n,
                                      memory_order_relaxed);
        for (size_t i = 0; i < m; i++) {
            partreg_accum_zero(acc[i]);
            for (size_t s = 0; s < nseg; s++) /* in segment order, as a pass of one point */
                partreg_accum_add(acc[i], &p.seg[s * m + i], order[i]);
            symmetrise(acc[i]);
        }
    }
    for (size_t i = 0; st == PARTREG_OK && obj->penalty && i < m; i++)
        st = obj->penalty(obj, theta[i], order[i], threads, block, acc[i]);
    for (size_t t = 0; p.scratch && t < nt; t++)
        free(p.scratch[t]);
    free(p.scratch);
    free(p.seg);
    free(states);
    return st;
}

partreg_status partreg_objective_eval_points(const partreg_objective *obj, size_t m,
                                             const double *const *theta,
                                             const partreg_order *order, int threads,
                                             size_t block_rows, partreg_accum *const *acc)
{
    /* passes that run elsewhere (rows on disk or on other processes: the
     * hook reads and merges them) or over explicit segments: one point a
     * pass, the same bits */
    if (obj->pass || obj->segment_start) {
        for (size_t i = 0; i < m; i++) {
            partreg_status st =
                partreg_objective_eval(obj, theta[i], order[i], threads, block_rows, acc[i]);
            if (st != PARTREG_OK)
                return st;
        }
        return PARTREG_OK;
    }
    size_t k = obj->k, block = block_rows ? block_rows : partreg_block_rows_auto(k);
    size_t nseg = partreg_objective_segments(obj, block);
    for (size_t i = 0; i < m;) {
        /* as many points as the budget holds, at least one */
        size_t j = i, per = 0;
        while (j < m) {
            size_t add = state_doubles(k, order[j]);
            if (j > i && nseg * (per + add) > POINTS_STATE_DOUBLES)
                break;
            per += add;
            j++;
        }
        partreg_status st =
            eval_points_pass(obj, j - i, theta + i, order + i, threads, block, nseg, per, acc + i);
        if (st != PARTREG_OK)
            return st;
        i = j;
    }
    return PARTREG_OK;
}
