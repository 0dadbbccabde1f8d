/* survey_validate: Monte Carlo study of design-based inference
 * (docs/validation.md, "Survey designs"; bench/validate/run.sh builds and
 * runs it after validate.c).
 *
 * A finite population is built once with the simulator: N residents in C
 * communities, with the simulator's community effects (residents of one
 * community share its participation culture). The census parameter of a
 * model is its maximum-likelihood fit on the whole population. Then R
 * stratified two-stage cluster samples are drawn from that population
 * (partreg_sim_survey_sample: H = 4 strata of communities by social
 * capital, m = 25 communities a stratum, k = 10 residents a community (20
 * in the lowest stratum, oversampled); exact sampling weights), and each
 * is fitted three ways:
 *   - design-based: --sampling-weights weight --strata stratum --psu
 *     community (Taylor linearisation, t with df = PSUs - strata; the
 *     with-replacement approximation at the first stage, which is
 *     conservative for a sample drawn without replacement);
 *   - design-based with the first-stage fpc (--fpc fpc, f = 25/100): the
 *     contract's one-stage formula, which leaves out the variance of the
 *     second stage and so understates the variance of a two-stage sample
 *     when f is large (shown, not checked);
 *   - naive: the same weights as frequency weights (--weights), model
 *     covariance, normal intervals: what a user who passes survey weights
 *     as --weights gets. Its estimates are the design's; only the
 *     intervals differ (its covariance is the inverse information of the
 *     weighted log-likelihood, the design fit's bread).
 * Models: participated (logit) and willingness (cumulative logit), each
 * on the simulator's predictors.
 *
 * For every parameter: the census value, the mean estimate and its bias in
 * Monte Carlo SEs, the SD of the estimates beside the mean design and naive
 * standard errors, and the coverage of the census value by the 95%
 * intervals of each kind.
 *
 * Checks (exit status 1 when one fails):
 *   1. design-based coverage of each parameter within z_m Monte Carlo SEs
 *      of 95% (z_m the Bonferroni bound for m checks at 1%, at least 3);
 *   2. pooled design-based coverage of each model within 93-97%;
 *   3. pooled naive coverage of each model below 80% (the point of the
 *      design: frequency-weight intervals do not cover).
 *
 * Usage: survey_validate [R [N [C [SEED]]]]  (defaults 1000, 100000, 400,
 * 7001). Prints markdown. Replications run in order on one thread. */
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
#include <partreg_survey.h>
#include <partreg_table.h>

#define MAX_PAR 12
#define N_MODELS 2

typedef struct model_spec {
    const char *formula;
    const char *label;
    const char *const *levels;
    size_t n_levels;
} model_spec;

static const char *const will_levels[] = {"1", "2", "3", "4", "5"};
static const model_spec models[N_MODELS] = {
    {"participated ~ " PARTREG_SIM_PREDICTORS, "participated (logit)", NULL, 0},
    {"willingness ~ " PARTREG_SIM_PREDICTORS, "willingness (cumulative logit)", will_levels, 5},
};

typedef struct stats {
    size_t k, reps;
    char names[MAX_PAR][40];
    double census[MAX_PAR];
    double sum[MAX_PAR], sum2[MAX_PAR], se_design[MAX_PAR], se_naive[MAX_PAR], se_fpc[MAX_PAR];
    size_t cover_design[MAX_PAR], cover_naive[MAX_PAR], cover_fpc[MAX_PAR];
    double df;
} stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fit model m on t: design 0 unweighted, 1 the survey design with the
 * first-stage fpc, 2 without it.
 * Returns the fit (NULL on failure) and its frame in *frame. */
static partreg_fit *fit_model(const partreg_table *t, size_t m, int design, partreg_frame **frame)
{
    partreg_error err;
    partreg_formula *f = NULL;
    *frame = NULL;
    if (partreg_formula_parse(models[m].formula, &f, &err) != PARTREG_OK)
        return NULL;
    partreg_frame_options fo = partreg_frame_options_default();
    fo.levels = models[m].levels;
    fo.n_levels = models[m].n_levels;
    if (design) {
        fo.sampling_weights = "weight";
        fo.strata = "stratum";
        fo.psu = "community";
        fo.fpc = design == 1 ? "fpc" : NULL;
    }
    partreg_status st = partreg_frame_create(t, f, &fo, frame, &err);
    partreg_formula_free(f);
    if (st != PARTREG_OK) {
        fprintf(stderr, "survey_validate: %s\n", err.message);
        return NULL;
    }
    partreg_data d;
    partreg_frame_data(*frame, &d);
    partreg_fit *fit = NULL;
    if (partreg_fit_create(&d, partreg_frame_family(*frame), PARTREG_LOGIT, NULL, &fit, &err) !=
        PARTREG_OK) {
        partreg_fit_free(fit);
        return NULL;
    }
    if (design) {
        partreg_survey *s = NULL;
        st = partreg_survey_create_frame(*frame, NULL, &s, &err);
        if (st == PARTREG_OK)
            st = partreg_fit_set_survey(fit, &d, s, &err);
        partreg_survey_free(s);
        if (st != PARTREG_OK) {
            fprintf(stderr, "survey_validate: %s\n", err.message);
            partreg_fit_free(fit);
            return NULL;
        }
    }
    return fit;
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    size_t N = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    size_t C = argc > 3 ? strtoul(argv[3], NULL, 10) : 400;
    unsigned long seed = argc > 4 ? strtoul(argv[4], NULL, 10) : 7001;
    if (R < 10 || N < 1000 || C < 40 || C > N || seed == 0) {
        fprintf(stderr, "usage: survey_validate [R >= 10 [N >= 1000 [C >= 40 [SEED]]]]\n");
        return 2;
    }
    double t0 = now_s();
    partreg_error err;
    partreg_sim_options so = partreg_sim_options_default();
    so.n = N;
    so.communities = C;
    so.seed = seed;
    partreg_table *pop = NULL;
    if (partreg_simulate(&so, &pop, &err) != PARTREG_OK) {
        fprintf(stderr, "survey_validate: %s\n", err.message);
        return 2;
    }
    stats st[N_MODELS];
    memset(st, 0, sizeof st);
    for (size_t m = 0; m < N_MODELS; m++) {
        partreg_frame *fr;
        partreg_fit *fit = fit_model(pop, m, 0, &fr);
        if (!fit) {
            fprintf(stderr, "survey_validate: the census fit failed\n");
            return 2;
        }
        st[m].k = partreg_fit_n_parameters(fit);
        for (size_t j = 0; j < st[m].k && j < MAX_PAR; j++) {
            snprintf(st[m].names[j], sizeof st[m].names[j], "%s", partreg_fit_param_term(fit, j));
            st[m].census[j] = gsl_vector_get(partreg_fit_parameters(fit), j);
        }
        partreg_fit_free(fit);
        partreg_frame_free(fr);
    }
    /* 100 PSUs (df 96): linearisation, like cluster-robust variances, is
     * consistent in the number of PSUs and known to be liberal with few
     * (validate.c's scenario B shows CR1 at 40 clusters) */
    partreg_sim_sample_options sample = partreg_sim_sample_options_default();
    sample.strata = 4;
    sample.psus = 25;
    sample.per_psu = 10;
    size_t n_sample = 0;
    for (size_t r = 0; r < R; r++) {
        partreg_table *t = NULL;
        sample.seed = seed + 1000000 + r;
        if (partreg_sim_survey_sample(pop, &sample, &t, &err) != PARTREG_OK) {
            fprintf(stderr, "survey_validate: %s\n", err.message);
            return 2;
        }
        n_sample = partreg_table_n_rows(t);
        for (size_t m = 0; m < N_MODELS; m++) {
            partreg_frame *fr;
            partreg_fit *fit = fit_model(t, m, 2, &fr);
            partreg_frame *fr_fpc = NULL;
            partreg_fit *fpc = fit_model(t, m, 1, &fr_fpc);
            partreg_frame_free(fr_fpc);
            if (!fit || !fpc) {
                partreg_fit_free(fit);
                partreg_fit_free(fpc);
                partreg_frame_free(fr);
                continue;
            }
            stats *s = &st[m];
            partreg_survey_info info;
            partreg_fit_survey_info(fit, &info);
            s->df = info.df;
            double qt = gsl_cdf_tdist_Qinv(0.025, info.df), qz = gsl_cdf_ugaussian_Qinv(0.025);
            /* the naive covariance: the inverse information of the
             * weighted log-likelihood, i.e. the frequency-weight model
             * covariance (partreg_fit_set_vcov cannot give it to a design
             * fit; refit without the design) */
            partreg_data d;
            partreg_frame_data(fr, &d);
            partreg_fit *naive = NULL;
            if (partreg_fit_create(&d, partreg_frame_family(fr), PARTREG_LOGIT, NULL, &naive,
                                   &err) != PARTREG_OK) {
                partreg_fit_free(naive);
                partreg_fit_free(fit);
                partreg_fit_free(fpc);
                partreg_frame_free(fr);
                continue;
            }
            for (size_t j = 0; j < s->k && j < MAX_PAR; j++) {
                double b = gsl_vector_get(partreg_fit_parameters(fit), j);
                double sd = sqrt(gsl_matrix_get(partreg_fit_vcov(fit), j, j));
                double sn = sqrt(gsl_matrix_get(partreg_fit_vcov(naive), j, j));
                double sf = sqrt(gsl_matrix_get(partreg_fit_vcov(fpc), j, j));
                s->se_fpc[j] += sf;
                s->cover_fpc[j] += fabs(b - s->census[j]) <= qt * sf;
                s->sum[j] += b;
                s->sum2[j] += b * b;
                s->se_design[j] += sd;
                s->se_naive[j] += sn;
                s->cover_design[j] += fabs(b - s->census[j]) <= qt * sd;
                s->cover_naive[j] += fabs(b - s->census[j]) <= qz * sn;
            }
            s->reps++;
            partreg_fit_free(fpc);
            partreg_fit_free(naive);
            partreg_fit_free(fit);
            partreg_frame_free(fr);
        }
        partreg_table_free(t);
    }
    partreg_table_free(pop);

    size_t n_checks = 0;
    for (size_t m = 0; m < N_MODELS; m++)
        n_checks += st[m].k;
    double zm = gsl_cdf_ugaussian_Qinv(0.01 / (2.0 * (double)n_checks));
    if (zm < 3.0)
        zm = 3.0;
    int bad = 0;
    printf("## Survey designs: design-based against frequency-weight intervals\n\n");
    printf("Population: %zu residents in %zu communities (seed %lu, community effects on). "
           "Samples: %zu strata x %zu communities x %zu residents (%zu rows; the lowest stratum "
           "oversampled), %zu replications (sample seeds %lu + 1000000 + r); design df %g. "
           "Census value: the fit on the whole population. Coverage of the census value by "
           "95%% intervals: design-based (Taylor linearisation over strata and PSUs, t(df)), "
           "naive (the sampling weights as --weights, model covariance, normal), and "
           "design-based with the first-stage fpc (f = 25/100). %.0f s.\n\n",
           N, C, seed, sample.strata, sample.psus, sample.per_psu, n_sample, R, seed,
           st[0].df, now_s() - t0);
    for (size_t m = 0; m < N_MODELS; m++) {
        stats *s = &st[m];
        double Rm = (double)s->reps;
        printf("### %s (%zu fits)\n\n", models[m].label, s->reps);
        printf("| parameter | census | mean estimate | bias (MC SE) | SD of estimates | mean "
               "design SE | mean naive SE | design coverage | naive coverage | design + fpc SE "
               "| design + fpc coverage |\n");
        printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        double pooled_d = 0.0, pooled_n = 0.0;
        for (size_t j = 0; j < s->k && j < MAX_PAR; j++) {
            double mean = s->sum[j] / Rm;
            double sd = sqrt(fmax(s->sum2[j] / Rm - mean * mean, 0.0) * Rm / (Rm - 1.0));
            double cd = (double)s->cover_design[j] / Rm, cn = (double)s->cover_naive[j] / Rm;
            double mcse = sqrt(0.95 * 0.05 / Rm);
            int ok = fabs(cd - 0.95) <= zm * mcse;
            bad |= !ok;
            pooled_d += cd;
            pooled_n += cn;
            printf("| `%s` | %.4f | %.4f | %+.2f | %.4f | %.4f | %.4f | %.3f%s | %.3f | %.4f | %.3f "
                   "|\n",
                   s->names[j], s->census[j], mean, (mean - s->census[j]) / (sd / sqrt(Rm)), sd,
                   s->se_design[j] / Rm, s->se_naive[j] / Rm, cd, ok ? "" : " **(check 1)**",
                   cn, s->se_fpc[j] / Rm, (double)s->cover_fpc[j] / Rm);
        }
        pooled_d /= (double)s->k;
        pooled_n /= (double)s->k;
        int ok2 = pooled_d >= 0.93 && pooled_d <= 0.97, ok3 = pooled_n < 0.80;
        bad |= !ok2 || !ok3;
        printf("\nPooled coverage: design-based %.3f%s, naive %.3f%s.\n\n", pooled_d,
               ok2 ? "" : " **(check 2 fails)**", pooled_n, ok3 ? "" : " **(check 3 fails)**");
    }
    printf("Checks: %s (z_m = %.2f for %zu parameters).\n", bad ? "FAILED" : "all passed", zm,
           n_checks);
    return bad ? 1 : 0;
}
