/* The `partreg fit` pipeline as a library call: read, frame, fit,
 * inference (partreg_analysis.h). Each step's error is passed through
 * unchanged, so the message that reaches the user names the file, line,
 * column or term where the step found the problem. */
#define _POSIX_C_SOURCE 200809L
#include "report/analysis_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "data/table_internal.h"
#include "frame/frame_internal.h"
#include "inference/inference_internal.h"
#include "models/design_file.h"
#include "models/rows.h"
#include "models/fit_counters.h"
#include "models/fit_internal.h"

/* Fewer clusters than this make a CR1 covariance warn. */
#define CLUSTER_FEW 50

partreg_analysis_spec partreg_analysis_spec_default(void)
{
    partreg_analysis_spec s;
    memset(&s, 0, sizeof s);
    s.frame = partreg_frame_options_default();
    s.link = PARTREG_LOGIT;
    s.vcov = PARTREG_VCOV_MODEL;
    s.ci = PARTREG_CI_WALD;
    s.conf_level = 0.95;
    s.wald_tests = 1;
    s.diagnostics = 1;
    s.read = partreg_read_options_default();
    s.fit = partreg_fit_options_default();
    s.survey = partreg_survey_options_default();
    return s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *dup_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

void partreg_analysis_free(partreg_analysis *a)
{
    if (!a)
        return;
    free(a->formula_text);
    free(a->source);
    partreg_table_free(a->own_table);
    partreg_formula_free(a->formula);
    partreg_frame_free(a->frame);
    partreg_fit_free(a->fit);
    free(a->conf_low);
    free(a->conf_high);
    partreg_margins_free(a->margins);
    partreg_margins_free(a->margins_mem);
    partreg_margins_free(a->margins_at);
    partreg_brant_free(a->brant);
    partreg_wald_table_free(a->wald);
    /* the fit reads these: after it */
    partreg_design_file_close(a->design_file);
    free(a->rows_X);
    free(a->rows_y);
    free(a->rows_w);
    free(a->rows_cluster);
    free(a->sorted_X);
    free(a->sorted_y);
    free(a->sorted_w);
    if (a->base_rows)
        partreg_rows_release(a->base_rows);
    free(a->base_rows);
    partreg_variable_tests_free(a->autofit);
    partreg_variable_tests_free(a->nominal_test);
    partreg_variable_tests_free(a->scale_test);
    partreg_variable_tests_free(a->parallel_test);
    free(a->riv);
    free(a->fmi);
    partreg_d1_table_free(a->d1);
    partreg_survey_free(a->survey);
    partreg_stream_design_free(a->stream_design);
    partreg_analysis_margins_free(a);
    free(a);
}

const partreg_fit *partreg_analysis_fit(const partreg_analysis *a) { return a->fit; }
const partreg_frame *partreg_analysis_frame(const partreg_analysis *a) { return a->frame; }
const partreg_margins *partreg_analysis_margins(const partreg_analysis *a) { return a->margins; }
partreg_timing partreg_analysis_timing(const partreg_analysis *a) { return a->timing; }
int partreg_analysis_out_of_core(const partreg_analysis *a) { return a && a->design_file != NULL; }
const partreg_brant *partreg_analysis_brant(const partreg_analysis *a) { return a->brant; }
const partreg_variable_tests *partreg_analysis_autofit(const partreg_analysis *a)
{
    return a->autofit;
}
const partreg_variable_tests *partreg_analysis_nominal_test(const partreg_analysis *a)
{
    return a->nominal_test;
}
const partreg_variable_tests *partreg_analysis_scale_test(const partreg_analysis *a)
{
    return a->scale_test;
}
const partreg_variable_tests *partreg_analysis_parallel_test(const partreg_analysis *a)
{
    return a->parallel_test;
}
const partreg_ordinal_gof *partreg_analysis_ordinal_gof(const partreg_analysis *a)
{
    return a->has_gof ? &a->gof : NULL;
}

size_t partreg_analysis_n_imputations(const partreg_analysis *a) { return a ? a->imputations : 0; }
const partreg_survey *partreg_analysis_survey(const partreg_analysis *a) { return a->survey; }

/* The options that a survey design replaces or that assume independent
 * rows, refused with what to use instead. */
static partreg_status check_survey_spec(const partreg_analysis_spec *s, partreg_error *err)
{
    const partreg_frame_options *f = &s->frame;
    const char *col = f->sampling_weights ? "--sampling-weights"
                      : f->strata         ? "--strata"
                      : f->psu            ? "--psu"
                      : f->fpc            ? "--fpc"
                      : f->subpop         ? "--subpop"
                      : f->repweights     ? "--repweights"
                                          : NULL;
    if (!col)
        return PARTREG_OK;
    if (f->weights)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--weights (frequency weights: each row counts w times) cannot "
                                 "be combined with a survey design (%s); give the survey's "
                                 "weights as --sampling-weights",
                                 col);
    if (f->cluster)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--cluster cannot be combined with a survey design (%s): the "
                                 "design's clusters are its PSUs; use --psu %s",
                                 col, f->cluster);
    if (s->vcov != PARTREG_VCOV_MODEL)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--vcov %s cannot be combined with a survey design (%s): the "
                                 "design gives the covariance (Taylor linearisation over strata "
                                 "and PSUs, or the replicate weights); drop --vcov",
                                 partreg_vcov_name(s->vcov), col);
    if (s->ci == PARTREG_CI_PROFILE)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--ci profile cannot be used with a survey design (%s): a "
                                 "profile likelihood assumes independent rows; use the Wald "
                                 "intervals on the design's t distribution (drop --ci profile)",
                                 col);
    return PARTREG_OK;
}

static partreg_status check_spec(const partreg_analysis_spec *s, partreg_error *err)
{
    if (!s || !s->formula)
        return partreg_error_set(err, PARTREG_EINVAL, "no formula given; use --formula \"Y ~ x + z\"");
    if (!(s->conf_level > 0 && s->conf_level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95",
                                 s->conf_level);
    int clustered = s->vcov == PARTREG_VCOV_CLUSTER || s->vcov == PARTREG_VCOV_CR2;
    if (clustered && !s->frame.cluster)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--vcov %s needs --cluster COLUMN naming the cluster ids",
                                 partreg_vcov_name(s->vcov));
    if (s->frame.cluster && !clustered)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--cluster %s is given but --vcov is %s; add --vcov cluster "
                                 "(or cr2)",
                                 s->frame.cluster, partreg_vcov_name(s->vcov));
    if (s->cluster_df && !clustered)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--cluster-df sets t(G - 1) for a cluster covariance; add --vcov "
                                 "cluster (or cr2) with --cluster COLUMN");
    if (s->flic && !s->firth)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--flic corrects the intercept of a Firth fit; add --firth");
    if (s->flic && s->ci == PARTREG_CI_PROFILE)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the FLIC intercept is not a maximum of the penalised "
                                 "likelihood, so it has no profile interval; use --ci wald with "
                                 "--flic, or drop --flic");
    if (s->firth && s->vcov != PARTREG_VCOV_MODEL)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--vcov %s is not offered with --firth: the scores of a "
                                 "penalised fit do not sum to zero at its estimate; a Firth fit's "
                                 "covariance is the inverse expected information (--vcov model)",
                                 partreg_vcov_name(s->vcov));
    if (s->ci != PARTREG_CI_WALD && s->ci != PARTREG_CI_PROFILE)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown confidence-interval method");
    if (s->ci == PARTREG_CI_PROFILE && s->vcov == PARTREG_VCOV_CR2)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--ci profile cannot be combined with --vcov cr2: CR2's intervals "
                                 "are its Wald intervals on t with Satterthwaite degrees of "
                                 "freedom, and profile-likelihood intervals would replace them; "
                                 "drop --ci profile");
    if (s->contrast < 0 || s->contrast > 2)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown contrast type %d", s->contrast);
    if (s->prob_ci != PARTREG_PROB_CI_LINK && s->prob_ci != PARTREG_PROB_CI_DELTA)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown probability interval method");
    if (s->n_at && !s->at_list)
        return partreg_error_set(err, PARTREG_EINVAL, "n_at is %zu but at_list is NULL", s->n_at);
    if (s->over && s->margins_at_means)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--over cannot be combined with --margins-at-means: the means "
                                 "are of the whole sample; use --margins --over %s for the "
                                 "average marginal effects of each group",
                                 s->over);
    if (s->contrast && !s->at && !s->n_at && !s->over)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--contrast compares predictions: give --at with several values "
                                 "(e.g. --at \"age=20(20)80\") or groups with --over");
    return check_survey_spec(s, err);
}

/* Wald intervals for every parameter, then profile intervals for the
 * coefficients (slopes, cut-specific slopes, scale terms) when asked
 * (thresholds keep Wald intervals, as the contract says). */
static partreg_status intervals(partreg_analysis *a, const partreg_data *d, partreg_error *err)
{
    size_t full = partreg_fit_n_parameters(a->fit); /* every block, as rows.c reads them */
    a->conf_low = malloc((full ? full : 1) * sizeof(double));
    a->conf_high = malloc((full ? full : 1) * sizeof(double));
    if (!a->conf_low || !a->conf_high)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t j = 0; j < full; j++) {
        partreg_estimate e;
        partreg_fit_estimate(a->fit, j, a->conf_level, &e, NULL);
        a->conf_low[j] = e.conf_low;
        a->conf_high[j] = e.conf_high;
    }
    if (a->ci != PARTREG_CI_PROFILE || a->fit_status != PARTREG_OK)
        return PARTREG_OK;
    /* every profiled coefficient (slopes, cut-specific slopes, scale terms
     * of kept columns), searched together */
    size_t *idx = malloc((full ? full : 1) * sizeof *idx);
    double *lo = malloc((full ? full : 1) * sizeof *lo);
    double *hi = malloc((full ? full : 1) * sizeof *hi);
    partreg_status st = idx && lo && hi ? PARTREG_OK : PARTREG_ENOMEM;
    if (st != PARTREG_OK) {
        partreg_error_set(err, st, "out of memory");
    } else {
        size_t m = 0;
        for (size_t j = 0; j < full; j++) {
            partreg_param_kind kind = partreg_fit_param_kind(a->fit, j);
            size_t c = partreg_fit_param_column(a->fit, j);
            if ((kind == PARTREG_PARAM_COEFFICIENT || kind == PARTREG_PARAM_CUT_COEFFICIENT ||
                 kind == PARTREG_PARAM_SCALE) &&
                !(c != PARTREG_NO_COLUMN && partreg_fit_column_dropped(a->fit, c)))
                idx[m++] = j;
        }
        partreg_profile_stats ps;
        st = partreg_profile_run(a->fit, d, idx, m, a->conf_level, PARTREG_PROFILE_AUTO, lo, hi,
                                 &ps, err);
        a->timing.profile_bounds = (double)ps.bounds;
        a->timing.profile_evaluations = (double)ps.evaluations;
        for (size_t i = 0; st == PARTREG_OK && i < m; i++) {
            a->conf_low[idx[i]] = lo[i];
            a->conf_high[idx[i]] = hi[i];
        }
    }
    free(idx);
    free(lo);
    free(hi);
    return st;
}

/* What needs every row's variables in memory, refused for a file read in
 * blocks. */
static partreg_status refuse_streamed(const partreg_analysis_spec *s, partreg_error *err)
{
    const char *what = s->margins               ? "--margins (average marginal effects)"
                       : s->margins_at_means    ? "marginal effects at the means"
                       : s->at || s->n_at       ? "--at (predictions at values)"
                       : s->over                ? "--over (predictions within groups)"
                       : s->profile             ? "--profile (predictions over a variable's range)"
                       : s->standardize         ? "--standardize (standard deviations of the variables)"
                                                : NULL;
    if (!what)
        return PARTREG_OK;
    return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                             "%s need every row's variables, which a file read in "
                             "blocks (out of core or in shares) does not keep in memory; raise "
                             "--memory to read the file in memory, or compute them on a "
                             "subsample",
                             what);
}

partreg_status partreg_analysis_set_vcov(const partreg_analysis *a, const partreg_analysis_spec *s,
                                         partreg_fit *fit, partreg_error *err)
{
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    if (a->survey)
        return partreg_fit_survey_info(fit, NULL) ? PARTREG_OK
                                                  : partreg_fit_set_survey(fit, &d, a->survey, err);
    if (a->stream_design)
        return partreg_fit_survey_info(fit, NULL)
                   ? PARTREG_OK
                   : partreg_stream_design_vcov(a->stream_design, fit, err);
    if (s->vcov == PARTREG_VCOV_MODEL || partreg_fit_vcov_type(fit) == s->vcov)
        return PARTREG_OK;
    size_t G = 0;
    const size_t *cl = partreg_frame_clusters(a->frame, &G);
    int clustered = s->vcov == PARTREG_VCOV_CLUSTER || s->vcov == PARTREG_VCOV_CR2;
    return partreg_fit_set_vcov(fit, &d, s->vcov, clustered ? cl : NULL, G, err);
}

/* t(G - 1) with --cluster-df, and a warning when a cluster covariance
 * rests on fewer clusters than CR1's normal approximation needs
 * (CLUSTER_FEW; Cameron and Miller 2015, Pustejovsky and Tipton 2018). */
static partreg_status cluster_reference(partreg_analysis *a, const partreg_analysis_spec *s,
                                        partreg_error *err)
{
    size_t G = partreg_fit_vcov_n_clusters(a->fit);
    if (s->cluster_df) {
        partreg_status st = partreg_fit_set_param_df(a->fit, (double)G - 1.0, err);
        if (st != PARTREG_OK)
            return st;
    }
    if (G >= CLUSTER_FEW || s->vcov == PARTREG_VCOV_CR2)
        return PARTREG_OK;
    const char *better = partreg_fit_n_outcomes(a->fit) == 1
                             ? "--vcov cr2 (Satterthwaite df) covers better"
                             : "--cluster-df (t(G - 1)) covers better";
    if (s->cluster_df && partreg_fit_n_outcomes(a->fit) != 1)
        return PARTREG_OK;
    if (partreg_fit_add_warning(a->fit,
                                "only %zu clusters: CR1 standard errors are biased down and its "
                                "intervals under-cover with fewer than %d clusters; %s",
                                G, CLUSTER_FEW, better) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

/* A covariance other than the inverse information (a design's too). */
static int robust_vcov(partreg_vcov_type t)
{
    return t != PARTREG_VCOV_MODEL;
}

/* Under a design or a robust covariance the model test is the Wald test
 * that every coefficient of a design column other than the intercept is
 * zero, on the reference distribution that covariance calls for
 * (partreg_joint_reference: a design's adjusted F, CR2's HTZ F, the naive
 * F of --cluster-df, else chi-square): the LR test takes the rows as
 * independent with the model's variance (Stata reports the Wald test after
 * vce(robust) and vce(cluster) for the same reason). */

static partreg_status wald_model_test(partreg_analysis *a, partreg_error *err)
{
    const partreg_fit *fit = a->fit;
    size_t K = partreg_fit_n_parameters(fit), m = 0;
    size_t *idx = malloc((K ? K : 1) * sizeof *idx);
    if (!idx)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t j = 0; j < K; j++) {
        partreg_param_kind kind = partreg_fit_param_kind(fit, j);
        size_t c = partreg_fit_param_column(fit, j);
        if ((kind == PARTREG_PARAM_COEFFICIENT || kind == PARTREG_PARAM_CUT_COEFFICIENT) &&
            c != PARTREG_NO_COLUMN && !partreg_fit_column_dropped(fit, c) &&
            !(partreg_frame_has_intercept(a->frame) && c == 0))
            idx[m++] = j;
    }
    partreg_vcov_type vt = partreg_fit_vcov_type(fit);
    partreg_wald_term t;
    partreg_status st = m > 0 ? partreg_fit_joint_test(fit, idx, m, &t, NULL) : PARTREG_EINVAL;
    free(idx);
    if (st == PARTREG_ENOMEM)
        return partreg_error_set(err, st, "out of memory");
    if (st != PARTREG_OK)
        return PARTREG_OK; /* nothing to test, or a covariance not finite */
    if (t.df < (double)m && (vt == PARTREG_VCOV_CLUSTER || vt == PARTREG_VCOV_CR2)) {
        snprintf(a->model_test_absent, sizeof a->model_test_absent,
                 "the %s covariance of the %zu slopes has rank %g (%zu clusters); test fewer "
                 "coefficients at once",
                 partreg_vcov_name(vt), m, t.df, partreg_fit_vcov_n_clusters(fit));
        return PARTREG_OK;
    }
    a->has_model_test = 1;
    a->model_test = partreg_fit_survey_info(fit, NULL)   ? REPORT_TEST_DESIGN_F
                    : !isfinite(t.df1)                   ? REPORT_TEST_CHI2
                    : vt == PARTREG_VCOV_CR2 && !a->cluster_df ? REPORT_TEST_HTZ
                                                               : REPORT_TEST_NAIVE_F;
    a->model_W = t.chi2;
    a->model_q = t.df;
    a->model_F = t.adjusted_f;
    a->model_df2 = t.df2;
    a->model_p = t.p_value;
    return PARTREG_OK;
}

/* --weights that look like sampling weights (not whole numbers) under the
 * model covariance: the standard errors treat each row as w independent
 * rows, and shrink as the weights are scaled up. */
static void warn_sampling_like_weights(partreg_analysis *a, const partreg_analysis_spec *s)
{
    const double *w = partreg_frame_weights(a->frame);
    if (!w || a->survey || s->vcov != PARTREG_VCOV_MODEL)
        return;
    size_t n = partreg_frame_n_rows(a->frame), fractional = 0;
    for (size_t i = 0; i < n; i++)
        fractional += w[i] != floor(w[i]);
    if (fractional == 0)
        return;
    partreg_fit_add_warning(a->fit,
                            "--weights %s are frequency weights (each row counts w times), but "
                            "%zu of them are not whole numbers, as sampling weights are; the "
                            "standard errors then depend on the scale of the weights. For survey "
                            "weights use --sampling-weights %s (with --strata/--psu), or a "
                            "robust --vcov",
                            s->frame.weights, fractional, s->frame.weights);
}

/* The passes over the design made since the last call, for the phase
 * that just ended (from the fit's count of rows read). */
static double phase_passes(partreg_analysis *a)
{
    uint64_t now = partreg_fit_rows_read(a->fit);
    double d = partreg_fit_passes_between(a->fit, a->passes_mark, now);
    a->passes_mark = now;
    return d;
}

/* Profile-likelihood intervals beside robust standard errors: printed, each
 * format saying what each column rests on (the text and HTML headings, the
 * JSON's ci_method and vcov_type, the CSV's ci_method column) and this
 * note saying where the two disagree. */
static partreg_status note_profile_mix(partreg_analysis *a, const partreg_analysis_spec *s,
                                       partreg_error *err)
{
    const char *v = partreg_vcov_name(s->vcov);
    if (partreg_fit_add_warning(
            a->fit,
            "--ci profile with --vcov %s: the intervals profile the likelihood, which takes the "
            "rows as independent%s; the standard errors, z and p-values beside them come from "
            "the %s covariance. For intervals that agree with them use its Wald intervals "
            "(drop --ci profile)",
            v,
            s->vcov == PARTREG_VCOV_CLUSTER
                ? " (the rows of a cluster too, so with correlated rows they are too narrow)"
                : "",
            v) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

static partreg_status inference_phases(partreg_analysis *a, const partreg_analysis_spec *s,
                                       partreg_error *err)
{
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    partreg_status st;
    int usable = a->fit_status == PARTREG_OK;
    if (a->streamed && (st = refuse_streamed(s, err)) != PARTREG_OK)
        return st;
    partreg_timing *t = &a->timing;
    int designed = a->survey || a->stream_design;
    if ((usable || !designed) &&
        (st = partreg_analysis_set_vcov(a, s, a->fit, err)) != PARTREG_OK)
        return st;
    if (!designed && (s->vcov == PARTREG_VCOV_CLUSTER || s->vcov == PARTREG_VCOV_CR2) &&
        (st = cluster_reference(a, s, err)) != PARTREG_OK)
        return st;
    if (usable && s->ci == PARTREG_CI_PROFILE && s->vcov != PARTREG_VCOV_MODEL &&
        (st = note_profile_mix(a, s, err)) != PARTREG_OK)
        return st;
    t->vcov_passes = phase_passes(a);
    st = intervals(a, &d, err);
    t->intervals_passes = phase_passes(a);
    if (st != PARTREG_OK)
        return st;
    if (!usable)
        return PARTREG_OK; /* no margins or tests on a fit that did not converge */
    if ((st = partreg_analysis_margins_run(a, s, err)) != PARTREG_OK)
        return st;
    if (s->margins_at_means &&
        (st = partreg_margins_mem(a->fit, a->frame, a->conf_level, &a->margins_mem, err)) != PARTREG_OK)
        return st;
    t->margins_passes = phase_passes(a);
    if (s->brant) {
        if (designed)
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "--brant cannot be used with a survey design: the Brant "
                                     "test's covariance assumes independent rows; use "
                                     "--parallel-test (design-based Wald tests of equal slopes), "
                                     "or --nominal VAR and its design-based Wald test");
        /* a test that cannot be made leaves the rest of the report: its
         * section says why it is absent */
        partreg_error berr;
        if (partreg_fit_n_thresholds(a->fit) == 0)
            snprintf(a->brant_absent, sizeof a->brant_absent,
                     "--brant tests the parallel-lines assumption of an ordinal model; this "
                     "model is %s",
                     partreg_fit_model_name(a->fit));
        else if ((st = partreg_brant_test(a->fit, &d, &a->brant, &berr)) == PARTREG_ENOMEM)
            return partreg_error_set(err, st, "%s", berr.message);
        else if (st != PARTREG_OK)
            snprintf(a->brant_absent, sizeof a->brant_absent, "%s", berr.message);
        if (a->brant && partreg_fit_vcov_type(a->fit) != PARTREG_VCOV_MODEL)
            snprintf(a->brant_note, sizeof a->brant_note,
                     "the Brant test's covariance assumes independent rows; it does not use "
                     "the %s covariance of the estimates (--parallel-test gives the Wald test "
                     "of equal slopes under it)",
                     partreg_vcov_name(partreg_fit_vcov_type(a->fit)));
        t->brant_passes = phase_passes(a);
    }
    if (s->wald_tests &&
        (st = partreg_wald_tests_by_variable(a->fit, a->frame, &a->wald, err)) != PARTREG_OK)
        return st;
    if ((st = partreg_analysis_ordinal_tests(a, s, err)) != PARTREG_OK)
        return st;
    t->tests_passes = phase_passes(a);
    if (robust_vcov(partreg_fit_vcov_type(a->fit)) &&
        (st = wald_model_test(a, err)) != PARTREG_OK)
        return st;
    if (designed) {
        if (s->diagnostics && partreg_fit_n_outcomes(a->fit) == 1 && a->streamed)
            a->diagnostics_left_out = 1;
        else if (s->diagnostics && partreg_fit_n_outcomes(a->fit) == 1)
            a->has_survey_gof = partreg_fit_survey_gof(a->fit, &d, a->survey, 10,
                                                       &a->survey_gof, NULL) == PARTREG_OK;
    } else if (s->diagnostics && partreg_fit_n_outcomes(a->fit) == 1 && a->streamed) {
        a->diagnostics_left_out = 1;
    } else if (s->diagnostics && partreg_fit_n_outcomes(a->fit) == 1) {
        /* the diagnostics sort every row's fitted probability: not of rows
         * on disk or in shares (left out, as for a fit that did not
         * converge) */
        partreg_error derr;
        partreg_binary_diagnostics_options dopt = partreg_binary_diagnostics_options_default();
        dopt.threads = s->fit.threads;
        a->has_diagnostics = partreg_fit_binary_diagnostics(a->fit, &d, &dopt, &a->diagnostics,
                                                            &derr) == PARTREG_OK;
    }
    t->diagnostics_passes = phase_passes(a);
    return PARTREG_OK;
}

/* The options that only a random-intercept model reads, and the one it
 * refuses, against the formula. */
partreg_status partreg_analysis_check_groups(const partreg_analysis *a,
                                             const partreg_analysis_spec *s, partreg_error *err)
{
    const char *g = partreg_frame_group_variable(a->frame);
    if (!g && s->nagq)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--nagq %d sets the quadrature of a random intercept, and the "
                                 "formula has none; add a term (1 | GROUP)",
                                 s->nagq);
    if (!g && s->ri_conditional)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--conditional asks for predictions at a random intercept of 0, "
                                 "and the formula has none; add a term (1 | GROUP)");
    if (g && partreg_frame_has_survey(a->frame))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "a random intercept (1 | %s) is not offered with a survey "
                                 "design: drop the design options, or drop (1 | %s) and let "
                                 "--psu %s carry the communities",
                                 g, g, g);
    if (g && s->firth)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--firth is not offered with a random intercept (1 | %s): the "
                                 "Firth penalty is of the model without it; drop one of them",
                                 g);
    if (g) {
        const char *ordinal = s->nominal         ? "--nominal"
                              : s->frame.scale   ? "--scale"
                              : s->autofit       ? "--autofit"
                              : s->nominal_test  ? "--nominal-test"
                              : s->scale_test    ? "--scale-test"
                              : s->parallel_test ? "--parallel-test"
                              : s->ordinal_gof   ? "--gof"
                              : s->brant         ? "--brant"
                                                 : NULL;
        if (ordinal)
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "%s is not offered with the random intercept (1 | %s): it "
                                     "is of the model without it; drop one of them",
                                     ordinal, g);
    }
    if (g && s->vcov != PARTREG_VCOV_MODEL)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--vcov %s is not offered with the random intercept (1 | %s): "
                                 "the model covariance already accounts for the groups; use "
                                 "--vcov model",
                                 partreg_vcov_name(s->vcov), g);
    return PARTREG_OK;
}

partreg_status partreg_analysis_set_groups(const partreg_analysis *a,
                                          const partreg_analysis_spec *s,
                                          partreg_model_spec *ms, partreg_error *err)
{
    size_t G = 0;
    const size_t *groups = partreg_frame_groups(a->frame, &G);
    if (!groups)
        return PARTREG_OK;
    const char **labels = malloc((G ? G : 1) * sizeof *labels);
    if (!labels)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t g = 0; g < G; g++)
        labels[g] = partreg_frame_group_label(a->frame, g);
    partreg_status st;
    if ((st = partreg_model_spec_set_groups(ms, partreg_frame_n_rows(a->frame), groups, G, labels,
                                            partreg_frame_group_variable(a->frame), err)) ==
            PARTREG_OK &&
        (st = partreg_model_spec_set_nagq(ms, s->nagq, err)) == PARTREG_OK)
        st = partreg_model_spec_set_ri_predictions(
            ms, s->ri_conditional ? PARTREG_RI_CONDITIONAL : PARTREG_RI_AVERAGED, err);
    free(labels);
    return st;
}

static partreg_status inference(partreg_analysis *a, const partreg_analysis_spec *s,
                                partreg_error *err)
{
    uint64_t before = a->passes_mark = partreg_fit_rows_read(a->fit);
    partreg_status st = inference_phases(a, s, err);
    a->timing.inference_passes =
        partreg_fit_passes_between(a->fit, before, partreg_fit_rows_read(a->fit));
    return st;
}

/* Notes for the columns the model uses that the reader read with decimal
 * commas (partreg_table_decimal_comma): the user should know that "4,5"
 * was taken for 4.5. Returns how many were written (at most max). */
static size_t decimal_comma_notes(const partreg_table *t, const partreg_formula *f,
                                  const partreg_analysis_spec *s,
                                  char notes[][PARTREG_ERROR_MESSAGE_SIZE], size_t max)
{
    size_t n = 0, nv = partreg_formula_n_variables(f);
    for (size_t v = 0; v < nv + 3 && n < max; v++) {
        const char *name = v < nv        ? partreg_formula_variable(f, v)
                           : v == nv     ? partreg_formula_response(f)
                           : v == nv + 1 ? s->frame.weights
                                         : s->frame.cluster;
        size_t j;
        long line;
        const char *value;
        if (!name || partreg_table_find_column(t, name, &j, NULL) != PARTREG_OK ||
            !partreg_table_decimal_comma(t, j, &line, &value))
            continue;
        snprintf(notes[n++], PARTREG_ERROR_MESSAGE_SIZE,
                 "column '%s' has decimal commas ('%s' on line %ld): read as numbers with ',' "
                 "as the decimal point",
                 name, value, line);
    }
    return n;
}

static partreg_status run_stacked(const partreg_table *table, const partreg_analysis_spec *s,
                                  partreg_analysis **out, partreg_error *err);

static partreg_status run(partreg_analysis *a, const partreg_table *table,
                          const partreg_analysis_spec *s, double t0, partreg_error *err)
{
    partreg_status st;
    double t1 = now_s();
    if ((st = partreg_formula_parse(s->formula, &a->formula, err)) != PARTREG_OK)
        return st;
    size_t *over_codes = NULL;
    if (s->over && (st = partreg_analysis_over_read(a, table, s->over, &over_codes, err)) !=
                       PARTREG_OK)
        return st;
    char notes[4][PARTREG_ERROR_MESSAGE_SIZE];
    size_t n_notes = decimal_comma_notes(table, a->formula, s, notes, 4);
    if (table == a->own_table) {
        /* the frame takes the numeric columns it can from the table we
         * read, and holds all the later steps need: release the rest of
         * the table before the fit (at 10^7 rows x 12 columns, 0.96 GB) */
        st = partreg_frame_create_taking(a->own_table, a->formula, &s->frame, &a->frame, err);
        partreg_table_free(a->own_table);
        a->own_table = NULL;
    } else {
        st = partreg_frame_create(table, a->formula, &s->frame, &a->frame, err);
    }
    if (st == PARTREG_OK && over_codes)
        st = partreg_analysis_over_map(a, over_codes, err);
    free(over_codes);
    if (st != PARTREG_OK)
        return st;
    if (partreg_frame_has_survey(a->frame) &&
        (st = partreg_survey_create_frame(a->frame, &s->survey, &a->survey, err)) != PARTREG_OK)
        return st;
    double t2 = now_s();
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    partreg_error ferr;
    if ((st = partreg_analysis_check_groups(a, s, err)) != PARTREG_OK)
        return st;
    st = partreg_analysis_fit_model(a, s, &d, &ferr);
    double t3 = now_s();
    if (!a->fit) {
        if (err)
            *err = ferr;
        return st;
    }
    a->fit_status = st;
    a->timing.fit_passes = partreg_fit_data_passes(a->fit);
    memcpy(a->fit_message, ferr.message, sizeof a->fit_message);
    for (size_t k = 0; k < n_notes; k++)
        if (partreg_fit_add_warning(a->fit, "%s", notes[k]) != PARTREG_OK)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    warn_sampling_like_weights(a, s);
    if ((st = inference(a, s, err)) != PARTREG_OK)
        return st;
    double t4 = now_s();
    a->timing.design_s = t2 - t1;
    a->timing.fit_s = t3 - t2;
    a->timing.inference_s = t4 - t3;
    a->timing.total_s = t4 - t0;
    if (a->fit_status != PARTREG_OK && err) {
        err->status = a->fit_status;
        memcpy(err->message, a->fit_message, sizeof err->message);
    }
    return a->fit_status;
}

static partreg_status start(const partreg_analysis_spec *s, const char *source,
                            partreg_analysis **out, partreg_error *err)
{
    partreg_status st = check_spec(s, err);
    if (st != PARTREG_OK)
        return st;
    /* the constant PARTREG_ENOMEM returns show that *out is unset */
    partreg_analysis *a = calloc(1, sizeof *a);
    if (!a) {
        partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        return PARTREG_ENOMEM;
    }
    a->formula_text = dup_string(s->formula);
    a->source = dup_string(source ? source : "");
    if (!a->formula_text || !a->source) {
        partreg_analysis_free(a);
        partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        return PARTREG_ENOMEM;
    }
    a->link = s->link;
    a->vcov = s->vcov;
    a->ci = s->ci;
    a->conf_level = s->conf_level;
    a->prob_ci = s->prob_ci;
    a->contrast_type = s->contrast;
    a->cluster_df = s->cluster_df;
    *out = a;
    return PARTREG_OK;
}

static partreg_status finish(partreg_analysis *a, partreg_status st, partreg_analysis **out)
{
    if (st == PARTREG_OK || st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION) {
        *out = a;
        return st;
    }
    partreg_analysis_free(a);
    *out = NULL;
    return st;
}

partreg_status partreg_analysis_run_table(const partreg_table *table,
                                          const partreg_analysis_spec *s,
                                          partreg_analysis **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL output pointer");
    *out = NULL;
    if (!table)
        return partreg_error_set(err, PARTREG_EINVAL, "no table given");
    if (!s)
        return partreg_error_set(err, PARTREG_EINVAL, "no analysis spec given");
    if (s->imputations)
        return run_stacked(table, s, out, err);
    partreg_analysis *a = NULL;
    double t0 = now_s();
    partreg_status st = start(s, partreg_table_source(table), &a, err);
    if (st != PARTREG_OK)
        return st;
    return finish(a, run(a, table, s, t0, err), out);
}

/* A CSV file read in blocks (analysis_stream.c), then the inference. */
static partreg_status run_streamed(partreg_analysis *a, const char *path,
                                   const partreg_analysis_spec *s, double t0, partreg_error *err)
{
    const partreg_frame_options *f = &s->frame;
    const char *what = f->repweights                  ? "replicate weights (--repweights)"
                       : s->imputations               ? "--imputations"
                       : s->firth || s->flic           ? "--firth"
                       : s->vcov == PARTREG_VCOV_CR2   ? "--vcov cr2"
                       : s->nominal || s->autofit      ? "--nominal and --autofit"
                       : f->scale                      ? "--scale"
                       : s->nominal_test || s->scale_test || s->parallel_test
                           ? "the nominal, scale and parallel-lines tests"
                       : s->ordinal_gof ? "the ordinal goodness-of-fit tests"
                                        : NULL; /* (1 | G): analysis_stream.c */
    if (!f->repweights &&
        (s->survey.rep_type_given || s->survey.fay_rho != 0.0 || s->survey.rep_mse))
        return partreg_error_set(err, PARTREG_EINVAL, /* partreg_survey_create_frame's */
                                 "--rep-type, --fay-rho and --rep-mse describe replicate "
                                 "weights; add --repweights \"PREFIX*\"");
    if (what)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: not available for a file read in blocks (out of core or "
                                 "in shares of a distributed fit); raise --memory to read the "
                                 "file in memory",
                                 what);
    partreg_status st = partreg_analysis_stream(a, path, s, t0, err);
    if (st != PARTREG_OK)
        return st;
    if (a->fit && a->streamed_fractional && s->vcov == PARTREG_VCOV_MODEL)
        partreg_fit_add_warning(a->fit,
                                "--weights %s are frequency weights (each row counts w times), "
                                "but %zu of them are not whole numbers, as sampling weights are; "
                                "the standard errors then depend on the scale of the weights. "
                                "For survey weights use --sampling-weights %s (with "
                                "--strata/--psu), or a robust --vcov",
                                f->weights, a->streamed_fractional, f->weights);
    double t3 = now_s();
    if ((st = inference(a, s, err)) != PARTREG_OK)
        return st;
    double t4 = now_s();
    a->timing.inference_s = t4 - t3;
    a->timing.total_s = t4 - t0;
    if (a->fit_status != PARTREG_OK && err) {
        err->status = a->fit_status;
        memcpy(err->message, a->fit_message, sizeof err->message);
    }
    return a->fit_status;
}

/* Stacked completed data sets: split `table` by the imputation column
 * (1..m; 0 = the original data, skipped) and pool (pool.c). */
static partreg_status run_stacked(const partreg_table *table, const partreg_analysis_spec *s,
                                  partreg_analysis **out, partreg_error *err)
{
    size_t col;
    partreg_status st = partreg_table_find_column(table, s->imputations, &col, err);
    if (st != PARTREG_OK)
        return st;
    const double *imp = partreg_table_numeric(table, col);
    size_t n = partreg_table_n_rows(table), m = 0;
    if (!imp)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "--imputations %s: the column must hold the imputation numbers "
                                 "0..m, but it has text",
                                 s->imputations);
    for (size_t i = 0; i < n; i++) {
        double v = imp[i];
        if (!(v >= 0 && v == floor(v) && v <= 1e6))
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "%s line %ld: imputation number '%g' in column %s is "
                                           "not a whole number from 0 (original data) to m",
                                           partreg_table_source(table),
                                           partreg_table_row_line(table, i), v, s->imputations);
        if ((size_t)v > m)
            m = (size_t)v;
    }
    size_t *count = calloc(m + 1, sizeof *count), *rows = malloc((n ? n : 1) * sizeof *rows);
    partreg_table **tabs = calloc(m ? m : 1, sizeof(partreg_table *));
    if (!count || !rows || !tabs) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        count[(size_t)imp[i]]++;
    for (size_t t = 1; t <= m; t++) {
        if (count[t] == 0) {
            st = partreg_error_set(err, PARTREG_EDATA,
                                   "--imputations %s: no rows of imputation %zu (the imputations "
                                   "must be numbered 1..m without gaps; m = %zu here)",
                                   s->imputations, t, m);
            goto cleanup;
        }
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)imp[i] == t)
                rows[r++] = i;
        if (partreg_table_subset(table, rows, r, &tabs[t - 1]) != PARTREG_OK) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    st = partreg_analysis_run_imputations((const partreg_table *const *)tabs, m, s, out, err);
cleanup:
    for (size_t t = 0; tabs && t < m; t++)
        partreg_table_free(tabs[t]);
    free(tabs);
    free(count);
    free(rows);
    return st;
}

partreg_status partreg_analysis_run(const char *path, const partreg_analysis_spec *s,
                                    partreg_analysis **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL output pointer");
    *out = NULL;
    if (!path)
        return partreg_error_set(err, PARTREG_EINVAL, "no data file given");
    partreg_analysis *a = NULL;
    double t0 = now_s();
    partreg_status st = start(s, path, &a, err);
    if (st != PARTREG_OK)
        return st;
    int streamed = 0;
    partreg_analysis_choose_stream(path, s, &streamed);
    if (streamed)
        return finish(a, run_streamed(a, path, s, t0, err), out);
    if (s->fit.comm && s->fit.comm->size > 1) { /* (every process has the same path) */
        partreg_analysis_free(a);
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: a distributed fit reads a CSV file in shares; SPSS and "
                                 "Stata files are read in memory by one process (convert it to "
                                 "CSV, or fit it with partreg fit)",
                                 path);
    }
    st = partreg_table_read(path, &s->read, &a->own_table, err);
    if (st != PARTREG_OK) {
        partreg_analysis_free(a);
        return st;
    }
    if (s->imputations) {
        st = run_stacked(a->own_table, s, out, err);
        partreg_analysis_free(a);
        return st;
    }
    a->timing.read_s = now_s() - t0;
    return finish(a, run(a, a->own_table, s, t0, err), out);
}

/* The first data row used by one model only (as `*only_full`), or
 * SIZE_MAX when both use the same rows. */
static size_t first_unshared_row(const partreg_frame *a, const partreg_frame *b, int *in_a)
{
    const size_t *ra = partreg_frame_row_index(a), *rb = partreg_frame_row_index(b);
    size_t na = partreg_frame_n_rows(a), nb = partreg_frame_n_rows(b), i = 0, j = 0;
    while (i < na && j < nb) {
        if (ra[i] == rb[j]) {
            i++;
            j++;
        } else {
            *in_a = ra[i] < rb[j];
            return *in_a ? ra[i] : rb[j];
        }
    }
    if (i < na) {
        *in_a = 1;
        return ra[i];
    }
    if (j < nb) {
        *in_a = 0;
        return rb[j];
    }
    return SIZE_MAX;
}

partreg_status partreg_analysis_lr_test(const partreg_analysis *full,
                                        const partreg_analysis *reduced, double *chi2,
                                        double *df, double *p, partreg_error *err)
{
    if (chi2)
        *chi2 = NAN;
    if (df)
        *df = NAN;
    if (p)
        *p = NAN;
    if (!full || !reduced || !chi2 || !df || !p)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_analysis_lr_test: NULL argument");
    const partreg_frame *ff = full->frame, *fr = reduced->frame;
    const char *yf = partreg_frame_response(ff), *yr = partreg_frame_response(fr);
    if (strcmp(yf, yr) != 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models have different outcomes ('%s' and '%s'): a "
                                 "likelihood-ratio test compares models of the same outcome",
                                 yf, yr);
    int in_full = 0;
    size_t row = first_unshared_row(ff, fr, &in_full);
    if (row != SIZE_MAX)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models use different rows (%zu and %zu): data row %zu is "
                                 "used by the %s model only, as a variable of the other is "
                                 "missing there; drop the rows with missing values in any "
                                 "variable of either model and test again",
                                 partreg_frame_n_rows(ff), partreg_frame_n_rows(fr), row + 1,
                                 in_full ? "full" : "reduced");
    const double *wf = partreg_frame_weights(ff), *wr = partreg_frame_weights(fr);
    if ((wf == NULL) != (wr == NULL))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the %s model has weights and the %s one has none: a "
                                 "likelihood-ratio test needs the same weights in both",
                                 wf ? "full" : "reduced", wf ? "reduced" : "full");
    if (wf && memcmp(wf, wr, partreg_frame_n_rows(ff) * sizeof *wf) != 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the models use different weights: a likelihood-ratio test "
                                 "needs the same weights in both");
    /* weights that are not counts make the likelihood a pseudo-likelihood,
     * whose LR statistic has no chi-square distribution */
    for (size_t i = 0; wf && i < partreg_frame_n_rows(ff); i++)
        if (wf[i] != floor(wf[i]))
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "the weights are not whole numbers (data row %zu: %g), so "
                                     "they are not frequency weights and the likelihood-ratio "
                                     "statistic has no chi-square distribution; for sampling "
                                     "weights use the design-based Wald tests of partreg fit "
                                     "--sampling-weights",
                                     partreg_frame_row_index(ff)[i] + 1, wf[i]);
    return partreg_lr_test(full->fit, reduced->fit, chi2, df, p, err);
}
