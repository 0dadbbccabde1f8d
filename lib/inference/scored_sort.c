/* Stable sort of scored rows by a probability in [0, 1], for the binary
 * diagnostics (diagnostics.c), whose sums over tie groups depend on the
 * order of equal scores: the result is the one stable order (equal p keep
 * their input order), the order a stable comparison sort such as a merge
 * sort gives, so the sums are bit-identical to it.
 *
 * Algorithm: one counting-sort pass on the bucket floor(p 2^16) (p 2^16 is
 * exact, so the bucket is a non-decreasing function of p and equal scores,
 * 0 and -0 included, share a bucket), then each bucket is sorted by p:
 * insertion sort when small, a bottom-up merge sort otherwise (so scores
 * that all fall in one bucket cost O(n log n), not O(n^2)). Both are
 * stable: an element moves ahead of another only when its p is strictly
 * smaller. At n = 10^6 this is one scatter pass and short insertion sorts
 * instead of about 2 10^7 comparator calls through qsort. */
#include "inference/inference_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define SCORED_BUCKETS 65536u /* 2^16: p * SCORED_BUCKETS is exact */
#define SCORED_SMALL 32       /* runs sorted by insertion */

static void insertion(partreg_scored *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        partreg_scored v = a[i];
        size_t j = i;
        while (j > 0 && v.p < a[j - 1].p) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Merge sorted a[0..m) and a[m..n) into out[0..n); ties take the left. */
static void merge(const partreg_scored *a, size_t m, size_t n, partreg_scored *out)
{
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n)
        out[k++] = a[j].p < a[i].p ? a[j++] : a[i++];
    while (i < m)
        out[k++] = a[i++];
    while (j < n)
        out[k++] = a[j++];
}

/* Stable sort of a[0..n) with scratch tmp[0..n); the result is in a. */
static void merge_sort(partreg_scored *a, partreg_scored *tmp, size_t n)
{
    for (size_t s = 0; s < n; s += SCORED_SMALL)
        insertion(a + s, n - s < SCORED_SMALL ? n - s : SCORED_SMALL);
    partreg_scored *src = a, *dst = tmp;
    for (size_t width = SCORED_SMALL; width < n; width *= 2) {
        for (size_t s = 0; s < n; s += 2 * width) {
            size_t m = n - s < width ? n - s : width;
            size_t e = n - s < 2 * width ? n - s : 2 * width;
            merge(src + s, m, e, dst + s);
        }
        partreg_scored *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

partreg_status partreg_scored_sort(partreg_scored *r, size_t n)
{
    if (n < 2)
        return PARTREG_OK;
    for (size_t i = 0; i < n; i++)
        if (!(r[i].p >= 0.0 && r[i].p <= 1.0))
            return PARTREG_EINVAL;
    size_t *start = calloc(SCORED_BUCKETS + 2, sizeof *start);
    partreg_scored *tmp = malloc(n * sizeof *tmp);
    if (!start || !tmp) {
        free(start);
        free(tmp);
        return PARTREG_ENOMEM;
    }
    /* bucket b holds p in [b, b + 1) / 2^16; p = 1 is bucket 2^16 */
    for (size_t i = 0; i < n; i++)
        start[(size_t)(r[i].p * SCORED_BUCKETS) + 1]++;
    for (size_t b = 1; b < SCORED_BUCKETS + 2; b++)
        start[b] += start[b - 1];
    for (size_t i = 0; i < n; i++)
        tmp[start[(size_t)(r[i].p * SCORED_BUCKETS)]++] = r[i];
    /* start[b] is now the end of bucket b; sort each bucket inside tmp,
     * using the same range of r as merge scratch */
    size_t lo = 0;
    for (size_t b = 0; b < SCORED_BUCKETS + 1; b++) {
        size_t hi = start[b], m = hi - lo;
        if (m > SCORED_SMALL)
            merge_sort(tmp + lo, r + lo, m);
        else if (m > 1)
            insertion(tmp + lo, m);
        lo = hi;
    }
    memcpy(r, tmp, n * sizeof *r);
    free(start);
    free(tmp);
    return PARTREG_OK;
}
