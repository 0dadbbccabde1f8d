/* The screening pass's row loops in vector registers (screen_rows.h).
 *
 * Contract: the bits of screen_block.c's own loops (the reference of
 * these), entry by entry; used on the AVX-512 route only.
 *
 * screen_block.c's loops take four rows at a time along the columns, with
 * the sums, minima and maxima in memory and gcc's vectorisation of a loop
 * of run-time length p: at p = 10 two 4-wide steps and a 2-wide tail, with
 * their loads and stores, for every four rows (12 cycles a row with the
 * centred copy, half the pass in cache). Here, on the AVX-512 route
 * (AVX-512VL), each row is one to four 4-wide vectors whose
 * last one is read under a mask where it would pass the data, and the
 * sums, minima and maxima stay in registers for the whole block. The
 * operations are those of screen_block.c entry by entry (vminpd and vmaxpd
 * are its `x < y ? x : y` and `x > y ? x : y`), so the bits are the same. */
#include "models/kernels/screen_rows.h"
#include "models/kernels/v4.h"

#if PARTREG_CPU_X86_ROUTES
#include <immintrin.h>

#define SCREEN_TARGET __attribute__((target("avx512f,avx512vl")))
#define SCREEN_INLINE static inline __attribute__((always_inline, target("avx512f,avx512vl")))
#define SCREEN_UNROLL _Pragma("GCC unroll 4")

/* the lanes of vector v (columns 4 v ..) that are columns < p */
static inline __mmask8 real_lanes(size_t p, size_t v)
{
    size_t left = p - 4 * v;
    return (__mmask8)(left >= 4 ? 0xFu : (1u << left) - 1u);
}

/* vector v of row x: whole, or its lanes < p only (the rest 0) */
SCREEN_INLINE __m256d row_vector(const double *x, size_t v, size_t nv, int whole, __mmask8 last)
{
    return v + 1 < nv || whole ? _mm256_loadu_pd(x + 4 * v)
                               : _mm256_maskz_loadu_pd(last, x + 4 * v);
}

/* partreg_screen_sums for rows of nv vectors */
SCREEN_INLINE void sums_rows(const double *X, size_t ldx, size_t p, size_t nv, size_t m,
                             size_t safe, double *sv, double *lov, double *hiv)
{
    const __mmask8 last = real_lanes(p, nv - 1);
    __m256d s[4], lo[4], hi[4];
    SCREEN_UNROLL
    for (size_t v = 0; v < nv; v++) {
        __mmask8 k = real_lanes(p, v);
        s[v] = _mm256_maskz_loadu_pd(k, sv + 4 * v);
        lo[v] = _mm256_maskz_loadu_pd(k, lov + 4 * v);
        hi[v] = _mm256_maskz_loadu_pd(k, hiv + 4 * v);
    }
    size_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const double *x0 = X + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
        int whole = r + 4 <= safe;
        SCREEN_UNROLL
        for (size_t v = 0; v < nv; v++) {
            __m256d a = row_vector(x0, v, nv, whole, last), b = row_vector(x1, v, nv, whole, last);
            __m256d c = row_vector(x2, v, nv, whole, last), d = row_vector(x3, v, nv, whole, last);
            s[v] = _mm256_add_pd(s[v], _mm256_add_pd(_mm256_add_pd(a, b), _mm256_add_pd(c, d)));
            lo[v] = _mm256_min_pd(_mm256_min_pd(_mm256_min_pd(a, b), _mm256_min_pd(c, d)), lo[v]);
            hi[v] = _mm256_max_pd(_mm256_max_pd(_mm256_max_pd(a, b), _mm256_max_pd(c, d)), hi[v]);
        }
    }
    for (; r < m; r++) {
        const double *x = X + r * ldx;
        SCREEN_UNROLL
        for (size_t v = 0; v < nv; v++) {
            __m256d a = row_vector(x, v, nv, r < safe, last);
            s[v] = _mm256_add_pd(s[v], a);
            lo[v] = _mm256_min_pd(a, lo[v]);
            hi[v] = _mm256_max_pd(a, hi[v]);
        }
    }
    SCREEN_UNROLL
    for (size_t v = 0; v < nv; v++) {
        __mmask8 k = real_lanes(p, v);
        _mm256_mask_storeu_pd(sv + 4 * v, k, s[v]);
        _mm256_mask_storeu_pd(lov + 4 * v, k, lo[v]);
        _mm256_mask_storeu_pd(hiv + 4 * v, k, hi[v]);
    }
}

/* partreg_screen_centre for rows of nv vectors. A row's last vector is
 * stored whole where what it writes past the row is inside Z's m rows
 * (the later rows' stores overwrite it), else under the mask. */
SCREEN_INLINE void centre_rows(const double *X, size_t ldx, size_t p, size_t nv, size_t m,
                               size_t safe, const double *mean, double *Z)
{
    const __mmask8 last = real_lanes(p, nv - 1);
    __m256d mv[4];
    SCREEN_UNROLL
    for (size_t v = 0; v < nv; v++)
        mv[v] = _mm256_maskz_loadu_pd(real_lanes(p, v), mean + 4 * v);
    for (size_t r = 0; r < m; r++) {
        const double *x = X + r * ldx;
        double *z = Z + r * p;
        SCREEN_UNROLL
        for (size_t v = 0; v < nv; v++) {
            __m256d d = _mm256_sub_pd(row_vector(x, v, nv, r < safe, last), mv[v]);
            if (v + 1 < nv || r * p + 4 * nv <= m * p)
                _mm256_storeu_pd(z + 4 * v, d);
            else
                _mm256_mask_storeu_pd(z + 4 * v, last, d);
        }
    }
}

#define SCREEN_ROWS_FOR(NV)                                                                    \
    SCREEN_TARGET __attribute__((noinline)) static void sums_##NV(                             \
        const double *X, size_t ldx, size_t p, size_t m, size_t safe, double *s, double *lo,  \
        double *hi)                                                                            \
    {                                                                                          \
        sums_rows(X, ldx, p, NV, m, safe, s, lo, hi);                                          \
    }                                                                                          \
    SCREEN_TARGET __attribute__((noinline)) static void centre_##NV(                           \
        const double *X, size_t ldx, size_t p, size_t m, size_t safe, const double *mean,     \
        double *Z)                                                                             \
    {                                                                                          \
        centre_rows(X, ldx, p, NV, m, safe, mean, Z);                                          \
    }
SCREEN_ROWS_FOR(1)
SCREEN_ROWS_FOR(2)
SCREEN_ROWS_FOR(3)
SCREEN_ROWS_FOR(4)

typedef void (*sums_fn)(const double *, size_t, size_t, size_t, size_t, double *, double *,
                        double *);
typedef void (*centre_fn)(const double *, size_t, size_t, size_t, size_t, const double *,
                          double *);
static const sums_fn sums_by_vectors[4] = {sums_1, sums_2, sums_3, sums_4};
static const centre_fn centre_by_vectors[4] = {centre_1, centre_2, centre_3, centre_4};

int partreg_screen_sums(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                        size_t safe, double *s, double *lo, double *hi)
{
    if (p == 0 || p > 16 || isa < PARTREG_ISA_AVX512)
        return 0;
    sums_by_vectors[(p + 3) / 4 - 1](X, ldx, p, m, safe, s, lo, hi);
    return 1;
}

int partreg_screen_centre(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                          size_t safe, const double *mean, double *Z)
{
    if (p == 0 || p > 16 || isa < PARTREG_ISA_AVX512)
        return 0;
    centre_by_vectors[(p + 3) / 4 - 1](X, ldx, p, m, safe, mean, Z);
    return 1;
}

#else

int partreg_screen_sums(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                        size_t safe, double *s, double *lo, double *hi)
{
    (void)isa, (void)X, (void)ldx, (void)p, (void)m, (void)safe, (void)s, (void)lo, (void)hi;
    return 0;
}

int partreg_screen_centre(partreg_isa isa, const double *X, size_t ldx, size_t p, size_t m,
                          size_t safe, const double *mean, double *Z)
{
    (void)isa, (void)X, (void)ldx, (void)p, (void)m, (void)safe, (void)mean, (void)Z;
    return 0;
}

#endif
