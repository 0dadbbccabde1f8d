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

partreg_status partreg_brant_test(const partreg_fit *fit, const partreg_data *data,
                                  partreg_brant **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fit || !data || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_brant_test: NULL argument");
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
    partreg_design d;
    partreg_objective obj;
    partreg_status st = partreg_inference_check_data(fit, data, &d, &obj, err);
    if (st != PARTREG_OK)
        return st;

    if (fit->pk == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs at least one predictor");
    if (fit->J < 3) /* never for a model with thresholds; (J - 2) * pk below must not wrap */
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the Brant test needs an outcome with at least 3 levels");
    size_t n = fit->n, pk = fit->pk, q = pk + 1, J = fit->J, m = J - 1, ms = m * pk;
    size_t r_all = (J - 2) * pk;
    double *Z = malloc(n * q * sizeof *Z);
    double *yb = malloc(n * sizeof *yb);
    double *pi = malloc(m * n * sizeof *pi);
    double *Ainv = malloc(m * q * q * sizeof *Ainv);
    double *A = malloc(q * q * sizeof *A);
    double *T = malloc(q * q * sizeof *T);
    double *Vs = malloc(ms * ms * sizeof *Vs);
    double *slopes = malloc(ms * sizeof *slopes);
    double *S = malloc(r_all * r_all * sizeof *S);
    double *u = malloc(r_all * sizeof *u);
    double *x = malloc(r_all * sizeof *x);
    double *buf = malloc(pk * sizeof *buf);
    const char **names = malloc(q * sizeof *names);
    partreg_spd *spd_q = partreg_spd_alloc(q);
    partreg_spd *spd_all = partreg_spd_alloc(r_all);
    partreg_spd *spd_t = partreg_spd_alloc(J - 2);
    partreg_brant *res = calloc(1, sizeof *res);
    partreg_fit *bf = NULL;
    if (!Z || !yb || !pi || !Ainv || !A || !T || !Vs || !slopes || !S || !u || !x || !spd_q ||
        !spd_all || !spd_t || !res || !buf || !names) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    res->n_terms = pk;
    res->columns = malloc((pk ? pk : 1) * sizeof *res->columns);
    res->terms = malloc((pk ? pk : 1) * sizeof *res->terms);
    if (!res->columns || !res->terms) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t c = 0; c < pk; c++)
        res->columns[c] = fit->kept[c];
    for (size_t i = 0; i < n; i++) {
        const double *row = partreg_design_row(&d, i, buf);
        Z[i * q] = 1.0;
        memcpy(Z + i * q + 1, row, pk * sizeof *row);
    }

    /* the J-1 binary logits of Y > j */
    names[0] = "(Intercept)";
    for (size_t c = 0; c < pk; c++)
        names[c + 1] = fit->column_names[fit->kept[c]];
    partreg_data bd = {n, q, Z, q, yb, NULL, 2, names, NULL};
    partreg_fit_options opt = fit->opt;
    opt.collinear = PARTREG_COLLINEAR_DROP;
    opt.information = PARTREG_INFO_OBSERVED;
    for (size_t j = 0; j < m; j++) {
        for (size_t i = 0; i < n; i++)
            yb[i] = data->y[i] > (double)j ? 1.0 : 0.0;
        partreg_error sub;
        st = partreg_fit_create(&bd, PARTREG_BINARY, PARTREG_LOGIT, &opt, &bf, &sub);
        if (st == PARTREG_OK && bf->pk != q)
            st = PARTREG_ECOLLINEAR;
        if (st != PARTREG_OK) {
            partreg_error_set(err, st,
                              "Brant test: the binary logit of Y > '%s' could not be fitted: %s",
                              fit->level_names[j],
                              st == PARTREG_ECOLLINEAR ? "a predictor is constant or collinear"
                                                       : sub.message);
            goto cleanup;
        }
        const double *b = bf->coef->data;
        for (size_t i = 0; i < n; i++) {
            double eta = 0.0;
            for (size_t c = 0; c < q; c++)
                eta += Z[i * q + c] * b[c];
            pi[j * n + i] = 1.0 / (1.0 + exp(-eta));
        }
        memcpy(slopes + j * pk, b + 1, pk * sizeof *b);
        partreg_fit_free(bf);
        bf = NULL;
    }

    /* Z'W_jl Z for j <= l into A; inverses of the diagonal ones */
#define ZWZ(j, l)                                                                         \
    do {                                                                                  \
        memset(A, 0, q * q * sizeof *A);                                                  \
        for (size_t i = 0; i < n; i++) {                                                  \
            double wi = pi[(l) * n + i] * (1.0 - pi[(j) * n + i]);                        \
            const double *z = Z + i * q;                                                  \
            for (size_t a = 0; a < q; a++)                                                \
                for (size_t c = 0; c <= a; c++)                                           \
                    A[a * q + c] += wi * z[a] * z[c];                                     \
        }                                                                                 \
        for (size_t a = 0; a < q; a++)                                                    \
            for (size_t c = 0; c < a; c++)                                                \
                A[c * q + a] = A[a * q + c];                                              \
    } while (0)
    for (size_t j = 0; j < m; j++) {
        ZWZ(j, j);
        if (partreg_spd_invert(spd_q, A, Ainv + j * q * q, SINGULAR_PIVOT) != 0) {
            st = partreg_error_set(err, PARTREG_ESINGULAR,
                                   "Brant test: the information of the binary logit of Y > '%s' "
                                   "is singular",
                                   fit->level_names[j]);
            goto cleanup;
        }
    }
    /* slope blocks of the stacked covariance */
    for (size_t j = 0; j < m; j++) {
        for (size_t l = j; l < m; l++) {
            const double *Vjl; /* q x q */
            if (l == j) {
                Vjl = Ainv + j * q * q;
            } else {
                ZWZ(j, l);
                const double *Aj = Ainv + j * q * q, *Al = Ainv + l * q * q;
                for (size_t a = 0; a < q; a++) /* T = Aj A */
                    for (size_t c = 0; c < q; c++) {
                        double s = 0.0;
                        for (size_t e = 0; e < q; e++)
                            s += Aj[a * q + e] * A[e * q + c];
                        T[a * q + c] = s;
                    }
                for (size_t a = 0; a < q; a++) /* A = T Al */
                    for (size_t c = 0; c < q; c++) {
                        double s = 0.0;
                        for (size_t e = 0; e < q; e++)
                            s += T[a * q + e] * Al[e * q + c];
                        A[a * q + c] = s;
                    }
                Vjl = A;
            }
            for (size_t a = 0; a < pk; a++)
                for (size_t c = 0; c < pk; c++) {
                    double v = Vjl[(a + 1) * q + (c + 1)];
                    Vs[(j * pk + a) * ms + (l * pk + c)] = v;
                    Vs[(l * pk + c) * ms + (j * pk + a)] = v; /* V_lj = V_jl' */
                }
        }
    }
#undef ZWZ

    /* omnibus: rows (j, c) = b_{j,c} - b_{j+1,c}, j = 0..J-3 */
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
    if (!isfinite(chi2)) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "Brant test: the covariance of the slope differences is singular");
        goto cleanup;
    }
    res->omnibus = chi2_test(chi2, (double)r_all);
    /* one coefficient: rows j = 0..J-3 of column a */
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
    *out = res;
    res = NULL;
    partreg_error_clear(err);
cleanup:
    partreg_fit_free(bf);
    partreg_brant_free(res);
    free(Z);
    free(yb);
    free(pi);
    free(Ainv);
    free(A);
    free(T);
    free(Vs);
    free(slopes);
    free(S);
    free(u);
    free(x);
    free(buf);
    free(names);
    partreg_spd_free(spd_q);
    partreg_spd_free(spd_all);
    partreg_spd_free(spd_t);
    return st;
}
