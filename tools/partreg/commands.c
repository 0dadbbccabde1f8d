/* The subcommands: fit, predict, lrtest. */
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

/* Probabilities of each outcome level for the rows of --newdata, as CSV:
 * the row number in the new file, then one column per level. */
int cli_predict(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "predict");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    if (!o.newdata) {
        fprintf(stderr, "partreg predict: --newdata FILE is required (the rows to predict)\n");
        cli_options_free(&o);
        return EXIT_USAGE;
    }
    o.spec.wald_tests = 0;
    o.spec.diagnostics = 0;
    partreg_analysis *a = NULL;
    partreg_table *nt = NULL;
    partreg_frame *nf = NULL;
    gsl_matrix *P = NULL;
    partreg_error err;
    int status = EXIT_INPUT;
    partreg_status st = partreg_analysis_run(o.data, &o.spec, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        goto done;
    }
    if (st != PARTREG_OK) {
        cli_error("the model cannot be used for prediction", &err);
        status = EXIT_FIT;
        goto done;
    }
    if (partreg_table_read(o.newdata, &o.spec.read, &nt, &err) != PARTREG_OK ||
        partreg_frame_apply(partreg_analysis_frame(a), nt, &nf, &err) != PARTREG_OK) {
        cli_error(o.newdata, &err);
        goto done;
    }
    partreg_data d;
    partreg_frame_data(nf, &d);
    const partreg_fit *fit = partreg_analysis_fit(a);
    size_t J = partreg_fit_n_levels(fit);
    int binary = partreg_fit_n_outcomes(fit) == 1; /* the event's probability alone */
    P = gsl_matrix_alloc(d.n ? d.n : 1, binary ? 1 : J);
    if (!P || partreg_fit_predict(fit, &d, P, &err) != PARTREG_OK) {
        cli_error(o.newdata, &err);
        goto done;
    }
    const partreg_frame *fr = partreg_analysis_frame(a);
    printf("row");
    for (size_t k = 0; k < J; k++)
        printf(",P(%s)", partreg_frame_level_name(fr, k));
    putchar('\n');
    const size_t *rows = partreg_frame_row_index(nf);
    for (size_t i = 0; i < d.n; i++) {
        printf("%zu", rows[i] + 1);
        for (size_t k = 0; k < J; k++) {
            double p = binary ? (k == 1 ? gsl_matrix_get(P, i, 0) : 1.0 - gsl_matrix_get(P, i, 0))
                              : gsl_matrix_get(P, i, k);
            printf(",%.17g", p);
        }
        putchar('\n');
    }
    status = 0;
done:
    if (P)
        gsl_matrix_free(P);
    partreg_frame_free(nf);
    partreg_table_free(nt);
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status;
}

/* LR test of two nested models fitted on the same rows. */
int cli_lrtest(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 2, "lrtest");
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
