/* The survey design options of `partreg fit` (partreg_survey.h): they name
 * the design's columns (frame options) and its rules (survey options). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_survey(const char *a, const char *v, cli_options *o, const char *command,
                     int *takes)
{
    partreg_frame_options *f = &o->spec.frame;
    partreg_survey_options *s = &o->spec.survey;
    partreg_error err;
    *takes = 1;
    if (strcmp(a, "--rep-mse") == 0) {
        s->rep_mse = 1;
        *takes = 0;
        return 0;
    }
    static const char *const with_value[] = {"--sampling-weights", "--strata", "--psu",
                                             "--fpc", "--subpop", "--lonely-psu",
                                             "--repweights", "--rep-type", "--fay-rho"};
    size_t k = 0;
    while (k < sizeof with_value / sizeof with_value[0] && strcmp(a, with_value[k]) != 0)
        k++;
    if (k == sizeof with_value / sizeof with_value[0])
        return -1;
    if (!v) {
        fprintf(stderr, "partreg %s: option %s needs a value (partreg %s --help)\n", command, a,
                command);
        return 2;
    }
    switch (k) {
    case 0: f->sampling_weights = v; break;
    case 1: f->strata = v; break;
    case 2: f->psu = v; break;
    case 3: f->fpc = v; break;
    case 4: f->subpop = v; break;
    case 5:
        if (partreg_lonely_psu_parse(v, &s->lonely_psu, &err) != PARTREG_OK) {
            fprintf(stderr, "partreg %s: --lonely-psu: %s (partreg %s --help)\n", command,
                    err.message, command);
            return 2;
        }
        break;
    case 6: f->repweights = v; break;
    case 7:
        if (partreg_rep_type_parse(v, &s->rep_type, &err) != PARTREG_OK) {
            fprintf(stderr, "partreg %s: --rep-type: %s (partreg %s --help)\n", command,
                    err.message, command);
            return 2;
        }
        s->rep_type_given = 1;
        break;
    default: {
        char *end;
        double rho = strtod(v, &end);
        if (end == v || *end != '\0' || !(rho > 0.0 && rho < 1.0)) {
            fprintf(stderr,
                    "partreg %s: --fay-rho '%s' must be a number in (0, 1), e.g. 0.5 "
                    "(partreg %s --help)\n",
                    command, v, command);
            return 2;
        }
        s->fay_rho = rho;
        break;
    }
    }
    return 0;
}
