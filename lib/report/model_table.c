/* Publication tables: several fitted models side by side (Stata's esttab,
 * R's modelsummary): per term the estimate (or exp(estimate)) with
 * significance stars and its standard error or interval in brackets, and
 * per model N, the log-likelihood, AIC, BIC and McFadden's pseudo-R2;
 * Markdown, LaTeX (booktabs), HTML and CSV. A model comes from an analysis
 * (read through the fit's parameter layout, so cut-specific slopes,
 * thresholds and scale terms of every model land in their rows) or from
 * the JSON that `partreg fit --format json` saved (read with Jansson). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "partreg_report.h"
#include "report/analysis_internal.h"
#include "report/html.h"
#include "report/rows.h"

/* Sections of the rows, in print order. */
enum {
    SEC_COEF = 0,
    SEC_THRESHOLD = 1,
    SEC_SCALE = 2,
    SEC_OTHER = 3,
    SEC_RANDOM = 4, /* sd(G) of a random intercept, on the sd scale */
    N_SECTIONS = 5
};

typedef struct cell {
    int has;
    double est, se, lo, hi, p;
} cell;

typedef struct row {
    int section;
    char *name;
    cell *cells; /* one per model (grown with the models) */
} row;

typedef struct model_stats {
    char *title;
    double n, loglik, aic, bic, r2;
    int logit; /* exp(b) is an odds ratio */
} model_stats;

struct partreg_model_table {
    size_t n_models, cap_models;
    model_stats *models;
    size_t n_rows, cap_rows;
    row *rows;
};

partreg_model_table_options partreg_model_table_options_default(void)
{
    partreg_model_table_options o;
    memset(&o, 0, sizeof o);
    o.digits = 3;
    return o;
}

static char *dup_text(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

partreg_status partreg_model_table_create(partreg_model_table **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_table_create: NULL out");
    *out = calloc(1, sizeof **out);
    return *out ? PARTREG_OK : partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
}

void partreg_model_table_free(partreg_model_table *t)
{
    if (!t)
        return;
    for (size_t m = 0; m < t->n_models; m++)
        free(t->models[m].title);
    free(t->models);
    for (size_t r = 0; r < t->n_rows; r++) {
        free(t->rows[r].name);
        free(t->rows[r].cells);
    }
    free(t->rows);
    free(t);
}

size_t partreg_model_table_n_models(const partreg_model_table *t) { return t ? t->n_models : 0; }

/* Start model column m (= t->n_models): every row gets an empty cell. */
static partreg_status begin_model(partreg_model_table *t, const char *title, partreg_error *err)
{
    if (t->n_models == t->cap_models) {
        size_t cap = t->cap_models ? 2 * t->cap_models : 4;
        model_stats *ms = realloc(t->models, cap * sizeof *ms);
        if (!ms)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        t->models = ms;
        t->cap_models = cap;
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        cell *c = realloc(t->rows[r].cells, (t->n_models + 1) * sizeof *c);
        if (!c)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        memset(&c[t->n_models], 0, sizeof *c);
        t->rows[r].cells = c;
    }
    model_stats *s = &t->models[t->n_models];
    memset(s, 0, sizeof *s);
    char def[32];
    snprintf(def, sizeof def, "(%zu)", t->n_models + 1);
    if (!(s->title = dup_text(title ? title : def)))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    s->n = s->loglik = s->aic = s->bic = s->r2 = NAN;
    t->n_models++;
    return PARTREG_OK;
}

/* Drop the model column being built (after a failure). */
static void abandon_model(partreg_model_table *t)
{
    t->n_models--;
    free(t->models[t->n_models].title);
}

/* The cell of row (section, name) of the last model, creating the row. */
static cell *cell_of(partreg_model_table *t, int section, const char *name)
{
    size_t m = t->n_models - 1;
    for (size_t r = 0; r < t->n_rows; r++)
        if (t->rows[r].section == section && strcmp(t->rows[r].name, name) == 0)
            return &t->rows[r].cells[m];
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
        row *rs = realloc(t->rows, cap * sizeof *rs);
        if (!rs)
            return NULL;
        t->rows = rs;
        t->cap_rows = cap;
    }
    row *r = &t->rows[t->n_rows];
    r->section = section;
    r->name = dup_text(name);
    r->cells = calloc(t->n_models, sizeof *r->cells);
    if (!r->name || !r->cells) {
        free(r->name);
        free(r->cells);
        return NULL;
    }
    t->n_rows++;
    return &r->cells[m];
}

/* Row sd(G) of the last model's random intercept (no p-value: its test
 * is the likelihood-ratio test of the fit's own report). */
static partreg_status random_row(partreg_model_table *t, const char *group, double sd, double se,
                                 double lo, double hi, partreg_error *err)
{
    char name[300];
    snprintf(name, sizeof name, "sd(%s)", group ? group : "group");
    cell *c = cell_of(t, SEC_RANDOM, name);
    if (!c) {
        abandon_model(t);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    *c = (cell){1, sd, se, lo, hi, NAN};
    return PARTREG_OK;
}

partreg_status partreg_model_table_add_analysis(partreg_model_table *t, const partreg_analysis *a,
                                                const char *title, partreg_error *err)
{
    if (!t || !a)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_table_add_analysis: NULL argument");
    if (a->fit_status != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the model '%s' did not converge; its estimates are not to be "
                                 "put in a table",
                                 a->formula_text);
    partreg_status st = begin_model(t, title, err);
    if (st != PARTREG_OK)
        return st;
    const partreg_fit *fit = a->fit;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || partreg_fit_param_kind(fit, j) == PARTREG_PARAM_LOG_SD)
            continue; /* log sigma is shown as sd(G) below */
        int sec = r.section == REPORT_COEFFICIENTS  ? SEC_COEF
                  : r.section == REPORT_THRESHOLDS ? SEC_THRESHOLD
                  : r.section == REPORT_SCALE      ? SEC_SCALE
                                                   : SEC_OTHER;
        cell *c = cell_of(t, sec, r.name);
        if (!c) {
            abandon_model(t);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
        *c = (cell){1, r.est.estimate, r.est.std_error, r.est.conf_low, r.est.conf_high,
                    r.est.p_value};
    }
    partreg_random_intercept ri;
    if (partreg_fit_random_intercept(fit, &ri, NULL) == PARTREG_OK) {
        /* the interval of log sd exponentiated, as the fit's own report */
        double lo = NAN, hi = NAN;
        for (size_t j = 0; j < report_n_params(a); j++)
            if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_LOG_SD) {
                lo = ri.at_boundary ? 0.0 : exp(a->conf_low[j]);
                hi = exp(a->conf_high[j]);
            }
        if ((st = random_row(t, partreg_fit_group_variable(fit), ri.sd, ri.sd_std_error, lo,
                             hi, err)) != PARTREG_OK)
            return st;
    }
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    model_stats *ms = &t->models[t->n_models - 1];
    ms->n = (double)partreg_fit_n_obs(fit);
    ms->loglik = s.loglik;
    ms->aic = s.aic;
    ms->bic = s.bic;
    ms->r2 = s.r2_mcfadden;
    ms->logit = partreg_fit_link(fit) == PARTREG_LOGIT;
    if (a->imputations) /* pooled: no likelihood of the pooled model */
        ms->loglik = ms->aic = ms->bic = ms->r2 = NAN;
    partreg_error_clear(err);
    return PARTREG_OK;
}

static double num_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

partreg_status partreg_model_table_add_json(partreg_model_table *t, const char *path,
                                            const char *title, partreg_error *err)
{
    if (!t || !path)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_table_add_json: NULL argument");
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (je.line <= 0 && je.position == 0)
            return partreg_error_set(err, PARTREG_EIO, "%s: %s", path, je.text);
        return partreg_error_set_at(err, PARTREG_EDATA, je.line, je.column,
                                    "%s: line %d, column %d: %s (not the JSON of partreg fit)",
                                    path, je.line, je.column, je.text);
    }
    partreg_status st = PARTREG_OK;
    json_t *coef = json_object_get(root, "coefficients");
    if (!json_is_object(root) || !json_is_array(coef)) {
        st = partreg_error_set(err, PARTREG_EDATA,
                               "%s has no \"coefficients\" array: it is not the output of "
                               "partreg fit --format json",
                               path);
        goto done;
    }
    json_t *conv = json_object_get(root, "converged");
    if (json_is_false(conv)) {
        st = partreg_error_set(err, PARTREG_EDATA,
                               "%s is a model that did not converge; its estimates are not to be "
                               "put in a table",
                               path);
        goto done;
    }
    if ((st = begin_model(t, title, err)) != PARTREG_OK)
        goto done;
    static const char *const keys[] = {"coefficients", "thresholds", "scale"};
    for (int sec = 0; sec < 3; sec++) {
        json_t *arr = json_object_get(root, keys[sec]);
        if (!json_is_array(arr))
            continue;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e) {
            json_t *term = json_object_get(e, "term"), *cut = json_object_get(e, "cut");
            if (!json_is_string(term)) {
                abandon_model(t);
                st = partreg_error_set(err, PARTREG_EDATA,
                                       "%s: entry %zu of \"%s\" has no \"term\"", path, i + 1,
                                       keys[sec]);
                goto done;
            }
            char name[512];
            if (json_is_string(cut))
                snprintf(name, sizeof name, "%s @ %s", json_string_value(term),
                         json_string_value(cut));
            else
                snprintf(name, sizeof name, "%s", json_string_value(term));
            cell *c = cell_of(t, sec, name);
            if (!c) {
                abandon_model(t);
                st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
                goto done;
            }
            *c = (cell){1, num_of(e, "estimate"), num_of(e, "std_error"), num_of(e, "conf_low"),
                        num_of(e, "conf_high"), num_of(e, "p_value")};
        }
    }
    json_t *re = json_array_get(json_object_get(root, "random_effects"), 0);
    if (json_is_object(re)) {
        json_t *g = json_object_get(re, "group");
        if ((st = random_row(t, json_is_string(g) ? json_string_value(g) : NULL,
                             num_of(re, "sd"), num_of(re, "sd_std_error"),
                             num_of(re, "sd_conf_low"), num_of(re, "sd_conf_high"), err)) !=
            PARTREG_OK)
            goto done;
    }
    model_stats *ms = &t->models[t->n_models - 1];
    ms->n = num_of(root, "n_obs");
    ms->loglik = num_of(root, "loglik");
    ms->aic = num_of(root, "aic");
    ms->bic = num_of(root, "bic");
    ms->r2 = num_of(json_object_get(root, "pseudo_r2"), "mcfadden");
    json_t *link = json_object_get(root, "link");
    ms->logit = json_is_string(link) && strcmp(json_string_value(link), "logit") == 0;
    if (json_is_integer(json_object_get(root, "imputations")))
        ms->loglik = ms->aic = ms->bic = ms->r2 = NAN;
    partreg_error_clear(err);
done:
    json_decref(root);
    return st;
}

/* ---- writing ------------------------------------------------------------- */

static const char *stars_of(double p)
{
    if (!isfinite(p))
        return "";
    return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "";
}

/* The shown estimate and bracket of a cell. */
static void shown(const cell *c, int section, const partreg_model_table_options *o, double *est,
                  double *se, double *lo, double *hi)
{
    *est = c->est;
    *se = c->se;
    *lo = c->lo;
    *hi = c->hi;
    if (o->eform && section == SEC_COEF) {
        *est = exp(c->est);
        *se = exp(c->est) * c->se; /* delta method, as esttab's eform */
        *lo = exp(c->lo);
        *hi = exp(c->hi);
    }
}

static void fmt_num(char *buf, size_t size, double x, int digits)
{
    if (!isfinite(x))
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%.*f", digits, x);
}

/* Escape text for the format. */
static void put_text(FILE *out, partreg_table_format f, const char *s)
{
    if (f == PARTREG_TABLE_HTML || f == PARTREG_TABLE_HTML_PAGE) {
        html_escape(out, s);
        return;
    }
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (f == PARTREG_TABLE_LATEX) {
            switch (ch) {
            case '\\': fputs("\\textbackslash{}", out); continue;
            case '~': fputs("\\textasciitilde{}", out); continue;
            case '^': fputs("\\textasciicircum{}", out); continue;
            case '|': fputs("\\textbar{}", out); continue;
            case '<': fputs("\\textless{}", out); continue;
            case '>': fputs("\\textgreater{}", out); continue;
            case '&': case '%': case '$': case '#': case '_': case '{': case '}':
                fputc('\\', out);
                break;
            default: break;
            }
        } else if (f == PARTREG_TABLE_MARKDOWN) {
            if (ch == '|' || ch == '\\' || ch == '*' || ch == '_' || ch == '[' || ch == ']' ||
                ch == '`' || ch == '<')
                fputc('\\', out);
        }
        fputc(ch, out);
    }
}

static void put_csv(FILE *out, const char *s)
{
    partreg_write_csv_field(out, s, ',');
}

static const char *section_title(int sec)
{
    static const char *const t[] = {NULL, "Thresholds", "Scale", "Other parameters",
                                    "Random intercept"};
    return t[sec];
}

/* One cell's text: the estimate with its stars, or the bracket. */
static void cell_text(const cell *c, int sec, int bracket, const partreg_model_table_options *o,
                      partreg_table_format f, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!c->has)
        return;
    double est, se, lo, hi;
    shown(c, sec, o, &est, &se, &lo, &hi);
    char a[64];
    if (!bracket) {
        fmt_num(a, sizeof a, est, o->digits);
        const char *st = o->stars && sec == SEC_COEF ? stars_of(c->p) : "";
        if (f == PARTREG_TABLE_LATEX && st[0])
            snprintf(buf, size, "%s\\sym{%s}", a, st);
        else if (f == PARTREG_TABLE_MARKDOWN && st[0])
            snprintf(buf, size, "%s%s", a, st[0] == '*' ? (strlen(st) == 3   ? "\\*\\*\\*"
                                                            : strlen(st) == 2 ? "\\*\\*"
                                                                              : "\\*")
                                                        : "");
        else
            snprintf(buf, size, "%s%s", a, st);
        return;
    }
    if (o->brackets_ci) {
        char b[64];
        fmt_num(a, sizeof a, lo, o->digits);
        fmt_num(b, sizeof b, hi, o->digits);
        if (a[0] || b[0])
            snprintf(buf, size, "[%s, %s]", a, b);
        return;
    }
    fmt_num(a, sizeof a, se, o->digits);
    if (a[0])
        snprintf(buf, size, "(%s)", a);
}

/* The statistics rows: label and per-model value. */
static int stat_text(const model_stats *m, int k, char *buf, size_t size)
{
    double v = k == 0 ? m->n : k == 1 ? m->loglik : k == 2 ? m->aic : k == 3 ? m->bic : m->r2;
    if (!isfinite(v))
        buf[0] = '\0';
    else if (k == 0)
        snprintf(buf, size, "%.0f", v);
    else if (k == 4)
        snprintf(buf, size, "%.3f", v);
    else
        snprintf(buf, size, "%.1f", v);
    return 1;
}

static const char *const stat_names[] = {"N", "Log-likelihood", "AIC", "BIC", "Pseudo R2 (McFadden)"};
static const char *const stat_names_latex[] = {"N", "Log-likelihood", "AIC", "BIC",
                                               "Pseudo $R^2$ (McFadden)"};
static const char *const stat_names_html[] = {"N", "Log-likelihood", "AIC", "BIC",
                                              "Pseudo R<sup>2</sup> (McFadden)"};

/* The note under the table. */
static void note_text(const partreg_model_table *t, const partreg_model_table_options *o,
                      char *buf, size_t size)
{
    int all_logit = 1;
    for (size_t m = 0; m < t->n_models; m++)
        all_logit &= t->models[m].logit;
    snprintf(buf, size, "%s; %s in brackets.%s",
             o->eform ? (all_logit ? "Odds ratios" : "exp(coefficients)") : "Coefficients",
             o->brackets_ci ? "confidence intervals" : "standard errors",
             o->stars ? " * p < 0.05, ** p < 0.01, *** p < 0.001." : "");
}

static void write_markdown(const partreg_model_table *t, FILE *out,
                           const partreg_model_table_options *o)
{
    char buf[256];
    fputs("| |", out);
    for (size_t m = 0; m < t->n_models; m++) {
        fputc(' ', out);
        put_text(out, PARTREG_TABLE_MARKDOWN, t->models[m].title);
        fputs(" |", out);
    }
    fputs("\n|:--|", out);
    for (size_t m = 0; m < t->n_models; m++)
        fputs("--:|", out);
    fputc('\n', out);
    for (int sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            const row *rw = &t->rows[r];
            if (rw->section != sec)
                continue;
            if (!any && section_title(sec)) {
                fprintf(out, "| *%s* |", section_title(sec));
                for (size_t m = 0; m < t->n_models; m++)
                    fputs(" |", out);
                fputc('\n', out);
            }
            any = 1;
            for (int bracket = 0; bracket < 2; bracket++) {
                fputs("| ", out);
                if (!bracket)
                    put_text(out, PARTREG_TABLE_MARKDOWN, rw->name);
                fputs(" |", out);
                for (size_t m = 0; m < t->n_models; m++) {
                    cell_text(&rw->cells[m], sec, bracket, o, PARTREG_TABLE_MARKDOWN, buf,
                              sizeof buf);
                    fprintf(out, " %s |", buf);
                }
                fputc('\n', out);
            }
        }
    }
    for (int k = 0; k < 5; k++) {
        fprintf(out, "| %s |", stat_names[k]);
        for (size_t m = 0; m < t->n_models; m++) {
            stat_text(&t->models[m], k, buf, sizeof buf);
            fprintf(out, " %s |", buf);
        }
        fputc('\n', out);
    }
    note_text(t, o, buf, sizeof buf);
    fputs("\n", out);
    put_text(out, PARTREG_TABLE_MARKDOWN, buf);
    fputc('\n', out);
}

static void write_latex(const partreg_model_table *t, FILE *out,
                        const partreg_model_table_options *o)
{
    char buf[256];
    fputs("% partreg table: needs \\usepackage{booktabs}\n", out);
    fputs("\\providecommand{\\sym}[1]{\\ensuremath{^{#1}}}\n", out);
    fprintf(out, "\\begin{tabular}{l*{%zu}{c}}\n\\toprule\n", t->n_models);
    for (size_t m = 0; m < t->n_models; m++) {
        fputs(" & ", out);
        put_text(out, PARTREG_TABLE_LATEX, t->models[m].title);
    }
    fputs(" \\\\\n\\midrule\n", out);
    for (int sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            const row *rw = &t->rows[r];
            if (rw->section != sec)
                continue;
            if (!any && section_title(sec))
                fprintf(out, "\\addlinespace\n\\multicolumn{%zu}{l}{\\emph{%s}} \\\\\n",
                        t->n_models + 1, section_title(sec));
            any = 1;
            for (int bracket = 0; bracket < 2; bracket++) {
                if (!bracket)
                    put_text(out, PARTREG_TABLE_LATEX, rw->name);
                for (size_t m = 0; m < t->n_models; m++) {
                    cell_text(&rw->cells[m], sec, bracket, o, PARTREG_TABLE_LATEX, buf,
                              sizeof buf);
                    fprintf(out, " & %s", buf);
                }
                fputs(" \\\\\n", out);
            }
        }
    }
    fputs("\\midrule\n", out);
    for (int k = 0; k < 5; k++) {
        fputs(stat_names_latex[k], out);
        for (size_t m = 0; m < t->n_models; m++) {
            stat_text(&t->models[m], k, buf, sizeof buf);
            fprintf(out, " & %s", buf);
        }
        fputs(" \\\\\n", out);
    }
    fputs("\\bottomrule\n", out);
    note_text(t, o, buf, sizeof buf);
    fprintf(out, "\\multicolumn{%zu}{l}{\\footnotesize ", t->n_models + 1);
    /* the note's stars in math mode */
    for (const char *s = buf; *s; s++) {
        if (*s == '*') {
            size_t k = strspn(s, "*");
            fputs("\\sym{", out);
            for (size_t i = 0; i < k; i++)
                fputc('*', out);
            fputc('}', out);
            s += k - 1;
        } else if (*s == '<') {
            fputs("$<$", out);
        } else {
            fputc(*s, out);
        }
    }
    fputs("} \\\\\n\\end{tabular}\n", out);
}

static void write_html(const partreg_model_table *t, FILE *out,
                       const partreg_model_table_options *o)
{
    char buf[256];
    fputs("<table class=\"partreg-models\">\n<thead><tr><th></th>", out);
    for (size_t m = 0; m < t->n_models; m++) {
        fputs("<th>", out);
        html_escape(out, t->models[m].title);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (int sec = 0; sec < N_SECTIONS; sec++) {
        int any = 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            const row *rw = &t->rows[r];
            if (rw->section != sec)
                continue;
            if (!any && section_title(sec))
                fprintf(out, "<tr class=\"section\"><th colspan=\"%zu\">%s</th></tr>\n",
                        t->n_models + 1, section_title(sec));
            any = 1;
            for (int bracket = 0; bracket < 2; bracket++) {
                fputs(bracket ? "<tr class=\"bracket\"><th></th>" : "<tr><th>", out);
                if (!bracket) {
                    html_escape(out, rw->name);
                    fputs("</th>", out);
                }
                for (size_t m = 0; m < t->n_models; m++) {
                    cell_text(&rw->cells[m], sec, bracket, o, PARTREG_TABLE_HTML, buf,
                              sizeof buf);
                    fputs("<td>", out);
                    html_escape(out, buf);
                    fputs("</td>", out);
                }
                fputs("</tr>\n", out);
            }
        }
    }
    fputs("</tbody>\n<tfoot>\n", out);
    for (int k = 0; k < 5; k++) {
        fprintf(out, "<tr%s><th>%s</th>", k == 0 ? " class=\"first\"" : "", stat_names_html[k]);
        for (size_t m = 0; m < t->n_models; m++) {
            stat_text(&t->models[m], k, buf, sizeof buf);
            fprintf(out, "<td>%s</td>", buf);
        }
        fputs("</tr>\n", out);
    }
    note_text(t, o, buf, sizeof buf);
    fprintf(out, "<tr class=\"note\"><td colspan=\"%zu\">", t->n_models + 1);
    html_escape(out, buf);
    fputs("</td></tr>\n</tfoot>\n</table>\n", out);
}

/* The style of a table page (and of the report's embedded table). */
static const char table_css[] =
    "table.partreg-models { border-collapse: collapse; font-family: 'DejaVu Serif', Georgia, "
    "serif; font-size: 15px; margin: 1em 0; }\n"
    "table.partreg-models th, table.partreg-models td { padding: 2px 14px; }\n"
    "table.partreg-models td { text-align: center; font-variant-numeric: tabular-nums; }\n"
    "table.partreg-models th { text-align: left; font-weight: normal; }\n"
    "table.partreg-models thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; "
    "text-align: center; font-weight: bold; }\n"
    "table.partreg-models tr.section th { font-style: italic; padding-top: 8px; }\n"
    "table.partreg-models tr.bracket td { color: #444; font-size: 13px; }\n"
    "table.partreg-models tfoot tr.first th, table.partreg-models tfoot tr.first td { "
    "border-top: 1px solid #000; }\n"
    "table.partreg-models tfoot tr.note td { border-top: 2px solid #000; text-align: left; "
    "font-size: 12px; }\n";

partreg_status partreg_model_table_write(const partreg_model_table *t, FILE *out,
                                         partreg_table_format format,
                                         const partreg_model_table_options *opt,
                                         partreg_error *err)
{
    if (!t || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_table_write: NULL argument");
    if (t->n_models == 0)
        return partreg_error_set(err, PARTREG_EINVAL, "the table has no model");
    partreg_model_table_options o = opt ? *opt : partreg_model_table_options_default();
    if (o.digits <= 0 || o.digits > 12)
        o.digits = 3;
    switch (format) {
    case PARTREG_TABLE_MARKDOWN: write_markdown(t, out, &o); break;
    case PARTREG_TABLE_LATEX: write_latex(t, out, &o); break;
    case PARTREG_TABLE_HTML:
        fprintf(out, "<style>\n%s</style>\n", table_css);
        write_html(t, out, &o);
        break;
    case PARTREG_TABLE_HTML_PAGE:
        fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<title>Models</title>\n<style>\nbody { margin: 24px; background: #fff; }\n"
                     "%s</style>\n</head>\n<body>\n",
                table_css);
        write_html(t, out, &o);
        fputs("</body>\n</html>\n", out);
        break;
    case PARTREG_TABLE_CSV: {
        char buf[128];
        fputs("term,section", out);
        for (size_t m = 0; m < t->n_models; m++) {
            const char *what[] = {"estimate", "std_error", "conf_low", "conf_high", "p_value"};
            for (int k = 0; k < 5; k++) {
                snprintf(buf, sizeof buf, "%s_%s", t->models[m].title, what[k]);
                fputc(',', out);
                put_csv(out, buf);
            }
        }
        fputc('\n', out);
        static const char *const secs[] = {"coefficient", "threshold", "scale", "other",
                                           "random"};
        for (int sec = 0; sec < N_SECTIONS; sec++)
            for (size_t r = 0; r < t->n_rows; r++) {
                const row *rw = &t->rows[r];
                if (rw->section != sec)
                    continue;
                put_csv(out, rw->name);
                fprintf(out, ",%s", secs[sec]);
                for (size_t m = 0; m < t->n_models; m++) {
                    double v[5];
                    shown(&rw->cells[m], sec, &o, &v[0], &v[1], &v[2], &v[3]);
                    v[4] = rw->cells[m].p;
                    for (int k = 0; k < 5; k++) {
                        fputc(',', out);
                        if (rw->cells[m].has && isfinite(v[k]))
                            fprintf(out, "%.17g", v[k]);
                    }
                }
                fputc('\n', out);
            }
        for (int k = 0; k < 5; k++) {
            put_csv(out, stat_names[k]);
            fputs(",statistic", out);
            for (size_t m = 0; m < t->n_models; m++) {
                double v = k == 0   ? t->models[m].n
                           : k == 1 ? t->models[m].loglik
                           : k == 2 ? t->models[m].aic
                           : k == 3 ? t->models[m].bic
                                    : t->models[m].r2;
                fputc(',', out);
                if (isfinite(v))
                    fprintf(out, "%.17g", v);
                fputs(",,,,", out);
            }
            fputc('\n', out);
        }
        break;
    }
    default:
        return partreg_error_set(err, PARTREG_EINVAL, "unknown table format %d", (int)format);
    }
    if (ferror(out))
        return partreg_error_set(err, PARTREG_EIO, "a write of the table failed");
    partreg_error_clear(err);
    return PARTREG_OK;
}
