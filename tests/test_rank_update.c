/* partreg_rank_update (lib/models/rank_update.c) against the reference
 * order of its sums.
 *
 * The kernel reads quads of rows past their k-th column (padded to a
 * multiple of 4) and accumulates into a padded copy of A. It must give the
 * same bits as the plain four-rows-at-a-time update, for every k up to
 * PARTREG_RANK_UPDATE_MAX_K, any row count (tails of 1 to 3 rows, too few
 * rows for the padded path), a row stride larger than k, weights of either
 * sign, and with the rows ending exactly at the end of their allocation (so
 * ASan sees any read past it). The upper triangle of A is not touched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "models/rank_update.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53 * 2.0 - 1.0; }

/* The documented order: per quad ((u0 x0 + u1 x1) + (u2 x2 + u3 x3)), then
 * row by row for the last m mod 4 rows. */
static void reference(double *A, size_t lda_a, size_t k, const double *X, size_t lda,
                      const double *h, size_t m)
{
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *x0 = X + r * lda, *x1 = x0 + lda, *x2 = x1 + lda, *x3 = x2 + lda;
        for (size_t a = 0; a < k; a++) {
            double u0 = h[r] * x0[a], u1 = h[r + 1] * x1[a], u2 = h[r + 2] * x2[a];
            double u3 = h[r + 3] * x3[a];
            for (size_t c = 0; c <= a; c++)
                A[a * lda_a + c] += (u0 * x0[c] + u1 * x1[c]) + (u2 * x2[c] + u3 * x3[c]);
        }
    }
    for (; r < m; r++)
        for (size_t a = 0; a < k; a++)
            for (size_t c = 0; c <= a; c++)
                A[a * lda_a + c] += h[r] * X[r * lda + a] * X[r * lda + c];
}

static void check_case(size_t k, size_t lda, size_t m, uint64_t *seed)
{
    size_t lda_a = k + 1, nx = (m - 1) * lda + k; /* the last row ends the allocation */
    double *X = malloc(nx * sizeof *X), *h = malloc(m * sizeof *h);
    double *A = malloc(k * lda_a * sizeof *A), *R = malloc(k * lda_a * sizeof *R);
    assert_non_null(X);
    assert_non_null(h);
    assert_non_null(A);
    assert_non_null(R);
    for (size_t i = 0; i < nx; i++)
        X[i] = unif(seed) * 3.0;
    for (size_t i = 0; i < m; i++)
        h[i] = unif(seed);
    for (size_t i = 0; i < k * lda_a; i++)
        A[i] = R[i] = unif(seed);
    partreg_rank_update(A, lda_a, k, X, lda, h, m);
    reference(R, lda_a, k, X, lda, h, m);
    for (size_t i = 0; i < k * lda_a; i++)
        if (memcmp(A + i, R + i, sizeof *A) != 0)
            fail_msg("k=%zu lda=%zu m=%zu: entry (%zu, %zu) = %.17g, reference %.17g", k, lda, m,
                     i / lda_a, i % lda_a, A[i], R[i]);
    free(X);
    free(h);
    free(A);
    free(R);
}

static void test_same_bits_as_reference(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    static const size_t rows[] = {1, 3, 4, 7, 8, 9, 10, 11, 12, 13, 64, 257};
    for (size_t k = 1; k <= PARTREG_RANK_UPDATE_MAX_K; k++)
        for (size_t s = 0; s < 3; s++)
            for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
                check_case(k, k + s * (s + 1), rows[t], &seed);
}

/* A wide k goes row by row in the reference order too. */
static void test_wide_k(void **state)
{
    (void)state;
    uint64_t seed = 777;
    check_case(PARTREG_RANK_UPDATE_MAX_K + 1, PARTREG_RANK_UPDATE_MAX_K + 1, 50, &seed);
    check_case(51, 60, 9, &seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bits_as_reference),
        cmocka_unit_test(test_wide_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
