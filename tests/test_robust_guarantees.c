/* Library guarantees of include/partreg.h, tested:
 * - GSL's error handler never fires on user input: a handler that fails
 *   the test is installed, then bad and extreme data go through fits,
 *   frames, covariances, profile intervals, margins, Wald/Brant tests and
 *   diagnostics (the statuses themselves are checked in test_robust_inputs).
 * - Thread safety: four different models fitted from four threads at once
 *   (pthreads), each twice, give the single-thread results bit for bit.
 * - Determinism: the same analysis run twice writes identical bytes. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_formula.h"
#include "partreg_margins.h"
#include "partreg_table.h"
#include "testutil.h"

#define SURVEY PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv"

static volatile int handler_calls;
static int n_fits; /* fits that came back, to show the inputs get that far */

static void failing_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    handler_calls++;
    print_error("GSL error handler fired: %s (%s:%d, errno %d)\n", reason, file, line, gsl_errno);
    _fail(file, line);
}

/* Everything a user can ask of a fit, errors allowed, handler must stay quiet. */
static void exercise(const char *csv, size_t len, const char *formula, partreg_link link,
                     const char *weights, const char *cluster)
{
    partreg_table *t = NULL;
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_fit *fit = NULL;
    partreg_error err;
    if (partreg_table_read_csv_buffer(csv, len, "mem", NULL, &t, &err) != PARTREG_OK)
        return;
    if (partreg_formula_parse(formula, &f, &err) != PARTREG_OK)
        goto done;
    partreg_frame_options fo = partreg_frame_options_default();
    fo.weights = weights;
    fo.cluster = cluster;
    if (partreg_frame_create(t, f, &fo, &fr, &err) != PARTREG_OK)
        goto done;
    partreg_data d;
    partreg_frame_data(fr, &d);
    partreg_status st = partreg_fit_create(&d, partreg_frame_family(fr), link, NULL, &fit, &err);
    if (!fit)
        goto done;
    (void)st;
    n_fits++;
    size_t full = partreg_fit_n_columns(fit) + partreg_fit_n_thresholds(fit);
    for (size_t j = 0; j < full; j++) {
        partreg_estimate e;
        double lo, hi;
        partreg_fit_estimate(fit, j, 0.95, &e, NULL);
        if (j < partreg_fit_n_columns(fit))
            partreg_fit_profile_ci(fit, &d, j, 0.9, &lo, &hi, NULL);
    }
    partreg_margins *m = NULL;
    partreg_margins_ame(fit, fr, 0.95, &m, NULL);
    partreg_margins_free(m);
    partreg_margins_mem(fit, fr, 0.95, &m, NULL);
    partreg_margins_free(m);
    partreg_margins_at(fit, fr, NULL, 0, 0.95, &m, NULL);
    partreg_margins_free(m);
    partreg_wald_table *wt = NULL;
    partreg_wald_tests_by_variable(fit, fr, &wt, NULL);
    partreg_wald_table_free(wt);
    size_t all[64], m_all = full < 64 ? full : 64;
    for (size_t j = 0; j < m_all; j++)
        all[j] = j;
    double chi2, df, p;
    partreg_fit_wald_test(fit, all, m_all, &chi2, &df, &p, NULL);
    if (partreg_fit_family(fit) == PARTREG_BINARY) {
        partreg_binary_diagnostics diag;
        partreg_fit_binary_diagnostics(fit, &d, NULL, &diag, NULL);
    } else {
        partreg_brant *b = NULL;
        partreg_brant_test(fit, &d, &b, NULL);
        partreg_brant_free(b);
    }
    gsl_matrix *P = gsl_matrix_alloc(d.n, partreg_fit_family(fit) == PARTREG_BINARY ? 1 : d.n_levels);
    partreg_fit_predict(fit, &d, P, NULL);
    gsl_matrix_free(P);
    static const partreg_vcov_type types[] = {PARTREG_VCOV_HC0, PARTREG_VCOV_HC1,
                                              PARTREG_VCOV_CLUSTER, PARTREG_VCOV_MODEL};
    size_t G = 0;
    const size_t *cl = partreg_frame_clusters(fr, &G);
    for (size_t k = 0; k < 4; k++)
        partreg_fit_set_vcov(fit, &d, types[k], cl, G, NULL);
done:
    partreg_fit_free(fit);
    partreg_frame_free(fr);
    partreg_formula_free(f);
    partreg_table_free(t);
}

static void test_gsl_handler_never_fires(void **state)
{
    (void)state;
    gsl_error_handler_t *old = gsl_set_error_handler(failing_handler);
    char buf[16384];
    size_t used;
    static const partreg_link links[] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG,
                                         PARTREG_LOGLOG, PARTREG_CAUCHIT};
    /* separated, quasi-separated, collinear, constant, extreme-scale, huge
     * and tiny values, one class, zero weights, single cluster */
    static const char *const formulas[] = {"y ~ x", "y ~ x + z", "y ~ x + z + x2", "y ~ c + x",
                                           "y ~ big + small", "y ~ huge", "y ~ tiny + x",
                                           "o ~ x + z", "o ~ big + small", "o ~ x + g",
                                           "sep ~ x", "one ~ x", "y ~ x*g", "y ~ log(z) + I(x^9)"};
    used = (size_t)snprintf(buf, sizeof buf, "y,o,sep,one,x,z,x2,c,big,small,huge,tiny,g,w,cl\n");
    for (int i = 0; i < 80; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used,
                                 "%d,%d,%d,1,%.3f,%.3f,%.3f,3,%.1f,%.8f,%.6g,%.6g,%s,%d,%d\n",
                                 (i * 7 + i / 5) % 3 == 0, 1 + (i * 5 + i / 7) % 4, i >= 40,
                                 0.05 * i, 0.37 * ((i * 13) % 11), 0.1 * i + 2, 1e6 * (1 + i % 9),
                                 1e-3 * ((i * 7) % 11 - 5), (i - 40) * 1e150, (i - 40) * 1e-300,
                                 i % 3 ? "a" : "b", i % 4, 7);
    for (size_t k = 0; k < sizeof formulas / sizeof formulas[0]; k++)
        for (size_t l = 0; l < 5; l++) {
            exercise(buf, used, formulas[k], links[l], NULL, NULL);
            exercise(buf, used, formulas[k], links[l], "w", "cl");
        }
    /* squares that overflow */
    used = (size_t)snprintf(buf, sizeof buf, "y,o,x\n");
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%d,%.6g\n", (i * 7) % 3 == 0,
                                 i % 3, (i - 15) * 1e201);
    for (size_t l = 0; l < 5; l++) {
        exercise(buf, used, "y ~ x", links[l], NULL, NULL);
        exercise(buf, used, "o ~ x", links[l], NULL, NULL);
    }
    /* raw arrays: ordinal with a huge level count, NaN, inf */
    double X[8] = {1, 0.5, 1, NAN, 1, INFINITY, 1, 3.5}, y[4] = {0, 1, 0, 1};
    partreg_data d = {4, 2, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, NULL);
    partreg_fit_free(fit);
    d.n_levels = (size_t)1 << 40;
    partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, NULL);
    partreg_fit_free(fit);
    gsl_set_error_handler(old);
    assert_int_equal(handler_calls, 0);
    print_message("%d fits exercised\n", n_fits);
    assert_true(n_fits >= 100);
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct job {
    const char *formula;
    partreg_link link;
    partreg_vcov_type vcov;
    const char *cluster;
    int fit_threads;
    char *out;      /* the JSON report */
    size_t out_len;
    partreg_status st;
} job;

static void run_job(job *j)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = j->formula;
    spec.link = j->link;
    spec.vcov = j->vcov;
    spec.frame.cluster = j->cluster;
    spec.margins = 1;
    spec.fit.threads = j->fit_threads;
    partreg_analysis *a = NULL;
    j->st = partreg_analysis_run(SURVEY, &spec, &a, NULL);
    j->out = NULL;
    j->out_len = 0;
    if (!a)
        return;
    FILE *mem = tmpfile();
    if (mem) {
        partreg_analysis_write(a, mem, PARTREG_FORMAT_JSON, 0, NULL);
        long n = ftell(mem);
        rewind(mem);
        j->out = malloc((size_t)n + 1);
        if (j->out) {
            j->out_len = fread(j->out, 1, (size_t)n, mem);
            j->out[j->out_len] = '\0';
        }
        fclose(mem);
    }
    partreg_analysis_free(a);
}

static void *thread_main(void *arg)
{
    run_job(arg);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    job proto[4] = {
        {"participated ~ social_capital + age + education + log(income)", PARTREG_LOGIT,
         PARTREG_VCOV_MODEL, NULL, 1, NULL, 0, PARTREG_OK},
        {"willingness ~ social_capital + insured + age", PARTREG_PROBIT, PARTREG_VCOV_HC1, NULL, 1,
         NULL, 0, PARTREG_OK},
        {"participated ~ social_capital*insured + I(age^2)", PARTREG_CLOGLOG,
         PARTREG_VCOV_CLUSTER, "community", 2, NULL, 0, PARTREG_OK},
        {"willingness ~ education + gender + income", PARTREG_CAUCHIT, PARTREG_VCOV_HC0, NULL, 2,
         NULL, 0, PARTREG_OK},
    };
    job serial[4], par[8];
    for (int k = 0; k < 4; k++) {
        serial[k] = proto[k];
        run_job(&serial[k]);
        assert_int_equal(serial[k].st, PARTREG_OK);
        assert_non_null(serial[k].out);
    }
    pthread_t tid[8];
    for (int k = 0; k < 8; k++) {
        par[k] = proto[k % 4];
        assert_int_equal(pthread_create(&tid[k], NULL, thread_main, &par[k]), 0);
    }
    for (int k = 0; k < 8; k++)
        assert_int_equal(pthread_join(tid[k], NULL), 0);
    for (int k = 0; k < 8; k++) {
        assert_int_equal(par[k].st, PARTREG_OK);
        assert_non_null(par[k].out);
        assert_int_equal(par[k].out_len, serial[k % 4].out_len);
        assert_memory_equal(par[k].out, serial[k % 4].out, par[k].out_len); /* bit for bit */
        free(par[k].out);
    }
    for (int k = 0; k < 4; k++)
        free(serial[k].out);
}

/* Fits compared at the level of the doubles, across repeated runs. */
static void test_determinism(void **state)
{
    (void)state;
    for (int rep = 0; rep < 2; rep++) {
        job a = {"willingness ~ social_capital + age + education", PARTREG_LOGIT,
                 PARTREG_VCOV_CLUSTER, "community", 2, NULL, 0, PARTREG_OK};
        job b = a;
        run_job(&a);
        run_job(&b);
        assert_non_null(a.out);
        assert_non_null(b.out);
        assert_int_equal(a.out_len, b.out_len);
        assert_memory_equal(a.out, b.out, a.out_len);
        free(a.out);
        free(b.out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsl_handler_never_fires),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
