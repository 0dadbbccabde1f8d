/* Per-category sums of per-row values (category_sums.h).
 *
 * Contract: partreg_category_sums_add gives the bits of sums_scalar (lane
 * r mod 8 of each category's sums adds the row's values in row order) and
 * partreg_rows_category_sums those of category_scalar (each category's
 * sums from 0 in row order, entry by entry), on every route. The ordinal
 * model's reference route (ordinal.c) sums its rows in plain row order
 * instead: against it these agree to rounding (a few ulps of the sum of
 * the absolute terms).
 *
 * The ordinal pass needs, per outcome category, the sums of a few per-row
 * terms (the threshold gradient and the threshold-threshold information).
 * Adding each row into its category's sums in memory makes a chain of
 * dependent read-modify-writes through the rows of one category (each
 * waits for the store before it); striping them four ways shortens the
 * chains but keeps them in memory. On the AVX-512 route the sums run
 * over eight rows at a time, one lane each, and a row adds into every
 * category's lanes under a mask of the rows that are in it: per eight rows
 * one compare a category and one masked add a category and array, all in
 * registers. The masked lanes are left as they are, which the scalar route
 * below also does, so both give the same bits. */
#include "models/kernels/category_sums.h"
#include "models/kernels/v4.h"

#include <string.h>

#if PARTREG_CPU_X86_ROUTES
#include <immintrin.h>
#define CATEGORY_SUMS_512 1
#endif

#define LANES PARTREG_CATEGORY_LANES

/* The scalar route, row by row (every route but AVX-512's). */
static void sums_scalar(const double *y, size_t m, size_t J, const double *const *v, size_t nq,
                        double *S)
{
    for (size_t r = 0; r < m; r++) {
        size_t c = (size_t)(long long)y[r]; /* signed: one instruction */
        if (c >= J)
            continue;
        for (size_t j = 0; j < nq; j++)
            S[LANES * (c * nq + j) + (r & (LANES - 1))] += v[j][r];
    }
}

#if defined(CATEGORY_SUMS_512)
/* All J categories' NQ sums in registers over one sweep of the m rows
 * (the last m mod 8 under a mask): per eight rows one load an array, and
 * per category a compare and NQ masked adds, independent of one another
 * (one category at a time, each sum's adds would wait on the one before).
 * Inlined with J and NQ constants. With lists, each category's rows are
 * also appended to its list (compressed from the row numbers under its
 * mask; the store writes eight entries, hence the lists' slack). */
static inline __attribute__((always_inline, target("avx512f"))) void
sweep_512(const double *y, size_t m, size_t J, const double *const *v, size_t nq, double *S,
          size_t *lists, size_t stride, size_t *counts)
{
    __m512d acc[8][PARTREG_CATEGORY_MAX_ARRAYS];
    PARTREG_UNROLL_FULLY
    for (size_t c = 0; c < J; c++)
        PARTREG_UNROLL_FULLY
        for (size_t j = 0; j < nq; j++)
            acc[c][j] = _mm512_loadu_pd(S + LANES * (c * nq + j));
    size_t n[8] = {0};
    __m512i rows = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), step = _mm512_set1_epi64(LANES);
    for (size_t r = 0; r < m; r += LANES) {
        __mmask8 live = (__mmask8)(m - r >= LANES ? 0xFFu : (1u << (m - r)) - 1u);
        __m512d code = _mm512_maskz_loadu_pd(live, y + r), val[PARTREG_CATEGORY_MAX_ARRAYS];
        PARTREG_UNROLL_FULLY
        for (size_t j = 0; j < nq; j++)
            val[j] = _mm512_maskz_loadu_pd(live, v[j] + r);
        PARTREG_UNROLL_FULLY
        for (size_t c = 0; c < J; c++) {
            __mmask8 in = _mm512_mask_cmp_pd_mask(live, code, _mm512_set1_pd((double)c),
                                                  _CMP_EQ_OQ);
            PARTREG_UNROLL_FULLY
            for (size_t j = 0; j < nq; j++)
                acc[c][j] = _mm512_mask_add_pd(acc[c][j], in, acc[c][j], val[j]);
            if (lists) {
                _mm512_storeu_si512((void *)(lists + c * stride + n[c]),
                                    _mm512_maskz_compress_epi64(in, rows));
                n[c] += (size_t)__builtin_popcount(in);
            }
        }
        rows = _mm512_add_epi64(rows, step);
    }
    PARTREG_UNROLL_FULLY
    for (size_t c = 0; c < J; c++) {
        PARTREG_UNROLL_FULLY
        for (size_t j = 0; j < nq; j++)
            _mm512_storeu_pd(S + LANES * (c * nq + j), acc[c][j]);
        if (lists)
            counts[c] = n[c];
    }
}

typedef void (*sweep_fn)(const double *, size_t, const double *const *, double *, size_t *,
                         size_t, size_t *);
#define SWEEP_FOR(J, NQ)                                                                       \
    __attribute__((target("avx512f"), noinline)) static void sweep_##J##_##NQ(              \
        const double *y, size_t m, const double *const *v, double *S, size_t *lists,            \
        size_t stride, size_t *counts)                                                         \
    {                                                                                          \
        sweep_512(y, m, J, v, NQ, S, lists, stride, counts);                                   \
    }
#define SWEEP_FOR_J(J) SWEEP_FOR(J, 2) SWEEP_FOR(J, 3) SWEEP_FOR(J, 5)
SWEEP_FOR_J(2)
SWEEP_FOR_J(3)
SWEEP_FOR_J(4)
SWEEP_FOR_J(5)
SWEEP_FOR_J(6)
SWEEP_FOR_J(7)
SWEEP_FOR_J(8)
/* by J - 2 and NQ = 2, 3, 5 (the ordinal pass's kinds) */
#define SWEEP_ROW(J) {sweep_##J##_2, sweep_##J##_3, sweep_##J##_5}
static const sweep_fn sweep_by_size[7][3] = {SWEEP_ROW(2), SWEEP_ROW(3), SWEEP_ROW(4),
                                             SWEEP_ROW(5), SWEEP_ROW(6), SWEEP_ROW(7),
                                             SWEEP_ROW(8)};
#endif

void partreg_category_sums_add(partreg_isa isa, const double *y, size_t m, size_t J,
                               const double *const *v, size_t nq, double *S, size_t *lists,
                               size_t *counts)
{
    size_t stride = m + PARTREG_CATEGORY_LANES;
    (void)isa; /* read by the AVX-512 route only */
#if defined(CATEGORY_SUMS_512)
    if (J >= 2 && J <= 8 && (nq == 2 || nq == 3 || nq == 5) && isa >= PARTREG_ISA_AVX512) {
        sweep_by_size[J - 2][nq == 2 ? 0 : nq == 3 ? 1 : 2](y, m, v, S, lists, stride, counts);
        return;
    }
#endif
    sums_scalar(y, m, J, v, nq, S);
    if (lists) {
        for (size_t c = 0; c < J; c++)
            counts[c] = 0;
        for (size_t r = 0; r < m; r++) {
            size_t c = (size_t)(long long)y[r];
            if (c < J)
                lists[c * stride + counts[c]++] = r;
        }
    }
}

void partreg_category_sums_total(const double *S, size_t J, size_t nq, double *out)
{
    for (size_t i = 0; i < J * nq; i++) {
        const double *l = S + LANES * i;
        out[i] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    }
}

/* ---- the rows weighted by category -----------------------------------
 *
 * Adding each row's w x into its two slot rows of T in memory would cost
 * per row 2 (kp / 4) vector loads, adds and stores, the stores the bound
 * (a large share of the ordinal information pass on data in cache). Here
 * the rows come listed by category (in row order within one:
 * partreg_category_sums_add makes the lists in its sweep),
 * and each category's two sums run down its list in registers: per row
 * kp / 4 vector loads of x and 2 kp / 4 multiplies and adds, no stores. */

/* One category's rows, entry by entry (the rows whose padded read is not
 * safe, and machines without the vector kernels): the same sums, lane by
 * lane, as the vector route. */
static void category_scalar(const double *X, size_t lda, size_t k, int totals,
                            const size_t *rows, size_t n, const double *lo_w, const double *up_w,
                            double *slo, double *sup)
{
    for (size_t i = 0; i < n; i++) {
        const double *x = X + rows[i] * lda;
        double a = lo_w[rows[i]], b = up_w[rows[i]];
        for (size_t c = 0; c < k; c++) {
            slo[c] += a * x[c];
            sup[c] += b * x[c];
        }
        if (totals) { /* entry k as a 1: a 1 = a */
            slo[k] += a;
            sup[k] += b;
        }
    }
}

#if defined(PARTREG_HAVE_V4)
/* One category's rows read as kp entries each (every one safe to read so),
 * into slo and sup (kp each) from 0; the lanes of the last vector in
 * `one` (all bits set) read as 1 instead (the totals, see the header). */
static inline __attribute__((always_inline)) void
category_padded(const double *X, size_t lda, size_t kp, const partreg_v4i *onep,
                const size_t *rows, size_t n, const double *lo_w, const double *up_w, double *slo,
                double *sup)
{
    const partreg_v4i one = *onep;
    const partreg_v4i ones = (partreg_v4i)((partreg_v4){1.0, 1.0, 1.0, 1.0}) & one;
    partreg_v4 al[8], au[8];
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < kp / 4; v++)
        al[v] = au[v] = (partreg_v4){0.0, 0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        const double *x = X + rows[i] * lda;
        double a = lo_w[rows[i]], b = up_w[rows[i]];
        PARTREG_UNROLL_FULLY
        for (size_t v = 0; v < kp / 4; v++) {
            partreg_v4 xv = PARTREG_V4C(x + 4 * v);
            if (v + 1 == kp / 4)
                xv = (partreg_v4)(((partreg_v4i)xv & ~one) | ones);
            al[v] += a * xv;
            au[v] += b * xv;
        }
    }
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < kp / 4; v++) {
        PARTREG_V4(slo + 4 * v) = al[v];
        PARTREG_V4(sup + 4 * v) = au[v];
    }
}

typedef void (*category_fn)(const double *, size_t, const partreg_v4i *, const size_t *,
                            size_t, const double *, const double *, double *, double *);
#define CATEGORY_FOR(KP, SFX, TARGET)                                                          \
    TARGET __attribute__((noinline)) static void category_##KP##_##SFX(                       \
        const double *X, size_t lda, const partreg_v4i *one, const size_t *rows, size_t n,    \
        const double *lo_w, const double *up_w, double *slo, double *sup)                      \
    {                                                                                          \
        category_padded(X, lda, KP, one, rows, n, lo_w, up_w, slo, sup);                       \
    }
#define CATEGORY_COPY(SFX, TARGET)                                                             \
    CATEGORY_FOR(4, SFX, TARGET)                                                               \
    CATEGORY_FOR(8, SFX, TARGET)                                                               \
    CATEGORY_FOR(12, SFX, TARGET)                                                              \
    CATEGORY_FOR(16, SFX, TARGET)                                                              \
    CATEGORY_FOR(20, SFX, TARGET)                                                              \
    CATEGORY_FOR(24, SFX, TARGET)                                                              \
    CATEGORY_FOR(28, SFX, TARGET)                                                              \
    CATEGORY_FOR(32, SFX, TARGET)
PARTREG_V4_FOR_COPIES(CATEGORY_COPY)
#define CATEGORY_ROW(SFX, TARGET)                                                              \
    {category_4_##SFX,  category_8_##SFX,  category_12_##SFX, category_16_##SFX,               \
     category_20_##SFX, category_24_##SFX, category_28_##SFX, category_32_##SFX},
/* by copy (v4.h) and kp / 4 - 1 */
static const category_fn category_by_width[PARTREG_V4_COPIES][8] = {
    PARTREG_V4_FOR_COPIES(CATEGORY_ROW)};
#define CATEGORY_MAX_KP 32

/* Wider rows (more than 32 columns): the columns in groups of up to 16,
 * each group's sums in registers over the category's rows (which stay in
 * cache between the groups); per entry the same sums in the same order.
 * NV vectors from column c0 (inlined with NV a constant). */
static inline __attribute__((always_inline)) void
category_group(const double *X, size_t lda, size_t c0, size_t nv, const size_t *rows, size_t n,
               const double *lo_w, const double *up_w, double *slo, double *sup)
{
    partreg_v4 al[4], au[4];
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < nv; v++)
        al[v] = au[v] = (partreg_v4){0.0, 0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        const double *x = X + rows[i] * lda + c0;
        double a = lo_w[rows[i]], b = up_w[rows[i]];
        PARTREG_UNROLL_FULLY
        for (size_t v = 0; v < nv; v++) {
            partreg_v4 xv = PARTREG_V4C(x + 4 * v);
            al[v] += a * xv;
            au[v] += b * xv;
        }
    }
    PARTREG_UNROLL_FULLY
    for (size_t v = 0; v < nv; v++) {
        PARTREG_V4(slo + c0 + 4 * v) = al[v];
        PARTREG_V4(sup + c0 + 4 * v) = au[v];
    }
}

static inline __attribute__((always_inline)) void
category_wide(const double *X, size_t lda, size_t kp, const size_t *rows, size_t n,
              const double *lo_w, const double *up_w, double *slo, double *sup)
{
    size_t c0 = 0;
    for (; c0 + 16 <= kp; c0 += 16)
        category_group(X, lda, c0, 4, rows, n, lo_w, up_w, slo, sup);
    switch ((kp - c0) / 4) {
    case 3:
        category_group(X, lda, c0, 3, rows, n, lo_w, up_w, slo, sup);
        break;
    case 2:
        category_group(X, lda, c0, 2, rows, n, lo_w, up_w, slo, sup);
        break;
    case 1:
        category_group(X, lda, c0, 1, rows, n, lo_w, up_w, slo, sup);
        break;
    default:
        break;
    }
}

typedef void (*category_wide_fn)(const double *, size_t, size_t, const size_t *, size_t,
                                 const double *, const double *, double *, double *);
#define CATEGORY_WIDE_COPY(SFX, TARGET)                                                        \
    TARGET __attribute__((noinline)) static void category_wide_##SFX(                          \
        const double *X, size_t lda, size_t kp, const size_t *rows, size_t n,                 \
        const double *lo_w, const double *up_w, double *slo, double *sup)                      \
    {                                                                                          \
        category_wide(X, lda, kp, rows, n, lo_w, up_w, slo, sup);                              \
    }
PARTREG_V4_FOR_COPIES(CATEGORY_WIDE_COPY)
#define CATEGORY_WIDE_ENTRY(SFX, TARGET) category_wide_##SFX,
static const category_wide_fn category_wide_by_copy[PARTREG_V4_COPIES] = {
    PARTREG_V4_FOR_COPIES(CATEGORY_WIDE_ENTRY)};
#endif

int partreg_rows_category_totals(size_t k)
{
    return k % 4 != 0 && k < PARTREG_CATEGORY_TOTALS_MAX_K;
}

void partreg_rows_category_sums(partreg_isa isa, const double *X, size_t lda, size_t k,
                                int totals, size_t m, size_t J, const size_t *lists,
                                const size_t *counts, const double *lo_w, const double *up_w,
                                double *sums, double *T, size_t ldt)
{
    if (k == 0 || m == 0)
        return;
    size_t kp = partreg_v4_width(k), stride = m + PARTREG_CATEGORY_LANES, ke = k + (totals != 0);
    double *slo = sums, *sup = sums + kp;
#if defined(PARTREG_HAVE_V4)
    /* the rows before nr can be read as kp entries (v4.h) */
    size_t nr = partreg_v4_safe_groups(m, k, kp, lda, 1);
    partreg_v4i one = {0, 0, 0, 0}; /* the lane of entry k, with totals */
    if (totals)
        one[k - (kp - 4)] = -1;
    size_t copy = partreg_v4_copy(isa);
#else
    (void)isa;
#endif
    for (size_t c = 0; c < J; c++) {
        const size_t *rows = lists + c * stride;
        size_t n = counts[c], nv = 0; /* nv: rows taken by the vector route */
        if (n == 0)
            continue;
#if defined(PARTREG_HAVE_V4)
        nv = n;
        while (nv > 0 && rows[nv - 1] >= nr) /* in row order: those come last */
            nv--;
        if (kp >= 4 && kp <= CATEGORY_MAX_KP) /* kp >= 4: k >= 1 above */
            category_by_width[copy][kp / 4 - 1](X, lda, &one, rows, nv, lo_w, up_w, slo, sup);
        else /* no totals here (partreg_rows_category_totals) */
            category_wide_by_copy[copy](X, lda, kp, rows, nv, lo_w, up_w, slo, sup);
#else
        memset(sums, 0, 2 * kp * sizeof *sums);
#endif
        category_scalar(X, lda, k, totals, rows + nv, n - nv, lo_w, up_w, slo, sup);
        if (c >= 1)
            for (size_t e = 0; e < ke; e++)
                T[c * ldt + e] += slo[e];
        if (c + 2 <= J)
            for (size_t e = 0; e < ke; e++)
                T[(c + 1) * ldt + e] += sup[e];
    }
}
