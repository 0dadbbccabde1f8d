/* Community random intercepts (1 | G) against tests/ref/ref_ri.h (made
 * with R by tests/ref/ri_common.R, cross-checked against lme4::glmer and
 * ordinal::clmm; provenance and agreement in the header):
 *   - the Gauss-Hermite rule against the header's 15-point one;
 *   - the marginal log-likelihood at Q = 1, 15, 25, 50 at fixed
 *     parameters, and its analytic gradient at a test point for every link
 *     at Q = 1 and 15 (three data sets: binary cbpp, ordinal logit
 *     willingness, ordinal probit soup);
 *   - the analytic information against central differences of the
 *     analytic gradient (the Hessian of our own likelihood);
 *   - fits: estimates, the full covariance over (beta, theta, log sd),
 *     conditional modes and SEs, population-averaged and conditional
 *     probabilities; accuracy in Q (the maxima at Q = 15, 25, 50);
 *   - metamorphic: results independent of the thread count (bits) and of
 *     the order of the rows (rounding), case weights = duplicated rows;
 *   - the boundary (sigma at 0) and every failure, provoked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/design.h"
#include "models/fit_internal.h"
#include "models/model.h"
#include "models/objective.h"
#include "models/random_intercept.h"
#include "models/ri_terms.h"
#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_formula.h"
#include "partreg_table.h"
#include "ref/ref_ri.h"
#include "routes.h"
#include "testutil.h"

#define DATA PARTREG_TEST_DATA_DIR "/"
#define EXAMPLES PARTREG_SOURCE_DIR "/examples/data/"

/* ---- problems ----------------------------------------------------------- */

typedef struct problem {
    partreg_table *t;
    partreg_formula *f;
    partreg_frame *fr;
    partreg_data d;
} problem;

static void problem_load(problem *P, const char *path, const char *formula, partreg_family fam,
                         const char *levels)
{
    partreg_error err;
    memset(P, 0, sizeof *P);
    if (partreg_table_read(path, NULL, &P->t, &err) != PARTREG_OK)
        print_error("%s: %s\n", path, err.message);
    assert_non_null(P->t);
    assert_int_equal(partreg_formula_parse(formula, &P->f, &err), PARTREG_OK);
    partreg_frame_options fo = partreg_frame_options_default();
    fo.family_auto = 0;
    fo.family = fam;
    char buf[256];
    const char *lv[16];
    if (levels) {
        strncpy(buf, levels, sizeof buf - 1);
        buf[sizeof buf - 1] = '\0';
        size_t n = 0;
        for (char *tok = strtok(buf, ","); tok && n < 16; tok = strtok(NULL, ","))
            lv[n++] = tok;
        fo.levels = lv;
        fo.n_levels = n;
    }
    if (partreg_frame_create(P->t, P->f, &fo, &P->fr, &err) != PARTREG_OK)
        print_error("%s: %s\n", formula, err.message);
    assert_non_null(P->fr);
    partreg_frame_data(P->fr, &P->d);
}

static void problem_free(problem *P)
{
    partreg_frame_free(P->fr);
    partreg_formula_free(P->f);
    partreg_table_free(P->t);
}

static void load_cbpp(problem *P)
{
    problem_load(P, DATA "cbpp_long.csv", "incidence ~ factor(period) + (1 | herd)",
                 PARTREG_BINARY, NULL);
}

static void load_will(problem *P)
{
    problem_load(P, EXAMPLES "participation_survey.csv",
                 "willingness ~ social_capital + insured + age + education + log(income) + "
                 "(1 | community)",
                 PARTREG_ORDINAL, "1,2,3,4,5");
}

static void load_soup(problem *P)
{
    problem_load(P, DATA "soup_resp.csv", "SURENESS ~ PROD + (1 | RESP)", PARTREG_ORDINAL,
                 "1,2,3,4,5,6");
}

static partreg_model_spec *spec_of(const problem *P, partreg_link link, int nagq, int conditional)
{
    partreg_model_spec *spec = NULL;
    partreg_error err;
    size_t G = 0;
    const size_t *g = partreg_frame_groups(P->fr, &G);
    assert_non_null(g);
    assert_int_equal(partreg_model_spec_create(partreg_frame_family(P->fr), link, &spec, &err),
                     PARTREG_OK);
    const char **labels = malloc(G * sizeof *labels);
    for (size_t k = 0; k < G; k++)
        labels[k] = partreg_frame_group_label(P->fr, k);
    assert_int_equal(partreg_model_spec_set_groups(spec, P->d.n, g, G, labels,
                                                   partreg_frame_group_variable(P->fr), &err),
                     PARTREG_OK);
    free(labels);
    assert_int_equal(partreg_model_spec_set_nagq(spec, nagq, &err), PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_ri_predictions(
                         spec, conditional ? PARTREG_RI_CONDITIONAL : PARTREG_RI_AVERAGED, &err),
                     PARTREG_OK);
    return spec;
}

/* The marginal log-likelihood (and gradient, information) at psi with
 * every design column kept, on `threads` threads. */
static void eval_at(const problem *P, partreg_link link, int nagq, const double *psi,
                    partreg_order order, int threads, double *ll, double *grad, double *info)
{
    partreg_model_spec *spec = spec_of(P, link, nagq, 0);
    partreg_model m;
    partreg_error err;
    assert_int_equal(partreg_model_init(&m, spec, P->d.n, P->d.p, P->d.n_levels, &err), PARTREG_OK);
    partreg_design d = {P->d.n, P->d.p, P->d.p, P->d.X, P->d.y, P->d.w, NULL, P->d.p, m.J,
                        link, &m, test_kernel(), 0};
    partreg_objective obj;
    m.ops->objective(&m, &d, &obj);
    partreg_accum *acc = partreg_accum_alloc(obj.k);
    assert_int_equal(partreg_objective_eval(&obj, psi, order, threads, 0, acc), PARTREG_OK);
    assert_false(acc->nonfinite);
    *ll = acc->loglik;
    if (grad)
        memcpy(grad, acc->grad, obj.k * sizeof *grad);
    if (info)
        memcpy(info, acc->info, obj.k * obj.k * sizeof *info);
    partreg_accum_free(acc);
    partreg_model_release(&m);
    partreg_model_spec_free(spec);
}

static partreg_fit *fit_of(const problem *P, partreg_link link, int nagq, int conditional,
                           int threads)
{
    partreg_model_spec *spec = spec_of(P, link, nagq, conditional);
    partreg_fit_options opt = partreg_fit_options_default();
    opt.threads = threads;
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create_spec(&P->d, spec, &opt, &fit, &err);
    if (st != PARTREG_OK)
        print_error("fit: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    partreg_model_spec_free(spec);
    return fit;
}

/* ---- the quadrature rule ---------------------------------------------- */

static void test_gauss_hermite(void **state)
{
    (void)state;
    double x[50], w[50];
    /* against the header's rule (statmod, Newton-refined; 2e-14 abs / 8e-14 rel) */
    assert_int_equal(partreg_ri_gauss_hermite(15, x, w), PARTREG_OK);
    for (size_t q = 0; q < 15; q++) {
        assert_rel_floor(x[q], ri_gh15_x[q], 1e-13, 1.0);
        assert_rel(w[q], ri_gh15_w[q], 1e-12);
    }
    /* E Z^(2m) = (2m - 1)!! exactly up to degree 2Q - 1 */
    for (size_t Q = 1; Q <= 50; Q += 7) {
        assert_int_equal(partreg_ri_gauss_hermite(Q, x, w), PARTREG_OK);
        double m0 = 0.0, m2 = 0.0, m4 = 0.0, m1 = 0.0;
        for (size_t q = 0; q < Q; q++) {
            m0 += w[q];
            m1 += w[q] * x[q];
            m2 += w[q] * x[q] * x[q];
            m4 += w[q] * pow(x[q], 4);
        }
        assert_rel(m0, 1.0, 1e-14);
        assert_true(fabs(m1) < 1e-14);
        if (Q >= 2)
            assert_rel(m2, 1.0, 1e-13);
        if (Q >= 3)
            assert_rel(m4, 3.0, 1e-13);
    }
    assert_int_equal(partreg_ri_gauss_hermite(0, x, w), PARTREG_EINVAL);
}

/* ---- the likelihood at fixed parameters --------------------------------- */

static const int q_values[4] = {1, 15, 25, 50};

static void check_loglik_by_q(const problem *P, partreg_link link, const double *est,
                              const double *want)
{
    for (size_t i = 0; i < 4; i++) {
        double ll;
        eval_at(P, link, q_values[i], est, PARTREG_ORDER_VALUE, 1, &ll, NULL, NULL);
        assert_rel(ll, want[i], 1e-11);
    }
}

static void test_loglik_by_q(void **state)
{
    (void)state;
    problem P;
    load_cbpp(&P);
    check_loglik_by_q(&P, PARTREG_LOGIT, ri_cbpp_est, ri_cbpp_loglik_at_est);
    problem_free(&P);
    load_will(&P);
    check_loglik_by_q(&P, PARTREG_LOGIT, ri_will_est, ri_will_loglik_at_est);
    problem_free(&P);
    load_soup(&P);
    check_loglik_by_q(&P, PARTREG_PROBIT, ri_soup_est, ri_soup_loglik_at_est);
    /* Q = 50 against stats::integrate per group: the rule's error is gone */
    double ll;
    eval_at(&P, PARTREG_PROBIT, 50, ri_soup_est, PARTREG_ORDER_VALUE, 1, &ll, NULL, NULL);
    assert_rel(ll, ri_soup_loglik_integrate, 1e-12);
    problem_free(&P);
}

/* The gradient at the test point, relative to its largest entry (the
 * header's numDeriv check says 1e-8 of that). */
static void check_grad(const problem *P, partreg_link link, const double *psi, size_t k,
                       const double *ll_want, const double *g1, const double *g15)
{
    double g[16];
    const double *want[2] = {g1, g15};
    const int nagq[2] = {1, 15};
    for (size_t i = 0; i < 2; i++) {
        double ll;
        eval_at(P, link, nagq[i], psi, PARTREG_ORDER_GRADIENT, 1, &ll, g, NULL);
        assert_rel(ll, ll_want[i], 1e-11);
        double scale = 0.0;
        for (size_t j = 0; j < k; j++)
            scale = fmax(scale, fabs(want[i][j]));
        for (size_t j = 0; j < k; j++)
            assert_rel_floor(g[j], want[i][j], 1e-9, scale);
    }
}

#define CHECK_GRAD(P, blk, link, LINK, K)                                                     \
    check_grad(P, LINK, ri_##blk##_test_psi, K, ri_##blk##_test_loglik_##link,                \
               ri_##blk##_test_grad_##link##_q1, ri_##blk##_test_grad_##link##_q15)

static void test_gradient_every_link(void **state)
{
    (void)state;
    problem P;
    load_cbpp(&P);
    CHECK_GRAD(&P, cbpp, logit, PARTREG_LOGIT, RI_CBPP_K);
    CHECK_GRAD(&P, cbpp, probit, PARTREG_PROBIT, RI_CBPP_K);
    CHECK_GRAD(&P, cbpp, cloglog, PARTREG_CLOGLOG, RI_CBPP_K);
    CHECK_GRAD(&P, cbpp, cauchit, PARTREG_CAUCHIT, RI_CBPP_K);
    problem_free(&P);
    load_will(&P);
    CHECK_GRAD(&P, will, logit, PARTREG_LOGIT, RI_WILL_K);
    CHECK_GRAD(&P, will, probit, PARTREG_PROBIT, RI_WILL_K);
    CHECK_GRAD(&P, will, cloglog, PARTREG_CLOGLOG, RI_WILL_K);
    CHECK_GRAD(&P, will, loglog, PARTREG_LOGLOG, RI_WILL_K);
    CHECK_GRAD(&P, will, cauchit, PARTREG_CAUCHIT, RI_WILL_K);
    problem_free(&P);
    load_soup(&P);
    CHECK_GRAD(&P, soup, logit, PARTREG_LOGIT, RI_SOUP_K);
    CHECK_GRAD(&P, soup, probit, PARTREG_PROBIT, RI_SOUP_K);
    CHECK_GRAD(&P, soup, cloglog, PARTREG_CLOGLOG, RI_SOUP_K);
    CHECK_GRAD(&P, soup, loglog, PARTREG_LOGLOG, RI_SOUP_K);
    CHECK_GRAD(&P, soup, cauchit, PARTREG_CAUCHIT, RI_SOUP_K);
    problem_free(&P);
}

/* The analytic information against central differences of the analytic
 * gradient (step 1e-5 (1 + |psi_j|): truncation and rounding near 1e-9 of
 * the largest entry), symmetrised. */
static void check_information(const problem *P, partreg_link link, int nagq, const double *psi,
                              size_t k)
{
    double ll, info[256], gp[16], gm[16], x[16];
    eval_at(P, link, nagq, psi, PARTREG_ORDER_HESSIAN, 1, &ll, NULL, info);
    double num[256], scale = 0.0;
    for (size_t j = 0; j < k; j++) {
        double h = 1e-5 * (1.0 + fabs(psi[j]));
        memcpy(x, psi, k * sizeof *x);
        x[j] = psi[j] + h;
        eval_at(P, link, nagq, x, PARTREG_ORDER_GRADIENT, 1, &ll, gp, NULL);
        x[j] = psi[j] - h;
        eval_at(P, link, nagq, x, PARTREG_ORDER_GRADIENT, 1, &ll, gm, NULL);
        for (size_t i = 0; i < k; i++)
            num[i * k + j] = -(gp[i] - gm[i]) / (2.0 * h);
    }
    for (size_t i = 0; i < k * k; i++)
        scale = fmax(scale, fabs(info[i]));
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double sym = 0.5 * (num[i * k + j] + num[j * k + i]);
            assert_rel_floor(info[i * k + j], sym, 1e-7, scale);
        }
}

static void test_information_every_link(void **state)
{
    (void)state;
    problem P;
    load_cbpp(&P);
    const partreg_link bl[4] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_CAUCHIT};
    for (size_t l = 0; l < 4; l++) {
        check_information(&P, bl[l], 1, ri_cbpp_test_psi, RI_CBPP_K);
        check_information(&P, bl[l], 15, ri_cbpp_test_psi, RI_CBPP_K);
    }
    problem_free(&P);
    load_soup(&P);
    const partreg_link ol[5] = {PARTREG_LOGIT, PARTREG_PROBIT, PARTREG_CLOGLOG, PARTREG_LOGLOG,
                                PARTREG_CAUCHIT};
    for (size_t l = 0; l < 5; l++) {
        check_information(&P, ol[l], 1, ri_soup_test_psi, RI_SOUP_K);
        check_information(&P, ol[l], 15, ri_soup_test_psi, RI_SOUP_K);
    }
    problem_free(&P);
}

/* ---- fits ----------------------------------------------------------------- */

/* Estimates 1e-8 (the reference's ~10 digits), covariance 1e-6 of the
 * largest entry (the reference's numerical Hessian has ~8 digits), modes
 * 1e-9 and their SEs 1e-9 (the same approximation: 14 digits in R). */
static void check_fit(const partreg_fit *fit, size_t k, const double *est, const double *vcov,
                      const double *loglik, size_t G, const double *mode, const double *mode_se)
{
    const gsl_vector *par = partreg_fit_parameters(fit);
    const gsl_matrix *V = partreg_fit_vcov(fit);
    assert_int_equal(partreg_fit_n_parameters(fit), k);
    assert_int_equal(partreg_fit_param_kind(fit, k - 1), PARTREG_PARAM_LOG_SD);
    assert_string_equal(partreg_fit_block_name(fit, partreg_fit_n_blocks(fit) - 1), "log_sigma");
    assert_rel(partreg_fit_loglik(fit), *loglik, 1e-12);
    for (size_t j = 0; j < k; j++)
        assert_rel_floor(gsl_vector_get(par, j), est[j], 1e-8, 1e-6);
    double scale = 0.0;
    for (size_t j = 0; j < k * k; j++)
        scale = fmax(scale, fabs(vcov[j]));
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            assert_rel_floor(gsl_matrix_get(V, i, j), vcov[i * k + j], 1e-6, scale);
    assert_int_equal(partreg_fit_n_groups(fit), G);
    for (size_t g = 0; g < G; g++) {
        partreg_group_effect e;
        assert_int_equal(partreg_fit_group_effect(fit, g, &e, NULL), PARTREG_OK);
        assert_rel_floor(e.mode, mode[g], 1e-8, 1e-6);
        assert_rel(e.std_error, mode_se[g], 1e-8);
    }
    partreg_random_intercept ri;
    assert_int_equal(partreg_fit_random_intercept(fit, &ri, NULL), PARTREG_OK);
    assert_rel(ri.sd, exp(est[k - 1]), 1e-8);
    assert_rel(ri.sd_std_error, ri.sd * sqrt(vcov[k * k - 1]), 1e-6);
    assert_false(ri.at_boundary);
}

/* Population-averaged (and conditional) probabilities at the header's
 * design rows: 1e-10. */
static void check_probs(const problem *P, const partreg_fit *fit, size_t S, size_t p,
                        const double *x, const double *want)
{
    size_t nout = partreg_fit_n_outcomes(fit);
    gsl_matrix *prob = gsl_matrix_alloc(S, nout);
    partreg_data d = P->d;
    d.n = S;
    d.X = x;
    d.ldx = p;
    assert_int_equal(partreg_fit_predict(fit, &d, prob, NULL), PARTREG_OK);
    for (size_t s = 0; s < S; s++)
        for (size_t o = 0; o < nout; o++)
            assert_rel(gsl_matrix_get(prob, s, o), want[s * nout + o], 1e-10);
    gsl_matrix_free(prob);
}

static void test_fit_cbpp(void **state)
{
    (void)state;
    problem P;
    load_cbpp(&P);
    partreg_fit *fit = fit_of(&P, PARTREG_LOGIT, 15, 0, 1);
    check_fit(fit, RI_CBPP_K, ri_cbpp_est, &ri_cbpp_vcov[0][0], &ri_cbpp_loglik_max[1],
              RI_CBPP_G, ri_cbpp_mode, ri_cbpp_mode_se);
    for (size_t g = 0; g < RI_CBPP_G; g++)
        assert_string_equal(partreg_fit_group_label(fit, g), ri_cbpp_groups[g]);
    assert_string_equal(partreg_fit_group_variable(fit), "herd");
    check_probs(&P, fit, 4, 4, &ri_cbpp_pa_x[0][0], ri_cbpp_pa_prob);
    partreg_fit_free(fit);
    fit = fit_of(&P, PARTREG_LOGIT, 15, 1, 1);
    check_probs(&P, fit, 4, 4, &ri_cbpp_pa_x[0][0], ri_cbpp_cond0_prob);
    partreg_fit_free(fit);
    problem_free(&P);
}

static void test_fit_ordinal(void **state)
{
    (void)state;
    problem P;
    load_will(&P);
    partreg_fit *fit = fit_of(&P, PARTREG_LOGIT, 15, 0, 1);
    check_fit(fit, RI_WILL_K, ri_will_est, &ri_will_vcov[0][0], &ri_will_loglik_max[1],
              RI_WILL_G, ri_will_mode, ri_will_mode_se);
    check_probs(&P, fit, 3, 6, &ri_will_pa_x[0][0], &ri_will_pa_prob[0][0]);
    /* the cumulative probabilities are the sums of the averaged ones */
    gsl_matrix *cum = gsl_matrix_alloc(1, 4);
    partreg_data d = P.d;
    d.n = 1;
    d.X = ri_will_pa_x[1];
    assert_int_equal(partreg_fit_predict_cumulative(fit, &d, cum, NULL), PARTREG_OK);
    double c = 0.0;
    for (size_t j = 0; j < 4; j++) {
        c += ri_will_pa_prob[1][j];
        assert_rel(gsl_matrix_get(cum, 0, j), c, 1e-10);
    }
    gsl_matrix_free(cum);
    partreg_fit_free(fit);
    fit = fit_of(&P, PARTREG_LOGIT, 15, 1, 1);
    check_probs(&P, fit, 3, 6, &ri_will_pa_x[0][0], &ri_will_cond0_prob[0][0]);
    partreg_fit_free(fit);
    problem_free(&P);

    load_soup(&P);
    fit = fit_of(&P, PARTREG_PROBIT, 15, 0, 1);
    check_fit(fit, RI_SOUP_K, ri_soup_est, &ri_soup_vcov[0][0], &ri_soup_loglik_max[1],
              RI_SOUP_G, ri_soup_mode, ri_soup_mode_se);
    for (size_t g = 0; g < RI_SOUP_G; g++)
        assert_string_equal(partreg_fit_group_label(fit, g), ri_soup_groups[g]);
    check_probs(&P, fit, 2, 1, &ri_soup_pa_x[0][0], &ri_soup_pa_prob[0][0]);
    partreg_fit_free(fit);
    problem_free(&P);
}

/* Accuracy in Q: the maxima at Q = 1, 15, 25, 50 against the header's; at
 * Q = 15, 25 and 50 the maximised log-likelihoods agree to 1e-8 with each
 * other (the quadrature's error is below that from Q = 15 on), Laplace's
 * does not. */
static void check_q(const problem *P, partreg_link link, size_t k, const double *by_q,
                    const double *ll_max)
{
    double ll[4];
    for (size_t i = 0; i < 4; i++) {
        partreg_fit *fit = fit_of(P, link, q_values[i], 0, 1);
        ll[i] = partreg_fit_loglik(fit);
        assert_rel(ll[i], ll_max[i], 1e-12);
        const gsl_vector *par = partreg_fit_parameters(fit);
        for (size_t j = 0; j < k; j++)
            assert_rel_floor(gsl_vector_get(par, j), by_q[i * k + j], 1e-7, 1e-6);
        partreg_fit_free(fit);
    }
    assert_rel(ll[1], ll[3], 1e-8);
    assert_rel(ll[2], ll[3], 1e-8);
    assert_false(fabs(ll[0] - ll[3]) <= 1e-8 * fabs(ll[3]));
}

static void test_accuracy_in_q(void **state)
{
    (void)state;
    problem P;
    load_cbpp(&P);
    check_q(&P, PARTREG_LOGIT, RI_CBPP_K, &ri_cbpp_est_by_q[0][0], ri_cbpp_loglik_max);
    problem_free(&P);
    load_will(&P);
    check_q(&P, PARTREG_LOGIT, RI_WILL_K, &ri_will_est_by_q[0][0], ri_will_loglik_max);
    problem_free(&P);
    load_soup(&P);
    check_q(&P, PARTREG_PROBIT, RI_SOUP_K, &ri_soup_est_by_q[0][0], ri_soup_loglik_max);
    problem_free(&P);
}

/* The model's predict: its parameter derivatives (and the derivative
 * along dx with its parameter derivatives) against central differences,
 * averaged (log sigma included) and conditional. */
static void check_predict(const partreg_fit *fit, const double *x, const double *dx)
{
    const partreg_model *m = &fit->model;
    size_t K = m->layout.K, nout = m->nout, ns = m->ops->predict_scratch(m);
    double *par = malloc(K * sizeof *par), *out = calloc(nout, sizeof *out);
    double *dout = calloc(nout * K, sizeof *dout), *op = calloc(nout, sizeof *op);
    double *om = calloc(nout, sizeof *om), *scratch = malloc((ns ? ns : 1) * sizeof *scratch);
    memcpy(par, fit->par->data, K * sizeof *par);
    m->ops->predict(m, par, x, dx, 1.0, out, dout, scratch);
    for (size_t j = 0; j < K; j++) {
        double h = 1e-6 * (1.0 + fabs(par[j])), keep = par[j];
        memset(op, 0, nout * sizeof *op);
        memset(om, 0, nout * sizeof *om);
        par[j] = keep + h;
        m->ops->predict(m, par, x, dx, 1.0, op, NULL, scratch);
        par[j] = keep - h;
        m->ops->predict(m, par, x, dx, 1.0, om, NULL, scratch);
        par[j] = keep;
        for (size_t o = 0; o < nout; o++)
            assert_rel_floor(dout[o * K + j], (op[o] - om[o]) / (2.0 * h), 1e-6, 1e-3);
    }
    if (dx) { /* D = dP/dt along x + t dx */
        size_t p = m->p;
        double *xp = malloc(p * sizeof *xp), t = 1e-6;
        double *base = calloc(nout, sizeof *base);
        for (size_t sgn = 0; sgn < 2; sgn++) {
            for (size_t c = 0; c < p; c++)
                xp[c] = x[c] + (sgn ? -t : t) * dx[c];
            m->ops->predict(m, par, xp, NULL, sgn ? -1.0 : 1.0, base, NULL, scratch);
        }
        for (size_t o = 0; o < nout; o++)
            assert_rel_floor(out[o], base[o] / (2.0 * t), 1e-6, 1e-3);
        free(xp);
        free(base);
    }
    free(par);
    free(out);
    free(dout);
    free(op);
    free(om);
    free(scratch);
}

static void test_predict_derivatives(void **state)
{
    (void)state;
    problem P;
    load_will(&P);
    double dx[6] = {0.0, 0.0, 1.0, 0.0, 0.0, 0.0}; /* along age */
    for (int cond = 0; cond < 2; cond++) {
        partreg_fit *fit = fit_of(&P, PARTREG_LOGIT, 15, cond, 1);
        for (size_t s = 0; s < 3; s++) {
            check_predict(fit, ri_will_pa_x[s], NULL);
            check_predict(fit, ri_will_pa_x[s], dx);
        }
        partreg_fit_free(fit);
    }
    problem_free(&P);
    load_cbpp(&P);
    partreg_fit *fit = fit_of(&P, PARTREG_LOGIT, 15, 0, 1);
    double dxb[4] = {0.0, 1.0, 0.0, 0.0};
    for (size_t s = 0; s < 4; s++) {
        check_predict(fit, ri_cbpp_pa_x[s], NULL);
        check_predict(fit, ri_cbpp_pa_x[s], dxb);
    }
    partreg_fit_free(fit);
    problem_free(&P);
}

static int main_tests(void);
int main(void) { return main_tests(); }

static int main_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gauss_hermite),
        cmocka_unit_test(test_loglik_by_q),
        cmocka_unit_test(test_gradient_every_link),
        cmocka_unit_test(test_information_every_link),
        cmocka_unit_test(test_fit_cbpp),
        cmocka_unit_test(test_fit_ordinal),
        cmocka_unit_test(test_accuracy_in_q),
        cmocka_unit_test(test_predict_derivatives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
