/* A large CSV for the out-of-core and MPI benchmarks (bench/scale.sh):
 * N rows of a binary outcome and P predictors, written in one stream.
 *
 * Usage: gen_big FILE N P [SEED]
 *
 *   z_0, z_j ~ N(0,1) (Box-Muller on xoshiro256** uniforms),
 *   x_j = round4(0.8 z_j + 0.6 z_0),  eta = sum_j b_j x_j - 0.3,
 *   b_j = 0.6 (-1)^j / sqrt(j) / sqrt(P / 10),  y ~ Bernoulli(1/(1+exp(-eta))),
 * as bench/gen_data.c makes them (without its binary copy, which at 10^8
 * rows would be as large again). Deterministic for a given SEED. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static double unif(rng_t *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

static double normal(rng_t *r)
{
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* m / 1e4 as text: an integer part, a point and four digits, no exponent. */
static char *put_fixed4(char *at, long long m)
{
    if (m < 0) {
        *at++ = '-';
        m = -m;
    }
    char tmp[32];
    int n = 0;
    long long ip = m / 10000, fp = m % 10000;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n)
        *at++ = tmp[--n];
    *at++ = '.';
    for (long long d = 1000; d; d /= 10)
        *at++ = (char)('0' + (fp / d) % 10);
    return at;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_big FILE N P [SEED]\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    int p = atoi(argv[3]);
    uint64_t seed = argc > 4 ? (uint64_t)atoll(argv[4]) : 20240607u;
    if (n < 1 || p < 1 || p > 1000) {
        fprintf(stderr, "gen_big: N >= 1 and 1 <= P <= 1000\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("yb", f);
    for (int j = 1; j <= p; j++)
        fprintf(f, ",x%d", j);
    fputc('\n', f);
    rng_t r;
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r.s[i] = z ^ (z >> 31);
    }
    double *b = malloc((size_t)p * sizeof *b);
    long long *m = malloc((size_t)p * sizeof *m);
    char *line = malloc((size_t)p * 24 + 8);
    for (int j = 1; j <= p; j++)
        b[j - 1] = 0.6 * (j % 2 ? -1.0 : 1.0) / sqrt((double)j) / sqrt(p / 10.0);
    for (long long i = 0; i < n; i++) {
        double z0 = normal(&r), eta = -0.3;
        for (int j = 0; j < p; j++) {
            m[j] = llround((0.8 * normal(&r) + 0.6 * z0) * 1e4);
            eta += b[j] * ((double)m[j] / 1e4);
        }
        int y = unif(&r) < 1.0 / (1.0 + exp(-eta));
        char *at = line;
        *at++ = (char)('0' + y);
        for (int j = 0; j < p; j++) {
            *at++ = ',';
            at = put_fixed4(at, m[j]);
        }
        *at++ = '\n';
        fwrite(line, 1, (size_t)(at - line), f);
    }
    free(b);
    free(m);
    free(line);
    if (fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
