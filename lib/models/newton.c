/* Newton-Raphson with step-halving (docs/methods.md, "Solver").
 *
 *   theta_{t+1} = theta_t + 2^-h I(theta_t)^-1 g(theta_t)
 *
 * where g is the gradient and I the observed information (negative Hessian)
 * accumulated over row blocks, and h >= 0 the smallest number of halvings
 * that keeps theta feasible and does not lower the log-likelihood.
 *
 * The file has two layers. partreg_newton_maximise, at the end, is that
 * iteration and its stopping rules, as PSPP's logistic.c writes it: solve
 * for the step, stop or halve, move. Which information each step solves
 * with is the information-reuse layer's business (the reuse_* functions):
 * it says which pass evaluates the start and each trial point, and what
 * to do when a step from reused information fails. Without a start
 * information and with no chord step taken, every step is plain Newton's.
 *
 * Chord steps: once the steps are small, the information changes little
 * from one point to the next, so a step may reuse the previous point's. The
 * trial point after a small step from fresh information is then evaluated
 * with the log-likelihood and gradient only (a pass without the k x k
 * update, about half the cost), and the step from there uses the
 * information of the point before. That step's error is about the product
 * of the two steps' sizes instead of the square of the last one: a pair of
 * passes (full, gradient-only) cubes the error for about 1.5 passes' cost.
 * It is taken where that saves a full pass (reuse_trial_order). The
 * next trial always gets the full accumulation, and
 * stopping is only judged at points whose information is fresh, so the
 * returned state and the standard errors are those of plain Newton.
 * A caller may also pass an approximate information for the start (the
 * warm start's subsample information, scaled): the first pass is then
 * gradient-only too, and so is the pass at the point its step leads to,
 * whose step reuses the start information again. Those steps contract the
 * distance to the maximum by the start information's relative error rho
 * (0.004-0.022 on the bench data, subsamples of 1/16 of 10^6-10^7 rows),
 * so that second gradient-only pass costs less than the information pass
 * it replaces and, from the warm start's usual distance, often saves one
 * later (`start_chord` below). Further steps from the start information
 * are taken like chord steps, with rho measured from the two before.
 *
 * Stopping (scale-free, as in liblinear's relative rule and R's clm):
 *   converged  when the Newton decrement g'I^-1 g < rel_tol (1 + |loglik|)
 *              and every step entry |s_j| < step_tol (1 + |theta_j|);
 *   separation when the decrement is negligible for opt->separation_patience
 *              steps in a
 *              row but the steps do not shrink: the log-likelihood has
 *              reached its supremum while parameters run off to infinity
 *              (a regular maximum converges quadratically instead);
 *   no progress when no halving improves the log-likelihood;
 *   max iter   otherwise.
 */
#include "models/newton.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/spd.h"

/* Step-halving accepts a trial whose log-likelihood is lower by at most
 * this many ulps of (1 + |loglik|): rounding noise near the maximum. */
#define HALVING_SLACK 1e-13
/* A converged step larger than this (relative) is still applied once. */
#define POLISH_STEP 1e-15
/* A converged final step below this (relative) is applied without a pass to
 * re-evaluate the state at the new point (polish). */
#define FRESH_STATE_STEP 1e-10
/* Chord steps only follow steps from fresh information below this
 * (relative): the information changes by about this fraction over them. */
#define CHORD_MAX_STEP 1e-2
/* The chord step's error is taken as this multiple of r^3 when deciding on
 * one. On the bench data the multiple is 0.8 to 3.7; a chord step
 * that misses costs a gradient-only pass, one that hits saves an
 * information pass less a gradient-only one, which is less. */
#define CHORD_SAFETY 4.0
/* The point a step from the start information leads to is evaluated
 * gradient-only too when that step is below this (relative): farther out
 * the start is poor enough that the information is better refreshed. */
#define START_CHORD_MAX_STEP 1e-1

static double max_abs(const double *v, size_t k)
{
    double m = 0.0;
    for (size_t j = 0; j < k; j++)
        if (fabs(v[j]) > m)
            m = fabs(v[j]);
    return m;
}

/* What one maximisation works with. */
typedef struct newton {
    const partreg_objective *obj;
    const partreg_fit_options *opt;
    partreg_order order; /* the information pass: observed or expected */
    partreg_newton_result *res;
} newton;

/* One accumulation pass over the data, counted. */
static partreg_status evaluate(const newton *nw, const double *theta, partreg_order order,
                               partreg_accum *acc)
{
    nw->res->passes++;
    return partreg_objective_eval(nw->obj, theta, order, nw->opt->threads, nw->opt->block_rows,
                                  acc);
}

/* Exchange the contents of two states of the same k (no copying). */
static void swap_accum(partreg_accum *a, partreg_accum *b)
{
    partreg_accum t = *a;
    *a = *b;
    *b = t;
}

/* ---- the information-reuse layer -------------------------------------- */

/* Where the information in the solver's state comes from. */
typedef struct reuse {
    int fresh;       /* acc->info was accumulated at theta (else it is an
                      * earlier point's, or the caller's start_info) */
    int on_start;    /* acc->info is the caller's start_info, not yet refreshed, */
    int start_steps; /* used for this many steps so far, */
    double r_prev;   /* the last of relative size r_prev */
    int chord;       /* the current step's trial is evaluated gradient-only */
} reuse;

/* Full passes Newton needs from a point at relative distance e from the
 * maximum when each step squares the distance, the pass that finds its step
 * below tol included. */
static int newton_passes(double e, double tol)
{
    int n = 1;
    for (; e >= tol && n < 16; n++)
        e *= e;
    return n;
}

/* Whether the point that a step of relative size r from the start
 * information leads to is evaluated gradient-only, its step to reuse the
 * start information (see the top). The first step from the start
 * information always qualifies (below START_CHORD_MAX_STEP): from its
 * point, at distance rho r, a step from the same information leaves
 * rho^2 r, and Newton from there rarely needs more full passes than from
 * rho r, while the gradient-only pass costs about half a full one; rho is
 * not known yet. Later ones are judged as chord steps are, with rho = r /
 * r_prev measured: when Newton from CHORD_SAFETY rho^2 r needs fewer full
 * passes than from rho r. */
static int start_chord(int start_steps, double r, double r_prev, double step_tol)
{
    if (start_steps == 0)
        return r < START_CHORD_MAX_STEP;
    double rho = r / r_prev;
    return rho < 1.0 && newton_passes(CHORD_SAFETY * rho * rho * r, step_tol) <
                            newton_passes(rho * r, step_tol);
}

/* The pass at the start: gradient-only when the caller gives a start
 * information (copied into acc->info), else the information pass. */
static partreg_status reuse_begin(reuse *ru, const newton *nw, const double *theta,
                                  const double *start_info, partreg_accum *acc)
{
    ru->fresh = start_info == NULL || nw->opt->max_iter < 1;
    ru->on_start = !ru->fresh;
    ru->start_steps = 0;
    ru->r_prev = 0.0;
    ru->chord = 0;
    partreg_status st = evaluate(nw, theta, ru->fresh ? nw->order : PARTREG_ORDER_GRADIENT, acc);
    if (st == PARTREG_OK && !ru->fresh)
        memcpy(acc->info, start_info, nw->obj->k * nw->obj->k * sizeof *acc->info);
    return st;
}

/* After a step from reused information failed (its information is not
 * positive definite, or no halving improved): the full pass at theta,
 * *retry set, so that the step is judged again with fresh information. A
 * failure from fresh information is the iteration's own: *retry = 0. */
static partreg_status reuse_refresh(reuse *ru, const newton *nw, const double *theta,
                                    partreg_accum *acc, int *retry)
{
    *retry = !ru->fresh;
    if (ru->fresh)
        return PARTREG_OK;
    ru->fresh = 1;
    return evaluate(nw, theta, nw->order, acc);
}

/* The pass the full step's trial gets, for step `it` of relative size r:
 * gradient-only (a chord step: the next step reuses this information)
 * where that saves a full pass, else the information pass. After this
 * step, at distance about r^2, a chord step would leave about r^3, a
 * Newton step r^4. The chord pass is taken when it saves a full pass:
 * when Newton from CHORD_SAFETY r^3 needs fewer full passes than from
 * r^2 (else r^2 is a pass from the end anyway, and the chord pass would
 * come on top). Not when the iteration limit would stop at the chord
 * point, whose information is not fresh. */
static partreg_order reuse_trial_order(reuse *ru, const newton *nw, int it, double r)
{
    const partreg_fit_options *opt = nw->opt;
    ru->on_start = ru->on_start && !ru->fresh; /* a refresh ends it */
    ru->chord = it + 1 < opt->max_iter &&
                (ru->on_start ? start_chord(ru->start_steps, r, ru->r_prev, opt->step_tol)
                              : ru->fresh && r < CHORD_MAX_STEP &&
                                    newton_passes(CHORD_SAFETY * r * r * r, opt->step_tol) <
                                        newton_passes(r * r, opt->step_tol));
    if (ru->on_start) {
        ru->start_steps++;
        ru->r_prev = r;
    }
    return ru->chord ? PARTREG_ORDER_GRADIENT : nw->order;
}

/* The state at the accepted trial: the full step's pass (probe), keeping
 * the information of the point before after a chord step; a halved step's
 * point gets the full pass (its trial's was value-only). */
static partreg_status reuse_accepted(reuse *ru, const newton *nw, const double *theta,
                                     int halvings, partreg_accum *acc, partreg_accum *probe)
{
    if (halvings > 0) {
        ru->fresh = 1;
        return evaluate(nw, theta, nw->order, acc);
    }
    swap_accum(acc, probe);
    if (ru->chord) /* keep the information of the point before */
        memcpy(acc->info, probe->info, nw->obj->k * nw->obj->k * sizeof *acc->info);
    ru->fresh = !ru->chord;
    return PARTREG_OK;
}

/* ---- Newton with step-halving ------------------------------------------ */

/* The Newton step s solving I s = g from acc, its decrement g's and its
 * largest entry relative to theta, |s_j| / (1 + |theta_j|). Returns -1
 * when I is not positive definite. */
static int newton_step(partreg_spd *spd, const partreg_accum *acc, const double *theta, size_t k,
                       double *s, double *dec, double *rel_step)
{
    if (partreg_spd_solve(spd, acc->info, acc->grad, s) < 0)
        return -1;
    *dec = 0.0;
    *rel_step = 0.0;
    for (size_t j = 0; j < k; j++) {
        *dec += acc->grad[j] * s[j];
        double r = fabs(s[j]) / (1.0 + fabs(theta[j]));
        if (r > *rel_step)
            *rel_step = r;
    }
    return 0;
}

/* Step-halving: the first trial theta + 2^-h s, h = 0..max_halvings, that
 * is feasible and whose log-likelihood is finite and at least `floor`,
 * into trial with its pass in probe. The full step's trial gets the pass
 * `first` (it is nearly always accepted, and then that pass is also the
 * next iteration's); a halved one's the value only. Returns h, or -1 when
 * none is accepted (or *st is not PARTREG_OK). */
static int halve_step(const newton *nw, const double *theta, const double *s, double floor,
                      partreg_order first, double *trial, partreg_accum *probe,
                      partreg_status *st)
{
    const partreg_objective *obj = nw->obj;
    for (int h = 0; h <= nw->opt->max_halvings; h++) {
        double t = ldexp(1.0, -h); /* 2^-h, exactly */
        for (size_t j = 0; j < obj->k; j++)
            trial[j] = theta[j] + t * s[j];
        if (obj->feasible && !obj->feasible(obj->model, trial))
            continue;
        if ((*st = evaluate(nw, trial, h > 0 ? PARTREG_ORDER_VALUE : first, probe)) != PARTREG_OK)
            return -1;
        if (isfinite(probe->loglik) && !probe->nonfinite && probe->loglik >= floor)
            return h;
    }
    return -1;
}

/* The last step of a converged fit, when it is below tolerance but still
 * moves digits of theta: take it (quadratic convergence leaves an error
 * of about its square). The state in acc (information, gradient, loglik)
 * stays that of the point before, which differs by less than the step:
 * re-evaluating would cost a whole pass to change the information in its
 * tenth digit; the loglik is moved by the quadratic model's gain over the
 * step, g's - s'Is/2 = dec/2, the loglik at the new theta to third
 * order. Only a step above FRESH_STATE_STEP (a loose user step_tol) buys
 * the pass, and only for callers that use the state (fresh_state).
 * Returns 1 when that pass was made (the iteration goes on from it). */
static int polish(const newton *nw, double *theta, const double *s, double dec, double rel_step,
                  int fresh_state, double *trial, partreg_accum *acc, partreg_status *st)
{
    const partreg_objective *obj = nw->obj;
    for (size_t j = 0; j < obj->k; j++)
        trial[j] = theta[j] + s[j];
    if (obj->feasible && !obj->feasible(obj->model, trial))
        return 0;
    memcpy(theta, trial, obj->k * sizeof *theta);
    if (!fresh_state || rel_step < FRESH_STATE_STEP) {
        acc->loglik += 0.5 * dec;
        return 0;
    }
    *st = evaluate(nw, theta, nw->order, acc);
    return 1;
}

partreg_status partreg_newton_maximise(const partreg_objective *obj, double *theta,
                                       const partreg_fit_options *opt, partreg_accum *acc,
                                       double *last_step, int fresh_state,
                                       const double *start_info, partreg_newton_result *res)
{
    size_t k = obj->k;
    partreg_order order = opt->information == PARTREG_INFO_EXPECTED ? PARTREG_ORDER_EXPECTED
                                                                    : PARTREG_ORDER_HESSIAN;
    partreg_status st = PARTREG_OK;
    double *s = malloc((k ? k : 1) * sizeof *s);
    double *trial = malloc((k ? k : 1) * sizeof *trial);
    partreg_spd *spd = partreg_spd_alloc(k);
    partreg_accum *probe = partreg_accum_alloc(k);
    memset(res, 0, sizeof *res);
    if (!s || !trial || !spd || !probe) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    newton nw = {obj, opt, order, res};
    reuse ru;
    if ((st = reuse_begin(&ru, &nw, theta, start_info, acc)) != PARTREG_OK)
        goto cleanup;
    if (!isfinite(acc->loglik) || acc->nonfinite) {
        st = PARTREG_ENUMERIC;
        goto cleanup;
    }
    int negligible_run = 0, polished = 0, retry;
    res->reason = PARTREG_STOP_MAX_ITER;
    for (int it = 0;; it++) {
        double dec, rel_step;
        if (newton_step(spd, acc, theta, k, s, &dec, &rel_step) < 0) {
            if ((st = reuse_refresh(&ru, &nw, theta, acc, &retry)) != PARTREG_OK)
                goto cleanup;
            if (retry)
                continue;
            res->reason = PARTREG_STOP_NO_PROGRESS;
            memset(s, 0, k * sizeof *s);
            break;
        }
        res->decrement = dec;
        /* the stopping rules, judged at fresh information only */
        int dec_small = fabs(dec) < opt->rel_tol * (1.0 + fabs(acc->loglik));
        if (ru.fresh && dec_small && rel_step < opt->step_tol) {
            res->reason = PARTREG_STOP_CONVERGED;
            if (polished || rel_step < POLISH_STEP)
                break;
            polished = 1;
            int more = polish(&nw, theta, s, dec, rel_step, fresh_state, trial, acc, &st);
            if (st != PARTREG_OK)
                goto cleanup;
            if (more)
                continue;
            break;
        }
        if (ru.fresh)
            negligible_run =
                dec_small && rel_step > opt->separation_step ? negligible_run + 1 : 0;
        if (negligible_run >= opt->separation_patience) {
            res->reason = PARTREG_STOP_SEPARATION;
            break;
        }
        if (it >= opt->max_iter) { /* info is fresh here: see reuse_trial_order */
            res->reason = PARTREG_STOP_MAX_ITER;
            break;
        }
        /* the step, halved until the log-likelihood does not fall */
        double floor = acc->loglik - HALVING_SLACK * (1.0 + fabs(acc->loglik));
        partreg_order first = reuse_trial_order(&ru, &nw, it, rel_step);
        int h = halve_step(&nw, theta, s, floor, first, trial, probe, &st);
        if (st != PARTREG_OK)
            goto cleanup;
        if (h < 0) {
            if ((st = reuse_refresh(&ru, &nw, theta, acc, &retry)) != PARTREG_OK)
                goto cleanup;
            if (retry) /* judge this point with fresh information */
                continue;
            res->reason = dec_small ? PARTREG_STOP_CONVERGED : PARTREG_STOP_NO_PROGRESS;
            break;
        }
        memcpy(theta, trial, k * sizeof *theta);
        res->iterations = it + 1;
        if ((st = reuse_accepted(&ru, &nw, theta, h, acc, probe)) != PARTREG_OK)
            goto cleanup;
    }
    res->loglik = acc->loglik;
    res->max_grad = max_abs(acc->grad, k);
    if (last_step)
        memcpy(last_step, s, k * sizeof *s);
cleanup:
    free(s);
    free(trial);
    partreg_spd_free(spd);
    partreg_accum_free(probe);
    return st;
}
