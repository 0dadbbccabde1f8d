/* The analysis steps of ordinal models beyond proportional odds: the model
 * specification from --nominal and --scale, gologit2's autofit, and the
 * tests of the parallel-lines and constant-scale assumptions.
 *
 * Autofit (Williams 2006, gologit2's autofit(alpha)): start with every
 * variable of the formula nominal; repeatedly Wald-test, for each
 * still-nominal variable, that its slopes are equal across cuts (all its
 * columns jointly, with the covariance the analysis asks for); make the
 * variable with the largest p-value above alpha parallel and refit; stop
 * when every remaining test has p <= alpha. The steps are the tests that
 * made each variable parallel, in order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"
#include "inference/inference_internal.h"
#include "report/analysis_internal.h"

/* gologit2's default level of autofit */
#define AUTOFIT_ALPHA 0.05

/* The specification of the model: the family's, with the given nominal
 * columns and the frame's scale columns. */
static partreg_status model_spec(const partreg_analysis *a, const partreg_analysis_spec *s,
                                 const size_t *nominal, size_t n_nominal,
                                 partreg_model_spec **out, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    size_t p = partreg_frame_n_columns(fr), n_scale = 0;
    partreg_status st = partreg_model_spec_create(partreg_frame_family(fr), s->link, out, err);
    if (st == PARTREG_OK && s->firth)
        st = partreg_model_spec_set_penalty(*out, PARTREG_PENALTY_FIRTH, err);
    if (st == PARTREG_OK && s->flic)
        st = partreg_model_spec_set_flic(*out, 1, err);
    if (st == PARTREG_OK)
        st = partreg_analysis_set_groups(a, s, *out, err);
    if (st != PARTREG_OK) {
        partreg_model_spec_free(*out);
        *out = NULL;
        return st;
    }
    size_t *scale = malloc((p ? p : 1) * sizeof *scale);
    unsigned char *only = malloc(p ? p : 1);
    if (!scale || !only) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < p; j++) {
        unsigned r = partreg_frame_column_roles(fr, j);
        if (r & PARTREG_ROLE_SCALE) {
            scale[n_scale] = j;
            only[n_scale++] = !(r & PARTREG_ROLE_LOCATION);
        }
    }
    if (n_nominal > 0 && (st = partreg_model_spec_set_nominal(*out, n_nominal, nominal, err)))
        goto done;
    if (n_scale > 0)
        st = partreg_model_spec_set_scale(*out, n_scale, scale, only, err);
done:
    if (st == PARTREG_EUNSUPPORTED)
        st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                               "%s is for ordinal models (3 or more outcome levels, --family "
                               "ordinal); this model is binary",
                               n_nominal > 0 ? "--nominal" : "--scale");
    if (st != PARTREG_OK) {
        partreg_model_spec_free(*out);
        *out = NULL;
    }
    free(scale);
    free(only);
    return st;
}

static partreg_status fit_with(partreg_analysis *a, const partreg_analysis_spec *s,
                               const partreg_data *d, const size_t *nominal, size_t n_nominal,
                               partreg_fit **fit, partreg_error *err)
{
    partreg_model_spec *spec = NULL;
    partreg_status st = model_spec(a, s, nominal, n_nominal, &spec, err);
    if (st != PARTREG_OK)
        return st;
    st = partreg_fit_create_spec(d, spec, &s->fit, fit, err);
    partreg_model_spec_free(spec);
    return st;
}

static partreg_status refuse_binary(const partreg_analysis *a, const char *option,
                                    partreg_error *err)
{
    if (partreg_frame_n_levels(a->frame) > 2) /* a binary frame has two */
        return PARTREG_OK;
    return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                             "%s is for ordinal models (3 or more outcome levels, --family "
                             "ordinal); this model is binary",
                             option);
}

/* The location columns of the variables marked in on[], ascending. */
static size_t columns_of(const partreg_frame *fr, const unsigned char *on, size_t *cols,
                         unsigned char *pick)
{
    size_t p = partreg_frame_n_columns(fr), n = 0;
    memset(pick, 0, p ? p : 1);
    for (size_t v = 0; v < partreg_frame_n_variables(fr); v++) {
        if (!on[v])
            continue;
        size_t nc = 0;
        const size_t *vc = partreg_frame_variable_columns(fr, v, &nc);
        for (size_t i = 0; i < nc; i++)
            if (partreg_frame_column_roles(fr, vc[i]) & PARTREG_ROLE_LOCATION)
                pick[vc[i]] = 1;
    }
    for (size_t j = 0; j < p; j++)
        if (pick[j])
            cols[n++] = j;
    return n;
}

/* Variables with location columns marked in on[]; their count. */
static size_t location_variables(const partreg_frame *fr, unsigned char *on)
{
    size_t count = 0;
    for (size_t v = 0; v < partreg_frame_n_variables(fr); v++) {
        size_t nc = 0;
        const size_t *vc = partreg_frame_variable_columns(fr, v, &nc);
        on[v] = 0;
        for (size_t i = 0; i < nc; i++)
            if (partreg_frame_column_roles(fr, vc[i]) & PARTREG_ROLE_LOCATION)
                on[v] = 1;
        count += on[v];
    }
    return count;
}

static partreg_status autofit(partreg_analysis *a, const partreg_analysis_spec *s,
                              double alpha, const partreg_data *d, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    size_t nv = partreg_frame_n_variables(fr), p = partreg_frame_n_columns(fr);
    unsigned char *on = calloc(nv ? nv : 1, 1), *pick = malloc(p ? p : 1);
    size_t *cols = malloc((p ? p : 1) * sizeof *cols);
    partreg_status st = PARTREG_OK;
    a->autofit = partreg_variable_tests_create(nv);
    a->autofit_alpha = alpha;
    if (!on || !pick || !cols || !a->autofit) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    location_variables(fr, on);
    for (int step = 1;; step++) {
        size_t n = columns_of(fr, on, cols, pick);
        partreg_fit *fit = NULL;
        st = fit_with(a, s, d, cols, n, &fit, err);
        if (!fit)
            goto done;
        a->fit = fit;
        if (st != PARTREG_OK) { /* the analysis reports the failed fit */
            char why[PARTREG_ERROR_MESSAGE_SIZE] = "";
            if (err)
                memcpy(why, err->message, sizeof why);
            partreg_error_set(err, st, "--autofit, fit %d (%zu nominal columns): %s", step, n,
                              why);
            goto done;
        }
        if (n == 0 || (st = partreg_analysis_set_vcov(a, s, fit, err)) != PARTREG_OK)
            goto done;
        partreg_variable_tests *t = NULL;
        if ((st = partreg_equal_slopes_test(fit, fr, &t, err)) != PARTREG_OK)
            goto done;
        /* the still-nominal variable whose equal-slopes test has the
         * largest p-value (the first in formula order on ties) */
        const partreg_variable_test *best = NULL;
        size_t best_v = 0;
        for (size_t i = 0; i < partreg_variable_tests_n_tests(t); i++) {
            const partreg_variable_test *e = partreg_variable_tests_get(t, i);
            size_t v = 0;
            if (partreg_frame_find_variable(fr, e->variable, &v, NULL) != PARTREG_OK || !on[v] ||
                !(e->p_value > alpha))
                continue;
            if (!best || e->p_value > best->p_value) {
                best = e;
                best_v = v;
            }
        }
        if (!best) {
            partreg_variable_tests_free(t);
            goto done;
        }
        partreg_variable_test *rec = partreg_variable_tests_append(a->autofit, best->variable);
        if (!rec) {
            partreg_variable_tests_free(t);
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto done;
        }
        rec->chi2 = best->chi2;
        rec->df = best->df;
        rec->p_value = best->p_value;
        rec->adjusted_f = best->adjusted_f;
        rec->df1 = best->df1;
        rec->df2 = best->df2;
        rec->step = step;
        partreg_variable_tests_free(t);
        on[best_v] = 0;
        partreg_fit_free(a->fit);
        a->fit = NULL;
    }
done:
    free(on);
    free(pick);
    free(cols);
    return st;
}

partreg_status partreg_analysis_fit_model(partreg_analysis *a, const partreg_analysis_spec *s,
                                          const partreg_data *d, partreg_error *err)
{
    partreg_status st;
    if (s->nominal && s->autofit)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "--nominal and --autofit both choose the nominal variables; "
                                 "give one of them");
    if (s->autofit) {
        /* zero: the default level, gologit2's */
        double alpha = s->autofit_alpha == 0.0 ? AUTOFIT_ALPHA : s->autofit_alpha;
        if (!(alpha > 0 && alpha < 1))
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "--autofit level %g is outside (0, 1); use e.g. 0.05", alpha);
        if ((st = refuse_binary(a, "--autofit", err)) != PARTREG_OK)
            return st;
        return autofit(a, s, alpha, d, err);
    }
    size_t *cols = NULL, n = 0;
    if (s->nominal) {
        if ((st = refuse_binary(a, "--nominal", err)) != PARTREG_OK ||
            (st = partreg_frame_select_columns(a->frame, "--nominal", s->nominal, &cols, &n,
                                               err)) != PARTREG_OK)
            return st;
    }
    st = fit_with(a, s, d, cols, n, &a->fit, err);
    free(cols);
    return st;
}

/* Equal slopes, per variable, in the model with every variable nominal
 * (and the analysis' scale terms), under the covariance in force. A refit
 * that diverges or does not converge gives entries without statistics. */
static partreg_status parallel_test(partreg_analysis *a, const partreg_analysis_spec *s,
                                    partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    size_t nv = partreg_frame_n_variables(fr), p = partreg_frame_n_columns(fr);
    unsigned char *on = calloc(nv ? nv : 1, 1), *pick = malloc(p ? p : 1);
    size_t *cols = malloc((p ? p : 1) * sizeof *cols);
    partreg_fit *fit = NULL;
    partreg_status st = PARTREG_OK;
    if (!on || !pick || !cols) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto done;
    }
    location_variables(fr, on);
    size_t n = columns_of(fr, on, cols, pick);
    partreg_data d;
    partreg_frame_data(fr, &d);
    partreg_error ferr;
    partreg_status fs = fit_with(a, s, &d, cols, n, &fit, &ferr);
    if (fs == PARTREG_OK && (st = partreg_analysis_set_vcov(a, s, fit, err)) == PARTREG_OK)
        st = partreg_equal_slopes_test(fit, fr, &a->parallel_test, err);
    else if (fs == PARTREG_ESEPARATION || fs == PARTREG_ENOTCONVERGED) {
        /* no statistics: each variable says why */
        if (!(a->parallel_test = partreg_variable_tests_create(nv))) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t v = 0; v < nv; v++) {
            if (!on[v])
                continue;
            partreg_variable_test *e =
                partreg_variable_tests_append(a->parallel_test, partreg_frame_variable_name(fr, v));
            if (!e) {
                st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
                goto done;
            }
            e->diverges = fs == PARTREG_ESEPARATION;
            e->converged = 0;
        }
    } else if (fs != PARTREG_OK) {
        st = partreg_error_set(err, fs, "--parallel-test: fitting the model with every variable "
                                        "nominal: %s",
                               ferr.message);
    }
done:
    partreg_fit_free(fit);
    free(on);
    free(pick);
    free(cols);
    return st;
}

partreg_status partreg_analysis_ordinal_tests(partreg_analysis *a, const partreg_analysis_spec *s,
                                              partreg_error *err)
{
    partreg_status st;
    if (s->nominal_test &&
        ((st = refuse_binary(a, "--nominal-test", err)) != PARTREG_OK ||
         (st = partreg_nominal_test(a->fit, a->frame, &a->nominal_test, err)) != PARTREG_OK))
        return st;
    if (s->scale_test &&
        ((st = refuse_binary(a, "--scale-test", err)) != PARTREG_OK ||
         (st = partreg_scale_test(a->fit, a->frame, &a->scale_test, err)) != PARTREG_OK))
        return st;
    if (s->parallel_test && ((st = refuse_binary(a, "--parallel-test", err)) != PARTREG_OK ||
                             (st = parallel_test(a, s, err)) != PARTREG_OK))
        return st;
    if (s->ordinal_gof) {
        if ((st = refuse_binary(a, "--gof", err)) != PARTREG_OK ||
            (st = partreg_fit_ordinal_gof(a->fit, a->frame, NULL, &a->gof, err)) != PARTREG_OK)
            return st;
        a->has_gof = 1;
    }
    return PARTREG_OK;
}
