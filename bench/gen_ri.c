/* Synthetic residents-in-communities data for bench/ri.sh.
 *
 * Usage: gen_ri PREFIX N G [P] [SEED]
 * Writes PREFIX.csv (header yb,yo,community,x1..xP) and PREFIX.f64 (the
 * same numbers, column-major doubles: yb, yo, community, x1, ..., xP; N
 * values each). Community c (0..G-1) holds the rows i with i % G == c (so
 * the file is not sorted by community: the fit must order it).
 *
 *   u_c ~ N(0, 0.8^2), x_j ~ N(0, 1) (rounded to 4 decimals),
 *   eta = sum_j b_j x_j + u_c,   b_j = 0.5 (-1)^j / sqrt(j)
 *   yb ~ Bernoulli(1 / (1 + exp(0.3 - eta)))          (binary logit)
 *   yo = #{k : eta + L > cut_k}, cuts -1.6, -0.4, 0.5, 1.7, L standard
 *        logistic                                     (cumulative logit, 5 levels)
 * Deterministic for a given SEED (xoshiro256**, Box-Muller). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { uint64_t s[4]; } rng_t;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return out;
}

static double unif(rng_t *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

static void rng_seed(rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r->s[i] = z ^ (z >> 31);
    }
}

static double normal(rng_t *r)
{
    return sqrt(-2.0 * log(unif(r))) * cos(6.283185307179586 * unif(r));
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_ri PREFIX N G [P] [SEED]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), G = strtoull(argv[3], NULL, 10);
    size_t p = argc > 4 ? strtoull(argv[4], NULL, 10) : 5;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 20240611u;
    if (n == 0 || G == 0 || p == 0) {
        fprintf(stderr, "gen_ri: N, G and P must be positive\n");
        return 2;
    }
    rng_t r;
    rng_seed(&r, seed);
    double *u = malloc(G * sizeof *u), *col = malloc(n * (p + 3) * sizeof *col);
    if (!u || !col) {
        fprintf(stderr, "gen_ri: out of memory\n");
        return 1;
    }
    for (size_t c = 0; c < G; c++)
        u[c] = 0.8 * normal(&r);
    static const double cuts[4] = {-1.6, -0.4, 0.5, 1.7};
    for (size_t i = 0; i < n; i++) {
        size_t c = i % G;
        double eta = u[c];
        for (size_t j = 0; j < p; j++) {
            double x = round(normal(&r) * 1e4) / 1e4;
            col[(3 + j) * n + i] = x;
            eta += 0.5 * ((j % 2) ? -1.0 : 1.0) / sqrt((double)(j + 1)) * x;
        }
        double pb = 1.0 / (1.0 + exp(0.3 - eta));
        col[i] = unif(&r) < pb ? 1.0 : 0.0;
        double v = unif(&r), L = log(v / (1.0 - v));
        int yo = 0;
        for (int k = 0; k < 4; k++)
            yo += eta + L > cuts[k];
        col[n + i] = yo;
        col[2 * n + i] = (double)(c + 1);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.f64", argv[1]);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(col, sizeof *col, n * (p + 3), f) != n * (p + 3) || fclose(f) != 0) {
        fprintf(stderr, "gen_ri: cannot write %s\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s.csv", argv[1]);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_ri: cannot write %s\n", path);
        return 1;
    }
    fprintf(f, "yb,yo,community");
    for (size_t j = 0; j < p; j++)
        fprintf(f, ",x%zu", j + 1);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%.0f,%.0f,%.0f", col[i], col[n + i], col[2 * n + i]);
        for (size_t j = 0; j < p; j++)
            fprintf(f, ",%.4f", col[(3 + j) * n + i]);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "gen_ri: cannot write %s\n", path);
        return 1;
    }
    free(u);
    free(col);
    return 0;
}
