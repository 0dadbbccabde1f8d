/* The JSON report: the contract's keys (CONTRACT.md, "JSON output") and
 * partreg's additions (odds ratios, warnings, dropped terms, fit
 * statistics, Wald tests, diagnostics, timing). Statistics that do not
 * exist (a diverging estimate's SE) are null, never a made-up number. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "models/fit_counters.h"
#include "report/json_writer.h"
#include "report/rows.h"
#include "report/writers.h"

static void write_row(json_writer *w, const partreg_analysis *a, const report_row *r, int odds)
{
    json_begin_object(w);
    json_kv_string(w, "term", r->term);
    if (r->cut)
        json_kv_string(w, "cut", r->cut);
    json_kv_number(w, "estimate", r->est.estimate);
    json_kv_number(w, "std_error", r->est.std_error);
    json_kv_number(w, "z", r->est.z);
    json_kv_number(w, "p_value", r->est.p_value);
    json_kv_number(w, "conf_low", r->est.conf_low);
    json_kv_number(w, "conf_high", r->est.conf_high);
    /* a t reference distribution: its df (CR2, --cluster-df, designs,
     * multiple imputation: Barnard-Rubin, with riv and fmi for the
     * coefficients and scale effects; the contract leaves them off the
     * thresholds) */
    double df = partreg_fit_param_df(a->fit, r->index);
    int mi_keys = a->imputations && r->section != REPORT_THRESHOLDS;
    if (isfinite(df) && (mi_keys || !a->imputations))
        json_kv_number(w, "df", df);
    if (mi_keys) {
        json_kv_number(w, "riv", a->riv[r->index]);
        json_kv_number(w, "fmi", a->fmi[r->index]);
    }
    if (odds && r->section == REPORT_COEFFICIENTS) {
        json_kv_number(w, "odds_ratio", exp(r->est.estimate));
        json_kv_number(w, "odds_ratio_conf_low", exp(r->est.conf_low));
        json_kv_number(w, "odds_ratio_conf_high", exp(r->est.conf_high));
    }
    if (r->diverges)
        json_kv_bool(w, "diverges", 1);
    json_end_object(w);
}

static void write_params(json_writer *w, const partreg_analysis *a)
{
    int odds = report_has_odds_ratios(a);
    /* coefficients and thresholds always (the contract's keys), scale
     * terms when the model has them */
    static const char *const keys[] = {"coefficients", "thresholds", "scale"};
    for (report_section s = REPORT_COEFFICIENTS; s <= REPORT_SCALE; s++) {
        if (s == REPORT_SCALE && !report_has_section(a, s))
            continue;
        json_key(w, keys[s]);
        json_begin_array(w);
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            if (report_row_get(a, j, &r) && r.section == s)
                write_row(w, a, &r, odds);
        }
        json_end_array(w);
    }
    json_key(w, "dropped_terms");
    json_begin_array(w);
    for (size_t j = 0; j < partreg_fit_n_columns(a->fit); j++)
        if (partreg_fit_column_dropped(a->fit, j))
            json_string(w, partreg_frame_column_name(a->frame, j));
    json_end_array(w);
}

static double report_normal_quantile(double level)
{
    return gsl_cdf_ugaussian_Qinv((1.0 - level) / 2.0);
}

/* "nagq" and "random_effects" of a random-intercept model: sd with its
 * delta-method SE and the Wald interval of log sd, the ICC, the LR test
 * of sigma = 0, and each community's conditional mode. */
static void write_random(json_writer *w, const partreg_analysis *a)
{
    const partreg_fit *fit = a->fit;
    partreg_random_intercept ri;
    if (partreg_fit_random_intercept(fit, &ri, NULL) != PARTREG_OK)
        return;
    json_kv_int(w, "nagq", ri.nagq);
    json_kv_string(w, "predictions", ri.conditional ? "conditional" : "averaged");
    json_key(w, "random_effects");
    json_begin_array(w);
    json_begin_object(w);
    const char *name = partreg_fit_group_variable(fit);
    json_kv_string(w, "group", name ? name : "group");
    json_kv_int(w, "n_groups", (long long)ri.n_groups);
    json_kv_number(w, "sd", ri.sd);
    json_kv_number(w, "sd_std_error", ri.sd_std_error);
    double q = report_normal_quantile(a->conf_level);
    json_kv_number(w, "sd_conf_low", ri.at_boundary ? 0.0 : exp(ri.log_sd - q * ri.log_sd_std_error));
    json_kv_number(w, "sd_conf_high", exp(ri.log_sd + q * ri.log_sd_std_error));
    json_kv_number(w, "log_sd", ri.at_boundary ? NAN : ri.log_sd);
    json_kv_number(w, "log_sd_std_error", ri.log_sd_std_error);
    json_kv_number(w, "icc", ri.icc);
    json_kv_number(w, "lr_chi2", ri.lr_chi2);
    json_kv_number(w, "lr_p_value", ri.lr_p_value);
    json_kv_bool(w, "at_boundary", ri.at_boundary);
    json_key(w, "modes");
    json_begin_array(w);
    for (size_t g = 0; g < ri.n_groups; g++) {
        partreg_group_effect e;
        partreg_fit_group_effect(fit, g, &e, NULL);
        json_begin_object(w);
        json_kv_string(w, "level", partreg_fit_group_label(fit, g));
        json_kv_number(w, "n_obs", e.n_obs);
        json_kv_number(w, "mode", e.mode);
        json_kv_number(w, "std_error", e.std_error);
        json_end_object(w);
    }
    json_end_array(w);
    json_end_object(w);
    json_end_array(w);
}

static void write_margins(json_writer *w, const char *key, const partreg_margins *m)
{
    if (!m)
        return;
    json_key(w, key);
    json_begin_array(w);
    for (size_t i = 0; i < partreg_margins_n_entries(m); i++) {
        const partreg_margin *e = partreg_margins_get(m, i);
        json_begin_object(w);
        json_kv_string(w, "term", e->term);
        if (e->over)
            json_kv_string(w, "over", e->over);
        json_kv_string(w, "outcome", e->outcome);
        json_kv_number(w, "estimate", e->estimate);
        json_kv_number(w, "std_error", e->std_error);
        /* a probability is not tested against 0 */
        json_kv_number(w, "z", e->z);
        json_kv_number(w, "p_value", e->p_value);
        json_kv_number(w, "conf_low", e->conf_low);
        json_kv_number(w, "conf_high", e->conf_high);
        json_end_object(w);
    }
    json_end_array(w);
}

/* The margins options: how intervals of probabilities were made, the
 * groups, the contrasts, the profile and standardized coefficients. */
static void write_margins_extra(json_writer *w, const partreg_analysis *a)
{
    if (a->margins_at || a->profile)
        json_kv_string(w, "prob_ci", a->prob_ci == PARTREG_PROB_CI_DELTA ? "delta" : "link");
    if (a->over_name) {
        json_key(w, "over");
        json_begin_object(w);
        json_kv_string(w, "variable", a->over_name);
        json_key(w, "groups");
        json_begin_array(w);
        for (size_t g = 0; g < a->n_over; g++)
            json_string(w, a->over_labels[g]);
        json_end_array(w);
        json_kv_int(w, "n_missing", (long long)a->over_missing);
        json_end_object(w);
    }
    if (a->contrasts) {
        json_kv_string(w, "contrast_type",
                       a->contrast_type == 2 ? "pairwise" : "reference");
        write_margins(w, "contrasts", a->contrasts);
    }
    if (a->profile) {
        json_key(w, "profile");
        json_begin_object(w);
        json_kv_string(w, "variable", a->profile_var);
        const partreg_at_grid *g = a->profile_grid;
        size_t nout = partreg_fit_n_outcomes(a->fit);
        json_key(w, "points");
        json_begin_array(w);
        for (size_t i = 0; i < partreg_margins_n_entries(a->profile); i++) {
            const partreg_margin *e = partreg_margins_get(a->profile, i);
            size_t ns;
            const partreg_setting *st = partreg_at_grid_cell(g, e->cell, &ns);
            json_begin_object(w);
            if (st && partreg_frame_variable_is_categorical(a->frame, st->variable))
                json_kv_string(w, "value",
                               partreg_frame_variable_level_name(a->frame, st->variable,
                                                                 st->level));
            else
                json_kv_number(w, "value", st ? st->value : NAN);
            if (e->over)
                json_kv_string(w, "over", e->over);
            json_kv_string(w, "outcome", nout > 1 ? e->outcome : NULL);
            json_kv_number(w, "estimate", e->estimate);
            json_kv_number(w, "std_error", e->std_error);
            json_kv_number(w, "conf_low", e->conf_low);
            json_kv_number(w, "conf_high", e->conf_high);
            json_end_object(w);
        }
        json_end_array(w);
        json_end_object(w);
    }
    if (a->standardized) {
        json_key(w, "standardized");
        json_begin_object(w);
        json_kv_number(w, "sd_latent", a->sd_latent);
        json_key(w, "coefficients");
        json_begin_array(w);
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            if (!report_row_get(a, j, &r) || r.section != REPORT_COEFFICIENTS)
                continue;
            const partreg_standardized *z = &a->standardized[j];
            if (isnan(z->sd_x))
                continue;
            json_begin_object(w);
            json_kv_string(w, "term", r.term);
            if (r.cut)
                json_kv_string(w, "cut", r.cut);
            json_kv_number(w, "estimate", r.est.estimate);
            json_kv_number(w, "sd_x", z->sd_x);
            json_kv_number(w, "b_std_x", z->b_std_x);
            json_kv_number(w, "b_std_y", z->b_std_y);
            json_kv_number(w, "b_std_xy", z->b_std_xy);
            json_kv_number(w, "odds_ratio_per_sd", z->or_per_sd);
            json_end_object(w);
        }
        json_end_array(w);
        json_end_object(w);
    }
}

static void write_test(json_writer *w, partreg_chi2_test t)
{
    json_kv_number(w, "chi2", t.chi2);
    json_kv_number(w, "df", t.df);
    json_kv_number(w, "p_value", t.p_value);
}

static void write_brant(json_writer *w, const partreg_analysis *a)
{
    if (a->brant_absent[0]) {
        json_kv_string(w, "brant_unavailable", a->brant_absent);
        return;
    }
    if (!a->brant)
        return;
    json_key(w, "brant");
    json_begin_object(w);
    json_key(w, "omnibus");
    json_begin_object(w);
    write_test(w, partreg_brant_omnibus(a->brant));
    json_end_object(w);
    json_key(w, "terms");
    json_begin_array(w);
    for (size_t t = 0; t < partreg_brant_n_terms(a->brant); t++) {
        json_begin_object(w);
        json_kv_string(w, "term",
                       partreg_frame_column_name(a->frame, partreg_brant_term_column(a->brant, t)));
        write_test(w, partreg_brant_term(a->brant, t));
        json_end_object(w);
    }
    json_end_array(w);
    if (a->brant_note[0])
        json_kv_string(w, "note", a->brant_note);
    json_end_object(w);
}

static void write_wald(json_writer *w, const partreg_analysis *a)
{
    if (!a->wald)
        return;
    json_key(w, "wald_tests");
    json_begin_array(w);
    for (size_t i = 0; i < partreg_wald_table_n_terms(a->wald); i++) {
        const partreg_wald_term *t = partreg_wald_table_get(a->wald, i);
        json_begin_object(w);
        json_kv_string(w, "variable", t->variable);
        json_kv_number(w, "chi2", t->chi2);
        json_kv_number(w, "df", t->df);
        json_kv_number(w, "p_value", t->p_value);
        if (isfinite(t->df1)) {
            json_kv_number(w, "adjusted_f", t->adjusted_f);
            json_kv_number(w, "df1", t->df1);
            json_kv_number(w, "df2", t->df2);
        }
        json_end_object(w);
    }
    json_end_array(w);
}

static void write_variable_tests(json_writer *w, const char *key, const partreg_variable_tests *t)
{
    if (!t)
        return;
    json_key(w, key);
    json_begin_array(w);
    for (size_t i = 0; i < partreg_variable_tests_n_tests(t); i++) {
        const partreg_variable_test *e = partreg_variable_tests_get(t, i);
        json_begin_object(w);
        json_kv_string(w, "variable", e->variable);
        json_kv_number(w, "chi2", e->chi2);
        json_kv_number(w, "df", e->df);
        json_kv_number(w, "p_value", e->p_value);
        if (isfinite(e->df1)) { /* a design's adjusted F, whose tail p_value is */
            json_kv_number(w, "adjusted_f", e->adjusted_f);
            json_kv_number(w, "df1", e->df1);
            json_kv_number(w, "df2", e->df2);
        }
        if (e->step > 0)
            json_kv_int(w, "step", e->step);
        if (e->diverges)
            json_kv_bool(w, "diverges", 1);
        if (!e->converged)
            json_kv_bool(w, "converged", 0);
        json_end_object(w);
    }
    json_end_array(w);
}

static void write_d1(json_writer *w, const partreg_analysis *a)
{
    if (!a->d1)
        return;
    json_key(w, "wald_tests");
    json_begin_array(w);
    for (size_t i = 0; i < a->d1->n; i++) {
        const partreg_d1_test *t = &a->d1->items[i];
        json_begin_object(w);
        json_kv_string(w, "variable", t->variable);
        json_kv_string(w, "method", "D1");
        json_kv_number(w, "F", t->F);
        json_kv_number(w, "df", t->df1);
        json_kv_number(w, "df_denom", t->df2);
        json_kv_number(w, "p_value", t->p_value);
        json_kv_number(w, "riv", t->riv);
        json_end_object(w);
    }
    json_end_array(w);
}

/* nominal and scale effects, autofit and the parallel-lines tests */
static void write_ordinal(json_writer *w, const partreg_analysis *a)
{
    if (partreg_fit_n_thresholds(a->fit) > 0) /* a model with cut points */
        json_kv_int(w, "crossing_rows", (long long)partreg_fit_n_crossing_rows(a->fit));
    if (a->autofit) {
        json_kv_number(w, "autofit_alpha", a->autofit_alpha);
        write_variable_tests(w, "autofit", a->autofit);
    }
    write_variable_tests(w, "nominal_test", a->nominal_test);
    write_variable_tests(w, "scale_test", a->scale_test);
    if (a->has_gof) {
        const partreg_ordinal_gof *g = &a->gof;
        json_key(w, "ordinal_gof");
        json_begin_object(w);
        json_kv_int(w, "groups", (long long)g->groups);
        /* tests not defined for the model are left out, not printed */
        if (isfinite(g->hosmer_lemeshow.chi2)) {
            json_key(w, "hosmer_lemeshow");
            json_begin_object(w);
            write_test(w, g->hosmer_lemeshow);
            json_end_object(w);
        }
        json_key(w, "lipsitz");
        json_begin_object(w);
        write_test(w, g->lipsitz);
        if (g->lipsitz_diverges)
            json_kv_bool(w, "diverges", 1);
        json_end_object(w);
        if (isfinite(g->pr_chi2.chi2)) {
            json_key(w, "pulkstenis_robinson");
            json_begin_object(w);
            json_kv_int(w, "patterns", (long long)g->pr_patterns);
            json_key(w, "chi2");
            json_begin_object(w);
            write_test(w, g->pr_chi2);
            json_end_object(w);
            json_key(w, "deviance");
            json_begin_object(w);
            write_test(w, g->pr_deviance);
            json_end_object(w);
            json_end_object(w);
        }
        json_end_object(w);
    }
    if (a->parallel_test) {
        json_key(w, "parallel_test");
        json_begin_object(w);
        json_key(w, "omnibus");
        json_begin_object(w);
        write_test(w, partreg_variable_tests_omnibus(a->parallel_test));
        json_end_object(w);
        write_variable_tests(w, "variables", a->parallel_test);
        json_end_object(w);
    }
}

/* The design behind a design-based covariance: "df" at the top level and
 * the "design" object (CONTRACT.md, "Survey designs"), the model's
 * adjusted Wald F test and the Archer-Lemeshow test. */
static void write_design(json_writer *w, const partreg_analysis *a)
{
    partreg_survey_info info;
    if (!partreg_fit_survey_info(a->fit, &info))
        return;
    json_kv_number(w, "df", info.df);
    json_key(w, "design");
    json_begin_object(w);
    if (!info.replicate) {
        json_kv_int(w, "strata", (long long)info.n_strata);
        json_kv_int(w, "psu", (long long)info.n_psu);
    }
    json_kv_number(w, "population_size", info.population_size);
    if (!info.replicate) {
        json_kv_int(w, "subpop_size", (long long)info.subpop_size);
        json_kv_bool(w, "subpop", info.has_subpop);
        json_kv_bool(w, "fpc", info.has_fpc);
        json_kv_string(w, "lonely_psu", partreg_lonely_psu_name(info.lonely_psu));
        json_kv_int(w, "lonely_strata", (long long)info.n_lonely);
    } else {
        json_kv_string(w, "rep_type", partreg_rep_type_name(info.rep_type));
        json_kv_int(w, "replicates", (long long)info.n_replicates);
        if (info.rep_type == PARTREG_REP_FAY)
            json_kv_number(w, "fay_rho", info.fay_rho);
        json_kv_bool(w, "rep_mse", info.rep_mse);
        if (info.has_subpop)
            json_kv_int(w, "subpop_rows", (long long)info.subpop_size);
    }
    json_kv_number(w, "data_passes", info.data_passes);
    json_end_object(w);
}

/* The test of all slopes in place of the LR test (analysis_internal.h):
 * "chi2" the Wald statistic (null for D1), "adjusted_f" on ("df1", "df2")
 * (null for a chi-square reference, then "df1" its df), "method". */
static void write_model_test(json_writer *w, const partreg_analysis *a)
{
    static const char *const method[] = {"design", "chi2", "naive-f", "htz", "d1"};
    if (a->model_test_absent[0]) {
        json_key(w, "wald_test");
        json_null(w);
        json_kv_string(w, "wald_test_absent", a->model_test_absent);
    }
    if (!a->has_model_test)
        return;
    json_key(w, "wald_test");
    json_begin_object(w);
    json_kv_number(w, "chi2", a->model_W);
    json_kv_number(w, "adjusted_f", a->model_F);
    json_kv_number(w, "df1", a->model_q);
    json_kv_number(w, "df2", a->model_df2);
    json_kv_number(w, "p_value", a->model_p);
    json_kv_string(w, "method", method[a->model_test]);
    json_end_object(w);
}

static void write_diagnostics(json_writer *w, const partreg_analysis *a)
{
    if (a->has_survey_gof) {
        const partreg_survey_gof *g = &a->survey_gof;
        json_key(w, "diagnostics");
        json_begin_object(w);
        json_key(w, "archer_lemeshow");
        json_begin_object(w);
        json_kv_number(w, "chi2", g->W);
        json_kv_number(w, "adjusted_f", g->F);
        json_kv_number(w, "df1", g->df1);
        json_kv_number(w, "df2", g->df2);
        json_kv_number(w, "p_value", g->p_value);
        json_kv_int(w, "groups", (long long)g->groups);
        json_end_object(w);
        json_end_object(w);
        return;
    }
    if (!a->has_diagnostics)
        return;
    const partreg_binary_diagnostics *d = &a->diagnostics;
    json_key(w, "diagnostics");
    json_begin_object(w);
    json_key(w, "hosmer_lemeshow");
    json_begin_object(w);
    json_kv_number(w, "chi2", d->hl_chi2);
    json_kv_number(w, "df", d->hl_df);
    json_kv_number(w, "p_value", d->hl_p);
    json_kv_int(w, "groups", (long long)d->hl_groups);
    json_end_object(w);
    json_kv_number(w, "auc", d->auc);
    json_kv_number(w, "auc_std_error", d->auc_se);
    json_kv_number(w, "brier", d->brier);
    json_key(w, "classification");
    json_begin_object(w);
    json_kv_number(w, "cutoff", d->cutoff);
    json_kv_number(w, "true_pos", d->true_pos);
    json_kv_number(w, "false_pos", d->false_pos);
    json_kv_number(w, "true_neg", d->true_neg);
    json_kv_number(w, "false_neg", d->false_neg);
    json_kv_number(w, "sensitivity", d->sensitivity);
    json_kv_number(w, "specificity", d->specificity);
    json_kv_number(w, "accuracy", d->accuracy);
    json_end_object(w);
    json_end_object(w);
}


void partreg_report_json(const partreg_analysis *a, FILE *out, int timing)
{
    const partreg_fit *fit = a->fit;
    partreg_fit_stats s;
    partreg_fit_get_stats(fit, &s);
    json_writer w;
    json_init(&w, out, 2);
    json_begin_object(&w);
    json_kv_string(&w, "formula", a->formula_text);
    json_kv_string(&w, "data", a->source);
    json_kv_string(&w, "family", partreg_family_name(partreg_fit_family(fit)));
    json_kv_string(&w, "link", partreg_link_name(partreg_fit_link(fit)));
    json_kv_int(&w, "n_obs", (long long)partreg_fit_n_obs(fit));
    json_kv_int(&w, "n_dropped", (long long)partreg_frame_n_dropped(a->frame));
    json_kv_number(&w, "sum_weights", s.n_weighted);
    json_kv_bool(&w, "converged", partreg_fit_converged(fit));
    json_kv_int(&w, "iterations", partreg_fit_iterations(fit));
    json_kv_bool(&w, "separation", partreg_fit_separated(fit));
    json_kv_number(&w, "max_abs_gradient", partreg_fit_max_gradient(fit));
    if (a->imputations) { /* no pooled likelihood: every statistic of it is null */
        s.loglik = s.null_loglik = s.deviance = s.aic = s.bic = NAN;
        s.lr_chi2 = s.lr_p = s.r2_mcfadden = s.r2_cox_snell = s.r2_nagelkerke = NAN;
        json_kv_int(&w, "imputations", (long long)a->imputations);
        json_kv_number(&w, "fmi_max", a->fmi_max);
    }
    if (partreg_fit_penalty(fit) != PARTREG_PENALTY_NONE) {
        json_kv_string(&w, "penalty", "firth");
        json_kv_bool(&w, "flic", partreg_fit_flic(fit));
        json_kv_number(&w, "loglik_unpenalised", partreg_fit_loglik_unpenalised(fit));
    }
    json_kv_number(&w, "loglik", s.loglik);
    json_kv_number(&w, "null_loglik", s.null_loglik);
    json_kv_number(&w, "deviance", s.deviance);
    json_kv_number(&w, "aic", s.aic);
    json_kv_number(&w, "bic", s.bic);
    json_kv_int(&w, "n_params", (long long)s.n_params);
    json_key(&w, "lr_test");
    if (partreg_fit_survey_info(fit, NULL) || a->has_model_test ||
        partreg_fit_vcov_type(fit) != PARTREG_VCOV_MODEL) {
        json_null(&w); /* the rows are not taken as independent with the model's variance:
                        * the model test is "wald_test" */
    } else {
        json_begin_object(&w);
        json_kv_number(&w, "chi2", s.lr_chi2);
        json_kv_number(&w, "df", s.lr_df);
        json_kv_number(&w, "p_value", s.lr_p);
        json_end_object(&w);
    }
    json_key(&w, "pseudo_r2");
    json_begin_object(&w);
    json_kv_number(&w, "mcfadden", s.r2_mcfadden);
    json_kv_number(&w, "cox_snell", s.r2_cox_snell);
    json_kv_number(&w, "nagelkerke", s.r2_nagelkerke);
    json_end_object(&w);
    json_kv_string(&w, "vcov_type", partreg_vcov_name(partreg_fit_vcov_type(fit)));
    if (partreg_fit_vcov_n_clusters(fit) > 0)
        json_kv_int(&w, "n_clusters", (long long)partreg_fit_vcov_n_clusters(fit));
    json_kv_string(&w, "df_method", report_df_method(a));
    write_design(&w, a);
    write_model_test(&w, a);
    json_kv_string(&w, "ci_method", a->ci == PARTREG_CI_PROFILE ? "profile" : "wald");
    json_kv_number(&w, "conf_level", a->conf_level);
    json_key(&w, "levels");
    json_begin_array(&w);
    for (size_t k = 0; k < partreg_frame_n_levels(a->frame); k++)
        json_string(&w, partreg_frame_level_name(a->frame, k));
    json_end_array(&w);
    write_params(&w, a);
    write_random(&w, a);
    write_margins(&w, "margins", a->margins);
    write_margins(&w, "margins_at_means", a->margins_mem);
    write_margins(&w, "predictions_at", a->margins_at);
    write_margins_extra(&w, a);
    write_brant(&w, a);
    write_ordinal(&w, a);
    write_wald(&w, a);
    write_d1(&w, a);
    write_diagnostics(&w, a);
    json_key(&w, "warnings");
    json_begin_array(&w);
    for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++)
        json_string(&w, partreg_fit_warning(fit, i));
    json_end_array(&w);
    if (timing) {
        json_key(&w, "timing");
        json_begin_object(&w);
        json_kv_number(&w, "read_s", a->timing.read_s);
        json_kv_number(&w, "design_s", a->timing.design_s);
        json_kv_number(&w, "fit_s", a->timing.fit_s);
        json_kv_number(&w, "inference_s", a->timing.inference_s);
        json_kv_number(&w, "total_s", a->timing.total_s);
        /* what the fit read, for the benchmarks (bench/scale.sh): passes
         * over the design, and whether it was read from a design file on
         * disk (out of core) or by how many processes */
        json_kv_number(&w, "data_passes", partreg_fit_data_passes(fit));
        json_kv_bool(&w, "out_of_core", partreg_analysis_out_of_core(a));
        json_kv_int(&w, "processes", a->streamed && a->processes ? (long long)a->processes : 1);
        if (a->streamed && a->csv_readings) /* how often the CSV file was parsed */
            json_kv_int(&w, "csv_passes", a->csv_readings);
        /* passes over the design matrix by phase (partreg_timing) */
        const partreg_timing *t = &a->timing;
        json_key(&w, "passes");
        json_begin_object(&w);
        json_kv_number(&w, "fit", t->fit_passes);
        json_kv_number(&w, "vcov", t->vcov_passes);
        json_kv_number(&w, "intervals", t->intervals_passes);
        json_kv_number(&w, "margins", t->margins_passes);
        json_kv_number(&w, "brant", t->brant_passes);
        json_kv_number(&w, "tests", t->tests_passes);
        json_kv_number(&w, "diagnostics", t->diagnostics_passes);
        json_kv_number(&w, "inference", t->inference_passes);
        json_end_object(&w);
        if (t->profile_bounds > 0) { /* each bound's evaluations; the passes they shared */
            json_key(&w, "profile");
            json_begin_object(&w);
            json_kv_int(&w, "bounds", (long long)t->profile_bounds);
            json_kv_number(&w, "passes", t->intervals_passes);
            json_kv_number(&w, "evaluations_per_bound", t->profile_evaluations / t->profile_bounds);
            json_end_object(&w);
        }
        json_end_object(&w);
    }
    json_end_object(&w);
    fputc('\n', out);
}
