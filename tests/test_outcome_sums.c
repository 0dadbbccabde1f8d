/* The outcome and weight pass (lib/models/kernels/outcome_sums.c), on
 * every instruction set this machine runs (routes.h): the level sums
 * by comparison (J <= 8) are bit for bit those of the plain definition
 * (row i into stripe i mod 4 in row order, stripes added pairwise), with
 * and without weights, for row counts around the block and stripe sizes;
 * an invalid outcome or weight anywhere (first stripe row, block body, tail
 * row) is reported. On threads (partreg_outcome_sums_on) the sums are the
 * same bits at any thread count, on a team or not, agree with the one-range
 * sums to rounding, and an invalid row in any segment is reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/kernels/outcome_sums.h"
#include "routes.h"
#include "testutil.h"

/* The definition, row by row. */
static void reference(const double *y, const double *w, size_t n, size_t J, double *W,
                      double *sw, double *pos)
{
    double W4[4][16] = {{0}}, s[4] = {0}, p[4] = {0};
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        W4[i % 4][(size_t)y[i]] += wi;
        s[i % 4] += wi;
        p[i % 4] += wi > 0.0;
    }
    for (size_t c = 0; c < J; c++)
        W[c] = (W4[0][c] + W4[1][c]) + (W4[2][c] + W4[3][c]);
    *sw = (s[0] + s[1]) + (s[2] + s[3]);
    *pos = (p[0] + p[1]) + (p[2] + p[3]);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static void test_sums_match_definition(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 3, 4, 5, 511, 512, 513, 1027, 5001};
    uint64_t seed = 77;
    for (size_t J = 2; J <= 10; J++) /* 9 and 10 take the by-index path */
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
            for (int weighted = 0; weighted <= 1; weighted++) {
                size_t n = sizes[si];
                double *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
                for (size_t i = 0; i < n; i++) {
                    y[i] = (double)(lcg(&seed) % J);
                    /* weights with rounding in their sums, and zeros */
                    w[i] = lcg(&seed) % 5 == 0 ? 0.0 : (double)(lcg(&seed) % 1000) / 7.0;
                }
                double W[16], Wref[16], sw, swref, posref;
                size_t pos;
                reference(y, weighted ? w : NULL, n, J, Wref, &swref, &posref);
                for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++) {
                    memset(W, 0, sizeof W);
                    assert_int_equal(
                        partreg_outcome_sums(isa, y, weighted ? w : NULL, n, J, W, &sw, &pos), 0);
                    assert_memory_equal(W, Wref, J * sizeof *W);
                    assert_true(sw == swref);
                    assert_int_equal(pos, (size_t)posref);
                    /* without the level sums (J > n), the totals stay */
                    assert_int_equal(
                        partreg_outcome_sums(isa, y, weighted ? w : NULL, n, J, NULL, &sw, &pos),
                        0);
                    assert_true(sw == swref);
                }
                free(y);
                free(w);
            }
}

static void test_invalid_rows(void **state)
{
    (void)state;
    const size_t n = 1030; /* two blocks and a tail of two rows */
    const size_t rows[] = {0, 3, 600, 1028, 1029};
    const double bad_y[] = {NAN, -1.0, 5.0, 2.5, INFINITY, -0.5};
    const double bad_w[] = {NAN, -1.0, INFINITY, -INFINITY};
    double *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        for (size_t b = 0; b < sizeof bad_y / sizeof *bad_y; b++) {
            for (size_t i = 0; i < n; i++)
                y[i] = (double)(i % 5);
            y[rows[r]] = bad_y[b];
            double W[5] = {0}, sw;
            size_t pos;
            for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++)
                assert_int_equal(partreg_outcome_sums(isa, y, NULL, n, 5, W, &sw, &pos), 1);
        }
        for (size_t b = 0; b < sizeof bad_w / sizeof *bad_w; b++) {
            for (size_t i = 0; i < n; i++) {
                y[i] = (double)(i % 2);
                w[i] = 1.5;
            }
            w[rows[r]] = bad_w[b];
            double W[2] = {0}, sw;
            size_t pos;
            for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++)
                assert_int_equal(partreg_outcome_sums(isa, y, w, n, 2, W, &sw, &pos), 1);
        }
    }
    free(y);
    free(w);
}

/* The segmented pass on 1-3 threads, with and without a team. */
static void test_sums_on_threads(void **state)
{
    (void)state;
    const size_t n = 123457; /* many segments, the last one uneven */
    uint64_t seed = 5;
    double *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_non_null(y);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++) {
        y[i] = (double)(lcg(&seed) % 5);
        w[i] = lcg(&seed) % 5 == 0 ? 0.0 : (double)(lcg(&seed) % 1000) / 7.0;
    }
    partreg_team *team = partreg_team_start(3);
    for (int weighted = 0; weighted <= 1; weighted++) {
        const double *wt = weighted ? w : NULL;
        double W1[5] = {0}, sw1, W0[5] = {0}, sw0;
        size_t pos1, pos0;
        partreg_isa isa = test_isa_max();
        assert_int_equal(partreg_outcome_sums_on(NULL, 1, isa, y, wt, n, 5, W1, &sw1, &pos1), 0);
        assert_int_equal(partreg_outcome_sums(isa, y, wt, n, 5, W0, &sw0, &pos0), 0);
        assert_int_equal(pos1, pos0);
        assert_true(fabs(sw1 - sw0) <= 1e-12 * sw0);
        for (size_t c = 0; c < 5; c++)
            assert_true(fabs(W1[c] - W0[c]) <= 1e-12 * W0[c]);
        for (int threads = 0; threads <= 3; threads++)
            for (int on_team = 0; on_team <= 1; on_team++) {
                double W[5] = {0}, sw;
                size_t pos;
                assert_int_equal(partreg_outcome_sums_on(on_team ? team : NULL, threads, isa, y, wt, n,
                                                         5, W, &sw, &pos),
                                 0);
                assert_memory_equal(W, W1, sizeof W);
                assert_true(sw == sw1);
                assert_int_equal(pos, pos1);
            }
    }
    /* an invalid row in a later segment */
    y[n - 10] = 7.0;
    double W[5] = {0}, sw;
    size_t pos;
    assert_int_equal(partreg_outcome_sums_on(team, 2, test_isa_max(), y, NULL, n, 5, W, &sw, &pos), 1);
    partreg_team_stop(team);
    free(y);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_match_definition),
        cmocka_unit_test(test_invalid_rows),
        cmocka_unit_test(test_sums_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
