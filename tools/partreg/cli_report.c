/* partreg report: run the analysis (every `fit` option applies) and write
 * it as one self-contained HTML file with tables and figures
 * (partreg_report.h). `--out -` writes to standard output. Options are all
 * checked (--curve against the formula's variables included) before the
 * analysis runs; the file is written through a temporary file and renamed
 * into place (output.c), so a failed run leaves an existing file as it
 * was. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "partreg_formula.h"
#include "partreg_report.h"

/* --curve names a variable of the formula; 0, or a usage error. */
static int check_curve(const cli_options *o)
{
    partreg_formula *f = NULL;
    partreg_error err;
    if (!o->curve)
        return 0;
    if (partreg_formula_parse(o->spec.formula, &f, &err) != PARTREG_OK) {
        cli_error(NULL, &err);
        return CLI_EXIT_INPUT;
    }
    size_t nv = partreg_formula_n_variables(f);
    for (size_t v = 0; v < nv; v++)
        if (strcmp(partreg_formula_variable(f, v), o->curve) == 0) {
            partreg_formula_free(f);
            return 0;
        }
    fprintf(stderr, "partreg report: --curve '%s' is not a variable of the model '%s'; its "
                    "variables are:",
            o->curve, o->spec.formula);
    for (size_t v = 0; v < nv; v++)
        fprintf(stderr, "%s %s", v ? "," : "", partreg_formula_variable(f, v));
    fprintf(stderr, "%s\n", nv ? "" : " (none)");
    partreg_formula_free(f);
    return CLI_EXIT_USAGE;
}

int cli_report(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "report");
    if (!rc)
        rc = cli_check_scope(&o, "report");
    if (!rc)
        rc = cli_check_csv(&o, "report");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : CLI_EXIT_USAGE;
    }
    if (!o.out) {
        fprintf(stderr, "partreg report: --out FILE is required, e.g. --out report.html "
                        "(partreg report --help)\n");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    const char *inputs[CLI_MAX_LIST + 1];
    size_t n_inputs = 0;
    for (int i = 0; i < o.n_data; i++)
        inputs[n_inputs++] = o.datas[i];
    inputs[n_inputs++] = o.newdata;
    if ((rc = cli_output_check("report", o.out, inputs, n_inputs)) != 0 ||
        (rc = check_curve(&o)) != 0) {
        cli_options_free(&o);
        return rc;
    }
    partreg_analysis *a = NULL;
    partreg_error err, werr;
    const partreg_analysis_spec given = o.spec; /* the options of every formula */
    cli_spec_for_model(&o.spec, o.extra.formulas, o.extra.n_formulas);
    partreg_status st = cli_run_analysis(&o, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        return st == PARTREG_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
    }
    if ((rc = cli_write_marginsplot(&o, a, "report")) != 0) {
        partreg_analysis_free(a);
        cli_options_free(&o);
        return rc;
    }
    /* several --formula: the first is the report's model; all of them go
     * side by side into a section of their own */
    partreg_model_table *models = NULL;
    if (o.extra.n_formulas > 1 && strcmp(o.data, "-") == 0) {
        fprintf(stderr, "partreg report: several --formula read the data once each; give a file, "
                        "not standard input ('-')\n");
        partreg_analysis_free(a);
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    if (o.extra.n_formulas > 1) {
        partreg_error terr;
        int bad = partreg_model_table_create(&models, &terr) != PARTREG_OK;
        for (size_t k = 0; !bad && k < o.extra.n_formulas; k++) {
            partreg_analysis_spec s = given;
            s.formula = o.extra.formulas[k];
            cli_spec_for_model(&s, o.extra.formulas, o.extra.n_formulas);
            s.wald_tests = s.diagnostics = s.margins = s.margins_at_means = s.brant = 0;
            s.at = NULL;
            s.n_at = 0;
            s.over = s.profile = NULL;
            s.contrast = s.standardize = 0;
            partreg_analysis *m = NULL;
            cli_options oc = o;
            oc.spec = s;
            bad = cli_run_analysis(&oc, &m, &terr) != PARTREG_OK ||
                  partreg_model_table_add_analysis(models, m, NULL, &terr) != PARTREG_OK;
            if (bad)
                fprintf(stderr, "partreg report: model %zu (%s): %s\n", k + 1,
                        o.extra.formulas[k], terr.message);
            partreg_analysis_free(m);
        }
        if (bad) {
            partreg_model_table_free(models);
            partreg_analysis_free(a);
            cli_options_free(&o);
            return CLI_EXIT_INPUT;
        }
    }
    partreg_html_options ho = partreg_html_options_default();
    ho.models = models;
    ho.curve = o.curve;
    ho.title = o.title;
    ho.cluster_column = o.spec.frame.cluster;
    int to_stdout = strcmp(o.out, "-") == 0;
    cli_output out;
    int status = cli_output_open(&out, "report", o.out);
    if (status == 0) {
        partreg_status ws = partreg_analysis_write_html(a, out.f, &ho, &werr);
        if (ws != PARTREG_OK && ws != PARTREG_EIO) {
            cli_error(NULL, &werr);
            cli_output_discard(&out); /* no half-written report left behind */
            status = ws == PARTREG_EINVAL || ws == PARTREG_ENOTFOUND ? CLI_EXIT_USAGE
                                                                     : CLI_EXIT_INPUT;
        } else if ((status = cli_output_commit(&out)) == 0) {
            if (st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION) {
                cli_error(NULL, &err);
                fprintf(stderr,
                        "partreg report: wrote %s (the report says the fit is not to be "
                        "trusted)\n",
                        o.out);
                status = CLI_EXIT_FIT;
            } else if (!to_stdout) {
                printf("Report written to %s\n", o.out);
                errno = 0;
                if (fflush(stdout) != 0 || ferror(stdout)) {
                    fprintf(stderr, "partreg report: wrote %s, but could not write standard "
                                    "output: %s\n",
                            o.out, errno ? strerror(errno) : "a write failed");
                    status = CLI_EXIT_INPUT;
                }
            }
        }
    }
    partreg_model_table_free(models);
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status;
}
