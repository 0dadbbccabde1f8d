/* Segments and groups (lib/models/accumulate.c): with groups of rows set on
 * an objective, no call of its accumulate ever splits a group, every row
 * is summed exactly once, and the pass gives the same bits at any thread
 * count (groups of random sizes, some larger than a segment). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/objective.h"
#include "testutil.h"

typedef struct counting {
    size_t n;
    const double *v;           /* a value per row */
    const size_t *group_start; /* to check the calls against */
    size_t n_groups;
    int split;                 /* set when a call began or ended inside a group */
} counting;

static int is_boundary(const counting *c, size_t r)
{
    if (r == c->n)
        return 1;
    for (size_t g = 0; g < c->n_groups; g++)
        if (c->group_start[g] == r)
            return 1;
    return 0;
}

/* loglik: sum of v; gradient: the rows' count; info: sum of v^2 */
static void counting_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                                partreg_order order, partreg_accum *acc, double *scratch)
{
    (void)theta;
    (void)scratch;
    counting *c = (counting *)(uintptr_t)model;
    if (!is_boundary(c, begin) || !is_boundary(c, end))
        c->split = 1;
    for (size_t i = begin; i < end; i++) {
        acc->loglik += c->v[i];
        if (order >= PARTREG_ORDER_GRADIENT)
            acc->grad[0] += 1.0;
        if (order >= PARTREG_ORDER_HESSIAN)
            acc->info[0] += c->v[i] * c->v[i];
    }
}

static void test_groups_never_split(void **state)
{
    (void)state;
    size_t n = 250000;
    double *v = malloc(n * sizeof *v);
    size_t *gs = malloc(n * sizeof *gs);
    assert_non_null(v);
    assert_non_null(gs);
    unsigned long long s = 0x9E3779B97F4A7C15ull;
    size_t ng = 0;
    for (size_t i = 0; i < n;) { /* groups of 1 to 5000 rows */
        gs[ng++] = i;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        i += 1 + (size_t)(s >> 33) % 5000;
    }
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = (double)(s >> 11) / 9007199254740992.0 - 0.3871;
    }
    counting c = {n, v, gs, ng, 0};
    partreg_objective obj;
    memset(&obj, 0, sizeof obj);
    obj.k = 1;
    obj.n = n;
    obj.model = &c;
    obj.accumulate = counting_accumulate;
    obj.scratch_doubles = 1;
    obj.group_start = gs;
    obj.n_groups = ng;
    double ref_ll = 0.0, ref_info = 0.0;
    for (int t = 1; t <= 4; t++) {
        partreg_accum *acc = partreg_accum_alloc(1);
        assert_non_null(acc);
        assert_int_equal(partreg_objective_eval(&obj, NULL, PARTREG_ORDER_HESSIAN, t, 1000, acc),
                         PARTREG_OK);
        assert_false(c.split);
        assert_true(acc->grad[0] == (double)n); /* every row once */
        if (t == 1) {
            ref_ll = acc->loglik;
            ref_info = acc->info[0];
        }
        assert_true(acc->loglik == ref_ll); /* the same bits at any thread count */
        assert_true(acc->info[0] == ref_info);
        partreg_accum_free(acc);
    }
    /* the group boundary of a row */
    assert_int_equal(partreg_group_boundary(gs, ng, n, 0), 0);
    assert_int_equal(partreg_group_boundary(gs, ng, n, gs[1] - 1), gs[1]);
    assert_int_equal(partreg_group_boundary(gs, ng, n, gs[1]), gs[1]);
    assert_int_equal(partreg_group_boundary(gs, ng, n, gs[ng - 1] + 1), n);
    free(v);
    free(gs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_never_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
