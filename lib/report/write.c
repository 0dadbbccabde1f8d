/* partreg_analysis_write: dispatch to the format writers and report
 * write errors (a full disk, a closed pipe) as PARTREG_EIO. */
#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "report/writers.h"

partreg_status partreg_analysis_write(const partreg_analysis *a, FILE *out, partreg_format format,
                                      int timing, partreg_error *err)
{
    if (!a || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "NULL analysis or stream");
    switch (format) {
    case PARTREG_FORMAT_TEXT: partreg_report_text(a, out); break;
    case PARTREG_FORMAT_JSON: partreg_report_json(a, out, timing); break;
    case PARTREG_FORMAT_CSV: partreg_report_csv(a, out); break;
    default: return partreg_error_set(err, PARTREG_EINVAL, "unknown output format %d", (int)format);
    }
    if (fflush(out) != 0 || ferror(out))
        return partreg_error_set(err, PARTREG_EIO, "could not write the report: %s", strerror(errno));
    partreg_error_clear(err);
    return PARTREG_OK;
}
