/* Tokenizer of the formula language: names (letters, digits, '.', '_' and
 * any non-ASCII UTF-8 byte, not starting with a digit; or `backquoted`),
 * decimal numbers, and the operators ~ + - * / ^ : ( ) , |. Positions are
 * reported as 1-based character (code point) positions for messages. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/formula_internal.h"
#include "frame/number.h"

long partreg_formula_char_pos(const char *text, size_t off)
{
    long pos = 1;
    for (size_t i = 0; i < off && text[i]; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static partreg_tok_kind op_kind(char c)
{
    switch (c) {
    case '~': return PARTREG_TOK_TILDE;
    case '+': return PARTREG_TOK_PLUS;
    case '-': return PARTREG_TOK_MINUS;
    case '*': return PARTREG_TOK_STAR;
    case '/': return PARTREG_TOK_SLASH;
    case '^': return PARTREG_TOK_CARET;
    case ':': return PARTREG_TOK_COLON;
    case '(': return PARTREG_TOK_LPAREN;
    case ')': return PARTREG_TOK_RPAREN;
    case ',': return PARTREG_TOK_COMMA;
    case '|': return PARTREG_TOK_PIPE;
    default: return PARTREG_TOK_END;
    }
}

partreg_status partreg_formula_lex(const char *text, partreg_token **toks, size_t *n,
                                   partreg_error *err)
{
    size_t len = strlen(text), cap = 16, count = 0;
    partreg_token *t = malloc(cap * sizeof *t);
    if (!t)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory parsing the formula");
    size_t i = 0;
    for (;;) {
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                           text[i] == '\r'))
            i++;
        if (count == cap) {
            partreg_token *nt = realloc(t, 2 * cap * sizeof *t);
            if (!nt) {
                free(t);
                return partreg_error_set(err, PARTREG_ENOMEM, "out of memory parsing the formula");
            }
            t = nt;
            cap *= 2;
        }
        partreg_token *k = &t[count];
        memset(k, 0, sizeof *k);
        k->start = i;
        k->pos = partreg_formula_char_pos(text, i);
        long pos = k->pos;
        partreg_status st = PARTREG_OK;
        if (i == len) {
            k->kind = PARTREG_TOK_END;
            count++;
            break;
        }
        unsigned char c = (unsigned char)text[i];
        size_t numlen = partreg_number_scan(text + i, len - i);
        if (numlen > 0) {
            k->kind = PARTREG_TOK_NUMBER;
            k->len = numlen;
            partreg_number_parse(text + i, numlen, &k->value);
            if (i + numlen < len && is_name_char((unsigned char)text[i + numlen])) {
                st = partreg_error_set_at(err, PARTREG_EFORMULA, 0, pos,
                                          "formula: '%.*s' at position %ld is not a number "
                                          "or a name (names cannot start with a digit; "
                                          "quote them in backticks: `%.*s`)",
                                          (int)(numlen + 1), text + i, pos,
                                          (int)(numlen + 1), text + i);
            }
        } else if (is_name_start(c)) {
            size_t j = i;
            while (j < len && is_name_char((unsigned char)text[j]))
                j++;
            k->kind = PARTREG_TOK_IDENT;
            k->len = j - i;
            k->name_start = i;
            k->name_len = j - i;
        } else if (c == '`') {
            const char *close = memchr(text + i + 1, '`', len - i - 1);
            if (!close) {
                st = partreg_error_set_at(err, PARTREG_EFORMULA, 0, pos,
                                          "formula: the backtick at position %ld is never "
                                          "closed",
                                          pos);
            } else if ((size_t)(close - text) == i + 1) {
                st = partreg_error_set_at(err, PARTREG_EFORMULA, 0, pos,
                                          "formula: empty name `` at position %ld", pos);
            } else {
                size_t j = (size_t)(close - text);
                k->kind = PARTREG_TOK_IDENT;
                k->len = j + 1 - i;
                k->name_start = i + 1;
                k->name_len = j - i - 1;
            }
        } else if (op_kind((char)c) != PARTREG_TOK_END) {
            k->kind = op_kind((char)c);
            k->len = 1;
        } else {
            if (c < 0x20 || c == 0x7f)
                st = partreg_error_set_at(err, PARTREG_EFORMULA, 0, pos,
                                          "formula: unexpected control character 0x%02x at "
                                          "position %ld",
                                          c, pos);
            else
                st = partreg_error_set_at(
                    err, PARTREG_EFORMULA, 0, pos,
                    "formula: unexpected character '%c' at position %ld%s", c, pos,
                    c == '"' || c == '\'' ? " (quote column names with backticks: `a b`)" : "");
        }
        if (st) {
            free(t);
            return st;
        }
        i += k->len;
        count++;
    }
    *toks = t;
    *n = count;
    return PARTREG_OK;
}
