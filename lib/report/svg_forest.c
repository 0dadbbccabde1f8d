/* The forest plot of the HTML report: one row per coefficient (the
 * intercept and cut-specific coefficients left out: svg_cuts.c draws
 * those), a square at the estimate and a line over its
 * confidence interval (the interval method in force, Wald or profile), a
 * dashed line at no effect, and the numbers at the right. For logit links
 * the axis is the odds ratio exp(b) on a log scale, so that an interval
 * symmetric in b looks symmetric and OR = 2 and OR = 1/2 lie equally far
 * from 1; for other links it is the coefficient on a linear scale.
 *
 * Markup the test relies on: <svg class="forest">, one <line class="ci">
 * per coefficient with a finite interval, one <rect class="est"> per
 * finite estimate, <line class="ref"> at no effect. */
#include <math.h>
#include <string.h>

#include "report/html.h"
#include "report/rows.h"
#include "report/svg.h"

#define ROW_H 26.0
#define WIDTH 760.0

static int is_intercept(const char *name)
{
    return strcmp(name, "(Intercept)") == 0;
}

void html_figure_forest(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                        int *fig)
{
    int odds = report_has_odds_ratios(a);
    size_t rows = 0, longest = 0;
    double lo = odds ? 1.0 : 0.0, hi = lo;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || r.section != REPORT_COEFFICIENTS || r.cut ||
            is_intercept(r.name))
            continue;
        rows++;
        size_t len = strlen(r.name);
        if (len > longest)
            longest = len;
        double v[3] = {r.est.estimate, r.est.conf_low, r.est.conf_high};
        for (int k = 0; k < 3; k++) {
            double x = odds ? exp(v[k]) : v[k];
            if (isfinite(x) && (!odds || x > 0)) {
                lo = fmin(lo, x);
                hi = fmax(hi, x);
            }
        }
    }
    if (rows == 0)
        return;

    double label_w = fmin(fmax(7.0 * (double)longest, 90.0), 260.0);
    double left = label_w + 18, right = WIDTH - 168, top = 30;
    double bottom = top + ROW_H * (double)rows + 8, height = bottom + 52;
    svg_scale x, y;
    if (odds) {
        double pad = pow(hi / lo, 0.04);
        svg_scale_log(&x, lo / pad, hi * pad, left, right);
    } else {
        double pad = 0.04 * (hi - lo);
        svg_scale_linear(&x, lo - pad, hi + pad, left, right, 6, 1);
    }
    memset(&y, 0, sizeof y);
    y.lo = 0;
    y.hi = 1;
    y.p0 = bottom;
    y.p1 = top;

    int pct = (int)lround(a->conf_level * 100);
    (*fig)++;
    fputs("<figure class=\"forest\">\n", out);
    svg_begin(out, WIDTH, height, "forest",
              odds ? "Forest plot of odds ratios with confidence intervals"
                   : "Forest plot of coefficients with confidence intervals");
    /* row shading first, under everything */
    for (size_t r = 0; r < rows; r++)
        if (r % 2 == 1)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f6f8fa\"/>\n",
                    left, top + 4 + ROW_H * (double)r, right - left, ROW_H);
    svg_axes(out, &x, &y, odds ? "Odds ratio (log scale)" : "Coefficient", NULL, 1, 0);
    double ref = svg_map(&x, odds ? 1.0 : 0.0);
    fprintf(out, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", ref, ref, top,
            bottom);
    char head[64];
    snprintf(head, sizeof head, "%s [%d%% CI]", odds ? "OR" : "Estimate", pct);
    svg_text(out, right + 14, top - 10, "start", "label", head);
    svg_text(out, left - 10, top - 10, "end", "label", "Term");

    size_t r = 0;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row row;
        if (!report_row_get(a, j, &row) || row.section != REPORT_COEFFICIENTS || row.cut ||
            is_intercept(row.name))
            continue;
        double cy = top + 4 + ROW_H * ((double)r + 0.5);
        double e = row.est.estimate, l = row.est.conf_low, h = row.est.conf_high;
        if (odds) {
            e = exp(e);
            l = exp(l);
            h = exp(h);
        }
        svg_text(out, left - 10, cy + 4, "end", "label", row.name);
        int ok_ci = isfinite(l) && isfinite(h) && (!odds || (l > 0 && h > 0));
        if (ok_ci)
            fprintf(out, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#1f2328\" stroke-width=\"1.6\"/>\n",
                    svg_map(&x, l), svg_map(&x, h), cy, cy);
        if (isfinite(e) && (!odds || e > 0))
            fprintf(out, "<rect class=\"est\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
                         "fill=\"#0072B2\"/>\n",
                    svg_map(&x, e) - 4, cy - 4);
        char b1[64], b2[64], b3[64], value[224];
        if (row.diverges)
            snprintf(value, sizeof value, "runs off (separation)");
        else if (ok_ci)
            snprintf(value, sizeof value, "%s [%s, %s]", html_fixed(e, 2, b1, sizeof b1),
                     html_fixed(l, 2, b2, sizeof b2), html_fixed(h, 2, b3, sizeof b3));
        else
            snprintf(value, sizeof value, "%s", html_fixed(e, 2, b1, sizeof b1));
        /* the value holds only digits, signs and brackets: no escaping needed */
        fprintf(out, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">%s</text>\n",
                right + 14, cy + 4, value);
        r++;
    }
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> ", *fig);
    if (odds)
        fprintf(out, "Odds ratios with %d%% confidence intervals, on a log scale; the dashed line "
                     "marks no effect (OR = 1). ",
                pct);
    else
        fprintf(out, "Coefficients (%s scale) with %d%% confidence intervals; the dashed line marks "
                     "no effect (0). ",
                partreg_link_name(partreg_fit_link(a->fit)), pct);
    fputs("Intervals: ", out);
    html_vcov_sentence(a, o, out);
    fputs(".", out);
    if (partreg_frame_has_intercept(a->frame))
        fputs(" The intercept is not shown.", out);
    fputs("</figcaption>\n</figure>\n", out);
}
