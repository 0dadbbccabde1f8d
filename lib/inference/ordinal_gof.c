/* Goodness of fit of ordinal models (partreg_fit_ordinal_gof, partreg_ordinal.h).
 *
 * The fitted category probabilities P_ij (through the model's predict)
 * give each row its ordinal score s_i = sum_j j P_ij, j = 1..c; the rows
 * in order of s (ties: observed level, then row order) fall into g groups
 * by cumulative weight C: group ceil(g C / W) (with unit weights the row
 * of rank r goes to group ceil(r g / n)).
 *
 * - Ordinal Hosmer-Lemeshow (Fagerland & Hosmer 2013, Stat Med 32:2235;
 *   2016, J Stat Comput Simul 86:3398; 2017, Stata J 17:668):
 *   C = sum_k sum_j (O_kj - E_kj)^2 / E_kj, df = (g - 2)(c - 1) + (c - 2).
 * - Lipsitz, Fitzmaurice & Molenberghs (1996, Appl Stat 45:175): the
 *   model with the indicators of groups 2..g added to the linear predictor,
 *   LR = 2 (l_aug - l), df = g - 1 (the likelihood-ratio form of
 *   Fagerland & Hosmer's ologitgof).
 * - Pulkstenis & Robinson (2004, Stat Med 23:999): the covariate patterns
 *   of the categorical variables, each split at its median score (s at or
 *   below it first); chi2 and deviance over the 2I x c table, df =
 *   (2I - 1)(c - 1) - k - 1 (as Fagerland & Hosmer 2016 give it).
 *
 * Case weights count as frequencies everywhere (O are sums of weights,
 * groups and medians by cumulative weight). See docs/methods_inference.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "inference/inference_internal.h"
#include "partreg_ordinal.h"
#include "partreg_survey.h"

partreg_ordinal_gof_options partreg_ordinal_gof_options_default(void)
{
    partreg_ordinal_gof_options o;
    memset(&o, 0, sizeof o);
    o.groups = 10;
    return o;
}

static partreg_chi2_test chi2_test(double chi2, double df)
{
    partreg_chi2_test t = {chi2, df, NAN};
    if (isfinite(chi2) && df > 0)
        t.p_value = gsl_cdf_chisq_Q(chi2 > 0 ? chi2 : 0.0, df);
    return t;
}

/* ---- ordering rows by score ---------------------------------------------- */

typedef struct scored_row {
    double s;
    double y;
    size_t i;
} scored_row;

static int cmp_scored(const void *a, const void *b)
{
    const scored_row *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Group 1..g of cumulative weight C out of W: the smallest k with k W >= g C
 * (so exact for whole weights, whatever the rounding of g C / W). */
static size_t group_of(double C, double W, size_t g)
{
    double gc = (double)g * C;
    double q = ceil(gc / W);
    if (q > 1 && (q - 1) * W >= gc)
        q -= 1;
    if (q < 1)
        q = 1;
    return q > (double)g ? g : (size_t)q;
}

/* ---- Pulkstenis-Robinson ----------------------------------------------- */

typedef struct pattern_row {
    const int *key;   /* the row's level of each categorical variable (stride k) */
    size_t k;
    double s, w;
    size_t i;
} pattern_row;

static int cmp_pattern(const void *a, const void *b)
{
    const pattern_row *x = a, *y = b;
    for (size_t v = 0; v < x->k; v++)
        if (x->key[v] != y->key[v])
            return x->key[v] < y->key[v] ? -1 : 1;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int same_pattern(const pattern_row *x, const pattern_row *y)
{
    return memcmp(x->key, y->key, x->k * sizeof *x->key) == 0;
}

/* chi2 and deviance over the table rows with observations. */
static void table_sums(const double *O, const double *E, size_t rows, size_t J, double *chi2,
                       double *dev)
{
    *chi2 = 0.0;
    *dev = 0.0;
    for (size_t r = 0; r < rows; r++) {
        double tot = 0.0;
        for (size_t j = 0; j < J; j++)
            tot += O[r * J + j];
        if (!(tot > 0))
            continue;
        for (size_t j = 0; j < J; j++) {
            double o = O[r * J + j], e = E[r * J + j];
            *chi2 += (o - e) * (o - e) / e;
            if (o > 0)
                *dev += o * log(o / e);
        }
    }
    *dev *= 2.0;
}

static partreg_status pulkstenis_robinson(const partreg_frame *fr, const double *P,
                                          const double *s, const double *y, const double *w,
                                          size_t n, size_t J, partreg_ordinal_gof *out)
{
    size_t nv = partreg_frame_n_variables(fr), k = 0;
    for (size_t v = 0; v < nv; v++)
        k += partreg_frame_variable_is_categorical(fr, v) != 0;
    if (k == 0)
        return PARTREG_OK;
    int *keys = malloc(n * k * sizeof *keys);
    pattern_row *rows = malloc(n * sizeof *rows);
    double *O = calloc(2 * n * J, sizeof *O), *E = calloc(2 * n * J, sizeof *E);
    if (!keys || !rows || !O || !E) {
        free(keys);
        free(rows);
        free(O);
        free(E);
        return PARTREG_ENOMEM;
    }
    size_t c = 0;
    for (size_t v = 0; v < nv; v++) {
        if (!partreg_frame_variable_is_categorical(fr, v))
            continue;
        const int *lev = partreg_frame_variable_levels(fr, v);
        for (size_t i = 0; i < n; i++)
            keys[i * k + c] = lev[i];
        c++;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if ((w ? w[i] : 1.0) > 0)
            rows[m++] = (pattern_row){keys + i * k, k, s[i], w ? w[i] : 1.0, i};
    qsort(rows, m, sizeof *rows, cmp_pattern);
    size_t I = 0;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        double W = 0.0;
        while (b < m && same_pattern(&rows[a], &rows[b]))
            W += rows[b++].w;
        /* the weighted median of s over rows a..b-1 (sorted by s): the mean
         * of the first value whose cumulative weight reaches W/2 and the
         * first that passes it (the middle value, or the two middle ones,
         * with unit weights) */
        double cum = 0.0, lower = NAN, upper = NAN;
        for (size_t r = a; r < b; r++) {
            cum += rows[r].w;
            if (isnan(lower) && cum >= W / 2)
                lower = rows[r].s;
            if (isnan(upper) && cum > W / 2)
                upper = rows[r].s;
        }
        if (isnan(upper))
            upper = lower;
        double med = (lower + upper) / 2.0;
        for (size_t r = a; r < b; r++) {
            size_t half = rows[r].s <= med ? 0 : 1, t = 2 * I + half, i = rows[r].i;
            O[t * J + (size_t)y[i]] += rows[r].w;
            for (size_t j = 0; j < J; j++)
                E[t * J + j] += rows[r].w * P[i * J + j];
        }
        I++;
        a = b;
    }
    double chi2, dev;
    table_sums(O, E, 2 * I, J, &chi2, &dev);
    double df = (double)(2 * I - 1) * (double)(J - 1) - (double)k - 1.0;
    out->pr_patterns = I;
    out->pr_chi2 = chi2_test(chi2, df);
    out->pr_deviance = chi2_test(dev, df);
    free(keys);
    free(rows);
    free(O);
    free(E);
    return PARTREG_OK;
}

/* ---- Lipsitz ------------------------------------------------------------- */

/* The fit refitted with the indicators of groups 2..G (grp[i] in 1..G)
 * appended as columns: out->lipsitz. */
static partreg_status lipsitz(const partreg_fit *fit, const partreg_data *d, const size_t *grp,
                              size_t G, partreg_ordinal_gof *out, partreg_error *err)
{
    size_t p = d->p, pa = p + G - 1, n = d->n, ldx = d->ldx ? d->ldx : p;
    double *X = malloc(n * pa * sizeof *X);
    const char **names = malloc(pa * sizeof *names);
    char (*gname)[32] = malloc((G ? G : 1) * sizeof *gname);
    partreg_status st = PARTREG_OK;
    if (!X || !names || !gname) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(X + i * pa, d->X + i * ldx, p * sizeof *X);
        for (size_t k = 2; k <= G; k++)
            X[i * pa + p + k - 2] = grp[i] == k ? 1.0 : 0.0;
    }
    for (size_t j = 0; j < p; j++)
        names[j] = d->column_names ? d->column_names[j] : "x";
    for (size_t k = 2; k <= G; k++) {
        snprintf(gname[k - 2], sizeof gname[k - 2], "lipsitz_group%zu", k);
        names[p + k - 2] = gname[k - 2];
    }
    partreg_data a = *d;
    a.X = X;
    a.p = pa;
    a.ldx = pa;
    a.column_names = names;
    partreg_fit *re = NULL;
    partreg_error rerr;
    const partreg_model_spec *sp = fit->spec;
    st = partreg_fit_refit(fit, &a, sp->nominal, sp->n_nominal, sp->scale, sp->scale_only,
                           sp->n_scale, &re, &rerr);
    if (st == PARTREG_OK) {
        double lr = 2.0 * (re->loglik - fit->loglik);
        out->lipsitz = chi2_test(lr > 0 ? lr : 0.0, (double)(re->k - fit->k));
    } else if (st == PARTREG_ESEPARATION || st == PARTREG_ENOTCONVERGED) {
        out->lipsitz_diverges = st == PARTREG_ESEPARATION;
        st = PARTREG_OK;
    } else {
        partreg_error_set(err, st, "the Lipsitz test's refit with the group indicators failed: %s",
                          rerr.message);
    }
    partreg_fit_free(re);
done:
    free(X);
    free(names);
    free(gname);
    return st;
}

/* ---- the tests ------------------------------------------------------------- */

partreg_status partreg_fit_ordinal_gof(const partreg_fit *fit, const partreg_frame *fr,
                                   const partreg_ordinal_gof_options *opt,
                                   partreg_ordinal_gof *out, partreg_error *err)
{
    static const char who[] = "partreg_fit_ordinal_gof";
    partreg_ordinal_gof_options defaults = partreg_ordinal_gof_options_default();
    if (!opt)
        opt = &defaults;
    if (!fit || !fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    memset(out, 0, sizeof *out);
    partreg_chi2_test none = {NAN, NAN, NAN};
    out->hosmer_lemeshow = out->lipsitz = out->pr_chi2 = out->pr_deviance = none;
    if (opt->groups < 3)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: %zu groups; at least 3 are needed",
                                 who, opt->groups);
    if (partreg_fit_family(fit) != partreg_frame_family(fr) ||
        partreg_fit_n_obs(fit) != partreg_frame_n_rows(fr) ||
        partreg_fit_n_columns(fit) != partreg_frame_n_columns(fr) ||
        partreg_fit_n_levels(fit) != partreg_frame_n_levels(fr))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the fit was not made from this frame", who);
    const partreg_model *m = &fit->model;
    if (!(m->ops->traits & PARTREG_TRAIT_THRESHOLDS) || m->nout < 3 || !fit->spec)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the ordinal goodness-of-fit tests are for ordinal models; for "
                                 "a binary model the Hosmer-Lemeshow test is in its diagnostics");
    if (partreg_fit_has_random_intercept(fit))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: the tests are of models without a random intercept", who);
    if (!fit->converged)
        return partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                 "%s: the fit did not converge", who);
    if (partreg_fit_survey_info(fit, NULL))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the ordinal goodness-of-fit tests assume independent rows (their "
                                 "reference distributions and the Lipsitz likelihood ratio); "
                                 "they are not available under a survey design");
    partreg_data d;
    partreg_frame_data(fr, &d);
    size_t n = d.n, J = m->nout, g = opt->groups, ns = m->ops->predict_scratch(m);
    size_t n_pos = 0;
    double W = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = d.w ? d.w[i] : 1.0;
        n_pos += wi > 0;
        W += wi;
    }
    if (n_pos < g)
        return partreg_error_set(err, PARTREG_ETOOFEW,
                                 "%s: %zu rows of positive weight for %zu groups", who, n_pos, g);
    double *P = calloc(n * J, sizeof *P), *s = malloc(n * sizeof *s);
    double *scr = malloc((ns ? ns : 1) * sizeof *scr), *O = calloc(g * J, sizeof *O);
    double *E = calloc(g * J, sizeof *E);
    size_t *grp = calloc(n, sizeof *grp), *used = calloc(g + 1, sizeof *used);
    scored_row *ord = malloc(n * sizeof *ord);
    partreg_status st = PARTREG_OK;
    if (!P || !s || !scr || !O || !E || !grp || !used || !ord) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        m->ops->predict(m, fit->par->data, d.X + i * d.p, NULL, 1.0, P + i * J, NULL, scr);
        s[i] = 0.0;
        for (size_t j = 0; j < J; j++)
            s[i] += (double)(j + 1) * P[i * J + j];
        ord[i] = (scored_row){s[i], d.y[i], i};
    }
    qsort(ord, n, sizeof *ord, cmp_scored);
    double C = 0.0;
    for (size_t r = 0; r < n; r++) {
        size_t i = ord[r].i;
        double wi = d.w ? d.w[i] : 1.0;
        C += wi;
        grp[i] = group_of(C, W, g);
        if (wi > 0)
            used[grp[i]] = 1;
    }
    /* groups without rows of positive weight are not formed: renumber */
    size_t G = 0;
    for (size_t k = 1; k <= g; k++)
        used[k] = used[k] ? ++G : 0;
    for (size_t i = 0; i < n; i++) {
        grp[i] = used[grp[i]];
        double wi = d.w ? d.w[i] : 1.0;
        if (!(wi > 0) || grp[i] == 0)
            continue;
        O[(grp[i] - 1) * J + (size_t)d.y[i]] += wi;
        for (size_t j = 0; j < J; j++)
            E[(grp[i] - 1) * J + j] += wi * P[i * J + j];
    }
    out->groups = G;
    int po = partreg_model_is_parallel_cumulative(m);
    if (po) {
        double hl, dev;
        table_sums(O, E, G, J, &hl, &dev);
        out->hosmer_lemeshow =
            chi2_test(hl, (double)(G - 2) * (double)(J - 1) + (double)(J - 2));
        if ((st = pulkstenis_robinson(fr, P, s, d.y, d.w, n, J, out)) != PARTREG_OK) {
            partreg_error_set(err, st, "out of memory");
            goto done;
        }
    }
    if ((st = lipsitz(fit, &d, grp, G, out, err)) != PARTREG_OK)
        goto done;
    partreg_error_clear(err);
done:
    free(P);
    free(s);
    free(scr);
    free(O);
    free(E);
    free(grp);
    free(used);
    free(ord);
    return st;
}
