/* The meat of the sandwich covariances (meat.h).
 *
 * HC0/HC1: M = sum_i u_i u_i' is summed per segment of the fit's passes,
 * each segment's rows in blocks of partreg_block_rows_auto(k) rows (a
 * symmetric rank update of the block's scores), and the segments added in
 * segment order: the same bits on any number of threads, from memory,
 * from a design file or from the shares of several processes (with one
 * segment, as for fewer than about 2,000 rows, the sum is the block-by-
 * block sum of a single pass).
 *
 * Clusters: S_g = sum of u_i over the rows of cluster g: each segment's
 * runs of rows of one cluster summed in row order, the runs added to
 * their clusters' sums in segment order (so with the rows anywhere, the
 * sums are the in-memory pass's of vcov.c, bit for bit). In a distributed
 * fit a process sums the clusters whose rows its segments alone hold; the
 * clusters that span processes are summed in turn, each process adding
 * its runs of them to the sums the process before it passed on, so that
 * each still takes its runs in segment order. */
#include "inference/meat.h"

#include <stdlib.h>
#include <string.h>

#include "core/team.h"
#include "models/kernels/rank_update.h"
#include "models/rows_passes.h"

/* ---- HC: segments ------------------------------------------------------- */

typedef struct meat_pass {
    const partreg_fit *fit;
    const partreg_objective *obj;
    const partreg_rows *rows; /* NULL: obj's rows, all here */
    size_t nseg, block, k, B;
    double scale;
    double **scratch, **S, **Ms, **zp; /* a member's (zp: the rank update's) */
    double *M;
} meat_pass;

/* state: the lower triangle of the segment's sum, row by row */
static int meat_segment(void *arg, size_t s, size_t t, double *state)
{
    meat_pass *m = arg;
    size_t b, e, k = m->k;
    partreg_objective_segment(m->obj, m->block, m->nseg, s, &b, &e);
    if (m->rows && !partreg_rows_mine(m->rows, b))
        return 0;
    double *S = m->S[t], *Ms = m->Ms[t], inv_scale = 1.0 / m->scale;
    memset(Ms, 0, k * k * sizeof *Ms);
    for (size_t i = b; i < e; i += m->B) {
        size_t j = e - i < m->B ? e : i + m->B;
        m->obj->row_scores(m->obj->model, m->fit->theta->data, i, j, S, m->scratch[t]);
        if (inv_scale != 1.0) /* times the exact reciprocal (a power of 2): the quotient */
            for (size_t r = 0; r < (j - i) * k; r++)
                S[r] *= inv_scale;
        partreg_info_add(partreg_route_isa(m->fit->kernel), Ms, k, k, S, k, NULL, NULL, NULL, j - i,
                         m->zp[t], m->zp[t]);
    }
    for (size_t a = 0, at = 0; a < k; a++)
        for (size_t c = 0; c <= a; c++)
            state[at++] = Ms[a * k + c];
    return 1;
}

static int meat_fold(void *arg, size_t s, const double *state)
{
    meat_pass *m = arg;
    size_t k = m->k;
    if (!state) { /* only an empty segment goes uncomputed */
        size_t b, e;
        partreg_objective_segment(m->obj, m->block, m->nseg, s, &b, &e);
        return b < e ? -1 : 0;
    }
    for (size_t a = 0, at = 0; a < k; a++)
        for (size_t c = 0; c <= a; c++)
            m->M[a * k + c] += state[at++];
    return 0;
}

partreg_status partreg_meat_rows(const partreg_fit *fit, const partreg_objective *obj,
                                 const partreg_rows *rows, double scale, double *M)
{
    size_t k = obj->k, n = obj->n, block = fit->opt.block_rows;
    size_t nseg = partreg_objective_segments(obj, block);
    /* a segment's rows in blocks of the passes' block (vcov.c's in-memory
     * pass does the same: the same bits) */
    size_t B = block ? block : partreg_block_rows_auto(k);
    if (B > n)
        B = n ? n : 1;
    partreg_rows here;
    if (!rows) { /* the pass runner needs rows only for the processes */
        partreg_rows_in_memory(&here, n, 0, NULL, NULL, NULL, NULL);
        rows = &here;
    }
    size_t per = (obj->scratch_doubles ? obj->scratch_doubles : 1) + 2 * B * k + k * k;
    size_t nt = partreg_rows_threads(rows, NULL, fit->opt.threads, per * sizeof(double));
    if (nt > nseg)
        nt = nseg;
    meat_pass m = {fit, obj, rows == &here ? NULL : rows, nseg, block, k, B, scale,
                   NULL, NULL, NULL, NULL, M};
    m.scratch = calloc(nt, sizeof *m.scratch);
    m.S = calloc(nt, sizeof *m.S);
    m.Ms = calloc(nt, sizeof *m.Ms);
    m.zp = calloc(nt, sizeof *m.zp);
    partreg_status st = m.scratch && m.S && m.Ms && m.zp ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++) {
        m.scratch[t] = malloc((obj->scratch_doubles ? obj->scratch_doubles : 1) * sizeof(double));
        m.S[t] = malloc(B * k * sizeof(double));
        m.Ms[t] = malloc(k * k * sizeof(double));
        m.zp[t] = malloc(B * k * sizeof(double));
        if (!m.scratch[t] || !m.S[t] || !m.Ms[t] || !m.zp[t])
            st = PARTREG_ENOMEM;
    }
    partreg_rows_pass rp = {rows, nseg, k * (k + 1) / 2, meat_segment, meat_fold, &m, st};
    st = partreg_rows_pass_run(&rp, NULL, nt);
    for (size_t t = 0; t < nt; t++) {
        if (m.scratch)
            free(m.scratch[t]);
        if (m.S)
            free(m.S[t]);
        if (m.Ms)
            free(m.Ms[t]);
        if (m.zp)
            free(m.zp[t]);
    }
    free(m.scratch);
    free(m.S);
    free(m.Ms);
    free(m.zp);
    return st;
}

/* ---- clusters ----------------------------------------------------------- */

/* The clusters' codes of this process's rows [b, e), into codes. */
static int read_codes(const partreg_rows *rows, const size_t *cluster, size_t b, size_t e,
                      partreg_rows_buffer *buf, const size_t **codes)
{
    if (cluster) {
        *codes = cluster + (b - (rows ? rows->first : 0));
        return 0;
    }
    partreg_rows_view v;
    if (partreg_rows_read(rows, b, e, PARTREG_ROWS_CLUSTER, buf, &v) != 0)
        return -1;
    *codes = v.cluster;
    return 0;
}

/* Where the cluster sums are added: the segments of the fit's passes
 * (block, nseg), a segment's runs of rows of one cluster each summed in
 * row order into run (k doubles) and added to its cluster's sum as it
 * ends, the segments in order: vcov.c's in-memory pass adds the same runs
 * in the same order (the same bits). */
typedef struct cluster_cut {
    size_t block, nseg;
    double *run;
    /* the objective's score_sums over each segment's runs, where it has
     * one: survey.c's PSU totals in memory do the same (its bits) */
    int by_runs;
} cluster_cut;

/* Sg[g] += a segment's runs' sums from the model's score_sums (one call a
 * segment, as survey.c's psu_totals makes it). */
static partreg_status sum_segment_runs(const partreg_fit *fit, const partreg_objective *obj,
                                       const partreg_rows *rows, const size_t *cluster,
                                       size_t sb, size_t se, const unsigned char *select,
                                       unsigned char want, double scale, double *Sg,
                                       size_t n_clusters, size_t *bad, double *scratch,
                                       partreg_rows_buffer *buf, unsigned char *mark)
{
    size_t k = obj->k, B = buf->cap, nr = 0, len = se - sb;
    size_t *start = malloc((len ? len : 1) * sizeof *start);
    size_t *code = malloc((len ? len : 1) * sizeof *code);
    double *sums = NULL;
    partreg_status st = start && code ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t i = sb; st == PARTREG_OK && i < se; i += B) {
        size_t j = se - i < B ? se : i + B;
        const size_t *codes;
        if (read_codes(rows, cluster, i, j, buf, &codes) != 0) {
            st = PARTREG_EIO;
            break;
        }
        for (size_t r = 0; r < j - i; r++) {
            if (codes[r] >= n_clusters) {
                *bad = i + r;
                st = PARTREG_EINVAL;
                break;
            }
            if (mark)
                mark[codes[r]] = 1;
            if (nr == 0 || codes[r] != code[nr - 1]) { /* (nr == 0: the first row) */
                start[nr] = i + r;
                code[nr++] = codes[r];
            }
        }
    }
    if (st == PARTREG_OK && !(sums = calloc((nr ? nr : 1) * k, sizeof *sums)))
        st = PARTREG_ENOMEM;
    if (st == PARTREG_OK) {
        obj->score_sums(obj->model, fit->theta->data, sb, se, start, nr, 1.0 / scale, sums,
                        scratch);
        for (size_t q = 0; q < nr; q++)
            if (!select || select[code[q]] == want)
                for (size_t c = 0; c < k; c++)
                    Sg[code[q] * k + c] += sums[q * k + c];
    }
    free(start);
    free(code);
    free(sums);
    return st;
}

/* Sg[g] += the runs of the segments of this process that lie in [b, e)
 * (segments never straddle b or e: callers give whole segments), for the
 * clusters selected (select NULL: all), rows read in blocks of buf->cap. */
static partreg_status sum_rows(const partreg_fit *fit, const partreg_objective *obj,
                               const partreg_rows *rows, const size_t *cluster, size_t b, size_t e,
                               const unsigned char *select, unsigned char want, double scale,
                               double *Sg, size_t n_clusters, size_t *bad, double *S,
                               double *scratch, partreg_rows_buffer *buf, unsigned char *mark,
                               const cluster_cut *cut)
{
    size_t k = obj->k, B = buf->cap;
    double inv_scale = 1.0 / scale, *run = cut->run;
    for (size_t s = 0; s < cut->nseg; s++) {
        size_t sb, se;
        partreg_objective_segment(obj, cut->block, cut->nseg, s, &sb, &se);
        if (sb >= se || sb < b || sb >= e)
            continue;
        if (cut->by_runs && obj->score_sums) {
            partreg_status st = sum_segment_runs(fit, obj, rows, cluster, sb, se, select, want,
                                                 scale, Sg, n_clusters, bad, scratch, buf, mark);
            if (st != PARTREG_OK)
                return st;
            continue;
        }
        size_t g_run = 0;
        for (size_t i = sb; i < se; i += B) {
            size_t j = se - i < B ? se : i + B;
            const size_t *codes;
            if (read_codes(rows, cluster, i, j, buf, &codes) != 0)
                return PARTREG_EIO;
            for (size_t r = 0; r < j - i; r++) {
                if (codes[r] >= n_clusters) {
                    *bad = i + r;
                    return PARTREG_EINVAL;
                }
                if (mark)
                    mark[codes[r]] = 1;
            }
            /* the scores read X, y and w only: the codes in buf stay */
            obj->row_scores(obj->model, fit->theta->data, i, j, S, scratch);
            for (size_t r = 0; r < j - i; r++) {
                size_t g = codes[r];
                if (i + r == sb || g != g_run) { /* a run ends, another begins */
                    if (i + r != sb && (!select || select[g_run] == want))
                        for (size_t c = 0; c < k; c++)
                            Sg[g_run * k + c] += run[c];
                    memset(run, 0, k * sizeof *run);
                    g_run = g;
                }
                const double *u = S + r * k;
                for (size_t c = 0; c < k; c++) /* times the exact reciprocal: the quotient */
                    run[c] += u[c] * inv_scale;
            }
        }
        if (!select || select[g_run] == want)
            for (size_t c = 0; c < k; c++)
                Sg[g_run * k + c] += run[c];
    }
    return PARTREG_OK;
}

/* The rows of the segments whose first row is this process's: [*b, *e)
 * (empty when it has none). */
static void own_segments(const partreg_objective *obj, const partreg_rows *rows,
                         const cluster_cut *cut, size_t *b, size_t *e)
{
    *b = *e = 0;
    int any = 0;
    for (size_t s = 0; s < cut->nseg; s++) {
        size_t sb, se;
        partreg_objective_segment(obj, cut->block, cut->nseg, s, &sb, &se);
        if (sb >= se || !partreg_rows_mine(rows, sb))
            continue;
        if (!any)
            *b = sb;
        *e = se;
        any = 1;
    }
}

/* The distributed parts: which clusters span shares, and the sums passed
 * from process to process. */
static partreg_status clusters_distributed(const partreg_fit *fit, const partreg_objective *obj,
                                           const partreg_rows *rows, const size_t *cluster,
                                           size_t n_clusters, double scale, double *Sg,
                                           size_t *G, size_t *bad, double *S, double *scratch,
                                           partreg_rows_buffer *buf, const cluster_cut *cut)
{
    const partreg_comm *comm = rows->comm;
    size_t q = (size_t)comm->size, me = (size_t)comm->rank, k = obj->k;
    size_t b0, e0; /* the rows of this process's segments */
    own_segments(obj, rows, cut, &b0, &e0);
    unsigned char *here = calloc(n_clusters ? n_clusters : 1, 1);
    unsigned char *span = calloc(n_clusters ? n_clusters : 1, 1);
    size_t *bytes = malloc(q * sizeof *bytes);
    void *all = NULL;
    partreg_status st = here && span && bytes ? PARTREG_OK : PARTREG_ENOMEM;
    /* 1. the clusters of each share */
    for (size_t i = b0; st == PARTREG_OK && i < e0; i += buf->cap) {
        size_t j = e0 - i < buf->cap ? e0 : i + buf->cap;
        const size_t *codes;
        if (read_codes(rows, cluster, i, j, buf, &codes) != 0) {
            st = PARTREG_EIO;
            break;
        }
        for (size_t r = 0; r < j - i; r++) {
            if (codes[r] >= n_clusters) {
                *bad = i + r;
                st = PARTREG_EINVAL;
                break;
            }
            here[codes[r]] = 1;
        }
    }
    st = partreg_comm_agree(comm, st, NULL);
    if (st == PARTREG_OK &&
        comm->ops->allgather(comm->ctx, here, n_clusters, &all, bytes) != 0)
        st = PARTREG_EIO;
    st = partreg_comm_agree(comm, st, NULL);
    if (st != PARTREG_OK || !all || !span || !here)
        goto cleanup;
    *G = 0;
    for (size_t g = 0; g < n_clusters; g++) {
        size_t holders = 0;
        for (size_t t = 0; t < q; t++)
            holders += ((const unsigned char *)all)[t * n_clusters + g];
        span[g] = holders > 1;
        *G += holders > 0;
    }
    free(all);
    all = NULL;
    /* 2. the clusters this share alone holds */
    st = sum_rows(fit, obj, rows, cluster, b0, e0, span, 0, scale, Sg, n_clusters, bad, S,
                  scratch, buf, NULL, cut);
    st = partreg_comm_agree(comm, st, NULL);
    if (st != PARTREG_OK)
        goto cleanup;
    /* 3. the spanning clusters, in turn: each process adds its rows to the
     * sums the one before passed on */
    size_t n_span = 0;
    for (size_t g = 0; g < n_clusters; g++)
        n_span += span[g];
    double *carry = malloc((n_span * k > 0 ? n_span * k : 1) * sizeof *carry);
    const void **send = calloc(q, sizeof *send);
    size_t *send_bytes = calloc(q, sizeof *send_bytes);
    if (!carry || !send || !send_bytes)
        st = PARTREG_ENOMEM;
    st = partreg_comm_agree(comm, st, NULL);
    /* (carry, send and send_bytes are there on every process when st is
     * OK: the agreement above) */
    for (size_t turn = 0; st == PARTREG_OK && carry && send && send_bytes && n_span && turn < q;
         turn++) {
        if (turn == me) {
            st = sum_rows(fit, obj, rows, cluster, b0, e0, span, 1, scale, Sg, n_clusters, bad,
                          S, scratch, buf, NULL, cut);
            for (size_t g = 0, at = 0; g < n_clusters; g++)
                if (span[g])
                    memcpy(carry + (at++) * k, Sg + g * k, k * sizeof *carry);
        }
        /* pass the sums on: to the next process, or from the last to all */
        memset(send_bytes, 0, q * sizeof *send_bytes);
        if (turn == me) {
            for (size_t t = 0; t < q; t++)
                if (turn + 1 == q ? t != me : t == turn + 1) {
                    send[t] = carry;
                    send_bytes[t] = n_span * k * sizeof *carry;
                }
        }
        if (comm->ops->alltoall(comm->ctx, send, send_bytes, &all, bytes) != 0)
            st = PARTREG_EIO;
        else if (bytes[turn] == n_span * k * sizeof *carry) {
            const double *got = all;
            for (size_t g = 0, at = 0; g < n_clusters; g++)
                if (span[g])
                    memcpy(Sg + g * k, got + (at++) * k, k * sizeof *Sg);
        }
        free(all);
        all = NULL;
        st = partreg_comm_agree(comm, st, NULL);
    }
    free(carry);
    free(send);
    free(send_bytes);
    if (st != PARTREG_OK)
        goto cleanup;
    /* 4. every process's own clusters to all */
    {
        size_t mine = 0;
        for (size_t g = 0; g < n_clusters; g++)
            mine += here[g] && !span[g];
        double *out = malloc((mine ? mine : 1) * (k + 1) * sizeof *out);
        if (!out)
            st = PARTREG_ENOMEM;
        for (size_t g = 0, at = 0; out && g < n_clusters; g++) {
            if (!here[g] || span[g])
                continue;
            out[at * (k + 1)] = (double)g;
            memcpy(out + at * (k + 1) + 1, Sg + g * k, k * sizeof *out);
            at++;
        }
        st = partreg_comm_agree(comm, st, NULL);
        if (st == PARTREG_OK &&
            comm->ops->allgather(comm->ctx, out, mine * (k + 1) * sizeof *out, &all, bytes) != 0)
            st = PARTREG_EIO;
        if (st == PARTREG_OK) {
            size_t total = 0;
            for (size_t t = 0; t < q; t++)
                total += bytes[t] / sizeof(double);
            const double *got = all;
            for (size_t i = 0; i + k + 1 <= total; i += k + 1)
                memcpy(Sg + (size_t)got[i] * k, got + i + 1, k * sizeof *Sg);
        }
        free(out);
        st = partreg_comm_agree(comm, st, NULL);
    }
cleanup:
    free(all);
    free(here);
    free(span);
    free(bytes);
    return st;
}

static partreg_status meat_groups(const partreg_fit *fit, const partreg_objective *obj,
                                  const partreg_rows *rows, const size_t *cluster,
                                  size_t n_clusters, double scale, double *Sg, size_t *G,
                                  size_t *bad, int by_runs)
{
    size_t k = obj->k, n = obj->n, B = partreg_block_rows_auto(k);
    if (B > n)
        B = n ? n : 1;
    partreg_rows none, codes;
    partreg_rows_in_memory(&none, n, 0, NULL, NULL, NULL, NULL);
    const partreg_rows *r = rows ? rows : &none;
    cluster_cut cut = {fit->opt.block_rows, 0, calloc(k ? k : 1, sizeof(double)), by_runs};
    cut.nseg = partreg_objective_segments(obj, cut.block);
    partreg_status st = cut.run ? PARTREG_OK : PARTREG_ENOMEM;
    int own_codes = 0;
    if (r->comm && r->comm->size > 1 && cluster) {
        /* the caller's codes of this process's share: a segment that
         * starts in it may end in the next share, whose codes are fetched
         * with its rows (the codes are then the rows' own) */
        codes = *r;
        codes.cluster = cluster;
        codes.clustered = 1;
        codes.ghost_X = codes.ghost_y = codes.ghost_w = NULL;
        codes.ghost_cluster = NULL;
        codes.reach = codes.first + codes.count;
        if (codes.file) /* a design file's codes are its own */
            st = PARTREG_EUNSUPPORTED;
        st = partreg_comm_agree(r->comm, st, NULL);
        size_t b0, e0;
        own_segments(obj, &codes, &cut, &b0, &e0);
        if (e0 < codes.reach)
            e0 = codes.reach;
        if (st == PARTREG_OK)
            st = partreg_rows_reach(&codes, e0);
        own_codes = 1;
        r = &codes;
        cluster = NULL;
    }
    double *S = malloc((B * k > 0 ? B * k : 1) * sizeof *S);
    double *scratch = malloc((obj->scratch_doubles ? obj->scratch_doubles : 1) * sizeof *scratch);
    partreg_rows_buffer buf;
    memset(&buf, 0, sizeof buf);
    int have_buf = partreg_rows_buffer_alloc(r, B, &buf) == 0;
    buf.cap = B;
    if (st == PARTREG_OK && !(S && scratch && have_buf))
        st = PARTREG_ENOMEM;
    if (r->comm && r->comm->size > 1) {
        st = partreg_comm_agree(r->comm, st, NULL);
        if (st == PARTREG_OK)
            st = clusters_distributed(fit, obj, r, cluster, n_clusters, scale, Sg, G, bad, S,
                                      scratch, &buf, &cut);
    } else if (st == PARTREG_OK) {
        unsigned char *mark = calloc(n_clusters ? n_clusters : 1, 1);
        st = mark ? sum_rows(fit, obj, r, cluster, 0, n, NULL, 0, scale, Sg, n_clusters, bad, S,
                             scratch, &buf, mark, &cut)
                  : PARTREG_ENOMEM;
        *G = 0;
        for (size_t g = 0; mark && g < n_clusters; g++)
            *G += mark[g];
        free(mark);
    }
    free(S);
    free(scratch);
    free(cut.run);
    if (own_codes)
        partreg_rows_release(&codes);
    if (have_buf)
        partreg_rows_buffer_free(&buf);
    return st;
}

partreg_status partreg_meat_clusters(const partreg_fit *fit, const partreg_objective *obj,
                                     const partreg_rows *rows, const size_t *cluster,
                                     size_t n_clusters, double scale, double *Sg, size_t *G,
                                     size_t *bad)
{
    return meat_groups(fit, obj, rows, cluster, n_clusters, scale, Sg, G, bad, 0);
}

partreg_status partreg_meat_psu_totals(const partreg_fit *fit, const partreg_objective *obj,
                                       const partreg_rows *rows, const size_t *psu, size_t n_psu,
                                       double scale, double *z, size_t *G, size_t *bad)
{
    return meat_groups(fit, obj, rows, psu, n_psu, scale, z, G, bad, 1);
}
