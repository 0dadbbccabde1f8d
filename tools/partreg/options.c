/* Option parsing shared by the subcommands. Every error is one line that
 * names the option and says what would be accepted. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char fit_help[] =
    "usage: partreg fit DATA --formula \"Y ~ TERMS\" [options]\n"
    "\n"
    "DATA is a CSV file (or .sav / .dta; - reads CSV from standard input). Options:\n"
    "  --formula F            R-style formula: a + b, a:b, a*b, factor(x), I(x^2), log(x),\n"
    "                         exp(x), sqrt(x), - 1 (no intercept; binary only), (1 | G)\n"
    "                         (a random intercept for each group of column G)\n"
    "  --family binary|ordinal  default: 2 outcome levels = binary, more = ordinal\n"
    "  --link L               logit (default), probit, cloglog, loglog (ordinal), cauchit\n"
    "  --levels \"A,B,C\"       outcome levels, lowest first (binary: last = event)\n"
    "  --many-levels          fit an outcome that looks continuous (over 50 values) as ordinal\n"
    "  --ref VAR=LEVEL        reference level of a categorical predictor (repeatable)\n"
    "  --weights COL          case (frequency) weights: each row counts w times (survey\n"
    "                         weights: --sampling-weights)\n"
    "  --vcov model|hc0|hc1|cluster   covariance (default model = inverse observed information)\n"
    "  --cluster COL          cluster ids for --vcov cluster\n"
    "  --ci wald|profile      confidence intervals (default wald)\n"
    "  --conf-level P         confidence level (default 0.95)\n"
    "  --margins              average marginal effects (delta-method SEs)\n"
    "  --margins-at-means     marginal effects at the means\n"
    "  --at \"age=20(10)80 insured=yes,no\"  predicted probabilities over the full grid of\n"
    "                         the values given (a(d)b: a to b by d; repeatable: grids follow)\n"
    "  --over COL             predictions and --margins within each group of COL\n"
    "  --contrast reference|pairwise  differences of the predictions (delta-method SEs)\n"
    "  --prob-ci link|delta   intervals of probabilities: link scale, transformed back\n"
    "                         (default; inside [0, 1]) or delta method (Stata's margins)\n"
    "  --profile VAR          predicted probabilities of each level over VAR's range\n"
    "  --marginsplot FILE.svg the profile (or a one-variable --at grid) as an SVG figure\n"
    "  --standardize          standardized coefficients (listcoef) and odds ratios per SD\n"
    "  --brant                Brant test of parallel lines (ordinal logit)\n";

/* The ordinal options' part of the help (one string literal each stays
 * under the 4095 characters ISO C guarantees). */
static const char fit_help_ordinal[] =
    "  --nominal \"x + V\"      ordinal: variables whose slopes differ by cut (partial\n"
    "                         proportional odds; every link)\n"
    "  --scale \"z + w\"        ordinal: scale terms, P(Y<=j) = F((theta_j - x'b)/exp(z'g));\n"
    "                         z need not be in --formula\n"
    "  --autofit [ALPHA]      ordinal: choose the nominal variables as gologit2's autofit\n"
    "                         (default level 0.05)\n"
    "  --nominal-test         ordinal: LR test per variable of cut-specific slopes\n"
    "  --scale-test           ordinal: LR test per variable of a scale effect\n"
    "  --parallel-test        ordinal: Wald test per variable of equal slopes, from the model\n"
    "                         with every variable nominal (with weights, --vcov)\n"
    "  --gof                  ordinal: ordinal Hosmer-Lemeshow, Lipsitz, Pulkstenis-Robinson\n";

static const char fit_help_rest[] =
    "  --nagq Q               (1 | G): adaptive quadrature points per group (default 15;\n"
    "                         1 = Laplace)\n"
    "  --conditional          (1 | G): margins and predictions at a random intercept of 0\n"
    "                         (default: population-averaged, integrated over it)\n"
    "  --firth                Firth's penalised likelihood (binary; finite under separation)\n"
    "  --flic                 with --firth: FLIC intercept (mean fitted probability = event share)\n"
    "  --cluster-df           t(G-1) tests and intervals for a cluster covariance (G clusters)\n"
    "  --imputations COL      stacked imputed data sets numbered 1..m in COL (0 = original,\n"
    "                         skipped), pooled by Rubin's rules; or give one DATA file per\n"
    "                         imputation\n"
    "";

static const char fit_help_more[] =
    "Survey designs (design-based variance, t(df) tests; not with --weights/--vcov/--cluster):\n"
    "  --sampling-weights COL probability (sampling) weights, as Stata's pweight\n"
    "  --strata COL           stratum of each row\n"
    "  --psu COL              primary sampling unit (within its stratum)\n"
    "  --fpc COL              finite population correction: PSUs in the population, or a fraction\n"
    "  --subpop COL|\"V=L\"    estimate in a subpopulation, keeping the whole design\n"
    "  --lonely-psu R         a stratum with one PSU: fail (default), certainty, centered, scaled\n"
    "  --repweights \"P*\"     replicate weights: the columns named P...; with --rep-type\n"
    "  --rep-type T           brr, fay, jk1 or bootstrap\n"
    "  --fay-rho R            Fay's rho for --rep-type fay\n"
    "  --rep-mse              centre the replicates on the full-sample estimate\n"
    "  --na STR               one more missing-value string (repeatable); empty and NA always are\n"
    "  --delim C              CSV delimiter: , ; tab (default: detected)\n"
    "  --expected-information standard errors from the expected information (binary; R's glm)\n"
    "  --max-iter N           Newton iterations at most (default 100)\n"
    "  --threads N            worker threads for the reader, design matrix and fit (default 0 = all cores)\n"
    "  --kernel R             route of the fit's row loops: auto (default), reference, scalar,\n"
    "                         avx2, avx512; the same estimates (environment: PARTREG_KERNEL)\n"
    "  --memory SIZE          memory for the data, e.g. 512M or 4G (default: half the physical\n"
    "                         memory); a CSV file that needs more is read in blocks into a design\n"
    "                         file on disk (out of core): the same results, in about SIZE\n"
    "  --out-of-core          read the file in blocks whatever its size\n"
    "  --tmpdir DIR           directory of the design file (default: $TMPDIR, else /tmp)\n"
    "  --format text|json|csv output format (default text); table: md, latex, html or csv\n"
    "  --timing               add wall-clock phase timings to the JSON (--format json)\n"
    "  --out FILE             (report) the HTML file to write\n"
    "  --curve VAR            (report) variable of the predicted-probability curves\n"
    "                         (default: the first numeric variable)\n"
    "  --title TEXT           (report) title of the document; (table) a model's title,\n"
    "                         repeatable\n"
    "  --newdata FILE         (predict) the rows to predict\n"
    "  --id COL               (predict) a column of --newdata to echo beside each row\n"
    "  --linear               (predict) add the linear predictor x'b with its SE\n"
    "  --results FILE.json    (table) a model saved by partreg fit --format json (repeatable)\n"
    "  --eform                (table) exp(coefficients): odds ratios for logit models\n"
    "  --brackets se|ci       (table) standard errors (default) or intervals in brackets\n"
    "  --stars                (table) * p < 0.05, ** p < 0.01, *** p < 0.001\n"
    "\n"
    "Exit status: 0 success; 1 bad input (message on stderr names the file, line, column\n"
    "or term); 2 bad usage; 3 the fit did not converge or separation was found (the\n"
    "report is still printed and says so).\n";

static int fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "partreg %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (partreg %s --help)\n", command);
    va_end(ap);
    return 2;
}

void cli_error(const char *what, const partreg_error *err)
{
    fprintf(stderr, "partreg: %s%s%s\n", what ? what : "", what ? ": " : "",
            err->message[0] ? err->message : partreg_status_name(err->status));
}

static int parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0';
}

/* The command's own options, followed by a value: where the output goes
 * and what it is made of. The model's options are the library's table
 * (partreg_options.h). */
static int takes_value(const char *a)
{
    static const char *const with_value[] = {"--format", "--newdata", "--out", "--curve",
                                             "--title"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(a, with_value[i]) == 0)
            return 1;
    return 0;
}

/* Option a of the library's table (with v the next argument or NULL):
 * -1 when a is not in the table, 0 when taken (*takes: 1 when v was its
 * value), 2 after a one-line message. */
static int parse_table_option(const char *a, const char *v, cli_options *o, const char *command,
                              int *takes)
{
    size_t k;
    partreg_error err;
    if (strncmp(a, "--", 2) != 0 || partreg_options_find(a, &k, NULL) != PARTREG_OK)
        return -1;
    const char *value = NULL;
    switch (partreg_options_kind(k)) {
    case PARTREG_OPTION_FLAG:
        *takes = 0;
        break;
    case PARTREG_OPTION_OPTIONAL: {
        double x;
        /* the value is optional: a number that follows is it */
        *takes = v && v[0] != '-' && parse_number(v, &x);
        value = *takes ? v : NULL;
        break;
    }
    default:
        if (!v)
            return fail(command, "option %s needs a value", a);
        *takes = 1;
        value = v;
        break;
    }
    if (!o->opts && partreg_options_create(&o->opts, &err) != PARTREG_OK)
        return fail(command, "%s", err.message);
    if (partreg_options_set_into(o->opts, a, value, &o->spec, &err) != PARTREG_OK)
        return fail(command, "%s", err.message);
    return 0;
}

int cli_parse(int argc, char **argv, cli_options *o, int max_formulas, const char *command)
{
    memset(o, 0, sizeof *o);
    o->spec = partreg_analysis_spec_default();
    o->format = PARTREG_FORMAT_TEXT;
    /* the route of every fit, forced for testing; --kernel overrides it */
    const char *route = getenv("PARTREG_KERNEL");
    if (route && *route) {
        partreg_error err;
        if (partreg_options_create(&o->opts, &err) != PARTREG_OK)
            return fail(command, "%s", err.message);
        if (partreg_options_set_into(o->opts, "kernel", route, &o->spec, &err) != PARTREG_OK)
            return fail(command,
                        "PARTREG_KERNEL='%s' is not a kernel route; use auto, reference, scalar, "
                        "avx2 or avx512",
                        route);
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1, table;
        if (strncmp(a, "--", 2) == 0 && o->extra.n_given < sizeof o->extra.given / sizeof *o->extra.given)
            o->extra.given[o->extra.n_given++] = a;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(fit_help, stdout);
            fputs(fit_help_ordinal, stdout);
            fputs(fit_help_rest, stdout);
            fputs(fit_help_more, stdout);
            return 1;
        } else if (a[0] != '-' || strcmp(a, "-") == 0) {
            /* several data files: one completed data set each (multiple
             * imputation) */
            if (o->n_data >= CLI_MAX_LIST)
                return fail(command, "more than %d data files", CLI_MAX_LIST);
            o->datas[o->n_data++] = a;
            if (!o->data)
                o->data = a;
            takes = 0;
        } else if (strcmp(a, "--timing") == 0) {
            o->timing = 1;
            takes = 0;
        } else if ((table = cli_parse_margins(a, v, o, command, &takes)) >= 0) {
            if (table)
                return table;
        } else if (strcmp(a, "--formula") == 0) {
            /* the command's: lrtest takes two */
            if (!v)
                return fail(command, "option %s needs a value", a);
            if (o->n_formulas >= max_formulas)
                return fail(command, "--formula given more than %s", max_formulas == 1 ? "once" : "twice");
            o->formulas[o->n_formulas++] = v;
        } else if ((table = parse_table_option(a, v, o, command, &takes)) >= 0) {
            if (table)
                return table;
        } else if (!takes_value(a)) {
            return fail(command, "unknown option '%s'", a);
        } else if (!v) {
            return fail(command, "option %s needs a value", a);
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") == 0)
                o->format = PARTREG_FORMAT_TEXT;
            else if (strcmp(v, "json") == 0)
                o->format = PARTREG_FORMAT_JSON;
            else if (strcmp(v, "csv") == 0)
                o->format = PARTREG_FORMAT_CSV;
            else
                return fail(command, "unknown --format '%s'; use text, json or csv", v);
        } else if (strcmp(a, "--newdata") == 0) {
            o->newdata = v;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--curve") == 0) {
            o->curve = v;
        } else if (strcmp(a, "--title") == 0) {
            o->title = v;
        } else {
            return fail(command, "unknown option '%s'", a);
        }
        i += takes;
    }
    if (!o->spec.temp_dir) {
        const char *tmp = getenv("TMPDIR");
        o->spec.temp_dir = tmp && *tmp ? tmp : NULL;
    }
    if (strcmp(command, "table") == 0 && o->extra.n_results > 0 && o->extra.n_formulas == 0)
        return 0; /* a table of saved results needs no data */
    if (!o->data)
        return fail(command, "no data file given");
    if (o->n_data > 1 && o->spec.imputations)
        return fail(command,
                    "give either --imputations COL (stacked completed data sets in one file) or "
                    "one data file per imputation, not both");
    if (o->n_data > 1 && strcmp(command, "fit") != 0 && strcmp(command, "report") != 0)
        return fail(command, "unexpected argument '%s'; the data file is already '%s'",
                    o->datas[1], o->data);
    if (o->n_formulas == 0)
        return fail(command, "no --formula given, e.g. --formula \"participated ~ age + income\"");
    o->spec.formula = o->formulas[0];
    return 0;
}

void cli_options_free(cli_options *o)
{
    partreg_options_free(o->opts);
    o->opts = NULL;
}
