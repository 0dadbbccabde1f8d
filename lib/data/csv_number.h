/* Numbers in CSV cells (csv_number.c): the general conversion of a cell's
 * text, and the fast path that lexes and converts the common numeric cell
 * in one scan, inline because it runs once per cell of every numeric
 * column. Private to lib/data. */
#ifndef PARTREG_DATA_CSV_NUMBER_H
#define PARTREG_DATA_CSV_NUMBER_H

#include "data/csv_lex.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Scratch of the general conversion: a terminated copy for strtod_l and
 * the "C" locale, created on first use. Zero-initialise; release with
 * csv_scratch_free(). One per thread. */
typedef struct csv_scratch {
    char *buf;
    size_t cap;
    locale_t cloc;
} csv_scratch;

/* Room for n bytes in S->buf; PARTREG_OK or PARTREG_ENOMEM. */
partreg_status csv_scratch_reserve(csv_scratch *S, size_t n);
void csv_scratch_free(csv_scratch *S);

/* Parse the trimmed text s[0..n) as a finite number. 1 on success with *out
 * set, 0 when it is not a number (or overflows), -1 when out of memory. */
int csv_parse_number(csv_scratch *S, const char *s, size_t n, double *out);

static const double csv_pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};


/* The common cell of a numeric column, lexed and converted in one scan: an
 * unquoted number that Clinger's fast path converts (the same operations
 * as csv_parse_number(), so the same double), followed directly by the
 * delimiter, a line end or the end of the input. On success fills *f as
 * csv_lex_field() would, sets *end and *dst and returns 1. Anything else
 * (quotes, spaces, NA, text, long mantissas, large exponents, a lone CR)
 * returns 0 with the lexer unchanged: the caller takes the general path,
 * which reads the same cell from the same place. Only used when the caller
 * gave no extra NA strings (one of them could look like a number). */
#if defined(__GNUC__)
#define CSV_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define CSV_ALWAYS_INLINE inline
#endif

/* -v when neg, else v, without a branch: negation flips the sign bit
 * alone, and a branch on the sign of each cell (half of them negative in
 * centred data) is mispredicted half the time. */
static CSV_ALWAYS_INLINE double csv_negate_if(double v, int neg)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    u ^= (uint64_t)(neg != 0) << 63;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The number at pos: sign, digits, fraction, exponent as csv_parse_number()
 * reads them. Returns the offset after it, with *m, *e, *neg and *nd (the
 * mantissa digits), or 0 when it is not a number (no digits, or an 'e'
 * without exponent digits). checked = 0 only when an LF lies at or after
 * pos within the input (pos < L->safe): every scan then stops at that LF at
 * the latest, so the bounds checks are left out. */
static CSV_ALWAYS_INLINE size_t csv_number_scan(const unsigned char *b, size_t pos, size_t len,
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
     * so csv_parse_number() would take every digit into m exactly as here */
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

static CSV_ALWAYS_INLINE int csv_lex_number_fast(lexer *L, field *f, int *end, double *dst)
{
    const unsigned char *b = L->b;
    size_t len = L->len, pos = L->pos, start = pos, nd = 0;
    uint64_t m = 0;
    long e = 0;
    int neg = 0, k;
    pos = pos < L->safe ? csv_number_scan(b, pos, len, 0, &m, &e, &neg, &nd)
                        : csv_number_scan(b, pos, len, 1, &m, &e, &neg, &nd);
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
        L->pos = pos + 1; /* as csv_take_end() for a delimiter */
        k = END_FIELD;
    } else {
        k = csv_take_end(L, pos); /* line end or end of input */
        if (k < 0)
            return 0; /* a lone CR: lexer unchanged (take_end moves it only on success) */
    }
    *end = k;
    {
        double v = (double)m;
        v = e < 0 ? v / csv_pow10_exact[-e] : v * csv_pow10_exact[e];
        *dst = csv_negate_if(v, neg);
    }
    return 1;
}

/* csv_lex_number_fast() for the parallel chunks, which need no field: the
 * plain decimal cell ([-]digits[.digits], at most 15 digits, then the
 * delimiter or an LF) when an LF lies ahead (pos < L->safe, so no scan
 * needs a bounds check) converted here, every other cell handed to
 * csv_lex_number_fast(). The same double and the same lexer state: with
 * no exponent, e is minus the count of fraction digits, within 0..-15. */
static CSV_ALWAYS_INLINE int csv_lex_number_plain(lexer *L, int *end, double *dst)
{
    const unsigned char *b = L->b;
    size_t pos = L->pos, d0, nd, nf = 0;
    uint64_t m = 0;
    int neg;
    unsigned char c;
    if (pos >= L->safe) {
        field f;
        return csv_lex_number_fast(L, &f, end, dst);
    }
    neg = b[pos] == '-';
    pos += (size_t)neg;
    for (d0 = pos; (unsigned)(b[pos] - '0') < 10; pos++)
        m = m * 10 + (uint64_t)(b[pos] - '0');
    nd = pos - d0;
    if (b[pos] == '.') {
        size_t f0 = ++pos;
        for (; (unsigned)(b[pos] - '0') < 10; pos++)
            m = m * 10 + (uint64_t)(b[pos] - '0');
        nf = pos - f0;
        nd += nf;
    }
    if (nd - 1 >= 15)
        return 0; /* no digits, or more than 15: not for the fast path */
    c = b[pos];
    if (c == (unsigned char)L->delim) {
        L->pos = pos + 1;
        *end = END_FIELD;
    } else if (c == '\n') {
        L->pos = pos + 1;
        L->line++;
        L->line_start = pos + 1;
        *end = END_RECORD;
    } else {
        field f; /* an exponent, a CR, or not a number */
        return csv_lex_number_fast(L, &f, end, dst);
    }
    {
        double v = (double)m;
        if (nf)
            v = v / csv_pow10_exact[nf];
        *dst = csv_negate_if(v, neg);
    }
    return 1;
}

/* A missing numeric cell in one scan: empty or "NA", followed directly by
 * the delimiter, a line end or the end of the input (what cell_numeric()
 * reads as missing when the caller gave no NA strings). Same contract as
 * csv_lex_number_fast(). */
static inline int csv_lex_missing_fast(lexer *L, field *f, int *end, double *dst)
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
    k = csv_take_end(L, pos);
    if (k < 0)
        return 0;
    *end = k;
    *dst = NAN;
    return 1;
}

#endif
