/* Per-call error reports (partreg_error) and status names. */
#include "core/error.h"

#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message is one printable line whatever text it quotes (a cell, a
 * column name, a message of another library): control characters and
 * bytes that are not valid UTF-8 become \xHH. */
static void sanitize(char *msg, size_t size)
{
    char out[PARTREG_ERROR_MESSAGE_SIZE];
    const unsigned char *m = (const unsigned char *)msg;
    size_t n = strlen(msg), i = 0, o = 0;
    int dirty = 0;
    while (i < n && o + 1 < sizeof out) {
        size_t k = m[i] >= 0x80 ? partreg_utf8_seq(m + i, n - i) : 1;
        if (m[i] < 0x20 || m[i] == 0x7F || k == 0) {
            if (o + 5 > sizeof out)
                break;
            snprintf(out + o, sizeof out - o, "\\x%02X", m[i]);
            o += 4;
            i++;
            dirty = 1;
        } else if (o + k < sizeof out) {
            memcpy(out + o, m + i, k);
            o += k;
            i += k;
        } else {
            break;
        }
    }
    if (!dirty && i == n)
        return;
    out[o] = '\0';
    memcpy(msg, out, o + 1 < size ? o + 1 : size);
    msg[size - 1] = '\0';
}

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
    sanitize(err->message, sizeof err->message);
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
