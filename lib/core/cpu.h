/* The one probe of the CPU's capabilities, and the kernel route a fit runs
 * (partreg_fit_options.kernel). A fit resolves its route once, when it is
 * created, and passes it down (the design's `kernel`, models/design.h);
 * nothing else asks the CPU. Private to lib/. */
#ifndef PARTREG_CORE_CPU_H
#define PARTREG_CORE_CPU_H

#include "partreg.h"

/* Whether this build has the AVX2 and AVX-512 copies of the kernels
 * (lib/models/kernels/): gcc on x86-64, unless built portable
 * (PARTREG_PORTABLE: the reference and scalar routes only, no vector
 * extensions and no target attributes). Other compilers build the
 * reference and scalar routes (clang with the vector extensions: its
 * loop unroller does not take the AVX-512 kernels' loops). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                        \
    !defined(PARTREG_PORTABLE)
#define PARTREG_CPU_X86_ROUTES 1
#else
#define PARTREG_CPU_X86_ROUTES 0
#endif

/* The instruction sets a fast route may use, widest last. */
typedef enum partreg_isa {
    PARTREG_ISA_BASE = 0,  /* the baseline of the target (SSE2 on x86-64) */
    PARTREG_ISA_AVX2 = 1,  /* AVX2 (and AVX, with the OS saving the ymm registers) */
    PARTREG_ISA_AVX512 = 2 /* x86-64-v4: AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE and
                            * AVX-512 F, VL, DQ, BW, CD (zmm and mask state saved) */
} partreg_isa;

/* The widest instruction set this CPU and its operating system run, read
 * from CPUID and XGETBV (PARTREG_ISA_BASE off x86-64). Thread-safe; a few
 * hundred cycles: called once per fit. */
partreg_isa partreg_cpu_isa(void);

/* The route for a fit that asks for `asked`: AUTO becomes the widest fast
 * route this build has and the CPU runs (cpu, from partreg_cpu_isa);
 * REFERENCE and SCALAR always run; AVX2 and AVX512 run when both the build
 * and the CPU have them. Returns PARTREG_OK with *route set (never AUTO),
 * PARTREG_EUNSUPPORTED when the route is not available here (the message
 * says why and what is), PARTREG_EINVAL for an unknown value. */
partreg_status partreg_cpu_route(partreg_kernel asked, partreg_isa cpu, partreg_kernel *route,
                                 partreg_error *err);

/* The instruction set of a resolved route: AVX2 and AVX512 their own,
 * the others the baseline. */
static inline partreg_isa partreg_route_isa(partreg_kernel route)
{
    return route == PARTREG_KERNEL_AVX512 ? PARTREG_ISA_AVX512
           : route == PARTREG_KERNEL_AVX2 ? PARTREG_ISA_AVX2
                                          : PARTREG_ISA_BASE;
}

/* The route's name as the command spells it ("auto", "reference",
 * "scalar", "avx2", "avx512"), NULL for an unknown value. */
const char *partreg_route_name(partreg_kernel route);

#endif
