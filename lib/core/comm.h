/* The processes of a distributed fit: what the library asks of a
 * communicator (docs/scaling.md). The public handle partreg_comm (partreg.h)
 * is this table of collective operations and its context; libpartreg_mpi
 * makes one from an MPI communicator (lib/mpi/), the tests one of threads
 * (tests/comm_threads.h). The library itself has no MPI dependency.
 *
 * Every operation is collective: each process calls it in the same order
 * with its own contribution, from one thread at a time. A failed
 * operation returns non-zero on the process that saw it; the callers then
 * agree on a status (partreg_comm_agree), so that every process returns the
 * same error. Private to lib/. */
#ifndef PARTREG_CORE_COMM_H
#define PARTREG_CORE_COMM_H

#include <stddef.h>

#include "partreg.h"

typedef struct partreg_comm_ops {
    /* Every process's bytes to every process: `send` (bytes of them) from
     * this one; *recv (malloc'ed here, the caller frees it) receives the
     * contributions of processes 0..size-1 end to end, recv_bytes[q] (size
     * entries, the caller's) the length of each. 0 or non-zero on failure
     * (*recv then NULL). */
    int (*allgather)(void *ctx, const void *send, size_t bytes, void **recv, size_t *recv_bytes);
    /* Bytes from each process to each: send[q] (send_bytes[q] bytes, may
     * be NULL when 0) to process q; *recv as above receives from every
     * process q its bytes for this one, end to end in process order,
     * recv_bytes[q] the length of each. 0 or non-zero. */
    int (*alltoall)(void *ctx, const void *const *send, const size_t *send_bytes, void **recv,
                    size_t *recv_bytes);
} partreg_comm_ops;

struct partreg_comm {
    const partreg_comm_ops *ops;
    void *ctx;
    int rank, size;
    /* freed by partreg_comm_free (NULL: nothing to free) */
    void (*release)(void *ctx);
};

/* A communicator of these operations (ctx borrowed until release, which
 * may be NULL, is called by partreg_comm_free). NULL when out of memory or
 * the arguments are invalid. */
partreg_comm *partreg_comm_new(const partreg_comm_ops *ops, void *ctx, int rank, int size,
                               void (*release)(void *ctx));

/* Agree on the outcome of a step: every process passes its own status and
 * error; every process returns the status of the lowest-ranked process
 * that failed (PARTREG_OK when none did), with that process's message in
 * err. A failed exchange is PARTREG_EIO. */
partreg_status partreg_comm_agree(const partreg_comm *comm, partreg_status st, partreg_error *err);

/* Sum per-process counts: *total = sum over processes of mine, *before =
 * the sum over the processes ranked below this one. 0 or non-zero. */
int partreg_comm_prefix(const partreg_comm *comm, size_t mine, size_t *before, size_t *total);

/* Gather every process's doubles (count of them, the same count on every
 * process) into all (size x count, process order). 0 or non-zero. */
int partreg_comm_gather_doubles(const partreg_comm *comm, const double *mine, size_t count,
                                double *all);

#endif
