/* Shared helpers for the cmocka tests: relative-error asserts that fail on
 * NaN (cmocka 1.1.5 has no double assert; assert_float_equal goes through
 * float), and paths to test data. */
#ifndef PARTREG_TESTUTIL_H
#define PARTREG_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/* |got - want| <= tol * max(|want|, floor); NaN never passes. */
static inline void assert_rel_impl(double got, double want, double tol, double floor_,
                                   const char *expr, const char *file, int line)
{
    double den = fabs(want) > floor_ ? fabs(want) : floor_;
    double rel = fabs(got - want) / den;
    if (!(rel <= tol) || isnan(got) || isnan(want)) {
        print_error("%s: got %.17g, want %.17g (rel err %.3g > tol %.3g)\n", expr, got, want, rel,
                    tol);
        _fail(file, line);
    }
}
#define assert_rel(got, want, tol) \
    assert_rel_impl((got), (want), (tol), 1e-300, #got, __FILE__, __LINE__)
#define assert_rel_floor(got, want, tol, floor_) \
    assert_rel_impl((got), (want), (tol), (floor_), #got, __FILE__, __LINE__)

/* Assert that a message contains a substring. */
#define assert_contains(haystack, needle)                                               \
    do {                                                                                \
        if (!strstr((haystack), (needle))) {                                            \
            print_error("'%s' does not contain '%s'\n", (haystack), (needle));          \
            _fail(__FILE__, __LINE__);                                                  \
        }                                                                               \
    } while (0)

#endif
