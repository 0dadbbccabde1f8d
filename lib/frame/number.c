/* Locale-independent decimal numbers: scanning and parsing of "12", "0.5",
 * "1e-3" without strtod (whose decimal point follows LC_NUMERIC), and
 * printing with 15 significant digits as R's as.character() does.
 *
 * Parsing: the digits are accumulated as an integer mantissa m (up to 19
 * digits, the rest only shift the exponent) and a decimal exponent e; the
 * value is m * 10^e. When m < 2^53 and |e| <= 22 both factors are exact
 * doubles, so one multiplication or division gives the correctly rounded
 * result; that covers every constant a formula or level list realistically
 * holds. Other values use pow(10, e) and may be off in the last bit. */
#include "frame/number.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t partreg_number_scan(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    while (i < len && is_digit(s[i])) {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < len && is_digit(s[j])) {
            while (j < len && is_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int partreg_number_parse(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (partreg_number_scan(s + i, len - i) != len - i || i == len)
        return 0;
    uint64_t m = 0;
    long e = 0;
    int nd = 0, seen_point = 0;
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            seen_point = 1;
            continue;
        }
        if (nd < 19) {
            if (m != 0 || s[i] != '0')
                nd++;
            m = m * 10u + (uint64_t)(s[i] - '0');
            if (seen_point)
                e--;
        } else if (!seen_point) {
            e++;
        }
    }
    if (i < len) { /* exponent */
        i++;
        int eneg = 0;
        if (s[i] == '+' || s[i] == '-') {
            eneg = s[i] == '-';
            i++;
        }
        long x = 0;
        for (; i < len; i++)
            if (x < 100000)
                x = x * 10 + (s[i] - '0');
        e += eneg ? -x : x;
    }
    double v;
    if (m == 0) {
        v = 0.0;
    } else if (m < ((uint64_t)1 << 53) && e >= -22 && e <= 22) {
        v = e >= 0 ? (double)m * exact_pow10[e] : (double)m / exact_pow10[-e];
    } else {
        v = (double)m * pow(10.0, (double)e);
    }
    *out = neg ? -v : v;
    return 1;
}

void partreg_number_format(double v, char *buf, size_t size)
{
    v = v == 0.0 ? 0.0 : v; /* no "-0" */
    snprintf(buf, size, "%.15g", v);
    /* %g writes the locale's decimal point: digits, sign, 'e', "inf"/"nan"
     * are the only other characters it produces. */
    for (char *c = buf; *c; c++)
        if (!is_digit(*c) && !strchr("+-eEinfatIN", *c))
            *c = '.';
}
