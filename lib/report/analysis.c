/* The `partreg fit` pipeline as a library call: read, frame, fit,
 * inference (partreg_analysis.h). Each step's error is passed through
 * unchanged, so the message that reaches the user names the file, line,
 * column or term where the step found the problem. */
#define _POSIX_C_SOURCE 200809L
#include "report/analysis_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "frame/frame_internal.h"
#include "models/design_file.h"

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
    free(a);
}

const partreg_fit *partreg_analysis_fit(const partreg_analysis *a) { return a->fit; }
const partreg_frame *partreg_analysis_frame(const partreg_analysis *a) { return a->frame; }
const partreg_margins *partreg_analysis_margins(const partreg_analysis *a) { return a->margins; }
partreg_timing partreg_analysis_timing(const partreg_analysis *a) { return a->timing; }
int partreg_analysis_out_of_core(const partreg_analysis *a) { return a && a->design_file != NULL; }

static partreg_status check_spec(const partreg_analysis_spec *s, partreg_error *err)
{
    if (!s || !s->formula)
        return partreg_error_set(err, PARTREG_EINVAL, "no formula given; use --formula \"Y ~ x + z\"");
    if (!(s->conf_level > 0 && s->conf_level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95",
                                 s->conf_level);
    if (s->vcov == PARTREG_VCOV_CLUSTER && !s->frame.cluster)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--vcov cluster needs --cluster COLUMN naming the cluster ids");
    if (s->frame.cluster && s->vcov != PARTREG_VCOV_CLUSTER)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--cluster %s is given but --vcov is %s; add --vcov cluster",
                                 s->frame.cluster, partreg_vcov_name(s->vcov));
    if (s->ci != PARTREG_CI_WALD && s->ci != PARTREG_CI_PROFILE)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown confidence-interval method");
    return PARTREG_OK;
}

/* Wald intervals for every parameter, then profile intervals for the
 * coefficients when asked (thresholds keep Wald intervals, as the contract
 * says). */
static partreg_status intervals(partreg_analysis *a, const partreg_data *d, partreg_error *err)
{
    size_t full = partreg_fit_n_columns(a->fit) + partreg_fit_n_thresholds(a->fit);
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
    for (size_t j = 0; j < partreg_fit_n_columns(a->fit); j++) {
        if (partreg_fit_column_dropped(a->fit, j))
            continue;
        partreg_status st = partreg_fit_profile_ci(a->fit, d, j, a->conf_level, &a->conf_low[j],
                                                   &a->conf_high[j], err);
        if (st != PARTREG_OK)
            return st;
    }
    return PARTREG_OK;
}

/* What needs every row's variables in memory, refused for a file read in
 * blocks. */
static partreg_status refuse_streamed(const partreg_analysis_spec *s, partreg_error *err)
{
    const char *what = s->margins            ? "--margins (average marginal effects)"
                       : s->margins_at_means ? "marginal effects at the means"
                       : s->at               ? "--at (predictions at values)"
                                             : NULL;
    if (!what)
        return PARTREG_OK;
    return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                             "%s average over every row's variables, which a file read in "
                             "blocks (out of core or in shares) does not keep in memory; raise "
                             "--memory to read the file in memory, or compute them on a "
                             "subsample",
                             what);
}

static partreg_status inference(partreg_analysis *a, const partreg_analysis_spec *s,
                                partreg_error *err)
{
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    partreg_status st;
    int usable = a->fit_status == PARTREG_OK;
    if (a->streamed && (st = refuse_streamed(s, err)) != PARTREG_OK)
        return st;
    if (s->vcov != PARTREG_VCOV_MODEL) {
        size_t G = 0;
        const size_t *cl = partreg_frame_clusters(a->frame, &G);
        st = partreg_fit_set_vcov(a->fit, &d, s->vcov, s->vcov == PARTREG_VCOV_CLUSTER ? cl : NULL,
                                  G, err);
        if (st != PARTREG_OK)
            return st;
    }
    if ((st = intervals(a, &d, err)) != PARTREG_OK)
        return st;
    if (!usable)
        return PARTREG_OK; /* no margins or tests on a fit that did not converge */
    if (s->margins &&
        (st = partreg_margins_ame(a->fit, a->frame, a->conf_level, &a->margins, err)) != PARTREG_OK)
        return st;
    if (s->margins_at_means &&
        (st = partreg_margins_mem(a->fit, a->frame, a->conf_level, &a->margins_mem, err)) != PARTREG_OK)
        return st;
    if (s->at) {
        partreg_setting *set = NULL;
        size_t n_set = 0;
        if ((st = partreg_parse_settings(a->frame, s->at, &set, &n_set, err)) != PARTREG_OK)
            return st;
        st = partreg_margins_at(a->fit, a->frame, set, n_set, a->conf_level, &a->margins_at, err);
        free(set);
        if (st != PARTREG_OK)
            return st;
    }
    if (s->brant) {
        if (partreg_fit_n_thresholds(a->fit) == 0)
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "--brant tests the parallel-lines assumption of an ordinal "
                                     "model; this model is %s",
                                     partreg_fit_model_name(a->fit));
        if ((st = partreg_brant_test(a->fit, &d, &a->brant, err)) != PARTREG_OK)
            return st;
    }
    if (s->wald_tests &&
        (st = partreg_wald_tests_by_variable(a->fit, a->frame, &a->wald, err)) != PARTREG_OK)
        return st;
    /* the diagnostics sort every row's fitted probability: not of rows on
     * disk or in shares (left out, as for a fit that did not converge) */
    if (s->diagnostics && partreg_fit_n_outcomes(a->fit) == 1 && !a->streamed) {
        partreg_error derr;
        partreg_binary_diagnostics_options dopt = partreg_binary_diagnostics_options_default();
        dopt.threads = s->fit.threads;
        a->has_diagnostics = partreg_fit_binary_diagnostics(a->fit, &d, &dopt, &a->diagnostics,
                                                            &derr) == PARTREG_OK;
    }
    return PARTREG_OK;
}

static partreg_status run(partreg_analysis *a, const partreg_table *table,
                          const partreg_analysis_spec *s, double t0, partreg_error *err)
{
    partreg_status st;
    double t1 = now_s();
    if ((st = partreg_formula_parse(s->formula, &a->formula, err)) != PARTREG_OK)
        return st;
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
    if (st != PARTREG_OK)
        return st;
    double t2 = now_s();
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    partreg_error ferr;
    st = partreg_fit_create(&d, partreg_frame_family(a->frame), s->link, &s->fit, &a->fit, &ferr);
    double t3 = now_s();
    if (!a->fit) {
        if (err)
            *err = ferr;
        return st;
    }
    a->fit_status = st;
    memcpy(a->fit_message, ferr.message, sizeof a->fit_message);
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
    partreg_status st = partreg_analysis_stream(a, path, s, t0, err);
    if (st != PARTREG_OK)
        return st;
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
    st = partreg_table_read(path, &s->read, &a->own_table, err);
    if (st != PARTREG_OK) {
        partreg_analysis_free(a);
        return st;
    }
    a->timing.read_s = now_s() - t0;
    return finish(a, run(a, a->own_table, s, t0, err), out);
}
