/* Out of memory: every allocation failure is a status. The test
 * is linked with -Wl,--wrap for malloc, calloc, realloc, aligned_alloc and
 * the GSL allocators the library calls (tests/CMakeLists.txt), so the k-th
 * allocation made by the library can be made to fail; a failing GSL
 * allocator returns NULL as GSL does with its error handler off. For each
 * operation (table read, formula parse, frame, binary and ordinal fits,
 * sandwich and cluster covariances, profile interval, Wald/Brant tests,
 * diagnostics, margins, the whole analysis and its report) and each
 * k = 1, 2, ... until the operation makes fewer than k allocations, the
 * status must be PARTREG_OK or PARTREG_ENOMEM, out-parameters NULL on
 * failure, and nothing may leak or crash (run under ASan by
 * `make test-asan` and under valgrind by scripts/valgrind.sh). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_roots.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_report.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "partreg_table.h"
#include "testutil.h"

/* ---- the failing allocator -------------------------------------------------- */

static long alloc_count;   /* allocations seen since arming */
static long fail_at;       /* fail this one (1-based); 0 = disarmed */
static int failed;         /* the armed failure happened */

static int fail_now(void)
{
    if (fail_at <= 0)
        return 0;
    if (++alloc_count == fail_at) {
        failed = 1;
        return 1;
    }
    return 0;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t m, size_t n) { return fail_now() ? NULL : __real_calloc(m, n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    return fail_now() ? NULL : __real_aligned_alloc(a, n);
}

#define WRAP_GSL(type, name, params, args)  \
    type __real_##name params;              \
    type __wrap_##name params;              \
    type __wrap_##name params { return fail_now() ? NULL : __real_##name args; }
WRAP_GSL(gsl_matrix *, gsl_matrix_alloc, (size_t a, size_t b), (a, b))
WRAP_GSL(gsl_matrix *, gsl_matrix_calloc, (size_t a, size_t b), (a, b))
WRAP_GSL(gsl_vector *, gsl_vector_alloc, (size_t a), (a))
WRAP_GSL(gsl_vector *, gsl_vector_calloc, (size_t a), (a))
WRAP_GSL(gsl_permutation *, gsl_permutation_alloc, (size_t a), (a))
WRAP_GSL(gsl_eigen_symmv_workspace *, gsl_eigen_symmv_alloc, (size_t a), (a))
WRAP_GSL(gsl_root_fsolver *, gsl_root_fsolver_alloc, (const gsl_root_fsolver_type *t), (t))

static void arm(long k)
{
    alloc_count = 0;
    failed = 0;
    fail_at = k;
}

static void disarm(void) { fail_at = 0; }

/* ---- fixtures (built with the allocator disarmed) ---------------------------- */

static char csv[8192];
static size_t csv_len;

static void make_csv(void)
{
    csv_len = (size_t)snprintf(csv, sizeof csv, "y,o,x,z,g,w,cl\n");
    for (int i = 0; i < 48; i++)
        csv_len += (size_t)snprintf(csv + csv_len, sizeof csv - csv_len,
                                    "%s,%d,%.3f,%.3f,%s,%d,%d\n",
                                    (i * 7 + i / 5) % 3 == 0 ? "yes" : "no", 1 + (i * 5 + i / 7) % 4,
                                    0.11 * i - 2.3, 0.37 * ((i * 13) % 11) + 0.5,
                                    i % 3 ? "a" : (i % 2 ? "b" : "c"), 1 + i % 3, i % 6);
}

typedef partreg_status (*op_fn)(void);

/* Run op with the k-th allocation failing, for every k until op makes
 * fewer than k allocations; every run must end OK or ENOMEM. */
static void sweep(const char *name, op_fn op)
{
    long k;
    int saw_enomem = 0;
    for (k = 1; k < 100000; k++) {
        arm(k);
        partreg_status st = op();
        int hit = failed;
        disarm();
        if (st != PARTREG_OK && st != PARTREG_ENOMEM) {
            print_error("%s: allocation %ld failing gave %s\n", name, k, partreg_status_name(st));
            fail();
        }
        saw_enomem |= st == PARTREG_ENOMEM;
        if (!hit) {
            assert_int_equal(st, PARTREG_OK);
            break;
        }
    }
    print_message("%s: %ld allocations, each failed in turn\n", name, k - 1);
    assert_true(saw_enomem || k == 1);
}

/* ---- operations ---------------------------------------------------------------- */

static partreg_table *T;
static partreg_formula *Fb, *Fo;
static partreg_frame *FRb, *FRo;
static partreg_fit *FITb, *FITo;

static partreg_status op_table(void)
{
    partreg_table *t = (partreg_table *)1;
    static const char *const na[] = {"-9"};
    partreg_read_options ro = partreg_read_options_default();
    ro.na_strings = na;
    ro.n_na_strings = 1;
    partreg_status st = partreg_table_read_csv_buffer(csv, csv_len, "oom", &ro, &t, NULL);
    if (st != PARTREG_OK)
        assert_null(t);
    partreg_table_free(t);
    return st;
}

static partreg_status op_formula(void)
{
    partreg_formula *f = (partreg_formula *)1;
    partreg_status st =
        partreg_formula_parse("y ~ x*g + I(z^2) + log(z) + (x + z + g)^2 - x:z", &f, NULL);
    if (st != PARTREG_OK)
        assert_null(f);
    partreg_formula_free(f);
    return st;
}

static partreg_status op_frame(void)
{
    partreg_frame *fr = (partreg_frame *)1;
    partreg_frame_options fo = partreg_frame_options_default();
    static const char *const rv[] = {"g"}, *const rl[] = {"b"};
    fo.weights = "w";
    fo.cluster = "cl";
    fo.ref_variables = rv;
    fo.ref_levels = rl;
    fo.n_refs = 1;
    partreg_status st = partreg_frame_create(T, Fb, &fo, &fr, NULL);
    if (st != PARTREG_OK)
        assert_null(fr);
    partreg_frame_free(fr);
    return st;
}

static partreg_status fit_of(const partreg_frame *fr, partreg_link link)
{
    partreg_data d;
    partreg_frame_data(fr, &d);
    partreg_fit *fit = (partreg_fit *)1;
    partreg_status st = partreg_fit_create(&d, partreg_frame_family(fr), link, NULL, &fit, NULL);
    if (st != PARTREG_OK)
        assert_null(fit);
    partreg_fit_free(fit);
    return st;
}

/* workers started, an ordinal fit on them, stopped */
static partreg_status op_workers(void)
{
    partreg_workers *w = NULL;
    partreg_status st = partreg_workers_create(2, &w, NULL);
    if (st != PARTREG_OK) {
        assert_null(w);
        return st;
    }
    partreg_data d;
    partreg_frame_data(FRo, &d);
    partreg_fit_options o = partreg_fit_options_default();
    o.workers = w;
    partreg_fit *fit = NULL;
    st = partreg_fit_create(&d, partreg_frame_family(FRo), PARTREG_LOGIT, &o, &fit, NULL);
    partreg_fit_free(fit);
    partreg_workers_free(w);
    return st;
}

static partreg_status op_fit_binary(void) { return fit_of(FRb, PARTREG_PROBIT); }
static partreg_status op_fit_ordinal(void) { return fit_of(FRo, PARTREG_LOGIT); }

static partreg_status op_vcov(void)
{
    partreg_data d;
    partreg_frame_data(FRb, &d);
    size_t G;
    const size_t *cl = partreg_frame_clusters(FRb, &G);
    partreg_status st = partreg_fit_set_vcov(FITb, &d, PARTREG_VCOV_HC1, NULL, 0, NULL);
    if (st == PARTREG_OK)
        st = partreg_fit_set_vcov(FITb, &d, PARTREG_VCOV_CLUSTER, cl, G, NULL);
    partreg_frame_data(FRo, &d);
    if (st == PARTREG_OK)
        st = partreg_fit_set_vcov(FITo, &d, PARTREG_VCOV_HC0, NULL, 0, NULL);
    return st;
}

static partreg_status op_inference(void)
{
    partreg_data d;
    double lo, hi, chi2, df, p;
    partreg_frame_data(FRb, &d);
    partreg_status st = partreg_fit_profile_ci(FITb, &d, 1, 0.95, &lo, &hi, NULL);
    size_t idx[3] = {1, 2, 3};
    if (st == PARTREG_OK)
        st = partreg_fit_wald_test(FITb, idx, 3, &chi2, &df, &p, NULL);
    partreg_binary_diagnostics diag;
    if (st == PARTREG_OK)
        st = partreg_fit_binary_diagnostics(FITb, &d, NULL, &diag, NULL);
    partreg_wald_table *wt = (partreg_wald_table *)1;
    if (st == PARTREG_OK) {
        st = partreg_wald_tests_by_variable(FITo, FRo, &wt, NULL);
        if (st != PARTREG_OK)
            assert_null(wt);
        partreg_wald_table_free(wt);
    }
    partreg_brant *b = (partreg_brant *)1;
    partreg_frame_data(FRo, &d);
    if (st == PARTREG_OK) {
        st = partreg_brant_test(FITo, &d, &b, NULL);
        if (st != PARTREG_OK)
            assert_null(b);
        partreg_brant_free(b);
    }
    return st;
}

static partreg_status op_margins(void)
{
    partreg_margins *m = (partreg_margins *)1;
    partreg_status st = partreg_margins_ame(FITb, FRb, 0.95, &m, NULL);
    if (st != PARTREG_OK)
        assert_null(m);
    partreg_margins_free(m);
    if (st != PARTREG_OK)
        return st;
    m = (partreg_margins *)1;
    st = partreg_margins_mem(FITo, FRo, 0.95, &m, NULL);
    if (st != PARTREG_OK)
        assert_null(m);
    partreg_margins_free(m);
    if (st != PARTREG_OK)
        return st;
    partreg_setting *set = (partreg_setting *)1;
    size_t n_set = 9;
    st = partreg_parse_settings(FRb, "x=0.5,g=c", &set, &n_set, NULL);
    if (st != PARTREG_OK) {
        assert_null(set);
        return st;
    }
    m = (partreg_margins *)1;
    st = partreg_margins_at(FITb, FRb, set, n_set, 0.9, &m, NULL);
    if (st != PARTREG_OK)
        assert_null(m);
    partreg_margins_free(m);
    free(set);
    return st;
}

static partreg_status op_analysis(void)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "o ~ x + z + g";
    spec.margins = 1;
    spec.margins_at_means = 1;
    spec.at = "x=1";
    spec.brant = 1;
    spec.vcov = PARTREG_VCOV_CLUSTER;
    spec.frame.cluster = "cl";
    partreg_analysis *a = (partreg_analysis *)1;
    partreg_status st = partreg_analysis_run_table(T, &spec, &a, NULL);
    if (st != PARTREG_OK) {
        assert_null(a);
        return st;
    }
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    for (int fmt = 0; fmt < 3 && st == PARTREG_OK; fmt++)
        st = partreg_analysis_write(a, out, (partreg_format)fmt, 1, NULL);
    fclose(out);
    partreg_analysis_free(a);
    return st;
}

static partreg_status op_analysis_binary(void)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x + log(z) + g";
    spec.margins = 1;
    spec.ci = PARTREG_CI_PROFILE;
    spec.frame.weights = "w";
    partreg_analysis *a = (partreg_analysis *)1;
    partreg_status st = partreg_analysis_run_table(T, &spec, &a, NULL);
    if (st != PARTREG_OK) {
        assert_null(a);
        return st;
    }
    partreg_analysis_free(a);
    return st;
}

/* A random intercept (1 | cl): the specification's copies, the model's
 * state, the staged fit, margins averaged over u, every format and the
 * HTML report's community effects. */
static partreg_status op_analysis_random(void)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "o ~ x + z + (1 | cl)";
    spec.margins = 1;
    spec.at = "x=1";
    spec.nagq = 7;
    partreg_analysis *a = (partreg_analysis *)1;
    partreg_status st = partreg_analysis_run_table(T, &spec, &a, NULL);
    if (st != PARTREG_OK) {
        assert_null(a);
        return st;
    }
    FILE *out = fopen("/dev/null", "w");
    assert_non_null(out);
    for (int fmt = 0; fmt < 3 && st == PARTREG_OK; fmt++)
        st = partreg_analysis_write(a, out, (partreg_format)fmt, 1, NULL);
    if (st == PARTREG_OK)
        st = partreg_analysis_write_html(a, out, NULL, NULL);
    fclose(out);
    partreg_analysis_free(a);
    return st;
}

/* ---- tests ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    make_csv();
    partreg_frame_options fo = partreg_frame_options_default();
    fo.weights = "w";
    fo.cluster = "cl";
    if (partreg_table_read_csv_buffer(csv, csv_len, "oom", NULL, &T, NULL) ||
        partreg_formula_parse("y ~ x*g + log(z)", &Fb, NULL) ||
        partreg_formula_parse("o ~ x + z + g", &Fo, NULL) ||
        partreg_frame_create(T, Fb, &fo, &FRb, NULL) ||
        partreg_frame_create(T, Fo, NULL, &FRo, NULL))
        return -1;
    partreg_data d;
    partreg_frame_data(FRb, &d);
    if (partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &FITb, NULL))
        return -1;
    partreg_frame_data(FRo, &d);
    if (partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &FITo, NULL))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    partreg_fit_free(FITb);
    partreg_fit_free(FITo);
    partreg_frame_free(FRb);
    partreg_frame_free(FRo);
    partreg_formula_free(Fb);
    partreg_formula_free(Fo);
    partreg_table_free(T);
    return 0;
}

static void test_table(void **s) { (void)s; sweep("table read", op_table); }
static void test_formula(void **s) { (void)s; sweep("formula parse", op_formula); }
static void test_frame(void **s) { (void)s; sweep("frame create", op_frame); }
static void test_fit(void **s)
{
    (void)s;
    sweep("binary fit", op_fit_binary);
    sweep("ordinal fit", op_fit_ordinal);
    sweep("workers and a fit on them", op_workers);
}
static void test_vcov(void **s) { (void)s; sweep("vcov", op_vcov); }
static void test_inference(void **s) { (void)s; sweep("profile/Wald/Brant/diagnostics", op_inference); }
static void test_margins(void **s) { (void)s; sweep("margins", op_margins); }
static void test_analysis(void **s)
{
    (void)s;
    sweep("analysis (ordinal, report)", op_analysis);
    sweep("analysis (binary, profile)", op_analysis_binary);
    sweep("analysis (random intercept, margins, report)", op_analysis_random);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),     cmocka_unit_test(test_formula),
        cmocka_unit_test(test_frame),     cmocka_unit_test(test_fit),
        cmocka_unit_test(test_vcov),      cmocka_unit_test(test_inference),
        cmocka_unit_test(test_margins),   cmocka_unit_test(test_analysis),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
