/* small_samples: Monte Carlo studies of the small-sample tools
 * (docs/validation.md, "Few clusters, Firth, multiple imputation";
 * bench/validate/run.sh builds and runs this after validate).
 *
 * 1. Few clusters. Probit outcomes with a normal community effect,
 *    y = 1{b0 + b1 xc + b2 xw + u_g + e > 0}, u_g ~ N(0, s^2), e ~ N(0, 1):
 *    the population-averaged model is probit with coefficients
 *    b / sqrt(1 + s^2) exactly (the estimand of a cluster-robust fit).
 *    xc varies between communities only, xw within. G = 10, 20, 40
 *    communities of 30 residents; coverage of the 95% intervals of CR1 with
 *    the normal (partreg's --vcov cluster), CR1 with t(G - 1)
 *    (--cluster-df) and CR2 with Satterthwaite df (--vcov cr2); and the
 *    size of the joint test of a community-level factor without effect
 *    under each (chi-square, F on (2, G - 1), clubSandwich's HTZ F).
 * 2. Firth's bias. Logit with y on x1 ~ N(0, 1) and x2 ~ Bernoulli(0.3),
 *    beta = (-1.5, 1, 1), n = 50, 100, 200: mean bias of maximum
 *    likelihood (over the replications it can fit: separated samples have
 *    no ML estimate, counted) and of --firth (over all).
 * 3. Rubin pooling under MAR. x1 ~ N(0, 1); y ~ Bernoulli(logistic(a0 +
 *    a1 x1)); x2 | x1, y ~ N(c0 + c1 x1 + c2 y, s^2), so that the logit of
 *    y on x1 and x2 holds exactly (coefficients below) and the normal
 *    imputation model of x2 on x1 and y is right. x2 is missing with
 *    probability logistic(-1.2 + 1.2 y + 0.8 x1) (MAR: it depends on what is
 *    observed; about a third missing). m = 20 proper imputations (mice's
 *    "norm": sigma and beta drawn from their posterior), the completed data
 *    sets analysed and pooled by partreg_analysis_run_imputations (the
 *    command's --imputations); coverage of the pooled 95% intervals, and
 *    complete-case analysis beside it.
 *
 * Checks (exit status 1 when one fails), each a z score against its Monte
 * Carlo SE with the Bonferroni threshold z_m of validate.c:
 *   CR2 covers 95% within z_m MC SEs at 20 and 40 clusters (every
 *   coefficient); the HTZ test rejects at most z_m MC SEs above 5% there; Firth's |bias| is below ML's for the slopes at n = 50;
 *   the pooled MI intervals cover 95% within z_m MC SEs.
 *
 * Usage: small_samples [R [SEED [THREADS]]]   (defaults 1000, 2000001,
 * online CPUs). Replications run on THREADS threads and are accumulated in
 * replication order: the output does not depend on THREADS. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>

#include <partreg.h>
#include <partreg_analysis.h>
#include <partreg_margins.h>
#include <partreg_table.h>

/* ---- random numbers (xoshiro256**, Box-Muller) ------------------------- */

typedef struct rng {
    unsigned long long s[4];
} rng;

static unsigned long long rotl(unsigned long long x, int k) { return (x << k) | (x >> (64 - k)); }

static unsigned long long next_u64(rng *r)
{
    unsigned long long *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void seed(rng *r, unsigned long long x)
{
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        x += 0x9e3779b97f4a7c15ULL;
        unsigned long long z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r->s[i] = z ^ (z >> 31);
    }
}

static double unif(rng *r) { return ((double)(next_u64(r) >> 11) + 0.5) * 0x1.0p-53; }

static double gauss(rng *r)
{
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* chi-square(k) draw, k a whole number */
static double chisq(rng *r, int k)
{
    double s = 0.0;
    for (int i = 0; i < k; i++) {
        double z = gauss(r);
        s += z * z;
    }
    return s;
}

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* ---- replications on threads ------------------------------------------- */

typedef void (*rep_fn)(size_t rep, void *ctx, double *out);

typedef struct runner {
    rep_fn fn;
    void *ctx;
    size_t R, width, next;
    double *out; /* R x width */
    pthread_mutex_t lock;
} runner;

static void *run_worker(void *arg)
{
    runner *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t i = r->next++;
        pthread_mutex_unlock(&r->lock);
        if (i >= r->R)
            return NULL;
        r->fn(i, r->ctx, r->out + i * r->width);
    }
}

static double *run_all(rep_fn fn, void *ctx, size_t R, size_t width, int threads)
{
    runner r = {fn, ctx, R, width, 0, calloc(R * width, sizeof(double)), PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[64];
    int n = 0;
    for (int t = 1; t < threads && t < 64; t++)
        if (pthread_create(&th[n], NULL, run_worker, &r) == 0)
            n++;
    run_worker(&r);
    for (int t = 0; t < n; t++)
        pthread_join(th[t], NULL);
    return r.out;
}

static unsigned long long base_seed = 2000001ULL;
static int failures = 0, n_checks = 0;

static double z_bonferroni(int m)
{
    double z = gsl_cdf_ugaussian_Qinv(0.01 / (2.0 * m));
    return z > 3.0 ? z : 3.0;
}

/* ---- 1. few clusters ---------------------------------------------------- */

#define CL_SIZE 30
#define CL_SIGMA 0.7
static const double cl_beta[3] = {-0.3, 0.5, 0.5};

typedef struct cl_ctx {
    size_t G;
} cl_ctx;

/* The rows of G communities of CL_SIZE: X (n x p) the intercept, xc, xw
 * and, with p = 5, the indicators of levels 1 and 2 of a community-level
 * factor without effect (community g at level g mod 3); y and the
 * community of each row. */
static void cl_data(rng *r, size_t G, size_t p, double *X, double *y, size_t *cl)
{
    for (size_t g = 0; g < G; g++) {
        double xc = gauss(r), u = CL_SIGMA * gauss(r);
        for (size_t i = g * CL_SIZE; i < (g + 1) * CL_SIZE; i++) {
            double xw = gauss(r);
            X[i * p] = 1.0;
            X[i * p + 1] = xc;
            X[i * p + 2] = xw;
            if (p == 5) {
                X[i * p + 3] = g % 3 == 1;
                X[i * p + 4] = g % 3 == 2;
            }
            y[i] = cl_beta[0] + cl_beta[1] * xc + cl_beta[2] * xw + u + gauss(r) > 0.0;
            cl[i] = g;
        }
    }
}

/* out: for each of 3 coefficients, covered by CR1-z, CR1-t, CR2 (1/0), then
 * the CR2 df of each: 12 numbers (NaN when a fit failed) */
static void cl_rep(size_t rep, void *vctx, double *out)
{
    const cl_ctx *c = vctx;
    rng r;
    seed(&r, base_seed + 1000003ULL * c->G + rep);
    size_t n = c->G * CL_SIZE;
    double *X = malloc(n * 3 * sizeof *X), *y = malloc(n * sizeof *y);
    size_t *cl = malloc(n * sizeof *cl);
    cl_data(&r, c->G, 3, X, y, cl);
    double scale = 1.0 / sqrt(1.0 + CL_SIGMA * CL_SIGMA);
    for (int j = 0; j < 12; j++)
        out[j] = NAN;
    partreg_data d = {n, 3, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = 1;
    partreg_fit *fit = NULL;
    if (partreg_fit_create(&d, PARTREG_BINARY, PARTREG_PROBIT, &o, &fit, NULL) == PARTREG_OK) {
        for (int v = 0; v < 3; v++) {
            partreg_vcov_type t = v == 2 ? PARTREG_VCOV_CR2 : PARTREG_VCOV_CLUSTER;
            if (partreg_fit_set_vcov(fit, &d, t, cl, c->G, NULL) != PARTREG_OK)
                continue;
            if (v == 1)
                partreg_fit_set_param_df(fit, (double)c->G - 1.0, NULL);
            for (size_t j = 0; j < 3; j++) {
                partreg_estimate e;
                partreg_fit_estimate(fit, j, 0.95, &e, NULL);
                double truth = cl_beta[j] * scale;
                out[j * 3 + (size_t)v] = e.conf_low <= truth && truth <= e.conf_high;
                if (v == 2)
                    out[9 + j] = partreg_fit_param_df(fit, j);
            }
        }
    }
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(cl);
}

static void study_clusters(size_t R, int threads)
{
    static const size_t Gs[] = {10, 20, 40};
    static const char *const names[] = {"(Intercept)", "xc (between)", "xw (within)"};
    static const char *const how[] = {"CR1, normal", "CR1, t(G-1)", "CR2, Satterthwaite"};
    double zm = z_bonferroni(6);
    printf("\n### Few clusters: coverage of 95%% intervals (probit, %d residents a community, "
           "R = %zu)\n\n",
           CL_SIZE, R);
    printf("| G | coefficient | CR1, normal | CR1, t(G-1) | CR2, Satterthwaite | mean CR2 df |\n");
    printf("| --- | --- | --- | --- | --- | --- |\n");
    for (size_t gi = 0; gi < 3; gi++) {
        cl_ctx c = {Gs[gi]};
        double *out = run_all(cl_rep, &c, R, 12, threads);
        for (size_t j = 0; j < 3; j++) {
            double cov[3] = {0, 0, 0}, cnt[3] = {0, 0, 0}, df = 0.0, ndf = 0.0;
            for (size_t i = 0; i < R; i++) {
                for (int v = 0; v < 3; v++)
                    if (!isnan(out[i * 12 + j * 3 + (size_t)v])) {
                        cov[v] += out[i * 12 + j * 3 + (size_t)v];
                        cnt[v] += 1.0;
                    }
                if (!isnan(out[i * 12 + 9 + j])) {
                    df += out[i * 12 + 9 + j];
                    ndf += 1.0;
                }
            }
            printf("| %zu | %s |", Gs[gi], names[j]);
            for (int v = 0; v < 3; v++) {
                double p = cov[v] / cnt[v], se = sqrt(0.95 * 0.05 / cnt[v]);
                printf(" %.1f%% (%.1f) |", 100 * p, 100 * se);
                if (v == 2 && Gs[gi] >= 20) {
                    n_checks++;
                    if (fabs(p - 0.95) > zm * se) {
                        failures++;
                        fprintf(stderr, "check failed: %s coverage %.3f at G = %zu for %s\n",
                                how[v], p, Gs[gi], names[j]);
                    }
                }
            }
            printf(" %.1f |\n", df / ndf);
        }
        free(out);
    }
    printf("\nMonte Carlo SEs in parentheses. Check: CR2 within %.2f MC SEs of 95%% at 20 and 40 "
           "clusters.\n",
           zm);
}

/* ---- 1b. few clusters: joint tests -------------------------------------- */

/* The design of study 1 with a community-level factor of three levels
 * (community g at level g mod 3) that has no effect: out[0..2] whether
 * the test that both its coefficients are 0 rejects at 5% with CR1 and
 * chi-square, CR1 and F on (2, G - 1) (--cluster-df), CR2 and clubSandwich's
 * HTZ F; out[3] the HTZ denominator df (NaN when a fit failed). */
static void joint_rep(size_t rep, void *vctx, double *out)
{
    const cl_ctx *c = vctx;
    rng r;
    seed(&r, base_seed + 7000003ULL * c->G + rep);
    size_t n = c->G * CL_SIZE, p = 5;
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y);
    size_t *cl = malloc(n * sizeof *cl);
    cl_data(&r, c->G, p, X, y, cl);
    for (int j = 0; j < 4; j++)
        out[j] = NAN;
    partreg_data d = {n, p, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = 1;
    partreg_fit *fit = NULL;
    const size_t factor[2] = {3, 4};
    if (partreg_fit_create(&d, PARTREG_BINARY, PARTREG_PROBIT, &o, &fit, NULL) == PARTREG_OK) {
        for (int v = 0; v < 3; v++) {
            partreg_vcov_type t = v == 2 ? PARTREG_VCOV_CR2 : PARTREG_VCOV_CLUSTER;
            if (partreg_fit_set_vcov(fit, &d, t, cl, c->G, NULL) != PARTREG_OK)
                continue;
            if (v == 1)
                partreg_fit_set_param_df(fit, (double)c->G - 1.0, NULL);
            partreg_wald_term w;
            if (partreg_fit_joint_test(fit, factor, 2, &w, NULL) != PARTREG_OK ||
                !isfinite(w.p_value))
                continue;
            out[v] = w.p_value < 0.05;
            if (v == 2)
                out[3] = w.df2;
        }
    }
    partreg_fit_free(fit);
    free(X);
    free(y);
    free(cl);
}

static void study_joint(size_t R, int threads)
{
    static const size_t Gs[] = {10, 20, 40};
    double zm = z_bonferroni(2);
    printf("\n### Few clusters: size of the joint test of a null community-level factor "
           "(3 levels, q = 2; probit, %d residents a community, R = %zu)\n\n",
           CL_SIZE, R);
    printf("| G | CR1, chi-square | CR1, F(2, G-1) | CR2, HTZ F | mean HTZ df2 |\n");
    printf("| --- | --- | --- | --- | --- |\n");
    for (size_t gi = 0; gi < 3; gi++) {
        cl_ctx c = {Gs[gi]};
        double *out = run_all(joint_rep, &c, R, 4, threads);
        double rej[3] = {0, 0, 0}, cnt[3] = {0, 0, 0}, df = 0.0, ndf = 0.0;
        for (size_t i = 0; i < R; i++) {
            for (int v = 0; v < 3; v++)
                if (!isnan(out[i * 4 + (size_t)v])) {
                    rej[v] += out[i * 4 + (size_t)v];
                    cnt[v] += 1.0;
                }
            if (!isnan(out[i * 4 + 3])) {
                df += out[i * 4 + 3];
                ndf += 1.0;
            }
        }
        printf("| %zu |", Gs[gi]);
        for (int v = 0; v < 3; v++) {
            double a = rej[v] / cnt[v], se = sqrt(0.05 * 0.95 / cnt[v]);
            printf(" %.1f%% (%.1f) |", 100 * a, 100 * se);
            /* HTZ holds its level (it may be conservative) from 20 clusters */
            if (v == 2 && Gs[gi] >= 20) {
                n_checks++;
                if (a - 0.05 > zm * se) {
                    failures++;
                    fprintf(stderr, "check failed: HTZ rejects %.3f at G = %zu\n", a, Gs[gi]);
                }
            }
        }
        printf(" %.1f |\n", df / ndf);
        free(out);
    }
    printf("\nRejection rates at the 5%% level, Monte Carlo SEs in parentheses. Check: the HTZ "
           "test rejects at most %.2f MC SEs above 5%% at 20 and 40 clusters.\n",
           zm);
}

/* ---- 2. Firth's bias ---------------------------------------------------- */

static const double fb_beta[3] = {-1.5, 1.0, 1.0};

typedef struct fb_ctx {
    size_t n;
} fb_ctx;

/* out: ML estimates (3; NaN when ML failed), Firth estimates (3) */
static void fb_rep(size_t rep, void *vctx, double *out)
{
    const fb_ctx *c = vctx;
    rng r;
    seed(&r, base_seed + 7000003ULL * c->n + rep + 500000000ULL);
    size_t n = c->n;
    double *X = malloc(n * 3 * sizeof *X), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        X[i * 3] = 1.0;
        X[i * 3 + 1] = gauss(&r);
        X[i * 3 + 2] = unif(&r) < 0.3;
        double eta = fb_beta[0] + fb_beta[1] * X[i * 3 + 1] + fb_beta[2] * X[i * 3 + 2];
        y[i] = unif(&r) < logistic(eta);
    }
    partreg_data d = {n, 3, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = 1;
    for (int j = 0; j < 6; j++)
        out[j] = NAN;
    for (int f = 0; f < 2; f++) {
        partreg_model_spec *s = NULL;
        partreg_model_spec_create(PARTREG_BINARY, PARTREG_LOGIT, &s, NULL);
        if (f)
            partreg_model_spec_set_penalty(s, PARTREG_PENALTY_FIRTH, NULL);
        partreg_fit *fit = NULL;
        if (partreg_fit_create_spec(&d, s, &o, &fit, NULL) == PARTREG_OK)
            for (size_t j = 0; j < 3; j++)
                out[f * 3 + (int)j] = gsl_vector_get(partreg_fit_coef(fit), j);
        partreg_fit_free(fit);
        partreg_model_spec_free(s);
    }
    free(X);
    free(y);
}

static void study_firth(size_t R, int threads)
{
    static const size_t ns[] = {50, 100, 200};
    static const char *const names[] = {"(Intercept)", "x1", "x2"};
    printf("\n### Firth's bias against maximum likelihood (logit, beta = (-1.5, 1, 1), R = %zu)\n\n",
           R);
    printf("| n | coefficient | ML bias (MC SE) | ML fits | Firth bias (MC SE) |\n");
    printf("| --- | --- | --- | --- | --- |\n");
    for (size_t ni = 0; ni < 3; ni++) {
        fb_ctx c = {ns[ni]};
        double *out = run_all(fb_rep, &c, R, 6, threads);
        for (size_t j = 0; j < 3; j++) {
            double s[2] = {0, 0}, ss[2] = {0, 0}, cnt[2] = {0, 0};
            for (size_t i = 0; i < R; i++)
                for (int f = 0; f < 2; f++) {
                    double v = out[i * 6 + (size_t)f * 3 + j];
                    if (isnan(v))
                        continue;
                    s[f] += v - fb_beta[j];
                    ss[f] += (v - fb_beta[j]) * (v - fb_beta[j]);
                    cnt[f] += 1.0;
                }
            double b[2], se[2];
            for (int f = 0; f < 2; f++) {
                b[f] = s[f] / cnt[f];
                se[f] = sqrt((ss[f] / cnt[f] - b[f] * b[f]) / cnt[f]);
            }
            printf("| %zu | %s | %+.3f (%.3f) | %.0f | %+.3f (%.3f) |\n", ns[ni], names[j], b[0],
                   se[0], cnt[0], b[1], se[1]);
            if (ns[ni] == 50 && j > 0) {
                n_checks++;
                if (!(fabs(b[1]) < fabs(b[0]))) {
                    failures++;
                    fprintf(stderr, "check failed: Firth bias %.3f not below ML's %.3f (n = 50, %s)\n",
                            b[1], b[0], names[j]);
                }
            }
        }
        free(out);
    }
    printf("\nML bias is over the samples ML can fit (separated ones have no estimate). Check: "
           "Firth's |bias| below ML's for the slopes at n = 50.\n");
}

/* ---- 3. Rubin pooling under MAR ---------------------------------------- */

#define MI_N 400
#define MI_M 20
static const double mi_a[2] = {-0.5, 0.8}, mi_c[3] = {0.2, 0.5, 1.0};
#define MI_S 1.0

static void mi_truth(double *b)
{
    double s2 = MI_S * MI_S;
    b[0] = mi_a[0] - mi_c[2] * (mi_c[0] + mi_c[2] / 2.0) / s2;
    b[1] = mi_a[1] - mi_c[2] * mi_c[1] / s2;
    b[2] = mi_c[2] / s2;
}

/* Solve the 3 x 3 SPD system A x = b (Cholesky), and give L. */
static int chol3(const double *A, double *L)
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) {
            double s = A[i * 3 + j];
            for (int k = 0; k < j; k++)
                s -= L[i * 3 + k] * L[j * 3 + k];
            if (i == j) {
                if (!(s > 0))
                    return -1;
                L[i * 3 + i] = sqrt(s);
            } else {
                L[i * 3 + j] = s / L[j * 3 + j];
            }
        }
    return 0;
}

static partreg_table *mi_table(const double *x1, const double *x2, const double *y, size_t n)
{
    size_t cap = n * 64 + 32, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "y,x1,x2\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%d,%.17g,%.17g\n", (int)y[i], x1[i], x2[i]);
    partreg_table *t = NULL;
    partreg_read_options ro = partreg_read_options_default();
    ro.threads = 1;
    partreg_table_read_csv_buffer(buf, len, "mi", &ro, &t, NULL);
    free(buf);
    return t;
}

/* out: covered by MI (3), covered by complete cases (3), the pooled fmi of x2 */
static void mi_rep(size_t rep, void *vctx, double *out)
{
    (void)vctx;
    rng r;
    seed(&r, base_seed + rep + 900000000ULL);
    size_t n = MI_N;
    double x1[MI_N], x2[MI_N], y[MI_N];
    int miss[MI_N];
    for (size_t i = 0; i < n; i++) {
        x1[i] = gauss(&r);
        y[i] = unif(&r) < logistic(mi_a[0] + mi_a[1] * x1[i]);
        x2[i] = mi_c[0] + mi_c[1] * x1[i] + mi_c[2] * y[i] + MI_S * gauss(&r);
        miss[i] = unif(&r) < logistic(-1.2 + 1.2 * y[i] + 0.8 * x1[i]);
    }
    double truth[3];
    mi_truth(truth);
    for (int j = 0; j < 7; j++)
        out[j] = NAN;
    /* the imputation model: OLS of x2 on (1, x1, y) among the observed */
    double A[9] = {0}, bvec[3] = {0}, L[9] = {0};
    size_t nobs = 0;
    for (size_t i = 0; i < n; i++) {
        if (miss[i])
            continue;
        double z[3] = {1.0, x1[i], y[i]};
        for (int a = 0; a < 3; a++) {
            bvec[a] += z[a] * x2[i];
            for (int b = 0; b < 3; b++)
                A[a * 3 + b] += z[a] * z[b];
        }
        nobs++;
    }
    if (chol3(A, L) != 0)
        return;
    double beta[3], w[3];
    for (int a = 0; a < 3; a++) { /* L w = b, L' beta = w */
        double s = bvec[a];
        for (int k = 0; k < a; k++)
            s -= L[a * 3 + k] * w[k];
        w[a] = s / L[a * 3 + a];
    }
    for (int a = 2; a >= 0; a--) {
        double s = w[a];
        for (int k = a + 1; k < 3; k++)
            s -= L[k * 3 + a] * beta[k];
        beta[a] = s / L[a * 3 + a];
    }
    double rss = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!miss[i]) {
            double e = x2[i] - beta[0] - beta[1] * x1[i] - beta[2] * y[i];
            rss += e * e;
        }
    partreg_table *tabs[MI_M];
    double xi[MI_N];
    for (int m = 0; m < MI_M; m++) {
        /* mice's norm: sigma* from the scaled inverse chi-square, beta* ~
         * N(beta, sigma*^2 (Z'Z)^-1) via L^-T */
        double sig = sqrt(rss / chisq(&r, (int)nobs - 3)), g[3], bs[3];
        for (int a = 0; a < 3; a++)
            g[a] = gauss(&r);
        for (int a = 2; a >= 0; a--) {
            double s = g[a];
            for (int k = a + 1; k < 3; k++)
                s -= L[k * 3 + a] * bs[k];
            bs[a] = s / L[a * 3 + a];
        }
        for (int a = 0; a < 3; a++)
            bs[a] = beta[a] + sig * bs[a];
        for (size_t i = 0; i < n; i++)
            xi[i] = miss[i] ? bs[0] + bs[1] * x1[i] + bs[2] * y[i] + sig * gauss(&r) : x2[i];
        tabs[m] = mi_table(x1, xi, y, n);
    }
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x1 + x2";
    s.fit.threads = 1;
    s.diagnostics = 0;
    partreg_analysis *a = NULL;
    if (partreg_analysis_run_imputations((const partreg_table *const *)tabs, MI_M, &s, &a, NULL) ==
        PARTREG_OK) {
        const partreg_fit *fit = partreg_analysis_fit(a);
        for (size_t j = 0; j < 3; j++) {
            partreg_estimate e;
            partreg_fit_estimate(fit, j, 0.95, &e, NULL);
            out[j] = e.conf_low <= truth[j] && truth[j] <= e.conf_high;
        }
    }
    partreg_analysis_free(a);
    for (int m = 0; m < MI_M; m++)
        partreg_table_free(tabs[m]);
    /* complete cases */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!miss[i]) {
            x1[k] = x1[i];
            xi[k] = x2[i];
            y[k] = y[i];
            k++;
        }
    partreg_table *cc = mi_table(x1, xi, y, k);
    if (partreg_analysis_run_table(cc, &s, &a, NULL) == PARTREG_OK) {
        const partreg_fit *fit = partreg_analysis_fit(a);
        for (size_t j = 0; j < 3; j++) {
            partreg_estimate e;
            partreg_fit_estimate(fit, j, 0.95, &e, NULL);
            out[3 + j] = e.conf_low <= truth[j] && truth[j] <= e.conf_high;
        }
    }
    partreg_analysis_free(a);
    partreg_table_free(cc);
}

static void study_mi(size_t R, int threads)
{
    static const char *const names[] = {"(Intercept)", "x1", "x2 (imputed)"};
    double zm = z_bonferroni(3);
    double *out = run_all(mi_rep, NULL, R, 7, threads);
    printf("\n### Rubin pooling under MAR missingness (logit, n = %d, m = %d, about a third of x2 "
           "missing, R = %zu)\n\n",
           MI_N, MI_M, R);
    printf("| coefficient | pooled MI coverage | complete cases coverage |\n| --- | --- | --- |\n");
    for (size_t j = 0; j < 3; j++) {
        double c[2] = {0, 0}, cnt[2] = {0, 0};
        for (size_t i = 0; i < R; i++)
            for (int v = 0; v < 2; v++)
                if (!isnan(out[i * 7 + (size_t)v * 3 + j])) {
                    c[v] += out[i * 7 + (size_t)v * 3 + j];
                    cnt[v] += 1.0;
                }
        double p = c[0] / cnt[0], se = sqrt(0.95 * 0.05 / cnt[0]);
        printf("| %s | %.1f%% (%.1f) | %.1f%% |\n", names[j], 100 * p, 100 * se,
               100 * c[1] / cnt[1]);
        n_checks++;
        if (fabs(p - 0.95) > zm * se) {
            failures++;
            fprintf(stderr, "check failed: MI coverage %.3f for %s\n", p, names[j]);
        }
    }
    free(out);
    printf("\nCheck: pooled intervals within %.2f MC SEs of 95%%. Complete cases are biased "
           "here: missingness depends on the outcome.\n",
           zm);
}

int main(int argc, char **argv)
{
    size_t R = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    if (argc > 2)
        base_seed = strtoull(argv[2], NULL, 10);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = argc > 3 ? atoi(argv[3]) : (int)(cores > 0 ? cores : 1);
    if (R < 10 || threads < 1) {
        fprintf(stderr, "usage: small_samples [R >= 10 [SEED [THREADS]]]\n");
        return 2;
    }
    printf("## Few clusters, Firth, multiple imputation (seed %llu)\n", base_seed);
    study_clusters(R, threads);
    study_joint(R, threads);
    study_firth(R, threads);
    study_mi(R / 2 > 10 ? R / 2 : 10, threads);
    printf("\n%d of %d checks passed.\n", n_checks - failures, n_checks);
    return failures ? 1 : 0;
}
