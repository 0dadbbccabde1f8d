/* The three report formats of an analysis. Private to lib/. */
#ifndef PARTREG_REPORT_WRITERS_H
#define PARTREG_REPORT_WRITERS_H

#include <stdio.h>

#include "report/analysis_internal.h"

void partreg_report_json(const partreg_analysis *a, FILE *out, int timing);
void partreg_report_text(const partreg_analysis *a, FILE *out);
void partreg_report_csv(const partreg_analysis *a, FILE *out);

#endif
