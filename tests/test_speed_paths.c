/* The fast routes of the objectives (lib/models/kernels/: binary_pass.c,
 * ordinal_pass.c and the kernels they call) against the reference routes
 * (lib/models/binary.c, ordinal.c: the definitions as plain loops, row by
 * row), on every route this machine runs (routes.h).
 *
 * The widest fast route here, with any number of threads and any block
 * size (dgemv/dsyrk on chunks, sign-split for non-log-concave links, the
 * logit shortcuts, gathered rows when columns are dropped), must agree
 * with the reference route to 1e-12 relative to the largest entry of the
 * same quantity: the sums are reordered and the logit terms taken in
 * closed form, so they differ by rounding only (a few ulp times the
 * number of rows summed). The number of threads changes no bit at all,
 * and every other fast route gives the widest one's bits exactly. Whole
 * fits: every route reaches the same estimates, the fast ones bit for
 * bit. No timing is asserted here; bench/ measures speed. */
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "routes.h"
#include "testutil.h"

#include "models/binary.h"
#include "models/link.h"
#include "models/objective.h"
#include "models/ordinal.h"

#define NROWS 50000 /* above 2 x MIN_ROWS_PER_THREAD, so two threads do split */
#define NCOL 6
#define NLEV 5
#define TOL 1e-12

typedef struct problem {
    double X[NROWS * (NCOL + 1)]; /* NCOL columns plus one spare for the aliased copy */
    double yb[NROWS], yo[NROWS], w[NROWS];
} problem;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return ((double)lcg(s) + 0.5) * 0x1.0p-53; }

/* X: intercept, then NCOL-1 mixed-scale columns (one with large values), the
 * spare column a copy of column 2; y from a logit model; weights with zeros. */
static problem *make_problem(void)
{
    problem *pr = malloc(sizeof *pr);
    uint64_t s = 2385;
    for (size_t i = 0; i < NROWS; i++) {
        double *x = pr->X + i * (NCOL + 1), eta = -0.4;
        x[0] = 1.0;
        for (size_t j = 1; j < NCOL; j++) {
            x[j] = (unif(&s) - 0.5) * (j == 3 ? 40.0 : 3.1) + (j == 4 ? 7.5 : 0.0);
            eta += (j % 2 ? 0.7 : -0.45) * x[j] / (j == 3 ? 10.0 : 1.0);
        }
        x[NCOL] = x[2];
        double u = unif(&s);
        pr->yb[i] = u < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        double lat = eta + log(u / (1.0 - u)) * 0.8;
        pr->yo[i] = (lat > -1.5) + (lat > -0.3) + (lat > 0.6) + (lat > 1.9);
        pr->w[i] = (i % 17 == 5) ? 0.0 : 0.5 + unif(&s) * 2.385;
    }
    return pr;
}

static double max_abs(const double *v, size_t m)
{
    double a = 0.0;
    for (size_t j = 0; j < m; j++)
        a = fabs(v[j]) > a ? fabs(v[j]) : a;
    return a;
}

static void assert_same(const partreg_accum *got, const partreg_accum *want, partreg_order order)
{
    size_t k = want->k;
    assert_false(got->nonfinite);
    assert_rel(got->loglik, want->loglik, TOL);
    double gs = max_abs(want->grad, k), is = max_abs(want->info, k * k);
    if (order == PARTREG_ORDER_VALUE)
        return;
    for (size_t j = 0; j < k; j++)
        assert_rel_floor(got->grad[j], want->grad[j], TOL, gs);
    if (order >= PARTREG_ORDER_HESSIAN)
        for (size_t j = 0; j < k * k; j++)
            assert_rel_floor(got->info[j], want->info[j], TOL, is);
}

static void design_of(const problem *pr, int ordinal, partreg_link link, const size_t *cols,
                      size_t pk, partreg_design *d)
{
    d->kernel = PARTREG_KERNEL_AUTO;
    d->row0 = 0;
    d->n = NROWS;
    d->p = NCOL + 1;
    d->ldx = NCOL + 1;
    d->X = pr->X;
    d->y = ordinal ? pr->yo : pr->yb;
    d->w = pr->w;
    d->cols = cols;
    d->pk = pk;
    d->J = ordinal ? NLEV : 2;
    d->link = link;
}

static const int thread_counts[] = {1, 2, 0, 3};
static const size_t block_sizes[] = {0, 1, 7, 64, 1000, NROWS};

/* (threads, block) pairs: every thread count and every block size occurs,
 * each block size with one and with several threads, without the whole
 * cross product (block 1 costs a BLAS call per row: keep it to two runs) */
static const struct {
    int threads;
    size_t block;
} eval_cases[] = {{1, 0}, {1, 1}, {1, 7}, {1, 64}, {1, 1000}, {1, NROWS}, {2, 0},
                  {2, 7}, {0, 64}, {3, 1000}, {3, NROWS}, {2, 1}, {3, 0}, {0, 0}};

/* obj against the reference sums, and every thread count, on a team or
 * not, against one thread with the same block size bit for bit (the rows'
 * segments do not depend on the threads: accumulate.c) */
static void check_eval(const partreg_objective *obj, const double *theta, partreg_order order,
                       const partreg_accum *want)
{
    partreg_accum *acc = partreg_accum_alloc(obj->k), *on_team = partreg_accum_alloc(obj->k);
    partreg_accum *single = partreg_accum_alloc(obj->k);
    partreg_objective teamed = *obj;
    teamed.team = partreg_team_start(3);
    assert_non_null(teamed.team);
    for (size_t c = 0; c < sizeof eval_cases / sizeof *eval_cases; c++) {
        assert_int_equal(partreg_objective_eval(obj, theta, order, 1, eval_cases[c].block, single),
                         PARTREG_OK);
        assert_int_equal(partreg_objective_eval(obj, theta, order, eval_cases[c].threads,
                                                eval_cases[c].block, acc),
                         PARTREG_OK);
        assert_same(acc, want, order);
        assert_int_equal(partreg_objective_eval(&teamed, theta, order, eval_cases[c].threads,
                                                eval_cases[c].block, on_team),
                         PARTREG_OK);
        const partreg_accum *runs[2] = {acc, on_team};
        for (size_t r = 0; r < 2; r++) {
            assert_true(runs[r]->loglik == single->loglik);
            assert_memory_equal(runs[r]->grad, single->grad, obj->k * sizeof(double));
            assert_memory_equal(runs[r]->info, single->info, obj->k * obj->k * sizeof(double));
        }
    }
    partreg_team_stop(teamed.team);
    partreg_accum_free(single);
    partreg_accum_free(on_team);
    partreg_accum_free(acc);
}

static void objective_of(const partreg_design *d, int ordinal, partreg_objective *obj)
{
    if (ordinal)
        partreg_ordinal_objective(d, obj);
    else
        partreg_binary_objective(d, obj);
}

/* The widest fast route this machine runs. */
static partreg_kernel widest_route(void)
{
    partreg_kernel r = PARTREG_KERNEL_SCALAR;
    partreg_cpu_route(PARTREG_KERNEL_AUTO, partreg_cpu_isa(), &r, NULL);
    return r;
}

/* Design d0 at theta on every route: the reference route's sums (one
 * thread) are the oracle of the widest fast route at every thread count
 * and block size (check_eval); every other fast route, at one thread and
 * the automatic block, must give the widest route's bits. */
static void check_routes(const partreg_design *d0, int ordinal, const double *theta,
                         partreg_order order)
{
    partreg_design d = *d0;
    partreg_objective obj;
    d.kernel = PARTREG_KERNEL_REFERENCE;
    objective_of(&d, ordinal, &obj);
    size_t k = obj.k;
    partreg_accum *want = partreg_accum_alloc(k), *top = partreg_accum_alloc(k);
    partreg_accum *other = partreg_accum_alloc(k);
    assert_int_equal(partreg_objective_eval(&obj, theta, order, 1, 0, want), PARTREG_OK);
    assert_false(want->nonfinite);
    d.kernel = widest_route();
    objective_of(&d, ordinal, &obj);
    check_eval(&obj, theta, order, want);
    assert_int_equal(partreg_objective_eval(&obj, theta, order, 1, 0, top), PARTREG_OK);
    for (size_t r = 1; r < TEST_N_ROUTES; r++) {
        if (test_routes[r] == d.kernel || !test_route_runs(test_routes[r]))
            continue;
        partreg_design dr = d;
        dr.kernel = test_routes[r];
        objective_of(&dr, ordinal, &obj);
        assert_int_equal(partreg_objective_eval(&obj, theta, order, 1, 0, other), PARTREG_OK);
        assert_true(other->loglik == top->loglik);
        assert_int_equal(other->nonfinite, top->nonfinite);
        assert_memory_equal(other->grad, top->grad, k * sizeof(double));
        assert_memory_equal(other->info, top->info, k * k * sizeof(double));
    }
    partreg_accum_free(other);
    partreg_accum_free(top);
    partreg_accum_free(want);
}

static void test_binary_links(void **state)
{
    problem *pr = *state;
    static const size_t keep[NCOL] = {0, 1, 2, 3, 4, 5};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_LOGLOG,
                                  PARTREG_CAUCHIT};
    const double beta[NCOL] = {-0.35, 0.61, -0.43, 0.047, -0.29, 0.18};
    for (size_t l = 0; l < 5; l++)
        for (int gathered = 0; gathered < 2; gathered++) {
            partreg_design d;
            design_of(pr, 0, links[l], gathered ? keep : NULL, NCOL, &d);
            if (!gathered) /* a plain view of the first NCOL columns */
                d.p = NCOL;
            for (int o = PARTREG_ORDER_VALUE; o <= PARTREG_ORDER_EXPECTED; o++)
                check_routes(&d, 0, beta, (partreg_order)o);
        }
}

/* unit weights (w = NULL) take their own vectorised loop in the logit
 * path; with and without gathered columns, every order */
static void test_binary_unweighted(void **state)
{
    problem *pr = *state;
    static const size_t keep[NCOL] = {0, 1, 2, 3, 4, 5};
    const double beta[NCOL] = {-0.35, 0.61, -0.43, 0.047, -0.29, 0.18};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_CAUCHIT};
    for (size_t l = 0; l < 2; l++)
        for (int gathered = 0; gathered < 2; gathered++) {
            partreg_design d;
            design_of(pr, 0, links[l], gathered ? keep : NULL, NCOL, &d);
            d.w = NULL;
            for (int o = PARTREG_ORDER_VALUE; o <= PARTREG_ORDER_EXPECTED; o++)
                check_routes(&d, 0, beta, (partreg_order)o);
        }
}

/* far tails: |eta| beyond the logit shortcuts' range takes the general
 * route; cauchit there has rows of both Hessian signs */
static void test_binary_tails(void **state)
{
    problem *pr = *state;
    const double beta[NCOL] = {2.0, 40.0, -65.0, 9.0, 3.0, -71.0};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_CAUCHIT};
    for (size_t l = 0; l < 2; l++) {
        partreg_design d;
        design_of(pr, 0, links[l], NULL, NCOL, &d);
        check_routes(&d, 0, beta, PARTREG_ORDER_HESSIAN);
    }
}

static void test_ordinal_links(void **state)
{
    problem *pr = *state;
    static const size_t keep[NCOL - 1] = {1, 2, 3, 4, 5};
    const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_LOGLOG,
                                  PARTREG_CAUCHIT};
    /* beta for columns 1..5, then thresholds; the second set sends rows into
     * the far tails (|a|, |b| > 600) */
    const double th[2][NCOL - 1 + NLEV - 1] = {
        {0.66, -0.41, 0.052, -0.31, 0.17, -1.45, -0.28, 0.63, 1.87},
        {60.0, -41.0, 30.0, -9.0, 17.0, -1.45, -0.28, 0.63, 1.87}};
    for (size_t l = 0; l < 5; l++)
        for (size_t s = 0; s < 2; s++) {
            /* the (log-)log-log links overflow e^x out there: not a path test */
            if (s == 1 && (links[l] == PARTREG_CLOGLOG || links[l] == PARTREG_LOGLOG))
                continue;
            partreg_design d;
            design_of(pr, 1, links[l], keep, NCOL - 1, &d);
            check_routes(&d, 1, th[s], PARTREG_ORDER_HESSIAN);
            check_routes(&d, 1, th[s], PARTREG_ORDER_GRADIENT);
            check_routes(&d, 1, th[s], PARTREG_ORDER_VALUE);
        }
}

/* The vectorised logit pass (ordinal_pass.c, logit_chunk): unit and given
 * weights, a plain view and gathered (dropped) columns, moderate and far
 * tails (rows beyond |x| = 600 go the general route inside a chunk), every
 * order; and J = 2 (both categories outermost). */
static void test_ordinal_logit_paths(void **state)
{
    problem *pr = *state;
    static const size_t keep[NCOL - 1] = {1, 2, 3, 4, 5};
    const double th[3][NCOL - 1 + NLEV - 1] = {
        {0.66, -0.41, 0.052, -0.31, 0.17, -1.45, -0.28, 0.63, 1.87},
        {60.0, -41.0, 30.0, -9.0, 17.0, -1.45, -0.28, 0.63, 1.87},
        {2.385, -1.7, 0.21, -0.93, 0.55, -3.1, -2.9, 2.6, 4.4}};
    for (int gathered = 0; gathered < 2; gathered++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (size_t s = 0; s < 3; s++) {
                partreg_design d;
                design_of(pr, 1, PARTREG_LOGIT, gathered ? keep : NULL, NCOL - 1, &d);
                if (!gathered) { /* columns 1..5 viewed in place */
                    d.X = pr->X + 1;
                    d.p = NCOL - 1;
                }
                if (!weighted)
                    d.w = NULL;
                for (int o = PARTREG_ORDER_VALUE; o <= PARTREG_ORDER_EXPECTED; o++)
                    check_routes(&d, 1, th[s], (partreg_order)o);
            }
    /* J = 2: levels {0, 1} from y > 1 */
    double *y2 = malloc(NROWS * sizeof *y2);
    for (size_t i = 0; i < NROWS; i++)
        y2[i] = pr->yo[i] > 1.0;
    partreg_design d;
    design_of(pr, 1, PARTREG_LOGIT, keep, NCOL - 1, &d);
    d.y = y2;
    d.J = 2;
    const double th2[NCOL] = {0.66, -0.41, 0.052, -0.31, 0.17, 0.29};
    for (int o = PARTREG_ORDER_VALUE; o <= PARTREG_ORDER_EXPECTED; o++)
        check_routes(&d, 1, th2, (partreg_order)o);
    free(y2);
}

/* Whole fits: threads and block sizes give the same estimates; an aliased
 * column (dropped, so rows are gathered) gives the fit without it. */
static void test_fits(void **state)
{
    problem *pr = *state;
    for (int ordinal = 0; ordinal < 2; ordinal++) {
        /* ordinal models have no intercept column: use columns 1.. */
        const double *X = ordinal ? pr->X + 1 : pr->X;
        size_t p = ordinal ? NCOL - 1 : NCOL;
        partreg_data with = {NROWS, p + 1, X, NCOL + 1, ordinal ? pr->yo : pr->yb, pr->w,
                             ordinal ? NLEV : 2, NULL, NULL};
        partreg_data without = with;
        without.p = p;
        partreg_fit_options o = partreg_fit_options_default();
        o.threads = 1;
        partreg_fit *ref = NULL;
        assert_int_equal(partreg_fit_create(&without, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY,
                                            PARTREG_LOGIT, &o, &ref, NULL),
                         PARTREG_OK);
        const gsl_vector *rb = partreg_fit_coef(ref);
        const partreg_data *datas[2] = {&without, &with};
        double one_thread[3][NCOL + 1];
        for (size_t dd = 0; dd < 2; dd++)
            for (size_t t = 0; t < 4; t++)
                for (size_t b = 0; b < 3; b++) {
                    o.threads = thread_counts[t];
                    o.block_rows = block_sizes[b];
                    partreg_fit *fit = NULL;
                    assert_int_equal(partreg_fit_create(datas[dd],
                                                        ordinal ? PARTREG_ORDINAL : PARTREG_BINARY,
                                                        PARTREG_LOGIT, &o, &fit, NULL),
                                     PARTREG_OK);
                    const gsl_vector *fb = partreg_fit_coef(fit);
                    for (size_t j = 0; j < p; j++)
                        assert_rel_floor(gsl_vector_get(fb, j), gsl_vector_get(rb, j), TOL, 1e-3);
                    /* threads do not change a bit (thread_counts[0] is 1) */
                    for (size_t j = 0; j < fb->size; j++) {
                        if (t == 0)
                            one_thread[b][j] = gsl_vector_get(fb, j);
                        assert_true(gsl_vector_get(fb, j) == one_thread[b][j]);
                    }
                    if (dd == 1)
                        assert_true(gsl_vector_get(fb, p) == 0.0); /* the dropped copy */
                    assert_rel(partreg_fit_loglik(fit), partreg_fit_loglik(ref), TOL);
                    if (ordinal)
                        for (size_t j = 0; j < NLEV - 1; j++)
                            assert_rel(gsl_vector_get(partreg_fit_thresholds(fit), j),
                                       gsl_vector_get(partreg_fit_thresholds(ref), j), TOL);
                    partreg_fit_free(fit);
                }
        partreg_fit_free(ref);
    }
}

/* Whole fits on every route: the fast routes give the same bits (the
 * estimates, the log-likelihood and the covariance), the reference route
 * the same estimates to TOL. */
static void test_fit_routes(void **state)
{
    problem *pr = *state;
    for (int ordinal = 0; ordinal < 2; ordinal++) {
        const double *X = ordinal ? pr->X + 1 : pr->X;
        size_t p = ordinal ? NCOL - 1 : NCOL;
        /* with the aliased column: rows gathered */
        partreg_data data = {NROWS, p + 1, X, NCOL + 1, ordinal ? pr->yo : pr->yb, pr->w,
                             ordinal ? NLEV : 2, NULL, NULL};
        partreg_fit_options o = partreg_fit_options_default();
        o.kernel = widest_route();
        partreg_fit *top = NULL;
        assert_int_equal(partreg_fit_create(&data, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY,
                                            PARTREG_LOGIT, &o, &top, NULL),
                         PARTREG_OK);
        const gsl_vector *tb = partreg_fit_coef(top);
        const gsl_matrix *tv = partreg_fit_vcov(top);
        for (size_t r = 0; r < TEST_N_ROUTES; r++) {
            if (test_routes[r] == o.kernel || !test_route_runs(test_routes[r]))
                continue;
            partreg_fit_options ro = o;
            ro.kernel = test_routes[r];
            partreg_fit *fit = NULL;
            assert_int_equal(partreg_fit_create(&data, ordinal ? PARTREG_ORDINAL : PARTREG_BINARY,
                                                PARTREG_LOGIT, &ro, &fit, NULL),
                             PARTREG_OK);
            const gsl_vector *fb = partreg_fit_coef(fit);
            const gsl_matrix *fv = partreg_fit_vcov(fit);
            if (ro.kernel == PARTREG_KERNEL_REFERENCE) {
                for (size_t j = 0; j < fb->size; j++)
                    assert_rel_floor(gsl_vector_get(fb, j), gsl_vector_get(tb, j), TOL, 1e-3);
                assert_rel(partreg_fit_loglik(fit), partreg_fit_loglik(top), TOL);
            } else {
                assert_memory_equal(fb->data, tb->data, fb->size * sizeof(double));
                assert_true(partreg_fit_loglik(fit) == partreg_fit_loglik(top));
                assert_memory_equal(fv->data, tv->data, fv->size1 * fv->size2 * sizeof(double));
            }
            partreg_fit_free(fit);
        }
        partreg_fit_free(top);
    }
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
        cmocka_unit_test(test_binary_links),
        cmocka_unit_test(test_binary_unweighted),
        cmocka_unit_test(test_binary_tails),
        cmocka_unit_test(test_ordinal_links),
        cmocka_unit_test(test_ordinal_logit_paths),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_fit_routes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
