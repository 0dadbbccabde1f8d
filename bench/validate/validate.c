/* validate: Monte Carlo validation of partreg's estimates and intervals on
 * data from its own simulator (docs/validation.md has the design and the
 * results; bench/validate/run.sh builds and runs this).
 *
 * Two scenarios, R replications each, n residents in C communities:
 *   A "independent": no community effect on the outcomes (phi = 1,
 *     sigma = 0). Outcomes are independent given the predictors, so the
 *     model-based covariance is right: Wald and profile intervals should
 *     cover 95%.
 *   B "community effects": the simulator's defaults (bridge phi = 0.9,
 *     normal sigma = 0.48, latent intraclass correlation 0.19), together
 *     with social capital that is 36% community-level. The population-
 *     averaged models still hold exactly (docs/simulator.md), so the
 *     estimates stay unbiased for the documented truth, but residuals are
 *     correlated within communities: model-based intervals should
 *     under-cover for the clustered predictors and the intercept/thresholds,
 *     and cluster-robust (CR1) intervals should cover about 95%.
 * Models, each `Y ~ PARTREG_SIM_PREDICTORS`:
 *   participated (logit), willingness (cumulative logit),
 *   participation_type (cumulative probit).
 * For every parameter: mean estimate and its Monte Carlo SE (SD / sqrt(R)),
 * the bias in MC SEs, the SD of the estimates beside the mean model and CR1
 * standard errors, and the coverage of the 95% model Wald, profile
 * (coefficients only; thresholds have no profile interval) and CR1 Wald
 * intervals. Seeds are fixed: scenario A uses S, S+1, ..., scenario B
 * S + 1000000, ... (S = 1000001 by default).
 *
 * Usage: validate [R [n [C [S [PROFILE]]]]]   (defaults 200, 2000, 40,
 * 1000001, 1). PROFILE = 0 skips the profile intervals, which take most of
 * the time (a 1000-replication run then takes about a minute).
 * Prints markdown.
 * Exit status 0 when the checks of docs/validation.md pass, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <partreg.h>
#include <partreg_formula.h>
#include <partreg_simulate.h>
#include <partreg_table.h>

#define MAX_PAR 12
#define N_MODELS 3
enum { CI_MODEL, CI_PROFILE, CI_CR1, N_CI };

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

typedef struct acc {
    size_t k;                     /* parameters */
    char names[MAX_PAR][40];
    double truth[MAX_PAR];
    double sum[MAX_PAR], sum2[MAX_PAR];
    double se_model[MAX_PAR], se_cr1[MAX_PAR];
    size_t cover[N_CI][MAX_PAR];
    size_t tried[N_CI][MAX_PAR];  /* intervals computed (profile: coefficients) */
    size_t reps;                  /* replications that gave a converged fit */
    size_t failed;
} acc;

static const partreg_sim_model *truth_of(const partreg_sim_truth *t, size_t m)
{
    return m == 0 ? &t->participated : m == 1 ? &t->willingness : &t->participation_type;
}

/* Fit model m on table t and add one replication to a. 0 on success. */
static int one_fit(const partreg_table *t, size_t m, const partreg_sim_truth *truth, int profile,
                   acc *a)
{
    const model_spec *ms = &models[m];
    const partreg_sim_model *tm = truth_of(truth, m);
    char formula[256];
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_fit *fit = NULL;
    partreg_frame_options fo = partreg_frame_options_default();
    partreg_data d;
    partreg_error err;
    const size_t *cl;
    size_t G, p, j, k;
    double est[MAX_PAR], lo[N_CI][MAX_PAR], hi[N_CI][MAX_PAR], se[2][MAX_PAR];
    int rc = 1;

    snprintf(formula, sizeof formula, "%s ~ %s", ms->outcome, PARTREG_SIM_PREDICTORS);
    fo.cluster = "community";
    if (partreg_formula_parse(formula, &f, &err) != PARTREG_OK ||
        partreg_frame_create(t, f, &fo, &fr, &err) != PARTREG_OK)
        goto done;
    partreg_frame_data(fr, &d);
    if (partreg_fit_create(&d, ms->binary ? PARTREG_BINARY : PARTREG_ORDINAL, ms->link, NULL, &fit,
                           &err) != PARTREG_OK)
        goto done;
    p = partreg_frame_n_columns(fr);
    k = p + ms->n_thr;
    if (k > MAX_PAR)
        goto done;
    if (a->k == 0) {
        size_t off = ms->binary ? 1 : 0;
        a->k = k;
        for (j = 0; j < k; j++) {
            if (j < p) {
                snprintf(a->names[j], sizeof a->names[j], "%s", partreg_frame_column_name(fr, j));
                a->truth[j] = ms->binary && j == 0 ? tm->intercept : tm->slope[j - off];
            } else {
                snprintf(a->names[j], sizeof a->names[j], "%s|%s",
                         partreg_frame_level_name(fr, j - p),
                         partreg_frame_level_name(fr, j - p + 1));
                a->truth[j] = tm->threshold[j - p];
            }
        }
    }
    for (j = 0; j < k; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK)
            goto done;
        est[j] = e.estimate;
        se[0][j] = e.std_error;
        lo[CI_MODEL][j] = e.conf_low;
        hi[CI_MODEL][j] = e.conf_high;
        lo[CI_PROFILE][j] = hi[CI_PROFILE][j] = NAN;
        if (profile && j < p &&
            partreg_fit_profile_ci(fit, &d, j, 0.95, &lo[CI_PROFILE][j], &hi[CI_PROFILE][j],
                                   &err) != PARTREG_OK)
            goto done;
    }
    cl = partreg_frame_clusters(fr, &G);
    if (partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, G, &err) != PARTREG_OK)
        goto done;
    for (j = 0; j < k; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK)
            goto done;
        se[1][j] = e.std_error;
        lo[CI_CR1][j] = e.conf_low;
        hi[CI_CR1][j] = e.conf_high;
    }
    /* all computed: accumulate */
    for (j = 0; j < k; j++) {
        size_t c;
        a->sum[j] += est[j];
        a->sum2[j] += est[j] * est[j];
        a->se_model[j] += se[0][j];
        a->se_cr1[j] += se[1][j];
        for (c = 0; c < N_CI; c++) {
            if (isnan(lo[c][j]))
                continue;
            a->tried[c][j]++;
            if (lo[c][j] <= a->truth[j] && a->truth[j] <= hi[c][j])
                a->cover[c][j]++;
        }
    }
    a->reps++;
    rc = 0;
done:
    if (rc) {
        fprintf(stderr, "validate: %s: %s\n", formula, err.message);
        a->failed++;
    }
    partreg_fit_free(fit);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    return rc;
}

static double pct(size_t num, size_t den)
{
    return den ? 100.0 * (double)num / (double)den : NAN;
}

/* Print the table of one model in one scenario and apply the checks;
 * returns the number of failed checks. */
static int report(const char *scenario, size_t m, const acc *a, int community)
{
    size_t j, c, pool_cover[N_CI] = {0}, pool_tried[N_CI] = {0};
    size_t n_bias2 = 0;
    int failures = 0;
    double R = (double)a->reps;
    printf("\n#### %s: %s (%zu replications", scenario, models[m].label, a->reps);
    if (a->failed)
        printf(", %zu failed", a->failed);
    printf(")\n\n");
    printf("| parameter | truth | mean estimate | bias / MC SE | SD of estimates | mean model SE "
           "| mean CR1 SE | model Wald | profile | CR1 Wald |\n");
    printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (j = 0; j < a->k; j++) {
        double mean = a->sum[j] / R;
        double var = (a->sum2[j] - R * mean * mean) / (R - 1.0);
        double sd = sqrt(var > 0 ? var : 0), mcse = sd / sqrt(R);
        double zb = (mean - a->truth[j]) / mcse;
        printf("| `%s` | %.4f | %.4f | %+.2f%s | %.4f | %.4f | %.4f |", a->names[j], a->truth[j],
               mean, zb, fabs(zb) > 2 ? " (!)" : "", sd, a->se_model[j] / R, a->se_cr1[j] / R);
        if (fabs(zb) > 2)
            n_bias2++;
        if (fabs(zb) > 3) /* hard check: 3 MC SEs */
            failures++;
        for (c = 0; c < N_CI; c++) {
            double cv = pct(a->cover[c][j], a->tried[c][j]);
            pool_cover[c] += a->cover[c][j];
            pool_tried[c] += a->tried[c][j];
            if (isnan(cv))
                printf(" - |");
            else
                printf(" %.1f%s |", cv, cv < 93.0 || cv > 97.0 ? "*" : "");
            /* hard per-parameter check for the intervals that should be
             * right: within 3 MC SEs of 95% (90.4..99.6 at R = 200) */
            if (!isnan(cv) && (c == CI_CR1 || !community)) {
                double half = 3.0 * 100.0 * sqrt(0.95 * 0.05 / (double)a->tried[c][j]);
                if (fabs(cv - 95.0) > half)
                    failures++;
            }
        }
        printf("\n");
    }
    printf("| **all parameters** | | | %zu of %zu beyond 2 | | | |", n_bias2, a->k);
    for (c = 0; c < N_CI; c++) {
        double cv = pct(pool_cover[c], pool_tried[c]);
        if (isnan(cv))
            printf(" - |");
        else
            printf(" **%.1f** |", cv);
        /* hard pooled check: 93..97 for the intervals that should be right */
        if (!isnan(cv) && (c == CI_CR1 || !community) && (cv < 93.0 || cv > 97.0))
            failures++;
    }
    printf("\n");
    return failures;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 2000;
    size_t C = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 40;
    unsigned long S = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000001UL;
    int profile = argc > 5 ? atoi(argv[5]) != 0 : 1;
    int failures = 0;
    int s;
    if (R < 2 || n < 100 || C < 2 || C > n || S < 1 || S + 1000000UL + R > 4294967295UL) {
        fprintf(stderr, "usage: validate [R >= 2 [n >= 100 [2 <= C <= n [seed >= 1 [profile 0|1]]]]]\n");
        return 2;
    }
    printf("### Monte Carlo validation: %zu replications, n = %zu residents in %zu communities, "
           "seeds from %lu\n",
           R, n, C, S);
    printf("\n`*` marks a coverage outside 93-97%%, `(!)` a mean more than 2 Monte Carlo SEs "
           "from the truth. Coverage is in percent; its Monte Carlo SE at 95%% is %.1f points.\n",
           100.0 * sqrt(0.95 * 0.05 / (double)R));
    for (s = 0; s < 2; s++) {
        const char *scenario = s == 0 ? "A, independent" : "B, community effects";
        partreg_sim_options o = partreg_sim_options_default();
        acc a[N_MODELS];
        size_t r, m;
        double t0 = now();
        memset(a, 0, sizeof a);
        o.n = n;
        o.communities = C;
        if (s == 0) {
            o.truth.community_phi = 1.0;
            o.truth.community_sigma = 0.0;
        }
        for (r = 0; r < R; r++) {
            partreg_table *t = NULL;
            partreg_error err;
            o.seed = S + (s == 0 ? 0UL : 1000000UL) + r;
            if (partreg_simulate(&o, &t, &err) != PARTREG_OK) {
                fprintf(stderr, "validate: simulate: %s\n", err.message);
                return 1;
            }
            for (m = 0; m < N_MODELS; m++)
                one_fit(t, m, &o.truth, profile, &a[m]);
            partreg_table_free(t);
        }
        printf("\n### Scenario %s (%.0f s)\n", scenario, now() - t0);
        for (m = 0; m < N_MODELS; m++)
            failures += report(scenario, m, &a[m], s == 1);
    }
    printf("\nchecks failed: %d\n", failures);
    return failures ? 1 : 0;
}
