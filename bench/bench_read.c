/* Time partreg_table_read_csv on a file: best and median wall-clock time of
 * REPEATS reads (clock_gettime(CLOCK_MONOTONIC)), with the table's shape.
 * Usage: bench_read FILE [REPEATS]. Driven by bench/read_csv.sh. */
#define _POSIX_C_SOURCE 200809L
#include "partreg_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reps = argc > 2 ? atoi(argv[2]) : 5, r;
    double t[64];
    partreg_table *tab = NULL;
    partreg_error err;
    if (argc < 2 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: bench_read FILE [REPEATS<=64]\n");
        return 2;
    }
    for (r = 0; r < reps; r++) {
        double t0 = now();
        if (partreg_table_read_csv(argv[1], NULL, &tab, &err) != PARTREG_OK) {
            fprintf(stderr, "bench_read: %s\n", err.message);
            return 1;
        }
        t[r] = now() - t0;
        if (r == reps - 1)
            printf("%zu rows x %zu columns\n", partreg_table_n_rows(tab),
                   partreg_table_n_columns(tab));
        partreg_table_free(tab);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    printf("read_csv: best %.3f s, median %.3f s over %d runs\n", t[0], t[reps / 2], reps);
    return 0;
}
