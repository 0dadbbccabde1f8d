/* The fast row scores of the logit models (lib/models/score_rows.c)
 * against the reference routes they replace (binary.c's and ordinal.c's
 * partreg_*_reference_row_scores), row by row: weights (zero ones
 * included), dropped columns, linear predictors far in the tails (the
 * ordinal rows beyond the kernel's range take the reference terms), every
 * number of levels; blocks of every length, as the covariance passes cut
 * them. Tolerance: the kernel's exp is within 1 ulp of libm's and its
 * ordinal ratios are formed in another order (score_rows.c), so each
 * score agrees to a few ulps of the row's largest score; where two
 * thresholds are close (0.01 apart here) the reference route's
 * log(F(b) - F(a)) loses digits that the kernel's expm1 keeps, and the
 * two differ by 2e-13: asserted at TOL of the row's largest score. The
 * scores' sums over runs of rows (score_sums) against the row scores
 * summed run by run, at TOL of the sum of their magnitudes. And
 * the sandwich covariance the fit installs is the one the reference
 * scores give. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "models/binary.h"
#include "models/fit_internal.h"
#include "models/ordinal.h"
#include "models/kernels/score_rows.h"

#define TOL 1e-12

typedef struct gen {
    uint64_t s;
} gen;

static double unif(gen *g)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(g->s >> 11) + 0.5) / 9007199254740992.0;
}

typedef void (*scores_fn)(const void *, const double *, size_t, size_t, double *, double *);

/* Both routes over rows [0, n) in blocks of `block`; every entry within
 * TOL of the row's largest reference score. */
static void compare_rows(const partreg_design *d, const double *theta, size_t k, scores_fn fast,
                         scores_fn ref, size_t block, size_t scratch_doubles)
{
    size_t n = d->n;
    double *Sf = malloc(n * k * sizeof *Sf), *Sr = malloc(n * k * sizeof *Sr);
    double *scratch = malloc(scratch_doubles * sizeof *scratch);
    assert_true(Sf && Sr && scratch);
    for (size_t b = 0; b < n; b += block) {
        size_t e = b + block < n ? b + block : n;
        fast(d, theta, b, e, Sf + b * k, scratch);
        ref(d, theta, b, e, Sr + b * k, scratch);
    }
    for (size_t i = 0; i < n; i++) {
        double big = 0.0;
        for (size_t j = 0; j < k; j++)
            big = fabs(Sr[i * k + j]) > big ? fabs(Sr[i * k + j]) : big;
        for (size_t j = 0; j < k; j++)
            assert_rel_floor(Sf[i * k + j], Sr[i * k + j], TOL, big > 0 ? big : 1e-300);
    }
    free(Sf);
    free(Sr);
    free(scratch);
}

typedef void (*sums_fn)(const void *, const double *, size_t, size_t, const size_t *, size_t,
                        double, double *, double *);

/* The run sums of `fast` over rows [b, e) of every segment cut by
 * `block` against the scores of `ref` (the same route's row scores, which
 * compare_rows holds to the reference's) summed run by run: runs of 1 to
 * about 3 x `run` rows (so that they cross the kernels' chunks), times
 * 1/4. Each sum within TOL of the sum of its run's |scores|. */
static void compare_sums(const partreg_design *d, const double *theta, size_t k, sums_fn fast,
                         scores_fn ref, size_t block, size_t run, size_t scratch_doubles)
{
    size_t n = d->n;
    double *S = malloc(n * k * sizeof *S), *scratch = malloc(scratch_doubles * sizeof *scratch);
    size_t *start = malloc(n * sizeof *start);
    double *got = calloc(n * k, sizeof *got), *want = calloc(n * k, sizeof *want);
    double *mag = calloc(n * k, sizeof *mag);
    assert_true(S && scratch && start && got && want && mag);
    ref(d, theta, 0, n, S, scratch);
    gen g = {run};
    for (size_t b = 0; b < n; b += block) {
        size_t e = b + block < n ? b + block : n, nruns = 0;
        for (size_t i = b; i < e; i += 1 + (size_t)(unif(&g) * 3.0 * (double)run))
            start[nruns++] = i;
        memset(got, 0, nruns * k * sizeof *got);
        memset(want, 0, nruns * k * sizeof *want);
        memset(mag, 0, nruns * k * sizeof *mag);
        fast(d, theta, b, e, start, nruns, 0.25, got, scratch);
        for (size_t q = 0; q < nruns; q++)
            for (size_t i = start[q]; i < (q + 1 < nruns ? start[q + 1] : e); i++)
                for (size_t j = 0; j < k; j++) {
                    want[q * k + j] += S[i * k + j] * 0.25;
                    mag[q * k + j] += fabs(S[i * k + j]) * 0.25;
                }
        for (size_t q = 0; q < nruns * k; q++)
            assert_rel_floor(got[q], want[q], TOL, mag[q] > 0 ? mag[q] : 1e-300);
    }
    free(S);
    free(scratch);
    free(start);
    free(got);
    free(want);
    free(mag);
}

/* n rows of p columns, spread so that the linear predictors of some
 * (with `far`, a row in 97 a hundred times farther) reach into the tails;
 * weights with zeros. */
static void make_rows(size_t n, size_t p, size_t J, uint64_t seed, double spread, int far,
                      double *X, double *y, double *w)
{
    gen g = {seed};
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < p; c++)
            X[i * p + c] = (unif(&g) - 0.5) * (far && i % 97 == 0 ? 100.0 * spread : spread);
        y[i] = (double)(size_t)(unif(&g) * (double)J);
        w[i] = i % 13 == 0 ? 0.0 : 0.25 + 3.0 * unif(&g);
    }
}

static void test_binary(void **state)
{
    (void)state;
    size_t n = 3001, p = 6;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    make_rows(n, p, 2, 3, 4.0, 1, X, y, w);
    double beta[6] = {0.83, -1.7, 0.41, 2.9, -0.07, 12.5};
    size_t cols[4] = {0, 2, 3, 5};
    const size_t blocks[] = {1, 7, 64, 500, 3001};
    for (int weighted = 0; weighted < 2; weighted++)
        for (int dropped = 0; dropped < 2; dropped++) {
            partreg_design d = {n,           p,  p, X, y, weighted ? w : NULL, dropped ? cols : NULL,
                                dropped ? 4 : p, 2, PARTREG_LOGIT, NULL, PARTREG_KERNEL_AUTO, 0};
            double b4[4] = {beta[0], beta[2], beta[3], beta[5]};
            for (size_t t = 0; t < sizeof blocks / sizeof *blocks; t++)
            {
                compare_rows(&d, dropped ? b4 : beta, d.pk, partreg_binary_logit_row_scores,
                             partreg_binary_reference_row_scores, blocks[t],
                             partreg_score_rows_scratch(d.pk, 2) + 8 * p);
                compare_sums(&d, dropped ? b4 : beta, d.pk, partreg_binary_logit_score_sums,
                             partreg_binary_logit_row_scores, blocks[t], 1 + 100 * t,
                             partreg_score_rows_scratch(d.pk, 2) + 8 * p);
            }
        }
    free(X);
    free(y);
    free(w);
}

static void test_ordinal(void **state)
{
    (void)state;
    size_t n = 2503, p = 5;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    double beta[5] = {0.61, -1.3, 0.08, 2.2, -0.9};
    size_t cols[3] = {1, 3, 4};
    for (size_t J = 2; J <= 6; J++) {
        /* at J = 4 the linear predictors reach |eta| in the hundreds, and
         * beyond the kernel's range (the reference terms) */
        make_rows(n, p, J, 100 + J, J == 4 ? 40.0 : 3.0, J == 4, X, y, w);
        double theta[5 + 5], th3[3 + 5];
        memcpy(theta, beta, sizeof beta);
        th3[0] = beta[1];
        th3[1] = beta[3];
        th3[2] = beta[4];
        /* increasing, two of them close from J = 5 (where the rows stay
         * within the kernel's range: far out, the reference route's error
         * at close thresholds grows with |eta|) */
        for (size_t j = 0; j + 1 < J; j++)
            theta[5 + j] = th3[3 + j] = -1.9 + 1.3 * (double)j - (j == 2 && J >= 5 ? 1.29 : 0.0);
        for (int weighted = 0; weighted < 2; weighted++)
            for (int dropped = 0; dropped < 2; dropped++) {
                partreg_design d = {n, p, p, X, y, weighted ? w : NULL, dropped ? cols : NULL,
                                    dropped ? 3 : p, J, PARTREG_LOGIT, NULL, PARTREG_KERNEL_AUTO, 0};
                compare_rows(&d, dropped ? th3 : theta, d.pk + J - 1,
                             partreg_ordinal_logit_row_scores,
                             partreg_ordinal_reference_row_scores, 257,
                             partreg_score_rows_scratch(d.pk, J) + 8 * p);
                for (size_t run = 1; run <= 400; run *= 20)
                    compare_sums(&d, dropped ? th3 : theta, d.pk + J - 1,
                                 partreg_ordinal_logit_score_sums,
                                 partreg_ordinal_logit_row_scores, 1000, run,
                                 partreg_score_rows_scratch(d.pk, J) + 8 * p);
            }
    }
    free(X);
    free(y);
    free(w);
}

/* The objectives of the logit fits take the fast route, and the HC1
 * covariance the fit installs is the reference scores' sandwich. */
static void test_sandwich(void **state)
{
    (void)state;
    size_t n = 1800, p = 4;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_true(X && y && w);
    for (size_t J = 2; J <= 4; J += 2) {
        make_rows(n, p, J, 7 * J, 2.0, 0, X, y, w);
        for (size_t i = 0; i < n; i++)
            X[i * p] = J == 2 ? 1.0 : X[i * p]; /* an intercept for the binary model */
        partreg_data data = {n, p, X, 0, y, w, J, NULL, NULL};
        partreg_fit *fit = NULL;
        assert_int_equal(partreg_fit_create(&data, J == 2 ? PARTREG_BINARY : PARTREG_ORDINAL,
                                            PARTREG_LOGIT, NULL, &fit, NULL),
                         PARTREG_OK);
        assert_int_equal(partreg_fit_set_vcov(fit, &data, PARTREG_VCOV_HC1, NULL, 0, NULL),
                         PARTREG_OK);
        partreg_design d;
        partreg_objective obj;
        partreg_fit_design(fit, &data, &d);
        partreg_fit_objective(fit, &d, &obj);
        scores_fn ref = J == 2 ? partreg_binary_reference_row_scores
                               : partreg_ordinal_reference_row_scores;
        assert_true(obj.row_scores == (J == 2 ? partreg_binary_logit_row_scores
                                              : partreg_ordinal_logit_row_scores));
        size_t k = fit->k;
        double *S = malloc(n * k * sizeof *S), *scratch = malloc(obj.scratch_doubles * sizeof *S);
        double *M = calloc(k * k, sizeof *M), *T = calloc(k * k, sizeof *T);
        assert_true(S && scratch && M && T);
        ref(&d, fit->theta->data, 0, n, S, scratch);
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < k; a++)
                for (size_t c = 0; c < k; c++)
                    M[a * k + c] += S[i * k + a] * S[i * k + c];
        const double *Bd = fit->bread->data;
        for (size_t a = 0; a < k; a++) /* T = B M */
            for (size_t c = 0; c < k; c++)
                for (size_t e = 0; e < k; e++)
                    T[a * k + c] += Bd[a * k + e] * M[e * k + c];
        double factor = (double)n / (double)(n - k);
        for (size_t a = 0; a < k; a++)
            for (size_t c = 0; c < k; c++) {
                double v = 0.0;
                for (size_t e = 0; e < k; e++)
                    v += T[a * k + e] * Bd[e * k + c];
                double got = gsl_matrix_get(fit->vcov, fit->full_of[a], fit->full_of[c]);
                double scale = sqrt(gsl_matrix_get(fit->vcov, fit->full_of[a], fit->full_of[a]) *
                                    gsl_matrix_get(fit->vcov, fit->full_of[c], fit->full_of[c]));
                assert_rel_floor(got, factor * v, 1e-12, scale);
            }
        free(S);
        free(scratch);
        free(M);
        free(T);
        partreg_fit_free(fit);
    }
    free(X);
    free(y);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_ordinal),
        cmocka_unit_test(test_sandwich),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
