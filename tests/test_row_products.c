/* partreg_rows_dot and partreg_rows_weighted_sum
 * (lib/models/kernels/row_products.c) against their documented order of
 * sums, on every instruction set this machine runs (routes.h).
 *
 * The kernels read rows as whole vectors of 4 past their k-th entry. They
 * must give the bits of the scalar order for every k up to
 * PARTREG_ROW_PRODUCTS_MAX_K, any row count, a row stride larger than k
 * whose padding holds NaN (masked off, never summed into a result), and
 * rows that end exactly at the end of their allocation (ASan sees a read
 * past it). Above the maximum k they agree with a plain sum to rounding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "testutil.h"

#include "models/kernels/row_products.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53 * 2.0 - 1.0; }

static double dot_reference(const double *x, size_t k, const double *beta)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    for (size_t c = 0; c < k; c++)
        s[c % 4] += beta[c] * x[c];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static void weighted_sum_reference(const double *X, size_t lda, size_t k, const double *g,
                                   size_t m, double *grad)
{
    size_t r = 0;
    for (; r + 4 <= m; r += 4)
        for (size_t c = 0; c < k; c++)
            grad[c] += (g[r] * X[r * lda + c] + g[r + 1] * X[(r + 1) * lda + c]) +
                       (g[r + 2] * X[(r + 2) * lda + c] + g[r + 3] * X[(r + 3) * lda + c]);
    for (; r < m; r++)
        for (size_t c = 0; c < k; c++)
            grad[c] += g[r] * X[r * lda + c];
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void check_case(size_t k, size_t lda, size_t m, uint64_t *seed, int exact)
{
    size_t nx = (m - 1) * lda + k; /* the last row ends the allocation */
    double *X = malloc(nx * sizeof *X), *beta = malloc(k * sizeof *beta);
    double *g = malloc(m * sizeof *g), *eta = malloc(m * sizeof *eta);
    double *grad = malloc(k * sizeof *grad), *ref = malloc(k * sizeof *ref);
    assert_true(X && beta && g && eta && grad && ref);
    for (size_t i = 0; i < nx; i++)
        X[i] = (i % lda) < k ? unif(seed) * 4.0 : NAN; /* NaN in the row padding */
    double *grad0 = malloc(k * sizeof *grad0);
    assert_non_null(grad0);
    for (size_t c = 0; c < k; c++) {
        beta[c] = unif(seed);
        grad0[c] = ref[c] = unif(seed);
    }
    for (size_t r = 0; r < m; r++)
        g[r] = unif(seed);
    weighted_sum_reference(X, lda, k, g, m, ref);
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
        memcpy(grad, grad0, k * sizeof *grad);
        partreg_rows_dot(isa, X, lda, k, beta, m, eta);
        partreg_rows_weighted_sum(isa, X, lda, k, g, m, grad);
        for (size_t r = 0; r < m; r++) {
            double want = dot_reference(X + r * lda, k, beta);
            if (exact ? !same_bits(eta[r], want) : !(fabs(eta[r] - want) <= 1e-13 * (double)k))
                fail_msg("isa %d dot k=%zu lda=%zu m=%zu row %zu: %.17g, reference %.17g",
                         (int)isa, k, lda, m, r, eta[r], want);
        }
        for (size_t c = 0; c < k; c++)
            if (exact ? !same_bits(grad[c], ref[c])
                      : !(fabs(grad[c] - ref[c]) <= 1e-13 * (double)m))
                fail_msg("isa %d weighted sum k=%zu lda=%zu m=%zu entry %zu: %.17g, reference "
                         "%.17g",
                         (int)isa, k, lda, m, c, grad[c], ref[c]);
    }
    free(grad0);
    free(X);
    free(beta);
    free(g);
    free(eta);
    free(grad);
    free(ref);
}

static void test_same_bits_as_reference(void **state)
{
    (void)state;
    uint64_t seed = 99;
    static const size_t rows[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 64, 301};
    for (size_t k = 1; k <= PARTREG_ROW_PRODUCTS_MAX_K; k++)
        for (size_t s = 0; s < 3; s++)
            for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
                check_case(k, k + s * (s + 2), rows[t], &seed, 1);
}

/* Wide k goes to dgemv: the same sums up to rounding. */
static void test_wide_k(void **state)
{
    (void)state;
    uint64_t seed = 5;
    check_case(PARTREG_ROW_PRODUCTS_MAX_K + 1, PARTREG_ROW_PRODUCTS_MAX_K + 1, 40, &seed, 0);
    check_case(51, 53, 9, &seed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bits_as_reference),
        cmocka_unit_test(test_wide_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
