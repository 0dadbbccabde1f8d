/**
 * @file partreg_mpi.h
 * @brief libpartreg_mpi: partreg's fits across the processes of an MPI
 *        program.
 *
 * A research tool that already runs under MPI gives each process a share
 * of the rows, makes a ::partreg_comm from its communicator and sets
 * partreg_fit_options.comm (or partreg_analysis_spec.fit.comm): every
 * process then gets the same fit, the same bits as one process given all
 * the rows (docs/scaling.md). Built only where MPI is found (CMake says
 * so); link with -lpartreg_mpi -lpartreg and the MPI library.
 *
 *     MPI_Init(&argc, &argv);
 *     partreg_comm *comm = NULL;
 *     partreg_mpi_comm_create(MPI_COMM_WORLD, &comm, &err);
 *     partreg_fit_options opt = partreg_fit_options_default();
 *     opt.comm = comm;
 *     partreg_fit_create(&my_rows, PARTREG_BINARY, PARTREG_LOGIT, &opt, &fit, &err);
 *     ...
 *     partreg_fit_free(fit);
 *     partreg_comm_free(comm);
 *     MPI_Finalize();
 *
 * The library calls MPI from the thread that calls it (MPI_THREAD_FUNNELED
 * is enough); every call on a distributed fit is collective.
 */
#ifndef PARTREG_MPI_H
#define PARTREG_MPI_H

#include <mpi.h>

#include "partreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A communicator for partreg's fits over the processes of `mpi` (borrowed;
 * duplicated, so that the fits' messages never meet the caller's).
 *
 * @param mpi   an MPI communicator (MPI must be initialised).
 * @param out   on PARTREG_OK a new communicator owned by the caller: free it
 *              with partreg_comm_free() before MPI_Finalize().
 * @param err   optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (MPI not initialised, NULL out);
 *         PARTREG_EIO (MPI could not duplicate the communicator);
 *         PARTREG_ENOMEM. Collective over mpi.
 */
PARTREG_API partreg_status partreg_mpi_comm_create(MPI_Comm mpi, partreg_comm **out,
                                                   partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_MPI_H */
