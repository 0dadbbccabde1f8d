/* partreg_screen_sums and partreg_screen_centre
 * (lib/models/kernels/screen_rows.c) against the order of the screening's
 * own loops (kernels/screen_block.c).
 *
 * On the AVX-512 route (tested where the machine runs it, routes.h) the
 * screening's block loops run in vector
 * registers, reading each row as p rounded up to 4 entries, the last
 * vector under a mask past the caller's `safe` rows. They must give the
 * same bits as the scalar order here (sums four rows at a time as
 * (x0 + x1) + (x2 + x3), then row by row; minima and maxima as
 * x < y ? x : y and x > y ? x : y), for every p from 1 to 16, row counts
 * with and without a part-filled last quad, a row stride larger than p
 * whose padding holds NaN, rows that end exactly at the end of their
 * allocation (ASan sees a read past it), running minima and maxima and
 * sums that go on from earlier values, and the centred copy must write
 * nothing past its m rows. Where the functions decline (another route,
 * p > 16) they return 0 and touch nothing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "testutil.h"

#include "models/kernels/screen_rows.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53 * 2.0 - 1.0; }

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static double lesser(double a, double b) { return a < b ? a : b; }
static double greater(double a, double b) { return a > b ? a : b; }

static void sums_reference(const double *X, size_t ldx, size_t p, size_t m, double *s, double *lo,
                           double *hi)
{
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *x0 = X + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
        for (size_t j = 0; j < p; j++) {
            double a = x0[j], b = x1[j], c = x2[j], d = x3[j];
            s[j] += (a + b) + (c + d);
            lo[j] = lesser(lesser(lesser(a, b), lesser(c, d)), lo[j]);
            hi[j] = greater(greater(greater(a, b), greater(c, d)), hi[j]);
        }
    }
    for (; r < m; r++)
        for (size_t j = 0; j < p; j++) {
            double x = X[r * ldx + j];
            s[j] += x;
            lo[j] = lesser(x, lo[j]);
            hi[j] = greater(x, hi[j]);
        }
}

/* m rows of p columns at stride ldx, the last row ending at the end of
 * the allocation; the padding between rows is NaN. safe: the rows whose
 * reads rounded up to 4 entries stay inside. */
static double *make_rows(size_t p, size_t ldx, size_t m, size_t *safe, uint64_t *seed)
{
    size_t total = m ? (m - 1) * ldx + p : 1, kp = (p + 3) / 4 * 4;
    double *X = malloc(total * sizeof *X);
    for (size_t i = 0; i < total; i++)
        X[i] = (i % ldx) < p ? 100.0 * unif(seed) : NAN;
    *safe = 0;
    while (*safe < m && *safe * ldx + kp <= total)
        (*safe)++;
    return X;
}

static void check_sums(size_t p, size_t ldx, size_t m, uint64_t *seed)
{
    size_t safe;
    double *X = make_rows(p, ldx, m, &safe, seed);
    double s[16], lo[16], hi[16], rs[16], rlo[16], rhi[16], guard[3];
    for (size_t j = 0; j < p; j++) { /* go on from earlier values */
        rs[j] = s[j] = unif(seed);
        rlo[j] = lo[j] = 10.0 * unif(seed);
        rhi[j] = hi[j] = 10.0 * unif(seed);
    }
    double *ends[3] = {s + p, lo + p, hi + p};
    for (size_t i = 0; i < 3 && p < 16; i++) /* entries past p must stay untouched */
        guard[i] = *ends[i] = -7.25;
    sums_reference(X, ldx, p, m, rs, rlo, rhi);
    int done = partreg_screen_sums(test_isa_max(), X, ldx, p, m, safe, s, lo, hi);
    assert_int_equal(done, test_isa_max() >= PARTREG_ISA_AVX512);
    if (done) {
        for (size_t j = 0; j < p; j++) {
            assert_true(same_bits(s[j], rs[j]));
            assert_true(same_bits(lo[j], rlo[j]));
            assert_true(same_bits(hi[j], rhi[j]));
        }
        for (size_t i = 0; i < 3 && p < 16; i++)
            assert_true(same_bits(*ends[i], guard[i]));
    }
    free(X);
}

static void check_centre(size_t p, size_t ldx, size_t m, uint64_t *seed)
{
    size_t safe;
    double *X = make_rows(p, ldx, m, &safe, seed), mean[16];
    for (size_t j = 0; j < p; j++)
        mean[j] = 50.0 * unif(seed);
    size_t nz = m * p + 8;
    double *Z = malloc(nz * sizeof *Z);
    for (size_t i = 0; i < nz; i++)
        Z[i] = -7.25;
    int done = partreg_screen_centre(test_isa_max(), X, ldx, p, m, safe, mean, Z);
    assert_int_equal(done, test_isa_max() >= PARTREG_ISA_AVX512);
    if (done) {
        for (size_t r = 0; r < m; r++)
            for (size_t j = 0; j < p; j++)
                assert_true(same_bits(Z[r * p + j], X[r * ldx + j] - mean[j]));
        for (size_t i = m * p; i < nz; i++) /* nothing past the m rows */
            assert_true(same_bits(Z[i], -7.25));
    }
    free(Z);
    free(X);
}

static void test_sums_same_bits(void **state)
{
    (void)state;
    uint64_t seed = 11;
    for (size_t p = 1; p <= 16; p++)
        for (size_t m = 0; m <= 13; m++) {
            check_sums(p, p, m, &seed);
            check_sums(p, p + 3, m, &seed);
        }
    check_sums(10, 10, 256, &seed);
    check_sums(10, 13, 255, &seed);
}

static void test_centre_same_bits(void **state)
{
    (void)state;
    uint64_t seed = 12;
    for (size_t p = 1; p <= 16; p++)
        for (size_t m = 1; m <= 13; m++) {
            check_centre(p, p, m, &seed);
            check_centre(p, p + 3, m, &seed);
        }
    check_centre(10, 10, 256, &seed);
}

static void test_declines_wide_rows(void **state)
{
    (void)state;
    double x[17] = {0}, s[17] = {0}, lo[17] = {0}, hi[17] = {0}, z[17];
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
        assert_int_equal(partreg_screen_sums(isa, x, 17, 17, 1, 1, s, lo, hi), 0);
        assert_int_equal(partreg_screen_centre(isa, x, 17, 17, 1, 1, s, z), 0);
        assert_int_equal(partreg_screen_sums(isa, x, 1, 0, 1, 1, s, lo, hi), 0);
    }
    /* the other routes decline every p */
    assert_int_equal(partreg_screen_sums(PARTREG_ISA_AVX2, x, 10, 10, 1, 1, s, lo, hi), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_same_bits),
        cmocka_unit_test(test_centre_same_bits),
        cmocka_unit_test(test_declines_wide_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
