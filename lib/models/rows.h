/* Rows that are not one array in memory: a chunk source for the fit's
 * passes (docs/scaling.md).
 *
 * A fit reads its rows through partreg_data (one array each for X, y and
 * w) unless it is given a partreg_rows: the rows of a problem of n rows
 * (all processes together), of which this process holds [first, first +
 * count) and can read [first, reach) (rows past its own share, held by
 * the next processes, copied here so that every segment that starts in
 * its share can be read whole). They are stored in memory arrays or in a
 * design file (models/design_file.c) that each pass reads in large
 * blocks.
 *
 * The passes over rows (models/rows_passes.c) cut them into the same
 * segments as the in-memory passes and give each segment, read into one
 * buffer, to the same code, so the sums are the same bits. A segment is
 * computed by the process whose share holds its first row; with a
 * communicator (core/comm.h) the processes' segment states are merged in
 * segment order on every process.
 *
 * Reads are into a member's buffer (partreg_rows_buffer) placed so that
 * each row keeps the address it would have, modulo 64 bytes, in an array
 * that starts on a 64-byte boundary: kernels that read rows in vectors see
 * the same alignment as in memory. Private to lib/. */
#ifndef PARTREG_MODELS_ROWS_H
#define PARTREG_MODELS_ROWS_H

#include <stddef.h>

#include "partreg.h"

#include "core/comm.h"

typedef struct partreg_design_file partreg_design_file;

typedef struct partreg_rows {
    size_t n;      /* rows of the problem, all processes */
    size_t p;      /* design columns (the row stride of X) */
    size_t first;  /* this process's rows: [first, first + count) */
    size_t count;
    size_t reach;  /* rows it can read: [first, reach) */
    int weighted;  /* rows carry weights */
    int clustered; /* rows carry cluster codes */
    /* storage of rows [first, first + count): arrays (borrowed) ... */
    const double *X, *y, *w;
    const size_t *cluster;
    /* ... or a design file (borrowed) */
    const partreg_design_file *file;
    /* rows [first + count, reach), copied from the next processes (owned) */
    double *ghost_X, *ghost_y, *ghost_w;
    size_t *ghost_cluster;
    /* the processes (NULL: this one holds all rows) */
    const partreg_comm *comm;
    /* reads fail with this once an I/O error was met (the pass then
     * reports it: the sums are meaningless) */
    int io_error;
    /* bytes a member may hold for its reads, 0: no limit (the passes use
     * fewer threads when each would hold more) */
    size_t memory;
} partreg_rows;

/* Rows [begin, end) as arrays: X (row begin first, stride p), y, w (NULL
 * when unweighted) and cluster (NULL when none). */
typedef struct partreg_rows_view {
    size_t n;
    const double *X, *y, *w;
    const size_t *cluster;
} partreg_rows_view;

/* A member's read buffer for up to `cap` rows. */
typedef struct partreg_rows_buffer {
    size_t cap;
    double *X, *y, *w;
    size_t *cluster;
    void *mem;
} partreg_rows_buffer;

/* Rows held in memory arrays (borrowed) by one process: all n rows. */
void partreg_rows_in_memory(partreg_rows *r, size_t n, size_t p, const double *X, const double *y,
                            const double *w, const size_t *cluster);

/* Release what r owns (its ghost rows). */
void partreg_rows_release(partreg_rows *r);

/* Bytes a buffer of cap rows takes (with its alignment slack). */
size_t partreg_rows_buffer_bytes(const partreg_rows *r, size_t cap);

/* Allocate buf for up to cap rows: 0, or -1 when out of memory. */
int partreg_rows_buffer_alloc(const partreg_rows *r, size_t cap, partreg_rows_buffer *buf);
void partreg_rows_buffer_free(partreg_rows_buffer *buf);

/* The same buffer carved out of caller memory of
 * partreg_rows_buffer_doubles(r, cap) doubles (an objective's scratch). */
size_t partreg_rows_buffer_doubles(const partreg_rows *r, size_t cap);
void partreg_rows_buffer_place(const partreg_rows *r, size_t cap, double *mem,
                               partreg_rows_buffer *buf);

/* Whether row i is this process's (it computes the segments that start
 * there). */
static inline int partreg_rows_mine(const partreg_rows *r, size_t i)
{
    return i >= r->first && i < r->first + r->count;
}

/* Parts of rows a read wants. */
enum { PARTREG_ROWS_X = 1, PARTREG_ROWS_Y = 2, PARTREG_ROWS_W = 4, PARTREG_ROWS_CLUSTER = 8,
       PARTREG_ROWS_ALL = 15 };

/* Rows [begin, end) (within [first, reach), end - begin <= buf->cap) as a
 * view of the parts asked for (others may be left NULL): pointers into
 * the arrays when they hold them whole, else read into buf. Returns 0, or
 * -1 when the rows are out of reach or a read failed. */
int partreg_rows_read(const partreg_rows *r, size_t begin, size_t end, int parts,
                      partreg_rows_buffer *buf, partreg_rows_view *view);

/* Hint that rows [begin, end) are read next (a design file starts reading
 * them from disk). */
void partreg_rows_will_read(const partreg_rows *r, size_t begin, size_t end);

/* With a communicator: extend [first, reach) to [first, end) (end <= n),
 * the end of the last segment of a pass that starts in this process's
 * share (collective: every process calls it, each with its own end).
 * Rows are copied from the processes that hold them. PARTREG_OK,
 * PARTREG_ENOMEM, PARTREG_EIO (a read or the exchange failed). */
partreg_status partreg_rows_reach(partreg_rows *r, size_t end);

/* The first row of each process's share (comm size + 1 entries, the last
 * n), from the counts every process holds (collective). */
partreg_status partreg_rows_shares(const partreg_rows *r, size_t *first);

#endif
