/* Newton-Raphson with step-halving (docs/methods.md, "Solver").
 *
 *   theta_{t+1} = theta_t + 2^-h I(theta_t)^-1 g(theta_t)
 *
 * where g is the gradient and I the observed information (negative Hessian)
 * accumulated over row blocks, and h >= 0 the smallest number of halvings
 * that keeps theta feasible and does not lower the log-likelihood.
 *
 * Chord steps: once the steps are small, the information changes little
 * from one point to the next, so a step may reuse the previous point's. The
 * trial point after a small step from fresh information is then evaluated
 * with the log-likelihood and gradient only (a pass without the k x k
 * update, about half the cost), and the step from there uses the
 * information of the point before. That step's error is about the product
 * of the two steps' sizes instead of the square of the last one: a pair of
 * passes (full, gradient-only) cubes the error for about 1.5 passes' cost.
 * It is taken where that saves a full pass (see `chord` in the loop). The
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
 * re-evaluate the state at the new point (see the loop). */
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

/* One accumulation pass over the data, counted. */
static partreg_status evaluate(const partreg_objective *obj, const double *theta,
                               partreg_order order, const partreg_fit_options *opt,
                               partreg_accum *acc, partreg_newton_result *res)
{
    res->passes++;
    return partreg_objective_eval(obj, theta, order, opt->threads, opt->block_rows, acc);
}

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

/* The full accumulation at theta, which makes the information fresh. */
static partreg_status refresh(const partreg_objective *obj, const double *theta,
                              partreg_order order, const partreg_fit_options *opt,
                              partreg_accum *acc, partreg_newton_result *res, int *info_fresh)
{
    *info_fresh = 1;
    return evaluate(obj, theta, order, opt, acc, res);
}

/* Exchange the contents of two states of the same k (no copying). */
static void swap_accum(partreg_accum *a, partreg_accum *b)
{
    partreg_accum t = *a;
    *a = *b;
    *b = t;
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

    /* info_fresh: acc->info was accumulated at theta (else it is the
     * information of an earlier point, or the caller's start_info) */
    int info_fresh = start_info == NULL || opt->max_iter < 1;
    st = evaluate(obj, theta, info_fresh ? order : PARTREG_ORDER_GRADIENT, opt, acc, res);
    if (st != PARTREG_OK)
        goto cleanup;
    if (!isfinite(acc->loglik) || acc->nonfinite) {
        st = PARTREG_ENUMERIC;
        goto cleanup;
    }
    if (!info_fresh)
        memcpy(acc->info, start_info, k * k * sizeof *acc->info);

    /* on_start: acc->info is the caller's start_info (not yet refreshed),
     * used for start_steps steps so far, the last of relative size r_prev */
    int on_start = !info_fresh, start_steps = 0;
    double r_prev = 0.0;
    int negligible_run = 0, polished = 0;
    res->reason = PARTREG_STOP_MAX_ITER;
    for (int it = 0;; it++) {
        on_start = on_start && !info_fresh; /* a refresh ends it */
        if (partreg_spd_solve(spd, acc->info, acc->grad, s) < 0) {
            if (!info_fresh) { /* the reused information does not fit here */
                if ((st = refresh(obj, theta, order, opt, acc, res, &info_fresh)) != PARTREG_OK)
                    goto cleanup;
                continue;
            }
            res->reason = PARTREG_STOP_NO_PROGRESS;
            memset(s, 0, k * sizeof *s);
            break;
        }
        double dec = 0.0, rel_step = 0.0;
        for (size_t j = 0; j < k; j++) {
            dec += acc->grad[j] * s[j];
            double r = fabs(s[j]) / (1.0 + fabs(theta[j]));
            if (r > rel_step)
                rel_step = r;
        }
        res->decrement = dec;
        int dec_small = fabs(dec) < opt->rel_tol * (1.0 + fabs(acc->loglik));
        if (info_fresh && dec_small && rel_step < opt->step_tol) {
            res->reason = PARTREG_STOP_CONVERGED;
            if (polished || rel_step < POLISH_STEP)
                break;
            /* The last step is below tolerance but still moves digits of
             * theta: take it. Quadratic convergence leaves an error of about
             * its square. The state in acc (information, gradient, loglik)
             * stays that of the point before it, which differs by less than
             * the step: re-evaluating would cost a whole pass to change the
             * information in its tenth digit; the loglik is moved by the
             * quadratic model's gain. Only a step above FRESH_STATE_STEP (a loose
             * user step_tol) buys the pass, and only for callers that use
             * the state (fresh_state). */
            polished = 1;
            for (size_t j = 0; j < k; j++)
                trial[j] = theta[j] + s[j];
            if (obj->feasible && !obj->feasible(obj->model, trial))
                break;
            memcpy(theta, trial, k * sizeof *theta);
            if (!fresh_state || rel_step < FRESH_STATE_STEP) {
                /* the quadratic model's gain over the step, g's - s'Is/2 =
                 * dec/2: the loglik at the new theta to third order */
                acc->loglik += 0.5 * dec;
                break;
            }
            st = evaluate(obj, theta, order, opt, acc, res);
            if (st != PARTREG_OK)
                goto cleanup;
            continue;
        }
        if (info_fresh)
            negligible_run =
                dec_small && rel_step > opt->separation_step ? negligible_run + 1 : 0;
        if (negligible_run >= opt->separation_patience) {
            res->reason = PARTREG_STOP_SEPARATION;
            break;
        }
        if (it >= opt->max_iter) { /* info is fresh here: see `chord` */
            res->reason = PARTREG_STOP_MAX_ITER;
            break;
        }
        /* After this step, at distance about r^2 (r = rel_step), a chord
         * step would leave about r^3, a Newton step r^4. The chord pass is
         * taken when it saves a full pass: when Newton from CHORD_SAFETY r^3
         * needs fewer full passes than from r^2 (else r^2 is a pass from the end anyway,
         * and the chord pass would come on top). Not when the iteration
         * limit would stop at the chord point, whose information is not
         * fresh. */
        int chord = it + 1 < opt->max_iter &&
                    (on_start ? start_chord(start_steps, rel_step, r_prev, opt->step_tol)
                              : info_fresh && rel_step < CHORD_MAX_STEP &&
                                    newton_passes(CHORD_SAFETY * rel_step * rel_step * rel_step,
                                                  opt->step_tol) <
                                        newton_passes(rel_step * rel_step, opt->step_tol));
        if (on_start) {
            start_steps++;
            r_prev = rel_step;
        }

        /* The full step is tried with the whole accumulation (value,
         * gradient, information): it is nearly always accepted, and then
         * the pass that judged it is also the next iteration's pass. Only
         * a rejected full step falls back to value-only passes for the
         * halvings, and one full pass at the point accepted. */
        double tol = HALVING_SLACK * (1.0 + fabs(acc->loglik));
        int accepted = 0, have_full = 0;
        for (int h = 0; h <= opt->max_halvings; h++) {
            double t = ldexp(1.0, -h); /* 2^-h, exactly */
            for (size_t j = 0; j < k; j++)
                trial[j] = theta[j] + t * s[j];
            if (obj->feasible && !obj->feasible(obj->model, trial))
                continue;
            partreg_order o = h > 0 ? PARTREG_ORDER_VALUE : chord ? PARTREG_ORDER_GRADIENT : order;
            st = evaluate(obj, trial, o, opt, probe, res);
            if (st != PARTREG_OK)
                goto cleanup;
            if (isfinite(probe->loglik) && !probe->nonfinite && probe->loglik >= acc->loglik - tol) {
                accepted = 1;
                have_full = h == 0;
                break;
            }
        }
        if (!accepted && !info_fresh) { /* judge this point with fresh information */
            if ((st = refresh(obj, theta, order, opt, acc, res, &info_fresh)) != PARTREG_OK)
                goto cleanup;
            continue;
        }
        if (!accepted) {
            res->reason = dec_small ? PARTREG_STOP_CONVERGED : PARTREG_STOP_NO_PROGRESS;
            break;
        }
        memcpy(theta, trial, k * sizeof *theta);
        res->iterations = it + 1;
        if (have_full) {
            swap_accum(acc, probe);
            if (chord) /* keep the information of the point before */
                memcpy(acc->info, probe->info, k * k * sizeof *acc->info);
            info_fresh = !chord;
        } else if ((st = refresh(obj, theta, order, opt, acc, res, &info_fresh)) != PARTREG_OK) {
            goto cleanup;
        }
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
