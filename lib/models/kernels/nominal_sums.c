/* The fast route of the nominal-effects objective (no scale terms):
 * nominal_scale.c's model P(Y <= j) = F(theta_j - x_p'beta - x_n'beta_j).
 *
 * Contract: partreg_ns_accumulate_fast adds to acc what
 * partreg_ns_accumulate_ref adds (nominal_scale.c), to within rounding
 * (a relative 1e-12 of each entry's scale: the sums are grouped
 * differently and, for the logit link, the row terms come from closed
 * forms; tests/test_nominal_scale.c compares the two on every link).
 *
 * Per chunk of rows, with da, db, daa, dab, dbb the derivatives of log P
 * in the row's cut points a (cut c-1) and b (cut c), w the weight and
 * x_s the kept columns (parallel and nominal alike):
 *   beta-beta over all kept columns: sum h x x', h = -w (daa + 2 dab + dbb),
 *     and the gradient X' g, g = -w (da + db): partreg_info_add; the
 *     parallel columns' entries are the model's (the nominal columns' are
 *     computed and not used: the dense block is cheaper than its holes);
 *   theta_j-beta_s: w (daa + dab) x_s at j = c-1, w (dab + dbb) x_s at j = c,
 *     and beta_{j,q}-beta_s below, for every cut at once as X' G (dgemm) with G
 *     each row's weights of its two cuts;
 *   beta_{j,q}-beta_s: -w (daa + dab) x_q x_s (j = c-1), -w (dab + dbb) x_q x_s
 *     (j = c); beta_{j,q}-theta: w daa x_q, w dab x_q (the other cut), w dbb x_q;
 *   beta_{j,q}-beta_{j',q'}: -w daa, -w dbb (same cut), -w dab (adjacent);
 *   theta-theta: -w daa, -w dbb, -w dab.
 * These follow from a = (theta_{c-1} - x_p'beta - x_n'beta_{c-1}) and b
 * alike (nominal_scale.c). The blocks are summed over the call's rows in
 * scratch arrays indexed by kept column, then added to the free-parameter
 * information once.
 *
 * For the logit link the row terms have closed forms (terms_body.h,
 * nominal_logit_rows; every route's copy gives the same bits) with one exp for the
 * nearer cut point, one for D = exp(a - b) and two log1p: with
 * g = 1 - D, log P = log F(b) + log S(a) + log g,
 *   da = -F(a) - D/g,  db = S(b) + D/g,
 *   daa = -f(a) - D/g^2,  dbb = -f(b) - D/g^2,  dab = D/g^2,
 * (f = F S), the cancellation-free forms of the general route's. Rows
 * where they do not apply (cut points beyond 600, D >= 1/2 where
 * 1 - D loses digits, a non-finite cut) take the general route. */
/* As in ordinal_pass.c: gcc's dynamic cost model, no jump threading, no
 * memset calls for zeroing loops; none changes a value. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include "models/kernels/nominal_sums.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "models/link.h"
#include "models/ordinal.h"
#include "models/kernels/rank_update.h"
#include "models/kernels/row_products.h"
#include "models/kernels/terms.h"
#include "models/kernels/vmath.h"


/* Rows per chunk: the kept columns of a chunk's rows in about 32 KiB. */
static size_t chunk_rows(size_t pk) { return partreg_block_rows_auto(pk ? pk : 1); }

/* The layout of the scratch of one accumulate call. The thresholds and
 * nominal slopes of cut j are addressed together as e(j, l) = j Lc + l,
 * Lc = 1 + nq: l = 0 the threshold, l = 1 + q the slope of nominal column
 * q; per row their gradient along the cut point is z = (1, -x_q). */
typedef struct ns_fast {
    partreg_isa isa; /* the route's instruction set (core/cpu.h) */
    size_t pk, nb, nq, nc, k, m, Lc, Ls;
    size_t *bpos, *qpos;        /* kept-column position of each parallel / nominal free slope */
    size_t *bcol, *qcol, *rcol; /* design columns (partreg_ns_map) */
    size_t *perm, *start;       /* m: rows sorted by category; J + 1: each category's first */
    double *bfull;              /* pk: beta on the kept columns, 0 at nominal ones */
    double *X;                  /* m x pk gathered rows (when columns were dropped) */
    double *E;                  /* (1 + nc) x m: x_p'beta of each row, then x_n'beta_j of each cut */
    double *Xq;                 /* m x nq: the chunk's nominal columns */
    double *a, *b, *w, *lp, *da, *db, *daa, *dab, *dbb, *h, *g; /* m each, row order */
    double *zp, *zn;            /* m x pk each (dsyrk above the rank-update limit) */
    double *Xs, *Z;             /* m x pk, m x Lc: the rows by category, and their z */
    double *sda, *sdb, *saa, *sab, *sbb, *sca, *scb, *pr; /* m each, sorted order */
    double *Ibb, *Gb;           /* pk x pk (lower), pk: beta-beta and beta's gradient */
    double *Tx;                 /* Ls x pk: e(j, l) - beta */
    double *Bsm;                /* Ls x Ls (lower): e(j, l) - e(j', l') */
    double *gsm;                /* Ls: the gradient of e(j, l) */
    double *tmp;                /* Lc x Lc */
} ns_fast;

size_t partreg_ns_fast_scratch(const partreg_model *m)
{
    const partreg_ns_state *s = m->state;
    size_t p = m->p, pk = p ? p : 1, nc = m->J - 1, M = chunk_rows(pk);
    size_t Lc = 1 + s->nq, Ls = nc * Lc;
    size_t idx = 5 * p + M + m->J + 1 + 8; /* size_t lists in double slots */
    return idx + pk + M * pk + (1 + nc) * M + M * (s->nq ? s->nq : 1) + 11 * M + 2 * M * pk + M * pk + M * Lc +
           8 * M + pk * pk + pk + Ls * pk + Ls * Ls + Ls + Lc * Lc + 8;
}

static void layout_scratch(const partreg_design *d, double *scratch, ns_fast *f)
{
    size_t p = d->model->p, pk = d->pk ? d->pk : 1, nc = d->J - 1;
    size_t *ix = (size_t *)(void *)scratch; /* allocated memory: its type is what is stored */
    f->bpos = ix;
    f->qpos = ix + p;
    f->bcol = ix + 2 * p;
    f->qcol = ix + 3 * p;
    f->rcol = ix + 4 * p;
    partreg_ns_map mp;
    mp.bcol = f->bcol;
    mp.qcol = f->qcol;
    mp.rcol = f->rcol;
    partreg_ns_map_build(d->model, d, &mp);
    f->pk = d->pk;
    f->nb = mp.nb;
    f->nq = mp.nq;
    f->nc = nc;
    f->k = mp.k;
    f->m = chunk_rows(p ? p : 1); /* by the model's p, as the scratch size: kept columns may be fewer */
    f->Lc = 1 + f->nq;
    f->Ls = nc * f->Lc;
    f->perm = ix + 5 * p;
    f->start = f->perm + f->m;
    /* kept-column positions: d->cols is ascending (NULL: all) */
    for (size_t i = 0, t = 0; i < mp.nb; i++) {
        while (d->cols && d->cols[t] != f->bcol[i])
            t++;
        f->bpos[i] = d->cols ? t : f->bcol[i];
    }
    for (size_t i = 0, t = 0; i < mp.nq; i++) {
        while (d->cols && d->cols[t] != f->qcol[i])
            t++;
        f->qpos[i] = d->cols ? t : f->qcol[i];
    }
    double *q = scratch + 5 * p + f->m + d->J + 1 + 8;
    size_t M = f->m, Lc = f->Lc, Ls = f->Ls;
    f->bfull = q, q += pk;
    f->X = q, q += M * pk;
    f->E = q, q += (1 + nc) * M;
    f->Xq = q, q += M * (f->nq ? f->nq : 1);
    double **rows[] = {&f->a, &f->b, &f->w, &f->lp, &f->da, &f->db, &f->daa, &f->dab, &f->dbb,
                       &f->h, &f->g};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        *rows[i] = q, q += M;
    f->zp = q, q += M * pk;
    f->zn = q, q += M * pk;
    f->Xs = q, q += M * pk;
    f->Z = q, q += M * Lc;
    double **sorted[] = {&f->sda, &f->sdb, &f->saa, &f->sab, &f->sbb, &f->sca, &f->scb, &f->pr};
    for (size_t i = 0; i < sizeof sorted / sizeof sorted[0]; i++)
        *sorted[i] = q, q += M;
    f->Ibb = q, q += pk * pk;
    f->Gb = q, q += pk;
    f->Tx = q, q += Ls * pk;
    f->Bsm = q, q += Ls * Ls;
    f->gsm = q, q += Ls;
    f->tmp = q;
}

/* ---- one chunk ------------------------------------------------------------- */

/* One chunk of m rows (xb: their kept columns, row stride lda): the cut
 * points (x_p'beta + x_n'beta_j at the row's two cuts), the row terms, the beta-beta block with
 * the eta gradient (partreg_info_add), then the rows sorted by category,
 * so that category c's rows give, as whole blocks over contiguous rows,
 * with z = (1, -x_q) and the weighted derivatives:
 *   at its lower cut j = c - 1: the gradient sum w da z, the block
 *     -sum w daa z z' (rank update) and the beta block sum w (daa + dab) z x';
 *   at its upper cut j = c: the same with db, dbb and w (dab + dbb);
 *   between the two: -sum w dab z z' (cut c's entries by cut c-1's). */
static void nominal_chunk(const partreg_design *d, const double *theta, size_t i0, size_t m,
                          const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                          ns_fast *f)
{
    size_t pk = f->pk, nq = f->nq, nc = f->nc, J = d->J, Lc = f->Lc, Ls = f->Ls;
    const double *thr = theta + f->nb;
    int info = order >= PARTREG_ORDER_HESSIAN;
    /* x_p'beta by the small-k kernel (beta is 0 at the nominal columns),
     * and x_n'beta_j at every cut from the chunk's nominal columns
     * gathered (a k = nq dot per cut) */
    const double *bn = theta + f->nb + nc;
    double *eta = f->E, *en = f->E + m;
    if (pk)
        partreg_rows_dot(f->isa, xb, lda, pk, f->bfull, m, eta);
    else
        memset(eta, 0, m * sizeof *eta);
    for (size_t r = 0; r < m; r++)
        for (size_t q = 0; q < nq; q++)
            f->Xq[r * nq + q] = xb[r * lda + f->qpos[q]];
    for (size_t j = 0; j < nc; j++)
        partreg_rows_dot(f->isa, f->Xq, nq, nq, bn + j * nq, m, en + j * m);
    int invalid = 0;
    for (size_t r = 0; r < m; r++) {
        size_t i = i0 + r, c = (size_t)d->y[i];
        double a = c > 0 ? thr[c - 1] - (eta[r] + en[(c - 1) * m + r]) : -INFINITY;
        double b = c + 1 < J ? thr[c] - (eta[r] + en[c * m + r]) : INFINITY;
        f->w[r] = partreg_design_weight(d, i);
        f->a[r] = a;
        f->b[r] = b;
        invalid |= !(b > a) && f->w[r] != 0.0;
    }
    if (invalid) { /* a category with a probability <= 0: -inf, no step */
        acc->nonfinite = 1;
        acc->loglik = -INFINITY;
        return;
    }
    int logit = d->link == PARTREG_LOGIT;
    if (logit)
        partreg_terms_for(f->isa)->nominal_logit(f->a, f->b, f->w, m, f->lp, f->da, f->db,
                                                 f->daa, f->dab, f->dbb, f->h);
    for (size_t r = 0; r < m; r++) {
        double w = f->w[r];
        if (w == 0.0) {
            f->lp[r] = f->da[r] = f->db[r] = f->daa[r] = f->dab[r] = f->dbb[r] = 0.0;
        } else if (!logit || f->h[r] == 0.0) { /* h holds logit_rows' flags until below */
            partreg_ordinal_terms t;
            partreg_ordinal_row_terms(d->link, f->a[r], f->b[r], &t);
            f->lp[r] = w * t.logp;
            f->da[r] = w * t.da;
            f->db[r] = w * t.db;
            f->daa[r] = w * t.daa;
            f->dab[r] = w * t.dab;
            f->dbb[r] = w * t.dbb;
        }
    }
    for (size_t r = 0; r < m; r++) { /* apart from the calls above: it vectorises */
        f->g[r] = -(f->da[r] + f->db[r]);
        f->h[r] = -(f->daa[r] + 2.0 * f->dab[r] + f->dbb[r]);
    }
    double ll = partreg_vm_sum16(f->lp, m);
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* the eta gradient (and with it the beta-beta block) */
    if (pk && info)
        partreg_info_add(f->isa, f->Ibb, pk, pk, xb, lda, f->h, f->g, f->Gb, m, f->zp, f->zn);
    else if (pk)
        partreg_rows_weighted_sum(f->isa, xb, lda, pk, f->g, m, f->Gb);
    /* the rows by category (a counting sort, stable), with z and weights */
    size_t *start = f->start;
    memset(start, 0, (J + 1) * sizeof *start);
    for (size_t r = 0; r < m; r++)
        start[(size_t)d->y[i0 + r] + 1]++;
    for (size_t c = 0; c < J; c++)
        start[c + 1] += start[c];
    for (size_t r = 0; r < m; r++) {
        size_t c = (size_t)d->y[i0 + r], t = start[c]++;
        const double *x = xb + r * lda;
        memcpy(f->Xs + t * pk, x, pk * sizeof *x);
        double *z = f->Z + t * Lc;
        z[0] = 1.0;
        for (size_t q = 0; q < nq; q++)
            z[1 + q] = -x[f->qpos[q]];
        f->sda[t] = f->da[r];
        f->sdb[t] = f->db[r];
        f->saa[t] = -f->daa[r];
        f->sab[t] = -f->dab[r];
        f->sbb[t] = -f->dbb[r];
        f->sca[t] = f->daa[r] + f->dab[r];
        f->scb[t] = f->dab[r] + f->dbb[r];
    }
    /* start[c] is now category c's end: its rows are [end(c-1), end(c)) */
    for (size_t c = 0; c < J; c++) {
        size_t s0 = c ? start[c - 1] : 0, n = start[c] - s0;
        if (n == 0)
            continue;
        const double *Xc = f->Xs + s0 * pk, *Zc = f->Z + s0 * Lc;
        for (int side = 0; side < 2; side++) {
            if ((side == 0 && c == 0) || (side == 1 && c + 1 == J))
                continue;
            size_t j = side == 0 ? c - 1 : c, e0 = j * Lc;
            const double *gw = (side == 0 ? f->sda : f->sdb) + s0;
            if (!info) {
                partreg_rows_weighted_sum(f->isa, Zc, Lc, Lc, gw, n, f->gsm + e0);
                continue;
            }
            const double *hw = (side == 0 ? f->saa : f->sbb) + s0;
            partreg_rank_update(f->isa, f->Bsm + e0 * Ls + e0, Ls, Lc, Zc, Lc, hw, gw,
                                f->gsm + e0, n);
            const double *cw = (side == 0 ? f->sca : f->scb) + s0;
            for (size_t l = 0; pk && l < Lc; l++) {
                const double *wl = cw;
                if (l > 0) {
                    for (size_t r = 0; r < n; r++)
                        f->pr[r] = cw[r] * Zc[r * Lc + l];
                    wl = f->pr;
                }
                partreg_rows_weighted_sum(f->isa, Xc, pk, pk, wl, n, f->Tx + (e0 + l) * pk);
            }
        }
        if (!info || c == 0 || c + 1 == J)
            continue;
        /* cut c's entries by cut c - 1's: -sum w dab z z', full */
        memset(f->tmp, 0, Lc * Lc * sizeof *f->tmp);
        partreg_rank_update(f->isa, f->tmp, Lc, Lc, Zc, Lc, f->sab + s0, NULL, NULL, n);
        size_t eu = c * Lc, el = (c - 1) * Lc;
        for (size_t l = 0; l < Lc; l++)
            for (size_t l2 = 0; l2 < Lc; l2++)
                f->Bsm[(eu + l) * Ls + el + l2] += l >= l2 ? f->tmp[l * Lc + l2] : f->tmp[l2 * Lc + l];
    }
}

/* ---- one call ------------------------------------------------------------- */

void partreg_ns_accumulate_fast(const partreg_design *d, const double *theta, size_t begin,
                                size_t end, partreg_order order, partreg_accum *acc,
                                double *scratch)
{
    ns_fast f;
    layout_scratch(d, scratch, &f);
    f.isa = partreg_route_isa(d->kernel);
    size_t pk = f.pk, nc = f.nc, nq = f.nq, k = f.k, Lc = f.Lc, Ls = f.Ls;
    size_t ot = f.nb, on = ot + nc;
    memset(f.bfull, 0, (pk ? pk : 1) * sizeof *f.bfull);
    for (size_t i = 0; i < f.nb; i++)
        f.bfull[f.bpos[i]] = theta[i];
    /* Ibb, Gb, Tx, Bsm, gsm are laid out in a row */
    memset(f.Ibb, 0, (pk * pk + pk + Ls * pk + Ls * Ls + Ls) * sizeof *f.Ibb);
    for (size_t b0 = begin; b0 < end; b0 += f.m) {
        size_t m = end - b0 < f.m ? end - b0 : f.m;
        const double *xb = d->X + b0 * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b0 + r, f.X + r * pk);
            xb = f.X;
            lda = pk;
        }
        nominal_chunk(d, theta, b0, m, xb, lda, order, acc, &f);
    }
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* the free index of e(j, l) */
#define FREE_OF(e) ((e) % Lc == 0 ? ot + (e) / Lc : on + ((e) / Lc) * nq + (e) % Lc - 1)
    for (size_t i = 0; i < f.nb; i++)
        acc->grad[i] += f.Gb[f.bpos[i]];
    for (size_t e = 0; e < Ls; e++)
        acc->grad[FREE_OF(e)] += f.gsm[e];
    if (order < PARTREG_ORDER_HESSIAN)
        return;
    double *I = acc->info;
    for (size_t i = 0; i < f.nb; i++)
        for (size_t j = 0; j <= i; j++) /* kept positions ascend with i */
            I[i * k + j] += f.Ibb[f.bpos[i] * pk + f.bpos[j]];
    for (size_t e = 0; e < Ls; e++) {
        size_t fe = FREE_OF(e);
        for (size_t i = 0; i < f.nb; i++) /* beta comes first in the free order */
            I[fe * k + i] += f.Tx[e * pk + f.bpos[i]];
        for (size_t e2 = 0; e2 <= e; e2++) {
            size_t f2 = FREE_OF(e2), hi = fe > f2 ? fe : f2, lo = fe > f2 ? f2 : fe;
            I[hi * k + lo] += f.Bsm[e * Ls + e2];
        }
    }
#undef FREE_OF
}
