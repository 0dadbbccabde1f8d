/* The CSV report: one line per kept coefficient and threshold (and, for a
 * random intercept, its sd and every group's conditional mode), RFC 4180
 * quoting of the term names, full double precision, empty for NaN. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "report/rows.h"
#include "report/writers.h"

static void csv_text(FILE *out, const char *s)
{
    partreg_write_csv_field(out, s, ',');
}

static void csv_number(FILE *out, double x)
{
    fputc(',', out);
    if (isfinite(x))
        fprintf(out, "%.17g", x);
}

/* A random intercept's rows: its sd (type random_sd; interval from the
 * Wald interval of log sd, exponentiated) and every group's conditional
 * mode (type group_effect, term "G[level]"; std_error the conditional SE,
 * interval mode +- z SE). */
static void random_rows(const partreg_analysis *a, FILE *out, int odds, int design)
{
    partreg_random_intercept ri;
    if (partreg_fit_random_intercept(a->fit, &ri, NULL) != PARTREG_OK)
        return;
    const char *g = partreg_fit_group_variable(a->fit);
    g = g ? g : "group";
    double q = gsl_cdf_ugaussian_Qinv((1.0 - a->conf_level) / 2.0);
    size_t extra = (odds ? 3 : 0) + (design ? 5 : 0);
    char name[512];
    snprintf(name, sizeof name, "sd(%s)", g);
    csv_text(out, name);
    fputs(",random_sd", out);
    csv_number(out, ri.sd);
    csv_number(out, ri.sd_std_error);
    csv_number(out, NAN);
    csv_number(out, ri.lr_p_value);
    csv_number(out, ri.at_boundary ? 0.0 : exp(ri.log_sd - q * ri.log_sd_std_error));
    csv_number(out, exp(ri.log_sd + q * ri.log_sd_std_error));
    for (size_t e = 0; e < extra; e++)
        fputc(',', out);
    fputc('\n', out);
    for (size_t k = 0; k < ri.n_groups; k++) {
        partreg_group_effect e;
        partreg_fit_group_effect(a->fit, k, &e, NULL);
        snprintf(name, sizeof name, "%s[%s]", g, partreg_fit_group_label(a->fit, k));
        csv_text(out, name);
        fputs(",group_effect", out);
        csv_number(out, e.mode);
        csv_number(out, e.std_error);
        csv_number(out, e.std_error > 0 ? e.mode / e.std_error : NAN);
        csv_number(out, NAN);
        csv_number(out, e.mode - q * e.std_error);
        csv_number(out, e.mode + q * e.std_error);
        for (size_t x = 0; x < extra; x++)
            fputc(',', out);
        fputc('\n', out);
    }
}

void partreg_report_csv(const partreg_analysis *a, FILE *out)
{
    int odds = report_has_odds_ratios(a);
    partreg_survey_info in;
    int design = partreg_fit_survey_info(a->fit, &in);
    fputs("term,type,estimate,std_error,z,p_value,conf_low,conf_high", out);
    if (odds)
        fputs(",odds_ratio,odds_ratio_conf_low,odds_ratio_conf_high", out);
    /* what was done, where it applies: the df of a t reference (and its
     * method), multiple imputation's riv, fmi and m, the penalty */
    const char *dfm = report_df_method(a);
    int tdist = strcmp(dfm, "normal") != 0, mi = a->imputations > 0;
    int pen = partreg_fit_penalty(a->fit) != PARTREG_PENALTY_NONE;
    if (tdist && !design)
        fputs(",df,df_method", out);
    if (mi)
        fputs(",riv,fmi,imputations", out);
    if (pen)
        fputs(",penalty", out);
    if (design) /* the design each row's p-value and interval rest on */
        fputs(",df,vcov_type,strata,psu,population_size", out);
    if (a->standardized)
        fputs(",sd_x,b_std_x,b_std_y,b_std_xy,odds_ratio_per_sd", out);
    /* profile-likelihood intervals beside robust standard errors: which
     * each row's interval and standard error are */
    int mixed = a->ci == PARTREG_CI_PROFILE && !design &&
                partreg_fit_vcov_type(a->fit) != PARTREG_VCOV_MODEL;
    if (mixed)
        fputs(",ci_method,vcov_type", out);
    fputc('\n', out);
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r))
            continue;
        static const char *const type[] = {",coefficient", ",threshold", ",scale", ",other"};
        csv_text(out, r.name);
        fputs(type[r.section], out);
        csv_number(out, r.est.estimate);
        csv_number(out, r.est.std_error);
        csv_number(out, r.est.z);
        csv_number(out, r.est.p_value);
        csv_number(out, r.est.conf_low);
        csv_number(out, r.est.conf_high);
        if (odds) {
            int c = r.section == REPORT_COEFFICIENTS;
            csv_number(out, c ? exp(r.est.estimate) : NAN);
            csv_number(out, c ? exp(r.est.conf_low) : NAN);
            csv_number(out, c ? exp(r.est.conf_high) : NAN);
        }
        if (tdist && !design) {
            csv_number(out, partreg_fit_param_df(a->fit, j));
            fprintf(out, ",%s", dfm);
        }
        if (mi) {
            csv_number(out, a->riv[j]);
            csv_number(out, a->fmi[j]);
            fprintf(out, ",%zu", a->imputations);
        }
        if (pen)
            fputs(partreg_fit_flic(a->fit) ? ",firth+flic" : ",firth", out);
        if (design) {
            csv_number(out, in.df);
            fprintf(out, ",%s", partreg_vcov_name(partreg_fit_vcov_type(a->fit)));
            csv_number(out, in.replicate ? NAN : (double)in.n_strata);
            csv_number(out, in.replicate ? NAN : (double)in.n_psu);
            csv_number(out, in.population_size);
        }
        if (a->standardized) {
            const partreg_standardized *z = &a->standardized[j];
            csv_number(out, z->sd_x);
            csv_number(out, z->b_std_x);
            csv_number(out, z->b_std_y);
            csv_number(out, z->b_std_xy);
            csv_number(out, z->or_per_sd);
        }
        if (mixed)
            fprintf(out, ",%s,%s", r.section == REPORT_COEFFICIENTS ? "profile" : "wald",
                    partreg_vcov_name(partreg_fit_vcov_type(a->fit)));
        fputc('\n', out);
    }
    random_rows(a, out, odds, design);
}
