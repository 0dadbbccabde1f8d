/* Solver shortcuts that must not change the answer (lib/models/warm_start.c,
 * newton.c, collinear.c):
 *
 * - the warm start from a subsample gives the same estimate, standard
 *   errors and log-likelihood as the null start, in fewer passes, for the
 *   binary and the ordinal model, also when a rare dummy is absent from
 *   the subsample and when the data are sorted by the outcome;
 * - the threaded screening pass makes the same column decisions as one
 *   thread, and finds the first non-finite value of X whichever thread
 *   read it;
 * - chord steps (newton.c: a gradient-only pass whose step reuses the
 *   information of the point before, or an approximate start information
 *   such as the subsample's) give the same maximiser and the same final
 *   state as plain Newton, and are taken when they save a pass.
 * Data: 80,000 rows from a fixed LCG, warm start from 50,000 rows (the
 * default threshold; the logic does not depend on it). */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "models/binary.h"
#include "models/fit_counters.h"
#include "models/newton.h"
#include "partreg.h"
#include "testutil.h"

#define NROWS 80000
#define NCOL 6 /* intercept, 4 continuous, 1 rare dummy */

typedef struct problem {
    double *X, *yb, *yo;
} problem;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return ((double)lcg(s) + 0.5) * 0x1.0p-53; }

/* The rare dummy is 1 only in rows 3000..3099 and 50000..50049: the
 * subsample's runs (312 rows every 1250) miss the first set and hold the
 * second. */
static problem make_problem(int sorted)
{
    problem pr = {malloc(NROWS * NCOL * sizeof(double)), malloc(NROWS * sizeof(double)),
                  malloc(NROWS * sizeof(double))};
    uint64_t s = 2385;
    for (size_t i = 0; i < NROWS; i++) {
        double *x = pr.X + i * NCOL, eta = -0.35;
        x[0] = 1.0;
        for (size_t j = 1; j < NCOL - 1; j++) {
            x[j] = (unif(&s) - 0.5) * (j == 2 ? 30.0 : 2.7) + (j == 3 ? 4.25 : 0.0);
            eta += (j % 2 ? 0.55 : -0.4) * x[j] / (j == 2 ? 10.0 : 1.0);
        }
        x[NCOL - 1] = (i >= 3000 && i < 3100) || (i >= 50000 && i < 50050);
        eta += 0.8 * x[NCOL - 1];
        double u = unif(&s);
        pr.yb[i] = u < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        double lat = eta + log(u / (1.0 - u));
        pr.yo[i] = (lat > -1.2) + (lat > -0.2) + (lat > 0.7) + (lat > 1.8);
    }
    if (sorted) { /* all y = 0 rows first: each run of the subsample sees one class */
        size_t at = 0;
        for (int c = 0; c <= 1; c++)
            for (size_t i = at; i < NROWS; i++)
                if (pr.yb[i] == c) {
                    for (size_t j = 0; j < NCOL; j++) {
                        double t = pr.X[at * NCOL + j];
                        pr.X[at * NCOL + j] = pr.X[i * NCOL + j];
                        pr.X[i * NCOL + j] = t;
                    }
                    double t = pr.yb[at];
                    pr.yb[at] = pr.yb[i];
                    pr.yb[i] = t;
                    t = pr.yo[at];
                    pr.yo[at] = pr.yo[i];
                    pr.yo[i] = t;
                    at++;
                }
    }
    return pr;
}

static void free_problem(problem *pr)
{
    free(pr->X);
    free(pr->yb);
    free(pr->yo);
}

static partreg_fit *fit_with(const problem *pr, int ordinal, partreg_link link, size_t warm,
                             int threads)
{
    /* the ordinal model has no intercept column: start X at column 1 */
    partreg_data d = {NROWS,     ordinal ? NCOL - 1 : NCOL, ordinal ? pr->X + 1 : pr->X,
                      NCOL,      ordinal ? pr->yo : pr->yb, NULL,
                      ordinal ? 5 : 2, NULL, NULL};
    partreg_fit_options opt = partreg_fit_options_default();
    opt.warm_start_rows = warm;
    opt.threads = threads;
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st =
        partreg_fit_create(&d, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY, link, &opt, &fit, &err);
    if (st != PARTREG_OK)
        print_error("fit failed: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    return fit;
}

static void assert_same_fit(const partreg_fit *a, const partreg_fit *b)
{
    const gsl_vector *ca = partreg_fit_coef(a), *cb = partreg_fit_coef(b);
    for (size_t j = 0; j < ca->size; j++)
        assert_rel_floor(gsl_vector_get(ca, j), gsl_vector_get(cb, j), 1e-10, 1e-3);
    const gsl_vector *ta = partreg_fit_thresholds(a), *tb = partreg_fit_thresholds(b);
    for (size_t j = 0; ta && j < ta->size; j++)
        assert_rel_floor(gsl_vector_get(ta, j), gsl_vector_get(tb, j), 1e-10, 1e-3);
    const gsl_matrix *va = partreg_fit_vcov(a), *vb = partreg_fit_vcov(b);
    for (size_t j = 0; j < va->size1; j++)
        assert_rel(sqrt(gsl_matrix_get(va, j, j)), sqrt(gsl_matrix_get(vb, j, j)), 1e-8);
    assert_rel(partreg_fit_loglik(a), partreg_fit_loglik(b), 1e-13);
}

/* The full-data Newton from the warm start takes no more iterations than
 * from the null start (at this size the subsample is a quarter of the
 * rows, so the pass count is not the point here; bench/ measures it). */
static void check_warm(const problem *pr, int ordinal, partreg_link link)
{
    partreg_fit *cold = fit_with(pr, ordinal, link, 0, 0);
    partreg_fit *warm = fit_with(pr, ordinal, link, 50000, 0);
    assert_same_fit(warm, cold);
    print_message("passes: cold %d, warm %d (iterations %d, %d)\n", partreg_fit_passes(cold),
                  partreg_fit_passes(warm), partreg_fit_iterations(cold),
                  partreg_fit_iterations(warm));
    assert_true(partreg_fit_iterations(warm) <= partreg_fit_iterations(cold));
    /* a cold fit reads whole passes only; a warm one adds its subsample's
     * share, which partreg_fit_passes rounds up to one whole pass */
    assert_true(partreg_fit_data_passes(cold) == (double)partreg_fit_passes(cold));
    double extra = partreg_fit_data_passes(warm) - (double)(partreg_fit_passes(warm) - 1);
    assert_true(extra > 0.0 && extra <= 1.0);
    partreg_fit_free(cold);
    partreg_fit_free(warm);
}

static void test_warm_binary(void **state)
{
    (void)state;
    problem pr = make_problem(0);
    check_warm(&pr, 0, PARTREG_LOGIT);
    check_warm(&pr, 0, PARTREG_PROBIT);
    free_problem(&pr);
}

static void test_warm_ordinal(void **state)
{
    (void)state;
    problem pr = make_problem(0);
    check_warm(&pr, 1, PARTREG_LOGIT);
    check_warm(&pr, 1, PARTREG_CLOGLOG);
    free_problem(&pr);
}

/* Sorted by the outcome, the rare dummy's rows land outside the subsample:
 * its fit cannot converge, is abandoned within a pass, and the full fit
 * must still be the same. */
static void test_warm_sorted(void **state)
{
    (void)state;
    problem pr = make_problem(1);
    check_warm(&pr, 0, PARTREG_LOGIT);
    check_warm(&pr, 1, PARTREG_LOGIT);
    free_problem(&pr);
}

static void test_screen_threads(void **state)
{
    (void)state;
    problem pr = make_problem(0);
    /* make column 4 an exact combination of 1 and 2 */
    for (size_t i = 0; i < NROWS; i++)
        pr.X[i * NCOL + 4] = 2.5 * pr.X[i * NCOL + 1] - 0.75 * pr.X[i * NCOL + 2];
    partreg_fit *one = fit_with(&pr, 0, PARTREG_LOGIT, 0, 1);
    partreg_fit *two = fit_with(&pr, 0, PARTREG_LOGIT, 0, 2);
    assert_int_equal(partreg_fit_column_dropped(one, 4), 1);
    for (size_t j = 0; j < NCOL; j++)
        assert_int_equal(partreg_fit_column_dropped(one, j), partreg_fit_column_dropped(two, j));
    assert_same_fit(one, two);
    partreg_fit_free(one);
    partreg_fit_free(two);

    /* a NaN in the second thread's half, and a later Inf in the first's */
    pr.X[70000 * NCOL + 3] = NAN;
    partreg_data d = {NROWS, NCOL, pr.X, NCOL, pr.yb, NULL, 2, NULL, NULL};
    for (int threads = 1; threads <= 2; threads++) {
        partreg_fit_options opt = partreg_fit_options_default();
        opt.threads = threads;
        partreg_fit *fit = NULL;
        partreg_error err;
        assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, &opt, &fit, &err),
                         PARTREG_EDATA);
        assert_null(fit);
        assert_contains(err.message, "row 70001");
    }
    pr.X[30000 * NCOL + 1] = INFINITY;
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EDATA);
    assert_contains(err.message, "row 30001");
    free_problem(&pr);
}

/* The binary objective with its passes counted by order. */
typedef struct counted {
    partreg_objective inner;
    int passes[4]; /* by partreg_order */
} counted;

static void counted_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                               partreg_order order, partreg_accum *acc, double *scratch)
{
    counted *c = (counted *)model;
    if (begin == 0) /* one thread: the first block starts each pass */
        c->passes[order]++;
    c->inner.accumulate(c->inner.model, theta, begin, end, order, acc, scratch);
}

static partreg_newton_result solve(counted *c, double *theta, const double *start_info,
                                   partreg_accum *acc)
{
    partreg_objective obj = c->inner;
    obj.model = c;
    obj.accumulate = counted_accumulate;
    memset(c->passes, 0, sizeof c->passes);
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = 1;
    partreg_newton_result res;
    assert_int_equal(partreg_newton_maximise(&obj, theta, &opt, acc, NULL, 1, start_info, &res),
                     PARTREG_OK);
    assert_int_equal(res.reason, PARTREG_STOP_CONVERGED);
    assert_int_equal(res.passes, c->passes[1] + c->passes[2]);
    print_message("passes: %d gradient-only, %d with information\n",
                  c->passes[PARTREG_ORDER_GRADIENT], c->passes[PARTREG_ORDER_HESSIAN]);
    return res;
}

static void assert_same_state(const double *ta, const partreg_accum *a, const double *tb,
                              const partreg_accum *b, size_t k)
{
    for (size_t j = 0; j < k; j++)
        assert_rel_floor(ta[j], tb[j], 1e-10, 1e-3);
    for (size_t j = 0; j < k * k; j++) /* the information of a converged point */
        assert_rel_floor(a->info[j], b->info[j], 1e-9, 1e-6 * fabs(a->info[0]));
    assert_rel(a->loglik, b->loglik, 1e-13);
}

/* theta = the maximum plain moved by about off (relative) in every entry */
static void start_off(double *theta, const double *plain, size_t k, double off)
{
    for (size_t j = 0; j < k; j++)
        theta[j] = plain[j] + off * (1.0 + fabs(plain[j])) * (j % 2 ? 1.0 : -0.7);
}

static void test_chord_steps(void **state)
{
    (void)state;
    problem pr = make_problem(0);
    partreg_design d = {NROWS, NCOL, NCOL, pr.X, pr.yb, NULL, NULL, NCOL, 2, PARTREG_LOGIT, NULL,
                        PARTREG_KERNEL_AUTO, 0};
    counted c;
    partreg_binary_objective(&d, &c.inner);
    size_t k = NCOL;
    double plain[NCOL] = {0}, theta[NCOL];
    partreg_accum *ref = partreg_accum_alloc(k), *acc = partreg_accum_alloc(k);
    solve(&c, plain, NULL, ref);

    /* From a start about 1e-4 (relative) off the maximum the first Newton
     * step leaves about 1e-8, which needs two more full passes (1e-16 <
     * step_tol only after the second); a chord step leaves about 1e-12, and
     * one full pass then stops: one information pass is saved. */
    start_off(theta, plain, k, 1e-4);
    solve(&c, theta, NULL, acc);
    assert_int_equal(c.passes[PARTREG_ORDER_GRADIENT], 1);
    assert_int_equal(c.passes[PARTREG_ORDER_HESSIAN], 2);
    assert_same_state(plain, ref, theta, acc, k);

    /* From 1e-6 the Newton step leaves 1e-12: no chord step (it would come
     * on top of the pass that stops). */
    start_off(theta, plain, k, 1e-6);
    solve(&c, theta, NULL, acc);
    assert_int_equal(c.passes[PARTREG_ORDER_GRADIENT], 0);
    assert_same_state(plain, ref, theta, acc, k);

    /* An approximate start information (the maximum's, 30% too large, as a
     * subsample's might be): the first pass skips the information, and the
     * result is the same. */
    double *approx = malloc(k * k * sizeof *approx);
    for (size_t j = 0; j < k * k; j++)
        approx[j] = 1.3 * ref->info[j];
    start_off(theta, plain, k, 1e-2);
    partreg_newton_result res = solve(&c, theta, approx, acc);
    assert_true(c.passes[PARTREG_ORDER_GRADIENT] >= 1);
    assert_true(res.iterations >= 1);
    assert_same_state(plain, ref, theta, acc, k);

    /* A start information 1% off, from 5e-3: the step from it leaves about
     * 1.7e-4 and a second one from the same information about 2e-6, from
     * where two information passes reach step_tol (2e-6 -> 2e-11 ->
     * stop). With an information pass at 1.7e-4 instead (no start_chord)
     * this problem would take a chord step to 1.7e-7 and still need
     * three: two gradient-only and three information passes. */
    for (size_t j = 0; j < k * k; j++)
        approx[j] = 1.01 * ref->info[j];
    start_off(theta, plain, k, 5e-3);
    solve(&c, theta, approx, acc);
    assert_int_equal(c.passes[PARTREG_ORDER_GRADIENT], 2);
    assert_int_equal(c.passes[PARTREG_ORDER_HESSIAN], 2);
    assert_same_state(plain, ref, theta, acc, k);

    free(approx);
    partreg_accum_free(ref);
    partreg_accum_free(acc);
    free_problem(&pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warm_binary),
        cmocka_unit_test(test_warm_ordinal),
        cmocka_unit_test(test_warm_sorted),
        cmocka_unit_test(test_screen_threads),
        cmocka_unit_test(test_chord_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
