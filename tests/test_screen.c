/* Column screening (lib/models/collinear.c) on designs whose answer is
 * known by construction.
 *
 * The screening pass keeps rows of zero weight out of the sums, minima and
 * maxima but checks their values for finiteness; it lists the other rows
 * and takes them four at a time in blocks of 256, with separate unweighted,
 * weighted and zero-weight paths, and for more than 32 columns hands the
 * cross-products to dsyrk. The designs here cover each of those: n below,
 * at and off multiples of 4 and of the block (1, 3, 5, 257, 1003, and
 * 45007, which two threads split), p = 1, 7 and 40, row strides above p,
 * no weights, positive weights, and weights with zeros (about one row in
 * five, and a whole block of them).
 *
 * Expected decisions (the rule of collinear.h: drop j when
 * sqrt(1 - R^2) < tol = 1e-7, constant columns by minimum = maximum over
 * the rows of non-zero weight):
 * - an exact combination 2.5 x1 - 0.75 x2 has 1 - R^2 at rounding level
 *   (about 1e-30): dropped; the same plus noise of relative size 1e-3 has
 *   sqrt(1 - R^2) about 1e-3: kept (four orders of magnitude each side);
 * - a column equal to 2.385 (or to 0) on the rows of non-zero weight is
 *   constant (or zero) whatever its zero-weight rows hold; a column that
 *   is collinear on the rows of non-zero weight likewise;
 * - one NaN or infinity anywhere, zero weight or not: PARTREG_EDATA;
 *   finite values whose sum overflows are not an error. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "routes.h"
#include "testutil.h"

#include "models/collinear.h"

#define TOL 1e-7
#define MAXP 40

typedef struct design {
    size_t n, p, ldx;
    double *X, *y, *w;
    unsigned char want[MAXP]; /* expected PARTREG_KEEP / DROP_* for a binary model */
} design;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return ((double)lcg(s) + 0.5) * 0x1.0p-53; }

/* Weights: 0 none, 1 positive, 2 about one row in five zero, the rows of
 * the second block all zero, and the last row zero. */
static int zero_weight(const design *d, int weights, size_t i)
{
    return weights == 2 && (i % 5 == 3 || (i >= 256 && i < 512) || i + 1 == d->n);
}

/* Column roles for p >= 7: 0 intercept; 1, 2 uniform on different scales
 * (2 offset by 1e4, so its centring matters); 3 = 2.5 x1 - 0.75 x2 (drop);
 * 4 = 2.385 (constant: drop); 5 = 0 (drop); 6 = x3 + 1e-3 noise (keep);
 * from 7 on uniform, except that the last of 40 columns is
 * x7 - 3.25 x8 (drop, in the dsyrk path). Zero-weight rows get other
 * values in every column, so each role holds only over the rest. p = 1: a
 * single column of ones, the binary intercept. */
static design make_design(size_t n, size_t p, size_t pad, int weights, uint64_t seed)
{
    design d = {n, p, p + pad, NULL, NULL, NULL, {0}};
    uint64_t s = seed;
    d.X = malloc(n * d.ldx * sizeof *d.X);
    d.y = malloc(n * sizeof *d.y);
    d.w = weights ? malloc(n * sizeof *d.w) : NULL;
    assert_non_null(d.X);
    assert_non_null(d.y);
    for (size_t i = 0; i < n; i++) {
        double *x = d.X + i * d.ldx;
        int zero = zero_weight(&d, weights, i);
        if (weights)
            d.w[i] = zero ? 0.0 : 0.25 + 2.385 * unif(&s);
        d.y[i] = (double)(i % 3 == 1);
        x[0] = 1.0;
        for (size_t j = 1; j < p; j++)
            x[j] = (unif(&s) - 0.4) * (j == 2 ? 3.1 : 1.7) + (j == 2 ? 1e4 : 0.0);
        if (p >= 7) {
            x[3] = 2.5 * x[1] - 0.75 * x[2];
            x[4] = 2.385;
            x[5] = 0.0;
            x[6] = x[3] + 1e-3 * (unif(&s) - 0.5);
        }
        if (p == MAXP)
            x[p - 1] = x[7] - 3.25 * x[8];
        if (zero) /* break every pattern on the rows that do not count */
            for (size_t j = 0; j < p; j++)
                x[j] = 7.5 + 100.0 * unif(&s);
        for (size_t j = p; j < d.ldx; j++)
            x[j] = NAN; /* the padding is never read as data */
    }
    if (p >= 7) {
        d.want[3] = PARTREG_DROP_COLLINEAR;
        d.want[4] = PARTREG_DROP_CONSTANT;
        d.want[5] = PARTREG_DROP_ZERO;
    }
    if (p == MAXP)
        d.want[p - 1] = PARTREG_DROP_COLLINEAR;
    return d;
}

static void free_design(design *d)
{
    free(d->X);
    free(d->y);
    free(d->w);
}

static partreg_data data_of(const design *d)
{
    partreg_data pd = {d->n, d->p, d->X, d->ldx, d->y, d->w, 2, NULL, NULL};
    return pd;
}

/* Screen d as a binary and as an ordinal model on `threads` threads and
 * check every decision against d->want. */
static void check_design_on(const design *d, int threads, partreg_isa isa)
{
    partreg_data pd = data_of(d);
    for (int ordinal = 0; ordinal <= 1; ordinal++) {
        unsigned char why[MAXP];
        size_t kept[MAXP], pk = 0, icol = 99, nkeep = 0;
        int has_int = -1;
        double ival = 0.0;
        partreg_status st =
            partreg_screen_columns(&pd, ordinal, TOL, threads, NULL, isa,
                                   why, kept, &pk, &has_int, &icol, &ival, NULL);
        assert_int_equal(st, PARTREG_OK);
        for (size_t j = 0; j < d->p; j++) {
            /* an ordinal model drops the intercept too: the thresholds absorb it */
            unsigned char want = ordinal && j == 0 ? PARTREG_DROP_CONSTANT : d->want[j];
            if (why[j] != want)
                print_error("n %zu p %zu ldx %zu %s threads %d: column %zu is %d, want %d\n",
                            d->n, d->p, d->ldx, ordinal ? "ordinal" : "binary", threads, j,
                            why[j], want);
            assert_int_equal(why[j], want);
            if (want == PARTREG_KEEP)
                assert_int_equal(kept[nkeep++], j);
        }
        assert_int_equal(pk, nkeep);
        assert_int_equal(has_int, !ordinal);
        if (!ordinal) {
            assert_int_equal(icol, 0);
            assert_true(ival == 1.0);
        }
    }
}

/* ... on every instruction set this machine runs (routes.h): the same
 * decisions. */
static void check_design(const design *d, int threads)
{
    for (partreg_isa isa = PARTREG_ISA_BASE; isa <= test_isa_max(); isa++)
        check_design_on(d, threads, isa);
}

/* Every size, stride and weighting, one thread, and two where n allows. */
static void test_screen_decisions(void **state)
{
    (void)state;
    static const size_t ns[] = {1, 3, 5, 257, 1003, 45007};
    static const size_t ps[] = {1, 7, MAXP};
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof ps / sizeof *ps; b++)
            for (int weights = 0; weights <= 2; weights++)
                for (size_t pad = 0; pad <= 3; pad += 3) {
                    size_t n = ns[a], p = ps[b];
                    /* a design needs more rows of non-zero weight than
                     * columns for its roles to be determined (and the one
                     * row of n = 1 would have zero weight) */
                    if ((p > 1 || weights == 2) && n < 257)
                        continue;
                    design d = make_design(n, p, pad, weights, 2385 + 7 * n + p);
                    check_design(&d, 1);
                    if (n > 40000)
                        check_design(&d, 2);
                    free_design(&d);
                }
}

/* A few rows: only the intercept column, decided over the rows of
 * non-zero weight (n = 1, 3, 5 with and without weights). */
static void test_screen_short(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 5; n += 2)
        for (int weights = 0; weights <= 1; weights++) {
            design d = make_design(n, 1, 0, weights, 17 + n);
            check_design(&d, 1);
            free_design(&d);
        }
}

static partreg_status screen_status(const design *d, int threads)
{
    partreg_data pd = data_of(d);
    unsigned char why[MAXP];
    size_t kept[MAXP], pk, icol;
    int has_int;
    double ival;
    return partreg_screen_columns(&pd, 0, TOL, threads, NULL, test_isa_max(), why, kept, &pk,
                                  &has_int, &icol, &ival, NULL);
}

/* One non-finite value makes the pass fail wherever it is: a zero-weight
 * row (alone in its block or not), a weighted row, an unweighted row, the
 * last row of a block that is not full, the last column of a wide design;
 * on one thread and on two. Each design is restored and passes again. */
static void test_screen_nonfinite(void **state)
{
    (void)state;
    static const double bad[] = {NAN, INFINITY, -INFINITY};
    static const size_t ps[] = {1, 7, MAXP};
    for (size_t b = 0; b < sizeof ps / sizeof *ps; b++)
        for (int weights = 0; weights <= 2; weights++) {
            design d = make_design(45007, ps[b], 1, weights, 99 + ps[b]);
            size_t p = d.p;
            /* rows: zero weight (when weighted) in a block with others, in
             * the all-zero block, positive weight, the very last row */
            size_t rows[] = {3, 300, 4, 22001, 45006, 30002};
            for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
                for (size_t k = 0; k < 3; k++) {
                    size_t i = rows[r], j = (r + k) % p;
                    double keep = d.X[i * d.ldx + j];
                    d.X[i * d.ldx + j] = bad[k];
                    for (int threads = 1; threads <= 2; threads++)
                        assert_int_equal(screen_status(&d, threads), PARTREG_EDATA);
                    d.X[i * d.ldx + j] = keep;
                }
            assert_int_equal(screen_status(&d, 1), PARTREG_OK);
            free_design(&d);
        }
}

/* Finite values whose column sum overflows (two of 1.5e308 in a
 * zero-weight row each, in one block) are not an error, and the
 * zero-weight rows still do not count. */
static void test_screen_overflow_zero_weight(void **state)
{
    (void)state;
    design d = make_design(1003, 7, 0, 2, 4242);
    assert_true(zero_weight(&d, 2, 3) && zero_weight(&d, 2, 8));
    for (size_t j = 0; j < d.p; j++) {
        d.X[3 * d.ldx + j] = 1.5e308;
        d.X[8 * d.ldx + j] = 1.5e308;
    }
    check_design(&d, 1);
    free_design(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_screen_decisions),
        cmocka_unit_test(test_screen_short),
        cmocka_unit_test(test_screen_nonfinite),
        cmocka_unit_test(test_screen_overflow_zero_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
