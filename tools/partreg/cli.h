/* Subcommands of the partreg driver and their shared option parsing. */
#ifndef PARTREG_CLI_H
#define PARTREG_CLI_H

#include "partreg.h"
#include "partreg_analysis.h"

#define CLI_MAX_LIST 256

/* Everything `partreg fit` accepts, parsed from argv. */
typedef struct cli_options {
    const char *data;
    const char *datas[CLI_MAX_LIST]; /* every data file given: several = one per imputation */
    int n_data;
    const char *formulas[2];
    int n_formulas;
    const char *newdata;
    partreg_analysis_spec spec;
    partreg_format format;
    int timing;
    char *levels_buf;                       /* --levels split in place */
    const char *levels[CLI_MAX_LIST];
    const char *ref_vars[CLI_MAX_LIST];
    const char *ref_levels[CLI_MAX_LIST];
    char *ref_bufs[CLI_MAX_LIST];
    const char *na[CLI_MAX_LIST];
    const char *out;   /* report: --out FILE */
    const char *curve; /* report: --curve VAR */
    const char *title; /* report: --title TEXT */
} cli_options;

/* Parse argv (after the subcommand). Returns 0, 1 for --help (printed), or
 * 2 after printing a one-line error to stderr. max_formulas: 1 or 2. */
int cli_parse(int argc, char **argv, cli_options *o, int max_formulas, const char *command);
void cli_options_free(cli_options *o);

/* One survey design option a (value v, NULL at the end of argv) into o:
 * -1 when a is not one, 0 when taken (*takes: 1 when v was its value),
 * 2 after printing a one-line error (options_survey.c). */
int cli_parse_survey(const char *a, const char *v, cli_options *o, const char *command,
                     int *takes);

/* Print "partreg: <message>" for a failed library call. */
void cli_error(const char *what, const partreg_error *err);

int cli_fit(int argc, char **argv);
/* Run the analysis of o: one data file, or several pooled as imputations. */
partreg_status cli_run_analysis(const cli_options *o, partreg_analysis **a, partreg_error *err);
int cli_predict(int argc, char **argv);
int cli_lrtest(int argc, char **argv);
int cli_report(int argc, char **argv);   /* cli_report.c */
int cli_simulate(int argc, char **argv); /* cli_simulate.c */

#endif
