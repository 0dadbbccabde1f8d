/* Survey designs (partreg_survey.h): the design object and the Taylor-
 * linearised covariance of any model's estimates.
 *
 * With A the information of the weighted log-likelihood at the estimate
 * (the fit's bread is A^-1) and s_i = w_i dl_i/dtheta the model's per-row
 * scores (the objective's row_scores), the estimating equations are
 * sum_i s_i = 0 and the linearised covariance is V = A^-1 B A^-1 with
 *
 *   B = sum_h (1 - f_h) n_h / (n_h - 1) sum_{i in h} (z_hi - zbar_h)(z_hi - zbar_h)',
 *   z_hi = sum of s over the rows of PSU i of stratum h,
 *
 * (Binder 1983; Skinner, Holt and Smith 1989; Stata [SVY] variance
 * estimation; R survey's svyrecvar with one stage). f_h = n_h / N_h from
 * an fpc > 1 (population PSUs), or the fpc itself in (0, 1]. A stratum
 * with one PSU follows the lonely-PSU rule: fail; certainty (adds 0);
 * centered, (1 - f_h)(z_h1 - zbar)(z_h1 - zbar)' with zbar the mean over
 * all PSUs; scaled, B of the other strata times H / H_(n_h > 1).
 * df = PSUs - strata over the whole sample. Rows outside a subpopulation
 * carry fit weight 0: their scores are 0, their PSUs still count.
 *
 * One pass over the data: the row scores are computed segment by segment
 * (segments fixed by n and k, threads taking one at a time), each
 * segment's rows summed into runs of one PSU, and the runs merged into the
 * PSU totals in segment order, so z, and everything after it, is the same
 * bits at any thread count. The rest works on the G x k totals. */
#include "inference/survey_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/comm.h"
#include "core/cpu.h"
#include "core/spd.h"
#include "core/error.h"
#include "core/team.h"
#include "inference/inference_internal.h"
#include "inference/meat.h"
#include "models/kernels/rank_update.h"
#include "models/rows.h"

/* ---- names ------------------------------------------------------------ */

static const char *const lonely_names[] = {"fail", "certainty", "centered", "scaled"};
static const char *const rep_names[] = {"brr", "fay", "jk1", "bootstrap"};

const char *partreg_lonely_psu_name(partreg_lonely_psu rule)
{
    return (unsigned)rule < 4 ? lonely_names[rule] : NULL;
}

partreg_status partreg_lonely_psu_parse(const char *name, partreg_lonely_psu *out,
                                        partreg_error *err)
{
    for (unsigned i = 0; name && out && i < 4; i++)
        if (strcmp(name, lonely_names[i]) == 0) {
            *out = (partreg_lonely_psu)i;
            return PARTREG_OK;
        }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown lonely-PSU rule '%s'; use fail, certainty, centered or "
                             "scaled",
                             name ? name : "(null)");
}

const char *partreg_rep_type_name(partreg_rep_type type)
{
    return (unsigned)type < 4 ? rep_names[type] : NULL;
}

partreg_status partreg_rep_type_parse(const char *name, partreg_rep_type *out, partreg_error *err)
{
    for (unsigned i = 0; name && out && i < 4; i++)
        if (strcmp(name, rep_names[i]) == 0) {
            *out = (partreg_rep_type)i;
            return PARTREG_OK;
        }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown replicate type '%s'; use brr, fay, jk1 or bootstrap",
                             name ? name : "(null)");
}

void partreg_survey_adjusted_f(double W, double q, double d, double *F, double *df2, double *p)
{
    double d2 = d - q + 1.0;
    if (!(q >= 1.0) || !(d2 >= 1.0) || !isfinite(W)) {
        *F = *df2 = *p = NAN;
        return;
    }
    *F = d2 / (d * q) * W;
    *df2 = d2;
    *p = gsl_cdf_fdist_Q(*F > 0 ? *F : 0.0, q, d2);
}

/* ---- the design object ------------------------------------------------- */

static partreg_status nomem(partreg_error *err)
{
    partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_ENOMEM;
}

static void *copy_of(const void *src, size_t bytes)
{
    void *d = malloc(bytes ? bytes : 1);
    if (d && bytes)
        memcpy(d, src, bytes);
    return d;
}

void partreg_survey_free(partreg_survey *s)
{
    if (!s)
        return;
    free(s->w);
    free(s->fitw);
    free(s->stratum);
    if (s->stratum_names)
        for (size_t h = 0; h < s->n_stratum_codes; h++)
            free(s->stratum_names[h]);
    free(s->stratum_names);
    free(s->psu);
    free(s->fpc);
    free(s->domain);
    free(s->repw);
    free(s);
}

static void update_fit_weights(partreg_survey *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->fitw[i] = s->domain && !s->domain[i] ? 0.0 : s->w[i];
}

partreg_status partreg_survey_create(size_t n, const double *weights, partreg_survey **out,
                                     partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!out || n == 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_survey_create: %s", out ? "no rows" : "NULL out");
    double total = 0.0;
    for (size_t i = 0; weights && i < n; i++) {
        if (!isfinite(weights[i]) || weights[i] < 0.0)
            return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                           "row %zu: sampling weight %g is not finite and >= 0",
                                           i + 1, weights[i]);
        total += weights[i];
    }
    if (weights && !(total > 0.0))
        return partreg_error_set(err, PARTREG_EDATA, "the sampling weights are all zero");
    partreg_survey *s = calloc(1, sizeof *s);
    if (!s)
        return nomem(err);
    s->n = n;
    s->w = malloc(n * sizeof *s->w);
    s->fitw = malloc(n * sizeof *s->fitw);
    if (!s->w || !s->fitw) {
        partreg_survey_free(s);
        return nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        s->w[i] = weights ? weights[i] : 1.0;
    s->has_weights = weights != NULL;
    s->subpop_size = n;
    s->lonely = PARTREG_LONELY_FAIL;
    update_fit_weights(s);
    *out = s;
    partreg_error_clear(err);
    return PARTREG_OK;
}

static partreg_status check_codes(const size_t *codes, size_t n, size_t n_codes,
                                  const char *what, partreg_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] >= n_codes)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                           "row %zu: %s code %zu is not below %zu", i + 1, what,
                                           codes[i], n_codes);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_strata(partreg_survey *s, const size_t *stratum,
                                         size_t n_codes, const char *const *names,
                                         partreg_error *err)
{
    if (!s || !stratum)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_survey_set_strata: NULL argument");
    partreg_status st = check_codes(stratum, s->n, n_codes, "stratum", err);
    if (st)
        return st;
    size_t *codes = copy_of(stratum, s->n * sizeof *codes);
    char **nm = names ? calloc(n_codes ? n_codes : 1, sizeof *nm) : NULL;
    int ok = codes && (!names || nm);
    for (size_t h = 0; ok && names && h < n_codes; h++)
        ok = (nm[h] = copy_of(names[h] ? names[h] : "", strlen(names[h] ? names[h] : "") + 1)) !=
             NULL;
    if (!ok) {
        free(codes);
        for (size_t h = 0; nm && h < n_codes; h++)
            free(nm[h]);
        free(nm);
        return nomem(err);
    }
    free(s->stratum);
    if (s->stratum_names)
        for (size_t h = 0; h < s->n_stratum_codes; h++)
            free(s->stratum_names[h]);
    free(s->stratum_names);
    s->stratum = codes;
    s->stratum_names = nm;
    s->n_stratum_codes = n_codes;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_psu(partreg_survey *s, const size_t *psu, size_t n_codes,
                                      partreg_error *err)
{
    if (!s || !psu)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_survey_set_psu: NULL argument");
    partreg_status st = check_codes(psu, s->n, n_codes, "PSU", err);
    if (st)
        return st;
    size_t *codes = copy_of(psu, s->n * sizeof *codes);
    if (!codes)
        return nomem(err);
    free(s->psu);
    s->psu = codes;
    s->n_psu_codes = n_codes;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_fpc(partreg_survey *s, const double *fpc, partreg_error *err)
{
    if (!s || !fpc)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_survey_set_fpc: NULL argument");
    double *v = copy_of(fpc, s->n * sizeof *v);
    if (!v)
        return nomem(err);
    free(s->fpc);
    s->fpc = v;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_subpop(partreg_survey *s, const unsigned char *in,
                                         partreg_error *err)
{
    if (!s || !in)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_survey_set_subpop: NULL argument");
    unsigned char *d = malloc(s->n);
    if (!d)
        return nomem(err);
    size_t inside = 0;
    for (size_t i = 0; i < s->n; i++) {
        d[i] = in[i] != 0;
        inside += d[i];
    }
    if (inside == 0) {
        free(d);
        return partreg_error_set(err, PARTREG_EDATA, "no row is in the subpopulation");
    }
    free(s->domain);
    s->domain = d;
    s->subpop_size = inside;
    update_fit_weights(s);
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_lonely_psu(partreg_survey *s, partreg_lonely_psu rule,
                                             partreg_error *err)
{
    if (!s || !partreg_lonely_psu_name(rule))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown lonely-PSU rule %d; use fail, certainty, centered or "
                                 "scaled",
                                 (int)rule);
    s->lonely = rule;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_survey_set_replicates(partreg_survey *s, const double *repw, size_t R,
                                             partreg_rep_type type, double rho, int mse,
                                             partreg_error *err)
{
    if (!s || !repw)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_survey_set_replicates: NULL argument");
    if (!partreg_rep_type_name(type))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown replicate type %d; use brr, fay, jk1 or bootstrap",
                                 (int)type);
    if (R < 2)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "%zu replicate weight column%s; a replicate variance needs at "
                                 "least 2",
                                 R, R == 1 ? "" : "s");
    if (type == PARTREG_REP_FAY && !(rho > 0.0 && rho < 1.0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "Fay's rho is %g; it must be in (0, 1), e.g. --fay-rho 0.5", rho);
    if (type != PARTREG_REP_FAY && rho != 0.0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "Fay's rho (%g) is for --rep-type fay; %s replicates have none",
                                 rho, partreg_rep_type_name(type));
    if (s->n > SIZE_MAX / sizeof(double) / R)
        return nomem(err);
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < s->n; i++) {
            double v = repw[r * s->n + i];
            if (!isfinite(v) || v < 0.0)
                return partreg_error_set_index(err, PARTREG_EDATA, (long)i,
                                               "row %zu: replicate weight %zu is %g; replicate "
                                               "weights must be finite and >= 0",
                                               i + 1, r + 1, v);
        }
    double *w = copy_of(repw, R * s->n * sizeof *w);
    if (!w)
        return nomem(err);
    free(s->repw);
    s->repw = w;
    s->R = R;
    s->rep_type = type;
    s->rho = rho;
    s->mse = mse != 0;
    partreg_error_clear(err);
    return PARTREG_OK;
}

size_t partreg_survey_n(const partreg_survey *s) { return s ? s->n : 0; }

const double *partreg_survey_fit_weights(const partreg_survey *s) { return s ? s->fitw : NULL; }

partreg_survey_options partreg_survey_options_default(void)
{
    partreg_survey_options o;
    memset(&o, 0, sizeof o);
    o.lonely_psu = PARTREG_LONELY_FAIL;
    o.rep_type = PARTREG_REP_BRR;
    return o;
}

partreg_status partreg_survey_create_frame(const partreg_frame *fr,
                                           const partreg_survey_options *opt,
                                           partreg_survey **out, partreg_error *err)
{
    partreg_survey_options defaults = partreg_survey_options_default();
    if (out)
        *out = NULL;
    if (!fr || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_survey_create_frame: NULL argument");
    if (!opt)
        opt = &defaults;
    if (!partreg_frame_has_survey(fr))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the frame has no survey design columns (sampling weights, "
                                 "strata, PSUs, fpc, subpopulation or replicate weights)");
    size_t R = 0, H = 0, C = 0, n = partreg_frame_n_rows(fr);
    const double *repw = partreg_frame_replicate_weights(fr, &R);
    if (repw && !opt->rep_type_given)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "replicate weights need their scheme: add --rep-type brr, fay, "
                                 "jk1 or bootstrap");
    if (!repw && (opt->rep_type_given || opt->fay_rho != 0.0 || opt->rep_mse))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--rep-type, --fay-rho and --rep-mse describe replicate "
                                 "weights; add --repweights \"PREFIX*\"");
    const size_t *strata = partreg_frame_strata(fr, &H);
    const size_t *psu = partreg_frame_psu(fr, &C);
    if (repw && (strata || psu || partreg_frame_fpc(fr)))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "replicate weights carry the design themselves; --strata, "
                                 "--psu and --fpc are for Taylor linearisation: give one or the "
                                 "other");
    partreg_survey *s = NULL;
    partreg_status st = partreg_survey_create(n, partreg_frame_sampling_weights(fr), &s, err);
    if (st)
        return st;
    const char **names = NULL;
    if (strata) {
        names = malloc((H ? H : 1) * sizeof *names);
        if (!names) {
            st = nomem(err);
            goto fail;
        }
        for (size_t h = 0; h < H; h++)
            names[h] = partreg_frame_stratum_name(fr, h);
        st = partreg_survey_set_strata(s, strata, H, names, err);
        free(names);
        if (st)
            goto fail;
    }
    if (psu && (st = partreg_survey_set_psu(s, psu, C, err)))
        goto fail;
    if (partreg_frame_fpc(fr) && (st = partreg_survey_set_fpc(s, partreg_frame_fpc(fr), err)))
        goto fail;
    if (partreg_frame_subpop(fr) &&
        (st = partreg_survey_set_subpop(s, partreg_frame_subpop(fr), err)))
        goto fail;
    if ((st = partreg_survey_set_lonely_psu(s, opt->lonely_psu, err)))
        goto fail;
    if (repw && (st = partreg_survey_set_replicates(s, repw, R, opt->rep_type, opt->fay_rho,
                                                    opt->rep_mse, err)))
        goto fail;
    *out = s;
    return PARTREG_OK;
fail:
    partreg_survey_free(s);
    return st;
}

/* ---- the layout of strata and PSUs ------------------------------------ */

/* Dense strata and PSUs of the rows used. */
typedef struct layout {
    size_t H;          /* strata that occur */
    size_t G;          /* PSUs */
    size_t *row_psu;   /* n: PSU of each row, or NULL (row i is PSU i) */
    size_t *psu_h;     /* G: stratum of each PSU, or NULL (one stratum) */
    size_t *n_h;       /* H: PSUs in each stratum */
    size_t *code_of;   /* H: the stratum code of each dense stratum */
    double *f_h;       /* H: sampling fraction (0 without fpc) */
    int has_strata;    /* strata were given */
    char *const *names; /* the stratum codes' names, or NULL (borrowed) */
} layout;

/* Frees L's arrays and zeroes L (a freed layout has no PSUs). */
static void layout_free(layout *L)
{
    free(L->row_psu);
    free(L->psu_h);
    free(L->n_h);
    free(L->code_of);
    free(L->f_h);
    memset(L, 0, sizeof *L);
}

/* Name of dense stratum h into buf. */
static const char *stratum_label(const layout *L, size_t h, char *buf, size_t size)
{
    if (!L->has_strata)
        return "(the only stratum)";
    size_t code = L->code_of[h];
    if (L->names && L->names[code])
        return L->names[code];
    snprintf(buf, size, "%zu", code);
    return buf;
}

/* Index of key in an open-addressing table of pairs (key + 1, value). */
static size_t hash_slot(const uint64_t *keys, size_t mask, uint64_t key)
{
    uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);
    size_t i = (size_t)(h >> 17) & mask;
    while (keys[i] != 0 && keys[i] != key + 1)
        i = (i + 1) & mask;
    return i;
}

/* The sampling fractions f_h of L from the fpc (constant within a
 * stratum): the rows' fpc checked in row order, so the error names the
 * first row at fault. dense: each stratum code's dense stratum (NULL
 * without strata). */
static partreg_status layout_fpc(const partreg_survey *s, const size_t *dense, layout *L,
                                 partreg_error *err)
{
    size_t n = s->n;
    if (s->fpc) {
        double *first = malloc((L->H ? L->H : 1) * sizeof *first);
        if (!first)
            return nomem(err);
        for (size_t h = 0; h < L->H; h++)
            first[h] = NAN;
        for (size_t i = 0; i < n; i++) {
            size_t h = dense && s->stratum ? dense[s->stratum[i]] : 0;
            double v = s->fpc[i];
            char buf[32];
            partreg_status bad = PARTREG_OK;
            if (!(v > 0.0) || !isfinite(v))
                bad = partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                              "row %zu: fpc %g must be a population count > 1 "
                                              "or a sampling fraction in (0, 1]",
                                              i + 1, v);
            else if (isnan(first[h]))
                first[h] = v;
            else if (first[h] != v)
                bad = partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                              "the fpc varies within stratum %s (%g and %g on "
                                              "row %zu); it must be constant within a stratum",
                                              stratum_label(L, h, buf, sizeof buf), first[h],
                                              v, i + 1);
            if (bad) {
                free(first);
                return bad;
            }
        }
        for (size_t h = 0; h < L->H; h++) {
            double v = first[h];
            if (v > 1.0 && v < (double)L->n_h[h]) {
                char buf[32];
                partreg_status bad = partreg_error_set(
                    err, PARTREG_EINVAL,
                    "stratum %s: the fpc says %g PSUs in the population but %zu were sampled; "
                    "give the population count (>= PSUs sampled) or the sampling fraction",
                    stratum_label(L, h, buf, sizeof buf), v, L->n_h[h]);
                free(first);
                return bad;
            }
            L->f_h[h] = v > 1.0 ? (double)L->n_h[h] / v : v;
        }
        free(first);
    }
    return PARTREG_OK;
}

/* PSUs numbered in order of first sight: the pair (stratum code, PSU code)
 * to its number, by a direct table of the pairs when there are few (the
 * usual design: tens of strata, tens of PSU codes), else a hash. */
typedef struct psu_index {
    size_t n_psu_codes;
    size_t *direct; /* H_codes x n_psu_codes numbers, SIZE_MAX: unseen */
    uint64_t *keys; /* the hash: pairs (key + 1) and their numbers */
    size_t *vals;
    size_t mask;
} psu_index;

static void psu_index_free(psu_index *x)
{
    free(x->direct);
    free(x->keys);
    free(x->vals);
}

/* An index for up to `most` distinct PSUs of s. 0, or -1 out of memory. */
static int psu_index_init(psu_index *x, const partreg_survey *s, size_t most)
{
    memset(x, 0, sizeof *x);
    x->n_psu_codes = s->n_psu_codes;
    size_t H_codes = s->stratum ? s->n_stratum_codes : 1;
    if (s->n_psu_codes && H_codes <= (s->n > 1024 ? s->n : 1024) / s->n_psu_codes) {
        size_t pairs = H_codes * s->n_psu_codes;
        x->direct = malloc((pairs ? pairs : 1) * sizeof *x->direct);
        if (!x->direct)
            return -1;
        for (size_t q = 0; q < pairs; q++)
            x->direct[q] = SIZE_MAX;
        return 0;
    }
    size_t cap = 16;
    while (cap < 2 * most)
        cap *= 2;
    x->keys = calloc(cap, sizeof *x->keys);
    x->vals = malloc(cap * sizeof *x->vals);
    x->mask = cap - 1;
    return x->keys && x->vals ? 0 : -1;
}

/* The number of PSU pcode of stratum code scode (dense stratum h): a PSU
 * not seen before gets the next number, its stratum in L->psu_h. */
static size_t psu_number(psu_index *x, size_t scode, size_t pcode, size_t h, layout *L)
{
    uint64_t key = (uint64_t)scode * (uint64_t)x->n_psu_codes + pcode;
    size_t *slot;
    if (x->direct) {
        slot = &x->direct[key];
    } else {
        size_t q = hash_slot(x->keys, x->mask, key);
        if (x->keys[q] == 0) {
            x->keys[q] = key + 1;
            x->vals[q] = SIZE_MAX;
        }
        slot = &x->vals[q];
    }
    if (*slot == SIZE_MAX) {
        *slot = L->G;
        L->psu_h[L->G++] = h;
        L->n_h[h]++;
    }
    return *slot;
}

/* The strata of L (those that occur, in code order) and the arrays of L
 * for up to `most` PSUs. On entry (*dense)[c] is 0 for the stratum codes
 * that occur, SIZE_MAX for the others (*dense NULL without strata); on
 * return each code's dense stratum. 0, or -1 out of memory (L freed). */
static int layout_strata(const partreg_survey *s, size_t *dense, size_t most, layout *L)
{
    memset(L, 0, sizeof *L);
    L->has_strata = s->stratum != NULL;
    L->names = s->stratum_names;
    L->H = dense ? 0 : 1;
    for (size_t c = 0; dense && c < s->n_stratum_codes; c++)
        if (dense[c] == 0)
            dense[c] = L->H++;
    size_t H = L->H ? L->H : 1;
    L->code_of = calloc(H, sizeof *L->code_of);
    L->n_h = calloc(H, sizeof *L->n_h);
    L->f_h = calloc(H, sizeof *L->f_h);
    L->psu_h = s->psu || s->stratum ? malloc((most ? most : 1) * sizeof *L->psu_h) : NULL;
    if (!L->code_of || !L->n_h || !L->f_h || ((s->psu || s->stratum) && !L->psu_h)) {
        layout_free(L);
        return -1;
    }
    for (size_t c = 0; dense && c < s->n_stratum_codes; c++)
        if (dense[c] != SIZE_MAX)
            L->code_of[dense[c]] = c;
    return 0;
}

/* The stratum codes' table for layout_strata, every code unseen (NULL
 * without strata, or out of memory: *failed). */
static size_t *strata_unseen(const partreg_survey *s, int *failed)
{
    *failed = 0;
    if (!s->stratum)
        return NULL;
    size_t *dense = malloc((s->n_stratum_codes ? s->n_stratum_codes : 1) * sizeof *dense);
    if (!dense) {
        *failed = 1;
        return NULL;
    }
    for (size_t c = 0; c < s->n_stratum_codes; c++)
        dense[c] = SIZE_MAX;
    return dense;
}

static partreg_status make_layout(const partreg_survey *s, layout *L, partreg_error *err)
{
    size_t n = s->n;
    int failed;
    size_t *dense = strata_unseen(s, &failed);
    if (failed)
        return nomem(err);
    const size_t *str = s->stratum;
    for (size_t i = 0; dense && str && i < n; i++)
        dense[str[i]] = 0;
    if (layout_strata(s, dense, n, L)) {
        free(dense);
        return nomem(err);
    }
#define ROW_H(i) (dense && str ? dense[str[i]] : 0)
    if (s->psu) {
        psu_index x;
        L->row_psu = malloc((n ? n : 1) * sizeof *L->row_psu);
        if (!L->row_psu || psu_index_init(&x, s, n)) {
            if (L->row_psu)
                psu_index_free(&x);
            goto nomem;
        }
        for (size_t i = 0; i < n; i++)
            L->row_psu[i] =
                psu_number(&x, str ? str[i] : 0, s->psu[i], ROW_H(i), L);
        psu_index_free(&x);
    } else {
        L->G = n;
        for (size_t i = 0; i < n; i++) {
            size_t h = ROW_H(i);
            if (L->psu_h)
                L->psu_h[i] = h;
            L->n_h[h]++;
        }
    }
#undef ROW_H
    partreg_status st = layout_fpc(s, dense, L, err);
    free(dense);
    if (st)
        layout_free(L);
    return st;
nomem:
    free(dense);
    layout_free(L);
    return nomem(err);
}

/* ---- the linearised meat ------------------------------------------------ */

/* One segment's PSU partial sums: its rows cut into runs of one PSU
 * (consecutive rows with the same stratum and PSU codes), each run's codes
 * and sum of row scores. */
typedef struct seg_runs {
    size_t n;        /* runs */
    size_t *code;    /* 2n: each run's stratum code (0 without strata) and
                        PSU code (without PSUs, its row: every row a PSU) */
    size_t *psu;     /* n: each run's PSU number (layout_from_runs) */
    double *sum;     /* n x k */
    int failed;      /* out of memory */
} seg_runs;

/* The runs of every segment of the rows, in row order. */
typedef struct score_runs {
    size_t nseg;
    seg_runs *seg;   /* nseg */
} score_runs;

typedef struct meat_pass {
    const partreg_objective *obj;
    const double *theta;
    const partreg_survey *s;
    double c;          /* scores are divided by c */
    size_t n, k, block, nseg;
    seg_runs *seg;     /* nseg */
    double **buf;      /* per member: a block of row scores */
    double **scratch;  /* per member */
} meat_pass;

/* The first row of each run of one PSU in rows [b, e) into start (room
 * for e - b): rows whose stratum or PSU code differs from the row before
 * (rare in a file grouped by PSU: the branch is predicted). Returns the
 * number of runs. */
static size_t find_runs(const partreg_survey *s, size_t b, size_t e, size_t *start)
{
    size_t runs = 0;
    if (b < e)
        start[runs++] = b;
    if (!s->psu) { /* every row its own PSU */
        for (size_t i = b + 1; i < e; i++)
            start[runs++] = i;
        return runs;
    }
    const size_t *psu = s->psu, *str = s->stratum;
    for (size_t i = b + 1; i < e; i++)
        if (psu[i] != psu[i - 1] || (str && str[i] != str[i - 1]))
            start[runs++] = i;
    return runs;
}

/* Segment s on member t: its runs, their codes and sums, in row order. */
static void meat_segment(void *arg, size_t s, size_t t)
{
    meat_pass *p = arg;
    const partreg_survey *sv = p->s;
    seg_runs *sr = &p->seg[s];
    size_t b, e, k = p->k;
    partreg_segment_rows(p->n, p->block, p->nseg, s, &b, &e);
    size_t *start = malloc((e > b ? e - b : 1) * sizeof *start); /* each run's first row */
    if (!start) {
        sr->failed = 1;
        return;
    }
    size_t runs = find_runs(sv, b, e, start);
    sr->code = malloc((runs ? 2 * runs : 1) * sizeof *sr->code);
    sr->psu = malloc((runs ? runs : 1) * sizeof *sr->psu);
    sr->sum = calloc((runs ? runs : 1) * k, sizeof *sr->sum);
    if (!sr->code || !sr->psu || !sr->sum) {
        free(start);
        sr->failed = 1;
        return;
    }
    for (size_t r = 0; r < runs; r++) {
        size_t i = start[r];
        sr->code[2 * r] = sv->stratum ? sv->stratum[i] : 0;
        sr->code[2 * r + 1] = sv->psu ? sv->psu[i] : i;
    }
    /* c is a power of 2: times its reciprocal (exact) is the quotient's
     * bits, without a division an entry */
    double inv_c = 1.0 / p->c;
    if (p->obj->score_sums && b < e) { /* the model sums its scores by run */
        p->obj->score_sums(p->obj->model, p->theta, b, e, start, runs, inv_c, sr->sum,
                           p->scratch[t]);
    } else {
        size_t r = 0;
        for (size_t i0 = b; i0 < e; i0 += p->block) {
            size_t i1 = i0 + p->block < e ? i0 + p->block : e;
            p->obj->row_scores(p->obj->model, p->theta, i0, i1, p->buf[t], p->scratch[t]);
            for (size_t i = i0; i < i1; i++) {
                r += r + 1 < runs && i == start[r + 1]; /* a new run */
                const double *si = p->buf[t] + (i - i0) * k;
                double *acc = sr->sum + r * k;
                for (size_t j = 0; j < k; j++)
                    acc[j] += si[j] * inv_c;
            }
        }
    }
    free(start);
    sr->n = runs;
}

static void score_runs_free(score_runs *sr)
{
    for (size_t s = 0; sr->seg && s < sr->nseg; s++) {
        free(sr->seg[s].code);
        free(sr->seg[s].psu);
        free(sr->seg[s].sum);
    }
    free(sr->seg);
}

/* The row scores divided by c, summed into runs of one PSU: one pass over
 * the data, segments (fixed by n, k and the block) on the fit's threads.
 * The runs are found from the stratum and PSU codes as the pass goes, so
 * no row-by-row table of PSUs is built first. Memory: the runs, one a PSU
 * per segment for data grouped by PSU (at most one a row). */
static partreg_status score_runs_pass(const partreg_fit *fit, const partreg_objective *obj,
                                      const partreg_survey *s, double c, score_runs *out)
{
    size_t n = obj->n, k = obj->k;
    size_t block = fit->opt.block_rows ? fit->opt.block_rows : partreg_block_rows_auto(k);
    if (block > n)
        block = n;
    size_t nseg = partreg_segment_count(n, k, block);
    size_t nt = partreg_team_threads(NULL, fit->opt.threads, n, PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > nseg)
        nt = nseg;
    meat_pass p = {obj, fit->theta->data, s, c, n, k, block, nseg, NULL, NULL, NULL};
    out->nseg = nseg;
    out->seg = p.seg = calloc(nseg, sizeof *p.seg);
    p.buf = calloc(nt, sizeof *p.buf);
    p.scratch = calloc(nt, sizeof *p.scratch);
    partreg_status st = PARTREG_OK;
    if (!p.seg || !p.buf || !p.scratch) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    for (size_t t = 0; t < nt; t++) {
        p.buf[t] = malloc(block * k * sizeof(double));
        p.scratch[t] = calloc(obj->scratch_doubles ? obj->scratch_doubles : 1, sizeof(double));
        if (!p.buf[t] || !p.scratch[t]) {
            st = PARTREG_ENOMEM;
            goto cleanup;
        }
    }
    partreg_team_run_segments(NULL, nt, nseg, meat_segment, &p);
    partreg_fit_count_rows(fit, n); /* the scores' pass */
    for (size_t g = 0; g < nseg; g++)
        if (p.seg[g].failed)
            st = PARTREG_ENOMEM;
cleanup:
    for (size_t t = 0; p.buf && t < nt; t++)
        free(p.buf[t]);
    for (size_t t = 0; p.scratch && t < nt; t++)
        free(p.scratch[t]);
    free(p.buf);
    free(p.scratch);
    return st;
}

/* The layout of the design from the runs, as make_layout makes it from
 * the rows (the same strata, PSU numbers in order of first row, fpc
 * checks), and each run's PSU number. */
static partreg_status layout_from_runs(const partreg_survey *s, score_runs *sr, layout *L,
                                       partreg_error *err)
{
    size_t runs = 0;
    for (size_t g = 0; g < sr->nseg; g++)
        runs += sr->seg[g].n;
    int failed;
    size_t *dense = strata_unseen(s, &failed);
    if (failed)
        return nomem(err);
    for (size_t g = 0; dense && g < sr->nseg; g++)
        for (size_t r = 0; r < sr->seg[g].n; r++)
            dense[sr->seg[g].code[2 * r]] = 0;
    if (layout_strata(s, dense, s->psu ? runs : s->n, L)) {
        free(dense);
        return nomem(err);
    }
    psu_index x;
    if (s->psu && psu_index_init(&x, s, runs)) {
        psu_index_free(&x);
        free(dense);
        layout_free(L);
        return nomem(err);
    }
    if (!s->psu)
        L->G = s->n;
    for (size_t g = 0; g < sr->nseg; g++) {
        seg_runs *q = &sr->seg[g];
        for (size_t r = 0; r < q->n; r++) {
            size_t scode = q->code[2 * r], pcode = q->code[2 * r + 1];
            size_t h = dense ? dense[scode] : 0;
            if (s->psu) {
                q->psu[r] = psu_number(&x, scode, pcode, h, L);
            } else { /* the run is one row, its own PSU */
                q->psu[r] = pcode;
                if (L->psu_h)
                    L->psu_h[pcode] = h;
                L->n_h[h]++;
            }
        }
    }
    if (s->psu)
        psu_index_free(&x);
    partreg_status st = layout_fpc(s, dense, L, err);
    free(dense);
    if (st)
        layout_free(L);
    return st;
}

/* z (G x k) = the runs' sums added into their PSUs in segment order, so z
 * is the same bits at any thread count. */
static void psu_totals(const score_runs *sr, size_t k, double *z)
{
    for (size_t g = 0; g < sr->nseg; g++) {
        const seg_runs *q = &sr->seg[g];
        for (size_t r = 0; r < q->n; r++) {
            double *zg = z + q->psu[r] * k;
            for (size_t j = 0; j < k; j++)
                zg[j] += q->sum[r * k + j];
        }
    }
}

/* B (k x k, full) from the PSU totals (overwritten). */
static partreg_status meat_from_totals(partreg_lonely_psu lonely, const layout *L, double *z,
                                       size_t k, double *B, size_t *n_lonely, partreg_error *err)
{
    double *mean = calloc((L->H * k) != 0 ? L->H * k : 1, sizeof *mean);
    double *all = calloc(k ? k : 1, sizeof *all);
    double *coef = malloc((L->H ? L->H : 1) * sizeof *coef);
    if (!mean || !all || !coef) {
        free(mean);
        free(all);
        free(coef);
        return nomem(err);
    }
    for (size_t g = 0; g < L->G; g++) {
        size_t h = L->psu_h ? L->psu_h[g] : 0;
        for (size_t j = 0; j < k; j++) {
            mean[h * k + j] += z[g * k + j];
            all[j] += z[g * k + j];
        }
    }
    size_t H_ok = 0;
    *n_lonely = 0;
    for (size_t h = 0; h < L->H; h++) {
        double nh = (double)L->n_h[h];
        for (size_t j = 0; j < k; j++)
            mean[h * k + j] /= nh;
        if (L->n_h[h] > 1) {
            coef[h] = (1.0 - L->f_h[h]) * nh / (nh - 1.0);
            H_ok++;
            continue;
        }
        ++*n_lonely;
        char buf[32];
        switch (lonely) {
        case PARTREG_LONELY_FAIL:
            free(mean);
            free(all);
            free(coef);
            return partreg_error_set(err, PARTREG_EDATA,
                                     "stratum %s has a single PSU, so its variance cannot be "
                                     "estimated; choose a rule with --lonely-psu certainty, "
                                     "centered or scaled, or merge it with a similar stratum",
                                     stratum_label(L, h, buf, sizeof buf));
        case PARTREG_LONELY_CENTERED:
            coef[h] = 1.0 - L->f_h[h];
            break;
        default: /* certainty; scaled rescales the others below */
            coef[h] = 0.0;
            break;
        }
    }
    for (size_t j = 0; j < k; j++)
        all[j] /= (double)L->G;
    /* z_g <- sqrt(coef_h) (z_g - centre): B = Z'Z */
    for (size_t g = 0; g < L->G; g++) {
        size_t h = L->psu_h ? L->psu_h[g] : 0;
        const double *centre = L->n_h[h] > 1 ? mean + h * k : all;
        double r = sqrt(coef[h]);
        for (size_t j = 0; j < k; j++)
            z[g * k + j] = r * (z[g * k + j] - centre[j]);
    }
    memset(B, 0, k * k * sizeof *B); /* the same bits on every route */
    partreg_rank_update(partreg_cpu_isa(), B, k, k, z, k, NULL, NULL, NULL, L->G);
    double scale = 1.0;
    if (lonely == PARTREG_LONELY_SCALED && *n_lonely > 0) {
        if (H_ok == 0) {
            free(mean);
            free(all);
            free(coef);
            return partreg_error_set(err, PARTREG_EDATA,
                                     "every stratum has a single PSU, so --lonely-psu scaled has "
                                     "no stratum to scale from; use centered or certainty, or "
                                     "merge strata");
        }
        scale = (double)L->H / (double)H_ok;
    }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++)
            B[a * k + b] = B[b * k + a] = scale * B[a * k + b];
    free(mean);
    free(all);
    free(coef);
    return PARTREG_OK;
}

/* V (k x k) = c^2 A^-1 B A^-1, symmetrised. */
static partreg_status sandwich(const partreg_fit *fit, const double *B, double c, double *V)
{
    size_t k = fit->k;
    partreg_sandwich_product(fit->bread->data, fit->bread->tda, B, k, c, c, V);
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < a; b++)
            V[a * k + b] = V[b * k + a] = 0.5 * (V[a * k + b] + V[b * k + a]);
    return PARTREG_OK;
}

/* The scores carry the weights and the meat their square: it is summed
 * from the scores divided by c, a power of 2 near the mean weight (exact),
 * and V = (c A^-1) (B / c^2) (c A^-1), as the sandwich estimators do. */
static double score_scale(const partreg_fit *fit)
{
    double mean_w = fit->sum_w / (double)fit->n, c = 1.0;
    if (isfinite(mean_w) && mean_w > 0.0) {
        int e2;
        frexp(mean_w, &e2);
        c = ldexp(1.0, e2 - 1);
    }
    return c;
}

static partreg_status linearised(const partreg_fit *fit, const partreg_data *data,
                                 const partreg_survey *s, double *V, partreg_survey_info *info,
                                 partreg_error *err)
{
    size_t k = fit->k;
    partreg_design d;
    partreg_objective obj;
    partreg_fit_design(fit, data, &d);
    partreg_fit_objective(fit, &d, &obj);
    double c = score_scale(fit);
    score_runs runs = {0, NULL};
    layout L;
    int have_layout = 0;
    double *z = NULL, *B = NULL;
    partreg_status st = PARTREG_OK;
    if (score_runs_pass(fit, &obj, s, c, &runs) != PARTREG_OK) {
        st = nomem(err);
        goto cleanup;
    }
    info->data_passes = 1.0;
    if ((st = layout_from_runs(s, &runs, &L, err)) != PARTREG_OK)
        goto cleanup;
    have_layout = 1;
    info->n_strata = L.H;
    info->n_psu = L.G;
    info->df = (double)L.G - (double)L.H;
    if (!(info->df >= 1.0)) {
        st = partreg_error_set(err, PARTREG_EINVAL,
                               "%zu PSUs in %zu strata leave no degrees of freedom for a design "
                               "variance; a design needs more PSUs than strata",
                               L.G, L.H);
        goto cleanup;
    }
    if (L.G > SIZE_MAX / sizeof(double) / (k ? k : 1)) {
        st = nomem(err);
        goto cleanup;
    }
    z = calloc((L.G * k) != 0 ? L.G * k : 1, sizeof *z);
    B = calloc((k * k) != 0 ? k * k : 1, sizeof *B);
    if (!z || !B) {
        st = nomem(err);
        goto cleanup;
    }
    psu_totals(&runs, k, z);
    if ((st = meat_from_totals(s->lonely, &L, z, k, B, &info->n_lonely, err)) != PARTREG_OK)
        goto cleanup;
    if ((st = sandwich(fit, B, c, V)) != PARTREG_OK)
        st = nomem(err);
cleanup:
    score_runs_free(&runs);
    free(z);
    free(B);
    if (have_layout)
        layout_free(&L);
    return st;
}

/* ---- a design over rows in shares ---------------------------------------- */

static partreg_status install(partreg_fit *fit, partreg_status st, double *V,
                              const partreg_survey_info *info, partreg_error *err);
static partreg_status check_fit(const partreg_fit *fit, partreg_error *err);

/* Every process's bytes to every process (comm NULL: this one's alone). */
static int gather_all(const partreg_comm *comm, const void *mine, size_t bytes, void **all,
                      size_t *got)
{
    if (comm)
        return comm->ops->allgather(comm->ctx, mine, bytes, all, got);
    *all = malloc(bytes ? bytes : 1);
    if (!*all)
        return -1;
    if (bytes)
        memcpy(*all, mine, bytes);
    got[0] = bytes;
    return 0;
}

static partreg_status agree(const partreg_comm *comm, partreg_status st, partreg_error *err)
{
    return comm ? partreg_comm_agree(comm, st, err) : st;
}

/* The whole design's PSUs, numbered in order of first row as make_layout
 * numbers them: every process's PSUs in process order (its rows are the
 * next rows of the whole), a PSU that an earlier process has taking that
 * process's number. Renumbers sh->row_psu; fills L but its fpc. */
static partreg_status share_psus(const partreg_comm *comm, partreg_survey_share *sh,
                                 size_t first_row, layout *L, partreg_error *err)
{
    size_t P = comm ? (size_t)comm->size : 1, me = comm ? (size_t)comm->rank : 0;
    memset(L, 0, sizeof *L);
    L->has_strata = sh->has_strata;
    L->names = sh->stratum_names;
    uint64_t *mine = malloc((sh->n_psu ? sh->n_psu : 1) * 2 * sizeof *mine);
    size_t *got = calloc(P, sizeof *got), *to_global = NULL;
    void *all = NULL;
    partreg_status st = mine && got ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t l = 0; st == PARTREG_OK && l < sh->n_psu; l++) {
        mine[2 * l] = sh->psu_stratum[l];
        mine[2 * l + 1] = sh->has_psu ? sh->psu_code[l] : first_row + l;
    }
    st = agree(comm, st, err);
    if (st == PARTREG_OK &&
        gather_all(comm, mine, sh->n_psu * 2 * sizeof *mine, &all, got) != 0)
        st = PARTREG_EIO;
    st = agree(comm, st, err);
    size_t total = 0;
    for (size_t q = 0; st == PARTREG_OK && got && q < P; q++)
        total += got[q] / (2 * sizeof(uint64_t));
    uint64_t *keys = NULL;
    size_t *vals = NULL, cap = 16;
    while (st == PARTREG_OK && cap < 2 * total)
        cap *= 2;
    if (st == PARTREG_OK) {
        L->psu_h = calloc(total ? total : 1, sizeof *L->psu_h);
        to_global = malloc((sh->n_psu ? sh->n_psu : 1) * sizeof *to_global);
        /* without --psu every row is a PSU of its own: no PSU spans
         * processes, and none repeats */
        if (sh->has_psu) {
            keys = calloc(2 * cap, sizeof *keys);
            vals = malloc(cap * sizeof *vals);
        }
        if (!L->psu_h || !to_global || (sh->has_psu && (!keys || !vals)))
            st = PARTREG_ENOMEM;
    }
    const uint64_t *pairs = all;
    for (size_t q = 0, at = 0; st == PARTREG_OK && got && pairs && q < P; q++) {
        size_t m = got[q] / (2 * sizeof(uint64_t));
        for (size_t l = 0; l < m; l++, at++) {
            uint64_t h = pairs[2 * at], c = pairs[2 * at + 1];
            size_t g = L->G;
            if (sh->has_psu) {
                uint64_t x = (h * UINT64_C(0x9E3779B97F4A7C15)) ^ (c + UINT64_C(0x632BE59BD9B4E019));
                x *= UINT64_C(0xBF58476D1CE4E5B9);
                size_t slot = (size_t)(x >> 20) & (cap - 1);
                while (keys[2 * slot] != 0 &&
                       (keys[2 * slot] != h + 1 || keys[2 * slot + 1] != c))
                    slot = (slot + 1) & (cap - 1);
                if (keys[2 * slot] == 0) {
                    keys[2 * slot] = h + 1;
                    keys[2 * slot + 1] = c;
                    vals[slot] = L->G;
                    L->psu_h[L->G++] = (size_t)h;
                }
                g = vals[slot];
            } else {
                L->psu_h[L->G++] = (size_t)h;
            }
            if (q == me)
                to_global[l] = g;
        }
    }
    free(keys);
    free(vals);
    free(all);
    free(mine);
    free(got);
    /* strata: the codes that occur, in code order */
    size_t C = sh->n_stratum_codes ? sh->n_stratum_codes : 1;
    size_t *dense = st == PARTREG_OK ? malloc(C * sizeof *dense) : NULL;
    if (st == PARTREG_OK && !dense)
        st = PARTREG_ENOMEM;
    for (size_t c = 0; dense && c < C; c++)
        dense[c] = SIZE_MAX;
    for (size_t g = 0; dense && g < L->G; g++)
        dense[L->psu_h[g] < C ? L->psu_h[g] : 0] = 0;
    for (size_t c = 0; dense && c < C; c++)
        if (dense[c] == 0)
            dense[c] = L->H++;
    if (st == PARTREG_OK) {
        L->code_of = calloc(L->H ? L->H : 1, sizeof *L->code_of);
        L->n_h = calloc(L->H ? L->H : 1, sizeof *L->n_h);
        L->f_h = calloc(L->H ? L->H : 1, sizeof *L->f_h);
        if (!L->code_of || !L->n_h || !L->f_h)
            st = PARTREG_ENOMEM;
    }
    for (size_t c = 0; st == PARTREG_OK && c < C; c++)
        if (dense[c] != SIZE_MAX)
            L->code_of[dense[c]] = c;
    for (size_t g = 0; st == PARTREG_OK && g < L->G; g++) {
        L->psu_h[g] = dense[L->psu_h[g] < C ? L->psu_h[g] : 0];
        L->n_h[L->psu_h[g]]++;
    }
    for (size_t i = 0; st == PARTREG_OK && sh->row_psu && i < sh->n_rows; i++)
        sh->row_psu[i] = to_global[sh->row_psu[i]];
    free(dense);
    free(to_global);
    if (st == PARTREG_ENOMEM)
        nomem(err);
    else if (st != PARTREG_OK)
        partreg_error_set(err, st, "the processes could not exchange their PSUs");
    st = agree(comm, st, err);
    if (st != PARTREG_OK)
        layout_free(L);
    return st;
}

/* make_layout's fpc checks and fractions over the shares: the first row
 * (of the whole design) whose fpc is not its stratum's first. */
static partreg_status share_fpc(const partreg_comm *comm, const partreg_survey_share *sh,
                                size_t first_row, layout *L, partreg_error *err)
{
    size_t P = comm ? (size_t)comm->size : 1, C = sh->n_stratum_codes ? sh->n_stratum_codes : 1;
    double *mine = malloc(C * sizeof *mine), *first = malloc(C * sizeof *first);
    size_t *got = calloc(P, sizeof *got), *dense = malloc(C * sizeof *dense);
    void *all = NULL;
    partreg_status st = mine && first && got && dense ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t c = 0; st == PARTREG_OK && c < C; c++)
        mine[c] = sh->fpc_first_row[c] == SIZE_MAX ? NAN : sh->fpc_first[c];
    st = agree(comm, st, err);
    if (st == PARTREG_OK && gather_all(comm, mine, C * sizeof *mine, &all, got) != 0)
        st = PARTREG_EIO;
    st = agree(comm, st, err);
    for (size_t c = 0; st == PARTREG_OK && all && c < C; c++) {
        first[c] = NAN;
        for (size_t q = 0; q < P && isnan(first[c]); q++)
            first[c] = ((const double *)all)[q * C + c];
    }
    for (size_t c = 0; dense && c < C; c++)
        dense[c] = SIZE_MAX;
    for (size_t h = 0; dense && h < L->H; h++)
        dense[L->code_of[h]] = h;
    /* this share's first row that differs from its stratum's first */
    size_t bad = SIZE_MAX, bad_c = 0;
    double bad_v = 0.0;
    for (size_t c = 0; st == PARTREG_OK && c < C; c++) {
        if (sh->fpc_first_row[c] == SIZE_MAX)
            continue;
        size_t r = sh->fpc_first[c] != first[c] ? sh->fpc_first_row[c] : sh->fpc_diff_row[c];
        double v = sh->fpc_first[c] != first[c] ? sh->fpc_first[c] : sh->fpc_diff_value[c];
        if (r < bad) {
            bad = r;
            bad_c = c;
            bad_v = v;
        }
    }
    if (st == PARTREG_OK && bad != SIZE_MAX) {
        char buf[32];
        size_t i = first_row + bad;
        st = partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                     "the fpc varies within stratum %s (%g and %g on row %zu); it "
                                     "must be constant within a stratum",
                                     stratum_label(L, dense[bad_c], buf, sizeof buf), first[bad_c],
                                     bad_v, i + 1);
    } else if (st == PARTREG_ENOMEM) {
        nomem(err);
    } else if (st != PARTREG_OK) {
        partreg_error_set(err, st, "the processes could not exchange the fpc");
    }
    st = agree(comm, st, err);
    for (size_t h = 0; st == PARTREG_OK && h < L->H; h++) {
        double v = first[L->code_of[h]];
        if (v > 1.0 && v < (double)L->n_h[h]) {
            char buf[32];
            st = partreg_error_set(
                err, PARTREG_EINVAL,
                "stratum %s: the fpc says %g PSUs in the population but %zu were sampled; "
                "give the population count (>= PSUs sampled) or the sampling fraction",
                stratum_label(L, h, buf, sizeof buf), v, L->n_h[h]);
            break;
        }
        L->f_h[h] = v > 1.0 ? (double)L->n_h[h] / v : v;
    }
    free(all);
    free(mine);
    free(first);
    free(got);
    free(dense);
    return st;
}

/* The sum of the sampling weights in row order: each process adds its
 * rows to the sum of the processes before it, in turn. */
static partreg_status share_population(const partreg_comm *comm, const partreg_survey_share *sh,
                                       double *pop, partreg_error *err)
{
    double carry = 0.0;
    if (!comm) {
        for (size_t i = 0; sh->sw && i < sh->n_rows; i++)
            carry += sh->sw[i];
        *pop = sh->sw ? carry : sh->population;
        return PARTREG_OK;
    }
    size_t *got = calloc((size_t)comm->size, sizeof *got);
    partreg_status st = agree(comm, got ? PARTREG_OK : nomem(err), err);
    for (int turn = 0; st == PARTREG_OK && got && turn < comm->size; turn++) {
        int me = turn == comm->rank;
        if (me) {
            if (sh->sw)
                for (size_t i = 0; i < sh->n_rows; i++)
                    carry += sh->sw[i];
            else
                carry += sh->population;
        }
        void *all = NULL;
        if (comm->ops->allgather(comm->ctx, &carry, me ? sizeof carry : 0, &all, got) != 0)
            st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange sums");
        else if (got[turn] == sizeof carry)
            memcpy(&carry, all, sizeof carry);
        free(all);
        st = agree(comm, st, err);
    }
    free(got);
    *pop = carry;
    return st;
}

partreg_status partreg_fit_set_survey_share(partreg_fit *fit, partreg_survey_share *sh,
                                            partreg_error *err)
{
    if (!fit || !sh || !fit->rows)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_fit_set_survey_share: NULL argument or a fit in memory");
    const partreg_rows *rows = fit->rows;
    const partreg_comm *comm = rows->comm && rows->comm->size > 1 ? rows->comm : NULL;
    partreg_status st = agree(comm, check_fit(fit, err), err);
    if (st != PARTREG_OK)
        return st;
    size_t k = fit->k, first_row = comm ? rows->first : 0;
    partreg_survey_info info;
    memset(&info, 0, sizeof info);
    if ((st = share_population(comm, sh, &info.population_size, err)) != PARTREG_OK)
        return st;
    size_t before = 0, inside = sh->subpop_size;
    if (comm && partreg_comm_prefix(comm, sh->subpop_size, &before, &inside) != 0)
        st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange counts");
    if ((st = agree(comm, st, err)) != PARTREG_OK)
        return st;
    info.subpop_size = sh->has_subpop ? inside : fit->n;
    info.has_subpop = sh->has_subpop;
    info.has_fpc = sh->has_fpc;
    info.lonely_psu = sh->lonely;
    layout L;
    if ((st = share_psus(comm, sh, first_row, &L, err)) != PARTREG_OK)
        return st;
    if (sh->has_fpc && (st = share_fpc(comm, sh, first_row, &L, err)) != PARTREG_OK) {
        layout_free(&L);
        return st;
    }
    info.n_strata = L.H;
    info.n_psu = L.G;
    info.df = (double)L.G - (double)L.H;
    double *z = NULL, *B = NULL, *V = NULL;
    if (!(info.df >= 1.0)) {
        st = partreg_error_set(err, PARTREG_EINVAL,
                               "%zu PSUs in %zu strata leave no degrees of freedom for a design "
                               "variance; a design needs more PSUs than strata",
                               L.G, L.H);
        goto cleanup;
    }
    if (L.G > SIZE_MAX / sizeof(double) / (k ? k : 1)) {
        st = nomem(err);
        goto cleanup;
    }
    z = calloc((L.G * k) != 0 ? L.G * k : 1, sizeof *z);
    B = calloc((k * k) != 0 ? k * k : 1, sizeof *B);
    V = calloc((k * k) != 0 ? k * k : 1, sizeof *V);
    st = agree(comm, z && B && V ? PARTREG_OK : nomem(err), err);
    if (st != PARTREG_OK)
        goto cleanup;
    partreg_design d;
    partreg_objective obj;
    partreg_data none;
    memset(&none, 0, sizeof none);
    none.n = fit->n;
    none.p = fit->p;
    if ((st = partreg_inference_check_data(fit, &none, &d, &obj, err)) != PARTREG_OK)
        goto cleanup;
    double c = score_scale(fit);
    size_t seen = 0, bad = 0;
    /* the PSU totals: the cluster sums of the PSU numbers, run by run in
     * segment order (psu_totals' bits: score_sums a segment where the
     * model has it), whatever share a PSU's rows are in */
    st = partreg_meat_psu_totals(fit, &obj, rows, sh->row_psu, L.G, c, z, &seen, &bad);
    if (st == PARTREG_ENOMEM)
        nomem(err);
    else if (st != PARTREG_OK)
        partreg_error_set(err, st, "the PSU totals could not be summed (row %zu)", bad + 1);
    if (st != PARTREG_OK)
        goto cleanup;
    info.data_passes = 1.0;
    if ((st = meat_from_totals(sh->lonely, &L, z, k, B, &info.n_lonely, err)) != PARTREG_OK)
        goto cleanup;
    if ((st = sandwich(fit, B, c, V)) != PARTREG_OK)
        st = nomem(err);
cleanup:
    free(z);
    free(B);
    layout_free(&L);
    if ((st = agree(comm, st, err)) != PARTREG_OK) {
        free(V);
        return st;
    }
    return install(fit, st, V, &info, err);
}

partreg_status partreg_survey_meat_rows(const partreg_survey *s, const double *u, size_t m,
                                        double *B, partreg_error *err)
{
    layout L;
    partreg_status st = make_layout(s, &L, err);
    if (st)
        return st;
    double *z = calloc((L.G * m) != 0 ? L.G * m : 1, sizeof *z);
    if (!z) {
        layout_free(&L);
        return nomem(err);
    }
    for (size_t i = 0; i < s->n; i++) {
        double *zg = z + (L.row_psu ? L.row_psu[i] : i) * m;
        for (size_t j = 0; j < m; j++)
            zg[j] += u[i * m + j];
    }
    size_t n_lonely;
    st = meat_from_totals(s->lonely, &L, z, m, B, &n_lonely, err);
    free(z);
    layout_free(&L);
    return st;
}

/* ---- the fit ------------------------------------------------------------- */

double partreg_fit_design_df(const partreg_fit *fit)
{
    return fit && fit->survey ? fit->survey->df : INFINITY;
}

int partreg_fit_survey_info(const partreg_fit *fit, partreg_survey_info *out)
{
    if (!fit || !fit->survey)
        return 0;
    if (out)
        *out = *fit->survey;
    return 1;
}

/* The design covariance V (k x k, freed here) and its info into the fit,
 * when st (the computation's status) is PARTREG_OK. */
static partreg_status install(partreg_fit *fit, partreg_status st, double *V,
                              const partreg_survey_info *info, partreg_error *err)
{
    size_t k = fit->k;
    if (st == PARTREG_OK) {
        for (size_t a = 0; a < k * k; a++)
            if (!isfinite(V[a])) {
                st = partreg_error_set(err, PARTREG_ENUMERIC,
                                       "the design covariance has non-finite entries");
                break;
            }
    }
    if (st != PARTREG_OK) {
        free(V);
        return st;
    }
    partreg_survey_info *keep = malloc(sizeof *keep);
    if (!keep) {
        free(V);
        return nomem(err);
    }
    *keep = *info;
    partreg_fit_install_vcov(fit, V,
                             info->replicate ? PARTREG_VCOV_REPLICATE : PARTREG_VCOV_DESIGN);
    for (size_t j = 0; j < fit->K; j++)
        partreg_fit_set_df(fit, j, info->df);
    free(fit->survey);
    fit->survey = keep;
    fit->n_clusters = 0;
    free(V);
    partreg_error_clear(err);
    return PARTREG_OK;
}

/* A fit whose covariance a design may replace. */
static partreg_status check_fit(const partreg_fit *fit, partreg_error *err)
{
    if (!fit->converged)
        return partreg_error_set(err, fit->separated ? PARTREG_ESEPARATION : PARTREG_ENOTCONVERGED,
                                 "the fit did not converge, so it has no design variance");
    if (fit->singular || !fit->bread || !isfinite(gsl_matrix_get(fit->bread, 0, 0)))
        return partreg_error_set(err, PARTREG_ESINGULAR,
                                 "the information matrix is singular at the estimate, so no "
                                 "design covariance is available");
    return PARTREG_OK;
}

partreg_status partreg_fit_set_survey(partreg_fit *fit, const partreg_data *data,
                                      const partreg_survey *s, partreg_error *err)
{
    if (!fit || !data || !s)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_set_survey: NULL argument");
    if (data->n != fit->n || data->p != fit->p || !data->X || !data->y)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the data have %zu rows and %zu columns but the model was "
                                 "fitted on %zu rows and %zu columns; pass the fit's own data",
                                 data->n, data->p, fit->n, fit->p);
    if (s->n != fit->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the design has %zu rows but the model was fitted on %zu",
                                 s->n, fit->n);
    if (!s->fitw)
        return partreg_error_set(err, PARTREG_EINVAL, "the design has no weights");
    for (size_t i = 0; i < s->n; i++) {
        double w = data->w ? data->w[i] : 1.0;
        if (w != s->fitw[i])
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                           "row %zu: the fit's weight %g is not the design's "
                                           "%g; fit with partreg_survey_fit_weights() as the "
                                           "weights (or use partreg_fit_create_survey())",
                                           i + 1, w, s->fitw[i]);
    }
    partreg_status st = check_fit(fit, err);
    if (st != PARTREG_OK)
        return st;
    size_t k = fit->k;
    partreg_survey_info info;
    memset(&info, 0, sizeof info);
    double pop = 0.0;
    for (size_t i = 0; i < s->n; i++)
        pop += s->w[i];
    info.population_size = pop;
    info.subpop_size = s->subpop_size;
    info.has_subpop = s->domain != NULL;
    info.has_fpc = s->fpc != NULL;
    info.lonely_psu = s->lonely;
    double *V = calloc((k * k) != 0 ? k * k : 1, sizeof *V);
    if (!V)
        return nomem(err);
    if (s->repw) {
        info.replicate = 1;
        info.n_replicates = s->R;
        info.rep_type = s->rep_type;
        info.fay_rho = s->rho;
        info.rep_mse = s->mse;
        info.df = (double)s->R - 1.0;
        st = partreg_survey_replicate_vcov(fit, data, s, V, &info.data_passes,
                                           &info.replicate_iterations, err);
    } else {
        st = linearised(fit, data, s, V, &info, err);
    }
    return install(fit, st, V, &info, err);
}

partreg_status partreg_fit_create_survey(const partreg_data *data, const partreg_model_spec *spec,
                                         const partreg_survey *design,
                                         const partreg_fit_options *opt, partreg_fit **out,
                                         partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!data || !design || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_create_survey: NULL argument");
    if (data->w)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "case (frequency) weights and a survey design cannot be "
                                 "combined: the design's sampling weights are the weights; "
                                 "pass data without weights");
    if (design->n != data->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the design has %zu rows but the data %zu", design->n, data->n);
    partreg_data d = *data;
    d.w = design->fitw;
    partreg_fit *fit = NULL;
    partreg_status st = partreg_fit_create_spec(&d, spec, opt, &fit, err);
    if (!fit)
        return st;
    if (st == PARTREG_OK && (st = partreg_fit_set_survey(fit, &d, design, err)) != PARTREG_OK) {
        partreg_fit_free(fit);
        return st;
    }
    *out = fit;
    return st;
}
