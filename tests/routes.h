/* The kernel routes this build has and this machine runs (lib/core/cpu.h),
 * for the tests that run on each: the kernels' own tests loop over the
 * instruction sets, and ctest runs the fit checks once per route
 * (tests/CMakeLists.txt sets PARTREG_TEST_KERNEL; the test exits 77,
 * skipped, on a route the machine lacks). */
#ifndef PARTREG_TEST_ROUTES_H
#define PARTREG_TEST_ROUTES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"

#include "core/cpu.h"

/* The widest instruction set the kernels' copies run here: they are
 * tested at every one from PARTREG_ISA_BASE up to it. */
static inline partreg_isa test_isa_max(void)
{
    return PARTREG_CPU_X86_ROUTES ? partreg_cpu_isa() : PARTREG_ISA_BASE;
}

/* Whether a fit can be forced onto route r here. */
static inline int test_route_runs(partreg_kernel r)
{
    partreg_kernel got;
    return partreg_cpu_route(r, partreg_cpu_isa(), &got, NULL) == PARTREG_OK;
}

/* Every route, the reference first. */
static const partreg_kernel test_routes[] = {PARTREG_KERNEL_REFERENCE, PARTREG_KERNEL_SCALAR,
                                             PARTREG_KERNEL_AVX2, PARTREG_KERNEL_AVX512};
#define TEST_N_ROUTES (sizeof test_routes / sizeof test_routes[0])

/* The route named by PARTREG_TEST_KERNEL (auto when unset). A name the
 * library does not know fails the test; a route this machine lacks skips
 * it (exit 77). */
static inline partreg_kernel test_kernel(void)
{
    const char *v = getenv("PARTREG_TEST_KERNEL");
    if (!v || !*v)
        return PARTREG_KERNEL_AUTO;
    for (int r = PARTREG_KERNEL_AUTO; r <= PARTREG_KERNEL_AVX512; r++)
        if (strcmp(v, partreg_route_name((partreg_kernel)r)) == 0) {
            if (!test_route_runs((partreg_kernel)r)) {
                printf("route %s: not on this machine or build, skipped\n", v);
                exit(77);
            }
            return (partreg_kernel)r;
        }
    fprintf(stderr, "PARTREG_TEST_KERNEL='%s' is not a route\n", v);
    exit(1);
}

/* The default options on the route of PARTREG_TEST_KERNEL. */
static inline partreg_fit_options test_fit_options(void)
{
    partreg_fit_options o = partreg_fit_options_default();
    o.kernel = test_kernel();
    return o;
}

/* The same as a pointer, for calls that take options or NULL. */
static inline const partreg_fit_options *test_opt(void)
{
    static partreg_fit_options opt;
    opt = test_fit_options();
    return &opt;
}

#endif
