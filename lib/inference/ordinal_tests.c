/* Per-variable tests of the parallel-lines and constant-scale assumptions
 * of ordinal models (partreg_ordinal.h):
 *
 * - nominal test of variable v (R's ordinal::nominal_test, per variable
 *   as CONTRACT.md reads it): refit with v's location columns nominal,
 *   chi2 = 2 (l_v - l), df = k_v - k;
 * - scale test of v (R's ordinal::scale_test): refit with v's location
 *   columns also in the scale, chi2 = 2 (l_v - l), df = k_v - k;
 * - equal-slopes Wald test of a nominal variable (Stata's gologit2,
 *   autofit; Williams 2006): with b the fit's parameters and R the
 *   contrasts beta_{j+1,c} - beta_{j,c} over v's nominal columns c and
 *   consecutive cuts, chi2 = (R b)' (R V R')^- (R b), V the covariance
 *   in force; the generalised inverse and rank of
 *   partreg_wald_tests_by_variable (on the correlation scale).
 *
 * A refit whose estimates run off to infinity, or that does not converge,
 * gives no statistic: the entry says so instead of printing a likelihood
 * ratio that is not one. The refits run on the fit's rows with its solver
 * options, through the model specification the fit keeps, so any model
 * table that the specification setters accept is tested the same way.
 *
 * References: Christensen (2019), ordinal package, nominal_test and
 * scale_test; Williams (2006), Stata Journal 6:58-82; Brant (1990),
 * Biometrics 46:1171-1178. See docs/methods_inference.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "inference/inference_internal.h"
#include "inference/margins_internal.h"
#include "inference/survey_internal.h"
#include "partreg_ordinal.h"

/* A log-likelihood ratio below 0 by at most this (relative) is rounding
 * of two maxima that agree, and is taken as 0. */
#define LR_ROUNDING 1e-8

struct partreg_variable_tests {
    size_t n;
    partreg_variable_test *items;
    char **names;
    partreg_chi2_test omnibus;
};

size_t partreg_variable_tests_n_tests(const partreg_variable_tests *t) { return t ? t->n : 0; }

const partreg_variable_test *partreg_variable_tests_get(const partreg_variable_tests *t, size_t i)
{
    return t && i < t->n ? &t->items[i] : NULL;
}

partreg_chi2_test partreg_variable_tests_omnibus(const partreg_variable_tests *t)
{
    partreg_chi2_test none = {NAN, NAN, NAN};
    return t ? t->omnibus : none;
}

void partreg_variable_tests_free(partreg_variable_tests *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->names && i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    free(t->items);
    free(t);
}

/* An empty list with room for `cap` entries. */
static partreg_variable_tests *tests_alloc(size_t cap)
{
    partreg_variable_tests *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->items = calloc(cap ? cap : 1, sizeof *t->items);
    t->names = calloc(cap ? cap : 1, sizeof *t->names);
    if (!t->items || !t->names) {
        partreg_variable_tests_free(t);
        return NULL;
    }
    t->omnibus = (partreg_chi2_test){NAN, NAN, NAN};
    return t;
}

/* Append an entry named `name` (copied); NULL when out of memory. */
static partreg_variable_test *tests_add(partreg_variable_tests *t, const char *name)
{
    char *copy = partreg_margins_strdup(name);
    if (!copy)
        return NULL;
    t->names[t->n] = copy;
    partreg_variable_test *it = &t->items[t->n++];
    *it = (partreg_variable_test){copy, NAN, NAN, NAN, 0, 0, 1, NAN, NAN, NAN};
    return it;
}

partreg_variable_tests *partreg_variable_tests_create(size_t cap) { return tests_alloc(cap); }

partreg_variable_test *partreg_variable_tests_append(partreg_variable_tests *t, const char *name)
{
    return tests_add(t, name);
}

static partreg_status check_pair(const partreg_fit *fit, const partreg_frame *fr, const char *who,
                                 partreg_error *err)
{
    if (partreg_fit_family(fit) != partreg_frame_family(fr) ||
        partreg_fit_n_obs(fit) != partreg_frame_n_rows(fr) ||
        partreg_fit_n_columns(fit) != partreg_frame_n_columns(fr) ||
        partreg_fit_n_levels(fit) != partreg_frame_n_levels(fr))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the fit was not made from this frame (family, rows, "
                                 "columns or outcome levels differ)",
                                 who);
    return PARTREG_OK;
}

/* ---- refits ---------------------------------------------------------- */

partreg_status partreg_fit_refit(const partreg_fit *fit, const partreg_data *data,
                                 const size_t *nominal, size_t n_nominal, const size_t *scale,
                                 const unsigned char *scale_only, size_t n_scale,
                                 partreg_fit **out, partreg_error *err)
{
    *out = NULL;
    partreg_model_spec *spec = NULL;
    if (partreg_model_spec_copy(fit->spec, &spec) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    partreg_status st = partreg_model_spec_set_nominal(spec, n_nominal, nominal, err);
    if (st == PARTREG_OK)
        st = partreg_model_spec_set_scale(spec, n_scale, scale, scale_only, err);
    if (st == PARTREG_OK)
        st = partreg_fit_create_spec(data, spec, &fit->opt, out, err);
    partreg_model_spec_free(spec);
    return st;
}

/* The variable's location columns into cols (ascending); their count. */
static size_t location_columns(const partreg_frame *fr, size_t v, size_t *cols)
{
    size_t nc = 0, m = 0;
    const size_t *vc = partreg_frame_variable_columns(fr, v, &nc);
    for (size_t i = 0; i < nc; i++)
        if (partreg_frame_column_roles(fr, vc[i]) & PARTREG_ROLE_LOCATION)
            cols[m++] = vc[i];
    return m;
}

static int in_list(const size_t *list, size_t n, size_t c)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == c)
            return 1;
    return 0;
}

/* Fill entry `it` from the refit's outcome: the LR statistic against fit,
 * or the reason there is none. Returns the refit's status when it is an
 * error that is not divergence or non-convergence, else PARTREG_OK. */
static partreg_status lr_entry(const partreg_fit *fit, partreg_fit *re, partreg_status st,
                               partreg_variable_test *it)
{
    if (re)
        it->df = (double)(re->k - fit->k);
    if (st == PARTREG_ESEPARATION) {
        it->diverges = 1;
        it->converged = 0;
    } else if (st == PARTREG_ENOTCONVERGED) {
        it->converged = 0;
    } else if (st != PARTREG_OK || !re) {
        return st != PARTREG_OK ? st : PARTREG_ENOMEM;
    } else {
        double chi2 = 2.0 * (re->loglik - fit->loglik);
        if (chi2 < 0.0 && chi2 > -LR_ROUNDING * (1.0 + fabs(fit->loglik)))
            chi2 = 0.0;
        if (it->df > 0) {
            it->chi2 = chi2;
            it->p_value = chi2 >= 0.0 ? gsl_cdf_chisq_Q(chi2, it->df) : NAN;
        }
    }
    return PARTREG_OK;
}

/* The LR tests of nominal (scale = 0) or scale (scale = 1) effects. */
static partreg_status lr_tests(const partreg_fit *fit, const partreg_frame *fr, int scale,
                               const char *who, partreg_variable_tests **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fit || !fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    partreg_status st = check_pair(fit, fr, who, err);
    if (st != PARTREG_OK)
        return st;
    if (!(fit->model.ops->traits & PARTREG_TRAIT_THRESHOLDS) || !fit->spec)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: the test is for ordinal (cumulative-link) models; this "
                                 "model is %s",
                                 who, partreg_fit_model_name(fit));
    if (partreg_fit_has_random_intercept(fit))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "%s: the test is of models without a random intercept", who);
    if (!fit->converged)
        return partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                 "%s: the fit did not converge, so there is no maximum to test "
                                 "against",
                                 who);
    if (partreg_fit_survey_info(fit, NULL))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the %s test is a likelihood ratio, which assumes independent "
                                 "rows; under a survey design use --parallel-test (design-based "
                                 "Wald tests of equal slopes)%s",
                                 scale ? "scale" : "nominal",
                                 scale ? ", or --scale VAR and its design-based Wald test" : "");
    const partreg_model_spec *sp = fit->spec;
    size_t p = fit->p, nvar = partreg_frame_n_variables(fr);
    partreg_data data;
    partreg_frame_data(fr, &data);
    partreg_variable_tests *t = tests_alloc(nvar);
    size_t *vcols = malloc((p ? p : 1) * sizeof *vcols);
    size_t *list = malloc((2 * p + 1) * sizeof *list);
    unsigned char *only = malloc(2 * p + 1);
    if (!t || !vcols || !list || !only) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t v = 0; v < nvar; v++) {
        size_t m = location_columns(fr, v, vcols), n_new = 0, n_list = 0;
        const size_t *have = scale ? sp->scale : sp->nominal;
        size_t n_have = scale ? sp->n_scale : sp->n_nominal;
        for (size_t i = 0; i < n_have; i++) {
            list[n_list] = have[i];
            only[n_list++] = scale && sp->scale_only ? sp->scale_only[i] : 0;
        }
        for (size_t i = 0; i < m; i++)
            if (!in_list(have, n_have, vcols[i]) && !partreg_fit_column_dropped(fit, vcols[i])) {
                list[n_list] = vcols[i];
                only[n_list++] = 0;
                n_new++;
            }
        if (n_new == 0)
            continue;
        partreg_variable_test *it = tests_add(t, partreg_frame_variable_name(fr, v));
        if (!it) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        partreg_fit *re = NULL;
        partreg_error rerr;
        partreg_status rs =
            scale ? partreg_fit_refit(fit, &data, sp->nominal, sp->n_nominal, list, only, n_list,
                                      &re, &rerr)
                  : partreg_fit_refit(fit, &data, list, n_list, sp->scale, sp->scale_only,
                                      sp->n_scale, &re, &rerr);
        rs = lr_entry(fit, re, rs, it);
        partreg_fit_free(re);
        if (rs != PARTREG_OK) {
            st = partreg_error_set(err, rs, "%s: refitting with '%s' %s: %s", who, it->variable,
                                   scale ? "in the scale" : "nominal", rerr.message);
            goto cleanup;
        }
    }
    *out = t;
    t = NULL;
    partreg_error_clear(err);
cleanup:
    partreg_variable_tests_free(t);
    free(vcols);
    free(list);
    free(only);
    return st;
}

partreg_status partreg_nominal_test(const partreg_fit *fit, const partreg_frame *fr,
                                    partreg_variable_tests **out, partreg_error *err)
{
    return lr_tests(fit, fr, 0, "partreg_nominal_test", out, err);
}

partreg_status partreg_scale_test(const partreg_fit *fit, const partreg_frame *fr,
                                  partreg_variable_tests **out, partreg_error *err)
{
    return lr_tests(fit, fr, 1, "partreg_scale_test", out, err);
}

/* ---- equal slopes ---------------------------------------------------- */

/* The Wald test that the cut-specific slopes of the columns marked in
 * `mine` are equal across cuts, into *res (NaN when there is no contrast
 * or the covariance is singular). idx, R, C, z: scratch of K, K x K, K x K
 * and K entries. PARTREG_OK or PARTREG_ENOMEM. */
static partreg_status equal_slopes(const partreg_fit *fit, const unsigned char *mine, size_t *idx,
                                   double *R, double *C, double *z, partreg_chi2_test *res)
{
    size_t K = fit->K, m = 0;
    const gsl_matrix *V = fit->vcov;
    const gsl_vector *b = fit->par;
    *res = (partreg_chi2_test){NAN, NAN, NAN};
    /* contrasts: for each column, each estimated cut after its first */
    for (size_t c = 0; c < fit->p; c++) {
        if (!mine[c] || fit->dropped[c])
            continue;
        size_t prev = PARTREG_NONE;
        for (size_t cut = 0; cut + 1 < fit->J; cut++) {
            size_t e = PARTREG_NONE;
            for (size_t j = 0; j < K && e == PARTREG_NONE; j++) {
                const partreg_param *q = &fit->model.layout.params[j];
                if (q->kind == PARTREG_PARAM_CUT_COEFFICIENT && q->column == c && q->cut == cut)
                    e = j;
            }
            if (e == PARTREG_NONE)
                continue;
            if (prev != PARTREG_NONE) {
                double *r = R + m * K;
                memset(r, 0, K * sizeof *r);
                r[e] = 1.0;
                r[prev] = -1.0;
                idx[m++] = e;
            }
            prev = e;
        }
    }
    if (m == 0)
        return PARTREG_OK;
    /* R V R' and R b on the correlation scale */
    double *RV = malloc(m * K * sizeof *RV);
    if (!RV)
        return PARTREG_ENOMEM;
    for (size_t a = 0; a < m; a++)
        for (size_t j = 0; j < K; j++) {
            double s = 0.0;
            for (size_t l = 0; l < K; l++)
                if (R[a * K + l] != 0.0)
                    s += R[a * K + l] * gsl_matrix_get(V, l, j);
            RV[a * K + j] = s;
        }
    int finite = 1;
    for (size_t a = 0; a < m; a++) {
        double rb = 0.0;
        for (size_t l = 0; l < K; l++)
            rb += R[a * K + l] * gsl_vector_get(b, l);
        z[a] = rb;
        for (size_t c2 = 0; c2 < m; c2++) {
            double s = 0.0;
            for (size_t l = 0; l < K; l++)
                s += RV[a * K + l] * R[c2 * K + l];
            C[a * m + c2] = s;
        }
    }
    free(RV);
    for (size_t a = 0; a < m; a++) {
        double sa = sqrt(C[a * m + a]);
        if (!(sa > 0.0) || !isfinite(sa))
            finite = 0;
    }
    if (!finite)
        return PARTREG_OK;
    double *sd = malloc(m * sizeof *sd);
    if (!sd)
        return PARTREG_ENOMEM;
    for (size_t a = 0; a < m; a++)
        sd[a] = sqrt(C[a * m + a]);
    for (size_t a = 0; a < m; a++) {
        z[a] /= sd[a];
        for (size_t c2 = 0; c2 < m; c2++)
            C[a * m + c2] /= sd[a] * sd[c2];
    }
    free(sd);
    double chi2 = NAN, df = 0.0;
    partreg_status qs = partreg_wald_quad_form(C, z, m, &chi2, &df);
    if (qs == PARTREG_ENOMEM)
        return qs;
    if (qs == PARTREG_OK)
        *res = (partreg_chi2_test){chi2, df, chi2 >= 0.0 ? gsl_cdf_chisq_Q(chi2, df) : NAN};
    return PARTREG_OK;
}

/* Under a design: the adjusted F and its tail in place of chi2's. */
static void design_adjust(const partreg_fit *fit, partreg_variable_test *it)
{
    double d = partreg_fit_design_df(fit);
    if (!isfinite(d) || !isfinite(it->chi2))
        return;
    it->df1 = it->df;
    partreg_survey_adjusted_f(it->chi2, it->df, d, &it->adjusted_f, &it->df2, &it->p_value);
}

partreg_status partreg_equal_slopes_test(const partreg_fit *fit, const partreg_frame *fr,
                                         partreg_variable_tests **out, partreg_error *err)
{
    static const char who[] = "partreg_equal_slopes_test";
    if (out)
        *out = NULL;
    if (!fit || !fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    partreg_status st = check_pair(fit, fr, who, err);
    if (st != PARTREG_OK)
        return st;
    size_t K = fit->K, p = fit->p, nvar = partreg_frame_n_variables(fr);
    unsigned char *nominal = calloc(p ? p : 1, 1), *mine = calloc(p ? p : 1, 1);
    int any = 0;
    for (size_t j = 0; nominal && j < K; j++) {
        const partreg_param *q = &fit->model.layout.params[j];
        if (q->kind == PARTREG_PARAM_CUT_COEFFICIENT && q->column != PARTREG_NONE) {
            nominal[q->column] = 1;
            any = 1;
        }
    }
    size_t *idx = malloc((K ? K : 1) * sizeof *idx);
    double *R = K ? malloc(K * K * sizeof *R) : NULL, *C = K ? malloc(K * K * sizeof *C) : NULL;
    double *z = malloc((K ? K : 1) * sizeof *z);
    partreg_variable_tests *t = tests_alloc(nvar);
    if (!nominal || !mine || !idx || !R || !C || !z || !t) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (!any) {
        st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                               "%s: the model has no cut-specific slopes; fit one with nominal "
                               "effects (--nominal) to test them",
                               who);
        goto cleanup;
    }
    for (size_t v = 0; v < nvar; v++) {
        size_t nc = 0;
        const size_t *vc = partreg_frame_variable_columns(fr, v, &nc);
        memset(mine, 0, p);
        int has = 0;
        for (size_t i = 0; i < nc; i++) {
            if (nominal[vc[i]] && !fit->dropped[vc[i]]) {
                mine[vc[i]] = 1;
                has = 1;
            }
        }
        if (!has)
            continue;
        partreg_variable_test *it = tests_add(t, partreg_frame_variable_name(fr, v));
        partreg_chi2_test r;
        if (!it || equal_slopes(fit, mine, idx, R, C, z, &r) != PARTREG_OK) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        it->chi2 = r.chi2;
        it->df = r.df;
        it->p_value = r.p_value;
        design_adjust(fit, it);
    }
    if (equal_slopes(fit, nominal, idx, R, C, z, &t->omnibus) != PARTREG_OK) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (isfinite(partreg_fit_design_df(fit)) && isfinite(t->omnibus.chi2)) {
        double F, df2;
        partreg_survey_adjusted_f(t->omnibus.chi2, t->omnibus.df, partreg_fit_design_df(fit), &F,
                                  &df2, &t->omnibus.p_value);
    }
    *out = t;
    t = NULL;
    partreg_error_clear(err);
cleanup:
    partreg_variable_tests_free(t);
    free(nominal);
    free(mine);
    free(idx);
    free(R);
    free(C);
    free(z);
    return st;
}
