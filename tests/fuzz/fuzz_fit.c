/* libFuzzer harness for the whole analysis on fuzzed small data: the input
 * is one option byte, a formula line and a CSV table,
 *
 *     <option byte><formula>\n<csv header>\n<rows>...
 *
 * The option byte picks the link (bits 0-2, mod 5), the family (bits 3-4:
 * automatic, binary, ordinal), the covariance (bits 5-6: model, hc1,
 * cluster on the table's last column, model with weights from it) and
 * whether margins, Brant and profile intervals are asked for (bit 7). The
 * table is read, the analysis run (partreg_analysis_run_table) and written
 * in all three formats. Findings: crashes, hangs, sanitizer reports, leaks,
 * GSL's error handler firing (it aborts), and broken promises: an error
 * without a message, a handle returned with an error status, a converged
 * log-concave fit whose log-likelihood is positive or below its null
 * model's. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fit(const partreg_fit *fit, partreg_status st)
{
    partreg_link link = partreg_fit_link(fit);
    double ll = partreg_fit_loglik(fit), ll0 = partreg_fit_null_loglik(fit);
    if (st != PARTREG_OK || !partreg_fit_converged(fit))
        return;
    if (!isfinite(ll) || ll > 1e-9 * (1.0 + fabs(ll)))
        abort();
    /* log-concave links: Newton's maximum is global, and it nests the null
     * model when it has the null's parameters (ordinal: thresholds; binary:
     * an intercept column that was kept) */
    int concave = link == PARTREG_LOGIT || link == PARTREG_PROBIT || link == PARTREG_CLOGLOG ||
                  link == PARTREG_LOGLOG;
    int nests = partreg_fit_family(fit) == PARTREG_ORDINAL;
    if (concave && nests && isfinite(ll0) && ll < ll0 - 1e-6 * (1.0 + fabs(ll0)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (size < 2 || size > 4096)
        return 0;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    unsigned opt = data[0];
    const char *text = (const char *)data + 1;
    size_t rest = size - 1;
    const char *nl = memchr(text, '\n', rest);
    if (!nl)
        return 0;
    size_t flen = (size_t)(nl - text);
    char *formula = malloc(flen + 1);
    if (!formula)
        return 0;
    memcpy(formula, text, flen);
    formula[flen] = '\0';
    const char *csv = nl + 1;
    size_t csv_len = rest - flen - 1;

    partreg_table *t = NULL;
    partreg_error err;
    partreg_status st = partreg_table_read_csv_buffer(csv, csv_len, "fuzz", NULL, &t, &err);
    if (st != PARTREG_OK) {
        if (t || err.message[0] == '\0')
            abort();
        free(formula);
        return 0;
    }
    size_t ncol = partreg_table_n_columns(t);
    const char *last = ncol ? partreg_table_column_name(t, ncol - 1) : NULL;

    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = formula;
    spec.link = (partreg_link)((opt & 7u) % 5u);
    if ((opt >> 3 & 3u) == 1u) {
        spec.frame.family_auto = 0;
        spec.frame.family = PARTREG_BINARY;
    } else if ((opt >> 3 & 3u) == 2u) {
        spec.frame.family_auto = 0;
        spec.frame.family = PARTREG_ORDINAL;
    }
    switch (opt >> 5 & 3u) {
    case 1: spec.vcov = PARTREG_VCOV_HC1; break;
    case 2: spec.vcov = PARTREG_VCOV_CLUSTER; spec.frame.cluster = last; break;
    case 3: spec.frame.weights = last; break;
    default: break;
    }
    if (opt & 128u) {
        spec.margins = 1;
        spec.margins_at_means = 1;
        spec.brant = 1;
        spec.ci = PARTREG_CI_PROFILE;
    }
    spec.fit.max_iter = 50;

    partreg_analysis *a = NULL;
    st = partreg_analysis_run_table(t, &spec, &a, &err);
    if (st != err.status)
        abort();
    if (a) {
        if (st != PARTREG_OK && st != PARTREG_ENOTCONVERGED && st != PARTREG_ESEPARATION)
            abort();
        check_fit(partreg_analysis_fit(a), st);
        for (int fmt = 0; fmt < 3; fmt++)
            if (partreg_analysis_write(a, sink, (partreg_format)fmt, 1, NULL) != PARTREG_OK)
                abort();
        partreg_analysis_free(a);
    } else if (st == PARTREG_OK || err.message[0] == '\0') {
        abort();
    }
    partreg_table_free(t);
    free(formula);
    return 0;
}
