/* The Jeffreys-prior penalty of Firth (1993) as a layer on any objective
 * that gives the expected information and its derivative (objective.h):
 *
 *   l*(theta) = l(theta) + log det I(theta) / 2,
 *   the gradient of l* at entry r: U_r + tr(I^-1 dI/dtheta_r) / 2,
 *
 * I the expected (Fisher) information summed over the rows. For a binary
 * model I = sum_i w_i omega_i x_i x_i', omega = f^2 / (F (1 - F)), and the
 * penalty's gradient is sum_i w_i omega_i' h_i x_i / 2 with
 * h_i = x_i' I^-1 x_i: Firth's modified score (Heinze and Schemper 2002
 * for the logit; Kosmidis and Firth 2009 and R's brglm2, type =
 * "MPL_Jeffreys", for every link). The penalty is not a sum over rows, so
 * it is added after the rows are merged (partreg_objective_eval calls
 * obj->penalty): one pass for I, one for the derivative, each cut into the
 * same fixed segments as every pass (the same bits at any thread count).
 * The information the solver steps with stays the rows' expected
 * information: scoring on the modified score, as logistf and brglm2
 * iterate. */
#include "models/penalty.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The derivative pass: an objective whose rows add tr(A dI_i/dtheta_r)
 * into the gradient. */
typedef struct deriv_pass {
    const partreg_objective *inner;
    const double *A;
} deriv_pass;

static void deriv_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                             partreg_order order, partreg_accum *acc, double *scratch)
{
    const deriv_pass *dp = model;
    (void)order;
    dp->inner->info_derivative(dp->inner->model, theta, dp->A, begin, end, acc->grad, scratch);
}

int partreg_chol_logdet_inverse(size_t k, const double *M, double *L, double *Ainv,
                                double *logdet)
{
    /* L lower triangular, row-major: M = L L' */
    double ld = 0.0;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j <= i; j++) {
            double s = M[i * k + j];
            for (size_t c = 0; c < j; c++)
                s -= L[i * k + c] * L[j * k + c];
            if (i == j) {
                if (!(s > 0.0) || !isfinite(s))
                    return -1;
                L[i * k + i] = sqrt(s);
                ld += log(s);
            } else {
                L[i * k + j] = s / L[j * k + j];
            }
        }
        for (size_t j = i + 1; j < k; j++)
            L[i * k + j] = 0.0;
    }
    *logdet = ld;
    if (!Ainv)
        return 0;
    /* Ainv = L^-T L^-1: columns of L^-1 by forward substitution, kept in
     * the upper triangle of Ainv as scratch would alias, so build the
     * inverse of L in Ainv's lower part first */
    double *Li = Ainv; /* lower triangle: L^-1 */
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < k; i++) {
            if (i < j) {
                Li[i * k + j] = 0.0;
                continue;
            }
            double s = i == j ? 1.0 : 0.0;
            for (size_t c = j; c < i; c++)
                s -= L[i * k + c] * Li[c * k + j];
            Li[i * k + j] = s / L[i * k + i];
        }
    }
    /* (L^-T L^-1)_ab = sum_c Li[c][a] Li[c][b], c >= max(a, b); overwrite
     * in an order that reads only entries not yet written: compute into L
     * (no longer needed) then copy */
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0.0;
            for (size_t c = a; c < k; c++)
                s += Li[c * k + a] * Li[c * k + b];
            L[a * k + b] = s;
        }
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++)
            Ainv[a * k + b] = Ainv[b * k + a] = L[a * k + b];
    return 0;
}

partreg_status partreg_firth_penalty(const partreg_objective *obj, const double *theta,
                                     partreg_order order, int threads, size_t block_rows,
                                     partreg_accum *acc)
{
    size_t k = obj->k;
    partreg_objective inner = *obj;
    inner.penalty = NULL;
    partreg_accum *e = partreg_accum_alloc(k);
    double *L = malloc((k ? k * k : 1) * sizeof *L);
    double *A = malloc((k ? k * k : 1) * sizeof *A);
    partreg_status st = e && L && A ? PARTREG_OK : PARTREG_ENOMEM;
    if (st != PARTREG_OK)
        goto cleanup;
    if ((st = partreg_objective_eval(&inner, theta, PARTREG_ORDER_EXPECTED, threads, block_rows,
                                     e)) != PARTREG_OK)
        goto cleanup;
    double logdet;
    if (e->nonfinite ||
        partreg_chol_logdet_inverse(k, e->info, L, order >= PARTREG_ORDER_GRADIENT ? A : NULL,
                                    &logdet) != 0) {
        /* the information is singular here: the penalty is -inf */
        acc->loglik = -INFINITY;
        acc->nonfinite = 1;
        goto cleanup;
    }
    acc->loglik += 0.5 * logdet;
    if (order < PARTREG_ORDER_GRADIENT)
        goto cleanup;
    deriv_pass dp = {obj, A};
    partreg_objective dobj;
    memset(&dobj, 0, sizeof dobj);
    dobj.k = k;
    dobj.n = obj->n;
    dobj.model = &dp;
    dobj.accumulate = deriv_accumulate;
    dobj.scratch_doubles = obj->scratch_doubles;
    dobj.group_start = obj->group_start;
    dobj.n_groups = obj->n_groups;
    dobj.team = obj->team;
    if ((st = partreg_objective_eval(&dobj, theta, PARTREG_ORDER_GRADIENT, threads, block_rows,
                                     e)) != PARTREG_OK)
        goto cleanup;
    for (size_t j = 0; j < k; j++) {
        acc->grad[j] += 0.5 * e->grad[j];
        if (!isfinite(e->grad[j]))
            acc->nonfinite = 1;
    }
cleanup:
    partreg_accum_free(e);
    free(L);
    free(A);
    return st;
}
