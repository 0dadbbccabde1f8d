/* Brant's (1990) test of the parallel-lines (proportional odds) assumption
 * of an ordinal logit model, as Long & Freese's Stata `brant` computes it.
 *
 * For each cut j = 1..J-1 fit the binary logit of 1{Y > j} on an intercept
 * and the model's predictors: estimates (a_j, b_j), fitted pi_ij. The
 * estimates of different cuts are correlated through the indicators'
 * covariance Cov(1{Y > j}, 1{Y > l} | x_i) = pi_il (1 - pi_ij) for j <= l
 * (pi_il <= pi_ij: Y > l implies Y > j); with Z = [1, X] and
 *   W_jl = diag(pi_il (1 - pi_ij)),  j <= l  (W_jj = diag(pi_ij (1 - pi_ij))),
 * the asymptotic covariance of the stacked estimates has blocks
 *   V_jj = (Z'W_jj Z)^-1,
 *   V_jl = (Z'W_jj Z)^-1 (Z'W_jl Z) (Z'W_ll Z)^-1,   V_lj = V_jl'
 * (Brant 1990, eq. 2.5; Long & Freese 2014, sec. 7.15). Keeping only the
 * slope rows and columns gives Var(b*), b* = (b_1', ..., b_{J-1}')'. The
 * omnibus statistic is the Wald test of D b* = 0 with D the differences of
 * consecutive slopes (b_j - b_{j+1}, j = 1..J-2), df = (J-2) p; the test of
 * one coefficient restricts D to its J-1 slopes, df = J-2.
 * (The R package `brant` fills the lower blocks with V_jl instead of V_jl';
 * this follows Stata.) References: Brant, R. (1990) Biometrics 46:1171-1178;
 * Long, J.S. & Freese, J. (2014) Regression Models for Categorical Dependent
 * Variables Using Stata, 3rd ed.
 *
 * Passes. The fast route (brant_cuts.c) fits the J-1 binary logits together
 * from the ordinal estimates, each pass over the rows serving every cut,
 * and forms every Z'W_jl Z in the pass that ends the fits. The plain
 * route (separate fits on a copy of Z, then a pass of scalar loops per
 * block) is kept for what the fast route cannot settle (a binary fit that
 * does not converge from the ordinal estimates: its messages come from the
 * separate fits) and as the fast route's test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "core/spd.h"
#include "inference/inference_internal.h"

/* Pivots of the binary-logit information below this fraction of the
 * largest make it singular (as in fit.c). */
#define SINGULAR_PIVOT 1e-14

struct partreg_brant {
    size_t n_terms;
    size_t *columns;
    partreg_chi2_test *terms;
    partreg_chi2_test omnibus;
};

size_t partreg_brant_n_terms(const partreg_brant *b) { return b ? b->n_terms : 0; }

size_t partreg_brant_term_column(const partreg_brant *b, size_t t)
{
    return b && t < b->n_terms ? b->columns[t] : (size_t)-1;
}

partreg_chi2_test partreg_brant_term(const partreg_brant *b, size_t t)
{
    if (b && t < b->n_terms)
        return b->terms[t];
    partreg_chi2_test nan = {NAN, NAN, NAN};
    return nan;
}

partreg_chi2_test partreg_brant_omnibus(const partreg_brant *b)
{
    if (b)
        return b->omnibus;
    partreg_chi2_test nan = {NAN, NAN, NAN};
    return nan;
}

void partreg_brant_free(partreg_brant *b)
{
    if (!b)
        return;
    free(b->columns);
    free(b->terms);
    free(b);
}

/* Wald statistic u' S^-1 u for an r x r covariance S; NaN when singular. */
static double wald(partreg_spd *spd, const double *S, const double *u, double *x, size_t r)
{
    if (partreg_spd_solve(spd, S, u, x) != 0)
        return NAN;
    double c = 0.0;
    for (size_t a = 0; a < r; a++)
        c += u[a] * x[a];
    return c;
}

static partreg_chi2_test chi2_test(double chi2, double df)
{
    partreg_chi2_test t = {chi2, df, isfinite(chi2) ? gsl_cdf_chisq_Q(chi2 > 0 ? chi2 : 0, df) : NAN};
    return t;
}

/* ---- the cut fits ------------------------------------------------------ */

/* Plain route: each cut's binary logit by partreg_fit_create; B (m x q)
 * gets each fit's intercept and slopes. */
static partreg_status cuts_plain(const partreg_fit *fit, const partreg_data *data,
                                 const double *Z, size_t q, double *B, partreg_error *err)
{
    size_t n = fit->n, pk = fit->pk, m = fit->J - 1;
    double *yb = malloc(n * sizeof *yb);
    const char **names = malloc(q * sizeof *names);
    if (!yb || !names) {
        free(yb);
        free(names);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    names[0] = "(Intercept)";
    for (size_t c = 0; c < pk; c++)
        names[c + 1] = fit->column_names[fit->kept[c]];
    partreg_data bd = {n, q, Z, q, yb, NULL, 2, names, NULL};
    partreg_fit_options opt = fit->opt;
    opt.collinear = PARTREG_COLLINEAR_DROP;
    opt.information = PARTREG_INFO_OBSERVED;
    partreg_status st = PARTREG_OK;
    for (size_t j = 0; j < m && st == PARTREG_OK; j++) {
        for (size_t i = 0; i < n; i++)
            yb[i] = data->y[i] > (double)j ? 1.0 : 0.0;
        partreg_error sub;
        partreg_fit *bf = NULL;
        st = partreg_fit_create(&bd, PARTREG_BINARY, PARTREG_LOGIT, &opt, &bf, &sub);
        if (st == PARTREG_OK && bf->pk != q)
            st = PARTREG_ECOLLINEAR;
        if (st != PARTREG_OK) {
            partreg_error_set(err, st,
                              "Brant test: the binary logit of Y > '%s' could not be fitted: %s",
                              fit->level_names[j],
                              st == PARTREG_ECOLLINEAR ? "a predictor is constant or collinear"
                                                       : sub.message);
        } else {
            memcpy(B + j * q, bf->coef->data, q * sizeof *B);
            partreg_fit_count_rows(fit, (size_t)ceil(bf->data_passes * (double)n));
        }
        partreg_fit_free(bf);
    }
    free(yb);
    free(names);
    return st;
}

/* ---- the weighted cross-products Z'W_jl Z -------------------------------- */

/* Plain route: A[pair (j, l)] (q x q, full) = sum_i pi_il (1 - pi_ij) z_i z_i'
 * by scalar loops over the fitted values, one pass a pair. */
static partreg_status cross_plain(const partreg_fit *fit, const double *Z, size_t q,
                                  const double *B, double *A)
{
    size_t n = fit->n, m = fit->J - 1;
    double *pi = malloc(m * n * sizeof *pi);
    if (!pi)
        return PARTREG_ENOMEM;
    for (size_t j = 0; j < m; j++) {
        const double *b = B + j * q;
        for (size_t i = 0; i < n; i++) {
            double eta = 0.0;
            for (size_t c = 0; c < q; c++)
                eta += Z[i * q + c] * b[c];
            pi[j * n + i] = 1.0 / (1.0 + exp(-eta));
        }
        partreg_fit_count_rows(fit, n);
    }
    for (size_t j = 0; j < m; j++)
        for (size_t l = j; l < m; l++) {
            double *Ap = A + partreg_brant_pair(j, l, m) * q * q;
            memset(Ap, 0, q * q * sizeof *Ap);
            for (size_t i = 0; i < n; i++) {
                double wi = pi[l * n + i] * (1.0 - pi[j * n + i]);
                const double *z = Z + i * q;
                for (size_t a = 0; a < q; a++)
                    for (size_t c = 0; c <= a; c++)
                        Ap[a * q + c] += wi * z[a] * z[c];
            }
            for (size_t a = 0; a < q; a++)
                for (size_t c = 0; c < a; c++)
                    Ap[c * q + a] = Ap[a * q + c];
            partreg_fit_count_rows(fit, n);
        }
    free(pi);
    return PARTREG_OK;
}

/* ---- the test ------------------------------------------------------------ */

/* The model, link and data the Brant test is defined for; PARTREG_OK or
 * the refusal naming the valid alternative. */
static partreg_status brant_check(const partreg_fit *fit, const partreg_data *data,
                                  partreg_error *err)
{
    if (fit->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test's covariance assumes independent rows; under a "
                                 "survey design test a variable's parallel lines with the "
                                 "design-based Wald test of its cut-specific slopes (--nominal)");
    if (!partreg_model_is_parallel_cumulative(&fit->model))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test applies to ordinal models with one slope per "
                                 "predictor (proportional odds) only; for this model use "
                                 "--parallel-test or --nominal-test");
    if (fit->link != PARTREG_LOGIT)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test is defined for the ordinal logit model only "
                                 "(this fit uses the %s link); --parallel-test and "
                                 "--nominal-test work with every link",
                                 partreg_link_name(fit->link));
    if (fit->rows)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test refits the model on every row held in memory; "
                                 "it is not available out of core or in a distributed fit "
                                 "(raise --memory to fit the rows "
                                 "in memory)");
    if (data->w)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test is not available with case weights; use "
                                 "--parallel-test (Wald test of equal slopes) or "
                                 "--nominal-test (likelihood ratio), which take weights");
    return PARTREG_OK;
}

/* Z = [1, X_kept], n x q, for the plain route's separate fits. */
static void z_matrix(const partreg_design *d, size_t q, double *Z)
{
    for (size_t i = 0; i < d->n; i++) {
        double *z = Z + i * q;
        z[0] = 1.0;
        const double *x = partreg_design_row(d, i, z + 1); /* gathers the kept columns */
        if (x != z + 1)
            memcpy(z + 1, x, (q - 1) * sizeof *z);
    }
}

/* The J-1 binary logits of Y > j (row j of Bc = (a_j, b_j)) and the
 * cross-products Z'W_jl Z of every pair j <= l into Aall. *Z is the
 * design [1, X_kept] when the plain route made it (the caller frees it). */
static partreg_status brant_cut_fits(const partreg_fit *fit, const partreg_data *data,
                                     const partreg_design *d, partreg_brant_route route,
                                     size_t q, double *Bc, double *Aall, double **Z,
                                     partreg_error *err)
{
    size_t n = fit->n;
    int done = 0;
    partreg_status st;
    if (route == PARTREG_BRANT_AUTO &&
        (st = partreg_brant_cuts_fast(fit, d, data->y, q, Bc, Aall, &done, NULL)) != PARTREG_OK)
        return partreg_error_set(err, st, "out of memory");
    if (done)
        return PARTREG_OK;
    /* the separate fits read Z as their data */
    if (!(*Z = calloc(n * q, sizeof **Z))) /* zeroed: z_matrix fills it */
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    z_matrix(d, q, *Z);
    partreg_fit_count_rows(fit, n);
    if ((st = cuts_plain(fit, data, *Z, q, Bc, err)) != PARTREG_OK)
        return st;
    st = route == PARTREG_BRANT_AUTO ? partreg_brant_cross_fast(fit, d, data->y, q, Bc, Aall)
                                     : cross_plain(fit, *Z, q, Bc, Aall);
    if (st != PARTREG_OK)
        return partreg_error_set(err, st, "out of memory");
    return PARTREG_OK;
}

/* out = a b for q x q matrices. */
static void square_product(const double *a, const double *b, size_t q, double *out)
{
    for (size_t i = 0; i < q; i++)
        for (size_t c = 0; c < q; c++) {
            double s = 0.0;
            for (size_t e = 0; e < q; e++)
                s += a[i * q + e] * b[e * q + c];
            out[i * q + c] = s;
        }
}

/* The slope blocks of the stacked covariance of the cut fits into Vs
 * (ms x ms, ms = m pk): V_jj = A_j^-1, V_jl = A_j^-1 A_jl A_l^-1
 * (Brant 1990), with Ainv the inverses of the diagonal blocks and A, T
 * q x q scratch. */
static partreg_status brant_slope_cov(const partreg_fit *fit, const double *Aall, size_t q,
                                      partreg_spd *spd_q, double *Ainv, double *A, double *T,
                                      double *Vs, partreg_error *err)
{
    size_t pk = fit->pk, m = fit->J - 1, ms = m * pk;
    for (size_t j = 0; j < m; j++)
        if (partreg_spd_invert(spd_q, Aall + partreg_brant_pair(j, j, m) * q * q, Ainv + j * q * q,
                               SINGULAR_PIVOT) != 0)
            return partreg_error_set(err, PARTREG_ESINGULAR,
                                     "Brant test: the information of the binary logit of Y > "
                                     "'%s' is singular",
                                     fit->level_names[j]);
    for (size_t j = 0; j < m; j++)
        for (size_t l = j; l < m; l++) {
            const double *Vjl = Ainv + j * q * q; /* q x q */
            if (l != j) {
                square_product(Ainv + j * q * q, Aall + partreg_brant_pair(j, l, m) * q * q, q, T);
                square_product(T, Ainv + l * q * q, q, A);
                Vjl = A;
            }
            for (size_t a = 0; a < pk; a++)
                for (size_t c = 0; c < pk; c++) {
                    double v = Vjl[(a + 1) * q + (c + 1)];
                    Vs[(j * pk + a) * ms + (l * pk + c)] = v;
                    Vs[(l * pk + c) * ms + (j * pk + a)] = v; /* V_lj = V_jl' */
                }
        }
    return PARTREG_OK;
}

/* The Wald tests of equal slopes from the stacked slopes and their
 * covariance Vs: the omnibus over rows (j, c) = b_{j,c} - b_{j+1,c},
 * j = 0..J-3, and one per coefficient; S, u, x scratch of the omnibus's
 * size. */
static partreg_status brant_tests(const partreg_fit *fit, const double *slopes,
                                  const double *Vs, partreg_spd *spd_all, partreg_spd *spd_t,
                                  double *S, double *u, double *x, partreg_brant *res,
                                  partreg_error *err)
{
    size_t pk = fit->pk, J = fit->J, ms = (J - 1) * pk, r_all = (J - 2) * pk;
#define VS(j, a, l, c) Vs[((j) * pk + (a)) * ms + ((l) * pk + (c))]
    for (size_t j = 0; j + 2 < J; j++)
        for (size_t a = 0; a < pk; a++) {
            size_t r = j * pk + a;
            u[r] = slopes[j * pk + a] - slopes[(j + 1) * pk + a];
            for (size_t l = 0; l + 2 < J; l++)
                for (size_t c = 0; c < pk; c++)
                    S[r * r_all + l * pk + c] = VS(j, a, l, c) - VS(j, a, l + 1, c) -
                                                VS(j + 1, a, l, c) + VS(j + 1, a, l + 1, c);
        }
    double chi2 = wald(spd_all, S, u, x, r_all);
    if (!isfinite(chi2))
        return partreg_error_set(err, PARTREG_ESINGULAR,
                                 "Brant test: the covariance of the slope differences is "
                                 "singular");
    res->omnibus = chi2_test(chi2, (double)r_all);
    for (size_t a = 0; a < pk; a++) {
        size_t r = J - 2;
        for (size_t j = 0; j < r; j++) {
            u[j] = slopes[j * pk + a] - slopes[(j + 1) * pk + a];
            for (size_t l = 0; l < r; l++)
                S[j * r + l] = VS(j, a, l, a) - VS(j, a, l + 1, a) - VS(j + 1, a, l, a) +
                               VS(j + 1, a, l + 1, a);
        }
        res->terms[a] = chi2_test(wald(spd_t, S, u, x, r), (double)r);
    }
#undef VS
    return PARTREG_OK;
}

partreg_status partreg_brant_run(const partreg_fit *fit, const partreg_data *data,
                                 partreg_brant_route route, partreg_brant **out,
                                 partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fit || !data || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_brant_test: NULL argument");
    partreg_status st = brant_check(fit, data, err);
    if (st != PARTREG_OK)
        return st;
    partreg_design d;
    partreg_objective obj;
    if ((st = partreg_inference_check_data(fit, data, &d, &obj, err)) != PARTREG_OK)
        return st;
    if (fit->pk == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs at least one predictor");
    if (fit->J < 3) /* never for a model with thresholds; (J - 2) * pk below must not wrap */
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs an outcome with at least 3 levels");
    size_t pk = fit->pk, q = pk + 1, J = fit->J, m = J - 1, ms = m * pk;
    size_t r_all = (J - 2) * pk, npairs = m * (m + 1) / 2;
    double *Z = NULL; /* Z = [1, X_kept], n x q, for the plain route only */
    double *Bc = calloc(m * q, sizeof *Bc); /* the cut fits fill it */
    /* zeroed: the analyser cannot follow the passes that fill them */
    double *Aall = calloc(npairs * q * q, sizeof *Aall);
    double *Ainv = calloc(m * q * q, sizeof *Ainv);
    double *A = calloc(q * q, sizeof *A);
    double *T = calloc(q * q, sizeof *T);
    double *Vs = calloc(ms * ms, sizeof *Vs);
    double *slopes = calloc(ms, sizeof *slopes);
    double *S = malloc(r_all * r_all * sizeof *S);
    double *u = malloc(r_all * sizeof *u);
    double *x = malloc(r_all * sizeof *x);
    partreg_spd *spd_q = partreg_spd_alloc(q);
    partreg_spd *spd_all = partreg_spd_alloc(r_all);
    partreg_spd *spd_t = partreg_spd_alloc(J - 2);
    partreg_brant *res = calloc(1, sizeof *res);
    if (!Bc || !Aall || !Ainv || !A || !T || !Vs || !slopes || !S || !u || !x || !spd_q ||
        !spd_all || !spd_t || !res || !(res->columns = malloc(pk * sizeof *res->columns)) ||
        !(res->terms = malloc(pk * sizeof *res->terms))) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    res->n_terms = pk;
    for (size_t c = 0; c < pk; c++)
        res->columns[c] = fit->kept[c];
    if ((st = brant_cut_fits(fit, data, &d, route, q, Bc, Aall, &Z, err)) != PARTREG_OK)
        goto cleanup;
    for (size_t j = 0; j < m; j++)
        memcpy(slopes + j * pk, Bc + j * q + 1, pk * sizeof *slopes);
    if ((st = brant_slope_cov(fit, Aall, q, spd_q, Ainv, A, T, Vs, err)) != PARTREG_OK ||
        (st = brant_tests(fit, slopes, Vs, spd_all, spd_t, S, u, x, res, err)) != PARTREG_OK)
        goto cleanup;
    *out = res;
    res = NULL;
    partreg_error_clear(err);
cleanup:
    partreg_brant_free(res);
    free(Z);
    free(Bc);
    free(Aall);
    free(Ainv);
    free(A);
    free(T);
    free(Vs);
    free(slopes);
    free(S);
    free(u);
    free(x);
    partreg_spd_free(spd_q);
    partreg_spd_free(spd_all);
    partreg_spd_free(spd_t);
    return st;
}

partreg_status partreg_brant_test(const partreg_fit *fit, const partreg_data *data,
                                  partreg_brant **out, partreg_error *err)
{
    return partreg_brant_run(fit, data, PARTREG_BRANT_AUTO, out, err);
}
