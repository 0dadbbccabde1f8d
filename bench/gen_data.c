/* Synthetic benchmark data for bench/run.sh.
 *
 * Usage: gen_data PREFIX N P [SEED]
 * Writes PREFIX.csv (header yb,yo,x1..xP) and PREFIX.f64 (the same numbers,
 * column-major doubles: yb, yo, x1, ..., xP; N values each).
 *
 *   z_0, z_j ~ N(0,1) independent (Box-Muller on xoshiro256** uniforms),
 *   x_j = round4(0.8 z_j + 0.6 z_0)           (correlation 0.36 between x's)
 *   eta = sum_j b_j x_j,  b_j = 0.6 (-1)^j / sqrt(j) / sqrt(P/10)
 *   yb ~ Bernoulli(1 / (1 + exp(0.3 - eta)))   (binary logit, intercept -0.3)
 *   yo = #{c : eta + L > c} over cuts c = -1.6, -0.4, 0.5, 1.7 with L standard
 *        logistic (cumulative logit, 5 levels 0..4).
 * round4 rounds to 4 decimals; the CSV text and the .f64 double are the same
 * number (m / 1e4 is the correctly rounded value of the decimal, which is
 * what a correct strtod returns). Deterministic for a given SEED. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* write m / 1e4 as decimal text; returns characters written */
static int put4(char *o, long m)
{
    int len = 0;
    if (m < 0) { o[len++] = '-'; m = -m; }
    long ip = m / 10000, fp = m % 10000;
    char tmp[24];
    int t = 0;
    do { tmp[t++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    while (t) o[len++] = tmp[--t];
    o[len++] = '.';
    o[len++] = (char)('0' + fp / 1000);
    o[len++] = (char)('0' + fp / 100 % 10);
    o[len++] = (char)('0' + fp / 10 % 10);
    o[len++] = (char)('0' + fp % 10);
    return len;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_data PREFIX N P [SEED]\n");
        return 2;
    }
    const char *prefix = argv[1];
    size_t n = strtoull(argv[2], NULL, 10), p = strtoull(argv[3], NULL, 10);
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 20240611u;
    char path[4096];
    snprintf(path, sizeof path, "%s.csv", prefix);
    FILE *csv = fopen(path, "wb");
    snprintf(path, sizeof path, "%s.f64", prefix);
    FILE *bin = fopen(path, "w+b");
    double *cols = malloc((p + 2) * n * sizeof *cols);
    if (!csv || !bin || !cols) {
        fprintf(stderr, "gen_data: cannot open outputs or allocate\n");
        return 1;
    }
    static const double cuts[4] = {-1.6, -0.4, 0.5, 1.7};
    double *b = malloc(p * sizeof *b), *x = malloc(p * sizeof *x);
    for (size_t j = 0; j < p; j++)
        b[j] = 0.6 * ((j % 2) ? -1.0 : 1.0) / sqrt((double)(j + 1)) / sqrt((double)p / 10.0);
    rng_t r;
    rng_seed(&r, seed);
    fprintf(csv, "yb,yo");
    for (size_t j = 0; j < p; j++)
        fprintf(csv, ",x%zu", j + 1);
    fputc('\n', csv);
    char *line = malloc(16 * (p + 2) + 16);
    for (size_t i = 0; i < n; i++) {
        double z0 = normal(&r), eta = 0.0;
        for (size_t j = 0; j < p; j++) {
            double v = 0.8 * normal(&r) + 0.6 * z0;
            x[j] = round(v * 1e4) / 1e4;
            eta += b[j] * x[j];
        }
        double yb = unif(&r) < 1.0 / (1.0 + exp(0.3 - eta)) ? 1.0 : 0.0;
        double u = unif(&r), lat = eta + log(u / (1.0 - u));
        double yo = 0.0;
        for (int c = 0; c < 4; c++)
            yo += lat > cuts[c];
        int len = 0;
        line[len++] = (char)('0' + (int)yb);
        line[len++] = ',';
        line[len++] = (char)('0' + (int)yo);
        cols[0 * n + i] = yb;
        cols[1 * n + i] = yo;
        for (size_t j = 0; j < p; j++) {
            line[len++] = ',';
            len += put4(line + len, lround(x[j] * 1e4));
            cols[(j + 2) * n + i] = x[j];
        }
        line[len++] = '\n';
        fwrite(line, 1, (size_t)len, csv);
    }
    size_t total = (p + 2) * n;
    if (fwrite(cols, sizeof *cols, total, bin) != total || fclose(bin) != 0 || fclose(csv) != 0) {
        fprintf(stderr, "gen_data: write failed\n");
        return 1;
    }
    free(cols); free(line); free(b); free(x);
    return 0;
}
