/* partreg predict: each row of new data predicted with the analysis's fit
 * (partreg_fit_predict_rows), the rows dropped for missing values counted
 * with the variables that were missing, and the result written as CSV,
 * JSON or text (partreg_analysis.h). Everything is computed before the
 * first byte is written. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"
#include "report/analysis_internal.h"
#include "report/json_writer.h"

static void csv_text(FILE *out, const char *s)
{
    partreg_write_csv_field(out, s, ',');
}

/* "what(level)" as one CSV field. */
static void csv_head(FILE *out, const char *what, const char *level)
{
    size_t len = strlen(what) + strlen(level) + 3;
    char *h = malloc(len);
    fputc(',', out);
    if (!h) {
        fputs(what, out);
        return;
    }
    snprintf(h, len, "%s(%s)", what, level);
    csv_text(out, h);
    free(h);
}

static void csv_num(FILE *out, double x)
{
    fputc(',', out);
    if (isfinite(x))
        fprintf(out, "%.17g", x);
}

/* The rows missing each model variable, as one sentence into buf. */
static void drop_reason(const partreg_frame *fr, const partreg_table *t, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t v = 0; v < partreg_frame_n_variables(fr); v++) {
        const char *name = partreg_frame_variable_name(fr, v);
        size_t j, miss = 0, n = partreg_table_n_rows(t);
        if (partreg_table_find_column(t, name, &j, NULL) != PARTREG_OK)
            continue;
        const double *x = partreg_table_numeric(t, j);
        const int *c = partreg_table_codes(t, j);
        for (size_t i = 0; i < n; i++)
            miss += x ? isnan(x[i]) : (c && c[i] < 0);
        if (!miss || used + 1 >= size)
            continue;
        int w = snprintf(buf + used, size - used, "%s%zu row%s with %s missing", used ? ", " : "",
                         miss, miss == 1 ? "" : "s", name);
        if (w > 0)
            used += (size_t)w;
    }
}

/* The id of table row r as text into buf ("" when missing). */
static void id_text(const partreg_table *t, size_t j, size_t r, char *buf, size_t size)
{
    const double *x = partreg_table_numeric(t, j);
    if (x) {
        buf[0] = '\0';
        if (!isnan(x[r]))
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, size, "%.*g", prec, x[r]);
                if (strtod(buf, NULL) == x[r])
                    break;
            }
        return;
    }
    const int *c = partreg_table_codes(t, j);
    const char *name = c && c[r] >= 0 ? partreg_table_level_name(t, j, (size_t)c[r]) : NULL;
    snprintf(buf, size, "%s", name ? name : "");
}

partreg_status partreg_analysis_predict_write(const partreg_analysis *a,
                                              const partreg_table *newdata,
                                              const char *id_column,
                                              const partreg_predict_options *opt,
                                              partreg_format format, FILE *out,
                                              partreg_predict_summary *summary,
                                              partreg_error *err)
{
    if (summary)
        memset(summary, 0, sizeof *summary);
    if (!a || !newdata || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_analysis_predict_write: NULL argument");
    if (format != PARTREG_FORMAT_TEXT && format != PARTREG_FORMAT_JSON &&
        format != PARTREG_FORMAT_CSV)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown output format");
    if (a->fit_status != PARTREG_OK)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the model did not converge, so it cannot predict");
    partreg_predict_options po = opt ? *opt : partreg_predict_options_default();
    size_t id_col = 0;
    partreg_status st;
    if (id_column && (st = partreg_table_find_column(newdata, id_column, &id_col, err)) != PARTREG_OK)
        return st;
    partreg_predict_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.n_rows = partreg_table_n_rows(newdata);
    partreg_frame *nf = NULL;
    partreg_predictions *pr = NULL;
    st = partreg_frame_apply(a->frame, newdata, &nf, err);
    if (st == PARTREG_ETOOFEW || st == PARTREG_OK) {
        sum.n_used = st == PARTREG_OK ? partreg_frame_n_rows(nf) : 0;
        sum.n_dropped = sum.n_rows - sum.n_used;
        if (sum.n_dropped)
            drop_reason(a->frame, newdata, sum.reason, sizeof sum.reason);
        if (summary)
            *summary = sum;
    }
    if (st == PARTREG_ETOOFEW && sum.n_rows > 0)
        return partreg_error_set(err, st, "no row of the new data can be predicted: %s",
                                 sum.reason[0] ? sum.reason : "every row misses a value");
    if (st != PARTREG_OK)
        return st;
    partreg_data d;
    partreg_frame_data(nf, &d);
    st = partreg_fit_predict_rows(a->fit, &d, &po, &pr, err);
    if (st != PARTREG_OK) {
        partreg_frame_free(nf);
        return st;
    }
    partreg_random_intercept ri;
    int has_ri = partreg_fit_random_intercept(a->fit, &ri, NULL) == PARTREG_OK;
    const size_t *rows = partreg_frame_row_index(nf);
    size_t J = partreg_predictions_n_levels(pr), n = partreg_predictions_n_rows(pr);
    const partreg_frame *fr = a->frame;
    char id[64];
    if (format == PARTREG_FORMAT_CSV) {
        fputs("row", out);
        if (id_column) {
            fputc(',', out);
            csv_text(out, id_column);
        }
        static const char *const what[] = {"P", "se_P", "conf_low_P", "conf_high_P"};
        for (size_t q = 0; q < 4; q++)
            for (size_t j = 0; j < J; j++)
                csv_head(out, what[q], partreg_frame_level_name(fr, j));
        if (po.linear)
            fputs(",eta,se_eta,conf_low_eta,conf_high_eta", out);
        fputc('\n', out);
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%zu", rows[i] + 1);
            if (id_column) {
                id_text(newdata, id_col, rows[i], id, sizeof id);
                fputc(',', out);
                csv_text(out, id);
            }
            double v[4];
            for (size_t q = 0; q < 4; q++)
                for (size_t j = 0; j < J; j++) {
                    partreg_predictions_get(pr, i, j, &v[0], &v[1], &v[2], &v[3]);
                    csv_num(out, v[q]);
                }
            if (po.linear) {
                partreg_predictions_linear(pr, i, &v[0], &v[1], &v[2], &v[3]);
                for (size_t q = 0; q < 4; q++)
                    csv_num(out, v[q]);
            }
            fputc('\n', out);
        }
    } else if (format == PARTREG_FORMAT_JSON) {
        json_writer w;
        json_init(&w, out, 2);
        json_begin_object(&w);
        json_kv_int(&w, "n_rows", (long long)sum.n_rows);
        json_kv_int(&w, "n_used", (long long)sum.n_used);
        json_kv_int(&w, "n_dropped", (long long)sum.n_dropped);
        json_kv_string(&w, "dropped_reason", sum.n_dropped ? sum.reason : NULL);
        json_key(&w, "levels");
        json_begin_array(&w);
        for (size_t j = 0; j < J; j++)
            json_string(&w, partreg_frame_level_name(fr, j));
        json_end_array(&w);
        json_kv_number(&w, "conf_level", po.level);
        json_kv_string(&w, "prob_ci", po.prob_ci == PARTREG_PROB_CI_DELTA ? "delta" : "link");
        json_kv_string(&w, "vcov_type", partreg_vcov_name(partreg_fit_vcov_type(a->fit)));
        json_kv_string(&w, "id_column", id_column);
        if (has_ri)
            json_kv_string(&w, "random_intercept", ri.conditional ? "conditional" : "averaged");
        json_key(&w, "predictions");
        json_begin_array(&w);
        for (size_t i = 0; i < n; i++) {
            json_begin_object(&w);
            json_kv_int(&w, "row", (long long)rows[i] + 1);
            if (id_column) {
                id_text(newdata, id_col, rows[i], id, sizeof id);
                json_kv_string(&w, "id", id);
            }
            json_key(&w, "probabilities");
            json_begin_array(&w);
            for (size_t j = 0; j < J; j++) {
                double v[4];
                partreg_predictions_get(pr, i, j, &v[0], &v[1], &v[2], &v[3]);
                json_begin_object(&w);
                json_kv_string(&w, "level", partreg_frame_level_name(fr, j));
                json_kv_number(&w, "estimate", v[0]);
                json_kv_number(&w, "std_error", v[1]);
                json_kv_number(&w, "conf_low", v[2]);
                json_kv_number(&w, "conf_high", v[3]);
                json_end_object(&w);
            }
            json_end_array(&w);
            if (po.linear) {
                double v[4];
                partreg_predictions_linear(pr, i, &v[0], &v[1], &v[2], &v[3]);
                json_key(&w, "linear");
                json_begin_object(&w);
                json_kv_number(&w, "estimate", v[0]);
                json_kv_number(&w, "std_error", v[1]);
                json_kv_number(&w, "conf_low", v[2]);
                json_kv_number(&w, "conf_high", v[3]);
                json_end_object(&w);
            }
            json_end_object(&w);
        }
        json_end_array(&w);
        json_end_object(&w);
        fputc('\n', out);
    } else {
        fprintf(out, "Predicted probabilities with %g%% intervals (%s; %s covariance)\n",
                po.level * 100,
                po.prob_ci == PARTREG_PROB_CI_DELTA ? "delta method" : "link scale",
                partreg_vcov_name(partreg_fit_vcov_type(a->fit)));
        if (has_ri)
            fprintf(out, "Random intercept (1 | %s): %s\n", partreg_fit_group_variable(a->fit),
                    ri.conditional ? "at a random intercept of 0 (an average community)"
                                   : "population-averaged (integrated over the random "
                                     "intercept; --conditional gives u = 0)");
        fprintf(out, "%zu of %zu rows predicted", sum.n_used, sum.n_rows);
        if (sum.n_dropped)
            fprintf(out, "; %zu dropped: %s", sum.n_dropped, sum.reason);
        fputs("\n\n", out);
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "row %zu", rows[i] + 1);
            if (id_column) {
                id_text(newdata, id_col, rows[i], id, sizeof id);
                fprintf(out, " (%s %s)", id_column, id);
            }
            fputc('\n', out);
            for (size_t j = 0; j < J; j++) {
                double v[4];
                partreg_predictions_get(pr, i, j, &v[0], &v[1], &v[2], &v[3]);
                fprintf(out, "  P(%s) = %.5f  SE %.5f  [%.5f, %.5f]\n",
                        partreg_frame_level_name(fr, j), v[0], v[1], v[2], v[3]);
            }
            if (po.linear) {
                double v[4];
                partreg_predictions_linear(pr, i, &v[0], &v[1], &v[2], &v[3]);
                fprintf(out, "  eta = %.5f  SE %.5f  [%.5f, %.5f]\n", v[0], v[1], v[2], v[3]);
            }
        }
    }
    partreg_predictions_free(pr);
    partreg_frame_free(nf);
    if (ferror(out))
        return partreg_error_set(err, PARTREG_EIO, "a write of the predictions failed");
    partreg_error_clear(err);
    return PARTREG_OK;
}
