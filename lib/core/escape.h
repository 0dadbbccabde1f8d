/* Escaping into a buffer, for writers that format with printf widths
 * (the text report). The stream forms are public (partreg.h). Private to
 * lib/. */
#ifndef PARTREG_CORE_ESCAPE_H
#define PARTREG_CORE_ESCAPE_H

#include <stddef.h>

/* s as partreg_write_text() writes it, into dst[0..size) (cut at a
 * character boundary when it does not fit); returns dst. s NULL gives "". */
const char *partreg_escape_text(char *dst, size_t size, const char *s);

/* A temporary escaped copy of s, valid in the enclosing block (one
 * statement's printf arguments). */
#define PARTREG_TEXT(s) partreg_escape_text((char[512]){0}, 512, (s))

#endif
