/* Worker threads shared by fits (partreg_workers, lib/core/workers.c): a
 * fit on the workers gives the same bits as a fit on threads of its own
 * (binary and ordinal, any thread count asked for), the workers serve
 * many fits in a row, two threads fitting at once on one set of workers
 * both succeed with the same bits (one of them runs on threads of its
 * own), a fit keeps no reference to them (its Brant test, which refits,
 * runs after they are freed), and bad arguments are refused. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_inference.h"
#include "testutil.h"

#define NROWS 30000
#define NCOL 4

typedef struct problem {
    double X[NROWS * NCOL];
    double yb[NROWS], yo[NROWS];
} problem;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s)
{
    return (double)lcg(s) / 9007199254740992.0; /* [0, 1) */
}

static problem *make_problem(void)
{
    problem *pr = malloc(sizeof *pr);
    if (!pr)
        return NULL;
    uint64_t seed = 11;
    for (size_t i = 0; i < NROWS; i++) {
        double eta = 0.0;
        for (size_t j = 0; j < NCOL; j++) {
            double x = unif(&seed) * 2.0 - 1.0;
            pr->X[i * NCOL + j] = x;
            eta += (0.4 - 0.25 * (double)j) * x;
        }
        double u = unif(&seed), lat = eta + log(u / (1.0 - u)); /* logistic latent */
        pr->yb[i] = lat > 0.2;
        pr->yo[i] = lat < -1.0 ? 0 : lat < 0.0 ? 1 : lat < 1.2 ? 2 : 3;
    }
    return pr;
}

/* one fit; its coefficients, thresholds and loglik into out (NCOL + 4) */
static void fit_into(const problem *pr, int ordinal, int threads, partreg_workers *w,
                     double *out)
{
    partreg_data d = {NROWS, NCOL, pr->X, NCOL, ordinal ? pr->yo : pr->yb, NULL,
                      ordinal ? 4 : 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    o.workers = w;
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY,
                                        PARTREG_LOGIT, &o, &fit, NULL),
                     PARTREG_OK);
    memset(out, 0, (NCOL + 4) * sizeof *out);
    const gsl_vector *b = partreg_fit_coef(fit);
    for (size_t j = 0; j < b->size; j++)
        out[j] = gsl_vector_get(b, j);
    if (ordinal)
        for (size_t j = 0; j < 3; j++)
            out[NCOL + j] = gsl_vector_get(partreg_fit_thresholds(fit), j);
    out[NCOL + 3] = partreg_fit_loglik(fit);
    partreg_fit_free(fit);
}

static void test_same_bits(void **state)
{
    const problem *pr = *state;
    const int sizes[] = {0, 1, 2, 3};
    for (int ordinal = 0; ordinal < 2; ordinal++) {
        double own[NCOL + 4], on[NCOL + 4];
        fit_into(pr, ordinal, 0, NULL, own);
        for (size_t s = 0; s < 4; s++) {
            partreg_workers *w = NULL;
            assert_int_equal(partreg_workers_create(sizes[s], &w, NULL), PARTREG_OK);
            assert_non_null(w);
            for (int threads = 0; threads <= 3; threads++)
                for (int rep = 0; rep < 3; rep++) { /* the workers serve fit after fit */
                    fit_into(pr, ordinal, threads, w, on);
                    assert_memory_equal(on, own, sizeof own);
                }
            partreg_workers_free(w);
        }
    }
}

typedef struct job {
    const problem *pr;
    partreg_workers *w;
    double out[NCOL + 4];
} job;

static void *fit_job(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 5; rep++)
        fit_into(j->pr, 1, 0, j->w, j->out);
    return NULL;
}

static void test_shared_by_two_threads(void **state)
{
    const problem *pr = *state;
    double own[NCOL + 4];
    fit_into(pr, 1, 0, NULL, own);
    partreg_workers *w = NULL;
    assert_int_equal(partreg_workers_create(2, &w, NULL), PARTREG_OK);
    job a = {pr, w, {0}}, b = {pr, w, {0}};
    pthread_t ta;
    assert_int_equal(pthread_create(&ta, NULL, fit_job, &a), 0);
    fit_job(&b);
    pthread_join(ta, NULL);
    assert_memory_equal(a.out, own, sizeof own);
    assert_memory_equal(b.out, own, sizeof own);
    partreg_workers_free(w);
}

static void test_lent_for_the_call(void **state)
{
    const problem *pr = *state;
    partreg_data d = {NROWS, NCOL, pr->X, NCOL, pr->yo, NULL, 4, NULL, NULL};
    partreg_workers *w = NULL;
    assert_int_equal(partreg_workers_create(2, &w, NULL), PARTREG_OK);
    partreg_fit_options o = partreg_fit_options_default();
    o.workers = w;
    partreg_fit *fit = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, &o, &fit, NULL),
                     PARTREG_OK);
    partreg_workers_free(w);
    partreg_brant *b = NULL;
    assert_int_equal(partreg_brant_test(fit, &d, &b, NULL), PARTREG_OK);
    partreg_brant_free(b);
    partreg_fit_free(fit);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    partreg_workers *w = (partreg_workers *)&w;
    partreg_error err;
    assert_int_equal(partreg_workers_create(-1, &w, &err), PARTREG_EINVAL);
    assert_non_null(strstr(err.message, "threads"));
    assert_int_equal(partreg_workers_create(2, NULL, NULL), PARTREG_EINVAL);
    partreg_workers_free(NULL);
}

static int setup(void **state)
{
    *state = make_problem();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bits),
        cmocka_unit_test(test_shared_by_two_threads),
        cmocka_unit_test(test_lent_for_the_call),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
