/* libpartreg_mpi (partreg_mpi.h): the communicator operations of
 * core/comm.h over MPI. Each is an exchange of the sizes, then of the
 * bytes (MPI_Allgatherv, MPI_Alltoallv), on a duplicate of the caller's
 * communicator. The library calls nothing of libpartreg's: it fills the
 * handle that libpartreg's partreg_comm_free releases. */
#include "partreg_mpi.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"

static partreg_status fail(partreg_error *err, partreg_status st, const char *msg)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->status = st;
        err->index = -1;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return st;
}

typedef struct mpi_ctx {
    MPI_Comm comm;
    int size;
    int *counts, *displs, *rcounts, *rdispls; /* size each */
} mpi_ctx;

/* Counts and displacements as MPI's ints; -1 when a total passes INT_MAX. */
static int as_ints(const uint64_t *bytes, int size, int *counts, int *displs, size_t *total)
{
    uint64_t t = 0;
    for (int q = 0; q < size; q++) {
        if (bytes[q] > INT_MAX || t > INT_MAX)
            return -1;
        counts[q] = (int)bytes[q];
        displs[q] = (int)t;
        t += bytes[q];
    }
    if (t > INT_MAX)
        return -1;
    *total = (size_t)t;
    return 0;
}

static int mpi_allgather(void *ctx, const void *send, size_t bytes, void **recv,
                         size_t *recv_bytes)
{
    mpi_ctx *c = ctx;
    *recv = NULL;
    uint64_t mine = bytes, *all = malloc((size_t)c->size * sizeof *all);
    if (!all)
        return -1;
    if (MPI_Allgather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, c->comm) != MPI_SUCCESS) {
        free(all);
        return -1;
    }
    size_t total = 0;
    int rc = as_ints(all, c->size, c->counts, c->displs, &total);
    for (int q = 0; q < c->size; q++)
        recv_bytes[q] = (size_t)all[q];
    free(all);
    unsigned char *out = malloc(total ? total : 1);
    if (rc || !out) { /* every process fails here alike (the sizes are everyone's) */
        free(out);
        return -1;
    }
    if (MPI_Allgatherv(bytes ? send : out, (int)bytes, MPI_BYTE, out, c->counts, c->displs,
                       MPI_BYTE, c->comm) != MPI_SUCCESS) {
        free(out);
        return -1;
    }
    *recv = out;
    return 0;
}

static int mpi_alltoall(void *ctx, const void *const *send, const size_t *send_bytes, void **recv,
                        size_t *recv_bytes)
{
    mpi_ctx *c = ctx;
    *recv = NULL;
    int size = c->size;
    uint64_t *sb = calloc((size_t)size, sizeof *sb), *rb = calloc((size_t)size, sizeof *rb);
    unsigned char *packed = NULL, *out = NULL;
    int rc = !sb || !rb;
    if (!rc) {
        for (int q = 0; q < size; q++)
            sb[q] = send_bytes[q];
        rc = MPI_Alltoall(sb, 1, MPI_UINT64_T, rb, 1, MPI_UINT64_T, c->comm) != MPI_SUCCESS;
    }
    size_t stotal = 0, rtotal = 0;
    if (!rc)
        rc = as_ints(sb, size, c->counts, c->displs, &stotal) ||
             as_ints(rb, size, c->rcounts, c->rdispls, &rtotal);
    if (!rc) {
        packed = malloc(stotal ? stotal : 1);
        out = malloc(rtotal ? rtotal : 1);
        rc = !packed || !out;
    }
    if (!rc) {
        for (int q = 0; q < size; q++) {
            if (send_bytes[q])
                memcpy(packed + c->displs[q], send[q], send_bytes[q]);
            recv_bytes[q] = (size_t)rb[q];
        }
        rc = MPI_Alltoallv(packed, c->counts, c->displs, MPI_BYTE, out, c->rcounts, c->rdispls,
                           MPI_BYTE, c->comm) != MPI_SUCCESS;
    }
    free(sb);
    free(rb);
    free(packed);
    if (rc) {
        free(out);
        return -1;
    }
    *recv = out;
    return 0;
}

static const partreg_comm_ops mpi_ops = {mpi_allgather, mpi_alltoall};

static void mpi_release(void *ctx)
{
    mpi_ctx *c = ctx;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
        MPI_Comm_free(&c->comm);
    free(c->counts);
    free(c->displs);
    free(c->rcounts);
    free(c->rdispls);
    free(c);
}

partreg_status partreg_mpi_comm_create(MPI_Comm mpi, partreg_comm **out, partreg_error *err)
{
    if (!out)
        return fail(err, PARTREG_EINVAL, "partreg_mpi_comm_create: NULL out");
    *out = NULL;
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized)
        return fail(err, PARTREG_EINVAL,
                    "MPI is not initialised: call MPI_Init before partreg_mpi_comm_create");
    mpi_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return fail(err, PARTREG_ENOMEM, "out of memory");
    int rank = 0;
    if (MPI_Comm_dup(mpi, &c->comm) != MPI_SUCCESS) {
        free(c);
        return fail(err, PARTREG_EIO, "MPI could not duplicate the communicator");
    }
    MPI_Comm_size(c->comm, &c->size);
    MPI_Comm_rank(c->comm, &rank);
    size_t n = (size_t)c->size;
    c->counts = malloc(n * sizeof *c->counts);
    c->displs = malloc(n * sizeof *c->displs);
    c->rcounts = malloc(n * sizeof *c->rcounts);
    c->rdispls = malloc(n * sizeof *c->rdispls);
    partreg_comm *pc = c->counts && c->displs && c->rcounts && c->rdispls
                           ? calloc(1, sizeof *pc)
                           : NULL;
    if (!pc) {
        mpi_release(c);
        return fail(err, PARTREG_ENOMEM, "out of memory");
    }
    /* what partreg_comm_new makes; partreg_comm_free calls release, then free */
    pc->ops = &mpi_ops;
    pc->ctx = c;
    pc->rank = rank;
    pc->size = c->size;
    pc->release = mpi_release;
    *out = pc;
    if (err)
        fail(err, PARTREG_OK, "");
    return PARTREG_OK;
}
