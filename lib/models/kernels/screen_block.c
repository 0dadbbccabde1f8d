/* One block of the screening pass (screen_block.h): the weighted column
 * sums, minima and maxima, the centred copy of the rows and its
 * cross-products.
 *
 * Contract: the same bits on every route: the loops below in a baseline
 * and an AVX2 copy (no FMA: the same operations column by column), the
 * AVX-512 sums and centring of screen_rows.c where the route has them
 * (the same operations entry by entry), and partreg_info_add (the same
 * sums row by row). There is no reference route of the screening: its
 * result, which columns are kept, is what tests/test_screen.c checks
 * against R's and Stata's choices.
 *
 * Within a block the sums, minima and maxima and the centred copy take the
 * rows four at a time, each along the columns, so every load and store of
 * the per-column arrays serves four rows and the column loops vectorise
 * (gcc 12 at -O2 vectorises a loop of run-time length only under the
 * dynamic cost model, hence the pragma). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "models/kernels/screen_block.h"

#include <math.h>
#include <string.h>

#include "models/kernels/rank_update.h"
#include "models/kernels/screen_rows.h"
#include "models/kernels/v4.h"

static double lesser(double a, double b) { return a < b ? a : b; }
static double greater(double a, double b) { return a > b ? a : b; }

/* s += (x0 + x1) + (x2 + x3), and the four rows' minima and maxima into lo
 * and hi, column by column. Four rows per pass over s, lo and hi: each load
 * and store of those serves four rows, and the loop along the columns
 * vectorises (no two of the arrays overlap). */
static inline void sum_rows4(size_t p, const double *restrict x0, const double *restrict x1,
                             const double *restrict x2, const double *restrict x3,
                             double *restrict s, double *restrict lo, double *restrict hi)
{
    for (size_t j = 0; j < p; j++) {
        double a = x0[j], b = x1[j], c = x2[j], d = x3[j];
        s[j] += (a + b) + (c + d);
        lo[j] = lesser(lesser(lesser(a, b), lesser(c, d)), lo[j]);
        hi[j] = greater(greater(greater(a, b), greater(c, d)), hi[j]);
    }
}

/* The same with weights: s += (u0 x0 + u1 x1) + (u2 x2 + u3 x3). */
static inline void wsum_rows4(size_t p, const double *restrict x0, const double *restrict x1,
                              const double *restrict x2, const double *restrict x3,
                              const double *restrict u, double *restrict s, double *restrict lo,
                              double *restrict hi)
{
    double u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3];
    for (size_t j = 0; j < p; j++) {
        double a = x0[j], b = x1[j], c = x2[j], d = x3[j];
        s[j] += (u0 * a + u1 * b) + (u2 * c + u3 * d);
        lo[j] = lesser(lesser(lesser(a, b), lesser(c, d)), lo[j]);
        hi[j] = greater(greater(greater(a, b), greater(c, d)), hi[j]);
    }
}

/* One row: s += u x, minima and maxima. */
static inline void wsum_row(size_t p, const double *restrict x, double u, double *restrict s,
                            double *restrict lo, double *restrict hi)
{
    for (size_t j = 0; j < p; j++) {
        s[j] += u * x[j];
        lo[j] = lesser(x[j], lo[j]);
        hi[j] = greater(x[j], hi[j]);
    }
}

/* z_i = x_i - m for four rows: one pass along the columns for the four,
 * as in sum_rows4. */
static inline void centre_rows4(size_t p, const double *restrict x0, const double *restrict x1,
                                const double *restrict x2, const double *restrict x3,
                                const double *restrict m, double *restrict z0,
                                double *restrict z1, double *restrict z2, double *restrict z3)
{
    for (size_t j = 0; j < p; j++) {
        double mj = m[j];
        z0[j] = x0[j] - mj;
        z1[j] = x1[j] - mj;
        z2[j] = x2[j] - mj;
        z3[j] = x3[j] - mj;
    }
}

/* z = x - m */
static inline void centre_row(size_t p, const double *restrict x, const double *restrict m,
                              double *restrict z)
{
    for (size_t j = 0; j < p; j++)
        z[j] = x[j] - m[j];
}

/* s += x, column by column. */
static inline void add_row(size_t p, const double *restrict x, double *restrict s)
{
    for (size_t j = 0; j < p; j++)
        s[j] += x[j];
}

/* Weighted sums of one block of rows into its own mean mb, weight *wb,
 * and (lower triangle, via partreg_info_add) the cross-products Cb of the
 * rows centred at mb; minima, maxima and non-finite values into mo. Every
 * row is checked for finiteness, zero weight or not; the sums skip zero
 * weights.
 *
 * The rows with non-zero weight are listed in row[0..m-1] with their
 * weights in h; the sums, minima and maxima take them four at a time, and
 * the centred copy Z reads the same list. A block with a zero weight
 * lists its rows and weights apart (rows with zero weight in
 * row[top..nb-1], their values summed into chk only to be checked). In
 * a baseline and an AVX2 copy (v4.h: no FMA, the same bits column by
 * column). */
static inline __attribute__((always_inline)) void block_moments(partreg_moments *mo, size_t b,
                                                                 size_t e, double *wb)
{
    const partreg_data *data = mo->data;
    const double *X = data->X, *w = data->w, *h = w ? w + b : mo->hz; /* hz: unit weights */
    size_t p = data->p, ldx = mo->ldx, nb = e - b, m = nb, top = nb, zeros = 0;
    double sw = w ? 0.0 : (double)nb;
    double *restrict mb = mo->mb, *restrict lo = mo->lo, *restrict hi = mo->hi;
    double *restrict chk = mo->chk;
    const double *row[PARTREG_SCREEN_BLOCK];
    int bad = 0;
    for (size_t r = 0; w && r < nb; r++)
        zeros += w[b + r] == 0.0;
    if (!zeros) {
        for (size_t r = 0; r < nb; r++)
            row[r] = X + (b + r) * ldx;
    }
    else {
        double *hz = mo->hz;
        m = 0;
        for (size_t r = 0; r < nb; r++) {
            const double *x = X + (b + r) * ldx;
            if (w[b + r] != 0.0) {
                row[m] = x;
                hz[m++] = w[b + r];
            }
            else /* out of the sums, not out of the check */
                row[--top] = x;
        }
        h = hz;
        memset(chk, 0, p * sizeof *chk);
        for (size_t r = top; r < nb; r++)
            add_row(p, row[r], chk);
    }
    /* with weights, the total is summed in the order of the column sums,
     * so that a column of ones has mean 1 exactly */
    memset(mb, 0, p * sizeof *mb);
    size_t r = 0;
    /* rows of this block whose reads rounded up to 4 entries stay in X */
    size_t safe_all = p ? partreg_v4_safe_groups(data->n, p, partreg_v4_width(p), ldx, 1) : 0;
    size_t safe = safe_all > b ? safe_all - b : 0;
    if (!w && partreg_screen_sums(mo->isa, X + b * ldx, ldx, p, m, safe, mb, lo, hi))
        r = m;
    else if (!w)
        for (; r + 4 <= m; r += 4)
            sum_rows4(p, row[r], row[r + 1], row[r + 2], row[r + 3], mb, lo, hi);
    else
        for (; r + 4 <= m; r += 4) {
            wsum_rows4(p, row[r], row[r + 1], row[r + 2], row[r + 3], h + r, mb, lo, hi);
            sw += (h[r] + h[r + 1]) + (h[r + 2] + h[r + 3]);
        }
    for (; r < m; r++) {
        wsum_row(p, row[r], h[r], mb, lo, hi);
        if (w)
            sw += h[r];
    }
    *wb = sw;
    /* A NaN or infinity in a row makes its column sum non-finite: only
     * then are the block's values looked at one by one (a sum can also
     * overflow on finite values, which is not an error here). */
    for (size_t j = 0; j < p && !bad; j++)
        if (!isfinite(mb[j]) || (zeros && !isfinite(chk[j])))
            for (size_t i = b; i < e && !bad; i++)
                bad = !isfinite(X[i * ldx + j]);
    if (bad) {
        mo->nonfinite = 1;
        return;
    }
    if (!(sw > 0))
        return;
    for (size_t j = 0; j < p; j++)
        mb[j] /= sw;
    r = !w && partreg_screen_centre(mo->isa, X + b * ldx, ldx, p, m, safe, mb, mo->Z) ? m : 0;
    for (; r + 4 <= m; r += 4) {
        double *z = mo->Z + r * p;
        centre_rows4(p, row[r], row[r + 1], row[r + 2], row[r + 3], mb, z, z + p, z + 2 * p,
                     z + 3 * p);
    }
    for (; r < m; r++)
        centre_row(p, row[r], mb, mo->Z + r * p);
    /* the weights are positive: no row goes to the negative scratch.
     * Without weights h is hz, all ones (1 x is x: the same bits as
     * h = NULL), and gcc makes a faster loop of the weighted kernel than of
     * the unit-weight one, which works in place in A. */
    memset(mo->Cb, 0, p * p * sizeof *mo->Cb);
    partreg_info_add(mo->isa, mo->Cb, p, p, mo->Z, p, h, NULL, NULL, m, mo->Zs, mo->Zs);
}

#define SCREEN_BLOCK_COPY(SFX, TARGET)                                                         \
    TARGET __attribute__((noinline)) static void block_moments_##SFX(partreg_moments *mo,      \
                                                                     size_t b, size_t e,      \
                                                                     double *wb)              \
    {                                                                                          \
        block_moments(mo, b, e, wb);                                                           \
    }
PARTREG_V4_FOR_COPIES(SCREEN_BLOCK_COPY)

void partreg_screen_block(partreg_moments *mo, size_t b, size_t e, double *wb)
{
#if PARTREG_V4_COPIES > 1
    if (partreg_v4_copy(mo->isa) == 1) {
        block_moments_avx2(mo, b, e, wb);
        return;
    }
#endif
    block_moments_base(mo, b, e, wb);
}
