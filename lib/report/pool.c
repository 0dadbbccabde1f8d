/* Multiple imputation: the analysis of each completed data set, run on
 * threads across the imputations, pooled by Rubin's rules (Rubin 1987),
 * as R's mice::pool:
 *
 *   Qbar = mean_i Q_i,  Ubar = mean_i U_i,  B = var_i(Q_i) (divisor m - 1),
 *   T = Ubar + (1 + 1/m) B,  riv = (1 + 1/m) b / ubar,
 *   df = Barnard and Rubin (1999) with the complete-data df dfcom:
 *        lambda = (1 + 1/m) b / t (at least 1e-4), df_old = (m - 1) / lambda^2,
 *        df_obs = (dfcom + 1) / (dfcom + 3) dfcom (1 - lambda),
 *        df = df_old df_obs / (df_old + df_obs),
 *   fmi = (riv + 2 / (df + 3)) / (riv + 1).
 *
 * dfcom is n - k, or the per-imputation fit's own df where it has one (a
 * design's, CR2's Satterthwaite or --cluster-df: their mean over the
 * imputations), so every covariance and df that a per-imputation fit
 * carries is pooled as it is. Margins and predictions at values are
 * pooled entry by entry the same way; joint Wald tests by variable use D1
 * (Li, Raghunathan and Rubin 1991) with the denominator df of Reiter
 * (2007), as mice::D1 with dfcom. Each imputation's analysis runs on one
 * thread, so the pooled numbers do not depend on the thread count. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "data/table_internal.h"
#include "inference/margins_internal.h"
#include "models/fit_internal.h"
#include "models/penalty.h"
#include "report/analysis_internal.h"

/* Barnard and Rubin's lambda floor (mice:::barnard.rubin). */
#define LAMBDA_MIN 1e-4

static double br_df(double m, double b, double t, double dfcom)
{
    double lambda = (1.0 + 1.0 / m) * b / t;
    if (!(lambda >= LAMBDA_MIN))
        lambda = LAMBDA_MIN;
    double dfold = (m - 1.0) / (lambda * lambda);
    if (!isfinite(dfcom))
        return dfold;
    double dfobs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lambda);
    return dfold * dfobs / (dfold + dfobs);
}

/* Two-sided p-value and interval half-width quantile on t(df) (the normal
 * when df is infinite). */
static double t_p(double z, double df)
{
    return isfinite(df) ? 2.0 * gsl_cdf_tdist_Q(fabs(z), df) : 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

static double t_q(double level, double df)
{
    double a = 0.5 * (1.0 + level);
    return isfinite(df) ? gsl_cdf_tdist_Pinv(a, df) : gsl_cdf_ugaussian_Pinv(a);
}

void partreg_d1_table_free(struct partreg_d1_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->items[i].variable);
    free(t->items);
    free(t);
}

/* ---- running the imputations ------------------------------------------- */

typedef struct mi_job {
    const partreg_table *const *tables;
    size_t m;
    partreg_analysis_spec spec; /* one thread per imputation */
    partreg_analysis **parts;
    partreg_status *status;
    partreg_error *errs;
    size_t next;
    pthread_mutex_t lock;
} mi_job;

static void *mi_worker(void *arg)
{
    mi_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->m)
            return NULL;
        j->status[i] = partreg_analysis_run_table(j->tables[i], &j->spec, &j->parts[i], &j->errs[i]);
    }
}

partreg_status partreg_analysis_run_imputations(const partreg_table *const *tables, size_t m,
                                                const partreg_analysis_spec *spec,
                                                partreg_analysis **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL output pointer");
    *out = NULL;
    if (!tables || !spec)
        return partreg_error_set(err, PARTREG_EINVAL, "no tables or spec given");
    if (m < 2)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "multiple imputation needs at least 2 completed data sets; "
                                 "%zu given",
                                 m);
    if (spec->ci == PARTREG_CI_PROFILE)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "profile intervals are not pooled by Rubin's rules; use --ci "
                                 "wald with multiple imputation");
    if (spec->brant)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test is not pooled over imputations; run it on one "
                                 "completed data set");
    partreg_formula *f = NULL; /* a parse error is reported by the first analysis */
    int random = spec->formula && partreg_formula_parse(spec->formula, &f, NULL) == PARTREG_OK &&
                 partreg_formula_group(f);
    partreg_formula_free(f);
    if (random)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "a random intercept is not pooled over imputations: its "
                                 "community effects and likelihood-ratio test have no Rubin "
                                 "pooling here; fit each completed data set on its own");
    mi_job j;
    memset(&j, 0, sizeof j);
    j.tables = tables;
    j.m = m;
    j.spec = *spec;
    j.spec.imputations = NULL;
    j.spec.fit.threads = 1;
    j.spec.fit.workers = NULL;
    j.spec.frame.threads = 1;
    j.spec.read.threads = 1;
    j.parts = calloc(m, sizeof(partreg_analysis *));
    j.status = calloc(m, sizeof *j.status);
    j.errs = calloc(m, sizeof *j.errs);
    partreg_status st = PARTREG_OK;
    if (!j.parts || !j.status || !j.errs) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = spec->fit.threads > 0 ? (size_t)spec->fit.threads : (cores > 0 ? (size_t)cores : 1);
    if (nt > m)
        nt = m;
    if (nt > 64)
        nt = 64;
    pthread_t th[64];
    size_t started = 0;
    pthread_mutex_init(&j.lock, NULL);
    for (size_t t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, mi_worker, &j) == 0)
            started++;
    mi_worker(&j);
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&j.lock);
    for (size_t i = 0; i < m; i++) {
        if (j.status[i] != PARTREG_OK) {
            st = partreg_error_set(err, j.status[i], "imputation %zu: %s", i + 1,
                                   j.errs[i].message);
            goto cleanup;
        }
    }
    if ((st = partreg_analysis_pool(j.parts, m, err)) != PARTREG_OK)
        goto cleanup;
    *out = j.parts[0];
    j.parts[0] = NULL;
cleanup:
    for (size_t i = 0; j.parts && i < m; i++)
        partreg_analysis_free(j.parts[i]);
    free(j.parts);
    free(j.status);
    free(j.errs);
    return st;
}

/* ---- pooling ------------------------------------------------------------ */

/* Pool the margins lists L[0..m) into L[0]'s entries. */
static partreg_status pool_margins(partreg_margins **L, size_t m, double dfcom, double level,
                                   partreg_prob_ci prob_ci, partreg_link link,
                                   partreg_error *err)
{
    if (m == 0 || !L[0])
        return PARTREG_OK;
    partreg_margins *p = L[0];
    for (size_t i = 1; i < m; i++)
        if (!L[i] || L[i]->n != p->n)
            return partreg_error_set(err, PARTREG_EDATA,
                                     "imputation %zu gives %zu margins, imputation 1 %zu: the "
                                     "completed data sets differ in their variables or levels",
                                     i + 1, L[i] ? L[i]->n : 0, p->n);
    double dm = (double)m;
    for (size_t e = 0; e < p->n; e++) {
        double q = 0.0, u = 0.0;
        for (size_t i = 0; i < m; i++) {
            q += L[i]->items[e].estimate;
            u += L[i]->items[e].std_error * L[i]->items[e].std_error;
        }
        q /= dm;
        u /= dm;
        double b = 0.0;
        for (size_t i = 0; i < m; i++) {
            double dv = L[i]->items[e].estimate - q;
            b += dv * dv;
        }
        b /= dm - 1.0;
        double t = u + (1.0 + 1.0 / dm) * b, df = br_df(dm, b, t, dfcom), se = sqrt(t);
        partreg_margin *it = &p->items[e];
        it->estimate = q;
        it->std_error = se;
        if (it->probability) { /* not tested against 0; link-scale interval by default */
            it->z = it->p_value = NAN;
            if (prob_ci == PARTREG_PROB_CI_LINK) {
                partreg_margins_link_interval(link, q, se, t_q(level, df), &it->conf_low,
                                              &it->conf_high);
                continue;
            }
        } else {
            it->z = q / se;
            it->p_value = t_p(it->z, df);
        }
        double h = t_q(level, df) * se;
        it->conf_low = q - h;
        it->conf_high = q + h;
    }
    return PARTREG_OK;
}

/* D1 for the parameters idx[0..q) (Li, Raghunathan and Rubin 1991;
 * denominator df of Reiter 2007). */
static void d1_test(const double *Q, const double *U, size_t m, size_t K, const size_t *idx,
                    size_t q, double dfcom, partreg_d1_test *out, double *work)
{
    double dm = (double)m, dq = (double)q;
    double *qb = work, *Ub = qb + q, *Bm = Ub + q * q, *Ui = Bm + q * q, *Lw = Ui + q * q;
    memset(qb, 0, q * sizeof *qb);
    memset(Ub, 0, q * q * sizeof *Ub);
    memset(Bm, 0, q * q * sizeof *Bm);
    for (size_t i = 0; i < m; i++)
        for (size_t a = 0; a < q; a++) {
            qb[a] += Q[i * K + idx[a]] / dm;
            for (size_t c = 0; c < q; c++)
                Ub[a * q + c] += U[(i * K + idx[a]) * K + idx[c]] / dm;
        }
    for (size_t i = 0; i < m; i++)
        for (size_t a = 0; a < q; a++)
            for (size_t c = 0; c < q; c++)
                Bm[a * q + c] += (Q[i * K + idx[a]] - qb[a]) * (Q[i * K + idx[c]] - qb[c]) / (dm - 1.0);
    out->df1 = dq;
    double logdet;
    if (partreg_chol_logdet_inverse(q, Ub, Lw, Ui, &logdet) != 0) {
        out->F = out->df2 = out->p_value = out->riv = NAN;
        return;
    }
    double tr = 0.0, w = 0.0;
    for (size_t a = 0; a < q; a++)
        for (size_t c = 0; c < q; c++) {
            tr += Bm[a * q + c] * Ui[c * q + a];
            w += qb[a] * Ui[a * q + c] * qb[c];
        }
    double r = (1.0 + 1.0 / dm) * tr / dq;
    out->riv = r;
    out->F = w / (dq * (1.0 + r));
    double t = dq * (dm - 1.0), df2;
    if (isfinite(dfcom) && t > 4.0) { /* Reiter (2007), mice::D1 / mitml */
        double a = r * t / (t - 2.0), vstar = (dfcom + 1.0) / (dfcom + 3.0) * dfcom;
        double c0 = 1.0 / (t - 4.0), c1 = vstar - 2.0 * (1.0 + a), c2 = vstar - 4.0 * (1.0 + a);
        double z = 1.0 / c2 + c0 * (a * a * c1 / ((1.0 + a) * (1.0 + a) * c2)) +
                   c0 * (8.0 * a * a * c1 / ((1.0 + a) * c2 * c2) + 4.0 * a * a / ((1.0 + a) * c2)) +
                   c0 * (4.0 * a * a / (c2 * c1) + 16.0 * a * a * c1 / (c2 * c2 * c2)) +
                   c0 * (8.0 * a * a / (c2 * c2));
        df2 = 4.0 + 1.0 / z;
    } else if (isfinite(dfcom) && q == 1) {
        /* t <= 4 (one coefficient, m <= 5), where Reiter's df has 1/(t - 4):
         * F is the square of the coefficient's t, whose Barnard-Rubin df
         * its own test uses */
        double lam = fmax(r / (1.0 + r), 1e-4);
        double dold = (dm - 1.0) / (lam * lam);
        double dobs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lam);
        df2 = dold * dobs / (dold + dobs);
    } else if (t > 4.0) { /* Li, Raghunathan and Rubin (1991) */
        double g = 1.0 + (1.0 - 2.0 / t) / r;
        df2 = 4.0 + (t - 4.0) * g * g;
    } else {
        df2 = t * (1.0 + 1.0 / dq) * (1.0 + 1.0 / r) * (1.0 + 1.0 / r) / 2.0;
    }
    out->df2 = df2;
    /* r = 0 (no between-imputation variance) makes df2 infinite: F q is
     * then chi2 on q df (gsl's F distribution takes no infinite df) */
    out->p_value = !isfinite(out->F) || !(df2 > 0) ? NAN
                   : isinf(df2)                   ? gsl_cdf_chisq_Q(out->F * dq, dq)
                                                  : gsl_cdf_fdist_Q(out->F, dq, df2);
}

partreg_status partreg_analysis_pool(partreg_analysis **parts, size_t m, partreg_error *err)
{
    partreg_analysis *a = parts[0];
    partreg_fit *fit = a->fit;
    size_t K = fit->K, k = fit->k;
    if (a->standardized)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "standardized coefficients are not pooled over imputations "
                                 "(each completed data set has its own standard deviations); "
                                 "drop --standardize");
    for (size_t i = 1; i < m; i++) {
        const partreg_fit *f = parts[i]->fit;
        int same = f->K == K && f->k == k;
        for (size_t j = 0; same && j < K; j++) {
            char b1[256], b2[256];
            same = strcmp(partreg_fit_param_name(fit, j, b1, sizeof b1),
                          partreg_fit_param_name(f, j, b2, sizeof b2)) == 0 &&
                   (fit->free_of[j] == PARTREG_NONE) == (f->free_of[j] == PARTREG_NONE);
        }
        if (!same)
            return partreg_error_set(err, PARTREG_EDATA,
                                     "imputation %zu estimates other parameters than imputation "
                                     "1 (a level missing from one completed data set, or a term "
                                     "dropped in one): the imputations cannot be pooled",
                                     i + 1);
    }
    double dm = (double)m;
    double *Q = malloc((K ? m * K : 1) * sizeof *Q), *U = malloc((K ? m * K * K : 1) * sizeof *U);
    double *qbar = calloc(K ? K : 1, sizeof *qbar), *T = malloc((k ? k * k : 1) * sizeof *T);
    double *dfcom = malloc((K ? K : 1) * sizeof *dfcom), *df = malloc((K ? K : 1) * sizeof *df);
    double *riv = malloc((K ? K : 1) * sizeof *riv), *fmi = malloc((K ? K : 1) * sizeof *fmi);
    double *work = malloc((5 * K * K + K + 1) * sizeof *work);
    size_t *idx = malloc((K ? K : 1) * sizeof *idx);
    partreg_status st = PARTREG_OK;
    if (!Q || !U || !qbar || !T || !dfcom || !df || !riv || !fmi || !work || !idx) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    double n_k = (double)fit->n - (double)k;
    for (size_t j = 0; j < K; j++) {
        double s = 0.0;
        int finite = 1;
        for (size_t i = 0; i < m; i++) {
            double d = partreg_fit_param_df(parts[i]->fit, j);
            finite = finite && isfinite(d);
            s += d;
        }
        dfcom[j] = finite ? s / dm : n_k;
    }
    for (size_t i = 0; i < m; i++) {
        const partreg_fit *f = parts[i]->fit;
        for (size_t j = 0; j < K; j++) {
            Q[i * K + j] = gsl_vector_get(f->par, j);
            qbar[j] += Q[i * K + j] / dm;
            for (size_t c = 0; c < K; c++)
                U[(i * K + j) * K + c] = gsl_matrix_get(f->vcov, j, c);
        }
    }
    /* T over the free parameters; df, riv, fmi per parameter */
    double fmax = 0.0;
    for (size_t x = 0; x < k; x++) {
        size_t ja = partreg_fit_full_index(fit, x);
        for (size_t c = 0; c < k; c++) {
            size_t jc = partreg_fit_full_index(fit, c);
            double u = 0.0, b = 0.0;
            for (size_t i = 0; i < m; i++) {
                u += U[(i * K + ja) * K + jc];
                b += (Q[i * K + ja] - qbar[ja]) * (Q[i * K + jc] - qbar[jc]);
            }
            u /= dm;
            b /= dm - 1.0;
            T[x * k + c] = u + (1.0 + 1.0 / dm) * b;
            if (x == c) {
                df[ja] = br_df(dm, b, T[x * k + c], dfcom[ja]);
                riv[ja] = (1.0 + 1.0 / dm) * b / u;
                fmi[ja] = (riv[ja] + 2.0 / (df[ja] + 3.0)) / (riv[ja] + 1.0);
                if (fit->model.layout.params[ja].kind != PARTREG_PARAM_THRESHOLD &&
                    fmi[ja] > fmax)
                    fmax = fmi[ja];
            }
        }
    }
    for (size_t j = 0; j < K; j++)
        if (fit->free_of[j] == PARTREG_NONE)
            df[j] = riv[j] = fmi[j] = NAN;
    partreg_vcov_type vt = fit->vcov_type;
    size_t G = fit->n_clusters;
    partreg_fit_replace_estimate(fit, qbar);
    partreg_fit_install_vcov(fit, T, vt);
    fit->n_clusters = G;
    for (size_t f = 0; f < k; f++) {
        size_t j = partreg_fit_full_index(fit, f);
        partreg_fit_set_df(fit, j, df[j]);
    }
    for (size_t j = 0; j < K; j++) {
        partreg_estimate e;
        partreg_fit_estimate(fit, j, a->conf_level, &e, NULL);
        a->conf_low[j] = e.conf_low;
        a->conf_high[j] = e.conf_high;
    }
    /* margins and predictions at values, entry by entry; their dfcom is n - k */
    partreg_margins **L = malloc((m ? m : 1) * sizeof(partreg_margins *));
    if (!L) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    double dfcom_m = dfcom[partreg_fit_full_index(fit, 0)];
    /* every list of margins, contrasts and profile points is a list of
     * scalar estimands: Rubin's rules entry by entry */
    for (int which = 0; which < 5 && st == PARTREG_OK; which++) {
        for (size_t i = 0; i < m; i++)
            L[i] = which == 0   ? parts[i]->margins
                   : which == 1 ? parts[i]->margins_mem
                   : which == 2 ? parts[i]->margins_at
                   : which == 3 ? parts[i]->contrasts
                                : parts[i]->profile;
        st = pool_margins(L, m, dfcom_m, a->conf_level, a->prob_ci, partreg_fit_link(fit), err);
    }
    free(L);
    if (st != PARTREG_OK)
        goto cleanup;
    /* D1 by variable (replaces the per-imputation Wald tests) */
    if (a->wald) {
        size_t nv = partreg_frame_n_variables(a->frame);
        struct partreg_d1_table *t = calloc(1, sizeof *t);
        if (!t || !(t->items = calloc(nv ? nv : 1, sizeof *t->items))) {
            free(t);
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        a->d1 = t;
        for (size_t v = 0; v < nv; v++) {
            size_t nc = 0, q = 0;
            const size_t *cols = partreg_frame_variable_columns(a->frame, v, &nc);
            /* the parameters of partreg_wald_tests_by_variable: the
             * variable's slopes (every cut's), not its scale effects */
            for (size_t j = 0; j < K; j++) {
                const partreg_param *pp = &fit->model.layout.params[j];
                if (fit->free_of[j] == PARTREG_NONE || pp->column == PARTREG_NONE ||
                    (pp->kind != PARTREG_PARAM_COEFFICIENT &&
                     pp->kind != PARTREG_PARAM_CUT_COEFFICIENT))
                    continue;
                for (size_t c = 0; c < nc; c++)
                    if (cols[c] == pp->column)
                        idx[q++] = j;
            }
            partreg_d1_test *d = &t->items[t->n];
            if (!(d->variable = partreg_margins_strdup(partreg_frame_variable_name(a->frame, v)))) {
                st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
                goto cleanup;
            }
            t->n++;
            if (q == 0) {
                d->F = d->df2 = d->p_value = d->riv = NAN;
                d->df1 = 0;
                continue;
            }
            d1_test(Q, U, m, K, idx, q, q == 1 ? dfcom[idx[0]] : dfcom_m, d, work);
        }
        partreg_wald_table_free(a->wald);
        a->wald = NULL;
    }
    /* D1 of every slope (replaces each imputation's LR or Wald test) */
    a->has_model_test = 0;
    size_t qs = 0;
    for (size_t j = 0; j < K; j++) {
        const partreg_param *pp = &fit->model.layout.params[j];
        if (fit->free_of[j] != PARTREG_NONE && pp->column != PARTREG_NONE &&
            (pp->kind == PARTREG_PARAM_COEFFICIENT || pp->kind == PARTREG_PARAM_CUT_COEFFICIENT) &&
            !(partreg_frame_has_intercept(a->frame) && pp->column == 0))
            idx[qs++] = j;
    }
    if (qs > 0) {
        partreg_d1_test d = {0};
        d1_test(Q, U, m, K, idx, qs, qs == 1 ? dfcom[idx[0]] : dfcom_m, &d, work);
        a->has_model_test = isfinite(d.F);
        a->model_test = REPORT_TEST_D1;
        a->model_W = NAN;
        a->model_q = d.df1;
        a->model_F = d.F;
        a->model_df2 = d.df2;
        a->model_p = d.p_value;
    }
    a->has_diagnostics = 0;
    a->imputations = m;
    a->riv = riv;
    a->fmi = fmi;
    riv = fmi = NULL;
    a->fmi_max = fmax;
cleanup:
    free(Q);
    free(U);
    free(qbar);
    free(T);
    free(dfcom);
    free(df);
    free(riv);
    free(fmi);
    free(work);
    free(idx);
    return st;
}
