/* Subcommands of the partreg driver and their shared option parsing. */
#ifndef PARTREG_CLI_H
#define PARTREG_CLI_H

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_options.h"

#include <stdio.h>

#define CLI_MAX_LIST 256

/* Exit statuses (docs/partreg.1). */
enum { CLI_EXIT_INPUT = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_FIT = 3 };

/* The options of options_margins.c: margins, predictions, tables. */
typedef struct cli_extra {
    const char *marginsplot;      /* --marginsplot FILE.svg */
    const char *id;               /* predict: --id COL */
    int linear;                   /* predict: --linear */
    const char *results[CLI_MAX_LIST]; /* table: --results FILE.json, repeatable */
    size_t n_results;
    const char *table_format;     /* table: --format md|latex|html|csv (kept as text) */
    int stars;                    /* table: --stars */
    int eform;                    /* table: --eform (odds ratios) */
    int brackets_ci;              /* table: --brackets ci (else se) */
    const char *titles[CLI_MAX_LIST]; /* table: --title per model, repeatable */
    size_t n_titles;
    const char *formulas[CLI_MAX_LIST]; /* table: --formula, repeatable */
    size_t n_formulas;
    const char *given[64];        /* every option given, for the commands' refusals */
    size_t n_given;
} cli_extra;

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
    /* the model's options, parsed by the library's table: spec points
     * into it (strings, --levels, --ref, --na) */
    partreg_options *opts;
    const char *out;   /* report: --out FILE */
    const char *curve; /* report: --curve VAR */
    const char *title; /* report: --title TEXT */
    cli_extra extra;   /* margins, predict and table options (options_margins.c) */
} cli_options;

/* Parse argv (after the subcommand). Returns 0, 1 for --help (printed), or
 * 2 after printing a one-line error to stderr. max_formulas: 1 or 2. */
int cli_parse(int argc, char **argv, cli_options *o, int max_formulas, const char *command);
void cli_options_free(cli_options *o);

/* One margins, predict or table option of the command's own (options_margins.c):
 * a (value v, NULL at the end of argv) into o: -1 when a is not one, 0 when
 * taken (*takes: 1 when v was its value), 2 after a one-line error. */
int cli_parse_margins(const char *a, const char *v, cli_options *o, const char *command,
                      int *takes);

/* Refuse, with the reason, every option given that `command` does not use
 * (options_scope.c): 0, or 2 after a one-line message. Options the table
 * does not list (the model's) are used by every command. */
int cli_check_scope(const cli_options *o, const char *command);
/* Write --marginsplot FILE of analysis a, if asked: 0, or an exit status
 * after a one-line message (the file is then removed). */
int cli_write_marginsplot(const cli_options *o, const partreg_analysis *a, const char *command);
/* The spec of one of several models (lrtest, table) whose formula is
 * s->formula: when another of the n formulas has a random intercept
 * (1 | G), --nagq and --conditional are of that model, and s drops them if
 * its own formula has none. With no random intercept anywhere they stay,
 * for the fit to refuse them. */
void cli_spec_for_model(partreg_analysis_spec *s, const char *const *formulas, size_t n);
/* Refuse --format csv with options whose results CSV cannot hold. */
int cli_check_csv(const cli_options *o, const char *command);

/* Print "partreg: <message>" for a failed library call. */
void cli_error(const char *what, const partreg_error *err);

/* Output of a subcommand (output.c): standard output or a file written
 * through a temporary file renamed into place once complete. */
typedef struct cli_output {
    FILE *f;             /* write here */
    const char *command;
    const char *path;    /* --out as given, NULL for standard output */
    const char *shown;   /* how messages name it */
    char *target;        /* the file replaced on success (a link's target) */
    char *tmp;           /* the temporary file, NULL when writing in place */
} cli_output;

/* Before any work: refuse an --out that is a directory or one of the
 * inputs (it would replace the data). 0, or an exit status after a
 * one-line message. NULL or "-" is standard output. */
int cli_output_check(const char *command, const char *path, const char *const *inputs,
                     size_t n_inputs);
/* Open the output (NULL or "-": standard output). 0, or an exit status
 * after a message. */
int cli_output_open(cli_output *o, const char *command, const char *path);
/* Check every write, flush, sync, close and put the file in place: 0, or
 * CLI_EXIT_INPUT after a message naming the output (the temporary file is
 * removed, an existing file left as it was). */
int cli_output_commit(cli_output *o);
/* Give up: remove the temporary file; an existing file stays as it was. */
void cli_output_discard(cli_output *o);

/* The data of --formula ... DATA: "-" reads CSV from standard input. */
partreg_status cli_read_table(const char *path, const partreg_read_options *opt,
                              partreg_table **out, partreg_error *err);
/* partreg_analysis_run() on DATA, or on standard input for "-". */
partreg_status cli_run_path(const char *path, const partreg_analysis_spec *spec,
                            partreg_analysis **out, partreg_error *err);

int cli_fit(int argc, char **argv);
/* Run the analysis of o: one data file, or several pooled as imputations. */
partreg_status cli_run_analysis(const cli_options *o, partreg_analysis **a, partreg_error *err);
int cli_predict(int argc, char **argv);
int cli_lrtest(int argc, char **argv);
int cli_report(int argc, char **argv);   /* cli_report.c */
int cli_simulate(int argc, char **argv); /* cli_simulate.c */
int cli_table(int argc, char **argv);    /* cli_table.c */

#endif
