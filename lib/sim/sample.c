/* A stratified two-stage cluster sample from a simulated population
 * (partreg_sim_survey_sample, partreg_simulate.h): the design a national
 * survey of residents uses, with known inclusion probabilities, so that
 * the sample's sampling weights, strata, PSUs and fpc are exact.
 *
 *   strata:  the communities ranked by their mean social_capital and cut
 *            into H groups of (nearly) equal numbers of communities, M_h;
 *   stage 1: m communities drawn in each stratum by simple random sampling
 *            without replacement (probability m / M_h);
 *   stage 2: k_h residents drawn in each drawn community, without
 *            replacement (probability k_h / N_c; all when N_c <= k_h), with
 *            k_h = 2 k in the stratum of lowest social capital
 *            (oversampled, as surveys oversample small groups) and k in
 *            the others;
 *   weight:  (M_h / m) (N_c / k_c), the inverse inclusion probability.
 *
 * Draws come from gsl_rng_mt19937 with the options' seed, so a sample is
 * the same on every machine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/error.h"
#include "data/table_internal.h"
#include "partreg_simulate.h"

partreg_sim_sample_options partreg_sim_sample_options_default(void)
{
    partreg_sim_sample_options o;
    memset(&o, 0, sizeof o);
    o.strata = 4;
    o.psus = 10;
    o.per_psu = 20;
    o.seed = 20261207;
    return o;
}

typedef struct community {
    double id, mean_sc;
    size_t first, size; /* rows [first, first + size) of the population */
    size_t stratum;
} community;

static int by_mean(const void *a, const void *b)
{
    const community *x = a, *y = b;
    if (x->mean_sc != y->mean_sc)
        return x->mean_sc < y->mean_sc ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Copy rows[0..m) of every column of src into dst (created with m rows). */
static partreg_status copy_rows(const partreg_table *src, const size_t *rows, size_t m,
                                partreg_table *dst)
{
    for (size_t j = 0; j < partreg_table_n_columns(src); j++) {
        const char *name = partreg_table_column_name(src, j);
        partreg_status st;
        if (partreg_table_column_type(src, j) == PARTREG_COLUMN_NUMERIC) {
            double *x;
            if ((st = partreg_table_append_numeric(dst, name, strlen(name), &x)))
                return st;
            const double *s = partreg_table_numeric(src, j);
            for (size_t i = 0; i < m; i++)
                x[i] = s[rows[i]];
        } else {
            int *codes;
            if ((st = partreg_table_append_categorical(dst, name, strlen(name), &codes)))
                return st;
            size_t jd = partreg_table_n_columns(dst) - 1;
            for (size_t k = 0; k < partreg_table_n_levels(src, j); k++) {
                const char *lv = partreg_table_level_name(src, j, k);
                int code;
                if ((st = partreg_table_intern_level(dst, jd, lv, strlen(lv), &code)))
                    return st;
            }
            partreg_table_set_levels_ordered(dst, jd, partreg_table_levels_ordered(src, j));
            const int *s = partreg_table_codes(src, j);
            for (size_t i = 0; i < m; i++)
                codes[i] = s[rows[i]];
        }
    }
    return PARTREG_OK;
}

partreg_status partreg_sim_survey_sample(const partreg_table *pop,
                                         const partreg_sim_sample_options *opt,
                                         partreg_table **out, partreg_error *err)
{
    partreg_sim_sample_options o = opt ? *opt : partreg_sim_sample_options_default();
    if (out)
        *out = NULL;
    if (!pop || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "sample: NULL population or output");
    size_t jc, js;
    if (partreg_table_find_column(pop, "community", &jc, err) ||
        partreg_table_find_column(pop, "social_capital", &js, err) ||
        partreg_table_column_type(pop, jc) != PARTREG_COLUMN_NUMERIC ||
        partreg_table_column_type(pop, js) != PARTREG_COLUMN_NUMERIC)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "sample: the population needs numeric columns 'community' and "
                                 "'social_capital' (a table from partreg_simulate)");
    if (o.strata < 1 || o.psus < 2 || o.per_psu < 1 || o.seed == 0 || o.seed > 4294967295UL)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "sample: strata >= 1, psus >= 2 (a variance needs two PSUs a "
                                 "stratum), per_psu >= 1 and a seed in 1..4294967295 are needed");
    size_t N = partreg_table_n_rows(pop);
    const double *cid = partreg_table_numeric(pop, jc), *sc = partreg_table_numeric(pop, js);
    /* communities: runs of equal ids (partreg_simulate orders by community) */
    size_t C = 0;
    for (size_t i = 0; i < N; i++)
        if (i == 0 || cid[i] != cid[i - 1])
            C++;
    if (C < o.strata * o.psus)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "sample: %zu communities cannot give %zu strata of %zu drawn "
                                 "communities; simulate more communities or draw fewer",
                                 C, o.strata, o.psus);
    community *cm = calloc(C ? C : 1, sizeof *cm);
    size_t *rows = malloc((N ? N : 1) * sizeof *rows), *pick = NULL;
    double *w = NULL, *stratum = NULL, *fpc = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    partreg_table *t = NULL;
    partreg_status st = PARTREG_OK;
    if (!cm || !rows || !rng) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    gsl_rng_set(rng, o.seed);
    for (size_t i = 0, c = 0; i < N; i++) {
        if (i > 0 && cid[i] != cid[i - 1])
            c++;
        if (cm[c].size == 0) {
            cm[c].id = cid[i];
            cm[c].first = i;
        } else if (cm[c].first + cm[c].size != i) {
            st = partreg_error_set(err, PARTREG_EINVAL,
                                   "sample: the rows of community %g are not together", cid[i]);
            goto cleanup;
        }
        cm[c].size++;
        cm[c].mean_sc += sc[i];
    }
    for (size_t c = 0; c < C; c++)
        cm[c].mean_sc /= (double)cm[c].size;
    qsort(cm, C, sizeof *cm, by_mean);
    for (size_t c = 0; c < C; c++)
        cm[c].stratum = c * o.strata / C;
    /* stage 1 within each stratum, stage 2 within each drawn community */
    size_t m = 0, maxc = 0;
    for (size_t c = 0; c < C; c++)
        maxc = cm[c].size > maxc ? cm[c].size : maxc;
    size_t cap = C > maxc ? C : maxc;
    if (cap == 0)
        cap = 1;
    pick = malloc(cap * sizeof *pick);
    size_t *all = malloc(cap * sizeof *all);
    w = malloc((N ? N : 1) * sizeof *w);
    stratum = malloc((N ? N : 1) * sizeof *stratum);
    fpc = malloc((N ? N : 1) * sizeof *fpc);
    if (!pick || !all || !w || !stratum || !fpc) {
        free(all);
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    for (size_t h = 0, c0 = 0; h < o.strata; h++) {
        size_t c1 = c0;
        while (c1 < C && cm[c1].stratum == h)
            c1++;
        size_t Mh = c1 - c0;
        for (size_t c = 0; c < Mh; c++)
            all[c] = c0 + c;
        gsl_ran_choose(rng, pick, o.psus, all, Mh, sizeof *all);
        for (size_t a = 0; a < o.psus; a++) {
            const community *cc = &cm[pick[a]];
            size_t k = o.per_psu * (h == 0 ? 2 : 1);
            if (k > cc->size)
                k = cc->size;
            for (size_t r = 0; r < cc->size; r++)
                all[r] = cc->first + r;
            size_t *drawn = malloc((k ? k : 1) * sizeof *drawn);
            if (!drawn) {
                free(all);
                st = PARTREG_ENOMEM;
                goto cleanup;
            }
            gsl_ran_choose(rng, drawn, k, all, cc->size, sizeof *all);
            for (size_t r = 0; r < k; r++) {
                rows[m] = drawn[r];
                w[m] = ((double)Mh / (double)o.psus) * ((double)cc->size / (double)k);
                stratum[m] = (double)(h + 1);
                fpc[m] = (double)Mh;
                m++;
            }
            free(drawn);
        }
        c0 = c1;
    }
    free(all);
    /* rows in population order within their stratum's draw order: sort the
     * sample by population row so that PSUs stay together */
    {
        size_t *order = malloc((m ? m : 1) * sizeof *order);
        double *w2 = malloc((m ? m : 1) * sizeof *w2), *s2 = malloc((m ? m : 1) * sizeof *s2),
               *f2 = malloc((m ? m : 1) * sizeof *f2);
        unsigned char *in = calloc(N ? N : 1, 1);
        size_t *slot = malloc((N ? N : 1) * sizeof *slot);
        if (!order || !w2 || !s2 || !f2 || !in || !slot) {
            free(order), free(w2), free(s2), free(f2), free(in), free(slot);
            st = PARTREG_ENOMEM;
            goto cleanup;
        }
        for (size_t i = 0; i < m; i++) {
            in[rows[i]] = 1;
            slot[rows[i]] = i;
        }
        size_t q = 0;
        for (size_t r = 0; r < N; r++)
            if (in[r]) {
                size_t i = slot[r];
                order[q] = r, w2[q] = w[i], s2[q] = stratum[i], f2[q] = fpc[i];
                q++;
            }
        memcpy(rows, order, m * sizeof *rows);
        memcpy(w, w2, m * sizeof *w);
        memcpy(stratum, s2, m * sizeof *stratum);
        memcpy(fpc, f2, m * sizeof *fpc);
        free(order), free(w2), free(s2), free(f2), free(in), free(slot);
    }
    if ((st = partreg_table_create("simulated survey sample", m, &t)) ||
        (st = copy_rows(pop, rows, m, t)))
        goto cleanup;
    {
        const char *names[3] = {"stratum", "fpc", "weight"};
        const double *src[3] = {stratum, fpc, w};
        for (size_t j = 0; j < 3; j++) {
            double *x;
            if ((st = partreg_table_append_numeric(t, names[j], strlen(names[j]), &x)))
                goto cleanup;
            for (size_t i = 0; i < m; i++)
                x[i] = src[j][i];
        }
    }
    *out = t;
    t = NULL;
    partreg_error_clear(err);
cleanup:
    if (st == PARTREG_ENOMEM)
        partreg_error_set(err, st, "sample: out of memory");
    partreg_table_free(t);
    free(cm);
    free(rows);
    free(pick);
    free(w);
    free(stratum);
    free(fpc);
    gsl_rng_free(rng);
    return st;
}
