/* The bias-reduced cluster-robust covariance CR2 (Bell and McCaffrey 2002)
 * for generalised linear models as Pustejovsky and Tipton (2018) and R's
 * clubSandwich::vcovCR(type = "CR2") define it, with the Satterthwaite
 * degrees of freedom of clubSandwich::coef_test.
 *
 * The model's rows in working form (objective.h, glm_rows): z_i with
 * expected information sum_i z_i z_i' = M^-1 (M the bread), standardised
 * residual r_i (score z_i r_i) and working variance v_i. With
 * Phi = diag(v), P = Z M Z' and, for cluster j, C_j = I - P_jj:
 *
 *   B_j = Phi_j C_j Phi_j,      A_j = Phi_j^1/2 B_j^-1/2 Phi_j^1/2,
 *   u_j = D_j' W_j A_j e_j = Z_j' G_j Phi_j r_j,   G_j = B_j^-1/2,
 *   V   = M (sum_j u_j u_j') M
 *
 * (D = f X, W = Phi^-1, e = y - F: clubSandwich's working model for glm,
 * written in standardised rows). B_j is n_j x n_j and Phi_j is not a
 * multiple of the identity, so B_j^-1/2 has no low-rank form; it is
 * applied through Zolotarev's best rational approximation of x^-1/2 on
 * the spectrum of B_j, [min v^2 (1 - rho_j), max v^2] with
 * rho_j = lambda_max(M Z_j' Z_j):
 *
 *   B^-1/2 ~ a0 I + sum_l a_l (B + b_l I)^-1     (relative error < 1e-13)
 *
 * and each resolvent by Woodbury, B + b = D_b - Y M Y' with D_b = Phi^2 + b
 * diagonal and Y = Phi Z_j:
 *
 *   Z'(B + b)^-1 Phi [Z r] = [S1 + S1 K^-1 S2, t1 + S1 K^-1 t2],
 *   S1 = sum v/(v^2+b) z z', S2 = sum v^2/(v^2+b) z z', K = M^-1 - S2,
 *   t1 = sum v r/(v^2+b) z,  t2 = sum v^2 r/(v^2+b) z
 *
 * (sums over the cluster's rows). Two passes over the rows: the first sums
 * Z_j'Z_j and the range of v per cluster, the second the node sums. With
 * L_j = Z_j' G_j Phi_j Z_j (from the same sums), the Satterthwaite df of
 * coefficient c (tr(Omega)^2 / sum Omega^2, Omega = P'(I-H) Phi (I-H)' P,
 * P's column j = A_j' W_j D_j M c) is, with m = M c and l_j = L_j' m,
 *
 *   Omega_jh = [j = h] (m' Z_j'Z_j m + l_j' M l_j) - l_j' M l_h.
 *
 * docs/methods_inference.md writes the derivation out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "core/error.h"
#include "inference/inference_internal.h"
#include "models/penalty.h"

/* Relative error of the rational approximation of x^-1/2 sought. */
#define ZOLO_TOL 1e-13
/* Poles at most (ratios of working variances up to about 1e12). */
#define ZOLO_MAX 64
/* Points of the error check on the spectrum, log-spaced. */
#define ZOLO_GRID 2000
/* Rows per block of the second pass. */
#define CR2_BLOCK 32768
/* A cluster with 1 - rho_j below this determines some combination of the
 * coefficients alone: CR2 is not defined. */
#define RHO_TOL 1e-10

/* ---- Zolotarev's approximation of x^-1/2 on [1, kappa] ------------------ */

/* sn, cn of u for the parameter 1 - mc (mc = k'^2 exactly), by the AGM
 * (Abramowitz and Stegun 16.4). */
static void jacobi_sn_cn(double u, double mc, double *sn, double *cn)
{
    double a[48], c[48], b = sqrt(mc);
    a[0] = 1.0;
    c[0] = sqrt(1.0 - mc);
    int N = 0;
    while (N < 46 && fabs(c[N]) > 1e-17 * a[N]) {
        double an = 0.5 * (a[N] + b), bn = sqrt(a[N] * b);
        c[N + 1] = 0.5 * (a[N] - b);
        a[N + 1] = an;
        b = bn;
        N++;
    }
    double phi = ldexp(1.0, N) * a[N] * u;
    for (int n = N; n > 0; n--)
        phi = 0.5 * (phi + asin(c[n] / a[n] * sin(phi)));
    *sn = sin(phi);
    *cn = cos(phi);
}

/* Complete elliptic integral K for the parameter 1 - mc. */
static double ellip_k(double mc)
{
    double a = 1.0, b = sqrt(mc);
    for (int i = 0; i < 64 && fabs(a - b) > 1e-16 * a; i++) {
        double t = 0.5 * (a + b);
        b = sqrt(a * b);
        a = t;
    }
    return 1.57079632679489661923 / a; /* pi / (2 a) */
}

/* x^-1/2 ~ d (1 + sum_l b_l / (x + c_l)) on [1, kappa] with m poles:
 * fills c, b (m each; b already times d) and *d; returns the maximum
 * relative error on a log grid. */
static double zolotarev(double kappa, int m, double *c, double *b, double *d)
{
    double mc = 1.0 / kappa, K = ellip_k(mc), cc[2 * ZOLO_MAX];
    for (int l = 1; l <= 2 * m; l++) {
        double u = l * K / (2 * m + 1), sn, cn;
        if (u <= 0.5 * K) {
            jacobi_sn_cn(u, mc, &sn, &cn);
            cc[l - 1] = sn * sn / (cn * cn);
        } else { /* sc(K - v) = cn(v) / (k' sn(v)): no cancellation near K */
            jacobi_sn_cn(K - u, mc, &sn, &cn);
            cc[l - 1] = cn * cn / (mc * sn * sn);
        }
    }
    for (int i = 0; i < m; i++) {
        c[i] = cc[2 * i];
        double pr = cc[2 * i + 1] - c[i];
        for (int j = 0; j < m; j++)
            if (j != i)
                pr *= (cc[2 * j + 1] - c[i]) / (cc[2 * j] - c[i]);
        b[i] = pr;
    }
    double hi = -INFINITY, lo = INFINITY;
    for (int g = 0; g <= ZOLO_GRID; g++) {
        double x = exp(log(kappa) * g / ZOLO_GRID), r = 1.0;
        for (int i = 0; i < m; i++)
            r += b[i] / (x + c[i]);
        r *= sqrt(x);
        hi = r > hi ? r : hi;
        lo = r < lo ? r : lo;
    }
    *d = 2.0 / (hi + lo);
    for (int i = 0; i < m; i++)
        b[i] *= *d;
    return isfinite(hi) && isfinite(lo) ? (hi - lo) / (hi + lo) : INFINITY;
}

/* B^-1/2 ~ a0 + sum_l al[l] / (B + bl[l]) for the spectrum in [lo, hi]:
 * the number of poles, or -1 when no approximation reaches the tolerance. */
static int rational_nodes(double lo, double hi, double *a0, double *al, double *bl)
{
    double kappa = hi / lo;
    if (!(kappa >= 2.0))
        kappa = 2.0; /* an interval that holds the spectrum is enough */
    double c[ZOLO_MAX], b[ZOLO_MAX], d = 0.0;
    for (int m = 4; m <= ZOLO_MAX; m += 4) {
        double e = zolotarev(kappa, m, c, b, &d);
        if (e <= ZOLO_TOL || (m == ZOLO_MAX && e <= 1e-9)) {
            double s = sqrt(lo);
            *a0 = d / s;
            for (int i = 0; i < m; i++) {
                al[i] = b[i] * s;
                bl[i] = c[i] * lo;
            }
            return m;
        }
    }
    return -1;
}

/* ---- the covariance ------------------------------------------------------ */

typedef struct cluster_sums {
    double *ZZ;      /* k x k: sum z z' (lower triangle) */
    double vmin, vmax;
    int m;           /* poles */
    double a0;
    double *al, *bl; /* m each */
    double *P, *p;   /* sum v z z', sum v r z */
    double *R0;      /* npk x 2: the first pass's products (see pass 1) */
    /* T x 2m, T = (k+1)(k+2)/2: row t the packed lower-triangle entry t of
     * [z r][z r]', column l < m the sum of it times v/(v^2+b_l) (S1 and
     * t1 of pole l), column m + l times v^2/(v^2+b_l) (S2 and t2) */
    double *R;
} cluster_sums;

static void fill_upper(double *A, size_t k)
{
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < a; b++)
            A[b * k + a] = A[a * k + b];
}

/* Rows [b, e) in working form into Z, r, v (block scratch). */
static void rows_block(const partreg_objective *obj, const double *theta, size_t b, size_t e,
                       double *Z, double *r, double *v, double *scratch)
{
    obj->glm_rows(obj->model, theta, b, e, Z, r, v, scratch);
}

/* Rows [b, e) in working form into Z2, r2, v2 (in sub-blocks of `block`
 * rows), and their order by cluster: the block's rows of cluster g are
 * perm[start[g] .. start[g + 1]) (offsets from b; a stable counting sort). */
static void load_block(const partreg_objective *obj, const double *theta, size_t b, size_t e,
                       size_t block, size_t k, double *Z2, double *r2, double *v2,
                       const size_t *cluster, const size_t *code, size_t G, size_t *start,
                       size_t *fillp, size_t *perm, double *scratch)
{
    for (size_t q = b; q < e; q += block) {
        size_t qe = q + block < e ? q + block : e;
        rows_block(obj, theta, q, qe, Z2 + (q - b) * k, r2 + (q - b), v2 + (q - b), scratch);
    }
    memset(start, 0, (G + 1) * sizeof *start);
    for (size_t i = b; i < e; i++)
        start[code[cluster[i]] + 1]++;
    for (size_t g = 0; g < G; g++)
        start[g + 1] += start[g];
    memcpy(fillp, start, G * sizeof *fillp);
    for (size_t i = 0; i < e - b; i++)
        perm[fillp[code[cluster[b + i]]]++] = i;
}

/* The packed lower triangle of [z r][z r]' of rows[0..ng) into O
 * (ng x npk). */
static void pack_rows(const size_t *rows, size_t ng, size_t k, size_t npk, const double *Z2,
                      const double *r2, double *O)
{
    for (size_t x = 0; x < ng; x++) {
        const double *z = Z2 + rows[x] * k;
        double *o = O + x * npk, ri = r2[rows[x]];
        size_t t = 0;
        for (size_t a = 0; a <= k; a++) {
            double za = a < k ? z[a] : ri;
            for (size_t q = 0; q <= a; q++)
                o[t++] = za * (q < k ? z[q] : ri);
        }
    }
}

/* R (npk x m2) += O' Q, O ng x npk, Q ng x m2: the library's own loop
 * (the inner one over Q's row vectorises), not a BLAS call, which
 * OpenBLAS would thread (the library threads its own passes). */
static void gram_update(const double *restrict O, const double *restrict Q, size_t ng, size_t npk,
                        size_t m2, double *restrict R)
{
    for (size_t x = 0; x < ng; x++) {
        const double *o = O + x * npk, *q = Q + x * m2;
        for (size_t t = 0; t < npk; t++) {
            double ot = o[t];
            double *rt = R + t * m2;
            for (size_t c = 0; c < m2; c++)
                rt[c] += ot * q[c];
        }
    }
}

partreg_status partreg_fit_cr2(partreg_fit *fit, const partreg_data *data, const size_t *cluster,
                               size_t n_clusters, partreg_error *err)
{
    size_t k = fit->k, n = fit->n;
    partreg_design d;
    partreg_objective obj;
    partreg_status st = partreg_inference_check_data(fit, data, &d, &obj, err);
    if (st != PARTREG_OK)
        return st;
    if (!obj.glm_rows)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--vcov cr2 is defined for binary models (the CR2 of "
                                 "clubSandwich needs a model with one working residual per "
                                 "row); for the %s model use --vcov cluster with --cluster-df",
                                 fit->model.ops->name);
    if (data->w)
        for (size_t i = 0; i < n; i++)
            if (data->w[i] != 1.0)
                return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                         "--vcov cr2 is defined here for unweighted rows; with "
                                         "case weights use --vcov cluster (with --cluster-df)");
    /* compact cluster codes */
    size_t *code = malloc((n_clusters ? n_clusters : 1) * sizeof *code);
    if (!code)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t g = 0; g < n_clusters; g++)
        code[g] = PARTREG_NONE;
    size_t G = 0;
    for (size_t i = 0; i < n; i++)
        if (code[cluster[i]] == PARTREG_NONE)
            code[cluster[i]] = G++;

    size_t block = partreg_block_rows_auto(k);
    if (block > n)
        block = n;
    size_t kk = k * k, npk = (k + 1) * (k + 2) / 2;
    /* pass 2 reads blocks of this many rows (its per-cluster groups are
     * long enough for the rank updates to run at BLAS speed) */
    size_t block2 = n < CR2_BLOCK ? n : CR2_BLOCK; /* n > k >= 1 (the caller checks) */
    double *scratch = malloc((obj.scratch_doubles > k ? obj.scratch_doubles : k) * sizeof *scratch);
    cluster_sums *cs = calloc(G ? G : 1, sizeof *cs);
    double *Minv = calloc(kk, sizeof *Minv), *M = malloc(kk * sizeof *M);
    double *L = malloc(kk * sizeof *L), *W = malloc(kk * sizeof *W), *T = malloc(kk * sizeof *T);
    double *Kc = malloc(kk * sizeof *Kc), *X = malloc(k * (k + 1) * sizeof *X);
    double *Lj = calloc(G ? G * kk : 1, sizeof *Lj), *u = calloc(G ? G * k : 1, sizeof *u);
    double *Om = NULL, *lam = NULL, *V = calloc(kk, sizeof *V), *df = malloc(k * sizeof *df);
    double *Z2 = malloc((block2 + 1) * k * sizeof *Z2);
    double *r2 = malloc((block2 + 1) * sizeof *r2);
    double *v2 = malloc((block2 + 1) * sizeof *v2);
    double *Ob = malloc((block2 + 1) * npk * sizeof *Ob);
    double *Qb = malloc((block2 + 1) * 2 * ZOLO_MAX * sizeof *Qb);
    size_t *perm = malloc((block2 + 1) * sizeof *perm);
    size_t *start = malloc((G + 1) * sizeof *start), *fillp = malloc((G ? G : 1) * sizeof *fillp);
    double *S1 = malloc(kk * sizeof *S1), *S2 = malloc(kk * sizeof *S2);
    double *t1 = malloc(k * sizeof *t1), *t2 = malloc(k * sizeof *t2);
    gsl_eigen_symm_workspace *ew = gsl_eigen_symm_alloc(k);
    gsl_vector *eval = gsl_vector_alloc(k);
    if (!scratch || !cs || !Minv || !M || !L || !W || !T || !Kc || !X || !Lj ||
        !u || !V || !df || !ew || !eval || !Z2 || !r2 || !v2 || !Ob || !Qb || !perm || !start || !fillp ||
        !S1 || !S2 || !t1 || !t2)
        goto oom;
    for (size_t g = 0; g < G; g++) {
        if (!(cs[g].ZZ = calloc(kk, sizeof(double))) || !(cs[g].P = calloc(kk, sizeof(double))) ||
            !(cs[g].p = calloc(k, sizeof(double))) || !(cs[g].R0 = calloc(2 * npk, sizeof(double))))
            goto oom;
        cs[g].vmin = INFINITY;
        cs[g].vmax = 0.0;
    }
    const double *theta = fit->theta->data;
    /* pass 1: Z_j'Z_j, sum v z z', sum v r z (the products of [z r] times
     * [1 v], one matrix product per cluster and block) and the range of v */
    for (size_t b = 0; b < n; b += block2) {
        size_t e = b + block2 < n ? b + block2 : n;
        load_block(&obj, theta, b, e, block, k, Z2, r2, v2, cluster, code, G, start, fillp, perm,
                   scratch);
        for (size_t i = b; i < e; i++) {
            double vi = v2[i - b], ri = r2[i - b];
            if (!isfinite(vi) || !(vi > 0.0) || !isfinite(ri)) {
                st = partreg_error_set_index(err, PARTREG_ENUMERIC, (long)i,
                                             "row %zu has a fitted probability of 0 or 1: its "
                                             "working variance is 0 and CR2 is not defined",
                                             i + 1);
                goto cleanup;
            }
            cluster_sums *c = &cs[code[cluster[i]]];
            c->vmin = vi < c->vmin ? vi : c->vmin;
            c->vmax = vi > c->vmax ? vi : c->vmax;
        }
        for (size_t g = 0; g < G; g++) {
            size_t ng = start[g + 1] - start[g];
            if (ng == 0)
                continue;
            const size_t *rows = perm + start[g];
            pack_rows(rows, ng, k, npk, Z2, r2, Ob);
            for (size_t x = 0; x < ng; x++) {
                Qb[2 * x] = 1.0;
                Qb[2 * x + 1] = v2[rows[x]];
            }
            gram_update(Ob, Qb, ng, npk, 2, cs[g].R0);
        }
    }
    for (size_t g = 0; g < G; g++) { /* unpack: column 0 weight 1, column 1 weight v */
        size_t t = 0;
        for (size_t a = 0; a <= k; a++)
            for (size_t q = 0; q <= a; q++, t++) {
                if (a < k) {
                    cs[g].ZZ[a * k + q] = cs[g].R0[2 * t];
                    cs[g].P[a * k + q] = cs[g].R0[2 * t + 1];
                } else if (q < k) {
                    cs[g].p[q] = cs[g].R0[2 * t + 1];
                }
            }
    }
    for (size_t g = 0; g < G; g++) {
        fill_upper(cs[g].ZZ, k);
        fill_upper(cs[g].P, k);
        for (size_t a = 0; a < kk; a++)
            Minv[a] += cs[g].ZZ[a];
    }
    double logdet;
    if (partreg_chol_logdet_inverse(k, Minv, T, M, &logdet) != 0 ||
        partreg_chol_logdet_inverse(k, Minv, L, NULL, &logdet) != 0) {
        st = partreg_error_set(err, PARTREG_ESINGULAR,
                               "the expected information is singular at the estimate: no CR2 "
                               "covariance");
        goto cleanup;
    }
    /* per cluster: rho_j = lambda_max(L^-1 Z_j'Z_j L^-T), then the poles */
    for (size_t g = 0; g < G; g++) {
        /* T = L^-1 ZZ (forward substitution by columns), W = T L^-T */
        for (size_t col = 0; col < k; col++)
            for (size_t i = 0; i < k; i++) {
                double s = cs[g].ZZ[i * k + col];
                for (size_t c2 = 0; c2 < i; c2++)
                    s -= L[i * k + c2] * T[c2 * k + col];
                T[i * k + col] = s / L[i * k + i];
            }
        for (size_t row = 0; row < k; row++)
            for (size_t i = 0; i < k; i++) {
                double s = T[row * k + i];
                for (size_t c2 = 0; c2 < i; c2++)
                    s -= L[i * k + c2] * W[row * k + c2];
                W[row * k + i] = s / L[i * k + i];
            }
        fill_upper(W, k); /* symmetric up to rounding: take the lower triangle */
        gsl_matrix_view Wv = gsl_matrix_view_array(W, k, k);
        gsl_eigen_symm(&Wv.matrix, eval, ew);
        double rho = gsl_vector_max(eval);
        if (!(1.0 - rho > RHO_TOL)) {
            st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                   "CR2 is not defined: cluster %zu alone determines a "
                                   "combination of the coefficients (a level or term seen in that "
                                   "cluster only); use --vcov cluster with --cluster-df",
                                   g + 1);
            goto cleanup;
        }
        double al[ZOLO_MAX], bl[ZOLO_MAX];
        int m = rational_nodes(cs[g].vmin * cs[g].vmin * (1.0 - rho), cs[g].vmax * cs[g].vmax,
                               &cs[g].a0, al, bl);
        if (m < 0) {
            st = partreg_error_set(err, PARTREG_ENUMERIC,
                                   "CR2: the working variances of cluster %zu span too wide a "
                                   "range (fitted probabilities too close to 0 or 1); use --vcov "
                                   "cluster with --cluster-df",
                                   g + 1);
            goto cleanup;
        }
        cs[g].m = m;
        size_t mm = (size_t)m;
        if (!(cs[g].al = malloc(mm * sizeof(double))) || !(cs[g].bl = malloc(mm * sizeof(double))) ||
            !(cs[g].R = calloc(2 * mm * npk, sizeof(double))))
            goto oom;
        memcpy(cs[g].al, al, mm * sizeof(double));
        memcpy(cs[g].bl, bl, mm * sizeof(double));
    }
    /* pass 2: the node sums, a block of rows at a time: each cluster's rows
     * of the block give the products of [z r] (packed, O) and the pole
     * weights (Q), and R += O'Q (gram_update) per cluster and block */
    for (size_t b = 0; b < n; b += block2) {
        size_t e = b + block2 < n ? b + block2 : n;
        load_block(&obj, theta, b, e, block, k, Z2, r2, v2, cluster, code, G, start, fillp, perm,
                   scratch);
        for (size_t g = 0; g < G; g++) {
            size_t ng = start[g + 1] - start[g];
            if (ng == 0)
                continue;
            cluster_sums *c = &cs[g];
            size_t m2 = 2 * (size_t)c->m;
            const size_t *rows = perm + start[g];
            pack_rows(rows, ng, k, npk, Z2, r2, Ob);
            for (size_t x = 0; x < ng; x++) {
                size_t i = rows[x];
                double vi = v2[i], vv = vi * vi, *qw = Qb + x * m2;
                for (int l = 0; l < c->m; l++) {
                    double den = 1.0 / (vv + c->bl[l]);
                    qw[l] = vi * den;
                    qw[(size_t)c->m + (size_t)l] = vv * den;
                }
            }
            gram_update(Ob, Qb, ng, npk, m2, c->R);
        }
    }
    /* per cluster: L_j and u_j */
    for (size_t g = 0; g < G; g++) {
        cluster_sums *c = &cs[g];
        double *Lg = Lj + g * kk, *ug = u + g * k;
        for (size_t a = 0; a < kk; a++)
            Lg[a] = c->a0 * c->P[a];
        for (size_t a = 0; a < k; a++)
            ug[a] = c->a0 * c->p[a];
        for (int l = 0; l < c->m; l++) {
            size_t m2 = 2 * (size_t)c->m, l1 = (size_t)l, l2 = (size_t)c->m + (size_t)l, t = 0;
            for (size_t a = 0; a <= k; a++)
                for (size_t q = 0; q <= a; q++, t++) {
                    if (a < k) {
                        S1[a * k + q] = S1[q * k + a] = c->R[t * m2 + l1];
                        S2[a * k + q] = S2[q * k + a] = c->R[t * m2 + l2];
                    } else if (q < k) {
                        t1[q] = c->R[t * m2 + l1];
                        t2[q] = c->R[t * m2 + l2];
                    }
                }
            for (size_t a = 0; a < kk; a++)
                Kc[a] = Minv[a] - S2[a];
            if (partreg_chol_logdet_inverse(k, Kc, L, W, &logdet) != 0) {
                st = partreg_error_set(err, PARTREG_ENUMERIC,
                                       "CR2: a resolvent of cluster %zu is singular", g + 1);
                goto cleanup;
            }
            /* X = K^-1 [S2 t2] (k x (k+1)) */
            for (size_t a = 0; a < k; a++)
                for (size_t q = 0; q <= k; q++) {
                    double s = 0.0;
                    for (size_t h = 0; h < k; h++)
                        s += W[a * k + h] * (q < k ? S2[h * k + q] : t2[h]);
                    X[a * (k + 1) + q] = s;
                }
            double w = c->al[l];
            for (size_t a = 0; a < k; a++) {
                for (size_t q = 0; q <= k; q++) {
                    double s = q < k ? S1[a * k + q] : t1[a];
                    for (size_t h = 0; h < k; h++)
                        s += S1[a * k + h] * X[h * (k + 1) + q];
                    if (q < k)
                        Lg[a * k + q] += w * s;
                    else
                        ug[a] += w * s;
                }
            }
        }
    }
    /* V = M (sum_j u_j u_j') M */
    memset(W, 0, kk * sizeof *W);
    for (size_t g = 0; g < G; g++)
        for (size_t a = 0; a < k; a++)
            for (size_t q = 0; q < k; q++)
                W[a * k + q] += u[g * k + a] * u[g * k + q];
    for (size_t a = 0; a < k; a++)
        for (size_t q = 0; q < k; q++) {
            double s = 0.0;
            for (size_t h = 0; h < k; h++)
                s += M[a * k + h] * W[h * k + q];
            T[a * k + q] = s;
        }
    for (size_t a = 0; a < k; a++)
        for (size_t q = 0; q < k; q++) {
            double s = 0.0;
            for (size_t h = 0; h < k; h++)
                s += T[a * k + h] * M[h * k + q];
            V[a * k + q] = s;
        }
    for (size_t a = 0; a < k; a++)
        for (size_t q = 0; q < a; q++)
            V[a * k + q] = V[q * k + a] = 0.5 * (V[a * k + q] + V[q * k + a]);
    /* Satterthwaite df per coefficient */
    if (!(Om = malloc((G ? G * G : 1) * sizeof *Om)) || !(lam = malloc((G ? G * k : 1) * sizeof *lam)))
        goto oom;
    for (size_t cidx = 0; cidx < k; cidx++) {
        const double *mc = M + cidx * k; /* M c (M symmetric) */
        for (size_t g = 0; g < G; g++)
            for (size_t a = 0; a < k; a++) {
                double s = 0.0; /* l_g = L_g' m */
                for (size_t h = 0; h < k; h++)
                    s += Lj[g * kk + h * k + a] * mc[h];
                lam[g * k + a] = s;
            }
        for (size_t g = 0; g < G; g++) {
            /* M l_g into X's first k entries */
            for (size_t a = 0; a < k; a++) {
                double s = 0.0;
                for (size_t h = 0; h < k; h++)
                    s += M[a * k + h] * lam[g * k + h];
                X[a] = s;
            }
            for (size_t h2 = 0; h2 <= g; h2++) {
                double s = 0.0;
                for (size_t a = 0; a < k; a++)
                    s += lam[h2 * k + a] * X[a];
                Om[g * G + h2] = Om[h2 * G + g] = -s;
            }
            double q = 0.0;
            for (size_t a = 0; a < k; a++)
                for (size_t h = 0; h < k; h++)
                    q += mc[a] * cs[g].ZZ[a * k + h] * mc[h];
            /* diagonal: m'Z'Zm + l'Ml - l'Ml */
            Om[g * G + g] = q;
        }
        double tr = 0.0, ss = 0.0;
        for (size_t g = 0; g < G; g++) {
            tr += Om[g * G + g];
            for (size_t h2 = 0; h2 < G; h2++)
                ss += Om[g * G + h2] * Om[g * G + h2];
        }
        df[cidx] = tr * tr / ss;
    }
    for (size_t a = 0; a < kk; a++)
        if (!isfinite(V[a])) {
            st = partreg_error_set(err, PARTREG_ENUMERIC, "the CR2 covariance has non-finite entries");
            goto cleanup;
        }
    partreg_fit_install_vcov(fit, V, PARTREG_VCOV_CR2);
    fit->n_clusters = G;
    for (size_t f = 0; f < k; f++)
        partreg_fit_set_df(fit, partreg_fit_full_index(fit, f), df[f]);
    partreg_error_clear(err);
    goto cleanup;
oom:
    st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
cleanup:
    for (size_t g = 0; cs && g < G; g++) {
        free(cs[g].ZZ);
        free(cs[g].P);
        free(cs[g].p);
        free(cs[g].al);
        free(cs[g].bl);
        free(cs[g].R);
        free(cs[g].R0);
    }
    free(cs);
    free(code);
    free(Z2);
    free(r2);
    free(v2);
    free(Ob);
    free(Qb);
    free(perm);
    free(start);
    free(fillp);
    free(S1);
    free(S2);
    free(t1);
    free(t2);
    free(scratch);
    free(Minv);
    free(M);
    free(L);
    free(W);
    free(T);
    free(Kc);
    free(X);
    free(Lj);
    free(u);
    free(Om);
    free(lam);
    free(V);
    free(df);
    if (ew)
        gsl_eigen_symm_free(ew);
    if (eval)
        gsl_vector_free(eval);
    return st;
}
