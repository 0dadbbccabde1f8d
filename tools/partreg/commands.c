/* The subcommands fit and lrtest (predict: cli_predict.c; report:
 * cli_report.c; table: cli_table.c). Each validates every option
 * (cli_parse, cli_check_scope) and computes its results before it opens
 * its output (output.c), and checks every write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Exit status of a finished analysis whose status is st. */
static int fit_exit(partreg_status st)
{
    if (st == PARTREG_OK)
        return 0;
    return st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION ? CLI_EXIT_FIT
                                                                     : CLI_EXIT_INPUT;
}

partreg_status cli_run_analysis(const cli_options *o, partreg_analysis **a, partreg_error *err)
{
    if (o->n_data <= 1)
        return cli_run_path(o->data, &o->spec, a, err);
    partreg_table *t[CLI_MAX_LIST] = {NULL};
    partreg_status st = PARTREG_OK;
    for (int i = 0; i < o->n_data && st == PARTREG_OK; i++)
        st = cli_read_table(o->datas[i], &o->spec.read, &t[i], err);
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
        return rc == 1 ? 0 : CLI_EXIT_USAGE;
    }
    partreg_analysis *a = NULL;
    partreg_error err;
    partreg_status st = cli_run_analysis(&o, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        return st == PARTREG_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
    }
    if ((rc = cli_write_marginsplot(&o, a, "fit")) != 0) {
        partreg_analysis_free(a);
        cli_options_free(&o);
        return rc;
    }
    cli_output out;
    int status = cli_output_open(&out, "fit", NULL);
    if (status == 0) {
        partreg_error werr;
        if (partreg_analysis_write(a, out.f, o.format, o.timing, &werr) != PARTREG_OK &&
            werr.status != PARTREG_EIO) {
            cli_error(NULL, &werr);
            cli_output_discard(&out);
            status = CLI_EXIT_INPUT;
        } else {
            status = cli_output_commit(&out); /* names a failed write */
        }
    }
    if (status == 0 && (st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION))
        cli_error(NULL, &err);
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status ? status : fit_exit(st);
}

/* One model of the LR test in JSON. */
static void lr_model_json(FILE *f, const char *key, const char *formula, const partreg_fit *fit)
{
    fprintf(f, "  \"%s\": {\"formula\": ", key);
    partreg_write_json_string(f, formula);
    fprintf(f, ", \"loglik\": %.17g, \"n_params\": %zu},\n", partreg_fit_loglik(fit),
            partreg_fit_n_estimated(fit));
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
        return rc == 1 ? 0 : CLI_EXIT_USAGE;
    }
    if (o.n_formulas != 2) {
        fprintf(stderr, "partreg lrtest: give two formulas: --formula FULL --formula REDUCED\n");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    o.spec.wald_tests = 0;
    o.spec.diagnostics = 0;
    partreg_table *t = NULL;
    partreg_analysis *full = NULL, *reduced = NULL;
    partreg_error err;
    int status = CLI_EXIT_INPUT;
    if (cli_read_table(o.data, &o.spec.read, &t, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    partreg_analysis_spec s1 = o.spec, s2 = o.spec;
    s2.formula = o.formulas[1];
    cli_spec_for_model(&s1, o.formulas, 2);
    cli_spec_for_model(&s2, o.formulas, 2);
    if (partreg_analysis_run_table(t, &s1, &full, &err) != PARTREG_OK) {
        cli_error("full model", &err);
        goto done;
    }
    if (partreg_analysis_run_table(t, &s2, &reduced, &err) != PARTREG_OK) {
        cli_error("reduced model", &err);
        goto done;
    }
    double chi2, df, p;
    partreg_status lst = partreg_analysis_lr_test(full, reduced, &chi2, &df, &p, &err);
    if (lst != PARTREG_OK) {
        cli_error(NULL, &err);
        status = lst == PARTREG_EUNSUPPORTED ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
        goto done;
    }
    const partreg_fit *ff = partreg_analysis_fit(full), *fr = partreg_analysis_fit(reduced);
    cli_output out;
    if ((status = cli_output_open(&out, "lrtest", NULL)) != 0)
        goto done;
    if (o.format == PARTREG_FORMAT_JSON) {
        fputs("{\n", out.f);
        lr_model_json(out.f, "full", o.formulas[0], ff);
        lr_model_json(out.f, "reduced", o.formulas[1], fr);
        fprintf(out.f, "  \"n_obs\": %zu, \"chi2\": %.17g, \"df\": %g, \"p_value\": %.17g\n}\n",
                partreg_fit_n_obs(ff), chi2, df, p);
    } else {
        fprintf(out.f, "Likelihood-ratio test (%zu rows)\n", partreg_fit_n_obs(ff));
        fputs("  full:    ", out.f);
        partreg_write_text(out.f, o.formulas[0]);
        fprintf(out.f, "  (loglik %.4f, %zu parameters)\n", partreg_fit_loglik(ff),
                partreg_fit_n_estimated(ff));
        fputs("  reduced: ", out.f);
        partreg_write_text(out.f, o.formulas[1]);
        fprintf(out.f, "  (loglik %.4f, %zu parameters)\n", partreg_fit_loglik(fr),
                partreg_fit_n_estimated(fr));
        fprintf(out.f, "  LR chi2(%g) = %.4f, p = %.4g\n", df, chi2, p);
    }
    status = cli_output_commit(&out);
done:
    partreg_analysis_free(full);
    partreg_analysis_free(reduced);
    partreg_table_free(t);
    cli_options_free(&o);
    return status;
}
