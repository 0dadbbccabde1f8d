/* The terms loops for x86-64-v4, eight rows an instruction
 * (terms_body.h; v4.h says why the latency-bound loops gain). */
#include "core/cpu.h"

#if PARTREG_CPU_X86_ROUTES
#include "models/kernels/v4.h"
#define PARTREG_TERMS_SUFFIX avx512
#define PARTREG_TERMS_TARGET PARTREG_TARGET_AVX512
#include "models/kernels/terms_body.h"
#else
typedef int partreg_terms_avx512_unused; /* not in this build (core/cpu.h) */
#endif
