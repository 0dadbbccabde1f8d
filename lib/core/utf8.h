/* UTF-8 validation shared by the readers and the messages (RFC 3629, section 4: no overlong
 * forms, no surrogates, nothing above U+10FFFF). Private to lib/. */
#ifndef PARTREG_CORE_UTF8_H
#define PARTREG_CORE_UTF8_H

#include <stddef.h>

/* Length (2..4) of the valid multi-byte UTF-8 sequence at p, of which
 * avail bytes may be read, or 0 when p[0] does not start one (an ASCII
 * byte also gives 0: callers test p[0] >= 0x80 first). */
static inline size_t partreg_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t n, i;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
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
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Length of the character at p in a NUL-terminated string: 1 for ASCII,
 * 2..4 for a valid sequence, 0 when p[0] does not start one. Safe at the
 * end of the string: a byte is read only after the one before it was a
 * continuation byte (never the NUL). */
static inline size_t partreg_utf8_char_len(const unsigned char *p)
{
    return p[0] < 0x80 ? 1 : partreg_utf8_seq(p, 4);
}

/* Offset of the first byte of s[0..n) that is not valid UTF-8 (or a NUL),
 * or n when the whole text is valid. */
static inline size_t partreg_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] == 0)
            return i;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t m = partreg_utf8_seq(p + i, n - i);
        if (!m)
            return i;
        i += m;
    }
    return n;
}

#endif
