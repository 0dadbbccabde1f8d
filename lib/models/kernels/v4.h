/* Four doubles as one value, for the small-k row kernels, and the
 * targets their copies are compiled for. Private to lib/.
 *
 * A kernel with vector variants exists as explicit copies, one per
 * instruction set (core/cpu.h): the baseline copy, compiled for the
 * build's target (SSE2 on x86-64, where gcc lowers a v4 to two SSE2
 * halves), and, where PARTREG_CPU_X86_ROUTES, an AVX2 copy
 * (PARTREG_TARGET_AVX2) and for some kernels an AVX-512 one. Each takes
 * the fit's instruction set (partreg_route_isa of the design's route) and
 * runs the widest copy it allows: nothing here asks the CPU. Each lane
 * does the scalar arithmetic written in C and no multiply-add is fused
 * (the AVX2 target has no FMA; the x86-64-v4 one has it, and ISO C mode
 * with -ffp-contract=off, CMakeLists.txt, keeps gcc from using it), so
 * every copy gives the same bits (tests/cli_kernels.sh, and each
 * kernel's test on every route the machine runs). */
#ifndef PARTREG_MODELS_KERNELS_V4_H
#define PARTREG_MODELS_KERNELS_V4_H

#include <stddef.h>

#include "core/cpu.h"

#if PARTREG_CPU_X86_ROUTES
/* The AVX2 copies. */
#define PARTREG_TARGET_AVX2 __attribute__((target("avx2")))
/* The AVX-512 copies of the per-row terms loops, which gcc vectorises
 * itself (kernels/terms_avx512.c): x86-64-v4, eight rows an instruction.
 * Those loops are bound by the latency of each row's chain of exp, log1p
 * and divisions, and the core overlaps as many rows as its reorder buffer
 * holds instructions of: twice as many rows with half the instructions.
 * That holds on a core that runs a 512-bit operation as two 256-bit
 * halves (AMD Zen 4) too. The hand-written AVX-512 kernels name the
 * features they use (target("avx512f,avx512vl") and the like). */
#define PARTREG_TARGET_AVX512 __attribute__((target("arch=x86-64-v4")))
#endif

/* Gcc and clang vector extensions, except in the portable build. */
#if defined(__GNUC__) && !defined(PARTREG_PORTABLE)
#define PARTREG_HAVE_V4 1

#if defined(__clang__)
#define PARTREG_UNROLL_FULLY _Pragma("clang loop unroll(full)")
#else
#define PARTREG_UNROLL_FULLY _Pragma("GCC unroll 64")
#endif

/* Read and written in place at any alignment (aligned(8)), allowed to
 * alias the doubles it is made of (may_alias). A scalar in an expression
 * with a v4 stands for four copies. No function takes or returns a v4: a
 * call between an AVX2 copy and baseline code would disagree on
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

/* The copies of a v4 kernel: STAMP(suffix, target attribute) once per
 * copy this build has, the baseline's first (copy 0, suffix base), then
 * the AVX2 one (copy 1, suffix avx2). partreg_v4_copy gives the copy an
 * instruction set runs. */
#if PARTREG_CPU_X86_ROUTES
#define PARTREG_V4_COPIES 2
#define PARTREG_V4_FOR_COPIES(STAMP) STAMP(base, ) STAMP(avx2, PARTREG_TARGET_AVX2)
#else
#define PARTREG_V4_COPIES 1
#define PARTREG_V4_FOR_COPIES(STAMP) STAMP(base, )
#endif
static inline size_t partreg_v4_copy(partreg_isa isa)
{
    return PARTREG_V4_COPIES > 1 && isa >= PARTREG_ISA_AVX2 ? 1 : 0;
}

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
