/* partreg predict: the probabilities of each outcome level for the rows of
 * --newdata, with standard errors under the --vcov in force and intervals
 * (--prob-ci), the linear predictor (--linear), an id column (--id), as
 * text, JSON or CSV (--format); the rows dropped for missing values are
 * counted, with the variables that were missing, on standard error and in
 * the output (partreg_analysis_predict_write). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_FIT = 3 };

int cli_predict(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "predict");
    if (!rc)
        rc = cli_check_scope(&o, "predict");
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
    partreg_error err;
    int status = EXIT_INPUT;
    partreg_status st = partreg_analysis_run(o.data, &o.spec, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        status = st == PARTREG_EINVAL ? EXIT_USAGE : EXIT_INPUT;
        goto done;
    }
    if (st != PARTREG_OK) {
        cli_error("the model cannot be used for prediction", &err);
        status = EXIT_FIT;
        goto done;
    }
    if (partreg_table_read(o.newdata, &o.spec.read, &nt, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        goto done;
    }
    partreg_predict_options po = partreg_predict_options_default();
    po.level = o.spec.conf_level;
    po.prob_ci = o.spec.prob_ci;
    po.linear = o.extra.linear;
    partreg_predict_summary sum;
    st = partreg_analysis_predict_write(a, nt, o.extra.id, &po, o.format, stdout, &sum, &err);
    if (sum.n_dropped)
        fprintf(stderr, "partreg predict: %zu of the %zu rows of %s dropped for missing values "
                        "(%s)\n",
                sum.n_dropped, sum.n_rows, o.newdata, sum.reason);
    if (st != PARTREG_OK) {
        cli_error(o.newdata, &err);
        status = st == PARTREG_EUNSUPPORTED ? EXIT_USAGE : EXIT_INPUT;
        goto done;
    }
    status = 0;
done:
    partreg_table_free(nt);
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status;
}
