/* Four doubles as one value, for the small-k row kernels (rank_update.c,
 * row_products.c). Private to lib/.
 *
 * gcc and clang vector extensions: on x86-64 gcc builds each kernel twice
 * (PARTREG_AVX2_CLONE: AVX2 and the SSE2 baseline, picked at load time);
 * the baseline lowers a v4 to two SSE2 halves. Each lane does the scalar
 * arithmetic written in C and no multiply-add is fused (the AVX2 clone has
 * no FMA; the x86-64-v4 clones below have it, and ISO C mode with
 * -ffp-contract=off, CMakeLists.txt, keeps gcc from using it), so the bits
 * do not depend on the machine (tests/cli_noclone.sh). */
#ifndef PARTREG_MODELS_V4_H
#define PARTREG_MODELS_V4_H

#include <stddef.h>

/* PARTREG_NO_CLONES (a -D for testing) builds the baseline only. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(PARTREG_NO_CLONES)
#define PARTREG_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
/* The per-row terms loops, which gcc vectorises itself (binary.c,
 * ordinal.c): also an x86-64-v4 (AVX-512) clone, eight rows an
 * instruction. Those loops are bound by the latency of each row's chain
 * of exp, log1p and divisions, and the core overlaps as many rows as its
 * reorder buffer holds instructions of: twice as many rows with half the
 * instructions. That holds on a core that runs a 512-bit operation as two
 * 256-bit halves (AMD Zen 4) too. */
#define PARTREG_ROWS_CLONE                                                                        \
    __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
/* Whether this core has AVX-512F and VL: 32 vector registers and masked
 * 4-wide loads and stores (the wide kernels of rank_update.c and
 * screen_rows.c, checked at run time). */
static inline int partreg_have_avx512vl(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#else
#define PARTREG_AVX2_CLONE
#define PARTREG_ROWS_CLONE
#endif

#if defined(__GNUC__)
#define PARTREG_HAVE_V4 1

#if defined(__clang__)
#define PARTREG_UNROLL_FULLY _Pragma("clang loop unroll(full)")
#else
#define PARTREG_UNROLL_FULLY _Pragma("GCC unroll 64")
#endif

/* Read and written in place at any alignment (aligned(8)), allowed to
 * alias the doubles it is made of (may_alias). A scalar in an expression
 * with a v4 stands for four copies. No function takes or returns a v4: a
 * call between the AVX2 clone and default-target code would disagree on
 * how to pass it (hence also no -Wpsabi note to silence). */
typedef double partreg_v4
    __attribute__((vector_size(4 * sizeof(double)), aligned(8), may_alias));
typedef long long partreg_v4i
    __attribute__((vector_size(4 * sizeof(long long)), aligned(8), may_alias));
#define PARTREG_V4(p) (*(partreg_v4 *)(void *)(p))
#define PARTREG_V4C(p) (*(const partreg_v4 *)(const void *)(p))
/* Lanes of a and b (0-3 a, 4-7 b) in the order given. */
#if defined(__clang__)
#define PARTREG_V4_SHUFFLE(a, b, i0, i1, i2, i3) __builtin_shufflevector(a, b, i0, i1, i2, i3)
#else
#define PARTREG_V4_SHUFFLE(a, b, i0, i1, i2, i3)                                                 \
    __builtin_shuffle(a, b, (partreg_v4i){i0, i1, i2, i3})
#endif

/* The 4 x 4 transpose, out[j] = (in[0][j], in[1][j], in[2][j], in[3][j]):
 * eight shuffles. Always inlined (arrays, never a v4 by value, cross the
 * call), so it takes the target of its caller. */
static inline __attribute__((always_inline)) void partreg_v4_transpose(const partreg_v4 *in,
                                                                       partreg_v4 *out)
{
    partreg_v4 t0 = PARTREG_V4_SHUFFLE(in[0], in[1], 0, 4, 2, 6);
    partreg_v4 t1 = PARTREG_V4_SHUFFLE(in[0], in[1], 1, 5, 3, 7);
    partreg_v4 t2 = PARTREG_V4_SHUFFLE(in[2], in[3], 0, 4, 2, 6);
    partreg_v4 t3 = PARTREG_V4_SHUFFLE(in[2], in[3], 1, 5, 3, 7);
    /* cppcheck-suppress ctuArrayIndex ; out holds 4 vectors: cppcheck does not size vector types */
    out[0] = PARTREG_V4_SHUFFLE(t0, t2, 0, 1, 4, 5);
    out[1] = PARTREG_V4_SHUFFLE(t1, t3, 0, 1, 4, 5);
    out[2] = PARTREG_V4_SHUFFLE(t0, t2, 2, 3, 6, 7);
    out[3] = PARTREG_V4_SHUFFLE(t1, t3, 2, 3, 6, 7);
}
#endif

/* k rounded up to whole vectors. */
static inline size_t partreg_v4_width(size_t k)
{
    return (k + 3) & ~(size_t)3;
}

/* How many leading groups of g rows (of m, row stride lda, k used entries
 * each) can be read as whole vectors of kp entries without reading past
 * the last row's k-th entry: the largest q with q g <= m and
 * ((q - 1) g + g - 1) lda + kp <= (m - 1) lda + k. */
static inline size_t partreg_v4_safe_groups(size_t m, size_t k, size_t kp, size_t lda, size_t g)
{
    if (m < g)
        return 0;
    size_t lim = (m - g) * lda + k;
    if (lim < kp)
        return 0;
    size_t q = (lim - kp) / (g * lda) + 1;
    return q < m / g ? q : m / g;
}

#endif
