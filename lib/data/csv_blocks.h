/* A CSV file read in blocks of whole records (csv_blocks.c): for data
 * larger than memory, and for the share of a file that one process of a
 * distributed fit reads. Private to lib/. */
#ifndef PARTREG_DATA_CSV_BLOCKS_H
#define PARTREG_DATA_CSV_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "partreg_table.h"

typedef struct partreg_csv_blocks partreg_csv_blocks;

/* Open path: its header record is read now; the data records after it are
 * read in blocks of about block_bytes (a record longer than that is a
 * block of its own). PARTREG_OK, PARTREG_EIO, PARTREG_EPARSE (an empty
 * file), PARTREG_ENOMEM. */
partreg_status partreg_csv_blocks_open(const char *path, const partreg_read_options *opt,
                                       size_t block_bytes, partreg_csv_blocks **out,
                                       partreg_error *err);
void partreg_csv_blocks_close(partreg_csv_blocks *cb);

/* Bytes of data records (the file after its header record), and the
 * offset of the first of them. */
uint64_t partreg_csv_blocks_data_bytes(const partreg_csv_blocks *cb);

/* The lexer states at a byte of a CSV file that decide where records end
 * (the reader's rules: a field is quoted when its first non-space byte is
 * a quote, "" inside quotes is a quote): at a record's start, at a
 * field's, in unquoted text, inside quotes, after a quote inside quotes,
 * after a closing quote. */
enum { PARTREG_CSV_RECORD = 0, PARTREG_CSV_FIELD, PARTREG_CSV_TEXT, PARTREG_CSV_QUOTED,
       PARTREG_CSV_QUOTE, PARTREG_CSV_CLOSED, PARTREG_CSV_STATES };

/* What reading data bytes [begin, end) does, from each state s at begin:
 * to_state[s], first[s] (the offset, from begin, of the first record
 * start in the range: begin itself when s is RECORD; UINT64_MAX when
 * none), and the line ends in the range (lines, the same from every
 * state). For the shares of a distributed read: every process scans its
 * own range and the states are chained in process order. PARTREG_OK or
 * PARTREG_EIO. */
typedef struct partreg_csv_scan {
    int to_state[PARTREG_CSV_STATES];
    uint64_t first[PARTREG_CSV_STATES];
    uint64_t lines_first[PARTREG_CSV_STATES]; /* line ends before first[s] */
    uint64_t lines;
} partreg_csv_scan;
partreg_status partreg_csv_blocks_scan(const partreg_csv_blocks *cb, uint64_t begin, uint64_t end,
                                       partreg_csv_scan *out, partreg_error *err);

/* Keep to the records that start in data bytes [begin, end) (offsets
 * from the data's start): begin is a record's start (or the data's end)
 * on file line `line`. (Default: all records.) */
void partreg_csv_blocks_share(partreg_csv_blocks *cb, uint64_t begin, uint64_t end, long line);

/* The next block as a table (NULL after the last), its index in *index.
 * The table holds the header's columns and the block's records with their
 * file lines; with `synthetic` (a CSV line without its line end, or NULL)
 * that line comes first, as row 0. Errors name the file and the line. */
partreg_status partreg_csv_blocks_next(partreg_csv_blocks *cb, const char *synthetic,
                                       partreg_table **out, size_t *index, partreg_error *err);

/* Block `index` again (one that next gave), as next gives it. */
partreg_status partreg_csv_blocks_read(partreg_csv_blocks *cb, size_t index,
                                       const char *synthetic, partreg_table **out,
                                       partreg_error *err);

/* The header alone, as a table of no rows (column names for a survey). */
partreg_status partreg_csv_blocks_header(partreg_csv_blocks *cb, partreg_table **out,
                                         partreg_error *err);

/* The file line of the data's first byte, and of the header's. */
long partreg_csv_blocks_data_line(const partreg_csv_blocks *cb);
long partreg_csv_blocks_header_line(const partreg_csv_blocks *cb);

/* PARTREG_OK when the file is the one opened, of the same size and
 * modification time; else PARTREG_EIO: it changed while it was read. */
partreg_status partreg_csv_blocks_unchanged(const partreg_csv_blocks *cb, partreg_error *err);

/* Start again at the first block. */
void partreg_csv_blocks_rewind(partreg_csv_blocks *cb);

/* The delimiter in use (given, or found in the header). */
char partreg_csv_blocks_delimiter(const partreg_csv_blocks *cb);

#endif
