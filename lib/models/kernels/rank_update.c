/* A += X' diag(h) X, lower triangle, for the small k of survey models.
 *
 * Contract: every entry is summed row by row in order, A[a][c] += x_a (h
 * x_c) and grad[c] += g x_c, on every route and by every kernel below:
 * the bits of rows_in_place, the plain loop. Above
 * PARTREG_RANK_UPDATE_MAX_K columns partreg_info_add is OpenBLAS's dsyrk
 * on rows scaled by sqrt(|h|), which agrees to rounding. Against the
 * models' reference routes, which add x_a (h x_c) in the same row order
 * but form h from plain formulas (binary.c, ordinal.c), they agree to the
 * rounding of h.
 *
 * OpenBLAS's dsyrk needs the rows scaled by sqrt(h) (a copy, a square root
 * per row and, for a weight of either sign, two calls) and then packs them
 * again; at k = 11 the packing and call overhead cost as much as the
 * arithmetic. Here the rows are read in place. The sum goes into a copy of
 * A whose rows are padded to a multiple of 4 columns, so every row of the
 * triangle is whole vectors, and is taken in register tiles: 4 rows of A
 * by 1 or 2 vectors, whose 4 or 8 partial sums stay in registers while
 * the tile runs down a sub-block of 64 rows of X (held in L1 with
 * V = diag(h) X). Per row a tile loads 4 broadcasts and 1 or 2 vectors of
 * V for 8 or 16 multiplies and adds, where updating A in memory four rows
 * at a time would load and store the sums, 42 loads per row at k = 11;
 * the multiplies are the bound. One function per padded width
 * (and, up to 16, per number of real rows in the last row block) has its
 * loops unrolled at compile time: no scalar tails, no loop control over
 * the tiles, no padded rows of A. The tiles are for the AVX2 route (an
 * AVX2 copy, v4.h); on the AVX-512 route the wide kernel below takes k up
 * to 16, and the scalar route sums in place (rows_in_place), which with
 * 16 SSE2 registers is faster than the tiles. Builds without the x86
 * routes (clang, portable) run rows_in_place.
 *
 * No multiply-add is fused (the AVX2 target has no FMA; on the AMD Zen
 * cores FMA would share the multiply pipes anyway). */
/* The copies in and out of the padded sums stay loops: as memcpy and
 * memset calls gcc makes them rep movs and rep stos, whose start-up cost
 * per call (a few dozen entries each) is out of proportion to the copy. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic", "no-tree-loop-distribute-patterns")
#endif

#include "models/kernels/rank_update.h"
#include "models/kernels/row_products.h"
#include "models/kernels/v4.h"

#include <math.h>

#if PARTREG_CPU_X86_ROUTES
#include <immintrin.h>
#endif

#include <gsl/gsl_cblas.h>

/* The update row by row, in place: the reference order of the sums,
 * A[a][c] += x_a (h x_c) and grad[c] += g x_c, used for the rows the
 * tiled kernel below cannot read past and for the wide k that callers
 * give dsyrk anyway. */
static inline void rows_in_place(double *restrict A, size_t lda_a, size_t k,
                                 const double *restrict X, size_t lda, const double *restrict h,
                                 const double *restrict g, double *restrict grad, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        const double *x = X + r * lda;
        for (size_t a = 0; a < k; a++) {
            double *Aa = A + a * lda_a;
            for (size_t c = 0; c <= a; c++)
                Aa[c] += x[a] * (h ? h[r] * x[c] : x[c]);
        }
        if (g)
            for (size_t c = 0; c < k; c++)
                grad[c] += g[r] * x[c];
    }
}

#if PARTREG_CPU_X86_ROUTES

/* Rows per sub-block: its rows of X and of V = diag(h) X stay in L1 while
 * every tile of the triangle runs over them. */
#define SUB_ROWS 64

/* One tile of the triangle over the sub-block's m rows: rows a0..a0+NA-1
 * of acc (row stride kp; NA = 4, or fewer in the last row block when k is
 * not a multiple of 4) by NV (1 or 2) column vectors from c0. Its NA NV
 * sums stay in registers for all m rows; per row the tile loads NA
 * broadcasts of x_a and NV vectors of V, for 2 NA NV multiplies and adds. */
static inline __attribute__((always_inline)) void
tile(double *restrict acc, size_t kp, size_t a0, size_t na, size_t c0, size_t nv,
     const double *restrict X, size_t lda, const double *restrict V, size_t m)
{
    partreg_v4 s[4][2];
    PARTREG_UNROLL_FULLY
    for (size_t i = 0; i < na; i++)
        PARTREG_UNROLL_FULLY
        for (size_t j = 0; j < nv; j++)
            s[i][j] = PARTREG_V4C(acc + (a0 + i) * kp + c0 + 4 * j);
    for (size_t r = 0; r < m; r++) {
        const double *x = X + r * lda + a0, *v = V + r * kp + c0;
        partreg_v4 v0 = PARTREG_V4C(v), v1 = nv > 1 ? PARTREG_V4C(v + 4) : v0;
        PARTREG_UNROLL_FULLY
        for (size_t i = 0; i < na; i++) {
            s[i][0] += x[i] * v0;
            if (nv > 1)
                s[i][1] += x[i] * v1;
        }
    }
    PARTREG_UNROLL_FULLY
    for (size_t i = 0; i < na; i++)
        PARTREG_UNROLL_FULLY
        for (size_t j = 0; j < nv; j++)
            PARTREG_V4(acc + (a0 + i) * kp + c0 + 4 * j) = s[i][j];
}

/* V (row stride kp) = diag(h) X for m rows, each read as kp entries */
static inline __attribute__((always_inline)) void
scale_rows(double *restrict V, size_t kp, const double *restrict X, size_t lda,
           const double *restrict h, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        PARTREG_UNROLL_FULLY
        for (size_t c = 0; c < kp; c += 4)
            if (h)
                PARTREG_V4(V + r * kp + c) = h[r] * PARTREG_V4C(X + r * lda + c);
            else /* unit weights */
                PARTREG_V4(V + r * kp + c) = PARTREG_V4C(X + r * lda + c);
    }
}

/* gsum (kp entries) += g_r x_r over m rows, row by row: its kp / 4 sums
 * in registers. */
static inline __attribute__((always_inline)) void
grad_tile(double *restrict gsum, size_t kp, const double *restrict X, size_t lda,
          const double *restrict g, size_t m)
{
    partreg_v4 s[8];
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < kp / 4; v++)
        s[v] = PARTREG_V4C(gsum + 4 * v);
    for (size_t r = 0; r < m; r++)
        PARTREG_UNROLL_FULLY
        for (size_t v = 0; v < kp / 4; v++)
            s[v] += g[r] * PARTREG_V4C(X + r * lda + 4 * v);
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < kp / 4; v++)
        PARTREG_V4(gsum + 4 * v) = s[v];
}

/* rows 0..m-1 of X into acc (row stride kp, a multiple of 4): every
 * vector of the lower block triangle in its first k rows (the last row
 * block has k - (kp - 4) of them), including the padded columns
 * k..kp-1, which are scratch; with g, also gsum (kp entries) += sum_r
 * g_r x_r. V is scratch for SUB_ROWS rows of kp.
 * Inlined into one function per (kp, last), so that the tile loops
 * unroll. */
static inline __attribute__((always_inline)) void
tiled_rows(double *restrict acc, size_t kp, size_t last, const double *restrict X, size_t lda,
           const double *restrict h, const double *restrict g, double *restrict gsum, size_t m,
           double *restrict V)
{
    for (size_t r0 = 0; r0 < m; r0 += SUB_ROWS) {
        size_t mm = m - r0 < SUB_ROWS ? m - r0 : SUB_ROWS;
        const double *Xs = X + r0 * lda;
        scale_rows(V, kp, Xs, lda, h ? h + r0 : NULL, mm);
        PARTREG_UNROLL_FULLY
        for (size_t ab = 0; ab < kp / 4; ab++) {
            size_t na = ab + 1 < kp / 4 ? 4 : last;
            PARTREG_UNROLL_FULLY
            for (size_t cb = 0; cb <= ab; cb += 2)
                tile(acc, kp, 4 * ab, na, 4 * cb, cb + 1 <= ab ? 2 : 1, Xs, lda, V, mm);
        }
        if (g)
            grad_tile(gsum, kp, Xs, lda, g + r0, mm);
    }
}

/* One function per padded width KP and, up to KP = 16 (where the survey
 * models are), rows LAST of its last row block (1 to 4): a padded row of
 * A costs as much as a real one, a quarter of the work at k = 10. Wider
 * k keep the padded rows (code size: each function is several KiB). */
typedef void (*tiled_rows_fn)(double *, const double *, size_t, const double *,
                              const double *, double *, size_t, double *);
#define TILED_ROWS_FOR(KP, LAST, SFX, TARGET)                                                  \
    TARGET __attribute__((noinline)) static void tiled_rows_##KP##_##LAST##_##SFX(             \
        double *acc, const double *X, size_t lda, const double *h, const double *g,           \
        double *gsum, size_t m, double *V)                                                     \
    {                                                                                          \
        tiled_rows(acc, KP, LAST, X, lda, h, g, gsum, m, V);                                   \
    }
#define TILED_ROWS_FOR_ALL(KP, SFX, TARGET)                                                    \
    TILED_ROWS_FOR(KP, 1, SFX, TARGET) TILED_ROWS_FOR(KP, 2, SFX, TARGET)                      \
    TILED_ROWS_FOR(KP, 3, SFX, TARGET) TILED_ROWS_FOR(KP, 4, SFX, TARGET)
#define TILED_ROWS_COPY(SFX, TARGET)                                                           \
    TILED_ROWS_FOR_ALL(4, SFX, TARGET)                                                         \
    TILED_ROWS_FOR_ALL(8, SFX, TARGET)                                                         \
    TILED_ROWS_FOR_ALL(12, SFX, TARGET)                                                        \
    TILED_ROWS_FOR_ALL(16, SFX, TARGET)                                                        \
    TILED_ROWS_FOR(20, 4, SFX, TARGET)                                                         \
    TILED_ROWS_FOR(24, 4, SFX, TARGET)                                                         \
    TILED_ROWS_FOR(28, 4, SFX, TARGET)                                                         \
    TILED_ROWS_FOR(32, 4, SFX, TARGET)
TILED_ROWS_COPY(avx2, PARTREG_TARGET_AVX2)
#define TILED_ROWS_ROW(KP, SFX)                                                                \
    {tiled_rows_##KP##_1_##SFX, tiled_rows_##KP##_2_##SFX, tiled_rows_##KP##_3_##SFX,          \
     tiled_rows_##KP##_4_##SFX}
#define TILED_ROWS_PADDED(KP, SFX)                                                             \
    {tiled_rows_##KP##_4_##SFX, tiled_rows_##KP##_4_##SFX, tiled_rows_##KP##_4_##SFX,          \
     tiled_rows_##KP##_4_##SFX}
/* by kp / 4 - 1 and the rows of the last block - 1 */
static const tiled_rows_fn tiled_rows_by_width[8][4] = {
    TILED_ROWS_ROW(4, avx2),     TILED_ROWS_ROW(8, avx2),     TILED_ROWS_ROW(12, avx2),
    TILED_ROWS_ROW(16, avx2),    TILED_ROWS_PADDED(20, avx2), TILED_ROWS_PADDED(24, avx2),
    TILED_ROWS_PADDED(28, avx2), TILED_ROWS_PADDED(32, avx2)};

/* On the AVX-512 route (AVX-512VL) a core has 32 vector registers
 * instead of 16, enough for every sum of the triangle up to k = 12 (24 of
 * them, 4-wide as above) to stay in registers in one sweep over the rows.
 * The tiles above, sized for 16 registers, hold 2 to 8 sums each: a tile
 * of 4 or fewer adds each sum once a row and waits on the add's latency
 * (3 cycles on Zen 4) instead of the pipes (at k = 10, three of its four
 * tiles). Here the row blocks are taken together, WIDE_MAX_SUMS sums at
 * most: at k = 10 one tile of 18 sums, and V = diag(h) X is made in
 * registers as each row is read, not staged. Every entry is still summed
 * row by row in order, x_a (h x_c), without fused multiply-adds: the same
 * bits as the tiles above and the scalar loop. */
#define WIDE_MAX_SUMS 24

/* Lanes of column vector cb that are in row a's part of the lower
 * triangle (columns 4 cb + j <= a), and those that are columns < k. */
#define WIDE_LOWER(a, cb) ((__mmask8)(4 * (cb) + 3 <= (a) ? 0xF : (0xF >> (4 * (cb) + 3 - (a))) & 0xF))
#define WIDE_REAL(k, cb) ((__mmask8)(4 * (cb) + 4 <= (k) ? 0xF : (0xF >> (4 * (cb) + 4 - (k))) & 0xF))

/* Row blocks ab0..ab1 (of 4 rows of A; the block kp / 4 - 1 has LAST)
 * by every column vector of the triangle, over m rows (each read as kp
 * entries); with g (the last tile only, which reads every column vector),
 * also grad += g_r x_r. The sums are loaded from A and grad and stored
 * back in place, the vectors that cross the diagonal (or k) under masks:
 * lanes past it are neither read nor written, and their sums are
 * scratch. No padded copy of A to make and read back per call (those
 * copies would cost a few per cent of the information passes). */
static inline __attribute__((always_inline, target("avx512f,avx512vl"))) void
wide_tile(double *restrict A, size_t lda_a, size_t k, size_t kp, size_t last, size_t ab0,
          size_t ab1, const double *restrict X, size_t lda, const double *restrict h,
          const double *restrict g, double *restrict grad, size_t m)
{
    partreg_v4 gs[4];
    if (g)
        PARTREG_UNROLL_FULLY
        for (size_t cb = 0; cb < kp / 4; cb++)
            gs[cb] = (partreg_v4)_mm256_maskz_loadu_pd(WIDE_REAL(k, cb), grad + 4 * cb);
    partreg_v4 s[4][4][4]; /* [ab - ab0][row in block][column vector] */
    PARTREG_UNROLL_FULLY
    for (size_t ab = ab0; ab <= ab1; ab++) {
        size_t na = ab + 1 < kp / 4 ? 4 : last;
        PARTREG_UNROLL_FULLY
        for (size_t i = 0; i < na; i++)
            PARTREG_UNROLL_FULLY
            for (size_t cb = 0; cb <= ab; cb++)
                s[ab - ab0][i][cb] = cb < ab ? PARTREG_V4C(A + (4 * ab + i) * lda_a + 4 * cb)
                                             : (partreg_v4)_mm256_maskz_loadu_pd(
                                                   WIDE_LOWER(4 * ab + i, cb),
                                                   A + (4 * ab + i) * lda_a + 4 * cb);
    }
    for (size_t r = 0; r < m; r++) {
        const double *x = X + r * lda;
        partreg_v4 v[4]; /* x, then h x: x is not needed past the gradient */
        PARTREG_UNROLL_FULLY
        for (size_t cb = 0; cb <= ab1; cb++)
            v[cb] = PARTREG_V4C(x + 4 * cb);
        if (g)
            PARTREG_UNROLL_FULLY
            for (size_t cb = 0; cb < kp / 4; cb++)
                gs[cb] += g[r] * v[cb];
        if (h) /* else unit weights: h x = x */
            PARTREG_UNROLL_FULLY
            for (size_t cb = 0; cb <= ab1; cb++)
                v[cb] = h[r] * v[cb];
        PARTREG_UNROLL_FULLY
        for (size_t ab = ab0; ab <= ab1; ab++) {
            size_t na = ab + 1 < kp / 4 ? 4 : last;
            PARTREG_UNROLL_FULLY
            for (size_t i = 0; i < na; i++)
                PARTREG_UNROLL_FULLY
                for (size_t cb = 0; cb <= ab; cb++)
                    s[ab - ab0][i][cb] += x[4 * ab + i] * v[cb];
        }
    }
    PARTREG_UNROLL_FULLY
    for (size_t ab = ab0; ab <= ab1; ab++) {
        size_t na = ab + 1 < kp / 4 ? 4 : last;
        PARTREG_UNROLL_FULLY
        for (size_t i = 0; i < na; i++)
            PARTREG_UNROLL_FULLY
            for (size_t cb = 0; cb <= ab; cb++)
                if (cb < ab)
                    PARTREG_V4(A + (4 * ab + i) * lda_a + 4 * cb) = s[ab - ab0][i][cb];
                else
                    _mm256_mask_storeu_pd(A + (4 * ab + i) * lda_a + 4 * cb,
                                          WIDE_LOWER(4 * ab + i, cb), (__m256d)s[ab - ab0][i][cb]);
    }
    if (g)
        PARTREG_UNROLL_FULLY
        for (size_t cb = 0; cb < kp / 4; cb++)
            _mm256_mask_storeu_pd(grad + 4 * cb, WIDE_REAL(k, cb), (__m256d)gs[cb]);
}

/* The row blocks of width kp in tiles of at most WIDE_MAX_SUMS sums, in
 * order; a block's sums are 4 (ab + 1) vectors. k = kp - 4 + last. */
static inline __attribute__((always_inline, target("avx512f,avx512vl"))) void
wide_rows(double *restrict A, size_t lda_a, size_t kp, size_t last, const double *restrict X,
          size_t lda, const double *restrict h, const double *restrict g, double *restrict grad,
          size_t m)
{
    size_t k = kp - 4 + last, ab0 = 0, sums = 0;
    PARTREG_UNROLL_FULLY
    for (size_t ab = 0; ab < kp / 4; ab++) {
        size_t block = (ab + 1 < kp / 4 ? 4 : last) * (ab + 1);
        if (sums + block > WIDE_MAX_SUMS) {
            wide_tile(A, lda_a, k, kp, last, ab0, ab - 1, X, lda, h, NULL, NULL, m);
            ab0 = ab;
            sums = 0;
        }
        sums += block;
    }
    wide_tile(A, lda_a, k, kp, last, ab0, kp / 4 - 1, X, lda, h, g, grad, m);
}

typedef void (*wide_rows_fn)(double *, size_t, const double *, size_t, const double *,
                             const double *, double *, size_t);
#define WIDE_ROWS_FOR(KP, LAST)                                                                \
    __attribute__((target("avx512f,avx512vl"), noinline)) static void wide_rows_##KP##_##LAST( \
        double *A, size_t lda_a, const double *X, size_t lda, const double *h,                \
        const double *g, double *grad, size_t m)                                               \
    {                                                                                          \
        if (g && h)                                                                            \
            wide_rows(A, lda_a, KP, LAST, X, lda, h, g, grad, m);                          \
        else if (g)                                                                            \
            wide_rows(A, lda_a, KP, LAST, X, lda, NULL, g, grad, m);                           \
        else if (h)                                                                            \
            wide_rows(A, lda_a, KP, LAST, X, lda, h, NULL, NULL, m);                       \
        else                                                                                   \
            wide_rows(A, lda_a, KP, LAST, X, lda, NULL, NULL, NULL, m);                        \
    }
#define WIDE_ROWS_FOR_ALL(KP)                                                                  \
    WIDE_ROWS_FOR(KP, 1) WIDE_ROWS_FOR(KP, 2) WIDE_ROWS_FOR(KP, 3) WIDE_ROWS_FOR(KP, 4)
WIDE_ROWS_FOR_ALL(4)
WIDE_ROWS_FOR_ALL(8)
WIDE_ROWS_FOR_ALL(12)
WIDE_ROWS_FOR_ALL(16)
#define WIDE_ROWS_ROW(KP) {wide_rows_##KP##_1, wide_rows_##KP##_2, wide_rows_##KP##_3, wide_rows_##KP##_4}
static const wide_rows_fn wide_rows_by_width[4][4] = {WIDE_ROWS_ROW(4), WIDE_ROWS_ROW(8),
                                                      WIDE_ROWS_ROW(12), WIDE_ROWS_ROW(16)};

void partreg_rank_update(partreg_isa isa, double *restrict A, size_t lda_a, size_t k,
                         const double *restrict X, size_t lda, const double *restrict h,
                         const double *restrict g, double *restrict grad, size_t m)
{
    /* the scalar route sums in place too: the tiles' baseline copy, its
     * v4 sums lowered to pairs of SSE2 registers, spills them to the
     * stack and runs at half the plain loop's speed */
    if (k > PARTREG_RANK_UPDATE_MAX_K || m < 8 || isa < PARTREG_ISA_AVX2) {
        rows_in_place(A, lda_a, k, X, lda, h, g, grad, m);
        return;
    }
    size_t kp = partreg_v4_width(k);
    /* in place in A and grad, every row (above) */
    if (kp <= 16 && isa >= PARTREG_ISA_AVX512) {
        wide_rows_fn fn = wide_rows_by_width[kp / 4 - 1][k - (kp - 4) - 1];
        size_t nr = partreg_v4_safe_groups(m, k, kp, lda, 1), nt = m - nr;
        fn(A, lda_a, X, lda, h, g, grad, nr);
        /* The rows whose padded read would pass the m rows (at most 3)
         * through the same kernel from a zero-padded copy: the same
         * operations, where the scalar loop cost several vector rows. */
        const double *ht = h ? h + nr : NULL, *gt = g ? g + nr : NULL;
        if (nt > 0 && nt <= 3) {
            double tail[3 * 16];
            for (size_t r = 0; r < nt; r++)
                for (size_t c = 0; c < kp; c++)
                    tail[r * kp + c] = c < k ? X[(nr + r) * lda + c] : 0.0;
            fn(A, lda_a, tail, kp, ht, gt, grad, nt);
        } else if (nt > 3) { /* not for m >= 8 rows: kp - k <= 3 <= lda */
            rows_in_place(A, lda_a, k, X + nr * lda, lda, ht, gt, grad, nt);
        }
        return;
    }
    /* A's lower triangle with rows padded to kp columns; past the
     * diagonal all is scratch, and so are grad's padded entries. */
    double acc[PARTREG_RANK_UPDATE_MAX_K * PARTREG_RANK_UPDATE_MAX_K];
    double V[SUB_ROWS * PARTREG_RANK_UPDATE_MAX_K], gsum[PARTREG_RANK_UPDATE_MAX_K];
    for (size_t a = 0; a < k; a++)
        for (size_t c = 0; c < kp; c++)
            acc[a * kp + c] = c <= a ? A[a * lda_a + c] : 0.0;
    for (size_t c = 0; g && c < kp; c++)
        gsum[c] = c < k ? grad[c] : 0.0;
    /* A row's padded read ends at x_r[kp - 1], inside the m rows while
     * r lda + kp <= (m - 1) lda + k. */
    size_t nr = partreg_v4_safe_groups(m, k, kp, lda, 1);
    tiled_rows_fn fn = tiled_rows_by_width[kp / 4 - 1][k - (kp - 4) - 1];
    fn(acc, X, lda, h, g, gsum, nr, V);
    rows_in_place(acc, kp, k, X + nr * lda, lda, h ? h + nr : NULL, g ? g + nr : NULL, gsum, m - nr);
    for (size_t a = 0; a < k; a++)
        for (size_t c = 0; c <= a; c++)
            A[a * lda_a + c] = acc[a * kp + c];
    for (size_t c = 0; g && c < k; c++)
        grad[c] = gsum[c];
}
#else
void partreg_rank_update(partreg_isa isa, double *restrict A, size_t lda_a, size_t k,
                         const double *restrict X, size_t lda, const double *restrict h,
                         const double *restrict g, double *restrict grad, size_t m)
{
    (void)isa;
    rows_in_place(A, lda_a, k, X, lda, h, g, grad, m);
}
#endif

void partreg_info_add(partreg_isa isa, double *A, size_t lda_a, size_t k, const double *X,
                      size_t lda, const double *h, const double *g, double *grad, size_t m,
                      double *zp, double *zn)
{
    if (k == 0)
        return;
    if (k <= PARTREG_RANK_UPDATE_MAX_K) {
        partreg_rank_update(isa, A, lda_a, k, X, lda, h, g, grad, m);
        return;
    }
    if (g)
        partreg_rows_weighted_sum(isa, X, lda, k, g, m, grad);
    size_t np = 0, nn = 0;
    for (size_t r = 0; r < m; r++) {
        double hr = h ? h[r] : 1.0;
        if (hr == 0.0)
            continue;
        const double *x = X + r * lda;
        double s = sqrt(fabs(hr)), *z = hr < 0.0 ? zn + (nn++) * k : zp + (np++) * k;
        for (size_t j = 0; j < k; j++)
            z[j] = s * x[j];
    }
    if (np)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)k, (int)np, 1.0, zp, (int)k, 1.0,
                    A, (int)lda_a);
    if (nn)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)k, (int)nn, -1.0, zn, (int)k, 1.0,
                    A, (int)lda_a);
}
