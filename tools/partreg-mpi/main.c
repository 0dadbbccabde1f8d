/* partreg-mpi: `partreg fit` over the processes of an MPI run.
 *
 *     mpirun -np N partreg-mpi fit DATA.csv --formula "Y ~ x + z" [options]
 *     mpirun -np N partreg-mpi fit --rank-files "part_*.csv" --formula ...
 *
 * Every process reads its share of the CSV file (the records that start
 * in its N-th of the file's bytes), or with --rank-files its own file (the
 * N files the pattern matches, in order: process i reads the i-th), the
 * shares' sums are merged in a fixed order, and process 0 writes the
 * report: the same output, bit for bit, as `partreg fit` on the file (on
 * the files one after another) (docs/scaling.md). The options are
 * `partreg fit`'s; what needs every row in memory (margins, the Brant
 * test, the HTML report) is refused with a reason. */
#include <fcntl.h>
#include <glob.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
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
    "       mpirun -np N partreg-mpi fit --rank-files \"PATTERN\" --formula \"Y ~ TERMS\" "
    "[options]\n"
    "\n"
    "`partreg fit` over N processes: each reads its share of the CSV file, and\n"
    "process 0 writes the report (the same as `partreg fit` gives). The options are\n"
    "those of `partreg fit --help`; --memory applies to each process's share.\n"
    "--rank-files reads a CSV file per process: the N files that PATTERN matches\n"
    "(quoted: partreg-mpi expands it, in byte order of the names; \"{a,b,c}.csv\"\n"
    "gives an order), process i the i-th, their rows one after another; each file\n"
    "has the same header line.\n";

/* The files of --rank-files PATTERN (glob(3): in byte order of the names,
 * braces in their own order), expanded by process 0 and sent to every
 * process: *names (malloc'ed) holds them all, *mine this process's. 0, or
 * an exit status after process 0's message, the same on every process. */
static int rank_files(const char *pattern, int rank, int size, char **names, const char **mine)
{
    *names = NULL;
    *mine = NULL;
    long long head[2] = {0, 0}; /* files (-1: out of memory), bytes of their names */
    if (rank == 0) {
        glob_t g;
        int rc = glob(pattern, GLOB_BRACE, NULL, &g);
        for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
            head[1] += (long long)strlen(g.gl_pathv[i]) + 1;
        head[0] = rc == 0 ? (long long)g.gl_pathc : rc == GLOB_NOMATCH ? 0 : -1;
        if (rc == 0 && (head[1] > INT_MAX || !(*names = malloc((size_t)head[1]))))
            head[0] = -1;
        for (size_t i = 0, at = 0; *names && i < g.gl_pathc; i++) {
            size_t len = strlen(g.gl_pathv[i]) + 1;
            memcpy(*names + at, g.gl_pathv[i], len);
            at += len;
        }
        if (rc == 0)
            globfree(&g);
    }
    MPI_Bcast(head, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (head[0] != size) { /* process 0 says so: it has the names */
        if (rank == 0 && head[0] < 0)
            fprintf(stderr, "partreg-mpi: --rank-files '%s': out of memory listing the files\n",
                    pattern);
        else if (rank == 0 && head[0] == 0)
            fprintf(stderr, "partreg-mpi: --rank-files '%s' matches no file; check the pattern "
                            "(quote it, so that partreg-mpi expands it)\n",
                    pattern);
        else if (rank == 0) { /* the files, for the one missing from a list */
            fprintf(stderr, "partreg-mpi: --rank-files '%s' matches %lld file%s (", pattern,
                    head[0], head[0] == 1 ? "" : "s");
            const char *at = *names;
            for (long long i = 0; i < head[0] && i < 4; i++, at += strlen(at) + 1)
                fprintf(stderr, "%s%s", i ? ", " : "", at);
            fprintf(stderr, "%s) and the run has %d processes; give one file per process "
                            "(mpirun -np %lld)\n",
                    head[0] > 4 ? ", ..." : "", size, head[0]);
        }
        free(*names);
        *names = NULL;
        return head[0] <= 0 ? EXIT_INPUT : EXIT_USAGE;
    }
    if (rank != 0)
        *names = malloc((size_t)head[1]);
    int bad = *names == NULL, any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        fprintf(stderr, "partreg-mpi: out of memory\n");
        free(*names);
        *names = NULL;
        return EXIT_INPUT;
    }
    MPI_Bcast(*names, (int)head[1], MPI_CHAR, 0, MPI_COMM_WORLD);
    *mine = *names;
    for (int q = 0; q < rank; q++)
        *mine += strlen(*mine) + 1;
    return 0;
}

int main(int argc, char **argv)
{
    int provided = 0, rank = 0, size = 1;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "partreg-mpi: MPI could not be initialised\n");
        return EXIT_INPUT;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
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
    /* --rank-files PATTERN is partreg-mpi's own, taken out of the
     * arguments: this process's file is then the data file */
    char **args = argv + 2, *pattern = NULL, *names = NULL;
    const char *mine = NULL;
    int n_args = 0, rc = 0;
    for (int i = 2; !rc && i < argc; i++) {
        if (strcmp(argv[i], "--rank-files") != 0) {
            args[n_args++] = argv[i];
        } else if (i + 1 == argc || pattern) {
            fprintf(stderr, "partreg-mpi: --rank-files %s\n",
                    pattern ? "given more than once"
                            : "needs a value: a pattern, e.g. \"part_*.csv\"");
            rc = EXIT_USAGE;
        } else {
            pattern = argv[++i];
        }
    }
    if (!rc && pattern) /* in the place of this process's file, for the parse */
        args[n_args++] = pattern;
    cli_options o;
    if (!rc) {
        rc = cli_parse(n_args, args, &o, 1, "fit");
        if (!rc)
            rc = cli_check_scope(&o, "fit"); /* partreg fit's refusals, word for word */
        if (!rc)
            rc = cli_check_csv(&o, "fit");
        if (rc == 1) /* --help */
            rc = -1;
        else if (rc)
            rc = EXIT_USAGE;
        else if (o.n_data > 1) {
            fputs(pattern ? "partreg-mpi: --rank-files reads one file per process; give no other "
                            "data file (quote the pattern, --rank-files \"part_*.csv\", so that "
                            "the shell does not expand it)\n"
                          : "partreg-mpi: give one data file (imputations in several files are "
                            "not read in shares; --rank-files reads a file per process)\n",
                  stderr);
            rc = EXIT_USAGE;
        }
        if (!rc && pattern && (rc = rank_files(pattern, rank, size, &names, &mine)) == 0)
            o.data = o.datas[0] = mine;
        if (rc)
            cli_options_free(&o);
    }
    if (rc) {
        free(names);
        MPI_Finalize();
        return rc < 0 ? 0 : rc;
    }
    o.spec.file_per_process = pattern != NULL;
    partreg_comm *comm = NULL;
    partreg_error err;
    if (partreg_mpi_comm_create(MPI_COMM_WORLD, &comm, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        free(names);
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
    free(names);
    /* every process ends with process 0's status (a failed write is its) */
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
