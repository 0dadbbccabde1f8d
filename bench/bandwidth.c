/* Sequential read bandwidth of this machine, for the floor in bench/run.sh:
 * T threads each sum (xor) their contiguous share of a 1 GiB buffer that
 * does not fit in any cache; the median of 7 sweeps is reported.
 * Usage: bandwidth [THREADS]   prints "bandwidth_gbs=<GB/s (1e9 bytes)>". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { const uint64_t *a; size_t n; uint64_t out; } part;

static void *sweep(void *arg)
{
    part *p = arg;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i + 4 <= p->n; i += 4) {
        s0 ^= p->a[i]; s1 ^= p->a[i + 1]; s2 ^= p->a[i + 2]; s3 ^= p->a[i + 3];
    }
    p->out = s0 ^ s1 ^ s2 ^ s3;
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    int T = argc > 1 ? atoi(argv[1]) : 1;
    if (T < 1 || T > 64) T = 1;
    size_t n = (size_t)1 << 27; /* 1 GiB of uint64 */
    uint64_t *a = malloc(n * sizeof *a);
    if (!a) return 1;
    for (size_t i = 0; i < n; i++) a[i] = i * 0x9e3779b97f4a7c15ULL;
    double t[7];
    uint64_t chk = 0;
    for (int r = 0; r < 7; r++) {
        part parts[64];
        pthread_t tid[64];
        double t0 = now();
        for (int k = 0; k < T; k++) {
            parts[k].a = a + n * (size_t)k / (size_t)T;
            parts[k].n = n / (size_t)T;
            pthread_create(&tid[k], NULL, sweep, &parts[k]);
        }
        for (int k = 0; k < T; k++) {
            pthread_join(tid[k], NULL);
            chk ^= parts[k].out;
        }
        t[r] = now() - t0;
    }
    qsort(t, 7, sizeof *t, cmp);
    printf("bandwidth_gbs=%.3f threads=%d check=%llu\n", (double)(n * sizeof *a) / t[3] / 1e9, T,
           (unsigned long long)(chk & 1));
    free(a);
    return 0;
}
