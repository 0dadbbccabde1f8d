/* The time of the exchange a distributed pass makes (bench/scale.sh): an
 * allgather of B bytes from every process through libpartreg_mpi's
 * operations (core/comm.h), the median of R calls after 20 warm-up calls.
 *
 * Usage: mpirun -np P mpi_latency [R]
 * Prints one line per size: bytes, median seconds per call (process 0). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "partreg_mpi.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int reps = argc > 1 ? atoi(argv[1]) : 200, rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    partreg_comm *comm = NULL;
    partreg_error err;
    if (partreg_mpi_comm_create(MPI_COMM_WORLD, &comm, &err) != PARTREG_OK) {
        fprintf(stderr, "%s\n", err.message);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const size_t sizes[] = {8, 640, 8192, 65536, 1 << 20, 8 << 20};
    double *t = malloc((size_t)reps * sizeof *t);
    size_t *bytes = malloc((size_t)comm->size * sizeof *bytes);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        char *buf = calloc(sizes[k], 1);
        for (int r = -20; r < reps; r++) {
            void *recv = NULL;
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            comm->ops->allgather(comm->ctx, buf, sizes[k], &recv, bytes);
            double dt = MPI_Wtime() - t0;
            if (r >= 0)
                t[r] = dt;
            free(recv);
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        if (rank == 0)
            printf("%zu\t%.9f\n", sizes[k], t[reps / 2]);
        free(buf);
    }
    free(t);
    free(bytes);
    partreg_comm_free(comm);
    MPI_Finalize();
    return 0;
}
