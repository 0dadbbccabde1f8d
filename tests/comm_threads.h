/* A communicator whose processes are threads of one program (core/comm.h),
 * for testing distributed fits without MPI: each "process" runs on a
 * thread of its own and the collective operations meet at a barrier.
 * Header-only; for the tests. */
#ifndef PARTREG_TESTS_COMM_THREADS_H
#define PARTREG_TESTS_COMM_THREADS_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"

typedef struct tcomm_shared {
    int size;
    pthread_barrier_t bar;
    const void **send;             /* allgather: each process's bytes */
    size_t *bytes;
    const void *const **a2a_send;  /* alltoall: each process's per-target buffers */
    const size_t **a2a_bytes;
} tcomm_shared;

typedef struct tcomm {
    tcomm_shared *sh;
    int rank;
} tcomm;

static int tcomm_allgather(void *ctx, const void *send, size_t bytes, void **recv,
                           size_t *recv_bytes)
{
    tcomm *c = ctx;
    tcomm_shared *sh = c->sh;
    sh->send[c->rank] = send;
    sh->bytes[c->rank] = bytes;
    pthread_barrier_wait(&sh->bar);
    size_t total = 0;
    for (int q = 0; q < sh->size; q++)
        total += sh->bytes[q];
    unsigned char *out = malloc(total ? total : 1);
    for (int q = 0, at = 0; out && q < sh->size; q++) {
        recv_bytes[q] = sh->bytes[q];
        if (sh->bytes[q])
            memcpy(out + at, sh->send[q], sh->bytes[q]);
        at += (int)sh->bytes[q];
    }
    pthread_barrier_wait(&sh->bar); /* the senders' buffers stay until all copied */
    *recv = out;
    return out ? 0 : -1;
}

static int tcomm_alltoall(void *ctx, const void *const *send, const size_t *send_bytes,
                          void **recv, size_t *recv_bytes)
{
    tcomm *c = ctx;
    tcomm_shared *sh = c->sh;
    sh->a2a_send[c->rank] = send;
    sh->a2a_bytes[c->rank] = send_bytes;
    pthread_barrier_wait(&sh->bar);
    size_t total = 0;
    for (int q = 0; q < sh->size; q++)
        total += sh->a2a_bytes[q][c->rank];
    unsigned char *out = malloc(total ? total : 1);
    size_t at = 0;
    for (int q = 0; out && q < sh->size; q++) {
        size_t b = sh->a2a_bytes[q][c->rank];
        recv_bytes[q] = b;
        if (b)
            memcpy(out + at, sh->a2a_send[q][c->rank], b);
        at += b;
    }
    pthread_barrier_wait(&sh->bar);
    *recv = out;
    return out ? 0 : -1;
}

static const partreg_comm_ops tcomm_ops = {tcomm_allgather, tcomm_alltoall};

static void tcomm_release(void *ctx) { free(ctx); }

static inline tcomm_shared *tcomm_shared_new(int size)
{
    tcomm_shared *sh = calloc(1, sizeof *sh);
    sh->size = size;
    pthread_barrier_init(&sh->bar, NULL, (unsigned)size);
    sh->send = calloc((size_t)size, sizeof *sh->send);
    sh->bytes = calloc((size_t)size, sizeof *sh->bytes);
    sh->a2a_send = calloc((size_t)size, sizeof *sh->a2a_send);
    sh->a2a_bytes = calloc((size_t)size, sizeof *sh->a2a_bytes);
    return sh;
}

static inline void tcomm_shared_free(tcomm_shared *sh)
{
    pthread_barrier_destroy(&sh->bar);
    free(sh->send);
    free(sh->bytes);
    free(sh->a2a_send);
    free(sh->a2a_bytes);
    free(sh);
}

/* Process `rank`'s communicator (free with partreg_comm_free). */
static inline partreg_comm *tcomm_new(tcomm_shared *sh, int rank)
{
    tcomm *c = malloc(sizeof *c);
    c->sh = sh;
    c->rank = rank;
    return partreg_comm_new(&tcomm_ops, c, rank, sh->size, tcomm_release);
}

#endif
