/* Predicted-probability curves of the HTML report: the probability of each
 * outcome level (a binary model: of the event) across one variable, with
 * pointwise confidence bands.
 *
 * Each point is a predictive margin, partreg_margins_at() with the
 * variable held at the grid value in every row and everything else as
 * observed, averaged over the rows used (with the case weights): Stata's
 * `margins, at(x = (grid))` and R's `marginaleffects::avg_predictions(
 * newdata = datagrid(x = grid, grid_type = "counterfactual"))`. The bands
 * are estimate -+ z SE with the delta-method SE under the covariance in
 * force, pointwise (not simultaneous), clipped to [0, 1] for drawing.
 *
 * A numeric variable gets a grid of `curve_points` equally spaced values
 * between two quantiles of its observed values (type 7, as R's default
 * quantile()), a rug of its percentiles, one <path class="curve"> per
 * series and one <polygon class="band"> per series. A categorical variable
 * gets one point (<circle class="curve-point">) and interval
 * (<line class="curve-ci">) per level and series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/html.h"
#include "report/svg.h"

struct html_curves {
    size_t variable;
    int categorical;
    size_t nx;             /* grid values, or levels of a categorical variable */
    size_t series;         /* 1 (binary: the event) or J (ordinal) */
    double *x;             /* nx grid values (numeric variable) */
    double *est, *lo, *hi; /* nx * series, entry [i * series + s] */
    double rug[99];        /* percentiles 1..99 of the observed values */
    size_t n_rug;
    double q_lo, q_hi;     /* the quantiles the grid runs between */
};

void html_curves_free(html_curves *c)
{
    if (!c)
        return;
    free(c->x);
    free(c->est);
    free(c->lo);
    free(c->hi);
    free(c);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Type-7 quantile of sorted v[0..n). */
static double quantile(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t k = (size_t)floor(h);
    if (k + 1 >= n)
        return v[n - 1];
    return v[k] + (h - (double)k) * (v[k + 1] - v[k]);
}

partreg_status html_curves_compute(const partreg_analysis *a, const partreg_html_options *opt,
                                   size_t variable, html_curves **out, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    partreg_status st = PARTREG_OK;
    *out = NULL;
    html_curves *c = calloc(1, sizeof *c);
    double *sorted = NULL;
    partreg_margins *m = NULL;
    partreg_setting *set = NULL;
    if (!c)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    c->variable = variable;
    c->categorical = partreg_frame_variable_is_categorical(fr, variable);
    c->series = partreg_fit_n_outcomes(a->fit);
    c->q_lo = opt->curve_low_quantile;
    c->q_hi = opt->curve_high_quantile;
    size_t n = partreg_frame_n_rows(fr);
    if (c->categorical) {
        c->nx = partreg_frame_variable_n_levels(fr, variable);
    } else {
        const double *v = partreg_frame_variable_values(fr, variable);
        c->nx = opt->curve_points;
        sorted = malloc((n ? n : 1) * sizeof(double));
        c->x = malloc(c->nx * sizeof(double));
        if (!sorted || !c->x) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto cleanup;
        }
        memcpy(sorted, v, n * sizeof(double));
        qsort(sorted, n, sizeof(double), cmp_double);
        double x0 = quantile(sorted, n, c->q_lo), x1 = quantile(sorted, n, c->q_hi);
        for (size_t i = 0; i < c->nx; i++)
            c->x[i] = x0 + (x1 - x0) * (double)i / (double)(c->nx - 1);
        c->x[c->nx - 1] = x1;
        for (size_t k = 1; k <= 99; k++)
            c->rug[c->n_rug++] = quantile(sorted, n, (double)k / 100);
    }
    size_t cells = (c->nx ? c->nx : 1) * c->series;
    c->est = malloc(cells * sizeof(double));
    c->lo = malloc(cells * sizeof(double));
    c->hi = malloc(cells * sizeof(double));
    if (!c->est || !c->lo || !c->hi) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    set = calloc(c->nx ? c->nx : 1, sizeof *set);
    if (!set) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < c->nx; i++) {
        set[i].variable = variable;
        if (c->categorical)
            set[i].level = i;
        else
            set[i].value = c->x[i];
    }
    /* all grid points in one pass over the rows (the same numbers as one
     * partreg_margins_at() call per point) */
    if ((st = partreg_margins_at_each(a->fit, fr, set, c->nx, a->conf_level, &m, err)) !=
        PARTREG_OK)
        goto cleanup;
    if (partreg_margins_n_entries(m) != c->nx * c->series) {
        st = partreg_error_set(err, PARTREG_EINVAL,
                               "predictive margins returned %zu entries for %zu points of %zu "
                               "outcome series",
                               partreg_margins_n_entries(m), c->nx, c->series);
        goto cleanup;
    }
    for (size_t e = 0; e < c->nx * c->series; e++) {
        const partreg_margin *pm = partreg_margins_get(m, e);
        c->est[e] = pm->estimate;
        c->lo[e] = pm->conf_low;
        c->hi[e] = pm->conf_high;
    }
    *out = c;
    c = NULL;
cleanup:
    partreg_margins_free(m);
    free(sorted);
    free(set);
    html_curves_free(c);
    return st;
}

static double clip01(double p)
{
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

#define WIDTH 760.0
#define HEIGHT 430.0

/* Legend at the right of the plot: a swatch and the escaped level name. */
static void legend(const partreg_analysis *a, FILE *out, const html_curves *c, double x0, double y0,
                   int ordered)
{
    const partreg_frame *fr = a->frame;
    char col[8];
    int ordinal = c->series > 1;
    svg_text(out, x0, y0, "start", "label legend-title", partreg_frame_response(fr));
    for (size_t k = 0; k < c->series; k++) {
        double y = y0 + 22 + 21 * (double)k;
        svg_color(k, c->series, ordered, col);
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"10\" fill=\"%s\" fill-opacity=\"0.18\"/>"
                     "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.4\"/>\n",
                x0, y - 9, col, x0, x0 + 22, y - 4, y - 4, col);
        svg_text(out, x0 + 30, y, "start", "label",
                 partreg_frame_level_name(fr, ordinal ? k : 1));
    }
}

static void draw_numeric(const partreg_analysis *a, FILE *out, const html_curves *c, const char *xname)
{
    double left = 74, right = WIDTH - 160, top = 16, bottom = HEIGHT - 60;
    int ordered = c->series > 1;
    double ymax = 0;
    for (size_t i = 0; i < c->nx * c->series; i++)
        if (isfinite(c->hi[i]))
            ymax = fmax(ymax, clip01(c->hi[i]));
        else if (isfinite(c->est[i]))
            ymax = fmax(ymax, clip01(c->est[i]));
    svg_scale x, y;
    svg_scale_linear(&x, c->x[0], c->x[c->nx - 1], left, right, 6, 0);
    svg_scale_linear(&y, 0, ymax > 0.85 ? 1 : ymax * 1.04, bottom, top, 5, 1);
    if (y.hi > 1) { /* never above certainty */
        svg_scale_linear(&y, 0, 1, bottom, top, 5, 1);
    }
    svg_axes(out, &x, &y, xname, "Predicted probability", 0, 1);
    /* rug of percentiles inside the grid's range */
    fputs("<g class=\"rug\">", out);
    for (size_t k = 0; k < c->n_rug; k++) {
        double v = c->rug[k];
        if (v < x.lo || v > x.hi)
            continue;
        double px = svg_map(&x, v);
        fprintf(out, "<line class=\"rug\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", px, px,
                bottom, bottom - 7);
    }
    fputs("</g>\n", out);
    char col[8];
    for (size_t k = 0; k < c->series; k++) {
        svg_color(k, c->series, ordered, col);
        fprintf(out, "<polygon class=\"band\" data-series=\"%zu\" fill=\"%s\" fill-opacity=\"0.16\" points=\"", k, col);
        for (size_t i = 0; i < c->nx; i++) {
            double h = c->hi[i * c->series + k];
            if (!isfinite(h))
                h = c->est[i * c->series + k];
            fprintf(out, "%.1f,%.1f ", svg_map(&x, c->x[i]), svg_map(&y, clip01(h)));
        }
        for (size_t i = c->nx; i-- > 0;) {
            double l = c->lo[i * c->series + k];
            if (!isfinite(l))
                l = c->est[i * c->series + k];
            fprintf(out, "%.1f,%.1f ", svg_map(&x, c->x[i]), svg_map(&y, clip01(l)));
        }
        fputs("\"/>\n", out);
    }
    for (size_t k = 0; k < c->series; k++) {
        svg_color(k, c->series, ordered, col);
        fprintf(out, "<path class=\"curve\" data-series=\"%zu\" fill=\"none\" stroke=\"%s\" "
                     "stroke-width=\"2.4\" stroke-linejoin=\"round\" d=\"",
                k, col);
        for (size_t i = 0; i < c->nx; i++)
            fprintf(out, "%s%.1f,%.1f", i ? " L" : "M", svg_map(&x, c->x[i]),
                    svg_map(&y, clip01(c->est[i * c->series + k])));
        fputs("\"/>\n", out);
    }
    legend(a, out, c, right + 22, top + 14, ordered);
}

static void draw_categorical(const partreg_analysis *a, FILE *out, const html_curves *c,
                             const char *xname)
{
    const partreg_frame *fr = a->frame;
    double left = 74, right = WIDTH - 160, top = 16, bottom = HEIGHT - 60;
    int ordered = c->series > 1;
    double ymax = 0;
    for (size_t i = 0; i < c->nx * c->series; i++)
        ymax = fmax(ymax, clip01(isfinite(c->hi[i]) ? c->hi[i] : c->est[i]));
    svg_scale x, y;
    memset(&x, 0, sizeof x);
    x.lo = 0;
    x.hi = (double)c->nx;
    x.p0 = left;
    x.p1 = right;
    svg_scale_linear(&y, 0, ymax > 0.85 ? 1 : ymax * 1.04, bottom, top, 5, 1);
    if (y.hi > 1)
        svg_scale_linear(&y, 0, 1, bottom, top, 5, 1);
    svg_axes(out, &x, &y, xname, "Predicted probability", 0, 1);
    double slot = (right - left) / (double)c->nx;
    double dx = fmin(16.0, 0.7 * slot / (double)c->series);
    char col[8];
    for (size_t i = 0; i < c->nx; i++) {
        double cx = left + slot * ((double)i + 0.5);
        svg_text(out, cx, bottom + 18, "middle", "ticklabel",
                 partreg_frame_variable_level_name(fr, c->variable, i));
        for (size_t k = 0; k < c->series; k++) {
            double px = cx + dx * ((double)k - 0.5 * (double)(c->series - 1));
            size_t e = i * c->series + k;
            svg_color(k, c->series, ordered, col);
            if (isfinite(c->lo[e]) && isfinite(c->hi[e]))
                fprintf(out, "<line class=\"curve-ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                             "stroke=\"%s\" stroke-width=\"1.8\"/>\n",
                        px, px, svg_map(&y, clip01(c->lo[e])), svg_map(&y, clip01(c->hi[e])), col);
            fprintf(out, "<circle class=\"curve-point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", px,
                    svg_map(&y, clip01(c->est[e])), col);
        }
    }
    legend(a, out, c, right + 22, top + 14, ordered);
}

/* English ordinal suffix of a whole percentage ("1st", "2nd", "99th"). */
static const char *suffix(double pct)
{
    long k = lround(pct);
    if (fabs(pct - (double)k) > 1e-9 || (k % 100 >= 11 && k % 100 <= 13))
        return "th";
    switch (k % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
    }
}

void html_figure_curves(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                        const html_curves *c, int *fig)
{
    const partreg_frame *fr = a->frame;
    const char *xname = partreg_frame_variable_name(fr, c->variable);
    int ordinal = c->series > 1;
    int pct = (int)lround(a->conf_level * 100);
    (*fig)++;
    fputs("<figure class=\"curves\">\n", out);
    svg_begin(out, WIDTH, HEIGHT, c->categorical ? "curves categorical" : "curves",
              "Predicted probabilities with confidence bands");
    if (c->categorical)
        draw_categorical(a, out, c, xname);
    else
        draw_numeric(a, out, c, xname);
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> Predicted probability of ", *fig);
    if (ordinal) {
        fputs("each level of <i>", out);
        html_escape(out, partreg_frame_response(fr));
        fputs("</i>", out);
    } else {
        fputs("<i>", out);
        html_escape(out, partreg_frame_response(fr));
        fputs("</i> = ", out);
        html_escape(out, partreg_frame_level_name(fr, 1));
    }
    fputs(c->categorical ? " at each level of <i>" : " across <i>", out);
    html_escape(out, xname);
    fputs("</i>", out);
    if (!c->categorical) {
        if (c->q_lo == 0 && c->q_hi == 1)
            fputs(" (its observed range)", out);
        else
            fprintf(out, " (from its %g%s to its %g%s percentile)", 100 * c->q_lo,
                    suffix(100 * c->q_lo), 100 * c->q_hi, suffix(100 * c->q_hi));
    }
    fprintf(out, ", with pointwise %d%% confidence %s (delta method; ", pct,
            c->categorical ? "intervals" : "bands");
    html_vcov_sentence(a, o, out);
    fprintf(out, "). These are predictive margins: at each value the model's predictions are "
                 "averaged over the %zu rows used, with <i>",
            partreg_frame_n_rows(fr));
    html_escape(out, xname);
    fputs("</i> set to that value in every row and all other variables as observed (Stata's "
          "<code>margins, at()</code>).",
          out);
    if (!c->categorical)
        fputs(" Ticks along the bottom mark the percentiles of the observed values.", out);
    fputs("</figcaption>\n</figure>\n", out);
}
