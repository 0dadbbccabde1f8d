/* The branch-free exp and log1p of lib/models/kernels/vmath.h against libm.
 *
 * Reference: glibc's exp and log1p (correctly rounded in nearly all cases,
 * documented maximum error under 1 ulp). The vmath functions must stay
 * within MAX_ULP ulps of them over their whole domain: exp on [-746, 0]
 * (uniform on [-2, 0], uniform on [-746, 0], and the subnormal end near
 * -708 to -745), log1p on [0, 1] (uniform, uniform on [0, 1e-3], and
 * exp(-u) for u up to 745, i.e. e down to the subnormals, where
 * log1p(e) = e). Measured maximum on x86-64 / glibc 2.36: 1.0 ulp for both
 * (the two differ from libm by at most one rounding), so MAX_ULP = 1 with
 * no slack for another libm that is itself within 1 ulp: 2.
 * log1p3 on [0, 3] likewise (uniform, near 0, around its reduction's switch
 * points, and tiny arguments): measured maximum 1.0 ulp, asserted 2.
 * Special values: exp(0) = 1, exp(-inf) = 0, exp(x < -746) = 0, NaN
 * propagates; log1p(0) = 0, log1p(NaN) = NaN. */
#include <stdint.h>

#include "testutil.h"

#include "models/kernels/vmath.h"

#define SAMPLES 400000
#define MAX_ULP 2.0

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double unif(uint64_t *s) { return (double)lcg(s) * 0x1.0p-53; }

/* |got - want| in units of the last place of want (subnormal ulp floor) */
static double ulps(double got, double want)
{
    int e;
    frexp(want, &e);
    double u = ldexp(1.0, e - 53);
    if (want == 0.0 || u < 0x1p-1074)
        u = 0x1p-1074;
    return fabs(got - want) / u;
}

static void test_exp(void **state)
{
    (void)state;
    uint64_t s = 2385;
    double worst = 0.0;
    for (long i = 0; i < SAMPLES; i++) {
        double u = unif(&s);
        double x = i % 3 == 0 ? -2.0 * u : i % 3 == 1 ? -746.0 * u : -708.0 - 37.5 * u;
        double err = ulps(partreg_vm_exp(x), exp(x));
        worst = err > worst ? err : worst;
    }
    assert_true(worst <= MAX_ULP);
    assert_true(partreg_vm_exp(0.0) == 1.0);
    assert_true(partreg_vm_exp(-0.0) == 1.0);
    assert_true(partreg_vm_exp(-INFINITY) == 0.0);
    assert_true(partreg_vm_exp(-746.5) == 0.0);
    assert_true(partreg_vm_exp(-1e300) == 0.0);
    assert_true(isnan(partreg_vm_exp(NAN)));
    assert_true(partreg_vm_exp(-745.1) == exp(-745.1)); /* the smallest subnormal */
}

/* 1 / (1 + e): what the callers pass as inv_u */
static double inv1p(double e) { return 1.0 / (1.0 + e); }

/* partreg_vm_exp_normal: the same bits as partreg_vm_exp wherever the
 * result is normal (x >= -708), NaN for NaN */
static void test_exp_normal(void **state)
{
    (void)state;
    uint64_t s = 977;
    for (long i = 0; i < SAMPLES; i++) {
        double u = unif(&s);
        double x = i % 3 == 0 ? -2.0 * u : i % 3 == 1 ? -600.0 * u : -708.0 * u;
        double a = partreg_vm_exp_normal(x), b = partreg_vm_exp(x);
        assert_memory_equal(&a, &b, sizeof a);
    }
    assert_true(partreg_vm_exp_normal(0.0) == 1.0);
    assert_true(partreg_vm_exp_normal(-708.0) == partreg_vm_exp(-708.0));
    assert_true(isnan(partreg_vm_exp_normal(NAN)));
}

static void test_log1p(void **state)
{
    (void)state;
    uint64_t s = 6174;
    double worst = 0.0;
    for (long i = 0; i < SAMPLES; i++) {
        double u = unif(&s);
        double e = i % 3 == 0 ? u : i % 3 == 1 ? 1e-3 * u : exp(-745.0 * u);
        double err = ulps(partreg_vm_log1p(e, inv1p(e)), log1p(e));
        worst = err > worst ? err : worst;
    }
    assert_true(worst <= MAX_ULP);
    assert_true(partreg_vm_log1p(0.0, inv1p(0.0)) == 0.0);
    assert_true(ulps(partreg_vm_log1p(1.0, inv1p(1.0)), log1p(1.0)) <= MAX_ULP);
    assert_true(partreg_vm_log1p(0x1p-60, inv1p(0x1p-60)) == 0x1p-60);
    assert_true(isnan(partreg_vm_log1p(NAN, inv1p(NAN))));
}

/* log1p on [0, 3] (ordinal.c: log((1 + e_a)(1 + e_b)) in one call):
 * uniform on [0, 3], on [0, 1e-3], around the reduction's switch points
 * 1 + e = sqrt2 and 2 sqrt2, and exp(-u) down to the subnormals */
static void test_log1p3(void **state)
{
    (void)state;
    uint64_t s = 8812;
    double worst = 0.0;
    for (long i = 0; i < SAMPLES; i++) {
        double u = unif(&s);
        double e = i % 5 == 0   ? 3.0 * u
                   : i % 5 == 1 ? 1e-3 * u
                   : i % 5 == 2 ? 0.41421356237309503 + 1e-6 * (u - 0.5)
                   : i % 5 == 3 ? 1.8284271247461903 + 1e-6 * (u - 0.5)
                                : exp(-745.0 * u);
        double err = ulps(partreg_vm_log1p3(e, inv1p(e)), log1p(e));
        worst = err > worst ? err : worst;
    }
    assert_true(worst <= MAX_ULP);
    assert_true(partreg_vm_log1p3(0.0, inv1p(0.0)) == 0.0);
    assert_true(ulps(partreg_vm_log1p3(1.0, inv1p(1.0)), log1p(1.0)) <= MAX_ULP);
    assert_true(ulps(partreg_vm_log1p3(3.0, inv1p(3.0)), log1p(3.0)) <= MAX_ULP);
    assert_true(partreg_vm_log1p3(0x1p-60, inv1p(0x1p-60)) == 0x1p-60);
    assert_true(isnan(partreg_vm_log1p3(NAN, inv1p(NAN))));
    /* ordinal.c passes the product of the two cuts' reciprocals, a few
     * ulps from 1 / (1 + s), and cut values down to the subnormals */
    worst = 0.0;
    for (long i = 0; i < SAMPLES; i++) {
        double ea = unif(&s), eb = i % 2 ? unif(&s) : exp(-745.0 * unif(&s));
        double e = (ea + eb) + ea * eb;
        double err = ulps(partreg_vm_log1p3(e, inv1p(ea) * inv1p(eb)), log1p(e));
        worst = err > worst ? err : worst;
    }
    assert_true(worst <= MAX_ULP);
    /* on [0, 1] it is partreg_vm_log1p */
    for (long i = 0; i < 1000; i++) {
        double e = unif(&s);
        assert_true(partreg_vm_log1p3(e, inv1p(e)) == partreg_vm_log1p(e, inv1p(e)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp),
        cmocka_unit_test(test_exp_normal),
        cmocka_unit_test(test_log1p),
        cmocka_unit_test(test_log1p3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
