/* partreg predict: the probabilities of each outcome level for the rows of
 * --newdata, with standard errors under the --vcov in force and intervals
 * (--prob-ci), the linear predictor (--linear), an id column (--id), as
 * text, JSON or CSV (--format); the rows dropped for missing values are
 * counted, with the variables that were missing, on standard error and in
 * the output (partreg_analysis_predict_write). Standard output is written
 * through output.c: every write checked, nothing written when the rows
 * cannot all be predicted. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_predict(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "predict");
    if (!rc)
        rc = cli_check_scope(&o, "predict");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : CLI_EXIT_USAGE;
    }
    if (!o.newdata) {
        fprintf(stderr, "partreg predict: --newdata FILE is required (the rows to predict)\n");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(o.data, "-") == 0 && strcmp(o.newdata, "-") == 0) {
        fprintf(stderr, "partreg predict: the data and --newdata cannot both be standard "
                        "input ('-')\n");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    o.spec.wald_tests = 0;
    o.spec.diagnostics = 0;
    partreg_analysis *a = NULL;
    partreg_table *nt = NULL;
    partreg_error err;
    int status = CLI_EXIT_INPUT;
    partreg_status st = cli_run_analysis(&o, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        status = st == PARTREG_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
        goto done;
    }
    if (st != PARTREG_OK) {
        cli_error("the model cannot be used for prediction", &err);
        status = CLI_EXIT_FIT;
        goto done;
    }
    if (cli_read_table(o.newdata, &o.spec.read, &nt, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    partreg_predict_options po = partreg_predict_options_default();
    po.level = o.spec.conf_level;
    po.prob_ci = o.spec.prob_ci;
    po.linear = o.extra.linear;
    partreg_predict_summary sum;
    cli_output out;
    if ((status = cli_output_open(&out, "predict", NULL)) != 0)
        goto done;
    st = partreg_analysis_predict_write(a, nt, o.extra.id, &po, o.format, out.f, &sum, &err);
    if (st != PARTREG_OK && st != PARTREG_EIO)
        cli_output_discard(&out);
    else if ((status = cli_output_commit(&out)) != 0)
        goto done; /* the write failed: output.c said so */
    status = CLI_EXIT_INPUT;
    if (sum.n_dropped)
        fprintf(stderr, "partreg predict: %zu of the %zu rows of %s dropped for missing values "
                        "(%s)\n",
                sum.n_dropped, sum.n_rows, o.newdata, sum.reason);
    if (st != PARTREG_OK) {
        cli_error(o.newdata, &err);
        status = st == PARTREG_EUNSUPPORTED ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
        goto done;
    }
    status = 0;
done:
    partreg_table_free(nt);
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status;
}
