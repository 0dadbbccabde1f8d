/* Filling a caller's partreg_error: one place for the formatting so every
 * layer reports the same way. Private to lib/. */
#ifndef PARTREG_CORE_ERROR_H
#define PARTREG_CORE_ERROR_H

#include "partreg.h"

/* Set err (if not NULL) to status with a printf-style message and no
 * location; returns status so callers can `return partreg_error_set(...)`. */
partreg_status partreg_error_set(partreg_error *err, partreg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As partreg_error_set() with a file line and column (1-based, 0 = none). */
partreg_status partreg_error_set_at(partreg_error *err, partreg_status status, long line,
                                    long column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* As partreg_error_set() with a 0-based index (parameter, column, row). */
partreg_status partreg_error_set_index(partreg_error *err, partreg_status status, long index,
                                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Mark err as success (status OK, empty message). */
void partreg_error_clear(partreg_error *err);

#endif
