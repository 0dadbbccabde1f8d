/* Passes that serve several points at once (partreg_objective_eval_points
 * in lib/models/accumulate.c): each point's sums are the bits of a pass of
 * its own, at any thread count and whatever the orders mixed in a pass,
 * over budget too; the rows read are counted once a pass. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "testutil.h"

#include "models/binary.h"
#include "models/ordinal.h"

typedef struct gen {
    uint64_t s;
} gen;

static double unif(gen *g)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(g->s >> 11) + 0.5) / 9007199254740992.0;
}

#define N 23457
#define P 5
#define J 4

static double X[N * P], yb[N], yo[N], w[N];

static void make(void)
{
    gen g = {41};
    for (size_t i = 0; i < N; i++) {
        double eta = 0.0;
        for (size_t c = 0; c < P; c++) {
            X[i * P + c] = c == 0 ? 1.0 : 2.0 * (unif(&g) - 0.5);
            eta += X[i * P + c] * 0.4 * (double)((c % 3) + 1) * (c % 2 ? -1.0 : 1.0);
        }
        double u = unif(&g), latent = eta + log(u / (1.0 - u));
        yb[i] = latent > 0.1;
        yo[i] = (double)((latent > -1.0) + (latent > 0.2) + (latent > 1.3));
        w[i] = 0.5 + unif(&g);
    }
}

static int same_bits(const partreg_accum *a, const partreg_accum *b, partreg_order order)
{
    size_t k = a->k;
    if (memcmp(&a->loglik, &b->loglik, sizeof a->loglik) != 0 || a->nonfinite != b->nonfinite)
        return 0;
    if (order >= PARTREG_ORDER_GRADIENT && memcmp(a->grad, b->grad, k * sizeof *a->grad) != 0)
        return 0;
    if (order >= PARTREG_ORDER_HESSIAN && memcmp(a->info, b->info, k * k * sizeof *a->info) != 0)
        return 0;
    return 1;
}

/* Points of the ordinal objective (thresholds in the model's tables, built
 * anew at each point) in one pass, orders mixed: each equals its own pass,
 * on 1, 2 and 3 threads, in every block size. */
static void test_points_equal_own_pass(void **state)
{
    (void)state;
    make();
    partreg_design d = {N, P, P, X, yo, w, NULL, P - 1, J, PARTREG_LOGIT, NULL, PARTREG_KERNEL_AUTO, 0};
    size_t cols[P - 1] = {1, 2, 3, 4};
    d.cols = cols;
    partreg_objective obj;
    partreg_ordinal_objective(&d, &obj);
    size_t k = obj.k;
    enum { M = 7 };
    double th[M][P - 1 + J - 1];
    const double *pts[M];
    partreg_order ord[M];
    partreg_accum *acc[M], *own = partreg_accum_alloc(k);
    atomic_ullong rows;
    atomic_init(&rows, 0);
    obj.rows_read = &rows;
    for (size_t i = 0; i < M; i++) {
        for (size_t c = 0; c < k; c++)
            th[i][c] = c < P - 1 ? 0.3 - 0.1 * (double)(c + i) : -1.2 + 1.1 * (double)(c - (P - 1)) +
                                                                      0.07 * (double)i;
        pts[i] = th[i];
        ord[i] = (partreg_order)(i % 4);
        acc[i] = partreg_accum_alloc(k);
        assert_non_null(acc[i]);
    }
    const size_t blocks[] = {0, 100, 1000};
    for (int threads = 1; threads <= 3; threads++)
        for (size_t b = 0; b < 3; b++) {
            unsigned long long before = atomic_load(&rows);
            assert_int_equal(partreg_objective_eval_points(&obj, M, pts, ord, threads, blocks[b],
                                                           acc),
                             PARTREG_OK);
            assert_int_equal(atomic_load(&rows) - before, N); /* one pass for all seven */
            for (size_t i = 0; i < M; i++) {
                assert_int_equal(partreg_objective_eval(&obj, th[i], ord[i], 1, blocks[b], own),
                                 PARTREG_OK);
                assert_true(same_bits(acc[i], own, ord[i]));
            }
        }
    for (size_t i = 0; i < M; i++)
        partreg_accum_free(acc[i]);
    partreg_accum_free(own);
}

/* A wide objective (k = 200): each row adds v_i theta_0 to the
 * log-likelihood, v_i theta_j to the gradient and v_i (a + 1) to the
 * information's row a; its information states are large, so few points
 * fit one pass. */
#define WIDE_K 200

static void wide_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                            partreg_order order, partreg_accum *acc, double *scratch)
{
    (void)scratch;
    const double *v = model;
    for (size_t i = begin; i < end; i++) {
        acc->loglik += v[i] * theta[0];
        if (order == PARTREG_ORDER_VALUE)
            continue;
        for (size_t j = 0; j < WIDE_K; j++)
            acc->grad[j] += v[i] * theta[j];
        if (order == PARTREG_ORDER_GRADIENT)
            continue;
        for (size_t a = 0; a < WIDE_K; a += 37)
            acc->info[a * WIDE_K] += v[i] * (double)(a + 1);
    }
}

/* Points beyond one pass's budget of states take more passes, each point
 * still its own pass's bits. */
static void test_points_over_budget(void **state)
{
    (void)state;
    make();
    partreg_objective obj;
    memset(&obj, 0, sizeof obj);
    obj.k = WIDE_K;
    obj.n = N;
    obj.model = w;
    obj.accumulate = wide_accumulate;
    obj.scratch_doubles = 1;
    atomic_ullong rows;
    atomic_init(&rows, 0);
    obj.rows_read = &rows;
    enum { M = 10 };
    size_t k = WIDE_K;
    double *th = malloc(M * k * sizeof *th);
    const double *pts[M];
    partreg_order ord[M];
    partreg_accum *acc[M], *own = partreg_accum_alloc(k);
    assert_true(th && own);
    for (size_t i = 0; i < M; i++) {
        for (size_t c = 0; c < k; c++)
            th[i * k + c] = 0.001 * (double)i - 0.2 * (double)c;
        pts[i] = th + i * k;
        ord[i] = i == 3 ? PARTREG_ORDER_GRADIENT : PARTREG_ORDER_HESSIAN;
        assert_non_null(acc[i] = partreg_accum_alloc(k));
    }
    assert_int_equal(partreg_objective_eval_points(&obj, M, pts, ord, 2, 0, acc), PARTREG_OK);
    /* 23 segments of 40,200 doubles a point: four points a pass */
    assert_int_equal(atomic_load(&rows), 3 * N);
    for (size_t i = 0; i < M; i++) {
        assert_int_equal(partreg_objective_eval(&obj, pts[i], ord[i], 2, 0, own), PARTREG_OK);
        assert_true(same_bits(acc[i], own, ord[i]));
    }
    for (size_t i = 0; i < M; i++)
        partreg_accum_free(acc[i]);
    free(th);
    partreg_accum_free(own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_equal_own_pass),
        cmocka_unit_test(test_points_over_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
