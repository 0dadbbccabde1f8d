/* The terms loops with AVX2, four rows an instruction (terms_body.h). */
#include "core/cpu.h"

#if PARTREG_CPU_X86_ROUTES
#include "models/kernels/v4.h"
#define PARTREG_TERMS_SUFFIX avx2
#define PARTREG_TERMS_TARGET PARTREG_TARGET_AVX2
#include "models/kernels/terms_body.h"
#else
typedef int partreg_terms_avx2_unused; /* not in this build (core/cpu.h) */
#endif
