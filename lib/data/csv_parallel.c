/* Pass 1 of the CSV reader in chunks of whole lines on several threads.
 *
 * One chunk of whole lines [start, end) of the data is parsed on its own
 * lexer (a copy whose input ends at the chunk's end). A first run counts
 * the LFs of each chunk: they bound its records and give its first line
 * number, so the result arrays are allocated once and every chunk writes
 * its rows into them in place. A chunk only accepts rows whose every cell
 * is a plain number or missing (csv_lex_number_fast, csv_lex_missing_fast)
 * with exactly ncol cells: anything else (quotes, text, ragged rows, invalid bytes) stops it,
 * and the caller reads the file sequentially from the start of the data, so
 * every error and every categorical column comes from the one sequential
 * code path. Chunks are joined in file order: the table is the one a
 * single thread builds. */
#define _GNU_SOURCE /* madvise, MADV_DONTNEED */

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
} chunk;

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
    const __m128i vl = _mm_set1_epi8('\n');
    for (; i + 16 <= to; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        n += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vl)));
    }
#endif
    for (; i < to; i++)
        n += b[i] == '\n';
    return n;
}

static void chunk_count(void *chunks, size_t t)
{
    chunk *c = (chunk *)chunks + t;
    c->nlf = count_lf(c->L.b, c->L.pos, c->L.len);
}

static void chunk_run(chunk *c)
{
    lexer *L = &c->L;
    field f;
    int end = END_FIELD;
    while (csv_skip_blank_lines(L)) {
        if (atomic_load_explicit(c->stop, memory_order_relaxed))
            return;
        if (c->release && c->L.pos - c->released >= CHUNK_RELEASE_STEP)
            chunk_release(c);
        if (c->n == c->cap)
            goto fail; /* not reached: a record ends at an LF of the chunk or at its end */
        c->lines[c->n] = L->line;
        for (size_t k = 0; k < c->ncol; k++) {
            double *dst = &c->vals[k][c->n];
            if (!csv_lex_number_fast(L, &f, &end, dst) && !csv_lex_missing_fast(L, &f, &end, dst))
                goto fail;
            if ((k + 1 < c->ncol) != (end == END_FIELD))
                goto fail; /* too few or too many fields */
        }
        c->n++;
    }
    c->ok = 1;
    return;
fail:
    atomic_store_explicit(c->stop, 1, memory_order_relaxed);
}

static void chunk_share(void *chunks, size_t t)
{
    chunk_run((chunk *)chunks + t);
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
    if (T < 2 || ncol == 0)
        return 0;
    chunk *c = calloc(T, sizeof *c);
    double **ptr = calloc(T * ncol, sizeof *ptr);
    double **res = calloc(ncol, sizeof *res);
    long *rlines = NULL;
    atomic_int stop;
    int ok = 0;
    size_t t, pos = data_pos, cap = 0;
    if (!c || !ptr || !res)
        goto cleanup;
    atomic_init(&stop, 0);
    for (t = 0; t < T; t++) {
        size_t cut = t + 1 == T ? L->len : data_pos + data_len / T * (t + 1);
        if (cut < pos)
            cut = pos;
        if (t + 1 < T) {
            const char *lf = memchr(L->b + cut, '\n', L->len - cut);
            cut = lf ? (size_t)(lf - (const char *)L->b) + 1 : L->len;
        }
        c[t].L = *L;
        c[t].L.pos = pos;
        c[t].L.len = cut;
        c[t].L.safe = t + 1 < T ? cut - 1 : L->safe; /* its last LF */
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
    /* The LFs of each chunk bound its records (a chunk but the last ends
     * just after an LF, and every record in it ends at one of its LFs; the
     * last may end at the end of the input): the results are allocated
     * once, each chunk writes its rows in place, and its first line
     * number is known before it starts. */
    partreg_team_run(NULL, T, chunk_count, c);
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
    if (c)
        for (t = 0; t < T; t++)
            *released |= c[t].dropped;
    if (res)
        for (size_t k = 0; k < ncol; k++)
            free(res[k]);
    free(res);
    free(rlines);
    free(ptr);
    free(c);
    return ok;
}
