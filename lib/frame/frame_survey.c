/* Survey design columns of a model frame (partreg_frame_options:
 * sampling weights, strata, PSUs, fpc, subpopulation, replicate weights):
 * found before listwise deletion, so that a row missing any of them is
 * dropped like a row missing a model variable, and coded over the rows
 * used. The design itself (partreg_survey) is built from them in the
 * inference layer; the frame only holds the columns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "frame/frame_internal.h"

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
}

int partreg_frame_options_have_survey(const partreg_frame_options *opt)
{
    return opt->sampling_weights || opt->strata || opt->psu || opt->fpc || opt->subpop ||
           opt->repweights;
}

void partreg_frame_survey_free(partreg_frame_survey *s)
{
    if (!s)
        return;
    free(s->sw);
    free(s->strata);
    partreg_levels_clear(&s->strata_lv);
    free(s->psu);
    free(s->fpc);
    free(s->domain);
    free(s->repw);
    if (s->rep_names)
        for (size_t r = 0; r < s->n_rep; r++)
            free(s->rep_names[r]);
    free(s->rep_names);
    free(s->rep_col);
    free(s->subpop_var);
    free(s);
}

/* The subpopulation option: a column, or "V=L" when the whole text is not
 * a column and holds '='. */
static partreg_status find_subpop(partreg_frame_survey *s, const partreg_table *t,
                                  const char *spec, partreg_error *err)
{
    size_t j;
    if (partreg_table_find_column(t, spec, &j, NULL) == PARTREG_OK) {
        s->col_subpop = j;
        return PARTREG_OK;
    }
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) /* the column's own message (closest name) */
        return partreg_table_find_column(t, spec, &j, err);
    size_t len = (size_t)(eq - spec);
    s->subpop_var = malloc(len + 1);
    if (!s->subpop_var)
        return nomem(err);
    memcpy(s->subpop_var, spec, len);
    s->subpop_var[len] = '\0';
    s->subpop_level = eq + 1;
    partreg_status st = partreg_table_find_column(t, s->subpop_var, &j, err);
    if (st)
        return st;
    s->col_subpop = j;
    return PARTREG_OK;
}

/* Columns whose names start with the prefix of "PREFIX*". */
static partreg_status find_replicates(partreg_frame_survey *s, const partreg_table *t,
                                      const char *spec, partreg_error *err)
{
    size_t len = strlen(spec);
    if (len < 2 || spec[len - 1] != '*' || memchr(spec, '*', len - 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--repweights '%s' must be a column-name prefix followed by *, "
                                 "e.g. \"rw*\" for rw1, rw2, ...",
                                 spec);
    size_t m = len - 1, J = partreg_table_n_columns(t);
    s->rep_col = malloc((J ? J : 1) * sizeof *s->rep_col);
    if (!s->rep_col)
        return nomem(err);
    s->n_rep = 0;
    for (size_t j = 0; j < J; j++)
        if (strncmp(partreg_table_column_name(t, j), spec, m) == 0)
            s->rep_col[s->n_rep++] = j;
    if (s->n_rep == 0)
        return partreg_error_set(err, PARTREG_ENOTFOUND,
                                 "--repweights '%s': no column name starts with '%.*s'", spec,
                                 (int)m, spec);
    if (s->n_rep < 2)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--repweights '%s' matches one column ('%s'); a replicate "
                                 "variance needs at least 2 replicates",
                                 spec, partreg_table_column_name(t, s->rep_col[0]));
    for (size_t r = 0; r < s->n_rep; r++)
        if (partreg_table_column_type(t, s->rep_col[r]) != PARTREG_COLUMN_NUMERIC)
            return partreg_frame_not_numeric(t, s->rep_col[r], "--repweights", err);
    return PARTREG_OK;
}

partreg_status partreg_frame_survey_find(partreg_frame *fr, const partreg_table *t,
                                         const partreg_frame_options *opt, size_t **used,
                                         size_t *n_used, partreg_error *err)
{
    if (!partreg_frame_options_have_survey(opt))
        return PARTREG_OK;
    if (opt->weights && opt->sampling_weights)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--weights %s (frequency weights) and --sampling-weights %s "
                                 "cannot be combined: a survey's weights are sampling weights; "
                                 "drop --weights",
                                 opt->weights, opt->sampling_weights);
    if (opt->cluster)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--cluster %s and a survey design cannot be combined: the "
                                 "design's PSUs are its clusters; use --psu %s",
                                 opt->cluster, opt->cluster);
    partreg_frame_survey *s = calloc(1, sizeof *s);
    if (!s)
        return nomem(err);
    fr->survey = s;
    partreg_status st;
    struct {
        const char *name;
        size_t *col;
    } one[] = {{opt->sampling_weights, &s->col_sw},
               {opt->strata, &s->col_strata},
               {opt->psu, &s->col_psu},
               {opt->fpc, &s->col_fpc}};
    for (size_t k = 0; k < sizeof one / sizeof one[0]; k++)
        if (one[k].name && (st = partreg_table_find_column(t, one[k].name, one[k].col, err)))
            return st;
    if (opt->subpop && (st = find_subpop(s, t, opt->subpop, err)))
        return st;
    if (opt->repweights && (st = find_replicates(s, t, opt->repweights, err)))
        return st;
    static const char *const usage[] = {"--sampling-weights", NULL, NULL, "--fpc"};
    for (size_t k = 0; k < 4; k++)
        if (one[k].name && usage[k] &&
            partreg_table_column_type(t, *one[k].col) != PARTREG_COLUMN_NUMERIC)
            return partreg_frame_not_numeric(t, *one[k].col, usage[k], err);

    size_t extra = 5 + s->n_rep;
    size_t *u = realloc(*used, (*n_used + extra) * sizeof *u);
    if (!u)
        return nomem(err);
    *used = u;
    for (size_t k = 0; k < sizeof one / sizeof one[0]; k++)
        if (one[k].name)
            u[(*n_used)++] = *one[k].col;
    if (opt->subpop)
        u[(*n_used)++] = s->col_subpop;
    for (size_t r = 0; r < s->n_rep; r++)
        u[(*n_used)++] = s->rep_col[r];
    return PARTREG_OK;
}

/* Copy a numeric column over rows[0..n), every value finite and >= 0
 * (min_exclusive: > 0). */
static partreg_status code_positive(const size_t *rows, size_t n, const partreg_table *t,
                                    size_t j, const char *option, int min_exclusive, double *out,
                                    partreg_error *err)
{
    const double *x = partreg_table_numeric(t, j);
    for (size_t i = 0; i < n; i++) {
        double v = x[rows[i]];
        if (!isfinite(v) || v < 0.0 || (min_exclusive && !(v > 0.0))) {
            long line = partreg_table_row_line(t, rows[i]);
            return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                        "%s column '%s' is %g on line %ld; it must be finite "
                                        "and %s 0",
                                        option, partreg_table_column_name(t, j), v, line,
                                        min_exclusive ? ">" : ">=");
        }
        out[i] = v;
    }
    return PARTREG_OK;
}

/* Codes 0..L-1 of column j over the rows used: its distinct values in the
 * order partreg_levels_observed gives; the level list into lv. */
static partreg_status code_levels(const partreg_frame *fr, const partreg_table *t, size_t j,
                                  partreg_levels *lv, size_t *codes, partreg_error *err)
{
    partreg_status st = partreg_levels_observed(t, j, fr->rows, fr->n, lv, err);
    if (st)
        return st;
    int *lev = malloc((fr->n ? fr->n : 1) * sizeof *lev);
    if (!lev)
        return nomem(err);
    size_t bad;
    st = partreg_levels_map(t, j, fr->rows, fr->n, lv, lev, &bad, err);
    for (size_t i = 0; st == PARTREG_OK && i < fr->n; i++)
        codes[i] = (size_t)lev[i];
    free(lev);
    return st;
}

static int text_is(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcasecmp(s, *words) == 0)
            return 1;
    return 0;
}

/* The subpopulation's level as a number ("V=L" on a numeric column V). */
static partreg_status subpop_level_value(const partreg_frame_survey *s, const partreg_table *t,
                                         const char *spec, double *value, partreg_error *err)
{
    *value = NAN;
    size_t j = s->col_subpop;
    if (!s->subpop_var || partreg_table_column_type(t, j) != PARTREG_COLUMN_NUMERIC)
        return PARTREG_OK;
    char *end;
    *value = strtod(s->subpop_level, &end);
    if (end == s->subpop_level || *end != '\0')
        return partreg_error_set(err, PARTREG_EDATA,
                                 "--subpop %s: '%s' is numeric, and '%s' is not a number", spec,
                                 partreg_table_column_name(t, j), s->subpop_level);
    return PARTREG_OK;
}

/* Whether table row r is in the subpopulation (*in), or the error of a
 * text that is not 0/1, false/true or no/yes. */
static partreg_status subpop_row(const partreg_frame_survey *s, const partreg_table *t, size_t r,
                                 double level_value, const char *spec, int *in,
                                 partreg_error *err)
{
    size_t j = s->col_subpop;
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC) {
        double v = partreg_table_numeric(t, j)[r];
        *in = s->subpop_var ? v == level_value : v != 0.0;
        return PARTREG_OK;
    }
    char text[256];
    partreg_frame_cell_text(t, j, r, text, sizeof text);
    *in = partreg_frame_subpop_text(s->subpop_var ? s->subpop_level : NULL, text);
    if (*in < 0) {
        long line = partreg_table_row_line(t, r);
        return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                    "--subpop %s: line %ld has '%s'; a subpopulation column "
                                    "holds 0/1, false/true or no/yes; for the rows with one "
                                    "value use --subpop \"%s=%s\"",
                                    spec, line, text, partreg_table_column_name(t, j), text);
    }
    return PARTREG_OK;
}

static partreg_status code_subpop(partreg_frame_survey *s, const partreg_frame *fr,
                                  const partreg_table *t, const char *spec, partreg_error *err)
{
    double level_value;
    partreg_status st = subpop_level_value(s, t, spec, &level_value, err);
    size_t inside = 0;
    for (size_t i = 0; st == PARTREG_OK && i < fr->n; i++) {
        int in = 0;
        st = subpop_row(s, t, fr->rows[i], level_value, spec, &in, err);
        s->domain[i] = (unsigned char)in;
        inside += (size_t)in;
    }
    if (st == PARTREG_OK && inside == 0)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "--subpop %s: no row of the %zu used is in the subpopulation",
                                 spec, fr->n);
    return st;
}

partreg_status partreg_frame_survey_code(partreg_frame *fr, const partreg_table *t,
                                         const partreg_frame_options *opt, partreg_error *err)
{
    partreg_frame_survey *s = fr->survey;
    if (!s)
        return PARTREG_OK;
    size_t n = fr->n, cap = n ? n : 1;
    partreg_status st;
    if (opt->sampling_weights) {
        if (!(s->sw = calloc(cap, sizeof *s->sw)))
            return nomem(err);
        if ((st = code_positive(fr->rows, fr->n, t, s->col_sw, "--sampling-weights", 0, s->sw, err)))
            return st;
    }
    if (opt->strata) {
        if (!(s->strata = malloc(cap * sizeof *s->strata)))
            return nomem(err);
        if ((st = code_levels(fr, t, s->col_strata, &s->strata_lv, s->strata, err)))
            return st;
    }
    if (opt->psu) {
        partreg_levels lv = {0, NULL, NULL};
        if (!(s->psu = malloc(cap * sizeof *s->psu)))
            return nomem(err);
        st = code_levels(fr, t, s->col_psu, &lv, s->psu, err);
        s->n_psu_codes = lv.n;
        partreg_levels_clear(&lv);
        if (st)
            return st;
    }
    if (opt->fpc) {
        if (!(s->fpc = malloc(cap * sizeof *s->fpc)))
            return nomem(err);
        if ((st = code_positive(fr->rows, fr->n, t, s->col_fpc, "--fpc", 1, s->fpc, err)))
            return st;
    }
    if (opt->subpop) {
        if (!(s->domain = calloc(cap, 1)))
            return nomem(err);
        if ((st = code_subpop(s, fr, t, opt->subpop, err)))
            return st;
    }
    if (s->n_rep) {
        if (n && s->n_rep > (size_t)-1 / sizeof(double) / n)
            return nomem(err);
        if (!(s->repw = malloc(s->n_rep * cap * sizeof *s->repw)))
            return nomem(err);
        for (size_t r = 0; r < s->n_rep; r++)
            if ((st = code_positive(fr->rows, fr->n, t, s->rep_col[r], "--repweights", 0,
                                    s->repw + r * n, err)))
                return st;
        if (!(s->rep_names = calloc(s->n_rep, sizeof *s->rep_names)))
            return nomem(err);
        for (size_t r = 0; r < s->n_rep; r++) {
            const char *name = partreg_table_column_name(t, s->rep_col[r]);
            size_t len = strlen(name) + 1;
            if (!(s->rep_names[r] = malloc(len)))
                return nomem(err);
            memcpy(s->rep_names[r], name, len);
        }
    }
    /* the fit's weights: sampling weights (1 without), 0 outside the domain */
    if (s->sw || s->domain) {
        if (!(fr->w = malloc(cap * sizeof *fr->w)))
            return nomem(err);
        for (size_t i = 0; i < n; i++)
            fr->w[i] = (s->sw ? s->sw[i] : 1.0) * (s->domain ? (double)s->domain[i] : 1.0);
    }
    return PARTREG_OK;
}

void partreg_frame_survey_rows_free(partreg_frame_survey_rows *r)
{
    if (!r)
        return;
    free(r->sw);
    free(r->fpc);
    free(r->fitw);
    free(r->stratum);
    free(r->psu);
    free(r->domain);
    memset(r, 0, sizeof *r);
}

partreg_status partreg_frame_survey_code_rows(const partreg_frame *coding, const partreg_table *t,
                                              const size_t *rows, size_t m,
                                              const partreg_frame_options *opt,
                                              partreg_frame_survey_rows *out, partreg_error *err)
{
    memset(out, 0, sizeof *out);
    const partreg_frame_survey *s = coding->survey;
    if (!s)
        return PARTREG_OK;
    size_t cap = m ? m : 1;
    partreg_status st = PARTREG_OK;
    if (opt->sampling_weights &&
        (!(out->sw = calloc(cap, sizeof *out->sw)) ||
         (st = code_positive(rows, m, t, s->col_sw, "--sampling-weights", 0, out->sw, err))))
        goto done;
    if (opt->strata) {
        int *lev = malloc(cap * sizeof *lev);
        size_t bad = 0;
        if (!lev || !(out->stratum = malloc(cap * sizeof *out->stratum))) {
            free(lev);
            goto done;
        }
        st = partreg_levels_map(t, s->col_strata, rows, m, &s->strata_lv, lev, &bad, err);
        if (st == PARTREG_EDATA) {
            long line = partreg_table_row_line(t, rows[bad]);
            st = partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                      "line %ld: a stratum that the survey of the file did not "
                                      "see (was the file changed while it was read?)",
                                      line);
        }
        for (size_t i = 0; st == PARTREG_OK && i < m; i++)
            out->stratum[i] = (size_t)lev[i];
        free(lev);
        if (st)
            goto done;
    }
    if (opt->fpc && (!(out->fpc = calloc(cap, sizeof *out->fpc)) ||
                     (st = code_positive(rows, m, t, s->col_fpc, "--fpc", 1, out->fpc, err))))
        goto done;
    if (opt->subpop) {
        double level_value;
        if (!(out->domain = calloc(cap, 1)))
            goto done;
        st = subpop_level_value(s, t, opt->subpop, &level_value, err);
        for (size_t i = 0; st == PARTREG_OK && i < m; i++) {
            int in = 0;
            st = subpop_row(s, t, rows[i], level_value, opt->subpop, &in, err);
            out->domain[i] = (unsigned char)in;
        }
        if (st)
            goto done;
    }
    if (!(out->fitw = malloc(cap * sizeof *out->fitw)))
        goto done;
    for (size_t i = 0; i < m; i++)
        out->fitw[i] =
            (out->sw ? out->sw[i] : 1.0) * (out->domain ? (double)out->domain[i] : 1.0);
    return PARTREG_OK;
done:
    if (st == PARTREG_OK)
        st = nomem(err);
    partreg_frame_survey_rows_free(out);
    return st;
}

int partreg_frame_subpop_text(const char *level, const char *text)
{
    static const char *const no[] = {"0", "false", "no", NULL};
    static const char *const yes[] = {"1", "true", "yes", NULL};
    if (level)
        return strcmp(text, level) == 0;
    return text_is(text, no) ? 0 : text_is(text, yes) ? 1 : -1;
}
