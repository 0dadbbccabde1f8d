/* Time partreg_table_read on a file (CSV, .sav or .dta by its extension):
 * best and median wall-clock time of REPEATS reads (CLOCK_MONOTONIC) and
 * the best CPU time of the process
 * (CLOCK_PROCESS_CPUTIME_ID, user + system: the figure to trust when the
 * machine is shared), with the table's shape.
 * THREADS sets partreg_read_options.threads (0, the default: all cores).
 * Usage: bench_read FILE [REPEATS [THREADS]]. Driven by bench/read_csv.sh. */
#define _POSIX_C_SOURCE 200809L
#include "partreg_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
    return now_clock(CLOCK_MONOTONIC);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reps = argc > 2 ? atoi(argv[2]) : 5, r;
    partreg_read_options opt = partreg_read_options_default();
    double t[64], cpu_best = 1e300;
    partreg_table *tab = NULL;
    partreg_error err;
    if (argc < 2 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: bench_read FILE [REPEATS<=64 [THREADS]]\n");
        return 2;
    }
    opt.threads = argc > 3 ? atoi(argv[3]) : 0;
    for (r = 0; r < reps; r++) {
        double t0 = now(), c0 = now_clock(CLOCK_PROCESS_CPUTIME_ID), c1;
        if (partreg_table_read(argv[1], &opt, &tab, &err) != PARTREG_OK) {
            fprintf(stderr, "bench_read: %s\n", err.message);
            return 1;
        }
        t[r] = now() - t0;
        c1 = now_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (c1 < cpu_best)
            cpu_best = c1;
        if (r == reps - 1)
            printf("%zu rows x %zu columns\n", partreg_table_n_rows(tab),
                   partreg_table_n_columns(tab));
        partreg_table_free(tab);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    printf("partreg: wall best %.4f s, median %.4f s; CPU best %.4f s; over %d runs, "
           "threads %d\n",
           t[0], t[reps / 2], cpu_best, reps, opt.threads);
    return 0;
}
