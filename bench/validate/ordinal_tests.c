/* ordinal_tests: Monte Carlo size of the tests of ordinal models under
 * the null (docs/validation.md, "Tests of ordinal models under the null";
 * bench/validate/run.sh builds and runs this after validate).
 *
 * R replications of the participation-survey simulator (docs/simulator.md)
 * with no community effect (phi = 1, sigma = 0), n residents: the
 * proportional-odds models `willingness ~ PARTREG_SIM_PREDICTORS`
 * (cumulative logit, 5 levels) and `participation_type ~ ...` (cumulative
 * probit, 3 levels) are then correctly specified, with parallel slopes and
 * a constant scale. Each is fitted with the tests of the analysis on
 * (--nominal-test, --scale-test, --parallel-test, --gof, and --brant for the
 * logit), and every test's rejections at the 5% level are counted: per
 * variable (nominal, scale, equal slopes), the parallel-lines omnibus, the
 * ordinal Hosmer-Lemeshow, Lipsitz and Pulkstenis-Robinson (chi-square and
 * deviance) tests, Brant's omnibus.
 *
 * Check: each test's rejection rate is within z_m Monte Carlo SEs
 * (sqrt(0.05 0.95 / R')) of 5%, z_m the Bonferroni z over the tests
 * (family-wise false alarm 1%, at least 3). A test whose statistic is
 * missing in a replication (a refit that separates) is left out of that
 * replication's count, and the count of such replications is printed.
 *
 * Usage: ordinal_tests [R [n [SEED [THREADS]]]] (defaults 1000, 2000,
 * 4000001, online CPUs). Results are accumulated in replication order, so
 * the output does not depend on THREADS. Prints markdown; exit status 0
 * when every check passes, 1 otherwise, 2 on bad arguments. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include <partreg.h>
#include <partreg_analysis.h>
#include <partreg_simulate.h>

#define MAX_TESTS 48
#define LEVEL 0.05

typedef struct model_spec {
    const char *outcome, *label;
    partreg_link link;
    int brant;
} model_spec;

static const model_spec models[] = {
    {"willingness", "willingness (cumulative logit, 5 levels)", PARTREG_LOGIT, 1},
    {"participation_type", "participation_type (cumulative probit, 3 levels)", PARTREG_PROBIT, 0},
};
#define N_MODELS (sizeof models / sizeof models[0])

/* One replication's p-values of one model, tests in a fixed order (names
 * filled by the first replication); NaN: no statistic. */
typedef struct rep_result {
    int ok;
    size_t n;
    double p[MAX_TESTS];
    double df[MAX_TESTS];
} rep_result;

typedef struct study {
    size_t R, n;
    unsigned long seed0;
    rep_result *res; /* R x N_MODELS */
    char names[N_MODELS][MAX_TESTS][64];
    size_t n_tests[N_MODELS];
    pthread_mutex_t lock;
    size_t next;
} study;

static void add(rep_result *x, char (*names)[64], int first, const char *name, double p,
                double df)
{
    if (x->n >= MAX_TESTS)
        return;
    if (first)
        snprintf(names[x->n], 64, "%s", name);
    x->df[x->n] = df;
    x->p[x->n++] = p;
}

static void add_list(rep_result *x, char (*names)[64], int first, const char *what,
                     const partreg_variable_tests *t)
{
    for (size_t i = 0; i < partreg_variable_tests_n_tests(t); i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(t, i);
        char name[64];
        snprintf(name, sizeof name, "%s `%s`", what, e->variable);
        add(x, names, first, name, e->p_value, e->df);
    }
}

static void one_fit(study *st, const partreg_table *t, size_t m, rep_result *out, int first)
{
    char formula[256];
    snprintf(formula, sizeof formula, "%s ~ %s", models[m].outcome, PARTREG_SIM_PREDICTORS);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = formula;
    s.link = models[m].link;
    s.frame.family_auto = 0;
    s.frame.family = PARTREG_ORDINAL;
    s.fit.threads = 1;
    s.wald_tests = 0;
    s.brant = models[m].brant;
    s.nominal_test = s.scale_test = s.parallel_test = s.ordinal_gof = 1;
    partreg_analysis *a = NULL;
    partreg_error err;
    memset(out, 0, sizeof *out);
    if (partreg_analysis_run_table(t, &s, &a, &err) != PARTREG_OK) {
        fprintf(stderr, "ordinal_tests: %s: %s\n", formula, err.message);
        partreg_analysis_free(a);
        return;
    }
    char(*names)[64] = st->names[m];
    add_list(out, names, first, "nominal", partreg_analysis_nominal_test(a));
    add_list(out, names, first, "scale", partreg_analysis_scale_test(a));
    add_list(out, names, first, "equal slopes", partreg_analysis_parallel_test(a));
    partreg_chi2_test om = partreg_variable_tests_omnibus(partreg_analysis_parallel_test(a));
    add(out, names, first, "parallel lines, omnibus", om.p_value, om.df);
    const partreg_ordinal_gof *g = partreg_analysis_ordinal_gof(a);
    add(out, names, first, "ordinal Hosmer-Lemeshow", g->hosmer_lemeshow.p_value,
        g->hosmer_lemeshow.df);
    add(out, names, first, "Lipsitz", g->lipsitz.p_value, g->lipsitz.df);
    add(out, names, first, "Pulkstenis-Robinson chi2", g->pr_chi2.p_value, g->pr_chi2.df);
    add(out, names, first, "Pulkstenis-Robinson deviance", g->pr_deviance.p_value,
        g->pr_deviance.df);
    if (partreg_analysis_brant(a)) {
        partreg_chi2_test b = partreg_brant_omnibus(partreg_analysis_brant(a));
        add(out, names, first, "Brant, omnibus", b.p_value, b.df);
    }
    out->ok = 1;
    partreg_analysis_free(a);
}

static void *worker(void *arg)
{
    study *st = arg;
    partreg_sim_options o = partreg_sim_options_default();
    o.n = st->n;
    o.truth.community_phi = 1.0;
    o.truth.community_sigma = 0.0;
    for (;;) {
        pthread_mutex_lock(&st->lock);
        size_t r = st->next++;
        pthread_mutex_unlock(&st->lock);
        if (r >= st->R)
            break;
        partreg_table *t = NULL;
        partreg_error err;
        o.seed = st->seed0 + r;
        if (partreg_simulate(&o, &t, &err) != PARTREG_OK) {
            fprintf(stderr, "ordinal_tests: simulate seed %lu: %s\n", o.seed, err.message);
            continue;
        }
        for (size_t m = 0; m < N_MODELS; m++)
            one_fit(st, t, m, &st->res[r * N_MODELS + m], r == 0);
        partreg_table_free(t);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000;
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 2000;
    unsigned long S = argc > 3 ? strtoul(argv[3], NULL, 10) : 4000001UL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t T = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : (ncpu > 0 ? (size_t)ncpu : 1);
    if (R < 10 || n < 100 || S < 1 || T < 1 || T > 256) {
        fprintf(stderr, "usage: ordinal_tests [R >= 10 [n >= 100 [seed >= 1 [threads]]]]\n");
        return 2;
    }
    study st;
    memset(&st, 0, sizeof st);
    st.R = R;
    st.n = n;
    st.seed0 = S;
    st.res = calloc(R * N_MODELS, sizeof *st.res);
    if (!st.res || pthread_mutex_init(&st.lock, NULL) != 0)
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* replication 0 first, alone: it names the tests */
    st.next = 0;
    st.R = 1;
    worker(&st);
    st.R = R;
    st.next = 1; /* the first worker took a number past replication 0 on its way out */
    pthread_t th[256];
    size_t started = 0;
    for (size_t i = 0; i < T; i++)
        if (pthread_create(&th[i], NULL, worker, &st) == 0)
            started++;
    if (!started)
        worker(&st);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    size_t n_checks = 0;
    for (size_t m = 0; m < N_MODELS; m++)
        n_checks += st.res[m].n;
    double zm = gsl_cdf_ugaussian_Qinv(0.01 / (2.0 * (double)(n_checks ? n_checks : 1)));
    if (zm < 3.0)
        zm = 3.0;
    printf("### Tests of ordinal models under the null: %zu replications, n = %zu, seeds from "
           "%lu\n\nRejections at the 5%% level, in percent, with the z score of the difference "
           "from 5 in Monte Carlo SEs (%.2f points at R = %zu); checked at |z| <= %.2f "
           "(Bonferroni over %zu tests).\n",
           R, n, S, 100.0 * sqrt(LEVEL * (1 - LEVEL) / (double)R), R, zm, n_checks);
    size_t failures = 0;
    for (size_t m = 0; m < N_MODELS; m++) {
        size_t nt = st.res[m].n;
        printf("\n#### %s\n\n| test | df | rejected at 5%% | z | no statistic |\n"
               "| --- | ---: | ---: | ---: | ---: |\n",
               models[m].label);
        for (size_t k = 0; k < nt; k++) {
            size_t rej = 0, tried = 0, missing = 0;
            double df = NAN;
            for (size_t r = 0; r < R; r++) {
                const rep_result *x = &st.res[r * N_MODELS + m];
                if (!x->ok || x->n != nt) {
                    missing++;
                    continue;
                }
                if (isnan(x->p[k])) {
                    missing++;
                    continue;
                }
                tried++;
                rej += x->p[k] < LEVEL;
                if (isnan(df) || x->df[k] != df)
                    df = isnan(df) ? x->df[k] : -1.0;
            }
            double rate = tried ? (double)rej / (double)tried : NAN;
            double z = (rate - LEVEL) / sqrt(LEVEL * (1 - LEVEL) / (double)(tried ? tried : 1));
            int bad = !(fabs(z) <= zm);
            failures += bad;
            char dfs[32];
            if (df < 0)
                snprintf(dfs, sizeof dfs, "varies");
            else
                snprintf(dfs, sizeof dfs, "%g", df);
            printf("| %s | %s | %.1f%s | %+.2f | %zu |\n", st.names[m][k], dfs, 100.0 * rate,
                   bad ? " **(fails)**" : "", z, missing);
        }
    }
    printf("\nchecks failed: %zu of %zu (%.0f s on %zu threads)\n", failures, n_checks,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), T);
    free(st.res);
    pthread_mutex_destroy(&st.lock);
    return failures ? 1 : 0;
}
