/* Branch-free exp and log1p in plain IEEE double arithmetic, for the
 * per-row loops of the logit kernels (terms_body.h): written as
 * straight-line code with no calls, tables or integer conversions, so that
 * a loop applying them over a chunk of rows is vectorised by the compiler,
 * and with no fused multiply-adds, so the results are the same bits on
 * every IEEE machine whatever libm it has (glibc picks FMA or non-FMA code
 * at run time). Private to lib/.
 *
 * Contract: each function equals libm's exp or log1p (the reference
 * routes' functions) to within 1 ulp over its whole range, tails included
 * (tests/test_vmath.c asserts the maximum); every copy of a loop that
 * calls them gives the same bits (no FMA, no reassociation).
 *
 *   partreg_vm_exp(x), x <= 0 (any x <= 0, -inf, NaN):
 *     x = n ln2 + r, |r| <= ln2/2 (Cody & Waite two-part ln2), n by the
 *     round-to-nearest shifter 1.5 * 2^52 (the ln2 split is Moshier's,
 *     Cephes Math Library exp.c); exp(r) by its Taylor polynomial to r^13,
 *     summed as 1 + (r + r^2 P(r)) so the last rounding dominates, P by
 *     Estrin's scheme; 2^n applied as two exact powers so results down in
 *     the subnormal range round once. Arguments below -746 give 0 (a
 *     select at the end, not a clamp at the start: gcc would turn the clamp
 *     into a branch and stop vectorising).
 *   partreg_vm_exp_normal(x), -708 <= x <= 0: the same values with 2^n in
 *     one multiply (the ordinal fast path, |x| < 600).
 *   partreg_vm_log1p(e), 0 <= e <= 1 (and NaN):
 *     u = 1 + e rounded, with its rounding error c = (e - (u - 1)) / u
 *     added back; u = 2^j (1 + f), j in {0, 1}, f in [sqrt2/2 - 1,
 *     sqrt2 - 1]; log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f/(2+f),
 *     with R the degree-7 minimax polynomial of fdlibm's e_log.c (Sun
 *     Microsystems, 1993), its odd and even terms summed apart as there.
 *   partreg_vm_log1p3(s), 0 <= s <= 3 (and NaN): the same with
 *     j in {0, 1, 2}.
 * Both polynomials are evaluated as short independent chains rather than
 * by Horner's rule: the row loops that call these functions are bound by
 * the latency of one row's chain (exp, division, log1p), not by the number
 * of operations. Estrin's scheme for exp and the split for log shorten
 * that chain with the same maximum error as Horner's rule (1.0 ulp
 * against glibc over tests/test_vmath.c's ranges).
 * Errors against libm: tests/test_vmath.c asserts the maximum in ulps over
 * the whole range, tails included. */
#ifndef PARTREG_MODELS_VMATH_H
#define PARTREG_MODELS_VMATH_H

#include <stdint.h>
#include <string.h>

/* Forced inlining: a call inside a loop stops it being vectorised, and
 * gcc -O2 does not inline functions this long by itself. */
#if defined(__GNUC__)
#define PARTREG_VM_INLINE static inline __attribute__((always_inline))
#else
#define PARTREG_VM_INLINE static inline
#endif
/* A loop of a few fixed steps unrolled, so that an array it indexes can
 * live in registers. */
#if defined(__clang__)
#define PARTREG_VM_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define PARTREG_VM_UNROLL _Pragma("GCC unroll 16")
#else
#define PARTREG_VM_UNROLL
#endif

PARTREG_VM_INLINE double partreg_vm_bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

PARTREG_VM_INLINE uint64_t partreg_vm_double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* exp(r) for |r| <= ln2/2 and the shifted t whose low bits hold
 * n = round(x log2e), x = n ln2 + r: the shared part of the two exps below */
PARTREG_VM_INLINE double partreg_vm_exp_reduced(double x, double *t_out)
{
    const double log2e = 1.44269504088896340736, shifter = 0x1.8p52;
    const double c1 = 6.93145751953125e-1, c2 = 1.42860682030941723212e-6;
    double t = x * log2e + shifter; /* the low bits of t hold round(x log2e) */
    double n = t - shifter;
    double r = (x - n * c1) - n * c2;
    /* exp(r) = 1 + r + r^2 P(r), P(r) = 1/2! + r/3! + ... + r^11/13!: the
     * Taylor remainder r^14/14! < 5e-18 for |r| <= ln2/2. P by Estrin's
     * scheme (pairs, then powers r^2, r^4, r^8): four dependent multiply-add
     * steps instead of Horner's eleven. The loops over rows are bound by
     * this chain's latency, not by the operations. */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double p01 = 1.0 / 2.0 + r * (1.0 / 6.0), p23 = 1.0 / 24.0 + r * (1.0 / 120.0);
    double p45 = 1.0 / 720.0 + r * (1.0 / 5040.0), p67 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    double p89 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    double pab = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    double q0 = p01 + r2 * p23, q1 = p45 + r2 * p67, q2 = p89 + r2 * pab;
    double poly = (q0 + r4 * q1) + r8 * q2;
    *t_out = t;
    return 1.0 + (r + r2 * poly);
}

/* exp(x) for x <= 0 */
PARTREG_VM_INLINE double partreg_vm_exp(double x)
{
    const double shifter = 0x1.8p52;
    double t, er = partreg_vm_exp_reduced(x, &t);
    /* 2^n = 2^(n1) 2^(n - n1), n1 = floor(n / 2): both in [-540, 0] */
    uint64_t nb = partreg_vm_double_bits(t) - partreg_vm_double_bits(shifter); /* n mod 2^64 */
    uint64_t n1 = (uint64_t)((int64_t)nb >> 1), n2 = nb - n1;
    double s1 = partreg_vm_bits_double((n1 + 1023u) << 52);
    double s2 = partreg_vm_bits_double((n2 + 1023u) << 52);
    double v = er * s1 * s2;
    return x < -746.0 ? 0.0 : v; /* there 2^n1 is garbage; the select keeps the loop vectorisable */
}

/* exp(x) for -708 <= x <= 0, where the result is a normal number: 2^n in
 * one exact multiply instead of two and no select for the underflow, the
 * same value as partreg_vm_exp (each scaling by 2^n is exact there). Other
 * x give garbage (NaN stays NaN). */
PARTREG_VM_INLINE double partreg_vm_exp_normal(double x)
{
    const double shifter = 0x1.8p52;
    double t, er = partreg_vm_exp_reduced(x, &t);
    uint64_t nb = partreg_vm_double_bits(t) - partreg_vm_double_bits(shifter); /* n mod 2^64 */
    return er * partreg_vm_bits_double((nb + 1023u) << 52);
}

/* log(2^j (1 + f)) + c for the reduced argument of the two log1p below:
 * fdlibm's log polynomial in s = f / (2 + f), with c the relative rounding
 * error of 1 + e added back. */
PARTREG_VM_INLINE double partreg_vm_log_reduced(double f, double j, double c)
{
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    /* R(z) = z (L1 + z L2 + ... + z^6 L7) as fdlibm sums it, odd and even
     * terms in w = z^2 apart (two independent chains of three steps
     * instead of one of seven) */
    double s = f / (2.0 + f), z = s * s, w = z * z;
    double odd = z * (6.666666666666735130e-01 +
                      w * (2.857142874366239149e-01 +
                           w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    double even = w * (3.999999999940941908e-01 +
                       w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    double R = odd + even;
    double hfsq = 0.5 * f * f;
    return j * ln2_hi - ((hfsq - (s * (hfsq + R) + (j * ln2_lo + c))) - f);
}

/* The sum of v[0..m-1] in sixteen stripes (v[i] into stripe i mod 16, in
 * order), added pairwise at the end. Independent chains of additions
 * instead of one: a sum in row order waits an addition's latency (3 to 4
 * cycles) per row, and after a block's terms loop nothing else is left to
 * overlap it with; sixteen stripes are eight chains of two-lane adds in
 * the baseline code and two of eight lanes with AVX-512 (where four
 * stripes would be a single chain). The value does not
 * depend on how the loop is compiled (vector width, the route's copy). */
PARTREG_VM_INLINE double partreg_vm_sum16(const double *v, size_t m)
{
    double s[16];
    PARTREG_VM_UNROLL
    for (size_t l = 0; l < 16; l++) /* a loop: as an initialiser, a rep stos */
        s[l] = 0.0;
    size_t i = 0;
    for (; i + 16 <= m; i += 16)
        PARTREG_VM_UNROLL
        for (size_t l = 0; l < 16; l++)
            s[l] += v[i + l];
    for (; i < m; i++)
        s[i % 16] += v[i];
    PARTREG_VM_UNROLL
    for (size_t l = 0; l < 8; l++)
        s[l] += s[l + 8];
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

/* log(1 + e) for 0 <= e <= 1, given inv_u = 1 / (1 + e) to within a few
 * ulps, which the callers need anyway: c, the rounding error of 1 + e
 * relative to it, is of the order of an ulp of the result, so a multiply
 * by inv_u instead of a division (one of the few slow vector operations,
 * one per row saved) changes it by a few ulps of itself, nothing in the
 * result. */
PARTREG_VM_INLINE double partreg_vm_log1p(double e, double inv_u)
{
    const double sqrt2 = 1.41421356237309504880;
    double u = 1.0 + e;
    double c = (e - (u - 1.0)) * inv_u; /* u - 1 is exact: the rounding error of u, relative */
    double j = u > sqrt2 ? 1.0 : 0.0;
    double f = (u > sqrt2 ? 0.5 * u : u) - 1.0; /* exact (Sterbenz) */
    return partreg_vm_log_reduced(f, j, c);
}

/* log(1 + s) for 0 <= s <= 3: partreg_vm_log1p with one more reduction
 * step, u = 1 + s = 2^j (1 + f), j in {0, 1, 2} (so 1 + f = u, u/2 or u/4,
 * each exact, and f = that - 1 exact by Sterbenz); the rounding error of
 * 1 + s is added back as in partreg_vm_log1p (u - 1 is exact for u in
 * [1, 4]), inv_u as there. For the ordinal logit, log((1 + e_a)(1 + e_b))
 * in one call (terms_body.h). */
PARTREG_VM_INLINE double partreg_vm_log1p3(double e, double inv_u)
{
    const double sqrt2 = 1.41421356237309504880, sqrt8 = 2.82842712474619009760;
    double u = 1.0 + e;
    double c = (e - (u - 1.0)) * inv_u; /* u - 1 is exact: the rounding error of u, relative */
    double j = u > sqrt8 ? 2.0 : u > sqrt2 ? 1.0 : 0.0;
    double f = (u > sqrt8 ? 0.25 * u : u > sqrt2 ? 0.5 * u : u) - 1.0; /* exact (Sterbenz) */
    return partreg_vm_log_reduced(f, j, c);
}

#endif
