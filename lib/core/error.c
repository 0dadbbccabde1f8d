/* Per-call error reports (partreg_error) and status names. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static void fill(partreg_error *err, partreg_status status, long line, long column, long index,
                 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void fill(partreg_error *err, partreg_status status, long line, long column, long index,
                 const char *fmt, va_list ap)
{
    err->status = status;
    err->line = line;
    err->column = column;
    err->index = index;
    /* ap comes from va_start in the caller. clang-tidy 14 forgets va_start in
     * every translation unit after the first it analyses in one run. */
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

partreg_status partreg_error_set(partreg_error *err, partreg_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        fill(err, status, 0, 0, -1, fmt, ap);
        va_end(ap);
    }
    return status;
}

partreg_status partreg_error_set_at(partreg_error *err, partreg_status status, long line,
                                    long column, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        fill(err, status, line, column, -1, fmt, ap);
        va_end(ap);
    }
    return status;
}

partreg_status partreg_error_set_index(partreg_error *err, partreg_status status, long index,
                                       const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        fill(err, status, 0, 0, index, fmt, ap);
        va_end(ap);
    }
    return status;
}

void partreg_error_clear(partreg_error *err)
{
    if (err) {
        err->status = PARTREG_OK;
        err->line = 0;
        err->column = 0;
        err->index = -1;
        err->message[0] = '\0';
    }
}

const char *partreg_status_name(partreg_status status)
{
    switch (status) {
    case PARTREG_OK: return "PARTREG_OK";
    case PARTREG_EINVAL: return "PARTREG_EINVAL";
    case PARTREG_ENOMEM: return "PARTREG_ENOMEM";
    case PARTREG_EIO: return "PARTREG_EIO";
    case PARTREG_EPARSE: return "PARTREG_EPARSE";
    case PARTREG_EFORMULA: return "PARTREG_EFORMULA";
    case PARTREG_ENOTFOUND: return "PARTREG_ENOTFOUND";
    case PARTREG_EDATA: return "PARTREG_EDATA";
    case PARTREG_ETOOFEW: return "PARTREG_ETOOFEW";
    case PARTREG_EONECLASS: return "PARTREG_EONECLASS";
    case PARTREG_ECOLLINEAR: return "PARTREG_ECOLLINEAR";
    case PARTREG_ESEPARATION: return "PARTREG_ESEPARATION";
    case PARTREG_ENOTCONVERGED: return "PARTREG_ENOTCONVERGED";
    case PARTREG_ESINGULAR: return "PARTREG_ESINGULAR";
    case PARTREG_EUNSUPPORTED: return "PARTREG_EUNSUPPORTED";
    case PARTREG_ENUMERIC: return "PARTREG_ENUMERIC";
    }
    return "PARTREG_E?";
}
