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
 * multiple of the identity, so B_j^-1/2 has no low-rank form. (C_j^-1/2
 * has one, I + U ((I - Lambda)^-1/2 - I) U' from a k x k eigenproblem,
 * but the adjustment built on it, Z_j' C_j^-1/2 r_j, is another
 * estimator: clubSandwich's A_j is the one symmetric solution of
 * A S_j A = Phi_j, and the two differ by up to 6% in standard errors on
 * tests/cases/cr2, tests/ref/cr2_cases.R.) B_j^-1/2 is
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
 * Z_j'Z_j and the range of v per cluster, the second the node sums. Each
 * is one run on the threads: a member owns whole clusters and reads the
 * data in blocks, sending its clusters' rows of each block through the
 * Gram kernel (kernels/cr2_gram.h), so every cluster's sums are added in row
 * order by one member, the same bits at any number of threads. With
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


#include "core/error.h"
#include "core/spd.h"
#include "core/team.h"
#include "inference/inference_internal.h"
#include "models/kernels/cr2_gram.h"
#include "models/objective.h"
#include "models/penalty.h"

/* Relative error of the rational approximation of x^-1/2 sought. */
#define ZOLO_TOL 1e-13
/* Poles at most (ratios of working variances up to about 1e12). */
#define ZOLO_MAX 64
/* Points of the error check on the spectrum, log-spaced. */
#define ZOLO_GRID 2000
/* Rows a member reads at a time: their working form stays in the core's
 * cache while it is sorted by cluster. */
#define CR2_BLOCK 8192
/* Rows of a cluster that go through the Gram kernel at once: their
 * products and weights stay in the core's cache. */
#define CR2_CHUNK 256
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
    for (int m = 2; m <= ZOLO_MAX; m += 2) {
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
    size_t mp;       /* 2m rounded up to a multiple of 4: columns of R */
    double a0;
    double *al, *bl; /* m each */
    double *P, *p;   /* sum v z z', sum v r z */
    double *R0;      /* 2 x tp: the first pass's sums, weights 1 and v */
    /* tp x mp, tp = (k+1)(k+2)/2 rounded up to a multiple of 4: row t the
     * packed lower-triangle entry t of [z r][z r]', column l < m the sum
     * of it times v/(v^2+b_l) (S1 and t1 of pole l), column m + l times
     * v^2/(v^2+b_l) (S2 and t2) */
    double *R;
    size_t bad;      /* the first row whose v or r is not usable (pass 1) */
} cluster_sums;

static void fill_upper(double *A, size_t k)
{
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < a; b++)
            A[b * k + a] = A[a * k + b];
}

/* One pass's state. Member t of the team owns some of the clusters and
 * reads their rows in blocks of CR2_BLOCK: the block in working form,
 * then each of its clusters' rows of the block through the Gram kernel. A cluster's sums are thus added by one
 * member in row order: the same bits whichever member owns it, at any
 * number of threads. */
typedef struct cr2_pass {
    const partreg_objective *obj;
    const double *theta;
    size_t n, k, tp;
    const size_t *cluster, *code;
    const size_t *mine_of, *mine_start; /* member t's rows: mine_of[mine_start[t] ..
                                           mine_start[t + 1]) (NULL: one member) */
    cluster_sums *cs;
    int second;  /* 0: pass 1, 1: pass 2 */
    double **scratch, **Zb, **Ob, **Qb; /* one each a member */
    size_t **rowsb, **cnt;              /* one each a member */
    partreg_isa isa; /* the instruction set of the fit's route (core/cpu.h) */
    int reference;   /* the fit's route is the reference route: the plain Gram sums */
} cr2_pass;

/* The rows pos[0..ng) of the member's block (Z, r, v) of cluster c into
 * its sums, CR2_CHUNK rows at a time: the products of [z r] (O) times the
 * weights (Q), R += O'Q (kernels/cr2_gram.h), on the fit's route. Pass 1
 * weighs by 1 and by v into R0, pass 2 by the poles into R. */
static void cluster_rows(const cr2_pass *p, cluster_sums *c, const size_t *pos, size_t ng,
                         const double *ZR, const double *v, double *O, double *Q)
{
    for (size_t x0 = 0; x0 < ng; x0 += CR2_CHUNK) {
        size_t nx = ng - x0;
        if (nx > CR2_CHUNK)
            nx = CR2_CHUNK;
        partreg_cr2_pack_rows(p->isa, pos + x0, nx, p->k, p->tp, ZR, O);
        if (p->second) {
            partreg_cr2_pole_weights(p->isa, pos + x0, nx, v, (size_t)c->m, c->bl, c->mp, Q);
            if (p->reference)
                partreg_cr2_gram_ref(O, Q, nx, p->tp, c->mp, c->R);
            else
                partreg_cr2_gram(p->isa, O, Q, nx, p->tp, c->mp, c->R);
        } else {
            for (size_t x = 0; x < nx; x++)
                Q[x] = v[pos[x0 + x]];
            if (p->reference)
                partreg_cr2_gram1_ref(O, Q, nx, p->tp, c->R0);
            else
                partreg_cr2_gram1(p->isa, O, Q, nx, p->tp, c->R0);
        }
    }
}

typedef struct cluster_size {
    size_t rows, g;
} cluster_size;

static int larger_first(const void *a, const void *b)
{
    const cluster_size *x = a, *y = b;
    if (x->rows != y->rows)
        return x->rows > y->rows ? -1 : 1;
    return x->g < y->g ? -1 : x->g > y->g;
}

/* Member t's share of a pass (see cr2_pass). */
static void member_job(void *arg, size_t t)
{
    const cr2_pass *p = arg;
    size_t n = p->n, k = p->k;
    size_t *buf = p->rowsb[t], *pos = buf + CR2_BLOCK, *seen = pos + CR2_BLOCK;
    size_t *cnt = p->cnt[t];
    size_t kp = (k + 4) & ~(size_t)3;
    double *Z = p->Zb[t], *r = Z + CR2_BLOCK * k, *v = r + CR2_BLOCK, *ZR = v + CR2_BLOCK;
    /* the member's rows: listed in mine_of when the clusters are shared
     * out, else all of them */
    const size_t *list = p->mine_of ? p->mine_of + p->mine_start[t] : NULL;
    size_t nlist = list ? p->mine_start[t + 1] - p->mine_start[t] : n;
    for (size_t b = 0; b < nlist; b += CR2_BLOCK) {
        size_t nm = nlist - b, ns = 0;
        if (nm > CR2_BLOCK)
            nm = CR2_BLOCK;
        const size_t *mine = list ? list + b : buf;
        if (!list)
            for (size_t x = 0; x < nm; x++)
                buf[x] = b + x;
        /* the rows in working form, one call for each run of consecutive
         * rows */
        for (size_t x = 0; x < nm;) {
            size_t y = x + 1;
            while (y < nm && mine[y] == mine[y - 1] + 1)
                y++;
            p->obj->glm_rows(p->obj->model, p->theta, mine[x], mine[x] + (y - x), Z + x * k,
                             r + x, v + x, p->scratch[t]);
            x = y;
        }
        /* the block's rows of each cluster, in row order (a counting sort
         * over the clusters seen) */
        for (size_t x = 0; x < nm; x++) {
            size_t g = p->code[p->cluster[mine[x]]];
            if (cnt[g]++ == 0)
                seen[ns++] = g;
            if (v[x] == INFINITY && r[x] == 0.0) {
                /* a row of weight 0: its z and r are 0, so it adds nothing
                 * to any sum, and it takes no part in the range of v (the
                 * limit of CR2 as its weight goes to 0 is CR2 without it) */
                v[x] = 1.0;
                continue;
            }
            if (!p->second) {
                cluster_sums *c = &p->cs[g];
                if (!isfinite(v[x]) || !(v[x] > 0.0) || !isfinite(r[x])) {
                    if (c->bad == PARTREG_NONE)
                        c->bad = mine[x];
                    v[x] = 1.0; /* refused after the pass: keep the sums finite */
                    r[x] = 0.0;
                }
                c->vmin = v[x] < c->vmin ? v[x] : c->vmin;
                c->vmax = v[x] > c->vmax ? v[x] : c->vmax;
            }
        }
        for (size_t x = 0; x < nm; x++) { /* the rows [z r 0 ...] */
            double *zr = ZR + x * kp;
            for (size_t j = 0; j < k; j++)
                zr[j] = Z[x * k + j];
            zr[k] = r[x];
            for (size_t j = k + 1; j < kp; j++)
                zr[j] = 0.0;
        }
        size_t off = 0;
        for (size_t q = 0; q < ns; q++) { /* cnt[g] becomes the start of g */
            size_t c = cnt[seen[q]];
            cnt[seen[q]] = off;
            off += c;
        }
        for (size_t x = 0; x < nm; x++)
            pos[cnt[p->code[p->cluster[mine[x]]]]++] = x;
        for (size_t q = 0, s0 = 0; q < ns; q++) { /* cnt[g] is now the end of g */
            size_t g = seen[q];
            cluster_rows(p, &p->cs[g], pos + s0, cnt[g] - s0, ZR, v, p->Ob[t], p->Qb[t]);
            s0 = cnt[g];
            cnt[g] = 0;
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

    size_t kk = k * k, npk = (k + 1) * (k + 2) / 2, tp = (npk + 3) & ~(size_t)3;
    size_t kp = (k + 4) & ~(size_t)3; /* k + 1 rounded up to whole vectors */
    size_t nt = partreg_team_threads(NULL, fit->opt.threads, n, PARTREG_MIN_ROWS_PER_THREAD);
    if (nt > G)
        nt = G;
    if (nt < 1)
        nt = 1;
    partreg_team *team = nt > 1 ? partreg_team_start(nt) : NULL;
    cr2_pass pass = {&obj, fit->theta->data, n, k, tp, cluster, code, NULL, NULL, NULL,
                     0,    NULL,             NULL, NULL, NULL, NULL, NULL,
                     partreg_route_isa(fit->kernel), fit->kernel == PARTREG_KERNEL_REFERENCE};
    cluster_sums *cs = calloc(G ? G : 1, sizeof *cs);
    double *Minv = calloc(kk, sizeof *Minv), *M = malloc(kk * sizeof *M);
    double *L = malloc(kk * sizeof *L), *W = malloc(kk * sizeof *W), *T = malloc(kk * sizeof *T);
    double *Kc = malloc(kk * sizeof *Kc), *X = malloc(k * (k + 1) * sizeof *X);
    double *Lj = calloc(G ? G * kk : 1, sizeof *Lj), *u = calloc(G ? G * k : 1, sizeof *u);
    double *Om = NULL, *lam = NULL, *V = calloc(kk, sizeof *V), *df = malloc(k * sizeof *df);
    size_t *owner = calloc(G ? G : 1, sizeof *owner), *rows_of = calloc(G ? G : 1, sizeof *rows_of);
    size_t load[PARTREG_TEAM_MAX] = {0}, mine_start[PARTREG_TEAM_MAX + 1] = {0}, *mine_of = NULL;
    double *S1 = malloc(kk * sizeof *S1), *S2 = malloc(kk * sizeof *S2);
    double *t1 = malloc(k * sizeof *t1), *t2 = malloc(k * sizeof *t2);
    double **scr = calloc(nt, sizeof *scr), **Zb = calloc(nt, sizeof *Zb),
           **Ob = calloc(nt, sizeof *Ob), **Qb = calloc(nt, sizeof *Qb);
    size_t **rowsb = calloc(nt, sizeof *rowsb), **cnt = calloc(nt, sizeof *cnt);
    double *eval = malloc((k ? k : 1) * sizeof *eval), *evec = malloc((k ? k * k : 1) * sizeof *evec);
    if (!cs || !Minv || !M || !L || !W || !T || !Kc || !X || !Lj || !u || !V || !df ||
        !eval || !evec || !owner || !rows_of || !S1 || !S2 || !t1 || !t2 || !scr || !Zb || !Ob || !Qb ||
        !rowsb || !cnt)
        goto oom;
    for (size_t t = 0; t < nt; t++) {
        scr[t] = malloc((obj.scratch_doubles > k ? obj.scratch_doubles : k) * sizeof(double));
        Zb[t] = malloc(CR2_BLOCK * (k + 2 + kp) * sizeof(double));
        Ob[t] = malloc((CR2_CHUNK * tp + 3) * sizeof(double));
        Qb[t] = malloc(CR2_CHUNK * 2 * ZOLO_MAX * sizeof(double));
        rowsb[t] = malloc(3 * CR2_BLOCK * sizeof(size_t));
        cnt[t] = calloc(G ? G : 1, sizeof(size_t));
        if (!scr[t] || !Zb[t] || !Ob[t] || !Qb[t] || !rowsb[t] || !cnt[t])
            goto oom;
    }
    for (size_t g = 0; g < G; g++) {
        if (!(cs[g].ZZ = calloc(kk, sizeof(double))) || !(cs[g].P = calloc(kk, sizeof(double))) ||
            !(cs[g].p = calloc(k, sizeof(double))) || !(cs[g].R0 = calloc(2 * tp, sizeof(double))))
            goto oom;
        cs[g].vmin = INFINITY;
        cs[g].vmax = 0.0;
        cs[g].bad = PARTREG_NONE;
    }
    /* the owners: the largest clusters first, each to the member with the
     * fewest rows so far (which member owns a cluster does not change
     * what is computed, only how evenly the members are loaded) */
    for (size_t i = 0; i < n; i++)
        rows_of[code[cluster[i]]]++;
    if (nt > 1) {
        cluster_size *by_size = malloc(G * sizeof *by_size);
        if (!by_size)
            goto oom;
        for (size_t g = 0; g < G; g++)
            by_size[g] = (cluster_size){rows_of[g], g};
        qsort(by_size, G, sizeof *by_size, larger_first);
        for (size_t q = 0; q < G; q++) {
            size_t best = 0;
            for (size_t t = 1; t < nt; t++)
                if (load[t] < load[best])
                    best = t;
            owner[by_size[q].g] = best;
            load[best] += by_size[q].rows;
        }
        free(by_size);
        /* each member's rows in increasing order */
        if (!(mine_of = malloc(n * sizeof *mine_of)))
            goto oom;
        size_t fill[PARTREG_TEAM_MAX + 1] = {0};
        for (size_t t = 0; t < nt; t++)
            mine_start[t + 1] = fill[t + 1] = mine_start[t] + load[t];
        for (size_t t = 0; t < nt; t++)
            fill[t] = mine_start[t];
        for (size_t i = 0; i < n; i++)
            mine_of[fill[owner[code[cluster[i]]]]++] = i;
        pass.mine_of = mine_of;
        pass.mine_start = mine_start;
    }
    pass.cs = cs;
    pass.scratch = scr;
    pass.Zb = Zb;
    pass.Ob = Ob;
    pass.Qb = Qb;
    pass.rowsb = rowsb;
    pass.cnt = cnt;
    /* pass 1: Z_j'Z_j, sum v z z', sum v r z (the products of [z r] times
     * [1 v], one Gram sum per cluster) and the range of v */
    partreg_team_run(team, nt, member_job, &pass);
    partreg_fit_count_rows(fit, n);
    size_t bad = PARTREG_NONE;
    for (size_t g = 0; g < G; g++)
        bad = cs[g].bad < bad ? cs[g].bad : bad;
    if (bad != PARTREG_NONE) {
        st = partreg_error_set_index(err, PARTREG_ENUMERIC, (long)bad,
                                     "row %zu has a fitted probability of 0 or 1: its working "
                                     "variance is 0 and CR2 is not defined",
                                     bad + 1);
        goto cleanup;
    }
    for (size_t g = 0; g < G; g++) { /* unpack: column 0 weight 1, column 1 weight v */
        size_t t = 0;
        for (size_t a = 0; a <= k; a++)
            for (size_t q = 0; q <= a; q++, t++) {
                if (a < k) {
                    cs[g].ZZ[a * k + q] = cs[g].R0[t];
                    cs[g].P[a * k + q] = cs[g].R0[tp + t];
                } else if (q < k) {
                    cs[g].p[q] = cs[g].R0[tp + t];
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
        if (partreg_sym_eigen(W, k, eval, evec) != 0) {
            st = partreg_error_set(err, PARTREG_ENUMERIC,
                                   "CR2: the eigenvalues of cluster %zu's leverage did not "
                                   "converge",
                                   g + 1);
            goto cleanup;
        }
        if (!(cs[g].vmax > 0.0)) { /* only rows of weight 0: no part in CR2 */
            cs[g].m = 0;
            cs[g].a0 = 0.0;
            cs[g].mp = 4;
            if (!(cs[g].R = calloc(cs[g].mp * tp, sizeof(double))))
                goto oom;
            continue;
        }
        double rho = eval[0];
        for (size_t e = 1; e < k; e++)
            rho = fmax(rho, eval[e]);
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
        cs[g].mp = (2 * mm + 3) & ~(size_t)3;
        if (!(cs[g].al = malloc(mm * sizeof(double))) || !(cs[g].bl = malloc(mm * sizeof(double))) ||
            !(cs[g].R = calloc(cs[g].mp * tp, sizeof(double))))
            goto oom;
        memcpy(cs[g].al, al, mm * sizeof(double));
        memcpy(cs[g].bl, bl, mm * sizeof(double));
    }
    /* pass 2: the node sums: each cluster's rows give the products of
     * [z r] (packed, O) and the pole weights (Q), and R += O'Q */
    pass.second = 1;
    partreg_team_run(team, nt, member_job, &pass);
    partreg_fit_count_rows(fit, n);
    /* per cluster: L_j and u_j */
    for (size_t g = 0; g < G; g++) {
        cluster_sums *c = &cs[g];
        double *Lg = Lj + g * kk, *ug = u + g * k;
        for (size_t a = 0; a < kk; a++)
            Lg[a] = c->a0 * c->P[a];
        for (size_t a = 0; a < k; a++)
            ug[a] = c->a0 * c->p[a];
        for (int l = 0; l < c->m; l++) {
            size_t m2 = c->mp, l1 = (size_t)l, l2 = (size_t)c->m + (size_t)l, t = 0;
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
    size_t G_used = 0; /* clusters with a row of positive weight */
    for (size_t g = 0; g < G; g++)
        G_used += cs[g].vmax > 0.0;
    fit->n_clusters = G_used;
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
    for (size_t t = 0; t < nt; t++) {
        if (scr)
            free(scr[t]);
        if (Zb)
            free(Zb[t]);
        if (rowsb)
            free(rowsb[t]);
        if (cnt)
            free(cnt[t]);
        if (Ob)
            free(Ob[t]);
        if (Qb)
            free(Qb[t]);
    }
    free(scr);
    free(Zb);
    free(Ob);
    free(Qb);
    free(rowsb);
    free(cnt);
    partreg_team_stop(team);
    free(owner);
    free(mine_of);
    free(rows_of);
    free(S1);
    free(S2);
    free(t1);
    free(t2);
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
    free(eval);
    free(evec);
    return st;
}
