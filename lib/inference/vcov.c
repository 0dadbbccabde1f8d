/* Covariance estimators of a fit: the model covariance (inverse
 * information) and the sandwich estimators built on it.
 *
 *   HC0 = B M B,              M = sum_i s_i s_i'        (White 1980)
 *   HC1 = HC0 n / (n - k)                               (MacKinnon & White 1985)
 *   CR1 = G/(G-1) (n-1)/(n-k) B (sum_g S_g S_g') B,  S_g = sum_{i in g} s_i
 *                                                      (Liang & Zeger 1986;
 *                                                       Stata's vce(cluster))
 * with B the inverse information of the fit, s_i = w_i dl_i/dtheta the
 * weighted score of row i, n the number of rows and k the number of free
 * parameters (partreg's contract; the factors agree with R's
 * sandwich::vcovHC(type = "HC0"/"HC1") and vcovCL(type = "HC1")).
 *
 * The meat is accumulated per block of rows: the row scores of one block
 * (block_rows x k) are folded into M (a symmetric rank-update) or into the
 * cluster sums (G x k) before the next block is computed, so the HC meat
 * never holds an n x k matrix (the cluster sums hold a segment's runs of
 * one cluster: few for rows sorted by cluster, up to one a row for
 * interleaved clusters). Both passes run on the fit's threads over fixed
 * segments merged in order (the same bits at any thread count). See
 * docs/methods_inference.md. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "core/spd.h"
#include "core/team.h"
#include "inference/inference_internal.h"
#include "inference/meat.h"
#include "models/objective.h"
#include "models/kernels/rank_update.h"

const char *partreg_vcov_name(partreg_vcov_type type)
{
    switch (type) {
    case PARTREG_VCOV_MODEL: return "model";
    case PARTREG_VCOV_HC0: return "hc0";
    case PARTREG_VCOV_HC1: return "hc1";
    case PARTREG_VCOV_CLUSTER: return "cluster";
    case PARTREG_VCOV_CR2: return "cr2";
    case PARTREG_VCOV_DESIGN: return "design";
    case PARTREG_VCOV_REPLICATE: return "replicate";
    }
    return NULL;
}

partreg_status partreg_vcov_parse(const char *name, partreg_vcov_type *out, partreg_error *err)
{
    static const partreg_vcov_type all[] = {PARTREG_VCOV_MODEL, PARTREG_VCOV_HC0,
                                            PARTREG_VCOV_HC1, PARTREG_VCOV_CLUSTER,
                                            PARTREG_VCOV_CR2};
    if (!name || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_vcov_parse: NULL argument");
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, partreg_vcov_name(all[i])) == 0) {
            *out = all[i];
            partreg_error_clear(err);
            return PARTREG_OK;
        }
    }
    if (strcmp(name, "design") == 0 || strcmp(name, "replicate") == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "a %s covariance comes from a survey design, not from --vcov: "
                                 "give --sampling-weights with --strata/--psu/--fpc (or "
                                 "--repweights) instead",
                                 name);
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown covariance type '%s'; use model, hc0, hc1, cluster or cr2",
                             name);
}

size_t partreg_fit_vcov_n_clusters(const partreg_fit *fit)
{
    return fit && (fit->vcov_type == PARTREG_VCOV_CLUSTER || fit->vcov_type == PARTREG_VCOV_CR2)
               ? fit->n_clusters
               : 0;
}

/* The loglik at the estimate over the objective's rows agrees with the
 * fit's: the rows are the ones the model was fitted on. */
static partreg_status check_loglik(const partreg_fit *fit, const partreg_objective *obj,
                                   partreg_error *err)
{
    partreg_accum *acc = partreg_accum_alloc(fit->k);
    if (!acc)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_status st = partreg_objective_eval(obj, fit->theta->data, PARTREG_ORDER_VALUE,
                                               fit->opt.threads, fit->opt.block_rows, acc);
    double ll = acc->loglik;
    partreg_accum_free(acc);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, st == PARTREG_ENOMEM ? "out of memory"
                                                               : "reading the rows failed");
    /* the same rows give the same sum up to the order of the additions */
    if (!(fabs(ll - fit->loglik) <= 1e-9 * (1.0 + fabs(fit->loglik))))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data give log-likelihood %.10g at the estimate, the fit "
                                 "%.10g: these are not the rows the model was fitted on",
                                 ll, fit->loglik);
    return PARTREG_OK;
}

/* check_data for a fit whose rows are not the caller's arrays (a design
 * file: data is not read; a distributed fit: data is this process's
 * share, and the call is collective). */
static partreg_status check_rows(const partreg_fit *fit, const partreg_data *data,
                                 partreg_design *d, partreg_objective *obj, partreg_error *err)
{
    partreg_status st = partreg_fit_rows_bind(fit, data, obj, err);
    if (fit->rows->comm)
        st = partreg_comm_agree(fit->rows->comm, st, err);
    if (st != PARTREG_OK)
        return st;
    d->n = fit->n;
    d->p = fit->p;
    d->ldx = fit->p;
    d->cols = fit->pk == fit->p ? NULL : fit->kept;
    d->pk = fit->pk;
    d->J = fit->J;
    d->link = fit->link;
    d->model = &fit->model;
    return check_loglik(fit, obj, err);
}

partreg_status partreg_inference_check_data(const partreg_fit *fit, const partreg_data *data,
                                            partreg_design *d, partreg_objective *obj,
                                            partreg_error *err)
{
    memset(d, 0, sizeof *d); /* defined (empty) on every error return */
    memset(obj, 0, sizeof *obj);
    if (fit->rows) /* a design file, or this process's share of a distributed fit */
        return check_rows(fit, data, d, obj, err);
    if (!data || !data->X || !data->y)
        return partreg_error_set(err, PARTREG_EINVAL, "no data given (NULL data, X or y)");
    if (data->n != fit->n || data->p != fit->p)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data have %zu rows and %zu columns but the model was "
                                 "fitted on %zu rows and %zu columns; pass the fit's own data",
                                 data->n, data->p, fit->n, fit->p);
    if (fit->J > 2 && data->n_levels != fit->J)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data have %zu outcome levels but the model has %zu",
                                 data->n_levels, fit->J);
    if (data->ldx != 0 && data->ldx < data->p)
        return partreg_error_set(err, PARTREG_EINVAL, "row stride ldx = %zu is less than p = %zu",
                                 data->ldx, data->p);
    for (size_t i = 0; i < data->n; i++) {
        double y = data->y[i];
        /* in [0, J) first, so that the conversion is defined: a whole
         * number converts back to itself (floor would be a call a row) */
        int ok = y >= 0 && y < (double)fit->J && (double)(long)y == y;
        if (!ok)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                           "row %zu: outcome %g is not valid for this model", i + 1,
                                           y);
    }
    partreg_fit_design(fit, data, d);
    partreg_fit_objective(fit, d, obj);
    partreg_accum *acc = partreg_accum_alloc(fit->k);
    if (!acc)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_status st = partreg_objective_eval(obj, fit->theta->data, PARTREG_ORDER_VALUE,
                                               fit->opt.threads, fit->opt.block_rows, acc);
    double ll = acc->loglik;
    partreg_accum_free(acc);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "out of memory");
    /* the same rows give the same sum up to the order of the additions */
    if (!(fabs(ll - fit->loglik) <= 1e-9 * (1.0 + fabs(fit->loglik))))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data give log-likelihood %.10g at the estimate, the fit "
                                 "%.10g: these are not the rows the model was fitted on",
                                 ll, fit->loglik);
    return PARTREG_OK;
}

/* The heteroskedasticity-consistent meat's pass: rows cut into segments
 * fixed by n, k and the block (partreg_segment_count), each segment's
 * sum of u_i u_i' into its own lower triangle, the segments on the fit's
 * threads and merged in segment order, so M is the same bits at any
 * thread count. */
typedef struct meat_rows {
    const partreg_objective *obj;
    const double *theta;
    partreg_isa isa;  /* the fit's route's instruction set */
    double inv_scale; /* 1 / scale, exact: scale is a power of 2 */
    size_t n, k, block, nseg;
    double *seg;      /* nseg x k x k: the segments' lower triangles */
    double **buf;     /* per member: a block of row scores (block x k) */
    double **zp;      /* per member: the kernel's scratch above its small k (block x k) */
    double **scratch; /* per member: the model's */
} meat_rows;

static void meat_segment(void *arg, size_t s, size_t t)
{
    const meat_rows *p = arg;
    size_t k = p->k, b, e;
    partreg_segment_rows(p->n, p->block, p->nseg, s, &b, &e);
    double *A = p->seg + s * k * k, *S = p->buf[t];
    memset(A, 0, k * k * sizeof *A);
    for (size_t i0 = b; i0 < e; i0 += p->block) {
        size_t i1 = i0 + p->block < e ? i0 + p->block : e;
        p->obj->row_scores(p->obj->model, p->theta, i0, i1, S, p->scratch[t]);
        if (p->inv_scale != 1.0) /* times the exact reciprocal: the quotient's bits */
            for (size_t i = 0; i < (i1 - i0) * k; i++)
                S[i] *= p->inv_scale;
        partreg_info_add(p->isa, A, k, k, S, k, NULL, NULL, NULL, i1 - i0, p->zp[t], p->zp[t]);
    }
}

static partreg_status meat_hc(const partreg_fit *fit, const partreg_objective *obj,
                              const double *theta, double scale, double *M)
{
    size_t k = obj->k, n = obj->n;
    size_t block = fit->opt.block_rows ? fit->opt.block_rows : partreg_block_rows_auto(k);
    if (block > n)
        block = n;
    size_t nseg = partreg_segment_count(n, k, block);
    size_t nt = partreg_team_threads(NULL, fit->opt.threads, n, PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    meat_rows p = {obj, theta, partreg_route_isa(fit->kernel), 1.0 / scale, n, k, block, nseg, NULL, NULL, NULL, NULL};
    size_t n_seg = nseg * k * k, n_buf = block * k; /* k, n >= 1 here; 1 for the analyser */
    p.seg = malloc((n_seg ? n_seg : 1) * sizeof *p.seg);
    p.buf = calloc(nt, sizeof *p.buf);
    p.zp = calloc(nt, sizeof *p.zp);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = p.seg && p.buf && p.zp && p.scratch ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++) {
        p.buf[t] = malloc((n_buf ? n_buf : 1) * sizeof(double));
        p.zp[t] = malloc((n_buf ? n_buf : 1) * sizeof(double));
        p.scratch[t] = calloc(obj->scratch_doubles ? obj->scratch_doubles : 1, sizeof(double));
        if (!p.buf[t] || !p.zp[t] || !p.scratch[t])
            st = PARTREG_ENOMEM;
    }
    if (st == PARTREG_OK) {
        partreg_team_run_segments(NULL, nt, nseg, meat_segment, &p);
        for (size_t seg = 0; seg < nseg; seg++) /* in segment order */
            for (size_t a = 0; a < k; a++)
                for (size_t c = 0; c <= a; c++)
                    M[a * k + c] += p.seg[seg * k * k + a * k + c];
    }
    for (size_t t = 0; t < nt; t++) {
        if (p.buf)
            free(p.buf[t]);
        if (p.zp)
            free(p.zp[t]);
        if (p.scratch)
            free(p.scratch[t]);
    }
    free(p.buf);
    free(p.zp);
    free(p.scratch);
    free(p.seg);
    return st;
}

/* The cluster sums' pass: the same fixed segments; a segment's rows cut
 * into runs of one cluster (consecutive rows with the same code), each
 * run's sum of u_i in row order, the runs added to their clusters' sums
 * in segment order, so Sg is the same bits at any thread count (and those
 * of inference/meat.c's routes). A member adds its segment's runs as soon
 * as the segment before it is added (the members take the segments in
 * order from a shared counter, so the wait is for a segment under way):
 * the runs live in one buffer a member, however many there are (about one
 * a row when the rows are in no order of cluster). */
typedef struct cluster_pass {
    const partreg_objective *obj;
    const double *theta;
    const size_t *cluster;
    double inv_scale;
    size_t n, k, block, nseg;
    double *Sg;
    size_t **g;        /* per member: a segment's runs' clusters */
    double **sum;      /* per member: their sums (runs x k) */
    double **buf;      /* per member: a block of row scores */
    double **scratch;  /* per member: the model's */
    pthread_mutex_t mu;
    pthread_cond_t turn;
    size_t merged;     /* segments added to Sg (under mu) */
} cluster_pass;

static void cluster_segment(void *arg, size_t s, size_t t)
{
    cluster_pass *p = arg;
    size_t k = p->k, b, e;
    partreg_segment_rows(p->n, p->block, p->nseg, s, &b, &e);
    size_t r = 0, *g = p->g[t];
    double *S = p->buf[t], *sum = p->sum[t];
    for (size_t i0 = b; i0 < e; i0 += p->block) {
        size_t i1 = i0 + p->block < e ? i0 + p->block : e;
        p->obj->row_scores(p->obj->model, p->theta, i0, i1, S, p->scratch[t]);
        for (size_t i = i0; i < i1; i++) {
            if (i == b || p->cluster[i] != p->cluster[i - 1]) {
                r = i == b ? 0 : r + 1;
                g[r] = p->cluster[i];
                memset(sum + r * k, 0, k * sizeof *sum);
            }
            const double *si = S + (i - i0) * k;
            double *acc = sum + r * k;
            for (size_t j = 0; j < k; j++) /* times the exact reciprocal: the quotient */
                acc[j] += si[j] * p->inv_scale;
        }
    }
    size_t runs = e > b ? r + 1 : 0;
    pthread_mutex_lock(&p->mu);
    while (p->merged != s)
        pthread_cond_wait(&p->turn, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (size_t q = 0; q < runs; q++) {
        double *sg = p->Sg + g[q] * k;
        for (size_t j = 0; j < k; j++)
            sg[j] += sum[q * k + j];
    }
    pthread_mutex_lock(&p->mu);
    p->merged = s + 1;
    pthread_cond_broadcast(&p->turn);
    pthread_mutex_unlock(&p->mu);
}

static partreg_status meat_cluster(const partreg_fit *fit, const partreg_objective *obj,
                                   const double *theta, const size_t *cluster, double scale,
                                   double *Sg)
{
    size_t k = obj->k, n = obj->n;
    size_t block = fit->opt.block_rows ? fit->opt.block_rows : partreg_block_rows_auto(k);
    if (block > n)
        block = n;
    size_t nseg = partreg_segment_count(n, k, block);
    size_t nt = partreg_team_threads(NULL, fit->opt.threads, n, PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    size_t n_buf = block * k, rows_max = 1; /* k, n >= 1 here; 1 for the analyser */
    for (size_t s = 0; s < nseg; s++) {
        size_t b, e;
        partreg_segment_rows(n, block, nseg, s, &b, &e);
        if (e - b > rows_max)
            rows_max = e - b;
    }
    cluster_pass p = {.obj = obj, .theta = theta, .cluster = cluster, .inv_scale = 1.0 / scale,
                      .n = n, .k = k, .block = block, .nseg = nseg, .Sg = Sg};
    if (nt < 1)
        nt = 1;
    p.g = calloc(nt, sizeof *p.g);
    p.sum = calloc(nt, sizeof *p.sum);
    p.buf = calloc(nt, sizeof *p.buf);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = p.g && p.sum && p.buf && p.scratch ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++) {
        p.g[t] = malloc(rows_max * sizeof(size_t));
        p.sum[t] = malloc(rows_max * k * sizeof(double));
        p.buf[t] = malloc((n_buf ? n_buf : 1) * sizeof(double));
        p.scratch[t] = calloc(obj->scratch_doubles ? obj->scratch_doubles : 1, sizeof(double));
        if (!p.g[t] || !p.sum[t] || !p.buf[t] || !p.scratch[t])
            st = PARTREG_ENOMEM;
    }
    int sync = 0;
    if (st == PARTREG_OK) {
        if (pthread_mutex_init(&p.mu, NULL) != 0)
            st = PARTREG_ENOMEM;
        else if (pthread_cond_init(&p.turn, NULL) != 0) {
            pthread_mutex_destroy(&p.mu);
            st = PARTREG_ENOMEM;
        } else
            sync = 1;
    }
    if (st == PARTREG_OK)
        partreg_team_run_segments(NULL, nt, nseg, cluster_segment, &p);
    if (sync) {
        pthread_cond_destroy(&p.turn);
        pthread_mutex_destroy(&p.mu);
    }
    for (size_t t = 0; t < nt; t++) {
        if (p.g)
            free(p.g[t]);
        if (p.sum)
            free(p.sum[t]);
        if (p.buf)
            free(p.buf[t]);
        if (p.scratch)
            free(p.scratch[t]);
    }
    free(p.g);
    free(p.sum);
    free(p.buf);
    free(p.scratch);
    return st;
}

partreg_status partreg_fit_set_vcov(partreg_fit *fit, const partreg_data *data,
                                    partreg_vcov_type type, const size_t *cluster,
                                    size_t n_clusters, partreg_error *err)
{
    if (!fit)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_set_vcov: NULL fit");
    if (!partreg_vcov_name(type))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown covariance type %d; use model, hc0, hc1, cluster or cr2",
                                 (int)type);
    if (type == PARTREG_VCOV_DESIGN || type == PARTREG_VCOV_REPLICATE)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "a %s covariance needs the survey design: use "
                                 "partreg_fit_set_survey()",
                                 partreg_vcov_name(type));
    if (fit->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "this fit has a survey design, whose covariance (%s) is the one "
                                 "that fits the sampling; the %s covariance assumes independent "
                                 "rows drawn with equal probability",
                                 partreg_vcov_name(fit->vcov_type), partreg_vcov_name(type));
    size_t k = fit->k, n = fit->n;
    if (fit->singular || !fit->bread || !isfinite(gsl_matrix_get(fit->bread, 0, 0)))
        return partreg_error_set(err, PARTREG_ESINGULAR,
                                 "the information matrix is singular at the estimate, so no "
                                 "covariance (model or sandwich) is available");
    if (type != PARTREG_VCOV_MODEL && fit->model.penalty != PARTREG_PENALTY_NONE)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the %s covariance is not offered for a Firth (penalised) fit, "
                                 "whose scores do not sum to zero at the estimate; its covariance "
                                 "is the inverse expected information (--vcov model)",
                                 partreg_vcov_name(type));
    if (type == PARTREG_VCOV_MODEL) {
        partreg_fit_install_vcov(fit, fit->bread->data, PARTREG_VCOV_MODEL);
        fit->n_clusters = 0;
        partreg_error_clear(err);
        return PARTREG_OK;
    }
    size_t G = 0;
    unsigned char *seen = NULL;
    const partreg_rows *rows = fit->rows;
    int clustered = type == PARTREG_VCOV_CLUSTER || type == PARTREG_VCOV_CR2;
    if (type == PARTREG_VCOV_CR2 && rows)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the CR2 covariance works on each cluster's rows in memory; it "
                                 "is not available out of core or in a distributed fit (use "
                                 "--vcov cluster, or raise --memory)");
    if (type == PARTREG_VCOV_CLUSTER && rows && (cluster || rows->clustered)) {
        /* the codes are checked and the clusters counted by the meat's pass */
    } else if (clustered) {
        if (!cluster)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the cluster-robust covariance needs a cluster identifier "
                                     "for every row (none given)");
        if (!data || data->n != n)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the data have %zu rows but the model was fitted on %zu",
                                     data ? data->n : 0, n);
        seen = calloc(n_clusters ? n_clusters : 1, 1);
        if (!seen)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            if (cluster[i] >= n_clusters) {
                free(seen);
                return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                               "row %zu: cluster code %zu is not below the number "
                                               "of clusters %zu",
                                               i + 1, cluster[i], n_clusters);
            }
            if (!seen[cluster[i]]) {
                seen[cluster[i]] = 1;
                G++;
            }
        }
        free(seen);
        if (G < 2)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the cluster-robust covariance needs at least 2 clusters; "
                                     "all %zu rows are in a single cluster",
                                     n);
    }
    if (type == PARTREG_VCOV_CR2)
        return partreg_fit_cr2(fit, data, cluster, n_clusters, err);
    if (rows && rows->clustered)
        cluster = NULL; /* the rows carry their codes */
    if (n <= k)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%zu rows for %zu parameters: the small-sample factor n/(n-k) "
                                 "is undefined",
                                 n, k);

    partreg_design d;
    partreg_objective obj;
    partreg_status st = partreg_inference_check_data(fit, data, &d, &obj, err);
    if (st != PARTREG_OK)
        return st;
    if (!obj.row_scores) /* a random intercept: rows within a group are not independent */
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the %s covariance is not offered for the %s model: its rows "
                                 "are not independent (they share their group's effect), and "
                                 "the model covariance already accounts for the groups; use "
                                 "the model covariance (--vcov model)",
                                 partreg_vcov_name(type), partreg_fit_model_name(fit));

    double *M = calloc(k * k, sizeof *M);
    double *V = malloc(k * k * sizeof *V);
    double *Sg = type == PARTREG_VCOV_CLUSTER ? calloc(n_clusters * k > 0 ? n_clusters * k : 1, sizeof *Sg) : NULL;
    if (!M || !V || (type == PARTREG_VCOV_CLUSTER && !Sg)) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* The scores carry the weights, so the meat carries their square:
     * with case weights near 1e155 it would overflow (and near 1e-155
     * underflow) where the covariance itself is ordinary. It is summed
     * from the scores divided by c, a power of 2 near the mean weight
     * (exact: the same bits as unscaled where it does not overflow), and
     * V = (c B) (M / c^2) (c B). */
    double mean_w = fit->sum_w / (double)n, c = 1.0;
    if (isfinite(mean_w) && mean_w > 0.0) {
        int e2;
        frexp(mean_w, &e2);
        c = ldexp(1.0, e2 - 1);
    }
    /* In memory: the passes here, on the fit's threads. Rows on disk or
     * on several processes: the same segments and the same sums
     * (inference/meat.c), the same bits. */
    if (type == PARTREG_VCOV_CLUSTER && !rows) {
        st = meat_cluster(fit, &obj, fit->theta->data, cluster, c, Sg); /* codes checked above */
    } else if (type == PARTREG_VCOV_CLUSTER) {
        size_t bad = 0;
        st = partreg_meat_clusters(fit, &obj, rows, cluster, n_clusters, c, Sg, &G, &bad);
        if (st == PARTREG_EINVAL) {
            partreg_error_set_index(err, st, (long)bad,
                                    "row %zu: cluster code is not below the number of clusters "
                                    "%zu",
                                    bad + 1, n_clusters);
            goto cleanup;
        }
        if (st == PARTREG_OK && G < 2) {
            st = partreg_error_set(err, PARTREG_EINVAL,
                                   "the cluster-robust covariance needs at least 2 clusters; "
                                   "all %zu rows are in a single cluster",
                                   n);
            goto cleanup;
        }
    } else {
        st = rows ? partreg_meat_rows(fit, &obj, rows, c, M)
                  : meat_hc(fit, &obj, fit->theta->data, c, M);
    }
    partreg_fit_count_rows(fit, n); /* the scores' pass */
    if (st != PARTREG_OK) {
        partreg_error_set(err, st,
                          st == PARTREG_ENOMEM ? "out of memory"
                          : st == PARTREG_EUNSUPPORTED
                              ? "the cluster codes of a distributed fit over design files are "
                                "the files' own: write them into the design files, not in an "
                                "array"
                              : "reading the rows failed");
        goto cleanup;
    }
    if (type == PARTREG_VCOV_CLUSTER) { /* M = sum_g S_g S_g' (unused codes add 0) */
        memset(M, 0, k * k * sizeof *M);
        partreg_rank_update(partreg_route_isa(fit->kernel), M, k, k, Sg, k, NULL, NULL, NULL,
                            n_clusters);
    }
    for (size_t a = 0; a < k; a++) /* fill the upper triangle */
        for (size_t b = 0; b < a; b++)
            M[b * k + a] = M[a * k + b];

    double factor = 1.0, dn = (double)n, dk = (double)k, dG = (double)G;
    if (type == PARTREG_VCOV_HC1)
        factor = dn / (dn - dk);
    else if (type == PARTREG_VCOV_CLUSTER)
        factor = dG / (dG - 1.0) * (dn - 1.0) / (dn - dk);

    partreg_sandwich_product(fit->bread->data, fit->bread->tda, M, k, c, factor * c, V);
    for (size_t a = 0; a < k; a++) /* exact symmetry */
        for (size_t b = 0; b < a; b++)
            V[a * k + b] = V[b * k + a] = 0.5 * (V[a * k + b] + V[b * k + a]);
    for (size_t a = 0; a < k * k; a++) {
        if (!isfinite(V[a])) {
            st = partreg_error_set(err, PARTREG_ENUMERIC,
                                   "the %s covariance has non-finite entries",
                                   partreg_vcov_name(type));
            goto cleanup;
        }
    }
    partreg_fit_install_vcov(fit, V, type);
    fit->n_clusters = type == PARTREG_VCOV_CLUSTER ? G : 0;
    partreg_error_clear(err);
cleanup:
    free(M);
    free(V);
    free(Sg);
    return st;
}

partreg_status partreg_fit_set_param_df(partreg_fit *fit, double df, partreg_error *err)
{
    if (!fit)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_set_param_df: NULL fit");
    if (!(df > 0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "degrees of freedom %g: a t reference distribution needs df > 0",
                                 df);
    for (size_t j = 0; j < fit->K; j++)
        partreg_fit_set_df(fit, j, df);
    /* the Satterthwaite df of a CR2 covariance are replaced, and its
     * joint tests with them (HTZ, cr2_htz.h): they become F on (q, df) */
    free(fit->cr2);
    fit->cr2 = NULL;
    partreg_error_clear(err);
    return PARTREG_OK;
}
