/* ri_validate: Monte Carlo study of the random-intercept model
 * (docs/validation.md, "Community random intercepts"; bench/validate/run.sh
 * builds and runs it after the others).
 *
 * R surveys are simulated with the random-intercept truth
 * (partreg_simulate with effects = PARTREG_SIM_NORMAL: every outcome's
 * community effect normal, the documented coefficients the conditional
 * ones), n = 2,000 residents in C = 40 communities of 50, and each outcome
 * is fitted with `+ (1 | community)` at the default Q = 15:
 *   - participated (logit), sd 0.88;
 *   - willingness (cumulative logit), sd 0.88;
 *   - participation_type (cumulative probit), sd 0.48.
 * For every parameter (slopes, thresholds, and the sd): the truth, the
 * mean estimate and its bias in Monte Carlo SEs, the SD of the estimates
 * beside the mean model SE, and the coverage of the truth by the 95% Wald
 * intervals (for the sd: exp of the Wald interval of log sd, what the
 * report prints). Fits whose sd is estimated at 0 count as not covering
 * the sd and are counted.
 *
 * Checks (exit status 1 when one fails):
 *   1. each slope's and threshold's coverage within z_m Monte Carlo SEs of
 *      95% (z_m the Bonferroni bound for m checks at 1%, at least 3);
 *   2. the sd's coverage of each outcome between 90% and 98% (the Wald
 *      interval on log sd with 40 groups is an approximation: the check
 *      bounds how far off it may be, the table shows how far it is);
 *   3. every fit converged.
 *
 * Usage: ri_validate [R [n [C [SEED]]]]  (defaults 1000, 2000, 40, 4001).
 * Prints markdown. Replications run in order on one thread. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>

#include <partreg.h>
#include <partreg_formula.h>
#include <partreg_simulate.h>
#include <partreg_table.h>

#define MAX_PAR 16
#define N_MODELS 3
#define PI 3.14159265358979323846

typedef struct model_spec {
    const char *formula;
    const char *label;
    partreg_link link;
    partreg_family family;
} model_spec;

static const model_spec models[N_MODELS] = {
    {"participated ~ " PARTREG_SIM_PREDICTORS " + (1 | community)", "participated (logit)",
     PARTREG_LOGIT, PARTREG_BINARY},
    {"willingness ~ " PARTREG_SIM_PREDICTORS " + (1 | community)",
     "willingness (cumulative logit)", PARTREG_LOGIT, PARTREG_ORDINAL},
    {"participation_type ~ " PARTREG_SIM_PREDICTORS " + (1 | community)",
     "participation_type (cumulative probit)", PARTREG_PROBIT, PARTREG_ORDINAL},
};

typedef struct stats {
    size_t k, reps, failed, boundary;
    char names[MAX_PAR][40];
    double truth[MAX_PAR];
    double sum[MAX_PAR], sum2[MAX_PAR], se[MAX_PAR];
    size_t cover[MAX_PAR];
} stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The truth of model m in the fit's parameter order: slopes (with the
 * intercept first for the binary model), thresholds, and the sd last. */
static void truth_of(const partreg_sim_options *o, size_t m, double *out, size_t *k)
{
    const partreg_sim_model *t = m == 0 ? &o->truth.participated
                                 : m == 1 ? &o->truth.willingness
                                          : &o->truth.participation_type;
    size_t n = 0, nthr = m == 0 ? 0 : m == 1 ? 4 : 2;
    if (m == 0)
        out[n++] = t->intercept;
    for (size_t j = 0; j < PARTREG_SIM_N_SLOPES; j++)
        out[n++] = t->slope[j];
    for (size_t j = 0; j < nthr; j++)
        out[n++] = t->threshold[j];
    double phi = o->truth.community_phi;
    out[n++] = m == 2 ? o->truth.community_sigma
                      : sqrt(PI * PI / 3.0 * (1.0 / (phi * phi) - 1.0));
    *k = n;
}

/* Fit model m on t; NULL on failure. */
static partreg_fit *fit_model(const partreg_table *t, size_t m)
{
    partreg_error err;
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_model_spec *spec = NULL;
    partreg_fit *fit = NULL;
    if (partreg_formula_parse(models[m].formula, &f, &err) != PARTREG_OK ||
        partreg_frame_create(t, f, NULL, &fr, &err) != PARTREG_OK) {
        fprintf(stderr, "ri_validate: %s\n", err.message);
        partreg_formula_free(f);
        return NULL;
    }
    partreg_data d;
    partreg_frame_data(fr, &d);
    size_t G = 0;
    const size_t *g = partreg_frame_groups(fr, &G);
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = 1;
    if (partreg_model_spec_create(models[m].family, models[m].link, &spec, &err) != PARTREG_OK ||
        partreg_model_spec_set_groups(spec, d.n, g, G, NULL, "community", &err) != PARTREG_OK ||
        partreg_fit_create_spec(&d, spec, &opt, &fit, &err) != PARTREG_OK) {
        partreg_fit_free(fit);
        fit = NULL;
    }
    partreg_model_spec_free(spec);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    return fit;
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
    size_t C = argc > 3 ? strtoul(argv[3], NULL, 10) : 40;
    unsigned long seed = argc > 4 ? strtoul(argv[4], NULL, 10) : 4001;
    if (R < 10 || n < 200 || C < 5 || C > n || seed == 0) {
        fprintf(stderr, "usage: ri_validate [R >= 10 [n >= 200 [C >= 5 [SEED]]]]\n");
        return 2;
    }
    double t0 = now_s();
    partreg_sim_options so = partreg_sim_options_default();
    so.n = n;
    so.communities = C;
    so.truth.effects = PARTREG_SIM_NORMAL;
    stats st[N_MODELS];
    memset(st, 0, sizeof st);
    for (size_t m = 0; m < N_MODELS; m++)
        truth_of(&so, m, st[m].truth, &st[m].k);
    double q = gsl_cdf_ugaussian_Qinv(0.025);
    for (size_t r = 0; r < R; r++) {
        partreg_table *t = NULL;
        partreg_error err;
        so.seed = seed + r;
        if (partreg_simulate(&so, &t, &err) != PARTREG_OK) {
            fprintf(stderr, "ri_validate: %s\n", err.message);
            return 2;
        }
        for (size_t m = 0; m < N_MODELS; m++) {
            stats *s = &st[m];
            partreg_fit *fit = fit_model(t, m);
            if (!fit || !partreg_fit_converged(fit)) {
                s->failed++;
                partreg_fit_free(fit);
                continue;
            }
            size_t K = partreg_fit_n_parameters(fit);
            if (K != s->k) {
                fprintf(stderr, "ri_validate: %zu parameters, expected %zu\n", K, s->k);
                return 2;
            }
            for (size_t j = 0; j < K && r == 0; j++)
                snprintf(s->names[j], sizeof s->names[j], "%s",
                         j + 1 == K ? "sd" : partreg_fit_param_term(fit, j));
            for (size_t j = 0; j + 1 < K; j++) {
                double b = gsl_vector_get(partreg_fit_parameters(fit), j);
                double se = sqrt(gsl_matrix_get(partreg_fit_vcov(fit), j, j));
                s->sum[j] += b;
                s->sum2[j] += b * b;
                s->se[j] += se;
                s->cover[j] += fabs(b - s->truth[j]) <= q * se;
            }
            partreg_random_intercept ri;
            partreg_fit_random_intercept(fit, &ri, NULL);
            size_t j = K - 1;
            s->sum[j] += ri.sd;
            s->sum2[j] += ri.sd * ri.sd;
            if (ri.at_boundary) {
                s->boundary++;
            } else {
                s->se[j] += ri.sd_std_error;
                double lo = exp(ri.log_sd - q * ri.log_sd_std_error);
                double hi = exp(ri.log_sd + q * ri.log_sd_std_error);
                s->cover[j] += lo <= s->truth[j] && s->truth[j] <= hi;
            }
            s->reps++;
            partreg_fit_free(fit);
        }
        partreg_table_free(t);
    }

    size_t n_checks = 0;
    for (size_t m = 0; m < N_MODELS; m++)
        n_checks += st[m].k - 1;
    double zm = gsl_cdf_ugaussian_Qinv(0.01 / (2.0 * (double)n_checks));
    if (zm < 3.0)
        zm = 3.0;
    int bad = 0;
    printf("## Community random intercepts: coverage with %zu communities\n\n", C);
    printf("Data: the simulator's random-intercept truth (`--community-effects normal`: normal "
           "community effects, the documented coefficients conditional), %zu residents in %zu "
           "communities, seeds %lu + r for r = 0..%zu. Each outcome fitted with `+ (1 | "
           "community)`, Q = 15. Coverage of the truth by 95%% Wald intervals (the sd: exp of "
           "the Wald interval of log sd). %.0f s.\n\n",
           n, C, seed, R - 1, now_s() - t0);
    for (size_t m = 0; m < N_MODELS; m++) {
        stats *s = &st[m];
        double Rm = (double)s->reps;
        printf("### %s (%zu fits; %zu failed, %zu with sd at 0)\n\n", models[m].label, s->reps,
               s->failed, s->boundary);
        printf("| parameter | truth | mean estimate | bias (MC SE) | SD of estimates | mean SE | "
               "coverage |\n");
        printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        double mcse = sqrt(0.95 * 0.05 / Rm);
        for (size_t j = 0; j < s->k; j++) {
            double mean = s->sum[j] / Rm;
            double sd = sqrt(fmax(s->sum2[j] / Rm - mean * mean, 0.0) * Rm / (Rm - 1.0));
            double cov = (double)s->cover[j] / Rm;
            int is_sd = j + 1 == s->k;
            int ok = is_sd ? cov >= 0.90 && cov <= 0.98 : fabs(cov - 0.95) <= zm * mcse;
            bad |= !ok;
            double nse = is_sd ? Rm - (double)s->boundary : Rm;
            printf("| `%s` | %.4f | %.4f | %+.2f | %.4f | %.4f | %.3f%s |\n", s->names[j],
                   s->truth[j], mean, (mean - s->truth[j]) / (sd / sqrt(Rm)), sd,
                   nse > 0 ? s->se[j] / nse : NAN, cov,
                   ok ? "" : (is_sd ? " **(check 2)**" : " **(check 1)**"));
        }
        bad |= s->failed > 0;
        printf("\n");
    }
    printf("Checks: %s (z_m = %.2f for %zu slopes and thresholds; sd coverage within "
           "90-98%%; every fit converged).\n",
           bad ? "FAILED" : "all passed", zm, n_checks);
    return bad ? 1 : 0;
}
