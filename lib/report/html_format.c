/* Text formatting for the HTML report: escaping of every string that comes
 * from data or users, and numbers as a journal table prints them (a true
 * minus sign, tabular digits chosen by magnitude, an em dash for a missing
 * value). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "report/html.h"

#define MINUS "\xe2\x88\x92"  /* U+2212 MINUS SIGN */
#define EMDASH "\xe2\x80\x94" /* U+2014 EM DASH */

/* Markup characters as entities; control characters (other than TAB, LF
 * and CR) and bytes that are not valid UTF-8, which HTML text cannot hold,
 * as U+FFFD. */
void html_escape(FILE *out, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p >= 0x80) {
            size_t k = partreg_utf8_char_len(p);
            if (k == 0) {
                fputs("\xef\xbf\xbd", out);
                p++;
            } else {
                fwrite(p, 1, k, out);
                p += k;
            }
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\t': case '\n': case '\r': fputc(*p, out); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fputs("\xef\xbf\xbd", out);
            else
                fputc(*p, out);
        }
        p++;
    }
}

/* Replace a leading '-' of a printf result by U+2212, in place. */
static const char *minus_sign(char *buf, size_t size)
{
    size_t len = strlen(buf);
    if (buf[0] != '-' || len + 3 > size)
        return buf;
    memmove(buf + 3, buf + 1, len); /* includes the NUL */
    memcpy(buf, MINUS, sizeof MINUS - 1); /* the string goes on after it */
    return buf;
}

const char *html_fixed(double x, int decimals, char *buf, size_t size)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "%s", EMDASH);
        return buf;
    }
    snprintf(buf, size, "%.*f", decimals, x);
    /* "-0.000" reads as a sign where there is none */
    int zero = 1;
    for (const char *c = buf; *c; c++)
        if (*c >= '1' && *c <= '9')
            zero = 0;
    if (zero && buf[0] == '-')
        memmove(buf, buf + 1, strlen(buf));
    return minus_sign(buf, size);
}

const char *html_number(double x, char *buf, size_t size)
{
    double ax = fabs(x);
    if (!isfinite(x) || ax == 0 || ax >= 0.01)
        return html_fixed(x, 3, buf, size);
    if (ax >= 1e-4) {
        int decimals = 2 - (int)floor(log10(ax));
        return html_fixed(x, decimals, buf, size);
    }
    int e = (int)floor(log10(ax));
    double m = x / pow(10.0, e);
    if (fabs(m) >= 9.995) { /* rounding carried into the next power */
        m /= 10;
        e++;
    }
    char mant[32];
    html_fixed(m, 2, mant, sizeof mant);
    snprintf(buf, size, "%s&#215;10<sup>%s%d</sup>", mant, e < 0 ? MINUS : "", e < 0 ? -e : e);
    return buf;
}

const char *html_pvalue(double p, char *buf, size_t size)
{
    if (!isfinite(p))
        snprintf(buf, size, "%s", EMDASH);
    else if (p < 0.001)
        snprintf(buf, size, "&lt; 0.001");
    else
        snprintf(buf, size, "%.3f", p);
    return buf;
}

void html_td_number(FILE *out, double x)
{
    char b[96];
    fprintf(out, "<td>%s</td>", html_number(x, b, sizeof b));
}

void html_td_fixed(FILE *out, double x, int decimals)
{
    char b[96];
    fprintf(out, "<td>%s</td>", html_fixed(x, decimals, b, sizeof b));
}

void html_td_pvalue(FILE *out, double p)
{
    char b[32];
    fprintf(out, "<td>%s</td>", html_pvalue(p, b, sizeof b));
}

void html_td_text(FILE *out, const char *s)
{
    fputs("<td class=\"term\">", out);
    html_escape(out, s);
    fputs("</td>", out);
}
