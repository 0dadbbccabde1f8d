/* Parameter rows shared by the text, JSON and CSV writers (rows.h). */
#include "report/rows.h"

#include <math.h>
#include <stdio.h>

#include "models/fit_internal.h"

size_t report_n_params(const partreg_analysis *a)
{
    return partreg_fit_n_columns(a->fit) + partreg_fit_n_thresholds(a->fit);
}

int report_row_get(const partreg_analysis *a, size_t j, report_row *row)
{
    const partreg_fit *fit = a->fit;
    size_t p = partreg_fit_n_columns(fit);
    if (j < p && partreg_fit_column_dropped(fit, j))
        return 0;
    row->index = j;
    row->threshold = j >= p;
    partreg_fit_param_name(fit, j, row->name, sizeof row->name);
    partreg_fit_estimate(fit, j, a->conf_level, &row->est, NULL);
    row->est.conf_low = a->conf_low[j];
    row->est.conf_high = a->conf_high[j];
    row->diverges = partreg_fit_param_diverges(fit, j);
    if (row->diverges) {
        row->est.conf_low = NAN;
        row->est.conf_high = NAN;
    }
    return 1;
}

int report_has_odds_ratios(const partreg_analysis *a)
{
    return partreg_fit_link(a->fit) == PARTREG_LOGIT;
}
