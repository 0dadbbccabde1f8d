/* partreg_big_alloc (lib/core/big_alloc.c): the allocation of design
 * matrices. Whether the kernel backs a block with huge pages is its own
 * business (and not observable portably); what the callers rely on is
 * tested: the alignment (64 bytes; 2 MiB from PARTREG_BIG_ALLOC_MIN up),
 * the whole size writable (ASan sees a write past it), size 0 giving a
 * block that free() takes, and a size that cannot be met giving NULL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/big_alloc.h"

static void check_block(size_t bytes, uintptr_t alignment)
{
    unsigned char *p = partreg_big_alloc(bytes);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % alignment, 0);
    memset(p, 0xA5, bytes ? bytes : 1);
    assert_int_equal(p[bytes ? bytes - 1 : 0], 0xA5);
    free(p);
}

static void test_small_blocks_are_cache_line_aligned(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 4096, 100000,
                                   PARTREG_BIG_ALLOC_MIN - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_block(sizes[i], 64);
}

static void test_large_blocks_are_huge_page_aligned(void **state)
{
    (void)state;
    check_block(PARTREG_BIG_ALLOC_MIN, (uintptr_t)2 << 20);
    check_block(PARTREG_BIG_ALLOC_MIN + 12345, (uintptr_t)2 << 20);
    check_block((size_t)80 << 20, (uintptr_t)2 << 20);
}

static void test_impossible_size_is_null(void **state)
{
    (void)state;
    assert_null(partreg_big_alloc(SIZE_MAX));
    assert_null(partreg_big_alloc(SIZE_MAX - 100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_blocks_are_cache_line_aligned),
        cmocka_unit_test(test_large_blocks_are_huge_page_aligned),
        cmocka_unit_test(test_impossible_size_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
