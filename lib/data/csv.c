/* CSV reader: text with a header line into a partreg_table.
 *
 * Format (RFC 4180, "Common Format and MIME Type for CSV Files", 2005, made
 * lenient where real survey exports differ): fields separated by ',', ';'
 * or TAB (detected from the header line: the most frequent of the three
 * outside quotes, ties broken in that order); fields may be quoted with '"',
 * a quote inside a quoted field is written '""', and quoted fields may hold
 * delimiters and line breaks. Records end in LF or CRLF; the last one may
 * lack a line end. Lines that are completely empty are skipped wherever they
 * are (as R's read.csv and pandas do), so a one-column file writes a missing
 * value as NA or "". A UTF-8 byte-order mark is ignored; any other invalid
 * UTF-8 (RFC 3629, section 4: no overlong forms, no surrogates, nothing above
 * U+10FFFF) or a NUL byte is an error with its line and column; a UTF-16
 * file (its byte-order mark, or NUL bytes between ASCII ones) and a file
 * whose lines end in CR alone are named as such. A quote in the middle of
 * an unquoted field is kept as an ordinary character; text after a closing
 * quote (other than spaces) is an error. Header names are trimmed of
 * surrounding spaces when unquoted.
 *
 * Missing values: a cell that is empty, "NA", or one of the caller's NA
 * strings once surrounding spaces and tabs are removed.
 *
 * Types: a column is numeric when every non-missing cell (trimmed) matches
 *     [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
 * and converts to a finite double; "inf", "nan", hex floats and values that
 * overflow make it categorical, with levels in first-seen order and their
 * text kept exactly (not trimmed). In a file delimited by ';' or TAB, a
 * column whose every non-missing cell is a number with a decimal comma
 * ("4,5", "-0,25") or a whole number, at least one with the comma, is read
 * as numbers (4.5, -0.25) and marked (partreg_table_decimal_comma()), as
 * R's read.csv2 reads such exports.
 *
 * The reader's jobs, one file each:
 * - file_read.c: the input into memory with read(2), never mapped (a
 *   file truncated by another process while it is read is reported, not a
 *   SIGBUS): the whole of it, or its head first (partreg_file_read_head);
 * - csv_lex.h, csv_lex.c: the tokeniser (16 bytes at a time with SSE2 when
 *   available), the structure checks (quotes, UTF-8, NUL) and their
 *   messages;
 * - csv_number.h, csv_number.c: numbers: the one-scan fast path for the
 *   common cell and the general conversion;
 * - csv_parallel.c: pass 1 on several threads for all-numeric inputs,
 *   over the input in memory or over the file read in blocks;
 * - this file: the passes that build the table, and the cells.
 * Interning the text of categorical cells is the table's (table.c).
 *
 * Algorithm: the whole input is in memory. One pass tokenises every record,
 * checks the structure (quotes, field counts, UTF-8), records each row's
 * file line and start, converts the cells of columns still believed numeric
 * into growing double arrays, and interns the cells of categorical columns
 * into hash dictionaries. The first cell that does not convert turns its
 * column categorical and is remembered for
 * partreg_table_first_non_numeric(); the rows before it are re-read from
 * their recorded starts, unless that would re-read more than the file's
 * size in total, in which case the column is deferred to a second pass.
 * The common numeric cell (unquoted, at most 15 digits, |exponent| <= 22,
 * followed directly by the delimiter or a line end) is lexed and converted
 * in one scan (csv_lex_number_fast); every other cell takes the general
 * path. Large inputs whose cells are all plain numbers or missing are parsed
 * in chunks of whole lines on several threads (csv_parse_parallel; options
 * threads and min_bytes_per_thread), joined in file order, so the table is
 * the one a single thread builds; any other cell makes every chunk stop and
 * the file is read by the sequential pass, which gives every error message
 * and every categorical column. partreg_table_read_csv (without NA
 * strings) reads only the file's head at first: the header is parsed from
 * it, and the chunks read the rest in blocks of their own
 * (csv_parse_parallel_file), so a numeric file is never copied whole into
 * fresh memory; when they cannot, the file is read whole and parsed from
 * the start as above.
 *
 * Why a parser of its own: libcsv's tokenising alone (csv_parse with
 * callbacks that only count fields, no number conversion, no table) costs
 * more than this whole reader, table included, because it copies
 * every field into its own buffer byte by byte (bench/results.md has the
 * comparison). On a machine
 * shared with other jobs the wall time of a read moves with the load and
 * its CPU time does not: bench_read reports both.
 */
#define _GNU_SOURCE /* locale_t (csv_number.h), memrchr */

#include "data/csv_number.h"
#include "data/csv_parallel.h"
#include "data/file_read.h"
#include "data/table_internal.h"

#include "core/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes of a file read before its header is parsed, when the rest may be
 * read in blocks (a header line longer than that reads the file whole). */
#define CSV_HEAD_BYTES ((size_t)1 << 20)

/* Longest text of a first non-numeric cell kept for messages (bytes). */
#define FNN_MAX 120

enum { COL_NUMERIC = 0, COL_CATEGORICAL, COL_DEFERRED };

typedef struct colstate {
    int state;             /* COL_*: deferred = categorical, filled in pass 2 */
    double *vals;          /* pass-1 values while numeric */
    int *codes;            /* pass-1 codes once categorical */
    size_t n_numeric;      /* categorical cells that read as numbers */
    int has_fnn;
    long fnn_line;
    char fnn_value[FNN_MAX + 4];
    size_t fnn_len;
} colstate;

typedef struct parser {
    lexer L;
    char delim;
    const char *const *na;
    size_t *na_len;
    size_t n_na;
    csv_scratch num;       /* unescaping and number conversion */
    size_t threads;        /* chunks parsed at once (1 = sequential only) */
    size_t min_bytes;      /* smallest chunk worth a thread */
    const char *reload;    /* the file the input was read from: the parallel
                            * pass may drop the input's parsed pages, and the
                            * input is read again from there when needed */
    partreg_file_data *file;  /* its bytes (the input) */
    long line_base;        /* file line of the first record after the header
                            * (0: the buffer is the file, counted from 1) */
    int threads_opt;       /* the caller's threads option (for reads) */
    int delim_closed;      /* the delimiter's line ended inside the input */
} parser;

/* ---- cells --------------------------------------------------------------- */

/* The field's text with doubled quotes collapsed: *s, *n (may point into
 * P->num.buf, valid until the next call). */
static partreg_status field_text(parser *P, const field *f, const char **s, size_t *n)
{
    size_t i, o = 0;
    if (!f->has_dq) {
        *s = f->s;
        *n = f->n;
        return PARTREG_OK;
    }
    if (csv_scratch_reserve(&P->num, f->n + 1) != PARTREG_OK)
        return PARTREG_ENOMEM;
    for (i = 0; i < f->n; i++) {
        P->num.buf[o++] = f->s[i];
        if (f->s[i] == '"')
            i++; /* skip the second quote of a pair */
    }
    *s = P->num.buf;
    *n = o;
    return PARTREG_OK;
}

static void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t m = *n;
    while (m && (*p == ' ' || *p == '\t')) {
        p++;
        m--;
    }
    while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
        m--;
    *s = p;
    *n = m;
}

/* Is the trimmed text s[0..n) a missing value? */
static int is_missing(const parser *P, const char *s, size_t n)
{
    size_t i;
    if (n == 0 || (n == 2 && s[0] == 'N' && s[1] == 'A'))
        return 1;
    for (i = 0; i < P->n_na; i++)
        if (P->na_len[i] == n && memcmp(P->na[i], s, n) == 0)
            return 1;
    return 0;
}

static partreg_status oom(partreg_error *err, const char *name)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory while reading the table",
                             name);
}

/* Keep the first non-numeric cell's text (cut at a character boundary). */
static void remember_fnn(colstate *c, const field *f, const char *s, size_t n)
{
    size_t k = n;
    if (k > FNN_MAX) {
        k = FNN_MAX;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    }
    memcpy(c->fnn_value, s, k);
    if (k < n) {
        memcpy(c->fnn_value + k, "...", 3);
        k += 3;
    }
    c->fnn_value[k] = '\0';
    c->fnn_len = k;
    c->fnn_line = f->line;
    c->has_fnn = 1;
}

/* A cell of a column still believed numeric: store it, or return 0 in
 * *is_num when it is not a number (the caller converts the column). */
static partreg_status cell_numeric(parser *P, const field *f, double *dst, int *is_num)
{
    const char *s = f->s;
    size_t n = f->n;
    int ok;
    *is_num = 1;
    /* the common case: an unquoted, untrimmed, non-missing number */
    if (!f->quoted && n && n < 64 && ((unsigned char)(s[0] - '0') < 10 || s[0] == '-') &&
        s[n - 1] != ' ' && s[n - 1] != '\t') {
        if (P->n_na && is_missing(P, s, n)) {
            *dst = NAN;
            return PARTREG_OK;
        }
        ok = csv_parse_number(&P->num, s, n, dst);
        if (ok > 0)
            return PARTREG_OK;
        if (ok < 0)
            return PARTREG_ENOMEM;
        *is_num = 0; /* starts with a digit or '-': neither empty nor "NA" */
        return PARTREG_OK;
    }
    if (field_text(P, f, &s, &n) != PARTREG_OK)
        return PARTREG_ENOMEM;
    trim(&s, &n);
    if (is_missing(P, s, n)) {
        *dst = NAN;
        return PARTREG_OK;
    }
    ok = csv_parse_number(&P->num, s, n, dst);
    if (ok < 0)
        return PARTREG_ENOMEM;
    *is_num = ok;
    return PARTREG_OK;
}

/* A cell of a categorical column: intern it into column dj of dict and
 * store the code (or -1 when missing); count cells that read as numbers. */
static partreg_status cell_categorical(parser *P, const field *f, partreg_table *dict, size_t dj,
                                       int *dst, size_t *n_numeric)
{
    const char *s, *ts;
    size_t n, tn;
    double v;
    int code, ok;
    partreg_status st;
    if (field_text(P, f, &s, &n) != PARTREG_OK)
        return PARTREG_ENOMEM;
    ts = s;
    tn = n;
    trim(&ts, &tn);
    if (is_missing(P, ts, tn)) {
        *dst = -1;
        return PARTREG_OK;
    }
    st = partreg_table_intern_level(dict, dj, s, n, &code);
    if (st != PARTREG_OK)
        return st;
    *dst = code;
    /* s may live in the scratch that parse_number reuses: it is interned */
    ok = csv_parse_number(&P->num, ts, tn, &v);
    if (ok < 0)
        return PARTREG_ENOMEM;
    *n_numeric += (size_t)ok;
    return PARTREG_OK;
}

/* The value of s[0..n) (trimmed) as a number with a decimal comma
 * ([+-]? digits , digits) or a whole number ([+-]? digits): 1 with *out and
 * *comma set, 0 for anything else, -1 when out of memory. */
static int comma_number(parser *P, const char *s, size_t n, double *out, int *comma)
{
    size_t i = 0, digits = 0, at = SIZE_MAX;
    trim(&s, &n);
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == ',' && at == SIZE_MAX && digits > 0)
            at = i;
        else
            return 0;
    }
    if (digits == 0 || at == n - 1)
        return 0;
    char tmp[64];
    if (n >= sizeof tmp)
        return 0; /* longer than any number worth reading this way */
    memcpy(tmp, s, n);
    *comma = at != SIZE_MAX;
    if (*comma)
        tmp[at] = '.';
    return csv_parse_number(&P->num, tmp, n, out);
}

/* A categorical column of a ';' or tab file whose every level is a number
 * with a decimal comma or a whole number, at least one with the comma, is
 * read as numbers (the file's decimal separator is the comma, as in
 * exports made with a European locale; R's read.csv2 reads them so). Only
 * the levels are parsed: O(levels), plus one pass over the codes. */
static partreg_status decimal_comma(parser *P, partreg_table *t, size_t k)
{
    size_t nl = partreg_table_n_levels(t, k), n = partreg_table_n_rows(t), first = SIZE_MAX;
    const int *codes = partreg_table_codes(t, k);
    double *val, *data;
    partreg_status st;
    if (nl == 0)
        return PARTREG_OK;
    val = malloc(nl * sizeof *val);
    if (!val)
        return PARTREG_ENOMEM;
    for (size_t l = 0; l < nl; l++) {
        const char *name = partreg_table_level_name(t, k, l);
        int comma = 0, ok = comma_number(P, name, strlen(name), &val[l], &comma);
        if (ok <= 0) {
            free(val);
            return ok < 0 ? PARTREG_ENOMEM : PARTREG_OK;
        }
        if (comma && first == SIZE_MAX)
            first = l;
    }
    if (first == SIZE_MAX) {
        free(val);
        return PARTREG_OK; /* whole numbers only: the column was text for another reason */
    }
    data = malloc((n ? n : 1) * sizeof *data);
    if (!data) {
        free(val);
        return PARTREG_ENOMEM;
    }
    long line = 0;
    for (size_t r = 0; r < n; r++) {
        data[r] = codes[r] < 0 ? NAN : val[codes[r]];
        if (!line && codes[r] >= 0 && (size_t)codes[r] == first)
            line = partreg_table_row_line(t, r);
    }
    /* the first cell with a comma in file order: the level interned first
     * among those with a comma is it (levels are in first-seen order) */
    const char *text = partreg_table_level_name(t, k, first);
    st = partreg_table_make_decimal_comma(t, k, data, line, text, strlen(text));
    if (st != PARTREG_OK)
        free(data);
    free(val);
    return st == PARTREG_EINVAL ? PARTREG_OK : st;
}

/* Lex record fields at L->pos up to and including field k into *f; the
 * record was validated before. */
static partreg_status lex_to_field(lexer *L, size_t k, field *f)
{
    size_t i;
    int end = END_FIELD;
    for (i = 0; i <= k; i++) {
        partreg_status st;
        if (end != END_FIELD)
            return PARTREG_EPARSE;
        st = csv_lex_field(L, f, &end);
        if (st != PARTREG_OK)
            return st;
    }
    return PARTREG_OK;
}

/* The reader's state over one file: the columns, and each row's line and
 * offset while pass 1 runs. */
typedef struct csv_rows {
    partreg_table *names; /* column 0 the header's names, column k + 1 the
                           * levels of column k in pass 1 */
    colstate *cols;
    size_t ncol, n_rows, cap;
    long *lines;     /* each row's line */
    size_t *row_off; /* each row's offset (the sequential pass) */
    size_t data_pos, data_line_start, catch_up;
    long data_line;
    int any_deferred, parallel;
} csv_rows;

static void rows_free(csv_rows *R)
{
    if (R->cols) {
        for (size_t k = 0; k < R->ncol; k++) {
            free(R->cols[k].vals);
            free(R->cols[k].codes);
        }
        free(R->cols);
    }
    free(R->lines);
    free(R->row_off);
    partreg_table_free(R->names);
}

/* A value that cannot be interned into column k (found at field f): out
 * of memory, or more levels than a column can code. */
static partreg_status intern_failed(partreg_status st, const field *f, size_t k,
                                    const char *name, partreg_error *err)
{
    if (st == PARTREG_ENOMEM)
        return oom(err, name);
    return partreg_error_set_at(err, st, f->line, 0,
                                "%s: column %zu has more distinct values than partreg can code "
                                "(%u)",
                                name, k + 1, PARTREG_TABLE_MAX_LEVELS);
}

/* The text's form, a byte-order mark, a first line, the delimiter. */
static partreg_status start_text(parser *P, const char *name, partreg_error *err)
{
    lexer *L = &P->L;
    partreg_status st = csv_check_text_form(L);
    if (st != PARTREG_OK)
        return st;
    /* a UTF-8 byte-order mark */
    if (L->len >= 3 && L->b[0] == 0xEF && L->b[1] == 0xBB && L->b[2] == 0xBF)
        L->pos = L->line_start = 3;
    if (!csv_skip_blank_lines(L))
        return partreg_error_set_at(err, PARTREG_EPARSE, 1, 1,
                                    "%s is empty; a CSV file needs a header line naming the "
                                    "columns",
                                    name);
    if (!P->delim)
        P->delim = csv_detect_delimiter(L->b, L->len, L->pos, &P->delim_closed);
    L->cls[(unsigned char)P->delim] = C_DELIM;
    L->delim = P->delim;
    return PARTREG_OK;
}

/* The header: names are unique and not empty, into column 0 of R->names;
 * then a numeric state and a level dictionary for every column. */
static partreg_status read_header(parser *P, csv_rows *R, const char *name, partreg_error *err)
{
    lexer *L = &P->L;
    field f;
    int end = END_EOF; /* set by every field read */
    if (partreg_table_create(NULL, 0, &R->names) != PARTREG_OK ||
        partreg_table_append_categorical(R->names, "", 0, NULL) != PARTREG_OK)
        return oom(err, name);
    do {
        const char *s;
        size_t n;
        int code;
        partreg_status st = csv_lex_field(L, &f, &end);
        if (st != PARTREG_OK)
            return st;
        if (field_text(P, &f, &s, &n) != PARTREG_OK)
            return oom(err, name);
        if (!f.quoted)
            trim(&s, &n);
        if (n == 0) {
            long col = csv_char_column(L, f.line_start, f.off);
            return partreg_error_set_at(err, PARTREG_EPARSE, f.line, col,
                                        "%s:%ld:%ld: column %zu of the header line has no name; "
                                        "give every column a name",
                                        name, f.line, col, R->ncol + 1);
        }
        if (partreg_table_intern_level(R->names, 0, s, n, &code) != PARTREG_OK)
            return oom(err, name);
        if ((size_t)code != R->ncol) {
            long col = csv_char_column(L, f.line_start, f.off);
            return partreg_error_set_at(
                err, PARTREG_EPARSE, f.line, col,
                "%s:%ld:%ld: column name '%s' appears twice in the header line (columns %d and "
                "%zu); rename one of them",
                name, f.line, col, partreg_table_level_name(R->names, 0, (size_t)code), code + 1,
                R->ncol + 1);
        }
        R->ncol++;
    } while (end == END_FIELD);
    if (!(R->cols = calloc(R->ncol, sizeof *R->cols)))
        return oom(err, name);
    for (size_t k = 0; k < R->ncol; k++) {
        R->cols[k].state = COL_NUMERIC;
        if (partreg_table_append_categorical(R->names, "", 0, NULL) != PARTREG_OK)
            return oom(err, name);
    }
    if (P->line_base > 0) /* a part of a file: its records' own lines */
        L->line = P->line_base;
    R->data_pos = L->pos;
    R->data_line = L->line;
    R->data_line_start = L->line_start;
    return PARTREG_OK;
}

/* Pass 1 in chunks at once when every cell is a plain number
 * (R->parallel set when it was). */
static partreg_status try_parallel(parser *P, csv_rows *R, const char *name, partreg_error *err)
{
    lexer *L = &P->L;
    double **pv = calloc(R->ncol ? R->ncol : 1, sizeof *pv);
    if (!pv)
        return oom(err, name);
    int released = 0;
    long *plines = NULL;
    size_t prows = 0;
    partreg_status st = PARTREG_OK;
    if (!P->n_na && csv_parse_parallel(L, P->threads, P->min_bytes, P->reload != NULL, R->ncol,
                                       R->data_pos, R->data_line, R->data_line_start, pv, &plines,
                                       &prows, &released)) {
        for (size_t k = 0; k < R->ncol; k++)
            R->cols[k].vals = pv[k];
        R->lines = plines;
        R->n_rows = R->cap = prows;
        L->pos = L->len;
        R->parallel = 1;
    } else if (released) {
        /* the chunks dropped pages the sequential pass reads again */
        st = partreg_file_reread(P->reload, P->file, err);
    }
    free(pv);
    return st;
}

/* The header from the head of the file in memory (P->L over its whole
 * lines), then pass 1 over the rest of the file read in blocks by the
 * chunks (R->parallel set when it was). 1 when the header read from the
 * head is the header of the whole file: it was read without error, it
 * ends at an LF inside the head, and so does the line the delimiter was
 * detected on. */
static int try_head(parser *P, csv_rows *R, const char *name, partreg_error *err)
{
    lexer *L = &P->L;
    int detect = !P->delim;
    if (start_text(P, name, err) != PARTREG_OK || read_header(P, R, name, err) != PARTREG_OK)
        return 0;
    if (L->pos >= L->len || (detect && !P->delim_closed))
        return 0;
    if (P->n_na)
        return 1;
    double **pv = calloc(R->ncol ? R->ncol : 1, sizeof *pv);
    long *plines = NULL;
    size_t prows = 0;
    if (!pv)
        return 1;
    if (csv_parse_parallel_file(L, P->file, P->threads, P->min_bytes, R->ncol, R->data_pos,
                                R->data_line, pv, &plines, &prows)) {
        for (size_t k = 0; k < R->ncol; k++)
            R->cols[k].vals = pv[k];
        R->lines = plines;
        R->n_rows = R->cap = prows;
        R->parallel = 1;
    }
    free(pv);
    return 1;
}

/* Room for twice the rows (0, or -1 when out of memory). */
static int grow_rows(csv_rows *R)
{
    size_t nc = R->cap ? 2 * R->cap : 1024;
    if (nc > SIZE_MAX / sizeof(double))
        return -1;
    long *nl = realloc(R->lines, nc * sizeof *nl);
    if (!nl)
        return -1;
    R->lines = nl;
    size_t *no = realloc(R->row_off, nc * sizeof *no);
    if (!no)
        return -1;
    R->row_off = no;
    for (size_t k = 0; k < R->ncol; k++) {
        colstate *c = &R->cols[k];
        if (c->state == COL_NUMERIC) {
            double *nv = realloc(c->vals, nc * sizeof *nv);
            if (!nv)
                return -1;
            c->vals = nv;
        } else if (c->state == COL_CATEGORICAL) {
            int *nv = realloc(c->codes, nc * sizeof *nv);
            if (!nv)
                return -1;
            c->codes = nv;
        }
    }
    R->cap = nc;
    return 0;
}

/* Column k, numeric so far, has the non-number f in the current row: it
 * is categorical. Its cells of the rows before are read again now, or in
 * pass 2 when the re-reading would pass the length of the file. */
static partreg_status turn_categorical(parser *P, csv_rows *R, size_t k, const field *f,
                                       const char *name, partreg_error *err)
{
    colstate *c = &R->cols[k];
    const char *s;
    size_t n, before = R->row_off[R->n_rows] - R->data_pos;
    if (field_text(P, f, &s, &n) != PARTREG_OK)
        return oom(err, name);
    remember_fnn(c, f, s, n);
    free(c->vals);
    c->vals = NULL;
    if (R->catch_up + before > P->L.len) {
        c->state = COL_DEFERRED; /* pass 2 will do it */
        R->any_deferred = 1;
        return PARTREG_OK;
    }
    lexer L2 = P->L;
    field g;
    R->catch_up += before;
    if (!(c->codes = malloc(R->cap * sizeof *c->codes)))
        return oom(err, name);
    c->state = COL_CATEGORICAL;
    for (size_t r = 0; r < R->n_rows; r++) {
        L2.pos = R->row_off[r];
        L2.line = R->lines[r];
        if (lex_to_field(&L2, k, &g) != PARTREG_OK)
            return oom(err, name); /* cannot happen: validated */
        partreg_status st = cell_categorical(P, &g, R->names, k + 1, &c->codes[r], &c->n_numeric);
        if (st != PARTREG_OK)
            return intern_failed(st, f, k, name, err);
    }
    return PARTREG_OK;
}

/* Field f of column k of the current row: a number, or a categorical
 * cell. */
static partreg_status read_cell(parser *P, csv_rows *R, size_t k, const field *f,
                                const char *name, partreg_error *err)
{
    colstate *c = &R->cols[k];
    partreg_status st;
    if (c->state == COL_NUMERIC) {
        int is_num;
        if (cell_numeric(P, f, &c->vals[R->n_rows], &is_num) != PARTREG_OK)
            return oom(err, name);
        if (!is_num && (st = turn_categorical(P, R, k, f, name, err)) != PARTREG_OK)
            return st;
    }
    if (c->state == COL_CATEGORICAL) {
        st = cell_categorical(P, f, R->names, k + 1, &c->codes[R->n_rows], &c->n_numeric);
        if (st != PARTREG_OK)
            return intern_failed(st, f, k, name, err);
    }
    return PARTREG_OK;
}

/* One record of pass 1: its structure, line, numbers, and the text of the
 * columns known to be categorical. */
static partreg_status read_row(parser *P, csv_rows *R, const char *name, partreg_error *err)
{
    lexer *L = &P->L;
    long rec_line = L->line, bad_line = 0, bad_col = 0;
    field f;
    int end = END_EOF; /* set by every field read */
    size_t k = 0, ncol = R->ncol;
    if (R->n_rows == R->cap && grow_rows(R) != 0)
        return oom(err, name);
    R->lines[R->n_rows] = rec_line;
    R->row_off[R->n_rows] = L->pos;
    do {
        if (k < ncol && R->cols[k].state == COL_NUMERIC && !P->n_na &&
            csv_lex_number_fast(L, &f, &end, &R->cols[k].vals[R->n_rows])) {
            k++;
            continue;
        }
        partreg_status st = csv_lex_field(L, &f, &end);
        if (st != PARTREG_OK)
            return st;
        if (k < ncol && (st = read_cell(P, R, k, &f, name, err)) != PARTREG_OK)
            return st;
        if (k == ncol) {
            bad_line = f.line;
            bad_col = csv_char_column(L, f.line_start, f.off);
        }
        k++;
    } while (end == END_FIELD);
    if (k == ncol) {
        R->n_rows++;
        return PARTREG_OK;
    }
    if (k < ncol) {
        bad_line = f.line;
        bad_col = csv_char_column(L, f.line_start,
                                  (size_t)(f.s - (const char *)L->b) + f.n + (size_t)f.quoted);
    }
    return partreg_error_set_at(err, PARTREG_EPARSE, bad_line, bad_col,
                                "%s:%ld:%ld: line %ld has %zu field%s, the header has %zu; "
                                "check that line for a missing or extra delimiter ('%s'), "
                                "and quote values that contain one",
                                name, bad_line, bad_col, rec_line, k, k == 1 ? "" : "s", ncol,
                                P->delim == '\t' ? "\\t" : P->delim == ';' ? ";" : ",");
}

/* The table of pass 1, columns in header order (deferred columns empty
 * for pass 2), with the rows' lines. */
static partreg_status build_table(csv_rows *R, const char *name, partreg_table **out)
{
    partreg_table *t = NULL;
    if (partreg_table_create(name, R->n_rows, &t) != PARTREG_OK)
        return PARTREG_ENOMEM;
    *out = t;
    for (size_t k = 0; k < R->ncol; k++) {
        const char *nm = partreg_table_level_name(R->names, 0, k);
        colstate *c = &R->cols[k];
        if (c->state == COL_NUMERIC) {
            if (!c->vals && !(c->vals = malloc(sizeof(double))))
                return PARTREG_ENOMEM;
            if (partreg_table_adopt_numeric(t, nm, strlen(nm), c->vals) != PARTREG_OK)
                return PARTREG_ENOMEM;
            c->vals = NULL;
        } else if (c->state == COL_CATEGORICAL) {
            if (!c->codes && !(c->codes = malloc(sizeof(int))))
                return PARTREG_ENOMEM;
            if (partreg_table_adopt_categorical(t, nm, strlen(nm), c->codes, R->names, k + 1) !=
                PARTREG_OK)
                return PARTREG_ENOMEM;
            c->codes = NULL;
        } else if (partreg_table_append_categorical(t, nm, strlen(nm), NULL) != PARTREG_OK) {
            return PARTREG_ENOMEM;
        }
    }
    if (!R->lines && !(R->lines = malloc(sizeof *R->lines)))
        return PARTREG_ENOMEM;
    partreg_table_adopt_row_lines(t, R->lines);
    R->lines = NULL;
    return PARTREG_OK;
}

/* Pass 2: the columns that turned categorical too late to catch up. */
static partreg_status read_deferred(parser *P, csv_rows *R, partreg_table *t, const char *name,
                                    partreg_error *err)
{
    lexer *L = &P->L;
    field f;
    int end = END_EOF; /* set by every field read */
    L->pos = R->data_pos;
    L->line = R->data_line;
    L->line_start = R->data_line_start;
    for (size_t r = 0; r < R->n_rows && csv_skip_blank_lines(L); r++) {
        size_t k = 0;
        do {
            partreg_status st = csv_lex_field(L, &f, &end);
            if (st != PARTREG_OK)
                return st;
            if (k < R->ncol && R->cols[k].state == COL_DEFERRED) {
                st = cell_categorical(P, &f, t, k, &partreg_table_codes_mut(t, k)[r],
                                      &R->cols[k].n_numeric);
                if (st != PARTREG_OK)
                    return intern_failed(st, &f, k, name, err);
            }
            k++;
        } while (end == END_FIELD);
    }
    return PARTREG_OK;
}

/* Each categorical column's first non-numeric cell, and its reading as
 * decimal-comma numbers. */
static partreg_status finish_columns(parser *P, const csv_rows *R, partreg_table *t)
{
    for (size_t k = 0; k < R->ncol; k++) {
        const colstate *c = &R->cols[k];
        if (c->state == COL_NUMERIC)
            continue;
        if (partreg_table_set_first_non_numeric(t, k, c->fnn_line, c->fnn_value, c->fnn_len,
                                                c->n_numeric) != PARTREG_OK)
            return PARTREG_ENOMEM;
        if (P->delim != ',' && decimal_comma(P, t, k) != PARTREG_OK)
            return PARTREG_ENOMEM;
    }
    return PARTREG_OK;
}

static partreg_status parse_csv(parser *P, const char *name, partreg_table **out,
                                partreg_error *err)
{
    csv_rows R;
    memset(&R, 0, sizeof R);
    partreg_table *t = NULL;
    partreg_status st = PARTREG_OK;
    if (P->file && P->file->head < P->file->len) {
        /* only the file's head is in memory: the header from it, then the
         * data in blocks (try_parallel_file); any other outcome reads the
         * file whole and starts again, so that every error and every
         * non-numeric file takes the one path below */
        char delim = P->delim;
        if (try_head(P, &R, name, err) && R.parallel)
            goto parsed;
        rows_free(&R);
        memset(&R, 0, sizeof R);
        partreg_error_clear(err);
        st = partreg_file_complete(name, P->threads_opt, P->file, err);
        if (st != PARTREG_OK)
            return st;
        P->delim = delim;
        csv_lexer_init(&P->L, P->file->buf, P->file->len, delim, name, err);
    }
    st = start_text(P, name, err);
    if (st == PARTREG_OK)
        st = read_header(P, &R, name, err);
    if (st == PARTREG_OK)
        st = try_parallel(P, &R, name, err);
    while (st == PARTREG_OK && !R.parallel && csv_skip_blank_lines(&P->L))
        st = read_row(P, &R, name, err);
parsed:
    if (st == PARTREG_OK && build_table(&R, name, &t) != PARTREG_OK)
        st = oom(err, name);
    if (st == PARTREG_OK && R.any_deferred)
        st = read_deferred(P, &R, t, name, err);
    if (st == PARTREG_OK && finish_columns(P, &R, t) != PARTREG_OK)
        st = oom(err, name);
    if (st == PARTREG_OK) {
        partreg_error_clear(err);
        *out = t;
        t = NULL;
    }
    rows_free(&R);
    partreg_table_free(t);
    return st;
}

static partreg_status read_buffer(const char *buf, size_t len, const char *name,
                                  const partreg_read_options *opt, partreg_file_data *file,
                                  long line_base, partreg_table **out, partreg_error *err);

partreg_status partreg_table_read_csv_buffer(const char *buf, size_t len, const char *name,
                                             const partreg_read_options *opt,
                                             partreg_table **out, partreg_error *err)
{
    return read_buffer(buf, len, name, opt, NULL, 0, out, err);
}

partreg_status partreg_table_read_csv_part(const char *buf, size_t len, const char *name,
                                           const partreg_read_options *opt, long line,
                                           partreg_table **out, partreg_error *err)
{
    return read_buffer(buf, len, name, opt, NULL, line, out, err);
}

/* file not NULL: buf is file->buf, the reader's own copy of the file
 * `name`, whose parsed pages the parallel pass may drop (and read again
 * from the file when the sequential pass needs them). */
static partreg_status read_buffer(const char *buf, size_t len, const char *name,
                                  const partreg_read_options *opt, partreg_file_data *file,
                                  long line_base, partreg_table **out, partreg_error *err)
{
    partreg_read_options def = partreg_read_options_default();
    parser P;
    partreg_status st;
    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_table_read_csv_buffer needs a buffer and an output");
    if (!opt)
        opt = &def;
    if (!name)
        name = "<buffer>";
    if (opt->delimiter != 0 && opt->delimiter != ',' && opt->delimiter != ';' &&
        opt->delimiter != '\t')
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unsupported CSV delimiter (byte %d); use ',', ';', tab, or 0 "
                                 "to detect it",
                                 (int)(unsigned char)opt->delimiter);
    if (opt->n_na_strings && !opt->na_strings)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "n_na_strings is %zu but na_strings is NULL", opt->n_na_strings);
    memset(&P, 0, sizeof P);
    P.delim = opt->delimiter;
    P.na = opt->na_strings;
    P.n_na = opt->n_na_strings;
    if (P.n_na) {
        P.na_len = malloc(P.n_na * sizeof *P.na_len);
        if (!P.na_len)
            return oom(err, name);
        for (size_t i = 0; i < P.n_na; i++)
            P.na_len[i] = P.na[i] ? strlen(P.na[i]) : SIZE_MAX;
    }
    P.threads = opt->threads > 0 ? (size_t)opt->threads : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (P.threads < 1)
        P.threads = 1;
    P.min_bytes = opt->min_bytes_per_thread;
    if (file && file->regular) {
        P.reload = name;
        P.file = file;
    }
    P.line_base = line_base;
    P.threads_opt = opt->threads;
    if (file && file->head < file->len) {
        /* the head's whole lines; none: the file is read whole first */
        const char *lf = memrchr(buf, '\n', file->head);
        if (lf) {
            len = (size_t)(lf - buf) + 1;
        } else if ((st = partreg_file_complete(name, opt->threads, file, err)) != PARTREG_OK) {
            free(P.na_len);
            return st;
        }
    }
    csv_lexer_init(&P.L, buf ? buf : "", len, P.delim, name, err);
    st = parse_csv(&P, name, out, err);
    free(P.na_len);
    csv_scratch_free(&P.num);
    return st;
}

partreg_status partreg_table_read_csv(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    partreg_file_data file;
    partreg_status st;
    if (out)
        *out = NULL;
    if (!path || !out)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_table_read_csv needs a path and an output");
    /* Without NA strings, a large file's numeric rows are read in blocks
     * (try_head) and the whole file only when that fails */
    if (opt && opt->n_na_strings)
        st = partreg_file_read_all(path, opt->threads, &file, err);
    else
        st = partreg_file_read_head(path, CSV_HEAD_BYTES, opt ? opt->threads : 0, &file, err);
    if (st != PARTREG_OK)
        return st;
    st = read_buffer(file.buf, file.len, path, opt, &file, 0, out, err);
    partreg_file_data_free(&file);
    return st;
}
