/* Profile-likelihood confidence intervals of coefficients.
 *
 * For coefficient j with estimate bhat and maximised log-likelihood l(bhat),
 *   l_max(b) = max over the other parameters of l with beta_j = b,
 *   r(b)     = sign(b - bhat) sqrt(2 (l(bhat) - l_max(b))),
 * and the level-(1 - alpha) interval is {b : |r(b)| <= z}, z = Phi^-1(1 - alpha/2)
 * (Venzon & Moolgavkar 1988; the intervals of R's MASS::confint.glm and
 * ordinal::confint.clm, which interpolate where we solve exactly).
 *
 * l_max(b) is a Newton fit of the model's own objective over the other
 * k - 1 free parameters with x_j b entering the linear predictor as an
 * offset: the wrapper objective below inserts b at position j of the full
 * parameter vector and projects the gradient and information back, so every
 * family and link is profiled by the code that fits it. Each bound is
 * bracketed outwards from the Wald bound (doubling the distance from bhat
 * until |r| >= z) and then located by Brent's method (gsl_root_fsolver_brent)
 * on h(b) = |r(b)| - z. Every refit starts from the previous refit's
 * estimate (the first from the linear approximation of the profile trace,
 * theta_-j(bhat) + V_-j,j / V_jj (b - bhat)). See docs/methods_inference.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "core/error.h"
#include "inference/inference_internal.h"
#include "models/newton.h"

/* Bracket expansions (doublings of the Wald half-width) before a bound is
 * declared infinite. */
#define MAX_EXPANSIONS 24
/* Brent iterations at most. */
#define MAX_BRENT 200
/* Bound tolerance: |hi - lo| < ABS_TOL + REL_TOL min(|lo|, |hi|). */
#define ABS_TOL 1e-12
#define REL_TOL 1e-11

/* ---- the objective with one free parameter held fixed --------------- */

typedef struct constrained {
    const partreg_objective *base;
    size_t f0;     /* free index held fixed */
    double value;  /* its value */
    double *full;  /* k doubles, for feasible() (called from the solver thread only) */
} constrained;

static void expand(const constrained *c, const double *sub, double *full)
{
    size_t k = c->base->k;
    for (size_t f = 0, s = 0; f < k; f++)
        full[f] = f == c->f0 ? c->value : sub[s++];
}

static size_t full_of(const constrained *c, size_t s) { return s < c->f0 ? s : s + 1; }

static void constrained_accumulate(const void *model, const double *theta, size_t begin,
                                   size_t end, partreg_order order, partreg_accum *acc,
                                   double *scratch)
{
    const constrained *c = model;
    size_t k = c->base->k, m = k - 1;
    double *full = scratch + c->base->scratch_doubles;
    double *grad = full + k;
    double *info = grad + k;
    expand(c, theta, full);
    partreg_accum a = {k, 0.0, grad, info, 0};
    if (order >= PARTREG_ORDER_GRADIENT)
        memset(grad, 0, k * sizeof *grad);
    if (order >= PARTREG_ORDER_HESSIAN)
        memset(info, 0, k * k * sizeof *info);
    c->base->accumulate(c->base->model, full, begin, end, order, &a, scratch);
    acc->loglik += a.loglik;
    acc->nonfinite |= a.nonfinite;
    if (order < PARTREG_ORDER_GRADIENT)
        return;
    for (size_t s = 0; s < m; s++)
        acc->grad[s] += grad[full_of(c, s)];
    if (order < PARTREG_ORDER_HESSIAN)
        return;
    for (size_t r = 0; r < m; r++) { /* the index map is increasing: lower stays lower */
        const double *src = info + full_of(c, r) * k;
        double *dst = acc->info + r * m;
        for (size_t s = 0; s <= r; s++)
            dst[s] += src[full_of(c, s)];
    }
}

static int constrained_feasible(const void *model, const double *theta)
{
    const constrained *c = model;
    if (!c->base->feasible)
        return 1;
    expand(c, theta, c->full);
    return c->base->feasible(c->base->model, c->full);
}

/* The base's penalty at the full vector, projected: with coefficient j
 * held, the penalty stays that of the full model (log det of the whole
 * information), as logistf profiles a Firth fit. */
static partreg_status constrained_penalty(const partreg_objective *obj, const double *theta,
                                          partreg_order order, int threads, size_t block_rows,
                                          partreg_accum *acc)
{
    const constrained *c = obj->model;
    size_t k = c->base->k;
    double *full = malloc(k * sizeof *full);
    partreg_accum *a = partreg_accum_alloc(k);
    partreg_status st = full && a ? PARTREG_OK : PARTREG_ENOMEM;
    if (st == PARTREG_OK) {
        expand(c, theta, full);
        partreg_accum_zero(a);
        st = c->base->penalty(c->base, full, order, threads, block_rows, a);
    }
    if (st == PARTREG_OK) {
        acc->loglik += a->loglik;
        acc->nonfinite |= a->nonfinite;
        if (order >= PARTREG_ORDER_GRADIENT)
            for (size_t s = 0; s + 1 < k; s++)
                acc->grad[s] += a->grad[full_of(c, s)];
    }
    free(full);
    partreg_accum_free(a);
    return st;
}

static void constrained_objective(const constrained *c, partreg_objective *obj)
{
    size_t k = c->base->k;
    memset(obj, 0, sizeof *obj);
    obj->k = k - 1;
    obj->n = c->base->n;
    obj->model = c;
    obj->accumulate = constrained_accumulate;
    obj->feasible = constrained_feasible;
    obj->row_scores = NULL;
    obj->scratch_doubles = c->base->scratch_doubles + 2 * k + k * k;
    obj->group_start = c->base->group_start;
    obj->n_groups = c->base->n_groups;
    obj->pass = c->base->pass;
    obj->penalty = c->base->penalty ? constrained_penalty : NULL;
}

/* ---- the profile ------------------------------------------------------ */

typedef struct profile {
    const partreg_fit *fit;
    constrained con;
    partreg_objective obj;      /* constrained */
    double *sub;                /* k-1: refit iterate */
    double *warm;               /* k-1: last refit's estimate */
    double *slope;              /* k-1: V_-j,j / V_jj */
    partreg_accum *acc;
    double bhat, lhat, z;
    double warm_b;              /* the b of the last refit */
    int have_warm;
    partreg_status status;      /* first failure inside an evaluation */
    partreg_stop_reason reason;
    double end[2], h_end[2];    /* Brent's bracket and its known h values */
} profile;

/* Whether the constrained log-likelihood is finite at sub (one value
 * pass; a failed pass counts as not finite). */
static int finite_at(profile *pr, const double *sub)
{
    if (!pr->obj.feasible(pr->obj.model, sub))
        return 0;
    if (partreg_objective_eval(&pr->obj, sub, PARTREG_ORDER_VALUE, pr->fit->opt.threads,
                               pr->fit->opt.block_rows, pr->acc) != PARTREG_OK)
        return 0;
    return isfinite(pr->acc->loglik) && !pr->acc->nonfinite;
}

/* The start of the refit at b: the first of the previous refit moved
 * along the profile trace's slope, the previous refit itself, the fit's
 * estimate moved along the slope, and the fit's estimate, where the
 * log-likelihood is finite (models whose parameter space depends on the
 * rows, as cut-specific slopes whose cuts may cross, leave it when one
 * parameter moves alone); the last one otherwise. */
static void refit_start(profile *pr, double b)
{
    size_t m = pr->obj.k;
    for (int c = pr->have_warm ? 0 : 2; c < 4; c++) {
        for (size_t s = 0; s < m; s++) {
            double at_hat = pr->fit->theta->data[full_of(&pr->con, s)];
            switch (c) {
            case 0: pr->sub[s] = pr->warm[s] + pr->slope[s] * (b - pr->warm_b); break;
            case 1: pr->sub[s] = pr->warm[s]; break;
            case 2: pr->sub[s] = at_hat + pr->slope[s] * (b - pr->bhat); break;
            default: pr->sub[s] = at_hat; break;
            }
        }
        if (c == 3 || finite_at(pr, pr->sub))
            return;
    }
}

/* l_max(b); on failure sets pr->status and returns NaN. */
static double profile_loglik(profile *pr, double b)
{
    size_t m = pr->obj.k;
    pr->con.value = b;
    refit_start(pr, b);
    partreg_newton_result res;
    partreg_status st = partreg_newton_maximise(&pr->obj, pr->sub, &pr->fit->opt, pr->acc, NULL, 1, NULL,
                                                &res);
    if (st != PARTREG_OK) {
        pr->status = st;
        return NAN;
    }
    if (res.reason != PARTREG_STOP_CONVERGED && res.reason != PARTREG_STOP_SEPARATION) {
        /* separation: the supremum is reached while some parameters diverge;
         * its value is still the profile log-likelihood */
        pr->status = PARTREG_ENOTCONVERGED;
        pr->reason = res.reason;
        return NAN;
    }
    memcpy(pr->warm, pr->sub, m * sizeof *pr->warm);
    pr->warm_b = b;
    pr->have_warm = 1;
    return res.loglik;
}

/* h(b) = |r(b)| - z; finite always (Brent must never see NaN: GSL would
 * raise its error handler), failures are recorded in pr->status. */
static double profile_h(double b, void *params)
{
    profile *pr = params;
    if (pr->status != PARTREG_OK)
        return 0.0;
    double l = profile_loglik(pr, b);
    if (pr->status != PARTREG_OK)
        return 0.0;
    double dev = 2.0 * (pr->lhat - l);
    if (isnan(dev)) {
        pr->status = PARTREG_ENUMERIC;
        return 0.0;
    }
    /* a log-likelihood of -inf: far outside any interval, but finite for GSL */
    return dev < 1e300 ? sqrt(dev > 0 ? dev : 0.0) - pr->z : 1e150;
}

/* h for Brent: the bracket's ends answer with the values found while
 * bracketing. gsl_root_fsolver_set evaluates both ends again, and a refit is
 * not a pure function of b (it starts from the previous refit): where the
 * profile is nearly flat or a refit ends in separation, the second value
 * can fall on the other side of 0, and GSL would raise its error handler
 * ("endpoints do not straddle y=0", an abort by default). */
static double bracketed_h(double b, void *params)
{
    profile *pr = params;
    for (int e = 0; e < 2; e++)
        if (b == pr->end[e])
            return pr->h_end[e];
    return profile_h(b, params);
}

/* One bound: side = -1 (lower) or +1 (upper). */
static partreg_status profile_bound(profile *pr, double se, int side, double *bound)
{
    double lo = pr->bhat, hlo = -pr->z;  /* h(bhat) = -z */
    double hi = pr->bhat, hhi = hlo;
    double prev_l = pr->lhat;
    pr->have_warm = 0;
    int bracketed = 0;
    for (int e = 0; e < MAX_EXPANSIONS; e++) {
        double step = ldexp(pr->z * se, e); /* z se 2^e, exactly */
        hi = pr->bhat + side * step;
        hhi = profile_h(hi, pr);
        if (pr->status != PARTREG_OK)
            return pr->status;
        if (hhi >= 0) {
            bracketed = 1;
            break;
        }
        double l = pr->lhat - 0.5 * (hhi + pr->z) * (hhi + pr->z);
        if (e > 2 && fabs(prev_l - l) <= 1e-10 * (1.0 + fabs(l))) /* flat: never reaches z */
            break;
        prev_l = l;
        lo = hi;
        hlo = hhi;
    }
    if (!bracketed) {
        *bound = side < 0 ? -(double)INFINITY : (double)INFINITY;
        return PARTREG_OK;
    }
    if (hhi == 0.0) {
        *bound = hi;
        return PARTREG_OK;
    }
    /* hlo < 0 < hhi: the bracket straddles 0 for Brent */
    double a = lo < hi ? lo : hi, b = lo < hi ? hi : lo;
    pr->end[0] = lo;
    pr->h_end[0] = hlo;
    pr->end[1] = hi;
    pr->h_end[1] = hhi;
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return PARTREG_ENOMEM;
    gsl_function F = {bracketed_h, pr};
    /* warm start from the last refit, which sits at the outer end */
    /* cppcheck-suppress knownConditionTrueFalse ; profile_h sets pr->status */
    if (gsl_root_fsolver_set(s, &F, a, b) != GSL_SUCCESS || pr->status != PARTREG_OK) {
        gsl_root_fsolver_free(s);
        return pr->status != PARTREG_OK ? pr->status : PARTREG_ENUMERIC;
    }
    int status = GSL_CONTINUE;
    for (int it = 0; it < MAX_BRENT && status == GSL_CONTINUE; it++) {
        /* cppcheck-suppress knownConditionTrueFalse ; profile_h sets pr->status */
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS || pr->status != PARTREG_OK)
            break;
        status = gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
                                        ABS_TOL, REL_TOL);
    }
    *bound = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    /* cppcheck-suppress knownConditionTrueFalse ; profile_h sets pr->status */
    if (pr->status != PARTREG_OK)
        return pr->status;
    return status == GSL_SUCCESS ? PARTREG_OK : PARTREG_ENOTCONVERGED;
}

partreg_status partreg_fit_profile_ci(const partreg_fit *fit, const partreg_data *data, size_t j,
                                      double level, double *low, double *high,
                                      partreg_error *err)
{
    if (low)
        *low = NAN;
    if (high)
        *high = NAN;
    if (!fit || !data || !low || !high)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_profile_ci: NULL argument");
    if (fit->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "profile-likelihood intervals assume independent rows; under a "
                                 "survey design use the Wald intervals on the design's t "
                                 "distribution (partreg_fit_estimate())");
    if (!(level > 0 && level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95", level);
    size_t full = fit->K;
    if (j >= full)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                       "parameter index %zu out of range (0..%zu)", j, full - 1);
    char name[256];
    partreg_fit_param_name(fit, j, name, sizeof name);
    if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_THRESHOLD)
        return partreg_error_set_index(err, PARTREG_EUNSUPPORTED, (long)j,
                                       "'%s' is a threshold: profile intervals are computed for "
                                       "coefficients only (thresholds keep Wald intervals)",
                                       name);
    if (partreg_fit_free_index(fit, j) == PARTREG_NONE)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                       "'%s' was dropped from the model (collinear or constant)",
                                       name);
    if (fit->separated)
        return partreg_error_set(err, PARTREG_ESEPARATION,
                                 "the fit is separated (estimates run off to infinity): profile "
                                 "intervals are not available");
    if (!fit->converged)
        return partreg_error_set(err, PARTREG_ENOTCONVERGED,
                                 "the fit did not converge: profile intervals are not available");
    if (fit->model.flic)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the FLIC intercept is not a maximum of the penalised "
                                 "likelihood, so it has no profile interval; use --ci wald with "
                                 "--flic, or drop --flic");
    if (fit->singular)
        return partreg_error_set(err, PARTREG_ESINGULAR,
                                 "the information matrix is singular at the estimate");

    partreg_design d;
    partreg_objective base;
    partreg_status st = partreg_inference_check_data(fit, data, &d, &base, err);
    if (st != PARTREG_OK)
        return st;

    size_t k = fit->k, f0 = partreg_fit_free_index(fit, j), m = k - 1;
    profile pr;
    memset(&pr, 0, sizeof pr);
    pr.fit = fit;
    pr.con.base = &base;
    pr.con.f0 = f0;
    pr.con.full = malloc(k * sizeof(double));
    pr.sub = malloc((m ? m : 1) * sizeof(double));
    pr.warm = malloc((m ? m : 1) * sizeof(double));
    pr.slope = malloc((m ? m : 1) * sizeof(double));
    pr.acc = partreg_accum_alloc(m);
    if (!pr.con.full || !pr.sub || !pr.warm || !pr.slope || !pr.acc) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    constrained_objective(&pr.con, &pr.obj);
    double vjj = gsl_matrix_get(fit->bread, f0, f0);
    for (size_t s = 0; s < m; s++)
        pr.slope[s] = gsl_matrix_get(fit->bread, full_of(&pr.con, s), f0) / vjj;
    pr.bhat = fit->theta->data[f0];
    pr.lhat = fit->loglik;
    pr.z = gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + level));
    double se = sqrt(vjj);

    double bounds[2];
    for (int t = 0; t < 2; t++) {
        st = profile_bound(&pr, se, t == 0 ? -1 : 1, &bounds[t]);
        if (st == PARTREG_ENOMEM) {
            partreg_error_set(err, st, "out of memory");
            goto cleanup;
        }
        if (st != PARTREG_OK) {
            const char *why = pr.reason == PARTREG_STOP_MAX_ITER ? "hit the iteration limit"
                                                                 : "made no progress";
            partreg_error_set_index(err, st, (long)j,
                                    "profiling '%s': a refit with the coefficient held fixed %s "
                                    "while searching the %s bound",
                                    name, st == PARTREG_ENOTCONVERGED ? why : "failed",
                                    t == 0 ? "lower" : "upper");
            goto cleanup;
        }
    }
    *low = bounds[0];
    *high = bounds[1];
    partreg_error_clear(err);
cleanup:
    free(pr.con.full);
    free(pr.sub);
    free(pr.warm);
    free(pr.slope);
    partreg_accum_free(pr.acc);
    return st;
}
