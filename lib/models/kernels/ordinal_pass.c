/* The cumulative-link model's fast route (passes.h): the objective of
 * ordinal.c over blocks of rows, on the fit's route (scalar, AVX2 or
 * AVX-512).
 *
 * Contract: the reference route ordinal_reference (ordinal.c), to
 * rounding: per row eta by partreg_rows_dot (four partial sums) and the
 * terms of partreg_ordinal_row_terms (the reference's own for the links
 * other than the logit and for the logit's rows outside FAST_LIMIT; in
 * closed form for the others, terms_body.h: a few ulps, without the
 * general formulas' cancellation when two cuts are close), the sums over
 * rows reordered (by category: category_sums.c; X' g and X' diag(h) X:
 * row_products.c, rank_update.c, OpenBLAS above 32 columns).
 * tests/test_speed_paths.c holds them to 1e-12 of the largest entry of
 * each quantity. Every fast route gives the same bits (the kernels'
 * copies do: v4.h). */
/* gcc 12 at -O2 keeps the general link's row loop scalar unless it may
 * use -O3's vectoriser cost model and does not thread jumps through the
 * loop body; neither changes a value. The zeroing loop of the logit pass
 * stays a loop instead of becoming a memset call (rep stosb, one
 * instruction per byte under callgrind). Guarded so clang-based tools
 * never see gcc-only options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-thread-jumps", "vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include "models/kernels/passes.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "core/cpu.h"
#include "models/design.h"
#include "models/ordinal.h"
#include "models/kernels/category_sums.h"
#include "models/kernels/rank_update.h"
#include "models/kernels/row_products.h"
#include "models/kernels/terms.h"
#include "models/kernels/v4.h"
#include "models/kernels/vmath.h"

#if PARTREG_CPU_X86_ROUTES
#include <immintrin.h>
#endif

/* Logit fast path of partreg_ordinal_row_terms for finite-or-infinite cut
 * points within |x| < FAST_LIMIT. With F, S from e_x = exp(-|x|) and the
 * category's constant g = 1 - exp(a - b) = -expm1(theta_{j-1} - theta_j):
 *   P = F(b) - F(a) = F(b) S(a) g,   log P = log F(b) + log S(a) + log g
 * (three non-positive terms: no cancellation), and the ratios
 *   f(b)/P = S(b) / (S(a) g),   f(a)/P = F(a) / (F(b) g)
 * follow from f = F S. One exp and one log1p per row instead of the general
 * route's three exps and three logs per cut point (logit_chunk below,
 * with the terms loops of terms_body.h). */
#define FAST_LIMIT 600.0

/* Rows per chunk inside an accumulate call (as in binary_pass.c). */
#define CHUNK_ROWS(pk) partreg_block_rows_auto(pk)

/*
 * One fused pass over a chunk of m rows: eta = X beta (dgemv); per-row
 * terms; the beta gradient X'(w geta) (dgemv); the beta-beta information
 * through dsyrk on rows scaled by sqrt(|w heta|), split by sign; the few
 * threshold entries row by row.
 */
static void ordinal_chunk(const partreg_design *d, partreg_isa isa, const double *theta, size_t i0,
                          size_t m, const double *xb, size_t lda, partreg_order order,
                          partreg_accum *acc, double *eta, double *gw, double *zp, double *zn)
{
    size_t pk = d->pk, J = d->J, k = pk + J - 1;
    const double *thr = theta + pk;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    partreg_rows_dot(isa, xb, lda, pk, theta, m, eta);
    double ll = 0.0;
    size_t np = 0, nn = 0;
    for (size_t r = 0; r < m; r++) {
        size_t i = i0 + r;
        double w = partreg_design_weight(d, i);
        gw[r] = 0.0;
        if (w == 0.0)
            continue;
        size_t c = (size_t)d->y[i];
        double a = c == 0 ? -INFINITY : thr[c - 1] - eta[r];
        double b = c == J - 1 ? INFINITY : thr[c] - eta[r];
        partreg_ordinal_terms t;
        partreg_ordinal_row_terms(d->link, a, b, &t);
        ll += w * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double geta = -(t.da + t.db);
        gw[r] = w * geta;
        if (c > 0)
            acc->grad[pk + c - 1] += w * t.da;
        if (c < J - 1)
            acc->grad[pk + c] += w * t.db;
        if (!info)
            continue;
        double heta = -w * (t.daa + 2.0 * t.dab + t.dbb);
        if (!isfinite(heta) || !isfinite(geta))
            acc->nonfinite = 1;
        const double *x = xb + r * lda;
        if (c > 0) { /* theta_{c-1}: d2l/deta dtheta = -(daa + dab) */
            size_t ta = pk + c - 1;
            double cross = w * (t.daa + t.dab);
            double *row = acc->info + ta * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[ta] -= w * t.daa;
        }
        if (c < J - 1) {
            size_t tb = pk + c;
            double cross = w * (t.dab + t.dbb);
            double *row = acc->info + tb * k;
            for (size_t s = 0; s < pk; s++)
                row[s] += cross * x[s];
            row[tb] -= w * t.dbb;
            if (c > 0)
                row[tb - 1] -= w * t.dab;
        }
        if (heta == 0.0 || pk == 0)
            continue;
        double *z = heta < 0 ? zn + (nn++) * pk : zp + (np++) * pk;
        double s = sqrt(fabs(heta));
        for (size_t j = 0; j < pk; j++)
            z[j] = s * x[j];
    }
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE || pk == 0)
        return;
    partreg_rows_weighted_sum(isa, xb, lda, pk, gw, m, acc->grad);
    /* the beta block is the leading pk x pk corner of info (row stride k) */
    if (np)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)np, 1.0, zp, (int)pk,
                    1.0, acc->info, (int)k);
    if (nn)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)pk, (int)nn, -1.0, zn, (int)pk,
                    1.0, acc->info, (int)k);
}

/* ---- the logit pass, vectorised ------------------------------------------
 *
 * The terms of partreg_ordinal_row_terms in closed form (FAST_LIMIT
 * above), computed for all rows of a chunk in one loop that gcc vectorises
 * (terms_body.h: vmath.h exp and log1p, selects instead of branches). The
 * category logic is moved out of that loop: a gather (logit_gather,
 * below) looks up, per row, the cut points a = lo[c] - eta and
 * b = hi[c] - eta (lo[0] = -inf, hi[J-1] = +inf exactly) and the
 * category's g, log g and D = exp(lo[c] - hi[c]) (g = 1, log g = 0,
 * D = 0 for the outermost categories, where the formulas reduce to
 * P = F(b) or S(a): S(-inf) = 1, F(+inf) = 1, F(-inf) = S(+inf) = 0) and
 * lists the rows the shortcut does
 * not cover: eta outside the category's interval (emin, emax), which holds
 * the rows whose finite cut points are within |x| < FAST_LIMIT and is empty
 * for a category with g <= 0 or a subnormal D; a non-finite eta fails the
 * test too. Those rows are then redone by partreg_ordinal_row_terms.
 *
 * One exp per row: with E = exp(-min(|a|, |b|)), the other of
 * e_a = exp(-|a|), e_b = exp(-|b|) is E D when a and b have the same sign
 * (|far| = |near| + (b - a)) and D / E when a < 0 < b (e_a e_b = exp(a - b)
 * = D); D is normal (category test above), so either is within 2 ulps of
 * exp(-|far|) up to the rounding of the cut points themselves.
 *
 * Per row the loop stores w log P and the weighted derivatives
 *   wda = w dlogP/da, wdb = w dlogP/db, qab = w dab (for the threshold
 *   blocks: -w daa = wfa + qab, -w dbb = wfb + qab, below) and the eta
 *   terms, which for
 *   the logit have closed forms: log P = log F(b) + log S(a) + log g with
 *   g constant in eta, d log F(b)/db = S(b), d log S(a)/da = -F(a), so
 *     d logP/deta = F(a) - S(b)                        gw = w (F(a) - S(b))
 *     d2 logP/deta2 = -(f(a) + f(b))                   hw = wfa + wfb
 *     d2 logP/dtheta_{c-1} deta = f(a),  .../dtheta_c deta = f(b),
 *   with f = F S, wfa = w f(a), wfb = w f(b). These are what
 *   -(da + db), -(daa + 2 dab + dbb), daa + dab and dab + dbb reduce to
 *   (the general route computes those sums; when the cut points are close,
 *   each term is of order 1/(b - a)^2 and the sums lose that many digits:
 *   the closed forms do not, and cost no division). The blocks of the
 *   information are then
 *   beta-beta:        sum hw x x'                  partreg_info_add
 *   theta_j-beta:     -sum_r C_rj x_r, C_rj = wfa if c = j+1,
 *                     wfb if c = j                 partreg_rows_category_sums
 *   beta gradient:    X' gw                        partreg_rows_weighted_sum
 *                     (information passes: with beta-beta, partreg_info_add)
 *   theta-theta and the threshold gradient: per-category sums of wda,
 *                     qab, wdb (partreg_category_sums_add) and of wfa,
 *                     wfb (with the threshold-beta sums, from a spare
 *                     lane of the rows, where there is one; else in the
 *                     category sums too), folded into per-cut ones at
 *                     the end of the call: the sum of -w daa over a
 *                     category is that of wfa plus that of qab, and so
 *                     on, all sums of positive terms.
 * Cut slots: slot c is the lower cut of category c, c + 1 its upper, so
 * slot j + 1 is theta_j (slots 0 and J, the outermost categories' missing
 * cuts, are not read). The category sums (category_sums.c) keep their
 * partial sums in registers: adding each row into its slots in memory
 * would make chains of stores and loads through the rows of a category. */


/* The per-row outputs of the full loop (see above), one array each, which
 * the category sums read eight rows at a time. */
/* The per-row outputs of the full loop (see above), one array each, which
 * the category sums read eight rows at a time. */
typedef struct logit_rows {
    double *wl, *gw, *hw, *wda, *wdb, *qab, *wfa, *wfb;
} logit_rows;

/* ---- the category gather ------------------------------------------------
 *
 * Per row: a = lo[c] - eta, b = hi[c] - eta, the category's g, log g, D,
 * and whether eta is outside (emin[c], emax[c]) (the general route; see
 * above). The per-category constants are two records of four, one
 * cache line per category:
 *   cat + 8 c = (lo, hi, emin, emax),   cat + 8 c + 4 = (g, log g, D, 0).
 * Four rows at a time, their records are loaded whole and transposed
 * into columns (4 x 4 shuffles), one vector subtraction, compare and
 * store per column instead of seven scalar loads and five scalar stores a
 * row; the number of categories does not matter. Lane by lane the same
 * operations as the scalar loop (which takes the rows after the last
 * whole quad), so the same bits. */
typedef struct logit_gathered {
    double *a, *b, *g, *lg, *D; /* chunk each */
    double *slow;               /* the rows for the general route */
} logit_gathered;

/* row r of the scalar route; returns whether it is fast */
static inline int logit_gather_row(const double *cat, double y, double e, size_t r,
                                   const logit_gathered *out)
{
    const double *t = cat + 8 * (size_t)(long long)y; /* signed: one instruction */
    out->a[r] = t[0] - e;
    out->b[r] = t[1] - e;
    out->g[r] = t[4];
    out->lg[r] = t[5];
    out->D[r] = t[6];
    return e > t[2] && e < t[3];
}

#if defined(PARTREG_HAVE_V4)
/* rows 0..4 nq - 1; returns the number of slow rows listed */
static inline __attribute__((always_inline)) size_t
gather_quads(const double *restrict cat, const double *restrict y, const double *restrict eta,
             size_t nq, const logit_gathered *out)
{
    double *restrict a = out->a, *restrict b = out->b, *restrict g = out->g;
    double *restrict lg = out->lg, *restrict D = out->D, *restrict slow = out->slow;
    size_t nslow = 0;
    for (size_t r = 0; r < 4 * nq; r += 4) {
        const double *t0 = cat + 8 * (size_t)(long long)y[r];
        const double *t1 = cat + 8 * (size_t)(long long)y[r + 1];
        const double *t2 = cat + 8 * (size_t)(long long)y[r + 2];
        const double *t3 = cat + 8 * (size_t)(long long)y[r + 3];
        /* the rows' records, then their columns: lo, hi, emin, emax; g, log g, D */
        partreg_v4 r0[4] = {PARTREG_V4C(t0), PARTREG_V4C(t1), PARTREG_V4C(t2), PARTREG_V4C(t3)};
        partreg_v4 r1[4] = {PARTREG_V4C(t0 + 4), PARTREG_V4C(t1 + 4), PARTREG_V4C(t2 + 4),
                            PARTREG_V4C(t3 + 4)};
        partreg_v4 c0[4], c1[4];
        partreg_v4_transpose(r0, c0);
        partreg_v4_transpose(r1, c1);
        partreg_v4 e = PARTREG_V4C(eta + r);
        PARTREG_V4(a + r) = c0[0] - e;
        PARTREG_V4(b + r) = c0[1] - e;
        PARTREG_V4(g + r) = c1[0];
        PARTREG_V4(lg + r) = c1[1];
        PARTREG_V4(D + r) = c1[2];
        partreg_v4i fast = (e > c0[2]) & (e < c0[3]);
        if (fast[0] & fast[1] & fast[2] & fast[3])
            continue;
        for (size_t i = 0; i < 4; i++)
            if (!fast[i])
                slow[nslow++] = (double)(r + i);
    }
    return nslow;
}

/* in a baseline and an AVX2 copy (v4.h) */
typedef size_t (*gather_quads_fn)(const double *, const double *, const double *, size_t,
                                  const logit_gathered *);
#define GATHER_QUADS_COPY(SFX, TARGET)                                                         \
    TARGET __attribute__((noinline)) static size_t logit_gather_quads_##SFX(                   \
        const double *restrict cat, const double *restrict y, const double *restrict eta,      \
        size_t nq, const logit_gathered *out)                                                  \
    {                                                                                          \
        return gather_quads(cat, y, eta, nq, out);                                             \
    }
PARTREG_V4_FOR_COPIES(GATHER_QUADS_COPY)
#define GATHER_QUADS_ENTRY(SFX, TARGET) logit_gather_quads_##SFX,
static const gather_quads_fn gather_quads_by_copy[PARTREG_V4_COPIES] = {
    PARTREG_V4_FOR_COPIES(GATHER_QUADS_ENTRY)};
#endif

#if PARTREG_CPU_X86_ROUTES
#define LOGIT_GATHER_512 1
/* Up to 8 categories, on the AVX-512 route (F and DQ): each
 * field of the category records is one 8-lane register, and a row's entry
 * is one lane permute away (vpermpd, the lane chosen by the row's code):
 * eight rows take one conversion of their codes, seven permutes, two
 * subtractions and two comparisons, where the quads above load and
 * transpose two records a row. The same values (copies, and the same
 * subtractions), so the same bits. Rows 0..8 no - 1; returns the number
 * of slow rows listed. */
#define GATHER_512_MAX_J 8

__attribute__((target("avx512f,avx512dq"), noinline)) static size_t
logit_gather_octets(const double *restrict cat, size_t J, const double *restrict y,
                    const double *restrict eta, size_t no, const logit_gathered *out)
{
    double tab[7][GATHER_512_MAX_J]; /* field f of category c (7 of the 8: not the zero) */
    for (size_t f = 0; f < 7; f++)
        for (size_t c = 0; c < GATHER_512_MAX_J; c++)
            tab[f][c] = cat[8 * (c < J ? c : 0) + f];
    __m512d lo = _mm512_loadu_pd(tab[0]), hi = _mm512_loadu_pd(tab[1]);
    __m512d emin = _mm512_loadu_pd(tab[2]), emax = _mm512_loadu_pd(tab[3]);
    __m512d g = _mm512_loadu_pd(tab[4]), lg = _mm512_loadu_pd(tab[5]);
    __m512d D = _mm512_loadu_pd(tab[6]);
    double *slow = out->slow;
    size_t nslow = 0;
    for (size_t r = 0; r < 8 * no; r += 8) {
        __m512i idx = _mm512_cvttpd_epi64(_mm512_loadu_pd(y + r));
        __m512d e = _mm512_loadu_pd(eta + r);
        _mm512_storeu_pd(out->a + r, _mm512_sub_pd(_mm512_permutexvar_pd(idx, lo), e));
        _mm512_storeu_pd(out->b + r, _mm512_sub_pd(_mm512_permutexvar_pd(idx, hi), e));
        _mm512_storeu_pd(out->g + r, _mm512_permutexvar_pd(idx, g));
        _mm512_storeu_pd(out->lg + r, _mm512_permutexvar_pd(idx, lg));
        _mm512_storeu_pd(out->D + r, _mm512_permutexvar_pd(idx, D));
        /* e > emin and e < emax, false for NaN (as the scalar test) */
        __mmask8 fast = _mm512_cmp_pd_mask(e, _mm512_permutexvar_pd(idx, emin), _CMP_GT_OQ) &
                        _mm512_cmp_pd_mask(e, _mm512_permutexvar_pd(idx, emax), _CMP_LT_OQ);
        if (fast == 0xFF)
            continue;
        for (size_t i = 0; i < 8; i++)
            if (!((fast >> i) & 1))
                slow[nslow++] = (double)(r + i);
    }
    return nslow;
}
#endif

/* the gather of rows 0..m-1 of J categories; returns the number of slow
 * rows listed */
static size_t logit_gather(partreg_isa isa, const double *cat, size_t J, const double *y,
                           const double *eta, size_t m, const logit_gathered *out)
{
    size_t nslow = 0, r = 0;
    (void)J, (void)isa; /* read by the vector routes only */
#if defined(LOGIT_GATHER_512)
    if (J <= GATHER_512_MAX_J && isa >= PARTREG_ISA_AVX512) {
        nslow = logit_gather_octets(cat, J, y, eta, m / 8, out);
        r = m / 8 * 8;
    } else
#endif
    {
#if defined(PARTREG_HAVE_V4)
        nslow = gather_quads_by_copy[partreg_v4_copy(isa)](cat, y, eta, m / 4, out);
        r = m / 4 * 4;
#endif
    }
    for (; r < m; r++)
        if (!logit_gather_row(cat, y[r], eta[r], r, out))
            out->slow[nslow++] = (double)r;
    return nslow;
}


/* Scratch of the logit pass: the per-pass table, per-call sums, then
 * per-chunk rows. */
typedef struct logit_scratch {
    partreg_isa isa;               /* the route's instruction set */
    const partreg_terms *terms;    /* its copy of the terms loops */
    double *built; /* 1: cat holds the records of the thresholds in key */
    double *key;   /* J - 1: the thresholds cat was made for */
    double *cat;   /* 8 J: the category records (logit_gather) */
    double *tot;   /* 5 J: the per-category totals (logit_accumulate) */
    double *sums; /* lanes of the per-category sums (partreg_category_sums_add):
                   * 8 J x 2 in the gradient pass, 8 J x 5 in the information pass */
    double *T;    /* (J + 1) x ldt: per cut slot, the rows times their f */
    size_t ldt;
    double *tsum; /* 2 ldt: scratch of partreg_rows_category_sums */
    size_t *lists, *counts; /* J (chunk + 8), J: the rows listed by category */
    double *eta;                                /* chunk */
    logit_gathered gt;                          /* chunk each */
    logit_rows o;                               /* chunk each */
    double *zp, *zn, *gather;                   /* chunk x pk each */
} logit_scratch;

/* doubles that hold n size_t entries (the category lists) */
static size_t idx_doubles(size_t n)
{
    return (n * sizeof(size_t) + sizeof(double) - 1) / sizeof(double);
}

static size_t logit_scratch_doubles(size_t J, size_t p1, size_t chunk)
{
    size_t kp = partreg_v4_width(p1);
    return J + 8 * J + PARTREG_CATEGORY_MAX_ARRAYS * J +
           PARTREG_CATEGORY_LANES * PARTREG_CATEGORY_MAX_ARRAYS * J + (J + 3) * kp +
           idx_doubles(J * (chunk + PARTREG_CATEGORY_LANES) + J) + chunk * (15 + 3 * p1);
}

static void logit_scratch_carve(double *s, size_t J, size_t p1, size_t chunk, logit_scratch *ls)
{
    ls->built = s; /* scratch[0]: 0 at a pass's first call (objective.h) */
    ls->key = s + 1;
    s += J;
    ls->cat = s;
    s += 8 * J;
    ls->tot = s;
    s += PARTREG_CATEGORY_MAX_ARRAYS * J;
    ls->sums = s;
    s += PARTREG_CATEGORY_LANES * PARTREG_CATEGORY_MAX_ARRAYS * J;
    ls->T = s;
    ls->ldt = partreg_v4_width(p1);
    s += (J + 1) * ls->ldt;
    ls->tsum = s;
    s += 2 * ls->ldt;
    ls->lists = (size_t *)(void *)s;
    ls->counts = ls->lists + J * (chunk + PARTREG_CATEGORY_LANES);
    s += idx_doubles(J * (chunk + PARTREG_CATEGORY_LANES) + J);
    double **row[] = {&ls->eta,  &ls->gt.a,  &ls->gt.b,  &ls->gt.g,  &ls->gt.lg,
                      &ls->gt.D, &ls->gt.slow, &ls->o.wl, &ls->o.wda, &ls->o.wdb,
                      &ls->o.qab, &ls->o.wfa, &ls->o.wfb, &ls->o.hw,  &ls->o.gw};
    for (size_t i = 0; i < sizeof row / sizeof *row; i++, s += chunk)
        *row[i] = s;
    ls->zp = s;
    ls->zn = s + chunk * p1;
    ls->gather = s + 2 * chunk * p1;
}

/* Whether the threshold-beta sums of pk predictors also give each
 * category's sums of wfa and wfb (entry pk of their slots): with a spare
 * lane in the padded rows. Else the category sums take them. */
static int logit_totals(size_t pk) { return pk > 0 && partreg_rows_category_totals(pk); }

/* one chunk of the logit pass */
static void logit_chunk(const partreg_design *d, const double *theta, size_t i0, size_t m,
                        const double *xb, size_t lda, partreg_order order, partreg_accum *acc,
                        const logit_scratch *ls)
{
    size_t pk = d->pk, J = d->J;
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    const double *y = d->y + i0, *w = d->w ? d->w + i0 : NULL;
    double *eta = ls->eta;
    const logit_rows *o = &ls->o;
    partreg_prefetch_lines(y, m);
    partreg_prefetch_lines(w, m);
    partreg_isa isa = ls->isa;
    partreg_rows_dot(isa, xb, lda, pk, theta, m, eta);
    const logit_gathered *gt = &ls->gt;
    size_t nslow = logit_gather(isa, ls->cat, J, y, eta, m, gt);
    if (order == PARTREG_ORDER_VALUE)
        ls->terms->ordinal_values(gt->a, gt->b, gt->lg, gt->D, w, m, o->wl);
    else if (!info)
        ls->terms->ordinal_grad(gt->a, gt->b, gt->g, gt->lg, gt->D, w, m, o->wl, o->gw, o->wda,
                                o->wdb, o->wfa, o->wfb); /* wfa, wfb: scratch in this pass */
    else
        ls->terms->ordinal_full(gt->a, gt->b, gt->g, gt->lg, gt->D, w, m, o->wl, o->gw, o->hw,
                                o->wda, o->wdb, o->qab, o->wfa, o->wfb);
    for (size_t s = 0; s < nslow; s++) { /* the general route */
        size_t r = (size_t)gt->slow[s];
        double wr = w ? w[r] : 1.0;
        partreg_ordinal_terms t = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        if (wr != 0.0)
            partreg_ordinal_row_terms(d->link, gt->a[r], gt->b[r], &t);
        o->wl[r] = wr * t.logp;
        if (order == PARTREG_ORDER_VALUE)
            continue;
        double geta = -(t.da + t.db), heta = -wr * (t.daa + 2.0 * t.dab + t.dbb);
        o->wda[r] = wr * t.da;
        o->wdb[r] = wr * t.db;
        o->gw[r] = wr * geta;
        o->qab[r] = wr * t.dab;
        o->wfa[r] = -wr * (t.daa + t.dab);
        o->wfb[r] = -wr * (t.dab + t.dbb);
        o->hw[r] = heta;
        if (info && (!isfinite(heta) || !isfinite(geta)))
            acc->nonfinite = 1;
    }
    double ll = partreg_vm_sum16(o->wl, m);
    if (!isfinite(ll))
        acc->nonfinite = 1;
    acc->loglik += ll;
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* per-category sums of the threshold terms (logit_accumulate folds
     * them into per-cut ones) */
    if (!info) {
        const double *v[] = {o->wda, o->wdb};
        partreg_category_sums_add(isa, y, m, J, v, 2, ls->sums, NULL, NULL);
    } else {
        /* wfa and wfb by category here only where the threshold-beta sums
         * cannot take them (logit_totals) */
        const double *v[] = {o->wda, o->qab, o->wdb, o->wfa, o->wfb};
        partreg_category_sums_add(isa, y, m, J, v, logit_totals(pk) ? 3 : 5, ls->sums,
                                  ls->lists, ls->counts);
        /* with predictors the finished sums tell (logit_accumulate) */
        if (pk == 0 && !ls->terms->ordinal_finite(o->gw, o->hw, m))
            acc->nonfinite = 1;
    }
    if (!info) {
        partreg_rows_weighted_sum(isa, xb, lda, pk, o->gw, m, acc->grad);
        return;
    }
    /* threshold-beta: slot c += wfa x (lower cut), slot c + 1 += wfb x */
    partreg_rows_category_sums(isa, xb, lda, pk, logit_totals(pk), m, J, ls->lists, ls->counts,
                               o->wfa, o->wfb, ls->tsum, ls->T, ls->ldt);
    /* the beta gradient with the beta block, from the same reads of the rows */
    if (pk)
        partreg_info_add(isa, acc->info, pk + J - 1, pk, xb, lda, o->hw, o->gw, acc->grad, m,
                         ls->zp, ls->zn);
}

/* Whether the beta gradient and the diagonal of the beta-beta block are
 * finite: a row's non-finite gw reaches every gradient entry (g x_c, and
 * an infinity times x_c = 0 is NaN), a non-finite hw every diagonal one
 * (x_a (h x_a)), so these 2 pk entries tell about all the rows'. (The
 * whole triangle would cost a few per cent of the pass at p = 50.) */
static int beta_sums_finite(const partreg_accum *acc, size_t pk, size_t k)
{
    double s = 0.0;
    for (size_t a = 0; a < pk; a++)
        s += acc->grad[a] + acc->info[a * k + a];
    return isfinite(s);
}

/* The category records of the logit pass for thresholds thr (J - 1):
 * cat + 8 c = (lo, hi, emin, emax), (g, log g, D, 0) (logit_gather). */
static void logit_category_records(const double *thr, size_t J, double *cat)
{
    for (size_t c = 0; c < J; c++) {
        double lo = c == 0 ? -INFINITY : thr[c - 1], hi = c == J - 1 ? INFINITY : thr[c];
        double *rec = cat + 8 * c; /* (lo, hi, emin, emax), (g, log g, D, 0) */
        rec[0] = lo;
        rec[1] = hi;
        /* g_c = 1 - exp(theta_{c-1} - theta_c), D_c = exp(theta_{c-1} - theta_c);
         * g <= 0 (not increasing) or D subnormal: general route */
        int outer = c == 0 || c == J - 1;
        double g = outer ? 1.0 : -expm1(lo - hi), D = outer ? 0.0 : exp(lo - hi);
        rec[4] = g;
        rec[5] = g > 0 ? log(g) : 0.0;
        rec[6] = D;
        rec[7] = 0.0;
        /* |a| < FAST_LIMIT (or a = -inf) and the same for b, as an interval of eta */
        double emin = c == J - 1 ? lo - FAST_LIMIT : hi - FAST_LIMIT;
        double emax = c == 0 ? hi + FAST_LIMIT : lo + FAST_LIMIT;
        int fast = g > 0 && (outer || D >= DBL_MIN);
        rec[2] = fast ? emin : INFINITY;
        rec[3] = fast ? emax : -INFINITY;
    }
}

static void logit_accumulate(const partreg_design *d, const double *theta, size_t begin,
                             size_t end, partreg_order order, partreg_accum *acc, double *scratch)
{
    size_t pk = d->pk, J = d->J, k = pk + J - 1, p1 = pk ? pk : 1, chunk = CHUNK_ROWS(p1);
    const double *thr = theta + pk;
    logit_scratch ls;
    logit_scratch_carve(scratch, J, p1, chunk, &ls);
    ls.isa = partreg_route_isa(d->kernel);
    ls.terms = partreg_terms_for(ls.isa);
    /* The records depend on the thresholds alone: made at a member's first
     * call of a pass and kept for its others (5 J calls of exp, expm1 and
     * log per block would be a per cent or two of a pass). */
    if (!(*ls.built == 1.0 && memcmp(ls.key, thr, (J - 1) * sizeof *thr) == 0)) {
        logit_category_records(thr, J, ls.cat);
        memcpy(ls.key, thr, (J - 1) * sizeof *thr);
        *ls.built = 1.0;
    }
    int info = order == PARTREG_ORDER_HESSIAN || order == PARTREG_ORDER_EXPECTED;
    /* the arrays of the per-category sums: (wda, wdb); (wda, qab, wdb)
     * and, without totals from the rows, (wfa, wfb) */
    int totals = info && logit_totals(pk);
    size_t nq = !info ? 2 : totals ? 3 : 5;
    memset(ls.sums, 0, PARTREG_CATEGORY_LANES * nq * J * sizeof *ls.sums);
    if (info)
        memset(ls.T, 0, (J + 1) * ls.ldt * sizeof *ls.T);
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, ls.gather + r * p1);
            xb = ls.gather;
            lda = p1;
        }
        logit_chunk(d, theta, b, m, xb, lda, order, acc, &ls);
    }
    if (order == PARTREG_ORDER_VALUE)
        return;
    /* Threshold j is the lower cut of category j + 1 and the upper cut of
     * category j; the off-diagonal (j, j-1) comes from category j, whose
     * cuts they are. tot[c nq + i]: category c's sum of the i-th array. */
    double *tot = ls.tot;
    partreg_category_sums_total(ls.sums, J, nq, tot);
    /* A row's non-finite gw or hw reaches X' gw and sum hw x x' (an
     * infinity times 0 is NaN too), so with predictors the sums so far
     * tell whether there was one, and the rows need no check of their own
     * (which would cost a few per cent of the pass); a sum that overflows
     * counts too. */
    if (info && pk > 0 && !beta_sums_finite(acc, pk, k))
        acc->nonfinite = 1;
    for (size_t j = 0; j + 1 < J; j++) {
        const double *lo = tot + (j + 1) * nq, *up = tot + j * nq; /* categories j + 1, j */
        if (!info) { /* (wda, wdb) */
            acc->grad[pk + j] += lo[0] + up[1];
            continue;
        }
        /* (wda, qab, wdb[, wfa, wfb]); the sum of -w daa over category
         * j + 1 and of -w dbb over category j: their wfa and wfb (slot
         * j + 1's entry pk with totals) and their qab */
        acc->grad[pk + j] += lo[0] + up[2];
        double *row = acc->info + (pk + j) * k;
        const double *t = ls.T + (j + 1) * ls.ldt;
        double f = totals ? t[pk] : up[4] + lo[3];
        row[pk + j] += f + (lo[1] + up[1]);
        if (j > 0)
            row[pk + j - 1] -= up[1]; /* category j's own: -w dab = -qab */
        for (size_t s = 0; s < pk; s++) /* d2 logP/dtheta_j dbeta = -(d2/dtheta deta) x */
            row[s] -= t[s];
    }
}

void partreg_ordinal_fast_accumulate(const void *model, const double *theta, size_t begin,
                                     size_t end, partreg_order order, partreg_accum *acc,
                                     double *scratch)
{
    const partreg_design *d = model;
    partreg_isa isa = partreg_route_isa(d->kernel);
    if (d->link == PARTREG_LOGIT) {
        logit_accumulate(d, theta, begin, end, order, acc, scratch);
        return;
    }
    size_t pk = d->pk, p1 = pk ? pk : 1, chunk = CHUNK_ROWS(p1);
    /* scratch: eta, gw (chunk each), Zp, Zn, gathered rows (chunk x pk each) */
    double *eta = scratch, *gw = eta + chunk;
    double *zp = gw + chunk, *zn = zp + chunk * p1, *gather = zn + chunk * p1;
    for (size_t b = begin; b < end; b += chunk) {
        size_t m = end - b < chunk ? end - b : chunk;
        const double *xb = d->X + b * d->ldx;
        size_t lda = d->ldx;
        if (d->cols) {
            for (size_t r = 0; r < m; r++)
                partreg_design_row(d, b + r, gather + r * p1);
            xb = gather;
            lda = p1;
        }
        ordinal_chunk(d, isa, theta, b, m, xb, lda, order, acc, eta, gw, zp, zn);
    }
}

size_t partreg_ordinal_fast_scratch(size_t pk, size_t J)
{
    size_t p1 = pk ? pk : 1;
    /* the logit pass needs more than the general one (2 + 3 p1 per chunk row) */
    return logit_scratch_doubles(J, p1, CHUNK_ROWS(p1));
}

size_t partreg_ordinal_logit_score_terms_scratch(size_t J, size_t m)
{
    return 8 * J + 9 * m;
}

void partreg_ordinal_logit_score_terms(const partreg_design *d, const double *theta,
                                       const double *eta, size_t i0, size_t m, double *scratch,
                                       double *gw, double *wda, double *wdb)
{
    size_t J = d->J;
    partreg_isa isa = partreg_route_isa(d->kernel);
    double *cat = scratch, *s = scratch + 8 * J;
    logit_category_records(theta + d->pk, J, cat);
    logit_gathered gt = {s, s + m, s + 2 * m, s + 3 * m, s + 4 * m, s + 5 * m};
    double *wl = s + 6 * m, *wfa = s + 7 * m, *wfb = s + 8 * m;
    const double *y = d->y + i0, *w = d->w ? d->w + i0 : NULL;
    size_t nslow = logit_gather(isa, cat, J, y, eta, m, &gt);
    partreg_terms_for(isa)->ordinal_grad(gt.a, gt.b, gt.g, gt.lg, gt.D, w, m, wl, gw, wda, wdb,
                                         wfa, wfb);
    for (size_t q = 0; q < nslow; q++) { /* the general route, as the pass takes it */
        size_t r = (size_t)gt.slow[q];
        double wr = w ? w[r] : 1.0;
        partreg_ordinal_terms t = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        if (wr != 0.0)
            partreg_ordinal_row_terms(d->link, gt.a[r], gt.b[r], &t);
        wda[r] = wr * t.da;
        wdb[r] = wr * t.db;
        gw[r] = wr * -(t.da + t.db);
    }
}
