/* Which command uses which option. Every option that `partreg fit`
 * accepts is either used by report, predict, lrtest and table too, or
 * refused there with a message that says why and what to do instead; an
 * option that a command would silently ignore does not exist.
 * tests/cli_options_scope.sh runs every command with every option of
 * `partreg fit --help` and holds this table to it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { FIT = 1, REPORT = 2, PREDICT = 4, LRTEST = 8, TABLE = 16, ALL = 31 };

typedef struct scope {
    const char *option;
    unsigned used_by;
    const char *why; /* why the other commands refuse it */
} scope;

static const char margins_why[] =
    "margins summarise a fitted model: use partreg fit or partreg report";

static const char out_of_core_why[] =
    "it fits its models on the rows of one table in memory; for a file larger than memory, "
    "fit each model out of core with partreg fit --format json: the saved results hold each "
    "log-likelihood, and partreg table --results sets them side by side";

static const scope scopes[] = {
    {"--margins", FIT | REPORT, margins_why},
    {"--margins-at-means", FIT | REPORT, margins_why},
    {"--at", FIT | REPORT, margins_why},
    {"--over", FIT | REPORT, margins_why},
    {"--contrast", FIT | REPORT, margins_why},
    {"--profile", FIT | REPORT, margins_why},
    {"--marginsplot", FIT | REPORT, margins_why},
    {"--prob-ci", FIT | REPORT | PREDICT,
     "it sets the intervals of predicted probabilities, which this command does not print"},
    {"--brant", FIT | REPORT,
     "the Brant test belongs to one fitted model: use partreg fit --brant"},
    {"--standardize", FIT | REPORT,
     "standardized coefficients are listed by partreg fit --standardize and partreg report"},
    {"--nagq", ALL, ""},
    {"--conditional", FIT | REPORT | PREDICT,
     "it chooses the predictions of a random-intercept model (at a random intercept of 0), "
     "which this command does not print"},
    {"--timing", FIT, "phase timings are part of the JSON of partreg fit --timing"},
    {"--ci", FIT | REPORT | TABLE,
     "it chooses the intervals of coefficients; predict's intervals are set by --prob-ci and "
     "lrtest prints none"},
    {"--conf-level", FIT | REPORT | PREDICT | TABLE, "the likelihood-ratio test has no interval"},
    {"--vcov", ALL, ""}, /* lrtest refuses all but the model covariance itself */
    {"--cluster", FIT | REPORT | PREDICT | TABLE,
     "a likelihood-ratio test assumes independent rows; for clustered data use the joint Wald "
     "tests of partreg fit --vcov cluster --cluster COL"},
    {"--cluster-df", FIT | REPORT,
     "it sets the t distribution of the coefficients' tests and intervals, which partreg fit "
     "and partreg report print; predictions and tables use the covariance only"},
    {"--imputations", ALL & ~LRTEST,
     "a likelihood-ratio test is not pooled over imputations; use the pooled Wald tests (D1) of "
     "partreg fit --imputations"},
    {"--nominal-test", FIT | REPORT,
     "tests of one fitted model are printed by partreg fit and partreg report"},
    {"--scale-test", FIT | REPORT,
     "tests of one fitted model are printed by partreg fit and partreg report"},
    {"--parallel-test", FIT | REPORT,
     "tests of one fitted model are printed by partreg fit and partreg report"},
    {"--gof", FIT | REPORT,
     "goodness-of-fit tests of one fitted model are printed by partreg fit and partreg report"},
    {"--newdata", PREDICT, "it gives the rows that partreg predict predicts"},
    {"--id", PREDICT, "it names the id column of partreg predict's rows"},
    {"--linear", PREDICT, "it adds linear predictors to partreg predict's rows"},
    {"--out", REPORT | TABLE,
     "this command writes to standard output (redirect it, e.g. > results.json)"},
    {"--curve", REPORT, "it chooses the curves of partreg report's figures"},
    {"--title", REPORT | TABLE, "it titles partreg report's document or partreg table's models"},
    {"--results", TABLE, "it names the saved JSON results of partreg table"},
    {"--stars", TABLE, "significance stars are an option of partreg table"},
    {"--eform", TABLE, "odds ratios in the table are an option of partreg table"},
    {"--brackets", TABLE, "what goes in brackets is an option of partreg table"},
    {"--format", FIT | PREDICT | LRTEST | TABLE,
     "partreg report writes one HTML file (--out FILE)"},
    /* lrtest and table fit several models on the rows of one table in
     * memory; fit, predict and report read a file larger than --memory in
     * blocks (report then refuses only what needs every row) */
    {"--memory", FIT | REPORT | PREDICT, out_of_core_why},
    {"--out-of-core", FIT | REPORT | PREDICT, out_of_core_why},
    {"--tmpdir", FIT | REPORT | PREDICT, out_of_core_why},
    /* a survey design gives a pseudo-likelihood, which has no LR test */
    {"--sampling-weights", FIT | REPORT | PREDICT | TABLE,
     "a likelihood-ratio test is not valid with sampling weights (a pseudo-likelihood); use "
     "the design-based Wald tests of partreg fit"},
    {"--strata", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; "
                                "use the design-based Wald tests of partreg fit"},
    {"--psu", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; use "
                             "the design-based Wald tests of partreg fit"},
    {"--fpc", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; use "
                             "the design-based Wald tests of partreg fit"},
    {"--subpop", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; "
                                "use the design-based Wald tests of partreg fit"},
    {"--lonely-psu", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey "
                                    "design; use the design-based Wald tests of partreg fit"},
    {"--repweights", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey "
                                    "design; use the design-based Wald tests of partreg fit"},
    {"--rep-type", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; "
                                  "use the design-based Wald tests of partreg fit"},
    {"--fay-rho", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; "
                                 "use the design-based Wald tests of partreg fit"},
    {"--rep-mse", ALL & ~LRTEST, "a likelihood-ratio test is not valid under a survey design; "
                                 "use the design-based Wald tests of partreg fit"},
};

static unsigned command_bit(const char *command)
{
    static const char *const names[] = {"fit", "report", "predict", "lrtest", "table"};
    for (unsigned k = 0; k < 5; k++)
        if (strcmp(command, names[k]) == 0)
            return 1u << k;
    return 0;
}

int cli_check_scope(const cli_options *o, const char *command)
{
    unsigned bit = command_bit(command);
    for (size_t g = 0; g < o->extra.n_given; g++) {
        for (size_t k = 0; k < sizeof scopes / sizeof scopes[0]; k++) {
            if (strcmp(scopes[k].option, o->extra.given[g]) != 0 || (scopes[k].used_by & bit))
                continue;
            fprintf(stderr, "partreg %s: %s is not an option of partreg %s: %s\n", command,
                    scopes[k].option, command, scopes[k].why);
            return 2;
        }
    }
    return 0;
}

int cli_check_csv(const cli_options *o, const char *command)
{
    const partreg_analysis_spec *s = &o->spec;
    const char *what = s->margins            ? "--margins"
                       : s->margins_at_means ? "--margins-at-means"
                       : s->at || s->n_at    ? "--at"
                       : s->over             ? "--over"
                       : s->profile          ? "--profile"
                       : s->brant            ? "--brant"
                                             : NULL;
    if (o->timing && o->format != PARTREG_FORMAT_JSON) {
        fprintf(stderr, "partreg %s: --timing adds the phase timings to the JSON; add --format "
                        "json\n",
                command);
        return 2;
    }
    int predictions = s->at || s->n_at || s->over || s->profile;
    for (size_t g = 0; g < o->extra.n_given; g++)
        if (strcmp(o->extra.given[g], "--prob-ci") == 0 && !predictions &&
            strcmp(command, "predict") != 0) {
            fprintf(stderr, "partreg %s: --prob-ci sets the intervals of predicted "
                            "probabilities, and none are asked for; add --at, --over or "
                            "--profile\n",
                    command);
            return 2;
        }
    if (o->format != PARTREG_FORMAT_CSV || !what)
        return 0;
    fprintf(stderr,
            "partreg %s: --format csv writes the table of coefficients only, so the results "
            "of %s would be lost; use --format json (or text) for them\n",
            command, what);
    return 2;
}

/* 1 when the formula has a random-intercept term (1 | G); 0 otherwise or
 * when it does not parse (the fit then says why). */
static int has_group(const char *formula)
{
    partreg_formula *f = NULL;
    partreg_error err;
    if (!formula || partreg_formula_parse(formula, &f, &err) != PARTREG_OK)
        return 0;
    int g = partreg_formula_group(f) != NULL;
    partreg_formula_free(f);
    return g;
}

void cli_spec_for_model(partreg_analysis_spec *s, const char *const *formulas, size_t n)
{
    if (has_group(s->formula))
        return;
    for (size_t k = 0; k < n; k++)
        if (has_group(formulas[k])) {
            s->nagq = 0;
            s->ri_conditional = 0;
            return;
        }
}
