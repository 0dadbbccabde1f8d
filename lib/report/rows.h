/* The parameter rows every report format prints: one per kept coefficient
 * and threshold, with the interval method in force. Private to lib/. */
#ifndef PARTREG_REPORT_ROWS_H
#define PARTREG_REPORT_ROWS_H

#include "report/analysis_internal.h"

typedef struct report_row {
    size_t index;          /* full index */
    int threshold;         /* 1 for a threshold */
    char name[256];
    partreg_estimate est;  /* conf_low/high from the analysis (Wald or profile) */
    int diverges;          /* separation: the estimate runs off */
} report_row;

/* Number of full parameters (coefficients + thresholds). */
size_t report_n_params(const partreg_analysis *a);
/* Fill row for full index j; returns 0 when j is a dropped column. */
int report_row_get(const partreg_analysis *a, size_t j, report_row *row);
/* 1 when the fit's link is logit (odds ratios are reported). */
int report_has_odds_ratios(const partreg_analysis *a);

#endif
