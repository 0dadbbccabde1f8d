/* Locale-independent number scanning and R-style number printing, shared by
 * the formula parser (constants in I()) and the model frame (numeric outcome
 * levels, factor(x) level names). Private to lib/. */
#ifndef PARTREG_FRAME_NUMBER_H
#define PARTREG_FRAME_NUMBER_H

#include <stddef.h>

/* Length of the longest prefix of s[0..len) that is a decimal number
 * (digits, optional '.', digits, optional exponent), no sign; 0 if none. */
size_t partreg_number_scan(const char *s, size_t len);

/* Parse exactly s[0..len) (optional leading sign, then a decimal number)
 * into *out. Returns 1 on success, 0 if the text is not a number.
 * Independent of the C locale's decimal point. */
int partreg_number_parse(const char *s, size_t len, double *out);

/* Print v as R's as.character() would for ordinary values: 15 significant
 * digits, no trailing zeros, integers without ".0" ("4", "0.5", "1e-20").
 * Always uses '.' as the decimal point. buf needs at least 32 bytes. */
void partreg_number_format(double v, char *buf, size_t size);

#endif
