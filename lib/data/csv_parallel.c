/* Pass 1 of the CSV reader in chunks of whole lines on several threads.
 *
 * One chunk of whole lines [start, end) of the data is parsed on its own
 * lexer (a copy whose input ends at the chunk's end; line numbers count
 * from 0 except in the first chunk, and are shifted when chunks are
 * joined). A chunk only accepts rows whose every cell is a plain number or
 * missing (csv_lex_number_fast, csv_lex_missing_fast) with exactly ncol
 * cells: anything else (quotes, text, ragged rows, invalid bytes) stops it,
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
    double **vals;   /* ncol growing arrays */
    long *lines;
    size_t n, cap;
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

static int chunk_grow(chunk *c)
{
    size_t nc = c->cap ? 2 * c->cap : 1024;
    long *nl;
    if (nc > SIZE_MAX / sizeof(double))
        return 0;
    nl = realloc(c->lines, nc * sizeof *nl);
    if (!nl)
        return 0;
    c->lines = nl;
    for (size_t k = 0; k < c->ncol; k++) {
        double *nv = realloc(c->vals[k], nc * sizeof *nv);
        if (!nv)
            return 0;
        c->vals[k] = nv;
    }
    c->cap = nc;
    return 1;
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
        if (c->n == c->cap && !chunk_grow(c))
            goto fail;
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

static void chunk_free(chunk *c)
{
    if (c->vals)
        for (size_t k = 0; k < c->ncol; k++)
            free(c->vals[k]);
    free(c->vals);
    free(c->lines);
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
    atomic_int stop;
    int ok = 0;
    size_t t, pos = data_pos;
    if (!c)
        return 0;
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
        c[t].L.line = t == 0 ? data_line : 0;
        c[t].L.line_start = t == 0 ? data_line_start : pos;
        c[t].ncol = ncol;
        c[t].stop = &stop;
        c[t].release = release;
        {
            /* from the first whole page of the chunk (the mapping is
             * page-aligned, so offsets are) */
            size_t page = (size_t)sysconf(_SC_PAGESIZE);
            c[t].released = (pos + page - 1) / page * page;
        }
        c[t].vals = calloc(ncol, sizeof *c[t].vals);
        if (!c[t].vals)
            goto cleanup;
        pos = cut;
    }
    partreg_team_run(NULL, T, chunk_share, c);
    for (t = 0; t < T; t++)
        if (!c[t].ok)
            goto cleanup;
    /* join: chunk 0's arrays grow to the total and the others follow */
    {
        size_t total = 0, at;
        long base;
        for (t = 0; t < T; t++)
            total += c[t].n;
        if (total == 0 || total > SIZE_MAX / sizeof(double))
            goto cleanup; /* no rows: the sequential pass handles it */
        long *nl = realloc(c[0].lines, total * sizeof *nl);
        if (!nl)
            goto cleanup;
        c[0].lines = nl;
        for (size_t k = 0; k < ncol; k++) {
            double *nv = realloc(c[0].vals[k], total * sizeof *nv);
            if (!nv)
                goto cleanup;
            c[0].vals[k] = nv;
        }
        at = c[0].n;
        base = c[0].L.line; /* the line at the start of chunk 1 */
        for (t = 1; t < T; t++) {
            for (size_t i = 0; i < c[t].n; i++)
                nl[at + i] = c[t].lines[i] + base;
            for (size_t k = 0; k < ncol; k++)
                if (c[t].n)
                    memcpy(c[0].vals[k] + at, c[t].vals[k], c[t].n * sizeof(double));
            at += c[t].n;
            base += c[t].L.line;
        }
        for (size_t k = 0; k < ncol; k++) {
            vals[k] = c[0].vals[k];
            c[0].vals[k] = NULL;
        }
        *lines = c[0].lines;
        c[0].lines = NULL;
        *n_rows = total;
        ok = 1;
    }
cleanup:
    for (t = 0; t < T; t++) {
        *released |= c[t].dropped;
        chunk_free(&c[t]);
    }
    free(c);
    return ok;
}

