/* CR2's passes (lib/inference/cr2.c, lib/models/kernels/cr2_gram.c):
 * - the Gram kernels' copies for every instruction set the machine runs
 *   (baseline and AVX2 vectors of four, AVX-512 tiles) equal the plain
 *   loops partreg_cr2_gram_ref and partreg_cr2_gram1_ref to the bit, at
 *   every tile shape the passes use (rows of R 4 to 232, columns 4 to
 *   128, chunks of 1 to 300 rows), and the copies of the packed rows and
 *   pole weights give the baseline's bits;
 * - the covariance on every kernel route the machine runs agrees with the
 *   reference route's to rounding;
 * - the covariance and the Satterthwaite df are the same bits at 1 and 2
 *   threads (each cluster's sums are added by one member in row order),
 *   with clusters interleaved and with clusters stored together;
 * - interleaved and stored-together rows give the same covariance to
 *   rounding, and the passes refuse a row with a fitted probability of 0
 *   or 1, naming the first such row.
 * Agreement with clubSandwich (logit, probit, cloglog) is
 * tests/test_small_samples.c's. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/kernels/cr2_gram.h"
#include "partreg.h"
#include "routes.h"
#include "testutil.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) * 0x1.0p-53;
}

static double gauss(void)
{
    return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

static void test_kernel_routes(void **state)
{
    (void)state;
    static const size_t tps[] = {4, 8, 12, 16, 24, 68, 232};
    static const size_t mps[] = {4, 8, 12, 16, 20, 24, 28, 48, 128};
    static const size_t ngs[] = {1, 2, 7, 256, 300};
    for (size_t a = 0; a < sizeof tps / sizeof tps[0]; a++)
        for (size_t b = 0; b < sizeof mps / sizeof mps[0]; b++)
            for (size_t c = 0; c < sizeof ngs / sizeof ngs[0]; c++) {
                size_t tp = tps[a], mp = mps[b], ng = ngs[c];
                double *O = malloc(ng * tp * sizeof *O), *Q = malloc(ng * mp * sizeof *Q);
                double *R0 = malloc(tp * mp * sizeof *R0), *R1 = malloc(tp * mp * sizeof *R1);
                assert_non_null(O);
                assert_non_null(Q);
                assert_non_null(R0);
                assert_non_null(R1);
                for (size_t i = 0; i < ng * tp; i++)
                    O[i] = gauss() * exp(4.0 * gauss()); /* wide range: rounding shows */
                for (size_t i = 0; i < ng * mp; i++)
                    Q[i] = unif() / (unif() + 1e-3);
                /* from one start, two chunks in a row */
                for (size_t i = 0; i < tp * mp; i++)
                    R0[i] = (double)(i % 7) - 3.0;
                partreg_cr2_gram_ref(O, Q, ng, tp, mp, R0);
                partreg_cr2_gram_ref(O, Q, ng, tp, mp, R0);
                for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
                    for (size_t i = 0; i < tp * mp; i++)
                        R1[i] = (double)(i % 7) - 3.0;
                    partreg_cr2_gram(isa, O, Q, ng, tp, mp, R1);
                    partreg_cr2_gram(isa, O, Q, ng, tp, mp, R1);
                    if (memcmp(R0, R1, tp * mp * sizeof *R0) != 0)
                        print_error("isa %d differs at tp %zu mp %zu ng %zu\n", (int)isa, tp, mp,
                                    ng);
                    assert_memory_equal(R0, R1, tp * mp * sizeof *R0);
                }
                free(O);
                free(Q);
                free(R0);
                free(R1);
            }
}

static void test_kernel1_routes(void **state)
{
    (void)state;
    static const size_t tps[] = {4, 8, 12, 16, 20, 28, 32, 36, 60, 68, 232};
    static const size_t ngs[] = {1, 3, 256};
    for (size_t a = 0; a < sizeof tps / sizeof tps[0]; a++)
        for (size_t c = 0; c < sizeof ngs / sizeof ngs[0]; c++) {
            size_t tp = tps[a], ng = ngs[c];
            double *O = malloc(ng * tp * sizeof *O), *v = malloc(ng * sizeof *v);
            double *R0 = malloc(2 * tp * sizeof *R0), *R1 = malloc(2 * tp * sizeof *R1);
            assert_non_null(O);
            assert_non_null(v);
            assert_non_null(R0);
            assert_non_null(R1);
            for (size_t i = 0; i < ng * tp; i++)
                O[i] = gauss() * exp(4.0 * gauss());
            for (size_t i = 0; i < ng; i++)
                v[i] = 0.25 * unif();
            for (size_t i = 0; i < 2 * tp; i++)
                R0[i] = (double)(i % 5) - 2.0;
            partreg_cr2_gram1_ref(O, v, ng, tp, R0);
            partreg_cr2_gram1_ref(O, v, ng, tp, R0);
            for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
                for (size_t i = 0; i < 2 * tp; i++)
                    R1[i] = (double)(i % 5) - 2.0;
                partreg_cr2_gram1(isa, O, v, ng, tp, R1);
                partreg_cr2_gram1(isa, O, v, ng, tp, R1);
                assert_memory_equal(R0, R1, 2 * tp * sizeof *R0);
            }
            free(O);
            free(v);
            free(R0);
            free(R1);
        }
}

/* The packed rows and the pole weights: every copy the baseline's bits. */
static void test_prep_copies(void **state)
{
    (void)state;
    enum { NG = 37, ROWS = 64, MAXK = 13 };
    double ZR[ROWS * 16], v[ROWS], bl[5] = {1e-3, 0.01, 0.1, 1.0, 10.0};
    size_t pos[NG];
    for (size_t i = 0; i < ROWS * 16; i++)
        ZR[i] = gauss();
    for (size_t i = 0; i < ROWS; i++)
        v[i] = 0.25 * unif();
    for (size_t x = 0; x < NG; x++)
        pos[x] = (x * 17) % ROWS;
    for (size_t k = 1; k <= MAXK; k++) {
        size_t tp = ((k + 1) * (k + 2) / 2 + 3) & ~(size_t)3;
        double *O0 = calloc(NG * tp + 3, sizeof *O0), *O1 = calloc(NG * tp + 3, sizeof *O1);
        assert_non_null(O0);
        assert_non_null(O1);
        /* rows of ZR padded to kp = k + 1 rounded up to a multiple of 4 */
        partreg_cr2_pack_rows(PARTREG_ISA_BASE, pos, NG, k, tp, ZR, O0);
        for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
            memset(O1, 0, (NG * tp + 3) * sizeof *O1);
            partreg_cr2_pack_rows(isa, pos, NG, k, tp, ZR, O1);
            for (size_t x = 0; x < NG; x++) /* the triangle; the filler is free */
                assert_memory_equal(O0 + x * tp, O1 + x * tp,
                                    (k + 1) * (k + 2) / 2 * sizeof *O0);
        }
        free(O0);
        free(O1);
    }
    double Q0[NG * 12], Q1[NG * 12];
    partreg_cr2_pole_weights(PARTREG_ISA_BASE, pos, NG, v, 5, bl, 12, Q0);
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
        partreg_cr2_pole_weights(isa, pos, NG, v, 5, bl, 12, Q1);
        assert_memory_equal(Q0, Q1, sizeof Q0);
    }
}

/* ---- the passes ------------------------------------------------------- */

typedef struct problem {
    size_t n, p, G;
    double *X, *y;
    size_t *cl;
} problem;

/* n rows, an intercept and p - 1 normal columns, G clusters with random
 * effects: interleaved at random, or stored together (sorted). */
static problem make_problem(size_t n, size_t p, size_t G, int together)
{
    problem P = {n, p, G, malloc(n * p * sizeof(double)), malloc(n * sizeof(double)),
                 malloc(n * sizeof(size_t))};
    assert_non_null(P.X);
    assert_non_null(P.y);
    assert_non_null(P.cl);
    double u[64];
    assert_true(G <= 64);
    for (size_t g = 0; g < G; g++)
        u[g] = 0.7 * gauss();
    for (size_t i = 0; i < n; i++) {
        size_t g = together ? i * G / n : (size_t)(unif() * (double)G);
        double eta = -0.4 + u[g];
        P.X[i * p] = 1.0;
        for (size_t j = 1; j < p; j++) {
            P.X[i * p + j] = gauss();
            eta += 0.3 * P.X[i * p + j];
        }
        P.cl[i] = g;
        P.y[i] = unif() < 1.0 / (1.0 + exp(-eta));
    }
    return P;
}

static void free_problem(problem *P)
{
    free(P->X);
    free(P->y);
    free(P->cl);
}

/* CR2 of the problem at `threads` threads on kernel route `route`: V
 * (k x k) and df (k). */
static void cr2_on(const problem *P, partreg_link link, int threads, partreg_kernel route,
                   double *V, double *df)
{
    partreg_data d = {P->n, P->p, P->X, 0, P->y, NULL, 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    o.kernel = route;
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, link, &o, &fit, &err), PARTREG_OK);
    partreg_status st = partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CR2, P->cl, P->G, &err);
    if (st != PARTREG_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    const gsl_matrix *M = partreg_fit_vcov(fit);
    size_t k = P->p;
    for (size_t a = 0; a < k; a++) {
        df[a] = partreg_fit_param_df(fit, a);
        for (size_t b = 0; b < k; b++)
            V[a * k + b] = gsl_matrix_get(M, a, b);
    }
    partreg_fit_free(fit);
}

static void cr2_of(const problem *P, partreg_link link, int threads, double *V, double *df)
{
    cr2_on(P, link, threads, test_kernel(), V, df);
}

/* Every route the machine runs against the reference route: the fit and
 * the passes agree to rounding. */
static void test_every_route(void **state)
{
    (void)state;
    problem P = make_problem(3000, 6, 20, 0);
    double V0[36], V1[36], df0[6], df1[6];
    cr2_on(&P, PARTREG_LOGIT, 1, PARTREG_KERNEL_REFERENCE, V0, df0);
    for (size_t r = 1; r < TEST_N_ROUTES; r++) {
        if (!test_route_runs(test_routes[r]))
            continue;
        cr2_on(&P, PARTREG_LOGIT, 1, test_routes[r], V1, df1);
        for (size_t a = 0; a < 6; a++) {
            assert_rel(df1[a], df0[a], 1e-10);
            for (size_t b = 0; b < 6; b++)
                assert_rel_floor(V1[a * 6 + b], V0[a * 6 + b], 1e-10,
                                 sqrt(V0[a * 6 + a] * V0[b * 6 + b]));
        }
    }
    free_problem(&P);
}

/* 60,000 rows: enough for two threads (20,000 rows each at least). */
static void test_threads(void **state)
{
    (void)state;
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_CLOGLOG};
    for (int together = 0; together <= 1; together++)
        for (size_t l = 0; l < 2; l++) {
            problem P = make_problem(60000, 5, 30, together);
            double V1[25], V2[25], df1[5], df2[5];
            cr2_of(&P, links[l], 1, V1, df1);
            cr2_of(&P, links[l], 2, V2, df2);
            assert_memory_equal(V1, V2, sizeof V1);
            assert_memory_equal(df1, df2, sizeof df1);
            for (size_t a = 0; a < 5; a++)
                assert_true(V1[a * 5 + a] > 0.0 && df1[a] > 1.0 && df1[a] < 30.0);
            free_problem(&P);
        }
}

/* The same rows in another order (clusters stored together, then
 * interleaved) give the same covariance up to the order of the sums. */
static void test_row_order(void **state)
{
    (void)state;
    problem P = make_problem(5000, 4, 12, 1);
    double V1[16], V2[16], df1[4], df2[4];
    cr2_of(&P, PARTREG_PROBIT, 1, V1, df1);
    /* a fixed shuffle of the rows */
    for (size_t i = P.n - 1; i > 0; i--) {
        size_t j = (size_t)(unif() * (double)(i + 1));
        for (size_t c = 0; c < P.p; c++) {
            double t = P.X[i * P.p + c];
            P.X[i * P.p + c] = P.X[j * P.p + c];
            P.X[j * P.p + c] = t;
        }
        double ty = P.y[i];
        P.y[i] = P.y[j];
        P.y[j] = ty;
        size_t tc = P.cl[i];
        P.cl[i] = P.cl[j];
        P.cl[j] = tc;
    }
    cr2_of(&P, PARTREG_PROBIT, 1, V2, df2);
    for (size_t a = 0; a < 4; a++) {
        assert_rel(df2[a], df1[a], 1e-9);
        for (size_t b = 0; b < 4; b++)
            assert_rel_floor(V2[a * 4 + b], V1[a * 4 + b], 1e-9,
                             sqrt(V1[a * 4 + a] * V1[b * 4 + b]));
    }
    free_problem(&P);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_routes),
        cmocka_unit_test(test_kernel1_routes),
        cmocka_unit_test(test_prep_copies),
        cmocka_unit_test(test_every_route),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_row_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
