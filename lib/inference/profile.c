/* Profile-likelihood confidence intervals of coefficients.
 *
 * For coefficient j with estimate bhat and maximised log-likelihood l(bhat),
 *   l_max(b) = max over the other parameters of l with beta_j = b,
 *   r(b)     = sign(b - bhat) sqrt(2 (l(bhat) - l_max(b))),
 * and the level-(1 - alpha) interval is {b : |r(b)| <= z}, z = Phi^-1(1 - alpha/2)
 * (Venzon & Moolgavkar 1988; the intervals of R's MASS::confint.glm and
 * ordinal::confint.clm, which interpolate where we solve exactly). Both
 * routes below work on the model's own objective, so every model, family
 * and link is profiled by the code that fits it. See
 * docs/methods_inference.md.
 *
 * The fast route solves, for each bound, Venzon & Moolgavkar's system in
 * all k free parameters theta,
 *   l(theta) = l* = l(bhat) - z^2 / 2,   dl/dtheta_-j (theta) = 0,
 * whose solution with theta_j on the bound's side of bhat is the bound
 * (and the profile's maximiser there). With the gradient g and an
 * information I (V = I^-1) at theta, the quadratic model
 * l + g'D - D'I D / 2, maximised over the other parameters and set to l*
 * on the bound's side, gives the Newton step on the system
 *   D = V g + side sqrt((2 (l - l*) + g'V g) / V_jj) V e_j
 * (from the estimate: the Wald bound, along the profile trace V e_j / V_jj).
 * With the information of the fit at the estimate (chord steps) a point
 * needs the log-likelihood and gradient only, and each step shrinks the
 * error by about the relative change of the information between the
 * estimate and the bound, O(z / sqrt(n)): on large data a bound takes
 * three or four such evaluations from the Wald bound. A bound whose chord
 * steps shrink slowly (small data, a skewed profile) takes Newton steps
 * with the information at its own point. All the bounds of a call move
 * together: each pass over the rows evaluates every unfinished bound's
 * point (partreg_objective_eval_points reads a segment of rows once for
 * all of them).
 *
 * The plain route serves what the fast route leaves: a bound the profile
 * never reaches (infinite), a step out of the parameter space that
 * halving does not mend, a profile too far from quadratic for the steps
 * to settle. l_max(b) is a Newton fit over the other k - 1 parameters with
 * x_j b entering the linear predictor as an offset: the wrapper objective
 * below inserts b at position j of the full parameter vector and projects
 * the gradient and information back. Each bound is bracketed outwards
 * from the Wald bound (doubling the distance from bhat until |r| >= z) and
 * then located by Brent's method (gsl_root_fsolver_brent) on
 * h(b) = |r(b)| - z. Every refit starts from the previous refit's
 * estimate (the first from the linear approximation of the profile trace,
 * theta_-j(bhat) + V_-j,j / V_jj (b - bhat)). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "core/error.h"
#include "core/spd.h"
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

/* Fast route. Evaluations of one bound's points before it is handed to
 * the plain route. */
#define FAST_MAX_EVALS 40
/* Halvings of a step that leaves the parameter space or whose point has
 * no finite log-likelihood. */
#define FAST_MAX_HALVINGS 30
/* Chord steps that shrink by less than this factor a step give way to
 * Newton steps. */
#define FAST_CHORD_RATIO 0.2
/* Converged when the step, or the error left after it as estimated from
 * the steps' rate of shrinking, is below the larger of FAST_TOL and what
 * FAST_NOISE_ULPS ulps of the log-likelihood move a bound by (every
 * entry, in standard errors: the rounding of the log-likelihood's sum
 * over the rows sets the floor of any route's accuracy), or when steps at
 * most FAST_NOISE_STALL times that no longer shrink (they are rounding
 * noise). */
#define FAST_TOL 1e-13
#define FAST_NOISE_ULPS 1.0
#define FAST_NOISE_STALL 16.0
/* At a settling step, the gap |l - l*| is at most this many times the
 * step's size (in standard errors) times z, rounding aside. */
#define FAST_GAP 8.0
/* A bound farther than this many Wald half-widths from the estimate is
 * left to the plain route (which finds the infinite ones). */
#define FAST_FAR 1024.0

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
    obj->rows_read = c->base->rows_read;
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
    int passes;                 /* the refits' passes over the rows */
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
    pr->passes += res.passes;
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

/* The plain route for the bound on `side` (-1 lower, +1 upper) of free
 * parameter f0, whose label is `name`: the bound into *bound (+-INFINITY
 * when the profile never reaches it), the refits' passes added to
 * *passes. PARTREG_OK, or a failure with err saying which refit failed. */
static partreg_status plain_bound(const partreg_fit *fit, const partreg_objective *base, size_t f0,
                                  int side, double z, const char *name, double *bound, int *passes,
                                  partreg_error *err)
{
    size_t k = fit->k, m = k - 1;
    /* the buffers are owned by these locals (freed from them), pr borrows
     * them: the static analyser then sees them held whatever the calls
     * made through pointers into pr do */
    double *full = malloc(k * sizeof(double)), *sub = malloc((m ? m : 1) * sizeof(double)),
           *warm = malloc((m ? m : 1) * sizeof(double)), *slope = calloc(m ? m : 1, sizeof(double));
    partreg_accum *acc = partreg_accum_alloc(m);
    profile pr;
    memset(&pr, 0, sizeof pr);
    pr.fit = fit;
    pr.con.base = base;
    pr.con.f0 = f0;
    pr.con.full = full;
    pr.sub = sub;
    pr.warm = warm;
    pr.slope = slope;
    pr.acc = acc;
    partreg_status st = PARTREG_OK;
    if (!full || !sub || !warm || !slope || !acc) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    constrained_objective(&pr.con, &pr.obj);
    double vjj = gsl_matrix_get(fit->bread, f0, f0);
    for (size_t s = 0; s < m; s++)
        pr.slope[s] = gsl_matrix_get(fit->bread, full_of(&pr.con, s), f0) / vjj;
    pr.bhat = fit->theta->data[f0];
    pr.lhat = fit->loglik;
    pr.z = z;
    st = profile_bound(&pr, sqrt(vjj), side, bound);
    *passes += pr.passes;
    if (st == PARTREG_ENOMEM) {
        partreg_error_set(err, st, "out of memory");
    } else if (st != PARTREG_OK) {
        const char *why = pr.reason == PARTREG_STOP_MAX_ITER ? "hit the iteration limit"
                                                             : "made no progress";
        partreg_error_set_index(err, st, (long)partreg_fit_full_index(fit, f0),
                                "profiling '%s': a refit with the coefficient held fixed %s "
                                "while searching the %s bound",
                                name, st == PARTREG_ENOTCONVERGED ? why : "failed",
                                side < 0 ? "lower" : "upper");
    }
cleanup:
    free(full);
    free(sub);
    free(warm);
    free(slope);
    partreg_accum_free(acc);
    return st;
}

/* ---- the fast route: Newton steps on every bound at once ------------- */

enum { SEARCH_ACTIVE, SEARCH_DONE, SEARCH_PLAIN };

/* One bound's search. */
typedef struct search {
    size_t f0;         /* free index profiled */
    int side;          /* -1 lower, +1 upper */
    int state;         /* SEARCH_* */
    int newton;        /* steps from the information at the point (else the fit's) */
    int evals;         /* points evaluated */
    int halvings;      /* of the current step */
    int have_last;
    double last;       /* scaled size of the last step */
    double *theta;     /* k: the point to evaluate next (the bound when done) */
    double *prev;      /* k: the point the current step started from */
    double *step;      /* k: the current step */
    partreg_accum *acc;
} search;

typedef struct fast {
    const partreg_fit *fit;
    const partreg_objective *obj;
    size_t k;
    double z, lstar;
    double *se;        /* k: model standard errors of the free parameters */
    double *x;         /* k: V g */
    double *Vf;        /* k x k: inverse of the information at a point */
    partreg_spd *spd;
} fast;

/* Pivots of an information below this fraction of the largest make it
 * singular (as in fit.c). */
#define SINGULAR_PIVOT 1e-14

static int feasible(const fast *f, const double *theta)
{
    return !f->obj->feasible || f->obj->feasible(f->obj->model, theta);
}

/* Halve the current step: the next point is prev + step / 2. */
static void halve(const fast *f, search *s)
{
    if (++s->halvings > FAST_MAX_HALVINGS) {
        s->state = SEARCH_PLAIN;
        return;
    }
    for (size_t a = 0; a < f->k; a++) {
        s->step[a] *= 0.5;
        s->theta[a] = s->prev[a] + s->step[a];
    }
}

/* The step of search s from its point just evaluated (s->acc). */
static void fast_step(fast *f, search *s)
{
    const partreg_accum *acc = s->acc;
    size_t k = f->k, j = s->f0;
    s->evals++;
    if (acc->nonfinite || !isfinite(acc->loglik)) {
        halve(f, s); /* back towards the last point that had a value */
        return;
    }
    const double *V = f->fit->bread->data;
    if (s->newton) {
        if (partreg_spd_invert(f->spd, acc->info, f->Vf, SINGULAR_PIVOT) != 0) {
            s->state = SEARCH_PLAIN;
            return;
        }
        V = f->Vf;
    }
    double gx = 0.0;
    for (size_t a = 0; a < k; a++) {
        double v = 0.0;
        for (size_t b = 0; b < k; b++)
            v += V[a * k + b] * acc->grad[b];
        f->x[a] = v;
        gx += acc->grad[a] * v;
    }
    /* the quadratic model's maximum over theta_-j reaches l* on this side
     * only when disc >= 0 */
    double disc = 2.0 * (acc->loglik - f->lstar) + gx;
    if (!(disc >= 0.0 && V[j * k + j] > 0.0)) {
        if (s->newton)
            s->state = SEARCH_PLAIN;
        else
            s->newton = 1; /* the same point again, with its own information */
        return;
    }
    double r = s->side * sqrt(disc / V[j * k + j]), size = 0.0;
    for (size_t a = 0; a < k; a++) {
        s->step[a] = f->x[a] + r * V[a * k + j];
        double rel = fabs(s->step[a]) / f->se[a];
        if (!(rel <= size)) /* NaN too */
            size = rel;
    }
    if (!isfinite(size)) {
        s->state = SEARCH_PLAIN;
        return;
    }
    memcpy(s->prev, s->theta, k * sizeof *s->prev);
    for (size_t a = 0; a < k; a++)
        s->theta[a] += s->step[a];
    s->halvings = 0;
    while (s->state == SEARCH_ACTIVE && !feasible(f, s->theta))
        halve(f, s);
    if (s->state != SEARCH_ACTIVE)
        return;
    /* what the rounding of the log-likelihood's sum moves the step by:
     * a change dl in l moves theta_j by dl se_j / z near the bound */
    double tol = FAST_NOISE_ULPS * DBL_EPSILON * (1.0 + fabs(acc->loglik)) / f->z;
    if (tol < FAST_TOL)
        tol = FAST_TOL;
    double ratio = s->have_last ? size / s->last : 1.0;
    if (s->halvings == 0 &&
        (size <= tol || (s->have_last && ratio < 0.5 && ratio / (1.0 - ratio) * size <= tol) ||
         (s->have_last && ratio >= 0.5 && size <= FAST_NOISE_STALL * tol)))
        s->state = SEARCH_DONE;
    else if (s->have_last && ratio > FAST_CHORD_RATIO)
        s->newton = 1;
    /* A step that settles must also close the gap to l*: near the bound a
     * gap dl takes a step of about dl / z standard errors. Where the
     * profile is nearly linear (the information nearly singular along the
     * trace) the quadratic model's steps shrink without closing it. */
    double gap = fabs(acc->loglik - f->lstar);
    double rounding = 8.0 * FAST_NOISE_ULPS * DBL_EPSILON * (1.0 + fabs(acc->loglik));
    if (s->state == SEARCH_DONE && !(gap <= FAST_GAP * f->z * size + rounding))
        s->state = SEARCH_PLAIN;
    s->last = size;
    s->have_last = 1;
    double bhat = f->fit->theta->data[j];
    if (s->state == SEARCH_ACTIVE &&
        (fabs(s->theta[j] - bhat) > FAST_FAR * f->z * f->se[j] || s->evals >= FAST_MAX_EVALS))
        s->state = SEARCH_PLAIN;
    if (s->state == SEARCH_DONE && !(s->side * (s->theta[j] - bhat) > 0.0))
        s->state = SEARCH_PLAIN; /* settled on the wrong side of the estimate */
}

/* Move every search from its Wald start until each is done or handed to
 * the plain route; one pass over the rows a round. */
static partreg_status fast_route(fast *f, search *S, size_t ns)
{
    const double **pts = malloc((ns ? ns : 1) * sizeof *pts);
    partreg_order *ord = malloc((ns ? ns : 1) * sizeof *ord);
    partreg_accum **accs = malloc((ns ? ns : 1) * sizeof(partreg_accum *));
    size_t *which = malloc((ns ? ns : 1) * sizeof *which);
    partreg_status st = pts && ord && accs && which ? PARTREG_OK : PARTREG_ENOMEM;
    while (st == PARTREG_OK) {
        size_t m = 0;
        for (size_t s = 0; s < ns; s++) {
            if (S[s].state != SEARCH_ACTIVE)
                continue;
            pts[m] = S[s].theta;
            ord[m] = S[s].newton ? PARTREG_ORDER_HESSIAN : PARTREG_ORDER_GRADIENT;
            accs[m] = S[s].acc;
            which[m++] = s;
        }
        if (m == 0)
            break;
        st = partreg_objective_eval_points(f->obj, m, pts, ord, f->fit->opt.threads,
                                           f->fit->opt.block_rows, accs);
        for (size_t i = 0; st == PARTREG_OK && i < m; i++)
            fast_step(f, &S[which[i]]);
    }
    free(pts);
    free(ord);
    free(accs);
    free(which);
    return st;
}

/* Start search s at the Wald bound, moved along the profile trace, halved
 * towards the estimate until it is inside the parameter space. */
static void fast_start(const fast *f, search *s)
{
    size_t k = f->k, j = s->f0;
    const double *V = f->fit->bread->data, *hat = f->fit->theta->data;
    double r = s->side * f->z / sqrt(V[j * k + j]);
    for (size_t a = 0; a < k; a++) {
        s->prev[a] = hat[a];
        s->step[a] = r * V[a * k + j];
        s->theta[a] = hat[a] + s->step[a];
    }
    while (s->state == SEARCH_ACTIVE && !feasible(f, s->theta))
        halve(f, s);
    s->halvings = 0;
}

/* Check that full index j can be profiled; name gets its label. */
static partreg_status check_index(const partreg_fit *fit, size_t j, char *name, size_t size,
                                  partreg_error *err)
{
    if (j >= fit->K)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                       "parameter index %zu out of range (0..%zu)", j, fit->K - 1);
    partreg_fit_param_name(fit, j, name, size);
    if (partreg_fit_param_kind(fit, j) == PARTREG_PARAM_THRESHOLD)
        return partreg_error_set_index(err, PARTREG_EUNSUPPORTED, (long)j,
                                       "'%s' is a threshold: profile intervals are computed for "
                                       "coefficients only (thresholds keep Wald intervals)",
                                       name);
    if (partreg_fit_free_index(fit, j) == PARTREG_NONE)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)j,
                                       "'%s' was dropped from the model (collinear or constant)",
                                       name);
    return PARTREG_OK;
}

partreg_status partreg_profile_run(const partreg_fit *fit, const partreg_data *data,
                                   const size_t *idx, size_t m, double level,
                                   partreg_profile_route route, double *low, double *high,
                                   partreg_profile_stats *stats, partreg_error *err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    for (size_t i = 0; low && high && i < m; i++)
        low[i] = high[i] = NAN;
    if (!fit || !data || (m && (!idx || !low || !high)))
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_fit_profile_cis: NULL argument");
    if (fit->survey)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "profile-likelihood intervals assume independent rows; under a "
                                 "survey design use the Wald intervals on the design's t "
                                 "distribution (partreg_fit_estimate())");
    if (!(level > 0 && level < 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "confidence level %g is outside (0, 1); use e.g. 0.95", level);
    char name[256];
    partreg_status st;
    for (size_t i = 0; i < m; i++)
        if ((st = check_index(fit, idx[i], name, sizeof name, err)) != PARTREG_OK)
            return st;
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
    if (m == 0) {
        partreg_error_clear(err);
        return PARTREG_OK;
    }

    partreg_design d;
    partreg_objective base;
    if ((st = partreg_inference_check_data(fit, data, &d, &base, err)) != PARTREG_OK)
        return st;
    size_t k = fit->k, ns = 2 * m;
    double z = gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + level));
    search *S = calloc(ns, sizeof *S);
    fast f = {fit, &base, k, z, fit->loglik - 0.5 * z * z, NULL, NULL, NULL, NULL};
    f.se = malloc(k * sizeof *f.se);
    f.x = malloc(k * sizeof *f.x);
    f.Vf = malloc(k * k * sizeof *f.Vf);
    f.spd = partreg_spd_alloc(k);
    int ok = S && f.se && f.x && f.Vf && f.spd;
    for (size_t s = 0; ok && s < ns; s++) {
        S[s].f0 = partreg_fit_free_index(fit, idx[s / 2]);
        S[s].side = s % 2 ? 1 : -1;
        S[s].state = route == PARTREG_PROFILE_PLAIN ? SEARCH_PLAIN : SEARCH_ACTIVE;
        S[s].theta = malloc(k * sizeof(double));
        S[s].prev = malloc(k * sizeof(double));
        S[s].step = malloc(k * sizeof(double));
        S[s].acc = partreg_accum_alloc(k);
        ok = S[s].theta && S[s].prev && S[s].step && S[s].acc;
    }
    if (!ok) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t a = 0; a < k; a++)
        f.se[a] = sqrt(gsl_matrix_get(fit->bread, a, a));
    for (size_t s = 0; s < ns; s++)
        if (S[s].state == SEARCH_ACTIVE)
            fast_start(&f, &S[s]);
    if ((st = fast_route(&f, S, ns)) != PARTREG_OK) {
        partreg_error_set(err, st, "out of memory");
        goto cleanup;
    }
    int plain_passes = 0;
    for (size_t s = 0; s < ns; s++) {
        double *out = S[s].side < 0 ? &low[s / 2] : &high[s / 2];
        if (stats) {
            stats->bounds++;
            stats->evaluations += (size_t)S[s].evals;
        }
        if (S[s].state == SEARCH_DONE) {
            *out = S[s].theta[S[s].f0];
            continue;
        }
        partreg_fit_param_name(fit, idx[s / 2], name, sizeof name);
        int before = plain_passes;
        st = plain_bound(fit, &base, S[s].f0, S[s].side, z, name, out, &plain_passes, err);
        if (stats) {
            stats->plain++;
            stats->evaluations += (size_t)(plain_passes - before);
        }
        if (st != PARTREG_OK)
            goto cleanup;
    }
    partreg_error_clear(err);
cleanup:
    if (st != PARTREG_OK)
        for (size_t i = 0; i < m; i++)
            low[i] = high[i] = NAN;
    for (size_t s = 0; S && s < ns; s++) {
        free(S[s].theta);
        free(S[s].prev);
        free(S[s].step);
        partreg_accum_free(S[s].acc);
    }
    free(S);
    free(f.se);
    free(f.x);
    free(f.Vf);
    partreg_spd_free(f.spd);
    return st;
}

partreg_status partreg_fit_profile_cis(const partreg_fit *fit, const partreg_data *data,
                                       const size_t *idx, size_t m, double level, double *low,
                                       double *high, partreg_error *err)
{
    return partreg_profile_run(fit, data, idx, m, level, PARTREG_PROFILE_AUTO, low, high, NULL,
                               err);
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
    return partreg_profile_run(fit, data, &j, 1, level, PARTREG_PROFILE_AUTO, low, high, NULL,
                               err);
}
