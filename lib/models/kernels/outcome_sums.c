/* The one pass over a fit's outcome and weights (outcome_sums.h).
 *
 * Contract: the same bits on every route, and the same as row_by_index
 * alone (each stripe's sums in row order): the comparison sweep adds w or
 * +0 to each level's stripe, which leaves every sum as the index would,
 * in a baseline and an AVX2 copy (v4.h) that do the same operations lane
 * by lane. The checks flag exactly the rows fit.c's report_bad_row names.
 *
 * Four stripes of sums (row i into stripe i mod 4), added at the end: one
 * running sum per level would make each row wait for the previous row's
 * addition (and for its store, when two rows share a level). The checks
 * are branch-free: with branches, a random 0/1 outcome would mispredict
 * every other row.
 *
 * With few levels (J <= COMPARE_LEVELS: every binary fit and most ordinal
 * ones) the level sums are taken by comparison instead of by index, one
 * level at a time over a block of rows that stays in L1: each stripe adds
 * w or 0 to its sum of level c, so the four stripes are one vector, no sum
 * goes through memory and the loops vectorise. Adding 0 leaves a sum as it
 * was, so every sum is the same as by index. The by-index loop below
 * serves more levels and the last n mod 4 rows. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "models/kernels/outcome_sums.h"

#include <float.h>
#include <stdlib.h>

#include "models/objective.h"
#include "models/kernels/v4.h"

#define STRIPES 4
/* Levels up to this many are summed by comparison. */
#define COMPARE_LEVELS 8
/* Rows per block of the comparison path (a multiple of STRIPES). */
#define BLOCK 512

/* The running sums, a stripe each. The counts are doubles so that they
 * vectorise with the weights (exact up to 2^53 rows). */
typedef struct stripes {
    double sw[STRIPES];  /* weight */
    double pos[STRIPES]; /* rows of positive weight */
    double bad[STRIPES]; /* rows whose outcome or weight is invalid */
} stripes;

/* Row (yi, wi) into stripe l, its level's sum found by index. An invalid
 * outcome is summed as level 0 (NaN fails both range tests; the conversion
 * only sees [0, J)). ldw = 0 sums every level into W4[0]. */
static inline void row_by_index(stripes *s, double *W4, size_t ldw, double levels, double yi,
                                double wi, size_t l)
{
    int in_range = (yi >= 0.0) & (yi < levels);
    size_t c = (size_t)(in_range ? yi : 0.0);
    int ok = in_range & ((double)c == yi) & (wi >= 0.0) & (wi <= DBL_MAX);
    s->bad[l] += ok ? 0.0 : 1.0;
    s->sw[l] += wi;
    s->pos[l] += wi > 0.0 ? 1.0 : 0.0;
    W4[l * ldw + c * (ldw != 0)] += wi;
}

#if defined(PARTREG_HAVE_V4)
/* m rows (a multiple of STRIPES) with J (a constant where inlined) levels:
 * checks, totals and the level sums Wc[c * STRIPES + l] by comparison, in
 * one sweep with every stripe's sums in registers (not a sweep for the
 * checks and one a level, each reading the block again). Each lane is
 * the scalar loop's stripe,
 * its rows added in the same order: the same sums. */
static inline __attribute__((always_inline)) void
sweep_levels(stripes *restrict s, double *restrict Wc, size_t J, const double *restrict y,
             const double *restrict w, size_t m)
{
    const partreg_v4 zero = {0.0, 0.0, 0.0, 0.0}, big = zero + 0x1p52;
    const partreg_v4 levels = zero + (double)J, most = zero + DBL_MAX;
    const partreg_v4i one = (partreg_v4i)(zero + 1.0);
    partreg_v4 bad = PARTREG_V4C(s->bad), sw = PARTREG_V4C(s->sw), pos = PARTREG_V4C(s->pos);
    partreg_v4 W[COMPARE_LEVELS];
    PARTREG_UNROLL_FULLY
    for (size_t c = 0; c < J; c++)
        W[c] = PARTREG_V4C(Wc + c * STRIPES);
    for (size_t i = 0; i < m; i += STRIPES) {
        partreg_v4 yv = PARTREG_V4C(y + i), wv = PARTREG_V4C(w + i);
        /* for 0 <= y < 2^52, adding 2^52 rounds y to a whole number and
         * subtracting it again is exact: y is whole if unchanged */
        partreg_v4 whole = (yv + big) - big;
        partreg_v4i ok = (yv >= zero) & (yv < levels) & (whole == yv) & (wv >= zero) & (wv <= most);
        bad += (partreg_v4)(~ok & one); /* 1 or +0 */
        sw += wv;
        pos += (partreg_v4)((wv > zero) & one);
        PARTREG_UNROLL_FULLY
        for (size_t c = 0; c < J; c++)
            W[c] += (partreg_v4)((yv == zero + (double)c) & (partreg_v4i)wv); /* w or +0 */
    }
    PARTREG_V4(s->bad) = bad;
    PARTREG_V4(s->sw) = sw;
    PARTREG_V4(s->pos) = pos;
    PARTREG_UNROLL_FULLY
    for (size_t c = 0; c < J; c++)
        PARTREG_V4(Wc + c * STRIPES) = W[c];
}

/* sweep_levels with J fixed at compile time (1 to COMPARE_LEVELS). */
static inline __attribute__((always_inline)) void
by_compare(stripes *restrict s, double *restrict Wc, size_t J, const double *restrict y,
           const double *restrict w, size_t m)
{
    switch (J) { /* J <= COMPARE_LEVELS here */
    case 1: sweep_levels(s, Wc, 1, y, w, m); break;
    case 2: sweep_levels(s, Wc, 2, y, w, m); break;
    case 3: sweep_levels(s, Wc, 3, y, w, m); break;
    case 4: sweep_levels(s, Wc, 4, y, w, m); break;
    case 5: sweep_levels(s, Wc, 5, y, w, m); break;
    case 6: sweep_levels(s, Wc, 6, y, w, m); break;
    case 7: sweep_levels(s, Wc, 7, y, w, m); break;
    default: sweep_levels(s, Wc, COMPARE_LEVELS, y, w, m); break;
    }
}

#define BY_COMPARE_COPY(SFX, TARGET)                                                           \
    TARGET __attribute__((noinline)) static void block_by_compare_##SFX(                       \
        stripes *restrict s, double *restrict Wc, size_t J, const double *restrict y,          \
        const double *restrict w, size_t m)                                                    \
    {                                                                                          \
        by_compare(s, Wc, J, y, w, m);                                                         \
    }
PARTREG_V4_FOR_COPIES(BY_COMPARE_COPY)

/* m rows with J levels by comparison, in the copy isa runs */
static void block_by_compare(partreg_isa isa, stripes *restrict s, double *restrict Wc, size_t J,
                             const double *restrict y, const double *restrict w, size_t m)
{
#if PARTREG_V4_COPIES > 1
    if (partreg_v4_copy(isa) == 1) {
        block_by_compare_avx2(s, Wc, J, y, w, m);
        return;
    }
#else
    (void)isa;
#endif
    block_by_compare_base(s, Wc, J, y, w, m);
}
#else
/* m rows (a multiple of STRIPES) with J <= COMPARE_LEVELS levels: checks and
 * totals, then the level sums Wc[c * STRIPES + l] by comparison. */
static void block_by_compare(partreg_isa isa, stripes *restrict s, double *restrict Wc, size_t J,
                             const double *restrict y, const double *restrict w, size_t m)
{
    (void)isa;
    double levels = (double)J, big = 0x1p52;
    for (size_t i = 0; i < m; i += STRIPES)
        for (size_t l = 0; l < STRIPES; l++) {
            double yi = y[i + l], wi = w[i + l];
            /* for 0 <= yi < 2^52, adding 2^52 rounds yi to a whole number
             * and subtracting it again is exact: yi is whole if unchanged */
            double whole = (yi + big) - big;
            int ok = (yi >= 0.0) & (yi < levels) & (whole == yi) & (wi >= 0.0) & (wi <= DBL_MAX);
            s->bad[l] += ok ? 0.0 : 1.0;
            s->sw[l] += wi;
            s->pos[l] += wi > 0.0 ? 1.0 : 0.0;
        }
    for (size_t c = 0; c < J; c++)
        for (size_t i = 0; i < m; i += STRIPES)
            for (size_t l = 0; l < STRIPES; l++)
                Wc[c * STRIPES + l] += y[i + l] == (double)c ? w[i + l] : 0.0;
}
#endif

int partreg_outcome_sums(partreg_isa isa, const double *y, const double *w, size_t n, size_t J,
                         double *W, double *sum_w, size_t *n_pos)
{
    double *W4 = W ? calloc(STRIPES * J, sizeof *W4) : NULL;
    if (W && !W4)
        return -1;
    double unused = 0.0; /* the level sums' target when they are not wanted */
    double *target = W4 ? W4 : &unused;
    size_t ldw = W4 ? J : 0, body = n - n % STRIPES, i = 0;
    stripes s = {{0.0}, {0.0}, {0.0}};
    if (W4 && J <= COMPARE_LEVELS) {
        double ones[BLOCK], Wc[COMPARE_LEVELS * STRIPES] = {0.0}; /* unit weights; by level */
        for (size_t r = 0; !w && r < BLOCK; r++)
            ones[r] = 1.0;
        while (i < body) {
            size_t m = body - i < BLOCK ? body - i : BLOCK;
            block_by_compare(isa, &s, Wc, J, y + i, w ? w + i : ones, m);
            i += m;
        }
        for (size_t c = 0; c < J; c++)
            for (size_t l = 0; l < STRIPES; l++)
                W4[l * J + c] = Wc[c * STRIPES + l];
    } else {
        for (; i < body; i += STRIPES)
            for (size_t l = 0; l < STRIPES; l++)
                row_by_index(&s, target, ldw, (double)J, y[i + l], w ? w[i + l] : 1.0, l);
    }
    for (; i < n; i++)
        row_by_index(&s, target, ldw, (double)J, y[i], w ? w[i] : 1.0, i % STRIPES);

    int bad = (s.bad[0] + s.bad[1]) + (s.bad[2] + s.bad[3]) > 0.0;
    for (size_t c = 0; W4 && !bad && c < J; c++)
        W[c] = (W4[c] + W4[J + c]) + (W4[2 * J + c] + W4[3 * J + c]);
    free(W4);
    *sum_w = (s.sw[0] + s.sw[1]) + (s.sw[2] + s.sw[3]);
    *n_pos = (size_t)((s.pos[0] + s.pos[1]) + (s.pos[2] + s.pos[3]));
    return bad;
}

/* One segment's sums; its level sums at W + s J. */
typedef struct segment_sums {
    double sum_w;
    size_t n_pos;
    int bad;
} segment_sums;

/* What the members of the parallel pass share. */
typedef struct sums_pass {
    const double *y, *w;
    partreg_isa isa;
    size_t n, J, nseg;
    double *W; /* nseg x J, or NULL */
    segment_sums *seg;
} sums_pass;

static void segment_sums_of(void *arg, size_t s, size_t t)
{
    (void)t;
    const sums_pass *sp = arg;
    size_t begin, end;
    partreg_segment_rows(sp->n, 1, sp->nseg, s, &begin, &end);
    segment_sums *g = &sp->seg[s];
    g->bad = partreg_outcome_sums(sp->isa, sp->y + begin, sp->w ? sp->w + begin : NULL,
                                  end - begin, sp->J, sp->W ? sp->W + s * sp->J : NULL, &g->sum_w,
                                  &g->n_pos);
}

int partreg_outcome_sums_on(partreg_team *team, int threads, partreg_isa isa, const double *y,
                            const double *w, size_t n, size_t J, double *W, double *sum_w,
                            size_t *n_pos)
{
    size_t nseg = partreg_segment_count(n, J, 1);
    size_t nt = partreg_team_threads(team, threads, n,
                                     team ? PARTREG_TEAM_MIN_ROWS : PARTREG_MIN_ROWS_PER_THREAD);
    if (nseg == 1)
        return partreg_outcome_sums(isa, y, w, n, J, W, sum_w, n_pos);
    sums_pass sp = {y, w, isa, n, J, nseg, NULL, NULL};
    sp.seg = calloc(nseg, sizeof *sp.seg);
    sp.W = W ? calloc(nseg * J, sizeof *sp.W) : NULL;
    if (!sp.seg || (W && !sp.W)) {
        free(sp.seg);
        free(sp.W);
        return -1;
    }
    partreg_team_run_segments(team, nt, nseg, segment_sums_of, &sp);
    int bad = 0;
    *sum_w = 0.0;
    *n_pos = 0;
    for (size_t s = 0; s < nseg; s++) { /* in segment order */
        bad = sp.seg[s].bad < 0 ? -1 : bad < 0 ? bad : bad | sp.seg[s].bad;
        *sum_w += sp.seg[s].sum_w;
        *n_pos += sp.seg[s].n_pos;
        for (size_t c = 0; W && c < J; c++)
            W[c] += sp.W[s * J + c];
    }
    free(sp.seg);
    free(sp.W);
    return bad;
}
