/* The parameter rows every report format prints: one per estimated entry
 * of the parameter vector, grouped in sections by kind, with the interval
 * method in force. Private to lib/. */
#ifndef PARTREG_REPORT_ROWS_H
#define PARTREG_REPORT_ROWS_H

#include "report/analysis_internal.h"

/* Where a parameter is printed: the coefficient table (slopes, also
 * cut-specific ones), the thresholds, the scale terms, or elsewhere (a
 * random effect's log standard deviation, reported on its own). */
typedef enum report_section {
    REPORT_COEFFICIENTS = 0,
    REPORT_THRESHOLDS = 1,
    REPORT_SCALE = 2,
    REPORT_OTHER = 3
} report_section;

typedef struct report_row {
    size_t index;          /* parameter index */
    report_section section;
    const char *term;      /* term name (borrowed from the fit) */
    const char *cut;       /* cut "A|B" of a cut-specific slope, else NULL */
    size_t cut_index;      /* its cut 0..J-2, else (size_t)-1 */
    char name[256];        /* term, and " @ cut" for a cut-specific slope */
    partreg_estimate est;  /* conf_low/high from the analysis (Wald or profile) */
    int diverges;          /* separation: the estimate runs off */
} report_row;

/* Length of the parameter vector. */
size_t report_n_params(const partreg_analysis *a);
/* Fill row for parameter j; returns 0 when j is not estimated (a dropped
 * column's entry). */
int report_row_get(const partreg_analysis *a, size_t j, report_row *row);
/* Whether any estimated parameter falls in section s. */
int report_has_section(const partreg_analysis *a, report_section s);
/* Whether some estimated coefficient is cut-specific. */
int report_has_cut_rows(const partreg_analysis *a);
/* How the coefficients' t reference distributions were set: "normal",
 * "satterthwaite" (CR2), "cluster" (t(G - 1)), "barnard-rubin"
 * (multiple imputation), or "t" (a df set otherwise, e.g. a design's). */
const char *report_df_method(const partreg_analysis *a);

/* The name of the test of all slopes a report shows in place of the LR
 * test (a->has_model_test), into buf: "Design-based Wald test of all
 * slopes", "Wald test of all slopes, hc1 covariance", ... */
const char *report_model_test_name(const partreg_analysis *a, char *buf, size_t size);

/* Whether that test is an F test (else chi-square). */
int report_model_test_is_f(const partreg_analysis *a);
/* 1 when the fit's link is logit (odds ratios are reported). */
int report_has_odds_ratios(const partreg_analysis *a);

#endif
