/* The subcommands fit and lrtest (predict: cli_predict.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Exit statuses (docs/partreg.1). */
enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_FIT = 3 };

partreg_status cli_run_analysis(const cli_options *o, partreg_analysis **a, partreg_error *err)
{
    if (o->n_data <= 1)
        return partreg_analysis_run(o->data, &o->spec, a, err);
    partreg_table *t[CLI_MAX_LIST] = {NULL};
    partreg_status st = PARTREG_OK;
    for (int i = 0; i < o->n_data && st == PARTREG_OK; i++)
        st = partreg_table_read(o->datas[i], &o->spec.read, &t[i], err);
    if (st == PARTREG_OK)
        st = partreg_analysis_run_imputations((const partreg_table *const *)t, (size_t)o->n_data,
                                              &o->spec, a, err);
    for (int i = 0; i < o->n_data; i++)
        partreg_table_free(t[i]);
    return st;
}

int cli_fit(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "fit");
    if (!rc)
        rc = cli_check_scope(&o, "fit");
    if (!rc)
        rc = cli_check_csv(&o, "fit");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = cli_run_analysis(&o, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        return st == PARTREG_EINVAL ? EXIT_USAGE : EXIT_INPUT;
    }
    if ((rc = cli_write_marginsplot(&o, a, "fit")) != 0) {
        partreg_analysis_free(a);
        cli_options_free(&o);
        return rc;
    }
    partreg_error werr;
    if (partreg_analysis_write(a, stdout, o.format, o.timing, &werr) != PARTREG_OK) {
        cli_error(NULL, &werr);
        st = werr.status;
    }
    if (st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION)
        cli_error(NULL, &err);
    partreg_analysis_free(a);
    cli_options_free(&o);
    if (st == PARTREG_OK)
        return 0;
    return st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION ? EXIT_FIT : EXIT_INPUT;
}

/* LR test of two nested models fitted on the same rows. */
int cli_lrtest(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 2, "lrtest");
    if (!rc)
        rc = cli_check_scope(&o, "lrtest");
    if (!rc && o.format == PARTREG_FORMAT_CSV) {
        fprintf(stderr, "partreg lrtest: --format csv is not available for lrtest; use text "
                        "or json\n");
        rc = 2;
    }
    if (!rc && o.spec.vcov != PARTREG_VCOV_MODEL) {
        fprintf(stderr, "partreg lrtest: --vcov %s cannot be used: a likelihood-ratio test "
                        "compares likelihoods and assumes independent rows, which a robust "
                        "covariance says do not hold; test the terms with the joint Wald tests "
                        "of partreg fit --vcov %s\n",
                partreg_vcov_name(o.spec.vcov), partreg_vcov_name(o.spec.vcov));
        rc = 2;
    }
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    if (o.n_formulas != 2) {
        fprintf(stderr, "partreg lrtest: give two formulas: --formula FULL --formula REDUCED\n");
        cli_options_free(&o);
        return EXIT_USAGE;
    }
    o.spec.wald_tests = 0;
    o.spec.diagnostics = 0;
    partreg_table *t = NULL;
    partreg_analysis *full = NULL, *reduced = NULL;
    partreg_error err;
    int status = EXIT_INPUT;
    if (partreg_table_read(o.data, &o.spec.read, &t, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    partreg_analysis_spec s2 = o.spec;
    s2.formula = o.formulas[1];
    if (partreg_analysis_run_table(t, &o.spec, &full, &err) != PARTREG_OK) {
        cli_error("full model", &err);
        goto done;
    }
    if (partreg_analysis_run_table(t, &s2, &reduced, &err) != PARTREG_OK) {
        cli_error("reduced model", &err);
        goto done;
    }
    /* weights that are not counts make the likelihood a pseudo-likelihood,
     * whose LR statistic has no chi-square distribution */
    const double *w = partreg_frame_weights(partreg_analysis_frame(full));
    for (size_t i = 0; w && i < partreg_frame_n_rows(partreg_analysis_frame(full)); i++)
        if (w[i] != floor(w[i])) {
            fprintf(stderr,
                    "partreg lrtest: --weights %s are not whole numbers (row %zu: %g), so they "
                    "are not frequency weights and the likelihood-ratio statistic has no "
                    "chi-square distribution; for sampling weights use the design-based Wald "
                    "tests of partreg fit --sampling-weights %s\n",
                    o.spec.frame.weights, partreg_frame_row_index(partreg_analysis_frame(full))[i] + 1,
                    w[i], o.spec.frame.weights);
            status = EXIT_USAGE;
            goto done;
        }
    double chi2, df, p;
    if (partreg_lr_test(partreg_analysis_fit(full), partreg_analysis_fit(reduced), &chi2, &df, &p,
                        &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    const partreg_fit *ff = partreg_analysis_fit(full), *fr = partreg_analysis_fit(reduced);
    if (o.format == PARTREG_FORMAT_JSON) {
        printf("{\n  \"full\": {\"formula\": \"%s\", \"loglik\": %.17g, \"n_params\": %zu},\n",
               o.formulas[0], partreg_fit_loglik(ff), partreg_fit_n_estimated(ff));
        printf("  \"reduced\": {\"formula\": \"%s\", \"loglik\": %.17g, \"n_params\": %zu},\n",
               o.formulas[1], partreg_fit_loglik(fr), partreg_fit_n_estimated(fr));
        printf("  \"n_obs\": %zu, \"chi2\": %.17g, \"df\": %g, \"p_value\": %.17g\n}\n",
               partreg_fit_n_obs(ff), chi2, df, p);
    } else {
        printf("Likelihood-ratio test (%zu rows)\n", partreg_fit_n_obs(ff));
        printf("  full:    %s  (loglik %.4f, %zu parameters)\n", o.formulas[0], partreg_fit_loglik(ff), partreg_fit_n_estimated(ff));
        printf("  reduced: %s  (loglik %.4f, %zu parameters)\n", o.formulas[1], partreg_fit_loglik(fr), partreg_fit_n_estimated(fr));
        printf("  LR chi2(%g) = %.4f, p = %.4g\n", df, chi2, p);
    }
    status = 0;
done:
    partreg_analysis_free(full);
    partreg_analysis_free(reduced);
    partreg_table_free(t);
    cli_options_free(&o);
    return status;
}
