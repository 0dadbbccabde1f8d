/* The per-cut figure of the HTML report, for models with cut-specific
 * slopes (nominal effects): one panel per term with such slopes, the cuts
 * along the x axis in order, at each a point at the estimate and a line
 * over its confidence interval (the interval method in force), the points
 * joined, and a dashed line at no effect. A term whose effect is the same
 * at every cut would show a flat row of points: the parallel-lines
 * assumption at a glance. For logit links the axis is the odds ratio
 * exp(b) on a log scale (the odds of a level above the cut), otherwise
 * the coefficient.
 *
 * Markup the test relies on: <svg class="cuts">, one <g class="panel">
 * per term, one <circle class="est"> per finite estimate and one
 * <line class="ci"> per finite interval. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/rows.h"
#include "report/svg.h"

#define PANEL_W 250.0
#define PANEL_H 210.0
#define PER_ROW 3

/* The distinct terms with cut-specific rows, in parameter order. */
static size_t cut_terms(const partreg_analysis *a, const char **terms, size_t max)
{
    size_t n = 0;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || !r.cut)
            continue;
        size_t t = 0;
        while (t < n && strcmp(terms[t], r.term) != 0)
            t++;
        if (t == n && n < max)
            terms[n++] = r.term;
    }
    return n;
}

static double shown(double b, int odds) { return odds ? exp(b) : b; }

/* The name "A|B" of cut `cut`: the term of the cut-th threshold. */
static const char *cut_name(const partreg_analysis *a, size_t cut)
{
    size_t t = 0;
    for (size_t j = 0; j < partreg_fit_n_parameters(a->fit); j++)
        if (partreg_fit_param_kind(a->fit, j) == PARTREG_PARAM_THRESHOLD && t++ == cut)
            return partreg_fit_param_term(a->fit, j);
    return "";
}

static void panel(const partreg_analysis *a, FILE *out, const char *term, double x0, double y0,
                  int odds)
{
    size_t nc = partreg_fit_n_thresholds(a->fit);
    double lo = odds ? 1.0 : 0.0, hi = lo;
    for (size_t j = 0; j < report_n_params(a); j++) {
        report_row r;
        if (!report_row_get(a, j, &r) || !r.cut || strcmp(r.term, term) != 0)
            continue;
        double v[3] = {r.est.estimate, r.est.conf_low, r.est.conf_high};
        for (int k = 0; k < 3; k++) {
            double x = shown(v[k], odds);
            if (isfinite(x) && (!odds || x > 0) && !r.diverges) {
                lo = fmin(lo, x);
                hi = fmax(hi, x);
            }
        }
    }
    double left = x0 + 54, right = x0 + PANEL_W - 12, top = y0 + 26, bottom = y0 + PANEL_H - 46;
    svg_scale x, y;
    memset(&x, 0, sizeof x);
    x.lo = -0.5;
    x.hi = (double)nc - 0.5;
    x.p0 = left;
    x.p1 = right;
    if (odds) {
        double pad = pow(hi / lo, 0.06);
        svg_scale_log(&y, lo / pad, hi * pad, bottom, top);
    } else {
        double pad = 0.06 * (hi - lo);
        svg_scale_linear(&y, lo - pad, hi + pad, bottom, top, 5, 1);
    }
    fputs("<g class=\"panel\">\n", out);
    svg_text(out, (left + right) / 2, y0 + 14, "middle", "label", term);
    svg_axes(out, &x, &y, NULL, NULL, 0, 1);
    double ref = svg_map(&y, odds ? 1.0 : 0.0);
    fprintf(out, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", left,
            right, ref, ref);
    double px = NAN, py = NAN;
    for (size_t cut = 0; cut < nc; cut++) {
        double cx = svg_map(&x, (double)cut);
        for (size_t j = 0; j < report_n_params(a); j++) {
            report_row r;
            if (!report_row_get(a, j, &r) || r.cut_index != cut || strcmp(r.term, term) != 0)
                continue;
            double e = shown(r.est.estimate, odds), l = shown(r.est.conf_low, odds),
                   h = shown(r.est.conf_high, odds);
            int ok_ci = !r.diverges && isfinite(l) && isfinite(h) && (!odds || (l > 0 && h > 0));
            if (ok_ci)
                fprintf(out, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                             "stroke=\"#1f2328\" stroke-width=\"1.6\"/>\n",
                        cx, cx, svg_map(&y, fmax(fmin(l, y.hi), y.lo)),
                        svg_map(&y, fmax(fmin(h, y.hi), y.lo)));
            if (isfinite(e) && (!odds || e > 0) && !r.diverges) {
                double cy = svg_map(&y, e);
                if (isfinite(px))
                    fprintf(out, "<line class=\"trace\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"#0072B2\" stroke-width=\"1\"/>\n",
                            px, cx, py, cy);
                fprintf(out, "<circle class=\"est\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                             "fill=\"#0072B2\"/>\n",
                        cx, cy);
                px = cx;
                py = cy;
            }
        }
        svg_text(out, cx, bottom + 16, "middle", "ticklabel", cut_name(a, cut));
    }
    fputs("</g>\n", out);
}

void html_figure_cuts(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                      int *fig)
{
    size_t max = report_n_params(a);
    const char **terms = malloc((max ? max : 1) * sizeof *terms);
    if (!terms)
        return; /* the figure is left out; the table above has the numbers */
    size_t n = cut_terms(a, terms, max);
    if (n == 0) {
        free(terms);
        return;
    }
    int odds = report_has_odds_ratios(a);
    size_t cols = n < PER_ROW ? n : PER_ROW, rows = (n + PER_ROW - 1) / PER_ROW;
    double width = PANEL_W * (double)cols, height = PANEL_H * (double)rows;
    int pct = (int)lround(a->conf_level * 100);
    (*fig)++;
    fputs("<figure class=\"cuts\">\n", out);
    svg_begin(out, width, height, "cuts",
              "Cut-specific coefficients with confidence intervals, one panel per term");
    for (size_t t = 0; t < n; t++) {
        size_t col = t % PER_ROW, row = t / PER_ROW; /* whole panels */
        panel(a, out, terms[t], PANEL_W * (double)col, PANEL_H * (double)row, odds);
    }
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> Cut-specific effects: for each term with "
                 "nominal effects, its %s at each cut-point of the outcome (the effect on the "
                 "odds of a level above the cut) with %d%% confidence intervals; the dashed "
                 "line marks no effect. Equal effects at every cut (a flat row) is what "
                 "proportional odds assumes. Intervals: ",
            *fig, odds ? "odds ratio (log scale)" : "coefficient", pct);
    html_vcov_sentence(a, o, out);
    fputs(".</figcaption>\n</figure>\n", out);
    free(terms);
}
