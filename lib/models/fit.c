/* Fitting: validation, column screening, start values, Newton-Raphson,
 * separation diagnosis and the model covariance (docs/methods.md).
 *
 * The sequence is the same for every model (model.h); the model's table
 * answers the questions that differ:
 *   1. validate y (outcome codes 0..J-1) and w, and ask the model whether
 *      the outcome classes allow a fit;
 *   2. drop (or refuse) constant and collinear columns (collinear.c), in
 *      the same pass checking that X is finite;
 *   3. start from the model's start values (the null model's maximum,
 *      slopes 0), and on large data move the start to the maximiser on an
 *      evenly spread subsample of the rows (warm_start.c);
 *   4. maximise by Newton-Raphson with step-halving (newton.c);
 *   5. diagnose separation from the solver's stopping signature;
 *   6. invert the information for the model covariance. */
#include "models/fit_internal.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/spd.h"
#include "core/workers.h"
#include "models/collinear.h"
#include "models/link.h"
#include "models/model.h"
#include "models/newton.h"
#include "models/kernels/outcome_sums.h"
#include "models/penalty.h"
#include "models/warm_start.h"

/* At the iteration limit, a decrement below this relative size means the
 * log-likelihood has stopped moving: large steps then mean divergence. */
#define STALLED_DECREMENT 1e-6
/* Pivots below this fraction of the largest mark a singular information. */
#define SINGULAR_PIVOT 1e-14
/* A fit that did not converge names a column whose |mean| is more than
 * this many standard deviations (docs/methods.md: at 7e4 the survey
 * example still converges to the digits of the centred fit, at 7e6 not). */
#define OFFSET_HINT_RATIO 1e5
/* A penalised fit's iteration limit is the options' times this (scoring
 * steps, penalty.c). */
#define PENALISED_ITER_FACTOR 10

partreg_fit_options partreg_fit_options_default(void)
{
    partreg_fit_options o;
    memset(&o, 0, sizeof o);
    o.max_iter = 100;
    o.max_halvings = 40;
    o.rel_tol = 1e-12;
    o.step_tol = 1e-10;
    o.collinear_tol = 1e-7;
    o.separation_step = 1e-3;
    o.separation_patience = 8;
    o.collinear = PARTREG_COLLINEAR_DROP;
    o.information = PARTREG_INFO_OBSERVED;
    o.threads = 0; /* all cores: the accumulation is split into per-thread sums (bench/results.md) */
    o.block_rows = 0;
    o.warm_start_rows = 50000; /* below that a fit takes milliseconds anyway */
    o.kernel = PARTREG_KERNEL_AUTO;
    return o;
}

static char *dup_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

partreg_status partreg_fit_add_warning(partreg_fit *fit, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 forgets the va_start above in every translation unit
     * after the first it analyses in one run. */
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **w = realloc(fit->warnings, (fit->n_warnings + 1) * sizeof *w);
    if (!w)
        return PARTREG_ENOMEM;
    fit->warnings = w;
    if (!(w[fit->n_warnings] = dup_string(buf)))
        return PARTREG_ENOMEM;
    fit->n_warnings++;
    return PARTREG_OK;
}

void partreg_fit_free(partreg_fit *fit)
{
    if (!fit)
        return;
    partreg_model_release(&fit->model);
    partreg_model_spec_free(fit->spec);
    free(fit->kept);
    free(fit->dropped);
    free(fit->free_of);
    free(fit->full_of);
    free(fit->diverges);
    free(fit->df);
    free(fit->survey);
    free(fit->cr2);
    free(fit->rows_read);
    if (fit->par) gsl_vector_free(fit->par);
    if (fit->coef) gsl_vector_free(fit->coef);
    if (fit->thresholds) gsl_vector_free(fit->thresholds);
    if (fit->theta) gsl_vector_free(fit->theta);
    if (fit->info) gsl_matrix_free(fit->info);
    if (fit->bread) gsl_matrix_free(fit->bread);
    if (fit->vcov) gsl_matrix_free(fit->vcov);
    for (size_t j = 0; fit->column_names && j < fit->p; j++)
        free(fit->column_names[j]);
    free(fit->column_names);
    for (size_t j = 0; fit->level_names && j < fit->J; j++)
        free(fit->level_names[j]);
    free(fit->level_names);
    for (size_t j = 0; fit->cut_names && j + 1 < fit->J; j++)
        free(fit->cut_names[j]);
    free(fit->cut_names);
    for (size_t j = 0; j < fit->n_warnings; j++)
        free(fit->warnings[j]);
    free(fit->warnings);
    if (fit->rows)
        partreg_rows_release(fit->rows);
    free(fit->rows);
    free(fit->rows_obj);
    free(fit);
}

size_t partreg_fit_full_index(const partreg_fit *fit, size_t f) { return fit->full_of[f]; }

size_t partreg_fit_free_index(const partreg_fit *fit, size_t j)
{
    return j < fit->K ? fit->free_of[j] : PARTREG_NONE;
}

void partreg_fit_design(const partreg_fit *fit, const partreg_data *data, partreg_design *d)
{
    d->n = data->n;
    d->p = data->p;
    d->ldx = data->ldx ? data->ldx : data->p;
    d->X = data->X;
    d->y = data->y;
    d->w = data->w;
    d->cols = fit->pk == fit->p ? NULL : fit->kept;
    d->pk = fit->pk;
    d->J = fit->J;
    d->link = fit->link;
    d->model = &fit->model;
    d->kernel = fit->kernel;
    d->row0 = 0;
}

void partreg_fit_objective(const partreg_fit *fit, const partreg_design *d,
                           partreg_objective *obj)
{
    if (fit->rows && fit->rows_obj) { /* rows_bind made it */
        *obj = fit->rows_objective;
        return;
    }
    memset(obj, 0, sizeof *obj); /* optional operations a model leaves alone are absent */
    fit->model.ops->objective(&fit->model, d, obj);
    if (fit->model.penalty == PARTREG_PENALTY_FIRTH && obj->info_derivative)
        obj->penalty = partreg_firth_penalty;
    obj->rows_read = fit->rows_read;
}

void partreg_fit_count_rows(const partreg_fit *fit, size_t rows)
{
    if (fit && fit->rows_read)
        atomic_fetch_add_explicit(fit->rows_read, (unsigned long long)rows, memory_order_relaxed);
}

uint64_t partreg_fit_rows_read(const partreg_fit *fit)
{
    if (!fit || !fit->rows_read)
        return 0;
    return (uint64_t)atomic_load_explicit(fit->rows_read, memory_order_relaxed);
}

double partreg_fit_passes_between(const partreg_fit *fit, uint64_t from, uint64_t to)
{
    if (!fit || fit->n == 0 || to < from)
        return 0.0;
    return (double)(to - from) / (double)fit->n;
}

double partreg_fit_passes_read(const partreg_fit *fit)
{
    if (!fit || !fit->rows_read || fit->n == 0)
        return 0.0;
    return (double)atomic_load_explicit(fit->rows_read, memory_order_relaxed) / (double)fit->n;
}

partreg_status partreg_fit_rows_bind(const partreg_fit *fit, const partreg_data *data,
                                     partreg_objective *obj, partreg_error *err)
{
    partreg_rows *r = fit->rows;
    /* a distributed fit's share: this call's arrays (data without arrays,
     * as an analysis's coding frame gives, keeps the rows the fit has) */
    if (!r->file && data && data->X) {
        if (!data->y || data->n != r->count || data->p != r->p ||
            (data->ldx && data->ldx != data->p) || (data->w != NULL) != (r->weighted != 0))
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the data are not this process's share of the rows the "
                                     "model was fitted on (%zu rows of %zu columns%s); pass "
                                     "the fit's own data",
                                     r->count, r->p, r->weighted ? ", with weights" : "");
        r->X = data->X;
        r->y = data->y;
        r->w = data->w;
    }
    *obj = fit->rows_objective;
    return PARTREG_OK;
}

const char *partreg_fit_param_name(const partreg_fit *fit, size_t j, char *buf, size_t size)
{
    const char *term = partreg_fit_param_term(fit, j), *cut = partreg_fit_param_cut(fit, j);
    if (cut)
        snprintf(buf, size, "%s @ %s", term, cut);
    else
        snprintf(buf, size, "%s", term ? term : "");
    return buf;
}

void partreg_fit_install_vcov(partreg_fit *fit, const double *V, partreg_vcov_type type)
{
    gsl_matrix_set_zero(fit->vcov);
    for (size_t a = 0; a < fit->k; a++)
        for (size_t b = 0; b < fit->k; b++)
            gsl_matrix_set(fit->vcov, partreg_fit_full_index(fit, a),
                           partreg_fit_full_index(fit, b), V[a * fit->k + b]);
    fit->vcov_type = type;
    for (size_t j = 0; j < fit->K; j++)
        fit->df[j] = INFINITY;
    free(fit->cr2);
    fit->cr2 = NULL;
}

void partreg_fit_set_df(partreg_fit *fit, size_t j, double df)
{
    if (j < fit->K)
        fit->df[j] = df;
}

/* The end of a fit's use of its team: the caller's workers go back to
 * them, a team of its own stops. */
static void fit_team_done(const partreg_fit_options *opt, partreg_team *team)
{
    if (!partreg_workers_give_back(opt->workers, team))
        partreg_team_stop(team);
}

/* ---- validation ------------------------------------------------------- */

/* What the fit needs from the outcome and the weights, summed in validation's
 * one pass over them: the weight of each outcome code (W, when every code
 * can have rows: J <= n), the total weight and the rows of positive weight. */
typedef struct outcome_totals {
    double *W;
    double sum_w;
    size_t n_pos;
} outcome_totals;

/* The first row whose outcome or weight is invalid, as an error (validate's
 * sums only notice that some row is). */
static partreg_status report_bad_row(const partreg_data *d, size_t J, partreg_error *err)
{
    for (size_t i = 0; i < d->n; i++) {
        double y = d->y[i], w = d->w ? d->w[i] : 1.0;
        if (!(y >= 0 && y < (double)J && y == floor(y))) {
            if (J == 2)
                return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                               "row %zu: binary outcome %g is not 0 or 1", i + 1, y);
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu: outcome code %g is not a level 0..%zu", i + 1, y,
                                           J - 1);
        }
        if (d->w && (!isfinite(w) || w < 0))
            return partreg_error_set_index(
                err, PARTREG_EDATA, (long)i,
                "row %zu: weight %g is %s; weights must be finite and >= 0", i + 1, w,
                isfinite(w) ? "negative" : "not finite");
    }
    return partreg_error_set(err, PARTREG_EDATA, "invalid outcome or weight");
}

/* The checks that need no pass over the data. */
static partreg_status check_shape(const partreg_data *d, partreg_error *err)
{
    if (d->n == 0)
        return partreg_error_set(err, PARTREG_ETOOFEW, "no rows to fit");
    if (d->ldx != 0 && d->ldx < d->p)
        return partreg_error_set(err, PARTREG_EINVAL, "row stride ldx = %zu is less than p = %zu",
                                 d->ldx, d->p);
    return PARTREG_OK;
}

/* The first invalid outcome or weight of rows not in one array. */
static partreg_status report_bad_rows(partreg_rows *rows, size_t J, partreg_error *err)
{
    size_t i;
    double y, w;
    partreg_status st = partreg_rows_first_bad_outcome(rows, J, &i, &y, &w);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "reading the rows to find an invalid outcome failed");
    partreg_data one = {1, 0, NULL, 0, &y, rows->weighted ? &w : NULL, 0, NULL, NULL};
    if (i >= rows->n)
        return partreg_error_set(err, PARTREG_EDATA, "invalid outcome or weight");
    st = report_bad_row(&one, J, err);
    /* the row's own number in the message */
    if (err) {
        char msg[PARTREG_ERROR_MESSAGE_SIZE];
        snprintf(msg, sizeof msg, "row %zu:%s", i + 1, strchr(err->message, ':') + 1);
        memcpy(err->message, msg, sizeof msg);
        err->index = (long)i;
    }
    return st;
}

/* Weights whose scale cannot carry a likelihood: a positive weight below
 * the smallest normal double (DBL_MIN, 2.2e-308: a subnormal keeps few
 * significant bits, and its products with the log-probabilities, scores
 * and information underflow to zero, so a fit "converges" at its start),
 * or a total that overflows. Rescaling every weight by one constant moves
 * the estimates not at all. */
static partreg_status check_weight_scale(const partreg_data *d, double sum_w, partreg_error *err)
{
    if (!isfinite(sum_w))
        return partreg_error_set(err, PARTREG_EDATA,
                                 "the weights sum to more than the largest double (%g); divide "
                                 "every weight by the same constant",
                                 DBL_MAX);
    for (size_t i = 0; i < d->n; i++)
        if (d->w[i] > 0 && d->w[i] < DBL_MIN)
            return partreg_error_set_index(
                err, PARTREG_EDATA, (long)i,
                "row %zu: weight %g is below the smallest normal double (%g), too small to "
                "carry a likelihood; multiply every weight by the same constant",
                i + 1, d->w[i], DBL_MIN);
    return PARTREG_OK;
}

/* check_weight_scale for rows not in one array (a collective scan). */
static partreg_status check_weight_scale_rows(const partreg_rows *rows, double sum_w,
                                              partreg_error *err)
{
    if (!isfinite(sum_w))
        return partreg_error_set(err, PARTREG_EDATA,
                                 "the weights sum to more than the largest double (%g); divide "
                                 "every weight by the same constant",
                                 DBL_MAX);
    size_t i;
    double w;
    partreg_status st = partreg_rows_first_small_weight(rows, DBL_MIN, &i, &w);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "reading the rows' weights failed");
    if (i < rows->n)
        return partreg_error_set_index(
            err, PARTREG_EDATA, (long)i,
            "row %zu: weight %g is below the smallest normal double (%g), too small to "
            "carry a likelihood; multiply every weight by the same constant",
            i + 1, w, DBL_MIN);
    return PARTREG_OK;
}

/* A fingerprint of the bits of v[0..n) (NULL: an empty fingerprint), for
 * telling whether two fits saw the same values, not for security: FNV-1a
 * steps over whole 64-bit entries (-0 taken as +0) in LANES chains by
 * position, which run side by side (FNV-1a byte by byte chains eight
 * multiplies an entry), then the chains and n mixed by a multiply-xorshift
 * finaliser. The order of the entries matters. */
#define LANES 8

static uint64_t fingerprint_mix(uint64_t b)
{
    b ^= b >> 33;
    b *= UINT64_C(0xff51afd7ed558ccd);
    b ^= b >> 33;
    return b;
}

/* v's bits, -0 as +0: the sum with +0 is v except that it turns -0 into
 * +0, without the branch that a 0/1 outcome would mispredict */
static uint64_t entry_bits(double v)
{
    uint64_t b;
    double x = v + 0.0;
    memcpy(&b, &x, sizeof b);
    return b;
}

static uint64_t fingerprint(const double *v, size_t n)
{
    if (!v)
        return 0;
    const uint64_t prime = UINT64_C(0x100000001b3);
    uint64_t h[LANES];
    for (size_t l = 0; l < LANES; l++)
        h[l] = UINT64_C(0xcbf29ce484222325) + l;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t l = 0; l < LANES; l++)
            h[l] = (h[l] ^ entry_bits(v[i + l])) * prime;
    for (size_t l = 0; i < n; i++, l++)
        h[l] = (h[l] ^ entry_bits(v[i])) * prime;
    uint64_t out = fingerprint_mix(n);
    for (size_t l = 0; l < LANES; l++)
        out = fingerprint_mix(out ^ h[l]) * prime;
    return out;
}

/* Outcome codes 0..J-1 and weights, in one pass (on the team). */
static partreg_status validate(const partreg_data *d, partreg_rows *rows, size_t J, int threads,
                               partreg_team *team, partreg_isa isa, outcome_totals *tot,
                               partreg_error *err)
{
    if (J <= d->n && !(tot->W = calloc(J ? J : 1, sizeof *tot->W)))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    /* X is checked by the screening pass */
    int bad;
    if (rows) {
        partreg_status st = partreg_rows_outcome_sums(rows, team, threads, isa, J, tot->W,
                                                      &tot->sum_w, &tot->n_pos, &bad);
        if (st != PARTREG_OK)
            return partreg_error_set(err, st, st == PARTREG_ENOMEM
                                                  ? "out of memory"
                                                  : "reading the rows for validation failed");
        if (bad > 0)
            return report_bad_rows(rows, J, err);
    } else {
        bad = partreg_outcome_sums_on(team, threads, isa, d->y, d->w, d->n, J, tot->W, &tot->sum_w,
                                      &tot->n_pos);
    }
    if (bad < 0)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    if (bad)
        return report_bad_row(d, J, err);
    int weighted = rows ? rows->weighted : d->w != NULL;
    if (weighted && !(tot->sum_w > 0))
        return partreg_error_set(err, PARTREG_EDATA, "all weights are zero");
    if (weighted && rows)
        return check_weight_scale_rows(rows, tot->sum_w, err);
    if (weighted)
        return check_weight_scale(d, tot->sum_w, err);
    return PARTREG_OK;
}

/* The first non-finite value of X, found after the screening pass saw one. */
static partreg_status report_nonfinite(const partreg_data *d, partreg_error *err)
{
    size_t ldx = d->ldx ? d->ldx : d->p;
    for (size_t i = 0; i < d->n; i++) {
        const double *x = d->X + i * ldx;
        for (size_t j = 0; j < d->p; j++)
            if (!isfinite(x[j]))
                return partreg_error_set_index(
                    err, PARTREG_EDATA, (long)i, "row %zu, column '%s': value %g is not finite", i + 1,
                    d->column_names ? d->column_names[j] : "?", x[j]);
    }
    return partreg_error_set(err, PARTREG_EDATA, "a value of X is not finite");
}

/* The first non-finite value of X of rows not in one array. */
static partreg_status report_nonfinite_rows(partreg_rows *rows, const char *const *names,
                                            partreg_error *err)
{
    size_t i, j;
    double v;
    partreg_status st = partreg_rows_first_nonfinite(rows, &i, &j, &v);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "reading the rows to find a non-finite value failed");
    if (i >= rows->n)
        return partreg_error_set(err, PARTREG_EDATA, "a value of X is not finite");
    return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                   "row %zu, column '%s': value %g is not finite", i + 1,
                                   names ? names[j] : "?", v);
}

/* Outcome classes: every code must be possible, then the model judges. */
static partreg_status check_classes(const partreg_data *d, const partreg_model *m,
                                    const outcome_totals *tot, partreg_error *err)
{
    if (m->J > d->n || !tot->W) /* some level is unobserved (validation then sums no W) */
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "the outcome has %zu levels but there are only %zu rows; every "
                                 "level needs observations",
                                 m->J, d->n);
    partreg_outcome_totals t = {tot->W, tot->sum_w};
    return m->ops->check_outcome(m, &t, d->level_names, err);
}

/* ---- construction --------------------------------------------------------- */

static partreg_status alloc_fit(const partreg_data *d, const partreg_fit_options *opt,
                                partreg_fit *fit)
{
    fit->link = fit->model.link;
    fit->n = d->n;
    fit->p = d->p;
    fit->J = fit->model.J;
    fit->K = fit->model.layout.K;
    fit->opt = *opt;
    /* the caller's workers are lent for this call only: later work on the
     * fit (the Brant test's refits, profiles) must not reach them after
     * the caller has freed them */
    fit->opt.workers = NULL;
    size_t nt = 0, K = fit->K;
    for (size_t j = 0; j < K; j++)
        nt += fit->model.layout.params[j].kind == PARTREG_PARAM_THRESHOLD;
    fit->kept = malloc((fit->p ? fit->p : 1) * sizeof *fit->kept);
    fit->dropped = calloc(fit->p ? fit->p : 1, 1);
    fit->free_of = malloc((K ? K : 1) * sizeof *fit->free_of);
    fit->full_of = malloc((K ? K : 1) * sizeof *fit->full_of);
    fit->diverges = calloc(K ? K : 1, 1);
    fit->df = malloc((K ? K : 1) * sizeof *fit->df);
    fit->par = gsl_vector_calloc(K ? K : 1);
    fit->coef = gsl_vector_calloc(fit->p ? fit->p : 1);
    fit->thresholds = nt ? gsl_vector_calloc(nt) : NULL;
    fit->vcov = gsl_matrix_calloc(K ? K : 1, K ? K : 1);
    fit->column_names = calloc(fit->p ? fit->p : 1, sizeof *fit->column_names);
    fit->level_names = calloc(fit->J, sizeof *fit->level_names);
    fit->cut_names = calloc(fit->J, sizeof *fit->cut_names);
    if ((fit->rows_read = malloc(sizeof *fit->rows_read)))
        atomic_init(fit->rows_read, 0);
    if (!fit->rows_read || !fit->kept || !fit->dropped || !fit->free_of || !fit->full_of || !fit->diverges ||
        !fit->df || !fit->par || !fit->coef || (nt && !fit->thresholds) || !fit->vcov ||
        !fit->column_names || !fit->level_names || !fit->cut_names)
        return PARTREG_ENOMEM;
    char buf[32];
    for (size_t j = 0; j < fit->p; j++) {
        snprintf(buf, sizeof buf, "x%zu", j + 1);
        if (!(fit->column_names[j] = dup_string(d->column_names ? d->column_names[j] : buf)))
            return PARTREG_ENOMEM;
    }
    for (size_t j = 0; j < fit->J; j++) {
        snprintf(buf, sizeof buf, "%zu", j);
        const char *name = d->level_names ? d->level_names[j] : buf;
        if (!(fit->level_names[j] = dup_string(name)))
            return PARTREG_ENOMEM;
    }
    for (size_t j = 0; j + 1 < fit->J; j++) {
        size_t a = strlen(fit->level_names[j]), b = strlen(fit->level_names[j + 1]);
        if (!(fit->cut_names[j] = malloc(a + b + 2)))
            return PARTREG_ENOMEM;
        memcpy(fit->cut_names[j], fit->level_names[j], a);
        fit->cut_names[j][a] = '|';
        memcpy(fit->cut_names[j] + a + 1, fit->level_names[j + 1], b + 1);
    }
    return PARTREG_OK;
}

/* Names of the columns with a given drop code, comma-separated. */
static void list_columns(const partreg_fit *fit, const unsigned char *why, unsigned char code,
                         char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t j = 0; j < fit->p; j++) {
        if (why[j] != code)
            continue;
        int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", fit->column_names[j]);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
}

/* The free parameters: the full entries whose column (if any) is kept. */
static void map_free_parameters(partreg_fit *fit)
{
    fit->k = 0;
    for (size_t j = 0; j < fit->K; j++) {
        size_t c = fit->model.layout.params[j].column;
        if (c != PARTREG_NONE && fit->dropped[c]) {
            fit->free_of[j] = PARTREG_NONE;
            continue;
        }
        fit->free_of[j] = fit->k;
        fit->full_of[fit->k++] = j;
    }
}

static partreg_status screen(partreg_fit *fit, const partreg_data *d, partreg_team *team,
                             partreg_error *err)
{
    unsigned char *why = calloc(fit->p ? fit->p : 1, 1);
    if (!why)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    int thresholds = (fit->model.ops->traits & PARTREG_TRAIT_THRESHOLDS) != 0;
    partreg_intercept *ic = &fit->intercept;
    partreg_isa isa = partreg_route_isa(fit->kernel);
    partreg_status st =
        fit->rows
            ? partreg_rows_screen(fit->rows, fit->model.screen_group, thresholds,
                                  fit->opt.collinear_tol, team, fit->opt.threads, isa, why,
                                  fit->kept, &fit->pk, &ic->has, &ic->column, &ic->value,
                                  &fit->offset)
            : partreg_screen_columns_grouped(d, fit->model.screen_group, thresholds,
                                             fit->opt.collinear_tol, fit->opt.threads, team, isa,
                                             why, fit->kept, &fit->pk, &ic->has, &ic->column,
                                             &ic->value, &fit->offset);
    if (st != PARTREG_OK) {
        free(why);
        if (st == PARTREG_EDATA)
            return fit->rows ? report_nonfinite_rows(fit->rows, d->column_names, err)
                             : report_nonfinite(d, err);
        return partreg_error_set(err, st, st == PARTREG_ENOMEM
                                              ? "out of memory"
                                              : "reading the rows for screening failed");
    }
    static const char *const what[] = {"", "constant", "collinear with earlier columns",
                                       "all zero"};
    char names[600];
    if (fit->opt.collinear == PARTREG_COLLINEAR_ERROR) {
        char all[1900] = "";
        size_t used = 0;
        for (unsigned char code = 1; code <= 3; code++) {
            list_columns(fit, why, code, names, sizeof names);
            if (names[0]) {
                int w = snprintf(all + used, sizeof all - used, "%s%s (%s)", used ? "; " : "",
                                 names, what[code]);
                used = w > 0 && (size_t)w < sizeof all - used ? used + (size_t)w : used;
            }
        }
        if (used) {
            free(why);
            return partreg_error_set(err, PARTREG_ECOLLINEAR,
                                     "design columns cannot be estimated: %s; remove them from "
                                     "the model",
                                     all);
        }
    }
    for (unsigned char code = 1; code <= 3; code++) {
        list_columns(fit, why, code, names, sizeof names);
        if (!names[0])
            continue;
        const char *extra = code == PARTREG_DROP_CONSTANT && thresholds
                                ? " (an ordinal model has thresholds in place of an intercept)"
                                : "";
        if (partreg_fit_add_warning(fit, "dropped %s: %s%s", names, what[code], extra) != PARTREG_OK) {
            free(why);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
    }
    for (size_t j = 0; j < fit->p; j++)
        fit->dropped[j] = why[j] != PARTREG_KEEP;
    free(why);
    map_free_parameters(fit);
    return PARTREG_OK;
}

/* Parameters that diverge, from the last Newton step (see newton.c). */
static size_t mark_divergence(partreg_fit *fit, const double *theta, const double *step)
{
    size_t count = 0;
    for (size_t f = 0; f < fit->k; f++) {
        if (fabs(step[f]) > fit->opt.separation_step * (1.0 + fabs(theta[f]))) {
            fit->diverges[partreg_fit_full_index(fit, f)] = 1;
            count++;
        }
    }
    return count;
}

static partreg_status report_separation(partreg_fit *fit, partreg_error *err)
{
    char names[700] = "";
    size_t used = 0;
    for (size_t j = 0; j < fit->K; j++) {
        if (!fit->diverges[j])
            continue;
        char nb[256];
        int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                         partreg_fit_param_name(fit, j, nb, sizeof nb));
        if (w < 0 || (size_t)w >= sizeof names - used)
            break;
        used += (size_t)w;
    }
    int complete = fit->loglik > -1e-6 * (1.0 + fit->sum_w);
    const char *kind = complete ? "complete separation" : "quasi-complete separation";
    partreg_fit_add_warning(fit, "%s: the estimates of %s run off to infinity; their standard "
                                 "errors are meaningless (remove or recode the terms that "
                                 "predict the outcome perfectly)",
                            kind, names);
    return partreg_error_set(err, PARTREG_ESEPARATION,
                             "%s: estimates of %s run off to infinity (the outcome is perfectly "
                             "predicted); remove or recode those terms",
                             kind, names);
}

/* The inverse information, over the free parameters whose row of the
 * information is not exactly zero: a parameter on which the
 * log-likelihood does not depend at the estimate (a log standard
 * deviation estimated at sigma = 0, where every derivative in it
 * vanishes) has no standard error, NaN, and the others the inverse of
 * their own block (the limit of the full inverse as the parameter goes
 * to the boundary). Returns 0, -1 when that block is singular, -2 when
 * out of memory. */
static int invert_information(partreg_spd *spd, const double *info, size_t k, double *out)
{
    size_t nk = 0;
    for (size_t i = 0; i < k; i++) {
        int zero = 1;
        for (size_t j = 0; j < k && zero; j++)
            zero = info[i * k + j] == 0.0;
        nk += !zero;
    }
    if (nk == k)
        return partreg_spd_invert(spd, info, out, SINGULAR_PIVOT);
    size_t *keep = malloc(k * sizeof *keep);
    double *sub = malloc(k * k * sizeof *sub), *subinv = malloc(k * k * sizeof *subinv);
    partreg_spd *w = partreg_spd_alloc(nk);
    int rc = -2;
    if (keep && sub && subinv && w) {
        nk = 0;
        for (size_t i = 0; i < k; i++) {
            int zero = 1;
            for (size_t j = 0; j < k && zero; j++)
                zero = info[i * k + j] == 0.0;
            if (!zero)
                keep[nk++] = i;
        }
        for (size_t a = 0; a < nk; a++)
            for (size_t b = 0; b < nk; b++)
                sub[a * nk + b] = info[keep[a] * k + keep[b]];
        rc = nk ? partreg_spd_invert(w, sub, subinv, SINGULAR_PIVOT) : 0;
        for (size_t i = 0; i < k * k; i++)
            out[i] = NAN;
        for (size_t a = 0; rc == 0 && a < nk; a++)
            for (size_t b = 0; b < nk; b++)
                out[keep[a] * k + keep[b]] = subinv[a * nk + b];
    }
    free(keep);
    free(sub);
    free(subinv);
    partreg_spd_free(w);
    return rc;
}

static partreg_status finish_covariance(partreg_fit *fit, partreg_error *err)
{
    size_t k = fit->k;
    fit->bread = gsl_matrix_alloc(k ? k : 1, k ? k : 1);
    partreg_spd *spd = partreg_spd_alloc(k);
    if (!fit->bread || !spd) {
        partreg_spd_free(spd);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    int rc = k ? invert_information(spd, fit->info->data, k, fit->bread->data) : 0;
    partreg_spd_free(spd);
    if (rc == -2)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    if (rc != 0) {
        gsl_matrix_set_all(fit->bread, NAN);
        fit->singular = 1;
    }
    partreg_fit_install_vcov(fit, fit->bread->data, PARTREG_VCOV_MODEL);
    return PARTREG_OK;
}

/* The estimate into the full vector and its views by column and cut. */
static void store_estimate(partreg_fit *fit)
{
    for (size_t f = 0; f < fit->k; f++)
        gsl_vector_set(fit->par, partreg_fit_full_index(fit, f), fit->theta->data[f]);
    size_t t = 0;
    for (size_t j = 0; j < fit->K; j++) {
        const partreg_param *q = &fit->model.layout.params[j];
        double v = gsl_vector_get(fit->par, j);
        if (q->kind == PARTREG_PARAM_COEFFICIENT && q->column != PARTREG_NONE)
            gsl_vector_set(fit->coef, q->column, v);
        else if (q->kind == PARTREG_PARAM_THRESHOLD)
            gsl_vector_set(fit->thresholds, t++, v);
    }
}

/* The solver's stopping state into the fit, and the status it means. */
static partreg_status judge_stop(partreg_fit *fit, const partreg_newton_result *res,
                                 const double *step, partreg_error *err)
{
    int diverging = res->reason == PARTREG_STOP_SEPARATION ||
                    (res->reason != PARTREG_STOP_CONVERGED &&
                     fabs(res->decrement) < STALLED_DECREMENT * (1.0 + fabs(fit->loglik)));
    if (diverging && mark_divergence(fit, fit->theta->data, step) > 0) {
        fit->separated = 1;
        fit->converged = 0;
        fit->stop = PARTREG_STOP_SEPARATION;
        return report_separation(fit, err);
    }
    if (!fit->converged) {
        const char *why = res->reason == PARTREG_STOP_MAX_ITER
                              ? "the iteration limit was reached"
                              : "no step improved the log-likelihood";
        partreg_fit_add_warning(fit, "the fit did not converge: %s after %d iterations (max |gradient| %.3g)",
                                why, res->iterations, res->max_grad);
        /* a column far from the origin is the likely cause (collinear.h) */
        char hint[400] = "raise the iteration limit or rescale the predictors";
        const partreg_screen_offset *o = &fit->offset;
        if (o->col < fit->p && fabs(o->mean) > OFFSET_HINT_RATIO * o->sd)
            snprintf(hint, sizeof hint,
                     "%s has mean %.6g and standard deviation %.3g, too far from 0 for the "
                     "information to keep its digits: centre it (subtract about %.6g)",
                     fit->column_names[o->col], o->mean, o->sd, o->mean);
        return partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                 "the fit did not converge: %s after %d iterations (max |gradient| "
                                 "%.3g); %s",
                                 why, res->iterations, res->max_grad, hint);
    }
    if (fit->singular)
        partreg_fit_add_warning(fit, "the information matrix is singular at the estimate; "
                                     "standard errors are not available");
    return PARTREG_OK;
}

/* Rows whose fitted category probabilities are not all >= 0 (cumulative
 * probabilities that cross), for models that can have them; a warning
 * says how many. PARTREG_OK or PARTREG_ENOMEM. */
static partreg_status count_crossing(partreg_fit *fit, const partreg_data *data)
{
    const partreg_model *m = &fit->model;
    fit->n_crossing = 0;
    if (!(m->ops->traits & PARTREG_TRAIT_MAY_CROSS))
        return PARTREG_OK;
    size_t ns = m->ops->predict_scratch(m), nout = m->nout;
    double *buf = malloc((ns + nout) * sizeof *buf);
    if (!buf)
        return PARTREG_ENOMEM;
    double *prob = buf + ns;
    size_t ldx = data->ldx ? data->ldx : data->p;
    for (size_t i = 0; i < data->n; i++) {
        if (m->ops->crosses) {
            fit->n_crossing += m->ops->crosses(m, fit->par->data, data->X + i * ldx) != 0;
            continue;
        }
        memset(prob, 0, nout * sizeof *prob);
        m->ops->predict(m, fit->par->data, data->X + i * ldx, NULL, 1.0, prob, NULL, buf);
        for (size_t o = 0; o < nout; o++)
            if (prob[o] < 0.0) {
                fit->n_crossing++;
                break;
            }
    }
    free(buf);
    if (fit->n_crossing > 0 &&
        partreg_fit_add_warning(fit, "the fitted cumulative probabilities cross for %zu of the "
                                     "%zu rows (a negative category probability): the cut-specific "
                                     "slopes do not describe those rows; make fewer variables "
                                     "nominal or use --autofit",
                                fit->n_crossing, fit->n) != PARTREG_OK) {
        return PARTREG_ENOMEM;
    }
    return PARTREG_OK;
}

static partreg_status check_options(const partreg_fit_options *opt, const partreg_model_ops *ops,
                                    partreg_error *err)
{
    if (opt->max_iter < 1 || opt->max_halvings < 0 || !(opt->rel_tol > 0) ||
        !(opt->step_tol > 0) || !(opt->collinear_tol > 0) || opt->threads < 0 ||
        !(opt->separation_step > 0) || opt->separation_patience < 1)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "invalid solver options: max_iter >= 1, tolerances > 0 and "
                                 "threads >= 0 are required");
    if (opt->information == PARTREG_INFO_EXPECTED && !(ops->traits & PARTREG_TRAIT_EXPECTED_INFO))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "expected information is offered for binary models without "
                                 "a random intercept only (R's glm); drop "
                                 "--expected-information for the observed information");
    return PARTREG_OK;
}

/* Newton from the model's start (moved by the warm start on large data);
 * the estimate, information and statistics into the fit. */
static partreg_status solve(partreg_fit *fit, const partreg_data *data, partreg_team *team,
                            const outcome_totals *tot, const partreg_fit_options *opt,
                            partreg_newton_result *res, double **step_out, partreg_error *err)
{
    partreg_design d;
    partreg_fit_design(fit, data, &d);
    partreg_objective obj;
    if (fit->rows) { /* the objective over the rows, kept for inference */
        partreg_status rst = PARTREG_ENOMEM;
        if ((fit->rows_obj = malloc(sizeof *fit->rows_obj)) != NULL)
            rst = partreg_rows_objective_init(fit->rows_obj, fit->rows, &fit->model, &d,
                                              opt->block_rows, &fit->rows_io_error,
                                              &fit->rows_objective);
        if (rst != PARTREG_OK) {
            free(fit->rows_obj);
            fit->rows_obj = NULL;
            return partreg_error_set(err, rst, rst == PARTREG_ENOMEM
                                                   ? "out of memory"
                                                   : "fetching the rows of the fit's segments "
                                                     "from the other processes failed");
        }
    }
    partreg_fit_objective(fit, &d, &obj);
    obj.team = team;
    if (fit->model.penalty != PARTREG_PENALTY_NONE && !obj.penalty)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Firth penalty needs the derivative of the model's expected "
                                 "information, which the %s model does not give",
                                 fit->model.ops->name);
    fit->theta = gsl_vector_alloc(fit->k);
    fit->info = gsl_matrix_alloc(fit->k, fit->k);
    partreg_accum *acc = partreg_accum_alloc(fit->k);
    double *step = malloc(fit->k * sizeof *step);
    *step_out = step;
    partreg_status st = PARTREG_OK;
    if (!fit->theta || !fit->info || !acc || !step) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    partreg_outcome_totals t = {tot->W, tot->sum_w};
    fit->model.ops->start(&fit->model, &d, &t, &fit->intercept, fit->theta->data);
    /* a model fitted in stages may know the estimate (or the diverging
     * iterate of its simpler model) before the solver: its state in one pass */
    int solved = 0;
    double warm_passes = 0.0;
    memset(res, 0, sizeof *res);
    if (fit->model.ops->prepare) {
        int settled = 0;
        memset(step, 0, fit->k * sizeof *step);
        st = fit->model.ops->prepare(&fit->model, &obj, opt, fit->theta->data, step, &settled,
                                     err);
        if (st == PARTREG_ESEPARATION || (st == PARTREG_OK && settled)) {
            res->reason = st == PARTREG_OK ? PARTREG_STOP_CONVERGED : PARTREG_STOP_SEPARATION;
            st = partreg_objective_eval(&obj, fit->theta->data, PARTREG_ORDER_HESSIAN,
                                        opt->threads, opt->block_rows, acc);
            res->passes = 1;
            res->loglik = acc->loglik;
            for (size_t j = 0; j < fit->k; j++)
                res->max_grad = fmax(res->max_grad, fabs(acc->grad[j]));
            solved = 1;
        } else if (st != PARTREG_OK) {
            goto cleanup;
        }
    }
    if (!solved) {
        int have_info = 0; /* fit->info holds the subsample's scaled information */
        warm_passes = partreg_warm_start(&obj, fit->theta->data, opt, fit->info->data, &have_info);
        st = partreg_newton_maximise(&obj, fit->theta->data, opt, acc, step, 1,
                                     have_info ? fit->info->data : NULL, res);
    }
    if (fit->rows_io_error) {
        st = partreg_error_set(err, PARTREG_EIO, "reading the rows during the fit failed");
        goto cleanup;
    }
    if (st == PARTREG_ENUMERIC) {
        partreg_error_set(err, st,
                          "the log-likelihood is not finite at the start values; check for "
                          "extreme values in the data");
        goto cleanup;
    } else if (st != PARTREG_OK) {
        partreg_error_set(err, st, "out of memory");
        goto cleanup;
    }
    memcpy(fit->info->data, acc->info, fit->k * fit->k * sizeof(double));
    fit->loglik = acc->loglik;
    fit->iterations = res->iterations;
    fit->passes = 1 + res->passes + (int)ceil(warm_passes); /* screening + solver */
    fit->data_passes = 1.0 + res->passes + warm_passes;
    fit->stop = res->reason;
    fit->max_grad = res->max_grad;
    fit->converged = res->reason == PARTREG_STOP_CONVERGED;
    fit->null_loglik = fit->model.ops->null_loglik(&fit->model, &t, &fit->intercept, &fit->k_null);
    fit->loglik_unpenalised = fit->loglik;
    if (obj.penalty) { /* the log-likelihood alone at the estimate */
        obj.penalty = NULL;
        partreg_accum *v = partreg_accum_alloc(fit->k);
        if (!v || partreg_objective_eval(&obj, fit->theta->data, PARTREG_ORDER_VALUE, opt->threads,
                                         opt->block_rows, v) != PARTREG_OK) {
            partreg_accum_free(v);
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        fit->loglik_unpenalised = v->loglik;
        partreg_accum_free(v);
    }
    store_estimate(fit);
    if (fit->model.ops->conclude && res->reason != PARTREG_STOP_SEPARATION)
        st = fit->model.ops->conclude(&fit->model, &obj, fit->theta->data, err);
cleanup:
    partreg_accum_free(acc);
    return st;
}

/* The checks of the arguments before anything is allocated (rows: the
 * rows when they are not data's arrays). */
static partreg_status check_inputs(const partreg_data *data, const partreg_rows *rows,
                                   const partreg_model_spec *spec, const partreg_fit_options *opt,
                                   partreg_error *err)
{
    partreg_status st;
    if (!spec || !spec->ops)
        return partreg_error_set(err, PARTREG_EINVAL, "no model specification given");
    if ((st = check_options(opt, spec->ops, err)) != PARTREG_OK)
        return st;
    if (rows && spec->penalty != PARTREG_PENALTY_NONE)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "Firth's penalty is not available out of core or in a "
                                 "distributed fit (raise --memory to fit in memory)");
    if (!data || (!rows && (!data->X || !data->y)))
        return partreg_error_set(err, PARTREG_EINVAL, "no data given (NULL X or y)");
    if (!partreg_link_name(spec->link))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown link %d; use logit, probit, cloglog, loglog or cauchit",
                                 (int)spec->link);
    return check_shape(data, err);
}

/* The options a fit of spec runs with: opt, or for a penalised model
 * *penalised made from it. Penalised fits take scoring steps and the
 * model covariance on the expected information (penalty.c) and no
 * subsample start (the penalty is of all the rows); scoring converges
 * linearly, not quadratically: near separation (and in profile refits far
 * out) it takes some hundred cheap steps where Newton takes ten. */
static const partreg_fit_options *run_options(const partreg_model_spec *spec,
                                              const partreg_fit_options *opt,
                                              partreg_fit_options *penalised)
{
    if (spec->penalty == PARTREG_PENALTY_NONE)
        return opt;
    *penalised = *opt;
    penalised->information = PARTREG_INFO_EXPECTED;
    penalised->warm_start_rows = 0;
    penalised->max_iter = opt->max_iter <= INT_MAX / PENALISED_ITER_FACTOR
                              ? opt->max_iter * PENALISED_ITER_FACTOR
                              : INT_MAX;
    return penalised;
}

/* A new fit of spec on its kernel route, its model made for the data's
 * shape (*out: the fit, NULL when it could not be allocated). */
static partreg_status fit_new(const partreg_data *data, const partreg_model_spec *spec,
                              const partreg_fit_options *opt, partreg_fit **out,
                              partreg_error *err)
{
    /* the one reading of the CPU's capabilities for this fit: every pass
     * of it runs this route */
    partreg_kernel route;
    partreg_status st = partreg_cpu_route(opt->kernel, partreg_cpu_isa(), &route, err);
    if (st != PARTREG_OK)
        return st;
    partreg_fit *fit = calloc(1, sizeof *fit);
    *out = fit;
    if (!fit)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    fit->kernel = route;
    if ((st = partreg_model_init(&fit->model, spec, data->n, data->p, data->n_levels, err)) !=
        PARTREG_OK)
        return st;
    if (partreg_model_spec_copy(spec, &fit->spec) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

/* The pass over the outcome and weights, the fit's memory, and the
 * screening of the design columns. */
static partreg_status fit_rows(partreg_fit *fit, const partreg_data *data,
                               const partreg_fit_options *opt, partreg_team *team,
                               outcome_totals *tot, partreg_error *err)
{
    partreg_status st;
    if ((st = validate(data, fit->rows, fit->model.J, opt->threads, team,
                       partreg_route_isa(fit->kernel), tot, err)) != PARTREG_OK ||
        (st = check_classes(data, &fit->model, tot, err)) != PARTREG_OK)
        return st;
    if ((st = alloc_fit(data, opt, fit)) != PARTREG_OK)
        return partreg_error_set(err, st, "out of memory");
    fit->sum_w = tot->sum_w;
    fit->y_hash = fingerprint(data->y, data->n);
    fit->w_hash = fingerprint(data->w, data->n);
    fit->weighted = fit->rows ? fit->rows->weighted : data->w != NULL;
    if (tot->n_pos < fit->K)
        return partreg_error_set(err, PARTREG_ETOOFEW,
                                 "%zu usable rows for %zu parameters; a model needs at least "
                                 "as many rows as parameters",
                                 tot->n_pos, fit->K);
    if ((st = screen(fit, data, team, err)) != PARTREG_OK)
        return st;
    if (fit->k == 0)
        return partreg_error_set(err, PARTREG_ECOLLINEAR, "no usable design columns remain");
    return PARTREG_OK;
}

/* The solver, the covariance and the verdict on its stop (*verdict:
 * PARTREG_OK, or why the estimate is not to be trusted; the fit is still
 * returned), then for a trusted estimate FLIC's intercept and the count of
 * crossing rows. Returns what makes the fit fail. */
static partreg_status fit_estimate(partreg_fit *fit, const partreg_data *data,
                                   const partreg_fit_options *opt, partreg_team *team,
                                   const outcome_totals *tot, partreg_status *verdict,
                                   partreg_error *err)
{
    double *step = NULL;
    partreg_newton_result res;
    memset(&res, 0, sizeof res);
    partreg_status st;
    if ((st = solve(fit, data, team, tot, opt, &res, &step, err)) == PARTREG_OK &&
        (st = finish_covariance(fit, err)) == PARTREG_OK) {
        *verdict = judge_stop(fit, &res, step, err);
        if (*verdict == PARTREG_OK && fit->model.flic)
            st = partreg_fit_flic_intercept(fit, data, team, err);
        if (st == PARTREG_OK && *verdict == PARTREG_OK && count_crossing(fit, data) != PARTREG_OK)
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    free(step);
    return st;
}

/* Out of memory: say what made the model large, its number of
 * parameters. */
static void say_size(const partreg_fit *fit, partreg_status st, partreg_error *err)
{
    if (st != PARTREG_ENOMEM || !fit || fit->model.layout.K == 0)
        return;
    double K = (double)fit->model.layout.K;
    partreg_error_set(err, PARTREG_ENOMEM,
                      "out of memory: the model has %zu parameters, and their information "
                      "matrix alone needs %.3g GB; drop or recode what gives it so many "
                      "(a factor or an outcome with many levels)",
                      fit->model.layout.K, K * K * 8 / 1e9);
}

static partreg_status fit_create(const partreg_data *data, const partreg_rows *rows,
                                 const partreg_model_spec *spec, const partreg_fit_options *opt,
                                 partreg_fit **out, partreg_error *err)
{
    partreg_fit_options defaults = partreg_fit_options_default(), penalised;
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_create: NULL output pointer");
    *out = NULL;
    if (!opt)
        opt = &defaults;
    partreg_error_clear(err);
    partreg_status st = check_inputs(data, rows, spec, opt, err), verdict = PARTREG_OK;
    if (st != PARTREG_OK)
        return st;
    opt = run_options(spec, opt, &penalised);
    partreg_fit *fit = NULL;
    if ((st = fit_new(data, spec, opt, &fit, err)) != PARTREG_OK) {
        say_size(fit, st, err);
        partreg_fit_free(fit);
        return st;
    }
    if (rows) {
        if (!(fit->rows = malloc(sizeof *fit->rows))) {
            partreg_fit_free(fit);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
        *fit->rows = *rows;
        /* ghost rows are the fit's own, fetched as its passes need them */
        fit->rows->ghost_X = fit->rows->ghost_y = fit->rows->ghost_w = NULL;
        fit->rows->ghost_cluster = NULL;
        fit->rows->reach = rows->first + rows->count;
    }
    /* the threads of every pass of this fit, validation's included: the
     * caller's workers when they are free, else its own (NULL: started
     * per pass) */
    partreg_team *team = partreg_workers_take(opt->workers);
    if (!team)
        team = partreg_team_start(
            partreg_team_threads(NULL, opt->threads, data->n, PARTREG_TEAM_MIN_ROWS));
    outcome_totals tot = {NULL, 0.0, 0};
    if ((st = fit_rows(fit, data, opt, team, &tot, err)) == PARTREG_OK)
        st = fit_estimate(fit, data, opt, team, &tot, &verdict, err);
    say_size(fit, st, err);
    fit_team_done(opt, team);
    free(tot.W);
    if (st != PARTREG_OK) {
        partreg_fit_free(fit);
        return st;
    }
    *out = fit;
    return verdict;
}

partreg_status partreg_fit_create_rows(const partreg_data *meta, const partreg_rows *rows,
                                       const partreg_model_spec *spec,
                                       const partreg_fit_options *opt, partreg_fit **out,
                                       partreg_error *err)
{
    if (!rows) {
        if (out)
            *out = NULL;
        return partreg_error_set(err, PARTREG_EINVAL, "no rows given");
    }
    partreg_status st = fit_create(meta, rows, spec, opt, out, err);
    if (rows->comm) /* every process has the same fit, or the same error */
        st = partreg_comm_agree(rows->comm, st, err);
    return st;
}

/* This process's share of a distributed fit's rows: n all processes'
 * rows, the share at its place among them. */
static partreg_status fit_distributed(const partreg_data *data, const partreg_model_spec *spec,
                                      const partreg_fit_options *opt, partreg_fit **out,
                                      partreg_error *err)
{
    *out = NULL;
    partreg_error_clear(err);
    partreg_status st = PARTREG_OK;
    if (!data || !data->X || !data->y)
        st = partreg_error_set(err, PARTREG_EINVAL, "no data given (NULL X or y)");
    else if (data->ldx != 0 && data->ldx != data->p)
        st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                               "a distributed fit takes rows of stride p (ldx = 0 or p); ldx is "
                               "%zu for p = %zu",
                               data->ldx, data->p);
    /* every process takes part in every step, so all learn of a bad share */
    if ((st = partreg_comm_agree(opt->comm, st, err)) != PARTREG_OK)
        return st;
    if (!data) /* (the agreement failed every process when one had none) */
        return PARTREG_EINVAL;
    partreg_rows rows;
    partreg_rows_in_memory(&rows, data->n, data->p, data->X, data->y, data->w, NULL);
    rows.comm = opt->comm;
    size_t before = 0, total = 0;
    if (partreg_comm_prefix(opt->comm, data->n, &before, &total) != 0)
        return partreg_error_set(err, PARTREG_EIO,
                                 "the processes of the fit could not exchange their row counts");
    rows.n = total;
    rows.first = before;
    rows.reach = before + data->n;
    partreg_data meta = *data; /* the names and levels; the rows are in `rows` */
    meta.n = total;
    meta.X = meta.y = meta.w = NULL;
    return partreg_fit_create_rows(&meta, &rows, spec, opt, out, err);
}

partreg_status partreg_fit_create_spec(const partreg_data *data, const partreg_model_spec *spec,
                                       const partreg_fit_options *opt, partreg_fit **out,
                                       partreg_error *err)
{
    if (opt && opt->comm && opt->comm->size > 1 && out)
        return fit_distributed(data, spec, opt, out, err);
    return fit_create(data, NULL, spec, opt, out, err);
}

partreg_status partreg_fit_create(const partreg_data *data, partreg_family family,
                                  partreg_link link, const partreg_fit_options *opt,
                                  partreg_fit **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    const partreg_model_ops *ops = partreg_model_for_family(family);
    if (!ops)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown model family %d", (int)family);
    partreg_model_spec spec = {.ops = ops, .link = link, .penalty = PARTREG_PENALTY_NONE};
    return partreg_fit_create_spec(data, &spec, opt, out, err);
}

/* ---- FLIC (Puhr et al. 2017) --------------------------------------------- */

/* sum_i w_i (y_i - F(eta_i + delta)) and minus its derivative. */
static double flic_score(const partreg_design *d, const double *eta, double delta, double *slope)
{
    double g = 0.0, s = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double w = partreg_design_weight(d, i);
        if (w == 0.0)
            continue;
        double F, S, f;
        partreg_link_probs(d->link, eta[i] + delta, &F, &S, &f);
        g += w * (d->y[i] != 0.0 ? S : -F);
        s += w * f;
    }
    *slope = s;
    return g;
}

partreg_status partreg_fit_flic_intercept(partreg_fit *fit, const partreg_data *data,
                                          partreg_team *team, partreg_error *err)
{
    const partreg_intercept *ic = &fit->intercept;
    if (!ic->has)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "FLIC re-estimates the intercept, and this model has none; "
                                 "drop '- 1' from the formula or drop --flic");
    size_t k = fit->k, f0 = PARTREG_NONE;
    for (size_t f = 0; f < fit->pk; f++)
        if (fit->kept[f] == ic->column)
            f0 = f;
    partreg_design d;
    partreg_fit_design(fit, data, &d);
    partreg_objective obj;
    partreg_fit_objective(fit, &d, &obj);
    obj.team = team;
    double *eta = malloc((d.n ? d.n : 1) * sizeof *eta);
    double *row = malloc(k * sizeof *row);
    double *V = malloc(k * k * sizeof *V);
    double *L = malloc(k * k * sizeof *L);
    partreg_accum *acc = partreg_accum_alloc(k);
    partreg_status st = PARTREG_OK;
    if (!eta || !row || !V || !L || !acc || f0 == PARTREG_NONE) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    const double *theta = fit->theta->data;
    for (size_t i = 0; i < d.n; i++) {
        const double *x = partreg_design_row(&d, i, row);
        double e = 0.0;
        for (size_t f = 0; f < d.pk; f++)
            e += x[f] * theta[f];
        eta[i] = e;
    }
    /* the root of the decreasing score in delta: Newton steps kept inside
     * a bracket that bisection shrinks */
    double lo = -1.0, hi = 1.0, slope;
    for (int t = 0; t < 60 && flic_score(&d, eta, lo, &slope) < 0.0; t++)
        lo *= 2.0;
    for (int t = 0; t < 60 && flic_score(&d, eta, hi, &slope) > 0.0; t++)
        hi *= 2.0;
    double delta = 0.0;
    for (int t = 0; t < 200; t++) {
        double g = flic_score(&d, eta, delta, &slope);
        if (g > 0.0)
            lo = delta;
        else
            hi = delta;
        double next = slope > 0.0 ? delta + g / slope : 0.5 * (lo + hi);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - delta) <= 1e-15 * (1.0 + fabs(delta)) || hi - lo <= 1e-15 * (1.0 + fabs(delta))) {
            delta = next;
            break;
        }
        delta = next;
    }
    fit->theta->data[f0] += delta / ic->value;
    store_estimate(fit);
    /* the penalised and the plain log-likelihood at the FLIC estimate */
    if ((st = partreg_objective_eval(&obj, fit->theta->data, PARTREG_ORDER_VALUE, fit->opt.threads,
                                     fit->opt.block_rows, acc)) != PARTREG_OK)
        goto oom;
    fit->loglik = acc->loglik;
    obj.penalty = NULL;
    if ((st = partreg_objective_eval(&obj, fit->theta->data, PARTREG_ORDER_EXPECTED,
                                     fit->opt.threads, fit->opt.block_rows, acc)) != PARTREG_OK)
        goto oom;
    fit->loglik_unpenalised = acc->loglik;
    /* the intercept's row of the covariance from the inverse expected
     * information at the FLIC estimate (logistf::flic); the slopes keep the
     * Firth covariance */
    double logdet;
    if (partreg_chol_logdet_inverse(k, acc->info, L, V, &logdet) != 0) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "the information is singular at the FLIC estimate");
        goto cleanup;
    }
    for (size_t f = 0; f < k; f++) {
        gsl_matrix_set(fit->bread, f0, f, V[f0 * k + f]);
        gsl_matrix_set(fit->bread, f, f0, V[f * k + f0]);
    }
    partreg_fit_install_vcov(fit, fit->bread->data, PARTREG_VCOV_MODEL);
    goto cleanup;
oom:
    partreg_error_set(err, st, "out of memory");
cleanup:
    free(eta);
    free(row);
    free(V);
    free(L);
    partreg_accum_free(acc);
    return st;
}

void partreg_fit_replace_estimate(partreg_fit *fit, const double *par)
{
    for (size_t f = 0; f < fit->k; f++)
        fit->theta->data[f] = par[partreg_fit_full_index(fit, f)];
    store_estimate(fit);
}
