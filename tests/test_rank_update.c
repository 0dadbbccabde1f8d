/* partreg_rank_update (lib/models/kernels/rank_update.c) against the reference
 * order of its sums.
 *
 * The kernel reads rows past their k-th column (padded to a multiple of 4)
 * and accumulates into a padded copy of A in register tiles over blocks of
 * rows. It must give the same bits as the plain row-by-row update, for
 * every k up to PARTREG_RANK_UPDATE_MAX_K, any row count (one sub-block of
 * 64 rows or several, a part-filled last one, too few rows for the padded
 * path), a row stride larger than k, weights of either
 * sign, and with the rows ending exactly at the end of their allocation (so
 * ASan sees any read past it), with and without the gradient the same
 * rows give (g x), and with unit weights given as h = NULL. The upper
 * triangle of A is not touched.
 * Every instruction set this machine runs is tested (routes.h): on the
 * AVX-512 route the k up to 16 take the wide tiles (all sums of the
 * triangle in registers), the others the 16-register tiles, in their
 * baseline or AVX2 copy; all must give these bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "testutil.h"

#include "models/kernels/rank_update.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53 * 2.0 - 1.0; }

/* The documented order: row by row, A[a][c] += x_a (h x_c) and, with g,
 * grad[c] += g x_c. */
static void reference(double *A, size_t lda_a, size_t k, const double *X, size_t lda,
                      const double *h, const double *g, double *grad, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        for (size_t a = 0; a < k; a++)
            for (size_t c = 0; c <= a; c++)
                A[a * lda_a + c] += X[r * lda + a] * (h[r] * X[r * lda + c]);
        for (size_t c = 0; g && c < k; c++)
            grad[c] += g[r] * X[r * lda + c];
    }
}

static void check_case(size_t k, size_t lda, size_t m, int with_g, int unit, uint64_t *seed)
{
    size_t lda_a = k + 1, nx = (m - 1) * lda + k; /* the last row ends the allocation */
    double *X = malloc(nx * sizeof *X), *h = malloc(m * sizeof *h);
    double *A = malloc(k * lda_a * sizeof *A), *R = malloc(k * lda_a * sizeof *R);
    double *g = malloc(m * sizeof *g), *grad = malloc(k * sizeof *grad);
    double *gref = malloc(k * sizeof *gref);
    assert_true(g && grad && gref);
    assert_non_null(X);
    assert_non_null(h);
    assert_non_null(A);
    assert_non_null(R);
    for (size_t i = 0; i < nx; i++)
        X[i] = unif(seed) * 3.0;
    for (size_t i = 0; i < m; i++)
        h[i] = unit ? 1.0 : unif(seed);
    double *A0 = malloc(k * lda_a * sizeof *A0), *grad0 = malloc(k * sizeof *grad0);
    assert_true(A0 && grad0);
    for (size_t i = 0; i < k * lda_a; i++)
        A0[i] = R[i] = unif(seed);
    for (size_t i = 0; i < m; i++)
        g[i] = unif(seed) * 2.0;
    for (size_t i = 0; i < k; i++)
        grad0[i] = gref[i] = unif(seed);
    reference(R, lda_a, k, X, lda, h, with_g ? g : NULL, gref, m);
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
        memcpy(A, A0, k * lda_a * sizeof *A);
        memcpy(grad, grad0, k * sizeof *grad);
        partreg_rank_update(isa, A, lda_a, k, X, lda, unit ? NULL : h, with_g ? g : NULL, grad,
                            m);
        for (size_t i = 0; i < k; i++)
            if (memcmp(grad + i, gref + i, sizeof *grad) != 0)
                fail_msg("isa %d k=%zu lda=%zu m=%zu g=%d: gradient %zu = %.17g, reference %.17g",
                         (int)isa, k, lda, m, with_g, i, grad[i], gref[i]);
        for (size_t i = 0; i < k * lda_a; i++)
            if (memcmp(A + i, R + i, sizeof *A) != 0)
                fail_msg("isa %d k=%zu lda=%zu m=%zu: entry (%zu, %zu) = %.17g, reference %.17g",
                         (int)isa, k, lda, m, i / lda_a, i % lda_a, A[i], R[i]);
    }
    free(A0);
    free(grad0);
    free(X);
    free(h);
    free(A);
    free(R);
    free(g);
    free(grad);
    free(gref);
}

static void test_same_bits_as_reference(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    static const size_t rows[] = {1, 3, 4, 7, 8, 9, 10, 11, 12, 13, 63, 64, 65, 128, 257};
    for (size_t k = 1; k <= PARTREG_RANK_UPDATE_MAX_K; k++)
        for (size_t s = 0; s < 3; s++)
            for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
                for (int wg = 0; wg < 2; wg++)
                    check_case(k, k + s * (s + 1), rows[t], wg, 0, &seed);
}

/* Unit weights (h = NULL): the bits of h = 1, every k and route. */
static void test_unit_weights(void **state)
{
    (void)state;
    uint64_t seed = 4242;
    static const size_t rows[] = {3, 9, 64, 257};
    for (size_t k = 1; k <= PARTREG_RANK_UPDATE_MAX_K + 2; k++)
        for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
            check_case(k, k + 1, rows[t], (int)(t & 1), 1, &seed);
}

/* A wide k goes row by row in the reference order too. */
static void test_wide_k(void **state)
{
    (void)state;
    uint64_t seed = 777;
    check_case(PARTREG_RANK_UPDATE_MAX_K + 1, PARTREG_RANK_UPDATE_MAX_K + 1, 50, 1, 0, &seed);
    check_case(51, 60, 9, 1, 0, &seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bits_as_reference),
        cmocka_unit_test(test_unit_weights),
        cmocka_unit_test(test_wide_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
