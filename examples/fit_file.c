/* fit_file: fit models to a survey file with an R-style formula.
 *
 * Two ways a research tool can do what `partreg fit` does:
 *   1. step by step: read the CSV (partreg_table), parse the formula
 *      (partreg_formula), build the model frame (partreg_frame: listwise
 *      deletion, dummy coding, clusters), fit (partreg_fit) and replace the
 *      covariance by the cluster-robust one; here a logit of `participated`
 *      with odds ratios and 95% intervals, SEs clustered by community;
 *   2. in one call: partreg_analysis_run() with a spec struct, here the
 *      ordinal logit of `willingness` with cluster-robust SEs and average
 *      marginal effects, read back through the accessors.
 * Usage: fit_file [SURVEY.csv]  (default examples/data/participation_survey.csv,
 * relative to the working directory). Build (tests/cli_examples.sh builds
 * it, runs it from the source directory and diffs examples/fit_file.out):
 *   cc -std=c11 fit_file.c $(pkg-config --cflags --libs partreg) -lm */
#include <math.h>
#include <stdio.h>

#include <partreg.h>
#include <partreg_analysis.h>
#include <partreg_formula.h>
#include <partreg_margins.h>
#include <partreg_table.h>

#define PREDICTORS "social_capital + insured + age + education + log(income)"

static int fail(const char *what, const partreg_error *err)
{
    fprintf(stderr, "fit_file: %s: %s\n", what, err->message);
    return 1;
}

/* Coefficient j of a fit under the covariance in force, with odds ratios. */
static int print_coefficients(const partreg_fit *fit, const partreg_frame *fr)
{
    size_t j, p = partreg_frame_n_columns(fr);
    partreg_error err;
    printf("%-22s %9s %8s %7s %9s %8s %8s %8s\n", "term", "estimate", "std.err", "z", "p",
           "OR", "OR 2.5%", "OR 97.5%");
    for (j = 0; j < p; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK)
            return fail("estimate", &err);
        printf("%-22s %9.4f %8.4f %7.3f %9.2e %8.4f %8.4f %8.4f\n",
               partreg_frame_column_name(fr, j), e.estimate, e.std_error, e.z, e.p_value,
               exp(e.estimate), exp(e.conf_low), exp(e.conf_high));
    }
    return 0;
}

/* 1. The binary model, one layer at a time. */
static int step_by_step(const char *path)
{
    partreg_table *table = NULL;
    partreg_formula *formula = NULL;
    partreg_frame *frame = NULL;
    partreg_fit *fit = NULL;
    partreg_frame_options fo = partreg_frame_options_default();
    static const char *const levels[2] = {"no", "yes"}; /* the last level is the event */
    partreg_data data;
    partreg_error err;
    const size_t *clusters;
    size_t n_clusters;
    int rc = 1;

    if (partreg_table_read_csv(path, NULL, &table, &err) != PARTREG_OK) {
        fail("reading the survey", &err);
        goto done;
    }
    if (partreg_formula_parse("participated ~ " PREDICTORS, &formula, &err) != PARTREG_OK) {
        fail("formula", &err);
        goto done;
    }
    fo.levels = levels;
    fo.n_levels = 2;
    fo.cluster = "community";
    if (partreg_frame_create(table, formula, &fo, &frame, &err) != PARTREG_OK) {
        fail("model frame", &err);
        goto done;
    }
    partreg_frame_data(frame, &data); /* borrowed view: X, y, column names */
    if (partreg_fit_create(&data, partreg_frame_family(frame), PARTREG_LOGIT, NULL, &fit,
                           &err) != PARTREG_OK) {
        fail("fit", &err);
        goto done;
    }
    clusters = partreg_frame_clusters(frame, &n_clusters);
    if (partreg_fit_set_vcov(fit, &data, PARTREG_VCOV_CLUSTER, clusters, n_clusters, &err) !=
        PARTREG_OK) {
        fail("cluster-robust covariance", &err);
        goto done;
    }
    printf("1. %s (logit), step by step\n", partreg_formula_text(formula));
    printf("   %zu rows read, %zu used, %zu dropped; SEs clustered by community (%zu clusters)\n",
           partreg_table_n_rows(table), partreg_frame_n_rows(frame),
           partreg_frame_n_dropped(frame), partreg_fit_vcov_n_clusters(fit));
    printf("   log-likelihood %.4f, converged: %s\n\n", partreg_fit_loglik(fit),
           partreg_fit_converged(fit) ? "yes" : "no");
    if (print_coefficients(fit, frame))
        goto done;
    rc = 0;
done:
    partreg_fit_free(fit);
    partreg_frame_free(frame);
    partreg_formula_free(formula);
    partreg_table_free(table);
    return rc;
}

/* 2. The ordinal model in one call. */
static int one_call(const char *path)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    partreg_analysis *a = NULL;
    const partreg_fit *fit;
    const partreg_frame *frame;
    const partreg_margins *ame;
    partreg_error err;
    size_t j, p, k;

    spec.formula = "willingness ~ " PREDICTORS;
    spec.vcov = PARTREG_VCOV_CLUSTER;
    spec.frame.cluster = "community";
    spec.margins = 1;
    if (partreg_analysis_run(path, &spec, &a, &err) != PARTREG_OK)
        return fail("analysis", &err);
    fit = partreg_analysis_fit(a);
    frame = partreg_analysis_frame(a);
    p = partreg_frame_n_columns(frame);
    printf("\n2. %s (%s %s), in one call\n", spec.formula,
           partreg_family_name(partreg_fit_family(fit)), partreg_link_name(partreg_fit_link(fit)));
    printf("   %zu rows used, levels %s..%s, cluster-robust SEs\n\n", partreg_frame_n_rows(frame),
           partreg_frame_level_name(frame, 0),
           partreg_frame_level_name(frame, partreg_frame_n_levels(frame) - 1));
    if (print_coefficients(fit, frame)) {
        partreg_analysis_free(a);
        return 1;
    }
    for (j = 0; j < partreg_fit_n_thresholds(fit); j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, p + j, 0.95, &e, &err) != PARTREG_OK) {
            partreg_analysis_free(a);
            return fail("threshold", &err);
        }
        char name[64];
        snprintf(name, sizeof name, "%s|%s", partreg_frame_level_name(frame, j),
                 partreg_frame_level_name(frame, j + 1));
        printf("%-22s %9.4f %8.4f %7.3f %9.2e   (threshold)\n", name, e.estimate, e.std_error,
               e.z, e.p_value);
    }
    /* average marginal effects on P(willingness = 5), the top level (for
     * income: per unit of income, since log(income) is differentiated) */
    ame = partreg_analysis_margins(a);
    printf("\n   average marginal effects on P(willingness = 5):\n");
    for (k = 0; k < partreg_margins_n_entries(ame); k++) {
        const partreg_margin *m = partreg_margins_get(ame, k);
        if (m->outcome && m->outcome[0] == '5')
            printf("   %-22s %10.3g (SE %.3g)\n", m->term, m->estimate, m->std_error);
    }
    partreg_analysis_free(a);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/data/participation_survey.csv";
    if (step_by_step(path))
        return 1;
    return one_call(path);
}
