/* Chunk sources of rows (rows.h): arrays, a design file, and the rows of
 * the next processes that a process's last segments reach into. */
#include "models/rows.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/design_file.h"

/* Slack for placing a region at a chosen offset modulo 64 bytes. */
#define SLACK 8

void partreg_rows_in_memory(partreg_rows *r, size_t n, size_t p, const double *X, const double *y,
                            const double *w, const size_t *cluster)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->p = p;
    r->count = n;
    r->reach = n;
    r->weighted = w != NULL;
    r->clustered = cluster != NULL;
    r->X = X;
    r->y = y;
    r->w = w;
    r->cluster = cluster;
}

void partreg_rows_release(partreg_rows *r)
{
    free(r->ghost_X);
    free(r->ghost_y);
    free(r->ghost_w);
    free(r->ghost_cluster);
    r->ghost_X = r->ghost_y = r->ghost_w = NULL;
    r->ghost_cluster = NULL;
    r->reach = r->first + r->count;
}

size_t partreg_rows_buffer_doubles(const partreg_rows *r, size_t cap)
{
    /* each of at most four regions: up to SLACK - 1 doubles to its 64-byte
     * boundary, its rows, and up to SLACK - 1 for the rows' own offset */
    size_t per = r->p + 1 + (r->weighted ? 1 : 0) + (r->clustered ? 1 : 0);
    return cap * per + 8 * SLACK;
}

size_t partreg_rows_buffer_bytes(const partreg_rows *r, size_t cap)
{
    return partreg_rows_buffer_doubles(r, cap) * sizeof(double);
}

/* The first 64-byte boundary at or after p. */
static double *align64(double *p)
{
    uintptr_t a = (uintptr_t)p;
    return p + ((64u - a % 64u) % 64u) / sizeof(double);
}

void partreg_rows_buffer_place(const partreg_rows *r, size_t cap, double *mem,
                               partreg_rows_buffer *buf)
{
    memset(buf, 0, sizeof *buf);
    buf->cap = cap;
    double *at = align64(mem);
    buf->X = at;
    at = align64(at + cap * r->p + SLACK);
    buf->y = at;
    at = align64(at + cap + SLACK);
    if (r->weighted) {
        buf->w = at;
        at = align64(at + cap + SLACK);
    }
    if (r->clustered)
        buf->cluster = (size_t *)(void *)at;
}

int partreg_rows_buffer_alloc(const partreg_rows *r, size_t cap, partreg_rows_buffer *buf)
{
    memset(buf, 0, sizeof *buf);
    double *mem = malloc(partreg_rows_buffer_bytes(r, cap ? cap : 1));
    if (!mem)
        return -1;
    partreg_rows_buffer_place(r, cap, mem, buf);
    buf->mem = mem;
    return 0;
}

void partreg_rows_buffer_free(partreg_rows_buffer *buf)
{
    free(buf->mem);
    memset(buf, 0, sizeof *buf);
}

/* Rows [b, e) of this process's own share into the view's arrays from
 * index `at` on. */
static int copy_own(const partreg_rows *r, size_t b, size_t e, double *X, double *y, double *w,
                    size_t *c, size_t at)
{
    size_t m = e - b, i = b - r->first, p = r->p;
    if (r->file)
        return partreg_design_file_read(r->file, i, m, X ? X + at * p : NULL, y ? y + at : NULL,
                                        w ? w + at : NULL, c ? c + at : NULL);
    if (X)
        memcpy(X + at * p, r->X + i * p, m * p * sizeof *X);
    if (y)
        memcpy(y + at, r->y + i, m * sizeof *y);
    if (w)
        memcpy(w + at, r->w + i, m * sizeof *w);
    if (c)
        memcpy(c + at, r->cluster + i, m * sizeof *c);
    return 0;
}

int partreg_rows_read(const partreg_rows *r, size_t begin, size_t end, int parts,
                      partreg_rows_buffer *buf, partreg_rows_view *view)
{
    size_t own_end = r->first + r->count, p = r->p;
    memset(view, 0, sizeof *view);
    view->n = end - begin;
    if (begin < r->first || end > r->reach || begin > end)
        return -1;
    if (!r->file && end <= own_end) { /* in the arrays whole */
        size_t i = begin - r->first;
        view->X = r->X + i * p;
        view->y = r->y + i;
        view->w = r->w ? r->w + i : NULL;
        view->cluster = r->cluster ? r->cluster + i : NULL;
        return 0;
    }
    if (end - begin > buf->cap)
        return -1;
    /* each row where it would be, modulo 64 bytes, in an aligned array */
    double *X = parts & PARTREG_ROWS_X ? buf->X + (begin * p) % SLACK : NULL;
    double *y = parts & PARTREG_ROWS_Y ? buf->y + begin % SLACK : NULL;
    double *w = buf->w && (parts & PARTREG_ROWS_W) ? buf->w + begin % SLACK : NULL;
    size_t *c = buf->cluster && (parts & PARTREG_ROWS_CLUSTER) ? buf->cluster : NULL;
    size_t mid = end < own_end ? end : own_end;
    if (begin < mid && copy_own(r, begin, mid, X, y, w, c, 0) != 0)
        return -1;
    if (end > own_end) { /* rows of the next processes */
        size_t g0 = (begin > own_end ? begin : own_end) - own_end, m = end - own_end - g0;
        size_t at = mid > begin ? mid - begin : 0;
        if (X)
            memcpy(X + at * p, r->ghost_X + g0 * p, m * p * sizeof *X);
        if (y)
            memcpy(y + at, r->ghost_y + g0, m * sizeof *y);
        if (w)
            memcpy(w + at, r->ghost_w + g0, m * sizeof *w);
        if (c)
            memcpy(c + at, r->ghost_cluster + g0, m * sizeof *c);
    }
    view->X = X;
    view->y = y;
    view->w = w;
    view->cluster = c;
    return 0;
}

void partreg_rows_will_read(const partreg_rows *r, size_t begin, size_t end)
{
    size_t own_end = r->first + r->count;
    if (!r->file || begin >= own_end || begin < r->first)
        return;
    if (end > own_end)
        end = own_end;
    partreg_design_file_advise(r->file, begin - r->first, end - begin);
}

partreg_status partreg_rows_shares(const partreg_rows *r, size_t *first)
{
    const partreg_comm *comm = r->comm;
    if (!comm || comm->size == 1) {
        first[0] = 0;
        first[1] = r->n;
        return PARTREG_OK;
    }
    size_t q = (size_t)comm->size;
    double *all = malloc(q * sizeof *all);
    double mine = (double)r->count;
    if (!all)
        return PARTREG_ENOMEM;
    int rc = partreg_comm_gather_doubles(comm, &mine, 1, all);
    if (!rc) {
        first[0] = 0;
        for (size_t i = 0; i < q; i++)
            first[i + 1] = first[i] + (size_t)all[i];
    }
    free(all);
    return rc ? PARTREG_EIO : PARTREG_OK;
}

/* Rows [b, e) of this process's own share packed as X, y, w, cluster. */
static int pack_rows(const partreg_rows *r, size_t b, size_t e, unsigned char *out)
{
    size_t m = e - b, p = r->p;
    double *X = (double *)(void *)out, *y = X + m * p;
    double *w = r->weighted ? y + m : NULL;
    size_t *c = r->clustered ? (size_t *)(void *)(y + m + (r->weighted ? m : 0)) : NULL;
    return copy_own(r, b, e, X, y, w, c, 0);
}

partreg_status partreg_rows_reach(partreg_rows *r, size_t end)
{
    const partreg_comm *comm = r->comm;
    if (!comm || comm->size == 1)
        return PARTREG_OK;
    size_t q = (size_t)comm->size, me = (size_t)comm->rank, p = r->p;
    size_t per = (p + 1 + (r->weighted ? 1 : 0) + (r->clustered ? 1 : 0)) * sizeof(double);
    size_t own_end = r->first + r->count;
    if (end > r->n)
        end = r->n;
    if (end < r->reach)
        end = r->reach;
    /* every process's share and the end it needs (its share's end when it
     * needs nothing new) */
    double mine[2] = {(double)own_end, (double)(end > r->reach ? end : own_end)};
    double *all = malloc(2 * q * sizeof *all);
    size_t *first = malloc((q + 1) * sizeof *first);
    const void **send = calloc(q, sizeof *send);
    size_t *send_bytes = calloc(q, sizeof *send_bytes), *recv_bytes = calloc(q, sizeof *recv_bytes);
    unsigned char **bufs = calloc(q, sizeof *bufs);
    void *recv = NULL;
    partreg_status st = all && first && send && send_bytes && recv_bytes && bufs ? PARTREG_OK
                                                                                : PARTREG_ENOMEM;
    if (st == PARTREG_OK && partreg_comm_gather_doubles(comm, mine, 2, all) != 0)
        st = PARTREG_EIO;
    if (st == PARTREG_OK && partreg_rows_shares(r, first) != PARTREG_OK)
        st = PARTREG_EIO;
    int grows = 0, io = 0;
    for (size_t t = 0; st == PARTREG_OK && t < q; t++) {
        /* process t wants [end of its share, its end) anew when it grows
         * past what it holds; this process sends the part of its share */
        size_t want0 = (size_t)all[2 * t], want1 = (size_t)all[2 * t + 1];
        grows |= want1 > want0;
        if (t == me || want1 <= want0)
            continue;
        size_t b = want0 > r->first ? want0 : r->first, e = want1 < own_end ? want1 : own_end;
        if (b >= e)
            continue;
        send_bytes[t] = (e - b) * per;
        if (!(bufs[t] = malloc(send_bytes[t]))) {
            st = PARTREG_ENOMEM;
            break;
        }
        io |= pack_rows(r, b, e, bufs[t]) != 0;
        send[t] = bufs[t];
    }
    (void)first;
    if (st == PARTREG_OK && grows &&
        comm->ops->alltoall(comm->ctx, send, send_bytes, &recv, recv_bytes) != 0)
        st = PARTREG_EIO;
    if (st == PARTREG_OK && io)
        st = PARTREG_EIO;
    if (st == PARTREG_OK && end > own_end && end > r->reach) {
        size_t m = end - own_end;
        double *gX = malloc((m * p > 0 ? m * p : 1) * sizeof *gX), *gy = malloc(m * sizeof *gy);
        double *gw = r->weighted ? malloc(m * sizeof *gw) : NULL;
        size_t *gc = r->clustered ? malloc(m * sizeof *gc) : NULL;
        if (!gX || !gy || (r->weighted && !gw) || (r->clustered && !gc)) {
            free(gX);
            free(gy);
            free(gw);
            free(gc);
            st = PARTREG_ENOMEM;
        } else {
            /* the processes after this one send their parts in order */
            const unsigned char *at = recv;
            size_t row = 0;
            for (size_t t = 0; t < q; t++) {
                size_t k = recv_bytes[t] / per;
                const double *X = (const double *)(const void *)at, *y = X + k * p;
                memcpy(gX + row * p, X, k * p * sizeof *gX);
                memcpy(gy + row, y, k * sizeof *gy);
                if (gw)
                    memcpy(gw + row, y + k, k * sizeof *gw);
                if (gc)
                    memcpy(gc + row, y + k + (gw ? k : 0), k * sizeof *gc);
                row += k;
                at += recv_bytes[t];
            }
            if (row != m) {
                free(gX);
                free(gy);
                free(gw);
                free(gc);
                st = PARTREG_EIO;
            } else {
                free(r->ghost_X);
                free(r->ghost_y);
                free(r->ghost_w);
                free(r->ghost_cluster);
                r->ghost_X = gX;
                r->ghost_y = gy;
                r->ghost_w = gw;
                r->ghost_cluster = gc;
                r->reach = end;
            }
        }
    }
    for (size_t t = 0; bufs && t < q; t++)
        free(bufs[t]);
    free(bufs);
    free(recv);
    free(all);
    free(first);
    free(send);
    free(send_bytes);
    free(recv_bytes);
    return st;
}
