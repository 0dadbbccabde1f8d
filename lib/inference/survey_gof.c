/* The Archer-Lemeshow F-adjusted mean residual test of a binary design fit
 * (partreg_survey.h; Archer and Lemeshow 2006, Stata Journal 6(1):97-105,
 * the survey counterpart of Hosmer and Lemeshow's test):
 *
 *   r_i = y_i - p_i;  g groups by fitted probability, the weighted
 *   deciles of risk (Stata's xtile with the sampling weights);
 *   M_g = sum_{i in g} w_i r_i / sum_{i in g} w_i;
 *   V = design covariance of M (linearised: u_ig = w_i (r_i - M_g) / W_g
 *       for the rows of group g, through the strata, PSUs and fpc; or the
 *       replicate weights' means);
 *   W = M' V^- M,  F = (d - g + 2) W / (d g) on (g - 1, d - g + 2).
 *
 * The residuals are taken as data (the estimation of p is not linearised),
 * as in the paper and Stata's svylogitgof. The groups' mean residuals, not
 * their totals (Stata's `estat gof, total`). tests/ref/survey_gof.R
 * computes the same statistic with R's survey package (svyby of the
 * residual over the groups) for tests/test_survey_gof.c. */
#include "inference/survey_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/spd.h"
#include "inference/inference_internal.h"

/* Eigenvalues below this fraction of the largest are dropped from the
 * generalised inverse (as the Wald tests do). */
#define GOF_RANK_TOL 1e-10

typedef struct ranked {
    double p;
    size_t row;
} ranked;

static int by_p(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* W = M' V^- M and the rank of V (g x g, overwritten). */
static partreg_status wald_ginv(double *V, const double *M, size_t g, double *W, size_t *rank)
{
    double *eval = malloc(g * sizeof *eval), *evec = malloc(g * g * sizeof *evec);
    partreg_status st = PARTREG_OK;
    if (!eval || !evec) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    if (partreg_sym_eigen(V, g, eval, evec) != 0) {
        st = PARTREG_ESINGULAR;
        goto cleanup;
    }
    double lmax = 0.0;
    for (size_t i = 0; i < g; i++)
        lmax = fmax(lmax, eval[i]);
    double s = 0.0;
    size_t r = 0;
    for (size_t e = 0; e < g; e++) {
        double l = eval[e];
        if (!(lmax > 0.0) || l <= GOF_RANK_TOL * lmax)
            continue;
        double u = 0.0;
        for (size_t i = 0; i < g; i++)
            u += evec[i * g + e] * M[i];
        s += u * u / l;
        r++;
    }
    *W = s;
    *rank = r;
    if (r == 0)
        st = PARTREG_ESINGULAR;
cleanup:
    free(evec);
    free(eval);
    return st;
}

partreg_status partreg_fit_survey_gof(const partreg_fit *fit, const partreg_data *data,
                                      const partreg_survey *s, size_t groups,
                                      partreg_survey_gof *out, partreg_error *err)
{
    static const char who[] = "partreg_fit_survey_gof";
    if (out) {
        memset(out, 0, sizeof *out);
        out->W = out->F = out->df1 = out->df2 = out->p_value = NAN;
    }
    if (!fit || !data || !s || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    if (groups < 3)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: %zu groups; at least 3 are needed",
                                 who, groups);
    if (!fit->survey)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the fit has no survey design (partreg_fit_set_survey)", who);
    if (fit->model.nout != 1)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: the mean residual test is for binary models", who);
    if (data->n != fit->n || data->p != fit->p || s->n != fit->n)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: the data or design are not the fit's",
                                 who);
    size_t n = s->n, g = groups;
    ranked *rk = malloc(n * sizeof *rk);
    double *resid = calloc(n ? n : 1, sizeof *resid);
    size_t *grp = malloc(n * sizeof *grp);
    double *scratch = malloc((fit->model.ops->predict_scratch(&fit->model) + 1) * sizeof(double));
    double *M = calloc(g, sizeof *M), *Wg = calloc(g, sizeof *Wg);
    double *V = calloc(g * g, sizeof *V);
    double *u = NULL, *Mr = NULL;
    partreg_status st = PARTREG_OK;
    if (!rk || !resid || !grp || !scratch || !M || !Wg || !V) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto cleanup;
    }
    /* fitted probabilities of the domain rows (weight > 0) */
    size_t m = 0;
    double total = 0.0;
    size_t ldx = data->ldx ? data->ldx : data->p;
    for (size_t i = 0; i < n; i++) {
        grp[i] = (size_t)-1;
        if (!(s->fitw[i] > 0.0))
            continue;
        double p = 0.0;
        fit->model.ops->predict(&fit->model, fit->par->data, data->X + i * ldx, NULL, 1.0, &p,
                                NULL, scratch);
        resid[i] = data->y[i] - p;
        rk[m].p = p;
        rk[m].row = i;
        m++;
        total += s->fitw[i];
    }
    partreg_fit_count_rows(fit, n); /* the fitted values' pass over the design */
    qsort(rk, m, sizeof *rk, by_p);
    /* the deciles of risk with the sampling weights, as Stata's xtile
     * forms them: a row is in group j when q_(j-1) < p <= q_j, q_j the
     * weighted percentile at j/g ([D] pctile: the first p_(i) whose
     * cumulative weight exceeds W j/g, or its average with p_(i-1) when
     * the weight up to p_(i-1) is W j/g exactly). Rows with equal p (a
     * block) go together, to group floor(g C / W) (from 0), C the weight
     * of the rows below the block. */
    double below = 0.0;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b < m && rk[b].p == rk[a].p)
            b++;
        double q = floor((double)g * below / total);
        size_t k = q < 1.0 ? 0 : (size_t)q;
        if (k >= g)
            k = g - 1;
        for (size_t c = a; c < b; c++) {
            grp[rk[c].row] = k;
            below += s->fitw[rk[c].row];
        }
        a = b;
    }
    for (size_t i = 0; i < n; i++)
        if (grp[i] != (size_t)-1) {
            M[grp[i]] += s->fitw[i] * resid[i];
            Wg[grp[i]] += s->fitw[i];
        }
    /* the non-empty groups, renumbered */
    size_t *map = calloc(g, sizeof *map), used = 0;
    if (!map) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
        goto cleanup;
    }
    for (size_t k = 0; k < g; k++) {
        map[k] = Wg[k] > 0.0 ? used : (size_t)-1;
        if (Wg[k] > 0.0) {
            M[used] = M[k] / Wg[k];
            Wg[used] = Wg[k];
            used++;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (grp[i] != (size_t)-1)
            grp[i] = map[grp[i]];
    free(map);
    g = used;
    if (g < 3) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "%s: the fitted probabilities form only %zu distinct groups", who,
                               g);
        goto cleanup;
    }
    if (s->repw) {
        /* the replicates' group means at the full-sample fitted values */
        Mr = calloc(s->R * g, sizeof *Mr);
        double *Wr = calloc(g, sizeof *Wr);
        if (!Mr || !Wr) {
            free(Wr);
            st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
            goto cleanup;
        }
        for (size_t r = 0; r < s->R; r++) {
            memset(Wr, 0, g * sizeof *Wr);
            for (size_t i = 0; i < n; i++)
                if (grp[i] != (size_t)-1) {
                    double w = s->repw[r * n + i];
                    Mr[r * g + grp[i]] += w * resid[i];
                    Wr[grp[i]] += w;
                }
            for (size_t k = 0; k < g; k++)
                Mr[r * g + k] = Wr[k] > 0.0 ? Mr[r * g + k] / Wr[k] : M[k];
        }
        free(Wr);
        double dR = (double)s->R, c = 1.0;
        switch (s->rep_type) {
        case PARTREG_REP_BRR: c = 1.0 / dR; break;
        case PARTREG_REP_FAY: c = 1.0 / (dR * (1.0 - s->rho) * (1.0 - s->rho)); break;
        case PARTREG_REP_JK1: c = (dR - 1.0) / dR; break;
        case PARTREG_REP_BOOTSTRAP: c = 1.0 / (dR - 1.0); break;
        }
        for (size_t a = 0; a < g; a++) {
            double ca = M[a];
            if (!s->mse) {
                ca = 0.0;
                for (size_t r = 0; r < s->R; r++)
                    ca += Mr[r * g + a] / dR;
            }
            for (size_t b = 0; b <= a; b++) {
                double cb = M[b];
                if (!s->mse) {
                    cb = 0.0;
                    for (size_t r = 0; r < s->R; r++)
                        cb += Mr[r * g + b] / dR;
                }
                double v = 0.0;
                for (size_t r = 0; r < s->R; r++)
                    v += (Mr[r * g + a] - ca) * (Mr[r * g + b] - cb);
                V[a * g + b] = V[b * g + a] = c * v;
            }
        }
    } else {
        u = calloc(n * g, sizeof *u);
        if (!u) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++)
            if (grp[i] != (size_t)-1)
                u[i * g + grp[i]] = s->fitw[i] * (resid[i] - M[grp[i]]) / Wg[grp[i]];
        if ((st = partreg_survey_meat_rows(s, u, g, V, err)) != PARTREG_OK)
            goto cleanup;
    }
    double W;
    size_t rank;
    st = wald_ginv(V, M, g, &W, &rank);
    if (st != PARTREG_OK) {
        st = partreg_error_set(err, st, "%s: %s", who,
                               st == PARTREG_ENOMEM ? "out of memory"
                                                    : "the covariance of the mean residuals is "
                                                      "singular");
        goto cleanup;
    }
    double d = fit->survey->df, dg = (double)g;
    out->groups = g;
    out->W = W;
    out->df1 = dg - 1.0;
    out->df2 = d - dg + 2.0;
    if (!(out->df2 >= 1.0)) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "%s: %g design degrees of freedom are too few for %zu groups", who,
                               d, g);
        goto cleanup;
    }
    out->F = (d - dg + 2.0) * W / (d * dg);
    out->p_value = gsl_cdf_fdist_Q(out->F, out->df1, out->df2);
    partreg_error_clear(err);
cleanup:
    free(rk);
    free(resid);
    free(grp);
    free(scratch);
    free(M);
    free(Wg);
    free(V);
    free(u);
    free(Mr);
    return st;
}
