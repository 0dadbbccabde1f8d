/* Communicators (comm.h): the handle and the small collective steps built
 * on its two operations. */
#include "core/comm.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

partreg_comm *partreg_comm_new(const partreg_comm_ops *ops, void *ctx, int rank, int size,
                               void (*release)(void *ctx))
{
    if (!ops || !ops->allgather || !ops->alltoall || size < 1 || rank < 0 || rank >= size)
        return NULL;
    partreg_comm *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ops = ops;
    c->ctx = ctx;
    c->rank = rank;
    c->size = size;
    c->release = release;
    return c;
}

void partreg_comm_free(partreg_comm *comm)
{
    if (!comm)
        return;
    if (comm->release)
        comm->release(comm->ctx);
    free(comm);
}

int partreg_comm_rank(const partreg_comm *comm) { return comm ? comm->rank : 0; }

int partreg_comm_size(const partreg_comm *comm) { return comm ? comm->size : 1; }

/* What a process tells the others about a step. */
typedef struct verdict {
    int status;
    long line, column, index;
    char message[PARTREG_ERROR_MESSAGE_SIZE];
} verdict;

partreg_status partreg_comm_agree(const partreg_comm *comm, partreg_status st, partreg_error *err)
{
    if (!comm || comm->size == 1)
        return st;
    verdict mine;
    memset(&mine, 0, sizeof mine);
    mine.status = (int)st;
    if (st != PARTREG_OK && err) {
        mine.line = err->line;
        mine.column = err->column;
        mine.index = err->index;
        memcpy(mine.message, err->message, sizeof mine.message);
        mine.message[sizeof mine.message - 1] = '\0';
    }
    size_t *bytes = malloc((size_t)comm->size * sizeof *bytes);
    void *all = NULL;
    if (!bytes || comm->ops->allgather(comm->ctx, &mine, sizeof mine, &all, bytes) != 0) {
        free(bytes);
        free(all);
        return partreg_error_set(err, PARTREG_EIO,
                                 "the processes of the fit could not exchange their status");
    }
    const verdict *v = all;
    partreg_status out = PARTREG_OK;
    for (int q = 0; q < comm->size; q++) {
        if (v[q].status == PARTREG_OK)
            continue;
        out = (partreg_status)v[q].status;
        if (err) {
            err->status = out;
            err->line = v[q].line;
            err->column = v[q].column;
            err->index = v[q].index;
            memcpy(err->message, v[q].message, sizeof err->message);
        }
        break;
    }
    free(bytes);
    free(all);
    return out;
}

int partreg_comm_prefix(const partreg_comm *comm, size_t mine, size_t *before, size_t *total)
{
    if (!comm || comm->size == 1) {
        *before = 0;
        *total = mine;
        return 0;
    }
    size_t *bytes = malloc((size_t)comm->size * sizeof *bytes);
    void *all = NULL;
    unsigned long long m = mine;
    int rc = !bytes || comm->ops->allgather(comm->ctx, &m, sizeof m, &all, bytes) != 0;
    if (!rc) {
        const unsigned long long *c = all;
        *before = *total = 0;
        for (int q = 0; q < comm->size; q++) {
            if (q < comm->rank)
                *before += (size_t)c[q];
            *total += (size_t)c[q];
        }
    }
    free(bytes);
    free(all);
    return rc;
}

int partreg_comm_gather_doubles(const partreg_comm *comm, const double *mine, size_t count,
                                double *all)
{
    if (!comm || comm->size == 1) {
        memcpy(all, mine, count * sizeof *all);
        return 0;
    }
    size_t *bytes = malloc((size_t)comm->size * sizeof *bytes);
    void *got = NULL;
    int rc = !bytes ||
             comm->ops->allgather(comm->ctx, mine, count * sizeof *mine, &got, bytes) != 0;
    for (int q = 0; !rc && q < comm->size; q++)
        rc = bytes[q] != count * sizeof *mine;
    if (!rc)
        memcpy(all, got, (size_t)comm->size * count * sizeof *all);
    free(bytes);
    free(got);
    return rc;
}
