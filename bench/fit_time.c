/* In-process fit timing for bench/run.sh: load a gen_data .f64 file into a
 * row-major design (binary: intercept column then x1..xP; ordinal: x1..xP)
 * and time partreg_fit_create alone.
 *
 * Usage: fit_time FILE.f64 N P binary|ordinal|nominal [THREADS] [REPS] [BLOCK_ROWS]
 * nominal: the ordinal model with x1 and x2 nominal (cut-specific slopes:
 * partial proportional odds).
 * THREADS: options.threads (-1 = library default). Prints one line of
 * key=value pairs per repetition (fit seconds, iterations, loglik), then the
 * estimates of the last one ("coef" line), then peak RSS in KiB before and
 * after fitting. The file is read column by column in 1 MiB chunks and
 * scattered into X, so the process holds the design and the outcome only.
 * Before the timed fit the CPU is kept busy for 0.3 s (warm_up_cpu).
 * With FIT_TIME_WORKERS=1 in the environment the fits share worker
 * threads started once (partreg_workers), as a program fitting many
 * models would; the start is not timed. FIT_TIME_KERNEL=reference, scalar,
 * avx2 or avx512 forces that kernel route (partreg_fit_options.kernel). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "models/fit_counters.h" /* partreg_fit_data_passes: lib/, not the API */
#include "partreg.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keep the CPU busy for a moment before the timed fit. After the I/O of
 * loading the data a core of this (virtual) machine runs at a lower clock
 * for the first tens of milliseconds of compute: a 10^5-row ordinal fit
 * measured 22.6 ms median in a fresh process against 15.5 ms after 0.3 s
 * of spinning (ten processes each), the same as a fit repeated in one
 * process. The peers' fits come after their interpreter's start-up and
 * data handling (R, Python: well over 0.3 s of CPU), so they already run
 * warm. */
static void warm_up_cpu(double seconds)
{
    double t0 = now();
    volatile double z = 0.0;
    while (now() - t0 < seconds)
        z = z + 1.0;
}

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: fit_time FILE.f64 N P binary|ordinal|nominal [THREADS] [REPS] [BLOCK]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), p = strtoull(argv[3], NULL, 10);
    int nominal = strcmp(argv[4], "nominal") == 0;
    int ordinal = nominal || strcmp(argv[4], "ordinal") == 0;
    int threads = argc > 5 ? atoi(argv[5]) : -1;
    int reps = argc > 6 ? atoi(argv[6]) : 1;
    size_t block = argc > 7 ? strtoull(argv[7], NULL, 10) : 0;
    size_t k = p + (ordinal ? 0 : 1);
    FILE *f = fopen(argv[1], "rb");
    double *X = malloc(n * k * sizeof *X), *y = malloc(n * sizeof *y);
    size_t chunk = 131072;
    double *buf = malloc(chunk * sizeof *buf);
    if (!f || !X || !y || !buf) {
        fprintf(stderr, "fit_time: cannot open %s or allocate\n", argv[1]);
        return 1;
    }
    /* column 0 = yb, 1 = yo, 2.. = x */
    for (size_t c = 0; c < p + 2; c++) {
        for (size_t i0 = 0; i0 < n; i0 += chunk) {
            size_t m = n - i0 < chunk ? n - i0 : chunk;
            if (fread(buf, sizeof *buf, m, f) != m) {
                fprintf(stderr, "fit_time: short read\n");
                return 1;
            }
            if (c == (size_t)(ordinal ? 1 : 0))
                memcpy(y + i0, buf, m * sizeof *buf);
            else if (c >= 2)
                for (size_t i = 0; i < m; i++)
                    X[(i0 + i) * k + (c - 2) + (ordinal ? 0 : 1)] = buf[i];
        }
    }
    fclose(f);
    free(buf);
    if (!ordinal)
        for (size_t i = 0; i < n; i++)
            X[i * k] = 1.0;
    partreg_data d = {n, k, X, k, y, NULL, ordinal ? 5 : 2, NULL, NULL};
    partreg_fit_options opt = partreg_fit_options_default();
    if (threads >= 0)
        opt.threads = threads;
    opt.block_rows = block;
    static const char *const routes[] = {"auto", "reference", "scalar", "avx2", "avx512"};
    const char *route = getenv("FIT_TIME_KERNEL");
    for (int r = 0; route && r < 5; r++)
        if (strcmp(route, routes[r]) == 0)
            opt.kernel = (partreg_kernel)r;
    const char *shared = getenv("FIT_TIME_WORKERS");
    if (shared && strcmp(shared, "1") == 0 &&
        partreg_workers_create(opt.threads, &opt.workers, NULL) != PARTREG_OK) {
        fprintf(stderr, "fit_time: could not start the workers\n");
        return 1;
    }
    partreg_model_spec *spec = NULL;
    size_t nominal_cols[2] = {0, 1};
    if (partreg_model_spec_create(ordinal ? PARTREG_ORDINAL : PARTREG_BINARY, PARTREG_LOGIT,
                                  &spec, NULL) != PARTREG_OK ||
        (nominal && partreg_model_spec_set_nominal(spec, 2, nominal_cols, NULL) != PARTREG_OK)) {
        fprintf(stderr, "fit_time: could not make the model specification\n");
        return 1;
    }
    warm_up_cpu(0.3);
    long rss0 = maxrss_kib();
    partreg_fit *fit = NULL;
    for (int r = 0; r < reps; r++) {
        partreg_fit_free(fit);
        fit = NULL;
        partreg_error err;
        double t0 = now();
        partreg_status st = partreg_fit_create_spec(&d, spec, &opt, &fit, &err);
        double t1 = now();
        if (st != PARTREG_OK) {
            fprintf(stderr, "fit_time: fit failed: %s\n", err.message);
            return 1;
        }
        printf("fit_s=%.6f iterations=%d passes=%.3f loglik=%.10f\n", t1 - t0,
               partreg_fit_iterations(fit), partreg_fit_data_passes(fit), partreg_fit_loglik(fit));
    }
    printf("coef");
    const gsl_vector *b = partreg_fit_coef(fit);
    for (size_t j = 0; j < b->size; j++)
        printf(" %.12g", gsl_vector_get(b, j));
    if (ordinal) {
        const gsl_vector *t = partreg_fit_thresholds(fit);
        for (size_t j = 0; j < t->size; j++)
            printf(" %.12g", gsl_vector_get(t, j));
    }
    /* cut-specific slopes (nominal): every cut of x1, then of x2 */
    for (size_t c = 0; nominal && c < 2; c++)
        for (size_t j = 0; j < partreg_fit_n_parameters(fit); j++)
            if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_CUT_COEFFICIENT &&
                partreg_fit_param_column(fit, j) == c)
                printf(" %.12g", gsl_vector_get(partreg_fit_parameters(fit), j));
    printf("\nrss_kib_before_fit=%ld rss_kib_peak=%ld design_bytes=%zu\n", rss0, maxrss_kib(),
           n * k * sizeof(double));
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
    partreg_workers_free(opt.workers);
    free(X);
    free(y);
    return 0;
}
