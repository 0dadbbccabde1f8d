/**
 * @file partreg_table.h
 * @brief Data layer: survey tables read from CSV, SPSS .sav and Stata .dta.
 *
 * A table is an immutable set of named columns. Each column is either
 * numeric (doubles; missing = NaN) or categorical (level codes into a list of
 * level names; missing = -1). CSV columns are typed by inference: a column
 * whose non-missing cells all parse as finite numbers is numeric, any other
 * is categorical. SPSS/Stata variables with value labels are categorical with
 * the labels as level names in the order of their codes.
 */
#ifndef PARTREG_TABLE_H
#define PARTREG_TABLE_H

#include "partreg.h"
#include "partreg_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A data table (opaque; immutable once read, or once built by the
 *  partreg_table_build() calls). */
typedef struct partreg_table partreg_table;

/** Column storage type. */
typedef enum partreg_column_type {
    PARTREG_COLUMN_NUMERIC = 0,     /**< doubles, NaN = missing */
    PARTREG_COLUMN_CATEGORICAL = 1  /**< level codes, -1 = missing */
} partreg_column_type;

/** Reader settings; get defaults from partreg_read_options_default(). */
typedef struct partreg_read_options {
    char delimiter;                  /**< comma, semicolon or tab; 0 = detect from the header line (default 0) */
    const char *const *na_strings;   /**< extra strings read as missing (empty and "NA" always are) */
    size_t n_na_strings;             /**< entries in na_strings */
    /** CSV: threads that parse chunks of whole lines at once (0 = all
     *  cores, the default; 1 = one). Used only when every cell is a plain
     *  number or missing and no na_strings are given; the table is the same
     *  for every value (the chunks are joined in file order), and any
     *  other file is read by one thread. */
    int threads;
    /** CSV: smallest chunk (bytes) given its own thread (default 1 MiB, about
     *  3 ms of parsing: smaller chunks do not repay starting a thread). */
    size_t min_bytes_per_thread;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_read_options;

/** Default reader settings. */
PARTREG_API partreg_read_options partreg_read_options_default(void);

/**
 * Read a CSV file: a header row, RFC 4180 quoting (quoted delimiters,
 * doubled quotes, newlines inside quotes), ',', ';' or tab delimiters, UTF-8
 * with an optional BOM (ignored), LF or CRLF line ends.
 *
 * @param path  file to read (borrowed).
 * @param opt   settings or NULL for the defaults.
 * @param out   new table owned by the caller (partreg_table_free) or NULL.
 * @param err   optional; line and column set for parse errors.
 * @return PARTREG_OK; PARTREG_EIO (cannot open/read, a directory);
 *         PARTREG_EPARSE (empty file, ragged row, unterminated quote,
 *         duplicate or empty column name, invalid UTF-8 — with line and
 *         column); PARTREG_ENOMEM; PARTREG_EINVAL.
 */
PARTREG_API partreg_status partreg_table_read_csv(const char *path, const partreg_read_options *opt,
                                                  partreg_table **out, partreg_error *err);

/** As partreg_table_read_csv() on an in-memory buffer of `len` bytes;
 *  `name` (may be NULL) is used in messages in place of the file name. */
PARTREG_API partreg_status partreg_table_read_csv_buffer(const char *buf, size_t len,
                                                         const char *name,
                                                         const partreg_read_options *opt,
                                                         partreg_table **out, partreg_error *err);

/** Read an SPSS .sav/.zsav file through ReadStat. Numeric variables stay
 *  numeric; labelled variables become categorical (labels in code order);
 *  system- and user-missing values are missing. Statuses as for CSV, plus
 *  PARTREG_EUNSUPPORTED when built without ReadStat. */
PARTREG_API partreg_status partreg_table_read_sav(const char *path, const partreg_read_options *opt,
                                                  partreg_table **out, partreg_error *err);

/** Read a Stata .dta file through ReadStat (as partreg_table_read_sav()). */
PARTREG_API partreg_status partreg_table_read_dta(const char *path, const partreg_read_options *opt,
                                                  partreg_table **out, partreg_error *err);

/** Read by file extension: .sav/.zsav, .dta, anything else as CSV. */
PARTREG_API partreg_status partreg_table_read(const char *path, const partreg_read_options *opt,
                                              partreg_table **out, partreg_error *err);

/**
 * Write a table as CSV: a header of the column names, then one line per
 * row, comma-separated, LF line ends, no BOM. Numeric cells are written in
 * the shortest of %.15g, %.16g and %.17g that reads back to the same
 * double, so partreg_table_read_csv() restores every value exactly;
 * categorical cells are their level names. Missing cells (NaN, code -1)
 * are empty. A name or level containing a comma, a double quote, CR or LF
 * is quoted (RFC 4180, quotes doubled). Levels that read back as missing
 * ("", "NA") or as numbers are written as they are; the caller chooses
 * level names.
 * @param table  borrowed.
 * @param path   file to create or truncate (borrowed).
 * @param err    optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments); PARTREG_EDATA (an
 *         infinite numeric cell: CSV has no standard spelling for it);
 *         PARTREG_EIO (cannot create, write or close the file; the message
 *         names it). On failure the file may be partly written.
 * Thread-safe for distinct paths.
 */
PARTREG_API partreg_status partreg_table_write_csv(const partreg_table *table, const char *path,
                                                   partreg_error *err);

/** As partreg_table_write_csv() to an open stream (borrowed, not closed).
 *  PARTREG_EIO when a write fails. */
PARTREG_API partreg_status partreg_table_write_csv_stream(const partreg_table *table, FILE *out,
                                                          partreg_error *err);

/**
 * @name Building a table from arrays
 * A table made in memory, column by column, for programs that hold their
 * data in arrays (a NumPy or R data frame, a statistics package's
 * variables) and should not write a file to fit a model. Start with
 * partreg_table_build(), add each column once, then use the table as one
 * read from a file: partreg_analysis_run_table(), partreg_frame_create().
 * A built table follows the readers' rules: unique non-empty column names,
 * finite numbers (NaN = missing), level names of valid UTF-8. Messages
 * that name a row say "line N" with N the row's 1-based number.
 * Adding columns to a table while another thread reads it is not allowed;
 * a finished table is read-only and may be shared between threads.
 * @{
 */

/** How partreg_table_add_numeric() takes the caller's array. */
typedef enum partreg_table_storage {
    PARTREG_TABLE_COPY = 0,  /**< copy the values: the caller's array may change or go away */
    PARTREG_TABLE_BORROW = 1 /**< keep a pointer to the caller's array, which must stay
                                  alive and unchanged until partreg_table_free(): no copy */
} partreg_table_storage;

/**
 * Start an empty table of `n_rows` rows and no columns.
 *
 * @param name    what messages call the data (copied), e.g. "data frame";
 *                NULL: "<table>". partreg_table_source() returns it.
 * @param n_rows  rows of every column to be added (0 is allowed).
 * @param out     on PARTREG_OK, the new table owned by the caller (free
 *                with partreg_table_free()); NULL on failure.
 * @param err     optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (out NULL); PARTREG_ENOMEM.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_table_build(const char *name, size_t n_rows,
                                               partreg_table **out, partreg_error *err);

/**
 * Add a numeric column of the table's n_rows doubles (NaN = missing).
 *
 * @param t        a table from partreg_table_build().
 * @param name     column name (copied): non-empty, not yet in the table.
 * @param values   n_rows doubles: copied, or with PARTREG_TABLE_BORROW
 *                 referenced until the table is freed (no copy: the
 *                 caller keeps the array alive and unchanged).
 * @param storage  PARTREG_TABLE_COPY or PARTREG_TABLE_BORROW.
 * @param err      optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, values NULL with
 *         n_rows > 0, an empty or repeated name, an unknown storage);
 *         PARTREG_EDATA (an infinite value: the message names the column
 *         and the row; index = the 0-based row); PARTREG_ENOMEM. On
 *         failure the table is unchanged.
 * Not thread-safe on one table.
 */
PARTREG_API partreg_status partreg_table_add_numeric(partreg_table *t, const char *name,
                                                     const double *values,
                                                     partreg_table_storage storage,
                                                     partreg_error *err);

/**
 * Add a categorical column from level codes and level names, as a
 * statistics package stores a factor (R's factor, a pandas Categorical).
 *
 * @param t         a table from partreg_table_build().
 * @param name      column name (copied): non-empty, not yet in the table.
 * @param codes     n_rows codes (copied): 0..n_levels-1, or -1 for missing.
 * @param levels    n_levels distinct level names (copied), valid UTF-8.
 * @param n_levels  number of levels (0 only when every code is -1).
 * @param ordered   1: the level order is meaningful (the first level is the
 *                  reference and an outcome's levels go lowest first, as
 *                  for value labels of .sav/.dta files); 0: the model frame
 *                  orders the levels by bytes, as for text read from CSV.
 * @param err       optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, an empty or repeated
 *         name, a NULL or repeated level name); PARTREG_EDATA (a code out
 *         of range, named with its row; a level name that is not valid
 *         UTF-8); PARTREG_ENOMEM. On failure the table is unchanged.
 * Not thread-safe on one table.
 */
PARTREG_API partreg_status partreg_table_add_categorical(partreg_table *t, const char *name,
                                                         const int *codes,
                                                         const char *const *levels,
                                                         size_t n_levels, int ordered,
                                                         partreg_error *err);

/**
 * Add a categorical column from one string per row, as the CSV reader
 * makes a column of text: levels in first-seen order, ordered by bytes in
 * the model frame. A NULL entry is missing; every other string, the empty
 * one included, is a level (a program that reads "" or "NA" as missing
 * passes NULL for them, as the CSV reader does).
 *
 * @param t       a table from partreg_table_build().
 * @param name    column name (copied): non-empty, not yet in the table.
 * @param values  n_rows strings or NULLs (copied).
 * @param err     optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL arguments, an empty or repeated
 *         name); PARTREG_EDATA (a string that is not valid UTF-8, named
 *         with its row); PARTREG_ENOMEM. On failure the table is unchanged.
 * Not thread-safe on one table.
 */
PARTREG_API partreg_status partreg_table_add_strings(partreg_table *t, const char *name,
                                                     const char *const *values,
                                                     partreg_error *err);
/** @} */

/** Release a table. NULL is a no-op. */
PARTREG_API void partreg_table_free(partreg_table *table);

/** Number of data rows (the header excluded). */
PARTREG_API size_t partreg_table_n_rows(const partreg_table *table);
/** Number of columns. */
PARTREG_API size_t partreg_table_n_columns(const partreg_table *table);
/** Name of column j (borrowed), or NULL when out of range. */
PARTREG_API const char *partreg_table_column_name(const partreg_table *table, size_t j);
/** Storage type of column j. */
PARTREG_API partreg_column_type partreg_table_column_type(const partreg_table *table, size_t j);

/**
 * Find a column by exact name. PARTREG_OK with *j set, or
 * PARTREG_ENOTFOUND with a message that suggests the closest name
 * ("unknown column 'agee'; did you mean 'age'?").
 */
PARTREG_API partreg_status partreg_table_find_column(const partreg_table *table, const char *name,
                                                     size_t *j, partreg_error *err);

/** Numeric column j as a borrowed array of n_rows doubles (NaN = missing),
 *  or NULL when column j is not numeric. */
PARTREG_API const double *partreg_table_numeric(const partreg_table *table, size_t j);

/** Categorical column j as a borrowed array of n_rows level codes
 *  (-1 = missing), or NULL when column j is not categorical. */
PARTREG_API const int *partreg_table_codes(const partreg_table *table, size_t j);

/** Number of levels of categorical column j (0 for numeric columns). */
PARTREG_API size_t partreg_table_n_levels(const partreg_table *table, size_t j);

/** Name of level k of categorical column j (borrowed), or NULL. Levels are
 *  in first-seen order for CSV and code order for labelled .sav/.dta. */
PARTREG_API const char *partreg_table_level_name(const partreg_table *table, size_t j, size_t k);

/** 1 if categorical column j came from value labels (its level order is
 *  meaningful), 0 otherwise (CSV text: the order is the byte order used by
 *  the model frame). */
PARTREG_API int partreg_table_levels_ordered(const partreg_table *table, size_t j);

/**
 * Where the first non-numeric cell of a categorical CSV column is, for
 * messages when a model wants the column as a number: returns 1 and sets
 * *line (1-based file line), *value (borrowed text), and *n_numeric (how
 * many non-missing cells did parse as numbers) when the column has at least
 * one numeric cell; returns 0 otherwise.
 */
PARTREG_API int partreg_table_first_non_numeric(const partreg_table *table, size_t j, long *line,
                                                const char **value, size_t *n_numeric);

/**
 * 1 if numeric column j was read from text with decimal commas ("4,5" for
 * 4.5: a ';'- or tab-delimited CSV file whose every value of the column is
 * such a number or a whole number), with *line (1-based file line) and
 * *value (borrowed text) of its first cell that has a comma, for a note to
 * the user; 0 otherwise (outputs untouched). NULL outputs are skipped.
 */
PARTREG_API int partreg_table_decimal_comma(const partreg_table *table, size_t j, long *line,
                                            const char **value);

/** 1-based file line of data row i (CSV; row i + 2 when no quoted newlines). */
PARTREG_API long partreg_table_row_line(const partreg_table *table, size_t i);

/** Source name (file path or buffer name) the table was read from (borrowed). */
PARTREG_API const char *partreg_table_source(const partreg_table *table);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_TABLE_H */
