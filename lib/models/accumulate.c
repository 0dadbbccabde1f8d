/* Accumulation states and the block/thread driver of the block-accumulate
 * shape (objective.h). Rows are cut into `threads` contiguous ranges; each
 * thread walks its range in blocks of block_rows rows into its own state;
 * states are merged in thread order, so a given thread count always gives
 * bit-identical sums. */
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

typedef struct worker {
    const partreg_objective *obj;
    const double *theta;
    partreg_order order;
    size_t begin, end, block;
    partreg_accum *acc;
    double *scratch;
} worker;

static void run_range(const worker *w)
{
    for (size_t b = w->begin; b < w->end; b += w->block) {
        size_t e = b + w->block < w->end ? b + w->block : w->end;
        w->obj->accumulate(w->obj->model, w->theta, b, e, w->order, w->acc, w->scratch);
    }
}

static void run_member(void *arg, size_t t)
{
    run_range((const worker *)arg + t);
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
    size_t block = block_rows ? block_rows : partreg_block_rows_auto(obj->k);
    size_t nt = partreg_team_threads(obj->team, threads, obj->n,
                                     obj->team ? PARTREG_TEAM_MIN_ROWS : PARTREG_MIN_ROWS_PER_THREAD);
    size_t nscratch = obj->scratch_doubles ? obj->scratch_doubles : 1;
    worker ws[PARTREG_TEAM_MAX];
    partreg_status st = PARTREG_OK;
    partreg_accum_zero(acc);
    memset(ws, 0, sizeof ws);
    for (size_t t = 0; t < nt; t++) {
        ws[t].obj = obj;
        ws[t].theta = theta;
        ws[t].order = order;
        ws[t].begin = obj->n * t / nt;
        ws[t].end = obj->n * (t + 1) / nt;
        ws[t].block = block;
        ws[t].acc = t == 0 ? acc : partreg_accum_alloc(obj->k);
        ws[t].scratch = malloc(nscratch * sizeof(double));
        if (!ws[t].acc || !ws[t].scratch) {
            st = PARTREG_ENOMEM;
            goto cleanup;
        }
        partreg_accum_zero(ws[t].acc);
    }
    partreg_team_run(obj->team, nt, run_member, ws);
    for (size_t t = 1; t < nt; t++)
        partreg_accum_add(acc, ws[t].acc);
    symmetrise(acc);
cleanup:
    for (size_t t = 0; t < nt; t++) {
        if (t > 0)
            partreg_accum_free(ws[t].acc);
        free(ws[t].scratch);
    }
    return st;
}
