/* Accumulation states and the block/thread driver of the block-accumulate
 * shape (objective.h). Rows are cut into contiguous segments of whole
 * blocks, as many as partreg_segment_count gives for n and k (at most one
 * a block); the threads of a pass claim segments one at a time and walk
 * each in blocks of block_rows rows into the segment's own state; the
 * states are merged in segment order. So the sums are the same bits
 * whatever the number of threads and whichever thread took which segment,
 * and a thread that the system holds back (a busy or virtual machine)
 * delays the pass by about one segment instead of leaving the others
 * waiting for its fixed half (docs/performance.md, step 29). */
#include "models/objective.h"

#include <stdatomic.h>
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

void partreg_accum_add(partreg_accum *into, const partreg_accum *from)
{
    into->loglik += from->loglik;
    into->nonfinite |= from->nonfinite;
    for (size_t j = 0; j < into->k; j++)
        into->grad[j] += from->grad[j];
    for (size_t j = 0; j < into->k * into->k; j++)
        into->info[j] += from->info[j];
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
 * information pass on one thread). */
#define SEGMENTS_MAX 256
#define SEGMENT_MIN_ROWS 1000
#define SEGMENT_STATE_DOUBLES ((size_t)1 << 20)

size_t partreg_segment_count(size_t n, size_t k)
{
    size_t s = n / SEGMENT_MIN_ROWS, per = 1 + k + k * k;
    if (s > SEGMENTS_MAX)
        s = SEGMENTS_MAX;
    if (s > SEGMENT_STATE_DOUBLES / per)
        s = SEGMENT_STATE_DOUBLES / per;
    return s ? s : 1;
}

/* What the members of one pass share: the segments' states and the next
 * segment to claim. */
typedef struct pass {
    const partreg_objective *obj;
    const double *theta;
    partreg_order order;
    size_t block, nblocks, nseg; /* rows a block; blocks; segments */
    partreg_accum *seg;      /* nseg states */
    double **scratch;        /* one per member */
    atomic_size_t next;      /* the next unclaimed segment */
} pass;

/* Member t: claim segments until none is left; each goes, block by block
 * in row order, into its own state. */
static void run_member(void *arg, size_t t)
{
    pass *p = arg;
    const partreg_objective *obj = p->obj;
    for (;;) {
        size_t s = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (s >= p->nseg)
            return;
        /* whole blocks: a segment's edge is never inside a block */
        size_t begin = p->nblocks * s / p->nseg * p->block;
        size_t end = p->nblocks * (s + 1) / p->nseg * p->block;
        if (end > obj->n)
            end = obj->n;
        partreg_accum *acc = &p->seg[s];
        partreg_accum_zero(acc);
        for (size_t b = begin; b < end; b += p->block) {
            size_t e = end - b > p->block ? b + p->block : end;
            obj->accumulate(obj->model, p->theta, b, e, p->order, acc, p->scratch[t]);
        }
    }
}

/* into += from, only what a pass of this order computes: the information's
 * lower triangle (symmetrise fills the rest), the gradient, the loglik. */
static void add_state(partreg_accum *into, const partreg_accum *from, partreg_order order)
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

static void symmetrise(partreg_accum *acc)
{
    size_t k = acc->k;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            acc->info[j * k + i] = acc->info[i * k + j];
}

partreg_status partreg_objective_eval(const partreg_objective *obj, const double *theta,
                                      partreg_order order, int threads, size_t block_rows,
                                      partreg_accum *acc)
{
    size_t k = obj->k, block = block_rows ? block_rows : partreg_block_rows_auto(k);
    size_t nblocks = obj->n / block + (obj->n % block != 0);
    size_t nseg = partreg_segment_count(obj->n, k);
    if (nseg > nblocks)
        nseg = nblocks ? nblocks : 1;
    size_t nt = partreg_team_threads(obj->team, threads, obj->n,
                                     obj->team ? PARTREG_TEAM_MIN_ROWS : PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    size_t nscratch = obj->scratch_doubles ? obj->scratch_doubles : 1, per = k + k * k;
    partreg_accum_zero(acc);
    pass p = {obj, theta, order, block, nblocks, nseg, NULL, NULL, 0};
    atomic_init(&p.next, 0);
    double *states = malloc(nseg * (per ? per : 1) * sizeof *states);
    p.seg = malloc(nseg * sizeof *p.seg);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = states && p.seg && p.scratch ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++)
        if (!(p.scratch[t] = malloc(nscratch * sizeof(double))))
            st = PARTREG_ENOMEM;
    if (st == PARTREG_OK) {
        for (size_t s = 0; s < nseg; s++)
            p.seg[s] = (partreg_accum){k, 0.0, states + s * per, states + s * per + k, 0};
        partreg_team_run(obj->team, nt, run_member, &p);
        for (size_t s = 0; s < nseg; s++) /* in segment order: the same bits at any nt */
            add_state(acc, &p.seg[s], order);
        symmetrise(acc);
    }
    for (size_t t = 0; p.scratch && t < nt; t++)
        free(p.scratch[t]);
    free(p.scratch);
    free(p.seg);
    free(states);
    return st;
}
