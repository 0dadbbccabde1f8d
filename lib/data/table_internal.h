/* Private builder API of partreg_table: how the readers (csv.c, readstat.c)
 * and in-library code (tests, the model frame) assemble a table. Never
 * installed.
 *
 * Life cycle: partreg_table_create() with the final row count, then append
 * columns (their storage comes back pre-filled with "missing" for the caller
 * to overwrite), intern level names, optionally attach file lines; then hand
 * the table out as const. Any builder failure leaves the table valid (free
 * it with partreg_table_free) and reports PARTREG_ENOMEM or PARTREG_EINVAL.
 * A table under construction belongs to one thread. */
#ifndef PARTREG_DATA_TABLE_INTERNAL_H
#define PARTREG_DATA_TABLE_INTERNAL_H

#include "partreg_table.h"

#include <stddef.h>

/* Largest number of levels a categorical column may hold (codes are int). */
#define PARTREG_TABLE_MAX_LEVELS 2147483646u

/* New empty table of n_rows rows and no columns; source (may be NULL) is
 * copied. PARTREG_OK with *out set, or PARTREG_ENOMEM with *out = NULL. */
partreg_status partreg_table_create(const char *source, size_t n_rows, partreg_table **out);

/* Append a numeric column named name[0..name_len) (copied; need not be
 * NUL-terminated). *data (if data is not NULL) receives the column's n_rows
 * doubles, all NaN, owned by the table. PARTREG_OK or PARTREG_ENOMEM (the
 * table is unchanged). */
partreg_status partreg_table_append_numeric(partreg_table *t, const char *name, size_t name_len,
                                            double **data);

/* Append a categorical column with no levels; *codes (if not NULL) receives
 * its n_rows codes, all -1, owned by the table. PARTREG_OK or
 * PARTREG_ENOMEM (the table is unchanged). */
partreg_status partreg_table_append_categorical(partreg_table *t, const char *name,
                                                size_t name_len, int **codes);

/* As partreg_table_append_numeric() but adopting `data`, a malloc'ed array
 * of at least n_rows doubles: on PARTREG_OK the table owns it; on
 * PARTREG_ENOMEM the caller still does (and the table is unchanged). */
partreg_status partreg_table_adopt_numeric(partreg_table *t, const char *name, size_t name_len,
                                           double *data);

/* Append a numeric column that refers to the caller's array `data` (at
 * least n_rows doubles, alive and unchanged until the table is freed):
 * never written or freed by the table. PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_table_borrow_numeric(partreg_table *t, const char *name, size_t name_len,
                                            const double *data);

/* Remove the last column appended (a builder's rollback); no-op on a
 * table without columns. */
void partreg_table_drop_last_column(partreg_table *t);

/* Append a categorical column adopting `codes` (a malloc'ed array of at
 * least n_rows codes) and MOVING the level dictionary of categorical column
 * src_j of table `src` (which keeps an empty dictionary). On PARTREG_OK the
 * table owns codes; on PARTREG_ENOMEM or PARTREG_EINVAL (src_j not
 * categorical) nothing is taken or moved. */
partreg_status partreg_table_adopt_categorical(partreg_table *t, const char *name, size_t name_len,
                                               int *codes, partreg_table *src, size_t src_j);

/* Code of level text[0..len) in categorical column j, adding it as a new
 * level (next code, first-seen order) when absent. Embedded NULs are not
 * expected. PARTREG_OK with *code set; PARTREG_ENOMEM; PARTREG_EINVAL (j not
 * categorical, or more than PARTREG_TABLE_MAX_LEVELS levels). */
partreg_status partreg_table_intern_level(partreg_table *t, size_t j, const char *text, size_t len,
                                          int *code);

/* Code of an existing level named `name` in column j, or -1 (also for a
 * numeric column or j out of range). Thread-safe on a finished table. */
int partreg_table_level_code(const partreg_table *t, size_t j, const char *name);

/* Mark categorical column j as having meaningful level order (value labels). */
void partreg_table_set_levels_ordered(partreg_table *t, size_t j, int ordered);

/* Hand numeric column j's values (n_rows doubles) to the caller, who then
 * owns and frees them; the column keeps its name and type but its values
 * are gone: the table must only be freed after this (used by the analysis
 * pipeline, which frees the table it read once the frame is built). NULL
 * when j is not a numeric column or was already taken. */
double *partreg_table_take_numeric(partreg_table *t, size_t j);

/* Record where the first non-numeric cell of column j is (see
 * partreg_table_first_non_numeric()): file line, its text value[0..len)
 * (copied), and how many non-missing cells parsed as numbers.
 * PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_table_set_first_non_numeric(partreg_table *t, size_t j, long line,
                                                   const char *value, size_t len,
                                                   size_t n_numeric);

/* Replace categorical column j by the numeric values `data` (a malloc'ed
 * array of n_rows doubles, adopted on PARTREG_OK) read from its text with
 * decimal commas; line and value[0..len) (copied) name its first cell with
 * a comma (partreg_table_decimal_comma()). PARTREG_OK, PARTREG_ENOMEM or
 * PARTREG_EINVAL (j not categorical); on failure nothing changes. */
partreg_status partreg_table_make_decimal_comma(partreg_table *t, size_t j, double *data,
                                                long line, const char *value, size_t len);

/* Give the table an array of n_rows file lines (1-based) for
 * partreg_table_row_line(); *lines receives it, filled with i + 2, owned by
 * the table. PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_table_alloc_row_lines(partreg_table *t, long **lines);

/* As partreg_table_alloc_row_lines() but adopting `lines`, a malloc'ed
 * array of at least n_rows entries (the table owns it; cannot fail). */
void partreg_table_adopt_row_lines(partreg_table *t, long *lines);

/* Writable storage of column j (NULL when j is out of range or of the other
 * type): for builders that fill a column after appending it. */
double *partreg_table_numeric_mut(partreg_table *t, size_t j);
int *partreg_table_codes_mut(partreg_table *t, size_t j);

/* As partreg_table_read_csv_buffer() for a buffer that holds a file's
 * header record and then a run of the file's records, the first of them
 * on file line `line` (> 0): the records are numbered from there, in
 * messages and in partreg_table_row_line() (the CSV read in blocks of
 * records, data/csv_blocks.c). */
partreg_status partreg_table_read_csv_part(const char *buf, size_t len, const char *name,
                                           const partreg_read_options *opt, long line,
                                           partreg_table **out, partreg_error *err);
/* Read an SPSS (.sav/.zsav, stata = 0) or Stata (.dta, stata = 1) file
 * held in buf[0..len) (borrowed), as partreg_table_read_sav() and
 * partreg_table_read_dta() read a file: the same table and the same
 * errors, with `name` (NULL = "<buffer>") in their messages. For the fuzz
 * harness and standard input. PARTREG_EUNSUPPORTED when built without
 * ReadStat. */
partreg_status partreg_table_read_survey_buffer(const void *buf, size_t len, const char *name,
                                                int stata, const partreg_read_options *opt,
                                                partreg_table **out, partreg_error *err);

/* A new table of rows rows[0..n) of t (in that order): every column,
 * categorical ones with t's whole level dictionary (same codes).
 * PARTREG_OK with *out set, or PARTREG_ENOMEM with *out = NULL. */
partreg_status partreg_table_subset(const partreg_table *t, const size_t *rows, size_t n,
                                    partreg_table **out);

#endif
