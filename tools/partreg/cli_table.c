/* partreg table: several fitted models side by side, for the paper
 * (partreg_model_table, partreg_report.h). The models are the --formula
 * options fitted on DATA with the model options given (in order), then
 * the --results files saved by `partreg fit --format json`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "partreg_report.h"

static partreg_table_format table_format(const char *f)
{
    if (!f || strcmp(f, "md") == 0 || strcmp(f, "markdown") == 0 || strcmp(f, "text") == 0)
        return PARTREG_TABLE_MARKDOWN;
    if (strcmp(f, "latex") == 0)
        return PARTREG_TABLE_LATEX;
    if (strcmp(f, "html") == 0)
        return PARTREG_TABLE_HTML_PAGE;
    return PARTREG_TABLE_CSV;
}

int cli_table(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "table");
    if (!rc)
        rc = cli_check_scope(&o, "table");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : CLI_EXIT_USAGE;
    }
    const cli_extra *x = &o.extra;
    for (size_t g = 0; g < x->n_given && !x->brackets_ci; g++)
        if (strcmp(x->given[g], "--ci") == 0 || strcmp(x->given[g], "--conf-level") == 0) {
            fprintf(stderr, "partreg table: %s sets the intervals, which the table shows with "
                            "--brackets ci (it shows standard errors otherwise)\n",
                    x->given[g]);
            cli_options_free(&o);
            return CLI_EXIT_USAGE;
        }
    size_t n_models = x->n_formulas + x->n_results;
    if (n_models == 0 || (x->n_formulas > 0 && !o.data)) {
        fprintf(stderr, "partreg table: give models: DATA with --formula F (repeatable) and/or "
                        "--results FILE.json (saved by partreg fit --format json)\n");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    if (x->n_titles && x->n_titles != n_models) {
        fprintf(stderr, "partreg table: %zu --title for %zu models; give one per model (in the "
                        "order: formulas, then results) or none\n",
                x->n_titles, n_models);
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    const char *inputs[CLI_MAX_LIST + 1];
    size_t n_inputs = 0;
    if (o.data)
        inputs[n_inputs++] = o.data;
    for (size_t k = 0; k < x->n_results && n_inputs < CLI_MAX_LIST + 1; k++)
        inputs[n_inputs++] = x->results[k];
    if ((rc = cli_output_check("table", o.out, inputs, n_inputs)) != 0) {
        cli_options_free(&o);
        return rc;
    }
    o.spec.wald_tests = 0;
    o.spec.diagnostics = 0;
    partreg_model_table *t = NULL;
    partreg_table *data = NULL;
    partreg_error err;
    int status = CLI_EXIT_INPUT;
    if (partreg_model_table_create(&t, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    if (x->n_formulas && cli_read_table(o.data, &o.spec.read, &data, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    for (size_t k = 0; k < x->n_formulas; k++) {
        partreg_analysis_spec s = o.spec;
        s.formula = x->formulas[k];
        cli_spec_for_model(&s, x->formulas, x->n_formulas);
        partreg_analysis *a = NULL;
        partreg_status st = partreg_analysis_run_table(data, &s, &a, &err);
        if (st == PARTREG_OK)
            st = partreg_model_table_add_analysis(t, a, x->n_titles ? x->titles[k] : NULL, &err);
        partreg_analysis_free(a);
        if (st != PARTREG_OK) {
            fprintf(stderr, "partreg table: model %zu (%s): %s\n", k + 1, x->formulas[k],
                    err.message);
            status = st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION ? CLI_EXIT_FIT
                     : st == PARTREG_EINVAL                                   ? CLI_EXIT_USAGE
                                                                              : CLI_EXIT_INPUT;
            goto done;
        }
    }
    for (size_t k = 0; k < x->n_results; k++) {
        size_t m = x->n_formulas + k;
        if (partreg_model_table_add_json(t, x->results[k], x->n_titles ? x->titles[m] : NULL,
                                         &err) != PARTREG_OK) {
            cli_error(NULL, &err);
            goto done;
        }
    }
    partreg_model_table_options to = partreg_model_table_options_default();
    to.eform = x->eform;
    to.stars = x->stars;
    to.brackets_ci = x->brackets_ci;
    cli_output out;
    if ((status = cli_output_open(&out, "table", o.out)) != 0)
        goto done;
    partreg_status ws =
        partreg_model_table_write(t, out.f, table_format(x->table_format), &to, &err);
    if (ws != PARTREG_OK && ws != PARTREG_EIO) {
        cli_error(NULL, &err);
        cli_output_discard(&out);
        status = CLI_EXIT_INPUT;
        goto done;
    }
    if ((status = cli_output_commit(&out)) != 0)
        goto done;
    status = 0;
done:
    partreg_model_table_free(t);
    partreg_table_free(data);
    cli_options_free(&o);
    return status;
}
