/* validate: Monte Carlo validation of partreg's estimates and intervals on
 * data from its own simulator (docs/validation.md has the design, the
 * checks and the results; bench/validate/run.sh builds and runs this).
 *
 * Three scenarios, R replications each, n residents:
 *   A "independent", C communities: no community effect on the outcomes
 *     (phi = 1, sigma = 0). Outcomes are independent given the predictors,
 *     so the model-based covariance is right: model Wald, profile and CR1
 *     intervals should all cover 95%.
 *   B "community effects", C communities: the simulator's defaults (bridge
 *     phi = 0.9, normal sigma = 0.48, latent intraclass correlation 0.19),
 *     with social capital 36% community-level. The population-averaged
 *     models still hold exactly (docs/simulator.md), so the estimates stay
 *     unbiased for the documented truth, but residuals are correlated
 *     within communities: model-based intervals under-cover for the
 *     clustered predictors and the intercept/thresholds, and cluster-robust
 *     (CR1) intervals repair most of it. With C = 40 communities CR1 is
 *     known to be somewhat liberal (Cameron & Miller 2015); this scenario
 *     shows by how much, beside CR1 with t(G - 1) critical values.
 *   C "community effects, many communities": as B with C2 communities of
 *     n / C2 residents (default 100 of 20): the asymptotics of CR1 are in
 *     the number of clusters, so here CR1 should cover 95%.
 * Models, each `Y ~ PARTREG_SIM_PREDICTORS`:
 *   participated (logit), willingness (cumulative logit),
 *   participation_type (cumulative probit).
 * For every parameter: mean estimate and its Monte Carlo SE (SD / sqrt(R)),
 * the bias in MC SEs, the SD of the estimates beside the mean model and CR1
 * standard errors, and the coverage of the 95% intervals: model Wald,
 * profile (scenario A, coefficients only: thresholds have no profile
 * interval, and in B and C the profile is model-based like the Wald
 * interval and would only repeat its under-coverage at most of the run
 * time), CR1 Wald with normal critical values (partreg's), and CR1 with
 * t(G - 1) critical values (est +- t SE, computed here; Stata's rule for
 * regress with vce(cluster)).
 *
 * Checks (docs/validation.md, "Checks"): every statistic below is a z
 * score against its Monte Carlo SE, and with m of them the threshold is
 * the Bonferroni z_m = Phi^-1(1 - 0.01 / (2 m)) (at least 3), so that a
 * run whose estimators and intervals meet the criteria fails with
 * probability at most 1% however many parameters are checked:
 *   1. no mean estimate is further from the truth than 0.1 sampling SD by
 *      more than z_m MC SEs (all scenarios; BIAS_MARGIN below says why a
 *      margin);
 *   2. for the intervals that should be right (model, profile, CR1 in A;
 *      CR1 in C): each parameter's coverage within z_m MC SEs of 95%;
 *   3. the coverage pooled over a model's parameters within 93-97% (A: all
 *      three intervals; B and C: CR1);
 *   4. the point of cluster-robust SEs: in B and C the model Wald coverage
 *      of social_capital is below 95% by more than z_m MC SEs.
 * Seeds are fixed: scenario A uses S, S+1, ..., B S + 1000000, ...,
 * C S + 2000000, ... (S = 1000001 by default).
 *
 * Usage: validate [R [n [C [S [PROFILE [C2 [THREADS]]]]]]]   (defaults
 * 1000, 2000, 40, 1000001, 1, 100, number of online CPUs). PROFILE = 0
 * skips the profile intervals (most of the run time). Replications run on
 * THREADS threads; results are accumulated in replication order, so the
 * output does not depend on THREADS. Prints markdown. Exit status 0 when
 * every check passes, 1 otherwise, 2 on bad arguments. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, sysconf */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include <partreg.h>
#include <partreg_formula.h>
#include <partreg_simulate.h>
#include <partreg_table.h>

#define MAX_PAR 12
#define N_MODELS 3
#define N_SCEN 3
#define MAX_CHECKS 1024
/* Check 1 tolerates a bias of this many sampling SDs: maximum likelihood
 * is biased at O(1/n) (Cordeiro & McCullagh 1991), so a test of exact
 * unbiasedness fails for any correct implementation once R is large enough;
 * a bias of 0.1 SD moves a 95% Wald interval's coverage by 0.1 points
 * (Collins, Schafer & Kam 2001 find 0.4 SD the point where it starts to
 * matter). */
#define BIAS_MARGIN 0.1
enum { CI_MODEL, CI_PROFILE, CI_CR1, CI_CR1T, N_CI };
static const char *const ci_name[N_CI] = {"model Wald", "profile", "CR1 Wald", "CR1 t(G-1)"};

typedef struct model_spec {
    const char *outcome;
    const char *label;
    partreg_link link;
    int binary;
    size_t n_thr;
} model_spec;

static const model_spec models[N_MODELS] = {
    {"participated", "participated (logit)", PARTREG_LOGIT, 1, 0},
    {"willingness", "willingness (cumulative logit)", PARTREG_LOGIT, 0, 4},
    {"participation_type", "participation_type (cumulative probit)", PARTREG_PROBIT, 0, 2},
};

/* One fit of one replication. */
typedef struct rep_result {
    int ok;
    size_t k;
    double est[MAX_PAR], se_model[MAX_PAR], se_cr1[MAX_PAR];
    signed char cover[N_CI][MAX_PAR]; /* 1 covered, 0 not, -1 not computed */
} rep_result;

/* Names and truth of a model's parameters (filled by the first fit). */
typedef struct par_info {
    size_t k;
    char names[MAX_PAR][40];
    double truth[MAX_PAR];
} par_info;

typedef struct scenario {
    const char *label;
    size_t communities;
    int community_effect;
    int profile;
    unsigned long seed0;
    size_t R, n;
    rep_result *res; /* R x N_MODELS */
    par_info info[N_MODELS];
    pthread_mutex_t lock; /* guards info */
    size_t next;          /* next replication to run, under lock */
    double seconds;
} scenario;

static const partreg_sim_model *truth_of(const partreg_sim_truth *t, size_t m)
{
    return m == 0 ? &t->participated : m == 1 ? &t->willingness : &t->participation_type;
}

/* Fit model m on table t; fill *out (out->ok = 1 on success). */
static void one_fit(scenario *sc, const partreg_table *t, size_t m, const partreg_sim_truth *truth,
                    rep_result *out)
{
    const model_spec *ms = &models[m];
    const partreg_sim_model *tm = truth_of(truth, m);
    par_info *pi = &sc->info[m];
    char formula[256];
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_fit *fit = NULL;
    partreg_frame_options fo = partreg_frame_options_default();
    partreg_fit_options opt = partreg_fit_options_default();
    partreg_data d;
    partreg_error err;
    const size_t *cl;
    size_t G, p, j, k;
    double tr[MAX_PAR], lo[N_CI][MAX_PAR], hi[N_CI][MAX_PAR], tq;

    memset(out, 0, sizeof *out);
    err.message[0] = '\0';
    opt.threads = 1; /* parallel over replications instead */
    snprintf(formula, sizeof formula, "%s ~ %s", ms->outcome, PARTREG_SIM_PREDICTORS);
    fo.cluster = "community";
    if (partreg_formula_parse(formula, &f, &err) != PARTREG_OK ||
        partreg_frame_create(t, f, &fo, &fr, &err) != PARTREG_OK)
        goto done;
    partreg_frame_data(fr, &d);
    if (partreg_fit_create(&d, ms->binary ? PARTREG_BINARY : PARTREG_ORDINAL, ms->link, &opt, &fit,
                           &err) != PARTREG_OK)
        goto done;
    p = partreg_frame_n_columns(fr);
    k = p + ms->n_thr;
    if (k > MAX_PAR)
        goto done;
    for (j = 0; j < k; j++) {
        size_t off = ms->binary ? 1 : 0;
        tr[j] = j < p ? (ms->binary && j == 0 ? tm->intercept : tm->slope[j - off])
                      : tm->threshold[j - p];
    }
    for (j = 0; j < k; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK)
            goto done;
        out->est[j] = e.estimate;
        out->se_model[j] = e.std_error;
        lo[CI_MODEL][j] = e.conf_low;
        hi[CI_MODEL][j] = e.conf_high;
        lo[CI_PROFILE][j] = hi[CI_PROFILE][j] = NAN;
        if (sc->profile && j < p &&
            partreg_fit_profile_ci(fit, &d, j, 0.95, &lo[CI_PROFILE][j], &hi[CI_PROFILE][j],
                                   &err) != PARTREG_OK)
            goto done;
    }
    cl = partreg_frame_clusters(fr, &G);
    if (partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, G, &err) != PARTREG_OK)
        goto done;
    tq = gsl_cdf_tdist_Pinv(0.975, (double)partreg_fit_vcov_n_clusters(fit) - 1.0);
    for (j = 0; j < k; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK)
            goto done;
        out->se_cr1[j] = e.std_error;
        lo[CI_CR1][j] = e.conf_low;
        hi[CI_CR1][j] = e.conf_high;
        lo[CI_CR1T][j] = e.estimate - tq * e.std_error;
        hi[CI_CR1T][j] = e.estimate + tq * e.std_error;
    }
    for (j = 0; j < k; j++) {
        size_t c;
        for (c = 0; c < N_CI; c++)
            out->cover[c][j] = isnan(lo[c][j]) ? -1 : (lo[c][j] <= tr[j] && tr[j] <= hi[c][j]);
    }
    out->k = k;
    out->ok = 1;
    pthread_mutex_lock(&sc->lock);
    if (pi->k == 0) {
        pi->k = k;
        for (j = 0; j < k; j++) {
            pi->truth[j] = tr[j];
            if (j < p)
                snprintf(pi->names[j], sizeof pi->names[j], "%s",
                         partreg_frame_column_name(fr, j));
            else
                snprintf(pi->names[j], sizeof pi->names[j], "%s|%s",
                         partreg_frame_level_name(fr, j - p),
                         partreg_frame_level_name(fr, j - p + 1));
        }
    }
    pthread_mutex_unlock(&sc->lock);
done:
    if (!out->ok)
        fprintf(stderr, "validate: %s: %s\n", formula, err.message);
    partreg_fit_free(fit);
    partreg_frame_free(fr);
    partreg_formula_free(f);
}

static void *worker(void *arg)
{
    scenario *sc = arg;
    partreg_sim_options o = partreg_sim_options_default();
    o.n = sc->n;
    o.communities = sc->communities;
    if (!sc->community_effect) {
        o.truth.community_phi = 1.0;
        o.truth.community_sigma = 0.0;
    }
    for (;;) {
        size_t r, m;
        partreg_table *t = NULL;
        partreg_error err;
        pthread_mutex_lock(&sc->lock);
        r = sc->next++;
        pthread_mutex_unlock(&sc->lock);
        if (r >= sc->R)
            break;
        o.seed = sc->seed0 + r;
        if (partreg_simulate(&o, &t, &err) != PARTREG_OK) {
            fprintf(stderr, "validate: simulate seed %lu: %s\n", o.seed, err.message);
            continue; /* its results stay ok = 0 and count as failed */
        }
        for (m = 0; m < N_MODELS; m++)
            one_fit(sc, t, m, &o.truth, &sc->res[r * N_MODELS + m]);
        partreg_table_free(t);
    }
    return NULL;
}

/* ---- checks ------------------------------------------------------------ */

/* kind 0: |z| <= z_m; kind 1: z < -z_m; kind 2: 93 <= value <= 97;
 * kind 3: z <= z_m (one-sided: the excess of |bias| over the margin) */
typedef struct check {
    char what[200];
    double z;
    double value; /* pooled coverage (kind 2) */
    int kind;
} check;

static check checks[MAX_CHECKS];
static size_t n_checks;

static void add_check(int kind, double z, double value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_check(int kind, double z, double value, const char *fmt, ...)
{
    va_list ap;
    if (n_checks == MAX_CHECKS)
        return;
    checks[n_checks].kind = kind;
    checks[n_checks].z = z;
    checks[n_checks].value = value;
    va_start(ap, fmt);
    vsnprintf(checks[n_checks].what, sizeof checks[n_checks].what, fmt, ap);
    va_end(ap);
    n_checks++;
}

/* Does interval c have to cover 95% in scenario s? */
static int should_cover(size_t s, size_t c)
{
    if (s == 0)
        return c != CI_CR1T; /* CR1T reported in the clustered scenarios */
    return c == CI_CR1 && s == 2;
}

/* Print the table of model m in scenario s and register its checks. */
static void report(size_t s, const scenario *sc, size_t m)
{
    const par_info *pi = &sc->info[m];
    size_t j, c, r, reps = 0, failed = 0, n_bias2 = 0;
    size_t cover[N_CI][MAX_PAR] = {{0}}, tried[N_CI][MAX_PAR] = {{0}};
    double sum[MAX_PAR] = {0}, sum2[MAX_PAR] = {0}, sem[MAX_PAR] = {0}, sec[MAX_PAR] = {0};
    double pf_sum[N_CI] = {0}, pf_sum2[N_CI] = {0};
    size_t pf_n[N_CI] = {0};
    const char *tag = s == 0 ? "A" : s == 1 ? "B" : "C";

    for (r = 0; r < sc->R; r++) {
        const rep_result *x = &sc->res[r * N_MODELS + m];
        if (!x->ok || x->k != pi->k) {
            failed++;
            continue;
        }
        reps++;
        for (c = 0; c < N_CI; c++) {
            size_t cov = 0, tr = 0;
            for (j = 0; j < x->k; j++) {
                if (x->cover[c][j] < 0)
                    continue;
                tr++;
                cov += (size_t)x->cover[c][j];
                tried[c][j]++;
                cover[c][j] += (size_t)x->cover[c][j];
            }
            if (tr) { /* per-replication pooled fraction: MC SE of the pooled coverage */
                double f = (double)cov / (double)tr;
                pf_sum[c] += f;
                pf_sum2[c] += f * f;
                pf_n[c]++;
            }
        }
        for (j = 0; j < x->k; j++) {
            sum[j] += x->est[j];
            sum2[j] += x->est[j] * x->est[j];
            sem[j] += x->se_model[j];
            sec[j] += x->se_cr1[j];
        }
    }
    printf("\n#### %s: %s (%zu replications", sc->label, models[m].label, reps);
    if (failed)
        printf(", %zu failed", failed);
    printf(")\n\n");
    if (reps < 2) {
        add_check(0, INFINITY, NAN, "%s %s: fewer than 2 replications", tag, models[m].outcome);
        return;
    }
    if (failed)
        add_check(0, INFINITY, NAN, "%s %s: %zu replications failed", tag, models[m].outcome,
                  failed);
    printf("| parameter | truth | mean estimate | bias / MC SE | SD of estimates | mean model SE "
           "| mean CR1 SE |");
    for (c = 0; c < N_CI; c++)
        printf(" %s |", ci_name[c]);
    printf("\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (j = 0; j < pi->k; j++) {
        double R = (double)reps;
        double mean = sum[j] / R;
        double var = (sum2[j] - R * mean * mean) / (R - 1.0);
        double sd = sqrt(var > 0 ? var : 0), mcse = sd / sqrt(R);
        double zb = (mean - pi->truth[j]) / mcse;
        printf("| `%s` | %.4f | %.4f | %+.2f%s | %.4f | %.4f | %.4f |", pi->names[j], pi->truth[j],
               mean, zb, fabs(zb) > 2 ? " (!)" : "", sd, sem[j] / R, sec[j] / R);
        if (fabs(zb) > 2)
            n_bias2++;
        /* check 1: the bias exceeds BIAS_MARGIN SDs by more than z_m MC SEs */
        add_check(3, (fabs(mean - pi->truth[j]) - BIAS_MARGIN * sd) / mcse, NAN,
                  "%s %s `%s`: bias %+.4f = %+.3f SD (%+.2f MC SE)", tag, models[m].outcome,
                  pi->names[j], mean - pi->truth[j], (mean - pi->truth[j]) / sd, zb);
        for (c = 0; c < N_CI; c++) {
            double cv, zc;
            if (!tried[c][j]) {
                printf(" - |");
                continue;
            }
            cv = 100.0 * (double)cover[c][j] / (double)tried[c][j];
            zc = (cv - 95.0) / (100.0 * sqrt(0.95 * 0.05 / (double)tried[c][j]));
            printf(" %.1f%s |", cv, cv < 93.0 || cv > 97.0 ? "*" : "");
            if (should_cover(s, c))
                add_check(0, zc, NAN, "%s %s `%s` %s coverage %.1f%% (%+.2f MC SE from 95)", tag,
                          models[m].outcome, pi->names[j], ci_name[c], cv, zc);
            if (s > 0 && c == CI_MODEL && strcmp(pi->names[j], "social_capital") == 0)
                add_check(1, zc, NAN,
                          "%s %s `social_capital` model Wald coverage %.1f%% (%+.2f MC SE "
                          "from 95) must be below 95",
                          tag, models[m].outcome, cv, zc);
        }
        printf("\n");
    }
    printf("| **all parameters** (MC SE) | | | %zu of %zu beyond 2 | | | |", n_bias2, pi->k);
    for (c = 0; c < N_CI; c++) {
        double n = (double)pf_n[c], mean, var;
        if (!pf_n[c]) {
            printf(" - |");
            continue;
        }
        mean = pf_sum[c] / n;
        var = (pf_sum2[c] - n * mean * mean) / (n - 1.0);
        printf(" **%.1f** (%.1f) |", 100.0 * mean, 100.0 * sqrt((var > 0 ? var : 0) / n));
        if (s == 0 ? c != CI_CR1T : c == CI_CR1)
            add_check(2, NAN, 100.0 * mean, "%s %s pooled %s coverage %.1f%% (93-97)", tag,
                      models[m].outcome, ci_name[c], 100.0 * mean);
    }
    printf("\n");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000;
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 2000;
    size_t C = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 40;
    unsigned long S = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000001UL;
    int profile = argc > 5 ? atoi(argv[5]) != 0 : 1;
    size_t C2 = argc > 6 ? (size_t)strtoul(argv[6], NULL, 10) : 100;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t T = argc > 7 ? (size_t)strtoul(argv[7], NULL, 10) : (ncpu > 0 ? (size_t)ncpu : 1);
    scenario sc[N_SCEN];
    size_t s, i, failures = 0;
    double zm, t_all = now();

    if (R < 2 || n < 100 || C < 2 || C > n || C2 < 2 || C2 > n || S < 1 || T < 1 || T > 256 ||
        S + 2000000UL + R > 4294967295UL) {
        fprintf(stderr, "usage: validate [R >= 2 [n >= 100 [2 <= C <= n [seed >= 1 [profile 0|1 "
                        "[2 <= C2 <= n [threads]]]]]]]\n");
        return 2;
    }
    printf("### Monte Carlo validation: %zu replications, n = %zu residents, seeds from %lu\n", R,
           n, S);
    printf("\n`*` marks a coverage outside 93-97%%, `(!)` a mean more than 2 Monte Carlo SEs "
           "from the truth. Coverage is in percent; its Monte Carlo SE at 95%% is %.1f points. "
           "The pooled row gives in parentheses the Monte Carlo SE of the pooled coverage "
           "(from the per-replication pooled fractions, so it counts the correlation of the "
           "parameters).\n",
           100.0 * sqrt(0.95 * 0.05 / (double)R));
    for (s = 0; s < N_SCEN; s++) {
        pthread_t th[256];
        size_t started = 0;
        double t0 = now();
        memset(&sc[s], 0, sizeof sc[s]);
        sc[s].label = s == 0 ? "A, independent" : s == 1 ? "B, community effects"
                                                         : "C, community effects, many communities";
        sc[s].communities = s == 2 ? C2 : C;
        sc[s].community_effect = s > 0;
        sc[s].profile = s == 0 && profile;
        sc[s].seed0 = S + 1000000UL * s;
        sc[s].R = R;
        sc[s].n = n;
        sc[s].res = calloc(R * N_MODELS, sizeof *sc[s].res);
        if (!sc[s].res || pthread_mutex_init(&sc[s].lock, NULL) != 0) {
            fprintf(stderr, "validate: out of memory\n");
            return 1;
        }
        for (i = 0; i < T; i++)
            if (pthread_create(&th[i], NULL, worker, &sc[s]) == 0)
                started++;
        if (!started)
            worker(&sc[s]);
        for (i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        sc[s].seconds = now() - t0;
        printf("\n### Scenario %s: %zu communities of %zu (%.0f s)\n", sc[s].label,
               sc[s].communities, n / sc[s].communities, sc[s].seconds);
        for (i = 0; i < N_MODELS; i++)
            report(s, &sc[s], i);
        free(sc[s].res);
        pthread_mutex_destroy(&sc[s].lock);
    }
    /* Bonferroni over the z checks: family-wise false alarm <= 1% */
    {
        size_t m = 0;
        for (i = 0; i < n_checks; i++)
            m += checks[i].kind != 2;
        zm = gsl_cdf_ugaussian_Qinv(0.01 / (2.0 * (double)(m ? m : 1)));
        if (zm < 3.0)
            zm = 3.0;
        printf("\n### Checks\n\n%zu z checks at z_m = %.2f (Bonferroni, family-wise false alarm "
               "1%%; bias: beyond %.1f SD) and %zu pooled checks at 93-97%%. Failed:\n\n",
               m, zm, BIAS_MARGIN, n_checks - m);
    }
    for (i = 0; i < n_checks; i++) {
        const check *k = &checks[i];
        int bad = k->kind == 0   ? !(fabs(k->z) <= zm)
                  : k->kind == 1 ? !(k->z < -zm)
                  : k->kind == 3 ? !(k->z <= zm)
                                 : !(k->value >= 93.0 && k->value <= 97.0);
        if (bad) {
            printf("- %s\n", k->what);
            failures++;
        }
    }
    if (!failures)
        printf("- none\n");
    printf("\nchecks failed: %zu of %zu (total %.0f s on %zu threads)\n", failures, n_checks,
           now() - t_all, T);
    return failures ? 1 : 0;
}
