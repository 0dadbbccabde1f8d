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
 * U+10FFFF) or a NUL byte is an error with its line and column. A quote in
 * the middle of an unquoted field is kept as an ordinary character; text
 * after a closing quote (other than spaces) is an error. Header names are
 * trimmed of surrounding spaces when unquoted.
 *
 * Missing values: a cell that is empty, "NA", or one of the caller's NA
 * strings once surrounding spaces and tabs are removed.
 *
 * Types: a column is numeric when every non-missing cell (trimmed) matches
 *     [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
 * and converts to a finite double; "inf", "nan", hex floats and values that
 * overflow make it categorical, with levels in first-seen order and their
 * text kept exactly (not trimmed).
 *
 * Algorithm: the whole input is in memory (a regular file is mapped with
 * mmap(2), anything else read(2) into a buffer; a file truncated by another
 * process while mapped raises SIGBUS, as with any mapped reader). One pass
 * tokenises every record (16 bytes at a time with SSE2 when available),
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
 * in one scan (lex_number_fast); every other cell takes the general path.
 * Large inputs whose cells are all plain numbers or missing are parsed in
 * chunks of whole lines on several threads (parse_parallel; options
 * threads and min_bytes_per_thread), joined in file order, so the table is
 * the one a single thread builds; any other cell makes every chunk stop and
 * the file is read by the sequential pass, which gives every error message
 * and every categorical column.
 * Numbers go through Clinger's fast path (W. D. Clinger, "How to read
 * floating point numbers accurately", PLDI 1990): a mantissa below 2^53
 * scaled by an exact power of ten 10^|e|, |e| <= 22, is one correctly
 * rounded IEEE operation, hence equal to strtod's result; anything else is
 * handed to strtod_l in the "C" locale (so a caller's setlocale cannot turn
 * the decimal point into a comma).
 *
 * Why a parser of its own: libcsv's tokenising alone (csv_parse with
 * callbacks that only count fields, no number conversion, no table) costs
 * about what this whole reader costs, table included, because it copies
 * every field into its own buffer byte by byte (bench/results.md has the
 * comparison). On a machine
 * shared with other jobs the wall time of a read moves with the load and
 * its CPU time does not: bench_read reports both.
 */
#define _GNU_SOURCE /* strtod_l, newlocale, strerror_r (GNU form), open/fstat */

#include "data/table_internal.h"

#include "core/error.h"
#include "core/team.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte classes of the tokeniser. */
enum { C_ORD = 0, C_DELIM, C_LF, C_CR, C_QUOTE, C_HIGH, C_NUL };
/* How a field ended. */
enum { END_FIELD = 0, END_RECORD, END_EOF };

/* Longest text of a first non-numeric cell kept for messages (bytes). */
#define FNN_MAX 120

typedef struct lexer {
    const unsigned char *b;
    size_t len;
    size_t pos;
    long line;             /* 1-based line of pos */
    size_t line_start;     /* offset of the first byte of that line */
    size_t safe;           /* offset of the last LF (or 0): scans that stop at
                            * LF need no bounds check before it */
    unsigned char cls[256];  /* outside quotes */
    unsigned char qcls[256]; /* inside quotes */
    const char *name;      /* source name for messages */
    partreg_error *err;
    char delim;            /* 0 until known */
} lexer;

typedef struct field {
    const char *s;         /* content (inside the quotes when quoted) */
    size_t n;
    int quoted;
    int has_dq;            /* contains doubled quotes still to collapse */
    long line;             /* where the field starts */
    size_t line_start;
    size_t off;
} field;

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
    char *scratch;         /* unescaping and strtod copies */
    size_t scratch_cap;
    locale_t cloc;         /* "C" locale for strtod_l, created on first use */
    size_t threads;        /* chunks parsed at once (1 = sequential only) */
    size_t min_bytes;      /* smallest chunk worth a thread */
    int release;           /* the input is our own read-only file mapping:
                            * chunks drop the pages they have parsed */
    long line_base;        /* file line of the first record after the header
                            * (0: the buffer is the file, counted from 1) */
} parser;

/* ---- messages --------------------------------------------------------- */

/* 1-based column of byte offset off on a line starting at line_start,
 * counted in UTF-8 characters (continuation bytes do not count). */
static long char_column(const lexer *L, size_t line_start, size_t off)
{
    long col = 1;
    size_t i;
    for (i = line_start; i < off && i < L->len; i++)
        col += (L->b[i] & 0xC0) != 0x80;
    return col;
}

static partreg_status utf8_error(lexer *L, size_t off)
{
    long col = char_column(L, L->line_start, off);
    return partreg_error_set_at(L->err, PARTREG_EPARSE, L->line, col,
                                "%s:%ld:%ld: invalid UTF-8 (byte 0x%02X); save the file as UTF-8 "
                                "(it is probably Latin-1 or Windows-1252)",
                                L->name, L->line, col, (unsigned)L->b[off]);
}

static partreg_status nul_error(lexer *L, size_t off)
{
    long col = char_column(L, L->line_start, off);
    return partreg_error_set_at(L->err, PARTREG_EPARSE, L->line, col,
                                "%s:%ld:%ld: NUL byte in the text; this looks like a binary file, "
                                "give a CSV text file",
                                L->name, L->line, col);
}

/* ---- tokeniser --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629 table), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t n, i;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (avail < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Offset of the first byte at or after pos that is not C_ORD in cls, or
 * len. With SSE2, 16 bytes at a time: quote, LF, CR, NUL, the delimiter
 * (when `delim` is not 0) and bytes >= 0x80 are the specials, matching the
 * tables lexer_init() builds. */
static inline size_t scan_ordinary(const lexer *L, const unsigned char *cls, size_t pos,
                                   int quoted)
{
    const unsigned char *b = L->b;
    size_t len = L->len;
#ifdef __SSE2__
    {
        const __m128i vq = _mm_set1_epi8('"'), vl = _mm_set1_epi8('\n'), vz = _mm_setzero_si128();
        const __m128i vc = _mm_set1_epi8(quoted ? '"' : '\r');
        const __m128i vd = _mm_set1_epi8(quoted ? '"' : (char)L->delim);
        while (pos + 16 <= len) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + pos));
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vl)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vz)));
            unsigned mask;
            m = _mm_or_si128(m, _mm_cmpeq_epi8(v, vd));
            mask = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(v);
            if (mask)
                return pos + (size_t)__builtin_ctz(mask);
            pos += 16;
        }
    }
#else
    (void)quoted;
    if (pos < L->safe) {
        /* an LF lies ahead, and LF stops the scan */
        while (cls[b[pos]] == C_ORD)
            pos++;
        return pos;
    }
#endif
    while (pos < len && cls[b[pos]] == C_ORD)
        pos++;
    return pos;
}

static void lexer_init(lexer *L, const char *buf, size_t len, char delim, const char *name,
                       partreg_error *err)
{
    int c;
    L->b = (const unsigned char *)buf;
    L->len = len;
    L->pos = 0;
    L->line = 1;
    L->line_start = 0;
    L->safe = 0;
    {
        const char *lf = len ? memrchr(buf, '\n', len) : NULL;
        if (lf)
            L->safe = (size_t)(lf - buf);
    }
    L->name = name;
    L->err = err;
    for (c = 0; c < 256; c++) {
        unsigned char k = c >= 0x80 ? C_HIGH : C_ORD;
        L->cls[c] = k;
        L->qcls[c] = k;
    }
    L->cls[0] = L->qcls[0] = C_NUL;
    L->cls['\n'] = L->qcls['\n'] = C_LF;
    L->cls['"'] = L->qcls['"'] = C_QUOTE;
    L->cls['\r'] = C_CR;
    L->delim = delim;
    if (delim)
        L->cls[(unsigned char)delim] = C_DELIM;
}

/* After a record or a closing quote: consume a line end at pos if any.
 * Returns the end kind, or -1 when something else is there. */
static int take_end(lexer *L, size_t pos)
{
    const unsigned char *b = L->b;
    if (pos >= L->len) {
        L->pos = pos;
        return END_EOF;
    }
    if (L->cls[b[pos]] == C_DELIM) {
        L->pos = pos + 1;
        return END_FIELD;
    }
    if (b[pos] == '\n' || (b[pos] == '\r' && (pos + 1 == L->len || b[pos + 1] == '\n'))) {
        pos += b[pos] == '\r' ? 1 : 0;
        if (pos < L->len) {
            pos++;
            L->line++;
            L->line_start = pos;
        }
        L->pos = pos;
        return END_RECORD;
    }
    return -1;
}

static partreg_status lex_quoted(lexer *L, field *f, size_t q, int *end)
{
    const unsigned char *b = L->b;
    size_t len = L->len, start = q + 1, pos = start;
    f->quoted = 1;
    for (;;) {
        unsigned char k;
        pos = scan_ordinary(L, L->qcls, pos, 1);
        if (pos == len) {
            long col = char_column(L, f->line_start, q);
            return partreg_error_set_at(L->err, PARTREG_EPARSE, f->line, col,
                                        "%s:%ld:%ld: the quote opened here is never closed; add "
                                        "the closing '\"' (a quote inside a quoted value is "
                                        "written '\"\"')",
                                        L->name, f->line, col);
        }
        k = L->qcls[b[pos]];
        if (k == C_QUOTE) {
            if (pos + 1 < len && b[pos + 1] == '"') {
                f->has_dq = 1;
                pos += 2;
                continue;
            }
            f->s = (const char *)b + start;
            f->n = pos - start;
            pos++;
            while (pos < len && b[pos] == ' ')
                pos++;
            *end = take_end(L, pos);
            if (*end < 0) {
                long col = char_column(L, L->line_start, pos);
                if (b[pos] >= 0x80 && !utf8_seq(b + pos, len - pos))
                    return utf8_error(L, pos);
                if (b[pos] == 0)
                    return nul_error(L, pos);
                return partreg_error_set_at(L->err, PARTREG_EPARSE, L->line, col,
                                            "%s:%ld:%ld: unexpected text after the closing quote "
                                            "of a value; a quote inside a quoted value is "
                                            "written '\"\"'",
                                            L->name, L->line, col);
            }
            return PARTREG_OK;
        } else if (k == C_LF) {
            pos++;
            L->line++;
            L->line_start = pos;
        } else if (k == C_HIGH) {
            size_t m = utf8_seq(b + pos, len - pos);
            if (!m)
                return utf8_error(L, pos);
            pos += m;
        } else {
            return nul_error(L, pos);
        }
    }
}

/* Next field at L->pos; *end says what ended it. */
static inline partreg_status lex_field(lexer *L, field *f, int *end)
{
    const unsigned char *b = L->b;
    size_t len = L->len, pos = L->pos, start = pos;
    f->line = L->line;
    f->line_start = L->line_start;
    f->off = pos;
    f->quoted = 0;
    f->has_dq = 0;
    f->s = (const char *)b + start; /* empty until a path below sets n */
    f->n = 0;
    if (pos < len && (b[pos] == '"' || b[pos] == ' ')) {
        size_t q = pos;
        while (q < len && b[q] == ' ')
            q++;
        if (q < len && b[q] == '"')
            return lex_quoted(L, f, q, end);
    }
    for (;;) {
        pos = scan_ordinary(L, L->cls, pos, 0);
        if (pos == len) {
            f->n = pos - start;
            L->pos = pos;
            *end = END_EOF;
            return PARTREG_OK;
        }
        switch (L->cls[b[pos]]) {
        case C_DELIM:
            f->n = pos - start;
            L->pos = pos + 1;
            *end = END_FIELD;
            return PARTREG_OK;
        case C_LF:
            f->n = pos - start;
            *end = take_end(L, pos);
            return PARTREG_OK;
        case C_CR:
            if (pos + 1 == len || b[pos + 1] == '\n') {
                f->n = pos - start;
                *end = take_end(L, pos);
                return PARTREG_OK;
            }
            pos++; /* a lone CR is an ordinary character */
            break;
        case C_QUOTE:
            pos++; /* a quote inside an unquoted value is kept */
            break;
        case C_HIGH: {
            size_t m = utf8_seq(b + pos, len - pos);
            if (!m)
                return utf8_error(L, pos);
            pos += m;
            break;
        }
        default:
            return nul_error(L, pos);
        }
    }
}

/* Skip empty lines at L->pos; returns 1 when a record starts there. */
static int skip_blank_lines(lexer *L)
{
    const unsigned char *b = L->b;
    size_t pos = L->pos, len = L->len;
    for (;;) {
        if (pos < len && b[pos] == '\n') {
            pos++;
        } else if (pos + 1 < len && b[pos] == '\r' && b[pos + 1] == '\n') {
            pos += 2;
        } else if (pos + 1 == len && b[pos] == '\r') {
            pos++;
            break;
        } else {
            break;
        }
        L->line++;
        L->line_start = pos;
    }
    L->pos = pos;
    return pos < len;
}

/* ---- cells --------------------------------------------------------------- */

static partreg_status scratch_reserve(parser *P, size_t n)
{
    if (n > P->scratch_cap) {
        size_t cap = P->scratch_cap ? P->scratch_cap : 256;
        char *s;
        while (cap < n) {
            if (cap > SIZE_MAX / 2)
                return PARTREG_ENOMEM;
            cap *= 2;
        }
        s = realloc(P->scratch, cap);
        if (!s)
            return PARTREG_ENOMEM;
        P->scratch = s;
        P->scratch_cap = cap;
    }
    return PARTREG_OK;
}

/* The field's text with doubled quotes collapsed: *s, *n (may point into
 * P->scratch, valid until the next call). */
static partreg_status field_text(parser *P, const field *f, const char **s, size_t *n)
{
    size_t i, o = 0;
    if (!f->has_dq) {
        *s = f->s;
        *n = f->n;
        return PARTREG_OK;
    }
    if (scratch_reserve(P, f->n + 1) != PARTREG_OK)
        return PARTREG_ENOMEM;
    for (i = 0; i < f->n; i++) {
        P->scratch[o++] = f->s[i];
        if (f->s[i] == '"')
            i++; /* skip the second quote of a pair */
    }
    *s = P->scratch;
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

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse the trimmed text s[0..n) as a finite number. 1 on success with *out
 * set, 0 when it is not a number (or overflows), -1 when out of memory. */
static int parse_number(parser *P, const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0, any = 0, exact = 1;
    uint64_t m = 0;
    long e = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        any = 1;
        if (m < (UINT64_C(1) << 53) / 10 + 1)
            m = m * 10 + (uint64_t)(s[i] - '0');
        else {
            exact = 0;
            e++;
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            any = 1;
            if (m < (UINT64_C(1) << 53) / 10 + 1) {
                m = m * 10 + (uint64_t)(s[i] - '0');
                e--;
            } else {
                exact = 0;
            }
        }
    }
    if (!any)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, edig = 0;
        long ex = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            edig = 1;
            if (ex < 100000)
                ex = ex * 10 + (s[i] - '0');
        }
        if (!edig)
            return 0;
        e += eneg ? -ex : ex;
    }
    if (i != n)
        return 0;
    if (exact && m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22) {
        double v = (double)m;
        v = e < 0 ? v / pow10_exact[-e] : v * pow10_exact[e];
        *out = neg ? -v : v;
        return 1;
    }
    /* the general case: strtod in the C locale on a terminated copy */
    {
        char *end;
        double v;
        if (scratch_reserve(P, n + 1) != PARTREG_OK)
            return -1;
        if (!P->cloc) {
            P->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
            if (!P->cloc)
                return -1;
        }
        memcpy(P->scratch, s, n);
        P->scratch[n] = '\0';
        errno = 0;
        v = strtod_l(P->scratch, &end, P->cloc);
        if (end != P->scratch + n || !isfinite(v))
            return 0;
        *out = v;
        return 1;
    }
}

/* The common cell of a numeric column, lexed and converted in one scan: an
 * unquoted number that Clinger's fast path converts (the same operations
 * as parse_number(), so the same double), followed directly by the
 * delimiter, a line end or the end of the input. On success fills *f as
 * lex_field() would, sets *end and *dst and returns 1. Anything else
 * (quotes, spaces, NA, text, long mantissas, large exponents, a lone CR)
 * returns 0 with the lexer unchanged: the caller takes the general path,
 * which reads the same cell from the same place. Only used when the caller
 * gave no extra NA strings (one of them could look like a number). */
#if defined(__GNUC__)
#define CSV_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define CSV_ALWAYS_INLINE inline
#endif

/* The number at pos: sign, digits, fraction, exponent as parse_number()
 * reads them. Returns the offset after it, with *m, *e, *neg and *nd (the
 * mantissa digits), or 0 when it is not a number (no digits, or an 'e'
 * without exponent digits). checked = 0 only when an LF lies at or after
 * pos within the input (pos < L->safe): every scan then stops at that LF at
 * the latest, so the bounds checks are left out. */
static CSV_ALWAYS_INLINE size_t number_scan(const unsigned char *b, size_t pos, size_t len,
                                            int checked, uint64_t *m_out, long *e_out,
                                            int *neg, size_t *nd_out)
{
    uint64_t m = 0;
    long e = 0;
    size_t d0, nd;
    *neg = 0;
    if ((!checked || pos < len) && b[pos] == '-') {
        *neg = 1;
        pos++;
    }
    /* at most 15 digits in all (checked by the caller): m < 10^15 < 2^53,
     * so parse_number() would take every digit into m exactly as here */
    for (d0 = pos; (!checked || pos < len) && (unsigned)(b[pos] - '0') < 10; pos++)
        m = m * 10 + (uint64_t)(b[pos] - '0');
    nd = pos - d0;
    if ((!checked || pos < len) && b[pos] == '.') {
        size_t f0 = ++pos;
        for (; (!checked || pos < len) && (unsigned)(b[pos] - '0') < 10; pos++)
            m = m * 10 + (uint64_t)(b[pos] - '0');
        e = -(long)(pos - f0);
        nd += pos - f0;
    }
    if (nd == 0)
        return 0;
    if ((!checked || pos < len) && (b[pos] == 'e' || b[pos] == 'E')) {
        int eneg = 0, edig = 0;
        long ex = 0;
        pos++;
        if ((!checked || pos < len) && (b[pos] == '+' || b[pos] == '-')) {
            eneg = b[pos] == '-';
            pos++;
        }
        for (; (!checked || pos < len) && (unsigned)(b[pos] - '0') < 10; pos++) {
            edig = 1;
            if (ex < 100000)
                ex = ex * 10 + (b[pos] - '0');
        }
        if (!edig)
            return 0;
        e += eneg ? -ex : ex;
    }
    *m_out = m;
    *e_out = e;
    *nd_out = nd;
    return pos;
}

static CSV_ALWAYS_INLINE int lex_number_fast(lexer *L, field *f, int *end, double *dst)
{
    const unsigned char *b = L->b;
    size_t len = L->len, pos = L->pos, start = pos, nd = 0;
    uint64_t m = 0;
    long e = 0;
    int neg = 0, k;
    pos = pos < L->safe ? number_scan(b, pos, len, 0, &m, &e, &neg, &nd)
                        : number_scan(b, pos, len, 1, &m, &e, &neg, &nd);
    if (pos == 0 || nd > 15)
        return 0;
    if (e < -22 || e > 22)
        return 0;
    if (pos < len && L->cls[b[pos]] != C_DELIM && b[pos] != '\n' && b[pos] != '\r')
        return 0;
    f->line = L->line;
    f->line_start = L->line_start;
    f->off = start;
    f->quoted = 0;
    f->has_dq = 0;
    f->s = (const char *)b + start;
    f->n = pos - start;
    if (pos < len && b[pos] == (unsigned char)L->delim) {
        L->pos = pos + 1; /* as take_end() for a delimiter */
        k = END_FIELD;
    } else {
        k = take_end(L, pos); /* line end or end of input */
        if (k < 0)
            return 0; /* a lone CR: lexer unchanged (take_end moves it only on success) */
    }
    *end = k;
    {
        double v = (double)m;
        v = e < 0 ? v / pow10_exact[-e] : v * pow10_exact[e];
        *dst = neg ? -v : v;
    }
    return 1;
}

/* A missing numeric cell in one scan: empty or "NA", followed directly by
 * the delimiter, a line end or the end of the input (what cell_numeric()
 * reads as missing when the caller gave no NA strings). Same contract as
 * lex_number_fast(). */
static inline int lex_missing_fast(lexer *L, field *f, int *end, double *dst)
{
    const unsigned char *b = L->b;
    size_t len = L->len, pos = L->pos, start = pos;
    int k;
    if (pos + 1 < len && b[pos] == 'N' && b[pos + 1] == 'A')
        pos += 2;
    if (pos < len && L->cls[b[pos]] != C_DELIM && b[pos] != '\n' && b[pos] != '\r')
        return 0;
    f->line = L->line;
    f->line_start = L->line_start;
    f->off = start;
    f->quoted = 0;
    f->has_dq = 0;
    f->s = (const char *)b + start;
    f->n = pos - start;
    k = take_end(L, pos);
    if (k < 0)
        return 0;
    *end = k;
    *dst = NAN;
    return 1;
}

/* ---- parallel pass 1 ------------------------------------------------------ */

/* One chunk of whole lines [start, end) of the data, parsed on its own
 * lexer (a copy whose input ends at the chunk's end; line numbers count
 * from 0 except in the first chunk, and are shifted when chunks are
 * joined). A chunk only accepts rows whose every cell is a plain number or
 * missing (lex_number_fast, lex_missing_fast) with exactly ncol cells:
 * anything else (quotes, text, ragged rows, invalid bytes) stops it, and
 * the caller reads the file sequentially from the start of the data, so
 * every error and every categorical column comes from the one sequential
 * code path. */
typedef struct chunk {
    lexer L;
    size_t ncol;
    double **vals;   /* ncol growing arrays */
    long *lines;
    size_t n, cap;
    int ok;
    atomic_int *stop; /* set by the first chunk that fails */
    int release;      /* drop parsed pages of the mapping (parser.release) */
    size_t released;  /* pages before this offset are dropped */
} chunk;

/* Bytes a chunk parses between two page drops. */
#define CHUNK_RELEASE_STEP ((size_t)16 << 20)

/* Drop the whole pages of the chunk's input before its current position
 * from this process (madvise(MADV_DONTNEED) on the private read-only file
 * mapping: the page cache keeps them, and a later read, such as the
 * sequential pass after a chunk stopped, faults them back in unchanged).
 * Pages shared with the previous chunk are never dropped here. Keeps the
 * mapped file from adding its whole size to the reader's peak memory. */
static void chunk_release(chunk *c)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t lo = c->released, hi = c->L.pos / page * page;
    if (hi > lo)
        (void)madvise((void *)(uintptr_t)(c->L.b + lo), hi - lo, MADV_DONTNEED);
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
    while (skip_blank_lines(L)) {
        if (atomic_load_explicit(c->stop, memory_order_relaxed))
            return;
        if (c->release && c->L.pos - c->released >= CHUNK_RELEASE_STEP)
            chunk_release(c);
        if (c->n == c->cap && !chunk_grow(c))
            goto fail;
        c->lines[c->n] = L->line;
        for (size_t k = 0; k < c->ncol; k++) {
            double *dst = &c->vals[k][c->n];
            if (!lex_number_fast(L, &f, &end, dst) && !lex_missing_fast(L, &f, &end, dst))
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

/* Pass 1 over the data in P->threads chunks at once, when every cell is a
 * plain number or missing. Returns 1 with vals[k] (ncol arrays of *n_rows
 * values) and *lines filled, the same arrays the sequential pass 1 fills;
 * 0 (nothing allocated, lexer untouched) when the file must be read
 * sequentially: a single chunk, NA strings given, a cell the chunks do not
 * accept, or out of memory. */
static int parse_parallel(parser *P, size_t ncol, size_t data_pos, long data_line,
                          size_t data_line_start, double **vals, long **lines, size_t *n_rows)
{
    const lexer *L = &P->L;
    size_t T = P->threads, data_len = L->len - data_pos;
    size_t min_bytes = P->min_bytes ? P->min_bytes : 1;
    if (T > data_len / min_bytes)
        T = data_len / min_bytes;
    if (T > PARTREG_TEAM_MAX)
        T = PARTREG_TEAM_MAX;
    if (T < 2 || P->n_na || ncol == 0)
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
        c[t].release = P->release;
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
    for (t = 0; t < T; t++)
        chunk_free(&c[t]);
    free(c);
    return ok;
}

/* ---- the reader ------------------------------------------------------------ */

static char detect_delimiter(const unsigned char *b, size_t len, size_t pos)
{
    size_t counts[3] = {0, 0, 0};
    int inq = 0;
    for (; pos < len; pos++) {
        unsigned char c = b[pos];
        if (c == '"')
            inq = !inq;
        else if (!inq) {
            if (c == '\n')
                break;
            counts[0] += c == ',';
            counts[1] += c == ';';
            counts[2] += c == '\t';
        }
    }
    if (counts[0] >= counts[1] && counts[0] >= counts[2])
        return ','; /* also when the line has none: one column */
    return counts[1] >= counts[2] ? ';' : '\t';
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
        ok = parse_number(P, s, n, dst);
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
    ok = parse_number(P, s, n, dst);
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
    ok = parse_number(P, ts, tn, &v);
    if (ok < 0)
        return PARTREG_ENOMEM;
    *n_numeric += (size_t)ok;
    return PARTREG_OK;
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
        st = lex_field(L, f, &end);
        if (st != PARTREG_OK)
            return st;
    }
    return PARTREG_OK;
}

static partreg_status parse_csv(parser *P, const char *name, partreg_table **out,
                                partreg_error *err)
{
    lexer *L = &P->L;
    partreg_status st = PARTREG_OK;
    partreg_table *t = NULL, *names = NULL;
    colstate *cols = NULL;
    long *lines = NULL;
    size_t *row_off = NULL;
    size_t ncol = 0, k, r, n_rows = 0, cap = 0, data_pos, catch_up = 0;
    long data_line, bad_line = 0, bad_col = 0;
    size_t data_line_start;
    int end, any_deferred = 0;
    field f;

    /* a UTF-8 byte-order mark */
    if (L->len >= 3 && L->b[0] == 0xEF && L->b[1] == 0xBB && L->b[2] == 0xBF)
        L->pos = L->line_start = 3;
    if (!skip_blank_lines(L)) {
        st = partreg_error_set_at(err, PARTREG_EPARSE, 1, 1,
                                  "%s is empty; a CSV file needs a header line naming the columns",
                                  name);
        goto cleanup;
    }
    if (!P->delim)
        P->delim = detect_delimiter(L->b, L->len, L->pos);
    L->cls[(unsigned char)P->delim] = C_DELIM;
    L->delim = P->delim;

    /* the header: names are unique and not empty. `names` column 0 holds
     * them; columns 1..ncol become the level dictionaries of pass 1. */
    st = partreg_table_create(NULL, 0, &names);
    if (st != PARTREG_OK)
        goto nomem;
    st = partreg_table_append_categorical(names, "", 0, NULL);
    if (st != PARTREG_OK)
        goto nomem;
    do {
        const char *s;
        size_t n;
        int code;
        st = lex_field(L, &f, &end);
        if (st != PARTREG_OK)
            goto cleanup;
        if (field_text(P, &f, &s, &n) != PARTREG_OK)
            goto nomem;
        if (!f.quoted)
            trim(&s, &n);
        if (n == 0) {
            long col = char_column(L, f.line_start, f.off);
            st = partreg_error_set_at(err, PARTREG_EPARSE, f.line, col,
                                      "%s:%ld:%ld: column %zu of the header line has no name; "
                                      "give every column a name",
                                      name, f.line, col, ncol + 1);
            goto cleanup;
        }
        st = partreg_table_intern_level(names, 0, s, n, &code);
        if (st != PARTREG_OK)
            goto nomem;
        if ((size_t)code != ncol) {
            long col = char_column(L, f.line_start, f.off);
            st = partreg_error_set_at(err, PARTREG_EPARSE, f.line, col,
                                      "%s:%ld:%ld: column name '%s' appears twice in the header "
                                      "line (columns %d and %zu); rename one of them",
                                      name, f.line, col,
                                      partreg_table_level_name(names, 0, (size_t)code), code + 1,
                                      ncol + 1);
            goto cleanup;
        }
        ncol++;
    } while (end == END_FIELD);

    cols = calloc(ncol, sizeof *cols);
    if (!cols)
        goto nomem;
    for (k = 0; k < ncol; k++) {
        cols[k].state = COL_NUMERIC;
        if (partreg_table_append_categorical(names, "", 0, NULL) != PARTREG_OK)
            goto nomem;
    }
    if (P->line_base > 0) /* a part of a file: its records' own lines */
        L->line = P->line_base;
    data_pos = L->pos;
    data_line = L->line;
    data_line_start = L->line_start;

    /* pass 1 in chunks at once when every cell is a plain number */
    {
        double **pv = calloc(ncol ? ncol : 1, sizeof *pv);
        if (!pv)
            goto nomem;
        if (parse_parallel(P, ncol, data_pos, data_line, data_line_start, pv, &lines, &n_rows)) {
            for (k = 0; k < ncol; k++)
                cols[k].vals = pv[k];
            cap = n_rows;
            L->pos = L->len;
        }
        free(pv);
    }

    /* pass 1: structure, row lines, numbers, and the text of columns known
     * to be categorical */
    while (skip_blank_lines(L)) {
        long rec_line = L->line;
        if (n_rows == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            long *nl;
            size_t *no;
            if (nc > SIZE_MAX / sizeof(double))
                goto nomem;
            nl = realloc(lines, nc * sizeof *nl);
            if (!nl)
                goto nomem;
            lines = nl;
            no = realloc(row_off, nc * sizeof *no);
            if (!no)
                goto nomem;
            row_off = no;
            for (k = 0; k < ncol; k++) {
                if (cols[k].state == COL_NUMERIC) {
                    double *nv = realloc(cols[k].vals, nc * sizeof *nv);
                    if (!nv)
                        goto nomem;
                    cols[k].vals = nv;
                } else if (cols[k].state == COL_CATEGORICAL) {
                    int *nv = realloc(cols[k].codes, nc * sizeof *nv);
                    if (!nv)
                        goto nomem;
                    cols[k].codes = nv;
                }
            }
            cap = nc;
        }
        lines[n_rows] = rec_line;
        row_off[n_rows] = L->pos;
        k = 0;
        do {
            colstate *c;
            if (k < ncol && cols[k].state == COL_NUMERIC && !P->n_na &&
                lex_number_fast(L, &f, &end, &cols[k].vals[n_rows])) {
                k++;
                continue;
            }
            st = lex_field(L, &f, &end);
            if (st != PARTREG_OK)
                goto cleanup;
            if (k >= ncol) {
                if (k == ncol) {
                    bad_line = f.line;
                    bad_col = char_column(L, f.line_start, f.off);
                }
                k++;
                continue;
            }
            c = &cols[k];
            if (c->state == COL_NUMERIC) {
                int is_num;
                if (cell_numeric(P, &f, &c->vals[n_rows], &is_num) != PARTREG_OK)
                    goto nomem;
                if (!is_num) {
                    /* the column is categorical after all */
                    const char *s;
                    size_t n, before = row_off[n_rows] - data_pos;
                    if (field_text(P, &f, &s, &n) != PARTREG_OK)
                        goto nomem;
                    remember_fnn(c, &f, s, n);
                    free(c->vals);
                    c->vals = NULL;
                    if (catch_up + before > L->len) {
                        c->state = COL_DEFERRED; /* pass 2 will do it */
                        any_deferred = 1;
                    } else {
                        /* re-read this column in the rows before */
                        lexer L2 = *L;
                        field g;
                        catch_up += before;
                        c->codes = malloc(cap * sizeof *c->codes);
                        if (!c->codes)
                            goto nomem;
                        c->state = COL_CATEGORICAL;
                        for (r = 0; r < n_rows; r++) {
                            L2.pos = row_off[r];
                            L2.line = lines[r];
                            if (lex_to_field(&L2, k, &g) != PARTREG_OK)
                                goto nomem; /* cannot happen: validated */
                            st = cell_categorical(P, &g, names, k + 1, &c->codes[r],
                                                  &c->n_numeric);
                            if (st != PARTREG_OK)
                                goto intern_failed;
                        }
                    }
                }
            }
            if (c->state == COL_CATEGORICAL) {
                st = cell_categorical(P, &f, names, k + 1, &c->codes[n_rows], &c->n_numeric);
                if (st != PARTREG_OK)
                    goto intern_failed;
            }
            k++;
        } while (end == END_FIELD);
        if (k != ncol) {
            if (k < ncol) {
                bad_line = f.line;
                bad_col = char_column(L, f.line_start,
                                      (size_t)(f.s - (const char *)L->b) + f.n + (size_t)f.quoted);
            }
            st = partreg_error_set_at(err, PARTREG_EPARSE, bad_line, bad_col,
                                      "%s:%ld:%ld: line %ld has %zu field%s, the header has %zu; "
                                      "check that line for a missing or extra delimiter ('%s'), "
                                      "and quote values that contain one",
                                      name, bad_line, bad_col, rec_line, k, k == 1 ? "" : "s", ncol,
                                      P->delim == '\t' ? "\\t" : P->delim == ';' ? ";" : ",");
            goto cleanup;
        }
        n_rows++;
    }

    /* the table, columns in header order */
    st = partreg_table_create(name, n_rows, &t);
    if (st != PARTREG_OK)
        goto nomem;
    for (k = 0; k < ncol; k++) {
        const char *nm = partreg_table_level_name(names, 0, k);
        colstate *c = &cols[k];
        if (c->state == COL_NUMERIC) {
            if (!c->vals && !(c->vals = malloc(sizeof(double))))
                goto nomem;
            st = partreg_table_adopt_numeric(t, nm, strlen(nm), c->vals);
            if (st != PARTREG_OK)
                goto nomem;
            c->vals = NULL;
        } else if (c->state == COL_CATEGORICAL) {
            if (!c->codes && !(c->codes = malloc(sizeof(int))))
                goto nomem;
            st = partreg_table_adopt_categorical(t, nm, strlen(nm), c->codes, names, k + 1);
            if (st != PARTREG_OK)
                goto nomem;
            c->codes = NULL;
        } else {
            st = partreg_table_append_categorical(t, nm, strlen(nm), NULL);
            if (st != PARTREG_OK)
                goto nomem;
        }
    }
    if (!lines && !(lines = malloc(sizeof *lines)))
        goto nomem;
    partreg_table_adopt_row_lines(t, lines);
    lines = NULL;

    /* pass 2: columns that turned categorical too late to catch up */
    if (any_deferred) {
        L->pos = data_pos;
        L->line = data_line;
        L->line_start = data_line_start;
        for (r = 0; r < n_rows && skip_blank_lines(L); r++) {
            k = 0;
            do {
                st = lex_field(L, &f, &end);
                if (st != PARTREG_OK)
                    goto cleanup;
                if (k < ncol && cols[k].state == COL_DEFERRED) {
                    st = cell_categorical(P, &f, t, k, &partreg_table_codes_mut(t, k)[r],
                                          &cols[k].n_numeric);
                    if (st != PARTREG_OK)
                        goto intern_failed;
                }
                k++;
            } while (end == END_FIELD);
        }
    }
    for (k = 0; k < ncol; k++) {
        if (cols[k].state != COL_NUMERIC &&
            partreg_table_set_first_non_numeric(t, k, cols[k].fnn_line, cols[k].fnn_value,
                                                cols[k].fnn_len, cols[k].n_numeric) != PARTREG_OK)
            goto nomem;
    }
    partreg_error_clear(err);
    *out = t;
    t = NULL;
    st = PARTREG_OK;
    goto cleanup;

intern_failed:
    if (st == PARTREG_ENOMEM)
        goto nomem;
    st = partreg_error_set_at(err, st, f.line, 0,
                              "%s: column %zu has more distinct values than partreg can code "
                              "(%u)",
                              name, k + 1, PARTREG_TABLE_MAX_LEVELS);
    goto cleanup;
nomem:
    st = oom(err, name);
cleanup:
    if (cols) {
        for (k = 0; k < ncol; k++) {
            free(cols[k].vals);
            free(cols[k].codes);
        }
        free(cols);
    }
    free(lines);
    free(row_off);
    partreg_table_free(names);
    partreg_table_free(t);
    return st;
}

static partreg_status read_buffer(const char *buf, size_t len, const char *name,
                                  const partreg_read_options *opt, int release, long line_base,
                                  partreg_table **out, partreg_error *err);

partreg_status partreg_table_read_csv_buffer(const char *buf, size_t len, const char *name,
                                             const partreg_read_options *opt,
                                             partreg_table **out, partreg_error *err)
{
    return read_buffer(buf, len, name, opt, 0, 0, out, err);
}

partreg_status partreg_table_read_csv_part(const char *buf, size_t len, const char *name,
                                           const partreg_read_options *opt, long line,
                                           partreg_table **out, partreg_error *err)
{
    return read_buffer(buf, len, name, opt, 0, line, out, err);
}

/* release = 1: buf is the reader's own read-only private file mapping,
 * whose parsed pages may be dropped (chunk_release). */
static partreg_status read_buffer(const char *buf, size_t len, const char *name,
                                  const partreg_read_options *opt, int release, long line_base,
                                  partreg_table **out, partreg_error *err)
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
    P.release = release;
    P.line_base = line_base;
    lexer_init(&P.L, buf ? buf : "", len, P.delim, name, err);
    st = parse_csv(&P, name, out, err);
    free(P.na_len);
    free(P.scratch);
    if (P.cloc)
        freelocale(P.cloc);
    return st;
}

/* Read a whole file into memory (a directory or unreadable file is EIO).
 * A non-empty regular file is mapped (*mapped = 1: release with munmap);
 * anything else (a pipe, or when mmap fails) is read into a malloc'ed
 * buffer (*mapped = 0: release with free). */
static partreg_status slurp(const char *path, char **out, size_t *out_len, int *mapped,
                            partreg_error *err)
{
    char ebuf[128];
    struct stat sb;
    char *buf = NULL;
    size_t len = 0, cap;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    *out_len = 0;
    *mapped = 0;
    if (fd < 0)
        return partreg_error_set(err, PARTREG_EIO, "cannot open '%s': %s; check the path", path,
                                 strerror_r(errno, ebuf, sizeof ebuf));
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return partreg_error_set(err, PARTREG_EIO, "cannot read '%s': %s", path,
                                 strerror_r(e, ebuf, sizeof ebuf));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return partreg_error_set(err, PARTREG_EIO,
                                 "cannot read '%s': %s; give the path of a data file", path,
                                 strerror_r(EISDIR, ebuf, sizeof ebuf));
    }
    if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size >= SIZE_MAX) {
        close(fd);
        return partreg_error_set(err, PARTREG_ENOMEM, "'%s' is too large to read", path);
    }
    if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            close(fd);
            *out = m;
            *out_len = (size_t)sb.st_size;
            *mapped = 1;
            return PARTREG_OK;
        }
    }
    cap = S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 65536;
    buf = malloc(cap);
    if (!buf) {
        close(fd);
        return oom(err, path);
    }
    for (;;) {
        ssize_t got;
        if (len == cap) {
            char *nb;
            if (cap > SIZE_MAX / 2) {
                free(buf);
                close(fd);
                return oom(err, path);
            }
            nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return oom(err, path);
            }
            buf = nb;
            cap *= 2;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            free(buf);
            close(fd);
            return partreg_error_set(err, PARTREG_EIO, "cannot read '%s': %s", path,
                                     strerror_r(e, ebuf, sizeof ebuf));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return PARTREG_OK;
}

partreg_status partreg_table_read_csv(const char *path, const partreg_read_options *opt,
                                      partreg_table **out, partreg_error *err)
{
    char *buf;
    size_t len;
    int mapped;
    partreg_status st;
    if (out)
        *out = NULL;
    if (!path || !out)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_table_read_csv needs a path and an output");
    st = slurp(path, &buf, &len, &mapped, err);
    if (st != PARTREG_OK)
        return st;
    st = read_buffer(buf, len, path, opt, mapped, 0, out, err);
    if (mapped)
        munmap(buf, len);
    else
        free(buf);
    return st;
}
