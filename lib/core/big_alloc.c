/* Huge pages for streamed arrays. A fit reads its design matrix from memory
 * once per pass; in 4 KiB pages that is a page walk every 4 KiB (20,000 for
 * a 10^6 x 10 design) and hardware prefetch streams that stop at every page
 * boundary. With madvise(MADV_HUGEPAGE), Linux's transparent huge pages in
 * "madvise" mode (the common default) back the array with 2 MiB pages:
 * one page walk every 2 MiB, and prefetch streams that run on; sequential
 * reads and the fits that stream the design are faster. Elsewhere, or when the
 * kernel declines, this is an aligned malloc. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "core/big_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

void *partreg_big_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (bytes < PARTREG_BIG_ALLOC_MIN) /* C11: the size a multiple of the alignment */
        return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t rounded = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
    return p;
}
