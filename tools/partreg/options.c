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

/* Split a comma-separated list in place, trimming spaces. Returns 0, -1
 * when it has more than max entries, or k >= 1 when entry k is empty. */
static int split_list(char *buf, const char **out, size_t max, size_t *n)
{
    *n = 0;
    for (char *tok = buf, *next;; tok = next + 1) {
        next = strchr(tok, ',');
        if (next)
            *next = '\0';
        while (*tok == ' ')
            tok++;
        size_t len = strlen(tok);
        while (len > 0 && tok[len - 1] == ' ')
            tok[--len] = '\0';
        if (*n >= max)
            return -1;
        if (len == 0)
            return (int)*n + 1;
        out[(*n)++] = tok;
        if (!next)
            return 0;
    }
}

/* Options followed by a value. */
static int takes_value(const char *a)
{
    static const char *const with_value[] = {
        "--formula", "--family", "--link", "--levels", "--ref", "--weights", "--cluster",
        "--vcov", "--ci", "--conf-level", "--na", "--delim", "--format",
        "--max-iter", "--threads", "--newdata", "--out", "--curve", "--title",
        "--imputations", "--nominal", "--scale", "--nagq", "--memory", "--tmpdir"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(a, with_value[i]) == 0)
            return 1;
    return 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0';
}

/* A size: a whole number of bytes, or with K, M, G or T (powers of 1024). */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    double mult = 1.0;
    if (end == s || !(v > 0))
        return 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': mult = 1024.0; break;
        case 'm': case 'M': mult = 1024.0 * 1024.0; break;
        case 'g': case 'G': mult = 1024.0 * 1024.0 * 1024.0; break;
        case 't': case 'T': mult = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
        default: return 0;
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return 0;
    }
    double bytes = v * mult;
    if (!(bytes >= 1.0) || bytes > 1e18)
        return 0;
    *out = (size_t)bytes;
    return 1;
}

int cli_parse(int argc, char **argv, cli_options *o, int max_formulas, const char *command)
{
    memset(o, 0, sizeof *o);
    o->spec = partreg_analysis_spec_default();
    o->format = PARTREG_FORMAT_TEXT;
    size_t n_refs = 0, n_na = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1, survey;
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
        } else if (strcmp(a, "--margins") == 0) {
            o->spec.margins = 1;
            takes = 0;
        } else if (strcmp(a, "--margins-at-means") == 0) {
            o->spec.margins_at_means = 1;
            takes = 0;
        } else if (strcmp(a, "--brant") == 0) {
            o->spec.brant = 1;
            takes = 0;
        } else if (strcmp(a, "--autofit") == 0) {
            o->spec.autofit = 1;
            double alpha;
            /* the level is optional: a number that follows is it */
            if (v && v[0] != '-' && parse_number(v, &alpha)) {
                if (!(alpha > 0 && alpha < 1))
                    return fail(command, "--autofit %s: the level must be in (0, 1), e.g. 0.05",
                                v);
                o->spec.autofit_alpha = alpha;
                i++;
            }
            takes = 0;
        } else if (strcmp(a, "--nominal-test") == 0) {
            o->spec.nominal_test = 1;
            takes = 0;
        } else if (strcmp(a, "--scale-test") == 0) {
            o->spec.scale_test = 1;
            takes = 0;
        } else if (strcmp(a, "--parallel-test") == 0) {
            o->spec.parallel_test = 1;
            takes = 0;
        } else if (strcmp(a, "--gof") == 0) {
            o->spec.ordinal_gof = 1;
            takes = 0;
        } else if (strcmp(a, "--timing") == 0) {
            o->timing = 1;
            takes = 0;
        } else if (strcmp(a, "--conditional") == 0) {
            o->spec.ri_conditional = 1;
            takes = 0;
        } else if (strcmp(a, "--many-levels") == 0) {
            o->spec.frame.many_levels = 1;
            takes = 0;
        } else if (strcmp(a, "--firth") == 0) {
            o->spec.firth = 1;
            takes = 0;
        } else if (strcmp(a, "--flic") == 0) {
            o->spec.flic = 1;
            takes = 0;
        } else if (strcmp(a, "--cluster-df") == 0) {
            o->spec.cluster_df = 1;
            takes = 0;
        } else if (strcmp(a, "--expected-information") == 0) {
            o->spec.fit.information = PARTREG_INFO_EXPECTED;
            takes = 0;
        } else if (strcmp(a, "--out-of-core") == 0) {
            o->spec.out_of_core = 1;
            takes = 0;
        } else if ((survey = cli_parse_survey(a, v, o, command, &takes)) >= 0 ||
                   (survey = cli_parse_margins(a, v, o, command, &takes)) >= 0) {
            if (survey)
                return survey;
        } else if (!takes_value(a)) {
            return fail(command, "unknown option '%s'", a);
        } else if (!v) {
            return fail(command, "option %s needs a value", a);
        } else if (strcmp(a, "--formula") == 0) {
            if (o->n_formulas >= max_formulas)
                return fail(command, "--formula given more than %s", max_formulas == 1 ? "once" : "twice");
            o->formulas[o->n_formulas++] = v;
        } else if (strcmp(a, "--family") == 0) {
            partreg_error err;
            o->spec.frame.family_auto = 0;
            if (partreg_family_parse(v, &o->spec.frame.family, &err) != PARTREG_OK)
                return fail(command, "%s", err.message);
        } else if (strcmp(a, "--link") == 0) {
            partreg_error err;
            if (partreg_link_parse(v, &o->spec.link, &err) != PARTREG_OK)
                return fail(command, "%s", err.message);
        } else if (strcmp(a, "--levels") == 0) {
            free(o->levels_buf);
            o->levels_buf = strdup(v);
            int bad = o->levels_buf ? split_list(o->levels_buf, o->levels, CLI_MAX_LIST,
                                                 &o->spec.frame.n_levels)
                                    : -1;
            if (bad > 0)
                return fail(command, "--levels '%s': entry %d is empty; list the levels "
                                     "separated by single commas", v, bad);
            if (bad != 0 || o->spec.frame.n_levels == 0)
                return fail(command, "--levels '%s' must list the levels separated by commas", v);
            o->spec.frame.levels = o->levels;
        } else if (strcmp(a, "--ref") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1] || n_refs >= CLI_MAX_LIST)
                return fail(command, "--ref '%s' must be VARIABLE=LEVEL", v);
            for (size_t k = 0; k < n_refs; k++)
                if (strlen(o->ref_vars[k]) == (size_t)(eq - v) &&
                    strncmp(o->ref_vars[k], v, (size_t)(eq - v)) == 0)
                    return fail(command, "--ref for '%s' is given twice (%s=%s and %s); give "
                                         "one reference level per variable",
                                o->ref_vars[k], o->ref_vars[k], o->ref_levels[k], v);
            char *buf = strdup(v);
            if (!buf)
                return fail(command, "out of memory");
            buf[eq - v] = '\0';
            o->ref_bufs[n_refs] = buf;
            o->ref_vars[n_refs] = buf;
            o->ref_levels[n_refs] = buf + (eq - v) + 1;
            n_refs++;
        } else if (strcmp(a, "--nominal") == 0) {
            o->spec.nominal = v;
        } else if (strcmp(a, "--scale") == 0) {
            o->spec.frame.scale = v;
        } else if (strcmp(a, "--weights") == 0) {
            o->spec.frame.weights = v;
        } else if (strcmp(a, "--cluster") == 0) {
            o->spec.frame.cluster = v;
        } else if (strcmp(a, "--vcov") == 0) {
            partreg_error err;
            if (partreg_vcov_parse(v, &o->spec.vcov, &err) != PARTREG_OK)
                return fail(command, "%s", err.message);
        } else if (strcmp(a, "--ci") == 0) {
            if (strcmp(v, "wald") == 0)
                o->spec.ci = PARTREG_CI_WALD;
            else if (strcmp(v, "profile") == 0)
                o->spec.ci = PARTREG_CI_PROFILE;
            else
                return fail(command, "unknown --ci '%s'; use wald or profile", v);
        } else if (strcmp(a, "--conf-level") == 0) {
            double p;
            if (!parse_number(v, &p) || !(p > 0 && p < 1))
                return fail(command, "--conf-level '%s' must be a number in (0, 1), e.g. 0.95", v);
            o->spec.conf_level = p;
        } else if (strcmp(a, "--na") == 0) {
            if (n_na >= CLI_MAX_LIST)
                return fail(command, "too many --na strings");
            o->na[n_na++] = v;
        } else if (strcmp(a, "--delim") == 0) {
            if (strcmp(v, ",") == 0 || strcmp(v, "comma") == 0)
                o->spec.read.delimiter = ',';
            else if (strcmp(v, ";") == 0 || strcmp(v, "semicolon") == 0)
                o->spec.read.delimiter = ';';
            else if (strcmp(v, "tab") == 0 || strcmp(v, "\t") == 0 || strcmp(v, "\\t") == 0)
                o->spec.read.delimiter = '\t';
            else
                return fail(command, "--delim '%s' must be , ; or tab", v);
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "text") == 0)
                o->format = PARTREG_FORMAT_TEXT;
            else if (strcmp(v, "json") == 0)
                o->format = PARTREG_FORMAT_JSON;
            else if (strcmp(v, "csv") == 0)
                o->format = PARTREG_FORMAT_CSV;
            else
                return fail(command, "unknown --format '%s'; use text, json or csv", v);
        } else if (strcmp(a, "--max-iter") == 0) {
            double m;
            if (!parse_number(v, &m) || m < 1 || m > 1e6 || m != (int)m)
                return fail(command, "--max-iter '%s' must be a whole number >= 1", v);
            o->spec.fit.max_iter = (int)m;
        } else if (strcmp(a, "--nagq") == 0) {
            double q;
            if (!parse_number(v, &q) || q < 1 || q > 100 || q != (int)q)
                return fail(command, "--nagq '%s' must be a whole number from 1 (Laplace) to 100",
                            v);
            o->spec.nagq = (int)q;
        } else if (strcmp(a, "--threads") == 0) {
            double t;
            if (!parse_number(v, &t) || t < 0 || t > 256 || t != (int)t)
                return fail(command, "--threads '%s' must be a whole number from 0 to 256", v);
            o->spec.fit.threads = (int)t;
            o->spec.read.threads = (int)t;
            o->spec.frame.threads = (int)t;
        } else if (strcmp(a, "--memory") == 0) {
            if (!parse_size(v, &o->spec.memory))
                return fail(command, "--memory '%s' must be a size such as 512M, 4G or 1000000", v);
        } else if (strcmp(a, "--tmpdir") == 0) {
            o->spec.temp_dir = v;
        } else if (strcmp(a, "--imputations") == 0) {
            o->spec.imputations = v;
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
    o->spec.frame.ref_variables = o->ref_vars;
    o->spec.frame.ref_levels = o->ref_levels;
    o->spec.frame.n_refs = n_refs;
    o->spec.read.na_strings = o->na;
    o->spec.read.n_na_strings = n_na;
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
    free(o->levels_buf);
    for (size_t i = 0; i < CLI_MAX_LIST && o->ref_bufs[i]; i++)
        free(o->ref_bufs[i]);
}
