/* The k x k factorisation behind every Newton step and covariance
 * (lib/core/spd.c): solves and inverses of positive-definite matrices to
 * rounding, the Gill-Murray-Wright perturbation of indefinite ones (flagged,
 * and still a descent direction), units spread over 40 orders of magnitude
 * (solves and inverses alike), and singular or non-finite input refused
 * without a crash; the Jacobi eigen-decomposition (A = V diag(l) V',
 * V'V = I, rank-deficient matrices included) and the sandwich product
 * against plain products. */
#include <math.h>
#include <stdlib.h>

#include "testutil.h"

#include "core/spd.h"

/* A = B B' + k I from a fixed pseudo-random B: positive definite. */
static void make_spd(double *A, size_t k, unsigned seed)
{
    double *B = malloc(k * k * sizeof *B);
    assert_non_null(B);
    for (size_t i = 0; i < k * k; i++) {
        seed = seed * 1103515245u + 12345u;
        B[i] = (double)(seed >> 8) / (double)(1u << 24) - 0.5;
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double t = i == j ? (double)k * 0.1 : 0.0;
            for (size_t m = 0; m < k; m++)
                t += B[i * k + m] * B[j * k + m];
            A[i * k + j] = t;
        }
    free(B);
}

static double residual(const double *A, const double *x, const double *b, size_t k)
{
    double worst = 0.0;
    for (size_t i = 0; i < k; i++) {
        double t = -b[i];
        for (size_t j = 0; j < k; j++)
            t += A[i * k + j] * x[j];
        worst = fmax(worst, fabs(t));
    }
    return worst;
}

static void test_solve_positive_definite(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 14, 61};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t k = sizes[s];
        double *A = malloc(k * k * sizeof *A), *b = malloc(k * sizeof *b),
               *x = malloc(k * sizeof *x);
        make_spd(A, k, 7u + (unsigned)k);
        for (size_t i = 0; i < k; i++)
            b[i] = 1.0 + (double)i;
        partreg_spd *w = partreg_spd_alloc(k);
        assert_int_equal(partreg_spd_solve(w, A, b, x), 0); /* not perturbed */
        assert_true(residual(A, x, b, k) < 1e-12 * (double)k * (double)k);
        partreg_spd_free(w);
        free(A), free(b), free(x);
    }
}

static void test_invert_positive_definite(void **state)
{
    (void)state;
    size_t k = 14;
    double A[14 * 14], Ai[14 * 14];
    make_spd(A, k, 3u);
    partreg_spd *w = partreg_spd_alloc(k);
    assert_int_equal(partreg_spd_invert(w, A, Ai, 1e-12), 0);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double t = 0.0;
            for (size_t m = 0; m < k; m++)
                t += A[i * k + m] * Ai[m * k + j];
            assert_true(fabs(t - (i == j)) < 1e-12);
            assert_true(Ai[i * k + j] == Ai[j * k + i]);
        }
    partreg_spd_free(w);
}

/* An indefinite matrix (a saddle, as a cauchit information can be far from
 * the maximum) is perturbed, and the step still goes uphill: g'x > 0. */
static void test_indefinite_is_perturbed_to_a_descent_direction(void **state)
{
    (void)state;
    const double A[9] = {2.0, 0.5, 0.1, 0.5, -3.0, 0.2, 0.1, 0.2, 1.0};
    const double g[3] = {1.0, -2.0, 0.5};
    double x[3], Ai[9];
    partreg_spd *w = partreg_spd_alloc(3);
    assert_int_equal(partreg_spd_solve(w, A, g, x), 1);
    assert_true(g[0] * x[0] + g[1] * x[1] + g[2] * x[2] > 0.0);
    assert_int_equal(partreg_spd_invert(w, A, Ai, 1e-12), -1);
    partreg_spd_free(w);
}

/* Units alone never make an information matrix singular: diagonal from
 * 1e-20 to 1e20, correlation 0.5 between neighbours. */
static void test_invert_spread_units(void **state)
{
    (void)state;
    enum { K = 5 };
    double A[K * K], Ai[K * K], sc[K] = {1e-10, 1e-3, 1.0, 1e4, 1e10};
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            A[i * K + j] = sc[i] * sc[j] * (i == j ? 1.0 : (i + 1 == j || j + 1 == i) ? 0.5 : 0.0);
    partreg_spd *w = partreg_spd_alloc(K);
    assert_int_equal(partreg_spd_invert(w, A, Ai, 1e-12), 0);
    for (size_t i = 0; i < K; i++) /* (A^-1 A)_ii = 1 */ {
        double t = 0.0;
        for (size_t m = 0; m < K; m++)
            t += Ai[i * K + m] * A[m * K + i];
        assert_true(fabs(t - 1.0) < 1e-10);
    }
    partreg_spd_free(w);
}

/* The Newton solve is as unit-free as the inverse: a diagonal down to
 * 1e-20 is not mistaken for an indefinite pivot (not perturbed), and the
 * solution is the exact one scaled. */
static void test_solve_spread_units(void **state)
{
    (void)state;
    enum { K = 5 };
    double A[K * K], b[K], x[K], sc[K] = {1e-10, 1e-3, 1.0, 1e4, 1e10};
    for (size_t i = 0; i < K; i++) {
        b[i] = sc[i] * (1.0 + (double)i);
        for (size_t j = 0; j < K; j++)
            A[i * K + j] = sc[i] * sc[j] * (i == j ? 1.0 : (i + 1 == j || j + 1 == i) ? 0.5 : 0.0);
    }
    partreg_spd *w = partreg_spd_alloc(K);
    assert_int_equal(partreg_spd_solve(w, A, b, x), 0);
    for (size_t i = 0; i < K; i++) { /* (S A S)(x / s) = b / s, all of order 1 */
        double t = -b[i] / sc[i];
        for (size_t j = 0; j < K; j++)
            t += A[i * K + j] / (sc[i] * sc[j]) * (x[j] * sc[j]);
        assert_true(fabs(t) < 1e-13);
    }
    partreg_spd_free(w);
}

static void test_singular_and_non_finite_are_refused(void **state)
{
    (void)state;
    double A[4] = {1.0, 1.0, 1.0, 1.0}, Ai[4], b[2] = {1.0, 1.0}, x[2];
    partreg_spd *w = partreg_spd_alloc(2);
    assert_int_equal(partreg_spd_invert(w, A, Ai, 1e-12), -1);
    A[3] = NAN;
    assert_int_equal(partreg_spd_invert(w, A, Ai, 1e-12), -1);
    assert_int_equal(partreg_spd_solve(w, A, b, x), -1);
    A[3] = 2.0;
    b[1] = INFINITY;
    assert_int_equal(partreg_spd_solve(w, A, b, x), -1);
    partreg_spd_free(w);
    assert_int_equal(partreg_spd_solve(NULL, A, b, x), 0); /* k = 0 */
}

/* A = V diag(l) V' and V'V = I to rounding, for full-rank matrices and
 * for B B' of rank r < k (a block of zero eigenvalues: the sweeps end). */
static void test_sym_eigen(void **state)
{
    (void)state;
    for (size_t k = 1; k <= 12; k += 3)
        for (size_t r = 1; r <= k; r += 2) {
            double *A = malloc(k * k * sizeof *A), *C = malloc(k * k * sizeof *C);
            double *B = malloc(k * r * sizeof *B), *l = malloc(k * sizeof *l);
            double *V = malloc(k * k * sizeof *V);
            assert_true(A && C && B && l && V);
            unsigned seed = (unsigned)(7 * k + r);
            for (size_t i = 0; i < k * r; i++) {
                seed = seed * 1103515245u + 12345u;
                B[i] = (double)(seed >> 8) / (double)(1u << 24) - 0.5;
            }
            double big = 0.0;
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j < k; j++) {
                    double t = 0.0;
                    for (size_t m = 0; m < r; m++)
                        t += B[i * r + m] * B[j * r + m];
                    A[i * k + j] = C[i * k + j] = t;
                    big = fmax(big, fabs(t));
                }
            assert_int_equal(partreg_sym_eigen(C, k, l, V), 0);
            size_t zero = 0;
            for (size_t e = 0; e < k; e++)
                zero += fabs(l[e]) < 1e-12 * big;
            assert_true(zero >= k - r);
            for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j < k; j++) {
                    double rec = 0.0, orth = 0.0;
                    for (size_t e = 0; e < k; e++) {
                        rec += V[i * k + e] * l[e] * V[j * k + e];
                        orth += V[e * k + i] * V[e * k + j];
                    }
                    assert_true(fabs(rec - A[i * k + j]) <= 1e-13 * big);
                    assert_true(fabs(orth - (i == j ? 1.0 : 0.0)) <= 1e-13);
                }
            free(A);
            free(C);
            free(B);
            free(l);
            free(V);
        }
    double bad[4] = {1.0, NAN, NAN, 1.0}, l2[2];
    assert_int_equal(partreg_sym_eigen(bad, 2, l2, NULL), -1);
}

/* V = s2 (s1 A M) A against the plain triple product, A with a row stride
 * wider than k. */
static void test_sandwich_product(void **state)
{
    (void)state;
    size_t k = 5, lda = 7;
    double A[35], M[25], V[25];
    for (size_t i = 0; i < 35; i++)
        A[i] = 0.1 * (double)((i * 7) % 11) - 0.4;
    for (size_t i = 0; i < 25; i++)
        M[i] = 0.2 * (double)((i * 5) % 7) - 0.5;
    partreg_sandwich_product(A, lda, M, k, 0.5, 4.0, V);
    for (size_t a = 0; a < k; a++)
        for (size_t c = 0; c < k; c++) {
            double want = 0.0;
            for (size_t e = 0; e < k; e++)
                for (size_t f = 0; f < k; f++)
                    want += A[a * lda + f] * M[f * k + e] * A[e * lda + c];
            assert_true(fabs(V[a * k + c] - 2.0 * want) <= 1e-14);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solve_positive_definite),
        cmocka_unit_test(test_invert_positive_definite),
        cmocka_unit_test(test_indefinite_is_perturbed_to_a_descent_direction),
        cmocka_unit_test(test_invert_spread_units),
        cmocka_unit_test(test_solve_spread_units),
        cmocka_unit_test(test_singular_and_non_finite_are_refused),
        cmocka_unit_test(test_sym_eigen),
        cmocka_unit_test(test_sandwich_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
