/* partreg report: run the analysis (every `fit` option applies) and write
 * it as one self-contained HTML file with tables and figures
 * (partreg_report.h). `--out -` writes to standard output. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "partreg_report.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_FIT = 3 };

int cli_report(int argc, char **argv)
{
    cli_options o;
    int rc = cli_parse(argc, argv, &o, 1, "report");
    if (rc) {
        cli_options_free(&o);
        return rc == 1 ? 0 : EXIT_USAGE;
    }
    if (!o.out) {
        fprintf(stderr, "partreg report: --out FILE is required, e.g. --out report.html "
                        "(partreg report --help)\n");
        cli_options_free(&o);
        return EXIT_USAGE;
    }
    partreg_analysis *a = NULL;
    partreg_error err, werr;
    partreg_status st = cli_run_analysis(&o, &a, &err);
    if (!a) {
        cli_error(NULL, &err);
        cli_options_free(&o);
        return st == PARTREG_EINVAL ? EXIT_USAGE : EXIT_INPUT;
    }
    partreg_html_options ho = partreg_html_options_default();
    ho.curve = o.curve;
    ho.title = o.title;
    ho.cluster_column = o.spec.frame.cluster;
    int to_stdout = strcmp(o.out, "-") == 0;
    /* a failed report is removed, unless the path was something other than
     * a regular file before (a device such as /dev/full, a named pipe) */
    struct stat sb;
    int removable = stat(o.out, &sb) != 0 || S_ISREG(sb.st_mode);
    FILE *f = to_stdout ? stdout : fopen(o.out, "w");
    int status = 0;
    if (!f) {
        perror(o.out);
        fprintf(stderr, "partreg report: cannot write '%s'\n", o.out);
        status = EXIT_INPUT;
    } else {
        partreg_status ws = partreg_analysis_write_html(a, f, &ho, &werr);
        if (!to_stdout && fclose(f) != 0 && ws == PARTREG_OK) {
            ws = PARTREG_EIO;
            snprintf(werr.message, sizeof werr.message, "could not finish writing '%s'", o.out);
        }
        if (ws != PARTREG_OK) {
            cli_error(ws == PARTREG_EIO ? o.out : NULL, &werr);
            status = ws == PARTREG_EINVAL || ws == PARTREG_ENOTFOUND ? EXIT_USAGE : EXIT_INPUT;
            if (!to_stdout && removable)
                remove(o.out); /* no half-written report left behind */
        } else if (st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION) {
            cli_error(NULL, &err);
            fprintf(stderr, "partreg report: wrote %s (the report says the fit is not to be trusted)\n",
                    o.out);
            status = EXIT_FIT;
        } else if (!to_stdout) {
            printf("Report written to %s\n", o.out);
        }
    }
    partreg_analysis_free(a);
    cli_options_free(&o);
    return status;
}
