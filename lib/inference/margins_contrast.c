/* Contrasts of predictive margins and of marginal effects (Stata's
 * `margins r.x` and `pwcompare`, R's emmeans::contrast() on the response
 * scale): differences of two entries of a margins list, with the
 * delta-method standard error sqrt((g_b - g_a)' V (g_b - g_a)) from the
 * entries' gradients and the covariance they were computed under, both
 * kept in the list. No multiplicity adjustment. docs/methods_margins.md
 * writes the rules out. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/error.h"
#include "inference/margins_internal.h"

/* "b - a" of two labels (malloc). */
static char *difference_label(const char *b, const char *a)
{
    size_t len = strlen(a) + strlen(b) + 4;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s - %s", b, a);
    return s;
}

/* The pairs to compare among n items: reference (i, 0) for i >= 1, or
 * every (a, b) with a < b. */
static size_t n_pairs(partreg_contrast_type type, size_t n)
{
    return type == PARTREG_CONTRAST_REFERENCE ? n - 1 : n * (n - 1) / 2;
}

static void pair(partreg_contrast_type type, size_t n, size_t k, size_t *a, size_t *b)
{
    if (type == PARTREG_CONTRAST_REFERENCE) {
        *a = 0;
        *b = k + 1;
        return;
    }
    size_t i = 0;
    while (k >= n - 1 - i) {
        k -= n - 1 - i;
        i++;
    }
    *a = i;
    *b = i + 1 + k;
}

partreg_status partreg_margins_contrast(const partreg_margins *m, partreg_contrast_type type,
                                        partreg_margins **out, partreg_error *err)
{
    static const char who[] = "partreg_margins_contrast";
    if (out)
        *out = NULL;
    if (!m || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: NULL argument", who);
    if (type != PARTREG_CONTRAST_REFERENCE && type != PARTREG_CONTRAST_PAIRWISE)
        return partreg_error_set(err, PARTREG_EINVAL, "%s: unknown contrast type", who);
    size_t G = m->n_groups, C = m->n_cells, O = m->nout, K = m->K;
    if (!m->jac || !m->V || G * C * O != m->n || O == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%s: the margins were not made by partreg_margins_predict() "
                                 "or partreg_margins_ame_groups()",
                                 who);
    int across_cells = m->cells_comparable && C > 1;
    if (!across_cells && G < 2)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "nothing to contrast: the margins have one %s and one group; "
                                 "give several values in --at (e.g. --at \"age=20(20)80\") or "
                                 "groups with --over",
                                 m->cells_comparable ? "setting" : "effect per variable");
    size_t items = across_cells ? C : G, outer = across_cells ? G : C;
    size_t np = n_pairs(type, items), total = outer * np * O;

    partreg_margins *res = calloc(1, sizeof *res);
    if (!res)
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    res->items = calloc(total ? total : 1, sizeof *res->items);
    res->strings = calloc(2 * outer * np + O + 1, sizeof *res->strings);
    size_t tk = total * K, kk = K * K;
    res->jac = calloc(tk ? tk : 1, sizeof *res->jac);
    res->V = malloc((kk ? kk : 1) * sizeof *res->V);
    if (!res->items || !res->strings || !res->jac || !res->V) {
        partreg_margins_free(res);
        return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
    }
    memcpy(res->V, m->V, K * K * sizeof *res->V);
    res->K = K;
    res->ddf = m->ddf;
    res->level = m->level;
    res->n_groups = across_cells ? G : np;
    res->n_cells = across_cells ? np : C;
    res->nout = O;
    res->cells_comparable = 0;
    double q = isfinite(m->ddf) ? gsl_cdf_tdist_Qinv(0.5 * (1.0 - m->level), m->ddf)
                                : gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + m->level));

    /* the outcome names, copied: the result outlives m */
    char **outcome = NULL;
    if (m->items[0].outcome) {
        outcome = res->strings;
        for (size_t o = 0; o < O; o++) {
            const char *name = m->items[o].outcome;
            if (!(res->strings[res->n_strings] = partreg_margins_strdup(name ? name : "")))
                goto nomem;
            res->n_strings++;
        }
    }
    size_t e = 0;
    /* order of the result: group-major then cell, as the inputs */
    for (size_t u = 0; u < (across_cells ? G : np); u++) {
        for (size_t v = 0; v < (across_cells ? np : C); v++) {
            size_t g_a, g_b, c_a, c_b, a, b;
            if (across_cells) {
                pair(type, C, v, &a, &b);
                g_a = g_b = u;
                c_a = a;
                c_b = b;
            } else {
                pair(type, G, u, &a, &b);
                g_a = a;
                g_b = b;
                c_a = c_b = v;
            }
            const partreg_margin *ea = &m->items[(g_a * C + c_a) * O];
            const partreg_margin *eb = &m->items[(g_b * C + c_b) * O];
            char *label;
            if (across_cells)
                label = difference_label(eb->term, ea->term);
            else
                label = difference_label(eb->over ? eb->over : "", ea->over ? ea->over : "");
            if (!label)
                goto nomem;
            res->strings[res->n_strings++] = label;
            /* the part both sides share: the group (across cells) or the
             * cell's term (across groups) */
            const char *shared = across_cells ? eb->over : eb->term;
            char *copy = NULL;
            if (shared) {
                if (!(copy = partreg_margins_strdup(shared)))
                    goto nomem;
                res->strings[res->n_strings++] = copy;
            }
            for (size_t o = 0; o < O; o++, e++) {
                size_t ia = (g_a * C + c_a) * O + o, ib = (g_b * C + c_b) * O + o;
                double *g = res->jac + e * K;
                for (size_t k = 0; k < K; k++)
                    g[k] = m->jac[ib * K + k] - m->jac[ia * K + k];
                double var = 0.0;
                for (size_t r = 0; r < K; r++) {
                    if (g[r] == 0.0)
                        continue;
                    double s = 0.0;
                    for (size_t k = 0; k < K; k++)
                        s += m->V[r * K + k] * g[k];
                    var += g[r] * s;
                }
                partreg_margin *it = &res->items[e];
                const partreg_margin *xa = &m->items[ia], *xb = &m->items[ib];
                it->term = across_cells ? label : copy;
                it->outcome = outcome ? outcome[o] : NULL;
                it->over = across_cells ? copy : label;
                it->group = u;
                it->cell = v;
                it->outcome_index = o;
                it->probability = 0;
                it->estimate = xb->estimate - xa->estimate;
                it->std_error = isnan(var) ? NAN : sqrt(var > 0.0 ? var : 0.0);
                it->z = it->estimate / it->std_error;
                it->p_value = isnan(it->z)        ? NAN
                              : isfinite(m->ddf) ? 2.0 * gsl_cdf_tdist_Q(fabs(it->z), m->ddf)
                                                 : erfc(fabs(it->z) / sqrt(2.0));
                it->conf_low = it->estimate - q * it->std_error;
                it->conf_high = it->estimate + q * it->std_error;
            }
        }
    }
    res->n = e;
    *out = res;
    partreg_error_clear(err);
    return PARTREG_OK;

nomem:
    partreg_margins_free(res);
    return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory", who);
}
