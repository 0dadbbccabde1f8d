/* The CPU probe and the route a fit runs (cpu.h).
 *
 * The AVX-512 level is the x86-64-v4 level of the x86-64 psABI, the set
 * the AVX-512 copies of the kernels are compiled for (target
 * "arch=x86-64-v4"); the AVX2 level is what target "avx2" assumes. A
 * feature counts only when the operating system also saves its registers
 * (XCR0: SSE and AVX state for AVX2; opmask and both halves of the zmm
 * state for AVX-512), as gcc's own __builtin_cpu_supports decides. */
#include "core/cpu.h"

#include <stdint.h>

#include "core/error.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(PARTREG_PORTABLE)
#include <cpuid.h>

/* XCR0, the state components the OS saves (call only when OSXSAVE is set) */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

#define BIT(n) (1u << (n))

partreg_isa partreg_cpu_isa(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return PARTREG_ISA_BASE;
    unsigned c1 = c;
    /* leaf 1, ecx: FMA 12, MOVBE 22, OSXSAVE 27, AVX 28, F16C 29 */
    if (!(c1 & BIT(27)) || !(c1 & BIT(28)))
        return PARTREG_ISA_BASE;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) /* SSE and AVX state */
        return PARTREG_ISA_BASE;
    if (__get_cpuid_max(0, NULL) < 7)
        return PARTREG_ISA_BASE;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned b7 = b;
    /* leaf 7, ebx: BMI1 3, AVX2 5, BMI2 8, AVX512F 16, DQ 17, CD 28, BW 30, VL 31 */
    if (!(b7 & BIT(5)))
        return PARTREG_ISA_BASE;
    unsigned lzcnt = 0;
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d))
        lzcnt = c & BIT(5); /* ABM (LZCNT) */
    unsigned v3 = BIT(12) | BIT(22) | BIT(29), v3_7 = BIT(3) | BIT(8);
    unsigned v4_7 = BIT(16) | BIT(17) | BIT(28) | BIT(30) | BIT(31);
    int avx512 = (c1 & v3) == v3 && (b7 & v3_7) == v3_7 && lzcnt && (b7 & v4_7) == v4_7 &&
                 (xcr0 & 0xe6) == 0xe6; /* SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */
    return avx512 ? PARTREG_ISA_AVX512 : PARTREG_ISA_AVX2;
}
#else
partreg_isa partreg_cpu_isa(void) { return PARTREG_ISA_BASE; }
#endif

const char *partreg_route_name(partreg_kernel route)
{
    switch (route) {
    case PARTREG_KERNEL_AUTO: return "auto";
    case PARTREG_KERNEL_REFERENCE: return "reference";
    case PARTREG_KERNEL_SCALAR: return "scalar";
    case PARTREG_KERNEL_AVX2: return "avx2";
    case PARTREG_KERNEL_AVX512: return "avx512";
    }
    return NULL;
}

/* The widest fast route of this build on a CPU of level cpu. */
static partreg_kernel widest(partreg_isa cpu)
{
    if (!PARTREG_CPU_X86_ROUTES)
        return PARTREG_KERNEL_SCALAR;
    return cpu == PARTREG_ISA_AVX512 ? PARTREG_KERNEL_AVX512
           : cpu == PARTREG_ISA_AVX2 ? PARTREG_KERNEL_AVX2
                                     : PARTREG_KERNEL_SCALAR;
}

partreg_status partreg_cpu_route(partreg_kernel asked, partreg_isa cpu, partreg_kernel *route,
                                 partreg_error *err)
{
    const char *name = partreg_route_name(asked);
    if (!name)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown kernel route %d; use auto, reference, scalar, avx2 or "
                                 "avx512",
                                 (int)asked);
    if (asked == PARTREG_KERNEL_AUTO) {
        *route = widest(cpu);
        return PARTREG_OK;
    }
    if (asked == PARTREG_KERNEL_REFERENCE || asked == PARTREG_KERNEL_SCALAR) {
        *route = asked;
        return PARTREG_OK;
    }
    if (!PARTREG_CPU_X86_ROUTES)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "this build of partreg has no %s kernel route (it was built "
                                 "portable, by a compiler other than gcc or for a CPU other "
                                 "than x86-64); use auto, scalar or reference",
                                 name);
    if (partreg_route_isa(asked) > cpu)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the %s kernel route needs a CPU with %s, which this one lacks; "
                                 "use auto (here: %s), scalar or reference",
                                 name,
                                 asked == PARTREG_KERNEL_AVX2 ? "AVX2"
                                                              : "AVX-512 (F, VL, DQ, BW and CD)",
                                 partreg_route_name(widest(cpu)));
    *route = asked;
    return PARTREG_OK;
}
