/* Replicate-weight variance of a design fit (partreg_survey.h):
 *
 *   V = c sum_r (b_r - b*)(b_r - b*)',   b* = mean of the b_r, or the
 *   full-sample estimate (mse),
 *   c = 1/R (BRR), 1/(R (1 - rho)^2) (Fay), (R - 1)/R (JK1), 1/(R - 1)
 *   (bootstrap)
 *
 * (Wolter 2007, Introduction to Variance Estimation, ch. 3-5; Rust and Rao
 * 1996; R survey's svrVar, Stata's svy brr/jackknife/bootstrap). b_r
 * maximises the log-likelihood weighted by replicate column r (0 outside a
 * subpopulation). Each refit is a Newton maximisation started at the
 * full-sample estimate with the full sample's information as its first
 * step's (a chord step: replicates differ from the full sample by a
 * fraction of a standard error, so two or three passes reach the exact
 * maximiser). Replicates run side by side, one a member of a team, each
 * on one thread: a replicate's estimate does not depend on which member
 * ran it or on the thread count. */
#include "inference/survey_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/team.h"
#include "models/newton.h"

/* What one member of the team works in. */
typedef struct rep_member {
    double *w;            /* n weights (domain applied), or NULL: the column itself */
    partreg_accum *acc;
    double *step;
} rep_member;

typedef struct rep_job {
    const partreg_fit *fit;
    const partreg_data *data;
    const partreg_survey *s;
    partreg_fit_options opt; /* one thread a replicate */
    double *b;               /* R x k estimates */
    partreg_newton_result *res; /* R */
    partreg_status *status;  /* R */
    struct rep_member *member; /* per member of the team */
} rep_job;

static void replicate(void *arg, size_t r, size_t t)
{
    rep_job *j = arg;
    const partreg_fit *fit = j->fit;
    const partreg_survey *s = j->s;
    size_t n = s->n, k = fit->k;
    const double *col = s->repw + r * n;
    const double *w = col;
    if (s->domain) {
        for (size_t i = 0; i < n; i++)
            j->member[t].w[i] = s->domain[i] ? col[i] : 0.0;
        w = j->member[t].w;
    }
    partreg_data d = *j->data;
    d.w = w;
    partreg_design des;
    partreg_objective obj;
    partreg_fit_design(fit, &d, &des);
    partreg_fit_objective(fit, &des, &obj);
    double *theta = j->b + r * k;
    memcpy(theta, fit->theta->data, k * sizeof *theta);
    j->status[r] = partreg_newton_maximise(&obj, theta, &j->opt, j->member[t].acc,
                                           j->member[t].step, 0,
                                           fit->info->data, &j->res[r]);
}

partreg_status partreg_survey_replicate_vcov(const partreg_fit *fit, const partreg_data *data,
                                             const partreg_survey *s, double *V,
                                             double *passes, size_t *iterations,
                                             partreg_error *err)
{
    size_t R = s->R, k = fit->k, n = s->n;
    size_t nt = partreg_team_threads(NULL, fit->opt.threads, R, 1);
    if (nt > R)
        nt = R;
    rep_job j;
    memset(&j, 0, sizeof j);
    j.fit = fit;
    j.data = data;
    j.s = s;
    j.opt = fit->opt;
    j.opt.threads = 1;
    j.opt.workers = NULL;
    j.b = calloc((R * k) != 0 ? R * k : 1, sizeof *j.b);
    j.res = calloc(R, sizeof *j.res);
    j.status = calloc(R, sizeof *j.status);
    j.member = calloc(nt, sizeof *j.member);
    partreg_status st = PARTREG_OK;
    if (!j.b || !j.res || !j.status || !j.member) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t t = 0; t < nt; t++) {
        rep_member *mb = &j.member[t];
        mb->acc = partreg_accum_alloc(k);
        mb->step = malloc((k ? k : 1) * sizeof(double));
        if (s->domain)
            mb->w = malloc((n ? n : 1) * sizeof(double));
        if (!mb->acc || !mb->step || (s->domain && !mb->w)) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    partreg_team *team = nt > 1 ? partreg_team_start(nt) : NULL;
    partreg_team_run_segments(team, nt, R, replicate, &j);
    partreg_team_stop(team);

    *passes = 0.0;
    *iterations = 0;
    for (size_t r = 0; r < R; r++) {
        const partreg_newton_result *res = &j.res[r];
        if (j.status[r] == PARTREG_ENOMEM) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        if (j.status[r] != PARTREG_OK || res->reason != PARTREG_STOP_CONVERGED) {
            int sep = res->reason == PARTREG_STOP_SEPARATION;
            st = partreg_error_set(err, sep ? PARTREG_ESEPARATION : PARTREG_ENOTCONVERGED,
                                   "the refit under replicate weights %zu of %zu %s (max "
                                   "|gradient| %.3g): the replicate variance needs every "
                                   "replicate's estimate; check that replicate's weights, or use "
                                   "Taylor linearisation (--strata/--psu)",
                                   r + 1, R,
                                   sep ? "runs off to infinity (separation in the replicate)"
                                       : "did not converge",
                                   res->max_grad);
            goto cleanup;
        }
        *passes += res->passes;
        *iterations += res->iterations > 1;
    }
    /* centre: the replicates' mean, or the full-sample estimate */
    double *centre = calloc(k ? k : 1, sizeof *centre);
    if (!centre) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (s->mse) {
        memcpy(centre, fit->theta->data, k * sizeof *centre);
    } else {
        for (size_t r = 0; r < R; r++)
            for (size_t a = 0; a < k; a++)
                centre[a] += j.b[r * k + a];
        for (size_t a = 0; a < k; a++)
            centre[a] /= (double)R;
    }
    double dR = (double)R, c = 1.0;
    switch (s->rep_type) {
    case PARTREG_REP_BRR: c = 1.0 / dR; break;
    case PARTREG_REP_FAY: c = 1.0 / (dR * (1.0 - s->rho) * (1.0 - s->rho)); break;
    case PARTREG_REP_JK1: c = (dR - 1.0) / dR; break;
    case PARTREG_REP_BOOTSTRAP: c = 1.0 / (dR - 1.0); break;
    }
    memset(V, 0, k * k * sizeof *V);
    for (size_t r = 0; r < R; r++)
        for (size_t a = 0; a < k; a++) {
            double da = j.b[r * k + a] - centre[a];
            for (size_t b = 0; b <= a; b++)
                V[a * k + b] += da * (j.b[r * k + b] - centre[b]);
        }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++)
            V[a * k + b] = V[b * k + a] = c * V[a * k + b];
    free(centre);
cleanup:
    for (size_t t = 0; j.member && t < nt; t++) {
        partreg_accum_free(j.member[t].acc);
        free(j.member[t].step);
        free(j.member[t].w);
    }
    free(j.b);
    free(j.res);
    free(j.status);
    free(j.member);
    return st;
}
