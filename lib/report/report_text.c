/* The text report: what R's summary() and Stata's estimation output show,
 * in one screen: the call, the sample, the coefficient table (odds ratios
 * for logit), thresholds, fit statistics, tests, margins, diagnostics and
 * every warning. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/escape.h"
#include "report/rows.h"
#include "report/writers.h"

/* x with prec decimals; in exponent form (prec significant digits) where
 * fixed decimals would show fewer than two digits or a very long number:
 * a coefficient of a predictor in large units (-6.2871e-11 per dollar)
 * is not shown as -0.00000. */
static void num(FILE *out, double x, int width, int prec)
{
    if (!isfinite(x))
        fprintf(out, " %*s", width, "NA");
    else if (x != 0.0 && (fabs(x) < 1e-3 || fabs(x) >= 1e8))
        fprintf(out, " %*.*e", width, prec - 1, x);
    else
        fprintf(out, " %*.*f", width, prec, x);
}

/* A fit statistic with prec decimals, or in exponent form (10 significant
 * digits) from 1e12 on, where frequency weights in the billions would
 * otherwise print a log-likelihood of dozens of digits. buf: 40 chars. */
static const char *stat_text(double x, int prec, char *buf)
{
    if (!isfinite(x))
        snprintf(buf, 40, "NA");
    else if (fabs(x) >= 1e12)
        snprintf(buf, 40, "%.9e", x);
    else
        snprintf(buf, 40, "%.*f", prec, x);
    return buf;
}

static void pval(FILE *out, double p)
{
    if (!isfinite(p))
        fprintf(out, " %9s", "NA");
    else if (p < 1e-4)
        fprintf(out, " %9.2e", p);
    else
        fprintf(out, " %9.4f", p);
}

static void df_text(FILE *out, double df)
{
    if (isfinite(df))
        fprintf(out, " %5g", df);
    else
        fprintf(out, " %5s", "NA");
}

static const char *stars(double p)
{
    if (!isfinite(p)) return "";
    if (p < 0.001) return " ***";
    if (p < 0.01) return " **";
    if (p < 0.05) return " *";
    if (p < 0.1) return " .";
    return "";
}

/* Width of the name column: 24, or the longest name, so that no name is
 * ever cut. */
static int name_width(size_t len)
{
    return len > 24 ? (int)len : 24;
}

static void table(const partreg_analysis *a, FILE *out, report_section section)
{
    static const char *const heading[] = {"Term", "Threshold", "Scale term", "Parameter"};
    int coefficients = section == REPORT_COEFFICIENTS;
    int odds = report_has_odds_ratios(a) && coefficients;
    char ci[40];
    snprintf(ci, sizeof ci, "[%g%% %s CI]", a->conf_level * 100,
             a->ci == PARTREG_CI_PROFILE && coefficients ? "profile" : "Wald");
    /* a t reference distribution: the df of each row (and under multiple
     * imputation the fraction of missing information) */
    int tdist = strcmp(report_df_method(a), "normal") != 0 || partreg_fit_survey_info(a->fit, NULL);
    int mi = a->imputations > 0 && coefficients;
    size_t longest = 0;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || r.section != section)
            continue;
        /* a cut-specific slope is printed as its term, indented by 2 */
        size_t len = r.cut ? strlen(PARTREG_TEXT(r.term)) + 2 : strlen(PARTREG_TEXT(r.name));
        if (len > longest)
            longest = len;
    }
    int nw = name_width(longest);
    fprintf(out, "%-*s %11s %10s %8s %9s %21s", nw, heading[section], "Estimate", "Std.Err",
            tdist ? "t" : "z", tdist ? "P>|t|" : "P>|z|", ci);
    if (odds)
        fprintf(out, " %10s", "Odds ratio");
    if (tdist)
        fprintf(out, " %9s", "df");
    if (mi)
        fprintf(out, " %6s", "fmi");
    fputc('\n', out);
    /* the rows without a cut, then the cut-specific ones one block per cut
     * (gologit2's equations): the effect on P(Y > cut) */
    size_t n_cuts = partreg_fit_n_thresholds(a->fit);
    for (size_t cut = (size_t)-1; cut == (size_t)-1 || cut < n_cuts; cut++) {
        int header = 0;
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            if (!report_row_get(a, j, &r) || r.section != section || r.cut_index != cut)
                continue;
            if (!header && r.cut) {
                const char *cut_text = PARTREG_TEXT(r.cut);
                const char *bar = strchr(cut_text, '|');
                int len = bar ? (int)(bar - cut_text) : (int)strlen(cut_text);
                fprintf(out, "Cut %s, effect on P(Y > %.*s):\n", cut_text, len, cut_text);
                header = 1;
            }
            if (r.cut)
                fprintf(out, "  %-*s", nw - 2, PARTREG_TEXT(r.term));
            else
                fprintf(out, "%-*s", nw, PARTREG_TEXT(r.name));
            num(out, r.est.estimate, 11, 5);
            num(out, r.est.std_error, 10, 5);
            num(out, r.est.z, 8, 3);
            pval(out, r.est.p_value);
            num(out, r.est.conf_low, 10, 5);
            num(out, r.est.conf_high, 10, 5);
            if (odds)
                num(out, exp(r.est.estimate), 10, 4);
            if (tdist)
                num(out, partreg_fit_param_df(a->fit, j), 9, 2);
            if (mi)
                num(out, a->fmi[j], 6, 3);
            fprintf(out, "%s%s\n", stars(r.est.p_value),
                    r.diverges ? "  (runs off: separation)" : "");
        }
    }
}

/* A table of per-variable tests (nominal, scale, equal slopes, autofit). */
static void variable_tests(FILE *out, const char *title, const partreg_variable_tests *t,
                           int steps, const char *note)
{
    if (!t)
        return;
    fprintf(out, "\n%s\n", title);
    if (partreg_variable_tests_n_tests(t) == 0) {
        fprintf(out, "  (none)\n");
    } else {
        fprintf(out, "%s%-24s %10s %5s %9s\n", steps ? "Step " : "", "Variable", "chi2", "df",
                "P>chi2");
    }
    for (size_t i = 0; i < partreg_variable_tests_n_tests(t); i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(t, i);
        if (steps)
            fprintf(out, "%4d ", e->step);
        fprintf(out, "%-24s", PARTREG_TEXT(e->variable));
        num(out, e->chi2, 10, 3);
        df_text(out, e->df);
        pval(out, e->p_value);
        if (e->diverges)
            fprintf(out, "  (refit runs off to infinity: no statistic)");
        else if (!e->converged)
            fprintf(out, "  (refit did not converge: no statistic)");
        fputc('\n', out);
    }
    if (note)
        fprintf(out, "%s\n", note);
}

static void gof_line(FILE *out, const char *name, partreg_chi2_test t)
{
    fprintf(out, "%-32s", name);
    num(out, t.chi2, 10, 3);
    df_text(out, t.df);
    pval(out, t.p_value);
    fputc('\n', out);
}

static void ordinal_gof(const partreg_analysis *a, FILE *out)
{
    if (!a->has_gof)
        return;
    const partreg_ordinal_gof *g = &a->gof;
    fprintf(out, "\nGoodness of fit (%zu groups by ordinal score)\n%-32s %10s %5s %9s\n", g->groups,
            "Test", "chi2", "df", "P>chi2");
    if (isfinite(g->hosmer_lemeshow.chi2))
        gof_line(out, "Ordinal Hosmer-Lemeshow", g->hosmer_lemeshow);
    gof_line(out, "Lipsitz (LR)", g->lipsitz);
    if (g->lipsitz_diverges)
        fprintf(out, "  (the Lipsitz refit runs off to infinity: no statistic)\n");
    if (isfinite(g->pr_chi2.chi2)) {
        char name[64];
        snprintf(name, sizeof name, "Pulkstenis-Robinson chi2 (%zu)", g->pr_patterns);
        gof_line(out, name, g->pr_chi2);
        gof_line(out, "Pulkstenis-Robinson deviance", g->pr_deviance);
    }
    if (!isfinite(g->hosmer_lemeshow.chi2))
        fprintf(out, "Hosmer-Lemeshow and Pulkstenis-Robinson are defined for proportional-odds "
                     "models only; the Lipsitz test holds here.\n");
    else if (!isfinite(g->pr_chi2.chi2))
        fprintf(out, "Pulkstenis-Robinson needs a categorical variable in the model.\n");
    fprintf(out, "A small p-value says the model does not fit.\n");
}

static void ordinal_tests(const partreg_analysis *a, FILE *out)
{
    ordinal_gof(a, out);
    if (a->autofit) {
        char title[128];
        snprintf(title, sizeof title,
                 "Autofit (alpha %g): variables made parallel, in order, by the Wald test of "
                 "equal slopes",
                 a->autofit_alpha);
        variable_tests(out, title, a->autofit, 1,
                       partreg_variable_tests_n_tests(a->autofit) == 0
                           ? "Every variable kept its cut-specific slopes."
                           : "The variables not listed keep their cut-specific slopes.");
    }
    variable_tests(out, "Nominal test (LR, each variable made nominal)", a->nominal_test, 0,
                   "A small p-value says the variable's effect differs across the cuts.");
    variable_tests(out, "Scale test (LR, each variable added to the scale)", a->scale_test, 0,
                   "A small p-value says the variable changes the spread of the latent outcome.");
    if (a->parallel_test) {
        partreg_chi2_test om = partreg_variable_tests_omnibus(a->parallel_test);
        variable_tests(out, "Parallel-lines test (Wald, equal slopes in the model with every "
                            "variable nominal)",
                       a->parallel_test, 0, NULL);
        fprintf(out, "%-24s", "All (omnibus)");
        num(out, om.chi2, 10, 3);
        df_text(out, om.df);
        pval(out, om.p_value);
        fprintf(out, "\nA small p-value says the parallel-lines (proportional odds) assumption "
                     "fails.\n");
    }
}

/* A list of margins: effects and contrasts with their tests and Wald
 * intervals; probabilities with their intervals only (a probability is
 * not tested against 0). Names are never cut. */
static void margins(FILE *out, const char *title, const partreg_margins *m, int t,
                    double level)
{
    if (!m)
        return;
    size_t n = partreg_margins_n_entries(m), tw = 4, ow = 7, gw = 0;
    int prob = n > 0 && partreg_margins_get(m, 0)->probability;
    int has_outcome = n > 0 && partreg_margins_get(m, 0)->outcome != NULL;
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        if (strlen(PARTREG_TEXT(e->term)) > tw)
            tw = strlen(PARTREG_TEXT(e->term));
        if (e->outcome && strlen(PARTREG_TEXT(e->outcome)) > ow)
            ow = strlen(PARTREG_TEXT(e->outcome));
        if (e->over && strlen(PARTREG_TEXT(e->over)) > gw)
            gw = strlen(PARTREG_TEXT(e->over));
    }
    int nw = name_width(tw), w_out = ow > 12 ? (int)ow : 12;
    char ci[40];
    snprintf(ci, sizeof ci, "[%g%% CI]", level * 100);
    fprintf(out, "\n%s\n", title);
    if (gw)
        fprintf(out, "%-*s ", gw < 5 ? 5 : (int)gw, "Over");
    fprintf(out, "%-*s", nw, prob ? "At" : "Term");
    if (has_outcome)
        fprintf(out, " %-*s", w_out, "Outcome");
    if (prob)
        fprintf(out, " %11s %10s %21s\n", "Probability", "Std.Err", ci);
    else
        fprintf(out, " %11s %10s %8s %9s %21s\n", "Estimate", "Std.Err", t ? "t" : "z",
                t ? "P>|t|" : "P>|z|", ci);
    for (size_t i = 0; i < n; i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        if (gw)
            fprintf(out, "%-*s ", gw < 5 ? 5 : (int)gw, e->over ? PARTREG_TEXT(e->over) : "");
        fprintf(out, "%-*s", nw, e->term[0] ? PARTREG_TEXT(e->term) : "(as observed)");
        if (has_outcome)
            fprintf(out, " %-*s", w_out, e->outcome ? PARTREG_TEXT(e->outcome) : "");
        num(out, e->estimate, 11, 5);
        num(out, e->std_error, 10, 5);
        if (!prob) {
            num(out, e->z, 8, 3);
            pval(out, e->p_value);
        }
        num(out, e->conf_low, 10, 5);
        num(out, e->conf_high, 10, 5);
        fputc('\n', out);
    }
}

/* The margins options' sections: contrasts, the profile, the groups. */
static void margins_extra(const partreg_analysis *a, FILE *out, int t)
{
    if (a->margins_at || a->profile)
        fprintf(out, "\nIntervals of probabilities: %s\n",
                a->prob_ci == PARTREG_PROB_CI_DELTA
                    ? "delta method on the probability scale (--prob-ci delta)"
                    : "on the link scale, transformed back (inside [0, 1])");
    if (a->over_name && a->over_missing)
        fprintf(out, "--over %s: %zu rows with a missing value are in no group\n",
                PARTREG_TEXT(a->over_name), a->over_missing);
    if (a->contrasts)
        margins(out,
                a->contrast_type == 2 ? "Contrasts, every pair (delta-method SEs)"
                                      : "Contrasts with the first (delta-method SEs)",
                a->contrasts, t, a->conf_level);
    if (a->profile) {
        char title[300];
        snprintf(title, sizeof title, "Predicted probabilities over %s",
                 PARTREG_TEXT(a->profile_var));
        margins(out, title, a->profile, t, a->conf_level);
    }
    if (a->standardized) {
        size_t longest = 0;
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            if (report_row_get(a, j, &r) && !isnan(a->standardized[j].sd_x) &&
                strlen(PARTREG_TEXT(r.name)) > longest)
                longest = strlen(PARTREG_TEXT(r.name));
        }
        int nw = name_width(longest), logit = report_has_odds_ratios(a);
        fprintf(out, "\nStandardized coefficients (Long & Freese's listcoef); sd(y*) = ");
        if (isfinite(a->sd_latent))
            fprintf(out, "%.5f\n", a->sd_latent);
        else
            fprintf(out, "not defined for this model\n");
        fprintf(out, "%-*s %11s %10s %10s %10s %10s", nw, "Term", "b", "bStdX", "bStdY",
                "bStdXY", "SDofX");
        if (logit)
            fprintf(out, " %10s", "OR per SD");
        fputc('\n', out);
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            const partreg_standardized *z = &a->standardized[j];
            if (!report_row_get(a, j, &r) || isnan(z->sd_x))
                continue;
            fprintf(out, "%-*s", nw, PARTREG_TEXT(r.name));
            num(out, r.est.estimate, 11, 5);
            num(out, z->b_std_x, 10, 5);
            num(out, z->b_std_y, 10, 5);
            num(out, z->b_std_xy, 10, 5);
            num(out, z->sd_x, 10, 5);
            if (logit)
                num(out, z->or_per_sd, 10, 4);
            fputc('\n', out);
        }
    }
}

/* What the design-based covariance rests on. */
/* The test of all slopes in place of the LR test (analysis_internal.h). */
static void model_test_line(const partreg_analysis *a, FILE *out)
{
    if (a->model_test_absent[0])
        fprintf(out, "Wald test of all slopes: not computed: %s\n", a->model_test_absent);
    if (!a->has_model_test)
        return;
    char name[96];
    report_model_test_name(a, name, sizeof name);
    if (report_model_test_is_f(a))
        fprintf(out, "%s: F(%g, %g) = %.4f, p = %.4g\n", name, a->model_q, a->model_df2,
                a->model_F, a->model_p);
    else
        fprintf(out, "%s: chi2(%g) = %.4f, p = %.4g\n", name, a->model_q, a->model_W,
                a->model_p);
}

static void design_lines(const partreg_analysis *a, FILE *out)
{
    partreg_survey_info in;
    if (!partreg_fit_survey_info(a->fit, &in))
        return;
    if (in.replicate) {
        fprintf(out, "Design:   %zu %s replicate weights", in.n_replicates,
                partreg_rep_type_name(in.rep_type));
        if (in.rep_type == PARTREG_REP_FAY)
            fprintf(out, " (rho %g)", in.fay_rho);
        fprintf(out, "%s; df %g; population size %.10g\n",
                in.rep_mse ? ", centred on the full-sample estimate" : "", in.df,
                in.population_size);
    } else {
        fprintf(out, "Design:   Taylor linearisation, %zu strat%s, %zu PSUs, df %g; population "
                     "size %.10g",
                in.n_strata, in.n_strata == 1 ? "um" : "a", in.n_psu, in.df,
                in.population_size);
        if (in.has_fpc)
            fprintf(out, "; with fpc");
        if (in.n_lonely)
            fprintf(out, "; %zu single-PSU strat%s (%s)", in.n_lonely,
                    in.n_lonely == 1 ? "um" : "a", partreg_lonely_psu_name(in.lonely_psu));
        fputc('\n', out);
    }
    if (in.has_subpop)
        fprintf(out, "Subpop:   %zu of the %zu rows (the others keep their place in the design)\n",
                in.subpop_size, partreg_fit_n_obs(a->fit));
    fprintf(out, "Tests and intervals use t(%g); log-likelihood and AIC are of the weighted "
                 "pseudo-likelihood\n",
            in.df);
}

/* A random intercept: its sd with the interval of log sd exponentiated,
 * the ICC, the LR test of sd = 0, and the extreme communities. */
static void random_lines(const partreg_analysis *a, FILE *out)
{
    const partreg_fit *fit = a->fit;
    partreg_random_intercept ri;
    if (partreg_fit_random_intercept(fit, &ri, NULL) != PARTREG_OK)
        return;
    const char *g = partreg_fit_group_variable(fit);
    g = g ? g : "group";
    double q = gsl_cdf_ugaussian_Qinv((1.0 - a->conf_level) / 2.0);
    fprintf(out, "\nRandom intercept (1 | %s): %zu groups; ", g, ri.n_groups);
    if (ri.nagq == 1)
        fprintf(out, "Laplace approximation\n");
    else
        fprintf(out, "adaptive Gauss-Hermite quadrature, %d points\n", ri.nagq);
    fprintf(out, "%-24s %11s %10s %21s\n", "", "Estimate", "Std.Err", "[Wald CI on log sd]");
    fprintf(out, "%-24s", "sd");
    num(out, ri.sd, 11, 5);
    num(out, ri.sd_std_error, 10, 5);
    num(out, ri.at_boundary ? 0.0 : exp(ri.log_sd - q * ri.log_sd_std_error), 10, 5);
    num(out, exp(ri.log_sd + q * ri.log_sd_std_error), 10, 5);
    fputc('\n', out);
    if (isfinite(ri.icc))
        fprintf(out, "ICC (latent scale) %.4f; ", ri.icc);
    else
        fprintf(out, "ICC not defined for the cauchit link (no variance); ");
    fprintf(out, "LR test of sd = 0: chi2 %.4f, p = %.4g (half of chi2(1))\n", ri.lr_chi2,
            ri.lr_p_value);
    if (ri.at_boundary)
        fprintf(out, "The sd is estimated at 0: the groups do not differ beyond the predictors, "
                     "and the estimates are those of the model without (1 | %s)\n",
                g);
    size_t lo = 0, hi = 0;
    for (size_t k = 1; k < ri.n_groups; k++) {
        partreg_group_effect e, el, eh;
        partreg_fit_group_effect(fit, k, &e, NULL);
        partreg_fit_group_effect(fit, lo, &el, NULL);
        partreg_fit_group_effect(fit, hi, &eh, NULL);
        if (e.mode < el.mode)
            lo = k;
        if (e.mode > eh.mode)
            hi = k;
    }
    partreg_group_effect el, eh;
    partreg_fit_group_effect(fit, lo, &el, NULL);
    partreg_fit_group_effect(fit, hi, &eh, NULL);
    if (!ri.at_boundary && ri.n_groups > 1)
        fprintf(out, "Group effects (conditional modes): lowest %s %.4f (SE %.4f), highest %s "
                     "%.4f (SE %.4f); all in --format json or csv\n",
                partreg_fit_group_label(fit, lo), el.mode, el.std_error,
                partreg_fit_group_label(fit, hi), eh.mode, eh.std_error);
    fprintf(out, "Predictions and margins: %s\n",
            ri.conditional ? "at a random intercept of 0 (an average community)"
                           : "population-averaged (integrated over the random intercept)");
}

void partreg_report_text(const partreg_analysis *a, FILE *out)
{
    const partreg_fit *fit = a->fit;
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    fprintf(out, "%s %s regression\n", partreg_fit_model_title(fit),
            partreg_link_name(partreg_fit_link(fit)));
    fprintf(out, "Formula:  %s\nData:     %s\n", PARTREG_TEXT(a->formula_text), PARTREG_TEXT(a->source));
    fprintf(out, "Rows:     %zu used, %zu dropped for missing values", partreg_fit_n_obs(fit),
            partreg_frame_n_dropped(a->frame));
    if (partreg_frame_weights(a->frame) || a->streamed_weighted)
        fprintf(out, " (sum of weights %.10g)", s.n_weighted);
    fputc('\n', out);
    fprintf(out, "Outcome:  %s, levels", PARTREG_TEXT(partreg_frame_response(a->frame)));
    for (size_t k = 0; k < partreg_frame_n_levels(a->frame); k++)
        fprintf(out, "%s%s", k ? " < " : " ", PARTREG_TEXT(partreg_frame_level_name(a->frame, k)));
    if (partreg_fit_n_outcomes(fit) == 1)
        fprintf(out, " (event: %s)", PARTREG_TEXT(partreg_frame_level_name(a->frame, 1)));
    fprintf(out, "\nVariance: %s", partreg_vcov_name(partreg_fit_vcov_type(fit)));
    if (partreg_fit_vcov_n_clusters(fit) > 0)
        fprintf(out, " (%zu clusters)", partreg_fit_vcov_n_clusters(fit));
    const char *dfm = report_df_method(a);
    if (strcmp(dfm, "satterthwaite") == 0)
        fprintf(out, ", Satterthwaite df per coefficient (CR2, clubSandwich)");
    else if (strcmp(dfm, "cluster") == 0)
        fprintf(out, ", t(G - 1) = t(%zu)", partreg_fit_vcov_n_clusters(fit) - 1);
    fprintf(out, "; %g%% confidence intervals\n", a->conf_level * 100);
    if (partreg_fit_penalty(fit) == PARTREG_PENALTY_FIRTH)
        fprintf(out, "Penalty:  Firth (Jeffreys prior): penalised likelihood, estimates finite "
                     "under separation%s\n",
                partreg_fit_flic(fit) ? "; FLIC intercept (mean fitted probability = event share)"
                                      : "");
    if (a->imputations)
        fprintf(out, "Imputed:  %zu completed data sets pooled by Rubin's rules (Barnard-Rubin "
                     "df); largest fraction of missing information %.3f\n",
                a->imputations, a->fmi_max);
    design_lines(a, out);
    fputc('\n', out);

    int design = partreg_fit_survey_info(fit, NULL);
    table(a, out, REPORT_COEFFICIENTS);
    for (report_section sec = REPORT_THRESHOLDS; sec <= REPORT_SCALE; sec++) {
        if (!report_has_section(a, sec))
            continue;
        fputc('\n', out);
        table(a, out, sec);
    }
    random_lines(a, out);
    fprintf(out, "---\nSignif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1\n\n");
    char ll[40], ll0[40], aic[40], bic[40], lr[40];
    if (a->imputations) {
        fprintf(out, "No pooled log-likelihood (multiple imputation); parameters %zu, %zu rows "
                     "per completed data set\n",
                s.n_params, partreg_fit_n_obs(fit));
        model_test_line(a, out);
    } else if (partreg_fit_penalty(fit) != PARTREG_PENALTY_NONE) {
        fprintf(out, "Penalised log-likelihood %s (without the penalty %s), parameters %zu\n",
                stat_text(s.loglik, 4, ll),
                stat_text(partreg_fit_loglik_unpenalised(fit), 4, ll0), s.n_params);
    } else {
        fprintf(out, "Log-likelihood %s (null %s), AIC %s, BIC %s, parameters %zu\n",
                stat_text(s.loglik, 4, ll), stat_text(s.null_loglik, 4, ll0), stat_text(s.aic, 3, aic),
                stat_text(s.bic, 3, bic), s.n_params);
        if (a->has_model_test || a->model_test_absent[0])
            model_test_line(a, out);
        else if (!partreg_fit_survey_info(fit, NULL) &&
                 partreg_fit_vcov_type(fit) == PARTREG_VCOV_MODEL)
            fprintf(out, "LR chi2(%g) = %s, p = %.4g%s\n", s.lr_df, stat_text(s.lr_chi2, 4, lr),
                    s.lr_p,
                    partreg_fit_has_random_intercept(fit)
                        ? " (against the null model without the random intercept: half "
                          "chi2(df - 1), half chi2(df))"
                        : "");
        char r2a[40], r2b[40], r2c[40];
        fprintf(out, "Pseudo R2: McFadden %s, Cox-Snell %s, Nagelkerke %s\n",
                stat_text(s.r2_mcfadden, 4, r2a), stat_text(s.r2_cox_snell, 4, r2b),
                stat_text(s.r2_nagelkerke, 4, r2c));
    }
    fprintf(out, "Converged: %s after %d iterations (max |gradient| %.2g)\n",
            partreg_fit_converged(fit) ? "yes" : "NO", partreg_fit_iterations(fit),
            partreg_fit_max_gradient(fit));

    int wald_f = 0; /* F tests: a design's, CR2's HTZ, t(G - 1)'s */
    for (size_t i = 0; a->wald && i < partreg_wald_table_n_terms(a->wald); i++)
        wald_f = wald_f || isfinite(partreg_wald_table_get(a->wald, i)->df1);
    if (a->wald && partreg_wald_table_n_terms(a->wald) > 0 && (design || wald_f)) {
        fprintf(out, "\nJoint Wald tests by variable (%s)\n%-24s %10s %5s %7s %9s\n",
                design ? "design-adjusted F"
                : a->cluster_df ? "F on t(G - 1)"
                                : "HTZ F, cr2 covariance",
                "Variable", "F", "df1", "df2", "P>F");
        for (size_t i = 0; i < partreg_wald_table_n_terms(a->wald); i++) {
            const partreg_wald_term *t = partreg_wald_table_get(a->wald, i);
            fprintf(out, "%-24s", PARTREG_TEXT(t->variable));
            num(out, t->adjusted_f, 10, 3);
            fprintf(out, " %5g %7g", t->df1, t->df2);
            pval(out, t->p_value);
            fputc('\n', out);
        }
    } else if (a->wald && partreg_wald_table_n_terms(a->wald) > 0) {
        fprintf(out, "\nJoint Wald tests by variable\n%-24s %10s %5s %9s\n", "Variable", "chi2", "df", "P>chi2");
        for (size_t i = 0; i < partreg_wald_table_n_terms(a->wald); i++) {
            const partreg_wald_term *t = partreg_wald_table_get(a->wald, i);
            fprintf(out, "%-24s", PARTREG_TEXT(t->variable));
            num(out, t->chi2, 10, 3);
            fprintf(out, " %5g", t->df);
            pval(out, t->p_value);
            fputc('\n', out);
        }
    }
    ordinal_tests(a, out);
    if (a->d1 && a->d1->n > 0) {
        fprintf(out, "\nJoint Wald tests by variable, pooled (D1)\n%-24s %10s %5s %9s %9s %7s\n",
                "Variable", "F", "df", "df denom", "P>F", "riv");
        for (size_t i = 0; i < a->d1->n; i++) {
            const partreg_d1_test *t = &a->d1->items[i];
            fprintf(out, "%-24s", t->variable);
            num(out, t->F, 10, 3);
            fprintf(out, " %5g", t->df1);
            num(out, t->df2, 9, 2);
            pval(out, t->p_value);
            num(out, t->riv, 7, 3);
            fputc('\n', out);
        }
    }
    int tm = design || a->imputations > 0;
    margins(out, a->imputations ? "Average marginal effects (pooled over imputations)"
                                : "Average marginal effects (delta-method SEs)",
            a->margins, tm, a->conf_level);
    margins(out, "Marginal effects at the means", a->margins_mem, tm, a->conf_level);
    margins(out, a->at_grid ? "Predicted probabilities at the given values"
                            : "Average predicted probabilities",
            a->margins_at, tm, a->conf_level);
    margins_extra(a, out, tm);
    if (a->brant_absent[0])
        fprintf(out, "\nBrant test of parallel lines: not computed: %s\n",
                PARTREG_TEXT(a->brant_absent));
    if (a->brant) {
        partreg_chi2_test om = partreg_brant_omnibus(a->brant);
        fprintf(out, "\nBrant test of parallel lines\n%-24s %10s %5s %9s\n", "Term", "chi2", "df", "P>chi2");
        fprintf(out, "%-24s", "All (omnibus)");
        num(out, om.chi2, 10, 3);
        fprintf(out, " %5g", om.df);
        pval(out, om.p_value);
        fputc('\n', out);
        for (size_t t = 0; t < partreg_brant_n_terms(a->brant); t++) {
            partreg_chi2_test bt = partreg_brant_term(a->brant, t);
            fprintf(out, "%-24s", PARTREG_TEXT(partreg_frame_column_name(a->frame, partreg_brant_term_column(a->brant, t))));
            num(out, bt.chi2, 10, 3);
            fprintf(out, " %5g", bt.df);
            pval(out, bt.p_value);
            fputc('\n', out);
        }
        fprintf(out, "A small p-value says the parallel-lines (proportional odds) assumption fails.\n");
        if (a->brant_note[0])
            fprintf(out, "Note: %s.\n", a->brant_note);
    }
    if (a->has_survey_gof) {
        const partreg_survey_gof *g = &a->survey_gof;
        fprintf(out, "\nArcher-Lemeshow F-adjusted goodness of fit: F(%g, %g) = %.4f, p = %.4g "
                     "(%zu groups)\n",
                g->df1, g->df2, g->F, g->p_value, g->groups);
    }
    if (a->diagnostics_left_out)
        fprintf(out, "\nDiagnostics (Hosmer-Lemeshow, ROC area, Brier score) left out: they sort "
                     "every row's fitted probability, which a file read in blocks does not keep "
                     "(raise --memory for them)\n");
    if (a->has_diagnostics) {
        const partreg_binary_diagnostics *d = &a->diagnostics;
        fprintf(out, "\nHosmer-Lemeshow chi2(%g) = %.4f, p = %.4g (%zu groups)\n", d->hl_df, d->hl_chi2,
                d->hl_p, d->hl_groups);
        fprintf(out, "ROC area %.4f (SE %.4f), Brier score %.4f\n", d->auc, d->auc_se, d->brier);
        fprintf(out, "Classified at p >= %g: sensitivity %.4f, specificity %.4f, accuracy %.4f\n",
                d->cutoff, d->sensitivity, d->specificity, d->accuracy);
    }
    if (partreg_fit_n_warnings(fit) > 0) {
        fprintf(out, "\nWarnings:\n");
        for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++)
            fprintf(out, "  - %s\n", PARTREG_TEXT(partreg_fit_warning(fit, i)));
    }
}
