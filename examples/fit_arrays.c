/* fit_arrays: fit models to data a program already holds in memory.
 *
 * A research tool with its own data store hands partreg a borrowed view of
 * plain arrays (partreg_data: a row-major design matrix, the outcome,
 * optional weights) and reads the estimates back; nothing is copied into
 * partreg objects by the caller and nothing is kept after the call. This
 * program fits, on 30 residents,
 *   1. a binary logit of taking part on social capital, insurance and age,
 *      with model-based and HC1 (robust) standard errors;
 *   2. an ordinal logit of a 3-level willingness score on the same
 *      predictors, reusing the same array without its intercept column
 *      (a row stride, ldx, larger than the number of columns).
 * The estimates and model-based standard errors agree with R 4.2.2's
 * glm(y ~ sc + ins + age, binomial) and MASS::polr(factor(w) ~ sc + ins +
 * age, Hess = TRUE) to every digit printed.
 * Build (see tests/cli_examples.sh, which also diffs the output against
 * examples/fit_arrays.out):
 *   cc -std=c11 fit_arrays.c $(pkg-config --cflags --libs partreg) -lm */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <partreg.h>

#define N 30
#define P 4 /* (Intercept), social_capital, insured, age */

/* social capital, insured (0/1), age, took part (0/1), willingness (1-3) */
static const double survey[N][5] = {
    {-1.22, 0, 49, 0, 3}, {0.38, 1, 71, 1, 3},  {0.12, 1, 25, 0, 3},  {-0.43, 0, 58, 0, 3},
    {-0.78, 1, 20, 0, 1}, {-1.14, 1, 76, 1, 1}, {-1.05, 0, 53, 0, 1}, {0.24, 1, 25, 0, 1},
    {3.30, 0, 65, 1, 3},  {-0.05, 1, 21, 1, 3}, {-1.57, 1, 21, 0, 1}, {1.13, 1, 78, 1, 3},
    {-0.27, 1, 32, 0, 1}, {-1.01, 1, 41, 1, 1}, {0.48, 0, 20, 1, 3},  {-0.25, 1, 55, 1, 2},
    {1.71, 1, 44, 1, 3},  {-0.16, 1, 37, 0, 3}, {-2.93, 1, 31, 0, 2}, {-1.93, 0, 26, 1, 1},
    {-0.13, 0, 73, 1, 1}, {0.05, 1, 57, 0, 1},  {-0.95, 1, 57, 0, 2}, {1.02, 0, 31, 0, 2},
    {0.19, 0, 30, 0, 3},  {1.36, 1, 80, 1, 3},  {0.27, 1, 52, 0, 2},  {0.15, 0, 36, 0, 3},
    {-1.21, 0, 24, 0, 1}, {0.07, 0, 59, 0, 1}};

/* Print the parameters of a fit (coefficients 0..p-1, then thresholds):
 * estimate, standard error under the covariance in force, z, two-sided p,
 * 95% Wald interval, and exp(estimate) (the odds ratio) for slopes. */
static int print_table(const partreg_fit *fit, const char *const *names, size_t p,
                       const char *const *thr_names)
{
    size_t j, k = partreg_fit_n_thresholds(fit);
    partreg_error err;
    printf("%-15s %9s %8s %7s %7s %9s %9s %8s\n", "term", "estimate", "std.err", "z", "p",
           "2.5%", "97.5%", "exp(b)");
    for (j = 0; j < p + k; j++) {
        partreg_estimate e;
        const char *name = j < p ? names[j] : thr_names[j - p];
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK) {
            fprintf(stderr, "fit_arrays: %s\n", err.message);
            return 1;
        }
        printf("%-15s %9.4f %8.4f %7.3f %7.4f %9.4f %9.4f", name, e.estimate, e.std_error, e.z,
               e.p_value, e.conf_low, e.conf_high);
        if (j < p && strcmp(name, "(Intercept)") != 0)
            printf(" %8.4f", exp(e.estimate));
        printf("\n");
    }
    return 0;
}

int main(void)
{
    static const char *const names[P] = {"(Intercept)", "social_capital", "insured", "age"};
    static const char *const levels[3] = {"low", "middle", "high"};
    static const char *const cuts[2] = {"low|middle", "middle|high"};
    double X[N][P], took_part[N], willing[N];
    partreg_fit *fit = NULL;
    partreg_fit_stats st;
    partreg_error err;
    partreg_status s;
    size_t i;
    int rc = 1;

    for (i = 0; i < N; i++) {
        X[i][0] = 1.0; /* a binary model's intercept is an ordinary column */
        X[i][1] = survey[i][0];
        X[i][2] = survey[i][1];
        X[i][3] = survey[i][2];
        took_part[i] = survey[i][3];     /* 0/1 */
        willing[i] = survey[i][4] - 1.0; /* level codes 0, 1, 2, lowest first */
    }

    /* 1. binary logit: P(took part) = expit(x'b) */
    {
        partreg_data d = {0};
        d.n = N;
        d.p = P;
        d.X = &X[0][0];
        d.ldx = P;
        d.y = took_part;
        d.w = NULL; /* unit weights */
        d.n_levels = 2;
        d.column_names = names;
        s = partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err);
        if (s != PARTREG_OK) {
            fprintf(stderr, "fit_arrays: binary fit: %s\n", err.message);
            goto done;
        }
        partreg_fit_get_stats(fit, &st);
        printf("Binary logit of taking part, n = %zu\n", partreg_fit_n_obs(fit));
        printf("log-likelihood %.4f (null %.4f), AIC %.3f, %d iterations\n\n", st.loglik,
               st.null_loglik, st.aic, partreg_fit_iterations(fit));
        printf("model-based standard errors (inverse observed information):\n");
        if (print_table(fit, names, P, NULL))
            goto done;
        /* robust standard errors: the sandwich needs the same data again */
        if (partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_HC1, NULL, 0, &err) != PARTREG_OK) {
            fprintf(stderr, "fit_arrays: HC1: %s\n", err.message);
            goto done;
        }
        printf("\nHC1 (heteroskedasticity-robust) standard errors:\n");
        if (print_table(fit, names, P, NULL))
            goto done;
        partreg_fit_free(fit);
        fit = NULL;
    }

    /* 2. ordinal logit: P(willing <= j) = expit(theta_j - x'b); an ordinal
     * model has no intercept column, so view the same array from column 1
     * with the row stride of the full array */
    {
        partreg_data d = {0};
        d.n = N;
        d.p = P - 1;
        d.X = &X[0][1];
        d.ldx = P;
        d.y = willing;
        d.n_levels = 3;
        d.column_names = names + 1;
        d.level_names = levels;
        s = partreg_fit_create(&d, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err);
        if (s != PARTREG_OK) {
            fprintf(stderr, "fit_arrays: ordinal fit: %s\n", err.message);
            goto done;
        }
        partreg_fit_get_stats(fit, &st);
        printf("\nOrdinal logit of willingness (low < middle < high), n = %zu\n",
               partreg_fit_n_obs(fit));
        printf("log-likelihood %.4f (null %.4f), LR chi2(%g) = %.3f, p = %.4f\n\n", st.loglik,
               st.null_loglik, st.lr_df, st.lr_chi2, st.lr_p);
        if (print_table(fit, names + 1, P - 1, cuts))
            goto done;
    }
    rc = 0;
done:
    partreg_fit_free(fit);
    return rc;
}
