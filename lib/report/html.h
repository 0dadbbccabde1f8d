/* The HTML report (partreg_report.h): text formatting shared by its
 * sections, the sections themselves and the figures. Private to lib/.
 *
 * Every writer writes to the caller's stream and leaves error detection
 * to one ferror() check at the end (html.c); only computations that can
 * fail (allocation, predictive margins) return a status. */
#ifndef PARTREG_REPORT_HTML_H
#define PARTREG_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "partreg_report.h"
#include "report/analysis_internal.h"

/* ---- formatting (html_format.c) ---------------------------------------- */

/* Write s with &, <, >, " and ' escaped (NULL writes nothing). */
void html_escape(FILE *out, const char *s);
/* Format x for a table into buf: three decimals, or three significant
 * digits for |x| < 0.01, scientific (1.2e-05 style, as 1.2×10^−5 in HTML
 * markup) below 1e-4; U+2212 minus; an em dash for NaN or infinity.
 * Returns buf. The result is HTML (may hold <sup>), never data text. */
const char *html_number(double x, char *buf, size_t size);
/* As html_number() with a fixed number of decimals. */
const char *html_fixed(double x, int decimals, char *buf, size_t size);
/* A p-value: "< 0.001" below 0.001, else three decimals; em dash for NaN. */
const char *html_pvalue(double p, char *buf, size_t size);
/* Write "<td>html_number(x)</td>" (class num). */
void html_td_number(FILE *out, double x);
void html_td_fixed(FILE *out, double x, int decimals);
void html_td_pvalue(FILE *out, double p);
/* Write "<td class=term>escaped s</td>". */
void html_td_text(FILE *out, const char *s);

/* ---- sections (html_tables.c) ------------------------------------------ */

/* Data: sample sizes, outcome levels, variable summaries. */
partreg_status html_section_data(const partreg_analysis *a, FILE *out, partreg_error *err);
/* Coefficients (with odds ratios for logit) and thresholds. */
void html_section_coefficients(const partreg_analysis *a, const partreg_html_options *o,
                               FILE *out);
/* Fit statistics, LR test, Wald tests by variable, Brant test, binary
 * diagnostics. */
void html_section_fit(const partreg_analysis *a, FILE *out);
/* Binary models: ROC area, Brier score, classification at the cutoff. */
void html_table_discrimination(const partreg_analysis *a, FILE *out);
/* Marginal-effect tables the analysis computed (nothing when none). */
void html_section_margins(const partreg_analysis *a, const partreg_html_options *o, FILE *out);
/* The caption sentence on covariance and intervals in force; a
 * cluster-robust covariance is "clustered by <o->cluster_column> (G
 * clusters)" when the options name the column. */
void html_vcov_sentence(const partreg_analysis *a, const partreg_html_options *o, FILE *out);

/* ---- figures ------------------------------------------------------------ */

/* Forest plot of odds ratios (log scale) or coefficients (svg_forest.c).
 * *fig is the running figure number (incremented when a figure is drawn). */
/* The per-cut figure of cut-specific slopes (svg_cuts.c); nothing when the
 * model has none. */
void html_figure_cuts(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                      int *fig);
void html_figure_forest(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                        int *fig);
/* Predicted probabilities across a variable with bands (svg_curves.c):
 * computed first (so that a model that cannot be evaluated on the grid is
 * refused before anything is written), then drawn. */
typedef struct html_curves html_curves;
partreg_status html_curves_compute(const partreg_analysis *a, const partreg_html_options *opt,
                                   size_t variable, html_curves **out, partreg_error *err);
void html_figure_curves(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                        const html_curves *c, int *fig);
void html_curves_free(html_curves *c);
/* A random intercept: its table and the caterpillar plot of the
 * communities' effects (svg_groups.c); nothing for other models. */
void html_section_random(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                         int *fig);
/* ROC curve and calibration plot of a binary model (svg_binary.c). */
partreg_status html_figures_binary(const partreg_analysis *a, FILE *out,
                                   const partreg_html_options *opt, int *fig,
                                   partreg_error *err);

#endif
