/* partreg_frame: options, lifetime and read-only accessors (the frame is
 * built in frame_create.c and frame_apply.c). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"

partreg_frame_options partreg_frame_options_default(void)
{
    partreg_frame_options o;
    memset(&o, 0, sizeof o);
    o.family_auto = 1;
    o.family = PARTREG_BINARY;
    return o;
}

partreg_status partreg_frame_alloc(const partreg_formula *f, partreg_frame **out,
                                   partreg_error *err)
{
    *out = NULL;
    partreg_frame *fr = calloc(1, sizeof *fr);
    if (!fr)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
    /* The frame keeps its own formula: re-parsing the text is the simplest
     * deep copy, and the text parsed once already. */
    partreg_status st = partreg_formula_parse(f->text, &fr->f, err);
    if (!st) {
        fr->vars = calloc(f->n_vars ? f->n_vars : 1, sizeof *fr->vars);
        fr->terms = calloc(f->n_terms ? f->n_terms : 1, sizeof *fr->terms);
        fr->n_main_terms = f->n_terms;
        if (!fr->vars || !fr->terms)
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
    }
    if (st) {
        partreg_frame_free(fr);
        return st;
    }
    *out = fr;
    return PARTREG_OK;
}

void partreg_frame_free(partreg_frame *fr)
{
    if (!fr)
        return;
    if (fr->vars && fr->f)
        for (size_t v = 0; v < fr->f->n_vars; v++) {
            partreg_levels_clear(&fr->vars[v].lv);
            free(fr->vars[v].num);
            free(fr->vars[v].lev);
            free(fr->vars[v].cols);
        }
    free(fr->vars);
    free(fr->terms);
    free(fr->term_scale);
    if (fr->col_names)
        for (size_t j = 0; j < fr->p; j++)
            free(fr->col_names[j]);
    free(fr->col_names);
    free(fr->col_term);
    partreg_levels_clear(&fr->outcome);
    free(fr->X);
    free(fr->y);
    free(fr->w);
    free(fr->cluster);
    free(fr->group);
    partreg_levels_clear(&fr->group_levels);
    free(fr->rows);
    partreg_frame_survey_free(fr->survey);
    partreg_formula_free(fr->f);
    free(fr);
}

void partreg_frame_data(const partreg_frame *fr, partreg_data *out)
{
    memset(out, 0, sizeof *out);
    out->n = fr->n;
    out->p = fr->p;
    out->X = fr->X;
    out->ldx = fr->p;
    out->y = fr->has_outcome ? fr->y : NULL;
    out->w = fr->w;
    out->n_levels = fr->outcome.n;
    out->column_names = (const char *const *)fr->col_names;
    out->level_names = (const char *const *)fr->outcome.names;
}

partreg_family partreg_frame_family(const partreg_frame *fr)
{
    return fr->family;
}

size_t partreg_frame_n_rows(const partreg_frame *fr)
{
    return fr->n;
}

size_t partreg_frame_n_dropped(const partreg_frame *fr)
{
    return fr->n_dropped;
}

const size_t *partreg_frame_row_index(const partreg_frame *fr)
{
    return fr->rows;
}

int partreg_frame_has_intercept(const partreg_frame *fr)
{
    return fr->intercept;
}

int partreg_frame_has_outcome(const partreg_frame *fr)
{
    return fr->has_outcome;
}

size_t partreg_frame_n_columns(const partreg_frame *fr)
{
    return fr->p;
}

const char *partreg_frame_column_name(const partreg_frame *fr, size_t j)
{
    return j < fr->p ? fr->col_names[j] : NULL;
}

long partreg_frame_column_term(const partreg_frame *fr, size_t j)
{
    return j < fr->p ? fr->col_term[j] : -1;
}

size_t partreg_frame_n_terms(const partreg_frame *fr)
{
    return fr->f->n_terms;
}

const char *partreg_frame_term_label(const partreg_frame *fr, size_t k)
{
    return partreg_formula_term_label(fr->f, k);
}

size_t partreg_frame_n_levels(const partreg_frame *fr)
{
    return fr->outcome.n;
}

const char *partreg_frame_level_name(const partreg_frame *fr, size_t k)
{
    return k < fr->outcome.n ? fr->outcome.names[k] : NULL;
}

const char *partreg_frame_response(const partreg_frame *fr)
{
    return fr->f->response;
}

const double *partreg_frame_weights(const partreg_frame *fr)
{
    return fr->w;
}

const size_t *partreg_frame_clusters(const partreg_frame *fr, size_t *n_clusters)
{
    if (n_clusters)
        *n_clusters = fr->n_clusters;
    return fr->cluster;
}

const size_t *partreg_frame_groups(const partreg_frame *fr, size_t *n_groups)
{
    if (n_groups)
        *n_groups = fr->group ? fr->group_levels.n : 0;
    return fr->group;
}

const char *partreg_frame_group_variable(const partreg_frame *fr)
{
    return fr->f->group;
}

const char *partreg_frame_group_label(const partreg_frame *fr, size_t g)
{
    return fr->group && g < fr->group_levels.n ? fr->group_levels.names[g] : NULL;
}

int partreg_frame_has_survey(const partreg_frame *fr) { return fr && fr->survey; }

const double *partreg_frame_sampling_weights(const partreg_frame *fr)
{
    return fr->survey ? fr->survey->sw : NULL;
}

const size_t *partreg_frame_strata(const partreg_frame *fr, size_t *n_codes)
{
    const size_t *s = fr->survey ? fr->survey->strata : NULL;
    if (n_codes)
        *n_codes = s ? fr->survey->strata_lv.n : 0;
    return s;
}

const char *partreg_frame_stratum_name(const partreg_frame *fr, size_t h)
{
    if (!fr->survey || !fr->survey->strata || h >= fr->survey->strata_lv.n)
        return NULL;
    return fr->survey->strata_lv.names[h];
}

const size_t *partreg_frame_psu(const partreg_frame *fr, size_t *n_codes)
{
    const size_t *p = fr->survey ? fr->survey->psu : NULL;
    if (n_codes)
        *n_codes = p ? fr->survey->n_psu_codes : 0;
    return p;
}

const double *partreg_frame_fpc(const partreg_frame *fr)
{
    return fr->survey ? fr->survey->fpc : NULL;
}

const unsigned char *partreg_frame_subpop(const partreg_frame *fr)
{
    return fr->survey ? fr->survey->domain : NULL;
}

const double *partreg_frame_replicate_weights(const partreg_frame *fr, size_t *R)
{
    const double *w = fr->survey ? fr->survey->repw : NULL;
    if (R)
        *R = w ? fr->survey->n_rep : 0;
    return w;
}

const char *partreg_frame_replicate_name(const partreg_frame *fr, size_t r)
{
    if (!fr->survey || !fr->survey->rep_names || r >= fr->survey->n_rep)
        return NULL;
    return fr->survey->rep_names[r];
}

size_t partreg_frame_n_variables(const partreg_frame *fr)
{
    return fr->f->n_vars;
}

const char *partreg_frame_variable_name(const partreg_frame *fr, size_t v)
{
    return partreg_formula_variable(fr->f, v);
}

partreg_status partreg_frame_find_variable(const partreg_frame *fr, const char *name, size_t *v,
                                           partreg_error *err)
{
    if (!fr || !name || !v)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_frame_find_variable: NULL argument");
    for (size_t k = 0; k < fr->f->n_vars; k++)
        if (strcmp(fr->f->vars[k], name) == 0) {
            *v = k;
            partreg_error_clear(err);
            return PARTREG_OK;
        }
    return partreg_error_set(err, PARTREG_ENOTFOUND, "'%s' is not a variable of the model '%s'",
                             name, fr->f->text);
}

int partreg_frame_variable_is_categorical(const partreg_frame *fr, size_t v)
{
    return v < fr->f->n_vars ? fr->vars[v].categorical : 0;
}

size_t partreg_frame_variable_n_levels(const partreg_frame *fr, size_t v)
{
    return v < fr->f->n_vars && fr->vars[v].categorical ? fr->vars[v].lv.n : 0;
}

const char *partreg_frame_variable_level_name(const partreg_frame *fr, size_t v, size_t k)
{
    if (v >= fr->f->n_vars || !fr->vars[v].categorical || k >= fr->vars[v].lv.n)
        return NULL;
    return fr->vars[v].lv.names[k];
}

size_t partreg_frame_variable_reference(const partreg_frame *fr, size_t v)
{
    return v < fr->f->n_vars && fr->vars[v].categorical ? fr->vars[v].ref : 0;
}

const size_t *partreg_frame_variable_columns(const partreg_frame *fr, size_t v, size_t *n_cols)
{
    if (v >= fr->f->n_vars) {
        if (n_cols)
            *n_cols = 0;
        return NULL;
    }
    if (n_cols)
        *n_cols = fr->vars[v].n_cols;
    return fr->vars[v].cols;
}

const double *partreg_frame_variable_values(const partreg_frame *fr, size_t v)
{
    return v < fr->f->n_vars ? fr->vars[v].num : NULL;
}

const int *partreg_frame_variable_levels(const partreg_frame *fr, size_t v)
{
    return v < fr->f->n_vars ? fr->vars[v].lev : NULL;
}
