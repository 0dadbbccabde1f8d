/* The CSV tokeniser's cold half: the lexer's byte-class tables, the
 * column of a byte for messages, the errors, quoted fields and the
 * delimiter of the header line. The per-field scan is inline in
 * csv_lex.h. Format: see csv.c. */
#define _GNU_SOURCE /* memrchr */

#include "data/csv_lex.h"

#include "core/error.h"

#include <string.h>

/* 1-based column of byte offset off on a line starting at line_start,
 * counted in UTF-8 characters (continuation bytes do not count). */
long csv_char_column(const lexer *L, size_t line_start, size_t off)
{
    long col = 1;
    size_t i;
    for (i = line_start; i < off && i < L->len; i++)
        col += (L->b[i] & 0xC0) != 0x80;
    return col;
}

partreg_status csv_utf8_error(lexer *L, size_t off)
{
    long col = csv_char_column(L, L->line_start, off);
    return partreg_error_set_at(L->err, PARTREG_EPARSE, L->line, col,
                                "%s:%ld:%ld: invalid UTF-8 (byte 0x%02X); save the file as UTF-8 "
                                "(it is probably Latin-1 or Windows-1252)",
                                L->name, L->line, col, (unsigned)L->b[off]);
}

partreg_status csv_nul_error(lexer *L, size_t off)
{
    long col = csv_char_column(L, L->line_start, off);
    return partreg_error_set_at(L->err, PARTREG_EPARSE, L->line, col,
                                "%s:%ld:%ld: NUL byte in the text; this looks like a binary file, "
                                "give a CSV text file",
                                L->name, L->line, col);
}

void csv_lexer_init(lexer *L, const char *buf, size_t len, char delim, const char *name,
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

partreg_status csv_lex_quoted(lexer *L, field *f, size_t q, int *end)
{
    const unsigned char *b = L->b;
    size_t len = L->len, start = q + 1, pos = start;
    f->quoted = 1;
    for (;;) {
        unsigned char k;
        pos = csv_scan_ordinary(L, L->qcls, pos, 1);
        if (pos == len) {
            long col = csv_char_column(L, f->line_start, q);
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
            *end = csv_take_end(L, pos);
            if (*end < 0) {
                long col = csv_char_column(L, L->line_start, pos);
                if (b[pos] >= 0x80 && !partreg_utf8_seq(b + pos, len - pos))
                    return csv_utf8_error(L, pos);
                if (b[pos] == 0)
                    return csv_nul_error(L, pos);
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
            size_t m = partreg_utf8_seq(b + pos, len - pos);
            if (!m)
                return csv_utf8_error(L, pos);
            pos += m;
        } else {
            return csv_nul_error(L, pos);
        }
    }
}

char csv_detect_delimiter(const unsigned char *b, size_t len, size_t pos, int *closed)
{
    size_t counts[3] = {0, 0, 0};
    int inq = 0;
    if (closed)
        *closed = 0;
    for (; pos < len; pos++) {
        unsigned char c = b[pos];
        if (c == '"')
            inq = !inq;
        else if (!inq) {
            if (c == '\n') {
                if (closed)
                    *closed = 1;
                break;
            }
            counts[0] += c == ',';
            counts[1] += c == ';';
            counts[2] += c == '\t';
        }
    }
    if (counts[0] >= counts[1] && counts[0] >= counts[2])
        return ','; /* also when the line has none: one column */
    return counts[1] >= counts[2] ? ';' : '\t';
}


partreg_status csv_check_text_form(const lexer *L)
{
    const unsigned char *b = L->b;
    size_t len = L->len;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return partreg_error_set_at(L->err, PARTREG_EPARSE, 1, 1,
                                    "%s is UTF-16 text (byte-order mark 0x%02X 0x%02X); save it "
                                    "as UTF-8 (in Excel: 'CSV UTF-8'), or convert it with "
                                    "iconv -f UTF-16 -t UTF-8",
                                    L->name, b[0], b[1]);
    if (len >= 4 && ((b[0] && !b[1] && b[2] && !b[3]) || (!b[0] && b[1] && !b[2] && b[3])))
        return partreg_error_set_at(L->err, PARTREG_EPARSE, 1, 1,
                                    "%s looks like UTF-16 text (a NUL byte beside each "
                                    "character); save it as UTF-8 (in Excel: 'CSV UTF-8'), or "
                                    "convert it with iconv -f UTF-16 -t UTF-8",
                                    L->name);
    /* the CR is looked for only when there is no LF: a whole-file scan for
     * CR would cost as much as a tenth of the parse */
    const unsigned char *cr = len && !memchr(b, '\n', len) ? memchr(b, '\r', len) : NULL;
    if (cr && (size_t)(cr - b) + 1 < len)
        return partreg_error_set_at(L->err, PARTREG_EPARSE, 1, csv_char_column(L, 0, (size_t)(cr - b)),
                                    "%s: its lines end in CR alone (the line ends of classic "
                                    "Mac OS), so it reads as one line; save it with LF or CRLF "
                                    "line ends (e.g. tr '\\r' '\\n')",
                                    L->name);
    return PARTREG_OK;
}
