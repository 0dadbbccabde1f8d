/* partreg-mpi: `partreg fit` over the processes of an MPI run.
 *
 *     mpirun -np N partreg-mpi fit DATA.csv --formula "Y ~ x + z" [options]
 *
 * Every process reads its share of the CSV file (the records that start
 * in its N-th of the file's bytes), the shares' sums are merged in a fixed
 * order, and process 0 writes the report: the same output, bit for bit,
 * as `partreg fit` (docs/scaling.md). The options are `partreg fit`'s;
 * what needs every row in memory (margins, the Brant test, the HTML
 * report) is refused with a reason. */
#include <fcntl.h>
#include <gsl/gsl_errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "partreg_mpi.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_FIT = 3 };

static const char usage[] =
    "usage: mpirun -np N partreg-mpi fit DATA.csv --formula \"Y ~ TERMS\" [options]\n"
    "\n"
    "`partreg fit` over N processes: each reads its share of the CSV file, and\n"
    "process 0 writes the report (the same as `partreg fit` gives). The options are\n"
    "those of `partreg fit --help`; --memory applies to each process's share.\n";

int main(int argc, char **argv)
{
    int provided = 0, rank = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "partreg-mpi: MPI could not be initialised\n");
        return EXIT_INPUT;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    gsl_set_error_handler_off();
    if (rank != 0) { /* one voice: process 0 speaks for all */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    int status = 0;
    if (argc < 2 || strcmp(argv[1], "fit") != 0) {
        int help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fputs(usage, help ? stdout : stderr);
        MPI_Finalize();
        return help ? 0 : EXIT_USAGE;
    }
    cli_options o;
    int rc = cli_parse(argc - 2, argv + 2, &o, 1, "fit");
    if (!rc)
        rc = cli_check_scope(&o, "fit"); /* partreg fit's refusals, word for word */
    if (!rc)
        rc = cli_check_csv(&o, "fit");
    if (rc) {
        cli_options_free(&o);
        MPI_Finalize();
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    if (o.n_data > 1) {
        fprintf(stderr, "partreg-mpi: give one data file (imputations in several files are "
                        "not read in shares)\n");
        cli_options_free(&o);
        MPI_Finalize();
        return EXIT_USAGE;
    }
    partreg_comm *comm = NULL;
    partreg_error err;
    if (partreg_mpi_comm_create(MPI_COMM_WORLD, &comm, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        MPI_Finalize();
        return EXIT_INPUT;
    }
    o.spec.fit.comm = comm;
    partreg_analysis *a = NULL;
    partreg_status st = partreg_analysis_run(o.data, &o.spec, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        status = st == PARTREG_EINVAL ? EXIT_USAGE : EXIT_INPUT;
    } else {
        partreg_error werr;
        if (rank == 0 && partreg_analysis_write(a, stdout, o.format, o.timing, &werr) != PARTREG_OK) {
            cli_error(NULL, &werr);
            st = werr.status;
        }
        fflush(stdout);
        if (st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION)
            cli_error(NULL, &err);
        status = st == PARTREG_OK ? 0
                 : st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION ? EXIT_FIT
                                                                           : EXIT_INPUT;
    }
    partreg_analysis_free(a);
    partreg_comm_free(comm);
    cli_options_free(&o);
    /* every process ends with process 0's status (a failed write is its) */
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
