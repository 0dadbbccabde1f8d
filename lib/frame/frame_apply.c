/* partreg_frame_apply(): the coding of an existing frame (variables,
 * levels, references, columns, outcome levels) applied to another table,
 * for predictions and margins on new data. Values the model has not seen
 * (a new level, an outcome value outside its levels) are errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
}

static partreg_status levels_copy(partreg_levels *dst, const partreg_levels *src)
{
    memset(dst, 0, sizeof *dst);
    dst->names = calloc(src->n ? src->n : 1, sizeof *dst->names);
    if (!dst->names)
        return PARTREG_ENOMEM;
    dst->n = src->n;
    if (src->values) {
        dst->values = malloc((src->n ? src->n : 1) * sizeof *dst->values);
        if (!dst->values)
            return PARTREG_ENOMEM;
        memcpy(dst->values, src->values, src->n * sizeof *dst->values);
    }
    for (size_t k = 0; k < src->n; k++) {
        size_t len = strlen(src->names[k]) + 1;
        if (!(dst->names[k] = malloc(len)))
            return PARTREG_ENOMEM;
        memcpy(dst->names[k], src->names[k], len);
    }
    return PARTREG_OK;
}

static partreg_status unseen(const partreg_table *t, size_t j, size_t r, const char *what,
                             const partreg_levels *lv, partreg_error *err)
{
    char buf[64], list[200];
    size_t used = 0;
    list[0] = '\0';
    for (size_t k = 0; k < lv->n && used + 1 < sizeof list; k++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", lv->names[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    partreg_frame_cell_text(t, j, r, buf, sizeof buf);
    long line = partreg_table_row_line(t, r);
    return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                "%s '%s' is '%s' on line %ld, a level the model was not fitted "
                                "with (levels: %s)",
                                what, partreg_table_column_name(t, j), buf, line, list);
}

partreg_status partreg_frame_apply(const partreg_frame *fr, const partreg_table *newdata,
                                   partreg_frame **out, partreg_error *err)
{
    partreg_frame *nf = NULL;
    size_t *col = NULL, yj = 0;
    int *lev = NULL;
    partreg_status st;
    if (out)
        *out = NULL;
    if (!fr || !newdata || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_frame_apply: NULL argument");
    const partreg_formula *f = fr->f;
    if ((st = partreg_frame_alloc(f, &nf, err)))
        return st;
    nf->family = fr->family;
    nf->intercept = fr->intercept;
    nf->n_main_terms = fr->n_main_terms;
    if (fr->term_scale) {
        if (!(nf->term_scale = malloc(f->n_terms ? f->n_terms : 1))) {
            st = nomem(err);
            goto cleanup;
        }
        memcpy(nf->term_scale, fr->term_scale, f->n_terms);
    }
    col = malloc((f->n_vars ? f->n_vars : 1) * sizeof *col);
    if (!col || levels_copy(&nf->outcome, &fr->outcome)) {
        st = nomem(err);
        goto cleanup;
    }
    for (size_t v = 0; v < f->n_vars; v++) {
        const partreg_frame_var *src = &fr->vars[v];
        partreg_frame_var *dst = &nf->vars[v];
        if ((st = partreg_table_find_column(newdata, f->vars[v], &col[v], err)))
            goto cleanup;
        dst->categorical = src->categorical;
        dst->from_factor = src->from_factor;
        dst->ref = src->ref;
        if (src->categorical && levels_copy(&dst->lv, &src->lv)) {
            st = nomem(err);
            goto cleanup;
        }
        if (!src->categorical &&
            partreg_table_column_type(newdata, col[v]) != PARTREG_COLUMN_NUMERIC) {
            st = partreg_frame_not_numeric(newdata, col[v], "the model", err);
            goto cleanup;
        }
    }
    /* listwise deletion over the predictors only */
    size_t N = partreg_table_n_rows(newdata), n = 0;
    nf->rows = malloc((N ? N : 1) * sizeof *nf->rows);
    if (!nf->rows) {
        st = nomem(err);
        goto cleanup;
    }
    for (size_t r = 0; r < N; r++) {
        size_t v = 0;
        for (; v < f->n_vars; v++) {
            size_t j = col[v];
            if (partreg_table_column_type(newdata, j) == PARTREG_COLUMN_NUMERIC
                    ? isnan(partreg_table_numeric(newdata, j)[r])
                    : partreg_table_codes(newdata, j)[r] < 0)
                break;
        }
        if (v == f->n_vars)
            nf->rows[n++] = r;
    }
    nf->n = n;
    nf->n_dropped = N - n;
    if (N == 0) {
        st = partreg_error_set(err, PARTREG_ETOOFEW,
                               "%s has no data rows (only a header line); give the rows to "
                               "predict",
                               partreg_table_source(newdata));
        goto cleanup;
    }
    if (n == 0) {
        st = partreg_error_set(err, PARTREG_ETOOFEW,
                               "no complete rows in %s: each of its %zu rows misses a predictor",
                               partreg_table_source(newdata), N);
        goto cleanup;
    }
    for (size_t v = 0; v < f->n_vars; v++) {
        partreg_frame_var *dst = &nf->vars[v];
        if (!dst->categorical) {
            const double *x = partreg_table_numeric(newdata, col[v]);
            if (!(dst->num = malloc(n * sizeof *dst->num))) {
                st = nomem(err);
                goto cleanup;
            }
            for (size_t i = 0; i < n; i++)
                dst->num[i] = x[nf->rows[i]];
            continue;
        }
        size_t bad = 0;
        if (!(dst->lev = malloc(n * sizeof *dst->lev))) {
            st = nomem(err);
            goto cleanup;
        }
        st = partreg_levels_map(newdata, col[v], nf->rows, n, &dst->lv, dst->lev, &bad, err);
        if (st == PARTREG_EDATA)
            st = unseen(newdata, col[v], nf->rows[bad], "predictor", &dst->lv, err);
        if (st)
            goto cleanup;
    }
    if (partreg_table_find_column(newdata, f->response, &yj, NULL) == PARTREG_OK) {
        size_t bad = 0;
        lev = malloc(n * sizeof *lev);
        nf->y = malloc(n * sizeof *nf->y);
        if (!lev || !nf->y) {
            st = nomem(err);
            goto cleanup;
        }
        st = partreg_levels_map(newdata, yj, nf->rows, n, &nf->outcome, lev, &bad, err);
        if (st == PARTREG_EDATA)
            st = unseen(newdata, yj, nf->rows[bad], "outcome", &nf->outcome, err);
        if (st)
            goto cleanup;
        for (size_t i = 0; i < n; i++)
            nf->y[i] = lev[i] < 0 ? NAN : (double)lev[i];
        nf->has_outcome = 1;
    }
    if ((st = partreg_frame_layout(nf, err)) || (st = partreg_frame_build_X(nf, newdata, 0, err)))
        goto cleanup;
    *out = nf;
    nf = NULL;
    partreg_error_clear(err);
cleanup:
    free(col);
    free(lev);
    partreg_frame_free(nf);
    return st;
}
