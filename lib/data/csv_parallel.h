/* Pass 1 of the CSV reader on several threads (csv_parallel.c), for inputs
 * whose every cell is a plain number or missing. Private to lib/data. */
#ifndef PARTREG_DATA_CSV_PARALLEL_H
#define PARTREG_DATA_CSV_PARALLEL_H

#include "data/csv_lex.h"
#include "data/file_read.h"

/* Pass 1 over the data [data_pos, L->len) in up to `threads` chunks at
 * once (each at least min_bytes long), when every cell is a plain number or
 * missing. Returns 1 with vals[k] (ncol malloc'ed arrays of *n_rows values)
 * and *lines (malloc'ed) filled, the same arrays the sequential pass 1
 * fills; 0 (nothing allocated, *L untouched) when the file must be read
 * sequentially: a single chunk, a cell the chunks do not accept, or out of
 * memory. release: the input may be dropped from memory once parsed
 * (madvise(MADV_DONTNEED) on its page-aligned buffer); *released is then set
 * when a page was dropped, and the caller must restore the input before
 * reading it again. Callers with NA strings do not call it (one of them
 * could look like a number). */
int csv_parse_parallel(const lexer *L, size_t threads, size_t min_bytes, int release,
                       size_t ncol, size_t data_pos, long data_line, size_t data_line_start,
                       double **vals, long **lines, size_t *n_rows, int *released);

/* The same pass over bytes [data_pos, file->len) of a file opened by
 * partreg_file_read_head(), without reading it into memory: each chunk
 * (of at least min_bytes, up to `threads`, one at the least) reads its
 * bytes in blocks into a buffer of its own, once to count its LFs and once
 * to parse them. L gives the delimiter and the byte classes. Returns 1 with
 * the results as csv_parse_parallel(), 0 (nothing allocated) when the file
 * must be read whole and sequentially (its first rows, in L from L->pos,
 * are tried first): a cell the chunks do not accept, a
 * read error, the file changed since it was opened, or out of memory. */
int csv_parse_parallel_file(const lexer *L, const partreg_file_data *file, size_t threads,
                            size_t min_bytes, size_t ncol, size_t data_pos, long data_line,
                            double **vals, long **lines, size_t *n_rows);

#endif
