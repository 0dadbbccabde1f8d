/* small_time: what the small-sample tools cost (bench/small_samples.sh
 * runs it and writes its section of bench/results.md).
 *
 * 1. CR2 against CR1 on n rows of a binary logit with p columns in G
 *    clusters (default 10^6, 10, 40), the rows grouped by cluster and in
 *    random cluster order: wall and CPU time of partreg_fit_set_vcov for
 *    each (median of REPS), and the time of one pass of the fit (the
 *    median fit's time over its data passes), so the difference reads as
 *    passes.
 * 2. Pooling: m completed data sets of n_mi rows (default 10 of 20,000),
 *    each analysed alone on one thread (the sum of their times), against
 *    partreg_analysis_run_imputations on one thread (the difference is
 *    what pooling adds) and on THREADS threads.
 *
 * Usage: small_time [n [p [G [m [n_mi [REPS [THREADS]]]]]]]. Prints
 * markdown. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <partreg.h>
#include <partreg_analysis.h>
#include <partreg_table.h>

#include "models/fit_counters.h" /* partreg_fit_data_passes: lib/, not the API */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of the process (all its threads): what a pass costs on a
 * machine shared with other work, where wall time mostly measures the
 * wait for a core. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static unsigned long long st = 88172645463325252ULL;
static double unif(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return ((double)(st >> 11) + 0.5) * 0x1.0p-53;
}
static double gauss(void)
{
    return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* CR2 against CR1 on one layout of the rows: grouped (each cluster's rows
 * together, as a survey file sorted by community) or in random cluster
 * order; the passes are those of this layout's fit. Prints table rows;
 * returns 0, or -1 when a fit fails. */
static int cr_layout(size_t n, size_t p, size_t G, int reps, int threads, int grouped)
{
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    size_t *cl = malloc(n * sizeof *cl);
    double *u = malloc(G * sizeof *u);
    for (size_t g = 0; g < G; g++)
        u[g] = 0.5 * gauss();
    for (size_t i = 0; i < n; i++) {
        double eta = -0.3;
        X[i * p] = 1.0;
        for (size_t j = 1; j < p; j++) {
            X[i * p + j] = gauss();
            eta += 0.1 * X[i * p + j];
        }
        double draw = unif();
        cl[i] = grouped ? i * G / n : (size_t)(draw * (double)G);
        y[i] = unif() < 1.0 / (1.0 + exp(-(eta + u[cl[i]])));
    }
    partreg_data d = {n, p, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    partreg_fit *fit = NULL;
    double tf[99], cf[99];
    for (int r = 0; r < reps; r++) { /* the fit's time a pass, median of reps fits */
        partreg_fit *f2 = NULL;
        double t0 = now(), u0 = cpu_now();
        if (partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &o, &f2, NULL) != PARTREG_OK)
            return -1;
        tf[r] = now() - t0;
        cf[r] = cpu_now() - u0;
        if (r + 1 < reps)
            partreg_fit_free(f2);
        else
            fit = f2;
    }
    double passes = partreg_fit_data_passes(fit);
    double t_fit = median(tf, reps), u_fit = median(cf, reps);
    double pass = t_fit / passes, upass = u_fit / passes;
    double t1[99], t2[99], u1[99], u2[99];
    for (int r = 0; r < reps; r++) {
        double t0 = now(), u0 = cpu_now();
        partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, G, NULL);
        t1[r] = now() - t0;
        u1[r] = cpu_now() - u0;
        t0 = now();
        u0 = cpu_now();
        partreg_error err;
        if (partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CR2, cl, G, &err) != PARTREG_OK) {
            fprintf(stderr, "CR2: %s\n", err.message);
            return -1;
        }
        t2[r] = now() - t0;
        u2[r] = cpu_now() - u0;
    }
    double c1 = median(t1, reps), c2 = median(t2, reps);
    double v1 = median(u1, reps), v2 = median(u2, reps);
    const char *layout = grouped ? "rows grouped by cluster" : "rows in random cluster order";
    printf("| %s: fit | %.3f s | %.1f | %.3f s | %.1f |\n", layout, t_fit, passes, u_fit, passes);
    printf("| %s: CR1 covariance | %.3f s | %.1f | %.3f s | %.1f |\n", layout, c1, c1 / pass, v1,
           v1 / upass);
    printf("| %s: CR2 covariance and Satterthwaite df | %.3f s | %.1f | %.3f s | %.1f |\n",
           layout, c2, c2 / pass, v2, v2 / upass);
    printf("| %s: CR2 - CR1 | %.3f s | %.1f | %.3f s | %.1f |\n", layout, c2 - c1,
           (c2 - c1) / pass, v2 - v1, (v2 - v1) / upass);
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(cl);
    free(u);

    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t p = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
    size_t G = argc > 3 ? strtoul(argv[3], NULL, 10) : 40;
    size_t m = argc > 4 ? strtoul(argv[4], NULL, 10) : 10;
    size_t nmi = argc > 5 ? strtoul(argv[5], NULL, 10) : 20000;
    int reps = argc > 6 ? atoi(argv[6]) : 3;
    int threads = argc > 7 ? atoi(argv[7]) : 2;
    if (reps < 1 || reps > 99 || p < 2 || G < 2 || m < 2)
        return 2;

    /* ---- 1. CR2 against CR1 ---- */
    printf("### CR2 against CR1 (binary logit, n = %zu, p = %zu, %zu clusters, %d threads; "
           "median of %d)\n\n",
           n, p, G, threads, reps);
    printf("| | wall | in passes of the fit | CPU | in passes of the fit (CPU) |\n"
           "| --- | --- | --- | --- | --- |\n");
    if (cr_layout(n, p, G, reps, threads, 1) != 0 || cr_layout(n, p, G, reps, threads, 0) != 0)
        return 1;
    printf("\n");

    /* ---- 2. pooling ---- */
    partreg_table **tabs = malloc(m * sizeof *tabs);
    size_t cap = nmi * 80 + 64;
    char *buf = malloc(cap);
    partreg_read_options ro = partreg_read_options_default();
    ro.threads = 1;
    for (size_t t = 0; t < m; t++) {
        size_t len = (size_t)snprintf(buf, cap, "y,x1,x2,x3,g\n");
        for (size_t i = 0; i < nmi; i++) {
            double x1 = gauss(), x2 = gauss(), x3 = gauss();
            int yy = unif() < 1.0 / (1.0 + exp(-(0.2 + 0.5 * x1 - 0.3 * x2 + 0.1 * x3)));
            len += (size_t)snprintf(buf + len, cap - len, "%d,%.6f,%.6f,%.6f,%c\n", yy, x1, x2, x3,
                                    "abc"[i % 3]);
        }
        partreg_table_read_csv_buffer(buf, len, "imp", &ro, &tabs[t], NULL);
    }
    free(buf);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x1 + x2 + x3 + g";
    s.margins = 1;
    s.fit.threads = 1;
    double ts[99], tp1[99], tpn[99];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (size_t t = 0; t < m; t++) {
            partreg_analysis *a = NULL;
            partreg_analysis_run_table(tabs[t], &s, &a, NULL);
            partreg_analysis_free(a);
        }
        ts[r] = now() - t0;
        partreg_analysis *a = NULL;
        s.fit.threads = 1;
        t0 = now();
        partreg_analysis_run_imputations((const partreg_table *const *)tabs, m, &s, &a, NULL);
        tp1[r] = now() - t0;
        partreg_analysis_free(a);
        s.fit.threads = threads;
        t0 = now();
        partreg_analysis_run_imputations((const partreg_table *const *)tabs, m, &s, &a, NULL);
        tpn[r] = now() - t0;
        partreg_analysis_free(a);
        s.fit.threads = 1;
    }
    double a_s = median(ts, reps), a_1 = median(tp1, reps), a_n = median(tpn, reps);
    printf("### Pooling %zu imputations of %zu rows (logit, 6 parameters, with margins; median "
           "of %d)\n\n",
           m, nmi, reps);
    printf("| | wall |\n| --- | --- |\n");
    printf("| %zu analyses one after another, one thread | %.3f s |\n", m, a_s);
    printf("| pooled, one thread | %.3f s (pooling adds %+.1f%%) |\n", a_1,
           100.0 * (a_1 - a_s) / a_s);
    printf("| pooled, %d threads across imputations | %.3f s (%.2fx) |\n\n", threads, a_n,
           a_s / a_n);
    for (size_t t = 0; t < m; t++)
        partreg_table_free(tabs[t]);
    free(tabs);
    return 0;
}
