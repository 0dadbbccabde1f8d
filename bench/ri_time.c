/* In-process timing of a random-intercept fit for bench/ri.sh: load a
 * gen_ri .f64 file (yb, yo, community, x1..xP, column-major) into a
 * row-major design (binary: intercept then x1..xP; ordinal: x1..xP) and
 * the community codes, and time partreg_fit_create_spec alone (the
 * specification's groups are set before the clock starts).
 *
 * Usage: ri_time FILE.f64 N G P binary|ordinal NAGQ [THREADS] [REPS]
 * Prints per repetition "fit_s=... iterations=... loglik=... sd=...", then
 * the estimates of the last one ("coef" line: coefficients, thresholds,
 * sd), as peer_ri.R prints R's. Before the timed fits the CPU is kept busy
 * for 0.3 s (as fit_time.c). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "partreg.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void warm_up_cpu(double seconds)
{
    double t0 = now();
    volatile double z = 0.0;
    while (now() - t0 < seconds)
        z = z + 1.0;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: ri_time FILE.f64 N G P binary|ordinal NAGQ [THREADS] [REPS]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), G = strtoull(argv[3], NULL, 10);
    size_t p = strtoull(argv[4], NULL, 10);
    int ordinal = strcmp(argv[5], "ordinal") == 0, nagq = atoi(argv[6]);
    int threads = argc > 7 ? atoi(argv[7]) : 0;
    int reps = argc > 8 ? atoi(argv[8]) : 1;
    size_t k = p + (ordinal ? 0 : 1);
    FILE *f = fopen(argv[1], "rb");
    double *col = malloc(n * (p + 3) * sizeof *col), *X = malloc(n * k * sizeof *X);
    double *y = malloc(n * sizeof *y);
    size_t *g = malloc(n * sizeof *g);
    if (!f || !col || !X || !y || !g || fread(col, sizeof *col, n * (p + 3), f) != n * (p + 3)) {
        fprintf(stderr, "ri_time: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        y[i] = col[(ordinal ? 1 : 0) * n + i];
        g[i] = (size_t)col[2 * n + i] - 1;
        double *x = X + i * k;
        size_t c = 0;
        if (!ordinal)
            x[c++] = 1.0;
        for (size_t j = 0; j < p; j++)
            x[c++] = col[(3 + j) * n + i];
    }
    free(col);
    partreg_data d = {n, k, X, 0, y, NULL, ordinal ? 5 : 2, NULL, NULL};
    partreg_model_spec *spec = NULL;
    partreg_error err;
    if (partreg_model_spec_create(ordinal ? PARTREG_ORDINAL : PARTREG_BINARY, PARTREG_LOGIT,
                                  &spec, &err) != PARTREG_OK ||
        partreg_model_spec_set_groups(spec, n, g, G, NULL, "community", &err) != PARTREG_OK ||
        partreg_model_spec_set_nagq(spec, nagq, &err) != PARTREG_OK) {
        fprintf(stderr, "ri_time: %s\n", err.message);
        return 1;
    }
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = threads;
    warm_up_cpu(0.3);
    partreg_fit *fit = NULL;
    for (int r = 0; r < reps; r++) {
        partreg_fit_free(fit);
        fit = NULL;
        double t0 = now();
        partreg_status st = partreg_fit_create_spec(&d, spec, &opt, &fit, &err);
        double t1 = now();
        if (st != PARTREG_OK) {
            fprintf(stderr, "ri_time: %s\n", err.message);
            return 1;
        }
        partreg_random_intercept ri;
        partreg_fit_random_intercept(fit, &ri, NULL);
        printf("fit_s=%.6f iterations=%d loglik=%.10f sd=%.8f\n", t1 - t0,
               partreg_fit_iterations(fit), partreg_fit_loglik(fit), ri.sd);
    }
    const gsl_vector *par = partreg_fit_parameters(fit);
    printf("coef");
    for (size_t j = 0; j + 1 < par->size; j++)
        printf(" %.12g", gsl_vector_get(par, j));
    printf(" %.12g\n", exp(gsl_vector_get(par, par->size - 1)));
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
    free(X);
    free(y);
    free(g);
    return 0;
}
