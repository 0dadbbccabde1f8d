/* The tables of the HTML report: the data summary (rows used and dropped,
 * outcome level counts, mean/SD/min/max of numeric variables and level
 * counts of categorical ones, on the rows used and with the case weights
 * when there are any), the coefficient and threshold tables (odds ratios
 * for logit links), fit statistics and tests (LR against the null model,
 * pseudo-R2, Wald tests by variable, Brant, Hosmer-Lemeshow, ROC area,
 * Brier score, classification) and the marginal-effect tables.
 *
 * Weighted summaries treat the weights as frequencies: the mean is
 * sum w x / W and the SD is sqrt(sum w (x - mean)^2 / (W - 1)), W = sum w,
 * i.e. the statistics of the data set with every row repeated w times. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/fit_internal.h"
#include "report/html.h"
#include "report/rows.h"

static double row_weight(const double *w, size_t i)
{
    return w ? w[i] : 1.0;
}

void html_vcov_sentence(const partreg_analysis *a, const partreg_html_options *o, FILE *out)
{
    const partreg_fit *fit = a->fit;
    const char *column = o ? o->cluster_column : NULL;
    switch (partreg_fit_vcov_type(fit)) {
    case PARTREG_VCOV_MODEL: fputs("model-based standard errors (inverse information)", out); break;
    case PARTREG_VCOV_HC0: fputs("heteroskedasticity-robust standard errors (HC0)", out); break;
    case PARTREG_VCOV_HC1: fputs("heteroskedasticity-robust standard errors (HC1)", out); break;
    case PARTREG_VCOV_CLUSTER:
        if (column && column[0]) {
            fputs("cluster-robust standard errors (CR1), clustered by <code>", out);
            html_escape(out, column);
            fprintf(out, "</code> (%zu clusters)", partreg_fit_vcov_n_clusters(fit));
        } else {
            fprintf(out, "cluster-robust standard errors (CR1, %zu clusters)",
                    partreg_fit_vcov_n_clusters(fit));
        }
        break;
    case PARTREG_VCOV_CR2:
        fputs("bias-reduced cluster-robust standard errors (CR2)", out);
        if (column && column[0]) {
            fputs(", clustered by <code>", out);
            html_escape(out, column);
            fputs("</code>", out);
        }
        fprintf(out, " (%zu clusters)", partreg_fit_vcov_n_clusters(fit));
        break;
    case PARTREG_VCOV_DESIGN:
    case PARTREG_VCOV_REPLICATE: {
        partreg_survey_info in;
        partreg_fit_survey_info(fit, &in);
        if (in.replicate) {
            fprintf(out, "design-based standard errors from %zu %s replicate weights", in.n_replicates,
                    partreg_rep_type_name(in.rep_type));
            if (in.rep_type == PARTREG_REP_FAY)
                fprintf(out, " (&rho; = %g)", in.fay_rho);
        } else {
            fprintf(out, "design-based standard errors (Taylor linearisation over %zu strat%s and "
                         "%zu PSUs%s)",
                    in.n_strata, in.n_strata == 1 ? "um" : "a", in.n_psu,
                    in.has_fpc ? ", with finite population correction" : "");
        }
        fprintf(out, ", <i>t</i> with %g degrees of freedom; estimated population %.6g", in.df,
                in.population_size);
        if (in.has_subpop)
            fprintf(out, "; subpopulation of %zu of the %zu rows", in.subpop_size,
                    partreg_fit_n_obs(fit));
        break;
    }
    default: fputs("standard errors", out);
    }
    const char *dfm = report_df_method(a);
    if (strcmp(dfm, "satterthwaite") == 0)
        fputs(", tests and intervals on t with each coefficient's Satterthwaite degrees of "
              "freedom",
              out);
    else if (strcmp(dfm, "cluster") == 0)
        fprintf(out, ", tests and intervals on t(G&#8722;1) = t(%zu)",
                partreg_fit_vcov_n_clusters(fit) - 1);
    fprintf(out, "; %g%% %s confidence intervals", a->conf_level * 100,
            a->ci == PARTREG_CI_PROFILE ? "profile-likelihood" : "Wald");
    if (a->ci == PARTREG_CI_PROFILE && partreg_fit_n_thresholds(fit) > 0)
        fputs(" (thresholds: Wald)", out);
    if (partreg_fit_penalty(fit) == PARTREG_PENALTY_FIRTH)
        fprintf(out, ". <b>Penalised fit</b>: Firth's penalised likelihood (Jeffreys prior), "
                     "whose estimates stay finite under separation%s",
                partreg_fit_flic(fit) ? ", with the FLIC intercept (the mean fitted probability "
                                        "equals the event share)"
                                      : "");
    if (a->imputations)
        fprintf(out, ". <b>Multiple imputation</b>: %zu completed data sets pooled by Rubin's "
                     "rules, Barnard&#8211;Rubin degrees of freedom; largest fraction of missing "
                     "information %.3f",
                a->imputations, a->fmi_max);
}

/* Decimals that show an SD to three significant digits (0..4). */
static int summary_decimals(double sd)
{
    if (!(sd > 0) || !isfinite(sd))
        return 2;
    int d = 2 - (int)floor(log10(sd));
    return d < 0 ? 0 : d > 4 ? 4 : d;
}

partreg_status html_section_data(const partreg_analysis *a, FILE *out, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    partreg_data d;
    partreg_frame_data(fr, &d);
    size_t n = d.n, used = partreg_frame_n_rows(fr), dropped = partreg_frame_n_dropped(fr);
    const double *w = partreg_frame_weights(fr);
    double W = 0;
    for (size_t i = 0; i < n; i++)
        W += row_weight(w, i);

    fputs("<section id=\"data\">\n<h2>Data</h2>\n", out);
    fprintf(out, "<p>%zu rows read; %zu used and %zu (%.1f%%) dropped because a variable of the "
                 "model was missing (listwise deletion).",
            used + dropped, used, dropped,
            (used + dropped) ? 100.0 * (double)dropped / (double)(used + dropped) : 0.0);
    if (w)
        fprintf(out, " Case weights sum to %.6g; the summaries below are weighted.", W);
    fputs(" Summaries are of the rows used.</p>\n", out);

    /* outcome */
    size_t J = partreg_frame_n_levels(fr);
    double *count = calloc(J ? J : 1, sizeof(double));
    if (!count)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)d.y[i];
        if (k < J)
            count[k] += row_weight(w, i);
    }
    fputs("<div class=\"tablerow\">\n<div class=\"tablewrap\"><table class=\"outcome\">\n<caption>Outcome: ", out);
    html_escape(out, partreg_frame_response(fr));
    fputs("</caption>\n<thead><tr><th>Level</th><th>", out);
    fputs(w ? "Weighted n" : "n", out);
    fputs("</th><th>%</th></tr></thead>\n<tbody>\n", out);
    for (size_t k = 0; k < J; k++) {
        fputs("<tr>", out);
        html_td_text(out, partreg_frame_level_name(fr, k));
        fprintf(out, "<td>%.10g</td>", count[k]);
        html_td_fixed(out, W > 0 ? 100 * count[k] / W : NAN, 1);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table></div>\n", out);
    free(count);

    /* numeric variables */
    size_t nv = partreg_frame_n_variables(fr), n_num = 0, n_cat = 0;
    for (size_t v = 0; v < nv; v++) {
        if (partreg_frame_variable_is_categorical(fr, v))
            n_cat++;
        else
            n_num++;
    }
    if (n_num > 0) {
        fputs("<div class=\"tablewrap\"><table class=\"numeric\">\n<caption>Numeric variables</caption>\n"
              "<thead><tr><th>Variable</th><th>Mean</th><th>SD</th><th>Min</th><th>Max</th></tr></thead>\n"
              "<tbody>\n",
              out);
        for (size_t v = 0; v < nv; v++) {
            const double *x = partreg_frame_variable_values(fr, v);
            if (!x)
                continue;
            double sw = 0, mean = 0, lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < n; i++) {
                double wi = row_weight(w, i);
                if (wi <= 0)
                    continue;
                sw += wi;
                mean += wi * (x[i] - mean) / sw; /* running weighted mean */
                lo = fmin(lo, x[i]);
                hi = fmax(hi, x[i]);
            }
            double ss = 0;
            for (size_t i = 0; i < n; i++)
                ss += row_weight(w, i) * (x[i] - mean) * (x[i] - mean);
            double sd = sw > 1 ? sqrt(ss / (sw - 1)) : NAN;
            int dec = summary_decimals(sd);
            fputs("<tr>", out);
            html_td_text(out, partreg_frame_variable_name(fr, v));
            html_td_fixed(out, mean, dec);
            html_td_fixed(out, sd, dec);
            html_td_fixed(out, lo, dec);
            html_td_fixed(out, hi, dec);
            fputs("</tr>\n", out);
        }
        fputs("</tbody>\n</table></div>\n", out);
    }
    fputs("</div>\n", out);

    /* categorical variables */
    if (n_cat > 0) {
        fputs("<div class=\"tablewrap\"><table class=\"categorical\">\n<caption>Categorical variables</caption>\n"
              "<thead><tr><th>Variable</th><th class=\"lefthead\">Level</th><th>",
              out);
        fputs(w ? "Weighted n" : "n", out);
        fputs("</th><th>%</th></tr></thead>\n<tbody>\n", out);
        for (size_t v = 0; v < nv; v++) {
            const int *lev = partreg_frame_variable_levels(fr, v);
            if (!lev)
                continue;
            size_t L = partreg_frame_variable_n_levels(fr, v);
            double *c = calloc(L ? L : 1, sizeof(double));
            if (!c)
                return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            for (size_t i = 0; i < n; i++)
                if (lev[i] >= 0 && (size_t)lev[i] < L)
                    c[lev[i]] += row_weight(w, i);
            size_t ref = partreg_frame_variable_reference(fr, v);
            for (size_t k = 0; k < L; k++) {
                char b[64];
                fputs(k == 0 ? "<tr class=\"group\">" : "<tr>", out);
                html_td_text(out, k == 0 ? partreg_frame_variable_name(fr, v) : "");
                fputs("<td class=\"term\">", out);
                html_escape(out, partreg_frame_variable_level_name(fr, v, k));
                if (k == ref)
                    fputs(" <span class=\"ref\">(reference)</span>", out);
                fprintf(out, "</td><td>%.10g</td><td>%s</td></tr>\n", c[k],
                        html_fixed(W > 0 ? 100 * c[k] / W : NAN, 1, b, sizeof b));
            }
            free(c);
        }
        fputs("</tbody>\n</table></div>\n", out);
    }
    fputs("</section>\n", out);
    return PARTREG_OK;
}

/* Decimals of one table row, from its standard error: enough to show the
 * SE to two significant digits, at least 3; 0 when that needs more than 6
 * (the row is then written in scientific form by html_number()). */
static int row_decimals(double se, double est)
{
    double ref = isfinite(se) && se > 0 ? se : fabs(est);
    if (!isfinite(ref) || ref == 0)
        return 3;
    int d = 1 - (int)floor(log10(ref));
    return d < 3 ? 3 : d > 6 ? 0 : d;
}

static const char *cell_number(double x, int decimals, char *buf, size_t size)
{
    return decimals > 0 ? html_fixed(x, decimals, buf, size) : html_number(x, buf, size);
}

static void td_decimals(FILE *out, double x, int decimals)
{
    char b[96];
    fprintf(out, "<td>%s</td>", cell_number(x, decimals, b, sizeof b));
}

static void interval_cell(FILE *out, double lo, double hi, int decimals)
{
    char b1[96], b2[96];
    if (!isfinite(lo) || !isfinite(hi)) {
        fputs("<td>\xe2\x80\x94</td>", out);
        return;
    }
    fprintf(out, "<td>[%s, %s]</td>", cell_number(lo, decimals, b1, sizeof b1),
            cell_number(hi, decimals, b2, sizeof b2));
}

/* Odds ratios: 3 decimals, scientific below 0.001 or from 10^4 up. */
static int or_decimals(double x)
{
    return x >= 0.001 && x < 1e4 ? 3 : 0;
}

static void param_table(const partreg_analysis *a, FILE *out, report_section section)
{
    static const char *const css[] = {"coefficients", "thresholds", "scale", "other"};
    static const char *const caption[] = {"Coefficients", "Thresholds (cut-points)",
                                          "Scale (log standard deviation of the latent variable)",
                                          "Other parameters"};
    static const char *const heading[] = {"Term", "Threshold", "Scale term", "Parameter"};
    int odds = report_has_odds_ratios(a) && section == REPORT_COEFFICIENTS;
    int pct = (int)lround(a->conf_level * 100);
    int any_diverges = 0;
    fprintf(out, "<div class=\"tablewrap\"><table class=\"%s\">\n<caption>%s</caption>\n",
            css[section], caption[section]);
    fprintf(out, "<thead><tr><th>%s</th><th>Estimate</th><th>Std. error</th><th><i>z</i></th>"
                 "<th><i>p</i></th><th>%d%% CI</th>",
            heading[section], pct);
    if (odds)
        fprintf(out, "<th>Odds ratio</th><th>%d%% CI</th>", pct);
    fputs("</tr></thead>\n<tbody>\n", out);
    /* rows without a cut, then one group of rows per cut */
    size_t n_cuts = partreg_fit_n_thresholds(a->fit);
    for (size_t cut = (size_t)-1; cut == (size_t)-1 || cut < n_cuts; cut++) {
    int header = 0;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || r.section != section || r.cut_index != cut)
            continue;
        if (r.cut && !header) {
            const char *bar = strchr(r.cut, '|');
            fprintf(out, "<tr class=\"group\"><td class=\"term\" colspan=\"%d\">Cut ", odds ? 8 : 6);
            html_escape(out, r.cut);
            char level[256]; /* the level below the cut, escaped as a whole */
            snprintf(level, sizeof level, "%.*s", bar ? (int)(bar - r.cut) : (int)strlen(r.cut),
                     r.cut);
            fputs(": effect on P(Y &gt; ", out);
            html_escape(out, level);
            fputs(")</td></tr>\n", out);
            header = 1;
        }
        fputs("<tr><td class=\"term\">", out);
        html_escape(out, r.cut ? r.term : r.name);
        if (r.diverges) {
            fputs("\xe2\x80\xa0", out); /* dagger */
            any_diverges = 1;
        }
        fputs("</td>", out);
        int d = row_decimals(r.est.std_error, r.est.estimate);
        td_decimals(out, r.est.estimate, d);
        td_decimals(out, r.est.std_error, d);
        html_td_fixed(out, r.est.z, 2);
        html_td_pvalue(out, r.est.p_value);
        interval_cell(out, r.est.conf_low, r.est.conf_high, d);
        if (odds) {
            double lo = exp(r.est.conf_low), hi = exp(r.est.conf_high);
            int od = or_decimals(fmin(exp(r.est.estimate), isfinite(lo) ? lo : INFINITY));
            if (isfinite(hi) && hi >= 1e4)
                od = 0;
            td_decimals(out, exp(r.est.estimate), od);
            interval_cell(out, lo, hi, od);
        }
        fputs("</tr>\n", out);
    }
    }
    fputs("</tbody>\n</table></div>\n", out);
    if (any_diverges)
        fputs("<p class=\"note\">\xe2\x80\xa0 The estimate runs off to infinity (separation): its "
              "value is where the solver stopped and it has no valid interval.</p>\n",
              out);
}

void html_section_coefficients(const partreg_analysis *a, const partreg_html_options *o,
                               FILE *out)
{
    const partreg_model_ops *ops = a->fit->model.ops;
    param_table(a, out, REPORT_COEFFICIENTS);
    fputs("<p class=\"note\">", out);
    fputs(ops->html_equation, out);
    if (report_has_odds_ratios(a))
        fputs(ops->html_odds_ratio, out);
    fputs("Standard errors and intervals: ", out);
    html_vcov_sentence(a, o, out);
    fputs(".</p>\n", out);
    for (report_section sec = REPORT_THRESHOLDS; sec <= REPORT_SCALE; sec++)
        if (report_has_section(a, sec))
            param_table(a, out, sec);
}

static void chi2_row(FILE *out, const char *name, double chi2, double df, double p)
{
    fputs("<tr>", out);
    html_td_text(out, name);
    html_td_fixed(out, chi2, 2);
    fprintf(out, "<td>%g</td>", df);
    html_td_pvalue(out, p);
    fputs("</tr>\n", out);
}

/* An F test: statistic and "df1, df2". */
static void f_row(FILE *out, const char *name, double F, double df1, double df2, double p)
{
    fputs("<tr>", out);
    html_td_text(out, name);
    html_td_fixed(out, F, 2);
    fprintf(out, "<td>%g, %g</td>", df1, df2);
    html_td_pvalue(out, p);
    fputs("</tr>\n", out);
}

static void stat_row(FILE *out, const char *name, const char *html_value)
{
    fprintf(out, "<tr><td class=\"term\">%s</td><td>%s</td></tr>\n", name, html_value);
}

/* One table of per-variable tests with a note under it. */
static void variable_table(FILE *out, const char *cls, const char *caption,
                           const partreg_variable_tests *t, int steps, const char *note)
{
    if (!t)
        return;
    fprintf(out, "<div class=\"tablebox\"><div class=\"tablewrap\"><table class=\"%s\">\n"
                 "<caption>%s</caption>\n<thead><tr>%s<th>Variable</th><th>\xcf\x87<sup>2</sup>"
                 "</th><th>df</th><th><i>p</i></th></tr></thead>\n<tbody>\n",
            cls, caption, steps ? "<th>Step</th>" : "");
    for (size_t i = 0; i < partreg_variable_tests_n_tests(t); i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(t, i);
        fputs("<tr>", out);
        if (steps)
            fprintf(out, "<td>%d</td>", e->step);
        html_td_text(out, e->variable);
        if (e->diverges || !e->converged) {
            fprintf(out, "<td colspan=\"3\">%s</td>",
                    e->diverges ? "refit runs off to infinity: no statistic"
                                : "refit did not converge: no statistic");
        } else {
            html_td_fixed(out, e->chi2, 2);
            fprintf(out, "<td>%g</td>", e->df);
            html_td_pvalue(out, e->p_value);
        }
        fputs("</tr>\n", out);
    }
    fprintf(out, "</tbody>\n</table></div>\n<p class=\"note\">%s</p></div>\n", note);
}

/* Autofit's steps, the nominal, scale and parallel-lines tests. */
static void html_ordinal_tests(const partreg_analysis *a, FILE *out)
{
    if (a->autofit) {
        char caption[160];
        snprintf(caption, sizeof caption,
                 "Autofit (&alpha; = %g): variables made parallel, in order", a->autofit_alpha);
        variable_table(out, "autofit", caption, a->autofit, 1,
                       "Each step's Wald test of equal slopes across the cut-points had the "
                       "largest <i>p</i> above &alpha;; the variables not listed keep "
                       "cut-specific slopes (gologit2's autofit).");
    }
    variable_table(out, "nominal-test", "Nominal test (likelihood ratio)", a->nominal_test, 0,
                   "Each variable made nominal (one slope per cut-point) against the fitted "
                   "model: a small <i>p</i> says its effect differs across the cut-points.");
    variable_table(out, "scale-test", "Scale test (likelihood ratio)", a->scale_test, 0,
                   "Each variable added to the scale against the fitted model: a small "
                   "<i>p</i> says it changes the spread of the latent outcome.");
    if (a->parallel_test) {
        partreg_chi2_test om = partreg_variable_tests_omnibus(a->parallel_test);
        char note[512];
        snprintf(note, sizeof note,
                 "Wald tests that each variable's slopes are equal across the cut-points, in "
                 "the model with every variable nominal, with the covariance in force; all "
                 "together: &chi;<sup>2</sup> = %.2f on %g df, <i>p</i> = %.3g. A small "
                 "<i>p</i> says the parallel-lines (proportional odds) assumption fails.",
                 om.chi2, om.df, om.p_value);
        variable_table(out, "parallel-test", "Parallel-lines test (Wald)", a->parallel_test, 0,
                       note);
    }
}

void html_section_fit(const partreg_analysis *a, FILE *out)
{
    const partreg_fit *fit = a->fit;
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    char b[96], line[256];
    fputs("<section id=\"fit\">\n<h2>Fit and tests</h2>\n<div class=\"tablerow\">\n", out);

    fputs("<div class=\"tablewrap\"><table class=\"fitstats\">\n<caption>Fit statistics</caption>\n"
          "<thead><tr><th>Statistic</th><th>Value</th></tr></thead>\n<tbody>\n",
          out);
    snprintf(line, sizeof line, "%zu", partreg_fit_n_obs(fit));
    stat_row(out, "Observations", line);
    if (partreg_frame_weights(a->frame)) {
        snprintf(line, sizeof line, "%.6g", s.n_weighted);
        stat_row(out, "Sum of weights", line);
    }
    snprintf(line, sizeof line, "%zu", s.n_params);
    stat_row(out, "Parameters", line);
    stat_row(out, "Log-likelihood", html_fixed(s.loglik, 2, b, sizeof b));
    stat_row(out, "Null log-likelihood", html_fixed(s.null_loglik, 2, b, sizeof b));
    stat_row(out, "AIC", html_fixed(s.aic, 2, b, sizeof b));
    stat_row(out, "BIC", html_fixed(s.bic, 2, b, sizeof b));
    stat_row(out, "McFadden R<sup>2</sup>", html_fixed(s.r2_mcfadden, 3, b, sizeof b));
    stat_row(out, "Cox\xe2\x80\x93Snell R<sup>2</sup>", html_fixed(s.r2_cox_snell, 3, b, sizeof b));
    stat_row(out, "Nagelkerke R<sup>2</sup>", html_fixed(s.r2_nagelkerke, 3, b, sizeof b));
    snprintf(line, sizeof line, "%s (%d iterations)", partreg_fit_converged(fit) ? "yes" : "<b>no</b>",
             partreg_fit_iterations(fit));
    stat_row(out, "Converged", line);
    fputs("</tbody>\n</table></div>\n", out);

    fputs("<div class=\"tablecol\">\n", out);
    /* a design's tests are adjusted F tests (df: numerator, denominator),
     * as are CR2's (HTZ) and those on t(G - 1) */
    int wald_f = partreg_fit_survey_info(fit, NULL) != 0;
    for (size_t i = 0; a->wald && i < partreg_wald_table_n_terms(a->wald); i++)
        wald_f = wald_f || isfinite(partreg_wald_table_get(a->wald, i)->df1);
    const char *stat_head = wald_f ? "<i>F</i>" : "\xcf\x87<sup>2</sup>";
    /* F and chi-square rows side by side (a robust covariance's F test
     * of all slopes beside Hosmer-Lemeshow): each row's df tell which */
    const char *tests_head = partreg_fit_survey_info(fit, NULL) ? "<i>F</i>"
                             : a->has_model_test && report_model_test_is_f(a)
                                 ? "Statistic"
                                 : "\xcf\x87<sup>2</sup>";
    fprintf(out, "<div class=\"tablewrap\"><table class=\"tests\">\n<caption>Tests</caption>\n"
                 "<thead><tr><th>Test</th><th>%s</th><th>df</th><th><i>p</i></th></tr></thead>\n"
                 "<tbody>\n",
            tests_head);
    if (a->model_test_absent[0]) {
        fputs("<tr>", out);
        html_td_text(out, "Wald test of all slopes");
        fputs("<td colspan=\"3\">not computed: ", out);
        html_escape(out, a->model_test_absent);
        fputs("</td></tr>\n", out);
    }
    if (a->has_model_test) {
        char name[96];
        report_model_test_name(a, name, sizeof name);
        if (report_model_test_is_f(a))
            f_row(out, name, a->model_F, a->model_q, a->model_df2, a->model_p);
        else
            chi2_row(out, name, a->model_W, a->model_q, a->model_p);
    } else if (!partreg_fit_survey_info(fit, NULL) &&
               partreg_fit_vcov_type(fit) == PARTREG_VCOV_MODEL)
        chi2_row(out, "Likelihood ratio vs. null model", s.lr_chi2, s.lr_df, s.lr_p);
    if (a->has_survey_gof) {
        snprintf(line, sizeof line, "Archer\xe2\x80\x93Lemeshow F (%zu groups)", a->survey_gof.groups);
        f_row(out, line, a->survey_gof.F, a->survey_gof.df1, a->survey_gof.df2,
              a->survey_gof.p_value);
    }
    if (a->has_diagnostics) {
        snprintf(line, sizeof line, "Hosmer\xe2\x80\x93Lemeshow (%zu groups)", a->diagnostics.hl_groups);
        chi2_row(out, line, a->diagnostics.hl_chi2, a->diagnostics.hl_df, a->diagnostics.hl_p);
    }
    if (a->brant) {
        partreg_chi2_test om = partreg_brant_omnibus(a->brant);
        chi2_row(out, "Brant (parallel lines, omnibus)", om.chi2, om.df, om.p_value);
    }
    if (a->has_gof) {
        const partreg_ordinal_gof *g = &a->gof;
        if (isfinite(g->hosmer_lemeshow.chi2)) {
            snprintf(line, sizeof line, "Ordinal Hosmer\xe2\x80\x93Lemeshow (%zu groups)", g->groups);
            chi2_row(out, line, g->hosmer_lemeshow.chi2, g->hosmer_lemeshow.df,
                     g->hosmer_lemeshow.p_value);
        }
        snprintf(line, sizeof line, "Lipsitz (%zu groups)", g->groups);
        chi2_row(out, line, g->lipsitz.chi2, g->lipsitz.df, g->lipsitz.p_value);
        if (isfinite(g->pr_chi2.chi2)) {
            snprintf(line, sizeof line, "Pulkstenis\xe2\x80\x93Robinson \xcf\x87\xc2\xb2 (%zu patterns)",
                     g->pr_patterns);
            chi2_row(out, line, g->pr_chi2.chi2, g->pr_chi2.df, g->pr_chi2.p_value);
            chi2_row(out, "Pulkstenis\xe2\x80\x93Robinson deviance", g->pr_deviance.chi2,
                     g->pr_deviance.df, g->pr_deviance.p_value);
        }
    }
    fputs("</tbody>\n</table></div>\n", out);

    if (a->wald && partreg_wald_table_n_terms(a->wald) > 0) {
        fprintf(out, "<div class=\"tablebox\"><div class=\"tablewrap\"><table class=\"wald\">\n<caption>Wald tests by variable</caption>\n"
                     "<thead><tr><th>Variable</th><th>%s</th><th>df</th><th><i>p</i></th></tr></thead>\n"
                     "<tbody>\n",
                stat_head);
        for (size_t i = 0; i < partreg_wald_table_n_terms(a->wald); i++) {
            const partreg_wald_term *t = partreg_wald_table_get(a->wald, i);
            if (isfinite(t->df1))
                f_row(out, t->variable, t->adjusted_f, t->df1, t->df2, t->p_value);
            else
                chi2_row(out, t->variable, t->chi2, t->df, t->p_value);
        }
        fputs("</tbody>\n</table></div>\n<p class=\"note\">Joint test that every coefficient involving "
              "the variable (all its levels, transformations and interactions) is zero, with the "
              "covariance in force.</p></div>\n",
              out);
    }
    fputs("</div>\n</div>\n", out); /* tablecol, tablerow */
    html_ordinal_tests(a, out);
    if (a->brant) {
        fputs("<div class=\"tablebox\"><div class=\"tablewrap\"><table class=\"brant\">\n<caption>Brant test of parallel lines</caption>\n"
              "<thead><tr><th>Term</th><th>\xcf\x87<sup>2</sup></th><th>df</th><th><i>p</i></th></tr></thead>\n"
              "<tbody>\n",
              out);
        partreg_chi2_test om = partreg_brant_omnibus(a->brant);
        chi2_row(out, "All (omnibus)", om.chi2, om.df, om.p_value);
        for (size_t t = 0; t < partreg_brant_n_terms(a->brant); t++) {
            partreg_chi2_test bt = partreg_brant_term(a->brant, t);
            chi2_row(out, partreg_frame_column_name(a->frame, partreg_brant_term_column(a->brant, t)),
                     bt.chi2, bt.df, bt.p_value);
        }
        fputs("</tbody>\n</table></div>\n<p class=\"note\">A small <i>p</i> says that the term's "
              "effect differs across the cut-points of the outcome: the parallel-lines "
              "(proportional odds) assumption fails for it.</p></div>\n",
              out);
    }
    fputs("</section>\n", out);
}

void html_table_discrimination(const partreg_analysis *a, FILE *out)
{
    if (!a->has_diagnostics)
        return;
    char b[96], line[256];
    const partreg_binary_diagnostics *d = &a->diagnostics;
    fputs("<div class=\"tablewrap\"><table class=\"discrimination\">\n<caption>Discrimination</caption>\n"
          "<thead><tr><th>Measure</th><th>Value</th></tr></thead>\n<tbody>\n",
          out);
    char b2[96];
    snprintf(line, sizeof line, "%s (SE %s)", html_fixed(d->auc, 3, b, sizeof b),
             html_fixed(d->auc_se, 3, b2, sizeof b2));
    stat_row(out, "ROC area (AUC)", line);
    stat_row(out, "Brier score", html_fixed(d->brier, 3, b, sizeof b));
    snprintf(line, sizeof line, "Sensitivity at <i>p\xcc\x82</i> \xe2\x89\xa5 %g", d->cutoff);
    stat_row(out, line, html_fixed(d->sensitivity, 3, b, sizeof b));
    snprintf(line, sizeof line, "Specificity at <i>p\xcc\x82</i> \xe2\x89\xa5 %g", d->cutoff);
    stat_row(out, line, html_fixed(d->specificity, 3, b, sizeof b));
    stat_row(out, "Correctly classified", html_fixed(d->accuracy, 3, b, sizeof b));
    fputs("</tbody>\n</table></div>\n", out);
}

static void margins_table(const partreg_analysis *a, FILE *out, const char *caption,
                          const char *cls, const partreg_margins *m, const char *first_header)
{
    size_t count = partreg_margins_n_entries(m);
    if (count == 0)
        return;
    const partreg_margin *e0 = partreg_margins_get(m, 0);
    int ordinal = e0->outcome != NULL, prob = e0->probability, over = 0;
    for (size_t i = 0; i < count; i++)
        over |= partreg_margins_get(m, i)->over != NULL;
    int pct = (int)lround(a->conf_level * 100);
    fprintf(out, "<div class=\"tablewrap\"><table class=\"%s\">\n<caption>%s</caption>\n<thead><tr>",
            cls, caption);
    if (over)
        fputs("<th class=\"lefthead\">Over</th>", out);
    fprintf(out, "<th>%s</th>", prob ? "At" : first_header);
    if (ordinal)
        fputs("<th class=\"lefthead\">Outcome</th>", out);
    if (prob)
        fprintf(out, "<th>Probability</th><th>Std. error</th><th>%d%% CI</th></tr></thead>\n"
                     "<tbody>\n",
                pct);
    else
        fprintf(out, "<th>Estimate</th><th>Std. error</th><th><i>z</i></th><th><i>p</i></th>"
                     "<th>%d%% CI</th></tr></thead>\n<tbody>\n",
                pct);
    const char *prev = NULL, *prev_over = NULL;
    int d = 3;
    for (size_t i = 0; i < count; i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        int new_over = over && (!prev_over || !e->over || strcmp(prev_over, e->over) != 0);
        int first = new_over || !prev || strcmp(prev, e->term) != 0;
        if (first) { /* one number of decimals for a variable's rows */
            d = 3;
            for (size_t k = i; k < count; k++) {
                const partreg_margin *f = partreg_margins_get(m, k);
                if (strcmp(f->term, e->term) != 0)
                    break;
                int dk = row_decimals(f->std_error, f->estimate);
                if (dk == 0 || d == 0)
                    d = 0;
                else if (dk > d)
                    d = dk;
            }
        }
        fputs(first && (ordinal || over) && i > 0 ? "<tr class=\"group\">" : "<tr>", out);
        if (over)
            html_td_text(out, new_over && e->over ? e->over : "");
        html_td_text(out, first ? (e->term[0] ? e->term : "(as observed)") : "");
        if (ordinal)
            html_td_text(out, e->outcome);
        td_decimals(out, e->estimate, d);
        td_decimals(out, e->std_error, d);
        if (!prob) {
            html_td_fixed(out, e->z, 2);
            html_td_pvalue(out, e->p_value);
        }
        interval_cell(out, e->conf_low, e->conf_high, d);
        fputs("</tr>\n", out);
        prev = e->term;
        prev_over = e->over;
    }
    fputs("</tbody>\n</table></div>\n", out);
}

/* Standardized coefficients (--standardize), as listcoef lists them. */
static void standardized_table(const partreg_analysis *a, FILE *out)
{
    if (!a->standardized)
        return;
    int logit = report_has_odds_ratios(a);
    fputs("<div class=\"tablewrap\"><table class=\"standardized\">\n<caption>Standardized "
          "coefficients (Long &amp; Freese's listcoef): b<sub>StdX</sub> = b&#183;SD(x), "
          "b<sub>StdY</sub> = b/SD(y*), b<sub>StdXY</sub> = b&#183;SD(x)/SD(y*)",
          out);
    if (isfinite(a->sd_latent))
        fprintf(out, "; SD(y*) = %.4f", a->sd_latent);
    fputs("</caption>\n<thead><tr><th>Term</th><th>b</th><th>b<sub>StdX</sub></th>"
          "<th>b<sub>StdY</sub></th><th>b<sub>StdXY</sub></th><th>SD(x)</th>",
          out);
    if (logit)
        fputs("<th>Odds ratio per SD</th>", out);
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        const partreg_standardized *z = &a->standardized[j];
        if (!report_row_get(a, j, &r) || isnan(z->sd_x))
            continue;
        fputs("<tr>", out);
        html_td_text(out, r.name);
        td_decimals(out, r.est.estimate, 4);
        td_decimals(out, z->b_std_x, 4);
        td_decimals(out, z->b_std_y, 4);
        td_decimals(out, z->b_std_xy, 4);
        td_decimals(out, z->sd_x, 4);
        if (logit)
            td_decimals(out, z->or_per_sd, 4);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table></div>\n", out);
}

void html_section_margins(const partreg_analysis *a, const partreg_html_options *o, FILE *out)
{
    standardized_table(a, out);
    if (!a->margins && !a->margins_mem && !a->margins_at && !a->profile)
        return;
    int levels = partreg_fit_n_outcomes(a->fit) > 1;
    fputs("<section id=\"margins\">\n<h2>Marginal effects</h2>\n", out);
    if (a->margins || a->margins_mem) {
        fprintf(out, "<p class=\"note\">Effects on the probability of %s. A numeric variable: the "
                     "derivative dP/dx (per unit of the variable, through every term that contains "
                     "it); a categorical level: the change in probability from the reference level. "
                     "Delta-method standard errors with ",
                levels ? "each outcome level" : "the event");
        html_vcov_sentence(a, o, out);
        fputs(".</p>\n", out);
    }
    if (a->margins)
        margins_table(a, out, "Average marginal effects (AME)", "margins", a->margins, "Variable");
    if (a->margins_mem)
        margins_table(a, out, "Marginal effects at the means (MEM)", "margins-mem", a->margins_mem,
                      "Variable");
    if (a->margins_at)
        margins_table(a, out,
                      a->prob_ci == PARTREG_PROB_CI_DELTA
                          ? "Predicted probabilities (predictive margins; delta-method intervals)"
                          : "Predicted probabilities (predictive margins; intervals on the link "
                            "scale, transformed back)",
                      "margins-at", a->margins_at, "Setting");
    if (a->contrasts)
        margins_table(a, out,
                      a->contrast_type == 2 ? "Contrasts, every pair (delta-method SEs)"
                                            : "Contrasts with the first (delta-method SEs)",
                      "contrasts", a->contrasts, "Contrast");
    if (a->profile) {
        char caption[300];
        snprintf(caption, sizeof caption, "Predicted probabilities over %s", a->profile_var);
        fputs("<figure class=\"marginsplot\">\n", out);
        partreg_marginsplot_svg(a, out, 0, NULL);
        fputs("</figure>\n", out);
        margins_table(a, out, caption, "profile", a->profile, "Setting");
    }
    fputs("</section>\n", out);
}
