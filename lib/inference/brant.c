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
 * Variables Using Stata, 3rd ed. */
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

/* PARTREG_OK when the test applies to this fit and these data, otherwise
 * PARTREG_EUNSUPPORTED with a message that names the test to use. */
static partreg_status brant_applies(const partreg_fit *fit, const partreg_data *data,
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
    if (data->w)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Brant test is not available with case weights; use "
                                 "--parallel-test (Wald test of equal slopes) or "
                                 "--nominal-test (likelihood ratio), which take weights");
    return PARTREG_OK;
}

/* The test's working memory: n rows, pk slopes, q = pk + 1 columns of
 * Z = [1, X], m = J - 1 cuts, ms = m pk stacked slopes, r_all = (J - 2) pk
 * slope differences. */
typedef struct brant_work {
    size_t n, pk, q, m, ms, r_all;
    double *Z;      /* n x q */
    double *yb;     /* n: the indicator of one cut */
    double *pi;     /* m x n: fitted P(Y > j) of cut j's logit */
    double *Ainv;   /* m blocks q x q: (Z'W_jj Z)^-1 */
    double *A, *T;  /* q x q scratch */
    double *Vs;     /* ms x ms: covariance of the stacked slopes */
    double *slopes; /* ms: b_1, ..., b_m */
    double *S, *u, *x; /* r_all x r_all, r_all, r_all: a Wald test */
    double *buf;       /* pk: one design row */
    const char **names; /* q: Z's column names */
    partreg_spd *spd_q, *spd_all, *spd_t;
} brant_work;

static void work_free(brant_work *w)
{
    free(w->Z);
    free(w->yb);
    free(w->pi);
    free(w->Ainv);
    free(w->A);
    free(w->T);
    free(w->Vs);
    free(w->slopes);
    free(w->S);
    free(w->u);
    free(w->x);
    free(w->buf);
    free(w->names);
    partreg_spd_free(w->spd_q);
    partreg_spd_free(w->spd_all);
    partreg_spd_free(w->spd_t);
}

/* 0, or -1 when out of memory (w is then freed). */
static int work_alloc(brant_work *w, size_t n, size_t pk, size_t J)
{
    size_t q = pk + 1, m = J - 1, ms = m * pk, r_all = (J - 2) * pk;
    memset(w, 0, sizeof *w);
    w->n = n;
    w->pk = pk;
    w->q = q;
    w->m = m;
    w->ms = ms;
    w->r_all = r_all;
    w->Z = malloc(n * q * sizeof *w->Z);
    w->yb = malloc(n * sizeof *w->yb);
    w->pi = calloc(m * n, sizeof *w->pi);
    w->Ainv = malloc(m * q * q * sizeof *w->Ainv);
    w->A = malloc(q * q * sizeof *w->A);
    w->T = malloc(q * q * sizeof *w->T);
    w->Vs = malloc(ms * ms * sizeof *w->Vs);
    w->slopes = malloc(ms * sizeof *w->slopes);
    w->S = malloc(r_all * r_all * sizeof *w->S);
    w->u = malloc(r_all * sizeof *w->u);
    w->x = malloc(r_all * sizeof *w->x);
    w->buf = malloc(pk * sizeof *w->buf);
    w->names = malloc(q * sizeof *w->names);
    w->spd_q = partreg_spd_alloc(q);
    w->spd_all = partreg_spd_alloc(r_all);
    w->spd_t = partreg_spd_alloc(J - 2);
    if (w->Z && w->yb && w->pi && w->Ainv && w->A && w->T && w->Vs && w->slopes && w->S &&
        w->u && w->x && w->buf && w->names && w->spd_q && w->spd_all && w->spd_t)
        return 0;
    work_free(w);
    return -1;
}

/* The J - 1 binary logits of Y > j on Z: their slopes and fitted
 * probabilities. */
static partreg_status fit_cuts(const partreg_fit *fit, const partreg_data *data,
                               const partreg_design *d, brant_work *w, partreg_error *err)
{
    size_t n = w->n, pk = w->pk, q = w->q;
    for (size_t i = 0; i < n; i++) {
        const double *row = partreg_design_row(d, i, w->buf);
        w->Z[i * q] = 1.0;
        memcpy(w->Z + i * q + 1, row, pk * sizeof *row);
    }
    w->names[0] = "(Intercept)";
    for (size_t c = 0; c < pk; c++)
        w->names[c + 1] = fit->column_names[fit->kept[c]];
    partreg_data bd = {n, q, w->Z, q, w->yb, NULL, 2, w->names, NULL};
    partreg_fit_options opt = fit->opt;
    opt.collinear = PARTREG_COLLINEAR_DROP;
    opt.information = PARTREG_INFO_OBSERVED;
    for (size_t j = 0; j < w->m; j++) {
        for (size_t i = 0; i < n; i++)
            w->yb[i] = data->y[i] > (double)j ? 1.0 : 0.0;
        partreg_error sub;
        partreg_fit *bf = NULL;
        partreg_status st = partreg_fit_create(&bd, PARTREG_BINARY, PARTREG_LOGIT, &opt, &bf, &sub);
        if (st == PARTREG_OK && bf->pk != q)
            st = PARTREG_ECOLLINEAR;
        if (st != PARTREG_OK) {
            partreg_fit_free(bf);
            return partreg_error_set(err, st,
                                     "Brant test: the binary logit of Y > '%s' could not be "
                                     "fitted: %s",
                                     fit->level_names[j],
                                     st == PARTREG_ECOLLINEAR ? "a predictor is constant or "
                                                                "collinear"
                                                              : sub.message);
        }
        const double *b = bf->coef->data;
        for (size_t i = 0; i < n; i++) {
            double eta = 0.0;
            for (size_t c = 0; c < q; c++)
                eta += w->Z[i * q + c] * b[c];
            w->pi[j * n + i] = 1.0 / (1.0 + exp(-eta));
        }
        memcpy(w->slopes + j * pk, b + 1, pk * sizeof *b);
        partreg_fit_free(bf);
    }
    return PARTREG_OK;
}

/* Z'W_jl Z for j <= l into w->A (both triangles). */
static void zwz(brant_work *w, size_t j, size_t l)
{
    size_t n = w->n, q = w->q;
    double *A = w->A;
    memset(A, 0, q * q * sizeof *A);
    for (size_t i = 0; i < n; i++) {
        double wi = w->pi[l * n + i] * (1.0 - w->pi[j * n + i]);
        const double *z = w->Z + i * q;
        for (size_t a = 0; a < q; a++)
            for (size_t c = 0; c <= a; c++)
                A[a * q + c] += wi * z[a] * z[c];
    }
    for (size_t a = 0; a < q; a++)
        for (size_t c = 0; c < a; c++)
            A[c * q + a] = A[a * q + c];
}

/* out = L R for q x q matrices. */
static void mat_mul(const double *L, const double *R, size_t q, double *out)
{
    for (size_t a = 0; a < q; a++)
        for (size_t c = 0; c < q; c++) {
            double s = 0.0;
            for (size_t e = 0; e < q; e++)
                s += L[a * q + e] * R[e * q + c];
            out[a * q + c] = s;
        }
}

/* The slope blocks of the stacked covariance: V_jj = (Z'W_jj Z)^-1,
 * V_jl = V_jj (Z'W_jl Z) V_ll, V_lj = V_jl'. */
static partreg_status slope_covariance(const partreg_fit *fit, brant_work *w,
                                       partreg_error *err)
{
    size_t q = w->q, pk = w->pk, m = w->m, ms = w->ms;
    for (size_t j = 0; j < m; j++) {
        zwz(w, j, j);
        if (partreg_spd_invert(w->spd_q, w->A, w->Ainv + j * q * q, SINGULAR_PIVOT) != 0)
            return partreg_error_set(err, PARTREG_ESINGULAR,
                                     "Brant test: the information of the binary logit of Y > "
                                     "'%s' is singular",
                                     fit->level_names[j]);
    }
    for (size_t j = 0; j < m; j++)
        for (size_t l = j; l < m; l++) {
            const double *Vjl = w->Ainv + j * q * q; /* q x q */
            if (l != j) {
                zwz(w, j, l);
                mat_mul(w->Ainv + j * q * q, w->A, q, w->T);
                mat_mul(w->T, w->Ainv + l * q * q, q, w->A);
                Vjl = w->A;
            }
            for (size_t a = 0; a < pk; a++)
                for (size_t c = 0; c < pk; c++) {
                    double v = Vjl[(a + 1) * q + (c + 1)];
                    w->Vs[(j * pk + a) * ms + (l * pk + c)] = v;
                    w->Vs[(l * pk + c) * ms + (j * pk + a)] = v; /* V_lj = V_jl' */
                }
        }
    return PARTREG_OK;
}

/* Cov(b_{j,a} - b_{j+1,a}, b_{l,c} - b_{l+1,c}) from the stacked
 * covariance. */
static inline double diff_cov(const brant_work *w, size_t j, size_t a, size_t l, size_t c)
{
    const double *Vs = w->Vs;
    size_t pk = w->pk, ms = w->ms;
    return Vs[(j * pk + a) * ms + (l * pk + c)] - Vs[(j * pk + a) * ms + ((l + 1) * pk + c)] -
           Vs[((j + 1) * pk + a) * ms + (l * pk + c)] +
           Vs[((j + 1) * pk + a) * ms + ((l + 1) * pk + c)];
}

/* The Wald tests of the slope differences: the omnibus test (rows (j, c)
 * = b_{j,c} - b_{j+1,c}, j = 0..J-3) and one per coefficient (rows
 * j = 0..J-3 of its column). */
static partreg_status wald_tests(brant_work *w, partreg_brant *res, partreg_error *err)
{
    size_t pk = w->pk, r_all = w->r_all, r = w->m - 1;
    const double *slopes = w->slopes;
    double *S = w->S, *u = w->u;
    for (size_t j = 0; j < r; j++)
        for (size_t a = 0; a < pk; a++) {
            size_t row = j * pk + a;
            u[row] = slopes[j * pk + a] - slopes[(j + 1) * pk + a];
            for (size_t l = 0; l < r; l++)
                for (size_t c = 0; c < pk; c++)
                    S[row * r_all + l * pk + c] = diff_cov(w, j, a, l, c);
        }
    double chi2 = wald(w->spd_all, S, u, w->x, r_all);
    if (!isfinite(chi2))
        return partreg_error_set(err, PARTREG_ESINGULAR,
                                 "Brant test: the covariance of the slope differences is "
                                 "singular");
    res->omnibus = chi2_test(chi2, (double)r_all);
    for (size_t a = 0; a < pk; a++) {
        for (size_t j = 0; j < r; j++) {
            u[j] = slopes[j * pk + a] - slopes[(j + 1) * pk + a];
            for (size_t l = 0; l < r; l++)
                S[j * r + l] = diff_cov(w, j, a, l, a);
        }
        res->terms[a] = chi2_test(wald(w->spd_t, S, u, w->x, r), (double)r);
    }
    return PARTREG_OK;
}

partreg_status partreg_brant_test(const partreg_fit *fit, const partreg_data *data,
                                  partreg_brant **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fit || !data || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_brant_test: NULL argument");
    partreg_status st = brant_applies(fit, data, err);
    if (st != PARTREG_OK)
        return st;
    partreg_design d;
    partreg_objective obj;
    if ((st = partreg_inference_check_data(fit, data, &d, &obj, err)) != PARTREG_OK)
        return st;
    if (fit->pk == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs at least one predictor");
    if (fit->J < 3) /* never for a model with thresholds; (J - 2) * pk must not wrap */
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs an outcome with at least 3 levels");
    size_t pk = fit->pk;
    brant_work w;
    partreg_brant *res = calloc(1, sizeof *res);
    if (res) {
        res->n_terms = pk;
        res->columns = malloc(pk * sizeof *res->columns);
        res->terms = malloc(pk * sizeof *res->terms);
    }
    if (!res || !res->columns || !res->terms || work_alloc(&w, fit->n, pk, fit->J) != 0) {
        partreg_brant_free(res);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < pk; c++)
        res->columns[c] = fit->kept[c];
    if ((st = fit_cuts(fit, data, &d, &w, err)) == PARTREG_OK &&
        (st = slope_covariance(fit, &w, err)) == PARTREG_OK &&
        (st = wald_tests(&w, res, err)) == PARTREG_OK) {
        *out = res;
        res = NULL;
        partreg_error_clear(err);
    }
    work_free(&w);
    partreg_brant_free(res);
    return st;
}
