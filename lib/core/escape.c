/* The escaping of every string written in JSON, CSV or plain text
 * (partreg.h): one function per format, used by the JSON writer,
 * the CSV and text reports, the table writer and the partreg command.
 * JSON: RFC 8259, section 7 (quote, backslash and U+0000-U+001F escaped;
 * the text must be UTF-8, so invalid bytes become U+FFFD). CSV: RFC 4180
 * quoting. Text: control characters and invalid bytes shown as \xHH. */
#include "partreg.h"

#include "core/escape.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 character at p (1 for ASCII), or 0. */
static size_t char_len(const unsigned char *p)
{
    return partreg_utf8_char_len(p);
}

int partreg_write_json_string(FILE *out, const char *s)
{
    if (!s)
        return fputs("null", out) < 0 ? -1 : 0;
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t k = char_len(p);
        if (k == 0) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        if (k > 1) {
            fwrite(p, 1, k, out);
            p += k;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
        p++;
    }
    fputc('"', out);
    return ferror(out) ? -1 : 0;
}

int partreg_write_csv_field(FILE *out, const char *s, char delimiter)
{
    size_t n;
    if (!s || !*s)
        return ferror(out) ? -1 : 0;
    n = strlen(s);
    if (!strchr(s, delimiter) && !strpbrk(s, "\"\r\n") && s[0] != ' ' && s[n - 1] != ' ') {
        fputs(s, out);
        return ferror(out) ? -1 : 0;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
    return ferror(out) ? -1 : 0;
}

int partreg_write_text(FILE *out, const char *s)
{
    if (!s)
        return ferror(out) ? -1 : 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t k = char_len(p);
        if (k == 0 || *p < 0x20 || *p == 0x7F) {
            fprintf(out, "\\x%02X", *p);
            p++;
        } else {
            fwrite(p, 1, k, out);
            p += k;
        }
    }
    return ferror(out) ? -1 : 0;
}

const char *partreg_escape_text(char *dst, size_t size, const char *s)
{
    size_t o = 0;
    if (size == 0)
        return dst;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        size_t k = char_len(p);
        if (k == 0 || *p < 0x20 || *p == 0x7F) {
            if (o + 5 > size)
                break;
            snprintf(dst + o, size - o, "\\x%02X", *p);
            o += 4;
            p++;
        } else {
            if (o + k + 1 > size)
                break;
            memcpy(dst + o, p, k);
            o += k;
            p += k;
        }
    }
    dst[o] = '\0';
    return dst;
}
