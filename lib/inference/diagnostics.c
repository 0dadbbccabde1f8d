/* Goodness of fit and discrimination of binary models, over rows sorted by
 * the fitted probability p_i (case weights w_i act as frequencies):
 *
 * Hosmer-Lemeshow (Hosmer & Lemeshow 1980; Hosmer, Lemeshow & Sturdivant
 * 2013, sec. 5.2.2): rows with fitted value v go to group
 * ceil(g C(v) / W), C(v) = weight of rows with p <= v, W = total weight, so
 * ties share a group (as Stata's `estat gof, group(g)`) and empty groups
 * are skipped;
 *   chi2 = sum_groups (O - E)^2 / (E (1 - E/N)),   df = groups - 2,
 * O = weight of events, E = sum w p, N = weight of the group.
 * ROC area (Mann-Whitney): AUC = sum_{i: y=1} sum_{j: y=0} w_i w_j
 *   [1{p_i > p_j} + 1/2 1{p_i = p_j}] / (W1 W0),
 * with the DeLong, DeLong & Clarke-Pearson (1988) standard error from the
 * placement values V10_i (share of events' non-events scored lower, ties
 * 1/2) and V01_j: SE^2 = S10/W1 + S01/W0, S10 = sum w (V10 - AUC)^2/(W1 - 1).
 * Brier (1950) score: sum w (y - p)^2 / W. Classification at cutoff c:
 * predicted event when p >= c (Stata's `estat classification`).
 * See docs/methods_inference.md.
 *
 * Speed: the rows are sorted by partreg_scored_sort (scored_sort.c), a
 * bucket sort that gives the stable order by p, and eta reads the
 * coefficients from a plain array; the logit F(eta) is computed inline
 * with the operations of link.c, on threads over row ranges
 * (options.threads), each row as on one thread; the sums run on one
 * thread in a fixed order, so no number depends on the threads. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/team.h"
#include "inference/inference_internal.h"
#include "models/link.h"

partreg_binary_diagnostics_options partreg_binary_diagnostics_options_default(void)
{
    partreg_binary_diagnostics_options o;
    memset(&o, 0, sizeof o);
    o.hl_groups = 10;
    o.cutoff = 0.5;
    return o;
}

typedef partreg_scored scored;

/* For scores outside [0, 1] (not produced by the links), which
 * partreg_scored_sort refuses: qsort by p. */
static int by_p(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return (x > y) - (x < y);
}

static void clear(partreg_binary_diagnostics *out)
{
    double nan = NAN;
    memset(out, 0, sizeof *out); /* the reserve too */
    out->hl_chi2 = out->hl_df = out->hl_p = nan;
    out->hl_groups = 0;
    out->auc = out->auc_se = out->brier = out->cutoff = nan;
    out->true_pos = out->false_pos = out->true_neg = out->false_neg = nan;
    out->sensitivity = out->specificity = out->accuracy = out->ppv = out->npv = nan;
}

/* Rows per thread below which the fitted values use fewer threads. */
#define DIAG_MIN_ROWS_PER_THREAD 65536

/* One thread's rows [begin, end): checks each row (weight, outcome, the
 * kept columns finite, in that order) and stores r[i] = {P(y = 1), y_i,
 * w_i} with P from the model's prediction; stops at the first bad row
 * (bad, why = 1 weight, 2 outcome, 3 a value). */
typedef struct score_job {
    const partreg_fit *fit;
    const partreg_data *data;
    size_t ldx;
    double *scratch; /* the model's prediction scratch */
    scored *r;
    size_t begin, end;
    size_t bad;
    int why;
} score_job;

static void score_rows(score_job *j)
{
    const partreg_data *data = j->data;
    const partreg_fit *fit = j->fit;
    const partreg_model *m = &fit->model;
    for (size_t i = j->begin; i < j->end; i++) {
        double w = data->w ? data->w[i] : 1.0, y = data->y[i];
        if (!isfinite(w) || w < 0) {
            j->bad = i;
            j->why = 1;
            return;
        }
        if (y != 0.0 && y != 1.0) {
            j->bad = i;
            j->why = 2;
            return;
        }
        const double *x = data->X + i * j->ldx;
        int finite = 1;
        for (size_t k = 0; k < fit->p; k++)
            finite &= fit->dropped[k] || isfinite(x[k]);
        double prob = 0.0;
        if (finite && w != 0.0)
            m->ops->predict(m, fit->par->data, x, NULL, 1.0, &prob, NULL, j->scratch);
        if (!finite || !isfinite(prob)) {
            j->bad = i;
            j->why = 3;
            return;
        }
        j->r[i].wy = y == 1.0 ? -w : w;
        j->r[i].p = prob;
    }
}

static void score_share(void *jobs, size_t t)
{
    score_rows((score_job *)jobs + t);
}

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

/* The fitted probabilities of the n rows into r, on threads over row
 * ranges; the first bad row's error (the lowest thread's). */
static partreg_status score_all(const partreg_fit *fit, const partreg_data *data, int threads,
                                scored *r, partreg_error *err)
{
    size_t n = data->n, ldx = data->ldx ? data->ldx : data->p;
    size_t T = partreg_team_threads(NULL, threads, n, DIAG_MIN_ROWS_PER_THREAD);
    size_t ns = fit->model.ops->predict_scratch(&fit->model);
    ns = ns ? ns : 1;
    double *scratch = malloc(T * ns * sizeof *scratch);
    if (!scratch)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    score_job jobs[PARTREG_TEAM_MAX];
    memset(jobs, 0, sizeof jobs);
    for (size_t k = 0; k < T; k++)
        jobs[k] = (score_job){fit, data, ldx, scratch + k * ns, r, n * k / T, n * (k + 1) / T,
                              SIZE_MAX, 0};
    partreg_team_run(NULL, T, score_share, jobs);
    partreg_fit_count_rows(fit, n); /* the fitted values' pass over the design */
    free(scratch);
    for (size_t k = 0; k < T; k++) {
        size_t i = jobs[k].bad;
        if (i == SIZE_MAX)
            continue;
        if (jobs[k].why == 1)
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu: weight %g is not finite and >= 0", i + 1,
                                           data->w[i]);
        if (jobs[k].why == 2)
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu: binary outcome %g is not 0 or 1", i + 1,
                                           data->y[i]);
        return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                       "row %zu has a non-finite value", i + 1);
    }
    return PARTREG_OK;
}

/* The weighted sums in row order: total and event weight, the Brier sum
 * and the classification at the cutoff. */
typedef struct row_sums {
    double W, W1, brier, tp, fp, tn, fn;
} row_sums;

/* The sums of the n rows of r, leaving out the rows of weight 0, which
 * are removed from r: returns the rows kept. */
static size_t sum_rows(scored *r, size_t n, double cutoff, row_sums *s)
{
    size_t used = 0;
    *s = (row_sums){0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        double w = partreg_scored_w(r[i]), y = partreg_scored_y(r[i]), p = r[i].p;
        if (w == 0.0)
            continue;
        r[used++] = r[i];
        s->W += w;
        s->W1 += w * y;
        s->brier += w * (y - p) * (y - p);
        if (p >= cutoff) {
            if (y == 1.0) s->tp += w; else s->fp += w;
        } else {
            if (y == 1.0) s->fn += w; else s->tn += w;
        }
    }
    return used;
}

/* One tie group (equal p) starting at row a of the sorted rows: its
 * event weight t1, non-event weight t0 and sum of w p (te); returns the
 * row after it. */
static size_t tie_group(const scored *r, size_t used, size_t a, double *t1, double *t0,
                        double *te)
{
    size_t b = a;
    *t1 = *t0 = *te = 0.0;
    for (; b < used && r[b].p == r[a].p; b++) {
        double w = partreg_scored_w(r[b]), y = partreg_scored_y(r[b]);
        *t1 += w * y;
        *t0 += w * (1.0 - y);
        *te += w * r[b].p;
    }
    return b;
}

/* Hosmer-Lemeshow (into out: chi2 and groups) and the ROC area over the
 * rows sorted by p, one tie group at a time. */
static double hl_and_auc(const scored *r, size_t used, size_t hl_groups, double W, double W1,
                         double W0, partreg_binary_diagnostics *out)
{
    double G = (double)hl_groups, C = 0.0;
    double gN = 0, gO = 0, gE = 0, hl = 0.0;
    size_t group = 0, groups = 0;
    double below0 = 0.0, auc_sum = 0.0;
    for (size_t a = 0; a < used;) {
        double t1, t0, te;
        size_t b = tie_group(r, used, a, &t1, &t0, &te);
        C += t1 + t0;
        double gq = ceil(G * C / W);
        size_t g = gq < 1 ? 1 : (gq > G ? hl_groups : (size_t)gq);
        if (g != group && gN > 0) { /* close the previous group */
            hl += (gO - gE) * (gO - gE) / (gE * (1.0 - gE / gN));
            groups++;
            gN = gO = gE = 0.0;
        }
        group = g;
        gN += t1 + t0;
        gO += t1;
        gE += te;
        /* events in this tie group beat the non-events below, tie with these */
        auc_sum += t1 * (below0 + 0.5 * t0);
        below0 += t0;
        a = b;
    }
    if (gN > 0) {
        hl += (gO - gE) * (gO - gE) / (gE * (1.0 - gE / gN));
        groups++;
    }
    out->hl_chi2 = hl;
    out->hl_groups = groups;
    return auc_sum / (W1 * W0);
}

/* DeLong's standard error of the ROC area from the placement values of
 * each tie group. */
static double delong_se(const scored *r, size_t used, double W1, double W0, double auc)
{
    double s10 = 0.0, s01 = 0.0, b0 = 0.0, b1 = 0.0;
    for (size_t a = 0; a < used;) {
        double t1, t0, te;
        size_t b = tie_group(r, used, a, &t1, &t0, &te);
        double v10 = (b0 + 0.5 * t0) / W0;           /* for the events here */
        double v01 = (W1 - b1 - t1 + 0.5 * t1) / W1; /* for the non-events here */
        s10 += t1 * (v10 - auc) * (v10 - auc);
        s01 += t0 * (v01 - auc) * (v01 - auc);
        b0 += t0;
        b1 += t1;
        a = b;
    }
    return W1 > 1 && W0 > 1 ? sqrt(s10 / (W1 - 1.0) / W1 + s01 / (W0 - 1.0) / W0) : NAN;
}

static partreg_status check_args(const partreg_fit *fit, const partreg_data *data,
                                 const partreg_binary_diagnostics_options *opt,
                                 partreg_error *err)
{
    if (fit->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Hosmer-Lemeshow test and DeLong's standard error assume "
                                 "independent rows; under a survey design use the "
                                 "Archer-Lemeshow F-adjusted test (partreg_fit_survey_gof())");
    if (fit->model.nout != 1)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "these diagnostics are for binary models; this fit predicts %zu "
                                 "outcome levels",
                                 fit->model.nout);
    if (data->p != fit->p || (data->ldx != 0 && data->ldx < data->p))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data have %zu columns but the model was fitted on %zu",
                                 data->p, fit->p);
    if (opt->hl_groups < 3)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "Hosmer-Lemeshow needs at least 3 groups (got %zu)",
                                 opt->hl_groups);
    if (!(opt->cutoff >= 0 && opt->cutoff <= 1))
        return partreg_error_set(err, PARTREG_EINVAL, "cutoff %g is outside [0, 1]",
                                 opt->cutoff);
    return PARTREG_OK;
}

/* The results from the sums and the two statistics. */
static void fill(partreg_binary_diagnostics *out, const row_sums *s, double cutoff, double auc,
                 double se)
{
    size_t groups = out->hl_groups;
    out->hl_df = (double)groups - 2.0;
    out->hl_p = groups > 2 ? gsl_cdf_chisq_Q(out->hl_chi2, out->hl_df) : NAN;
    out->auc = auc;
    out->auc_se = se;
    out->brier = s->brier / s->W;
    out->cutoff = cutoff;
    out->true_pos = s->tp;
    out->false_pos = s->fp;
    out->true_neg = s->tn;
    out->false_neg = s->fn;
    out->sensitivity = ratio(s->tp, s->tp + s->fn);
    out->specificity = ratio(s->tn, s->tn + s->fp);
    out->accuracy = (s->tp + s->tn) / s->W;
    out->ppv = ratio(s->tp, s->tp + s->fp);
    out->npv = ratio(s->tn, s->tn + s->fn);
}

partreg_status partreg_fit_binary_diagnostics(const partreg_fit *fit, const partreg_data *data,
                                              const partreg_binary_diagnostics_options *opt,
                                              partreg_binary_diagnostics *out,
                                              partreg_error *err)
{
    partreg_binary_diagnostics_options defaults = partreg_binary_diagnostics_options_default();
    if (out)
        clear(out);
    if (!fit || !data || !data->X || !data->y || !out)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_fit_binary_diagnostics: NULL argument");
    if (!opt)
        opt = &defaults;
    partreg_status st = check_args(fit, data, opt, err);
    if (st != PARTREG_OK)
        return st;
    size_t n = data->n;
    scored *r = calloc(n ? n : 1, sizeof *r);
    if (!r)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    if ((st = score_all(fit, data, opt->threads, r, err)) != PARTREG_OK)
        goto cleanup;
    row_sums s;
    size_t used = sum_rows(r, n, opt->cutoff, &s);
    double W0 = s.W - s.W1;
    if (!(s.W1 > 0) || !(W0 > 0)) {
        st = partreg_error_set(err, PARTREG_EDATA,
                               "the rows contain only %s: the ROC area and the classification "
                               "rates are undefined",
                               s.W1 > 0 ? "events" : "non-events");
        goto cleanup;
    }
    st = partreg_scored_sort(r, used);
    if (st == PARTREG_EINVAL) { /* scores outside [0, 1] */
        qsort(r, used, sizeof *r, by_p);
        st = PARTREG_OK;
    } else if (st != PARTREG_OK) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    double auc = hl_and_auc(r, used, opt->hl_groups, s.W, s.W1, W0, out);
    fill(out, &s, opt->cutoff, auc, delong_se(r, used, s.W1, W0, auc));
    partreg_error_clear(err);
cleanup:
    free(r);
    return st;
}
