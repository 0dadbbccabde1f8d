/* The terms loops in the build's baseline instructions (terms_body.h),
 * and the choice of copy by instruction set. */
#define PARTREG_TERMS_SUFFIX base
#define PARTREG_TERMS_TARGET
#include "models/kernels/terms_body.h"

const partreg_terms *partreg_terms_for(partreg_isa isa)
{
#if PARTREG_CPU_X86_ROUTES
    if (isa >= PARTREG_ISA_AVX512)
        return partreg_terms_avx512();
    if (isa >= PARTREG_ISA_AVX2)
        return partreg_terms_avx2();
#else
    (void)isa;
#endif
    return partreg_terms_base();
}
