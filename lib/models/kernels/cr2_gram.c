/* The weighted Gram sums of CR2 (cr2_gram.h): R += O'Q over one chunk of a
 * cluster's rows, and the packed products and pole weights that feed them.
 *
 * Contract: partreg_cr2_gram equals partreg_cr2_gram_ref, and
 * partreg_cr2_gram1 partreg_cr2_gram1_ref, to the bit (the same products
 * added to each entry in the same row order, no fused multiply-add) on
 * every instruction set: the baseline and AVX2 copies of the tiles in
 * vectors of four, the AVX-512 tiles; tests/test_cr2_gram.c checks each
 * one the machine runs. partreg_cr2_pack_rows and partreg_cr2_pole_weights
 * compute each entry by one product or quotient, the same bits in every
 * copy.
 *
 * The reference route reads and writes R once a row. The fast route holds
 * a 4 x 8 tile of R (eight vectors of four) in registers while it runs
 * down all ng rows: a row then costs two vector loads of Q, four scalar
 * loads of O and 16 vector multiplies and adds, with no load or store of
 * R. That is what makes the second pass (two weights a pole, 6 to 24
 * poles) arithmetic-bound instead of bound by the loads and stores of R. */
#include "models/kernels/cr2_gram.h"
#include "models/kernels/v4.h"

void partreg_cr2_gram_ref(const double *O, const double *Q, size_t ng, size_t tp, size_t mp,
                          double *R)
{
    for (size_t x = 0; x < ng; x++) {
        const double *o = O + x * tp, *q = Q + x * mp;
        for (size_t t = 0; t < tp; t++) {
            double ot = o[t];
            double *rt = R + t * mp;
            for (size_t c = 0; c < mp; c++)
                rt[c] += ot * q[c];
        }
    }
}

void partreg_cr2_gram1_ref(const double *O, const double *v, size_t ng, size_t tp, double *R)
{
    for (size_t x = 0; x < ng; x++) {
        const double *o = O + x * tp;
        for (size_t t = 0; t < tp; t++) {
            R[t] += o[t];
            R[tp + t] += o[t] * v[x];
        }
    }
}

/* The packed lower triangle of [z r][z r]' of the rows pos[0..ng) of ZR
 * (rows [z r 0 ...] of kp = k + 1 rounded up to whole vectors) into O
 * (ng x tp; entries (k+1)(k+2)/2 .. tp-1 and the 3 doubles after O's last
 * row get finite filler that no sum reads). Row a of the triangle is
 * zr_a times zr's first a + 1 entries, written as whole vectors of four:
 * the entries past a + 1 are overwritten by row a + 1, which starts
 * there. Always inlined into each copy below. */
static inline __attribute__((always_inline)) void pack_rows(const size_t *pos, size_t ng,
                                                            size_t k, size_t tp,
                                                            const double *ZR, double *O)
{
    size_t kp = (k + 4) & ~(size_t)3;
    for (size_t x = 0; x < ng; x++) {
        const double *zr = ZR + pos[x] * kp;
#if defined(__GNUC__)
        if (x + 8 < ng) { /* the rows come from all over the block */
            __builtin_prefetch(ZR + pos[x + 8] * kp);
            __builtin_prefetch(ZR + pos[x + 8] * kp + kp - 1);
        }
#endif
        double *o = O + x * tp;
        for (size_t a = 0, t = 0; a <= k; t += ++a) {
            double za = zr[a];
#ifdef PARTREG_HAVE_V4
            for (size_t q = 0; q <= a; q += 4)
                PARTREG_V4(o + t + q) = za * PARTREG_V4C(zr + q);
#else
            for (size_t q = 0; q < ((a + 4) & ~(size_t)3); q++)
                o[t + q] = za * zr[q];
#endif
        }
    }
}

/* The second pass's weights of the rows pos[0..ng) of v into Q (ng x mp):
 * column l v/(v^2 + b_l), column m + l v^2/(v^2 + b_l), the rest 0. */
static inline __attribute__((always_inline)) void pole_weights(const size_t *pos, size_t ng,
                                                               const double *v, size_t m,
                                                               const double *bl, size_t mp,
                                                               double *Q)
{
    for (size_t x = 0; x < ng; x++) {
        double vi = v[pos[x]], vv = vi * vi, *qw = Q + x * mp;
        for (size_t l = 0; l < m; l++) {
            double den = 1.0 / (vv + bl[l]);
            qw[l] = vi * den;
            qw[m + l] = vv * den;
        }
        for (size_t l = 2 * m; l < mp; l++)
            qw[l] = 0.0;
    }
}

/* The copies of the row preparation: STAMP(suffix, target) once per
 * instruction set this build has (v4.h), index 0 the baseline, 1 AVX2,
 * 2 AVX-512 (x86-64-v4). */
#if PARTREG_CPU_X86_ROUTES
#define CR2_PREP_COPIES 3
#define CR2_FOR_PREP_COPIES(STAMP)                                                               \
    PARTREG_V4_FOR_COPIES(STAMP) STAMP(avx512, PARTREG_TARGET_AVX512)
#else
#define CR2_PREP_COPIES PARTREG_V4_COPIES
#define CR2_FOR_PREP_COPIES(STAMP) PARTREG_V4_FOR_COPIES(STAMP)
#endif

#define CR2_PREP_COPY(SFX, TARGET)                                                               \
    TARGET __attribute__((noinline)) static void pack_rows_##SFX(                                \
        const size_t *pos, size_t ng, size_t k, size_t tp, const double *ZR, double *O)          \
    {                                                                                            \
        pack_rows(pos, ng, k, tp, ZR, O);                                                        \
    }                                                                                            \
    /* NOLINTNEXTLINE(bugprone-macro-parentheses): TARGET is an attribute */                   \
    TARGET __attribute__((noinline)) static void pole_weights_##SFX(                             \
        const size_t *pos, size_t ng, const double *v, size_t m, const double *bl, size_t mp,    \
        double *Q)                                                                               \
    {                                                                                            \
        pole_weights(pos, ng, v, m, bl, mp, Q);                                                  \
    }
CR2_FOR_PREP_COPIES(CR2_PREP_COPY)

typedef void (*pack_rows_fn)(const size_t *, size_t, size_t, size_t, const double *, double *);
typedef void (*pole_weights_fn)(const size_t *, size_t, const double *, size_t, const double *,
                                size_t, double *);
#define CR2_PACK_ENTRY(SFX, TARGET) pack_rows_##SFX,
#define CR2_POLE_ENTRY(SFX, TARGET) pole_weights_##SFX,
static const pack_rows_fn pack_rows_by_copy[CR2_PREP_COPIES] = {
    CR2_FOR_PREP_COPIES(CR2_PACK_ENTRY)};
static const pole_weights_fn pole_weights_by_copy[CR2_PREP_COPIES] = {
    CR2_FOR_PREP_COPIES(CR2_POLE_ENTRY)};

/* The copy an instruction set runs. */
static size_t prep_copy(partreg_isa isa)
{
#if PARTREG_CPU_X86_ROUTES
    if (isa >= PARTREG_ISA_AVX512)
        return 2;
#endif
    return partreg_v4_copy(isa);
}

void partreg_cr2_pack_rows(partreg_isa isa, const size_t *pos, size_t ng, size_t k, size_t tp,
                           const double *ZR, double *O)
{
    pack_rows_by_copy[prep_copy(isa)](pos, ng, k, tp, ZR, O);
}

void partreg_cr2_pole_weights(partreg_isa isa, const size_t *pos, size_t ng, const double *v,
                              size_t m, const double *bl, size_t mp, double *Q)
{
    pole_weights_by_copy[prep_copy(isa)](pos, ng, v, m, bl, mp, Q);
}

#ifdef PARTREG_HAVE_V4

#define V4 PARTREG_V4
#define V4C PARTREG_V4C

static inline __attribute__((always_inline)) void
gram_tiles(const double *restrict O, const double *restrict Q, size_t ng, size_t tp, size_t mp,
           double *restrict R)
{
    for (size_t t0 = 0; t0 < tp; t0 += 4) {
        double *r0 = R + t0 * mp, *r1 = r0 + mp, *r2 = r1 + mp, *r3 = r2 + mp;
        size_t c0 = 0;
        for (; c0 + 8 <= mp; c0 += 8) {
            partreg_v4 a0 = V4C(r0 + c0), b0 = V4C(r0 + c0 + 4);
            partreg_v4 a1 = V4C(r1 + c0), b1 = V4C(r1 + c0 + 4);
            partreg_v4 a2 = V4C(r2 + c0), b2 = V4C(r2 + c0 + 4);
            partreg_v4 a3 = V4C(r3 + c0), b3 = V4C(r3 + c0 + 4);
            const double *o = O + t0, *q = Q + c0;
            for (size_t x = 0; x < ng; x++, o += tp, q += mp) {
                partreg_v4 qa = V4C(q), qb = V4C(q + 4);
                double o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3];
                a0 += o0 * qa;
                b0 += o0 * qb;
                a1 += o1 * qa;
                b1 += o1 * qb;
                a2 += o2 * qa;
                b2 += o2 * qb;
                a3 += o3 * qa;
                b3 += o3 * qb;
            }
            V4(r0 + c0) = a0;
            V4(r0 + c0 + 4) = b0;
            V4(r1 + c0) = a1;
            V4(r1 + c0 + 4) = b1;
            V4(r2 + c0) = a2;
            V4(r2 + c0 + 4) = b2;
            V4(r3 + c0) = a3;
            V4(r3 + c0 + 4) = b3;
        }
        if (c0 < mp) { /* the last four columns */
            partreg_v4 a0 = V4C(r0 + c0), a1 = V4C(r1 + c0), a2 = V4C(r2 + c0),
                       a3 = V4C(r3 + c0);
            const double *o = O + t0, *q = Q + c0;
            for (size_t x = 0; x < ng; x++, o += tp, q += mp) {
                partreg_v4 qa = V4C(q);
                a0 += o[0] * qa;
                a1 += o[1] * qa;
                a2 += o[2] * qa;
                a3 += o[3] * qa;
            }
            V4(r0 + c0) = a0;
            V4(r1 + c0) = a1;
            V4(r2 + c0) = a2;
            V4(r3 + c0) = a3;
        }
    }
}

#if PARTREG_CPU_X86_ROUTES

/* Eight doubles (AVX-512), for gram_tiles_512 alone: no function takes or
 * returns one. */
typedef double cr2_v8 __attribute__((vector_size(8 * sizeof(double)), aligned(8), may_alias));
#define V8(p) (*(cr2_v8 *)(void *)(p))
#define V8C(p) (*(const cr2_v8 *)(const void *)(p))

/* Columns c0 .. c0 + 8 NZ + 4 NY - 1 of rows t0 .. t0 + NT - 1 of R held
 * in registers (NZ AVX-512 vectors and NY AVX vectors a row) while each
 * row x adds its products, in row order. Called with constants, so that
 * the loops over i and j unroll and the sums stay in registers. */
static inline __attribute__((always_inline, target("avx512f"))) void
tile_512(const double *restrict O, const double *restrict Q, size_t ng, size_t tp, size_t mp,
         double *restrict R, size_t t0, size_t c0, size_t NT, size_t NZ, size_t NY)
{
    cr2_v8 az[8][2];
    partreg_v4 ay[8];
    PARTREG_UNROLL_FULLY for (size_t i = 0; i < NT; i++)
    {
        const double *r = R + (t0 + i) * mp + c0;
        PARTREG_UNROLL_FULLY for (size_t j = 0; j < NZ; j++) az[i][j] = V8C(r + 8 * j);
        if (NY)
            ay[i] = V4C(r + 8 * NZ);
    }
    const double *o = O + t0, *q = Q + c0;
    for (size_t x = 0; x < ng; x++, o += tp, q += mp) {
        cr2_v8 qz[2];
        partreg_v4 qy = {0.0, 0.0, 0.0, 0.0};
        PARTREG_UNROLL_FULLY for (size_t j = 0; j < NZ; j++) qz[j] = V8C(q + 8 * j);
        if (NY)
            qy = V4C(q + 8 * NZ);
        PARTREG_UNROLL_FULLY for (size_t i = 0; i < NT; i++)
        {
            double oi = o[i];
            PARTREG_UNROLL_FULLY for (size_t j = 0; j < NZ; j++) az[i][j] += oi * qz[j];
            if (NY)
                ay[i] += oi * qy;
        }
    }
    PARTREG_UNROLL_FULLY for (size_t i = 0; i < NT; i++)
    {
        double *r = R + (t0 + i) * mp + c0;
        PARTREG_UNROLL_FULLY for (size_t j = 0; j < NZ; j++) V8(r + 8 * j) = az[i][j];
        if (NY)
            V4(r + 8 * NZ) = ay[i];
    }
}

/* Rows t0 .. t0 + NT - 1 of R: 16 columns at a time, then the last 4, 8
 * or 12. */
static inline __attribute__((always_inline, target("avx512f"))) void
rows_512(const double *restrict O, const double *restrict Q, size_t ng, size_t tp, size_t mp,
         double *restrict R, size_t t0, size_t NT)
{
    size_t c0 = 0;
    for (; c0 + 16 <= mp; c0 += 16)
        tile_512(O, Q, ng, tp, mp, R, t0, c0, NT, 2, 0);
    switch (mp - c0) {
    case 12: tile_512(O, Q, ng, tp, mp, R, t0, c0, NT, 1, 1); break;
    case 8: tile_512(O, Q, ng, tp, mp, R, t0, c0, NT, 1, 0); break;
    case 4: tile_512(O, Q, ng, tp, mp, R, t0, c0, NT, 0, 1); break;
    default: break;
    }
}

/* On a core with AVX-512: tiles of 8 rows of R (the last 4 alone when tp
 * is not a multiple of 8), each product added to its entry in row order
 * as in the reference. */
__attribute__((target("avx512f"), noinline)) static void
gram_tiles_512(const double *restrict O, const double *restrict Q, size_t ng, size_t tp, size_t mp,
               double *restrict R)
{
    size_t t0 = 0;
    for (; t0 + 8 <= tp; t0 += 8)
        rows_512(O, Q, ng, tp, mp, R, t0, 8);
    if (t0 < tp)
        rows_512(O, Q, ng, tp, mp, R, t0, 4);
}

/* The first pass's sums along t: 32 entries (four AVX-512 vectors) at a
 * time, then the last 4 to 28 in vectors of four. */
__attribute__((target("avx512f"), noinline)) static void
gram1_512(const double *restrict O, const double *restrict v, size_t ng, size_t tp,
          double *restrict R)
{
    size_t t0 = 0;
    for (; t0 + 32 <= tp; t0 += 32) {
        cr2_v8 a[4], b[4];
        PARTREG_UNROLL_FULLY for (size_t j = 0; j < 4; j++)
        {
            a[j] = V8C(R + t0 + 8 * j);
            b[j] = V8C(R + tp + t0 + 8 * j);
        }
        const double *o = O + t0;
        for (size_t x = 0; x < ng; x++, o += tp) {
            double vx = v[x];
            PARTREG_UNROLL_FULLY for (size_t j = 0; j < 4; j++)
            {
                cr2_v8 oj = V8C(o + 8 * j);
                a[j] += oj;
                b[j] += oj * vx;
            }
        }
        PARTREG_UNROLL_FULLY for (size_t j = 0; j < 4; j++)
        {
            V8(R + t0 + 8 * j) = a[j];
            V8(R + tp + t0 + 8 * j) = b[j];
        }
    }
    if (t0 < tp) {
        size_t nv = (tp - t0) / 4;
        partreg_v4 a[7], b[7];
        for (size_t j = 0; j < nv; j++) {
            a[j] = V4C(R + t0 + 4 * j);
            b[j] = V4C(R + tp + t0 + 4 * j);
        }
        const double *o = O + t0;
        for (size_t x = 0; x < ng; x++, o += tp) {
            double vx = v[x];
            for (size_t j = 0; j < nv; j++) {
                partreg_v4 oj = V4C(o + 4 * j);
                a[j] += oj;
                b[j] += oj * vx;
            }
        }
        for (size_t j = 0; j < nv; j++) {
            V4(R + t0 + 4 * j) = a[j];
            V4(R + tp + t0 + 4 * j) = b[j];
        }
    }
}
#endif

/* The first pass's sums along t, 16 entries (four vectors) at a time. */
static inline __attribute__((always_inline)) void
gram1_v4(const double *restrict O, const double *restrict v, size_t ng, size_t tp,
         double *restrict R)
{
    for (size_t t0 = 0; t0 < tp; t0 += 16) {
        size_t nv = tp - t0 < 16 ? (tp - t0) / 4 : 4;
        partreg_v4 a[4], b[4];
        for (size_t j = 0; j < nv; j++) {
            a[j] = V4C(R + t0 + 4 * j);
            b[j] = V4C(R + tp + t0 + 4 * j);
        }
        if (nv == 4) {
            const double *o = O + t0;
            for (size_t x = 0; x < ng; x++, o += tp) {
                double vx = v[x];
                PARTREG_UNROLL_FULLY for (size_t j = 0; j < 4; j++)
                {
                    partreg_v4 oj = V4C(o + 4 * j);
                    a[j] += oj;
                    b[j] += oj * vx;
                }
            }
        } else {
            const double *o = O + t0;
            for (size_t x = 0; x < ng; x++, o += tp) {
                double vx = v[x];
                for (size_t j = 0; j < nv; j++) {
                    partreg_v4 oj = V4C(o + 4 * j);
                    a[j] += oj;
                    b[j] += oj * vx;
                }
            }
        }
        for (size_t j = 0; j < nv; j++) {
            V4(R + t0 + 4 * j) = a[j];
            V4(R + tp + t0 + 4 * j) = b[j];
        }
    }
}


/* The tiles in vectors of four, a baseline and an AVX2 copy (v4.h). */
#define CR2_GRAM_COPY(SFX, TARGET)                                                               \
    TARGET __attribute__((noinline)) static void gram_tiles_##SFX(                               \
        const double *O, const double *Q, size_t ng, size_t tp, size_t mp, double *R)            \
    {                                                                                            \
        gram_tiles(O, Q, ng, tp, mp, R);                                                         \
    }                                                                                            \
    /* NOLINTNEXTLINE(bugprone-macro-parentheses): TARGET is an attribute */                   \
    TARGET __attribute__((noinline)) static void gram1_v4_##SFX(                                 \
        const double *O, const double *v, size_t ng, size_t tp, double *R)                       \
    {                                                                                            \
        gram1_v4(O, v, ng, tp, R);                                                               \
    }
PARTREG_V4_FOR_COPIES(CR2_GRAM_COPY)

typedef void (*gram_fn)(const double *, const double *, size_t, size_t, size_t, double *);
typedef void (*gram1_fn)(const double *, const double *, size_t, size_t, double *);
#define CR2_GRAM_ENTRY(SFX, TARGET) gram_tiles_##SFX,
#define CR2_GRAM1_ENTRY(SFX, TARGET) gram1_v4_##SFX,
static const gram_fn gram_by_copy[PARTREG_V4_COPIES] = {PARTREG_V4_FOR_COPIES(CR2_GRAM_ENTRY)};
static const gram1_fn gram1_by_copy[PARTREG_V4_COPIES] = {
    PARTREG_V4_FOR_COPIES(CR2_GRAM1_ENTRY)};

void partreg_cr2_gram1(partreg_isa isa, const double *O, const double *v, size_t ng, size_t tp,
                       double *R)
{
#if PARTREG_CPU_X86_ROUTES
    if (isa >= PARTREG_ISA_AVX512) {
        gram1_512(O, v, ng, tp, R);
        return;
    }
#endif
    gram1_by_copy[partreg_v4_copy(isa)](O, v, ng, tp, R);
}

void partreg_cr2_gram(partreg_isa isa, const double *O, const double *Q, size_t ng, size_t tp,
                      size_t mp, double *R)
{
#if PARTREG_CPU_X86_ROUTES
    if (isa >= PARTREG_ISA_AVX512) {
        gram_tiles_512(O, Q, ng, tp, mp, R);
        return;
    }
#endif
    gram_by_copy[partreg_v4_copy(isa)](O, Q, ng, tp, mp, R);
}

#else

void partreg_cr2_gram(partreg_isa isa, const double *O, const double *Q, size_t ng, size_t tp,
                      size_t mp, double *R)
{
    (void)isa;
    partreg_cr2_gram_ref(O, Q, ng, tp, mp, R);
}

void partreg_cr2_gram1(partreg_isa isa, const double *O, const double *v, size_t ng, size_t tp,
                       double *R)
{
    (void)isa;
    partreg_cr2_gram1_ref(O, v, ng, tp, R);
}

#endif
