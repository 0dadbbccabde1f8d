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
 * cluster sums (G x k) before the next block is computed, so no n x k
 * matrix is ever held. See docs/methods_inference.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "core/error.h"
#include "inference/inference_internal.h"
#include "inference/meat.h"

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
        int ok = y >= 0 && y < (double)fit->J && y == floor(y);
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
    double *T = malloc(k * k * sizeof *T);
    double *V = malloc(k * k * sizeof *V);
    double *Sg = type == PARTREG_VCOV_CLUSTER ? calloc(n_clusters * k > 0 ? n_clusters * k : 1, sizeof *Sg) : NULL;
    if (!M || !T || !V || (type == PARTREG_VCOV_CLUSTER && !Sg)) {
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
    if (type == PARTREG_VCOV_CLUSTER) {
        size_t bad = 0, G_rows = 0;
        st = partreg_meat_clusters(fit, &obj, rows, cluster, n_clusters, c, Sg, &G_rows, &bad);
        if (st == PARTREG_EINVAL) {
            partreg_error_set_index(err, st, (long)bad,
                                    "row %zu: cluster code is not below the number of clusters "
                                    "%zu",
                                    bad + 1, n_clusters);
            goto cleanup;
        }
        if (rows)
            G = G_rows;
        if (st == PARTREG_OK && G < 2) {
            st = partreg_error_set(err, PARTREG_EINVAL,
                                   "the cluster-robust covariance needs at least 2 clusters; "
                                   "all %zu rows are in a single cluster",
                                   n);
            goto cleanup;
        }
    } else {
        st = partreg_meat_rows(fit, &obj, rows, c, M);
    }
    if (st != PARTREG_OK) {
        partreg_error_set(err, st, st == PARTREG_ENOMEM ? "out of memory"
                                                        : "reading the rows failed");
        goto cleanup;
    }
    gsl_matrix_view Mv = gsl_matrix_view_array(M, k, k);
    if (type == PARTREG_VCOV_CLUSTER) { /* M = sum_g S_g S_g' (unused codes add 0) */
        gsl_matrix_view Sv = gsl_matrix_view_array(Sg, n_clusters, k);
        gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &Sv.matrix, 0.0, &Mv.matrix);
    }
    for (size_t a = 0; a < k; a++) /* fill the upper triangle */
        for (size_t b = 0; b < a; b++)
            M[b * k + a] = M[a * k + b];

    double factor = 1.0, dn = (double)n, dk = (double)k, dG = (double)G;
    if (type == PARTREG_VCOV_HC1)
        factor = dn / (dn - dk);
    else if (type == PARTREG_VCOV_CLUSTER)
        factor = dG / (dG - 1.0) * (dn - 1.0) / (dn - dk);

    gsl_matrix_view Tv = gsl_matrix_view_array(T, k, k);
    gsl_matrix_view Vv = gsl_matrix_view_array(V, k, k);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, c, fit->bread, &Mv.matrix, 0.0, &Tv.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, factor * c, &Tv.matrix, fit->bread, 0.0,
                   &Vv.matrix);
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
    free(T);
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
    partreg_error_clear(err);
    return PARTREG_OK;
}
