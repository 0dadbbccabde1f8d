/* The Brant test's fast route (lib/inference/brant_cuts.c: the J-1
 * binary logits fitted together from the ordinal estimates in shared
 * passes, the information from an anchor and a subsample, every
 * cross-product in the pass that ends the fits) against the plain route it
 * replaces (separate fits, scalar loops), lib/inference/brant.c: the same
 * statistics on several numbers of levels and predictors, with a dropped
 * column, on the reference data, from a start far from the cut fits; the
 * passes the fast route makes; the same bits at any thread count and on
 * every kernel route; the terms kernels it adds against the binary
 * logit's.
 *
 * Tolerance: both routes solve the same binary fits (the fast route to a
 * last Newton step below 1e-13 relative, the plain one to the solver's
 * tolerance, whose last steps are below 1e-10: the estimates agree to
 * rounding) and sum the same cross-products in other orders, the fast
 * route's at a point within 1e-13 of its estimate; the statistics agree to
 * about 1e-13 relative here, asserted at ROUTE_TOL. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "inference/inference_internal.h"
#include "models/kernels/terms.h"
#include "ref/wine_design.h"
#include "routes.h"

#define ROUTE_TOL 1e-12

typedef struct gen {
    uint64_t s;
} gen;

static double unif(gen *g)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(g->s >> 11) + 0.5) / 9007199254740992.0;
}

/* An ordinal outcome with J levels from a logistic latent variable whose
 * slope on x_1 changes with the cut when `crossing` is set. */
static void make_data(size_t n, size_t p, size_t J, uint64_t seed, int crossing, double *X,
                      double *y)
{
    gen g = {seed};
    for (size_t i = 0; i < n; i++) {
        double eta = 0.0;
        for (size_t c = 0; c < p; c++) {
            X[i * p + c] = 2.7 * (unif(&g) - 0.5) + (c == 2 ? X[i * p] * 0.4 : 0.0);
            eta += X[i * p + c] * (c % 2 ? 0.61 : -0.37);
        }
        double u = unif(&g), latent = eta + log(u / (1.0 - u));
        size_t lev = 0;
        for (size_t j = 0; j + 1 < J; j++) {
            double cut = -1.4 + 2.8 * (double)j / (double)(J - 2);
            lev += latent + (crossing ? 0.3 * (double)j * X[i * p] : 0.0) > cut;
        }
        y[i] = (double)lev;
    }
}

/* The fast and the plain route on d: the same statistics, or the same
 * error; the fast route within max_passes passes over the rows. */
static partreg_status compare(const partreg_data *d, double max_passes)
{
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL),
                     PARTREG_OK);
    partreg_brant *fast = NULL, *plain = NULL;
    partreg_error err;
    double before = partreg_fit_passes_read(fit);
    partreg_status st = partreg_brant_run(fit, d, PARTREG_BRANT_AUTO, &fast, &err);
    if (st != PARTREG_OK) { /* the plain route's error, word for word */
        partreg_error perr;
        assert_int_equal(partreg_brant_run(fit, d, PARTREG_BRANT_PLAIN, &plain, &perr), st);
        assert_string_equal(err.message, perr.message);
        assert_null(fast);
        assert_null(plain);
        partreg_fit_free(fit);
        return st;
    }
    double passes = partreg_fit_passes_read(fit) - before;
    /* the data check, the anchor's pass, the passes with the subsample's
     * information (a handful from the ordinal estimates) and the last:
     * no copy of the design */
    assert_true(passes >= 3.0 && passes <= max_passes);
    assert_int_equal(partreg_brant_run(fit, d, PARTREG_BRANT_PLAIN, &plain, &err), PARTREG_OK);
    partreg_chi2_test a = partreg_brant_omnibus(fast), b = partreg_brant_omnibus(plain);
    assert_rel(a.chi2, b.chi2, ROUTE_TOL);
    assert_true(a.df == b.df);
    assert_rel(a.p_value, b.p_value, ROUTE_TOL * (1.0 + b.chi2));
    assert_int_equal(partreg_brant_n_terms(fast), partreg_brant_n_terms(plain));
    for (size_t t = 0; t < partreg_brant_n_terms(fast); t++) {
        a = partreg_brant_term(fast, t);
        b = partreg_brant_term(plain, t);
        assert_int_equal(partreg_brant_term_column(fast, t), partreg_brant_term_column(plain, t));
        assert_rel(a.chi2, b.chi2, ROUTE_TOL);
        assert_true(a.df == b.df);
    }
    partreg_brant_free(fast);
    partreg_brant_free(plain);
    partreg_fit_free(fit);
    return PARTREG_OK;
}

static void test_levels_and_predictors(void **state)
{
    (void)state;
    size_t n = 4000;
    double *X = malloc(n * 6 * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    const size_t Js[] = {3, 4, 5, 7}, ps[] = {1, 4, 6};
    for (size_t t = 0; t < sizeof Js / sizeof *Js; t++)
        for (size_t u = 0; u < sizeof ps / sizeof *ps; u++) {
            size_t p = ps[u];
            make_data(n, p, Js[t], 17 + t, (int)(t % 2), X, y);
            partreg_data d = {n, p, X, 0, y, NULL, Js[t], NULL, NULL};
            assert_int_equal(compare(&d, 12.0), PARTREG_OK);
        }
    free(X);
    free(y);
}

/* A column twice another is dropped by the ordinal fit; the test runs on
 * the kept ones. The reference data (72 rows), where a cut is separated. */
static void test_dropped_and_reference(void **state)
{
    (void)state;
    size_t n = 1500, p = 4;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    make_data(n, p, 4, 5, 1, X, y);
    for (size_t i = 0; i < n; i++)
        X[i * p + 3] = 2.0 * X[i * p + 1];
    partreg_data d = {n, p, X, 0, y, NULL, 4, NULL, NULL};
    assert_int_equal(compare(&d, 12.0), PARTREG_OK);
    partreg_data wine = {WINE_N, WINE_P, wine_X, 0, wine_y, NULL, WINE_J, wine_design_terms,
                         wine_levels};
    /* a cut's binary logit is separated: both routes say so alike */
    assert_int_equal(compare(&wine, 12.0), PARTREG_ESEPARATION);
    free(X);
    free(y);
}

/* The ordinal fit of make_data's rows (threads and kernel route as given). */
static partreg_fit *fit_rows(const partreg_data *d, int threads, partreg_kernel kernel)
{
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    o.kernel = kernel;
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(d, PARTREG_ORDINAL, PARTREG_LOGIT, &o, &fit, NULL),
                     PARTREG_OK);
    return fit;
}

/* The fast route's cut fits and cross-products from the fit's own design. */
static void cut_fits(const partreg_fit *fit, const partreg_data *d, double *B, double *A,
                     partreg_brant_cut_stats *stats)
{
    partreg_design des;
    partreg_objective obj;
    assert_int_equal(partreg_inference_check_data(fit, d, &des, &obj, NULL), PARTREG_OK);
    int done = 0;
    assert_int_equal(partreg_brant_cuts_fast(fit, &des, d->y, fit->pk + 1, B, A, &done, stats),
                     PARTREG_OK);
    assert_int_equal(done, 1);
}

/* Parallel lines, 48,000 rows: the anchor's pass, the curvature's
 * sixteenth, a few passes with the subsample's information, the last
 * pass; two of them form the information over all rows. The same bits on
 * one thread and on several (fixed segments merged in order), and on every
 * fast kernel route this machine runs (their kernels' copies give the
 * same bits); the reference route's fit starts from the reference
 * route's ordinal estimates, to rounding. */
static void test_passes_threads_routes(void **state)
{
    (void)state;
    size_t n = 48000, p = 5, J = 5, m = J - 1, q = p + 1, npairs = m * (m + 1) / 2;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    double *B = malloc(2 * m * q * sizeof *B), *A = malloc(2 * npairs * q * q * sizeof *A);
    assert_true(X && y && B && A);
    make_data(n, p, J, 29, 0, X, y);
    partreg_data d = {n, p, X, 0, y, NULL, J, NULL, NULL};
    partreg_fit *fit = fit_rows(&d, 1, PARTREG_KERNEL_SCALAR);
    partreg_brant_cut_stats st;
    double before = partreg_fit_passes_read(fit);
    cut_fits(fit, &d, B, A, &st);
    assert_int_equal(st.info_passes, 2);
    assert_int_equal(st.last_passes, 1);
    assert_true(st.passes >= 3 && st.passes <= 6);
    assert_true(partreg_fit_passes_read(fit) - before < st.passes + 1.5); /* + check, curvature */
    partreg_brant *fast = NULL, *plain = NULL;
    assert_int_equal(partreg_brant_run(fit, &d, PARTREG_BRANT_AUTO, &fast, NULL), PARTREG_OK);
    assert_int_equal(partreg_brant_run(fit, &d, PARTREG_BRANT_PLAIN, &plain, NULL), PARTREG_OK);
    assert_rel(partreg_brant_omnibus(fast).chi2, partreg_brant_omnibus(plain).chi2, ROUTE_TOL);
    partreg_brant_free(fast);
    partreg_brant_free(plain);
    partreg_fit_free(fit);
    for (size_t r = 0; r < TEST_N_ROUTES; r++) {
        if (!test_route_runs(test_routes[r]))
            continue;
        for (int threads = 1; threads <= 4; threads += 3) {
            fit = fit_rows(&d, threads, test_routes[r]);
            cut_fits(fit, &d, B + m * q, A + npairs * q * q, &st);
            for (size_t x = 0; x < m * q; x++) {
                if (test_routes[r] == PARTREG_KERNEL_REFERENCE)
                    assert_rel_floor(B[m * q + x], B[x], ROUTE_TOL, 1e-10);
                else
                    assert_true(B[m * q + x] == B[x]);
            }
            for (size_t x = 0; x < npairs * q * q; x++) {
                if (test_routes[r] == PARTREG_KERNEL_REFERENCE)
                    assert_rel(A[npairs * q * q + x], A[x], ROUTE_TOL);
                else
                    assert_true(A[npairs * q * q + x] == A[x]);
            }
            partreg_fit_free(fit);
        }
    }
    free(X);
    free(y);
    free(B);
    free(A);
}

/* Lines far from parallel (x_1's slope moves by 1.2 a cut): the ordinal
 * estimates are more than the anchor distance from the cut fits', so the
 * fast route makes new anchors on its way, and its log-likelihood judges
 * the long steps; it still agrees with the plain route. */
static void test_far_start(void **state)
{
    (void)state;
    size_t n = 6000, p = 3, J = 5;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    assert_true(X && y);
    make_data(n, p, J, 41, 0, X, y);
    for (size_t i = 0; i < n; i++) { /* a steep crossing in x_1 */
        double u = ((double)((i * 2654435761u) % 1000003) + 0.5) / 1000003.0;
        double latent = 0.8 * X[i * p + 1] + log(u / (1.0 - u)), lev = 0;
        for (size_t j = 0; j + 1 < J; j++)
            lev += latent + 1.2 * (double)j * X[i * p] > -1.4 + 0.9 * (double)j;
        y[i] = lev;
    }
    partreg_data d = {n, p, X, 0, y, NULL, J, NULL, NULL};
    partreg_fit *fit = fit_rows(&d, 1, PARTREG_KERNEL_AUTO);
    size_t m = J - 1, q = p + 1;
    double *B = malloc(m * q * sizeof *B), *A = malloc(m * (m + 1) / 2 * q * q * sizeof *A);
    assert_true(B && A);
    partreg_brant_cut_stats st;
    cut_fits(fit, &d, B, A, &st);
    assert_true(st.info_passes >= 3);
    partreg_fit_free(fit);
    assert_int_equal(compare(&d, 16.0), PARTREG_OK);
    free(X);
    free(y);
    free(B);
    free(A);
}

/* binary_logit_cut and binary_logit_cut_value (terms.h) at every
 * instruction set this machine runs: the bits of binary_logit at eta + a
 * for the outcome 1{y > j} (unit weights), with the sums of gw and hw
 * (in their stripes: the same bits at every set, the plain sum's to
 * rounding); F and S are the logistic's from both sides, S never 1 - F. */
static void test_cut_terms(void **state)
{
    (void)state;
    enum { M = 203 };
    double eta0[M], y[M], yc[M], e1[M], e2[M], e3[M], wl[M], gw[M], hw[M], F[M], S[M];
    double wl2[M], gw2[M], hw2[M], gw3[M], hw3[M];
    gen g = {7};
    double a = -0.37, j = 1.0;
    for (size_t r = 0; r < M; r++) {
        /* the tails too: |eta| up to 60, and exactly -a */
        eta0[r] = r % 17 == 0 ? -a : (unif(&g) - 0.5) * (r % 5 == 0 ? 120.0 : 9.0);
        y[r] = (double)(r % 4);
        yc[r] = y[r] > j ? 1.0 : 0.0;
    }
    const partreg_terms *base = partreg_terms_for(PARTREG_ISA_BASE);
    for (size_t r = 0; r < M; r++)
        e1[r] = eta0[r] + a;
    double ll = base->binary_logit(e1, yc, NULL, M, wl, gw, hw), gsum = 0.0, hsum = 0.0;
    for (size_t r = 0; r < M; r++) {
        gsum += gw[r];
        hsum += hw[r];
    }
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
        const partreg_terms *t = partreg_terms_for(isa);
        memcpy(e2, eta0, sizeof e2);
        memcpy(e3, eta0, sizeof e3);
        double s2[2], s3[2];
        double ll2 = t->binary_logit_cut_value(e2, a, y, j, M, wl2, gw2, hw2, s2);
        t->binary_logit_cut(e3, a, y, j, M, F, S, gw3, hw3, s3);
        assert_true(ll2 == ll);
        assert_true(s2[0] == s3[0] && s2[1] == s3[1]);
        assert_rel(s2[0], gsum, 1e-13 * M);
        assert_rel(s2[1], hsum, 1e-13 * M);
        for (size_t r = 0; r < M; r++) {
            assert_true(e2[r] == e1[r] && e3[r] == e1[r]);
            assert_true(wl2[r] == wl[r] && gw2[r] == gw[r] && hw2[r] == hw[r]);
            assert_true(gw3[r] == gw[r] && hw3[r] == hw[r]);
            double x = e1[r]; /* F = 1 / (1 + exp(-x)), S = 1 / (1 + exp(x)) */
            assert_rel(F[r], 1.0 / (1.0 + exp(-x)), 1e-14);
            assert_rel(S[r], 1.0 / (1.0 + exp(x)), 1e-14);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_predictors),
        cmocka_unit_test(test_dropped_and_reference),
        cmocka_unit_test(test_passes_threads_routes),
        cmocka_unit_test(test_far_start),
        cmocka_unit_test(test_cut_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
