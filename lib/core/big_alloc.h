/* Allocation of the large arrays that fits stream (the design matrix):
 * on Linux in transparent huge pages. Private to lib/. */
#ifndef PARTREG_CORE_BIG_ALLOC_H
#define PARTREG_CORE_BIG_ALLOC_H

#include <stddef.h>

/* Uninitialised memory of `bytes` (at least 1), aligned to 64 bytes; from
 * PARTREG_BIG_ALLOC_MIN bytes up aligned to 2 MiB and advised as huge-page
 * memory (madvise MADV_HUGEPAGE, where the system has it), so a pass over
 * it walks ~500 times fewer pages. NULL when out of memory. Release with
 * free(). */
void *partreg_big_alloc(size_t bytes);

/* Below this size the huge-page alignment would waste more than it saves. */
#define PARTREG_BIG_ALLOC_MIN ((size_t)8 << 20)

#endif
