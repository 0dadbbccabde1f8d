/* The CSV tokeniser (csv_lex.c): byte classes, the lexer over an input in
 * memory, and the per-field scan, inline here because every cell of the
 * file goes through it (the reader's passes in csv.c and the parallel
 * chunks in csv_parallel.c). Private to lib/data. */
#ifndef PARTREG_DATA_CSV_LEX_H
#define PARTREG_DATA_CSV_LEX_H

#include "partreg.h"

#include "core/utf8.h"

#include <stddef.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte classes of the tokeniser. */
enum { C_ORD = 0, C_DELIM, C_LF, C_CR, C_QUOTE, C_HIGH, C_NUL };
/* How a field ended. */
enum { END_FIELD = 0, END_RECORD, END_EOF };

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

/* Lexer over buf[0..len) (borrowed); delim 0 = not known yet. */
void csv_lexer_init(lexer *L, const char *buf, size_t len, char delim, const char *name,
                    partreg_error *err);

/* 1-based column of byte offset off on a line starting at line_start,
 * counted in UTF-8 characters (continuation bytes do not count). */
long csv_char_column(const lexer *L, size_t line_start, size_t off);

/* The errors of the tokeniser: invalid UTF-8 or a NUL byte at off (in
 * L->err, with file, line and column); return PARTREG_EPARSE. */
partreg_status csv_utf8_error(lexer *L, size_t off);
partreg_status csv_nul_error(lexer *L, size_t off);

/* A quoted field whose opening quote is at q (lex_field's slow path). */
partreg_status csv_lex_quoted(lexer *L, field *f, size_t q, int *end);

/* Text that is not a CSV file as the reader takes it, named as such:
 * UTF-16 (a byte-order mark, or a NUL beside each of the first two
 * characters) and lines that end in CR alone. PARTREG_OK or
 * PARTREG_EPARSE in L->err. */
partreg_status csv_check_text_form(const lexer *L);

/* The delimiter of the header line at pos: the most frequent of ',', ';'
 * and TAB outside quotes, ties broken in that order (',' when none).
 * *closed (when not NULL): 1 when the line ended at an LF before len. */
char csv_detect_delimiter(const unsigned char *b, size_t len, size_t pos, int *closed);

/* Offset of the first byte at or after pos that is not C_ORD in cls, or
 * len. With SSE2, 16 bytes at a time: quote, LF, CR, NUL, the delimiter
 * (when `delim` is not 0) and bytes >= 0x80 are the specials, matching the
 * tables lexer_init() builds. */
static inline size_t csv_scan_ordinary(const lexer *L, const unsigned char *cls, size_t pos,
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

/* After a record or a closing quote: consume a line end at pos if any.
 * Returns the end kind, or -1 when something else is there. */
static inline int csv_take_end(lexer *L, size_t pos)
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

/* Next field at L->pos; *end says what ended it. */
static inline partreg_status csv_lex_field(lexer *L, field *f, int *end)
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
            return csv_lex_quoted(L, f, q, end);
    }
    for (;;) {
        pos = csv_scan_ordinary(L, L->cls, pos, 0);
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
            *end = csv_take_end(L, pos);
            return PARTREG_OK;
        case C_CR:
            if (pos + 1 == len || b[pos + 1] == '\n') {
                f->n = pos - start;
                *end = csv_take_end(L, pos);
                return PARTREG_OK;
            }
            pos++; /* a lone CR is an ordinary character */
            break;
        case C_QUOTE:
            pos++; /* a quote inside an unquoted value is kept */
            break;
        case C_HIGH: {
            size_t m = partreg_utf8_seq(b + pos, len - pos);
            if (!m)
                return csv_utf8_error(L, pos);
            pos += m;
            break;
        }
        default:
            return csv_nul_error(L, pos);
        }
    }
}

/* Skip empty lines at L->pos; returns 1 when a record starts there. */
static inline int csv_skip_blank_lines(lexer *L)
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

#endif
