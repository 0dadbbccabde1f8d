/* partreg: the command-line driver. It only parses arguments and calls the
 * library (partreg_analysis.h); every number and message comes from there.
 * The command-line contract is CONTRACT.md (shared) and docs/partreg.1. */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: partreg <command> [options]\n"
    "\n"
    "Regression models of survey participation: binary (logit, probit, cloglog,\n"
    "cauchit) and ordinal cumulative-link models, with robust and cluster SEs,\n"
    "profile intervals, marginal effects and tests.\n"
    "\n"
    "commands:\n"
    "  fit DATA --formula \"Y ~ x + z\" [options]    fit a model and report it\n"
    "  predict DATA --formula F --newdata FILE      predicted probabilities of each level (CSV)\n"
    "  lrtest DATA --formula FULL --formula REDUCED likelihood-ratio test of nested models\n"
    "  report DATA --formula F --out report.html    self-contained HTML report with figures\n"
    "  table DATA --formula F1 --formula F2 ...     models side by side (Markdown, LaTeX, HTML, CSV)\n"
    "  simulate --n N --communities C --seed S --out FILE.csv   simulated participation survey\n"
    "  version                                      print the version\n"
    "\n"
    "Run `partreg fit --help` for the model options; `man partreg` for details.\n";

static int dispatch(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "fit") == 0)
        return cli_fit(argc - 2, argv + 2);
    if (strcmp(cmd, "predict") == 0)
        return cli_predict(argc - 2, argv + 2);
    if (strcmp(cmd, "lrtest") == 0)
        return cli_lrtest(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cli_report(argc - 2, argv + 2);
    if (strcmp(cmd, "table") == 0)
        return cli_table(argc - 2, argv + 2);
    if (strcmp(cmd, "simulate") == 0)
        return cli_simulate(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("partreg %s\n", partreg_version());
        return 0;
    }
    fprintf(stderr, "partreg: unknown command '%s'; use fit, predict, lrtest, report, table, simulate or version "
                    "(partreg --help)\n", cmd);
    return 2;
}

int main(int argc, char **argv)
{
    /* The library never lets GSL's handler fire on user input; the driver
     * still turns it off once so that a library bug cannot abort the
     * command (the library itself never touches the global handler). */
    gsl_set_error_handler_off();
    int rc = dispatch(argc, argv);
    /* whatever a subcommand printed last (help, version, a note after its
     * output) must have reached standard output: a full disk or a closed
     * pipe is an error, never a silent success */
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        fprintf(stderr, "partreg: could not write standard output: %s\n",
                errno ? strerror(errno) : "a write failed");
        rc = 1;
    }
    return rc;
}
