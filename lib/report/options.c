/* The analysis options by name (partreg_options.h): one table, used by the
 * `partreg` command, the Python and R packages and any program that holds
 * its options as strings.
 *
 * Each entry names an option (the command's long name without "--"), what
 * it takes, a setter and where in partreg_analysis_spec it lands. Most
 * options are one line with a generic setter: a string (copied into the
 * handle), a switch, a whole number or a number in an open interval, or
 * one of a list of words; the few with their own syntax (--levels, --ref,
 * --threads, the enum parsers of other headers) have their own setter.
 * Adding an option whose field is in the spec is one line in `table`.
 *
 * Messages are the command's: the command prints them as
 * "partreg fit: MESSAGE (partreg fit --help)". */
#include "partreg_options.h"

#include "core/cpu.h"
#include "core/error.h"
#include "core/family.h"
#include "partreg_margins.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct partreg_options {
    partreg_analysis_spec spec;
    char **owned; /* every string copied in, freed with the handle */
    size_t n_owned, cap_owned;
    const char **levels; /* --levels, split */
    const char **ref_vars, **ref_levels;
    size_t n_refs, cap_refs;
    const char **na;
    size_t n_na, cap_na;
    const char **at; /* --at, repeatable: grids that follow one another */
    size_t n_at, cap_at;
    unsigned char *given; /* per table entry: set at least once */
};

typedef struct opt_entry opt_entry;
/* Parse `value` for entry e and write its fields into spec; strings are
 * copied into o. PARTREG_OK, or a status with err set. */
typedef partreg_status (*opt_setter)(partreg_options *o, const opt_entry *e, const char *value,
                                     partreg_analysis_spec *spec, partreg_error *err);

struct opt_entry {
    const char *name;         /* without "--" */
    partreg_option_kind kind;
    int arrays;               /* applies to partreg_options_fit() */
    opt_setter set;
    size_t offset;            /* of the field in partreg_analysis_spec */
    double lo, hi;            /* numbers: the range */
    const char *const *words; /* opt_choice: the words, NULL-terminated */
    const char *help;
};

#define FIELD(f) offsetof(partreg_analysis_spec, f)

static void *field(partreg_analysis_spec *spec, const opt_entry *e)
{
    return (unsigned char *)spec + e->offset;
}

static char *keep(partreg_options *o, const char *s)
{
    if (o->n_owned == o->cap_owned) {
        size_t cap = o->cap_owned ? 2 * o->cap_owned : 16;
        char **p = realloc(o->owned, cap * sizeof *p);
        if (!p)
            return NULL;
        o->owned = p;
        o->cap_owned = cap;
    }
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n + 1);
    o->owned[o->n_owned++] = d;
    return d;
}

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory setting an option");
}

static int parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0';
}

/* -1: not a switch word; else 0 or 1. */
static int switch_word(const char *v)
{
    static const char *const on[] = {"", "1", "true", "TRUE", "True", "yes"};
    static const char *const off[] = {"0", "false", "FALSE", "False", "no"};
    if (!v)
        return 1;
    for (size_t i = 0; i < sizeof on / sizeof *on; i++)
        if (strcmp(v, on[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof off / sizeof *off; i++)
        if (strcmp(v, off[i]) == 0)
            return 0;
    return -1;
}

/* ---- generic setters ----------------------------------------------------- */

static partreg_status opt_string(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)err;
    const char *s = keep(o, v);
    if (!s)
        return nomem(err);
    *(const char **)field(spec, e) = s;
    return PARTREG_OK;
}

static partreg_status opt_flag(partreg_options *o, const opt_entry *e, const char *v,
                               partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    int on = switch_word(v);
    if (on < 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--%s '%s' is a switch: give true or false (or no value)",
                                 e->name, v);
    *(int *)field(spec, e) = on;
    return PARTREG_OK;
}

/* A whole number in [lo, hi]. */
static partreg_status opt_int(partreg_options *o, const opt_entry *e, const char *v,
                              partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    double x;
    if (!parse_number(v, &x) || x < e->lo || x > e->hi || x != floor(x)) {
        if (e->hi >= 1e6)
            return partreg_error_set(err, PARTREG_EINVAL, "--%s '%s' must be a whole number >= %g",
                                     e->name, v, e->lo);
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--%s '%s' must be a whole number from %g to %g", e->name, v,
                                 e->lo, e->hi);
    }
    *(int *)field(spec, e) = (int)x;
    return PARTREG_OK;
}

/* A number in the open interval (lo, hi); the example is their midpoint
 * unless the words give one. */
static partreg_status opt_open(partreg_options *o, const opt_entry *e, const char *v,
                               partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    double x;
    if (!parse_number(v, &x) || !(x > e->lo && x < e->hi))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--%s '%s' must be a number in (%g, %g), e.g. %s", e->name, v,
                                 e->lo, e->hi, e->words ? e->words[0] : "0.5");
    *(double *)field(spec, e) = x;
    return PARTREG_OK;
}

/* One of e->words: the field becomes its index plus e->lo. */
static partreg_status opt_choice(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    size_t n = 0;
    for (; e->words[n]; n++)
        if (strcmp(v, e->words[n]) == 0) {
            *(int *)field(spec, e) = (int)n + (int)e->lo;
            return PARTREG_OK;
        }
    char list[256] = "";
    size_t len = 0;
    for (size_t k = 0; k < n && len < sizeof list; k++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                k == 0 ? "" : k + 1 == n ? " or " : ", ", e->words[k]);
    return partreg_error_set(err, PARTREG_EINVAL, "unknown --%s '%s'; use %s", e->name, v, list);
}

/* ---- setters of their own ------------------------------------------------ */

static partreg_status opt_family(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_family f;
    if (partreg_family_parse(v, &f, err) != PARTREG_OK)
        return PARTREG_EINVAL;
    spec->frame.family_auto = 0;
    spec->frame.family = f;
    return PARTREG_OK;
}

static partreg_status opt_link(partreg_options *o, const opt_entry *e, const char *v,
                               partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_link l;
    if (partreg_link_parse(v, &l, err) != PARTREG_OK)
        return PARTREG_EINVAL;
    spec->link = l;
    return PARTREG_OK;
}

static partreg_status opt_vcov(partreg_options *o, const opt_entry *e, const char *v,
                               partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_vcov_type t;
    if (partreg_vcov_parse(v, &t, err) != PARTREG_OK)
        return PARTREG_EINVAL;
    spec->vcov = t;
    return PARTREG_OK;
}

static partreg_status opt_lonely_psu(partreg_options *o, const opt_entry *e, const char *v,
                                     partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_lonely_psu r;
    partreg_error perr;
    if (partreg_lonely_psu_parse(v, &r, &perr) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL, "--lonely-psu: %s", perr.message);
    spec->survey.lonely_psu = r;
    return PARTREG_OK;
}

static partreg_status opt_rep_type(partreg_options *o, const opt_entry *e, const char *v,
                                   partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_rep_type r;
    partreg_error perr;
    if (partreg_rep_type_parse(v, &r, &perr) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL, "--rep-type: %s", perr.message);
    spec->survey.rep_type = r;
    spec->survey.rep_type_given = 1;
    return PARTREG_OK;
}

static partreg_status opt_expected(partreg_options *o, const opt_entry *e, const char *v,
                                   partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    int on = switch_word(v);
    if (on < 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--%s '%s' is a switch: give true or false (or no value)",
                                 e->name, v);
    spec->fit.information = on ? PARTREG_INFO_EXPECTED : PARTREG_INFO_OBSERVED;
    return PARTREG_OK;
}

static partreg_status opt_threads(partreg_options *o, const opt_entry *e, const char *v,
                                  partreg_analysis_spec *spec, partreg_error *err)
{
    partreg_status st = opt_int(o, e, v, spec, err);
    if (st == PARTREG_OK) {
        spec->read.threads = spec->fit.threads;
        spec->frame.threads = spec->fit.threads;
    }
    return st;
}

static partreg_status opt_delim(partreg_options *o, const opt_entry *e, const char *v,
                                partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    if (strcmp(v, ",") == 0 || strcmp(v, "comma") == 0)
        spec->read.delimiter = ',';
    else if (strcmp(v, ";") == 0 || strcmp(v, "semicolon") == 0)
        spec->read.delimiter = ';';
    else if (strcmp(v, "tab") == 0 || strcmp(v, "\t") == 0 || strcmp(v, "\\t") == 0)
        spec->read.delimiter = '\t';
    else
        return partreg_error_set(err, PARTREG_EINVAL, "--delim '%s' must be , ; or tab", v);
    return PARTREG_OK;
}

/* --kernel ROUTE: the fit's kernel route (partreg_fit_options.kernel) */
static partreg_status opt_kernel(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    static const partreg_kernel routes[] = {PARTREG_KERNEL_AUTO, PARTREG_KERNEL_REFERENCE,
                                            PARTREG_KERNEL_SCALAR, PARTREG_KERNEL_AVX2,
                                            PARTREG_KERNEL_AVX512};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(v, partreg_route_name(routes[i])) == 0) {
            spec->fit.kernel = routes[i];
            return PARTREG_OK;
        }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown --kernel '%s'; use auto, reference, scalar, avx2 or avx512",
                             v);
}

/* --memory SIZE: a whole number of bytes, or with K, M, G or T (powers of
 * 1024, an optional B after) */
static partreg_status opt_memory(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    char *end;
    double x = strtod(v, &end), mult = 1.0;
    int ok = end != v && x > 0;
    if (ok && *end) {
        switch (*end) {
        case 'k': case 'K': mult = 1024.0; break;
        case 'm': case 'M': mult = 1024.0 * 1024.0; break;
        case 'g': case 'G': mult = 1024.0 * 1024.0 * 1024.0; break;
        case 't': case 'T': mult = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
        default: ok = 0; break;
        }
        if (ok) {
            end++;
            if (*end == 'B' || *end == 'b')
                end++;
            ok = *end == '\0';
        }
    }
    double bytes = x * mult;
    if (!ok || !(bytes >= 1.0) || bytes > 1e18)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--memory '%s' must be a size such as 512M, 4G or 1000000", v);
    spec->memory = (size_t)bytes;
    return PARTREG_OK;
}

/* --nagq Q: quadrature points of a random intercept */
static partreg_status opt_nagq(partreg_options *o, const opt_entry *e, const char *v,
                               partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    double q;
    if (!parse_number(v, &q) || q < 1 || q > 100 || q != floor(q))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--nagq '%s' must be a whole number from 1 (Laplace) to 100", v);
    spec->nagq = (int)q;
    return PARTREG_OK;
}

/* --autofit [ALPHA] */
static partreg_status opt_autofit(partreg_options *o, const opt_entry *e, const char *v,
                                  partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    int on = switch_word(v);
    double alpha = 0;
    if (on < 0) {
        if (!parse_number(v, &alpha) || !(alpha > 0 && alpha < 1))
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--autofit %s: the level must be in (0, 1), e.g. 0.05", v);
        on = 1;
    }
    spec->autofit = on;
    spec->autofit_alpha = alpha;
    return PARTREG_OK;
}

/* Room for one more entry in a list of n with capacity *cap. */
static int grow(const char ***list, size_t n, size_t *cap)
{
    if (n < *cap)
        return 1;
    size_t c = *cap ? 2 * *cap : 8;
    const char **p = realloc((void *)*list, c * sizeof *p);
    if (!p)
        return 0;
    *list = p;
    *cap = c;
    return 1;
}

static partreg_status opt_levels(partreg_options *o, const opt_entry *e, const char *v,
                                 partreg_analysis_spec *spec, partreg_error *err)
{
    (void)e;
    /* count the entries and check that none is empty */
    size_t n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    char *buf = keep(o, v);
    const char **list = buf ? malloc(n * sizeof *list) : NULL;
    if (!list)
        return nomem(err);
    size_t k = 0;
    for (char *tok = buf, *next;; tok = next + 1) {
        next = strchr(tok, ',');
        if (next)
            *next = '\0';
        while (*tok == ' ')
            tok++;
        size_t len = strlen(tok);
        while (len > 0 && tok[len - 1] == ' ')
            tok[--len] = '\0';
        if (len == 0) {
            free((void *)list);
            if (n == 1)
                return partreg_error_set(err, PARTREG_EINVAL,
                                         "--levels '%s' must list the levels separated by commas",
                                         v);
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--levels '%s': entry %zu is empty; list the levels "
                                     "separated by single commas", v, k + 1);
        }
        list[k++] = tok;
        if (!next)
            break;
    }
    free((void *)o->levels);
    o->levels = list;
    spec->frame.levels = list;
    spec->frame.n_levels = k;
    return PARTREG_OK;
}

static partreg_status opt_ref(partreg_options *o, const opt_entry *e, const char *v,
                              partreg_analysis_spec *spec, partreg_error *err)
{
    (void)e;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || !eq[1])
        return partreg_error_set(err, PARTREG_EINVAL, "--ref '%s' must be VARIABLE=LEVEL", v);
    size_t len = (size_t)(eq - v);
    for (size_t k = 0; k < o->n_refs; k++)
        if (strlen(o->ref_vars[k]) == len && strncmp(o->ref_vars[k], v, len) == 0)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--ref for '%s' is given twice (%s=%s and %s); give "
                                     "one reference level per variable",
                                     o->ref_vars[k], o->ref_vars[k], o->ref_levels[k], v);
    size_t cap_vars = o->cap_refs, cap_levels = o->cap_refs;
    if (!grow(&o->ref_vars, o->n_refs, &cap_vars) ||
        !grow(&o->ref_levels, o->n_refs, &cap_levels))
        return nomem(err);
    o->cap_refs = cap_vars < cap_levels ? cap_vars : cap_levels;
    char *buf = keep(o, v);
    if (!buf)
        return nomem(err);
    buf[len] = '\0';
    o->ref_vars[o->n_refs] = buf;
    o->ref_levels[o->n_refs] = buf + len + 1;
    o->n_refs++;
    spec->frame.ref_variables = o->ref_vars;
    spec->frame.ref_levels = o->ref_levels;
    spec->frame.n_refs = o->n_refs;
    return PARTREG_OK;
}

static partreg_status opt_na(partreg_options *o, const opt_entry *e, const char *v,
                             partreg_analysis_spec *spec, partreg_error *err)
{
    (void)e;
    if (!grow(&o->na, o->n_na, &o->cap_na))
        return nomem(err);
    const char *s = keep(o, v);
    if (!s)
        return nomem(err);
    o->na[o->n_na++] = s;
    spec->read.na_strings = o->na;
    spec->read.n_na_strings = o->n_na;
    return PARTREG_OK;
}

static partreg_status opt_at(partreg_options *o, const opt_entry *e, const char *v,
                             partreg_analysis_spec *spec, partreg_error *err)
{
    (void)e;
    if (!grow(&o->at, o->n_at, &o->cap_at))
        return nomem(err);
    const char *s = keep(o, v);
    if (!s)
        return nomem(err);
    o->at[o->n_at++] = s;
    spec->at_list = o->at;
    spec->n_at = o->n_at;
    return PARTREG_OK;
}

static partreg_status opt_contrast(partreg_options *o, const opt_entry *e, const char *v,
                                   partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_contrast_type t;
    partreg_error perr;
    if (partreg_contrast_parse(v, &t, &perr) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL, "--contrast: %s", perr.message);
    spec->contrast = 1 + (int)t;
    return PARTREG_OK;
}

static partreg_status opt_prob_ci(partreg_options *o, const opt_entry *e, const char *v,
                                  partreg_analysis_spec *spec, partreg_error *err)
{
    (void)o;
    (void)e;
    partreg_error perr;
    if (partreg_prob_ci_parse(v, &spec->prob_ci, &perr) != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL, "--prob-ci: %s", perr.message);
    return PARTREG_OK;
}

/* ---- the table ------------------------------------------------------------ */

#define FLAG PARTREG_OPTION_FLAG
#define VALUE PARTREG_OPTION_VALUE
#define OPTIONAL PARTREG_OPTION_OPTIONAL
#define REPEAT PARTREG_OPTION_REPEATABLE

static const char *const ci_words[] = {"wald", "profile", NULL};
static const char *const conf_example[] = {"0.95", NULL};
static const char *const rho_example[] = {"0.5", NULL};

/* One line per option; the order is the help's. */
static const opt_entry table[] = {
    {"formula", VALUE, 0, opt_string, FIELD(formula), 0, 0, NULL,
     "R-style formula: Y ~ a + b, a:b, a*b, factor(x), I(x^2), log(x), (1 | g)"},
    {"family", VALUE, 1, opt_family, 0, 0, 0, NULL,
     "binary or ordinal (default: 2 outcome levels = binary, more = ordinal)"},
    {"link", VALUE, 1, opt_link, 0, 0, 0, NULL,
     "logit (default), probit, cloglog, loglog (ordinal), cauchit"},
    {"levels", VALUE, 0, opt_levels, 0, 0, 0, NULL,
     "\"A,B,C\": outcome levels, lowest first (binary: the last is the event)"},
    {"many-levels", FLAG, 0, opt_flag, FIELD(frame.many_levels), 0, 0, NULL,
     "fit an outcome that looks continuous (over 50 values) as ordinal"},
    {"ref", REPEAT, 0, opt_ref, 0, 0, 0, NULL,
     "VAR=LEVEL: reference level of a categorical predictor (repeatable)"},
    {"weights", VALUE, 0, opt_string, FIELD(frame.weights), 0, 0, NULL,
     "COL: case (frequency) weights"},
    {"vcov", VALUE, 1, opt_vcov, 0, 0, 0, NULL,
     "model (default), hc0, hc1, cluster or cr2"},
    {"cluster", VALUE, 0, opt_string, FIELD(frame.cluster), 0, 0, NULL,
     "COL: cluster ids for --vcov cluster or cr2"},
    {"ci", VALUE, 0, opt_choice, FIELD(ci), 0, 0, ci_words,
     "wald (default) or profile confidence intervals"},
    {"conf-level", VALUE, 1, opt_open, FIELD(conf_level), 0, 1, conf_example,
     "confidence level (default 0.95)"},
    {"margins", FLAG, 0, opt_flag, FIELD(margins), 0, 0, NULL,
     "average marginal effects (delta-method SEs)"},
    {"margins-at-means", FLAG, 0, opt_flag, FIELD(margins_at_means), 0, 0, NULL,
     "marginal effects at the means"},
    {"at", REPEAT, 0, opt_at, 0, 0, 0, NULL,
     "\"age=20(10)80 insured=yes,no\": predicted probabilities over the grid (repeatable)"},
    {"over", VALUE, 0, opt_string, FIELD(over), 0, 0, NULL,
     "COL: predictions and margins within each group of COL"},
    {"contrast", VALUE, 0, opt_contrast, 0, 0, 0, NULL,
     "reference or pairwise: differences of the predictions"},
    {"prob-ci", VALUE, 0, opt_prob_ci, 0, 0, 0, NULL,
     "link (default) or delta: intervals of predicted probabilities"},
    {"profile", VALUE, 0, opt_string, FIELD(profile), 0, 0, NULL,
     "VAR: predicted probabilities of each level over VAR's range"},
    {"standardize", FLAG, 0, opt_flag, FIELD(standardize), 0, 0, NULL,
     "standardized coefficients (listcoef) and odds ratios per SD"},
    {"brant", FLAG, 0, opt_flag, FIELD(brant), 0, 0, NULL,
     "Brant test of parallel lines (ordinal logit)"},
    {"nominal", VALUE, 0, opt_string, FIELD(nominal), 0, 0, NULL,
     "\"x + V\": ordinal variables whose slopes differ by cut"},
    {"scale", VALUE, 0, opt_string, FIELD(frame.scale), 0, 0, NULL,
     "\"z + w\": ordinal scale terms"},
    {"autofit", OPTIONAL, 0, opt_autofit, 0, 0, 0, NULL,
     "[ALPHA]: choose the nominal variables as gologit2's autofit (default 0.05)"},
    {"nominal-test", FLAG, 0, opt_flag, FIELD(nominal_test), 0, 0, NULL,
     "LR test per variable of cut-specific slopes"},
    {"scale-test", FLAG, 0, opt_flag, FIELD(scale_test), 0, 0, NULL,
     "LR test per variable of a scale effect"},
    {"parallel-test", FLAG, 0, opt_flag, FIELD(parallel_test), 0, 0, NULL,
     "Wald test per variable of equal slopes"},
    {"gof", FLAG, 0, opt_flag, FIELD(ordinal_gof), 0, 0, NULL,
     "ordinal Hosmer-Lemeshow, Lipsitz and Pulkstenis-Robinson tests"},
    {"nagq", VALUE, 0, opt_nagq, 0, 0, 0, NULL,
     "Q: (1 | G): adaptive quadrature points per group (default 15; 1 = Laplace)"},
    {"conditional", FLAG, 0, opt_flag, FIELD(ri_conditional), 0, 0, NULL,
     "(1 | G): margins and predictions at a random intercept of 0"},
    {"firth", FLAG, 1, opt_flag, FIELD(firth), 0, 0, NULL,
     "Firth's penalised likelihood (binary)"},
    {"flic", FLAG, 1, opt_flag, FIELD(flic), 0, 0, NULL,
     "with --firth: the FLIC intercept"},
    {"cluster-df", FLAG, 0, opt_flag, FIELD(cluster_df), 0, 0, NULL,
     "t(G-1) tests and intervals for a cluster covariance"},
    {"imputations", VALUE, 0, opt_string, FIELD(imputations), 0, 0, NULL,
     "COL: stacked imputed data sets numbered 1..m, pooled by Rubin's rules"},
    {"sampling-weights", VALUE, 0, opt_string, FIELD(frame.sampling_weights), 0, 0, NULL,
     "COL: probability (sampling) weights"},
    {"strata", VALUE, 0, opt_string, FIELD(frame.strata), 0, 0, NULL,
     "COL: stratum of each row"},
    {"psu", VALUE, 0, opt_string, FIELD(frame.psu), 0, 0, NULL,
     "COL: primary sampling unit (within its stratum)"},
    {"fpc", VALUE, 0, opt_string, FIELD(frame.fpc), 0, 0, NULL,
     "COL: finite population correction"},
    {"subpop", VALUE, 0, opt_string, FIELD(frame.subpop), 0, 0, NULL,
     "COL or \"V=L\": estimate in a subpopulation"},
    {"lonely-psu", VALUE, 0, opt_lonely_psu, 0, 0, 0, NULL,
     "fail (default), certainty, centered or scaled"},
    {"repweights", VALUE, 0, opt_string, FIELD(frame.repweights), 0, 0, NULL,
     "\"P*\": replicate weight columns"},
    {"rep-type", VALUE, 0, opt_rep_type, 0, 0, 0, NULL,
     "brr, fay, jk1 or bootstrap"},
    {"fay-rho", VALUE, 0, opt_open, FIELD(survey.fay_rho), 0, 1, rho_example,
     "Fay's rho for --rep-type fay"},
    {"rep-mse", FLAG, 0, opt_flag, FIELD(survey.rep_mse), 0, 0, NULL,
     "centre the replicates on the full-sample estimate"},
    {"na", REPEAT, 0, opt_na, 0, 0, 0, NULL,
     "STR: one more missing-value string (repeatable)"},
    {"delim", VALUE, 0, opt_delim, 0, 0, 0, NULL,
     "CSV delimiter: , ; or tab"},
    {"expected-information", FLAG, 1, opt_expected, 0, 0, 0, NULL,
     "standard errors from the expected information (binary)"},
    {"max-iter", VALUE, 1, opt_int, FIELD(fit.max_iter), 1, 1e6, NULL,
     "Newton iterations at most (default 100)"},
    {"threads", VALUE, 1, opt_threads, FIELD(fit.threads), 0, 256, NULL,
     "worker threads (default 0 = all cores)"},
    {"kernel", VALUE, 1, opt_kernel, 0, 0, 0, NULL,
     "auto (default), reference, scalar, avx2 or avx512: the fit's kernel route"},
    {"memory", VALUE, 0, opt_memory, FIELD(memory), 0, 0, NULL,
     "SIZE: memory for the data, e.g. 512M or 4G; a CSV file that needs more is read out of core"},
    {"out-of-core", FLAG, 0, opt_flag, FIELD(out_of_core), 0, 0, NULL,
     "read the file in blocks into a design file whatever its size"},
    {"tmpdir", VALUE, 0, opt_string, FIELD(temp_dir), 0, 0, NULL,
     "DIR: directory of the design file (default: $TMPDIR, else /tmp)"},
};

#define N_OPTIONS (sizeof table / sizeof table[0])

/* ---- lookup --------------------------------------------------------------- */

/* The name as the table spells it: no leading "--", '_' read as '-'.
 * 0 when it does not fit the buffer. */
static int normalise(const char *name, char *buf, size_t size)
{
    if (name[0] == '-' && name[1] == '-')
        name += 2;
    size_t n = strlen(name);
    if (n + 1 > size)
        return 0;
    for (size_t i = 0; i <= n; i++)
        buf[i] = name[i] == '_' ? '-' : name[i];
    return 1;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (lb >= 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

partreg_status partreg_options_find(const char *name, size_t *i, partreg_error *err)
{
    char buf[64] = "";
    if (!name || !i)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_options_find: NULL argument");
    if (!normalise(name, buf, sizeof buf))
        return partreg_error_set(err, PARTREG_ENOTFOUND, "unknown option '%s'", name);
    size_t best = 0, dist = SIZE_MAX;
    for (size_t k = 0; k < N_OPTIONS; k++) {
        if (strcmp(buf, table[k].name) == 0) {
            *i = k;
            return PARTREG_OK;
        }
        size_t d = edit_distance(buf, table[k].name);
        if (d < dist) {
            dist = d;
            best = k;
        }
    }
    if (dist <= 2)
        return partreg_error_set(err, PARTREG_ENOTFOUND, "unknown option '%s'; did you mean '%s'?",
                                 name, table[best].name);
    return partreg_error_set(err, PARTREG_ENOTFOUND, "unknown option '%s'", name);
}

size_t partreg_options_count(void)
{
    return N_OPTIONS;
}

const char *partreg_options_name(size_t i)
{
    return i < N_OPTIONS ? table[i].name : NULL;
}

partreg_option_kind partreg_options_kind(size_t i)
{
    return i < N_OPTIONS ? table[i].kind : PARTREG_OPTION_FLAG;
}

const char *partreg_options_help(size_t i)
{
    return i < N_OPTIONS ? table[i].help : NULL;
}

int partreg_options_for_arrays(size_t i)
{
    return i < N_OPTIONS ? table[i].arrays : 0;
}

/* ---- the handle ----------------------------------------------------------- */

partreg_status partreg_options_create(partreg_options **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_options_create: out is NULL");
    partreg_options *o = calloc(1, sizeof *o);
    unsigned char *given = calloc(N_OPTIONS, 1);
    if (!o || !given) {
        free(o);
        free(given);
        *out = NULL;
        return nomem(err);
    }
    o->spec = partreg_analysis_spec_default();
    o->given = given;
    *out = o;
    partreg_error_clear(err);
    return PARTREG_OK;
}

void partreg_options_free(partreg_options *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    free((void *)o->owned);
    free((void *)o->levels);
    free((void *)o->ref_vars);
    free((void *)o->ref_levels);
    free((void *)o->na);
    free((void *)o->at);
    free(o->given);
    free(o);
}

partreg_status partreg_options_set_into(partreg_options *o, const char *name, const char *value,
                                        partreg_analysis_spec *spec, partreg_error *err)
{
    size_t i = 0;
    if (!o || !name || !spec)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_options_set: NULL argument");
    partreg_status st = partreg_options_find(name, &i, err);
    if (st)
        return st;
    const opt_entry *e = &table[i];
    if (!value && (e->kind == PARTREG_OPTION_VALUE || e->kind == PARTREG_OPTION_REPEATABLE))
        return partreg_error_set(err, PARTREG_EINVAL, "option --%s needs a value", e->name);
    st = e->set(o, e, value, spec, err);
    if (st)
        return st;
    o->given[i] = 1;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_options_set(partreg_options *o, const char *name, const char *value,
                                   partreg_error *err)
{
    if (!o)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_options_set: NULL options");
    return partreg_options_set_into(o, name, value, &o->spec, err);
}

const partreg_analysis_spec *partreg_options_spec(const partreg_options *o)
{
    return o ? &o->spec : NULL;
}

int partreg_options_is_set(const partreg_options *o, const char *name)
{
    size_t i = 0;
    if (!o || !name || partreg_options_find(name, &i, NULL) != PARTREG_OK)
        return 0;
    return o->given[i];
}

/* ---- fits of arrays ------------------------------------------------------- */

partreg_status partreg_options_fit(const partreg_options *o, const partreg_data *data,
                                   partreg_fit **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!o || !data || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_options_fit: NULL argument");
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (o->given[i] && !table[i].arrays)
            return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                     "option --%s needs a formula and a data table; give the "
                                     "data as a table (partreg_analysis_run_table(), or fit() "
                                     "with a formula in the packages)",
                                     table[i].name);
    const partreg_analysis_spec *s = &o->spec;
    if (s->vcov != PARTREG_VCOV_MODEL && s->vcov != PARTREG_VCOV_HC0 &&
        s->vcov != PARTREG_VCOV_HC1)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--vcov %s needs cluster ids: give the data as a table with "
                                 "--cluster COL; arrays take model, hc0 or hc1",
                                 partreg_vcov_name(s->vcov));
    partreg_family family = s->frame.family;
    if (s->frame.family_auto)
        family = partreg_family_for_levels(data->n_levels > 2 ? data->n_levels : 2);
    partreg_model_spec *ms = NULL;
    partreg_fit *fit = NULL;
    partreg_status st = partreg_model_spec_create(family, s->link, &ms, err);
    if (st == PARTREG_OK && s->firth)
        st = partreg_model_spec_set_penalty(ms, PARTREG_PENALTY_FIRTH, err);
    if (st == PARTREG_OK && s->flic)
        st = partreg_model_spec_set_flic(ms, 1, err);
    if (st == PARTREG_OK)
        st = partreg_fit_create_spec(data, ms, &s->fit, &fit, err);
    partreg_model_spec_free(ms);
    if (fit && (st == PARTREG_OK || st == PARTREG_ENOTCONVERGED || st == PARTREG_ESEPARATION) &&
        s->vcov != PARTREG_VCOV_MODEL) {
        partreg_error verr;
        partreg_status vst = partreg_fit_set_vcov(fit, data, s->vcov, NULL, 0, &verr);
        if (vst != PARTREG_OK) {
            partreg_fit_free(fit);
            if (err)
                *err = verr;
            return vst;
        }
    }
    if (!fit)
        return st;
    *out = fit;
    return st;
}
