/* clubSandwich's HTZ test under a CR2 covariance (cr2_htz.h).
 *
 * For the q contrasts c_s (rows of C), clubSandwich forms, for each pair
 * of clusters (j, h), the q x q matrix P(j, h) whose entry (s, t) is the
 * covariance under the working model of cluster j's and h's parts of the
 * estimates c_s'V c_t; in the rows of cr2.c (m_s = M c_s, l_sj = L_j' m_s)
 *
 *   P_st(j, h) = [j = h] (m_s' ZZ_j m_t + l_sj' M l_tj) - l_sj' M l_th,
 *
 * the polar form of the Omega of each coefficient's Satterthwaite df.
 * Omega = sum_j P(j, j) = C M C'; with B(j, h) = Omega^-1/2 P(j, h)
 * Omega^-1/2 (the contrasts made Omega^-1/2 C), the total variance is
 *
 *   sum_st sum_jh B_st(j,h) B_ts(j,h) + B_ss(j,h) B_tt(j,h),
 *
 * and nu = q (q + 1) / that. The sums over pairs of clusters need no
 * G x G matrices: with a_st(j) = m_s' ZZ_j m_t + c_st(j), c_st(j) =
 * l_sj' M l_tj and N_st = sum_j l_sj l_tj',
 *
 *   sum_jh B_st B_ts = sum_j (a_st^2 - 2 a_st c_st) + tr(M N_st M N_st),
 *   sum_jh B_ss B_tt = sum_j (a_ss a_tt - a_ss c_tt - a_tt c_ss)
 *                      + tr(M N_st M N_ts),
 *
 * O(G q^2 k^2) in all (tests/test_small_samples.c checks the result
 * against clubSandwich::Wald_test). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/spd.h"
#include "inference/cr2_htz.h"
#include "inference/inference_internal.h"

partreg_cr2_pieces *partreg_cr2_pieces_alloc(size_t G, size_t k)
{
    size_t kk = k * k;
    if (k == 0 || kk / k != k || G > (SIZE_MAX / sizeof(double) - kk) / (2 * kk))
        return NULL;
    partreg_cr2_pieces *c = malloc(sizeof *c + (kk + 2 * G * kk) * sizeof(double));
    if (!c)
        return NULL;
    c->G = G;
    c->k = k;
    c->M = c->data;
    c->ZZ = c->M + kk;
    c->L = c->ZZ + G * kk;
    return c;
}

/* tr(M A M B) for k x k A, B (row-major) with T = M A and U = M B given. */
static double trace_of_products(const double *T, const double *U, size_t k)
{
    double s = 0.0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            s += T[a * k + b] * U[b * k + a];
    return s;
}

static void mat_mul(const double *A, const double *B, size_t k, double *C)
{
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double s = 0.0;
            for (size_t h = 0; h < k; h++)
                s += A[a * k + h] * B[h * k + b];
            C[a * k + b] = s;
        }
}

partreg_status partreg_fit_cr2_htz(const partreg_fit *fit, const size_t *idx, size_t q, double *Q,
                                   double *F, double *df2, double *p)
{
    *Q = *F = *df2 = *p = NAN;
    const partreg_cr2_pieces *c = fit->cr2;
    if (!c || fit->vcov_type != PARTREG_VCOV_CR2)
        return PARTREG_EUNSUPPORTED;
    if (q == 0)
        return PARTREG_ESINGULAR;
    size_t k = c->k, G = c->G, kk = k * k;
    for (size_t s = 0; s < q; s++)
        if (idx[s] >= fit->K || fit->free_of[idx[s]] == PARTREG_NONE)
            return PARTREG_ESINGULAR;
    partreg_status st = PARTREG_OK;
    double *Vb = malloc(q * q * sizeof *Vb), *Vi = malloc(q * q * sizeof *Vi);
    double *Om = malloc(q * q * sizeof *Om), *ev = malloc(q * sizeof *ev);
    double *U = malloc(q * q * sizeof *U), *W = malloc(q * q * sizeof *W);
    double *m = malloc(q * k * sizeof *m), *lam = malloc(q * k * sizeof *lam);
    double *Ml = malloc(q * k * sizeof *Ml), *Zm = malloc(q * k * sizeof *Zm);
    double *N = calloc(q * q * kk, sizeof *N), *T1 = malloc(kk * sizeof *T1);
    double *T2 = malloc(kk * sizeof *T2), *A = malloc(q * q * sizeof *A);
    double *Cc = malloc(q * q * sizeof *Cc);
    partreg_spd *spd = partreg_spd_alloc(q);
    if (!Vb || !Vi || !Om || !ev || !U || !W || !m || !lam || !Ml || !Zm || !N || !T1 || !T2 ||
        !A || !Cc || !spd) {
        st = PARTREG_ENOMEM;
        goto done;
    }
    /* Q = b' V^-1 b over the block */
    for (size_t s = 0; s < q; s++)
        for (size_t t = 0; t < q; t++) {
            Vb[s * q + t] = gsl_matrix_get(fit->vcov, idx[s], idx[t]);
            Om[s * q + t] = c->M[fit->free_of[idx[s]] * k + fit->free_of[idx[t]]];
        }
    if (partreg_spd_invert(spd, Vb, Vi, 1e-10) != 0) {
        st = PARTREG_ESINGULAR;
        goto done;
    }
    double Qs = 0.0;
    for (size_t s = 0; s < q; s++)
        for (size_t t = 0; t < q; t++)
            Qs += gsl_vector_get(fit->par, idx[s]) * Vi[s * q + t] *
                  gsl_vector_get(fit->par, idx[t]);
    /* Omega^-1/2 = U diag(ev^-1/2) U' */
    if (partreg_sym_eigen(Om, q, ev, U) != 0) {
        st = PARTREG_ESINGULAR;
        goto done;
    }
    for (size_t e = 0; e < q; e++)
        if (!(ev[e] > 0.0)) {
            st = PARTREG_ESINGULAR;
            goto done;
        }
    for (size_t s = 0; s < q; s++)
        for (size_t t = 0; t < q; t++) {
            double v = 0.0;
            for (size_t e = 0; e < q; e++)
                v += U[s * q + e] * U[t * q + e] / sqrt(ev[e]);
            W[s * q + t] = v;
        }
    /* m_s = M (sum_u W_su e_{f_u}) */
    for (size_t s = 0; s < q; s++)
        for (size_t a = 0; a < k; a++) {
            double v = 0.0;
            for (size_t u = 0; u < q; u++)
                v += W[s * q + u] * c->M[a * k + fit->free_of[idx[u]]];
            m[s * k + a] = v;
        }
    double sum_st = 0.0; /* sum over clusters of the a and c terms, all (s, t) */
    for (size_t g = 0; g < G; g++) {
        const double *ZZ = c->ZZ + g * kk, *L = c->L + g * kk;
        for (size_t s = 0; s < q; s++)
            for (size_t a = 0; a < k; a++) {
                double l = 0.0, z = 0.0;
                for (size_t h = 0; h < k; h++) {
                    l += L[h * k + a] * m[s * k + h]; /* L_g' m_s */
                    z += ZZ[a * k + h] * m[s * k + h];
                }
                lam[s * k + a] = l;
                Zm[s * k + a] = z;
            }
        for (size_t s = 0; s < q; s++)
            for (size_t a = 0; a < k; a++) {
                double v = 0.0;
                for (size_t h = 0; h < k; h++)
                    v += c->M[a * k + h] * lam[s * k + h];
                Ml[s * k + a] = v;
            }
        for (size_t s = 0; s < q; s++)
            for (size_t t = 0; t < q; t++) {
                double cst = 0.0, zst = 0.0;
                for (size_t a = 0; a < k; a++) {
                    cst += lam[s * k + a] * Ml[t * k + a];
                    zst += m[s * k + a] * Zm[t * k + a];
                }
                Cc[s * q + t] = cst;
                A[s * q + t] = zst + cst;
            }
        for (size_t s = 0; s < q; s++)
            for (size_t t = 0; t < q; t++) {
                double ast = A[s * q + t], ass = A[s * q + s], att = A[t * q + t];
                sum_st += ast * ast - 2.0 * ast * Cc[s * q + t] + ass * att -
                          ass * Cc[t * q + t] - att * Cc[s * q + s];
                double *Nst = N + (s * q + t) * kk;
                for (size_t a = 0; a < k; a++)
                    for (size_t b = 0; b < k; b++)
                        Nst[a * k + b] += lam[s * k + a] * lam[t * k + b];
            }
    }
    double total = sum_st;
    for (size_t s = 0; s < q; s++)
        for (size_t t = 0; t < q; t++) {
            mat_mul(c->M, N + (s * q + t) * kk, k, T1); /* M N_st */
            mat_mul(c->M, N + (t * q + s) * kk, k, T2); /* M N_ts */
            total += trace_of_products(T1, T1, k) + trace_of_products(T1, T2, k);
        }
    double nu = (double)q * (double)(q + 1) / total;
    if (!isfinite(nu) || !(nu > 0.0)) {
        st = PARTREG_ESINGULAR;
        goto done;
    }
    double d2 = nu - (double)q + 1.0, delta = d2 > 0.0 ? d2 / nu : 0.0;
    *Q = Qs;
    *F = delta * Qs / (double)q;
    *df2 = d2;
    *p = d2 > 0.0 ? gsl_cdf_fdist_Q(*F, (double)q, d2) : NAN;
done:
    partreg_spd_free(spd);
    free(Vb);
    free(Vi);
    free(Om);
    free(ev);
    free(U);
    free(W);
    free(m);
    free(lam);
    free(Ml);
    free(Zm);
    free(N);
    free(T1);
    free(T2);
    free(A);
    free(Cc);
    return st;
}
