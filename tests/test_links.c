/* Link functions against closed forms, including the far tails (|x| up to
 * 40 and beyond) where naive formulas overflow or lose every digit.
 * Reference values: closed forms evaluated in long double or by series
 * stated next to each check. */
#include <float.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "models/link.h"
#include "models/ordinal.h"
#include "testutil.h"

static const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                     PARTREG_LOGLOG, PARTREG_CAUCHIT};

/* Closed-form F in long double (enough digits away from the far tails). */
static long double cdf_ld(partreg_link link, long double x)
{
    switch (link) {
    case PARTREG_LOGIT: return 1.0L / (1.0L + expl(-x));
    case PARTREG_PROBIT: return 0.5L * erfcl(-x / sqrtl(2.0L));
    case PARTREG_CLOGLOG: return -expm1l(-expl(x));
    case PARTREG_LOGLOG: return expl(-expl(-x));
    case PARTREG_CAUCHIT: return 0.5L + atanl(x) / 3.141592653589793238462643383279502884L;
    }
    return 0;
}

/* Closed-form survival function 1 - F, written without cancellation. */
static long double sf_ld(partreg_link link, long double x)
{
    switch (link) {
    case PARTREG_LOGIT: return 1.0L / (1.0L + expl(x));
    case PARTREG_PROBIT: return 0.5L * erfcl(x / sqrtl(2.0L));
    case PARTREG_CLOGLOG: return expl(-expl(x));
    case PARTREG_LOGLOG: return -expm1l(-expl(-x));
    case PARTREG_CAUCHIT: return 0.5L - atanl(x) / 3.141592653589793238462643383279502884L;
    }
    return 0;
}

static void test_cdf_and_survival(void **state)
{
    (void)state;
    for (size_t l = 0; l < 5; l++) {
        for (double x = -6.0; x <= 6.0; x += 0.37) {
            partreg_link_values v;
            partreg_link_eval(links[l], x, &v);
            long double F = cdf_ld(links[l], x), S = sf_ld(links[l], x);
            assert_rel(v.F, (double)F, 1e-13);
            assert_rel(v.S, (double)S, 1e-13);
            assert_rel(v.logF, (double)(F < 0.5L ? logl(F) : log1pl(-S)), 1e-13);
            assert_rel(v.logS, (double)(S < 0.5L ? logl(S) : log1pl(-F)), 1e-13);
        }
    }
}

/* Density and its slope against central differences of F and f. */
static void test_derivatives(void **state)
{
    (void)state;
    for (size_t l = 0; l < 5; l++) {
        for (double x = -5.0; x <= 5.0; x += 0.41) {
            double h = 1e-5;
            double fd = (partreg_link_cdf(links[l], x + h) - partreg_link_cdf(links[l], x - h)) / (2 * h);
            assert_rel_floor(partreg_link_pdf(links[l], x), fd, 1e-6, 1e-3);
            double fpd = (partreg_link_pdf(links[l], x + h) - partreg_link_pdf(links[l], x - h)) / (2 * h);
            assert_rel_floor(partreg_link_dpdf(links[l], x), fpd, 1e-6, 1e-3);
        }
    }
}

/* Far tails: closed-form asymptotes.
 *  logit:   log F(-40) = -40 - log1p(e^-40);  f/F(-40) = 1 - F(-40)
 *  probit:  log Phi(-40) = -800 - log(40) - log(sqrt(2 pi)) + log(1 - 1/1600 + 3/1600^2 ...)
 *  cloglog: log S(x) = -e^x exactly; F(-40) = -expm1(-e^-40) ~ e^-40
 *  cauchit: F(-1e6) = atan(1e-6)/pi ~ 1/(pi 1e6) */
static void test_far_tails(void **state)
{
    (void)state;
    partreg_link_values v;
    partreg_link_eval(PARTREG_LOGIT, -40.0, &v);
    assert_rel(v.logF, -40.0 - log1p(exp(-40.0)), 1e-15);
    assert_rel(v.S, 1.0, 1e-15);
    assert_rel(v.r1, 1.0 / (1.0 + exp(-40.0)), 1e-15);
    partreg_link_eval(PARTREG_LOGIT, 800.0, &v);
    assert_rel(v.logS, -800.0, 1e-15);
    assert_true(v.F == 1.0 && isfinite(v.r0) && isfinite(v.r1));

    partreg_link_eval(PARTREG_PROBIT, -40.0, &v);
    double z2 = 1600.0;
    double series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2) + 105.0 / (z2 * z2 * z2 * z2);
    assert_rel(v.logF, -800.0 - log(40.0) - 0.5 * log(2 * M_PI) + log(series), 1e-15);
    /* Mills ratio: f/F at -40 ~ 40 / series */
    assert_rel(v.r1, 40.0 / series, 1e-12);
    partreg_link_eval(PARTREG_PROBIT, 40.0, &v);
    assert_rel(v.logS, -800.0 - log(40.0) - 0.5 * log(2 * M_PI) + log(series), 1e-15);
    assert_rel(v.r0, 40.0 / series, 1e-12);

    partreg_link_eval(PARTREG_CLOGLOG, 3.0, &v);
    assert_rel(v.logS, -exp(3.0), 1e-15);
    partreg_link_eval(PARTREG_CLOGLOG, -40.0, &v);
    assert_rel(v.F, exp(-40.0), 1e-15);
    assert_rel(v.logF, -40.0, 1e-15);
    assert_rel(v.r1, 1.0, 1e-15);
    partreg_link_eval(PARTREG_LOGLOG, 40.0, &v);
    assert_rel(v.S, exp(-40.0), 1e-15);
    assert_rel(v.logS, -40.0, 1e-15);

    partreg_link_eval(PARTREG_CAUCHIT, -1e6, &v);
    assert_rel(v.F, atan(1e-6) / M_PI, 1e-14);
    assert_rel(v.r1, 1.0 / (1e12 + 1) / atan(1e-6), 1e-9);
    partreg_link_eval(PARTREG_CAUCHIT, 1e200, &v);
    assert_true(isfinite(v.logS) && v.F == 1.0);

    /* nothing is NaN anywhere from -1e300 to 1e300 */
    for (size_t l = 0; l < 5; l++) {
        for (double x = -1e300; x <= 1e300; x = x < 0 ? (x < -1 ? x / 1e5 : x + 4.5) : (x < 1 ? x + 4.5 : x * 1e5)) {
            partreg_link_eval(links[l], x, &v);
            assert_false(isnan(v.F) || isnan(v.S) || isnan(v.logF) || isnan(v.logS) || isnan(v.r1) || isnan(v.r0));
            assert_true(v.F >= 0 && v.F <= 1 && v.S >= 0 && v.S <= 1);
        }
    }
}

/* Binary row terms: d and h against differences of l, for y = 0 and 1. */
static void test_binary_terms(void **state)
{
    (void)state;
    for (size_t l = 0; l < 5; l++) {
        for (int y = 0; y <= 1; y++) {
            for (double x = -8.0; x <= 8.0; x += 0.53) {
                double h = 1e-5, lp, lm, l0, d, hh, e;
                partreg_link_binary_terms(links[l], x + h, y, &lp, NULL, NULL, NULL);
                partreg_link_binary_terms(links[l], x - h, y, &lm, NULL, NULL, NULL);
                partreg_link_binary_terms(links[l], x, y, &l0, &d, &hh, &e);
                assert_rel_floor(d, (lp - lm) / (2 * h), 1e-7, 1e-4);
                double dp, dm;
                partreg_link_binary_terms(links[l], x + h, y, NULL, &dp, NULL, NULL);
                partreg_link_binary_terms(links[l], x - h, y, NULL, &dm, NULL, NULL);
                assert_rel_floor(hh, (dp - dm) / (2 * h), 1e-6, 1e-4);
                partreg_link_values v;
                partreg_link_eval(links[l], x, &v);
                if (v.f > 1e-150) /* below, f*f underflows in the reference */
                    assert_rel(e, v.f * v.f / (v.F * v.S), 1e-12);
            }
        }
    }
}

/* Ordinal category probabilities: sum to one, never negative, precise in
 * the tails (compare with the complementary form). */
static void test_ordinal_probs(void **state)
{
    (void)state;
    const double thr[4] = {-1.3, 0.2, 1.1, 3.0};
    for (size_t l = 0; l < 5; l++) {
        for (double eta = -60.0; eta <= 60.0; eta += 2.5) {
            double p[5], sum = 0.0;
            partreg_ordinal_probs(links[l], eta, thr, 5, p);
            for (int j = 0; j < 5; j++) {
                assert_true(p[j] >= 0.0);
                sum += p[j];
            }
            assert_rel(sum, 1.0, 1e-12);
        }
    }
    /* logit, eta = 45: P(Y = 1) = F(0.2-45) - F(-1.3-45), both ~ e^-45:
     * exact value e^(0.2-45)/(1+e^(0.2-45)) - e^(-46.3)/(1+e^(-46.3)) */
    double p[5];
    partreg_ordinal_probs(PARTREG_LOGIT, 45.0, thr, 5, p);
    double a = exp(-46.3), b = exp(-44.8);
    assert_rel(p[1], b / (1 + b) - a / (1 + a), 1e-12);
    /* upper tail: eta = -45, P(Y = 3) = S(1.1+45) - S(3+45) */
    partreg_ordinal_probs(PARTREG_LOGIT, -45.0, thr, 5, p);
    assert_rel(p[3], 1.0 / (1.0 + exp(46.1)) - 1.0 / (1.0 + exp(48.0)), 1e-12);
}

/* Ordinal row derivatives against differences of log P. */
static void test_ordinal_terms(void **state)
{
    (void)state;
    for (size_t l = 0; l < 5; l++) {
        for (double a = -7.0; a <= 6.0; a += 0.9) {
            double b = a + 0.77, h = 1e-5;
            partreg_ordinal_terms t, ta, tb;
            partreg_ordinal_row_terms(links[l], a, b, &t);
            partreg_ordinal_row_terms(links[l], a + h, b, &ta);
            partreg_ordinal_row_terms(links[l], a - h, b, &tb);
            assert_rel_floor(t.da, (ta.logp - tb.logp) / (2 * h), 1e-6, 1e-4);
            assert_rel_floor(t.daa, (ta.da - tb.da) / (2 * h), 1e-5, 1e-4);
            assert_rel_floor(t.dab, (ta.db - tb.db) / (2 * h), 1e-5, 1e-4);
            partreg_ordinal_row_terms(links[l], a, b + h, &ta);
            partreg_ordinal_row_terms(links[l], a, b - h, &tb);
            assert_rel_floor(t.db, (ta.logp - tb.logp) / (2 * h), 1e-6, 1e-4);
            assert_rel_floor(t.dbb, (ta.db - tb.db) / (2 * h), 1e-5, 1e-4);
        }
    }
}

static void test_quantile_inverts_cdf(void **state)
{
    (void)state;
    for (size_t l = 0; l < 5; l++)
        for (double p = 0.01; p < 1.0; p += 0.07)
            assert_rel(partreg_link_cdf(links[l], partreg_link_quantile(links[l], p)), p, 1e-12);
}

static void test_names(void **state)
{
    (void)state;
    partreg_link l;
    partreg_error err;
    assert_int_equal(partreg_link_parse("cauchit", &l, &err), PARTREG_OK);
    assert_int_equal(l, PARTREG_CAUCHIT);
    assert_int_equal(partreg_link_parse("logitt", &l, &err), PARTREG_EINVAL);
    assert_contains(err.message, "unknown link 'logitt'");
    assert_string_equal(partreg_link_name(PARTREG_LOGLOG), "loglog");
    assert_null(partreg_link_name((partreg_link)99));
    assert_string_equal(partreg_version(), PARTREG_VERSION_STRING);
    assert_string_equal(partreg_status_name(PARTREG_ESEPARATION), "PARTREG_ESEPARATION");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdf_and_survival), cmocka_unit_test(test_derivatives),
        cmocka_unit_test(test_far_tails),        cmocka_unit_test(test_binary_terms),
        cmocka_unit_test(test_ordinal_probs),    cmocka_unit_test(test_ordinal_terms),
        cmocka_unit_test(test_quantile_inverts_cdf), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
