/* The margins options of an analysis: predictions over at-grids and
 * groups (--at, repeatable; --over), contrasts (--contrast), the profile
 * of predicted probabilities over one variable (--profile), and
 * standardized coefficients (--standardize). The numbers come from
 * lib/inference (partreg_margins.h); this file chooses what to compute
 * from the spec and builds the groups and the profile's grid. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "inference/margins_internal.h"
#include "report/analysis_internal.h"
#include "report/svg.h"

/* Groups one over column may have at most: more are a continuous
 * variable, not groups. */
#define OVER_MAX_GROUPS 1000

/* Set err to status st with "prefix: " before the message it holds. */
static partreg_status prefixed(partreg_error *err, partreg_status st, const char *prefix)
{
    char msg[PARTREG_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof msg, "%s", err ? err->message : "");
    return partreg_error_set(err, st, "%s: %s", prefix, msg);
}

static char *copy_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Shortest %g form of x that reads back exactly. */
static void shortest(double x, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

static partreg_status add_label(partreg_analysis *a, const char *name, const char *value,
                                partreg_error *err)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *label = malloc(len);
    if (!label)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    snprintf(label, len, "%s=%s", name, value);
    a->over_labels[a->n_over++] = label;
    return PARTREG_OK;
}

typedef struct level_order {
    const char *name;
    size_t code;
} level_order;

static int cmp_level(const void *a, const void *b)
{
    return strcmp(((const level_order *)a)->name, ((const level_order *)b)->name);
}

partreg_status partreg_analysis_over_read(partreg_analysis *a, const partreg_table *t,
                                          const char *name, size_t **codes, partreg_error *err)
{
    size_t j, n = partreg_table_n_rows(t);
    *codes = NULL;
    partreg_status st = partreg_table_find_column(t, name, &j, err);
    if (st != PARTREG_OK)
        return prefixed(err, st, "--over");
    if (!(a->over_name = copy_string(name)))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    size_t *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    const double *x = partreg_table_numeric(t, j);
    if (x) {
        double *u = malloc((n ? n : 1) * sizeof *u);
        size_t m = 0;
        if (!u) {
            free(c);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                u[m++] = x[i];
        qsort(u, m, sizeof *u, cmp_double);
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (k == 0 || u[i] != u[k - 1])
                u[k++] = u[i];
        if (k > OVER_MAX_GROUPS) {
            free(u);
            free(c);
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--over %s has %zu distinct values: it groups the rows by "
                                     "its values, so give a variable with few (at most %d), or "
                                     "hold a numeric variable at chosen values with --at",
                                     name, k, OVER_MAX_GROUPS);
        }
        a->over_labels = calloc(k ? k : 1, sizeof *a->over_labels);
        if (!a->over_labels) {
            free(u);
            free(c);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
        char buf[40];
        for (size_t g = 0; g < k; g++) {
            shortest(u[g], buf, sizeof buf);
            if ((st = add_label(a, name, buf, err)) != PARTREG_OK) {
                free(u);
                free(c);
                return st;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i])) {
                c[i] = PARTREG_NO_GROUP;
                continue;
            }
            double *hit = bsearch(&x[i], u, k, sizeof *u, cmp_double);
            c[i] = (size_t)(hit - u);
        }
        free(u);
        *codes = c;
        return PARTREG_OK;
    }
    const int *lv = partreg_table_codes(t, j);
    size_t nl = partreg_table_n_levels(t, j);
    if (nl > OVER_MAX_GROUPS) {
        free(c);
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--over %s has %zu distinct values; give a variable with at "
                                 "most %d",
                                 name, nl, OVER_MAX_GROUPS);
    }
    level_order *ord = malloc((nl ? nl : 1) * sizeof *ord);
    size_t *rank = malloc((nl ? nl : 1) * sizeof *rank);
    a->over_labels = calloc(nl ? nl : 1, sizeof *a->over_labels);
    if (!ord || !rank || !a->over_labels || !lv) {
        free(ord);
        free(rank);
        free(c);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    for (size_t l = 0; l < nl; l++) {
        const char *ln = partreg_table_level_name(t, j, l);
        ord[l] = (level_order){ln ? ln : "", l};
    }
    if (!partreg_table_levels_ordered(t, j))
        qsort(ord, nl, sizeof *ord, cmp_level);
    for (size_t l = 0; l < nl && st == PARTREG_OK; l++) {
        rank[ord[l].code] = l;
        st = add_label(a, name, ord[l].name, err);
    }
    for (size_t i = 0; i < n; i++)
        c[i] = lv[i] < 0 || (size_t)lv[i] >= nl ? PARTREG_NO_GROUP : rank[lv[i]];
    free(ord);
    free(rank);
    if (st != PARTREG_OK) {
        free(c);
        return st;
    }
    *codes = c;
    return PARTREG_OK;
}

partreg_status partreg_analysis_over_map(partreg_analysis *a, const size_t *codes,
                                         partreg_error *err)
{
    size_t n = partreg_frame_n_rows(a->frame);
    const size_t *rows = partreg_frame_row_index(a->frame);
    a->over_group = malloc((n ? n : 1) * sizeof *a->over_group);
    if (!a->over_group)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    a->over_missing = 0;
    for (size_t i = 0; i < n; i++) {
        a->over_group[i] = codes[rows ? rows[i] : i];
        a->over_missing += a->over_group[i] == PARTREG_NO_GROUP;
    }
    /* groups without any row used are dropped, keeping the order */
    size_t *used = calloc(a->n_over ? a->n_over : 1, sizeof *used);
    if (!used)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (a->over_group[i] != PARTREG_NO_GROUP)
            used[a->over_group[i]] = 1;
    size_t k = 0;
    for (size_t g = 0; g < a->n_over; g++) {
        if (!used[g]) {
            free(a->over_labels[g]);
            used[g] = PARTREG_NO_GROUP;
            continue;
        }
        a->over_labels[k] = a->over_labels[g];
        used[g] = k++;
    }
    a->n_over = k;
    for (size_t i = 0; i < n; i++)
        if (a->over_group[i] != PARTREG_NO_GROUP)
            a->over_group[i] = used[a->over_group[i]];
    free(used);
    if (k == 0)
        return partreg_error_set(err, PARTREG_EDATA,
                                 "--over %s is missing in every row the model uses", a->over_name);
    return PARTREG_OK;
}

/* The profile's grid: "nice" values (1, 2, 2.5 or 5 times a power of ten
 * apart, about 10 intervals: svg_scale_linear) within the range of a
 * numeric variable among the rows used, or each level of a categorical
 * one. */
static partreg_status profile_grid(partreg_analysis *a, const char *name, partreg_error *err)
{
    size_t v;
    partreg_status st = partreg_frame_find_variable(a->frame, name, &v, err);
    if (st != PARTREG_OK)
        return prefixed(err, st, "--profile");
    partreg_at_grid *g = calloc(1, sizeof *g);
    if (!g)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    a->profile_grid = g;
    int cat = partreg_frame_variable_is_categorical(a->frame, v);
    double lo = INFINITY, hi = -INFINITY;
    svg_scale sc;
    if (!cat) {
        const double *x = partreg_frame_variable_values(a->frame, v);
        for (size_t i = 0; i < partreg_frame_n_rows(a->frame); i++) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
        svg_scale_linear(&sc, lo, hi, 0.0, 1.0, 10, 0);
        if (sc.n_ticks < 2) { /* a constant variable: its value */
            sc.n_ticks = 1;
            sc.ticks[0] = lo;
        }
    }
    size_t m = cat ? partreg_frame_variable_n_levels(a->frame, v) : sc.n_ticks;
    g->first = malloc(m * sizeof *g->first);
    g->count = malloc(m * sizeof *g->count);
    g->set = calloc(m, sizeof *g->set);
    if (!g->first || !g->count || !g->set || !(a->profile_var = copy_string(name)))
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t c = 0; c < m; c++) {
        g->first[c] = c;
        g->count[c] = 1;
        g->set[c].variable = v;
        if (cat)
            g->set[c].level = c;
        else
            g->set[c].value = sc.ticks[c];
    }
    g->n_cells = m;
    return PARTREG_OK;
}

partreg_status partreg_analysis_margins_run(partreg_analysis *a, const partreg_analysis_spec *s,
                                            partreg_error *err)
{
    partreg_status st;
    partreg_margins_options mo = partreg_margins_options_default();
    mo.level = a->conf_level;
    mo.prob_ci = s->prob_ci;
    if (a->over_group) {
        mo.group = a->over_group;
        mo.n_groups = a->n_over;
        mo.group_labels = (const char *const *)a->over_labels;
    }
    size_t n_texts = (s->at ? 1 : 0) + s->n_at;
    if (n_texts) {
        const char **texts = malloc(n_texts * sizeof *texts);
        if (!texts)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        size_t k = 0;
        if (s->at)
            texts[k++] = s->at;
        for (size_t t = 0; t < s->n_at; t++)
            texts[k++] = s->at_list[t];
        st = partreg_at_grid_parse(a->frame, texts, n_texts, &a->at_grid, err);
        free(texts);
        if (st != PARTREG_OK)
            return prefixed(err, st, "--at");
    }
    if (s->margins) {
        st = a->over_group ? partreg_margins_ame_groups(a->fit, a->frame, &mo, &a->margins, err)
                           : partreg_margins_ame(a->fit, a->frame, a->conf_level, &a->margins,
                                                 err);
        if (st != PARTREG_OK)
            return st;
    }
    if (a->at_grid || (a->over_group && !s->margins)) {
        st = partreg_margins_predict(a->fit, a->frame, a->at_grid, &mo, &a->margins_at, err);
        if (st != PARTREG_OK)
            return st;
    }
    if (s->contrast) {
        const partreg_margins *base = a->margins_at ? a->margins_at : a->margins;
        if (!base || (base == a->margins && !a->over_group))
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--contrast compares predictions: give --at with several "
                                     "values (e.g. --at \"age=20(20)80\") or groups with --over "
                                     "(with --margins, the effects of each group)");
        st = partreg_margins_contrast(base, (partreg_contrast_type)(s->contrast - 1),
                                      &a->contrasts, err);
        if (st != PARTREG_OK)
            return st;
    }
    if (s->profile) {
        if ((st = profile_grid(a, s->profile, err)) != PARTREG_OK)
            return st;
        st = partreg_margins_predict(a->fit, a->frame, a->profile_grid, &mo, &a->profile, err);
        if (st != PARTREG_OK)
            return st;
    }
    if (s->standardize) {
        size_t K = partreg_fit_n_parameters(a->fit);
        partreg_data d;
        partreg_frame_data(a->frame, &d);
        a->standardized = calloc(K ? K : 1, sizeof *a->standardized);
        if (!a->standardized)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        st = partreg_fit_standardize(a->fit, &d, a->survey == NULL, a->standardized,
                                     &a->sd_latent, err);
        if (st != PARTREG_OK)
            return st;
    }
    return PARTREG_OK;
}

void partreg_analysis_margins_free(partreg_analysis *a)
{
    partreg_at_grid_free(a->at_grid);
    partreg_margins_free(a->contrasts);
    partreg_margins_free(a->profile);
    partreg_at_grid_free(a->profile_grid);
    free(a->profile_var);
    free(a->over_name);
    free(a->over_group);
    if (a->over_labels)
        for (size_t g = 0; g < a->n_over; g++)
            free(a->over_labels[g]);
    free(a->over_labels);
    free(a->standardized);
}

const partreg_margins *partreg_analysis_predictions(const partreg_analysis *a)
{
    return a ? a->margins_at : NULL;
}

const partreg_margins *partreg_analysis_contrasts(const partreg_analysis *a)
{
    return a ? a->contrasts : NULL;
}

const partreg_margins *partreg_analysis_profile(const partreg_analysis *a, const char **variable)
{
    if (variable)
        *variable = a ? a->profile_var : NULL;
    return a ? a->profile : NULL;
}

const partreg_at_grid *partreg_analysis_profile_grid(const partreg_analysis *a)
{
    return a ? a->profile_grid : NULL;
}

const partreg_at_grid *partreg_analysis_at_grid(const partreg_analysis *a)
{
    return a ? a->at_grid : NULL;
}
