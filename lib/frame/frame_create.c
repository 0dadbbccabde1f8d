/* partreg_frame_create(): resolve the formula's columns in a table, decide
 * each variable's role (number or categorical), drop rows with a missing
 * value in any variable used (listwise deletion), code the outcome, the
 * predictors' levels and references, weights and clusters, then lay out and
 * fill the design matrix (frame_design.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/family.h"
#include "data/table_internal.h"
#include "frame/frame_internal.h"

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
}

static int cell_missing(const partreg_table *t, size_t j, size_t r)
{
    if (partreg_table_column_type(t, j) == PARTREG_COLUMN_NUMERIC)
        return isnan(partreg_table_numeric(t, j)[r]);
    return partreg_table_codes(t, j)[r] < 0;
}

/* A text column whose non-missing cells are mostly numbers (the reader
 * types a column as text when a single cell is not a finite number: a
 * typo, "inf", "nan", 1e999): used as a plain term, it is refused rather
 * than silently turned into one dummy per distinct number. factor(x) says
 * the user wants it categorical. */
static partreg_status check_mostly_numeric(const partreg_table *t, size_t j, const char *var,
                                           partreg_error *err)
{
    long line = 0;
    const char *value = NULL;
    size_t n_numeric = 0, n_present = 0, n = partreg_table_n_rows(t);
    if (!partreg_table_first_non_numeric(t, j, &line, &value, &n_numeric))
        return PARTREG_OK;
    const int *codes = partreg_table_codes(t, j);
    for (size_t r = 0; r < n; r++)
        n_present += codes[r] >= 0;
    if (2 * n_numeric <= n_present)
        return PARTREG_OK;
    return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                "column '%s' holds numbers but line %ld has '%s', which is not "
                                "a finite number (%zu of its %zu values are); fix that value, "
                                "mark it as missing (--na), or write factor(%s) to use the "
                                "column as categorical",
                                partreg_table_column_name(t, j), line, value, n_numeric,
                                n_present, var);
}

/* Role of each variable from how the formula uses it and the column type. */
static partreg_status assign_roles(partreg_frame *fr, const partreg_table *t, const size_t *col,
                                   partreg_error *err)
{
    const partreg_formula *f = fr->f;
    for (size_t v = 0; v < f->n_vars; v++) {
        const partreg_atom *as_factor = NULL, *as_number = NULL, *in_expr = NULL;
        for (size_t a = 0; a < f->n_atoms; a++) {
            const partreg_atom *at = &f->atoms[a];
            if (at->kind == PARTREG_ATOM_EXPR) {
                if (!in_expr && partreg_expr_uses(&at->expr, v))
                    in_expr = at;
            } else if (at->var == v) {
                if (at->kind == PARTREG_ATOM_FACTOR)
                    as_factor = at;
                else
                    as_number = at;
            }
        }
        partreg_frame_var *fv = &fr->vars[v];
        if (partreg_table_column_type(t, col[v]) == PARTREG_COLUMN_CATEGORICAL) {
            if (in_expr) {
                char usage[PARTREG_ERROR_MESSAGE_SIZE / 2];
                snprintf(usage, sizeof usage, "'%s'", in_expr->text);
                return partreg_frame_not_numeric(t, col[v], usage, err);
            }
            if (as_number && !as_factor) {
                partreg_status st = check_mostly_numeric(t, col[v], f->vars[v], err);
                if (st)
                    return st;
            }
            fv->categorical = 1;
        } else if (as_factor && (as_number || in_expr)) {
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "'%s' is used both as a number ('%s') and as a factor "
                                     "('%s'); use one or the other",
                                     f->vars[v], as_number ? f->vars[v] : in_expr->text,
                                     as_factor->text);
        } else {
            fv->categorical = as_factor != NULL;
            fv->from_factor = as_factor != NULL;
        }
    }
    return PARTREG_OK;
}

/* Rows with every used column present. */
static partreg_status listwise(partreg_frame *fr, const partreg_table *t, const size_t *used,
                               size_t n_used, partreg_error *err)
{
    size_t N = partreg_table_n_rows(t), n = 0;
    fr->rows = malloc((N ? N : 1) * sizeof *fr->rows);
    unsigned char *present = malloc(N ? N : 1);
    if (!fr->rows || !present) {
        free(present);
        return nomem(err);
    }
    /* column by column (one type check and pointer per column, not per
     * cell); the same rows as testing each row's cells in turn */
    memset(present, 1, N);
    for (size_t k = 0; k < n_used; k++) {
        if (partreg_table_column_type(t, used[k]) == PARTREG_COLUMN_NUMERIC) {
            const double *x = partreg_table_numeric(t, used[k]);
            for (size_t r = 0; r < N; r++)
                if (isnan(x[r]))
                    present[r] = 0;
        } else {
            const int *c = partreg_table_codes(t, used[k]);
            for (size_t r = 0; r < N; r++)
                if (c[r] < 0)
                    present[r] = 0;
        }
    }
    for (size_t r = 0; r < N; r++) {
        fr->rows[n] = r;
        n += present[r];
    }
    free(present);
    fr->n = n;
    fr->n_dropped = N - n;
    if (N == 0)
        return partreg_error_set(err, PARTREG_ETOOFEW,
                                 "%s has no data rows (only a header line)",
                                 partreg_table_source(t));
    if (n == 0) {
        /* name a column that is missing on every row, the usual cause */
        for (size_t k = 0; k < n_used; k++) {
            size_t r = 0;
            while (r < N && cell_missing(t, used[k], r))
                r++;
            if (r == N)
                return partreg_error_set(err, PARTREG_ETOOFEW,
                                         "no rows left: column '%s' is missing on all %zu rows "
                                         "of %s",
                                         partreg_table_column_name(t, used[k]), N,
                                         partreg_table_source(t));
        }
        return partreg_error_set(err, PARTREG_ETOOFEW,
                                 "no rows left: each of the %zu rows of %s has a missing value "
                                 "in a column the model uses",
                                 N, partreg_table_source(t));
    }
    return PARTREG_OK;
}

static partreg_status set_references(partreg_frame *fr, const partreg_frame_options *opt,
                                     partreg_error *err)
{
    const partreg_formula *f = fr->f;
    for (size_t k = 0; k < opt->n_refs; k++) {
        const char *var = opt->ref_variables ? opt->ref_variables[k] : NULL;
        const char *lev = opt->ref_levels ? opt->ref_levels[k] : NULL;
        if (!var || !lev)
            return partreg_error_set(err, PARTREG_EINVAL, "reference %zu has a NULL variable "
                                     "or level", k + 1);
        size_t v = 0;
        while (v < f->n_vars && strcmp(f->vars[v], var) != 0)
            v++;
        if (v == f->n_vars)
            return partreg_error_set(err, PARTREG_ENOTFOUND,
                                     "--ref %s=%s: '%s' is not a variable of the model '%s'",
                                     var, lev, var, f->text);
        partreg_frame_var *fv = &fr->vars[v];
        if (!fv->categorical)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--ref %s=%s: '%s' is numeric; use factor(%s) in the "
                                     "formula to treat it as categorical",
                                     var, lev, var, var);
        size_t L = 0;
        while (L < fv->lv.n && strcmp(fv->lv.names[L], lev) != 0)
            L++;
        if (L == fv->lv.n) {
            char list[256];
            size_t used = 0;
            list[0] = '\0';
            for (size_t m = 0; m < fv->lv.n && used + 1 < sizeof list; m++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", m ? ", " : "",
                                 fv->lv.names[m]);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            return partreg_error_set(err, PARTREG_ENOTFOUND,
                                     "--ref %s=%s: '%s' has no level '%s' in the rows used "
                                     "(levels: %s)",
                                     var, lev, var, lev, list);
        }
        fv->ref = L;
    }
    return PARTREG_OK;
}

/* Column j is used by no other role than variable v: not the outcome,
 * weights, clusters or another variable (the last cannot happen: variable
 * names are distinct). */
static int column_only_variable(size_t j, const size_t *used, size_t n_used)
{
    size_t uses = 0;
    for (size_t k = 0; k < n_used; k++)
        uses += used[k] == j;
    return uses == 1;
}

/* Numeric variables get a copy of their column over the rows used; when
 * `owned` (the same table, which the caller frees right after) is given,
 * no row was dropped and the column serves this variable alone, the
 * column's array itself is taken instead of copied. */
static partreg_status code_variables(partreg_frame *fr, const partreg_table *t,
                                     partreg_table *owned, const size_t *col, const size_t *used,
                                     size_t n_used, partreg_error *err)
{
    size_t n = fr->n;
    for (size_t v = 0; v < fr->f->n_vars; v++) {
        partreg_frame_var *fv = &fr->vars[v];
        if (!fv->categorical) {
            const double *x = partreg_table_numeric(t, col[v]);
            if (owned && n == partreg_table_n_rows(t) && n > 0 &&
                column_only_variable(col[v], used, n_used) &&
                (fv->num = partreg_table_take_numeric(owned, col[v])) != NULL)
                continue;
            fv->num = malloc((n ? n : 1) * sizeof *fv->num);
            if (!fv->num)
                return nomem(err);
            if (n == partreg_table_n_rows(t)) /* no row dropped: rows[i] == i */
                memcpy(fv->num, x, n * sizeof *fv->num);
            else
                for (size_t i = 0; i < n; i++)
                    fv->num[i] = x[fr->rows[i]];
            continue;
        }
        partreg_status st = partreg_levels_observed(t, col[v], fr->rows, n, &fv->lv, err);
        if (st)
            return st;
        fv->lev = malloc((n ? n : 1) * sizeof *fv->lev);
        if (!fv->lev)
            return nomem(err);
        size_t bad;
        st = partreg_levels_map(t, col[v], fr->rows, n, &fv->lv, fv->lev, &bad, err);
        if (st) /* every observed value is a level: only ENOMEM is possible */
            return st == PARTREG_EDATA ? partreg_error_set(err, PARTREG_EDATA,
                                                           "internal level mismatch in '%s'",
                                                           fr->f->vars[v])
                                       : st;
    }
    return PARTREG_OK;
}

static partreg_status code_weights(partreg_frame *fr, const partreg_table *t, size_t j,
                                   partreg_error *err)
{
    if (partreg_table_column_type(t, j) != PARTREG_COLUMN_NUMERIC)
        return partreg_frame_not_numeric(t, j, "--weights", err);
    const double *x = partreg_table_numeric(t, j);
    fr->w = malloc((fr->n ? fr->n : 1) * sizeof *fr->w);
    if (!fr->w)
        return nomem(err);
    for (size_t i = 0; i < fr->n; i++) {
        double w = x[fr->rows[i]];
        if (!(w >= 0.0) || !isfinite(w)) {
            long line = partreg_table_row_line(t, fr->rows[i]);
            return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                        "weight '%s' is %g on line %ld; case weights must be "
                                        "finite and >= 0",
                                        partreg_table_column_name(t, j), w, line);
        }
        if (w > 0.0 && w < DBL_MIN) {
            long line = partreg_table_row_line(t, fr->rows[i]);
            return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                        "weight '%s' is %g on line %ld, below the smallest "
                                        "normal double (%g): too small to carry a likelihood; "
                                        "multiply every weight by the same constant",
                                        partreg_table_column_name(t, j), w, line, DBL_MIN);
        }
        fr->w[i] = w;
    }
    return PARTREG_OK;
}

/* Cluster ids 0..G-1 in order of first appearance. */
static partreg_status code_clusters(partreg_frame *fr, const partreg_table *t, size_t j,
                                    partreg_error *err)
{
    partreg_levels lv;
    int *lev = NULL;
    long *remap = NULL;
    partreg_status st = partreg_levels_observed(t, j, fr->rows, fr->n, &lv, err);
    if (st)
        return st;
    lev = malloc((fr->n ? fr->n : 1) * sizeof *lev);
    remap = malloc((lv.n ? lv.n : 1) * sizeof *remap);
    fr->cluster = malloc((fr->n ? fr->n : 1) * sizeof *fr->cluster);
    if (!lev || !remap || !fr->cluster) {
        st = nomem(err);
        goto cleanup;
    }
    size_t bad;
    if ((st = partreg_levels_map(t, j, fr->rows, fr->n, &lv, lev, &bad, err)))
        goto cleanup;
    for (size_t k = 0; k < lv.n; k++)
        remap[k] = -1;
    size_t G = 0;
    for (size_t i = 0; i < fr->n; i++) {
        if (remap[lev[i]] < 0)
            remap[lev[i]] = (long)G++;
        fr->cluster[i] = (size_t)remap[lev[i]];
    }
    fr->n_clusters = G;
cleanup:
    free(lev);
    free(remap);
    partreg_levels_clear(&lv);
    return st;
}

/* The random intercept's groups 0..G-1 in level order (numeric order for
 * numbers, byte order for text, code order for labelled columns), so that
 * the groups do not depend on the order of the rows. */
static partreg_status code_groups(partreg_frame *fr, const partreg_table *t, size_t j,
                                  partreg_error *err)
{
    int *lev = NULL;
    partreg_status st = partreg_levels_observed(t, j, fr->rows, fr->n, &fr->group_levels, err);
    if (st)
        return st;
    lev = malloc((fr->n ? fr->n : 1) * sizeof *lev);
    fr->group = malloc((fr->n ? fr->n : 1) * sizeof *fr->group);
    if (!lev || !fr->group) {
        free(lev);
        return nomem(err);
    }
    size_t bad;
    if ((st = partreg_levels_map(t, j, fr->rows, fr->n, &fr->group_levels, lev, &bad, err)) ==
        PARTREG_OK)
        for (size_t i = 0; i < fr->n; i++)
            fr->group[i] = (size_t)lev[i];
    free(lev);
    return st;
}

static partreg_status choose_family(partreg_frame *fr, const partreg_table *t, size_t j,
                                    const partreg_frame_options *opt, partreg_error *err)
{
    size_t J = fr->outcome.n;
    const char *name = partreg_table_column_name(t, j);
    if (J < 2)
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "the outcome '%s' takes a single value ('%s') in the %zu rows "
                                 "used; a model needs at least two",
                                 name, J ? fr->outcome.names[0] : "", fr->n);
    fr->family = opt->family_auto ? partreg_family_for_levels(J) : opt->family;
    const partreg_family_traits *ft = partreg_family_traits_of(fr->family);
    const char *article = strchr("aeiou", ft->name[0]) ? "an" : "a";
    const char *other = partreg_family_traits_of(partreg_family_for_levels(J))->name;
    if (J > ft->max_levels) {
        char range[48];
        if (ft->min_levels == ft->max_levels)
            snprintf(range, sizeof range, "%zu", ft->max_levels);
        else
            snprintf(range, sizeof range, "at most %zu", ft->max_levels);
        return partreg_error_set(err, PARTREG_EDATA,
                                 "%s %s model needs an outcome with %s levels; '%s' has %zu "
                                 "(%s, %s, ...); use --family %s, or recode it",
                                 article, ft->name, range, name, J, fr->outcome.names[0],
                                 fr->outcome.names[1], other);
    }
    /* an outcome that looks continuous: see partreg_frame_options.many_levels */
    if (ft->thresholds && opt->n_levels == 0 && !opt->many_levels &&
        (J > 50 || (J > 10 && 5 * J > fr->n)))
        return partreg_error_set(err, PARTREG_EDATA,
                                 "the outcome '%s' has %zu distinct values in %zu rows: it looks "
                                 "continuous, and an ordinal model would estimate %zu "
                                 "thresholds; recode it into categories, or give --many-levels "
                                 "(or list the levels with --levels) to fit it as ordinal",
                                 name, J, fr->n, J - 1);
    if (J < ft->min_levels)
        return partreg_error_set(err, PARTREG_EONECLASS,
                                 "%s %s model needs an outcome with at least %zu levels; "
                                 "'%s' has %zu (%s, %s); use --family %s",
                                 article, ft->name, ft->min_levels, name, J, fr->outcome.names[0],
                                 fr->outcome.names[1], other);
    return PARTREG_OK;
}

static partreg_status frame_create(const partreg_table *table, partreg_table *owned,
                                   const partreg_formula *f, const partreg_frame_options *opt,
                                   partreg_frame **out, partreg_error *err)
{
    partreg_frame_options defaults = partreg_frame_options_default();
    partreg_frame *fr = NULL;
    size_t *col = NULL, *used = NULL, n_used = 0, yj = 0, wj = 0, cj = 0, gj = 0;
    partreg_status st;
    if (out)
        *out = NULL;
    if (!table || !f || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_frame_create: NULL argument");
    if (!opt)
        opt = &defaults;
    if (opt->n_levels > 0 && !opt->levels)
        return partreg_error_set(err, PARTREG_EINVAL, "n_levels is %zu but levels is NULL",
                                 opt->n_levels);
    if (!opt->family_auto && !partreg_family_traits_of(opt->family))
        return partreg_error_set(err, PARTREG_EINVAL, "invalid family %d", (int)opt->family);
    /* scale terms that the formula does not have join it as terms of
     * their own (frame_parts.c) */
    partreg_formula *with_scale = NULL;
    unsigned char *term_scale = NULL;
    size_t n_main = f->n_terms;
    if (opt->scale) {
        if ((st = partreg_formula_add_scale(f, opt->scale, &with_scale, &term_scale, err)))
            return st;
        f = with_scale;
    }
    if ((st = partreg_frame_alloc(f, &fr, err))) {
        partreg_formula_free(with_scale);
        free(term_scale);
        return st;
    }
    fr->n_main_terms = n_main;
    fr->term_scale = term_scale;
    col = calloc(f->n_vars ? f->n_vars : 1, sizeof *col);
    used = malloc((f->n_vars + 4) * sizeof *used);
    if (!col || !used) {
        st = nomem(err);
        goto cleanup;
    }
    if ((st = partreg_table_find_column(table, f->response, &yj, err)))
        goto cleanup;
    used[n_used++] = yj;
    for (size_t v = 0; v < f->n_vars; v++) {
        if ((st = partreg_table_find_column(table, f->vars[v], &col[v], err)))
            goto cleanup;
        used[n_used++] = col[v];
    }
    if (opt->weights) {
        if ((st = partreg_table_find_column(table, opt->weights, &wj, err)))
            goto cleanup;
        used[n_used++] = wj;
    }
    if (opt->cluster) {
        if ((st = partreg_table_find_column(table, opt->cluster, &cj, err)))
            goto cleanup;
        used[n_used++] = cj;
    }
    if (f->group) {
        if ((st = partreg_table_find_column(table, f->group, &gj, err)))
            goto cleanup;
        used[n_used++] = gj;
    }
    if ((st = partreg_frame_survey_find(fr, table, opt, &used, &n_used, err)))
        goto cleanup;
    if ((st = assign_roles(fr, table, col, err)))
        goto cleanup;
    if (opt->weights && partreg_table_column_type(table, wj) != PARTREG_COLUMN_NUMERIC) {
        st = partreg_frame_not_numeric(table, wj, "--weights", err);
        goto cleanup;
    }
    if ((st = listwise(fr, table, used, n_used, err)) ||
        (st = partreg_frame_outcome(fr, table, yj, opt, err)) ||
        (st = choose_family(fr, table, yj, opt, err)) ||
        (st = code_variables(fr, table, owned, col, used, n_used, err)) ||
        (st = set_references(fr, opt, err)))
        goto cleanup;
    if (opt->weights && (st = code_weights(fr, table, wj, err)))
        goto cleanup;
    if (opt->cluster && (st = code_clusters(fr, table, cj, err)))
        goto cleanup;
    if (f->group && (st = code_groups(fr, table, gj, err)))
        goto cleanup;
    if ((st = partreg_frame_survey_code(fr, table, opt, err)))
        goto cleanup;
    fr->has_outcome = 1;
    /* cut points take the intercept's place */
    fr->intercept = !partreg_family_traits_of(fr->family)->thresholds && f->has_intercept;
    if ((st = partreg_frame_layout(fr, err)) ||
        (st = partreg_frame_build_X(fr, table, opt->threads, err)))
        goto cleanup;
    *out = fr;
    fr = NULL;
    partreg_error_clear(err);
cleanup:
    free(col);
    free(used);
    partreg_frame_free(fr);
    partreg_formula_free(with_scale);
    return st;
}

partreg_status partreg_frame_create(const partreg_table *table, const partreg_formula *f,
                                    const partreg_frame_options *opt, partreg_frame **out,
                                    partreg_error *err)
{
    return frame_create(table, NULL, f, opt, out, err);
}

partreg_status partreg_frame_create_taking(partreg_table *table, const partreg_formula *f,
                                           const partreg_frame_options *opt, partreg_frame **out,
                                           partreg_error *err)
{
    return frame_create(table, table, f, opt, out, err);
}
