/* Synthetic stratified cluster sample for bench/survey.sh.
 *
 * Usage: gen_survey PREFIX N [P] [SEED]
 * Writes PREFIX.csv (header stratum,psu,w,yb,yo,x1..xP) and PREFIX.f64
 * (the same numbers, column-major doubles in that order).
 *
 *   H = 50 strata of 20 PSUs each (1,000 PSUs, psu ids 1..20 repeating in
 *   every stratum), N / 1000 rows a PSU;
 *   a PSU effect u ~ N(0, 0.5^2) shared by its rows, a stratum shift
 *   s_h = 0.4 (h / H - 0.5);
 *   x_j = round4(0.8 z_j + 0.6 z_0 + 0.3 u), z ~ N(0, 1);
 *   eta = sum_j b_j x_j + u + s_h, b_j = 0.6 (-1)^j / sqrt(j) / sqrt(P/10);
 *   yb ~ Bernoulli(1 / (1 + exp(0.3 - eta)));
 *   yo = #{c : eta + L > c}, c = -1.6, -0.4, 0.5, 1.7, L standard logistic;
 *   w = round2((1 + h mod 5) * (50 + 10 v)), v ~ U(0, 1): sampling weights
 *   varying by stratum and row.
 * Deterministic for a given SEED (xoshiro256**). */
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
static double gauss(rng_t *r)
{
    return sqrt(-2.0 * log(unif(r))) * cos(6.283185307179586 * unif(r));
}
static void rng_seed(rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r->s[i] = z ^ (z >> 31);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_survey PREFIX N [P] [SEED]\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10);
    size_t p = argc > 3 ? strtoull(argv[3], NULL, 10) : 10;
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 20261208;
    const size_t H = 50, per = 20, G = H * per;
    size_t ncol = 5 + p;
    double *v = malloc(n * ncol * sizeof *v), *z = malloc((p + 1) * sizeof *z);
    if (!v || !z || n < G)
        return 1;
    rng_t r;
    rng_seed(&r, seed);
    double u = 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t g = i * G / n, h = g / per;
        if (i == 0 || (i - 1) * G / n != g)
            u = 0.5 * gauss(&r);
        double eta = u + 0.4 * ((double)h / (double)H - 0.5);
        for (size_t j = 0; j <= p; j++)
            z[j] = gauss(&r);
        for (size_t j = 1; j <= p; j++) {
            double x = round(1e4 * (0.8 * z[j] + 0.6 * z[0] + 0.3 * u)) / 1e4;
            v[(4 + j) * n + i] = x;
            double b = 0.6 * ((j % 2) ? -1.0 : 1.0) / sqrt((double)j) / sqrt((double)p / 10.0);
            eta += b * x;
        }
        v[0 * n + i] = (double)(h + 1);
        v[1 * n + i] = (double)(g % per + 1);
        v[2 * n + i] = round(100.0 * (double)(1 + h % 5) * (50.0 + 10.0 * unif(&r))) / 100.0;
        v[3 * n + i] = unif(&r) < 1.0 / (1.0 + exp(0.3 - eta));
        double L = log(unif(&r)), L2 = log(unif(&r)); /* logistic = log U1 - log U2 */
        double lat = eta + (L - L2);
        static const double cuts[4] = {-1.6, -0.4, 0.5, 1.7};
        int yo = 0;
        for (int c = 0; c < 4; c++)
            yo += lat > cuts[c];
        v[4 * n + i] = yo;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.f64", argv[1]);
    FILE *fb = fopen(path, "wb");
    snprintf(path, sizeof path, "%s.csv", argv[1]);
    FILE *fc = fopen(path, "w");
    if (!fb || !fc)
        return 1;
    fwrite(v, sizeof *v, n * ncol, fb);
    fprintf(fc, "stratum,psu,w,yb,yo");
    for (size_t j = 1; j <= p; j++)
        fprintf(fc, ",x%zu", j);
    fputc('\n', fc);
    for (size_t i = 0; i < n; i++) {
        fprintf(fc, "%.0f,%.0f,%.2f,%.0f,%.0f", v[i], v[n + i], v[2 * n + i], v[3 * n + i],
                v[4 * n + i]);
        for (size_t j = 1; j <= p; j++)
            fprintf(fc, ",%.4f", v[(4 + j) * n + i]);
        fputc('\n', fc);
    }
    fclose(fb);
    fclose(fc);
    free(v);
    free(z);
    return 0;
}
