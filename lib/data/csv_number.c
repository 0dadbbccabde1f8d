/* The general conversion of a CSV cell's text to a number.
 *
 * Accepted: [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?,
 * converting to a finite double. Clinger's fast path (W. D. Clinger, "How
 * to read floating point numbers accurately", PLDI 1990): a mantissa below
 * 2^53 scaled by an exact power of ten 10^|e|, |e| <= 22, is one correctly
 * rounded IEEE operation, hence equal to strtod's result; anything else is
 * handed to strtod_l in the "C" locale (so a caller's setlocale cannot turn
 * the decimal point into a comma). */
#define _GNU_SOURCE /* strtod_l, newlocale */

#include "data/csv_number.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

partreg_status csv_scratch_reserve(csv_scratch *S, size_t n)
{
    if (n > S->cap) {
        size_t cap = S->cap ? S->cap : 256;
        char *s;
        while (cap < n) {
            if (cap > SIZE_MAX / 2)
                return PARTREG_ENOMEM;
            cap *= 2;
        }
        s = realloc(S->buf, cap);
        if (!s)
            return PARTREG_ENOMEM;
        S->buf = s;
        S->cap = cap;
    }
    return PARTREG_OK;
}

void csv_scratch_free(csv_scratch *S)
{
    free(S->buf);
    if (S->cloc)
        freelocale(S->cloc);
    S->buf = NULL;
    S->cap = 0;
    S->cloc = (locale_t)0;
}

int csv_parse_number(csv_scratch *S, const char *s, size_t n, double *out)
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
        v = e < 0 ? v / csv_pow10_exact[-e] : v * csv_pow10_exact[e];
        *out = neg ? -v : v;
        return 1;
    }
    /* the general case: strtod in the C locale on a terminated copy */
    {
        char *end;
        double v;
        if (csv_scratch_reserve(S, n + 1) != PARTREG_OK)
            return -1;
        if (!S->cloc) {
            S->cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
            if (!S->cloc)
                return -1;
        }
        memcpy(S->buf, s, n);
        S->buf[n] = '\0';
        errno = 0;
        v = strtod_l(S->buf, &end, S->cloc);
        if (end != S->buf + n || !isfinite(v))
            return 0;
        *out = v;
        return 1;
    }
}

