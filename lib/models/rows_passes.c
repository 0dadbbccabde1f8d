/* A fit's passes over rows that are not one array (rows_passes.h).
 *
 * Each pass is the in-memory pass cut the same way: the same segments
 * (partreg_segment_count of the same n, k and block), each segment's rows
 * read whole into a member's buffer and given to the same code as a view
 * of those rows alone, and the segment states merged in segment order. A
 * segment's state depends only on its rows and their order, so the sums
 * are the in-memory sums bit for bit, wherever the rows were read from.
 *
 * With a communicator each process computes the segments whose first row
 * is in its share (it holds every row they reach: partreg_rows_reach),
 * the states travel to every process a window at a time, and every
 * process merges all of them in segment order: every process has the
 * same sums, and the same as one process with all the rows. */
#include "models/rows_passes.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/kernels/outcome_sums.h"

/* States a pass holds at once (doubles), at least one segment's. */
#define WINDOW_DOUBLES ((size_t)1 << 20)

size_t partreg_rows_threads(const partreg_rows *rows, partreg_team *team, int threads,
                            size_t bytes)
{
    size_t nt = partreg_team_threads(team, threads, rows->count,
                                     team ? PARTREG_TEAM_MIN_ROWS : PARTREG_MIN_ROWS_PER_THREAD);
    if (rows->memory && bytes) {
        size_t fit = rows->memory / bytes;
        if (nt > fit)
            nt = fit ? fit : 1;
    }
    return nt;
}

/* ---- the generic pass -------------------------------------------------- */

typedef struct window {
    const partreg_rows_pass *rp;
    size_t first;          /* the window's first segment */
    double *states;        /* count x doubles */
    unsigned char *done;   /* count flags */
} window;

static void window_segment(void *arg, size_t s, size_t t)
{
    window *w = arg;
    const partreg_rows_pass *rp = w->rp;
    double *state = w->states + s * rp->doubles;
    w->done[s] = (unsigned char)(rp->segment(rp->arg, w->first + s, t, state) != 0);
}

/* Every process's computed states of the window to every process, with
 * its status: *got receives, per segment of the window, the state (NULL
 * when none); the status returned is the failure of the lowest-ranked
 * process that failed (its own `st`, a segment computed twice, a failed
 * exchange), so every process returns the same. One collective a window:
 * a distributed pass costs one exchange. */
static partreg_status exchange(const partreg_comm *comm, const window *w, size_t count,
                               partreg_status st, double *merged, const double **got)
{
    size_t D = w->rp->doubles, mine = 0;
    for (size_t s = 0; st == PARTREG_OK && s < count; s++)
        mine += w->done[s];
    /* the status, then (segment, state) pairs, the segment as a double */
    double *send = malloc((1 + mine * (D + 1)) * sizeof *send);
    size_t *bytes = malloc((size_t)comm->size * sizeof *bytes);
    void *recv = NULL;
    for (size_t s = 0; s < count; s++)
        got[s] = NULL;
    if (!bytes) { /* cannot take part: the others' exchange fails with ours */
        free(send);
        return PARTREG_ENOMEM;
    }
    double fallback = (double)PARTREG_ENOMEM; /* our failure, with nothing else */
    if (send) {
        send[0] = (double)st;
        for (size_t s = 0, at = 0; st == PARTREG_OK && s < count; s++) {
            if (!w->done[s])
                continue;
            send[1 + at * (D + 1)] = (double)s;
            memcpy(send + 1 + at * (D + 1) + 1, w->states + s * D, D * sizeof *send);
            at++;
        }
    }
    size_t len = send ? (1 + (st == PARTREG_OK ? mine : 0) * (D + 1)) * sizeof *send
                      : sizeof fallback;
    if (comm->ops->allgather(comm->ctx, send ? (const void *)send : &fallback, len, &recv,
                             bytes) != 0) {
        free(send);
        free(bytes);
        return PARTREG_EIO;
    }
    partreg_status out = PARTREG_OK;
    const double *at = recv;
    for (int q = 0; q < comm->size; q++) {
        size_t nd = bytes[q] / sizeof(double);
        partreg_status their = nd ? (partreg_status)(int)at[0] : PARTREG_EIO;
        if (their != PARTREG_OK && out == PARTREG_OK)
            out = their;
        for (size_t i = 1; out == PARTREG_OK && i + D + 1 <= nd; i += D + 1) {
            size_t s = (size_t)at[i];
            if (s >= count || got[s]) { /* a segment computed twice */
                out = PARTREG_EIO;
                break;
            }
            memcpy(merged + s * D, at + i + 1, D * sizeof *merged);
            got[s] = merged + s * D;
        }
        at += nd;
    }
    free(send);
    free(bytes);
    free(recv);
    return out;
}

partreg_status partreg_rows_pass_run(const partreg_rows_pass *rp, partreg_team *team, size_t nt)
{
    size_t D = rp->doubles ? rp->doubles : 1, nseg = rp->nseg;
    size_t win = WINDOW_DOUBLES / D;
    if (win > nseg)
        win = nseg;
    if (win < 1)
        win = 1;
    if (nt > win)
        nt = win;
    if (nt < 1)
        nt = 1;
    const partreg_comm *comm = rp->rows->comm && rp->rows->comm->size > 1 ? rp->rows->comm : NULL;
    window w = {rp, 0, NULL, NULL};
    w.states = malloc(win * D * sizeof *w.states);
    w.done = calloc(win ? win : 1, 1);
    double *merged = comm ? malloc(win * D * sizeof *merged) : NULL;
    const double **got = calloc(win, sizeof *got);
    partreg_status st = rp->status;
    if (st == PARTREG_OK && !(w.states && w.done && got && (!comm || merged)))
        st = PARTREG_ENOMEM;
    for (w.first = 0; w.first < nseg; w.first += win) {
        size_t count = nseg - w.first < win ? nseg - w.first : win;
        if (st != PARTREG_OK && !comm)
            break;
        if (st == PARTREG_OK)
            partreg_team_run_segments(team, nt, count, window_segment, &w);
        if (comm) { /* collective: every process takes part, failed or not */
            const double *none[1] = {NULL};
            st = got && merged ? exchange(comm, &w, count, st, merged, got)
                               : exchange(comm, &w, 0, st, NULL, none);
        } else {
            for (size_t s = 0; s < count; s++)
                got[s] = w.done[s] ? w.states + s * D : NULL;
        }
        /* the fold is the same on every process (the same states) */
        for (size_t s = 0; st == PARTREG_OK && got && s < count; s++)
            if (rp->fold(rp->arg, w.first + s, got[s]) != 0)
                st = PARTREG_EIO;
    }
    free(w.states);
    free(w.done);
    free(merged);
    free(got);
    return st;
}

/* The end of the last segment of a cut (n rows in blocks of `block` into
 * nseg) that starts in this process's share. */
static size_t share_reach(const partreg_rows *rows, size_t block, size_t nseg)
{
    size_t end = rows->first + rows->count;
    for (size_t s = 0; s < nseg; s++) {
        size_t b, e;
        partreg_segment_rows(rows->n, block, nseg, s, &b, &e);
        if (partreg_rows_mine(rows, b) && e > end)
            end = e;
    }
    return end;
}

/* The most rows a segment of the cut has. */
static size_t most_rows(size_t n, size_t block, size_t nseg)
{
    size_t most = 0;
    for (size_t s = 0; s < nseg; s++) {
        size_t b, e;
        partreg_segment_rows(n, block, nseg, s, &b, &e);
        if (e - b > most)
            most = e - b;
    }
    return most;
}

/* Buffers for nt members of cap rows each. */
static partreg_rows_buffer *buffers_alloc(const partreg_rows *rows, size_t nt, size_t cap)
{
    partreg_rows_buffer *buf = calloc(nt ? nt : 1, sizeof *buf);
    for (size_t t = 0; buf && t < nt; t++) {
        if (partreg_rows_buffer_alloc(rows, cap, &buf[t]) != 0) {
            for (size_t u = 0; u < t; u++)
                partreg_rows_buffer_free(&buf[u]);
            free(buf);
            return NULL;
        }
    }
    return buf;
}

static void buffers_free(partreg_rows_buffer *buf, size_t nt)
{
    for (size_t t = 0; buf && t < nt; t++)
        partreg_rows_buffer_free(&buf[t]);
    free(buf);
}

/* ---- validation: outcome_sums ------------------------------------------ */

typedef struct sums_arg {
    partreg_rows *rows;
    size_t J, nseg;
    partreg_rows_buffer *buf;
    double *W, *sum_w;
    size_t *n_pos;
    int bad, io;
    partreg_isa isa;
} sums_arg;

/* state: sum_w, n_pos, bad (0, 1 or -1), W[J] */
static int sums_segment(void *arg, size_t s, size_t t, double *state)
{
    sums_arg *a = arg;
    size_t b, e;
    partreg_segment_rows(a->rows->n, 1, a->nseg, s, &b, &e);
    if (!partreg_rows_mine(a->rows, b))
        return 0;
    partreg_rows_view v;
    if (partreg_rows_read(a->rows, b, e, PARTREG_ROWS_Y | PARTREG_ROWS_W, &a->buf[t], &v) != 0) {
        memset(state, 0, (3 + a->J) * sizeof *state);
        state[2] = -2.0;
        return 1;
    }
    size_t n_pos = 0;
    memset(state + 3, 0, a->J * sizeof *state);
    int bad = partreg_outcome_sums(a->isa, v.y, a->rows->weighted ? v.w : NULL, e - b, a->J,
                                   a->J <= a->rows->n ? state + 3 : NULL, &state[0], &n_pos);
    state[1] = (double)n_pos;
    state[2] = bad;
    return 1;
}

static int sums_fold(void *arg, size_t s, const double *state)
{
    sums_arg *a = arg;
    (void)s;
    if (!state)
        return -1;
    int bad = (int)state[2];
    if (bad == -2)
        a->io = 1;
    else
        a->bad = bad < 0 ? -1 : a->bad < 0 ? a->bad : a->bad | bad;
    *a->sum_w += state[0];
    *a->n_pos += (size_t)state[1];
    for (size_t c = 0; a->W && c < a->J; c++)
        a->W[c] += state[3 + c];
    return 0;
}

partreg_status partreg_rows_outcome_sums(partreg_rows *rows, partreg_team *team, int threads,
                                         partreg_isa isa, size_t J, double *W, double *sum_w, size_t *n_pos,
                                         int *bad)
{
    size_t nseg = partreg_segment_count(rows->n, J, 1);
    partreg_status st = partreg_rows_reach(rows, share_reach(rows, 1, nseg));
    size_t cap = most_rows(rows->n, 1, nseg);
    size_t nt = partreg_rows_threads(rows, team, threads, partreg_rows_buffer_bytes(rows, cap));
    if (nt > nseg)
        nt = nseg;
    *sum_w = 0.0;
    *n_pos = 0;
    sums_arg a = {rows, J, nseg, buffers_alloc(rows, nt, cap), W, sum_w, n_pos, 0, 0, isa};
    if (st == PARTREG_OK && !a.buf)
        st = PARTREG_ENOMEM;
    /* one segment or many, the fold adds each into zeroed sums: the same
     * bits as partreg_outcome_sums_on (weights are >= 0, so no sum is -0);
     * a failure so far is this process's status for the pass, which every
     * process then returns */
    partreg_rows_pass rp = {rows, nseg, 3 + J, sums_segment, sums_fold, &a, st};
    st = partreg_rows_pass_run(&rp, team, nt);
    if (st == PARTREG_OK && a.io)
        st = PARTREG_EIO;
    buffers_free(a.buf, nt);
    *bad = a.bad;
    return st;
}

/* ---- scans for the first bad row --------------------------------------- */

/* Rows of this process's share in chunks of SCAN_ROWS. */
#define SCAN_ROWS 65536

/* The smallest of every process's (row, a, b, c) by row. */
static partreg_status lowest(const partreg_rows *rows, double *q4)
{
    if (!rows->comm || rows->comm->size == 1)
        return PARTREG_OK;
    size_t P = (size_t)rows->comm->size;
    double *all = malloc(P * 4 * sizeof *all);
    if (!all || partreg_comm_gather_doubles(rows->comm, q4, 4, all) != 0) {
        free(all);
        return PARTREG_EIO;
    }
    for (size_t q = 0; q < P; q++)
        if (all[4 * q] < q4[0])
            memcpy(q4, all + 4 * q, 4 * sizeof *q4);
    free(all);
    return PARTREG_OK;
}

partreg_status partreg_rows_first_bad_outcome(const partreg_rows *rows, size_t J, size_t *row,
                                              double *y, double *w)
{
    partreg_rows_buffer buf;
    double found[4] = {(double)rows->n, 0.0, 1.0, 0.0};
    if (partreg_rows_buffer_alloc(rows, SCAN_ROWS, &buf) != 0)
        return PARTREG_ENOMEM;
    size_t own_end = rows->first + rows->count;
    partreg_status st = PARTREG_OK;
    for (size_t b = rows->first; b < own_end && found[0] == (double)rows->n; b += SCAN_ROWS) {
        size_t e = own_end - b < SCAN_ROWS ? own_end : b + SCAN_ROWS;
        partreg_rows_view v;
        if (partreg_rows_read(rows, b, e, PARTREG_ROWS_Y | PARTREG_ROWS_W, &buf, &v) != 0) {
            st = PARTREG_EIO;
            break;
        }
        for (size_t i = 0; i < e - b; i++) {
            double yi = v.y[i], wi = rows->weighted ? v.w[i] : 1.0;
            int ok = yi >= 0 && yi < (double)J && yi == floor(yi) && isfinite(wi) && wi >= 0;
            if (!ok) {
                found[0] = (double)(b + i);
                found[1] = yi;
                found[2] = wi;
                break;
            }
        }
    }
    partreg_rows_buffer_free(&buf);
    if (rows->comm)
        st = partreg_comm_agree(rows->comm, st, NULL);
    if (st == PARTREG_OK)
        st = lowest(rows, found);
    *row = (size_t)found[0];
    *y = found[1];
    *w = found[2];
    return st;
}

partreg_status partreg_rows_first_small_weight(const partreg_rows *rows, double limit,
                                               size_t *row, double *w)
{
    partreg_rows_buffer buf;
    double found[4] = {(double)rows->n, 0.0, 0.0, 0.0};
    if (partreg_rows_buffer_alloc(rows, SCAN_ROWS, &buf) != 0)
        return PARTREG_ENOMEM;
    size_t own_end = rows->first + rows->count;
    partreg_status st = PARTREG_OK;
    for (size_t b = rows->first; rows->weighted && b < own_end && found[0] == (double)rows->n;
         b += SCAN_ROWS) {
        size_t e = own_end - b < SCAN_ROWS ? own_end : b + SCAN_ROWS;
        partreg_rows_view v;
        if (partreg_rows_read(rows, b, e, PARTREG_ROWS_W, &buf, &v) != 0) {
            st = PARTREG_EIO;
            break;
        }
        for (size_t i = 0; i < e - b; i++)
            if (v.w[i] > 0 && v.w[i] < limit) {
                found[0] = (double)(b + i);
                found[1] = v.w[i];
                break;
            }
    }
    partreg_rows_buffer_free(&buf);
    if (rows->comm)
        st = partreg_comm_agree(rows->comm, st, NULL);
    if (st == PARTREG_OK)
        st = lowest(rows, found);
    *row = (size_t)found[0];
    *w = found[1];
    return st;
}

partreg_status partreg_rows_first_nonfinite(const partreg_rows *rows, size_t *row, size_t *col,
                                            double *value)
{
    partreg_rows_buffer buf;
    double found[4] = {(double)rows->n, 0.0, 0.0, 0.0};
    if (partreg_rows_buffer_alloc(rows, SCAN_ROWS, &buf) != 0)
        return PARTREG_ENOMEM;
    size_t own_end = rows->first + rows->count, p = rows->p;
    partreg_status st = PARTREG_OK;
    for (size_t b = rows->first; b < own_end && found[0] == (double)rows->n; b += SCAN_ROWS) {
        size_t e = own_end - b < SCAN_ROWS ? own_end : b + SCAN_ROWS;
        partreg_rows_view v;
        if (partreg_rows_read(rows, b, e, PARTREG_ROWS_X, &buf, &v) != 0) {
            st = PARTREG_EIO;
            break;
        }
        for (size_t i = 0; i < (e - b) * p; i++) {
            if (!isfinite(v.X[i])) {
                size_t at_row = b + i / p, at_col = i % p;
                found[0] = (double)at_row;
                found[1] = (double)at_col;
                found[2] = v.X[i];
                break;
            }
        }
    }
    partreg_rows_buffer_free(&buf);
    if (rows->comm)
        st = partreg_comm_agree(rows->comm, st, NULL);
    if (st == PARTREG_OK)
        st = lowest(rows, found);
    *row = (size_t)found[0];
    *col = (size_t)found[1];
    *value = found[2];
    return st;
}

/* ---- screening ----------------------------------------------------------- */

typedef struct screen_arg {
    partreg_rows *rows;
    size_t nseg, block, p;
    partreg_rows_buffer *buf;
    partreg_screen_moments **seg; /* a member's segment state */
    partreg_screen_moments *all;  /* the merge */
    int io;
} screen_arg;

/* state: partreg_screen_state_doubles(p), or a first entry of -1 on a
 * read error */
static int screen_segment(void *arg, size_t s, size_t t, double *state)
{
    screen_arg *a = arg;
    size_t b, e;
    partreg_segment_rows(a->rows->n, a->block, a->nseg, s, &b, &e);
    if (!partreg_rows_mine(a->rows, b))
        return 0;
    partreg_rows_view v;
    if (partreg_rows_read(a->rows, b, e, PARTREG_ROWS_X | PARTREG_ROWS_W, &a->buf[t], &v) != 0) {
        state[0] = -1.0;
        return 1;
    }
    partreg_data view = {e - b, a->p, v.X, a->p, v.y, a->rows->weighted ? v.w : NULL, 0, NULL,
                         NULL};
    partreg_screen_moments_segment(a->seg[t], &view);
    partreg_screen_moments_pack(a->seg[t], a->p, state);
    return 1;
}

static int screen_fold(void *arg, size_t s, const double *state)
{
    screen_arg *a = arg;
    (void)s;
    if (!state)
        return -1;
    if (state[0] < 0) {
        a->io = 1;
        return 0;
    }
    partreg_screen_moments_merge_packed(a->all, state, a->p);
    return 0;
}

partreg_status partreg_rows_screen(partreg_rows *rows, const unsigned char *group,
                                   int thresholds, double tol,
                                   partreg_team *team, int threads, partreg_isa isa,
                                   unsigned char *why,
                                   size_t *kept, size_t *pk, int *has_intercept,
                                   size_t *intercept_col, double *intercept_value,
                                   partreg_screen_offset *offset)
{
    size_t block, p = rows->p, nseg = partreg_screen_segments(rows->n, p, &block);
    partreg_status st = partreg_rows_reach(rows, share_reach(rows, block, nseg));
    size_t cap = most_rows(rows->n, block, nseg);
    size_t nt = partreg_rows_threads(rows, team, threads, partreg_rows_buffer_bytes(rows, cap));
    if (nt > nseg)
        nt = nseg;
    partreg_data shape = {0, p, NULL, p, NULL, NULL, 0, NULL, NULL};
    double one = 1.0;
    if (rows->weighted)
        shape.w = &one;
    screen_arg a = {rows, nseg, block, p, buffers_alloc(rows, nt, cap), NULL, NULL, 0};
    a.seg = calloc(nt ? nt : 1, sizeof(partreg_screen_moments *));
    a.all = partreg_screen_moments_new(&shape, isa);
    if (st == PARTREG_OK && !(a.buf && a.seg && a.all))
        st = PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++)
        if (!(a.seg[t] = partreg_screen_moments_new(&shape, isa)))
            st = PARTREG_ENOMEM;
    if (a.all)
        partreg_screen_moments_reset(a.all, p);
    partreg_rows_pass rp = {rows, nseg, partreg_screen_state_doubles(p), screen_segment,
                            screen_fold, &a, st};
    st = partreg_rows_pass_run(&rp, team, nt);
    if (st == PARTREG_OK && a.io)
        st = PARTREG_EIO;
    if (st == PARTREG_OK)
        st = partreg_screen_moments_classify(a.all, p, group, thresholds, tol, why, kept, pk,
                                             has_intercept, intercept_col, intercept_value,
                                             offset);
    for (size_t t = 0; a.seg && t < nt; t++)
        partreg_screen_moments_free(a.seg[t]);
    free(a.seg);
    partreg_screen_moments_free(a.all);
    buffers_free(a.buf, nt);
    return st;
}

/* ---- the objective --------------------------------------------------------- */

/* The wrapper's scratch: [0] the pass's first call, [1] set when a call
 * computed rows here, then the model objective's scratch, then the row
 * buffer. */
#define HEADER 4

static void rows_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                            partreg_order order, partreg_accum *acc, double *scratch)
{
    const partreg_rows_objective *ro = model;
    const partreg_rows *r = ro->rows;
    if (!partreg_rows_mine(r, begin)) /* another process's segment */
        return;
    double *inner = scratch + HEADER;
    if (scratch[0] == 0.0) { /* this member's first call of the pass (objective.h) */
        inner[0] = 0.0;
        scratch[0] = 1.0;
    }
    scratch[1] = 1.0;
    partreg_rows_buffer buf;
    partreg_rows_buffer_place(r, ro->cap, inner + ro->inner_scratch, &buf);
    partreg_rows_view v;
    if (end - begin > ro->cap ||
        partreg_rows_read(r, begin, end, PARTREG_ROWS_X | PARTREG_ROWS_Y | PARTREG_ROWS_W, &buf,
                          &v) != 0) {
        *ro->io_error = 1;
        acc->nonfinite = 1;
        return;
    }
    partreg_rows_will_read(r, end, end + (end - begin)); /* the next segment, likely */
    partreg_design d = ro->tmpl;
    d.n = end - begin;
    d.X = v.X;
    d.y = v.y;
    d.w = r->weighted ? v.w : NULL;
    d.row0 = begin;
    partreg_objective io;
    memset(&io, 0, sizeof io);
    ro->model->ops->objective(ro->model, &d, &io);
    io.accumulate(io.model, theta, 0, end - begin, order, acc, inner);
}

static void rows_row_scores(const void *model, const double *theta, size_t begin, size_t end,
                            double *S, double *scratch)
{
    const partreg_rows_objective *ro = model;
    const partreg_rows *r = ro->rows;
    double *inner = scratch + HEADER;
    partreg_rows_buffer buf;
    partreg_rows_buffer_place(r, ro->cap, inner + ro->inner_scratch, &buf);
    partreg_rows_view v;
    if (end - begin > ro->cap ||
        partreg_rows_read(r, begin, end, PARTREG_ROWS_X | PARTREG_ROWS_Y | PARTREG_ROWS_W, &buf,
                          &v) != 0) {
        *ro->io_error = 1;
        for (size_t i = 0; i < (end - begin) * ro->tmpl.pk; i++)
            S[i] = NAN;
        return;
    }
    partreg_design d = ro->tmpl;
    d.n = end - begin;
    d.X = v.X;
    d.y = v.y;
    d.w = r->weighted ? v.w : NULL;
    partreg_objective io;
    memset(&io, 0, sizeof io);
    ro->model->ops->objective(ro->model, &d, &io);
    io.row_scores(io.model, theta, 0, end - begin, S, inner);
}

/* score_sums over the rows read as rows_row_scores reads them, the runs'
 * starts taken relative to begin. */
static void rows_score_sums(const void *model, const double *theta, size_t begin, size_t end,
                            const size_t *run_start, size_t nruns, double scale, double *sums,
                            double *scratch)
{
    const partreg_rows_objective *ro = model;
    const partreg_rows *r = ro->rows;
    double *inner = scratch + HEADER;
    partreg_rows_buffer buf;
    partreg_rows_buffer_place(r, ro->cap, inner + ro->inner_scratch, &buf);
    partreg_rows_view v;
    size_t *start = malloc((nruns ? nruns : 1) * sizeof *start);
    if (!start || end - begin > ro->cap ||
        partreg_rows_read(r, begin, end, PARTREG_ROWS_X | PARTREG_ROWS_Y | PARTREG_ROWS_W, &buf,
                          &v) != 0) {
        *ro->io_error = 1;
        free(start);
        return;
    }
    for (size_t q = 0; q < nruns; q++)
        start[q] = run_start[q] - begin;
    partreg_design d = ro->tmpl;
    d.n = end - begin;
    d.X = v.X;
    d.y = v.y;
    d.w = r->weighted ? v.w : NULL;
    partreg_objective io;
    memset(&io, 0, sizeof io);
    ro->model->ops->objective(ro->model, &d, &io);
    io.score_sums(io.model, theta, 0, end - begin, start, nruns, scale, sums, inner);
    free(start);
}

static int rows_feasible(const void *model, const double *theta)
{
    const partreg_rows_objective *ro = model;
    partreg_design d = ro->tmpl;
    d.n = 0;
    partreg_objective io;
    memset(&io, 0, sizeof io);
    ro->model->ops->objective(ro->model, &d, &io);
    return io.feasible ? io.feasible(io.model, theta) : 1;
}

/* ---- its passes -------------------------------------------------------- */

typedef struct eval_pass {
    const partreg_objective *obj;
    const double *theta;
    partreg_order order;
    size_t block, nseg, k, tri;
    double **scratch, **info; /* a member's scratch and information */
    double *unpack;           /* k x k, for the fold */
    partreg_accum *acc;       /* the merge */
} eval_pass;

/* state: loglik, nonfinite, gradient (k), lower triangle of info */
static int eval_segment(void *arg, size_t s, size_t t, double *state)
{
    eval_pass *e = arg;
    const partreg_objective *obj = e->obj;
    size_t b, end, k = e->k;
    partreg_objective_segment(obj, e->block, e->nseg, s, &b, &end);
    if (b >= end)
        return 0;
    double *grad = state + 2, *info = e->info[t];
    partreg_accum a = {k, 0.0, grad, info, 0};
    memset(grad, 0, k * sizeof *grad);
    memset(info, 0, k * k * sizeof *info);
    double *scratch = e->scratch[t];
    scratch[1] = 0.0;
    obj->accumulate(obj->model, e->theta, b, end, e->order, &a, scratch);
    state[0] = a.loglik;
    state[1] = a.nonfinite;
    double *tri = grad + k;
    for (size_t i = 0, at = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            tri[at++] = info[i * k + j];
    return scratch[1] != 0.0;
}

static int eval_fold(void *arg, size_t s, const double *state)
{
    eval_pass *e = arg;
    size_t k = e->k, b, end;
    if (!state) {
        partreg_objective_segment(e->obj, e->block, e->nseg, s, &b, &end);
        return b < end ? -1 : 0; /* an empty segment adds a zero state */
    }
    double *info = e->unpack;
    const double *tri = state + 2 + k;
    for (size_t i = 0, at = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++)
            info[i * k + j] = tri[at++];
    partreg_accum from = {k, state[0], (double *)(uintptr_t)(state + 2), info, (int)state[1]};
    partreg_accum_add(e->acc, &from, e->order);
    return 0;
}

/* The pass hook of an objective over rows: on this process's rows alone
 * (fewer threads when the memory budget says so), or every process's
 * segments merged in order. */
static partreg_status rows_eval(const partreg_objective *obj, const double *theta,
                                partreg_order order, int threads, size_t block_rows,
                                partreg_accum *acc)
{
    const partreg_rows_objective *ro = (const partreg_rows_objective *)(const void *)obj->pass;
    const partreg_rows *r = ro->rows;
    size_t bytes = (obj->scratch_doubles ? obj->scratch_doubles : 1) * sizeof(double);
    if (!r->comm || r->comm->size == 1) {
        size_t nt = partreg_rows_threads(r, obj->team, threads, bytes);
        return partreg_objective_eval_here(obj, theta, order, (int)nt, block_rows, 0, acc);
    }
    size_t k = obj->k, block = block_rows ? block_rows : partreg_block_rows_auto(k);
    size_t nseg = partreg_objective_segments(obj, block);
    size_t nt = partreg_rows_threads(r, obj->team, threads, bytes);
    if (nt > nseg)
        nt = nseg;
    eval_pass e = {obj, theta, order, block, nseg, k, k * (k + 1) / 2, NULL, NULL, NULL, acc};
    partreg_accum_zero(acc);
    e.scratch = calloc(nt ? nt : 1, sizeof *e.scratch);
    e.info = calloc(nt ? nt : 1, sizeof *e.info);
    e.unpack = malloc((k * k > 0 ? k * k : 1) * sizeof *e.unpack);
    partreg_status st = e.scratch && e.info && e.unpack ? PARTREG_OK : PARTREG_ENOMEM;
    for (size_t t = 0; st == PARTREG_OK && t < nt; t++) {
        e.scratch[t] = malloc(bytes);
        e.info[t] = malloc((k * k > 0 ? k * k : 1) * sizeof(double));
        if (!e.scratch[t] || !e.info[t])
            st = PARTREG_ENOMEM;
        else
            e.scratch[t][0] = 0.0;
    }
    /* one exchange a window; a process that could not get ready fails the
     * pass for all */
    partreg_rows_pass rp = {r, nseg, 2 + k + e.tri, eval_segment, eval_fold, &e, st};
    st = partreg_rows_pass_run(&rp, obj->team, nt);
    for (size_t i = 0; i < k; i++) /* symmetrise, as partreg_objective_eval */
        for (size_t j = 0; j < i; j++)
            acc->info[j * k + i] = acc->info[i * k + j];
    for (size_t t = 0; t < nt; t++) {
        if (e.scratch)
            free(e.scratch[t]);
        if (e.info)
            free(e.info[t]);
    }
    free(e.scratch);
    free(e.info);
    free(e.unpack);
    return st;
}

partreg_status partreg_rows_objective_init(partreg_rows_objective *ro, partreg_rows *rows,
                                           const partreg_model *m, const partreg_design *tmpl,
                                           size_t block_rows, int *io_error,
                                           partreg_objective *obj)
{
    memset(ro, 0, sizeof *ro);
    ro->hook.eval = rows_eval;
    ro->rows = rows;
    ro->model = m;
    ro->tmpl = *tmpl;
    ro->tmpl.n = 0;
    ro->tmpl.X = ro->tmpl.y = ro->tmpl.w = NULL;
    ro->tmpl.ldx = rows->p;
    ro->io_error = io_error;
    partreg_objective io;
    memset(&io, 0, sizeof io);
    m->ops->objective(m, &ro->tmpl, &io);
    ro->inner_scratch = io.scratch_doubles ? io.scratch_doubles : 1;
    ro->has_feasible = io.feasible != NULL;

    memset(obj, 0, sizeof *obj);
    obj->k = io.k;
    obj->n = rows->n;
    obj->model = ro;
    obj->accumulate = rows_accumulate;
    obj->feasible = ro->has_feasible ? rows_feasible : NULL;
    obj->row_scores = io.row_scores ? rows_row_scores : NULL;
    obj->score_sums = io.score_sums ? rows_score_sums : NULL;
    obj->pass = &ro->hook;
    /* an objective over groups of rows (the rows sorted by group) cuts its
     * segments at the groups' starts, of the whole problem's rows */
    obj->group_start = io.group_start;
    obj->n_groups = io.n_groups;
    /* A call reads one segment of a pass (or a block of the scores). The
     * objectives that wrap this one (a refit with a parameter held fixed,
     * k' < k free parameters) cut their passes by their own k': the
     * buffer, and the rows each process holds, serve every k' <= k. */
    size_t cap = 0, end = rows->first + rows->count;
    for (size_t kk = 1; kk <= io.k; kk++) {
        size_t block = block_rows ? block_rows : partreg_block_rows_auto(kk);
        size_t nseg = partreg_segment_count(rows->n, kk, block);
        for (size_t s = 0; s < nseg; s++) {
            size_t b, e;
            partreg_segment_rows(rows->n, block, nseg, s, &b, &e);
            if (io.group_start) {
                b = partreg_group_boundary(io.group_start, io.n_groups, rows->n, b);
                e = partreg_group_boundary(io.group_start, io.n_groups, rows->n, e);
            }
            if (e - b > cap)
                cap = e - b;
            if (b < e && partreg_rows_mine(rows, b) && e > end)
                end = e;
        }
        size_t auto_block = partreg_block_rows_auto(kk);
        if (cap < auto_block)
            cap = auto_block < rows->n ? auto_block : rows->n;
    }
    ro->cap = cap ? cap : 1;
    obj->scratch_doubles = HEADER + ro->inner_scratch + partreg_rows_buffer_doubles(rows, ro->cap);
    partreg_status st = partreg_rows_reach(rows, end);
    if (rows->comm)
        st = partreg_comm_agree(rows->comm, st, NULL);
    return st;
}
