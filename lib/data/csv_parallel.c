/* Pass 1 of the CSV reader in chunks of whole lines on several threads.
 *
 * One chunk of whole lines [start, end) of the data is parsed on its own
 * lexer (a copy whose input ends at the chunk's end). A first run counts
 * the LFs of each chunk: they bound its records and give its first line
 * number, so the result arrays are allocated once and every chunk writes
 * its rows into them in place. A chunk only accepts rows whose every cell
 * is a plain number or missing (csv_lex_number_plain, csv_lex_missing_fast)
 * with exactly ncol cells: anything else (quotes, text, ragged rows,
 * invalid bytes) stops it, and the caller reads the file sequentially from
 * the start of the data, so every error and every categorical column comes
 * from the one sequential code path. Chunks are joined in file order: the
 * table is the one a single thread builds. The chunks of a file read in
 * blocks (csv_parse_parallel_file) are the same, each over a buffer of its
 * own that holds whole lines of its share at a time. */
#define _GNU_SOURCE /* madvise, MADV_DONTNEED, memrchr */

#include "data/csv_parallel.h"

#include "data/csv_number.h"

#include "core/team.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct chunk {
    lexer L;
    size_t ncol;
    double **vals;    /* the ncol result arrays, at this chunk's first row */
    long *lines;      /* the result's lines, at this chunk's first row */
    size_t n, cap;    /* rows parsed; room for them (the chunk's LF count) */
    size_t nlf;       /* LFs in [L.pos, L.len), counted before parsing */
    int ok;
    atomic_int *stop; /* set by the first chunk that fails */
    int release;      /* drop parsed pages of the input */
    size_t released;  /* pages before this offset are dropped */
    int dropped;      /* some page was dropped */
    /* read from the file in blocks (csv_parse_parallel_file) */
    const partreg_file_data *file;
    size_t start, end; /* the chunk's bytes of the file */
    char *buf;         /* its block buffer */
    size_t bufcap;
} chunk;

/* Bytes of a chunk's block buffer: the block read from the file and
 * parsed while it is in the core's L2 cache. */
#define CHUNK_BLOCK ((size_t)256 << 10)

/* Bytes a chunk parses between two page drops. */
#define CHUNK_RELEASE_STEP ((size_t)16 << 20)

/* Drop the whole pages of the chunk's input before its current position
 * from this process (madvise(MADV_DONTNEED) on the page-aligned buffer the
 * file was read into: the pages read as zeros afterwards, so a later read,
 * such as the sequential pass after a chunk stopped, needs the input
 * restored first; csv_parse_parallel() says so). Pages shared with the
 * previous chunk are never dropped here. Keeps the input from adding its
 * whole size to the reader's peak memory. */
static void chunk_release(chunk *c)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t lo = c->released, hi = c->L.pos / page * page;
    if (hi > lo && madvise((void *)(uintptr_t)(c->L.b + lo), hi - lo, MADV_DONTNEED) == 0)
        c->dropped = 1;
    if (hi > c->released)
        c->released = hi;
}

/* LF bytes in b[from, to). */
static size_t count_lf(const unsigned char *b, size_t from, size_t to)
{
    size_t n = 0, i = from;
#ifdef __SSE2__
    /* per-byte counters (a match subtracts -1), summed every 255 steps */
    const __m128i vl = _mm_set1_epi8('\n'), vz = _mm_setzero_si128();
    while (i + 16 <= to) {
        __m128i acc = vz;
        uint64_t part[2];
        for (int k = 0; k < 255 && i + 16 <= to; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, vl));
        }
        _mm_storeu_si128((__m128i *)(void *)part, _mm_sad_epu8(acc, vz));
        n += (size_t)(part[0] + part[1]);
    }
#endif
    for (; i < to; i++)
        n += b[i] == '\n';
    return n;
}

/* Bytes [start, end) of the chunk's file in blocks through its buffer
 * (its LFs counted when `count`; otherwise parsed, view by view). */
static int chunk_file_blocks(chunk *c, int count);

static void chunk_count(void *chunks, size_t t)
{
    chunk *c = (chunk *)chunks + t;
    if (c->file) {
        if (!chunk_file_blocks(c, 1))
            atomic_store_explicit(c->stop, 1, memory_order_relaxed);
    } else {
        c->nlf = count_lf(c->L.b, c->L.pos, c->L.len);
    }
}

/* The records of c->L from L.pos to L.len, appended to the chunk's rows;
 * 0 when one of them is not for the chunks (or another chunk failed). */
static int chunk_rows(chunk *c)
{
    lexer *L = &c->L;
    field f;
    int end = END_FIELD;
    while (csv_skip_blank_lines(L)) {
        if (atomic_load_explicit(c->stop, memory_order_relaxed))
            return 0;
        if (c->release && c->L.pos - c->released >= CHUNK_RELEASE_STEP)
            chunk_release(c);
        if (c->n == c->cap)
            return 0; /* not reached: a record ends at an LF of the chunk or at its end */
        c->lines[c->n] = L->line;
        for (size_t k = 0; k < c->ncol; k++) {
            double *dst = &c->vals[k][c->n];
            if (!csv_lex_number_plain(L, &end, dst) && !csv_lex_missing_fast(L, &f, &end, dst))
                return 0;
            if ((k + 1 < c->ncol) != (end == END_FIELD))
                return 0; /* too few or too many fields */
        }
        c->n++;
    }
    return 1;
}

static int chunk_file_blocks(chunk *c, int count)
{
    size_t off = c->start, fill = 0;
    if (!c->buf) {
        c->bufcap = CHUNK_BLOCK;
        if (!(c->buf = malloc(c->bufcap + 1)))
            return 0;
    }
    while (off < c->end || fill > 0) {
        size_t want = c->end - off, view;
        if (want > c->bufcap - fill)
            want = c->bufcap - fill;
        if (want) {
            if (partreg_file_read_at(c->file, off, c->buf + fill, want) != 0)
                return 0;
            off += want;
            fill += want;
        }
        if (count) {
            c->nlf += count_lf((const unsigned char *)c->buf, 0, fill);
            fill = 0;
            continue;
        }
        /* the view: whole lines, or everything at the chunk's end */
        if (off == c->end) {
            view = fill;
        } else {
            const char *lf = memrchr(c->buf, '\n', fill);
            if (!lf) {
                /* a line longer than the buffer */
                char *nb = c->bufcap < SIZE_MAX / 4 ? realloc(c->buf, 2 * c->bufcap + 1) : NULL;
                if (!nb)
                    return 0;
                c->buf = nb;
                c->bufcap *= 2;
                continue;
            }
            view = (size_t)(lf - c->buf) + 1;
        }
        {
            const char *lf = view ? memrchr(c->buf, '\n', view) : NULL;
            c->L.b = (const unsigned char *)c->buf;
            c->L.len = view;
            c->L.pos = 0;
            c->L.line_start = 0;
            c->L.safe = lf ? (size_t)(lf - c->buf) : 0;
        }
        if (!chunk_rows(c))
            return 0;
        memmove(c->buf, c->buf + view, fill - view);
        fill -= view;
    }
    return 1;
}

static void chunk_share(void *chunks, size_t t)
{
    chunk *c = (chunk *)chunks + t;
    if (c->file ? chunk_file_blocks(c, 0) : chunk_rows(c))
        c->ok = 1;
    else
        atomic_store_explicit(c->stop, 1, memory_order_relaxed);
}

/* Rows parsed from the input's start before the chunks are set up. */
#define PROBE_ROWS 16

/* 1 when the first PROBE_ROWS records of L from L->pos (those within L)
 * are rows the chunks accept: a file with text in its first rows goes to
 * the sequential pass without a count of its LFs. */
static int probe_rows(const lexer *L, size_t ncol)
{
    chunk c;
    atomic_int stop;
    double *v = malloc((PROBE_ROWS + 1) * ncol * sizeof *v);
    double **pv = malloc(ncol * sizeof *pv);
    long lines[PROBE_ROWS + 1];
    size_t end = L->pos;
    int ok = 0;
    if (!v || !pv)
        goto done;
    for (int r = 0; r < PROBE_ROWS && end < L->len; r++) {
        const unsigned char *lf = memchr(L->b + end, '\n', L->len - end);
        end = lf ? (size_t)(lf - L->b) + 1 : L->len;
    }
    memset(&c, 0, sizeof c);
    atomic_init(&stop, 0);
    c.L = *L;
    c.L.len = end;
    if (c.L.safe >= end)
        c.L.safe = end > L->pos && L->b[end - 1] == '\n' ? end - 1 : 0;
    c.ncol = ncol;
    c.stop = &stop;
    c.cap = PROBE_ROWS + 1;
    c.lines = lines;
    c.vals = pv;
    for (size_t k = 0; k < ncol; k++)
        pv[k] = v + k * (PROBE_ROWS + 1);
    ok = chunk_rows(&c);
done:
    free(pv);
    free(v);
    return ok;
}

/* Count, allocate, parse and join the chunks c[0..T) set up by the
 * callers below (their input, first offsets and lexers). */
static int run_chunks(chunk *c, size_t T, size_t ncol, long data_line, double **vals,
                      long **lines, size_t *n_rows)
{
    double **res = calloc(ncol, sizeof *res);
    long *rlines = NULL;
    int ok = 0;
    size_t t, cap = 0;
    if (!res)
        return 0;
    /* The LFs of each chunk bound its records (a chunk but the last ends
     * just after an LF, and every record in it ends at one of its LFs; the
     * last may end at the end of the input): the results are allocated
     * once, each chunk writes its rows in place, and its first line
     * number is known before it starts. */
    if (T == 1)
        chunk_count(c, 0);
    else
        partreg_team_run(NULL, T, chunk_count, c);
    if (atomic_load_explicit(c[0].stop, memory_order_relaxed))
        goto cleanup;
    {
        long line = data_line;
        for (t = 0; t < T; t++) {
            c[t].L.line = line;
            c[t].cap = c[t].nlf + (t + 1 == T);
            line += (long)c[t].nlf;
            if (cap > SIZE_MAX / sizeof(double) - c[t].cap)
                goto cleanup;
            cap += c[t].cap;
        }
    }
    rlines = malloc(cap * sizeof *rlines);
    if (!rlines)
        goto cleanup;
    for (size_t k = 0; k < ncol; k++) {
        res[k] = malloc(cap * sizeof **res);
        if (!res[k])
            goto cleanup;
    }
    {
        size_t at = 0;
        for (t = 0; t < T; t++) {
            c[t].lines = rlines + at;
            for (size_t k = 0; k < ncol; k++)
                c[t].vals[k] = res[k] + at;
            at += c[t].cap;
        }
    }
    if (T == 1)
        chunk_share(c, 0);
    else
        partreg_team_run(NULL, T, chunk_share, c);
    for (t = 0; t < T; t++)
        if (!c[t].ok)
            goto cleanup;
    /* close the gaps that blank lines (and the last chunk's spare row)
     * left; a file without blank lines moves nothing */
    {
        size_t total = 0;
        for (t = 0; t < T; t++) {
            if (c[t].lines != rlines + total) {
                memmove(rlines + total, c[t].lines, c[t].n * sizeof *rlines);
                for (size_t k = 0; k < ncol; k++)
                    memmove(res[k] + total, c[t].vals[k], c[t].n * sizeof **res);
            }
            total += c[t].n;
        }
        if (total == 0)
            goto cleanup; /* no rows: the sequential pass handles it */
        if (total < cap) {
            long *nl = realloc(rlines, total * sizeof *nl);
            if (nl)
                rlines = nl;
            for (size_t k = 0; k < ncol; k++) {
                double *nv = realloc(res[k], total * sizeof *nv);
                if (nv)
                    res[k] = nv;
            }
        }
        for (size_t k = 0; k < ncol; k++) {
            vals[k] = res[k];
            res[k] = NULL;
        }
        *lines = rlines;
        rlines = NULL;
        *n_rows = total;
        ok = 1;
    }
cleanup:
    for (size_t k = 0; k < ncol; k++)
        free(res[k]);
    free(res);
    free(rlines);
    return ok;
}

int csv_parse_parallel(const lexer *L, size_t threads, size_t min_bytes, int release,
                       size_t ncol, size_t data_pos, long data_line, size_t data_line_start,
                       double **vals, long **lines, size_t *n_rows, int *released)
{
    size_t T = threads, data_len = L->len - data_pos;
    *released = 0;
    if (min_bytes == 0)
        min_bytes = 1;
    if (T > data_len / min_bytes)
        T = data_len / min_bytes;
    if (T > PARTREG_TEAM_MAX)
        T = PARTREG_TEAM_MAX;
    if (T < 2 || ncol == 0 || !probe_rows(L, ncol))
        return 0;
    chunk *c = calloc(T, sizeof *c);
    double **ptr = calloc(T * ncol, sizeof *ptr);
    atomic_int stop;
    int ok = 0;
    size_t t, pos = data_pos;
    if (!c || !ptr)
        goto cleanup;
    atomic_init(&stop, 0);
    for (t = 0; t < T; t++) {
        size_t cut = t + 1 == T ? L->len : data_pos + data_len / T * (t + 1);
        if (cut < pos)
            cut = pos;
        const char *lf = NULL;
        if (t + 1 < T) {
            lf = memchr(L->b + cut, '\n', L->len - cut);
            cut = lf ? (size_t)(lf - (const char *)L->b) + 1 : L->len;
        }
        c[t].L = *L;
        c[t].L.pos = pos;
        c[t].L.len = cut;
        /* its last LF: the one it ends at, or the input's when no LF
         * follows its nominal end (it then runs to the end of the input) */
        c[t].L.safe = lf ? cut - 1 : L->safe;
        c[t].L.line_start = t == 0 ? data_line_start : pos;
        c[t].ncol = ncol;
        c[t].stop = &stop;
        c[t].release = release;
        {
            /* from the first whole page of the chunk (the buffer is
             * page-aligned, so offsets are) */
            size_t page = (size_t)sysconf(_SC_PAGESIZE);
            c[t].released = (pos + page - 1) / page * page;
        }
        c[t].vals = ptr + t * ncol;
        pos = cut;
    }
    ok = run_chunks(c, T, ncol, data_line, vals, lines, n_rows);
cleanup:
    if (c)
        for (t = 0; t < T; t++)
            *released |= c[t].dropped;
    free(ptr);
    free(c);
    return ok;
}

/* Offset just after the first LF of the file at or after `from`, or the
 * file's length; (size_t)-1 when it cannot be read. */
static size_t file_next_line(const partreg_file_data *d, size_t from)
{
    char piece[4096];
    while (from < d->len) {
        size_t n = d->len - from < sizeof piece ? d->len - from : sizeof piece;
        const char *lf;
        if (partreg_file_read_at(d, from, piece, n) != 0)
            return (size_t)-1;
        lf = memchr(piece, '\n', n);
        if (lf)
            return from + (size_t)(lf - piece) + 1;
        from += n;
    }
    return d->len;
}

int csv_parse_parallel_file(const lexer *L, const partreg_file_data *file, size_t threads,
                            size_t min_bytes, size_t ncol, size_t data_pos, long data_line,
                            double **vals, long **lines, size_t *n_rows)
{
    size_t T = threads, data_len = file->len - data_pos;
    if (min_bytes == 0)
        min_bytes = 1;
    if (T > data_len / min_bytes)
        T = data_len / min_bytes;
    if (T > PARTREG_TEAM_MAX)
        T = PARTREG_TEAM_MAX;
    if (T < 1)
        T = 1;
    if (ncol == 0 || data_pos > file->len || !probe_rows(L, ncol))
        return 0;
    chunk *c = calloc(T, sizeof *c);
    double **ptr = calloc(T * ncol, sizeof *ptr);
    atomic_int stop;
    int ok = 0;
    size_t t, pos = data_pos;
    if (!c || !ptr)
        goto cleanup;
    atomic_init(&stop, 0);
    for (t = 0; t < T; t++) {
        size_t cut = t + 1 == T ? file->len : data_pos + data_len / T * (t + 1);
        if (cut < pos)
            cut = pos;
        if (t + 1 < T && (cut = file_next_line(file, cut)) == (size_t)-1)
            goto cleanup;
        c[t].L = *L;
        c[t].ncol = ncol;
        c[t].stop = &stop;
        c[t].file = file;
        c[t].start = pos;
        c[t].end = cut;
        c[t].vals = ptr + t * ncol;
        pos = cut;
    }
    ok = run_chunks(c, T, ncol, data_line, vals, lines, n_rows);
    if (ok && !partreg_file_unchanged(file)) {
        /* the caller reads the file whole and reports the change */
        for (size_t k = 0; k < ncol; k++) {
            free(vals[k]);
            vals[k] = NULL;
        }
        free(*lines);
        *lines = NULL;
        ok = 0;
    }
cleanup:
    if (c)
        for (t = 0; t < T; t++)
            free(c[t].buf);
    free(ptr);
    free(c);
    return ok;
}
