/* The community effects of a random-intercept model in the HTML report:
 * a table of the random intercept (sd with its interval, ICC, the LR test
 * of sd = 0, the quadrature) and a caterpillar plot, every community's
 * conditional mode with the interval mode +- z SE (its conditional SE),
 * communities sorted by their mode, on the scale of the linear predictor
 * (for an ordinal model, a positive effect moves a community's residents
 * towards higher levels), a dashed line at 0 (the average community) and a
 * band at +- sd. Up to LABEL_MAX communities are named at the left; more
 * are drawn as thin rows without names.
 *
 * Markup the test relies on: <section id="random">, <table
 * class="random">, <svg class="caterpillar">, one <line class="ci"> and
 * one <circle class="est"> per community with a finite mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "report/html.h"
#include "report/svg.h"

#define WIDTH 760.0
#define LABEL_MAX 60
#define ROW_H 16.0
#define PLOT_H_MAX 640.0

typedef struct group_row {
    size_t g;
    double mode, se;
} group_row;

static int by_mode(const void *a, const void *b)
{
    const group_row *x = a, *y = b;
    if (x->mode < y->mode)
        return -1;
    if (x->mode > y->mode)
        return 1;
    return x->g < y->g ? -1 : x->g > y->g; /* ties in group order: the same figure every run */
}

static void table_row(FILE *out, const char *label, const char *value)
{
    fprintf(out, "<tr><td>%s</td><td>%s</td></tr>\n", label, value);
}

void html_section_random(const partreg_analysis *a, const partreg_html_options *o, FILE *out,
                         int *fig)
{
    (void)o;
    const partreg_fit *fit = a->fit;
    partreg_random_intercept ri;
    if (partreg_fit_random_intercept(fit, &ri, NULL) != PARTREG_OK)
        return;
    const char *g = partreg_fit_group_variable(fit);
    g = g ? g : "group";
    double q = gsl_cdf_ugaussian_Qinv((1.0 - a->conf_level) / 2.0);
    int pct = (int)lround(a->conf_level * 100);
    char b1[96], b2[96], line[512];

    fputs("<section id=\"random\">\n<h2>Community effects</h2>\n", out);
    fputs("<p>Each community ", out);
    fputs("(<code>", out);
    html_escape(out, g);
    fprintf(out, "</code>, %zu groups) shifts its residents' linear predictor by its own effect "
                 "u<sub>g</sub>, drawn from N(0, \xcf\x83<sup>2</sup>). The coefficients above "
                 "are effects within a community; ",
            ri.n_groups);
    if (ri.conditional)
        fputs("predictions and marginal effects in this report are for a community with "
              "u<sub>g</sub> = 0.</p>\n",
              out);
    else
        fputs("predictions and marginal effects in this report are population-averaged: "
              "integrated over u<sub>g</sub>.</p>\n",
              out);

    fputs("<div class=\"tablewrap\"><table class=\"random\">\n<caption>Random intercept</caption>\n"
          "<thead><tr><th>Statistic</th><th>Value</th></tr></thead>\n<tbody>\n",
          out);
    snprintf(line, sizeof line, "%s (SE %s)", html_fixed(ri.sd, 3, b1, sizeof b1),
             html_fixed(ri.sd_std_error, 3, b2, sizeof b2));
    table_row(out, "Standard deviation \xcf\x83", line);
    snprintf(line, sizeof line, "%s to %s",
             html_fixed(ri.at_boundary ? 0.0 : exp(ri.log_sd - q * ri.log_sd_std_error), 3, b1,
                        sizeof b1),
             html_fixed(exp(ri.log_sd + q * ri.log_sd_std_error), 3, b2, sizeof b2));
    char head[96];
    snprintf(head, sizeof head, "%d%% interval (Wald on log \xcf\x83)", pct);
    table_row(out, head, line);
    if (isfinite(ri.icc)) {
        snprintf(line, sizeof line, "%s", html_fixed(ri.icc, 3, b1, sizeof b1));
        table_row(out, "Intraclass correlation (latent scale)", line);
    } else {
        table_row(out, "Intraclass correlation", "not defined (cauchit: no variance)");
    }
    snprintf(line, sizeof line, "\xcf\x87<sup>2</sup> = %s, <i>p</i> = %s",
             html_fixed(ri.lr_chi2, 2, b1, sizeof b1), html_pvalue(ri.lr_p_value, b2, sizeof b2));
    table_row(out, "LR test of \xcf\x83 = 0 (\xc2\xbd \xcf\x87<sup>2</sup><sub>1</sub>)", line);
    if (ri.nagq == 1)
        snprintf(line, sizeof line, "Laplace approximation");
    else
        snprintf(line, sizeof line, "adaptive Gauss\xe2\x80\x93Hermite, %d points", ri.nagq);
    table_row(out, "Integral per community", line);
    fputs("</tbody>\n</table></div>\n", out);
    if (ri.at_boundary) {
        fputs("<p class=\"note\">\xcf\x83 is estimated at 0: the communities do not differ "
              "beyond what the predictors explain, and the estimates are those of the model "
              "without the random intercept.</p>\n</section>\n",
              out);
        return;
    }

    /* ---- the caterpillar plot */
    size_t G = ri.n_groups, n = 0;
    group_row *rows = malloc((G ? G : 1) * sizeof *rows);
    if (!rows) {
        fputs("</section>\n", out);
        return;
    }
    double lo = -ri.sd, hi = ri.sd;
    for (size_t k = 0; k < G; k++) {
        partreg_group_effect e;
        partreg_fit_group_effect(fit, k, &e, NULL);
        if (!isfinite(e.mode))
            continue;
        rows[n++] = (group_row){k, e.mode, e.std_error};
        double l = e.mode - q * e.std_error, h = e.mode + q * e.std_error;
        lo = fmin(lo, isfinite(l) ? l : e.mode);
        hi = fmax(hi, isfinite(h) ? h : e.mode);
    }
    qsort(rows, n, sizeof *rows, by_mode);
    int labels = n <= LABEL_MAX;
    double row_h = labels ? ROW_H : fmax(PLOT_H_MAX / (double)(n ? n : 1), 0.5);
    size_t longest = 4;
    for (size_t r = 0; labels && r < n; r++) {
        size_t len = strlen(partreg_fit_group_label(fit, rows[r].g));
        longest = len > longest ? len : longest;
    }
    double left = labels ? fmin(fmax(7.0 * (double)longest, 40.0), 200.0) + 18 : 56;
    double right = WIDTH - 24, top = 16, bottom = top + row_h * (double)n + 6,
           height = bottom + 52;
    svg_scale x, y;
    double pad = 0.04 * (hi - lo);
    svg_scale_linear(&x, lo - pad, hi + pad, left, right, 6, 1);
    memset(&y, 0, sizeof y);
    y.lo = 0;
    y.hi = 1;
    y.p0 = bottom;
    y.p1 = top;
    (*fig)++;
    fputs("<figure class=\"caterpillar\">\n", out);
    svg_begin(out, WIDTH, height, "caterpillar",
              "Caterpillar plot of the communities' effects with intervals");
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#eef4fb\"/>\n",
            svg_map(&x, -ri.sd), top, svg_map(&x, ri.sd) - svg_map(&x, -ri.sd), bottom - top);
    svg_axes(out, &x, &y, "Community effect (linear predictor scale)", NULL, 1, 0);
    double zero = svg_map(&x, 0.0);
    fprintf(out, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", zero,
            zero, top, bottom);
    double sw = labels ? 1.4 : fmin(1.0, fmax(row_h * 0.8, 0.3));
    for (size_t r = 0; r < n; r++) {
        double cy = top + 3 + row_h * ((double)r + 0.5);
        double l = rows[r].mode - q * rows[r].se, h = rows[r].mode + q * rows[r].se;
        if (isfinite(l) && isfinite(h))
            fprintf(out, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.2f\" y2=\"%.2f\" "
                         "stroke=\"#1f2328\" stroke-width=\"%.2f\"/>\n",
                    svg_map(&x, l), svg_map(&x, h), cy, cy, sw);
        fprintf(out, "<circle class=\"est\" cx=\"%.1f\" cy=\"%.2f\" r=\"%.2f\" fill=\"#0072B2\"/>\n",
                svg_map(&x, rows[r].mode), cy, labels ? 3.2 : fmax(fmin(row_h * 0.45, 2.0), 0.4));
        if (labels)
            svg_text(out, left - 8, cy + 4, "end", "label", partreg_fit_group_label(fit, rows[r].g));
    }
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> The %zu communities' effects: conditional modes of "
                 "u<sub>g</sub> with %d%% intervals (mode \xc2\xb1 %.2f conditional SE), sorted; "
                 "the shaded band is \xc2\xb1\xcf\x83, the dashed line the average community. ",
            *fig, n, pct, q);
    if (partreg_fit_n_thresholds(fit) > 0)
        fputs("A positive effect moves a community's residents towards higher levels.", out);
    else
        fputs("A positive effect raises a community's residents' odds of the event.", out);
    if (!labels)
        fputs(" (Too many communities to name; the table of modes is in the JSON and CSV "
              "output.)",
              out);
    fputs("</figcaption>\n</figure>\n</section>\n", out);
    free(rows);
}
