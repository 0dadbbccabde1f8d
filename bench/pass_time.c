/* Time one accumulation pass (partreg_objective_eval) of the binary or
 * ordinal logit objective: the per-row kernel of lib/models/binary.c and
 * ordinal.c, without the solver around it.
 *
 * Usage: pass_time FILE.f64 N P binary|ordinal [THREADS] [REPS] [ORDER]
 * Reads a gen_data .f64 file as bench/fit_time.c does (binary: intercept
 * then x1..xP; ordinal: x1..xP, 5 levels), fits on the first min(N, 10^5)
 * rows to get a realistic theta, then times REPS passes at that theta for
 * each order (or only ORDER: 0 value, 1 gradient, 2 Hessian) and prints the
 * median and minimum milliseconds per pass and the log-likelihood (ORDER 3:
 * the column-screening pass of collinear.c instead). With
 * REPS = 1 and THREADS = 1 it is the callgrind subject (one pass per order).
 * Links to lib/ internals: build with -I lib -I include against
 * libpartreg.a, OpenBLAS ahead of GSL (see bench/run.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "partreg.h"

#include "core/cpu.h"
#include "models/binary.h"
#include "models/collinear.h"
#include "models/objective.h"
#include "models/ordinal.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the timed call, a separate function so callgrind can collect it alone
 * (--toggle-collect=one_pass) */
__attribute__((noinline)) static void one_pass(const partreg_objective *obj, const double *theta,
                                               int order, int threads, partreg_accum *acc)
{
    partreg_objective_eval(obj, theta, (partreg_order)order, threads, 0, acc);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: pass_time FILE.f64 N P binary|ordinal [THREADS] [REPS] [ORDER]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), p = strtoull(argv[3], NULL, 10);
    int ordinal = strcmp(argv[4], "ordinal") == 0;
    int threads = argc > 5 ? atoi(argv[5]) : 1;
    int reps = argc > 6 ? atoi(argv[6]) : 11;
    int only = argc > 7 ? atoi(argv[7]) : -1;
    size_t k = p + (ordinal ? 0 : 1);
    FILE *f = fopen(argv[1], "rb");
    double *X = malloc(n * k * sizeof *X), *y = malloc(n * sizeof *y);
    double *buf = malloc(n * sizeof *buf);
    if (!f || !X || !y || !buf) {
        fprintf(stderr, "pass_time: cannot open %s or allocate\n", argv[1]);
        return 1;
    }
    for (size_t c = 0; c < p + 2; c++) { /* column 0 = yb, 1 = yo, 2.. = x */
        if (fread(buf, sizeof *buf, n, f) != n) {
            fprintf(stderr, "pass_time: short read\n");
            return 1;
        }
        if (c == (size_t)(ordinal ? 1 : 0))
            memcpy(y, buf, n * sizeof *buf);
        else if (c >= 2)
            for (size_t i = 0; i < n; i++)
                X[i * k + (c - 2) + (ordinal ? 0 : 1)] = buf[i];
    }
    fclose(f);
    free(buf);
    if (!ordinal)
        for (size_t i = 0; i < n; i++)
            X[i * k] = 1.0;

    size_t J = ordinal ? 5 : 2, nfit = n < 100000 ? n : 100000;
    partreg_data data = {nfit, k, X, k, y, NULL, J, NULL, NULL};
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = 1;
    partreg_fit *fit = NULL;
    if (partreg_fit_create(&data, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY, PARTREG_LOGIT, &opt,
                           &fit, NULL) != PARTREG_OK) {
        fprintf(stderr, "pass_time: start fit failed\n");
        return 1;
    }
    size_t kt = k + (ordinal ? J - 1 : 0);
    double *theta = malloc(kt * sizeof *theta);
    const gsl_vector *b = partreg_fit_coef(fit);
    for (size_t j = 0; j < k; j++)
        theta[j] = gsl_vector_get(b, j);
    if (ordinal)
        for (size_t j = 0; j + 1 < J; j++)
            theta[k + j] = gsl_vector_get(partreg_fit_thresholds(fit), j);
    partreg_fit_free(fit);

    /* the route a fit would run here (core/cpu.h) */
    partreg_kernel route = PARTREG_KERNEL_SCALAR;
    partreg_cpu_route(PARTREG_KERNEL_AUTO, partreg_cpu_isa(), &route, NULL);
    partreg_design d = {n, k, k, X, y, NULL, NULL, k, J, PARTREG_LOGIT, NULL, route, 0};
    partreg_objective obj;
    if (ordinal)
        partreg_ordinal_objective(&d, &obj);
    else
        partreg_binary_objective(&d, &obj);
    /* threads as a fit has them: one team for all passes (PASS_TIME_TEAM=0:
     * threads started per pass instead) */
    const char *use_team = getenv("PASS_TIME_TEAM");
    partreg_team *team = use_team && strcmp(use_team, "0") == 0
                             ? NULL
                             : partreg_team_start(partreg_team_threads(NULL, threads, n, PARTREG_TEAM_MIN_ROWS));
    obj.team = team;
    partreg_accum *acc = partreg_accum_alloc(obj.k);
    double *t = malloc((size_t)reps * sizeof *t);
    if (!acc || !t)
        return 1;
    static const char *names[] = {"value", "gradient", "hessian"};
    for (int o = 0; o <= 2; o++) {
        if (only >= 0 && o != only)
            continue;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            one_pass(&obj, theta, o, threads, acc);
            t[r] = now() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        double isum = 0.0;
        for (size_t j = 0; j < obj.k * obj.k; j++)
            isum += acc->info[j];
        printf("%s %s n=%zu k=%zu threads=%d median_ms=%.4g min_ms=%.4g loglik=%.15g "
               "grad0=%.15g info_sum=%.15g\n",
               argv[4], names[o], n, obj.k, threads, 1e3 * t[reps / 2], 1e3 * t[0], acc->loglik,
               acc->grad[0], isum);
    }
    if (only == 3) { /* the column-screening pass (collinear.c) */
        unsigned char *why = calloc(k, 1);
        size_t *kept = malloc(k * sizeof *kept), pk = 0, icol = 0;
        int has_int = 0;
        double ival = 0.0;
        partreg_data all = {n, k, X, k, y, NULL, J, NULL, NULL};
        for (int r = 0; why && kept && r < reps; r++) {
            double t0 = now();
            partreg_screen_columns(&all, ordinal, 1e-7, threads, team, partreg_route_isa(route),
                                   why, kept, &pk, &has_int, &icol, &ival, NULL);
            t[r] = now() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        printf("%s screen n=%zu p=%zu threads=%d median_ms=%.4g min_ms=%.4g kept=%zu\n", argv[4],
               n, k, threads, 1e3 * t[reps / 2], 1e3 * t[0], pk);
        free(why);
        free(kept);
    }
    free(t);
    free(theta);
    partreg_accum_free(acc);
    partreg_team_stop(team);
    free(X);
    free(y);
    return 0;
}
