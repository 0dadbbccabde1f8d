/* Standardized coefficients (partreg_fit_standardize, the analysis's
 * --standardize) against Long and Freese's listcoef formulas computed in R
 * (tests/ref/ref_standardize.h): a binary logit and probit, and an ordinal
 * logit with frequency weights (whose variances equal those of the rows
 * repeated); the entries that are not slopes are NaN. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "ref/ref_standardize.h"

#include "testutil.h"

#define DATA PARTREG_SOURCE_DIR "/examples/data/participation_survey.csv"

/* The survey with a frequency-weight column fw = 1 + row % 3 (rows from 1). */
static void weighted_copy(const char *path)
{
    FILE *in = fopen(DATA, "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    long row = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (row == 0)
            fprintf(out, "%s,fw\n", line);
        else
            fprintf(out, "%s,%ld\n", line, 1 + row % 3);
        row++;
    }
    fclose(in);
    fclose(out);
}

static void check(const char *path, const char *formula, partreg_link link, int ordinal,
                  const char *weights, const double *sdx, const double *bx, const double *by,
                  const double *bxy, const double *orsd, double sdy)
{
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = formula;
    s.link = link;
    s.standardize = 1;
    s.frame.weights = weights;
    if (ordinal) {
        s.frame.family_auto = 0;
        s.frame.family = PARTREG_ORDINAL;
    }
    partreg_analysis *a = NULL;
    partreg_error err;
    assert_int_equal(partreg_analysis_run(path, &s, &a, &err), PARTREG_OK);
    const partreg_fit *fit = partreg_analysis_fit(a);
    partreg_data d;
    partreg_frame_data(partreg_analysis_frame(a), &d);
    size_t K = partreg_fit_n_parameters(fit);
    partreg_standardized *z = calloc(K, sizeof *z);
    double sd_latent;
    assert_int_equal(partreg_fit_standardize(fit, &d, 1, z, &sd_latent, &err), PARTREG_OK);
    assert_rel(sd_latent, sdy, 1e-9);
    size_t k = 0;
    for (size_t j = 0; j < K; j++) {
        if (partreg_fit_param_kind(fit, j) != PARTREG_PARAM_COEFFICIENT ||
            strcmp(partreg_fit_param_term(fit, j), "(Intercept)") == 0) {
            assert_true(isnan(z[j].sd_x) && isnan(z[j].b_std_xy));
            continue;
        }
        assert_rel(z[j].sd_x, sdx[k], 1e-9);
        assert_rel(z[j].b_std_x, bx[k], 1e-8);
        assert_rel(z[j].b_std_y, by[k], 1e-8);
        assert_rel(z[j].b_std_xy, bxy[k], 1e-8);
        if (isnan(orsd[k]))
            assert_true(isnan(z[j].or_per_sd));
        else
            assert_rel(z[j].or_per_sd, orsd[k], 1e-9);
        k++;
    }
    free(z);
    assert_int_equal(partreg_fit_standardize(fit, NULL, 1, NULL, NULL, &err), PARTREG_EINVAL);
    partreg_analysis_free(a);
}

static void test_binary(void **state)
{
    (void)state;
    check(DATA, "participated ~ social_capital + age + insured + education", PARTREG_LOGIT, 0,
          NULL, logit_sdx, logit_bstdx, logit_bstdy, logit_bstdxy, logit_or_sd, logit_sdy);
    check(DATA, "participated ~ social_capital + age + insured + education", PARTREG_PROBIT, 0,
          NULL, probit_sdx, probit_bstdx, probit_bstdy, probit_bstdxy, probit_or_sd, probit_sdy);
}

static void test_ordinal_weighted(void **state)
{
    (void)state;
    char path[] = "/tmp/partreg_std_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    weighted_copy(path);
    check(path, "willingness ~ social_capital + age + insured", PARTREG_LOGIT, 1, "fw",
          ordinal_sdx, ordinal_bstdx, ordinal_bstdy, ordinal_bstdxy, ordinal_or_sd, ordinal_sdy);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_ordinal_weighted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
