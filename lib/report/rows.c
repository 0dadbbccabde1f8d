/* Parameter rows shared by the text, JSON and CSV writers (rows.h). */
#include "report/rows.h"

#include <math.h>
#include <stdio.h>

#include "models/fit_internal.h"

size_t report_n_params(const partreg_analysis *a) { return partreg_fit_n_parameters(a->fit); }

static report_section section_of(partreg_param_kind kind)
{
    switch (kind) {
    case PARTREG_PARAM_COEFFICIENT:
    case PARTREG_PARAM_CUT_COEFFICIENT: return REPORT_COEFFICIENTS;
    case PARTREG_PARAM_THRESHOLD: return REPORT_THRESHOLDS;
    case PARTREG_PARAM_SCALE: return REPORT_SCALE;
    case PARTREG_PARAM_LOG_SD: return REPORT_OTHER;
    }
    return REPORT_OTHER;
}

int report_row_get(const partreg_analysis *a, size_t j, report_row *row)
{
    const partreg_fit *fit = a->fit;
    if (partreg_fit_free_index(fit, j) == PARTREG_NONE)
        return 0;
    row->index = j;
    row->section = section_of(partreg_fit_param_kind(fit, j));
    row->term = partreg_fit_param_term(fit, j);
    row->cut = partreg_fit_param_cut(fit, j);
    row->cut_index = row->cut ? fit->model.layout.params[j].cut : (size_t)-1;
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

int report_has_section(const partreg_analysis *a, report_section s)
{
    report_row r;
    for (size_t j = 0; j < report_n_params(a); j++)
        if (report_row_get(a, j, &r) && r.section == s)
            return 1;
    return 0;
}

int report_has_cut_rows(const partreg_analysis *a)
{
    report_row r;
    for (size_t j = 0; j < report_n_params(a); j++)
        if (report_row_get(a, j, &r) && r.cut)
            return 1;
    return 0;
}

int report_has_odds_ratios(const partreg_analysis *a)
{
    return partreg_fit_link(a->fit) == PARTREG_LOGIT;
}

const char *report_model_test_name(const partreg_analysis *a, char *buf, size_t size)
{
    const char *vcov = partreg_vcov_name(partreg_fit_vcov_type(a->fit));
    switch (a->model_test) {
    case REPORT_TEST_DESIGN_F:
        snprintf(buf, size, "Design-based Wald test of all slopes");
        break;
    case REPORT_TEST_CHI2:
        snprintf(buf, size, "Wald test of all slopes, %s covariance", vcov);
        break;
    case REPORT_TEST_NAIVE_F:
        snprintf(buf, size, "Wald test of all slopes, %s covariance on t(G - 1)", vcov);
        break;
    case REPORT_TEST_HTZ:
        snprintf(buf, size, "HTZ Wald test of all slopes, cr2 covariance");
        break;
    case REPORT_TEST_D1:
        snprintf(buf, size, "D1 Wald test of all slopes, pooled over imputations");
        break;
    }
    return buf;
}

int report_model_test_is_f(const partreg_analysis *a)
{
    return a->model_test != REPORT_TEST_CHI2;
}

const char *report_df_method(const partreg_analysis *a)
{
    if (a->imputations)
        return "barnard-rubin";
    int finite = 0;
    for (size_t j = 0; j < report_n_params(a); j++)
        finite = finite || isfinite(partreg_fit_param_df(a->fit, j));
    if (!finite)
        return "normal";
    if (a->cluster_df)
        return "cluster";
    if (partreg_fit_vcov_type(a->fit) == PARTREG_VCOV_CR2)
        return "satterthwaite";
    return "t";
}
