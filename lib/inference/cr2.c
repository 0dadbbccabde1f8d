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
    double *P, *p;   /* sum v z z' (lower), sum v r z */
    double *S1, *S2; /* m blocks of k x k (lower) */
    double *t1, *t2; /* m blocks of k */
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
    size_t kk = k * k;
    double *Z = malloc((block ? block : 1) * k * sizeof *Z);
    double *r = malloc((block ? block : 1) * sizeof *r);
    double *v = malloc((block ? block : 1) * sizeof *v);
    double *scratch = malloc((obj.scratch_doubles > k ? obj.scratch_doubles : k) * sizeof *scratch);
    cluster_sums *cs = calloc(G ? G : 1, sizeof *cs);
    double *Minv = calloc(kk, sizeof *Minv), *M = malloc(kk * sizeof *M);
    double *L = malloc(kk * sizeof *L), *W = malloc(kk * sizeof *W), *T = malloc(kk * sizeof *T);
    double *Kc = malloc(kk * sizeof *Kc), *X = malloc(k * (k + 1) * sizeof *X);
    double *Lj = calloc(G ? G * kk : 1, sizeof *Lj), *u = calloc(G ? G * k : 1, sizeof *u);
    double *Om = NULL, *lam = NULL, *V = malloc(kk * sizeof *V), *df = malloc(k * sizeof *df);
    gsl_eigen_symm_workspace *ew = gsl_eigen_symm_alloc(k);
    gsl_vector *eval = gsl_vector_alloc(k);
    if (!Z || !r || !v || !scratch || !cs || !Minv || !M || !L || !W || !T || !Kc || !X || !Lj ||
        !u || !V || !df || !ew || !eval)
        goto oom;
    for (size_t g = 0; g < G; g++) {
        if (!(cs[g].ZZ = calloc(kk, sizeof(double))) || !(cs[g].P = calloc(kk, sizeof(double))) ||
            !(cs[g].p = calloc(k, sizeof(double))))
            goto oom;
        cs[g].vmin = INFINITY;
        cs[g].vmax = 0.0;
    }
    const double *theta = fit->theta->data;
    /* pass 1: Z_j'Z_j, the range of v, and the node-free sums */
    for (size_t b = 0; b < n; b += block) {
        size_t e = b + block < n ? b + block : n;
        rows_block(&obj, theta, b, e, Z, r, v, scratch);
        for (size_t i = b; i < e; i++) {
            cluster_sums *c = &cs[code[cluster[i]]];
            const double *z = Z + (i - b) * k;
            double vi = v[i - b], ri = r[i - b];
            if (!isfinite(vi) || !(vi > 0.0) || !isfinite(ri)) {
                st = partreg_error_set_index(err, PARTREG_ENUMERIC, (long)i,
                                             "row %zu has a fitted probability of 0 or 1: its "
                                             "working variance is 0 and CR2 is not defined",
                                             i + 1);
                goto cleanup;
            }
            c->vmin = vi < c->vmin ? vi : c->vmin;
            c->vmax = vi > c->vmax ? vi : c->vmax;
            for (size_t a = 0; a < k; a++) {
                c->p[a] += vi * ri * z[a];
                for (size_t q = 0; q <= a; q++) {
                    c->ZZ[a * k + q] += z[a] * z[q];
                    c->P[a * k + q] += vi * z[a] * z[q];
                }
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
            !(cs[g].S1 = calloc(mm * kk, sizeof(double))) ||
            !(cs[g].S2 = calloc(mm * kk, sizeof(double))) ||
            !(cs[g].t1 = calloc(mm * k, sizeof(double))) ||
            !(cs[g].t2 = calloc(mm * k, sizeof(double))))
            goto oom;
        memcpy(cs[g].al, al, mm * sizeof(double));
        memcpy(cs[g].bl, bl, mm * sizeof(double));
    }
    /* pass 2: the node sums */
    for (size_t b = 0; b < n; b += block) {
        size_t e = b + block < n ? b + block : n;
        rows_block(&obj, theta, b, e, Z, r, v, scratch);
        for (size_t i = b; i < e; i++) {
            cluster_sums *c = &cs[code[cluster[i]]];
            const double *z = Z + (i - b) * k;
            double vi = v[i - b], ri = r[i - b], v2 = vi * vi;
            for (int l = 0; l < c->m; l++) {
                double den = 1.0 / (v2 + c->bl[l]), q1 = vi * den, q2 = v2 * den;
                double *S1 = c->S1 + (size_t)l * kk, *S2 = c->S2 + (size_t)l * kk;
                double *t1 = c->t1 + (size_t)l * k, *t2 = c->t2 + (size_t)l * k;
                for (size_t a = 0; a < k; a++) {
                    double y1 = q1 * z[a], y2 = q2 * z[a];
                    t1[a] += y1 * ri;
                    t2[a] += y2 * ri;
                    double *s1 = S1 + a * k, *s2 = S2 + a * k;
                    for (size_t q = 0; q <= a; q++) {
                        s1[q] += y1 * z[q];
                        s2[q] += y2 * z[q];
                    }
                }
            }
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
            double *S1 = c->S1 + (size_t)l * kk, *S2 = c->S2 + (size_t)l * kk;
            const double *t1 = c->t1 + (size_t)l * k, *t2 = c->t2 + (size_t)l * k;
            fill_upper(S1, k);
            fill_upper(S2, k);
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
    if (!(Om = malloc(G * G * sizeof *Om)) || !(lam = malloc(G * k * sizeof *lam)))
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
        free(cs[g].S1);
        free(cs[g].S2);
        free(cs[g].t1);
        free(cs[g].t2);
    }
    free(cs);
    free(code);
    free(Z);
    free(r);
    free(v);
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
