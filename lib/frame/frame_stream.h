/* The model frame of a table that arrives in blocks (frame_stream.c): for
 * data larger than memory and for the shares of a distributed fit. Private
 * to lib/.
 *
 * Two passes over the blocks. The survey (partreg_block_survey_add) keeps
 * what partreg_frame_create reads of the whole table: each used column's
 * type, its first non-numeric cell and counts, the distinct values of the
 * rows used with the line where each first appears, the row counts. Surveys
 * of parts of a table merge (partreg_block_survey_merge, by first lines:
 * the order does not matter). From the survey, partreg_block_survey_coding
 * makes the coding frame: partreg_frame_create run on a small table that
 * holds every value the rows use, in order of first appearance, so the
 * roles, levels, references, family, columns, cluster codes and errors are
 * the ones the whole table gives. Then each block's rows are coded by it
 * (partreg_frame_stream_rows) with the frame's own code: the same design
 * rows, bit for bit. */
#ifndef PARTREG_FRAME_FRAME_STREAM_H
#define PARTREG_FRAME_FRAME_STREAM_H

#include <stddef.h>

#include "partreg_formula.h"
#include "partreg_table.h"

typedef struct partreg_block_survey partreg_block_survey;
struct partreg_frame_survey_rows; /* frame_internal.h */

/* A survey of the formula's columns; `header` is any block (its column
 * names are the file's). Errors of unknown columns as
 * partreg_frame_create gives them. */
partreg_status partreg_block_survey_new(const partreg_table *header, const partreg_formula *f,
                                        const partreg_frame_options *opt,
                                        partreg_block_survey **out, partreg_error *err);
void partreg_block_survey_free(partreg_block_survey *s);

/* Add block `index`'s rows (rows from `skip` on: the rows before are
 * synthetic). Blocks are added in file order. */
partreg_status partreg_block_survey_add(partreg_block_survey *s, const partreg_table *block,
                                        size_t skip, size_t index, partreg_error *err);

/* After every block: the blocks to read again with the synthetic line
 * (partreg_block_survey_synthetic) because a column that is text in the
 * file was numbers in them; their texts go in with
 * partreg_block_survey_add_text. *blocks (malloc'ed, may be NULL) lists
 * them. */
partreg_status partreg_block_survey_rereads(const partreg_block_survey *s,
                                            const partreg_block_survey *whole, size_t **blocks,
                                            size_t *n);
/* (whole: the survey of the whole file, which says which columns are
 * text; s, the same or this share's, which blocks were numbers.) Make the
 * columns text in whole text in s (s collects their texts). */
void partreg_block_survey_set_text(partreg_block_survey *s, const partreg_block_survey *whole);
partreg_status partreg_block_survey_add_text(partreg_block_survey *s, const partreg_table *block,
                                             size_t skip, partreg_error *err);

/* A CSV line (delimiter `delim`, ncol fields) that makes every column that
 * is text in the file text in a block too, or NULL when none is. Valid
 * until the survey changes. */
const char *partreg_block_survey_synthetic(partreg_block_survey *s, char delim);

/* Serialise (malloc'ed bytes) and merge another part's survey into s: the
 * parts may come in any order. */
partreg_status partreg_block_survey_pack(const partreg_block_survey *s, void **buf,
                                         size_t *bytes);
partreg_status partreg_block_survey_merge(partreg_block_survey *s, const void *buf, size_t bytes,
                                          partreg_error *err);

/* Rows of the table and rows used (after listwise deletion). */
size_t partreg_block_survey_rows(const partreg_block_survey *s);
size_t partreg_block_survey_used(const partreg_block_survey *s);
/* Rows used whose weight is not a whole number. */
size_t partreg_block_survey_fractional_weights(const partreg_block_survey *s);

/* The coding frame (see above): its counts are the table's (rows used,
 * dropped), it holds no rows (partreg_frame_data gives X = NULL). source
 * names the file in messages. Errors as partreg_frame_create gives them. */
partreg_status partreg_block_survey_coding(partreg_block_survey *s, const char *source,
                                           partreg_frame **coding, partreg_error *err);

/* The coding frame of the blocks added so far (a file read once: its
 * design rows written while it is surveyed, on the guess that the rest of
 * the file adds no level). s is left as it was: the codes of clusters and
 * PSUs stay numbered in the order their values were added. */
partreg_status partreg_block_survey_coding_so_far(partreg_block_survey *s, const char *source,
                                                  partreg_frame **coding, partreg_error *err);

/* 1 when the rows partreg_frame_stream_rows codes with coding frame `a`
 * (one of partreg_block_survey_coding_so_far) and the survey s as it was
 * then, block by block in file order, are those it codes with `b`
 * (partreg_block_survey_coding of s complete): the same family, columns,
 * levels, references, outcome and strata levels, and every cluster and
 * PSU value numbered in the order it was added. The blocks must also be
 * the tables the second reading gives: no column text in the file that
 * was numbers in a block with rows used (partreg_block_survey_rereads). */
int partreg_frame_stream_same_coding(const partreg_frame *a, const partreg_frame *b,
                                     const partreg_block_survey *s);

/* The design rows of one block: *m rows used, X (m x p), y, w (NULL when
 * unweighted) and cluster codes (NULL when none), malloc'ed (free them).
 * With a survey design, w holds the fit's weights (the sampling weights,
 * 0 outside the subpopulation) and *design (when not NULL) the design's
 * columns of the rows (free with partreg_frame_survey_rows_free); PSU
 * codes number the PSU values in order of first appearance in the file.
 * *group (when not NULL) gets the random intercept's group codes (the
 * coding frame's group levels), NULL without a (1 | G) term.
 * Errors (a non-finite expression, a bad weight; text where the coding
 * reads numbers, or a value it has no level for) name the line. */
partreg_status partreg_frame_stream_rows(const partreg_frame *coding,
                                         const partreg_block_survey *s,
                                         const partreg_table *block, size_t skip, int threads,
                                         size_t *m, double **X, double **y, double **w,
                                         size_t **cluster, size_t **group,
                                         struct partreg_frame_survey_rows *design,
                                         partreg_error *err);

/* What partreg_frame_stream_rows_into codes a block into, kept from one
 * block to the next so that each block takes no fresh memory from the
 * system: the rows used of the last block (m), X (m x p, row-major), y, w
 * (when the rows are weighted: case or sampling weights) and the cluster
 * codes (with clusters). Zero it before the first block; free with
 * partreg_stream_rows_buf_free. */
typedef struct partreg_stream_rows_buf {
    size_t m;
    double *X, *y, *w;
    size_t *cluster;
    /* the buffers' capacities and scratch (private) */
    size_t cap_X_, cap_y_, cap_w_, cap_c_, cap_rows_, cap_lev_, n_vars_;
    size_t *rows_;
    int *lev_;
    double **num_;
    int **vlev_;
    size_t *cap_num_, *cap_vlev_;
} partreg_stream_rows_buf;

/* As partreg_frame_stream_rows, into b (the rows stay b's, valid until its
 * next use); *group and *design as there (the caller's). */
partreg_status partreg_frame_stream_rows_into(const partreg_frame *coding,
                                              const partreg_block_survey *s,
                                              const partreg_table *block, size_t skip,
                                              int threads, partreg_stream_rows_buf *b,
                                              size_t **group,
                                              struct partreg_frame_survey_rows *design,
                                              partreg_error *err);
void partreg_stream_rows_buf_free(partreg_stream_rows_buf *b);

#endif
