/* Tests of the analysis options by name (lib/report/options.c): every kind
 * of entry, the command's messages for bad values, names with "--" and
 * '_', set_into, and fits of arrays with the options that apply to them
 * against partreg_fit_create(). Expected values are written out by hand
 * or are the library's own direct calls. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_matrix.h>

#include "partreg_inference.h"
#include "partreg_options.h"
#include "testutil.h"

static partreg_options *make(void)
{
    partreg_options *o = NULL;
    partreg_error err;
    assert_int_equal(partreg_options_create(&o, &err), PARTREG_OK);
    return o;
}

static void set_ok(partreg_options *o, const char *name, const char *value)
{
    partreg_error err;
    partreg_status st = partreg_options_set(o, name, value, &err);
    if (st != PARTREG_OK)
        fail_msg("%s=%s: %s", name, value ? value : "(null)", err.message);
}

static void set_bad(partreg_options *o, const char *name, const char *value, partreg_status want,
                    const char *message)
{
    partreg_error err;
    partreg_status st = partreg_options_set(o, name, value, &err);
    if (st != want)
        fail_msg("%s=%s: status %s, want %s (%s)", name, value ? value : "(null)",
                 partreg_status_name(st), partreg_status_name(want), err.message);
    assert_string_equal(err.message, message);
}

static void test_kinds(void **state)
{
    (void)state;
    partreg_options *o = make();
    const partreg_analysis_spec *s = partreg_options_spec(o);
    assert_int_equal(s->link, PARTREG_LOGIT);
    assert_rel(s->conf_level, 0.95, 0);
    set_ok(o, "formula", "y ~ x");
    set_ok(o, "--link", "probit");
    set_ok(o, "family", "ordinal");
    set_ok(o, "conf_level", "0.9");
    set_ok(o, "margins", NULL);
    set_ok(o, "brant", "true");
    set_ok(o, "brant", "false");
    set_ok(o, "sampling_weights", "pw");
    set_ok(o, "ci", "profile");
    set_ok(o, "threads", "3");
    set_ok(o, "ref", "g=b");
    set_ok(o, "ref", "h=z");
    set_ok(o, "na", ".");
    set_ok(o, "levels", "lo, mid ,hi");
    set_ok(o, "autofit", "0.1");
    set_ok(o, "rep-type", "fay");
    set_ok(o, "expected-information", "yes");
    s = partreg_options_spec(o);
    assert_string_equal(s->formula, "y ~ x");
    assert_int_equal(s->link, PARTREG_PROBIT);
    assert_int_equal(s->frame.family_auto, 0);
    assert_int_equal(s->frame.family, PARTREG_ORDINAL);
    assert_rel(s->conf_level, 0.9, 0);
    assert_int_equal(s->margins, 1);
    assert_int_equal(s->brant, 0);
    assert_string_equal(s->frame.sampling_weights, "pw");
    assert_int_equal(s->ci, PARTREG_CI_PROFILE);
    assert_int_equal(s->fit.threads, 3);
    assert_int_equal(s->read.threads, 3);
    assert_int_equal(s->frame.threads, 3);
    assert_int_equal(s->frame.n_refs, 2);
    assert_string_equal(s->frame.ref_variables[1], "h");
    assert_string_equal(s->frame.ref_levels[0], "b");
    assert_int_equal(s->read.n_na_strings, 1);
    assert_int_equal(s->frame.n_levels, 3);
    assert_string_equal(s->frame.levels[1], "mid");
    assert_int_equal(s->autofit, 1);
    assert_rel(s->autofit_alpha, 0.1, 0);
    assert_int_equal(s->survey.rep_type, PARTREG_REP_FAY);
    assert_int_equal(s->survey.rep_type_given, 1);
    assert_int_equal(s->fit.information, PARTREG_INFO_EXPECTED);
    assert_int_equal(partreg_options_is_set(o, "conf-level"), 1);
    assert_int_equal(partreg_options_is_set(o, "gof"), 0);
    partreg_options_free(o);
    partreg_options_free(NULL);
}

/* The command's messages, word for word (tests/cli_*.sh check the same). */
static void test_messages(void **state)
{
    (void)state;
    partreg_options *o = make();
    set_bad(o, "conf-level", "2", PARTREG_EINVAL,
            "--conf-level '2' must be a number in (0, 1), e.g. 0.95");
    set_bad(o, "ci", "exact", PARTREG_EINVAL, "unknown --ci 'exact'; use wald or profile");
    set_bad(o, "max-iter", "0", PARTREG_EINVAL, "--max-iter '0' must be a whole number >= 1");
    set_bad(o, "threads", "1.5", PARTREG_EINVAL,
            "--threads '1.5' must be a whole number from 0 to 256");
    set_bad(o, "ref", "g", PARTREG_EINVAL, "--ref 'g' must be VARIABLE=LEVEL");
    set_ok(o, "ref", "g=a");
    set_bad(o, "ref", "g=b", PARTREG_EINVAL,
            "--ref for 'g' is given twice (g=a and g=b); give one reference level per variable");
    set_bad(o, "levels", "a,,b", PARTREG_EINVAL,
            "--levels 'a,,b': entry 2 is empty; list the levels separated by single commas");
    set_bad(o, "autofit", "2", PARTREG_EINVAL, "--autofit 2: the level must be in (0, 1), e.g. 0.05");
    set_bad(o, "fay-rho", "1", PARTREG_EINVAL, "--fay-rho '1' must be a number in (0, 1), e.g. 0.5");
    set_bad(o, "delim", "|", PARTREG_EINVAL, "--delim '|' must be , ; or tab");
    set_bad(o, "link", NULL, PARTREG_EINVAL, "option --link needs a value");
    set_bad(o, "margins", "maybe", PARTREG_EINVAL,
            "--margins 'maybe' is a switch: give true or false (or no value)");
    set_bad(o, "lonely-psu", "drop", PARTREG_EINVAL,
            "--lonely-psu: unknown lonely-PSU rule 'drop'; use fail, certainty, centered or "
            "scaled");
    set_bad(o, "lnik", "logit", PARTREG_ENOTFOUND, "unknown option 'lnik'; did you mean 'link'?");
    set_bad(o, "--bogus", "1", PARTREG_ENOTFOUND, "unknown option '--bogus'");
    /* failures left the spec as it was */
    assert_int_equal(partreg_options_spec(o)->frame.n_refs, 1);
    assert_rel(partreg_options_spec(o)->conf_level, 0.95, 0);
    partreg_error err;
    assert_int_equal(partreg_options_set(NULL, "link", "logit", &err), PARTREG_EINVAL);
    assert_int_equal(partreg_options_create(NULL, &err), PARTREG_EINVAL);
    partreg_options_free(o);
}

static void test_table_listing(void **state)
{
    (void)state;
    size_t n = partreg_options_count(), k;
    partreg_error err;
    assert_true(n > 30);
    for (size_t i = 0; i < n; i++) {
        const char *name = partreg_options_name(i);
        assert_non_null(name);
        assert_non_null(partreg_options_help(i));
        assert_int_equal(partreg_options_find(name, &k, &err), PARTREG_OK);
        assert_int_equal(k, i);
    }
    assert_null(partreg_options_name(n));
    assert_null(partreg_options_help(n));
    assert_int_equal(partreg_options_kind(n), PARTREG_OPTION_FLAG);
    assert_int_equal(partreg_options_find("ref", &k, &err), PARTREG_OK);
    assert_int_equal(partreg_options_kind(k), PARTREG_OPTION_REPEATABLE);
    assert_int_equal(partreg_options_find("autofit", &k, &err), PARTREG_OK);
    assert_int_equal(partreg_options_kind(k), PARTREG_OPTION_OPTIONAL);
    assert_int_equal(partreg_options_find("link", &k, &err), PARTREG_OK);
    assert_int_equal(partreg_options_for_arrays(k), 1);
    assert_int_equal(partreg_options_find("margins", &k, &err), PARTREG_OK);
    assert_int_equal(partreg_options_for_arrays(k), 0);
}

static void test_set_into(void **state)
{
    (void)state;
    partreg_options *o = make();
    partreg_analysis_spec mine = partreg_analysis_spec_default();
    partreg_error err;
    mine.brant = 1; /* set directly, kept */
    assert_int_equal(partreg_options_set_into(o, "--weights", "w", &mine, &err), PARTREG_OK);
    assert_string_equal(mine.frame.weights, "w");
    assert_int_equal(mine.brant, 1);
    assert_null(partreg_options_spec(o)->frame.weights);
    assert_int_equal(partreg_options_set_into(o, "weights", "w", NULL, &err), PARTREG_EINVAL);
    partreg_options_free(o);
}

/* Array fits: the same fit as partreg_fit_create(), hc1 as
 * partreg_fit_set_vcov(), options that need a table refused. */
static void test_fit_arrays(void **state)
{
    (void)state;
    enum { n = 40, p = 2 };
    double X[n * p], y[n];
    for (int i = 0; i < n; i++) {
        X[i * p] = 1;
        X[i * p + 1] = 0.25 * (double)((i * 7) % 11) - 1.1;
        y[i] = ((i * 3) % 5 + (i % 2)) % 3 == 0 ? 1 : 0;
    }
    partreg_data d = {.n = n, .p = p, .X = X, .y = y, .n_levels = 2};
    partreg_error err;
    partreg_fit *want = NULL, *got = NULL;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_PROBIT, NULL, &want, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_set_vcov(want, &d, PARTREG_VCOV_HC1, NULL, 0, &err), PARTREG_OK);
    partreg_options *o = make();
    set_ok(o, "link", "probit");
    set_ok(o, "vcov", "hc1");
    assert_int_equal(partreg_options_fit(o, &d, &got, &err), PARTREG_OK);
    for (size_t j = 0; j < p; j++) {
        assert_true(gsl_vector_get(partreg_fit_coef(got), j) ==
                    gsl_vector_get(partreg_fit_coef(want), j));
        for (size_t k = 0; k < p; k++)
            assert_true(gsl_matrix_get(partreg_fit_vcov(got), j, k) ==
                        gsl_matrix_get(partreg_fit_vcov(want), j, k));
    }
    assert_int_equal(partreg_fit_vcov_type(got), PARTREG_VCOV_HC1);
    partreg_fit_free(got);
    set_ok(o, "vcov", "cluster");
    assert_int_equal(partreg_options_fit(o, &d, &got, &err), PARTREG_EUNSUPPORTED);
    assert_null(got);
    assert_contains(err.message, "--vcov cluster needs cluster ids");
    set_ok(o, "vcov", "model");
    set_ok(o, "margins", NULL);
    assert_int_equal(partreg_options_fit(o, &d, &got, &err), PARTREG_EUNSUPPORTED);
    assert_contains(err.message, "option --margins needs a formula and a data table");
    assert_int_equal(partreg_options_fit(NULL, &d, &got, &err), PARTREG_EINVAL);
    partreg_options_free(o);
    partreg_fit_free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),    cmocka_unit_test(test_messages),
        cmocka_unit_test(test_table_listing), cmocka_unit_test(test_set_into),
        cmocka_unit_test(test_fit_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
