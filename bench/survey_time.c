/* In-process timing of a survey-design fit for bench/survey.sh: load a
 * gen_survey .f64 file, build the design (sampling weights, strata, PSUs)
 * and time partreg_fit_create_survey's two parts: the weighted fit
 * (partreg_fit_create_spec) and the design variance
 * (partreg_fit_set_survey, Taylor linearisation).
 *
 * Usage: survey_time FILE.f64 N P binary|ordinal [THREADS]
 * Prints "fit_s=... variance_s=... total_s=... fit_passes=...
 * variance_passes=... df=... cpu_s=..." (cpu_s: the process's CPU time,
 * all threads, over fit and variance: on a loaded machine it moves far
 * less than the wall times) and a "coef" line and an "se" line (binary:
 * intercept, x1..xP; ordinal: x1..xP then the thresholds). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/fit_counters.h" /* partreg_fit_data_passes: lib/, not the API */
#include "partreg.h"
#include "partreg_survey.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: survey_time FILE.f64 N P binary|ordinal [THREADS]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), p = strtoull(argv[3], NULL, 10);
    int ordinal = strcmp(argv[4], "ordinal") == 0;
    int threads = argc > 5 ? atoi(argv[5]) : 0;
    size_t ncol = 5 + p, k = p + (ordinal ? 0 : 1);
    double *v = malloc(n * ncol * sizeof *v), *X = malloc(n * k * sizeof *X);
    size_t *h = malloc(n * sizeof *h), *g = malloc(n * sizeof *g);
    FILE *f = fopen(argv[1], "rb");
    if (!v || !X || !h || !g || !f || fread(v, sizeof *v, n * ncol, f) != n * ncol) {
        fprintf(stderr, "survey_time: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    size_t H = 0, C = 0;
    for (size_t i = 0; i < n; i++) {
        h[i] = (size_t)v[i] - 1;
        g[i] = (size_t)v[n + i] - 1;
        H = h[i] + 1 > H ? h[i] + 1 : H;
        C = g[i] + 1 > C ? g[i] + 1 : C;
        double *x = X + i * k;
        size_t c = 0;
        if (!ordinal)
            x[c++] = 1.0;
        for (size_t j = 0; j < p; j++)
            x[c++] = v[(5 + j) * n + i];
    }
    double *y = v + (ordinal ? 4 : 3) * n, *w = v + 2 * n;
    partreg_error err;
    partreg_survey *s = NULL;
    if (partreg_survey_create(n, w, &s, &err) || partreg_survey_set_strata(s, h, H, NULL, &err) ||
        partreg_survey_set_psu(s, g, C, &err)) {
        fprintf(stderr, "survey_time: %s\n", err.message);
        return 1;
    }
    partreg_model_spec *spec = NULL;
    partreg_model_spec_create(ordinal ? PARTREG_ORDINAL : PARTREG_BINARY, PARTREG_LOGIT, &spec,
                              NULL);
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = threads;
    partreg_data d = {n, k, X, 0, y, partreg_survey_fit_weights(s), ordinal ? 5 : 2, NULL, NULL};
    double c0 = cpu(), t0 = now();
    partreg_fit *fit = NULL;
    if (partreg_fit_create_spec(&d, spec, &opt, &fit, &err) != PARTREG_OK) {
        fprintf(stderr, "survey_time: %s\n", err.message);
        return 1;
    }
    double t1 = now();
    if (partreg_fit_set_survey(fit, &d, s, &err) != PARTREG_OK) {
        fprintf(stderr, "survey_time: %s\n", err.message);
        return 1;
    }
    double t2 = now(), c2 = cpu();
    partreg_survey_info info;
    partreg_fit_survey_info(fit, &info);
    printf("fit_s=%.6f variance_s=%.6f total_s=%.6f fit_passes=%.3f variance_passes=%g df=%g "
           "cpu_s=%.6f\n",
           t1 - t0, t2 - t1, t2 - t0, partreg_fit_data_passes(fit), info.data_passes, info.df,
           c2 - c0);
    size_t K = partreg_fit_n_parameters(fit);
    printf("coef");
    for (size_t j = 0; j < K; j++)
        printf(" %.12g", gsl_vector_get(partreg_fit_parameters(fit), j));
    printf("\nse");
    for (size_t j = 0; j < K; j++) {
        partreg_estimate e;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        printf(" %.12g", e.std_error);
    }
    printf("\n");
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
    partreg_survey_free(s);
    free(v);
    free(X);
    free(h);
    free(g);
    return 0;
}
