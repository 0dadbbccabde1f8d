/* Formula parser: every construct of the language (terms, labels, intercept,
 * expansions) and every error, provoked, with its status, message and
 * 1-based position; expression derivatives against finite differences. */
#include <stdlib.h>
#include <string.h>

#include "frame/expr.h"
#include "frame/formula_internal.h"
#include "partreg_formula.h"
#include "testutil.h"

/* Parse text, expect success, and compare the term labels with want (a
 * NULL-terminated list) and the intercept flag. */
static void check_terms(const char *text, const char *response, int intercept,
                        const char *const *want)
{
    partreg_formula *f = NULL;
    partreg_error err;
    partreg_status st = partreg_formula_parse(text, &f, &err);
    if (st != PARTREG_OK)
        print_error("parse '%s': %s\n", text, err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_non_null(f);
    assert_string_equal(partreg_formula_response(f), response);
    assert_string_equal(partreg_formula_text(f), text);
    assert_int_equal(partreg_formula_has_intercept(f), intercept);
    size_t n = 0;
    while (want[n])
        n++;
    if (partreg_formula_n_terms(f) != n) {
        for (size_t k = 0; k < partreg_formula_n_terms(f); k++)
            print_error("term %zu: %s\n", k, partreg_formula_term_label(f, k));
    }
    assert_int_equal(partreg_formula_n_terms(f), n);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(partreg_formula_term_label(f, k), want[k]);
    assert_null(partreg_formula_term_label(f, n));
    partreg_formula_free(f);
}

#define TERMS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_simple(void **state)
{
    (void)state;
    check_terms("y ~ a + b + c", "y", 1, TERMS("a", "b", "c"));
    check_terms("  lfp~k5+k618 ", "lfp", 1, TERMS("k5", "k618"));
    check_terms("y.2 ~ x_1 + .x", "y.2", 1, TERMS("x_1", ".x"));
    check_terms("y ~ 1", "y", 1, (const char *const[]){NULL});
    check_terms("y ~ 1 + x", "y", 1, TERMS("x"));
    check_terms("`the outcome` ~ `age group` + x", "the outcome", 1, TERMS("age group", "x"));
    check_terms("\xc3\xa9tat ~ \xc3\xa2ge", "\xc3\xa9tat", 1, TERMS("\xc3\xa2ge"));
}

/* The random-intercept term (1 | G): its grouping column, apart from the
 * terms and variables. */
static void check_group(const char *text, const char *group, size_t n_terms, size_t n_vars)
{
    partreg_formula *f = NULL;
    partreg_error err;
    partreg_status st = partreg_formula_parse(text, &f, &err);
    if (st != PARTREG_OK)
        print_error("parse '%s': %s\n", text, err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_string_equal(partreg_formula_group(f), group);
    assert_int_equal(partreg_formula_n_terms(f), n_terms);
    assert_int_equal(partreg_formula_n_variables(f), n_vars);
    partreg_formula_free(f);
}

static void test_random_intercept(void **state)
{
    (void)state;
    check_group("y ~ x + (1 | community)", "community", 1, 1);
    check_group("y ~ (1|g) + x*z", "g", 3, 2);
    check_group("y ~ (1 | g)", "g", 0, 0);
    check_group("y ~ x + (1 | `my group`) - 1", "my group", 1, 1);
    check_terms("y ~ a + (1 | g) + b", "y", 1, TERMS("a", "b"));
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("y ~ x", &f, NULL), PARTREG_OK);
    assert_null(partreg_formula_group(f));
    partreg_formula_free(f);
}

static void test_intercept(void **state)
{
    (void)state;
    check_terms("y ~ x - 1", "y", 0, TERMS("x"));
    check_terms("y ~ x + 0", "y", 0, TERMS("x"));
    check_terms("y ~ 0 + x", "y", 0, TERMS("x"));
    check_terms("y ~ -1 + x", "y", 0, TERMS("x"));
    check_terms("y ~ x - 1 + 1", "y", 1, TERMS("x"));
    check_terms("y ~ x - 0", "y", 1, TERMS("x"));
}

static void test_functions(void **state)
{
    (void)state;
    check_terms("y ~ factor(cyl) + I(age ^ 2) + log( income ) + exp(x/2) + sqrt(z)", "y", 1,
                TERMS("factor(cyl)", "I(age^2)", "log(income)", "exp(x/2)", "sqrt(z)"));
    check_terms("y ~ I(-a + 2*(b - 1)/c^-1) + log(1 + exp(x))", "y", 1,
                TERMS("I(-a+2*(b-1)/c^-1)", "log(1+exp(x))"));
    check_terms("y ~ log(x):factor(g)", "y", 1, TERMS("log(x):factor(g)"));
    /* same expression twice, spelt with different spaces: one atom */
    partreg_formula *f = NULL;
    assert_int_equal(partreg_formula_parse("y ~ I(x^2) + I(x^2):g", &f, NULL), PARTREG_OK);
    assert_int_equal(f->n_atoms, 2);
    assert_int_equal(partreg_formula_n_variables(f), 2);
    assert_string_equal(partreg_formula_variable(f, 0), "x");
    assert_string_equal(partreg_formula_variable(f, 1), "g");
    assert_null(partreg_formula_variable(f, 2));
    partreg_formula_free(f);
}

static void test_interactions(void **state)
{
    (void)state;
    check_terms("y ~ a:b", "y", 1, TERMS("a:b"));
    check_terms("y ~ a:b:c + d", "y", 1, TERMS("a:b:c", "d"));
    check_terms("y ~ a*b", "y", 1, TERMS("a", "b", "a:b"));
    check_terms("y ~ a*b*c", "y", 1, TERMS("a", "b", "a:b", "c", "a:c", "b:c", "a:b:c"));
    check_terms("y ~ (a+b)*c", "y", 1, TERMS("a", "b", "c", "a:c", "b:c"));
    check_terms("y ~ a*b - a:b", "y", 1, TERMS("a", "b"));
    check_terms("y ~ a*b + a*c", "y", 1, TERMS("a", "b", "a:b", "c", "a:c"));
    check_terms("y ~ a + a*b", "y", 1, TERMS("a", "b", "a:b"));
    check_terms("y ~ (a+b+c)^2", "y", 1, TERMS("a", "b", "c", "a:b", "a:c", "b:c"));
    check_terms("y ~ (a+b)^1", "y", 1, TERMS("a", "b"));
    check_terms("y ~ (a+b):c", "y", 1, TERMS("a:c", "b:c"));
    check_terms("y ~ a:b*c", "y", 1, TERMS("a:b", "c", "a:b:c"));
    check_terms("y ~ sex*age - 1", "y", 0, TERMS("sex", "age", "sex:age"));
    /* parts of expanded interactions follow the order of first appearance */
    check_terms("y ~ c + (a+b)*c", "y", 1, TERMS("c", "a", "b", "c:a", "c:b"));
    check_terms("y ~ b:a + a", "y", 1, TERMS("b:a", "a"));
}

/* Expect PARTREG_EFORMULA at position pos with a message containing want. */
static void check_error(const char *text, long pos, const char *want)
{
    partreg_formula *f = (partreg_formula *)&f; /* must be reset to NULL */
    partreg_error err;
    partreg_status st = partreg_formula_parse(text, &f, &err);
    if (st != PARTREG_EFORMULA || err.column != pos || !strstr(err.message, want))
        print_error("'%s': status %d column %ld: %s\n", text, st, err.column, err.message);
    assert_int_equal(st, PARTREG_EFORMULA);
    assert_null(f);
    assert_int_equal(err.status, PARTREG_EFORMULA);
    assert_int_equal(err.column, pos);
    assert_contains(err.message, want);
}

static void test_errors(void **state)
{
    (void)state;
    check_error("y + x", 1, "missing '~'");
    check_error("", 1, "missing '~'");
    check_error("~ x", 1, "missing outcome");
    check_error("y ~", 3, "empty right-hand side");
    check_error("y ~   ", 3, "empty right-hand side");
    check_error("log(y) ~ x", 4, "single column name");
    check_error("1 ~ x", 1, "must be a column name");
    check_error("y ~ x +", 7, "ends with '+'");
    check_error("y ~ x *", 7, "ends with '*'");
    check_error("y ~ a:", 6, "ends with ':'");
    check_error("y ~ x + + z", 9, "unexpected '+' at position 9");
    check_error("y ~ (a + b", 5, "'(' at position 5 is never closed");
    check_error("y ~ a + b)", 10, "unmatched ')' at position 10");
    check_error("y ~ I(x^2", 6, "never closed");
    check_error("y ~ I(x^2))", 11, "unmatched ')'");
    check_error("y ~ ()", 5, "empty parentheses");
    check_error("y ~ poly(x, 2)", 5, "unknown function 'poly' at position 5");
    check_error("y ~ I(foo(x))", 7, "unknown function 'foo'");
    check_error("y ~ x + y", 9, "outcome 'y' also appears on the right-hand side at position 9");
    check_error("y ~ log(y)", 9, "outcome 'y'");
    check_error("y ~ factor(y)", 12, "outcome 'y'");
    check_error("y ~ a + b + a", 13, "term 'a' at position 13 is repeated (first at position 5)");
    check_error("y ~ a:b + b:a", 11, "'b:a' at position 11 repeats 'a:b'");
    check_error("y ~ a:a", 6, "'a' appears twice in the interaction");
    check_error("y ~ x^2", 6, "I(x^...)");
    check_error("y ~ (a+b)^x", 11, "whole number");
    check_error("y ~ (a+b)^9", 11, "whole number from 1 to 8");
    check_error("y ~ (a+b)^222222222226", 11, "whole number from 1 to 8"); /* fuzzer find */
    check_error("y ~ (a+b)^2.5", 11, "whole number from 1 to 8");
    check_error("y ~ x + 2", 9, "number '2' at position 9 is not a term");
    check_error("y ~ x + 1:z", 9, "cannot be part of an interaction");
    check_error("y ~ 1*z", 5, "cannot be part of a product");
    check_error("y ~ (x + 1)", 10, "cannot be inside parentheses");
    check_error("y ~ a - b", 9, "removes a term that is not in the model");
    check_error("y ~ a b", 7, "unexpected 'b' at position 7: terms are joined with '+'");
    check_error("y ~ a ~ b", 7, "second '~'");
    check_error("y ~ a / b", 7, "'/' nesting is not supported");
    check_error("y ~ a $ b", 7, "unexpected character '$' at position 7");
    check_error("y ~ a | g", 7, "written in parentheses, (1 | G)");
    check_error("y ~ \"a\"", 5, "backticks");
    check_error("y ~ x + (x | g)", 9, "random slopes are not supported");
    check_error("y ~ x + (0 + x | g)", 9, "has '0 + x ' before '|'");
    check_error("y ~ (1 | g) + (1 | h)", 15, "a second random-intercept term");
    check_error("y ~ x * (1 | g)", 9, "cannot be combined with '*'");
    check_error("y ~ x:(1 | g)", 7, "cannot be combined with ':'");
    check_error("y ~ (1 | g)^2", 5, "cannot be combined with '^'");
    check_error("y ~ x - (1 | g)", 9, "cannot be combined with '-'");
    check_error("y ~ (a + (1 | g))", 10, "not inside parentheses");
    check_error("y ~ (1 | g/h)", 11, "nested or crossed groupings");
    check_error("y ~ (1 | g:h)", 11, "nested or crossed groupings");
    check_error("y ~ (1 | factor(g))", 10, "must be a column name");
    check_error("y ~ (1 | )", 10, "the grouping column of (1 | G) is expected");
    check_error("y ~ (1 | g", 5, "is never closed");
    check_error("y ~ (1 | y)", 10, "the outcome 'y' also appears");
    check_error("y ~ g + (1 | g)", 5, "both a predictor");
    check_error("y ~ `a b", 5, "backtick at position 5 is never closed");
    check_error("y ~ ``", 5, "empty name");
    check_error("y ~ 2x", 5, "'2x' at position 5 is not a number or a name");
    check_error("y ~ factor(1)", 12, "factor() takes one column name");
    check_error("y ~ factor(a + b)", 14, "expected ')'");
    check_error("y ~ I()", 6, "empty parentheses '()' at position 6");
    check_error("y ~ I(a:b)", 8, "unexpected ':' at position 8 inside I()");
    check_error("y ~ a:b:c:d:e:f:g:h:i", 20, "more than 8 parts");
    check_error("y ~ x\x01", 6, "control character 0x01");
    /* positions count characters, not bytes */
    check_error("\xc3\xa9 ~ \xc3\xa2 +", 7, "ends with '+' at position 7");
}

static void test_nesting_limits(void **state)
{
    (void)state;
    char buf[2048];
    /* 300 nested parentheses in I(): refused, not a crash */
    strcpy(buf, "y ~ I(");
    for (int k = 0; k < 300; k++)
        strcat(buf, "(");
    strcat(buf, "x");
    for (int k = 0; k < 300; k++)
        strcat(buf, ")");
    strcat(buf, ")");
    partreg_formula *f = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse(buf, &f, &err), PARTREG_EFORMULA);
    assert_contains(err.message, "nested too deeply");
    /* right-nested sums need a deep stack: refused */
    strcpy(buf, "y ~ I(x");
    for (int k = 0; k < 100; k++)
        strcat(buf, "+(x");
    for (int k = 0; k < 100; k++)
        strcat(buf, ")");
    strcat(buf, ")");
    assert_int_equal(partreg_formula_parse(buf, &f, &err), PARTREG_EFORMULA);
    assert_contains(err.message, "nested too deeply");
    /* term explosion: (a+...+h)^8 has 255 terms: fine; products beyond the limit refused */
    assert_int_equal(partreg_formula_parse("y ~ (a+b+c+d+e+f+g+h)^8", &f, &err), PARTREG_OK);
    assert_int_equal(partreg_formula_n_terms(f), 255);
    partreg_formula_free(f);
    assert_int_equal(partreg_formula_parse("y ~ (a+b+c+d+e+f+g+h+i+j+k+l+m)^8", &f, &err),
                     PARTREG_EFORMULA);
    assert_contains(err.message, "more than 4096 terms");
    assert_null(f);
}

static void test_invalid_args(void **state)
{
    (void)state;
    partreg_formula *f = NULL;
    partreg_error err;
    assert_int_equal(partreg_formula_parse(NULL, &f, &err), PARTREG_EINVAL);
    assert_null(f);
    assert_int_equal(partreg_formula_parse("y ~ x", NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_formula_parse("y ~ x +", &f, NULL), PARTREG_EFORMULA);
    partreg_formula_free(NULL);
}

/* Value and derivative of the single expression atom of "y ~ <term>" at
 * variables vals, with respect to variable dvar. */
static void eval_term(const char *text, const double *vals, long dvar, double *v, double *d)
{
    partreg_formula *f = NULL;
    partreg_error err;
    partreg_status st = partreg_formula_parse(text, &f, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_int_equal(f->atoms[0].kind, PARTREG_ATOM_EXPR);
    *v = partreg_expr_eval(&f->atoms[0].expr, vals, dvar, d);
    partreg_formula_free(f);
}

static void test_expressions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value; /* closed form at a = 1.7, b = 0.385 (Python 3.11 math module, 17 digits) */
    } cases[] = {
        {"y ~ I(a^2)", 2.89},
        {"y ~ I(-a^2)", -2.89},
        {"y ~ I(2^-1*a)", 0.85},
        {"y ~ I((a - b) / (a + b))", (1.7 - 0.385) / (1.7 + 0.385)},
        {"y ~ I(a*b - 3e-1)", 1.7 * 0.385 - 0.3},
        {"y ~ log(a*b)", -0.4238836936321825},    /* log(0.6545), Python math.log */
        {"y ~ exp(-b)", 0.6804506362045877},      /* exp(-0.385) */
        {"y ~ sqrt(a + b)", 1.4439529078193651},  /* sqrt(2.085) */
        {"y ~ I(a^b)", 1.2266561335045691},       /* 1.7^0.385 */
        {"y ~ I(log(a)^2 + exp(b)/a)", 0.2815663408252977 + 1.4696143214411443 / 1.7},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double vals[2] = {1.7, 0.385}, v, d, vp, vm, dd;
        /* the parser numbers variables in order of appearance: find a's slot */
        partreg_formula *f = NULL;
        assert_int_equal(partreg_formula_parse(cases[k].text, &f, NULL), PARTREG_OK);
        long ia = strcmp(partreg_formula_variable(f, 0), "a") == 0 ? 0 : 1;
        size_t nv = partreg_formula_n_variables(f);
        partreg_formula_free(f);
        if (nv == 1)
            vals[0] = ia == 0 ? 1.7 : 0.385;
        else if (ia == 1) {
            vals[0] = 0.385;
            vals[1] = 1.7;
        }
        eval_term(cases[k].text, vals, -1, &v, &d);
        assert_rel(v, cases[k].value, 1e-13);
        assert_true(d == 0.0);
        /* derivative w.r.t. every variable against a central difference */
        for (size_t j = 0; j < nv; j++) {
            double h = 1e-6, save = vals[j];
            eval_term(cases[k].text, vals, (long)j, &v, &d);
            vals[j] = save + h;
            eval_term(cases[k].text, vals, -1, &vp, &dd);
            vals[j] = save - h;
            eval_term(cases[k].text, vals, -1, &vm, &dd);
            vals[j] = save;
            assert_rel_floor(d, (vp - vm) / (2 * h), 1e-7, 1e-6);
        }
    }
    /* a constant power of a negative number keeps a finite derivative */
    double vals[1] = {-1.5}, v, d;
    eval_term("y ~ I(x^3)", vals, 0, &v, &d);
    assert_rel(v, -3.375, 1e-15);
    assert_rel(d, 6.75, 1e-15);
}

/* Code the parser never emits (empty, an operator short of operands,
 * deeper than the stack, two values left) evaluates to NaN without
 * reading outside the evaluation stack. */
static void test_expression_malformed(void **state)
{
    (void)state;
    double vals[1] = {2.385}, d = 0.0;
    partreg_expr e;
    memset(&e, 0, sizeof e);
    assert_true(isnan(partreg_expr_eval(&e, vals, 0, &d)) && isnan(d));
    assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_VAR, 0, 0.0), PARTREG_OK);
    assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_MUL, 0, 0.0), PARTREG_OK);
    assert_true(isnan(partreg_expr_eval(&e, vals, 0, &d)) && isnan(d));
    partreg_expr_clear(&e);
    for (size_t k = 0; k <= PARTREG_EXPR_MAX_STACK; k++)
        assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_CONST, 0, 1.5), PARTREG_OK);
    assert_true(isnan(partreg_expr_eval(&e, vals, 0, &d)) && isnan(d));
    partreg_expr_clear(&e);
    assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_VAR, 0, 0.0), PARTREG_OK);
    assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_CONST, 0, 1.5), PARTREG_OK);
    assert_true(isnan(partreg_expr_eval(&e, vals, 0, &d)) && isnan(d));
    assert_int_equal(partreg_expr_emit(&e, PARTREG_EXPR_ADD, 0, 0.0), PARTREG_OK);
    assert_rel(partreg_expr_eval(&e, vals, 0, &d), 3.885, 1e-15);
    assert_rel(d, 1.0, 1e-15);
    partreg_expr_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),       cmocka_unit_test(test_intercept),
        cmocka_unit_test(test_random_intercept),
        cmocka_unit_test(test_functions),    cmocka_unit_test(test_interactions),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_invalid_args), cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_expression_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
