/* fit_mpi: a program that already runs under MPI fits one model over the
 * rows its processes hold.
 *
 * Every process holds a share of the rows (here: process q of P holds the
 * q-th of P consecutive blocks of 30 residents) and passes only its share
 * to partreg_fit_create, with a communicator from libpartreg_mpi in
 * options.comm. Every process gets the same fit, the same bits as one
 * process given all the rows; the covariances are computed together, and
 * the cluster sums of a community whose residents sit in several shares
 * are added up across them. Process 0 prints the estimates with
 * cluster-robust standard errors, then fits all 30 rows alone and says
 * whether every number agrees to the last bit.
 *
 * Build and run (tests/cli_mpi.sh does, with -np 3):
 *   mpicc -std=c11 fit_mpi.c $(pkg-config --cflags --libs partreg) -lpartreg_mpi -lm
 *   mpirun -np 3 ./a.out */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include <partreg.h>
#include <partreg_inference.h>
#include <partreg_mpi.h>

#define N 30
#define P 4 /* (Intercept), social_capital, insured, age */
#define G 5 /* communities: resident i lives in community i % 5 */

static const char *const names[P] = {"(Intercept)", "social_capital", "insured", "age"};

/* social capital, insured (0/1), age, took part (0/1) */
static const double survey[N][4] = {
    {-1.22, 0, 49, 0}, {0.38, 1, 71, 1},  {0.12, 1, 25, 0},  {-0.43, 0, 58, 0}, {-0.78, 1, 20, 0},
    {-1.14, 1, 76, 1}, {-1.05, 0, 53, 0}, {0.24, 1, 25, 0},  {3.30, 0, 65, 1},  {-0.05, 1, 21, 1},
    {-1.57, 1, 21, 0}, {1.13, 1, 78, 1},  {-0.27, 1, 32, 0}, {-1.01, 1, 41, 1}, {0.48, 0, 20, 1},
    {-0.25, 1, 55, 1}, {1.71, 1, 44, 1},  {-0.16, 1, 37, 0}, {-2.93, 1, 31, 0}, {-1.93, 0, 26, 1},
    {-0.13, 0, 73, 1}, {0.05, 1, 57, 0},  {-0.95, 1, 57, 0}, {1.02, 0, 31, 0},  {0.19, 0, 30, 0},
    {1.36, 1, 80, 1},  {0.27, 1, 52, 0},  {0.15, 0, 36, 0},  {-1.21, 0, 24, 0}, {0.07, 0, 59, 0}};

/* Fit rows [lo, hi) as one share of the processes of comm (NULL: alone),
 * with the cluster covariance. */
static partreg_status fit_rows(size_t lo, size_t hi, const partreg_comm *comm, partreg_fit **fit,
                               partreg_error *err)
{
    double X[N][P], y[N];
    size_t cluster[N];
    for (size_t i = lo; i < hi; i++) {
        X[i - lo][0] = 1.0;
        X[i - lo][1] = survey[i][0];
        X[i - lo][2] = survey[i][1];
        X[i - lo][3] = survey[i][2];
        y[i - lo] = survey[i][3];
        cluster[i - lo] = i % G;
    }
    partreg_data d = {0};
    d.n = hi - lo;
    d.p = P;
    d.X = &X[0][0];
    d.y = y;
    d.n_levels = 2;
    d.column_names = names;
    partreg_fit_options opt = partreg_fit_options_default();
    opt.comm = comm;
    partreg_status s = partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &opt, fit, err);
    if (s == PARTREG_OK)
        s = partreg_fit_set_vcov(*fit, &d, PARTREG_VCOV_CLUSTER, cluster, G, err);
    return s;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1, rc = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    partreg_comm *comm = NULL;
    partreg_fit *fit = NULL, *alone = NULL;
    partreg_error err;
    if (partreg_mpi_comm_create(MPI_COMM_WORLD, &comm, &err) != PARTREG_OK) {
        fprintf(stderr, "fit_mpi: %s\n", err.message);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* this process's share: a block of consecutive rows (rows in process
     * order make the data) */
    size_t lo = (size_t)rank * N / (size_t)size, hi = (size_t)(rank + 1) * N / (size_t)size;
    partreg_status s = fit_rows(lo, hi, comm, &fit, &err);
    if (s != PARTREG_OK) {
        fprintf(stderr, "fit_mpi: process %d: %s\n", rank, err.message);
        goto done;
    }
    rc = 0;
    if (rank == 0) {
        printf("Binary logit of taking part over %d processes, n = %zu, %zu clusters\n", size,
               partreg_fit_n_obs(fit), partreg_fit_vcov_n_clusters(fit));
        if (fit_rows(0, N, NULL, &alone, &err) != PARTREG_OK) {
            fprintf(stderr, "fit_mpi: the fit of all rows alone: %s\n", err.message);
            rc = 1;
            goto done;
        }
        int same = 1;
        for (size_t j = 0; j < P; j++) {
            partreg_estimate e, a;
            if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK ||
                partreg_fit_estimate(alone, j, 0.95, &a, NULL) != PARTREG_OK) {
                fprintf(stderr, "fit_mpi: %s\n", err.message);
                rc = 1;
                goto done;
            }
            printf("%-15s %9.4f %8.4f (cluster SE)\n", names[j], e.estimate, e.std_error);
            same = same && memcmp(&e.estimate, &a.estimate, sizeof(double)) == 0 &&
                   memcmp(&e.std_error, &a.std_error, sizeof(double)) == 0;
        }
        printf("the same bits as one process with all rows: %s\n", same ? "yes" : "no");
        rc = same ? 0 : 1;
    }
done:
    partreg_fit_free(alone);
    partreg_fit_free(fit);
    partreg_comm_free(comm);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
