/* partreg_category_sums_add, _total and partreg_rows_category_sums
 * (lib/models/kernels/category_sums.c) against their documented order of
 * sums, on every instruction set this machine runs (routes.h).
 *
 * The per-category sums take eight rows at a time in AVX-512 lanes on the
 * AVX-512 route (for 2 to 8 categories and 2, 3 or 5 arrays), else one
 * row at a time into the same lanes; the weighted rows are read as whole
 * vectors of 4 past their k-th entry. Each must give the bits of the
 * scalar order here: for every number of categories up to 10, 1 to 5
 * arrays, row counts with and without a part-filled last group of eight,
 * calls that go on from the sums of the one before, codes outside 0..J-1
 * (in no category), and for the weighted rows every k from 1 to 40, a row
 * stride larger than k whose padding holds NaN, rows that end exactly at
 * the end of their allocation (ASan sees a read past it), and categories
 * with no rows. The lists must hold each category's rows in row order.
 * With totals (k not a multiple of 4, below 32) entry k of each slot gets
 * the sums of the weights themselves, as if the rows had an entry 1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "testutil.h"

#include "models/kernels/category_sums.h"

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53 * 2.0 - 1.0; }

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

#define LANES PARTREG_CATEGORY_LANES

/* Codes 0..J-1, with every 13th row (when odd) one that is in no category. */
static void fill_codes(double *y, size_t m, size_t J, uint64_t *seed)
{
    for (size_t r = 0; r < m; r++)
        y[r] = (r % 13 == 7 && (lcg(seed) & 1)) ? (double)J : (double)(lcg(seed) % J);
}

/* The documented order: lane r mod 8 of S[c][j] adds v[j][r], row by row. */
static void sums_reference(const double *y, size_t m, size_t J, const double *const *v,
                           size_t nq, double *S)
{
    for (size_t r = 0; r < m; r++) {
        size_t c = (size_t)y[r];
        if (c < J)
            for (size_t j = 0; j < nq; j++)
                S[LANES * (c * nq + j) + r % LANES] += v[j][r];
    }
}

/* Two calls of m1 and m2 rows on the same sums, with lists. */
static void check_sums(partreg_isa isa, size_t J, size_t nq, size_t m1, size_t m2,
                       uint64_t *seed)
{
    size_t m = m1 + m2, ns = LANES * J * nq;
    double *y = malloc(m * sizeof *y), *vals = malloc(nq * m * sizeof *vals);
    double *S = calloc(ns, sizeof *S), *R = calloc(ns, sizeof *R);
    double *tot = malloc(J * nq * sizeof *tot);
    size_t *lists = malloc(J * (m + LANES) * sizeof *lists), *counts = malloc(J * sizeof *counts);
    assert_true(y && vals && S && R && tot && lists && counts);
    fill_codes(y, m, J, seed);
    for (size_t i = 0; i < nq * m; i++)
        vals[i] = unif(seed) * 3.0;
    const double *v1[PARTREG_CATEGORY_MAX_ARRAYS], *v2[PARTREG_CATEGORY_MAX_ARRAYS];
    for (size_t j = 0; j < nq; j++) {
        v1[j] = vals + j * m;
        v2[j] = vals + j * m + m1;
    }
    partreg_category_sums_add(isa, y, m1, J, v1, nq, S, NULL, NULL);
    partreg_category_sums_add(isa, y + m1, m2, J, v2, nq, S, lists, counts);
    sums_reference(y, m1, J, v1, nq, R);
    sums_reference(y + m1, m2, J, v2, nq, R);
    for (size_t i = 0; i < ns; i++)
        if (!same_bits(S[i], R[i]))
            fail_msg("isa %d sums J=%zu nq=%zu m=%zu+%zu: lane %zu = %.17g, reference %.17g",
                     (int)isa, J, nq, m1, m2, i, S[i], R[i]);
    /* the second call's lists: each category's rows in row order */
    for (size_t c = 0; c < J; c++) {
        size_t n = 0;
        for (size_t r = 0; r < m2; r++)
            if ((size_t)y[m1 + r] == c) {
                if (n >= counts[c] || lists[c * (m2 + LANES) + n] != r)
                    fail_msg("lists J=%zu m=%zu: category %zu entry %zu", J, m2, c, n);
                n++;
            }
        assert_int_equal(counts[c], n);
    }
    partreg_category_sums_total(S, J, nq, tot);
    for (size_t i = 0; i < J * nq; i++) {
        const double *l = R + LANES * i;
        double want = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
        if (!same_bits(tot[i], want))
            fail_msg("total J=%zu nq=%zu entry %zu: %.17g, reference %.17g", J, nq, i, tot[i],
                     want);
    }
    free(y);
    free(vals);
    free(S);
    free(R);
    free(tot);
    free(lists);
    free(counts);
}

static void test_sums_same_bits(void **state)
{
    (void)state;
    uint64_t seed = 99;
    static const size_t rows[][2] = {{0, 1}, {3, 5}, {8, 8}, {13, 27}, {64, 301}, {1, 400}};
    for (size_t J = 1; J <= 10; J++)
        for (size_t nq = 1; nq <= PARTREG_CATEGORY_MAX_ARRAYS; nq++)
            for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
                for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++)
                    check_sums(isa, J, nq, rows[t][0], rows[t][1], &seed);
}

/* The weighted rows: per category from 0 in row order, then added to T. */
static void check_rows(partreg_isa isa, size_t k, size_t lda, size_t m, size_t J, int totals,
                       uint64_t *seed)
{
    size_t kp = (k + 3) & ~(size_t)3, ldt = kp + 2, nx = (m - 1) * lda + k, ke = k + (totals != 0);
    double *X = malloc(nx * sizeof *X), *y = malloc(m * sizeof *y);
    double *lw = malloc(m * sizeof *lw), *uw = malloc(m * sizeof *uw);
    double *T = malloc((J + 1) * ldt * sizeof *T), *R = malloc((J + 1) * ldt * sizeof *R);
    double *sums = malloc(2 * kp * sizeof *sums), *lo = malloc(ke * sizeof *lo);
    double *up = malloc(ke * sizeof *up), *S = calloc(LANES * 2 * J, sizeof *S);
    size_t *lists = malloc(J * (m + LANES) * sizeof *lists), *counts = malloc(J * sizeof *counts);
    assert_true(X && y && lw && uw && T && R && sums && lo && up && S && lists && counts);
    for (size_t i = 0; i < nx; i++)
        X[i] = (i % lda) < k ? unif(seed) * 4.0 : NAN;
    for (size_t r = 0; r < m; r++) {
        /* category 1 left empty when there are more than two */
        y[r] = (double)(lcg(seed) % J);
        if (J > 2 && y[r] == 1.0)
            y[r] = 0.0;
        lw[r] = unif(seed);
        uw[r] = unif(seed);
    }
    for (size_t i = 0; i < (J + 1) * ldt; i++)
        T[i] = R[i] = unif(seed);
    const double *v[] = {lw, uw};
    partreg_category_sums_add(isa, y, m, J, v, 2, S, lists, counts);
    partreg_rows_category_sums(isa, X, lda, k, totals, m, J, lists, counts, lw, uw, sums, T, ldt);
    for (size_t c = 0; c < J; c++) {
        memset(lo, 0, ke * sizeof *lo);
        memset(up, 0, ke * sizeof *up);
        for (size_t r = 0; r < m; r++)
            if ((size_t)y[r] == c) {
                for (size_t e = 0; e < k; e++) {
                    lo[e] += lw[r] * X[r * lda + e];
                    up[e] += uw[r] * X[r * lda + e];
                }
                if (totals) { /* x read as having an entry k = 1 */
                    lo[k] += lw[r];
                    up[k] += uw[r];
                }
            }
        for (size_t e = 0; e < ke; e++) {
            if (c >= 1)
                R[c * ldt + e] += lo[e];
            if (c + 2 <= J)
                R[(c + 1) * ldt + e] += up[e];
        }
    }
    for (size_t s = 0; s <= J; s++)
        for (size_t e = 0; e < ke; e++)
            if (!same_bits(T[s * ldt + e], R[s * ldt + e]))
                fail_msg("isa %d rows k=%zu lda=%zu m=%zu J=%zu totals=%d slot %zu entry %zu: "
                         "%.17g, reference %.17g",
                         (int)isa, k, lda, m, J, totals, s, e, T[s * ldt + e], R[s * ldt + e]);
    free(X);
    free(y);
    free(lw);
    free(uw);
    free(T);
    free(R);
    free(sums);
    free(lo);
    free(up);
    free(S);
    free(lists);
    free(counts);
}

static void test_rows_same_bits(void **state)
{
    (void)state;
    uint64_t seed = 7;
    static const size_t rows[] = {1, 2, 5, 9, 64, 300};
    for (size_t k = 1; k <= 40; k++)
        for (size_t s = 0; s < 2; s++)
            for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++)
                for (int totals = 0; totals <= partreg_rows_category_totals(k); totals++)
                    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++)
                        check_rows(isa, k, k + 3 * s, rows[t], 2 + (k + t) % 6, totals, &seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_same_bits),
        cmocka_unit_test(test_rows_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
