/* Covariance estimators (lib/inference/vcov.c) against R's sandwich package
 * (tests/ref/ref_inference_vcov.h, tests/ref/inference_vcov.R) and the
 * conformance cases mroz_logit_hc1, wine_logit_cluster, soup_logit_cluster
 * (tests/ref/ref_inference_conformance.h), plus metamorphic checks and every
 * error status. R's values are good to ~12 digits (measured agreement ~2e-13); we assert 1e-9 relative
 * on every entry (floor: the diagonal scale sqrt(V_aa V_bb)) and the cases' own
 * tolerances on the conformance SEs. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "ref/inference_soup_design.h"
#include "ref/mroz_design.h"
#include "ref/ref_inference_conformance.h"
#include "ref/ref_inference_vcov.h"
#include "ref/wine_design.h"

#define TOL 1e-9

static partreg_data mroz(void)
{
    partreg_data d = {MROZ_N, MROZ_P, mroz_X, 0, mroz_y, NULL, 2, mroz_design_terms, NULL};
    return d;
}
static partreg_data wine(void)
{
    partreg_data d = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                      wine_levels};
    return d;
}
static partreg_data soup(void)
{
    partreg_data d = {SOUP_N, SOUP_P, soup_X, 0, soup_y, NULL, SOUP_J, soup_design_terms,
                      soup_levels};
    return d;
}

static partreg_fit *fit_of(const partreg_data *d, partreg_family fam, partreg_link link)
{
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(d, fam, link, NULL, &fit, NULL), PARTREG_OK);
    return fit;
}

static void assert_vcov(const partreg_fit *fit, const double *ref, size_t k)
{
    const gsl_matrix *V = partreg_fit_vcov(fit);
    assert_int_equal(V->size1, k);
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double scale = sqrt(ref[a * k + a] * ref[b * k + b]);
            assert_rel_floor(gsl_matrix_get(V, a, b), ref[a * k + b], TOL, scale);
        }
}

static void test_names(void **state)
{
    (void)state;
    partreg_vcov_type t;
    partreg_error err;
    const partreg_vcov_type all[] = {PARTREG_VCOV_MODEL, PARTREG_VCOV_HC0, PARTREG_VCOV_HC1,
                                     PARTREG_VCOV_CLUSTER};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(partreg_vcov_parse(partreg_vcov_name(all[i]), &t, &err), PARTREG_OK);
        assert_int_equal(t, all[i]);
    }
    assert_string_equal(partreg_vcov_name(PARTREG_VCOV_HC1), "hc1");
    assert_null(partreg_vcov_name((partreg_vcov_type)17));
    assert_int_equal(partreg_vcov_parse("HC3", &t, &err), PARTREG_EINVAL);
    assert_contains(err.message, "hc0");
    assert_int_equal(partreg_vcov_parse(NULL, &t, NULL), PARTREG_EINVAL);
}

static void test_mroz_logit(void **state)
{
    (void)state;
    partreg_data d = mroz();
    partreg_fit *fit = fit_of(&d, PARTREG_BINARY, PARTREG_LOGIT);
    assert_int_equal(partreg_fit_vcov_type(fit), PARTREG_VCOV_MODEL);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC0, NULL, 0, NULL), PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_type(fit), PARTREG_VCOV_HC0);
    assert_vcov(fit, ref_mroz_logit_hc0, REF_VCOV_MROZ_K);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL), PARTREG_OK);
    assert_vcov(fit, ref_mroz_logit_hc1, REF_VCOV_MROZ_K);
    /* conformance mroz_logit_hc1: SEs and the HC1 Wald intervals */
    for (size_t j = 0; j < MROZ_P; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.std_error, mroz_logit_hc1_se[j], mroz_logit_hc1_tol_std_error);
        assert_rel_floor(e.conf_low, mroz_logit_hc1_ci_low[j], mroz_logit_hc1_tol_ci,
                         mroz_logit_hc1_se[j]);
        assert_rel_floor(e.conf_high, mroz_logit_hc1_ci_high[j], mroz_logit_hc1_tol_ci,
                         mroz_logit_hc1_se[j]);
    }
    size_t *cl = malloc(MROZ_N * sizeof *cl);
    assert_non_null(cl);
    for (size_t i = 0; i < MROZ_N; i++)
        cl[i] = i % REF_VCOV_MROZ_CLUSTERS;
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl,
                                          REF_VCOV_MROZ_CLUSTERS, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_n_clusters(fit), REF_VCOV_MROZ_CLUSTERS);
    assert_vcov(fit, ref_mroz_logit_cr1, REF_VCOV_MROZ_K);
    /* unused codes do not count as clusters: spread the codes out */
    for (size_t i = 0; i < MROZ_N; i++)
        cl[i] = 3 * (i % REF_VCOV_MROZ_CLUSTERS);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl,
                                          3 * REF_VCOV_MROZ_CLUSTERS, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_n_clusters(fit), REF_VCOV_MROZ_CLUSTERS);
    assert_vcov(fit, ref_mroz_logit_cr1, REF_VCOV_MROZ_K);
    /* one row per cluster: CR1 = HC1 * (n-1)/n * n/(n-1)... = HC0 n/(n-k) */
    for (size_t i = 0; i < MROZ_N; i++)
        cl[i] = i;
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, MROZ_N, NULL),
                     PARTREG_OK);
    assert_vcov(fit, ref_mroz_logit_hc1, REF_VCOV_MROZ_K);
    free(cl);
    /* back to the model covariance */
    assert_int_equal(partreg_fit_set_vcov(fit, NULL, PARTREG_VCOV_MODEL, NULL, 0, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_n_clusters(fit), 0);
    partreg_estimate e;
    partreg_fit_estimate(fit, 1, 0.95, &e, NULL);
    assert_rel(e.std_error, mroz_logit_profile_se[1], 1e-8);
    partreg_fit_free(fit);
}

static void test_mroz_probit_observed_bread(void **state)
{
    (void)state;
    partreg_data d = mroz();
    partreg_fit *fit = fit_of(&d, PARTREG_BINARY, PARTREG_PROBIT);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC0, NULL, 0, NULL), PARTREG_OK);
    assert_vcov(fit, ref_mroz_probit_hc0, REF_VCOV_MROZ_K);
    partreg_fit_free(fit);
}

static void test_wine(void **state)
{
    (void)state;
    partreg_data d = wine();
    partreg_fit *fit = fit_of(&d, PARTREG_ORDINAL, PARTREG_LOGIT);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC0, NULL, 0, NULL), PARTREG_OK);
    assert_vcov(fit, ref_wine_logit_hc0, REF_VCOV_WINE_K);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL), PARTREG_OK);
    assert_vcov(fit, ref_wine_logit_hc1, REF_VCOV_WINE_K);
    size_t cl[WINE_N];
    for (size_t i = 0; i < WINE_N; i++)
        cl[i] = (size_t)wine_judge[i] - 1;
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, 9, NULL), PARTREG_OK);
    assert_vcov(fit, ref_wine_logit_cr1_judge, REF_VCOV_WINE_K);
    /* conformance wine_logit_cluster */
    for (size_t j = 0; j < WINE_P + WINE_J - 1; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.std_error, wine_logit_cluster_se[j], wine_logit_cluster_tol_std_error);
        if (j < WINE_P) {
            assert_rel_floor(e.conf_low, wine_logit_cluster_ci_low[j], wine_logit_cluster_tol_ci,
                             e.std_error);
            assert_rel_floor(e.conf_high, wine_logit_cluster_ci_high[j],
                             wine_logit_cluster_tol_ci, e.std_error);
        }
    }
    partreg_fit_free(fit);
}

static void test_soup_cluster(void **state)
{
    (void)state;
    partreg_data d = soup();
    partreg_fit *fit = fit_of(&d, PARTREG_ORDINAL, PARTREG_LOGIT);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, soup_resp, SOUP_G, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_vcov_n_clusters(fit), SOUP_G);
    for (size_t j = 0; j < SOUP_P + SOUP_J - 1; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.std_error, soup_logit_cluster_se[j], soup_logit_cluster_tol_std_error);
        if (j < SOUP_P) {
            assert_rel_floor(e.conf_low, soup_logit_cluster_ci_low[j], soup_logit_cluster_tol_ci,
                             e.std_error);
            assert_rel_floor(e.conf_high, soup_logit_cluster_ci_high[j],
                             soup_logit_cluster_tol_ci, e.std_error);
        }
    }
    partreg_fit_free(fit);
}

/* Weights: HC0 of a fit with frequency weights w equals B (sum w_i^2 g_i g_i') B,
 * i.e. duplicated rows clustered by their source row give the same CR0
 * meat. Check: fit with weights 2 on the first 100 rows = fit on the data
 * with those rows duplicated, clustered by source row (CR1 factors differ
 * only by known constants). */
static void test_weights_vs_duplicates(void **state)
{
    (void)state;
    size_t extra = 100, n2 = MROZ_N + extra;
    double *X2 = malloc(n2 * MROZ_P * sizeof *X2), *y2 = malloc(n2 * sizeof *y2);
    double *w = malloc(MROZ_N * sizeof *w);
    size_t *cl = malloc(n2 * sizeof *cl), *cl1 = malloc(MROZ_N * sizeof *cl1);
    assert_true(X2 && y2 && w && cl && cl1);
    memcpy(X2, mroz_X, sizeof mroz_X);
    memcpy(y2, mroz_y, sizeof mroz_y);
    memcpy(X2 + MROZ_N * MROZ_P, mroz_X, extra * MROZ_P * sizeof *X2);
    memcpy(y2 + MROZ_N, mroz_y, extra * sizeof *y2);
    for (size_t i = 0; i < n2; i++)
        cl[i] = i < MROZ_N ? i : i - MROZ_N;
    for (size_t i = 0; i < MROZ_N; i++) {
        w[i] = i < extra ? 2.0 : 1.0;
        cl1[i] = i;
    }
    partreg_data dw = mroz(), dd = mroz();
    dw.w = w;
    dd.n = n2;
    dd.X = X2;
    dd.y = y2;
    partreg_fit *fw = fit_of(&dw, PARTREG_BINARY, PARTREG_LOGIT);
    partreg_fit *fd = fit_of(&dd, PARTREG_BINARY, PARTREG_LOGIT);
    assert_int_equal(partreg_fit_set_vcov(fw, &dw, PARTREG_VCOV_CLUSTER, cl1, MROZ_N, NULL),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_set_vcov(fd, &dd, PARTREG_VCOV_CLUSTER, cl, MROZ_N, NULL),
                     PARTREG_OK);
    double k = MROZ_P, G = MROZ_N, nw = MROZ_N, nd = (double)n2;
    /* both CR1 have the meat B (sum_g S_g S_g') B; only the factors differ */
    double fw_factor = G / (G - 1) * (nw - 1) / (nw - k);
    double fd_factor = G / (G - 1) * (nd - 1) / (nd - k);
    for (size_t a = 0; a < MROZ_P; a++)
        for (size_t b = 0; b < MROZ_P; b++) {
            double vw = gsl_matrix_get(partreg_fit_vcov(fw), a, b) / fw_factor;
            double vd = gsl_matrix_get(partreg_fit_vcov(fd), a, b) / fd_factor;
            double scale = sqrt(gsl_matrix_get(partreg_fit_vcov(fd), a, a) *
                                gsl_matrix_get(partreg_fit_vcov(fd), b, b)) / fd_factor;
            assert_rel_floor(vw, vd, 1e-8, scale);
        }
    partreg_fit_free(fw);
    partreg_fit_free(fd);
    free(X2);
    free(y2);
    free(w);
    free(cl);
    free(cl1);
}

/* The meat's passes on threads: rows in fixed segments merged in order,
 * so the covariance is the same bits at 1, 2 and 3 threads; HC1 is the
 * sum of the rows' outer products, as CR1 with every row its own cluster
 * (the cluster sums' pass, a run a row, then one product; its factor is
 * then HC1's, n/(n-k)) gives it; CR1 does not depend on how the rows of a
 * cluster are spread. Enough rows for several segments and threads,
 * weighted, on a logit (the fast row scores) and a probit model (the
 * reference ones). */
static void test_threads_segments(void **state)
{
    (void)state;
    size_t n = 90000, p = 3;
    double *X = malloc(n * (p + 1) * sizeof *X), *y = malloc(n * sizeof *y);
    double *yo = malloc(n * sizeof *yo), *w = malloc(n * sizeof *w);
    size_t *cl = malloc(n * sizeof *cl);
    assert_true(X && y && yo && w && cl);
    unsigned long long u = 12345;
    for (size_t i = 0; i < n; i++) {
        double eta = 0.0, z[4];
        for (size_t j = 0; j < p; j++) {
            u = u * 6364136223846793005ULL + 1442695040888963407ULL;
            z[j] = (double)(u >> 11) / 9007199254740992.0 * 2.0 - 1.0;
            eta += (0.6 - 0.3 * (double)j) * z[j];
        }
        u = u * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = (double)(u >> 11) / 9007199254740992.0, pr = 1.0 / (1.0 + exp(-eta));
        y[i] = v < pr ? 1.0 : 0.0;
        yo[i] = v < 0.2 ? 0.0 : v < 0.5 + 0.2 * eta ? 1.0 : 2.0;
        w[i] = 0.5 + (double)(i % 7) / 4.0;
        cl[i] = i;
        X[i * (p + 1)] = 1.0; /* binary: the intercept column, then z */
        for (size_t j = 0; j < p; j++)
            X[i * (p + 1) + 1 + j] = z[j];
    }
    double *Xo = malloc(n * p * sizeof *Xo); /* ordinal: z only */
    assert_true(Xo != NULL);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            Xo[i * p + j] = X[i * (p + 1) + 1 + j];
    for (int c = 0; c < 4; c++) {
        partreg_family fam = c < 2 ? PARTREG_BINARY : PARTREG_ORDINAL;
        partreg_link link = c % 2 ? PARTREG_PROBIT : PARTREG_LOGIT;
        partreg_data d = {n, c < 2 ? p + 1 : p, c < 2 ? X : Xo, 0, c < 2 ? y : yo, w,
                          c < 2 ? 2 : 3, NULL, NULL};
        double *V1 = NULL;
        size_t K = 0;
        for (int t = 1; t <= 3; t++) {
            partreg_fit_options opt = partreg_fit_options_default();
            opt.threads = t;
            partreg_fit *fit = NULL;
            assert_int_equal(partreg_fit_create(&d, fam, link, &opt, &fit, NULL), PARTREG_OK);
            assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, NULL),
                             PARTREG_OK);
            const gsl_matrix *V = partreg_fit_vcov(fit);
            K = V->size1;
            if (t == 1) {
                V1 = malloc(K * K * sizeof *V1);
                assert_true(V1 != NULL);
                memcpy(V1, V->data, K * K * sizeof *V1);
                assert_int_equal(
                    partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, n, NULL), PARTREG_OK);
                const gsl_matrix *C = partreg_fit_vcov(fit);
                for (size_t a = 0; a < K; a++)
                    for (size_t b = 0; b < K; b++)
                        assert_rel_floor(V1[a * K + b], gsl_matrix_get(C, a, b), 1e-12,
                                         sqrt(V1[a * K + a] * V1[b * K + b]));
            } else {
                assert_memory_equal(V->data, V1, K * K * sizeof *V1);
            }
            partreg_fit_free(fit);
        }
        free(V1);
    }
    /* CR1, 60 clusters interleaved (runs of one row) and the same rows
     * sorted by cluster (long runs): the same covariance to 1e-12, and
     * each the same bits at 1, 2 and 3 threads */
    size_t G = 60, q = p + 1;
    double *Xs = malloc(n * q * sizeof *Xs), *ys = malloc(n * sizeof *ys);
    double *ws = malloc(n * sizeof *ws);
    size_t *cs = malloc(n * sizeof *cs), r = 0;
    assert_true(Xs && ys && ws && cs);
    for (size_t g = 0; g < G; g++)
        for (size_t i = g; i < n; i += G, r++) {
            memcpy(Xs + r * q, X + i * q, q * sizeof *Xs);
            ys[r] = y[i];
            ws[r] = w[i];
            cs[r] = g;
        }
    for (size_t i = 0; i < n; i++)
        cl[i] = i % G;
    double *Vc[2] = {NULL, NULL};
    size_t K = q;
    for (int sorted = 0; sorted < 2; sorted++) {
        partreg_data d = {n, q, sorted ? Xs : X, 0, sorted ? ys : y, sorted ? ws : w, 2, NULL,
                          NULL};
        for (int t = 1; t <= 3; t++) {
            partreg_fit_options opt = partreg_fit_options_default();
            opt.threads = t;
            partreg_fit *fit = NULL;
            assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &opt, &fit, NULL),
                             PARTREG_OK);
            assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER,
                                                  sorted ? cs : cl, G, NULL),
                             PARTREG_OK);
            const gsl_matrix *V = partreg_fit_vcov(fit);
            if (t == 1) {
                Vc[sorted] = malloc(K * K * sizeof(double));
                assert_true(Vc[sorted] != NULL);
                memcpy(Vc[sorted], V->data, K * K * sizeof(double));
            } else {
                assert_memory_equal(V->data, Vc[sorted], K * K * sizeof(double));
            }
            partreg_fit_free(fit);
        }
    }
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++)
            assert_rel_floor(Vc[1][a * K + b], Vc[0][a * K + b], 1e-12,
                             sqrt(Vc[0][a * K + a] * Vc[0][b * K + b]));
    free(Vc[0]);
    free(Vc[1]);
    free(Xs);
    free(ys);
    free(ws);
    free(cs);
    free(X);
    free(Xo);
    free(y);
    free(yo);
    free(w);
    free(cl);
}

static void test_errors(void **state)
{
    (void)state;
    partreg_data d = mroz();
    partreg_fit *fit = fit_of(&d, PARTREG_BINARY, PARTREG_LOGIT);
    partreg_error err;
    size_t cl[MROZ_N];
    memset(cl, 0, sizeof cl);
    assert_int_equal(partreg_fit_set_vcov(NULL, &d, PARTREG_VCOV_HC0, NULL, 0, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, (partreg_vcov_type)9, NULL, 0, &err),
                     PARTREG_EINVAL);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, NULL, 0, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "cluster identifier");
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, 1, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "at least 2 clusters");
    cl[5] = 7;
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, 4, &err),
                     PARTREG_EINVAL);
    assert_int_equal(err.index, 5);
    assert_contains(err.message, "cluster code 7");
    assert_int_equal(partreg_fit_set_vcov(fit, NULL, PARTREG_VCOV_HC0, NULL, 0, &err),
                     PARTREG_EINVAL);
    partreg_data shorter = d;
    shorter.n = 700;
    assert_int_equal(partreg_fit_set_vcov(fit, &shorter, PARTREG_VCOV_HC1, NULL, 0, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "700 rows");
    /* other rows of the same shape: caught by the log-likelihood check */
    double y2[MROZ_N];
    memcpy(y2, mroz_y, sizeof y2);
    y2[0] = 1.0 - y2[0];
    partreg_data other = d;
    other.y = y2;
    assert_int_equal(partreg_fit_set_vcov(fit, &other, PARTREG_VCOV_HC1, NULL, 0, &err),
                     PARTREG_EINVAL);
    assert_contains(err.message, "not the rows");
    /* failures leave the covariance in force unchanged */
    assert_int_equal(partreg_fit_vcov_type(fit), PARTREG_VCOV_MODEL);
    partreg_fit_free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_mroz_logit),
        cmocka_unit_test(test_mroz_probit_observed_bread),
        cmocka_unit_test(test_wine),
        cmocka_unit_test(test_soup_cluster),
        cmocka_unit_test(test_weights_vs_duplicates),
        cmocka_unit_test(test_threads_segments),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
